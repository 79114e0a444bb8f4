//! "Fresh sandbox → run `/bin/true` → gone", interleaved in one run, against:
//! (a) `benches/ephemeral.c`, the same cycle through liblxc as `lxc-copy -e` does it;
//! (b) the tools: `lxc-copy -e -B overlay` + `lxc-attach` + `lxc-stop -k`;
//! (c) a create from the busybox template + start + attach + stop + destroy (through lxc-rs).
//! Then throughput with 1, 2, 4, 8 and 16 threads, lxc-rs and C interleaved.
//!
//! Run as root: `cargo bench -p lxc-benches --bench ephemeral` (`-- --bench` for the full rounds).

use std::ffi::{c_char, c_int, CString};
use std::path::Path;
use std::time::{Duration, Instant};

use liblxc::raw::LxcContainer;
use liblxc::{Container, State};
use lxc_benches::{busybox, sh, stats, time};

unsafe extern "C" {
    fn bl_ephemeral(
        base: *mut LxcContainer,
        lxcpath: *const c_char,
        argv: *const *const c_char,
    ) -> c_int;
}

/// NUL-terminated `["/bin/true", NULL]`: the pointers, and the strings they point into.
struct Argv(#[allow(dead_code)] Vec<CString>, Vec<*const c_char>);

impl Argv {
    fn truth() -> Argv {
        let s = vec![CString::new("/bin/true").unwrap()];
        let mut p: Vec<*const c_char> = s.iter().map(|c| c.as_ptr()).collect();
        p.push(std::ptr::null());
        Argv(s, p)
    }
}

fn rust_cycle(base: &Container, lifeline: bool) {
    let e = base.ephemeral().lifeline(lifeline).start().unwrap();
    assert!(e.command("/bin/true").status().unwrap().success());
    let dir = e.path();
    e.stop().unwrap();
    assert!(!dir.exists());
}

fn c_cycle(base: &Container, cpath: &CString, argv: &Argv) {
    // SAFETY: the base object, the lxcpath and argv live for the call.
    let r = unsafe { bl_ephemeral(base.as_ptr(), cpath.as_ptr(), argv.1.as_ptr()) };
    assert_eq!(r, 0, "C ephemeral cycle");
}

fn tool_cycle(p: &Path, i: usize) {
    let ps = p.to_str().unwrap();
    let name = format!("tool{i}");
    sh(&[
        "lxc-copy", "-P", ps, "-n", "base", "-N", &name, "-e", "-B", "overlay", "-q",
    ]);
    sh(&["lxc-attach", "-P", ps, "-n", &name, "--", "/bin/true"]);
    sh(&["lxc-stop", "-P", ps, "-n", &name, "-k"]);
    assert!(!p.join(&name).exists(), "lxc-copy -e left {name}");
}

fn template_cycle(p: &Path, i: usize) {
    let k = busybox(p, &format!("tpl{i}"));
    k.start().unwrap();
    k.wait(State::Running, Duration::from_secs(10)).unwrap();
    assert!(k.command("/bin/true").status().unwrap().success());
    k.stop().unwrap();
    k.wait(State::Stopped, Duration::from_secs(10)).unwrap();
    k.destroy().unwrap();
}

/// CPU milliseconds (user + system) this process and its reaped children have used so far.
fn cpu_ms() -> f64 {
    let mut total = 0.0;
    for who in [libc::RUSAGE_SELF, libc::RUSAGE_CHILDREN] {
        // SAFETY: getrusage writes one rusage into the zeroed value it is given.
        let mut u: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: `u` is a valid, writable rusage.
        unsafe { libc::getrusage(who, &mut u) };
        for t in [u.ru_utime, u.ru_stime] {
            total += t.tv_sec as f64 * 1e3 + t.tv_usec as f64 / 1e3;
        }
    }
    total
}

/// Wall-clock and caller-CPU milliseconds of `f`.
fn measure(f: impl FnOnce()) -> (f64, f64) {
    let cpu = cpu_ms();
    let wall = time(f);
    (wall, cpu_ms() - cpu)
}

fn line(name: &str, v: &[f64], c: f64, cpu: Option<&[f64]>) {
    let (m, lo, hi) = stats(v.to_vec());
    print!(
        "{name:<42} {m:>8.1} ms ({lo:.1}-{hi:.1})  ratio to C {:.3}",
        m / c
    );
    if let Some(cpu) = cpu {
        print!("  caller CPU {:.2} ms", stats(cpu.to_vec()).0);
    }
    println!();
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let reps = if full { 21 } else { 2 };
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let cpath = CString::new(p.to_str().unwrap()).unwrap();
    let argv = Argv::truth();
    let base = busybox(p, "base");

    // Warm up every path once (page cache, liblxc's first-use setup).
    rust_cycle(&base, true);
    c_cycle(&base, &cpath, &argv);
    tool_cycle(p, 1000);

    let (mut r, mut rn, mut c, mut t, mut tpl) = (vec![], vec![], vec![], vec![], vec![]);
    let mut cpu: [Vec<f64>; 4] = Default::default();
    let mut ratios = vec![];
    for i in 0..reps {
        // Rotate the order so no variant always runs right after another.
        let mut round = [0.0; 4];
        for k in 0..4 {
            let v = (i + k) % 4;
            let (wall, used) = match v {
                0 => measure(|| rust_cycle(&base, true)),
                1 => measure(|| rust_cycle(&base, false)),
                2 => measure(|| c_cycle(&base, &cpath, &argv)),
                _ => measure(|| tool_cycle(p, i)),
            };
            round[v] = wall;
            cpu[v].push(used);
        }
        r.push(round[0]);
        rn.push(round[1]);
        c.push(round[2]);
        t.push(round[3]);
        ratios.push(round[0] / round[2]);
        if i % 3 == 0 {
            tpl.push(time(|| template_cycle(p, i)));
        }
    }
    let (cm, clo, chi) = stats(c.clone());
    println!(
        "cycle: fresh sandbox -> /bin/true -> gone; median (min-max) of {reps} interleaved rounds"
    );
    println!("(caller CPU: user+system time of the benchmark process and the children it reaped)");
    println!(
        "{:<42} {cm:>8.1} ms ({clo:.1}-{chi:.1})               caller CPU {:.2} ms",
        "C through liblxc (ephemeral.c)",
        stats(cpu[2].clone()).0
    );
    line("lxc-rs ephemeral() (lifeline on)", &r, cm, Some(&cpu[0]));
    line("lxc-rs ephemeral() (lifeline off)", &rn, cm, Some(&cpu[1]));
    line("lxc-copy -e + lxc-attach + lxc-stop", &t, cm, Some(&cpu[3]));
    line("template create+start+attach+stop+destroy", &tpl, cm, None);
    let (rm, _, _) = stats(r.clone());
    let (tm, _, _) = stats(t);
    let (pm, _, _) = stats(tpl);
    let (qm, qlo, qhi) = stats(ratios);
    println!("per-round ratio lxc-rs/C: median {qm:.3} (min {qlo:.3}, max {qhi:.3})");
    println!(
        "lxc-rs / CLI {:.3};  template cycle / lxc-rs {:.1}x",
        rm / tm,
        pm / rm
    );

    // Throughput: n threads, each with its own base object, doing cycles back to back.
    let per_thread = if full { 6 } else { 1 };
    println!("throughput: {per_thread} cycles per thread, lxc-rs and C alternating per level");
    for n in [1usize, 2, 4, 8, 16] {
        let mut rates = [0.0f64; 2];
        for (k, rate) in rates.iter_mut().enumerate() {
            let t0 = Instant::now();
            std::thread::scope(|s| {
                for _ in 0..n {
                    s.spawn(|| {
                        let b = Container::new_in("base", p).unwrap();
                        let cpath = cpath.clone();
                        let argv = Argv::truth();
                        for _ in 0..per_thread {
                            if k == 0 {
                                rust_cycle(&b, true);
                            } else {
                                c_cycle(&b, &cpath, &argv);
                            }
                        }
                    });
                }
            });
            *rate = (n * per_thread) as f64 / t0.elapsed().as_secs_f64();
        }
        println!(
            "{n:>2} threads: lxc-rs {:>6.1} sandboxes/s   C {:>6.1} sandboxes/s   ratio {:.3}",
            rates[0],
            rates[1],
            rates[0] / rates[1]
        );
    }
    base.destroy().unwrap();
}
