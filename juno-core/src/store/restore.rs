//! The file half of `juno db restore`: copying a backup without touching it, and putting a
//! checked copy in place of a database that may be open elsewhere.
//!
//! The checks themselves (integrity, schema, audit chain) run on an opened [`crate::Juno`]
//! in [`crate::Juno::restore`]; this module only moves pages.

use std::path::{Path, PathBuf};
use std::time::Duration as StdDuration;

use rusqlite::{Connection, OpenFlags};

use super::BUSY_TIMEOUT;
use crate::error::{Error, Result};

/// What was at the target before a restore, and where it went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Previous {
    /// There was no database at the target.
    Absent,
    /// The database was readable: a copy of it was saved to this path, then its pages were
    /// replaced in place (connections elsewhere see the restored content on their next read).
    Saved(PathBuf),
    /// The file could not be read as a database: it (and its `-wal`/`-shm`) was renamed to
    /// this path and the restored file put in its place.
    MovedAside(PathBuf),
}

fn io(path: &Path) -> impl Fn(rusqlite::Error) -> Error + '_ {
    move |e| Error::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// Copies the database at `from` to a new file `to` with SQLite's online backup, opening
/// `from` read-only so that the backup itself is never changed (not even by a migration).
/// Returns the schema version recorded in `from`.
///
/// # Errors
/// [`Error::Io`] if `from` is missing or `to` cannot be written, [`Error::NotADatabase`] if
/// `from` is not an SQLite file.
pub(crate) fn copy_read_only(from: &Path, to: &Path) -> Result<i64> {
    if !from.is_file() {
        return Err(Error::Io {
            path: from.display().to_string(),
            message: "no such file".into(),
        });
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    // A backup without a write-ahead log is opened `immutable`: no locks, and no `-wal` or
    // `-shm` files left beside it. One that has a log (a copy of a live file) must be read
    // through it.
    let wal = PathBuf::from(format!("{}-wal", from.display()));
    let source = if wal.exists() {
        Connection::open_with_flags(from, flags)
    } else {
        Connection::open_with_flags(format!("file:{}?immutable=1", uri_path(from)), flags)
    }
    .map_err(io(from))?;
    source.busy_timeout(BUSY_TIMEOUT)?;
    // The first read of the file: a non-database fails here, with its own path.
    let version: i64 = source
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| match Error::from(e) {
            Error::NotADatabase { .. } => Error::NotADatabase {
                path: from.display().to_string(),
            },
            other => other,
        })?;
    let mut target = Connection::open(to).map_err(io(to))?;
    {
        let backup = rusqlite::backup::Backup::new(&source, &mut target).map_err(io(to))?;
        backup
            .run_to_completion(1024, StdDuration::from_millis(5), None)
            .map_err(io(to))?;
    }
    Ok(version)
}

/// `path` as the path part of an SQLite `file:` URI (`%`, `?` and `#` escaped).
fn uri_path(path: &Path) -> String {
    let mut out = String::new();
    for c in path.display().to_string().chars() {
        match c {
            '%' => out.push_str("%25"),
            '?' => out.push_str("%3f"),
            '#' => out.push_str("%23"),
            c => out.push(c),
        }
    }
    out
}

/// A path beside `target` that does not exist yet, ending in `suffix` (and a counter when
/// needed), for keeping what a restore replaces.
fn free_path(target: &Path, suffix: &str) -> PathBuf {
    let base = target.as_os_str().to_string_lossy().into_owned();
    let mut n = 0u32;
    loop {
        let p = if n == 0 {
            PathBuf::from(format!("{base}.{suffix}"))
        } else {
            PathBuf::from(format!("{base}.{suffix}.{n}"))
        };
        if !p.exists() {
            return p;
        }
        n += 1;
    }
}

/// Puts the checked database file `checked` in place of `target` and returns what happened
/// to the previous one. `stamp` names the kept copy (`TARGET.before-restore-STAMP`).
///
/// A readable target keeps its inode: its pages are replaced through SQLite's backup API
/// inside a write lock, so another process that has it open reads the restored content next
/// instead of writing into a file that was renamed away. An unreadable target (the reason
/// for most restores) is renamed aside with its `-wal` and `-shm`, never deleted.
///
/// # Errors
/// [`Error::Io`] if a file cannot be written or renamed; [`Error::Busy`] if another
/// connection holds the target's write lock past the busy timeout.
pub(crate) fn replace(checked: &Path, target: &Path, stamp: &str) -> Result<Previous> {
    if !target.exists() {
        std::fs::rename(checked, target).map_err(|e| Error::Io {
            path: target.display().to_string(),
            message: e.to_string(),
        })?;
        return Ok(Previous::Absent);
    }
    let kept = free_path(target, &format!("before-restore-{stamp}"));
    match readable(target) {
        Ok(dest) => {
            // Save what is there first: a restore must be undoable.
            let mut copy = Connection::open(&kept).map_err(io(&kept))?;
            {
                let b = rusqlite::backup::Backup::new(&dest, &mut copy).map_err(io(&kept))?;
                b.run_to_completion(1024, StdDuration::from_millis(5), None)
                    .map_err(io(&kept))?;
            }
            drop(copy);
            let mut dest = dest;
            let source = Connection::open(checked).map_err(io(checked))?;
            {
                let b = rusqlite::backup::Backup::new(&source, &mut dest).map_err(io(target))?;
                b.run_to_completion(1024, StdDuration::from_millis(5), None)
                    .map_err(io(target))?;
            }
            drop(source);
            drop(dest);
            let _ = std::fs::remove_file(checked);
            Ok(Previous::Saved(kept))
        }
        Err(_) => {
            for ext in ["", "-wal", "-shm"] {
                let from = PathBuf::from(format!("{}{ext}", target.display()));
                if from.exists() {
                    let to = PathBuf::from(format!("{}{ext}", kept.display()));
                    std::fs::rename(&from, &to).map_err(|e| Error::Io {
                        path: from.display().to_string(),
                        message: e.to_string(),
                    })?;
                }
            }
            std::fs::rename(checked, target).map_err(|e| Error::Io {
                path: target.display().to_string(),
                message: e.to_string(),
            })?;
            Ok(Previous::MovedAside(kept))
        }
    }
}

/// Opens `path` and reads it through, so a damaged file is found before its pages are
/// written over.
fn readable(path: &Path) -> Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(io(path))?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    let _: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let check: String = conn.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
    if check != "ok" {
        return Err(Error::Corrupt { detail: check });
    }
    Ok(conn)
}
