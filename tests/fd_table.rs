//! The caller's descriptor table stays flat over many program runs (issue 11): liblxc 5.0.2's
//! `attach` leaves one pidfd of the container's init open per call, which lxc-rs closes, while a
//! pidfd the caller got from `init_pidfd` stays open and valid.
//!
//! liblxc leaks only in a process with one thread (a service's main loop, a CLI tool), which a
//! test harness never is: this binary has its own `main` (`harness = false`) and runs the program
//! runs in a child process of itself that has a single thread, under a watchdog here.
mod common;

use std::os::fd::{AsRawFd, OwnedFd};
use std::process::Command;
use std::time::{Duration, Instant};

use liblxc::{Container, CreateFlags, State};

/// Runs per mode (five modes): `LXC_RS_FD_RUNS` overrides it (10,000 for the long version).
fn runs() -> usize {
    std::env::var("LXC_RS_FD_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200)
}

fn fd_count() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, Iterator::count)
}

/// The pid a pidfd refers to, from its fdinfo.
fn pidfd_pid(fd: &OwnedFd) -> Option<i32> {
    let info = std::fs::read_to_string(format!("/proc/self/fdinfo/{}", fd.as_raw_fd())).ok()?;
    info.lines()
        .find_map(|l| l.strip_prefix("Pid:\t"))
        .and_then(|p| p.trim().parse().ok())
}

/// A running busybox container in `dir`, made without the test helpers (which start threads).
fn running(dir: &std::path::Path, name: &str) -> Container {
    let c = Container::new_in(name, dir).expect("open");
    c.create_with(Some("busybox"), None, None, CreateFlags::QUIET, &[])
        .expect("create");
    c.clear_config_item("lxc.net").expect("clear lxc.net");
    c.set_config_item("lxc.net.0.type", "empty")
        .expect("set lxc.net.0.type");
    c.save_config(None).expect("save");
    c.start().expect("start");
    c.wait(State::Running, Duration::from_secs(30))
        .expect("wait RUNNING");
    c
}

/// In the single-threaded child: every run mode, `runs()` times, then the count.
fn child(dir: &std::path::Path) {
    let c = running(dir, "fds");
    let init = c.init_pid().expect("init pid");
    // A pidfd the caller holds across the runs: it must stay open and keep naming init.
    let held = c.init_pidfd().expect("init_pidfd");
    c.command("true").status().expect("status");
    let before = fd_count();
    let n = runs();
    for _ in 0..n {
        c.command("true").status().expect("status");
        c.command("true").output().expect("output");
        c.command("true")
            .spawn()
            .expect("spawn")
            .wait()
            .expect("wait");
        c.command("true").run_wait().expect("run_wait");
        // SAFETY: the closure only returns a number.
        unsafe { c.attach_fn(|| 0) }.status().expect("closure");
    }
    let after = fd_count();
    let held_ok = pidfd_pid(&held) == Some(init);
    drop(held);
    c.stop().expect("stop");
    c.destroy().expect("destroy");
    println!(
        "runs={} before={before} after={after} held_ok={held_ok}",
        5 * n
    );
    assert_eq!(
        after,
        before,
        "the descriptor table grew by {} over {} program runs",
        after as isize - before as isize,
        5 * n
    );
    assert!(held_ok, "the held init pidfd was closed or reused");
}

fn program_runs_leave_no_descriptor_behind() {
    let lx = lxcpath!();
    let exe = std::env::current_exe().expect("this test binary");
    let mut kid = Command::new(exe)
        .env("LXC_RS_FD_CHILD", lx.path())
        .spawn()
        .expect("spawn the single-threaded child");
    let limit = Duration::from_secs(900);
    let start = Instant::now();
    let status = loop {
        if let Some(s) = kid.try_wait().expect("wait for the child") {
            break s;
        }
        if start.elapsed() > limit {
            let _ = kid.kill();
            let _ = kid.wait();
            panic!("WATCHDOG: the program runs did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "the child failed: {status}");
}

/// `init_pidfd` in one thread while another runs programs on the same container: every pidfd
/// handed out stays valid (the shield only closes liblxc's leaks).
fn init_pidfds_survive_concurrent_program_runs() {
    let _watchdog = common::watchdog(Duration::from_secs(600));
    let lx = lxcpath!();
    let c = lx.running("fds2");
    let other = lx.container("fds2");
    let init = c.init_pid().expect("init pid");
    let runner = std::thread::spawn(move || {
        for _ in 0..100 {
            other.command("true").status().expect("status");
        }
    });
    let mut held = Vec::new();
    for _ in 0..100 {
        held.push(c.init_pidfd().expect("init_pidfd"));
    }
    runner.join().expect("runner thread");
    for fd in &held {
        assert_eq!(
            pidfd_pid(fd),
            Some(init),
            "a handed-out init pidfd was closed"
        );
    }
    drop(held);
    c.stop().expect("stop");
}

fn main() {
    if let Some(dir) = std::env::var_os("LXC_RS_FD_CHILD") {
        child(std::path::Path::new(&dir));
        return;
    }
    program_runs_leave_no_descriptor_behind();
    eprintln!("fd_table: program runs leave no descriptor behind: ok");
    init_pidfds_survive_concurrent_program_runs();
    eprintln!("fd_table: init pidfds survive concurrent program runs: ok");
}
