//! SQL for the notification outbox and its audit cursor.

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::from_ms;
use crate::error::{Error, Result};
use crate::notify::{Channel, Outgoing};

/// The cursor's name for notices read from the audit log.
const AUDIT_CURSOR: &str = "audit";

/// The last audit sequence number read for notices (0 before the first read).
pub(crate) fn cursor(conn: &Connection) -> Result<u64> {
    let seq: Option<i64> = conn
        .query_row(
            "SELECT seq FROM notify_cursor WHERE name = ?1",
            [AUDIT_CURSOR],
            |r| r.get(0),
        )
        .optional()?;
    Ok(seq.map_or(0, |s| u64::try_from(s).unwrap_or(0)))
}

/// Moves the cursor to `seq`.
pub(crate) fn set_cursor(tx: &Transaction<'_>, seq: u64) -> Result<()> {
    tx.execute(
        "INSERT INTO notify_cursor (name, seq) VALUES (?1, ?2)
         ON CONFLICT (name) DO UPDATE SET seq = excluded.seq",
        params![AUDIT_CURSOR, i64::try_from(seq).unwrap_or(i64::MAX)],
    )?;
    Ok(())
}

/// Queues one message unless the same cause already queued one on this channel; returns
/// whether it was queued.
pub(crate) fn enqueue(
    tx: &Transaction<'_>,
    channel: Channel,
    kind: &str,
    subject: &str,
    dedup: &str,
    body: &serde_json::Value,
    now_ms: i64,
) -> Result<bool> {
    let text = serde_json::to_string(body).map_err(|e| Error::json("notification", &e))?;
    let n = tx.execute(
        "INSERT INTO notify_outbox (channel, kind, subject, dedup, body, created_at, next_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
         ON CONFLICT (channel, dedup) DO NOTHING",
        params![channel.as_str(), kind, subject, dedup, text, now_ms],
    )?;
    Ok(n == 1)
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Outgoing> {
    let channel: String = r.get(1)?;
    let body: String = r.get(5)?;
    Ok(Outgoing {
        id: r.get(0)?,
        channel: if channel == "teams" {
            Channel::Teams
        } else {
            Channel::Slack
        },
        kind: r.get(2)?,
        subject: r.get(3)?,
        dedup: r.get(4)?,
        body: serde_json::from_str(&body).unwrap_or(serde_json::Value::Null),
        created_at: from_ms(r.get(6)?),
        attempts: r.get::<_, i64>(7)?.try_into().unwrap_or(0),
        next_at: from_ms(r.get(8)?),
        status: r.get(9)?,
        sent_at: r.get::<_, Option<i64>>(10)?.map(from_ms),
        last_error: r.get(11)?,
    })
}

const COLUMNS: &str = "id, channel, kind, subject, dedup, body, created_at, attempts, next_at, \
                       status, sent_at, last_error";

/// Claims up to `limit` messages due at `now_ms` for `lease_ms` under `claim`, oldest
/// first: another sender skips them until the claim runs out, and a result is recorded
/// only under the claim that sent it.
pub(crate) fn claim_due(
    tx: &Transaction<'_>,
    now_ms: i64,
    lease_ms: i64,
    limit: usize,
    claim: &str,
) -> Result<Vec<Outgoing>> {
    let mut stmt = tx.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM notify_outbox
         WHERE status = 'pending' AND next_at <= ?1 AND claimed_until <= ?1
         ORDER BY next_at, id LIMIT ?2"
    ))?;
    let due = stmt
        .query_map(
            params![now_ms, i64::try_from(limit).unwrap_or(i64::MAX)],
            row,
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut take =
        tx.prepare_cached("UPDATE notify_outbox SET claimed_until = ?2, claim = ?3 WHERE id = ?1")?;
    for m in &due {
        take.execute(params![m.id, now_ms + lease_ms, claim])?;
    }
    Ok(due)
}

/// Records a delivered message, if `claim` still holds it; returns whether it did.
pub(crate) fn mark_sent(tx: &Transaction<'_>, id: i64, claim: &str, now_ms: i64) -> Result<bool> {
    let n = tx.execute(
        "UPDATE notify_outbox SET status = 'sent', sent_at = ?3, attempts = attempts + 1,
                claimed_until = 0, claim = NULL, last_error = NULL
         WHERE id = ?1 AND claim = ?2",
        params![id, claim, now_ms],
    )?;
    Ok(n == 1)
}

/// Records a failed attempt under `claim`: retried at `next_ms`, or set aside as `dead`.
pub(crate) fn mark_failed(
    tx: &Transaction<'_>,
    id: i64,
    claim: &str,
    error: &str,
    next_ms: i64,
    dead: bool,
) -> Result<bool> {
    let n = tx.execute(
        "UPDATE notify_outbox SET attempts = attempts + 1, last_error = ?3, next_at = ?4,
                claimed_until = 0, claim = NULL,
                status = CASE WHEN ?5 THEN 'dead' ELSE status END
         WHERE id = ?1 AND claim = ?2",
        params![id, claim, error, next_ms, dead],
    )?;
    Ok(n == 1)
}

/// Gives back a claimed message that was not attempted.
pub(crate) fn release(tx: &Transaction<'_>, id: i64, claim: &str) -> Result<()> {
    tx.execute(
        "UPDATE notify_outbox SET claimed_until = 0, claim = NULL WHERE id = ?1 AND claim = ?2",
        params![id, claim],
    )?;
    Ok(())
}

/// Messages, newest first, optionally of one status.
pub(crate) fn outbox(
    conn: &Connection,
    status: Option<&str>,
    limit: usize,
) -> Result<Vec<Outgoing>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM notify_outbox WHERE ?1 IS NULL OR status = ?1
         ORDER BY id DESC LIMIT ?2"
    ))?;
    let rows = stmt.query_map(
        params![status, i64::try_from(limit).unwrap_or(i64::MAX)],
        row,
    )?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Messages still waiting to be sent.
pub(crate) fn pending_count(conn: &Connection) -> Result<u64> {
    let n: i64 = conn.query_row(
        "SELECT COUNT(*) FROM notify_outbox WHERE status = 'pending'",
        [],
        |r| r.get(0),
    )?;
    Ok(u64::try_from(n).unwrap_or(0))
}
