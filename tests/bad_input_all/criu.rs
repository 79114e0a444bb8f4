//! Checkpoint, restore and migrate in the wrong states and with bad paths.

use std::path::Path;

use liblxc::{ErrorKind as K, MigrateCommand, MigrateFeatures, MigrateOptions, PageServer};

use crate::common::Lxcpath;
use crate::engine::{long_path, Table, FAILED, INVALID, NOT_FOUND, NOT_RUNNING, NUL, RUNNING};

/// Checkpoint, restore and migrate in the wrong states and with bad paths.
pub fn criu(lx: &Lxcpath, scratch: &Path) -> Table {
    let (hot, cold, ghost) = ("cr-hot", "cr-cold", "cr-ghost");
    lx.running(hot);
    lx.busybox(cold);
    let mut t = Table::new("criu", lx, scratch, true);
    let dir = scratch.join("ckpt");

    let d = dir.clone();
    t.on(
        cold,
        "checkpoint of a stopped container",
        "checkpoint",
        NOT_RUNNING,
        move |c| c.checkpoint(&d, false, false),
    );
    let d = dir.clone();
    t.on(
        ghost,
        "checkpoint of an undefined container",
        "checkpoint",
        NOT_FOUND,
        move |c| c.checkpoint(&d, true, true),
    );
    t.on(
        hot,
        "checkpoint into an empty path",
        "checkpoint",
        INVALID,
        |c| c.checkpoint(Path::new(""), false, false),
    );
    t.on(
        hot,
        "checkpoint into a path with a NUL",
        "checkpoint",
        INVALID,
        |c| c.checkpoint(Path::new(NUL), false, false),
    );
    t.on(
        cold,
        "checkpoint of a stopped container into 64 KiB",
        "checkpoint",
        &[K::InvalidArgument, K::NotRunning],
        |c| c.checkpoint(&long_path(), false, false),
    );
    let d = dir.clone();
    t.on(
        cold,
        "checkpoint after clear_config",
        "checkpoint",
        &[K::Failed, K::NotRunning],
        move |c| {
            c.clear_config();
            c.checkpoint(&d, false, false)
        },
    );
    let d = dir.clone();
    t.on(
        hot,
        "restore of a running container",
        "restore",
        RUNNING,
        move |c| c.restore(&d, false),
    );
    let d = dir.clone();
    t.on(
        ghost,
        "restore of an undefined container",
        "restore",
        NOT_FOUND,
        move |c| c.restore(&d, false),
    );
    t.on(
        cold,
        "restore from an empty path",
        "restore",
        INVALID,
        |c| c.restore(Path::new(""), false),
    );
    t.on(
        cold,
        "restore from a path with a NUL",
        "restore",
        INVALID,
        |c| c.restore(Path::new(NUL), true),
    );
    let d = dir.clone();
    t.on(
        cold,
        "restore after clear_config",
        "restore",
        FAILED,
        move |c| {
            c.clear_config();
            c.restore(&d, false)
        },
    );

    let opts = |f: fn(&mut MigrateOptions)| {
        let mut o = MigrateOptions::new(scratch.join("mig"));
        f(&mut o);
        o
    };
    type MigrateCase = (
        &'static str,
        &'static str,
        MigrateCommand,
        MigrateOptions,
        &'static [K],
    );
    let cases: Vec<MigrateCase> = vec![
        (
            "pre-dump of a stopped container",
            cold,
            MigrateCommand::PreDump,
            opts(|_| {}),
            NOT_RUNNING,
        ),
        (
            "dump of a stopped container",
            cold,
            MigrateCommand::Dump,
            opts(|_| {}),
            NOT_RUNNING,
        ),
        (
            "dump of an undefined container",
            ghost,
            MigrateCommand::Dump,
            opts(|_| {}),
            NOT_FOUND,
        ),
        (
            "pre-dump of an undefined container",
            ghost,
            MigrateCommand::PreDump,
            opts(|_| {}),
            NOT_FOUND,
        ),
        (
            "restore of a running container",
            hot,
            MigrateCommand::Restore,
            opts(|_| {}),
            RUNNING,
        ),
        (
            "restore of an undefined container",
            ghost,
            MigrateCommand::Restore,
            opts(|_| {}),
            NOT_FOUND,
        ),
        (
            "dump into an empty directory path",
            hot,
            MigrateCommand::Dump,
            MigrateOptions::default(),
            INVALID,
        ),
        (
            "pre-dump into an empty directory path",
            hot,
            MigrateCommand::PreDump,
            MigrateOptions::default(),
            INVALID,
        ),
        (
            "restore from an empty directory path",
            cold,
            MigrateCommand::Restore,
            MigrateOptions::default(),
            INVALID,
        ),
        (
            "directory with a NUL",
            hot,
            MigrateCommand::Dump,
            MigrateOptions::new(NUL),
            INVALID,
        ),
        (
            "predump_dir with a NUL",
            hot,
            MigrateCommand::Dump,
            opts(|o| o.predump_dir = Some(NUL.into())),
            INVALID,
        ),
        (
            "action_script with a NUL",
            hot,
            MigrateCommand::Dump,
            opts(|o| o.action_script = Some(NUL.into())),
            INVALID,
        ),
        (
            "page server address with a NUL",
            hot,
            MigrateCommand::Dump,
            opts(|o| {
                o.page_server = Some(PageServer {
                    address: NUL.into(),
                    port: 1,
                })
            }),
            INVALID,
        ),
        (
            "dump of a stopped container, every option odd",
            cold,
            MigrateCommand::Dump,
            opts(|o| {
                o.ghost_limit = u64::MAX;
                o.page_server = Some(PageServer {
                    address: String::new(),
                    port: 0,
                });
                o.predump_dir = Some(long_path());
                o.action_script = Some("/nonexistent/script".into());
                o.features_to_check = MigrateFeatures::from_bits_retain(u64::MAX);
            }),
            NOT_RUNNING,
        ),
        (
            "restore of a running container, every option odd",
            hot,
            MigrateCommand::Restore,
            opts(|o| {
                o.stop = true;
                o.ghost_limit = u64::MAX;
                o.predump_dir = Some(long_path());
            }),
            RUNNING,
        ),
    ];
    for (label, name, cmd, o, kinds) in cases {
        t.on(
            name,
            format!("migrate: {label}"),
            "migrate",
            kinds,
            move |c| c.migrate(cmd, &o),
        );
    }
    t
}
