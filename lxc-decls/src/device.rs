//! Device nodes of a running container.

use std::path::Path;

use lxc_core::Result;
use lxc_macros::lxc_method;

use crate::Container;

impl Container {
    /// Makes a host device node available in the running container: allows it in the container's
    /// devices cgroup (`c 1:5 rwm`), then creates it with `mknod` inside the container (replacing
    /// what is already at that path).
    ///
    /// With `dest` `None`, the node is the host's `src` (a character or block device, e.g.
    /// `/dev/loop0`), created at the same path in the container.
    ///
    /// With `dest` given, liblxc (5.0 and upstream, despite its header's description) looks up
    /// **`dest` on the host**, not `src`: the host must have a device node at `dest`, and its type
    /// and numbers are what the container gets at `dest`; `src` is not used. To expose `/dev/zero`
    /// as `/dev/myzero`, the host needs a `/dev/myzero` node with the numbers of `/dev/zero`.
    ///
    /// Needs a privileged container and a privileged caller.
    ///
    /// # Errors
    ///
    /// Fails when `add_device_node` fails: liblxc returns false, logging no reason, when the path
    /// it looks up on the host (`dest`, else `src`) does not exist or is not a character or block
    /// device, or when the cgroup write or the `mknod` fails;
    /// [`ErrorKind::NotRunning`](lxc_core::ErrorKind::NotRunning) when the container is not running.
    /// A NUL byte in a path is [`ErrorKind::InvalidArgument`](lxc_core::ErrorKind::InvalidArgument),
    /// and liblxc is not called.
    #[lxc_method(add_device_node, ret = Unit, err = False)]
    pub fn add_device_node(&self, src: &Path, dest: Option<&Path>) -> Result<()>;

    /// Removes a device node that [`add_device_node`](Container::add_device_node) made, with the
    /// same arguments: denies the device in the container's devices cgroup and unlinks the node
    /// inside the container (at `dest`, else `src`). As for adding, liblxc looks up `dest` (else
    /// `src`) on the host to learn the device's numbers.
    ///
    /// # Errors
    ///
    /// Fails when `remove_device_node` fails: liblxc returns false when the path it looks up on the
    /// host is not a character or block device, or the node cannot be removed;
    /// [`ErrorKind::NotRunning`](lxc_core::ErrorKind::NotRunning) when the container is not running.
    /// A NUL byte in a path is [`ErrorKind::InvalidArgument`](lxc_core::ErrorKind::InvalidArgument).
    #[lxc_method(remove_device_node, ret = Unit, err = False)]
    pub fn remove_device_node(&self, src: &Path, dest: Option<&Path>) -> Result<()>;
}
