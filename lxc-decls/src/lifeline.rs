//! The lifeline of ephemeral copies: one helper process per process that makes them, which removes
//! the copies still registered when the process dies without removing them.
//!
//! The helper (`/bin/sh`) reads lines from a socket only this process writes to: `+<path>` when a
//! copy is made, `-<path>` when it is gone. End of file (the process died, even of `SIGKILL`; the
//! socket's end here is close-on-exec, and liblxc's monitor closes what it inherits) makes it run
//! `lxc-destroy -f` on each copy left and remove its directory if only the reserved, empty one is
//! left. Paths are data to the script: nothing is pasted into it. One helper serves every copy, so
//! a copy costs two short writes, not a process.

use std::collections::BTreeSet;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;

const SCRIPT: &str = r#"IFS='
'
set -f
live=''
while read -r l; do
  case $l in
    +*) live="$live
${l#+}" ;;
    -*) rest=''
        for x in $live; do [ "$x" = "${l#-}" ] || rest="$rest
$x"; done
        live=$rest ;;
  esac
done
for p in $live; do
  lxc-destroy -f -n "${p##*/}" -P "${p%/*}"
  rmdir -- "$p"
done"#;

/// The helper, the socket to it, and the copies registered with it.
struct Helper {
    child: Child,
    sock: UnixStream,
}

struct State {
    helper: Option<Helper>,
    live: BTreeSet<PathBuf>,
}

static STATE: Mutex<State> = Mutex::new(State {
    helper: None,
    live: BTreeSet::new(),
});

fn spawn() -> io::Result<Helper> {
    let (ours, theirs) = UnixStream::pair()?;
    let child = Command::new("/bin/sh")
        .arg("-c")
        .arg(SCRIPT)
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .current_dir("/")
        .stdin(Stdio::from(OwnedFd::from(theirs)))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        // A terminal's Ctrl-C goes to the foreground process group: not to the helper, which must
        // outlive the process it watches.
        .process_group(0)
        .spawn()?;
    Ok(Helper { child, sock: ours })
}

/// Writes all of `line` without raising `SIGPIPE` when the helper has gone.
fn send(sock: &UnixStream, line: &[u8]) -> io::Result<()> {
    let mut rest = line;
    while !rest.is_empty() {
        // SAFETY: the descriptor is open (owned by `sock`) and `rest` is a live buffer of its length.
        let n = unsafe {
            libc::send(
                sock.as_raw_fd(),
                rest.as_ptr().cast(),
                rest.len(),
                libc::MSG_NOSIGNAL,
            )
        };
        if n < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        rest = &rest[n as usize..];
    }
    Ok(())
}

fn line(op: u8, path: &Path) -> io::Result<Vec<u8>> {
    let bytes = std::os::unix::ffi::OsStrExt::as_bytes(path.as_os_str());
    if bytes.contains(&b'\n') {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "the copy's path holds a line break",
        ));
    }
    let mut v = Vec::with_capacity(bytes.len() + 2);
    v.push(op);
    v.extend_from_slice(bytes);
    v.push(b'\n');
    Ok(v)
}

impl State {
    /// Sends `msg`; when the helper is missing or gone, starts a new one and registers every live
    /// copy with it (which `msg` then must not repeat).
    fn deliver(&mut self, msg: &[u8]) -> io::Result<()> {
        if let Some(h) = &self.helper {
            if send(&h.sock, msg).is_ok() {
                return Ok(());
            }
        }
        if let Some(mut old) = self.helper.take() {
            let _ = old.child.kill();
            let _ = old.child.wait();
        }
        let h = spawn()?;
        let mut all = Vec::new();
        for p in &self.live {
            all.extend(line(b'+', p)?);
        }
        send(&h.sock, &all)?;
        self.helper = Some(h);
        Ok(())
    }
}

/// Registers the copy at `path` (`<lxcpath>/<name>`): removed if this process dies first.
///
/// # Errors
///
/// When the path holds a line break, or the helper cannot be started.
pub(crate) fn register(path: &Path) -> io::Result<()> {
    let msg = line(b'+', path)?;
    let mut s = STATE.lock().unwrap_or_else(|p| p.into_inner());
    s.live.insert(path.to_owned());
    // A helper started here is sent every live copy, this one included.
    if let Err(e) = s.deliver(&msg) {
        s.live.remove(path);
        return Err(e);
    }
    Ok(())
}

/// Forgets the copy at `path`: it is gone, or its removal is someone else's now.
pub(crate) fn release(path: &Path) {
    let Ok(msg) = line(b'-', path) else { return };
    let mut s = STATE.lock().unwrap_or_else(|p| p.into_inner());
    if s.live.remove(path) {
        // Best effort: a helper that is gone is replaced, without this copy.
        let _ = s.deliver(&msg);
    }
}
