//! `store_many/100k`: store 100,000 memories of 100 teams in one call into a file database.
//! Target (issue #2): under 1 s. Run: `cargo bench -p juno-benches --bench store_many`.
#![allow(clippy::unwrap_used, missing_docs)]

use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use juno_benches::corpus;
use juno_core::Juno;

fn store_many(c: &mut Criterion) {
    let mut g = c.benchmark_group("store_many");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    let items = corpus(7, 100_000, 100, None);
    g.bench_function("100k", |b| {
        b.iter_batched(
            || {
                let dir = tempfile::tempdir().unwrap();
                let juno = Juno::open_path(dir.path().join("s.db")).unwrap();
                (dir, juno, items.clone())
            },
            |(dir, juno, items)| {
                juno.memory().store_many(items).unwrap();
                (dir, juno)
            },
            BatchSize::PerIteration,
        );
    });
    g.finish();
}

criterion_group!(benches, store_many);
criterion_main!(benches);
