//! SQL for sprint forecasts: recorded sprint observations and trained model versions.

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::{from_ms, to_ms};
use crate::error::{Error, Result};
use crate::forecast::{RiskModel, SprintObservation};

fn corrupt(what: &str, e: impl std::fmt::Display) -> Error {
    Error::Corrupt {
        detail: format!("{what}: {e}"),
    }
}

/// Inserts or replaces the observation of (team, sprint). Returns true when it replaced one.
pub(crate) fn upsert_observation(
    tx: &Transaction<'_>,
    o: &SprintObservation,
    now_ms: i64,
) -> Result<bool> {
    let state = serde_json::to_string(&o.state).map_err(|e| Error::json("state", &e))?;
    let history = serde_json::to_string(&o.history).map_err(|e| Error::json("history", &e))?;
    let existed: bool = tx
        .query_row(
            "SELECT 1 FROM sprint_observations WHERE team = ?1 AND sprint = ?2",
            params![o.state.team.as_str(), o.state.sprint],
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    tx.execute(
        "INSERT INTO sprint_observations
             (team, sprint, ended_at, state, history, delivered_points, recorded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (team, sprint) DO UPDATE SET
             ended_at = excluded.ended_at, state = excluded.state, history = excluded.history,
             delivered_points = excluded.delivered_points, recorded_at = excluded.recorded_at",
        params![
            o.state.team.as_str(),
            o.state.sprint,
            to_ms(o.ended_at),
            state,
            history,
            o.delivered_points,
            now_ms
        ],
    )?;
    Ok(existed)
}

/// Every observation, oldest sprint end first (ties by team, sprint).
pub(crate) fn observations(conn: &Connection) -> Result<Vec<SprintObservation>> {
    let mut stmt = conn.prepare(
        "SELECT ended_at, state, history, delivered_points FROM sprint_observations
         ORDER BY ended_at, team, sprint",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, f64>(3)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (ended, state, history, delivered) = row?;
        out.push(SprintObservation {
            state: serde_json::from_str(&state).map_err(|e| corrupt("sprint observation", e))?,
            history: serde_json::from_str(&history)
                .map_err(|e| corrupt("sprint observation", e))?,
            delivered_points: delivered,
            ended_at: from_ms(ended),
        });
    }
    Ok(out)
}

/// Stores `model` as the next version and returns that version.
pub(crate) fn insert_model(tx: &Transaction<'_>, model: &RiskModel, now_ms: i64) -> Result<i64> {
    let next: i64 = tx.query_row(
        "SELECT COALESCE(MAX(version), 0) + 1 FROM risk_models",
        [],
        |r| r.get(0),
    )?;
    let mut stored = model.clone();
    stored.version = next;
    let json = serde_json::to_string(&stored).map_err(|e| Error::json("model", &e))?;
    let features = serde_json::to_string(&stored.features).map_err(|e| Error::json("model", &e))?;
    let evaluation =
        serde_json::to_string(&stored.evaluation).map_err(|e| Error::json("model", &e))?;
    let (from, to) = stored.training_period.clone().unzip();
    tx.execute(
        "INSERT INTO risk_models
             (version, kind, features, model, trained_on, training_from, training_to, evaluation, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            next,
            stored.kind,
            features,
            json,
            stored.trained_on as i64,
            from,
            to,
            evaluation,
            now_ms
        ],
    )?;
    Ok(next)
}

/// The newest model, if any.
pub(crate) fn latest_model(conn: &Connection) -> Result<Option<RiskModel>> {
    let json: Option<String> = conn
        .query_row(
            "SELECT model FROM risk_models ORDER BY version DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?;
    json.map(|j| serde_json::from_str(&j).map_err(|e| corrupt("risk model", e)))
        .transpose()
}

/// How many model versions exist.
pub(crate) fn model_count(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT COUNT(*) FROM risk_models", [], |r| r.get(0))?)
}
