//! The one place that enforces each member's contract from its row of the API table (I-9):
//! before the call, the condition it needs ([`before`]); after a success liblxc may report without
//! the effect, the effect ([`after`]); after a failure, the condition that explains it
//! ([`diagnose`], the first of the explainers in `explain.rs`).
//!
//! A member whose contract changes is an edit of its row, not new code here.

use std::borrow::Cow;
use std::ffi::CStr;

use lxc_api::{Condition, Config, Effect, Needs};

use super::call::Call;
use crate::error::{Error, ErrorKind, Result};
use crate::ffi;
use crate::version::Member;
use crate::Handle;

/// The condition of the container behind `h`, as far as `needs` cares (no monitor is asked
/// whether it is frozen: no row needs to know).
pub(super) fn condition(h: &Handle) -> Condition {
    let c = h.as_ptr();
    // SAFETY: c is the live container of this handle, used under its clone lock.
    if unsafe { ffi::lxcrs_v1_is_running(c) } {
        return Condition::Running;
    }
    // SAFETY: as above.
    if unsafe { ffi::lxcrs_v1_is_defined(c) } {
        Condition::Stopped
    } else {
        Condition::Undefined
    }
}

/// The error of a member that needs the object's configuration when it holds none: a container
/// that is not defined (its object has none until an item is set), or one whose configuration
/// `clear_config` dropped.
fn no_config(defined: bool) -> (ErrorKind, &'static str) {
    if defined {
        (
            ErrorKind::Failed,
            "this object holds no configuration (clear_config was called); call load_config first",
        )
    } else {
        (ErrorKind::NotFound, "the container is not defined")
    }
}

/// Whether the running container's processes are frozen (its monitor says `FROZEN`).
fn frozen(h: &Handle) -> bool {
    // SAFETY: the live container of this handle, under its clone lock; the state string is
    // liblxc's static one, compared at once.
    let s = unsafe { ffi::lxcrs_v1_state(h.as_ptr()) };
    // SAFETY: non-null NUL-terminated static string.
    !s.is_null() && unsafe { CStr::from_ptr(s) }.to_bytes() == b"FROZEN"
}

/// Refuses, before liblxc is called, what the row says liblxc would get wrong: a condition it
/// needs (when liblxc would report success without effect, or crash), or a configuration the
/// object must hold.
///
/// # Errors
///
/// The kind the row gives for the unmet condition.
#[inline]
pub(super) fn before(h: &Handle, m: &'static Member) -> Result<()> {
    if !m.check_first
        && !m.not_frozen
        && matches!(m.config, Config::Any | Config::Makes | Config::Held)
    {
        return Ok(());
    }
    before_slow(h, m)
}

#[cold]
fn before_slow(h: &Handle, m: &'static Member) -> Result<()> {
    let refuse =
        |kind, reason: &'static str| Err(Error::new(kind, m.name, reason).with_container(h.name()));
    let cond = condition(h);
    if m.check_first {
        if let Some((kind, reason)) = m.needs.unmet(cond) {
            return refuse(kind, reason);
        }
    }
    if m.not_frozen && cond == Condition::Running && frozen(h) {
        return refuse(
            ErrorKind::Frozen,
            "the container is frozen: its processes could not act on this until it is thawed; unfreeze it first",
        );
    }
    // SAFETY: the glue only reads whether the object's configuration pointer is set.
    let has_config = || unsafe { ffi::lxcrs_glue_has_config(h.as_ptr()) };
    match m.config {
        // liblxc fails harmlessly without one: explained after the failure (see `diagnose`).
        Config::Any | Config::Makes | Config::Held => Ok(()),
        Config::Required if cond == Condition::Undefined || !has_config() => {
            let (kind, reason) = no_config(cond != Condition::Undefined);
            refuse(kind, reason)
        }
        Config::Required => Ok(()),
        // A container that is not defined has no configuration until it is set up: normal.
        Config::Loaded(kind, reason) if cond != Condition::Undefined && !has_config() => {
            refuse(kind, reason)
        }
        Config::Loaded(..) => Ok(()),
    }
}

/// Checks, after liblxc reported success, the effect the row says it may report without.
///
/// # Errors
///
/// `Failed` naming the effect that is missing.
#[inline]
pub(super) fn after(call: &Call<'_>) -> Result<()> {
    if call.member.effect == Effect::Trusted {
        return Ok(());
    }
    after_slow(call)
}

#[cold]
fn after_slow(call: &Call<'_>) -> Result<()> {
    let m = call.member;
    if m.effect == Effect::WrittenAtomically {
        return commit(call);
    }
    let Some(h) = call.handle else {
        return Ok(());
    };
    let cond = condition(h);
    let missing = match m.effect {
        Effect::Trusted | Effect::WrittenAtomically => return Ok(()),
        Effect::Stopped if cond == Condition::Running => "the container still runs",
        Effect::Defined if cond == Condition::Undefined => "the container is not defined",
        Effect::Undefined if cond != Condition::Undefined => "the container is still defined",
        _ => return Ok(()),
    };
    Err(Error::new(
        ErrorKind::Failed,
        m.name,
        format!("liblxc reported success, but {missing}"),
    )
    .with_container(h.name()))
}

/// Writes what liblxc wrote into memory to its target, atomically: a temporary file in the
/// target's directory, synced, renamed over the target, and the directory synced.
fn commit(call: &Call<'_>) -> Result<()> {
    use std::io::{Read, Seek, Write};
    let Some((mut staged, target)) = call.staged.borrow_mut().take() else {
        return Ok(());
    };
    let fail = |e: std::io::Error, what: &str| {
        let kind = e
            .raw_os_error()
            .map_or(ErrorKind::Failed, ErrorKind::from_errno);
        call.error(
            kind,
            format!(
                "cannot {what} {}: {e}; the old file is intact",
                target.display()
            )
            .into(),
        )
    };
    let mut bytes = Vec::new();
    staged
        .rewind()
        .and_then(|()| staged.read_to_end(&mut bytes))
        .map_err(|e| fail(e, "read back what liblxc wrote for"))?;
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => std::path::PathBuf::from("."),
    };
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned());
    let tmp = dir.join(format!(
        ".{}.lxc-rs-{}-{}",
        name.as_deref().unwrap_or("config"),
        std::process::id(),
        TEMP.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let written = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        if let Ok(m) = std::fs::metadata(&target) {
            f.set_permissions(m.permissions())?;
        }
        f.write_all(&bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, &target)?;
        // The rename is durable once the directory is synced; it is in place either way.
        let _ = std::fs::File::open(&dir).and_then(|d| d.sync_all());
        Ok(())
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(fail(e, "write"));
    }
    Ok(())
}

static TEMP: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// The container's condition, when it does not meet the row's needs: the first explainer of a
/// failure.
pub(super) fn diagnose(call: &Call<'_>) -> Option<(ErrorKind, Cow<'static, str>)> {
    let h = call.handle?;
    if call.member.config == Config::Held && !call.has_config() {
        let (kind, reason) = no_config(call.is_defined());
        return Some((kind, Cow::Borrowed(reason)));
    }
    let needs = call.member.needs;
    if needs == Needs::Nothing {
        return None;
    }
    let (kind, reason) = needs.unmet(condition(h))?;
    if kind != ErrorKind::NotFound {
        return Some((kind, Cow::Borrowed(reason)));
    }
    // SAFETY: the live container of this call; the string it returns is owned by the container
    // and copied at once.
    let path = unsafe { ffi::lxcrs_v1_get_config_path(h.as_ptr()) };
    let path = if path.is_null() {
        String::new()
    } else {
        // SAFETY: non-null NUL-terminated string owned by the container.
        unsafe { CStr::from_ptr(path) }
            .to_string_lossy()
            .into_owned()
    };
    Some((
        kind,
        Cow::Owned(format!("the container is not defined in lxcpath {path:?}")),
    ))
}

/// What a declaration's body may ask of its container while it holds the call (under the
/// clone lock, so it must not call the container's declared methods).
impl Call<'_> {
    /// Whether the container runs.
    pub fn is_running(&self) -> bool {
        self.handle
            .is_some_and(|h| condition(h) == Condition::Running)
    }

    /// The container's configuration file.
    pub fn config_file(&self) -> Option<std::path::PathBuf> {
        let h = self.handle?;
        // SAFETY: the live container of this call; the result is malloc'd, copied, then freed.
        let p = unsafe { ffi::lxcrs_v1_config_file_name(h.as_ptr()) };
        if p.is_null() {
            return None;
        }
        // SAFETY: non-null NUL-terminated string liblxc malloc'd for the caller.
        let path = unsafe { CStr::from_ptr(p) }.to_bytes().to_vec();
        // SAFETY: freed once, here, with the allocator liblxc used.
        unsafe { libc::free(p.cast()) };
        Some(std::path::PathBuf::from(std::ffi::OsString::from(
            <std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(&path),
        )))
    }

    /// Makes the in-memory file liblxc writes `target` into (see `Effect::WrittenAtomically`);
    /// returns its path for liblxc.
    ///
    /// # Errors
    ///
    /// When no in-memory file can be made.
    pub fn stage_write(&self, target: std::path::PathBuf) -> std::io::Result<std::ffi::CString> {
        use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
        // SAFETY: a static name; a negative result is handled.
        let fd = unsafe { libc::memfd_create(c"lxc-rs-save".as_ptr(), libc::MFD_CLOEXEC) };
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: fd is a new descriptor this call owns.
        let file = std::fs::File::from(unsafe { OwnedFd::from_raw_fd(fd) });
        let path = std::ffi::CString::new(format!("/proc/self/fd/{}", file.as_raw_fd()))
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        *self.staged.borrow_mut() = Some((file, target));
        Ok(path)
    }

    /// The pid of the container's init, as the caller sees it, when it runs.
    pub fn init_pid(&self) -> Option<i32> {
        let h = self.handle?;
        // SAFETY: the live container of this call, under its clone lock.
        let pid = unsafe { ffi::lxcrs_v1_init_pid(h.as_ptr()) };
        (pid > 0).then_some(pid)
    }

    /// Whether the container is defined.
    pub fn is_defined(&self) -> bool {
        self.handle
            .is_some_and(|h| condition(h) != Condition::Undefined)
    }

    /// Whether the object holds a configuration.
    pub fn has_config(&self) -> bool {
        // SAFETY: the glue only reads whether the object's configuration pointer is set.
        self.handle
            .is_some_and(|h| unsafe { ffi::lxcrs_glue_has_config(h.as_ptr()) })
    }

    /// Refuses what the row's [`Config`] refuses, for a body that decides itself whether its
    /// call needs the configuration.
    ///
    /// # Errors
    ///
    /// `NotFound` for a container that is not defined, `Failed` for a cleared configuration.
    pub fn require_config(&self) -> Result<()> {
        match self.handle {
            Some(h) if !self.has_config() => {
                let (kind, why) = no_config(self.is_defined());
                Err(Error::new(kind, self.member.name, why).with_container(h.name()))
            }
            _ => Ok(()),
        }
    }
}

/// What a declaration's body gets from the macro: its call (the version guard passed, the clone
/// lock held, the row's contract checked) and the C member it binds, typed as the header has it.
/// A body names neither the trampoline nor the runtime's entry points.
pub struct Bound<'a, F> {
    call: Call<'a>,
    member: F,
}

impl<'a, F: Copy> Bound<'a, F> {
    /// The call and its member.
    #[inline(always)]
    pub fn new(call: Call<'a>, member: F) -> Bound<'a, F> {
        Bound { call, member }
    }

    /// The member's C function (its trampoline, compiled against the installed header).
    #[inline(always)]
    pub fn c(&self) -> F {
        self.member
    }
}

impl<'a, F> std::ops::Deref for Bound<'a, F> {
    type Target = Call<'a>;

    #[inline(always)]
    fn deref(&self) -> &Call<'a> {
        &self.call
    }
}
