//! Why a call failed: one ordered list of explainers over what is known after the failure.
//!
//! The facts are gathered once (the errno the convention gives, the container's condition
//! against the row's needs, the lines liblxc logged during this call, the row itself); then the
//! explainers in [`KIND_FROM`] are asked in order and the first that names a kind decides it. The
//! reason says the most specific thing known: the condition, else what liblxc logged, else the
//! errno's text, else the table's words.

use std::borrow::Cow;

use super::call::Call;
use super::err::Failure;
use crate::error::{Error, ErrorKind};
use crate::version::Member;
use lxc_api::Condition;

/// What is known of one failure.
pub(super) struct Facts {
    /// The errno the failure convention makes meaningful.
    errno: Option<i32>,
    /// The container's condition does not meet the row's needs: kind and reason.
    state: Option<(ErrorKind, Cow<'static, str>)>,
    /// What liblxc logged during this call (the object's log, and the child's for `in_child`).
    logged: Option<String>,
    /// The child of an `in_child` member was killed at this deadline.
    killed: Option<std::time::Duration>,
    /// A member that writes into the lxcpath met a full or read-only filesystem.
    storage: Option<(ErrorKind, String)>,
    /// The container's condition after a timeout ran out (asked only then).
    after_timeout: Option<Condition>,
}

type Explainer = fn(&Facts, &Member) -> Option<ErrorKind>;

/// The explainers, in order: the first that names a kind decides the error's kind.
const KIND_FROM: [Explainer; 8] = [
    // A call killed at its call limit ran out of time, whatever state that left the container in
    // (a stop killed while the monitor runs a post-stop hook leaves it not running).
    |f, m| {
        (f.killed.is_some() && matches!(m.blocks, lxc_api::Blocks::Bounded(..)))
            .then_some(ErrorKind::Timeout)
    },
    // A container in the wrong state is the cause, whatever errno liblxc made of it.
    |f, _| f.state.as_ref().map(|(k, _)| *k),
    // A full or read-only filesystem under the lxcpath, whatever liblxc made of it.
    |f, _| f.storage.as_ref().map(|(k, _)| *k),
    // liblxc did not return before the row's deadline: its child was killed.
    |f, _| f.killed.map(|_| ErrorKind::Timeout),
    // Members that fail without a word: what errno they leave is stale, the table knows better.
    |f, m| match (&f.logged, m.silent) {
        (None, Some(s)) => Some(s.kind),
        _ => None,
    },
    |f, _| {
        f.errno
            .map(ErrorKind::from_errno)
            .filter(|k| *k != ErrorKind::Failed)
    },
    |f, _| {
        f.logged
            .as_deref()
            .map(kind_of_logged)
            .filter(|k| *k != ErrorKind::Failed)
    },
    // A member given a timeout that failed for no other reason ran out of time.
    |_, m| m.timed().then_some(ErrorKind::Timeout),
];

impl Call<'_> {
    /// Explains a failure: gathers the facts (asked only now, so the success path pays nothing)
    /// and runs the explainers.
    #[cold]
    #[inline(never)]
    pub fn fail(&self, f: Failure) -> Error {
        let logged = self.logged();
        let facts = Facts {
            errno: f.errno.filter(|e| *e > 0),
            state: super::contract::diagnose(self),
            storage: self.storage(logged.as_deref()),
            logged,
            killed: self.killed.get().then(|| self.killed_after.get()).flatten(),
            after_timeout: None,
        };
        let m = self.member;
        let kind = KIND_FROM
            .iter()
            .find_map(|explain| explain(&facts, m))
            .unwrap_or(ErrorKind::Failed);
        let facts = Facts {
            after_timeout: self
                .handle
                .filter(|_| kind == ErrorKind::Timeout && (m.timed() || facts.killed.is_some()))
                .map(super::contract::condition),
            ..facts
        };
        let reason = reason(&facts, m, kind);
        let mut e = self.error(kind, reason);
        if let Some(code) = f.code {
            e = e.with_code(code);
        }
        if let Some(errno) = facts.errno {
            e = e.with_errno(errno);
        }
        e
    }

    /// For a member that writes into the lxcpath: a full or read-only filesystem there, from what
    /// liblxc (or a template) said, else from the filesystem itself.
    fn storage(&self, logged: Option<&str>) -> Option<(ErrorKind, String)> {
        if !self.member.writes {
            return None;
        }
        let h = self.handle?;
        // SAFETY: the live container of this call; the string is the container's, copied at once.
        let path = unsafe { crate::ffi::lxcrs_v1_get_config_path(h.as_ptr()) };
        if path.is_null() {
            return None;
        }
        // SAFETY: non-null NUL-terminated string owned by the container.
        let path = unsafe { std::ffi::CStr::from_ptr(path) };
        let shown = path.to_string_lossy();
        let said = |e| logged.is_some_and(|l| l.contains(&strerror(e)));
        let full = (
            ErrorKind::StorageFull,
            format!("the filesystem of {shown} is full"),
        );
        let ro = (
            ErrorKind::ReadOnly,
            format!("the lxcpath {shown} is on a read-only filesystem"),
        );
        if said(libc::ENOSPC) || said(libc::EDQUOT) {
            return Some(full);
        }
        if said(libc::EROFS) {
            return Some(ro);
        }
        let mut st = std::mem::MaybeUninit::<libc::statvfs>::uninit();
        // SAFETY: a NUL-terminated path and a valid out-pointer.
        if unsafe { libc::statvfs(path.as_ptr(), st.as_mut_ptr()) } != 0 {
            return None;
        }
        // SAFETY: statvfs succeeded and filled it.
        let st = unsafe { st.assume_init() };
        if st.f_flag & libc::ST_RDONLY != 0 {
            Some(ro)
        } else if st.f_bavail == 0 || st.f_favail == 0 {
            Some(full)
        } else {
            None
        }
    }

    /// What liblxc logged during this call.
    fn logged(&self) -> Option<String> {
        let own = self
            .handle
            .and_then(|h| h.log_reason(self.member.name, self.started_ns));
        let child = self
            .child_log
            .get()
            .and_then(|f| crate::logcap::child_reason(f, self.member.name, self.started_ns));
        match (own, child) {
            (Some(a), Some(b)) => Some(format!("{a}; {b}")),
            (a, b) => a.or(b),
        }
    }
}

/// The container's condition after a timeout, as the end of a reason.
fn now(after_timeout: Option<Condition>) -> &'static str {
    match after_timeout {
        Some(Condition::Undefined) => "; the container is not defined now",
        Some(Condition::Stopped) => "; the container is stopped now",
        Some(Condition::Running) => "; the container is running now",
        Some(Condition::Frozen) => "; the container is frozen now",
        None => "",
    }
}

/// The reason, from the most specific fact.
fn reason(f: &Facts, m: &Member, kind: ErrorKind) -> Cow<'static, str> {
    let bounded = matches!(m.blocks, lxc_api::Blocks::Bounded(..));
    if let (true, Some(d)) = (f.state.is_none() || bounded, f.killed) {
        return Cow::Owned(format!(
            "liblxc's {} did not return within {d:?} ({}): it was killed with every process it started{}",
            m.name,
            if bounded { "the call limit" } else { "its timeout" },
            // A member that writes has its half-made result removed after this (a create
            // defines the container for a moment): the state now would mislead.
            if m.writes { "" } else { now(f.after_timeout) }
        ));
    }
    if let (None, None, Some(s)) = (&f.state, &f.logged, m.silent) {
        return Cow::Borrowed(s.reason);
    }
    if let (None, Some((_, why))) = (&f.state, &f.storage) {
        return Cow::Owned(match &f.logged {
            Some(logged) => format!("{why} ({logged})"),
            None => why.clone(),
        });
    }
    let base: Cow<'static, str> = match (&f.state, &f.logged, f.errno) {
        (Some((_, why)), Some(logged), _) => Cow::Owned(format!("{why} ({logged})")),
        (Some((_, why)), None, _) => why.clone(),
        (None, Some(logged), _) => Cow::Owned(logged.clone()),
        (None, None, Some(e)) => Cow::Owned(strerror(e)),
        (None, None, None) => Cow::Borrowed(""),
    };
    let timed_out = kind == ErrorKind::Timeout
        && f.state.is_none()
        && !f
            .errno
            .is_some_and(|e| ErrorKind::from_errno(e) == ErrorKind::Timeout);
    if timed_out {
        // What did not happen, the container's condition now, then what liblxc said (which, for
        // a timeout, is its wait giving up): never a reason left over from an earlier call.
        let what = match m.timeout_means {
            "" => "it did not happen",
            what => what,
        };
        let now = now(f.after_timeout);
        return Cow::Owned(if base.is_empty() {
            format!("{what} within the timeout{now}")
        } else {
            format!("{what} within the timeout{now} (liblxc: {base})")
        });
    }
    if base.is_empty() {
        Cow::Owned(format!(
            "failed, and liblxc logged no reason (it {})",
            m.fails
        ))
    } else {
        base
    }
}

pub(super) use crate::logcap::strerror;

/// The kind a logged reason implies: liblxc starts many messages with `strerror(errno) - `, and
/// the API table knows what some others mean.
fn kind_of_logged(logged: &str) -> ErrorKind {
    if let Some((_, kind)) = lxc_api::LOGGED_KINDS
        .iter()
        .find(|(piece, _)| logged.contains(piece))
    {
        return *kind;
    }
    if logged.contains("already exists")
        || logged.ends_with(" exists")
        || logged.contains(" exists;")
    {
        return ErrorKind::AlreadyExists;
    }
    for e in [
        libc::EINVAL,
        libc::ENOENT,
        libc::EEXIST,
        libc::EPERM,
        libc::EACCES,
        libc::ETIMEDOUT,
        libc::ENOSYS,
        libc::ENAMETOOLONG,
    ] {
        if logged.starts_with(&format!("{} - ", strerror(e))) {
            return ErrorKind::from_errno(e);
        }
    }
    ErrorKind::Failed
}
