//! An unprivileged busybox container, as a user other than root: create it in a temporary lxcpath
//! in the user's home, start it, run `id` in it, stop and destroy it.
//!
//! The user needs subordinate ids, `lxc.idmap` entries in `~/.config/lxc/default.conf`, a cgroup it
//! may write in every hierarchy and a home the mapped root may search (README, "Without root").
//! As root, `bash scripts/unprivileged-user example` makes such a user, runs this as that user and
//! removes the user again. When something is missing, the error says what.

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use liblxc::{Container, State};

/// Removes the container even when a step fails (the temporary lxcpath goes with its `TempDir`).
struct Cleanup<'a>(&'a Container);

impl Drop for Cleanup<'_> {
    fn drop(&mut self) {
        if self.0.is_running() {
            let _ = self.0.stop();
        }
        if self.0.is_defined() {
            let _ = self.0.destroy();
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let home = std::env::var_os("HOME").ok_or("HOME is not set")?;
    let lxcpath = tempfile::Builder::new()
        .prefix("lxc-rs-unprivileged-")
        .tempdir_in(home)?;
    // The container's root (a subordinate uid) must reach its rootfs below the lxcpath.
    std::fs::set_permissions(lxcpath.path(), std::fs::Permissions::from_mode(0o711))?;

    let c = Container::new_in("unprivileged", lxcpath.path())?;
    let _cleanup = Cleanup(&c);
    c.create("busybox", &[])?;
    println!("created; lxc.idmap = {:?}", c.config_item("lxc.idmap")?);
    c.start()?;
    c.wait(State::Running, Duration::from_secs(30))?;
    println!("running; init is pid {} on the host", c.init_pid()?);
    let out = c.command("id").output()?;
    print!(
        "id in the container: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    c.stop()?;
    c.destroy()?;
    println!("stopped and destroyed");
    Ok(())
}
