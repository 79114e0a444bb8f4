//! liblxc's log set-up (`liblxc::log::init`): scenarios run in child processes, and their area.

use std::path::{Path, PathBuf};

use liblxc::log::{LogLevel, LogOptions};
use liblxc::{Container, CreateFlags, ErrorKind as K};

use crate::engine::{describe, probe, short, vague, verbose, Report, INVALID, NUL};

/// Prints one row of a log scenario for the parent.
fn log_row(label: &str, r: liblxc::Result<()>, kinds: &[K]) {
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

/// One scenario of `liblxc::log::init`, in a fresh process.
pub fn log_scenario(scenario: &str) {
    let dir = tempfile::Builder::new()
        .prefix("lxc-rs-bad-log-")
        .tempdir()
        .expect("tempdir");
    let open_first = || drop(Container::new_in("logcheck", dir.path()).expect("open"));
    match scenario {
        "nul-first" => {
            for (label, o) in nul_log_options() {
                log_row(
                    &format!("first init, {label}"),
                    liblxc::log::init(&o),
                    INVALID,
                );
            }
            log_still_explains("NUL options refused before any container", dir.path());
        }
        "nul-later" => {
            open_first();
            for (label, o) in nul_log_options() {
                log_row(
                    &format!("after a container was opened, {label}"),
                    liblxc::log::init(&o),
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
                    liblxc::log::init(&o),
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
                liblxc::log::init(&o),
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
                liblxc::log::init(&o),
                &[K::InvalidArgument, K::Failed],
            );
            log_still_explains("a failed init with an empty file name", dir.path());
        }
        other => panic!("unknown log scenario {other}"),
    }
}

/// The log scenarios that must pass: bad options refused before liblxc is asked.
const LOG_SCENARIOS: &[&str] = &["nul-first", "nul-later", "level-later"];

pub fn log_area() -> Report {
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
