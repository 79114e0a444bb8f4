//! Snapshot and restore: create a busybox container in a temporary lxcpath, write a file in its
//! rootfs, snapshot it, change the file, restore the snapshot over the container, and show that the
//! file is back as it was. Run as root:
//!
//! ```sh
//! cargo run --example snapshot_restore
//! ```

use std::path::Path;
use std::time::Instant;

use liblxc::{Container, CreateFlags, CreateOptions};

/// Destroys the container (and its snapshots) even when a step fails.
struct Cleanup<'a> {
    lxcpath: &'a Path,
    name: &'a str,
}

impl Drop for Cleanup<'_> {
    fn drop(&mut self) {
        // Restoring in place replaces the container, so open it afresh.
        if let Ok(c) = Container::new_in(self.name, self.lxcpath) {
            if c.is_running() {
                let _ = c.stop();
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
    let lxcpath = tempfile::Builder::new()
        .prefix("lxc-rs-snapshot-")
        .tempdir()?;
    let name = "snappy";
    let _cleanup = Cleanup {
        lxcpath: lxcpath.path(),
        name,
    };
    let c = Container::new_in(name, lxcpath.path())?;
    c.create_with_options(&CreateOptions {
        flags: CreateFlags::QUIET,
        ..CreateOptions::new("busybox")
    })?;
    step(
        &format!("created {name:?} in {}", lxcpath.path().display()),
        t,
    );

    let file = lxcpath.path().join(name).join("rootfs/etc/motd");
    std::fs::write(&file, "version 1: before the snapshot\n")?;
    step(
        &format!(
            "wrote {}: {:?}",
            file.display(),
            std::fs::read_to_string(&file)?
        ),
        t,
    );

    let comment = lxcpath.path().join("comment.txt");
    std::fs::write(&comment, "motd at version 1\n")?;
    let n = c.snapshot(Some(&comment))?;
    let snaps = c.snapshots()?;
    step(
        &format!(
            "took snapshot snap{n}; snapshots: {:?}",
            snaps
                .iter()
                .map(|s| format!("{} ({})", s.name, s.timestamp.as_deref().unwrap_or("?")))
                .collect::<Vec<_>>()
        ),
        t,
    );

    std::fs::write(&file, "version 2: changed after the snapshot\n")?;
    step(
        &format!("changed it: {:?}", std::fs::read_to_string(&file)?),
        t,
    );

    let snap = format!("snap{n}");
    c.snapshot_restore(&snap, None)?;
    step(
        &format!("restored {snap} over the container (liblxc replaced its rootfs)"),
        t,
    );
    let restored = std::fs::read_to_string(&file)?;
    step(&format!("the file again: {restored:?}"), t);
    if !restored.starts_with("version 1") {
        return Err("the restored file is not the snapshot's".into());
    }

    let c = Container::new_in(name, lxcpath.path())?;
    c.destroy_with_snapshots()?;
    step(
        &format!(
            "destroyed it and its snapshots; defined: {}",
            c.is_defined()
        ),
        t,
    );
    Ok(())
}
