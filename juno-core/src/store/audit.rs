//! SQL for the audit log.

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::{Store, from_ms};
use crate::audit::{self, AuditEntry, AuditEvent, EntryFields, GENESIS, Hash, MerkleBuilder};
use crate::error::{Error, Result};

/// Appends entries inside one transaction, reading the chain's tail once.
pub(crate) struct Appender {
    next_seq: u64,
    prev: Hash,
}

fn blob32(v: Vec<u8>) -> Hash {
    let mut h = [0u8; 32];
    if v.len() == 32 {
        h.copy_from_slice(&v);
    }
    h
}

impl Appender {
    /// Reads the tail of the chain; call inside the write transaction that appends.
    pub(crate) fn new(tx: &Transaction<'_>) -> Result<Self> {
        let tail: Option<(i64, Vec<u8>)> = tx
            .prepare_cached("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")?
            .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        Ok(match tail {
            Some((seq, hash)) => Appender {
                next_seq: u64::try_from(seq).unwrap_or(0) + 1,
                prev: blob32(hash),
            },
            None => Appender {
                next_seq: 1,
                prev: GENESIS,
            },
        })
    }

    /// Appends one entry and returns its sequence number.
    pub(crate) fn append(
        &mut self,
        tx: &Transaction<'_>,
        at_ms: i64,
        actor: &str,
        event: AuditEvent,
        subject: &str,
        payload: &serde_json::Value,
    ) -> Result<u64> {
        let event = event.as_str();
        let payload_text = payload.to_string();
        let payload_digest = audit::sha256(payload_text.as_bytes());
        let seq = self.next_seq;
        let hash = audit::entry_hash(&EntryFields {
            seq,
            at_ms,
            actor,
            event,
            subject,
            payload_digest: &payload_digest,
            prev_hash: &self.prev,
        });
        tx.prepare_cached(
            "INSERT INTO audit_log (seq, at, actor, event, subject, payload, payload_digest, prev_hash, hash) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?
        .execute(params![
            i64::try_from(seq).unwrap_or(i64::MAX),
            at_ms,
            actor,
            event,
            subject,
            payload_text,
            &payload_digest[..],
            &self.prev[..],
            &hash[..],
        ])?;
        self.prev = hash;
        self.next_seq += 1;
        crate::log::audit_appended(seq, event, actor, subject);
        Ok(seq)
    }
}

/// The outcome of walking the chain.
pub(crate) struct ChainWalk {
    pub entries: u64,
    pub first_bad: Option<(u64, String)>,
    /// Merkle roots at each requested size, in the order asked.
    pub roots_at: Vec<(u64, Option<Hash>)>,
    pub root: Hash,
}

fn row_entry(r: &rusqlite::Row<'_>) -> rusqlite::Result<AuditEntry> {
    let seq: i64 = r.get(0)?;
    let payload: String = r.get(5)?;
    Ok(AuditEntry {
        seq: u64::try_from(seq).unwrap_or(0),
        at: from_ms(r.get(1)?),
        actor: r.get(2)?,
        event: r.get(3)?,
        subject: r.get(4)?,
        payload: serde_json::from_str(&payload).unwrap_or(serde_json::Value::String(payload)),
        payload_digest: audit::hex(&r.get::<_, Vec<u8>>(6)?),
        prev_hash: audit::hex(&r.get::<_, Vec<u8>>(7)?),
        hash: audit::hex(&r.get::<_, Vec<u8>>(8)?),
    })
}

impl Store {
    /// Appends one entry in its own transaction (refusals, which must be recorded even
    /// though the operation they refuse changes nothing).
    pub(crate) fn audit_append(
        &self,
        at_ms: i64,
        actor: &str,
        event: AuditEvent,
        subject: &str,
        payload: &serde_json::Value,
    ) -> Result<u64> {
        self.write(|tx| Appender::new(tx)?.append(tx, at_ms, actor, event, subject, payload))
    }

    /// Entries with `from <= seq < from + limit`, oldest first.
    pub(crate) fn audit_entries(&self, from: u64, limit: usize) -> Result<Vec<AuditEntry>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT seq, at, actor, event, subject, payload, payload_digest, prev_hash, hash \
             FROM audit_log WHERE seq >= ?1 ORDER BY seq LIMIT ?2",
        )?;
        let rows = stmt.query_map(
            params![
                i64::try_from(from).unwrap_or(i64::MAX),
                i64::try_from(limit).unwrap_or(i64::MAX)
            ],
            row_entry,
        )?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Entries for one subject, oldest first.
    pub(crate) fn audit_entries_for(&self, subject: &str) -> Result<Vec<AuditEntry>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT seq, at, actor, event, subject, payload, payload_digest, prev_hash, hash \
             FROM audit_log WHERE subject = ?1 ORDER BY seq",
        )?;
        let rows = stmt.query_map([subject], row_entry)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Every entry, oldest first, streamed to `each` (compliance scans).
    pub(crate) fn audit_scan(&self, mut each: impl FnMut(AuditEntry) -> Result<()>) -> Result<()> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT seq, at, actor, event, subject, payload, payload_digest, prev_hash, hash \
             FROM audit_log ORDER BY seq",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            each(row_entry(r)?)?;
        }
        Ok(())
    }

    /// The entry hashes of entries 1..=size (for proofs).
    pub(crate) fn audit_hashes(&self, size: u64) -> Result<Vec<Hash>> {
        hashes(&self.conn(), size)
    }

    /// Re-walks the whole chain: sequence continuity, payload digests, prev links and entry
    /// hashes; also computes Merkle roots at the given sizes.
    pub(crate) fn audit_walk(&self, sizes: &[u64]) -> Result<ChainWalk> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT seq, at, actor, event, subject, payload, payload_digest, prev_hash, hash \
             FROM audit_log ORDER BY seq",
        )?;
        let mut rows = stmt.query([])?;
        let mut merkle = MerkleBuilder::default();
        let mut expected_seq = 1u64;
        let mut prev = GENESIS;
        let mut first_bad: Option<(u64, String)> = None;
        let mut roots_at: Vec<(u64, Option<Hash>)> = sizes.iter().map(|s| (*s, None)).collect();
        for (size, root) in &mut roots_at {
            if *size == 0 {
                *root = Some(merkle.root());
            }
        }
        while let Some(r) = rows.next()? {
            let seq = u64::try_from(r.get::<_, i64>(0)?).unwrap_or(0);
            let at_ms: i64 = r.get(1)?;
            let actor: String = r.get(2)?;
            let event: String = r.get(3)?;
            let subject: String = r.get(4)?;
            let payload: String = r.get(5)?;
            let payload_digest = blob32(r.get(6)?);
            let stored_prev = blob32(r.get(7)?);
            let stored_hash = blob32(r.get(8)?);
            if first_bad.is_none() {
                let problem = if seq != expected_seq {
                    Some(format!(
                        "entry {expected_seq} is missing (next entry is {seq})"
                    ))
                } else if stored_prev != prev {
                    Some(format!("entry {seq} does not link to the entry before it"))
                } else if audit::sha256(payload.as_bytes()) != payload_digest {
                    Some(format!("entry {seq}'s payload does not match its digest"))
                } else {
                    let h = audit::entry_hash(&EntryFields {
                        seq,
                        at_ms,
                        actor: &actor,
                        event: &event,
                        subject: &subject,
                        payload_digest: &payload_digest,
                        prev_hash: &stored_prev,
                    });
                    (h != stored_hash)
                        .then(|| format!("entry {seq}'s hash does not match its contents"))
                };
                if let Some(p) = problem {
                    first_bad = Some((seq.min(expected_seq), p));
                }
            }
            prev = stored_hash;
            expected_seq = seq + 1;
            merkle.push(&stored_hash);
            for (size, root) in &mut roots_at {
                if *size == merkle.size() {
                    *root = Some(merkle.root());
                }
            }
        }
        Ok(ChainWalk {
            entries: merkle.size(),
            first_bad,
            roots_at,
            root: merkle.root(),
        })
    }

    /// Records a checkpoint of the current chain and returns (size, root).
    pub(crate) fn audit_checkpoint(&self, at_ms: i64) -> Result<(u64, Hash)> {
        self.write(|tx| {
            let hashes = hashes(tx, u64::MAX)?;
            let size = hashes.len() as u64;
            let root = audit::merkle_root(&hashes);
            record_checkpoint(tx, size, &root, at_ms)?;
            Ok((size, root))
        })
    }

    /// Signs a checkpoint of the current chain in one transaction: `sign` gets every entry
    /// hash and the newest signed checkpoint, and returns the origin and the signed note (or
    /// refuses). The checkpoint is recorded both as a plain checkpoint and as a signed one.
    pub(crate) fn audit_sign(
        &self,
        at_ms: i64,
        sign: impl FnOnce(&[Hash], Option<&SignedRow>) -> Result<(String, String)>,
    ) -> Result<SignedRow> {
        self.write(|tx| {
            let hashes = hashes(tx, u64::MAX)?;
            let last = signed_rows(tx, Some(1))?.pop();
            let (origin, note) = sign(&hashes, last.as_ref())?;
            let size = hashes.len() as u64;
            let root = audit::merkle_root(&hashes);
            record_checkpoint(tx, size, &root, at_ms)?;
            tx.execute(
                "INSERT INTO audit_signed_checkpoints (size, root, origin, note, at) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![sql_size(size), &root[..], origin, note, at_ms],
            )?;
            Ok(SignedRow {
                size,
                root,
                origin,
                note,
                at_ms,
            })
        })
    }

    /// A consistent snapshot for an export: the signed checkpoints (oldest first), then
    /// every entry as stored, oldest first, streamed to `each`, all in one read transaction.
    pub(crate) fn audit_export(
        &self,
        mut each: impl FnMut(RawEntry) -> Result<()>,
    ) -> Result<Vec<SignedRow>> {
        let conn = self.conn();
        let tx = conn.unchecked_transaction()?;
        let mut signed = signed_rows(&tx, None)?;
        signed.reverse();
        {
            let mut stmt = tx.prepare_cached(
                "SELECT seq, at, actor, event, subject, payload, payload_digest, prev_hash, hash \
                 FROM audit_log ORDER BY seq",
            )?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                each(RawEntry {
                    seq: u64::try_from(r.get::<_, i64>(0)?).unwrap_or(0),
                    at_ms: r.get(1)?,
                    actor: r.get(2)?,
                    event: r.get(3)?,
                    subject: r.get(4)?,
                    payload: r.get(5)?,
                    payload_digest: blob32(r.get(6)?),
                    prev_hash: blob32(r.get(7)?),
                    hash: blob32(r.get(8)?),
                })?;
            }
        }
        tx.finish()?;
        Ok(signed)
    }

    /// Signed checkpoints, oldest first.
    pub(crate) fn audit_signed_checkpoints(&self) -> Result<Vec<SignedRow>> {
        let mut rows = signed_rows(&self.conn(), None)?;
        rows.reverse();
        Ok(rows)
    }

    /// Stored checkpoints, oldest first.
    pub(crate) fn audit_checkpoints(&self) -> Result<Vec<(u64, Hash, i64)>> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare_cached("SELECT size, root, at FROM audit_checkpoints ORDER BY size")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                u64::try_from(r.get::<_, i64>(0)?).unwrap_or(0),
                blob32(r.get(1)?),
                r.get(2)?,
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// How many entries the log holds.
    pub(crate) fn audit_len(&self) -> Result<u64> {
        let conn = self.conn();
        let n: i64 = conn.query_row("SELECT count(*) FROM audit_log", [], |r| r.get(0))?;
        u64::try_from(n).map_err(|_| Error::Corrupt {
            detail: "negative audit count".into(),
        })
    }
}

/// A signed checkpoint as stored.
#[derive(Debug, Clone)]
pub(crate) struct SignedRow {
    pub size: u64,
    pub root: Hash,
    pub origin: String,
    pub note: String,
    pub at_ms: i64,
}

fn sql_size(size: u64) -> i64 {
    i64::try_from(size).unwrap_or(i64::MAX)
}

/// The entry hashes of entries 1..=size.
fn hashes(conn: &Connection, size: u64) -> Result<Vec<Hash>> {
    let mut stmt =
        conn.prepare_cached("SELECT hash FROM audit_log WHERE seq <= ?1 ORDER BY seq")?;
    let rows = stmt.query_map([sql_size(size)], |r| r.get::<_, Vec<u8>>(0))?;
    let mut out = Vec::new();
    for r in rows {
        out.push(blob32(r?));
    }
    Ok(out)
}

/// Records a plain checkpoint, never replacing a stored root: one stored for the same size
/// must agree.
fn record_checkpoint(conn: &Connection, size: u64, root: &Hash, at_ms: i64) -> Result<()> {
    conn.execute(
        "INSERT OR IGNORE INTO audit_checkpoints (size, root, at) VALUES (?1, ?2, ?3)",
        params![sql_size(size), &root[..], at_ms],
    )?;
    let stored: Vec<u8> = conn.query_row(
        "SELECT root FROM audit_checkpoints WHERE size = ?1",
        [sql_size(size)],
        |r| r.get(0),
    )?;
    if stored != root {
        return Err(Error::Corrupt {
            detail: format!(
                "a stored checkpoint of size {size} has a different root: history was rewritten"
            ),
        });
    }
    Ok(())
}

/// Signed checkpoints, newest first, at most `limit`.
fn signed_rows(conn: &Connection, limit: Option<u32>) -> Result<Vec<SignedRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT size, root, origin, note, at FROM audit_signed_checkpoints \
         ORDER BY id DESC LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit.map_or(-1, i64::from)], |r| {
        Ok(SignedRow {
            size: u64::try_from(r.get::<_, i64>(0)?).unwrap_or(0),
            root: blob32(r.get(1)?),
            origin: r.get(2)?,
            note: r.get(3)?,
            at_ms: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// An entry exactly as stored: the payload as its JSON text, hashes as bytes.
#[derive(Debug, Clone)]
pub(crate) struct RawEntry {
    pub seq: u64,
    pub at_ms: i64,
    pub actor: String,
    pub event: String,
    pub subject: String,
    pub payload: String,
    pub payload_digest: Hash,
    pub prev_hash: Hash,
    pub hash: Hash,
}

/// Entries after `after` (exclusive), oldest first, at most `limit`: for readers that keep
/// a cursor inside their own transaction (the notification outbox).
pub(crate) fn entries_after(
    conn: &Connection,
    after: u64,
    limit: usize,
) -> Result<Vec<AuditEntry>> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, at, actor, event, subject, payload, payload_digest, prev_hash, hash \
         FROM audit_log WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    )?;
    let rows = stmt.query_map(
        params![
            i64::try_from(after).unwrap_or(i64::MAX),
            i64::try_from(limit).unwrap_or(i64::MAX)
        ],
        row_entry,
    )?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}
