//! One `tracing` span per liblxc call (the `tracing` feature), around the whole of a declared
//! method or function: its `pre` check, the call, `explain` and `post`.
//!
//! The span is `liblxc` (target `liblxc`, level INFO) with the fields `member` (liblxc's name),
//! `container`, `lxcpath`, `duration_us`, `outcome` (`ok` or `error`) and `error_kind`. The lines
//! liblxc logged at WARN or above while the call ran (the object's own log, see `logcap.rs`, and
//! the log of a forked child) are events in it, target `liblxc::liblxc`, at WARN or ERROR.
//!
//! Every expansion goes through [`method`] or [`free`]; without the feature they are the closure
//! itself, and nothing of `tracing` is compiled.

use crate::error::Result;
use crate::version::Member;

use super::call::AsHandle;

/// What a free function is about: the container it names and the lxcpath it is given.
pub type About<'a> = (Option<&'a std::ffi::OsStr>, Option<&'a std::ffi::OsStr>);

#[cfg(not(feature = "tracing"))]
mod imp {
    use super::*;

    /// Runs a method's call.
    #[inline(always)]
    pub fn method<H: AsHandle + ?Sized, T>(
        _: &H,
        _: &'static Member,
        f: impl FnOnce() -> Result<T>,
    ) -> Result<T> {
        f()
    }

    /// Runs a method's call that cannot fail.
    #[inline(always)]
    pub fn method_infallible<H: AsHandle + ?Sized, T>(
        _: &H,
        _: &'static Member,
        f: impl FnOnce() -> T,
    ) -> T {
        f()
    }

    /// Runs a free function's call.
    #[inline(always)]
    pub fn free<T>(_: &'static Member, _: About<'_>, f: impl FnOnce() -> Result<T>) -> Result<T> {
        f()
    }

    /// Runs a free function's call that cannot fail.
    #[inline(always)]
    pub fn free_infallible<T>(_: &'static Member, _: About<'_>, f: impl FnOnce() -> T) -> T {
        f()
    }
}

#[cfg(feature = "tracing")]
mod imp {
    use std::time::Instant;

    use tracing::field::Empty;
    use tracing::Span;

    use super::*;
    use crate::error::ErrorKind;
    use crate::logcap::Line;
    use crate::Handle;

    fn span(m: &'static Member, container: Option<&str>) -> Span {
        tracing::info_span!(
            target: "liblxc",
            "liblxc",
            member = m.name,
            container,
            lxcpath = Empty,
            duration_us = Empty,
            outcome = Empty,
            error_kind = Empty,
        )
    }

    /// Runs `f` in `span`, then records how it went (`error` tells from its value) and emits
    /// what liblxc logged on `h` meanwhile.
    #[inline(always)]
    fn run<T>(
        span: Span,
        h: Option<&Handle>,
        f: impl FnOnce() -> T,
        error: impl FnOnce(&T) -> Option<ErrorKind>,
    ) -> T {
        if span.is_disabled() && !(h.is_some() && liblxc_lines_wanted()) {
            return f();
        }
        let started = Instant::now();
        let r = span.in_scope(f);
        finish(&span, h, started, error(&r));
        r
    }

    /// Runs a method's call in its span.
    #[inline]
    pub fn method<H: AsHandle + ?Sized, T>(
        h: &H,
        m: &'static Member,
        f: impl FnOnce() -> Result<T>,
    ) -> Result<T> {
        let h = h.handle();
        run(span(m, Some(h.name())), Some(h), f, |r| {
            r.as_ref().err().map(|e| e.kind())
        })
    }

    /// Runs a method's call that cannot fail in its span.
    #[inline]
    pub fn method_infallible<H: AsHandle + ?Sized, T>(
        h: &H,
        m: &'static Member,
        f: impl FnOnce() -> T,
    ) -> T {
        let h = h.handle();
        run(span(m, Some(h.name())), Some(h), f, |_| None)
    }

    /// The span of a free function.
    fn free_span(m: &'static Member, (container, lxcpath): About<'_>) -> Span {
        let container = container.map(|c| c.to_string_lossy());
        let span = span(m, container.as_deref());
        if let Some(p) = lxcpath {
            span.record("lxcpath", p.to_string_lossy().as_ref());
        }
        span
    }

    /// Runs a free function's call in its span.
    #[inline]
    pub fn free<T>(
        m: &'static Member,
        about: About<'_>,
        f: impl FnOnce() -> Result<T>,
    ) -> Result<T> {
        run(free_span(m, about), None, f, |r| {
            r.as_ref().err().map(|e| e.kind())
        })
    }

    /// Runs a free function's call that cannot fail in its span.
    #[inline]
    pub fn free_infallible<T>(m: &'static Member, about: About<'_>, f: impl FnOnce() -> T) -> T {
        run(free_span(m, about), None, f, |_| None)
    }

    /// Whether liblxc's lines are wanted as events even when the spans are not.
    fn liblxc_lines_wanted() -> bool {
        tracing::enabled!(target: "liblxc::liblxc", tracing::Level::WARN)
    }

    /// Records the duration and the outcome, and what liblxc logged on the object meanwhile.
    #[cold]
    #[inline(never)]
    fn finish(span: &Span, h: Option<&Handle>, started: Instant, error: Option<ErrorKind>) {
        let us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        span.record("duration_us", us);
        match error {
            None => span.record("outcome", "ok"),
            Some(kind) => span
                .record("outcome", "error")
                .record("error_kind", tracing::field::debug(kind)),
        };
        let Some(h) = h else { return };
        // The object is read under its clone lock, like every call.
        let (lxcpath, lines) = {
            let _guard = h.lock();
            (h.lxcpath(), h.new_log_lines())
        };
        if let Some(p) = lxcpath {
            span.record("lxcpath", p.as_str());
        }
        // Without the span (filtered out), the events stand alone.
        span.in_scope(|| lines.iter().for_each(emit));
    }

    /// One line liblxc logged, as an event in the current span.
    pub(crate) fn emit(line: &Line) {
        if line.error {
            tracing::error!(target: "liblxc::liblxc", category = %line.category, "{}", line.message);
        } else {
            tracing::warn!(target: "liblxc::liblxc", category = %line.category, "{}", line.message);
        }
    }

    /// The lines a forked child logged, as events in the current span.
    pub(crate) fn child_log(file: &std::fs::File) {
        if tracing::enabled!(target: "liblxc::liblxc", tracing::Level::WARN) {
            crate::logcap::child_lines(file).iter().for_each(emit);
        }
    }
}

pub use imp::{free, free_infallible, method, method_infallible};

#[cfg(feature = "tracing")]
pub(super) use imp::child_log;
