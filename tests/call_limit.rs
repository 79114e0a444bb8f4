//! Every member that waits for something liblxc never gives up on has a bound (issue 11): a
//! template or a hook that never ends made `create` and `start` block for ever. With a call
//! limit, the call returns `Timeout`, nothing it started goes on running, and what it made is
//! gone.
mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use liblxc::{Container, ErrorKind, State};

/// A script that never ends (a template or a hook), at a path no other test uses: the marker
/// that tells whether anything still runs it.
fn endless(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, "#!/bin/sh\nwhile :; do sleep 1; done\n").expect("write script");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path
}

/// `e` is the call limit's timeout, and nothing runs `script` any more.
fn assert_timed_out(e: &liblxc::Error, script: &Path) {
    eprintln!("{e}");
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert!(
        e.to_string().contains("(the call limit)"),
        "names the limit: {e}"
    );
    assert!(
        common::eventually(Duration::from_secs(30), || running(script).is_empty()),
        "{} still runs: {:?}",
        script.display(),
        running(script)
    );
}

/// Ends the processes that run `script`.
fn end(script: &Path) {
    let _ = std::process::Command::new("pkill")
        .arg("-f")
        .arg(script)
        .status();
}

/// Ends the processes that run a script when dropped.
struct EndOnDrop(PathBuf);

impl Drop for EndOnDrop {
    fn drop(&mut self) {
        end(&self.0);
    }
}

/// The processes whose command line names `path`.
fn running(path: &Path) -> Vec<String> {
    let needle = path.as_os_str().as_encoded_bytes();
    std::fs::read_dir("/proc")
        .expect("/proc")
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| n.parse::<u32>().is_ok())
        })
        .filter_map(|e| {
            let cmdline = std::fs::read(e.path().join("cmdline")).ok()?;
            cmdline
                .windows(needle.len())
                .any(|w| w == needle)
                .then(|| String::from_utf8_lossy(&cmdline).replace('\0', " "))
        })
        .collect()
}

#[test]
fn the_limit_is_per_handle_and_its_clones_inherit_it() {
    let _watchdog = common::watchdog(Duration::from_secs(60));
    let c = Container::new("limit-api").expect("new");
    assert_eq!(c.call_limit(), None, "no limit until one is set");
    c.set_call_limit(Some(Duration::from_secs(7)));
    assert_eq!(c.call_limit(), Some(Duration::from_secs(7)));
    let d = c.try_clone().expect("try_clone");
    assert_eq!(d.call_limit(), Some(Duration::from_secs(7)));
    d.set_call_limit(None);
    assert_eq!(d.call_limit(), None);
    assert_eq!(c.call_limit(), Some(Duration::from_secs(7)));
    assert!(liblxc::DEFAULT_START_STOP_LIMIT >= Duration::from_secs(60));
    assert!(liblxc::DEFAULT_STORAGE_LIMIT >= liblxc::DEFAULT_START_STOP_LIMIT);
}

#[test]
fn a_template_that_never_ends_gives_timeout_and_leaves_nothing() {
    let _watchdog = common::watchdog(Duration::from_secs(300));
    let lx = lxcpath!();
    let scripts = tempfile::tempdir().expect("tempdir");
    let template = endless(scripts.path(), "endless-template");
    let before = lx.tree();
    let c = lx.container("endless");
    c.set_call_limit(Some(Duration::from_secs(2)));
    let started = Instant::now();
    let e = c
        .create(template.to_str().expect("utf-8 path"))
        .expect_err("a template that never ends cannot succeed");
    let took = started.elapsed();
    assert_timed_out(&e, &template);
    assert!(
        e.to_string().contains("within 2s (the call limit)"),
        "names the limit: {e}"
    );
    // Generous: the limit is 2 s; without it the call never returns (the watchdog ends it).
    assert!(took < Duration::from_secs(120), "took {took:?}");
    assert!(!c.is_defined());
    common::assert_same_tree(&before, &lx.tree());
}

#[test]
fn a_hook_that_never_ends_gives_timeout_and_the_container_can_start_again() {
    let _watchdog = common::watchdog(Duration::from_secs(300));
    let lx = lxcpath!();
    let scripts = tempfile::tempdir().expect("tempdir");
    let hook = endless(scripts.path(), "endless-hook");
    let c = lx.busybox("hooked");
    c.set_config_item("lxc.hook.pre-start", hook.to_str().expect("utf-8 path"))
        .expect("set the hook");
    c.set_call_limit(Some(Duration::from_secs(3)));
    let started = Instant::now();
    let e = c.start().expect_err("a pre-start hook that never ends");
    let took = started.elapsed();
    assert_timed_out(&e, &hook);
    assert!(
        e.to_string().contains("within 3s (the call limit)"),
        "names the limit: {e}"
    );
    assert!(took < Duration::from_secs(120), "took {took:?}");
    assert!(
        e.to_string().ends_with("the container is stopped now"),
        "{e}"
    );
    assert!(
        common::eventually(Duration::from_secs(30), || c.state().ok()
            == Some(State::Stopped)),
        "the half-started container is gone: {:?}",
        c.state()
    );
    c.clear_config_item("lxc.hook.pre-start")
        .expect("clear the hook");
    c.set_call_limit(None);
    c.start().expect("starts without the hook");
    assert!(c.is_running());
    c.stop().expect("stop");
}

#[test]
fn a_clone_hook_that_never_ends_gives_timeout_and_leaves_no_copy_in_clone_snapshot_or_rename() {
    let _watchdog = common::watchdog(Duration::from_secs(300));
    let lx = lxcpath!();
    let scripts = tempfile::tempdir().expect("tempdir");
    let hook = endless(scripts.path(), "endless-clone-hook");
    let c = lx.busybox("orig");
    c.set_config_item("lxc.hook.clone", hook.to_str().expect("utf-8 path"))
        .expect("set the hook");
    c.save_config(None).expect("save");
    let before = lx.tree();
    c.set_call_limit(Some(Duration::from_secs(3)));
    let e = c
        .clone_with(
            Some("copy"),
            None,
            liblxc::CloneFlags::empty(),
            None,
            None,
            0,
            &[] as &[&str],
        )
        .expect_err("a clone hook that never ends");
    assert_timed_out(&e, &hook);
    assert!(!lx.container("copy").is_defined());
    common::assert_same_tree(&before, &lx.tree());

    // A snapshot and a rename are clones too, with the same hook.
    let e = c
        .snapshot(None)
        .expect_err("a snapshot whose clone hook never ends");
    assert_timed_out(&e, &hook);
    let e = c
        .rename("renamed")
        .expect_err("a rename whose clone hook never ends");
    assert_timed_out(&e, &hook);
    assert!(c.is_defined());
    common::assert_same_tree(&before, &lx.tree());
}

#[test]
fn a_destroy_hook_that_never_ends_gives_timeout_and_keeps_the_container() {
    let _watchdog = common::watchdog(Duration::from_secs(300));
    let lx = lxcpath!();
    let scripts = tempfile::tempdir().expect("tempdir");
    let hook = endless(scripts.path(), "endless-destroy-hook");
    let c = lx.busybox("doomed");
    c.set_config_item("lxc.hook.destroy", hook.to_str().expect("utf-8 path"))
        .expect("set the hook");
    c.set_call_limit(Some(Duration::from_secs(3)));
    let e = c.destroy().expect_err("a destroy hook that never ends");
    assert_timed_out(&e, &hook);
    assert!(c.is_defined(), "the hook runs before anything is removed");
    c.clear_config_item("lxc.hook.destroy")
        .expect("clear the hook");
    c.destroy().expect("destroy without the hook");
    assert!(!c.is_defined());
}

#[test]
fn a_post_stop_hook_that_never_ends_gives_timeout_instead_of_a_stop_that_hangs() {
    let _watchdog = common::watchdog(Duration::from_secs(300));
    let lx = lxcpath!();
    let scripts = tempfile::tempdir().expect("tempdir");
    let hook = endless(scripts.path(), "endless-post-stop-hook");
    // The hook is the monitor's, not the call's: it is ended here even when the test fails.
    let _ends_the_hook = EndOnDrop(hook.clone());
    let c = lx.busybox("stuck");
    c.set_config_item("lxc.hook.post-stop", hook.to_str().expect("utf-8 path"))
        .expect("set the hook");
    c.start().expect("start");
    common::wait_booted(&c, Duration::from_secs(30));
    c.set_call_limit(Some(Duration::from_secs(3)));
    // liblxc's stop waits until the monitor is gone, and the monitor waits for the hook.
    let e = c.stop().expect_err("a post-stop hook that never ends");
    eprintln!("{e}");
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert!(e.to_string().contains("within 3s (the call limit)"), "{e}");
    // The hook belongs to the container's monitor, not to the call: it still runs, and ending it
    // lets the monitor finish the stop.
    assert!(!running(&hook).is_empty(), "the monitor's hook runs on");
    end(&hook);
    assert!(
        common::eventually(Duration::from_secs(60), || c.state().ok()
            == Some(State::Stopped)),
        "stopped once the hook ended: {:?}",
        c.state()
    );
}

/// The program [`a_start_returns_when_the_monitor_keeps_inherited_descriptors`] runs: this test
/// binary again, with `LISTEN_FDS` set. A no-op in a normal run.
#[test]
fn start_with_listen_fds_child() {
    let Some(lxcpath) = std::env::var_os("LXC_RS_LISTEN_FDS_CHILD") else {
        return;
    };
    let c = Container::new_in("kept", lxcpath).expect("open");
    c.set_call_limit(Some(Duration::from_secs(60)));
    c.start().expect("start returns with the monitor running");
    c.stop().expect("stop");
}

/// With `LISTEN_FDS` set (a socket-activated service), liblxc's monitor keeps the descriptors it
/// inherits, among them the pipe the forked start sends its result through: the caller waited for
/// that pipe's end, that is for the monitor to exit, and the start ran into its call limit.
#[test]
fn a_start_returns_when_the_monitor_keeps_inherited_descriptors() {
    let _watchdog = common::watchdog(Duration::from_secs(300));
    let lx = lxcpath!();
    lx.busybox("kept");
    let status = std::process::Command::new(std::env::current_exe().expect("this test binary"))
        .args(["--exact", "start_with_listen_fds_child", "--nocapture"])
        .env("LXC_RS_LISTEN_FDS_CHILD", lx.path())
        .env("LISTEN_FDS", "1000")
        .status()
        .expect("run the child");
    assert!(status.success(), "the child: {status}");
}
