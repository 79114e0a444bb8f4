//! [`Child`], a process started by [`Command::spawn`]: waiting for it (`waitpid`), killing it, and
//! reading its piped output.

use std::ffi::c_int;
use std::fmt;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::process::ExitStatusExt;
use std::process::{ChildStderr, ChildStdin, ChildStdout, ExitStatus, Output};
use std::ptr;

use lxc_core::{Error, ErrorKind, Result};

use super::reaper;

#[cfg(doc)]
use super::{Command, Stdio};

/// A process started by [`Command::spawn`], a child of the calling process.
///
/// # Dropping
///
/// Dropping a `Child` that was not waited for does not kill it (as with [`std::process::Child`]),
/// and does not leave a zombie either: a process that already exited is reaped at once, and one still
/// running is handed to a background thread (`lxc-rs-reaper`, started on first need) that reaps it
/// when it exits. Call [`kill`](Child::kill) first to stop it.
///
/// Like [`std::process::Child`], this relies on nothing else in the process reaping children with
/// `waitpid(-1)` or `SIGCHLD` set to `SIG_IGN` (liblxc itself breaks under those).
///
/// # Stopping the container
///
/// The process lives in the container's PID namespace, and the kernel does not let a PID namespace
/// end (so liblxc's `stop` does not return) until each of its processes has been reaped, including
/// this one, which only its parent (the caller) may reap. Wait for or drop every `Child` of a
/// container before stopping it from the same thread; dropped ones are reaped by the background
/// thread as soon as the stop kills them.
pub struct Child {
    pid: libc::pid_t,
    pidfd: Option<OwnedFd>,
    container: Box<str>,
    status: Option<ExitStatus>,
    /// The write end of the program's stdin, when it was [`Stdio::piped`]. [`wait`](Child::wait)
    /// closes it first.
    pub stdin: Option<ChildStdin>,
    /// The read end of the program's stdout, when it was [`Stdio::piped`].
    pub stdout: Option<ChildStdout>,
    /// The read end of the program's stderr, when it was [`Stdio::piped`].
    pub stderr: Option<ChildStderr>,
}

impl fmt::Debug for Child {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Child")
            .field("pid", &self.pid)
            .field("container", &self.container)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

impl Child {
    /// The `Child` of process `pid`, which `attach` started in `container`, with the caller's ends
    /// of its pipes.
    pub(super) fn new(
        pid: libc::pid_t,
        container: &str,
        init: Option<libc::pid_t>,
        stdin: Option<OwnedFd>,
        stdout: Option<OwnedFd>,
        stderr: Option<OwnedFd>,
    ) -> Child {
        if let Some(init) = init {
            super::held::note(pid, init);
        }
        Child {
            pid,
            pidfd: pidfd_open(pid),
            container: container.into(),
            status: None,
            stdin: stdin.map(ChildStdin::from),
            stdout: stdout.map(ChildStdout::from),
            stderr: stderr.map(ChildStderr::from),
        }
    }

    /// The process id, as the caller sees it (not the id inside the container's PID namespace).
    pub fn id(&self) -> u32 {
        self.pid as u32
    }

    /// The name of the container the process runs in.
    #[cfg_attr(not(feature = "tokio"), allow(dead_code))]
    pub(crate) fn container(&self) -> &str {
        &self.container
    }

    /// A pidfd of the process (`pidfd_open`), when the kernel has them (Linux 5.3): poll it to learn
    /// when the process exits.
    pub fn pidfd(&self) -> Option<BorrowedFd<'_>> {
        use std::os::fd::AsFd;
        self.pidfd.as_ref().map(|f| f.as_fd())
    }

    /// The status a stop of the container reaped (see `held.rs`), when `waitpid` found none.
    fn reaped_while_stopping(&mut self, e: &io::Error) -> Option<ExitStatus> {
        if e.raw_os_error() != Some(libc::ECHILD) {
            return None;
        }
        let s = super::held::reaped(self.pid)?;
        self.status = Some(s);
        Some(s)
    }

    fn error(&self, op: &'static str, e: io::Error) -> Error {
        let kind = match e.raw_os_error() {
            Some(libc::ECHILD) | Some(libc::ESRCH) => ErrorKind::NotFound,
            Some(libc::EPERM) => ErrorKind::PermissionDenied,
            _ => ErrorKind::Failed,
        };
        let reason = match e.raw_os_error() {
            Some(libc::ECHILD) => format!(
                "process {} was reaped by someone else (waitpid(-1) or SIGCHLD ignored)",
                self.pid
            ),
            _ => format!("process {}", self.pid),
        };
        let mut err = Error::new(kind, op, reason).with_container(&*self.container);
        if let Some(n) = e.raw_os_error() {
            err = err.with_errno(n);
        }
        err
    }

    /// Waits for the process to exit and returns its status (a signal is a signal:
    /// [`ExitStatusExt::signal`]). Closes [`stdin`](Child::stdin) first, so a program reading it
    /// sees its end.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NotFound`] when something else reaped the process; `Failed` for another
    /// `waitpid` failure.
    pub fn wait(&mut self) -> Result<ExitStatus> {
        drop(self.stdin.take());
        if let Some(s) = self.status {
            return Ok(s);
        }
        match waitpid(self.pid, 0) {
            Ok(Some(s)) => {
                super::held::forget(self.pid);
                self.status = Some(s);
                Ok(s)
            }
            Ok(None) => unreachable!("waitpid without WNOHANG returned 0"),
            Err(e) => match self.reaped_while_stopping(&e) {
                Some(s) => Ok(s),
                None => Err(self.error("wait", e)),
            },
        }
    }

    /// The exit status if the process has exited, `None` if it still runs. Does not block.
    ///
    /// # Errors
    ///
    /// As [`wait`](Child::wait).
    pub fn try_wait(&mut self) -> Result<Option<ExitStatus>> {
        if let Some(s) = self.status {
            return Ok(Some(s));
        }
        match waitpid(self.pid, libc::WNOHANG) {
            Ok(s) => {
                if s.is_some() {
                    super::held::forget(self.pid);
                }
                self.status = s;
                Ok(s)
            }
            Err(e) => match self.reaped_while_stopping(&e) {
                Some(s) => Ok(Some(s)),
                None => Err(self.error("wait", e)),
            },
        }
    }

    /// Sends `SIGKILL` (through the pidfd when there is one). Does nothing once the process was
    /// waited for.
    ///
    /// # Errors
    ///
    /// When the signal cannot be sent.
    pub fn kill(&mut self) -> Result<()> {
        if self.status.is_some() {
            return Ok(());
        }
        let by_pidfd = match &self.pidfd {
            // SAFETY: pidfd_send_signal with a live pidfd, a signal number, no siginfo, no flags.
            Some(fd) => unsafe {
                libc::syscall(
                    libc::SYS_pidfd_send_signal,
                    fd.as_raw_fd(),
                    libc::SIGKILL,
                    ptr::null::<libc::siginfo_t>(),
                    0,
                )
            },
            None => -1,
        };
        // Without pidfd_send_signal (no pidfd, or ENOSYS: a kernel before 5.1, a seccomp
        // filter, valgrind 3.24): the pid, which is our unreaped child and cannot have been reused.
        let r = if by_pidfd < 0
            && (self.pidfd.is_none()
                || io::Error::last_os_error().raw_os_error() == Some(libc::ENOSYS))
        {
            // SAFETY: see above.
            unsafe { libc::kill(self.pid, libc::SIGKILL) }.into()
        } else {
            by_pidfd
        };
        if r < 0 {
            return Err(self.error("kill", io::Error::last_os_error()));
        }
        Ok(())
    }

    /// Closes stdin, reads stdout and stderr to their ends (concurrently), waits, and returns all
    /// three. A stream that was not piped is empty in the result.
    ///
    /// # Errors
    ///
    /// As [`wait`](Child::wait), and `Failed` when reading a pipe fails.
    pub fn wait_with_output(mut self) -> Result<Output> {
        drop(self.stdin.take());
        let out = self.stdout.take().map(OwnedFd::from);
        let err = self.stderr.take().map(OwnedFd::from);
        let (stdout, stderr) = read2(out, err).map_err(|e| self.error("output", e))?;
        let status = self.wait()?;
        Ok(Output {
            status,
            stdout,
            stderr,
        })
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        super::held::forget(self.pid);
        if self.status.is_some() {
            return;
        }
        if let Ok(None) = waitpid(self.pid, libc::WNOHANG) {
            reaper::adopt(self.pid, self.pidfd.take());
        }
    }
}

/// Reads two pipes to their ends at once (poll), so that neither writer can block on a full pipe.
fn read2(a: Option<OwnedFd>, b: Option<OwnedFd>) -> io::Result<(Vec<u8>, Vec<u8>)> {
    let mut fds = [a, b];
    let mut bufs = [Vec::new(), Vec::new()];
    for fd in fds.iter().flatten() {
        // SAFETY: fcntl on an open descriptor we own.
        let fl = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) };
        // SAFETY: as above.
        if fl < 0
            || unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETFL, fl | libc::O_NONBLOCK) } < 0
        {
            return Err(io::Error::last_os_error());
        }
    }
    loop {
        let mut pfds = Vec::with_capacity(2);
        let mut which = Vec::with_capacity(2);
        for (i, fd) in fds.iter().enumerate() {
            if let Some(fd) = fd {
                pfds.push(libc::pollfd {
                    fd: fd.as_raw_fd(),
                    events: libc::POLLIN,
                    revents: 0,
                });
                which.push(i);
            }
        }
        if pfds.is_empty() {
            return Ok((std::mem::take(&mut bufs[0]), std::mem::take(&mut bufs[1])));
        }
        // SAFETY: pfds is a valid array of pfds.len() pollfds.
        let r = unsafe { libc::poll(pfds.as_mut_ptr(), pfds.len() as libc::nfds_t, -1) };
        if r < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        for (p, &i) in pfds.iter().zip(&which) {
            if p.revents == 0 {
                continue;
            }
            let fd = fds[i].as_ref().expect("polled descriptor is open");
            if drain(fd, &mut bufs[i])? {
                fds[i] = None;
            }
        }
    }
}

/// Reads what is available; `Ok(true)` at end of file.
fn drain(fd: &OwnedFd, buf: &mut Vec<u8>) -> io::Result<bool> {
    loop {
        buf.reserve(64 * 1024);
        let spare = buf.capacity() - buf.len();
        // SAFETY: reads at most `spare` bytes into the vector's spare capacity.
        let n = unsafe {
            libc::read(
                fd.as_raw_fd(),
                buf.as_mut_ptr().add(buf.len()).cast(),
                spare,
            )
        };
        if n > 0 {
            // SAFETY: read initialised n more bytes.
            unsafe { buf.set_len(buf.len() + n as usize) };
            continue;
        }
        if n == 0 {
            return Ok(true);
        }
        let e = io::Error::last_os_error();
        match e.kind() {
            io::ErrorKind::Interrupted => continue,
            io::ErrorKind::WouldBlock => return Ok(false),
            _ => return Err(e),
        }
    }
}

/// `pidfd_open(2)`, when the kernel has it.
pub(crate) fn pidfd_open(pid: libc::pid_t) -> Option<OwnedFd> {
    // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor or -1.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    if fd < 0 {
        return None;
    }
    // SAFETY: the kernel returned a new descriptor (pidfds are close-on-exec) that nothing else owns.
    Some(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// `waitpid` without `EINTR`: `Ok(None)` when `WNOHANG` found it running.
pub(super) fn waitpid(pid: libc::pid_t, flags: c_int) -> io::Result<Option<ExitStatus>> {
    loop {
        let mut status: c_int = 0;
        // SAFETY: status is a valid out-pointer.
        let r = unsafe { libc::waitpid(pid, &mut status, flags) };
        if r == pid {
            return Ok(Some(ExitStatus::from_raw(status)));
        }
        if r == 0 {
            return Ok(None);
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

/// Kills and reaps a child that must not live on (its start failed half-way).
pub(super) fn kill_and_reap(pid: libc::pid_t) {
    // SAFETY: pid is our unreaped child, so it cannot have been reused.
    unsafe { libc::kill(pid, libc::SIGKILL) };
    let _ = waitpid(pid, 0);
}
