mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use lxc::{Container, State};

fn show<T: std::fmt::Debug>(what: &str, r: lxc::Result<T>) {
    match r {
        Ok(v) => eprintln!("PROBE {what}: Ok({v:?})"),
        Err(e) => eprintln!(
            "PROBE {what}: Err kind={:?} msg={} dbg={:?}",
            e.kind(),
            e,
            e
        ),
    }
}

#[test]
fn probe2() {
    let lx = lxcpath!();
    let c = lx.running("p1");
    let pid = c.init_pid().unwrap();
    eprintln!("pid before reboot {pid}");
    let t = Instant::now();
    show("reboot", c.reboot());
    for _ in 0..60 {
        std::thread::sleep(Duration::from_millis(100));
        let p = c.init_pid();
        if p.as_ref().ok() != Some(&pid) {
            eprintln!("after {:?}: {:?} {:?}", t.elapsed(), c.state(), p);
        }
    }
    eprintln!("final {:?} {:?}", c.state(), c.init_pid());
    c.wait(State::Running, Duration::from_secs(5)).unwrap();
    let pid = c.init_pid().unwrap();
    let t = Instant::now();
    show("reboot2 10s", c.reboot2(Duration::from_secs(10)));
    eprintln!(
        "took {:?} state {:?} pid {:?} (before {pid})",
        t.elapsed(),
        c.state(),
        c.init_pid()
    );
    let t = Instant::now();
    show("shutdown 0s", c.shutdown(Duration::from_secs(0)));
    eprintln!("took {:?} state {:?}", t.elapsed(), c.state());
    std::thread::sleep(Duration::from_secs(3));
    eprintln!("3s later state {:?}", c.state());
    if c.is_running() {
        c.stop().unwrap();
    }
    c.wait(State::Stopped, Duration::from_secs(5)).unwrap();
    c.start().unwrap();
    c.wait(State::Running, Duration::from_secs(5)).unwrap();
    let t = Instant::now();
    show("shutdown 1s", c.shutdown(Duration::from_secs(1)));
    eprintln!("took {:?} state {:?}", t.elapsed(), c.state());
    if c.is_running() {
        c.stop().unwrap();
    }
    let d = lx.busybox("p2");
    show(
        "start_with useinit",
        d.start_with(true, &["/bin/sleep", "1000"]),
    );
    show("wait", d.wait(State::Running, Duration::from_secs(5)));
    let p = d.init_pid().unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let ch = std::fs::read_to_string(format!("/proc/{p}/task/{p}/children")).unwrap();
    eprintln!(
        "children {ch:?} exe {:?}",
        std::fs::read_link(format!("/proc/{p}/exe"))
    );
    for k in ch.split_whitespace() {
        eprintln!(
            "child cmdline {:?}",
            std::fs::read(format!("/proc/{k}/cmdline"))
                .map(|b| String::from_utf8_lossy(&b).into_owned())
        );
    }
    d.stop().unwrap();
    let e = lx.busybox("p3");
    show(
        "start_with no init",
        e.start_with(false, &["/bin/sleep", "1000"]),
    );
    show("wait", e.wait(State::Running, Duration::from_secs(5)));
    let p = e.init_pid().unwrap();
    eprintln!(
        "cmdline {:?}",
        std::fs::read(format!("/proc/{p}/cmdline"))
            .map(|b| String::from_utf8_lossy(&b).into_owned())
    );
    e.stop().unwrap();
}
