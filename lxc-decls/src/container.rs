//! `Container`: the handle, and one declaration per member of `struct lxc_container`.

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

    pub(crate) fn from_handle(handle: Handle) -> Container {
        Container { handle }
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

    /// Creates the container from `template` (for example `"busybox"` or `"download"`) with its
    /// arguments, on a `dir` backing store in the lxcpath.
    ///
    /// # Errors
    ///
    /// As [`Container::create_with`].
    pub fn create(&self, template: &str, args: &[&str]) -> Result<()> {
        self.create_with(Some(template), None, None, CreateFlags::empty(), args)
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
        self.start_with(false, &[] as &[&str])
    }

    /// Destroys the container and all its snapshots. Unlike liblxc's own
    /// `destroy_with_snapshots`, this also works for a container that never had a snapshot.
    ///
    /// # Errors
    ///
    /// As [`Container::destroy`] and [`Container::destroy_with_snapshots_raw`].
    pub fn destroy_with_snapshots(&self) -> Result<()> {
        let snaps = self.config_path()?.join(self.name()).join("snaps");
        if snaps.is_dir() {
            self.destroy_with_snapshots_raw()
        } else {
            self.destroy()
        }
    }
}

/// The declarations: one per member of `struct lxc_container`.
impl Container {
    /// Opens the container `name` in `lxcpath` (`None`: the default lxcpath).
    #[lxc_method(lxc_container_new, ret = Container, err = Null)]
    pub fn with_lxcpath(name: &str, lxcpath: Option<&Path>) -> Result<Container>;

    /// Whether the container exists: its configuration file is in the lxcpath.
    #[lxc_method(is_defined, ret = Bool, err = Never)]
    pub fn is_defined(&self) -> bool;

    /// The container's state. [`State::Invalid`] when the monitor could not be asked.
    #[lxc_method(state, ret = StaticStr, err = Null)]
    pub fn state(&self) -> Result<State>;

    /// Whether the container is running (or frozen). Note liblxc also says `true` when the state
    /// query fails; [`Container::state`] tells the two apart.
    #[lxc_method(is_running, ret = Bool, err = Never)]
    pub fn is_running(&self) -> bool;

    /// The pid of the container's init, as seen from the host.
    #[lxc_method(init_pid, ret = Pid, err = NegOne)]
    pub fn init_pid(&self) -> Result<i32>;

    /// liblxc's `load_config`, which reads a directory as an empty file.
    #[lxc_method(load_config, ret = Unit, err = False)]
    pub(crate) fn load_config_raw(&self, alt_file: Option<&Path>) -> Result<()>;

    /// Loads the configuration from `alt_file`, or from the container's own file with `None`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidArgument`](lxc_core::ErrorKind::InvalidArgument) when `alt_file` is a
    /// directory or holds a NUL byte, and [`ErrorKind::Failed`](lxc_core::ErrorKind::Failed) with
    /// liblxc's reason when it cannot be read or parsed.
    pub fn load_config(&self, alt_file: Option<&Path>) -> Result<()> {
        if let Some(f) = alt_file.filter(|f| f.is_dir()) {
            return Err(self.error_in(
                lxc_core::ErrorKind::InvalidArgument,
                "load_config",
                format!("{} is a directory, not a configuration file", f.display()),
            ));
        }
        self.load_config_raw(alt_file)
    }

    /// liblxc's `start`, which leaves the calling process in the new monitor's cgroup:
    /// [`Container::start_with`] moves it back.
    #[lxc_method(start, ret = Unit, err = False)]
    pub(crate) fn start_raw(&self, use_init: bool, argv: &[&str]) -> Result<()>;

    /// Whether [`Container::start_with`] daemonizes (the default) or runs in the foreground.
    /// Needs a loaded configuration.
    #[lxc_method(want_daemonize, ret = Unit, err = False)]
    pub fn want_daemonize(&self, daemonize: bool) -> Result<()>;

    /// Whether a start closes every inherited descriptor. Needs a loaded configuration.
    #[lxc_method(want_close_all_fds, ret = Unit, err = False)]
    pub fn want_close_all_fds(&self, close: bool) -> Result<()>;

    /// The path of the container's configuration file.
    #[lxc_method(config_file_name, ret = String, err = Null)]
    pub fn config_file_name(&self) -> Result<PathBuf>;

    /// Waits until the container reaches `state`, for at most `timeout` (whole seconds, rounded up;
    /// zero does not wait).
    #[lxc_method(wait, ret = Unit, err = False)]
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
    /// outside 1 to 64 (`lxc.signal.*`).
    pub fn set_config_item(&self, key: &str, value: &str) -> Result<()> {
        if let Some(why) = impossible_value(key, value) {
            return Err(self.error_in(
                lxc_core::ErrorKind::InvalidArgument,
                "set_config_item",
                why,
            ));
        }
        self.set_config_item_raw(key, value)
    }

    /// liblxc's `set_config_item`.
    #[lxc_method(set_config_item, ret = Unit, err = False)]
    pub(crate) fn set_config_item_raw(&self, key: &str, value: &str) -> Result<()>;

    /// Destroys a stopped container: its rootfs and configuration. Fails if it has snapshots.
    #[lxc_method(destroy, ret = Unit, err = False)]
    pub fn destroy(&self) -> Result<()>;

    /// Writes the configuration to `alt_file`, or to the container's own file with `None`.
    #[lxc_method(save_config, ret = Unit, err = False)]
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
    /// it (liblxc 5.0 leaves the configuration, the rootfs or a `loop` file behind).
    pub fn create_with(
        &self,
        template: Option<&str>,
        bdevtype: Option<&str>,
        specs: Option<&BdevSpecs>,
        flags: CreateFlags,
        argv: &[&str],
    ) -> Result<()> {
        let dir = self.config_path().ok().map(|p| p.join(self.name()));
        let existed = dir.as_ref().map_or(true, |d| d.symlink_metadata().is_ok());
        let created = self.create_raw(template, bdevtype, specs, flags, argv);
        if created.is_ok() {
            // liblxc's create ran in a child (see `IN_CHILD` in the API table); in the caller's
            // process it ends by loading the configuration the template wrote into the object.
            self.clear_config();
            self.load_config_raw(None)?;
        }
        if let (Err(e), Some(dir)) = (&created, dir) {
            // Not when someone else made it meanwhile: that is their container.
            if !existed && e.kind() != lxc_core::ErrorKind::AlreadyExists {
                let _ = std::fs::remove_dir_all(&dir);
            }
        }
        created
    }

    /// liblxc's `create`.
    #[lxc_method(create, ret = Unit, err = False)]
    pub(crate) fn create_raw(
        &self,
        template: Option<&str>,
        bdevtype: Option<&str>,
        specs: Option<&BdevSpecs>,
        flags: CreateFlags,
        argv: &[&str],
    ) -> Result<()>;

    /// Renames the stopped container (a clone and a destroy). This handle keeps the old name: open
    /// a new `Container` for `new_name`.
    #[lxc_method(rename, ret = Unit, err = False)]
    pub fn rename(&self, new_name: &str) -> Result<()>;

    /// Asks the container to reboot (sends `lxc.signal.reboot`, or SIGINT) and returns at once.
    #[lxc_method(reboot, ret = Unit, err = False)]
    pub fn reboot(&self) -> Result<()>;

    /// Asks the container to shut down (sends `lxc.signal.halt`, or SIGPWR) and waits up to
    /// `timeout` for it to stop. Succeeds at once if it is not running.
    #[lxc_method(shutdown, ret = Unit, err = False)]
    pub fn shutdown(&self, timeout: Duration) -> Result<()>;

    /// Forgets the configuration loaded in this object (not the file).
    #[lxc_method(clear_config, ret = Unit, err = Never)]
    pub fn clear_config(&self);

    /// Clears a configuration item in memory.
    #[lxc_method(clear_config_item, ret = Unit, err = False)]
    pub fn clear_config_item(&self, key: &str) -> Result<()>;

    /// The value of a configuration item, e.g. `lxc.uts.name`; `""` when unset. List-valued items
    /// come one per line.
    #[lxc_method(get_config_item, ret = BufString, err = Neg)]
    pub fn config_item(&self, key: &str) -> Result<String>;

    /// The value of a configuration item in the running container's monitor.
    #[lxc_method(get_running_config_item, ret = String, err = Null)]
    pub fn running_config_item(&self, key: &str) -> Result<String>;

    /// The configuration keys under `prefix` (`None`: every key liblxc supports). With a prefix,
    /// liblxc gives the sub-keys without it: `keys(Some("lxc.net.0"))` lists `"type"`, `"link"`, … as
    /// valid for that interface's type.
    #[lxc_method(get_keys, ret = BufString, err = Neg)]
    pub fn keys(&self, prefix: Option<&str>) -> Result<KeyList>;

    /// The lxcpath this object looks in.
    #[lxc_method(get_config_path, ret = StaticStr, err = Null)]
    pub fn config_path(&self) -> Result<PathBuf>;

    /// Points this object at another lxcpath.
    #[lxc_method(set_config_path, ret = Unit, err = False)]
    pub fn set_config_path(&self, path: &Path) -> Result<()>;

    /// Whether the caller may control the container (the monitor accepts its credentials).
    #[lxc_method(may_control, ret = Bool, err = Never)]
    pub fn may_control(&self) -> bool;

    /// Destroys the container and all its snapshots, as liblxc does it: fails for a container that
    /// never had a snapshot. [`Container::destroy_with_snapshots`] does not.
    #[lxc_method(destroy_with_snapshots, ret = Unit, err = False)]
    pub fn destroy_with_snapshots_raw(&self) -> Result<()>;

    /// Asks the container to reboot and waits up to `timeout` until it runs again. A container
    /// that does not run is refused with `NotRunning` before liblxc is called (liblxc would report
    /// success without rebooting anything).
    #[lxc_method(reboot2, ret = Unit, err = False)]
    pub fn reboot2(&self, timeout: Duration) -> Result<()>;

    /// A pidfd for the container's init (closed on drop).
    #[lxc_method(init_pidfd, ret = OwnedFd, err = NegErrno)]
    pub fn init_pidfd(&self) -> Result<OwnedFd>;

    /// Sets the timeout, in seconds, of the queries to the monitor (`state`, `is_running`); -1 for
    /// none. Needs liblxc 6.0.
    #[lxc_method(set_timeout, ret = Unit, err = False, since = "6.0.0")]
    pub fn set_timeout(&self, seconds: i32) -> Result<()>;
}

/// Why `value` cannot work for `key`, for the keys whose values liblxc 5.0.2 accepts unchecked.
fn impossible_value(key: &str, value: &str) -> Option<String> {
    if value.is_empty() {
        return None;
    }
    let net_field = key
        .strip_prefix("lxc.net.")
        .and_then(|r| r.split_once('.'))
        .filter(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        .map(|(_, field)| field);
    let ok = match (net_field, key) {
        (Some("mtu"), _) => value
            .parse::<u32>()
            .is_ok_and(|m| (68..=65535).contains(&m)),
        (Some("hwaddr"), _) => {
            let parts: Vec<&str> = value.split(':').collect();
            parts.len() == 6
                && parts.iter().all(|p| {
                    p.len() == 2
                        && p.bytes()
                            .all(|b| b.is_ascii_hexdigit() || b == b'x' || b == b'X')
                })
        }
        (_, "lxc.signal.halt" | "lxc.signal.reboot" | "lxc.signal.stop") => {
            match value.parse::<i64>() {
                Ok(n) => (1..=64).contains(&n),
                // A name (`SIGPWR`, `PWR`, `SIGRTMIN+3`): liblxc checks those itself.
                Err(_) => true,
            }
        }
        _ => true,
    };
    (!ok).then(|| {
        let shown: String = value.chars().take(64).collect();
        format!("{shown:?} cannot work as {key}")
    })
}
