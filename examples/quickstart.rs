//! Quickstart: create a busybox container in a temporary lxcpath, start it, look at it, change a
//! configuration item, run a command inside, freeze and thaw it, stop and destroy it. Run as root:
//!
//! ```sh
//! cargo run --example quickstart
//! ```

use std::time::{Duration, Instant};

use liblxc::{Container, State};

/// Removes the container and the temporary lxcpath even when a step fails.
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

fn step(what: &str, started: Instant) {
    println!("[{:>7.1} ms] {what}", started.elapsed().as_secs_f64() * 1e3);
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let t = Instant::now();
    println!(
        "lxc-rs quickstart: liblxc {} (built against {})",
        liblxc::runtime_version(),
        liblxc::header_version()
    );

    let lxcpath = tempfile::Builder::new()
        .prefix("lxc-rs-quickstart-")
        .tempdir()?;
    let c = Container::new_in("quickstart", lxcpath.path())?;
    let _cleanup = Cleanup { container: &c };
    step(
        &format!("opened {:?} in {}", c.name(), lxcpath.path().display()),
        t,
    );

    c.create_with(Some("busybox"), None, None, liblxc::CreateFlags::QUIET, &[])?;
    step(
        &format!(
            "created from the busybox template; defined: {}",
            c.is_defined()
        ),
        t,
    );

    // This machine has no lxcbr0 bridge: give the container an empty network namespace.
    c.clear_config_item("lxc.net")?;
    c.set_config_item("lxc.net.0.type", "empty")?;
    c.save_config(None)?;
    step("set lxc.net.0.type = empty and saved the configuration", t);

    c.start()?;
    c.wait(State::Running, Duration::from_secs(10))?;
    step(
        &format!("started: state {}, init pid {}", c.state()?, c.init_pid()?),
        t,
    );

    println!(
        "           lxc.uts.name = {:?}",
        c.config_item("lxc.uts.name")?
    );
    c.set_config_item("lxc.uts.name", "renamed-by-rust")?;
    println!(
        "           lxc.uts.name = {:?} (set in memory)",
        c.config_item("lxc.uts.name")?
    );

    let out = c.command("uname").arg("-a").output()?;
    step(
        &format!(
            "ran `uname -a` inside: {}, {:?}",
            out.status,
            String::from_utf8_lossy(&out.stdout).trim()
        ),
        t,
    );

    c.freeze()?;
    step(&format!("froze it: state {}", c.state()?), t);
    c.unfreeze()?;
    step(&format!("thawed it: state {}", c.state()?), t);

    c.stop()?;
    c.wait(State::Stopped, Duration::from_secs(10))?;
    step(&format!("stopped: state {}", c.state()?), t);

    c.destroy()?;
    step(&format!("destroyed; defined: {}", c.is_defined()), t);
    Ok(())
}
