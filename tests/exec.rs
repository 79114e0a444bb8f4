//! The exec API (`Container::command`, `attach`, `attach_run_wait`) on real running busybox
//! containers: each test checks what the program really saw or did.
mod common;

use std::collections::BTreeSet;
use std::io::Write;
use std::os::fd::AsFd;
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::Once;
use std::time::{Duration, Instant};

use liblxc::{AttachFlags, ErrorKind, Namespaces, Stdio};

/// A variable that is in this test process's environment and must not leak into programs.
const SECRET: &str = "LXC_RS_EXEC_TEST_SECRET";
const SECRET_VALUE: &str = "caller-only-value";

fn set_secret() {
    static ONCE: Once = Once::new();
    // Set once, before any test reads it; glibc never frees an old environment array, so a
    // concurrent getenv in another thread stays safe.
    ONCE.call_once(|| std::env::set_var(SECRET, SECRET_VALUE));
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The names of the variables an `env` output lists.
fn env_names(out: &[u8]) -> BTreeSet<String> {
    text(out)
        .lines()
        .filter_map(|l| l.split_once('=').map(|(k, _)| k.to_string()))
        .collect()
}

/// Runs `f` on another thread and fails the test if it takes longer than `secs`.
fn within<T: Send + 'static>(secs: u64, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(Duration::from_secs(secs)) {
        Ok(v) => v,
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("timed out after {secs} s (deadlock?)"),
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("the worker thread panicked"),
    }
}

#[test]
fn output_captures_stdout_and_stderr() {
    let lx = lxcpath!();
    let c = lx.running("echo");
    let out = c
        .command("echo")
        .arg("hello")
        .arg("world")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(out.stdout, b"hello world\n");
    assert!(out.stderr.is_empty());

    let out = c
        .command("sh")
        .args(["-c", "echo out; echo err >&2"])
        .output()
        .unwrap();
    assert_eq!(text(&out.stdout), "out\n");
    assert_eq!(text(&out.stderr), "err\n");
}

#[test]
fn exit_code_and_signal_are_decoded() {
    let lx = lxcpath!();
    let c = lx.running("status");
    let s = c.command("sh").args(["-c", "exit 3"]).status().unwrap();
    assert_eq!(s.code(), Some(3));
    assert_eq!(s.signal(), None);

    let s = c.command("sh").args(["-c", "kill -9 $$"]).status().unwrap();
    assert_eq!(s.code(), None);
    assert_eq!(s.signal(), Some(9));

    let s = c.command("true").status().unwrap();
    assert!(s.success());
    // A real exit 127 is an exit status, not an error.
    let s = c.command("sh").args(["-c", "exit 127"]).status().unwrap();
    assert_eq!(s.code(), Some(127));
}

#[test]
fn missing_program_is_not_found_error() {
    let lx = lxcpath!();
    let c = lx.running("missing");
    for prog in ["no-such-program", "/no/such/path"] {
        let e = c.command(prog).arg("x").output().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
        assert_eq!(e.operation(), "attach");
        assert_eq!(e.container(), Some("missing"));
        assert_eq!(e.raw_os_error(), Some(libc::ENOENT));
        let msg = e.to_string();
        assert!(msg.contains(prog), "{msg}");
        assert!(msg.contains("not found"), "{msg}");
        let e = c.command(prog).spawn().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound);
        let e = c.command(prog).status().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound);
    }
    // Not executable: a permission error naming the program.
    let e = c.command("/etc/passwd").status().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PermissionDenied, "{e}");
    assert!(e.to_string().contains("/etc/passwd"));
}

#[test]
fn a_mebibyte_on_stdout_and_stderr_at_once() {
    let lx = lxcpath!();
    let c = lx.running("big");
    let out = within(30, move || {
        c.command("sh")
            .args([
                "-c",
                "head -c 1048576 /dev/zero | tr '\\0' o & \
                 head -c 1048576 /dev/zero | tr '\\0' e >&2; wait",
            ])
            .output()
            .unwrap()
    });
    assert!(out.status.success(), "{:?}", out.status);
    assert_eq!(out.stdout.len(), 1 << 20);
    assert_eq!(out.stderr.len(), 1 << 20);
    assert!(out.stdout.iter().all(|&b| b == b'o'));
    assert!(out.stderr.iter().all(|&b| b == b'e'));
}

#[test]
fn environment_is_cleared_by_default() {
    set_secret();
    let lx = lxcpath!();
    let c = lx.running("envdef");
    assert_eq!(std::env::var(SECRET).unwrap(), SECRET_VALUE);
    let out = c.command("env").output().unwrap();
    let names = env_names(&out.stdout);
    assert!(!names.contains(SECRET), "{}", text(&out.stdout));
    let expected: BTreeSet<String> = ["PATH", "container"].map(String::from).into();
    assert_eq!(names, expected, "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("container=lxc\n"));
}

#[test]
fn inherit_env_passes_the_callers_environment() {
    set_secret();
    let lx = lxcpath!();
    let c = lx.running("envinh");
    let out = c.command("env").inherit_env().output().unwrap();
    let s = text(&out.stdout);
    assert!(s.contains(&format!("{SECRET}={SECRET_VALUE}\n")), "{s}");

    // env wins over an inherited value; env_remove drops an inherited variable.
    let out = c
        .command("env")
        .inherit_env()
        .env(SECRET, "overridden")
        .output()
        .unwrap();
    assert!(text(&out.stdout).contains(&format!("{SECRET}=overridden\n")));
    let out = c
        .command("env")
        .inherit_env()
        .env_remove(SECRET)
        .env("ADDED", "1")
        .output()
        .unwrap();
    let names = env_names(&out.stdout);
    assert!(!names.contains(SECRET), "{}", text(&out.stdout));
    assert!(names.contains("ADDED") && names.contains("container") && names.contains("PATH"));
    // The order of env_remove and inherit_env does not matter.
    let out = c
        .command("env")
        .env_remove(SECRET)
        .inherit_env()
        .output()
        .unwrap();
    assert!(!env_names(&out.stdout).contains(SECRET));
}

#[test]
fn env_sets_variables() {
    let lx = lxcpath!();
    let c = lx.running("envset");
    let out = c
        .command("env")
        .env("GREETING", "hello world")
        .envs([("A", "1"), ("B", "x=y")])
        .output()
        .unwrap();
    let s = text(&out.stdout);
    for line in [
        "GREETING=hello world\n",
        "A=1\n",
        "B=x=y\n",
        "container=lxc\n",
    ] {
        assert!(s.contains(line), "{line:?} missing in {s}");
    }
    // A program found through a PATH the command sets.
    let out = c
        .command("sh")
        .args(["-c", "echo $PATH"])
        .env("PATH", "/bin:/usr/bin")
        .output()
        .unwrap();
    assert_eq!(text(&out.stdout), "/bin:/usr/bin\n");
    // env_remove of a variable set before.
    let out = c
        .command("env")
        .env("GONE", "1")
        .env_remove("GONE")
        .output()
        .unwrap();
    assert!(!env_names(&out.stdout).contains("GONE"));
}

#[test]
fn env_clear_and_keep_env() {
    set_secret();
    let lx = lxcpath!();
    let c = lx.running("envkeep");
    let out = c
        .command("env")
        .inherit_env()
        .env("DROPPED", "1")
        .env_clear()
        .keep_env(SECRET)
        .env("KEPT_TOO", "2")
        .output()
        .unwrap();
    let s = text(&out.stdout);
    let names = env_names(&out.stdout);
    assert!(s.contains(&format!("{SECRET}={SECRET_VALUE}\n")), "{s}");
    assert!(s.contains("KEPT_TOO=2\n"), "{s}");
    assert!(!names.contains("DROPPED"), "{s}");
    // Nothing else of the caller's (e.g. HOME of the test runner) came along.
    let expected: BTreeSet<String> = [SECRET, "KEPT_TOO", "PATH", "container"]
        .map(String::from)
        .into();
    assert_eq!(names, expected, "{s}");
}

#[test]
fn current_dir_is_the_programs_cwd() {
    let lx = lxcpath!();
    let c = lx.running("cwd");
    let out = c.command("pwd").current_dir("/etc").output().unwrap();
    assert_eq!(text(&out.stdout), "/etc\n");
    let out = c
        .command("pwd")
        .current_dir("/no/such/dir")
        .output()
        .unwrap();
    assert_eq!(text(&out.stdout), "/\n", "liblxc falls back to /");
}

#[test]
fn uid_gid_and_groups() {
    let lx = lxcpath!();
    let c = lx.running("ids");
    let out = c.command("id").arg("-u").uid(1000).output().unwrap();
    assert_eq!(text(&out.stdout), "1000\n");
    let out = c
        .command("id")
        .arg("-g")
        .uid(1000)
        .gid(1001)
        .output()
        .unwrap();
    assert_eq!(text(&out.stdout), "1001\n");
    let out = c.command("id").arg("-u").output().unwrap();
    assert_eq!(text(&out.stdout), "0\n");

    // Supplementary groups: none by default, the given ones with groups().
    let out = c.command("id").arg("-G").output().unwrap();
    assert_eq!(text(&out.stdout), "0\n");
    let run = c.command("id").arg("-G").groups(&[1234, 5678]).output();
    if !liblxc::runtime_version().at_least(liblxc::Version::new(4, 0, 7)) {
        // liblxc before 4.0.7 has no supplementary groups in its attach options.
        let e = run.expect_err("groups before liblxc 4.0.7");
        assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
        return;
    }
    let out = run.unwrap();
    let groups: BTreeSet<String> = text(&out.stdout)
        .split_whitespace()
        .map(String::from)
        .collect();
    let expected: BTreeSet<String> = ["0", "1234", "5678"].map(String::from).into();
    assert_eq!(groups, expected);
    // groups() ORs SETGROUPS into the flags (go-lxc used `&=`), keeping the defaults.
    let mut cmd = c.command("true");
    cmd.no_new_privs(true).groups(&[1]);
    let dbg = format!("{cmd:?}");
    assert!(
        dbg.contains("SETGROUPS") && dbg.contains("NO_NEW_PRIVS"),
        "{dbg}"
    );
}

#[test]
fn piped_stdin_reaches_the_program() {
    let lx = lxcpath!();
    let c = lx.running("stdin");
    let mut child = c
        .command("cat")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(b"through the pipe\n").unwrap();
    drop(input);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(out.stdout, b"through the pipe\n");

    // output() closes a piped stdin, so cat ends.
    let out = within(30, move || {
        c.command("cat").stdin(Stdio::piped()).output().unwrap()
    });
    assert!(out.status.success() && out.stdout.is_empty());
}

#[test]
fn stdio_to_a_file_and_a_borrowed_fd() {
    let lx = lxcpath!();
    let c = lx.running("files");
    let dir = tempfile::tempdir().unwrap();
    let p1: PathBuf = dir.path().join("owned");
    let f = std::fs::File::create(&p1).unwrap();
    let s = c.command("echo").arg("owned").stdout(f).status().unwrap();
    assert!(s.success());
    assert_eq!(std::fs::read_to_string(&p1).unwrap(), "owned\n");

    let p2 = dir.path().join("borrowed");
    let f = std::fs::File::create(&p2).unwrap();
    let s = c
        .command("sh")
        .args(["-c", "echo borrowed >&2"])
        .stderr(f.as_fd())
        .status()
        .unwrap();
    assert!(s.success());
    assert_eq!(std::fs::read_to_string(&p2).unwrap(), "borrowed\n");

    // Null stdout: nothing captured even by output().
    let out = c
        .command("echo")
        .arg("gone")
        .stdout(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success() && out.stdout.is_empty());
}

#[test]
fn spawn_wait_try_wait_and_kill() {
    let lx = lxcpath!();
    let c = lx.running("spawn");
    let mut child = c.command("sh").args(["-c", "exit 5"]).spawn().unwrap();
    assert!(child.id() > 0);
    assert_eq!(child.wait().unwrap().code(), Some(5));
    assert_eq!(child.try_wait().unwrap().unwrap().code(), Some(5));

    let mut child = c.command("sleep").arg("30").spawn().unwrap();
    assert!(child.pidfd().is_some());
    assert!(
        std::path::Path::new(&format!("/proc/{}", child.id())).exists(),
        "the child is visible from the host"
    );
    assert_eq!(child.try_wait().unwrap(), None);
    let t = Instant::now();
    child.kill().unwrap();
    let s = child.wait().unwrap();
    assert_eq!(s.signal(), Some(libc::SIGKILL));
    assert!(t.elapsed() < Duration::from_secs(10));
    // Killing a reaped child is a no-op.
    child.kill().unwrap();
}

/// Whether `pid` is a zombie child of this process.
fn is_our_zombie(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    let Some(after) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
        return false;
    };
    let mut fields = after.split_whitespace();
    let state = fields.next();
    let ppid: Option<u32> = fields.next().and_then(|p| p.parse().ok());
    state == Some("Z") && ppid == Some(std::process::id())
}

#[test]
fn dropped_children_leave_no_zombie() {
    let lx = lxcpath!();
    let c = lx.running("zombies");
    let mut pids = Vec::new();
    for i in 0..100 {
        let prog = if i % 2 == 0 { "true" } else { "sleep" };
        let child = c.command(prog).arg("0.2").spawn().unwrap();
        pids.push(child.id());
        drop(child);
    }
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let zombies: Vec<u32> = pids.iter().copied().filter(|&p| is_our_zombie(p)).collect();
        if zombies.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{} dropped children are still zombies: {zombies:?}",
            zombies.len()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_dropped_running_child_does_not_block_stop() {
    let lx = lxcpath!();
    let c = lx.running("dropstop");
    let child = c.command("sleep").arg("1000").spawn().unwrap();
    let pid = child.id();
    drop(child);
    assert!(
        std::path::Path::new(&format!("/proc/{pid}")).exists(),
        "dropping does not kill"
    );
    // The stop kills it; the kernel ends the PID namespace only once it is reaped, which the
    // reaper thread does at once.
    let c = within(30, move || {
        c.stop().unwrap();
        c.wait(liblxc::State::Stopped, Duration::from_secs(20))
            .unwrap();
        c
    });
    assert_eq!(c.state().unwrap(), liblxc::State::Stopped);
    assert!(!is_our_zombie(pid));
}

#[test]
fn the_program_sees_only_stdio_fds() {
    let lx = lxcpath!();
    let c = lx.running("fds");
    // Descriptors the caller holds open without close-on-exec.
    let leaky: Vec<i32> = (0..3)
        // SAFETY: open with a static path; the result is checked and closed below.
        .map(|_| unsafe { libc::open(c"/dev/null".as_ptr(), libc::O_RDONLY) })
        .collect();
    assert!(leaky.iter().all(|&fd| fd > 2));
    let out = c.command("ls").arg("/proc/self/fd").output().unwrap();
    let status = c
        .command("sh")
        .args(["-c", "ls /proc/self/fd | wc -l"])
        .output()
        .unwrap();
    for fd in leaky {
        // SAFETY: fd was opened above and is closed once.
        unsafe { libc::close(fd) };
    }
    let fds: Vec<String> = text(&out.stdout).lines().map(String::from).collect();
    // 0, 1, 2 and the directory ls reads.
    assert_eq!(fds, ["0", "1", "2", "3"], "{}", text(&out.stdout));
    assert!(status.status.success());
}

#[test]
fn attach_run_wait_returns_the_raw_status() {
    let lx = lxcpath!();
    let c = lx.running("runwait");
    let s = c.command("sh").args(["-c", "exit 3"]).run_wait().unwrap();
    assert_eq!(s.into_raw(), 3 << 8);
    assert_eq!(s.code(), Some(3));
    let s = c
        .command("sh")
        .args(["-c", "kill -9 $$"])
        .run_wait()
        .unwrap();
    assert_eq!(s.signal(), Some(9));
    // liblxc's own exec: a missing program is exit status 127, as in a shell.
    let s = c.command("no-such-program").run_wait().unwrap();
    assert_eq!(s.into_raw(), 127 << 8);
    // Options reach it too.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("out");
    let f = std::fs::File::create(&p).unwrap();
    let s = c
        .command("sh")
        .args(["-c", "id -u; pwd; echo $K"])
        .uid(1000)
        .current_dir("/etc")
        .env("K", "v")
        .stdout(f)
        .run_wait()
        .unwrap();
    assert!(s.success());
    assert_eq!(std::fs::read_to_string(&p).unwrap(), "1000\n/etc\nv\n");

    let e = c
        .command("true")
        .stdout(Stdio::piped())
        .run_wait()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert_eq!(e.operation(), "attach_run_wait");
}

#[test]
fn closure_runs_in_the_container() {
    let lx = lxcpath!();
    let c = lx.running("closure");
    let expected = c.name().as_bytes().to_vec();
    let in_container = move || {
        let mut buf = [0u8; 64];
        // SAFETY: buf is valid for its length.
        if unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) } != 0 {
            return 1;
        }
        let n = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
        if buf[..n] == expected[..] {
            7
        } else {
            2
        }
    };
    // SAFETY: the closure only calls gethostname and compares bytes (no allocation, no locks).
    let status = unsafe { c.attach_fn(in_container) }.status().unwrap();
    assert_eq!(
        status.code(),
        Some(7),
        "the closure runs in the container's UTS namespace"
    );

    // A panic becomes exit status 101 (with a message on the process's stderr), never an unwind
    // into liblxc and never an abort of this process.
    // SAFETY: panicking is the point; the hook lxc-rs installs in the child only write(2)s.
    let out = unsafe { c.attach_fn(|| panic!("boom in the container")) }
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(101));
    let err = text(&out.stderr);
    assert!(
        err.contains("panicked") && err.contains("boom in the container"),
        "{err}"
    );

    // SAFETY: returns a constant.
    let e = unsafe { c.attach_fn(|| 0) }.run_wait().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
}

#[test]
fn stopped_container_is_not_running_error() {
    let lx = lxcpath!();
    let c = lx.busybox("stopped");
    let e = c.command("true").status().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotRunning, "{e}");
    assert_eq!(e.operation(), "attach");
    assert_eq!(e.container(), Some("stopped"));
    let msg = e.to_string();
    assert!(
        msg.contains("attach") && msg.contains("\"stopped\""),
        "{msg}"
    );

    let e = c.command("true").run_wait().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotRunning, "{e}");
    assert_eq!(e.operation(), "attach_run_wait");
    assert!(e.to_string().contains("\"stopped\""));

    let e = c.command("true").output().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotRunning);
}

#[test]
fn nul_bytes_and_bad_names_are_invalid_arguments() {
    let lx = lxcpath!();
    let c = lx.running("nul");
    let cases: Vec<(&str, liblxc::Error)> = vec![
        ("program", c.command("ec\0ho").status().unwrap_err()),
        ("arg", c.command("echo").arg("a\0b").output().unwrap_err()),
        (
            "env",
            c.command("env").env("K", "v\0w").output().unwrap_err(),
        ),
        (
            "env",
            c.command("env").env("K=X", "v").output().unwrap_err(),
        ),
        ("env", c.command("env").env("", "v").output().unwrap_err()),
        (
            "current_dir",
            c.command("pwd").current_dir("/e\0tc").output().unwrap_err(),
        ),
        (
            "keep_env",
            c.command("env").keep_env("A\0").output().unwrap_err(),
        ),
        ("arg", c.command("echo").arg("a\0b").run_wait().unwrap_err()),
    ];
    let e = c
        .command("env")
        .env("TOKEN", "sec\0ret")
        .output()
        .unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("TOKEN") && !msg.contains("sec"), "{msg}");
    for (what, e) in cases {
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{what}: {e}");
        assert_eq!(e.container(), Some("nul"));
    }
}

#[test]
fn namespaces_personality_and_flags() {
    let lx = lxcpath!();
    let c = lx.running("nsflags");
    let hostname = |cmd: &mut liblxc::Command<'_>| text(&cmd.output().unwrap().stdout);
    assert_eq!(hostname(&mut c.command("hostname")), "nsflags\n");
    // Without the UTS namespace the program sees the host's hostname, in the container's filesystem.
    let mut buf = [0u8; 256];
    // SAFETY: buf is valid for its length.
    assert_eq!(
        unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) },
        0
    );
    let host = text(&buf[..buf.iter().position(|&b| b == 0).unwrap()]);
    let out = c
        .command("hostname")
        .namespaces(Namespaces::MOUNT | Namespaces::PID)
        .output()
        .unwrap();
    assert_eq!(text(&out.stdout), format!("{host}\n"));

    // Personality: PER_LINUX32 makes uname report a 32-bit machine.
    let machine = text(&c.command("uname").arg("-m").output().unwrap().stdout);
    if machine == "x86_64\n" {
        let out = c
            .command("uname")
            .arg("-m")
            .personality(liblxc::Personality::LINUX32)
            .output()
            .unwrap();
        assert_eq!(text(&out.stdout), "i686\n");
    }

    // NO_NEW_PRIVS.
    let nnp = |cmd: &mut liblxc::Command<'_>| {
        let out = cmd
            .args(["NoNewPrivs", "/proc/self/status"])
            .output()
            .unwrap();
        text(&out.stdout)
            .split_whitespace()
            .last()
            .map(String::from)
    };
    assert_eq!(nnp(&mut c.command("grep")).as_deref(), Some("0"));
    assert_eq!(
        nnp(c.command("grep").no_new_privs(true)).as_deref(),
        Some("1")
    );

    // Elevated privileges keep the capabilities the container drops, and stay out of its cgroup.
    let caps = |cmd: &mut liblxc::Command<'_>| {
        let out = cmd.args(["CapBnd", "/proc/self/status"]).output().unwrap();
        text(&out.stdout)
    };
    let dropped = caps(&mut c.command("grep"));
    let elevated = caps(c.command("grep").elevated_privileges(true));
    assert_ne!(
        dropped, elevated,
        "lxc.cap.drop applies only without elevated privileges"
    );
    let mut cmd = c.command("true");
    cmd.elevated_privileges(true);
    assert!(format!("{cmd:?}").contains("SET_PERSONALITY"));
    assert!(!format!("{cmd:?}").contains("MOVE_TO_CGROUP"));
    let cg_in = text(
        &c.command("cat")
            .arg("/proc/self/cgroup")
            .output()
            .unwrap()
            .stdout,
    );
    let cg_out = text(
        &c.command("cat")
            .arg("/proc/self/cgroup")
            .elevated_privileges(true)
            .output()
            .unwrap()
            .stdout,
    );
    assert_ne!(cg_in, cg_out);

    // Raw flags.
    let s = c
        .command("true")
        .flags(AttachFlags::DEFAULT | AttachFlags::NO_NEW_PRIVS)
        .status()
        .unwrap();
    assert!(s.success());
}

/// The `LXC_ATTACH_*` values of the installed header, by name.
fn header_attach_flags() -> Vec<(String, i64)> {
    let dir = common::lxc_include_dir();
    let h = std::fs::read_to_string(dir.join("lxc/attach_options.h")).unwrap();
    h.lines()
        .filter_map(|l| {
            let l = l.trim();
            let rest = l.strip_prefix("LXC_ATTACH_")?;
            let (name, value) = rest.split_once('=')?;
            let value = value.trim().trim_end_matches(',');
            let value = value.split_whitespace().next()?.trim_end_matches(',');
            let v = i64::from_str_radix(value.strip_prefix("0x")?, 16).ok()?;
            Some((name.trim().to_string(), v))
        })
        .collect()
}

#[test]
fn attach_flags_match_the_header() {
    let flags = header_attach_flags();
    // 9 in liblxc 4.0.6's header; 4.0.7 added SETGROUPS and LSM_LABEL.
    assert!(
        flags.len() >= 9 && flags.iter().any(|(n, _)| n == "DEFAULT"),
        "{flags:?}"
    );
    for (name, value) in flags {
        let f = AttachFlags::from_name(&name)
            .unwrap_or_else(|| panic!("LXC_ATTACH_{name} has no AttachFlags constant"));
        assert_eq!(i64::from(f.bits()), value, "LXC_ATTACH_{name}");
    }
    assert_eq!(AttachFlags::default(), AttachFlags::DEFAULT);
}

#[test]
fn commands_reuse_and_debug() {
    let lx = lxcpath!();
    let c = lx.running("reuse");
    let mut cmd = c.command("echo");
    cmd.arg("again");
    for _ in 0..3 {
        assert_eq!(cmd.output().unwrap().stdout, b"again\n");
    }
    let dbg = format!("{cmd:?}");
    assert!(dbg.contains("\"echo\"") && dbg.contains("again") && dbg.contains("reuse"));
}
