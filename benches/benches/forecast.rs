//! `forecast/monte_carlo_10k`: 10,000 trials of one sprint with 10 days left (issue #4
//! target: under 2 ms). Run: `cargo bench -p juno-benches --bench forecast`.
#![allow(clippy::unwrap_used, missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use juno_core::forecast::{MonteCarloInput, monte_carlo};

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

criterion_group!(benches, mc);
criterion_main!(benches);
