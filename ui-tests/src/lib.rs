//! trybuild compile-fail tests of lxc-rs live in `tests/ui.rs`.
