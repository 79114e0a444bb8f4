//! Snapshots and clones on real busybox containers.
mod common;

use std::path::Path;

use liblxc::{CloneFlags, ErrorKind};

#[test]
fn snapshot_list_restore_and_destroy() {
    let lx = lxcpath!();
    let c = lx.busybox("snapper");
    assert_eq!(
        c.snapshots().expect("list without snapshots"),
        vec![],
        "a new container has none"
    );
    c.snapshot_destroy_all()
        .expect("destroying no snapshots is not an error");
    assert!(
        !lx.path().join("snapper/snaps").exists(),
        "the snaps directory made for liblxc is gone with it"
    );

    let comment = lx.path().join("comment.txt");
    std::fs::write(&comment, "before the change\n").unwrap();
    assert_eq!(c.snapshot(Some(&comment)).expect("snapshot 0"), 0);
    assert_eq!(c.snapshot(None).expect("snapshot 1"), 1);

    let snaps = c.snapshots().expect("list");
    let names: Vec<&str> = snaps.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["snap0", "snap1"]);
    let c0 = snaps[0].comment_path.clone();
    assert_eq!(
        snaps[0]
            .comment()
            .unwrap_or_else(|e| panic!("{c0:?}: {e}"))
            .as_deref(),
        Some("before the change\n")
    );
    assert_eq!(snaps[1].comment().unwrap(), None);
    assert!(
        snaps[0].timestamp.as_deref().is_some_and(|t| t.len() >= 10),
        "{:?}",
        snaps[0].timestamp
    );
    assert!(lx.path().join("snapper/snaps/snap0/rootfs").is_dir());

    // Change the container, then restore snap0 as a new container: the new one has the old file.
    let marker = lx.path().join("snapper/rootfs/after-snapshot");
    std::fs::write(&marker, "x").unwrap();
    c.snapshot_restore("snap0", Some("restored"))
        .expect("restore as a new container");
    let restored = lx.container("restored");
    assert!(restored.is_defined());
    assert!(
        !lx.path().join("restored/rootfs/after-snapshot").exists(),
        "restored from before the change"
    );
    assert!(marker.exists(), "the original is untouched");

    // Restore over the original: the change is gone.
    c.snapshot_restore("snap0", None).expect("restore in place");
    let again = lx.container("snapper");
    assert!(again.is_defined());
    assert!(!marker.exists(), "restoring in place replaced the rootfs");

    again.snapshot_destroy("snap1").expect("destroy one");
    let names: Vec<String> = again
        .snapshots()
        .unwrap()
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(names, ["snap0"]);
    let e = again
        .snapshot_destroy("snap7")
        .expect_err("no such snapshot");
    assert!(
        e.to_string()
            .contains("snapshot_destroy container \"snapper\""),
        "{e}"
    );

    again.snapshot_destroy_all().expect("destroy all");
    assert!(again.snapshots().unwrap().is_empty());
    again.destroy().expect("destroy without snapshots");
    assert!(!lx.path().join("snapper").exists());
}

#[test]
fn destroy_refuses_a_container_with_snapshots_but_destroy_with_snapshots_does_not() {
    let lx = lxcpath!();
    let c = lx.busybox("withsnaps");
    c.snapshot(None).unwrap();
    let before = lx.tree();
    let e = c
        .destroy()
        .expect_err("liblxc refuses to destroy a container with snapshots");
    assert_eq!(e.operation(), "destroy");
    assert_eq!(lx.tree(), before, "a refused destroy changes nothing");
    c.destroy_with_snapshots().expect("destroy with snapshots");
    assert!(!c.is_defined());
    assert!(!lx.path().join("withsnaps").exists());
}

#[test]
fn snapshot_of_a_running_container_is_refused() {
    let lx = lxcpath!();
    let c = lx.running("busy");
    let e = c
        .snapshot(None)
        .expect_err("snapshot needs a stopped container");
    assert_eq!(e.kind(), ErrorKind::Running, "{e}");
    assert!(
        e.to_string()
            .starts_with("snapshot container \"busy\": the container is running"),
        "{e}"
    );
    c.stop().unwrap();
}

#[test]
fn clone_copies_into_the_same_or_another_lxcpath() {
    let lx = lxcpath!();
    let c = lx.busybox("origin");
    c.set_config_item("lxc.environment", "FROM=origin").unwrap();
    c.save_config(None).unwrap();

    let copy = c.clone_as("copy").expect("clone");
    assert_eq!(copy.name(), "copy");
    assert!(copy.is_defined());
    assert_eq!(
        copy.config_item("lxc.uts.name").unwrap(),
        "copy",
        "the hostname follows the new name"
    );
    assert_eq!(
        copy.config_item("lxc.environment")
            .unwrap()
            .lines()
            .collect::<Vec<_>>(),
        ["FROM=origin"]
    );
    assert!(lx.path().join("copy/rootfs/bin").exists());

    let other = tempfile::tempdir().unwrap();
    let far = c
        .clone_with(
            Some("far"),
            Some(other.path()),
            CloneFlags::KEEP_NAME,
            None,
            None,
            0,
            &[],
        )
        .expect("clone into another lxcpath");
    assert_eq!(far.config_path().unwrap(), other.path());
    assert_eq!(
        far.config_item("lxc.uts.name").unwrap(),
        "origin",
        "KEEP_NAME keeps the hostname"
    );
    far.destroy().unwrap();

    let e = c.clone_as("copy").expect_err("the name is taken");
    assert!(
        e.to_string().starts_with("clone container \"origin\""),
        "{e}"
    );
    let e = c
        .clone_as("../escape")
        .expect_err("a name that leaves the lxcpath");
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert!(!Path::new(lx.path())
        .parent()
        .unwrap()
        .join("escape")
        .exists());
}

#[test]
fn clone_of_a_running_container_needs_allow_running() {
    let lx = lxcpath!();
    let c = lx.running("live");
    let e = c.clone_as("livecopy").expect_err("running source");
    assert_eq!(e.operation(), "clone");
    assert!(!lx.container("livecopy").is_defined());
    c.stop().unwrap();
}
