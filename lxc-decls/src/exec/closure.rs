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

/// What [`run_program`] runs: everything in the caller's memory, which the attached process has
/// a copy of.
pub(super) struct Program {
    pub(super) program: *const std::ffi::c_char,
    /// NULL-terminated.
    pub(super) argv: *const *mut std::ffi::c_char,
    /// The write end of a close-on-exec pipe; the caller reads it after `attach` returned.
    pub(super) err_fd: c_int,
}

/// Written to `err_fd` after errno when `execvp` fails, so the caller can tell it from garbage.
pub(super) const EXEC_MAGIC: i32 = 0x4c58_4345; // "LXCE"

/// The `lxc_attach_exec_t` of a program, run by the attached process inside the container (after
/// fork: async-signal-safe calls only, nothing that allocates or panics):
///
/// - every descriptor above stderr is made close-on-exec, so the program sees 0, 1 and 2 only
///   (liblxc leaves the caller's inherited ones open);
/// - SIGPIPE goes back to its default and the signal mask is emptied, as `std::process` does
///   (Rust programs ignore SIGPIPE, and the disposition would survive exec);
/// - when `execvp` fails, errno and [`EXEC_MAGIC`] go to `err_fd` (the `std::process`
///   technique), so the caller reports "program not found" instead of an exit status 127.
///
/// # Safety
///
/// `payload` points to the attached process's copy of a live [`Program`] whose strings and argv
/// are live too; only the attached process calls this, once.
pub(super) unsafe extern "C" fn run_program(payload: *mut c_void) -> c_int {
    // SAFETY: see the function's contract.
    let p = unsafe { &*payload.cast::<Program>() };
    // SAFETY: plain system calls on this process's own descriptors and signal state.
    unsafe {
        if libc::syscall(
            libc::SYS_close_range,
            3u32,
            u32::MAX,
            libc::CLOSE_RANGE_CLOEXEC,
        ) < 0
        {
            let max = libc::sysconf(libc::_SC_OPEN_MAX);
            let max = if (0..=65536).contains(&max) {
                max
            } else {
                65536
            };
            for fd in 3..max as c_int {
                libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC);
            }
        }
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        let mut none = std::mem::MaybeUninit::<libc::sigset_t>::uninit();
        libc::sigemptyset(none.as_mut_ptr());
        libc::sigprocmask(libc::SIG_SETMASK, none.as_ptr(), std::ptr::null_mut());
        libc::execvp(p.program, p.argv.cast());
    }
    let errno = std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
    let msg = [errno, EXEC_MAGIC];
    // SAFETY: `msg` is 8 readable bytes on this stack.
    let bytes = unsafe { std::slice::from_raw_parts(msg.as_ptr().cast::<u8>(), 8) };
    let mut done = 0;
    while done < bytes.len() {
        // SAFETY: writes the rest of `bytes` to the caller's pipe.
        let n = unsafe { libc::write(p.err_fd, bytes[done..].as_ptr().cast(), bytes.len() - done) };
        if n > 0 {
            done += n as usize;
        } else if n == 0
            || std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted
        {
            break;
        }
    }
    if errno == libc::ENOENT {
        127
    } else {
        126
    }
}
