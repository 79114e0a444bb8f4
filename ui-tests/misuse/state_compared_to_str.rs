// A state is a `State`, not liblxc's string.
fn is_running(c: &liblxc::Container) -> liblxc::Result<bool> {
    Ok(c.state()? == "RUNNING")
}

fn main() {
    let _ = is_running;
}
