//! `cycle/first` and `cycle/steady`: one full agent cycle (`run_cycle`, not a dry run, the
//! recording executor) over a simulated organisation of 50 teams, with about 5,000 open
//! tickets, stored in an SQLite file. Target (issue #9): under 2 s.
//!
//! The organisation is synced into a template database once. `first` runs the first cycle
//! on a fresh copy of it each sample (every finding becomes a proposal, is routed, and the
//! approved ones are executed). `steady` runs later cycles on one database: the proposals
//! are then deduplicated against the open requests, so the cycle analyses everything but
//! submits little. Neither includes the sync (the cycle is given no source).
//! Run: `cargo bench -p juno-benches --bench cycle`.
#![allow(clippy::unwrap_used, missing_docs)]

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use juno_core::agent::{CycleOptions, CycleReport};
use juno_core::executor::RecordingExecutor;
use juno_core::source::sim::{SimSettings, SimSource};
use juno_core::{Juno, ManualClock};

/// 50 teams × 53 backlog tickets, plus each team's unfinished sprint work: about 5,000 open
/// tickets (the run prints the count: `open`).
fn settings() -> SimSettings {
    SimSettings {
        teams: 50,
        backlog_per_team: 53,
        ..SimSettings::default()
    }
}

fn open(path: &Path) -> Juno {
    Juno::open_path(path)
        .unwrap()
        .with_clock(Arc::new(ManualClock::new(settings().end)))
}

fn cycle(juno: &Juno) -> CycleReport {
    let mut executor = RecordingExecutor::new();
    juno.agent()
        .run_cycle(None, &mut executor, &CycleOptions::default())
        .unwrap()
}

fn describe(label: &str, r: &CycleReport, took: Duration) {
    println!(
        "{label}: {took:?}; seen: {} teams, {} tickets, {} open, {} finished sprints; \
         {} proposals, {} skipped, {} executed, {} held; timings_ms {:?}",
        r.seen.teams,
        r.seen.tickets,
        r.seen.open_tickets,
        r.seen.finished_sprints,
        r.proposals.len(),
        r.skipped.len(),
        r.executed.len(),
        r.held.len(),
        r.timings_ms
    );
}

fn fresh_copy(template: &Path, dir: &Path, n: &mut usize) -> PathBuf {
    *n += 1;
    let path = dir.join(format!("c{n}.db"));
    std::fs::copy(template, &path).unwrap();
    path
}

fn remove(path: &Path) {
    for ext in ["db", "db-wal", "db-shm"] {
        let _ = std::fs::remove_file(path.with_extension(ext));
    }
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let template = dir.path().join("template.db");
    {
        let juno = open(&template);
        let mut sim = SimSource::new(settings()).unwrap();
        let t = Instant::now();
        let sync = juno.source().sync(&mut sim).unwrap();
        println!(
            "synced the template in {:?}: {:?}",
            t.elapsed(),
            sync.stored
        );
    }

    // One of each, outside criterion, for the report's counts and per-stage timings.
    let mut n = 0;
    let path = fresh_copy(&template, dir.path(), &mut n);
    let juno = open(&path);
    for label in ["first cycle", "second cycle", "third cycle"] {
        let t = Instant::now();
        let r = cycle(&juno);
        describe(label, &r, t.elapsed());
        if label == "first cycle" {
            // The first cycle's learn stage records every finished sprint (one commit
            // each) and trains the sprint-risk model: time the training alone again.
            let t = Instant::now();
            let retrain = juno.forecast().retrain().unwrap();
            let retrain_ms = t.elapsed().as_secs_f64() * 1e3;
            let recording_ms = r.timings_ms["learn"] - retrain_ms;
            println!(
                "  learn: retrain (run again on its own) {retrain_ms:.1} ms over {} \
                 observations; the rest, {recording_ms:.1} ms, records {} sprints \
                 ({:.3} ms each)",
                retrain.observations,
                r.learned.sprints_recorded,
                recording_ms / r.learned.sprints_recorded as f64
            );
        }
    }
    drop(juno);
    remove(&path);

    let mut g = c.benchmark_group("cycle");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.bench_function("first", |b| {
        b.iter_batched(
            || {
                let path = fresh_copy(&template, dir.path(), &mut n);
                (open(&path), path)
            },
            // Returned, so that closing the database and removing the copy are not timed.
            |(juno, path)| (black_box(cycle(&juno)), juno, path),
            BatchSize::PerIteration,
        );
    });
    let path = fresh_copy(&template, dir.path(), &mut n);
    let juno = open(&path);
    cycle(&juno);
    g.bench_function("steady", |b| b.iter(|| black_box(cycle(&juno))));
    g.finish();
    let t = Instant::now();
    let r = cycle(&juno);
    describe("a steady cycle after the samples", &r, t.elapsed());
}

criterion_group!(benches, bench);
criterion_main!(benches);
