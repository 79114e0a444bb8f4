//! Create a container on each backing store and report which work on this host: `dir` always;
//! `loop` needs a free loop device and `mkfs.ext4`; `btrfs`, `zfs`, `lvm` and `rbd` need their
//! storage. Run as root: `cargo run --example backing_stores [LXCPATH]`.

use liblxc::{BackingStore, BdevSpecs, CreateFlags, CreateOptions};

mod shared;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let lab = shared::Lab::new("backing_stores")?;
    for store in [
        BackingStore::Dir,
        BackingStore::Loop,
        BackingStore::Btrfs,
        BackingStore::Zfs,
        BackingStore::Lvm,
    ] {
        let name = format!("on-{}", store.as_str());
        let c = lab.container(&name)?;
        let mut specs = BdevSpecs::default();
        if store == BackingStore::Loop {
            specs.fstype = Some("ext4".into());
            specs.fssize = 64 << 20;
        }
        let opts = CreateOptions::new("busybox")
            .flags(CreateFlags::QUIET)
            .backing_store(store, Some(specs));
        match c.create_with_options(&opts) {
            Ok(()) => println!(
                "{:<6} works: rootfs {}",
                store.as_str(),
                c.config_item("lxc.rootfs.path")?
            ),
            Err(e) => println!(
                "{:<6} not here: {:?}: {}",
                store.as_str(),
                e.kind(),
                e.reason()
            ),
        }
    }
    Ok(())
}
