//! Running programs inside a container, the [`std::process::Command`] way: [`Container::command`]
//! builds a [`Command`], which runs with [`status`](Command::status), [`output`](Command::output) or
//! [`spawn`](Command::spawn) (a [`Child`] to wait on).
//!
//! Every call goes through liblxc's `attach`: the caller forks, the fork enters the container's
//! namespaces and clones the attached process, which becomes a child of the calling process. Each call
//! builds a fresh `lxc_attach_options_t` in C (liblxc writes into it), and the program is started by an
//! `exec_function` in `glue.c` that reports a failed `execvp` through a close-on-exec pipe, so a
//! program that does not exist is an error, not an exit status 127.

use std::collections::BTreeMap;
use std::ffi::{c_char, c_int, c_long, c_void, CString, OsStr, OsString};
use std::fmt;
use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{ChildStderr, ChildStdin, ChildStdout, ExitStatus, Output};
use std::ptr::{self, NonNull};

use lxc_core::__private::err::Neg;
use lxc_core::__private::{ffi, meta, Call, Policy};
use lxc_core::{Error, ErrorKind, Result, Version};
use lxc_macros::lxc_method;

use crate::Container;

bitflags::bitflags! {
    /// Flags of `attach` (`LXC_ATTACH_*`), the `attach_flags` of `lxc_attach_options_t`.
    ///
    /// [`AttachFlags::DEFAULT`] (what a [`Command`] starts with) is liblxc's `LXC_ATTACH_DEFAULT`: the
    /// whole on-by-default mask, so that a flag a newer liblxc adds to it stays on.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct AttachFlags: c_int {
        /// Move the process into the container's cgroup (on by default).
        const MOVE_TO_CGROUP = 0x0000_0001;
        /// Drop the capabilities the container drops (`lxc.cap.drop`; on by default).
        const DROP_CAPABILITIES = 0x0000_0002;
        /// Set the personality of the container's init, or [`Command::personality`] (on by default).
        const SET_PERSONALITY = 0x0000_0004;
        /// Run the program under the container's LSM profile (on by default).
        const LSM_EXEC = 0x0000_0008;
        /// Remount `/proc` and `/sys`; only takes effect when not attaching to the mount namespace.
        const REMOUNT_PROC_SYS = 0x0001_0000;
        /// Apply the LSM profile now rather than at exec (unused by liblxc).
        const LSM_NOW = 0x0002_0000;
        /// Set `PR_SET_NO_NEW_PRIVS` (liblxc 2.1.0).
        const NO_NEW_PRIVS = 0x0004_0000;
        /// Allocate a pseudo-terminal and proxy it: liblxc then blocks until the program exits.
        const TERMINAL = 0x0008_0000;
        /// Use the LSM label of [`Command::lsm_label`] (liblxc 4.0.7).
        const LSM_LABEL = 0x0010_0000;
        /// Set the supplementary groups of [`Command::groups`] (liblxc 4.0.7).
        const SETGROUPS = 0x0020_0000;
        /// `LXC_ATTACH_DEFAULT`: every on-by-default bit (the low 16), including unnamed ones.
        const DEFAULT = 0x0000_FFFF;
    }
}

impl Default for AttachFlags {
    fn default() -> AttachFlags {
        AttachFlags::DEFAULT
    }
}

bitflags::bitflags! {
    /// Namespaces to attach to (`CLONE_NEW*` values), the `namespaces` of `lxc_attach_options_t`.
    ///
    /// A [`Command`] attaches to all of the container's namespaces unless
    /// [`Command::namespaces`] chooses some.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct Namespaces: c_int {
        /// The mount namespace (`CLONE_NEWNS`): the container's filesystem.
        const MOUNT = libc::CLONE_NEWNS;
        /// The UTS namespace (`CLONE_NEWUTS`): hostname and domain name.
        const UTS = libc::CLONE_NEWUTS;
        /// The IPC namespace (`CLONE_NEWIPC`).
        const IPC = libc::CLONE_NEWIPC;
        /// The user namespace (`CLONE_NEWUSER`).
        const USER = libc::CLONE_NEWUSER;
        /// The PID namespace (`CLONE_NEWPID`).
        const PID = libc::CLONE_NEWPID;
        /// The network namespace (`CLONE_NEWNET`).
        const NET = libc::CLONE_NEWNET;
        /// The cgroup namespace (`CLONE_NEWCGROUP`).
        const CGROUP = libc::CLONE_NEWCGROUP;
        /// The time namespace (`CLONE_NEWTIME`).
        const TIME = 0x0000_0080;
    }
}

/// The first liblxc with `lsm_label` and `groups` in `lxc_attach_options_t`.
const GROUPS_AND_LABEL_SINCE: Version = Version::new(4, 0, 7);

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

type BoxedFn<'a> = Box<dyn FnOnce() -> i32 + 'a>;

enum Program<'c> {
    Exec {
        program: OsString,
        args: Vec<OsString>,
    },
    /// Run in the attached process. `Option` so that the attached process can take its copy.
    Fn(Option<BoxedFn<'c>>),
}

/// A program to run inside a running container, built like [`std::process::Command`].
///
/// Made by [`Container::command`] (or [`Container::attach_fn`] for a closure). Each run
/// ([`status`](Command::status), [`output`](Command::output), [`spawn`](Command::spawn),
/// [`run_wait`](Command::run_wait)) attaches anew, so a `Command` can run many times.
///
/// # Defaults
///
/// - **Environment: cleared.** The program does *not* get the caller's environment: it gets `PATH`
///   (liblxc's default), `container=lxc`, the container's `lxc.environment`, and what
///   [`env`](Command::env)/[`envs`](Command::envs) set. [`inherit_env`](Command::inherit_env) passes
///   the caller's environment instead; [`keep_env`](Command::keep_env) passes single variables of it.
/// - Namespaces: all of the container's. Flags: [`AttachFlags::DEFAULT`] (the container's cgroup, its
///   dropped capabilities, its personality and LSM profile).
/// - User and group: liblxc's choice (root, or the init's ids in a user namespace). Supplementary
///   groups: none (liblxc drops them unless [`groups`](Command::groups) sets some).
/// - Working directory: liblxc's choice (the caller's working directory when it exists inside the
///   container, else `/`). Set one with [`current_dir`](Command::current_dir).
/// - Standard streams: the caller's for `spawn`, `status` and `run_wait`; for `output`, stdin is
///   `/dev/null` and stdout and stderr are captured.
/// - File descriptors: the program gets only 0, 1 and 2, even when the caller has other descriptors
///   open without close-on-exec.
pub struct Command<'c> {
    container: &'c Container,
    program: Program<'c>,
    inherit_env: bool,
    /// `Some(value)` sets, `None` removes (from the inherited environment).
    vars: BTreeMap<OsString, Option<OsString>>,
    keep: Vec<OsString>,
    cwd: Option<PathBuf>,
    uid: Option<u32>,
    gid: Option<u32>,
    groups: Option<Vec<u32>>,
    namespaces: Option<Namespaces>,
    personality: Option<c_long>,
    flags: AttachFlags,
    lsm_label: Option<OsString>,
    stdin: Option<Stdio>,
    stdout: Option<Stdio>,
    stderr: Option<Stdio>,
}

impl fmt::Debug for Command<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Command");
        d.field("container", &self.container.name());
        match &self.program {
            Program::Exec { program, args } => d.field("program", program).field("args", args),
            Program::Fn(_) => d.field("program", &"<closure>"),
        };
        d.field("inherit_env", &self.inherit_env)
            .field("env", &self.vars)
            .field("keep_env", &self.keep)
            .field("current_dir", &self.cwd)
            .field("uid", &self.uid)
            .field("gid", &self.gid)
            .field("groups", &self.groups)
            .field("namespaces", &self.namespaces)
            .field("personality", &self.personality)
            .field("flags", &self.flags)
            .field("lsm_label", &self.lsm_label)
            .field("stdin", &self.stdin)
            .field("stdout", &self.stdout)
            .field("stderr", &self.stderr)
            .finish()
    }
}

/// Which standard streams a run uses when the caller chose none.
#[derive(Clone, Copy)]
enum Defaults {
    /// `spawn` and `status`: the caller's.
    Inherit,
    /// `output`: stdin `/dev/null`, stdout and stderr piped.
    Capture,
}

impl<'c> Command<'c> {
    fn new(container: &'c Container, program: Program<'c>) -> Command<'c> {
        Command {
            container,
            program,
            inherit_env: false,
            vars: BTreeMap::new(),
            keep: Vec::new(),
            cwd: None,
            uid: None,
            gid: None,
            groups: None,
            namespaces: None,
            personality: None,
            flags: AttachFlags::DEFAULT,
            lsm_label: None,
            stdin: None,
            stdout: None,
            stderr: None,
        }
    }

    /// Adds an argument. (Ignored by a closure made with [`Container::attach_fn`].)
    pub fn arg(&mut self, arg: impl AsRef<OsStr>) -> &mut Self {
        if let Program::Exec { args, .. } = &mut self.program {
            args.push(arg.as_ref().to_owned());
        }
        self
    }

    /// Adds arguments. (Ignored by a closure made with [`Container::attach_fn`].)
    pub fn args<I, S>(&mut self, args: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        for a in args {
            self.arg(a);
        }
        self
    }

    /// Sets an environment variable of the program (liblxc's `extra_env_vars`). It wins over an
    /// inherited or kept variable of the same name.
    pub fn env(&mut self, key: impl AsRef<OsStr>, val: impl AsRef<OsStr>) -> &mut Self {
        self.vars
            .insert(key.as_ref().to_owned(), Some(val.as_ref().to_owned()));
        self
    }

    /// Sets environment variables of the program, as [`env`](Command::env).
    pub fn envs<I, K, V>(&mut self, vars: I) -> &mut Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        for (k, v) in vars {
            self.env(k, v);
        }
        self
    }

    /// Removes a variable: one set with [`env`](Command::env), and, with
    /// [`inherit_env`](Command::inherit_env), the caller's. Variables liblxc itself sets (`PATH`,
    /// `container`, `lxc.environment`) are not affected.
    pub fn env_remove(&mut self, key: impl AsRef<OsStr>) -> &mut Self {
        self.vars.insert(key.as_ref().to_owned(), None);
        self
    }

    /// Clears the environment (`LXC_ATTACH_CLEAR_ENV`, the default): forgets the variables set so
    /// far, the kept ones, and [`inherit_env`](Command::inherit_env).
    pub fn env_clear(&mut self) -> &mut Self {
        self.inherit_env = false;
        self.vars.clear();
        self.keep.clear();
        self
    }

    /// Passes the caller's environment (as it is when the command runs) to the program, instead of
    /// clearing it (`LXC_ATTACH_KEEP_ENV`). Variables set with [`env`](Command::env) still win; ones
    /// removed with [`env_remove`](Command::env_remove) are left out.
    pub fn inherit_env(&mut self) -> &mut Self {
        self.inherit_env = true;
        self
    }

    /// Passes the caller's variable `name`, if it is set, to the program (liblxc's
    /// `extra_keep_env`).
    pub fn keep_env(&mut self, name: impl AsRef<OsStr>) -> &mut Self {
        self.keep.push(name.as_ref().to_owned());
        self
    }

    /// The working directory of the program, inside the container (`initial_cwd`). liblxc falls back
    /// to `/` when it does not exist.
    pub fn current_dir(&mut self, dir: impl AsRef<Path>) -> &mut Self {
        self.cwd = Some(dir.as_ref().to_owned());
        self
    }

    /// The user id the program runs as, inside the container. `u32::MAX` is refused when the
    /// command runs: liblxc reads it as "not set".
    pub fn uid(&mut self, uid: u32) -> &mut Self {
        self.uid = Some(uid);
        self
    }

    /// The group id the program runs as, inside the container. `u32::MAX` is refused when the
    /// command runs: liblxc reads it as "not set".
    pub fn gid(&mut self, gid: u32) -> &mut Self {
        self.gid = Some(gid);
        self
    }

    /// The supplementary groups of the program (`groups` with `LXC_ATTACH_SETGROUPS`, liblxc 4.0.7).
    /// Without this call the program has none. `u32::MAX` and more groups than the kernel allows
    /// (`NGROUPS_MAX`) are refused when the command runs, before anything is attached.
    pub fn groups(&mut self, groups: &[u32]) -> &mut Self {
        self.groups = Some(groups.to_vec());
        self.flags |= AttachFlags::SETGROUPS;
        self
    }

    /// Attaches to these of the container's namespaces only (the others stay the caller's).
    pub fn namespaces(&mut self, namespaces: Namespaces) -> &mut Self {
        self.namespaces = Some(namespaces);
        self
    }

    /// The personality of the program (`personality(2)`, e.g. `0x0008` for `PER_LINUX32`), instead of
    /// the container init's. Sets [`AttachFlags::SET_PERSONALITY`].
    pub fn personality(&mut self, personality: c_long) -> &mut Self {
        self.personality = Some(personality);
        self.flags |= AttachFlags::SET_PERSONALITY;
        self
    }

    /// Replaces all attach flags (default [`AttachFlags::DEFAULT`]). The setters below change single
    /// flags.
    pub fn flags(&mut self, flags: AttachFlags) -> &mut Self {
        self.flags = flags;
        self
    }

    /// With `true`, runs with the caller's privileges: stays out of the container's cgroup, keeps
    /// the capabilities the container drops and does not switch to its LSM profile (clears
    /// `MOVE_TO_CGROUP`, `DROP_CAPABILITIES` and `LSM_EXEC`, like `lxc-attach -e`).
    pub fn elevated_privileges(&mut self, on: bool) -> &mut Self {
        let f =
            AttachFlags::MOVE_TO_CGROUP | AttachFlags::DROP_CAPABILITIES | AttachFlags::LSM_EXEC;
        self.flags.set(f, !on);
        self
    }

    /// Remounts `/proc` and `/sys` for the program (`LXC_ATTACH_REMOUNT_PROC_SYS`); only takes
    /// effect when not attaching to the mount namespace.
    pub fn remount_sys_proc(&mut self, on: bool) -> &mut Self {
        self.flags.set(AttachFlags::REMOUNT_PROC_SYS, on);
        self
    }

    /// Sets `PR_SET_NO_NEW_PRIVS` for the program (`LXC_ATTACH_NO_NEW_PRIVS`).
    pub fn no_new_privs(&mut self, on: bool) -> &mut Self {
        self.flags.set(AttachFlags::NO_NEW_PRIVS, on);
        self
    }

    /// Runs the program under this LSM label (`lsm_label` with `LXC_ATTACH_LSM_LABEL`, liblxc
    /// 4.0.7).
    pub fn lsm_label(&mut self, label: impl AsRef<OsStr>) -> &mut Self {
        self.lsm_label = Some(label.as_ref().to_owned());
        self.flags |= AttachFlags::LSM_LABEL;
        self
    }

    /// The program's standard input.
    pub fn stdin(&mut self, s: impl Into<Stdio>) -> &mut Self {
        self.stdin = Some(s.into());
        self
    }

    /// The program's standard output.
    pub fn stdout(&mut self, s: impl Into<Stdio>) -> &mut Self {
        self.stdout = Some(s.into());
        self
    }

    /// The program's standard error.
    pub fn stderr(&mut self, s: impl Into<Stdio>) -> &mut Self {
        self.stderr = Some(s.into());
        self
    }

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

    /// Everything but the program, lowered for C.
    fn lower(&self, call: &Call<'_>) -> Result<Lowered> {
        let mut env_policy = LXC_ATTACH_CLEAR_ENV;
        let mut vars = Vec::new();
        let named = self.vars.keys().map(|k| ("env", k));
        for (what, k) in named.chain(self.keep.iter().map(|k| ("keep_env", k))) {
            let b = k.as_bytes();
            if b.is_empty() || b.contains(&b'=') || b.contains(&0) {
                return Err(call.error(
                    ErrorKind::InvalidArgument,
                    format!(
                        "argument `{what}`: environment variable name {k:?} is empty or contains `=` or a NUL byte"
                    )
                    .into(),
                ));
            }
        }
        if self.inherit_env {
            if self.vars.values().any(Option::is_none) {
                // liblxc cannot remove a variable from a kept environment: pass the caller's
                // environment explicitly instead, without the removed ones.
                for (k, v) in std::env::vars_os() {
                    if !self.vars.contains_key(&k) {
                        vars.push(env_pair(call, &k, &v)?);
                    }
                }
            } else {
                env_policy = LXC_ATTACH_KEEP_ENV;
            }
        }
        for (k, v) in &self.vars {
            if let Some(v) = v {
                vars.push(env_pair(call, k, v)?);
            }
        }
        let keep = self
            .keep
            .iter()
            .map(|k| cstring(call, "keep_env", k.as_os_str()))
            .collect::<Result<Vec<_>>>()?;
        let cwd = self
            .cwd
            .as_ref()
            .map(|p| cstring(call, "current_dir", p.as_os_str()))
            .transpose()?;
        let lsm_label = self
            .lsm_label
            .as_ref()
            .map(|l| cstring(call, "lsm_label", l))
            .transpose()?;
        if (self.groups.is_some() || lsm_label.is_some())
            && !lxc_core::version::runtime().at_least(GROUPS_AND_LABEL_SINCE)
        {
            return Err(call.error(
                ErrorKind::Unsupported,
                format!(
                    "supplementary groups and LSM labels need liblxc {GROUPS_AND_LABEL_SINCE}, this is {}",
                    lxc_core::version::runtime()
                )
                .into(),
            ));
        }
        for (what, id) in [("uid", self.uid), ("gid", self.gid)] {
            if id == Some(u32::MAX) {
                return Err(call.error(
                    ErrorKind::InvalidArgument,
                    format!("{what} {} is liblxc's \"not set\" value (-1), which would run the program as root", u32::MAX)
                        .into(),
                ));
            }
        }
        if let Some(groups) = &self.groups {
            if groups.contains(&u32::MAX) {
                return Err(call.error(
                    ErrorKind::InvalidArgument,
                    format!(
                        "argument `groups`: group id {} is not a valid group (-1)",
                        u32::MAX
                    )
                    .into(),
                ));
            }
            // SAFETY: sysconf only reads a constant of the system.
            let max = unsafe { libc::sysconf(libc::_SC_NGROUPS_MAX) };
            if max > 0 && groups.len() as u64 > max as u64 {
                return Err(call.error(
                    ErrorKind::InvalidArgument,
                    format!(
                        "argument `groups`: {} supplementary groups, the kernel allows at most {max}",
                        groups.len()
                    )
                    .into(),
                ));
            }
        }
        Ok(Lowered {
            flags: self.flags.bits(),
            namespaces: self.namespaces.map_or(-1, |n| n.bits()),
            personality: self.personality.unwrap_or(LXC_ATTACH_DETECT_PERSONALITY),
            cwd,
            uid: self.uid.unwrap_or(u32::MAX),
            gid: self.gid.unwrap_or(u32::MAX),
            env_policy,
            vars: CStrArray::new(vars),
            keep: CStrArray::new(keep),
            lsm_label,
            groups: self.groups.clone(),
        })
    }

    /// The program and its argv (argv\[0\] is the program), lowered for C.
    fn lower_program(&self, call: &Call<'_>) -> Result<Option<(CString, CStrArray)>> {
        let Program::Exec { program, args } = &self.program else {
            return Ok(None);
        };
        let p = cstring(call, "program", program)?;
        let mut argv = Vec::with_capacity(args.len() + 1);
        argv.push(p.clone());
        for a in args {
            argv.push(cstring(call, "arg", a)?);
        }
        Ok(Some((p, CStrArray::new(argv))))
    }

    fn program_name(&self) -> String {
        match &self.program {
            Program::Exec { program, .. } => format!("{program:?}"),
            Program::Fn(_) => "<closure>".into(),
        }
    }

    /// Opens what each standard stream needs; `allow_pipes` is false for `run_wait`.
    fn open_stdio(
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

const LXC_ATTACH_KEEP_ENV: c_int = 0;
const LXC_ATTACH_CLEAR_ENV: c_int = 1;
const LXC_ATTACH_DETECT_PERSONALITY: c_long = !0;

fn cstring(call: &Call<'_>, what: &str, s: &OsStr) -> Result<CString> {
    CString::new(s.as_bytes()).map_err(|e| {
        call.error(
            ErrorKind::InvalidArgument,
            format!(
                "argument `{what}` ({s:?}) contains a NUL byte at position {}",
                e.nul_position()
            )
            .into(),
        )
    })
}

/// `KEY=VALUE`; an error names the variable but never shows its value.
fn env_pair(call: &Call<'_>, k: &OsStr, v: &OsStr) -> Result<CString> {
    let mut kv = k.as_bytes().to_vec();
    kv.push(b'=');
    kv.extend_from_slice(v.as_bytes());
    CString::new(kv).map_err(|e| {
        let (part, at) = match e.nul_position().checked_sub(k.len() + 1) {
            Some(at) => ("value", at),
            None => ("name", e.nul_position()),
        };
        call.error(
            ErrorKind::InvalidArgument,
            format!(
                "argument `env`: the {part} of variable {k:?} contains a NUL byte at position {at}"
            )
            .into(),
        )
    })
}

/// A NULL-terminated `char **` and the strings it points to.
struct CStrArray {
    _strings: Vec<CString>,
    ptrs: Vec<*mut c_char>,
}

impl CStrArray {
    fn new(strings: Vec<CString>) -> CStrArray {
        // The pointers stay valid when the Vec moves: each CString's bytes are their own allocation.
        let mut ptrs: Vec<*mut c_char> = strings.iter().map(|s| s.as_ptr().cast_mut()).collect();
        ptrs.push(ptr::null_mut());
        CStrArray {
            _strings: strings,
            ptrs,
        }
    }

    /// The array, or NULL when it is empty (liblxc's "none").
    fn as_ptr_or_null(&self) -> *mut *mut c_char {
        if self.ptrs.len() == 1 {
            ptr::null_mut()
        } else {
            self.ptrs.as_ptr().cast_mut()
        }
    }
}

/// Every attach option but the standard streams, lowered; the strings live as long as this.
struct Lowered {
    flags: c_int,
    namespaces: c_int,
    personality: c_long,
    cwd: Option<CString>,
    uid: u32,
    gid: u32,
    env_policy: c_int,
    vars: CStrArray,
    keep: CStrArray,
    lsm_label: Option<CString>,
    groups: Option<Vec<u32>>,
}

/// One `lxc_attach_options_t`, built in C and freed on drop. It borrows the strings of a
/// [`Lowered`], so it must not outlive it (both are locals of one call).
struct RawOptions(NonNull<ffi::LxcAttachOptions>);

impl Drop for RawOptions {
    fn drop(&mut self) {
        // SAFETY: the struct came from lxcrs_glue_attach_options_new and is freed once, here.
        unsafe { ffi::lxcrs_glue_attach_options_free(self.0.as_ptr()) }
    }
}

impl Lowered {
    /// A fresh options struct (liblxc writes into it, so one per call).
    fn options(&self, call: &Call<'_>, fds: [RawFd; 3]) -> Result<RawOptions> {
        let opt = |s: &Option<CString>| s.as_ref().map_or(ptr::null(), |s| s.as_ptr());
        let (gsize, glist) = match &self.groups {
            Some(g) => (g.len(), g.as_ptr()),
            None => (0, ptr::null()),
        };
        // SAFETY: every pointer is null or points into `self` (strings NUL-terminated, arrays
        // NULL-terminated, the group list `gsize` long), which outlives the returned struct; the glue
        // only stores them.
        let p = unsafe {
            ffi::lxcrs_glue_attach_options_new(
                self.flags,
                self.namespaces,
                self.personality,
                opt(&self.cwd),
                self.uid,
                self.gid,
                self.env_policy,
                self.vars.as_ptr_or_null(),
                self.keep.as_ptr_or_null(),
                fds[0],
                fds[1],
                fds[2],
                opt(&self.lsm_label),
                gsize,
                glist,
            )
        };
        NonNull::new(p).map(RawOptions).ok_or_else(|| {
            let e = io::Error::last_os_error();
            if e.raw_os_error() == Some(libc::ENOSYS) {
                call.error(
                    ErrorKind::Unsupported,
                    "lxc-rs was built against liblxc headers without supplementary groups and LSM labels (4.0.7)".into(),
                )
            } else {
                call.error(
                    ErrorKind::Failed,
                    format!("cannot allocate the attach options: {e}").into(),
                )
            }
        })
    }
}

/// The standard streams of one run.
struct OpenedStdio {
    /// What the attached process gets as 0, 1 and 2.
    fds: [RawFd; 3],
    /// The caller's copies of the attached process's ends, closed once attach returned.
    child_ends: Vec<OwnedFd>,
    /// The caller's ends of pipes: stdin's write end, stdout's and stderr's read ends.
    parent_ends: [Option<OwnedFd>; 3],
}

fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0 as c_int; 2];
    // SAFETY: fds is a valid array of two ints.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: pipe2 returned two new descriptors that nothing else owns.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// The payload of `lxcrs_glue_attach_exec`, allocated by the glue; freed on drop.
struct ExecPayload(NonNull<c_void>);

impl Drop for ExecPayload {
    fn drop(&mut self) {
        // SAFETY: allocated by lxcrs_glue_exec_new and freed once, here.
        unsafe { ffi::lxcrs_glue_exec_free(self.0.as_ptr()) }
    }
}

/// Reads what `lxcrs_glue_attach_exec` reports: nothing (EOF: the program was executed) or the errno
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
    // SAFETY: a constant-returning C function.
    let magic = unsafe { ffi::lxcrs_glue_exec_magic() };
    match got {
        0 => Ok(None),
        8 if word(4) == magic => Ok(Some(word(0))),
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

/// The `lxc_attach_exec_t` of a closure: runs the attached process's copy of it.
///
/// # Safety
///
/// `payload` is the address of the `Option<BoxedFn>` of the [`Command`] that attached, in the memory
/// the attached process copied from the caller; only the attached process calls this, once.
unsafe extern "C" fn run_closure(payload: *mut c_void) -> c_int {
    // SAFETY: see the function's contract. The attached process owns its copy of the memory, and
    // liblxc `_exit`s with our return value, so nothing else in this process uses the slot again.
    let slot = unsafe { &mut *payload.cast::<Option<BoxedFn<'static>>>() };
    let Some(f) = slot.take() else {
        return 127;
    };
    // The default panic hook takes locks (output capture, backtrace) another thread of the caller may
    // have held when it forked; this one only write(2)s.
    std::panic::set_hook(Box::new(|info| {
        let mut msg: &[u8] = b"(non-string payload)";
        if let Some(s) = info.payload().downcast_ref::<&str>() {
            msg = s.as_bytes();
        } else if let Some(s) = info.payload().downcast_ref::<String>() {
            msg = s.as_bytes();
        }
        write_stderr(b"lxc-rs: the closure run in the container panicked: ");
        write_stderr(msg);
        if let Some(l) = info.location() {
            write_stderr(b" at ");
            write_stderr(l.file().as_bytes());
            write_stderr(b":");
            let mut digits = [0u8; 10];
            let mut n = l.line();
            let mut i = digits.len();
            loop {
                i -= 1;
                digits[i] = b'0' + (n % 10) as u8;
                n /= 10;
                if n == 0 {
                    break;
                }
            }
            write_stderr(&digits[i..]);
        }
        write_stderr(b"\n");
    }));
    // 101 is the exit status of a Rust program that panicked.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or(101)
}

fn write_stderr(b: &[u8]) {
    // SAFETY: writes `b` to fd 2; the result is ignored (nothing to do about a failed message).
    let _ = unsafe { libc::write(2, b.as_ptr().cast(), b.len()) };
}

/// `pidfd_open(2)`, when the kernel has it.
fn pidfd_open(pid: libc::pid_t) -> Option<OwnedFd> {
    // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor or -1.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    if fd < 0 {
        return None;
    }
    // SAFETY: the kernel returned a new descriptor (pidfds are close-on-exec) that nothing else owns.
    Some(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// `waitpid` without `EINTR`: `Ok(None)` when `WNOHANG` found it running.
fn waitpid(pid: libc::pid_t, flags: c_int) -> io::Result<Option<ExitStatus>> {
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
fn kill_and_reap(pid: libc::pid_t) {
    // SAFETY: pid is our unreaped child, so it cannot have been reused.
    unsafe { libc::kill(pid, libc::SIGKILL) };
    let _ = waitpid(pid, 0);
}

impl Container {
    /// A [`Command`] that runs `program` inside this running container, found through the `PATH`
    /// the program gets (liblxc's default one unless the command sets `PATH`).
    ///
    /// ```no_run
    /// # use lxc_decls as lxc; // users reach it through the `lxc` crate
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let c = lxc::Container::new("web")?;
    /// let out = c.command("ls").arg("-l").arg("/").env("LANG", "C").output()?;
    /// assert!(out.status.success());
    /// println!("{}", String::from_utf8_lossy(&out.stdout));
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// See [`Command`] for the defaults, most notably that the program does **not** get the
    /// caller's environment unless [`Command::inherit_env`] asks for it.
    #[doc(alias = "attach")]
    #[doc(alias = "attach_run_wait")]
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command<'_> {
        Command::new(
            self,
            Program::Exec {
                program: program.as_ref().to_owned(),
                args: Vec::new(),
            },
        )
    }

    /// A [`Command`] that runs the closure `f` in a new process inside this running container,
    /// instead of a program. The process exits with the value `f` returns (truncated to 8 bits);
    /// a panic in `f` is caught (it never unwinds into liblxc) and becomes exit status 101, after a
    /// message on the process's stderr. Arguments added to the command are ignored.
    ///
    /// Each run executes a copy of `f` in the attached process (made by `fork`, like everything the
    /// caller's memory holds); the caller's `f` is dropped with the `Command`.
    ///
    /// Keep `f` short, or start no commands from other threads meanwhile: the process holds copies
    /// of all the caller's descriptors until it exits (it never `exec`s, so close-on-exec does not
    /// apply), including the pipe another thread's [`Command::spawn`] waits on to learn whether its
    /// program started, which then waits for `f` to return.
    ///
    /// # Safety
    ///
    /// `f` runs in a process forked from the caller, which may have had other threads: like
    /// [`std::os::unix::process::CommandExt::pre_exec`], it must only do what is async-signal-safe
    /// (no allocation, no locks, no `println!`; raw system calls are fine), because a lock another
    /// thread held at the fork stays held forever in the copy. It also runs inside the container,
    /// with the namespaces, credentials and environment the command's options give it, and sees the
    /// caller's descriptors.
    #[doc(alias = "attach")]
    pub unsafe fn attach_fn<'c, F>(&'c self, f: F) -> Command<'c>
    where
        F: FnOnce() -> i32 + 'c,
    {
        Command::new(self, Program::Fn(Some(Box::new(f))))
    }

    /// `attach` for [`Command::spawn`] and [`Command::output`]: lowers the command, sets up its
    /// streams, attaches with a fresh options struct, and checks that the program was executed.
    #[lxc_method(attach, ret = Manual, err = Neg)]
    fn attach(&self, cmd: &mut Command<'_>, defaults: Defaults) -> Result<Child> {
        let call = Call::method(self, &meta::attach)?;
        refuse_ignored_sigchld(&call)?;
        let lowered = cmd.lower(&call)?;
        let program = cmd.lower_program(&call)?;
        let stdio = cmd.open_stdio(&call, defaults, true)?;
        let opts = lowered.options(&call, stdio.fds)?;

        let mut exec = None;
        let (func, payload): (ffi::LxcAttachExec, *mut c_void) = match (&program, &mut cmd.program)
        {
            (Some((prog, argv)), _) => {
                let (err_r, err_w) = pipe().map_err(|e| {
                    call.error(
                        ErrorKind::Failed,
                        format!("cannot make the exec-error pipe: {e}").into(),
                    )
                })?;
                // SAFETY: prog and argv (NULL-terminated) live until after attach returns; err_w is
                // an open descriptor. The glue only stores them.
                let p = unsafe {
                    ffi::lxcrs_glue_exec_new(prog.as_ptr(), argv.ptrs.as_ptr(), err_w.as_raw_fd())
                };
                let p = NonNull::new(p).map(ExecPayload).ok_or_else(|| {
                    call.error(ErrorKind::Failed, "cannot allocate the exec payload".into())
                })?;
                let raw = p.0.as_ptr();
                exec = Some((p, err_r, err_w));
                (Some(ffi::lxcrs_glue_attach_exec), raw)
            }
            (None, Program::Fn(slot)) => (
                Some(run_closure),
                (slot as *mut Option<BoxedFn<'_>>).cast::<c_void>(),
            ),
            (None, Program::Exec { .. }) => unreachable!("lower_program lowers every program"),
        };

        let mut pid: libc::pid_t = -1;
        // SAFETY: the container pointer is live for the call; func is an lxc_attach_exec_t whose
        // payload contract holds (the glue payload, or the closure slot that outlives the call); the
        // options struct is fresh and its strings live in `lowered`; pid is a valid out-pointer.
        let r =
            unsafe { ffi::lxcrs_v1_attach(call.ptr(), func, payload, opts.0.as_ptr(), &mut pid) };
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
        Ok(Child {
            pid,
            pidfd: pidfd_open(pid),
            container: self.name().into(),
            status: None,
            stdin: stdin.map(ChildStdin::from),
            stdout: stdout.map(ChildStdout::from),
            stderr: stderr.map(ChildStderr::from),
        })
    }

    /// `attach_run_wait` for [`Command::run_wait`].
    #[lxc_method(attach_run_wait, ret = Manual, err = Neg)]
    fn attach_run_wait(&self, cmd: &mut Command<'_>) -> Result<ExitStatus> {
        let call = Call::method(self, &meta::attach_run_wait)?;
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
            ffi::lxcrs_v1_attach_run_wait(
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
    /// The process id, as the caller sees it (not the id inside the container's PID namespace).
    pub fn id(&self) -> u32 {
        self.pid as u32
    }

    /// A pidfd of the process (`pidfd_open`), when the kernel has them (Linux 5.3): poll it to learn
    /// when the process exits.
    pub fn pidfd(&self) -> Option<BorrowedFd<'_>> {
        use std::os::fd::AsFd;
        self.pidfd.as_ref().map(|f| f.as_fd())
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
                self.status = Some(s);
                Ok(s)
            }
            Ok(None) => unreachable!("waitpid without WNOHANG returned 0"),
            Err(e) => Err(self.error("wait", e)),
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
                self.status = s;
                Ok(s)
            }
            Err(e) => Err(self.error("wait", e)),
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
        let r = match &self.pidfd {
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
            // SAFETY: pid is our unreaped child, so it cannot have been reused.
            None => unsafe { libc::kill(self.pid, libc::SIGKILL) }.into(),
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

/// Reaps dropped children that still run, so none stays a zombie: one thread, started on first
/// need, that sleeps in `poll(2)` on their pidfds (and on a wake-up pipe for new ones), so a child is
/// reaped as soon as it exits. Without pidfds (Linux < 5.3) it polls `waitpid(WNOHANG)` instead, at
/// most a second apart.
mod reaper {
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
        let (r, w) = super::pipe().ok()?;
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
            pending.retain(|(pid, _)| matches!(super::waitpid(*pid, libc::WNOHANG), Ok(None)));
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
                while unsafe { libc::read(wake.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) }
                    > 0
                {}
            }
        }
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
