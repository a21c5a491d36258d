//! Every documented setting acts: each test changes one setting from its default and shows
//! what a user sees change. A setting that is parsed and then read by nothing fails here.
//!
//! The `JIRA_*` settings become the Jira source's and executor's settings
//! (`jira_settings_come_from_the_environment`; their effect on the wire is in
//! `tests/jira_cycle.rs`). `OPENAI_*` and `AZURE_OPENAI_*` are documented as not yet used;
//! `secrets_never_print` covers the one thing they do today.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use juno_core::governance::{Action, Proposal, RequestStatus};
use juno_core::memory::{MemoryKind, NewMemory, Outcome, OutcomeRecord, RecallQuery};
use juno_core::model::{ImpactLevel, Role};
use juno_core::{Config, ErrorKind, Juno, ManualClock};

fn start() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(1_767_225_600_000).unwrap()
}

/// An in-memory engine with `settings` over the defaults, on a manual clock.
fn juno(settings: &[(&str, &str)]) -> (Juno, Arc<ManualClock>) {
    let map: BTreeMap<String, String> = [("DATABASE_URL", "sqlite::memory:")]
        .iter()
        .chain(settings)
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let clock = Arc::new(ManualClock::new(start()));
    let j = Juno::open(Config::from_settings(&map).unwrap()).unwrap();
    (j.with_clock(clock.clone()), clock)
}

fn request(impact: ImpactLevel, confidence: f64) -> Proposal {
    Proposal {
        action: Action {
            kind: "triage.defer".into(),
            team: "alpha".into(),
            target: Some("ALPHA-1".into()),
            parameters: serde_json::json!({}),
        },
        impact,
        confidence,
        explanation: "test".into(),
        requester: "juno".into(),
        raw_confidence: None,
        calibration: None,
    }
}

fn outcome(j: &Juno, action: &str, outcome: Outcome) {
    j.memory()
        .record_outcome(&OutcomeRecord {
            team: "alpha".into(),
            action: action.into(),
            outcome,
            subject: None,
            note: None,
            context: Vec::new(),
        })
        .unwrap();
}

#[test]
fn database_url_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("juno-settings.db");
    let url = format!("sqlite:///{}", path.display());
    let map = BTreeMap::from([("DATABASE_URL".to_owned(), url)]);
    drop(Juno::open(Config::from_settings(&map).unwrap()).unwrap());
    assert!(path.is_file());
}

#[test]
fn memory_enabled_false_turns_the_memory_layer_off() {
    let (j, _) = juno(&[("MEMORY_ENABLED", "false")]);
    let e = j
        .memory()
        .store(NewMemory::new(MemoryKind::Semantic, "alpha", "x"))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidState);
    let (j, _) = juno(&[]);
    assert!(
        j.memory()
            .store(NewMemory::new(MemoryKind::Semantic, "alpha", "x"))
            .is_ok()
    );
}

#[test]
fn memory_retention_days_decides_what_is_forgotten() {
    for (days, kept) in [("365", 1), ("10", 0)] {
        let (j, clock) = juno(&[("MEMORY_RETENTION_DAYS", days)]);
        j.memory()
            .store(NewMemory::new(
                MemoryKind::Semantic,
                "alpha",
                "alpha splits big stories",
            ))
            .unwrap();
        clock.advance(Duration::days(30));
        let hits = j
            .memory()
            .recall(&RecallQuery::text("splits stories").team("alpha"))
            .unwrap();
        assert_eq!(hits.len(), kept, "MEMORY_RETENTION_DAYS={days}");
    }
}

#[test]
fn memory_cleanup_interval_spaces_the_cleanups() {
    let (j, clock) = juno(&[("MEMORY_CLEANUP_INTERVAL", "6")]);
    assert_eq!(j.memory().cleanup_if_due().unwrap(), Some(0), "never ran");
    clock.advance(Duration::hours(5));
    assert_eq!(j.memory().cleanup_if_due().unwrap(), None, "5 h < 6 h");
    clock.advance(Duration::hours(1));
    assert_eq!(j.memory().cleanup_if_due().unwrap(), Some(0));
    // The default (24 h) is not due again after 6 hours.
    let (j, clock) = juno(&[]);
    assert!(j.memory().cleanup_if_due().unwrap().is_some());
    clock.advance(Duration::hours(6));
    assert_eq!(j.memory().cleanup_if_due().unwrap(), None);
}

#[test]
fn pattern_recognition_threshold_decides_what_is_a_pattern() {
    // 4 of 5 rejected: support 0.8.
    for (threshold, patterns) in [("0.7", 1), ("0.9", 0)] {
        let (j, _) = juno(&[("PATTERN_RECOGNITION_THRESHOLD", threshold)]);
        for o in [
            Outcome::Rejected,
            Outcome::Rejected,
            Outcome::Approved,
            Outcome::Rejected,
            Outcome::Rejected,
        ] {
            outcome(&j, "reassign", o);
        }
        let found = j.memory().recognize_patterns(Some("alpha")).unwrap();
        assert_eq!(found.len(), patterns, "threshold {threshold}");
    }
}

#[test]
fn team_preference_learning_false_learns_no_preference() {
    for (setting, learned) in [("true", true), ("false", false)] {
        let (j, _) = juno(&[("TEAM_PREFERENCE_LEARNING", setting)]);
        outcome(&j, "reassign", Outcome::Approved);
        let pref = j.memory().preference("alpha", "reassign").unwrap();
        assert_eq!(
            pref.is_some(),
            learned,
            "TEAM_PREFERENCE_LEARNING={setting}"
        );
    }
}

#[test]
fn autonomous_actions_supervisor_mode_and_confidence_threshold_decide_auto_approval() {
    let status = |settings: &[(&str, &str)], confidence: f64| {
        let (j, _) = juno(settings);
        j.governance()
            .submit(request(ImpactLevel::Low, confidence))
            .unwrap()
            .status
    };
    // Off by default: a person decides.
    assert_eq!(status(&[], 0.95), RequestStatus::Pending);
    let on = [("AUTONOMOUS_ACTIONS", "true")];
    assert_eq!(status(&on, 0.95), RequestStatus::AutoApproved);
    // CONFIDENCE_THRESHOLD (default 0.9) is the confidence needed to act alone.
    assert_eq!(status(&on, 0.6), RequestStatus::Pending);
    assert_eq!(
        status(&[on[0], ("CONFIDENCE_THRESHOLD", "0.5")], 0.6),
        RequestStatus::AutoApproved
    );
    assert_eq!(
        status(&[on[0], ("CONFIDENCE_THRESHOLD", "0.99")], 0.95),
        RequestStatus::Pending
    );
    // Supervisor mode sends everything to people.
    assert_eq!(
        status(&[on[0], ("SUPERVISOR_MODE", "true")], 0.95),
        RequestStatus::Pending
    );
}

#[test]
fn approval_timeout_hours_caps_every_deadline() {
    let deadline_hours = |settings: &[(&str, &str)], impact: ImpactLevel| {
        let (j, _) = juno(settings);
        let r = j.governance().submit(request(impact, 0.5)).unwrap();
        (r.deadline.unwrap() - r.created_at).num_minutes() as f64 / 60.0
    };
    // TEAM_LEAD (low impact) has 24 h by default; APPROVAL_TIMEOUT_HOURS=8 cuts it to 8 h.
    assert_eq!(deadline_hours(&[], ImpactLevel::Low), 24.0);
    let eight = [("APPROVAL_TIMEOUT_HOURS", "8")];
    assert_eq!(deadline_hours(&eight, ImpactLevel::Low), 8.0);
    // A role whose own deadline is shorter keeps it.
    let em = juno(&[]).0.config().approval_rules.route[&ImpactLevel::Critical];
    let own = juno(&[]).0.config().approval_rules.deadline_hours[&em];
    assert!(own < 8.0, "{em}: {own} h");
    assert_eq!(deadline_hours(&eight, ImpactLevel::Critical), own);
    // Zero would expire every request at once: refused by name.
    let map = BTreeMap::from([
        ("DATABASE_URL".to_owned(), "sqlite::memory:".to_owned()),
        ("APPROVAL_TIMEOUT_HOURS".to_owned(), "0".to_owned()),
    ]);
    let e = Config::from_settings(&map)
        .and_then(Juno::open)
        .err()
        .unwrap();
    assert_eq!(e.kind(), ErrorKind::Config);
    assert!(e.to_string().contains("APPROVAL_TIMEOUT_HOURS"), "{e}");
}

#[test]
fn auto_escalation_false_expires_instead_of_escalating() {
    for (setting, escalated) in [("true", true), ("false", false)] {
        let (j, clock) = juno(&[("AUTO_ESCALATION", setting)]);
        let r = j
            .governance()
            .submit(request(ImpactLevel::Low, 0.5))
            .unwrap();
        assert_eq!(r.role, Role::TeamLead);
        clock.advance(Duration::hours(25));
        let report = j.governance().process_deadlines().unwrap();
        assert_eq!(report.escalated == vec![r.id], escalated, "{setting}");
        assert_eq!(report.expired == vec![r.id], !escalated, "{setting}");
    }
}

#[test]
fn compliance_monitoring_is_reported() {
    for (setting, on) in [("true", true), ("false", false)] {
        let (j, _) = juno(&[("COMPLIANCE_MONITORING", setting)]);
        let report = j.governance().compliance_report().unwrap();
        assert_eq!(report.monitoring_enabled, on);
    }
}

#[test]
fn secrets_never_print() {
    let (j, _) = juno(&[
        ("JIRA_URL", "https://jira.example"),
        ("JIRA_API_TOKEN", "s3cr3t-token"),
        ("OPENAI_API_KEY", "sk-very-secret"),
    ]);
    let shown = format!("{:?}", j.config());
    assert!(shown.contains("https://jira.example"));
    assert!(!shown.contains("s3cr3t-token") && !shown.contains("sk-very-secret"));
}

#[test]
fn jira_settings_come_from_the_environment() {
    use juno_core::source::jira::{Flavor, JiraSettings};
    let map = |extra: &[(&str, &str)]| -> BTreeMap<String, String> {
        [
            ("JIRA_URL", "https://acme.atlassian.net"),
            ("JIRA_USERNAME", "bot@acme.test"),
            ("JIRA_API_TOKEN", "t0ken"),
            ("JIRA_PROJECTS", "ALPHA, BETA,"),
        ]
        .iter()
        .chain(extra)
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
    };
    let cloud = JiraSettings::from_config(&Config::from_settings(&map(&[])).unwrap()).unwrap();
    assert_eq!(cloud.base_url, "https://acme.atlassian.net");
    assert_eq!(cloud.email.as_deref(), Some("bot@acme.test"));
    assert_eq!(cloud.token.expose(), "t0ken");
    assert_eq!(cloud.projects, ["ALPHA", "BETA"]);
    assert_eq!(cloud.flavor, Flavor::Cloud);
    assert_eq!(cloud.juno_account, None);
    let server = JiraSettings::from_config(
        &Config::from_settings(&map(&[
            ("JIRA_FLAVOR", "server"),
            ("JIRA_ACCOUNT_ID", "juno-bot"),
        ]))
        .unwrap(),
    )
    .unwrap();
    assert_eq!(server.flavor, Flavor::Server);
    assert_eq!(server.juno_account.as_deref(), Some("juno-bot"));
    // A wrong flavor and a missing project list are named.
    let bad = |extra: &[(&str, &str)]| {
        JiraSettings::from_config(&Config::from_settings(&map(extra)).unwrap())
            .unwrap_err()
            .to_string()
    };
    assert!(bad(&[("JIRA_FLAVOR", "on-prem")]).contains("JIRA_FLAVOR"));
    assert!(bad(&[("JIRA_PROJECTS", " , ")]).contains("jira.projects"));
}

#[test]
fn fallback_approver_and_reminders_are_checked_when_the_settings_load() {
    let (j, _) = juno(&[("FALLBACK_APPROVER", "cto@company.com")]);
    assert_eq!(
        j.config().approval_rules.fallback_approver.as_deref(),
        Some("cto@company.com")
    );
    let dir = tempfile::tempdir().unwrap();
    for (text, field) in [
        (
            "[approval_rules]\nreminder_hours_before = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]\n",
            "reminder_hours_before",
        ),
        (
            "[approval_rules]\nreminder_hours_before = [-1.0]\n",
            "reminder_hours_before",
        ),
        ("fallback_approver = \"cto\\tboss\"\n", "FALLBACK_APPROVER"),
    ] {
        let path = dir.path().join("juno.toml");
        std::fs::write(&path, text).unwrap();
        let c = Config::load(Some(&path), None, &BTreeMap::new())
            .and_then(|c| c.validate().map(|()| c));
        let err = c.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config, "{text}");
        assert!(err.to_string().contains(field), "{err}");
    }
}
