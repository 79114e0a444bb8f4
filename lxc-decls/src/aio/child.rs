//! [`AsyncChild`]: a [`Child`] whose exit is awaited through its pidfd and whose pipes are
//! tokio's.

use std::future::Future;
use std::io;
use std::os::fd::OwnedFd;
use std::process::{ExitStatus, Output};
use std::task::Poll;
use std::time::Duration;

use tokio::io::unix::AsyncFd;
use tokio::io::{AsyncReadExt, Interest};
use tokio::process::{ChildStderr, ChildStdin, ChildStdout};

use lxc_core::{Error, ErrorKind, Result};

use crate::Child;

/// A program started in a container, for async code: made by [`AsyncContainer::spawn`] or
/// [`AsyncChild::from_child`].
///
/// [`wait`](AsyncChild::wait) awaits the exit through the process's pidfd, registered with the
/// runtime (`AsyncFd`): no thread blocks in `waitpid`. (Without pidfds, before Linux 5.3, it
/// looks at most every 100 ms.) The pipes are tokio's [`ChildStdin`] (`AsyncWrite`),
/// [`ChildStdout`] and [`ChildStderr`] (`AsyncRead`).
///
/// Dropping it behaves as dropping a [`Child`]: the process is not killed, and is reaped in the
/// background once it exits. What [`Child`] says about stopping the container holds too.
///
/// [`AsyncContainer::spawn`]: crate::AsyncContainer::spawn
#[derive(Debug)]
pub struct AsyncChild {
    child: Child,
    /// The pidfd, readable once the process exited.
    exited: Option<AsyncFd<OwnedFd>>,
    /// The write end of the program's stdin, when it was piped. [`wait`](AsyncChild::wait)
    /// closes it first.
    pub stdin: Option<ChildStdin>,
    /// The read end of the program's stdout, when it was piped.
    pub stdout: Option<ChildStdout>,
    /// The read end of the program's stderr, when it was piped.
    pub stderr: Option<ChildStderr>,
}

impl AsyncChild {
    /// Makes `child` async: registers its pidfd and pipes with the current tokio runtime.
    ///
    /// # Errors
    ///
    /// `Failed` when they cannot be registered (outside a runtime with IO enabled, or when the
    /// pipes cannot be made non-blocking); the process is then killed.
    ///
    /// # Panics
    ///
    /// Outside the context of a tokio runtime, as tokio's own types do.
    pub fn from_child(mut child: Child) -> Result<AsyncChild> {
        let registered = (|| -> io::Result<_> {
            let exited = match child.pidfd() {
                Some(fd) => {
                    let fd = fd.try_clone_to_owned()?;
                    // SAFETY: an `OwnedFd` is open and gives the same descriptor until it is
                    // dropped, which only the `AsyncFd` that owns it can do.
                    Some(unsafe { AsyncFd::register_with_interest(fd, Interest::READABLE) }?)
                }
                None => None,
            };
            let stdin = child.stdin.take().map(ChildStdin::from_std).transpose()?;
            let stdout = child.stdout.take().map(ChildStdout::from_std).transpose()?;
            let stderr = child.stderr.take().map(ChildStderr::from_std).transpose()?;
            Ok((exited, stdin, stdout, stderr))
        })();
        match registered {
            Ok((exited, stdin, stdout, stderr)) => Ok(AsyncChild {
                child,
                exited,
                stdin,
                stdout,
                stderr,
            }),
            Err(e) => {
                let err = io_error(&child, "spawn", &e);
                let _ = child.kill();
                Err(err)
            }
        }
    }

    /// The process id, as the caller sees it (see [`Child::id`]).
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// The exit status if the process has exited, `None` if it still runs. Does not block.
    ///
    /// # Errors
    ///
    /// As [`Child::try_wait`].
    pub fn try_wait(&mut self) -> Result<Option<ExitStatus>> {
        self.child.try_wait()
    }

    /// Waits for the process to exit, through its pidfd, and returns its status. Closes
    /// [`stdin`](AsyncChild::stdin) first, so a program reading it sees its end. Cancel-safe: a
    /// dropped `wait` leaves the child as it was.
    ///
    /// # Errors
    ///
    /// As [`Child::wait`]; `Failed` when the runtime cannot poll the pidfd.
    pub async fn wait(&mut self) -> Result<ExitStatus> {
        drop(self.stdin.take());
        let mut nap = Duration::from_millis(1);
        loop {
            if let Some(s) = self.child.try_wait()? {
                return Ok(s);
            }
            match &self.exited {
                Some(fd) => {
                    let mut ready = fd
                        .readable()
                        .await
                        .map_err(|e| io_error(&self.child, "wait", &e))?;
                    if let Some(s) = self.child.try_wait()? {
                        return Ok(s);
                    }
                    // Not yet waitable (it cannot be: a pidfd is readable once the process
                    // exited); look again at the next readiness.
                    ready.clear_ready();
                }
                None => {
                    tokio::time::sleep(nap).await;
                    nap = (nap * 2).min(Duration::from_millis(100));
                }
            }
        }
    }

    /// Sends `SIGKILL` to the process and returns at once (see [`Child::kill`]).
    ///
    /// # Errors
    ///
    /// As [`Child::kill`].
    pub fn start_kill(&mut self) -> Result<()> {
        self.child.kill()
    }

    /// Sends `SIGKILL` to the process and waits for it to exit.
    ///
    /// # Errors
    ///
    /// As [`start_kill`](AsyncChild::start_kill) and [`wait`](AsyncChild::wait).
    pub async fn kill(&mut self) -> Result<ExitStatus> {
        self.start_kill()?;
        self.wait().await
    }

    /// Closes stdin, reads stdout and stderr to their ends (concurrently), waits, and returns all
    /// three. A stream that was not piped is empty in the result.
    ///
    /// # Errors
    ///
    /// As [`wait`](AsyncChild::wait), and `Failed` when reading a pipe fails.
    pub async fn wait_with_output(mut self) -> Result<Output> {
        drop(self.stdin.take());
        let (out, err) = (self.stdout.take(), self.stderr.take());
        let (stdout, stderr) = join(read_all(out), read_all(err)).await;
        let stdout = stdout.map_err(|e| io_error(&self.child, "output", &e))?;
        let stderr = stderr.map_err(|e| io_error(&self.child, "output", &e))?;
        let status = self.wait().await?;
        Ok(Output {
            status,
            stdout,
            stderr,
        })
    }
}

fn io_error(child: &Child, op: &'static str, e: &io::Error) -> Error {
    let mut err = Error::new(
        ErrorKind::Failed,
        op,
        format!("process {}: {e}", child.id()),
    )
    .with_container(child.container());
    if let Some(n) = e.raw_os_error() {
        err = err.with_errno(n);
    }
    err
}

/// Everything a pipe gives until its end; nothing for no pipe.
async fn read_all<R: tokio::io::AsyncRead + Unpin>(r: Option<R>) -> io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    if let Some(mut r) = r {
        r.read_to_end(&mut buf).await?;
    }
    Ok(buf)
}

/// Both futures, polled together, so that neither writer blocks on a full pipe.
async fn join<A: Future, B: Future>(a: A, b: B) -> (A::Output, B::Output) {
    let (mut a, mut b) = (std::pin::pin!(a), std::pin::pin!(b));
    let (mut ra, mut rb) = (None, None);
    std::future::poll_fn(|cx| {
        if ra.is_none() {
            if let Poll::Ready(v) = a.as_mut().poll(cx) {
                ra = Some(v);
            }
        }
        if rb.is_none() {
            if let Poll::Ready(v) = b.as_mut().poll(cx) {
                rb = Some(v);
            }
        }
        match (ra.take(), rb.take()) {
            (Some(x), Some(y)) => Poll::Ready((x, y)),
            (x, y) => {
                (ra, rb) = (x, y);
                Poll::Pending
            }
        }
    })
    .await
}
