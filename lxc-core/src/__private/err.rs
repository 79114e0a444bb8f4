//! Error policies: one zero-sized type per `err =` kind, each saying which raw C values are failures
//! (the nix `ErrnoSentinel` way, instead of a copied `if` per member).

use std::ffi::c_int;

/// A failure seen in a raw return value.
pub struct Failure {
    pub code: Option<i64>,
    pub errno: Option<i32>,
}

/// Which values of a C return type `C` mean failure.
#[diagnostic::on_unimplemented(
    message = "error policy `{Self}` cannot judge a C return value of type `{C}`",
    note = "`False` fits `bool`; `Null` and `NullIsEmpty` fit pointers; `NegOne`, `Neg`, `NegErrno` and `NonZero` fit `int`; `Never` fits anything"
)]
pub trait Policy<C> {
    /// Whether errno must be cleared before the call so a failure can read it.
    const CLEARS_ERRNO: bool = false;
    fn check(raw: &C) -> Option<Failure>;
}

/// The member cannot fail.
pub struct Never;
/// `false` (or int `0`) is failure; there is no errno contract.
pub struct False;
/// NULL is failure; errno is read where liblxc set it.
pub struct Null;
/// NULL means "nothing", not failure.
pub struct NullIsEmpty;
/// Exactly -1 is failure.
pub struct NegOne;
/// Any negative value is failure; below -1 it is `-errno`.
pub struct Neg;
/// Any negative value is failure and is exactly `-errno`.
pub struct NegErrno;
/// Any non-zero value is failure, of either sign.
pub struct NonZero;

impl<C> Policy<C> for Never {
    #[inline(always)]
    fn check(_: &C) -> Option<Failure> {
        None
    }
}

impl Policy<bool> for False {
    #[inline(always)]
    fn check(raw: &bool) -> Option<Failure> {
        (!*raw).then_some(Failure {
            code: None,
            errno: None,
        })
    }
}

impl Policy<c_int> for False {
    #[inline(always)]
    fn check(raw: &c_int) -> Option<Failure> {
        (*raw == 0).then_some(Failure {
            code: Some(0),
            errno: None,
        })
    }
}

fn errno() -> Option<i32> {
    let e = std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
    (e > 0).then_some(e)
}

impl<T> Policy<*const T> for Null {
    const CLEARS_ERRNO: bool = true;
    #[inline(always)]
    fn check(raw: &*const T) -> Option<Failure> {
        raw.is_null().then(|| Failure {
            code: None,
            errno: errno(),
        })
    }
}

impl<T> Policy<*mut T> for Null {
    const CLEARS_ERRNO: bool = true;
    #[inline(always)]
    fn check(raw: &*mut T) -> Option<Failure> {
        raw.is_null().then(|| Failure {
            code: None,
            errno: errno(),
        })
    }
}

impl<T> Policy<*mut T> for NullIsEmpty {
    #[inline(always)]
    fn check(_: &*mut T) -> Option<Failure> {
        None
    }
}

impl Policy<c_int> for NegOne {
    #[inline(always)]
    fn check(raw: &c_int) -> Option<Failure> {
        (*raw == -1).then_some(Failure {
            code: Some(-1),
            errno: None,
        })
    }
}

#[inline(always)]
fn neg(raw: c_int) -> Failure {
    Failure {
        code: Some(raw.into()),
        errno: (raw < -1).then(|| raw.saturating_neg()),
    }
}

impl Policy<c_int> for Neg {
    #[inline(always)]
    fn check(raw: &c_int) -> Option<Failure> {
        (*raw < 0).then(|| neg(*raw))
    }
}

impl Policy<c_int> for NegErrno {
    #[inline(always)]
    fn check(raw: &c_int) -> Option<Failure> {
        (*raw < 0).then(|| Failure {
            code: Some((*raw).into()),
            errno: Some(raw.saturating_neg()),
        })
    }
}

impl Policy<c_int> for NonZero {
    #[inline(always)]
    fn check(raw: &c_int) -> Option<Failure> {
        (*raw != 0).then(|| neg(*raw))
    }
}
