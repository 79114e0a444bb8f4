//! The console ring buffer: start a busybox container with `lxc.console.buffer.size` set, write to
//! its console from inside, and print what the buffer holds. Run as root:
//!
//! ```sh
//! cargo run --example console_log
//! ```

use std::time::{Duration, Instant};

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

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let lxcpath = tempfile::Builder::new()
        .prefix("lxc-rs-console-")
        .tempdir()?;
    let c = Container::new_in("console-log", lxcpath.path())?;
    let _cleanup = Cleanup { container: &c };

    c.create_with(Some("busybox"), None, None, liblxc::CreateFlags::QUIET, &[])?;
    c.clear_config_item("lxc.net")?;
    c.set_config_item("lxc.net.0.type", "empty")?;
    // The ring buffer exists only when its size is set before the start.
    c.set_config_item("lxc.console.buffer.size", "4096")?;
    c.save_config(None)?;
    c.start()?;
    c.wait(State::Running, Duration::from_secs(10))?;

    // The boot output arrives asynchronously: read until busybox's prompt shows up.
    let mut boot = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline && !String::from_utf8_lossy(&boot).contains("console.") {
        boot.extend(c.console_log(false)?);
        std::thread::sleep(Duration::from_millis(50));
    }
    println!(
        "boot output ({} bytes): {:?}",
        boot.len(),
        String::from_utf8_lossy(&boot)
    );

    c.command("sh")
        .args([
            "-c",
            "echo hello from inside > /dev/console; uname -a > /dev/console",
        ])
        .status()?;
    std::thread::sleep(Duration::from_millis(300));
    // Read and clear in one call.
    let log = c.console_log(true)?;
    println!("--- console since then ({} bytes) ---", log.len());
    print!("{}", String::from_utf8_lossy(&log).replace('\r', ""));
    println!(
        "--- after clearing: {} bytes ---",
        c.console_log(false)?.len()
    );

    c.stop()?;
    Ok(())
}
