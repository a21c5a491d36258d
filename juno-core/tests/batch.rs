//! The batch calls a host uses to work in bulk: each gives what the one-at-a-time call
//! gives, item for item, with the same checks and audit.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use chrono::Duration;
use juno_core::config::DatabaseUrl;
use juno_core::governance::{
    Action, ApprovalItem, ApprovalRequest, Governance, Proposal, RequestStatus,
};
use juno_core::memory::{MemoryKind, NewMemory, RecallQuery};
use juno_core::model::{ImpactLevel, Role};
use juno_core::reasoning::{Evidence, EvidenceTable};
use juno_core::{Config, ErrorKind, Juno, ManualClock};
use serde_json::json;

fn engine() -> (Juno, Arc<ManualClock>) {
    let mut config = Config::default();
    config.database_url = DatabaseUrl::Memory;
    let clock = Arc::new(ManualClock::at_millis(1_767_225_600_000));
    (Juno::open(config).unwrap().with_clock(clock.clone()), clock)
}

fn proposal(team: &str, target: &str) -> Proposal {
    Proposal {
        action: Action {
            kind: "reassign".into(),
            team: team.into(),
            target: Some(target.into()),
            parameters: json!({ "assignee": "ana" }),
        },
        impact: ImpactLevel::Low,
        confidence: 0.5,
        explanation: String::new(),
        requester: "juno".into(),
        raw_confidence: None,
        calibration: None,
    }
}

/// A file database whose team `a` has a team lead, `tl`.
fn led_on_file(path: &std::path::Path) -> (Arc<Juno>, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::at_millis(1_767_225_600_000));
    let juno = Arc::new(Juno::open_path(path).unwrap().with_clock(clock.clone()));
    juno.governance()
        .assign_role("tl", Role::TeamLead, &["a"], "admin")
        .unwrap();
    (juno, clock)
}

/// `n` pending requests of team `a` (targets `T-{prefix}{i}`), as stored.
fn submitted(gov: &Governance<'_>, prefix: &str, n: usize) -> Vec<ApprovalRequest> {
    let ids = gov
        .submit_many(
            (0..n)
                .map(|i| proposal("a", &format!("T-{prefix}{i}")))
                .collect(),
        )
        .unwrap();
    ids.iter().map(|id| gov.get(*id).unwrap()).collect()
}

#[test]
fn approve_many_decides_each_item_as_approve_does_and_audits_every_refusal() {
    let (juno, clock) = engine();
    let gov = juno.governance();
    gov.assign_role("tl", Role::TeamLead, &["a"], "admin")
        .unwrap();
    let reqs = submitted(&gov, "", 4);
    // Off the millisecond: the results must hold what is stored, at the stored precision.
    clock.advance(Duration::minutes(5) + Duration::microseconds(250));
    let item = |i: usize, who: &str, digest: &str| ApprovalItem {
        id: reqs[i].id,
        approver: who.into(),
        digest: digest.into(),
    };
    let results = gov
        .approve_many(&[
            item(0, "tl", &reqs[0].digest),
            item(1, "tl", &reqs[0].digest), // the digest of another request
            item(2, "stranger", &reqs[2].digest),
            item(0, "tl", &reqs[0].digest), // decided above, in the same batch
            ApprovalItem {
                id: 999,
                approver: "tl".into(),
                digest: "x".into(),
            },
            item(3, "tl", &reqs[3].digest),
        ])
        .unwrap();
    let kinds: Vec<_> = results
        .iter()
        .map(|r| r.as_ref().map(|q| q.status).map_err(|e| e.kind()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            Ok(RequestStatus::Approved),
            Err(ErrorKind::PermissionDenied),
            Err(ErrorKind::PermissionDenied),
            Err(ErrorKind::InvalidState),
            Err(ErrorKind::NotFound),
            Ok(RequestStatus::Approved),
        ]
    );
    // Each approved result is the request as stored, field for field.
    for r in results.iter().flatten() {
        assert_eq!(r, &gov.get(r.id).unwrap());
    }
    // Stored as reported: the refused ones are still pending, with a `refused` entry each.
    assert_eq!(gov.get(reqs[1].id).unwrap().status, RequestStatus::Pending);
    assert_eq!(gov.get(reqs[3].id).unwrap().status, RequestStatus::Approved);
    for (i, want) in [
        (0, "refused"),
        (1, "refused"),
        (2, "refused"),
        (3, "request_approved"),
    ] {
        let entries = juno
            .audit()
            .entries_for(&format!("request:{}", reqs[i].id))
            .unwrap();
        assert_eq!(entries.last().unwrap().event, want, "request {i}");
    }
    assert!(juno.audit().verify(None).unwrap().ok);
}

#[test]
fn recall_many_returns_what_recall_returns_and_counts_each_access() {
    let (juno, _) = engine();
    let memory = juno.memory();
    for i in 0..6 {
        let kind = if i % 2 == 0 {
            MemoryKind::Semantic
        } else {
            MemoryKind::Procedural
        };
        memory
            .store(NewMemory::new(
                kind,
                "alpha",
                format!("alpha note {i} about deploys"),
            ))
            .unwrap();
    }
    let by_kind = |k| RecallQuery::default().team("alpha").kinds([k]).limit(10);
    let mut untouched = by_kind(MemoryKind::Semantic);
    untouched.touch = false;
    let queries = [
        by_kind(MemoryKind::Semantic),
        by_kind(MemoryKind::Procedural),
        RecallQuery::text("deploys").team("alpha"),
        untouched.clone(),
    ];
    let one_by_one: Vec<Vec<i64>> = queries
        .iter()
        .map(|q| {
            let mut q = q.clone();
            q.touch = false;
            memory
                .recall(&q)
                .unwrap()
                .iter()
                .map(|h| h.memory.id)
                .collect()
        })
        .collect();
    let batch = memory.recall_many(&queries).unwrap();
    let batch_ids: Vec<Vec<i64>> = batch
        .iter()
        .map(|hits| hits.iter().map(|h| h.memory.id).collect())
        .collect();
    assert_eq!(batch_ids, one_by_one);
    // Each semantic memory was returned by the first and third touched queries: two
    // accesses; the untouched fourth query counts none.
    let after = memory.recall(&untouched).unwrap();
    assert!(!after.is_empty());
    for hit in &after {
        assert_eq!(hit.memory.access_count, 2, "memory {}", hit.memory.id);
    }
    let mut bad = by_kind(MemoryKind::Semantic);
    bad.limit = 0;
    let e = memory
        .recall_many(&[by_kind(MemoryKind::Semantic), bad])
        .unwrap_err();
    assert!(e.to_string().contains("queries[1].limit"), "{e}");
}

#[test]
fn confidence_many_and_columns_score_as_confidence_does() {
    let (juno, _) = engine();
    let r = juno.reasoning();
    let evidence: Vec<Evidence> = (0..50u32)
        .map(|i| Evidence {
            completeness: f64::from(i % 10) / 10.0,
            observations: u64::from(i),
            newest_evidence_age_hours: (i % 3 != 0).then(|| f64::from(i) * 2.0),
            track_record_right: u64::from(i % 5),
            track_record_total: 5,
            pattern_support: (i % 4 == 0).then_some(0.6),
            pattern_episodes: u64::from(i % 7),
            engine_signals: vec![0.2 + f64::from(i % 5) / 10.0, 0.7],
            items: vec![],
        })
        .collect();
    let one: Vec<f64> = evidence
        .iter()
        .map(|e| r.confidence(e).unwrap().raw)
        .collect();
    let many: Vec<f64> = r
        .confidence_many(&evidence, None)
        .unwrap()
        .iter()
        .map(|c| c.raw)
        .collect();
    assert_eq!(many, one);
    let table = EvidenceTable::from(&evidence[..]);
    let columns = table.columns();
    assert_eq!(r.confidence_columns(&columns, None).unwrap(), one);
    let mut bad = evidence.clone();
    bad[7].completeness = 2.0;
    let e = r.confidence_many(&bad, None).unwrap_err();
    assert!(e.to_string().contains("evidence[7].completeness"), "{e}");
}

#[test]
fn buffered_accesses_count_at_once_and_reach_the_file_on_flush_and_close() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("juno.db");
    let clock = Arc::new(ManualClock::at_millis(1_767_225_600_000));
    let juno = Juno::open_path(&path).unwrap().with_clock(clock.clone());
    let id = juno
        .memory()
        .store(NewMemory::new(
            MemoryKind::Semantic,
            "alpha",
            "alpha deploys",
        ))
        .unwrap()
        .id;
    let query = RecallQuery::default().team("alpha");
    for _ in 0..3 {
        juno.memory().recall(&query).unwrap();
    }
    // This engine counts the pending accesses; a second one on the file does not yet.
    assert_eq!(juno.memory().get(id).unwrap().access_count, 3);
    let other = Juno::open_path(&path).unwrap();
    assert_eq!(other.memory().get(id).unwrap().access_count, 0);
    juno.memory().flush_accesses().unwrap();
    assert_eq!(other.memory().get(id).unwrap().access_count, 3);
    // A minute later on the engine's clock, the next recall writes them first.
    juno.memory().recall(&query).unwrap();
    clock.advance(Duration::seconds(61));
    juno.memory().recall(&query).unwrap();
    assert_eq!(other.memory().get(id).unwrap().access_count, 4);
    // A clean close writes the rest.
    drop(juno);
    let reopened = Juno::open_path(&path).unwrap();
    let m = reopened.memory().get(id).unwrap();
    assert_eq!(m.access_count, 5);
    assert_eq!(
        m.last_accessed_at.map(|t| t.timestamp_millis()),
        Some(1_767_225_600_000 + 61_000)
    );
}

#[test]
fn concurrent_approvals_share_commits_and_each_is_decided_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("juno.db");
    let (juno, clock) = led_on_file(&path);
    let gov = juno.governance();
    let reqs = submitted(&gov, "", 400);
    clock.advance(Duration::minutes(5));
    // 16 threads approve their share; every request is also approved a second time by
    // another thread, which must be refused (not pending): exactly one outcome each.
    let reqs = Arc::new(reqs);
    let handles: Vec<_> = (0..16)
        .map(|t| {
            let (juno, reqs) = (juno.clone(), reqs.clone());
            std::thread::spawn(move || {
                let mut approved = 0;
                let mut refused = 0;
                for (i, r) in reqs.iter().enumerate() {
                    if i % 16 == t || (i + 1) % 16 == t {
                        match juno.governance().approve(r.id, "tl", &r.digest) {
                            Ok(q) => {
                                assert_eq!(q.status, RequestStatus::Approved);
                                approved += 1;
                            }
                            Err(e) => {
                                assert_eq!(e.kind(), ErrorKind::InvalidState, "{e}");
                                refused += 1;
                            }
                        }
                    }
                }
                (approved, refused)
            })
        })
        .collect();
    let (approved, refused) = handles
        .into_iter()
        .map(|h| h.join().unwrap())
        .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    assert_eq!((approved, refused), (400, 400));
    for r in reqs.iter() {
        let events: Vec<String> = juno
            .audit()
            .entries_for(&format!("request:{}", r.id))
            .unwrap()
            .into_iter()
            .map(|e| e.event)
            .collect();
        assert_eq!(
            events.iter().filter(|e| *e == "request_approved").count(),
            1
        );
        assert_eq!(events.iter().filter(|e| *e == "refused").count(), 1);
    }
    assert!(juno.audit().verify(None).unwrap().ok);
}

/// Durable approvals per second from 16 threads (an experiment, ignored by default):
/// `cargo test --release -p juno-core --test batch -- --ignored --nocapture`.
#[test]
#[ignore = "experiment"]
fn group_commit_throughput() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("juno.db");
    let (juno, clock) = led_on_file(&path);
    let gov = juno.governance();
    let n = 10_000;
    let reqs = Arc::new(submitted(&gov, "", n));
    clock.advance(Duration::minutes(5));
    for threads in [1usize, 16] {
        let juno = Arc::new(Juno::open_path(&path).unwrap().with_clock(clock.clone()));
        let start = std::time::Instant::now();
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (juno, reqs) = (juno.clone(), reqs.clone());
                std::thread::spawn(move || {
                    let share = if threads == 1 { 0..500 } else { 500..n };
                    for (i, r) in reqs[share].iter().enumerate() {
                        if i % threads == t {
                            juno.governance().approve(r.id, "tl", &r.digest).unwrap();
                        }
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        let done = if threads == 1 { 500 } else { n - 500 };
        println!(
            "{threads:>2} threads: {:.0} durable approvals/s",
            done as f64 / start.elapsed().as_secs_f64()
        );
    }
}

#[test]
fn a_decision_returns_the_request_as_stored() {
    let (juno, clock) = engine();
    let gov = juno.governance();
    gov.assign_role("tl", Role::TeamLead, &["a"], "admin")
        .unwrap();
    let reqs = submitted(&gov, "", 2);
    clock.advance(Duration::seconds(90) + Duration::microseconds(731));
    let approved = gov.approve(reqs[0].id, "tl", &reqs[0].digest).unwrap();
    assert_eq!(approved.status, RequestStatus::Approved);
    assert_eq!(approved, gov.get(reqs[0].id).unwrap());
    let rejected = gov.reject(reqs[1].id, "tl", "not this sprint").unwrap();
    assert_eq!(rejected.reason.as_deref(), Some("not this sprint"));
    assert_eq!(rejected, gov.get(reqs[1].id).unwrap());
}

/// What one approval of a 10,000-item `approve_many` costs in the core (an experiment,
/// ignored by default): `cargo test --release -p juno-core --test batch approve_many_cost
/// -- --ignored --nocapture`.
#[test]
#[ignore = "experiment"]
fn approve_many_cost() {
    let dir = tempfile::tempdir().unwrap();
    let (juno, clock) = led_on_file(&dir.path().join("juno.db"));
    let gov = juno.governance();
    for round in 0..3 {
        let n = 10_000;
        let items: Vec<ApprovalItem> = submitted(&gov, &format!("{round}-"), n)
            .into_iter()
            .map(|r| ApprovalItem {
                id: r.id,
                approver: "tl".into(),
                digest: r.digest,
            })
            .collect();
        clock.advance(Duration::minutes(5));
        let start = std::time::Instant::now();
        let out = gov.approve_many(&items).unwrap();
        let spent = start.elapsed();
        assert!(out.iter().all(Result::is_ok));
        println!(
            "approve_many of {n}: {:.2} µs per approval",
            spent.as_secs_f64() * 1e6 / n as f64
        );
    }
}
