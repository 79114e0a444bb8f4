//! Checkpoint a running container with CRIU and restore it. Where CRIU does not work (not
//! installed, or a kernel it does not support), this shows the error lxc-rs gives, with CRIU's
//! own words, and exits successfully. Run as root: `cargo run --example checkpoint [LXCPATH]`.

use std::time::Duration;

use liblxc::{AfterCheckpoint, CriuVerbosity, MigrateFeatures, State};

mod shared;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let lab = shared::Lab::new("checkpoint")?;
    let c = lab.running("ckpt")?;
    let check = c.migrate_feature_check(MigrateFeatures::MEM_TRACK | MigrateFeatures::LAZY_PAGES);
    println!("CRIU features: {check:?}");

    let images = lab.path().join("ckpt.images");
    std::fs::create_dir_all(&images)?;
    match c.checkpoint(&images, AfterCheckpoint::Stop, CriuVerbosity::Normal) {
        Ok(()) => {
            println!(
                "checkpointed into {}; state {}",
                images.display(),
                c.state()?
            );
            c.restore(&images, CriuVerbosity::Normal)?;
            c.wait(State::Running, Duration::from_secs(10))?;
            println!("restored; state {}", c.state()?);
        }
        Err(e) => {
            println!(
                "checkpoint failed ({:?}), as it does on a host without working CRIU:",
                e.kind()
            );
            println!("  {e}");
            println!("the container still runs: {}", c.is_running());
        }
    }
    Ok(())
}
