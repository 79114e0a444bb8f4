//! The liblxc version this process runs against, and the guard of I-7.
//!
//! `struct lxc_container` is allocated by the *running* library, so a member added after that
//! library's release lies past the end of the allocation. Every member newer than the oldest
//! supported release (4.0.0) is guarded: before its function pointer is read, the runtime version (and
//! the API extension, where one exists) is checked, and the call fails with
//! [`ErrorKind::Unsupported`] instead.

use std::ffi::CStr;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use crate::error::{Error, ErrorKind, Result};
use crate::ffi;

/// A liblxc release number, as `lxc_get_version()` reports it.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Version {
    /// Major number.
    pub major: u32,
    /// Minor number.
    pub minor: u32,
    /// Micro (patch) number.
    pub micro: u32,
    /// A development snapshot (`-devel`, `~git…`, `-rc…`) of that release.
    pub devel: bool,
}

impl Version {
    /// A release version.
    pub const fn new(major: u32, minor: u32, micro: u32) -> Version {
        Version {
            major,
            minor,
            micro,
            devel: false,
        }
    }

    /// Parses the forms liblxc and distributions produce: `5.0.2`, `6.0.0-devel`,
    /// `5.0.0~git2209-g5a7b9ce67`, `4.0.12-0ubuntu1~20.04.1`, `1:5.0.2-1`, `5.0`, `3.0.0.rc1`.
    ///
    /// Returns `None` when the string does not start with a number.
    pub fn parse(s: &str) -> Option<Version> {
        let s = s.trim();
        // A Debian-style epoch (`1:5.0.2-1`) is not part of the release number.
        let s = match s.split_once(':') {
            Some((e, r)) if !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit()) => r,
            _ => s,
        };
        let mut nums = [0u32; 3];
        let mut i = 0;
        let mut rest = s;
        while i < 3 {
            let end = rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len());
            if end == 0 {
                break;
            }
            nums[i] = rest[..end].parse().ok()?;
            i += 1;
            rest = &rest[end..];
            match rest.strip_prefix('.') {
                Some(r) if r.starts_with(|c: char| c.is_ascii_digit()) => rest = r,
                _ => break,
            }
        }
        if i == 0 {
            return None;
        }
        let tail = rest.to_ascii_lowercase();
        let tail = tail.trim_start_matches(['-', '~', '.', '+']);
        let devel = ["devel", "git", "rc", "pre"]
            .iter()
            .any(|p| tail.starts_with(p));
        Some(Version {
            major: nums[0],
            minor: nums[1],
            micro: nums[2],
            devel,
        })
    }

    fn pack(self) -> u64 {
        (u64::from(self.major) << 42)
            | (u64::from(self.minor) << 21)
            | u64::from(self.micro)
            | (1 << 63)
    }

    fn unpack(v: u64) -> Version {
        Version {
            major: ((v >> 42) & 0x1f_ffff) as u32,
            minor: ((v >> 21) & 0x1f_ffff) as u32,
            micro: (v & 0x1f_ffff) as u32,
            devel: false,
        }
    }

    /// Whether this version is at least `other`. A development snapshot of a release counts as that
    /// release: liblxc's own version macros treat `LXC_DEVEL` the same way.
    pub fn at_least(self, other: Version) -> bool {
        (self.major, self.minor, self.micro) >= (other.major, other.minor, other.micro)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.micro)?;
        if self.devel {
            f.write_str("-devel")?;
        }
        Ok(())
    }
}

/// The version string of the running liblxc, exactly as it reports it.
pub fn runtime_string() -> &'static str {
    static S: OnceLock<String> = OnceLock::new();
    S.get_or_init(|| {
        // SAFETY: lxc_get_version takes no argument and returns a pointer to a static string.
        let p = unsafe { ffi::lxcrs_v1_lxc_get_version() };
        if p.is_null() {
            return String::new();
        }
        // SAFETY: non-null, NUL-terminated, static; copied at once.
        unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
    })
}

/// The `LXC_VERSION` of the header this crate was compiled against.
pub fn header_string() -> &'static str {
    // SAFETY: returns a pointer to a string literal compiled into glue.c.
    let p = unsafe { ffi::lxcrs_glue_header_version() };
    // SAFETY: non-null literal, NUL-terminated, static.
    unsafe { CStr::from_ptr(p) }.to_str().unwrap_or("")
}

static OVERRIDE: AtomicU64 = AtomicU64::new(0);

/// The running liblxc version. An unparsable string counts as 0.0.0, so every guarded member is
/// refused rather than risked.
pub fn runtime() -> Version {
    let o = OVERRIDE.load(Ordering::Relaxed);
    if o != 0 {
        return Version::unpack(o);
    }
    static V: OnceLock<Version> = OnceLock::new();
    *V.get_or_init(|| Version::parse(runtime_string()).unwrap_or(Version::new(0, 0, 0)))
}

/// Makes the guard believe the running liblxc is `v` (or the real one again with `None`).
///
/// For tests of the guard only: it changes no behaviour of liblxc, only which members the binding
/// agrees to call. Pretending to run a *newer* liblxc than the real one would let the binding read
/// past the end of the real struct, so a version above the real runtime is refused.
///
/// # Errors
///
/// [`ErrorKind::InvalidArgument`] when `v` is newer than the running library.
#[doc(hidden)]
pub fn override_runtime_for_tests(v: Option<Version>) -> Result<()> {
    match v {
        None => OVERRIDE.store(0, Ordering::Relaxed),
        Some(v) => {
            OVERRIDE.store(0, Ordering::Relaxed);
            if !runtime().at_least(v) {
                return Err(Error::new(
                    ErrorKind::InvalidArgument,
                    "override_runtime_for_tests",
                    format!("{v} is newer than the running liblxc {}", runtime()),
                ));
            }
            OVERRIDE.store(v.pack(), Ordering::Relaxed);
        }
    }
    Ok(())
}

/// Whether the running liblxc has the API extension `name` (`lxc_has_api_extension`).
///
/// The extension list exists since liblxc 3.1.0; older libraries report none.
pub fn has_api_extension(name: &str) -> bool {
    if !runtime().at_least(Version::new(3, 1, 0)) {
        return false;
    }
    let Ok(c) = std::ffi::CString::new(name) else {
        return false;
    };
    // SAFETY: `c` is a valid NUL-terminated string for the duration of the call.
    unsafe { ffi::lxcrs_v1_lxc_has_api_extension(c.as_ptr()) }
}

/// What the runtime knows of one member: its row of the API table (`lxc-api`), which holds its
/// whole contract, and what the build found in the installed header.
#[derive(Debug)]
#[doc(hidden)]
pub struct Member {
    /// The row of the API table.
    pub row: &'static lxc_api::Member,
    /// The first release that has it.
    pub release: Version,
    /// Whether calls must pass the runtime guard.
    pub guarded: bool,
    /// Whether the header the crate was compiled against has it.
    pub in_header: bool,
}

impl std::ops::Deref for Member {
    type Target = lxc_api::Member;

    #[inline(always)]
    fn deref(&self) -> &lxc_api::Member {
        self.row
    }
}

impl Member {
    /// The guard: `Ok` when this member may be touched on the running library.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Unsupported`] when the member is newer than the running liblxc, its API extension
    /// is missing, or the header this crate was built against does not have it.
    #[inline]
    pub fn check(&'static self) -> Result<()> {
        if !self.guarded {
            return Ok(());
        }
        self.check_slow()
    }

    #[cold]
    fn check_slow(&'static self) -> Result<()> {
        let rt = runtime();
        let reason = if !self.in_header {
            format!(
                "needs liblxc {} or newer, but lxc-rs was built against the {} headers, which lack it",
                self.release,
                header_string()
            )
        } else if !rt.at_least(self.release) {
            format!(
                "needs liblxc {} or newer; this process runs liblxc {rt}",
                self.release
            )
        } else if let Some(ext) = self.api_ext.filter(|e| !has_api_extension(e)) {
            format!("needs the liblxc API extension `{ext}`, which liblxc {rt} does not have")
        } else {
            return Ok(());
        };
        Err(Error::unsupported(self.name, self.release, reason))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_form() {
        let cases = [
            ("5.0.2", (5, 0, 2, false)),
            ("6.0.0-devel", (6, 0, 0, true)),
            ("5.0.0~git2209-g5a7b9ce67", (5, 0, 0, true)),
            ("4.0.12-0ubuntu1~20.04.1", (4, 0, 12, false)),
            ("3.0.0.rc1", (3, 0, 0, true)),
            ("5.0", (5, 0, 0, false)),
            ("7", (7, 0, 0, false)),
            ("5.0.2+source", (5, 0, 2, false)),
            (" 5.0.2\n", (5, 0, 2, false)),
            ("1:5.0.2-1+deb12u4", (5, 0, 2, false)),
        ];
        for (s, (ma, mi, pa, devel)) in cases {
            let v = Version::parse(s).unwrap_or_else(|| panic!("{s:?} did not parse"));
            assert_eq!(
                (v.major, v.minor, v.micro, v.devel),
                (ma, mi, pa, devel),
                "{s:?}"
            );
        }
    }

    #[test]
    fn rejects_garbage() {
        for s in ["", "devel", "v5.0.2", ".5", "-1"] {
            assert_eq!(Version::parse(s), None, "{s:?}");
        }
    }

    #[test]
    fn orders_and_compares() {
        let v = Version::parse("6.0.0-devel").unwrap();
        assert!(v.at_least(Version::new(6, 0, 0)));
        assert!(!Version::new(5, 0, 2).at_least(Version::new(6, 0, 0)));
        assert!(Version::new(5, 0, 2).at_least(Version::new(4, 0, 5)));
        assert!(Version::new(4, 0, 12) > Version::new(4, 0, 5));
        assert_eq!(Version::new(5, 0, 2).to_string(), "5.0.2");
        assert_eq!(
            Version::unpack(Version::new(5, 0, 2).pack()),
            Version::new(5, 0, 2)
        );
    }
}
