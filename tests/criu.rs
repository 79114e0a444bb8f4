//! Checkpoint, restore and migrate with CRIU on real busybox containers.
//!
//! Where CRIU works, a running container is checkpointed, stopped, and restored with its
//! processes. Where it cannot (Linux ≥ 6.13 with CRIU < 4.1, as on this project's VM: see
//! `Container::checkpoint`), the same test checks that the failure says why, in CRIU's own words,
//! and that the container is left as it was. Every other error path is tested everywhere: no `criu`
//! executable, wrong states, undefined containers (which crash liblxc 5.0 if it is called), bad
//! arguments.
mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command as HostCommand;
use std::time::Duration;

use liblxc::{
    Container, ErrorKind, MigrateCommand, MigrateFeatures, MigrateOptions, MigrateOutcome,
    PageServer, State,
};

const SECS_10: Duration = Duration::from_secs(10);
const CHILD_ENV: &str = "LXC_RS_CRIU_CHILD";

/// `criu check` (and its `Error` lines when it fails), or `None` without a `criu` executable.
fn criu_check() -> Option<Result<(), Vec<String>>> {
    let out = HostCommand::new("criu").arg("check").output().ok()?;
    if out.status.success() {
        return Some(Ok(()));
    }
    let text =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    Some(Err(text
        .lines()
        .filter_map(|l| l.find("Error (").map(|i| l[i..].trim().to_owned()))
        .collect()))
}

/// Whether `criu check --feature <name>` succeeds here (what liblxc asks for each feature).
fn criu_has_feature(name: &str) -> bool {
    HostCommand::new("criu")
        .args(["check", "--feature", name])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The pid (in the container's pid namespace) of each process of `c` whose command is `cmd`, as
/// `ps` inside it reports them.
fn pids_of(c: &Container, cmd: &str) -> Vec<String> {
    let out = c.command("ps").output().expect("ps inside");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .skip(1)
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let pid = f.next()?;
            let _user = f.next()?;
            (f.collect::<Vec<_>>().join(" ") == cmd).then(|| pid.to_owned())
        })
        .collect()
}

/// init (pid 1) and the sleeper the test started, with their pids inside the container (getty and
/// syslogd may be respawned by busybox init at any time, so they are left out).
fn long_lived(c: &Container) -> BTreeSet<(String, &'static str)> {
    let mut out = BTreeSet::new();
    for cmd in ["init", "sleep 1000"] {
        for pid in pids_of(c, cmd) {
            // busybox init forks short-lived helpers that are also called "init".
            if cmd != "init" || pid == "1" {
                out.insert((pid, cmd));
            }
        }
    }
    out
}

#[test]
fn commands_and_features_are_the_installed_header_s() {
    use liblxc::__private::ffi;
    for (i, cmd) in [
        MigrateCommand::PreDump,
        MigrateCommand::Dump,
        MigrateCommand::Restore,
        MigrateCommand::FeatureCheck,
    ]
    .into_iter()
    .enumerate()
    {
        // SAFETY: a pure function of its argument.
        let header = unsafe { ffi::lxcrs_glue_migrate_cmd(i as i32) };
        assert_eq!(cmd.raw(), header, "{cmd:?}");
    }
    for (i, f) in [MigrateFeatures::MEM_TRACK, MigrateFeatures::LAZY_PAGES]
        .into_iter()
        .enumerate()
    {
        // SAFETY: a pure function of its argument.
        let header = unsafe { ffi::lxcrs_glue_migrate_feature(i as i32) };
        assert_eq!(f.bits(), header, "{f:?}");
    }
}

#[test]
fn feature_check_answers_what_criu_says_without_a_container() {
    let dir = tempfile::tempdir().unwrap();
    // A container that does not exist: the feature check does not need one.
    let c = Container::new_in("nobody", dir.path()).unwrap();
    assert!(!c.is_defined());
    let all = MigrateFeatures::MEM_TRACK | MigrateFeatures::LAZY_PAGES;
    let check = c.migrate_feature_check(all).expect("feature check");
    let mut expected = MigrateFeatures::empty();
    if criu_has_feature("mem_dirty_track") {
        expected |= MigrateFeatures::MEM_TRACK;
    }
    if criu_has_feature("uffd-noncoop") {
        expected |= MigrateFeatures::LAZY_PAGES;
    }
    assert_eq!(
        (check.requested, check.supported, check.unsupported),
        (all, expected, all - expected)
    );
    assert_eq!(check.all_supported(), expected == all);
    eprintln!("CRIU features here: {check:?}");

    // The same through migrate(), one feature at a time.
    let one = c
        .migrate(MigrateCommand::FeatureCheck, &{
            let mut __o = MigrateOptions::default();
            __o.features_to_check = MigrateFeatures::MEM_TRACK;
            __o
        })
        .expect("feature check through migrate");
    let MigrateOutcome::Features(one) = one else {
        panic!("a feature check answers with features: {one:?}");
    };
    assert_eq!(one.requested, MigrateFeatures::MEM_TRACK);
    assert_eq!(
        one.supported,
        expected & MigrateFeatures::MEM_TRACK,
        "{one:?}"
    );

    // Asking for nothing: everything asked is supported.
    let none = c.migrate_feature_check(MigrateFeatures::empty()).unwrap();
    assert!(none.all_supported());
    assert!(!dir.path().join("nobody").exists(), "nothing was created");
}

#[test]
fn undefined_containers_are_refused_instead_of_crashing_liblxc() {
    let dir = tempfile::tempdir().unwrap();
    let images = dir.path().join("images");
    let c = Container::new_in("ghost", dir.path()).unwrap();
    // liblxc 5.0 dereferences a NULL configuration here (SIGSEGV) when criu is installed.
    let e = c
        .restore(&images, liblxc::CriuVerbosity::Normal)
        .expect_err("restore of nothing");
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
    assert_eq!(e.operation(), "restore");
    assert!(
        e.to_string()
            .starts_with("restore container \"ghost\": the container is not defined"),
        "{e}"
    );
    let e = c
        .migrate(MigrateCommand::Restore, &MigrateOptions::new(&images))
        .expect_err("migrate restore of nothing");
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
    assert_eq!(e.operation(), "migrate");
    let e = c
        .checkpoint(
            &images,
            liblxc::AfterCheckpoint::KeepRunning,
            liblxc::CriuVerbosity::Normal,
        )
        .expect_err("checkpoint");
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
    assert!(!images.exists(), "nothing was written");
}

#[test]
fn bad_arguments_are_refused_before_liblxc() {
    let lx = lxcpath!();
    let c = lx.busybox("args");
    let before = lx.tree();
    for cmd in [
        MigrateCommand::PreDump,
        MigrateCommand::Dump,
        MigrateCommand::Restore,
    ] {
        let e = c
            .migrate(cmd, &MigrateOptions::default())
            .expect_err("no images directory");
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{cmd:?}: {e}");
        assert!(
            e.to_string().contains("MigrateOptions::directory is empty"),
            "{e}"
        );
    }
    let e = c
        .checkpoint(
            Path::new(""),
            liblxc::AfterCheckpoint::KeepRunning,
            liblxc::CriuVerbosity::Normal,
        )
        .expect_err("empty directory");
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
    let e = c
        .restore(Path::new("/tmp/a\0b"), liblxc::CriuVerbosity::Normal)
        .expect_err("NUL byte");
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
    assert!(e.to_string().contains("`directory`"), "{e}");
    let e = c
        .migrate(MigrateCommand::Restore, &{
            let mut __o = MigrateOptions::new(lx.path().join("images"));
            __o.action_script = Some("/bin/a\0b".into());
            __o
        })
        .expect_err("NUL byte in the action script");
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
    assert!(
        e.to_string()
            .contains("MigrateOptions::action_script contains a NUL byte at position 6"),
        "{e}"
    );
    assert_eq!(lx.tree(), before, "nothing changed on disk");

    // A configuration cleared from the object: liblxc 5.0 would crash on it, too.
    c.clear_config();
    let e = c
        .restore(&lx.path().join("images"), liblxc::CriuVerbosity::Normal)
        .expect_err("no configuration loaded");
    assert_eq!(e.kind(), ErrorKind::Failed, "{e}");
    assert!(e.to_string().contains("load_config"), "{e}");
    c.load_config(None).unwrap();
}

#[test]
fn wrong_states_are_typed_errors() {
    let lx = lxcpath!();
    let images = lx.path().join("images");
    let c = lx.busybox("states");

    // Stopped: nothing to checkpoint or dump.
    let e = c
        .checkpoint(
            &images,
            liblxc::AfterCheckpoint::KeepRunning,
            liblxc::CriuVerbosity::Normal,
        )
        .expect_err("stopped");
    assert_eq!(e.kind(), ErrorKind::NotRunning, "{e}");
    assert!(
        e.to_string()
            .starts_with("checkpoint container \"states\": the container is not running"),
        "{e}"
    );
    for cmd in [MigrateCommand::PreDump, MigrateCommand::Dump] {
        let e = c
            .migrate(cmd, &MigrateOptions::new(&images))
            .expect_err("stopped");
        assert_eq!(e.kind(), ErrorKind::NotRunning, "{cmd:?}: {e}");
        assert_eq!(e.code(), Some(-1), "liblxc returns -1 for a wrong state");
    }
    assert!(
        !images.exists(),
        "liblxc refused before creating the directory"
    );

    // Running: nothing to restore onto.
    c.start().unwrap();
    c.wait(State::Running, SECS_10).unwrap();
    let pid = c.init_pid().map(|p| p as i32).unwrap();
    let e = c
        .restore(&images, liblxc::CriuVerbosity::Normal)
        .expect_err("running");
    assert_eq!(e.kind(), ErrorKind::Running, "{e}");
    assert!(
        e.to_string()
            .starts_with("restore container \"states\": the container is running"),
        "{e}"
    );
    let e = c
        .migrate(MigrateCommand::Restore, &MigrateOptions::new(&images))
        .expect_err("running");
    assert_eq!(e.kind(), ErrorKind::Running, "{e}");
    assert_eq!(e.code(), Some(-1));
    assert_eq!(
        c.init_pid().map(|p| p as i32).unwrap(),
        pid,
        "the container was not touched"
    );

    // A cleared configuration on a running container: refused, the container keeps running.
    c.clear_config();
    let e = c
        .checkpoint(
            &images,
            liblxc::AfterCheckpoint::Stop,
            liblxc::CriuVerbosity::Normal,
        )
        .expect_err("no configuration loaded");
    assert!(e.to_string().contains("load_config"), "{e}");
    assert_eq!(c.init_pid().map(|p| p as i32).unwrap(), pid);
    c.load_config(None).unwrap();
    c.stop().unwrap();
}

#[test]
fn checkpoint_and_restore_a_running_container() {
    let lx = lxcpath!();
    const TEST: &str = "checkpoint_and_restore_a_running_container";
    let Some(check) = criu_check() else {
        // Debian 11 has no criu package; scripts/setup installs it where there is one.
        common::host_lacks(TEST, "criu (no package on this release)");
        return;
    };
    if common::in_chroot() {
        common::host_lacks(
            TEST,
            "a root of its own: CRIU cannot dump a container started in a chroot (scripts/distro-test): it finds no master for the console pty, or a root that is not its mount namespace's",
        );
        return;
    }
    let images = lx.path().join("images");
    let c = lx.running("ckpt");
    // A second process, so that "its processes" means more than init.
    c.command("sh")
        .args(["-c", "sleep 1000 >/dev/null 2>&1 &"])
        .status()
        .expect("start a sleeper");
    let pid = c.init_pid().map(|p| p as i32).unwrap();
    let before = long_lived(&c);
    assert!(
        before.contains(&("1".into(), "init")) && before.iter().any(|p| p.1 == "sleep 1000"),
        "init and the sleeper: {before:?}"
    );

    match c.checkpoint(
        &images,
        liblxc::AfterCheckpoint::Stop,
        liblxc::CriuVerbosity::Verbose,
    ) {
        Ok(()) => {
            // CRIU works here: the container was dumped and stopped; restore brings it back.
            assert!(images.join("dump.log").exists());
            c.wait(State::Stopped, SECS_10)
                .expect("stopped by the dump");
            c.restore(&images, liblxc::CriuVerbosity::Verbose)
                .expect("restore");
            c.wait(State::Running, SECS_10).expect("running again");
            assert_eq!(c.state().unwrap(), State::Running);
            assert_eq!(
                long_lived(&c),
                before,
                "the same processes, with the same pids inside"
            );
            c.stop().unwrap();
        }
        Err(e) => {
            // CRIU cannot work here: the error says why in CRIU's words, and nothing changed.
            let Err(criu_errors) = check else {
                panic!("`criu check` passes, yet checkpoint failed: {e}");
            };
            eprintln!("checkpoint failed as expected here: {e}");
            assert_eq!(e.kind(), ErrorKind::Failed, "{e}");
            assert_eq!(e.operation(), "checkpoint");
            let msg = e.to_string();
            assert!(msg.starts_with("checkpoint container \"ckpt\": "), "{msg}");
            assert!(msg.contains("dump failed with 1; CRIU's log "), "{msg}");
            assert!(
                msg.contains(&images.join("dump.log").display().to_string()),
                "{msg}"
            );
            let last = criu_errors.last().expect("criu check says why");
            let why = &last[last.find("): ").map_or(0, |i| i + 3)..];
            assert!(msg.contains(why), "{msg} does not say {why:?}");
            assert_eq!(
                c.state().unwrap(),
                State::Running,
                "stop=true did not stop it"
            );
            assert_eq!(c.init_pid().map(|p| p as i32).unwrap(), pid);
            assert_eq!(long_lived(&c), before);

            // migrate() says the same, with liblxc's +1.
            for (cmd, log) in [
                (MigrateCommand::PreDump, "pre-dump.log"),
                (MigrateCommand::Dump, "dump.log"),
            ] {
                let e = c
                    .migrate(cmd, &{
                        let mut __o = MigrateOptions::new(&images);
                        __o.verbose = true;
                        __o.ghost_limit = 1 << 20;
                        __o.page_server = None;
                        __o
                    })
                    .expect_err("CRIU fails here");
                assert_eq!(e.code(), Some(1), "{cmd:?}: {e}");
                assert_eq!(e.kind(), ErrorKind::Failed, "{cmd:?}: {e}");
                assert!(e.to_string().contains(log), "{e}");
                assert!(e.to_string().contains(why), "{e}");
            }

            // Restore from that (failed) dump: the same reason from restore.log; the container
            // stays stopped and still starts normally.
            c.stop().unwrap();
            c.wait(State::Stopped, SECS_10).unwrap();
            let e = c
                .restore(&images, liblxc::CriuVerbosity::Normal)
                .expect_err("CRIU fails here");
            assert_eq!(e.kind(), ErrorKind::Failed, "{e}");
            let msg = e.to_string();
            assert!(msg.contains("restore.log"), "{msg}");
            assert!(msg.contains(why), "{msg}");
            let e = c
                .migrate(MigrateCommand::Restore, &MigrateOptions::new(&images))
                .expect_err("CRIU fails here");
            assert_eq!(e.code(), Some(1), "{e}");
            assert_eq!(c.state().unwrap(), State::Stopped);
            c.start()
                .expect("a failed restore leaves the container startable");
            c.wait(State::Running, SECS_10).unwrap();
            c.stop().unwrap();
        }
    }
}

/// A stand-in for `criu` that records its arguments (one per line) in `<dir>/argv.<action>` and
/// fails, except `criu --version` (liblxc needs ≥ 2.0) and `criu check --feature mem_dirty_track`.
fn fake_criu(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let script = format!(
        r#"#!/bin/sh
if [ "$1" = "--version" ]; then echo "Version: 3.17.1"; exit 0; fi
for a in "$@"; do printf '%s\n' "$a"; done >> "{dir}/argv.$1"
if [ "$1" = "check" ] && [ "$3" = "mem_dirty_track" ]; then exit 0; fi
echo "fake criu refuses $1" >&2
exit 1
"#,
        dir = dir.display()
    );
    let path = dir.join("criu");
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Runs the child test `criu_calls_in_a_child` in `mode` with `PATH`, against container `c`.
fn run_child(mode: &str, c: &Container, lxcpath: &Path, path: &Path) {
    let out = HostCommand::new(std::env::current_exe().unwrap())
        .args([
            "criu_calls_in_a_child",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(
            CHILD_ENV,
            format!("{mode}\n{}\n{}", lxcpath.display(), c.name()),
        )
        .env("PATH", path)
        .output()
        .expect("run the child");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "child {mode} failed:\n{stdout}\n{stderr}"
    );
    for line in stdout.lines().filter(|l| l.contains(" container \"")) {
        eprintln!("child {mode}: {line}");
    }
}

/// The arguments the fake criu recorded for `action`, one call after the other.
fn recorded(dir: &Path, action: &str) -> Vec<String> {
    std::fs::read_to_string(dir.join(format!("argv.{action}")))
        .unwrap_or_else(|e| panic!("criu {action} was not run: {e}"))
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Whether `args` has `flag` immediately followed by `values`.
fn has(args: &[String], flag: &str, values: &[&str]) -> bool {
    args.iter().enumerate().any(|(i, a)| {
        a == flag
            && values
                .iter()
                .enumerate()
                .all(|(j, v)| args.get(i + 1 + j).is_some_and(|x| x == v))
    })
}

#[test]
fn every_migrate_option_reaches_criu_s_command_line() {
    // Every field of struct migrate_opts is passed (ocaml-lxc dropped the first six): a stand-in
    // criu on PATH records the command line liblxc builds from them.
    let lx = lxcpath!();
    let c = lx.running("opts");
    let pid = c.init_pid().map(|p| p as i32).unwrap();
    let fake = tempfile::tempdir().unwrap();
    fake_criu(fake.path());
    run_child("fake", &c, lx.path(), fake.path());
    let images = lx.path().join("images");
    let dir = images.display().to_string();
    let log = |a: &str| format!("{dir}/{a}.log");

    // The pre-dump and the dump with every option set.
    let pre = recorded(fake.path(), "pre-dump");
    let dumps = recorded(fake.path(), "dump");
    let split = dumps
        .iter()
        .skip(1)
        .position(|a| a == "dump")
        .map_or(dumps.len(), |i| i + 1);
    let (full, plain) = dumps.split_at(split);
    for args in [&pre[..], full] {
        assert!(has(args, "-D", &[&dir]), "{args:?}");
        assert!(has(args, "-v4", &[]), "verbose: {args:?}");
        assert!(has(args, "-t", &[&pid.to_string()]), "{args:?}");
        assert!(has(args, "--action-script", &["/bin/true"]), "{args:?}");
        assert!(
            has(args, "--prev-images-dir", &["../pre", "--track-mem"]),
            "{args:?}"
        );
        assert!(
            has(
                args,
                "--page-server",
                &["--address", "127.0.0.1", "--port", "1234"]
            ),
            "{args:?}"
        );
        assert!(has(args, "--ghost-limit", &["12345"]), "{args:?}");
        assert!(
            !has(args, "--force-irmap", &[]),
            "preserves_inodes: {args:?}"
        );
        assert!(
            !has(args, "--skip-in-flight", &[]),
            "disable_skip_in_flight: {args:?}"
        );
    }
    assert!(has(&pre, "-o", &[&log("pre-dump")]), "{pre:?}");
    assert!(has(full, "-o", &[&log("dump")]), "{full:?}");
    assert!(!has(full, "--leave-running", &[]), "stop: {full:?}");

    // A dump with the defaults: the opposite of each.
    assert!(!plain.is_empty(), "the second dump ran: {dumps:?}");
    for flag in [
        "-v4",
        "--action-script",
        "--prev-images-dir",
        "--page-server",
        "--ghost-limit",
    ] {
        assert!(!has(plain, flag, &[]), "{flag} in {plain:?}");
    }
    for flag in ["--force-irmap", "--skip-in-flight", "--leave-running"] {
        assert!(has(plain, flag, &[]), "{flag} missing from {plain:?}");
    }

    // The feature check asked criu about each feature.
    let checks = recorded(fake.path(), "check");
    assert_eq!(
        checks,
        [
            "check",
            "--feature",
            "mem_dirty_track",
            "check",
            "--feature",
            "uffd-noncoop"
        ]
    );
    assert_eq!(
        c.init_pid().map(|p| p as i32).unwrap(),
        pid,
        "the container was not touched"
    );
    c.stop().unwrap();
    c.wait(State::Stopped, SECS_10).unwrap();

    // The restore.
    run_child("fake-restore", &c, lx.path(), fake.path());
    let restore = recorded(fake.path(), "restore");
    assert!(has(&restore, "-D", &[&dir]), "{restore:?}");
    assert!(has(&restore, "-o", &[&log("restore")]), "{restore:?}");
    assert!(
        has(&restore, "--restore-detached", &["--restore-sibling"]),
        "{restore:?}"
    );
    assert!(has(&restore, "--root", &[]), "{restore:?}");
    assert_eq!(c.state().unwrap(), State::Stopped);
}

#[test]
fn without_a_criu_executable_the_error_says_so() {
    let lx = lxcpath!();
    let c = lx.running("nocriu");
    let pid = c.init_pid().map(|p| p as i32).unwrap();
    // liblxc finds criu on PATH: run the calls in a child process whose PATH has none.
    run_child("none", &c, lx.path(), Path::new("/nonexistent"));
    assert_eq!(
        c.init_pid().map(|p| p as i32).unwrap(),
        pid,
        "the container was not touched"
    );
    c.stop().unwrap();
}

/// The calls that need another `PATH`, run in a child process by the tests above.
#[test]
#[ignore = "run in a child process, with another PATH, by the tests above"]
fn criu_calls_in_a_child() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return;
    };
    let mut parts = spec.split('\n');
    let (mode, lxcpath, name) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    let c = Container::new_in(name, lxcpath).unwrap();
    let images = Path::new(lxcpath).join("images");
    match mode {
        "none" => {
            assert!(c.is_running());
            let e = c
                .checkpoint(
                    &images,
                    liblxc::AfterCheckpoint::KeepRunning,
                    liblxc::CriuVerbosity::Normal,
                )
                .expect_err("no criu");
            println!("checkpoint without criu: {e}");
            let msg = e.to_string();
            assert!(msg.contains("is it installed?"), "{msg}");
            assert!(
                msg.contains(
                    "there is no `criu` executable on PATH (install CRIU: `apt-get install criu`)"
                ),
                "{msg}"
            );
            let e = c
                .migrate(MigrateCommand::Dump, &MigrateOptions::new(&images))
                .expect_err("no criu");
            assert_eq!(e.code(), Some(1), "CRIU failing is +1: {e}");
            assert!(e.to_string().contains("no `criu` executable"), "{e}");
            let check = c
                .migrate_feature_check(MigrateFeatures::all())
                .expect("a feature check answers even without criu");
            assert_eq!(check.supported, MigrateFeatures::empty());
            assert_eq!(check.unsupported, MigrateFeatures::all());
        }
        "fake" => {
            assert!(c.is_running());
            let all = {
                let mut __o = MigrateOptions::new(&images);
                __o.verbose = true;
                __o.stop = true;
                __o.predump_dir = Some("../pre".into());
                __o.page_server = Some({
                    let mut __o = PageServer::new("", 0);
                    __o.address = "127.0.0.1".into();
                    __o.port = 1234;
                    __o
                });
                __o.preserves_inodes = true;
                __o.action_script = Some("/bin/true".into());
                __o.disable_skip_in_flight = true;
                __o.ghost_limit = 12345;
                __o.features_to_check = MigrateFeatures::empty();
                __o
            };
            for cmd in [MigrateCommand::PreDump, MigrateCommand::Dump] {
                let e = c.migrate(cmd, &all).expect_err("the stand-in fails");
                println!("{cmd:?} with the stand-in: {e}");
                assert_eq!(e.code(), Some(1), "{e}");
                assert_eq!(e.kind(), ErrorKind::Failed);
                assert!(
                    e.to_string().contains(&format!(
                        "criu output: fake criu refuses {}",
                        if cmd == MigrateCommand::Dump {
                            "dump"
                        } else {
                            "pre-dump"
                        }
                    )),
                    "{e}"
                );
            }
            c.migrate(MigrateCommand::Dump, &MigrateOptions::new(&images))
                .expect_err("the stand-in fails");
            // A mixed answer: the stand-in has mem_dirty_track only. liblxc writes the supported
            // subset back; the binding reports both halves.
            let both = MigrateFeatures::MEM_TRACK | MigrateFeatures::LAZY_PAGES;
            let check = c.migrate_feature_check(both).unwrap();
            assert_eq!(
                (check.requested, check.supported, check.unsupported),
                (
                    both,
                    MigrateFeatures::MEM_TRACK,
                    MigrateFeatures::LAZY_PAGES
                )
            );
        }
        "fake-restore" => {
            assert!(!c.is_running());
            let e = c
                .restore(&images, liblxc::CriuVerbosity::Normal)
                .expect_err("the stand-in fails");
            println!("restore with the stand-in: {e}");
            assert_eq!(e.kind(), ErrorKind::Failed, "{e}");
        }
        other => panic!("unknown mode {other}"),
    }
}
