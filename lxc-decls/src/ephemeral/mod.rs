//! Ephemeral copies: a running, disposable overlay snapshot of a stopped base container, gone when
//! it stops (liblxc's `lxc.ephemeral`, what `lxc-copy -e` does).

use std::fmt::Write as _;
use std::hash::{BuildHasher, Hasher};
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use lxc_core::__private::bound_next_child;
use lxc_core::__private::class::{check_name, LowerError};
use lxc_core::{Error, ErrorKind, Result};

use crate::flags::CloneFlags;
use crate::lifeline;
use crate::{Container, State};

mod monitor;

use monitor::{Pids, Stopped};

/// How long [`EphemeralBuilder::start`] waits for the copy to run, and dropping an [`Ephemeral`]
/// waits for it to be gone, unless [`EphemeralBuilder::timeout`] says otherwise.
pub const DEFAULT_EPHEMERAL_TIMEOUT: Duration = Duration::from_secs(30);

const OP: &str = "ephemeral";

impl Container {
    /// liblxc refuses to destroy a container that overlay copies depend on, saying only that it
    /// "has snapshots on its rootfs": name the copies (liblxc lists them in `lxc_snapshots`, as
    /// lxcpath and name lines).
    #[cold]
    pub(crate) fn dependent_copies(&self, e: Error, _: &()) -> Error {
        let Ok(lxcpath) = self.config_path() else {
            return e;
        };
        let list = lxcpath.join(self.name()).join("lxc_snapshots");
        let Ok(text) = std::fs::read_to_string(list) else {
            return e;
        };
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        let copies: Vec<String> = lines
            .chunks(2)
            .filter_map(|pair| match pair {
                [path, name] => Some(format!("{name} (in {path})")),
                _ => None,
            })
            .collect();
        if copies.is_empty() {
            return e;
        }
        let why = format!(
            "overlay copies depend on its rootfs: {}; stop (ephemeral) or destroy them first",
            copies.join(", ")
        );
        let kind = e.kind();
        e.rephrased(kind, why)
    }
}

/// Options of an ephemeral copy; made by [`Container::ephemeral`], run by
/// [`EphemeralBuilder::start`].
#[derive(Debug)]
#[must_use = "an ephemeral copy is made by `start`"]
pub struct EphemeralBuilder<'a> {
    base: &'a Container,
    name: Option<String>,
    config: Vec<(String, String)>,
    timeout: Duration,
    lifeline: bool,
}

impl Container {
    /// Options for an ephemeral copy of this stopped container: an overlay snapshot with
    /// `lxc.ephemeral = 1`, started, which liblxc removes when it stops. See [`Ephemeral`].
    ///
    /// ```no_run
    /// # fn main() -> lxc_core::Result<()> {
    /// let base = liblxc_decls::Container::new_in("base", "/var/lib/lxc")?;
    /// let sandbox = base.ephemeral().bind("/srv/job", "job")?.start()?;
    /// let status = sandbox.command("/bin/true").status()?;
    /// assert!(status.success());
    /// drop(sandbox); // stopped, and gone from the lxcpath
    /// # Ok(())
    /// # }
    /// ```
    pub fn ephemeral(&self) -> EphemeralBuilder<'_> {
        EphemeralBuilder {
            base: self,
            name: None,
            config: Vec::new(),
            timeout: DEFAULT_EPHEMERAL_TIMEOUT,
            lifeline: true,
        }
    }
}

impl<'a> EphemeralBuilder<'a> {
    /// The copy's name. Without one, a free name `<base>-eph-<random>` is chosen.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// A configuration item set on the copy (not on the base) before it starts, e.g.
    /// `("lxc.cgroup2.memory.max", "256M")`. Items are set in the order given, on the
    /// configuration the copy starts with; they are not written to the copy's file (which liblxc
    /// removes with it), so another `Container` opened on the copy does not see them.
    pub fn config(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.config.push((key.into(), value.into()));
        self
    }

    /// Bind-mounts `host` (a directory or a file of the host) at `target` in the copy (a path in
    /// its rootfs, created when missing), writable.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NotFound`] when `host` does not exist, [`ErrorKind::InvalidArgument`] when
    /// `target` is empty, leaves the rootfs (`..`), or either path holds a NUL byte.
    pub fn bind(self, host: impl AsRef<Path>, target: impl AsRef<Path>) -> Result<Self> {
        self.mount(host.as_ref(), target.as_ref(), false)
    }

    /// As [`EphemeralBuilder::bind`], read-only.
    ///
    /// # Errors
    ///
    /// As [`EphemeralBuilder::bind`].
    pub fn bind_read_only(self, host: impl AsRef<Path>, target: impl AsRef<Path>) -> Result<Self> {
        self.mount(host.as_ref(), target.as_ref(), true)
    }

    fn mount(mut self, host: &Path, target: &Path, read_only: bool) -> Result<Self> {
        let entry = mount_entry(host, target, read_only)
            .map_err(|(kind, why)| self.base.error_in(kind, OP, why))?;
        self.config.push(("lxc.mount.entry".into(), entry));
        Ok(self)
    }

    /// How long each step of [`EphemeralBuilder::start`] may take (making the copy, starting it:
    /// a step that takes longer is killed with what it started, and the start fails with
    /// [`ErrorKind::Timeout`]), and how long stopping the copy waits for it to be gone
    /// ([`DEFAULT_EPHEMERAL_TIMEOUT`] unless set).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Whether the lifeline helper process stops and removes the copy if this process dies without
    /// dropping the [`Ephemeral`] (`true` unless set). See [`Ephemeral`] under *When the process
    /// dies*.
    pub fn lifeline(mut self, on: bool) -> Self {
        self.lifeline = on;
        self
    }

    /// Makes the copy, starts it and waits until it runs. On any failure, what this call made is
    /// removed again (the copy, its directory, its lifeline registration).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NotFound`] when the base is not defined, [`ErrorKind::Running`] when it runs
    /// (an overlay snapshot needs a stopped base), [`ErrorKind::AlreadyExists`] when the given
    /// name is taken, [`ErrorKind::InvalidArgument`] for a bad name or configuration item,
    /// [`ErrorKind::Timeout`] when the copy does not run within the timeout, and the error of the
    /// failing liblxc call (`clone`, `set_config_item`, `save_config`, `start`) otherwise.
    pub fn start(self) -> Result<Ephemeral> {
        let base = self.base;
        if !base.is_defined() {
            return Err(base.error_in(
                ErrorKind::NotFound,
                OP,
                "the base container is not defined",
            ));
        }
        if base.is_running() {
            return Err(base.error_in(
                ErrorKind::Running,
                OP,
                "the base container runs; an ephemeral copy is an overlay snapshot of a stopped container",
            ));
        }
        let lxcpath = base.config_path()?;
        let (name, dir) = reserve(base, &lxcpath, self.name.as_deref())?;
        let mut made = Made {
            lxcpath,
            name,
            dir: Some(dir),
            lifeline: false,
        };
        if self.lifeline {
            match lifeline::register(&made.lxcpath.join(&made.name)) {
                Ok(()) => made.lifeline = true,
                Err(e) => {
                    let _ = made.remove(None, None, false, self.timeout);
                    return Err(base.error_in(
                        ErrorKind::Failed,
                        OP,
                        format!(
                            "cannot register the copy with the lifeline process (/bin/sh): {e}"
                        ),
                    ));
                }
            }
        }
        let c = match self.run(&made) {
            Ok(c) => c,
            Err(e) => {
                let _ = made.remove(None, None, false, self.timeout);
                return Err(e);
            }
        };
        let pids = Pids::of(&c);
        Ok(Ephemeral {
            c,
            made,
            pids,
            timeout: self.timeout,
        })
    }

    fn run(&self, made: &Made) -> Result<Container> {
        // liblxc's own object for the copy (not `clone_with`, which reopens it): it starts an
        // overlay copy, and one open less per sandbox.
        let bound = bound_next_child(self.timeout);
        let c = self.base.clone_member(
            Some(&made.name),
            None,
            CloneFlags::SNAPSHOT,
            Some("overlay"),
            None,
            0,
            &[] as &[&str],
        )?;
        drop(bound);
        // The timeout is the copy's call limit: its start (and a stop through liblxc) is killed
        // with everything it started when it takes longer.
        c.set_call_limit(Some(self.timeout));
        c.set_config_item("lxc.ephemeral", "1")?;
        for (k, v) in &self.config {
            c.set_config_item(k, v)?;
        }
        // Not saved: the monitor liblxc forks for the start keeps this configuration (and removes
        // the copy when it stops); the file is the clone's, which the removal needs. Saving would
        // add a synced write to every sandbox. The object clone returned starts the copy (its
        // in-memory rootfs is `overlay:<base rootfs>:<delta>`; only a `dir` copy's is unusable).
        // A daemonized start returns once the monitor reported RUNNING (liblxc waits for it on
        // a socket pair): no state query is needed after it.
        c.start()?;
        Ok(c)
    }
}

/// An `lxc.mount.entry` value for a bind mount, with fstab escapes for white space and `\`.
fn mount_entry(
    host: &Path,
    target: &Path,
    read_only: bool,
) -> std::result::Result<String, (ErrorKind, String)> {
    let meta = std::fs::metadata(host).map_err(|e| {
        let kind = match e.kind() {
            std::io::ErrorKind::NotFound => ErrorKind::NotFound,
            std::io::ErrorKind::PermissionDenied => ErrorKind::PermissionDenied,
            _ => ErrorKind::InvalidArgument,
        };
        (kind, format!("bind mount source {}: {e}", host.display()))
    })?;
    let target = target.strip_prefix("/").unwrap_or(target);
    let leaves = target
        .components()
        .any(|c| !matches!(c, std::path::Component::Normal(_)));
    if target.as_os_str().is_empty() || leaves {
        return Err((
            ErrorKind::InvalidArgument,
            format!(
                "bind mount target {} must be a path inside the container without `..`",
                target.display()
            ),
        ));
    }
    let mut out = String::new();
    for p in [host, target] {
        let Some(text) = p.to_str() else {
            return Err((
                ErrorKind::InvalidArgument,
                format!(
                    "bind mount path {} is not UTF-8 (liblxc's configuration is text)",
                    p.display()
                ),
            ));
        };
        if text.contains('\0') {
            return Err((
                ErrorKind::InvalidArgument,
                format!("bind mount path {text:?} holds a NUL byte"),
            ));
        }
        if !out.is_empty() {
            out.push(' ');
        }
        for ch in text.chars() {
            match ch {
                ' ' | '\t' | '\n' | '\\' => {
                    let _ = write!(out, "\\{:03o}", ch as u32);
                }
                _ => out.push(ch),
            }
        }
    }
    let create = if meta.is_dir() { "dir" } else { "file" };
    let ro = if read_only { ",ro" } else { "" };
    let _ = write!(out, " none bind,create={create}{ro} 0 0");
    Ok(out)
}

/// Reserves the copy's directory: made here, so two threads cannot pick the same name.
fn reserve(base: &Container, lxcpath: &Path, name: Option<&str>) -> Result<(String, PathBuf)> {
    let invalid = |e: LowerError| {
        let why = match e {
            LowerError::Invalid(why) => why,
            LowerError::Nul(at) => format!("the copy's name holds a NUL byte at {at}"),
            LowerError::Other(e) => return e,
        };
        base.error_in(ErrorKind::InvalidArgument, OP, why)
    };
    let attempts = if name.is_some() { 1 } else { 16 };
    for _ in 0..attempts {
        let candidate = match name {
            Some(n) => n.to_owned(),
            None => format!("{}-eph-{:012x}", base.name(), random() >> 16),
        };
        check_name(candidate.as_bytes()).map_err(invalid)?;
        let dir = lxcpath.join(&candidate);
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok((candidate, dir)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                if name.is_some() {
                    return Err(base.error_in(
                        ErrorKind::AlreadyExists,
                        OP,
                        format!("{} already exists", dir.display()),
                    ));
                }
            }
            Err(e) => {
                let kind = e
                    .raw_os_error()
                    .map_or(ErrorKind::Failed, ErrorKind::from_errno);
                return Err(base.error_in(kind, OP, format!("cannot make {}: {e}", dir.display())));
            }
        }
    }
    Err(base.error_in(
        ErrorKind::AlreadyExists,
        OP,
        "no free generated name after 16 attempts",
    ))
}

/// 64 random bits: the standard library seeds each `RandomState` from the operating system.
fn random() -> u64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.finish()
}

/// What a start made, removed by [`Made::remove`].
#[derive(Debug)]
struct Made {
    lxcpath: PathBuf,
    name: String,
    /// The copy's directory, while it may still exist.
    dir: Option<PathBuf>,
    /// Registered with the lifeline.
    lifeline: bool,
}

impl Made {
    /// Stops the copy if it runs, waits (up to `timeout`) for liblxc to remove a copy that ran,
    /// and removes what is left. Returns the first error; removal goes on after one.
    fn remove(
        &mut self,
        c: Option<&Container>,
        pids: Option<&Pids>,
        ran: bool,
        timeout: Duration,
    ) -> Result<()> {
        let Some(dir) = self.dir.take() else {
            return Ok(());
        };
        let result = self.stop_and_forget(c, pids, ran, &dir, timeout);
        if std::mem::take(&mut self.lifeline) {
            lifeline::release(&dir);
        }
        result
    }

    fn stop_and_forget(
        &self,
        c: Option<&Container>,
        pids: Option<&Pids>,
        ran: bool,
        dir: &Path,
        timeout: Duration,
    ) -> Result<()> {
        let deadline = Instant::now() + timeout;
        let mut first = None;
        let opened;
        let c = match c {
            Some(c) => Some(c),
            None => {
                opened = Container::new_in(&self.name, &self.lxcpath).ok();
                opened.as_ref()
            }
        };
        if let Some(c) = c {
            let direct = pids.map_or(Stopped::NotTried, |p| p.stop(deadline));
            // No state query first: `stop` refuses a copy that does not run (`NotRunning`), and
            // checks after a success that it stopped; each query is a round trip to the monitor.
            let stopped = match direct {
                Stopped::Gone => true,
                // The monitor is still at work (a post-stop hook): it removes the copy when it is
                // done; nothing here may race it.
                Stopped::TimedOut => {
                    return Err(Error::new(
                        ErrorKind::Timeout,
                        OP,
                        format!(
                            "the copy's monitor had not finished within {timeout:?} after its \
                             init was killed (a post-stop hook?); it removes the copy when it is done"
                        ),
                    )
                    .with_container(self.name.clone()))
                }
                Stopped::NotTried => match c.stop() {
                    Ok(()) => true,
                    Err(e) if e.kind() == ErrorKind::NotRunning => false,
                    Err(e) => {
                        first = Some(e);
                        if let Err(e) = c.wait(State::Stopped, timeout) {
                            first.get_or_insert(e);
                        }
                        true
                    }
                },
            };
            // liblxc's monitor removes a copy that ran after it stopped (usually before `stop`
            // returns): wait for it, so the removal below does not race it.
            if ran || stopped {
                while c.is_defined() && Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(1));
                }
            }
            if c.is_defined() && !c.is_running() {
                if let Err(e) = c.destroy() {
                    first.get_or_insert(e);
                }
            }
        }
        match std::fs::remove_dir_all(dir) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                first.get_or_insert(Error::new(
                    ErrorKind::Failed,
                    OP,
                    format!("cannot remove {}: {e}", dir.display()),
                ));
            }
            _ => {}
        }
        first.map_or(Ok(()), |e| Err(e.with_container(self.name.clone())))
    }
}

/// A running ephemeral copy of a container, from [`EphemeralBuilder::start`]. It derefs to its
/// [`Container`] (run programs with [`Container::command`], read its state, set cgroup items).
///
/// When [`EphemeralBuilder::start`] returns, the copy runs. Dropping it (or [`Ephemeral::stop`])
/// stops it hard (`lxc-stop -k`) and waits until liblxc's monitor has removed it
/// (`lxc.ephemeral = 1`) and exited, then removes anything left: afterwards the copy is in
/// neither the lxcpath nor the mount table, no process of it runs, and its name is free. A copy
/// that stops by itself (its init exits, a `poweroff` inside) is removed by liblxc too.
///
/// The stop needs no round trip to the monitor: init is killed through its pidfd and the
/// monitor's exit is awaited through the monitor's pidfd (both taken when the copy started). A
/// copy frozen under a cgroup v1 freezer (where a killed task waits for a thaw), or a system
/// without pidfds (Linux before 5.3), is stopped through liblxc's `stop` instead. When the
/// monitor is not done within the timeout (a post-stop hook that takes longer), the stop
/// returns [`ErrorKind::Timeout`] and leaves the copy to the monitor, which removes it when its
/// hooks end.
///
/// The base stays untouched: writes in the copy go to its overlay delta. While copies exist,
/// liblxc refuses to destroy the base (`Container::destroy` fails: it has dependent snapshots).
///
/// # When the process dies
///
/// The copy runs under liblxc's monitor, a process of its own: without help it would outlive a
/// process that dies before dropping the `Ephemeral`, and be removed only when it stops. With the
/// lifeline (on unless [`EphemeralBuilder::lifeline`]`(false)`), one helper process per process
/// (`/bin/sh`, started with the first copy, idle until then, in a process group of its own so a
/// terminal's Ctrl-C does not reach it) keeps the list of live copies and reads a socket only
/// this process writes. When the socket closes (the process died, even of `SIGKILL`, or exited
/// without dropping a copy, e.g. through `std::process::exit` or `mem::forget`), the helper runs
/// `lxc-destroy -f` on each copy left and exits. It needs `/bin/sh` and `lxc-destroy` (package
/// `lxc`). A child forked from this process without exec keeps the socket open until it exits.
#[derive(Debug)]
pub struct Ephemeral {
    c: Container,
    made: Made,
    /// Its init and monitor, for a stop without liblxc's round trips (see `monitor`).
    pids: Option<Pids>,
    timeout: Duration,
}

impl Ephemeral {
    /// The running copy.
    pub fn container(&self) -> &Container {
        self
    }

    /// The copy's directory in the lxcpath (gone once the copy is).
    pub fn path(&self) -> PathBuf {
        self.made.lxcpath.join(&self.made.name)
    }

    /// Stops the copy and waits until it is gone, as dropping it does, but reports a failure.
    ///
    /// # Errors
    ///
    /// The first error of stopping, waiting or removing; what can be removed is removed anyway.
    /// [`ErrorKind::Timeout`] when the copy's monitor has not removed it within the timeout:
    /// then nothing is removed here, and the monitor removes the copy when it is done.
    pub fn stop(mut self) -> Result<()> {
        self.finish()
    }

    fn finish(&mut self) -> Result<()> {
        self.made
            .remove(Some(&self.c), self.pids.as_ref(), true, self.timeout)
    }
}

impl Deref for Ephemeral {
    type Target = Container;

    fn deref(&self) -> &Container {
        &self.c
    }
}

impl Drop for Ephemeral {
    fn drop(&mut self) {
        let _ = self.finish();
    }
}
