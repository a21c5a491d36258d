//! `triage/1M_tickets`: triage 1,000,000 open tickets, 50 proposals (issue #4 target:
//! under 1 s). Run: `cargo bench -p juno-benches --bench triage`.
#![allow(clippy::unwrap_used, missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use chrono::DateTime;
use criterion::{Criterion, criterion_group, criterion_main};
use juno_benches::Rng;
use juno_core::config::ConfidenceWeights;
use juno_core::reasoning::WeightedScorer;
use juno_core::triage::{Priority, Ticket, TrackRecords, TriageSettings, triage};

fn bench(c: &mut Criterion) {
    let now = DateTime::from_timestamp(1_767_225_600, 0).unwrap();
    let mut rng = Rng::new(11);
    let prios = [
        Priority::Highest,
        Priority::High,
        Priority::Medium,
        Priority::Low,
        Priority::Lowest,
    ];
    let tickets: Vec<Ticket> = (0..1_000_000)
        .map(|i| {
            let idle = chrono::Duration::hours(rng.below(24 * 60) as i64);
            Ticket {
                key: format!("T-{i}"),
                team: format!("team_{:03}", rng.below(500)).into(),
                priority: Some(prios[rng.below(5)]),
                assignee: (rng.below(4) != 0).then(|| format!("u{}", rng.below(5000)).into()),
                labels: if rng.below(50) == 0 {
                    vec!["pinned".into()]
                } else {
                    Vec::new()
                },
                updated: Some(now - idle),
                last_comment: (rng.below(2) == 0).then(|| now - idle - chrono::Duration::hours(3)),
                last_change: None,
                assignee_last_activity: Some(
                    now - chrono::Duration::hours(rng.below(24 * 30) as i64),
                ),
                blocked: rng.below(10) == 0,
                blocking: (rng.below(20) == 0) as u32,
                has_description: Some(rng.below(8) != 0),
                estimated: Some(rng.below(6) != 0),
                in_active_sprint: rng.below(3) == 0,
                ..Ticket::default()
            }
        })
        .collect();
    let settings = TriageSettings::default();
    let weights = ConfidenceWeights::default();
    let w = WeightedScorer::new(&weights);
    let track = TrackRecords::new();
    let mut g = c.benchmark_group("triage");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.bench_function("1M_tickets", |b| {
        b.iter(|| black_box(triage(black_box(&tickets), &settings, now, &w, &track)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
