//! Four processes × four threads on one database file (issue #12), mixed reads and writes
//! for 30 s (`JUNO_CONCURRENCY_SECONDS` changes it): no "database is locked" or any other
//! error reaches a caller, no update is lost, and the throughput is printed.
//!
//! Each thread stores memories, recalls, submits requests and decides them, reads them
//! back, and bumps one memory that all sixteen threads share. Afterwards every write a
//! thread reported is in the file, the shared memory's version counts every bump (an
//! update that read a stale row would lose one), the file is intact and the audit chain
//! verifies.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write as _;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use juno_core::Juno;
use juno_core::governance::{Action, Proposal, RequestStatus};
use juno_core::memory::{MemoryKind, MemoryUpdate, NewMemory, RecallQuery};
use juno_core::model::{ImpactLevel, Role};

const CHILD_DB: &str = "JUNO_CONCURRENCY_CHILD_DB";
const CHILD_PROC: &str = "JUNO_CONCURRENCY_CHILD_PROC";
const CHILD_SHARED: &str = "JUNO_CONCURRENCY_CHILD_SHARED";
const PROCESSES: usize = 4;
const THREADS: usize = 4;

fn seconds() -> u64 {
    std::env::var("JUNO_CONCURRENCY_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30)
}

/// What one thread did, as counts and the ids it was told were committed.
#[derive(Default)]
struct Tally {
    memories: Vec<i64>,
    requests: Vec<i64>,
    decided: Vec<i64>,
    reads: u64,
    bumps: u64,
}

fn proposal(process: usize, thread: usize, i: u64) -> Proposal {
    Proposal {
        action: Action {
            kind: "triage.escalate".into(),
            team: "alpha".into(),
            target: Some(format!("ALPHA-{process}-{thread}-{i}")),
            parameters: serde_json::json!({}),
        },
        impact: ImpactLevel::Medium,
        confidence: 0.5,
        explanation: "concurrency test".into(),
        requester: "juno".into(),
        raw_confidence: None,
        calibration: None,
    }
}

fn work(juno: &Juno, process: usize, thread: usize, shared: i64, until: Instant) -> Tally {
    let mut t = Tally::default();
    let g = juno.governance();
    let mut i = 0u64;
    while Instant::now() < until {
        i += 1;
        let m = juno
            .memory()
            .store(NewMemory::new(
                MemoryKind::Episodic,
                "alpha",
                format!("p{process} t{thread} note {i} deploy"),
            ))
            .unwrap();
        t.memories.push(m.id);
        let hits = juno
            .memory()
            .recall(&RecallQuery::text("deploy").team("alpha").limit(10))
            .unwrap();
        assert!(!hits.is_empty());
        t.reads += 1;
        let r = g.submit(proposal(process, thread, i)).unwrap();
        t.requests.push(r.id);
        if i % 2 == 0 {
            g.approve(r.id, "lea", &r.digest).unwrap();
            t.decided.push(r.id);
        }
        assert_eq!(g.get(r.id).unwrap().id, r.id);
        t.reads += 1;
        juno.memory()
            .update(
                shared,
                MemoryUpdate {
                    text: Some(format!("bumped by p{process} t{thread} at {i}")),
                    ..MemoryUpdate::default()
                },
            )
            .unwrap();
        t.bumps += 1;
    }
    t
}

/// Child half: does nothing unless spawned by the test. Runs four threads on one engine
/// and prints one line per thread: `memories requests decided reads bumps` and the ids.
#[test]
fn concurrency_child() {
    let (Ok(db), Ok(process), Ok(shared)) = (
        std::env::var(CHILD_DB),
        std::env::var(CHILD_PROC),
        std::env::var(CHILD_SHARED),
    ) else {
        return;
    };
    let process: usize = process.parse().unwrap();
    let shared: i64 = shared.parse().unwrap();
    let juno = Arc::new(Juno::open_path(&db).unwrap());
    let until = Instant::now() + Duration::from_secs(seconds());
    let handles: Vec<_> = (0..THREADS)
        .map(|thread| {
            let juno = juno.clone();
            std::thread::spawn(move || work(&juno, process, thread, shared, until))
        })
        .collect();
    let mut out = std::io::stdout().lock();
    for h in handles {
        let t = h.join().unwrap();
        let ids = |v: &[i64]| v.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        writeln!(
            out,
            "TALLY {} {} {} {}|{}|{}",
            t.reads,
            t.bumps,
            t.memories.len(),
            ids(&t.memories),
            ids(&t.requests),
            ids(&t.decided)
        )
        .unwrap();
    }
}

fn parse(list: &str) -> Vec<i64> {
    list.split(',')
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect()
}

#[test]
fn four_processes_of_four_threads_lose_nothing_and_never_see_a_lock() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shared.db");
    let shared = {
        let juno = Juno::open_path(&db).unwrap();
        juno.governance()
            .assign_role("lea", Role::TeamLead, &["alpha"], "admin")
            .unwrap();
        juno.memory()
            .store(NewMemory::new(MemoryKind::Semantic, "alpha", "shared"))
            .unwrap()
            .id
    };
    let exe = std::env::current_exe().unwrap();
    let started = Instant::now();
    let children: Vec<_> = (0..PROCESSES)
        .map(|p| {
            Command::new(&exe)
                .args([
                    "--exact",
                    "concurrency_child",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env(CHILD_DB, &db)
                .env(CHILD_PROC, p.to_string())
                .env(CHILD_SHARED, shared.to_string())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let (mut memories, mut requests, mut decided) = (Vec::new(), Vec::new(), Vec::new());
    let (mut reads, mut bumps) = (0u64, 0u64);
    for c in children {
        let out = c.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        // Any error a caller saw (a lock included) panicked a thread and fails the child.
        assert!(out.status.success(), "a process failed:\n{stderr}");
        assert!(!stderr.contains("locked"), "{stderr}");
        let stdout = String::from_utf8(out.stdout).unwrap();
        // The test harness may print its own words before ours on a line.
        let lines: Vec<&str> = stdout
            .lines()
            .filter_map(|l| l.find("TALLY ").map(|at| &l[at + 6..]))
            .collect();
        assert_eq!(lines.len(), THREADS, "{stdout}");
        for line in lines {
            let mut parts = line.split('|');
            let head: Vec<&str> = parts.next().unwrap().split(' ').collect();
            reads += head[0].parse::<u64>().unwrap();
            bumps += head[1].parse::<u64>().unwrap();
            memories.extend(parse(head[3]));
            requests.extend(parse(parts.next().unwrap()));
            decided.extend(parse(parts.next().unwrap()));
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let juno = Juno::open_path(&db).unwrap();
    for id in &memories {
        juno.memory().get(*id).unwrap();
    }
    let g = juno.governance();
    for id in &requests {
        g.get(*id).unwrap();
    }
    for id in &decided {
        assert_eq!(g.get(*id).unwrap().status, RequestStatus::Approved);
    }
    // Every bump was a read-modify-write of the same row: none lost.
    let bumped = juno.memory().get(shared).unwrap();
    assert_eq!(u64::from(bumped.version), 1 + bumps, "updates lost");
    assert!(juno.check().unwrap().ok);
    assert!(juno.audit().verify(None).unwrap().ok);
    assert_eq!(
        juno.memory().stats().unwrap().total as usize,
        memories.len() + 1
    );
    let writes = memories.len() + requests.len() + decided.len() + bumps as usize;
    println!(
        "{PROCESSES} processes × {THREADS} threads for {elapsed:.1} s: {} memories, {} requests, \
         {} approvals, {bumps} updates of one shared memory ({writes} writes, {:.0}/s) and \
         {reads} reads ({:.0}/s); no error reached a caller, no update was lost",
        memories.len(),
        requests.len(),
        decided.len(),
        writes as f64 / elapsed,
        reads as f64 / elapsed
    );
}
