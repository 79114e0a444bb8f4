//! `start`, keeping the calling process in its own cgroups.
//!
//! liblxc 5.0.2's daemonized start records the caller's pid as the "transient" process of the new
//! monitor (`lxc_init_handler`), and the monitor moves it into its own `lxc.monitor.<name>` cgroup
//! in every hierarchy (`cgfsng_monitor_enter`). For the `lxc-start` tool that process exits at once;
//! a program that stays would live on in the monitor cgroup of the container it started last (its
//! memory and pids counted there), and the monitor cannot remove that cgroup when it exits: one
//! `lxc.monitor.<name>-<n>` would be left behind per start. So lxc-rs notes the process's cgroups
//! before a start and moves the process back once the start returned.
//!
//! Starts may run on several threads at once: the cgroups are read when no other start is under
//! way, and every start moves the process back to them, so when the last one returns the process
//! is where it was before the first began.

use std::collections::BTreeSet;
use std::fs;
use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};

use lxc_core::{Error, ErrorKind, Result};

use crate::Container;

/// Where the process was before the starts under way began, and how many there are.
static HOME: Mutex<(usize, Option<Vec<PathBuf>>)> = Mutex::new((0, None));

impl Container {
    /// Starts the container. With `use_init`, `argv` runs under lxc's minimal init
    /// (application container); with an empty `argv`, `lxc.init.cmd` runs.
    ///
    /// A daemonized start (the default, see [`Container::want_daemonize`]) returns once the
    /// container runs. A foreground start blocks until the container exits, and liblxc refuses it
    /// in a process with more than one thread.
    ///
    /// The calling process stays in its own cgroups: liblxc moves it into the new monitor's
    /// cgroup, and lxc-rs moves it back before returning.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Running`] when it already runs, [`ErrorKind::NotFound`] when it is not
    /// defined, [`ErrorKind::InvalidArgument`] for a NUL byte in `argv`, and
    /// [`ErrorKind::Failed`] with liblxc's reason otherwise. When the start succeeded but the
    /// process could not be moved back, the error is [`ErrorKind::Failed`] with operation
    /// `start` and says so; the container runs.
    pub fn start_with(&self, use_init: bool, argv: &[&str]) -> Result<()> {
        enter();
        let r = self.start_raw(use_init, argv);
        let back = leave();
        r?;
        back.map_err(|why| {
            Error::new(
                ErrorKind::Failed,
                "start",
                format!("the container started, but the calling process could not be moved back to its cgroups: {why}"),
            )
            .with_container(self.name())
        })
    }
}

/// A start begins: note the process's cgroups unless another start already did.
fn enter() {
    let mut home = HOME.lock().unwrap_or_else(PoisonError::into_inner);
    if home.0 == 0 {
        home.1 = own_cgroups().ok();
    }
    home.0 += 1;
}

/// A start returned: move the process back to the cgroups noted by `enter`.
fn leave() -> std::result::Result<(), String> {
    let mut home = HOME.lock().unwrap_or_else(PoisonError::into_inner);
    home.0 -= 1;
    let Some(dirs) = &home.1 else {
        return Ok(());
    };
    let pid = std::process::id().to_string();
    let mut failed = Vec::new();
    for d in dirs {
        let procs = d.join("cgroup.procs");
        if let Err(e) = fs::write(&procs, &pid) {
            failed.push(format!("{}: {e}", procs.display()));
        }
    }
    if home.0 == 0 {
        home.1 = None;
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(failed.join("; "))
    }
}

/// The directory of each cgroup this process is in, one per mounted hierarchy.
fn own_cgroups() -> std::io::Result<Vec<PathBuf>> {
    let cgroups = fs::read_to_string("/proc/self/cgroup")?;
    let mounts = fs::read_to_string("/proc/self/mountinfo")?;
    let mut dirs = Vec::new();
    for line in cgroups.lines() {
        // `hierarchy-id:controllers:path`; the path may itself hold ':'.
        let mut parts = line.splitn(3, ':');
        let (Some(_), Some(controllers), Some(path)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let wanted: BTreeSet<&str> = controllers.split(',').filter(|c| !c.is_empty()).collect();
        if let Some(dir) = mount_of(&mounts, &wanted, path) {
            dirs.push(dir);
        }
    }
    Ok(dirs)
}

/// Where the hierarchy with these controllers (none: cgroup2) is mounted, joined with `path`.
fn mount_of(mountinfo: &str, wanted: &BTreeSet<&str>, path: &str) -> Option<PathBuf> {
    for m in mountinfo.lines() {
        // `id parent dev root mountpoint opts [optional…] - fstype source superopts`
        let Some((left, right)) = m.split_once(" - ") else {
            continue;
        };
        let left: Vec<&str> = left.split(' ').collect();
        let right: Vec<&str> = right.split(' ').collect();
        let (Some(root), Some(point), Some(fstype), Some(superopts)) =
            (left.get(3), left.get(4), right.first(), right.get(2))
        else {
            continue;
        };
        let matches = match *fstype {
            "cgroup2" => wanted.is_empty(),
            "cgroup" => {
                // A v1 controller (or `name=`) is in one hierarchy only; the other options are
                // mount options.
                let have: BTreeSet<&str> = superopts.split(',').collect();
                !wanted.is_empty() && wanted.is_subset(&have)
            }
            _ => false,
        };
        if !matches {
            continue;
        }
        // The path is relative to the cgroup namespace root, which is the mount's root here.
        let rel = path.strip_prefix(root).unwrap_or(path);
        let rel = rel.trim_start_matches('/');
        let point = unescape(point);
        return Some(if rel.is_empty() {
            PathBuf::from(point)
        } else {
            PathBuf::from(point).join(rel)
        });
    }
    None
}

/// mountinfo escapes space, tab, newline and backslash as `\ooo`.
fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 3 < b.len() && b[i + 1..i + 4].iter().all(u8::is_ascii_digit) {
            let v = b[i + 1..i + 4]
                .iter()
                .fold(0u32, |a, d| a * 8 + u32::from(d - b'0'));
            out.push(v as u8);
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MOUNTS: &str = "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:9 - cgroup cgroup rw,cpu,cpuacct
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate
42 31 0:39 / /sys/fs/cgroup/my\\040dir rw,relatime - cgroup cgroup rw,pids";

    fn set<'a>(s: &[&'a str]) -> BTreeSet<&'a str> {
        s.iter().copied().collect()
    }

    #[test]
    fn finds_each_hierarchy() {
        assert_eq!(
            mount_of(MOUNTS, &set(&["cpu", "cpuacct"]), "/a/b"),
            Some(PathBuf::from("/sys/fs/cgroup/cpu,cpuacct/a/b"))
        );
        assert_eq!(
            mount_of(MOUNTS, &set(&[]), "/"),
            Some(PathBuf::from("/sys/fs/cgroup/unified"))
        );
        assert_eq!(
            mount_of(MOUNTS, &set(&["pids"]), "/x"),
            Some(PathBuf::from("/sys/fs/cgroup/my dir/x"))
        );
        assert_eq!(mount_of(MOUNTS, &set(&["memory"]), "/"), None);
    }
}
