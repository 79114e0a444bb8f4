//! Whole operations against a C baseline doing the same through liblxc in this process, and against
//! the `lxc-*` tools: create+start+stop+destroy, `command("/bin/true").status()`, `output()` of 1 MiB,
//! and start/stop of 1..16 containers from as many threads.
//!
//! Output: one line per figure: median, spread (min–max) and ratio to the C baseline of the same run.
//! Run as root: `cargo bench -p lxc-benches --bench operations`.

use std::ffi::{c_char, c_int, c_long, CString};
use std::path::Path;
use std::process::Command as Proc;
use std::time::{Duration, Instant};

use liblxc::raw::LxcContainer;
use liblxc::{Container, CreateFlags, State};
// The C baselines are linked through this crate (its build script compiles baseline.c).
use lxc_benches as _;

unsafe extern "C" {
    fn bl_lifecycle(lxcpath: *const c_char, name: *const c_char) -> c_int;
    fn bl_run_wait(c: *mut LxcContainer, argv: *const *const c_char) -> c_int;
    fn bl_output(c: *mut LxcContainer, argv: *const *const c_char) -> c_long;
}

fn stats(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(|a, b| a.total_cmp(b));
    (v[v.len() / 2], v[0], v[v.len() - 1])
}

fn time(f: impl FnOnce()) -> f64 {
    let t = Instant::now();
    f();
    t.elapsed().as_secs_f64() * 1e3
}

fn report(name: &str, unit: &str, rust: Vec<f64>, c: Vec<f64>, tool: Option<Vec<f64>>) {
    let (rm, rmin, rmax) = stats(rust);
    let (cm, cmin, cmax) = stats(c);
    print!("{name:<28} rust {rm:>9.3} {unit} ({rmin:.3}-{rmax:.3})  C {cm:>9.3} ({cmin:.3}-{cmax:.3})  ratio {:.3}", rm / cm);
    if let Some(t) = tool {
        let (tm, tmin, tmax) = stats(t);
        print!(
            "  lxc-* {tm:>9.3} ({tmin:.3}-{tmax:.3})  rust/tool {:.3}",
            rm / tm
        );
    }
    println!();
}

fn sh(args: &[&str]) {
    let st = Proc::new(args[0])
        .args(&args[1..])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect(args[0]);
    assert!(st.success(), "{args:?}");
}

fn busybox(path: &Path, name: &str) -> Container {
    let c = Container::new_in(name, path).unwrap();
    c.create_with(Some("busybox"), None, None, CreateFlags::QUIET, &[])
        .unwrap();
    c.clear_config_item("lxc.net").unwrap();
    c.set_config_item("lxc.net.0.type", "empty").unwrap();
    c.save_config(None).unwrap();
    c
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let reps = if full { 7 } else { 1 };
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let ps = p.to_str().unwrap();
    let cpath = CString::new(ps).unwrap();

    // Lifecycle.
    let (mut r, mut c, mut t) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..reps {
        let name = format!("lr{i}");
        r.push(time(|| {
            let k = busybox(p, &name);
            k.start().unwrap();
            k.wait(State::Running, Duration::from_secs(10)).unwrap();
            k.stop().unwrap();
            k.wait(State::Stopped, Duration::from_secs(10)).unwrap();
            k.destroy().unwrap();
        }));
        let cname = CString::new(format!("lc{i}")).unwrap();
        // SAFETY: both strings live for the call.
        c.push(time(|| {
            assert_eq!(unsafe { bl_lifecycle(cpath.as_ptr(), cname.as_ptr()) }, 0)
        }));
        let tname = format!("lt{i}");
        t.push(time(|| {
            sh(&["lxc-create", "-P", ps, "-n", &tname, "-t", "busybox"]);
            let cfg = p.join(&tname).join("config");
            let text = std::fs::read_to_string(&cfg).unwrap();
            let text: String = text
                .lines()
                .filter(|l| !l.starts_with("lxc.net"))
                .map(|l| format!("{l}\n"))
                .collect();
            std::fs::write(&cfg, text + "lxc.net.0.type = empty\n").unwrap();
            sh(&["lxc-start", "-P", ps, "-n", &tname]);
            sh(&[
                "lxc-wait", "-P", ps, "-n", &tname, "-s", "RUNNING", "-t", "10",
            ]);
            sh(&["lxc-stop", "-P", ps, "-n", &tname, "-k"]);
            sh(&["lxc-destroy", "-P", ps, "-n", &tname]);
        }));
    }
    report("create+start+stop+destroy", "ms", r, c, Some(t));

    // Exec.
    let k = busybox(p, "exec");
    k.start().unwrap();
    k.wait(State::Running, Duration::from_secs(10)).unwrap();
    let true_argv: Vec<CString> = ["/bin/true"]
        .iter()
        .map(|s| CString::new(*s).unwrap())
        .collect();
    let mut tp: Vec<*const c_char> = true_argv.iter().map(|s| s.as_ptr()).collect();
    tp.push(std::ptr::null());
    let n = if full { 101 } else { 3 };
    let (mut r, mut c, mut t) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..n {
        r.push(time(|| {
            assert!(k.command("/bin/true").status().unwrap().success())
        }));
        // SAFETY: the container is live; argv is NULL-terminated and outlives the call.
        c.push(time(|| {
            assert_eq!(unsafe { bl_run_wait(k.as_ptr(), tp.as_ptr()) }, 0)
        }));
        t.push(time(|| {
            sh(&[
                "lxc-attach",
                "-P",
                ps,
                "-n",
                "exec",
                "--clear-env",
                "--",
                "/bin/true",
            ])
        }));
    }
    report("command(/bin/true).status()", "ms", r, c, Some(t));

    let out_argv: Vec<CString> = ["head", "-c", "1048576", "/dev/zero"]
        .iter()
        .map(|s| CString::new(*s).unwrap())
        .collect();
    let mut op: Vec<*const c_char> = out_argv.iter().map(|s| s.as_ptr()).collect();
    op.push(std::ptr::null());
    let n = if full { 31 } else { 2 };
    let (mut r, mut c, mut t) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..n {
        r.push(time(|| {
            assert_eq!(
                k.command("head")
                    .args(["-c", "1048576", "/dev/zero"])
                    .output()
                    .unwrap()
                    .stdout
                    .len(),
                1 << 20
            )
        }));
        // SAFETY: as above.
        c.push(time(|| {
            assert_eq!(unsafe { bl_output(k.as_ptr(), op.as_ptr()) }, 1 << 20)
        }));
        t.push(time(|| {
            let o = Proc::new("lxc-attach")
                .args([
                    "-P",
                    ps,
                    "-n",
                    "exec",
                    "--clear-env",
                    "--",
                    "head",
                    "-c",
                    "1048576",
                    "/dev/zero",
                ])
                .output()
                .unwrap();
            assert_eq!(o.stdout.len(), 1 << 20);
        }));
    }
    report("output() of 1 MiB", "ms", r, c, Some(t));
    k.stop().unwrap();
    k.destroy().unwrap();

    // Scaling: start+stop of N containers from N threads.
    let counts: &[usize] = if full { &[1, 2, 4, 8, 16] } else { &[1, 2] };
    for &threads in counts {
        let names: Vec<String> = (0..threads).map(|i| format!("s{threads}-{i}")).collect();
        for nm in &names {
            busybox(p, nm);
        }
        let rounds = if full { 3 } else { 1 };
        let mut per = Vec::new();
        for _ in 0..rounds {
            per.push(time(|| {
                std::thread::scope(|s| {
                    for nm in &names {
                        s.spawn(move || {
                            let c = Container::new_in(nm, p).unwrap();
                            c.start().unwrap();
                            c.wait(State::Running, Duration::from_secs(30)).unwrap();
                            c.stop().unwrap();
                            c.wait(State::Stopped, Duration::from_secs(30)).unwrap();
                        });
                    }
                });
            }));
        }
        let (m, lo, hi) = stats(per);
        println!("scaling {threads:>2} threads: {m:>8.1} ms per round ({lo:.1}-{hi:.1}), {:.1} start+stop/s", threads as f64 / (m / 1e3));
        for nm in &names {
            Container::new_in(nm, p).unwrap().destroy().unwrap();
        }
    }
}
