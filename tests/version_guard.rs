//! The runtime version guard (I-7): members newer than the running liblxc are refused before their
//! function pointer is read.
mod common;

use std::sync::Mutex;

use liblxc::{ErrorKind, Version};

/// The override is process-wide: tests that read or change the runtime version take turns.
static VERSION: Mutex<()> = Mutex::new(());

#[test]
fn runtime_and_header_versions_are_read() {
    let _turn = VERSION.lock().unwrap_or_else(|p| p.into_inner());
    let rt = liblxc::runtime_version();
    assert!(rt.at_least(Version::new(4, 0, 0)), "runtime {rt}");
    let s = liblxc::version().expect("lxc_get_version");
    assert_eq!(
        Version::parse(&s),
        Some(rt),
        "{s:?} parses to the runtime version"
    );
    assert!(
        Version::parse(liblxc::header_version()).is_some(),
        "{:?}",
        liblxc::header_version()
    );
}

#[test]
fn a_member_newer_than_the_runtime_is_unsupported_and_not_touched() {
    let _turn = VERSION.lock().unwrap_or_else(|p| p.into_inner());
    let lx = lxcpath!();
    let c = lx.container("guard");
    if liblxc::runtime_version().at_least(Version::new(6, 0, 0))
        && liblxc::header_version().starts_with('6')
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
    let _turn = VERSION.lock().unwrap_or_else(|p| p.into_inner());
    let newer = Version::new(99, 0, 0);
    let e =
        liblxc::__private::override_runtime_for_tests(Some(newer)).expect_err("newer than real");
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert_eq!(
        liblxc::runtime_version(),
        Version::parse(&liblxc::version().unwrap()).unwrap()
    );
}

/// With the runtime made to look like liblxc 4.0.0, members that appeared in 4.0.5 are refused
/// before their function pointer is read; with the real version back, they work.
#[test]
fn members_newer_than_an_older_runtime_are_refused() {
    let _turn = VERSION.lock().unwrap_or_else(|p| p.into_inner());
    let lx = lxcpath!();
    let c = lx.running("skew");
    c.devpts_fd().expect("devpts_fd on the real runtime");

    liblxc::__private::override_runtime_for_tests(Some(Version::new(4, 0, 0))).expect("override");
    let devpts = c.devpts_fd();
    let active = c.seccomp_notify_fd_active();
    let pidfd = c.init_pidfd();
    liblxc::__private::override_runtime_for_tests(None).expect("restore");

    let e = devpts.expect_err("devpts_fd is 4.0.5");
    assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
    assert_eq!(e.since(), Some(Version::new(4, 0, 5)));
    assert!(
        e.to_string()
            .contains("needs liblxc 4.0.5 or newer; this process runs liblxc 4.0.0"),
        "{e}"
    );
    assert!(e.code().is_none(), "liblxc was not called: {e:?}");
    let e = active.expect_err("seccomp_notify_fd_active is 4.0.5");
    assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
    pidfd.expect("init_pidfd (4.0.0) is not guarded");

    c.devpts_fd().expect("devpts_fd again on the real runtime");
    c.stop().unwrap();
}
