//! One call of a member: the guard, the lock, the error policy, the lifting of the result, and the
//! explanation of a failure.

use std::borrow::Cow;
use std::ffi::{c_char, c_int, OsStr};
use std::mem::MaybeUninit;
use std::sync::MutexGuard;
use std::time::{Duration, Instant};

use super::class::{Class, Lower, LowerError};
use super::err::Policy;
use super::ret::{FromBuf, Lift, LiftInfallible};
use crate::error::{Error, ErrorKind, Result};
use crate::ffi::LxcContainer;
use crate::version::Member;
use crate::Handle;

/// Types that carry a container [`Handle`]: `Container`, and any type of a user's that has
/// `#[lxc_method]` declarations of its own (see `liblxc::dsl`).
pub trait AsHandle {
    /// The handle the declarations call liblxc through.
    fn handle(&self) -> &Handle;
}

impl AsHandle for Handle {
    #[inline(always)]
    fn handle(&self) -> &Handle {
        self
    }
}

thread_local! {
    /// A deadline for this thread's next in-child call, set by [`bound_next_child`].
    static NEXT_CHILD_DEADLINE: std::cell::Cell<Option<Duration>> = const { std::cell::Cell::new(None) };
}

/// Bounds this thread's next call of an in-child member (see `Blocks::Killed` in the API table):
/// its child is killed after `d` instead of the row's default, until the returned value is
/// dropped. For a declaration's `pre` function that knows the caller's deadline (it returns the
/// value, which the declaration keeps until liblxc returned).
#[must_use]
pub fn bound_next_child(d: Duration) -> ChildBound {
    NEXT_CHILD_DEADLINE.set(Some(d));
    ChildBound(())
}

/// The bound [`bound_next_child`] set, forgotten when dropped.
pub struct ChildBound(());

impl Drop for ChildBound {
    fn drop(&mut self) {
        NEXT_CHILD_DEADLINE.set(None);
    }
}

/// One call in progress.
pub struct Call<'a> {
    pub(super) handle: Option<&'a Handle>,
    pub(super) member: &'static Member,
    pub(super) subject: Option<&'a OsStr>,
    pub(super) arg: Option<&'a OsStr>,
    /// When the call started (ns since the epoch), to pick liblxc's log lines of this call.
    pub(super) started_ns: i64,
    /// The log of the forked child of an `in_child` member (see `child.rs`).
    pub(super) child_log: std::cell::OnceCell<std::fs::File>,
    /// The timeout argument, for members that block up to it.
    pub(super) timeout: std::cell::Cell<Option<Duration>>,
    /// For `Effect::WrittenAtomically`: the in-memory file liblxc writes, and the target.
    pub(super) staged: std::cell::RefCell<Option<(std::fs::File, std::path::PathBuf)>>,
    /// A call that receives pidfds of the container's init, in flight (see `pidfds.rs`).
    pub(super) pidfd_ticket: Option<super::pidfds::Ticket>,
    /// Whether the child of an `in_child` member was killed at its deadline, and that deadline.
    pub(super) killed: std::cell::Cell<bool>,
    pub(super) killed_after: std::cell::Cell<Option<Duration>>,
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
    if let Some(t) = v.timeout() {
        call.timeout.set(Some(t));
    }
    match v.lower_in(call) {
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
        if member.config == lxc_api::Config::Makes {
            handle.blank_config_with_log();
        }
        let call = Call {
            handle: Some(handle),
            member,
            subject: None,
            arg: None,
            started_ns: crate::logcap::now_ns(),
            child_log: std::cell::OnceCell::new(),
            timeout: std::cell::Cell::new(None),
            killed: std::cell::Cell::new(false),
            pidfd_ticket: None,
            staged: std::cell::RefCell::new(None),
            killed_after: std::cell::Cell::new(None),
            _guard: guard,
        };
        // The contract's condition is checked under the clone lock, like the call itself.
        super::contract::before(handle, member)?;
        let mut call = call;
        if member.pidfd != lxc_api::Pidfd::None {
            call.pidfd_ticket = super::pidfds::ticket(handle, member);
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
            timeout: std::cell::Cell::new(None),
            killed: std::cell::Cell::new(false),
            pidfd_ticket: None,
            staged: std::cell::RefCell::new(None),
            killed_after: std::cell::Cell::new(None),
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
            timeout: std::cell::Cell::new(None),
            killed: std::cell::Cell::new(false),
            pidfd_ticket: None,
            staged: std::cell::RefCell::new(None),
            killed_after: std::cell::Cell::new(None),
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
        #[cfg(feature = "dlopen")]
        crate::dl::loaded(member.name)?;
        member.check()?;
        Ok(Call {
            handle: None,
            member,
            subject: None,
            arg: None,
            started_ns: 0,
            child_log: std::cell::OnceCell::new(),
            timeout: std::cell::Cell::new(None),
            killed: std::cell::Cell::new(false),
            pidfd_ticket: None,
            staged: std::cell::RefCell::new(None),
            killed_after: std::cell::Cell::new(None),
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
    pub unsafe fn run<P, K, C, T>(&self, f: impl FnMut() -> C) -> Result<T>
    where
        P: Policy<C>,
        T: Lift<'a, K, C>,
    {
        // SAFETY: the caller's contract.
        unsafe { self.run_with::<P, K, C, T, _>(f, |f| f()) }
    }

    /// [`Call::run`] for a member whose row runs it in a forked child (`in_child`): `f` runs
    /// there, and only its result comes back.
    ///
    /// # Errors
    ///
    /// As [`Call::run`]; a child killed at its deadline is explained as a timeout.
    ///
    /// # Safety
    ///
    /// As [`Call::run`].
    #[inline]
    pub unsafe fn run_forked<P, K, C, T>(&self, f: impl FnMut() -> C) -> Result<T>
    where
        P: Policy<C>,
        T: Lift<'a, K, C>,
        C: super::child::ChildValue,
    {
        // SAFETY: the caller's contract.
        unsafe {
            self.run_with::<P, K, C, T, _>(f, |f| {
                if self.member.in_child && self.member.in_header {
                    self.in_child(f)
                } else {
                    f()
                }
            })
        }
    }

    /// The call, its failure policy (asking again while a polling member's timeout has not
    /// passed), its effect check, and the lift.
    #[inline(always)]
    unsafe fn run_with<P, K, C, T, F: FnMut() -> C>(
        &self,
        mut f: F,
        mut invoke: impl FnMut(&mut F) -> C,
    ) -> Result<T>
    where
        P: Policy<C>,
        T: Lift<'a, K, C>,
    {
        let started = Instant::now();
        let raw = loop {
            if P::CLEARS_ERRNO {
                clear_errno();
            }
            let raw = invoke(&mut f);
            let Some(failure) = P::check(&raw) else {
                break raw;
            };
            let error = self.fail(failure);
            if !self.polls_again(&error, started) {
                return Err(error);
            }
        };
        super::contract::after(self)?;
        // SAFETY: raw is what the member returned and the policy accepted (the caller's contract).
        unsafe { T::lift(raw, self) }
    }

    /// Runs `f` (the member's trampoline) in a forked child that logs to a memfd of this call's
    /// and is killed at the row's deadline (see `Blocks::Killed`).
    #[cold]
    #[inline(never)]
    fn in_child<C: super::child::ChildValue>(&self, f: &mut impl FnMut() -> C) -> C {
        let log = crate::logcap::child_log();
        let fd = log.as_ref().map_or(-1, std::os::fd::AsRawFd::as_raw_fd);
        if let Some(log) = log {
            let _ = self.child_log.set(log);
        }
        let limit = self.handle.and_then(Handle::call_limit);
        let deadline = match (NEXT_CHILD_DEADLINE.take(), self.member.blocks) {
            (Some(d), _) => Some(d),
            (None, lxc_api::Blocks::Bounded(_, ms)) => {
                Some(limit.unwrap_or(Duration::from_millis(ms.into())))
            }
            (None, lxc_api::Blocks::Killed(ms)) => Some(Duration::from_millis(ms.into())),
            (None, _) => None,
        };
        let ran = super::child::run(f, fd, deadline);
        #[cfg(feature = "tracing")]
        if let Some(log) = self.child_log.get() {
            super::trace::child_log(log);
        }
        if ran.killed {
            self.killed.set(true);
            self.killed_after.set(deadline);
        }
        ran.value
    }

    /// Whether a member that polls (see `Blocks::Polls` in the API table) should ask liblxc
    /// again: its failure is its timeout and the caller's timeout has not passed yet.
    #[cold]
    fn polls_again(&self, error: &Error, started: Instant) -> bool {
        if self.member.blocks != lxc_api::Blocks::Polls || error.kind() != ErrorKind::Timeout {
            return false;
        }
        let Some(timeout) = self.timeout.get() else {
            return false;
        };
        let left = timeout.saturating_sub(started.elapsed());
        if left.is_zero() {
            return false;
        }
        // liblxc answered at once (nothing to ask yet): look again soon, never past the deadline.
        std::thread::sleep(left.min(Duration::from_millis(20)));
        true
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
        // A value that changes between two calls (a cgroup's statistics) is read again into a
        // buffer with room to grow, at most 8 times: any answer shorter than the buffer is whole.
        for attempt in 0..8u32 {
            let cap = len + 1 + (len >> 2) + (64 << attempt);
            let inlen = c_int::try_from(cap).map_err(|_| {
                self.error(
                    ErrorKind::InvalidData,
                    "the value is larger than liblxc can return".into(),
                )
            })?;
            let mut heap: Vec<u8> = Vec::with_capacity(cap);
            let got = f(heap.as_mut_ptr().cast(), inlen);
            if let Some(failure) = P::check(&got) {
                return Err(self.fail(failure));
            }
            let got = got as usize;
            if got < cap {
                // SAFETY: the value fit (inlen > its length, the condition under which every
                // getter copies it whole), so liblxc wrote its `got` bytes into the capacity.
                unsafe { heap.set_len(got) };
                return T::from_c_vec(heap, self);
            }
            // It grew past the room given; size again.
            len = got;
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
}

#[inline]
fn clear_errno() {
    // SAFETY: __errno_location returns this thread's errno slot.
    unsafe { *libc::__errno_location() = 0 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meta;
    use std::cell::Cell;

    /// A getter of the length protocol whose value grows by 10 bytes at every read (a cgroup's
    /// statistics while the container works), as liblxc answers: it copies what fits and returns
    /// the whole length.
    fn growing(start: usize) -> impl FnMut(*mut c_char, c_int) -> c_int {
        let len = Cell::new(start);
        move |buf, inlen| {
            let value = len.get();
            len.set(value + 10);
            let fit = value.min(usize::try_from(inlen).unwrap_or(0).saturating_sub(1));
            // SAFETY: the caller gave `inlen` writable bytes at `buf`.
            unsafe {
                std::ptr::write_bytes(buf.cast::<u8>(), b'x', fit);
                *buf.add(fit) = 0;
            }
            c_int::try_from(value).unwrap()
        }
    }

    #[test]
    fn a_value_that_changes_while_it_is_read_is_read_whole() {
        let call = Call::free_unguarded(&meta::get_config_item);
        for start in [300, 5_000, 100_000] {
            // SAFETY: `growing` keeps the length protocol.
            let got: String = unsafe { call.buf::<super::super::err::Neg, String>(growing(start)) }
                .expect("a changing value is read again until it fits");
            assert!(got.len() > start, "{} bytes", got.len());
            assert!(got.bytes().all(|b| b == b'x'));
        }
    }
}
