//! Recall's access records, buffered: a touched recall adds to an in-memory tally instead
//! of writing ~80 rows (and as many WAL pages) per call; the tally is written in one
//! statement when it is flushed.
//!
//! What stays exact: recall's ranking and every memory it returns include the pending
//! accesses; `get` too. Everything else that reads or writes memories flushes first, as do
//! a clean close and [`crate::Memories::flush_accesses`]. The tally is flushed on its own
//! once it holds [`MAX_PENDING`] memories or its oldest access is [`MAX_PENDING_AGE_MS`]
//! old on the engine's clock. What a crash can lose: the accesses not yet flushed (counts
//! that only rank memories; no decision or memory is lost). Another process sees the
//! accesses once they are flushed.

use std::collections::BTreeMap;
use std::sync::Mutex;

use chrono::DateTime;
use rusqlite::params;

use super::Store;
use crate::error::{Error, Result};
use crate::memory::{Memory, MemoryId};

/// Memories the tally holds before it is written.
pub(crate) const MAX_PENDING: usize = 4096;
/// Engine-clock milliseconds the oldest pending access waits at most.
pub(crate) const MAX_PENDING_AGE_MS: i64 = 60_000;

/// Accesses recorded but not yet written: per memory, how many and the latest time.
#[derive(Debug, Default)]
pub(crate) struct PendingAccess {
    by_id: BTreeMap<MemoryId, (u64, i64)>,
    oldest_ms: Option<i64>,
}

impl PendingAccess {
    fn is_due(&self, now_ms: i64) -> bool {
        self.by_id.len() >= MAX_PENDING
            || self
                .oldest_ms
                .is_some_and(|t| now_ms.saturating_sub(t) >= MAX_PENDING_AGE_MS)
    }
}

impl Store {
    fn pending(&self) -> std::sync::MutexGuard<'_, PendingAccess> {
        // Plain counters: a panic elsewhere cannot leave them half-updated.
        self.pending_access
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    /// Records that recall returned `ids` at `now_ms` (an id listed twice counts twice),
    /// writing the tally when it is due.
    pub(crate) fn touch_memories(&self, ids: &[MemoryId], now_ms: i64) -> Result<()> {
        let due = {
            let mut p = self.pending();
            for id in ids {
                let e = p.by_id.entry(*id).or_insert((0, now_ms));
                e.0 += 1;
                e.1 = e.1.max(now_ms);
            }
            if !ids.is_empty() && p.oldest_ms.is_none() {
                p.oldest_ms = Some(now_ms);
            }
            p.is_due(now_ms)
        };
        if due { self.flush_accesses() } else { Ok(()) }
    }

    /// Writes the pending accesses when the oldest has waited long enough (called before a
    /// recall, so that the retention filter sees accesses at most that late).
    pub(crate) fn flush_accesses_if_due(&self, now_ms: i64) -> Result<()> {
        if self.pending().is_due(now_ms) {
            self.flush_accesses()
        } else {
            Ok(())
        }
    }

    /// Writes every pending access in one transaction. On failure the tally is kept.
    pub(crate) fn flush_accesses(&self) -> Result<()> {
        let taken = std::mem::take(&mut *self.pending());
        if taken.by_id.is_empty() {
            return Ok(());
        }
        let rows: Vec<[i64; 3]> = taken
            .by_id
            .iter()
            .map(|(id, (n, at))| [*id, i64::try_from(*n).unwrap_or(i64::MAX), *at])
            .collect();
        let written = (|| {
            let rows = serde_json::to_string(&rows).map_err(|e| Error::Storage {
                message: format!("cannot encode accessed ids: {e}"),
            })?;
            let mut conn = self.conn();
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            tx.prepare_cached(
                "UPDATE memories SET access_count = access_count + t.n, \
                 last_accessed_at = max(coalesce(last_accessed_at, t.at), t.at), \
                 touched_at = max(touched_at, t.at) \
                 FROM (SELECT json_extract(value, '$[0]') AS id, json_extract(value, '$[1]') AS n, \
                       json_extract(value, '$[2]') AS at FROM json_each(?1)) AS t \
                 WHERE memories.id = t.id",
            )?
            .execute(params![rows])?;
            tx.commit()?;
            Ok(())
        })();
        if written.is_err() {
            // Put the accesses back (merged with any recorded meanwhile) for the next try.
            let mut p = self.pending();
            for (id, (n, at)) in taken.by_id {
                let e = p.by_id.entry(id).or_insert((0, at));
                e.0 += n;
                e.1 = e.1.max(at);
            }
            p.oldest_ms = match (p.oldest_ms, taken.oldest_ms) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        written
    }

    /// `m` with its pending accesses counted.
    pub(crate) fn with_pending(&self, mut m: Memory) -> Memory {
        if let Some((n, at)) = self.pending().by_id.get(&m.id) {
            m.access_count += n;
            let at = DateTime::from_timestamp_millis(*at);
            m.last_accessed_at = m.last_accessed_at.max(at);
        }
        m
    }

    /// The pending accesses, to add to counts read from the database while ranking
    /// (held for the length of one read; take it after the connection, never before).
    pub(crate) fn pending_view(&self) -> PendingView<'_> {
        PendingView(self.pending())
    }
}

/// The tally, read-only, for one read (see [`Store::pending_view`]).
pub(crate) struct PendingView<'a>(std::sync::MutexGuard<'a, PendingAccess>);

impl PendingView<'_> {
    /// How many accesses of memory `id` are pending.
    pub(crate) fn count(&self, id: MemoryId) -> u64 {
        self.0.by_id.get(&id).map_or(0, |(n, _)| *n)
    }
}

/// A new, empty tally (for [`Store::open`]).
pub(crate) fn new_pending() -> Mutex<PendingAccess> {
    Mutex::new(PendingAccess::default())
}
