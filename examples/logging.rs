//! liblxc's own log: send it to a file at a level of your choice with `liblxc::log::init`, make a
//! call fail, and see the reason in the error and the lines in the file. Run as root:
//! `cargo run --example logging [LXCPATH]`.

use liblxc::log::{LogLevel, LogOptions};

mod shared;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let lab = shared::Lab::new("logging")?;
    let file = lab.path().join("liblxc.log");
    // Before the first container is opened: the level and file hold for the whole process.
    let mut opts = LogOptions::default();
    opts.level = LogLevel::Info;
    opts.file = Some(file.clone());
    opts.quiet = true; // nothing on stderr: the lines go to the file only
    liblxc::log::init(&opts)?;

    let c = lab.busybox("logged")?;
    c.set_config_item("lxc.rootfs.path", "dir:/nonexistent-rootfs")?;
    let e = c.start().expect_err("a start without rootfs fails");
    println!("start failed: {:?}\n  {e}", e.kind());

    let text = std::fs::read_to_string(&file)?;
    println!(
        "{} lines in {}; the ERROR ones:",
        text.lines().count(),
        file.display()
    );
    for line in text.lines().filter(|l| l.contains(" ERROR ")).take(5) {
        println!("  {line}");
    }
    liblxc::log::close();
    Ok(())
}
