//! Commands in containers.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use liblxc::{Container, ErrorKind as K, Stdio};

use crate::common::Lxcpath;
use crate::engine::{
    failed_status, long, non_utf8, Table, DENIED, INVALID, NOT_FOUND, NOT_RUNNING, NUL,
};

type StatusCall = fn(&Container) -> liblxc::Result<std::process::ExitStatus>;
type SpawnCall = fn(&Container) -> liblxc::Result<liblxc::Child>;

/// Commands in containers.
pub fn exec(lx: &Lxcpath, scratch: &Path) -> Table {
    let (hot, cold, ghost) = ("ex-hot", "ex-cold", "ex-ghost");
    lx.running(hot);
    lx.busybox(cold);
    let mut t = Table::new("exec", lx, scratch, true);

    // The program.
    let cases: Vec<(&str, std::ffi::OsString, &'static [K])> = vec![
        (
            "an empty program",
            "".into(),
            &[K::NotFound, K::InvalidArgument],
        ),
        ("a missing program", "/nonexistent".into(), NOT_FOUND),
        (
            "a program not on PATH",
            "lxc-rs-no-such-program".into(),
            NOT_FOUND,
        ),
        ("a program with a NUL", NUL.into(), INVALID),
        ("a 64 KiB program name", long().into(), INVALID),
        ("a non-UTF-8 program name", non_utf8().into(), NOT_FOUND),
        ("a directory as program", "/".into(), DENIED),
        (
            "a file that is not executable",
            "/etc/passwd".into(),
            DENIED,
        ),
        ("a program named -x", "-x".into(), NOT_FOUND),
        ("a program under a file", "/etc/passwd/x".into(), NOT_FOUND),
        (
            "a program of `..`",
            "..".into(),
            &[K::NotFound, K::PermissionDenied],
        ),
    ];
    for (label, program, kinds) in cases {
        let p2 = program.clone();
        t.on(
            hot,
            format!("output of {label}"),
            "attach",
            kinds,
            move |c| c.command(&program).output(),
        );
        t.on(
            hot,
            format!("spawn of {label}"),
            "attach",
            kinds,
            move |c| c.command(&p2).stdout(Stdio::null()).spawn(),
        );
    }
    t.on(
        hot,
        "run_wait of a program with a NUL",
        "attach_run_wait",
        INVALID,
        |c| c.command(NUL).run_wait(),
    );
    t.on_ok(
        hot,
        "run_wait of a missing program (documented: exit status 127)",
        "exit status 127",
        |s| s == "ExitStatus(unix_wait_status(32512))",
        |c| c.command("/nonexistent").run_wait(),
    );

    // Arguments.
    t.on(hot, "an argument with a NUL", "attach", INVALID, |c| {
        c.command("true").arg(NUL).output()
    });
    t.on(
        hot,
        "a 256 KiB argument (over MAX_ARG_STRLEN)",
        "attach",
        INVALID,
        |c| c.command("true").arg("x".repeat(256 << 10)).output(),
    );
    t.on(
        hot,
        "3 MiB of arguments (over ARG_MAX)",
        "attach",
        INVALID,
        |c| {
            c.command("true")
                .args(std::iter::repeat_n("x".repeat(64 << 10), 48))
                .output()
        },
    );
    t.on(
        hot,
        "run_wait with an argument with a NUL",
        "attach_run_wait",
        INVALID,
        |c| c.command("true").arg(NUL).run_wait(),
    );
    t.on(
        hot,
        "a non-UTF-8 argument with a NUL",
        "attach",
        INVALID,
        |c| {
            c.command("true")
                .arg(OsStr::from_bytes(b"\xff\0\xfe"))
                .output()
        },
    );

    // The environment.
    let cases: Vec<(&str, std::ffi::OsString, std::ffi::OsString)> = vec![
        ("an empty variable name", "".into(), "v".into()),
        ("`=` in a variable name", "A=B".into(), "v".into()),
        ("a variable name that is `=`", "=".into(), "v".into()),
        ("a variable name starting with `=`", "=A".into(), "v".into()),
        ("a NUL in a variable name", "A\0B".into(), "v".into()),
        ("a NUL in a value", "A".into(), NUL.into()),
        (
            "a non-UTF-8 name with `=`",
            OsStr::from_bytes(b"\xff=").into(),
            "v".into(),
        ),
    ];
    for (label, k, v) in cases {
        let (k2, v2) = (k.clone(), v.clone());
        t.on(
            hot,
            format!("env with {label}"),
            "attach",
            INVALID,
            move |c| c.command("true").env(&k, &v).output(),
        );
        t.on(
            hot,
            format!("run_wait, env with {label}"),
            "attach_run_wait",
            INVALID,
            move |c| c.command("true").env(&k2, &v2).run_wait(),
        );
    }
    t.on(
        hot,
        "a 256 KiB variable (over MAX_ARG_STRLEN)",
        "attach",
        INVALID,
        |c| c.command("true").env("BIG", "x".repeat(256 << 10)).output(),
    );
    t.on_ok(
        hot,
        "run_wait, a 256 KiB variable (documented: liblxc's exec fails, an exit status)",
        "a failure exit status",
        failed_status,
        |c| {
            c.command("true")
                .env("BIG", "x".repeat(256 << 10))
                .run_wait()
        },
    );
    t.on(hot, "env_remove of an empty name", "attach", INVALID, |c| {
        c.command("true").env_remove("").output()
    });
    t.on(
        hot,
        "env_remove of a name with `=`",
        "attach",
        INVALID,
        |c| c.command("true").env_remove("A=B").output(),
    );
    t.on(
        hot,
        "env with inherit_env, a name with `=`",
        "attach",
        INVALID,
        |c| c.command("true").inherit_env().env("A=B", "v").output(),
    );
    t.on(
        hot,
        "keep_env of a name with a NUL",
        "attach",
        INVALID,
        |c| c.command("true").keep_env("A\0B").output(),
    );

    // The NULs again, through spawn and status (each run lowers the command anew).
    let nul_cases: [(&str, StatusCall); 8] = [
        ("program", |c| c.command(NUL).status()),
        ("argument", |c| c.command("true").arg(NUL).status()),
        ("variable name", |c| {
            c.command("true").env("A\0B", "v").status()
        }),
        ("variable value", |c| {
            c.command("true").env("A", NUL).status()
        }),
        ("kept variable", |c| {
            c.command("true").keep_env(NUL).status()
        }),
        ("working directory", |c| {
            c.command("true").current_dir(NUL).status()
        }),
        ("LSM label", |c| c.command("true").lsm_label(NUL).status()),
        ("variable name with `=`", |c| {
            c.command("true").env("A=B", "v").status()
        }),
    ];
    for (what, f) in nul_cases {
        t.on(
            hot,
            format!("status with a bad {what}"),
            "attach",
            INVALID,
            f,
        );
    }
    let spawn_cases: [(&str, SpawnCall); 6] = [
        ("argument", |c| c.command("true").arg(NUL).spawn()),
        ("variable name", |c| c.command("true").env("", "v").spawn()),
        ("variable value", |c| {
            c.command("true").env("A", NUL).spawn()
        }),
        ("kept variable", |c| c.command("true").keep_env(NUL).spawn()),
        ("working directory", |c| {
            c.command("true").current_dir(NUL).spawn()
        }),
        ("LSM label", |c| c.command("true").lsm_label(NUL).spawn()),
    ];
    for (what, f) in spawn_cases {
        t.on(
            hot,
            format!("spawn with a bad {what}"),
            "attach",
            INVALID,
            f,
        );
    }

    // Working directory, label.
    t.on(hot, "current_dir with a NUL", "attach", INVALID, |c| {
        c.command("true").current_dir(NUL).output()
    });
    t.on(
        hot,
        "current_dir with a NUL, run_wait",
        "attach_run_wait",
        INVALID,
        |c| c.command("true").current_dir(NUL).run_wait(),
    );
    t.on(hot, "lsm_label with a NUL", "attach", INVALID, |c| {
        c.command("true").lsm_label(NUL).output()
    });
    t.on(
        hot,
        "lsm_label with a NUL, run_wait",
        "attach_run_wait",
        INVALID,
        |c| c.command("true").lsm_label(NUL).run_wait(),
    );
    t.on_ok(
        hot,
        "current_dir that does not exist (documented: liblxc falls back to /)",
        "a clean exit",
        |s| s.contains("unix_wait_status(0)"),
        |c| c.command("true").current_dir("/nonexistent").output(),
    );

    // run_wait's own refusals.
    t.on(
        hot,
        "run_wait with piped stdout",
        "attach_run_wait",
        INVALID,
        |c| c.command("true").stdout(Stdio::piped()).run_wait(),
    );
    t.on(
        hot,
        "run_wait with piped stdin",
        "attach_run_wait",
        INVALID,
        |c| c.command("true").stdin(Stdio::piped()).run_wait(),
    );
    t.on(
        hot,
        "run_wait with piped stderr",
        "attach_run_wait",
        INVALID,
        |c| c.command("true").stderr(Stdio::piped()).run_wait(),
    );
    t.on(
        hot,
        "run_wait of a closure",
        "attach_run_wait",
        INVALID,
        |c| {
            // SAFETY: the closure only returns a constant.
            unsafe { c.attach_fn(|| 0) }.run_wait()
        },
    );

    // Wrong states.
    for name in [cold, ghost] {
        t.on(name, "output", "attach", NOT_RUNNING, |c| {
            c.command("true").output()
        });
        t.on(name, "spawn", "attach", NOT_RUNNING, |c| {
            c.command("true").spawn()
        });
        t.on(name, "status", "attach", NOT_RUNNING, |c| {
            c.command("true").status()
        });
        t.on(name, "run_wait", "attach_run_wait", NOT_RUNNING, |c| {
            c.command("true").run_wait()
        });
        t.on(name, "a closure", "attach", NOT_RUNNING, |c| {
            // SAFETY: the closure only returns a constant.
            unsafe { c.attach_fn(|| 0) }.status()
        });
        // The container's condition comes before the options (on liblxc before 4.0.7, `groups`
        // is Unsupported once it runs).
        t.on(
            name,
            "a command with every option set",
            "attach",
            NOT_RUNNING,
            |c| {
                c.command("true")
                    .arg("x")
                    .env("A", "b")
                    .current_dir("/")
                    .uid(0)
                    .gid(0)
                    .groups(&[0])
                    .output()
            },
        );
    }
    t
}
