//! Governance and audit benchmarks (issue #3 targets):
//!
//! - `governance/submit_batch_1000`: submit + route + audit append, 1,000 requests per
//!   transaction (target: at least 20,000 requests/s);
//! - `governance/approve_file`: one approval — authorisation, transition and audit entry,
//!   committed — on a file database (target: p99 under 2 ms; percentiles printed first);
//! - `audit/verify_1M`: re-walk a chain of 1,000,000 entries (target: under 2 s);
//! - `governance/process_deadlines_100k`: 100,000 overdue pending requests (target: under 1 s).
//!
//! Run: `cargo bench -p juno-benches --bench governance`.
#![allow(clippy::unwrap_used, missing_docs)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use juno_benches::{T0, print_percentiles};
use juno_core::governance::{Action, Proposal};
use juno_core::model::{ImpactLevel, Role};
use juno_core::{Juno, ManualClock};

fn request(i: usize) -> Proposal {
    Proposal {
        action: Action {
            kind: "reassign".into(),
            team: format!("team_{:02}", i % 50).into(),
            target: Some(format!("T-{i}")),
            parameters: serde_json::json!({ "assignee": format!("user{}", i % 37) }),
        },
        impact: ImpactLevel::Low,
        confidence: 0.5,
        explanation: "idle for 9 days".into(),
        requester: "juno".into(),
        raw_confidence: None,
        calibration: None,
    }
}

fn open(path: &std::path::Path, at: i64) -> Juno {
    Juno::open_path(path)
        .unwrap()
        .with_clock(Arc::new(ManualClock::at_millis(at)))
}

fn submit(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let juno = open(&dir.path().join("s.db"), T0);
    let mut g = c.benchmark_group("governance");
    g.throughput(Throughput::Elements(1000));
    let mut n = 0;
    g.bench_function("submit_batch_1000", |b| {
        b.iter_batched(
            || {
                n += 1000;
                (n..n + 1000).map(request).collect::<Vec<_>>()
            },
            |batch| black_box(juno.governance().submit_many(batch).unwrap()),
            BatchSize::SmallInput,
        );
    });
    g.finish();
}

fn approve(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.db");
    let juno = open(&path, T0);
    let gov = juno.governance();
    for t in 0..50 {
        gov.assign_role(
            &format!("lead{t:02}"),
            Role::TeamLead,
            &[&format!("team_{t:02}")],
            "admin",
        )
        .unwrap();
    }
    // A realistic history under the decisions: 100,000 earlier requests.
    for chunk in 0..100 {
        gov.submit_many((chunk * 1000..(chunk + 1) * 1000).map(request).collect())
            .unwrap();
    }
    juno.set_clock(Arc::new(ManualClock::at_millis(T0 + 60_000)));
    let pending: Vec<(i64, String, String)> = gov
        .pending(None, None)
        .unwrap()
        .into_iter()
        .map(|r| (r.id, r.digest, format!("lead{}", &r.action.team[5..])))
        .collect();
    let mut next = pending.iter();
    let samples: Vec<Duration> = (0..5000)
        .map(|_| {
            let (id, digest, lead) = next.next().unwrap();
            let t = Instant::now();
            black_box(gov.approve(*id, lead, digest).unwrap());
            t.elapsed()
        })
        .collect();
    print_percentiles(
        "approve_file",
        "approve (authorise + transition + audit, committed, file db)",
        samples,
    );
    let mut g = c.benchmark_group("governance");
    let mut i = 200_000;
    g.bench_function("approve_file", |b| {
        b.iter_batched(
            || {
                // Submitted outside the timed part: one fresh pending request per decision.
                juno.set_clock(Arc::new(ManualClock::at_millis(T0)));
                i += 1;
                let r = gov.submit(request(i)).unwrap();
                juno.set_clock(Arc::new(ManualClock::at_millis(T0 + 60_000)));
                (r.id, r.digest, format!("lead{}", &r.action.team[5..]))
            },
            |(id, digest, lead)| black_box(gov.approve(id, &lead, &digest).unwrap()),
            BatchSize::PerIteration,
        );
    });
    g.finish();
}

fn verify(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let juno = open(&dir.path().join("v.db"), T0);
    // One audit entry per submission: 1,000,000 entries.
    for chunk in 0..100 {
        juno.governance()
            .submit_many(
                (chunk * 10_000..(chunk + 1) * 10_000)
                    .map(request)
                    .collect(),
            )
            .unwrap();
    }
    assert_eq!(juno.audit().len().unwrap(), 1_000_000);
    let mut g = c.benchmark_group("audit");
    g.sample_size(10);
    g.bench_function("verify_1M", |b| {
        b.iter(|| assert!(juno.audit().verify(None).unwrap().ok))
    });
    g.finish();
}

fn deadlines(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let template = dir.path().join("d.db");
    {
        let juno = open(&template, T0);
        for chunk in 0..10 {
            juno.governance()
                .submit_many(
                    (chunk * 10_000..(chunk + 1) * 10_000)
                        .map(request)
                        .collect(),
                )
                .unwrap();
        }
    }
    let mut g = c.benchmark_group("governance");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    let mut n = 0;
    g.bench_function("process_deadlines_100k", |b| {
        b.iter_batched(
            || {
                n += 1;
                let path = dir.path().join(format!("d{n}.db"));
                std::fs::copy(&template, &path).unwrap();
                (path.clone(), open(&path, T0 + 25 * 3_600_000))
            },
            |(path, juno)| {
                let report = juno.governance().process_deadlines().unwrap();
                assert_eq!(report.escalated.len(), 100_000);
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

criterion_group!(benches, submit, approve, deadlines, verify);
criterion_main!(benches);
