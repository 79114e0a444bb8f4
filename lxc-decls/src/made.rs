//! What a copy that ran out of its call limit leaves behind, removed.
//!
//! liblxc removes the half-made copy of a clone, snapshot, restore or rename that fails, but one
//! whose child lxc-rs killed at the call limit (see `Container::set_call_limit`) never gets that
//! far: the declaration notes, before the call, which directory the copy goes to (if it does not
//! exist yet), and removes it after a timeout.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use lxc_core::{Error, ErrorKind};

/// Directories a copy is about to make.
#[derive(Default)]
pub(crate) struct Made {
    /// The copy's own directory, when it does not exist yet.
    dir: Option<PathBuf>,
    /// A directory the copy makes an entry in (`snaps`), and the entries it had.
    entries: Option<(PathBuf, BTreeSet<OsString>)>,
}

impl Made {
    /// The copy goes to `dir`, which is removed after a timeout if it does not exist now.
    pub(crate) fn dir(dir: PathBuf) -> Made {
        Made {
            dir: (std::fs::symlink_metadata(&dir).is_err()).then_some(dir),
            entries: None,
        }
    }

    /// The copy makes a new entry in `dir`: entries that are not there now are removed after a
    /// timeout.
    pub(crate) fn entry_in(dir: PathBuf) -> Made {
        let now = names(&dir);
        Made {
            dir: None,
            entries: Some((dir, now)),
        }
    }

    /// After the call failed with `e`: a timeout's half-made copy is removed.
    pub(crate) fn undo(&self, e: Error) -> Error {
        if e.kind() != ErrorKind::Timeout {
            return e;
        }
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
        if let Some((dir, before)) = &self.entries {
            for name in names(dir).difference(before) {
                let _ = std::fs::remove_dir_all(dir.join(name));
            }
        }
        e
    }
}

fn names(dir: &Path) -> BTreeSet<OsString> {
    std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default()
}
