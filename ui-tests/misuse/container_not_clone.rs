// A second reference to the same liblxc object is `try_clone`, which can fail; there is no `Clone`.
fn second(c: &lxc::Container) -> lxc::Container {
    c.clone()
}

fn main() {
    let _ = second;
}
