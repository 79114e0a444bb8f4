//! Owners for what liblxc allocates (I-8), and the C strings the binding lends to it.

use std::ffi::{c_char, CStr, CString, OsStr};
use std::mem::MaybeUninit;
use std::os::unix::ffi::OsStrExt;
use std::ptr;

use crate::error::{Error, ErrorKind, Result};
use crate::ffi;

/// A `char *` malloc'd by liblxc; freed with `free` on drop.
pub(crate) struct MallocStr(*mut c_char);

impl MallocStr {
    /// # Safety
    /// `p` is null or a malloc'd NUL-terminated string the caller owns.
    pub(crate) unsafe fn new(p: *mut c_char) -> MallocStr {
        MallocStr(p)
    }

    pub(crate) fn bytes(&self) -> Option<&[u8]> {
        // SAFETY: non-null pointers are NUL-terminated strings owned by self.
        (!self.0.is_null()).then(|| unsafe { CStr::from_ptr(self.0) }.to_bytes())
    }
}

impl Drop for MallocStr {
    fn drop(&mut self) {
        // SAFETY: the pointer came from liblxc's malloc and is freed exactly once.
        unsafe { libc::free(self.0.cast()) }
    }
}

/// A NULL-terminated `char **` malloc'd by liblxc (entries and array); freed on drop.
pub(crate) struct MallocStrVec(*mut *mut c_char);

impl MallocStrVec {
    /// # Safety
    /// `p` is null or a malloc'd NULL-terminated array of malloc'd strings the caller owns.
    pub(crate) unsafe fn new(p: *mut *mut c_char) -> MallocStrVec {
        MallocStrVec(p)
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &[u8]> {
        let mut i = 0;
        std::iter::from_fn(move || {
            if self.0.is_null() {
                return None;
            }
            // SAFETY: the array is NULL-terminated; we stop at the terminator.
            let p = unsafe { *self.0.add(i) };
            if p.is_null() {
                return None;
            }
            i += 1;
            // SAFETY: each entry is a NUL-terminated string owned by self.
            Some(unsafe { CStr::from_ptr(p) }.to_bytes())
        })
    }
}

impl Drop for MallocStrVec {
    fn drop(&mut self) {
        if self.0.is_null() {
            return;
        }
        // SAFETY: every entry up to the NULL terminator, then the array, was malloc'd by liblxc and
        // is freed exactly once.
        unsafe {
            let mut i = 0;
            loop {
                let p = *self.0.add(i);
                if p.is_null() {
                    break;
                }
                libc::free(p.cast());
                i += 1;
            }
            libc::free(self.0.cast());
        }
    }
}

/// A C string lent to liblxc for one call: on the stack when short, on the heap otherwise.
pub(crate) enum SmallCStr {
    /// `len` bytes and a NUL written at the start of `buf`; the rest is never read.
    Inline {
        buf: [MaybeUninit<u8>; INLINE],
        len: usize,
    },
    Heap(CString),
}

const INLINE: usize = 120;

impl SmallCStr {
    /// Fails with the position of the first NUL byte.
    #[inline]
    pub(crate) fn new(bytes: &[u8]) -> std::result::Result<SmallCStr, usize> {
        if let Some(pos) = memchr0(bytes) {
            return Err(pos);
        }
        if bytes.len() < INLINE {
            let mut buf = [MaybeUninit::<u8>::uninit(); INLINE];
            // SAFETY: bytes.len() + 1 <= INLINE; source and destination do not overlap.
            unsafe {
                std::ptr::copy_nonoverlapping(
                    bytes.as_ptr(),
                    buf.as_mut_ptr().cast::<u8>(),
                    bytes.len(),
                );
            }
            buf[bytes.len()] = MaybeUninit::new(0);
            Ok(SmallCStr::Inline {
                buf,
                len: bytes.len(),
            })
        } else {
            // No interior NUL was found above.
            Ok(SmallCStr::Heap(
                CString::new(bytes).map_err(|e| e.nul_position())?,
            ))
        }
    }

    #[inline]
    pub(crate) fn as_ptr(&self) -> *const c_char {
        match self {
            SmallCStr::Inline { buf, .. } => buf.as_ptr().cast(),
            SmallCStr::Heap(c) => c.as_ptr(),
        }
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        match self {
            // SAFETY: the first `len` bytes were initialised in `new`.
            SmallCStr::Inline { buf, len } => unsafe {
                std::slice::from_raw_parts(buf.as_ptr().cast(), *len)
            },
            SmallCStr::Heap(c) => c.as_bytes(),
        }
    }
}

#[inline]
fn memchr0(b: &[u8]) -> Option<usize> {
    b.iter().position(|&c| c == 0)
}

/// Storage options for `create` (`struct bdev_specs`).
///
/// Every field is optional; `Default` leaves liblxc's defaults in place. Which fields matter depends on
/// the backing store passed with it: `dir` for `dir`, `fstype` and `fssize` for `loop`, `lvm` and
/// `btrfs`, `zfs_root` for `zfs`, `lvm_*` for `lvm`, `rbd_*` for `rbd`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct BdevSpecs {
    /// Filesystem type for block-backed stores, e.g. `"ext4"`.
    pub fstype: Option<String>,
    /// Size in bytes for block-backed stores (0 = liblxc's default, 1 GiB).
    pub fssize: u64,
    /// Parent dataset for `zfs`.
    pub zfs_root: Option<String>,
    /// Volume group for `lvm`.
    pub lvm_vg: Option<String>,
    /// Logical volume name for `lvm`.
    pub lvm_lv: Option<String>,
    /// Thin pool for `lvm`.
    pub lvm_thinpool: Option<String>,
    /// Root filesystem directory for `dir`. It must not exist yet or be empty: liblxc deletes it
    /// when create fails.
    pub dir: Option<std::path::PathBuf>,
    /// Image name for `rbd`.
    pub rbd_name: Option<String>,
    /// Pool for `rbd`.
    pub rbd_pool: Option<String>,
}

/// A `struct bdev_specs` built by glue.c for one call, with the strings it borrows.
pub(crate) struct BdevSpecsC {
    ptr: *mut ffi::BdevSpecsC,
    _strings: Vec<CString>,
}

impl BdevSpecsC {
    pub(crate) fn new(s: &BdevSpecs) -> Result<BdevSpecsC> {
        if let Some(dir) = &s.dir {
            // liblxc removes the rootfs directory when a create fails: never hand it one that holds
            // someone's files.
            let non_empty = std::fs::read_dir(dir)
                .map(|mut d| d.next().is_some())
                .unwrap_or(false);
            if non_empty {
                return Err(Error::new(
                    ErrorKind::InvalidArgument,
                    "create",
                    format!(
                        "backing store option `dir` {dir:?} is a directory that is not empty; liblxc deletes the rootfs \
                         directory when create fails, so it must be new or empty"
                    ),
                ));
            }
        }
        let mut strings = Vec::new();
        let mut lend = |name: &'static str, v: Option<&std::ffi::OsStr>| -> Result<*const c_char> {
            match v {
                None => Ok(ptr::null()),
                Some(v) => {
                    let c = CString::new(os_bytes(v)).map_err(|e| {
                        Error::new(
                            ErrorKind::InvalidArgument,
                            "create",
                            format!(
                                "backing store option `{name}` has a NUL byte at {}",
                                e.nul_position()
                            ),
                        )
                    })?;
                    let p = c.as_ptr();
                    strings.push(c);
                    Ok(p)
                }
            }
        };
        let fstype = lend("fstype", s.fstype.as_deref().map(std::ffi::OsStr::new))?;
        let zfs = lend("zfs_root", s.zfs_root.as_deref().map(std::ffi::OsStr::new))?;
        let vg = lend("lvm_vg", s.lvm_vg.as_deref().map(std::ffi::OsStr::new))?;
        let lv = lend("lvm_lv", s.lvm_lv.as_deref().map(std::ffi::OsStr::new))?;
        let thin = lend(
            "lvm_thinpool",
            s.lvm_thinpool.as_deref().map(std::ffi::OsStr::new),
        )?;
        let dir = lend("dir", s.dir.as_deref().map(std::path::Path::as_os_str))?;
        let rbdn = lend("rbd_name", s.rbd_name.as_deref().map(std::ffi::OsStr::new))?;
        let rbdp = lend("rbd_pool", s.rbd_pool.as_deref().map(std::ffi::OsStr::new))?;
        // SAFETY: every pointer is null or points into `strings`, which lives as long as the result.
        let ptr = unsafe {
            ffi::lxcrs_glue_bdev_specs_new(fstype, s.fssize, zfs, vg, lv, thin, dir, rbdn, rbdp)
        };
        if ptr.is_null() {
            return Err(Error::new(
                ErrorKind::Failed,
                "create",
                "out of memory building bdev_specs",
            ));
        }
        Ok(BdevSpecsC {
            ptr,
            _strings: strings,
        })
    }

    pub(crate) fn as_ptr(&self) -> *mut ffi::BdevSpecsC {
        self.ptr
    }
}

impl Drop for BdevSpecsC {
    fn drop(&mut self) {
        // SAFETY: allocated by lxcrs_glue_bdev_specs_new, freed once.
        unsafe { ffi::lxcrs_glue_bdev_specs_free(self.ptr) }
    }
}

pub(crate) fn os_bytes(s: &OsStr) -> &[u8] {
    s.as_bytes()
}
