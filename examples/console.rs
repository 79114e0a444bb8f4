//! A container's console. On a terminal: an interactive session on tty1, as `lxc-console` gives
//! (type Ctrl-a q to leave). Otherwise (under CI, or with output piped): reserve tty1 with
//! `console_fd`, wake its getty and print the login prompt it answers with. Run as root:
//! `cargo run --example console [LXCPATH]`.

use std::fs::File;
use std::io::{IsTerminal, Read, Write};
use std::os::fd::AsFd;
use std::sync::mpsc;
use std::time::{Duration, Instant};

mod shared;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let lab = shared::Lab::new("console")?;
    let c = lab.busybox("console")?;
    // busybox runs a getty on each of lxc.tty.max terminals.
    if c.config_item("lxc.tty.max")?
        .trim()
        .parse::<u32>()
        .unwrap_or(0)
        < 1
    {
        c.set_config_item("lxc.tty.max", "1")?;
        c.save_config(None)?;
    }
    c.start()?;
    c.wait(liblxc::State::Running, Duration::from_secs(10))?;

    if std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
        println!(
            "tty1 of {}: press Enter for its login prompt, Ctrl-a q to leave",
            c.name()
        );
        let (i, o, e) = (std::io::stdin(), std::io::stdout(), std::io::stderr());
        c.console(Some(1), i.as_fd(), o.as_fd(), e.as_fd(), 1)?;
        println!("\nleft the console");
        return Ok(());
    }

    let console = c.console_fd(Some(1))?;
    let mut ptx = File::from(console.ptx.try_clone()?);
    let mut reader = File::from(console.ptx.try_clone()?);
    let (tx, rx) = mpsc::channel::<Vec<u8>>();
    std::thread::spawn(move || {
        let mut buf = [0u8; 1024];
        while let Ok(n @ 1..) = reader.read(&mut buf) {
            if tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    ptx.write_all(b"\n")?;
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut seen = Vec::new();
    while !String::from_utf8_lossy(&seen).contains("login:") {
        match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(bytes) => seen.extend(bytes),
            Err(_) => break,
        }
    }
    println!(
        "tty{} answered: {:?}",
        console.tty_num,
        String::from_utf8_lossy(&seen).trim()
    );
    Ok(())
}
