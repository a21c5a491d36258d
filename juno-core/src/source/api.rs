//! `juno.source()`: pulls a [`Source`] into the store, keeps its sync state, and hands the
//! stored nouns to the stages after it.

use std::time::Instant;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Snapshot, Source};
use crate::error::Result;
use crate::juno::Juno;
use crate::store::sync as sql;
use crate::store::{SavedCounts, SyncState, to_ms};

/// What one [`Sources::sync`] did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncReport {
    /// The source's name.
    pub source: String,
    /// Changes were asked for since this moment (`None`: a first, full sync).
    pub since: Option<DateTime<Utc>>,
    /// The moment synced to; the next sync asks for changes since then.
    pub now: DateTime<Utc>,
    /// Rows stored, noun by noun.
    pub stored: SavedCounts,
    /// Wall time of the pull and the store together, in milliseconds.
    pub millis: f64,
}

/// The observe stage of one [`Juno`]: `juno.source()`.
///
/// # Examples
///
/// ```
/// use juno_core::Juno;
/// use juno_core::source::sim::{SimSettings, SimSource};
/// let juno = Juno::open_in_memory()?;
/// let mut sim = SimSource::new(SimSettings { teams: 2, ..SimSettings::default() })?;
/// let report = juno.source().sync(&mut sim)?;
/// assert_eq!(report.stored.teams, 2);
/// assert_eq!(juno.source().snapshot()?.active.len(), 2);
/// # Ok::<(), juno_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Sources<'a> {
    juno: &'a Juno,
}

impl<'a> Sources<'a> {
    pub(crate) fn new(juno: &'a Juno) -> Self {
        Sources { juno }
    }

    /// Pulls from `source` what changed since its last successful sync (everything the
    /// first time) as of the engine's clock, checks it, and stores it in one transaction.
    /// A failed pull stores nothing and records the error in the source's sync state.
    ///
    /// # Errors
    /// The source's error (recorded first); [`crate::Error::InvalidInput`] naming the bad
    /// item when the source produced nouns that fail [`Snapshot::validate`]; storage errors.
    pub fn sync(&self, source: &mut dyn Source) -> Result<SyncReport> {
        self.sync_at(source, self.juno.now())
    }

    /// As [`Sources::sync`], as of `now`.
    ///
    /// # Errors
    /// As [`Sources::sync`].
    pub fn sync_at(&self, source: &mut dyn Source, now: DateTime<Utc>) -> Result<SyncReport> {
        let started = Instant::now();
        let name = source.name();
        let since = self.state(&name)?.and_then(|s| s.last_success);
        let pulled = source
            .pull(since, now)
            .and_then(|snap| snap.validate().map(|()| snap));
        let snap = match pulled {
            Ok(s) => s,
            Err(e) => {
                let message = e.to_string();
                self.juno
                    .store()
                    .write(|tx| sql::record_sync(tx, &name, to_ms(now), Err(&message)))?;
                return Err(e);
            }
        };
        let stored = self.store(&name, &snap, now)?;
        Ok(SyncReport {
            source: name,
            since,
            now,
            stored,
            millis: started.elapsed().as_secs_f64() * 1e3,
        })
    }

    /// Stores `snap` as if source `name` had pulled it at `now` (an export a host parsed
    /// itself, a fixture): one transaction, sync state included.
    ///
    /// # Errors
    /// [`crate::Error::InvalidInput`] naming the bad item; storage errors.
    pub fn store(&self, name: &str, snap: &Snapshot, now: DateTime<Utc>) -> Result<SavedCounts> {
        snap.validate()?;
        let now_ms = to_ms(now);
        self.juno.store().write(|tx| {
            let n = sql::save_snapshot(tx, snap, now_ms)?;
            sql::record_sync(tx, name, now_ms, Ok(n.total()))?;
            Ok(n)
        })
    }

    /// Where syncing source `name` stands, if it was ever tried.
    ///
    /// # Errors
    /// Storage errors.
    pub fn state(&self, name: &str) -> Result<Option<SyncState>> {
        self.juno.store().read(|c| sql::sync_state(c, name))
    }

    /// Everything stored, as of the engine's clock: what the analysis reads.
    ///
    /// # Errors
    /// Storage errors; [`crate::Error::Corrupt`] for a stored noun that no longer parses.
    pub fn snapshot(&self) -> Result<Snapshot> {
        let now = self.juno.now();
        self.juno.store().read(|c| sql::load_snapshot(c, now))
    }
}
