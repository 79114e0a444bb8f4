//! Shared fixture of the integration tests: a temporary lxcpath per test, removed with everything in
//! it even when the test fails, and the rule for skipping.
//!
//! Real-container tests need root and liblxc with the busybox template. Outside CI they skip, loudly,
//! when those are missing; with `CI=true` or `LXC_RS_REQUIRE_REAL=1` a missing prerequisite fails the
//! test instead.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use liblxc::{Container, CreateFlags, State};

/// Why real containers cannot run here, if they cannot.
fn missing_prerequisite() -> Option<String> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Some("not running as root".into());
    }
    let template = Path::new("/usr/share/lxc/templates/lxc-busybox");
    if !template.exists() {
        return Some(format!(
            "{} is missing (install lxc-templates)",
            template.display()
        ));
    }
    if !Path::new("/bin/busybox").exists() && !Path::new("/usr/bin/busybox").exists() {
        return Some("busybox is missing (install busybox-static)".into());
    }
    None
}

fn required() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
        || std::env::var("LXC_RS_REQUIRE_REAL").is_ok_and(|v| v == "1")
}

/// A temporary lxcpath. `None` when real containers cannot run here (and that is allowed).
pub struct Lxcpath {
    dir: tempfile::TempDir,
}

impl Lxcpath {
    /// A fresh lxcpath, or `None` (with a loud message) when the test must be skipped.
    ///
    /// # Panics
    ///
    /// Under CI, when a prerequisite is missing.
    pub fn new(test: &str) -> Option<Lxcpath> {
        if let Some(why) = missing_prerequisite() {
            assert!(
                !required(),
                "real-container test {test} cannot run: {why} (CI requires it)"
            );
            eprintln!("\n*** SKIPPED real-container test {test}: {why} ***\n");
            return None;
        }
        binary_watchdog();
        let dir = tempfile::Builder::new()
            .prefix("lxc-rs-test-")
            .tempdir()
            .expect("temporary lxcpath");
        let thread = std::thread::current();
        in_flight().insert(
            dir.path().to_owned(),
            (
                format!("{test} (thread {})", thread.name().unwrap_or("?")),
                std::time::Instant::now(),
            ),
        );
        Some(Lxcpath { dir })
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A handle on `name` in this lxcpath (not created).
    pub fn container(&self, name: &str) -> Container {
        Container::new_in(name, self.path()).expect("open container")
    }

    /// A created busybox container with an empty network, saved.
    pub fn busybox(&self, name: &str) -> Container {
        let c = self.container(name);
        c.create_with(
            Some("busybox"),
            None,
            None,
            CreateFlags::QUIET,
            &[] as &[&str],
        )
        .expect("create busybox container");
        c.clear_config_item("lxc.net").expect("clear lxc.net");
        c.set_config_item("lxc.net.0.type", "empty")
            .expect("set lxc.net.0.type");
        c.save_config(None).expect("save config");
        c
    }

    /// A busybox container, started and running.
    pub fn running(&self, name: &str) -> Container {
        let c = self.busybox(name);
        c.start().expect("start");
        c.wait(State::Running, Duration::from_secs(10))
            .expect("wait for RUNNING");
        c
    }

    /// Every path under the lxcpath with its size and kind, to prove an operation changed nothing.
    pub fn tree(&self) -> Tree {
        let mut out = BTreeMap::new();
        walk(self.path(), &mut out);
        out
    }
}

impl Drop for Lxcpath {
    fn drop(&mut self) {
        in_flight().remove(self.path());
        let Ok(entries) = std::fs::read_dir(self.path()) else {
            return;
        };
        for e in entries.flatten() {
            let name = e.file_name();
            let Some(name) = name.to_str() else { continue };
            let Ok(c) = Container::new_in(name, self.path()) else {
                continue;
            };
            if c.is_running() {
                let _ = c.stop();
                let _ = c.wait(State::Stopped, Duration::from_secs(10));
            }
            if c.is_defined() {
                let _ = c.destroy_with_snapshots();
            }
        }
        // TempDir removes whatever is left.
    }
}

/// Every path under an lxcpath with (is a directory, size of a file).
pub type Tree = BTreeMap<PathBuf, (bool, u64)>;

/// Adds every path under `dir` to `out` (symbolic links are not followed).
pub fn walk(dir: &Path, out: &mut Tree) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let Ok(md) = std::fs::symlink_metadata(&p) else {
            continue;
        };
        out.insert(
            p.clone(),
            (md.is_dir(), if md.is_file() { md.len() } else { 0 }),
        );
        if md.is_dir() && !md.file_type().is_symlink() {
            walk(&p, out);
        }
    }
}

/// How `after` differs from `before`: the paths removed, added, and changed.
pub struct TreeChanges<'a> {
    pub gone: Vec<&'a PathBuf>,
    pub new: Vec<&'a PathBuf>,
    pub changed: Vec<&'a PathBuf>,
}

impl<'a> TreeChanges<'a> {
    pub fn of(before: &'a Tree, after: &'a Tree) -> TreeChanges<'a> {
        TreeChanges {
            gone: before.keys().filter(|k| !after.contains_key(*k)).collect(),
            new: after.keys().filter(|k| !before.contains_key(*k)).collect(),
            changed: before
                .iter()
                .filter(|(k, v)| after.get(*k).is_some_and(|a| a != *v))
                .map(|(k, _)| k)
                .collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.gone.is_empty() && self.new.is_empty() && self.changed.is_empty()
    }
}

/// The tree without what a running busybox writes into its own rootfs (logs, pid files).
pub fn stable(tree: Tree) -> Tree {
    tree.into_iter()
        .filter(|(p, _)| {
            let s = p.to_string_lossy();
            ![
                "/rootfs/var/",
                "/rootfs/tmp/",
                "/rootfs/dev/",
                "/rootfs/run/",
            ]
            .iter()
            .any(|d| s.contains(d))
        })
        .collect()
}

/// Asserts two trees are equal, printing only the differences.
#[track_caller]
pub fn assert_same_tree(before: &Tree, after: &Tree) {
    let d = TreeChanges::of(before, after);
    assert!(
        d.is_empty(),
        "files changed: removed {:?}, added {:?}, changed {:?}",
        d.gone,
        d.new,
        d.changed
    );
}

/// Skips the rest of the test (returning) when real containers cannot run here.
#[macro_export]
macro_rules! lxcpath {
    () => {
        match common::Lxcpath::new(concat!(module_path!(), ":", line!())) {
            Some(l) => l,
            None => return,
        }
    };
}

/// A watchdog for one test: the process aborts, loudly, when the value is still alive after
/// `limit`, so a hang fails the test binary instead of stalling CI.
#[must_use]
pub fn watchdog(limit: Duration) -> Watchdog {
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let seen = done.clone();
    let name = std::thread::current().name().unwrap_or("?").to_owned();
    std::thread::spawn(move || {
        let start = std::time::Instant::now();
        while start.elapsed() < limit {
            if seen.load(std::sync::atomic::Ordering::Relaxed) {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        if !seen.load(std::sync::atomic::Ordering::Relaxed) {
            loud(&format!(
                "WATCHDOG: test {name} did not finish within {} s; aborting. {}",
                limit.as_secs(),
                running_report()
            ));
            std::process::abort();
        }
    });
    Watchdog(done)
}

/// See [`watchdog`].
pub struct Watchdog(std::sync::Arc<std::sync::atomic::AtomicBool>);

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.0.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

type InFlight = BTreeMap<PathBuf, (String, std::time::Instant)>;

/// The tests with an lxcpath alive: lxcpath → (test, since).
static IN_FLIGHT: std::sync::Mutex<InFlight> = std::sync::Mutex::new(BTreeMap::new());

fn in_flight() -> std::sync::MutexGuard<'static, InFlight> {
    IN_FLIGHT
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// What a watchdog prints before it aborts: the tests still running, how long, the containers in
/// their lxcpaths, and this process's children with their states. Reads only /proc and
/// directories: liblxc may be what hangs.
pub fn running_report() -> String {
    let mut out = String::from("still running:");
    // try_lock: a hung thread may hold the lock.
    let tests = match IN_FLIGHT.try_lock() {
        Ok(g) => g.clone(),
        Err(std::sync::TryLockError::Poisoned(p)) => p.into_inner().clone(),
        Err(std::sync::TryLockError::WouldBlock) => {
            out.push_str(" (the list of tests is locked)");
            InFlight::new()
        }
    };
    for (dir, (test, since)) in tests {
        let containers: Vec<String> = std::fs::read_dir(&dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        out.push_str(&format!(
            "\n  test {test}, for {} s, lxcpath {} with {containers:?}",
            since.elapsed().as_secs(),
            dir.display()
        ));
    }
    let me = std::process::id().to_string();
    for p in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(stat) = std::fs::read_to_string(p.path().join("stat")) else {
            continue;
        };
        let Some((head, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let mut f = rest.split_whitespace();
        let (state, ppid) = (f.next().unwrap_or("?"), f.next().unwrap_or("?"));
        if ppid == me {
            let cmd = std::fs::read(p.path().join("cmdline")).unwrap_or_default();
            let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
            out.push_str(&format!(
                "\n  child {} {state} {head}) {cmd}",
                p.file_name().to_string_lossy()
            ));
        }
    }
    out
}

/// Every test binary that makes containers has a watchdog: it aborts, loudly, when the binary
/// still runs `LXC_RS_TEST_BINARY_LIMIT` seconds (default 1500) after its first container test
/// began, so a hang anywhere fails CI instead of stalling it.
fn binary_watchdog() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let limit = std::env::var("LXC_RS_TEST_BINARY_LIMIT")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1500);
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_secs(limit));
            loud(&format!(
                "WATCHDOG: this test binary still runs after {limit} s: a hang; aborting. {}",
                running_report()
            ));
            std::process::abort();
        });
    });
}

/// Writes to the real stderr, past the test harness's output capture (which would be lost if a
/// watchdog aborts the process).
pub fn loud(msg: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "{msg}");
}

/// Best-effort removal of every container in `path`, for when the work hung and the fixture cannot
/// be dropped (the hung thread still holds it).
pub fn force_cleanup(path: &Path) {
    let Ok(entries) = std::fs::read_dir(path) else {
        return;
    };
    for e in entries.flatten() {
        let Some(name) = e.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        let Ok(c) = Container::new_in(&name, path) else {
            continue;
        };
        let _ = c.unfreeze();
        let _ = c.stop();
        let _ = c.wait(State::Stopped, Duration::from_secs(10));
        let _ = c.destroy_with_snapshots();
    }
}

/// Runs `work` on its own thread and waits at most `limit` for it. A panic in `work` is the test's
/// panic. A timeout is a loud failure naming `what` and what `report` says is still under way: the
/// containers in `lxcpath` are cleaned up (under a second watchdog that aborts the process after
/// 60 s), then the test panics.
pub fn with_watchdog<T: Send + 'static>(
    what: &str,
    limit: Duration,
    lxcpath: &Path,
    report: fn() -> String,
    work: impl FnOnce() -> T + Send + 'static,
) -> T {
    use std::sync::mpsc::{self, RecvTimeoutError};
    let (tx, rx) = mpsc::channel::<()>();
    let worker = std::thread::Builder::new()
        .name(format!("{what}-work"))
        .spawn(move || {
            let r = work();
            drop(tx);
            r
        })
        .expect("spawn the work thread");
    match rx.recv_timeout(limit) {
        // Nothing is ever sent: the sender drops when `work` returns or unwinds.
        Ok(()) | Err(RecvTimeoutError::Disconnected) => match worker.join() {
            Ok(v) => v,
            Err(panic) => std::panic::resume_unwind(panic),
        },
        Err(RecvTimeoutError::Timeout) => {
            let msg = format!(
                "WATCHDOG: {what} did not finish within {} s: a deadlock or a hang in lxc-rs or \
                 liblxc. {}",
                limit.as_secs(),
                report()
            );
            loud(&msg);
            std::thread::spawn(|| {
                std::thread::sleep(Duration::from_secs(60));
                loud("WATCHDOG: the clean-up after the hang did not finish within 60 s; aborting");
                std::process::abort();
            });
            force_cleanup(lxcpath);
            // The fixture cannot remove it: the hung thread still holds it.
            let _ = std::fs::remove_dir_all(lxcpath);
            panic!("{msg}");
        }
    }
}

/// Polls `f` every 20 ms until it is true or `timeout` passed.
pub fn eventually(timeout: Duration, mut f: impl FnMut() -> bool) -> bool {
    let end = std::time::Instant::now() + timeout;
    loop {
        if f() {
            return true;
        }
        if std::time::Instant::now() > end {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The container's processes (init and its descendants) with their states (`R`, `S`, `D`, …).
pub fn container_processes(init: i32) -> Vec<(i32, char)> {
    let mut out = Vec::new();
    let mut todo = vec![init];
    while let Some(pid) = todo.pop() {
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let state = stat
            .rsplit_once(')')
            .and_then(|(_, r)| r.trim_start().chars().next())
            .unwrap_or('?');
        out.push((pid, state));
        if let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) {
            for t in tasks.flatten() {
                let children =
                    std::fs::read_to_string(t.path().join("children")).unwrap_or_default();
                todo.extend(
                    children
                        .split_whitespace()
                        .filter_map(|c| c.parse::<i32>().ok()),
                );
            }
        }
    }
    out.sort_unstable();
    out
}

/// Waits (at most `timeout`) until the container's init has settled after a start: the same
/// processes for 100 ms, none in `D` state (a `vfork` parent waiting for its child; freezing then
/// can hang liblxc's own `freeze`). Gives up quietly when the container stops meanwhile (another
/// thread may stop it).
pub fn wait_booted(c: &Container, timeout: Duration) {
    let t0 = std::time::Instant::now();
    let mut last: Option<(Vec<i32>, std::time::Instant)> = None;
    while t0.elapsed() < timeout {
        let Ok(init) = c.init_pid().map(|p| p as i32) else {
            return;
        };
        let procs = container_processes(init);
        if procs.is_empty() {
            return;
        }
        let pids: Vec<i32> = procs.iter().map(|p| p.0).collect();
        let busy = procs.iter().any(|p| p.1 == 'D');
        match &last {
            Some((prev, since)) if *prev == pids && !busy => {
                if since.elapsed() >= Duration::from_millis(100) {
                    return;
                }
            }
            _ => last = Some((pids, std::time::Instant::now())),
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Whether the busybox init of `pid` handles the halt and reboot signals yet (it blocks them and
/// waits with `sigtimedwait`). A signal sent before that is dropped: a namespace's init ignores
/// signals it neither handles nor blocks.
pub fn init_handles_signals(pid: i32) -> bool {
    let wchan = std::fs::read_to_string(format!("/proc/{pid}/wchan")).unwrap_or_default();
    if wchan.contains("sigtimedwait") {
        return true;
    }
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let mask = |field: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(field))
            .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
            .unwrap_or(0)
    };
    let handled = mask("SigBlk:") | mask("SigCgt:");
    let bit = |sig: i32| 1u64 << (sig - 1);
    handled & bit(libc::SIGUSR1) != 0 && handled & bit(libc::SIGTERM) != 0
}

/// Whether this process runs in a chroot: `scripts/distro-test` says so (`LXC_RS_CHROOT`), or its
/// `/` is not the root of pid 1 (where that can be read). CRIU cannot dump a container started
/// there: it finds no master for the container's console pty, whose devpts is the host's.
pub fn in_chroot() -> bool {
    use std::os::unix::fs::MetadataExt;
    if std::env::var_os("LXC_RS_CHROOT").is_some() {
        return true;
    }
    match (std::fs::metadata("/"), std::fs::metadata("/proc/1/root/")) {
        (Ok(a), Ok(b)) => (a.dev(), a.ino()) != (b.dev(), b.ino()),
        _ => false,
    }
}

/// What `init_handles_signals` looked at, for a failure message: the process's command line,
/// wait channel and signal masks.
pub fn init_signal_report(pid: i32) -> String {
    let read = |f: &str| std::fs::read_to_string(format!("/proc/{pid}/{f}")).unwrap_or_default();
    let masks: Vec<String> = read("status")
        .lines()
        .filter(|l| l.starts_with("Sig") || l.starts_with("State"))
        .map(str::to_owned)
        .collect();
    format!(
        "pid {pid}: cmdline {:?}, wchan {:?}, {}",
        read("cmdline").replace('\0', " "),
        read("wchan"),
        masks.join(", ")
    )
}

/// Makes `dir` a shared mount point (a small tmpfs), as `shmounts` needs on a host whose `/` is
/// not shared (systemd makes it shared; this machine's is private). The caller unmounts it.
///
/// # Errors
///
/// What failed, in words; nothing is left mounted then.
pub fn shared_tmpfs(dir: &Path) -> Result<(), String> {
    use std::ffi::CString;
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let p = CString::new(dir.as_os_str().as_encoded_bytes()).map_err(|e| e.to_string())?;
    // SAFETY: valid C strings; the result is checked.
    let r = unsafe {
        libc::mount(
            c"tmpfs".as_ptr(),
            p.as_ptr(),
            c"tmpfs".as_ptr(),
            0,
            c"size=1m,mode=0711".as_ptr().cast(),
        )
    };
    if r != 0 {
        return Err(format!("mount tmpfs: {}", std::io::Error::last_os_error()));
    }
    // SAFETY: as above.
    let r = unsafe {
        libc::mount(
            std::ptr::null(),
            p.as_ptr(),
            std::ptr::null(),
            libc::MS_SHARED,
            std::ptr::null(),
        )
    };
    if r != 0 {
        let e = std::io::Error::last_os_error();
        // SAFETY: the mount made just above.
        unsafe { libc::umount2(p.as_ptr(), libc::MNT_DETACH) };
        return Err(format!("make shared: {e}"));
    }
    Ok(())
}

/// The directory holding the `lxc/` headers lxc-rs was built against: `LXC_RS_INCLUDE_DIR` when set
/// (as `scripts/version-skew` does, to build against another liblxc's headers), else pkg-config's.
pub fn lxc_include_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("LXC_RS_INCLUDE_DIR") {
        return PathBuf::from(dir);
    }
    let out = std::process::Command::new("pkg-config")
        .args(["--variable=includedir", "lxc"])
        .output()
        .expect("run pkg-config");
    let dir = String::from_utf8(out.stdout).expect("utf-8 include dir");
    let dir = dir.trim();
    PathBuf::from(if dir.is_empty() { "/usr/include" } else { dir })
}

/// Says, loudly, that `test` skips (the rest of) its check because this host or kernel lacks
/// `facility` (not because of anything lxc-rs does). `scripts/test` lists these lines at the end;
/// unlike a missing real-container prerequisite, they do not fail CI.
pub fn host_lacks(test: &str, facility: &str) {
    eprintln!("\n*** SKIPPED {test}: this host lacks {facility} ***\n");
}

/// The cgroups, in every hierarchy (the v2 root, and each directory under /sys/fs/cgroup for v1),
/// whose directory name `wanted` accepts: liblxc's `lxc.monitor.<name>` and `lxc.payload.<name>`.
#[allow(dead_code)] // not every test binary uses every helper
pub fn lxc_cgroups(wanted: impl Fn(&str) -> bool) -> Vec<PathBuf> {
    let mut roots = vec![PathBuf::from("/sys/fs/cgroup")];
    if let Ok(dirs) = std::fs::read_dir("/sys/fs/cgroup") {
        roots.extend(dirs.flatten().map(|d| d.path()).filter(|p| p.is_dir()));
    }
    roots
        .iter()
        .filter_map(|root| std::fs::read_dir(root).ok())
        .flat_map(|dirs| dirs.flatten())
        .filter(|d| d.file_name().to_str().is_some_and(&wanted))
        .map(|d| d.path())
        .collect()
}
