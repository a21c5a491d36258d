//! The forecaster on a real SQLite file: recorded sprints, retraining, stored model versions,
//! the fallback with too little history, and bad input.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use juno_core::forecast::{SplitMix64, SprintObservation, SprintState, TeamHistory, seed_for};
use juno_core::model::Sprint;
use juno_core::{ErrorKind, Juno, ManualClock};

fn history() -> TeamHistory {
    TeamHistory {
        sprints: (0..5)
            .map(|i| Sprint::finished(30.0, 24.0 + f64::from(i), 10.0, 5))
            .collect(),
        ..TeamHistory::default()
    }
}

/// A sprint at 30% of its plan; teams that are further along deliver (plus noise).
fn observation(i: u32, rng: &mut SplitMix64) -> SprintObservation {
    let committed = 20.0 + f64::from(i % 7) * 3.0;
    let done_share = (rng.next_u64() % 1000) as f64 / 1000.0 * 0.6;
    let done = committed * done_share;
    let noise = (rng.next_u64() % 1000) as f64 / 1000.0 * 0.4 - 0.2;
    let delivered_share = (0.45 + done_share * 1.2 + noise).max(0.0);
    SprintObservation {
        state: SprintState {
            team: format!("team{}", i % 4).into(),
            sprint: format!("S{i}"),
            committed_points: committed,
            done_points: done,
            todo_points: committed - done,
            committed_issues: 8,
            done_issues: (8.0 * done_share) as u32,
            todo_issues: 8 - (8.0 * done_share) as u32,
            days_elapsed: 3.0,
            days_planned: 10.0,
            team_size: 5,
            ..SprintState::default()
        },
        history: history(),
        delivered_points: committed * delivered_share,
        ended_at: Utc
            .timestamp_opt(1_700_000_000 + i64::from(i) * 14 * 86_400, 0)
            .single()
            .unwrap_or_default(),
    }
}

fn open(path: &std::path::Path) -> Juno {
    let clock = Arc::new(ManualClock::at_millis(1_767_225_600_000));
    Juno::open_path(path).unwrap().with_clock(clock)
}

#[test]
fn retrain_stores_versions_that_survive_reopening_and_drive_forecasts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("juno.db");
    let juno = open(&path);
    let f = juno.forecast();
    let mut rng = SplitMix64::new(9);
    // Too little history: nothing stored, the reason given, forecasts use the simulation.
    for i in 0..10 {
        f.record(&observation(i, &mut rng)).unwrap();
    }
    let r = f.retrain().unwrap();
    assert!(!r.trained);
    assert!(
        r.reason
            .as_deref()
            .unwrap_or("")
            .contains("10 recorded sprints"),
        "{r:?}"
    );
    let live = observation(999, &mut rng).state;
    let fc = f.sprint(&live, &history()).unwrap();
    assert_eq!(fc.probability_basis, "monte_carlo");

    for i in 10..120 {
        f.record(&observation(i, &mut rng)).unwrap();
    }
    let r = f.retrain().unwrap();
    assert!(r.trained, "{r:?}");
    let m = r.model.unwrap();
    assert_eq!(m.version, 1);
    assert_eq!(m.trained_on, 120);
    assert_eq!(m.evaluation.n_test, 36);
    assert!(m.evaluation.auc.unwrap() > 0.7, "{:?}", m.evaluation);
    let (from, to) = m.training_period.clone().unwrap();
    assert!(from < to);
    assert_eq!(f.retrain().unwrap().model.unwrap().version, 2);
    drop(juno);

    let juno = open(&path);
    let f = juno.forecast();
    assert_eq!(f.model_versions().unwrap(), 2);
    assert_eq!(f.model().unwrap().unwrap().version, 2);
    assert_eq!(f.observations().unwrap().len(), 120);
    let fc = f.sprint(&live, &history()).unwrap();
    assert_eq!(fc.probability_basis, "model v2");
    // The model sees more done as better odds.
    let mut ahead = live.clone();
    ahead.done_points = ahead.committed_points * 0.6;
    ahead.todo_points = ahead.committed_points - ahead.done_points;
    let mut behind = live.clone();
    behind.done_points = 0.0;
    behind.todo_points = behind.committed_points;
    let pa = f.sprint(&ahead, &history()).unwrap().p_deliver_80;
    let pb = f.sprint(&behind, &history()).unwrap().p_deliver_80;
    assert!(pa > pb, "{pa} vs {pb}");
}

#[test]
fn the_same_sprint_gets_the_same_forecast() {
    let juno = Juno::open_in_memory().unwrap();
    let mut rng = SplitMix64::new(1);
    let s = observation(3, &mut rng).state;
    let a = juno.forecast().sprint(&s, &history()).unwrap();
    let b = juno.forecast().sprint(&s, &history()).unwrap();
    assert_eq!(a, b);
    assert_ne!(seed_for("a", "bc"), seed_for("ab", "c"));
    let batch = juno
        .forecast()
        .sprints(&[(s.clone(), history()), (s, history())])
        .unwrap();
    assert_eq!(batch[0], a);
}

#[test]
fn bad_records_are_refused_and_nothing_is_lost() {
    let juno = Juno::open_in_memory().unwrap();
    let f = juno.forecast();
    let mut rng = SplitMix64::new(2);
    let good = observation(1, &mut rng);
    f.record(&good).unwrap();
    let mut bad = observation(2, &mut rng);
    bad.delivered_points = f64::NAN;
    assert_eq!(f.record(&bad).unwrap_err().kind(), ErrorKind::InvalidInput);
    let mut bad = observation(3, &mut rng);
    bad.state.team = " ".into();
    assert_eq!(f.record(&bad).unwrap_err().kind(), ErrorKind::InvalidInput);
    let mut bad = observation(4, &mut rng);
    bad.state.days_planned = -1.0;
    let e = f.record(&bad).unwrap_err();
    assert!(e.to_string().contains("days_planned"), "{e}");
    assert_eq!(f.observations().unwrap(), vec![good.clone()]);
    // Recording the same sprint again replaces it.
    assert!(f.record(&good).unwrap());
    let mut s = good.state.clone();
    s.committed_points = f64::INFINITY;
    let e = f
        .sprints(&[(good.state.clone(), history()), (s, history())])
        .unwrap_err();
    assert!(e.to_string().contains("items[1].committed_points"), "{e}");
}

/// One team's sprint at 30% of its plan, with the team's real recent sprints as history;
/// `slump` makes the team deliver a third of what its progress promises.
fn team_observation(
    i: u32,
    team: &str,
    past: &[Sprint],
    slump: bool,
    rng: &mut SplitMix64,
) -> SprintObservation {
    let committed = 20.0 + f64::from(i % 7) * 3.0;
    let done_share = (rng.next_u64() % 1000) as f64 / 1000.0 * 0.6;
    let noise = (rng.next_u64() % 1000) as f64 / 1000.0 * 0.4 - 0.2;
    let mut delivered_share = (0.45 + done_share * 1.2 + noise).max(0.0);
    if slump {
        delivered_share /= 3.0;
    }
    let done = committed * done_share;
    SprintObservation {
        state: SprintState {
            team: team.into(),
            sprint: format!("{team}-S{i}"),
            committed_points: committed,
            done_points: done,
            todo_points: committed - done,
            committed_issues: 8,
            todo_issues: 8,
            days_elapsed: 3.0,
            days_planned: 10.0,
            team_size: 5,
            ..SprintState::default()
        },
        history: TeamHistory {
            sprints: past[past.len().saturating_sub(5)..].to_vec(),
            ..TeamHistory::default()
        },
        delivered_points: committed * delivered_share,
        ended_at: Utc
            .timestamp_opt(1_700_000_000 + i64::from(i) * 86_400, 0)
            .single()
            .unwrap_or_default(),
    }
}

#[test]
fn retrained_forecasts_carry_a_forward_calibration_that_follows_a_slumping_team() {
    let dir = tempfile::tempdir().unwrap();
    let juno = open(&dir.path().join("juno.db"));
    let f = juno.forecast();
    let mut rng = SplitMix64::new(21);
    let teams = ["alpha", "beta", "gamma", "delta"];
    let mut past: Vec<Vec<Sprint>> = vec![Vec::new(); 4];
    let mut all = Vec::new();
    // 320 sprints, 80 per team; from sprint 200 on, delta slumps (the features cannot see
    // it: only its recent outcomes can).
    for i in 0..320u32 {
        let t = (i % 4) as usize;
        let o = team_observation(i, teams[t], &past[t], t == 3 && i >= 200, &mut rng);
        past[t].push(Sprint::finished(
            o.state.committed_points,
            o.delivered_points,
            10.0,
            5,
        ));
        all.push(o);
    }
    f.record_many(&all).unwrap();
    let m = f.retrain().unwrap().model.unwrap();
    let p = m
        .calibration
        .probability
        .clone()
        .expect("290 out-of-time outcomes");
    assert_eq!(p.method, "blend");
    assert!(p.outcomes >= 30 && p.forward_outcomes > 100, "{p:?}");
    // The blend leans on the trailing rate and beats the raw model forward.
    assert!(p.model_weight < 1.0, "{p:?}");
    assert!(p.forward_ece < p.forward_ece_uncalibrated, "{p:?}");
    let delta = m
        .calibration
        .teams
        .iter()
        .find(|t| t.team.as_str() == "delta")
        .unwrap();
    assert!(delta.observed < delta.mean_predicted, "{delta:?}");
    let interval = m.calibration.interval.clone().expect("320 sprints");
    assert!(
        (0.70..=0.90).contains(&interval.coverage),
        "forward coverage {interval:?}"
    );

    // The slumping team's next sprint: the blend pulls the model's probability towards its
    // recent record, and the forecast says how it was calibrated.
    let next = team_observation(400, "delta", &past[3], true, &mut rng);
    let fc = f.sprint(&next.state, &next.history).unwrap();
    let c = fc.calibration.clone().unwrap();
    assert!(c.trailing_rate.unwrap() < 0.5, "{c:?}");
    assert!(fc.p_deliver_80 < c.model_probability, "{fc:?}");
    let expected =
        p.model_weight * c.model_probability + (1.0 - p.model_weight) * c.trailing_rate.unwrap();
    assert!((fc.p_deliver_80 - expected).abs() < 1e-12);
    let text = fc.explain(juno_core::model::ExplanationLevel::Basic);
    let words = format!(
        "calibrated on {} outcomes, ECE {:.3} (forward)",
        p.outcomes, p.forward_ece
    );
    assert!(text.contains(&words), "{text}");
    // The interval is the corrected one; the simulation's stays in the record.
    let [s10, s50, s90] = c.simulated;
    let (c10, c50, c90) = interval.apply(s10, s50, s90);
    assert_eq!(
        (fc.delivery.p10, fc.delivery.p50, fc.delivery.p90),
        (c10, c50, c90)
    );
    assert!(
        fc.explain(juno_core::model::ExplanationLevel::Detailed)
            .contains("the team's trailing delivery rate")
    );
}

#[test]
fn many_sprints_forecast_in_parallel_as_one_by_one_with_the_configured_trials() {
    let mut config = juno_core::Config::default();
    config.database_url = juno_core::config::DatabaseUrl::Memory;
    config.forecast_trials = 2_000;
    let juno = Juno::open(config).unwrap();
    let mut rng = SplitMix64::new(9);
    let items: Vec<(SprintState, TeamHistory)> = (0..64)
        .map(|i| (observation(i, &mut rng).state, history()))
        .collect();
    let batch = juno.forecast().sprints(&items).unwrap();
    let one_by_one: Vec<_> = items
        .iter()
        .map(|(s, h)| juno.forecast().sprint(s, h).unwrap())
        .collect();
    assert_eq!(batch, one_by_one);
    assert!(batch.iter().all(|f| f.delivery.trials == 2_000));
    // The setting is checked like every other.
    let map = [("FORECAST_TRIALS".to_string(), "50".to_string())]
        .into_iter()
        .collect();
    let e = juno_core::Config::from_settings(&map).unwrap_err();
    assert!(e.to_string().contains("FORECAST_TRIALS"), "{e}");
}
