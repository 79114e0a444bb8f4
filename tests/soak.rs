//! Soak (issue 11): mixed lifecycle, configuration, program runs (every run mode, held and dropped
//! children), snapshot, clone, rename and error operations on real containers from 8 threads, for
//! a configurable time. At the start and at every interval the workers park between operations
//! (each operation removes what it made) and the process is measured: operations done, open
//! descriptors, RSS, threads, zombies, mounts under the lxcpath and files in it. The soak fails when any of
//! them grows, or when an operation fails in a way it should not.
//!
//! `LXC_RS_SOAK_SECS` (default 60, as CI runs it) and `LXC_RS_SOAK_INTERVAL` (default a third of
//! that, at most 60) set the duration; `scripts/soak` runs it for 30 minutes.
//! `LXC_RS_SOAK_ONLY=<part of an operation's name>` runs only the operations it names, to find
//! which one leaks.
//!
//! Own `main` (`harness = false`): the measurements are of this process, so no other test may run
//! in it.
mod common;

use std::collections::BTreeMap;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use liblxc::{BackingStore, CloneFlags, CloneOptions, Container, ErrorKind, State};

const THREADS: usize = 8;

/// One operation: `Err` says what went wrong.
type Op = fn(&Worker) -> Result<(), String>;

/// What the operations are; a worker takes them in turn, each worker from a different start.
const OPS: [(&str, Op); 6] = [
    ("lifecycle+exec", Worker::lifecycle),
    ("config", Worker::config),
    ("snapshot", Worker::snapshot),
    ("overlay clone", Worker::overlay_clone),
    ("rename", Worker::rename),
    ("errors", Worker::errors),
];

fn env_secs(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

/// One measurement of the process and the lxcpath.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Sample {
    fds: usize,
    rss_kib: u64,
    threads: u64,
    zombies: usize,
    mounts: usize,
    files: usize,
    /// `lxc.monitor.*` and `lxc.payload.*` cgroups of the soak's containers, in every hierarchy.
    cgroups: usize,
}

impl Sample {
    fn take(lxcpath: &Path) -> Sample {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.split_whitespace().next()?.parse().ok())
                .unwrap_or(0)
        };
        let mut tree = BTreeMap::new();
        common::walk(lxcpath, &mut tree);
        Sample {
            fds: std::fs::read_dir("/proc/self/fd").map_or(0, Iterator::count),
            rss_kib: field("VmRSS:"),
            threads: field("Threads:"),
            zombies: zombies(),
            // Only mounts under the lxcpath: other processes change the rest of the table.
            mounts: std::fs::read_to_string("/proc/self/mountinfo").map_or(0, |m| {
                let dir = lxcpath.to_string_lossy();
                m.lines().filter(|l| l.contains(dir.as_ref())).count()
            }),
            files: tree.len(),
            cgroups: soak_cgroups(),
        }
    }

    fn line(&self, t: Duration, ops: u64) -> String {
        format!(
            "soak t={:>5}s ops={ops:>6} fds={} rss={:.1}MiB threads={} zombies={} mounts={} \
             files={} cgroups={}",
            t.as_secs(),
            self.fds,
            self.rss_kib as f64 / 1024.0,
            self.threads,
            self.zombies,
            self.mounts,
            self.files,
            self.cgroups
        )
    }
}

/// The cgroups liblxc makes for the soak's containers (`w<thread>-<what>`), in every hierarchy:
/// a monitor that cannot remove its cgroup leaves one per start.
fn soak_cgroups() -> usize {
    common::lxc_cgroups(|n| {
        ["lxc.monitor.w", "lxc.payload.w"]
            .iter()
            .filter_map(|p| n.strip_prefix(p))
            .any(|rest| {
                rest.split_once('-')
                    .is_some_and(|(id, _)| id.parse::<u32>().is_ok())
            })
    })
    .len()
}

/// What each open descriptor refers to, counted.
fn fd_targets() -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for fd in std::fs::read_dir("/proc/self/fd")
        .into_iter()
        .flatten()
        .flatten()
    {
        let target = std::fs::read_link(fd.path())
            .map_or_else(|e| format!("? ({e})"), |t| t.to_string_lossy().into_owned());
        *out.entry(target).or_insert(0) += 1;
    }
    out
}

/// This process's children that are zombies.
fn zombies() -> usize {
    let me = std::process::id().to_string();
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return 0;
    };
    procs
        .flatten()
        .filter_map(|p| std::fs::read_to_string(p.path().join("stat")).ok())
        .filter(|stat| {
            // pid (comm) state ppid …: comm may hold spaces and parentheses.
            let mut rest = stat.rsplit_once(')').map_or("", |r| r.1).split_whitespace();
            let state = rest.next();
            let ppid = rest.next();
            state == Some("Z") && ppid == Some(me.as_str())
        })
        .count()
}

/// Parks the workers between operations while the main thread measures.
#[derive(Default)]
struct Gate {
    state: Mutex<(bool, usize)>,
    changed: Condvar,
}

impl Gate {
    /// Called by a worker between operations: waits while the gate is closed.
    fn pass(&self) {
        let mut s = self.state.lock().expect("gate");
        if !s.0 {
            return;
        }
        s.1 += 1;
        self.changed.notify_all();
        while s.0 {
            s = self.changed.wait(s).expect("gate");
        }
        s.1 -= 1;
    }

    /// Closes the gate and waits until `n` workers are parked (or have finished).
    fn close(&self, n: usize, finished: &AtomicU64) {
        let mut s = self.state.lock().expect("gate");
        s.0 = true;
        while s.1 + (finished.load(Ordering::SeqCst) as usize) < n {
            s = self
                .changed
                .wait_timeout(s, Duration::from_millis(100))
                .expect("gate")
                .0;
        }
    }

    fn open(&self) {
        self.state.lock().expect("gate").0 = false;
        self.changed.notify_all();
    }
}

struct Worker {
    id: usize,
    lxcpath: std::path::PathBuf,
}

impl Worker {
    fn open(&self, name: &str) -> Result<Container, String> {
        Container::new_in(name, &self.lxcpath).map_err(|e| format!("open {name}: {e}"))
    }

    fn name(&self, what: &str) -> String {
        format!("w{}-{what}", self.id)
    }

    /// Creates, configures, starts, runs programs in every mode (one held and one dropped child
    /// among them), freezes, thaws, stops with the held child unwaited, destroys.
    fn lifecycle(&self) -> Result<(), String> {
        let name = self.name("life");
        let c = self.open(&name)?;
        let r = (|| {
            c.create("busybox").map_err(|e| format!("create: {e}"))?;
            c.clear_config_item("lxc.net").map_err(|e| e.to_string())?;
            c.set_config_item("lxc.net.0.type", "empty")
                .map_err(|e| e.to_string())?;
            c.save_config(None).map_err(|e| format!("save: {e}"))?;
            c.start().map_err(|e| format!("start: {e}"))?;
            c.wait(State::Running, Duration::from_secs(60))
                .map_err(|e| format!("wait: {e}"))?;
            let bad = |what: &str, s: std::process::ExitStatus| {
                if s.success() {
                    Ok(())
                } else {
                    Err(format!("{what}: {s:?}"))
                }
            };
            bad(
                "status",
                c.command("true").status().map_err(|e| e.to_string())?,
            )?;
            let out = c
                .command("echo")
                .arg("soak")
                .output()
                .map_err(|e| format!("output: {e}"))?;
            if out.stdout != b"soak\n" {
                return Err(format!("output: {:?}", out.stdout));
            }
            let mut kid = c.command("true").spawn().map_err(|e| e.to_string())?;
            bad("spawn+wait", kid.wait().map_err(|e| e.to_string())?)?;
            bad(
                "run_wait",
                c.command("true").run_wait().map_err(|e| e.to_string())?,
            )?;
            // SAFETY: the closure only returns a number.
            let s = unsafe { c.attach_fn(|| 0) }
                .status()
                .map_err(|e| e.to_string())?;
            bad("closure", s)?;
            drop(
                c.command("sleep")
                    .arg("1000")
                    .spawn()
                    .map_err(|e| format!("dropped child: {e}"))?,
            );
            let mut held = c
                .command("sleep")
                .arg("1000")
                .spawn()
                .map_err(|e| format!("held child: {e}"))?;
            common::wait_booted(&c, Duration::from_secs(30));
            c.freeze().map_err(|e| format!("freeze: {e}"))?;
            c.unfreeze().map_err(|e| format!("unfreeze: {e}"))?;
            c.stop()
                .map_err(|e| format!("stop with a held child: {e}"))?;
            let s = held.wait().map_err(|e| format!("held wait: {e}"))?;
            if s.signal() != Some(libc::SIGKILL) {
                return Err(format!("the held child ended with {s:?}, not SIGKILL"));
            }
            Ok(())
        })();
        cleanup(&c);
        r
    }

    /// Reads, writes, saves (in place and elsewhere) and reloads a configuration.
    fn config(&self) -> Result<(), String> {
        let c = self.open(&self.name("cfg"))?;
        let e = |e: liblxc::Error| e.to_string();
        let v = format!("soak-{}", self.id);
        c.set_config_item("lxc.uts.name", &v).map_err(e)?;
        c.save_config(None).map_err(e)?;
        let other = self.open(&self.name("cfg"))?;
        if other.config_item("lxc.uts.name").map_err(e)? != v {
            return Err("a saved item did not reach another handle".into());
        }
        let keys = c.keys(None).map_err(e)?;
        if keys.iter().count() < 10 {
            return Err("too few keys".into());
        }
        let alt = tempfile::NamedTempFile::new().map_err(|e| e.to_string())?;
        c.save_config(Some(alt.path())).map_err(e)?;
        c.load_config(Some(alt.path())).map_err(e)?;
        c.clear_config_item("lxc.uts.name").map_err(e)?;
        c.load_config(None).map_err(e)?;
        if c.config_item("lxc.uts.name").map_err(e)? != v {
            return Err("reloading lost an item".into());
        }
        match c.running_config_item("lxc.uts.name") {
            Err(err) if err.kind() == ErrorKind::NotRunning => Ok(()),
            r => Err(format!("running_config_item on a stopped container: {r:?}")),
        }
    }

    /// Copies the base, snapshots the copy with a comment, restores the snapshot as a new
    /// container, destroys all.
    fn snapshot(&self) -> Result<(), String> {
        let base = self.open("base")?;
        let name = self.name("snap");
        let rest = self.name("rest");
        let copy = base.clone_as(&name).map_err(|e| format!("clone: {e}"))?;
        let r = (|| {
            let comment = tempfile::NamedTempFile::new().map_err(|e| e.to_string())?;
            std::fs::write(comment.path(), "soak\n").map_err(|e| e.to_string())?;
            copy.snapshot(Some(comment.path()))
                .map_err(|e| format!("snapshot: {e}"))?;
            let snaps = copy.snapshots().map_err(|e| format!("snapshots: {e}"))?;
            let [snap] = &snaps[..] else {
                return Err(format!("{} snapshots, not 1", snaps.len()));
            };
            if snap.comment().map_err(|e| e.to_string())?.as_deref() != Some("soak\n") {
                return Err("the snapshot comment was lost".into());
            }
            copy.snapshot_restore(&snap.name, Some(&rest))
                .map_err(|e| format!("restore: {e}"))?;
            let restored = self.open(&rest)?;
            restored
                .destroy()
                .map_err(|e| format!("destroy restored: {e}"))?;
            copy.snapshot_destroy(&snap.name)
                .map_err(|e| format!("snapshot_destroy: {e}"))
        })();
        cleanup(&copy);
        cleanup(&self.open(&rest)?);
        r
    }

    /// An overlay snapshot clone of the base, started, a program run, stopped and destroyed.
    fn overlay_clone(&self) -> Result<(), String> {
        let base = self.open("base")?;
        let mut opts = CloneOptions::new(self.name("ov"));
        opts.flags = CloneFlags::SNAPSHOT;
        opts.backing_store = Some(BackingStore::Overlay);
        let copy = base
            .clone_with_options(&opts)
            .map_err(|e| format!("overlay clone: {e}"))?;
        let r = (|| {
            copy.start().map_err(|e| format!("start: {e}"))?;
            copy.wait(State::Running, Duration::from_secs(60))
                .map_err(|e| format!("wait: {e}"))?;
            let s = copy.command("true").status().map_err(|e| e.to_string())?;
            if !s.success() {
                return Err(format!("true: {s:?}"));
            }
            copy.stop().map_err(|e| format!("stop: {e}"))
        })();
        cleanup(&copy);
        r
    }

    /// A copy renamed, then destroyed under its new name.
    fn rename(&self) -> Result<(), String> {
        let base = self.open("base")?;
        let a = base
            .clone_as(&self.name("ra"))
            .map_err(|e| format!("clone: {e}"))?;
        let r = a
            .rename(&self.name("rb"))
            .map_err(|e| format!("rename: {e}"));
        cleanup(&a);
        cleanup(&self.open(&self.name("rb"))?);
        r
    }

    /// Calls that must fail, with the right kind, and leave nothing behind.
    fn errors(&self) -> Result<(), String> {
        let want = |what: &str, r: liblxc::Result<()>, kinds: &[ErrorKind]| match r {
            Err(e) if kinds.contains(&e.kind()) => Ok(()),
            r => Err(format!("{what}: {r:?}, expected one of {kinds:?}")),
        };
        let ghost = self.open(&self.name("ghost"))?;
        want("start undefined", ghost.start(), &[ErrorKind::NotFound])?;
        want(
            "unknown key",
            ghost.set_config_item("lxc.soak.bogus", "1"),
            &[ErrorKind::InvalidArgument],
        )?;
        want(
            "missing template",
            ghost.create("no-such-template"),
            &[ErrorKind::NotFound, ErrorKind::Failed],
        )?;
        if ghost.is_defined() || self.lxcpath.join(self.name("ghost")).exists() {
            return Err("a failed create left the container behind".into());
        }
        let base = self.open("base")?;
        want(
            "wait on a stopped container",
            base.wait(State::Running, Duration::from_secs(1)),
            &[ErrorKind::Timeout],
        )?;
        want(
            "run in a stopped container",
            base.command("true").status().map(drop),
            &[ErrorKind::NotRunning],
        )?;
        want(
            "clone onto an existing name",
            base.clone_as("base").map(drop),
            &[ErrorKind::AlreadyExists, ErrorKind::InvalidArgument],
        )?;
        Ok(())
    }
}

/// Stops and destroys `c` (and its snapshots) if it exists: each operation removes what it made.
fn cleanup(c: &Container) {
    if c.is_running() {
        let _ = c.stop();
    }
    if c.is_defined() {
        let _ = c.destroy_with_snapshots();
    }
}

fn main() {
    let secs = env_secs("LXC_RS_SOAK_SECS").unwrap_or(60);
    let interval = env_secs("LXC_RS_SOAK_INTERVAL").unwrap_or((secs / 3).clamp(1, 60));
    // A hang fails the soak: the limit leaves room for the last operations and the clean-up.
    let limit = secs + 900;
    let _watchdog = common::watchdog(Duration::from_secs(limit));
    // The binary's own watchdog (tests/common) must not end a long soak early; no other thread
    // runs yet.
    std::env::set_var("LXC_RS_TEST_BINARY_LIMIT", limit.to_string());
    let lx = lxcpath!();
    let base = lx.busybox("base");
    drop(base);
    for id in 0..THREADS {
        lx.busybox(&format!("w{id}-cfg"));
    }
    // One pass of every operation first, so that what liblxc and the allocator set up once
    // (logging, thread-locals, arenas) exists before the first measurement.
    let warm = Worker {
        id: THREADS,
        lxcpath: lx.path().to_owned(),
    };
    lx.busybox(&warm.name("cfg"));
    for (name, op) in OPS {
        if let Err(e) = op(&warm) {
            panic!("soak warm-up: {name}: {e}");
        }
    }
    cleanup(&warm.open(&warm.name("cfg")).expect("open"));

    let ops = Arc::new(AtomicU64::new(0));
    let finished = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let gate = Arc::new(Gate::default());
    let failures = Arc::new(Mutex::new(Vec::<String>::new()));
    let start = Sample::take(lx.path());
    let start_fds = fd_targets();
    let t0 = Instant::now();
    println!("{}", start.line(Duration::ZERO, 0));
    let workers: Vec<_> = (0..THREADS)
        .map(|id| {
            let w = Worker {
                id,
                lxcpath: lx.path().to_owned(),
            };
            let only = std::env::var("LXC_RS_SOAK_ONLY").ok();
            let (ops, finished, stop, gate, failures) = (
                ops.clone(),
                finished.clone(),
                stop.clone(),
                gate.clone(),
                failures.clone(),
            );
            std::thread::spawn(move || {
                let mut i = id;
                while !stop.load(Ordering::SeqCst) {
                    gate.pass();
                    let (name, op) = OPS[i % OPS.len()];
                    i += 1;
                    if only.as_ref().is_some_and(|o| !name.contains(o.as_str())) {
                        continue;
                    }
                    if let Err(e) = op(&w) {
                        failures
                            .lock()
                            .expect("failures")
                            .push(format!("thread {id}: {name}: {e}"));
                    }
                    ops.fetch_add(1, Ordering::SeqCst);
                }
                finished.fetch_add(1, Ordering::SeqCst);
                gate.changed.notify_all();
            })
        })
        .collect();

    let mut samples = Vec::new();
    let end = t0 + Duration::from_secs(secs);
    while Instant::now() < end {
        std::thread::sleep(Duration::from_secs(interval).min(end - Instant::now()));
        gate.close(THREADS, &finished);
        let s = Sample::take(lx.path());
        println!("{}", s.line(t0.elapsed(), ops.load(Ordering::SeqCst)));
        samples.push(s);
        gate.open();
    }
    stop.store(true, Ordering::SeqCst);
    for w in workers {
        w.join().expect("a soak worker panicked");
    }
    let last = Sample::take(lx.path());
    let done = ops.load(Ordering::SeqCst);
    println!("{}", last.line(t0.elapsed(), done));

    let failures = failures.lock().expect("failures");
    for f in failures.iter() {
        eprintln!("soak: FAILED operation: {f}");
    }
    let mut grew = Vec::new();
    for (what, a, b) in [
        ("fds", start.fds, last.fds),
        ("threads", start.threads as usize, last.threads as usize),
        ("zombies", start.zombies, last.zombies),
        ("mounts", start.mounts, last.mounts),
        ("files in the lxcpath", start.files, last.files),
        ("monitor and payload cgroups", start.cgroups, last.cgroups),
    ] {
        if b > a {
            grew.push(format!("{what}: {a} -> {b}"));
        }
    }
    // RSS: the allocator keeps per-thread arenas, so the baseline is the first sample taken with
    // every worker running; after that it must stay flat (10 % and 4 MiB of allocator noise).
    if let Some(first) = samples.first() {
        let limit = first.rss_kib + first.rss_kib / 10 + 4096;
        if let Some(max) = samples.iter().map(|s| s.rss_kib).max() {
            if max > limit {
                grew.push(format!("rss: {} KiB -> {max} KiB", first.rss_kib));
            }
        }
    }
    for g in &grew {
        eprintln!("soak: GREW {g}");
    }
    if last.fds > start.fds {
        for (target, n) in fd_targets() {
            let before = start_fds.get(&target).copied().unwrap_or(0);
            if n > before {
                eprintln!("soak: {} more descriptors on {target}", n - before);
            }
        }
    }
    println!(
        "soak: {done} operations in {} s on {THREADS} threads, {} failed, {} grew",
        t0.elapsed().as_secs(),
        failures.len(),
        grew.len()
    );
    assert!(
        failures.is_empty() && grew.is_empty(),
        "the soak failed (see above)"
    );
    assert!(
        done >= THREADS as u64,
        "the soak did too little: {done} operations"
    );
}
