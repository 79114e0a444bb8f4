//! The kinds of error, shared by the table (each contract names the kind of its failures) and the
//! runtime (`liblxc::ErrorKind` is this type).

use core::fmt;

/// What went wrong, for matching. More kinds may be added.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The container is not defined (it has no configuration in its lxcpath), or a named thing
    /// (snapshot, key, file) does not exist.
    NotFound,
    /// The operation needs a running container and this one is not running.
    NotRunning,
    /// The operation needs a stopped container and this one is running.
    Running,
    /// The container, or the new name, already exists.
    AlreadyExists,
    /// The operation needs a container whose processes run, and this one is frozen: unfreeze it
    /// first (its processes could not act on it until then).
    Frozen,
    /// The member is newer than the running liblxc, or its API extension is missing.
    Unsupported,
    /// An argument was refused before or by liblxc: a NUL byte, a name that would escape the lxcpath,
    /// an unknown configuration key, an out-of-range value.
    InvalidArgument,
    /// The operation did not finish in the time allowed.
    Timeout,
    /// The caller lacks the privilege for the operation.
    PermissionDenied,
    /// The filesystem that had to take a write is full (or the caller's quota is used up).
    StorageFull,
    /// The filesystem that had to take a write is read-only.
    ReadOnly,
    /// liblxc returned text that is not valid UTF-8 where the Rust type asked for a `String`.
    InvalidData,
    /// liblxc reported failure without a reason that fits a kind above.
    Failed,
}

impl ErrorKind {
    /// The kind an errno value (Linux numbering) stands for.
    #[doc(hidden)]
    pub const fn from_errno(errno: i32) -> ErrorKind {
        // Linux errno values (asm-generic/errno-base.h, errno.h).
        const EPERM: i32 = 1;
        const ENOENT: i32 = 2;
        const ESRCH: i32 = 3;
        const E2BIG: i32 = 7;
        const EACCES: i32 = 13;
        const EEXIST: i32 = 17;
        const EINVAL: i32 = 22;
        const ENAMETOOLONG: i32 = 36;
        const ENOSYS: i32 = 38;
        const ENODATA: i32 = 61;
        const EOPNOTSUPP: i32 = 95;
        const ETIMEDOUT: i32 = 110;
        const ENOSPC: i32 = 28;
        const EROFS: i32 = 30;
        const EDQUOT: i32 = 122;
        const ECONNREFUSED: i32 = 111;
        match errno {
            ENOENT | ESRCH | ENODATA => ErrorKind::NotFound,
            EEXIST => ErrorKind::AlreadyExists,
            EINVAL | E2BIG | ENAMETOOLONG => ErrorKind::InvalidArgument,
            ETIMEDOUT => ErrorKind::Timeout,
            EPERM | EACCES => ErrorKind::PermissionDenied,
            ENOSYS | EOPNOTSUPP => ErrorKind::Unsupported,
            ECONNREFUSED => ErrorKind::NotRunning,
            ENOSPC | EDQUOT => ErrorKind::StorageFull,
            EROFS => ErrorKind::ReadOnly,
            _ => ErrorKind::Failed,
        }
    }

    /// The kind in a few words.
    #[doc(hidden)]
    pub const fn describe(self) -> &'static str {
        match self {
            ErrorKind::NotFound => "not found",
            ErrorKind::NotRunning => "container is not running",
            ErrorKind::Running => "container is running",
            ErrorKind::AlreadyExists => "already exists",
            ErrorKind::Frozen => "container is frozen",
            ErrorKind::Unsupported => "not supported by the running liblxc",
            ErrorKind::InvalidArgument => "invalid argument",
            ErrorKind::Timeout => "timed out",
            ErrorKind::PermissionDenied => "permission denied",
            ErrorKind::StorageFull => "no space left on the filesystem",
            ErrorKind::ReadOnly => "read-only filesystem",
            ErrorKind::InvalidData => "liblxc returned invalid data",
            ErrorKind::Failed => "failed",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}
