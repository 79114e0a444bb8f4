//! A copy's init and its monitor as pidfds: stopping a copy without a round trip to its monitor
//! and without a forked child.
//!
//! liblxc's `stop` asks the copy's monitor to kill init and returns when the monitor has closed
//! its command socket, after it removed the copy (`lxc.ephemeral = 1`). lxc-rs runs `stop` in a
//! forked child (its call limit), after a state query, and checks the state again afterwards.
//! For a copy this is done directly: `SIGKILL` through init's pidfd, then a wait, bounded by the
//! copy's timeout, on the monitor's pidfd. The monitor exits only after it has run the post-stop
//! hooks and removed the copy, so once it has exited the copy is gone, and a new container of the
//! same name cannot meet its command socket.

use std::fs;
use std::os::fd::{AsRawFd, OwnedFd};
use std::time::Instant;

use crate::exec::pidfd_open;
use crate::Container;

/// The pidfds of a running copy's init and monitor.
#[derive(Debug)]
pub(super) struct Pids {
    init: OwnedFd,
    init_pid: libc::pid_t,
    monitor: OwnedFd,
}

/// How a direct stop ended.
pub(super) enum Stopped {
    /// The monitor has exited: the copy is gone (unless liblxc failed to remove it).
    Gone,
    /// The monitor did not exit before the deadline.
    TimedOut,
    /// Not done (a frozen copy, or the signal could not be sent): stop through liblxc.
    NotTried,
}

impl Pids {
    /// The pidfds of `c`'s init and monitor (the init's parent), or `None` when the kernel or
    /// liblxc cannot give them (no pidfds before Linux 5.3; `init_pidfd` since liblxc 4.0).
    pub(super) fn of(c: &Container) -> Option<Pids> {
        let init = c.init_pidfd().ok()?;
        let init_pid = pidfd_pid(&init)?;
        let ppid = parent_of(init_pid)?;
        let monitor = pidfd_open(ppid)?;
        // init's parent is its monitor for as long as init lives (liblxc kills init when the
        // monitor dies): the same parent after the open, with init alive, names that monitor.
        let same = parent_of(init_pid) == Some(ppid) && !readable(&init, 0);
        same.then_some(Pids {
            init,
            init_pid,
            monitor,
        })
    }

    /// Kills init and waits until the monitor has exited, at most until `deadline`.
    pub(super) fn stop(&self, deadline: Instant) -> Stopped {
        if frozen_v1(self.init_pid) {
            // A cgroup v1 freezer holds a killed task until it is thawed; liblxc's stop thaws.
            return Stopped::NotTried;
        }
        // SAFETY: pidfd_send_signal with a pidfd this value owns, a signal number, no siginfo,
        // no flags.
        let r = unsafe {
            libc::syscall(
                libc::SYS_pidfd_send_signal,
                self.init.as_raw_fd(),
                libc::SIGKILL,
                std::ptr::null::<libc::siginfo_t>(),
                0,
            )
        };
        // ESRCH: init has already exited (the copy stops by itself); wait for the monitor too.
        if r < 0 && std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH) {
            return Stopped::NotTried;
        }
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if readable(
                &self.monitor,
                left.as_millis().try_into().unwrap_or(i32::MAX),
            ) {
                return Stopped::Gone;
            }
            if left.is_zero() {
                return Stopped::TimedOut;
            }
        }
    }
}

/// Whether the pidfd `fd` is readable (its process has exited) within `ms` milliseconds.
fn readable(fd: &OwnedFd, ms: i32) -> bool {
    let mut p = libc::pollfd {
        fd: fd.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one pollfd on a descriptor the caller owns.
    let n = unsafe { libc::poll(&mut p, 1, ms) };
    n > 0 && p.revents & (libc::POLLIN | libc::POLLHUP) != 0
}

/// The pid a pidfd refers to (its `/proc/self/fdinfo` line `Pid:`).
fn pidfd_pid(fd: &OwnedFd) -> Option<libc::pid_t> {
    let text = fs::read_to_string(format!("/proc/self/fdinfo/{}", fd.as_raw_fd())).ok()?;
    let pid = field(&text, "Pid:")?.parse().ok()?;
    (pid > 0).then_some(pid)
}

/// The parent of `pid` (`PPid:` in `/proc/<pid>/status`).
fn parent_of(pid: libc::pid_t) -> Option<libc::pid_t> {
    let text = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let ppid = field(&text, "PPid:")?.parse().ok()?;
    (ppid > 1).then_some(ppid)
}

fn field<'t>(text: &'t str, name: &str) -> Option<&'t str> {
    text.lines()
        .find_map(|l| l.strip_prefix(name))
        .map(str::trim)
}

/// Whether `pid` sits in a cgroup v1 freezer cgroup that is not thawed (or whose state cannot be
/// read: then liblxc decides). On cgroup v2 a fatal signal ends a frozen task.
fn frozen_v1(pid: libc::pid_t) -> bool {
    let Ok(text) = fs::read_to_string(format!("/proc/{pid}/cgroup")) else {
        return true;
    };
    let Some(path) = text.lines().find_map(|l| {
        let mut parts = l.splitn(3, ':');
        let (_, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
        controllers
            .split(',')
            .any(|c| c == "freezer")
            .then_some(path)
    }) else {
        return false;
    };
    fs::read_to_string(format!("/sys/fs/cgroup/freezer{path}/freezer.state"))
        .map_or(true, |s| s.trim() != "THAWED")
}
