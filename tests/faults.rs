//! Faults from outside the process, on real busybox containers: the container's init killed while a
//! call waits on it, the monitor process stopped (`SIGSTOP`) while a call asks it something, and the
//! container's files removed or moved under a live handle.
//!
//! Every operation that could hang runs on a worker thread with a deadline, so a hang fails the test
//! instead of hanging CI; every error must name its operation and its container; nothing may panic.
mod common;

use common::eventually;

use std::any::Any;
use std::os::unix::process::ExitStatusExt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use liblxc::{Container, ErrorKind, Namespaces, State, Version};

const SECS_10: Duration = Duration::from_secs(10);

fn panic_message(p: &(dyn Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(non-string panic)".into())
}

/// Runs `f` and fails the test with a clear message if it panics (instead of returning or erring).
#[track_caller]
fn no_panic<T>(what: &str, f: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(v) => v,
        Err(p) => panic!("{what} panicked: {}", panic_message(&*p)),
    }
}

/// An operation running on its own thread, so the test can give up waiting for it.
struct Worker<T> {
    rx: mpsc::Receiver<std::thread::Result<T>>,
    what: &'static str,
}

fn worker<T: Send + 'static>(
    what: &'static str,
    f: impl FnOnce() -> T + Send + 'static,
) -> Worker<T> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(catch_unwind(AssertUnwindSafe(f)));
    });
    Worker { rx, what }
}

impl<T> Worker<T> {
    /// The result, or `None` if the operation did not finish within `limit`. Fails the test if the
    /// operation panicked.
    fn within(&self, limit: Duration) -> Option<T> {
        match self.rx.recv_timeout(limit) {
            Ok(Ok(v)) => Some(v),
            Ok(Err(p)) => panic!("{} panicked: {}", self.what, panic_message(&*p)),
            Err(mpsc::RecvTimeoutError::Timeout) => None,
            Err(mpsc::RecvTimeoutError::Disconnected) => panic!("{} vanished", self.what),
        }
    }

    /// The result; fails the test if it takes longer than `limit`.
    #[track_caller]
    fn finish(&self, limit: Duration) -> T {
        self.within(limit)
            .unwrap_or_else(|| panic!("{} did not return within {limit:?} (hang)", self.what))
    }
}

/// Asserts that `e` is about operation `op` on container `name`, and says so in its `Display`.
#[track_caller]
fn assert_error(e: &liblxc::Error, op: &str, name: &str) {
    let msg = e.to_string();
    assert_eq!(e.operation(), op, "wrong operation in {msg:?}");
    assert!(msg.starts_with(op), "{msg:?} does not start with {op}");
    assert_eq!(e.container(), Some(name), "{msg:?}");
    assert!(
        msg.contains(&format!("container \"{name}\"")),
        "{msg:?} does not name the container {name:?}"
    );
    assert!(!e.reason().trim().is_empty(), "no reason: {msg:?}");
}

/// `(command name, state, parent)` of `pid`, from `/proc/<pid>/stat`.
fn stat(pid: i32) -> Option<(String, char, i32)> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (open, close) = (s.find('(')?, s.rfind(')')?);
    let mut f = s[close + 1..].split_whitespace();
    let state = f.next()?.chars().next()?;
    let ppid = f.next()?.parse().ok()?;
    Some((s[open + 1..close].to_string(), state, ppid))
}

fn cmdline(pid: i32) -> String {
    let raw = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    String::from_utf8_lossy(&raw).replace('\0', " ")
}

/// A live child of this process named `comm`.
fn our_child_named(comm: &str) -> Option<i32> {
    let me = std::process::id() as i32;
    std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .find(|&pid| {
            stat(pid).is_some_and(|(c, state, ppid)| c == comm && ppid == me && state != 'Z')
        })
}

fn kill(pid: i32, sig: i32) {
    // SAFETY: kill takes a pid and a signal number.
    let r = unsafe { libc::kill(pid, sig) };
    assert_eq!(
        r,
        0,
        "kill({pid}, {sig}): {}",
        std::io::Error::last_os_error()
    );
}

// ------------------------------------------------------------------------------------------------
// The container's init killed from outside
// ------------------------------------------------------------------------------------------------

/// After init died: the container reports STOPPED, calls that need it running say so, and it starts
/// again.
fn assert_stopped_and_restartable(c: &Container, name: &str) {
    no_panic("wait(STOPPED) after init died", || {
        c.wait(State::Stopped, SECS_10).unwrap();
    });
    assert_eq!(c.state().unwrap(), State::Stopped);
    assert!(!c.is_running());
    let e = c.init_pid().map(|p| p as i32).unwrap_err();
    assert_error(&e, "init_pid", name);
    assert_eq!(e.kind(), ErrorKind::NotRunning, "{e}");
    let e = c.command("true").status().unwrap_err();
    assert_error(&e, "attach", name);
    assert_eq!(e.kind(), ErrorKind::NotRunning, "{e}");
    c.start().unwrap();
    c.wait(State::Running, SECS_10).unwrap();
    assert!(c.command("true").status().unwrap().success());
}

#[test]
fn init_killed_while_status_waits_for_a_program() {
    let lx = lxcpath!();
    let name = "killstatus";
    let c = lx.running(name);
    let init = c.init_pid().map(|p| p as i32).unwrap();
    let w = worker("command(\"sleep 5\").status()", move || {
        let t = Instant::now();
        let r = c.command("sleep").arg("5").status();
        (c, r, t.elapsed())
    });
    assert!(
        eventually(SECS_10, || our_child_named("sleep").is_some()),
        "sleep never started"
    );
    kill(init, libc::SIGKILL);
    let killed = Instant::now();
    let (c, r, took) = w.finish(Duration::from_secs(20));
    eprintln!(
        "status() after init was killed: {r:?}, {:?} after the kill, {took:?} in all",
        killed.elapsed()
    );
    // The kernel kills every process of the PID namespace when its init dies.
    let s = r.unwrap();
    assert_eq!(s.signal(), Some(libc::SIGKILL), "{s:?}");
    assert!(
        took < Duration::from_secs(5),
        "status() took {took:?}: it waited for sleep 5 instead of seeing it killed"
    );
    assert_stopped_and_restartable(&c, name);
}

#[test]
fn init_killed_while_output_reads_a_program() {
    let lx = lxcpath!();
    let name = "killoutput";
    let c = lx.running(name);
    let init = c.init_pid().map(|p| p as i32).unwrap();
    let w = worker("output() of a program printing forever", move || {
        let r = c
            .command("sh")
            .args(["-c", "while :; do echo tick; sleep 0.05; done"])
            .output();
        (c, r)
    });
    assert!(eventually(SECS_10, || our_child_named("sh").is_some()));
    std::thread::sleep(Duration::from_millis(200));
    kill(init, libc::SIGKILL);
    let (c, r) = w.finish(Duration::from_secs(20));
    let out = r.unwrap();
    assert_eq!(out.status.signal(), Some(libc::SIGKILL), "{:?}", out.status);
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with("tick\n"),
        "{out:?}"
    );
    assert_stopped_and_restartable(&c, name);
}

#[test]
fn init_killed_while_wait_for_stopped_waits() {
    let lx = lxcpath!();
    let name = "killwait";
    let c = lx.running(name);
    let init = c.init_pid().map(|p| p as i32).unwrap();
    let w = worker("wait(STOPPED, 10 s)", move || {
        let t = Instant::now();
        let r = c.wait(State::Stopped, SECS_10);
        (c, r, t.elapsed())
    });
    std::thread::sleep(Duration::from_millis(300));
    kill(init, libc::SIGKILL);
    let (c, r, took) = w.finish(Duration::from_secs(20));
    eprintln!("wait(STOPPED) with init killed after 300 ms: {r:?} in {took:?}");
    r.unwrap();
    assert!(
        took < Duration::from_secs(8),
        "wait returned after {took:?}: by its timeout, not by the stop"
    );
    assert_stopped_and_restartable(&c, name);
}

// ------------------------------------------------------------------------------------------------
// The monitor stopped with SIGSTOP
// ------------------------------------------------------------------------------------------------

/// The `[lxc monitor]` process of the container whose init is `init`: init's parent.
fn monitor_of(init: i32, lxcpath: &Path, name: &str) -> i32 {
    let (_, _, mon) = stat(init).expect("init's /proc/<pid>/stat");
    let cl = cmdline(mon);
    assert!(
        cl.starts_with("[lxc monitor]")
            && cl.contains(&*lxcpath.to_string_lossy())
            && cl.contains(name),
        "init {init}'s parent {mon} is not the container's monitor: {cl:?}"
    );
    mon
}

/// A monitor stopped with `SIGSTOP`; continued (`SIGCONT`) by [`resume`](StoppedMonitor::resume) or on
/// drop, so a failing test never leaves it stopped.
struct StoppedMonitor(i32);

impl StoppedMonitor {
    fn stop(pid: i32) -> StoppedMonitor {
        kill(pid, libc::SIGSTOP);
        let m = StoppedMonitor(pid);
        assert!(
            eventually(SECS_10, || stat(pid).is_some_and(|(_, s, _)| s == 'T')),
            "monitor {pid} did not stop"
        );
        m
    }

    fn resume(&self) {
        kill(self.0, libc::SIGCONT);
    }
}

impl Drop for StoppedMonitor {
    fn drop(&mut self) {
        // SAFETY: kill takes a pid and a signal number.
        unsafe { libc::kill(self.0, libc::SIGCONT) };
    }
}

/// liblxc before 6.0 has no timeout on the queries to the monitor (`set_timeout` is 6.0).
fn monitor_queries_can_time_out() -> bool {
    liblxc::runtime_version().at_least(Version::new(6, 0, 0))
}

/// `state()` asks the monitor over its command socket. With the monitor stopped, liblxc 5.0 waits
/// for the answer without a timeout: the call blocks until the monitor is continued, and then
/// answers RUNNING. Nothing is lost: the container is healthy afterwards.
#[test]
fn monitor_stopped_blocks_state_until_it_is_continued() {
    let lx = lxcpath!();
    let name = "stopstate";
    let c = lx.running(name);
    let init = c.init_pid().map(|p| p as i32).unwrap();
    let mon = monitor_of(init, lx.path(), name);
    let h = Container::new_in(name, lx.path()).unwrap();
    if monitor_queries_can_time_out() {
        h.set_timeout(Some(Duration::from_secs(1))).unwrap();
    }

    let monitor = StoppedMonitor::stop(mon);
    let w = worker("state() with the monitor stopped", move || {
        let t = Instant::now();
        let r = h.state();
        (h, r, t.elapsed(), Instant::now())
    });
    let early = w.within(Duration::from_secs(3));
    let blocked = early.is_none();
    let resumed = Instant::now();
    let (h, r, took, done) = match early {
        Some(v) => {
            // Only with a timeout (liblxc 6.0): an answer without the monitor.
            assert!(
                monitor_queries_can_time_out(),
                "state() returned {:?} with the monitor stopped",
                v.1
            );
            eprintln!("state() with the monitor stopped: {:?} in {:?}", v.1, v.2);
            monitor.resume();
            v
        }
        None => {
            // Blocked, as documented for liblxc < 6.0. Continuing the monitor unblocks it.
            monitor.resume();
            w.finish(SECS_10)
        }
    };
    drop(monitor);
    if blocked {
        assert!(
            done >= resumed,
            "state() returned before the monitor was continued"
        );
        assert_eq!(
            r.as_ref().unwrap(),
            &State::Running,
            "state() once the monitor was continued"
        );
        eprintln!("state() blocked while the monitor was stopped, returned {r:?} after SIGCONT ({took:?} in all)");
    }
    assert_eq!(h.state().unwrap(), State::Running);
    assert_healthy(&c, name);
}

/// `wait(FROZEN, 2 s)` first registers with the monitor (without a timeout: liblxc's `wait` asks
/// through the container's name, not its object, so 6.0's `set_timeout` does not reach it), then
/// waits up to 2 s for the state: with the monitor stopped it blocks until the monitor is
/// continued, then times out 2 s later with an error naming `wait` and the container. Seen on
/// liblxc 4.0.6, 5.0.2 and 6.0.4 (the latter with `set_timeout(1 s)`).
#[test]
fn monitor_stopped_blocks_wait_until_it_is_continued_then_times_out() {
    let lx = lxcpath!();
    let name = "stopwait";
    let c = lx.running(name);
    let init = c.init_pid().map(|p| p as i32).unwrap();
    let mon = monitor_of(init, lx.path(), name);
    let h = Container::new_in(name, lx.path()).unwrap();
    if monitor_queries_can_time_out() {
        h.set_timeout(Some(Duration::from_secs(1))).unwrap();
    }

    let monitor = StoppedMonitor::stop(mon);
    let w = worker("wait(FROZEN, 2 s) with the monitor stopped", move || {
        let t = Instant::now();
        let r = h.wait(State::Frozen, Duration::from_secs(2));
        (h, r, t.elapsed())
    });
    let early = w.within(Duration::from_secs(4));
    let blocked = early.is_none();
    let continued = Instant::now();
    monitor.resume();
    let (h, r, took) = match early {
        Some(v) => v,
        None => w.finish(SECS_10),
    };
    drop(monitor);
    eprintln!(
        "wait(FROZEN, 2 s) with the monitor stopped 4 s: {r:?} after {took:?} ({:?} after SIGCONT)",
        continued.elapsed()
    );
    assert!(
        blocked,
        "wait returned {r:?} after {took:?} with the monitor stopped"
    );
    assert!(
        continued.elapsed() < Duration::from_secs(5),
        "wait went on {:?} after the monitor was continued",
        continued.elapsed()
    );
    let e = r.unwrap_err();
    assert_error(&e, "wait", name);
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert_eq!(h.state().unwrap(), State::Running);
    assert_healthy(&c, name);
}

/// The container still runs programs, freezes, thaws and stops.
fn assert_healthy(c: &Container, name: &str) {
    assert_eq!(c.state().unwrap(), State::Running, "{name}");
    let out = c.command("echo").arg("alive").output().unwrap();
    assert_eq!(out.stdout, b"alive\n");
    c.freeze().unwrap();
    assert_eq!(c.state().unwrap(), State::Frozen);
    c.unfreeze().unwrap();
    c.wait(State::Running, SECS_10).unwrap();
    c.stop().unwrap();
    c.wait(State::Stopped, SECS_10).unwrap();
    assert_eq!(c.state().unwrap(), State::Stopped);
}

// ------------------------------------------------------------------------------------------------
// Files removed or moved under a live handle
// ------------------------------------------------------------------------------------------------

/// What a handle on a container whose files are gone must do: say it is not defined and stopped,
/// and refuse what needs the files with errors naming the operation and the container.
fn assert_gone(c: &Container, name: &str) {
    no_panic("the calls on a container whose files are gone", || {
        assert!(!c.is_defined());
        assert_eq!(c.state().unwrap(), State::Stopped);
        assert!(!c.is_running());

        let e = c.start().unwrap_err();
        assert_error(&e, "start", name);
        assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
        assert!(e.reason().contains("not defined"), "{e}");
        eprintln!("{name}: {e}");

        let e = c.load_config(None).unwrap_err();
        assert_error(&e, "load_config", name);
        eprintln!("{name}: {e}");

        let e = c.destroy().unwrap_err();
        assert_error(&e, "destroy", name);
        assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");

        let e = c.rename(&format!("{name}-renamed")).unwrap_err();
        assert_error(&e, "rename", name);
        eprintln!("{name}: {e}");

        let e = c.command("true").status().unwrap_err();
        assert_error(&e, "attach", name);
        assert_eq!(e.kind(), ErrorKind::NotRunning, "{e}");

        let e = c.init_pid().map(|p| p as i32).unwrap_err();
        assert_error(&e, "init_pid", name);
        eprintln!("{name}: {e}");
    });
    // A fresh handle agrees.
    let fresh = Container::new_in(name, c.config_path().unwrap()).unwrap();
    assert!(!fresh.is_defined());
    let e = fresh.start().unwrap_err();
    assert_error(&e, "start", name);
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
}

#[test]
fn container_directory_removed_under_a_live_handle() {
    let lx = lxcpath!();
    let name = "rmdir";
    let c = lx.running(name);
    c.stop().unwrap();
    c.wait(State::Stopped, SECS_10).unwrap();
    let dir = lx.path().join(name);
    std::fs::remove_dir_all(&dir).unwrap();

    assert_gone(&c, name);
    // The configuration the handle loaded is still in memory.
    assert_eq!(c.config_item("lxc.uts.name").unwrap(), name);
    c.set_config_item("lxc.uts.name", "still-in-memory")
        .unwrap();
    assert_eq!(c.config_item("lxc.uts.name").unwrap(), "still-in-memory");
    assert!(!dir.exists(), "nothing recreated the directory");
}

#[test]
fn lxcpath_removed_under_a_live_handle() {
    let lx = lxcpath!();
    let name = "rmpath";
    let c = lx.running(name);
    c.stop().unwrap();
    c.wait(State::Stopped, SECS_10).unwrap();
    std::fs::remove_dir_all(lx.path()).unwrap();

    assert_gone(&c, name);
    assert_eq!(c.config_path().unwrap(), lx.path());
    assert!(!lx.path().exists());
}

/// Only the configuration file removed: the handle still has the configuration it loaded in memory,
/// and liblxc starts from that (it never checks `is_defined`): the container runs while it is not
/// defined. Stopped again, it cannot be destroyed (not defined) and a fresh handle cannot start it.
#[test]
fn config_file_removed_under_a_live_handle() {
    let lx = lxcpath!();
    let name = "rmconfig";
    let c = lx.busybox(name);
    let config = c.config_file_name().unwrap();
    assert_eq!(config, lx.path().join(name).join("config"));
    std::fs::remove_file(&config).unwrap();

    let c = worker(
        "calls on a container whose config file is gone",
        move || {
            assert!(!c.is_defined());
            assert_eq!(c.state().unwrap(), State::Stopped);
            let e = c.load_config(None).unwrap_err();
            assert_error(&e, "load_config", name);
            let e = c.destroy().unwrap_err();
            assert_error(&e, "destroy", name);
            assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");

            // Started from the configuration in memory.
            c.start().unwrap();
            c.wait(State::Running, SECS_10).unwrap();
            assert!(!c.is_defined());
            assert_eq!(c.state().unwrap(), State::Running);
            let out = c.command("hostname").output().unwrap();
            assert_eq!(out.stdout, format!("{name}\n").as_bytes());
            c.stop().unwrap();
            c.wait(State::Stopped, SECS_10).unwrap();
            c
        },
    )
    .finish(Duration::from_secs(60));
    assert!(
        !config.exists(),
        "start did not write the configuration back"
    );

    // A handle that never loaded the configuration has nothing to start from.
    let fresh = Container::new_in(name, lx.path()).unwrap();
    assert!(!fresh.is_defined());
    let e = fresh.start().unwrap_err();
    assert_error(&e, "start", name);
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
    let e = fresh.load_config(None).unwrap_err();
    assert_error(&e, "load_config", name);
    assert_eq!(c.state().unwrap(), State::Stopped);
    // The rootfs is still there; only the configuration is gone.
    assert!(lx.path().join(name).join("rootfs").join("bin").is_dir());
}

#[test]
fn container_directory_renamed_under_a_stopped_handle() {
    let lx = lxcpath!();
    let name = "mvdir";
    let moved = "mvdir-moved";
    let c = lx.busybox(name);
    let (from, to) = (lx.path().join(name), lx.path().join(moved));
    std::fs::rename(&from, &to).unwrap();

    assert_gone(&c, name);

    // The directory under its new name is a container whose configuration still points at the old
    // one (its rootfs, its name): it cannot start, and says so.
    let m = Container::new_in(moved, lx.path()).unwrap();
    assert!(m.is_defined());
    assert_eq!(m.config_item("lxc.uts.name").unwrap(), name);
    let w = worker("start of the moved container", move || {
        let r = m.start();
        (m, r)
    });
    let (m, r) = w.finish(Duration::from_secs(30));
    let e = r.unwrap_err();
    eprintln!("start of the moved directory: {e}");
    assert_error(&e, "start", moved);
    assert_eq!(m.state().unwrap(), State::Stopped);

    // Moved back, the first handle works again.
    std::fs::rename(&to, &from).unwrap();
    assert!(c.is_defined());
    c.start().unwrap();
    c.wait(State::Running, SECS_10).unwrap();
    assert!(c.command("true").status().unwrap().success());
    c.stop().unwrap();
    c.wait(State::Stopped, SECS_10).unwrap();
}

/// A running container does not need its directory: the monitor is reached through an abstract
/// socket and the rootfs is already mounted. Moving the directory changes nothing until it stops;
/// stopped, it is gone until the directory comes back.
#[test]
fn container_directory_renamed_under_a_running_container() {
    let lx = lxcpath!();
    let name = "mvrun";
    let c = lx.running(name);
    let (from, to) = (lx.path().join(name), lx.path().join("mvrun-moved"));
    std::fs::rename(&from, &to).unwrap();

    let c = worker(
        "calls on a running container whose directory moved",
        move || {
            assert!(!c.is_defined());
            assert_eq!(c.state().unwrap(), State::Running);
            assert!(c.init_pid().map(|p| p as i32).unwrap() > 0);
            let out = c.command("hostname").output().unwrap();
            assert_eq!(out.stdout, format!("{name}\n").as_bytes());
            c.freeze().unwrap();
            assert_eq!(c.state().unwrap(), State::Frozen);
            c.unfreeze().unwrap();
            c.stop().unwrap();
            c.wait(State::Stopped, SECS_10).unwrap();
            c
        },
    )
    .finish(Duration::from_secs(60));
    assert_gone(&c, name);

    std::fs::rename(&to, &from).unwrap();
    assert!(c.is_defined());
    c.destroy().unwrap();
    assert!(!from.exists());
}

// ------------------------------------------------------------------------------------------------
// An attach liblxc refuses
// ------------------------------------------------------------------------------------------------

/// A privileged container has no user namespace of its own, so attaching to "its" user namespace
/// fails in liblxc (`setns` to the caller's own namespace is EINVAL). The error names the operation
/// and the container, and nothing is left running.
#[test]
fn attach_refused_by_liblxc_is_an_error_naming_attach() {
    let lx = lxcpath!();
    let name = "nsfail";
    let c = lx.running(name);
    let c = worker("attach to the USER namespace", move || {
        for ns in [Namespaces::USER, Namespaces::USER | Namespaces::MOUNT] {
            let e = c.command("true").namespaces(ns).status().unwrap_err();
            assert_error(&e, "attach", name);
            assert!(e.reason().contains("user namespace"), "{e}");
        }
        c
    })
    .finish(Duration::from_secs(30));
    assert_eq!(our_child_named("true"), None);
    assert!(c.command("true").status().unwrap().success());
}

/// liblxc 5.0.2 logs `Unsupported config key "lxc.seccomp"` at level ERROR on every attach (its
/// `fetch_seccomp` tries the legacy key when `lxc.seccomp.profile` is unset). That line says nothing
/// about why an attach failed, and must not be part of the reason.
#[test]
fn attach_error_reason_leaves_out_the_benign_seccomp_line() {
    let lx = lxcpath!();
    let name = "seccompline";
    let c = lx.running(name);
    let c = worker("attach to the USER namespace", move || {
        let e = c
            .command("true")
            .namespaces(Namespaces::USER)
            .status()
            .unwrap_err();
        (c, e)
    });
    let (_c, e) = c.finish(Duration::from_secs(30));
    assert_error(&e, "attach", name);
    assert!(!e.reason().contains("lxc.seccomp"), "{e}");
}
