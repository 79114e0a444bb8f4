//! Reaps dropped children that still run, so none stays a zombie: one thread, started on first
//! need, that sleeps in `poll(2)` on their pidfds (and on a wake-up pipe for new ones), so a child is
//! reaped as soon as it exits. Without pidfds (Linux < 5.3) it polls `waitpid(WNOHANG)` instead, at
//! most a second apart.

use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

struct Handle {
    tx: Sender<(libc::pid_t, Option<OwnedFd>)>,
    wake: OwnedFd,
}

static REAPER: Mutex<Option<Handle>> = Mutex::new(None);

/// Hands an unreaped child (and its pidfd, if any) to the reaper thread.
pub(super) fn adopt(pid: libc::pid_t, pidfd: Option<OwnedFd>) {
    let mut r = REAPER.lock().unwrap_or_else(PoisonError::into_inner);
    if r.is_none() {
        *r = start();
    }
    let Some(h) = r.as_ref() else {
        // No thread: the child stays a zombie until this process exits; a destructor must not
        // block, so nothing better is possible.
        return;
    };
    if h.tx.send((pid, pidfd)).is_ok() {
        // SAFETY: writes one byte from a live buffer to the wake-up pipe (non-blocking: a full
        // pipe already means "wake up").
        let _ = unsafe { libc::write(h.wake.as_raw_fd(), [1u8].as_ptr().cast(), 1) };
    }
}

fn start() -> Option<Handle> {
    let (r, w) = super::stdio::pipe().ok()?;
    for fd in [&r, &w] {
        // SAFETY: fcntl on a descriptor we own.
        unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETFL, libc::O_NONBLOCK) };
    }
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("lxc-rs-reaper".into())
        .spawn(move || run(&rx, &r))
        .ok()?;
    Some(Handle { tx, wake: w })
}

fn run(rx: &Receiver<(libc::pid_t, Option<OwnedFd>)>, wake: &OwnedFd) {
    const MAX_NAP: Duration = Duration::from_secs(1);
    let mut pending: Vec<(libc::pid_t, Option<OwnedFd>)> = Vec::new();
    let mut nap = Duration::from_millis(5);
    loop {
        pending.extend(rx.try_iter());
        pending.retain(|(pid, _)| matches!(super::child::waitpid(*pid, libc::WNOHANG), Ok(None)));
        let mut fds = vec![libc::pollfd {
            fd: wake.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        }];
        fds.extend(
            pending
                .iter()
                .filter_map(|(_, f)| f.as_ref())
                .map(|f| libc::pollfd {
                    fd: f.as_raw_fd(),
                    events: libc::POLLIN,
                    revents: 0,
                }),
        );
        let timeout = if pending.iter().any(|(_, f)| f.is_none()) {
            nap = (nap * 2).min(MAX_NAP);
            nap.as_millis() as libc::c_int
        } else {
            -1
        };
        // SAFETY: fds is a valid array of fds.len() pollfds.
        unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout) };
        if fds[0].revents != 0 {
            let mut buf = [0u8; 64];
            // SAFETY: reads into a live buffer of its length (non-blocking).
            while unsafe { libc::read(wake.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) } > 0 {}
        }
    }
}
