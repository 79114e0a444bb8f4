//! Freezing and thawing, bounded in time and serialised per container in this process.
//!
//! liblxc 5.0.2 freezes a container on the cgroup v1 freezer by writing `freezer.state` once and
//! then polling it (`sleep(1)` between reads) until it reads back the target, with no timeout and
//! no lock. Two ways make that poll last forever:
//!
//! - another handle writes the opposite state in between (a concurrent `unfreeze`): the lost update
//!   is never retried;
//! - a task of the container cannot be frozen: right after a start, busybox's init may sit in
//!   `vfork` waiting for a child that is already frozen, and the cgroup stays `FREEZING`.
//!
//! So lxc-rs drives the v1 freezer itself through liblxc's cgroup members: it writes the target,
//! polls with a short back-off, thaws and refreezes when the cgroup is stuck `FREEZING`, fails
//! when the opposite state is written from outside (another process, or liblxc's `stop`, which
//! thaws so that init can die) instead of fighting it, and gives up (thawing again) at a deadline. Only when the target is
//! reached does it call liblxc's `freeze`/`unfreeze`, which then find the state already right,
//! return at once and notify the container's state listeners (`wait`); they run in a forked child
//! that is killed at the deadline, since they would still poll for ever if the state changed again.
//! Freeze, unfreeze and stop of the same container in this process take one lock, so they never
//! undo each other. On the cgroup v2 layout liblxc's
//! members are called directly.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use std::ffi::c_int;

use lxc_core::__private::err::Failure;
use lxc_core::__private::{ffi, meta, Call};
use lxc_core::{Error, ErrorKind, Result};
use lxc_macros::lxc_method;

use crate::Container;

/// How long [`Container::freeze`] and [`Container::unfreeze`] try before giving up.
pub const DEFAULT_FREEZE_TIMEOUT: Duration = Duration::from_secs(10);

/// How long the cgroup may stay `FREEZING` before it is thawed and frozen again.
const KICK_AFTER: Duration = Duration::from_millis(500);

const STATE: &str = "freezer.state";

/// A container in this process: its lxcpath and name.
type Key = (PathBuf, String);

/// One lock per container in this process, dropped from the map when nobody holds it.
static LOCKS: Mutex<Option<HashMap<Key, Arc<Mutex<()>>>>> = Mutex::new(None);

struct Serial {
    key: Key,
    lock: Arc<Mutex<()>>,
}

impl Serial {
    fn of(key: Key) -> Serial {
        let mut map = LOCKS.lock().unwrap_or_else(PoisonError::into_inner);
        let lock = map
            .get_or_insert_with(HashMap::new)
            .entry(key.clone())
            .or_default()
            .clone();
        Serial { key, lock }
    }

    fn hold(&self) -> MutexGuard<'_, ()> {
        self.lock.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for Serial {
    fn drop(&mut self) {
        let mut map = LOCKS.lock().unwrap_or_else(PoisonError::into_inner);
        // Two references (the map's and this one) and nobody else: nobody waits for it.
        if Arc::strong_count(&self.lock) == 2 {
            if let Some(m) = map.as_mut() {
                m.remove(&self.key);
            }
        }
    }
}

impl Container {
    /// Freezes every process of the running container (the cgroup freezer) and waits until they
    /// are frozen, for at most [`DEFAULT_FREEZE_TIMEOUT`]. See [`freeze_timeout`](Self::freeze_timeout).
    ///
    /// # Errors
    ///
    /// As [`freeze_timeout`](Self::freeze_timeout).
    #[lxc_method(freeze, ret = Manual, err = False)]
    pub fn freeze(&self) -> Result<()> {
        self.freezer(true, DEFAULT_FREEZE_TIMEOUT)
    }

    /// Freezes every process of the running container and waits until they are frozen, for at
    /// most `timeout`.
    ///
    /// Freeze, unfreeze and stop through any handle of this process for the same container run
    /// one at a time. On the cgroup v1 freezer a cgroup stuck in `FREEZING` (a task in `vfork`
    /// whose child was frozen first) is thawed and frozen again; when the deadline passes the
    /// container is thawed, so it is never left half frozen. liblxc's own `freeze` has no
    /// timeout.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NotRunning`] when the container does not run (or stops meanwhile),
    /// [`ErrorKind::Timeout`] when its processes could not all be frozen in time (the container is
    /// thawed again), and [`ErrorKind::Failed`] when liblxc cannot write the freezer or another
    /// process thawed it meanwhile.
    pub fn freeze_timeout(&self, timeout: Duration) -> Result<()> {
        self.freezer(true, timeout)
    }

    /// Thaws a frozen container and waits until its processes run again, for at most
    /// [`DEFAULT_FREEZE_TIMEOUT`]. Thawing a container that is not frozen succeeds.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NotRunning`] when the container does not run, [`ErrorKind::Timeout`] when it
    /// is still frozen at the deadline, and [`ErrorKind::Failed`] when liblxc cannot write the
    /// freezer.
    #[lxc_method(unfreeze, ret = Manual, err = False)]
    pub fn unfreeze(&self) -> Result<()> {
        self.freezer(false, DEFAULT_FREEZE_TIMEOUT)
    }

    fn freezer(&self, freeze: bool, timeout: Duration) -> Result<()> {
        let op = if freeze { "freeze" } else { "unfreeze" };
        let deadline = Instant::now() + timeout;
        let key = match self.config_path() {
            Ok(p) => (p, self.name().to_owned()),
            Err(_) => return self.freezer_notify(freeze, deadline),
        };
        let serial = Serial::of(key);
        let _held = serial.hold();
        // Only the v1 freezer has `freezer.state`; without it (v2, or not running) liblxc's own
        // member answers, bounded in the same way.
        if self.cgroup_item(STATE).is_err() {
            return self.freezer_notify(freeze, deadline);
        }
        let (target, other) = if freeze {
            ("FROZEN", "THAWED")
        } else {
            ("THAWED", "FROZEN")
        };
        let lost = |e: Error| self.freezer_error(op, e);
        self.set_cgroup_item(STATE, target).map_err(lost)?;
        let mut since_write = Instant::now();
        let mut pause = Duration::from_millis(1);
        loop {
            let now = self.cgroup_item(STATE).map_err(lost)?;
            let now = now.trim();
            if now == target {
                return self.freezer_notify(freeze, deadline);
            }
            if Instant::now() >= deadline {
                if freeze {
                    let _ = self.set_cgroup_item(STATE, other);
                }
                return Err(self.error_in(
                    ErrorKind::Timeout,
                    op,
                    format!(
                        "the cgroup freezer still read {now} after {timeout:?}{}",
                        if freeze {
                            " (a process of the container could not be frozen); it was thawed again"
                        } else {
                            ""
                        }
                    ),
                ));
            }
            if now == other {
                // Someone outside this process's lock wrote the opposite state: another process,
                // or liblxc's stop, which thaws the container so that its init can die. Fighting
                // it would leave a killed container frozen and its stop() waiting for ever.
                return Err(self.error_in(
                    ErrorKind::Failed,
                    op,
                    format!(
                        "the cgroup freezer was set to {other} meanwhile, outside this call (a stop, \
                         or another process)"
                    ),
                ));
            }
            if now == "FREEZING" && since_write.elapsed() >= KICK_AFTER {
                self.set_cgroup_item(STATE, other).map_err(lost)?;
                self.set_cgroup_item(STATE, target).map_err(lost)?;
                since_write = Instant::now();
            }
            thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(50));
        }
    }

    /// Stops the container at once (SIGKILL to init).
    ///
    /// It takes the same per-container lock as [`freeze`](Self::freeze) and
    /// [`unfreeze`](Self::unfreeze): liblxc's monitor thaws the container so that its init can
    /// die, and a freeze running at that moment would freeze it again, leaving `stop` waiting for
    /// ever.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NotRunning`] when the container does not run, and [`ErrorKind::Failed`] with
    /// liblxc's reason otherwise.
    #[lxc_method(stop, ret = Manual, err = False)]
    pub fn stop(&self) -> Result<()> {
        let serial = self
            .config_path()
            .ok()
            .map(|p| Serial::of((p, self.name().to_owned())));
        let _held = serial.as_ref().map(Serial::hold);
        let call = Call::method(self, &meta::stop)?;
        // SAFETY: the container pointer is live and held for the call.
        if unsafe { ffi::lxcrs_v1_stop(call.ptr()) } {
            return Ok(());
        }
        Err(call.fail(Failure {
            code: Some(0),
            errno: None,
        }))
    }

    /// The freezer reads the target: liblxc's own member now finds it so, tells the container's
    /// state listeners (`wait`) and returns. It still polls without a bound if the state changes
    /// meanwhile (another process, or a restart through another handle), so it runs in a child
    /// that is killed at the deadline (at least one second from now).
    fn freezer_notify(&self, freeze: bool, deadline: Instant) -> Result<()> {
        let member = if freeze {
            &meta::freeze
        } else {
            &meta::unfreeze
        };
        let call = Call::method(self, member)?;
        let left = deadline.saturating_duration_since(Instant::now());
        let ms = c_int::try_from(left.as_millis().max(1000)).unwrap_or(c_int::MAX);
        // SAFETY: the container pointer is live and held for the call; the glue forks, and only
        // the child calls the member, on its copy of the object.
        let r = unsafe { ffi::lxcrs_glue_freezer_bounded(call.ptr(), freeze, ms) };
        match r {
            1 => Ok(()),
            0 => Err(call.fail(Failure {
                code: Some(0),
                errno: None,
            })),
            _ => {
                let e = std::io::Error::last_os_error();
                if freeze && e.raw_os_error() == Some(libc::ETIMEDOUT) {
                    drop(call);
                    let _ = self.set_cgroup_item(STATE, "THAWED");
                    return Err(self.error_in(
                        ErrorKind::Timeout,
                        member.name,
                        "the freezer changed again while liblxc confirmed it (the container was \
                         restarted or thawed meanwhile); it was thawed again",
                    ));
                }
                Err(call.error(
                    ErrorKind::Failed,
                    format!("liblxc's {} could not run: {e}", member.name).into(),
                ))
            }
        }
    }

    /// A freezer write or read failed: most often because the container stopped meanwhile.
    #[cold]
    fn freezer_error(&self, op: &'static str, e: Error) -> Error {
        if !self.is_running() {
            return self.error_in(
                ErrorKind::NotRunning,
                op,
                "the container is not running (it stopped meanwhile)",
            );
        }
        self.error_in(
            e.kind(),
            op,
            format!("{} failed: {}", e.operation(), e.reason()),
        )
    }
}
