//! trybuild compile-fail tests of lxc-rs; the driver is `tests/ui.rs`.
//!
//! - `decl/<category>/<case>.rs`: one mistake in an `#[lxc_method]` declaration per file (and
//!   `decl/accumulate/` with several, to prove they are all reported in one build); each `.stderr` is
//!   the message the user sees.
//! - `misuse/<case>.rs`: misuses of the public `liblxc` API that must not compile.
//! - `pass/<case>.rs`: declarations and uses that must compile (and run: trybuild runs `main`).
//!
//! Refresh the expected output with `TRYBUILD=overwrite cargo test --test ui`, then read the diff.
