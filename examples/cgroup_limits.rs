//! cgroup limits and usage: create a busybox container in a temporary lxcpath, start it, limit its
//! memory to 64 MiB and its processes to 100, run a busy loop inside, and print what its cgroups
//! report. Run as root:
//!
//! ```sh
//! cargo run --example cgroup_limits
//! ```

use std::time::Duration;

use liblxc::{Container, State};

/// Removes the container (and with the lxcpath, everything else) even when a step fails.
struct Cleanup<'a> {
    container: &'a Container,
}

impl Drop for Cleanup<'_> {
    fn drop(&mut self) {
        if self.container.is_running() {
            let _ = self.container.stop();
        }
        if self.container.is_defined() {
            let _ = self.container.destroy_with_snapshots();
        }
    }
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1 << 20) as f64
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let lxcpath = tempfile::Builder::new()
        .prefix("lxc-rs-cgroup-")
        .tempdir()?;
    let c = Container::new_in("cgroup-limits", lxcpath.path())?;
    let _cleanup = Cleanup { container: &c };

    c.create_with(Some("busybox"), None, None, liblxc::CreateFlags::QUIET, &[])?;
    // This machine has no lxcbr0 bridge: give the container an empty network namespace.
    c.clear_config_item("lxc.net")?;
    c.set_config_item("lxc.net.0.type", "empty")?;
    c.save_config(None)?;
    c.start()?;
    c.wait(State::Running, Duration::from_secs(10))?;
    println!(
        "started {:?} (init pid {}); its memory controller is cgroup {:?}",
        c.name(),
        c.init_pid()?,
        c.memory_cgroup_version()?
    );

    let limit = c.memory_limit()?;
    println!(
        "memory limit before: {}",
        limit.map_or("none".to_string(), |b| format!("{:.1} MiB", mib(b)))
    );
    c.set_memory_limit(Some(64 << 20))?;
    c.set_pids_limit(Some(100))?;
    println!(
        "memory limit now:    {:.1} MiB; pids limit: {:?}",
        mib(c.memory_limit()?.unwrap_or(0)),
        c.pids_limit()?
    );

    let cpu_before = c.cpu_usage()?;
    let status = c
        .command("sh")
        .args(["-c", "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done"])
        .status()?;
    let cpu_after = c.cpu_usage()?;
    println!("ran a busy loop inside: {status}");
    println!(
        "memory used: {:.1} MiB; processes: {}; CPU time: {:?} before, {:?} after",
        mib(c.memory_usage()?),
        c.pids_current()?,
        cpu_before,
        cpu_after
    );

    // Any cgroup file, by name (v1 key names here; v2 hosts use memory.max, memory.current, ...).
    let key = match c.memory_cgroup_version()? {
        liblxc::CgroupVersion::V1 => "memory.max_usage_in_bytes",
        _ => "memory.peak",
    };
    match c.cgroup_item(key) {
        Ok(v) => println!("{key} = {}", v.trim()),
        Err(e) => println!("{key}: {e}"),
    }

    c.stop()?;
    c.wait(State::Stopped, Duration::from_secs(10))?;
    println!("stopped; the limits went with its cgroups");
    Ok(())
}
