mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use lxc::{Container, State};

fn show<T: std::fmt::Debug>(what: &str, r: lxc::Result<T>) {
    match r {
        Ok(v) => eprintln!("PROBE {what}: Ok({v:?})"),
        Err(e) => eprintln!("PROBE {what}: Err kind={:?} msg={} dbg={:?}", e.kind(), e, e),
    }
}

#[test]
fn probe() {
    let lx = lxcpath!();
    let c = lx.running("p1");
    let pid = c.init_pid().unwrap();
    eprintln!("init pid {pid}");
    let t = Instant::now();
    show("shutdown 3s", c.shutdown(Duration::from_secs(3)));
    eprintln!("took {:?} state {:?}", t.elapsed(), c.state());
    if c.is_running() { c.stop().unwrap(); }
    c.wait(State::Stopped, Duration::from_secs(5)).unwrap();
    c.start().unwrap();
    c.wait(State::Running, Duration::from_secs(5)).unwrap();
    let pid = c.init_pid().unwrap();
    show("reboot", c.reboot());
    for _ in 0..20 { std::thread::sleep(Duration::from_millis(100)); eprintln!("after reboot: {:?} {:?}", c.state(), c.init_pid()); }
    let _ = pid;
    let t = Instant::now();
    show("reboot2 5s", c.reboot2(Duration::from_secs(5)));
    eprintln!("took {:?} state {:?} pid {:?}", t.elapsed(), c.state(), c.init_pid());
    show("start twice", c.start());
    show("destroy running", c.destroy());
    show("wait frozen 1s", { let t = Instant::now(); let r = c.wait(State::Frozen, Duration::from_secs(1)); eprintln!("wait took {:?}", t.elapsed()); r });
    show("pidfd", c.init_pidfd());
    show("running_config_item", c.running_config_item("lxc.uts.name"));
    c.stop().unwrap();
    show("shutdown stopped", c.shutdown(Duration::from_secs(1)));
    show("reboot stopped", c.reboot());
    show("reboot2 stopped", c.reboot2(Duration::from_secs(1)));
    show("freeze stopped", c.freeze());
    show("unfreeze stopped", c.unfreeze());
    show("init_pid stopped", c.init_pid());
    show("init_pidfd stopped", c.init_pidfd());
    show("stop stopped", c.stop());
    show("running_config_item stopped", c.running_config_item("lxc.uts.name"));
    show("destroy_with_snapshots_raw", c.destroy_with_snapshots_raw());
    eprintln!("defined after raw: {}", c.is_defined());
    // useinit
    let d = lx.busybox("p2");
    show("start_with useinit", d.start_with(true, &["/bin/sleep", "1000"]));
    show("wait", d.wait(State::Running, Duration::from_secs(5)));
    eprintln!("state {:?} pid {:?}", d.state(), d.init_pid());
    if let Ok(p) = d.init_pid() { eprintln!("cmdline {:?}", std::fs::read(format!("/proc/{p}/cmdline"))); }
    d.stop().unwrap();
    // undefined
    let u = lx.container("nope");
    show("u want_daemonize", u.want_daemonize(true));
    show("u want_close_all_fds", u.want_close_all_fds(true));
    show("u start", u.start());
    show("u stop", u.stop());
    show("u freeze", u.freeze());
    show("u unfreeze", u.unfreeze());
    show("u destroy", u.destroy());
    show("u rename", u.rename("nope2"));
    show("u init_pid", u.init_pid());
    show("u state", u.state());
    show("u shutdown", u.shutdown(Duration::from_secs(1)));
    show("u reboot", u.reboot());
    show("u config_item", u.config_item("lxc.uts.name"));
    show("u keys", u.keys(None).map(|k| k.len()));
    show("u wait max", u.wait(State::Running, Duration::MAX));
    show("u wait invalid", u.wait(State::Invalid, Duration::from_secs(1)));
    show("u destroy_with_snapshots", u.destroy_with_snapshots());
    show("u config_file_name", u.config_file_name());
    show("u config_path", u.config_path());
    eprintln!("u may_control {}", u.may_control());
    let n = Container::new("lxc-rs-probe-xyz").unwrap();
    eprintln!("default: defined {} path {:?}", n.is_defined(), n.config_path());
    show("listing missing", lxc::defined_container_names(Some(Path::new("/nonexistent/xx"))));
    show("listing missing all", lxc::all_container_names(Some(Path::new("/nonexistent/xx"))));
    show("listing missing active", lxc::active_container_names(Some(Path::new("/nonexistent/xx"))));
    show("listing missing handles", lxc::defined_containers(Some(Path::new("/nonexistent/xx"))).map(|v| v.len()));
    for n in ["", ".", "..", "a/b", "../x", "-x", "a\0b"] { show(&format!("new_in {n:?}"), Container::new_in(n, lx.path())); }
}
