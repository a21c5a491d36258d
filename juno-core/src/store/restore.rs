//! The file half of `juno db restore`: copying a backup without writing to it, and putting
//! a checked copy in place of a database that may be open elsewhere.
//!
//! The checks themselves (integrity, schema, audit chain) run on an opened [`crate::Juno`]
//! in [`crate::Juno::restore`]; this module only moves pages and files.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration as StdDuration, Instant};

use rusqlite::backup::{Backup, StepResult};
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
    /// The file was not a database or was damaged: it was kept under this path (a hard
    /// link, with its `-wal` and `-shm` renamed beside it) and the restored file took its
    /// place in one rename.
    MovedAside(PathBuf),
}

fn io_error(path: &Path, message: impl std::fmt::Display) -> Error {
    Error::Io {
        path: path.display().to_string(),
        message: message.to_string(),
    }
}

/// An SQLite error about `path`, typed and labelled as `Store::open` labels its own.
fn sqlite(path: &Path) -> impl Fn(rusqlite::Error) -> Error + '_ {
    move |e| super::label_path(Error::from(e), &path.display().to_string())
}

/// `path` with `suffix` appended to its file name (`db` → `db-wal`).
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Copies every page of `from` into `to` with SQLite's backup API in one step, retrying
/// while another connection holds a lock, for at most [`BUSY_TIMEOUT`].
///
/// # Errors
/// [`Error::Busy`] when the locks stay taken; the typed SQLite error otherwise.
fn copy_pages(from: &Connection, to: &mut Connection, to_path: &Path) -> Result<()> {
    let started = Instant::now();
    let backup = Backup::new(from, to).map_err(sqlite(to_path))?;
    loop {
        match backup.step(-1).map_err(sqlite(to_path))? {
            StepResult::Done => return Ok(()),
            StepResult::More => {}
            StepResult::Busy | StepResult::Locked => {
                if started.elapsed() >= BUSY_TIMEOUT {
                    return Err(Error::Busy {
                        detail: format!(
                            "`{}` stayed locked by another connection for {} s",
                            to_path.display(),
                            BUSY_TIMEOUT.as_secs()
                        ),
                    });
                }
                std::thread::sleep(StdDuration::from_millis(20));
            }
            _ => {}
        }
    }
}

/// Makes `path` carry `like`'s permission bits (a restored or kept database is as private
/// as the one it replaces).
fn same_mode(path: &Path, like: &Path) -> Result<()> {
    if let Ok(meta) = std::fs::metadata(like) {
        std::fs::set_permissions(path, meta.permissions()).map_err(|e| io_error(path, e))?;
    }
    Ok(())
}

/// A new, unique scratch path beside `target` for the checked copy.
pub(crate) fn scratch_path(target: &Path) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    with_suffix(
        target,
        &format!(".restore-{}-{nanos:09}-{n}", std::process::id()),
    )
}

/// Removes `path` and its `-wal` and `-shm`, ignoring what is not there.
pub(crate) fn remove_with_sidecars(path: &Path) {
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(with_suffix(path, ext));
    }
}

/// Copies the database at `from` to a new file `to` with SQLite's online backup, opening
/// `from` read-only so that the backup is never changed (not even by a migration), and
/// gives `to` the permissions of `mode_of` (or of `from`). Returns the schema version
/// recorded in `from`.
///
/// # Errors
/// [`Error::Io`] if `from` is missing or not a file or `to` cannot be written,
/// [`Error::NotADatabase`] if `from` is not an SQLite file.
pub(crate) fn copy_read_only(from: &Path, to: &Path, mode_of: Option<&Path>) -> Result<i64> {
    if !from.exists() {
        return Err(io_error(from, "no such file"));
    }
    if !from.is_file() {
        return Err(io_error(from, "not a file"));
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    // A backup without a write-ahead log beside it is opened `immutable`: no locks, and no
    // `-wal` or `-shm` created next to it. One that has a log (a copy of a live file) must
    // be read through it, so SQLite may create a `-shm` there.
    let real = from.canonicalize().map_err(|e| io_error(from, e))?;
    let source = if with_suffix(&real, "-wal").exists() {
        Connection::open_with_flags(&real, flags)
    } else {
        Connection::open_with_flags(format!("file:{}?immutable=1", uri_path(&real)), flags)
    }
    .map_err(sqlite(from))?;
    source.busy_timeout(BUSY_TIMEOUT)?;
    // The first read of the file: a non-database fails here, with its own path.
    let version: i64 = source
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(sqlite(from))?;
    let mut target = Connection::open(to).map_err(sqlite(to))?;
    copy_pages(&source, &mut target, to)?;
    drop(target);
    same_mode(to, mode_of.unwrap_or(from))?;
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

/// A path beside `target` that does not exist yet (nor its `-wal`), ending in `suffix`
/// (and a counter when needed), for keeping what a restore replaces.
fn free_path(target: &Path, suffix: &str) -> PathBuf {
    let mut n = 0u32;
    loop {
        let p = if n == 0 {
            with_suffix(target, &format!(".{suffix}"))
        } else {
            with_suffix(target, &format!(".{suffix}.{n}"))
        };
        if !p.exists() && !with_suffix(&p, "-wal").exists() {
            return p;
        }
        n += 1;
    }
}

/// Puts the checked database file `checked` in place of `target` and returns what happened
/// to the previous one; `checked` is consumed on success. `stamp` names the kept copy
/// (`TARGET.before-restore-STAMP`). `target` must already be resolved (no symlink).
///
/// A readable target keeps its inode: it is copied to the kept path, then its pages are
/// replaced through SQLite's backup API, so another process that has it open reads the
/// restored content next instead of writing into a file renamed away. Writes other
/// processes commit between the copy and the replacement are in neither: stop writers
/// first. A file that is not a database or is damaged is kept by a hard link, its `-wal`
/// and `-shm` are renamed beside the link (SQLite would otherwise replay that log into the
/// restored file), and the restored file replaces it in one atomic rename.
///
/// # Errors
/// [`Error::Io`] if a file cannot be written or renamed (the error names the kept path
/// when the old file was already kept); [`Error::Busy`] if another connection holds the
/// target's locks past the busy timeout; [`Error::InvalidInput`] (`backup`) when the
/// backup's page size differs from the target's write-ahead-logged one.
pub(crate) fn replace(checked: &Path, target: &Path, stamp: &str) -> Result<Previous> {
    let kept = free_path(target, &format!("before-restore-{stamp}"));
    if !target.exists() {
        // A log left behind by a deleted database would be replayed into the new one.
        let mut moved_log = false;
        for ext in ["-wal", "-shm"] {
            let from = with_suffix(target, ext);
            if from.exists() {
                let to = with_suffix(&kept, ext);
                std::fs::rename(&from, &to).map_err(|e| io_error(&from, e))?;
                moved_log |= ext == "-wal";
            }
        }
        std::fs::rename(checked, target).map_err(|e| io_error(target, e))?;
        return Ok(if moved_log {
            Previous::MovedAside(kept)
        } else {
            Previous::Absent
        });
    }
    match readable(target) {
        Ok(mut dest) => {
            let page = |c: &Connection| -> Result<i64> {
                Ok(c.query_row("PRAGMA page_size", [], |r| r.get(0))?)
            };
            let source = Connection::open(checked).map_err(sqlite(checked))?;
            let (want, have) = (page(&source)?, page(&dest)?);
            if want != have {
                return Err(Error::invalid(
                    "backup",
                    format!(
                        "its page size ({want} bytes) differs from the target's ({have} \
                         bytes); restore into a new file instead"
                    ),
                ));
            }
            // Save what is there first: a restore must be undoable.
            let mut copy = Connection::open(&kept).map_err(sqlite(&kept))?;
            let saved = copy_pages(&dest, &mut copy, &kept);
            drop(copy);
            if let Err(e) = saved.and_then(|()| same_mode(&kept, target)) {
                remove_with_sidecars(&kept);
                return Err(e);
            }
            copy_pages(&source, &mut dest, target).map_err(|e| Error::Io {
                path: target.display().to_string(),
                message: format!(
                    "{e}; the database as it was is saved at `{}`",
                    kept.display()
                ),
            })?;
            drop(source);
            drop(dest);
            remove_with_sidecars(checked);
            Ok(Previous::Saved(kept))
        }
        Err(Error::NotADatabase { .. } | Error::Corrupt { .. }) => {
            std::fs::hard_link(target, &kept).map_err(|e| io_error(&kept, e))?;
            let mut moved = Vec::new();
            for ext in ["-wal", "-shm"] {
                let from = with_suffix(target, ext);
                if from.exists() {
                    let to = with_suffix(&kept, ext);
                    std::fs::rename(&from, &to).map_err(|e| {
                        io_error(
                            &from,
                            format!("{e}; the damaged file is kept at `{}`", kept.display()),
                        )
                    })?;
                    moved.push((from, to));
                }
            }
            if let Err(e) = std::fs::rename(checked, target) {
                // Put the log back with the file it belongs to; the target is unchanged.
                for (from, to) in moved {
                    let _ = std::fs::rename(to, from);
                }
                let _ = std::fs::remove_file(&kept);
                return Err(io_error(target, e));
            }
            Ok(Previous::MovedAside(kept))
        }
        Err(other) => Err(other),
    }
}

/// Opens `path` and reads it through, so a damaged file is found before its pages are
/// written over.
///
/// # Errors
/// [`Error::NotADatabase`] or [`Error::Corrupt`] for a file that is not a sound database;
/// [`Error::Busy`], [`Error::Io`] and others as SQLite reports them (a locked or
/// unreadable file is never treated as damaged).
fn readable(path: &Path) -> Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sqlite(path))?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    let _: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(sqlite(path))?;
    let check: String = conn
        .query_row("PRAGMA quick_check", [], |r| r.get(0))
        .map_err(sqlite(path))?;
    if check != "ok" {
        return Err(Error::Corrupt { detail: check });
    }
    Ok(conn)
}
