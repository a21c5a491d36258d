//! The simulated organisation: deterministic, sized as asked, readable by every stage, and
//! with outcomes its in-sprint signals cause.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use juno_core::flow::{self, FlowInput, FlowSettings};
use juno_core::forecast::TeamHistory;
use juno_core::model::Role;
use juno_core::source::Snapshot;
use juno_core::source::sim::{SimSettings, simulate};
use juno_core::triage::{TriageAction, TriageSettings};
use juno_core::{Error, Juno};

fn org() -> Snapshot {
    simulate(&SimSettings::default()).unwrap()
}

#[test]
fn the_same_settings_give_the_same_organisation() {
    let a = serde_json::to_string(&org()).unwrap();
    let b = serde_json::to_string(&org()).unwrap();
    assert_eq!(a, b);
    let other = simulate(&SimSettings {
        seed: 8,
        ..SimSettings::default()
    })
    .unwrap();
    assert_ne!(a, serde_json::to_string(&other).unwrap());
}

#[test]
fn it_is_sized_as_asked_with_unique_keys_and_roles() {
    let s = SimSettings {
        teams: 4,
        people_per_team: 6,
        sprints: 10,
        backlog_per_team: 7,
        ..SimSettings::default()
    };
    let o = simulate(&s).unwrap();
    assert_eq!(o.teams.len(), 4);
    assert_eq!(o.sprints.len(), 40);
    assert_eq!(o.checkpoints.len(), 40);
    assert_eq!(o.active.len(), 4);
    assert_eq!(o.people.len(), 4 * 6 + 3);
    let leads = o
        .people
        .iter()
        .filter(|m| m.role == Some(Role::TeamLead))
        .count();
    assert_eq!(leads, 4);
    assert!(o.people.iter().any(|m| m.role == Some(Role::Director)));
    let keys: BTreeSet<&str> = o.tickets.iter().map(|t| t.key.as_str()).collect();
    assert_eq!(keys.len(), o.tickets.len(), "ticket keys are unique");
    let backlog = o
        .tickets
        .iter()
        .filter(|t| t.labels.iter().any(|l| l == "backlog"));
    assert_eq!(backlog.count(), 4 * 7);
    // Every sprint member is a ticket; every checkpoint belongs to its sprint.
    for (sprint, cp) in o.sprints.iter().zip(&o.checkpoints) {
        assert_eq!(sprint.id, cp.sprint);
        assert!(sprint.members.iter().all(|m| keys.contains(m.as_str())));
        assert!(
            sprint.delivered_points.unwrap()
                <= sprint.committed_points.unwrap() + cp.added_points + 40.0
        );
    }
}

#[test]
fn every_stage_reads_it() {
    let o = org();
    let juno = Juno::open_in_memory().unwrap();
    // Velocity and the forecast read the finished sprints of each team.
    for team in &o.teams {
        let sprints: Vec<_> = o
            .sprints
            .iter()
            .filter(|s| &s.team == team)
            .cloned()
            .collect();
        let v = juno.velocity().analyze(&sprints).unwrap();
        assert!(v.mean > 0.0, "{team}: {v:?}");
        let active = o.active.iter().find(|a| &a.team == team).unwrap();
        let history = TeamHistory {
            sprints,
            ..TeamHistory::default()
        };
        let f = juno.forecast().sprint(active, &history).unwrap();
        assert!((0.0..=1.0).contains(&f.p_deliver_80));
    }
    // Flow reads every ticket and sprint as of the simulation's end.
    let input = FlowInput {
        tickets: o.tickets.clone(),
        sprints: o.sprints.clone(),
        ..FlowInput::default()
    };
    let report = flow::analyze(&input, &FlowSettings::default(), o.now).unwrap();
    assert_eq!(report.teams.len(), o.teams.len());
    assert!(
        report.unknown_statuses.is_empty(),
        "{:?}",
        report.unknown_statuses
    );
    // Triage finds the abandoned and untouched work, and leaves the done work alone.
    let open: Vec<_> = o
        .tickets
        .iter()
        .filter(|t| t.status.as_deref() != Some("Done"))
        .cloned()
        .collect();
    let proposals = juno
        .triage()
        .scan_at(&open, &TriageSettings::default(), o.now)
        .unwrap();
    assert!(!proposals.is_empty());
    assert!(proposals.iter().any(|p| p.action != TriageAction::Defer));
}

#[test]
fn in_sprint_signals_cause_the_outcomes() {
    // Over many sprints, those the checkpoint shows blocked, queued for review or short of
    // people deliver a smaller share of their commitment than the clean ones.
    let o = simulate(&SimSettings {
        teams: 6,
        sprints: 60,
        ..SimSettings::default()
    })
    .unwrap();
    let (mut clean, mut hit) = (Vec::new(), Vec::new());
    for (s, cp) in o.sprints.iter().zip(&o.checkpoints) {
        let ratio = s.delivered_points.unwrap() / s.committed_points.unwrap();
        let signals = cp.blocked + cp.review_queue / 2;
        if signals == 0 {
            clean.push(ratio);
        } else if signals >= 3 {
            hit.push(ratio);
        }
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    assert!(
        clean.len() >= 10 && hit.len() >= 10,
        "{} clean, {} hit",
        clean.len(),
        hit.len()
    );
    assert!(
        mean(&clean) > mean(&hit) + 0.1,
        "clean {:.3} vs hit {:.3}",
        mean(&clean),
        mean(&hit)
    );
}

#[test]
fn settings_out_of_range_are_refused_by_name() {
    for (s, field) in [
        (
            SimSettings {
                teams: 0,
                ..SimSettings::default()
            },
            "settings.teams",
        ),
        (
            SimSettings {
                active_day: 11,
                ..SimSettings::default()
            },
            "settings.active_day",
        ),
        (
            SimSettings {
                people_per_team: 1,
                ..SimSettings::default()
            },
            "settings.people_per_team",
        ),
    ] {
        match simulate(&s) {
            Err(Error::InvalidInput { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{field}: {other:?}"),
        }
    }
}
