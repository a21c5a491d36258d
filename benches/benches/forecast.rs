//! `forecast/monte_carlo_10k`: 10,000 trials of one sprint with 10 days left (issue #4
//! target: under 2 ms).
//!
//! `forecast/active_sprints_500_teams`: `Juno::forecast().sprints` over the active sprint of
//! each of 500 teams, each with 12 past sprints and 60 days of throughput history, with a
//! trained model stored in the database (issue #4 target: under 1 s). Each forecast runs
//! the full path: model probability, 10,000-trial simulation, five categories,
//! recommendations and the reasoning engine's confidence.
//!
//! Run: `cargo bench -p juno-benches --bench forecast`.
#![allow(clippy::unwrap_used, missing_docs)]

use std::hint::black_box;

use chrono::{TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use juno_core::Juno;
use juno_core::forecast::{
    MonteCarloInput, SplitMix64, SprintObservation, SprintState, TeamHistory, monte_carlo,
};
use juno_core::model::Sprint;

fn mc(c: &mut Criterion) {
    let input = MonteCarloInput {
        committed: 42.0,
        scope: None,
        done: 6.0,
        days_remaining: 10,
        planned_days: 10,
        daily_throughput: (0..60).map(|i| f64::from(i % 7)).collect(),
        daily_scope_change: (0..60)
            .map(|i| if i % 9 == 0 { 2.0 } else { 0.0 })
            .collect(),
        trials: 10_000,
        seed: 1,
    };
    let mut g = c.benchmark_group("forecast");
    g.bench_function("monte_carlo_10k", |b| {
        b.iter(|| black_box(monte_carlo(black_box(&input))))
    });
    g.finish();
}

fn unit(rng: &mut SplitMix64) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// Team `t`'s active sprint at `elapsed` days of 10, and its history.
fn team(t: usize, elapsed: f64, rng: &mut SplitMix64) -> (SprintState, TeamHistory) {
    let committed = 20.0 + (t % 9) as f64 * 5.0;
    let done = committed * unit(rng) * elapsed / 10.0;
    let state = SprintState {
        team: format!("team{t:03}").into(),
        sprint: format!("2026-S{}", t % 26),
        committed_points: committed,
        added_points: (unit(rng) * 6.0).floor(),
        todo_points: (committed - done) * 0.7,
        in_progress_points: (committed - done) * 0.3,
        done_points: done,
        committed_issues: 10,
        todo_issues: 5,
        in_progress_issues: 3,
        done_issues: 2,
        days_elapsed: elapsed,
        days_planned: 10.0,
        team_size: 4 + (t % 5) as u32,
        blocked: (unit(rng) * 3.0) as u32,
        dependencies: (unit(rng) * 3.0) as u32,
        defects: (unit(rng) * 4.0) as u32,
        review_queue: (unit(rng) * 3.0) as u32,
        ..SprintState::default()
    };
    let history = TeamHistory {
        sprints: (0..12)
            .map(|_| {
                let delivered = committed * (0.5 + unit(rng) * 0.6);
                Sprint::finished(committed, delivered, 10.0, 4 + (t % 5) as u32)
            })
            .collect(),
        daily_throughput: (0..60)
            .map(|_| committed / 10.0 * unit(rng) * 2.0)
            .collect(),
        daily_scope_change: (0..60)
            .map(|_| if unit(rng) < 0.1 { 2.0 } else { 0.0 })
            .collect(),
    };
    (state, history)
}

fn organisation(c: &mut Criterion) {
    let juno = Juno::open_in_memory().unwrap();
    let mut rng = SplitMix64::new(5);
    // Train a model first so the benchmark includes the model path.
    for i in 0..200 {
        let (state, history) = team(i, 3.0, &mut rng);
        let delivered = state.committed_points * (0.4 + unit(&mut rng) * 0.8);
        juno.forecast()
            .record(&SprintObservation {
                state: SprintState {
                    sprint: format!("past-{i}"),
                    ..state
                },
                history,
                delivered_points: delivered,
                ended_at: Utc
                    .timestamp_opt(1_700_000_000 + i as i64 * 86_400, 0)
                    .unwrap(),
            })
            .unwrap();
    }
    assert!(juno.forecast().retrain().unwrap().trained);
    let active: Vec<(SprintState, TeamHistory)> = (0..500)
        .map(|t| team(t, (t % 10) as f64, &mut rng))
        .collect();
    let mut g = c.benchmark_group("forecast");
    g.sample_size(20);
    g.bench_function("active_sprints_500_teams", |b| {
        b.iter(|| black_box(juno.forecast().sprints(black_box(&active)).unwrap()))
    });
    g.finish();
}

criterion_group!(benches, mc, organisation);
criterion_main!(benches);
