//! Ephemeral copies on real busybox containers: they run programs, writes stay in the copy, they
//! are gone from the lxcpath and the mount table after stop or drop (and after the process that
//! made them is killed), many copies of one base from many threads work, the base cannot be
//! destroyed under them, and a failed start leaves nothing.
mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{eventually, watchdog};
use liblxc::{Container, ErrorKind, State};

/// The names in the lxcpath (directories and files).
fn entries(p: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(p)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Lines of this process's mount table that name a path under `p`.
fn mounts_under(p: &Path) -> Vec<String> {
    let p = p.to_str().unwrap();
    std::fs::read_to_string("/proc/self/mountinfo")
        .unwrap()
        .lines()
        .filter(|l| l.contains(p))
        .map(str::to_owned)
        .collect()
}

/// The base's record of its overlay snapshots (liblxc's `lxc_snapshots`), empty when none.
fn dependents(p: &Path, base: &str) -> String {
    std::fs::read_to_string(p.join(base).join("lxc_snapshots")).unwrap_or_default()
}

#[track_caller]
fn assert_only_base(p: &Path) {
    assert_eq!(entries(p), ["base"], "the lxcpath holds only the base");
    assert_eq!(mounts_under(p), Vec::<String>::new(), "no mount left");
    assert_eq!(
        dependents(p, "base").trim(),
        "",
        "the base has no dependents left"
    );
}

#[test]
fn runs_programs_and_writes_stay_in_the_copy() {
    let _w = watchdog(Duration::from_secs(300));
    let lx = lxcpath!();
    let base = lx.busybox("base");
    let e = base.ephemeral().start().expect("start an ephemeral copy");
    assert!(
        e.name().starts_with("base-eph-"),
        "generated name {}",
        e.name()
    );
    assert_eq!(e.state().unwrap(), State::Running);
    assert_eq!(
        e.config_item("lxc.ephemeral").unwrap(),
        "1",
        "the copy is ephemeral"
    );
    let st = e
        .command("/bin/sh")
        .args(["-c", "echo written > /root/marker && cat /root/marker"])
        .output()
        .expect("run a program");
    assert!(st.status.success());
    assert_eq!(String::from_utf8_lossy(&st.stdout), "written\n");
    assert!(
        !lx.path().join("base/rootfs/root/marker").exists(),
        "a write in the copy reached the base"
    );
    let dir = e.path();
    assert!(dir.join("config").exists());
    drop(e);
    assert!(!dir.exists(), "{} is left after the drop", dir.display());
    assert_only_base(lx.path());
    // The base is intact and can be copied again.
    let again = base.ephemeral().start().expect("a second copy");
    let out = again
        .command("/bin/sh")
        .args(["-c", "test -e /root/marker; echo $?"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "1\n",
        "copies are fresh"
    );
    again.stop().expect("stop reports success");
    assert_only_base(lx.path());
}

#[test]
fn named_copy_with_configuration_and_bind_mounts() {
    let _w = watchdog(Duration::from_secs(300));
    let lx = lxcpath!();
    let base = lx.busybox("base");
    let host = tempfile::tempdir().unwrap();
    std::fs::write(host.path().join("in.txt"), "from the host\n").unwrap();
    let shared = tempfile::tempdir().unwrap();
    let e = base
        .ephemeral()
        .name("job 1")
        .config("lxc.environment", "JOB=42")
        .bind_read_only(host.path(), "/mnt/in")
        .unwrap()
        .bind(shared.path(), "mnt/out dir")
        .unwrap()
        .start()
        .expect("start a named copy");
    assert_eq!(e.name(), "job 1");
    let out = e
        .command("/bin/sh")
        .args([
            "-c",
            "echo $JOB; cat /mnt/in/in.txt; echo x > /mnt/in/no 2>/dev/null || echo read-only; echo out > '/mnt/out dir/result'",
        ])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "42\nfrom the host\nread-only\n"
    );
    assert_eq!(
        std::fs::read_to_string(shared.path().join("result")).unwrap(),
        "out\n",
        "the writable bind mount reaches the host"
    );
    assert!(!host.path().join("no").exists());

    // The name is taken while the copy lives: a clear error, and the running copy is untouched.
    let err = base
        .ephemeral()
        .name("job 1")
        .start()
        .expect_err("a taken name");
    assert_eq!(err.kind(), ErrorKind::AlreadyExists, "{err}");
    assert!(e.is_running());
    drop(e);
    assert_only_base(lx.path());
    assert!(shared.path().join("result").exists(), "bind sources stay");

    let missing = base.ephemeral().bind("/nonexistent/lxc-rs", "x");
    assert_eq!(missing.unwrap_err().kind(), ErrorKind::NotFound);
    let outside = base.ephemeral().bind(host.path(), "../etc");
    assert_eq!(outside.unwrap_err().kind(), ErrorKind::InvalidArgument);
    let bad_name = base.ephemeral().name("a/b").start();
    assert_eq!(bad_name.unwrap_err().kind(), ErrorKind::InvalidArgument);
    assert_only_base(lx.path());
}

/// A post-stop hook that sleeps, then notes that it ran in `marker`.
fn slow_post_stop_hook(dir: &Path, marker: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let hook = dir.join("slow-post-stop");
    std::fs::write(
        &hook,
        format!("#!/bin/sh\nsleep 2\necho ran >> '{}'\n", marker.display()),
    )
    .unwrap();
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    hook
}

/// A start that fails returns once liblxc's monitor has finished its cleanup (the post-stop
/// hooks, and for an ephemeral copy its removal), not while the monitor still works: the caller
/// then removing what is left raced the monitor's own removal, and the base's `lxc_snapshots`
/// kept naming a copy that was gone (seen once in CI).
#[test]
fn a_failed_start_returns_after_the_monitor_cleaned_up() {
    let _w = watchdog(Duration::from_secs(300));
    let lx = lxcpath!();
    let base = lx.busybox("base");
    let scripts = tempfile::tempdir().unwrap();
    let marker = scripts.path().join("post-stop-ran");
    let hook = slow_post_stop_hook(scripts.path(), &marker);
    let hook = hook.to_str().unwrap();
    let gone = tempfile::tempdir().unwrap();
    let source = gone.path().to_path_buf();
    drop(gone);
    let mount = format!("{} mnt/gone none bind,create=dir 0 0", source.display());

    // A plain container whose start fails at the mount.
    let plain = lx.busybox("plain");
    plain.set_config_item("lxc.hook.post-stop", hook).unwrap();
    plain.set_config_item("lxc.mount.entry", &mount).unwrap();
    plain.start().expect_err("a missing bind source");
    assert_eq!(
        std::fs::read_to_string(&marker).unwrap_or_default(),
        "ran\n",
        "start returned before the monitor's post-stop hook ended"
    );
    plain.destroy().unwrap();

    // An ephemeral copy whose start fails the same way: the monitor removes it, and nothing is left.
    std::fs::remove_file(&marker).unwrap();
    let err = base
        .ephemeral()
        .config("lxc.hook.post-stop", hook)
        .config("lxc.mount.entry", &mount)
        .start()
        .expect_err("a missing bind source");
    assert!(!err.to_string().is_empty());
    assert_eq!(
        std::fs::read_to_string(&marker).unwrap_or_default(),
        "ran\n",
        "the copy's post-stop hook ran once"
    );
    assert_only_base(lx.path());
}

/// The `[lxc monitor]` processes of the container `name` in `lxcpath`.
fn monitors_of(lxcpath: &Path, name: &str) -> Vec<String> {
    let want = format!("[lxc monitor] {} {name}", lxcpath.display());
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .map(|b| {
            String::from_utf8_lossy(&b)
                .replace('\0', " ")
                .trim()
                .to_owned()
        })
        .filter(|c| *c == want)
        .collect()
}

/// A copy runs when `start` returns, and when `stop` (or drop) returns its monitor has exited:
/// nothing of it is left, and a copy of the same name starts again at once.
#[test]
fn start_returns_running_and_stop_returns_once_the_monitor_is_gone() {
    let _w = watchdog(Duration::from_secs(300));
    let lx = lxcpath!();
    let base = lx.busybox("base");
    for round in 0..5 {
        let e = base
            .ephemeral()
            .name("same")
            .start()
            .unwrap_or_else(|err| panic!("round {round}: {err}"));
        assert_eq!(e.state().unwrap(), State::Running, "round {round}");
        assert_eq!(monitors_of(lx.path(), "same").len(), 1, "round {round}");
        let dir = e.path();
        if round % 2 == 0 {
            e.stop().unwrap();
        } else {
            drop(e);
        }
        assert!(!dir.exists(), "round {round}: the copy is gone");
        assert_eq!(
            monitors_of(lx.path(), "same"),
            Vec::<String>::new(),
            "round {round}: its monitor is gone"
        );
        assert_only_base(lx.path());
    }
}

/// A frozen copy is stopped and removed too (a cgroup v1 freezer holds a killed task until it
/// is thawed, so it is stopped through liblxc there).
#[test]
fn a_frozen_copy_is_stopped_and_gone() {
    let _w = watchdog(Duration::from_secs(300));
    let lx = lxcpath!();
    let base = lx.busybox("base");
    let e = base.ephemeral().start().unwrap();
    e.freeze().unwrap();
    assert_eq!(e.state().unwrap(), State::Frozen);
    let name = e.name().to_owned();
    e.stop().expect("stop a frozen copy");
    assert_eq!(monitors_of(lx.path(), &name), Vec::<String>::new());
    assert_only_base(lx.path());
}

/// A post-stop hook that outlasts the copy's timeout: `stop` returns `Timeout` instead of
/// waiting, leaves the copy to its monitor, and the monitor removes it once the hook ends.
#[test]
fn a_post_stop_hook_past_the_timeout_gives_timeout_and_the_monitor_removes_the_copy() {
    use std::os::unix::fs::PermissionsExt;
    let _w = watchdog(Duration::from_secs(300));
    let lx = lxcpath!();
    let base = lx.busybox("base");
    let scripts = tempfile::tempdir().unwrap();
    let release = scripts.path().join("release");
    let marker = scripts.path().join("ran");
    let hook = scripts.path().join("held-post-stop");
    std::fs::write(
        &hook,
        format!(
            "#!/bin/sh\nwhile [ ! -e '{}' ]; do sleep 0.05; done\necho ran >> '{}'\n",
            release.display(),
            marker.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    let e = base
        .ephemeral()
        .config("lxc.hook.post-stop", hook.to_str().unwrap())
        .timeout(Duration::from_secs(2))
        .start()
        .unwrap();
    let dir = e.path();
    let name = e.name().to_owned();
    let err = e.stop().expect_err("the hook holds the monitor");
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(!marker.exists(), "the hook has not finished");
    std::fs::write(&release, "").unwrap();
    assert!(
        eventually(Duration::from_secs(120), || !dir.exists()
            && monitors_of(lx.path(), &name).is_empty()),
        "the monitor removed the copy after its hook"
    );
    assert_eq!(std::fs::read_to_string(&marker).unwrap(), "ran\n");
    assert_only_base(lx.path());
}

#[test]
fn failed_starts_leave_nothing() {
    let _w = watchdog(Duration::from_secs(300));
    let lx = lxcpath!();
    let base = lx.busybox("base");
    // liblxc refuses the key: the copy was made already, and is removed.
    let err = base
        .ephemeral()
        .config("lxc.no.such.key", "1")
        .start()
        .expect_err("an unknown key");
    assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{err}");
    assert_only_base(lx.path());
    // The start itself fails (a pre-start hook that fails).
    let err = base
        .ephemeral()
        .config("lxc.hook.pre-start", "/bin/false")
        .start()
        .expect_err("a failing hook");
    assert!(!err.to_string().is_empty());
    assert_only_base(lx.path());
    // A bind source that vanished before the start.
    let gone = tempfile::tempdir().unwrap();
    let b = base.ephemeral().bind(gone.path(), "mnt/gone").unwrap();
    drop(gone);
    b.start().expect_err("a missing bind source");
    assert_only_base(lx.path());
    // A running base is refused before anything is made.
    base.start().unwrap();
    base.wait(State::Running, Duration::from_secs(30)).unwrap();
    let err = base.ephemeral().start().expect_err("a running base");
    assert_eq!(err.kind(), ErrorKind::Running, "{err}");
    base.stop().unwrap();
    base.wait(State::Stopped, Duration::from_secs(30)).unwrap();
    assert_only_base(lx.path());
    // An undefined base.
    let none = lx.container("none");
    let err = none.ephemeral().start().expect_err("no base");
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    assert_only_base(lx.path());
}

#[test]
fn base_cannot_be_destroyed_while_copies_run() {
    let _w = watchdog(Duration::from_secs(300));
    let lx = lxcpath!();
    let base = lx.busybox("base");
    let e = base.ephemeral().start().unwrap();
    let err = base
        .destroy()
        .expect_err("destroying the base under a copy");
    assert!(
        err.to_string().contains(e.name()) && err.to_string().contains("depend"),
        "the error names the copy: {err}"
    );
    assert!(base.is_defined(), "the base is still there");
    assert!(lx.path().join("base/rootfs/bin").exists());
    assert!(e.command("/bin/true").status().unwrap().success());
    drop(e);
    assert_only_base(lx.path());
    base.destroy()
        .expect("the base goes once its copies are gone");
}

#[test]
fn a_copy_that_stops_by_itself_is_gone_too() {
    let _w = watchdog(Duration::from_secs(300));
    let lx = lxcpath!();
    let base = lx.busybox("base");
    let e = base.ephemeral().start().unwrap();
    let dir = e.path();
    // Kill its init from the host: the container stops without a stop request.
    let init = e.init_pid().unwrap();
    // SAFETY: kill has no memory-safety preconditions; init is the copy's init process.
    assert_eq!(unsafe { libc::kill(init as i32, libc::SIGKILL) }, 0);
    assert!(eventually(Duration::from_secs(60), || !dir.exists()));
    e.stop()
        .expect("stopping a copy that is gone already is not an error");
    assert_only_base(lx.path());
}

#[test]
fn thirty_two_copies_from_thirty_two_threads() {
    let _w = watchdog(Duration::from_secs(900));
    let lx = lxcpath!();
    let _base = lx.busybox("base");
    let path: PathBuf = lx.path().to_owned();
    let barrier = std::sync::Barrier::new(32);
    let names: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..32)
            .map(|_| {
                s.spawn(|| {
                    let base = Container::new_in("base", &path).unwrap();
                    barrier.wait();
                    let e = base
                        .ephemeral()
                        .timeout(Duration::from_secs(120))
                        .start()
                        .expect("start under contention");
                    let out = e.command("/bin/hostname").output().unwrap();
                    assert!(out.status.success());
                    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), e.name());
                    // Hold every copy until all run at once.
                    barrier.wait();
                    let name = e.name().to_owned();
                    e.stop().expect("stop under contention");
                    name
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut unique = names.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 32, "every copy had a name of its own");
    assert_only_base(lx.path());
}

/// The helper of `killed_owner_leaves_nothing`: run in a child process of this test binary, it
/// starts a copy, says its path, and waits to be killed.
#[test]
fn owner_process() {
    let Ok(lxcpath) = std::env::var("LXC_RS_EPHEMERAL_OWNER") else {
        return;
    };
    let base = Container::new_in("base", &lxcpath).unwrap();
    let e = base.ephemeral().start().unwrap();
    println!("COPY {}", e.path().display());
    use std::io::Write as _;
    std::io::stdout().flush().unwrap();
    std::thread::sleep(Duration::from_secs(600));
}

#[test]
fn killed_owner_leaves_nothing() {
    use std::io::BufRead as _;
    let _w = watchdog(Duration::from_secs(300));
    let lx = lxcpath!();
    let _base = lx.busybox("base");
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "owner_process",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("LXC_RS_EPHEMERAL_OWNER", lx.path())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let copy = loop {
        let line = lines
            .next()
            .expect("the owner said nothing")
            .expect("read the owner's output");
        // libtest may have written `test owner_process ... ` on the same line.
        if let Some((_, p)) = line.split_once("COPY ") {
            break PathBuf::from(p);
        }
    };
    let name = copy.file_name().unwrap().to_str().unwrap().to_owned();
    assert!(lx.container(&name).is_running(), "the copy runs");
    child.kill().unwrap(); // SIGKILL: no destructor runs
    child.wait().unwrap();
    assert!(
        eventually(Duration::from_secs(120), || !copy.exists()),
        "{} outlived its owner",
        copy.display()
    );
    assert!(!lx.container(&name).is_running());
    assert_only_base(lx.path());
}
