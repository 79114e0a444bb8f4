//! One counted reference to a liblxc container object.

use std::cell::OnceCell;
use std::ffi::CStr;
use std::ptr::NonNull;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::error::{Error, ErrorKind, Result};
use crate::ffi::{self, LxcContainer};

/// One reference to a `struct lxc_container`: `Drop` calls `lxc_container_put`.
///
/// # Threads (I-5)
///
/// A `Handle` is [`Send`] and not [`Sync`]: it can move to another thread, but `&Handle` cannot be
/// shared between threads. liblxc's per-object locks protect single fields, not whole calls (a
/// `load_config` racing a `clear_config` on one object is a use-after-free), and several members
/// change process state around the call, so one object must see one call at a time.
///
/// [`try_clone`](Handle::try_clone) hands out a second reference to the *same* C object
/// (`lxc_container_get`). From then on the references share a lock, and every call through either
/// holds it, so two threads with one reference each still see one call at a time. A handle that was
/// never cloned takes no lock.
pub struct Handle {
    ptr: NonNull<LxcContainer>,
    name: Box<str>,
    shared: OnceCell<Arc<Mutex<()>>>,
    /// Where liblxc logs about this C object (shared with the clones).
    log: Arc<crate::logcap::Slot>,
    /// The call limit of this handle's calls that run in a child (see [`Handle::set_call_limit`]).
    limit: std::cell::Cell<Option<std::time::Duration>>,
}

// SAFETY: the C object is heap-allocated by liblxc and not tied to the thread that created it
// (liblxc's thread-local state is set up around each call, not per object). Moving the only
// reference to another thread is therefore fine. Concurrent use of one object is prevented: `Handle`
// is not `Sync` (the `OnceCell` makes it so), and references made by `try_clone` share a mutex that
// every call takes (see `lock`).
unsafe impl Send for Handle {}

impl Handle {
    /// Takes ownership of one reference returned by liblxc (`lxc_container_new`, `clone`).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Failed`] when `ptr` is null.
    ///
    /// # Safety
    ///
    /// `ptr` must be null or a valid `struct lxc_container *` whose reference the caller owns and
    /// gives up, and no other thread may use the same C object while this handle lives unless it
    /// does so through this handle's clones.
    pub unsafe fn from_raw(ptr: *mut LxcContainer, op: &'static str) -> Result<Handle> {
        let ptr = NonNull::new(ptr)
            .ok_or_else(|| Error::new(ErrorKind::Failed, op, "liblxc returned no container"))?;
        // SAFETY: ptr is a valid container; its name is a NUL-terminated string owned by it.
        let name = unsafe {
            let p = ffi::lxcrs_glue_name(ptr.as_ptr());
            if p.is_null() {
                String::new()
            } else {
                CStr::from_ptr(p).to_string_lossy().into_owned()
            }
        };
        Ok(Handle {
            ptr,
            name: name.into_boxed_str(),
            shared: OnceCell::new(),
            log: Arc::new(crate::logcap::Slot::new()),
            limit: std::cell::Cell::new(None),
        })
    }

    /// The raw pointer, still owned by this handle.
    pub fn as_ptr(&self) -> *mut LxcContainer {
        self.ptr.as_ptr()
    }

    /// Gives up ownership of the reference without dropping it.
    pub fn into_raw(self) -> *mut LxcContainer {
        let p = self.ptr.as_ptr();
        std::mem::forget(self);
        p
    }

    /// The container's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Bounds every call of this handle that waits for something liblxc does not bound (the
    /// members the API table marks `Blocks::Bounded`: start, stop, create, clone, snapshot,
    /// rename, destroy ...) to `limit`; `None` gives each member its own default again.
    pub fn set_call_limit(&self, limit: Option<std::time::Duration>) {
        self.limit.set(limit);
    }

    /// The bound of start and stop when no call limit is set (the API table's).
    pub const DEFAULT_START_STOP_LIMIT: std::time::Duration =
        std::time::Duration::from_millis(lxc_api::START_STOP_MS as u64);

    /// The bound of create, destroy and the copies when no call limit is set (the API table's).
    pub const DEFAULT_STORAGE_LIMIT: std::time::Duration =
        std::time::Duration::from_millis(lxc_api::STORAGE_MS as u64);

    /// The call limit [`Handle::set_call_limit`] set, if any.
    pub fn call_limit(&self) -> Option<std::time::Duration> {
        self.limit.get()
    }

    /// A second reference to the same C object (`lxc_container_get`).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Failed`] when liblxc refuses (the object is being freed, or its lock failed).
    pub fn try_clone(&self) -> Result<Handle> {
        let lock = self.shared.get_or_init(|| Arc::new(Mutex::new(()))).clone();
        let _guard = lock.lock().unwrap_or_else(|p| p.into_inner());
        // SAFETY: self.ptr is a valid container we hold a reference to.
        let r = unsafe { ffi::lxcrs_v1_lxc_container_get(self.ptr.as_ptr()) };
        if r != 1 {
            return Err(Error::new(
                ErrorKind::Failed,
                "lxc_container_get",
                "liblxc refused another reference",
            )
            .with_container(&*self.name)
            .with_code(r.into()));
        }
        let shared = OnceCell::new();
        let _ = shared.set(lock.clone());
        Ok(Handle {
            ptr: self.ptr,
            name: self.name.clone(),
            shared,
            log: self.log.clone(),
            limit: self.limit.clone(),
        })
    }

    /// What liblxc logged about a failed call on this object that started at `started_ns`.
    pub(crate) fn log_reason(&self, member: &str, started_ns: i64) -> Option<String> {
        self.log.reason(&self.name, member, started_ns)
    }

    /// The WARN and ERROR lines liblxc logged on this object since the last time they were asked
    /// for. Must run with the clone lock held.
    #[cfg(feature = "tracing")]
    pub(crate) fn new_log_lines(&self) -> Vec<crate::logcap::Line> {
        self.log.new_lines()
    }

    /// The container's lxcpath. Must run with the clone lock held.
    #[cfg(feature = "tracing")]
    pub(crate) fn lxcpath(&self) -> Option<String> {
        // SAFETY: the live container of this handle, under its clone lock; the string is the
        // container's, copied at once.
        let p = unsafe { ffi::lxcrs_v1_get_config_path(self.ptr.as_ptr()) };
        // SAFETY: non-null NUL-terminated string owned by the container.
        (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
    }

    /// Before a call: gives a configuration this object has not logged for yet a log of its own.
    /// Must run with the clone lock held.
    #[inline(always)]
    pub(crate) fn sync_log(&self) {
        // SAFETY: the pointer is this handle's live container, and the caller holds the clone lock
        // (or there are no clones), so no other thread calls into the object meanwhile.
        unsafe { self.log.sync(self.ptr.as_ptr()) }
    }

    /// Before a call that would give this object a blank configuration: gives it one now, with
    /// its own log. Must run with the clone lock held.
    pub(crate) fn blank_config_with_log(&self) {
        // SAFETY: as in `sync_log`.
        unsafe { self.log.blank_config(self.ptr.as_ptr()) }
    }

    /// Serialises calls with the clones of this handle; `None` (no cost) when it was never cloned.
    #[inline]
    pub fn lock(&self) -> Option<MutexGuard<'_, ()>> {
        self.shared
            .get()
            .map(|m| m.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        let _guard = self.lock();
        if Arc::strong_count(&self.log) == 1 {
            self.log.retire();
        }
        // SAFETY: we own one reference; after this call we never touch the pointer again. A -1
        // (lock failure) cannot be acted on in a destructor and is ignored, never panicked on.
        unsafe {
            ffi::lxcrs_v1_lxc_container_put(self.ptr.as_ptr());
        }
    }
}

impl std::fmt::Debug for Handle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handle")
            .field("name", &self.name)
            .field("ptr", &self.ptr)
            .finish()
    }
}
