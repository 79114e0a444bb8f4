//! Why a call failed, in liblxc's own words.
//!
//! liblxc never fills `error_string`; it logs the reason instead, and by default the log goes nowhere.
//! liblxc writes a line to the log descriptor of the configuration the calling thread is working on
//! (`lxc.log.file`, kept per container object) and only falls back to its process-wide log when there
//! is none. So lxc-rs gives each container object a log of its own: the first time a call finds a
//! configuration it has not seen, it points that configuration's log at a new in-memory file (a
//! `memfd`, through `lxc.log.file`, whose line it then removes again so the configuration text and
//! `save_config` stay as they were). liblxc opens its own descriptor on the memfd; lxc-rs keeps none
//! and reopens it through `/proc/self/fd` when a call fails, checking it is still the same file.
//!
//! Only calls on that object (and the processes liblxc forks for them, such as the monitor of a
//! daemonized start) write there, so another thread's calls, on another container or on another
//! object for the same container, never explain this one's failure. Clones made by `try_clone`
//! share the object and the log, and their calls are serialised. A failure takes the ERROR lines
//! written since the last failure explained, and of those only the lines stamped after the call
//! started (see [`within`]), so the lines of an earlier successful call are left out too. Successful
//! calls pay one pointer comparison; the log is read only on failure, and its size checked every
//! few thousand calls (emptied past 1 MiB). When the last handle of the object is dropped, the log
//! is emptied and sealed against growth, so a monitor that inherited it cannot fill it for the
//! container's lifetime.
//!
//! Members that run in a forked child (`in_child` in the API table: create, snapshot, clone, …)
//! log there to a memfd of the call's instead, together with the child's stderr (a template's
//! messages): the child sets up a process-wide log file of its own (see `__private/child.rs` for why).
//!
//! The process-wide log is set up with no file (`"none"`), at level ERROR, quiet: nothing goes to
//! stderr. Lines liblxc logs with no configuration at hand (free functions, an object that holds
//! none) go nowhere; members that would make a blank configuration first get it from lxc-rs
//! beforehand, with its log (`Config::Makes`). A container whose configuration names its own `lxc.log.file` keeps it, and failures are
//! explained from that file (lines naming that container). [`liblxc::log::init`] with a file moves every
//! line to that file (liblxc then ignores the per-container descriptors), and failures are explained
//! from it, by container name. `LXC_RS_LOG_CAPTURE=0` in the environment turns capture off.
//!
//! [`liblxc::log::init`]: ../lxc/log/fn.init.html

use std::ffi::{c_void, CStr, CString};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::os::fd::{FromRawFd, OwnedFd, RawFd};
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicPtr, AtomicU32, AtomicU8, Ordering};
use std::sync::Mutex;

use crate::ffi::{self, LxcContainer};

mod parse;

#[cfg(feature = "tracing")]
use parse::lines;
pub(crate) use parse::strerror;
#[cfg(feature = "tracing")]
pub(crate) use parse::Line;
use parse::{messages, storage_cause};

/// Past this size a container's in-memory log is emptied when read, or when checked.
const MAX_LOG: u64 = 1 << 20;

/// Calls between two checks of the size of an object's log (a configuration's `lxc.log.level`, or
/// a monitor that logs often, can fill it between failures).
const CHECK_EVERY: u32 = 4096;

/// Capture is off (`LXC_RS_LOG_CAPTURE=0`, or liblxc refused the set-up).
const OFF: u8 = 0;
/// Each container object logs to its own memfd.
const PER_OBJECT: u8 = 1;
/// The caller's `liblxc::log::init` put every line into their file.
const CALLERS_FILE: u8 = 2;

static MODE: AtomicU8 = AtomicU8::new(OFF);
static INIT: std::sync::Once = std::sync::Once::new();
/// The caller's log file, in `CALLERS_FILE` mode.
static CALLERS: Mutex<Option<PathBuf>> = Mutex::new(None);

/// Sets up capture once per process (no cost after the first call).
#[inline]
pub(crate) fn ensure() {
    INIT.call_once(init_capture);
}

fn init_capture() {
    if std::env::var_os("LXC_RS_LOG_CAPTURE").is_some_and(|v| v == "0") {
        return;
    }
    // With `tracing`, WARN lines are logged too: they become events (see `__private/trace.rs`).
    let level = if cfg!(feature = "tracing") {
        c"WARN"
    } else {
        c"ERROR"
    };
    // SAFETY: every pointer is null or a static C string; with the file "none" liblxc sets the level
    // and returns before it opens anything or adds its stderr appender.
    let r = unsafe {
        ffi::lxcrs_glue_log_init(
            std::ptr::null(),
            std::ptr::null(),
            c"none".as_ptr(),
            level.as_ptr(),
            std::ptr::null(),
            true,
        )
    };
    if r == 0 {
        MODE.store(PER_OBJECT, Ordering::Release);
    }
}

/// Before the caller sets up liblxc's log. If lxc-rs has not set up its own yet, it never will. If
/// it has, liblxc has applied level ERROR and ignores any other: then `Err`.
pub(crate) fn before_user_init(level_is_error: bool) -> Result<(), ()> {
    let mut was_first = false;
    INIT.call_once(|| was_first = true);
    if was_first || MODE.load(Ordering::Acquire) == OFF || level_is_error {
        Ok(())
    } else {
        Err(())
    }
}

/// After the caller set up liblxc's log: with a file, liblxc writes every line there and no longer
/// to the per-container descriptors, so reasons come from that file.
pub(crate) fn use_callers_file(file: Option<&std::path::Path>) {
    let Some(file) = file.filter(|f| f.as_os_str() != "none") else {
        return;
    };
    *CALLERS.lock().unwrap_or_else(|p| p.into_inner()) = Some(file.to_path_buf());
    MODE.store(CALLERS_FILE, Ordering::Release);
}

/// Where one container object's log lines are, for the handles of that object.
#[derive(Debug)]
pub(crate) struct Slot {
    /// The configuration (`c->lxc_conf`) the sink was set up for; null for none.
    conf: AtomicPtr<c_void>,
    /// Calls since the log was last checked (calls on one object are serialised).
    calls: AtomicU32,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    sink: Option<Sink>,
    /// Where the next failure starts reading.
    from: u64,
    /// Where the next span starts reading (see `__private/trace.rs`).
    #[cfg(feature = "tracing")]
    traced: u64,
}

#[derive(Debug)]
enum Sink {
    /// The memfd behind liblxc's descriptor `fd` of this configuration.
    Memfd { fd: RawFd, dev: u64, ino: u64 },
    /// The configuration's own `lxc.log.file`: lines naming the container.
    File(PathBuf),
}

impl Slot {
    pub(crate) fn new() -> Slot {
        ensure();
        let from = match MODE.load(Ordering::Acquire) {
            CALLERS_FILE => callers_file()
                .and_then(|p| std::fs::metadata(p).ok())
                .map_or(0, |m| m.len()),
            _ => 0,
        };
        Slot {
            conf: AtomicPtr::new(std::ptr::null_mut()),
            calls: AtomicU32::new(0),
            inner: Mutex::new(Inner {
                sink: None,
                from,
                #[cfg(feature = "tracing")]
                traced: 0,
            }),
        }
    }

    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Before a call on `c`: sets up the log of a configuration not seen before. One C call that
    /// reads a pointer when nothing changed.
    ///
    /// # Safety
    ///
    /// `c` is the live container of the handle that owns this slot, and no other thread calls into
    /// it meanwhile (the handle is not `Sync`; clones hold their shared lock).
    #[inline(always)]
    pub(crate) unsafe fn sync(&self, c: *mut LxcContainer) {
        // SAFETY: c is live (the caller's contract); the glue only reads the configuration pointer.
        let conf = unsafe { ffi::lxcrs_glue_conf(c) };
        if conf != self.conf.load(Ordering::Relaxed) {
            // SAFETY: as promised by the caller.
            unsafe { self.resync(c, conf) };
        }
        // Not a read-modify-write: calls on one object do not overlap, and a lost count is harmless.
        let n = self.calls.load(Ordering::Relaxed).wrapping_add(1);
        self.calls.store(n, Ordering::Relaxed);
        if n % CHECK_EVERY == 0 {
            self.trim();
        }
    }

    /// Empties the log when it grew past [`MAX_LOG`] (lines no failure asked for).
    #[cold]
    #[inline(never)]
    fn trim(&self) {
        let mut inner = self.inner();
        if let Some(Sink::Memfd { fd, dev, ino }) = inner.sink {
            if let Some(f) = reopen(fd, dev, ino) {
                if f.metadata().is_ok_and(|m| m.len() > MAX_LOG) && f.set_len(0).is_ok() {
                    inner.from = 0;
                }
            }
        }
    }

    /// When the last handle of the object goes: empties the log and seals it against growth. The
    /// monitor of a container started through the object keeps its own descriptor on it, and its
    /// later lines would pile up in memory with no one to read them; now its writes fail and are
    /// dropped, as they would be without lxc-rs.
    pub(crate) fn retire(&self) {
        let inner = self.inner();
        if let Some(Sink::Memfd { fd, dev, ino }) = inner.sink {
            if let Some(f) = reopen(fd, dev, ino) {
                let _ = f.set_len(0);
                // SAFETY: fcntl on a descriptor we own; the memfd was made with MFD_ALLOW_SEALING.
                unsafe {
                    libc::fcntl(
                        std::os::fd::AsRawFd::as_raw_fd(&f),
                        libc::F_ADD_SEALS,
                        libc::F_SEAL_GROW,
                    )
                };
            }
        }
    }

    /// Gives an object that holds no configuration a blank one (`set_config_item` makes it, as
    /// `load_config` or `set_config_item` would) whose log is this slot's.
    ///
    /// # Safety
    ///
    /// As [`Slot::sync`].
    pub(crate) unsafe fn blank_config(&self, c: *mut LxcContainer) {
        // SAFETY: as promised by the caller.
        if MODE.load(Ordering::Acquire) != PER_OBJECT
            || !unsafe { ffi::lxcrs_glue_conf(c) }.is_null()
        {
            return;
        }
        // SAFETY: as promised by the caller.
        let sink = unsafe { install(c) };
        // SAFETY: as above.
        let conf = unsafe { ffi::lxcrs_glue_conf(c) };
        self.conf.store(conf, Ordering::Relaxed);
        let mut inner = self.inner();
        inner.sink = sink;
        inner.from = 0;
        #[cfg(feature = "tracing")]
        {
            inner.traced = 0;
        }
    }

    /// # Safety
    ///
    /// As [`Slot::sync`].
    #[cold]
    #[inline(never)]
    unsafe fn resync(&self, c: *mut LxcContainer, conf: *mut c_void) {
        self.conf.store(conf, Ordering::Relaxed);
        let mut inner = self.inner();
        // liblxc's descriptor of the old configuration is liblxc's to close.
        inner.sink = None;
        inner.from = 0;
        #[cfg(feature = "tracing")]
        {
            inner.traced = 0;
        }
        if conf.is_null() || MODE.load(Ordering::Acquire) != PER_OBJECT {
            return;
        }
        // SAFETY: as promised by the caller.
        inner.sink = unsafe { own_log_file(c) }.or_else(|| unsafe { install(c) });
        if let Some(Sink::File(p)) = &inner.sink {
            inner.from = std::fs::metadata(p).map_or(0, |m| m.len());
        }
    }

    /// The messages of the ERROR lines this object's log got since the last failure it explained
    /// and that may have been written after `started_ns` (see [`within`]); `None` when there are
    /// none.
    pub(crate) fn reason(&self, container: &str, member: &str, started_ns: i64) -> Option<String> {
        let mut inner = self.inner();
        let (mut file, name) = match MODE.load(Ordering::Acquire) {
            PER_OBJECT => match &inner.sink {
                Some(Sink::Memfd { fd, dev, ino }) => match reopen(*fd, *dev, *ino) {
                    Some(f) => (f, None),
                    None => {
                        // liblxc closed it (a new `lxc.log.file`): look again at the next call.
                        self.conf.store(std::ptr::null_mut(), Ordering::Relaxed);
                        return None;
                    }
                },
                Some(Sink::File(p)) => (File::open(p).ok()?, Some(container)),
                None => return None,
            },
            CALLERS_FILE => (File::open(callers_file()?).ok()?, Some(container)),
            _ => return None,
        };
        let ended_ns = now_ns();
        let end = file.seek(SeekFrom::End(0)).ok()?;
        let start = if inner.from > end { 0 } else { inner.from };
        file.seek(SeekFrom::Start(start)).ok()?;
        let mut text = Vec::new();
        (&file).take(end - start).read_to_end(&mut text).ok()?;
        inner.from = end;
        if matches!(inner.sink, Some(Sink::Memfd { .. })) && end > MAX_LOG {
            // liblxc appends (O_APPEND), so it goes on writing at the new end.
            if file.set_len(0).is_ok() {
                inner.from = 0;
            }
        }
        messages(
            &String::from_utf8_lossy(&text),
            name,
            member,
            started_ns,
            ended_ns,
        )
    }
}

#[cfg(feature = "tracing")]
impl Slot {
    /// The WARN and ERROR lines this object's log got since the last call asked. Only for a log
    /// of the object's own (a memfd); one `fstat` when nothing was logged.
    ///
    /// Must run with the clone lock held (liblxc changes the descriptor only during a call).
    pub(crate) fn new_lines(&self) -> Vec<Line> {
        if MODE.load(Ordering::Acquire) != PER_OBJECT {
            return Vec::new();
        }
        let mut inner = self.inner();
        let Some(Sink::Memfd { fd, dev, ino }) = inner.sink else {
            return Vec::new();
        };
        // SAFETY: all-zero bytes are a valid `struct stat`.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        // SAFETY: fstat writes into the stat we own; a closed descriptor fails.
        if unsafe { libc::fstat(fd, &mut st) } != 0 || st.st_dev != dev || st.st_ino != ino {
            return Vec::new();
        }
        let end = u64::try_from(st.st_size).unwrap_or(0);
        // The log was emptied (see `trim`) since: read it from its start.
        let start = if inner.traced > end { 0 } else { inner.traced };
        inner.traced = end;
        if start == end {
            return Vec::new();
        }
        let start = start.max(end.saturating_sub(MAX_LOG));
        // liblxc's descriptor is write-only: read through a descriptor of our own.
        let Some(mut file) = reopen(fd, dev, ino) else {
            return Vec::new();
        };
        let mut buf = Vec::new();
        if file.seek(SeekFrom::Start(start)).is_ok() {
            let _ = file.take(end - start).read_to_end(&mut buf);
        }
        lines(&String::from_utf8_lossy(&buf))
    }
}

/// A line liblxc logged at WARN or above.
/// The WARN and ERROR lines in a forked child's log (see [`child_log`]).
#[cfg(feature = "tracing")]
pub(crate) fn child_lines(file: &File) -> Vec<Line> {
    let mut text = Vec::new();
    let mut file = file;
    if file.seek(SeekFrom::Start(0)).is_err() || file.take(MAX_LOG).read_to_end(&mut text).is_err()
    {
        return Vec::new();
    }
    lines(&String::from_utf8_lossy(&text))
}

/// A new in-memory file for the log (and stderr) of one forked child of an `in_child` member, in
/// the per-object mode; `None` otherwise.
pub(crate) fn child_log() -> Option<File> {
    if MODE.load(Ordering::Acquire) != PER_OBJECT {
        return None;
    }
    // SAFETY: a static name; a negative result is handled. The forked child keeps the descriptor
    // (fork does, CLOEXEC or not); what it runs sees only its copies (liblxc's log descriptor,
    // and fd 2).
    let raw = unsafe { libc::memfd_create(c"lxc-rs-child-log".as_ptr(), libc::MFD_CLOEXEC) };
    // SAFETY: raw is a new descriptor we own.
    (raw >= 0).then(|| File::from(unsafe { OwnedFd::from_raw_fd(raw) }))
}

/// The messages of the ERROR lines in a child's log (see [`child_log`]) stamped within the call,
/// then the last lines the child's programs (a template) wrote to stderr.
pub(crate) fn child_reason(file: &File, member: &str, started_ns: i64) -> Option<String> {
    let ended_ns = now_ns();
    let mut text = Vec::new();
    let mut file = file;
    file.seek(SeekFrom::Start(0)).ok()?;
    file.take(MAX_LOG).read_to_end(&mut text).ok()?;
    let text = String::from_utf8_lossy(&text);
    let logged = messages(&text, None, member, started_ns, ended_ns);
    // Neither a log line nor liblxc's echo of one (`lxc: …`) to stderr.
    let said: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("lxc ") && !l.starts_with("lxc: "))
        .collect();
    let said = (!said.is_empty()).then(|| {
        let mut tail = said[said.len().saturating_sub(3)..].to_vec();
        if let Some(cause) = storage_cause(&said) {
            if !tail.contains(&cause) {
                tail.insert(0, cause);
            }
        }
        format!("stderr: {}", tail.join(" | "))
    });
    match (logged, said) {
        (Some(l), Some(s)) => Some(format!("{l}; {s}")),
        (l, s) => l.or(s),
    }
}

fn callers_file() -> Option<PathBuf> {
    CALLERS.lock().unwrap_or_else(|p| p.into_inner()).clone()
}

/// Nanoseconds since the epoch, on the clock liblxc stamps its lines with.
#[inline(always)]
pub(crate) fn now_ns() -> i64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec we own.
    unsafe { libc::clock_gettime(libc::CLOCK_REALTIME, &mut ts) };
    ts.tv_sec * 1_000_000_000 + ts.tv_nsec
}

/// The configuration's own `lxc.log.file`, if it names one.
///
/// # Safety
///
/// As [`Slot::sync`].
unsafe fn own_log_file(c: *mut LxcContainer) -> Option<Sink> {
    let mut buf = [0u8; 4096];
    // SAFETY: c is live; the buffer is writable for its length, which liblxc does not exceed.
    let n = unsafe {
        ffi::lxcrs_v1_get_config_item(
            c,
            c"lxc.log.file".as_ptr(),
            buf.as_mut_ptr().cast(),
            buf.len() as i32,
        )
    };
    if n <= 0 || n as usize >= buf.len() {
        return None;
    }
    let path = CStr::from_bytes_until_nul(&buf).ok()?;
    use std::os::unix::ffi::OsStrExt;
    Some(Sink::File(PathBuf::from(std::ffi::OsStr::from_bytes(
        path.to_bytes(),
    ))))
}

/// Points the configuration's log at a new memfd and finds the descriptor liblxc opened on it.
///
/// # Safety
///
/// As [`Slot::sync`].
unsafe fn install(c: *mut LxcContainer) -> Option<Sink> {
    // SAFETY: a static name and CLOEXEC; a negative result is handled.
    let raw = unsafe {
        libc::memfd_create(
            c"lxc-rs-log".as_ptr(),
            libc::MFD_CLOEXEC | libc::MFD_ALLOW_SEALING,
        )
    };
    if raw < 0 {
        return None;
    }
    // SAFETY: raw is a new descriptor we own; it is closed when `ours` drops.
    let ours = File::from(unsafe { OwnedFd::from_raw_fd(raw) });
    let meta = ours.metadata().ok()?;
    let (dev, ino) = (meta.dev(), meta.ino());
    // liblxc opens the lowest free descriptor: note which one that is now.
    // SAFETY: F_DUPFD_CLOEXEC on our own descriptor; the copy is closed at once.
    let predicted = unsafe { libc::fcntl(raw, libc::F_DUPFD_CLOEXEC, 0) };
    if predicted >= 0 {
        // SAFETY: predicted is the copy made just above.
        unsafe { libc::close(predicted) };
    }
    let path = CString::new(format!("/proc/self/fd/{raw}")).ok()?;
    // SAFETY: c is live; key and value are C strings that live for the call. liblxc closes the
    // configuration's previous log descriptor, if any, and opens the path (O_APPEND, O_CLOEXEC).
    if !unsafe { ffi::lxcrs_v1_set_config_item(c, c"lxc.log.file".as_ptr(), path.as_ptr()) } {
        return None;
    }
    // Removes the line the set added to the configuration text (so `save_config` and
    // `get_config_item` do not show it); liblxc keeps the descriptor open.
    // SAFETY: as above.
    unsafe { ffi::lxcrs_v1_clear_config_item(c, c"lxc.log.file".as_ptr()) };
    let is_it = |fd: RawFd| {
        if fd == raw {
            return false;
        }
        // SAFETY: all-zero bytes are a valid `struct stat`.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        // SAFETY: fstat writes into the stat we own; a closed descriptor fails.
        let ok = unsafe { libc::fstat(fd, &mut st) } == 0;
        ok && st.st_dev == dev && st.st_ino == ino
    };
    let fd = if predicted >= 0 && is_it(predicted) {
        predicted
    } else {
        // Another thread opened a descriptor meanwhile: look for liblxc's.
        std::fs::read_dir("/proc/self/fd")
            .ok()?
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.parse::<RawFd>().ok())
            .find(|fd| is_it(*fd))?
    };
    Some(Sink::Memfd { fd, dev, ino })
}

/// Opens the memfd behind liblxc's descriptor `fd` again, if `fd` is still that memfd.
fn reopen(fd: RawFd, dev: u64, ino: u64) -> Option<File> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(format!("/proc/self/fd/{fd}"))
        .ok()?;
    let meta = file.metadata().ok()?;
    (meta.dev() == dev && meta.ino() == ino).then_some(file)
}
