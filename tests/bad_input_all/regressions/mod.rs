//! Bugs: each test asserts the right behaviour.

mod config_create;
mod exec_devices;
mod lifecycle;
mod snapshots;

use std::fmt::Debug;

use liblxc::ErrorKind as K;

use crate::engine::{judge, Want};

/// Why `r` is not a refusal in `op` about `container` with one of `kinds` and a reason.
pub fn refused<T: Debug>(
    what: &str,
    r: liblxc::Result<T>,
    op: &'static str,
    container: Option<&str>,
    kinds: &'static [K],
) -> Option<String> {
    let want = Want::Err {
        op,
        container: container.map(str::to_owned),
        kinds,
    };
    judge(&want, &r.map(|v| format!("{v:?}"))).map(|why| format!("{what}: {why}"))
}

#[track_caller]
pub fn assert_no_problems(problems: &[String]) {
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems
            .iter()
            .map(|p| format!("  - {p}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}
