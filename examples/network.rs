//! Network: put a busybox container on a bridge of its own with a static address, list its
//! interfaces and addresses, and ping it. Run as root (needs `ip` from iproute2):
//!
//! ```sh
//! cargo run --example network
//! ```
//!
//! It creates a host bridge `lxnb<pid>` with `10.102.<n>.1/24` and gives the container a veth on it
//! with `10.102.<n>.2/24` (static: nothing serves DHCP here). Traffic stays on that bridge. The
//! container, its temporary lxcpath and the bridge are removed at the end, even when a step fails.

use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use liblxc::{Container, IpFamily, State};

/// Removes the container and the host bridge even when a step fails.
struct Cleanup<'a> {
    container: &'a Container,
    bridge: Option<String>,
}

impl Drop for Cleanup<'_> {
    fn drop(&mut self) {
        if self.container.is_running() {
            let _ = self.container.stop();
            let _ = self.container.wait(State::Stopped, Duration::from_secs(10));
        }
        if self.container.is_defined() {
            let _ = self.container.destroy_with_snapshots();
        }
        if let Some(br) = &self.bridge {
            let _ = Command::new("ip").args(["link", "del", br]).output();
        }
    }
}

/// Runs `ip <args>`; its stderr becomes the error.
fn ip(args: &[&str]) -> Result<(), Box<dyn std::error::Error>> {
    let out = Command::new("ip").args(args).output()?;
    if !out.status.success() {
        return Err(format!(
            "ip {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )
        .into());
    }
    Ok(())
}

fn step(what: &str, started: Instant) {
    println!("[{:>7.1} ms] {what}", started.elapsed().as_secs_f64() * 1e3);
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let t = Instant::now();
    let pid = std::process::id();
    let n = (pid % 250) as u8 + 1;
    let host = Ipv4Addr::new(10, 102, n, 1);
    let guest = Ipv4Addr::new(10, 102, n, 2);
    let bridge = format!("lxnb{pid}");

    let lxcpath = tempfile::Builder::new()
        .prefix("lxc-rs-network-")
        .tempdir()?;
    let c = Container::new_in("network", lxcpath.path())?;
    let mut cleanup = Cleanup {
        container: &c,
        bridge: None,
    };

    ip(&["link", "add", &bridge, "type", "bridge"])?;
    cleanup.bridge = Some(bridge.clone());
    ip(&["addr", "add", &format!("{host}/24"), "dev", &bridge])?;
    ip(&["link", "set", &bridge, "up"])?;
    step(&format!("host bridge {bridge} with {host}/24"), t);

    c.create_with(Some("busybox"), None, None, liblxc::CreateFlags::QUIET, &[])?;
    c.clear_config_item("lxc.net")?;
    c.set_config_item("lxc.net.0.type", "veth")?;
    c.set_config_item("lxc.net.0.link", &bridge)?;
    c.set_config_item("lxc.net.0.flags", "up")?;
    c.set_config_item("lxc.net.0.name", "eth0")?;
    c.set_config_item("lxc.net.0.ipv4.address", &format!("{guest}/24"))?;
    c.save_config(None)?;
    // The busybox template's boot script runs `udhcpc`, whose deconfig step flushes eth0's
    // addresses (the static one included) and nothing here would answer it: take it out.
    let rootfs = c.config_item("lxc.rootfs.path")?;
    let rcs = Path::new(rootfs.strip_prefix("dir:").unwrap_or(&rootfs)).join("etc/init.d/rcS");
    let boot = std::fs::read_to_string(&rcs)?;
    std::fs::write(&rcs, boot.replace("/bin/udhcpc\n", ""))?;
    step(
        &format!("created a busybox container: veth eth0 on {bridge}, {guest}/24"),
        t,
    );

    c.start()?;
    c.wait(State::Running, Duration::from_secs(10))?;
    step("started", t);

    let addrs = c.wait_for_ips(Some("eth0"), Some(IpFamily::V4), Duration::from_secs(5))?;
    step(&format!("eth0 has IPv4 {addrs:?}"), t);
    println!("           interfaces: {:?}", c.interfaces()?);
    println!(
        "           addresses (all but lo, global scope): {:?}",
        c.ips(None, None)?
    );
    println!("           lo: {:?}", c.ips(Some("lo"), None)?);
    if !addrs.contains(&IpAddr::V4(guest)) {
        return Err(format!("expected {guest} on eth0, found {addrs:?}").into());
    }

    // From inside the container (its busybox has ping): to itself and to the host's bridge.
    for target in [guest, host] {
        let out = c
            .command("ping")
            .args(["-c1", "-W2", &target.to_string()])
            .output()?;
        let text = String::from_utf8_lossy(&out.stdout);
        let summary = text
            .lines()
            .find(|l| l.contains("packets transmitted"))
            .unwrap_or("");
        step(
            &format!("container pings {target}: {}, {summary}", out.status),
            t,
        );
        if !out.status.success() {
            return Err(format!("ping {target} from the container failed").into());
        }
    }

    c.stop()?;
    c.wait(State::Stopped, Duration::from_secs(10))?;
    step("stopped", t);
    c.destroy()?;
    drop(cleanup);
    step(&format!("destroyed the container and removed {bridge}"), t);
    Ok(())
}
