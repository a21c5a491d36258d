//! The shared nouns: one `Ticket` and one `Sprint` record serve every stage that reads
//! them, each stage naming the field it needs when it is missing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Utc};
use juno_core::flow::{self, FlowInput, FlowSettings};
use juno_core::forecast::{SprintState, TeamHistory};
use juno_core::model::{Sprint, Ticket};
use juno_core::triage::TriageSettings;
use juno_core::{Error, Juno};

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn field(e: Error) -> String {
    match e {
        Error::InvalidInput { field, .. } => field,
        other => panic!("expected invalid input, got {other:?}"),
    }
}

/// A sprint with everything every stage reads.
fn full_sprint() -> Sprint {
    serde_json::from_str(
        r#"{"id": "S1", "team": "t", "start": "2024-01-01T00:00:00Z",
            "end": "2024-01-14T00:00:00Z", "members": ["K-1"], "completed": ["K-1"],
            "committed_points": 20, "delivered_points": 18, "days": 10, "team_size": 4}"#,
    )
    .unwrap()
}

#[test]
fn one_sprint_record_serves_velocity_forecast_and_flow() {
    let juno = Juno::open_in_memory().unwrap();
    let s = full_sprint();
    let v = juno
        .velocity()
        .analyze(&[s.clone(), s.clone(), s.clone()])
        .unwrap();
    assert_eq!(v.mean, 18.0);
    let history = TeamHistory {
        sprints: vec![s.clone()],
        ..TeamHistory::default()
    };
    let state = SprintState {
        team: "t".into(),
        sprint: "S2".into(),
        committed_points: 20.0,
        days_planned: 10.0,
        ..SprintState::default()
    };
    assert!(juno.forecast().sprint(&state, &history).is_ok());
    let ticket = Ticket {
        key: "K-1".into(),
        team: "t".into(),
        created: Some(at("2023-12-20T00:00:00Z")),
        status: Some("Done".into()),
        ..Ticket::default()
    };
    let input = FlowInput {
        tickets: vec![ticket],
        sprints: vec![s],
        ..FlowInput::default()
    };
    let report =
        flow::analyze(&input, &FlowSettings::default(), at("2024-02-01T00:00:00Z")).unwrap();
    assert_eq!(report.teams["t"].sprints[0].completed, 1);
}

#[test]
fn velocity_reads_its_old_field_names() {
    let old: Sprint =
        serde_json::from_str(r#"{"sprint": "S1", "committed": 20, "delivered": 18}"#).unwrap();
    assert_eq!(old, Sprint::with_points("S1", 20.0, 18.0));
    // Both spellings of one field at once is a duplicate, not a silent pick.
    assert!(serde_json::from_str::<Sprint>(r#"{"committed": 1, "committed_points": 2}"#).is_err());
}

#[test]
fn each_stage_names_the_sprint_field_it_needs() {
    let juno = Juno::open_in_memory().unwrap();
    let mut s = full_sprint();
    s.delivered_points = None;
    assert_eq!(
        field(juno.velocity().analyze(&[s]).unwrap_err()),
        "sprints[0].delivered_points"
    );

    let mut s = full_sprint();
    s.days = None;
    let history = TeamHistory {
        sprints: vec![s],
        ..TeamHistory::default()
    };
    let state = SprintState {
        team: "t".into(),
        sprint: "S2".into(),
        committed_points: 20.0,
        days_planned: 10.0,
        ..SprintState::default()
    };
    assert_eq!(
        field(juno.forecast().sprint(&state, &history).unwrap_err()),
        "history.sprints[0].days"
    );

    let mut s = full_sprint();
    s.start = None;
    let input = FlowInput {
        sprints: vec![s],
        ..FlowInput::default()
    };
    let now = at("2024-02-01T00:00:00Z");
    assert_eq!(
        field(flow::analyze(&input, &FlowSettings::default(), now).unwrap_err()),
        "input.sprints[0].start"
    );
}

#[test]
fn one_ticket_serves_triage_and_flow_and_each_names_what_it_needs() {
    let juno = Juno::open_in_memory().unwrap();
    let ticket: Ticket = serde_json::from_str(
        r#"{"key": "K-1", "team": "t", "priority": "High", "updated": "2024-01-02T00:00:00Z",
            "created": "2024-01-01T00:00:00Z", "status": "In Progress"}"#,
    )
    .unwrap();
    let now = at("2024-03-01T00:00:00Z");
    assert!(
        juno.triage()
            .scan_at(
                std::slice::from_ref(&ticket),
                &TriageSettings::default(),
                now
            )
            .is_ok()
    );
    let input = FlowInput {
        tickets: vec![ticket.clone()],
        ..FlowInput::default()
    };
    assert!(flow::analyze(&input, &FlowSettings::default(), now).is_ok());

    let no_priority = Ticket {
        priority: None,
        ..ticket.clone()
    };
    assert_eq!(
        field(
            juno.triage()
                .scan_at(&[no_priority], &TriageSettings::default(), now)
                .unwrap_err()
        ),
        "tickets[0].priority"
    );
    let no_created = FlowInput {
        tickets: vec![Ticket {
            created: None,
            ..ticket
        }],
        ..FlowInput::default()
    };
    assert_eq!(
        field(flow::analyze(&no_created, &FlowSettings::default(), now).unwrap_err()),
        "input.tickets[0].created"
    );
}

#[test]
fn team_and_user_are_plain_strings_on_the_wire_and_checked_names() {
    use juno_core::model::{Team, User};
    let t: Team = serde_json::from_str(r#""alpha""#).unwrap();
    assert_eq!(t, "alpha");
    assert_eq!(serde_json::to_string(&t).unwrap(), r#""alpha""#);
    assert_eq!(format!("{t:?}"), r#""alpha""#);
    assert_eq!(Team::checked("team", "alpha").unwrap(), t);
    assert_eq!(
        field(Team::checked("ticket.team", "  ").unwrap_err()),
        "ticket.team"
    );
    assert_eq!(
        field(User::checked("assignee", "a\u{7}b").unwrap_err()),
        "assignee"
    );
    // A ticket's team and assignee are these nouns, parsed from the same JSON as before.
    let ticket: Ticket =
        serde_json::from_str(r#"{"key": "K-1", "team": "alpha", "assignee": "ann"}"#).unwrap();
    assert_eq!(ticket.team, t);
    assert_eq!(ticket.assignee, Some(User::from("ann")));
}
