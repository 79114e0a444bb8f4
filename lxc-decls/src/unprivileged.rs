//! What a caller that is not root lacks, in words: liblxc says `ENOMEM` when it cannot create its
//! lock directory, and a template's or a cgroup's refusal does not say what the user must set up.
//! Each function here is asked only after a failure, and only when the effective uid is not 0.

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use lxc_core::{Error, ErrorKind};

/// The effective uid when it is not root.
fn unprivileged() -> Option<u32> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    let uid = unsafe { libc::geteuid() };
    (uid != 0).then_some(uid)
}

/// Whether this process may create entries in the existing directory `dir`.
fn writable(dir: &Path) -> bool {
    let Ok(c) = CString::new(dir.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: `c` is a NUL-terminated path that lives across the call; faccessat only reads it.
    let r = unsafe {
        libc::faccessat(
            libc::AT_FDCWD,
            c.as_ptr(),
            libc::W_OK | libc::X_OK,
            libc::AT_EACCESS,
        )
    };
    r == 0
}

/// The nearest existing ancestor of `path` (or `path` itself) when this process may not create
/// entries in it: where creating `path` must fail.
fn blocked_at(path: &Path) -> Option<PathBuf> {
    let existing = path.ancestors().find(|p| p.is_dir())?;
    (!writable(existing)).then(|| existing.to_path_buf())
}

/// `lxc_container_new` failed: liblxc 5.0 creates a lock directory for the lxcpath before anything
/// else, under `$XDG_RUNTIME_DIR/lxc/lock/`, else `$HOME/.cache/lxc/run/lxc/lock/`, for a caller
/// that is not root, and reports a directory it cannot create as `ENOMEM`.
pub(crate) fn explain_new(e: Error, lxcpath: Option<&Path>) -> Error {
    let Some(uid) = unprivileged() else {
        return e;
    };
    let (rundir, from) =
        match (
            std::env::var_os("XDG_RUNTIME_DIR"),
            std::env::var_os("HOME"),
        ) {
            (Some(dir), _) => (PathBuf::from(dir), "$XDG_RUNTIME_DIR"),
            (None, Some(home)) => (
                Path::new(&home).join(".cache/lxc/run"),
                "$HOME/.cache/lxc/run",
            ),
            (None, None) => return e.rephrased(
                ErrorKind::PermissionDenied,
                "liblxc keeps the locks of a caller that is not root under $XDG_RUNTIME_DIR or \
                 $HOME, and neither is set",
            ),
        };
    let mut locks = rundir.join("lxc/lock");
    if let Some(p) = lxcpath {
        locks.push(p.strip_prefix("/").unwrap_or(p));
    }
    match blocked_at(&locks) {
        Some(at) => e.rephrased(
            ErrorKind::PermissionDenied,
            format!(
                "liblxc cannot create its lock directory {}: uid {uid} may not write to {} \
                 (a caller that is not root keeps its locks under {from}; point it at a \
                 directory this user owns)",
                locks.display(),
                at.display()
            ),
        ),
        None => e,
    }
}

/// The subordinate id ranges `/etc/subuid` or `/etc/subgid` gives this user (by name or uid).
fn has_subordinate_ids(file: &str, uid: u32) -> bool {
    let Ok(text) = std::fs::read_to_string(file) else {
        return false;
    };
    let name = user_name(uid);
    text.lines().any(|l| {
        let owner = l.split(':').next().unwrap_or("");
        owner == uid.to_string() || name.as_deref() == Some(owner)
    })
}

/// The user name of `uid` from /etc/passwd.
fn user_name(uid: u32) -> Option<String> {
    let text = std::fs::read_to_string("/etc/passwd").ok()?;
    text.lines().find_map(|l| {
        let mut f = l.split(':');
        let name = f.next()?;
        (f.nth(1)? == uid.to_string()).then(|| name.to_string())
    })
}

/// Whether the configuration liblxc 5.0 gives a new container of a caller that is not root,
/// `$HOME/.config/lxc/default.conf`, sets `lxc.idmap` (a failed create may have dropped the
/// container's own configuration already).
fn default_conf_has_idmap() -> bool {
    let Some(home) = std::env::var_os("HOME") else {
        return false;
    };
    let conf = Path::new(&home).join(".config/lxc/default.conf");
    std::fs::read_to_string(conf).is_ok_and(|text| {
        text.lines()
            .any(|l| l.trim_start().starts_with("lxc.idmap"))
    })
}

/// `create` failed for a caller that is not root: an unprivileged container needs `lxc.idmap`
/// entries taken from the user's subordinate ids. Says which of the two is missing.
pub(crate) fn explain_create(e: Error, idmap: &str) -> Error {
    let Some(uid) = unprivileged() else {
        return e;
    };
    let missing: Vec<&str> = ["/etc/subuid", "/etc/subgid"]
        .into_iter()
        .filter(|f| !has_subordinate_ids(f, uid))
        .collect();
    let need = if !missing.is_empty() {
        format!(
            "uid {uid} has no subordinate ids in {} (root adds a range, e.g. with `usermod \
             --add-subuids 100000-165535 --add-subgids 100000-165535 USER`, and the `uidmap` \
             package provides newuidmap/newgidmap)",
            missing.join(" and ")
        )
    } else if idmap.is_empty() && !default_conf_has_idmap() {
        "the container has no `lxc.idmap` (a user other than root sets `lxc.idmap = u 0 100000 \
         65536` and `lxc.idmap = g 0 100000 65536`, from the ranges in /etc/subuid and \
         /etc/subgid, in ~/.config/lxc/default.conf)"
            .to_string()
    } else {
        return e;
    };
    let kind = match e.kind() {
        ErrorKind::Failed | ErrorKind::NotFound => ErrorKind::PermissionDenied,
        k => k,
    };
    let reason = format!("{}; as a user other than root: {need}", e.reason());
    e.rephrased(kind, reason)
}

/// `start` failed for a caller that is not root: liblxc makes the container's cgroups below the
/// caller's own, in every hierarchy of /proc/self/cgroup. Names those it may not write to.
pub(crate) fn explain_start(e: Error) -> Error {
    let Some(uid) = unprivileged() else {
        return e;
    };
    let Ok(dirs) = crate::start::own_cgroups() else {
        return e;
    };
    let blocked: Vec<String> = dirs
        .iter()
        .filter(|d| !writable(d))
        .map(|d| d.display().to_string())
        .collect();
    if blocked.is_empty() {
        return e;
    }
    let reason = format!(
        "{}; liblxc makes the container's cgroups below the caller's, and uid {uid} may not write \
         to {} (with cgroup v1 and no systemd, root makes a cgroup per user in each controller, \
         chowns it to the user and moves the user's shell into it)",
        e.reason(),
        blocked.join(", ")
    );
    e.rephrased(ErrorKind::PermissionDenied, reason)
}
