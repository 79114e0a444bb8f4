//! Children a caller holds while their container stops.
//!
//! A program `spawn` started is a child of the calling process, inside the container's PID
//! namespace. When the container's init dies, the kernel kills the program, but the namespace
//! cannot go away, nor init finish dying, nor liblxc's `stop` return, until the program's parent
//! reaps it: a caller that holds an unwaited [`Child`](super::Child) and calls `stop` on the same
//! thread would wait for ever. So every `Child` is noted here with its container's init, and
//! while `stop`, `shutdown`, `reboot` or `reboot2` run, a thread reaps the noted children of that
//! init as they die and keeps their statuses for their `Child::wait`.

use std::collections::HashMap;
use std::process::ExitStatus;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use super::child::waitpid;

/// One child: its container's init, and its status once reaped here.
struct Held {
    init: libc::pid_t,
    status: Option<ExitStatus>,
}

static HELD: Mutex<Option<HashMap<libc::pid_t, Held>>> = Mutex::new(None);
static POSTED: Condvar = Condvar::new();

fn held() -> std::sync::MutexGuard<'static, Option<HashMap<libc::pid_t, Held>>> {
    HELD.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Notes child `pid` of the container whose init is `init`.
pub(super) fn note(pid: libc::pid_t, init: libc::pid_t) {
    held()
        .get_or_insert_with(HashMap::new)
        .insert(pid, Held { init, status: None });
}

/// Forgets child `pid` (its `Child` reaped it, or is gone).
pub(super) fn forget(pid: libc::pid_t) {
    if let Some(m) = held().as_mut() {
        m.remove(&pid);
    }
}

/// The status of child `pid` if a [`Reaping`] reaped it; waits a moment for one that is doing so
/// (its `waitpid` may return just before the status is posted). `None`: nobody here reaped it.
pub(super) fn reaped(pid: libc::pid_t) -> Option<ExitStatus> {
    let mut g = held();
    for _ in 0..2 {
        let entry = g.as_ref().and_then(|m| m.get(&pid))?;
        if let Some(s) = entry.status {
            g.as_mut().map(|m| m.remove(&pid));
            return Some(s);
        }
        g = POSTED
            .wait_timeout(g, Duration::from_millis(200))
            .unwrap_or_else(PoisonError::into_inner)
            .0;
    }
    None
}

/// While it lives, a thread reaps the noted children of `init` as they die.
pub(crate) struct Reaping {
    done: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Reaping {
    /// Starts reaping the children of `init` (nothing to do when this process holds none).
    pub(crate) fn children_of(init: Option<u32>) -> Reaping {
        let none = Reaping {
            done: Arc::new(AtomicBool::new(true)),
            thread: None,
        };
        let Some(init) = init
            .and_then(|p| libc::pid_t::try_from(p).ok())
            .filter(|p| *p > 0)
        else {
            return none;
        };
        let any = held()
            .as_ref()
            .is_some_and(|m| m.values().any(|h| h.init == init && h.status.is_none()));
        if !any {
            return none;
        }
        let done = Arc::new(AtomicBool::new(false));
        let seen = done.clone();
        let thread = std::thread::Builder::new()
            .name("lxc-rs-held-reaper".into())
            .spawn(move || {
                while !seen.load(Ordering::Acquire) {
                    reap_once(init);
                    std::thread::sleep(Duration::from_millis(10));
                }
                reap_once(init);
            })
            .ok();
        Reaping { done, thread }
    }
}

fn reap_once(init: libc::pid_t) {
    let mut g = held();
    let Some(m) = g.as_mut() else { return };
    let mut any = false;
    for (pid, h) in m.iter_mut() {
        if h.init == init && h.status.is_none() {
            if let Ok(Some(s)) = waitpid(*pid, libc::WNOHANG) {
                h.status = Some(s);
                any = true;
            }
        }
    }
    drop(g);
    if any {
        POSTED.notify_all();
    }
}

impl Drop for Reaping {
    fn drop(&mut self) {
        self.done.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
