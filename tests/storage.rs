//! Storage failures are matchable and name the path; nothing is written outside the lxcpath
//! (issue 11). Each test mounts what it needs (a tiny tmpfs, a read-only bind mount) in a
//! temporary directory and unmounts it, even when it fails.
mod common;

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
        .create_with(Some("busybox"), None, None, CreateFlags::empty(), &[])
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
        .create_with(Some("busybox"), None, None, CreateFlags::QUIET, &[])
        .expect_err("read-only lxcpath");
    assert_eq!(e.kind(), ErrorKind::ReadOnly, "create: {e}");
    let e = c.rename("renamed").expect_err("read-only lxcpath");
    assert_eq!(e.kind(), ErrorKind::ReadOnly, "rename: {e}");
    let e = c.clone_as("copy").expect_err("read-only lxcpath");
    assert_eq!(e.kind(), ErrorKind::ReadOnly, "clone: {e}");
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
            .create_with(Some("busybox"), None, None, CreateFlags::QUIET, &[])
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
    c.create_with(None, None, None, CreateFlags::QUIET, &[])
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
