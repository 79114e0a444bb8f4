//! Device nodes, mount injection and process descriptors (devpts, seccomp notify) on real busybox
//! containers, each checked from inside the container.
mod common;

use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::{Path, PathBuf};

use liblxc::{Container, ErrorKind, MountFlags, UnmountFlags};

/// `sh -c script` inside the container: (exit code, stdout).
fn sh(c: &Container, script: &str) -> (i32, String) {
    let out = c
        .command("sh")
        .args(["-c", script])
        .output()
        .unwrap_or_else(|e| panic!("run {script:?}: {e}"));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// A device node on the host, removed on drop.
struct HostNode(CString);

impl HostNode {
    /// A character device node `path` with the numbers of `like`.
    fn new(path: &str, like: &str) -> HostNode {
        use std::os::unix::fs::MetadataExt;
        let rdev = std::fs::metadata(like).unwrap().rdev();
        let p = CString::new(path).unwrap();
        // SAFETY: a valid C string; the result is checked.
        let r = unsafe { libc::mknod(p.as_ptr(), libc::S_IFCHR | 0o600, rdev) };
        assert_eq!(r, 0, "mknod {path}: {}", std::io::Error::last_os_error());
        HostNode(p)
    }
}

impl Drop for HostNode {
    fn drop(&mut self) {
        // SAFETY: a valid C string.
        unsafe { libc::unlink(self.0.as_ptr()) };
    }
}

#[test]
fn device_nodes_appear_and_disappear_inside() {
    let lx = lxcpath!();
    let c = lx.running("dev-node");

    // dest None: the host's node at the same path.
    if Path::new("/dev/loop0").exists() {
        assert_ne!(sh(&c, "test -b /dev/loop0").0, 0, "not there yet");
        c.add_device_node(Path::new("/dev/loop0"), None)
            .expect("add /dev/loop0");
        let (code, ls) = sh(&c, "ls -l /dev/loop0");
        eprintln!("inside: {ls:?}");
        assert_eq!(code, 0);
        assert!(ls.starts_with('b'), "a block device: {ls:?}");
        assert!(ls.contains(" 7,") && ls.contains(" 0 "), "7:0 {ls:?}");
        c.remove_device_node(Path::new("/dev/loop0"), None)
            .expect("remove /dev/loop0");
        assert_ne!(sh(&c, "test -e /dev/loop0").0, 0, "gone");
    }

    // dest Some: liblxc stats `dest` on the host (not `src`), so the host needs a node there.
    let dest = format!("/dev/lxcrs-myzero-{}", std::process::id());
    let e = c
        .add_device_node(Path::new("/dev/zero"), Some(Path::new(&dest)))
        .expect_err("no node at dest on the host");
    eprintln!("dest missing on the host: {e}");
    assert_eq!(e.operation(), "add_device_node");
    assert_eq!(e.container(), Some("dev-node"));
    assert_eq!(sh(&c, &format!("test -e {dest}")).0, 1, "nothing created");

    let node = HostNode::new(&dest, "/dev/zero");
    c.add_device_node(Path::new("/dev/zero"), Some(Path::new(&dest)))
        .expect("add /dev/zero at dest");
    let (code, ls) = sh(&c, &format!("ls -l {dest}"));
    eprintln!("inside: {ls:?}");
    assert_eq!(code, 0);
    assert!(ls.starts_with('c'), "a character device: {ls:?}");
    assert!(ls.contains(" 1,") && ls.contains(" 5 "), "1:5 {ls:?}");
    assert_eq!(
        sh(&c, &format!("head -c 3 {dest} | wc -c")).1.trim(),
        "3",
        "readable: the devices cgroup allows it"
    );
    c.remove_device_node(Path::new("/dev/zero"), Some(Path::new(&dest)))
        .expect("remove it");
    assert_eq!(sh(&c, &format!("test -e {dest}")).0, 1, "gone");
    drop(node);

    // What liblxc really does with `dest`: the numbers come from the host node at `dest`.
    let node = HostNode::new(&dest, "/dev/full");
    c.add_device_node(Path::new("/dev/zero"), Some(Path::new(&dest)))
        .expect("add");
    let ls = sh(&c, &format!("ls -l {dest}")).1;
    eprintln!("src /dev/zero (1:5), host node at dest is 1:7 -> inside: {ls:?}");
    assert!(ls.contains(" 1,") && ls.contains(" 7 "), "{ls:?}");
    c.remove_device_node(Path::new("/dev/zero"), Some(Path::new(&dest)))
        .expect("remove");
    drop(node);

    // Not a device node: refused, nothing created inside.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-device");
    std::fs::write(&file, "x").unwrap();
    let e = c.add_device_node(&file, None).expect_err("a regular file");
    eprintln!("regular file: {e}");
    assert_eq!(e.operation(), "add_device_node");
    assert_eq!(e.container(), Some("dev-node"));
    assert_ne!(sh(&c, &format!("test -e {}", file.display())).0, 0);
    let e = c
        .add_device_node(Path::new("/dev/no-such-device"), None)
        .expect_err("missing");
    eprintln!("missing: {e}");
    assert_eq!(e.operation(), "add_device_node");
    let e = c
        .remove_device_node(&file, None)
        .expect_err("a regular file");
    assert_eq!(e.operation(), "remove_device_node");
    let e = c
        .add_device_node(Path::new("/dev/ze\0ro"), None)
        .expect_err("NUL");
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
}

#[test]
fn device_nodes_need_a_running_container() {
    let lx = lxcpath!();
    let c = lx.busybox("dev-stopped");
    let e = c
        .add_device_node(Path::new("/dev/zero"), Some(Path::new("/dev/myzero")))
        .expect_err("stopped");
    assert_eq!(e.kind(), ErrorKind::NotRunning, "{e}");
    assert_eq!(e.operation(), "add_device_node");
    let e = c
        .remove_device_node(Path::new("/dev/zero"), None)
        .expect_err("stopped");
    assert_eq!(e.kind(), ErrorKind::NotRunning, "{e}");
    assert!(
        !lx.path().join("dev-stopped/rootfs/dev/myzero").exists(),
        "nothing created in the rootfs"
    );
}

/// Unmounts the shmounts host path (liblxc leaves its tmpfs mounted there after the container
/// stops) so the temporary lxcpath can be removed.
struct Unmount(PathBuf);

impl Drop for Unmount {
    fn drop(&mut self) {
        if let Ok(p) = CString::new(self.0.as_os_str().as_encoded_bytes()) {
            // SAFETY: a valid C string; a failure (nothing mounted) is fine.
            unsafe { libc::umount2(p.as_ptr(), libc::MNT_DETACH) };
        }
    }
}

fn mounted(c: &Container, target: &str) -> Option<String> {
    let (code, mounts) = sh(c, "cat /proc/mounts");
    assert_eq!(code, 0);
    mounts
        .lines()
        .find(|l| l.split_whitespace().nth(1) == Some(target))
        .map(str::to_owned)
}

#[test]
fn mount_and_umount_inject_into_a_running_container() {
    let lx = lxcpath!();
    let host = lx.path().join("shmounts");
    let _unmount = Unmount(host.clone());
    common::shared_tmpfs(&host).expect("a shared mount point for shmounts");
    let c = lx.busybox("mnt");
    c.set_config_item(
        "lxc.mount.auto",
        &format!("shmounts:{}:/dev/.lxc-mounts", host.display()),
    )
    .expect("shmounts");
    c.save_config(None).expect("save");
    c.start().expect("start");
    c.wait(liblxc::State::Running, std::time::Duration::from_secs(10))
        .expect("running");

    // A tmpfs: no source.
    c.mount(
        None,
        Path::new("/mnt/injected"),
        Some("tmpfs"),
        MountFlags::NOSUID | MountFlags::NODEV,
        Some("size=1m,mode=0755"),
    )
    .expect("mount a tmpfs");
    let line = mounted(&c, "/mnt/injected").expect("in /proc/mounts");
    eprintln!("inside: {line}");
    assert!(line.contains(" tmpfs ") && line.contains("nosuid") && line.contains("nodev"));
    assert!(line.contains("size=1024k"), "{line}");
    assert_eq!(
        sh(&c, "echo hi > /mnt/injected/f && cat /mnt/injected/f").1,
        "hi\n"
    );

    c.umount(Path::new("/mnt/injected"), UnmountFlags::empty())
        .expect("umount");
    assert_eq!(mounted(&c, "/mnt/injected"), None, "gone");
    assert_eq!(sh(&c, "test -e /mnt/injected/f").0, 1);

    // Nothing mounted there any more: umount's child fails, and liblxc returns +1.
    let e = c
        .umount(Path::new("/mnt/injected"), UnmountFlags::empty())
        .expect_err("not mounted");
    eprintln!("umount again: {e} / {e:?}");
    assert_eq!(e.operation(), "umount");
    assert_eq!(e.container(), Some("mnt"));
    assert_eq!(e.code(), Some(1), "umount fails with +1");

    // A bind mount of a host directory, read-only.
    let src = tempfile::tempdir().unwrap();
    let dir = src.path().join("bind-src");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("hello"), "from the host\n").unwrap();
    c.mount(
        Some(&dir),
        Path::new("/mnt/bound"),
        None,
        MountFlags::BIND,
        None,
    )
    .expect("bind mount");
    assert_eq!(sh(&c, "cat /mnt/bound/hello").1, "from the host\n");
    assert!(mounted(&c, "/mnt/bound").is_some());
    c.umount(Path::new("/mnt/bound"), UnmountFlags::DETACH)
        .expect("umount the bind mount");
    assert_eq!(mounted(&c, "/mnt/bound"), None);

    // A filesystem *name* as source is looked up as a host path by liblxc.
    let e = c
        .mount(
            Some(Path::new("tmpfs")),
            Path::new("/mnt/named"),
            Some("tmpfs"),
            MountFlags::empty(),
            None,
        )
        .expect_err("liblxc stat()s the source");
    eprintln!("source \"tmpfs\": {e}");
    assert_eq!(e.operation(), "mount");
    assert_eq!(mounted(&c, "/mnt/named"), None);

    let e = c
        .mount(
            None,
            Path::new("/mnt/x\0"),
            Some("tmpfs"),
            MountFlags::empty(),
            None,
        )
        .expect_err("NUL");
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
}

#[test]
fn mount_without_shmounts_or_when_stopped() {
    let lx = lxcpath!();
    let c = lx.running("mnt-noshm");
    let e = c
        .mount(
            None,
            Path::new("/mnt/x"),
            Some("tmpfs"),
            MountFlags::empty(),
            None,
        )
        .expect_err("no shmounts");
    eprintln!("without shmounts: {e} / {e:?}");
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert_eq!(e.operation(), "mount");
    assert_eq!(e.container(), Some("mnt-noshm"));
    assert!(
        e.reason().contains("shared mountpoint") || e.reason().contains("shmounts"),
        "{e}"
    );
    assert_eq!(mounted(&c, "/mnt/x"), None);

    // umount needs no shmounts: it only enters the container's mount namespace.
    let (code, _) = sh(&c, "mkdir -p /mnt/y && mount -t tmpfs none /mnt/y");
    assert_eq!(code, 0, "mount inside");
    assert!(mounted(&c, "/mnt/y").is_some());
    c.umount(Path::new("/mnt/y"), UnmountFlags::empty())
        .expect("umount without shmounts");
    assert_eq!(mounted(&c, "/mnt/y"), None);

    let host = lx.path().join("shmounts");
    let _unmount = Unmount(host.clone());
    let s = lx.busybox("mnt-stopped");
    s.set_config_item(
        "lxc.mount.auto",
        &format!("shmounts:{}:/dev/.lxc-mounts", host.display()),
    )
    .unwrap();
    let e = s
        .mount(
            None,
            Path::new("/mnt/x"),
            Some("tmpfs"),
            MountFlags::empty(),
            None,
        )
        .expect_err("stopped");
    eprintln!("stopped: {e}");
    assert_eq!(e.kind(), ErrorKind::NotRunning);
    let e = s
        .umount(Path::new("/mnt/x"), UnmountFlags::empty())
        .expect_err("stopped");
    eprintln!("umount stopped: {e}");
    assert_eq!(e.kind(), ErrorKind::NotRunning);
    assert_eq!(e.operation(), "umount");
}

#[test]
fn devpts_fd_is_the_containers_devpts() {
    let lx = lxcpath!();
    let c = lx.busybox("devpts");
    // Room for one more pty: liblxc 4.0 mounts the container's devpts with `max=` lxc.pty.max,
    // which the busybox template sets to 1, and the tty takes it (the open then fails with ENOSPC).
    c.set_config_item("lxc.pty.max", "16").unwrap();
    c.save_config(None).unwrap();
    c.start().expect("start");
    c.wait(liblxc::State::Running, std::time::Duration::from_secs(30))
        .expect("running");
    let fd = c.devpts_fd().expect("devpts fd");
    // SAFETY: statfs is plain data; fstatfs fills it for a valid fd.
    let mut st: libc::statfs = unsafe { std::mem::zeroed() };
    // SAFETY: fd is open; st is a valid out-pointer.
    assert_eq!(unsafe { libc::fstatfs(fd.as_raw_fd(), &mut st) }, 0);
    let link = std::fs::read_link(format!("/proc/self/fd/{}", fd.as_raw_fd())).unwrap();
    eprintln!("devpts fd: f_type {:#x}, -> {}", st.f_type, link.display());
    assert_eq!(st.f_type, 0x1cd1, "DEVPTS_SUPER_MAGIC");

    // A pty opened through it is one of the container's: it shows up in its /dev/pts.
    // SAFETY: a valid dirfd and a static C string.
    let ptx = unsafe {
        libc::openat(
            fd.as_raw_fd(),
            c"ptmx".as_ptr(),
            libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC,
        )
    };
    assert!(ptx >= 0, "{}", std::io::Error::last_os_error());
    // SAFETY: ptx is a new descriptor we own.
    let ptx = unsafe { OwnedFd::from_raw_fd(ptx) };
    let mut n: libc::c_uint = 0;
    // SAFETY: TIOCGPTN writes the pty number into n.
    assert_eq!(
        unsafe { libc::ioctl(ptx.as_raw_fd(), libc::TIOCGPTN, &mut n) },
        0
    );
    let (code, _) = sh(&c, &format!("test -c /dev/pts/{n}"));
    eprintln!("pty {n} opened through the devpts fd; inside: test -c /dev/pts/{n} -> {code}");
    assert_eq!(code, 0, "/dev/pts/{n} exists in the container");
    drop(ptx);
    drop(fd);

    let s = lx.busybox("devpts-stopped");
    let e = s.devpts_fd().expect_err("stopped");
    eprintln!("stopped: {e} / {e:?}");
    assert_eq!(e.kind(), ErrorKind::NotRunning);
    assert_eq!(e.operation(), "devpts_fd");
    assert_eq!(e.container(), Some("devpts-stopped"));
}

#[test]
fn seccomp_notify_fds_without_and_with_a_notify_policy() {
    let lx = lxcpath!();
    let c = lx.running("seccomp-none");
    let e = c
        .seccomp_notify_fd()
        .expect_err("not started in the foreground here");
    eprintln!("seccomp_notify_fd, daemonized: {e} / {e:?}");
    assert_eq!(e.operation(), "seccomp_notify_fd");
    assert_eq!(e.container(), Some("seccomp-none"));
    let e = c.seccomp_notify_fd_active().expect_err("no notify policy");
    eprintln!("seccomp_notify_fd_active, no notify policy: {e} / {e:?}");
    assert_eq!(e.operation(), "seccomp_notify_fd_active");
    assert_eq!(e.container(), Some("seccomp-none"));

    let s = lx.busybox("seccomp-stopped");
    for e in [
        s.seccomp_notify_fd().map(drop).expect_err("stopped"),
        s.seccomp_notify_fd_active().map(drop).expect_err("stopped"),
    ] {
        eprintln!("stopped: {e}");
        assert_eq!(e.kind(), ErrorKind::NotRunning, "{e}");
    }

    // A policy that sends a syscall nobody in busybox makes to the notifier.
    let files = tempfile::tempdir().unwrap();
    let profile = files.path().join("notify.seccomp");
    std::fs::write(&profile, "2\ndenylist\nkexec_load notify\n").unwrap();
    let n = lx.busybox("seccomp-notify");
    n.set_config_item("lxc.seccomp.profile", &profile.to_string_lossy())
        .unwrap();
    n.save_config(None).unwrap();
    n.start().expect("start with a notify policy");
    n.wait(liblxc::State::Running, std::time::Duration::from_secs(10))
        .expect("running");
    let fd = n.seccomp_notify_fd_active().expect("notify fd");
    let link = std::fs::read_link(format!("/proc/self/fd/{}", fd.as_raw_fd())).unwrap();
    eprintln!("seccomp_notify_fd_active: -> {}", link.display());
    assert!(
        link.to_string_lossy().contains("seccomp"),
        "{}",
        link.display()
    );
}
