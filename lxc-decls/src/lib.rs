//! The declarations of lxc-rs: [`Container`] with one `#[lxc_method]` per member of liblxc's
//! `struct lxc_container`, liblxc's free functions, and the typed values they use.
//!
//! Users depend on the `liblxc` crate, which re-exports everything here.
#![deny(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]

// The expansions of `#[lxc_method]` reach the runtime as `::liblxc::__private::v1`, the path a crate
// that depends on the facade sees; here, below the facade, that is lxc-core.
extern crate lxc_core as liblxc;

mod cgroup;
mod console;
mod container;
mod criu;
mod device;
mod exec;
mod fds;
mod flags;
mod free;
mod freeze;
mod keys;
pub mod log;
mod mount;
mod network;
mod options;
mod snapshot;
mod start;
mod state;
mod unprivileged;

pub use cgroup::CgroupVersion;
pub use console::ConsoleFd;
pub use container::Container;
pub use criu::{
    FeatureCheck, MigrateCommand, MigrateFeatures, MigrateOptions, MigrateOutcome, PageServer,
};
pub use exec::{AttachFlags, Child, Command, Namespaces, Stdio};
pub use flags::{CloneFlags, CreateFlags};
pub use free::*;
pub use freeze::DEFAULT_FREEZE_TIMEOUT;
pub use keys::KeyList;
pub use mount::{MountFlags, UnmountFlags};
pub use network::IpFamily;
pub use options::{BackingStore, CloneOptions, CreateOptions, DownloadOptions};
pub use snapshot::Snapshot;
pub use state::State;
