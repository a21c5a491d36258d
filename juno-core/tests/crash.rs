//! Crashes lose nothing (issue #12): a child process writes memories and governance
//! decisions as fast as it can, reporting each one on stdout only after its transaction
//! returned; the parent kills it with SIGKILL at a random moment, twenty times over one
//! database file, and after every kill reopens the file and checks that everything the
//! child reported is there, the file is intact, the audit chain verifies, and no request is
//! half-way through a transition.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use juno_core::governance::{Action, Proposal, RequestStatus};
use juno_core::memory::{MemoryKind, NewMemory};
use juno_core::model::{ImpactLevel, Role};
use juno_core::stats::SplitMix64;
use juno_core::{Config, Juno};

const CHILD_DB: &str = "JUNO_CRASH_CHILD_DB";
const CHILD_ROUND: &str = "JUNO_CRASH_CHILD_ROUND";
/// Set: the child writes memories only (no synced governance commit ever follows them).
const CHILD_MEMORY_ONLY: &str = "JUNO_CRASH_CHILD_MEMORY_ONLY";

fn open(db: &str) -> Juno {
    let mut config = Config::default();
    config.database_url = juno_core::config::DatabaseUrl::Sqlite(db.into());
    Juno::open(config).unwrap()
}

fn proposal(round: &str, i: u64) -> Proposal {
    Proposal {
        action: Action {
            kind: "triage.escalate".into(),
            team: "alpha".into(),
            target: Some(format!("ALPHA-{round}-{i}")),
            parameters: serde_json::json!({ "round": round, "i": i }),
        },
        impact: ImpactLevel::Medium,
        confidence: 0.5,
        explanation: "crash test".into(),
        requester: "juno".into(),
        raw_confidence: None,
        calibration: None,
    }
}

/// Child half of `sigkill_at_random_moments_loses_nothing_reported`: does nothing unless
/// spawned by it. Writes until killed; a line on stdout means "this committed".
#[test]
fn crash_child() {
    let (Ok(db), Ok(round)) = (std::env::var(CHILD_DB), std::env::var(CHILD_ROUND)) else {
        return;
    };
    let juno = open(&db);
    let g = juno.governance();
    let mut out = std::io::stdout().lock();
    for i in 0.. {
        let m = juno
            .memory()
            .store(NewMemory::new(
                MemoryKind::Episodic,
                "alpha",
                format!("round {round} note {i}"),
            ))
            .unwrap();
        writeln!(out, "M {}", m.id).unwrap();
        out.flush().unwrap();
        if std::env::var_os(CHILD_MEMORY_ONLY).is_some() {
            continue;
        }
        let r = g.submit(proposal(&round, i)).unwrap();
        writeln!(out, "S {}", r.id).unwrap();
        out.flush().unwrap();
        match i % 3 {
            0 => {
                g.approve(r.id, "ana", &r.digest).unwrap();
                writeln!(out, "A {}", r.id).unwrap();
            }
            1 => {
                g.reject(r.id, "ana", "not now").unwrap();
                writeln!(out, "R {}", r.id).unwrap();
            }
            _ => continue,
        }
        out.flush().unwrap();
    }
}

/// SIGKILLs `child` after `ms` milliseconds (no destructor, no flush, no unwinding) and
/// returns what it printed.
fn kill_after(child: &mut std::process::Child, ms: u64) -> String {
    std::thread::sleep(Duration::from_millis(ms));
    child.kill().unwrap();
    child.wait().unwrap();
    let mut text = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    text
}

/// The writes a child reported committed, in order: only whole lines count, since a line
/// cut by the kill was never fully reported.
fn reported(text: &str) -> Vec<(&str, i64)> {
    let complete = match text.rfind('\n') {
        Some(end) => &text[..=end],
        None => "",
    };
    complete
        .lines()
        .filter_map(|l| {
            let (tag, id) = l.split_once(' ')?;
            Some((tag, id.parse::<i64>().ok()?))
        })
        .filter(|(tag, _)| matches!(*tag, "M" | "S" | "A" | "R"))
        .collect()
}

#[test]
fn sigkill_at_random_moments_loses_nothing_reported() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crash.db").to_string_lossy().into_owned();
    {
        let juno = open(&db);
        juno.governance()
            .assign_role("ana", Role::TeamLead, &["alpha"], "admin")
            .unwrap();
    }
    let exe = std::env::current_exe().unwrap();
    let mut rng = SplitMix64::new(12);
    let mut totals: BTreeMap<String, usize> = BTreeMap::new();
    let mut rounds_with_writes = 0;
    const KILLS: u32 = 20;
    for round in 0..KILLS {
        let mut child = Command::new(&exe)
            .args(["--exact", "crash_child", "--nocapture", "--test-threads=1"])
            .env(CHILD_DB, &db)
            .env(CHILD_ROUND, round.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // A random moment: anywhere from opening the file to hundreds of writes in.
        let text = kill_after(&mut child, 80 + rng.below(400) as u64);
        let reported = reported(&text);
        if !reported.is_empty() {
            rounds_with_writes += 1;
        }

        let juno = open(&db);
        let check = juno.check().unwrap();
        assert!(check.ok, "round {round}: {:?}", check.messages);
        let audit = juno.audit().verify(None).unwrap();
        assert!(audit.ok, "round {round}: the audit chain does not verify");
        let g = juno.governance();
        for &(tag, id) in &reported {
            match tag {
                "M" => {
                    let m = juno.memory().get(id);
                    assert!(m.is_ok(), "round {round}: memory {id} was reported: {m:?}");
                }
                "S" => {
                    g.get(id).unwrap();
                }
                "A" | "R" => {
                    let r = g.get(id).unwrap();
                    let want = if tag == "A" {
                        RequestStatus::Approved
                    } else {
                        RequestStatus::Rejected
                    };
                    assert_eq!(r.status, want, "round {round}: request {id}");
                    assert!(r.decided_by.is_some() && r.decided_at.is_some(), "{r:?}");
                }
                _ => unreachable!(),
            }
            *totals.entry(tag.to_owned()).or_default() += 1;
        }
        // No request stands half-way: a decided one has its decider and time, a pending
        // one has neither.
        for r in g.pending(None, None).unwrap() {
            assert!(r.decided_by.is_none() && r.decided_at.is_none(), "{r:?}");
        }
        let report = g.compliance_report().unwrap();
        assert!(report.audit_ok);
        assert_eq!(report.violations, 0, "round {round}: {:?}", report.findings);
    }
    let decided = totals.get("A").copied().unwrap_or(0) + totals.get("R").copied().unwrap_or(0);
    eprintln!(
        "{KILLS} kills ({rounds_with_writes} mid-write): {} memories, {} requests and {} \
         decisions reported committed; all present after every kill",
        totals.get("M").copied().unwrap_or(0),
        totals.get("S").copied().unwrap_or(0),
        decided
    );
    // The kills must land mid-work, or the test proves nothing.
    assert!(rounds_with_writes >= KILLS - 2, "{rounds_with_writes}");
    assert!(decided > 0);
}

/// Backups taken while another process writes as fast as it can are each a consistent,
/// openable copy: intact, audit chain verified, no compliance violation, and never
/// holding less than an earlier backup.
#[test]
fn backups_while_a_writer_runs_are_consistent() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("live.db").to_string_lossy().into_owned();
    {
        let juno = open(&db);
        juno.governance()
            .assign_role("ana", Role::TeamLead, &["alpha"], "admin")
            .unwrap();
    }
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "crash_child", "--nocapture", "--test-threads=1"])
        .env(CHILD_DB, &db)
        .env(CHILD_ROUND, "backup")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let live = open(&db);
    let mut last = (0, 0);
    for k in 0..5 {
        std::thread::sleep(Duration::from_millis(150));
        let copy = dir.path().join(format!("backup-{k}.db"));
        live.backup(&copy).unwrap();
        let b = open(&copy.to_string_lossy());
        let check = b.check().unwrap();
        assert!(check.ok, "backup {k}: {:?}", check.messages);
        assert!(b.audit().verify(None).unwrap().ok, "backup {k}");
        assert_eq!(b.governance().compliance_report().unwrap().violations, 0);
        let memories = b.memory().stats().unwrap().total;
        let entries = b.audit().len().unwrap();
        assert!(
            memories >= last.0 && entries >= last.1,
            "backup {k} went back"
        );
        last = (memories, entries);
    }
    child.kill().unwrap();
    child.wait().unwrap();
    // The writer was writing all along: the last backup holds its work.
    assert!(last.0 > 0 && last.1 > 0, "{last:?}");
}

/// Power loss, not just process death: the child runs with `tests/powerloss/shim.c`
/// preloaded, which holds every write to the database and its log in memory until the
/// file is synced, so a SIGKILL loses exactly what was never synced, as a power cut
/// would. Governance runs with `synchronous = FULL`: every request and decision the child
/// reported is there after every cut. Memories are written with `NORMAL`: the ones
/// reported after the last synced commit may be lost (and are counted), but never one
/// reported before a governance write that survived, since the log is replayed as a
/// prefix.
#[test]
fn power_loss_keeps_everything_a_synced_commit_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let shim = dir.path().join("powerloss.so");
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/powerloss/shim.c");
    let built = Command::new("gcc")
        .args([
            "-shared", "-fPIC", "-O1", "-Wall", "-Wextra", "-Werror", "-o",
        ])
        .arg(&shim)
        .arg(&source)
        .arg("-ldl")
        .status()
        .expect("gcc is needed to build the power-loss simulator");
    assert!(built.success());
    let db = dir.path().join("power.db").to_string_lossy().into_owned();
    {
        let juno = open(&db);
        juno.governance()
            .assign_role("ana", Role::TeamLead, &["alpha"], "admin")
            .unwrap();
    }
    let exe = std::env::current_exe().unwrap();
    let mut rng = SplitMix64::new(21);
    let (mut governance, mut memories, mut lost) = (0usize, 0usize, 0usize);
    let (mut alone, mut alone_lost) = (0usize, 0usize);
    const CUTS: u32 = 12;
    for round in 0..CUTS {
        // Every third round writes memories alone: nothing syncs them but a checkpoint,
        // so a cut shows what NORMAL gives up (and that the simulator drops writes).
        let memory_only = round % 3 == 2;
        let mut command = Command::new(&exe);
        command
            .args(["--exact", "crash_child", "--nocapture", "--test-threads=1"])
            .env(CHILD_DB, &db)
            .env(CHILD_ROUND, format!("p{round}"))
            .env("LD_PRELOAD", &shim)
            .env("JUNO_PL_MATCH", &db)
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if memory_only {
            command.env(CHILD_MEMORY_ONLY, "1");
        }
        let mut child = command.spawn().unwrap();
        let text = kill_after(&mut child, 150 + rng.below(400) as u64);
        let reported = reported(&text);
        let juno = open(&db);
        let check = juno.check().unwrap();
        assert!(check.ok, "round {round}: {:?}", check.messages);
        assert!(juno.audit().verify(None).unwrap().ok, "round {round}");
        let g = juno.governance();
        let last_governance = reported.iter().rposition(|(tag, _)| *tag != "M");
        for (i, &(tag, id)) in reported.iter().enumerate() {
            match tag {
                "M" => {
                    let gone = juno.memory().get(id).is_err();
                    if gone {
                        assert!(
                            last_governance.is_none_or(|g| i > g),
                            "round {round}: memory {id} lost though a later synced commit survived"
                        );
                    }
                    if memory_only {
                        alone += 1;
                        alone_lost += usize::from(gone);
                    } else {
                        memories += 1;
                        lost += usize::from(gone);
                    }
                }
                _ => {
                    governance += 1;
                    let r = g.get(id).unwrap_or_else(|e| {
                        panic!("round {round}: request {id} ({tag}) was acknowledged: {e}")
                    });
                    match tag {
                        "A" => assert_eq!(r.status, RequestStatus::Approved, "round {round}"),
                        "R" => assert_eq!(r.status, RequestStatus::Rejected, "round {round}"),
                        _ => {}
                    }
                }
            }
        }
        assert_eq!(
            g.compliance_report().unwrap().violations,
            0,
            "round {round}"
        );
    }
    eprintln!(
        "{CUTS} power cuts: {governance} governance writes acknowledged under FULL, all \
         present; {memories} memory writes between them (NORMAL), {lost} lost (each after \
         the last synced commit); in the memory-only rounds {alone_lost} of {alone} \
         acknowledged memory writes lost"
    );
    assert!(governance > 0 && memories > 0);
    // The simulator drops what was not synced: without a synced commit after them, some
    // acknowledged NORMAL writes are gone (a plain SIGKILL loses none of them).
    assert!(alone_lost > 0, "the power-loss simulator dropped nothing");
}
