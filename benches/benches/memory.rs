//! Memory-layer benchmarks, one per user-visible operation with a target in issue #2:
//!
//! - `store_many/100k`: store 100,000 memories in one call (target: under 1 s);
//! - `recall/text_top10_1M`: recall top-10 with a text query among 1,000,000 memories of
//!   100 teams (target: p99 under 5 ms; the percentiles are printed before criterion runs);
//! - `cleanup/1M_expired`: delete 1,000,000 expired memories from a store that also keeps
//!   100,000 live ones (target: under 3 s);
//! - `recall/trivial`: the trivial recall the Python overhead figure compares against.
//!
//! Run: `cargo bench -p juno-benches --bench memory`. The 1M-memory database is built once
//! per run in a temporary directory (about a minute) and copied for each cleanup sample.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use juno_benches::{Rng, corpus, query_words};
use juno_core::memory::{MemoryKind, NewMemory, RecallQuery};
use juno_core::{Juno, ManualClock};

const T0: i64 = 1_767_225_600_000;

fn build_db(path: &Path, n: usize, teams: usize, ttl: Option<i64>) {
    let juno = Juno::open_path(path)
        .unwrap()
        .with_clock(Arc::new(ManualClock::at_millis(T0)));
    let chunk = 100_000;
    let mut seed = 1;
    let mut left = n;
    while left > 0 {
        let k = left.min(chunk);
        juno.memory()
            .store_many(corpus(seed, k, teams, ttl))
            .unwrap();
        seed += 1;
        left -= k;
    }
}

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

fn percentiles(label: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let at = |p: f64| samples[((samples.len() as f64 - 1.0) * p).round() as usize];
    println!(
        "{label}: n={} p50={:?} p90={:?} p99={:?} max={:?}",
        samples.len(),
        at(0.50),
        at(0.90),
        at(0.99),
        at(1.0)
    );
}

fn recall(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("recall.db");
    let t = Instant::now();
    build_db(&path, 1_000_000, 100, None);
    println!("built 1,000,000 memories of 100 teams in {:?}", t.elapsed());
    let juno = Juno::open_path(&path)
        .unwrap()
        .with_clock(Arc::new(ManualClock::at_millis(T0 + 86_400_000)));
    let mut rng = Rng::new(42);
    let queries: Vec<RecallQuery> = (0..2000)
        .map(|_| {
            let mut q = RecallQuery::text(query_words(&mut rng))
                .team(format!("team_{:03}", rng.below(100)));
            q.limit = 10;
            q
        })
        .collect();
    // Warm the page cache the way a running service would be.
    for q in queries.iter().take(200) {
        juno.memory().recall(q).unwrap();
    }
    let samples: Vec<Duration> = queries
        .iter()
        .map(|q| {
            let t = Instant::now();
            black_box(juno.memory().recall(q).unwrap());
            t.elapsed()
        })
        .collect();
    percentiles(
        "recall top-10, text query, team scope, 1M memories",
        samples,
    );
    let unscoped: Vec<Duration> = queries
        .iter()
        .take(300)
        .map(|q| {
            let mut q = q.clone();
            q.team = None;
            let t = Instant::now();
            black_box(juno.memory().recall(&q).unwrap());
            t.elapsed()
        })
        .collect();
    percentiles(
        "recall top-10, text query, all teams, 1M memories",
        unscoped,
    );

    let mut g = c.benchmark_group("recall");
    let mut i = 0;
    g.bench_function("text_top10_1M", |b| {
        b.iter(|| {
            i = (i + 1) % queries.len();
            black_box(juno.memory().recall(&queries[i]).unwrap())
        });
    });
    g.finish();
}

fn trivial_recall(c: &mut Criterion) {
    let juno = Juno::open_in_memory().unwrap();
    juno.memory()
        .store_many(
            (0..3)
                .map(|i| NewMemory::new(MemoryKind::Semantic, "team_a", format!("note {i}")))
                .collect(),
        )
        .unwrap();
    let mut q = RecallQuery::default().team("team_a").limit(1);
    q.touch = false;
    let mut g = c.benchmark_group("recall");
    g.bench_function("trivial", |b| {
        b.iter(|| black_box(juno.memory().recall(&q).unwrap()))
    });
    g.finish();
}

fn cleanup(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let template = dir.path().join("template.db");
    let t = Instant::now();
    build_db(&template, 1_000_000, 100, Some(3600));
    // Plus 100,000 that stay, so cleanup has survivors to keep searchable.
    {
        let juno = Juno::open_path(&template)
            .unwrap()
            .with_clock(Arc::new(ManualClock::at_millis(T0)));
        juno.memory()
            .store_many(corpus(99, 100_000, 100, None))
            .unwrap();
    }
    println!(
        "built 1,000,000 expiring + 100,000 lasting memories in {:?}",
        t.elapsed()
    );
    let mut g = c.benchmark_group("cleanup");
    g.sample_size(10).measurement_time(Duration::from_secs(30));
    let mut n = 0;
    g.bench_function("1M_expired", |b| {
        b.iter_batched(
            || {
                n += 1;
                let path = dir.path().join(format!("c{n}.db"));
                std::fs::copy(&template, &path).unwrap();
                let juno = Juno::open_path(&path)
                    .unwrap()
                    .with_clock(Arc::new(ManualClock::at_millis(T0 + 7_200_000)));
                (path, juno)
            },
            |(path, juno)| {
                let deleted = juno.memory().cleanup().unwrap();
                assert_eq!(deleted, 1_000_000);
                drop(juno);
                let _ = std::fs::remove_file(&path);
                let _ = std::fs::remove_file(path.with_extension("db-wal"));
                let _ = std::fs::remove_file(path.with_extension("db-shm"));
            },
            BatchSize::PerIteration,
        );
    });
    g.finish();
}

criterion_group!(benches, trivial_recall, store_many, recall, cleanup);
criterion_main!(benches);
