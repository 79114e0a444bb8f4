//! Bind-mount a host directory into a container with `lxc.mount.entry`, read and write through it
//! from inside, and see the file on the host. Run as root: `cargo run --example mounts [LXCPATH]`.

mod shared;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let lab = shared::Lab::new("mounts")?;
    let shared_dir = lab.path().join("host-data");
    std::fs::create_dir_all(&shared_dir)?;
    std::fs::write(shared_dir.join("from-host.txt"), "written on the host\n")?;

    let c = lab.busybox("mounts")?;
    // The target is relative to the rootfs; create=dir makes it.
    c.set_config_item(
        "lxc.mount.entry",
        &format!("{} mnt/data none bind,create=dir 0 0", shared_dir.display()),
    )?;
    c.save_config(None)?;
    c.start()?;
    c.wait(liblxc::State::Running, std::time::Duration::from_secs(10))?;

    let out = c.command("cat").arg("/mnt/data/from-host.txt").output()?;
    println!(
        "inside, cat says: {:?}",
        String::from_utf8_lossy(&out.stdout).trim()
    );
    c.command("sh")
        .args(["-c", "echo written inside > /mnt/data/from-container.txt"])
        .status()?;
    println!(
        "on the host: {:?}",
        std::fs::read_to_string(shared_dir.join("from-container.txt"))?.trim()
    );
    let mounts = c
        .command("grep")
        .args([" /mnt/data ", "/proc/mounts"])
        .output()?;
    println!(
        "/proc/mounts inside: {}",
        String::from_utf8_lossy(&mounts.stdout).trim()
    );
    Ok(())
}
