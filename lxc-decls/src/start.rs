//! `start`, in a forked child of its own.
//!
//! liblxc 5.0.2's daemonized start records the calling process as the "transient" process of the
//! new monitor (`lxc_init_handler`), and the monitor moves it into its own `lxc.monitor.<name>`
//! cgroup in every hierarchy (`cgfsng_monitor_enter`). For the `lxc-start` tool that process
//! exits at once. A program that stays would live on in the monitor cgroup of the container it
//! started last (its memory and pids counted there), and whatever it forked meanwhile (a program
//! run, a copy, another start on another thread) kept the monitor from removing that cgroup when
//! it exited: one `lxc.monitor.<name>-<n>` per hierarchy was left behind per such start. lxc-rs
//! runs `start` in a forked child (see `Blocks::Bounded` in the API table), which is the
//! transient process and exits, as `lxc-start` does, so the caller never changes cgroups. The
//! child is also what the call limit kills when a start does not end.

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::fs;
use std::path::{Component, Path, PathBuf};

use std::time::Duration;

use lxc_core::__private::{bound_next_child, ChildBound};
use lxc_core::{Error, ErrorKind, Result};
use lxc_macros::lxc_method;

use crate::Container;

/// The longest path the kernel executes, with its NUL (`PATH_MAX`).
const PATH_MAX: usize = libc::PATH_MAX as usize;

/// What a start runs as the container's pid 1 (liblxc's `useinit`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum StartMode {
    /// `argv` (or, when empty, `lxc.init.cmd`) is the container's init, as `lxc-start` runs it.
    #[default]
    Boot,
    /// lxc's minimal init is pid 1 and runs `argv` as its child, as `lxc-execute` does: an
    /// application container.
    Execute,
}

crate::lower_as_int_bool!(StartMode, StartMode::Execute);

impl Container {
    /// Starts the container. With [`StartMode::Boot`], `argv` is the container's init (pid 1); an
    /// empty `argv` runs `lxc.init.cmd` (as `lxc-start`). With [`StartMode::Execute`], lxc's
    /// minimal init is pid 1 and runs `argv` (an application container, as `lxc-execute`).
    ///
    /// A daemonized start (the default, see [`Container::want_daemonize`]) returns once the
    /// container runs, within the [call limit](Container::set_call_limit) (by default
    /// [`DEFAULT_START_STOP_LIMIT`](crate::DEFAULT_START_STOP_LIMIT)); at the limit, the
    /// half-started monitor, its hooks and the container's processes are killed. A foreground
    /// start blocks until the container exits, with no limit; it holds this handle (and its
    /// clones), so stop it through another handle opened on the same container.
    ///
    /// The start runs in a forked child of the calling process, so the caller stays in its own
    /// cgroups (liblxc moves the process that starts into the new monitor's cgroup) and a
    /// foreground start works in a process with several threads (liblxc refuses it there).
    ///
    /// Under lxc's init ([`StartMode::Execute`]), liblxc reports the start as done before init runs `argv[0]`,
    /// so a program that cannot be run would only show as a container that stops again. lxc-rs
    /// looks the program up first when it can see what the container will see: an absolute path
    /// in a directory rootfs (`dir` or `btrfs`), outside `/proc`, `/sys`, `/dev` and every
    /// `lxc.mount.entry` target, in a container with no `lxc.mount.fstab` and no hook that runs
    /// before init. Symbolic links resolve inside the rootfs. Otherwise, wait for
    /// [`State::Stopped`](crate::State) to learn that init could not run it.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Running`] when it already runs, [`ErrorKind::NotFound`] when it is not
    /// defined or, under lxc's init, `argv[0]` is not in the rootfs, [`ErrorKind::InvalidArgument`]
    /// for a NUL byte in `argv`, an `argv[0]` that is not a file or is longer than the kernel
    /// executes (`PATH_MAX`), and [`ErrorKind::Failed`] with liblxc's reason otherwise;
    /// [`ErrorKind::Timeout`] at the call limit.
    #[lxc_method(start, pre = Self::before_start, explain = Self::start_refused)]
    pub fn start_with(&self, mode: StartMode, argv: &[impl AsRef<OsStr>]) -> Result<()>;

    /// A caller that is not root: names the cgroups it may not write to.
    #[cold]
    fn start_refused(
        &self,
        e: Error,
        _: &Option<ChildBound>,
        _: StartMode,
        _: &[impl AsRef<OsStr>],
    ) -> Error {
        crate::unprivileged::explain_start(e)
    }

    /// Refuses a program that cannot be run; a foreground start has no call limit (it lasts as
    /// long as the container runs).
    fn before_start(
        &self,
        mode: StartMode,
        argv: &[impl AsRef<OsStr>],
    ) -> Result<Option<ChildBound>> {
        if let Some(program) = argv.first() {
            let len = program.as_ref().len();
            if len >= PATH_MAX {
                // liblxc 4.0's start never returns for one; no liblxc can exec it.
                return Err(self.error_in(
                    ErrorKind::InvalidArgument,
                    "start",
                    format!("the program path is {len} bytes long; the kernel runs none longer than {} (PATH_MAX)", PATH_MAX - 1),
                ));
            }
        }
        if let (StartMode::Execute, Some(program)) = (mode, argv.first()) {
            self.check_program(Path::new(program.as_ref()))?;
        }
        // SAFETY: the live container of this handle; reads one field.
        let daemonized = unsafe { lxc_core::ffi::lxcrs_glue_daemonize(self.as_ptr()) } != 0;
        Ok((!daemonized).then(|| bound_next_child(Duration::MAX)))
    }
}

impl Container {
    /// Refuses a start under lxc's init whose program is visibly missing from the rootfs (see
    /// [`Container::start_with`]); says nothing when it cannot tell.
    fn check_program(&self, program: &Path) -> Result<()> {
        if !program.is_absolute() || self.is_running() {
            return Ok(());
        }
        let Some((rootfs, mounts)) = self.visible_rootfs() else {
            return Ok(());
        };
        let refuse = |kind, why: &str| {
            Err(self.error_in(
                kind,
                "start",
                format!(
                    "lxc's init cannot run {program:?}: it {why} in the rootfs {}",
                    rootfs.display()
                ),
            ))
        };
        match lookup(&rootfs, program, &mounts) {
            Lookup::Missing => refuse(ErrorKind::NotFound, "does not exist"),
            Lookup::Dir => refuse(ErrorKind::InvalidArgument, "is a directory"),
            Lookup::File | Lookup::Unknown => Ok(()),
        }
    }

    /// The rootfs directory and the targets mounted into it at start (relative paths), when
    /// nothing else may change what the container sees (a hook or an fstab file).
    fn visible_rootfs(&self) -> Option<(PathBuf, Vec<PathBuf>)> {
        let item = |key: &str| self.config_item(key).ok();
        for key in [
            "lxc.mount.fstab",
            "lxc.hook.pre-start",
            "lxc.hook.pre-mount",
            "lxc.hook.mount",
            "lxc.hook.autodev",
            "lxc.hook.start",
        ] {
            if !item(key)?.trim().is_empty() {
                return None;
            }
        }
        let path = item("lxc.rootfs.path")?;
        let path = path
            .strip_prefix("dir:")
            .or_else(|| path.strip_prefix("btrfs:"))
            .unwrap_or(&path);
        let rootfs = PathBuf::from(path);
        if !rootfs.is_absolute() || !rootfs.is_dir() {
            return None;
        }
        // liblxc mounts these itself (lxc.mount.auto, lxc.autodev).
        let mut mounts: Vec<PathBuf> = ["proc", "sys", "dev"].map(PathBuf::from).to_vec();
        for entry in item("lxc.mount.entry")?.lines() {
            // `source target type options …`; an absolute target may name the rootfs first.
            let target = entry.split_whitespace().nth(1)?;
            let target = Path::new(target);
            let target = target.strip_prefix(&rootfs).unwrap_or(target);
            mounts.push(normalized(target));
        }
        Some((rootfs, mounts))
    }
}

/// What a path names inside a rootfs.
#[derive(Debug, PartialEq, Eq)]
enum Lookup {
    File,
    Dir,
    Missing,
    /// A mount, a loop of links, or an error: cannot tell.
    Unknown,
}

/// `path` without `.` and `..` (at the top, `..` stays there), relative.
fn normalized(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::Normal(n) => out.push(n),
            Component::ParentDir => {
                out.pop();
            }
            _ => {}
        }
    }
    out
}

/// The names and `..` of `path`, last first.
fn steps(path: &Path) -> Vec<std::ffi::OsString> {
    path.components()
        .rev()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n.to_owned()),
            Component::ParentDir => Some("..".into()),
            _ => None,
        })
        .collect()
}

/// Looks `path` up inside `root` as the container will: from its `/`, following symbolic links
/// inside `root` (never out of it), and giving up on anything under one of `mounts`.
fn lookup(root: &Path, path: &Path, mounts: &[PathBuf]) -> Lookup {
    // The names still to walk, the next one last.
    let mut todo = steps(path);
    let mut at = PathBuf::new();
    let mut links = 0;
    while let Some(name) = todo.pop() {
        if name == ".." {
            at.pop();
            continue;
        }
        let next = at.join(&name);
        if mounts.iter().any(|m| next.starts_with(m)) {
            return Lookup::Unknown;
        }
        let meta = match fs::symlink_metadata(root.join(&next)) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Lookup::Missing,
            Err(_) => return Lookup::Unknown,
        };
        if meta.file_type().is_symlink() {
            links += 1;
            let Ok(target) = fs::read_link(root.join(&next)) else {
                return Lookup::Unknown;
            };
            if links > 40 {
                return Lookup::Unknown;
            }
            if target.is_absolute() {
                at = PathBuf::new();
            }
            todo.extend(steps(&target));
            continue;
        }
        if !todo.is_empty() && !meta.is_dir() {
            // A file where a directory should be (ENOTDIR).
            return Lookup::Missing;
        }
        at = next;
    }
    match fs::metadata(root.join(&at)) {
        Ok(m) if m.is_dir() => Lookup::Dir,
        Ok(_) => Lookup::File,
        Err(_) => Lookup::Unknown,
    }
}

/// The directory of each cgroup this process is in, one per mounted hierarchy.
pub(crate) fn own_cgroups() -> std::io::Result<Vec<PathBuf>> {
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
    use std::os::unix::fs::symlink;

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

    #[test]
    fn lookup_follows_links_inside_the_root_and_stops_at_mounts() {
        let root = std::env::temp_dir().join(format!("lxc-rs-lookup-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("bin")).unwrap();
        std::fs::create_dir_all(root.join("usr/lib")).unwrap();
        std::fs::write(root.join("bin/busybox"), b"").unwrap();
        symlink("busybox", root.join("bin/sh")).unwrap();
        // Absolute links and `..` resolve inside the root, never on the host.
        symlink("/bin/busybox", root.join("bin/abs")).unwrap();
        symlink("../../../../../../bin/busybox", root.join("bin/up")).unwrap();
        symlink("/etc/passwd", root.join("bin/host")).unwrap();
        symlink("loop", root.join("bin/loop")).unwrap();
        symlink("/usr/lib/tool", root.join("bin/tool")).unwrap();
        let mounts = vec![normalized(Path::new("usr/lib")), PathBuf::from("proc")];
        let l = |p: &str| lookup(&root, Path::new(p), &mounts);
        assert_eq!(l("/bin/busybox"), Lookup::File);
        assert_eq!(l("/bin/sh"), Lookup::File);
        assert_eq!(l("/bin/abs"), Lookup::File);
        assert_eq!(l("/bin/up"), Lookup::File);
        assert_eq!(l("/../../bin/sh"), Lookup::File);
        assert_eq!(l("/bin"), Lookup::Dir);
        assert_eq!(
            l("/bin/host"),
            Lookup::Missing,
            "a link must not reach the host"
        );
        assert_eq!(l("/nonexistent/program"), Lookup::Missing);
        assert_eq!(l("/bin/busybox/x"), Lookup::Missing);
        assert_eq!(l("/bin/loop"), Lookup::Unknown);
        // Under a mount target, through a link or not: what is there comes from the mount.
        assert_eq!(l("/usr/lib/tool"), Lookup::Unknown);
        assert_eq!(l("/bin/tool"), Lookup::Unknown);
        assert_eq!(l("/proc/self/exe"), Lookup::Unknown);
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn mount_targets_are_relative_and_clean() {
        assert_eq!(
            normalized(Path::new("/usr/./lib/")),
            PathBuf::from("usr/lib")
        );
        assert_eq!(normalized(Path::new("../x/../y")), PathBuf::from("y"));
        assert_eq!(normalized(Path::new("/")), PathBuf::new());
    }
}
