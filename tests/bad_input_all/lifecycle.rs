//! Opening handles, renaming, starting, waiting, and the calls that need a loaded configuration.

use std::path::Path;
use std::time::Duration;

use liblxc::{Container, CreateFlags, ErrorKind as K, State};

use crate::common::Lxcpath;
use crate::engine::{
    long, Table, EXISTS, FAILED, INVALID, NOT_FOUND, NOT_RUNNING, RUNNING, TIMEOUT, UNSUPPORTED,
};

/// Opening handles, renaming, starting, waiting, and the calls that need a loaded configuration.
pub fn lifecycle(lx: &Lxcpath, scratch: &Path) -> Table {
    let (cold, hot, ghost) = ("lc-cold", "lc-hot", "lc-ghost");
    lx.busybox(cold);
    lx.running(hot);
    let mut t = Table::new("lifecycle", lx, scratch, true);
    let path = lx.path().to_owned();

    // Names of Container::new / new_in that tests/bad_input.rs does not try.
    for (label, name) in [
        ("64 KiB name", long()),
        ("name `../..`", "../..".to_owned()),
        ("name `./x`", "./x".to_owned()),
        ("name `x/`", "x/".to_owned()),
        ("name `--help`", "--help".to_owned()),
        ("name `/`", "/".to_owned()),
    ] {
        let (p, n) = (path.clone(), name.clone());
        t.free(
            format!("Container::new_in with {label}"),
            "lxc_container_new",
            Some(&name),
            INVALID,
            move || Container::new_in(&n, &p),
        );
    }
    let n = long();
    t.free(
        "Container::new with a 64 KiB name",
        "lxc_container_new",
        Some(&n.clone()),
        INVALID,
        move || Container::new(&n),
    );
    t.free(
        "Container::with_lxcpath with a name `..`",
        "lxc_container_new",
        Some(".."),
        INVALID,
        || Container::with_lxcpath("..", None),
    );
    t.free(
        "Container::from_raw(null)",
        "from_raw",
        None,
        FAILED,
        // SAFETY: null is allowed by from_raw's contract.
        || unsafe { Container::from_raw(std::ptr::null_mut()) },
    );

    // rename: the new-name rule beyond tests/bad_input.rs.
    for (label, name) in [
        ("a/b", "a/b".to_owned()),
        (".", ".".to_owned()),
        ("/abs", "/abs".to_owned()),
        ("256 bytes", "n".repeat(256)),
        ("64 KiB", long()),
        ("`..` in the middle", "a/../b".to_owned()),
        ("--force", "--force".to_owned()),
    ] {
        t.on(
            cold,
            format!("rename to {label}"),
            "rename",
            INVALID,
            move |c| c.rename(&name),
        );
    }
    t.on(
        hot,
        "rename a running container to a/b",
        "rename",
        INVALID,
        |c| c.rename("a/b"),
    );

    // wait and set_timeout.
    for (name, state, d) in [
        (hot, State::Invalid, Duration::from_secs(1)),
        (ghost, State::Invalid, Duration::from_secs(1)),
        (ghost, State::Running, Duration::ZERO),
        (hot, State::Running, Duration::from_secs(u64::MAX)),
        (ghost, State::Stopped, Duration::MAX),
    ] {
        t.on(
            name,
            format!("wait for {state:?} for {d:?}"),
            "wait",
            INVALID,
            move |c| c.wait(state, d),
        );
    }
    t.on(cold, "wait with a zero timeout", "wait", INVALID, |c| {
        c.wait(State::Running, Duration::ZERO)
    });
    t.on(
        hot,
        "wait for STOPPED with a zero timeout",
        "wait",
        INVALID,
        |c| c.wait(State::Stopped, Duration::ZERO),
    );
    t.on(
        cold,
        "wait 1 ns for RUNNING (rounds up to 1 s)",
        "wait",
        TIMEOUT,
        |c| c.wait(State::Running, Duration::from_nanos(1)),
    );
    t.on(
        cold,
        "wait for FROZEN on a stopped container",
        "wait",
        TIMEOUT,
        |c| c.wait(State::Frozen, Duration::from_secs(1)),
    );
    t.on(
        ghost,
        "wait for RUNNING on an undefined container",
        "wait",
        &[K::NotFound, K::Timeout],
        |c| c.wait(State::Running, Duration::from_secs(1)),
    );
    for secs in [-5, 0, i32::MIN, i32::MAX, -1] {
        t.on(
            cold,
            format!("set_timeout({secs}) on liblxc 5.0"),
            "set_timeout",
            UNSUPPORTED,
            move |c| c.set_timeout(secs),
        );
    }
    t.on(
        ghost,
        "set_timeout on an undefined container",
        "set_timeout",
        UNSUPPORTED,
        |c| c.set_timeout(3),
    );

    // Calls that need a loaded configuration.
    t.on(
        ghost,
        "want_daemonize without a configuration",
        "want_daemonize",
        &[K::NotFound, K::Failed],
        |c| c.want_daemonize(false),
    );
    t.on(
        ghost,
        "want_close_all_fds without a configuration",
        "want_close_all_fds",
        &[K::NotFound, K::Failed],
        |c| c.want_close_all_fds(true),
    );
    t.on(
        cold,
        "want_daemonize after clear_config",
        "want_daemonize",
        FAILED,
        |c| {
            c.clear_config();
            c.want_daemonize(true)
        },
    );
    t.on(
        cold,
        "want_close_all_fds after clear_config",
        "want_close_all_fds",
        FAILED,
        |c| {
            c.clear_config();
            c.want_close_all_fds(false)
        },
    );

    // Wrong states beyond tests/bad_input.rs.
    t.on(
        cold,
        "init_pidfd of a stopped container",
        "init_pidfd",
        NOT_RUNNING,
        |c| c.init_pidfd(),
    );
    t.on(
        hot,
        "create over a running container",
        "create",
        EXISTS,
        |c| c.create_with(Some("busybox"), None, None, CreateFlags::QUIET, &[]),
    );
    t.on(
        hot,
        "destroy_with_snapshots of a running container",
        "destroy_with_snapshots",
        RUNNING,
        |c| c.destroy_with_snapshots(),
    );
    t.on(
        ghost,
        "destroy_with_snapshots of an undefined container",
        "destroy_with_snapshots",
        NOT_FOUND,
        |c| c.destroy_with_snapshots(),
    );
    // Starting with a program that cannot run (last: a failed start leaves a monitor for a moment).
    for (label, argv) in [
        ("a missing init", vec!["/nonexistent/init".to_owned()]),
        ("an empty init", vec![String::new()]),
        ("a 64 KiB init path", vec![format!("/{}", long())]),
    ] {
        t.on(
            cold,
            format!("start_with {label}"),
            "start",
            &[K::NotFound, K::InvalidArgument, K::Failed],
            move |c| {
                let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
                let r = c.start_with(false, &argv);
                let _ = c.wait(State::Stopped, Duration::from_secs(5));
                r
            },
        );
        t.slow(60);
    }
    t
}
