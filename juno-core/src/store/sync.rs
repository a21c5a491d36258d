//! SQL for what the sources bring: teams, people, tickets, sprints, active sprints, and
//! each source's sync state. Nouns are kept whole as the model's JSON; the columns beside
//! them are what queries filter and order on.

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};

use super::{from_ms, to_ms};
use crate::error::{Error, Result};
use crate::model::{Role, Sprint, SprintState, Team, Ticket};
use crate::source::{Member, Snapshot};

fn corrupt(what: &str, e: impl std::fmt::Display) -> Error {
    Error::Corrupt {
        detail: format!("{what}: {e}"),
    }
}

fn to_json<T: Serialize>(what: &str, v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| Error::json(what, &e))
}

fn from_json<T: for<'de> Deserialize<'de>>(what: &str, s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| corrupt(what, e))
}

/// How many rows one stored snapshot added or replaced, noun by noun.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedCounts {
    /// Teams.
    pub teams: u64,
    /// People.
    pub people: u64,
    /// Tickets.
    pub tickets: u64,
    /// Finished sprints.
    pub sprints: u64,
    /// Active sprints.
    pub active: u64,
}

impl SavedCounts {
    /// Every row together.
    pub fn total(&self) -> u64 {
        self.teams + self.people + self.tickets + self.sprints + self.active
    }
}

/// Stores `snap`: upserts its teams, people, tickets and finished sprints (with their
/// checkpoints), and replaces the active sprint of every team it names.
pub(crate) fn save_snapshot(
    tx: &Transaction<'_>,
    snap: &Snapshot,
    now_ms: i64,
) -> Result<SavedCounts> {
    let mut n = SavedCounts::default();
    {
        let mut st = tx.prepare_cached(
            "INSERT INTO teams (name, synced_at) VALUES (?1, ?2)
             ON CONFLICT (name) DO UPDATE SET synced_at = excluded.synced_at",
        )?;
        for t in &snap.teams {
            n.teams += st.execute(params![t.as_str(), now_ms])? as u64;
        }
    }
    {
        let mut st = tx.prepare_cached(
            "INSERT INTO people (user_id, team, role, synced_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (user_id) DO UPDATE SET team = excluded.team,
                 role = COALESCE(excluded.role, people.role), synced_at = excluded.synced_at",
        )?;
        for m in &snap.people {
            n.people += st.execute(params![
                m.user.as_str(),
                m.team.as_ref().map(Team::as_str),
                m.role.map(Role::as_str),
                now_ms
            ])? as u64;
        }
    }
    {
        let mut st = tx.prepare_cached(
            "INSERT INTO tickets (key, team, status, updated_at, body, synced_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (key) DO UPDATE SET team = excluded.team, status = excluded.status,
                 updated_at = excluded.updated_at, body = excluded.body,
                 synced_at = excluded.synced_at",
        )?;
        for t in &snap.tickets {
            n.tickets += st.execute(params![
                t.key,
                t.team.as_str(),
                t.status,
                t.updated.map(to_ms),
                to_json("ticket", t)?,
                now_ms
            ])? as u64;
        }
    }
    {
        let mut st = tx.prepare_cached(
            "INSERT INTO sprints (team, sprint, ended_at, body, checkpoint, synced_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (team, sprint) DO UPDATE SET ended_at = excluded.ended_at,
                 body = excluded.body,
                 checkpoint = COALESCE(excluded.checkpoint, sprints.checkpoint),
                 synced_at = excluded.synced_at",
        )?;
        for s in &snap.sprints {
            let checkpoint = snap
                .checkpoints
                .iter()
                .find(|c| c.team == s.team && c.sprint == s.id)
                .map(|c| to_json("checkpoint", c))
                .transpose()?;
            n.sprints += st.execute(params![
                s.team.as_str(),
                s.id,
                s.end.map(to_ms),
                to_json("sprint", s)?,
                checkpoint,
                now_ms
            ])? as u64;
        }
    }
    {
        let mut del = tx.prepare_cached("DELETE FROM active_sprints WHERE team = ?1")?;
        for t in &snap.teams {
            del.execute(params![t.as_str()])?;
        }
        let mut st = tx.prepare_cached(
            "INSERT INTO active_sprints (team, sprint, state, synced_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (team) DO UPDATE SET sprint = excluded.sprint, state = excluded.state,
                 synced_at = excluded.synced_at",
        )?;
        for a in &snap.active {
            n.active += st.execute(params![
                a.team.as_str(),
                a.sprint,
                to_json("active sprint", a)?,
                now_ms
            ])? as u64;
        }
    }
    Ok(n)
}

/// Everything stored, as one snapshot as of `now`: teams by name, people by name, sprints
/// by team then end, active sprints by team, tickets by key.
pub(crate) fn load_snapshot(
    conn: &Connection,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Snapshot> {
    let mut snap = Snapshot {
        now,
        ..Snapshot::default()
    };
    let mut st = conn.prepare_cached("SELECT name FROM teams ORDER BY name")?;
    snap.teams = st
        .query_map([], |r| r.get::<_, String>(0))?
        .map(|r| r.map(Team::from))
        .collect::<rusqlite::Result<_>>()?;
    let mut st =
        conn.prepare_cached("SELECT user_id, team, role FROM people ORDER BY team, user_id")?;
    let rows = st
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, Option<String>>(2)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for (user, team, role) in rows {
        let role = role
            .map(|r| r.parse::<Role>().map_err(|e| corrupt("person role", e)))
            .transpose()?;
        snap.people.push(Member {
            user: user.into(),
            team: team.map(Team::from),
            role,
        });
    }
    let mut st = conn
        .prepare_cached("SELECT body, checkpoint FROM sprints ORDER BY team, ended_at, sprint")?;
    let rows = st
        .query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for (body, checkpoint) in rows {
        snap.sprints
            .push(from_json::<Sprint>("stored sprint", &body)?);
        if let Some(c) = checkpoint {
            snap.checkpoints
                .push(from_json::<SprintState>("stored checkpoint", &c)?);
        }
    }
    let mut st = conn.prepare_cached("SELECT state FROM active_sprints ORDER BY team")?;
    let rows = st
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for s in rows {
        snap.active
            .push(from_json::<SprintState>("stored active sprint", &s)?);
    }
    let mut st = conn.prepare_cached("SELECT body FROM tickets ORDER BY key")?;
    let rows = st
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for b in rows {
        snap.tickets.push(from_json::<Ticket>("stored ticket", &b)?);
    }
    Ok(snap)
}

/// Finished sprints with a checkpoint that are not yet a forecast observation, oldest end
/// first: (sprint, checkpoint).
pub(crate) fn unobserved_sprints(conn: &Connection) -> Result<Vec<(Sprint, SprintState)>> {
    // The source's checkpoint when it has one, else the one the cycle took while the
    // sprint ran.
    let mut st = conn.prepare_cached(
        "SELECT s.body, COALESCE(s.checkpoint, c.state) FROM sprints s
         LEFT JOIN sprint_checkpoints c ON c.team = s.team AND c.sprint = s.sprint
         WHERE COALESCE(s.checkpoint, c.state) IS NOT NULL AND NOT EXISTS (
             SELECT 1 FROM sprint_observations o WHERE o.team = s.team AND o.sprint = s.sprint)
         ORDER BY s.ended_at, s.team, s.sprint",
    )?;
    let rows = st
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter()
        .map(|(b, c)| {
            Ok((
                from_json("stored sprint", &b)?,
                from_json("stored checkpoint", &c)?,
            ))
        })
        .collect()
}

/// Where one source's syncing stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncState {
    /// The source's name.
    pub source: String,
    /// The `now` of the last successful sync: the next one asks for changes since then.
    pub last_success: Option<chrono::DateTime<chrono::Utc>>,
    /// When the last attempt was made.
    pub last_attempt: chrono::DateTime<chrono::Utc>,
    /// Why the last attempt failed, if it did.
    pub last_error: Option<String>,
    /// Successful syncs so far.
    pub syncs: u64,
    /// Rows stored by them together.
    pub items: u64,
}

/// The sync state of `source`.
pub(crate) fn sync_state(conn: &Connection, source: &str) -> Result<Option<SyncState>> {
    conn.query_row(
        "SELECT last_success, last_attempt, last_error, syncs, items FROM sync_state
         WHERE source = ?1",
        [source],
        |r| {
            Ok(SyncState {
                source: source.to_owned(),
                last_success: r.get::<_, Option<i64>>(0)?.map(from_ms),
                last_attempt: from_ms(r.get(1)?),
                last_error: r.get(2)?,
                syncs: r.get::<_, i64>(3)?.max(0) as u64,
                items: r.get::<_, i64>(4)?.max(0) as u64,
            })
        },
    )
    .optional()
    .map_err(Into::into)
}

/// Records a sync attempt: a success moves `last_success` to `at` and adds `items`; a
/// failure keeps it and records the error.
pub(crate) fn record_sync(
    tx: &Transaction<'_>,
    source: &str,
    at_ms: i64,
    outcome: std::result::Result<u64, &str>,
) -> Result<()> {
    match outcome {
        Ok(items) => tx.execute(
            "INSERT INTO sync_state (source, last_success, last_attempt, last_error, syncs, items)
             VALUES (?1, ?2, ?2, NULL, 1, ?3)
             ON CONFLICT (source) DO UPDATE SET last_success = excluded.last_success,
                 last_attempt = excluded.last_attempt, last_error = NULL,
                 syncs = sync_state.syncs + 1, items = sync_state.items + excluded.items",
            params![source, at_ms, items as i64],
        )?,
        Err(message) => tx.execute(
            "INSERT INTO sync_state (source, last_attempt, last_error) VALUES (?1, ?2, ?3)
             ON CONFLICT (source) DO UPDATE SET last_attempt = excluded.last_attempt,
                 last_error = excluded.last_error",
            params![source, at_ms, message],
        )?,
    };
    Ok(())
}

/// Keeps `state` as its sprint's checkpoint unless one was taken already; whether it was
/// kept.
pub(crate) fn take_checkpoint(
    tx: &Transaction<'_>,
    state: &SprintState,
    at_ms: i64,
) -> Result<bool> {
    Ok(tx.execute(
        "INSERT INTO sprint_checkpoints (team, sprint, state, taken_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (team, sprint) DO NOTHING",
        params![
            state.team.as_str(),
            state.sprint,
            to_json("checkpoint", state)?,
            at_ms
        ],
    )? == 1)
}
