//! `reasoning/confidence`: score one decision from its evidence (issue #4 target: under 1 µs).
//! Run: `cargo bench -p juno-benches --bench reasoning`.
#![allow(clippy::unwrap_used, missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use juno_core::config::ConfidenceWeights;
use juno_core::reasoning::{Calibration, Evidence, score};

fn confidence(c: &mut Criterion) {
    let e = Evidence {
        completeness: 0.9,
        observations: 24,
        newest_evidence_age_hours: Some(5.0),
        track_record_right: 31,
        track_record_total: 40,
        pattern_support: Some(0.8),
        pattern_episodes: 12,
        engine_signals: vec![0.7, 0.75, 0.66],
        items: Vec::new(),
    };
    let w = ConfidenceWeights::default();
    let pairs: Vec<(f64, bool)> = (0..500)
        .map(|i| (f64::from(i % 100) / 100.0, i % 3 != 0))
        .collect();
    let cal = Calibration::fit(&pairs);
    let mut g = c.benchmark_group("reasoning");
    g.bench_function("confidence", |b| {
        b.iter(|| black_box(score(black_box(&e), &w, Some(&cal))))
    });
    g.finish();
}

criterion_group!(benches, confidence);
criterion_main!(benches);
