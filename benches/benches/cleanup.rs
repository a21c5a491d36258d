//! `cleanup/1M_expired`: delete 1,000,000 expired memories from a file database that also
//! holds 100,000 live ones (which must stay searchable). Target (issue #2): under 3 s.
//! Each sample works on a fresh copy of a template database built once (~25 s).
//! `cleanup/2500_expired`: issue #15's workload, 2,500 expired memories beside 2,500 live
//! ones (target: under 2.5 ms).
//! Run: `cargo bench -p juno-benches --bench cleanup`.
#![allow(clippy::unwrap_used, missing_docs)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use juno_benches::{T0, build_db};
use juno_core::{Juno, ManualClock};

fn cleanup(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let template = dir.path().join("template.db");
    let t = Instant::now();
    build_db(&template, 1_000_000, 100, Some(3600), 1);
    build_db(&template, 100_000, 100, None, 99);
    println!(
        "built 1,000,000 expiring + 100,000 lasting memories in {:?}",
        t.elapsed()
    );
    let mut g = c.benchmark_group("cleanup");
    g.sample_size(10).measurement_time(Duration::from_secs(40));
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
                assert_eq!(juno.memory().cleanup().unwrap(), 1_000_000);
                drop(juno);
                for ext in ["db", "db-wal", "db-shm"] {
                    let _ = std::fs::remove_file(path.with_extension(ext));
                }
            },
            BatchSize::PerIteration,
        );
    });
    g.finish();
}

fn cleanup_small(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let template = dir.path().join("small.db");
    build_db(&template, 2_500, 12, Some(3600), 1);
    build_db(&template, 2_500, 12, None, 99);
    let mut g = c.benchmark_group("cleanup");
    g.sample_size(30);
    let mut n = 0;
    g.bench_function("2500_expired", |b| {
        b.iter_batched(
            || {
                n += 1;
                let path = dir.path().join(format!("s{n}.db"));
                std::fs::copy(&template, &path).unwrap();
                let juno = Juno::open_path(&path)
                    .unwrap()
                    .with_clock(Arc::new(ManualClock::at_millis(T0 + 7_200_000)));
                (path, juno)
            },
            // The engine is returned so that closing it (a WAL checkpoint) is not timed;
            // the copies go with the temporary directory.
            |(_path, juno)| {
                assert_eq!(juno.memory().cleanup().unwrap(), 2_500);
                juno
            },
            BatchSize::PerIteration,
        );
    });
    g.finish();
}

criterion_group!(benches, cleanup_small, cleanup);
criterion_main!(benches);
