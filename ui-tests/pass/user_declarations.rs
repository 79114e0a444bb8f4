// Declarations on a user's own handle type, in each shape the DSL allows.
use std::path::PathBuf;
use std::time::Duration;

use lxc::Result;
use lxc::dsl::AsHandle;
use lxc::dsl::lxc_method;

struct MyC(lxc::dsl::Handle);

impl AsHandle for MyC {
    fn handle(&self) -> &lxc::dsl::Handle {
        &self.0
    }
}

impl MyC {
    /// A predicate that cannot fail.
    #[lxc_method(is_defined, ret = Bool, err = Never)]
    pub fn is_defined(&self) -> bool;

    /// The two-call buffer protocol, renamed.
    #[lxc_method(get_config_item, ret = BufString, err = Neg)]
    pub fn config_item(&self, key: &str) -> Result<String>;

    /// Same member, another output type.
    #[lxc_method(get_keys, ret = BufString, err = Neg)]
    pub fn keys(&self, prefix: Option<&str>) -> Result<Vec<String>>;

    /// A malloc'd string lifted to a path.
    #[lxc_method(config_file_name, ret = String, err = Null)]
    pub fn config_file_name(&self) -> Result<PathBuf>;

    /// An `int` with a Rust integer type.
    #[lxc_method(snapshot, ret = Int, err = NegOne)]
    pub fn snapshot(&self, comment_file: Option<&str>) -> Result<u32>;

    /// A timeout.
    #[lxc_method(shutdown, ret = Unit, err = False)]
    pub fn shutdown(&self, timeout: Option<Duration>) -> Result<()>;

    /// A guarded member.
    #[lxc_method(set_timeout, ret = Unit, err = False, since = "6.0.0")]
    pub fn set_timeout(&self, seconds: i32) -> Result<()>;

    /// A guarded member with an API extension.
    #[lxc_method(seccomp_notify_fd_active, ret = OwnedFd, err = NegErrno, since = "4.0.5", api_ext = "seccomp_notify_fd_active")]
    pub fn seccomp_notify_fd_active(&self) -> Result<std::os::fd::OwnedFd>;
}

/// A free function.
#[lxc_method(lxc_get_version, ret = StaticStr, err = Never)]
pub fn version() -> Result<String>;

/// A hand-written body, checked against the table.
#[lxc_method(lxc_log_close, ret = Manual, err = Never)]
pub fn log_close() {}

fn main() {
    let _ = (
        MyC::is_defined,
        MyC::config_item,
        MyC::keys,
        MyC::config_file_name,
        MyC::snapshot,
        MyC::shutdown,
        MyC::set_timeout,
        MyC::seccomp_notify_fd_active,
        log_close,
    );
    assert!(!version().unwrap().is_empty());
}
