//! The engine of the tables: rows, what they must give, running them under a watchdog, and the
//! child processes (`probe_child`) for calls that must not run in this process.

use std::ffi::OsStr;
use std::fmt::Debug;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use liblxc::{Container, ErrorKind as K};

use crate::common::{stable, walk, Lxcpath, Tree, TreeChanges};
use crate::console::console_session;

/// The fewest bad inputs the tables must try: raise it when rows are added. (On liblxc 4.0, four
/// rows are not bad inputs: `lxc.arch = bogus` and the download template's three GPG options.)
pub const MIN_TRIED: usize = 510;
/// How long one row may take before it counts as a hang.
const ROW_TIMEOUT: Duration = Duration::from_secs(30);

pub const INVALID: &[K] = &[K::InvalidArgument];
pub const NOT_RUNNING: &[K] = &[K::NotRunning];
pub const RUNNING: &[K] = &[K::Running];
pub const NOT_FOUND: &[K] = &[K::NotFound];
pub const EXISTS: &[K] = &[K::AlreadyExists];
pub const FAILED: &[K] = &[K::Failed];
pub const UNSUPPORTED: &[K] = &[K::Unsupported];
pub const TIMEOUT: &[K] = &[K::Timeout];
pub const DENIED: &[K] = &[K::PermissionDenied];

// ---------------------------------------------------------------------------------------------
// Bad values

/// 64 KiB of `x`.
pub fn long() -> String {
    "x".repeat(64 * 1024)
}

/// An absolute path of 64 KiB.
pub fn long_path() -> PathBuf {
    PathBuf::from(format!("/{}", "x".repeat(64 * 1024)))
}

/// `\xff\xfe`: not UTF-8.
pub fn non_utf8() -> &'static OsStr {
    OsStr::from_bytes(b"\xff\xfe")
}

pub const NUL: &str = "a\0b";

// ---------------------------------------------------------------------------------------------
// The table

pub type Outcome = Result<String, liblxc::Error>;
type Job = Box<dyn FnOnce() -> Outcome + Send>;

pub enum Want {
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

pub struct Table {
    area: &'static str,
    lxcpath: PathBuf,
    /// Directories outside the lxcpath whose files must not change either.
    watch: Vec<PathBuf>,
    /// A container runs: what busybox writes into its rootfs is not compared.
    running: bool,
    rows: Vec<Row>,
}

pub fn empty_list(s: &str) -> bool {
    s == "[]"
}

pub fn is_false(s: &str) -> bool {
    s == "false"
}

/// A wait status other than a clean exit.
pub fn failed_status(s: &str) -> bool {
    s.starts_with("ExitStatus(") && s != "ExitStatus(unix_wait_status(0))"
}

impl Table {
    pub fn new(area: &'static str, lx: &Lxcpath, scratch: &Path, running: bool) -> Table {
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
    pub fn slow(&mut self, secs: u64) {
        if let Some(r) = self.rows.last_mut() {
            r.timeout = Duration::from_secs(secs);
        }
    }

    fn job<T: Debug>(
        &self,
        name: &str,
        f: impl FnOnce(&Container) -> liblxc::Result<T> + Send + 'static,
    ) -> Job {
        let (name, path) = (name.to_owned(), self.lxcpath.clone());
        Box::new(move || {
            let c = Container::new_in(&name, &path)?;
            f(&c).map(|v| format!("{v:?}"))
        })
    }

    /// `f`, on a fresh handle on container `name`, must fail in `op` with one of `kinds`.
    pub fn on<T: Debug>(
        &mut self,
        name: &str,
        label: impl AsRef<str>,
        op: &'static str,
        kinds: &'static [K],
        f: impl FnOnce(&Container) -> liblxc::Result<T> + Send + 'static,
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
    pub fn on_ok<T: Debug>(
        &mut self,
        name: &str,
        label: impl AsRef<str>,
        what: &'static str,
        check: fn(&str) -> bool,
        f: impl FnOnce(&Container) -> liblxc::Result<T> + Send + 'static,
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
    pub fn free<T: Debug>(
        &mut self,
        label: impl AsRef<str>,
        op: &'static str,
        container: Option<&str>,
        kinds: &'static [K],
        f: impl FnOnce() -> liblxc::Result<T> + Send + 'static,
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
    pub fn free_ok<T: Debug>(
        &mut self,
        label: impl AsRef<str>,
        what: &'static str,
        check: fn(&str) -> bool,
        f: impl FnOnce() -> liblxc::Result<T> + Send + 'static,
    ) {
        let job: Job = Box::new(move || f().map(|v| format!("{v:?}")));
        self.push(label.as_ref().to_owned(), Want::Ok { what, check }, job);
    }
}

/// What one area tried, and what went wrong.
pub struct Report {
    pub area: &'static str,
    pub tried: usize,
    pub failures: Vec<String>,
}

/// At most 300 characters of `s`.
pub fn short(s: &str) -> String {
    let mut out: String = s.chars().take(300).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

/// Why `r` is not what `want` says, if it is not.
pub fn judge(want: &Want, r: &Outcome) -> Option<String> {
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
pub fn vague(reason: &str) -> bool {
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

/// How `after` differs from `before`, if it does.
pub fn tree_diff(before: &Tree, after: &Tree) -> Option<String> {
    let d = TreeChanges::of(before, after);
    if d.is_empty() {
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
        show(&d.gone),
        show(&d.new),
        show(&d.changed)
    ))
}

pub fn verbose() -> bool {
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
// Child processes: liblxc's log, console sessions, and calls that crash liblxc 5.0.2

/// The environment variable that tells `probe_child` what to do.
pub const PROBE: &str = "LXC_RS_BAD_INPUT_PROBE";

/// What a child process did.
pub struct Probe {
    status: std::process::ExitStatus,
    stdout: String,
    stderr: String,
}

impl Probe {
    /// The `OUTCOME` line of a call probe: `Ok <value>`, `Err <kind> <op> <message>`, or `SKIP`.
    pub fn outcome(&self) -> Option<&str> {
        // The test harness prints `test probe_child ... ` before the child's first line.
        self.stdout
            .lines()
            .find_map(|l| l.split_once("OUTCOME ").map(|(_, o)| o))
    }

    /// The `ROW ok|FAIL <label>: <detail>` lines of a log scenario.
    pub fn rows(&self) -> Vec<(bool, String)> {
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
    pub fn died(&self) -> Option<String> {
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
pub fn probe(name: &str) -> Probe {
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
pub fn describe<T: Debug>(r: &liblxc::Result<T>) -> String {
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

/// One call, in a fresh process; prints its `OUTCOME`.
pub fn call_probe(name: &str) {
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
                    tty.parse::<i64>().expect("tty").try_into().ok(),
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

// ---------------------------------------------------------------------------------------------
// Areas

/// An area: builds its table, making its containers in the lxcpath and its files in the scratch
/// directory.
pub type Area = fn(&Lxcpath, &Path) -> Table;

/// Builds and runs one area in its own lxcpath.
pub fn run_area(name: &'static str, build: Area) -> Report {
    let lx = Lxcpath::new(name).expect("an lxcpath (prerequisites were checked)");
    let scratch = tempfile::Builder::new()
        .prefix("lxc-rs-bad-scratch-")
        .tempdir()
        .expect("scratch directory");
    let table = build(&lx, scratch.path());
    run(table, &lx)
}
