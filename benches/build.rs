//! Compiles the C baselines against the installed liblxc, so both sides run in one process.
fn main() {
    println!("cargo:rerun-if-changed=baseline.c");
    println!("cargo:rerun-if-changed=ephemeral.c");
    let lib = pkg_config::probe_library("lxc").expect("liblxc via pkg-config (run scripts/setup)");
    let mut b = cc::Build::new();
    b.file("baseline.c")
        .file("ephemeral.c")
        .opt_level(2)
        .warnings_into_errors(true);
    for inc in &lib.include_paths {
        b.include(inc);
    }
    b.compile("lxcrs_bench_baseline");
}
