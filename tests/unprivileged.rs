//! A caller that is not root gets errors that say what it lacks (issue 12), checked as an ordinary
//! user made for the test (`useradd -m`, removed with its home afterwards). The test binary runs
//! itself as that user with `LXC_RS_UNPRIV_CASE` set; that run does one case and prints its error.
mod common;

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use lxc::{Container, ErrorKind};

const CASE: &str = "LXC_RS_UNPRIV_CASE";
const TEST: &str = "non_root_errors_say_what_is_missing";

/// The case run as the ordinary user: prints `kind` and reason of the error, or `ok`.
fn as_user(case: &str) {
    let home = PathBuf::from(std::env::var_os("HOME").expect("HOME"));
    let lxcpath = std::env::var_os("LXC_RS_UNPRIV_LXCPATH").map(PathBuf::from);
    let lxcpath = lxcpath.unwrap_or_else(|| home.join("lxcpath"));
    let result = match case {
        "new" => Container::new_in("unpriv", &lxcpath).map(drop),
        "create" => Container::new_in("unpriv", &lxcpath).and_then(|c| c.create("busybox", &[])),
        other => panic!("unknown case {other}"),
    };
    match result {
        Ok(()) => println!("RESULT ok"),
        Err(e) => println!("RESULT {:?} {}", e.kind(), e.reason()),
    }
}

/// An ordinary user with a home, removed (with the home) when dropped.
struct User {
    name: String,
    uid: u32,
    gid: u32,
    home: PathBuf,
}

impl User {
    fn new() -> User {
        let name = format!("lxcrs-t{}", std::process::id());
        let status = Command::new("useradd")
            .args(["-m", "-s", "/bin/sh", &name])
            .status()
            .expect("run useradd");
        assert!(status.success(), "useradd {name} failed");
        let id = |flag: &str| -> u32 {
            let out = Command::new("id").args([flag, &name]).output().expect("id");
            String::from_utf8_lossy(&out.stdout)
                .trim()
                .parse()
                .expect("id")
        };
        let home = PathBuf::from("/home").join(&name);
        User {
            uid: id("-u"),
            gid: id("-g"),
            home,
            name,
        }
    }

    /// Runs this test binary's `case` as the user, with `env` and a clean environment otherwise.
    fn run(&self, exe: &Path, case: &str, env: &[(&str, &str)]) -> String {
        let mut cmd = Command::new(exe);
        cmd.args(["--exact", TEST, "--nocapture", "--test-threads=1"])
            .env_clear()
            .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
            .env("HOME", &self.home)
            .env(CASE, case)
            .current_dir("/")
            .uid(self.uid)
            .gid(self.gid);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("run the test binary as the user");
        let stdout = String::from_utf8_lossy(&out.stdout);
        stdout
            .lines()
            .find_map(|l| l.split_once("RESULT ").map(|(_, r)| r))
            .unwrap_or_else(|| {
                panic!(
                    "no RESULT line from the run as {}:\n{stdout}\n{}",
                    self.name,
                    String::from_utf8_lossy(&out.stderr)
                )
            })
            .to_string()
    }
}

impl Drop for User {
    fn drop(&mut self) {
        let _ = Command::new("userdel").args(["-r", &self.name]).output();
    }
}

#[test]
fn non_root_errors_say_what_is_missing() {
    if let Ok(case) = std::env::var(CASE) {
        return as_user(&case);
    }
    let Some(lx) = common::Lxcpath::new(TEST) else {
        return;
    };
    // The binary, where the user may run it: in the test's own lxcpath (removed afterwards).
    std::fs::set_permissions(lx.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let exe = lx.path().join("unprivileged-test");
    std::fs::copy(std::env::current_exe().unwrap(), &exe).unwrap();
    let user = User::new();

    // liblxc cannot create its lock directory under a HOME the user may not write (before: Failed,
    // errno 12, "Cannot allocate memory").
    let lxcpath = user.home.join("lxcpath");
    let lxcpath = lxcpath.to_str().unwrap();
    let got = user.run(
        &exe,
        "new",
        &[("HOME", "/root"), ("LXC_RS_UNPRIV_LXCPATH", lxcpath)],
    );
    let kind = format!("{:?} ", ErrorKind::PermissionDenied);
    assert!(got.starts_with(&kind), "{got}");
    assert!(
        got.contains("lock directory /root/.cache/lxc/run/"),
        "{got}"
    );
    assert!(got.contains("may not write to /root "), "{got}");

    // The same with $XDG_RUNTIME_DIR pointing at a directory of root's.
    let got = user.run(&exe, "new", &[("XDG_RUNTIME_DIR", "/run")]);
    assert!(got.starts_with(&kind), "{got}");
    assert!(got.contains("under $XDG_RUNTIME_DIR"), "{got}");

    // With its own HOME the object opens, and create says that an idmap is missing (before:
    // NotFound, naming only ~/.config/lxc/default.conf).
    assert_eq!(user.run(&exe, "new", &[]), "ok");
    let got = user.run(&exe, "create", &[]);
    assert!(got.starts_with(&kind), "{got}");
    assert!(got.contains("no `lxc.idmap`"), "{got}");
}
