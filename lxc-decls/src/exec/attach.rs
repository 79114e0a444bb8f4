//! Running a [`Command`]: [`spawn`](Command::spawn), [`status`](Command::status),
//! [`output`](Command::output) and [`run_wait`](Command::run_wait), through the declarations of
//! liblxc's `attach` and `attach_run_wait`, and the report of a failed `execvp` that tells a program
//! that does not exist from one that exits with status 127.

use std::ffi::{c_int, c_void, CString};
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::ExitStatusExt;
use std::process::{ExitStatus, Output};

use lxc_core::__private::err::Neg;
use lxc_core::__private::{ffi, Call, Policy};
use lxc_core::{ErrorKind, Result};
use lxc_macros::lxc_method;

use super::child::{kill_and_reap, waitpid};
use super::closure::{self, run_closure};
use super::command::{BoxedFn, Program};
use super::lower::CStrArray;
use super::stdio::{pipe, Defaults, OpenedStdio};
use super::{Child, Command};
use crate::Container;

#[cfg(doc)]
use super::Stdio;

impl Command<'_> {
    /// Starts the program and returns at once. Standard streams default to the caller's.
    ///
    /// # Errors
    ///
    /// - [`ErrorKind::NotRunning`] when the container is not running (operation `attach`);
    /// - [`ErrorKind::NotFound`] when the program does not exist in the container, and
    ///   [`ErrorKind::PermissionDenied`] when it cannot be executed (the error names the program);
    /// - [`ErrorKind::InvalidArgument`] for a NUL byte in the program, an argument, a variable or a
    ///   path, a variable name that is empty or contains `=`, or a [`Stdio`] that could not be set up;
    /// - [`ErrorKind::Unsupported`] for [`groups`](Command::groups) or
    ///   [`lsm_label`](Command::lsm_label) on a liblxc older than 4.0.7;
    /// - [`ErrorKind::Failed`] when liblxc cannot attach for another reason.
    #[doc(alias = "attach")]
    pub fn spawn(&mut self) -> Result<Child> {
        let c = self.container;
        c.attach(self, Defaults::Inherit)
    }

    /// Runs the program and waits for it. Standard streams default to the caller's.
    ///
    /// # Errors
    ///
    /// As [`spawn`](Command::spawn), and as [`Child::wait`].
    pub fn status(&mut self) -> Result<ExitStatus> {
        self.spawn()?.wait()
    }

    /// Runs the program, waits for it, and returns its whole standard output and error (read
    /// concurrently, so any amount on both cannot block). Stdin defaults to `/dev/null`.
    ///
    /// # Errors
    ///
    /// As [`spawn`](Command::spawn), and as [`Child::wait_with_output`].
    pub fn output(&mut self) -> Result<Output> {
        let c = self.container;
        c.attach(self, Defaults::Capture)?.wait_with_output()
    }

    /// Runs the program with liblxc's own `attach_run_wait` and returns its raw wait status.
    ///
    /// Unlike [`status`](Command::status), liblxc execs the program itself: one that does not exist
    /// is exit status 127 (126 when it cannot be executed), as in a shell, and the program inherits
    /// the caller's descriptors that are not close-on-exec. Standard streams default to the
    /// caller's; [`Stdio::piped`] is refused (the call returns only when the program has exited).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NotRunning`] when the container is not running (operation `attach_run_wait`),
    /// [`ErrorKind::InvalidArgument`] for a closure command, a piped stream or a NUL byte, and
    /// [`ErrorKind::Failed`] when liblxc cannot attach.
    #[doc(alias = "attach_run_wait")]
    pub fn run_wait(&mut self) -> Result<ExitStatus> {
        let c = self.container;
        c.attach_run_wait(self)
    }
}

impl Container {
    /// `attach` for [`Command::spawn`] and [`Command::output`]: lowers the command, sets up its
    /// streams, attaches with a fresh options struct, and checks that the program was executed.
    #[lxc_method(attach)]
    fn attach(&self, cmd: &mut Command<'_>, defaults: Defaults) -> Result<Child> {
        refuse_ignored_sigchld(&call)?;
        let lowered = cmd.lower(&call)?;
        let program = cmd.lower_program(&call)?;
        let stdio = cmd.open_stdio(&call, defaults, true)?;
        let opts = lowered.options(&call, stdio.fds)?;

        let (func, payload, exec) = entry_point(&call, program.as_ref(), &mut cmd.program)?;

        let mut pid: libc::pid_t = -1;
        // SAFETY: the container pointer is live for the call; func is an lxc_attach_exec_t whose
        // payload contract holds (the glue payload, or the closure slot that outlives the call); the
        // options struct is fresh and its strings live in `lowered`; pid is a valid out-pointer.
        let r = unsafe { (call.c())(call.ptr(), func, payload, opts.0.as_ptr(), &mut pid) };
        drop(opts);
        // The attached process has its copies of these now.
        let OpenedStdio {
            child_ends,
            parent_ends: [stdin, stdout, stderr],
            ..
        } = stdio;
        drop(child_ends);
        if let Some(failure) = <Neg as Policy<c_int>>::check(&r) {
            return Err(call.fail(failure));
        }
        if pid <= 0 {
            return Err(call.error(
                ErrorKind::Failed,
                format!("liblxc returned {r} but no process id").into(),
            ));
        }
        check_executed(&call, cmd, pid, exec)?;
        Ok(Child::new(
            pid,
            self.name(),
            call.init_pid(),
            stdin,
            stdout,
            stderr,
        ))
    }

    /// `attach_run_wait` for [`Command::run_wait`].
    #[lxc_method(attach_run_wait)]
    fn attach_run_wait(&self, cmd: &mut Command<'_>) -> Result<ExitStatus> {
        refuse_ignored_sigchld(&call)?;
        let lowered = cmd.lower(&call)?;
        let Some((program, argv)) = cmd.lower_program(&call)? else {
            return Err(call.error(
                ErrorKind::InvalidArgument,
                "attach_run_wait runs a program, not a closure; use status()".into(),
            ));
        };
        let stdio = cmd.open_stdio(&call, Defaults::Inherit, false)?;
        let opts = lowered.options(&call, stdio.fds)?;
        // SAFETY: the container pointer is live for the call; the options struct is fresh and its
        // strings live in `lowered`; program and argv (NULL-terminated, argv[0] included) live in
        // locals until the call returns.
        let r = unsafe {
            (call.c())(
                call.ptr(),
                opts.0.as_ptr(),
                program.as_ptr(),
                argv.ptrs.as_ptr().cast(),
            )
        };
        drop(opts);
        drop(stdio);
        if let Some(failure) = <Neg as Policy<c_int>>::check(&r) {
            return Err(call.fail(failure));
        }
        Ok(ExitStatus::from_raw(r))
    }
}

/// A program's glue payload, and the read and write ends of the pipe on which the attached process
/// reports a failed `execvp`.
type ExecReport = (Box<closure::Program>, OwnedFd, OwnedFd);

/// What the attached process runs: the glue's `exec_function` for a lowered program (with its
/// payload and the pipe it reports on), or [`run_closure`] with the closure's slot in `program`.
fn entry_point(
    call: &Call<'_>,
    lowered: Option<&(CString, CStrArray)>,
    program: &mut Program<'_>,
) -> Result<(ffi::LxcAttachExec, *mut c_void, Option<ExecReport>)> {
    let mut exec = None;
    let (func, payload): (ffi::LxcAttachExec, *mut c_void) = match (lowered, program) {
        (Some((prog, argv)), _) => {
            let (err_r, err_w) = pipe().map_err(|e| {
                call.error(
                    ErrorKind::Failed,
                    format!("cannot make the exec-error pipe: {e}").into(),
                )
            })?;
            // prog and argv (NULL-terminated) live until after attach returns; err_w is open
            // until then too (it is part of the report).
            let p = Box::new(closure::Program {
                program: prog.as_ptr(),
                argv: argv.ptrs.as_ptr().cast(),
                err_fd: err_w.as_raw_fd(),
            });
            let raw = std::ptr::from_ref::<closure::Program>(&p)
                .cast_mut()
                .cast::<c_void>();
            exec = Some((p, err_r, err_w));
            (Some(closure::run_program), raw)
        }
        (None, Program::Fn(slot)) => (
            Some(run_closure),
            (slot as *mut Option<BoxedFn<'_>>).cast::<c_void>(),
        ),
        (None, Program::Exec { .. }) => unreachable!("lower_program lowers every program"),
    };

    Ok((func, payload, exec))
}

/// After `attach` started process `pid`: reads the report of a program (nothing for a closure). A
/// failed `execvp` is the error (the process is reaped); a report that cannot be read kills and
/// reaps the process.
fn check_executed(
    call: &Call<'_>,
    cmd: &Command<'_>,
    pid: libc::pid_t,
    exec: Option<ExecReport>,
) -> Result<()> {
    if let Some((_payload, err_r, err_w)) = exec {
        drop(err_w);
        match read_exec_error(&err_r) {
            Ok(None) => {}
            Ok(Some(errno)) => {
                let _ = waitpid(pid, 0);
                let kind = exec_error_kind(errno);
                let reason = if kind == ErrorKind::NotFound {
                    format!("program {} not found in the container", cmd.program_name())
                } else {
                    format!("cannot run program {} in the container", cmd.program_name())
                };
                return Err(call.error(kind, reason.into()).with_errno(errno));
            }
            Err(e) => {
                kill_and_reap(pid);
                return Err(call.error(
                    ErrorKind::Failed,
                    format!(
                        "cannot tell whether program {} started: {e}",
                        cmd.program_name()
                    )
                    .into(),
                ));
            }
        }
    }
    Ok(())
}

/// Reads what `closure::run_program` reports: nothing (EOF: the program was executed) or the errno
/// of the failed `execvp`.
fn read_exec_error(fd: &OwnedFd) -> io::Result<Option<i32>> {
    let mut buf = [0u8; 8];
    let mut got = 0;
    while got < buf.len() {
        // SAFETY: reads at most the rest of `buf` into it.
        let n = unsafe {
            libc::read(
                fd.as_raw_fd(),
                buf[got..].as_mut_ptr().cast(),
                buf.len() - got,
            )
        };
        match n {
            0 => break,
            n if n > 0 => got += n as usize,
            _ => {
                let e = io::Error::last_os_error();
                if e.kind() != io::ErrorKind::Interrupted {
                    return Err(e);
                }
            }
        }
    }
    let word = |i: usize| i32::from_ne_bytes([buf[i], buf[i + 1], buf[i + 2], buf[i + 3]]);
    match got {
        0 => Ok(None),
        8 if word(4) == closure::EXEC_MAGIC => Ok(Some(word(0))),
        _ => Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "garbled report from the attached process",
        )),
    }
}

fn exec_error_kind(errno: i32) -> ErrorKind {
    match errno {
        libc::ENOENT | libc::ENOTDIR => ErrorKind::NotFound,
        libc::EACCES | libc::EPERM => ErrorKind::PermissionDenied,
        libc::ENOEXEC | libc::E2BIG | libc::ENAMETOOLONG | libc::ELOOP => {
            ErrorKind::InvalidArgument
        }
        _ => ErrorKind::Failed,
    }
}

/// With SIGCHLD ignored (`SIG_IGN` or `SA_NOCLDWAIT`) the kernel reaps the attached program at
/// once: liblxc would then fail after the program was started, and nobody could read its status.
/// Refuse before anything runs.
fn refuse_ignored_sigchld(call: &Call<'_>) -> Result<()> {
    // SAFETY: an all-zero sigaction is a valid value to be overwritten.
    let mut old: libc::sigaction = unsafe { std::mem::zeroed() };
    // SAFETY: with a null new action, sigaction only writes the current disposition into `old`.
    let r = unsafe { libc::sigaction(libc::SIGCHLD, std::ptr::null(), &mut old) };
    if r == 0 && (old.sa_sigaction == libc::SIG_IGN || old.sa_flags & libc::SA_NOCLDWAIT != 0) {
        return Err(call.error(
            ErrorKind::InvalidArgument,
            "SIGCHLD is ignored in this process (SIG_IGN or SA_NOCLDWAIT), so the program's exit status could not \
             be read; nothing was run. Restore SIGCHLD's default disposition first"
                .into(),
        ));
    }
    Ok(())
}
