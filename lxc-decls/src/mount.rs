//! Mount injection: mounting into, and unmounting from, a running container
//! ([`Container::mount`], [`Container::umount`]).

use std::ffi::c_ulong;
use std::path::Path;

use lxc_core::__private::ULongFlagsArg;
use lxc_core::Result;
use lxc_macros::lxc_method;

use crate::Container;

bitflags::bitflags! {
    /// Flags of [`Container::mount`]: the `MS_*` flags of `mount(2)`.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct MountFlags: c_ulong {
        /// Read-only (`MS_RDONLY`).
        const RDONLY = libc::MS_RDONLY;
        /// Ignore set-user-ID and set-group-ID bits (`MS_NOSUID`).
        const NOSUID = libc::MS_NOSUID;
        /// No access to device files (`MS_NODEV`).
        const NODEV = libc::MS_NODEV;
        /// No program execution (`MS_NOEXEC`).
        const NOEXEC = libc::MS_NOEXEC;
        /// Synchronous writes (`MS_SYNCHRONOUS`).
        const SYNCHRONOUS = libc::MS_SYNCHRONOUS;
        /// Synchronous directory changes (`MS_DIRSYNC`).
        const DIRSYNC = libc::MS_DIRSYNC;
        /// Do not update access times (`MS_NOATIME`).
        const NOATIME = libc::MS_NOATIME;
        /// Do not update directory access times (`MS_NODIRATIME`).
        const NODIRATIME = libc::MS_NODIRATIME;
        /// Update access times relative to modification times (`MS_RELATIME`).
        const RELATIME = libc::MS_RELATIME;
        /// Always update access times (`MS_STRICTATIME`).
        const STRICTATIME = libc::MS_STRICTATIME;
        /// Keep time updates in memory (`MS_LAZYTIME`).
        const LAZYTIME = libc::MS_LAZYTIME;
        /// A bind mount of the source, a host path (`MS_BIND`).
        const BIND = libc::MS_BIND;
        /// With [`BIND`](MountFlags::BIND): the submounts too (`MS_REC`).
        const REC = libc::MS_REC;
        /// Suppress some kernel messages (`MS_SILENT`).
        const SILENT = libc::MS_SILENT;
    }
}

bitflags::bitflags! {
    /// Flags of [`Container::umount`]: the `MNT_*` flags of `umount2(2)`.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct UnmountFlags: c_ulong {
        /// Force the unmount even if busy (`MNT_FORCE`; only some filesystems).
        const FORCE = libc::MNT_FORCE as c_ulong;
        /// Detach now, clean up when no longer busy (`MNT_DETACH`).
        const DETACH = libc::MNT_DETACH as c_ulong;
        /// Mark as expired (`MNT_EXPIRE`).
        const EXPIRE = libc::MNT_EXPIRE as c_ulong;
        /// Do not follow a symbolic link at the target (`UMOUNT_NOFOLLOW`).
        const NOFOLLOW = libc::UMOUNT_NOFOLLOW as c_ulong;
    }
}

impl ULongFlagsArg for MountFlags {
    #[inline]
    fn to_c_ulong(&self) -> c_ulong {
        self.bits()
    }
}

impl ULongFlagsArg for UnmountFlags {
    #[inline]
    fn to_c_ulong(&self) -> c_ulong {
        self.bits()
    }
}

impl Container {
    /// Mounts into the running container: `mount(source, <tmp>, fstype, flags, data)` on the host,
    /// then moves the mount to `target` inside the container (creating `target`, a directory or a
    /// file like the source, when it is missing).
    ///
    /// The move needs a mount-propagation channel that exists only when the container was started
    /// with
    ///
    /// ```text
    /// lxc.mount.auto = shmounts:/path/on/host:/path/in/container
    /// ```
    ///
    /// (the container path defaults to `/dev/.lxc-mounts`): at start, liblxc binds the host path into
    /// the container, and a mount made under the host path then propagates into the container,
    /// where it is moved to `target`. For that, the host path must **exist before the start** and be
    /// a **shared mount point** (mount propagation). On systemd hosts `/` is shared, so any directory
    /// works; elsewhere (a private `/`, as in many containers and CI sandboxes) make it one first,
    /// e.g. `mount -t tmpfs -o size=1m tmpfs /path/on/host && mount --make-shared /path/on/host`.
    /// Otherwise the start fails (no host path), or the move fails with `EINVAL` (not shared).
    ///
    /// `source` is a host path (for a bind mount with [`MountFlags::BIND`], or a block device), which
    /// liblxc `stat`s to decide whether the mount point is a directory or a file. For filesystems
    /// without a source (`tmpfs`, `proc`, …) pass `None`: a name such as `"tmpfs"` would be looked
    /// up as a path. `data` is the filesystem's option string (`"size=1m,mode=0755"`).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidArgument`](lxc_core::ErrorKind::InvalidArgument) (liblxc returns
    /// `-EINVAL`) when the container has no `shmounts` configuration; an error with liblxc's logged
    /// reason when `source` does not exist, or the mount, the namespace switch or the move fails
    /// (liblxc returns -1), or the temporary mount point cannot be made under the host path (liblxc
    /// returns a positive value);
    /// [`ErrorKind::NotRunning`](lxc_core::ErrorKind::NotRunning) when the container is not running.
    /// A NUL byte in an argument is [`ErrorKind::InvalidArgument`](lxc_core::ErrorKind::InvalidArgument),
    /// and liblxc is not called.
    #[lxc_method(mount)]
    pub fn mount(
        &self,
        source: Option<&Path>,
        target: &Path,
        fstype: Option<&str>,
        flags: MountFlags,
        data: Option<&str>,
    ) -> Result<()>;

    /// Unmounts `target` inside the running container: `umount2(target, flags)` in a process that
    /// enters the container's mount namespace. Any mount can be unmounted this way, not only those
    /// made by [`Container::mount`], and no `shmounts` configuration is needed.
    ///
    /// # Errors
    ///
    /// `Failed` when the unmount fails in the container (liblxc returns +1, for example when nothing
    /// is mounted at `target`), or liblxc cannot enter the container (a negative value);
    /// [`ErrorKind::NotRunning`](lxc_core::ErrorKind::NotRunning) when the container is not running.
    /// A NUL byte in `target` is [`ErrorKind::InvalidArgument`](lxc_core::ErrorKind::InvalidArgument).
    #[lxc_method(umount)]
    pub fn umount(&self, target: &Path, flags: UnmountFlags) -> Result<()>;
}
