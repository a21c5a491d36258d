//! `velocity/10k_teams_52_sprints`: analyse 10,000 teams × 52 sprints (issue #4 target:
//! under 500 ms). Run: `cargo bench -p juno-benches --bench velocity`.
#![allow(clippy::unwrap_used, missing_docs)]

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use juno_benches::Rng;
use juno_core::model::Sprint;
use juno_core::velocity::analyze_teams;

fn velocity(c: &mut Criterion) {
    let mut rng = Rng::new(5);
    let teams: BTreeMap<String, Vec<Sprint>> = (0..10_000)
        .map(|t| {
            let base = 15.0 + rng.unit() * 40.0;
            let drift = (rng.unit() - 0.5) * 0.6;
            let sprints = (0..52)
                .map(|i| {
                    let delivered = base + drift * f64::from(i) + (rng.unit() - 0.5) * base * 0.4;
                    Sprint::with_points(format!("s{i}"), base * 1.1, delivered.max(0.0))
                })
                .collect();
            (format!("team_{t:05}"), sprints)
        })
        .collect();
    let mut g = c.benchmark_group("velocity");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.bench_function("10k_teams_52_sprints", |b| {
        b.iter(|| black_box(analyze_teams(black_box(&teams))))
    });
    g.finish();
}

criterion_group!(benches, velocity);
criterion_main!(benches);
