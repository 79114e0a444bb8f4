//! Configuration items, files and paths.

use std::path::{Path, PathBuf};

use liblxc::ErrorKind as K;

use crate::common::Lxcpath;
use crate::engine::{
    long, long_path, non_utf8, short, Table, INVALID, NOT_FOUND, NOT_RUNNING, NUL,
};

/// Configuration items, files and paths.
pub fn config(lx: &Lxcpath, scratch: &Path) -> Table {
    let (cold, hot, ghost) = ("cf-cold", "cf-hot", "cf-ghost");
    lx.busybox(cold);
    lx.running(hot);
    std::fs::write(
        scratch.join("garbage.conf"),
        "this is not a key\nlxc.bogus = 1\n",
    )
    .expect("write garbage.conf");
    let mut t = Table::new("config", lx, scratch, true);

    // Keys and values liblxc refuses with a reason.
    let cases: Vec<(String, String, &'static [K])> = vec![
        (String::new(), "x".into(), INVALID),
        (long(), "x".into(), INVALID),
        ("lxc.uts.name".into(), "a\rb".into(), INVALID),
        ("lxc.uts\n.name".into(), "x".into(), INVALID),
        ("lxc.uts.name\r".into(), "x".into(), INVALID),
        (
            "lxc.net.99999999999999999999.type".into(),
            "veth".into(),
            &[K::InvalidArgument, K::Failed],
        ),
        (
            "lxc.net.0.bogus".into(),
            "1".into(),
            &[K::InvalidArgument, K::NotFound],
        ),
        (
            "lxc.net.0.ipv4.address".into(),
            "999.1.1.1/99".into(),
            &[K::InvalidArgument, K::Failed],
        ),
        ("lxc.idmap".into(), "bogus".into(), INVALID),
        ("lxc.log.level".into(), "bogus".into(), INVALID),
        (
            "lxc.namespace.keep".into(),
            "bogus".into(),
            &[K::InvalidArgument, K::Failed],
        ),
        ("lxc.hook.version".into(), "9".into(), INVALID),
        ("lxc.bogus".into(), long(), INVALID),
        ("lxc.\u{fffd}".into(), "x".into(), INVALID),
    ];
    // liblxc 4.0 accepts an unknown architecture (it warns and keeps the previous one); the docs
    // of `set_config_item` say so. 5.0 and later refuse it.
    let mut cases = cases;
    if liblxc::runtime_version().at_least(liblxc::Version::new(5, 0, 0)) {
        cases.push(("lxc.arch".into(), "bogus".into(), INVALID));
    }
    for (key, value, kinds) in cases {
        let label = format!("set_config_item({:?}, {:?})", short(&key), short(&value));
        t.on(cold, label, "set_config_item", kinds, move |c| {
            c.set_config_item(&key, &value)
        });
    }
    let cases: Vec<(String, &'static [K])> = vec![
        (String::new(), INVALID),
        (long(), INVALID),
        (
            "lxc.net.99999999999999999999.type".into(),
            &[K::InvalidArgument, K::Failed],
        ),
        ("lxc.net.0.bogus".into(), &[K::InvalidArgument, K::NotFound]),
        ("lxc.bogus.".into(), INVALID),
        ("lxc".into(), INVALID),
        ("lxc.uts.name.".into(), INVALID),
        (" lxc.uts.name".into(), INVALID),
    ];
    for (key, kinds) in cases {
        let label = format!("config_item({:?})", short(&key));
        t.on(cold, label, "get_config_item", kinds, move |c| {
            c.config_item(&key)
        });
    }
    for key in [
        String::new(),
        long(),
        "lxc.bogus.sub".to_owned(),
        "lxc.uts.name\r".to_owned(),
        "lxc.\n".to_owned(),
    ] {
        let label = format!("clear_config_item({:?})", short(&key));
        t.on(cold, label, "clear_config_item", INVALID, move |c| {
            c.clear_config_item(&key)
        });
    }
    for prefix in [
        String::new(),
        long(),
        "lxc.net.99999999999999999999".to_owned(),
        "lxc.net.x".to_owned(),
        "lxc.bogus.".to_owned(),
    ] {
        let label = format!("keys({:?})", short(&prefix));
        t.on(cold, label, "get_keys", INVALID, move |c| {
            c.keys(Some(&prefix))
        });
    }
    t.on(
        cold,
        "running_config_item of a stopped container",
        "get_running_config_item",
        NOT_RUNNING,
        |c| c.running_config_item("lxc.uts.name"),
    );
    t.on(
        ghost,
        "running_config_item of an undefined container",
        "get_running_config_item",
        &[K::NotRunning, K::NotFound],
        |c| c.running_config_item("lxc.uts.name"),
    );
    t.on(
        hot,
        "running_config_item(\"lxc.bogus\")",
        "get_running_config_item",
        &[K::InvalidArgument, K::NotFound],
        |c| c.running_config_item("lxc.bogus"),
    );
    t.on(
        hot,
        "running_config_item with a NUL",
        "get_running_config_item",
        INVALID,
        |c| c.running_config_item("lxc.uts\0.name"),
    );
    t.on(
        cold,
        "config_item after clear_config",
        "get_config_item",
        &[K::NotFound, K::Failed],
        |c| {
            c.clear_config();
            c.config_item("lxc.uts.name")
        },
    );

    // load_config and save_config with bad files.
    let s = scratch.to_owned();
    let cases: Vec<(&str, PathBuf, &'static [K])> = vec![
        ("a missing file", s.join("missing.conf"), NOT_FOUND),
        (
            "a file that is not a configuration",
            s.join("garbage.conf"),
            INVALID,
        ),
        (
            "an empty path",
            PathBuf::new(),
            &[K::InvalidArgument, K::NotFound],
        ),
        (
            "a 64 KiB path",
            long_path(),
            &[K::InvalidArgument, K::Failed],
        ),
        ("a non-UTF-8 missing file", s.join(non_utf8()), NOT_FOUND),
        ("a path with a NUL", PathBuf::from(NUL), INVALID),
    ];
    for (label, file, kinds) in cases {
        t.on(
            cold,
            format!("load_config from {label}"),
            "load_config",
            kinds,
            move |c| c.load_config(Some(&file)),
        );
    }
    t.on(
        ghost,
        "load_config of an undefined container",
        "load_config",
        NOT_FOUND,
        |c| c.load_config(None),
    );
    std::fs::create_dir(scratch.join("a-directory")).expect("mkdir");
    let cases: Vec<(&str, PathBuf, &'static [K])> = vec![
        (
            "a missing directory",
            s.join("no/such/dir/config"),
            NOT_FOUND,
        ),
        (
            "a directory",
            s.join("a-directory"),
            &[K::InvalidArgument, K::Failed],
        ),
        (
            "an empty path",
            PathBuf::new(),
            &[K::InvalidArgument, K::NotFound],
        ),
        (
            "a 64 KiB path",
            long_path(),
            &[K::InvalidArgument, K::Failed],
        ),
        (
            "a non-UTF-8 missing directory",
            s.join(non_utf8()).join("config"),
            NOT_FOUND,
        ),
    ];
    for (label, file, kinds) in cases {
        t.on(
            cold,
            format!("save_config to {label}"),
            "save_config",
            kinds,
            move |c| c.save_config(Some(&file)),
        );
    }
    t.on(
        cold,
        "set_config_path with a NUL",
        "set_config_path",
        INVALID,
        |c| c.set_config_path(Path::new(NUL)),
    );
    t
}
