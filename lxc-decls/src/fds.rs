//! Descriptors of a running container's processes: its devpts instance and its seccomp notifier.

use std::os::fd::OwnedFd;

use lxc_core::Result;
use lxc_macros::lxc_method;

use crate::Container;

impl Container {
    /// A descriptor of the running container's own devpts instance (its `/dev/pts`), received
    /// from the monitor; closed on drop.
    ///
    /// Open a new pseudo-terminal of the container with it:
    /// `openat(devpts_fd, "ptmx", O_RDWR | O_NOCTTY)`.
    ///
    /// On liblxc 4.0 that devpts is mounted with `max=` [`lxc.pty.max`], and the container's
    /// ttys take from the same count: with the busybox template's `lxc.pty.max = 1`, opening
    /// `ptmx` can fail with `ENOSPC`. Raise `lxc.pty.max` before the start (the tests use 16).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NotRunning`](lxc_core::ErrorKind::NotRunning) when the container does not
    /// run, [`ErrorKind::Unsupported`](lxc_core::ErrorKind::Unsupported) on a liblxc without the
    /// member, and the monitor's error otherwise.
    ///
    /// [`lxc.pty.max`]: https://linuxcontainers.org/lxc/manpages/man5/lxc.container.conf.5.html
    #[lxc_method(devpts_fd)]
    pub fn devpts_fd(&self) -> Result<OwnedFd>;

    /// The seccomp notify descriptor of a container running with a `notify` action in its seccomp
    /// policy (`lxc.seccomp.notify.proxy`, or a notify rule): a listener of
    /// `SECCOMP_RET_USER_NOTIF` events.
    ///
    /// liblxc keeps this descriptor in the container object of the process that ran the start, so
    /// it is only there in a process that started the container **in the foreground**
    /// (`want_daemonize(false)`); a daemonized start leaves it in the monitor process, and this
    /// returns an error (`-EBADF`). Use
    /// [`seccomp_notify_fd_active`](Container::seccomp_notify_fd_active) from any other process.
    ///
    /// liblxc keeps ownership of its descriptor and closes it when the configuration is freed
    /// (`clear_config`, on this handle or on any clone of it), so a borrow of it could outlive it.
    /// This returns a duplicate instead (`F_DUPFD_CLOEXEC`), owned by the caller and closed on drop.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NotRunning`](lxc_core::ErrorKind::NotRunning) when the container is not
    /// running; `Failed` (errno `EBADF`) when this process holds no notify descriptor: the container
    /// has no notify policy or was not started in the foreground by this process.
    #[lxc_method(seccomp_notify_fd)]
    pub fn seccomp_notify_fd(&self) -> Result<OwnedFd>;

    /// A new descriptor of the running container's seccomp notifier, received from its monitor
    /// (closed on drop). Works from any process, unlike
    /// [`seccomp_notify_fd`](Container::seccomp_notify_fd). The container needs a `notify` action in
    /// its seccomp policy.
    #[lxc_method(seccomp_notify_fd_active)]
    pub fn seccomp_notify_fd_active(&self) -> Result<OwnedFd>;
}
