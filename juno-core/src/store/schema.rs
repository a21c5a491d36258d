//! Versioned migrations, recorded in `schema_migrations` and mirrored in `PRAGMA user_version`.

use rusqlite::{Connection, TransactionBehavior};

use crate::error::{Error, Result};

/// The newest schema this library writes and understands.
pub const SCHEMA_VERSION: i64 = 10;

/// Each migration: version, name, SQL. Append only; never edit a released one.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "memory layer",
        r#"
CREATE TABLE memories (
    id               INTEGER PRIMARY KEY,
    kind             TEXT    NOT NULL CHECK (kind IN ('episodic','semantic','procedural','working')),
    team             TEXT    NOT NULL,
    user_id          TEXT,
    project          TEXT,
    mkey             TEXT,
    content          TEXT    NOT NULL,
    text             TEXT    NOT NULL,
    tags             TEXT    NOT NULL,
    importance       REAL    NOT NULL CHECK (importance BETWEEN 0 AND 1),
    confidence       REAL    NOT NULL CHECK (confidence BETWEEN 0 AND 1),
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    last_accessed_at INTEGER,
    touched_at       INTEGER NOT NULL,
    access_count     INTEGER NOT NULL DEFAULT 0,
    expires_at       INTEGER,
    session          TEXT,
    provenance       TEXT    NOT NULL,
    version          INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX memories_team_kind ON memories (team, kind);
CREATE UNIQUE INDEX memories_team_key ON memories (team, mkey) WHERE mkey IS NOT NULL;
CREATE INDEX memories_session ON memories (session) WHERE session IS NOT NULL;
-- Contentless: the text lives in `memories`; contentless_delete lets cleanup drop rows
-- by rowid without re-tokenising them.
-- `text` holds the words as written (cross-team search); `team_text` holds the same words
-- suffixed with a hash of the team, so a team-scoped query reads and counts only that
-- team's postings; `scope` holds user and project tokens.
CREATE VIRTUAL TABLE memory_fts USING fts5 (
    text, team_text, scope,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);
-- Only changes are rows here; the creation entry is rebuilt from `created_at`, which keeps
-- bulk loads and bulk cleanup free of one history row per memory.
-- A larger in-memory term buffer (default 1 MiB) means fewer, bigger segment flushes and
-- merges during bulk loads.
INSERT INTO memory_fts (memory_fts, rank) VALUES ('hashsize', 16777216);
CREATE TABLE memory_history (
    id        INTEGER PRIMARY KEY,
    memory_id INTEGER NOT NULL,
    version   INTEGER NOT NULL,
    event     TEXT    NOT NULL CHECK (event IN ('updated','deleted')),
    at        INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    before    TEXT,
    after     TEXT
);
CREATE INDEX memory_history_memory ON memory_history (memory_id);
"#,
    ),
    (
        2,
        "governance and audit",
        r#"
CREATE TABLE audit_log (
    seq            INTEGER PRIMARY KEY,
    at             INTEGER NOT NULL,
    actor          TEXT    NOT NULL,
    event          TEXT    NOT NULL,
    subject        TEXT    NOT NULL,
    payload        TEXT    NOT NULL,
    payload_digest BLOB    NOT NULL,
    prev_hash      BLOB    NOT NULL,
    hash           BLOB    NOT NULL
);
-- Append-only through SQL too; edits by other means are what verification detects.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TABLE audit_checkpoints (
    size INTEGER PRIMARY KEY,
    root BLOB    NOT NULL,
    at   INTEGER NOT NULL
);
CREATE TABLE role_assignments (
    id         INTEGER PRIMARY KEY,
    user_id    TEXT    NOT NULL,
    role       TEXT    NOT NULL,
    team       TEXT    NOT NULL,
    granted_at INTEGER NOT NULL,
    granted_by TEXT    NOT NULL,
    revoked_at INTEGER,
    revoked_by TEXT
);
CREATE INDEX role_assignments_user ON role_assignments (user_id);
CREATE UNIQUE INDEX role_assignments_active ON role_assignments (user_id, role, team)
    WHERE revoked_at IS NULL;
CREATE TABLE approval_requests (
    id          INTEGER PRIMARY KEY,
    action      TEXT    NOT NULL,
    digest      TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    team        TEXT    NOT NULL,
    target      TEXT,
    impact      TEXT    NOT NULL,
    confidence  REAL    NOT NULL,
    explanation TEXT    NOT NULL,
    requester   TEXT    NOT NULL,
    status      TEXT    NOT NULL,
    role        TEXT    NOT NULL,
    escalations INTEGER NOT NULL DEFAULT 0,
    deadline    INTEGER,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    decided_by  TEXT,
    decided_at  INTEGER,
    reason      TEXT,
    decision    TEXT,
    executed_at INTEGER,
    result      TEXT
);
CREATE INDEX approval_requests_due ON approval_requests (deadline) WHERE status = 'pending';
CREATE INDEX approval_requests_queue ON approval_requests (status, role, team);
"#,
    ),
    (
        3,
        "sprint forecasts",
        r#"
-- A finished sprint as it looked at prediction time, with what it delivered: the training
-- rows of the sprint-risk model. The state and history are kept whole (JSON) so a later
-- model version can compute new features from them.
CREATE TABLE sprint_observations (
    id               INTEGER PRIMARY KEY,
    team             TEXT    NOT NULL,
    sprint           TEXT    NOT NULL,
    ended_at         INTEGER NOT NULL,
    state            TEXT    NOT NULL,
    history          TEXT    NOT NULL,
    delivered_points REAL    NOT NULL CHECK (delivered_points >= 0),
    recorded_at      INTEGER NOT NULL,
    UNIQUE (team, sprint)
);
CREATE INDEX sprint_observations_ended ON sprint_observations (ended_at);
-- Every trained model version; the newest is the one in use.
CREATE TABLE risk_models (
    version       INTEGER PRIMARY KEY,
    kind          TEXT    NOT NULL,
    features      TEXT    NOT NULL,
    model         TEXT    NOT NULL,
    trained_on    INTEGER NOT NULL,
    training_from TEXT,
    training_to   TEXT,
    evaluation    TEXT    NOT NULL,
    created_at    INTEGER NOT NULL
);
"#,
    ),
    (
        4,
        "synced nouns and the agent cycle",
        r#"
-- What the sources brought, stored once: the cycle analyses these, never a source. Each
-- noun is kept whole as JSON (the model's shape); the columns beside it are what queries
-- filter and order on.
CREATE TABLE teams (
    name      TEXT    PRIMARY KEY,
    synced_at INTEGER NOT NULL
);
CREATE TABLE people (
    user_id   TEXT    PRIMARY KEY,
    team      TEXT,
    role      TEXT,
    synced_at INTEGER NOT NULL
);
CREATE TABLE tickets (
    key        TEXT    PRIMARY KEY,
    team       TEXT    NOT NULL,
    status     TEXT,
    updated_at INTEGER,
    body       TEXT    NOT NULL,
    synced_at  INTEGER NOT NULL
);
CREATE INDEX tickets_team ON tickets (team);
-- Finished sprints, with the state early in the sprint when the source knows it.
CREATE TABLE sprints (
    team       TEXT    NOT NULL,
    sprint     TEXT    NOT NULL,
    ended_at   INTEGER,
    body       TEXT    NOT NULL,
    checkpoint TEXT,
    synced_at  INTEGER NOT NULL,
    PRIMARY KEY (team, sprint)
);
-- An active sprint's state as the cycle saw it early on (about 30% of its days), kept
-- until the sprint finishes: the forecaster's training row for sources (Jira) that do not
-- rebuild a finished sprint's past state.
CREATE TABLE sprint_checkpoints (
    team     TEXT    NOT NULL,
    sprint   TEXT    NOT NULL,
    state    TEXT    NOT NULL,
    taken_at INTEGER NOT NULL,
    PRIMARY KEY (team, sprint)
);
-- Each team's sprint in progress (one per team; replaced on every sync).
CREATE TABLE active_sprints (
    team      TEXT    PRIMARY KEY,
    sprint    TEXT    NOT NULL,
    state     TEXT    NOT NULL,
    synced_at INTEGER NOT NULL
);
-- Per source: where the last successful sync got to, and how the last attempt ended.
CREATE TABLE sync_state (
    source        TEXT    PRIMARY KEY,
    last_success  INTEGER,
    last_attempt  INTEGER NOT NULL,
    last_error    TEXT,
    syncs         INTEGER NOT NULL DEFAULT 0,
    items         INTEGER NOT NULL DEFAULT 0
);
-- Every cycle's report, whole.
CREATE TABLE agent_cycles (
    id          INTEGER PRIMARY KEY,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER NOT NULL,
    dry_run     INTEGER NOT NULL,
    report      TEXT    NOT NULL
);
-- Which decided requests the learn stage has already taken into memory.
CREATE TABLE agent_learned (
    request_id INTEGER PRIMARY KEY,
    outcome    TEXT    NOT NULL,
    at         INTEGER NOT NULL
);
-- Who may run a cycle now: one holder per database at a time, until it expires.
CREATE TABLE agent_lease (
    name       TEXT    PRIMARY KEY,
    holder     TEXT    NOT NULL,
    expires_at INTEGER NOT NULL
);
-- The executor's outbox: the intent is written before an approved action's writes are
-- sent, the outcome after; `changes` is what the writes replaced, so they can be reverted.
CREATE TABLE executions (
    request_id  INTEGER PRIMARY KEY REFERENCES approval_requests (id),
    digest      TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    target      TEXT,
    executor    TEXT    NOT NULL,
    intent_at   INTEGER NOT NULL,
    done_at     INTEGER,
    ok          INTEGER,
    changes     TEXT,
    reverted_by INTEGER
);
"#,
    ),
    (
        5,
        "confidence calibration per action kind",
        r#"
-- The raw (uncalibrated) score each request was submitted with, what calibration maps are
-- fitted on, and the map its confidence went through (JSON: kind, version, outcomes; null
-- for none). Before this version no map was ever applied: confidence was the raw score.
ALTER TABLE approval_requests ADD COLUMN raw_confidence REAL
    CHECK (raw_confidence IS NULL OR raw_confidence BETWEEN 0 AND 1);
ALTER TABLE approval_requests ADD COLUMN calibration TEXT;
UPDATE approval_requests SET raw_confidence = confidence;
-- Every calibration map the learn stage fitted, per action kind, versioned; the newest of a
-- kind is the one the analyze stage applies. `map` is the whole map (blocks, Brier and ECE
-- before and after); `decided_through` is the newest person decision it was fitted on.
CREATE TABLE confidence_calibrations (
    kind            TEXT    NOT NULL,
    version         INTEGER NOT NULL,
    map             TEXT    NOT NULL,
    outcomes        INTEGER NOT NULL CHECK (outcomes >= 0),
    decided_through INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (kind, version)
);
"#,
    ),
    (
        6,
        "signed audit checkpoints",
        r#"
-- Checkpoints signed in the C2SP signed-note format (`note` is the whole signed note, as
-- standard tooling reads it). The key is never stored: it comes from configuration.
CREATE TABLE audit_signed_checkpoints (
    id     INTEGER PRIMARY KEY,
    size   INTEGER NOT NULL CHECK (size >= 0),
    root   BLOB    NOT NULL,
    origin TEXT    NOT NULL,
    note   TEXT    NOT NULL,
    at     INTEGER NOT NULL
);
CREATE TRIGGER audit_signed_checkpoints_no_update BEFORE UPDATE ON audit_signed_checkpoints
BEGIN SELECT RAISE(ABORT, 'signed checkpoints are append-only'); END;
CREATE TRIGGER audit_signed_checkpoints_no_delete BEFORE DELETE ON audit_signed_checkpoints
BEGIN SELECT RAISE(ABORT, 'signed checkpoints are append-only'); END;
"#,
    ),
    (
        7,
        "approval votes",
        r#"
-- Votes on requests whose quorum needs more than one (`approval_rules.quorum`): one per
-- person per request, with the role the request was at when they voted (only votes at the
-- current role count towards its quorum).
CREATE TABLE approval_votes (
    request_id INTEGER NOT NULL REFERENCES approval_requests (id),
    user_id    TEXT    NOT NULL,
    role       TEXT    NOT NULL,
    vote       TEXT    NOT NULL CHECK (vote IN ('approve', 'reject')),
    at         INTEGER NOT NULL,
    PRIMARY KEY (request_id, user_id)
);
"#,
    ),
    (
        8,
        "delegations and reminders",
        r#"
-- A user's approval authority for one team, delegated to another eligible user until a
-- time (revocable). Decisions made under one name the delegator in `on_behalf_of`.
CREATE TABLE delegations (
    id         INTEGER PRIMARY KEY,
    delegator  TEXT    NOT NULL,
    delegate   TEXT    NOT NULL CHECK (delegate <> delegator),
    team       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    until      INTEGER NOT NULL CHECK (until > created_at),
    revoked_at INTEGER,
    revoked_by TEXT
);
CREATE INDEX delegations_delegate ON delegations (delegate, team) WHERE revoked_at IS NULL;
ALTER TABLE approval_requests ADD COLUMN on_behalf_of TEXT;
ALTER TABLE approval_votes ADD COLUMN on_behalf_of TEXT;
-- Reminders sent to the approvers at the request's current role (reset on escalation).
ALTER TABLE approval_requests ADD COLUMN reminders INTEGER NOT NULL DEFAULT 0;
"#,
    ),
    (
        9,
        "notification outbox",
        r#"
-- Messages for Slack and Teams, queued in the transaction that reads their cause and sent
-- later with retries: a failing webhook never blocks a cycle and never loses a message.
-- `dedup` (the audit entry or the sprint and day behind a message) keeps each cause to one
-- message per channel; `claimed_until` keeps two senders off one message.
CREATE TABLE notify_outbox (
    id            INTEGER PRIMARY KEY,
    channel       TEXT    NOT NULL CHECK (channel IN ('slack', 'teams')),
    kind          TEXT    NOT NULL,
    subject       TEXT    NOT NULL,
    dedup         TEXT    NOT NULL,
    body          TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    next_at       INTEGER NOT NULL,
    claimed_until INTEGER NOT NULL DEFAULT 0,
    claim         TEXT,
    status        TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'dead')),
    sent_at       INTEGER,
    last_error    TEXT,
    UNIQUE (channel, dedup)
);
CREATE INDEX notify_outbox_due ON notify_outbox (next_at) WHERE status = 'pending';
-- How far the audit log has been read for notices.
CREATE TABLE notify_cursor (
    name TEXT PRIMARY KEY,
    seq  INTEGER NOT NULL
);
-- Notices are about what happens from now on: an upgraded database does not announce
-- its whole history to a channel configured later.
INSERT INTO notify_cursor (name, seq) SELECT 'audit', COALESCE(MAX(seq), 0) FROM audit_log;
"#,
    ),
    (
        10,
        "llm wording",
        r#"
-- A language model's answers by the digest of their input (the explanation, the
-- decision, the quoted text and the model): asked once, reused. An answer the checks
-- rejected is kept too, with the reason (`reason` not NULL), so the same input is not
-- paid for again: at temperature 0 the model would answer the same.
CREATE TABLE llm_cache (
    digest            TEXT    PRIMARY KEY,
    text              TEXT    NOT NULL,
    model             TEXT    NOT NULL,
    reason            TEXT,
    prompt_tokens     INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    cost              REAL    NOT NULL,
    created_at        INTEGER NOT NULL
);
-- Calls, tokens and cost by where the wording came from (model, cache, template).
CREATE TABLE llm_usage (
    source            TEXT    PRIMARY KEY,
    calls             INTEGER NOT NULL,
    prompt_tokens     INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    cost              REAL    NOT NULL
);
"#,
    ),
];

/// The version recorded in the database (0 for a new file).
pub(crate) fn current_version(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

/// Brings the database up to [`SCHEMA_VERSION`], refusing one that is newer.
///
/// Runs under `BEGIN IMMEDIATE`, so processes opening a new file together migrate it once.
pub(crate) fn migrate(conn: &Connection, now_ms: i64) -> Result<()> {
    let found = current_version(conn)?;
    if found > SCHEMA_VERSION {
        return Err(Error::SchemaTooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    if found == SCHEMA_VERSION {
        return Ok(());
    }
    let tx = rusqlite::Transaction::new_unchecked(conn, TransactionBehavior::Immediate)?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version    INTEGER PRIMARY KEY,
            name       TEXT    NOT NULL,
            applied_at INTEGER NOT NULL
        )",
    )?;
    // Re-read inside the write lock: another process may have migrated meanwhile.
    let found = current_version(&tx)?;
    if found > SCHEMA_VERSION {
        return Err(Error::SchemaTooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    for (version, name, sql) in MIGRATIONS.iter().filter(|(v, _, _)| *v > found) {
        tx.execute_batch(sql)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
            rusqlite::params![version, name, now_ms],
        )?;
        tx.pragma_update(None, "user_version", version)?;
    }
    tx.commit()?;
    Ok(())
}
