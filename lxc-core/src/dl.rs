//! The `dlopen` feature: liblxc is loaded when first needed instead of linked, so a program starts
//! where liblxc is missing and its first call that needs liblxc fails with [`ErrorKind::Unsupported`]
//! and a sentence saying what to install. glue.c loads `$LXC_RS_LIBLXC` when set, else
//! `liblxc.so.1`.

use std::ffi::CStr;
use std::sync::OnceLock;

use crate::version::{self, Version};
use crate::{ffi, Error, ErrorKind, Result};

/// The oldest liblxc lxc-rs supports (what the build asks pkg-config for when linking).
const OLDEST: Version = Version::new(4, 0, 0);

/// What to install, for the error.
const INSTALL: &str = "install liblxc 4.0 or newer (Debian/Ubuntu: `apt install liblxc1`, \
Fedora: `dnf install lxc-libs`), or set LXC_RS_LIBLXC to the path of liblxc.so.1";

/// `Ok` once liblxc is loaded and new enough; otherwise why not, as the error of `op`.
pub(crate) fn loaded(op: &'static str) -> Result<()> {
    static WHY: OnceLock<Option<String>> = OnceLock::new();
    let why = WHY.get_or_init(|| {
        // SAFETY: no argument; returns NULL or a NUL-terminated string in glue.c's static buffer,
        // which is written once, before the first return, and never again.
        let p = unsafe { ffi::lxcrs_glue_dl_error() };
        if !p.is_null() {
            // SAFETY: non-null, NUL-terminated, static (see above); copied at once.
            let loader = unsafe { CStr::from_ptr(p) }.to_string_lossy();
            return Some(format!("liblxc could not be loaded ({loader}): {INSTALL}"));
        }
        let rt = version::runtime();
        (!rt.at_least(OLDEST)).then(|| {
            format!(
                "the liblxc this process loaded is {} (\"{}\"), older than 4.0: {INSTALL}",
                rt,
                version::runtime_string()
            )
        })
    });
    match why {
        None => Ok(()),
        Some(why) => Err(Error::new(ErrorKind::Unsupported, op, why.clone())),
    }
}
