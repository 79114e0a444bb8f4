//! Bugs of commands, devices, interfaces, cgroups, mounts, seccomp, consoles and checkpoints.

use std::path::Path;
use std::time::Duration;

use liblxc::{ErrorKind as K, MountFlags, State, UnmountFlags};

use super::{assert_no_problems, refused};
use crate::common::{self, stable};
use crate::engine::{long, probe, tree_diff, INVALID, NOT_FOUND, NOT_RUNNING};
use crate::lxcpath;

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
    // Supplementary groups came in liblxc 4.0.7: before it they are refused as Unsupported.
    let kinds: &[K] = if liblxc::runtime_version().at_least(liblxc::Version::new(4, 0, 7)) {
        &[K::InvalidArgument, K::Failed]
    } else {
        &[K::Unsupported]
    };
    let mut problems = Vec::new();
    problems.extend(refused(
        "groups([0, u32::MAX])",
        c.command("true").groups(&[0, u32::MAX]).output(),
        "attach",
        Some("gx"),
        kinds,
    ));
    problems.extend(refused(
        "70 000 groups",
        c.command("true").groups(&many).output(),
        "attach",
        Some("gx"),
        kinds,
    ));
    problems.extend(refused(
        "groups([u32::MAX]) with status()",
        c.command("true").groups(&[u32::MAX]).status(),
        "attach",
        Some("gx"),
        kinds,
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
    let r = c.restore(&dir, liblxc::CriuVerbosity::Normal);
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
fn console_refuses_terminals_and_escapes_it_cannot_use() {
    let mut problems = Vec::new();
    // A terminal number is an `Option<u32>` (`None`: the first free one), so -2 and below cannot
    // be asked for; one above `i32::MAX` is refused before liblxc sees it.
    let too_large = i64::from(u32::MAX);
    for (tty, escape) in [
        (too_large, 1),
        (i64::from(i32::MAX) + 1, 1),
        (1, 0),
        (1, -1),
        (1, 1000),
    ] {
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
