//! Snapshots and clones.

use std::ffi::{c_int, CStr, OsStr};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use lxc_core::__private::class;
use lxc_core::__private::err::Neg;
use lxc_core::__private::{ffi, Policy};
use lxc_core::{Error, ErrorKind, Result};
use lxc_macros::lxc_method;

use crate::flags::CloneFlags;
use crate::made::Made;
use crate::Container;

/// One snapshot of a container, as `snapshot_list` reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Snapshot {
    /// The snapshot's name, e.g. `"snap0"`.
    pub name: String,
    /// The file holding the comment given when it was taken; `None` when none was given.
    pub comment_path: Option<PathBuf>,
    /// When it was taken, as liblxc writes it (`"2026:11:21 06:10:11"`), if known.
    pub timestamp: Option<String>,
    /// The lxcpath the snapshot lives in (`<lxcpath>/<name>/snaps`).
    pub lxcpath: PathBuf,
}

impl Snapshot {
    /// The comment given when the snapshot was taken, read from its file.
    ///
    /// # Errors
    ///
    /// When the comment file cannot be read. `Ok(None)` when the snapshot has no comment.
    pub fn comment(&self) -> std::io::Result<Option<String>> {
        self.comment_path
            .as_ref()
            .map(std::fs::read_to_string)
            .transpose()
    }
}

/// Owns the array `snapshot_list` returns: frees each element with its own `free`, then the array.
struct SnapshotArray {
    ptr: *mut ffi::LxcSnapshot,
    len: c_int,
}

impl SnapshotArray {
    fn field(&self, i: c_int, f: c_int) -> Option<&[u8]> {
        // SAFETY: i < len elements; the glue returns a borrowed string of element i, or NULL.
        let p = unsafe { ffi::lxcrs_glue_snapshot_field(self.ptr, i, f) };
        // SAFETY: non-null fields are NUL-terminated strings owned by the array.
        (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_bytes())
    }
}

impl Drop for SnapshotArray {
    fn drop(&mut self) {
        // SAFETY: the array and its elements came from snapshot_list and are freed exactly once.
        unsafe { ffi::lxcrs_glue_snapshots_free(self.ptr, self.len) }
    }
}

fn path(b: &[u8]) -> PathBuf {
    PathBuf::from(std::ffi::OsStr::from_bytes(b))
}

impl Container {
    /// Takes a snapshot of the stopped container (a full copy for `dir` backing stores) and returns
    /// its number: snapshot `n` is named `snap<n>`. `comment_file` is copied in as its comment.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NotFound`] when the container is not defined or `comment_file` does not exist,
    /// [`ErrorKind::InvalidArgument`] when `comment_file` is not a readable regular file or holds a
    /// NUL byte (checked first: liblxc would copy the rootfs, then fail and leave the copy),
    /// [`ErrorKind::Running`] when the container runs, [`ErrorKind::Timeout`] when the copy is not
    /// done at the [call limit](Self::set_call_limit) (the half-made snapshot is removed), and
    /// [`ErrorKind::Failed`] with liblxc's reason otherwise.
    #[lxc_method(snapshot, pre = Self::before_snapshot, explain = Self::undo_snapshot)]
    pub fn snapshot(&self, comment_file: Option<&Path>) -> Result<u32>;

    /// Checks the comment file, and notes the `snaps` directory if it does not exist yet: liblxc
    /// makes it, and leaves it behind when the snapshot fails (on a full filesystem, say).
    fn before_snapshot(&self, comment_file: Option<&Path>) -> Result<(Option<PathBuf>, Made)> {
        self.readable_comment(comment_file)?;
        if !self.is_defined() {
            return Ok((None, Made::default()));
        }
        let snaps = self.config_path()?.join(self.name()).join("snaps");
        let made = Made::entry_in(snaps.clone());
        Ok(((!snaps.exists()).then_some(snaps), made))
    }

    /// A failed snapshot leaves no `snaps` directory it made (liblxc removes the partial
    /// snapshot itself; `remove_dir` leaves a directory that is not empty alone).
    #[cold]
    fn undo_snapshot(
        &self,
        e: Error,
        (snaps, copy): &(Option<PathBuf>, Made),
        _: Option<&Path>,
    ) -> Error {
        let e = copy.undo(e);
        if let Some(dir) = snaps {
            let _ = std::fs::remove_dir(dir);
        }
        e
    }

    /// liblxc copies the whole rootfs before it looks at the comment file: it is checked first.
    fn readable_comment(&self, comment_file: Option<&Path>) -> Result<()> {
        if let Some(file) = comment_file {
            let bad = |kind, why: String| Err(self.error_in(kind, "snapshot", why));
            match std::fs::metadata(file) {
                Ok(m) if m.is_file() => {}
                Ok(_) => {
                    return bad(
                        ErrorKind::InvalidArgument,
                        format!("the comment file {} is not a regular file", file.display()),
                    )
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    return bad(
                        ErrorKind::NotFound,
                        format!("the comment file {} does not exist", file.display()),
                    )
                }
                Err(e) => {
                    let kind = e.raw_os_error().map_or(ErrorKind::InvalidArgument, |n| {
                        if n == libc::EACCES || n == libc::EPERM {
                            ErrorKind::PermissionDenied
                        } else {
                            ErrorKind::InvalidArgument
                        }
                    });
                    return bad(kind, format!("the comment file {}: {e}", file.display()));
                }
            }
        }
        Ok(())
    }

    /// The container's snapshots, oldest first. Empty when it has none.
    ///
    /// # Errors
    ///
    /// When liblxc cannot list them, or a name is not UTF-8.
    #[lxc_method(snapshot_list)]
    pub fn snapshots(&self) -> Result<Vec<Snapshot>> {
        // liblxc leaves the out-pointer untouched when the container has no snapshot directory.
        let mut ptr: *mut ffi::LxcSnapshot = std::ptr::null_mut();
        // SAFETY: the container pointer is live for the call; `ptr` is a valid out-pointer.
        let n = unsafe { (call.c())(call.ptr(), &mut ptr) };
        let array = SnapshotArray { ptr, len: n.max(0) };
        if let Some(failure) = <Neg as Policy<c_int>>::check(&n) {
            return Err(call.fail(failure));
        }
        let mut out = Vec::with_capacity(n as usize);
        for i in 0..array.len {
            let name = array.field(i, 0).unwrap_or_default();
            let name = std::str::from_utf8(name).map_err(|e| {
                call.error(
                    lxc_core::ErrorKind::InvalidData,
                    format!("snapshot name is not UTF-8: {e}").into(),
                )
            })?;
            out.push(Snapshot {
                name: name.to_owned(),
                // liblxc names a comment file for every snapshot; it exists only when one was given.
                comment_path: array.field(i, 1).map(path).filter(|p| p.is_file()),
                timestamp: array
                    .field(i, 2)
                    .map(|b| String::from_utf8_lossy(b).into_owned()),
                lxcpath: array.field(i, 3).map(path).unwrap_or_default(),
            });
        }
        // liblxc lists them in directory order. Oldest first: by the time taken (to the second,
        // `YYYY:MM:DD HH:MM:SS` sorts as text), then by number (liblxc numbers them upwards).
        out.sort_by_cached_key(|s| {
            let number = s
                .name
                .strip_prefix("snap")
                .and_then(|n| n.parse::<u64>().ok());
            (
                s.timestamp.clone(),
                number.unwrap_or(u64::MAX),
                s.name.clone(),
            )
        });
        Ok(out)
    }

    /// Restores snapshot `name` as container `new_name`; `None` restores over this container (which
    /// liblxc destroys first).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Running`] when restoring over this container while it runs,
    /// [`ErrorKind::AlreadyExists`] when `new_name` is another container that exists,
    /// [`ErrorKind::NotFound`] when there is no such snapshot (or this container is not defined),
    /// [`ErrorKind::InvalidArgument`] for a name that is not one path component,
    /// [`ErrorKind::Timeout`] when the copy is not done at the [call limit](Self::set_call_limit)
    /// (a half-made new container is removed), and [`ErrorKind::Failed`] with liblxc's reason
    /// otherwise.
    #[lxc_method(snapshot_restore, pre = Self::free_target, explain = Self::undo_restore)]
    pub fn snapshot_restore(&self, name: &str, new_name: Option<&str>) -> Result<()>;

    /// The container a restore writes must not run, and must not be another that exists.
    fn free_target(&self, _: &str, new_name: Option<&str>) -> Result<Made> {
        let fail = |kind, why: String| Err(self.error_in(kind, "snapshot_restore", why));
        match new_name.filter(|n| *n != self.name()) {
            None if self.is_running() => {
                return fail(
                    ErrorKind::Running,
                    "the container runs; stop it before restoring a snapshot over it".into(),
                )
            }
            Some(n) if class::check_name(n.as_bytes()).is_ok() => {
                if let Ok(p) = self.config_path() {
                    if p.join(n).join("config").exists() {
                        return fail(
                            ErrorKind::AlreadyExists,
                            format!("container {n:?} already exists in {}", p.display()),
                        );
                    }
                }
            }
            _ => {}
        }
        // A restore over this container destroys it first: nothing of its own to remove.
        Ok(match new_name.filter(|n| *n != self.name()) {
            Some(n) => Made::dir(self.config_path()?.join(n)),
            None => Made::default(),
        })
    }

    /// A restore that ran out of its call limit leaves no half-made container.
    #[cold]
    fn undo_restore(&self, e: Error, made: &Made, _: &str, _: Option<&str>) -> Error {
        made.undo(e)
    }

    /// Destroys snapshot `name` (`snap0`, as [`Container::snapshots`] names them).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidArgument`] for a name that is not one path component (checked before
    /// liblxc sees it), [`ErrorKind::NotFound`] when the container has no such snapshot, and
    /// [`ErrorKind::Failed`] with liblxc's reason otherwise.
    #[lxc_method(snapshot_destroy, explain = Self::missing_snapshot)]
    pub fn snapshot_destroy(&self, name: &str) -> Result<()>;

    /// liblxc says "Could not destroy snapshot" whether it is missing or could not be removed.
    #[cold]
    fn missing_snapshot(&self, e: Error, _: &(), name: &str) -> Error {
        if e.kind() != ErrorKind::Failed {
            return e;
        }
        let Ok(dir) = self
            .config_path()
            .map(|p| p.join(self.name()).join("snaps").join(name))
        else {
            return e;
        };
        if dir.join("config").exists() {
            return e;
        }
        let why = format!(
            "there is no snapshot {name:?} ({} does not exist)",
            dir.display()
        );
        e.rephrased(ErrorKind::NotFound, why)
    }

    /// Destroys every snapshot; nothing to do is not an error.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NotFound`] when the container is not defined, and [`ErrorKind::Failed`] with
    /// liblxc's reason when a snapshot cannot be destroyed.
    #[lxc_method(snapshot_destroy_all, pre = Self::snaps_dir, explain = Self::undo_snaps_dir)]
    pub fn snapshot_destroy_all(&self) -> Result<()>;

    /// liblxc fails `snapshot_destroy_all` (and `destroy_with_snapshots`) for a container that
    /// never had a snapshot: it cannot open the `snaps` directory it then removes. An empty one
    /// is made first, for a defined container, and noted so a failure can remove it again.
    pub(crate) fn snaps_dir(&self) -> Result<Option<PathBuf>> {
        if !self.is_defined() {
            return Ok(None);
        }
        let snaps = self.config_path()?.join(self.name()).join("snaps");
        match std::fs::create_dir(&snaps) {
            Ok(()) => Ok(Some(snaps)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(None),
            Err(e) => Err(self.error_in(
                e.raw_os_error()
                    .map_or(ErrorKind::Failed, ErrorKind::from_errno),
                "snapshot_destroy_all",
                format!(
                    "cannot make the snapshot directory {}: {e}",
                    snaps.display()
                ),
            )),
        }
    }

    /// A failure leaves no `snaps` directory that [`Container::snaps_dir`] made.
    #[cold]
    pub(crate) fn undo_snaps_dir(&self, e: Error, made: &Option<PathBuf>) -> Error {
        if let Some(dir) = made {
            let _ = std::fs::remove_dir(dir);
        }
        e
    }

    /// Copies (or snapshots) the container as `new_name` in `lxcpath` (`None`: the same lxcpath),
    /// and opens the copy. `bdevtype`/`bdevdata` choose the new backing store, `new_size` its size
    /// for block stores (0: same), `hook_args` are passed to the clone hooks.
    /// [`Container::clone_with_options`] takes the same, typed.
    ///
    /// The copy is opened afresh from its saved configuration: the object liblxc 5.0's `clone`
    /// returns cannot start (its in-memory `lxc.rootfs.path` keeps the storage type,
    /// `dir:/…/rootfs`, and its start fails to open it), so it is never handed out.
    ///
    /// # Errors
    ///
    /// As liblxc's `clone` (below), and as [`Container::new_in`] for the copy;
    /// [`ErrorKind::Timeout`] when the copy is not done at the
    /// [call limit](Self::set_call_limit) (the half-made copy is removed).
    #[allow(clippy::too_many_arguments)] // it mirrors liblxc's `clone`; typed options wrap it
    pub fn clone_with(
        &self,
        new_name: Option<&str>,
        lxcpath: Option<&Path>,
        flags: CloneFlags,
        bdevtype: Option<&str>,
        bdevdata: Option<&str>,
        new_size: u64,
        hook_args: &[impl AsRef<OsStr>],
    ) -> Result<Container> {
        let copy = self.clone_member(
            new_name, lxcpath, flags, bdevtype, bdevdata, new_size, hook_args,
        )?;
        let lxcpath = copy.config_path()?;
        Container::new_in(copy.name(), lxcpath)
    }

    /// liblxc's `clone`; its result cannot start on liblxc 5.0 (see [`Container::clone_with`]).
    #[allow(clippy::too_many_arguments)]
    #[lxc_method(clone, pre = Self::clone_target, explain = Self::undo_clone)]
    pub(crate) fn clone_member(
        &self,
        new_name: Option<&str>,
        lxcpath: Option<&Path>,
        flags: CloneFlags,
        bdevtype: Option<&str>,
        bdevdata: Option<&str>,
        new_size: u64,
        hook_args: &[impl AsRef<OsStr>],
    ) -> Result<Container>;

    /// Notes the directory a clone makes (see `made.rs`).
    #[allow(clippy::too_many_arguments)]
    fn clone_target(
        &self,
        new_name: Option<&str>,
        lxcpath: Option<&Path>,
        _: CloneFlags,
        _: Option<&str>,
        _: Option<&str>,
        _: u64,
        _: &[impl AsRef<OsStr>],
    ) -> Result<Made> {
        let lxcpath = match lxcpath {
            Some(p) => p.to_owned(),
            None => self.config_path()?,
        };
        Ok(Made::dir(lxcpath.join(new_name.unwrap_or(self.name()))))
    }

    /// A clone that ran out of its call limit leaves no half-made copy.
    #[cold]
    #[allow(clippy::too_many_arguments)]
    fn undo_clone(
        &self,
        e: Error,
        made: &Made,
        _: Option<&str>,
        _: Option<&Path>,
        _: CloneFlags,
        _: Option<&str>,
        _: Option<&str>,
        _: u64,
        _: &[impl AsRef<OsStr>],
    ) -> Error {
        made.undo(e)
    }

    /// Copies the stopped container as `new_name` in the same lxcpath and opens the copy.
    ///
    /// # Errors
    ///
    /// As [`Container::clone_with`].
    pub fn clone_as(&self, new_name: &str) -> Result<Container> {
        self.clone_with(
            Some(new_name),
            None,
            CloneFlags::empty(),
            None,
            None,
            0,
            &[] as &[&str],
        )
    }
}
