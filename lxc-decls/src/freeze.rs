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

use std::cell::Cell;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use lxc_core::__private::{bound_next_child, ChildBound};
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
static LOCKS: Mutex<Option<HashMap<Key, Arc<Gate>>>> = Mutex::new(None);

/// A lock that can be held by a value that owns it (a `pre` function returns it, and the
/// declaration keeps it until liblxc returned).
#[derive(Default)]
struct Gate {
    held: Mutex<bool>,
    freed: Condvar,
}

/// The per-container lock of freeze, unfreeze and stop, held.
pub(crate) struct Held {
    key: Key,
    gate: Arc<Gate>,
}

impl Held {
    fn take(key: Key) -> Held {
        let gate = {
            let mut map = LOCKS.lock().unwrap_or_else(PoisonError::into_inner);
            map.get_or_insert_with(HashMap::new)
                .entry(key.clone())
                .or_default()
                .clone()
        };
        let mut held = gate.held.lock().unwrap_or_else(PoisonError::into_inner);
        while *held {
            held = gate
                .freed
                .wait(held)
                .unwrap_or_else(PoisonError::into_inner);
        }
        *held = true;
        drop(held);
        Held { key, gate }
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        *self
            .gate
            .held
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = false;
        self.gate.freed.notify_one();
        let mut map = LOCKS.lock().unwrap_or_else(PoisonError::into_inner);
        // Two references (the map's and this one) and nobody else: nobody waits for it.
        if Arc::strong_count(&self.gate) == 2 {
            if let Some(m) = map.as_mut() {
                m.remove(&self.key);
            }
        }
    }
}

thread_local! {
    /// The deadline `freeze_timeout`/`unfreeze_timeout` give the declared member they call.
    static DEADLINE: Cell<Option<Instant>> = const { Cell::new(None) };
}

impl Container {
    /// Freezes every process of the running container (the cgroup freezer) and waits until they
    /// are frozen, for at most [`DEFAULT_FREEZE_TIMEOUT`]. See [`freeze_timeout`](Self::freeze_timeout).
    ///
    /// # Errors
    ///
    /// As [`freeze_timeout`](Self::freeze_timeout).
    #[lxc_method(freeze, pre = Self::freeze_first, explain = Self::thaw_after_timeout)]
    pub fn freeze(&self) -> Result<()>;

    /// Freezes every process of the running container and waits until they are frozen, for at
    /// most `timeout`.
    ///
    /// Freeze, unfreeze and stop through any handle of this process for the same container run
    /// one at a time. On the cgroup v1 freezer a cgroup stuck in `FREEZING` (a task in `vfork`
    /// whose child was frozen first) is thawed and frozen again; when the deadline passes the
    /// container is thawed, so it is never left half frozen. liblxc's own `freeze` has no
    /// timeout: it runs in a child that is killed at the deadline (at least one second).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NotRunning`] when the container does not run (or stops meanwhile),
    /// [`ErrorKind::Timeout`] when its processes could not all be frozen in time (the container is
    /// thawed again), and [`ErrorKind::Failed`] when liblxc cannot write the freezer or another
    /// process thawed it meanwhile.
    pub fn freeze_timeout(&self, timeout: Duration) -> Result<()> {
        DEADLINE.set(Some(Instant::now() + timeout));
        let r = self.freeze();
        DEADLINE.set(None);
        r
    }

    /// Thaws a frozen container and waits until its processes run again, for at most
    /// [`DEFAULT_FREEZE_TIMEOUT`]. Thawing a container that is not frozen succeeds.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NotRunning`] when the container does not run, [`ErrorKind::Timeout`] when it
    /// is still frozen at the deadline, and [`ErrorKind::Failed`] when liblxc cannot write the
    /// freezer.
    #[lxc_method(unfreeze, pre = Self::unfreeze_first)]
    pub fn unfreeze(&self) -> Result<()>;

    /// Thaws a frozen container and waits until its processes run again, for at most `timeout`.
    ///
    /// # Errors
    ///
    /// As [`unfreeze`](Self::unfreeze).
    pub fn unfreeze_timeout(&self, timeout: Duration) -> Result<()> {
        DEADLINE.set(Some(Instant::now() + timeout));
        let r = self.unfreeze();
        DEADLINE.set(None);
        r
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
    /// [`ErrorKind::NotRunning`] when the container does not run (liblxc 5.0.2 would report
    /// success), [`ErrorKind::Timeout`] when the monitor is not gone at the
    /// [call limit](Self::set_call_limit) (a post-stop hook that never ends), and
    /// [`ErrorKind::Failed`] with liblxc's reason otherwise, also when liblxc reports success and
    /// the container still runs.
    #[lxc_method(stop, pre = Self::before_stop)]
    pub fn stop(&self) -> Result<()>;

    /// The freezer lock, and the caller's own children in the container reaped as they die (an
    /// unreaped one keeps the container's init from dying, and `stop` from returning).
    fn before_stop(&self) -> Result<(Option<Held>, crate::exec::Reaping)> {
        let held = self.hold_freezer()?;
        Ok((
            held,
            crate::exec::Reaping::children_of(self.init_pid().ok()),
        ))
    }

    /// The per-container lock of freeze, unfreeze and stop in this process.
    fn hold_freezer(&self) -> Result<Option<Held>> {
        Ok(self
            .config_path()
            .ok()
            .map(|p| Held::take((p, self.name().to_owned()))))
    }

    fn freeze_first(&self) -> Result<(Option<Held>, ChildBound)> {
        self.drive_freezer(true)
    }

    fn unfreeze_first(&self) -> Result<(Option<Held>, ChildBound)> {
        self.drive_freezer(false)
    }

    /// Before liblxc's `freeze`/`unfreeze`: takes the lock, brings the cgroup v1 freezer to the
    /// target within the deadline, and bounds liblxc's own member (which then finds the state
    /// right, tells the container's state listeners and returns) by what is left of it.
    fn drive_freezer(&self, freeze: bool) -> Result<(Option<Held>, ChildBound)> {
        let deadline = DEADLINE
            .take()
            .unwrap_or_else(|| Instant::now() + DEFAULT_FREEZE_TIMEOUT);
        let held = self.hold_freezer()?;
        // Only the v1 freezer has `freezer.state`; without it (v2, or not running) liblxc's own
        // member answers, bounded in the same way.
        if held.is_some() && self.cgroup_item(STATE).is_ok() {
            self.drive_v1(freeze, deadline)?;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        Ok((held, bound_next_child(left.max(Duration::from_secs(1)))))
    }

    /// liblxc's `freeze` did not return in time: the container must not stay half frozen.
    #[cold]
    fn thaw_after_timeout(&self, e: Error, _: &(Option<Held>, ChildBound)) -> Error {
        if e.kind() != ErrorKind::Timeout {
            return e;
        }
        let _ = self.set_cgroup_item(STATE, "THAWED");
        let why = format!(
            "{} (the freezer changed again while liblxc confirmed it: the container was restarted \
             or thawed meanwhile); it was thawed again",
            e.reason()
        );
        e.rephrased(ErrorKind::Timeout, why)
    }

    fn drive_v1(&self, freeze: bool, deadline: Instant) -> Result<()> {
        let op = if freeze { "freeze" } else { "unfreeze" };
        let timeout = deadline.saturating_duration_since(Instant::now());
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
                return Ok(());
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
