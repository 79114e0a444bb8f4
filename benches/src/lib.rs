//! Benchmarks live in `benches/`; run them with `scripts/bench`. This library links the C
//! baselines (`baseline.c`, `ephemeral.c`) and holds the helpers the benchmarks share.

use std::path::Path;
use std::process::Command as Proc;
use std::time::Instant;

use liblxc::{Container, CreateFlags};

/// Median, minimum and maximum.
pub fn stats(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(|a, b| a.total_cmp(b));
    (v[v.len() / 2], v[0], v[v.len() - 1])
}

/// Milliseconds `f` took.
pub fn time(f: impl FnOnce()) -> f64 {
    let t = Instant::now();
    f();
    t.elapsed().as_secs_f64() * 1e3
}

/// Runs a command, its output discarded; panics when it fails.
pub fn sh(args: &[&str]) {
    let st = Proc::new(args[0])
        .args(&args[1..])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect(args[0]);
    assert!(st.success(), "{args:?}");
}

/// A created busybox container with an empty network, saved.
pub fn busybox(path: &Path, name: &str) -> Container {
    let c = Container::new_in(name, path).unwrap();
    c.create_with(
        Some("busybox"),
        None,
        None,
        CreateFlags::QUIET,
        &[] as &[&str],
    )
    .unwrap();
    c.clear_config_item("lxc.net").unwrap();
    c.set_config_item("lxc.net.0.type", "empty").unwrap();
    c.save_config(None).unwrap();
    c
}
