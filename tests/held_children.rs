//! A caller that holds programs it started, unwaited, can still stop the container (issue 11):
//! an unreaped program kept the container's init from dying, and `stop` waited for ever. Each
//! `Child::wait` then reports how the program ended.
mod common;

use std::os::unix::process::ExitStatusExt;
use std::time::Duration;

#[test]
fn stop_returns_while_the_caller_holds_unwaited_children() {
    let _watchdog = common::watchdog(Duration::from_secs(180));
    let lx = lxcpath!();
    let c = lx.running("holder");
    let mut kids: Vec<_> = (0..3)
        .map(|_| c.command("sleep").arg("1000").spawn().expect("spawn"))
        .collect();
    // Same thread, children held and unwaited.
    c.stop().expect("stop returns");
    assert!(!c.is_running());
    for k in &mut kids {
        let s = k.wait().expect("the stop reaped it; wait reports it");
        assert_eq!(s.signal(), Some(libc::SIGKILL), "{s:?}");
    }
}

#[test]
fn shutdown_returns_while_another_thread_holds_unwaited_children() {
    let _watchdog = common::watchdog(Duration::from_secs(180));
    let lx = lxcpath!();
    let c = lx.running("holder2");
    let other = lx.container("holder2");
    let (tx, rx) = std::sync::mpsc::channel();
    let holder = std::thread::spawn(move || {
        let kid = other.command("sleep").arg("1000").spawn().expect("spawn");
        tx.send(()).expect("started");
        kid
    });
    rx.recv().expect("the child started");
    let mut kid = holder.join().expect("holder thread");
    common::wait_booted(&c, Duration::from_secs(30));
    c.shutdown(Duration::from_secs(60))
        .or_else(|_| c.stop())
        .expect("the container goes down");
    assert!(!c.is_running());
    let s = kid
        .try_wait()
        .expect("try_wait")
        .or_else(|| kid.wait().ok());
    assert!(s.is_some_and(|s| !s.success()), "{s:?}");
}
