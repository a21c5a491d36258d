//! `Juno::restore` (issue #12): a backup is checked — integrity, schema version, audit
//! chain — before anything at the target is replaced; a refused backup leaves the target
//! and the backup byte for byte as they were; what a restore replaces is kept.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use juno_core::governance::{Action, Proposal};
use juno_core::memory::{MemoryKind, NewMemory};
use juno_core::model::{ImpactLevel, Role};
use juno_core::{Error, Juno};

fn proposal(i: usize) -> Proposal {
    Proposal {
        action: Action {
            kind: "triage.escalate".into(),
            team: "alpha".into(),
            target: Some(format!("ALPHA-{i}")),
            parameters: serde_json::json!({ "i": i }),
        },
        impact: ImpactLevel::Medium,
        confidence: 0.5,
        explanation: "restore test".into(),
        requester: "juno".into(),
        raw_confidence: None,
        calibration: None,
    }
}

/// A database with `n` memories and `n` requests, every other one approved, and its
/// backup taken at that moment. Returns (live path, backup path).
fn populated(dir: &Path, n: usize) -> (PathBuf, PathBuf) {
    let live = dir.join("live.db");
    let backup = dir.join("backup.db");
    let juno = Juno::open_path(&live).unwrap();
    let g = juno.governance();
    g.assign_role("ana", Role::TeamLead, &["alpha"], "admin")
        .unwrap();
    for i in 0..n {
        juno.memory()
            .store(NewMemory::new(
                MemoryKind::Episodic,
                "alpha",
                format!("note {i}"),
            ))
            .unwrap();
        let r = g.submit(proposal(i)).unwrap();
        if i % 2 == 0 {
            g.approve(r.id, "ana", &r.digest).unwrap();
        }
    }
    juno.backup(&backup).unwrap();
    (live, backup)
}

fn digest(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap()
}

/// Files in `dir` other than the ones named.
fn strays(dir: &Path, known: &[&Path]) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| !known.contains(&p.as_path()))
        .map(|p| p.display().to_string())
        .collect()
}

#[test]
fn a_backup_restores_into_a_new_file_with_everything_in_it() {
    let dir = tempfile::tempdir().unwrap();
    let (live, backup) = populated(dir.path(), 20);
    let root = Juno::open_path(&live)
        .unwrap()
        .audit()
        .verify(None)
        .unwrap()
        .root;
    let before = digest(&backup);
    let target = dir.path().join("restored.db");
    let report = Juno::restore(&backup, &target).unwrap();
    assert_eq!(report.previous, "absent");
    assert_eq!(report.previous_kept_at, None);
    assert_eq!(report.memories, 20);
    assert!(report.integrity.ok);
    assert_eq!(report.audit_root, root);
    assert_eq!(report.schema_version, juno_core::store::SCHEMA_VERSION);
    assert_eq!(digest(&backup), before, "the backup is only read");
    let j = Juno::open_path(&target).unwrap();
    assert_eq!(j.memory().stats().unwrap().total, 20);
    assert_eq!(j.audit().verify(None).unwrap().root, root);
    assert_eq!(j.governance().pending(None, None).unwrap().len(), 10);
    assert!(j.governance().get(20).is_ok());
}

/// A readable target is kept as a copy, then has its pages replaced in place: a handle
/// another part of the host still holds reads the restored content next, and the copy
/// holds what was replaced.
#[test]
fn a_readable_target_is_kept_and_open_handles_see_the_restore() {
    let dir = tempfile::tempdir().unwrap();
    let (live, backup) = populated(dir.path(), 10);
    let open_elsewhere = Juno::open_path(&live).unwrap();
    for i in 0..5 {
        open_elsewhere
            .memory()
            .store(NewMemory::new(
                MemoryKind::Episodic,
                "alpha",
                format!("after the backup {i}"),
            ))
            .unwrap();
    }
    assert_eq!(open_elsewhere.memory().stats().unwrap().total, 15);
    let report = Juno::restore(&backup, &live).unwrap();
    assert_eq!(report.previous, "saved");
    let kept = PathBuf::from(report.previous_kept_at.unwrap());
    assert!(
        kept.file_name()
            .unwrap()
            .to_string_lossy()
            .contains("before-restore-")
    );
    assert_eq!(open_elsewhere.memory().stats().unwrap().total, 10);
    assert!(open_elsewhere.check().unwrap().ok);
    assert!(open_elsewhere.audit().verify(None).unwrap().ok);
    // The handle keeps working on the restored file.
    open_elsewhere
        .memory()
        .store(NewMemory::new(
            MemoryKind::Episodic,
            "alpha",
            "after the restore",
        ))
        .unwrap();
    drop(open_elsewhere);
    assert_eq!(
        Juno::open_path(&live)
            .unwrap()
            .memory()
            .stats()
            .unwrap()
            .total,
        11
    );
    assert_eq!(
        Juno::open_path(&kept)
            .unwrap()
            .memory()
            .stats()
            .unwrap()
            .total,
        15
    );
}

/// A target too damaged to read is renamed aside, never deleted, and the restored file
/// takes its place.
#[test]
fn an_unreadable_target_is_moved_aside() {
    let dir = tempfile::tempdir().unwrap();
    let (_, backup) = populated(dir.path(), 4);
    let target = dir.path().join("broken.db");
    std::fs::write(
        &target,
        b"this is not a database, it was overwritten by accident",
    )
    .unwrap();
    let report = Juno::restore(&backup, &target).unwrap();
    assert_eq!(report.previous, "moved_aside");
    let kept = PathBuf::from(report.previous_kept_at.unwrap());
    assert_eq!(
        std::fs::read(&kept).unwrap(),
        b"this is not a database, it was overwritten by accident"
    );
    assert_eq!(
        Juno::open_path(&target)
            .unwrap()
            .memory()
            .stats()
            .unwrap()
            .total,
        4
    );
}

/// Every refused backup names why, and leaves the target, the backup and the directory
/// exactly as they were.
#[test]
fn bad_backups_are_refused_before_anything_changes() {
    let dir = tempfile::tempdir().unwrap();
    let (live, good) = populated(dir.path(), 6);
    let bad = |name: &str, make: &dyn Fn(&Path)| {
        let p = dir.path().join(name);
        std::fs::copy(&good, &p).unwrap();
        make(&p);
        p
    };
    let sql = |sql: &'static str| {
        move |p: &Path| {
            rusqlite::Connection::open(p)
                .unwrap()
                .execute_batch(sql)
                .unwrap()
        }
    };
    let newer = bad("newer.db", &sql("PRAGMA user_version = 9999"));
    let tampered = bad(
        "tampered.db",
        &sql("DROP TRIGGER audit_log_no_update; \
             UPDATE audit_log SET actor = 'mallory' WHERE seq = 3"),
    );
    let torn = bad("torn.db", &|p: &Path| {
        // Keep the header, scribble over the pages after it.
        let mut bytes = std::fs::read(p).unwrap();
        let n = bytes.len();
        for b in &mut bytes[4096..n.min(4096 * 6)] {
            *b = 0xA5;
        }
        std::fs::write(p, bytes).unwrap();
    });
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "not a database").unwrap();
    let empty = dir.path().join("empty.db");
    rusqlite::Connection::open(&empty)
        .unwrap()
        .execute_batch("CREATE TABLE other_app (x); INSERT INTO other_app VALUES (1);")
        .unwrap();
    let missing = dir.path().join("missing.db");

    let live_before = digest(&live);
    let mut known: Vec<PathBuf> = vec![
        live.clone(),
        good.clone(),
        newer.clone(),
        tampered.clone(),
        torn.clone(),
        text.clone(),
        empty.clone(),
    ];
    for ext in ["-wal", "-shm"] {
        known.push(PathBuf::from(format!("{}{ext}", live.display())));
    }
    type Expect<'a> = &'a dyn Fn(&Error) -> bool;
    let cases: Vec<(&Path, Expect)> = vec![
        (&newer, &|e| {
            matches!(e, Error::SchemaTooNew { found: 9999, .. })
        }),
        (
            &tampered,
            &|e| matches!(e, Error::Corrupt { detail } if detail.contains("audit chain")),
        ),
        (&torn, &|e| {
            matches!(e, Error::Corrupt { .. } | Error::NotADatabase { .. })
        }),
        (
            &text,
            &|e| matches!(e, Error::NotADatabase { path } if path.ends_with("notes.txt")),
        ),
        (
            &empty,
            &|e| matches!(e, Error::InvalidInput { field, .. } if field == "backup"),
        ),
        (
            &missing,
            &|e| matches!(e, Error::Io { path, .. } if path.ends_with("missing.db")),
        ),
        (
            &live,
            &|e| matches!(e, Error::InvalidInput { field, .. } if field == "backup"),
        ),
    ];
    for (backup, expected) in cases {
        let backup_before = std::fs::read(backup).ok();
        let err = Juno::restore(backup, &live).unwrap_err();
        assert!(expected(&err), "{}: {err:?}", backup.display());
        assert_eq!(
            std::fs::read(backup).ok(),
            backup_before,
            "{}",
            backup.display()
        );
        assert_eq!(
            digest(&live),
            live_before,
            "{}: target changed",
            backup.display()
        );
        let known: Vec<&Path> = known.iter().map(PathBuf::as_path).collect();
        assert_eq!(strays(dir.path(), &known), Vec::<String>::new());
    }
    // The good backup still restores.
    assert_eq!(Juno::restore(&good, &live).unwrap().memories, 6);
}

/// The files around a restore: a log left by a deleted database is kept aside instead of
/// being replayed into the restored one; a symlinked target is restored where it points;
/// restored and kept files are as private as the file they replace; no scratch file stays.
#[test]
fn files_around_the_target_are_handled() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let (live, backup) = populated(dir.path(), 3);
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;

    // A deleted database's stray log.
    let gone = dir.path().join("gone.db");
    std::fs::write(
        dir.path().join("gone.db-wal"),
        b"a log of some other database",
    )
    .unwrap();
    let report = Juno::restore(&backup, &gone).unwrap();
    assert_eq!(report.previous, "moved_aside");
    let kept = PathBuf::from(report.previous_kept_at.unwrap());
    assert_eq!(
        std::fs::read(format!("{}-wal", kept.display())).unwrap(),
        b"a log of some other database"
    );
    assert_eq!(
        Juno::open_path(&gone)
            .unwrap()
            .memory()
            .stats()
            .unwrap()
            .total,
        3
    );

    // A private database behind a symlink.
    std::fs::set_permissions(&live, std::fs::Permissions::from_mode(0o600)).unwrap();
    let link = dir.path().join("link.db");
    std::os::unix::fs::symlink(&live, &link).unwrap();
    Juno::open_path(&live)
        .unwrap()
        .memory()
        .store(NewMemory::new(MemoryKind::Episodic, "alpha", "newer"))
        .unwrap();
    let report = Juno::restore(&backup, &link).unwrap();
    assert_eq!(report.previous, "saved");
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        Juno::open_path(&live)
            .unwrap()
            .memory()
            .stats()
            .unwrap()
            .total,
        3
    );
    let kept = PathBuf::from(report.previous_kept_at.unwrap());
    assert_eq!(
        mode(&kept),
        0o600,
        "the kept copy is as private as the original"
    );
    assert_eq!(mode(&live), 0o600);

    // A private, damaged database replaced by rename keeps its privacy.
    let broken = dir.path().join("broken.db");
    std::fs::write(&broken, vec![7u8; 8192]).unwrap();
    std::fs::set_permissions(&broken, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(
        Juno::restore(&backup, &broken).unwrap().previous,
        "moved_aside"
    );
    assert_eq!(
        mode(&broken),
        0o600,
        "the restored file took the old one's mode"
    );

    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().all(|n| !n.contains(".restore-")),
        "scratch files left: {names:?}"
    );
}
