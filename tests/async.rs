//! The `tokio` feature: `AsyncContainer` runs liblxc's blocking calls off the runtime's threads,
//! and `AsyncChild` is awaited through its pidfd with tokio pipes. Real containers, each test in
//! its own lxcpath.
mod common;

use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use liblxc::{AsyncChild, AsyncContainer, CreateFlags, CreateOptions, ErrorKind, State, Stdio};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// Runs `fut` while a task on the same runtime counts 10 ms ticks. On a current-thread runtime a
/// call that blocked the runtime's one thread would leave the ticker at 0.
async fn ticks_during<F: Future>(fut: F) -> (F::Output, u32) {
    let count = Arc::new(AtomicU32::new(0));
    let seen = count.clone();
    let ticker = tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(10)).await;
            seen.fetch_add(1, Ordering::Relaxed);
        }
    });
    let out = fut.await;
    ticker.abort();
    (out, count.load(Ordering::Relaxed))
}

#[test]
fn the_types_can_be_shared_and_sent_between_tasks() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<AsyncContainer>();
    send::<AsyncChild>();
}

#[test]
fn a_blocking_call_leaves_the_runtime_free() {
    let _w = common::watchdog(Duration::from_secs(120));
    let lx = lxcpath!();
    let c = AsyncContainer::new(lx.busybox("waiting"));
    let (r, ticks) = current_thread().block_on(ticks_during(
        // Nothing starts it: liblxc's wait blocks for the whole timeout.
        c.wait(State::Running, Duration::from_secs(2)),
    ));
    assert_eq!(r.unwrap_err().kind(), ErrorKind::Timeout);
    // About 200 ticks in 2 s; a blocked runtime thread gives 0.
    assert!(ticks >= 10, "the runtime ticked {ticks} times in 2 s");
}

#[test]
fn lifecycle_and_a_program_streamed_line_by_line() {
    let _w = common::watchdog(Duration::from_secs(300));
    let lx = lxcpath!();
    let path = lx.path().to_owned();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let c = AsyncContainer::open("streamed", &path).await.unwrap();
        let mut opts = CreateOptions::new("busybox");
        opts.flags = CreateFlags::QUIET;
        c.create_with_options(&opts).await.unwrap();
        c.call(|c| {
            c.clear_config_item("lxc.net")?;
            c.set_config_item("lxc.net.0.type", "empty")?;
            c.save_config(None)
        })
        .await
        .unwrap();
        c.start().await.unwrap();
        c.wait(State::Running, Duration::from_secs(30))
            .await
            .unwrap();
        assert_eq!(c.state().await.unwrap(), State::Running);

        let script = "read x; echo got $x; for i in 1 2 3; do echo line$i; done; exit 3";
        let mut child = c
            .spawn(move |c| {
                c.command("sh")
                    .arg("-c")
                    .arg(script)
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped())
                    .spawn()
            })
            .await
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(b"hello\n").await.unwrap();
        drop(stdin);
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut got = Vec::new();
        while let Some(line) = lines.next_line().await.unwrap() {
            got.push(line);
        }
        assert_eq!(got, ["got hello", "line1", "line2", "line3"]);
        assert_eq!(child.wait().await.unwrap().code(), Some(3));

        let out = c
            .spawn(|c| {
                c.command("sh")
                    .arg("-c")
                    .arg("echo out; echo err >&2")
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
            })
            .await
            .unwrap()
            .wait_with_output()
            .await
            .unwrap();
        assert!(out.status.success());
        assert_eq!(out.stdout, b"out\n");
        assert_eq!(out.stderr, b"err\n");

        c.stop().await.unwrap();
        assert_eq!(c.snapshot().await.unwrap(), 0);
        let copy = c.clone_as("streamed-copy").await.unwrap();
        assert_eq!(copy.state().await.unwrap(), State::Stopped);
        copy.destroy().await.unwrap();
        c.destroy_with_snapshots().await.unwrap();
        assert!(!c.call(|c| Ok(c.is_defined())).await.unwrap());
    });
}

#[test]
fn waiting_for_a_child_leaves_the_runtime_free() {
    let _w = common::watchdog(Duration::from_secs(120));
    let lx = lxcpath!();
    let c = AsyncContainer::new(lx.running("sleeper"));
    current_thread().block_on(async {
        let mut child = c
            .spawn(|c| c.command("sleep").arg("2").spawn())
            .await
            .unwrap();
        assert!(child.try_wait().unwrap().is_none());
        let (status, ticks) = ticks_during(child.wait()).await;
        assert!(status.unwrap().success());
        // About 200 ticks in 2 s; a thread blocked in waitpid gives 0.
        assert!(ticks >= 10, "the runtime ticked {ticks} times in 2 s");

        // A killed child is reaped, and its signal is its status.
        let mut child = c
            .spawn(|c| c.command("sleep").arg("100").spawn())
            .await
            .unwrap();
        let status = child.kill().await.unwrap();
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(status.signal(), Some(libc::SIGKILL));
        c.stop().await.unwrap();
    });
}

#[test]
fn containers_run_concurrently_from_spawned_tasks() {
    let _w = common::watchdog(Duration::from_secs(300));
    let lx = lxcpath!();
    let names = ["task0", "task1", "task2"];
    let containers: Vec<AsyncContainer> = names
        .iter()
        .map(|n| AsyncContainer::new(lx.busybox(n)))
        .collect();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let tasks = containers
            .iter()
            .cloned()
            .map(|c| {
                tokio::spawn(async move {
                    c.start().await?;
                    c.wait(State::Running, Duration::from_secs(30)).await?;
                    let out = c
                        .spawn(|c| c.command("hostname").stdout(Stdio::piped()).spawn())
                        .await?
                        .wait_with_output()
                        .await?;
                    c.stop().await?;
                    Ok::<_, liblxc::Error>(String::from_utf8_lossy(&out.stdout).trim().to_owned())
                })
            })
            .collect::<Vec<tokio::task::JoinHandle<liblxc::Result<String>>>>();
        for (task, name) in tasks.into_iter().zip(names) {
            assert_eq!(task.await.unwrap().unwrap(), name);
        }
    });
}
