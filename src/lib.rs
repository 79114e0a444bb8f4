//! Safe, complete and fast Rust bindings to liblxc, the library behind Linux Containers.
//!
//! ```no_run
//! use std::time::Duration;
//! use liblxc::{Container, State};
//!
//! fn main() -> liblxc::Result<()> {
//!     let lxcpath = std::env::temp_dir().join("lxc-doc-example");
//!     std::fs::create_dir_all(&lxcpath).expect("create lxcpath");
//!
//!     let c = Container::new_in("doc-example", &lxcpath)?;
//!     c.create("busybox")?;
//!     // No lxcbr0 bridge here: give the container no network.
//!     c.clear_config_item("lxc.net")?;
//!     c.set_config_item("lxc.net.0.type", "empty")?;
//!     c.save_config(None)?;
//!
//!     c.start()?;
//!     c.wait(State::Running, Duration::from_secs(5))?;
//!     println!("{} is {} with init pid {}", c.name(), c.state()?, c.init_pid()?);
//!
//!     c.stop()?;
//!     c.destroy()?;
//!     Ok(())
//! }
//! ```
//!
//! # What is here
//!
//! - [`Container`]: one container. Every member of liblxc's `struct lxc_container` is a method,
//!   named the Rust way; the C name is a doc alias, so searching for `get_config_item` finds
//!   [`Container::config_item`].
//! - [`Container::ephemeral`]: a disposable, running overlay copy of a stopped container (an
//!   [`Ephemeral`], which stops it when dropped; liblxc then removes it): a sandbox per job.
//! - Free functions: [`version`], [`defined_container_names`], [`active_containers`],
//!   [`global_config_item`], [`config_item_is_supported`], [`has_api_extension`], [`log`].
//! - [`Error`]: every failure says which liblxc member failed, on which container, and why, with a
//!   matchable [`ErrorKind`]. Nothing panics on a bad argument: a NUL byte is
//!   [`ErrorKind::InvalidArgument`].
//!
//! # Threads
//!
//! [`Container`] is `Send` and not `Sync`; see its documentation for why, and for
//! [`Container::try_clone`], which shares one liblxc object between threads behind a lock.
//!
//! # Optional features
//!
//! - `tokio`: `AsyncContainer`, whose calls run on tokio's blocking threads, and
//!   `AsyncChild`, a program awaited through its pidfd, with tokio pipes.
//! - `tracing`: one `tracing` span per liblxc call (target `liblxc`; fields `member`, `container`,
//!   `lxcpath`, `duration_us`, `outcome`, `error_kind`), and liblxc's own WARN and ERROR lines
//!   as events in it (target `liblxc::liblxc`).
//!
//! - `dlopen`: liblxc is loaded when first needed (`liblxc.so.1`, or the file `LXC_RS_LIBLXC`
//!   names) instead of linked. A program built with it starts where liblxc is missing; its first
//!   call that needs liblxc is then [`ErrorKind::Unsupported`], saying what to install, and
//!   [`version`] is `""`.
//!
//! Without them nothing of tokio or tracing is compiled, and liblxc is linked.
//!
//! # liblxc versions
//!
//! lxc-rs builds against the installed liblxc (4.0 or newer) and checks, at run time, that a member is
//! in the running library before it touches it: a member newer than the library is
//! [`ErrorKind::Unsupported`], never undefined behaviour. [`runtime_version`] tells which one runs.
#![deny(missing_docs)]

pub use lxc_core::{BdevSpecs, Error, ErrorKind, Result, Version};
pub use lxc_decls::*;

/// The running liblxc version, parsed (`5.0.2`, `6.0.0-devel`, …).
pub fn runtime_version() -> Version {
    lxc_core::version::runtime()
}

/// The `LXC_VERSION` of the liblxc headers lxc-rs was compiled against.
pub fn header_version() -> &'static str {
    lxc_core::version::header_string()
}

/// Writing declarations of your own: `#[lxc_method]` on a type that holds a [`Handle`](dsl::Handle).
///
/// ```no_run
/// use liblxc::dsl::{lxc_method, AsHandle, Handle};
///
/// struct Mine(Handle);
///
/// impl AsHandle for Mine {
///     fn handle(&self) -> &Handle {
///         &self.0
///     }
/// }
///
/// impl Mine {
///     /// The value of a configuration key.
///     #[lxc_method(get_config_item)]
///     pub fn value(&self, key: &str) -> liblxc::Result<String>;
/// }
/// ```
///
/// The member's name is the whole declaration: its row in the API table supplies how it fails,
/// how it hands its value back and its contract. The expansion reaches the runtime through this
/// crate's hidden `__private::v1` module, so depending on `liblxc` is enough.
pub mod dsl {
    #[doc(inline)]
    pub use lxc_core::__private::AsHandle;
    pub use lxc_core::Handle;
    pub use lxc_macros::lxc_method;
}

/// Raw access for what the safe API does not cover yet: the liblxc container object type.
pub mod raw {
    pub use lxc_core::ffi::LxcContainer;
}

#[doc(hidden)]
pub mod __private {
    pub use lxc_core::__private::*;
    pub use lxc_core::version::override_runtime_for_tests;
}
