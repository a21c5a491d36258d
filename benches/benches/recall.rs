//! Recall benchmarks.
//!
//! - `recall/text_top10_1M`: top-10 with a two-word text query, scoped to one team, among
//!   1,000,000 memories of 100 teams in a file database. Target (issue #2): p99 under 5 ms.
//!   Criterion reports the mean; the p50/p90/p99 of 2,000 timed queries are printed first,
//!   both with access tracking (the default) and for cross-team queries.
//! - `recall/trivial`: a filter-only recall of one memory among three, in memory; the Rust
//!   side of the Python call-overhead figure (`benches/python_overhead.py`).
//!
//! Run: `cargo bench -p juno-benches --bench recall` (builds the 1M database first, ~20 s).
#![allow(clippy::unwrap_used, missing_docs)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use juno_benches::{Rng, T0, build_db, print_percentiles, query_words};
use juno_core::memory::{MemoryKind, NewMemory, RecallQuery};
use juno_core::{Juno, ManualClock};

fn text_recall(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("recall.db");
    let t = Instant::now();
    build_db(&path, 1_000_000, 100, None, 1);
    println!("built 1,000,000 memories of 100 teams in {:?}", t.elapsed());
    let juno = Juno::open_path(&path)
        .unwrap()
        .with_clock(Arc::new(ManualClock::at_millis(T0 + 86_400_000)));
    let mut rng = Rng::new(42);
    let queries: Vec<RecallQuery> = (0..2000)
        .map(|_| {
            RecallQuery::text(query_words(&mut rng)).team(format!("team_{:03}", rng.below(100)))
        })
        .collect();
    // Warm the caches the way a running service is warm.
    for q in queries.iter().take(500) {
        let mut q = q.clone();
        q.touch = false;
        juno.memory().recall(&q).unwrap();
    }
    let timed = |q: &RecallQuery| {
        let t = Instant::now();
        black_box(juno.memory().recall(q).unwrap());
        t.elapsed()
    };
    let samples: Vec<Duration> = queries.iter().map(timed).collect();
    print_percentiles(
        "recall_text_one_team_1M",
        "recall top-10, text, one team, 1M memories (records access)",
        samples,
    );
    let samples: Vec<Duration> = queries
        .iter()
        .take(300)
        .map(|q| {
            let mut q = q.clone();
            q.team = None;
            timed(&q)
        })
        .collect();
    print_percentiles(
        "recall_text_all_teams_1M",
        "recall top-10, text, all teams, 1M memories (records access)",
        samples,
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

criterion_group!(benches, trivial_recall, text_recall);
criterion_main!(benches);
