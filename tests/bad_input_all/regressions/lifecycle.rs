//! Bugs of handles, names, lxcpaths, starting, threads, listing and liblxc's log.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use liblxc::{Container, ErrorKind as K, State};

use super::{assert_no_problems, refused};
use crate::common;
use crate::engine::{long_path, non_utf8, probe, tree_diff, INVALID, NOT_RUNNING};
use crate::lxcpath;

#[test]
fn names_with_a_line_break_are_refused() {
    let lx = lxcpath!();
    let c = lx.busybox("nl");
    c.snapshot(None).expect("snapshot");
    let victim = lx.busybox("nl-rename");
    let before = lx.tree();
    let evil = "x\nlxc.init.cmd = evil";
    let mut problems = Vec::new();
    for name in [evil, "a\rb", "a\nb", "\n"] {
        problems.extend(refused(
            &format!("Container::new_in({name:?})"),
            Container::new_in(name, lx.path()),
            "lxc_container_new",
            Some(name),
            INVALID,
        ));
        match c.clone_as(name) {
            Ok(copy) => problems.push(format!(
                "clone_as({name:?}) made a copy; its lxc.init.cmd is {:?}, its rootfs {:?}",
                copy.config_item("lxc.init.cmd"),
                copy.config_item("lxc.rootfs.path")
            )),
            Err(e) => problems.extend(refused(
                &format!("clone_as({name:?})"),
                Err::<(), _>(e),
                "clone",
                Some("nl"),
                INVALID,
            )),
        }
        problems.extend(refused(
            &format!("snapshot_restore(snap0, {name:?})"),
            c.snapshot_restore("snap0", Some(name)),
            "snapshot_restore",
            Some("nl"),
            INVALID,
        ));
    }
    problems.extend(refused(
        &format!("rename({evil:?})"),
        victim.rename(evil),
        "rename",
        Some("nl-rename"),
        INVALID,
    ));
    problems.extend(tree_diff(&before, &lx.tree()));
    assert_no_problems(&problems);
}

#[test]
fn an_empty_lxcpath_is_refused() {
    let lx = lxcpath!();
    let c = lx.busybox("ep");
    let mut problems = Vec::new();
    for (what, r) in [
        ("Container::new_in(\"x\", \"\")", Container::new_in("x", "")),
        (
            "Container::with_lxcpath(\"x\", Some(\"\"))",
            Container::with_lxcpath("x", Some(Path::new(""))),
        ),
    ] {
        match r {
            Ok(h) => problems.push(format!(
                "{what} succeeded; its configuration file is {:?}",
                h.config_file_name()
            )),
            Err(e) => problems.extend(refused(
                what,
                Err::<(), _>(e),
                "lxc_container_new",
                Some("x"),
                INVALID,
            )),
        }
    }
    problems.extend(refused(
        "set_config_path(\"\")",
        c.set_config_path(Path::new("")),
        "set_config_path",
        Some("ep"),
        INVALID,
    ));
    if c.config_path().ok().as_deref() != Some(lx.path()) {
        problems.push(format!(
            "after the refused set_config_path the handle looks in {:?}; its configuration \
             file is {:?}",
            c.config_path(),
            c.config_file_name()
        ));
    }
    assert_no_problems(&problems);
}

#[test]
fn a_64_kib_lxcpath_is_invalid_argument() {
    let lx = lxcpath!();
    let c = lx.busybox("lp");
    let mut problems = Vec::new();
    problems.extend(refused(
        "Container::new_in(\"x\", 64 KiB)",
        Container::new_in("x", long_path()),
        "lxc_container_new",
        Some("x"),
        INVALID,
    ));
    problems.extend(refused(
        "set_config_path(64 KiB)",
        c.set_config_path(&long_path()),
        "set_config_path",
        Some("lp"),
        INVALID,
    ));
    assert_no_problems(&problems);
}

#[test]
fn reboot2_of_a_container_that_does_not_run_is_not_running() {
    let lx = lxcpath!();
    let c = lx.busybox("rb");
    let ghost = lx.container("rb-ghost");
    let before = lx.tree();
    let mut problems = Vec::new();
    for d in [Duration::from_secs(1), Duration::ZERO] {
        problems.extend(refused(
            &format!("reboot2({d:?}) of a stopped container"),
            c.reboot2(d),
            "reboot2",
            Some("rb"),
            NOT_RUNNING,
        ));
        problems.extend(refused(
            &format!("reboot2({d:?}) of an undefined container"),
            ghost.reboot2(d),
            "reboot2",
            Some("rb-ghost"),
            &[K::NotRunning, K::NotFound],
        ));
    }
    assert_eq!(c.state().expect("state"), State::Stopped);
    problems.extend(tree_diff(&before, &lx.tree()));
    assert_no_problems(&problems);
}

#[test]
fn reasons_do_not_depend_on_other_threads() {
    let lx = lxcpath!();
    let c = lx.busybox("quiet");
    let stop = Arc::new(AtomicBool::new(false));
    let missing = lx.path().join("missing");
    let s = stop.clone();
    let noise = std::thread::spawn(move || {
        while !s.load(Ordering::Relaxed) {
            let _ = liblxc::defined_container_names(Some(&missing));
        }
    });
    let mut polluted = Vec::new();
    for _ in 0..300 {
        let e = c
            .set_config_item("lxc.tty.max", "abc")
            .expect_err("a bad value");
        if e.to_string().contains("opendir") {
            polluted.push(format!("{:?}: {e}", e.kind()));
        }
    }
    stop.store(true, Ordering::Relaxed);
    noise.join().expect("noise thread");

    // Two threads, each failing on its own container with a reason liblxc logs.
    lx.busybox("loud");
    let path = lx.path().to_owned();
    let lost: Vec<String> = std::thread::scope(|s| {
        let workers: Vec<_> = ["quiet", "loud"]
            .into_iter()
            .map(|name| {
                let path = path.clone();
                s.spawn(move || {
                    let c = Container::new_in(name, &path).expect("open");
                    let key = format!("lxc.bogus_key_of_{name}");
                    (0..300)
                        .filter_map(|_| {
                            let e = c.config_item(&key).expect_err("an unknown key");
                            (!e.to_string().contains(&key)).then(|| e.to_string())
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("worker"))
            .collect()
    });
    let mut problems = Vec::new();
    if !polluted.is_empty() {
        problems.push(format!(
            "{} of 300 errors quoted another thread's call, e.g. {}",
            polluted.len(),
            polluted[0]
        ));
    }
    if !lost.is_empty() {
        problems.push(format!(
            "{} of 600 errors lost their own reason to another thread's failure, e.g. {}",
            lost.len(),
            lost[0]
        ));
    }
    assert_no_problems(&problems);
}

#[test]
fn listing_an_unusable_lxcpath_is_explained() {
    let scratch = tempfile::tempdir().expect("tempdir");
    let file = scratch.path().join("a-file");
    std::fs::write(&file, "x").expect("write");
    let mut problems = Vec::new();
    type Names = fn(Option<&Path>) -> liblxc::Result<Vec<String>>;
    type Handles = fn(Option<&Path>) -> liblxc::Result<Vec<Container>>;
    let listings: [(&str, &'static str, Names, Handles); 2] = [
        (
            "defined",
            "list_defined_containers",
            liblxc::defined_container_names,
            liblxc::defined_containers,
        ),
        (
            "all",
            "list_all_containers",
            liblxc::all_container_names,
            liblxc::all_containers,
        ),
    ];
    for (what, op, names, handles) in listings {
        for (label, p) in [
            ("a missing lxcpath", scratch.path().join("missing")),
            ("a file", file.clone()),
            ("an empty lxcpath", PathBuf::new()),
            ("a 64 KiB lxcpath", long_path()),
            (
                "a non-UTF-8 missing lxcpath",
                scratch.path().join(non_utf8()),
            ),
        ] {
            let kinds: &'static [K] = &[K::NotFound, K::InvalidArgument];
            match names(Some(&p)) {
                Ok(v) if v.is_empty() => {}
                r => problems.extend(refused(
                    &format!("{what}_container_names of {label}"),
                    r,
                    op,
                    None,
                    kinds,
                )),
            }
            match handles(Some(&p)) {
                Ok(v) if v.is_empty() => {}
                r => problems.extend(refused(
                    &format!("{what}_containers of {label}"),
                    r,
                    op,
                    None,
                    kinds,
                )),
            }
        }
    }
    assert_no_problems(&problems);
}

#[test]
fn a_failed_log_init_keeps_error_explanations() {
    if common::Lxcpath::new("a_failed_log_init_keeps_error_explanations").is_none() {
        return;
    }
    let mut problems = Vec::new();
    for s in ["dir-later", "empty-later"] {
        let p = probe(&format!("log:{s}"));
        if let Some(why) = p.died() {
            problems.push(format!("{s}: {why}"));
        }
        let rows = p.rows();
        if rows.is_empty() {
            problems.push(format!("{s}: the child printed no rows"));
        }
        problems.extend(
            rows.into_iter()
                .filter(|(ok, _)| !ok)
                .map(|(_, r)| format!("{s}: {r}")),
        );
    }
    assert_no_problems(&problems);
}

#[test]
fn starting_a_missing_program_under_init_fails() {
    let lx = lxcpath!();
    let c = lx.busybox("ui");
    let r = c.start_with(true, &["/nonexistent/program"]);
    let _ = c.wait(State::Stopped, Duration::from_secs(5));
    let mut problems: Vec<String> = refused(
        "start_with(true, [/nonexistent/program])",
        r,
        "start",
        Some("ui"),
        &[K::NotFound, K::Failed],
    )
    .into_iter()
    .collect();
    // A directory, reached through `..` that stays inside the rootfs.
    let r = c.start_with(true, &["/../../bin"]);
    let _ = c.wait(State::Stopped, Duration::from_secs(5));
    problems.extend(refused(
        "start_with(true, [/../../bin])",
        r,
        "start",
        Some("ui"),
        &[K::InvalidArgument],
    ));
    assert_eq!(c.state().expect("state"), State::Stopped);
    assert_no_problems(&problems);
}
