//! Structured logs: JUNO's `tracing` events on three channels, with user identifiers
//! pseudonymised when the deployment asks for it.
//!
//! | channel (`tracing` target) | Python logger | what |
//! |---|---|---|
//! | [`APPLICATION`] `juno::application` | `juno.application` | a database opened, backed up or restored; each sync and cycle; a source, executor, notifier or model that failed |
//! | [`GOVERNANCE`] `juno::governance` | `juno.governance` | every audit entry, once committed: the event, its sequence number, actor and subject (never the payload) |
//! | [`PERFORMANCE`] `juno::performance` | `juno.performance` | how long a sync, a cycle (per stage) and a cleanup took |
//!
//! A Rust host sees the events through whatever `tracing` subscriber it installs
//! (`tracing-subscriber`'s `fmt`, JSON, OpenTelemetry); with none, they cost one atomic
//! load each. The Python package forwards them to `logging` (the `juno.log` module) and the
//! C ABI to a callback (`juno_log_set_callback`), both through [`Forward`] and a [`Sink`]. Every event carries its facts as fields
//! (`seq`, `event`, `actor`, `subject`, `ms`, …) besides the message.
//!
//! Secrets never reach an event: settings are [`crate::config::Secret`]s whose `Debug` is
//! `Secret(***)`, and no event carries a payload, a URL with credentials or a header.
//!
//! **Pseudonyms.** With `LOG_PSEUDONYM_KEY` set, every user identifier in an event (the
//! actor, a `user:` subject) is replaced by `user-` and the first 16 hex digits of
//! HMAC-SHA-256 of the identifier under that key: the same user is the same pseudonym in
//! every event and every process with the key, and without the key a pseudonym cannot be
//! turned back into a name by trying likely names. The engine's own actor, `juno`, is
//! kept. The audit log itself keeps the real names: it is the record approvers answer
//! for, and it is not a log file.

use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt;
use std::sync::Arc;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::config::Secret;

/// The `tracing` target of application events.
pub const APPLICATION: &str = "juno::application";
/// The `tracing` target of governance events: one per committed audit entry.
pub const GOVERNANCE: &str = "juno::governance";
/// The `tracing` target of timings.
pub const PERFORMANCE: &str = "juno::performance";
/// The three channels, in the order of the table above.
pub const CHANNELS: [&str; 3] = [APPLICATION, GOVERNANCE, PERFORMANCE];

/// Replaces user identifiers in log events by keyed-hash pseudonyms (`LOG_PSEUDONYM_KEY`),
/// or leaves them as they are when no key is set.
#[derive(Clone, Default)]
pub struct Pseudonymiser {
    key: Option<Arc<[u8]>>,
}

impl fmt::Debug for Pseudonymiser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pseudonymiser")
            .field("active", &self.key.is_some())
            .finish()
    }
}

impl Pseudonymiser {
    /// A pseudonymiser keyed by `key`; `None` (or an empty key) keeps identifiers as they are.
    pub fn new(key: Option<&Secret>) -> Self {
        Pseudonymiser {
            key: key
                .filter(|k| !k.is_empty())
                .map(|k| Arc::from(k.expose().as_bytes())),
        }
    }

    /// Whether identifiers are replaced.
    pub fn is_active(&self) -> bool {
        self.key.is_some()
    }

    /// `user` as it may appear in a log event.
    pub fn user<'a>(&self, user: &'a str) -> Cow<'a, str> {
        let Some(key) = &self.key else {
            return Cow::Borrowed(user);
        };
        if user == "juno" {
            return Cow::Borrowed(user);
        }
        // HMAC takes a key of any length, so this cannot fail; were it to, no name leaks.
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
            return Cow::Borrowed("user-?");
        };
        mac.update(user.as_bytes());
        let tag = mac.finalize().into_bytes();
        Cow::Owned(format!("user-{}", crate::audit::hex(&tag[..8])))
    }

    /// Free text from outside (an error a server or a source sent back, which may name
    /// people) as it may appear in a log event: withheld when identifiers are pseudonymised,
    /// since it cannot be searched for them. Where it is also kept (the sync state, the
    /// outbox), it stays whole there.
    pub fn free_text<'a>(&self, text: &'a str) -> Cow<'a, str> {
        if self.is_active() {
            Cow::Borrowed("(details withheld from the log: LOG_PSEUDONYM_KEY is set)")
        } else {
            Cow::Borrowed(text)
        }
    }

    /// An audit subject as it may appear in a log event: `user:<id>` pseudonymised, others
    /// (`request:42`) as they are.
    pub fn subject<'a>(&self, subject: &'a str) -> Cow<'a, str> {
        match subject.strip_prefix("user:") {
            Some(user) if self.is_active() => Cow::Owned(format!("user:{}", self.user(user))),
            _ => Cow::Borrowed(subject),
        }
    }
}

/// An audit entry appended in the current transaction, logged once it commits.
struct Appended {
    seq: u64,
    event: &'static str,
    actor: String,
    subject: String,
}

thread_local! {
    // Appends happen inside `Store::write`'s closure, on the thread that commits, so the
    // lines wait here until the commit (or are dropped on rollback): the log never shows
    // a decision the database does not have.
    static APPENDED: RefCell<Vec<Appended>> = const { RefCell::new(Vec::new()) };
}

/// Notes an audit entry appended in the open transaction (cheap when nothing listens).
pub(crate) fn audit_appended(seq: u64, event: &'static str, actor: &str, subject: &str) {
    // WARN, the least verbose level these events use: a host listening to warnings only
    // still hears of refusals.
    if !tracing::enabled!(target: GOVERNANCE, tracing::Level::WARN) {
        return;
    }
    APPENDED.with(|a| {
        a.borrow_mut().push(Appended {
            seq,
            event,
            actor: actor.to_owned(),
            subject: subject.to_owned(),
        });
    });
}

/// Events that mean something was refused or went wrong: logged as warnings.
fn is_warning(event: &str) -> bool {
    matches!(
        event,
        "refused" | "request_execution_failed" | "request_approval_lapsed" | "request_expired"
    )
}

/// The transaction committed: logs what it appended.
pub(crate) fn committed(names: &Pseudonymiser) {
    let lines = APPENDED.with(|a| std::mem::take(&mut *a.borrow_mut()));
    for l in lines {
        let actor = names.user(&l.actor);
        let subject = names.subject(&l.subject);
        if is_warning(l.event) {
            tracing::warn!(target: GOVERNANCE, seq = l.seq, event = l.event, actor = %actor,
                subject = %subject, "{} {} by {}", l.event, subject, actor);
        } else {
            tracing::info!(target: GOVERNANCE, seq = l.seq, event = l.event, actor = %actor,
                subject = %subject, "{} {} by {}", l.event, subject, actor);
        }
    }
}

/// The transaction rolled back: nothing it appended happened.
pub(crate) fn rolled_back() {
    APPENDED.with(|a| a.borrow_mut().clear());
}

/// One value of an event's field, as a [`Sink`] receives it.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    /// A signed integer.
    Int(i64),
    /// An unsigned integer (`seq`, counts).
    UInt(u64),
    /// A number (`ms`).
    Float(f64),
    /// A flag.
    Bool(bool),
    /// Text (`event`, `actor`, `subject`), or anything else in its `Debug` form.
    Text(String),
}

impl FieldValue {
    /// The value as JSON (a non-finite number is `null`).
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            FieldValue::Int(v) => (*v).into(),
            FieldValue::UInt(v) => (*v).into(),
            FieldValue::Float(v) => {
                serde_json::Number::from_f64(*v).map_or(serde_json::Value::Null, Into::into)
            }
            FieldValue::Bool(v) => (*v).into(),
            FieldValue::Text(v) => v.as_str().into(),
        }
    }
}

/// One event of JUNO's channels, as a [`Sink`] receives it.
#[derive(Debug, Clone, PartialEq)]
pub struct LogEvent {
    /// [`APPLICATION`], [`GOVERNANCE`] or [`PERFORMANCE`].
    pub channel: &'static str,
    /// The channel's index in [`CHANNELS`].
    pub channel_index: usize,
    /// Its level.
    pub level: tracing::Level,
    /// The one-line message.
    pub message: String,
    /// The fields, in the order the event names them.
    pub fields: Vec<(&'static str, FieldValue)>,
}

impl LogEvent {
    /// The fields as one JSON object.
    pub fn fields_json(&self) -> serde_json::Value {
        serde_json::Value::Object(
            self.fields
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.to_json()))
                .collect(),
        )
    }
}

/// Where [`Forward`] sends JUNO's events: how the C ABI reaches its callback and the Python
/// package reaches `logging`. A Rust host needs none of this: it installs its own
/// `tracing` subscriber.
pub trait Sink: Send + Sync + 'static {
    /// Whether an event of `level` on channel `CHANNELS[channel]` is wanted now (asked for
    /// every event, so the answer may change at run time).
    fn enabled(&self, channel: usize, level: &tracing::Level) -> bool;
    /// Delivers one wanted event.
    fn event(&self, event: LogEvent);
}

/// A `tracing` subscriber that forwards JUNO's three channels to a [`Sink`] and ignores
/// everything else (the HTTP client's own events, spans).
#[derive(Debug)]
pub struct Forward<S>(pub S);

struct Visitor {
    message: String,
    fields: Vec<(&'static str, FieldValue)>,
}

impl tracing::field::Visit for Visitor {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            use fmt::Write as _;
            let _ = write!(self.message, "{value:?}");
        } else {
            self.fields
                .push((field.name(), FieldValue::Text(format!("{value:?}"))));
        }
    }
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            self.fields
                .push((field.name(), FieldValue::Text(value.to_owned())));
        }
    }
    fn record_i64(&mut self, field: &tracing::field::Field, value: i64) {
        self.fields.push((field.name(), FieldValue::Int(value)));
    }
    fn record_u64(&mut self, field: &tracing::field::Field, value: u64) {
        self.fields.push((field.name(), FieldValue::UInt(value)));
    }
    fn record_f64(&mut self, field: &tracing::field::Field, value: f64) {
        self.fields.push((field.name(), FieldValue::Float(value)));
    }
    fn record_bool(&mut self, field: &tracing::field::Field, value: bool) {
        self.fields.push((field.name(), FieldValue::Bool(value)));
    }
}

fn channel_index(target: &str) -> Option<usize> {
    CHANNELS.iter().position(|c| *c == target)
}

impl<S: Sink> tracing::Subscriber for Forward<S> {
    fn register_callsite(
        &self,
        meta: &'static tracing::Metadata<'static>,
    ) -> tracing::subscriber::Interest {
        // Ask on every event for JUNO's channels (a host's levels change at run time);
        // never for anyone else's.
        if channel_index(meta.target()).is_some() {
            tracing::subscriber::Interest::sometimes()
        } else {
            tracing::subscriber::Interest::never()
        }
    }
    fn enabled(&self, meta: &tracing::Metadata<'_>) -> bool {
        channel_index(meta.target()).is_some_and(|c| self.0.enabled(c, meta.level()))
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        // JUNO raises events only, and no one else's callsite is enabled here.
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let meta = event.metadata();
        let Some(channel_index) = channel_index(meta.target()) else {
            return;
        };
        let mut v = Visitor {
            message: String::new(),
            fields: Vec::new(),
        };
        event.record(&mut v);
        self.0.event(LogEvent {
            channel: CHANNELS[channel_index],
            channel_index,
            level: *meta.level(),
            message: v.message,
            fields: v.fields,
        });
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn pseudonyms_are_stable_keyed_and_hide_the_name() {
        let a = Pseudonymiser::new(Some(&Secret::new("key one")));
        let b = Pseudonymiser::new(Some(&Secret::new("key two")));
        let p = a.user("ana@company.com");
        assert_eq!(p, a.user("ana@company.com"));
        assert_ne!(p, a.user("bo@company.com"));
        assert_ne!(p, b.user("ana@company.com"));
        assert!(p.starts_with("user-") && p.len() == 21 && !p.contains("ana"));
        assert_eq!(a.user("juno"), "juno");
        assert_eq!(a.subject("request:42"), "request:42");
        assert_eq!(a.subject("user:ana@company.com"), format!("user:{p}"));
        let none = Pseudonymiser::new(None);
        assert_eq!(none.user("ana@company.com"), "ana@company.com");
        assert_eq!(none.subject("user:ana"), "user:ana");
        assert!(!Pseudonymiser::new(Some(&Secret::new(""))).is_active());
        assert!(!format!("{a:?}").contains("key one"));
    }

    #[derive(Clone, Default)]
    struct Keep(Arc<std::sync::Mutex<Vec<LogEvent>>>);

    impl Sink for Keep {
        fn enabled(&self, channel: usize, level: &tracing::Level) -> bool {
            // Governance from info up; the others only warnings.
            *level
                <= if channel == 1 {
                    tracing::Level::INFO
                } else {
                    tracing::Level::WARN
                }
        }
        fn event(&self, event: LogEvent) {
            self.0.lock().unwrap().push(event);
        }
    }

    #[test]
    fn forward_passes_juno_channels_at_the_sink_s_levels_with_typed_fields() {
        let keep = Keep::default();
        tracing::subscriber::with_default(Forward(keep.clone()), || {
            tracing::info!(target: GOVERNANCE, seq = 7u64, event = "request_approved",
                ms = 1.5, ok = true, delta = -2i64, "approved");
            tracing::info!(target: APPLICATION, "an info the sink does not want");
            tracing::warn!(target: PERFORMANCE, "slow");
            tracing::warn!(target: "reqwest::connect", "someone else's event");
        });
        let seen = keep.0.lock().unwrap().clone();
        assert_eq!(seen.len(), 2);
        assert_eq!(seen[0].channel, GOVERNANCE);
        assert_eq!(seen[0].channel_index, 1);
        assert_eq!(seen[0].message, "approved");
        assert_eq!(
            seen[0].fields_json(),
            serde_json::json!({"seq": 7, "event": "request_approved", "ms": 1.5, "ok": true,
                               "delta": -2})
        );
        assert_eq!(seen[1].channel, PERFORMANCE);
        assert_eq!(seen[1].level, tracing::Level::WARN);
    }

    #[test]
    fn free_text_is_withheld_under_pseudonyms() {
        let text = "jira said \"bo@company.com may not browse ALPHA\"";
        let on = Pseudonymiser::new(Some(&Secret::new("k")));
        assert!(!on.free_text(text).contains("bo@company.com"));
        assert_eq!(Pseudonymiser::default().free_text(text), text);
    }

    #[test]
    fn a_write_that_panicked_leaves_nothing_for_the_next_commit_to_log() {
        use crate::audit::AuditEvent;
        use crate::store::audit::Appender;
        use crate::store::{Location, Store};
        let store = Store::open(Location::Memory).unwrap();
        let keep = Keep::default();
        tracing::subscriber::with_default(Forward(keep.clone()), || {
            let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                store.write(|tx| -> crate::error::Result<()> {
                    let payload = serde_json::json!({});
                    Appender::new(tx)?.append(
                        tx,
                        0,
                        "ghost",
                        AuditEvent::RoleAssigned,
                        "user:x",
                        &payload,
                    )?;
                    panic!("a bug inside the transaction");
                })
            }));
            assert!(panicked.is_err());
            // The next write appends nothing and commits: it must not log the ghost entry,
            // which was rolled back.
            store.write(|_| Ok(())).unwrap();
        });
        assert!(keep.0.lock().unwrap().is_empty());
    }
}
