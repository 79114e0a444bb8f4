//! clone and snapshots.

use std::path::Path;
use std::time::Duration;

use liblxc::{CloneFlags, CloneOptions, ErrorKind as K, State};

use crate::common::Lxcpath;
use crate::engine::{empty_list, long, verbose, Table, INVALID, NOT_FOUND, NUL, RUNNING};

/// clone and snapshots.
pub fn snapshots(lx: &Lxcpath, scratch: &Path) -> Table {
    let (orig, bare, snapped, hot, ghost) =
        ("sn-orig", "sn-bare", "sn-snapped", "sn-hot", "sn-ghost");
    lx.busybox(orig);
    lx.busybox(bare);
    let sn = lx.busybox(snapped);
    if verbose() {
        eprintln!("[snapshots] fixture: snapshot of {snapped}");
    }
    sn.snapshot(None).expect("snapshot");
    if verbose() {
        eprintln!("[snapshots] fixture: {hot}");
    }
    let h = lx.busybox(hot);
    h.snapshot(None).expect("snapshot of sn-hot");
    h.start().expect("start sn-hot");
    h.wait(State::Running, Duration::from_secs(10))
        .expect("sn-hot RUNNING");
    let mut t = Table::new("snapshots", lx, scratch, true);

    // clone_as: names.
    for (label, name) in [
        ("an empty name", String::new()),
        (".", ".".into()),
        ("..", "..".into()),
        ("a/b", "a/b".into()),
        ("../x", "../x".into()),
        ("/abs", "/abs".into()),
        ("-x", "-x".into()),
        ("256 bytes", "n".repeat(256)),
        ("64 KiB", long()),
        ("a NUL", NUL.into()),
    ] {
        t.on(
            orig,
            format!("clone_as {label}"),
            "clone",
            INVALID,
            move |c| c.clone_as(&name),
        );
    }
    t.on(
        ghost,
        "clone_as of an undefined container",
        "clone",
        NOT_FOUND,
        |c| c.clone_as("sn-copy"),
    );
    t.on(
        hot,
        "clone_as of a running container",
        "clone",
        RUNNING,
        |c| c.clone_as("sn-copy"),
    );
    t.on(
        hot,
        "clone_with_options of a running container",
        "clone",
        RUNNING,
        |c| c.clone_with_options(&CloneOptions::new("sn-copy")),
    );
    // clone_with: every string argument.
    let none: &[&str] = &[];
    t.on(
        orig,
        "clone_with: lxcpath with a NUL",
        "clone",
        INVALID,
        move |c| {
            c.clone_with(
                Some("sn-copy"),
                Some(Path::new(NUL)),
                CloneFlags::empty(),
                None,
                None,
                0,
                none,
            )
        },
    );
    t.on(
        orig,
        "clone_with: bdevtype with a NUL",
        "clone",
        INVALID,
        move |c| {
            c.clone_with(
                Some("sn-copy"),
                None,
                CloneFlags::empty(),
                Some(NUL),
                None,
                0,
                none,
            )
        },
    );
    t.on(
        orig,
        "clone_with: bdevdata with a NUL",
        "clone",
        INVALID,
        move |c| {
            c.clone_with(
                Some("sn-copy"),
                None,
                CloneFlags::empty(),
                None,
                Some(NUL),
                0,
                none,
            )
        },
    );
    t.on(
        orig,
        "clone_with: hook argument with a NUL",
        "clone",
        INVALID,
        |c| {
            c.clone_with(
                Some("sn-copy"),
                None,
                CloneFlags::empty(),
                None,
                None,
                0,
                &[NUL],
            )
        },
    );
    t.on(
        orig,
        "clone_with: new name a/b",
        "clone",
        INVALID,
        move |c| c.clone_with(Some("a/b"), None, CloneFlags::empty(), None, None, 0, none),
    );
    // clone_with_options.
    for arg in [
        "",
        "a b",
        "a;b",
        "$(reboot)",
        "`id`",
        "a\nb",
        "*",
        "a|b",
        "~root",
        "a&b",
        "a>b",
        "\"",
    ] {
        t.on(
            orig,
            format!("clone_with_options: hook argument {arg:?}"),
            "clone",
            INVALID,
            move |c| {
                c.clone_with_options(&CloneOptions {
                    hook_args: vec!["ok".into(), arg.into()],
                    ..CloneOptions::new("sn-copy")
                })
            },
        );
    }
    t.on(
        orig,
        "clone_with_options: new name with a NUL",
        "clone",
        INVALID,
        |c| c.clone_with_options(&CloneOptions::new(NUL)),
    );
    t.on(
        orig,
        "clone_with_options: new name ..",
        "clone",
        INVALID,
        |c| c.clone_with_options(&CloneOptions::new("..")),
    );
    t.on(
        orig,
        "clone_with_options: lxcpath with a NUL",
        "clone",
        INVALID,
        |c| {
            c.clone_with_options(&CloneOptions {
                lxcpath: Some(NUL.into()),
                ..CloneOptions::new("sn-copy")
            })
        },
    );
    t.on(
        orig,
        "clone_with_options: bdev_data with a NUL",
        "clone",
        INVALID,
        |c| {
            c.clone_with_options(&CloneOptions {
                bdev_data: Some(NUL.into()),
                ..CloneOptions::new("sn-copy")
            })
        },
    );

    // snapshot: states and a NUL.
    t.on(
        orig,
        "snapshot with a comment file with a NUL",
        "snapshot",
        INVALID,
        |c| c.snapshot(Some(Path::new(NUL))),
    );
    t.on(
        ghost,
        "snapshot of an undefined container",
        "snapshot",
        NOT_FOUND,
        |c| c.snapshot(None),
    );
    t.on(
        hot,
        "snapshot of a running container",
        "snapshot",
        RUNNING,
        |c| c.snapshot(None),
    );
    // snapshot_restore and snapshot_destroy: NULs, bad new names, wrong states.
    t.on(
        snapped,
        "snapshot_restore of a name with a NUL",
        "snapshot_restore",
        INVALID,
        |c| c.snapshot_restore(NUL, Some("sn-restored")),
    );
    t.on(
        snapped,
        "snapshot_destroy of a name with a NUL",
        "snapshot_destroy",
        INVALID,
        |c| c.snapshot_destroy(NUL),
    );
    for (label, new) in [
        ("an empty name", String::new()),
        ("a/b", "a/b".into()),
        ("..", "..".into()),
        (".", ".".into()),
        ("-x", "-x".into()),
        ("a NUL", NUL.into()),
        ("64 KiB", long()),
        ("../escape", "../escape".into()),
    ] {
        t.on(
            snapped,
            format!("snapshot_restore snap0 as {label}"),
            "snapshot_restore",
            INVALID,
            move |c| c.snapshot_restore("snap0", Some(&new)),
        );
    }
    t.on(
        ghost,
        "snapshot_destroy of an undefined container",
        "snapshot_destroy",
        NOT_FOUND,
        |c| c.snapshot_destroy("snap0"),
    );
    t.on(
        ghost,
        "snapshots of an undefined container",
        "snapshot_list",
        NOT_FOUND,
        |c| c.snapshots(),
    );
    t.on(
        ghost,
        "snapshot_destroy_all of an undefined container",
        "snapshot_destroy_all",
        NOT_FOUND,
        |c| c.snapshot_destroy_all(),
    );
    t.on(
        snapped,
        "destroy of a container with snapshots",
        "destroy",
        &[K::Failed, K::AlreadyExists],
        |c| c.destroy(),
    );
    t.on_ok(
        bare,
        "snapshots of a container without snapshots",
        "an empty list",
        empty_list,
        |c| c.snapshots(),
    );
    t.on_ok(
        bare,
        "snapshot_destroy_all without snapshots (documented: nothing to do)",
        "Ok",
        |s| s == "()",
        |c| c.snapshot_destroy_all(),
    );
    t
}
