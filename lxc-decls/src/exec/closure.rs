//! The `lxc_attach_exec_t` that runs a closure of [`Container::attach_fn`] in the attached process.

use std::ffi::{c_int, c_void};

use super::command::BoxedFn;

#[cfg(doc)]
use super::Command;
#[cfg(doc)]
use crate::Container;

/// The `lxc_attach_exec_t` of a closure: runs the attached process's copy of it.
///
/// # Safety
///
/// `payload` is the address of the `Option<BoxedFn>` of the [`Command`] that attached, in the memory
/// the attached process copied from the caller; only the attached process calls this, once.
pub(super) unsafe extern "C" fn run_closure(payload: *mut c_void) -> c_int {
    // SAFETY: see the function's contract. The attached process owns its copy of the memory, and
    // liblxc `_exit`s with our return value, so nothing else in this process uses the slot again.
    let slot = unsafe { &mut *payload.cast::<Option<BoxedFn<'static>>>() };
    let Some(f) = slot.take() else {
        return 127;
    };
    // The default panic hook takes locks (output capture, backtrace) another thread of the caller may
    // have held when it forked; this one only write(2)s.
    std::panic::set_hook(Box::new(|info| {
        let mut msg: &[u8] = b"(non-string payload)";
        if let Some(s) = info.payload().downcast_ref::<&str>() {
            msg = s.as_bytes();
        } else if let Some(s) = info.payload().downcast_ref::<String>() {
            msg = s.as_bytes();
        }
        write_stderr(b"lxc-rs: the closure run in the container panicked: ");
        write_stderr(msg);
        if let Some(l) = info.location() {
            write_stderr(b" at ");
            write_stderr(l.file().as_bytes());
            write_stderr(b":");
            let mut digits = [0u8; 10];
            let mut n = l.line();
            let mut i = digits.len();
            loop {
                i -= 1;
                digits[i] = b'0' + (n % 10) as u8;
                n /= 10;
                if n == 0 {
                    break;
                }
            }
            write_stderr(&digits[i..]);
        }
        write_stderr(b"\n");
    }));
    // 101 is the exit status of a Rust program that panicked.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or(101)
}

fn write_stderr(b: &[u8]) {
    // SAFETY: writes `b` to fd 2; the result is ignored (nothing to do about a failed message).
    let _ = unsafe { libc::write(2, b.as_ptr().cast(), b.len()) };
}
