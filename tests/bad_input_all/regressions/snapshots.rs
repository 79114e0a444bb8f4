//! Bugs of clone and snapshots.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

use liblxc::{BackingStore, CloneFlags, CloneOptions, Container, ErrorKind as K, State};

use super::{assert_no_problems, refused};
use crate::common::{self, stable};
use crate::engine::{
    long, long_path, non_utf8, probe, tree_diff, EXISTS, INVALID, NOT_FOUND, RUNNING,
};
use crate::lxcpath;

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
                    let _ = liblxc::defined_container_names(Some(Path::new("/nonexistent")));
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
