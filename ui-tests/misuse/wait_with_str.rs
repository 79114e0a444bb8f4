use std::time::Duration;

// `wait` takes a `State`, so a misspelt state name cannot reach liblxc.
fn wait_running(c: &liblxc::Container) -> liblxc::Result<()> {
    c.wait("RUNNING", Duration::from_secs(5))
}

fn main() {
    let _ = wait_running;
}
