//! A full disk and a read-only file system (issue #12): each gives a clear, typed error, no
//! panic, and what was committed before stays readable.
//!
//! Both need a small file system of their own, so the test mounts a tmpfs, which needs
//! root (or CAP_SYS_ADMIN). Without it the test says so and passes, unless
//! `JUNO_REQUIRE_MOUNT=1` (which `tests/run-all.sh` sets when it runs as root) makes that a
//! failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use juno_core::memory::{MemoryKind, NewMemory};
use juno_core::model::Role;
use juno_core::{Error, Juno};

/// A tmpfs of `size` mounted on a fresh directory, unmounted on drop.
struct Mount {
    dir: tempfile::TempDir,
}

impl Mount {
    fn new(size: &str) -> Option<Mount> {
        let dir = tempfile::tempdir().unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            assert!(
                std::env::var("JUNO_REQUIRE_MOUNT").as_deref() != Ok("1"),
                "cannot mount a tmpfs, and JUNO_REQUIRE_MOUNT=1"
            );
            eprintln!("skipped: mounting a tmpfs needs root (set JUNO_REQUIRE_MOUNT=1 to fail)");
            return None;
        }
        Some(Mount { dir })
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn remount(&self, opts: &str) {
        let s = Command::new("mount")
            .args(["-o", &format!("remount,{opts}")])
            .arg(self.dir.path())
            .status()
            .unwrap();
        assert!(s.success(), "remount {opts}");
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

fn note(juno: &Juno, i: usize, size: usize) -> Result<i64, Error> {
    let text = format!("note {i} {}", "lorem ipsum dolor ".repeat(size / 18));
    juno.memory()
        .store(NewMemory::new(MemoryKind::Episodic, "alpha", text))
        .map(|m| m.id)
}

fn count(path: &Path) -> u64 {
    Juno::open_path(path)
        .unwrap()
        .memory()
        .stats()
        .unwrap()
        .total
}

#[test]
fn a_full_disk_is_a_clear_error_and_loses_nothing_committed() {
    let Some(m) = Mount::new("3m") else { return };
    let db = m.path("full.db");
    let juno = Juno::open_path(&db).unwrap();
    juno.governance()
        .assign_role("ana", Role::TeamLead, &["alpha"], "admin")
        .unwrap();
    let mut committed = Vec::new();
    let err = loop {
        match note(&juno, committed.len(), 4000) {
            Ok(id) => committed.push(id),
            Err(e) => break e,
        }
        assert!(committed.len() < 100_000, "the 3 MiB disk never filled");
    };
    assert!(!committed.is_empty());
    eprintln!("after {} memories: {err}", committed.len());
    // Typed and worded for a person: the disk is full, not a panic or a generic failure.
    assert!(
        matches!(&err, Error::Storage { message } | Error::Io { message, .. }
            if message.contains("full")),
        "{err:?}"
    );
    // The engine keeps answering: everything committed is there, and reads still work.
    for id in &committed {
        assert!(juno.memory().get(*id).is_ok());
    }
    assert!(juno.check().unwrap().ok);
    assert!(juno.audit().verify(None).unwrap().ok);
    drop(juno);
    // Room again (a bigger disk): the file opens, intact, with every committed memory, and
    // takes writes.
    m.remount("size=64m");
    assert_eq!(count(&db), committed.len() as u64);
    let juno = Juno::open_path(&db).unwrap();
    assert!(juno.check().unwrap().ok);
    note(&juno, 0, 10).unwrap();
}

#[test]
fn a_read_only_file_system_is_a_clear_error_and_keeps_the_data() {
    let Some(m) = Mount::new("16m") else { return };
    let db = m.path("ro.db");
    {
        let juno = Juno::open_path(&db).unwrap();
        for i in 0..10 {
            note(&juno, i, 100).unwrap();
        }
    }
    m.remount("ro");
    match Juno::open_path(&db) {
        // Opened for reading: what was committed reads back, and a write is refused by
        // type, naming the problem.
        Ok(juno) => {
            assert_eq!(juno.memory().stats().unwrap().total, 10);
            let err = note(&juno, 11, 10).unwrap_err();
            assert!(
                matches!(&err, Error::Io { message, .. } | Error::Storage { message }
                    if message.contains("read")),
                "{err:?}"
            );
        }
        // Refused by type, naming the file and the read-only file system; then the data
        // is still there to copy out: a restore reads it without writing beside it.
        Err(e) => {
            eprintln!("{e}");
            assert!(
                matches!(&e, Error::Io { path, message } if path.ends_with("ro.db")
                    && message.contains("read-only file system")),
                "{e:?}"
            );
            let elsewhere = tempfile::tempdir().unwrap();
            let copy = elsewhere.path().join("copy.db");
            assert_eq!(Juno::restore(&db, &copy).unwrap().memories, 10);
        }
    }
    m.remount("rw");
    assert_eq!(count(&db), 10);
}
