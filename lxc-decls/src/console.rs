//! The container's consoles: a tty as a pair of descriptors ([`Container::console_fd`]), the
//! interactive session of `lxc-console` ([`Container::console`]), and the console ring buffer
//! ([`Container::console_log`]).

use std::ffi::{c_char, c_int};
use std::os::fd::{AsFd, BorrowedFd, FromRawFd, OwnedFd};

use lxc_core::__private::err::{Neg, NegErrno};
use lxc_core::__private::{ffi, Policy};
use lxc_core::{ErrorKind, Result};
use lxc_macros::lxc_method;

use crate::Container;

/// One of the container's terminals, reserved for the caller by [`Container::console_fd`].
///
/// Read the container's output from [`ptx`](ConsoleFd::ptx) and write its input there. The terminal
/// stays reserved while [`keeper`](ConsoleFd::keeper) is open; dropping a `ConsoleFd` closes both
/// descriptors, which frees the terminal for the next caller.
#[derive(Debug)]
#[non_exhaustive]
pub struct ConsoleFd {
    /// The terminal's number: `1` for `tty1`, …, or `0` for the console (`/dev/console`).
    pub tty_num: u32,
    /// The connection to the container's monitor that keeps the terminal reserved; close it to
    /// release the terminal.
    pub keeper: OwnedFd,
    /// The controlling side of the terminal's pseudo-terminal pair: what the container writes to
    /// the terminal is read here, and what is written here is the terminal's input.
    pub ptx: OwnedFd,
}

impl AsFd for ConsoleFd {
    /// The [`ptx`](ConsoleFd::ptx) descriptor.
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.ptx.as_fd()
    }
}

/// A `malloc`'d buffer of liblxc (`console_log` data); freed on drop.
struct MallocBytes(*mut c_char);

impl Drop for MallocBytes {
    fn drop(&mut self) {
        // SAFETY: null, or memory liblxc malloc'd and handed to the caller, freed exactly once here.
        unsafe { libc::free(self.0.cast()) }
    }
}

impl Container {
    /// Reserves one of the container's terminals and returns its descriptors: terminal `tty_num`
    /// (`Some(0)`: the console, `Some(n)`: `tty<n>`), or the first free one with `None`. The number
    /// of terminals is `lxc.tty.max` (the busybox template sets 5, and runs a `getty` on `tty1`).
    ///
    /// Unlike the C API's users (`lxc-console`, go-lxc, python3-lxc), the terminal is released when
    /// the returned [`ConsoleFd`] is dropped: both descriptors are owned.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NotRunning`] when the container is not running; `Failed` when the terminal does
    /// not exist, is busy (reserved by another caller), or every terminal is busy;
    /// [`ErrorKind::InvalidArgument`] for a number above `i32::MAX`.
    #[lxc_method(console_getfd)]
    pub fn console_fd(&self, tty_num: Option<u32>) -> Result<ConsoleFd> {
        let mut tty: c_int = match tty_num.map(c_int::try_from) {
            None => -1,
            Some(Ok(n)) => n,
            Some(Err(_)) => {
                return Err(call.error(
                    ErrorKind::InvalidArgument,
                    format!("argument `tty_num`: {tty_num:?} is not a terminal number").into(),
                ))
            }
        };
        let mut ptx: c_int = -1;
        // SAFETY: the container pointer is live for the call (Call holds the handle and its lock);
        // `tty` and `ptx` are valid out-pointers for the duration of the call.
        let keeper = unsafe { (call.c())(call.ptr(), &mut tty, &mut ptx) };
        // SAFETY: a non-negative ptx was written by liblxc and is now ours, whatever the result.
        let ptx = (ptx >= 0).then(|| unsafe { OwnedFd::from_raw_fd(ptx) });
        if let Some(failure) = <Neg as Policy<c_int>>::check(&keeper) {
            return Err(call.fail(failure));
        }
        // SAFETY: on success liblxc returns the command socket, which the caller owns.
        let keeper = unsafe { OwnedFd::from_raw_fd(keeper) };
        match (ptx, u32::try_from(tty)) {
            (Some(ptx), Ok(tty_num)) => Ok(ConsoleFd {
                tty_num,
                keeper,
                ptx,
            }),
            _ => Err(call.error(
                ErrorKind::InvalidData,
                format!("liblxc reported success with terminal {tty} and no terminal descriptor")
                    .into(),
            )),
        }
    }

    /// Runs an interactive session on terminal `tty_num` (`None`: the first free one, `Some(0)`: the
    /// console), as `lxc-console` does: proxies `stdin` to the terminal and the terminal to `stdout`,
    /// until the user types the escape key followed by `q`. `escape` is the control key's number,
    /// `1` for Ctrl-a (what `lxc-console` uses), `2` for Ctrl-b, …; typing it twice sends it once.
    ///
    /// It **blocks** until the user detaches, and changes the calling process and thread: it calls
    /// `setsid()`, puts `stdin` into raw mode (restored on return) when it is a terminal, and blocks
    /// SIGWINCH and SIGTERM in the calling thread (read through a signalfd while it runs). Run it on a
    /// dedicated thread, with the process's own terminal:
    ///
    /// ```no_run
    /// # fn session(c: liblxc_decls::Container) -> lxc_core::Result<()> {
    /// use std::os::fd::AsFd;
    /// // `c` is a running Container; it moves to the session's thread.
    /// let session = std::thread::spawn(move || {
    ///     let (i, o, e) = (std::io::stdin(), std::io::stdout(), std::io::stderr());
    ///     c.console(None, i.as_fd(), o.as_fd(), e.as_fd(), 1) // detach with Ctrl-a q
    /// });
    /// session.join().expect("console thread")?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// For a programmatic session (no terminal, no signals), use [`Container::console_fd`].
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidArgument`] for a terminal number above `i32::MAX` or an escape key outside
    /// `1..=26` (Ctrl-a to Ctrl-z: liblxc would take any other as given, and the session could not
    /// be left), checked before anything changes; [`ErrorKind::NotRunning`] when the container
    /// does not run, and [`ErrorKind::Failed`] with liblxc's reason otherwise.
    #[lxc_method(console, pre = Self::console_keys)]
    pub fn console(
        &self,
        tty_num: Option<u32>,
        stdin: BorrowedFd<'_>,
        stdout: BorrowedFd<'_>,
        stderr: BorrowedFd<'_>,
        escape: i32,
    ) -> Result<()>;

    /// liblxc takes any escape key.
    fn console_keys(
        &self,
        _: Option<u32>,
        _: BorrowedFd<'_>,
        _: BorrowedFd<'_>,
        _: BorrowedFd<'_>,
        escape: i32,
    ) -> Result<()> {
        let why = if !(1..=26).contains(&escape) {
            format!("escape key {escape}: use 1 (Ctrl-a) to 26 (Ctrl-z)")
        } else {
            return Ok(());
        };
        Err(self.error_in(ErrorKind::InvalidArgument, "console", why))
    }

    /// Reads the container's console ring buffer: what the container wrote to its console
    /// (`/dev/console`) since the last read, up to the buffer's size, as raw bytes. The buffer
    /// keeps them; [`Container::take_console_log`] reads and empties it in one call.
    ///
    /// The buffer exists only when `lxc.console.buffer.size` (e.g. `4096`, or `auto`) was set
    /// before the container started; with `lxc.console.logfile` liblxc also writes it to a file.
    /// liblxc's buffer is a queue: a read consumes what it returns, so the next read gives only newer
    /// output.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NotRunning`] when the container is not running; [`ErrorKind::NotFound`] when it
    /// has no console ring buffer (liblxc returns `-EFAULT`); `console_log` errors (a negative errno)
    /// otherwise. An empty buffer (`-ENODATA`) is `Ok` with no bytes.
    pub fn console_log(&self) -> Result<Vec<u8>> {
        self.read_console_log(false)
    }

    /// Reads the container's console ring buffer, as [`Container::console_log`], and empties it
    /// in the same call.
    ///
    /// # Errors
    ///
    /// As [`Container::console_log`].
    #[doc(alias = "console_log")]
    pub fn take_console_log(&self) -> Result<Vec<u8>> {
        self.read_console_log(true)
    }

    /// liblxc's `console_log`: reads the ring buffer, and with `clear` empties it after the read.
    #[lxc_method(console_log)]
    fn read_console_log(&self, clear: bool) -> Result<Vec<u8>> {
        let read = true;
        // In: the most to read (0: everything). Out: how much was read.
        let mut read_max: u64 = 0;
        let mut data: *mut c_char = std::ptr::null_mut();
        // SAFETY: the container pointer is live for the call; `read_max` and `data` are valid
        // out-pointers; the glue builds the struct lxc_console_log on its stack.
        let r = unsafe {
            ffi::lxcrs_glue_console_log(call.ptr(), clear, read, &mut read_max, &mut data)
        };
        let data = MallocBytes(data);
        match r.saturating_neg() {
            0 => {}
            // Nothing in the buffer (liblxc sets read_max to 0 and data to NULL for these).
            libc::ENODATA | libc::ENOENT => return Ok(Vec::new()),
            libc::EFAULT => {
                return Err(call
                    .error(
                        ErrorKind::NotFound,
                        "the container has no console ring buffer: set lxc.console.buffer.size \
                         (e.g. to 4096) before it starts"
                            .into(),
                    )
                    .with_code(r.into())
                    .with_errno(libc::EFAULT))
            }
            _ => {
                if let Some(failure) = <NegErrno as Policy<c_int>>::check(&r) {
                    return Err(call.fail(failure));
                }
            }
        }
        if data.0.is_null() || read_max == 0 {
            return Ok(Vec::new());
        }
        let len = usize::try_from(read_max).map_err(|_| {
            call.error(
                ErrorKind::InvalidData,
                format!("liblxc reported {read_max} bytes").into(),
            )
        })?;
        // SAFETY: on success liblxc malloc'd `data` with exactly `*read_max` bytes (not
        // NUL-terminated); it is copied before `MallocBytes` frees it.
        Ok(unsafe { std::slice::from_raw_parts(data.0.cast::<u8>(), len) }.to_vec())
    }

    /// Empties the container's console ring buffer (what it held is dropped).
    ///
    /// # Errors
    ///
    /// As [`Container::console_log`].
    #[doc(alias = "console_log")]
    pub fn clear_console_log(&self) -> Result<()> {
        self.take_console_log().map(drop)
    }
}
