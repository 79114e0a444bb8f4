//! cgroup items and the memory, CPU and pids helpers, on real busybox containers: every value set is
//! read back through liblxc and seen in the cgroup filesystem under /sys/fs/cgroup.
mod common;

use std::path::PathBuf;
use std::time::Duration;

use liblxc::{CgroupVersion, Container, ErrorKind};

/// The directory of `controller` (a v1 controller name, or `""` for the v2 unified hierarchy) of
/// the container's init in the host's cgroup filesystem.
fn host_cgroup_dir(c: &Container, controller: &str) -> PathBuf {
    let pid = c.init_pid().map(|p| p as i32).expect("init pid");
    let text =
        std::fs::read_to_string(format!("/proc/{pid}/cgroup")).expect("read /proc/pid/cgroup");
    for line in text.lines() {
        let mut parts = line.splitn(3, ':');
        let (Some(id), Some(ctrls), Some(path)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        let path = path.trim_start_matches('/');
        if controller.is_empty() && id == "0" && ctrls.is_empty() {
            let unified = PathBuf::from("/sys/fs/cgroup/unified");
            let root = if unified.is_dir() {
                unified
            } else {
                PathBuf::from("/sys/fs/cgroup")
            };
            return root.join(path);
        }
        if !controller.is_empty() && ctrls.split(',').any(|c| c == controller) {
            return PathBuf::from("/sys/fs/cgroup").join(ctrls).join(path);
        }
    }
    panic!("no {controller:?} cgroup for pid {pid} in:\n{text}");
}

fn memory_limit_key(c: &Container) -> (&'static str, &'static str) {
    match c.memory_cgroup_version().expect("memory cgroup version") {
        CgroupVersion::V1 => ("memory.limit_in_bytes", "memory"),
        CgroupVersion::V2 => ("memory.max", ""),
        v => panic!("unknown cgroup version {v:?}"),
    }
}

#[test]
fn memory_limit_set_read_back_and_seen_in_the_cgroup_fs() {
    let lx = lxcpath!();
    let c = lx.running("cg-mem");
    let version = c.memory_cgroup_version().expect("memory cgroup version");
    eprintln!("memory controller: {version:?}");
    let (key, controller) = memory_limit_key(&c);
    let dir = host_cgroup_dir(&c, controller);
    let on_disk = || {
        std::fs::read_to_string(dir.join(key))
            .unwrap_or_else(|e| panic!("read {}: {e}", dir.join(key).display()))
            .trim()
            .to_string()
    };
    eprintln!("container memory cgroup: {}", dir.display());

    assert_eq!(
        c.memory_limit().expect("limit"),
        None,
        "a new container has none"
    );

    c.set_memory_limit(Some(64 << 20)).expect("set 64 MiB");
    assert_eq!(c.memory_limit().expect("limit"), Some(64 << 20));
    assert_eq!(c.cgroup_item(key).expect("raw item").trim(), "67108864");
    assert_eq!(on_disk(), "67108864", "the kernel has the limit");

    // The raw setter, read back through the helper and the filesystem.
    c.set_cgroup_item(key, &(48u64 << 20).to_string())
        .expect("raw set 48 MiB");
    assert_eq!(c.memory_limit().expect("limit"), Some(48 << 20));
    assert_eq!(on_disk(), (48u64 << 20).to_string());

    c.set_memory_limit(None).expect("remove the limit");
    assert_eq!(c.memory_limit().expect("limit"), None);
    let raw = on_disk();
    assert!(
        raw == "max" || raw.parse::<u64>().unwrap() > 1 << 62,
        "{raw}"
    );

    // The other layout's key is refused, with an error that names it all.
    let other = match version {
        CgroupVersion::V1 => "memory.max",
        _ => "memory.limit_in_bytes",
    };
    let e = c
        .cgroup_item(other)
        .expect_err("the other layout's key does not exist");
    eprintln!("{other}: {e}");
    assert_eq!(e.operation(), "get_cgroup_item");
    assert_eq!(e.container(), Some("cg-mem"));
}

#[test]
fn memory_usage_pids_and_their_limits() {
    let lx = lxcpath!();
    let c = lx.running("cg-usage");
    let usage = c.memory_usage().expect("memory usage");
    eprintln!("memory usage of an idle busybox container: {usage} bytes");
    assert!(usage > 0);

    let t = std::time::Instant::now();
    for _ in 0..100 {
        c.cgroup_item("memory.usage_in_bytes")
            .or_else(|_| c.cgroup_item("memory.current"))
            .expect("usage");
    }
    eprintln!("cgroup_item: {:?} per call", t.elapsed() / 100);

    let pids = c.pids_current().expect("pids.current");
    eprintln!("pids of an idle busybox container: {pids}");
    assert!(pids >= 1, "at least init");
    assert_eq!(c.pids_limit().expect("pids.max"), None);
    c.set_pids_limit(Some(64)).expect("set pids.max");
    assert_eq!(c.pids_limit().expect("pids.max"), Some(64));
    let dir = host_cgroup_dir(&c, "pids");
    assert_eq!(
        std::fs::read_to_string(dir.join("pids.max"))
            .unwrap()
            .trim(),
        "64"
    );
    c.set_pids_limit(None).expect("remove pids.max");
    assert_eq!(c.pids_limit().expect("pids.max"), None);
}

#[test]
fn cpu_usage_grows_with_a_busy_command() {
    let lx = lxcpath!();
    let c = lx.running("cg-cpu");
    let before = c.cpu_usage().expect("cpu usage");
    let status = c
        .command("sh")
        .args(["-c", "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done"])
        .status()
        .expect("run the busy loop");
    assert!(status.success(), "{status}");
    let after = c.cpu_usage().expect("cpu usage");
    eprintln!("cpu usage: {before:?} before, {after:?} after the busy loop");
    assert!(
        after >= before + Duration::from_millis(50),
        "{before:?} -> {after:?}"
    );
}

#[test]
fn bad_keys_and_bad_values_are_errors_naming_the_member_and_container() {
    let lx = lxcpath!();
    let c = lx.running("cg-bad");

    let e = c
        .cgroup_item("memory.no_such_file")
        .expect_err("unknown key");
    eprintln!("get unknown key: {e} / {e:?}");
    assert_eq!(e.operation(), "get_cgroup_item");
    assert_eq!(e.container(), Some("cg-bad"));
    assert!(
        e.to_string()
            .contains("get_cgroup_item container \"cg-bad\""),
        "{e}"
    );
    assert!(!e.reason().is_empty());

    let e = c
        .cgroup_item("nosuchcontroller.max")
        .expect_err("unknown controller");
    eprintln!("get unknown controller: {e}");
    assert_eq!(e.operation(), "get_cgroup_item");

    let e = c
        .set_cgroup_item("memory.no_such_file", "1")
        .expect_err("unknown key");
    eprintln!("set unknown key: {e} / {e:?}");
    assert_eq!(e.operation(), "set_cgroup_item");
    assert_eq!(e.container(), Some("cg-bad"));
    assert!(
        e.to_string()
            .contains("set_cgroup_item container \"cg-bad\""),
        "{e}"
    );

    let (key, _) = memory_limit_key(&c);
    let e = c
        .set_cgroup_item(key, "not a number")
        .expect_err("bad value");
    eprintln!("set bad value: {e}");
    assert_eq!(e.operation(), "set_cgroup_item");
    assert_eq!(c.memory_limit().expect("limit"), None, "unchanged");

    let e = c.cgroup_item("memory\0.max").expect_err("NUL byte");
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    let e = c
        .set_cgroup_item("pids.max", "1\0 2")
        .expect_err("NUL byte");
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert_eq!(c.pids_limit().expect("pids.max"), None, "unchanged");
}

#[test]
fn a_stopped_container_is_not_running() {
    let lx = lxcpath!();
    let c = lx.busybox("cg-stopped");
    let e = c.cgroup_item("pids.max").expect_err("stopped");
    eprintln!("{e} / {e:?}");
    assert_eq!(e.kind(), ErrorKind::NotRunning);
    assert_eq!(e.operation(), "get_cgroup_item");
    assert_eq!(e.container(), Some("cg-stopped"));
    let e = c.set_cgroup_item("pids.max", "10").expect_err("stopped");
    assert_eq!(e.kind(), ErrorKind::NotRunning);
    assert_eq!(e.operation(), "set_cgroup_item");
    for e in [
        c.memory_usage().map(drop).expect_err("stopped"),
        c.memory_limit().map(drop).expect_err("stopped"),
        c.set_memory_limit(Some(1 << 26)).expect_err("stopped"),
        c.cpu_usage().map(drop).expect_err("stopped"),
        c.pids_limit().map(drop).expect_err("stopped"),
    ] {
        assert_eq!(e.kind(), ErrorKind::NotRunning, "{e}");
    }
}

/// The `lxc.monitor.<name>` cgroups (and their `-<n>` twins) in every hierarchy.
fn monitor_cgroups(name: &str) -> Vec<PathBuf> {
    let prefix = format!("lxc.monitor.{name}");
    common::lxc_cgroups(|n| {
        n == prefix
            || n.strip_prefix(&prefix)
                .and_then(|rest| rest.strip_prefix('-'))
                .is_some_and(|n| n.parse::<u32>().is_ok())
    })
}

/// liblxc 5.0.2 moves the process that calls `start` into the new monitor's cgroup, and the
/// monitor cannot remove that cgroup when it exits while anything the process forked in between
/// (a program run, a copy, another start) is still in it: one `lxc.monitor.<name>-<n>` directory
/// per hierarchy was left behind per such start, thousands in a long run. A start runs in a child
/// of its own now, so the caller never enters a monitor cgroup.
#[test]
fn starts_on_several_threads_leave_no_monitor_cgroup_behind() {
    let _watchdog = common::watchdog(Duration::from_secs(600));
    let lx = lxcpath!();
    // Cgroup names are host-wide: names no other run uses.
    let names: Vec<String> = (0..2)
        .map(|i| format!("mon{}x{i}", std::process::id()))
        .collect();
    // A third thread copies another container meanwhile (each copy is a forked child).
    let copied = lx.busybox(&format!("mon{}c", std::process::id()));
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let copier = {
        let done = done.clone();
        std::thread::spawn(move || {
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                let n = copied.snapshot(None).expect("snapshot");
                copied
                    .snapshot_destroy(&format!("snap{n}"))
                    .expect("snapshot_destroy");
            }
        })
    };
    let threads: Vec<_> = names
        .iter()
        .map(|name| {
            let c = lx.busybox(name);
            std::thread::spawn(move || {
                for _ in 0..8 {
                    c.start().expect("start");
                    let _ = c.command("true").output().expect("run a program");
                    c.stop().expect("stop");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("a start/stop thread");
    }
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    copier.join().expect("the copying thread");
    for name in &names {
        let left = monitor_cgroups(name);
        assert!(left.is_empty(), "left behind: {left:#?}");
    }
}
