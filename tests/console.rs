//! Consoles on real busybox containers: a terminal's descriptors (and that dropping them releases
//! the terminal and closes both), the interactive call's error paths, and the console ring buffer.
mod common;

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use liblxc::{Container, ErrorKind};

/// The tests here count the process's descriptors: run them one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd")
        .count()
}

/// Reads from `fd` until `want` shows up or `timeout` passes; returns everything read.
fn read_until(fd: &File, want: &str, timeout: Duration) -> String {
    let deadline = Instant::now() + timeout;
    let mut out = Vec::new();
    let mut f = fd;
    while Instant::now() < deadline && !String::from_utf8_lossy(&out).contains(want) {
        let mut pfd = libc::pollfd {
            fd: fd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        let left = deadline.saturating_duration_since(Instant::now());
        // SAFETY: one valid pollfd for the duration of the call.
        let n = unsafe { libc::poll(&mut pfd, 1, left.as_millis().min(1000) as i32) };
        if n <= 0 {
            continue;
        }
        let mut buf = [0u8; 4096];
        match f.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(k) => out.extend_from_slice(&buf[..k]),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A running busybox container with at least two terminals.
fn running_with_ttys(lx: &common::Lxcpath, name: &str) -> Container {
    let c = lx.busybox(name);
    let ttys = c.config_item("lxc.tty.max").expect("lxc.tty.max");
    eprintln!("busybox template: lxc.tty.max = {ttys:?}");
    if ttys.trim().parse::<u32>().unwrap_or(0) < 2 {
        c.set_config_item("lxc.tty.max", "2")
            .expect("set lxc.tty.max");
        // liblxc 4.0 takes the ttys from the container's devpts, mounted with `max=` lxc.pty.max
        // (1 in the busybox template): a second tty fails ("Failed to create tty 1") without room.
        c.set_config_item("lxc.pty.max", "16")
            .expect("set lxc.pty.max");
        c.save_config(None).expect("save");
    }
    c.start().expect("start");
    c.wait(liblxc::State::Running, Duration::from_secs(10))
        .expect("running");
    c
}

#[test]
fn console_fd_talks_to_getty_and_drop_releases_the_terminal() {
    let _serial = serial();
    let lx = lxcpath!();
    let c = running_with_ttys(&lx, "con-fd");

    let fds_before = open_fds();
    let console = c.console_fd(Some(1)).expect("reserve tty1");
    assert_eq!(console.tty_num, 1);
    assert_eq!(open_fds(), fds_before + 2, "keeper and ptx");
    let keeper_link = std::fs::read_link(format!("/proc/self/fd/{}", console.keeper.as_raw_fd()))
        .expect("keeper link");
    let ptx_link =
        std::fs::read_link(format!("/proc/self/fd/{}", console.ptx.as_raw_fd())).expect("ptx link");
    eprintln!("keeper -> {keeper_link:?}, ptx -> {ptx_link:?}");
    assert!(keeper_link.to_string_lossy().starts_with("socket:"));

    // busybox runs `getty -L tty1` from its inittab: a newline makes it print its login prompt.
    let ptx = File::from(console.ptx.try_clone().expect("dup ptx"));
    (&ptx).write_all(b"\n").expect("write a newline");
    let seen = read_until(&ptx, "login:", Duration::from_secs(10));
    eprintln!("tty1 said: {seen:?}");
    assert!(seen.contains("login:"), "{seen:?}");
    drop(ptx);

    // While it is held, nobody else gets tty1.
    let e = c.console_fd(Some(1)).expect_err("tty1 is busy");
    eprintln!("tty1 again: {e}");
    assert_eq!(e.operation(), "console_getfd");
    assert_eq!(e.container(), Some("con-fd"));
    let other = c.console_fd(None).expect("the first free terminal");
    assert_ne!(other.tty_num, 1, "the first free one is not the held one");
    eprintln!(
        "first free terminal while tty1 is held: tty{}",
        other.tty_num
    );
    drop(other);

    drop(console);
    assert_eq!(open_fds(), fds_before, "dropping closes both descriptors");
    let again = c.console_fd(Some(1)).expect("tty1 is free again");
    assert_eq!(again.tty_num, 1);
    drop(again);

    let e = c.console_fd(Some(99)).expect_err("no tty99");
    eprintln!("tty99: {e}");
    assert_eq!(e.operation(), "console_getfd");
    let e = c
        .console_fd(Some(u32::MAX))
        .expect_err("not a terminal number");
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert_eq!(open_fds(), fds_before, "failures leak nothing");
}

#[test]
fn console_fd_and_console_on_a_stopped_container() {
    let _serial = serial();
    let lx = lxcpath!();
    let c = lx.busybox("con-stopped");
    let e = c.console_fd(None).expect_err("stopped");
    eprintln!("console_fd: {e}");
    assert_eq!(e.kind(), ErrorKind::NotRunning);
    assert_eq!(e.operation(), "console_getfd");
    assert_eq!(e.container(), Some("con-stopped"));

    // The interactive call fails before it touches the descriptors or the terminal.
    let null = File::options()
        .read(true)
        .write(true)
        .open("/dev/null")
        .unwrap();
    let e = c
        .console(None, null.as_fd(), null.as_fd(), null.as_fd(), 1)
        .expect_err("stopped");
    eprintln!("console: {e} / {e:?}");
    assert_eq!(e.kind(), ErrorKind::NotRunning);
    assert_eq!(e.operation(), "console");
    assert_eq!(e.container(), Some("con-stopped"));
}

#[test]
fn console_on_a_terminal_that_does_not_exist_fails_without_blocking() {
    let _serial = serial();
    let lx = lxcpath!();
    let c = running_with_ttys(&lx, "con-bad-tty");
    let (tx, rx) = std::sync::mpsc::channel();
    // On its own thread: if liblxc ever accepted tty 99 it would block in its session loop.
    std::thread::spawn(move || {
        let null = File::options()
            .read(true)
            .write(true)
            .open("/dev/null")
            .unwrap();
        let r = c.console(Some(99), null.as_fd(), null.as_fd(), null.as_fd(), 1);
        let _ = tx.send(r.map_err(|e| (e.kind(), e.operation(), e.to_string())));
    });
    let r = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("console(99) returned");
    let (kind, op, msg) = r.expect_err("no tty99");
    eprintln!("console(99): {msg}");
    assert_eq!(op, "console");
    assert_ne!(kind, ErrorKind::NotRunning);
}

/// Reads the ring buffer until it holds `want` (output reaches it asynchronously).
fn log_until(c: &Container, want: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut all = Vec::new();
    while Instant::now() < deadline {
        all.extend(c.console_log().expect("console_log"));
        if String::from_utf8_lossy(&all).contains(want) {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    String::from_utf8_lossy(&all).into_owned()
}

fn to_console(c: &Container, text: &str) {
    let status = c
        .command("sh")
        .args(["-c", &format!("echo {text} > /dev/console")])
        .status()
        .expect("echo to /dev/console");
    assert!(status.success(), "{status}");
}

#[test]
fn console_log_reads_consumes_and_clears_the_ring_buffer() {
    let _serial = serial();
    let lx = lxcpath!();
    let c = lx.busybox("con-log");
    c.set_config_item("lxc.console.buffer.size", "4096")
        .expect("buffer size");
    c.save_config(None).expect("save");
    c.start().expect("start");
    c.wait(liblxc::State::Running, Duration::from_secs(10))
        .expect("running");

    // busybox init asks on the console for Enter (inittab `console::askfirst:/bin/sh`).
    let boot = log_until(&c, "activate this console");
    eprintln!("boot output in the ring buffer: {boot:?}");
    assert!(boot.contains("activate this console"), "{boot:?}");

    to_console(&c, "hello-from-rust");
    let seen = log_until(&c, "hello-from-rust");
    assert!(seen.contains("hello-from-rust"), "{seen:?}");
    assert_eq!(
        c.console_log().expect("read again"),
        b"",
        "a read consumes what it returned"
    );

    to_console(&c, "read-and-clear");
    std::thread::sleep(Duration::from_millis(300));
    let seen = String::from_utf8(c.take_console_log().expect("read and clear")).unwrap();
    assert!(seen.contains("read-and-clear"), "{seen:?}");
    assert_eq!(c.console_log().expect("after clear"), b"");

    to_console(&c, "cleared-unread");
    std::thread::sleep(Duration::from_millis(300));
    c.clear_console_log().expect("clear");
    assert_eq!(c.console_log().expect("after clear"), b"", "cleared");
    c.clear_console_log().expect("clearing an empty buffer");

    let bytes = 4096 + 1000;
    let status = c
        .command("sh")
        .args([
            "-c",
            &format!("head -c {bytes} /dev/zero | tr '\\0' x > /dev/console"),
        ])
        .status()
        .expect("flood the console");
    assert!(status.success());
    std::thread::sleep(Duration::from_millis(500));
    let flood = c.console_log().expect("read the flood");
    eprintln!("after writing {bytes} bytes: {} in the buffer", flood.len());
    assert!(!flood.is_empty() && flood.len() <= 4096, "{}", flood.len());
}

#[test]
fn console_log_without_a_buffer_or_when_stopped() {
    let _serial = serial();
    let lx = lxcpath!();
    let c = lx.busybox("con-nolog");
    let e = c.console_log().expect_err("stopped");
    eprintln!("stopped: {e} / {e:?}");
    assert_eq!(e.kind(), ErrorKind::NotRunning);
    assert_eq!(e.operation(), "console_log");
    assert_eq!(e.container(), Some("con-nolog"));
    let e = c.clear_console_log().expect_err("stopped");
    assert_eq!(e.kind(), ErrorKind::NotRunning);

    c.start().expect("start");
    c.wait(liblxc::State::Running, Duration::from_secs(10))
        .expect("running");
    let e = c.console_log().expect_err("no ring buffer");
    eprintln!("no buffer: {e} / {e:?}");
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(e.reason().contains("lxc.console.buffer.size"), "{e}");
}
