//! liblxc's free functions.

use std::path::Path;

use lxc_core::Result;
use lxc_macros::lxc_method;

use crate::container::Container;

/// The version string of the running liblxc, e.g. `"5.0.2"`, exactly as `lxc_get_version`
/// reports it (read once; a version string that is not UTF-8 is read lossily). It cannot fail;
/// `liblxc::runtime_version()` gives it parsed. With the `dlopen` feature and no loadable liblxc
/// it is `""`.
pub fn version() -> &'static str {
    lxc_core::version::runtime_string()
}

/// A value of liblxc's global configuration (`lxc.lxcpath`, `lxc.default_config`,
/// `lxc.bdev.lvm.vg`, …). An unknown key is `InvalidArgument`; a known key without a value is
/// `Failed` with no errno.
#[lxc_method(lxc_get_global_config_item)]
pub fn global_config_item(key: &str) -> Result<String>;

/// Whether liblxc knows the configuration key `key`. The match is exact: `"lxc.net"` is known,
/// `"lxc.net.0.type"` is not.
#[lxc_method(lxc_config_item_is_supported)]
pub fn config_item_is_supported(key: &str) -> Result<bool>;

/// Whether the running liblxc has the API extension `extension`, e.g. `"pidfd"`.
#[lxc_method(lxc_has_api_extension)]
pub fn has_api_extension(extension: &str) -> Result<bool>;

/// The states liblxc can wait for, by its names (`"STOPPED"`, …, `"THAWED"`).
#[lxc_method(lxc_get_wait_states)]
pub fn wait_states() -> Vec<String> {
    // SAFETY: a NULL array asks for the count only.
    let n = unsafe { (call.c())(std::ptr::null_mut()) };
    let mut states = vec![std::ptr::null(); usize::try_from(n).unwrap_or(0)];
    // SAFETY: the array has room for the `n` static strings liblxc writes.
    unsafe { (call.c())(states.as_mut_ptr()) };
    states
        .into_iter()
        .filter(|p| !p.is_null())
        // SAFETY: each entry is a static NUL-terminated string, copied at once.
        .map(|p| {
            unsafe { std::ffi::CStr::from_ptr(p) }
                .to_string_lossy()
                .into_owned()
        })
        .collect()
}

/// The names of the defined containers in `lxcpath` (`None`: the default lxcpath).
///
/// # Errors
///
/// When the lxcpath cannot be read, or it has a NUL byte.
#[lxc_method(list_defined_containers)]
pub fn defined_container_names(lxcpath: Option<&Path>) -> Result<Vec<String>>;

/// The defined containers in `lxcpath` (`None`: the default lxcpath), opened.
///
/// # Errors
///
/// When the lxcpath cannot be read, or it has a NUL byte.
#[lxc_method(list_defined_containers)]
pub fn defined_containers(lxcpath: Option<&Path>) -> Result<Vec<Container>>;

/// The names of the running containers in `lxcpath` (`None`: the default lxcpath).
///
/// # Errors
///
/// When the lxcpath cannot be read, or it has a NUL byte.
#[lxc_method(list_active_containers)]
pub fn active_container_names(lxcpath: Option<&Path>) -> Result<Vec<String>>;

/// The running containers in `lxcpath` (`None`: the default lxcpath), opened.
///
/// # Errors
///
/// When the lxcpath cannot be read, or it has a NUL byte.
#[lxc_method(list_active_containers)]
pub fn active_containers(lxcpath: Option<&Path>) -> Result<Vec<Container>>;

/// The names of the defined or running containers in `lxcpath` (`None`: the default lxcpath).
///
/// # Errors
///
/// When the lxcpath cannot be read, or it has a NUL byte.
#[lxc_method(list_all_containers)]
pub fn all_container_names(lxcpath: Option<&Path>) -> Result<Vec<String>>;

/// The defined or running containers in `lxcpath` (`None`: the default lxcpath), opened.
///
/// # Errors
///
/// When the lxcpath cannot be read, or it has a NUL byte.
#[lxc_method(list_all_containers)]
pub fn all_containers(lxcpath: Option<&Path>) -> Result<Vec<Container>>;
