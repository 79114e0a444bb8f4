//! Clone: create a busybox container in a temporary lxcpath, clone it with typed options into a
//! second lxcpath under a new name, start the clone, print both states, and clean up. Run as root:
//!
//! ```sh
//! cargo run --example clone
//! ```

use std::path::PathBuf;
use std::time::{Duration, Instant};

use liblxc::{
    BackingStore, CloneFlags, CloneOptions, Container, CreateFlags, CreateOptions, State,
};

/// Stops and destroys the containers (opened afresh by lxcpath and name) even when a step fails,
/// before their temporary lxcpaths go.
struct Cleanup {
    containers: Vec<(PathBuf, &'static str)>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        for (lxcpath, name) in self.containers.iter().rev() {
            let Ok(c) = Container::new_in(name, lxcpath) else {
                continue;
            };
            if c.is_running() {
                let _ = c.stop();
                let _ = c.wait(State::Stopped, Duration::from_secs(10));
            }
            if c.is_defined() {
                let _ = c.destroy_with_snapshots();
            }
        }
    }
}

fn step(what: &str, started: Instant) {
    println!("[{:>7.1} ms] {what}", started.elapsed().as_secs_f64() * 1e3);
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let t = Instant::now();
    let first = tempfile::Builder::new()
        .prefix("lxc-rs-clone-a-")
        .tempdir()?;
    let second = tempfile::Builder::new()
        .prefix("lxc-rs-clone-b-")
        .tempdir()?;

    let _cleanup = Cleanup {
        containers: vec![
            (first.path().to_owned(), "original"),
            (second.path().to_owned(), "copy"),
        ],
    };
    let original = Container::new_in("original", first.path())?;
    original.create_with_options(&CreateOptions {
        backing_store: Some(BackingStore::Dir),
        flags: CreateFlags::QUIET,
        ..CreateOptions::new("busybox")
    })?;
    // This machine has no lxcbr0 bridge: give the container an empty network namespace.
    original.clear_config_item("lxc.net")?;
    original.set_config_item("lxc.net.0.type", "empty")?;
    original.save_config(None)?;
    step(
        &format!(
            "created {:?} from the busybox template in {}",
            original.name(),
            first.path().display()
        ),
        t,
    );

    let opts = CloneOptions {
        lxcpath: Some(second.path().to_owned()),
        flags: CloneFlags::empty(), // without KEEP_NAME: the clone's hostname is its new name
        ..CloneOptions::new("copy")
    };
    let copy = original.clone_with_options(&opts)?;
    step(
        &format!(
            "cloned it as {:?} into {} (lxc.uts.name = {:?}, rootfs {})",
            copy.name(),
            copy.config_path()?.display(),
            copy.config_item("lxc.uts.name")?,
            copy.config_item("lxc.rootfs.path")?
        ),
        t,
    );

    copy.start()?;
    copy.wait(State::Running, Duration::from_secs(10))?;
    let hostname = copy.command("hostname").output()?;
    step(
        &format!(
            "started the clone: init pid {}, hostname inside {:?}",
            copy.init_pid()?,
            String::from_utf8_lossy(&hostname.stdout).trim()
        ),
        t,
    );
    println!(
        "           {:>8}: {}\n           {:>8}: {}",
        original.name(),
        original.state()?,
        copy.name(),
        copy.state()?
    );

    copy.stop()?;
    copy.wait(State::Stopped, Duration::from_secs(10))?;
    copy.destroy()?;
    original.destroy()?;
    step(
        &format!(
            "stopped and destroyed both; defined: {} and {}",
            original.is_defined(),
            copy.is_defined()
        ),
        t,
    );
    Ok(())
}
