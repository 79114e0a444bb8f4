//! The `list_*_containers` free functions: counted arrays of names or container references
//! (`Proto::Listing` in the API table).

use std::ffi::{c_char, c_int};

use super::call::Call;
use super::err::Policy;
use crate::error::{Error, ErrorKind, Result};
use crate::ffi::LxcContainer;
use crate::Handle;

/// What a listing gives: names (`String`) or opened containers (a type holding a [`Handle`]).
#[diagnostic::on_unimplemented(
    message = "a listing of containers gives names (`Vec<String>`) or containers (`Vec<Container>`), not `Vec<{Self}>`"
)]
pub trait Listed: Sized {
    /// Whether liblxc must fill `cret` (container references) rather than `names`.
    const HANDLES: bool;

    /// One entry from a name.
    ///
    /// # Errors
    ///
    /// When the name is not what the type needs.
    fn from_name(name: &[u8], call: &Call<'_>) -> Result<Self>;

    /// One entry from a reference liblxc opened.
    fn from_handle(handle: Handle) -> Self;
}

impl Listed for String {
    const HANDLES: bool = false;

    fn from_name(name: &[u8], call: &Call<'_>) -> Result<String> {
        <String as super::ret::FromCBytes>::from_c_bytes(name, call)
    }

    fn from_handle(handle: Handle) -> String {
        handle.name().to_owned()
    }
}

/// The out-arrays of one listing, freed on drop: the names with each name, the references of
/// what was not taken over.
struct Arrays {
    names: *mut *mut c_char,
    cret: *mut *mut LxcContainer,
    len: usize,
}

impl Drop for Arrays {
    fn drop(&mut self) {
        for i in 0..self.len {
            if !self.names.is_null() {
                // SAFETY: i < len entries of liblxc's malloc'd array, each malloc'd, freed once.
                unsafe { libc::free((*self.names.add(i)).cast()) };
            }
            if !self.cret.is_null() {
                // SAFETY: i < len entries; each is a reference the caller owns, or null when
                // taken over.
                let c = unsafe { *self.cret.add(i) };
                if !c.is_null() {
                    // SAFETY: a reference this listing owns, put once.
                    unsafe { crate::ffi::lxcrs_v1_lxc_container_put(c) };
                }
            }
        }
        // SAFETY: the arrays themselves were malloc'd by liblxc (or are null).
        unsafe {
            libc::free(self.names.cast());
            libc::free(self.cret.cast());
        }
    }
}

impl Call<'_> {
    /// A listing: `f(names, cret)` calls the member with the out-pointers of the arrays `T`
    /// needs (the other is NULL, which liblxc accepts).
    ///
    /// # Errors
    ///
    /// When liblxc returns a negative count (explained by the lxcpath itself when it is the
    /// cause), or an entry is not what `T` needs.
    ///
    /// # Safety
    ///
    /// `f` must call a `list_*_containers` trampoline with the given out-pointers and live
    /// arguments.
    pub unsafe fn list<T: Listed>(
        &self,
        f: impl FnOnce(*mut *mut *mut c_char, *mut *mut *mut LxcContainer) -> c_int,
    ) -> Result<Vec<T>> {
        let mut arrays = Arrays {
            names: std::ptr::null_mut(),
            cret: std::ptr::null_mut(),
            len: 0,
        };
        let n = if T::HANDLES {
            f(std::ptr::null_mut(), &mut arrays.cret)
        } else {
            f(&mut arrays.names, std::ptr::null_mut())
        };
        arrays.len = usize::try_from(n).unwrap_or(0);
        if let Some(failure) = <super::err::Neg as Policy<c_int>>::check(&n) {
            return Err(self
                .unusable_lxcpath()
                .map(|e| e.with_code(i64::from(n)))
                .unwrap_or_else(|| self.fail(failure)));
        }
        let mut out = Vec::with_capacity(arrays.len);
        for i in 0..arrays.len {
            if T::HANDLES {
                // SAFETY: i < n entries of liblxc's array.
                let slot = unsafe { &mut *arrays.cret.add(i) };
                let p = std::mem::replace(slot, std::ptr::null_mut());
                // SAFETY: p is null or a new reference this listing owned, now taken over.
                if let Ok(h) = unsafe { Handle::from_raw(p, self.member().name) } {
                    out.push(T::from_handle(h));
                }
            } else {
                // SAFETY: i < n entries, each a NUL-terminated malloc'd name.
                let name = unsafe { std::ffi::CStr::from_ptr(*arrays.names.add(i)) };
                out.push(T::from_name(name.to_bytes(), self)?);
            }
        }
        Ok(out)
    }

    /// Why a listing failed, when the lxcpath itself is the cause (liblxc logs nothing).
    #[cold]
    fn unusable_lxcpath(&self) -> Option<Error> {
        let path = std::path::Path::new(self.arg?);
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
        Some(self.error(kind, format!("the lxcpath {} {why}", path.display()).into()))
    }
}
