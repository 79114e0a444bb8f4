//! Device nodes, mounts, and the descriptors of a running container.

use std::path::{Path, PathBuf};

use liblxc::{Container, ErrorKind as K, MountFlags, UnmountFlags};

use crate::common::Lxcpath;
use crate::engine::{long, long_path, non_utf8, Table, INVALID, NOT_RUNNING, NUL};

type MountCall = Box<dyn FnOnce(&Container) -> liblxc::Result<()> + Send>;

/// `mount(source, target, fstype, flags, data)` as a row's closure.
fn mount_call(
    source: Option<&str>,
    target: &str,
    fstype: Option<&str>,
    flags: MountFlags,
    data: Option<&str>,
) -> MountCall {
    let (s, tg) = (source.map(PathBuf::from), PathBuf::from(target));
    let (f, d) = (fstype.map(str::to_owned), data.map(str::to_owned));
    Box::new(move |c: &Container| c.mount(s.as_deref(), &tg, f.as_deref(), flags, d.as_deref()))
}

/// Device nodes, mounts, and the descriptors of a running container.
pub fn devices_mounts_fds(lx: &Lxcpath, scratch: &Path) -> Table {
    let (hot, cold, ghost) = ("dm-hot", "dm-cold", "dm-ghost");
    lx.running(hot);
    lx.busybox(cold);
    let mut t = Table::new("devices+mounts+fds", lx, scratch, true);

    t.on(
        hot,
        "add_device_node of a path with a NUL",
        "add_device_node",
        INVALID,
        |c| c.add_device_node(Path::new(NUL), None),
    );
    t.on(
        hot,
        "remove_device_node of a path with a NUL",
        "remove_device_node",
        INVALID,
        |c| c.remove_device_node(Path::new(NUL), None),
    );
    t.on(
        hot,
        "add_device_node to a destination with a NUL",
        "add_device_node",
        INVALID,
        |c| c.add_device_node(Path::new("/dev/null"), Some(Path::new(NUL))),
    );
    t.on(
        hot,
        "remove_device_node at a destination with a NUL",
        "remove_device_node",
        INVALID,
        |c| c.remove_device_node(Path::new("/dev/null"), Some(Path::new(NUL))),
    );
    for name in [cold, ghost] {
        t.on(
            name,
            "add_device_node",
            "add_device_node",
            NOT_RUNNING,
            |c| c.add_device_node(Path::new("/dev/null"), None),
        );
        t.on(
            name,
            "remove_device_node",
            "remove_device_node",
            NOT_RUNNING,
            |c| c.remove_device_node(Path::new("/dev/null"), None),
        );
        t.on(
            name,
            "add_device_node of a missing path",
            "add_device_node",
            NOT_RUNNING,
            |c| c.add_device_node(Path::new("/nonexistent"), Some(Path::new(""))),
        );
    }

    // mount: the container has no shmounts, and the arguments are bad besides.
    let l = format!("/{}", long());
    let e = MountFlags::empty();
    let cases: Vec<(&str, MountCall, &'static [K])> = vec![
        (
            "tmpfs without shmounts",
            mount_call(None, "/mnt", Some("tmpfs"), e, None),
            INVALID,
        ),
        (
            "a source with a NUL",
            mount_call(Some(NUL), "/mnt", None, e, None),
            INVALID,
        ),
        (
            "a target with a NUL",
            mount_call(None, NUL, Some("tmpfs"), e, None),
            INVALID,
        ),
        (
            "a filesystem type with a NUL",
            mount_call(None, "/mnt", Some(NUL), e, None),
            INVALID,
        ),
        (
            "data with a NUL",
            mount_call(None, "/mnt", Some("tmpfs"), e, Some(NUL)),
            INVALID,
        ),
        (
            "an empty target",
            mount_call(None, "", Some("tmpfs"), e, None),
            INVALID,
        ),
        (
            "a 64 KiB target",
            mount_call(None, &l, Some("tmpfs"), e, None),
            INVALID,
        ),
        (
            "a missing source",
            mount_call(Some("/nonexistent"), "/mnt", None, MountFlags::BIND, None),
            INVALID,
        ),
        (
            "an unknown filesystem type",
            mount_call(None, "/mnt", Some("bogusfs"), e, None),
            INVALID,
        ),
        (
            "a relative target",
            mount_call(None, "mnt", Some("tmpfs"), e, None),
            INVALID,
        ),
        (
            "every flag",
            mount_call(None, "/mnt", Some("tmpfs"), MountFlags::all(), None),
            INVALID,
        ),
        (
            "64 KiB of data",
            mount_call(None, "/mnt", Some("tmpfs"), e, Some(&long())),
            INVALID,
        ),
    ];
    for (label, f, kinds) in cases {
        t.on(hot, format!("mount with {label}"), "mount", kinds, f);
    }
    let cases: Vec<(&str, PathBuf, UnmountFlags, &'static [K])> = vec![
        (
            "a missing target",
            PathBuf::from("/nonexistent"),
            UnmountFlags::empty(),
            &[K::NotFound, K::InvalidArgument, K::Failed],
        ),
        (
            "an empty target",
            PathBuf::new(),
            UnmountFlags::empty(),
            &[K::NotFound, K::InvalidArgument, K::Failed],
        ),
        (
            "a target with a NUL",
            PathBuf::from(NUL),
            UnmountFlags::empty(),
            INVALID,
        ),
        (
            "a 64 KiB target",
            long_path(),
            UnmountFlags::empty(),
            &[K::InvalidArgument, K::Failed],
        ),
        (
            "a non-UTF-8 target",
            PathBuf::from(non_utf8()),
            UnmountFlags::empty(),
            &[K::NotFound, K::InvalidArgument, K::Failed],
        ),
        (
            "unknown flags",
            PathBuf::from("/nonexistent"),
            UnmountFlags::from_bits_retain(0xff00),
            &[K::InvalidArgument, K::Failed],
        ),
        (
            "EXPIRE with DETACH",
            PathBuf::from("/nonexistent"),
            UnmountFlags::EXPIRE | UnmountFlags::DETACH,
            &[K::NotFound, K::InvalidArgument, K::Failed],
        ),
        (
            "a path that is not a mount point",
            PathBuf::from("/etc"),
            UnmountFlags::empty(),
            &[K::InvalidArgument, K::Failed],
        ),
    ];
    for (label, target, flags, kinds) in cases {
        t.on(
            hot,
            format!("umount of {label}"),
            "umount",
            kinds,
            move |c| c.umount(&target, flags),
        );
    }
    t.on(cold, "umount", "umount", NOT_RUNNING, |c| {
        c.umount(Path::new("/mnt"), UnmountFlags::empty())
    });
    for name in [cold, ghost] {
        t.on(name, "devpts_fd", "devpts_fd", NOT_RUNNING, |c| {
            c.devpts_fd()
        });
        t.on(
            name,
            "seccomp_notify_fd",
            "seccomp_notify_fd",
            NOT_RUNNING,
            |c| c.seccomp_notify_fd(),
        );
    }
    t.on(
        cold,
        "seccomp_notify_fd_active",
        "seccomp_notify_fd_active",
        NOT_RUNNING,
        |c| c.seccomp_notify_fd_active(),
    );
    t.on(
        hot,
        "seccomp_notify_fd of a daemonized container",
        "seccomp_notify_fd",
        &[K::Failed, K::NotFound],
        |c| c.seccomp_notify_fd(),
    );
    t.on(
        hot,
        "seccomp_notify_fd_active without a notify policy",
        "seccomp_notify_fd_active",
        &[K::Failed, K::NotFound, K::Unsupported, K::InvalidArgument],
        |c| c.seccomp_notify_fd_active(),
    );
    t
}
