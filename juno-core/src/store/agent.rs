//! SQL for the agent cycle: cycle reports, learned decisions, the scheduler's lease and the
//! executor's outbox.

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};

use super::from_ms;
use crate::error::{Error, Result};

/// Stores one cycle's report; returns its id.
pub(crate) fn insert_cycle(
    tx: &Transaction<'_>,
    started_ms: i64,
    finished_ms: i64,
    dry_run: bool,
    report: &serde_json::Value,
) -> Result<i64> {
    tx.execute(
        "INSERT INTO agent_cycles (started_at, finished_at, dry_run, report) VALUES (?1, ?2, ?3, ?4)",
        params![started_ms, finished_ms, dry_run, report.to_string()],
    )?;
    Ok(tx.last_insert_rowid())
}

/// Replaces cycle `id`'s stored report.
pub(crate) fn set_cycle_report(
    tx: &Transaction<'_>,
    id: i64,
    report: &serde_json::Value,
) -> Result<()> {
    tx.execute(
        "UPDATE agent_cycles SET report = ?2 WHERE id = ?1",
        params![id, report.to_string()],
    )?;
    Ok(())
}

/// The newest `limit` cycle reports, newest first.
pub(crate) fn cycles(conn: &Connection, limit: usize) -> Result<Vec<serde_json::Value>> {
    let mut st =
        conn.prepare_cached("SELECT report FROM agent_cycles ORDER BY id DESC LIMIT ?1")?;
    let rows = st
        .query_map([limit as i64], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.iter()
        .map(|s| {
            serde_json::from_str(s).map_err(|e| Error::Corrupt {
                detail: format!("stored cycle report: {e}"),
            })
        })
        .collect()
}

/// Marks request `id`'s decision as taken into memory (once; a second mark is a no-op).
pub(crate) fn mark_learned(
    tx: &Transaction<'_>,
    id: i64,
    outcome: &str,
    at_ms: i64,
) -> Result<bool> {
    Ok(tx.execute(
        "INSERT INTO agent_learned (request_id, outcome, at) VALUES (?1, ?2, ?3)
         ON CONFLICT (request_id) DO NOTHING",
        params![id, outcome, at_ms],
    )? == 1)
}

/// Takes (or renews) the lease `name` for `holder` until `until_ms`, if it is free, expired
/// at `now_ms`, or already held by `holder`. Returns whether `holder` holds it now.
pub(crate) fn acquire_lease(
    tx: &Transaction<'_>,
    name: &str,
    holder: &str,
    now_ms: i64,
    until_ms: i64,
) -> Result<bool> {
    let n = tx.execute(
        "INSERT INTO agent_lease (name, holder, expires_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
         WHERE agent_lease.holder = excluded.holder OR agent_lease.expires_at <= ?4",
        params![name, holder, until_ms, now_ms],
    )?;
    Ok(n == 1)
}

/// Who holds the lease `name`, if anyone.
pub(crate) fn lease_holder(conn: &Connection, name: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT holder FROM agent_lease WHERE name = ?1",
            [name],
            |r| r.get(0),
        )
        .optional()?)
}

/// Moves the lease `name` from `from` (known dead) to `to`; false when someone else took
/// it first.
pub(crate) fn take_lease(
    tx: &Transaction<'_>,
    name: &str,
    from: &str,
    to: &str,
    until_ms: i64,
) -> Result<bool> {
    Ok(tx.execute(
        "UPDATE agent_lease SET holder = ?3, expires_at = ?4 WHERE name = ?1 AND holder = ?2",
        params![name, from, to, until_ms],
    )? == 1)
}

/// Gives the lease `name` back, if `holder` has it.
pub(crate) fn release_lease(tx: &Transaction<'_>, name: &str, holder: &str) -> Result<()> {
    tx.execute(
        "DELETE FROM agent_lease WHERE name = ?1 AND holder = ?2",
        params![name, holder],
    )?;
    Ok(())
}

/// One row of the executor's outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExecutionRecord {
    /// The approval request whose action ran.
    pub request_id: i64,
    /// The action's digest.
    pub digest: String,
    /// The action's kind.
    pub kind: String,
    /// Its target (a ticket key).
    pub target: Option<String>,
    /// Which executor ran it (`recording`, `jira`, `host`).
    pub executor: String,
    /// When the intent was recorded (before any write).
    pub intent_at: chrono::DateTime<chrono::Utc>,
    /// When the outcome was recorded; `None` while in flight, or after a crash mid-write.
    pub done_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Whether it succeeded.
    pub ok: Option<bool>,
    /// What the writes replaced (field → old value), to revert them.
    pub changes: Option<serde_json::Value>,
    /// The request that reverted it, if one did.
    pub reverted_by: Option<i64>,
}

/// Records the intent to run request `id`'s action (before any write is sent).
#[allow(clippy::too_many_arguments)]
pub(crate) fn record_intent(
    tx: &Transaction<'_>,
    id: i64,
    digest: &str,
    kind: &str,
    target: Option<&str>,
    executor: &str,
    at_ms: i64,
) -> Result<()> {
    tx.execute(
        "INSERT INTO executions (request_id, digest, kind, target, executor, intent_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (request_id) DO UPDATE SET intent_at = excluded.intent_at",
        params![id, digest, kind, target, executor, at_ms],
    )?;
    Ok(())
}

/// Records how request `id`'s action ended and what it changed.
pub(crate) fn record_done(
    tx: &Transaction<'_>,
    id: i64,
    ok: bool,
    changes: Option<&serde_json::Value>,
    at_ms: i64,
) -> Result<()> {
    tx.execute(
        "UPDATE executions SET done_at = ?2, ok = ?3, changes = ?4 WHERE request_id = ?1",
        params![id, at_ms, ok, changes.map(ToString::to_string)],
    )?;
    Ok(())
}

/// Marks request `id`'s execution as reverted by request `by`.
pub(crate) fn mark_reverted(tx: &Transaction<'_>, id: i64, by: i64) -> Result<bool> {
    Ok(tx.execute(
        "UPDATE executions SET reverted_by = ?2 WHERE request_id = ?1 AND reverted_by IS NULL",
        params![id, by],
    )? == 1)
}

/// The outbox row of request `id`.
pub(crate) fn execution(conn: &Connection, id: i64) -> Result<Option<ExecutionRecord>> {
    conn.query_row(
        "SELECT request_id, digest, kind, target, executor, intent_at, done_at, ok, changes,
                reverted_by FROM executions WHERE request_id = ?1",
        [id],
        |r| {
            let changes: Option<String> = r.get(8)?;
            Ok(ExecutionRecord {
                request_id: r.get(0)?,
                digest: r.get(1)?,
                kind: r.get(2)?,
                target: r.get(3)?,
                executor: r.get(4)?,
                intent_at: from_ms(r.get(5)?),
                done_at: r.get::<_, Option<i64>>(6)?.map(from_ms),
                ok: r.get(7)?,
                changes: changes.and_then(|c| serde_json::from_str(&c).ok()),
                reverted_by: r.get(9)?,
            })
        },
    )
    .optional()
    .map_err(Into::into)
}

/// The requests whose decisions were already taken into memory.
pub(crate) fn learned_ids(conn: &Connection) -> Result<std::collections::BTreeSet<i64>> {
    let mut st = conn.prepare_cached("SELECT request_id FROM agent_learned")?;
    let rows = st.query_map([], |r| r.get::<_, i64>(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
