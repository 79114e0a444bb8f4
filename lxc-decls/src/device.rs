//! Device nodes of a running container.

use std::path::Path;

use lxc_core::{ErrorKind, Result};
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
    /// [`ErrorKind::NotRunning`] when the container is not running. Then the path liblxc looks up
    /// on the host (`dest`, else `src`) is checked before liblxc is called (liblxc logs no reason
    /// for it): [`ErrorKind::NotFound`] when it does not exist, [`ErrorKind::InvalidArgument`] when
    /// it is not a character or block device or holds a NUL byte. [`ErrorKind::Failed`] when the
    /// cgroup write or the `mknod` fails.
    #[lxc_method(add_device_node, pre = Self::device_to_add)]
    pub fn add_device_node(&self, src: &Path, dest: Option<&Path>) -> Result<()>;

    fn device_to_add(&self, src: &Path, dest: Option<&Path>) -> Result<()> {
        host_device(self, "add_device_node", dest.unwrap_or(src))
    }

    /// Removes a device node that [`add_device_node`](Container::add_device_node) made, with the
    /// same arguments: denies the device in the container's devices cgroup and unlinks the node
    /// inside the container (at `dest`, else `src`). As for adding, liblxc looks up `dest` (else
    /// `src`) on the host to learn the device's numbers.
    ///
    /// # Errors
    ///
    /// As for [`add_device_node`](Container::add_device_node): [`ErrorKind::NotRunning`], then the
    /// host path ([`ErrorKind::NotFound`], [`ErrorKind::InvalidArgument`]), and
    /// [`ErrorKind::Failed`] when the node cannot be removed.
    #[lxc_method(remove_device_node, pre = Self::device_to_remove)]
    pub fn remove_device_node(&self, src: &Path, dest: Option<&Path>) -> Result<()>;

    fn device_to_remove(&self, src: &Path, dest: Option<&Path>) -> Result<()> {
        host_device(self, "remove_device_node", dest.unwrap_or(src))
    }
}

/// Checks the host path liblxc will `stat` for a device node, once the container runs (a
/// container that does not run is refused as such first).
fn host_device(c: &Container, op: &'static str, path: &Path) -> Result<()> {
    use std::os::unix::fs::FileTypeExt;
    if !c.is_running() {
        return Ok(());
    }
    let (kind, why) = match std::fs::metadata(path) {
        Ok(m) if m.file_type().is_char_device() || m.file_type().is_block_device() => return Ok(()),
        Ok(_) => (
            ErrorKind::InvalidArgument,
            format!("{path:?} is not a character or block device"),
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (
            ErrorKind::NotFound,
            format!("no device node {path:?} on the host"),
        ),
        Err(e) => (
            ErrorKind::InvalidArgument,
            format!("the device node {path:?}: {e}"),
        ),
    };
    Err(c.error_in(kind, op, why))
}
