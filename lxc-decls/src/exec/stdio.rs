//! The standard streams of a run: [`Stdio`] (what the caller chooses for each), and what one run
//! opens for them (`/dev/null`, pipes) before attaching.

use std::ffi::c_int;
use std::fmt;
use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::process::{ChildStderr, ChildStdin, ChildStdout};

use lxc_core::__private::Call;
use lxc_core::{ErrorKind, Result};

use super::Command;

#[cfg(doc)]
use super::Child;

/// Where a standard stream of the program goes: the caller's own, `/dev/null`, a new pipe, or a file
/// descriptor (anything that converts into an [`OwnedFd`], or a [`BorrowedFd`], which is duplicated).
pub struct Stdio(StdioKind);

enum StdioKind {
    Inherit,
    Null,
    Piped,
    Fd(OwnedFd),
    /// A [`BorrowedFd`] that could not be duplicated; reported when the command runs.
    Invalid(io::Error),
}

impl Stdio {
    /// The caller's own stream (fd 0, 1 or 2).
    pub fn inherit() -> Stdio {
        Stdio(StdioKind::Inherit)
    }

    /// `/dev/null` (of the caller, opened before attaching).
    pub fn null() -> Stdio {
        Stdio(StdioKind::Null)
    }

    /// A new pipe; the caller's end is in [`Child::stdin`], [`Child::stdout`] or [`Child::stderr`].
    pub fn piped() -> Stdio {
        Stdio(StdioKind::Piped)
    }
}

impl fmt::Debug for Stdio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            StdioKind::Inherit => f.write_str("Inherit"),
            StdioKind::Null => f.write_str("Null"),
            StdioKind::Piped => f.write_str("Piped"),
            StdioKind::Fd(fd) => f.debug_tuple("Fd").field(&fd.as_raw_fd()).finish(),
            StdioKind::Invalid(e) => f.debug_tuple("Invalid").field(e).finish(),
        }
    }
}

impl From<OwnedFd> for Stdio {
    fn from(fd: OwnedFd) -> Stdio {
        Stdio(StdioKind::Fd(fd))
    }
}

impl From<BorrowedFd<'_>> for Stdio {
    /// Duplicates the descriptor (close-on-exec); a failure is reported when the command runs.
    fn from(fd: BorrowedFd<'_>) -> Stdio {
        match fd.try_clone_to_owned() {
            Ok(fd) => Stdio(StdioKind::Fd(fd)),
            Err(e) => Stdio(StdioKind::Invalid(e)),
        }
    }
}

impl From<File> for Stdio {
    fn from(f: File) -> Stdio {
        Stdio::from(OwnedFd::from(f))
    }
}

impl From<ChildStdin> for Stdio {
    fn from(s: ChildStdin) -> Stdio {
        Stdio::from(OwnedFd::from(s))
    }
}

impl From<ChildStdout> for Stdio {
    fn from(s: ChildStdout) -> Stdio {
        Stdio::from(OwnedFd::from(s))
    }
}

impl From<ChildStderr> for Stdio {
    fn from(s: ChildStderr) -> Stdio {
        Stdio::from(OwnedFd::from(s))
    }
}

/// Which standard streams a run uses when the caller chose none.
#[derive(Clone, Copy)]
pub(super) enum Defaults {
    /// `spawn` and `status`: the caller's.
    Inherit,
    /// `output`: stdin `/dev/null`, stdout and stderr piped.
    Capture,
}

impl Command<'_> {
    /// Opens what each standard stream needs; `allow_pipes` is false for `run_wait`.
    pub(super) fn open_stdio(
        &self,
        call: &Call<'_>,
        defaults: Defaults,
        allow_pipes: bool,
    ) -> Result<OpenedStdio> {
        let mut out = OpenedStdio {
            fds: [0, 1, 2],
            child_ends: Vec::new(),
            parent_ends: [None, None, None],
        };
        let chosen = [&self.stdin, &self.stdout, &self.stderr];
        for (i, s) in chosen.into_iter().enumerate() {
            let default = match (defaults, i) {
                (Defaults::Inherit, _) => &StdioKind::Inherit,
                (Defaults::Capture, 0) => &StdioKind::Null,
                (Defaults::Capture, _) => &StdioKind::Piped,
            };
            let kind = s.as_ref().map_or(default, |s| &s.0);
            let name = ["stdin", "stdout", "stderr"][i];
            let bad = |why: String| call.error(ErrorKind::InvalidArgument, why.into());
            match kind {
                StdioKind::Inherit => {}
                StdioKind::Null => {
                    let f = std::fs::OpenOptions::new()
                        .read(true)
                        .write(true)
                        .open("/dev/null")
                        .map_err(|e| bad(format!("{name}: cannot open /dev/null: {e}")))?;
                    out.fds[i] = f.as_raw_fd();
                    out.child_ends.push(f.into());
                }
                StdioKind::Piped if !allow_pipes => {
                    return Err(bad(format!(
                        "{name}: a pipe needs spawn() or output(); run_wait() returns only after the program exited"
                    )));
                }
                StdioKind::Piped => {
                    let (r, w) =
                        pipe().map_err(|e| bad(format!("{name}: cannot make a pipe: {e}")))?;
                    let (child, parent) = if i == 0 { (r, w) } else { (w, r) };
                    out.fds[i] = child.as_raw_fd();
                    out.child_ends.push(child);
                    out.parent_ends[i] = Some(parent);
                }
                StdioKind::Fd(fd) => out.fds[i] = fd.as_raw_fd(),
                StdioKind::Invalid(e) => {
                    return Err(bad(format!(
                        "{name}: the descriptor could not be duplicated: {e}"
                    )));
                }
            }
        }
        Ok(out)
    }
}

/// The standard streams of one run.
pub(super) struct OpenedStdio {
    /// What the attached process gets as 0, 1 and 2.
    pub(super) fds: [RawFd; 3],
    /// The caller's copies of the attached process's ends, closed once attach returned.
    pub(super) child_ends: Vec<OwnedFd>,
    /// The caller's ends of pipes: stdin's write end, stdout's and stderr's read ends.
    pub(super) parent_ends: [Option<OwnedFd>; 3],
}

/// A close-on-exec pipe: `(read end, write end)`.
pub(super) fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0 as c_int; 2];
    // SAFETY: fds is a valid array of two ints.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: pipe2 returned two new descriptors that nothing else owns.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}
