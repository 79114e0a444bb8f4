//! Storage failures are matchable and name the path; nothing is written outside the lxcpath
//! (issue 11). Each test mounts what it needs (a tiny tmpfs, a read-only bind mount) in a
//! temporary directory and unmounts it, even when it fails.
mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use liblxc::{Container, CreateFlags, ErrorKind};

/// A mount that goes when dropped.
struct Mounted(PathBuf);

impl Mounted {
    fn tmpfs(dir: &Path, size: &str) -> Mounted {
        run(
            &[
                "mount",
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size}"),
                "tmpfs",
            ],
            dir,
        );
        Mounted(dir.to_owned())
    }

    /// `dir` bound on itself, read-only.
    fn read_only(dir: &Path) -> Mounted {
        run(&["mount", "--bind"], dir);
        let m = Mounted(dir.to_owned());
        run(&["mount", "-o", "remount,bind,ro"], dir);
        m
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

fn run(args: &[&str], dir: &Path) {
    let mut cmd = Command::new(args[0]);
    cmd.args(&args[1..]);
    if args.contains(&"--bind") {
        cmd.arg(dir);
    }
    let st = cmd.arg(dir).status().expect("run mount");
    assert!(st.success(), "{args:?} {}: {st}", dir.display());
}

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn create_on_a_full_filesystem_is_storage_full() {
    let _watchdog = common::watchdog(Duration::from_secs(180));
    let lx = lxcpath!();
    let dir = lx.path().join("tiny");
    std::fs::create_dir(&dir).unwrap();
    let _m = Mounted::tmpfs(&dir, "600k");
    let c = Container::new_in("full", &dir).expect("open");
    // Not QUIET: liblxc then keeps the template's stderr, which says what failed.
    let e = c
        .create_with(
            Some("busybox"),
            None,
            None,
            CreateFlags::empty(),
            &[] as &[&str],
        )
        .expect_err("600 KiB cannot hold busybox");
    assert_eq!(e.kind(), ErrorKind::StorageFull, "{e}");
    assert!(e.to_string().contains(&*dir.to_string_lossy()), "{e}");
    assert_eq!(
        entries(&dir),
        Vec::<String>::new(),
        "the failed create left files"
    );
}

#[test]
fn writes_into_a_read_only_lxcpath_are_read_only() {
    let _watchdog = common::watchdog(Duration::from_secs(180));
    let lx = lxcpath!();
    let c = lx.busybox("frozenfs");
    let before = entries(lx.path());
    let _m = Mounted::read_only(lx.path());
    let fresh = lx.container("new");
    let e = fresh
        .create_with(
            Some("busybox"),
            None,
            None,
            CreateFlags::QUIET,
            &[] as &[&str],
        )
        .expect_err("read-only lxcpath");
    assert_eq!(e.kind(), ErrorKind::ReadOnly, "create: {e}");
    let e = c.rename("renamed").expect_err("read-only lxcpath");
    assert_eq!(e.kind(), ErrorKind::ReadOnly, "rename: {e}");
    let e = c.clone_as("copy").expect_err("read-only lxcpath");
    assert_eq!(e.kind(), ErrorKind::ReadOnly, "clone: {e}");
    let e = c.snapshot(None).expect_err("read-only lxcpath");
    assert_eq!(e.kind(), ErrorKind::ReadOnly, "snapshot: {e}");
    let e = c.destroy().expect_err("read-only lxcpath");
    assert_eq!(e.kind(), ErrorKind::ReadOnly, "destroy: {e}");
    assert!(e.to_string().contains("read-only"), "{e}");
    drop(_m);
    assert_eq!(
        entries(lx.path()),
        before,
        "something changed in the lxcpath"
    );
    assert!(c.is_defined());
}

#[test]
fn a_name_with_white_space_is_refused_before_the_template_runs() {
    let _watchdog = common::watchdog(Duration::from_secs(120));
    let lx = lxcpath!();
    let cwd = std::env::current_dir().unwrap();
    let cwd_before = entries(&cwd);
    for name in ["lead space", "trailing "] {
        let c = lx.container(name);
        let e = c
            .create_with(
                Some("busybox"),
                None,
                None,
                CreateFlags::QUIET,
                &[] as &[&str],
            )
            .expect_err("white space");
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{name:?}: {e}");
    }
    assert_eq!(
        entries(lx.path()),
        Vec::<String>::new(),
        "the lxcpath changed"
    );
    assert_eq!(
        entries(&cwd),
        cwd_before,
        "files appeared in the working directory"
    );
}

/// `save_config` on a full filesystem: liblxc reported success with the file cut at 4,096 bytes;
/// now the error says so and the old file is intact, and a later save writes it whole.
#[test]
fn save_config_on_a_full_filesystem_keeps_the_old_file() {
    let _watchdog = common::watchdog(Duration::from_secs(180));
    let lx = lxcpath!();
    let dir = lx.path().join("small");
    std::fs::create_dir(&dir).unwrap();
    let _m = Mounted::tmpfs(&dir, "1m");
    let c = Container::new_in("cfg", &dir).expect("open");
    c.create_with(None, None, None, CreateFlags::QUIET, &[] as &[&str])
        .expect("a container with a configuration only");
    let file = dir.join("cfg/config");
    let old = std::fs::read(&file).unwrap();
    for i in 0..400 {
        c.set_config_item(
            "lxc.environment",
            &format!("VARIABLE_{i:04}=some value that takes room"),
        )
        .expect("set");
    }
    // Fill the filesystem but for a few blocks.
    let filler = dir.join("filler");
    let _ = std::fs::write(&filler, vec![0u8; 1024 * 1024]);
    let e = c.save_config(None).expect_err("no room for the new file");
    assert_eq!(e.kind(), ErrorKind::StorageFull, "{e}");
    assert!(e.to_string().contains(&*file.to_string_lossy()), "{e}");
    assert_eq!(std::fs::read(&file).unwrap(), old, "the old file changed");
    let names: Vec<String> = entries(&dir.join("cfg"));
    assert_eq!(names, ["config"], "a temporary file was left: {names:?}");
    std::fs::remove_file(&filler).unwrap();
    c.save_config(None).expect("save with room");
    let new = std::fs::read_to_string(&file).unwrap();
    assert!(
        new.contains("VARIABLE_0399="),
        "the saved file is not whole"
    );
    assert!(new.ends_with('\n'));
}

/// Fills the filesystem of `dir` but for about `room` bytes; the file goes when dropped.
struct Filler(PathBuf);

impl Filler {
    fn leave(dir: &Path, room: u64) -> Filler {
        let path = dir.join("filler");
        let mut st = std::mem::MaybeUninit::<libc::statvfs>::uninit();
        let c = std::ffi::CString::new(dir.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid C string and a buffer statvfs fills on success (checked).
        assert_eq!(unsafe { libc::statvfs(c.as_ptr(), st.as_mut_ptr()) }, 0);
        // SAFETY: statvfs returned 0, so it filled the buffer.
        let st = unsafe { st.assume_init() };
        let free = st.f_bavail * st.f_frsize;
        std::fs::write(&path, vec![0u8; free.saturating_sub(room) as usize]).unwrap();
        Filler(path)
    }
}

impl Drop for Filler {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Every path under `dir` (but the filler) with a digest of its contents, to prove a failure
/// changed nothing.
fn contents(dir: &Path) -> BTreeMap<PathBuf, u64> {
    use std::hash::{Hash, Hasher};
    let mut tree = common::Tree::new();
    common::walk(dir, &mut tree);
    tree.into_keys()
        .filter(|p| !p.ends_with("filler"))
        .map(|p| {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            std::fs::read(&p).unwrap_or_default().hash(&mut h);
            (p, h.finish())
        })
        .collect()
}

/// Fails, naming the paths that differ, unless `dir` holds what `before` says.
fn assert_unchanged(dir: &Path, before: &BTreeMap<PathBuf, u64>, what: &str) {
    let after = contents(dir);
    let changed: Vec<&PathBuf> = before
        .keys()
        .chain(after.keys())
        .filter(|p| before.get(*p) != after.get(*p))
        .collect();
    assert!(
        changed.is_empty(),
        "{what} changed the lxcpath: {changed:?}"
    );
}

/// Clone, snapshot (with a comment) and rename on a full filesystem: each fails with
/// `StorageFull`, and the lxcpath is exactly as before, byte for byte; with room again, each works.
#[test]
fn copies_and_renames_on_a_full_filesystem_change_nothing() {
    let _watchdog = common::watchdog(Duration::from_secs(300));
    let lx = lxcpath!();
    let dir = lx.path().join("small");
    std::fs::create_dir(&dir).unwrap();
    let _m = Mounted::tmpfs(&dir, "16m");
    let c = Container::new_in("orig", &dir).expect("open");
    c.create_with(
        Some("busybox"),
        None,
        None,
        CreateFlags::QUIET,
        &[] as &[&str],
    )
    .expect("create");
    let comment = lx.path().join("comment");
    std::fs::write(&comment, "a comment\n").unwrap();
    for room in [0, 4096, 64 * 1024] {
        let filler = Filler::leave(&dir, room);
        let before = contents(&dir);
        let e = c
            .clone_as("copy")
            .map(drop)
            .expect_err("no room for a copy");
        assert_eq!(
            e.kind(),
            ErrorKind::StorageFull,
            "clone, {room} bytes free: {e}"
        );
        assert_unchanged(&dir, &before, &format!("clone with {room} bytes free"));
        let e = c
            .snapshot(Some(&comment))
            .map(drop)
            .expect_err("no room for a snapshot");
        assert_eq!(
            e.kind(),
            ErrorKind::StorageFull,
            "snapshot, {room} bytes free: {e:?}"
        );
        assert_unchanged(&dir, &before, &format!("snapshot with {room} bytes free"));
        match c.rename("moved") {
            Ok(()) => {
                // Rename moves, it does not copy: it may fit. Then it is whole.
                let moved = Container::new_in("moved", &dir).expect("open");
                assert!(moved.is_defined());
                assert_eq!(moved.config_item("lxc.uts.name").unwrap(), "moved");
                moved.rename("orig").expect("rename back");
            }
            Err(e) => {
                assert_eq!(
                    e.kind(),
                    ErrorKind::StorageFull,
                    "rename, {room} bytes free: {e}"
                );
                assert_unchanged(&dir, &before, &format!("rename with {room} bytes free"));
            }
        }
        drop(filler);
    }
    let copy = c.clone_as("copy").expect("clone with room");
    assert!(copy.is_defined());
    c.snapshot(Some(&comment)).expect("snapshot with room");
    let snaps = c.snapshots().expect("snapshots");
    assert_eq!(snaps[0].comment().unwrap().as_deref(), Some("a comment\n"));
    copy.destroy().expect("destroy the copy");
    c.destroy_with_snapshots().expect("destroy");
}
