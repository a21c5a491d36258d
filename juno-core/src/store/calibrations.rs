//! SQL for confidence calibration: the versioned maps fitted per action kind.

use std::collections::BTreeMap;

use rusqlite::{Connection, Transaction, params};

use super::from_ms;
use crate::agent::ConfidenceCalibration;
use crate::error::{Error, Result};
use crate::reasoning::Calibration;

fn corrupt(e: impl std::fmt::Display) -> Error {
    Error::Corrupt {
        detail: format!("confidence calibration: {e}"),
    }
}

/// Stores `map` as the next version of `kind`'s calibration and returns that version.
pub(crate) fn insert(
    tx: &Transaction<'_>,
    kind: &str,
    map: &Calibration,
    decided_through_ms: i64,
    now_ms: i64,
) -> Result<i64> {
    let next: i64 = tx.query_row(
        "SELECT COALESCE(MAX(version), 0) + 1 FROM confidence_calibrations WHERE kind = ?1",
        [kind],
        |r| r.get(0),
    )?;
    let json = serde_json::to_string(map).map_err(|e| Error::json("calibration", &e))?;
    tx.execute(
        "INSERT INTO confidence_calibrations
             (kind, version, map, outcomes, decided_through, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            kind,
            next,
            json,
            map.outcomes as i64,
            decided_through_ms,
            now_ms
        ],
    )?;
    Ok(next)
}

/// Stored maps, oldest first within each kind, kinds by name: every version, or (with
/// `newest_as_of_ms`) only each kind's newest version created at or before that moment.
pub(crate) fn calibrations(
    conn: &Connection,
    newest_as_of_ms: Option<i64>,
) -> Result<Vec<ConfidenceCalibration>> {
    let mut stmt = conn.prepare_cached(
        "SELECT kind, version, map, decided_through, created_at FROM confidence_calibrations c
         WHERE ?1 IS NULL OR version = (
             SELECT MAX(version) FROM confidence_calibrations n
             WHERE n.kind = c.kind AND n.created_at <= ?1)
         ORDER BY kind, version",
    )?;
    let rows = stmt.query_map([newest_as_of_ms], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, i64>(3)?,
            r.get::<_, i64>(4)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (kind, version, map, through, created) = row?;
        out.push(ConfidenceCalibration {
            kind,
            version,
            map: serde_json::from_str(&map).map_err(corrupt)?,
            decided_through: from_ms(through),
            created_at: from_ms(created),
        });
    }
    Ok(out)
}

/// Each kind's newest map created at or before `as_of_ms`, by kind.
pub(crate) fn newest(
    conn: &Connection,
    as_of_ms: i64,
) -> Result<BTreeMap<String, ConfidenceCalibration>> {
    Ok(calibrations(conn, Some(as_of_ms))?
        .into_iter()
        .map(|c| (c.kind.clone(), c))
        .collect())
}
