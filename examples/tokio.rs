//! Runs 16 busybox containers at once under tokio, then streams one program's output line by line
//! as it is written. Run as root: `cargo run --features tokio --example tokio [N]` (default 16).
//!
//! Every liblxc call runs on tokio's blocking threads (`AsyncContainer`); the program's exit is
//! awaited through its pidfd and its stdout read as an `AsyncRead`, so the runtime's workers never
//! block.

use std::time::{Duration, Instant};

use liblxc::{AsyncContainer, CreateFlags, CreateOptions, State, Stdio};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::task::JoinSet;

/// Creates, configures, starts a container and asks it its hostname.
async fn bring_up(c: AsyncContainer) -> liblxc::Result<(String, String, Duration)> {
    let t = Instant::now();
    let mut opts = CreateOptions::new("busybox");
    opts.flags = CreateFlags::QUIET;
    c.create_with_options(&opts).await?;
    c.call(|c| {
        // No lxcbr0 bridge here: give the container no network.
        c.clear_config_item("lxc.net")?;
        c.set_config_item("lxc.net.0.type", "empty")?;
        c.save_config(None)
    })
    .await?;
    c.start().await?;
    c.wait(State::Running, Duration::from_secs(60)).await?;
    let out = c
        .spawn(|c| c.command("hostname").stdout(Stdio::piped()).spawn())
        .await?
        .wait_with_output()
        .await?;
    let host = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    Ok((c.name().to_owned(), host, t.elapsed()))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(16);
    let lxcpath = tempfile::Builder::new().prefix("lxc-rs-tokio-").tempdir()?;
    let mut containers = Vec::new();
    for i in 0..n {
        containers.push(AsyncContainer::open(&format!("async{i}"), lxcpath.path()).await?);
    }

    let t = Instant::now();
    let mut up = JoinSet::new();
    for c in &containers {
        up.spawn(bring_up(c.clone()));
    }
    let mut failed = 0;
    while let Some(r) = up.join_next().await {
        match r? {
            Ok((name, host, took)) => println!(
                "{name}: running, hostname {host:?} ({:.0} ms)",
                took.as_secs_f64() * 1e3
            ),
            Err(e) => {
                failed += 1;
                println!("error: {e}");
            }
        }
    }
    println!(
        "{} of {n} containers up concurrently in {:.0} ms",
        n - failed,
        t.elapsed().as_secs_f64() * 1e3
    );

    // One program's output, line by line, as the program writes it.
    if failed == 0 {
        let script = "for i in 1 2 3 4 5; do echo \"line $i from $(hostname)\"; sleep 0.3; done";
        let t = Instant::now();
        let mut child = containers[0]
            .spawn(move |c| {
                c.command("sh")
                    .arg("-c")
                    .arg(script)
                    .stdout(Stdio::piped())
                    .spawn()
            })
            .await?;
        let stdout = child.stdout.take().ok_or("stdout is piped")?;
        let mut lines = BufReader::new(stdout).lines();
        while let Some(line) = lines.next_line().await? {
            println!("[{:>5.0} ms] {line}", t.elapsed().as_secs_f64() * 1e3);
        }
        println!("the program exited: {}", child.wait().await?);
    }

    // Stop and destroy them all, concurrently.
    let t = Instant::now();
    let mut down = JoinSet::new();
    for c in containers {
        down.spawn(async move {
            if c.state().await? != State::Stopped {
                c.stop().await?;
            }
            if c.call(|c| Ok(c.is_defined())).await? {
                c.destroy().await?;
            }
            Ok::<(), liblxc::Error>(())
        });
    }
    while let Some(r) = down.join_next().await {
        if let Err(e) = r? {
            println!("error: {e}");
        }
    }
    println!(
        "stopped and destroyed {n} containers in {:.0} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    Ok(())
}
