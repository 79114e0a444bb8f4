//! Typed create and clone options: the `download` template's argument list (checked against the
//! installed `lxc-download`'s own `getopt`, no network), create on `dir` and `loop` backing stores,
//! and clones into another lxcpath with and without `KEEP_NAME`, on a new backing store, with hook
//! arguments.
mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command as HostCommand;
use std::time::Duration;

use liblxc::{
    BackingStore, BdevSpecs, CloneFlags, CloneOptions, Container, CreateFlags, CreateOptions,
    DownloadOptions, ErrorKind, State,
};

const SECS_10: Duration = Duration::from_secs(10);
const MIB_64: u64 = 64 << 20;
const LXC_DOWNLOAD: &str = "/usr/share/lxc/templates/lxc-download";

/// Every download option set, as go-lxc's `TemplateOptions` has them.
fn full_download() -> DownloadOptions {
    DownloadOptions {
        variant: Some("cloud".into()),
        server: Some("images.example.org".into()),
        key_id: Some("0x1234ABCD".into()),
        key_server: Some("hkps://keys.example.org".into()),
        disable_validation: true,
        flush_cache: true,
        force_cache: true,
        ..DownloadOptions::new("debian", "bookworm", "amd64")
    }
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

/// The `getopt -o SHORT -l LONG` spec of the installed `lxc-download`, read from the script.
fn download_getopt_spec() -> Option<(String, String)> {
    let text = std::fs::read_to_string(LXC_DOWNLOAD).ok()?;
    let joined = text.replace("\\\n", "");
    let at = joined.find("getopt -o ")?;
    let rest = &joined[at + "getopt -o ".len()..];
    let mut words = rest.split_whitespace();
    let short = words.next()?.to_owned();
    if words.next()? != "-l" {
        return None;
    }
    let long = words.next()?.to_owned();
    Some((short, long))
}

/// Runs util-linux `getopt` with lxc-download's spec on `args`: the normalised list it would
/// parse, or getopt's complaint.
fn parse_like_lxc_download(args: &[String]) -> Result<String, String> {
    let (short, long) = download_getopt_spec().expect("lxc-download's getopt spec");
    let out = HostCommand::new("getopt")
        .args(["-o", &short, "-l", &long, "--"])
        .args(args)
        .output()
        .expect("run getopt");
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_owned())
    }
}

#[test]
fn download_args_are_go_lxc_s_list_in_go_lxc_s_order() {
    let opts = CreateOptions {
        args: strings(&["--extra", "x"]),
        ..CreateOptions::download(full_download())
    };
    assert_eq!(opts.template.as_deref(), Some("download"));
    assert_eq!(
        opts.template_args().expect("template args"),
        strings(&[
            "--dist",
            "debian",
            "--release",
            "bookworm",
            "--arch",
            "amd64",
            "--variant",
            "cloud",
            "--server",
            "images.example.org",
            "--keyid",
            "0x1234ABCD",
            "--keyserver",
            "hkps://keys.example.org",
            "--no-validate",
            "--flush-cache",
            "--force-cache",
            "--extra",
            "x",
        ])
    );
    // Only the required three when nothing else is set.
    assert_eq!(
        DownloadOptions::new("alpine", "3.19", "arm64")
            .args()
            .unwrap(),
        strings(&["--dist", "alpine", "--release", "3.19", "--arch", "arm64"])
    );
}

#[test]
fn the_installed_lxc_download_parses_the_list_as_meant() {
    if !Path::new(LXC_DOWNLOAD).exists() {
        eprintln!("*** SKIPPED: {LXC_DOWNLOAD} is not installed ***");
        return;
    }
    // Every option the installed template takes: getopt maps each flag to its value.
    let opts = DownloadOptions {
        key_id: None,
        key_server: None,
        disable_validation: false,
        ..full_download()
    };
    let args = opts.args().unwrap();
    assert_eq!(
        parse_like_lxc_download(&args).expect("lxc-download's getopt accepts the list"),
        "--dist 'debian' --release 'bookworm' --arch 'amd64' --variant 'cloud' --server 'images.example.org' --flush-cache --force-cache --"
    );

    // The GPG options: LXC 4.0's lxc-download takes them; LXC 5.0's getopt refuses each one.
    let script = std::fs::read_to_string(LXC_DOWNLOAD).unwrap();
    for (flag, extra) in [
        ("--keyid", Some("0x1234ABCD")),
        ("--keyserver", Some("hkps://keys.example.org")),
        ("--no-validate", None),
    ] {
        let mut args = strings(&[
            "--dist",
            "debian",
            "--release",
            "bookworm",
            "--arch",
            "amd64",
        ]);
        args.push(flag.to_owned());
        args.extend(extra.map(str::to_owned));
        let parsed = parse_like_lxc_download(&args);
        if script.contains(&flag[2..]) {
            assert!(parsed.is_ok(), "{flag}: {parsed:?}");
        } else {
            let err = parsed.expect_err("LXC 5.0's lxc-download does not know the GPG options");
            assert!(
                err.contains(&format!("unrecognized option '{flag}")),
                "{flag}: {err}"
            );
        }
    }
}

#[test]
fn option_mistakes_are_invalid_arguments() {
    let no_arch = CreateOptions::download(DownloadOptions {
        arch: String::new(),
        ..full_download()
    });
    let e = no_arch.template_args().expect_err("arch is required");
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert!(e.to_string().contains("DownloadOptions::arch"), "{e}");

    let empty_variant = DownloadOptions {
        variant: Some(String::new()),
        ..full_download()
    };
    let e = empty_variant
        .args()
        .expect_err("a set option must not be empty");
    assert!(e.to_string().contains("--variant"), "{e}");

    let wrong_template = CreateOptions {
        download: Some(full_download()),
        ..CreateOptions::new("busybox")
    };
    let e = wrong_template
        .template_args()
        .expect_err("download options on busybox");
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert!(e.to_string().contains("need the download template"), "{e}");

    // An absolute path to lxc-download is the download template too.
    let by_path = CreateOptions {
        download: Some(DownloadOptions::new("debian", "bookworm", "amd64")),
        ..CreateOptions::new(LXC_DOWNLOAD)
    };
    assert_eq!(by_path.template_args().unwrap().len(), 6);

    let no_template = CreateOptions {
        args: strings(&["-x"]),
        ..CreateOptions::default()
    };
    let e = no_template
        .template_args()
        .expect_err("arguments without a template");
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
}

#[test]
fn backing_store_names_are_liblxc_s() {
    let names: Vec<&str> = BackingStore::ALL.iter().map(|b| b.as_str()).collect();
    assert_eq!(
        names,
        ["dir", "btrfs", "zfs", "lvm", "rbd", "overlay", "loop", "best"]
    );
    for b in BackingStore::ALL {
        assert_eq!(b.to_string().parse::<BackingStore>().unwrap(), b);
    }
    assert_eq!(
        "overlayfs".parse::<BackingStore>().unwrap(),
        BackingStore::Overlay
    );
    let e = "ext4"
        .parse::<BackingStore>()
        .expect_err("not a backing store");
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert!(e.to_string().contains("\"ext4\""), "{e}");
}

#[test]
fn create_with_gpg_options_the_template_lacks_changes_nothing() {
    let lx = lxcpath!();
    let script = std::fs::read_to_string(LXC_DOWNLOAD).unwrap_or_default();
    if script.contains("keyid") || script.is_empty() {
        eprintln!("*** SKIPPED: the installed lxc-download takes the GPG options ***");
        return;
    }
    let c = lx.container("gpg");
    let before = lx.tree();
    let e = c
        .create_with_options(&CreateOptions::download(full_download()))
        .expect_err("LXC 5.0's lxc-download does not take --keyid");
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
    assert_eq!(e.operation(), "create");
    assert_eq!(e.container(), Some("gpg"));
    let msg = e.to_string();
    assert!(msg.contains("--keyid, --keyserver, --no-validate"), "{msg}");
    assert!(msg.contains(LXC_DOWNLOAD), "{msg}");
    assert_eq!(lx.tree(), before, "nothing was created");
    assert!(!c.is_defined());
}

/// `lxc.rootfs.path` as saved in the container's configuration file (with its storage type: liblxc
/// keeps the type apart in memory, and `config_item` shows the bare path).
fn saved_rootfs(lxcpath: &Path, name: &str) -> String {
    let config = std::fs::read_to_string(lxcpath.join(name).join("config")).expect("config");
    config
        .lines()
        .find_map(|l| l.strip_prefix("lxc.rootfs.path = "))
        .unwrap_or_else(|| panic!("no lxc.rootfs.path in {config}"))
        .to_owned()
}

/// Gives the container an empty network (this machine has no lxcbr0) and saves it.
fn empty_network(c: &Container) {
    c.clear_config_item("lxc.net").expect("clear lxc.net");
    c.set_config_item("lxc.net.0.type", "empty")
        .expect("lxc.net.0.type");
    c.save_config(None).expect("save config");
}

/// Starts `c`, checks it runs, and returns what `cmd` prints inside it.
fn start_and_run(c: &Container, cmd: &[&str]) -> String {
    c.start().expect("start");
    c.wait(State::Running, SECS_10).expect("wait RUNNING");
    assert_eq!(c.state().unwrap(), State::Running);
    let out = c
        .command(cmd[0])
        .args(&cmd[1..])
        .output()
        .unwrap_or_else(|e| panic!("run {cmd:?}: {e}"));
    assert!(out.status.success(), "{cmd:?}: {:?}", out);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stop(c: &Container) {
    c.stop().expect("stop");
    c.wait(State::Stopped, SECS_10).expect("wait STOPPED");
}

/// The line of `/proc/mounts` (as the container sees it) for its root.
fn root_mount(c: &Container) -> String {
    let mounts = start_and_run(c, &["cat", "/proc/mounts"]);
    mounts
        .lines()
        .find(|l| l.split_whitespace().nth(1) == Some("/"))
        .unwrap_or_else(|| panic!("no / in {mounts}"))
        .to_owned()
}

#[test]
fn create_with_options_on_dir() {
    let lx = lxcpath!();
    let c = lx.container("ondir");
    c.create_with_options(&CreateOptions {
        backing_store: Some(BackingStore::Dir),
        flags: CreateFlags::QUIET,
        ..CreateOptions::new("busybox")
    })
    .expect("create on dir");
    assert!(c.is_defined());
    let rootfs = lx.path().join("ondir/rootfs");
    assert_eq!(
        saved_rootfs(lx.path(), "ondir"),
        format!("dir:{}", rootfs.display())
    );
    assert_eq!(
        c.config_item("lxc.rootfs.path").unwrap(),
        rootfs.display().to_string()
    );
    assert!(rootfs.join("bin/busybox").exists());
    empty_network(&c);
    let root = root_mount(&c);
    assert!(!root.starts_with("/dev/loop"), "{root}");
    stop(&c);
}

#[test]
fn create_with_options_on_a_64_mib_ext4_loop_file() {
    let lx = lxcpath!();
    let c = lx.container("onloop");
    c.create_with_options(&CreateOptions {
        backing_store: Some(BackingStore::Loop),
        bdev_specs: Some(BdevSpecs {
            fstype: Some("ext4".into()),
            fssize: MIB_64,
            ..BdevSpecs::default()
        }),
        flags: CreateFlags::QUIET,
        ..CreateOptions::new("busybox")
    })
    .expect("create on a loop file");
    let rootdev = lx.path().join("onloop/rootdev");
    assert_eq!(
        saved_rootfs(lx.path(), "onloop"),
        format!("loop:{}", rootdev.display())
    );
    // liblxc sizes the file by writing one byte at offset fssize: 64 MiB + 1.
    let len = std::fs::metadata(&rootdev).expect("rootdev").len();
    assert_eq!(len, MIB_64 + 1, "rootdev is {len} bytes");
    assert_eq!(fs_type(&rootdev), "ext4");

    empty_network(&c);
    let root = root_mount(&c);
    let fields: Vec<&str> = root.split_whitespace().collect();
    assert!(fields[0].starts_with("/dev/loop"), "{root}");
    assert_eq!(fields[2], "ext4", "{root}");
    let df = c.command("df").arg("-k").arg("/").output().expect("df");
    let df = String::from_utf8_lossy(&df.stdout).into_owned();
    let blocks: u64 = df
        .lines()
        .nth(1)
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|b| b.parse().ok())
        .unwrap_or_else(|| panic!("df output {df}"));
    assert!(
        (40 * 1024..=64 * 1024).contains(&blocks),
        "a 64 MiB ext4 has about 60 MiB of blocks, df says {blocks} KiB"
    );
    stop(&c);

    c.destroy().expect("destroy");
    assert!(!rootdev.exists(), "destroy removes the loop file");
    assert!(
        loop_devices_of(&rootdev).is_empty(),
        "no loop device stays attached"
    );
}

#[test]
fn create_on_a_loop_file_with_an_unknown_filesystem_fails_and_cleans_up() {
    let lx = lxcpath!();
    let c = lx.container("badfs");
    let e = c
        .create_with_options(&CreateOptions {
            backing_store: Some(BackingStore::Loop),
            bdev_specs: Some(BdevSpecs {
                fstype: Some("nosuchfs".into()),
                fssize: MIB_64,
                ..BdevSpecs::default()
            }),
            flags: CreateFlags::QUIET,
            ..CreateOptions::new("busybox")
        })
        .expect_err("there is no mkfs.nosuchfs");
    assert_eq!(e.operation(), "create");
    assert_eq!(e.container(), Some("badfs"));
    assert!(!e.reason().is_empty());
    eprintln!("create on loop with fstype nosuchfs: {e}");
    assert!(!c.is_defined());
    assert!(
        !lx.path().join("badfs").exists(),
        "the failed create's directory (and its 64 MiB loop file) was removed"
    );
}

/// `blkid`'s filesystem type of `dev`.
fn fs_type(dev: &Path) -> String {
    let out = HostCommand::new("blkid")
        .args(["-o", "value", "-s", "TYPE"])
        .arg(dev)
        .output()
        .expect("run blkid");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Loop devices backed by `file` (`losetup -j`).
fn loop_devices_of(file: &Path) -> String {
    let out = HostCommand::new("losetup")
        .arg("-j")
        .arg(file)
        .output()
        .expect("run losetup");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[test]
fn clone_into_another_lxcpath_with_and_without_keep_name() {
    let lx = lxcpath!();
    let other = lxcpath!();
    let orig = lx.busybox("orig");

    let copy = orig
        .clone_with_options(&CloneOptions {
            lxcpath: Some(other.path().to_owned()),
            ..CloneOptions::new("copy")
        })
        .expect("clone into another lxcpath");
    assert_eq!(copy.name(), "copy");
    assert_eq!(copy.config_path().unwrap(), other.path());
    assert!(copy.is_defined());
    assert_eq!(copy.config_item("lxc.uts.name").unwrap(), "copy");
    let rootfs = other.path().join("copy/rootfs");
    assert_eq!(
        saved_rootfs(other.path(), "copy"),
        format!("dir:{}", rootfs.display())
    );
    assert_eq!(
        copy.config_item("lxc.rootfs.path").unwrap(),
        rootfs.display().to_string(),
        "the copy is opened afresh, as if reopened"
    );
    assert!(rootfs.join("bin/busybox").exists());
    assert!(
        !lx.path().join("copy").exists(),
        "nothing in the original's lxcpath"
    );
    assert_eq!(start_and_run(&copy, &["hostname"]).trim(), "copy");
    assert_eq!(orig.state().unwrap(), State::Stopped, "the original stays");

    let kept = orig
        .clone_with_options(&CloneOptions {
            lxcpath: Some(other.path().to_owned()),
            flags: CloneFlags::KEEP_NAME,
            ..CloneOptions::new("kept")
        })
        .expect("clone with KEEP_NAME");
    assert_eq!(kept.config_item("lxc.uts.name").unwrap(), "orig");
    assert_eq!(start_and_run(&kept, &["hostname"]).trim(), "orig");

    // The same name is fine in another lxcpath; the original's name is kept without KEEP_NAME too.
    let same = orig
        .clone_with_options(&CloneOptions {
            lxcpath: Some(other.path().to_owned()),
            ..CloneOptions::default()
        })
        .expect("clone under the same name into another lxcpath");
    assert_eq!(same.name(), "orig");
    assert_eq!(same.config_path().unwrap(), other.path());

    stop(&copy);
    stop(&kept);
}

#[test]
fn clone_refusals_are_clear_errors() {
    let lx = lxcpath!();
    let orig = lx.busybox("src");
    let before = lx.tree();
    let e = orig
        .clone_with_options(&CloneOptions::default())
        .expect_err("same name in the same lxcpath");
    assert_eq!(e.operation(), "clone");
    assert_eq!(e.container(), Some("src"));
    assert!(!e.reason().is_empty());
    assert_eq!(lx.tree(), before, "a refused clone changes nothing");

    let e = orig
        .clone_with_options(&CloneOptions::new("../escape"))
        .expect_err("a name that leaves the lxcpath");
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");

    orig.start().unwrap();
    orig.wait(State::Running, SECS_10).unwrap();
    let e = orig
        .clone_with_options(&CloneOptions::new("whilerunning"))
        .expect_err("cloning a running container needs ALLOW_RUNNING");
    assert_eq!(e.kind(), ErrorKind::Running, "{e}");
    stop(&orig);
}

#[test]
fn clone_onto_a_new_loop_store_with_a_new_size_and_hook_args() {
    let lx = lxcpath!();
    let orig = lx.busybox("hooked");
    // A clone hook that records its arguments (outside the lxcpath, which holds only containers).
    let hook_dir = tempfile::tempdir().unwrap();
    let record = hook_dir.path().join("hook.out");
    let hook = hook_dir.path().join("hook.sh");
    std::fs::write(
        &hook,
        format!("#!/bin/sh\nprintf '%s|' \"$@\" > {}\n", record.display()),
    )
    .unwrap();
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    orig.set_config_item("lxc.hook.clone", hook.to_str().unwrap())
        .unwrap();
    orig.save_config(None).unwrap();

    // liblxc runs hooks through a shell command line: arguments that it would split or
    // interpret are refused, and nothing is cloned.
    for bad in ["two words", "a;b", "$HOME", ""] {
        let e = orig
            .clone_with_options(&CloneOptions {
                hook_args: strings(&["one", bad]),
                ..CloneOptions::new("refused")
            })
            .expect_err("not a plain word");
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
        assert!(e.to_string().contains(&format!("{bad:?}")), "{e}");
    }
    assert!(!lx.path().join("refused").exists());
    assert!(!record.exists(), "no hook ran");

    let copy = orig
        .clone_with_options(&CloneOptions {
            backing_store: Some(BackingStore::Loop),
            new_size: MIB_64,
            hook_args: strings(&["one", "--two=2", "/three"]),
            ..CloneOptions::new("onloop")
        })
        .expect("clone onto a loop store");
    let rootdev = lx.path().join("onloop/rootdev");
    assert_eq!(
        saved_rootfs(lx.path(), "onloop"),
        format!("loop:{}", rootdev.display())
    );
    assert_eq!(std::fs::metadata(&rootdev).unwrap().len(), MIB_64 + 1);
    assert_eq!(fs_type(&rootdev), "ext4");
    assert_eq!(
        std::fs::read_to_string(&record).expect("the hook ran"),
        "onloop|lxc|clone|one|--two=2|/three|"
    );
    let root = root_mount(&copy);
    assert!(root.starts_with("/dev/loop"), "{root}");
    assert!(
        copy.command("test")
            .args(["-x", "/bin/busybox"])
            .status()
            .unwrap()
            .success(),
        "the rootfs was copied onto the new store"
    );
    stop(&copy);
    copy.destroy().unwrap();
    assert!(!rootdev.exists());
}
