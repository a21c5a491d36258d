//! The structured logs (issue #12) as a Rust host sees them through its own `tracing`
//! subscriber: the governance channel reports exactly the committed audit entries, a
//! refusal is a warning, user identifiers are keyed-hash pseudonyms under
//! `LOG_PSEUDONYM_KEY`, and the application and performance channels report opening, a
//! cleanup and a backup.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::sync::{Arc, Mutex};

use juno_core::config::DatabaseUrl;
use juno_core::governance::{Action, Proposal};
use juno_core::log::{APPLICATION, GOVERNANCE, PERFORMANCE};
use juno_core::model::{ImpactLevel, Role};
use juno_core::{Config, ErrorKind, Juno, ManualClock};
use serde_json::json;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

const T0: i64 = 1_767_225_600_000;
const LEAD: &str = "lead@company.com";

#[derive(Debug, Clone)]
struct Seen {
    target: String,
    level: Level,
    message: String,
    fields: BTreeMap<String, String>,
}

/// Records every event of JUNO's channels, as a host's subscriber would receive them.
#[derive(Clone, Default)]
struct Collect(Arc<Mutex<Vec<Seen>>>);

impl Collect {
    fn on(&self, target: &str) -> Vec<Seen> {
        let seen = self.0.lock().unwrap();
        seen.iter()
            .filter(|s| s.target == target)
            .cloned()
            .collect()
    }
}

struct Fields<'a>(&'a mut Seen);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            write!(self.0.message, "{value:?}").unwrap();
        } else {
            self.0
                .fields
                .insert(field.name().into(), format!("{value:?}"));
        }
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.fields.insert(field.name().into(), value.into());
    }
}

impl Subscriber for Collect {
    fn enabled(&self, meta: &Metadata<'_>) -> bool {
        meta.target().starts_with("juno::")
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut seen = Seen {
            target: event.metadata().target().into(),
            level: *event.metadata().level(),
            message: String::new(),
            fields: BTreeMap::new(),
        };
        event.record(&mut Fields(&mut seen));
        self.0.lock().unwrap().push(seen);
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

fn engine(settings: &[(&str, &str)], path: Option<&std::path::Path>) -> Juno {
    let map: BTreeMap<String, String> = settings
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let mut config = Config::from_settings(&map).unwrap();
    config.database_url = match path {
        Some(p) => DatabaseUrl::Sqlite(p.into()),
        None => DatabaseUrl::Memory,
    };
    Juno::open(config)
        .unwrap()
        .with_clock(Arc::new(ManualClock::at_millis(T0)))
}

fn proposal(target: &str) -> Proposal {
    Proposal {
        action: Action {
            kind: "reassign".into(),
            team: "alpha".into(),
            target: Some(target.into()),
            parameters: json!({ "assignee": "ana" }),
        },
        impact: ImpactLevel::Low,
        confidence: 0.4,
        explanation: String::new(),
        requester: "juno".into(),
        raw_confidence: None,
        calibration: None,
    }
}

#[test]
fn the_governance_channel_reports_exactly_the_committed_audit_entries() {
    let logs = Collect::default();
    let juno = tracing::subscriber::with_default(logs.clone(), || {
        let juno = engine(&[], None);
        let gov = juno.governance();
        gov.assign_role(LEAD, Role::TeamLead, &["alpha"], "admin")
            .unwrap();
        let r = gov.submit(proposal("A-1")).unwrap();
        // Refused (no role): recorded and logged, as a warning.
        let e = gov.approve(r.id, "mallory", &r.digest).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::PermissionDenied);
        gov.approve(r.id, LEAD, &r.digest).unwrap();
        // Not pending any more: the failed transition changes nothing and logs nothing
        // beyond what the audit log holds.
        let _ = gov.approve(r.id, LEAD, &r.digest).unwrap_err();
        juno
    });
    let entries = juno.audit().entries(1, 100).unwrap();
    let gov = logs.on(GOVERNANCE);
    let logged: Vec<(String, String)> = gov
        .iter()
        .map(|s| (s.fields["seq"].clone(), s.fields["event"].clone()))
        .collect();
    let audited: Vec<(String, String)> = entries
        .iter()
        .map(|e| (e.seq.to_string(), e.event.clone()))
        .collect();
    assert_eq!(logged, audited);
    assert!(logged.iter().any(|(_, e)| e == "request_approved"));
    for (s, e) in gov.iter().zip(&entries) {
        assert_eq!(s.fields["actor"], e.actor);
        assert_eq!(s.fields["subject"], e.subject);
        let want = if e.event == "refused" {
            Level::WARN
        } else {
            Level::INFO
        };
        assert_eq!(s.level, want, "{}", e.event);
        assert_eq!(
            s.message,
            format!("{} {} by {}", e.event, e.subject, e.actor)
        );
    }
    assert!(
        logs.on(APPLICATION)
            .iter()
            .any(|s| s.message == "opened :memory:")
    );
}

#[test]
fn user_identifiers_are_keyed_pseudonyms_with_a_key() {
    let run = |key: &str| {
        let logs = Collect::default();
        tracing::subscriber::with_default(logs.clone(), || {
            let juno = engine(&[("LOG_PSEUDONYM_KEY", key)], None);
            let gov = juno.governance();
            gov.assign_role(LEAD, Role::TeamLead, &["alpha"], "admin")
                .unwrap();
            for t in ["A-1", "A-2"] {
                let r = gov.submit(proposal(t)).unwrap();
                gov.approve(r.id, LEAD, &r.digest).unwrap();
            }
            // The audit log keeps the name.
            assert!(
                juno.audit()
                    .entries(1, 100)
                    .unwrap()
                    .iter()
                    .any(|e| e.actor == LEAD)
            );
        });
        logs
    };
    let logs = run("key-one");
    let all = logs.0.lock().unwrap().clone();
    for s in &all {
        let text = format!("{} {:?}", s.message, s.fields);
        assert!(
            !text.contains("lead@company.com") && !text.contains("key-one"),
            "{text}"
        );
    }
    let approvals: Vec<String> = logs
        .on(GOVERNANCE)
        .iter()
        .filter(|s| s.fields["event"] == "request_approved")
        .map(|s| s.fields["actor"].clone())
        .collect();
    assert_eq!(approvals.len(), 2);
    assert_eq!(
        approvals[0], approvals[1],
        "the same user, the same pseudonym"
    );
    assert!(approvals[0].starts_with("user-"));
    let assigned = &logs.on(GOVERNANCE)[0];
    assert_eq!(assigned.fields["subject"], format!("user:{}", approvals[0]));
    // The same key elsewhere gives the same pseudonym; another key another.
    let again = run("key-one").on(GOVERNANCE)[0].fields["subject"].clone();
    let other = run("key-two").on(GOVERNANCE)[0].fields["subject"].clone();
    assert_eq!(again, assigned.fields["subject"]);
    assert_ne!(other, again);
}

#[test]
fn cleanup_and_backup_report_on_the_application_and_performance_channels() {
    let dir = tempfile::tempdir().unwrap();
    let logs = Collect::default();
    tracing::subscriber::with_default(logs.clone(), || {
        let juno = engine(&[], Some(&dir.path().join("j.db")));
        juno.memory().cleanup().unwrap();
        juno.backup(dir.path().join("copy.db")).unwrap();
    });
    let perf = logs.on(PERFORMANCE);
    let ops: Vec<&str> = perf
        .iter()
        .map(|s| s.fields["operation"].as_str())
        .collect();
    assert_eq!(ops, ["cleanup", "backup"]);
    assert!(perf.iter().all(|s| s.fields.contains_key("ms")));
    let app: Vec<String> = logs
        .on(APPLICATION)
        .into_iter()
        .map(|s| s.message)
        .collect();
    assert!(
        app[0].starts_with("opened ") && app[0].ends_with("j.db"),
        "{app:?}"
    );
    assert!(app[1].starts_with("backed up to ") && app[1].ends_with("copy.db"));
}
