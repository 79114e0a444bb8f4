// Declarations on a user's own handle type, in each shape the DSL allows, through the facade only.
use std::path::PathBuf;
use std::time::Duration;

use liblxc::dsl::{lxc_method, AsHandle, Handle};
use liblxc::Result;

struct MyC(Handle);

impl AsHandle for MyC {
    fn handle(&self) -> &Handle {
        &self.0
    }
}

impl MyC {
    /// A predicate that cannot fail: the member's name is the whole declaration.
    #[lxc_method(is_defined)]
    pub fn is_defined(&self) -> bool;

    /// The two-call buffer protocol, renamed; `ret` and `err` repeat what the table says.
    #[lxc_method(get_config_item, ret = String, err = Neg)]
    pub fn config_item(&self, key: &str) -> Result<String>;

    /// Same member, another output type.
    #[lxc_method(get_keys, ret = Vec<String>)]
    pub fn keys(&self, prefix: Option<&str>) -> Result<Vec<String>>;

    /// A malloc'd string lifted to a path.
    #[lxc_method(config_file_name)]
    pub fn config_file_name(&self) -> Result<PathBuf>;

    /// An `int` with a Rust integer type, and a check that needs code before the call.
    #[lxc_method(snapshot, pre = Self::comment_exists)]
    pub fn snapshot(&self, comment_file: Option<&str>) -> Result<u32>;

    fn comment_exists(&self, comment_file: Option<&str>) -> Result<()> {
        let _ = comment_file;
        Ok(())
    }

    /// A timeout, with a failure explained further and a step after success.
    #[lxc_method(shutdown, pre = Self::noted, explain = Self::explained, post = Self::after)]
    pub fn shutdown(&self, timeout: Option<Duration>) -> Result<()>;

    fn noted(&self, _: Option<Duration>) -> Result<u8> {
        Ok(7)
    }

    fn explained(&self, e: liblxc::Error, noted: &u8, _: Option<Duration>) -> liblxc::Error {
        assert_eq!(*noted, 7);
        e
    }

    fn after(&self, noted: &u8, _: Option<Duration>) -> Result<()> {
        assert_eq!(*noted, 7);
        Ok(())
    }

    /// A guarded member; `since` may repeat the table.
    #[lxc_method(set_timeout, since = "6.0.0")]
    pub fn set_timeout(&self, seconds: i32) -> Result<()>;

    /// A guarded member with an API extension, left to the table.
    #[lxc_method(seccomp_notify_fd_active)]
    pub fn seccomp_notify_fd_active(&self) -> Result<std::os::fd::OwnedFd>;
}

/// A free function.
#[lxc_method(lxc_get_version)]
pub fn version() -> Result<String>;

/// A member whose row says liblxc hands back structs: the body is the user's.
#[lxc_method(lxc_get_wait_states)]
pub fn wait_states() -> usize {
    0
}

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
        wait_states,
    );
    assert!(!version().unwrap().is_empty());
}
