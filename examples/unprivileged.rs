//! What a user without root can do with lxc-rs: ask liblxc about itself, find its own lxcpath,
//! list the containers in it, and get an error that says why a create fails without subordinate
//! ids (`/etc/subuid`, `lxc.idmap`). Run as any user: `cargo run --example unprivileged`. Run as
//! root, it runs itself again as `nobody`.

use std::os::unix::process::CommandExt;

const AS_NOBODY: &str = "LXC_RS_EXAMPLE_UNPRIVILEGED_CHILD";
const NOBODY: u32 = 65534;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let me = std::fs::metadata("/proc/self")?;
    let uid = std::os::unix::fs::MetadataExt::uid(&me);
    if uid == 0 && std::env::var_os(AS_NOBODY).is_none() {
        println!("running as root: running this example again as nobody ({NOBODY})");
        let status = std::process::Command::new(std::env::current_exe()?)
            .env(AS_NOBODY, "1")
            .env("HOME", "/tmp")
            .uid(NOBODY)
            .gid(NOBODY)
            .status()?;
        if !status.success() {
            return Err(format!("as nobody: {status}").into());
        }
        return Ok(());
    }

    println!("uid {uid}; liblxc {}", liblxc::version());
    println!(
        "this user's default lxcpath: {:?}",
        liblxc::global_config_item("lxc.lxcpath")
    );
    let dir = tempfile::Builder::new()
        .prefix("lxc-rs-unprivileged-")
        .tempdir()?;
    println!(
        "containers in {}: {:?}",
        dir.path().display(),
        liblxc::defined_container_names(Some(dir.path()))?
    );
    let c = liblxc::Container::new_in("mine", dir.path())?;
    match c.create("busybox") {
        Ok(()) => {
            println!("created an unprivileged container (this user has subordinate ids)");
            c.destroy()?;
        }
        Err(e) => println!("create without subordinate ids: {:?}: {e}", e.kind()),
    }
    Ok(())
}
