//! Triage proposals reach governance as approval requests and act only once approved.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use juno_core::governance::{Action, Executor, RequestStatus};
use juno_core::model::ImpactLevel;
use juno_core::triage::{Priority, Ticket, TriageAction, TriageSettings};
use juno_core::{Config, ErrorKind, Juno, ManualClock};

struct Recorder(Vec<Action>);

impl Executor for Recorder {
    fn execute(&mut self, action: &Action) -> Result<serde_json::Value, String> {
        self.0.push(action.clone());
        Ok(serde_json::json!({"done": true}))
    }
}

fn ticket(key: &str, priority: Priority, idle_days: i64, blocked: bool) -> Ticket {
    let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    Ticket {
        key: key.into(),
        team: "alpha".into(),
        priority: Some(priority),
        assignee: None,
        labels: vec![],
        updated: Some(now - Duration::days(idle_days)),
        last_comment: None,
        last_change: None,
        assignee_last_activity: None,
        blocked,
        blocking: 0,
        has_description: Some(true),
        estimated: Some(true),
        in_active_sprint: false,
        ..Ticket::default()
    }
}

fn juno(settings: &[(&str, &str)]) -> Juno {
    let map: BTreeMap<String, String> = settings
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .chain([("DATABASE_URL".to_owned(), "sqlite::memory:".to_owned())])
        .collect();
    let config = Config::from_settings(&map).unwrap();
    Juno::open(config)
        .unwrap()
        .with_clock(Arc::new(ManualClock::at_millis(1_767_225_600_000)))
}

#[test]
fn proposals_become_routed_requests_and_execute_only_after_approval() {
    let j = juno(&[]);
    let tickets = [
        ticket("ALPHA-1", Priority::Highest, 20, true),
        ticket("ALPHA-2", Priority::Medium, 9, false),
    ];
    let proposals = j
        .triage()
        .scan(&tickets, &TriageSettings::default())
        .unwrap();
    assert_eq!(proposals[0].action, TriageAction::Escalate);
    let requests = j.triage().propose(&proposals, "juno").unwrap();
    assert_eq!(requests.len(), proposals.len());
    for (r, p) in requests.iter().zip(&proposals) {
        assert_eq!(
            r.status,
            RequestStatus::Pending,
            "no autonomy: nothing is auto-approved"
        );
        assert_eq!(r.action.kind, format!("triage.{}", p.action.as_str()));
        assert_eq!(r.action.target.as_deref(), Some(p.key.as_str()));
        assert_eq!(r.impact, p.impact);
        assert!((r.confidence - p.confidence.calibrated).abs() < 1e-12);
        assert!(r.explanation.contains(&p.key));
    }
    // Executing before approval is refused, and nothing runs.
    let mut exec = Recorder(vec![]);
    let e = j
        .governance()
        .execute(requests[0].id, &requests[0].action, &mut exec)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidState);
    assert!(exec.0.is_empty());
    // The routed approver approves exactly that action; then it runs once.
    let role = j.config().approval_rules.route[&requests[0].impact];
    j.governance()
        .assign_role("lead", role, &["alpha"], "admin")
        .unwrap();
    j.governance()
        .approve(requests[0].id, "lead", &requests[0].digest)
        .unwrap();
    j.governance()
        .execute(requests[0].id, &requests[0].action, &mut exec)
        .unwrap();
    assert_eq!(exec.0, vec![requests[0].action.clone()]);
}

#[test]
fn auto_approval_needs_policy_and_enough_confidence() {
    // Autonomy on, low and medium levels auto-approvable at 0.9: a proposal with no track
    // record has a raw confidence well below 0.9, so it still waits for a person.
    let j = juno(&[("AUTONOMOUS_ACTIONS", "true")]);
    let proposals = j
        .triage()
        .scan(
            &[ticket("ALPHA-3", Priority::Low, 9, false)],
            &TriageSettings::default(),
        )
        .unwrap();
    assert!(!proposals.is_empty());
    assert!(proposals[0].confidence.calibrated < 0.9);
    let requests = j.triage().propose(&proposals, "juno").unwrap();
    assert!(matches!(
        requests[0].impact,
        ImpactLevel::Low | ImpactLevel::Medium | ImpactLevel::High
    ));
    assert_eq!(requests[0].status, RequestStatus::Pending);
}
