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
            move |c| c.create_with(template.as_deref(), bdev, None, CreateFlags::QUIET, &[]),
        );
    }
    // The template's own arguments.
    let nm = name();
    t.on(
        &nm,
        "create(busybox, an option it does not know)",
        "create",
        &[K::InvalidArgument, K::NotFound, K::Failed],
        |c| c.create("busybox", &["--bogus"]),
    );
    let nm = name();
    t.on(
        &nm,
        "create(busybox, an argument with a NUL)",
        "create",
        INVALID,
        |c| c.create("busybox", &["--name", NUL]),
    );
    // BdevSpecs with a NUL in each field.
    type Field = fn(&mut BdevSpecs) -> &mut Option<String>;
    let fields: [(&str, Field); 8] = [
        ("fstype", |s| &mut s.fstype),
        ("zfs_root", |s| &mut s.zfs_root),
        ("lvm_vg", |s| &mut s.lvm_vg),
        ("lvm_lv", |s| &mut s.lvm_lv),
        ("lvm_thinpool", |s| &mut s.lvm_thinpool),
        ("rbd_name", |s| &mut s.rbd_name),
        ("rbd_pool", |s| &mut s.rbd_pool),
        ("dir", |s| &mut s.dir),
    ];
    for (field, get) in fields {
        let mut specs = BdevSpecs::default();
        *get(&mut specs) = Some(NUL.to_owned());
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
                    &[],
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
                c.create_with_options(&CreateOptions {
                    backing_store: Some(store),
                    flags: CreateFlags::QUIET,
                    ..CreateOptions::new("busybox")
                })
            },
        );
        t.slow(60);
    }
    for (label, specs) in [
        (
            "loop of u64::MAX bytes",
            BdevSpecs {
                fssize: u64::MAX,
                ..BdevSpecs::default()
            },
        ),
        (
            "loop with an unknown filesystem",
            BdevSpecs {
                fstype: Some("bogusfs".into()),
                fssize: 1 << 20,
                ..BdevSpecs::default()
            },
        ),
    ] {
        let nm = name();
        t.on(
            &nm,
            format!("create_with_options: {label}"),
            "create",
            &[K::InvalidArgument, K::NotFound, K::Failed],
            move |c| {
                c.create_with_options(&CreateOptions {
                    backing_store: Some(BackingStore::Loop),
                    bdev_specs: Some(specs),
                    flags: CreateFlags::QUIET,
                    ..CreateOptions::new("busybox")
                })
            },
        );
        t.slow(60);
    }

    // CreateOptions and DownloadOptions that do not fit together (refused before liblxc).
    let dl = || DownloadOptions::new("debian", "bookworm", "amd64");
    let cases: Vec<(&str, CreateOptions)> = vec![
        (
            "arguments without a template",
            CreateOptions {
                args: vec!["x".into()],
                ..CreateOptions::default()
            },
        ),
        (
            "download options for busybox",
            CreateOptions {
                download: Some(dl()),
                ..CreateOptions::new("busybox")
            },
        ),
        (
            "download options without a template",
            CreateOptions {
                download: Some(dl()),
                ..CreateOptions::default()
            },
        ),
        (
            "download options, all empty",
            CreateOptions::download(DownloadOptions::default()),
        ),
        (
            "download without a distribution",
            CreateOptions::download(DownloadOptions {
                distribution: String::new(),
                ..dl()
            }),
        ),
        (
            "download without a release",
            CreateOptions::download(DownloadOptions {
                release: String::new(),
                ..dl()
            }),
        ),
        (
            "download without an arch",
            CreateOptions::download(DownloadOptions {
                arch: String::new(),
                ..dl()
            }),
        ),
        (
            "download with an empty variant",
            CreateOptions::download(DownloadOptions {
                variant: Some(String::new()),
                ..dl()
            }),
        ),
        (
            "download with an empty server",
            CreateOptions::download(DownloadOptions {
                server: Some(String::new()),
                ..dl()
            }),
        ),
        (
            "download with an empty key id",
            CreateOptions::download(DownloadOptions {
                key_id: Some(String::new()),
                ..dl()
            }),
        ),
        (
            "download with an empty key server",
            CreateOptions::download(DownloadOptions {
                key_server: Some(String::new()),
                ..dl()
            }),
        ),
        (
            "download with a key id (LXC 5.0 has none)",
            CreateOptions::download(DownloadOptions {
                key_id: Some("0xABCD".into()),
                ..dl()
            }),
        ),
        (
            "download with a key server (LXC 5.0 has none)",
            CreateOptions::download(DownloadOptions {
                key_server: Some("keys.example".into()),
                ..dl()
            }),
        ),
        (
            "download without validation (LXC 5.0 has none)",
            CreateOptions::download(DownloadOptions {
                disable_validation: true,
                ..dl()
            }),
        ),
        (
            "download with a NUL in the distribution",
            CreateOptions::download(DownloadOptions {
                distribution: NUL.into(),
                ..dl()
            }),
        ),
        (
            "download with a NUL in the release",
            CreateOptions::download(DownloadOptions {
                release: NUL.into(),
                ..dl()
            }),
        ),
        (
            "download with a NUL in the server",
            CreateOptions::download(DownloadOptions {
                server: Some(NUL.into()),
                ..dl()
            }),
        ),
        (
            "download with a NUL in the variant",
            CreateOptions::download(DownloadOptions {
                variant: Some(NUL.into()),
                ..dl()
            }),
        ),
        (
            "download with a NUL in an extra argument",
            CreateOptions {
                args: vec![NUL.into()],
                ..CreateOptions::download(dl())
            },
        ),
        (
            "a NUL in the template of the options",
            CreateOptions {
                flags: CreateFlags::QUIET,
                ..CreateOptions::new(NUL)
            },
        ),
        (
            "a NUL in a backing store option",
            CreateOptions {
                bdev_specs: Some(BdevSpecs {
                    fstype: Some(NUL.into()),
                    ..BdevSpecs::default()
                }),
                ..CreateOptions::new("busybox")
            },
        ),
    ];
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
            c.create_with_options(&CreateOptions {
                download: Some(dl()),
                ..CreateOptions::new("/nonexistent/lxc-download")
            })
        },
    );
    // The option builders alone (no container).
    let cases: Vec<(&str, DownloadOptions)> = vec![
        ("default", DownloadOptions::default()),
        (
            "empty release",
            DownloadOptions {
                release: String::new(),
                ..dl()
            },
        ),
        (
            "empty variant",
            DownloadOptions {
                variant: Some(String::new()),
                ..dl()
            },
        ),
        (
            "empty key server",
            DownloadOptions {
                key_server: Some(String::new()),
                ..dl()
            },
        ),
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
            CreateOptions {
                download: Some(dl()),
                ..CreateOptions::new("busybox")
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
            CreateOptions {
                args: vec!["-x".into()],
                ..CreateOptions::default()
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
