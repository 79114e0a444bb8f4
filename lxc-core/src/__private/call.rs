//! One call of a member: the guard, the lock, the error policy, the lifting of the result, and the
//! explanation of a failure.

use std::borrow::Cow;
use std::ffi::{c_char, c_int, CStr, OsStr};
use std::mem::MaybeUninit;
use std::sync::MutexGuard;

use super::class::{Class, Lower, LowerError};
use super::err::{Failure, Policy};
use super::ret::{FromBuf, Lift, LiftInfallible};
use crate::error::{Error, ErrorKind, Result};
use crate::ffi::{self, LxcContainer};
use crate::version::{Member, Needs};
use crate::Handle;

/// Types that carry a container [`Handle`]; implemented by `Container`.
pub trait AsHandle {
    fn handle(&self) -> &Handle;
}

impl AsHandle for Handle {
    #[inline(always)]
    fn handle(&self) -> &Handle {
        self
    }
}

/// One call in progress.
pub struct Call<'a> {
    handle: Option<&'a Handle>,
    member: &'static Member,
    subject: Option<&'a OsStr>,
    arg: Option<&'a OsStr>,
    /// When the call started (ns since the epoch), to pick liblxc's log lines of this call.
    started_ns: i64,
    /// The log of the forked child of an `IN_CHILD` member (see glue.c).
    child_log: std::cell::OnceCell<std::fs::File>,
    _guard: Option<MutexGuard<'a, ()>>,
}

/// The text of a string argument, shown in a free function's errors.
pub trait ArgText {
    fn text(&self) -> Option<&OsStr>;
}

impl<T: AsRef<OsStr> + ?Sized> ArgText for &T {
    fn text(&self) -> Option<&OsStr> {
        Some((*self).as_ref())
    }
}

impl<T: AsRef<OsStr> + ?Sized> ArgText for Option<&T> {
    fn text(&self) -> Option<&OsStr> {
        self.map(AsRef::as_ref)
    }
}

/// The argument a free function is about, for error messages.
pub fn arg_text<A: ArgText>(a: &A) -> Option<&OsStr> {
    a.text()
}

/// The name a free function is about (its `Name`-class argument), for error messages.
pub fn subject<T: AsRef<OsStr> + ?Sized>(t: &T) -> Option<&OsStr> {
    Some(t.as_ref())
}

/// Lowers one argument, or explains which argument was refused and why.
///
/// # Errors
///
/// `InvalidArgument` naming the argument.
#[inline(always)]
pub fn lower<C: Class, T: Lower<C>>(v: T, call: &Call<'_>, arg: &'static str) -> Result<T::Holder> {
    match v.lower() {
        Ok(h) => Ok(h),
        Err(e) => Err(call.lower_error(arg, e)),
    }
}

impl<'a> Call<'a> {
    /// Starts a call of a container member: runs the version guard and takes the clone lock.
    ///
    /// # Errors
    ///
    /// `Unsupported` when the guard refuses the member.
    #[inline(always)]
    pub fn method<H: AsHandle + ?Sized>(h: &'a H, member: &'static Member) -> Result<Call<'a>> {
        let handle = h.handle();
        if let Err(e) = member.check() {
            return Err(e.with_container(handle.name()));
        }
        let guard = handle.lock();
        handle.sync_log();
        if member.makes_config {
            handle.blank_config_with_log();
        }
        let call = Call {
            handle: Some(handle),
            member,
            subject: None,
            arg: None,
            started_ns: crate::logcap::now_ns(),
            child_log: std::cell::OnceCell::new(),
            _guard: guard,
        };
        // The checks run under the clone lock, like the call itself.
        if member.needs_config {
            precheck_config(handle, member)?;
        }
        if member.running_first {
            precheck_running(handle, member)?;
        }
        if let Some(refusal) = member.loaded_first {
            precheck_loaded(handle, member, refusal)?;
        }
        Ok(call)
    }

    /// Starts a call of a member that is never guarded and cannot fail.
    #[inline(always)]
    pub fn method_unguarded<H: AsHandle + ?Sized>(h: &'a H, member: &'static Member) -> Call<'a> {
        let handle = h.handle();
        debug_assert!(!member.guarded);
        let guard = handle.lock();
        handle.sync_log();
        Call {
            handle: Some(handle),
            member,
            subject: None,
            arg: None,
            started_ns: 0,
            child_log: std::cell::OnceCell::new(),
            _guard: guard,
        }
    }

    /// Starts a call of a free function that is never guarded and cannot fail.
    #[inline(always)]
    pub fn free_unguarded(member: &'static Member) -> Call<'a> {
        debug_assert!(!member.guarded);
        Call {
            handle: None,
            member,
            subject: None,
            arg: None,
            started_ns: 0,
            child_log: std::cell::OnceCell::new(),
            _guard: None,
        }
    }

    /// Runs a C call that cannot fail and whose value needs no conversion (`bool`, `void`).
    #[inline(always)]
    pub fn run_infallible<K, C, T: LiftInfallible<K, C>>(&self, f: impl FnOnce() -> C) -> T {
        T::lift_infallible(f())
    }

    /// Starts a call of a free function.
    ///
    /// # Errors
    ///
    /// `Unsupported` when the guard refuses the member.
    #[inline(always)]
    pub fn free(member: &'static Member) -> Result<Call<'a>> {
        member.check()?;
        Ok(Call {
            handle: None,
            member,
            subject: None,
            arg: None,
            started_ns: 0,
            child_log: std::cell::OnceCell::new(),
            _guard: None,
        })
    }

    /// Names what a free function is about.
    #[inline(always)]
    pub fn with_subject(mut self, s: Option<&'a OsStr>) -> Call<'a> {
        self.subject = s;
        self
    }

    /// Names the argument a free function is about.
    #[inline(always)]
    pub fn with_arg(mut self, a: Option<&'a OsStr>) -> Call<'a> {
        self.arg = a;
        self
    }

    /// The container pointer. Only valid for calls started with [`Call::method`].
    #[inline(always)]
    pub fn ptr(&self) -> *mut LxcContainer {
        match self.handle {
            Some(h) => h.as_ptr(),
            None => std::ptr::null_mut(),
        }
    }

    /// The member being called.
    pub fn member(&self) -> &'static Member {
        self.member
    }

    /// Runs the C call `f`, applies the error policy `P`, and lifts the result of kind `K`.
    ///
    /// # Errors
    ///
    /// When `P` says the raw value is a failure (explained by [`Call::fail`]), or lifting fails.
    ///
    /// # Safety
    ///
    /// `f` must call this call's member (its trampoline) and return what it returned; `P` and `K`
    /// must be the member's convention and shape, as the macro checked against the API table.
    #[inline(always)]
    pub unsafe fn run<P, K, C, T>(&self, f: impl FnOnce() -> C) -> Result<T>
    where
        P: Policy<C>,
        T: Lift<'a, K, C>,
    {
        if P::CLEARS_ERRNO {
            clear_errno();
        }
        let raw = if self.member.in_child {
            self.in_child(f)
        } else {
            f()
        };
        if let Some(failure) = P::check(&raw) {
            return Err(self.fail(failure));
        }
        // SAFETY: raw is what the member returned and the policy accepted (the caller's contract).
        unsafe { T::lift(raw, self) }
    }

    /// Runs `f`, which forks a child (an `IN_CHILD` trampoline), with the child logging to a memfd
    /// of this call's.
    #[cold]
    #[inline(never)]
    fn in_child<C>(&self, f: impl FnOnce() -> C) -> C {
        let Some(log) = crate::logcap::child_log() else {
            return f();
        };
        let fd = std::os::fd::AsRawFd::as_raw_fd(&log);
        let _ = self.child_log.set(log);
        // SAFETY: sets the glue's thread-local descriptor number; the memfd stays open in `self`
        // until after the child exited, and the number is reset before anything else forks.
        unsafe { ffi::lxcrs_glue_set_child_log(fd) };
        let raw = f();
        // SAFETY: as above.
        unsafe { ffi::lxcrs_glue_set_child_log(-1) };
        raw
    }

    /// The two-call length protocol (`get_config_item`, `get_keys`, `get_cgroup_item`): one call into a
    /// stack buffer when the value fits, else size, allocate, fill, and check that the value did not
    /// change in between (loop if it did).
    ///
    /// # Errors
    ///
    /// When `P` says a returned length is a failure, or the value is not what `T` needs.
    ///
    /// # Safety
    ///
    /// `f(buf, len)` must call a member with the length protocol, writing at most `len` bytes to `buf`.
    #[inline]
    pub unsafe fn buf<P, T>(&self, mut f: impl FnMut(*mut c_char, c_int) -> c_int) -> Result<T>
    where
        P: Policy<c_int>,
        T: FromBuf,
    {
        const STACK: usize = 256;
        let mut stack = [MaybeUninit::<u8>::uninit(); STACK];
        let len = f(stack.as_mut_ptr().cast(), STACK as c_int);
        if let Some(failure) = P::check(&len) {
            return Err(self.fail(failure));
        }
        let mut len = len as usize;
        if len < STACK {
            // SAFETY: liblxc wrote `len` bytes and a NUL into the buffer: the value fit (inlen >
            // len), which is the condition under which every getter copies the whole value.
            let bytes = unsafe { std::slice::from_raw_parts(stack.as_ptr().cast::<u8>(), len) };
            return T::from_c_bytes(bytes, self);
        }
        for _ in 0..8 {
            let inlen = c_int::try_from(len + 1).map_err(|_| {
                self.error(
                    ErrorKind::InvalidData,
                    "the value is larger than liblxc can return".into(),
                )
            })?;
            let mut heap: Vec<u8> = Vec::with_capacity(len + 1);
            let got = f(heap.as_mut_ptr().cast(), inlen);
            if let Some(failure) = P::check(&got) {
                return Err(self.fail(failure));
            }
            if got as usize == len {
                // SAFETY: liblxc wrote `len` bytes and a NUL (inlen = len + 1 covers the value, the
                // condition under which every getter copies it whole) into the capacity.
                unsafe { heap.set_len(len) };
                return T::from_c_vec(heap, self);
            }
            // The value changed between the calls; size again.
            len = got as usize;
        }
        Err(self.error(
            ErrorKind::Failed,
            "the value kept changing while it was read".into(),
        ))
    }

    /// An error of this call, naming the member and the container.
    #[cold]
    pub fn error(&self, kind: ErrorKind, reason: Cow<'static, str>) -> Error {
        let mut e = Error::new(kind, self.member.name, reason);
        if let Some(a) = self.arg {
            e = e.with_argument(a.to_string_lossy().into_owned());
        }
        match (self.handle, self.subject) {
            (Some(h), _) => e.with_container(h.name()),
            (None, Some(s)) => e.with_container(s.to_string_lossy().into_owned()),
            (None, None) => e,
        }
    }

    #[cold]
    fn lower_error(&self, arg: &'static str, e: LowerError) -> Error {
        match e {
            LowerError::Nul(pos) => self.error(
                ErrorKind::InvalidArgument,
                format!("argument `{arg}` contains a NUL byte at position {pos}").into(),
            ),
            LowerError::Invalid(why) => self.error(
                ErrorKind::InvalidArgument,
                format!("argument `{arg}`: {why}").into(),
            ),
            LowerError::Other(e) => match (e.container(), self.handle) {
                (None, Some(h)) => e.with_container(h.name()),
                _ => e,
            },
        }
    }

    /// Explains a failure: the errno when the convention gives one, else what the container's state
    /// says (asked only now, so the success path pays nothing).
    #[cold]
    #[inline(never)]
    pub fn fail(&self, f: Failure) -> Error {
        let m = self.member;
        let errno = f.errno.filter(|e| *e > 0);
        let mut kind = errno.map_or(ErrorKind::Failed, ErrorKind::from_errno);
        let mut reason: Cow<'static, str> = match errno {
            Some(e) => Cow::Owned(strerror(e)),
            None => Cow::Borrowed(""),
        };
        let diagnosed = self.diagnose();
        // A container in the wrong state is the cause, whatever errno liblxc made of it.
        if let Some((k, r)) = &diagnosed {
            kind = *k;
            reason = r.clone();
        }
        let own = self
            .handle
            .and_then(|h| h.log_reason(self.member.name, self.started_ns));
        let child = self
            .child_log
            .get()
            .and_then(|f| crate::logcap::child_reason(f, self.member.name, self.started_ns));
        let logged = match (own, child) {
            (Some(a), Some(b)) => Some(format!("{a}; {b}")),
            (a, b) => a.or(b),
        };
        if let Some(logged) = &logged {
            if diagnosed.is_none() && kind == ErrorKind::Failed {
                kind = kind_of_logged(logged);
            }
            reason = if reason.is_empty() || errno.is_some_and(|e| reason == strerror(e)) {
                Cow::Owned(logged.clone())
            } else {
                Cow::Owned(format!("{reason} ({logged})"))
            };
        }
        if m.timed && diagnosed.is_none() && kind == ErrorKind::Failed {
            kind = ErrorKind::Timeout;
            reason = if reason.is_empty() {
                Cow::Borrowed("it did not happen within the timeout")
            } else {
                Cow::Owned(format!("it did not happen within the timeout ({reason})"))
            };
        }
        // These members log nothing when liblxc refuses the caller's input, and what errno they
        // leave is stale: the table's reason is the better one.
        if let (None, None, Some((k, why))) = (&logged, &diagnosed, m.silent) {
            kind = k;
            reason = Cow::Borrowed(why);
        }
        if reason.is_empty() {
            reason = Cow::Owned(format!(
                "failed, and liblxc logged no reason (it {})",
                m.fails
            ));
        }
        let mut e = self.error(kind, reason);
        if let Some(code) = f.code {
            e = e.with_code(code);
        }
        if let Some(errno) = f.errno.filter(|e| *e > 0) {
            e = e.with_errno(errno);
        }
        e
    }

    fn diagnose(&self) -> Option<(ErrorKind, Cow<'static, str>)> {
        let h = self.handle?;
        let c = h.as_ptr();
        let needs = self.member.needs;
        if needs == Needs::Nothing {
            return None;
        }
        // SAFETY: c is the valid container of this call; the clone lock (if any) is still held.
        let defined = unsafe { ffi::lxcrs_v1_is_defined(c) };
        // SAFETY: as above.
        let running = unsafe { ffi::lxcrs_v1_is_running(c) };
        match needs {
            Needs::Running if !running => Some((
                ErrorKind::NotRunning,
                Cow::Borrowed("the container is not running"),
            )),
            _ if !defined && !running => {
                // SAFETY: as above; the returned string is owned by the container and copied at once.
                let path = unsafe { ffi::lxcrs_v1_get_config_path(c) };
                let path = if path.is_null() {
                    String::new()
                } else {
                    // SAFETY: non-null NUL-terminated string owned by the container.
                    unsafe { CStr::from_ptr(path) }
                        .to_string_lossy()
                        .into_owned()
                };
                Some((
                    ErrorKind::NotFound,
                    Cow::Owned(format!("the container is not defined in lxcpath {path:?}")),
                ))
            }
            Needs::Stopped if running => Some((
                ErrorKind::Running,
                Cow::Borrowed("the container is running; stop it first"),
            )),
            _ => None,
        }
    }
}

#[inline]
fn clear_errno() {
    // SAFETY: __errno_location returns this thread's errno slot.
    unsafe { *libc::__errno_location() = 0 }
}

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

fn strerror(e: i32) -> String {
    let s = std::io::Error::from_raw_os_error(e).to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// The kind a logged reason implies: liblxc starts many messages with `strerror(errno) - `, and
/// the API table knows what some others mean.
fn kind_of_logged(logged: &str) -> ErrorKind {
    if let Some((_, kind)) = crate::meta::LOGGED_KINDS
        .iter()
        .find(|(piece, _)| logged.contains(piece))
    {
        return *kind;
    }
    if logged.contains("already exists")
        || logged.ends_with(" exists")
        || logged.contains(" exists;")
    {
        return ErrorKind::AlreadyExists;
    }
    for e in [
        libc::EINVAL,
        libc::ENOENT,
        libc::EEXIST,
        libc::EPERM,
        libc::EACCES,
        libc::ETIMEDOUT,
        libc::ENOSYS,
        libc::ENAMETOOLONG,
    ] {
        if logged.starts_with(&format!("{} - ", strerror(e))) {
            return ErrorKind::from_errno(e);
        }
    }
    ErrorKind::Failed
}

/// Refuses, before calling, a member that liblxc would report as done on a container that does not
/// run (see `RUNNING_FIRST` in the API table).
#[cold]
fn precheck_running(h: &Handle, member: &'static Member) -> Result<()> {
    // SAFETY: h.as_ptr() is the live container of this handle.
    if unsafe { ffi::lxcrs_v1_is_running(h.as_ptr()) } {
        return Ok(());
    }
    Err(Error::new(
        ErrorKind::NotRunning,
        member.name,
        "the container is not running",
    )
    .with_container(h.name()))
}

/// Refuses, before calling, a member that liblxc would run with its default configuration because
/// the object holds none (see `LOADED_FIRST` in the API table).
#[cold]
fn precheck_loaded(
    h: &Handle,
    member: &'static Member,
    (kind, reason): (ErrorKind, &'static str),
) -> Result<()> {
    let c = h.as_ptr();
    // SAFETY: c is the live container of this handle; the glue only reads whether the
    // configuration pointer is set. A container that is not defined has none until it is set up,
    // which is normal.
    if unsafe { ffi::lxcrs_glue_has_config(c) } || !unsafe { ffi::lxcrs_v1_is_defined(c) } {
        return Ok(());
    }
    Err(Error::new(kind, member.name, reason).with_container(h.name()))
}

/// Refuses, before calling, a member that would crash liblxc on an undefined container or an object
/// without configuration (see `NEEDS_CONFIG` in the API table).
#[cold]
fn precheck_config(h: &Handle, member: &'static Member) -> Result<()> {
    let c = h.as_ptr();
    // SAFETY: c is the live container of this handle.
    let defined = unsafe { ffi::lxcrs_v1_is_defined(c) };
    let err = |kind, reason: &'static str| {
        Err(Error::new(kind, member.name, reason).with_container(h.name()))
    };
    if !defined {
        return err(ErrorKind::NotFound, "the container is not defined");
    }
    // SAFETY: as above; the glue only reads whether the configuration pointer is set.
    if !unsafe { ffi::lxcrs_glue_has_config(c) } {
        return err(
            ErrorKind::Failed,
            "this object holds no configuration (clear_config was called); call load_config first",
        );
    }
    Ok(())
}
