//! Descriptors of a running container's processes: its devpts instance and its seccomp notifier.

use std::os::fd::{BorrowedFd, OwnedFd};

use lxc_core::__private::err::Neg;
use lxc_core::__private::{ffi, meta, Call, Policy};
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
    #[lxc_method(seccomp_notify_fd, ret = Manual, err = Neg)]
    pub fn seccomp_notify_fd(&self) -> Result<OwnedFd> {
        let call = Call::method(self, &meta::seccomp_notify_fd)?;
        // SAFETY: the container pointer is live and the clone lock (if any) is held for the call.
        let fd = unsafe { ffi::lxcrs_v1_seccomp_notify_fd(call.ptr()) };
        if let Some(failure) = <Neg as Policy<std::ffi::c_int>>::check(&fd) {
            return Err(call.fail(failure));
        }
        // SAFETY: liblxc owns `fd` and keeps it open while the lock is held; we only duplicate it.
        let borrowed = unsafe { BorrowedFd::borrow_raw(fd) };
        borrowed.try_clone_to_owned().map_err(|e| {
            call.error(
                lxc_core::ErrorKind::Failed,
                format!("cannot duplicate liblxc's seccomp notify descriptor: {e}").into(),
            )
        })
    }

    /// A new descriptor of the running container's seccomp notifier, received from its monitor
    /// (closed on drop). Works from any process, unlike
    /// [`seccomp_notify_fd`](Container::seccomp_notify_fd). The container needs a `notify` action in
    /// its seccomp policy.
    #[lxc_method(seccomp_notify_fd_active, ret = OwnedFd, err = NegErrno, since = "4.0.5", api_ext = "seccomp_notify_fd_active")]
    pub fn seccomp_notify_fd_active(&self) -> Result<OwnedFd>;
}
