//! Checkpoint, restore and migration of a running container with CRIU.
//!
//! liblxc runs the `criu` executable (found on `PATH`) for each of these, as root. CRIU writes its own
//! log into the images directory (`dump.log`, `pre-dump.log`, `restore.log`); when CRIU fails, the
//! error's reason quotes the `Error` lines of that log, which say why. Where CRIU cannot work is
//! documented on `Container::checkpoint`.

use std::ffi::{c_uint, CString, OsStr};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use lxc_core::__private::err::Failure;
use lxc_core::__private::{ffi, Call};
use lxc_core::{Error, ErrorKind, Result};
use lxc_macros::lxc_method;

use crate::Container;

/// What [`Container::migrate`] does (liblxc's `MIGRATE_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MigrateCommand {
    /// Dump the memory of the running container into [`MigrateOptions::directory`] and leave it
    /// running, so that a later [`MigrateCommand::Dump`] (with
    /// [`MigrateOptions::predump_dir`]) sends only the pages that changed (pre-copy migration).
    PreDump,
    /// Dump the running container into [`MigrateOptions::directory`]; it keeps running unless
    /// [`MigrateOptions::stop`].
    Dump,
    /// Restore the stopped container from the images in [`MigrateOptions::directory`].
    Restore,
    /// Ask CRIU which of [`MigrateOptions::features_to_check`] this machine supports. Needs no
    /// container.
    FeatureCheck,
}

impl MigrateCommand {
    /// liblxc's value of the command (`MIGRATE_PRE_DUMP` … `MIGRATE_FEATURE_CHECK`).
    pub fn raw(self) -> c_uint {
        match self {
            MigrateCommand::PreDump => 0,
            MigrateCommand::Dump => 1,
            MigrateCommand::Restore => 2,
            MigrateCommand::FeatureCheck => 3,
        }
    }

    /// The CRIU action, which names its log file in the images directory (`<action>.log`).
    fn action(self) -> Option<&'static str> {
        match self {
            MigrateCommand::PreDump => Some("pre-dump"),
            MigrateCommand::Dump => Some("dump"),
            MigrateCommand::Restore => Some("restore"),
            MigrateCommand::FeatureCheck => None,
        }
    }
}

bitflags::bitflags! {
    /// CRIU features that depend on the kernel, the architecture and CRIU itself, and that only a
    /// [`MigrateCommand::FeatureCheck`] can tell (liblxc's `FEATURE_*`).
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct MigrateFeatures: u64 {
        /// Dirty memory tracking (`criu check --feature mem_dirty_track`), which
        /// [`MigrateCommand::PreDump`] needs.
        const MEM_TRACK = 1 << 0;
        /// Lazy restore of the memory of processes that fork (`criu check --feature
        /// uffd-noncoop`, userfaultfd).
        const LAZY_PAGES = 1 << 1;
    }
}

/// The answer of a [`MigrateCommand::FeatureCheck`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FeatureCheck {
    /// What was asked.
    pub requested: MigrateFeatures,
    /// The requested features CRIU has here.
    pub supported: MigrateFeatures,
    /// The requested features CRIU does not have here (or could not be asked about: CRIU missing
    /// or failing counts as unsupported).
    pub unsupported: MigrateFeatures,
}

impl FeatureCheck {
    /// Whether every requested feature is supported.
    pub fn all_supported(&self) -> bool {
        self.unsupported.is_empty()
    }
}

/// What [`Container::migrate`] reports on success.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MigrateOutcome {
    /// The pre-dump, dump or restore succeeded.
    Done,
    /// The answer of a [`MigrateCommand::FeatureCheck`].
    Features(FeatureCheck),
}

/// A CRIU page server that a dump sends the memory pages to, instead of the images directory
/// (`criu page-server` running on the destination).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PageServer {
    /// Its address, e.g. `"192.0.2.7"`.
    pub address: String,
    /// Its port.
    pub port: u16,
}

/// The options of [`Container::migrate`]: every field of liblxc's `struct migrate_opts`.
///
/// ```no_run
/// use liblxc_decls::{Container, MigrateCommand, MigrateOptions}; // or `liblxc::…`
///
/// # fn main() -> lxc_core::Result<()> {
/// let c = Container::new("web")?;
/// c.migrate(MigrateCommand::Dump, &MigrateOptions {
///     stop: true,
///     ..MigrateOptions::new("/var/tmp/web.ckpt")
/// })?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MigrateOptions {
    /// The images directory: where a dump writes and a restore reads (CRIU's `-D`). liblxc creates
    /// it for a dump. Required except for [`MigrateCommand::FeatureCheck`].
    pub directory: PathBuf,
    /// CRIU logs at its most verbose level (`-v4`) into `<directory>/<action>.log`.
    pub verbose: bool,
    /// Stop the container after a successful [`MigrateCommand::Dump`] (otherwise CRIU's
    /// `--leave-running`).
    pub stop: bool,
    /// The images of an earlier [`MigrateCommand::PreDump`], relative to `directory` (CRIU's
    /// `--prev-images-dir`; also turns on `--track-mem`).
    pub predump_dir: Option<PathBuf>,
    /// Send the memory pages of a dump to a page server.
    pub page_server: Option<PageServer>,
    /// The rootfs keeps its inode numbers between dump and restore (a zfs or btrfs send, an LVM
    /// snapshot; not an rsync). Otherwise CRIU is run with `--force-irmap`.
    pub preserves_inodes: bool,
    /// An executable CRIU runs at each stage of the dump and restore (`--action-script`).
    pub action_script: Option<PathBuf>,
    /// Dump not-yet-established TCP connections too: liblxc passes `--skip-in-flight` to CRIU 2.4
    /// and newer unless this is set.
    pub disable_skip_in_flight: bool,
    /// The largest deleted-but-open file (CRIU's "ghost" file) to dump, in bytes; 0 is CRIU's
    /// default (1 MiB).
    pub ghost_limit: u64,
    /// The features a [`MigrateCommand::FeatureCheck`] asks about.
    pub features_to_check: MigrateFeatures,
}

impl MigrateOptions {
    /// Options with the images directory `directory` and everything else at its default.
    pub fn new(directory: impl Into<PathBuf>) -> MigrateOptions {
        MigrateOptions {
            directory: directory.into(),
            ..MigrateOptions::default()
        }
    }
}

/// A `struct migrate_opts` built by glue.c at the installed header's size, with the strings it
/// borrows.
struct MigrateOptsC {
    ptr: *mut ffi::MigrateOpts,
    size: c_uint,
    _strings: Vec<CString>,
}

impl MigrateOptsC {
    fn new(o: &MigrateOptions, call: &Call<'_>) -> Result<MigrateOptsC> {
        let mut strings = Vec::new();
        let mut lend = |field: &str, v: Option<&OsStr>| -> Result<*const std::ffi::c_char> {
            let Some(v) = v else {
                return Ok(std::ptr::null());
            };
            let c = CString::new(v.as_bytes()).map_err(|e| {
                call.error(
                    ErrorKind::InvalidArgument,
                    format!(
                        "MigrateOptions::{field} contains a NUL byte at position {}",
                        e.nul_position()
                    )
                    .into(),
                )
            })?;
            let p = c.as_ptr();
            strings.push(c);
            Ok(p)
        };
        let dir = (!o.directory.as_os_str().is_empty()).then_some(o.directory.as_os_str());
        let directory = lend("directory", dir)?;
        let predump = lend("predump_dir", o.predump_dir.as_deref().map(Path::as_os_str))?;
        let port = o.page_server.as_ref().map(|p| p.port.to_string());
        let address = lend(
            "page_server.address",
            o.page_server.as_ref().map(|p| OsStr::new(&p.address)),
        )?;
        let port = lend("page_server.port", port.as_deref().map(OsStr::new))?;
        let script = lend(
            "action_script",
            o.action_script.as_deref().map(Path::as_os_str),
        )?;
        let mut size: c_uint = 0;
        // SAFETY: every pointer is null or points into `strings`, which lives as long as the
        // result; `size` is a valid out-pointer.
        let ptr = unsafe {
            ffi::lxcrs_glue_migrate_opts_new(
                directory,
                o.verbose,
                o.stop,
                predump,
                address,
                port,
                o.preserves_inodes,
                script,
                o.disable_skip_in_flight,
                o.ghost_limit,
                o.features_to_check.bits(),
                &mut size,
            )
        };
        if ptr.is_null() {
            return Err(call.error(
                ErrorKind::Failed,
                "out of memory building struct migrate_opts".into(),
            ));
        }
        Ok(MigrateOptsC {
            ptr,
            size,
            _strings: strings,
        })
    }

    fn features(&self) -> u64 {
        // SAFETY: ptr is the live struct built by new().
        unsafe { ffi::lxcrs_glue_migrate_opts_features(self.ptr) }
    }
}

impl Drop for MigrateOptsC {
    fn drop(&mut self) {
        // SAFETY: allocated by lxcrs_glue_migrate_opts_new, freed once.
        unsafe { ffi::lxcrs_glue_migrate_opts_free(self.ptr) }
    }
}

fn require_directory(c: &Container, op: &'static str, directory: &Path, what: &str) -> Result<()> {
    if directory.as_os_str().is_empty() {
        return Err(c.error_in(
            ErrorKind::InvalidArgument,
            op,
            format!("{what} is empty: CRIU needs an images directory"),
        ));
    }
    Ok(())
}

/// What CRIU's log looked like before a call, to tell a fresh log from a stale one.
struct CriuLog {
    path: Option<PathBuf>,
    before: Option<(SystemTime, u64)>,
}

impl CriuLog {
    fn before(directory: &Path, action: Option<&str>) -> CriuLog {
        let path = action
            .filter(|_| !directory.as_os_str().is_empty())
            .map(|a| directory.join(format!("{a}.log")));
        let before = path.as_deref().and_then(stamp);
        CriuLog { path, before }
    }

    /// The last `Error` lines CRIU wrote during the call, if it wrote its log.
    fn errors(&self) -> Option<String> {
        let path = self.path.as_deref()?;
        let after = stamp(path)?;
        if self.before == Some(after) {
            return None; // not written by this call
        }
        let text = std::fs::read(path).ok()?;
        let text = String::from_utf8_lossy(&text);
        let mut errors: Vec<&str> = text
            .lines()
            .filter_map(|l| l.find("Error (").map(|i| l[i..].trim()))
            .collect();
        if errors.is_empty() {
            return None;
        }
        if errors.len() > 4 {
            errors.drain(..errors.len() - 4);
        }
        Some(format!(
            "CRIU's log {} says: {}",
            path.display(),
            errors.join("; ")
        ))
    }
}

fn stamp(p: &Path) -> Option<(SystemTime, u64)> {
    let md = std::fs::metadata(p).ok()?;
    Some((md.modified().ok()?, md.len()))
}

/// Whether an executable `criu` is on `PATH`, where liblxc looks for it.
fn criu_on_path() -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|d| {
            std::fs::metadata(d.join("criu"))
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
    })
}

/// `e` with `kind` and `reason` instead of its own, keeping what liblxc returned.
/// Adds why CRIU failed (its log, or its absence) to a failure of liblxc. `criu_ran_and_failed`
/// (liblxc returned +1) makes the kind [`ErrorKind::Failed`] whatever liblxc's log suggested.
fn explain_criu(e: Error, log: &CriuLog, criu_ran_and_failed: bool) -> Error {
    let mut reason = e.reason().trim_end_matches("; criu output:").to_owned();
    let extra = match log.errors() {
        Some(errors) => Some(errors),
        None if !criu_on_path() => Some(
            "there is no `criu` executable on PATH (install CRIU: `apt-get install criu`)"
                .to_owned(),
        ),
        None => None,
    };
    // The kind a stray logged line suggests (liblxc's log is shared by every call on the
    // container) must not hide that CRIU is what failed.
    let kind = if criu_ran_and_failed || extra.is_some() {
        ErrorKind::Failed
    } else {
        e.kind()
    };
    if let Some(extra) = extra {
        if reason.starts_with("failed, and liblxc logged no reason") {
            reason = extra;
        } else {
            reason = format!("{reason}; {extra}");
        }
    }
    e.rephrased(kind, reason)
}

impl Container {
    /// Checkpoints the running container with CRIU into `directory` (created if missing), and
    /// stops it afterwards with `stop`, or leaves it running. `verbose` makes CRIU log everything
    /// into `<directory>/dump.log`. Restore it with [`Container::restore`].
    ///
    /// This is [`Container::migrate`] with [`MigrateCommand::Dump`] and only these options.
    ///
    /// # Where CRIU cannot work
    ///
    /// CRIU must support the running kernel. Linux 6.13 split the vDSO's data pages into two
    /// mappings (`[vvar]` and `[vvar_vclock]`, kernel commit e93d2521b27f); CRIU before 4.1
    /// (Debian 12 ships 3.17.1) refuses to start on such kernels, before it looks at the
    /// container, and its `dump.log` says:
    ///
    /// ```text
    /// Error (criu/vdso.c:381): vdso: Unexpected rt vDSO area bounds
    /// Error (criu/vdso.c:613): vdso: Failed to fill self vdso symtable
    /// Error (criu/kerndat.c:1615): kerndat_vdso_fill_symtable failed when initializing kerndat.
    /// Error (criu/crtools.c:260): Could not initialize kernel features detection.
    /// ```
    ///
    /// (checkpoint-restore/criu issue #2532, fixed by pull request #2539.) Every checkpoint and
    /// restore then fails with that reason (liblxc returns +1 from `migrate`), and a
    /// [`MigrateCommand::FeatureCheck`] reports every feature unsupported. `criu check` tells
    /// whether CRIU works on a machine.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NotRunning`] for a container that is not running;
    /// [`ErrorKind::NotFound`] for one that is not defined; [`ErrorKind::InvalidArgument`] for an
    /// empty directory or one with a NUL byte; [`ErrorKind::Failed`] when CRIU is missing or fails,
    /// with the `Error` lines of CRIU's `dump.log` as the reason.
    #[lxc_method(checkpoint, pre = Self::criu_dump_log, explain = Self::criu_dump_failed)]
    pub fn checkpoint(&self, directory: &Path, stop: bool, verbose: bool) -> Result<()>;

    /// Before a checkpoint: CRIU needs an images directory; its `dump.log` as it was.
    fn criu_dump_log(&self, directory: &Path, _stop: bool, _verbose: bool) -> Result<CriuLog> {
        require_directory(self, "checkpoint", directory, "the checkpoint directory")?;
        Ok(CriuLog::before(directory, Some("dump")))
    }

    #[cold]
    fn criu_dump_failed(&self, e: Error, log: &CriuLog, _: &Path, _: bool, _: bool) -> Error {
        match e.kind() {
            ErrorKind::NotRunning | ErrorKind::Running => e,
            _ => explain_criu(e, log, false),
        }
    }

    /// Restores the stopped container with CRIU from the checkpoint in `directory`; it runs
    /// again, with the processes it had. `verbose` makes CRIU log everything into
    /// `<directory>/restore.log`.
    ///
    /// This is [`Container::migrate`] with [`MigrateCommand::Restore`] and only these options. See
    /// where CRIU cannot work in [`Container::checkpoint`].
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Running`] for a running container; [`ErrorKind::NotFound`] for one that is not
    /// defined (liblxc 5.0 would crash on it) or a `directory` that does not exist;
    /// [`ErrorKind::InvalidArgument`] for an empty directory or one with a NUL byte;
    /// [`ErrorKind::Failed`] when CRIU is missing or fails (no checkpoint in `directory`, a kernel CRIU does not support), with the `Error` lines of CRIU's
    /// `restore.log` as the reason.
    #[lxc_method(restore, pre = Self::criu_restore_log, explain = Self::criu_restore_failed)]
    pub fn restore(&self, directory: &Path, verbose: bool) -> Result<()>;

    /// Before a restore: an images directory; its `restore.log` as it was.
    fn criu_restore_log(&self, directory: &Path, _verbose: bool) -> Result<CriuLog> {
        require_directory(self, "restore", directory, "the checkpoint directory")?;
        Ok(CriuLog::before(directory, Some("restore")))
    }

    /// A restore from a directory that does not exist is `NotFound`; CRIU's log says the rest.
    #[cold]
    fn criu_restore_failed(&self, e: Error, log: &CriuLog, directory: &Path, _: bool) -> Error {
        match e.kind() {
            ErrorKind::NotRunning | ErrorKind::Running => e,
            _ if !directory.is_dir() => {
                let why = format!(
                    "the checkpoint directory {} does not exist (or is not a directory)",
                    directory.display()
                );
                e.rephrased(ErrorKind::NotFound, why)
            }
            _ => explain_criu(e, log, false),
        }
    }

    /// Runs one step of a CRIU migration, with every option of liblxc's `struct migrate_opts`:
    /// pre-dump and dump a running container, restore a stopped one, or check CRIU's features.
    ///
    /// A [`MigrateCommand::FeatureCheck`] succeeds whatever the answer, and returns it as
    /// [`MigrateOutcome::Features`]: liblxc writes the supported subset of
    /// [`MigrateOptions::features_to_check`] back, and the features it cleared are
    /// [`FeatureCheck::unsupported`]. The other commands return [`MigrateOutcome::Done`].
    ///
    /// # Errors
    ///
    /// liblxc returns +1 when CRIU fails, -1 for a container in the wrong state, and a negative
    /// errno otherwise:
    ///
    /// - [`ErrorKind::NotRunning`] (-1): a pre-dump or dump of a container that is not running;
    /// - [`ErrorKind::Running`] (-1): a restore of a running container;
    /// - [`ErrorKind::NotFound`]: a dump or restore of a container that is not defined;
    /// - [`ErrorKind::InvalidArgument`]: an empty [`MigrateOptions::directory`] for a dump or
    ///   restore, a NUL byte in a path, or liblxc's -EINVAL / -E2BIG;
    /// - [`ErrorKind::Failed`] (+1): CRIU is missing or failed; the reason quotes the `Error`
    ///   lines of CRIU's log in the images directory (see
    ///   where CRIU cannot work in [`Container::checkpoint`]).
    #[lxc_method(migrate)]
    pub fn migrate(&self, cmd: MigrateCommand, opts: &MigrateOptions) -> Result<MigrateOutcome> {
        if cmd != MigrateCommand::FeatureCheck {
            require_directory(
                self,
                "migrate",
                &opts.directory,
                "MigrateOptions::directory",
            )?;
            // liblxc 5.0 dereferences the configuration without a check before it runs CRIU.
            call.require_config()?;
        }
        let c_opts = MigrateOptsC::new(opts, &call)?;
        let log = CriuLog::before(&opts.directory, cmd.action());
        // SAFETY: the container pointer is live for the call; `c_opts` is a zero-filled struct of
        // `c_opts.size` bytes (the installed header's size) whose strings outlive the call.
        let ret = unsafe { (call.c())(call.ptr(), cmd.raw(), c_opts.ptr, c_opts.size) };
        if cmd == MigrateCommand::FeatureCheck && ret >= 0 {
            let requested = opts.features_to_check;
            let supported = if ret == 0 {
                requested
            } else {
                MigrateFeatures::from_bits_truncate(c_opts.features()) & requested
            };
            return Ok(MigrateOutcome::Features(FeatureCheck {
                requested,
                supported,
                unsupported: requested - supported,
            }));
        }
        if ret == 0 {
            return Ok(MigrateOutcome::Done);
        }
        let e = call.fail(Failure {
            code: Some(ret.into()),
            errno: (ret < -1).then(|| ret.saturating_neg()),
        });
        Err(match ret {
            -1 => {
                let running = call.is_running();
                match (cmd, running) {
                    (MigrateCommand::Restore, true) => e.rephrased(
                        ErrorKind::Running,
                        "the container is running; stop it before a restore",
                    ),
                    (MigrateCommand::PreDump | MigrateCommand::Dump, false) => {
                        e.rephrased(ErrorKind::NotRunning, "the container is not running")
                    }
                    _ => e,
                }
            }
            r if r > 0 => explain_criu(e, &log, true),
            _ => e,
        })
    }

    /// Asks CRIU which of `features` this machine supports (a [`MigrateCommand::FeatureCheck`]).
    /// Needs no container: any `Container`, defined or not, can ask.
    ///
    /// # Errors
    ///
    /// Only when liblxc refuses the question itself ([`Container::migrate`]); a missing or failing
    /// CRIU is an answer (every feature unsupported), not an error.
    pub fn migrate_feature_check(&self, features: MigrateFeatures) -> Result<FeatureCheck> {
        let opts = MigrateOptions {
            features_to_check: features,
            ..MigrateOptions::default()
        };
        match self.migrate(MigrateCommand::FeatureCheck, &opts)? {
            MigrateOutcome::Features(f) => Ok(f),
            MigrateOutcome::Done => Ok(FeatureCheck {
                requested: features,
                supported: features,
                unsupported: MigrateFeatures::empty(),
            }),
        }
    }
}
