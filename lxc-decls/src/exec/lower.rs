//! A [`Command`] lowered for C: [`Lowered`] holds every attach option but the standard streams
//! (checked, as C strings and arrays), and builds the `lxc_attach_options_t` of one run from them.

use std::ffi::{c_char, c_int, c_long, CString, OsStr};
use std::io;
use std::os::fd::RawFd;
use std::os::unix::ffi::OsStrExt;
use std::ptr::{self, NonNull};

use lxc_core::__private::{ffi, Call};
use lxc_core::{ErrorKind, Result, Version};

use super::command::Program;
use super::Command;

/// The first liblxc with `lsm_label` and `groups` in `lxc_attach_options_t`.
const GROUPS_AND_LABEL_SINCE: Version = Version::new(4, 0, 7);

const LXC_ATTACH_DETECT_PERSONALITY: c_long = !0;

impl Command<'_> {
    /// Everything but the program, lowered for C.
    pub(super) fn lower(&self, call: &Call<'_>) -> Result<Lowered> {
        let env = self.lower_env(call)?;
        let cwd = self
            .cwd
            .as_ref()
            .map(|p| cstring(call, "current_dir", p.as_os_str()))
            .transpose()?;
        let lsm_label = self
            .lsm_label
            .as_ref()
            .map(|l| cstring(call, "lsm_label", l))
            .transpose()?;
        self.check_supported(call, lsm_label.is_some())?;
        self.check_ids(call)?;
        self.check_groups(call)?;
        Ok(Lowered {
            flags: self.flags.bits(),
            namespaces: self.namespaces.map_or(-1, |n| n.bits()),
            personality: self.personality.unwrap_or(LXC_ATTACH_DETECT_PERSONALITY),
            cwd,
            uid: self.uid.unwrap_or(u32::MAX),
            gid: self.gid.unwrap_or(u32::MAX),
            env_policy: env.policy,
            vars: CStrArray::new(env.vars),
            keep: CStrArray::new(env.keep),
            lsm_label,
            groups: self.groups.clone(),
        })
    }

    /// Refuses supplementary groups and an LSM label (`label`) on a liblxc older than 4.0.7.
    fn check_supported(&self, call: &Call<'_>, label: bool) -> Result<()> {
        if (self.groups.is_some() || label)
            && !lxc_core::version::runtime().at_least(GROUPS_AND_LABEL_SINCE)
        {
            return Err(call.error(
                ErrorKind::Unsupported,
                format!(
                    "supplementary groups and LSM labels need liblxc {GROUPS_AND_LABEL_SINCE}, this is {}",
                    lxc_core::version::runtime()
                )
                .into(),
            ));
        }
        Ok(())
    }

    /// Refuses a uid or gid of `u32::MAX`, liblxc's "not set".
    fn check_ids(&self, call: &Call<'_>) -> Result<()> {
        for (what, id) in [("uid", self.uid), ("gid", self.gid)] {
            if id == Some(u32::MAX) {
                return Err(call.error(
                    ErrorKind::InvalidArgument,
                    format!("{what} {} is liblxc's \"not set\" value (-1), which would run the program as root", u32::MAX)
                        .into(),
                ));
            }
        }
        Ok(())
    }

    /// Refuses a supplementary group of `u32::MAX`, and more groups than the kernel allows.
    fn check_groups(&self, call: &Call<'_>) -> Result<()> {
        if let Some(groups) = &self.groups {
            if groups.contains(&u32::MAX) {
                return Err(call.error(
                    ErrorKind::InvalidArgument,
                    format!(
                        "argument `groups`: group id {} is not a valid group (-1)",
                        u32::MAX
                    )
                    .into(),
                ));
            }
            // SAFETY: sysconf only reads a constant of the system.
            let max = unsafe { libc::sysconf(libc::_SC_NGROUPS_MAX) };
            if max > 0 && groups.len() as u64 > max as u64 {
                return Err(call.error(
                    ErrorKind::InvalidArgument,
                    format!(
                        "argument `groups`: {} supplementary groups, the kernel allows at most {max}",
                        groups.len()
                    )
                    .into(),
                ));
            }
        }
        Ok(())
    }

    /// The program and its argv (argv\[0\] is the program), lowered for C.
    pub(super) fn lower_program(&self, call: &Call<'_>) -> Result<Option<(CString, CStrArray)>> {
        let Program::Exec { program, args } = &self.program else {
            return Ok(None);
        };
        let p = cstring(call, "program", program)?;
        let mut argv = Vec::with_capacity(args.len() + 1);
        argv.push(p.clone());
        for a in args {
            argv.push(cstring(call, "arg", a)?);
        }
        Ok(Some((p, CStrArray::new(argv))))
    }
}

/// A string argument of the command, for C; `what` names it in the error.
pub(super) fn cstring(call: &Call<'_>, what: &str, s: &OsStr) -> Result<CString> {
    CString::new(s.as_bytes()).map_err(|e| {
        call.error(
            ErrorKind::InvalidArgument,
            format!(
                "argument `{what}` ({s:?}) contains a NUL byte at position {}",
                e.nul_position()
            )
            .into(),
        )
    })
}

/// A NULL-terminated `char **` and the strings it points to.
pub(super) struct CStrArray {
    _strings: Vec<CString>,
    pub(super) ptrs: Vec<*mut c_char>,
}

impl CStrArray {
    pub(super) fn new(strings: Vec<CString>) -> CStrArray {
        // The pointers stay valid when the Vec moves: each CString's bytes are their own allocation.
        let mut ptrs: Vec<*mut c_char> = strings.iter().map(|s| s.as_ptr().cast_mut()).collect();
        ptrs.push(ptr::null_mut());
        CStrArray {
            _strings: strings,
            ptrs,
        }
    }

    /// The array, or NULL when it is empty (liblxc's "none").
    fn as_ptr_or_null(&self) -> *mut *mut c_char {
        if self.ptrs.len() == 1 {
            ptr::null_mut()
        } else {
            self.ptrs.as_ptr().cast_mut()
        }
    }
}

/// Every attach option but the standard streams, lowered; the strings live as long as this.
pub(super) struct Lowered {
    flags: c_int,
    namespaces: c_int,
    personality: c_long,
    cwd: Option<CString>,
    uid: u32,
    gid: u32,
    env_policy: c_int,
    vars: CStrArray,
    keep: CStrArray,
    lsm_label: Option<CString>,
    groups: Option<Vec<u32>>,
}

/// One `lxc_attach_options_t`, built in C and freed on drop. It borrows the strings of a
/// [`Lowered`], so it must not outlive it (both are locals of one call).
pub(super) struct RawOptions(pub(super) NonNull<ffi::LxcAttachOptions>);

impl Drop for RawOptions {
    fn drop(&mut self) {
        // SAFETY: the struct came from lxcrs_glue_attach_options_new and is freed once, here.
        unsafe { ffi::lxcrs_glue_attach_options_free(self.0.as_ptr()) }
    }
}

impl Lowered {
    /// A fresh options struct (liblxc writes into it, so one per call).
    pub(super) fn options(&self, call: &Call<'_>, fds: [RawFd; 3]) -> Result<RawOptions> {
        let opt = |s: &Option<CString>| s.as_ref().map_or(ptr::null(), |s| s.as_ptr());
        let (gsize, glist) = match &self.groups {
            Some(g) => (g.len(), g.as_ptr()),
            None => (0, ptr::null()),
        };
        // SAFETY: every pointer is null or points into `self` (strings NUL-terminated, arrays
        // NULL-terminated, the group list `gsize` long), which outlives the returned struct; the glue
        // only stores them.
        let p = unsafe {
            ffi::lxcrs_glue_attach_options_new(
                self.flags,
                self.namespaces,
                self.personality,
                opt(&self.cwd),
                self.uid,
                self.gid,
                self.env_policy,
                self.vars.as_ptr_or_null(),
                self.keep.as_ptr_or_null(),
                fds[0],
                fds[1],
                fds[2],
                opt(&self.lsm_label),
                gsize,
                glist,
            )
        };
        NonNull::new(p).map(RawOptions).ok_or_else(|| {
            let e = io::Error::last_os_error();
            if e.raw_os_error() == Some(libc::ENOSYS) {
                call.error(
                    ErrorKind::Unsupported,
                    "lxc-rs was built against liblxc headers without supplementary groups and LSM labels (4.0.7)".into(),
                )
            } else {
                call.error(
                    ErrorKind::Failed,
                    format!("cannot allocate the attach options: {e}").into(),
                )
            }
        })
    }
}
