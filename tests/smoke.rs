//! The smallest real-container round trip; the detailed suites are in the other files.
mod common;

use std::time::Duration;

use liblxc::State;

#[test]
fn create_start_stop_destroy() {
    let lx = lxcpath!();
    let c = lx.running("smoke");
    assert_eq!(c.state().unwrap(), State::Running);
    assert!(c.init_pid().unwrap() > 1);
    c.stop().unwrap();
    c.wait(State::Stopped, Duration::from_secs(10)).unwrap();
    c.destroy().unwrap();
    assert!(!lx.path().join("smoke").exists());
}
