//! The declarations of lxc-rs: [`Container`] with one `#[lxc_method]` per member of liblxc's
//! `struct lxc_container`, liblxc's free functions, and the typed values they use.
//!
//! Users depend on the `lxc` crate, which re-exports everything here.
#![deny(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]

mod container;
mod exec;
mod flags;
mod free;
mod keys;
pub mod log;
mod network;
mod snapshot;
mod state;

pub use container::Container;
pub use exec::{AttachFlags, Child, Command, Namespaces, Stdio};
pub use flags::{CloneFlags, CreateFlags};
pub use free::*;
pub use keys::KeyList;
pub use network::IpFamily;
pub use snapshot::Snapshot;
pub use state::State;
