//! The declarations of lxc-rs: [`Container`] with one `#[lxc_method]` per member of liblxc's
//! `struct lxc_container`, liblxc's free functions, and the typed values they use.
//!
//! Users depend on the `liblxc` crate, which re-exports everything here.
#![deny(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]

// The expansions of `#[lxc_method]` reach the runtime as `::liblxc::__private::v1`, the path a crate
// that depends on the facade sees; here, below the facade, that is lxc-core.
extern crate lxc_core as liblxc;

/// Lowers a two-valued enum as liblxc's boolean argument (class `Bool`), true for `$yes`.
macro_rules! lower_as_bool {
    ($t:ty, $yes:path) => {
        $crate::lower_as_bool!(@ $t, $yes, Bool);
    };
    (@ $t:ty, $yes:path, $class:ident) => {
        impl liblxc::__private::v1::Lower<liblxc::__private::v1::class::$class> for $t {
            type Holder =
                <bool as liblxc::__private::v1::Lower<liblxc::__private::v1::class::$class>>::Holder;
            fn lower(self) -> std::result::Result<Self::Holder, liblxc::__private::LowerError> {
                <bool as liblxc::__private::v1::Lower<liblxc::__private::v1::class::$class>>::lower(
                    matches!(self, $yes),
                )
            }
        }
    };
}
/// Lowers a two-valued enum as liblxc's `int` boolean argument (class `IntBool`).
macro_rules! lower_as_int_bool {
    ($t:ty, $yes:path) => {
        $crate::lower_as_bool!(@ $t, $yes, IntBool);
    };
}
pub(crate) use {lower_as_bool, lower_as_int_bool};

#[cfg(feature = "tokio")]
mod aio;
mod cgroup;
mod config_checks;
mod console;
mod container;
mod criu;
mod device;
mod ephemeral;
mod exec;
mod fds;
mod flags;
mod free;
mod freeze;
mod keys;
mod lifeline;
pub mod log;
mod made;
mod mount;
mod network;
mod options;
mod snapshot;
mod start;
mod state;
mod unprivileged;

#[cfg(feature = "tokio")]
pub use aio::{AsyncChild, AsyncContainer};
pub use cgroup::CgroupVersion;
pub use console::ConsoleFd;
pub use container::Container;
pub use container::{DEFAULT_START_STOP_LIMIT, DEFAULT_STORAGE_LIMIT, MAX_KEY_LEN};
pub use criu::{
    AfterCheckpoint, CriuVerbosity, FeatureCheck, MigrateCommand, MigrateFeatures, MigrateOptions,
    MigrateOutcome, PageServer,
};
pub use ephemeral::{Ephemeral, EphemeralBuilder, DEFAULT_EPHEMERAL_TIMEOUT};
pub use exec::{AttachFlags, Child, Command, Namespaces, Personality, Stdio};
pub use flags::{CloneFlags, CreateFlags};
pub use free::*;
pub use freeze::DEFAULT_FREEZE_TIMEOUT;
pub use keys::KeyList;
pub use mount::{MountFlags, UnmountFlags};
pub use network::IpFamily;
pub use options::{BackingStore, CloneOptions, CreateOptions, DownloadOptions};
pub use snapshot::Snapshot;
pub use start::StartMode;
pub use state::State;
