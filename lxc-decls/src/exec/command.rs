//! The [`Command`] builder: what to run and how, set before a run (see `attach` for the runs).

use std::collections::BTreeMap;
use std::ffi::{c_long, OsStr, OsString};
use std::fmt;
use std::path::{Path, PathBuf};

use super::{AttachFlags, Namespaces, Stdio};
use crate::Container;

/// A closure of [`Container::attach_fn`].
pub(super) type BoxedFn<'a> = Box<dyn FnOnce() -> i32 + 'a>;

/// What a [`Command`] runs.
pub(super) enum Program<'c> {
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
    pub(super) container: &'c Container,
    pub(super) program: Program<'c>,
    pub(super) inherit_env: bool,
    /// `Some(value)` sets, `None` removes (from the inherited environment).
    pub(super) vars: BTreeMap<OsString, Option<OsString>>,
    pub(super) keep: Vec<OsString>,
    pub(super) cwd: Option<PathBuf>,
    pub(super) uid: Option<u32>,
    pub(super) gid: Option<u32>,
    pub(super) groups: Option<Vec<u32>>,
    pub(super) namespaces: Option<Namespaces>,
    pub(super) personality: Option<c_long>,
    pub(super) flags: AttachFlags,
    pub(super) lsm_label: Option<OsString>,
    pub(super) stdin: Option<Stdio>,
    pub(super) stdout: Option<Stdio>,
    pub(super) stderr: Option<Stdio>,
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

impl<'c> Command<'c> {
    pub(super) fn new(container: &'c Container, program: Program<'c>) -> Command<'c> {
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

    /// The program, for error messages.
    pub(super) fn program_name(&self) -> String {
        match &self.program {
            Program::Exec { program, .. } => format!("{program:?}"),
            Program::Fn(_) => "<closure>".into(),
        }
    }
}

impl Container {
    /// A [`Command`] that runs `program` inside this running container, found through the `PATH`
    /// the program gets (liblxc's default one unless the command sets `PATH`).
    ///
    /// ```no_run
    /// # use liblxc_decls as liblxc; // users reach it through the `liblxc` crate
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let c = liblxc::Container::new("web")?;
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
}
