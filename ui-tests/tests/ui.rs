//! The trybuild driver: declarations and uses of lxc-rs that must, or must not, compile.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("decl/*/*.rs");
    t.compile_fail("misuse/*.rs");
    t.pass("pass/*.rs");
}
