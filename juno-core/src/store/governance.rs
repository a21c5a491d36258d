//! SQL for governance: role assignments and approval requests.

use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use super::{Store, from_ms};
use crate::error::{Error, Result};
use crate::governance::{
    Action, ApprovalRequest, CalibrationRef, Delegation, RequestId, RequestStatus, RoleAssignment,
};
use crate::model::{ImpactLevel, Role};

// `raw_confidence` is null only in rows from before it was kept, when no map was ever
// applied: the confidence was the raw score.
const REQ_COLS: &str = "id, action, digest, impact, confidence, explanation, requester, status, role, \
    escalations, deadline, created_at, updated_at, decided_by, decided_at, reason, decision, \
    executed_at, result, coalesce(raw_confidence, confidence), calibration, on_behalf_of, reminders";

fn conv<T, E: std::error::Error + Send + Sync + 'static>(
    idx: usize,
    r: std::result::Result<T, E>,
) -> rusqlite::Result<T> {
    r.map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn row_request(r: &Row<'_>) -> rusqlite::Result<ApprovalRequest> {
    let action: String = r.get(1)?;
    let impact: String = r.get(3)?;
    let status: String = r.get(7)?;
    let role: String = r.get(8)?;
    let escalations: i64 = r.get(9)?;
    let json_opt = |i: usize| -> rusqlite::Result<Option<serde_json::Value>> {
        let s: Option<String> = r.get(i)?;
        s.map(|s| conv(i, serde_json::from_str(&s))).transpose()
    };
    Ok(ApprovalRequest {
        id: r.get(0)?,
        action: conv(1, serde_json::from_str::<Action>(&action))?,
        digest: r.get(2)?,
        impact: conv(3, impact.parse::<ImpactLevel>())?,
        confidence: r.get(4)?,
        explanation: r.get(5)?,
        requester: r.get(6)?,
        status: conv(7, status.parse::<RequestStatus>())?,
        role: conv(8, role.parse::<Role>())?,
        escalations: u32::try_from(escalations).unwrap_or(0),
        deadline: r.get::<_, Option<i64>>(10)?.map(from_ms),
        created_at: from_ms(r.get(11)?),
        updated_at: from_ms(r.get(12)?),
        decided_by: r.get(13)?,
        decided_at: r.get::<_, Option<i64>>(14)?.map(from_ms),
        reason: r.get(15)?,
        decision: json_opt(16)?,
        executed_at: r.get::<_, Option<i64>>(17)?.map(from_ms),
        result: json_opt(18)?,
        raw_confidence: r.get(19)?,
        calibration: r
            .get::<_, Option<String>>(20)?
            .map(|c| conv(20, serde_json::from_str::<CalibrationRef>(&c)))
            .transpose()?,
        on_behalf_of: r.get(21)?,
        reminders: u32::try_from(r.get::<_, i64>(22)?).unwrap_or(0),
    })
}

fn row_assignment(r: &Row<'_>) -> rusqlite::Result<RoleAssignment> {
    let role: String = r.get(1)?;
    Ok(RoleAssignment {
        user: r.get(0)?,
        role: conv(1, role.parse::<Role>())?,
        team: r.get(2)?,
        granted_at: from_ms(r.get(3)?),
        granted_by: r.get(4)?,
        revoked_at: r.get::<_, Option<i64>>(5)?.map(from_ms),
        revoked_by: r.get(6)?,
    })
}

/// The fields a state transition may set.
#[derive(Debug, Default)]
pub(crate) struct Transition<'a> {
    pub role: Option<Role>,
    pub escalate: bool,
    pub deadline: Option<Option<i64>>,
    pub decided_by: Option<&'a str>,
    /// The delegator a delegate decided for.
    pub on_behalf_of: Option<&'a str>,
    pub reason: Option<&'a str>,
    pub decision: Option<&'a serde_json::Value>,
    pub executed: bool,
    pub result: Option<&'a serde_json::Value>,
}

impl Store {
    /// Runs `f` in one IMMEDIATE transaction, committed on `Ok` (rolled back on `Err`)
    /// with `synchronous = FULL`: a governance decision or audit entry that was reported as
    /// made is on disk, power loss included. (Memory writes keep WAL's NORMAL, which can
    /// lose the last transactions on power loss but never corrupts.)
    pub(crate) fn write<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        // A write that panicked on this thread (caught at the C or Python boundary) never
        // reached `rolled_back`: what it appended did not happen.
        crate::log::rolled_back();
        let mut conn = self.conn();
        let durable = matches!(self.location, super::Location::File(_));
        if durable {
            conn.pragma_update(None, "synchronous", "FULL")?;
        }
        let result = (|| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let out = f(&tx)?;
            tx.commit()?;
            Ok(out)
        })();
        let restored = if durable {
            conn.pragma_update(None, "synchronous", "NORMAL")
        } else {
            Ok(())
        };
        // The log hears of the audit entries only once they are committed, and after the
        // connection is released: a log handler that calls back into JUNO cannot deadlock.
        drop(conn);
        match &result {
            Ok(_) => crate::log::committed(&self.names),
            Err(_) => crate::log::rolled_back(),
        }
        restored?;
        result
    }

    /// Runs `f` with the connection, for reads.
    pub(crate) fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let conn = self.conn();
        f(&conn)
    }
}

/// Grants `role` to `user` for `team` unless an active identical grant exists.
/// Returns whether a row was added.
pub(crate) fn grant(
    tx: &Transaction<'_>,
    user: &str,
    role: Role,
    team: &str,
    at_ms: i64,
    by: &str,
) -> Result<bool> {
    let n = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO role_assignments (user_id, role, team, granted_at, granted_by) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![user, role.as_str(), team, at_ms, by])?;
    Ok(n > 0)
}

/// Revokes active grants of `role` to `user` (for `team`, or all teams when `None`).
/// Returns the teams revoked.
pub(crate) fn revoke(
    tx: &Transaction<'_>,
    user: &str,
    role: Role,
    team: Option<&str>,
    at_ms: i64,
    by: &str,
) -> Result<Vec<String>> {
    let mut stmt = tx.prepare_cached(
        "UPDATE role_assignments SET revoked_at = ?4, revoked_by = ?5 \
         WHERE user_id = ?1 AND role = ?2 AND (?3 IS NULL OR team = ?3) AND revoked_at IS NULL \
         RETURNING team",
    )?;
    let rows = stmt.query_map(params![user, role.as_str(), team, at_ms, by], |r| r.get(0))?;
    let mut teams: Vec<String> = rows.collect::<rusqlite::Result<_>>()?;
    teams.sort();
    Ok(teams)
}

/// Assignments (optionally one user's; optionally including revoked ones), ordered.
pub(crate) fn assignments(
    conn: &Connection,
    user: Option<&str>,
    include_revoked: bool,
) -> Result<Vec<RoleAssignment>> {
    let mut stmt = conn.prepare_cached(
        "SELECT user_id, role, team, granted_at, granted_by, revoked_at, revoked_by FROM role_assignments \
         WHERE (?1 IS NULL OR user_id = ?1) AND (?2 OR revoked_at IS NULL) ORDER BY user_id, role, team, id",
    )?;
    let rows = stmt.query_map(params![user, include_revoked], row_assignment)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Active roles of `user` that cover `team` (a grant for that team or for `*`).
pub(crate) fn roles_for(conn: &Connection, user: &str, team: &str) -> Result<Vec<Role>> {
    let mut stmt = conn.prepare_cached(
        "SELECT role FROM role_assignments WHERE user_id = ?1 AND revoked_at IS NULL \
         AND (team = ?2 OR team = '*' OR role = 'DIRECTOR')",
    )?;
    let rows = stmt.query_map(params![user, team], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for r in rows {
        out.push(r?.parse::<Role>()?);
    }
    Ok(out)
}

/// Inserts a request; returns its id.
#[allow(clippy::too_many_arguments)]
pub(crate) fn insert_request(
    tx: &Transaction<'_>,
    action: &Action,
    digest: &str,
    impact: ImpactLevel,
    confidence: f64,
    raw_confidence: f64,
    calibration: Option<&CalibrationRef>,
    explanation: &str,
    requester: &str,
    status: RequestStatus,
    role: Role,
    deadline_ms: Option<i64>,
    now_ms: i64,
    decision: Option<&serde_json::Value>,
) -> Result<RequestId> {
    let action_json = serde_json::to_string(action).map_err(|e| Error::Storage {
        message: format!("serialising action: {e}"),
    })?;
    let calibration = calibration
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| Error::Storage {
            message: format!("serialising calibration: {e}"),
        })?;
    let auto = status == RequestStatus::AutoApproved;
    tx.prepare_cached(
        "INSERT INTO approval_requests (action, digest, kind, team, target, impact, confidence, \
         explanation, requester, status, role, deadline, created_at, updated_at, decided_by, \
         decided_at, decision, raw_confidence, calibration) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13, ?14, ?15, ?16, ?17, ?18)",
    )?
    .execute(params![
        action_json,
        digest,
        action.kind,
        action.team.as_str(),
        action.target,
        impact.as_str(),
        confidence,
        explanation,
        requester,
        status.as_str(),
        role.as_str(),
        deadline_ms,
        now_ms,
        auto.then_some("juno"),
        auto.then_some(now_ms),
        decision.map(ToString::to_string),
        raw_confidence,
        calibration,
    ])?;
    Ok(tx.last_insert_rowid())
}

/// One request.
pub(crate) fn get_request(conn: &Connection, id: RequestId) -> Result<Option<ApprovalRequest>> {
    let sql = format!("SELECT {REQ_COLS} FROM approval_requests WHERE id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id], row_request)
        .optional()?)
}

/// Moves request `id` from `from` to `to`, setting the transition's fields. Returns false
/// (and changes nothing) if the request is no longer in `from`: the guard that makes
/// concurrent transitions safe.
pub(crate) fn transition(
    tx: &Transaction<'_>,
    id: RequestId,
    from: &[RequestStatus],
    to: RequestStatus,
    now_ms: i64,
    t: &Transition<'_>,
) -> Result<bool> {
    let from_list: Vec<String> = from.iter().map(|s| format!("'{}'", s.as_str())).collect();
    // The status names are fixed identifiers from the enum, never caller text.
    let sql = format!(
        "UPDATE approval_requests SET status = ?2, updated_at = ?3, \
         role = coalesce(?4, role), escalations = escalations + ?5, \
         reminders = CASE WHEN ?5 > 0 THEN 0 ELSE reminders END, \
         deadline = CASE WHEN ?6 THEN ?7 ELSE deadline END, \
         decided_by = coalesce(?8, decided_by), decided_at = CASE WHEN ?8 IS NULL THEN decided_at ELSE ?3 END, \
         reason = coalesce(?9, reason), decision = coalesce(?10, decision), \
         executed_at = CASE WHEN ?11 THEN ?3 ELSE executed_at END, result = coalesce(?12, result), \
         on_behalf_of = coalesce(?13, on_behalf_of) \
         WHERE id = ?1 AND status IN ({})",
        from_list.join(", ")
    );
    let n = tx.prepare_cached(&sql)?.execute(params![
        id,
        to.as_str(),
        now_ms,
        t.role.map(Role::as_str),
        i64::from(t.escalate),
        t.deadline.is_some(),
        t.deadline.flatten(),
        t.decided_by,
        t.reason,
        t.decision.map(ToString::to_string),
        t.executed,
        t.result.map(ToString::to_string),
        t.on_behalf_of,
    ])?;
    Ok(n == 1)
}

/// One page of pending requests, oldest first, and how many match in all: optionally of
/// one role's queue and/or a set of teams (`teams_json`, a JSON array of names).
pub(crate) fn pending_page(
    conn: &Connection,
    role: Option<Role>,
    teams_json: Option<&str>,
    offset: usize,
    limit: usize,
) -> Result<(u64, Vec<ApprovalRequest>)> {
    const FILTER: &str = "status = 'pending' AND (?1 IS NULL OR role = ?1) \
         AND (?2 IS NULL OR team IN (SELECT value FROM json_each(?2)))";
    let role = role.map(Role::as_str);
    // One read transaction: the total and the page see the same state.
    let tx = conn.unchecked_transaction()?;
    let conn = &*tx;
    let total: i64 = conn
        .prepare_cached(&format!(
            "SELECT COUNT(*) FROM approval_requests WHERE {FILTER}"
        ))?
        .query_row(params![role, teams_json], |r| r.get(0))?;
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {REQ_COLS} FROM approval_requests WHERE {FILTER} ORDER BY id LIMIT ?3 OFFSET ?4"
    ))?;
    let rows = stmt.query_map(
        params![
            role,
            teams_json,
            i64::try_from(limit).unwrap_or(i64::MAX),
            i64::try_from(offset).unwrap_or(i64::MAX)
        ],
        row_request,
    )?;
    let page = rows.collect::<rusqlite::Result<Vec<_>>>()?;
    drop(stmt);
    tx.finish()?;
    Ok((u64::try_from(total).unwrap_or(0), page))
}

/// Pending requests, optionally for one role and/or team, oldest first.
pub(crate) fn pending(
    conn: &Connection,
    role: Option<Role>,
    team: Option<&str>,
) -> Result<Vec<ApprovalRequest>> {
    let sql = format!(
        "SELECT {REQ_COLS} FROM approval_requests WHERE status = 'pending' \
         AND (?1 IS NULL OR role = ?1) AND (?2 IS NULL OR team = ?2) ORDER BY id"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![role.map(Role::as_str), team], row_request)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Pending requests whose deadline is at or before `now_ms`, oldest deadline first.
pub(crate) fn due(tx: &Transaction<'_>, now_ms: i64) -> Result<Vec<(RequestId, Role, String)>> {
    let mut stmt = tx.prepare_cached(
        "SELECT id, role, digest FROM approval_requests WHERE status = 'pending' AND deadline <= ?1 \
         ORDER BY deadline, id",
    )?;
    let rows = stmt.query_map([now_ms], |r| {
        let role: String = r.get(1)?;
        Ok((
            r.get::<_, i64>(0)?,
            conv(1, role.parse::<Role>())?,
            r.get::<_, String>(2)?,
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Pending requests whose deadline falls after `now_ms` and no later than `horizon_ms`:
/// those a reminder may be due for. (id, deadline, reminders sent at the current role.)
pub(crate) fn nearing_deadline(
    tx: &Transaction<'_>,
    now_ms: i64,
    horizon_ms: i64,
) -> Result<Vec<(RequestId, i64, u32)>> {
    let mut stmt = tx.prepare_cached(
        "SELECT id, deadline, reminders FROM approval_requests WHERE status = 'pending' \
         AND deadline > ?1 AND deadline <= ?2 ORDER BY deadline, id",
    )?;
    let rows = stmt.query_map([now_ms, horizon_ms], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            u32::try_from(r.get::<_, i64>(2)?).unwrap_or(0),
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Records that request `id` has had `n` reminders at its current role.
pub(crate) fn set_reminders(tx: &Transaction<'_>, id: RequestId, n: u32) -> Result<()> {
    tx.prepare_cached("UPDATE approval_requests SET reminders = ?2 WHERE id = ?1")?
        .execute(params![id, n])?;
    Ok(())
}

/// Everyone who holds a role at or above `needed` covering `team` (DIRECTOR covers every
/// team), but `except`: who could decide a request of that team at that role. Sorted.
pub(crate) fn eligible_approvers(
    conn: &Connection,
    team: &str,
    needed: Role,
    except: &[&str],
) -> Result<Vec<String>> {
    let needed = crate::governance::rank(needed).unwrap_or(u8::MAX);
    let mut users: Vec<String> = assignments(conn, None, false)?
        .into_iter()
        .filter(|a| !except.contains(&a.user.as_str()))
        .filter(|a| a.team == "*" || a.team == team || a.role == Role::Director)
        .filter(|a| crate::governance::rank(a.role).is_some_and(|k| k >= needed))
        .map(|a| a.user)
        .collect();
    users.sort();
    users.dedup();
    Ok(users)
}

/// Approved (or auto-approved) requests decided at or before `cutoff_ms`: their execution
/// window has passed. (id, digest, decided_at).
pub(crate) fn lapsed(conn: &Connection, cutoff_ms: i64) -> Result<Vec<(RequestId, String, i64)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, digest, decided_at FROM approval_requests \
         WHERE status IN ('approved', 'auto_approved') AND decided_at <= ?1 ORDER BY decided_at, id",
    )?;
    let rows = stmt.query_map([cutoff_ms], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Records `user`'s vote on request `id` (cast for `on_behalf_of` under a delegation);
/// false when they already voted on it.
#[allow(clippy::too_many_arguments)]
pub(crate) fn insert_vote(
    tx: &Transaction<'_>,
    id: RequestId,
    user: &str,
    on_behalf_of: Option<&str>,
    role: Role,
    vote: &str,
    at_ms: i64,
) -> Result<bool> {
    let n = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO approval_votes (request_id, user_id, role, vote, at, on_behalf_of) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![id, user, role.as_str(), vote, at_ms, on_behalf_of])?;
    Ok(n == 1)
}

/// The first of `people` who already voted on request `id`, in their own name or as the
/// delegator a delegate voted for (one person, one vote).
pub(crate) fn voted(
    tx: &Transaction<'_>,
    id: RequestId,
    people: &[&str],
) -> Result<Option<String>> {
    let mut stmt = tx.prepare_cached(
        "SELECT 1 FROM approval_votes WHERE request_id = ?1 AND (user_id = ?2 OR on_behalf_of = ?2)",
    )?;
    for p in people {
        if stmt.exists(params![id, p])? {
            return Ok(Some((*p).to_owned()));
        }
    }
    Ok(None)
}

/// Votes of one kind on request `id` cast while it was at `role`.
pub(crate) fn count_votes(
    tx: &Transaction<'_>,
    id: RequestId,
    role: Role,
    vote: &str,
) -> Result<u32> {
    let n: i64 = tx
        .prepare_cached(
            "SELECT count(*) FROM approval_votes WHERE request_id = ?1 AND role = ?2 AND vote = ?3",
        )?
        .query_row(params![id, role.as_str(), vote], |r| r.get(0))?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// Every vote on request `id`, oldest first.
pub(crate) fn votes(conn: &Connection, id: RequestId) -> Result<Vec<crate::governance::Vote>> {
    let mut stmt = conn.prepare_cached(
        "SELECT user_id, role, vote, at, on_behalf_of FROM approval_votes WHERE request_id = ?1 \
         ORDER BY at, rowid",
    )?;
    let rows = stmt.query_map([id], |r| {
        let role: String = r.get(1)?;
        Ok(crate::governance::Vote {
            user: r.get(0)?,
            role: conv(1, role.parse::<Role>())?,
            approve: r.get::<_, String>(2)? == "approve",
            at: from_ms(r.get(3)?),
            on_behalf_of: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Every request (for dashboards and compliance), oldest first.
pub(crate) fn all_requests(conn: &Connection) -> Result<Vec<ApprovalRequest>> {
    let sql = format!("SELECT {REQ_COLS} FROM approval_requests ORDER BY id");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([], row_request)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Requests whose status is one of `statuses`, or (when `since_ms` is given) that changed
/// at or after it, oldest first: what the agent cycle checks before proposing again and
/// what it executes and learns from.
pub(crate) fn requests_where(
    conn: &Connection,
    statuses: &[RequestStatus],
    since_ms: Option<i64>,
) -> Result<Vec<ApprovalRequest>> {
    let list = statuses
        .iter()
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(",");
    let sql = format!(
        "SELECT {REQ_COLS} FROM approval_requests WHERE status IN ({list}) \
         OR (?1 IS NOT NULL AND updated_at >= ?1) ORDER BY id"
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(params![since_ms], row_request)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// One person's verdict on a request: its action kind, the raw (uncalibrated) confidence
/// it was submitted with, whether the person approved it, and when they decided.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Verdict {
    pub kind: String,
    pub raw_confidence: f64,
    pub approved: bool,
    pub decided_at_ms: i64,
}

/// Every request a person decided, oldest decision first: approved (and whatever followed:
/// `executing`, `executed`, `execution_failed`) or rejected, by someone other than `juno`.
///
/// A person's approval whose execution window then passed (`expired` with
/// [`crate::governance::LAPSED_REASON`]) still counts as that person's approval.
///
/// Not a person's verdict, so left out: auto-approved requests (the policy decided; they
/// keep their `decision` through execution), expired ones (a deadline passed, whoever
/// processed it), cancelled ones (the requester withdrew) and pending ones.
pub(crate) fn person_verdicts(conn: &Connection) -> Result<Vec<Verdict>> {
    let mut stmt = conn.prepare_cached(
        "SELECT kind, coalesce(raw_confidence, confidence), status = 'rejected', decided_at \
         FROM approval_requests \
         WHERE (status IN ('approved', 'executing', 'executed', 'execution_failed', 'rejected') \
                OR (status = 'expired' AND reason = ?1)) \
         AND decision IS NULL AND decided_by IS NOT NULL AND decided_by <> 'juno' \
         AND decided_at IS NOT NULL \
         ORDER BY decided_at, id",
    )?;
    let rows = stmt.query_map([crate::governance::LAPSED_REASON], |r| {
        Ok(Verdict {
            kind: r.get(0)?,
            raw_confidence: r.get(1)?,
            approved: !r.get::<_, bool>(2)?,
            decided_at_ms: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

const DELEGATION_COLS: &str =
    "id, delegator, delegate, team, created_at, until, revoked_at, revoked_by";

fn row_delegation(r: &Row<'_>) -> rusqlite::Result<Delegation> {
    Ok(Delegation {
        id: r.get(0)?,
        delegator: r.get(1)?,
        delegate: r.get(2)?,
        team: r.get(3)?,
        created_at: from_ms(r.get(4)?),
        until: from_ms(r.get(5)?),
        revoked_at: r.get::<_, Option<i64>>(6)?.map(from_ms),
        revoked_by: r.get(7)?,
    })
}

/// Inserts a delegation; returns its id.
pub(crate) fn insert_delegation(
    tx: &Transaction<'_>,
    delegator: &str,
    delegate: &str,
    team: &str,
    now_ms: i64,
    until_ms: i64,
) -> Result<i64> {
    tx.prepare_cached(
        "INSERT INTO delegations (delegator, delegate, team, created_at, until) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![delegator, delegate, team, now_ms, until_ms])?;
    Ok(tx.last_insert_rowid())
}

/// One delegation.
pub(crate) fn get_delegation(conn: &Connection, id: i64) -> Result<Option<Delegation>> {
    let sql = format!("SELECT {DELEGATION_COLS} FROM delegations WHERE id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id], row_delegation)
        .optional()?)
}

/// Delegations in force at `now_ms` (not revoked, not run out), optionally only those
/// naming `user` (as delegator or delegate) and/or for `team`, oldest first.
pub(crate) fn delegations(
    conn: &Connection,
    user: Option<&str>,
    team: Option<&str>,
    active_at_ms: Option<i64>,
) -> Result<Vec<Delegation>> {
    let sql = format!(
        "SELECT {DELEGATION_COLS} FROM delegations \
         WHERE (?1 IS NULL OR delegator = ?1 OR delegate = ?1) AND (?2 IS NULL OR team = ?2) \
         AND (?3 IS NULL OR (revoked_at IS NULL AND created_at <= ?3 AND until > ?3)) ORDER BY id"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![user, team, active_at_ms], row_delegation)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Revokes delegation `id` if it is still in force at `at_ms`; false otherwise.
pub(crate) fn revoke_delegation(
    tx: &Transaction<'_>,
    id: i64,
    at_ms: i64,
    by: &str,
) -> Result<bool> {
    let n = tx
        .prepare_cached(
            "UPDATE delegations SET revoked_at = ?2, revoked_by = ?3 \
             WHERE id = ?1 AND revoked_at IS NULL AND until > ?2",
        )?
        .execute(params![id, at_ms, by])?;
    Ok(n == 1)
}
