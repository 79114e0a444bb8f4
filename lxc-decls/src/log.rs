//! liblxc's process-wide log.

use std::ffi::CString;
use std::path::PathBuf;

use lxc_core::__private::ffi;
use lxc_core::{Error, ErrorKind, Result};
use lxc_macros::lxc_method;

/// How much liblxc logs.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
#[non_exhaustive]
pub enum LogLevel {
    /// Everything.
    Trace,
    /// Debugging detail.
    Debug,
    /// Informational messages.
    Info,
    /// Notices.
    Notice,
    /// Warnings.
    Warn,
    /// Errors only.
    #[default]
    Error,
    /// Critical errors only.
    Crit,
    /// Alerts only.
    Alert,
    /// Fatal errors only.
    Fatal,
}

impl LogLevel {
    fn as_str(self) -> &'static str {
        match self {
            LogLevel::Trace => "TRACE",
            LogLevel::Debug => "DEBUG",
            LogLevel::Info => "INFO",
            LogLevel::Notice => "NOTICE",
            LogLevel::Warn => "WARN",
            LogLevel::Error => "ERROR",
            LogLevel::Crit => "CRIT",
            LogLevel::Alert => "ALERT",
            LogLevel::Fatal => "FATAL",
        }
    }
}

/// Options of [`init`] (`struct lxc_log`).
#[derive(Clone, Debug, Default)]
pub struct LogOptions {
    /// The container name logged with each line, if any.
    pub name: Option<String>,
    /// The lxcpath used to place a default log file, if `file` is unset.
    pub lxcpath: Option<PathBuf>,
    /// The file to log to.
    pub file: Option<PathBuf>,
    /// The level.
    pub level: LogLevel,
    /// A prefix for each line (liblxc default: `"lxc"`).
    pub prefix: Option<String>,
    /// Do not also log to stderr.
    pub quiet: bool,
}

/// Sets up liblxc's log for the whole process.
///
/// lxc-rs sets up liblxc's log itself (level ERROR, no file, nothing on stderr) when the first
/// container is opened, and gives each container object a log of its own to explain failed calls.
/// Call `init` before that to choose the level. With `options.file`, liblxc writes every line to
/// that file instead (it then ignores the per-container logs), and failures are explained from it,
/// by container name. Called later, `init` can still move the log to `options.file`, but only at
/// level `Error`. After a first `init` with a file, liblxc keeps that set-up: a second call
/// returns `Ok` and changes nothing.
///
/// # Errors
///
/// `InvalidArgument` for a NUL byte in an option, an empty log file name or a directory (checked
/// before anything changes), or for a level other than `Error` once a container was opened;
/// `Failed` when the log file cannot be opened.
#[lxc_method(lxc_log_init)]
pub fn init(options: &LogOptions) -> Result<()> {
    let c = |field: &'static str, v: Option<&[u8]>| -> Result<Option<CString>> {
        v.map(|b| {
            CString::new(b).map_err(|e| {
                Error::new(
                    ErrorKind::InvalidArgument,
                    "lxc_log_init",
                    format!(
                        "option `{field}` contains a NUL byte at position {}",
                        e.nul_position()
                    ),
                )
            })
        })
        .transpose()
    };
    use std::os::unix::ffi::OsStrExt;
    let name = c("name", options.name.as_deref().map(str::as_bytes))?;
    let lxcpath = c(
        "lxcpath",
        options.lxcpath.as_deref().map(|p| p.as_os_str().as_bytes()),
    )?;
    let file = c(
        "file",
        options.file.as_deref().map(|p| p.as_os_str().as_bytes()),
    )?;
    if let Some(f) = options.file.as_deref() {
        // Checked before anything changes: liblxc would first close the log lxc-rs reads its
        // reasons from, then fail to open this one without saying why.
        let why = if f.as_os_str().is_empty() {
            Some("the log file name is empty".to_owned())
        } else if f.is_dir() {
            Some(format!("the log file {} is a directory", f.display()))
        } else {
            None
        };
        if let Some(why) = why {
            return Err(call.error(ErrorKind::InvalidArgument, why.into()));
        }
    }
    let prefix = c("prefix", options.prefix.as_deref().map(str::as_bytes))?;
    let level = CString::new(options.level.as_str()).expect("level names have no NUL");
    let p = |s: &Option<CString>| s.as_ref().map_or(std::ptr::null(), |s| s.as_ptr());
    if lxc_core::__private::log_before_user_init(options.level == LogLevel::Error).is_err() {
        return Err(call.error(
            ErrorKind::InvalidArgument,
            format!(
                "liblxc applies a log level only at its first set-up, and lxc-rs set it up (level ERROR) when the first \
                 container was opened; call `liblxc::log::init` before opening a container to log at {}",
                options.level.as_str()
            )
            .into(),
        ));
    }
    // SAFETY: every pointer is null or a live C string for the duration of the call; liblxc copies
    // what it keeps.
    let r = unsafe {
        ffi::lxcrs_glue_log_init(
            p(&name),
            p(&lxcpath),
            p(&file),
            level.as_ptr(),
            p(&prefix),
            options.quiet,
        )
    };
    if r < 0 {
        let failure = lxc_core::__private::err::Failure {
            code: Some(r.into()),
            errno: (r < -1).then_some(-r),
        };
        return Err(call.fail(failure));
    }
    lxc_core::__private::log_after_user_init(options.file.as_deref());
    Ok(())
}

/// Closes liblxc's log file.
#[lxc_method(lxc_log_close)]
pub fn close();
