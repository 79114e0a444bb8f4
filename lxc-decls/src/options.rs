//! Typed options for `create` and `clone`: the backing store, the storage specs, the flags, the
//! template's arguments (with the `download` template's options, like go-lxc's `TemplateOptions`),
//! and the new name, lxcpath, size and hook arguments of a clone.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use lxc_core::{BdevSpecs, Error, ErrorKind, Result};

use crate::flags::{CloneFlags, CreateFlags};
use crate::Container;

/// Where liblxc looks for a template given by name (`LXCTEMPLATEDIR` of Debian's and upstream's
/// default build): `download` is `<dir>/lxc-download`.
const TEMPLATE_DIR: &str = "/usr/share/lxc/templates";

/// A backing store type for a container's root filesystem: the `bdevtype` of `create` and `clone`,
/// as liblxc spells it (`lxc-create -B`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BackingStore {
    /// A plain directory, `<lxcpath>/<name>/rootfs` (liblxc's default).
    Dir,
    /// A btrfs subvolume (the lxcpath must be on btrfs).
    Btrfs,
    /// A ZFS dataset under [`BdevSpecs::zfs_root`] (default `tank/lxc`).
    Zfs,
    /// An LVM logical volume in [`BdevSpecs::lvm_vg`] (default `lxc`).
    Lvm,
    /// A Ceph RBD image in [`BdevSpecs::rbd_pool`].
    Rbd,
    /// An overlay filesystem on top of another container's rootfs (clones and snapshots).
    Overlay,
    /// A file, `<lxcpath>/<name>/rootdev`, attached to a loop device and formatted with
    /// [`BdevSpecs::fstype`] (default ext4) at [`BdevSpecs::fssize`] (default 1 GiB). Needs
    /// `losetup`-capable loop devices and the filesystem's `mkfs`.
    Loop,
    /// The first of btrfs, zfs, lvm, dir, rbd that works here.
    Best,
}

impl BackingStore {
    /// Every variant, in declaration order.
    pub const ALL: [BackingStore; 8] = [
        BackingStore::Dir,
        BackingStore::Btrfs,
        BackingStore::Zfs,
        BackingStore::Lvm,
        BackingStore::Rbd,
        BackingStore::Overlay,
        BackingStore::Loop,
        BackingStore::Best,
    ];

    /// The name liblxc takes: `"dir"`, `"btrfs"`, `"zfs"`, `"lvm"`, `"rbd"`, `"overlay"`, `"loop"`,
    /// `"best"`.
    pub fn as_str(self) -> &'static str {
        match self {
            BackingStore::Dir => "dir",
            BackingStore::Btrfs => "btrfs",
            BackingStore::Zfs => "zfs",
            BackingStore::Lvm => "lvm",
            BackingStore::Rbd => "rbd",
            BackingStore::Overlay => "overlay",
            BackingStore::Loop => "loop",
            BackingStore::Best => "best",
        }
    }
}

impl fmt::Display for BackingStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for BackingStore {
    type Err = Error;

    /// Parses liblxc's name of a backing store; `overlayfs` (liblxc's older name) is
    /// [`BackingStore::Overlay`].
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidArgument`] for any other name.
    fn from_str(s: &str) -> Result<BackingStore> {
        if s == "overlayfs" {
            return Ok(BackingStore::Overlay);
        }
        BackingStore::ALL
            .into_iter()
            .find(|b| b.as_str() == s)
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidArgument,
                    "BackingStore::from_str",
                    format!(
                        "unknown backing store {s:?}; liblxc knows dir, btrfs, zfs, lvm, rbd, overlay, loop and best"
                    ),
                )
            })
    }
}

/// The options of the `download` template (`lxc-download`), which fetches a prebuilt image from an
/// image server: go-lxc's `TemplateOptions` for that template. [`DownloadOptions::args`] turns them
/// into the template's arguments, in go-lxc's order.
///
/// The distribution, release and architecture are required (`lxc-download` asks for them on a
/// terminal otherwise). Extra arguments for the template go in [`CreateOptions::args`], after these.
///
/// # The GPG options
///
/// `key_id`, `key_server` and `disable_validation` become `--keyid`, `--keyserver` and
/// `--no-validate`, which `lxc-download` of LXC 4.0 and older takes. The `lxc-download` of LXC 5.0
/// (Debian 12's) verifies images over HTTPS instead and no longer accepts them: its `getopt` fails
/// with "unrecognized option". [`Container::create_with_options`] checks the installed template for
/// them and refuses the options it does not take, before anything is created.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DownloadOptions {
    /// The distribution, e.g. `"debian"` (`--dist`).
    pub distribution: String,
    /// The release, e.g. `"bookworm"` (`--release`).
    pub release: String,
    /// The architecture, e.g. `"amd64"` (`--arch`).
    pub arch: String,
    /// The image variant, e.g. `"default"` or `"cloud"` (`--variant`).
    pub variant: Option<String>,
    /// The image server, e.g. `"images.linuxcontainers.org"` (`--server`).
    pub server: Option<String>,
    /// The GPG key id that signs the images (`--keyid`; LXC 4.0 and older).
    pub key_id: Option<String>,
    /// The GPG key server (`--keyserver`; LXC 4.0 and older).
    pub key_server: Option<String>,
    /// Skip GPG validation of the image (`--no-validate`; LXC 4.0 and older).
    pub disable_validation: bool,
    /// Throw away the cached copy of the image and download it again (`--flush-cache`).
    pub flush_cache: bool,
    /// Use the cached copy of the image even if it expired (`--force-cache`).
    pub force_cache: bool,
}

impl DownloadOptions {
    /// The required options; every other one is unset.
    pub fn new(
        distribution: impl Into<String>,
        release: impl Into<String>,
        arch: impl Into<String>,
    ) -> DownloadOptions {
        DownloadOptions {
            distribution: distribution.into(),
            release: release.into(),
            arch: arch.into(),
            ..DownloadOptions::default()
        }
    }

    /// The template's arguments: `--dist D --release R --arch A`, then `--variant V`,
    /// `--server S`, `--keyid K`, `--keyserver KS`, `--no-validate`, `--flush-cache`,
    /// `--force-cache` for the options that are set, in that order (go-lxc's).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidArgument`] when the distribution, release or architecture is empty, or
    /// an option is empty where it is set.
    pub fn args(&self) -> Result<Vec<String>> {
        let mut out = Vec::with_capacity(16);
        for (flag, name, value) in [
            ("--dist", "distribution", &self.distribution),
            ("--release", "release", &self.release),
            ("--arch", "arch", &self.arch),
        ] {
            if value.is_empty() {
                return Err(invalid(format!(
                    "the download template needs DownloadOptions::{name} (lxc-download {flag})"
                )));
            }
            out.extend([flag.to_owned(), value.clone()]);
        }
        for (flag, name, value) in [
            ("--variant", "variant", &self.variant),
            ("--server", "server", &self.server),
            ("--keyid", "key_id", &self.key_id),
            ("--keyserver", "key_server", &self.key_server),
        ] {
            match value {
                Some(v) if v.is_empty() => {
                    return Err(invalid(format!(
                        "DownloadOptions::{name} is set but empty; use None to leave out {flag}"
                    )))
                }
                Some(v) => out.extend([flag.to_owned(), v.clone()]),
                None => {}
            }
        }
        for (flag, on) in [
            ("--no-validate", self.disable_validation),
            ("--flush-cache", self.flush_cache),
            ("--force-cache", self.force_cache),
        ] {
            if on {
                out.push(flag.to_owned());
            }
        }
        Ok(out)
    }

    /// The GPG options that are set, as the flags they become.
    fn gpg_flags(&self) -> impl Iterator<Item = &'static str> + '_ {
        [
            ("--keyid", self.key_id.is_some()),
            ("--keyserver", self.key_server.is_some()),
            ("--no-validate", self.disable_validation),
        ]
        .into_iter()
        .filter_map(|(f, on)| on.then_some(f))
    }
}

/// Everything `create` takes, typed: the template and its arguments, the backing store and its
/// specs, and the flags. `Default` creates a configuration only (no template, no rootfs content) on
/// a `dir` backing store.
///
/// ```no_run
/// use lxc_core::BdevSpecs; // `liblxc::BdevSpecs` for users of the `liblxc` crate
/// use liblxc_decls::{BackingStore, Container, CreateFlags, CreateOptions};
///
/// # fn main() -> lxc_core::Result<()> {
/// let c = Container::new("web")?;
/// c.create_with_options(&CreateOptions {
///     backing_store: Some(BackingStore::Loop),
///     bdev_specs: Some(BdevSpecs {
///         fstype: Some("ext4".into()),
///         fssize: 64 << 20,
///         ..BdevSpecs::default()
///     }),
///     flags: CreateFlags::QUIET,
///     ..CreateOptions::new("busybox")
/// })?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CreateOptions {
    /// The template: a name (`"busybox"`, `"download"`: liblxc runs
    /// `/usr/share/lxc/templates/lxc-<name>`) or the path of an executable. `None` writes only the
    /// configuration.
    pub template: Option<String>,
    /// The backing store of the rootfs; `None` is liblxc's default, [`BackingStore::Dir`].
    pub backing_store: Option<BackingStore>,
    /// Options of the backing store (filesystem type and size, volume group, …); `None` keeps
    /// liblxc's defaults.
    pub bdev_specs: Option<BdevSpecs>,
    /// [`CreateFlags::QUIET`] silences the template.
    pub flags: CreateFlags,
    /// The `download` template's options; needs `template` to be `download`.
    pub download: Option<DownloadOptions>,
    /// More arguments for the template, after those of `download` (go-lxc's `ExtraArgs`).
    pub args: Vec<String>,
}

impl CreateOptions {
    /// Options that run `template` and leave everything else at its default.
    pub fn new(template: impl Into<String>) -> CreateOptions {
        CreateOptions {
            template: Some(template.into()),
            ..CreateOptions::default()
        }
    }

    /// Options that run the `download` template with `download`.
    pub fn download(download: DownloadOptions) -> CreateOptions {
        CreateOptions {
            template: Some("download".into()),
            download: Some(download),
            ..CreateOptions::default()
        }
    }

    /// The argument list the template gets (liblxc adds `--name`, `--path`, `--rootfs` and, for
    /// user namespaces, `--mapped-uid`/`--mapped-gid` before them): the `download` options, then
    /// [`CreateOptions::args`].
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidArgument`] when download options are given for a template other than
    /// `download`, when arguments are given without a template, or as [`DownloadOptions::args`].
    pub fn template_args(&self) -> Result<Vec<String>> {
        let mut out = Vec::new();
        if let Some(d) = &self.download {
            if !self.is_download() {
                return Err(invalid(format!(
                    "download options need the download template, not {:?}",
                    self.template.as_deref().unwrap_or("(none)")
                )));
            }
            out = d.args()?;
        }
        if self.template.is_none() && !self.args.is_empty() {
            return Err(invalid(
                "template arguments were given without a template".to_owned(),
            ));
        }
        out.extend(self.args.iter().cloned());
        Ok(out)
    }

    fn is_download(&self) -> bool {
        match self.template.as_deref() {
            Some("download") => true,
            Some(t) => Path::new(t)
                .file_name()
                .is_some_and(|f| f == "lxc-download"),
            None => false,
        }
    }

    /// The `download` script liblxc will run, when it can be told from the template name.
    fn download_script(&self) -> Option<PathBuf> {
        match self.template.as_deref()? {
            "download" => Some(Path::new(TEMPLATE_DIR).join("lxc-download")),
            t if t.contains('/') => Some(PathBuf::from(t)),
            _ => None,
        }
    }

    /// Refuses GPG options that the installed `lxc-download` does not parse (LXC 5.0 dropped them),
    /// so create fails before it touches the disk instead of in the template's `getopt`.
    fn check_download_script(&self) -> Result<()> {
        let (Some(d), Some(script)) = (&self.download, self.download_script()) else {
            return Ok(());
        };
        let Ok(text) = std::fs::read_to_string(&script) else {
            return Ok(()); // liblxc reports a missing template itself.
        };
        if !text.contains("getopt") {
            return Ok(());
        }
        let refused: Vec<&str> = d.gpg_flags().filter(|f| !text.contains(&f[2..])).collect();
        if refused.is_empty() {
            return Ok(());
        }
        Err(invalid(format!(
            "the installed download template {} does not accept {} (LXC 5.0's lxc-download checks images over HTTPS and dropped its GPG options); leave DownloadOptions::key_id, key_server and disable_validation unset",
            script.display(),
            refused.join(", ")
        )))
    }
}

/// Everything `clone` takes, typed. `Default` copies the container under the same name into the
/// same lxcpath, which liblxc refuses: set at least a new name or another lxcpath.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CloneOptions {
    /// The copy's name; `None` keeps the original's (then `lxcpath` must differ).
    pub new_name: Option<String>,
    /// The lxcpath the copy goes to; `None` is the original's.
    pub lxcpath: Option<PathBuf>,
    /// [`CloneFlags::KEEP_NAME`] keeps the hostname (`lxc.uts.name`, `/etc/hostname`) of the
    /// original, [`CloneFlags::SNAPSHOT`] makes a copy-on-write snapshot, and so on.
    pub flags: CloneFlags,
    /// The copy's backing store; `None` is the original's type for snapshots, else `dir`.
    pub backing_store: Option<BackingStore>,
    /// Data for the new backing store, e.g. a path for `dir` (liblxc's `bdevdata`).
    pub bdev_data: Option<String>,
    /// The size in bytes of a new block-backed store (`loop`, `lvm`); 0 copies the original's
    /// size, or liblxc's default of 1 GiB.
    pub new_size: u64,
    /// Arguments for the container's `lxc.hook.clone` hooks, after `<name> lxc clone`.
    ///
    /// liblxc pastes them, separated by spaces, into a command line that a shell runs: an argument
    /// with a space would arrive as two words, and shell syntax would be interpreted (an argument
    /// `a;b` arrives as `a`). [`Container::clone_with_options`] therefore refuses empty arguments
    /// and arguments with whitespace or any of ``;&|<>()$`\"'*?[]#~{}!``.
    pub hook_args: Vec<String>,
}

impl CloneOptions {
    /// Options that copy the container as `new_name` into the same lxcpath.
    pub fn new(new_name: impl Into<String>) -> CloneOptions {
        CloneOptions {
            new_name: Some(new_name.into()),
            ..CloneOptions::default()
        }
    }
}

/// Whether a shell leaves `arg` as one word, unchanged.
fn is_plain_word(arg: &str) -> bool {
    !arg.is_empty()
        && !arg
            .chars()
            .any(|c| c.is_whitespace() || ";&|<>()$`\\\"'*?[]#~{}!".contains(c))
}

fn invalid(reason: String) -> Error {
    Error::new(ErrorKind::InvalidArgument, "create", reason)
}

impl Container {
    /// Creates the container with typed options: runs the template with
    /// [`CreateOptions::template_args`] on the chosen backing store (see [`Container::create_with`]).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidArgument`] for options that do not fit together
    /// ([`CreateOptions::template_args`]), or GPG download options that the installed
    /// `lxc-download` does not take (see [`DownloadOptions`]); nothing is created then. Otherwise
    /// as [`Container::create_with`]: an existing container, a template that fails, a backing store
    /// that cannot be set up here (for `loop`: no free loop device, no `mkfs.<fstype>`). When
    /// create fails, the container's directory is removed if this call made it (liblxc leaves a
    /// failed `loop` store's file behind).
    pub fn create_with_options(&self, opts: &CreateOptions) -> Result<()> {
        let with_name = |e: Error| e.with_container(self.name());
        let args = opts.template_args().map_err(with_name)?;
        opts.check_download_script().map_err(with_name)?;
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        // create_with removes what a failed create made.
        self.create_with(
            opts.template.as_deref(),
            opts.backing_store.map(BackingStore::as_str),
            opts.bdev_specs.as_ref(),
            opts.flags,
            &argv,
        )
    }

    /// Copies (or snapshots) the container with typed options, and opens the copy (see
    /// [`Container::clone_with`]). The copy is opened afresh from its saved configuration: the
    /// object liblxc 5.0's `clone` returns cannot start (it fails to open its rootfs).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidArgument`] for a hook argument that is not a plain word (see
    /// [`CloneOptions::hook_args`]). Otherwise as [`Container::clone_with`]: a running original ([`ErrorKind::Running`], unless
    /// [`CloneFlags::ALLOW_RUNNING`]),
    /// a copy that exists already, the same name in the same lxcpath, a name that would leave the
    /// lxcpath, a backing store that cannot be set up here, a failing clone hook.
    pub fn clone_with_options(&self, opts: &CloneOptions) -> Result<Container> {
        if let Some(bad) = opts.hook_args.iter().find(|a| !is_plain_word(a)) {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                "clone",
                format!("hook argument {bad:?} is not a plain word: liblxc runs clone hooks through a shell command line, which would split or interpret it"),
            )
            .with_container(self.name()));
        }
        let hook_args: Vec<&str> = opts.hook_args.iter().map(String::as_str).collect();
        let copy = self
            .clone_with(
                opts.new_name.as_deref(),
                opts.lxcpath.as_deref(),
                opts.flags,
                opts.backing_store.map(BackingStore::as_str),
                opts.bdev_data.as_deref(),
                opts.new_size,
                &hook_args,
            )
            .map_err(|e| {
                if e.kind() == ErrorKind::Failed
                    && !opts.flags.contains(CloneFlags::ALLOW_RUNNING)
                    && self.is_running()
                {
                    let mut r = Error::new(
                        ErrorKind::Running,
                        e.operation(),
                        format!("the container is running; stop it first or clone with CloneFlags::ALLOW_RUNNING ({})", e.reason()),
                    )
                    .with_container(self.name());
                    if let Some(code) = e.code() {
                        r = r.with_code(code);
                    }
                    r
                } else {
                    e
                }
            })?;
        // liblxc 5.0 keeps the storage type in the in-memory `lxc.rootfs.path` of the object it
        // returns ("dir:/…/rootfs"), and that object's start fails to open it; the saved
        // configuration is right, so open the copy afresh.
        let lxcpath = copy.config_path()?;
        Container::new_in(copy.name(), lxcpath)
    }
}
