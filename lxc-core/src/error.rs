//! The one error type of lxc-rs (I-6).

use std::borrow::Cow;
use std::fmt;
use std::io;

use crate::version::Version;

pub use lxc_api::ErrorKind;

/// The result of every fallible lxc-rs call.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A failed liblxc call: which member, on which container, what it returned, and why.
///
/// `Display` reads like `start container "web": container is not defined in "/var/lib/lxc"`.
/// The size of `Error` is one pointer, so `Result<()>` stays small on the success path.
pub struct Error(Box<Inner>);

struct Inner {
    kind: ErrorKind,
    op: &'static str,
    container: Option<Box<str>>,
    argument: Option<Box<str>>,
    code: Option<i64>,
    errno: Option<i32>,
    reason: Cow<'static, str>,
    since: Option<Version>,
}

impl Error {
    /// An error of `kind` in operation `op`, with a reason in words.
    pub fn new(kind: ErrorKind, op: &'static str, reason: impl Into<Cow<'static, str>>) -> Error {
        let mut reason = reason.into();
        if reason.is_empty() {
            reason = Cow::Borrowed(kind.describe());
        }
        Error(Box::new(Inner {
            kind,
            op,
            container: None,
            argument: None,
            code: None,
            errno: None,
            reason,
            since: None,
        }))
    }

    /// The same failure (operation, container, argument, code, errno) with another kind and
    /// reason: what a declaration's `explain` function gives once it knows more.
    #[must_use]
    pub fn rephrased(mut self, kind: ErrorKind, reason: impl Into<Cow<'static, str>>) -> Error {
        self.0.kind = kind;
        self.0.reason = reason.into();
        self
    }

    pub(crate) fn unsupported(op: &'static str, since: Version, reason: String) -> Error {
        let mut e = Error::new(ErrorKind::Unsupported, op, reason);
        e.0.since = Some(since);
        e
    }

    /// Names the container the operation was about.
    #[must_use]
    pub fn with_container(mut self, name: impl Into<Box<str>>) -> Error {
        self.0.container = Some(name.into());
        self
    }

    /// Names the argument a free function was about (a key, a path).
    #[must_use]
    pub fn with_argument(mut self, arg: impl Into<Box<str>>) -> Error {
        self.0.argument = Some(arg.into());
        self
    }

    /// The argument a free function was about, if recorded.
    pub fn argument(&self) -> Option<&str> {
        self.0.argument.as_deref()
    }

    /// Records the raw value liblxc returned.
    #[must_use]
    pub fn with_code(mut self, code: i64) -> Error {
        self.0.code = Some(code);
        self
    }

    /// Records an errno that the member's convention makes meaningful.
    #[must_use]
    pub fn with_errno(mut self, errno: i32) -> Error {
        self.0.errno = Some(errno);
        self
    }

    /// What went wrong, for matching.
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// The liblxc member (or lxc-rs operation) that failed, e.g. `"get_config_item"`.
    pub fn operation(&self) -> &'static str {
        self.0.op
    }

    /// The container the operation was about, if any.
    pub fn container(&self) -> Option<&str> {
        self.0.container.as_deref()
    }

    /// The raw value liblxc returned, where there was one (`-22`, `-1`, `0` for `false`).
    pub fn code(&self) -> Option<i64> {
        self.0.code
    }

    /// The errno, where the member's convention makes it meaningful (`-ret` for members that return
    /// a negative errno).
    pub fn raw_os_error(&self) -> Option<i32> {
        self.0.errno
    }

    /// The reason in words, without the operation and container.
    pub fn reason(&self) -> &str {
        &self.0.reason
    }

    /// For [`ErrorKind::Unsupported`] on a member: the first liblxc release that has it.
    pub fn since(&self) -> Option<Version> {
        self.0.since
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.0;
        f.write_str(i.op)?;
        if let Some(a) = &i.argument {
            write!(f, "({a:?})")?;
        }
        if let Some(c) = &i.container {
            write!(f, " container {c:?}")?;
        }
        write!(f, ": {}", i.reason)?;
        match (i.errno, i.code) {
            (Some(e), Some(c)) => write!(
                f,
                " (liblxc returned {c}: {})",
                io::Error::from_raw_os_error(e)
            ),
            (Some(e), None) => write!(f, " ({})", io::Error::from_raw_os_error(e)),
            (None, Some(c)) if c != 0 => write!(f, " (liblxc returned {c})"),
            _ => Ok(()),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.0;
        f.debug_struct("Error")
            .field("kind", &i.kind)
            .field("op", &i.op)
            .field("container", &i.container)
            .field("code", &i.code)
            .field("errno", &i.errno)
            .field("reason", &i.reason)
            .finish()
    }
}

impl std::error::Error for Error {}

impl From<Error> for io::Error {
    fn from(e: Error) -> io::Error {
        let kind = match e.kind() {
            ErrorKind::NotFound => io::ErrorKind::NotFound,
            ErrorKind::AlreadyExists => io::ErrorKind::AlreadyExists,
            ErrorKind::InvalidArgument => io::ErrorKind::InvalidInput,
            ErrorKind::InvalidData => io::ErrorKind::InvalidData,
            ErrorKind::Timeout => io::ErrorKind::TimedOut,
            ErrorKind::PermissionDenied => io::ErrorKind::PermissionDenied,
            ErrorKind::Unsupported => io::ErrorKind::Unsupported,
            _ => io::ErrorKind::Other,
        };
        io::Error::new(kind, e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_operation_container_and_reason() {
        let e = Error::new(ErrorKind::InvalidArgument, "get_config_item", "unknown key")
            .with_container("web")
            .with_code(-22)
            .with_errno(libc::EINVAL);
        assert_eq!(
            e.to_string(),
            "get_config_item container \"web\": unknown key (liblxc returned -22: Invalid argument (os error 22))"
        );
        assert_eq!(std::mem::size_of::<Error>(), std::mem::size_of::<usize>());
    }

    #[test]
    fn never_an_empty_message() {
        let e = Error::new(ErrorKind::Failed, "stop", "");
        assert_eq!(e.to_string(), "stop: failed");
    }
}
