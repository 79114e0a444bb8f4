//! Container states.

use std::ffi::{CStr, OsStr};
use std::fmt;
use std::str::FromStr;

use lxc_core::__private::class::{StaticCStrArg, Str};
use lxc_core::__private::ret::FromCBytes;
use lxc_core::__private::{Call, Lower};
use lxc_core::{Error, ErrorKind, Result};

/// The state of a container, as liblxc reports it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
pub enum State {
    /// Not running.
    Stopped,
    /// Being started.
    Starting,
    /// Running.
    Running,
    /// Being stopped.
    Stopping,
    /// Start failed and is being cleaned up.
    Aborting,
    /// Being frozen.
    Freezing,
    /// Frozen.
    Frozen,
    /// Thawed (a transient state after unfreeze).
    Thawed,
    /// liblxc could not ask the container's monitor (`"INVALID STATE"`). liblxc's own `is_running`
    /// counts this as running.
    Invalid,
}

impl State {
    /// Every state `wait` accepts, in liblxc's order.
    pub const ALL: [State; 8] = [
        State::Stopped,
        State::Starting,
        State::Running,
        State::Stopping,
        State::Aborting,
        State::Freezing,
        State::Frozen,
        State::Thawed,
    ];

    /// liblxc's name for the state, e.g. `"RUNNING"`.
    pub fn as_str(self) -> &'static str {
        self.as_c_str().to_str().unwrap_or("INVALID STATE")
    }

    fn as_c_str(self) -> &'static CStr {
        match self {
            State::Stopped => c"STOPPED",
            State::Starting => c"STARTING",
            State::Running => c"RUNNING",
            State::Stopping => c"STOPPING",
            State::Aborting => c"ABORTING",
            State::Freezing => c"FREEZING",
            State::Frozen => c"FROZEN",
            State::Thawed => c"THAWED",
            State::Invalid => c"INVALID STATE",
        }
    }

    fn from_bytes(b: &[u8]) -> Option<State> {
        Some(match b {
            b"STOPPED" => State::Stopped,
            b"STARTING" => State::Starting,
            b"RUNNING" => State::Running,
            b"STOPPING" => State::Stopping,
            b"ABORTING" => State::Aborting,
            b"FREEZING" => State::Freezing,
            b"FROZEN" => State::Frozen,
            b"THAWED" => State::Thawed,
            b"INVALID STATE" => State::Invalid,
            _ => return None,
        })
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for State {
    type Err = Error;

    /// Parses liblxc's name, case-insensitively (`"running"`, `"RUNNING"`).
    fn from_str(s: &str) -> Result<State> {
        State::from_bytes(s.to_ascii_uppercase().as_bytes()).ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidArgument,
                "State::from_str",
                format!("unknown container state {s:?}"),
            )
        })
    }
}

impl AsRef<OsStr> for State {
    fn as_ref(&self) -> &OsStr {
        OsStr::new(self.as_str())
    }
}

impl FromCBytes for State {
    #[inline]
    fn from_c_bytes(b: &[u8], call: &Call<'_>) -> Result<State> {
        State::from_bytes(b).ok_or_else(|| {
            call.error(
                ErrorKind::InvalidData,
                format!(
                    "liblxc reported an unknown state {:?}",
                    String::from_utf8_lossy(b)
                )
                .into(),
            )
        })
    }
}

impl Lower<Str> for State {
    type Holder = StaticCStrArg;
    #[inline]
    fn lower(self) -> std::result::Result<StaticCStrArg, lxc_core::__private::class::LowerError> {
        if self == State::Invalid {
            return Err(lxc_core::__private::class::LowerError::Invalid(
                "`State::Invalid` is not a state one can wait for".into(),
            ));
        }
        Ok(StaticCStrArg(self.as_c_str()))
    }
}
