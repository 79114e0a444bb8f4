//! Make a host device node available in a running container and take it away again (the host's
//! `/dev/loop-control`, which a container does not get by default). Run as root:
//! `cargo run --example devices [LXCPATH]`.

use std::path::Path;

mod shared;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let lab = shared::Lab::new("devices")?;
    let c = lab.running("devices")?;
    let node = Path::new("/dev/loop-control");
    let look = || -> Result<String, liblxc::Error> {
        let out = c.command("ls").args(["-l", "/dev/loop-control"]).output()?;
        Ok(if out.status.success() {
            String::from_utf8_lossy(&out.stdout).trim().to_owned()
        } else {
            "not there".to_owned()
        })
    };
    println!("inside, before: {}", look()?);
    // With no destination, the node appears at the same path inside. (With one, liblxc looks the
    // destination path up on the host: see the method's documentation.)
    match c.add_device_node(node, None) {
        Ok(()) => {
            println!("after add_device_node: {}", look()?);
            c.remove_device_node(node, None)?;
            println!("after remove_device_node: {}", look()?);
        }
        // A nested or restricted host's device cgroup may refuse it.
        Err(e) => println!("add_device_node refused here: {:?}: {e}", e.kind()),
    }
    Ok(())
}
