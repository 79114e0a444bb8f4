//! Terminals and the console ring buffer, and the console session the probe child runs.

use std::fs::File;
use std::io::Write;
use std::os::fd::{AsFd, FromRawFd};
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use liblxc::{Container, ErrorKind as K};

use crate::common::Lxcpath;
use crate::engine::{Table, INVALID, NOT_FOUND, NOT_RUNNING};

/// A pipe: (read end, write end).
fn pipe() -> (File, File) {
    let mut fds = [0; 2];
    // SAFETY: fds is a valid array of two ints.
    assert_eq!(
        unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) },
        0,
        "pipe2"
    );
    // SAFETY: pipe2 returned two new descriptors that nothing else owns.
    unsafe { (File::from_raw_fd(fds[0]), File::from_raw_fd(fds[1])) }
}

/// A console session on `tty` with `escape`, with stdin a pipe that is told to detach (Ctrl-a q)
/// and closed after 3 s, so that a session that should not have started still ends.
pub fn console_session(c: &Container, tty: i32, escape: i32) -> liblxc::Result<()> {
    let (r, mut w) = pipe();
    let null = File::options()
        .write(true)
        .open("/dev/null")
        .expect("/dev/null");
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let detacher = std::thread::spawn(move || {
        if done_rx.recv_timeout(Duration::from_secs(3)).is_err() {
            let _ = w.write_all(b"\x01q");
        }
        drop(w);
    });
    let r = c.console(tty, r.as_fd(), null.as_fd(), null.as_fd(), escape);
    let _ = done_tx.send(());
    let _ = detacher.join();
    r
}

/// Terminals and the console ring buffer.
pub fn console(lx: &Lxcpath, scratch: &Path) -> Table {
    let (hot, cold, ghost) = ("co-hot", "co-cold", "co-ghost");
    lx.running(hot);
    lx.busybox(cold);
    let mut t = Table::new("console", lx, scratch, true);
    t.on(hot, "console_fd(u32::MAX)", "console_getfd", INVALID, |c| {
        c.console_fd(Some(u32::MAX))
    });
    t.on(
        hot,
        "console_fd(i32::MAX as u32 + 1)",
        "console_getfd",
        INVALID,
        |c| c.console_fd(Some(1 << 31)),
    );
    for tty in [6, 99, i32::MAX as u32] {
        t.on(
            hot,
            format!("console_fd of tty {tty} (lxc.tty.max = 5)"),
            "console_getfd",
            &[K::NotFound, K::InvalidArgument, K::Failed],
            move |c| c.console_fd(Some(tty)),
        );
    }
    t.on(
        hot,
        "console_fd of a terminal reserved already",
        "console_getfd",
        &[K::Failed, K::AlreadyExists],
        |c| {
            let held = c.console_fd(Some(2))?;
            let again = c.console_fd(Some(2));
            drop(held);
            again
        },
    );
    for tty in [6, 99, i32::MAX] {
        t.on(
            hot,
            format!("console session on tty {tty}"),
            "console",
            &[K::NotFound, K::InvalidArgument, K::Failed],
            move |c| console_session(c, tty, 1),
        );
    }
    for name in [cold, ghost] {
        t.on(name, "console_fd", "console_getfd", NOT_RUNNING, |c| {
            c.console_fd(None)
        });
        t.on(
            name,
            "console_fd(Some(0))",
            "console_getfd",
            NOT_RUNNING,
            |c| c.console_fd(Some(0)),
        );
        t.on(name, "console session", "console", NOT_RUNNING, |c| {
            console_session(c, 1, 1)
        });
        t.on(name, "console_log", "console_log", NOT_RUNNING, |c| {
            c.console_log(false)
        });
        t.on(name, "clear_console_log", "console_log", NOT_RUNNING, |c| {
            c.clear_console_log()
        });
    }
    t.on(
        hot,
        "console_log without a ring buffer",
        "console_log",
        NOT_FOUND,
        |c| c.console_log(true),
    );
    t.on(
        hot,
        "clear_console_log without a ring buffer",
        "console_log",
        NOT_FOUND,
        |c| c.clear_console_log(),
    );
    t
}
