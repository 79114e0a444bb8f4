//! Prints every liblxc call a program makes, with `tracing-subscriber`: one span per call
//! (member, container, lxcpath, duration, outcome, error kind), and liblxc's own WARN and ERROR
//! lines as events in it. Run as root:
//! `cargo run --features tracing --example tracing`
//! (`RUST_LOG=liblxc=info` is the default filter; `RUST_LOG=liblxc::liblxc=warn` keeps only liblxc's
//! lines.)

use liblxc::{Container, CreateFlags};
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::EnvFilter;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("liblxc=info")),
        )
        // A line for each call when it ends, with its fields.
        .with_span_events(FmtSpan::CLOSE)
        .init();

    let lxcpath = tempfile::Builder::new()
        .prefix("lxc-rs-tracing-")
        .tempdir()?;
    let c = Container::new_in("traced", lxcpath.path())?;
    c.create_with(
        Some("busybox"),
        None,
        None,
        CreateFlags::QUIET,
        &[] as &[&str],
    )?;
    c.clear_config_item("lxc.net")?;
    c.set_config_item("lxc.net.0.type", "empty")?;
    c.save_config(None)?;

    // A start that fails: liblxc's ERROR lines are events in the `start` span.
    c.set_config_item("lxc.rootfs.path", "/nonexistent")?;
    if let Err(e) = c.start() {
        println!("start failed, as it should: {e}");
    }
    // The saved configuration again, and a start that works.
    c.load_config(None)?;
    c.start()?;
    let out = c.command("uname").arg("-r").output()?;
    println!("kernel: {}", String::from_utf8_lossy(&out.stdout).trim());
    c.stop()?;
    c.destroy()?;
    Ok(())
}
