//! SQL for the memory layer.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use rusqlite::types::Value;
use rusqlite::{OptionalExtension, Row, Transaction, params, params_from_iter};

use super::{Store, from_ms, to_ms};
use crate::error::{Error, Result};
use crate::memory::{
    HistoryEntry, HistoryEvent, Memory, MemoryId, MemoryKind, MemorySnapshot, MemoryUpdate,
    Provenance, Scope, ValidMemory,
};

const COLS: &str = "id, kind, team, user_id, project, mkey, content, text, tags, importance, \
    confidence, created_at, updated_at, last_accessed_at, access_count, expires_at, session, \
    provenance, version";

/// Filters shared by every recall path.
#[derive(Debug, Clone, Default)]
pub(crate) struct RecallFilter<'a> {
    pub team: Option<&'a str>,
    pub user: Option<&'a str>,
    pub project: Option<&'a str>,
    pub kinds: &'a [MemoryKind],
    pub tags: &'a [String],
    pub since_ms: Option<i64>,
    pub until_ms: Option<i64>,
    pub min_confidence: Option<f64>,
    pub session: Option<&'a str>,
    pub now_ms: i64,
    pub retention_cutoff_ms: i64,
}

/// What ranking needs to know about a candidate.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    pub id: MemoryId,
    /// BM25 relevance, positive, larger is better (0 without a text query).
    pub bm25: f64,
    pub importance: f64,
    pub updated_at_ms: i64,
    pub access_count: u64,
    /// The memory's text, for text queries (query-term coverage); `None` for scans.
    pub text: Option<String>,
}

/// Per-team, per-kind counts plus the global bounds, for `stats`.
#[derive(Debug, Default)]
pub(crate) struct RawStats {
    pub by_team: BTreeMap<String, BTreeMap<String, u64>>,
    pub expired: u64,
    pub oldest_ms: Option<i64>,
    pub newest_ms: Option<i64>,
}

/// An episodic memory as pattern recognition sees it.
#[derive(Debug, Clone)]
pub(crate) struct EpisodeRow {
    pub id: MemoryId,
    pub tags: Vec<String>,
}

fn hex(s: &str) -> String {
    crate::audit::hex(s.as_bytes())
}

/// Scope words indexed in the FTS `scope` column: hex keeps them single alphanumeric tokens,
/// so no name can collide with a word of text or with FTS syntax.
fn scope_tokens(scope: &Scope) -> String {
    let mut s = String::new();
    if let Some(u) = &scope.user {
        let _ = write!(s, "u{} ", hex(u));
    }
    if let Some(p) = &scope.project {
        let _ = write!(s, "p{}", hex(p));
    }
    s
}

/// The team's token suffix: `k` and the team name's FNV-1a hash in base 36, 7 digits.
///
/// Word first, team second: terms then differ from their first byte, which keeps the
/// index's sorting and prefix compression cheap, and the fixed length keeps the split
/// unambiguous. A hash collision between two teams (about one in 78 billion per pair)
/// would only merge their word statistics; recall still filters on the team column, so
/// results stay correct.
fn team_suffix(team: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in team.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    let mut out = String::with_capacity(8);
    out.push('k');
    let mut digits = [b'0'; 7];
    for d in digits.iter_mut().rev() {
        let v = (h % 36) as u8;
        *d = if v < 10 { b'0' + v } else { b'a' + v - 10 };
        h /= 36;
    }
    out.extend(digits.iter().map(|b| char::from(*b)));
    out
}

/// The `team_text` column: each word of `text`, lower-cased, followed by the team suffix.
fn team_text(team: &str, text: &str) -> String {
    let suffix = team_suffix(team);
    let mut out = String::with_capacity(text.len() * 2);
    for word in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        for c in word.chars() {
            out.extend(c.to_lowercase());
        }
        out.push_str(&suffix);
        out.push(' ');
    }
    out
}

/// The bm25() call for a query: the team column when scoped to a team, else the text column.
pub(crate) fn bm25_sql(filter: &RecallFilter<'_>) -> &'static str {
    if filter.team.is_some() {
        "bm25(memory_fts, 0.0, 1.0, 0.0)"
    } else {
        "bm25(memory_fts, 1.0, 0.0, 0.0)"
    }
}

/// Builds an FTS5 MATCH expression from already-tokenised words (alphanumeric only, so the
/// quoting below cannot be escaped) and the scope filter.
pub(crate) fn fts_match(filter: &RecallFilter<'_>, terms: &[String]) -> String {
    let mut parts = Vec::new();
    if let Some(u) = filter.user {
        parts.push(format!("scope : \"u{}\"", hex(u)));
    }
    if let Some(p) = filter.project {
        parts.push(format!("scope : \"p{}\"", hex(p)));
    }
    let words: Vec<String> = match filter.team {
        Some(team) => {
            let suffix = team_suffix(team);
            terms
                .iter()
                .map(|t| format!("team_text : \"{t}{suffix}\""))
                .collect()
        }
        None => terms.iter().map(|t| format!("text : \"{t}\"")).collect(),
    };
    parts.push(format!("({})", words.join(" OR ")));
    parts.join(" AND ")
}

fn kind_from_sql(s: &str) -> rusqlite::Result<MemoryKind> {
    s.parse::<MemoryKind>().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(1, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn json_col<T: serde::de::DeserializeOwned>(idx: usize, s: &str) -> rusqlite::Result<T> {
    serde_json::from_str(s).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// Column `idx` as text borrowed from the row: the JSON columns are parsed straight from
/// SQLite's buffer instead of from a copy of it.
fn text_col<'r>(r: &'r Row<'_>, idx: usize) -> rusqlite::Result<&'r str> {
    r.get_ref(idx)?.as_str().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn row_to_memory(r: &Row<'_>) -> rusqlite::Result<Memory> {
    let access: i64 = r.get(14)?;
    let version: i64 = r.get(18)?;
    Ok(Memory {
        id: r.get(0)?,
        kind: kind_from_sql(text_col(r, 1)?)?,
        scope: Scope {
            team: r.get(2)?,
            user: r.get(3)?,
            project: r.get(4)?,
        },
        key: r.get(5)?,
        content: json_col(6, text_col(r, 6)?)?,
        text: r.get(7)?,
        tags: json_col(8, text_col(r, 8)?)?,
        importance: r.get(9)?,
        confidence: r.get(10)?,
        created_at: from_ms(r.get(11)?),
        updated_at: from_ms(r.get(12)?),
        last_accessed_at: r.get::<_, Option<i64>>(13)?.map(from_ms),
        access_count: u64::try_from(access).unwrap_or(0),
        expires_at: r.get::<_, Option<i64>>(15)?.map(from_ms),
        session: r.get(16)?,
        provenance: json_col::<Provenance>(17, text_col(r, 17)?)?,
        version: u32::try_from(version).unwrap_or(u32::MAX),
    })
}

fn snapshot(m: &Memory) -> MemorySnapshot {
    MemorySnapshot {
        text: m.text.clone(),
        content: m.content.clone(),
        tags: m.tags.clone(),
        importance: m.importance,
        confidence: m.confidence,
        expires_at: m.expires_at,
    }
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| Error::Storage {
        message: format!("serialising: {e}"),
    })
}

fn get_in(tx: &Transaction<'_>, id: MemoryId) -> Result<Option<Memory>> {
    let sql = format!("SELECT {COLS} FROM memories WHERE id = ?1");
    let mut stmt = tx.prepare_cached(&sql)?;
    Ok(stmt.query_row([id], row_to_memory).optional()?)
}

/// Records a change (`updated` or `deleted`; creation is implied by `created_at`).
fn write_history(
    tx: &Transaction<'_>,
    old: &Memory,
    version: u32,
    event: HistoryEvent,
    at_ms: i64,
    after: Option<&MemorySnapshot>,
) -> Result<()> {
    let event = match event {
        HistoryEvent::Updated => "updated",
        HistoryEvent::Created | HistoryEvent::Deleted => "deleted",
    };
    let id = old.id;
    let created_ms = to_ms(old.created_at);
    let before = Some(snapshot(old));
    let before = before.as_ref();
    let before = before.map(to_json).transpose()?;
    let after = after.map(to_json).transpose()?;
    let mut stmt = tx.prepare_cached(
        "INSERT INTO memory_history (memory_id, version, event, at, created_at, before, after) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    stmt.execute(params![
        id, version, event, at_ms, created_ms, before, after
    ])?;
    Ok(())
}

fn reindex(
    tx: &Transaction<'_>,
    id: MemoryId,
    text: &str,
    scope: &Scope,
    fresh: bool,
) -> Result<()> {
    if !fresh {
        tx.prepare_cached("DELETE FROM memory_fts WHERE rowid = ?1")?
            .execute([id])?;
    }
    tx.prepare_cached(
        "INSERT INTO memory_fts (rowid, text, team_text, scope) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        id,
        text,
        team_text(&scope.team, text),
        scope_tokens(scope)
    ])?;
    Ok(())
}

/// Applies `item` over the existing memory `old` (an upsert by key).
fn overwrite(
    tx: &Transaction<'_>,
    old: &Memory,
    item: &ValidMemory,
    now_ms: i64,
) -> Result<MemoryId> {
    let version = old.version.saturating_add(1);
    tx.prepare_cached(
        "UPDATE memories SET kind = ?2, user_id = ?3, project = ?4, content = ?5, text = ?6, \
         tags = ?7, importance = ?8, confidence = ?9, updated_at = ?10, \
         touched_at = max(touched_at, ?10), expires_at = ?11, session = ?12, provenance = ?13, \
         version = ?14 WHERE id = ?1",
    )?
    .execute(params![
        old.id,
        item.kind.as_str(),
        item.scope.user,
        item.scope.project,
        item.content_json,
        item.text,
        to_json(&item.tags)?,
        item.importance,
        item.confidence,
        now_ms,
        item.expires_at.map(to_ms),
        item.session,
        to_json(&item.provenance)?,
        version,
    ])?;
    reindex(tx, old.id, &item.text, &item.scope, false)?;
    let after = MemorySnapshot {
        text: item.text.clone(),
        content: item.content.clone(),
        tags: item.tags.clone(),
        importance: item.importance,
        confidence: item.confidence,
        expires_at: item.expires_at,
    };
    write_history(
        tx,
        old,
        version,
        HistoryEvent::Updated,
        now_ms,
        Some(&after),
    )?;
    Ok(old.id)
}

impl Store {
    /// Stores every item in one transaction; items with a key that already exists in their
    /// team update that memory. Returns the ids in input order.
    pub(crate) fn insert_memories(
        &self,
        items: &[ValidMemory],
        now_ms: i64,
    ) -> Result<Vec<MemoryId>> {
        self.flush_accesses()?;
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut ids = Vec::with_capacity(items.len());
        {
            // Prepared once per batch: a bulk load spends its time in SQLite, not in
            // statement-cache lookups.
            let mut by_key = tx.prepare("SELECT id FROM memories WHERE team = ?1 AND mkey = ?2")?;
            let mut insert = tx.prepare(
                "INSERT INTO memories (kind, team, user_id, project, mkey, content, text, tags, \
                 importance, confidence, created_at, updated_at, touched_at, expires_at, session, \
                 provenance, version) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, ?11, ?12, ?13, ?14, 1)",
            )?;
            let mut index = tx.prepare(
                "INSERT INTO memory_fts (rowid, text, team_text, scope) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for item in items {
                if let Some(key) = &item.key {
                    let existing: Option<MemoryId> = by_key
                        .query_row(params![item.scope.team, key], |r| r.get(0))
                        .optional()?;
                    if let Some(id) = existing {
                        let old = get_in(&tx, id)?.ok_or(Error::NotFound {
                            entity: "memory",
                            id: id.to_string(),
                        })?;
                        ids.push(overwrite(&tx, &old, item, now_ms)?);
                        continue;
                    }
                }
                insert.execute(params![
                    item.kind.as_str(),
                    item.scope.team,
                    item.scope.user,
                    item.scope.project,
                    item.key,
                    item.content_json,
                    item.text,
                    to_json(&item.tags)?,
                    item.importance,
                    item.confidence,
                    now_ms,
                    item.expires_at.map(to_ms),
                    item.session,
                    to_json(&item.provenance)?,
                ])?;
                let id = tx.last_insert_rowid();
                index.execute(params![
                    id,
                    item.text,
                    team_text(&item.scope.team, &item.text),
                    scope_tokens(&item.scope)
                ])?;
                ids.push(id);
            }
        }
        tx.commit()?;
        Ok(ids)
    }

    /// One memory by id, whatever its expiry.
    pub(crate) fn get_memory(&self, id: MemoryId) -> Result<Option<Memory>> {
        let conn = self.conn();
        let sql = format!("SELECT {COLS} FROM memories WHERE id = ?1");
        let m = conn
            .prepare_cached(&sql)?
            .query_row([id], row_to_memory)
            .optional()?;
        Ok(m.map(|m| self.with_pending(m)))
    }

    /// One memory by team and key.
    pub(crate) fn get_memory_by_key(&self, team: &str, key: &str) -> Result<Option<Memory>> {
        let conn = self.conn();
        let sql = format!("SELECT {COLS} FROM memories WHERE team = ?1 AND mkey = ?2");
        let m = conn
            .prepare_cached(&sql)?
            .query_row(params![team, key], row_to_memory)
            .optional()?;
        Ok(m.map(|m| self.with_pending(m)))
    }

    /// Applies a validated partial update.
    pub(crate) fn update_memory(
        &self,
        id: MemoryId,
        up: &MemoryUpdate,
        now_ms: i64,
    ) -> Result<Memory> {
        self.flush_accesses()?;
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let old = get_in(&tx, id)?.ok_or(Error::NotFound {
            entity: "memory",
            id: id.to_string(),
        })?;
        let mut new = old.clone();
        if let Some(t) = &up.text {
            new.text.clone_from(t);
        }
        if let Some(c) = &up.content {
            new.content = c.clone();
        }
        if let Some(t) = &up.tags {
            new.tags.clone_from(t);
        }
        if let Some(i) = up.importance {
            new.importance = i;
        }
        if let Some(c) = up.confidence {
            new.confidence = c;
        }
        if let Some(ttl) = up.ttl_seconds {
            new.expires_at = Some(from_ms(now_ms) + chrono::Duration::seconds(ttl));
        }
        let item = ValidMemory {
            kind: new.kind,
            scope: new.scope.clone(),
            key: new.key.clone(),
            content: new.content.clone(),
            content_json: to_json(&new.content)?,
            text: new.text.clone(),
            tags: new.tags.clone(),
            importance: new.importance,
            confidence: new.confidence,
            expires_at: new.expires_at,
            session: new.session.clone(),
            provenance: new.provenance.clone(),
        };
        overwrite(&tx, &old, &item, now_ms)?;
        let out = get_in(&tx, id)?.ok_or(Error::NotFound {
            entity: "memory",
            id: id.to_string(),
        })?;
        tx.commit()?;
        Ok(out)
    }

    /// Deletes one memory, keeping its history. Returns false when it did not exist.
    pub(crate) fn delete_memory(&self, id: MemoryId, now_ms: i64) -> Result<bool> {
        self.flush_accesses()?;
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let Some(old) = get_in(&tx, id)? else {
            return Ok(false);
        };
        tx.execute("DELETE FROM memory_fts WHERE rowid = ?1", [id])?;
        tx.execute("DELETE FROM memories WHERE id = ?1", [id])?;
        write_history(
            &tx,
            &old,
            old.version.saturating_add(1),
            HistoryEvent::Deleted,
            now_ms,
            None,
        )?;
        tx.commit()?;
        Ok(true)
    }

    /// A memory's history, oldest first. The `created` entry is rebuilt from the creation
    /// time; its snapshot is the first change's `before`, or the live row.
    pub(crate) fn memory_history(&self, id: MemoryId) -> Result<Vec<HistoryEntry>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT version, event, at, created_at, before, after FROM memory_history \
             WHERE memory_id = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([id], |r| {
            let version: i64 = r.get(0)?;
            let event: String = r.get(1)?;
            let at: i64 = r.get(2)?;
            let created: i64 = r.get(3)?;
            let before: Option<String> = r.get(4)?;
            let after: Option<String> = r.get(5)?;
            Ok((version, event, at, created, before, after))
        })?;
        let parse = |s: Option<String>| -> Result<Option<MemorySnapshot>> {
            s.map(|s| {
                serde_json::from_str(&s).map_err(|e| Error::Corrupt {
                    detail: format!("memory history: {e}"),
                })
            })
            .transpose()
        };
        let mut changes = Vec::new();
        let mut created_ms = None;
        for row in rows {
            let (version, event, at, created, before, after) = row?;
            created_ms.get_or_insert(created);
            changes.push(HistoryEntry {
                memory_id: id,
                version: u32::try_from(version).unwrap_or(u32::MAX),
                event: if event == "updated" {
                    HistoryEvent::Updated
                } else {
                    HistoryEvent::Deleted
                },
                at: from_ms(at),
                before: parse(before)?,
                after: parse(after)?,
            });
        }
        drop(stmt);
        drop(conn);
        let live = self.get_memory(id)?;
        let created_at = match (&live, created_ms) {
            (Some(m), _) => m.created_at,
            (None, Some(ms)) => from_ms(ms),
            (None, None) => return Ok(Vec::new()),
        };
        let first_after = match changes.first() {
            Some(c) => c.before.clone(),
            None => live.as_ref().map(snapshot),
        };
        let mut out = Vec::with_capacity(changes.len() + 1);
        out.push(HistoryEntry {
            memory_id: id,
            version: 1,
            event: HistoryEvent::Created,
            at: created_at,
            before: None,
            after: first_after,
        });
        out.extend(changes);
        Ok(out)
    }

    fn filter_sql(filter: &RecallFilter<'_>, sql: &mut String, args: &mut Vec<Value>) {
        sql.push_str(" AND (m.expires_at IS NULL OR m.expires_at > ?) AND m.touched_at >= ?");
        args.push(Value::Integer(filter.now_ms));
        args.push(Value::Integer(filter.retention_cutoff_ms));
        // The team check also guards against a team-hash collision in the index.
        if let Some(t) = filter.team {
            sql.push_str(" AND m.team = ?");
            args.push(Value::Text(t.to_owned()));
        }
        if let Some(u) = filter.user {
            sql.push_str(" AND m.user_id = ?");
            args.push(Value::Text(u.to_owned()));
        }
        if let Some(p) = filter.project {
            sql.push_str(" AND m.project = ?");
            args.push(Value::Text(p.to_owned()));
        }
        if !filter.kinds.is_empty() {
            sql.push_str(" AND m.kind IN (");
            for (i, k) in filter.kinds.iter().enumerate() {
                sql.push_str(if i == 0 { "?" } else { ", ?" });
                args.push(Value::Text(k.as_str().to_owned()));
            }
            sql.push(')');
        }
        for tag in filter.tags {
            sql.push_str(" AND EXISTS (SELECT 1 FROM json_each(m.tags) WHERE json_each.value = ?)");
            args.push(Value::Text(tag.clone()));
        }
        if let Some(s) = filter.since_ms {
            sql.push_str(" AND m.created_at >= ?");
            args.push(Value::Integer(s));
        }
        if let Some(u) = filter.until_ms {
            sql.push_str(" AND m.created_at < ?");
            args.push(Value::Integer(u));
        }
        if let Some(c) = filter.min_confidence {
            sql.push_str(" AND m.confidence >= ?");
            args.push(Value::Real(c));
        }
        if let Some(s) = filter.session {
            sql.push_str(" AND m.session = ?");
            args.push(Value::Text(s.to_owned()));
        }
    }

    /// The `pool` best BM25 matches for `terms` that pass `filter`.
    pub(crate) fn text_candidates(
        &self,
        filter: &RecallFilter<'_>,
        terms: &[String],
        pool: usize,
    ) -> Result<Vec<Candidate>> {
        // Two stages: rank matches inside the full-text index alone, then read and filter
        // only the best of them. Joining every match to `memories` first costs one random
        // row read per match, which dominated recall latency on large stores. If filters
        // reject too many of the first batch, the batch grows until `pool` pass or the
        // matches run out, so the result is exactly "the `pool` best matches that pass".
        let bm25 = bm25_sql(filter);
        let rank_sql = format!(
            "SELECT rowid, -{bm25} FROM memory_fts WHERE memory_fts MATCH ?1 ORDER BY {bm25}, rowid LIMIT ?2"
        );
        let mut filter_sql = String::from(
            "SELECT m.id, 0.0, m.importance, m.updated_at, m.access_count, m.text FROM memories m \
             WHERE m.id IN (SELECT value FROM json_each(?))",
        );
        let mut filter_args = vec![Value::Null];
        Self::filter_sql(filter, &mut filter_sql, &mut filter_args);
        let expr = fts_match(filter, terms);
        let conn = self.conn();
        // Filters rarely reject a match, so a small margin usually does it in one round.
        let mut batch = pool + pool / 8 + 8;
        loop {
            let ranked: Vec<(MemoryId, f64)> = conn
                .prepare_cached(&rank_sql)?
                .query_map(
                    params![expr, i64::try_from(batch).unwrap_or(i64::MAX)],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?
                .collect::<rusqlite::Result<_>>()?;
            let ids: Vec<MemoryId> = ranked.iter().map(|(id, _)| *id).collect();
            filter_args[0] = Value::Text(to_json(&ids)?);
            let mut passing: HashMap<MemoryId, Candidate> = HashMap::with_capacity(ids.len());
            {
                let mut stmt = conn.prepare_cached(&filter_sql)?;
                let rows = stmt.query_map(params_from_iter(filter_args.iter()), candidate_row)?;
                for c in rows {
                    let c = c?;
                    passing.insert(c.id, c);
                }
            }
            let exhausted = ranked.len() < batch;
            if passing.len() >= pool || exhausted {
                let mut out = Vec::with_capacity(pool.min(passing.len()));
                let pending = self.pending_view();
                for (id, score) in ranked {
                    if let Some(mut c) = passing.remove(&id) {
                        c.bm25 = score;
                        c.access_count += pending.count(id);
                        out.push(c);
                        if out.len() == pool {
                            break;
                        }
                    }
                }
                return Ok(out);
            }
            batch = batch.saturating_mul(4);
        }
    }

    /// Streams every memory that passes `filter` (no text query) to `each`.
    pub(crate) fn scan_candidates(
        &self,
        filter: &RecallFilter<'_>,
        mut each: impl FnMut(Candidate),
    ) -> Result<()> {
        let mut sql = String::from(
            "SELECT m.id, 0.0, m.importance, m.updated_at, m.access_count, NULL FROM memories m WHERE 1",
        );
        let mut args = Vec::new();
        Self::filter_sql(filter, &mut sql, &mut args);
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(params_from_iter(args))?;
        let pending = self.pending_view();
        while let Some(row) = rows.next()? {
            let mut c = candidate_row(row)?;
            c.access_count += pending.count(c.id);
            each(c);
        }
        Ok(())
    }

    /// BM25 of one query term (an FTS expression) for each of `ids`, restricted to `filter`'s
    /// scope so the match set stays small.
    pub(crate) fn term_scores(
        &self,
        filter: &RecallFilter<'_>,
        term: &str,
        ids: &[MemoryId],
    ) -> Result<HashMap<MemoryId, f64>> {
        let expr = fts_match(filter, std::slice::from_ref(&term.to_owned()));
        let bm25 = bm25_sql(filter);
        let conn = self.conn();
        let mut out = HashMap::new();
        if filter.team.is_some() {
            // One pass over the team's postings for this word: cheaper than one query per id.
            let sql = format!("SELECT rowid, -{bm25} FROM memory_fts WHERE memory_fts MATCH ?1");
            let mut stmt = conn.prepare_cached(&sql)?;
            let wanted: std::collections::HashSet<MemoryId> = ids.iter().copied().collect();
            let mut rows = stmt.query([expr])?;
            while let Some(r) = rows.next()? {
                let id: MemoryId = r.get(0)?;
                if wanted.contains(&id) {
                    out.insert(id, r.get(1)?);
                }
            }
        } else {
            let sql =
                format!("SELECT -{bm25} FROM memory_fts WHERE memory_fts MATCH ?1 AND rowid = ?2");
            let mut stmt = conn.prepare_cached(&sql)?;
            for id in ids {
                if let Some(score) = stmt
                    .query_row(params![expr, id], |r| r.get::<_, f64>(0))
                    .optional()?
                {
                    out.insert(*id, score);
                }
            }
        }
        Ok(out)
    }

    /// Full rows for `ids`, in the order given (missing ids are skipped).
    pub(crate) fn load_memories(&self, ids: &[MemoryId]) -> Result<Vec<Memory>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        // One statement for all the ids: a statement per id took the database's read lock
        // (a pair of fcntl calls) once per id, which was a fifth of a recall's time.
        let conn = self.conn();
        let sql =
            format!("SELECT {COLS} FROM memories WHERE id IN (SELECT value FROM json_each(?1))");
        let mut stmt = conn.prepare_cached(&sql)?;
        let mut found: HashMap<MemoryId, Memory> = stmt
            .query_map([to_json(&ids)?], row_to_memory)?
            .map(|m| m.map(|m| (m.id, m)))
            .collect::<rusqlite::Result<_>>()?;
        Ok(ids
            .iter()
            .filter_map(|id| found.remove(id))
            .map(|m| self.with_pending(m))
            .collect())
    }

    /// Deletes memories past expiry or untouched since `retention_cutoff_ms`, with their
    /// index entries and history. Returns how many memories went.
    pub(crate) fn cleanup_memories(&self, now_ms: i64, retention_cutoff_ms: i64) -> Result<u64> {
        self.flush_accesses()?;
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute_batch(
            "CREATE TEMP TABLE IF NOT EXISTS doomed (id INTEGER PRIMARY KEY); DELETE FROM temp.doomed;",
        )?;
        let n = tx.execute(
            "INSERT INTO temp.doomed (id) SELECT id FROM memories \
             WHERE (expires_at IS NOT NULL AND expires_at <= ?1) OR touched_at < ?2",
            params![now_ms, retention_cutoff_ms],
        )?;
        if n > 0 {
            let total: i64 = tx.query_row("SELECT count(*) FROM memories", [], |r| r.get(0))?;
            let kept = usize::try_from(total).unwrap_or(0).saturating_sub(n);
            if n >= 4 * kept {
                // Deleting nearly all of the index: dropping it and re-indexing the survivors
                // costs O(kept) tokenisations, deleting by rowid O(deleted) tombstones. A
                // tombstone is cheaper than re-tokenising a survivor, so the rebuild only
                // pays when the deleted outnumber the kept several times over (1,000,000
                // expired beside 100,000 live). At 2,500 beside 2,500, deleting took
                // 12.9 ms from Python where the rebuild took 14.5 ms (benches/python).
                tx.execute_batch(
                    "DELETE FROM memories WHERE id IN (SELECT id FROM temp.doomed);
                     INSERT INTO memory_fts (memory_fts) VALUES ('delete-all');",
                )?;
                let mut read =
                    tx.prepare("SELECT id, text, team, user_id, project FROM memories")?;
                let mut write =
                    tx.prepare("INSERT INTO memory_fts (rowid, text, team_text, scope) VALUES (?1, ?2, ?3, ?4)")?;
                let mut rows = read.query([])?;
                while let Some(r) = rows.next()? {
                    let id: MemoryId = r.get(0)?;
                    let text: String = r.get(1)?;
                    let scope = Scope {
                        team: r.get(2)?,
                        user: r.get(3)?,
                        project: r.get(4)?,
                    };
                    write.execute(params![
                        id,
                        text,
                        team_text(&scope.team, &text),
                        scope_tokens(&scope)
                    ])?;
                }
            } else {
                tx.execute_batch(
                    "DELETE FROM memory_fts WHERE rowid IN (SELECT id FROM temp.doomed);
                     DELETE FROM memories WHERE id IN (SELECT id FROM temp.doomed);",
                )?;
            }
            tx.execute_batch(
                "DELETE FROM memory_history WHERE memory_id IN (SELECT id FROM temp.doomed);
                 DELETE FROM temp.doomed;",
            )?;
        }
        // History of memories deleted by callers ages out with the same retention.
        tx.execute(
            "DELETE FROM memory_history WHERE at < ?1 AND memory_id NOT IN (SELECT id FROM memories)",
            [retention_cutoff_ms],
        )?;
        tx.commit()?;
        Ok(n as u64)
    }

    /// Deletes a session's working memories. Returns how many went.
    pub(crate) fn end_session(&self, session: &str) -> Result<u64> {
        self.flush_accesses()?;
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute(
            "DELETE FROM memory_fts WHERE rowid IN \
             (SELECT id FROM memories WHERE session = ?1 AND kind = 'working')",
            [session],
        )?;
        tx.execute(
            "DELETE FROM memory_history WHERE memory_id IN \
             (SELECT id FROM memories WHERE session = ?1 AND kind = 'working')",
            [session],
        )?;
        let n = tx.execute(
            "DELETE FROM memories WHERE session = ?1 AND kind = 'working'",
            [session],
        )?;
        tx.commit()?;
        Ok(n as u64)
    }

    /// Counts for the dashboard.
    pub(crate) fn memory_stats(&self, now_ms: i64, retention_cutoff_ms: i64) -> Result<RawStats> {
        self.flush_accesses()?;
        let conn = self.conn();
        let mut stats = RawStats::default();
        let mut stmt = conn.prepare_cached(
            "SELECT team, kind, count(*), min(created_at), max(created_at) FROM memories \
             GROUP BY team, kind ORDER BY team, kind",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let team: String = r.get(0)?;
            let kind: String = r.get(1)?;
            let n: i64 = r.get(2)?;
            let lo: i64 = r.get(3)?;
            let hi: i64 = r.get(4)?;
            stats
                .by_team
                .entry(team)
                .or_default()
                .insert(kind, u64::try_from(n).unwrap_or(0));
            stats.oldest_ms = Some(stats.oldest_ms.map_or(lo, |o| o.min(lo)));
            stats.newest_ms = Some(stats.newest_ms.map_or(hi, |o| o.max(hi)));
        }
        let expired: i64 = conn.query_row(
            "SELECT count(*) FROM memories WHERE (expires_at IS NOT NULL AND expires_at <= ?1) OR touched_at < ?2",
            params![now_ms, retention_cutoff_ms],
            |r| r.get(0),
        )?;
        stats.expired = u64::try_from(expired).unwrap_or(0);
        Ok(stats)
    }

    /// A team's live episodic memories (id and tags), oldest first.
    pub(crate) fn episodes(
        &self,
        team: &str,
        now_ms: i64,
        retention_cutoff_ms: i64,
    ) -> Result<Vec<EpisodeRow>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT id, tags FROM memories WHERE team = ?1 AND kind = 'episodic' \
             AND (expires_at IS NULL OR expires_at > ?2) AND touched_at >= ?3 ORDER BY id",
        )?;
        let rows = stmt.query_map(params![team, now_ms, retention_cutoff_ms], |r| {
            let tags: String = r.get(1)?;
            Ok(EpisodeRow {
                id: r.get(0)?,
                tags: json_col(1, &tags)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// A team's newest live outcome episodes (those `record_outcome` stored), newest first,
    /// at most `limit`: id, content (action, outcome, context) and creation time.
    pub(crate) fn recent_outcomes(
        &self,
        team: &str,
        now_ms: i64,
        retention_cutoff_ms: i64,
        limit: usize,
    ) -> Result<Vec<(MemoryId, serde_json::Value, i64)>> {
        let conn = self.conn();
        // The tag list is a JSON array: `"outcome"` with its quotes is the whole tag.
        let mut stmt = conn.prepare_cached(
            "SELECT id, content, created_at FROM memories WHERE team = ?1 AND kind = 'episodic' \
             AND instr(tags, '\"outcome\"') > 0 \
             AND json_extract(provenance, '$.source') = 'outcome' \
             AND (expires_at IS NULL OR expires_at > ?2) AND touched_at >= ?3 \
             ORDER BY id DESC LIMIT ?4",
        )?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = stmt.query_map(params![team, now_ms, retention_cutoff_ms, limit], |r| {
            let content: String = r.get(1)?;
            Ok((r.get(0)?, json_col(1, &content)?, r.get(2)?))
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Every team that has memories, sorted.
    pub(crate) fn memory_teams(&self) -> Result<Vec<String>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached("SELECT DISTINCT team FROM memories ORDER BY team")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}

fn candidate_row(r: &Row<'_>) -> rusqlite::Result<Candidate> {
    let access: i64 = r.get(4)?;
    Ok(Candidate {
        id: r.get(0)?,
        bm25: r.get(1)?,
        importance: r.get(2)?,
        updated_at_ms: r.get(3)?,
        access_count: u64::try_from(access).unwrap_or(0),
        text: r.get(5)?,
    })
}
