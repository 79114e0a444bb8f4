//! The contract gaps issue 10 (and one of issue 11) reported, each pinned by a test that failed on the code before it:
//! a timeout reported before it passed, a listing out of the order its docs give, members that
//! returned `Ok` without their effect. (A value that changes while it is read is a unit test of
//! lxc-core's buffer protocol.)
mod common;

use std::time::{Duration, Instant};

use liblxc::{ErrorKind, State};

/// liblxc's `wait` gives up at once when the container has no monitor yet (0.2 ms for a 1 s
/// timeout); `lxc-wait -t 1` waits the second. A timeout is reported only once it has passed.
#[test]
fn wait_reports_a_timeout_only_after_it_has_passed() {
    let _watchdog = common::watchdog(Duration::from_secs(120));
    let lx = lxcpath!();
    let c = lx.busybox("patient");
    for timeout in [Duration::from_millis(300), Duration::from_secs(1)] {
        let started = Instant::now();
        let e = c
            .wait(State::Running, timeout)
            .expect_err("a stopped container does not start by itself");
        let waited = started.elapsed();
        assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
        assert!(
            waited >= timeout,
            "Timeout after {waited:?}, before the {timeout:?} given"
        );
    }
}

/// A container that starts while `wait` waits is seen, although it had no monitor when the wait
/// began.
#[test]
fn wait_sees_a_container_that_starts_meanwhile() {
    let _watchdog = common::watchdog(Duration::from_secs(180));
    let lx = lxcpath!();
    let c = lx.busybox("late");
    let starter = lx.container("late");
    let waiter = std::thread::spawn(move || c.wait(State::Running, Duration::from_secs(120)));
    starter.start().expect("start");
    waiter
        .join()
        .expect("waiting thread")
        .expect("wait saw the start");
    starter.stop().expect("stop");
}

/// `snapshots()` promises oldest first; liblxc lists them in directory order.
#[test]
fn snapshots_are_listed_oldest_first() {
    let _watchdog = common::watchdog(Duration::from_secs(300));
    let lx = lxcpath!();
    let c = lx.busybox("album");
    const N: u32 = 12;
    for i in 0..N {
        assert_eq!(c.snapshot(None).expect("snapshot"), i);
    }
    let names: Vec<String> = c
        .snapshots()
        .expect("list")
        .into_iter()
        .map(|s| s.name)
        .collect();
    let want: Vec<String> = (0..N).map(|i| format!("snap{i}")).collect();
    assert_eq!(names, want);
    c.snapshot_destroy_all().expect("destroy the snapshots");
}

/// liblxc 5.0.2's `stop` returns true for a container that does not run, and for one that does
/// not exist; the docs promise `NotRunning`.
#[test]
fn stop_of_a_container_that_does_not_run_is_not_running() {
    let _watchdog = common::watchdog(Duration::from_secs(120));
    let lx = lxcpath!();
    let stopped = lx.busybox("idle");
    let e = stopped.stop().expect_err("nothing to stop");
    assert_eq!(e.kind(), ErrorKind::NotRunning, "{e}");
    let ghost = lx.container("ghost");
    let e = ghost.stop().expect_err("nothing to stop");
    assert_eq!(e.kind(), ErrorKind::NotRunning, "{e}");
    let e = stopped.unfreeze().expect_err("nothing to thaw");
    assert_eq!(e.kind(), ErrorKind::NotRunning, "{e}");
}

/// A handle whose container another handle destroyed creates it again, as a fresh handle does
/// (issue 11: it failed with "rootfs does not exist").
#[test]
fn a_handle_recreates_a_container_another_handle_destroyed() {
    let _watchdog = common::watchdog(Duration::from_secs(180));
    let lx = lxcpath!();
    let a = lx.busybox("phoenix");
    let b = lx.container("phoenix");
    b.destroy().expect("destroy through the other handle");
    assert!(!a.is_defined());
    a.create_with(
        Some("busybox"),
        None,
        None,
        liblxc::CreateFlags::QUIET,
        &[] as &[&str],
    )
    .expect("create again through the first handle");
    assert!(a.is_defined());
    assert!(lx.path().join("phoenix/rootfs").is_dir());
}

/// A timeout says what did not happen and how the container is now, never a reason an earlier
/// call left in liblxc's log (issue 11: `shutdown(5 s)` said `Unsupported config key
/// "lxc.seccomp"`, from an earlier attach). Before: "it did not happen within the timeout".
#[test]
fn a_timeout_says_what_did_not_happen() {
    let _watchdog = common::watchdog(Duration::from_secs(180));
    let lx = lxcpath!();
    let c = lx.busybox("deaf");
    // An init that ignores the halt and reboot signals: a namespace's init ignores what it does
    // not handle.
    c.start_with(liblxc::StartMode::Boot, &["sleep", "1000"])
        .expect("start");
    c.wait(State::Running, Duration::from_secs(30))
        .expect("RUNNING");
    let earlier = c
        .set_config_item("lxc.earlier.bogus", "1")
        .expect_err("an unknown key");
    assert!(earlier.to_string().contains("lxc.earlier.bogus"));
    let timeout = Duration::from_secs(1);
    for (what, r, said) in [
        ("shutdown", c.shutdown(timeout), "did not stop"),
        ("reboot2", c.reboot2(timeout), "did not restart"),
        (
            "wait",
            c.wait(State::Frozen, timeout),
            "did not reach the state",
        ),
    ] {
        let e = r.expect_err(what);
        let msg = e.to_string();
        assert_eq!(e.kind(), ErrorKind::Timeout, "{what}: {msg}");
        assert!(msg.contains(said), "{what}: {msg}");
        assert!(msg.contains("is running now"), "{what}: {msg}");
        assert!(!msg.contains("lxc.earlier.bogus"), "{what} borrowed: {msg}");
    }
    c.stop().expect("stop");
}
