//! Argument classes: one marker type per `Class` of the API table, and the [`Lower`] trait that turns a
//! Rust argument into what the trampoline takes.

use std::ffi::{c_char, c_int, c_ulong, CString, OsStr};
use std::os::fd::{AsRawFd, BorrowedFd};
use std::ptr;
use std::time::Duration;

use crate::owned::{os_bytes, BdevSpecsC, SmallCStr};
use crate::BdevSpecs;

/// Why an argument could not be lowered; turned into an `InvalidArgument` error naming the argument.
pub enum LowerError {
    Nul(usize),
    Invalid(String),
    Other(crate::Error),
}

/// A C argument class.
pub trait Class {
    /// The C type the trampoline takes.
    type C;
}

/// A lowered argument, alive for the call, that gives the C value.
///
/// # Safety
///
/// A pointer returned by `as_c` must be null (where the class allows it) or valid, and NUL- or
/// NULL-terminated as the class says, for as long as the holder lives and is not mutated.
pub unsafe trait AsC<C: Class> {
    fn as_c(&self) -> C::C;
}

/// Turns a Rust argument into a value of class `C`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be passed to liblxc as this argument",
    label = "no lowering from `{Self}` for this argument of the liblxc member",
    note = "strings (`Str`, `OptStr`, `Name`) take `&str`, `&String`, `&Path`, `&OsStr` (and `Option<_>` of them where NULL is allowed); \
            arrays take `&[S]` or `&[S; N]` of those; `Timeout` and `Seconds` take `Duration` or `Option<Duration>`; `TtyNum` takes `Option<u32>`; \
            `Flags` takes the member's bitflags type; `Fd` takes `BorrowedFd`"
)]
pub trait Lower<C: Class> {
    type Holder: AsC<C>;
    /// Lowers the argument.
    ///
    /// # Errors
    ///
    /// A NUL byte in a string, or a value the class cannot represent.
    fn lower(self) -> std::result::Result<Self::Holder, LowerError>;

    /// Lowers the argument for `call`: a class that needs the call (its container) overrides it.
    ///
    /// # Errors
    ///
    /// As [`Lower::lower`].
    #[inline(always)]
    fn lower_in(self, call: &super::Call<'_>) -> std::result::Result<Self::Holder, LowerError>
    where
        Self: Sized,
    {
        let _ = call;
        self.lower()
    }

    /// The time the caller gave, when this argument is a timeout: the runtime keeps a member
    /// that polls (see `Blocks::Polls` in the API table) asking until it has passed.
    #[inline(always)]
    fn timeout(&self) -> Option<Duration> {
        None
    }
}

macro_rules! classes {
    ($($(#[$m:meta])* $name:ident => $c:ty;)*) => {$(
        $(#[$m])*
        pub struct $name;
        impl Class for $name {
            type C = $c;
        }
    )*};
}

classes! {
    /// `const char *`, required.
    Str => *const c_char;
    /// `const char *`, NULL allowed.
    OptStr => *const c_char;
    /// `char *` that liblxc only reads.
    MutStr => *mut c_char;
    /// A container name.
    Name => *const c_char;
    /// A container name or NULL.
    OptName => *const c_char;
    /// A snapshot name.
    SnapName => *const c_char;
    /// An lxcpath.
    LxcPath => *const c_char;
    /// An lxcpath or NULL.
    OptLxcPath => *const c_char;
    /// `char *const argv[]`.
    StrArray => *const *mut c_char;
    /// `char **`.
    StrArrayMut => *mut *mut c_char;
    /// `bool`.
    Bool => bool;
    /// `int` used as a boolean.
    IntBool => c_int;
    /// `int`.
    Int => c_int;
    /// `int` seconds; -1 = forever.
    Timeout => c_int;
    /// `int` seconds of `wait`, where liblxc 5.0 treats 0 as forever.
    WaitTimeout => c_int;
    /// `int` seconds later calls wait; -1 = no limit.
    Seconds => c_int;
    /// `int` terminal number; -1 = the first free one.
    TtyNum => c_int;
    /// `const char *` written into a configuration file: no newline.
    ConfigStr => *const c_char;
    /// `uint64_t`.
    U64 => u64;
    /// `unsigned long`.
    ULong => c_ulong;
    /// `int` bit flags.
    Flags => c_int;
    /// `int` file descriptor.
    Fd => c_int;
    /// `struct bdev_specs *`.
    BdevSpecsArg => *mut crate::ffi::BdevSpecsC;
    /// `const void *` that is a string or NULL.
    OptData => *const std::ffi::c_void;
    /// `save_config`'s file: an in-memory file liblxc writes, committed by the runtime.
    SaveTarget => *const c_char;
}

/// A string argument, stack-allocated when short.
pub struct CStrArg(SmallCStr);

// SAFETY: the pointer comes from storage owned by the holder, terminated as the class requires.
unsafe impl AsC<Str> for CStrArg {
    #[inline]
    fn as_c(&self) -> *const c_char {
        self.0.as_ptr()
    }
}
// SAFETY: the pointer comes from storage owned by the holder, terminated as the class requires.
unsafe impl AsC<Name> for CStrArg {
    #[inline]
    fn as_c(&self) -> *const c_char {
        self.0.as_ptr()
    }
}
// SAFETY: the pointer comes from storage owned by the holder, terminated as the class requires.
unsafe impl AsC<SnapName> for CStrArg {
    #[inline]
    fn as_c(&self) -> *const c_char {
        self.0.as_ptr()
    }
}
// SAFETY: the pointer comes from storage owned by the holder, terminated as the class requires.
unsafe impl AsC<MutStr> for CStrArg {
    #[inline]
    fn as_c(&self) -> *mut c_char {
        // liblxc declares these `char *` but only reads them (checkpoint/restore directory).
        self.0.as_ptr().cast_mut()
    }
}

/// A string with static storage (a state name), passed without copying.
pub struct StaticCStrArg(pub &'static std::ffi::CStr);

// SAFETY: the pointer comes from storage owned by the holder, terminated as the class requires.
unsafe impl AsC<Str> for StaticCStrArg {
    #[inline]
    fn as_c(&self) -> *const c_char {
        self.0.as_ptr()
    }
}

/// An optional string argument.
pub struct OptCStrArg(Option<SmallCStr>);

// SAFETY: the pointer comes from storage owned by the holder, terminated as the class requires.
unsafe impl AsC<OptStr> for OptCStrArg {
    #[inline]
    fn as_c(&self) -> *const c_char {
        self.0.as_ref().map_or(ptr::null(), SmallCStr::as_ptr)
    }
}
// SAFETY: the pointer comes from storage owned by the holder, terminated as the class requires.
unsafe impl AsC<OptName> for OptCStrArg {
    #[inline]
    fn as_c(&self) -> *const c_char {
        self.0.as_ref().map_or(ptr::null(), SmallCStr::as_ptr)
    }
}

#[inline]
fn small(s: &OsStr) -> std::result::Result<SmallCStr, LowerError> {
    SmallCStr::new(os_bytes(s)).map_err(LowerError::Nul)
}

/// Checks a container name: liblxc joins it to the lxcpath, so it must stay one path component.
pub fn check_name(b: &[u8]) -> std::result::Result<(), LowerError> {
    let why = if b.is_empty() {
        "a container name cannot be empty"
    } else if b == b"." || b == b".." {
        "a container name cannot be `.` or `..`"
    } else if b.contains(&b'/') {
        "a container name cannot contain `/` (it would leave the lxcpath)"
    } else if b[0] == b'-' {
        "a container name cannot start with `-`"
    } else if b.iter().any(|c| c.is_ascii_control()) {
        "a container name cannot contain a line break or another control character (it is written into configuration files)"
    } else if b.len() > 255 {
        "a container name cannot be longer than 255 bytes"
    } else {
        return Ok(());
    };
    Err(LowerError::Invalid(why.into()))
}

/// Checks a snapshot name: liblxc joins it to `<lxcpath>/<name>/snaps`, and `snapshot_destroy` of
/// `..` would go on to destroy a container directory. Unlike a container name it may start with `-`.
fn check_snapname(b: &[u8]) -> std::result::Result<(), LowerError> {
    let why = if b.is_empty() {
        "a snapshot name cannot be empty"
    } else if b == b"." || b == b".." {
        "a snapshot name cannot be `.` or `..`"
    } else if b.contains(&b'/') {
        "a snapshot name cannot contain `/` (it would leave the snapshot directory)"
    } else if b.iter().any(|c| c.is_ascii_control()) {
        "a snapshot name cannot contain a control character"
    } else if b.len() > 255 {
        "a snapshot name cannot be longer than 255 bytes"
    } else {
        return Ok(());
    };
    Err(LowerError::Invalid(why.into()))
}

/// Checks an lxcpath: liblxc turns an empty one into `/` and cannot use one longer than PATH_MAX.
fn check_lxcpath(b: &[u8]) -> std::result::Result<(), LowerError> {
    if b.is_empty() {
        return Err(LowerError::Invalid(
            "an lxcpath cannot be empty (liblxc would use `/`)".into(),
        ));
    }
    if b.len() >= libc::PATH_MAX as usize {
        return Err(LowerError::Invalid(format!(
            "an lxcpath of {} bytes is longer than PATH_MAX ({})",
            b.len(),
            libc::PATH_MAX
        )));
    }
    Ok(())
}

// SAFETY: the pointer comes from storage owned by the holder, terminated as the class requires.
unsafe impl AsC<LxcPath> for CStrArg {
    #[inline]
    fn as_c(&self) -> *const c_char {
        self.0.as_ptr()
    }
}

// SAFETY: the pointer comes from storage owned by the holder, terminated as the class requires.
unsafe impl AsC<OptLxcPath> for OptCStrArg {
    #[inline]
    fn as_c(&self) -> *const c_char {
        self.0.as_ref().map_or(ptr::null(), SmallCStr::as_ptr)
    }
}

impl<T: AsRef<OsStr> + ?Sized> Lower<LxcPath> for &T {
    type Holder = CStrArg;
    fn lower(self) -> std::result::Result<CStrArg, LowerError> {
        let s = small(self.as_ref())?;
        check_lxcpath(s.as_bytes())?;
        Ok(CStrArg(s))
    }
}

impl<T: AsRef<OsStr> + ?Sized> Lower<OptLxcPath> for Option<&T> {
    type Holder = OptCStrArg;
    fn lower(self) -> std::result::Result<OptCStrArg, LowerError> {
        let s = self.map(|s| small(s.as_ref())).transpose()?;
        if let Some(s) = &s {
            check_lxcpath(s.as_bytes())?;
        }
        Ok(OptCStrArg(s))
    }
}

impl<T: AsRef<OsStr> + ?Sized> Lower<Str> for &T {
    type Holder = CStrArg;
    #[inline]
    fn lower(self) -> std::result::Result<CStrArg, LowerError> {
        small(self.as_ref()).map(CStrArg)
    }
}
// SAFETY: the pointer comes from storage owned by the holder, terminated as the class requires.
unsafe impl AsC<ConfigStr> for CStrArg {
    #[inline]
    fn as_c(&self) -> *const c_char {
        self.0.as_ptr()
    }
}

impl<T: AsRef<OsStr> + ?Sized> Lower<ConfigStr> for &T {
    type Holder = CStrArg;
    #[inline]
    fn lower(self) -> std::result::Result<CStrArg, LowerError> {
        let s = small(self.as_ref())?;
        if let Some(pos) = s.as_bytes().iter().position(|&b| b == b'\n' || b == b'\r') {
            return Err(LowerError::Invalid(format!(
                "contains a line break at position {pos}; a configuration value is one line (a line break would add other keys to the saved file)"
            )));
        }
        Ok(CStrArg(s))
    }
}

impl<T: AsRef<OsStr> + ?Sized> Lower<MutStr> for &T {
    type Holder = CStrArg;
    #[inline]
    fn lower(self) -> std::result::Result<CStrArg, LowerError> {
        small(self.as_ref()).map(CStrArg)
    }
}
impl<T: AsRef<OsStr> + ?Sized> Lower<Name> for &T {
    type Holder = CStrArg;
    #[inline]
    fn lower(self) -> std::result::Result<CStrArg, LowerError> {
        let s = small(self.as_ref())?;
        check_name(s.as_bytes())?;
        Ok(CStrArg(s))
    }
}
impl<T: AsRef<OsStr> + ?Sized> Lower<SnapName> for &T {
    type Holder = CStrArg;
    #[inline]
    fn lower(self) -> std::result::Result<CStrArg, LowerError> {
        let s = small(self.as_ref())?;
        check_snapname(s.as_bytes())?;
        Ok(CStrArg(s))
    }
}
// SAFETY: the pointer comes from storage owned by the holder, NUL-terminated, or NULL.
unsafe impl AsC<OptData> for OptCStrArg {
    #[inline]
    fn as_c(&self) -> *const std::ffi::c_void {
        self.0
            .as_ref()
            .map_or(ptr::null(), SmallCStr::as_ptr)
            .cast()
    }
}

impl<T: AsRef<OsStr> + ?Sized> Lower<OptData> for Option<&T> {
    type Holder = OptCStrArg;
    #[inline]
    fn lower(self) -> std::result::Result<OptCStrArg, LowerError> {
        self.map(|s| small(s.as_ref())).transpose().map(OptCStrArg)
    }
}

/// The in-memory file liblxc writes for a [`SaveTarget`]: its `/proc/self/fd` path.
pub struct SaveTargetArg(std::ffi::CString);

// SAFETY: the pointer comes from storage owned by the holder, NUL-terminated.
unsafe impl AsC<SaveTarget> for SaveTargetArg {
    #[inline]
    fn as_c(&self) -> *const c_char {
        self.0.as_ptr()
    }
}

impl<T: AsRef<OsStr> + ?Sized> Lower<SaveTarget> for Option<&T> {
    type Holder = SaveTargetArg;
    fn lower(self) -> std::result::Result<SaveTargetArg, LowerError> {
        Err(LowerError::Invalid(
            "a save target is lowered for its call".into(),
        ))
    }

    fn lower_in(self, call: &super::Call<'_>) -> std::result::Result<SaveTargetArg, LowerError> {
        let target = match self {
            Some(p) => {
                small(p.as_ref())?;
                std::path::PathBuf::from(p.as_ref())
            }
            None => call.config_file().ok_or_else(|| {
                LowerError::Invalid("the container has no configuration file name".into())
            })?,
        };
        if target.as_os_str().is_empty() {
            return Err(LowerError::Invalid("the file name is empty".into()));
        }
        if target.is_dir() {
            return Err(LowerError::Invalid(format!(
                "{} is a directory, not a configuration file",
                target.display()
            )));
        }
        let path = call
            .stage_write(target)
            .map_err(|e| LowerError::Invalid(format!("cannot make an in-memory file: {e}")))?;
        Ok(SaveTargetArg(path))
    }
}

impl<T: AsRef<OsStr> + ?Sized> Lower<OptStr> for &T {
    type Holder = OptCStrArg;
    #[inline]
    fn lower(self) -> std::result::Result<OptCStrArg, LowerError> {
        small(self.as_ref()).map(|s| OptCStrArg(Some(s)))
    }
}
impl<T: AsRef<OsStr> + ?Sized> Lower<OptStr> for Option<&T> {
    type Holder = OptCStrArg;
    #[inline]
    fn lower(self) -> std::result::Result<OptCStrArg, LowerError> {
        self.map(|s| small(s.as_ref())).transpose().map(OptCStrArg)
    }
}
impl<T: AsRef<OsStr> + ?Sized> Lower<OptName> for Option<&T> {
    type Holder = OptCStrArg;
    fn lower(self) -> std::result::Result<OptCStrArg, LowerError> {
        let s = self.map(|s| small(s.as_ref())).transpose()?;
        if let Some(s) = &s {
            check_name(s.as_bytes())?;
        }
        Ok(OptCStrArg(s))
    }
}
impl<T: AsRef<OsStr> + ?Sized> Lower<OptName> for &T {
    type Holder = OptCStrArg;
    fn lower(self) -> std::result::Result<OptCStrArg, LowerError> {
        Lower::<OptName>::lower(Some(self))
    }
}

/// A NULL-terminated array of strings; NULL when empty or absent.
pub struct StrArrayArg {
    _strings: Vec<CString>,
    ptrs: Vec<*mut c_char>,
}

impl StrArrayArg {
    fn new<S: AsRef<OsStr>>(items: &[S]) -> std::result::Result<StrArrayArg, LowerError> {
        if items.is_empty() {
            return Ok(StrArrayArg {
                _strings: Vec::new(),
                ptrs: Vec::new(),
            });
        }
        let strings = items
            .iter()
            .map(|s| {
                CString::new(os_bytes(s.as_ref())).map_err(|e| LowerError::Nul(e.nul_position()))
            })
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let mut ptrs: Vec<*mut c_char> = strings.iter().map(|s| s.as_ptr().cast_mut()).collect();
        ptrs.push(ptr::null_mut());
        Ok(StrArrayArg {
            _strings: strings,
            ptrs,
        })
    }

    fn ptr(&self) -> *const *mut c_char {
        if self.ptrs.is_empty() {
            ptr::null()
        } else {
            self.ptrs.as_ptr()
        }
    }
}

// SAFETY: the pointer comes from storage owned by the holder, terminated as the class requires.
unsafe impl AsC<StrArray> for StrArrayArg {
    fn as_c(&self) -> *const *mut c_char {
        self.ptr()
    }
}
// SAFETY: the pointer comes from storage owned by the holder, terminated as the class requires.
unsafe impl AsC<StrArrayMut> for StrArrayArg {
    fn as_c(&self) -> *mut *mut c_char {
        // liblxc declares `char **` but does not write through it (clone's hookargs).
        self.ptr().cast_mut()
    }
}

macro_rules! str_arrays {
    ($($class:ty),*) => {$(
        impl<S: AsRef<OsStr>> Lower<$class> for &[S] {
            type Holder = StrArrayArg;
            fn lower(self) -> std::result::Result<StrArrayArg, LowerError> {
                StrArrayArg::new(self)
            }
        }
        impl<S: AsRef<OsStr>, const N: usize> Lower<$class> for &[S; N] {
            type Holder = StrArrayArg;
            fn lower(self) -> std::result::Result<StrArrayArg, LowerError> {
                StrArrayArg::new(self)
            }
        }
        impl<S: AsRef<OsStr>> Lower<$class> for &Vec<S> {
            type Holder = StrArrayArg;
            fn lower(self) -> std::result::Result<StrArrayArg, LowerError> {
                StrArrayArg::new(self)
            }
        }
        impl<S: AsRef<OsStr>> Lower<$class> for Option<&[S]> {
            type Holder = StrArrayArg;
            fn lower(self) -> std::result::Result<StrArrayArg, LowerError> {
                StrArrayArg::new(self.unwrap_or(&[]))
            }
        }
    )*};
}
str_arrays!(StrArray, StrArrayMut);

/// A plain value passed through.
pub struct Plain<T>(T);

macro_rules! plain {
    ($($class:ty: $rust:ty => $c:ty, |$v:ident| $conv:expr;)*) => {$(
        impl Lower<$class> for $rust {
            type Holder = Plain<$c>;
            #[inline]
            fn lower(self) -> std::result::Result<Plain<$c>, LowerError> {
                let $v = self;
                Ok(Plain($conv))
            }
        }
    )*};
}

plain! {
    Bool: bool => bool, |v| v;
    IntBool: bool => c_int, |v| c_int::from(v);
    Int: i32 => c_int, |v| v;
    U64: u64 => u64, |v| v;
    ULong: u64 => c_ulong, |v| v as c_ulong;
}

// SAFETY: `Plain` is only built (its field is private) by the lowerings above, from integers and
// bools, never from pointers.
unsafe impl<C: Class<C = T>, T: Copy> AsC<C> for Plain<T> {
    #[inline]
    fn as_c(&self) -> T {
        self.0
    }
}

fn timeout_secs(d: Duration) -> std::result::Result<c_int, LowerError> {
    // Round up: a 500 ms timeout must not become "do not wait".
    let secs = d.as_secs().checked_add(u64::from(d.subsec_nanos() > 0));
    secs.and_then(|s| c_int::try_from(s).ok()).ok_or_else(|| {
        LowerError::Invalid(format!(
            "a timeout of {d:?} is longer than liblxc accepts ({} s)",
            c_int::MAX
        ))
    })
}

impl Lower<WaitTimeout> for Duration {
    type Holder = Plain<c_int>;
    fn timeout(&self) -> Option<Duration> {
        Some(*self)
    }
    fn lower(self) -> std::result::Result<Plain<c_int>, LowerError> {
        if self.is_zero() {
            // liblxc 5.0 turns a zero wait timeout into "no socket timeout": it would wait forever.
            return Err(LowerError::Invalid(
                "a zero timeout makes liblxc wait without limit; use a positive timeout, or `state()` to look without waiting".into(),
            ));
        }
        timeout_secs(self).map(Plain)
    }
}

impl Lower<Timeout> for Duration {
    type Holder = Plain<c_int>;
    fn timeout(&self) -> Option<Duration> {
        Some(*self)
    }
    fn lower(self) -> std::result::Result<Plain<c_int>, LowerError> {
        timeout_secs(self).map(Plain)
    }
}
impl Lower<Timeout> for Option<Duration> {
    type Holder = Plain<c_int>;
    fn lower(self) -> std::result::Result<Plain<c_int>, LowerError> {
        self.map_or(Ok(-1), timeout_secs).map(Plain)
    }
}

impl Lower<Seconds> for Option<Duration> {
    type Holder = Plain<c_int>;
    fn lower(self) -> std::result::Result<Plain<c_int>, LowerError> {
        self.map_or(Ok(-1), timeout_secs).map(Plain)
    }
}
impl Lower<Seconds> for Duration {
    type Holder = Plain<c_int>;
    fn lower(self) -> std::result::Result<Plain<c_int>, LowerError> {
        timeout_secs(self).map(Plain)
    }
}

/// `None`: the first free terminal; `Some(0)`: the console; `Some(n)`: tty `n`.
impl Lower<TtyNum> for Option<u32> {
    type Holder = Plain<c_int>;
    fn lower(self) -> std::result::Result<Plain<c_int>, LowerError> {
        match self {
            None => Ok(Plain(-1)),
            Some(n) => c_int::try_from(n).map(Plain).map_err(|_| {
                LowerError::Invalid(format!("terminal number {n} is larger than liblxc accepts"))
            }),
        }
    }
}

impl Lower<Fd> for BorrowedFd<'_> {
    type Holder = Plain<c_int>;
    fn lower(self) -> std::result::Result<Plain<c_int>, LowerError> {
        Ok(Plain(self.as_raw_fd()))
    }
}

/// Bit-flag types that can be passed as an `int flags` argument.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an lxc flags type",
    note = "flags arguments take the member's own bitflags type, such as `CreateFlags` or `CloneFlags`"
)]
pub trait FlagsArg {
    fn to_c_int(&self) -> c_int;
}

impl<F: FlagsArg> Lower<Flags> for F {
    type Holder = Plain<c_int>;
    #[inline]
    fn lower(self) -> std::result::Result<Plain<c_int>, LowerError> {
        Ok(Plain(self.to_c_int()))
    }
}

/// Bit-flag types that can be passed as an `unsigned long flags` argument (`mount`, `umount`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an lxc mount flags type",
    note = "mount flags arguments take `MountFlags` or `UnmountFlags`"
)]
pub trait ULongFlagsArg {
    fn to_c_ulong(&self) -> c_ulong;
}

impl<F: ULongFlagsArg> Lower<ULong> for F {
    type Holder = Plain<c_ulong>;
    #[inline]
    fn lower(self) -> std::result::Result<Plain<c_ulong>, LowerError> {
        Ok(Plain(self.to_c_ulong()))
    }
}

/// `struct bdev_specs` built in glue.c, or NULL.
pub struct BdevSpecsHolder(Option<BdevSpecsC>);

// SAFETY: the pointer comes from storage owned by the holder, terminated as the class requires.
unsafe impl AsC<BdevSpecsArg> for BdevSpecsHolder {
    fn as_c(&self) -> *mut crate::ffi::BdevSpecsC {
        self.0.as_ref().map_or(ptr::null_mut(), BdevSpecsC::as_ptr)
    }
}

impl Lower<BdevSpecsArg> for Option<&BdevSpecs> {
    type Holder = BdevSpecsHolder;
    fn lower(self) -> std::result::Result<BdevSpecsHolder, LowerError> {
        self.map(BdevSpecsC::new)
            .transpose()
            .map(BdevSpecsHolder)
            .map_err(LowerError::Other)
    }
}
impl Lower<BdevSpecsArg> for &BdevSpecs {
    type Holder = BdevSpecsHolder;
    fn lower(self) -> std::result::Result<BdevSpecsHolder, LowerError> {
        Lower::<BdevSpecsArg>::lower(Some(self))
    }
}
