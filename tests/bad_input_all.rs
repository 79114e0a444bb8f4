//! Bad input for every public function of lxc-rs that takes some, beyond tests/bad_input.rs.
//!
//! `every_bad_input_is_refused` runs one table per area. Each row is a label, a closure that makes
//! one call with one bad input (on a fresh handle, in its own thread, under a watchdog) and the
//! error it must give: the operation, the container, one of the fitting kinds, and a reason that
//! says something (not liblxc's bare "failed"). No row may panic, hang, succeed, or change a file
//! in the lxcpath or in the scratch directory the bad paths point into. A few rows are documented
//! successes (a predicate that answers `false`, a query of a stopped container that is empty); they
//! must not change anything either. The rows are counted, and a minimum is asserted, so coverage
//! cannot shrink silently.
//!
//! Calls that change process-wide state or may crash the process (liblxc's log set-up, console
//! sessions, calls that crash liblxc 5.0.2) run in child processes: this test binary running the
//! hidden test `probe_child`.
//!
//! What is wrong today is not in the tables: each bug has its own `#[ignore = "BUG: …"]` test below
//! that asserts the right behaviour.
//!
//! `BAD_INPUT_VERBOSE=1` prints every row's outcome; `BAD_INPUT_AREAS=exec,config` runs only those
//! areas.
mod common;

use common::{stable, Tree};

use std::ffi::OsStr;
use std::fmt::Debug;
use std::fs::File;
use std::io::Write;
use std::os::fd::{AsFd, FromRawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::time::Duration;

use lxc::log::{LogLevel, LogOptions};
use lxc::{
    BackingStore, BdevSpecs, CloneFlags, CloneOptions, Container, CreateFlags, CreateOptions,
    DownloadOptions, ErrorKind as K, MigrateCommand, MigrateFeatures, MigrateOptions, MountFlags,
    PageServer, State, Stdio, UnmountFlags,
};

use common::Lxcpath;

/// The fewest bad inputs the tables must try: raise it when rows are added.
const MIN_TRIED: usize = 515;
/// How long one row may take before it counts as a hang.
const ROW_TIMEOUT: Duration = Duration::from_secs(30);

const INVALID: &[K] = &[K::InvalidArgument];
const NOT_RUNNING: &[K] = &[K::NotRunning];
const RUNNING: &[K] = &[K::Running];
const NOT_FOUND: &[K] = &[K::NotFound];
const EXISTS: &[K] = &[K::AlreadyExists];
const FAILED: &[K] = &[K::Failed];
const UNSUPPORTED: &[K] = &[K::Unsupported];
const TIMEOUT: &[K] = &[K::Timeout];
const DENIED: &[K] = &[K::PermissionDenied];

// ---------------------------------------------------------------------------------------------
// Bad values

/// 64 KiB of `x`.
fn long() -> String {
    "x".repeat(64 * 1024)
}

/// An absolute path of 64 KiB.
fn long_path() -> PathBuf {
    PathBuf::from(format!("/{}", "x".repeat(64 * 1024)))
}

/// `\xff\xfe`: not UTF-8.
fn non_utf8() -> &'static OsStr {
    OsStr::from_bytes(b"\xff\xfe")
}

const NUL: &str = "a\0b";

// ---------------------------------------------------------------------------------------------
// The table

type Outcome = Result<String, lxc::Error>;
type Job = Box<dyn FnOnce() -> Outcome + Send>;

enum Want {
    /// An error of operation `op`, naming `container` (when given), of one of `kinds`.
    Err {
        op: &'static str,
        container: Option<String>,
        kinds: &'static [K],
    },
    /// Documented success: `check` holds of the value's `Debug` text.
    Ok {
        what: &'static str,
        check: fn(&str) -> bool,
    },
}

struct Row {
    label: String,
    want: Want,
    job: Job,
    timeout: Duration,
}

struct Table {
    area: &'static str,
    lxcpath: PathBuf,
    /// Directories outside the lxcpath whose files must not change either.
    watch: Vec<PathBuf>,
    /// A container runs: what busybox writes into its rootfs is not compared.
    running: bool,
    rows: Vec<Row>,
}

fn empty_list(s: &str) -> bool {
    s == "[]"
}

fn is_false(s: &str) -> bool {
    s == "false"
}

/// A wait status other than a clean exit.
fn failed_status(s: &str) -> bool {
    s.starts_with("ExitStatus(") && s != "ExitStatus(unix_wait_status(0))"
}

impl Table {
    fn new(area: &'static str, lx: &Lxcpath, scratch: &Path, running: bool) -> Table {
        Table {
            area,
            lxcpath: lx.path().to_owned(),
            watch: vec![scratch.to_owned()],
            running,
            rows: Vec::new(),
        }
    }

    fn push(&mut self, label: String, want: Want, job: Job) {
        self.rows.push(Row {
            label,
            want,
            job,
            timeout: ROW_TIMEOUT,
        });
    }

    /// Gives the last row more time.
    fn slow(&mut self, secs: u64) {
        if let Some(r) = self.rows.last_mut() {
            r.timeout = Duration::from_secs(secs);
        }
    }

    fn job<T: Debug>(
        &self,
        name: &str,
        f: impl FnOnce(&Container) -> lxc::Result<T> + Send + 'static,
    ) -> Job {
        let (name, path) = (name.to_owned(), self.lxcpath.clone());
        Box::new(move || {
            let c = Container::new_in(&name, &path)?;
            f(&c).map(|v| format!("{v:?}"))
        })
    }

    /// `f`, on a fresh handle on container `name`, must fail in `op` with one of `kinds`.
    fn on<T: Debug>(
        &mut self,
        name: &str,
        label: impl AsRef<str>,
        op: &'static str,
        kinds: &'static [K],
        f: impl FnOnce(&Container) -> lxc::Result<T> + Send + 'static,
    ) {
        let job = self.job(name, f);
        let want = Want::Err {
            op,
            container: Some(name.to_owned()),
            kinds,
        };
        self.push(format!("{name}: {}", label.as_ref()), want, job);
    }

    /// `f`, on a fresh handle on container `name`, must succeed as documented.
    fn on_ok<T: Debug>(
        &mut self,
        name: &str,
        label: impl AsRef<str>,
        what: &'static str,
        check: fn(&str) -> bool,
        f: impl FnOnce(&Container) -> lxc::Result<T> + Send + 'static,
    ) {
        let job = self.job(name, f);
        self.push(
            format!("{name}: {}", label.as_ref()),
            Want::Ok { what, check },
            job,
        );
    }

    /// `f`, which uses no container of this table, must fail in `op` with one of `kinds`, naming
    /// `container` when given.
    fn free<T: Debug>(
        &mut self,
        label: impl AsRef<str>,
        op: &'static str,
        container: Option<&str>,
        kinds: &'static [K],
        f: impl FnOnce() -> lxc::Result<T> + Send + 'static,
    ) {
        let want = Want::Err {
            op,
            container: container.map(str::to_owned),
            kinds,
        };
        let job: Job = Box::new(move || f().map(|v| format!("{v:?}")));
        self.push(label.as_ref().to_owned(), want, job);
    }

    /// `f`, which uses no container of this table, must succeed as documented.
    fn free_ok<T: Debug>(
        &mut self,
        label: impl AsRef<str>,
        what: &'static str,
        check: fn(&str) -> bool,
        f: impl FnOnce() -> lxc::Result<T> + Send + 'static,
    ) {
        let job: Job = Box::new(move || f().map(|v| format!("{v:?}")));
        self.push(label.as_ref().to_owned(), Want::Ok { what, check }, job);
    }
}

/// What one area tried, and what went wrong.
struct Report {
    area: &'static str,
    tried: usize,
    failures: Vec<String>,
}

/// At most 300 characters of `s`.
fn short(s: &str) -> String {
    let mut out: String = s.chars().take(300).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

/// Why `r` is not what `want` says, if it is not.
fn judge(want: &Want, r: &Outcome) -> Option<String> {
    match (want, r) {
        (Want::Err { op, kinds, .. }, Ok(v)) => Some(format!(
            "succeeded with {}; expected a {kinds:?} error of {op}",
            short(v)
        )),
        (
            Want::Err {
                op,
                container,
                kinds,
            },
            Err(e),
        ) => {
            let msg = e.to_string();
            let mut bad = Vec::new();
            if !kinds.contains(&e.kind()) {
                bad.push(format!("kind {:?}, expected one of {kinds:?}", e.kind()));
            }
            if e.operation() != *op || !msg.starts_with(op) {
                bad.push(format!("operation {:?}, expected {op}", e.operation()));
            }
            if e.reason().trim().is_empty() {
                bad.push("empty reason".to_owned());
            } else if vague(e.reason()) {
                bad.push("the reason says nothing".to_owned());
            }
            if let Some(name) = container {
                if e.container() != Some(name.as_str()) || !msg.contains(&format!("{name:?}")) {
                    bad.push(format!(
                        "does not name container {:?} (container() = {:?})",
                        short(name),
                        e.container().map(short)
                    ));
                }
            }
            (!bad.is_empty()).then(|| format!("{}: {}", bad.join("; "), short(&msg)))
        }
        (Want::Ok { what, check }, Ok(v)) => {
            (!check(v)).then(|| format!("returned {}; expected {what}", short(v)))
        }
        (Want::Ok { what, .. }, Err(e)) => Some(format!(
            "failed: {}; expected {what}",
            short(&e.to_string())
        )),
    }
}

/// A reason that only says liblxc failed: the member's generic failure convention, nothing about
/// this call.
fn vague(reason: &str) -> bool {
    reason.starts_with("failed, and liblxc logged no reason")
        && [
            "on failure)",
            "or a negative errno)",
            "(-EINVAL))",
            "a negative value on failure)",
        ]
        .iter()
        .any(|g| reason.contains(g))
}

fn walk(dir: &Path, out: &mut Tree) {
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

/// How `after` differs from `before`, if it does.
fn tree_diff(before: &Tree, after: &Tree) -> Option<String> {
    let gone: Vec<_> = before.keys().filter(|k| !after.contains_key(*k)).collect();
    let new: Vec<_> = after.keys().filter(|k| !before.contains_key(*k)).collect();
    let changed: Vec<_> = before
        .iter()
        .filter(|(k, v)| after.get(*k).is_some_and(|a| a != *v))
        .map(|(k, _)| k)
        .collect();
    if gone.is_empty() && new.is_empty() && changed.is_empty() {
        return None;
    }
    let show = |v: &[&PathBuf]| -> String {
        let mut s: Vec<String> = v
            .iter()
            .take(5)
            .map(|p| short(&p.to_string_lossy()))
            .collect();
        if v.len() > 5 {
            s.push(format!("… {} in all", v.len()));
        }
        format!("{s:?}")
    };
    Some(format!(
        "files changed: removed {}, added {}, changed {}",
        show(&gone),
        show(&new),
        show(&changed)
    ))
}

fn verbose() -> bool {
    std::env::var_os("BAD_INPUT_VERBOSE").is_some_and(|v| v == "1")
}

/// Runs every row of `table`, one at a time, each in its own thread under a watchdog.
fn run(table: Table, lx: &Lxcpath) -> Report {
    let snapshot = || {
        let mut t = lx.tree();
        for w in &table.watch {
            walk(w, &mut t);
        }
        if table.running {
            stable(t)
        } else {
            t
        }
    };
    let mut report = Report {
        area: table.area,
        tried: 0,
        failures: Vec::new(),
    };
    for row in table.rows {
        report.tried += 1;
        let before = snapshot();
        let (tx, rx) = mpsc::channel();
        let job = row.job;
        let worker = std::thread::spawn(move || {
            let _ = tx.send(job());
        });
        let label = format!("[{}] {}", table.area, short(&row.label));
        match rx.recv_timeout(row.timeout) {
            Ok(r) => {
                let _ = worker.join();
                if verbose() {
                    let shown = match &r {
                        Ok(v) => format!("Ok({})", short(v)),
                        Err(e) => format!("Err({:?}: {})", e.kind(), short(&e.to_string())),
                    };
                    eprintln!("{label} -> {shown}");
                }
                if let Some(why) = judge(&row.want, &r) {
                    if verbose() {
                        eprintln!("FAIL {label}: {why}");
                    }
                    report.failures.push(format!("{label}: {why}"));
                }
            }
            Err(RecvTimeoutError::Timeout) => {
                report.failures.push(format!(
                    "{label}: HUNG (no answer within {:?}); the rest of the area is skipped",
                    row.timeout
                ));
                // The thread still uses the area's containers: stop here.
                return report;
            }
            Err(RecvTimeoutError::Disconnected) => {
                let _ = worker.join();
                report.failures.push(format!("{label}: PANICKED"));
            }
        }
        if let Some(diff) = tree_diff(&before, &snapshot()) {
            if verbose() {
                eprintln!("FAIL {label}: {diff}");
            }
            report.failures.push(format!("{label}: {diff}"));
        }
    }
    report
}

// ---------------------------------------------------------------------------------------------
// Areas

/// Opening handles, renaming, starting, waiting, and the calls that need a loaded configuration.
fn lifecycle(lx: &Lxcpath, scratch: &Path) -> Table {
    let (cold, hot, ghost) = ("lc-cold", "lc-hot", "lc-ghost");
    lx.busybox(cold);
    lx.running(hot);
    let mut t = Table::new("lifecycle", lx, scratch, true);
    let path = lx.path().to_owned();

    // Names of Container::new / new_in that tests/bad_input.rs does not try.
    for (label, name) in [
        ("64 KiB name", long()),
        ("name `../..`", "../..".to_owned()),
        ("name `./x`", "./x".to_owned()),
        ("name `x/`", "x/".to_owned()),
        ("name `--help`", "--help".to_owned()),
        ("name `/`", "/".to_owned()),
    ] {
        let (p, n) = (path.clone(), name.clone());
        t.free(
            format!("Container::new_in with {label}"),
            "lxc_container_new",
            Some(&name),
            INVALID,
            move || Container::new_in(&n, &p),
        );
    }
    let n = long();
    t.free(
        "Container::new with a 64 KiB name",
        "lxc_container_new",
        Some(&n.clone()),
        INVALID,
        move || Container::new(&n),
    );
    t.free(
        "Container::with_lxcpath with a name `..`",
        "lxc_container_new",
        Some(".."),
        INVALID,
        || Container::with_lxcpath("..", None),
    );
    t.free(
        "Container::from_raw(null)",
        "from_raw",
        None,
        FAILED,
        // SAFETY: null is allowed by from_raw's contract.
        || unsafe { Container::from_raw(std::ptr::null_mut()) },
    );

    // rename: the new-name rule beyond tests/bad_input.rs.
    for (label, name) in [
        ("a/b", "a/b".to_owned()),
        (".", ".".to_owned()),
        ("/abs", "/abs".to_owned()),
        ("256 bytes", "n".repeat(256)),
        ("64 KiB", long()),
        ("`..` in the middle", "a/../b".to_owned()),
        ("--force", "--force".to_owned()),
    ] {
        t.on(
            cold,
            format!("rename to {label}"),
            "rename",
            INVALID,
            move |c| c.rename(&name),
        );
    }
    t.on(
        hot,
        "rename a running container to a/b",
        "rename",
        INVALID,
        |c| c.rename("a/b"),
    );

    // wait and set_timeout.
    for (name, state, d) in [
        (hot, State::Invalid, Duration::from_secs(1)),
        (ghost, State::Invalid, Duration::from_secs(1)),
        (ghost, State::Running, Duration::ZERO),
        (hot, State::Running, Duration::from_secs(u64::MAX)),
        (ghost, State::Stopped, Duration::MAX),
    ] {
        t.on(
            name,
            format!("wait for {state:?} for {d:?}"),
            "wait",
            INVALID,
            move |c| c.wait(state, d),
        );
    }
    t.on(cold, "wait with a zero timeout", "wait", INVALID, |c| {
        c.wait(State::Running, Duration::ZERO)
    });
    t.on(
        hot,
        "wait for STOPPED with a zero timeout",
        "wait",
        INVALID,
        |c| c.wait(State::Stopped, Duration::ZERO),
    );
    t.on(
        cold,
        "wait 1 ns for RUNNING (rounds up to 1 s)",
        "wait",
        TIMEOUT,
        |c| c.wait(State::Running, Duration::from_nanos(1)),
    );
    t.on(
        cold,
        "wait for FROZEN on a stopped container",
        "wait",
        TIMEOUT,
        |c| c.wait(State::Frozen, Duration::from_secs(1)),
    );
    t.on(
        ghost,
        "wait for RUNNING on an undefined container",
        "wait",
        &[K::NotFound, K::Timeout],
        |c| c.wait(State::Running, Duration::from_secs(1)),
    );
    for secs in [-5, 0, i32::MIN, i32::MAX, -1] {
        t.on(
            cold,
            format!("set_timeout({secs}) on liblxc 5.0"),
            "set_timeout",
            UNSUPPORTED,
            move |c| c.set_timeout(secs),
        );
    }
    t.on(
        ghost,
        "set_timeout on an undefined container",
        "set_timeout",
        UNSUPPORTED,
        |c| c.set_timeout(3),
    );

    // Calls that need a loaded configuration.
    t.on(
        ghost,
        "want_daemonize without a configuration",
        "want_daemonize",
        &[K::NotFound, K::Failed],
        |c| c.want_daemonize(false),
    );
    t.on(
        ghost,
        "want_close_all_fds without a configuration",
        "want_close_all_fds",
        &[K::NotFound, K::Failed],
        |c| c.want_close_all_fds(true),
    );
    t.on(
        cold,
        "want_daemonize after clear_config",
        "want_daemonize",
        FAILED,
        |c| {
            c.clear_config();
            c.want_daemonize(true)
        },
    );
    t.on(
        cold,
        "want_close_all_fds after clear_config",
        "want_close_all_fds",
        FAILED,
        |c| {
            c.clear_config();
            c.want_close_all_fds(false)
        },
    );

    // Wrong states beyond tests/bad_input.rs.
    t.on(
        cold,
        "init_pidfd of a stopped container",
        "init_pidfd",
        NOT_RUNNING,
        |c| c.init_pidfd(),
    );
    t.on(
        hot,
        "create over a running container",
        "create",
        EXISTS,
        |c| c.create_with(Some("busybox"), None, None, CreateFlags::QUIET, &[]),
    );
    t.on(
        hot,
        "destroy_with_snapshots_raw of a running container",
        "destroy_with_snapshots",
        RUNNING,
        |c| c.destroy_with_snapshots_raw(),
    );
    t.on(
        hot,
        "destroy_with_snapshots of a running container",
        "destroy",
        RUNNING,
        |c| c.destroy_with_snapshots(),
    );
    t.on(
        ghost,
        "destroy_with_snapshots_raw of an undefined container",
        "destroy_with_snapshots",
        NOT_FOUND,
        |c| c.destroy_with_snapshots_raw(),
    );
    // Starting with a program that cannot run (last: a failed start leaves a monitor for a moment).
    for (label, argv) in [
        ("a missing init", vec!["/nonexistent/init".to_owned()]),
        ("an empty init", vec![String::new()]),
        ("a 64 KiB init path", vec![format!("/{}", long())]),
    ] {
        t.on(
            cold,
            format!("start_with {label}"),
            "start",
            &[K::NotFound, K::InvalidArgument, K::Failed],
            move |c| {
                let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
                let r = c.start_with(false, &argv);
                let _ = c.wait(State::Stopped, Duration::from_secs(5));
                r
            },
        );
        t.slow(60);
    }
    t
}

/// Configuration items, files and paths.
fn config(lx: &Lxcpath, scratch: &Path) -> Table {
    let (cold, hot, ghost) = ("cf-cold", "cf-hot", "cf-ghost");
    lx.busybox(cold);
    lx.running(hot);
    std::fs::write(
        scratch.join("garbage.conf"),
        "this is not a key\nlxc.bogus = 1\n",
    )
    .expect("write garbage.conf");
    let mut t = Table::new("config", lx, scratch, true);

    // Keys and values liblxc refuses with a reason.
    let cases: Vec<(String, String, &'static [K])> = vec![
        (String::new(), "x".into(), INVALID),
        (long(), "x".into(), INVALID),
        ("lxc.uts.name".into(), "a\rb".into(), INVALID),
        ("lxc.uts\n.name".into(), "x".into(), INVALID),
        ("lxc.uts.name\r".into(), "x".into(), INVALID),
        (
            "lxc.net.99999999999999999999.type".into(),
            "veth".into(),
            &[K::InvalidArgument, K::Failed],
        ),
        (
            "lxc.net.0.bogus".into(),
            "1".into(),
            &[K::InvalidArgument, K::NotFound],
        ),
        (
            "lxc.net.0.ipv4.address".into(),
            "999.1.1.1/99".into(),
            &[K::InvalidArgument, K::Failed],
        ),
        ("lxc.idmap".into(), "bogus".into(), INVALID),
        ("lxc.log.level".into(), "bogus".into(), INVALID),
        ("lxc.arch".into(), "bogus".into(), INVALID),
        (
            "lxc.namespace.keep".into(),
            "bogus".into(),
            &[K::InvalidArgument, K::Failed],
        ),
        ("lxc.hook.version".into(), "9".into(), INVALID),
        ("lxc.bogus".into(), long(), INVALID),
        ("lxc.\u{fffd}".into(), "x".into(), INVALID),
    ];
    for (key, value, kinds) in cases {
        let label = format!("set_config_item({:?}, {:?})", short(&key), short(&value));
        t.on(cold, label, "set_config_item", kinds, move |c| {
            c.set_config_item(&key, &value)
        });
    }
    let cases: Vec<(String, &'static [K])> = vec![
        (String::new(), INVALID),
        (long(), INVALID),
        (
            "lxc.net.99999999999999999999.type".into(),
            &[K::InvalidArgument, K::Failed],
        ),
        ("lxc.net.0.bogus".into(), &[K::InvalidArgument, K::NotFound]),
        ("lxc.bogus.".into(), INVALID),
        ("lxc".into(), INVALID),
        ("lxc.uts.name.".into(), INVALID),
        (" lxc.uts.name".into(), INVALID),
    ];
    for (key, kinds) in cases {
        let label = format!("config_item({:?})", short(&key));
        t.on(cold, label, "get_config_item", kinds, move |c| {
            c.config_item(&key)
        });
    }
    for key in [
        String::new(),
        long(),
        "lxc.bogus.sub".to_owned(),
        "lxc.uts.name\r".to_owned(),
        "lxc.\n".to_owned(),
    ] {
        let label = format!("clear_config_item({:?})", short(&key));
        t.on(cold, label, "clear_config_item", INVALID, move |c| {
            c.clear_config_item(&key)
        });
    }
    for prefix in [
        String::new(),
        long(),
        "lxc.net.99999999999999999999".to_owned(),
        "lxc.net.x".to_owned(),
        "lxc.bogus.".to_owned(),
    ] {
        let label = format!("keys({:?})", short(&prefix));
        t.on(cold, label, "get_keys", INVALID, move |c| {
            c.keys(Some(&prefix))
        });
    }
    t.on(
        cold,
        "running_config_item of a stopped container",
        "get_running_config_item",
        NOT_RUNNING,
        |c| c.running_config_item("lxc.uts.name"),
    );
    t.on(
        ghost,
        "running_config_item of an undefined container",
        "get_running_config_item",
        &[K::NotRunning, K::NotFound],
        |c| c.running_config_item("lxc.uts.name"),
    );
    t.on(
        hot,
        "running_config_item(\"lxc.bogus\")",
        "get_running_config_item",
        &[K::InvalidArgument, K::NotFound],
        |c| c.running_config_item("lxc.bogus"),
    );
    t.on(
        hot,
        "running_config_item with a NUL",
        "get_running_config_item",
        INVALID,
        |c| c.running_config_item("lxc.uts\0.name"),
    );
    t.on(
        cold,
        "config_item after clear_config",
        "get_config_item",
        &[K::NotFound, K::Failed],
        |c| {
            c.clear_config();
            c.config_item("lxc.uts.name")
        },
    );

    // load_config and save_config with bad files.
    let s = scratch.to_owned();
    let cases: Vec<(&str, PathBuf, &'static [K])> = vec![
        ("a missing file", s.join("missing.conf"), NOT_FOUND),
        (
            "a file that is not a configuration",
            s.join("garbage.conf"),
            INVALID,
        ),
        (
            "an empty path",
            PathBuf::new(),
            &[K::InvalidArgument, K::NotFound],
        ),
        (
            "a 64 KiB path",
            long_path(),
            &[K::InvalidArgument, K::Failed],
        ),
        ("a non-UTF-8 missing file", s.join(non_utf8()), NOT_FOUND),
        ("a path with a NUL", PathBuf::from(NUL), INVALID),
    ];
    for (label, file, kinds) in cases {
        t.on(
            cold,
            format!("load_config from {label}"),
            "load_config",
            kinds,
            move |c| c.load_config(Some(&file)),
        );
    }
    t.on(
        ghost,
        "load_config of an undefined container",
        "load_config",
        NOT_FOUND,
        |c| c.load_config(None),
    );
    std::fs::create_dir(scratch.join("a-directory")).expect("mkdir");
    let cases: Vec<(&str, PathBuf, &'static [K])> = vec![
        (
            "a missing directory",
            s.join("no/such/dir/config"),
            NOT_FOUND,
        ),
        (
            "a directory",
            s.join("a-directory"),
            &[K::InvalidArgument, K::Failed],
        ),
        (
            "an empty path",
            PathBuf::new(),
            &[K::InvalidArgument, K::NotFound],
        ),
        (
            "a 64 KiB path",
            long_path(),
            &[K::InvalidArgument, K::Failed],
        ),
        (
            "a non-UTF-8 missing directory",
            s.join(non_utf8()).join("config"),
            NOT_FOUND,
        ),
    ];
    for (label, file, kinds) in cases {
        t.on(
            cold,
            format!("save_config to {label}"),
            "save_config",
            kinds,
            move |c| c.save_config(Some(&file)),
        );
    }
    t.on(
        cold,
        "set_config_path with a NUL",
        "set_config_path",
        INVALID,
        |c| c.set_config_path(Path::new(NUL)),
    );
    t
}

/// `create`, its typed options, and the names of backing stores and states.
fn create(lx: &Lxcpath, scratch: &Path) -> Table {
    let mut t = Table::new("create", lx, scratch, false);
    let mut n = 0;
    let mut name = || {
        n += 1;
        format!("cr-new{n}")
    };

    // create_with: templates and backing stores.
    type CreateCase = (
        &'static str,
        Option<String>,
        Option<&'static str>,
        &'static [K],
    );
    let cases: Vec<CreateCase> = vec![
        (
            "a template that does not exist",
            Some("no-such-template".into()),
            None,
            NOT_FOUND,
        ),
        (
            "an empty template name",
            Some(String::new()),
            None,
            &[K::InvalidArgument, K::NotFound],
        ),
        (
            "a template path that does not exist",
            Some("/nonexistent/lxc-template".into()),
            None,
            NOT_FOUND,
        ),
        (
            "a 64 KiB template name",
            Some(long()),
            None,
            &[K::InvalidArgument, K::NotFound, K::Failed],
        ),
        (
            "a template that is a directory",
            Some("/usr/share/lxc/templates".into()),
            None,
            &[
                K::InvalidArgument,
                K::NotFound,
                K::PermissionDenied,
                K::Failed,
            ],
        ),
        (
            "a backing store with a NUL",
            Some("busybox".into()),
            Some("d\0ir"),
            INVALID,
        ),
        (
            "a template with a NUL",
            Some("busy\0box".into()),
            None,
            INVALID,
        ),
    ];
    for (label, template, bdev, kinds) in cases {
        let nm = name();
        t.on(
            &nm,
            format!("create_with {label}"),
            "create",
            kinds,
            move |c| c.create_with(template.as_deref(), bdev, None, CreateFlags::QUIET, &[]),
        );
    }
    // The template's own arguments.
    let nm = name();
    t.on(
        &nm,
        "create(busybox, an option it does not know)",
        "create",
        &[K::InvalidArgument, K::NotFound, K::Failed],
        |c| c.create("busybox", &["--bogus"]),
    );
    let nm = name();
    t.on(
        &nm,
        "create(busybox, an argument with a NUL)",
        "create",
        INVALID,
        |c| c.create("busybox", &["--name", NUL]),
    );
    // BdevSpecs with a NUL in each field.
    type Field = fn(&mut BdevSpecs) -> &mut Option<String>;
    let fields: [(&str, Field); 8] = [
        ("fstype", |s| &mut s.fstype),
        ("zfs_root", |s| &mut s.zfs_root),
        ("lvm_vg", |s| &mut s.lvm_vg),
        ("lvm_lv", |s| &mut s.lvm_lv),
        ("lvm_thinpool", |s| &mut s.lvm_thinpool),
        ("rbd_name", |s| &mut s.rbd_name),
        ("rbd_pool", |s| &mut s.rbd_pool),
        ("dir", |s| &mut s.dir),
    ];
    for (field, get) in fields {
        let mut specs = BdevSpecs::default();
        *get(&mut specs) = Some(NUL.to_owned());
        let nm = name();
        t.on(
            &nm,
            format!("BdevSpecs::{field} with a NUL"),
            "create",
            INVALID,
            move |c| {
                c.create_with(
                    Some("busybox"),
                    Some("dir"),
                    Some(&specs),
                    CreateFlags::QUIET,
                    &[],
                )
            },
        );
    }
    // Backing stores that cannot be set up here, through CreateOptions (which removes what a
    // failed create left; create_with does not: see `a_failed_create_with_leaves_nothing`).
    for store in [
        BackingStore::Zfs,
        BackingStore::Lvm,
        BackingStore::Rbd,
        BackingStore::Btrfs,
    ] {
        let nm = name();
        t.on(
            &nm,
            format!("create_with_options on {store}"),
            "create",
            &[K::InvalidArgument, K::NotFound, K::Failed, K::Unsupported],
            move |c| {
                c.create_with_options(&CreateOptions {
                    backing_store: Some(store),
                    flags: CreateFlags::QUIET,
                    ..CreateOptions::new("busybox")
                })
            },
        );
        t.slow(60);
    }
    for (label, specs) in [
        (
            "loop of u64::MAX bytes",
            BdevSpecs {
                fssize: u64::MAX,
                ..BdevSpecs::default()
            },
        ),
        (
            "loop with an unknown filesystem",
            BdevSpecs {
                fstype: Some("bogusfs".into()),
                fssize: 1 << 20,
                ..BdevSpecs::default()
            },
        ),
    ] {
        let nm = name();
        t.on(
            &nm,
            format!("create_with_options: {label}"),
            "create",
            &[K::InvalidArgument, K::NotFound, K::Failed],
            move |c| {
                c.create_with_options(&CreateOptions {
                    backing_store: Some(BackingStore::Loop),
                    bdev_specs: Some(specs),
                    flags: CreateFlags::QUIET,
                    ..CreateOptions::new("busybox")
                })
            },
        );
        t.slow(60);
    }

    // CreateOptions and DownloadOptions that do not fit together (refused before liblxc).
    let dl = || DownloadOptions::new("debian", "bookworm", "amd64");
    let cases: Vec<(&str, CreateOptions)> = vec![
        (
            "arguments without a template",
            CreateOptions {
                args: vec!["x".into()],
                ..CreateOptions::default()
            },
        ),
        (
            "download options for busybox",
            CreateOptions {
                download: Some(dl()),
                ..CreateOptions::new("busybox")
            },
        ),
        (
            "download options without a template",
            CreateOptions {
                download: Some(dl()),
                ..CreateOptions::default()
            },
        ),
        (
            "download options, all empty",
            CreateOptions::download(DownloadOptions::default()),
        ),
        (
            "download without a distribution",
            CreateOptions::download(DownloadOptions {
                distribution: String::new(),
                ..dl()
            }),
        ),
        (
            "download without a release",
            CreateOptions::download(DownloadOptions {
                release: String::new(),
                ..dl()
            }),
        ),
        (
            "download without an arch",
            CreateOptions::download(DownloadOptions {
                arch: String::new(),
                ..dl()
            }),
        ),
        (
            "download with an empty variant",
            CreateOptions::download(DownloadOptions {
                variant: Some(String::new()),
                ..dl()
            }),
        ),
        (
            "download with an empty server",
            CreateOptions::download(DownloadOptions {
                server: Some(String::new()),
                ..dl()
            }),
        ),
        (
            "download with an empty key id",
            CreateOptions::download(DownloadOptions {
                key_id: Some(String::new()),
                ..dl()
            }),
        ),
        (
            "download with an empty key server",
            CreateOptions::download(DownloadOptions {
                key_server: Some(String::new()),
                ..dl()
            }),
        ),
        (
            "download with a key id (LXC 5.0 has none)",
            CreateOptions::download(DownloadOptions {
                key_id: Some("0xABCD".into()),
                ..dl()
            }),
        ),
        (
            "download with a key server (LXC 5.0 has none)",
            CreateOptions::download(DownloadOptions {
                key_server: Some("keys.example".into()),
                ..dl()
            }),
        ),
        (
            "download without validation (LXC 5.0 has none)",
            CreateOptions::download(DownloadOptions {
                disable_validation: true,
                ..dl()
            }),
        ),
        (
            "download with a NUL in the distribution",
            CreateOptions::download(DownloadOptions {
                distribution: NUL.into(),
                ..dl()
            }),
        ),
        (
            "download with a NUL in the release",
            CreateOptions::download(DownloadOptions {
                release: NUL.into(),
                ..dl()
            }),
        ),
        (
            "download with a NUL in the server",
            CreateOptions::download(DownloadOptions {
                server: Some(NUL.into()),
                ..dl()
            }),
        ),
        (
            "download with a NUL in the variant",
            CreateOptions::download(DownloadOptions {
                variant: Some(NUL.into()),
                ..dl()
            }),
        ),
        (
            "download with a NUL in an extra argument",
            CreateOptions {
                args: vec![NUL.into()],
                ..CreateOptions::download(dl())
            },
        ),
        (
            "a NUL in the template of the options",
            CreateOptions {
                flags: CreateFlags::QUIET,
                ..CreateOptions::new(NUL)
            },
        ),
        (
            "a NUL in a backing store option",
            CreateOptions {
                bdev_specs: Some(BdevSpecs {
                    fstype: Some(NUL.into()),
                    ..BdevSpecs::default()
                }),
                ..CreateOptions::new("busybox")
            },
        ),
    ];
    for (label, opts) in cases {
        let nm = name();
        t.on(
            &nm,
            format!("create_with_options: {label}"),
            "create",
            INVALID,
            move |c| c.create_with_options(&opts),
        );
    }
    let nm = name();
    t.on(
        &nm,
        "create_with_options: download options for a missing template path",
        "create",
        NOT_FOUND,
        move |c| {
            c.create_with_options(&CreateOptions {
                download: Some(dl()),
                ..CreateOptions::new("/nonexistent/lxc-download")
            })
        },
    );
    // The option builders alone (no container).
    let cases: Vec<(&str, DownloadOptions)> = vec![
        ("default", DownloadOptions::default()),
        (
            "empty release",
            DownloadOptions {
                release: String::new(),
                ..dl()
            },
        ),
        (
            "empty variant",
            DownloadOptions {
                variant: Some(String::new()),
                ..dl()
            },
        ),
        (
            "empty key server",
            DownloadOptions {
                key_server: Some(String::new()),
                ..dl()
            },
        ),
    ];
    for (label, d) in cases {
        t.free(
            format!("DownloadOptions::args, {label}"),
            "create",
            None,
            INVALID,
            move || d.args(),
        );
    }
    t.free(
        "CreateOptions::template_args, download options for busybox",
        "create",
        None,
        INVALID,
        move || {
            CreateOptions {
                download: Some(dl()),
                ..CreateOptions::new("busybox")
            }
            .template_args()
        },
    );
    t.free(
        "CreateOptions::template_args, arguments without a template",
        "create",
        None,
        INVALID,
        || {
            CreateOptions {
                args: vec!["-x".into()],
                ..CreateOptions::default()
            }
            .template_args()
        },
    );
    for s in [
        String::new(),
        "bogus".into(),
        "DIR".into(),
        "dir\0".into(),
        " dir".into(),
        long(),
    ] {
        t.free(
            format!("BackingStore::from_str({:?})", short(&s)),
            "BackingStore::from_str",
            None,
            INVALID,
            move || s.parse::<BackingStore>(),
        );
    }
    for s in [
        String::new(),
        "bogus".into(),
        "RUNNING\0".into(),
        "run".into(),
        " RUNNING".into(),
        long(),
    ] {
        t.free(
            format!("State::from_str({:?})", short(&s)),
            "State::from_str",
            None,
            INVALID,
            move || s.parse::<State>(),
        );
    }
    t
}

/// clone and snapshots.
fn snapshots(lx: &Lxcpath, scratch: &Path) -> Table {
    let (orig, bare, snapped, hot, ghost) =
        ("sn-orig", "sn-bare", "sn-snapped", "sn-hot", "sn-ghost");
    lx.busybox(orig);
    lx.busybox(bare);
    let sn = lx.busybox(snapped);
    if verbose() {
        eprintln!("[snapshots] fixture: snapshot of {snapped}");
    }
    sn.snapshot(None).expect("snapshot");
    if verbose() {
        eprintln!("[snapshots] fixture: {hot}");
    }
    let h = lx.busybox(hot);
    h.snapshot(None).expect("snapshot of sn-hot");
    h.start().expect("start sn-hot");
    h.wait(State::Running, Duration::from_secs(10))
        .expect("sn-hot RUNNING");
    let mut t = Table::new("snapshots", lx, scratch, true);

    // clone_as: names.
    for (label, name) in [
        ("an empty name", String::new()),
        (".", ".".into()),
        ("..", "..".into()),
        ("a/b", "a/b".into()),
        ("../x", "../x".into()),
        ("/abs", "/abs".into()),
        ("-x", "-x".into()),
        ("256 bytes", "n".repeat(256)),
        ("64 KiB", long()),
        ("a NUL", NUL.into()),
    ] {
        t.on(
            orig,
            format!("clone_as {label}"),
            "clone",
            INVALID,
            move |c| c.clone_as(&name),
        );
    }
    t.on(
        ghost,
        "clone_as of an undefined container",
        "clone",
        NOT_FOUND,
        |c| c.clone_as("sn-copy"),
    );
    t.on(
        hot,
        "clone_as of a running container",
        "clone",
        RUNNING,
        |c| c.clone_as("sn-copy"),
    );
    t.on(
        hot,
        "clone_with_options of a running container",
        "clone",
        RUNNING,
        |c| c.clone_with_options(&CloneOptions::new("sn-copy")),
    );
    // clone_with: every string argument.
    let none: &[&str] = &[];
    t.on(
        orig,
        "clone_with: lxcpath with a NUL",
        "clone",
        INVALID,
        move |c| {
            c.clone_with(
                Some("sn-copy"),
                Some(Path::new(NUL)),
                CloneFlags::empty(),
                None,
                None,
                0,
                none,
            )
        },
    );
    t.on(
        orig,
        "clone_with: bdevtype with a NUL",
        "clone",
        INVALID,
        move |c| {
            c.clone_with(
                Some("sn-copy"),
                None,
                CloneFlags::empty(),
                Some(NUL),
                None,
                0,
                none,
            )
        },
    );
    t.on(
        orig,
        "clone_with: bdevdata with a NUL",
        "clone",
        INVALID,
        move |c| {
            c.clone_with(
                Some("sn-copy"),
                None,
                CloneFlags::empty(),
                None,
                Some(NUL),
                0,
                none,
            )
        },
    );
    t.on(
        orig,
        "clone_with: hook argument with a NUL",
        "clone",
        INVALID,
        |c| {
            c.clone_with(
                Some("sn-copy"),
                None,
                CloneFlags::empty(),
                None,
                None,
                0,
                &[NUL],
            )
        },
    );
    t.on(
        orig,
        "clone_with: new name a/b",
        "clone",
        INVALID,
        move |c| c.clone_with(Some("a/b"), None, CloneFlags::empty(), None, None, 0, none),
    );
    // clone_with_options.
    for arg in [
        "",
        "a b",
        "a;b",
        "$(reboot)",
        "`id`",
        "a\nb",
        "*",
        "a|b",
        "~root",
        "a&b",
        "a>b",
        "\"",
    ] {
        t.on(
            orig,
            format!("clone_with_options: hook argument {arg:?}"),
            "clone",
            INVALID,
            move |c| {
                c.clone_with_options(&CloneOptions {
                    hook_args: vec!["ok".into(), arg.into()],
                    ..CloneOptions::new("sn-copy")
                })
            },
        );
    }
    t.on(
        orig,
        "clone_with_options: new name with a NUL",
        "clone",
        INVALID,
        |c| c.clone_with_options(&CloneOptions::new(NUL)),
    );
    t.on(
        orig,
        "clone_with_options: new name ..",
        "clone",
        INVALID,
        |c| c.clone_with_options(&CloneOptions::new("..")),
    );
    t.on(
        orig,
        "clone_with_options: lxcpath with a NUL",
        "clone",
        INVALID,
        |c| {
            c.clone_with_options(&CloneOptions {
                lxcpath: Some(NUL.into()),
                ..CloneOptions::new("sn-copy")
            })
        },
    );
    t.on(
        orig,
        "clone_with_options: bdev_data with a NUL",
        "clone",
        INVALID,
        |c| {
            c.clone_with_options(&CloneOptions {
                bdev_data: Some(NUL.into()),
                ..CloneOptions::new("sn-copy")
            })
        },
    );

    // snapshot: states and a NUL.
    t.on(
        orig,
        "snapshot with a comment file with a NUL",
        "snapshot",
        INVALID,
        |c| c.snapshot(Some(Path::new(NUL))),
    );
    t.on(
        ghost,
        "snapshot of an undefined container",
        "snapshot",
        NOT_FOUND,
        |c| c.snapshot(None),
    );
    t.on(
        hot,
        "snapshot of a running container",
        "snapshot",
        RUNNING,
        |c| c.snapshot(None),
    );
    // snapshot_restore and snapshot_destroy: NULs, bad new names, wrong states.
    t.on(
        snapped,
        "snapshot_restore of a name with a NUL",
        "snapshot_restore",
        INVALID,
        |c| c.snapshot_restore(NUL, Some("sn-restored")),
    );
    t.on(
        snapped,
        "snapshot_destroy of a name with a NUL",
        "snapshot_destroy",
        INVALID,
        |c| c.snapshot_destroy(NUL),
    );
    for (label, new) in [
        ("an empty name", String::new()),
        ("a/b", "a/b".into()),
        ("..", "..".into()),
        (".", ".".into()),
        ("-x", "-x".into()),
        ("a NUL", NUL.into()),
        ("64 KiB", long()),
        ("../escape", "../escape".into()),
    ] {
        t.on(
            snapped,
            format!("snapshot_restore snap0 as {label}"),
            "snapshot_restore",
            INVALID,
            move |c| c.snapshot_restore("snap0", Some(&new)),
        );
    }
    t.on(
        ghost,
        "snapshot_destroy of an undefined container",
        "snapshot_destroy",
        NOT_FOUND,
        |c| c.snapshot_destroy("snap0"),
    );
    t.on(
        ghost,
        "snapshots of an undefined container",
        "snapshot_list",
        NOT_FOUND,
        |c| c.snapshots(),
    );
    t.on(
        ghost,
        "snapshot_destroy_all of an undefined container",
        "snapshot_list",
        NOT_FOUND,
        |c| c.snapshot_destroy_all(),
    );
    t.on(
        ghost,
        "snapshot_destroy_all_raw of an undefined container",
        "snapshot_destroy_all",
        NOT_FOUND,
        |c| c.snapshot_destroy_all_raw(),
    );
    t.on(
        bare,
        "snapshot_destroy_all_raw without snapshots",
        "snapshot_destroy_all",
        &[K::NotFound, K::Failed],
        |c| c.snapshot_destroy_all_raw(),
    );
    t.on(
        bare,
        "destroy_with_snapshots_raw without snapshots",
        "destroy_with_snapshots",
        &[K::NotFound, K::Failed],
        |c| c.destroy_with_snapshots_raw(),
    );
    t.on(
        snapped,
        "destroy of a container with snapshots",
        "destroy",
        &[K::Failed, K::AlreadyExists],
        |c| c.destroy(),
    );
    t.on_ok(
        bare,
        "snapshots of a container without snapshots",
        "an empty list",
        empty_list,
        |c| c.snapshots(),
    );
    t.on_ok(
        bare,
        "snapshot_destroy_all without snapshots (documented: nothing to do)",
        "Ok",
        |s| s == "()",
        |c| c.snapshot_destroy_all(),
    );
    t
}

type StatusCall = fn(&Container) -> lxc::Result<std::process::ExitStatus>;
type SpawnCall = fn(&Container) -> lxc::Result<lxc::Child>;

/// Commands in containers.
fn exec(lx: &Lxcpath, scratch: &Path) -> Table {
    let (hot, cold, ghost) = ("ex-hot", "ex-cold", "ex-ghost");
    lx.running(hot);
    lx.busybox(cold);
    let mut t = Table::new("exec", lx, scratch, true);

    // The program.
    let cases: Vec<(&str, std::ffi::OsString, &'static [K])> = vec![
        (
            "an empty program",
            "".into(),
            &[K::NotFound, K::InvalidArgument],
        ),
        ("a missing program", "/nonexistent".into(), NOT_FOUND),
        (
            "a program not on PATH",
            "lxc-rs-no-such-program".into(),
            NOT_FOUND,
        ),
        ("a program with a NUL", NUL.into(), INVALID),
        ("a 64 KiB program name", long().into(), INVALID),
        ("a non-UTF-8 program name", non_utf8().into(), NOT_FOUND),
        ("a directory as program", "/".into(), DENIED),
        (
            "a file that is not executable",
            "/etc/passwd".into(),
            DENIED,
        ),
        ("a program named -x", "-x".into(), NOT_FOUND),
        ("a program under a file", "/etc/passwd/x".into(), NOT_FOUND),
        (
            "a program of `..`",
            "..".into(),
            &[K::NotFound, K::PermissionDenied],
        ),
    ];
    for (label, program, kinds) in cases {
        let p2 = program.clone();
        t.on(
            hot,
            format!("output of {label}"),
            "attach",
            kinds,
            move |c| c.command(&program).output(),
        );
        t.on(
            hot,
            format!("spawn of {label}"),
            "attach",
            kinds,
            move |c| c.command(&p2).stdout(Stdio::null()).spawn(),
        );
    }
    t.on(
        hot,
        "run_wait of a program with a NUL",
        "attach_run_wait",
        INVALID,
        |c| c.command(NUL).run_wait(),
    );
    t.on_ok(
        hot,
        "run_wait of a missing program (documented: exit status 127)",
        "exit status 127",
        |s| s == "ExitStatus(unix_wait_status(32512))",
        |c| c.command("/nonexistent").run_wait(),
    );

    // Arguments.
    t.on(hot, "an argument with a NUL", "attach", INVALID, |c| {
        c.command("true").arg(NUL).output()
    });
    t.on(
        hot,
        "a 256 KiB argument (over MAX_ARG_STRLEN)",
        "attach",
        INVALID,
        |c| c.command("true").arg("x".repeat(256 << 10)).output(),
    );
    t.on(
        hot,
        "3 MiB of arguments (over ARG_MAX)",
        "attach",
        INVALID,
        |c| {
            c.command("true")
                .args(std::iter::repeat("x".repeat(64 << 10)).take(48))
                .output()
        },
    );
    t.on(
        hot,
        "run_wait with an argument with a NUL",
        "attach_run_wait",
        INVALID,
        |c| c.command("true").arg(NUL).run_wait(),
    );
    t.on(
        hot,
        "a non-UTF-8 argument with a NUL",
        "attach",
        INVALID,
        |c| {
            c.command("true")
                .arg(OsStr::from_bytes(b"\xff\0\xfe"))
                .output()
        },
    );

    // The environment.
    let cases: Vec<(&str, std::ffi::OsString, std::ffi::OsString)> = vec![
        ("an empty variable name", "".into(), "v".into()),
        ("`=` in a variable name", "A=B".into(), "v".into()),
        ("a variable name that is `=`", "=".into(), "v".into()),
        ("a variable name starting with `=`", "=A".into(), "v".into()),
        ("a NUL in a variable name", "A\0B".into(), "v".into()),
        ("a NUL in a value", "A".into(), NUL.into()),
        (
            "a non-UTF-8 name with `=`",
            OsStr::from_bytes(b"\xff=").into(),
            "v".into(),
        ),
    ];
    for (label, k, v) in cases {
        let (k2, v2) = (k.clone(), v.clone());
        t.on(
            hot,
            format!("env with {label}"),
            "attach",
            INVALID,
            move |c| c.command("true").env(&k, &v).output(),
        );
        t.on(
            hot,
            format!("run_wait, env with {label}"),
            "attach_run_wait",
            INVALID,
            move |c| c.command("true").env(&k2, &v2).run_wait(),
        );
    }
    t.on(
        hot,
        "a 256 KiB variable (over MAX_ARG_STRLEN)",
        "attach",
        INVALID,
        |c| c.command("true").env("BIG", "x".repeat(256 << 10)).output(),
    );
    t.on_ok(
        hot,
        "run_wait, a 256 KiB variable (documented: liblxc's exec fails, an exit status)",
        "a failure exit status",
        failed_status,
        |c| {
            c.command("true")
                .env("BIG", "x".repeat(256 << 10))
                .run_wait()
        },
    );
    t.on(hot, "env_remove of an empty name", "attach", INVALID, |c| {
        c.command("true").env_remove("").output()
    });
    t.on(
        hot,
        "env_remove of a name with `=`",
        "attach",
        INVALID,
        |c| c.command("true").env_remove("A=B").output(),
    );
    t.on(
        hot,
        "env with inherit_env, a name with `=`",
        "attach",
        INVALID,
        |c| c.command("true").inherit_env().env("A=B", "v").output(),
    );
    t.on(
        hot,
        "keep_env of a name with a NUL",
        "attach",
        INVALID,
        |c| c.command("true").keep_env("A\0B").output(),
    );

    // The NULs again, through spawn and status (each run lowers the command anew).
    let nul_cases: [(&str, StatusCall); 8] = [
        ("program", |c| c.command(NUL).status()),
        ("argument", |c| c.command("true").arg(NUL).status()),
        ("variable name", |c| {
            c.command("true").env("A\0B", "v").status()
        }),
        ("variable value", |c| {
            c.command("true").env("A", NUL).status()
        }),
        ("kept variable", |c| {
            c.command("true").keep_env(NUL).status()
        }),
        ("working directory", |c| {
            c.command("true").current_dir(NUL).status()
        }),
        ("LSM label", |c| c.command("true").lsm_label(NUL).status()),
        ("variable name with `=`", |c| {
            c.command("true").env("A=B", "v").status()
        }),
    ];
    for (what, f) in nul_cases {
        t.on(
            hot,
            format!("status with a bad {what}"),
            "attach",
            INVALID,
            f,
        );
    }
    let spawn_cases: [(&str, SpawnCall); 6] = [
        ("argument", |c| c.command("true").arg(NUL).spawn()),
        ("variable name", |c| c.command("true").env("", "v").spawn()),
        ("variable value", |c| {
            c.command("true").env("A", NUL).spawn()
        }),
        ("kept variable", |c| c.command("true").keep_env(NUL).spawn()),
        ("working directory", |c| {
            c.command("true").current_dir(NUL).spawn()
        }),
        ("LSM label", |c| c.command("true").lsm_label(NUL).spawn()),
    ];
    for (what, f) in spawn_cases {
        t.on(
            hot,
            format!("spawn with a bad {what}"),
            "attach",
            INVALID,
            f,
        );
    }

    // Working directory, label.
    t.on(hot, "current_dir with a NUL", "attach", INVALID, |c| {
        c.command("true").current_dir(NUL).output()
    });
    t.on(
        hot,
        "current_dir with a NUL, run_wait",
        "attach_run_wait",
        INVALID,
        |c| c.command("true").current_dir(NUL).run_wait(),
    );
    t.on(hot, "lsm_label with a NUL", "attach", INVALID, |c| {
        c.command("true").lsm_label(NUL).output()
    });
    t.on(
        hot,
        "lsm_label with a NUL, run_wait",
        "attach_run_wait",
        INVALID,
        |c| c.command("true").lsm_label(NUL).run_wait(),
    );
    t.on_ok(
        hot,
        "current_dir that does not exist (documented: liblxc falls back to /)",
        "a clean exit",
        |s| s.contains("unix_wait_status(0)"),
        |c| c.command("true").current_dir("/nonexistent").output(),
    );

    // run_wait's own refusals.
    t.on(
        hot,
        "run_wait with piped stdout",
        "attach_run_wait",
        INVALID,
        |c| c.command("true").stdout(Stdio::piped()).run_wait(),
    );
    t.on(
        hot,
        "run_wait with piped stdin",
        "attach_run_wait",
        INVALID,
        |c| c.command("true").stdin(Stdio::piped()).run_wait(),
    );
    t.on(
        hot,
        "run_wait with piped stderr",
        "attach_run_wait",
        INVALID,
        |c| c.command("true").stderr(Stdio::piped()).run_wait(),
    );
    t.on(
        hot,
        "run_wait of a closure",
        "attach_run_wait",
        INVALID,
        |c| {
            // SAFETY: the closure only returns a constant.
            unsafe { c.attach_fn(|| 0) }.run_wait()
        },
    );

    // Wrong states.
    for name in [cold, ghost] {
        t.on(name, "output", "attach", NOT_RUNNING, |c| {
            c.command("true").output()
        });
        t.on(name, "spawn", "attach", NOT_RUNNING, |c| {
            c.command("true").spawn()
        });
        t.on(name, "status", "attach", NOT_RUNNING, |c| {
            c.command("true").status()
        });
        t.on(name, "run_wait", "attach_run_wait", NOT_RUNNING, |c| {
            c.command("true").run_wait()
        });
        t.on(name, "a closure", "attach", NOT_RUNNING, |c| {
            // SAFETY: the closure only returns a constant.
            unsafe { c.attach_fn(|| 0) }.status()
        });
        t.on(
            name,
            "a command with every option set",
            "attach",
            NOT_RUNNING,
            |c| {
                c.command("true")
                    .arg("x")
                    .env("A", "b")
                    .current_dir("/")
                    .uid(0)
                    .gid(0)
                    .groups(&[0])
                    .output()
            },
        );
    }
    t
}

/// Network interfaces and addresses, and cgroup items.
fn net_cgroup(lx: &Lxcpath, scratch: &Path) -> Table {
    let (hot, cold, ghost) = ("nc-hot", "nc-cold", "nc-ghost");
    lx.running(hot);
    lx.busybox(cold);
    let target = scratch.join("target");
    std::fs::write(&target, "original\n").expect("write target");
    let mut t = Table::new("net+cgroup", lx, scratch, true);

    // Interfaces: names that are not interfaces of the container.
    for (label, dev) in [
        ("an empty name", String::new()),
        ("a missing device", "lxcrsnodev0".into()),
        ("a 64 KiB name", long()),
        ("a/b", "a/b".into()),
        ("../x", "../x".into()),
        ("-x", "-x".into()),
    ] {
        t.on(
            hot,
            format!("detach_interface of {label}"),
            "detach_interface",
            &[K::NotFound, K::InvalidArgument, K::Failed],
            move |c| c.detach_interface(&dev, None),
        );
    }
    for (label, dst) in [
        ("an empty", String::new()),
        ("a 64 KiB", long()),
        ("an a/b", "a/b".into()),
    ] {
        t.on(
            hot,
            format!("detach_interface of a missing device to {label} name"),
            "detach_interface",
            &[K::NotFound, K::InvalidArgument, K::Failed],
            move |c| c.detach_interface("lxcrsnodev0", Some(&dst)),
        );
    }
    t.on(
        hot,
        "attach_interface with a NUL",
        "attach_interface",
        INVALID,
        |c| c.attach_interface(NUL, None),
    );
    t.on(
        hot,
        "attach_interface to a name with a NUL",
        "attach_interface",
        INVALID,
        |c| c.attach_interface("lxcrsnodev0", Some(NUL)),
    );
    t.on(
        hot,
        "detach_interface with a NUL",
        "detach_interface",
        INVALID,
        |c| c.detach_interface(NUL, None),
    );
    t.on(
        hot,
        "detach_interface to a name with a NUL",
        "detach_interface",
        INVALID,
        |c| c.detach_interface("lxcrsnodev0", Some(NUL)),
    );
    for name in [cold, ghost] {
        t.on(
            name,
            "attach_interface",
            "attach_interface",
            NOT_RUNNING,
            |c| c.attach_interface("lxcrsnodev0", None),
        );
        t.on(
            name,
            "detach_interface",
            "detach_interface",
            NOT_RUNNING,
            |c| c.detach_interface("lxcrsnodev0", Some("x")),
        );
        t.on(name, "wait_for_ips", "wait_for_ips", NOT_RUNNING, |c| {
            c.wait_for_ips(None, None, Duration::from_secs(5))
        });
        t.on(
            name,
            "wait_for_ips for Duration::MAX",
            "wait_for_ips",
            NOT_RUNNING,
            |c| c.wait_for_ips(None, None, Duration::MAX),
        );
        t.on_ok(
            name,
            "interfaces (documented: empty when not running)",
            "an empty list",
            empty_list,
            |c| c.interfaces(),
        );
        t.on_ok(
            name,
            "ips (documented: empty when not running)",
            "an empty list",
            empty_list,
            |c| c.ips(None, Some(lxc::IpFamily::V4)),
        );
    }
    // Addresses.
    t.on(
        hot,
        "ips_raw of an interface with a NUL",
        "get_ips",
        INVALID,
        |c| c.ips_raw(Some(NUL), None, 0),
    );
    t.on(
        hot,
        "ips_raw of a family with a NUL",
        "get_ips",
        INVALID,
        |c| c.ips_raw(None, Some(NUL), 0),
    );
    t.on(
        hot,
        "ips of an interface with a NUL",
        "get_ips",
        INVALID,
        |c| c.ips(Some(NUL), None),
    );
    t.on(
        hot,
        "wait_for_ips of an interface with a NUL",
        "get_ips",
        INVALID,
        |c| c.wait_for_ips(Some(NUL), None, Duration::from_secs(1)),
    );
    t.on(
        hot,
        "wait_for_ips with a zero timeout (no address)",
        "wait_for_ips",
        TIMEOUT,
        |c| c.wait_for_ips(None, None, Duration::ZERO),
    );
    t.on(
        hot,
        "wait_for_ips on a missing interface",
        "wait_for_ips",
        TIMEOUT,
        |c| {
            c.wait_for_ips(
                Some("lxcrsnodev0"),
                Some(lxc::IpFamily::V6),
                Duration::from_millis(200),
            )
        },
    );
    for (label, iface, scope) in [
        ("an empty interface", Some(String::new()), 0),
        ("a missing interface", Some("lxcrsnodev0".to_owned()), 0),
        ("a 64 KiB interface", Some(long()), 0),
        ("scope i32::MIN", None, i32::MIN),
        ("scope -1", None, -1),
    ] {
        t.on_ok(
            hot,
            format!("ips_raw of {label}"),
            "an empty list",
            empty_list,
            move |c| c.ips_raw(iface.as_deref(), None, scope),
        );
    }

    // cgroup items.
    let traversal = format!("pids.max/../../../../../../../../../..{}", target.display());
    let keys: Vec<(&str, String, &'static [K])> = vec![
        (
            "an empty key",
            String::new(),
            &[K::InvalidArgument, K::NotFound],
        ),
        (
            "an unknown controller",
            "bogus".into(),
            &[K::InvalidArgument, K::NotFound],
        ),
        (
            "an unknown file",
            "pids.bogus".into(),
            &[K::InvalidArgument, K::NotFound],
        ),
        ("a 64 KiB key", long(), &[K::InvalidArgument, K::NotFound]),
        ("a key with a NUL", "pids\0.max".into(), INVALID),
        (
            "a path out of the cgroup",
            "../../../../../../../../etc/passwd".into(),
            &[K::InvalidArgument, K::NotFound, K::PermissionDenied],
        ),
        (
            "a path out of the cgroup after a controller",
            traversal,
            &[
                K::InvalidArgument,
                K::NotFound,
                K::PermissionDenied,
                K::Failed,
            ],
        ),
        (
            "an absolute path",
            "/etc/passwd".into(),
            &[K::InvalidArgument, K::NotFound, K::PermissionDenied],
        ),
        ("`.`", ".".into(), &[K::InvalidArgument, K::NotFound]),
        (
            "`pids.`",
            "pids.".into(),
            &[K::InvalidArgument, K::NotFound],
        ),
    ];
    for (label, key, kinds) in keys {
        t.on(
            hot,
            format!("cgroup_item of {label}"),
            "get_cgroup_item",
            kinds,
            move |c| c.cgroup_item(&key),
        );
    }
    t.on(
        hot,
        "set_cgroup_item of a key with a NUL",
        "set_cgroup_item",
        INVALID,
        |c| c.set_cgroup_item("pids\0.max", "1"),
    );
    t.on(
        hot,
        "set_cgroup_item to a value with a NUL",
        "set_cgroup_item",
        INVALID,
        |c| c.set_cgroup_item("pids.max", NUL),
    );
    for name in [cold, ghost] {
        t.on(name, "cgroup_item", "get_cgroup_item", NOT_RUNNING, |c| {
            c.cgroup_item("pids.max")
        });
        t.on(
            name,
            "set_cgroup_item",
            "set_cgroup_item",
            NOT_RUNNING,
            |c| c.set_cgroup_item("pids.max", "10"),
        );
        t.on(name, "memory_usage", "get_cgroup_item", NOT_RUNNING, |c| {
            c.memory_usage()
        });
        t.on(name, "memory_limit", "get_cgroup_item", NOT_RUNNING, |c| {
            c.memory_limit()
        });
        t.on(
            name,
            "set_memory_limit",
            "get_cgroup_item",
            NOT_RUNNING,
            |c| c.set_memory_limit(Some(1 << 30)),
        );
        t.on(
            name,
            "set_memory_limit(None)",
            "get_cgroup_item",
            NOT_RUNNING,
            |c| c.set_memory_limit(None),
        );
        t.on(
            name,
            "memory_cgroup_version",
            "get_cgroup_item",
            NOT_RUNNING,
            |c| c.memory_cgroup_version(),
        );
        t.on(name, "cpu_usage", "get_cgroup_item", NOT_RUNNING, |c| {
            c.cpu_usage()
        });
        t.on(name, "pids_limit", "get_cgroup_item", NOT_RUNNING, |c| {
            c.pids_limit()
        });
        t.on(
            name,
            "set_pids_limit(u64::MAX)",
            "set_cgroup_item",
            NOT_RUNNING,
            |c| c.set_pids_limit(Some(u64::MAX)),
        );
        t.on(name, "pids_current", "get_cgroup_item", NOT_RUNNING, |c| {
            c.pids_current()
        });
    }
    t
}

type MountCall = Box<dyn FnOnce(&Container) -> lxc::Result<()> + Send>;

/// `mount(source, target, fstype, flags, data)` as a row's closure.
fn mount_call(
    source: Option<&str>,
    target: &str,
    fstype: Option<&str>,
    flags: MountFlags,
    data: Option<&str>,
) -> MountCall {
    let (s, tg) = (source.map(PathBuf::from), PathBuf::from(target));
    let (f, d) = (fstype.map(str::to_owned), data.map(str::to_owned));
    Box::new(move |c: &Container| c.mount(s.as_deref(), &tg, f.as_deref(), flags, d.as_deref()))
}

/// Device nodes, mounts, and the descriptors of a running container.
fn devices_mounts_fds(lx: &Lxcpath, scratch: &Path) -> Table {
    let (hot, cold, ghost) = ("dm-hot", "dm-cold", "dm-ghost");
    lx.running(hot);
    lx.busybox(cold);
    let mut t = Table::new("devices+mounts+fds", lx, scratch, true);

    t.on(
        hot,
        "add_device_node of a path with a NUL",
        "add_device_node",
        INVALID,
        |c| c.add_device_node(Path::new(NUL), None),
    );
    t.on(
        hot,
        "remove_device_node of a path with a NUL",
        "remove_device_node",
        INVALID,
        |c| c.remove_device_node(Path::new(NUL), None),
    );
    t.on(
        hot,
        "add_device_node to a destination with a NUL",
        "add_device_node",
        INVALID,
        |c| c.add_device_node(Path::new("/dev/null"), Some(Path::new(NUL))),
    );
    t.on(
        hot,
        "remove_device_node at a destination with a NUL",
        "remove_device_node",
        INVALID,
        |c| c.remove_device_node(Path::new("/dev/null"), Some(Path::new(NUL))),
    );
    for name in [cold, ghost] {
        t.on(
            name,
            "add_device_node",
            "add_device_node",
            NOT_RUNNING,
            |c| c.add_device_node(Path::new("/dev/null"), None),
        );
        t.on(
            name,
            "remove_device_node",
            "remove_device_node",
            NOT_RUNNING,
            |c| c.remove_device_node(Path::new("/dev/null"), None),
        );
        t.on(
            name,
            "add_device_node of a missing path",
            "add_device_node",
            NOT_RUNNING,
            |c| c.add_device_node(Path::new("/nonexistent"), Some(Path::new(""))),
        );
    }

    // mount: the container has no shmounts, and the arguments are bad besides.
    let l = format!("/{}", long());
    let e = MountFlags::empty();
    let cases: Vec<(&str, MountCall, &'static [K])> = vec![
        (
            "tmpfs without shmounts",
            mount_call(None, "/mnt", Some("tmpfs"), e, None),
            INVALID,
        ),
        (
            "a source with a NUL",
            mount_call(Some(NUL), "/mnt", None, e, None),
            INVALID,
        ),
        (
            "a target with a NUL",
            mount_call(None, NUL, Some("tmpfs"), e, None),
            INVALID,
        ),
        (
            "a filesystem type with a NUL",
            mount_call(None, "/mnt", Some(NUL), e, None),
            INVALID,
        ),
        (
            "data with a NUL",
            mount_call(None, "/mnt", Some("tmpfs"), e, Some(NUL)),
            INVALID,
        ),
        (
            "an empty target",
            mount_call(None, "", Some("tmpfs"), e, None),
            INVALID,
        ),
        (
            "a 64 KiB target",
            mount_call(None, &l, Some("tmpfs"), e, None),
            INVALID,
        ),
        (
            "a missing source",
            mount_call(Some("/nonexistent"), "/mnt", None, MountFlags::BIND, None),
            INVALID,
        ),
        (
            "an unknown filesystem type",
            mount_call(None, "/mnt", Some("bogusfs"), e, None),
            INVALID,
        ),
        (
            "a relative target",
            mount_call(None, "mnt", Some("tmpfs"), e, None),
            INVALID,
        ),
        (
            "every flag",
            mount_call(None, "/mnt", Some("tmpfs"), MountFlags::all(), None),
            INVALID,
        ),
        (
            "64 KiB of data",
            mount_call(None, "/mnt", Some("tmpfs"), e, Some(&long())),
            INVALID,
        ),
    ];
    for (label, f, kinds) in cases {
        t.on(hot, format!("mount with {label}"), "mount", kinds, f);
    }
    let cases: Vec<(&str, PathBuf, UnmountFlags, &'static [K])> = vec![
        (
            "a missing target",
            PathBuf::from("/nonexistent"),
            UnmountFlags::empty(),
            &[K::NotFound, K::InvalidArgument, K::Failed],
        ),
        (
            "an empty target",
            PathBuf::new(),
            UnmountFlags::empty(),
            &[K::NotFound, K::InvalidArgument, K::Failed],
        ),
        (
            "a target with a NUL",
            PathBuf::from(NUL),
            UnmountFlags::empty(),
            INVALID,
        ),
        (
            "a 64 KiB target",
            long_path(),
            UnmountFlags::empty(),
            &[K::InvalidArgument, K::Failed],
        ),
        (
            "a non-UTF-8 target",
            PathBuf::from(non_utf8()),
            UnmountFlags::empty(),
            &[K::NotFound, K::InvalidArgument, K::Failed],
        ),
        (
            "unknown flags",
            PathBuf::from("/nonexistent"),
            UnmountFlags::from_bits_retain(0xff00),
            &[K::InvalidArgument, K::Failed],
        ),
        (
            "EXPIRE with DETACH",
            PathBuf::from("/nonexistent"),
            UnmountFlags::EXPIRE | UnmountFlags::DETACH,
            &[K::NotFound, K::InvalidArgument, K::Failed],
        ),
        (
            "a path that is not a mount point",
            PathBuf::from("/etc"),
            UnmountFlags::empty(),
            &[K::InvalidArgument, K::Failed],
        ),
    ];
    for (label, target, flags, kinds) in cases {
        t.on(
            hot,
            format!("umount of {label}"),
            "umount",
            kinds,
            move |c| c.umount(&target, flags),
        );
    }
    t.on(cold, "umount", "umount", NOT_RUNNING, |c| {
        c.umount(Path::new("/mnt"), UnmountFlags::empty())
    });
    for name in [cold, ghost] {
        t.on(name, "devpts_fd", "devpts_fd", NOT_RUNNING, |c| {
            c.devpts_fd()
        });
        t.on(
            name,
            "seccomp_notify_fd",
            "seccomp_notify_fd",
            NOT_RUNNING,
            |c| c.seccomp_notify_fd(),
        );
    }
    t.on(
        cold,
        "seccomp_notify_fd_active",
        "seccomp_notify_fd_active",
        NOT_RUNNING,
        |c| c.seccomp_notify_fd_active(),
    );
    t.on(
        hot,
        "seccomp_notify_fd of a daemonized container",
        "seccomp_notify_fd",
        &[K::Failed, K::NotFound],
        |c| c.seccomp_notify_fd(),
    );
    t.on(
        hot,
        "seccomp_notify_fd_active without a notify policy",
        "seccomp_notify_fd_active",
        &[K::Failed, K::NotFound, K::Unsupported, K::InvalidArgument],
        |c| c.seccomp_notify_fd_active(),
    );
    t
}

/// A pipe: (read end, write end).
fn pipe() -> (File, File) {
    let mut fds = [0; 2];
    // SAFETY: fds is a valid array of two ints.
    assert_eq!(
        unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) },
        0,
        "pipe2"
    );
    // SAFETY: pipe2 returned two new descriptors that nothing else owns.
    unsafe { (File::from_raw_fd(fds[0]), File::from_raw_fd(fds[1])) }
}

/// A console session on `tty` with `escape`, with stdin a pipe that is told to detach (Ctrl-a q)
/// and closed after 3 s, so that a session that should not have started still ends.
fn console_session(c: &Container, tty: i32, escape: i32) -> lxc::Result<()> {
    let (r, mut w) = pipe();
    let null = File::options()
        .write(true)
        .open("/dev/null")
        .expect("/dev/null");
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let detacher = std::thread::spawn(move || {
        if done_rx.recv_timeout(Duration::from_secs(3)).is_err() {
            let _ = w.write_all(b"\x01q");
        }
        drop(w);
    });
    let r = c.console(tty, r.as_fd(), null.as_fd(), null.as_fd(), escape);
    let _ = done_tx.send(());
    let _ = detacher.join();
    r
}

/// Terminals and the console ring buffer.
fn console(lx: &Lxcpath, scratch: &Path) -> Table {
    let (hot, cold, ghost) = ("co-hot", "co-cold", "co-ghost");
    lx.running(hot);
    lx.busybox(cold);
    let mut t = Table::new("console", lx, scratch, true);
    t.on(hot, "console_fd(u32::MAX)", "console_getfd", INVALID, |c| {
        c.console_fd(Some(u32::MAX))
    });
    t.on(
        hot,
        "console_fd(i32::MAX as u32 + 1)",
        "console_getfd",
        INVALID,
        |c| c.console_fd(Some(1 << 31)),
    );
    for tty in [6, 99, i32::MAX as u32] {
        t.on(
            hot,
            format!("console_fd of tty {tty} (lxc.tty.max = 5)"),
            "console_getfd",
            &[K::NotFound, K::InvalidArgument, K::Failed],
            move |c| c.console_fd(Some(tty)),
        );
    }
    t.on(
        hot,
        "console_fd of a terminal reserved already",
        "console_getfd",
        &[K::Failed, K::AlreadyExists],
        |c| {
            let held = c.console_fd(Some(2))?;
            let again = c.console_fd(Some(2));
            drop(held);
            again
        },
    );
    for tty in [6, 99, i32::MAX] {
        t.on(
            hot,
            format!("console session on tty {tty}"),
            "console",
            &[K::NotFound, K::InvalidArgument, K::Failed],
            move |c| console_session(c, tty, 1),
        );
    }
    for name in [cold, ghost] {
        t.on(name, "console_fd", "console_getfd", NOT_RUNNING, |c| {
            c.console_fd(None)
        });
        t.on(
            name,
            "console_fd(Some(0))",
            "console_getfd",
            NOT_RUNNING,
            |c| c.console_fd(Some(0)),
        );
        t.on(name, "console session", "console", NOT_RUNNING, |c| {
            console_session(c, 1, 1)
        });
        t.on(name, "console_log", "console_log", NOT_RUNNING, |c| {
            c.console_log(false)
        });
        t.on(name, "clear_console_log", "console_log", NOT_RUNNING, |c| {
            c.clear_console_log()
        });
    }
    t.on(
        hot,
        "console_log without a ring buffer",
        "console_log",
        NOT_FOUND,
        |c| c.console_log(true),
    );
    t.on(
        hot,
        "clear_console_log without a ring buffer",
        "console_log",
        NOT_FOUND,
        |c| c.clear_console_log(),
    );
    t
}

/// Checkpoint, restore and migrate in the wrong states and with bad paths.
fn criu(lx: &Lxcpath, scratch: &Path) -> Table {
    let (hot, cold, ghost) = ("cr-hot", "cr-cold", "cr-ghost");
    lx.running(hot);
    lx.busybox(cold);
    let mut t = Table::new("criu", lx, scratch, true);
    let dir = scratch.join("ckpt");

    let d = dir.clone();
    t.on(
        cold,
        "checkpoint of a stopped container",
        "checkpoint",
        NOT_RUNNING,
        move |c| c.checkpoint(&d, false, false),
    );
    let d = dir.clone();
    t.on(
        ghost,
        "checkpoint of an undefined container",
        "checkpoint",
        NOT_FOUND,
        move |c| c.checkpoint(&d, true, true),
    );
    t.on(
        hot,
        "checkpoint into an empty path",
        "checkpoint",
        INVALID,
        |c| c.checkpoint(Path::new(""), false, false),
    );
    t.on(
        hot,
        "checkpoint into a path with a NUL",
        "checkpoint",
        INVALID,
        |c| c.checkpoint(Path::new(NUL), false, false),
    );
    t.on(
        cold,
        "checkpoint of a stopped container into 64 KiB",
        "checkpoint",
        &[K::InvalidArgument, K::NotRunning],
        |c| c.checkpoint(&long_path(), false, false),
    );
    let d = dir.clone();
    t.on(
        cold,
        "checkpoint after clear_config",
        "checkpoint",
        &[K::Failed, K::NotRunning],
        move |c| {
            c.clear_config();
            c.checkpoint(&d, false, false)
        },
    );
    let d = dir.clone();
    t.on(
        hot,
        "restore of a running container",
        "restore",
        RUNNING,
        move |c| c.restore(&d, false),
    );
    let d = dir.clone();
    t.on(
        ghost,
        "restore of an undefined container",
        "restore",
        NOT_FOUND,
        move |c| c.restore(&d, false),
    );
    t.on(
        cold,
        "restore from an empty path",
        "restore",
        INVALID,
        |c| c.restore(Path::new(""), false),
    );
    t.on(
        cold,
        "restore from a path with a NUL",
        "restore",
        INVALID,
        |c| c.restore(Path::new(NUL), true),
    );
    let d = dir.clone();
    t.on(
        cold,
        "restore after clear_config",
        "restore",
        FAILED,
        move |c| {
            c.clear_config();
            c.restore(&d, false)
        },
    );

    let opts = |f: fn(&mut MigrateOptions)| {
        let mut o = MigrateOptions::new(scratch.join("mig"));
        f(&mut o);
        o
    };
    type MigrateCase = (
        &'static str,
        &'static str,
        MigrateCommand,
        MigrateOptions,
        &'static [K],
    );
    let cases: Vec<MigrateCase> = vec![
        (
            "pre-dump of a stopped container",
            cold,
            MigrateCommand::PreDump,
            opts(|_| {}),
            NOT_RUNNING,
        ),
        (
            "dump of a stopped container",
            cold,
            MigrateCommand::Dump,
            opts(|_| {}),
            NOT_RUNNING,
        ),
        (
            "dump of an undefined container",
            ghost,
            MigrateCommand::Dump,
            opts(|_| {}),
            NOT_FOUND,
        ),
        (
            "pre-dump of an undefined container",
            ghost,
            MigrateCommand::PreDump,
            opts(|_| {}),
            NOT_FOUND,
        ),
        (
            "restore of a running container",
            hot,
            MigrateCommand::Restore,
            opts(|_| {}),
            RUNNING,
        ),
        (
            "restore of an undefined container",
            ghost,
            MigrateCommand::Restore,
            opts(|_| {}),
            NOT_FOUND,
        ),
        (
            "dump into an empty directory path",
            hot,
            MigrateCommand::Dump,
            MigrateOptions::default(),
            INVALID,
        ),
        (
            "pre-dump into an empty directory path",
            hot,
            MigrateCommand::PreDump,
            MigrateOptions::default(),
            INVALID,
        ),
        (
            "restore from an empty directory path",
            cold,
            MigrateCommand::Restore,
            MigrateOptions::default(),
            INVALID,
        ),
        (
            "directory with a NUL",
            hot,
            MigrateCommand::Dump,
            MigrateOptions::new(NUL),
            INVALID,
        ),
        (
            "predump_dir with a NUL",
            hot,
            MigrateCommand::Dump,
            opts(|o| o.predump_dir = Some(NUL.into())),
            INVALID,
        ),
        (
            "action_script with a NUL",
            hot,
            MigrateCommand::Dump,
            opts(|o| o.action_script = Some(NUL.into())),
            INVALID,
        ),
        (
            "page server address with a NUL",
            hot,
            MigrateCommand::Dump,
            opts(|o| {
                o.page_server = Some(PageServer {
                    address: NUL.into(),
                    port: 1,
                })
            }),
            INVALID,
        ),
        (
            "dump of a stopped container, every option odd",
            cold,
            MigrateCommand::Dump,
            opts(|o| {
                o.ghost_limit = u64::MAX;
                o.page_server = Some(PageServer {
                    address: String::new(),
                    port: 0,
                });
                o.predump_dir = Some(long_path());
                o.action_script = Some("/nonexistent/script".into());
                o.features_to_check = MigrateFeatures::from_bits_retain(u64::MAX);
            }),
            NOT_RUNNING,
        ),
        (
            "restore of a running container, every option odd",
            hot,
            MigrateCommand::Restore,
            opts(|o| {
                o.stop = true;
                o.ghost_limit = u64::MAX;
                o.predump_dir = Some(long_path());
            }),
            RUNNING,
        ),
    ];
    for (label, name, cmd, o, kinds) in cases {
        t.on(
            name,
            format!("migrate: {label}"),
            "migrate",
            kinds,
            move |c| c.migrate(cmd, &o),
        );
    }
    t
}

/// The free functions.
fn free(lx: &Lxcpath, scratch: &Path) -> Table {
    let mut t = Table::new("free", lx, scratch, false);
    for key in [
        String::new(),
        "bogus".into(),
        "lxc.bogus".into(),
        long(),
        "lxc.lxcpath\n".into(),
        " lxc.lxcpath".into(),
        "lxc.lxcpath.".into(),
        "LXC.LXCPATH".into(),
        "lxc.uts.name".into(),
    ] {
        t.free(
            format!("global_config_item({:?})", short(&key)),
            "lxc_get_global_config_item",
            None,
            INVALID,
            move || lxc::global_config_item(&key),
        );
    }
    t.free(
        "global_config_item with a NUL after a known key",
        "lxc_get_global_config_item",
        None,
        INVALID,
        || lxc::global_config_item("lxc.lxcpath\0x"),
    );
    for key in [
        String::new(),
        long(),
        "lxc.net.0.type".into(),
        "LXC.UTS.NAME".into(),
        "lxc.uts.name\n".into(),
        "lxc.".into(),
    ] {
        t.free_ok(
            format!("config_item_is_supported({:?})", short(&key)),
            "false",
            is_false,
            move || lxc::config_item_is_supported(&key),
        );
    }
    t.free(
        "has_api_extension with a NUL",
        "lxc_has_api_extension",
        None,
        INVALID,
        || lxc::has_api_extension("pid\0fd"),
    );
    for ext in [
        String::new(),
        long(),
        "PIDFD".into(),
        "pidfd ".into(),
        "\u{fffd}".into(),
    ] {
        t.free_ok(
            format!("has_api_extension({:?})", short(&ext)),
            "false",
            is_false,
            move || lxc::has_api_extension(&ext),
        );
    }

    // Listing with odd lxcpaths.
    let file = scratch.join("a-file");
    std::fs::write(&file, "not a directory").expect("write a-file");
    let weird = scratch.join("weird");
    let bad = weird.join(non_utf8());
    std::fs::create_dir_all(&bad).expect("mkdir weird");
    std::fs::write(bad.join("config"), "lxc.uts.name = weird\n").expect("write config");
    type Names = fn(Option<&Path>) -> lxc::Result<Vec<String>>;
    type Handles = fn(Option<&Path>) -> lxc::Result<Vec<Container>>;
    let listings: [(&str, &'static str, Names, Handles); 3] = [
        (
            "defined",
            "list_defined_containers",
            lxc::defined_container_names,
            lxc::defined_containers,
        ),
        (
            "active",
            "list_active_containers",
            lxc::active_container_names,
            lxc::active_containers,
        ),
        (
            "all",
            "list_all_containers",
            lxc::all_container_names,
            lxc::all_containers,
        ),
    ];
    for (what, op, names, handles) in listings {
        t.free(
            format!("{what}_container_names of a path with a NUL"),
            op,
            None,
            INVALID,
            move || names(Some(Path::new(NUL))),
        );
        t.free(
            format!("{what}_containers of a path with a NUL"),
            op,
            None,
            INVALID,
            move || handles(Some(Path::new(NUL))),
        );
    }
    for (what, op, names, handles) in listings {
        for (label, p) in [
            ("an empty lxcpath", PathBuf::new()),
            ("a 64 KiB lxcpath", long_path()),
        ] {
            let p2 = p.clone();
            t.free(
                format!("{what}_container_names of {label}"),
                op,
                None,
                INVALID,
                move || names(Some(&p)),
            );
            t.free(
                format!("{what}_containers of {label}"),
                op,
                None,
                INVALID,
                move || handles(Some(&p2)),
            );
        }
    }
    for (label, p) in [
        ("a missing lxcpath", scratch.join("missing")),
        ("a file as lxcpath", file.clone()),
        ("a non-UTF-8 missing lxcpath", scratch.join(non_utf8())),
    ] {
        let p2 = p.clone();
        t.free_ok(
            format!("active_container_names of {label}"),
            "no names",
            empty_list,
            move || lxc::active_container_names(Some(&p)),
        );
        t.free_ok(
            format!("active_containers of {label}"),
            "no containers",
            empty_list,
            move || lxc::active_containers(Some(&p2)),
        );
    }
    let w = weird.clone();
    t.free(
        "defined_container_names of a non-UTF-8 container name",
        "list_defined_containers",
        None,
        &[K::InvalidData],
        move || lxc::defined_container_names(Some(&w)),
    );
    let w = weird.clone();
    t.free(
        "all_container_names of a non-UTF-8 container name",
        "list_all_containers",
        None,
        &[K::InvalidData],
        move || lxc::all_container_names(Some(&w)),
    );
    t
}

// ---------------------------------------------------------------------------------------------
// Child processes: liblxc's log, console sessions, and calls that crash liblxc 5.0.2

/// The environment variable that tells `probe_child` what to do.
const PROBE: &str = "LXC_RS_BAD_INPUT_PROBE";

/// What a child process did.
struct Probe {
    status: std::process::ExitStatus,
    stdout: String,
    stderr: String,
}

impl Probe {
    /// The `OUTCOME` line of a call probe: `Ok <value>`, `Err <kind> <op> <message>`, or `SKIP`.
    fn outcome(&self) -> Option<&str> {
        // The test harness prints `test probe_child ... ` before the child's first line.
        self.stdout
            .lines()
            .find_map(|l| l.split_once("OUTCOME ").map(|(_, o)| o))
    }

    /// The `ROW ok|FAIL <label>: <detail>` lines of a log scenario.
    fn rows(&self) -> Vec<(bool, String)> {
        self.stdout
            .lines()
            .filter_map(|l| l.split_once("ROW ").map(|(_, r)| r))
            .map(|l| match l.strip_prefix("ok ") {
                Some(rest) => (true, rest.to_owned()),
                None => (false, l.trim_start_matches("FAIL ").to_owned()),
            })
            .collect()
    }

    /// Removes the lxcpath the child made, when it died before removing it itself.
    fn clean_up(&self) {
        let Some(path) = self.stdout.lines().find_map(|l| l.strip_prefix("LXCPATH ")) else {
            return;
        };
        let path = Path::new(path);
        if !self.status.success() && path.starts_with(std::env::temp_dir()) && path.is_dir() {
            let _ = std::fs::remove_dir_all(path);
        }
    }

    /// Why the child failed, if it did not exit normally.
    fn died(&self) -> Option<String> {
        (!self.status.success()).then(|| {
            format!(
                "the process died ({}); its stderr ends with: {:?}",
                self.status,
                self.stderr.lines().rev().take(3).collect::<Vec<_>>()
            )
        })
    }
}

/// Runs `probe_child` with `name` in a new process of this test binary.
fn probe(name: &str) -> Probe {
    let exe = std::env::current_exe().expect("current_exe");
    let out = std::process::Command::new(exe)
        .args([
            "--exact",
            "probe_child",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(PROBE, name)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run the probe child");
    let p = Probe {
        status: out.status,
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    p.clean_up();
    p
}

/// `OUTCOME` text of a result.
fn describe<T: Debug>(r: &lxc::Result<T>) -> String {
    match r {
        Ok(v) => format!("Ok {}", short(&format!("{v:?}"))),
        Err(e) => format!(
            "Err {:?} {} {}",
            e.kind(),
            e.operation(),
            short(&e.to_string())
        ),
    }
}

/// Prints one row of a log scenario for the parent.
fn log_row(label: &str, r: lxc::Result<()>, kinds: &[K]) {
    let ok = match &r {
        Ok(()) => false,
        Err(e) => {
            kinds.contains(&e.kind())
                && e.operation() == "lxc_log_init"
                && e.to_string().starts_with("lxc_log_init")
                && !e.reason().is_empty()
                && !vague(e.reason())
        }
    };
    println!(
        "ROW {} {label}: {} (expected one of {kinds:?}, with a reason)",
        if ok { "ok" } else { "FAIL" },
        describe(&r)
    );
}

/// Whether a failing call still has liblxc's reason (the log still works); prints a row.
fn log_still_explains(label: &str, lxcpath: &Path) {
    let c = Container::new_in("logcheck", lxcpath).expect("open logcheck");
    if !c.is_defined() {
        c.create_with(None, None, None, CreateFlags::QUIET, &[])
            .expect("create logcheck (configuration only)");
    }
    let err = c
        .config_item("lxc.bogus_key_for_the_log")
        .expect_err("an unknown key");
    let ok = err.to_string().contains("lxc.bogus_key_for_the_log");
    println!(
        "ROW {} {label}: afterwards a failure reads {:?}",
        if ok { "ok" } else { "FAIL" },
        short(&err.to_string())
    );
}

fn nul_log_options() -> Vec<(&'static str, LogOptions)> {
    vec![
        (
            "name with a NUL",
            LogOptions {
                name: Some(NUL.into()),
                ..LogOptions::default()
            },
        ),
        (
            "lxcpath with a NUL",
            LogOptions {
                lxcpath: Some(NUL.into()),
                ..LogOptions::default()
            },
        ),
        (
            "file with a NUL",
            LogOptions {
                file: Some(NUL.into()),
                ..LogOptions::default()
            },
        ),
        (
            "prefix with a NUL",
            LogOptions {
                prefix: Some(NUL.into()),
                ..LogOptions::default()
            },
        ),
        (
            "every option with a NUL, level TRACE",
            LogOptions {
                name: Some(NUL.into()),
                lxcpath: Some(NUL.into()),
                file: Some(NUL.into()),
                prefix: Some(NUL.into()),
                level: LogLevel::Trace,
                quiet: true,
            },
        ),
    ]
}

/// One scenario of `lxc::log::init`, in a fresh process.
fn log_scenario(scenario: &str) {
    let dir = tempfile::Builder::new()
        .prefix("lxc-rs-bad-log-")
        .tempdir()
        .expect("tempdir");
    let open_first = || drop(Container::new_in("logcheck", dir.path()).expect("open"));
    match scenario {
        "nul-first" => {
            for (label, o) in nul_log_options() {
                log_row(&format!("first init, {label}"), lxc::log::init(&o), INVALID);
            }
            log_still_explains("NUL options refused before any container", dir.path());
        }
        "nul-later" => {
            open_first();
            for (label, o) in nul_log_options() {
                log_row(
                    &format!("after a container was opened, {label}"),
                    lxc::log::init(&o),
                    INVALID,
                );
            }
            log_still_explains(
                "NUL options refused after a container was opened",
                dir.path(),
            );
        }
        "level-later" => {
            open_first();
            for level in [
                LogLevel::Trace,
                LogLevel::Debug,
                LogLevel::Info,
                LogLevel::Notice,
                LogLevel::Warn,
                LogLevel::Crit,
                LogLevel::Alert,
                LogLevel::Fatal,
            ] {
                let o = LogOptions {
                    level,
                    file: Some(dir.path().join("x.log")),
                    ..LogOptions::default()
                };
                log_row(
                    &format!("after a container was opened, level {level:?}"),
                    lxc::log::init(&o),
                    INVALID,
                );
            }
            log_still_explains("levels refused after a container was opened", dir.path());
        }
        "dir-later" => {
            open_first();
            let o = LogOptions {
                file: Some(dir.path().to_owned()),
                ..LogOptions::default()
            };
            log_row(
                "after a container was opened, a directory as log file",
                lxc::log::init(&o),
                &[K::InvalidArgument, K::Failed],
            );
            log_still_explains("a failed init with a directory", dir.path());
        }
        "empty-later" => {
            open_first();
            let o = LogOptions {
                file: Some(PathBuf::new()),
                ..LogOptions::default()
            };
            log_row(
                "after a container was opened, an empty log file name",
                lxc::log::init(&o),
                &[K::InvalidArgument, K::Failed],
            );
            log_still_explains("a failed init with an empty file name", dir.path());
        }
        other => panic!("unknown log scenario {other}"),
    }
}

/// One call, in a fresh process; prints its `OUTCOME`.
fn call_probe(name: &str) {
    let outcome = match name {
        "restore-undefined" | "restore-undefined-over" => {
            let dir = tempfile::tempdir().expect("tempdir");
            let c = Container::new_in("ghost", dir.path()).expect("open");
            let new_name = (name == "restore-undefined").then_some("copy");
            describe(&c.snapshot_restore("snap0", new_name))
        }
        _ => {
            let Some(lx) = Lxcpath::new(name) else {
                println!("OUTCOME SKIP");
                return;
            };
            // For the parent to remove, should this process die before Lxcpath's Drop.
            println!("\nLXCPATH {}", lx.path().display());
            if let Some(rest) = name.strip_prefix("console:") {
                let (tty, escape) = rest.split_once(',').expect("console:<tty>,<escape>");
                let c = lx.running("probe");
                describe(&console_session(
                    &c,
                    tty.parse().expect("tty"),
                    escape.parse().expect("escape"),
                ))
            } else {
                let c = lx.busybox("probe");
                c.clear_config();
                match name {
                    "cleared:snapshot" => describe(&c.snapshot(None)),
                    "cleared:restore" => describe(&c.snapshot_restore("snap0", Some("copy"))),
                    "cleared:clone" => describe(&c.clone_as("copy")),
                    other => panic!("unknown probe {other}"),
                }
            }
        }
    };
    println!("OUTCOME {outcome}");
}

/// Run in a child process by `probe`; does nothing otherwise.
#[test]
#[ignore = "helper: run in a child process by every_bad_input_is_refused and the bug tests"]
fn probe_child() {
    let Ok(name) = std::env::var(PROBE) else {
        return;
    };
    match name.strip_prefix("log:") {
        Some(scenario) => log_scenario(scenario),
        None => call_probe(&name),
    }
}

/// The log scenarios that must pass: bad options refused before liblxc is asked.
const LOG_SCENARIOS: &[&str] = &["nul-first", "nul-later", "level-later"];

fn log_area() -> Report {
    let mut report = Report {
        area: "log",
        tried: 0,
        failures: Vec::new(),
    };
    for s in LOG_SCENARIOS {
        let p = probe(&format!("log:{s}"));
        for (ok, row) in p.rows() {
            report.tried += 1;
            if verbose() {
                eprintln!("[log] {row}");
            }
            if !ok {
                report.failures.push(format!("[log] {row}"));
            }
        }
        if let Some(why) = p.died() {
            report.failures.push(format!("[log] scenario {s}: {why}"));
        }
    }
    report
}

// ---------------------------------------------------------------------------------------------
// The test

type Area = fn(&Lxcpath, &Path) -> Table;

/// Builds and runs one area in its own lxcpath.
fn run_area(name: &'static str, build: Area) -> Report {
    let lx = Lxcpath::new(name).expect("an lxcpath (prerequisites were checked)");
    let scratch = tempfile::Builder::new()
        .prefix("lxc-rs-bad-scratch-")
        .tempdir()
        .expect("scratch directory");
    let table = build(&lx, scratch.path());
    run(table, &lx)
}

#[test]
fn every_bad_input_is_refused() {
    // Skips (loudly) when real containers cannot run here.
    drop(lxcpath!());
    // BAD_INPUT_AREAS=a,b runs only those areas (for debugging).
    let only = std::env::var("BAD_INPUT_AREAS").ok();
    let wanted = |a: &str| {
        only.as_deref()
            .map_or(true, |o| o.split(',').any(|w| w == a))
    };
    let pick = |areas: Vec<(&'static str, Area)>| -> Vec<(&'static str, Area)> {
        areas.into_iter().filter(|(n, _)| wanted(n)).collect()
    };
    // The areas run one after the other: under concurrency a failure's reason can quote, or lose
    // to, another thread's liblxc log lines (`reasons_do_not_depend_on_other_threads`), and a
    // snapshot can deadlock (`snapshot_does_not_hang_while_other_threads_use_liblxc`). The log
    // area runs meanwhile, in child processes.
    let all: Vec<(&'static str, Area)> = vec![
        ("lifecycle", lifecycle),
        ("config", config),
        ("snapshots", snapshots),
        ("exec", exec),
        ("net+cgroup", net_cgroup),
        ("devices+mounts+fds", devices_mounts_fds),
        ("console", console),
        ("criu", criu),
        ("create", create),
        ("free", free),
    ];
    let log = wanted("log").then(|| std::thread::spawn(log_area));
    let mut reports: Vec<Report> = pick(all)
        .into_iter()
        .map(|(name, build)| run_area(name, build))
        .collect();
    if let Some(l) = log {
        reports.push(l.join().expect("the log area panicked"));
    }
    reports.sort_by_key(|r| r.area);
    let total: usize = reports.iter().map(|r| r.tried).sum();
    for r in &reports {
        eprintln!("bad inputs tried in {}: {}", r.area, r.tried);
    }
    eprintln!("bad inputs tried: {total}");
    let failures: Vec<&String> = reports.iter().flat_map(|r| &r.failures).collect();
    assert!(
        failures.is_empty(),
        "{} of {total} bad inputs were not refused properly:\n{}",
        failures.len(),
        failures
            .iter()
            .map(|f| format!("  - {f}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    if only.is_none() {
        assert!(
            total >= MIN_TRIED,
            "only {total} bad inputs were tried; at least {MIN_TRIED} must be"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Bugs: each test asserts the right behaviour.

/// Why `r` is not a refusal in `op` about `container` with one of `kinds` and a reason.
fn refused<T: Debug>(
    what: &str,
    r: lxc::Result<T>,
    op: &'static str,
    container: Option<&str>,
    kinds: &'static [K],
) -> Option<String> {
    let want = Want::Err {
        op,
        container: container.map(str::to_owned),
        kinds,
    };
    judge(&want, &r.map(|v| format!("{v:?}"))).map(|why| format!("{what}: {why}"))
}

#[track_caller]
fn assert_no_problems(problems: &[String]) {
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems
            .iter()
            .map(|p| format!("  - {p}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn names_with_a_line_break_are_refused() {
    let lx = lxcpath!();
    let c = lx.busybox("nl");
    c.snapshot(None).expect("snapshot");
    let victim = lx.busybox("nl-rename");
    let before = lx.tree();
    let evil = "x\nlxc.init.cmd = evil";
    let mut problems = Vec::new();
    for name in [evil, "a\rb", "a\nb", "\n"] {
        problems.extend(refused(
            &format!("Container::new_in({name:?})"),
            Container::new_in(name, lx.path()),
            "lxc_container_new",
            Some(name),
            INVALID,
        ));
        match c.clone_as(name) {
            Ok(copy) => problems.push(format!(
                "clone_as({name:?}) made a copy; its lxc.init.cmd is {:?}, its rootfs {:?}",
                copy.config_item("lxc.init.cmd"),
                copy.config_item("lxc.rootfs.path")
            )),
            Err(e) => problems.extend(refused(
                &format!("clone_as({name:?})"),
                Err::<(), _>(e),
                "clone",
                Some("nl"),
                INVALID,
            )),
        }
        problems.extend(refused(
            &format!("snapshot_restore(snap0, {name:?})"),
            c.snapshot_restore("snap0", Some(name)),
            "snapshot_restore",
            Some("nl"),
            INVALID,
        ));
    }
    problems.extend(refused(
        &format!("rename({evil:?})"),
        victim.rename(evil),
        "rename",
        Some("nl-rename"),
        INVALID,
    ));
    problems.extend(tree_diff(&before, &lx.tree()));
    assert_no_problems(&problems);
}

#[test]
fn an_empty_lxcpath_is_refused() {
    let lx = lxcpath!();
    let c = lx.busybox("ep");
    let mut problems = Vec::new();
    for (what, r) in [
        ("Container::new_in(\"x\", \"\")", Container::new_in("x", "")),
        (
            "Container::with_lxcpath(\"x\", Some(\"\"))",
            Container::with_lxcpath("x", Some(Path::new(""))),
        ),
    ] {
        match r {
            Ok(h) => problems.push(format!(
                "{what} succeeded; its configuration file is {:?}",
                h.config_file_name()
            )),
            Err(e) => problems.extend(refused(
                what,
                Err::<(), _>(e),
                "lxc_container_new",
                Some("x"),
                INVALID,
            )),
        }
    }
    problems.extend(refused(
        "set_config_path(\"\")",
        c.set_config_path(Path::new("")),
        "set_config_path",
        Some("ep"),
        INVALID,
    ));
    if c.config_path().ok().as_deref() != Some(lx.path()) {
        problems.push(format!(
            "after the refused set_config_path the handle looks in {:?}; its configuration \
             file is {:?}",
            c.config_path(),
            c.config_file_name()
        ));
    }
    assert_no_problems(&problems);
}

#[test]
fn a_64_kib_lxcpath_is_invalid_argument() {
    let lx = lxcpath!();
    let c = lx.busybox("lp");
    let mut problems = Vec::new();
    problems.extend(refused(
        "Container::new_in(\"x\", 64 KiB)",
        Container::new_in("x", long_path()),
        "lxc_container_new",
        Some("x"),
        INVALID,
    ));
    problems.extend(refused(
        "set_config_path(64 KiB)",
        c.set_config_path(&long_path()),
        "set_config_path",
        Some("lp"),
        INVALID,
    ));
    assert_no_problems(&problems);
}

#[test]
fn reboot2_of_a_container_that_does_not_run_is_not_running() {
    let lx = lxcpath!();
    let c = lx.busybox("rb");
    let ghost = lx.container("rb-ghost");
    let before = lx.tree();
    let mut problems = Vec::new();
    for d in [Duration::from_secs(1), Duration::ZERO] {
        problems.extend(refused(
            &format!("reboot2({d:?}) of a stopped container"),
            c.reboot2(d),
            "reboot2",
            Some("rb"),
            NOT_RUNNING,
        ));
        problems.extend(refused(
            &format!("reboot2({d:?}) of an undefined container"),
            ghost.reboot2(d),
            "reboot2",
            Some("rb-ghost"),
            &[K::NotRunning, K::NotFound],
        ));
    }
    assert_eq!(c.state().expect("state"), State::Stopped);
    problems.extend(tree_diff(&before, &lx.tree()));
    assert_no_problems(&problems);
}

#[test]
fn snapshot_restore_of_an_undefined_container_is_not_found() {
    let mut problems = Vec::new();
    for name in ["restore-undefined", "restore-undefined-over"] {
        let p = probe(name);
        if let Some(why) = p.died() {
            problems.push(format!("{name}: {why}"));
            continue;
        }
        let o = p.outcome().unwrap_or("no outcome");
        if !o.starts_with("Err NotFound snapshot_restore") {
            problems.push(format!(
                "{name}: {o}; expected a NotFound error of snapshot_restore"
            ));
        }
    }
    assert_no_problems(&problems);
}

#[test]
fn calls_after_clear_config_do_not_crash() {
    let mut problems = Vec::new();
    for name in ["cleared:snapshot", "cleared:restore", "cleared:clone"] {
        let p = probe(name);
        if let Some(why) = p.died() {
            problems.push(format!("{name}: {why}"));
            continue;
        }
        let o = p.outcome().unwrap_or("no outcome");
        if o == "SKIP" {
            return;
        }
        if !o.starts_with("Err ") || o.contains("liblxc logged no reason") {
            problems.push(format!("{name}: {o}; expected an error that says why"));
        }
    }
    assert_no_problems(&problems);
}

#[test]
fn save_config_and_create_after_clear_config_keep_the_configuration() {
    let lx = lxcpath!();
    let c = lx.busybox("cl");
    let file = c.config_file_name().expect("config_file_name");
    let text = std::fs::read_to_string(&file).expect("read config");
    let before = lx.tree();
    let mut problems = Vec::new();
    c.clear_config();
    problems.extend(refused(
        "save_config(None) after clear_config",
        c.save_config(None),
        "save_config",
        Some("cl"),
        &[K::Failed, K::InvalidArgument, K::NotFound],
    ));
    let d = lx.container("cl");
    d.clear_config();
    problems.extend(refused(
        "create after clear_config",
        d.create_with(Some("busybox"), None, None, CreateFlags::QUIET, &[]),
        "create",
        Some("cl"),
        EXISTS,
    ));
    let after = std::fs::read_to_string(&file).unwrap_or_default();
    if after != text {
        let fresh = lx.container("cl");
        problems.push(format!(
            "the configuration file was rewritten: lxc.rootfs.path is now {:?}, lxc.net.0.type {:?}",
            fresh.config_item("lxc.rootfs.path"),
            fresh.config_item("lxc.net.0.type")
        ));
    }
    problems.extend(tree_diff(&before, &lx.tree()));
    assert_no_problems(&problems);
}

#[test]
fn uid_and_gid_u32_max_are_refused() {
    let lx = lxcpath!();
    let c = lx.running("ux");
    let mut problems = Vec::new();
    for (what, r) in [
        (
            "uid(u32::MAX)",
            c.command("id").arg("-u").uid(u32::MAX).output(),
        ),
        (
            "gid(u32::MAX)",
            c.command("id").arg("-g").gid(u32::MAX).output(),
        ),
    ] {
        match r {
            Ok(out) => problems.push(format!(
                "{what} ran the program, as id {:?}",
                String::from_utf8_lossy(&out.stdout).trim()
            )),
            Err(e) => problems.extend(refused(
                what,
                Err::<(), _>(e),
                "attach",
                Some("ux"),
                INVALID,
            )),
        }
    }
    assert_no_problems(&problems);
}

#[test]
fn attach_set_up_failures_are_errors() {
    let lx = lxcpath!();
    let c = lx.running("gx");
    let many: Vec<u32> = (1..=70_000).collect();
    let mut problems = Vec::new();
    problems.extend(refused(
        "groups([0, u32::MAX])",
        c.command("true").groups(&[0, u32::MAX]).output(),
        "attach",
        Some("gx"),
        &[K::InvalidArgument, K::Failed],
    ));
    problems.extend(refused(
        "70 000 groups",
        c.command("true").groups(&many).output(),
        "attach",
        Some("gx"),
        &[K::InvalidArgument, K::Failed],
    ));
    problems.extend(refused(
        "groups([u32::MAX]) with status()",
        c.command("true").groups(&[u32::MAX]).status(),
        "attach",
        Some("gx"),
        &[K::InvalidArgument, K::Failed],
    ));
    assert_no_problems(&problems);
}

#[test]
fn environment_names_are_checked_everywhere() {
    let lx = lxcpath!();
    let c = lx.running("en");
    let mut problems = Vec::new();
    problems.extend(refused(
        "env_remove(\"A\\0B\")",
        c.command("true").env_remove("A\0B").output(),
        "attach",
        Some("en"),
        INVALID,
    ));
    problems.extend(refused(
        "inherit_env().env_remove(\"A\\0B\")",
        c.command("true").inherit_env().env_remove("A\0B").output(),
        "attach",
        Some("en"),
        INVALID,
    ));
    problems.extend(refused(
        "keep_env(\"\")",
        c.command("true").keep_env("").output(),
        "attach",
        Some("en"),
        INVALID,
    ));
    problems.extend(refused(
        "keep_env(\"A=B\")",
        c.command("true").keep_env("A=B").output(),
        "attach",
        Some("en"),
        INVALID,
    ));
    assert_no_problems(&problems);
}

#[test]
fn invalid_configuration_values_are_explained() {
    let lx = lxcpath!();
    let c = lx.busybox("cv");
    let before = lx.tree();
    let mut problems = Vec::new();
    for (key, value) in [
        ("lxc.net.-1.type", "veth"),
        ("lxc.net.x.type", "veth"),
        ("lxc.tty.max", "-1"),
        ("lxc.tty.max", "99999999999999999999"),
        ("lxc.tty.max", "abc"),
        ("lxc.start.auto", "2"),
        ("lxc.start.delay", "-3"),
        ("lxc.signal.halt", "SIGBOGUS"),
        ("lxc.console.buffer.size", "-5"),
        ("lxc.cgroup2.", "1"),
        ("lxc.prlimit.nofile", "bogus"),
        ("lxc.init.uid", "-1"),
        ("lxc.autodev", "2"),
        ("lxc.ephemeral", "2"),
        ("lxc.apparmor.allow_nesting", "7"),
        ("lxc.seccomp.allow_nesting", "-1"),
        ("lxc.time.offset.boot", "bogus"),
        ("lxc.sysctl.", "1"),
    ] {
        problems.extend(refused(
            &format!("set_config_item({key:?}, {value:?})"),
            c.set_config_item(key, value),
            "set_config_item",
            Some("cv"),
            INVALID,
        ));
    }
    problems.extend(refused(
        "set_config_item(\"lxc.uts.name\", 64 KiB)",
        c.set_config_item("lxc.uts.name", &long()),
        "set_config_item",
        Some("cv"),
        INVALID,
    ));
    problems.extend(refused(
        "clear_config_item(\"lxc.net.x\")",
        c.clear_config_item("lxc.net.x"),
        "clear_config_item",
        Some("cv"),
        INVALID,
    ));
    problems.extend(tree_diff(&before, &lx.tree()));
    assert_no_problems(&problems);
}

#[test]
fn impossible_configuration_values_are_refused() {
    let lx = lxcpath!();
    let c = lx.busybox("iv");
    let mut problems = Vec::new();
    for (key, value) in [
        ("lxc.net.0.mtu", "-1"),
        ("lxc.net.0.hwaddr", "zz:zz:zz"),
        ("lxc.signal.halt", "99999"),
        ("lxc.signal.reboot", "-1"),
    ] {
        problems.extend(refused(
            &format!("set_config_item({key:?}, {value:?})"),
            c.set_config_item(key, value),
            "set_config_item",
            Some("iv"),
            INVALID,
        ));
    }
    assert_no_problems(&problems);
}

#[test]
fn load_config_of_a_directory_fails() {
    let lx = lxcpath!();
    let c = lx.busybox("ld");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut problems = Vec::new();
    problems.extend(refused(
        "load_config(a directory)",
        c.load_config(Some(dir.path())),
        "load_config",
        Some("ld"),
        &[K::InvalidArgument, K::Failed],
    ));
    assert_no_problems(&problems);
}

#[test]
fn queries_without_a_configuration_or_a_key_are_explained() {
    let lx = lxcpath!();
    let ghost = lx.container("qk-ghost");
    let c = lx.running("qk");
    let mut problems = Vec::new();
    problems.extend(refused(
        "keys(lxc.net) of an undefined container",
        ghost.keys(Some("lxc.net")),
        "get_keys",
        Some("qk-ghost"),
        NOT_FOUND,
    ));
    problems.extend(refused(
        "running_config_item(\"\")",
        c.running_config_item(""),
        "get_running_config_item",
        Some("qk"),
        &[K::InvalidArgument, K::NotFound],
    ));
    problems.extend(refused(
        "running_config_item(64 KiB)",
        c.running_config_item(&long()),
        "get_running_config_item",
        Some("qk"),
        &[K::InvalidArgument, K::NotFound],
    ));
    assert_no_problems(&problems);
}

#[test]
fn reasons_do_not_depend_on_other_threads() {
    let lx = lxcpath!();
    let c = lx.busybox("quiet");
    let stop = Arc::new(AtomicBool::new(false));
    let missing = lx.path().join("missing");
    let s = stop.clone();
    let noise = std::thread::spawn(move || {
        while !s.load(Ordering::Relaxed) {
            let _ = lxc::defined_container_names(Some(&missing));
        }
    });
    let mut polluted = Vec::new();
    for _ in 0..300 {
        let e = c
            .set_config_item("lxc.tty.max", "abc")
            .expect_err("a bad value");
        if e.to_string().contains("opendir") {
            polluted.push(format!("{:?}: {e}", e.kind()));
        }
    }
    stop.store(true, Ordering::Relaxed);
    noise.join().expect("noise thread");

    // Two threads, each failing on its own container with a reason liblxc logs.
    lx.busybox("loud");
    let path = lx.path().to_owned();
    let lost: Vec<String> = std::thread::scope(|s| {
        let workers: Vec<_> = ["quiet", "loud"]
            .into_iter()
            .map(|name| {
                let path = path.clone();
                s.spawn(move || {
                    let c = Container::new_in(name, &path).expect("open");
                    let key = format!("lxc.bogus_key_of_{name}");
                    (0..300)
                        .filter_map(|_| {
                            let e = c.config_item(&key).expect_err("an unknown key");
                            (!e.to_string().contains(&key)).then(|| e.to_string())
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("worker"))
            .collect()
    });
    let mut problems = Vec::new();
    if !polluted.is_empty() {
        problems.push(format!(
            "{} of 300 errors quoted another thread's call, e.g. {}",
            polluted.len(),
            polluted[0]
        ));
    }
    if !lost.is_empty() {
        problems.push(format!(
            "{} of 600 errors lost their own reason to another thread's failure, e.g. {}",
            lost.len(),
            lost[0]
        ));
    }
    assert_no_problems(&problems);
}

#[test]
fn clone_errors_have_the_kind_of_their_cause() {
    let lx = lxcpath!();
    let c = lx.busybox("ck");
    lx.busybox("ck-other");
    let before = lx.tree();
    let none: &[&str] = &[];
    let mut problems = Vec::new();
    problems.extend(refused(
        "clone_as an existing container",
        c.clone_as("ck-other"),
        "clone",
        Some("ck"),
        EXISTS,
    ));
    problems.extend(refused(
        "clone_as itself",
        c.clone_as("ck"),
        "clone",
        Some("ck"),
        &[K::AlreadyExists, K::InvalidArgument],
    ));
    problems.extend(refused(
        "clone_with_options(default): same name, same lxcpath",
        c.clone_with_options(&CloneOptions::default()),
        "clone",
        Some("ck"),
        &[K::AlreadyExists, K::InvalidArgument],
    ));
    for (what, bdev) in [("unknown", "bogus"), ("empty", "")] {
        problems.extend(refused(
            &format!("clone_with an {what} backing store"),
            c.clone_with(
                Some("ck-copy"),
                None,
                CloneFlags::empty(),
                Some(bdev),
                None,
                0,
                none,
            ),
            "clone",
            Some("ck"),
            &[K::InvalidArgument, K::Failed],
        ));
    }
    problems.extend(refused(
        "clone_with a loop store of u64::MAX bytes",
        c.clone_with(
            Some("ck-copy"),
            None,
            CloneFlags::empty(),
            Some("loop"),
            None,
            u64::MAX,
            none,
        ),
        "clone",
        Some("ck"),
        &[K::InvalidArgument, K::Failed],
    ));
    problems.extend(refused(
        "clone_with_options onto zfs without zfs",
        c.clone_with_options(&CloneOptions {
            backing_store: Some(BackingStore::Zfs),
            ..CloneOptions::new("ck-copy")
        }),
        "clone",
        Some("ck"),
        &[K::Failed, K::Unsupported],
    ));
    problems.extend(tree_diff(&before, &lx.tree()));
    assert_no_problems(&problems);
}

#[test]
fn a_snapshot_with_a_bad_comment_file_leaves_nothing() {
    let lx = lxcpath!();
    let c = lx.busybox("cm");
    let scratch = tempfile::tempdir().expect("tempdir");
    let before = lx.tree();
    let mut problems = Vec::new();
    let cases: Vec<(&str, PathBuf, &'static [K])> = vec![
        (
            "a missing comment file",
            scratch.path().join("missing"),
            NOT_FOUND,
        ),
        (
            "a directory as comment file",
            scratch.path().to_owned(),
            &[K::InvalidArgument, K::Failed],
        ),
        (
            "a non-UTF-8 missing comment file",
            scratch.path().join(non_utf8()),
            NOT_FOUND,
        ),
        (
            "a 64 KiB comment path",
            long_path(),
            &[K::InvalidArgument, K::NotFound],
        ),
    ];
    for (what, file, kinds) in cases {
        let r = c.snapshot(Some(&file));
        let e = refused(what, r, "snapshot", Some("cm"), kinds);
        problems.extend(e.map(|e| {
            if file.as_os_str().len() < 1000 && !e.contains(&*file.to_string_lossy()) {
                format!("{e} (and it does not name the comment file)")
            } else {
                e
            }
        }));
    }
    let left = c.snapshots().map(|s| s.len()).unwrap_or(0);
    if left > 0 {
        problems.push(format!("{left} snapshot(s) were left behind"));
    }
    problems.extend(tree_diff(&before, &lx.tree()));
    assert_no_problems(&problems);
}

#[test]
fn snapshot_names_are_checked() {
    let lx = lxcpath!();
    let c = lx.busybox("sc");
    c.snapshot(None).expect("snapshot");
    let bare = lx.busybox("sc-bare");
    lx.busybox("sc-victim");
    let before = lx.tree();
    let mut problems = Vec::new();
    for (what, name, kinds) in [
        ("a missing snapshot", "snap9".to_owned(), NOT_FOUND),
        ("a missing snapshot named -x", "-x".to_owned(), NOT_FOUND),
        ("an empty name", String::new(), INVALID),
        ("..", "..".to_owned(), INVALID),
        (".", ".".to_owned(), INVALID),
        ("a/b", "a/b".to_owned(), INVALID),
        ("/", "/".to_owned(), INVALID),
        (
            "a path to another container",
            "../../sc-victim".to_owned(),
            INVALID,
        ),
        ("snap0/..", "snap0/..".to_owned(), INVALID),
        ("64 KiB", long(), INVALID),
    ] {
        problems.extend(refused(
            &format!("snapshot_restore of {what}"),
            c.snapshot_restore(&name, Some("sc-restored")),
            "snapshot_restore",
            Some("sc"),
            kinds,
        ));
        problems.extend(refused(
            &format!("snapshot_destroy of {what}"),
            c.snapshot_destroy(&name),
            "snapshot_destroy",
            Some("sc"),
            kinds,
        ));
    }
    problems.extend(refused(
        "snapshot_restore without snapshots",
        bare.snapshot_restore("snap0", Some("sc-restored")),
        "snapshot_restore",
        Some("sc-bare"),
        NOT_FOUND,
    ));
    problems.extend(refused(
        "snapshot_destroy without snapshots",
        bare.snapshot_destroy("snap0"),
        "snapshot_destroy",
        Some("sc-bare"),
        NOT_FOUND,
    ));
    problems.extend(tree_diff(&before, &lx.tree()));
    assert_no_problems(&problems);
}

#[test]
fn snapshot_restore_refuses_existing_and_running_targets() {
    let lx = lxcpath!();
    let c = lx.busybox("sr");
    c.snapshot(None).expect("snapshot");
    lx.busybox("sr-other");
    let h = lx.busybox("sr-hot");
    h.snapshot(None).expect("snapshot");
    h.start().expect("start");
    h.wait(State::Running, Duration::from_secs(10))
        .expect("RUNNING");
    let before = stable(lx.tree());
    let mut problems = Vec::new();
    problems.extend(refused(
        "snapshot_restore onto an existing container",
        c.snapshot_restore("snap0", Some("sr-other")),
        "snapshot_restore",
        Some("sr"),
        EXISTS,
    ));
    problems.extend(refused(
        "snapshot_restore over a running container",
        h.snapshot_restore("snap0", None),
        "snapshot_restore",
        Some("sr-hot"),
        RUNNING,
    ));
    problems.extend(tree_diff(&before, &stable(lx.tree())));
    assert_no_problems(&problems);
}

#[test]
fn device_and_interface_failures_are_explained() {
    let lx = lxcpath!();
    let c = lx.running("dv");
    let scratch = tempfile::tempdir().expect("tempdir");
    let file = scratch.path().join("a-file");
    std::fs::write(&file, "not a device").expect("write");
    let before = stable(lx.tree());
    let missing = Path::new("/nonexistent/dev");
    let mut problems = Vec::new();
    problems.extend(refused(
        "add_device_node of a missing path",
        c.add_device_node(missing, None),
        "add_device_node",
        Some("dv"),
        NOT_FOUND,
    ));
    problems.extend(refused(
        "add_device_node of a regular file",
        c.add_device_node(&file, None),
        "add_device_node",
        Some("dv"),
        INVALID,
    ));
    problems.extend(refused(
        "add_device_node of an empty path",
        c.add_device_node(Path::new(""), None),
        "add_device_node",
        Some("dv"),
        &[K::InvalidArgument, K::NotFound],
    ));
    problems.extend(refused(
        "add_device_node /dev/null to a missing destination",
        c.add_device_node(Path::new("/dev/null"), Some(missing)),
        "add_device_node",
        Some("dv"),
        NOT_FOUND,
    ));
    problems.extend(refused(
        "remove_device_node of a missing path",
        c.remove_device_node(missing, None),
        "remove_device_node",
        Some("dv"),
        NOT_FOUND,
    ));
    problems.extend(refused(
        "remove_device_node of a regular file",
        c.remove_device_node(&file, None),
        "remove_device_node",
        Some("dv"),
        INVALID,
    ));
    problems.extend(refused(
        "attach_interface of a missing device",
        c.attach_interface("lxcrsnodev0", None),
        "attach_interface",
        Some("dv"),
        NOT_FOUND,
    ));
    problems.extend(refused(
        "attach_interface of an empty name",
        c.attach_interface("", None),
        "attach_interface",
        Some("dv"),
        &[K::InvalidArgument, K::NotFound],
    ));
    problems.extend(refused(
        "attach_interface of a 64 KiB name",
        c.attach_interface(&long(), None),
        "attach_interface",
        Some("dv"),
        INVALID,
    ));
    problems.extend(refused(
        "detach_interface of a name longer than IFNAMSIZ",
        c.detach_interface("lxcrs-far-too-long-name", None),
        "detach_interface",
        Some("dv"),
        &[K::InvalidArgument, K::NotFound],
    ));
    problems.extend(tree_diff(&before, &stable(lx.tree())));
    assert_no_problems(&problems);
}

#[test]
fn cgroup_write_failures_are_explained() {
    let lx = lxcpath!();
    let c = lx.running("cw");
    let mut problems = Vec::new();
    let cases: Vec<(&str, &str, &'static [K])> = vec![
        ("pids.max", "bogus", INVALID),
        ("pids.max", "", INVALID),
        ("pids.max", "-1", INVALID),
        ("pids.max", "99999999999999999999999", INVALID),
        ("bogus", "1", &[K::InvalidArgument, K::NotFound]),
        ("pids.bogus", "1", NOT_FOUND),
        ("", "1", INVALID),
        (
            "pids.current",
            "5",
            &[K::PermissionDenied, K::InvalidArgument],
        ),
        (
            "cgroup.procs",
            "999999999",
            &[K::NotFound, K::InvalidArgument],
        ),
        (
            "../../../../../../../../etc/passwd",
            "x",
            &[K::InvalidArgument, K::NotFound, K::PermissionDenied],
        ),
    ];
    for (key, value, kinds) in cases {
        problems.extend(refused(
            &format!("set_cgroup_item({key:?}, {value:?})"),
            c.set_cgroup_item(key, value),
            "set_cgroup_item",
            Some("cw"),
            kinds,
        ));
    }
    problems.extend(refused(
        "set_pids_limit(Some(u64::MAX))",
        c.set_pids_limit(Some(u64::MAX)),
        "set_cgroup_item",
        Some("cw"),
        INVALID,
    ));
    assert_no_problems(&problems);
}

#[test]
fn mount_and_umount_of_a_container_that_does_not_run_are_not_running() {
    let lx = lxcpath!();
    let cold = lx.busybox("mn");
    let ghost = lx.container("mn-ghost");
    let mnt = Path::new("/mnt");
    let mut problems = Vec::new();
    problems.extend(refused(
        "mount of a stopped container",
        cold.mount(None, mnt, Some("tmpfs"), MountFlags::empty(), None),
        "mount",
        Some("mn"),
        NOT_RUNNING,
    ));
    problems.extend(refused(
        "mount of an undefined container",
        ghost.mount(None, mnt, Some("tmpfs"), MountFlags::empty(), None),
        "mount",
        Some("mn-ghost"),
        &[K::NotRunning, K::NotFound],
    ));
    problems.extend(refused(
        "umount of an undefined container",
        ghost.umount(mnt, UnmountFlags::empty()),
        "umount",
        Some("mn-ghost"),
        &[K::NotRunning, K::NotFound],
    ));
    assert_no_problems(&problems);
}

#[test]
fn seccomp_notify_fd_active_of_an_undefined_container_is_not_running() {
    let lx = lxcpath!();
    let ghost = lx.container("sa-ghost");
    let problems: Vec<String> = refused(
        "seccomp_notify_fd_active of an undefined container",
        ghost.seccomp_notify_fd_active(),
        "seccomp_notify_fd_active",
        Some("sa-ghost"),
        &[K::NotRunning, K::NotFound],
    )
    .into_iter()
    .collect();
    assert_no_problems(&problems);
}

#[test]
fn restore_from_a_missing_directory_says_so() {
    let lx = lxcpath!();
    let c = lx.busybox("rs");
    let scratch = tempfile::tempdir().expect("tempdir");
    let dir = scratch.path().join("no-checkpoint-here");
    let before = lx.tree();
    let r = c.restore(&dir, false);
    let message = r.as_ref().err().map(ToString::to_string);
    let mut problems: Vec<String> = refused(
        "restore from a missing directory",
        r,
        "restore",
        Some("rs"),
        NOT_FOUND,
    )
    .into_iter()
    .collect();
    if let Some(m) = message {
        if !m.contains(&*dir.to_string_lossy()) {
            problems.push(format!("the error does not name the directory: {m}"));
        }
    }
    let _ = c.wait(State::Stopped, Duration::from_secs(5));
    problems.extend(tree_diff(&before, &lx.tree()));
    assert_no_problems(&problems);
}

#[test]
fn listing_an_unusable_lxcpath_is_explained() {
    let scratch = tempfile::tempdir().expect("tempdir");
    let file = scratch.path().join("a-file");
    std::fs::write(&file, "x").expect("write");
    let mut problems = Vec::new();
    type Names = fn(Option<&Path>) -> lxc::Result<Vec<String>>;
    type Handles = fn(Option<&Path>) -> lxc::Result<Vec<Container>>;
    let listings: [(&str, &'static str, Names, Handles); 2] = [
        (
            "defined",
            "list_defined_containers",
            lxc::defined_container_names,
            lxc::defined_containers,
        ),
        (
            "all",
            "list_all_containers",
            lxc::all_container_names,
            lxc::all_containers,
        ),
    ];
    for (what, op, names, handles) in listings {
        for (label, p) in [
            ("a missing lxcpath", scratch.path().join("missing")),
            ("a file", file.clone()),
            ("an empty lxcpath", PathBuf::new()),
            ("a 64 KiB lxcpath", long_path()),
            (
                "a non-UTF-8 missing lxcpath",
                scratch.path().join(non_utf8()),
            ),
        ] {
            let kinds: &'static [K] = &[K::NotFound, K::InvalidArgument];
            match names(Some(&p)) {
                Ok(v) if v.is_empty() => {}
                r => problems.extend(refused(
                    &format!("{what}_container_names of {label}"),
                    r,
                    op,
                    None,
                    kinds,
                )),
            }
            match handles(Some(&p)) {
                Ok(v) if v.is_empty() => {}
                r => problems.extend(refused(
                    &format!("{what}_containers of {label}"),
                    r,
                    op,
                    None,
                    kinds,
                )),
            }
        }
    }
    assert_no_problems(&problems);
}

#[test]
fn a_failed_log_init_keeps_error_explanations() {
    if common::Lxcpath::new("a_failed_log_init_keeps_error_explanations").is_none() {
        return;
    }
    let mut problems = Vec::new();
    for s in ["dir-later", "empty-later"] {
        let p = probe(&format!("log:{s}"));
        if let Some(why) = p.died() {
            problems.push(format!("{s}: {why}"));
        }
        let rows = p.rows();
        if rows.is_empty() {
            problems.push(format!("{s}: the child printed no rows"));
        }
        problems.extend(
            rows.into_iter()
                .filter(|(ok, _)| !ok)
                .map(|(_, r)| format!("{s}: {r}")),
        );
    }
    assert_no_problems(&problems);
}

#[test]
fn file_name_too_long_is_invalid_argument() {
    let lx = lxcpath!();
    let c = lx.busybox("fl");
    let t = lx.container("fl-new");
    let before = lx.tree();
    let mut problems = Vec::new();
    problems.extend(refused(
        "load_config(64 KiB)",
        c.load_config(Some(&long_path())),
        "load_config",
        Some("fl"),
        INVALID,
    ));
    problems.extend(refused(
        "save_config(64 KiB)",
        c.save_config(Some(&long_path())),
        "save_config",
        Some("fl"),
        INVALID,
    ));
    problems.extend(refused(
        "create_with a 64 KiB template",
        t.create_with(Some(&long()), None, None, CreateFlags::QUIET, &[]),
        "create",
        Some("fl-new"),
        INVALID,
    ));
    problems.extend(tree_diff(&before, &lx.tree()));
    assert_no_problems(&problems);
}

#[test]
fn console_refuses_terminals_and_escapes_it_cannot_use() {
    let mut problems = Vec::new();
    for (tty, escape) in [(-5, 1), (-2, 1), (i32::MIN, 1), (1, 0), (1, -1), (1, 1000)] {
        let p = probe(&format!("console:{tty},{escape}"));
        if let Some(why) = p.died() {
            problems.push(format!("console({tty}, …, {escape}): {why}"));
            continue;
        }
        let o = p.outcome().unwrap_or("no outcome");
        if o == "SKIP" {
            return;
        }
        if !o.starts_with("Err InvalidArgument console") {
            problems.push(format!(
                "console({tty}, …, {escape}): {o}; expected an InvalidArgument error of console"
            ));
        }
    }
    assert_no_problems(&problems);
}

#[test]
fn a_failed_create_with_leaves_nothing() {
    let lx = lxcpath!();
    let scratch = tempfile::tempdir().expect("tempdir");
    let file = scratch.path().join("a-file");
    std::fs::write(&file, "not a directory").expect("write");
    let before = lx.tree();
    let mut problems = Vec::new();
    let cases: Vec<(&str, &str, BdevSpecs)> = vec![
        ("an unknown backing store", "bogus", BdevSpecs::default()),
        ("an empty backing store", "", BdevSpecs::default()),
        (
            "dir with a file as rootfs",
            "dir",
            BdevSpecs {
                dir: Some(file.to_string_lossy().into_owned()),
                ..BdevSpecs::default()
            },
        ),
        ("zfs without zfs", "zfs", BdevSpecs::default()),
        ("lvm without lvm", "lvm", BdevSpecs::default()),
        ("rbd without ceph", "rbd", BdevSpecs::default()),
        ("btrfs off btrfs", "btrfs", BdevSpecs::default()),
    ];
    for (i, (label, bdev, specs)) in cases.into_iter().enumerate() {
        let name = format!("fc{i}");
        let c = lx.container(&name);
        problems.extend(refused(
            &format!("create_with {label}"),
            c.create_with(
                Some("busybox"),
                Some(bdev),
                Some(&specs),
                CreateFlags::QUIET,
                &[],
            ),
            "create",
            Some(&name),
            &[K::InvalidArgument, K::NotFound, K::Failed, K::Unsupported],
        ));
        if lx.path().join(&name).exists() {
            problems.push(format!(
                "create_with {label} left {:?}",
                lx.path().join(&name)
            ));
        }
    }
    if !file.is_file() {
        problems.push(format!("the file given as rootfs, {file:?}, is gone"));
    }
    problems.extend(tree_diff(&before, &lx.tree()));
    assert_no_problems(&problems);
}

#[test]
fn a_failed_create_does_not_delete_the_callers_directory() {
    let lx = lxcpath!();
    let data = tempfile::tempdir().expect("tempdir");
    let precious = data.path().join("precious");
    let specs = BdevSpecs {
        dir: Some(data.path().to_string_lossy().into_owned()),
        ..BdevSpecs::default()
    };
    let mut problems = Vec::new();
    std::fs::write(&precious, "user data").expect("write");
    let r = lx.container("ud").create_with(
        Some("busybox"),
        Some("dir"),
        Some(&specs),
        CreateFlags::QUIET,
        &["--bogus"],
    );
    if r.is_ok() {
        problems.push("create_with with a refused template argument succeeded".to_owned());
    }
    if !precious.exists() {
        problems.push(format!(
            "create_with failed ({}) and deleted the caller's directory {:?}",
            r.err().map(|e| e.to_string()).unwrap_or_default(),
            data.path()
        ));
    }
    std::fs::create_dir_all(data.path()).expect("mkdir");
    std::fs::write(&precious, "user data").expect("write");
    let r = lx.container("ud2").create_with_options(&CreateOptions {
        bdev_specs: Some(specs.clone()),
        backing_store: Some(BackingStore::Dir),
        flags: CreateFlags::QUIET,
        args: vec!["--bogus".into()],
        ..CreateOptions::new("busybox")
    });
    if !precious.exists() {
        problems.push(format!(
            "create_with_options failed ({}) and deleted the caller's directory {:?}",
            r.err().map(|e| e.to_string()).unwrap_or_default(),
            data.path()
        ));
    }
    assert_no_problems(&problems);
}

#[test]
fn starting_a_missing_program_under_init_fails() {
    let lx = lxcpath!();
    let c = lx.busybox("ui");
    let r = c.start_with(true, &["/nonexistent/program"]);
    let _ = c.wait(State::Stopped, Duration::from_secs(5));
    let mut problems: Vec<String> = refused(
        "start_with(true, [/nonexistent/program])",
        r,
        "start",
        Some("ui"),
        &[K::NotFound, K::Failed],
    )
    .into_iter()
    .collect();
    // A directory, reached through `..` that stays inside the rootfs.
    let r = c.start_with(true, &["/../../bin"]);
    let _ = c.wait(State::Stopped, Duration::from_secs(5));
    problems.extend(refused(
        "start_with(true, [/../../bin])",
        r,
        "start",
        Some("ui"),
        &[K::InvalidArgument],
    ));
    assert_eq!(c.state().expect("state"), State::Stopped);
    assert_no_problems(&problems);
}

/// This process's children that are copies of it (forked by liblxc, never exec'd).
fn forked_copies() -> Vec<i32> {
    let me = std::process::id().to_string();
    let exe = std::env::current_exe().ok();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let ppid = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1).map(str::to_owned));
            ppid.as_deref() == Some(me.as_str())
                && std::fs::read_link(format!("/proc/{pid}/exe")).ok() == exe
        })
        .collect()
}

#[test]
fn snapshot_does_not_hang_while_other_threads_use_liblxc() {
    let lx = lxcpath!();
    lx.busybox("sh-a");
    let stop = Arc::new(AtomicBool::new(false));
    // Two threads start and stop containers; two load configurations (liblxc fopen()s them).
    let helpers: Vec<_> = (0..4)
        .map(|i| {
            let c = lx.busybox(&format!("sh-h{i}"));
            let s = stop.clone();
            std::thread::spawn(move || {
                while !s.load(Ordering::Relaxed) {
                    if i % 2 == 1 {
                        let _ = c.load_config(None);
                        continue;
                    }
                    let _ = c.start();
                    let _ = c.wait(State::Running, Duration::from_secs(5));
                    let _ = c.command("true").output();
                    let _ = c.cgroup_item("pids.max");
                    let _ = c.stop();
                    let _ = c.wait(State::Stopped, Duration::from_secs(5));
                    let _ = lxc::defined_container_names(Some(Path::new("/nonexistent")));
                }
            })
        })
        .collect();
    let mut hung = None;
    for i in 0..150 {
        let (tx, rx) = mpsc::channel();
        let path = lx.path().to_owned();
        std::thread::spawn(move || {
            let a = Container::new_in("sh-a", &path).expect("open");
            let r = a
                .snapshot(None)
                .and_then(|n| a.snapshot_destroy(&format!("snap{n}")));
            let _ = tx.send(r);
        });
        if rx.recv_timeout(Duration::from_secs(60)).is_err() {
            let stuck = forked_copies();
            for pid in &stuck {
                // SAFETY: kill(2) of a child of this process (liblxc's stuck copy of it).
                unsafe { libc::kill(*pid, libc::SIGKILL) };
            }
            hung = Some(format!(
                "snapshot number {i} hung for 60 s; this process's stuck copies {stuck:?} were killed"
            ));
            break;
        }
    }
    stop.store(true, Ordering::Relaxed);
    for h in helpers {
        let _ = h.join();
    }
    assert!(hung.is_none(), "{}", hung.unwrap_or_default());
}
