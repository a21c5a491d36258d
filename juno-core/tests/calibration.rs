//! Proposal confidence calibrated per action kind against people's recorded decisions
//! (issue #10), through one SQLite file: the learn stage fits a map per kind from 30 person
//! decisions on, the next cycle's proposals of that kind carry the calibrated confidence,
//! and the request and the auto-approval decision name the map (or `null`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use juno_core::agent::{CycleOptions, CycleReport, ProposalReport};
use juno_core::config::DatabaseUrl;
use juno_core::executor::RecordingExecutor;
use juno_core::governance::{Action, CalibrationRef, Proposal, RequestStatus};
use juno_core::model::{ImpactLevel, Role};
use juno_core::reasoning::MIN_CALIBRATION_OUTCOMES;
use juno_core::source::sim::{SimSettings, SimSource};
use juno_core::{Config, Juno, ManualClock};
use serde_json::{Value, json};

/// Below every raw score the simulated organisation's reassign, request_info and defer
/// proposals get (0.15–0.23), so that uncalibrated they would all be auto-approved.
const THRESHOLD: f64 = 0.15;
/// A team the simulated organisation does not have: the history's decisions must not
/// change the simulated teams' track records (and with them the raw scores).
const HISTORY_TEAM: &str = "history";

fn settings() -> SimSettings {
    SimSettings {
        teams: 3,
        ..SimSettings::default()
    }
}

fn open(dir: &tempfile::TempDir) -> (Juno, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(
        settings().end - chrono::Duration::days(30),
    ));
    let mut config = Config::default();
    config.database_url = DatabaseUrl::Sqlite(dir.path().join("juno.db"));
    config.autonomous_actions = true;
    config.approval_rules.auto_approval_threshold = THRESHOLD;
    let juno = Juno::open(config).unwrap().with_clock(clock.clone());
    juno.governance()
        .assign_role("pat", Role::ProjectManager, &[HISTORY_TEAM], "admin")
        .unwrap();
    (juno, clock)
}

/// A person's decision on an earlier proposal of `kind` submitted with `raw` confidence
/// (high impact, so it waits for a person even with autonomous actions on).
fn decided(juno: &Juno, kind: &str, i: usize, raw: f64, approve: bool) {
    let r = juno
        .governance()
        .submit(Proposal {
            action: Action {
                kind: kind.into(),
                team: HISTORY_TEAM.into(),
                target: Some(format!("HIST-{kind}-{i}")),
                parameters: json!({}),
            },
            impact: ImpactLevel::High,
            confidence: raw,
            explanation: String::new(),
            requester: "juno".into(),
            raw_confidence: None,
            calibration: None,
        })
        .unwrap();
    assert_eq!(r.status, RequestStatus::Pending);
    if approve {
        juno.governance().approve(r.id, "pat", &r.digest).unwrap();
    } else {
        juno.governance().reject(r.id, "pat", "not this").unwrap();
    }
}

/// 40 reassignments where people approved exactly those scored 0.20 or more; 30
/// information requests all rejected, however sure the engine was; 5 deferrals.
fn history(juno: &Juno) {
    for i in 0..40 {
        let raw = 0.05 + 0.01 * i as f64;
        decided(juno, "triage.reassign", i, raw, raw >= 0.2 - 1e-9);
    }
    for i in 0..30 {
        decided(juno, "triage.request_info", i, 0.5 + 0.01 * i as f64, false);
    }
    for i in 0..5 {
        decided(juno, "triage.defer", i, 0.3, i % 2 == 0);
    }
}

fn options() -> CycleOptions {
    let mut o = CycleOptions::default();
    o.triage.max_proposals = 1000;
    o
}

fn sim_cycle(juno: &Juno, options: &CycleOptions) -> CycleReport {
    let mut sim = SimSource::new(settings()).unwrap();
    juno.agent()
        .run_cycle(Some(&mut sim), &mut RecordingExecutor::new(), options)
        .unwrap()
}

fn of_kind<'a>(report: &'a CycleReport, kind: &str) -> Vec<&'a ProposalReport> {
    report.proposals.iter().filter(|p| p.kind == kind).collect()
}

fn reference(kind: &str, outcomes: usize) -> CalibrationRef {
    CalibrationRef {
        kind: kind.into(),
        version: 1,
        outcomes,
    }
}

#[test]
fn proposals_are_calibrated_per_kind_against_person_decisions() {
    let dir = tempfile::tempdir().unwrap();
    let (juno, clock) = open(&dir);
    history(&juno);
    clock.advance(chrono::Duration::days(30));

    // A learn stage (a cycle over an empty store: nothing to propose) fits the kinds with
    // enough decisions, and only those.
    let mut exec = RecordingExecutor::new();
    let first = juno.agent().run_cycle(None, &mut exec, &options()).unwrap();
    assert!(first.proposals.is_empty());
    assert_eq!(
        first.learned.calibrations,
        vec![
            reference("triage.reassign", 40),
            reference("triage.request_info", 30)
        ]
    );
    let maps = juno.agent().confidence_calibrations().unwrap();
    assert_eq!(maps.len(), 2);
    let reassign = &maps[0];
    assert_eq!(
        (reassign.kind.as_str(), reassign.version),
        ("triage.reassign", 1)
    );
    assert!(reassign.map.is_fitted());
    // People's rule is a step at 0.20: the map finds it, with no error left on its data.
    assert!(reassign.map.ece_calibrated < 1e-9 && reassign.map.ece_raw > 0.3);
    assert!(reassign.map.brier_calibrated < reassign.map.brier_raw);
    // No new decisions, no new version.
    let again = juno.agent().run_cycle(None, &mut exec, &options()).unwrap();
    assert!(again.learned.calibrations.is_empty());
    assert_eq!(juno.agent().confidence_calibrations().unwrap().len(), 2);

    // The next cycle's proposals.
    let report = sim_cycle(&juno, &options());

    // Reassignments: mapped through the step, so never their raw score; recorded with the
    // map on the request and, when auto-approved, in the decision.
    let reassigns = of_kind(&report, "triage.reassign");
    assert!(reassigns.len() > 10, "{}", reassigns.len());
    let (mut auto, mut pending) = (0, 0);
    for p in &reassigns {
        assert_eq!(p.calibration, Some(reference("triage.reassign", 40)));
        assert_eq!(p.confidence, reassign.map.apply(p.raw_confidence));
        assert_ne!(p.confidence, p.raw_confidence);
        assert!(
            p.explanation
                .contains("calibrated against recorded outcomes")
        );
        let r = juno.governance().get(p.request_id.unwrap()).unwrap();
        assert_eq!(r.raw_confidence, p.raw_confidence);
        assert_eq!(r.confidence, p.confidence);
        assert_eq!(r.calibration, p.calibration);
        if p.raw_confidence >= 0.2 {
            // Scores like those people approved: calibrated to 1, auto-approved.
            assert_eq!(p.status, "auto_approved");
            assert_eq!(r.decided_by.as_deref(), Some("juno"));
            let d = r.decision.unwrap();
            assert_eq!(
                d["calibration"],
                json!({"kind": "triage.reassign", "version": 1, "outcomes": 40})
            );
            assert_eq!(d["confidence"], json!(1.0));
            assert_eq!(d["raw_confidence"], json!(p.raw_confidence));
            auto += 1;
        } else {
            // Scores like those people rejected: calibrated to 0, left to a person although
            // the raw score clears the threshold.
            assert!(p.raw_confidence >= THRESHOLD);
            assert_eq!(r.status, RequestStatus::Pending);
            assert_eq!(r.decision, None);
            pending += 1;
        }
    }
    assert!(auto > 0 && pending > 0, "{auto} auto, {pending} pending");

    // Information requests: people rejected every one, so the engine's confidence no longer
    // auto-approves any, though uncalibrated each would have been.
    let infos = of_kind(&report, "triage.request_info");
    assert!(!infos.is_empty());
    for p in &infos {
        assert_eq!(p.calibration, Some(reference("triage.request_info", 30)));
        assert_eq!(p.confidence, 0.0);
        assert_eq!(p.status, "pending");
        let r = juno.governance().get(p.request_id.unwrap()).unwrap();
        assert_eq!(r.status, RequestStatus::Pending);
        let uncalibrated = Proposal {
            action: r.action.clone(),
            impact: r.impact,
            confidence: r.raw_confidence,
            explanation: String::new(),
            requester: "juno".into(),
            raw_confidence: None,
            calibration: None,
        };
        assert!(juno.governance().route(&uncalibrated).decision.is_some());
    }

    // Deferrals: five decisions are too few; the raw score stands and says so.
    let defers = of_kind(&report, "triage.defer");
    assert!(!defers.is_empty());
    for p in &defers {
        assert_eq!(p.calibration, None);
        assert_eq!(p.confidence, p.raw_confidence);
        assert!(p.explanation.contains("not yet calibrated"));
        let r = juno.governance().get(p.request_id.unwrap()).unwrap();
        assert_eq!(r.calibration, None);
        assert_eq!(p.status, "auto_approved");
        assert_eq!(r.decided_by.as_deref(), Some("juno"));
        let d = r.decision.unwrap();
        assert_eq!(d["calibration"], Value::Null);
        assert_eq!(d["raw_confidence"], d["confidence"]);
    }
}

#[test]
fn a_map_applies_only_to_proposals_made_after_it_was_fitted() {
    let dir = tempfile::tempdir().unwrap();
    let (juno, clock) = open(&dir);
    history(&juno);
    clock.advance(chrono::Duration::days(30));
    let fitted_at = juno.now();
    juno.agent()
        .run_cycle(None, &mut RecordingExecutor::new(), &options())
        .unwrap();
    let dry = CycleOptions {
        dry_run: true,
        ..options()
    };
    // As of a moment before the map existed, nothing is calibrated.
    clock.set(fitted_at - chrono::Duration::hours(1));
    let before = sim_cycle(&juno, &dry);
    assert!(!before.proposals.is_empty());
    assert!(
        before
            .proposals
            .iter()
            .all(|p| p.calibration.is_none() && p.confidence == p.raw_confidence)
    );
    clock.set(fitted_at);
    let after = sim_cycle(&juno, &dry);
    assert!(
        of_kind(&after, "triage.reassign")
            .iter()
            .all(|p| p.calibration.is_some())
    );
}

#[test]
fn new_person_decisions_fit_the_next_version() {
    let dir = tempfile::tempdir().unwrap();
    let (juno, clock) = open(&dir);
    // One short of a map.
    for i in 0..MIN_CALIBRATION_OUTCOMES - 1 {
        decided(&juno, "triage.close", i, 0.4, true);
    }
    let mut exec = RecordingExecutor::new();
    let r = juno.agent().run_cycle(None, &mut exec, &options()).unwrap();
    assert!(r.learned.calibrations.is_empty());
    assert!(juno.agent().confidence_calibrations().unwrap().is_empty());
    decided(&juno, "triage.close", 100, 0.4, false);
    clock.advance(chrono::Duration::hours(1));
    let r = juno.agent().run_cycle(None, &mut exec, &options()).unwrap();
    assert_eq!(
        r.learned.calibrations,
        vec![reference("triage.close", MIN_CALIBRATION_OUTCOMES)]
    );
    decided(&juno, "triage.close", 101, 0.4, false);
    clock.advance(chrono::Duration::hours(1));
    let r = juno.agent().run_cycle(None, &mut exec, &options()).unwrap();
    assert_eq!(
        r.learned.calibrations,
        vec![CalibrationRef {
            kind: "triage.close".into(),
            version: 2,
            outcomes: MIN_CALIBRATION_OUTCOMES + 1,
        }]
    );
    let maps = juno.agent().confidence_calibrations().unwrap();
    assert_eq!(
        maps.iter().map(|m| m.version).collect::<Vec<_>>(),
        vec![1, 2]
    );
    // Every pair sits at 0.4: the map is the approval rate there.
    let rate = (MIN_CALIBRATION_OUTCOMES - 1) as f64 / (MIN_CALIBRATION_OUTCOMES + 1) as f64;
    assert!((maps[1].map.apply(0.4) - rate).abs() < 1e-12);
    assert!(maps[1].decided_through <= maps[1].created_at);
}
