//! A user other than root (issue 12): errors that say what it lacks, and an unprivileged busybox
//! container created, started, used and destroyed. Each test makes an ordinary user with
//! `scripts/unprivileged-user` (removed with its home, cgroups and processes afterwards) and runs
//! this test binary as that user with `LXC_RS_UNPRIV_CASE` set; that run does one case and prints
//! its outcome.
mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use liblxc::{Container, ErrorKind, State};

const CASE: &str = "LXC_RS_UNPRIV_CASE";

/// The script that makes, uses and removes the user.
fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/unprivileged-user")
}

/// The lxcpath of the runs as the user.
fn user_lxcpath(home: &Path) -> PathBuf {
    home.join("lxcpath")
}

/// Stops and destroys the container of a run as the user, even when a step fails.
struct Cleanup<'a>(&'a Container);

impl Drop for Cleanup<'_> {
    fn drop(&mut self) {
        if self.0.is_running() {
            let _ = self.0.stop();
        }
        if self.0.is_defined() {
            let _ = self.0.destroy();
        }
    }
}

/// Runs a case as the user, when this process is such a run: prints `RESULT ok …` or
/// `RESULT <kind> <reason>`, and says `true`.
fn as_user() -> bool {
    let Ok(case) = std::env::var(CASE) else {
        return false;
    };
    let home = PathBuf::from(std::env::var_os("HOME").expect("HOME"));
    let lxcpath = std::env::var_os("LXC_RS_UNPRIV_LXCPATH").map(PathBuf::from);
    let lxcpath = lxcpath.unwrap_or_else(|| user_lxcpath(&home));
    let result = match case.as_str() {
        "new" => Container::new_in("unpriv", &lxcpath).map(|_| String::new()),
        "create" => Container::new_in("unpriv", &lxcpath).and_then(|c| {
            let _cleanup = Cleanup(&c);
            c.create("busybox", &[]).map(|()| String::new())
        }),
        "busybox" => Container::new_in("unpriv", &lxcpath).and_then(|c| {
            // liblxc's create makes the container's directory, not the lxcpath.
            std::fs::create_dir_all(&lxcpath).expect("create the lxcpath");
            let _cleanup = Cleanup(&c);
            c.create("busybox", &[])?;
            c.start()?;
            c.wait(State::Running, Duration::from_secs(60))?;
            let out = c.command("id").arg("-u").output()?;
            c.stop()?;
            c.destroy()?;
            Ok(format!(
                "uid {}",
                String::from_utf8_lossy(&out.stdout).trim()
            ))
        }),
        other => panic!("unknown case {other}"),
    };
    match result {
        Ok(what) => println!("RESULT ok {what}"),
        Err(e) => println!("RESULT {:?} {}", e.kind(), e.reason()),
    }
    true
}

/// An ordinary user made by the script; removed when dropped.
struct User {
    name: String,
    home: PathBuf,
    /// This test binary, where the user may run it.
    exe: PathBuf,
}

impl User {
    /// `how`: `--bare` (only `useradd -m`), `--no-cgroups`, or `` (all the setup); `tag` tells
    /// the users of the tests of one run apart.
    fn new(lx: &common::Lxcpath, tag: char, how: &str) -> User {
        let name = format!("lxcrs-{tag}{}", std::process::id());
        std::fs::set_permissions(lx.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let exe = lx.path().join("unprivileged-test");
        std::fs::copy(std::env::current_exe().unwrap(), &exe).unwrap();
        let status = Command::new("bash")
            .arg(script())
            .args(["add", &name])
            .args((!how.is_empty()).then_some(how))
            .status()
            .expect("run scripts/unprivileged-user");
        let home = PathBuf::from("/home").join(&name);
        let user = User { name, home, exe };
        assert!(status.success(), "scripts/unprivileged-user add failed");
        user
    }

    /// Runs `case` of `test` as the user, with `env`; what it printed after `RESULT `.
    fn run(&self, test: &str, case: &str, env: &[(&str, &str)]) -> String {
        let mut vars = vec![format!("{CASE}={case}")];
        vars.extend(env.iter().map(|(k, v)| format!("{k}={v}")));
        let out = Command::new("bash")
            .arg(script())
            .args(["run", &self.name, "env"])
            .args(&vars)
            .arg(&self.exe)
            .args(["--exact", test, "--nocapture", "--test-threads=1"])
            .output()
            .expect("run the test binary as the user");
        let stdout = String::from_utf8_lossy(&out.stdout);
        stdout
            .lines()
            .find_map(|l| l.split_once("RESULT ").map(|(_, r)| r.to_string()))
            .unwrap_or_else(|| {
                panic!(
                    "no RESULT line from the run as {}:\n{stdout}\n{}",
                    self.name,
                    String::from_utf8_lossy(&out.stderr)
                )
            })
    }
}

impl Drop for User {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(script())
            .args(["del", &self.name])
            .output();
    }
}

const NON_ROOT_ERRORS: &str = "non_root_errors_say_what_is_missing";

#[test]
fn non_root_errors_say_what_is_missing() {
    if as_user() {
        return;
    }
    let Some(lx) = common::Lxcpath::new(NON_ROOT_ERRORS) else {
        return;
    };
    let user = User::new(&lx, 'e', "--bare");
    let run = |case, env: &[(&str, &str)]| user.run(NON_ROOT_ERRORS, case, env);
    let denied = format!("{:?} ", ErrorKind::PermissionDenied);

    // liblxc cannot create its lock directory under a HOME the user may not write (before: Failed,
    // errno 12, "Cannot allocate memory").
    let lxcpath = user_lxcpath(&user.home);
    let lxcpath = ("LXC_RS_UNPRIV_LXCPATH", lxcpath.to_str().unwrap());
    let got = run("new", &[("HOME", "/root"), lxcpath]);
    assert!(got.starts_with(&denied), "{got}");
    assert!(
        got.contains("lock directory /root/.cache/lxc/run/"),
        "{got}"
    );
    assert!(got.contains("may not write to /root "), "{got}");

    // The same with $XDG_RUNTIME_DIR pointing at a directory of root's.
    let got = run("new", &[("XDG_RUNTIME_DIR", "/run")]);
    assert!(got.starts_with(&denied), "{got}");
    assert!(got.contains("under $XDG_RUNTIME_DIR"), "{got}");

    // With its own HOME the object opens, and create says that an idmap is missing (before:
    // NotFound, naming only ~/.config/lxc/default.conf).
    assert_eq!(run("new", &[]), "ok ");
    let got = run("create", &[]);
    assert!(got.starts_with(&denied), "{got}");
    assert!(got.contains("no `lxc.idmap`"), "{got}");
}

const ROUND_TRIP: &str = "unprivileged_busybox_round_trip";

/// Create, start, run `id` in, stop and destroy an unprivileged busybox container as a user with
/// subordinate ids, an idmap and cgroups of its own; root inside is not root outside.
#[test]
fn unprivileged_busybox_round_trip() {
    if as_user() {
        return;
    }
    let Some(lx) = common::Lxcpath::new(ROUND_TRIP) else {
        return;
    };
    let user = User::new(&lx, 'r', "");
    assert_eq!(user.run(ROUND_TRIP, "busybox", &[]), "ok uid 0");
}

const NO_CGROUPS: &str = "unprivileged_start_without_cgroups_of_its_own";

/// A user without cgroups it may write: liblxc 5.0 starts the container without cgroups of its own
/// and leaves the caller where it was. Before, `start` failed after the container had started
/// (moving the caller "back" wrote to cgroups it may not write).
#[test]
fn unprivileged_start_without_cgroups_of_its_own() {
    if as_user() {
        return;
    }
    let Some(lx) = common::Lxcpath::new(NO_CGROUPS) else {
        return;
    };
    let user = User::new(&lx, 'n', "--no-cgroups");
    assert_eq!(user.run(NO_CGROUPS, "busybox", &[]), "ok uid 0");
}
