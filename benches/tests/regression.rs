//! A guard against large regressions of the per-call overhead: the safe API against the same member
//! called from C in this process, as ratios measured within each round, with generous bounds (the
//! targets themselves, 1.10 and 1.25, are reported by `scripts/bench` from release builds, not
//! asserted here).

use std::ffi::{c_char, c_long, CString};
use std::hint::black_box;
use std::time::Instant;

use liblxc::raw::LxcContainer;
use liblxc::{Container, CreateFlags, State};
use lxc_benches as _;

unsafe extern "C" {
    fn bl_is_defined(c: *mut LxcContainer, n: c_long) -> c_long;
    fn bl_config_item(c: *mut LxcContainer, key: *const c_char, n: c_long) -> c_long;
}

fn median_ratio(
    rounds: usize,
    n: usize,
    mut c_side: impl FnMut(usize),
    mut rust_side: impl FnMut(usize),
) -> f64 {
    let mut ratios = Vec::new();
    for _ in 0..rounds {
        let t = Instant::now();
        c_side(n);
        let c = t.elapsed();
        let t = Instant::now();
        rust_side(n);
        ratios.push(t.elapsed().as_secs_f64() / c.as_secs_f64());
    }
    ratios.sort_by(|a, b| a.total_cmp(b));
    ratios[ratios.len() / 2]
}

#[test]
fn per_call_overhead_stays_small() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        assert!(std::env::var("CI").is_err(), "CI must run this as root");
        eprintln!("\n*** SKIPPED per_call_overhead_stays_small: not root ***\n");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let c = Container::new_in("regress", dir.path()).unwrap();
    c.create_with(
        Some("busybox"),
        None,
        None,
        CreateFlags::QUIET,
        &[] as &[&str],
    )
    .unwrap();
    c.set_config_item("lxc.net.0.type", "empty").unwrap();
    let p = c.as_ptr();
    let key = CString::new("lxc.uts.name").unwrap();
    // SAFETY (closures): `p` is the live container `c` owns, used from this thread only.
    let defined = median_ratio(
        9,
        5_000,
        |n| unsafe {
            black_box(bl_is_defined(p, n as c_long));
        },
        |n| {
            for _ in 0..n {
                black_box(c.is_defined());
            }
        },
    );
    let item = median_ratio(
        9,
        20_000,
        |n| unsafe {
            black_box(bl_config_item(p, key.as_ptr(), n as c_long));
        },
        |n| {
            for _ in 0..n {
                black_box(c.config_item("lxc.uts.name").unwrap());
            }
        },
    );
    eprintln!("is_defined ratio {defined:.3}, config_item ratio {item:.3}");
    // Generous bounds: the suite runs while other processes load both cores. config_item stayed
    // under 3.0 in quiet CI runs (test builds optimise lxc-core and lxc-decls but not this loop;
    // release runs measure ~1.0-1.2); with both cores busy, is_defined 0.75-1.42 and config_item
    // 3.0-4.5 were seen.
    assert!(defined < 2.0, "is_defined costs {defined:.2}x C");
    assert!(item < 6.0, "config_item costs {item:.2}x C");
    assert!(c.state().unwrap() == State::Stopped);
    c.destroy().unwrap();
}
