// Timeouts are `Duration`s, not a bare number of some unit.
fn shutdown(c: &liblxc::Container) -> liblxc::Result<()> {
    c.shutdown(30)
}

fn main() {
    let _ = shutdown;
}
