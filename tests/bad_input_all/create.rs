//! `create`, its typed options, and the names of backing stores and states.

use std::path::Path;

use liblxc::{
    BackingStore, BdevSpecs, CreateFlags, CreateOptions, DownloadOptions, ErrorKind as K, State,
};

use crate::common::Lxcpath;
use crate::engine::{long, short, Table, INVALID, NOT_FOUND, NUL};

/// `create`, its typed options, and the names of backing stores and states.
pub fn create(lx: &Lxcpath, scratch: &Path) -> Table {
    let mut t = Table::new("create", lx, scratch, false);
    let mut n = 0;
    let mut name = || {
        n += 1;
        format!("cr-new{n}")
    };

    // create_with: templates and backing stores.
    type CreateCase = (
        &'static str,
        Option<String>,
        Option<&'static str>,
        &'static [K],
    );
    let cases: Vec<CreateCase> = vec![
        (
            "a template that does not exist",
            Some("no-such-template".into()),
            None,
            NOT_FOUND,
        ),
        (
            "an empty template name",
            Some(String::new()),
            None,
            &[K::InvalidArgument, K::NotFound],
        ),
        (
            "a template path that does not exist",
            Some("/nonexistent/lxc-template".into()),
            None,
            NOT_FOUND,
        ),
        (
            "a 64 KiB template name",
            Some(long()),
            None,
            &[K::InvalidArgument, K::NotFound, K::Failed],
        ),
        (
            "a template that is a directory",
            Some("/usr/share/lxc/templates".into()),
            None,
            &[
                K::InvalidArgument,
                K::NotFound,
                K::PermissionDenied,
                K::Failed,
            ],
        ),
        (
            "a backing store with a NUL",
            Some("busybox".into()),
            Some("d\0ir"),
            INVALID,
        ),
        (
            "a template with a NUL",
            Some("busy\0box".into()),
            None,
            INVALID,
        ),
    ];
    for (label, template, bdev, kinds) in cases {
        let nm = name();
        t.on(
            &nm,
            format!("create_with {label}"),
            "create",
            kinds,
            move |c| {
                c.create_with(
                    template.as_deref(),
                    bdev,
                    None,
                    CreateFlags::QUIET,
                    &[] as &[&str],
                )
            },
        );
    }
    // The template's own arguments.
    let nm = name();
    t.on(
        &nm,
        "create(busybox, an option it does not know)",
        "create",
        &[K::InvalidArgument, K::NotFound, K::Failed],
        |c| c.create_with_options(&CreateOptions::new("busybox").args(["--bogus"])),
    );
    let nm = name();
    t.on(
        &nm,
        "create(busybox, an argument with a NUL)",
        "create",
        INVALID,
        |c| c.create_with_options(&CreateOptions::new("busybox").args(["--name", NUL])),
    );
    // BdevSpecs with a NUL in each field.
    type Field = fn(&mut BdevSpecs, &str);
    let fields: [(&str, Field); 8] = [
        ("fstype", |s, v| s.fstype = Some(v.into())),
        ("zfs_root", |s, v| s.zfs_root = Some(v.into())),
        ("lvm_vg", |s, v| s.lvm_vg = Some(v.into())),
        ("lvm_lv", |s, v| s.lvm_lv = Some(v.into())),
        ("lvm_thinpool", |s, v| s.lvm_thinpool = Some(v.into())),
        ("rbd_name", |s, v| s.rbd_name = Some(v.into())),
        ("rbd_pool", |s, v| s.rbd_pool = Some(v.into())),
        ("dir", |s, v| s.dir = Some(v.into())),
    ];
    for (field, get) in fields {
        let mut specs = BdevSpecs::default();
        get(&mut specs, NUL);
        let nm = name();
        t.on(
            &nm,
            format!("BdevSpecs::{field} with a NUL"),
            "create",
            INVALID,
            move |c| {
                c.create_with(
                    Some("busybox"),
                    Some("dir"),
                    Some(&specs),
                    CreateFlags::QUIET,
                    &[] as &[&str],
                )
            },
        );
    }
    // Backing stores that cannot be set up here, through CreateOptions (which removes what a
    // failed create left; create_with does not: see `a_failed_create_with_leaves_nothing`).
    for store in [
        BackingStore::Zfs,
        BackingStore::Lvm,
        BackingStore::Rbd,
        BackingStore::Btrfs,
    ] {
        let nm = name();
        t.on(
            &nm,
            format!("create_with_options on {store}"),
            "create",
            &[K::InvalidArgument, K::NotFound, K::Failed, K::Unsupported],
            move |c| {
                c.create_with_options(&{
                    let mut __o = CreateOptions::new("busybox");
                    __o.backing_store = Some(store);
                    __o.flags = CreateFlags::QUIET;
                    __o
                })
            },
        );
        t.slow(60);
    }
    for (label, specs) in [
        ("loop of u64::MAX bytes", {
            let mut __o = BdevSpecs::default();
            __o.fssize = u64::MAX;
            __o
        }),
        ("loop with an unknown filesystem", {
            let mut __o = BdevSpecs::default();
            __o.fstype = Some("bogusfs".into());
            __o.fssize = 1 << 20;
            __o
        }),
    ] {
        let nm = name();
        t.on(
            &nm,
            format!("create_with_options: {label}"),
            "create",
            &[K::InvalidArgument, K::NotFound, K::Failed],
            move |c| {
                c.create_with_options(&{
                    let mut __o = CreateOptions::new("busybox");
                    __o.backing_store = Some(BackingStore::Loop);
                    __o.bdev_specs = Some(specs);
                    __o.flags = CreateFlags::QUIET;
                    __o
                })
            },
        );
        t.slow(60);
    }

    // CreateOptions and DownloadOptions that do not fit together (refused before liblxc).
    let dl = || DownloadOptions::new("debian", "bookworm", "amd64");
    let cases: Vec<(&str, CreateOptions)> = vec![
        ("arguments without a template", {
            let mut __o = CreateOptions::default();
            __o.args = vec!["x".into()];
            __o
        }),
        ("download options for busybox", {
            let mut __o = CreateOptions::new("busybox");
            __o.download = Some(dl());
            __o
        }),
        ("download options without a template", {
            let mut __o = CreateOptions::default();
            __o.download = Some(dl());
            __o
        }),
        (
            "download options, all empty",
            CreateOptions::download(DownloadOptions::default()),
        ),
        (
            "download without a distribution",
            CreateOptions::download({
                let mut __o = dl();
                __o.distribution = String::new();
                __o
            }),
        ),
        (
            "download without a release",
            CreateOptions::download({
                let mut __o = dl();
                __o.release = String::new();
                __o
            }),
        ),
        (
            "download without an arch",
            CreateOptions::download({
                let mut __o = dl();
                __o.arch = String::new();
                __o
            }),
        ),
        (
            "download with an empty variant",
            CreateOptions::download({
                let mut __o = dl();
                __o.variant = Some(String::new());
                __o
            }),
        ),
        (
            "download with an empty server",
            CreateOptions::download({
                let mut __o = dl();
                __o.server = Some(String::new());
                __o
            }),
        ),
        (
            "download with an empty key id",
            CreateOptions::download({
                let mut __o = dl();
                __o.key_id = Some(String::new());
                __o
            }),
        ),
        (
            "download with an empty key server",
            CreateOptions::download({
                let mut __o = dl();
                __o.key_server = Some(String::new());
                __o
            }),
        ),
        (
            "download with a key id (LXC 5.0 has none)",
            CreateOptions::download({
                let mut __o = dl();
                __o.key_id = Some("0xABCD".into());
                __o
            }),
        ),
        (
            "download with a key server (LXC 5.0 has none)",
            CreateOptions::download({
                let mut __o = dl();
                __o.key_server = Some("keys.example".into());
                __o
            }),
        ),
        (
            "download without validation (LXC 5.0 has none)",
            CreateOptions::download({
                let mut __o = dl();
                __o.disable_validation = true;
                __o
            }),
        ),
        (
            "download with a NUL in the distribution",
            CreateOptions::download({
                let mut __o = dl();
                __o.distribution = NUL.into();
                __o
            }),
        ),
        (
            "download with a NUL in the release",
            CreateOptions::download({
                let mut __o = dl();
                __o.release = NUL.into();
                __o
            }),
        ),
        (
            "download with a NUL in the server",
            CreateOptions::download({
                let mut __o = dl();
                __o.server = Some(NUL.into());
                __o
            }),
        ),
        (
            "download with a NUL in the variant",
            CreateOptions::download({
                let mut __o = dl();
                __o.variant = Some(NUL.into());
                __o
            }),
        ),
        ("download with a NUL in an extra argument", {
            let mut __o = CreateOptions::download(dl());
            __o.args = vec![NUL.into()];
            __o
        }),
        ("a NUL in the template of the options", {
            let mut __o = CreateOptions::new(NUL);
            __o.flags = CreateFlags::QUIET;
            __o
        }),
        ("a NUL in a backing store option", {
            let mut __o = CreateOptions::new("busybox");
            __o.bdev_specs = Some({
                let mut __o = BdevSpecs::default();
                __o.fstype = Some(NUL.into());
                __o
            });
            __o
        }),
    ];
    // LXC 4.0's lxc-download has the GPG options (5.0 dropped them): there they are not bad inputs.
    let gpg = std::fs::read_to_string("/usr/share/lxc/templates/lxc-download")
        .is_ok_and(|t| t.contains("keyid"));
    let cases = cases
        .into_iter()
        .filter(|(label, _)| !(gpg && label.contains("LXC 5.0 has none")));
    for (label, opts) in cases {
        let nm = name();
        t.on(
            &nm,
            format!("create_with_options: {label}"),
            "create",
            INVALID,
            move |c| c.create_with_options(&opts),
        );
    }
    let nm = name();
    t.on(
        &nm,
        "create_with_options: download options for a missing template path",
        "create",
        NOT_FOUND,
        move |c| {
            c.create_with_options(&{
                let mut __o = CreateOptions::new("/nonexistent/lxc-download");
                __o.download = Some(dl());
                __o
            })
        },
    );
    // The option builders alone (no container).
    let cases: Vec<(&str, DownloadOptions)> = vec![
        ("default", DownloadOptions::default()),
        ("empty release", {
            let mut __o = dl();
            __o.release = String::new();
            __o
        }),
        ("empty variant", {
            let mut __o = dl();
            __o.variant = Some(String::new());
            __o
        }),
        ("empty key server", {
            let mut __o = dl();
            __o.key_server = Some(String::new());
            __o
        }),
    ];
    for (label, d) in cases {
        t.free(
            format!("DownloadOptions::args, {label}"),
            "create",
            None,
            INVALID,
            move || d.args(),
        );
    }
    t.free(
        "CreateOptions::template_args, download options for busybox",
        "create",
        None,
        INVALID,
        move || {
            {
                let mut __o = CreateOptions::new("busybox");
                __o.download = Some(dl());
                __o
            }
            .template_args()
        },
    );
    t.free(
        "CreateOptions::template_args, arguments without a template",
        "create",
        None,
        INVALID,
        || {
            {
                let mut __o = CreateOptions::default();
                __o.args = vec!["-x".into()];
                __o
            }
            .template_args()
        },
    );
    for s in [
        String::new(),
        "bogus".into(),
        "DIR".into(),
        "dir\0".into(),
        " dir".into(),
        long(),
    ] {
        t.free(
            format!("BackingStore::from_str({:?})", short(&s)),
            "BackingStore::from_str",
            None,
            INVALID,
            move || s.parse::<BackingStore>(),
        );
    }
    for s in [
        String::new(),
        "bogus".into(),
        "RUNNING\0".into(),
        "run".into(),
        " RUNNING".into(),
        long(),
    ] {
        t.free(
            format!("State::from_str({:?})", short(&s)),
            "State::from_str",
            None,
            INVALID,
            move || s.parse::<State>(),
        );
    }
    t
}
