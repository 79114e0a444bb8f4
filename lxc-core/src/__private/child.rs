//! Members run in a forked child (`in_child` in the API table): only their result comes back.
//!
//! liblxc copies a rootfs in a child it makes with the raw `clone()` syscall, which skips glibc's
//! fork handlers, and that child calls `fopen()`: when another thread of the caller held glibc's
//! stdio list lock at that instant, it waits for ever, and so does the caller. `fork()` runs the
//! handlers (glibc resets its stdio and malloc locks, liblxc takes its own process lock around
//! it), and the forked child has one thread, so liblxc's own `clone()` from there is safe.
//! `create` and `snapshot_restore` also free the object's configuration midway while liblxc's
//! thread-local pointer still names it; in the child, liblxc logs to a process-wide file (the
//! call's memfd) instead, with the child's stderr (a template's messages).
//!
//! The child sends the member's result through a pipe and `_exit`s; the parent waits for it,
//! killing it at the deadline the row (or the declaration's `pre` function) sets.

use std::ffi::{c_char, c_int, CStr};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::Duration;

use crate::ffi::{self, LxcContainer};

/// The most a result takes on the pipe: a container's name and lxcpath for `clone`.
const MAX: usize = 2 * 4096 + 16;

/// A C value that crosses the pipe from the child.
pub trait ChildValue: Sized {
    /// What the call gives when the child could not run or was killed.
    const FAILED: Self;

    /// Writes the value into `out`; returns how many bytes. Runs in the child: no allocation.
    fn encode(&self, out: &mut [u8; MAX]) -> usize;

    /// The value from the bytes the child wrote.
    fn decode(bytes: &[u8]) -> Self;

    /// Whether the value says the call succeeded. Runs in the child.
    fn succeeded(&self) -> bool;
}

impl ChildValue for bool {
    const FAILED: bool = false;

    fn encode(&self, out: &mut [u8; MAX]) -> usize {
        out[0] = u8::from(*self);
        1
    }

    fn decode(bytes: &[u8]) -> bool {
        bytes == [1]
    }

    fn succeeded(&self) -> bool {
        *self
    }
}

impl ChildValue for c_int {
    const FAILED: c_int = -1;

    fn encode(&self, out: &mut [u8; MAX]) -> usize {
        out[..4].copy_from_slice(&self.to_ne_bytes());
        4
    }

    fn decode(bytes: &[u8]) -> c_int {
        <[u8; 4]>::try_from(bytes).map_or(-1, c_int::from_ne_bytes)
    }

    fn succeeded(&self) -> bool {
        *self >= 0
    }
}

/// `clone`'s new container: the child sends its name and lxcpath, and the parent opens it as
/// `clone` would have returned it.
impl ChildValue for *mut LxcContainer {
    const FAILED: *mut LxcContainer = std::ptr::null_mut();

    fn encode(&self, out: &mut [u8; MAX]) -> usize {
        if self.is_null() {
            return 0;
        }
        // SAFETY: a live container liblxc just made in this (child) process; both strings are
        // its own, NUL-terminated, and copied at once.
        let (name, path) = unsafe {
            (
                ffi::lxcrs_glue_name(*self),
                ffi::lxcrs_v1_get_config_path(*self),
            )
        };
        let mut at = 0;
        for s in [name, path] {
            if s.is_null() {
                return 0;
            }
            // SAFETY: non-null NUL-terminated string (see above).
            let b = unsafe { CStr::from_ptr(s) }.to_bytes_with_nul();
            if at + b.len() > out.len() {
                return 0;
            }
            out[at..at + b.len()].copy_from_slice(b);
            at += b.len();
        }
        at
    }

    fn decode(bytes: &[u8]) -> *mut LxcContainer {
        let mut parts = bytes.split_inclusive(|b| *b == 0);
        let (Some(name), Some(path)) = (parts.next(), parts.next()) else {
            return std::ptr::null_mut();
        };
        let (Ok(name), Ok(path)) = (
            CStr::from_bytes_with_nul(name),
            CStr::from_bytes_with_nul(path),
        ) else {
            return std::ptr::null_mut();
        };
        // SAFETY: two NUL-terminated strings that outlive the call; the result is a new reference
        // the caller owns, or NULL.
        unsafe { ffi::lxcrs_v1_lxc_container_new(name.as_ptr(), path.as_ptr()) }
    }

    fn succeeded(&self) -> bool {
        !self.is_null()
    }
}

/// How one run in a child ended.
pub(super) struct Ran<C> {
    pub(super) value: C,
    /// The child was killed at the deadline.
    pub(super) killed: bool,
}

/// Runs `f` in a forked child, which logs to `log` (a descriptor number, -1 for none) and is
/// killed after `deadline`.
pub(super) fn run<C: ChildValue>(
    f: &mut impl FnMut() -> C,
    log: c_int,
    deadline: Option<Duration>,
) -> Ran<C> {
    let failed = Ran {
        value: C::FAILED,
        killed: false,
    };
    let mut fds = [0; 2];
    // SAFETY: fds has room for the two descriptors pipe2 returns.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } < 0 {
        return failed;
    }
    // SAFETY: both are new descriptors this call owns.
    let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    // SAFETY: fork; the child only runs `in_child`, which never returns.
    match unsafe { libc::fork() } {
        -1 => failed,
        0 => in_child(f, log, write.as_raw_fd()),
        pid => {
            drop(write);
            parent(pid, read, deadline).unwrap_or(failed)
        }
    }
}

/// The child: log set-up, the call, the result to the pipe, `_exit`. Nothing here unwinds into
/// the caller's code: a panic ends the child.
fn in_child<C: ChildValue>(f: &mut impl FnMut() -> C, log: c_int, out: c_int) -> ! {
    struct ExitOnUnwind;
    impl Drop for ExitOnUnwind {
        fn drop(&mut self) {
            // SAFETY: ends the forked child at once.
            unsafe { libc::_exit(101) }
        }
    }
    let _guard = ExitOnUnwind;
    // What liblxc starts and leaves (a start's monitor once its first child exits, a template's
    // children) stays below this child, so that a deadline can end all of it (`kill_tree`).
    // SAFETY: a prctl on this (child) process only.
    unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) };
    if log >= 0 {
        log_to(log);
    }
    let value = f();
    if !value.succeeded() {
        // A failed call returns when liblxc has finished cleaning up after it: a start that
        // failed returns while its monitor still runs the post-stop hooks and, for an ephemeral
        // container, destroys it; the caller must not race that cleanup (nor find the monitor).
        reap_all();
    }
    // The length first: the parent stops reading once it has the value, without waiting for the
    // pipe's end (a monitor that keeps inherited descriptors, as with `LISTEN_FDS`, holds it).
    let mut buf = [0u8; 4 + MAX];
    let (head, body) = buf.split_at_mut(4);
    let body: &mut [u8; MAX] = body.try_into().unwrap_or_else(|_| unreachable!());
    let len = value.encode(body);
    head.copy_from_slice(&(len as u32).to_ne_bytes());
    let n = 4 + len;
    let mut done = 0;
    while done < n {
        // SAFETY: writes the rest of `buf[..n]` to the pipe.
        let w = unsafe { libc::write(out, buf[done..n].as_ptr().cast(), n - done) };
        if w > 0 {
            done += w as usize;
        } else if w == 0
            || std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted
        {
            break;
        }
    }
    // SAFETY: ends the forked child without running the caller's exit handlers.
    unsafe { libc::_exit(0) }
}

/// In the child (a subreaper): waits until every process below it has ended.
fn reap_all() {
    loop {
        // SAFETY: reaps any child of this process (or one it inherited as a subreaper).
        let r = unsafe { libc::waitpid(-1, std::ptr::null_mut(), libc::__WALL) };
        if r < 0 && std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
            return;
        }
    }
}

/// In the child: liblxc's process-wide log, and stderr, go to the memfd `fd` (appending, like
/// liblxc's own descriptor, so neither overwrites the other).
fn log_to(fd: c_int) {
    let mut path = [0u8; 64];
    let prefix = b"/proc/self/fd/";
    path[..prefix.len()].copy_from_slice(prefix);
    let mut at = prefix.len();
    let mut digits = [0u8; 12];
    let mut n = digits.len();
    let mut v = fd.unsigned_abs();
    loop {
        n -= 1;
        digits[n] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    path[at..at + digits.len() - n].copy_from_slice(&digits[n..]);
    at += digits.len() - n;
    path[at] = 0;
    let path: *const c_char = path.as_ptr().cast();
    // SAFETY: NUL-terminated strings that outlive the calls; liblxc copies what it keeps.
    unsafe {
        let level = c"ERROR".as_ptr();
        let null = std::ptr::null();
        if ffi::lxcrs_glue_log_init(null, null, path, level, null, true) == 0 {
            let e = libc::open(path, libc::O_WRONLY | libc::O_APPEND | libc::O_CLOEXEC);
            if e >= 0 {
                libc::dup2(e, libc::STDERR_FILENO);
                libc::close(e);
            }
        }
    }
}

/// The parent: the child's result, read before the deadline; the child is reaped either way.
/// `None` when the child ended without a result.
fn parent<C: ChildValue>(
    pid: libc::pid_t,
    read: OwnedFd,
    deadline: Option<Duration>,
) -> Option<Ran<C>> {
    let end = deadline.and_then(|d| std::time::Instant::now().checked_add(d));
    let mut buf = vec![0u8; 4 + MAX];
    let mut got = 0;
    // The value's length, once its 4 bytes are in.
    let wanted = |got: usize, buf: &[u8]| {
        (got >= 4).then(|| 4 + u32::from_ne_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize)
    };
    while wanted(got, &buf).is_none_or(|n| got < n.min(buf.len())) {
        if let Some(end) = end {
            let left = end.saturating_duration_since(std::time::Instant::now());
            let ms = c_int::try_from(left.as_millis()).unwrap_or(c_int::MAX);
            let mut p = libc::pollfd {
                fd: read.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: one pollfd on a descriptor this call owns.
            let n = unsafe { libc::poll(&mut p, 1, ms) };
            if n == 0 {
                kill_tree(pid);
                // SAFETY: the child this call forked, killed.
                unsafe { reap(pid) };
                return Some(Ran {
                    value: C::FAILED,
                    killed: true,
                });
            }
            if n < 0 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
        }
        // SAFETY: reads into the rest of `buf`.
        let n = unsafe {
            libc::read(
                read.as_raw_fd(),
                buf[got..].as_mut_ptr().cast(),
                buf.len() - got,
            )
        };
        if n > 0 {
            got += n as usize;
        } else if n == 0
            || std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted
        {
            break;
        }
    }
    drop(read);
    // SAFETY: the child this call forked.
    unsafe { reap(pid) };
    let n = wanted(got, &buf).filter(|n| *n <= got)?;
    Some(Ran {
        value: C::decode(&buf[4..n]),
        killed: false,
    })
}

/// Stops the child `pid` and every process below it (what the template, the hooks or the
/// monitor it started are running), then kills them all: nothing a call that ran out of time
/// started goes on in the background. Processes are stopped before their children are listed, so
/// none can fork one that is missed; the listing repeats until it finds no new one.
fn kill_tree(pid: libc::pid_t) {
    let mut all = vec![pid];
    let mut at = 0;
    while at < all.len() {
        let p = all[at];
        at += 1;
        // SAFETY: a signal to a process below this call's child (or the child itself), which is
        // not reaped yet, so its pid and its children's cannot be reused by others.
        unsafe { libc::kill(p, libc::SIGSTOP) };
        for child in children(p) {
            if !all.contains(&child) {
                all.push(child);
            }
        }
        if at == all.len() {
            // Once more from the top: a fork that was under way when its parent stopped.
            for child in all.clone().into_iter().flat_map(children) {
                if !all.contains(&child) {
                    all.push(child);
                }
            }
        }
    }
    for p in all {
        // SAFETY: as above.
        unsafe { libc::kill(p, libc::SIGKILL) };
    }
}

/// The children of every thread of `pid` (`/proc/<pid>/task/<tid>/children`).
fn children(pid: libc::pid_t) -> Vec<libc::pid_t> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    tasks
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("children")).ok())
        .flat_map(|text| {
            text.split_whitespace()
                .filter_map(|c| c.parse().ok())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Waits for the child `pid` (retrying on EINTR). A caller that ignores SIGCHLD or reaps every
/// child makes this fail with ECHILD: the pipe already told.
///
/// # Safety
///
/// `pid` is a child of this process that nobody else waits for.
unsafe fn reap(pid: libc::pid_t) {
    // SAFETY: see the function's contract.
    while unsafe { libc::waitpid(pid, std::ptr::null_mut(), 0) } < 0
        && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted
    {}
}
