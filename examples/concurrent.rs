//! Starts and stops several busybox containers at once, one thread each, and prints what happened.
//! Run as root: `cargo run --example concurrent [N]` (default 4).
//!
//! `Container` is `Send`: each thread opens (or is given) its own handle.

use std::time::{Duration, Instant};

use liblxc::{Container, CreateFlags, State};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(4);
    let lxcpath = tempfile::Builder::new()
        .prefix("lxc-rs-concurrent-")
        .tempdir()?;
    let path = lxcpath.path();
    let names: Vec<String> = (0..n).map(|i| format!("worker{i}")).collect();

    let t = Instant::now();
    for name in &names {
        let c = Container::new_in(name, path)?;
        c.create_with(Some("busybox"), None, None, CreateFlags::QUIET, &[])?;
        c.clear_config_item("lxc.net")?;
        c.set_config_item("lxc.net.0.type", "empty")?;
        c.save_config(None)?;
    }
    println!(
        "created {n} containers in {} in {:.0} ms",
        path.display(),
        t.elapsed().as_secs_f64() * 1e3
    );

    let t = Instant::now();
    let results: Vec<Result<(String, i32, f64), String>> = std::thread::scope(|s| {
        let handles: Vec<_> = names
            .iter()
            .map(|name| {
                s.spawn(move || -> Result<(String, i32, f64), String> {
                    let started = Instant::now();
                    let c = Container::new_in(name, path).map_err(|e| e.to_string())?;
                    c.start().map_err(|e| e.to_string())?;
                    c.wait(State::Running, Duration::from_secs(30))
                        .map_err(|e| e.to_string())?;
                    let pid = c.init_pid().map_err(|e| e.to_string())?;
                    let out = c.command("hostname").output().map_err(|e| e.to_string())?;
                    c.stop().map_err(|e| e.to_string())?;
                    c.wait(State::Stopped, Duration::from_secs(30))
                        .map_err(|e| e.to_string())?;
                    let host = String::from_utf8_lossy(&out.stdout).trim().to_string();
                    Ok((host, pid, started.elapsed().as_secs_f64() * 1e3))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err("thread panicked".into())))
            .collect()
    });
    for (name, r) in names.iter().zip(&results) {
        match r {
            Ok((host, pid, ms)) => println!(
                "  {name}: started (init pid {pid}), `hostname` said {host:?}, stopped; {ms:.0} ms"
            ),
            Err(e) => println!("  {name}: FAILED: {e}"),
        }
    }
    println!(
        "{n} start+exec+stop cycles on {n} threads in {:.0} ms",
        t.elapsed().as_secs_f64() * 1e3
    );

    for name in &names {
        Container::new_in(name, path)?.destroy()?;
    }
    println!("destroyed all {n}");
    if results.iter().any(Result::is_err) {
        return Err("some containers failed".into());
    }
    Ok(())
}
