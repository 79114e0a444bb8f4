//! The life of a real container: open, create, start, freeze, reboot, shut down, rename, destroy.
//! Every test checks the effect on the container (its state, its processes, its files), not only
//! that a call returned `Ok`.
mod common;

use common::assert_same_tree;

use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use liblxc::{BdevSpecs, Container, CreateFlags, ErrorKind, State};

const SECS_10: Duration = Duration::from_secs(10);

/// Asserts that `err` names `op` and the container `name`, has kind `kind`, and a message.
#[track_caller]
fn assert_error(err: &liblxc::Error, op: &str, name: &str, kind: ErrorKind) {
    let msg = err.to_string();
    assert!(!msg.is_empty(), "empty error message: {err:?}");
    assert_eq!(err.kind(), kind, "wrong kind for {msg:?}");
    assert_eq!(err.operation(), op, "wrong operation for {msg:?}");
    assert!(msg.contains(op), "{msg:?} does not name the operation {op}");
    assert!(
        msg.contains(&format!("\"{name}\"")),
        "{msg:?} does not name the container \"{name}\""
    );
}

fn proc_alive(pid: i32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

/// Polls `f` every 50 ms until it is true or `timeout` passed; returns the last value.
fn eventually(timeout: Duration, mut f: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    loop {
        if f() {
            return true;
        }
        if start.elapsed() > timeout {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The executable of `pid`, as the process sees it (the busybox template copies busybox to
/// `/sbin/init`).
fn exe(pid: i32) -> PathBuf {
    std::fs::read_link(format!("/proc/{pid}/exe"))
        .unwrap_or_else(|e| panic!("readlink /proc/{pid}/exe: {e}"))
}

fn cmdline(pid: i32) -> String {
    let raw = std::fs::read(format!("/proc/{pid}/cmdline"))
        .unwrap_or_else(|e| panic!("read /proc/{pid}/cmdline: {e}"));
    String::from_utf8_lossy(&raw)
        .replace('\0', " ")
        .trim_end()
        .to_owned()
}

/// The freezer state of the cgroup of `pid`: `"FROZEN"`, `"THAWED"` (or `"FREEZING"`).
fn freezer_state(pid: i32) -> String {
    let cg = std::fs::read_to_string(format!("/proc/{pid}/cgroup"))
        .unwrap_or_else(|e| panic!("read /proc/{pid}/cgroup: {e}"));
    for line in cg.lines() {
        let mut parts = line.splitn(3, ':');
        let (_, ctrl, path) = (parts.next(), parts.next(), parts.next());
        let (Some(ctrl), Some(path)) = (ctrl, path) else {
            continue;
        };
        if ctrl.split(',').any(|c| c == "freezer") {
            let f = format!("/sys/fs/cgroup/freezer{path}/freezer.state");
            return std::fs::read_to_string(&f)
                .unwrap_or_else(|e| panic!("read {f}: {e}"))
                .trim()
                .to_owned();
        }
    }
    // cgroup v2 only.
    let path = cg
        .lines()
        .find_map(|l| l.strip_prefix("0::"))
        .unwrap_or_else(|| panic!("no freezer in /proc/{pid}/cgroup: {cg}"));
    let f = format!("/sys/fs/cgroup{path}/cgroup.freeze");
    match std::fs::read_to_string(&f)
        .unwrap_or_else(|e| panic!("read {f}: {e}"))
        .trim()
    {
        "1" => "FROZEN".into(),
        _ => "THAWED".into(),
    }
}

fn ns(pid: &str, kind: &str) -> PathBuf {
    std::fs::read_link(format!("/proc/{pid}/ns/{kind}"))
        .unwrap_or_else(|e| panic!("readlink /proc/{pid}/ns/{kind}: {e}"))
}

/// A running busybox container whose init is ready for `lxc.signal.halt` / `lxc.signal.reboot`.
fn running_ready(lx: &common::Lxcpath, name: &str) -> Container {
    let c = lx.running(name);
    let pid = c.init_pid().map(|p| p as i32).expect("init_pid");
    assert!(
        eventually(SECS_10, || common::init_handles_signals(pid)),
        "busybox init never got ready for signals: {}",
        common::init_signal_report(pid)
    );
    c
}

fn unique_name() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("lxc-rs-test-{}-{nanos}", std::process::id())
}

// ---------------------------------------------------------------------------------------------
// Opening

#[test]
fn new_in_default_lxcpath_opens_an_undefined_container() {
    let name = unique_name();
    let c = Container::new(&name).expect("Container::new on a fresh name");
    assert_eq!(c.name(), name);
    assert!(!c.is_defined(), "a random name must not be defined");
    let default = liblxc::global_config_item("lxc.lxcpath").expect("global lxc.lxcpath");
    let path = c.config_path().expect("config_path");
    assert_eq!(
        path,
        Path::new(&default),
        "Container::new must use lxc.lxcpath"
    );
    assert_eq!(
        c.config_file_name().expect("config_file_name"),
        path.join(&name).join("config")
    );
    assert_eq!(c.state().expect("state"), State::Stopped);
    assert!(
        !path.join(&name).exists(),
        "opening must not create anything"
    );
}

#[test]
fn new_in_and_with_lxcpath_use_the_explicit_lxcpath() {
    let lx = lxcpath!();
    let a = Container::new_in("exp", lx.path()).expect("new_in");
    let b = Container::with_lxcpath("exp", Some(lx.path())).expect("with_lxcpath");
    assert_eq!(a.config_path().expect("config_path of new_in"), lx.path());
    assert_eq!(
        b.config_path().expect("config_path of with_lxcpath"),
        lx.path()
    );
    assert!(!a.is_defined() && !b.is_defined());
    a.create_with(
        Some("busybox"),
        None,
        None,
        CreateFlags::QUIET,
        &[] as &[&str],
    )
    .expect("create through new_in handle");
    assert!(
        b.is_defined(),
        "the other handle on the same lxcpath sees the creation"
    );
    assert!(lx.path().join("exp").join("config").is_file());
}

// ---------------------------------------------------------------------------------------------
// Create and destroy

#[test]
fn is_defined_follows_create_and_destroy() {
    let lx = lxcpath!();
    let c = lx.container("def");
    assert!(!c.is_defined(), "defined before create");
    assert!(!lx.path().join("def").exists());
    c.create("busybox").expect("create busybox");
    assert!(c.is_defined(), "not defined after create");
    assert!(
        lx.path().join("def/config").is_file(),
        "no config file after create"
    );
    assert!(
        lx.path().join("def/rootfs/bin/busybox").exists(),
        "template did not run"
    );
    assert_eq!(c.config_item("lxc.uts.name").expect("lxc.uts.name"), "def");
    c.destroy().expect("destroy");
    assert!(!c.is_defined(), "still defined after destroy");
    assert!(
        !lx.path().join("def").exists(),
        "container dir left after destroy"
    );
    assert!(
        !lx.container("def").is_defined(),
        "a new handle sees it defined"
    );
}

#[test]
fn create_passes_template_arguments() {
    let lx = lxcpath!();
    let busybox = ["/bin/busybox", "/usr/bin/busybox"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("busybox binary");
    let good = lx.container("good");
    good.create_with_options(
        &liblxc::CreateOptions::new("busybox").args(["--busybox-path", busybox]),
    )
    .expect("create with a valid template option");
    assert!(good.is_defined());
    assert!(lx.path().join("good/rootfs/bin/busybox").exists());

    // An option the template does not know makes it fail: proof the argv reaches it.
    let before = lx.tree();
    let bad = lx.container("bad");
    let err = bad
        .create_with_options(&liblxc::CreateOptions::new("busybox").args(["--no-such-option"]))
        .expect_err("the busybox template must refuse an unknown option");
    assert_error(&err, "create", "bad", ErrorKind::Failed);
    assert!(
        !bad.is_defined(),
        "a failed create left the container defined"
    );
    assert_same_tree(&before, &lx.tree());
}

#[test]
fn create_without_template_writes_only_the_config() {
    let lx = lxcpath!();
    let c = lx.container("bare");
    c.create_with(None, None, None, CreateFlags::empty(), &[] as &[&str])
        .expect("create with no template");
    assert!(c.is_defined());
    let config = lx.path().join("bare/config");
    assert!(config.is_file(), "no config file");
    assert!(std::fs::metadata(&config).expect("config metadata").len() > 0);
    assert_eq!(c.config_item("lxc.rootfs.path").expect("rootfs.path"), "");
    assert!(
        !lx.path().join("bare/rootfs").exists(),
        "a rootfs was made without template"
    );
    c.destroy().expect("destroy a template-less container");
    assert!(!lx.path().join("bare").exists());
}

#[test]
fn create_quiet_creates_the_container() {
    let lx = lxcpath!();
    let c = lx.container("quiet");
    c.create_with(
        Some("busybox"),
        None,
        None,
        CreateFlags::QUIET,
        &[] as &[&str],
    )
    .expect("create QUIET");
    assert!(c.is_defined());
    assert!(lx.path().join("quiet/rootfs/bin/busybox").exists());
    assert_eq!(c.config_item("lxc.uts.name").expect("uts.name"), "quiet");
}

#[test]
fn create_on_dir_backing_store_puts_rootfs_where_specs_say() {
    let lx = lxcpath!();
    let elsewhere = tempfile::tempdir().expect("tempdir for the rootfs");
    let rootfs = elsewhere.path().join("rootfs");
    let specs = {
        let mut __o = BdevSpecs::default();
        __o.dir = Some(rootfs.clone());
        __o
    };
    let c = lx.container("bdev");
    c.create_with(
        Some("busybox"),
        Some("dir"),
        Some(&specs),
        CreateFlags::QUIET,
        &[] as &[&str],
    )
    .expect("create on dir with specs.dir");
    let configured = c.config_item("lxc.rootfs.path").expect("lxc.rootfs.path");
    assert_eq!(
        configured.strip_prefix("dir:").unwrap_or(&configured),
        rootfs.to_str().unwrap_or_default(),
        "lxc.rootfs.path does not point at specs.dir"
    );
    assert!(
        rootfs.join("bin/busybox").exists(),
        "template did not fill specs.dir"
    );
    // liblxc leaves an empty mount point in the container dir; nothing more.
    let mount_point = lx.path().join("bdev/rootfs");
    assert!(
        std::fs::read_dir(&mount_point).map_or(true, |mut d| d.next().is_none()),
        "the template also filled {}",
        mount_point.display()
    );
    c.destroy().expect("destroy");
    assert!(!rootfs.exists(), "destroy left the dir-backed rootfs");
}

#[test]
fn destroy_removes_everything() {
    let lx = lxcpath!();
    let c = lx.busybox("gone");
    assert!(lx.path().join("gone").is_dir());
    c.destroy().expect("destroy");
    assert!(!c.is_defined());
    assert!(!lx.path().join("gone").exists());
    assert!(lx.tree().is_empty(), "lxcpath not empty: {:?}", lx.tree());
}

#[test]
fn destroy_with_snapshots_works_without_snapshots() {
    let lx = lxcpath!();
    let c = lx.busybox("nosnap");
    assert!(!lx.path().join("nosnap/snaps").exists());
    c.destroy_with_snapshots()
        .expect("destroy_with_snapshots on a container that never had a snapshot");
    assert!(!c.is_defined());
    assert!(!lx.path().join("nosnap").exists());
}

/// liblxc's own destroy_with_snapshots fails when `<lxcpath>/<name>/snaps` does not exist; lxc-rs
/// makes an empty one first. When the call fails anyway (here: the container runs), that
/// directory is removed again and nothing else changed.
#[test]
fn a_failed_destroy_with_snapshots_leaves_nothing() {
    let lx = lxcpath!();
    let c = lx.running("runsnap");
    // The running init writes under /var and /run meanwhile: those are not the call's.
    let before = common::stable(lx.tree());
    let err = c
        .destroy_with_snapshots()
        .expect_err("a running container cannot be destroyed");
    assert_error(
        &err,
        "destroy_with_snapshots",
        "runsnap",
        ErrorKind::Running,
    );
    assert!(c.is_defined());
    assert!(!lx.path().join("runsnap/snaps").exists());
    assert_same_tree(&before, &common::stable(lx.tree()));
    c.stop().expect("stop");
}

// ---------------------------------------------------------------------------------------------
// States

#[test]
fn state_goes_stopped_running_frozen_running_stopped() {
    let lx = lxcpath!();
    let c = lx.busybox("states");
    assert_eq!(c.state().expect("state"), State::Stopped);
    assert!(!c.is_running());

    c.start().expect("start");
    c.wait(State::Running, SECS_10).expect("wait RUNNING");
    assert_eq!(c.state().expect("state"), State::Running);
    assert!(c.is_running());
    let pid = c.init_pid().map(|p| p as i32).expect("init_pid");
    assert_eq!(freezer_state(pid), "THAWED");

    c.freeze().expect("freeze");
    assert_eq!(c.state().expect("state"), State::Frozen);
    assert!(c.is_running(), "a frozen container counts as running");
    assert_eq!(
        freezer_state(pid),
        "FROZEN",
        "the init's cgroup is not frozen"
    );

    c.unfreeze().expect("unfreeze");
    assert_eq!(c.state().expect("state"), State::Running);
    assert_eq!(
        freezer_state(pid),
        "THAWED",
        "the init's cgroup is still frozen"
    );
    assert_eq!(
        c.init_pid().map(|p| p as i32).expect("init_pid"),
        pid,
        "unfreeze restarted init"
    );

    c.stop().expect("stop");
    c.wait(State::Stopped, SECS_10).expect("wait STOPPED");
    assert_eq!(c.state().expect("state"), State::Stopped);
    assert!(!c.is_running());
    assert!(
        eventually(SECS_10, || !proc_alive(pid)),
        "init {pid} survived stop"
    );
}

#[test]
fn start_runs_the_busybox_init_in_new_namespaces() {
    let lx = lxcpath!();
    let c = lx.running("nsinit");
    let pid = c.init_pid().map(|p| p as i32).expect("init_pid");
    assert!(pid > 1);
    assert!(proc_alive(pid), "/proc/{pid} does not exist");
    assert_eq!(
        exe(pid),
        Path::new("/sbin/init"),
        "the busybox init is not the container init"
    );
    for kind in ["pid", "mnt", "uts"] {
        assert_ne!(
            ns(&pid.to_string(), kind),
            ns("self", kind),
            "init shares our {kind} namespace"
        );
    }
    let cg = std::fs::read_to_string(format!("/proc/{pid}/cgroup")).expect("init cgroup");
    assert!(
        cg.contains("nsinit"),
        "init is not in the container's cgroup: {cg}"
    );
}

#[test]
fn start_with_use_init_runs_argv_under_lxc_init() {
    let lx = lxcpath!();
    let c = lx.busybox("appc");
    c.start_with(liblxc::StartMode::Execute, &["/bin/sleep", "1000"])
        .expect("start_with(use_init, sleep)");
    c.wait(State::Running, SECS_10).expect("wait RUNNING");
    assert_eq!(c.state().expect("state"), State::Running);
    let pid = c.init_pid().map(|p| p as i32).expect("init_pid");
    assert!(pid > 0);
    // lxc's minimal init (`init`; liblxc 5 runs it from its own code when no init.lxc.static is
    // installed) is pid 1 in the container, not busybox; sleep is its child.
    assert_eq!(cmdline(pid), "init", "the init is not lxc's minimal init");
    assert_ne!(
        exe(pid),
        Path::new("/sbin/init"),
        "use_init ran the container's own init"
    );
    let found = eventually(Duration::from_secs(5), || {
        let children =
            std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
        children
            .split_whitespace()
            .filter_map(|p| p.parse::<i32>().ok())
            .any(|child| cmdline(child) == "/bin/sleep 1000")
    });
    assert!(found, "no `/bin/sleep 1000` child under lxc init {pid}");
    c.stop().expect("stop");
    assert!(eventually(SECS_10, || !proc_alive(pid)));
}

#[test]
fn start_with_argv_replaces_init() {
    let lx = lxcpath!();
    let c = lx.busybox("argv");
    c.start_with(liblxc::StartMode::Boot, &["/bin/sleep", "1000"])
        .expect("start_with(argv)");
    c.wait(State::Running, SECS_10).expect("wait RUNNING");
    let pid = c.init_pid().map(|p| p as i32).expect("init_pid");
    assert_eq!(cmdline(pid), "/bin/sleep 1000", "argv did not replace init");
    c.stop().expect("stop");
    c.wait(State::Stopped, SECS_10).expect("wait STOPPED");
}

#[test]
fn stop_kills_init_at_once() {
    let lx = lxcpath!();
    let c = lx.running("stopme");
    let pid = c.init_pid().map(|p| p as i32).expect("init_pid");
    let t = Instant::now();
    c.stop().expect("stop");
    assert_eq!(c.state().expect("state"), State::Stopped);
    assert!(
        t.elapsed() < Duration::from_secs(2),
        "stop took {:?}",
        t.elapsed()
    );
    assert!(
        eventually(SECS_10, || !proc_alive(pid)),
        "init {pid} survived stop"
    );
    let err = c
        .init_pid()
        .map(|p| p as i32)
        .expect_err("init_pid of a stopped container");
    assert_error(&err, "init_pid", "stopme", ErrorKind::NotRunning);
}

// ---------------------------------------------------------------------------------------------
// Shutdown and reboot (the busybox init needs about 2 s to stop: SIGTERM, 1 s, SIGKILL, 1 s)

#[test]
fn shutdown_stops_busybox_within_the_timeout() {
    let lx = lxcpath!();
    let c = running_ready(&lx, "halt");
    let pid = c.init_pid().map(|p| p as i32).expect("init_pid");
    let t = Instant::now();
    c.shutdown(SECS_10).expect("shutdown(10 s)");
    assert!(t.elapsed() < SECS_10, "shutdown took the whole timeout");
    assert_eq!(c.state().expect("state"), State::Stopped);
    assert!(
        eventually(SECS_10, || !proc_alive(pid)),
        "init {pid} survived shutdown"
    );
}

#[test]
fn shutdown_times_out_when_init_is_slower_than_the_timeout() {
    let lx = lxcpath!();
    let c = running_ready(&lx, "slowhalt");
    let t = Instant::now();
    let err = c
        .shutdown(Duration::from_secs(1))
        .expect_err("busybox cannot stop within 1 s");
    let took = t.elapsed();
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(3),
        "shutdown(1 s) returned after {took:?}"
    );
    assert!(
        matches!(err.kind(), ErrorKind::Timeout | ErrorKind::Failed),
        "kind {:?}: {err}",
        err.kind()
    );
    assert!(err.to_string().contains("shutdown") && err.to_string().contains("\"slowhalt\""));
    // The signal was sent: it stops on its own afterwards.
    c.wait(State::Stopped, SECS_10)
        .expect("the container stops after the shutdown signal");
}

#[test]
fn shutdown_with_zero_timeout_returns_at_once_and_the_container_stops_later() {
    let lx = lxcpath!();
    let c = running_ready(&lx, "halt0");
    let t = Instant::now();
    c.shutdown(Duration::ZERO).expect("shutdown(0)");
    assert!(
        t.elapsed() < Duration::from_millis(500),
        "shutdown(0) waited {:?}",
        t.elapsed()
    );
    assert_eq!(
        c.state().expect("state"),
        State::Running,
        "stopped faster than busybox can"
    );
    c.wait(State::Stopped, SECS_10)
        .expect("the container stops after shutdown(0)");
}

#[test]
fn reboot_restarts_init_and_keeps_the_container_running() {
    let lx = lxcpath!();
    let c = running_ready(&lx, "reboot");
    let old = c.init_pid().map(|p| p as i32).expect("init_pid");
    c.reboot().expect("reboot");
    let restarted = eventually(SECS_10, || {
        c.state().ok() == Some(State::Running)
            && c.init_pid().map(|p| p as i32).is_ok_and(|p| p != old)
    });
    assert!(
        restarted,
        "init {old} was not replaced within 10 s of reboot"
    );
    assert!(
        eventually(SECS_10, || !proc_alive(old)),
        "old init {old} still alive"
    );
    let new = c
        .init_pid()
        .map(|p| p as i32)
        .expect("init_pid after reboot");
    assert_eq!(
        exe(new),
        Path::new("/sbin/init"),
        "the new init is not the busybox init"
    );
}

#[test]
fn reboot2_waits_until_the_container_runs_again() {
    let lx = lxcpath!();
    let c = running_ready(&lx, "reboot2");
    let old = c.init_pid().map(|p| p as i32).expect("init_pid");
    let t = Instant::now();
    c.reboot2(SECS_10).expect("reboot2(10 s)");
    assert!(t.elapsed() < SECS_10);
    assert_eq!(c.state().expect("state"), State::Running);
    let new = c
        .init_pid()
        .map(|p| p as i32)
        .expect("init_pid after reboot2");
    assert_ne!(new, old, "reboot2 returned before init was replaced");
    assert!(proc_alive(new));
}

#[test]
fn shutdown_succeeds_on_a_stopped_container_and_reboot_and_reboot2_do_not() {
    let lx = lxcpath!();
    let c = lx.busybox("idle");
    let before = lx.tree();
    c.shutdown(Duration::from_secs(1))
        .expect("shutdown of a stopped container succeeds at once");
    let err = c
        .reboot2(Duration::from_secs(1))
        .expect_err("reboot2 of a stopped container");
    assert_error(&err, "reboot2", "idle", ErrorKind::NotRunning);
    assert_eq!(
        c.state().expect("state"),
        State::Stopped,
        "reboot2 started it"
    );
    let err = c.reboot().expect_err("reboot of a stopped container");
    assert_error(&err, "reboot", "idle", ErrorKind::NotRunning);
    assert_same_tree(&before, &lx.tree());
}

// ---------------------------------------------------------------------------------------------
// wait

#[test]
fn wait_succeeds_when_the_state_is_reached() {
    let lx = lxcpath!();
    let c = lx.busybox("waiter");
    let t = Instant::now();
    c.wait(State::Stopped, SECS_10)
        .expect("wait STOPPED on a stopped container");
    assert!(
        t.elapsed() < Duration::from_secs(2),
        "waited for a state already reached"
    );

    c.start().expect("start");
    c.wait(State::Running, SECS_10).expect("wait RUNNING");

    // Another handle waits for STOPPED while this one stops the container.
    let other = lx.container("waiter");
    let (tx, rx) = mpsc::channel();
    let waiter = std::thread::spawn(move || {
        let r = other.wait(State::Stopped, SECS_10);
        tx.send(()).ok();
        r
    });
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        rx.try_recv().is_err(),
        "wait STOPPED returned while the container runs"
    );
    c.stop().expect("stop");
    waiter
        .join()
        .expect("waiter thread")
        .expect("wait STOPPED from another handle");
}

#[test]
fn wait_times_out() {
    let lx = lxcpath!();
    let c = lx.running("timeout");
    let t = Instant::now();
    let err = c
        .wait(State::Frozen, Duration::from_secs(1))
        .expect_err("a running container never becomes FROZEN by itself");
    let took = t.elapsed();
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(2),
        "wait(FROZEN, 1 s) returned after {took:?}"
    );
    assert!(
        matches!(err.kind(), ErrorKind::Timeout | ErrorKind::Failed),
        "kind {:?}: {err}",
        err.kind()
    );
    let msg = err.to_string();
    assert!(msg.contains("wait") && msg.contains("\"timeout\""), "{msg}");
    assert_eq!(c.state().expect("state"), State::Running);
}

#[test]
fn timed_out_wait_and_shutdown_are_timeout_errors() {
    let lx = lxcpath!();
    let c = running_ready(&lx, "kindto");
    let err = c
        .wait(State::Frozen, Duration::from_secs(1))
        .expect_err("wait FROZEN times out");
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    let err = c
        .shutdown(Duration::from_secs(1))
        .expect_err("busybox cannot stop within 1 s");
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
}

#[test]
fn wait_with_zero_timeout_is_refused_instead_of_waiting_forever() {
    // liblxc 5.0 turns a zero wait timeout into "no timeout"; lxc-rs refuses it before calling.
    let lx = lxcpath!();
    let c = lx.running("zero");
    let started = std::time::Instant::now();
    let e = c
        .wait(State::Frozen, Duration::ZERO)
        .expect_err("zero timeout");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "it must not wait"
    );
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
    assert!(
        e.to_string()
            .starts_with("wait container \"zero\": argument `timeout`"),
        "{e}"
    );
    assert_eq!(c.state().unwrap(), State::Running);
}

// ---------------------------------------------------------------------------------------------
// Freeze

#[test]
fn freeze_stops_the_processes_and_unfreeze_resumes_them() {
    let lx = lxcpath!();
    let c = lx.running("ice");
    let pid = c.init_pid().map(|p| p as i32).expect("init_pid");
    c.freeze().expect("freeze");
    c.wait(State::Frozen, Duration::from_secs(5))
        .expect("wait FROZEN");
    assert_eq!(c.state().expect("state"), State::Frozen);
    assert_eq!(freezer_state(pid), "FROZEN");
    // A frozen container can be waited on and still has its init.
    assert_eq!(
        c.init_pid()
            .map(|p| p as i32)
            .expect("init_pid while frozen"),
        pid
    );
    c.unfreeze().expect("unfreeze");
    c.wait(State::Running, Duration::from_secs(5))
        .expect("wait RUNNING");
    assert_eq!(freezer_state(pid), "THAWED");
    // A thawed container can be stopped normally.
    c.stop().expect("stop after unfreeze");
    assert_eq!(c.state().expect("state"), State::Stopped);
}

// ---------------------------------------------------------------------------------------------
// Rename

#[test]
fn rename_moves_the_container_and_the_old_handle_keeps_its_name() {
    let lx = lxcpath!();
    let c = lx.busybox("before");
    c.rename("after").expect("rename");
    assert_eq!(c.name(), "before", "the handle keeps the old name");
    assert!(!c.is_defined(), "the old name is still defined");
    assert!(!lx.path().join("before").exists(), "the old dir is left");
    assert!(
        lx.path().join("after/config").is_file(),
        "no config under the new name"
    );

    let renamed = lx.container("after");
    assert!(renamed.is_defined());
    assert_eq!(
        renamed.config_item("lxc.uts.name").expect("uts.name"),
        "after"
    );
    let rootfs = renamed.config_item("lxc.rootfs.path").expect("rootfs.path");
    assert!(
        rootfs.ends_with(&format!("{}/after/rootfs", lx.path().display())),
        "rootfs not moved: {rootfs}"
    );
    renamed.start().expect("start the renamed container");
    renamed.wait(State::Running, SECS_10).expect("wait RUNNING");
    assert!(renamed.init_pid().map(|p| p as i32).expect("init_pid") > 1);
    renamed.stop().expect("stop");
    assert_eq!(
        liblxc::defined_container_names(Some(lx.path())).expect("list"),
        vec!["after".to_owned()]
    );
}

// ---------------------------------------------------------------------------------------------
// init_pid, init_pidfd, may_control

#[test]
fn init_pid_is_a_live_process_in_other_namespaces() {
    let lx = lxcpath!();
    let c = lx.running("pid");
    let pid = c.init_pid().map(|p| p as i32).expect("init_pid");
    assert!(pid > 1);
    assert!(proc_alive(pid));
    assert_ne!(ns(&pid.to_string(), "pid"), ns("self", "pid"));
    assert_ne!(ns(&pid.to_string(), "mnt"), ns("self", "mnt"));
    // The running config agrees on the hostname the init sees.
    assert_eq!(
        c.running_config_item("lxc.uts.name").expect("uts.name"),
        "pid"
    );
}

#[test]
fn init_pidfd_is_a_pidfd_for_init() {
    let lx = lxcpath!();
    let c = lx.running("pidfd");
    let pid = c.init_pid().map(|p| p as i32).expect("init_pid");
    let fd = c.init_pidfd().expect("init_pidfd");
    let raw = fd.as_raw_fd();
    let link = std::fs::read_link(format!("/proc/self/fd/{raw}")).expect("readlink fd");
    assert_eq!(link, Path::new("anon_inode:[pidfd]"));
    let info = std::fs::read_to_string(format!("/proc/self/fdinfo/{raw}")).expect("fdinfo");
    assert!(
        info.contains(&format!("Pid:\t{pid}\n")),
        "fdinfo does not name {pid}: {info}"
    );

    // A pidfd becomes readable when its process exits.
    let poll = |ms: i32| {
        let mut p = libc::pollfd {
            fd: raw,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd for the duration of the call.
        unsafe { libc::poll(&mut p, 1, ms) }
    };
    assert_eq!(poll(0), 0, "pidfd readable while init runs");
    c.stop().expect("stop");
    assert_eq!(poll(5000), 1, "pidfd not readable after init exited");
    drop(fd);
    assert!(
        std::fs::read_link(format!("/proc/self/fd/{raw}"))
            .map_or(true, |l| l != Path::new("anon_inode:[pidfd]")),
        "the pidfd was not closed on drop"
    );
}

#[test]
fn may_control_is_true_as_root() {
    let lx = lxcpath!();
    let undefined = lx.container("nobody");
    assert!(undefined.may_control());
    let c = lx.running("ctl");
    assert!(c.may_control());
}

// ---------------------------------------------------------------------------------------------
// want_daemonize, want_close_all_fds

#[test]
fn want_daemonize_changes_how_start_runs() {
    let lx = lxcpath!();
    let c = lx.busybox("daemon");
    // This process has more than one thread while start runs (liblxc alone refuses a foreground
    // start then; lxc-rs starts in a child of its own).
    let other = lx.container("daemon");
    c.want_daemonize(false)
        .expect("want_daemonize(false) on a loaded config");
    let foreground = std::thread::spawn(move || {
        let r = c.start();
        (c, r)
    });
    assert!(
        common::eventually(Duration::from_secs(30), || other.is_running()),
        "the foreground start runs the container"
    );
    assert!(
        !foreground.is_finished(),
        "a foreground start returns only once the container stopped"
    );
    other.stop().expect("stop through another handle");
    let (c, r) = foreground.join().expect("the foreground start");
    r.expect("a foreground start that ran until the container stopped is a success");
    assert_eq!(c.state().expect("state"), State::Stopped);

    c.want_daemonize(true).expect("want_daemonize(true)");
    c.start().expect("daemonized start");
    c.wait(State::Running, SECS_10).expect("wait RUNNING");
}

#[test]
fn want_close_all_fds_needs_a_loaded_config() {
    let lx = lxcpath!();
    let c = lx.busybox("fds");
    c.want_close_all_fds(true)
        .expect("want_close_all_fds(true) on a loaded config");
    c.want_close_all_fds(false)
        .expect("want_close_all_fds(false) on a loaded config");
    c.start().expect("start after want_close_all_fds");
    c.wait(State::Running, SECS_10).expect("wait RUNNING");
    c.stop().expect("stop");

    let fresh = lx.container("fresh");
    let before = lx.tree();
    for (op, r) in [
        ("want_daemonize", fresh.want_daemonize(true)),
        ("want_close_all_fds", fresh.want_close_all_fds(true)),
    ] {
        let err = r.expect_err("a fresh undefined container has no config");
        assert!(
            matches!(err.kind(), ErrorKind::Failed | ErrorKind::NotFound),
            "kind {:?}: {err}",
            err.kind()
        );
        let msg = err.to_string();
        assert!(msg.contains(op) && msg.contains("\"fresh\""), "{msg}");
    }
    assert_same_tree(&before, &lx.tree());
}

// ---------------------------------------------------------------------------------------------
// try_clone

#[test]
fn try_clone_shares_the_container_across_handles_and_threads() {
    let lx = lxcpath!();
    let c = lx.running("shared");
    let a = c.try_clone().expect("try_clone");
    let b = c.try_clone().expect("try_clone again");
    assert_eq!(a.name(), "shared");
    assert_eq!(a.state().expect("state via clone"), State::Running);
    assert_eq!(
        a.init_pid().map(|p| p as i32).expect("pid via clone"),
        c.init_pid().map(|p| p as i32).expect("pid")
    );

    drop(c);
    assert_eq!(
        a.state()
            .expect("clone works after the original is dropped"),
        State::Running
    );

    let pid = a.init_pid().map(|p| p as i32).expect("init_pid");
    let from_thread = std::thread::spawn(move || {
        let s = b.state();
        let stopped = b.stop();
        (
            s.map_err(|e| e.to_string()),
            stopped.map_err(|e| e.to_string()),
        )
    })
    .join()
    .expect("thread");
    assert_eq!(
        from_thread.0,
        Ok(State::Running),
        "state() in another thread"
    );
    assert_eq!(from_thread.1, Ok(()), "stop() in another thread");
    assert_eq!(
        a.state().expect("state"),
        State::Stopped,
        "the clone's stop is seen here"
    );
    assert!(eventually(SECS_10, || !proc_alive(pid)));
}
