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
//! C ABI to a callback (`juno_log_set_callback`). Every event carries its facts as fields
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

#[cfg(test)]
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
}
