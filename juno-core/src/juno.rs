//! The [`Juno`] facade: one store, one config, one clock.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};

use crate::clock::{Clock, SystemClock};
use crate::config::{Config, DatabaseUrl};
use crate::error::Result;
use crate::memory::Memories;
use crate::store::{IntegrityReport, Location, RestoreReport, Store};

/// An open JUNO engine. `Send + Sync`: share it between threads behind an `Arc`.
///
/// # Examples
///
/// ```
/// use juno_core::{Juno, memory::{MemoryKind, NewMemory, RecallQuery}};
/// let juno = Juno::open_in_memory()?;
/// juno.memory().store(NewMemory::new(MemoryKind::Episodic, "team_alpha", "deploy failed on flaky tests"))?;
/// let hits = juno.memory().recall(&RecallQuery::text("flaky").team("team_alpha"))?;
/// assert_eq!(hits.len(), 1);
/// # Ok::<(), juno_core::Error>(())
/// ```
#[derive(Debug)]
pub struct Juno {
    store: Store,
    config: Config,
    clock: RwLock<Arc<dyn Clock>>,
    /// When this engine last ran a memory cleanup (for `MEMORY_CLEANUP_INTERVAL`).
    last_cleanup: std::sync::Mutex<Option<DateTime<Utc>>>,
    /// Approvals waiting for their group commit.
    approvals: crate::governance::ApprovalQueue,
}

impl Juno {
    /// Opens the store named by `config.database_url`, creating and migrating it as needed.
    ///
    /// # Errors
    /// See [`Store::open`]: not a database, schema too new, unwritable path, corrupt file.
    pub fn open(config: Config) -> Result<Self> {
        config.validate()?;
        let location = match &config.database_url {
            DatabaseUrl::Sqlite(p) => Location::File(p.clone()),
            DatabaseUrl::Memory => Location::Memory,
        };
        let mut store = Store::open(location)?;
        let names = crate::log::Pseudonymiser::new(config.log_pseudonym_key.as_ref());
        if tracing::enabled!(target: crate::log::APPLICATION, tracing::Level::INFO) {
            let database = match &config.database_url {
                DatabaseUrl::Sqlite(p) => p.display().to_string(),
                DatabaseUrl::Memory => ":memory:".to_owned(),
            };
            // Whether the log's identifiers are pseudonyms, so a reader knows which kind.
            tracing::info!(target: crate::log::APPLICATION, database = %database,
                pseudonyms = names.is_active(), "opened {database}");
        }
        store.set_log_names(names);
        Ok(Juno {
            store,
            config,
            clock: RwLock::new(Arc::new(SystemClock)),
            last_cleanup: std::sync::Mutex::new(None),
            approvals: crate::governance::ApprovalQueue::default(),
        })
    }

    /// Opens an SQLite file with default settings.
    ///
    /// # Errors
    /// As [`Juno::open`].
    pub fn open_path(path: impl AsRef<Path>) -> Result<Self> {
        let config = Config {
            database_url: DatabaseUrl::Sqlite(PathBuf::from(path.as_ref())),
            ..Config::default()
        };
        Self::open(config)
    }

    /// A private in-memory engine with default settings (tests, examples).
    ///
    /// # Errors
    /// Only if SQLite cannot allocate.
    pub fn open_in_memory() -> Result<Self> {
        let config = Config {
            database_url: DatabaseUrl::Memory,
            ..Config::default()
        };
        Self::open(config)
    }

    /// Replaces the clock (builder style).
    pub fn with_clock(self, clock: Arc<dyn Clock>) -> Self {
        self.set_clock(clock);
        self
    }

    /// Replaces the clock of a shared engine.
    pub fn set_clock(&self, clock: Arc<dyn Clock>) {
        *self.clock.write().unwrap_or_else(|p| p.into_inner()) = clock;
    }

    /// The current time according to the injected clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.read().unwrap_or_else(|p| p.into_inner()).now()
    }

    /// Marks a memory cleanup as run at `now` when none ran in the last `interval`; whether
    /// it should run now.
    pub(crate) fn cleanup_due(&self, now: DateTime<Utc>, interval: chrono::Duration) -> bool {
        let mut last = self.last_cleanup.lock().unwrap_or_else(|p| p.into_inner());
        let due = last.is_none_or(|at| now - at >= interval || now < at);
        if due {
            *last = Some(now);
        }
        due
    }

    /// The settings in force.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The store (for backup, checks and size).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The approvals waiting for their group commit (see `governance::api::group`).
    pub(crate) fn approval_queue(&self) -> &crate::governance::ApprovalQueue {
        &self.approvals
    }

    /// The observe stage: sync a source into the store, read what is stored.
    pub fn source(&self) -> crate::source::api::Sources<'_> {
        crate::source::api::Sources::new(self)
    }

    /// The memory layer.
    pub fn memory(&self) -> Memories<'_> {
        Memories::new(self)
    }

    /// The governance workflow: roles, requests, approvals, deadlines, execution.
    pub fn governance(&self) -> crate::governance::Governance<'_> {
        crate::governance::Governance::new(self)
    }

    /// Sprint forecasting: forecasts, recorded sprints, the trained model.
    pub fn forecast(&self) -> crate::forecast::Forecaster<'_> {
        crate::forecast::Forecaster::new(self)
    }

    /// The tamper-evident audit log.
    pub fn audit(&self) -> crate::audit::Audit<'_> {
        crate::audit::Audit::new(self)
    }

    /// The reasoning engine: confidence with the configured weights, track records from
    /// memory, calibration.
    pub fn reasoning(&self) -> crate::reasoning::Reasoning<'_> {
        crate::reasoning::Reasoning::new(self)
    }

    /// The velocity analyzer.
    pub fn velocity(&self) -> crate::velocity::Velocity<'_> {
        crate::velocity::Velocity::new(self)
    }

    /// Stale-ticket triage, with the engine's clock, weights and memory.
    pub fn triage(&self) -> crate::triage::Triage<'_> {
        crate::triage::Triage::new(self)
    }

    /// The act stage: the executor outbox, guard rails, dry runs and reverts.
    pub fn executor(&self) -> crate::executor::api::Executions<'_> {
        crate::executor::api::Executions::new(self)
    }

    /// The agent cycle: observe → analyze → decide → govern → act → learn.
    pub fn agent(&self) -> crate::agent::Agent<'_> {
        crate::agent::Agent::new(self)
    }

    /// Wording: a language model's checked paragraph for an explanation, or the template.
    pub fn llm(&self) -> crate::llm::api::Wording<'_> {
        crate::llm::api::Wording::new(self)
    }

    /// Notifications: Slack and Teams messages from the audit log, through an outbox.
    pub fn notify(&self) -> crate::notify::api::Notifications<'_> {
        crate::notify::api::Notifications::new(self)
    }

    /// Copies the database to `dest` while it stays in use.
    ///
    /// # Errors
    /// [`crate::Error::Io`] if `dest` cannot be written.
    pub fn backup(&self, dest: impl AsRef<Path>) -> Result<()> {
        let started = std::time::Instant::now();
        self.store.backup_to(dest.as_ref())?;
        let ms = started.elapsed().as_secs_f64() * 1e3;
        tracing::info!(target: crate::log::APPLICATION, backup = %dest.as_ref().display(),
            "backed up to {}", dest.as_ref().display());
        tracing::info!(target: crate::log::PERFORMANCE, operation = "backup", ms,
            "backup took {ms:.1} ms");
        Ok(())
    }

    /// Restores the backup at `backup` into the database file `target`, after checking a
    /// copy of it: SQLite's integrity check and the full-text index check pass, it has a
    /// JUNO schema no newer than this library's (an older one is migrated), and its audit
    /// chain and checkpoints verify. Nothing at `target` is touched until every check has
    /// passed, and the backup file is only read.
    ///
    /// What was at `target` is kept, never deleted: a readable database is copied to
    /// `TARGET.before-restore-STAMP` and then has its pages replaced in place (so another
    /// process that has it open reads the restored content next); a file that is not a
    /// database or is damaged stays under that name (a hard link, its `-wal` and `-shm`
    /// renamed beside it) and the restored file replaces it in one atomic rename. A
    /// symlinked target is restored where it points; new files get the permissions of the
    /// file they replace. Stop writers first: what another process commits between the
    /// copy and the replacement is in neither. Close this process's own handles on
    /// `target` too: a [`Juno`] still open on it keeps cached state (tallied accesses).
    ///
    /// # Errors
    /// - [`crate::Error::InvalidInput`] (`backup`) if the backup is the target itself or has
    ///   no JUNO schema (another application's SQLite file, or an empty one);
    /// - [`crate::Error::NotADatabase`] if the backup is not an SQLite file;
    /// - [`crate::Error::SchemaTooNew`] if a newer JUNO wrote it;
    /// - [`crate::Error::Corrupt`] if its integrity check or its audit chain fails (the
    ///   detail names which);
    /// - [`crate::Error::Busy`] if another connection holds the target's locks past the
    ///   busy timeout; [`crate::Error::Io`] for files that cannot be read, written or
    ///   renamed (naming the kept copy once there is one). The target is left as it was.
    pub fn restore(backup: impl AsRef<Path>, target: impl AsRef<Path>) -> Result<RestoreReport> {
        use crate::error::Error;
        use crate::store::restore::{self as files, Previous};
        let backup = backup.as_ref();
        // A symlinked target is restored where it points, with the log files that are
        // really beside it.
        let target = match target.as_ref().canonicalize() {
            Ok(real) => real,
            Err(_) => target.as_ref().to_path_buf(),
        };
        let target = target.as_path();
        let same = match backup.canonicalize() {
            Ok(b) => b == target,
            Err(_) => backup == target,
        };
        if same {
            return Err(Error::invalid(
                "backup",
                "is the target database itself; restore from a different file",
            ));
        }
        if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
            if !parent.is_dir() {
                return Err(Error::Io {
                    path: target.display().to_string(),
                    message: format!("directory `{}` does not exist", parent.display()),
                });
            }
        }
        let scratch = files::scratch_path(target);
        // Errors about the copy are about the backup it came from.
        let about_backup = |e: Error| match e {
            Error::NotADatabase { .. } => Error::NotADatabase {
                path: backup.display().to_string(),
            },
            Error::Io { path, message } if path == scratch.display().to_string() => Error::Io {
                path: backup.display().to_string(),
                message,
            },
            other => other,
        };
        let checked = (|| {
            let mode_of = target.exists().then_some(target);
            let found = files::copy_read_only(backup, &scratch, mode_of)?;
            if found < 1 {
                return Err(Error::invalid(
                    "backup",
                    format!(
                        "`{}` has no JUNO schema (an empty SQLite file or another \
                         application's database)",
                        backup.display()
                    ),
                ));
            }
            let copy = Juno::open_path(&scratch).map_err(about_backup)?;
            let integrity = copy.check()?;
            if !integrity.ok {
                return Err(Error::Corrupt {
                    detail: format!(
                        "backup `{}` fails its integrity check: {}",
                        backup.display(),
                        integrity.messages.join("; ")
                    ),
                });
            }
            let audit = copy.audit().verify(None)?;
            if !audit.ok {
                return Err(Error::Corrupt {
                    detail: format!(
                        "backup `{}`: its audit chain does not verify (first bad entry {}): {}",
                        backup.display(),
                        audit.first_bad_seq.unwrap_or(0),
                        audit.problems.join("; ")
                    ),
                });
            }
            let memories = copy.memory().stats()?.total;
            Ok((found, integrity, audit, memories))
        })();
        let (found, integrity, audit, memories) = match checked {
            Ok(v) => v,
            Err(e) => {
                files::remove_with_sidecars(&scratch);
                return Err(e);
            }
        };
        let stamp = Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
        // `replace` leaves the target as it was when it fails.
        let previous = files::replace(&scratch, target, &stamp);
        files::remove_with_sidecars(&scratch);
        let (previous, kept) = match previous? {
            Previous::Absent => ("absent", None),
            Previous::Saved(p) => ("saved", Some(p.display().to_string())),
            Previous::MovedAside(p) => ("moved_aside", Some(p.display().to_string())),
        };
        tracing::info!(target: crate::log::APPLICATION, backup = %backup.display(),
            target = %target.display(), previous, audit_entries = audit.entries, memories,
            "restored {} from {} (what was there: {previous})", target.display(), backup.display());
        Ok(RestoreReport {
            backup: backup.display().to_string(),
            target: target.display().to_string(),
            backup_schema_version: found,
            schema_version: integrity.schema_version,
            integrity,
            audit_entries: audit.entries,
            audit_root: audit.root,
            memories,
            previous: previous.to_owned(),
            previous_kept_at: kept,
        })
    }

    /// Integrity check and size.
    ///
    /// # Errors
    /// Storage errors.
    pub fn check(&self) -> Result<IntegrityReport> {
        self.store.check()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn juno_is_send_and_sync() {
        assert_send_sync::<Juno>();
    }
}
