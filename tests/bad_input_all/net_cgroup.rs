//! Network interfaces and addresses, and cgroup items.

use std::path::Path;
use std::time::Duration;

use liblxc::ErrorKind as K;

use crate::common::Lxcpath;
use crate::engine::{empty_list, long, Table, INVALID, NOT_RUNNING, NUL, TIMEOUT};

/// Network interfaces and addresses, and cgroup items.
pub fn net_cgroup(lx: &Lxcpath, scratch: &Path) -> Table {
    let (hot, cold, ghost) = ("nc-hot", "nc-cold", "nc-ghost");
    lx.running(hot);
    lx.busybox(cold);
    let target = scratch.join("target");
    std::fs::write(&target, "original\n").expect("write target");
    let mut t = Table::new("net+cgroup", lx, scratch, true);

    // Interfaces: names that are not interfaces of the container.
    for (label, dev) in [
        ("an empty name", String::new()),
        ("a missing device", "lxcrsnodev0".into()),
        ("a 64 KiB name", long()),
        ("a/b", "a/b".into()),
        ("../x", "../x".into()),
        ("-x", "-x".into()),
    ] {
        t.on(
            hot,
            format!("detach_interface of {label}"),
            "detach_interface",
            &[K::NotFound, K::InvalidArgument, K::Failed],
            move |c| c.detach_interface(&dev, None),
        );
    }
    for (label, dst) in [
        ("an empty", String::new()),
        ("a 64 KiB", long()),
        ("an a/b", "a/b".into()),
    ] {
        t.on(
            hot,
            format!("detach_interface of a missing device to {label} name"),
            "detach_interface",
            &[K::NotFound, K::InvalidArgument, K::Failed],
            move |c| c.detach_interface("lxcrsnodev0", Some(&dst)),
        );
    }
    t.on(
        hot,
        "attach_interface with a NUL",
        "attach_interface",
        INVALID,
        |c| c.attach_interface(NUL, None),
    );
    t.on(
        hot,
        "attach_interface to a name with a NUL",
        "attach_interface",
        INVALID,
        |c| c.attach_interface("lxcrsnodev0", Some(NUL)),
    );
    t.on(
        hot,
        "detach_interface with a NUL",
        "detach_interface",
        INVALID,
        |c| c.detach_interface(NUL, None),
    );
    t.on(
        hot,
        "detach_interface to a name with a NUL",
        "detach_interface",
        INVALID,
        |c| c.detach_interface("lxcrsnodev0", Some(NUL)),
    );
    for name in [cold, ghost] {
        t.on(
            name,
            "attach_interface",
            "attach_interface",
            NOT_RUNNING,
            |c| c.attach_interface("lxcrsnodev0", None),
        );
        t.on(
            name,
            "detach_interface",
            "detach_interface",
            NOT_RUNNING,
            |c| c.detach_interface("lxcrsnodev0", Some("x")),
        );
        t.on(name, "wait_for_ips", "wait_for_ips", NOT_RUNNING, |c| {
            c.wait_for_ips(None, None, Duration::from_secs(5))
        });
        t.on(
            name,
            "wait_for_ips for Duration::MAX",
            "wait_for_ips",
            NOT_RUNNING,
            |c| c.wait_for_ips(None, None, Duration::MAX),
        );
        t.on_ok(
            name,
            "interfaces (documented: empty when not running)",
            "an empty list",
            empty_list,
            |c| c.interfaces(),
        );
        t.on_ok(
            name,
            "ips (documented: empty when not running)",
            "an empty list",
            empty_list,
            |c| c.ips(None, Some(liblxc::IpFamily::V4)),
        );
    }
    // Addresses.
    t.on(
        hot,
        "ip_strings of an interface with a NUL",
        "get_ips",
        INVALID,
        |c| c.ip_strings(Some(NUL), None, 0),
    );
    t.on(
        hot,
        "ip_strings of a family with a NUL",
        "get_ips",
        INVALID,
        |c| c.ip_strings(None, Some(NUL), 0),
    );
    t.on(
        hot,
        "ips of an interface with a NUL",
        "get_ips",
        INVALID,
        |c| c.ips(Some(NUL), None),
    );
    t.on(
        hot,
        "wait_for_ips of an interface with a NUL",
        "get_ips",
        INVALID,
        |c| c.wait_for_ips(Some(NUL), None, Duration::from_secs(1)),
    );
    t.on(
        hot,
        "wait_for_ips with a zero timeout (no address)",
        "wait_for_ips",
        TIMEOUT,
        |c| c.wait_for_ips(None, None, Duration::ZERO),
    );
    t.on(
        hot,
        "wait_for_ips on a missing interface",
        "wait_for_ips",
        TIMEOUT,
        |c| {
            c.wait_for_ips(
                Some("lxcrsnodev0"),
                Some(liblxc::IpFamily::V6),
                Duration::from_millis(200),
            )
        },
    );
    for (label, iface, scope) in [
        ("an empty interface", Some(String::new()), 0),
        ("a missing interface", Some("lxcrsnodev0".to_owned()), 0),
        ("a 64 KiB interface", Some(long()), 0),
        ("scope i32::MIN", None, i32::MIN),
        ("scope -1", None, -1),
    ] {
        t.on_ok(
            hot,
            format!("ip_strings of {label}"),
            "an empty list",
            empty_list,
            move |c| c.ip_strings(iface.as_deref(), None, scope),
        );
    }

    // cgroup items.
    let traversal = format!("pids.max/../../../../../../../../../..{}", target.display());
    let keys: Vec<(&str, String, &'static [K])> = vec![
        (
            "an empty key",
            String::new(),
            &[K::InvalidArgument, K::NotFound],
        ),
        (
            "an unknown controller",
            "bogus".into(),
            &[K::InvalidArgument, K::NotFound],
        ),
        (
            "an unknown file",
            "pids.bogus".into(),
            &[K::InvalidArgument, K::NotFound],
        ),
        ("a 64 KiB key", long(), &[K::InvalidArgument, K::NotFound]),
        ("a key with a NUL", "pids\0.max".into(), INVALID),
        (
            "a path out of the cgroup",
            "../../../../../../../../etc/passwd".into(),
            &[K::InvalidArgument, K::NotFound, K::PermissionDenied],
        ),
        (
            "a path out of the cgroup after a controller",
            traversal,
            &[
                K::InvalidArgument,
                K::NotFound,
                K::PermissionDenied,
                K::Failed,
            ],
        ),
        (
            "an absolute path",
            "/etc/passwd".into(),
            &[K::InvalidArgument, K::NotFound, K::PermissionDenied],
        ),
        ("`.`", ".".into(), &[K::InvalidArgument, K::NotFound]),
        (
            "`pids.`",
            "pids.".into(),
            &[K::InvalidArgument, K::NotFound],
        ),
    ];
    for (label, key, kinds) in keys {
        t.on(
            hot,
            format!("cgroup_item of {label}"),
            "get_cgroup_item",
            kinds,
            move |c| c.cgroup_item(&key),
        );
    }
    t.on(
        hot,
        "set_cgroup_item of a key with a NUL",
        "set_cgroup_item",
        INVALID,
        |c| c.set_cgroup_item("pids\0.max", "1"),
    );
    t.on(
        hot,
        "set_cgroup_item to a value with a NUL",
        "set_cgroup_item",
        INVALID,
        |c| c.set_cgroup_item("pids.max", NUL),
    );
    for name in [cold, ghost] {
        t.on(name, "cgroup_item", "get_cgroup_item", NOT_RUNNING, |c| {
            c.cgroup_item("pids.max")
        });
        t.on(
            name,
            "set_cgroup_item",
            "set_cgroup_item",
            NOT_RUNNING,
            |c| c.set_cgroup_item("pids.max", "10"),
        );
        t.on(name, "memory_usage", "get_cgroup_item", NOT_RUNNING, |c| {
            c.memory_usage()
        });
        t.on(name, "memory_limit", "get_cgroup_item", NOT_RUNNING, |c| {
            c.memory_limit()
        });
        t.on(
            name,
            "set_memory_limit",
            "get_cgroup_item",
            NOT_RUNNING,
            |c| c.set_memory_limit(Some(1 << 30)),
        );
        t.on(
            name,
            "set_memory_limit(None)",
            "get_cgroup_item",
            NOT_RUNNING,
            |c| c.set_memory_limit(None),
        );
        t.on(
            name,
            "memory_cgroup_version",
            "get_cgroup_item",
            NOT_RUNNING,
            |c| c.memory_cgroup_version(),
        );
        t.on(name, "cpu_usage", "get_cgroup_item", NOT_RUNNING, |c| {
            c.cpu_usage()
        });
        t.on(name, "pids_limit", "get_cgroup_item", NOT_RUNNING, |c| {
            c.pids_limit()
        });
        t.on(
            name,
            "set_pids_limit(u64::MAX)",
            "set_cgroup_item",
            NOT_RUNNING,
            |c| c.set_pids_limit(Some(u64::MAX)),
        );
        t.on(name, "pids_current", "get_cgroup_item", NOT_RUNNING, |c| {
            c.pids_current()
        });
    }
    t
}
