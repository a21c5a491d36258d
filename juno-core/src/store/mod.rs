//! SQLite persistence: schema, versioned migrations, transactions, backup.
//!
//! **The only module with SQL.** Other modules call typed functions here; a second backend
//! (PostgreSQL) would be a sibling of this module, not a rewrite of its callers.
//!
//! One [`Store`] owns one connection behind a mutex, so a `Juno` is `Send + Sync`; several
//! processes share a file through WAL mode and a busy timeout.

mod access;
pub(crate) mod agent;
pub(crate) mod audit;
pub(crate) mod calibrations;
mod checkpoint;
pub(crate) mod forecasts;
pub(crate) mod governance;
pub(crate) mod llm;
pub(crate) mod notify;
mod memories;
pub(crate) mod restore;
mod schema;
pub(crate) mod sync;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration as StdDuration;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OpenFlags};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

pub use agent::ExecutionRecord;
pub(crate) use memories::{Candidate, EpisodeRow, RecallFilter};
pub use schema::SCHEMA_VERSION;
pub use sync::{SavedCounts, SyncState};

/// How long a connection waits for another's lock before giving up with [`Error::Busy`].
pub const BUSY_TIMEOUT: StdDuration = StdDuration::from_secs(10);

/// Bytes of a database file that SQLite maps into memory for reading.
pub const MMAP_BYTES: i64 = 1 << 30;

/// Where a store lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A file on disk.
    File(PathBuf),
    /// Private, in memory, gone on close.
    Memory,
}

/// The result of `juno db check`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntegrityReport {
    /// True when SQLite's integrity check and the full-text index check both pass.
    pub ok: bool,
    /// What the checks reported (`["ok"]` when healthy).
    pub messages: Vec<String>,
    /// The schema version recorded in the database.
    pub schema_version: i64,
    /// Database size in bytes (pages × page size).
    pub size_bytes: u64,
    /// The journal mode (`wal` for files).
    pub journal_mode: String,
}

/// What [`crate::Juno::restore`] checked and did (the result of `juno db restore`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestoreReport {
    /// The backup file restored from (never changed by the restore).
    pub backup: String,
    /// The database file that now holds the backup's content.
    pub target: String,
    /// The schema version recorded in the backup.
    pub backup_schema_version: i64,
    /// The schema version of the restored database (the backup's, migrated if older).
    pub schema_version: i64,
    /// The integrity check of the restored copy, run before anything was replaced.
    pub integrity: IntegrityReport,
    /// Audit entries in the restored copy; their chain and checkpoints verified.
    pub audit_entries: u64,
    /// The audit log's Merkle root after the restore, hex.
    pub audit_root: String,
    /// Memories in the restored database.
    pub memories: u64,
    /// What was at the target before: `absent`, `saved` (a copy kept, then its pages
    /// replaced in place) or `moved_aside` (unreadable, renamed away).
    pub previous: String,
    /// Where the previous database was kept, when there was one.
    pub previous_kept_at: Option<String>,
}

/// The SQLite store.
#[derive(Debug)]
pub struct Store {
    // Field order matters: the checkpointer stops before the connection closes, so the
    // last close can fold the WAL back into the file.
    _checkpointer: Option<checkpoint::Checkpointer>,
    conn: Mutex<Connection>,
    location: Location,
    /// Recall's accesses not yet written ([`access`]).
    pending_access: Mutex<access::PendingAccess>,
    /// How user identifiers appear in the governance log events this store raises.
    names: crate::log::Pseudonymiser,
}

impl Drop for Store {
    fn drop(&mut self) {
        // A clean close keeps the access counts exact; a failure here has no caller to tell.
        let _ = self.flush_accesses();
    }
}

impl Store {
    /// Opens (creating if needed) the database at `location` and migrates it to
    /// [`SCHEMA_VERSION`].
    ///
    /// # Errors
    /// [`Error::NotADatabase`] for a file that is not SQLite, [`Error::SchemaTooNew`] for a
    /// database written by a newer JUNO, [`Error::Io`] for a path that cannot be opened,
    /// [`Error::Corrupt`] for a damaged file.
    pub fn open(location: Location) -> Result<Self> {
        let conn = match &location {
            Location::Memory => Connection::open_in_memory()?,
            Location::File(path) => open_file(path)?,
        };
        let path_str = match &location {
            Location::File(p) => p.display().to_string(),
            Location::Memory => String::from(":memory:"),
        };
        let label = |e: Error| label_path(e, &path_str);
        configure(&conn, &location).map_err(label)?;
        schema::migrate(&conn, now_ms_system()).map_err(label)?;
        let checkpointer = match &location {
            Location::File(path) => checkpoint::Checkpointer::start(path),
            Location::Memory => None,
        };
        Ok(Store {
            _checkpointer: checkpointer,
            conn: Mutex::new(conn),
            location,
            pending_access: access::new_pending(),
            names: crate::log::Pseudonymiser::default(),
        })
    }

    /// Pseudonymises user identifiers in the log events of this store's commits
    /// (`LOG_PSEUDONYM_KEY`; the facade sets it when it opens the store).
    pub(crate) fn set_log_names(&mut self, names: crate::log::Pseudonymiser) {
        self.names = names;
    }

    /// How user identifiers appear in this deployment's log events.
    pub(crate) fn log_names(&self) -> &crate::log::Pseudonymiser {
        &self.names
    }

    /// Where this store lives.
    pub fn location(&self) -> &Location {
        &self.location
    }

    pub(crate) fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a half-applied transaction behind
        // (rusqlite rolls back on drop), so a poisoned lock is safe to reuse.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Copies the live database to `dest` with SQLite's online backup; writers may keep going.
    ///
    /// # Errors
    /// [`Error::Io`] if `dest` cannot be written.
    pub fn backup_to(&self, dest: &Path) -> Result<()> {
        // The copy carries the access counts recall has tallied but not yet written.
        self.flush_accesses()?;
        let conn = self.conn();
        let io = |e: rusqlite::Error| Error::Io {
            path: dest.display().to_string(),
            message: e.to_string(),
        };
        let mut target = Connection::open(dest).map_err(io)?;
        {
            let backup = rusqlite::backup::Backup::new(&conn, &mut target).map_err(io)?;
            backup
                .run_to_completion(256, StdDuration::from_millis(0), None)
                .map_err(io)?;
        }
        Ok(())
    }

    /// Runs SQLite's integrity check and the full-text index's own check.
    ///
    /// # Errors
    /// Storage errors only; a damaged database is reported in the result, not as an error.
    pub fn check(&self) -> Result<IntegrityReport> {
        let conn = self.conn();
        let mut messages = Vec::new();
        {
            let mut stmt = conn.prepare("PRAGMA integrity_check")?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
            for row in rows {
                messages.push(row?);
            }
        }
        let mut ok = messages.len() == 1 && messages[0] == "ok";
        if let Err(e) = conn.execute(
            "INSERT INTO memory_fts(memory_fts, rank) VALUES ('integrity-check', 0)",
            [],
        ) {
            ok = false;
            messages.push(format!("full-text index: {e}"));
        }
        let schema_version = schema::current_version(&conn)?;
        let journal_mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
        drop(conn);
        Ok(IntegrityReport {
            ok,
            messages,
            schema_version,
            size_bytes: self.size_bytes()?,
            journal_mode,
        })
    }

    /// Database size in bytes (pages × page size).
    ///
    /// # Errors
    /// Storage errors.
    pub fn size_bytes(&self) -> Result<u64> {
        let conn = self.conn();
        let pages: i64 = conn.query_row("PRAGMA page_count", [], |r| r.get(0))?;
        let size: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
        Ok(u64::try_from(pages.saturating_mul(size)).unwrap_or(0))
    }

    /// The schema version recorded in the database.
    ///
    /// # Errors
    /// Storage errors.
    pub fn schema_version(&self) -> Result<i64> {
        schema::current_version(&self.conn())
    }
}

fn open_file(path: &Path) -> Result<Connection> {
    let io = |msg: String| Error::Io {
        path: path.display().to_string(),
        message: msg,
    };
    if path.is_dir() {
        return Err(io(String::from("is a directory")));
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        if !parent.is_dir() {
            return Err(io(format!(
                "directory `{}` does not exist",
                parent.display()
            )));
        }
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    Connection::open_with_flags(path, flags).map_err(|e| io(e.to_string()))
}

fn configure(conn: &Connection, location: &Location) -> Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // The first statement that reads the file: a non-database fails here, cleanly.
    let _: i64 = conn.query_row("PRAGMA schema_version", [], |r| r.get(0))?;
    if matches!(location, Location::File(_)) {
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(Error::Storage {
                message: format!("could not switch to WAL journal mode (got `{mode}`)"),
            });
        }
        // NORMAL is durable in WAL mode except for the last transactions on power loss,
        // which is the trade-off SQLite recommends for WAL.
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "wal_autocheckpoint", checkpoint::SAFETY_NET_PAGES)?;
        // Read pages through a memory map (address space, not memory): recall touches index
        // pages at random, and a read() call per page cost a fifth of its time. SQLite still
        // writes through its WAL, so the map is read-only.
        conn.pragma_update(None, "mmap_size", MMAP_BYTES)?;
    }
    // 16 MiB of page cache (negative = KiB): recall reads index and row pages at random.
    conn.pragma_update(None, "cache_size", -16_384)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    Ok(())
}

/// Replaces the placeholder path in errors raised below `configure`/`migrate`, and says
/// why SQLite could not open a file it can see: a read-only file or file system.
fn label_path(e: Error, path: &str) -> Error {
    match e {
        Error::NotADatabase { .. } => Error::NotADatabase {
            path: path.to_owned(),
        },
        Error::Io { message, .. } => Error::Io {
            path: path.to_owned(),
            message: match read_only_reason(Path::new(path)) {
                Some(why) => format!(
                    "{message}: {why}; JUNO writes the database and its `-wal` and `-shm` \
                     files beside it. The data is intact: `juno db restore` (which only \
                     reads its backup) copies it to a writable place"
                ),
                None => message,
            },
        },
        other => other,
    }
}

/// Why `path` cannot be written, if it exists and that is the case.
fn read_only_reason(path: &Path) -> Option<String> {
    if !path.is_file() {
        return None;
    }
    match std::fs::OpenOptions::new().append(true).open(path) {
        Ok(_) => {
            // The file is writable; its directory must take the `-wal` and `-shm` files.
            let dir = path.parent().filter(|p| !p.as_os_str().is_empty())?;
            let probe = dir.join(format!(".juno-write-probe-{}", std::process::id()));
            match std::fs::File::create(&probe) {
                Ok(_) => {
                    let _ = std::fs::remove_file(&probe);
                    None
                }
                Err(e) => Some(format!("its directory is not writable ({e})")),
            }
        }
        Err(e) if e.raw_os_error() == Some(30) => {
            Some(format!("it is on a read-only file system ({e})"))
        }
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            Some(format!("it is read-only for this user ({e})"))
        }
        Err(_) => None,
    }
}

/// The system time, used only to stamp migrations (not domain data).
fn now_ms_system() -> i64 {
    Utc::now().timestamp_millis()
}

pub(crate) fn to_ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub(crate) fn from_ms(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}
