//! The store against real files: processes, threads, damage, versions, backup.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use juno_core::memory::{MemoryKind, NewMemory, RecallQuery};
use juno_core::{ErrorKind, Juno};

fn mem(team: &str, text: &str) -> NewMemory {
    NewMemory::new(MemoryKind::Semantic, team, text)
}

/// Child half of `several_processes_share_one_file`: does nothing unless spawned by it.
#[test]
fn child_writer() {
    let (Ok(db), Ok(who)) = (
        std::env::var("JUNO_CHILD_DB"),
        std::env::var("JUNO_CHILD_ID"),
    ) else {
        return;
    };
    let juno = Juno::open_path(&db).unwrap();
    for i in 0..50 {
        // Many small transactions, so the processes interleave and contend for the lock.
        juno.memory()
            .store(mem(
                &format!("team_{who}"),
                &format!("process {who} note {i}"),
            ))
            .unwrap();
    }
}

#[test]
fn several_processes_share_one_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shared.db");
    // Create it first so the children race on writes, not only on migration.
    drop(Juno::open_path(&db).unwrap());
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..3)
        .map(|i| {
            std::process::Command::new(&exe)
                .args(["--exact", "child_writer", "--nocapture", "--test-threads=1"])
                .env("JUNO_CHILD_DB", &db)
                .env("JUNO_CHILD_ID", i.to_string())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    let juno = Juno::open_path(&db).unwrap();
    let stats = juno.memory().stats().unwrap();
    assert_eq!(stats.total, 150);
    assert_eq!(stats.by_team.len(), 3);
    for i in 0..3 {
        let q = RecallQuery::text(format!("process {i}"))
            .team(format!("team_{i}"))
            .limit(100);
        assert_eq!(juno.memory().recall(&q).unwrap().len(), 50);
    }
    assert!(juno.check().unwrap().ok);
}

#[test]
fn several_threads_share_one_engine() {
    let dir = tempfile::tempdir().unwrap();
    let juno = Arc::new(Juno::open_path(dir.path().join("t.db")).unwrap());
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let juno = Arc::clone(&juno);
            std::thread::spawn(move || {
                for i in 0..25 {
                    juno.memory()
                        .store(mem("team_t", &format!("thread {t} item {i}")))
                        .unwrap();
                    juno.memory()
                        .recall(&RecallQuery::text("thread").team("team_t"))
                        .unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(juno.memory().stats().unwrap().total, 100);
}

#[test]
fn a_file_that_is_not_a_database_is_refused_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    let text = "these are my notes, not a database\n".repeat(200);
    std::fs::write(&path, &text).unwrap();
    let err = Juno::open_path(&path).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotADatabase, "{err}");
    assert!(err.to_string().contains("notes.txt"), "{err}");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        text,
        "the file was changed"
    );
}

#[test]
fn a_newer_schema_is_refused_and_its_data_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.db");
    {
        let juno = Juno::open_path(&path).unwrap();
        juno.memory()
            .store(mem("a", "kept across the refusal"))
            .unwrap();
    }
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
    }
    let err = Juno::open_path(&path).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::SchemaTooNew, "{err}");
    assert!(err.to_string().contains("99"));
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        let n: i64 = conn
            .query_row("SELECT count(*) FROM memories", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 1);
        conn.pragma_update(None, "user_version", juno_core::store::SCHEMA_VERSION)
            .unwrap();
    }
    assert_eq!(
        Juno::open_path(&path)
            .unwrap()
            .memory()
            .stats()
            .unwrap()
            .total,
        1
    );
}

#[test]
fn a_damaged_file_is_reported_not_panicked_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("damaged.db");
    {
        let juno = Juno::open_path(&path).unwrap();
        let items = (0..2000)
            .map(|i| mem("a", &format!("memory number {i} about deploys")))
            .collect();
        juno.memory().store_many(items).unwrap();
        // Fold the WAL into the main file so the damage below hits real pages.
        drop(juno);
    }
    let _ = std::fs::remove_file(dir.path().join("damaged.db-wal"));
    let mut bytes = std::fs::read(&path).unwrap();
    assert!(bytes.len() > 64 * 1024);
    let end = bytes.len() - 4096;
    for b in &mut bytes[8192..end] {
        *b = 0xA5;
    }
    std::fs::write(&path, &bytes).unwrap();
    match Juno::open_path(&path) {
        Err(e) => assert!(
            matches!(e.kind(), ErrorKind::Corrupt | ErrorKind::NotADatabase),
            "{e}"
        ),
        Ok(juno) => {
            let recall = juno.memory().recall(&RecallQuery::text("deploys").limit(5));
            let check = juno.check();
            let reported = recall
                .as_ref()
                .is_err_and(|e| e.kind() == ErrorKind::Corrupt)
                || check.as_ref().is_ok_and(|c| !c.ok)
                || check
                    .as_ref()
                    .is_err_and(|e| e.kind() == ErrorKind::Corrupt);
            assert!(reported, "damage went unnoticed: {recall:?} {check:?}");
        }
    }
}

#[test]
fn a_path_in_a_missing_directory_is_an_io_error() {
    let err = Juno::open_path("/nonexistent-dir-for-juno/x.db").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Io, "{err}");
    assert!(err.to_string().contains("nonexistent-dir-for-juno"));
}

#[test]
fn backup_is_a_working_copy() {
    let dir = tempfile::tempdir().unwrap();
    let juno = Juno::open_path(dir.path().join("live.db")).unwrap();
    juno.memory()
        .store_many((0..100).map(|i| mem("a", &format!("fact {i}"))).collect())
        .unwrap();
    let copy = dir.path().join("copy.db");
    juno.backup(&copy).unwrap();
    juno.memory().store(mem("a", "after the backup")).unwrap();
    let restored = Juno::open_path(&copy).unwrap();
    assert_eq!(restored.memory().stats().unwrap().total, 100);
    assert!(restored.check().unwrap().ok);
    let bad = juno
        .backup(dir.path().join("missing/dir/copy.db"))
        .unwrap_err();
    assert_eq!(bad.kind(), ErrorKind::Io);
}

#[test]
fn migrations_are_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db");
    let juno = Juno::open_path(&path).unwrap();
    assert_eq!(
        juno.store().schema_version().unwrap(),
        juno_core::store::SCHEMA_VERSION
    );
    let report = juno.check().unwrap();
    assert_eq!(report.journal_mode, "wal");
    drop(juno);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let n: i64 = conn
        .query_row("SELECT count(*) FROM schema_migrations", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, juno_core::store::SCHEMA_VERSION);
}

#[test]
fn requests_from_before_calibration_keep_their_confidence_as_the_raw_score() {
    use juno_core::governance::{Action, Proposal};
    use juno_core::model::ImpactLevel;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v4.db");
    let id = {
        let juno = Juno::open_path(&path).unwrap();
        juno.governance()
            .submit(Proposal {
                action: Action {
                    kind: "triage.reassign".into(),
                    team: "alpha".into(),
                    target: Some("ALPHA-1".into()),
                    parameters: serde_json::json!({}),
                },
                impact: ImpactLevel::Medium,
                confidence: 0.42,
                explanation: String::new(),
                requester: "juno".into(),
                raw_confidence: None,
                calibration: None,
            })
            .unwrap()
            .id
    };
    // Back to the version-4 schema, as a database written before calibration looks.
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "DROP TABLE llm_usage;
             DROP TABLE llm_cache;
             DROP TABLE notify_cursor;
             DROP TABLE notify_outbox;
             DROP TABLE delegations;
             ALTER TABLE approval_requests DROP COLUMN on_behalf_of;
             ALTER TABLE approval_requests DROP COLUMN reminders;
             DROP TABLE approval_votes;
             DROP TABLE audit_signed_checkpoints;
             DROP TABLE confidence_calibrations;
             ALTER TABLE approval_requests DROP COLUMN calibration;
             ALTER TABLE approval_requests DROP COLUMN raw_confidence;
             DELETE FROM schema_migrations WHERE version >= 5;
             PRAGMA user_version = 4;",
        )
        .unwrap();
    }
    let juno = Juno::open_path(&path).unwrap();
    assert_eq!(
        juno.store().schema_version().unwrap(),
        juno_core::store::SCHEMA_VERSION
    );
    let r = juno.governance().get(id).unwrap();
    assert_eq!((r.confidence, r.raw_confidence), (0.42, 0.42));
    assert_eq!(r.calibration, None);
    assert!(juno.agent().confidence_calibrations().unwrap().is_empty());
    // Upgraded to the notification outbox: its cursor starts at the log's end, so a channel
    // configured later does not announce the database's history.
    let collected = juno.notify().collect().unwrap();
    assert_eq!(collected.read, 0);
    assert_eq!(collected.cursor, juno.audit().len().unwrap());
    drop(juno);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let stored: Option<f64> = conn
        .query_row(
            "SELECT raw_confidence FROM approval_requests WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored, Some(0.42), "the migration fills the column");
}
