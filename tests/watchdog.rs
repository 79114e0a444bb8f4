//! The test watchdogs fail a hung test loudly and say what was running (issue 11): the test, its
//! lxcpath and containers, and the process's children.
mod common;

use std::time::Duration;

/// Hangs on purpose when run by `a_hung_test_is_aborted_with_a_report` (and passes otherwise).
#[test]
fn hangs_when_asked() {
    if std::env::var_os("LXC_RS_WATCHDOG_CHILD").is_none() {
        return;
    }
    let lx = lxcpath!();
    let _c = lx.busybox("hung");
    // Null stdio: it outlives this process, and must not hold the parent's pipes open. Never
    // waited for: the watchdog aborts the process first, and the report must name it.
    #[allow(clippy::zombie_processes)]
    let _sleeper = std::process::Command::new("sleep")
        .arg("600")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn a child");
    let _watchdog = common::watchdog(Duration::from_secs(1));
    std::thread::sleep(Duration::from_secs(600));
}

#[test]
fn a_hung_test_is_aborted_with_a_report() {
    let _watchdog = common::watchdog(Duration::from_secs(300));
    if common::Lxcpath::new("watchdog").is_none() {
        return;
    }
    let out = std::process::Command::new(std::env::current_exe().expect("this test binary"))
        .args(["hangs_when_asked", "--exact", "--nocapture"])
        .env("LXC_RS_WATCHDOG_CHILD", "1")
        .output()
        .expect("run the hanging test");
    let err = String::from_utf8_lossy(&out.stderr);
    // The aborted test could not clean up: the report names its sleeper and its lxcpath.
    for line in err.lines().map(str::trim) {
        if let Some(pid) = line
            .strip_prefix("child ")
            .filter(|l| l.contains("sleep 600"))
            .and_then(|l| l.split_whitespace().next()?.parse::<i32>().ok())
        {
            // SAFETY: kill has no memory effects; the pid is the sleeper the report named.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        if let Some(dir) = line
            .split_once(", lxcpath ")
            .and_then(|(_, r)| r.split_once(" with "))
            .map(|(d, _)| std::path::PathBuf::from(d))
            .filter(|d| d.starts_with(std::env::temp_dir()))
        {
            common::force_cleanup(&dir);
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
    assert!(!out.status.success(), "the hung test passed: {err}");
    assert!(
        err.contains("WATCHDOG: test hangs_when_asked did not finish"),
        "{err}"
    );
    assert!(err.contains("still running:"), "{err}");
    assert!(
        err.contains("(thread hangs_when_asked)"),
        "no test named: {err}"
    );
    assert!(err.contains("[\"hung\"]"), "no container named: {err}");
    assert!(err.contains("sleep 600"), "no child named: {err}");
}
