//! The `tracing` feature: one span per liblxc call, with its fields, and liblxc's own WARN and
//! ERROR lines as events in it. Real containers, each test in its own lxcpath.
mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use liblxc::{CreateFlags, ErrorKind};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// One closed span: its name, target and fields.
#[derive(Clone, Debug, Default)]
struct SpanRec {
    name: String,
    target: String,
    fields: Vec<(String, String)>,
    /// The events in it: (level, target, message).
    events: Vec<(tracing::Level, String, String)>,
}

impl SpanRec {
    fn get(&self, field: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == field)
            .map(|(_, v)| v.as_str())
    }
}

struct Fields<'a>(&'a mut Vec<(String, String)>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.push((field.name().to_owned(), format!("{value:?}")));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push((field.name().to_owned(), value.to_owned()));
    }
}

/// Keeps every span that closes, with the events that happened in it.
#[derive(Clone, Default)]
struct Collect(Arc<Mutex<Vec<SpanRec>>>);

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Collect {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut rec = SpanRec {
            name: attrs.metadata().name().to_owned(),
            target: attrs.metadata().target().to_owned(),
            ..SpanRec::default()
        };
        attrs.record(&mut Fields(&mut rec.fields));
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(rec);
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id) {
            if let Some(rec) = span.extensions_mut().get_mut::<SpanRec>() {
                values.record(&mut Fields(&mut rec.fields));
            }
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut fields = Vec::new();
        event.record(&mut Fields(&mut fields));
        let message = fields
            .iter()
            .find(|(k, _)| k == "message")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        if let Some(span) = ctx.event_span(event) {
            if let Some(rec) = span.extensions_mut().get_mut::<SpanRec>() {
                rec.events.push((
                    *event.metadata().level(),
                    event.metadata().target().to_owned(),
                    message,
                ));
            }
        }
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(&id) {
            if let Some(rec) = span.extensions_mut().remove::<SpanRec>() {
                self.0.lock().unwrap().push(rec);
            }
        }
    }
}

/// Runs `f` with a subscriber that collects spans, and returns the spans of liblxc calls.
fn traced(f: impl FnOnce()) -> Vec<SpanRec> {
    let collect = Collect::default();
    let subscriber = tracing_subscriber::registry().with(collect.clone());
    tracing::subscriber::with_default(subscriber, f);
    let spans = collect.0.lock().unwrap().clone();
    spans.into_iter().filter(|s| s.target == "liblxc").collect()
}

/// A busybox container whose rootfs does not exist: its start fails, and liblxc logs why.
fn unstartable(lx: &common::Lxcpath, name: &str) -> liblxc::Container {
    let c = lx.busybox(name);
    c.set_config_item("lxc.rootfs.path", "/nonexistent-lxc-rs-rootfs")
        .unwrap();
    c
}

fn of<'a>(spans: &'a [SpanRec], member: &str) -> Vec<&'a SpanRec> {
    spans
        .iter()
        .filter(|s| s.get("member") == Some(member))
        .collect()
}

#[test]
fn each_call_is_a_span_with_its_member_container_lxcpath_duration_and_outcome() {
    let _w = common::watchdog(Duration::from_secs(120));
    let lx = lxcpath!();
    let c = lx.busybox("traced");
    let spans = traced(|| {
        assert_eq!(c.config_item("lxc.uts.name").unwrap(), "traced");
        assert_eq!(
            c.config_item("lxc.no.such.key").unwrap_err().kind(),
            ErrorKind::InvalidArgument
        );
        // Refused before liblxc is called: a span all the same.
        assert_eq!(c.stop().unwrap_err().kind(), ErrorKind::NotRunning);
        assert!(!c.is_running());
        drop(liblxc::Container::new_in("traced", lx.path()).unwrap());
    });
    let new = of(&spans, "lxc_container_new");
    assert_eq!(new.len(), 1, "{spans:#?}");
    assert_eq!(new[0].get("container"), Some("traced"));
    assert_eq!(new[0].get("lxcpath"), lx.path().to_str());
    assert_eq!(new[0].get("outcome"), Some("ok"));
    let gets = of(&spans, "get_config_item");
    assert_eq!(gets.len(), 2, "{spans:#?}");
    let lxcpath = lx.path().to_str().unwrap();
    for s in &gets {
        assert_eq!(s.name, "liblxc");
        assert_eq!(s.get("container"), Some("traced"));
        assert_eq!(s.get("lxcpath"), Some(lxcpath));
        assert!(
            s.get("duration_us")
                .is_some_and(|d| d.parse::<u64>().is_ok()),
            "{s:?}"
        );
    }
    assert_eq!(gets[0].get("outcome"), Some("ok"));
    assert_eq!(gets[0].get("error_kind"), None);
    assert_eq!(gets[1].get("outcome"), Some("error"));
    assert_eq!(gets[1].get("error_kind"), Some("InvalidArgument"));
    let stop = of(&spans, "stop");
    assert_eq!(stop.len(), 1, "{spans:#?}");
    assert_eq!(stop[0].get("error_kind"), Some("NotRunning"));
    let running = of(&spans, "is_running");
    assert_eq!(running.len(), 1, "{spans:#?}");
    assert_eq!(running[0].get("outcome"), Some("ok"));
}

#[test]
fn what_liblxc_logs_during_a_call_is_an_event_in_its_span() {
    let _w = common::watchdog(Duration::from_secs(120));
    let lx = lxcpath!();
    let c = unstartable(&lx, "broken");
    let spans = traced(|| {
        let e = c.start().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
    });
    let start = of(&spans, "start");
    assert_eq!(start.len(), 1, "{spans:#?}");
    let start = start[0];
    assert_eq!(start.get("outcome"), Some("error"));
    let errors: Vec<&str> = start
        .events
        .iter()
        .filter(|(level, target, _)| *level == tracing::Level::ERROR && target == "liblxc::liblxc")
        .map(|(_, _, m)| m.as_str())
        .collect();
    assert!(
        errors
            .iter()
            .any(|m| m.contains("/nonexistent-lxc-rs-rootfs")),
        "{start:#?}"
    );
    // A later call does not get those lines again.
    let spans = traced(|| {
        let _ = c.config_item("lxc.uts.name").unwrap();
    });
    let get = of(&spans, "get_config_item");
    assert_eq!(get.len(), 1);
    assert!(get[0].events.is_empty(), "{:?}", get[0].events);
}

#[test]
fn what_a_forked_child_logs_is_an_event_in_its_span() {
    let _w = common::watchdog(Duration::from_secs(120));
    let lx = lxcpath!();
    let c = lx.container("no-template");
    let spans = traced(|| {
        let e = c
            .create_with(
                Some("/nonexistent-lxc-rs-template"),
                None,
                None,
                CreateFlags::empty(),
                &[] as &[&str],
            )
            .unwrap_err();
        assert_ne!(e.kind(), ErrorKind::Unsupported, "{e}");
    });
    let create = of(&spans, "create");
    assert_eq!(create.len(), 1, "{spans:#?}");
    let create = create[0];
    assert_eq!(create.get("outcome"), Some("error"));
    assert!(
        create
            .events
            .iter()
            .any(|(level, target, m)| *level == tracing::Level::ERROR
                && target == "liblxc::liblxc"
                && m.contains("nonexistent-lxc-rs-template")),
        "{create:#?}"
    );
}

#[test]
fn free_functions_are_spans_too() {
    let spans = traced(|| {
        let _ = liblxc::config_item_is_supported("lxc.uts.name");
    });
    let s = of(&spans, "lxc_config_item_is_supported");
    assert_eq!(s.len(), 1, "{spans:#?}");
    assert_eq!(s[0].get("outcome"), Some("ok"));
    assert_eq!(s[0].get("container"), None);
}

#[test]
fn liblxc_lines_are_events_even_when_the_spans_are_filtered_out() {
    use tracing_subscriber::filter::filter_fn;
    let _w = common::watchdog(Duration::from_secs(120));
    let lx = lxcpath!();
    let c = unstartable(&lx, "filtered");
    let events = Arc::new(Mutex::new(Vec::new()));
    let seen = events.clone();
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(move || Writer(seen.clone()))
        .with_ansi(false)
        .with_filter(filter_fn(|m| m.target() == "liblxc::liblxc"));
    let subscriber = tracing_subscriber::registry().with(layer);
    tracing::subscriber::with_default(subscriber, || {
        assert!(c.start().is_err());
    });
    let text = String::from_utf8(events.lock().unwrap().clone()).unwrap();
    assert!(text.contains("/nonexistent-lxc-rs-rootfs"), "{text}");
}

/// A `MakeWriter` into a shared buffer.
struct Writer(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Writer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
