//! The `list_*_containers` free functions: counted arrays of names or container references.

use std::ffi::{c_char, c_int, CStr, OsStr};

use super::call::Call;
use super::err::Policy;
use crate::error::{Error, ErrorKind, Result};
use crate::ffi::LxcContainer;
use crate::Handle;

/// Why a listing of `lxcpath` failed, when the path itself is the cause (liblxc logs nothing).
///
/// # Safety
///
/// `lxcpath` is null or a live C string.
#[cold]
unsafe fn unusable_lxcpath(call: &Call<'_>, lxcpath: *const c_char) -> Option<Error> {
    if lxcpath.is_null() {
        return None;
    }
    // SAFETY: non-null and live, as the caller promises.
    let bytes = unsafe { CStr::from_ptr(lxcpath) }.to_bytes();
    let path = std::path::Path::new(<OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(bytes));
    let (kind, why) = match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => return None,
        Ok(_) => (ErrorKind::InvalidArgument, "is not a directory".to_owned()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            (ErrorKind::NotFound, "does not exist".to_owned())
        }
        Err(e) => (
            e.raw_os_error()
                .map_or(ErrorKind::Failed, ErrorKind::from_errno),
            format!("cannot be read: {e}"),
        ),
    };
    Some(call.error(kind, format!("the lxcpath {} {why}", path.display()).into()))
}

/// `list_*_containers`: names only (`cret` NULL), from a counted, not NULL-terminated, array.
///
/// # Errors
///
/// When liblxc returns a negative count, or a name is not UTF-8.
///
/// # Safety
///
/// `lxcpath` is null or a live C string, and `f` is a `list_*_containers` trampoline.
pub unsafe fn list_names(
    call: &Call<'_>,
    lxcpath: *const c_char,
    f: unsafe extern "C" fn(
        *const c_char,
        *mut *mut *mut c_char,
        *mut *mut *mut LxcContainer,
    ) -> c_int,
) -> Result<Vec<String>> {
    let mut names: *mut *mut c_char = std::ptr::null_mut();
    // SAFETY: lxcpath is null or a live C string; `names` is a valid out-pointer; cret is NULL, which
    // liblxc accepts for "names only".
    let n = unsafe { f(lxcpath, &mut names, std::ptr::null_mut()) };
    let owned = crate::owned::CountedStrVec {
        ptr: names,
        len: usize::try_from(n).unwrap_or(0),
    };
    if let Some(failure) = <super::err::Neg as Policy<c_int>>::check(&n) {
        // SAFETY: as above.
        return Err(unsafe { unusable_lxcpath(call, lxcpath) }
            .map(|e| e.with_code(i64::from(n)))
            .unwrap_or_else(|| call.fail(failure)));
    }
    owned
        .iter()
        .map(|b| <String as super::ret::FromCBytes>::from_c_bytes(b, call))
        .collect()
}

/// `list_*_containers` with handles: each `cret` entry becomes a [`Handle`] (put on drop).
///
/// # Errors
///
/// When liblxc returns a negative count.
///
/// # Safety
///
/// As [`list_names`].
pub unsafe fn list_handles(
    call: &Call<'_>,
    lxcpath: *const c_char,
    f: unsafe extern "C" fn(
        *const c_char,
        *mut *mut *mut c_char,
        *mut *mut *mut LxcContainer,
    ) -> c_int,
) -> Result<Vec<Handle>> {
    let mut cret: *mut *mut LxcContainer = std::ptr::null_mut();
    // SAFETY: as in `list_names`; with `names` NULL liblxc fills only `cret`.
    let n = unsafe { f(lxcpath, std::ptr::null_mut(), &mut cret) };
    if let Some(failure) = <super::err::Neg as Policy<c_int>>::check(&n) {
        // SAFETY: as in `list_names`.
        return Err(unsafe { unusable_lxcpath(call, lxcpath) }
            .map(|e| e.with_code(i64::from(n)))
            .unwrap_or_else(|| call.fail(failure)));
    }
    let len = usize::try_from(n).unwrap_or(0);
    let mut out = Vec::with_capacity(len);
    if !cret.is_null() {
        for i in 0..len {
            // SAFETY: i < n entries, each a new reference the caller owns; Handle takes it over and
            // puts it on drop. A null entry is skipped.
            let p = unsafe { *cret.add(i) };
            // SAFETY: p is null or a reference we own (see above).
            if let Ok(h) = unsafe { Handle::from_raw(p, call.member().name) } {
                out.push(h);
            }
        }
        // SAFETY: the array itself was malloc'd by liblxc; its entries are now owned by `out`.
        unsafe { libc::free(cret.cast()) };
    }
    Ok(out)
}
