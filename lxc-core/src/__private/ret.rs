//! Return kinds: one marker per `ret =` kind, and [`Lift`], which turns the raw C value into the
//! declared Rust type and frees what liblxc allocated (I-8).

use std::ffi::{c_char, c_int, CStr, OsString};
use std::os::fd::{BorrowedFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStringExt;
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::ExitStatus;

use super::call::Call;
use crate::error::{Error, ErrorKind, Result};
use crate::owned::{MallocStr, MallocStrVec};

macro_rules! kinds {
    ($($(#[$m:meta])* $name:ident;)*) => {$( $(#[$m])* pub struct $name; )*};
}

kinds! {
    /// Status only: `()`.
    Unit;
    /// A predicate: `bool`.
    Bool;
    /// A non-negative `int`.
    Int;
    /// A `pid_t`.
    Pid;
    /// A descriptor the caller must close.
    OwnedFdKind;
    /// A descriptor liblxc keeps; borrowed for the life of the container reference.
    BorrowedFdKind;
    /// A `const char *` liblxc keeps; copied at once.
    StaticStr;
    /// A malloc'd `char *`; copied, then freed.
    MallocString;
    /// The two-call length protocol into a caller buffer.
    BufString;
    /// A NULL-terminated malloc'd `char **`; copied, then freed.
    StrVec;
    /// A new container reference.
    ContainerKind;
    /// A raw `waitpid` status.
    WaitStatus;
}

/// Turns a raw C return value of kind `K` into `Self`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from this lxc method",
    label = "liblxc's value for this member cannot become this type",
    note = "what liblxc hands back, and the Rust types it can become: a status `()`; a predicate `bool`; a count `u32`, `i32`, `u64`, `i64` or `usize`; a pid `i32` or `u32`; \
            a descriptor `OwnedFd` (or `BorrowedFd<'_>` where liblxc keeps it); \
            text `String`, `PathBuf`, `OsString`, `Vec<u8>`, `Vec<String>` (one per line) or `State`; \
            a list `Vec<String>`; a container `Container`"
)]
pub trait Lift<'a, K, C>: Sized {
    /// # Errors
    ///
    /// `InvalidData` when liblxc's text is not what the type needs.
    ///
    /// # Safety
    ///
    /// `raw` must be the value the member of `call` just returned, which the error policy accepted;
    /// ownership of what it points to passes to this function.
    unsafe fn lift(raw: C, call: &Call<'a>) -> Result<Self>;
}

impl<'a, C> Lift<'a, Unit, C> for () {
    #[inline(always)]
    unsafe fn lift(_: C, _: &Call<'a>) -> Result<()> {
        Ok(())
    }
}

impl<'a> Lift<'a, Bool, bool> for bool {
    #[inline(always)]
    unsafe fn lift(raw: bool, _: &Call<'a>) -> Result<bool> {
        Ok(raw)
    }
}

macro_rules! lift_int {
    ($kind:ty: $($t:ty),*) => {$(
        impl<'a> Lift<'a, $kind, c_int> for $t {
            #[inline(always)]
            unsafe fn lift(raw: c_int, call: &Call<'a>) -> Result<$t> {
                <$t>::try_from(raw).map_err(|_| call.invalid_data(format!("unexpected value {raw}")))
            }
        }
    )*};
}
lift_int!(Int: u32, i32, usize, u64, i64);
lift_int!(Pid: u32, i32);

impl<'a> Lift<'a, OwnedFdKind, c_int> for OwnedFd {
    #[inline]
    unsafe fn lift(raw: c_int, call: &Call<'a>) -> Result<OwnedFd> {
        if raw < 0 {
            return Err(call.invalid_data(format!("unexpected descriptor {raw}")));
        }
        // SAFETY: the error policy let only a non-negative fd through, and the member's contract gives
        // the caller ownership of it.
        Ok(unsafe { OwnedFd::from_raw_fd(raw) })
    }
}

impl<'a> Lift<'a, BorrowedFdKind, c_int> for BorrowedFd<'a> {
    #[inline]
    unsafe fn lift(raw: c_int, call: &Call<'a>) -> Result<BorrowedFd<'a>> {
        if raw < 0 {
            return Err(call.invalid_data(format!("unexpected descriptor {raw}")));
        }
        // SAFETY: liblxc keeps the fd open for as long as the container object lives, and 'a is the
        // lifetime of the borrow of the container reference.
        Ok(unsafe { BorrowedFd::borrow_raw(raw) })
    }
}

impl<'a> Lift<'a, BorrowedFdKind, c_int> for OwnedFd {
    /// A duplicate the caller owns: liblxc closes its own when the configuration is freed
    /// (`clear_config` through any handle), so a borrow of it could outlive it.
    #[inline]
    unsafe fn lift(raw: c_int, call: &Call<'a>) -> Result<OwnedFd> {
        // SAFETY: as for `BorrowedFd`; the borrow ends before the call's clone lock is released.
        let fd = unsafe { <BorrowedFd<'a> as Lift<'a, BorrowedFdKind, c_int>>::lift(raw, call)? };
        fd.try_clone_to_owned().map_err(|e| {
            call.error(
                ErrorKind::Failed,
                format!("cannot duplicate liblxc's descriptor {raw}: {e}").into(),
            )
        })
    }
}

/// Return values that need no conversion, for members that cannot fail.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from this lxc method, which cannot fail",
    note = "a member that cannot fail returns `bool` (a predicate) or `()` directly"
)]
pub trait LiftInfallible<K, C> {
    fn lift_infallible(raw: C) -> Self;
}

impl LiftInfallible<Bool, bool> for bool {
    #[inline(always)]
    fn lift_infallible(raw: bool) -> bool {
        raw
    }
}

impl<C> LiftInfallible<Unit, C> for () {
    #[inline(always)]
    fn lift_infallible(_: C) {}
}

/// Text from C, into the declared owned type.
pub trait FromCBytes: Sized {
    fn from_c_bytes(b: &[u8], call: &Call<'_>) -> Result<Self>;

    /// From an owned buffer (the length protocol's heap path): types that can, take it without a copy.
    fn from_c_vec(v: Vec<u8>, call: &Call<'_>) -> Result<Self> {
        Self::from_c_bytes(&v, call)
    }
}

impl FromCBytes for String {
    #[inline]
    fn from_c_bytes(b: &[u8], call: &Call<'_>) -> Result<String> {
        match std::str::from_utf8(b) {
            Ok(s) => Ok(s.to_owned()),
            Err(e) => Err(not_utf8(e, call)),
        }
    }

    #[inline]
    fn from_c_vec(v: Vec<u8>, call: &Call<'_>) -> Result<String> {
        String::from_utf8(v).map_err(|e| not_utf8(e.utf8_error(), call))
    }
}

#[cold]
fn not_utf8(e: std::str::Utf8Error, call: &Call<'_>) -> Error {
    call.invalid_data(match call.member().bytes {
        Some(getter) => format!("the value is not UTF-8 ({e}); read it with `{getter}`"),
        None => format!("the value is not UTF-8 ({e}); ask for `Vec<u8>` or `PathBuf`"),
    })
}
impl FromCBytes for Vec<u8> {
    fn from_c_bytes(b: &[u8], _: &Call<'_>) -> Result<Vec<u8>> {
        Ok(b.to_vec())
    }
}
impl FromCBytes for OsString {
    fn from_c_bytes(b: &[u8], _: &Call<'_>) -> Result<OsString> {
        Ok(OsString::from_vec(b.to_vec()))
    }
}
impl FromCBytes for PathBuf {
    fn from_c_bytes(b: &[u8], _: &Call<'_>) -> Result<PathBuf> {
        Ok(PathBuf::from(OsString::from_vec(b.to_vec())))
    }
}
/// Newline-separated lists (`get_keys`, list-valued config items).
impl FromCBytes for Vec<String> {
    fn from_c_bytes(b: &[u8], call: &Call<'_>) -> Result<Vec<String>> {
        let s = String::from_c_bytes(b, call)?;
        Ok(s.lines()
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect())
    }
}

impl<'a, T: FromCBytes> Lift<'a, StaticStr, *const c_char> for T {
    #[inline]
    unsafe fn lift(raw: *const c_char, call: &Call<'a>) -> Result<T> {
        if raw.is_null() {
            return T::from_c_bytes(b"", call);
        }
        // SAFETY: non-null: a NUL-terminated string liblxc keeps alive at least until the next call
        // on this container; copied before returning.
        T::from_c_bytes(unsafe { CStr::from_ptr(raw) }.to_bytes(), call)
    }
}

impl<'a, T: FromCBytes> Lift<'a, MallocString, *mut c_char> for T {
    #[inline]
    unsafe fn lift(raw: *mut c_char, call: &Call<'a>) -> Result<T> {
        // SAFETY: the member's contract gives the caller this malloc'd string; MallocStr frees it
        // exactly once, after the copy.
        let owned = unsafe { MallocStr::new(raw) };
        T::from_c_bytes(owned.bytes().unwrap_or(b""), call)
    }
}

impl<'a> Lift<'a, StrVec, *mut *mut c_char> for Vec<String> {
    unsafe fn lift(raw: *mut *mut c_char, call: &Call<'a>) -> Result<Vec<String>> {
        // SAFETY: null, or a NULL-terminated malloc'd array of malloc'd strings the caller owns;
        // MallocStrVec frees every entry and the array once, even when a conversion below fails.
        let owned = unsafe { MallocStrVec::new(raw) };
        owned
            .iter()
            .map(|b| String::from_c_bytes(b, call))
            .collect()
    }
}

impl<'a> Lift<'a, WaitStatus, c_int> for ExitStatus {
    #[inline]
    unsafe fn lift(raw: c_int, _: &Call<'a>) -> Result<ExitStatus> {
        Ok(ExitStatus::from_raw(raw))
    }
}

/// What a member of the two-call length protocol (`Proto::BufString`) can give.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from this lxc method, which fills a buffer with text",
    note = "text from a buffer becomes `String`, `Vec<String>` (one entry per line), `PathBuf`, `OsString` or `Vec<u8>`"
)]
pub trait FromBuf: FromCBytes {}
impl<T: FromCBytes> FromBuf for T {}

impl Call<'_> {
    #[cold]
    pub(crate) fn invalid_data(&self, reason: String) -> Error {
        self.error(ErrorKind::InvalidData, reason.into())
    }
}
