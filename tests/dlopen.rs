//! The `dlopen` feature: the binary does not link liblxc; where liblxc is missing (or not
//! loadable) it starts and its first call that needs liblxc is `Unsupported` with what to install;
//! where liblxc is installed, real containers work as with the linked build.
//!
//! Run by `scripts/test` as `cargo test --features dlopen --test dlopen`.
mod common;

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use common::watchdog;
use liblxc::{Container, ErrorKind, State};

/// Set in a re-executed copy of this binary: it checks that liblxc is missing, as the variable's
/// value (`missing`) says.
const CHILD: &str = "LXC_RS_DLOPEN_TEST_CHILD";

/// In the child: every entry point that needs liblxc is a clear `Unsupported`; nothing panics.
fn check_missing() {
    let e = Container::new("any").expect_err("no liblxc");
    assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
    let text = e.to_string();
    assert!(text.contains("liblxc could not be loaded"), "{text}");
    assert!(text.contains("apt install liblxc1"), "{text}");
    assert!(text.contains("dnf install lxc-libs"), "{text}");
    let e = liblxc::defined_container_names(None).expect_err("no liblxc");
    assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
    // The version is unknown, not a crash.
    assert_eq!(liblxc::version(), "");
    println!("child: liblxc missing, errors clear");
}

/// Re-runs `test` of this binary in a child with `env`, through `wrap` (a command line before the
/// binary, e.g. `unshare`), and asserts it passed.
fn rerun(test: &str, env: &[(&str, &str)], wrap: &[&str]) {
    let exe = std::env::current_exe().unwrap();
    let mut argv: Vec<String> = wrap.iter().map(|s| (*s).to_owned()).collect();
    argv.push(exe.to_str().unwrap().to_owned());
    argv.extend(["--exact", test, "--nocapture", "--test-threads=1"].map(String::from));
    let mut cmd = Command::new(&argv[0]);
    cmd.args(&argv[1..]).env(CHILD, "missing");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run the child");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("child: liblxc missing, errors clear"),
        "child {argv:?} failed: {}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_binary_does_not_link_liblxc() {
    let exe = std::env::current_exe().unwrap();
    let out = Command::new("ldd").arg(&exe).output().expect("run ldd");
    assert!(out.status.success());
    let deps = String::from_utf8_lossy(&out.stdout);
    assert!(!deps.contains("liblxc"), "linked to liblxc:\n{deps}");
}

#[test]
fn a_library_that_cannot_be_loaded_is_a_clear_error() {
    let _w = watchdog(Duration::from_secs(120));
    if std::env::var(CHILD).is_ok() {
        return check_missing();
    }
    rerun(
        "a_library_that_cannot_be_loaded_is_a_clear_error",
        &[("LXC_RS_LIBLXC", "/nonexistent/liblxc.so.1")],
        &[],
    );
}

/// The installed liblxc, as this process loaded it.
fn loaded_liblxc() -> PathBuf {
    assert!(!liblxc::version().is_empty(), "liblxc is loaded");
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    let path = maps
        .lines()
        .filter_map(|l| l.split_whitespace().nth(5))
        .find(|p| p.contains("/liblxc.so"))
        .expect("liblxc in /proc/self/maps");
    PathBuf::from(path)
}

#[test]
fn starts_where_liblxc_is_not_installed() {
    let _w = watchdog(Duration::from_secs(120));
    if std::env::var(CHILD).is_ok() {
        return check_missing();
    }
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 || Command::new("unshare").arg("--help").output().is_err() {
        common::host_lacks(
            "starts_where_liblxc_is_not_installed",
            "root and unshare(1) (a private mount namespace that hides liblxc)",
        );
        return;
    }
    // In a private mount namespace, the library file is replaced by an empty one: as if liblxc
    // were not installed, for the child only.
    let lib = loaded_liblxc();
    let script = format!(
        "mount --bind /dev/null '{}' && exec \"$0\" \"$@\"",
        lib.display()
    );
    rerun(
        "starts_where_liblxc_is_not_installed",
        &[],
        &[
            "unshare",
            "-m",
            "--propagation",
            "private",
            "sh",
            "-c",
            &script,
        ],
    );
}

#[test]
fn real_containers_work_with_the_loaded_library() {
    let _w = watchdog(Duration::from_secs(300));
    let lx = lxcpath!();
    let c = lx.busybox("dl");
    c.start().expect("start");
    c.wait(State::Running, Duration::from_secs(30)).unwrap();
    let out = c
        .command("/bin/echo")
        .arg("through dlopen")
        .output()
        .expect("run a program");
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), "through dlopen\n");
    c.stop().expect("stop");
    c.destroy().expect("destroy");
    assert!(!c.is_defined());
    assert_eq!(
        liblxc::runtime_version().to_string(),
        liblxc::version(),
        "the version of the loaded library"
    );
}
