//! Why a call failed, in liblxc's own words.
//!
//! liblxc never fills `error_string`; it logs the reason instead, and by default the log goes nowhere.
//! So, the first time a container is opened, lxc-rs sets up liblxc's process-wide log at level ERROR
//! into an in-memory file (`memfd`), without writing to stderr. When a call on a container fails, the
//! ERROR lines liblxc wrote about that container since that handle last looked become the reason of
//! the [`Error`](crate::Error). Successful calls pay nothing: the log is read only on failure.
//!
//! Once its log is set up, liblxc 5.0 also echoes each ERROR line to stderr (it ignores `quiet` for
//! that; the `lxc-*` tools behave the same), so a failing call prints liblxc's reason there too.
//!
//! `lxc::log::init` replaces this set-up with the caller's (and reasons are then read from the
//! caller's log file, when it has one). `LXC_RS_LOG_CAPTURE=0` in the environment turns capture off.

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
}

static SOURCE: Mutex<Option<Source>> = Mutex::new(None);
static INIT: std::sync::Once = std::sync::Once::new();

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
        *SOURCE.lock().unwrap_or_else(|p| p.into_inner()) = Some(Source {
            file: File::from(owned),
            ours: true,
        });
    }
}

/// The current end of the log, where a new handle starts looking.
pub(crate) fn position() -> u64 {
    ensure();
    let mut g = SOURCE.lock().unwrap_or_else(|p| p.into_inner());
    g.as_mut()
        .and_then(|s| s.file.seek(SeekFrom::End(0)).ok())
        .unwrap_or(0)
}

/// Whether lxc-rs set up liblxc's log itself (and must close it before the caller sets up theirs).
pub(crate) fn is_ours() -> bool {
    ensure();
    SOURCE
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .as_ref()
        .is_some_and(|s| s.ours)
}

/// After the caller set up liblxc's log: read reasons from their file, if any.
pub(crate) fn use_callers_file(file: Option<&Path>) {
    let source = file
        .and_then(|f| File::open(f).ok())
        .map(|file| Source { file, ours: false });
    *SOURCE.lock().unwrap_or_else(|p| p.into_inner()) = source;
}

/// The messages of the ERROR lines about `container` from `*from` to the end; moves `*from` to the
/// end. `None` when there are none.
pub(crate) fn reason(container: &str, from: &mut u64) -> Option<String> {
    let mut g = SOURCE.lock().unwrap_or_else(|p| p.into_inner());
    let s = g.as_mut()?;
    let end = s.file.seek(SeekFrom::End(0)).ok()?;
    let start = if *from > end { 0 } else { *from };
    s.file.seek(SeekFrom::Start(start)).ok()?;
    let mut text = Vec::new();
    (&s.file).take(end - start).read_to_end(&mut text).ok()?;
    *from = end;
    if s.ours && end > MAX_LOG {
        // SAFETY: ftruncate on our own memfd; liblxc appends (O_APPEND), so it writes at the new end.
        unsafe { libc::ftruncate(std::os::fd::AsRawFd::as_raw_fd(&s.file), 0) };
        *from = 0;
    }
    drop(g);
    messages(&String::from_utf8_lossy(&text), container)
}

/// Parses `lxc <name> <timestamp> ERROR <category> - <file>:<func>:<line> - <message>` lines.
fn messages(text: &str, container: &str) -> Option<String> {
    let mut out: Vec<&str> = Vec::new();
    for line in text.lines() {
        let mut words = line.split_whitespace();
        let (_prefix, name) = (words.next(), words.next());
        if name != Some(container) {
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
        if msg.is_empty() || msg.ends_with("Failed to serve state clients") || out.contains(&msg) {
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
            messages(log, "probe").as_deref(),
            Some("No such file or directory - Failed to open \"/nonexistent\"; Received container state \"ABORTING\" instead of \"RUNNING\"")
        );
        assert_eq!(messages(log, "nobody"), None);
    }
}
