//! liblxc's free functions: version, global config, wait states, key and extension checks, the
//! container listings, and the process-wide log.
//!
//! The log test is the only one in this binary (and in the suite) that calls `liblxc::log::init`: liblxc's
//! log is process-wide and keeps its first set-up.
mod common;

use std::path::Path;
use std::time::Duration;

use liblxc::log::{LogLevel, LogOptions};
use liblxc::{ErrorKind, State};

#[test]
fn version_is_the_running_liblxc() {
    let v = liblxc::version();
    let parts: Vec<&str> = v.split(['.', '-', '~', '+']).collect();
    assert!(parts.len() >= 3, "not a x.y.z version: {v:?}");
    for p in &parts[..3] {
        assert!(p.parse::<u32>().is_ok(), "not a x.y.z version: {v:?}");
    }
    let runtime = liblxc::runtime_version().to_string();
    assert!(
        v.starts_with(&runtime),
        "version {v:?} vs runtime_version {runtime:?}"
    );
    assert!(liblxc::runtime_version().at_least(liblxc::Version::new(4, 0, 0)));
    // This VM runs 5.0.2; the headers lxc-rs was built against must agree with the library.
    assert_eq!(liblxc::header_version(), v, "headers and library differ");
}

#[test]
fn global_config_item_reads_liblxc_defaults() {
    let lxcpath = liblxc::global_config_item("lxc.lxcpath").expect("lxc.lxcpath");
    assert!(!lxcpath.is_empty());
    assert!(Path::new(&lxcpath).is_absolute(), "{lxcpath:?}");
    let err = liblxc::global_config_item("lxc.bogus").expect_err("unknown global key");
    assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{err}");
    assert_eq!(err.operation(), "lxc_get_global_config_item");
    let msg = err.to_string();
    assert!(
        !msg.is_empty() && msg.contains("lxc_get_global_config_item"),
        "{msg}"
    );
}

#[test]
fn global_config_item_error_names_the_key() {
    let err = liblxc::global_config_item("lxc.bogus").expect_err("unknown global key");
    assert!(err.to_string().contains("lxc.bogus"), "{err}");
}

#[test]
fn wait_states_are_liblxcs_eight_states_in_order() {
    let states = liblxc::wait_states();
    assert_eq!(
        states,
        [
            "STOPPED", "STARTING", "RUNNING", "STOPPING", "ABORTING", "FREEZING", "FROZEN",
            "THAWED"
        ]
    );
    let typed: Vec<&str> = State::ALL.iter().map(|s| s.as_str()).collect();
    assert_eq!(states, typed, "State::ALL disagrees with liblxc");
    for s in &states {
        let parsed: State = s.parse().unwrap_or_else(|e| panic!("parse {s}: {e}"));
        assert_eq!(parsed.as_str(), s);
    }
}

#[test]
fn config_item_is_supported_is_an_exact_match() {
    let check =
        |k: &str| liblxc::config_item_is_supported(k).unwrap_or_else(|e| panic!("{k}: {e}"));
    assert!(check("lxc.net"));
    assert!(check("lxc.uts.name"));
    assert!(!check("lxc.net.0.type"), "indexed keys are not matched");
    assert!(!check("lxc.bogus"));
    assert!(!check(""));
}

#[test]
fn has_api_extension_knows_pidfd() {
    assert!(liblxc::has_api_extension("pidfd").expect("pidfd"));
    assert!(liblxc::has_api_extension("lxc_log").expect("lxc_log"));
    assert!(!liblxc::has_api_extension("no_such_ext").expect("no_such_ext"));
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn handle_names(v: Vec<liblxc::Container>) -> Vec<String> {
    sorted(v.iter().map(|c| c.name().to_owned()).collect())
}

#[test]
fn listings_follow_defined_and_running_containers() {
    let lx = lxcpath!();
    let p = Some(lx.path());
    let defined = || sorted(liblxc::defined_container_names(p).expect("defined names"));
    let all = || sorted(liblxc::all_container_names(p).expect("all names"));
    let active = || sorted(liblxc::active_container_names(p).expect("active names"));
    let none: Vec<String> = Vec::new();

    // 0 containers.
    assert_eq!(defined(), none);
    assert_eq!(all(), none);
    assert_eq!(active(), none);
    assert!(liblxc::defined_containers(p)
        .expect("defined handles")
        .is_empty());

    // 1 container, stopped; a directory without config is not a container.
    std::fs::create_dir(lx.path().join("not-a-container")).expect("mkdir");
    lx.busybox("one");
    assert_eq!(defined(), ["one"]);
    assert_eq!(all(), ["one"]);
    assert_eq!(active(), none);

    // 3 containers, one running.
    lx.busybox("three");
    let two = lx.running("two");
    assert_eq!(defined(), ["one", "three", "two"]);
    assert_eq!(all(), ["one", "three", "two"]);
    assert_eq!(active(), ["two"]);
    assert_eq!(
        handle_names(liblxc::defined_containers(p).expect("defined")),
        ["one", "three", "two"]
    );
    assert_eq!(
        handle_names(liblxc::all_containers(p).expect("all")),
        ["one", "three", "two"]
    );
    let running = liblxc::active_containers(p).expect("active handles");
    assert_eq!(
        handle_names(liblxc::active_containers(p).expect("active")),
        ["two"]
    );
    // The handles work.
    assert_eq!(
        running[0].state().expect("state through a listed handle"),
        State::Running
    );
    assert_eq!(
        running[0].init_pid().map(|p| p as i32).expect("pid"),
        two.init_pid().map(|p| p as i32).expect("pid")
    );
    for c in liblxc::defined_containers(p).expect("defined") {
        assert!(c.is_defined(), "{} listed but not defined", c.name());
        assert_eq!(c.config_path().expect("config_path"), lx.path());
    }

    two.stop().expect("stop");
    two.wait(State::Stopped, Duration::from_secs(10))
        .expect("wait STOPPED");
    assert_eq!(active(), none);
    assert_eq!(defined(), ["one", "three", "two"]);
}

/// liblxc 5.0.2: listing defined (or all) containers of a missing lxcpath fails (-1, opendir);
/// listing the active ones finds none.
#[test]
fn listings_of_a_missing_lxcpath() {
    let lx = lxcpath!();
    let missing = lx.path().join("does-not-exist");
    let p = Some(missing.as_path());
    for (op, r) in [
        (
            "list_defined_containers",
            liblxc::defined_container_names(p),
        ),
        ("list_all_containers", liblxc::all_container_names(p)),
    ] {
        let err = r.expect_err("listing a missing lxcpath");
        assert_eq!(err.operation(), op);
        assert_eq!(err.code(), Some(-1), "{err}");
        assert!(
            matches!(err.kind(), ErrorKind::Failed | ErrorKind::NotFound),
            "kind {:?}: {err}",
            err.kind()
        );
        assert!(err.to_string().contains(op), "{err}");
    }
    let err = liblxc::defined_containers(p).expect_err("handles of a missing lxcpath");
    assert_eq!(err.operation(), "list_defined_containers");
    assert_eq!(
        liblxc::active_container_names(p).expect("active of a missing lxcpath"),
        Vec::<String>::new()
    );
    assert!(liblxc::active_containers(p)
        .expect("active handles")
        .is_empty());
    assert!(!missing.exists(), "listing created the lxcpath");
}

#[test]
fn listing_error_names_the_missing_lxcpath() {
    let lx = lxcpath!();
    let missing = lx.path().join("does-not-exist");
    let err = liblxc::defined_container_names(Some(&missing)).expect_err("missing lxcpath");
    assert!(
        err.to_string().contains(missing.to_str().unwrap_or("?")),
        "{err}"
    );
}

/// Set by [`log_init_before_any_container_honours_the_level`] for its child process.
const CHILD: &str = "LXC_RS_TEST_LOG_CHILD";

/// lxc-rs sets liblxc's log up itself (at ERROR, no file) the first time a container is opened.
/// After that, `log::init` can move the log to the caller's file at ERROR, but refuses another level
/// (liblxc would ignore it).
#[test]
fn log_init_after_a_container_was_opened() {
    if std::env::var_os(CHILD).is_some() {
        return;
    }
    let lx = lxcpath!();
    let _opened_first = lx.container("first");
    let dir = tempfile::tempdir().expect("tempdir for the log");
    let file = dir.path().join("lxc.log");
    let e = liblxc::log::init(&{
        let mut __o = LogOptions::default();
        __o.file = Some(file.clone());
        __o.level = LogLevel::Info;
        __o.quiet = true;
        __o
    })
    .expect_err("a level liblxc would ignore");
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
    assert!(e.to_string().contains("before opening a container"), "{e}");
    assert!(!file.exists(), "a refused init creates nothing");

    liblxc::log::init(&{
        let mut __o = LogOptions::default();
        __o.file = Some(file.clone());
        __o.level = LogLevel::Error;
        __o.quiet = true;
        __o
    })
    .expect("log::init at ERROR");
    assert!(file.is_file(), "log::init did not create the file");

    let c = lx.busybox("logged");
    // A failure logs an ERROR line about the container, and lxc-rs reads its reason from this file.
    // (A value liblxc rejects with a message on 4.0, 5.0 and 6.0: 4.0 logs nothing for an
    // unknown key.)
    let err = c
        .set_config_item("lxc.net.0.type", "bogusnettype")
        .expect_err("unknown network type");
    let text = std::fs::read_to_string(&file).expect("read the log");
    assert!(
        text.lines()
            .any(|l| l.contains(" logged ") && l.contains("bogusnettype")),
        "no line about the failed call:\n{text}"
    );
    assert!(
        err.reason().contains("bogusnettype"),
        "reason not read from the log: {err}"
    );

    liblxc::log::close();
    let len = std::fs::metadata(&file).expect("log metadata").len();
    let err = c
        .config_item("lxc.bogus")
        .expect_err("unknown key after close");
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    assert_eq!(
        std::fs::metadata(&file).expect("log metadata").len(),
        len,
        "liblxc still logs to the file after log::close"
    );
}

/// The child half of [`log_init_before_any_container_honours_the_level`]: does nothing unless run
/// by it, alone in its own process.
#[test]
fn log_init_child() {
    let Some(file) = std::env::var_os(CHILD) else {
        return;
    };
    liblxc::log::init(&{
        let mut __o = LogOptions::default();
        __o.file = Some(file.into());
        __o.level = LogLevel::Info;
        __o.quiet = true;
        __o
    })
    .expect("log::init before any container");
    let lx = lxcpath!();
    let c = lx.running("leveled");
    c.stop().expect("stop");
}

/// `log::init` before any container is opened sets the level: INFO lines appear, nothing below.
#[test]
fn log_init_before_any_container_honours_the_level() {
    if std::env::var_os(CHILD).is_some() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir for the log");
    let file = dir.path().join("info.log");
    let exe = std::env::current_exe().expect("current_exe");
    let out = std::process::Command::new(exe)
        .args(["--exact", "log_init_child", "--test-threads=1"])
        .env(CHILD, &file)
        .output()
        .expect("run the child");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "child failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&file).expect("read the log");
    assert!(
        text.lines().any(|l| l.contains(" INFO ")),
        "no INFO line at level Info:\n{text}"
    );
    assert!(
        !text.contains(" TRACE ") && !text.contains(" DEBUG "),
        "below Info:\n{text}"
    );
}
