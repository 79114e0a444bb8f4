//! Descriptors of a running container's processes: its devpts instance and its seccomp notifier.

use std::os::fd::{BorrowedFd, OwnedFd};

use lxc_core::Result;
use lxc_macros::lxc_method;

use crate::Container;

impl Container {
    /// A descriptor of the running container's own devpts instance (its `/dev/pts`), received
    /// from the monitor; closed on drop.
    ///
    /// Open a new pseudo-terminal of the container with it:
    /// `openat(devpts_fd, "ptmx", O_RDWR | O_NOCTTY)`.
    #[lxc_method(devpts_fd, ret = OwnedFd, err = NegErrno, since = "4.0.5", api_ext = "devpts_fd")]
    pub fn devpts_fd(&self) -> Result<OwnedFd>;

    /// The seccomp notify descriptor of a container running with a `notify` action in its seccomp
    /// policy (`lxc.seccomp.notify.proxy`, or a notify rule): a listener of
    /// `SECCOMP_RET_USER_NOTIF` events.
    ///
    /// liblxc keeps this descriptor in the container object of the process that ran the start, so
    /// it is only there in a process that started the container **in the foreground**
    /// (`want_daemonize(false)`); a daemonized start leaves it in the monitor process, and this
    /// returns an error (`-EBADF`). It is borrowed: liblxc closes it, not the caller, when it frees
    /// the container object's configuration (which [`clear_config`](Container::clear_config)
    /// does), so do not clear the configuration while using it. Use
    /// [`seccomp_notify_fd_active`](Container::seccomp_notify_fd_active) (an owned descriptor) from
    /// any other process, or to keep the descriptor.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NotRunning`](lxc_core::ErrorKind::NotRunning) when the container is not
    /// running; `Failed` (errno `EBADF`) when this process holds no notify descriptor: the container
    /// has no notify policy or was not started in the foreground by this process.
    #[lxc_method(seccomp_notify_fd, ret = BorrowedFd, err = Neg)]
    pub fn seccomp_notify_fd(&self) -> Result<BorrowedFd<'_>>;

    /// A new descriptor of the running container's seccomp notifier, received from its monitor
    /// (closed on drop). Works from any process, unlike
    /// [`seccomp_notify_fd`](Container::seccomp_notify_fd). The container needs a `notify` action in
    /// its seccomp policy.
    #[lxc_method(seccomp_notify_fd_active, ret = OwnedFd, err = NegErrno, since = "4.0.5", api_ext = "seccomp_notify_fd_active")]
    pub fn seccomp_notify_fd_active(&self) -> Result<OwnedFd>;
}
