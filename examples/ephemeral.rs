//! Ephemeral sandboxes: create a busybox base container in a temporary lxcpath, then make ten
//! disposable copies of it one after the other (overlay snapshot, `lxc.ephemeral`, started), run a
//! program in each with a host directory bind-mounted, and drop it: each copy is gone from the
//! lxcpath when its `Ephemeral` is dropped. Run as root:
//!
//! ```sh
//! cargo run --example ephemeral
//! ```

use std::time::Instant;

use liblxc::{Container, CreateFlags};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let lxcpath = tempfile::Builder::new()
        .prefix("lxc-rs-ephemeral-")
        .tempdir()?;
    let work = tempfile::tempdir()?;
    std::fs::write(work.path().join("job.sh"), "echo hello from $(hostname)\n")?;

    let base = Container::new_in("base", lxcpath.path())?;
    base.create_with(
        Some("busybox"),
        None,
        None,
        CreateFlags::QUIET,
        &[] as &[&str],
    )?;
    // No lxcbr0 bridge here: give the base (and so every copy) no network.
    base.clear_config_item("lxc.net")?;
    base.set_config_item("lxc.net.0.type", "empty")?;
    base.save_config(None)?;

    let result = (|| -> Result<(), Box<dyn std::error::Error>> {
        for _ in 0..10 {
            let t = Instant::now();
            let sandbox = base
                .ephemeral()
                .bind_read_only(work.path(), "job")?
                .start()?;
            let started = t.elapsed();
            let out = sandbox.command("/bin/sh").arg("/job/job.sh").output()?;
            let name = sandbox.name().to_owned();
            let dir = sandbox.path();
            sandbox.stop()?;
            println!(
                "{name}: started in {:.1} ms, said {:?}, gone after {:.1} ms (directory left: {})",
                started.as_secs_f64() * 1e3,
                String::from_utf8_lossy(&out.stdout).trim(),
                t.elapsed().as_secs_f64() * 1e3,
                dir.exists()
            );
        }
        Ok(())
    })();
    base.destroy()?;
    result
}
