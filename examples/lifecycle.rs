//! Start, stop, shut down and reboot a container, printing its state and init pid after each step.
//! Run as root: `cargo run --example lifecycle [LXCPATH]`.

use std::time::Duration;

use liblxc::State;

mod shared;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let lab = shared::Lab::new("lifecycle")?;
    let c = lab.busybox("cycle")?;
    let show = |what: &str| {
        let pid = c.init_pid().map_or("-".to_owned(), |p| p.to_string());
        println!(
            "{what:<28} state {:<8} init pid {pid}",
            c.state().map_or_else(|e| e.to_string(), |s| s.to_string())
        );
    };
    show("created");

    c.start()?;
    c.wait(State::Running, Duration::from_secs(10))?;
    show("start()");

    // A signal is dropped until busybox's init handles it: wait for that before asking.
    shared::wait_for_init(&c);
    // reboot2 waits until the container runs again, with a new init.
    c.reboot2(Duration::from_secs(30))?;
    show("reboot2(30 s)");

    // shutdown asks init to halt (lxc.signal.halt, SIGUSR1 for busybox) and waits for it; stop
    // kills at once.
    shared::wait_for_init(&c);
    c.shutdown(Duration::from_secs(30))?;
    show("shutdown(30 s)");

    c.start()?;
    c.wait(State::Running, Duration::from_secs(10))?;
    show("start() again");
    c.stop()?;
    show("stop()");

    // A stopped container cannot be stopped: lxc-rs says so instead of faking success.
    let e = c.stop().expect_err("stop of a stopped container");
    println!("stop() again: {:?}: {e}", e.kind());
    Ok(())
}
