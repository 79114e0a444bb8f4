//! `Container`: the handle, and one declaration per member of `struct lxc_container`.

use std::ffi::OsStr;
use std::fmt;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::time::Duration;

use lxc_core::__private::ret::ContainerKind;
use lxc_core::__private::{AsHandle, Call, Lift};
use lxc_core::ffi::LxcContainer;
use lxc_core::{BdevSpecs, Handle, Result};
use lxc_macros::lxc_method;

use crate::flags::CreateFlags;
use crate::keys::KeyList;
use crate::state::State;

/// One LXC container, as seen through one liblxc container object.
///
/// A `Container` names a container in an lxcpath; it need not exist yet ([`is_defined`] says whether
/// it does). Dropping it releases the reference (`lxc_container_put`); it never stops or destroys the
/// container.
///
/// # Threads
///
/// `Container` is [`Send`] but not [`Sync`]: move it to a thread, or open one `Container` per thread
/// for the same name (each has its own liblxc object, and liblxc's on-disk locks serialise them). To
/// share one liblxc object, [`try_clone`](Container::try_clone) it: clones serialise their calls on a
/// shared lock. A non-daemonized `start` refuses a multi-threaded process (documented on the
/// method); `create`, which sets the umask, runs in a forked child so the caller's is left alone.
///
/// [`is_defined`]: Container::is_defined
pub struct Container {
    handle: Handle,
}

impl AsHandle for Container {
    #[inline(always)]
    fn handle(&self) -> &Handle {
        &self.handle
    }
}

impl<'a> Lift<'a, ContainerKind, *mut LxcContainer> for Container {
    unsafe fn lift(raw: *mut LxcContainer, call: &Call<'a>) -> Result<Container> {
        // SAFETY: the error policy let only a non-null pointer through, and the member (new, clone)
        // gives the caller one reference to a fresh object that no one else uses.
        let handle = unsafe { Handle::from_raw(raw, call.member().name)? };
        Ok(Container { handle })
    }
}

impl lxc_core::__private::Listed for Container {
    const HANDLES: bool = true;

    fn from_name(name: &[u8], call: &Call<'_>) -> Result<Container> {
        let name = String::from_utf8_lossy(name);
        let mut e = lxc_core::Error::new(
            lxc_core::ErrorKind::InvalidData,
            call.member().name,
            format!("a listing gave the name {name:?} where a container was asked for"),
        );
        e = e.with_container(name.into_owned());
        Err(e)
    }

    fn from_handle(handle: Handle) -> Container {
        Container { handle }
    }
}

impl fmt::Debug for Container {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Container")
            .field("name", &self.name())
            .finish_non_exhaustive()
    }
}

/// Hand-written conveniences on top of the declarations.
impl Container {
    /// Opens the container `name` in the default lxcpath (`lxc.lxcpath`, usually `/var/lib/lxc`).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidArgument`](lxc_core::ErrorKind::InvalidArgument) for a name that is empty,
    /// `.`/`..`, contains `/` or a NUL byte, or starts with `-`; `Failed` when liblxc cannot set the
    /// object up (for example an existing configuration that does not parse).
    pub fn new(name: &str) -> Result<Container> {
        Container::with_lxcpath(name, None)
    }

    /// Opens the container `name` in `lxcpath`.
    ///
    /// # Errors
    ///
    /// As [`Container::new`], and a NUL byte in `lxcpath`.
    pub fn new_in(name: &str, lxcpath: impl AsRef<Path>) -> Result<Container> {
        Container::with_lxcpath(name, Some(lxcpath.as_ref()))
    }

    /// The container's name.
    pub fn name(&self) -> &str {
        self.handle.name()
    }

    /// A second reference to the same liblxc object (`lxc_container_get`). The two serialise their
    /// calls on a shared lock, so each may move to its own thread.
    ///
    /// # Errors
    ///
    /// `Failed` when liblxc refuses another reference.
    #[doc(alias = "lxc_container_get")]
    pub fn try_clone(&self) -> Result<Container> {
        Ok(Container {
            handle: self.handle.try_clone()?,
        })
    }

    /// Takes over one reference to a liblxc container object.
    ///
    /// # Errors
    ///
    /// `Failed` when `ptr` is null.
    ///
    /// # Safety
    ///
    /// `ptr` must be null or a valid `struct lxc_container *` whose reference the caller owns and gives
    /// up, and no other code may use the object while the `Container` lives.
    pub unsafe fn from_raw(ptr: *mut LxcContainer) -> Result<Container> {
        // SAFETY: the caller upholds Handle::from_raw's contract, which is this function's.
        Ok(Container {
            handle: unsafe { Handle::from_raw(ptr, "from_raw")? },
        })
    }

    /// Gives up the reference without releasing it; the caller must `lxc_container_put` it.
    pub fn into_raw(self) -> *mut LxcContainer {
        self.handle.into_raw()
    }

    /// The liblxc object, still owned by `self`. Using it while `self` is used from elsewhere is the
    /// caller's responsibility.
    pub fn as_ptr(&self) -> *mut LxcContainer {
        self.handle.as_ptr()
    }

    /// Bounds every call of this handle that waits for something liblxc itself never gives up on:
    /// [`start`](Self::start_with) and [`stop`](Self::stop) (the monitor and the hooks it runs),
    /// [`create`](Self::create_with) (the template), [`destroy`](Self::destroy) (destroy hooks,
    /// storage), and the copies ([`clone_with`](Self::clone_with), [`snapshot`](Self::snapshot),
    /// [`snapshot_restore`](Self::snapshot_restore), [`rename`](Self::rename)). Such a call runs in
    /// a forked child; at the limit the child and every process it started (a template, a hook, a
    /// half-started monitor and its container) are killed, what the call had made is removed as
    /// after any failure, and the call returns [`Timeout`](lxc_core::ErrorKind::Timeout) naming
    /// the limit and the state the container is in.
    ///
    /// `None` (the default) gives each member its own bound: [`DEFAULT_START_STOP_LIMIT`] for
    /// start and stop, [`DEFAULT_STORAGE_LIMIT`] for the others. Freezing has its own
    /// ([`freeze_timeout`](Self::freeze_timeout)), and members with a timeout argument
    /// (`wait`, `shutdown`, `reboot2`) keep to it. A clone made by [`try_clone`](Self::try_clone)
    /// starts with this handle's limit.
    pub fn set_call_limit(&self, limit: Option<Duration>) {
        self.handle.set_call_limit(limit);
    }

    /// The limit [`set_call_limit`](Self::set_call_limit) set, if any.
    pub fn call_limit(&self) -> Option<Duration> {
        self.handle.call_limit()
    }

    /// Creates the container from `template` (for example `"busybox"`), without template
    /// arguments, on a `dir` backing store in the lxcpath. Arguments, another backing store or
    /// flags: [`Container::create_with_options`].
    ///
    /// # Errors
    ///
    /// As [`Container::create_with`].
    pub fn create(&self, template: &str) -> Result<()> {
        self.create_with(
            Some(template),
            None,
            None,
            CreateFlags::empty(),
            &[] as &[&str],
        )
    }

    /// An error of `op` about this container that lxc-rs found itself (a refused argument, a
    /// state checked before liblxc is called, a timeout).
    pub(crate) fn error_in(
        &self,
        kind: lxc_core::ErrorKind,
        op: &'static str,
        why: impl Into<std::borrow::Cow<'static, str>>,
    ) -> lxc_core::Error {
        lxc_core::Error::new(kind, op, why).with_container(self.name())
    }

    /// Starts the container's init (`lxc.init.cmd`, or `/sbin/init`) in the background.
    ///
    /// # Errors
    ///
    /// As [`Container::start_with`].
    pub fn start(&self) -> Result<()> {
        self.start_with(crate::StartMode::Boot, &[] as &[&str])
    }
}

/// How long [`Container::start_with`] and [`Container::stop`] wait when no
/// [call limit](Container::set_call_limit) is set.
pub const DEFAULT_START_STOP_LIMIT: Duration = Handle::DEFAULT_START_STOP_LIMIT;

/// How long create, destroy, clone, snapshot, snapshot restore and rename take at most when no
/// [call limit](Container::set_call_limit) is set.
pub const DEFAULT_STORAGE_LIMIT: Duration = Handle::DEFAULT_STORAGE_LIMIT;

/// The longest configuration key [`Container::running_config_item`] sends to the monitor (liblxc's
/// keys are far shorter; its monitor takes at most 16 KiB of data per command).
pub const MAX_KEY_LEN: usize = 4096;

/// The declarations: one per member of `struct lxc_container`.
impl Container {
    /// Opens the container `name` in `lxcpath` (`None`: the default lxcpath).
    #[lxc_method(lxc_container_new, explain = Self::new_refused)]
    pub fn with_lxcpath(name: &str, lxcpath: Option<&Path>) -> Result<Container>;

    /// A caller that is not root: says which lock directory liblxc could not create.
    #[cold]
    fn new_refused(e: lxc_core::Error, _: &(), _: &str, lxcpath: Option<&Path>) -> lxc_core::Error {
        crate::unprivileged::explain_new(e, lxcpath)
    }

    /// Whether the container exists: its configuration file is in the lxcpath.
    #[lxc_method(is_defined)]
    pub fn is_defined(&self) -> bool;

    /// The container's state. [`State::Invalid`] when the monitor could not be asked.
    #[lxc_method(state)]
    pub fn state(&self) -> Result<State>;

    /// Whether the container is running (or frozen). Note liblxc also says `true` when the state
    /// query fails; [`Container::state`] tells the two apart.
    #[lxc_method(is_running)]
    pub fn is_running(&self) -> bool;

    /// The pid of the container's init, as seen from the host. A pid is a `u32` throughout
    /// lxc-rs, as in [`std::process::Child::id`] and [`Child::id`](crate::Child::id).
    #[lxc_method(init_pid)]
    pub fn init_pid(&self) -> Result<u32>;

    /// Loads the configuration from `alt_file`, or from the container's own file with `None`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidArgument`](lxc_core::ErrorKind::InvalidArgument) when `alt_file` is a
    /// directory (liblxc would read it as an empty file) or holds a NUL byte, and
    /// [`ErrorKind::Failed`](lxc_core::ErrorKind::Failed) with liblxc's reason when it cannot be
    /// read or parsed.
    #[lxc_method(load_config, pre = Self::not_a_directory)]
    pub fn load_config(&self, alt_file: Option<&Path>) -> Result<()>;

    fn not_a_directory(&self, alt_file: Option<&Path>) -> Result<()> {
        match alt_file.filter(|f| f.is_dir()) {
            Some(f) => Err(self.error_in(
                lxc_core::ErrorKind::InvalidArgument,
                "load_config",
                format!("{} is a directory, not a configuration file", f.display()),
            )),
            None => Ok(()),
        }
    }

    /// Whether [`Container::start_with`] daemonizes (the default) or runs in the foreground.
    /// Needs a loaded configuration.
    #[lxc_method(want_daemonize)]
    pub fn want_daemonize(&self, daemonize: bool) -> Result<()>;

    /// Whether a start closes every inherited descriptor. Needs a loaded configuration.
    #[lxc_method(want_close_all_fds)]
    pub fn want_close_all_fds(&self, close: bool) -> Result<()>;

    /// The path of the container's configuration file.
    #[lxc_method(config_file_name)]
    pub fn config_file_name(&self) -> Result<PathBuf>;

    /// Waits until the container reaches `state`, for at most `timeout`.
    ///
    /// `timeout` must be positive. It is never cut short: while the container has no monitor to
    /// ask (it is not running yet), liblxc answers at once and lxc-rs asks again every 20 ms until
    /// `timeout` has passed. Once liblxc waits on a running container it counts whole seconds
    /// (rounded up), so a wait may last up to a second longer than a sub-second `timeout`.
    ///
    /// liblxc first registers the wait with the container's monitor, and that step has no
    /// timeout on any liblxc (6.0's [`set_timeout`](Self::set_timeout) does not apply to it): a
    /// monitor that is itself stopped (`SIGSTOP`) holds the wait until it is continued.
    #[lxc_method(wait)]
    pub fn wait(&self, state: State, timeout: Duration) -> Result<()>;

    /// Sets a configuration item in memory (save it with [`Container::save_config`]). An empty value
    /// clears the key; list-valued keys (`lxc.environment`, …) append.
    ///
    /// # Errors
    ///
    /// [`InvalidArgument`](lxc_core::ErrorKind::InvalidArgument) for an unknown key, a value liblxc
    /// cannot parse, a line break or NUL byte, and values liblxc would accept but that cannot work:
    /// an interface MTU that is not a number from 68 to 65535 (`lxc.net.<n>.mtu`), a MAC address
    /// that is not six `:`-separated hex bytes (`x` may stand for a random digit), a signal number
    /// outside 1 to 64 (`lxc.signal.*`), and a key that ends with `.` (a prefix).
    ///
    /// liblxc 4.0 accepts a few values 5.0 and later refuse: an unknown architecture
    /// (`lxc.arch = bogus`: 4.0 logs a warning and keeps the previous one). It refuses one that
    /// they take: an `lxc.init.cmd` of `PATH_MAX` (4096) bytes or more (`InvalidArgument`,
    /// "File name too long").
    #[lxc_method(set_config_item, pre = Self::possible_value, explain = Self::name_the_key)]
    pub fn set_config_item(&self, key: &str, value: &str) -> Result<()>;

    /// Destroys a stopped container: its rootfs and configuration. Fails if it has snapshots, or
    /// overlay copies (clones with [`CloneFlags::SNAPSHOT`](crate::CloneFlags::SNAPSHOT),
    /// [`Ephemeral`](crate::Ephemeral) copies) depend on it: the error names them.
    ///
    /// # Errors
    ///
    /// [`Running`](lxc_core::ErrorKind::Running) when it runs,
    /// [`NotFound`](lxc_core::ErrorKind::NotFound) when it is not defined,
    /// [`Timeout`](lxc_core::ErrorKind::Timeout) at the [call limit](Self::set_call_limit) (a
    /// destroy hook that never ends; the container stays as far as the hook got), and
    /// [`Failed`](lxc_core::ErrorKind::Failed) with liblxc's reason otherwise.
    #[lxc_method(destroy, explain = Self::dependent_copies)]
    pub fn destroy(&self) -> Result<()>;

    /// Writes the configuration to `alt_file`, or to the container's own file with `None`.
    #[lxc_method(save_config)]
    pub fn save_config(&self, alt_file: Option<&Path>) -> Result<()>;

    /// Creates the container: runs `template` (or none, to write only the configuration) with `argv`
    /// on backing store `bdevtype` (`None`: `dir`), configured by `specs`.
    ///
    /// liblxc's create runs in a forked child, so its process-wide umask change stays there, and
    /// the template's stderr becomes part of the error when it fails.
    ///
    /// # Errors
    ///
    /// [`AlreadyExists`](lxc_core::ErrorKind::AlreadyExists) for an existing container,
    /// [`InvalidArgument`](lxc_core::ErrorKind::InvalidArgument) for a NUL byte or a bad name, and
    /// [`Failed`](lxc_core::ErrorKind::Failed) with liblxc's reason when the template or the
    /// backing store fails. When it fails, the container's directory is removed if this call made
    /// it (liblxc 5.0 leaves the configuration, the rootfs or a `loop` file behind); that includes
    /// [`Timeout`](lxc_core::ErrorKind::Timeout), a template still running at the
    /// [call limit](Self::set_call_limit), which is killed with everything it started.
    #[lxc_method(create, pre = Self::before_create, post = Self::load_created, explain = Self::undo_create)]
    pub fn create_with(
        &self,
        template: Option<&str>,
        bdevtype: Option<&str>,
        specs: Option<&BdevSpecs>,
        flags: CreateFlags,
        argv: &[impl AsRef<OsStr>],
    ) -> Result<()>;

    /// The container's directory, when it is not there before `create` (a failure removes it
    /// only if this call made it).
    fn before_create(
        &self,
        template: Option<&str>,
        _: Option<&str>,
        _: Option<&BdevSpecs>,
        _: CreateFlags,
        _: &[impl AsRef<OsStr>],
    ) -> Result<Option<PathBuf>> {
        let lxcpath = self.config_path()?;
        // liblxc hands the rootfs path to the template's shell unquoted: a space splits it, and
        // the pieces land outside the lxcpath (in the caller's working directory).
        let spaced = |s: &str| s.chars().any(char::is_whitespace);
        if template.is_some() && (spaced(self.name()) || spaced(&lxcpath.to_string_lossy())) {
            return Err(self.error_in(
                lxc_core::ErrorKind::InvalidArgument,
                "create",
                format!(
                    "a template cannot take a container name or lxcpath with white space ({:?} in {}):                      it would split the path and write outside the lxcpath",
                    self.name(),
                    lxcpath.display()
                ),
            ));
        }
        let dir = lxcpath.join(self.name());
        self.forget_destroyed_config(&dir);
        let dir = Some(dir);
        Ok(dir.filter(|d| d.symlink_metadata().is_err()))
    }

    /// An object whose container another handle destroyed still holds its configuration, whose
    /// rootfs is gone: liblxc's create would refuse it ("rootfs does not exist"). That stale
    /// configuration is dropped; one the caller built on an undefined container is kept.
    fn forget_destroyed_config(&self, dir: &std::path::Path) {
        if self.is_defined() {
            return;
        }
        let Ok(rootfs) = self.config_item("lxc.rootfs.path") else {
            return;
        };
        let path = std::path::Path::new(rootfs.strip_prefix("dir:").unwrap_or(&rootfs));
        if !rootfs.is_empty() && path.starts_with(dir) && !path.exists() {
            self.clear_config();
        }
    }

    /// liblxc's create ran in a child (see its row in the API table); in the caller's process it
    /// ends by loading the configuration the template wrote into the object.
    fn load_created(
        &self,
        _: &Option<PathBuf>,
        _: Option<&str>,
        _: Option<&str>,
        _: Option<&BdevSpecs>,
        _: CreateFlags,
        _: &[impl AsRef<OsStr>],
    ) -> Result<()> {
        self.clear_config();
        self.load_config(None)
    }

    /// liblxc 5.0 leaves the configuration, the rootfs or a `loop` file behind a failed create:
    /// the directory goes, when this call made it and nobody else made it meanwhile.
    #[cold]
    #[allow(clippy::too_many_arguments)]
    fn undo_create(
        &self,
        e: lxc_core::Error,
        made: &Option<PathBuf>,
        _: Option<&str>,
        _: Option<&str>,
        _: Option<&BdevSpecs>,
        _: CreateFlags,
        _: &[impl AsRef<OsStr>],
    ) -> lxc_core::Error {
        if let (Some(dir), false) = (made, e.kind() == lxc_core::ErrorKind::AlreadyExists) {
            let _ = std::fs::remove_dir_all(dir);
        }
        if e.kind() == lxc_core::ErrorKind::AlreadyExists {
            return e;
        }
        let idmap = self.config_item("lxc.idmap").unwrap_or_default();
        crate::unprivileged::explain_create(e, &idmap)
    }

    /// Renames the stopped container (a clone and a destroy). This handle keeps the old name: open
    /// a new `Container` for `new_name`.
    ///
    /// # Errors
    ///
    /// [`Running`](lxc_core::ErrorKind::Running) when it runs,
    /// [`Timeout`](lxc_core::ErrorKind::Timeout) when the copy is not done at the
    /// [call limit](Self::set_call_limit) (the half-made copy is removed), and
    /// [`Failed`](lxc_core::ErrorKind::Failed) with liblxc's reason otherwise.
    #[lxc_method(rename, pre = Self::rename_target, explain = Self::undo_rename)]
    pub fn rename(&self, new_name: &str) -> Result<()>;

    /// Notes the directory a rename copies to (see `made.rs`).
    fn rename_target(&self, new_name: &str) -> Result<crate::made::Made> {
        Ok(crate::made::Made::dir(self.config_path()?.join(new_name)))
    }

    /// A rename that ran out of its call limit leaves no half-made copy.
    #[cold]
    fn undo_rename(
        &self,
        e: lxc_core::Error,
        made: &crate::made::Made,
        _: &str,
    ) -> lxc_core::Error {
        made.undo(e)
    }

    /// Asks the container to reboot (sends `lxc.signal.reboot`, or SIGINT) and returns at once.
    #[lxc_method(reboot, pre = Self::reap_held_children)]
    pub fn reboot(&self) -> Result<()>;

    /// Asks the container to shut down (sends `lxc.signal.halt`, or SIGPWR) and waits up to
    /// `timeout` for it to stop. Succeeds at once if it is not running.
    #[lxc_method(shutdown, pre = Self::reap_held_children_within)]
    pub fn shutdown(&self, timeout: Duration) -> Result<()>;

    /// Forgets the configuration loaded in this object (not the file).
    #[lxc_method(clear_config)]
    pub fn clear_config(&self);

    /// Clears a configuration item in memory.
    #[lxc_method(clear_config_item)]
    pub fn clear_config_item(&self, key: &str) -> Result<()>;

    /// While the container stops or restarts, the caller's own children in it are reaped as
    /// they die (an unreaped one keeps its init from dying): see `exec/held.rs`.
    fn reap_held_children(&self) -> Result<crate::exec::Reaping> {
        Ok(crate::exec::Reaping::children_of(self.init_pid().ok()))
    }

    /// [`Container::reap_held_children`], for a member with a timeout.
    fn reap_held_children_within(&self, _: Duration) -> Result<crate::exec::Reaping> {
        self.reap_held_children()
    }

    /// The value of a configuration item, e.g. `lxc.uts.name`; `""` when unset. List-valued items
    /// come one per line.
    ///
    /// # Errors
    ///
    /// A value that is not UTF-8 (liblxc keeps a configuration file's bytes as they are) is
    /// [`InvalidData`](lxc_core::ErrorKind::InvalidData): read it with
    /// [`Container::config_item_bytes`]. A key liblxc does not know is
    /// [`InvalidArgument`](lxc_core::ErrorKind::InvalidArgument) on every liblxc: 5.0 and later
    /// return -22 (`EINVAL`) for it; 4.0 returns -1, as it does for any failure, and lxc-rs then
    /// asks `lxc_config_item_is_supported`. A key that ends with `.` is a prefix and
    /// `InvalidArgument` too (liblxc 4.0 would read the key without the dot).
    #[lxc_method(get_config_item, pre = Self::not_a_prefix, explain = Self::unknown_key)]
    pub fn config_item(&self, key: &str) -> Result<String>;

    /// The value of a configuration item as liblxc holds it, byte for byte, whether or not it is
    /// UTF-8 (a path, a hook's arguments); `[]` when unset.
    #[lxc_method(get_config_item, pre = Self::not_a_prefix, explain = Self::unknown_key)]
    pub fn config_item_bytes(&self, key: &str) -> Result<Vec<u8>>;

    /// The value of a configuration item in the running container's monitor.
    ///
    /// # Errors
    ///
    /// A key longer than [`MAX_KEY_LEN`] bytes is
    /// [`InvalidArgument`](lxc_core::ErrorKind::InvalidArgument), before the monitor is asked (it
    /// would drop the connection while the key is still being sent). A value that is not UTF-8 is
    /// [`InvalidData`](lxc_core::ErrorKind::InvalidData): read it with
    /// [`Container::running_config_item_bytes`].
    #[lxc_method(get_running_config_item, pre = Self::key_fits)]
    pub fn running_config_item(&self, key: &str) -> Result<String>;

    /// The value of a configuration item in the running container's monitor, byte for byte.
    ///
    /// # Errors
    ///
    /// As [`Container::running_config_item`], but any bytes are a value.
    #[lxc_method(get_running_config_item, pre = Self::key_fits)]
    pub fn running_config_item_bytes(&self, key: &str) -> Result<Vec<u8>>;

    /// The configuration keys under `prefix` (`None`: every key liblxc supports). With a prefix,
    /// liblxc gives the sub-keys without it: `keys(Some("lxc.net.0"))` lists `"type"`, `"link"`, … as
    /// valid for that interface's type.
    ///
    /// # Errors
    ///
    /// [`InvalidArgument`](lxc_core::ErrorKind::InvalidArgument) for a prefix liblxc does not know
    /// (5.0 and later return -22 for it; 4.0 returns -1, as for any failure).
    #[lxc_method(get_keys, explain = Self::unknown_prefix)]
    pub fn keys(&self, prefix: Option<&str>) -> Result<KeyList>;

    /// The lxcpath this object looks in.
    #[lxc_method(get_config_path)]
    pub fn config_path(&self) -> Result<PathBuf>;

    /// Points this object at another lxcpath.
    #[lxc_method(set_config_path)]
    pub fn set_config_path(&self, path: &Path) -> Result<()>;

    /// Whether the caller may control the container (the monitor accepts its credentials).
    #[lxc_method(may_control)]
    pub fn may_control(&self) -> bool;

    /// Destroys the stopped container and all its snapshots; a container that never had a
    /// snapshot is destroyed too (liblxc's own member fails for it).
    #[lxc_method(destroy_with_snapshots, pre = Self::snaps_dir, explain = Self::undo_snaps_dir)]
    pub fn destroy_with_snapshots(&self) -> Result<()>;

    /// Asks the container to reboot and waits up to `timeout` until it runs again. A container
    /// that does not run is refused with `NotRunning` before liblxc is called (liblxc would report
    /// success without rebooting anything).
    #[lxc_method(reboot2, pre = Self::reap_held_children_within)]
    pub fn reboot2(&self, timeout: Duration) -> Result<()>;

    /// A pidfd for the container's init (closed on drop).
    #[lxc_method(init_pidfd)]
    pub fn init_pidfd(&self) -> Result<OwnedFd>;

    /// Sets how long the queries to the monitor (`state`, `is_running`) wait for an answer, in
    /// whole seconds (rounded up); `None` for no limit. Needs liblxc 6.0. It does not bound
    /// [`wait`](Self::wait)'s registration with the monitor (liblxc asks by name there).
    ///
    /// # Errors
    ///
    /// [`Unsupported`](lxc_core::ErrorKind::Unsupported) before liblxc 6.0, whatever the timeout;
    /// [`InvalidArgument`](lxc_core::ErrorKind::InvalidArgument) for a zero timeout (liblxc 6.0
    /// returns false for it without a word) or one longer than liblxc takes.
    #[lxc_method(set_timeout, pre = Self::timeout_liblxc_takes)]
    pub fn set_timeout(&self, timeout: Option<Duration>) -> Result<()>;

    fn timeout_liblxc_takes(&self, timeout: Option<Duration>) -> Result<()> {
        // A library without the member says so first, whatever the value: the call's own guard
        // gives that error, naming the container.
        if timeout != Some(Duration::ZERO) || lxc_core::meta::set_timeout.check().is_err() {
            return Ok(());
        }
        Err(self.error_in(
            lxc_core::ErrorKind::InvalidArgument,
            "set_timeout",
            "a zero timeout is not one liblxc takes: a positive duration, or None for no limit"
                .to_owned(),
        ))
    }
}
