//! Where the reasons of failures come from: each container object's own log (lxc-core's logcap).
//!
//! Checked here: the log never shows in the configuration; a container's own `lxc.log.file` keeps
//! working and explains its failures; a failing create explains itself with liblxc's lines and the
//! template's stderr; nothing reaches the process's stderr; the log follows the object through
//! `clear_config` and `load_config`; one descriptor per object, given back when it is dropped; a
//! log that successful calls fill is emptied; a monitor cannot fill the log of a dropped object.
mod common;

use std::io::Read;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::Mutex;

use liblxc::{Container, ErrorKind};

/// One test at a time: one redirects fd 2, one counts descriptors.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd")
        .count()
}

#[test]
fn the_log_never_shows_in_the_configuration() {
    let _serial = serial();
    let lx = lxcpath!();
    let c = lx.busybox("quiet");
    // A failure, and successful calls, so the object's log is set up and used.
    c.config_item("lxc.bogus").expect_err("an unknown key");
    c.set_config_item("lxc.uts.name", "renamed").expect("set");
    assert_eq!(c.config_item("lxc.log.file").expect("lxc.log.file"), "");
    c.save_config(None).expect("save");
    let text = std::fs::read_to_string(lx.path().join("quiet/config")).expect("config");
    assert!(!text.contains("lxc.log"), "{text}");
    assert!(text.contains("lxc.uts.name = renamed"), "{text}");
    // After a reload the new configuration gets a log of its own, still invisible.
    c.clear_config();
    c.load_config(None).expect("load");
    let e = c
        .config_item("lxc.bogus_again")
        .expect_err("an unknown key");
    assert!(e.to_string().contains("lxc.bogus_again"), "{e}");
    assert_eq!(c.config_item("lxc.log.file").expect("lxc.log.file"), "");
    c.save_config(None).expect("save");
    let text = std::fs::read_to_string(lx.path().join("quiet/config")).expect("config");
    assert!(!text.contains("lxc.log"), "{text}");
}

#[test]
fn a_containers_own_log_file_is_kept_and_read() {
    let _serial = serial();
    let lx = lxcpath!();
    let c = lx.busybox("ownlog");
    let log = lx.path().join("ownlog.log");
    c.set_config_item("lxc.log.file", log.to_str().expect("utf-8"))
        .expect("set lxc.log.file");
    c.save_config(None).expect("save");
    let c = lx.container("ownlog");
    let e = c.config_item("lxc.bogus_own").expect_err("an unknown key");
    assert!(e.to_string().contains("lxc.bogus_own"), "{e}");
    let text = std::fs::read_to_string(&log).expect("the container's log file");
    assert!(
        text.contains("Unsupported config key \"lxc.bogus_own\""),
        "{text}"
    );
    assert_eq!(
        c.config_item("lxc.log.file").expect("lxc.log.file"),
        log.to_str().unwrap()
    );
}

#[test]
fn a_failed_create_says_what_liblxc_and_the_template_said() {
    let _serial = serial();
    let lx = lxcpath!();
    let c = lx.container("badopt");
    let e = c
        .create("busybox", &["--no-such-option"])
        .expect_err("the template refuses the option");
    let s = e.to_string();
    assert!(
        s.contains("Failed to create container from template"),
        "{s}"
    );
    assert!(s.contains("stderr:") && s.contains("no-such-option"), "{s}");
    let e = lx
        .container("notmpl")
        .create("no-such-template", &[])
        .expect_err("no such template");
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
    assert!(e.to_string().contains("no-such-template"), "{e}");
    // A failed create leaves the object as it was: a second try works.
    c.create("busybox", &[])
        .expect("create after a failed create");
    assert!(c.is_defined());
    assert_eq!(c.config_item("lxc.uts.name").expect("uts"), "badopt");
}

/// Runs `f` with fd 2 pointing at a pipe; returns what was written to it.
fn stderr_of(f: impl FnOnce()) -> String {
    let mut fds = [0; 2];
    // SAFETY: pipe2 writes two new descriptors into the array we own.
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
    // SAFETY: both are new descriptors we own.
    let (r, w) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    // SAFETY: dup(2) makes a copy we own; dup2 then points fd 2 at the pipe.
    let saved = unsafe { OwnedFd::from_raw_fd(libc::dup(2)) };
    unsafe { libc::dup2(w.as_raw_fd(), 2) };
    f();
    // SAFETY: puts the saved stderr back.
    unsafe { libc::dup2(saved.as_raw_fd(), 2) };
    drop(w);
    let mut out = String::new();
    std::fs::File::from(r)
        .read_to_string(&mut out)
        .expect("read the pipe");
    out
}

#[test]
fn failing_calls_print_nothing_to_stderr() {
    let _serial = serial();
    let lx = lxcpath!();
    let c = lx.busybox("silent");
    let printed = stderr_of(|| {
        c.config_item("lxc.bogus_loud").expect_err("an unknown key");
        c.set_config_item("lxc.tty.max", "abc")
            .expect_err("a bad value");
        lx.container("ghost")
            .load_config(None)
            .expect_err("no configuration");
    });
    assert!(!printed.contains("lxc"), "printed to stderr: {printed}");
}

#[test]
fn each_object_holds_one_descriptor_while_it_lives() {
    let _serial = serial();
    let lx = lxcpath!();
    lx.busybox("fds");
    // Warm up: the first object may set up process-wide state.
    lx.container("fds")
        .config_item("lxc.uts.name")
        .expect("uts");
    let before = open_fds();
    let objects: Vec<Container> = (0..20)
        .map(|_| {
            let c = lx.container("fds");
            c.config_item("lxc.uts.name").expect("uts");
            c
        })
        .collect();
    let with = open_fds();
    drop(objects);
    let after = open_fds();
    // Other tests of this binary open and close descriptors meanwhile: allow some slack.
    assert!(
        with >= before + 20 && with <= before + 25,
        "20 objects: {before} -> {with} descriptors"
    );
    assert!(
        after <= before + 5,
        "dropped: {before} -> {after} descriptors"
    );
}

/// The size of every in-memory log of lxc-rs that process `pid` holds open.
fn object_logs_of(pid: u32) -> Vec<u64> {
    let dir = format!("/proc/{pid}/fd");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|e| {
            std::fs::read_link(e.path())
                .is_ok_and(|t| t.to_string_lossy().starts_with("/memfd:lxc-rs-log "))
        })
        .filter_map(|e| std::fs::metadata(e.path()).ok().map(|m| m.len()))
        .collect()
}

/// The pid of the monitor of `name` in `lxcpath`.
fn monitor_of(lxcpath: &std::path::Path, name: &str) -> Option<u32> {
    let want = format!("[lxc monitor] {} {name}", lxcpath.display());
    std::fs::read_dir("/proc").ok()?.flatten().find_map(|e| {
        let pid: u32 = e.file_name().to_str()?.parse().ok()?;
        let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
        String::from_utf8_lossy(&cmd)
            .trim_end_matches('\0')
            .starts_with(&want)
            .then_some(pid)
    })
}

#[test]
fn a_log_that_fills_between_failures_is_emptied() {
    let _serial = serial();
    let lx = lxcpath!();
    let c = lx.busybox("chatty");
    // liblxc logs an ERROR line (over 100 bytes) on each of these calls, and yet they succeed:
    // 30,000 of them write more than 3 MiB that no failure reads.
    for _ in 0..30_000 {
        c.keys(Some("lxc.net.0.")).expect("keys");
    }
    let me = std::process::id();
    let sizes = object_logs_of(me);
    assert!(!sizes.is_empty(), "no object log open");
    assert!(
        sizes.iter().all(|s| *s <= 2 << 20),
        "object logs grew to {sizes:?} bytes"
    );
}

#[test]
fn a_monitor_cannot_fill_the_log_of_a_dropped_object() {
    let _serial = serial();
    let lx = lxcpath!();
    let c = lx.running("mon");
    let monitor = monitor_of(lx.path(), "mon").expect("the monitor");
    assert_eq!(
        object_logs_of(monitor).len(),
        1,
        "the monitor keeps the log"
    );
    drop(c);
    // The monitor logs each refused request; nobody reads that log any more.
    let c = lx.container("mon");
    for _ in 0..50 {
        c.running_config_item("lxc.bogus")
            .expect_err("an unknown key");
    }
    assert_eq!(object_logs_of(monitor), vec![0]);
    c.stop().expect("stop");
}
