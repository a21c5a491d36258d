//! SQL for the language model's wordings: the cache and the usage meter.

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::error::Result;
use crate::llm::{Usage, Worded};

/// A cached answer for `digest`, if any: its text, model, and the reason it was rejected
/// (`None` for an accepted wording).
pub(crate) fn cached(
    conn: &Connection,
    digest: &str,
) -> Result<Option<(String, String, Option<String>)>> {
    Ok(conn
        .query_row(
            "SELECT text, model, reason FROM llm_cache WHERE digest = ?1",
            [digest],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?)
}

/// Keeps an answer: an accepted wording, or (with `w.reason`) a rejected one's verdict.
pub(crate) fn cache(tx: &Transaction<'_>, digest: &str, w: &Worded, now_ms: i64) -> Result<()> {
    tx.execute(
        "INSERT INTO llm_cache
             (digest, text, model, reason, prompt_tokens, completion_tokens, cost, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (digest) DO NOTHING",
        params![
            digest,
            w.text,
            w.model.as_deref().unwrap_or(""),
            w.reason,
            w.prompt_tokens as i64,
            w.completion_tokens as i64,
            w.cost,
            now_ms
        ],
    )?;
    Ok(())
}

/// Counts one wording under its source.
pub(crate) fn meter(tx: &Transaction<'_>, w: &Worded) -> Result<()> {
    tx.execute(
        "INSERT INTO llm_usage (source, calls, prompt_tokens, completion_tokens, cost)
         VALUES (?1, 1, ?2, ?3, ?4)
         ON CONFLICT (source) DO UPDATE SET calls = calls + 1,
             prompt_tokens = prompt_tokens + excluded.prompt_tokens,
             completion_tokens = completion_tokens + excluded.completion_tokens,
             cost = cost + excluded.cost",
        params![
            w.source,
            w.prompt_tokens as i64,
            w.completion_tokens as i64,
            w.cost
        ],
    )?;
    Ok(())
}

/// Everything metered so far, by source.
pub(crate) fn usage(conn: &Connection) -> Result<Vec<Usage>> {
    let mut stmt = conn.prepare_cached(
        "SELECT source, calls, prompt_tokens, completion_tokens, cost FROM llm_usage
         ORDER BY source",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Usage {
            source: r.get(0)?,
            calls: r.get::<_, i64>(1)?.try_into().unwrap_or(0),
            prompt_tokens: r.get::<_, i64>(2)?.try_into().unwrap_or(0),
            completion_tokens: r.get::<_, i64>(3)?.try_into().unwrap_or(0),
            cost: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}
