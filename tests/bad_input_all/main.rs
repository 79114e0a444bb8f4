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
//! hidden test `probe_child` (at the root of this crate: the child is started with
//! `--exact probe_child`).
//!
//! What is wrong today is not in the tables: each bug has its own test in `regressions` that
//! asserts the right behaviour (`#[ignore = "BUG: …"]` while it is not fixed).
//!
//! `BAD_INPUT_VERBOSE=1` prints every row's outcome; `BAD_INPUT_AREAS=exec,config` runs only those
//! areas.
//!
//! Layout:
//! - `main.rs`: this test (`every_bad_input_is_refused`, which lists the areas) and `probe_child`;
//! - `engine.rs`: the bad values, the kinds rows expect, `Table` and its rows, `judge`, running a
//!   table under a watchdog and comparing the files before and after, `run_area`, and the child
//!   processes (`probe`, `call_probe`);
//! - one file per area, each a function that builds its table: `lifecycle.rs`, `config.rs`,
//!   `create.rs`, `snapshots.rs`, `exec.rs`, `net_cgroup.rs`, `devices_mounts_fds.rs`,
//!   `console.rs`, `criu.rs`, `free.rs`; `log.rs` has the log area, whose scenarios run in child
//!   processes;
//! - `regressions/`: one test per bug, by area;
//! - the fixture (`Lxcpath`, `Tree`, `lxcpath!`) is tests/common/mod.rs, shared with the other
//!   test binaries.
#[path = "../common/mod.rs"]
mod common;

mod config;
mod console;
mod create;
mod criu;
mod devices_mounts_fds;
mod engine;
mod exec;
mod free;
mod lifecycle;
mod log;
mod net_cgroup;
mod regressions;
mod snapshots;

use crate::engine::{call_probe, run_area, Area, Report, MIN_TRIED, PROBE};
use crate::log::{log_area, log_scenario};

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

#[test]
fn every_bad_input_is_refused() {
    // Skips (loudly) when real containers cannot run here.
    drop(lxcpath!());
    // BAD_INPUT_AREAS=a,b runs only those areas (for debugging).
    let only = std::env::var("BAD_INPUT_AREAS").ok();
    let wanted = |a: &str| only.as_deref().is_none_or(|o| o.split(',').any(|w| w == a));
    let pick = |areas: Vec<(&'static str, Area)>| -> Vec<(&'static str, Area)> {
        areas.into_iter().filter(|(n, _)| wanted(n)).collect()
    };
    // The areas run one after the other: under concurrency a failure's reason can quote, or lose
    // to, another thread's liblxc log lines (`reasons_do_not_depend_on_other_threads`), and a
    // snapshot can deadlock (`snapshot_does_not_hang_while_other_threads_use_liblxc`). The log
    // area runs meanwhile, in child processes.
    let all: Vec<(&'static str, Area)> = vec![
        ("lifecycle", lifecycle::lifecycle),
        ("config", config::config),
        ("snapshots", snapshots::snapshots),
        ("exec", exec::exec),
        ("net+cgroup", net_cgroup::net_cgroup),
        ("devices+mounts+fds", devices_mounts_fds::devices_mounts_fds),
        ("console", console::console),
        ("criu", criu::criu),
        ("create", create::create),
        ("free", free::free),
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
