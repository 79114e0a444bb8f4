//! The runtime version guard (I-7): members newer than the running liblxc are refused before their
//! function pointer is read.
mod common;

use lxc::{ErrorKind, Version};

#[test]
fn runtime_and_header_versions_are_read() {
    let rt = lxc::runtime_version();
    assert!(rt.at_least(Version::new(4, 0, 0)), "runtime {rt}");
    let s = lxc::version().expect("lxc_get_version");
    assert_eq!(
        Version::parse(&s),
        Some(rt),
        "{s:?} parses to the runtime version"
    );
    assert!(
        Version::parse(lxc::header_version()).is_some(),
        "{:?}",
        lxc::header_version()
    );
}

#[test]
fn a_member_newer_than_the_runtime_is_unsupported_and_not_touched() {
    let lx = lxcpath!();
    let c = lx.container("guard");
    if lxc::runtime_version().at_least(Version::new(6, 0, 0))
        && lxc::header_version().starts_with('6')
    {
        // On liblxc 6 the member exists: it must work.
        c.set_timeout(5).expect("set_timeout on liblxc 6");
        return;
    }
    let e = c
        .set_timeout(5)
        .expect_err("set_timeout must be refused before liblxc 6.0");
    assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
    assert_eq!(e.since(), Some(Version::new(6, 0, 0)));
    let msg = e.to_string();
    assert!(
        msg.starts_with("set_timeout container \"guard\": needs liblxc 6.0.0 or newer"),
        "{msg}"
    );
    assert!(
        e.code().is_none(),
        "liblxc was not called, so there is no return value: {e:?}"
    );
}

#[test]
fn the_test_override_cannot_pretend_a_newer_library() {
    let newer = Version::new(99, 0, 0);
    let e = lxc::__private::override_runtime_for_tests(Some(newer)).expect_err("newer than real");
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert_eq!(
        lxc::runtime_version(),
        Version::parse(&lxc::version().unwrap()).unwrap()
    );
}
