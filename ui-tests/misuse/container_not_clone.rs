// A second reference to the same liblxc object is `try_clone`, which can fail; there is no `Clone`.
fn twice(c: liblxc::Container) -> (liblxc::Container, liblxc::Container) {
    (c.clone(), c)
}

fn main() {
    let _ = twice;
}
