//! Clone a container two ways: a full copy, and an overlay snapshot clone (copy-on-write: the
//! clone's rootfs is an overlay on the original's). Start the snapshot clone and show that its
//! changes do not reach the original. Run as root: `cargo run --example overlay_clone [LXCPATH]`.

use std::time::Duration;

use liblxc::{BackingStore, CloneFlags, CloneOptions, State};

mod shared;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let lab = shared::Lab::new("overlay_clone")?;
    let base = lab.busybox("base")?;

    lab.track("full");
    let full = base.clone_as("full")?;
    println!("full copy: rootfs {}", full.config_item("lxc.rootfs.path")?);

    lab.track("cow");
    let opts = CloneOptions::new("cow")
        .flags(CloneFlags::SNAPSHOT)
        .backing_store(BackingStore::Overlay);
    let cow = match base.clone_with_options(&opts) {
        Ok(c) => c,
        Err(e) => {
            println!("overlay snapshot clone refused here: {:?}: {e}", e.kind());
            return Ok(());
        }
    };
    println!(
        "snapshot clone: rootfs {}",
        cow.config_item("lxc.rootfs.path")?
    );
    cow.start()?;
    cow.wait(State::Running, Duration::from_secs(10))?;
    cow.command("touch").arg("/only-in-the-clone").status()?;
    cow.stop()?;
    let rootfs = |c: &liblxc::Container| -> Result<std::path::PathBuf, liblxc::Error> {
        Ok(c.config_path()?.join(c.name()).join("rootfs"))
    };
    println!(
        "/only-in-the-clone in the original's rootfs: {}",
        rootfs(&base)?.join("only-in-the-clone").exists()
    );
    Ok(())
}
