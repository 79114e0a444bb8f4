//! Per-call overhead of the safe API against the same liblxc member called from C in this process.
//!
//! Each figure is the median of R rounds; a round times N calls through C, then N through lxc-rs,
//! and the ratio is taken within the round, so drift between rounds cancels. Allocations on the
//! Rust side are counted by a counting global allocator.
//!
//! Output: one line per call, machine-readable (`name c_ns rust_ns ratio ratio_min ratio_max allocs`).
//! Run as root (a running busybox container is needed for `state`): `cargo bench -p lxc-benches`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::ffi::{c_char, c_long, CString};
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use liblxc::raw::LxcContainer;
// The C baselines are linked through this crate (its build script compiles baseline.c).
use liblxc::{Container, CreateFlags, State};
use lxc_benches as _;

struct Counting;
static ALLOCS: AtomicU64 = AtomicU64::new(0);

// SAFETY: forwards to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(p, l) }
    }
}

#[global_allocator]
static A: Counting = Counting;

unsafe extern "C" {
    fn bl_is_defined(c: *mut LxcContainer, n: c_long) -> c_long;
    fn bl_state(c: *mut LxcContainer, n: c_long) -> c_long;
    fn bl_config_item(c: *mut LxcContainer, key: *const c_char, n: c_long) -> c_long;
    fn bl_set_config_item(
        c: *mut LxcContainer,
        key: *const c_char,
        v: *const c_char,
        n: c_long,
    ) -> c_long;
    fn bl_keys(c: *mut LxcContainer, prefix: *const c_char, n: c_long) -> c_long;
}

struct Figure {
    name: &'static str,
    c_ns: f64,
    rust_ns: f64,
    ratio: f64,
    min: f64,
    max: f64,
    allocs_per_call: f64,
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn measure(
    name: &'static str,
    rounds: usize,
    n: usize,
    mut c_side: impl FnMut(usize),
    mut rust_side: impl FnMut(usize),
) -> Figure {
    c_side(n / 10);
    rust_side(n / 10);
    let (mut cs, mut rs, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    let mut allocs = 0;
    for _ in 0..rounds {
        let t = Instant::now();
        c_side(n);
        let c = t.elapsed().as_nanos() as f64 / n as f64;
        let a0 = ALLOCS.load(Ordering::Relaxed);
        let t = Instant::now();
        rust_side(n);
        let r = t.elapsed().as_nanos() as f64 / n as f64;
        allocs += ALLOCS.load(Ordering::Relaxed) - a0;
        cs.push(c);
        rs.push(r);
        ratios.push(r / c);
    }
    let (min, max) = ratios
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), &x| (a.min(x), b.max(x)));
    Figure {
        name,
        c_ns: median(&mut cs),
        rust_ns: median(&mut rs),
        ratio: median(&mut ratios),
        min,
        max,
        allocs_per_call: allocs as f64 / (rounds * n) as f64,
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing: run a short smoke then.
    let full = std::env::args().any(|a| a == "--bench");
    let (rounds, scale) = if full { (15, 1) } else { (3, 20) };
    let dir = tempfile::tempdir().expect("lxcpath");
    let c = Container::new_in("bench", dir.path()).expect("open");
    c.create_with(Some("busybox"), None, None, CreateFlags::QUIET, &[])
        .expect("create");
    c.clear_config_item("lxc.net").unwrap();
    c.set_config_item("lxc.net.0.type", "empty").unwrap();
    c.save_config(None).unwrap();
    c.start().expect("start");
    c.wait(State::Running, Duration::from_secs(10))
        .expect("running");
    let p = c.as_ptr();
    let key = CString::new("lxc.uts.name").unwrap();
    let env_key = CString::new("lxc.uts.name").unwrap();
    let value = CString::new("bench").unwrap();
    let prefix = CString::new("lxc.net.0").unwrap();

    let mut figures = Vec::new();
    // SAFETY (all closures below): `p` is the live container `c` owns, used from this thread only;
    // the strings outlive the calls.
    figures.push(measure(
        "is_defined",
        rounds,
        20_000 / scale,
        |n| unsafe {
            black_box(bl_is_defined(p, n as c_long));
        },
        |n| {
            for _ in 0..n {
                black_box(c.is_defined());
            }
        },
    ));
    figures.push(measure(
        "state (running)",
        rounds,
        2_000 / scale,
        |n| unsafe {
            black_box(bl_state(p, n as c_long));
        },
        |n| {
            for _ in 0..n {
                black_box(c.state().unwrap());
            }
        },
    ));
    figures.push(measure(
        "config_item",
        rounds,
        100_000 / scale,
        |n| unsafe {
            black_box(bl_config_item(p, key.as_ptr(), n as c_long));
        },
        |n| {
            for _ in 0..n {
                black_box(c.config_item("lxc.uts.name").unwrap());
            }
        },
    ));
    // set_config_item appends to liblxc's config text (O(N²) over N sets): clear it between batches.
    figures.push(measure(
        "set_config_item",
        rounds,
        1_000 / scale.min(10),
        |n| {
            // SAFETY: as above.
            unsafe {
                black_box(bl_set_config_item(
                    p,
                    env_key.as_ptr(),
                    value.as_ptr(),
                    n as c_long,
                ))
            };
            c.clear_config_item("lxc.uts.name").unwrap();
        },
        |n| {
            for _ in 0..n {
                c.set_config_item("lxc.uts.name", "bench").unwrap();
            }
            c.clear_config_item("lxc.uts.name").unwrap();
        },
    ));
    figures.push(measure(
        "keys (lxc.net.0)",
        rounds,
        20_000 / scale,
        |n| unsafe {
            black_box(bl_keys(p, prefix.as_ptr(), n as c_long));
        },
        |n| {
            for _ in 0..n {
                black_box(c.keys(Some("lxc.net.0")).unwrap());
            }
        },
    ));
    c.stop().unwrap();
    c.destroy().unwrap();

    println!(
        "{:<20} {:>10} {:>10} {:>7} {:>7} {:>7} {:>8}",
        "call", "c_ns", "rust_ns", "ratio", "min", "max", "allocs"
    );
    for f in &figures {
        println!(
            "{:<20} {:>10.1} {:>10.1} {:>7.3} {:>7.3} {:>7.3} {:>8.2}",
            f.name, f.c_ns, f.rust_ns, f.ratio, f.min, f.max, f.allocs_per_call
        );
    }
}
