//! The memory layer: episodic, semantic, procedural and working memories per team.
//!
//! - **episodic**: events and their outcomes ("team alpha rejected the auto-reassign of ABC-12");
//! - **semantic**: team knowledge and preferences ("team alpha avoids auto-reassign");
//! - **procedural**: workflow patterns ("when a ticket is blocked, alpha splits it");
//! - **working**: session scratch data with a TTL, gone when the session ends or expires.
//!
//! Memories are stored through [`Memories`], which [`crate::Juno::memory`] hands out.
//! Recall ranks by a documented score ([`recall`]); outcomes teach team preferences and
//! repeated episodes become patterns ([`learning`]).

mod api;
pub mod learning;
pub mod recall;

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

pub use api::{Memories, OutcomeLearned};
pub use learning::{
    MAX_CONTEXT_FACETS, Outcome, OutcomeRecord, Pattern, RecentOutcome, Stance, TeamPreference,
};
pub use recall::{RecallHit, RecallQuery, ScoreComponent, ScoreExplanation, TermContribution};

/// A memory's identifier, unique within one database.
pub type MemoryId = i64;

/// The four kinds of memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MemoryKind {
    /// Events and their outcomes.
    Episodic,
    /// Team knowledge and preferences.
    Semantic,
    /// Workflow patterns: "when X, the team does Y".
    Procedural,
    /// Session scratch data with a TTL.
    Working,
}

impl MemoryKind {
    /// All kinds, in a fixed order.
    pub const ALL: [MemoryKind; 4] = [
        MemoryKind::Episodic,
        MemoryKind::Semantic,
        MemoryKind::Procedural,
        MemoryKind::Working,
    ];

    /// The lower-case name used in JSON, SQL and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            MemoryKind::Episodic => "episodic",
            MemoryKind::Semantic => "semantic",
            MemoryKind::Procedural => "procedural",
            MemoryKind::Working => "working",
        }
    }
}

impl fmt::Display for MemoryKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for MemoryKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "episodic" => Ok(MemoryKind::Episodic),
            "semantic" => Ok(MemoryKind::Semantic),
            "procedural" => Ok(MemoryKind::Procedural),
            "working" => Ok(MemoryKind::Working),
            _ => Err(Error::invalid("kind", format!("unknown memory kind `{s}`"))),
        }
    }
}

/// Who a memory is about: always a team, optionally one user and/or project in it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Scope {
    /// The team (`team_alpha`).
    pub team: String,
    /// A user within the team, if the memory is about one person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// A project, if the memory is about one project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
}

impl Scope {
    /// A team-wide scope.
    pub fn team(team: impl Into<String>) -> Self {
        Scope {
            team: team.into(),
            user: None,
            project: None,
        }
    }
}

/// Where a memory came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provenance {
    /// The producer: `caller`, `outcome`, `pattern_recognition`, `jira`, …
    pub source: String,
    /// Memories this one was derived from (a pattern's supporting episodes, …).
    #[serde(default)]
    pub derived_from: Vec<MemoryId>,
    /// A free reference (a ticket key, a URL, a request id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

impl Default for Provenance {
    fn default() -> Self {
        Provenance {
            source: String::from("caller"),
            derived_from: Vec::new(),
            reference: None,
        }
    }
}

fn default_importance() -> f64 {
    0.5
}
fn default_confidence() -> f64 {
    1.0
}

/// A memory to store. Build one with [`NewMemory::new`] or deserialize it from JSON.
///
/// # Examples
///
/// ```
/// use juno_core::memory::{MemoryKind, NewMemory};
/// let m = NewMemory::new(MemoryKind::Semantic, "team_alpha", "alpha prefers small stories")
///     .with_tags(["preference", "estimation"])
///     .with_importance(0.8);
/// assert_eq!(m.scope.team, "team_alpha");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewMemory {
    /// Which of the four kinds.
    pub kind: MemoryKind,
    /// Team and optional user / project.
    pub scope: Scope,
    /// Upsert key: storing again with the same team and key updates the memory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Structured content (any JSON value).
    #[serde(default)]
    pub content: serde_json::Value,
    /// The text that free-text recall searches.
    pub text: String,
    /// Exact-match labels (letters, digits and `_-.:/@+#`).
    #[serde(default)]
    pub tags: Vec<String>,
    /// How much this matters, in [0, 1] (default 0.5).
    #[serde(default = "default_importance")]
    pub importance: f64,
    /// How sure we are it is true, in [0, 1] (default 1).
    #[serde(default = "default_confidence")]
    pub confidence: f64,
    /// Time to live in seconds; must be positive. Working memories default to one hour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl_seconds: Option<i64>,
    /// Absolute expiry (instead of `ttl_seconds`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
    /// The session a working memory belongs to (required for working memories only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    /// Where it came from (default: the caller).
    #[serde(default)]
    pub provenance: Provenance,
}

impl NewMemory {
    /// A memory of `kind` for `team` with searchable `text` and default everything else.
    pub fn new(kind: MemoryKind, team: impl Into<String>, text: impl Into<String>) -> Self {
        NewMemory {
            kind,
            scope: Scope::team(team),
            key: None,
            content: serde_json::Value::Null,
            text: text.into(),
            tags: Vec::new(),
            importance: default_importance(),
            confidence: default_confidence(),
            ttl_seconds: None,
            expires_at: None,
            session: None,
            provenance: Provenance::default(),
        }
    }

    /// Sets the upsert key.
    pub fn with_key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// Sets the tags.
    pub fn with_tags<I, S>(mut self, tags: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.tags = tags.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the structured content.
    pub fn with_content(mut self, content: serde_json::Value) -> Self {
        self.content = content;
        self
    }

    /// Sets the importance.
    pub fn with_importance(mut self, importance: f64) -> Self {
        self.importance = importance;
        self
    }

    /// Sets the confidence.
    pub fn with_confidence(mut self, confidence: f64) -> Self {
        self.confidence = confidence;
        self
    }

    /// Sets the TTL in seconds.
    pub fn with_ttl_seconds(mut self, ttl: i64) -> Self {
        self.ttl_seconds = Some(ttl);
        self
    }

    /// Sets the working-memory session.
    pub fn with_session(mut self, session: impl Into<String>) -> Self {
        self.session = Some(session.into());
        self
    }

    /// Sets the scope's user.
    pub fn with_user(mut self, user: impl Into<String>) -> Self {
        self.scope.user = Some(user.into());
        self
    }

    /// Sets the scope's project.
    pub fn with_project(mut self, project: impl Into<String>) -> Self {
        self.scope.project = Some(project.into());
        self
    }

    /// Sets the provenance.
    pub fn with_provenance(mut self, provenance: Provenance) -> Self {
        self.provenance = provenance;
        self
    }

    /// Checks every field and resolves the expiry against `now`.
    pub(crate) fn validate(mut self, now: DateTime<Utc>) -> Result<ValidMemory> {
        check_name("scope.team", &self.scope.team)?;
        if let Some(u) = &self.scope.user {
            check_name("scope.user", u)?;
        }
        if let Some(p) = &self.scope.project {
            check_name("scope.project", p)?;
        }
        if let Some(k) = &self.key {
            check_name("key", k)?;
        }
        check_text(&self.text)?;
        let tags = normalize_tags(std::mem::take(&mut self.tags))?;
        check_unit("importance", self.importance)?;
        check_unit("confidence", self.confidence)?;
        if self.content.is_null() {
            self.content = serde_json::Value::Object(serde_json::Map::new());
        }
        let content_json = self.content.to_string();
        let content_len = content_json.len();
        if content_len > MAX_CONTENT_BYTES {
            return Err(Error::invalid(
                "content",
                format!("content is {content_len} bytes, the limit is {MAX_CONTENT_BYTES}"),
            ));
        }
        match (&self.session, self.kind) {
            (None, MemoryKind::Working) => {
                return Err(Error::invalid(
                    "session",
                    "a working memory needs a session",
                ));
            }
            (Some(_), k) if k != MemoryKind::Working => {
                return Err(Error::invalid(
                    "session",
                    format!("only working memories belong to a session, not {k}"),
                ));
            }
            (Some(s), _) => check_name("session", s)?,
            _ => {}
        }
        let expires_at = match (self.ttl_seconds, self.expires_at) {
            (Some(_), Some(_)) => {
                return Err(Error::invalid(
                    "ttl_seconds",
                    "give ttl_seconds or expires_at, not both",
                ));
            }
            (Some(ttl), None) => Some(now + ttl_duration(ttl)?),
            (None, Some(at)) => {
                if at <= now {
                    return Err(Error::invalid("expires_at", "expiry is not in the future"));
                }
                Some(at)
            }
            (None, None) if self.kind == MemoryKind::Working => {
                Some(now + Duration::seconds(DEFAULT_WORKING_TTL_SECONDS))
            }
            (None, None) => None,
        };
        check_provenance(&self.provenance)?;
        Ok(ValidMemory {
            kind: self.kind,
            scope: self.scope,
            key: self.key,
            content: self.content,
            content_json,
            text: self.text,
            tags,
            importance: self.importance,
            confidence: self.confidence,
            expires_at,
            session: self.session,
            provenance: self.provenance,
        })
    }
}

/// A [`NewMemory`] that passed validation.
#[derive(Debug, Clone)]
pub(crate) struct ValidMemory {
    pub kind: MemoryKind,
    pub scope: Scope,
    pub key: Option<String>,
    pub content: serde_json::Value,
    /// `content` serialised once, at validation.
    pub content_json: String,
    pub text: String,
    pub tags: Vec<String>,
    pub importance: f64,
    pub confidence: f64,
    pub expires_at: Option<DateTime<Utc>>,
    pub session: Option<String>,
    pub provenance: Provenance,
}

/// A stored memory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Memory {
    /// Its identifier.
    pub id: MemoryId,
    /// Its kind.
    pub kind: MemoryKind,
    /// Team and optional user / project.
    pub scope: Scope,
    /// The upsert key, if any.
    pub key: Option<String>,
    /// Structured content.
    pub content: serde_json::Value,
    /// Searchable text.
    pub text: String,
    /// Exact-match labels, sorted.
    pub tags: Vec<String>,
    /// How much this matters, in [0, 1].
    pub importance: f64,
    /// How sure we are, in [0, 1].
    pub confidence: f64,
    /// When it was first stored.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// When recall last returned it.
    pub last_accessed_at: Option<DateTime<Utc>>,
    /// How many times recall has returned it.
    pub access_count: u64,
    /// When it stops being recalled and becomes eligible for cleanup.
    pub expires_at: Option<DateTime<Utc>>,
    /// The working-memory session.
    pub session: Option<String>,
    /// Where it came from.
    pub provenance: Provenance,
    /// Starts at 1, +1 on every change.
    pub version: u32,
}

/// A partial change to a stored memory; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemoryUpdate {
    /// New text.
    #[serde(default)]
    pub text: Option<String>,
    /// New content.
    #[serde(default)]
    pub content: Option<serde_json::Value>,
    /// New tags (replace the old set).
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    /// New importance.
    #[serde(default)]
    pub importance: Option<f64>,
    /// New confidence.
    #[serde(default)]
    pub confidence: Option<f64>,
    /// New TTL from now, in seconds.
    #[serde(default)]
    pub ttl_seconds: Option<i64>,
}

impl MemoryUpdate {
    pub(crate) fn validate(mut self) -> Result<Self> {
        if let Some(t) = &self.text {
            check_text(t)?;
        }
        if let Some(tags) = self.tags.take() {
            self.tags = Some(normalize_tags(tags)?);
        }
        if let Some(i) = self.importance {
            check_unit("importance", i)?;
        }
        if let Some(c) = self.confidence {
            check_unit("confidence", c)?;
        }
        if let Some(ttl) = self.ttl_seconds {
            ttl_duration(ttl)?;
        }
        if let Some(c) = &self.content {
            let len = c.to_string().len();
            if len > MAX_CONTENT_BYTES {
                return Err(Error::invalid(
                    "content",
                    format!("content is {len} bytes, the limit is {MAX_CONTENT_BYTES}"),
                ));
            }
        }
        Ok(self)
    }
}

/// What happened to a memory in one history entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HistoryEvent {
    /// First stored.
    Created,
    /// Changed (by update or upsert).
    Updated,
    /// Deleted by a caller.
    Deleted,
}

/// The changeable part of a memory at one point of its history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemorySnapshot {
    /// Text then.
    pub text: String,
    /// Content then.
    pub content: serde_json::Value,
    /// Tags then.
    pub tags: Vec<String>,
    /// Importance then.
    pub importance: f64,
    /// Confidence then.
    pub confidence: f64,
    /// Expiry then.
    pub expires_at: Option<DateTime<Utc>>,
}

/// One entry of a memory's change history, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// The memory.
    pub memory_id: MemoryId,
    /// The memory's version after this event.
    pub version: u32,
    /// What happened.
    pub event: HistoryEvent,
    /// When.
    pub at: DateTime<Utc>,
    /// The state before (none for `created`).
    pub before: Option<MemorySnapshot>,
    /// The state after (none for `deleted`).
    pub after: Option<MemorySnapshot>,
}

/// Counts and sizes for the dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemoryStats {
    /// All live and not-yet-cleaned memories.
    pub total: u64,
    /// Count per kind (every kind present, zero included).
    pub by_kind: std::collections::BTreeMap<String, u64>,
    /// Count per team and kind.
    pub by_team: std::collections::BTreeMap<String, std::collections::BTreeMap<String, u64>>,
    /// Memories already past expiry that `cleanup` would delete.
    pub expired: u64,
    /// Database file size in bytes (pages × page size).
    pub database_bytes: u64,
    /// The oldest memory's creation time.
    pub oldest: Option<DateTime<Utc>>,
    /// The newest memory's creation time.
    pub newest: Option<DateTime<Utc>>,
}

const MAX_TEXT_BYTES: usize = 64 * 1024;
const MAX_CONTENT_BYTES: usize = 1024 * 1024;
const MAX_TAGS: usize = 32;
const MAX_TAG_CHARS: usize = 64;
const MAX_TTL_SECONDS: i64 = 100 * 365 * 24 * 3600;
/// Working memories without an explicit TTL live this long.
pub const DEFAULT_WORKING_TTL_SECONDS: i64 = 3600;

pub(crate) use crate::model::{check_name, check_unit};

fn check_text(text: &str) -> Result<()> {
    if text.trim().is_empty() {
        return Err(Error::invalid("text", "must not be empty"));
    }
    if text.len() > MAX_TEXT_BYTES {
        return Err(Error::invalid(
            "text",
            format!(
                "text is {} bytes, the limit is {MAX_TEXT_BYTES}",
                text.len()
            ),
        ));
    }
    Ok(())
}

fn ttl_duration(ttl: i64) -> Result<Duration> {
    if ttl <= 0 {
        return Err(Error::invalid(
            "ttl_seconds",
            format!("must be positive, got {ttl}"),
        ));
    }
    if ttl > MAX_TTL_SECONDS {
        return Err(Error::invalid("ttl_seconds", "longer than 100 years"));
    }
    Ok(Duration::seconds(ttl))
}

/// Checks one tag: 1–64 characters of letters, digits and `_-.:/@+#`.
pub(crate) fn check_tag(tag: &str) -> Result<()> {
    let ok_char = |c: char| c.is_alphanumeric() || "_-.:/@+#".contains(c);
    if tag.is_empty() || tag.chars().count() > MAX_TAG_CHARS {
        return Err(Error::invalid(
            "tags",
            format!("tag `{tag}` must be 1 to {MAX_TAG_CHARS} characters"),
        ));
    }
    if let Some(bad) = tag.chars().find(|c| !ok_char(*c)) {
        return Err(Error::invalid(
            "tags",
            format!("tag `{tag}` contains `{bad}`; tags use letters, digits and `_-.:/@+#`"),
        ));
    }
    Ok(())
}

fn normalize_tags(tags: Vec<String>) -> Result<Vec<String>> {
    if tags.len() > MAX_TAGS {
        return Err(Error::invalid("tags", format!("more than {MAX_TAGS} tags")));
    }
    for t in &tags {
        check_tag(t)?;
    }
    let mut tags = tags;
    tags.sort();
    tags.dedup();
    Ok(tags)
}

fn check_provenance(p: &Provenance) -> Result<()> {
    check_name("provenance.source", &p.source)?;
    if p.derived_from.len() > 10_000 {
        return Err(Error::invalid(
            "provenance.derived_from",
            "more than 10000 ids",
        ));
    }
    Ok(())
}

impl NewMemory {
    /// Parses one memory from JSON.
    ///
    /// # Errors
    /// [`Error::Json`] for malformed JSON, a missing field, an unknown field or an unknown kind.
    pub fn from_json(json: &str) -> Result<Self> {
        crate::json::parse_object("memory", json)
    }

    /// Parses a JSON array of memories.
    ///
    /// # Errors
    /// [`Error::Json`] as for [`NewMemory::from_json`].
    pub fn many_from_json(json: &str) -> Result<Vec<Self>> {
        crate::json::parse_objects("memories", json)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp_millis(1_767_225_600_000).unwrap_or_default()
    }

    #[test]
    fn sql_in_a_tag_is_refused() {
        let m = NewMemory::new(MemoryKind::Semantic, "t", "x")
            .with_tags(["a'); DROP TABLE memories;--"]);
        let err = m.validate(now()).err();
        assert!(
            matches!(&err, Some(Error::InvalidInput { field, .. }) if field == "tags"),
            "{err:?}"
        );
    }

    #[test]
    fn negative_ttl_and_bad_importance_are_refused() {
        let m = NewMemory::new(MemoryKind::Semantic, "t", "x").with_ttl_seconds(-5);
        assert!(
            matches!(m.validate(now()), Err(Error::InvalidInput { ref field, .. }) if field == "ttl_seconds")
        );
        let m = NewMemory::new(MemoryKind::Semantic, "t", "x").with_importance(1.5);
        assert!(
            matches!(m.validate(now()), Err(Error::InvalidInput { ref field, .. }) if field == "importance")
        );
        let m = NewMemory::new(MemoryKind::Semantic, "t", "x").with_importance(f64::NAN);
        assert!(m.validate(now()).is_err());
    }

    #[test]
    fn working_memory_needs_session_and_gets_default_ttl() {
        let m = NewMemory::new(MemoryKind::Working, "t", "x");
        assert!(m.validate(now()).is_err());
        let v = NewMemory::new(MemoryKind::Working, "t", "x")
            .with_session("s1")
            .validate(now());
        let exp = v.ok().and_then(|v| v.expires_at);
        assert_eq!(
            exp,
            Some(now() + Duration::seconds(DEFAULT_WORKING_TTL_SECONDS))
        );
    }

    #[test]
    fn unknown_kind_in_json_is_typed() {
        let err = "episodik"
            .parse::<MemoryKind>()
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("invalid `kind`: unknown memory kind `episodik`")
        );
    }

    #[test]
    fn tags_are_sorted_and_deduplicated() {
        let v = NewMemory::new(MemoryKind::Semantic, "t", "x")
            .with_tags(["b", "a", "b"])
            .validate(now());
        assert_eq!(
            v.ok().map(|v| v.tags),
            Some(vec!["a".to_string(), "b".to_string()])
        );
    }
}
