//! The example programs: each is listed here (run, or not run with the reason) and in the README,
//! and each runnable one runs against a temporary lxcpath, succeeds, and leaves no container
//! behind. The binaries come from the same build (`cargo test --all-targets`, or
//! `cargo build --examples` first); a binary older than its source fails the test.
mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Examples that need nothing this machine (and CI) lacks.
const RUN: &[&str] = &[
    "backing_stores",
    "cgroup_limits",
    "checkpoint",
    "clone",
    "concurrent",
    "config",
    "console",
    "console_log",
    "create_download",
    "devices",
    "ephemeral",
    "exec",
    "freeze",
    "lifecycle",
    "list",
    "logging",
    "mounts",
    "overlay_clone",
    "pipes",
    "quickstart",
    "rename",
    "snapshot_restore",
    "unprivileged",
];

/// Examples not run here, with the reason.
const NOT_RUN: &[(&str, &str)] = &[
    (
        "unprivileged_busybox",
        "needs an ordinary user with subordinate ids and cgroups of its own: tests/unprivileged.rs makes one and runs the same round trip",
    ),
    (
        "tokio",
        "needs the tokio feature; tests/async.rs runs the same calls (scripts/test runs it with the feature)",
    ),
    (
        "tracing",
        "needs the tracing feature; tests/tracing.rs checks the same spans (scripts/test runs it with the feature)",
    ),
    (
        "network",
        "adds a bridge and addresses to the host's network, which other tests and users share",
    ),
    (
        "leak_scenario",
        "scripts/valgrind runs it under valgrind after the quickstart",
    ),
];

/// How long one example may take on a loaded machine before it counts as hung.
const EXAMPLE_LIMIT: Duration = Duration::from_secs(300);

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every example program: `examples/<name>.rs` and `examples/<name>/main.rs`.
fn examples() -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(root().join("examples")).expect("read examples/") {
        let p = e.expect("examples/ entry").path();
        let name = p.file_stem().unwrap().to_string_lossy().into_owned();
        if p.extension().is_some_and(|x| x == "rs") || p.join("main.rs").exists() {
            out.push(name);
        }
    }
    out.sort();
    out
}

#[test]
fn every_example_is_listed_here_and_in_the_readme() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let mut problems = Vec::new();
    for name in examples() {
        let here = RUN.contains(&name.as_str()) || NOT_RUN.iter().any(|(n, _)| *n == name);
        if !here {
            problems.push(format!("{name}: neither in RUN nor in NOT_RUN"));
        }
        if !readme.contains(&format!("[`{name}`](examples/")) {
            problems.push(format!("{name}: no line in the README's example list"));
        }
    }
    for name in RUN.iter().chain(NOT_RUN.iter().map(|(n, _)| n)) {
        if !examples().iter().any(|e| e == name) {
            problems.push(format!("{name}: listed, but there is no such example"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The newest binary cargo built for example `name`, next to this test's own directory.
///
/// `cargo build --examples` leaves `examples/<name>`; `cargo test --all-targets` leaves only
/// `examples/<name>-<hash>` (it does not copy test-run artifacts to the plain name), one per set
/// of features, so the newest of them is the one built from the current source.
fn binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>")
        .join("examples");
    let is_build_of = |file: &str| {
        file == name
            || file
                .strip_prefix(name)
                .and_then(|rest| rest.strip_prefix('-'))
                .is_some_and(|hash| !hash.is_empty() && hash.chars().all(|c| c.is_ascii_hexdigit()))
    };
    let newest = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|entry| entry.file_name().to_str().is_some_and(is_build_of))
        .filter_map(|entry| Some((entry.metadata().ok()?.modified().ok()?, entry.path())))
        .max();
    newest.map_or_else(|| dir.join(name), |(_, path)| path)
}

fn source(name: &str) -> PathBuf {
    let file = root().join("examples").join(format!("{name}.rs"));
    if file.exists() {
        file
    } else {
        root().join("examples").join(name).join("main.rs")
    }
}

#[test]
fn runnable_examples_run_and_leave_nothing_behind() {
    let Some(lx) = common::Lxcpath::new("examples") else {
        return;
    };
    let mut failures = Vec::new();
    for name in RUN {
        let bin = binary(name);
        let built = std::fs::metadata(&bin).and_then(|m| m.modified());
        let written = std::fs::metadata(source(name)).and_then(|m| m.modified());
        match (built, written) {
            (Ok(b), Ok(w)) if b >= w => {}
            _ => {
                failures.push(format!(
                    "{name}: {} is missing or older than its source; run `cargo build --examples` (or `cargo test --all-targets`)",
                    bin.display()
                ));
                continue;
            }
        }
        let lxcpath = lx.path().join(name);
        let started = Instant::now();
        let mut child = Command::new(&bin)
            .env("LXC_RS_EXAMPLE_LXCPATH", &lxcpath)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("run {}: {e}", bin.display()));
        let status = loop {
            if let Some(s) = child.try_wait().expect("try_wait") {
                break Some(s);
            }
            if started.elapsed() > EXAMPLE_LIMIT {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let out = child.wait_with_output().expect("example output");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        eprintln!(
            "== example {name} ({:.1} s): {status:?}\n{stdout}{stderr}",
            started.elapsed().as_secs_f64()
        );
        match status {
            Some(s) if s.success() => {}
            Some(s) => failures.push(format!("{name}: {s}\n{stderr}")),
            None => failures.push(format!("{name}: still running after {EXAMPLE_LIMIT:?}")),
        }
        if lxcpath.exists() {
            let left = liblxc::all_container_names(Some(&lxcpath)).unwrap_or_default();
            if !left.is_empty() {
                failures.push(format!("{name}: left containers behind: {left:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
