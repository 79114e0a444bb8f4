//! Shields the caller's descriptor table from liblxc 5.0.2's `attach`, which leaves one pidfd of
//! the container's init open in the caller per call (`Pidfd::Leaks` in the API table): a service
//! that runs programs would reach `EMFILE` after about a thousand runs.
//!
//! A leaked descriptor cannot be told from a wanted one by its kind alone (`init_pidfd` returns
//! the same kind, for the same process), and liblxc uses the one it received until its call
//! returns. So, per init pid, this module counts the calls in flight and notes the pidfds of that
//! init open when the first began; when the last returns, every pidfd of that init opened since,
//! other than those `init_pidfd` handed out (`Pidfd::Returns`, noted under the same lock), is
//! closed. A pidfd of that init the caller opens itself (`pidfd_open`) while a call is in flight
//! would be closed too: documented on `Command`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, PoisonError};

/// Per init pid: calls in flight, and the pidfds of it that are not liblxc's leaks.
#[derive(Default)]
struct Init {
    in_flight: usize,
    keep: BTreeSet<i32>,
}

static INITS: Mutex<BTreeMap<i32, Init>> = Mutex::new(BTreeMap::new());

/// The pidfds of process `pid` open in this process.
fn pidfds_of(pid: i32) -> BTreeSet<i32> {
    let mut out = BTreeSet::new();
    let Ok(dir) = std::fs::read_dir("/proc/self/fd") else {
        return out;
    };
    let want = format!("Pid:\t{pid}");
    for e in dir.flatten() {
        let Some(fd) = e.file_name().to_str().and_then(|n| n.parse::<i32>().ok()) else {
            continue;
        };
        let is_pidfd =
            std::fs::read_link(e.path()).is_ok_and(|t| t.as_os_str() == "anon_inode:[pidfd]");
        if is_pidfd
            && std::fs::read_to_string(format!("/proc/self/fdinfo/{fd}"))
                .is_ok_and(|i| i.lines().any(|l| l == want))
        {
            out.insert(fd);
        }
    }
    out
}

/// One call of a member that receives pidfds of init `pid`, in flight until dropped.
pub(super) struct Ticket {
    pid: i32,
    returns: bool,
}

impl Ticket {
    /// A call begins. `returns`: the member hands its pidfd to the caller (`init_pidfd`).
    pub(super) fn enter(pid: i32, returns: bool) -> Ticket {
        let mut inits = INITS.lock().unwrap_or_else(PoisonError::into_inner);
        let init = inits.entry(pid).or_default();
        if init.in_flight == 0 {
            init.keep = pidfds_of(pid);
        }
        init.in_flight += 1;
        Ticket { pid, returns }
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut inits = INITS.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(init) = inits.get_mut(&self.pid) else {
            return;
        };
        let now = pidfds_of(self.pid);
        if self.returns {
            // What the member handed out is the caller's (opened since, by this call or another
            // that also returns one; a leak of a concurrent attach kept this way is the rare cost).
            init.keep.extend(now.iter().copied());
        }
        init.in_flight -= 1;
        if init.in_flight > 0 {
            return;
        }
        for fd in now.difference(&init.keep) {
            // SAFETY: a pidfd of this init that liblxc opened in a call that has returned and
            // that nothing handed out: liblxc's leak, which no one else holds.
            unsafe { libc::close(*fd) };
        }
        inits.remove(&self.pid);
    }
}

/// The ticket of a call of `member` on the container behind `h`, when it runs.
#[cold]
pub(super) fn ticket(h: &crate::Handle, member: &crate::version::Member) -> Option<Ticket> {
    // SAFETY: the live container of this handle, under its clone lock.
    let pid = unsafe { crate::ffi::lxcrs_v1_init_pid(h.as_ptr()) };
    (pid > 0).then(|| Ticket::enter(pid, member.pidfd == lxc_api::Pidfd::Returns))
}
