//! Why a call failed, in liblxc's own words.
//!
//! liblxc never fills `error_string`; it logs the reason instead, and by default the log goes nowhere.
//! So, the first time a container is opened, lxc-rs sets up liblxc's process-wide log at level ERROR
//! into an in-memory file (`memfd`), without writing to stderr. When a call on a container fails, the
//! ERROR lines liblxc wrote about that container since that handle last looked become the reason of
//! the [`Error`](crate::Error): lines logged by that container since the call started (liblxc stamps
//! them to the millisecond, so an ERROR line that an earlier, successful call on the same container
//! logged in the same millisecond or the one before can show up too), and not already used to
//! explain another failure. Successful calls pay one clock read; the log is read only on failure.
//!
//! Once its log is set up, liblxc 5.0 also echoes each ERROR line to stderr (it ignores `quiet` for
//! that; the `lxc-*` tools behave the same), so a failing call prints liblxc's reason there too.
//!
//! `lxc::log::init` replaces this set-up with the caller's (and reasons are then read from the
//! caller's log file, when it has one). `LXC_RS_LOG_CAPTURE=0` in the environment turns capture off.

use std::collections::HashMap;
use std::ffi::CString;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::os::fd::{FromRawFd, OwnedFd};
use std::path::Path;
use std::sync::Mutex;

use crate::ffi;

/// Past this size the in-memory log is emptied when read.
const MAX_LOG: u64 = 4 << 20;

struct Source {
    file: File,
    ours: bool,
    /// Where reading starts for every container (the end of the file when the caller's file was
    /// taken over).
    consumed: u64,
    /// Per container: the end of the last stretch of log that explained one of its failures. Later
    /// failures of that container start after it, so one failure's lines never explain another's,
    /// while a failure of another container, in another thread, cannot hide them.
    used: HashMap<Box<str>, u64>,
}

/// Containers tracked in `Source::used` before it is folded into `consumed`.
const MAX_USED: usize = 1024;

static SOURCE: Mutex<Option<Source>> = Mutex::new(None);
static INIT: std::sync::Once = std::sync::Once::new();

fn source() -> std::sync::MutexGuard<'static, Option<Source>> {
    SOURCE.lock().unwrap_or_else(|p| p.into_inner())
}

/// Sets up capture once per process (no cost after the first call).
#[inline]
pub(crate) fn ensure() {
    INIT.call_once(init_capture);
}

fn init_capture() {
    if std::env::var_os("LXC_RS_LOG_CAPTURE").is_some_and(|v| v == "0") {
        return;
    }
    // SAFETY: memfd_create with a static name and CLOEXEC; a negative result is handled.
    let fd = unsafe { libc::memfd_create(c"lxc-rs-log".as_ptr(), libc::MFD_CLOEXEC) };
    if fd < 0 {
        return;
    }
    // SAFETY: fd is a new descriptor we own.
    let owned = unsafe { OwnedFd::from_raw_fd(fd) };
    let path = CString::new(format!("/proc/self/fd/{fd}")).expect("no NUL in a path we format");
    // SAFETY: every pointer is null or a live C string for the call; liblxc opens the path itself.
    let r = unsafe {
        ffi::lxcrs_glue_log_init(
            std::ptr::null(),
            std::ptr::null(),
            path.as_ptr(),
            c"ERROR".as_ptr(),
            std::ptr::null(),
            true,
        )
    };
    if r == 0 {
        *source() = Some(Source {
            file: File::from(owned),
            ours: true,
            consumed: 0,
            used: HashMap::new(),
        });
    }
}

/// The current end of the log, where a new handle starts looking.
pub(crate) fn position() -> u64 {
    ensure();
    let mut g = source();
    g.as_mut()
        .and_then(|s| s.file.seek(SeekFrom::End(0)).ok())
        .unwrap_or(0)
}

/// Before the caller sets up liblxc's log. If lxc-rs has not set up its own yet, it never will;
/// if it has, it is closed, unless the caller asks for a level other than ERROR, which liblxc would
/// ignore (it applies a level only at its first set-up): then `Err`.
pub(crate) fn before_user_init(level_is_error: bool) -> Result<(), ()> {
    let mut was_first = false;
    INIT.call_once(|| was_first = true);
    if was_first {
        return Ok(());
    }
    let ours = source().as_ref().is_some_and(|s| s.ours);
    if ours {
        if !level_is_error {
            return Err(());
        }
        // SAFETY: lxc_log_close takes no argument; the caller's lxc_log_init opens their log next.
        unsafe { ffi::lxcrs_v1_lxc_log_close() };
    }
    Ok(())
}

/// After the caller set up liblxc's log: read reasons from their file, if any.
pub(crate) fn use_callers_file(file: Option<&Path>) {
    let src = file.and_then(|f| File::open(f).ok()).map(|mut file| {
        let consumed = file.seek(SeekFrom::End(0)).unwrap_or(0);
        Source {
            file,
            ours: false,
            consumed,
            used: HashMap::new(),
        }
    });
    *source() = src;
}

/// The messages of the ERROR lines about `container`, logged since the call started (`started_ms`;
/// lines of an earlier call in the same second cannot always be told apart: liblxc 5.0.2 prints the
/// leading three digits of an unpadded nanosecond count as the milliseconds, so 10 ms reads `.101`) and after both `*from` and the last stretch that explained a failure.
/// Moves `*from` to the end. `None` when there are none.
pub(crate) fn reason(
    container: &str,
    member: &str,
    from: &mut u64,
    started_ms: i64,
) -> Option<String> {
    let mut g = source();
    let s = g.as_mut()?;
    let end = s.file.seek(SeekFrom::End(0)).ok()?;
    let used = s.used.get(container).copied().unwrap_or(0);
    let start = (*from).max(s.consumed).max(used);
    let start = if start > end { 0 } else { start };
    s.file.seek(SeekFrom::Start(start)).ok()?;
    let mut text = Vec::new();
    (&s.file).take(end - start).read_to_end(&mut text).ok()?;
    *from = end;
    // liblxc truncates its stamps to the millisecond: allow one.
    let found = messages(
        &String::from_utf8_lossy(&text),
        container,
        member,
        started_ms - 1,
    );
    if found.is_some() {
        if s.used.len() >= MAX_USED {
            s.used.clear();
            s.consumed = end;
        }
        s.used.insert(container.into(), end);
    }
    if s.ours && end > MAX_LOG {
        // SAFETY: ftruncate on our own memfd; liblxc appends (O_APPEND), so it writes at the new end.
        unsafe { libc::ftruncate(std::os::fd::AsRawFd::as_raw_fd(&s.file), 0) };
        *from = 0;
        s.consumed = 0;
        s.used.clear();
    }
    found
}

/// ERROR lines liblxc 5.0 logs on every successful call of a member, which explain nothing.
fn benign(member: &str, msg: &str) -> bool {
    // Every attach reads the removed key `lxc.seccomp` and logs that it is unsupported.
    member.starts_with("attach") && msg.ends_with("Unsupported config key \"lxc.seccomp\"")
}

/// liblxc's UTC timestamp `YYYYMMDDhhmmss.mmm` as ms since the epoch.
fn timestamp_ms(t: &str) -> Option<i64> {
    let (date, ms) = t.split_once('.')?;
    if date.len() != 14 || !date.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |a: usize, b: usize| date[a..b].parse::<i64>().ok();
    let (y, mo, d) = (n(0, 4)?, n(4, 6)?, n(6, 8)?);
    let (h, mi, s) = (n(8, 10)?, n(10, 12)?, n(12, 14)?);
    // Days from the civil date (proleptic Gregorian), after H. Hinnant's algorithm.
    let y = if mo <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if mo > 2 { mo - 3 } else { mo + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 24 + h) * 60 + mi) * 60_000 + s * 1000 + ms.parse::<i64>().ok()?)
}

/// Parses `lxc <name> <timestamp> ERROR <category> - <file>:<func>:<line> - <message>` lines; a line
/// without a name counts for any container (within the time window).
fn messages(text: &str, container: &str, member: &str, since_ms: i64) -> Option<String> {
    let mut out: Vec<&str> = Vec::new();
    for line in text.lines() {
        let mut words = line.split_whitespace();
        let (_prefix, name, ts) = (words.next(), words.next(), words.next());
        // Some lines (those `create` logs) carry no container name: the timestamp comes second.
        let (name, ts) = match name.and_then(timestamp_ms) {
            Some(_) => (Some(container), name),
            None => (name, ts),
        };
        if name != Some(container) || ts.and_then(timestamp_ms).is_some_and(|t| t < since_ms) {
            continue;
        }
        let Some(pos) = line.find(" ERROR ") else {
            continue;
        };
        let rest = &line[pos..];
        // Skip "ERROR <category> - <file>:<func>:<line> - ".
        let Some(msg) = rest.splitn(3, " - ").nth(2) else {
            continue;
        };
        let msg = msg.trim();
        if msg.is_empty()
            || msg.ends_with("Failed to serve state clients")
            || benign(member, msg)
            || out.contains(&msg)
        {
            continue;
        }
        out.push(msg);
    }
    if out.is_empty() {
        return None;
    }
    if out.len() > 4 {
        let last = out[out.len() - 1];
        out.truncate(3);
        out.push("…");
        out.push(last);
    }
    Some(out.join("; "))
}

#[cfg(test)]
mod tests {
    use super::messages;

    #[test]
    fn picks_this_containers_errors_in_order() {
        let log = "\
lxc probe 20261121060810.466 ERROR    conf - ../src/lxc/conf.c:lxc_rootfs_init:576 - No such file or directory - Failed to open \"/nonexistent\"
lxc other 20261121060810.466 ERROR    conf - ../src/lxc/conf.c:x:1 - not ours
lxc probe 20261121060810.468 ERROR    commands - ../src/lxc/commands.c:lxc_cmd_serve_state_clients:1579 - Connection refused - Failed to serve state clients
lxc probe 20261121060810.468 ERROR    lxccontainer - ../src/lxc/lxccontainer.c:wait_on_daemonized_start:878 - Received container state \"ABORTING\" instead of \"RUNNING\"
";
        assert_eq!(
            messages(log, "probe", "start", 0).as_deref(),
            Some("No such file or directory - Failed to open \"/nonexistent\"; Received container state \"ABORTING\" instead of \"RUNNING\"")
        );
        assert_eq!(messages(log, "nobody", "start", 0), None);
        let at = super::timestamp_ms("20261121060810.468").unwrap();
        assert_eq!(
            messages(log, "probe", "start", at).as_deref(),
            Some("Received container state \"ABORTING\" instead of \"RUNNING\"")
        );
    }

    #[test]
    fn timestamps_are_utc_epoch_ms() {
        assert_eq!(super::timestamp_ms("19700101000000.000"), Some(0));
        assert_eq!(
            super::timestamp_ms("20000301000000.001"),
            Some(951_868_800_001)
        );
        assert_eq!(super::timestamp_ms("2026112106081"), None);
    }
}
