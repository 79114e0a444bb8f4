//! Rename a stopped container, then open it under its new name. Run as root:
//! `cargo run --example rename [LXCPATH]`.

mod shared;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let lab = shared::Lab::new("rename")?;
    let c = lab.busybox("before")?;
    lab.track("after");
    c.rename("after")?;
    println!(
        "defined now: {:?}",
        liblxc::defined_container_names(Some(lab.path()))?
    );
    let renamed = liblxc::Container::new_in("after", lab.path())?;
    println!(
        "{}: defined {}, lxc.uts.name {:?}, rootfs {}",
        renamed.name(),
        renamed.is_defined(),
        renamed.config_item("lxc.uts.name")?,
        renamed.config_item("lxc.rootfs.path")?
    );
    // The old handle still names the old container, which is gone.
    println!("old handle {:?} defined: {}", c.name(), c.is_defined());
    Ok(())
}
