// `into_raw` gives the reference away: the `Container` is gone.
fn leak(c: liblxc::Container) -> bool {
    let _ptr = c.into_raw();
    c.is_defined()
}

fn main() {
    let _ = leak;
}
