//! Read and change configuration items: in memory, saved to disk, in the running monitor; list the
//! keys; read a value that is not UTF-8 byte for byte. Run as root:
//! `cargo run --example config [LXCPATH]`.

mod shared;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let lab = shared::Lab::new("config")?;
    let c = lab.busybox("conf")?;
    println!("config file: {}", c.config_file_name()?.display());
    println!("lxc.uts.name = {:?}", c.config_item("lxc.uts.name")?);
    println!("lxc.rootfs.path = {:?}", c.config_item("lxc.rootfs.path")?);

    c.set_config_item("lxc.uts.name", "configured")?;
    c.set_config_item("lxc.environment", "GREETING=hello")?;
    c.save_config(None)?;
    println!("saved lxc.uts.name = {:?}", c.config_item("lxc.uts.name")?);

    let keys = c.keys(Some("lxc.net.0"))?;
    println!(
        "{} keys under lxc.net.0 for type empty: {:?}",
        keys.len(),
        keys.to_vec()
    );

    // Unknown keys are refused before anything is written.
    let e = c
        .set_config_item("lxc.no.such.key", "1")
        .expect_err("unknown key");
    println!("lxc.no.such.key: {:?}: {e}", e.kind());

    // Values are bytes in liblxc: config_item refuses one that is not UTF-8, config_item_bytes
    // gives it as it is.
    let file = c.config_file_name()?;
    let mut text = std::fs::read(&file)?;
    text.extend_from_slice(b"lxc.hook.version = 1\nlxc.uts.name = caf\xe9\n");
    std::fs::write(&file, text)?;
    c.clear_config();
    c.load_config(None)?;
    match c.config_item("lxc.uts.name") {
        Ok(v) => println!("as text: {v:?}"),
        Err(e) => println!("as text: {:?}: {e}", e.kind()),
    }
    println!(
        "as bytes: {:?}",
        String::from_utf8_lossy(&c.config_item_bytes("lxc.uts.name")?)
    );

    c.start()?;
    c.wait(liblxc::State::Running, std::time::Duration::from_secs(10))?;
    let env = c
        .command("sh")
        .args(["-c", "echo $GREETING"])
        .inherit_env()
        .output()?;
    println!(
        "running: GREETING in init's environment via lxc.environment: {:?}",
        String::from_utf8_lossy(&env.stdout).trim()
    );
    Ok(())
}
