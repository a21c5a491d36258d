//! Domain types shared by every stage of the agent cycle.
//!
//! The nouns every stage fills and reads, one type each:
//!
//! - who and where: [`Team`], [`User`], [`Role`];
//! - what is observed: [`Ticket`] (with its [`Priority`] and [`TicketEvent`] changes),
//!   [`Sprint`] (a finished or planned sprint) and [`SprintState`] (a sprint at one moment);
//! - what is decided: [`Action`], [`Proposal`] (an action with its impact, confidence and
//!   reasons, what governance takes, and the [`CalibrationRef`] of the map its confidence
//!   went through), [`ImpactLevel`], [`RiskLevel`];
//! - what a decision rests on: [`Evidence`], and how sure it is: [`Confidence`], made of
//!   weighted [`Factor`]s (the one factor shape of confidence, recall scores and risk
//!   categories), computed by a [`Scorer`], told at an [`ExplanationLevel`].
//!
//! Each stage reads the fields it needs and its check requires them, so one ticket or
//! sprint record can be handed to every stage. The module also holds the one validator for
//! names and unit numbers that every stage applies to caller input. It is a leaf: it
//! names no other module of the crate but `error`.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A team (or Jira project) by name: the scope of approvals, track records and reports.
///
/// A name, not a record: JSON carries it as a plain string. Each stage's check refuses a
/// blank, overlong or control-character name and names the field ([`Team::checked`]
/// applies the same rule).
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Team(String);

/// A person by name (a Jira user, an approver, a requester). JSON carries it as a string.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct User(String);

macro_rules! name_newtype {
    ($t:ident) => {
        impl $t {
            /// The name, checked: not blank, at most [`MAX_NAME_CHARS`] characters, no
            /// control characters.
            ///
            /// # Errors
            /// [`Error::InvalidInput`] naming `field`.
            pub fn checked(field: &str, name: impl Into<String>) -> Result<Self> {
                let name = name.into();
                check_name(field, &name)?;
                Ok($t(name))
            }

            /// The name as given.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The name, owned.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        // Unchecked on purpose: names come from trusted code here; caller input is
        // checked where each stage validates it.
        impl From<&str> for $t {
            fn from(s: &str) -> Self {
                $t(s.to_owned())
            }
        }

        impl From<String> for $t {
            fn from(s: String) -> Self {
                $t(s)
            }
        }

        impl From<&String> for $t {
            fn from(s: &String) -> Self {
                $t(s.clone())
            }
        }

        impl From<$t> for String {
            fn from(t: $t) -> Self {
                t.0
            }
        }

        impl std::ops::Deref for $t {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $t {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::borrow::Borrow<str> for $t {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        // Debug as the bare string, so a record's Debug (and Python's repr built on it)
        // reads `team: "alpha"`, as JSON does.
        impl fmt::Debug for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.0, f)
            }
        }

        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl PartialEq<str> for $t {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $t {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<String> for $t {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }
    };
}

name_newtype!(Team);
name_newtype!(User);

/// A governance role, lowest authority first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    /// Leads one or more teams; first approver.
    TeamLead,
    /// Owns delivery across teams.
    ProjectManager,
    /// Owns engineering across projects.
    EngineeringManager,
    /// Top of the approval chain; spans all teams.
    Director,
    /// Configuration only: cannot approve actions.
    Admin,
}

impl Role {
    /// The canonical upper-case name (`TEAM_LEAD`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::TeamLead => "TEAM_LEAD",
            Role::ProjectManager => "PROJECT_MANAGER",
            Role::EngineeringManager => "ENGINEERING_MANAGER",
            Role::Director => "DIRECTOR",
            Role::Admin => "ADMIN",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_uppercase().as_str() {
            "TEAM_LEAD" => Ok(Role::TeamLead),
            "PROJECT_MANAGER" => Ok(Role::ProjectManager),
            "ENGINEERING_MANAGER" => Ok(Role::EngineeringManager),
            "DIRECTOR" => Ok(Role::Director),
            "ADMIN" => Ok(Role::Admin),
            _ => Err(Error::invalid("role", format!("unknown role `{s}`"))),
        }
    }
}

/// How much an action can change, which decides who must approve it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImpactLevel {
    /// Cosmetic or easily reverted.
    Low,
    /// Changes one ticket's course.
    Medium,
    /// Changes a sprint or several people's work.
    High,
    /// Changes commitments across teams.
    Critical,
}

impl ImpactLevel {
    /// The canonical lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ImpactLevel::Low => "low",
            ImpactLevel::Medium => "medium",
            ImpactLevel::High => "high",
            ImpactLevel::Critical => "critical",
        }
    }
}

impl fmt::Display for ImpactLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ImpactLevel {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "low" => Ok(ImpactLevel::Low),
            "medium" => Ok(ImpactLevel::Medium),
            "high" => Ok(ImpactLevel::High),
            "critical" => Ok(ImpactLevel::Critical),
            _ => Err(Error::invalid(
                "impact",
                format!("unknown impact level `{s}`"),
            )),
        }
    }
}

/// How far JUNO may go on its own for one team and action kind (`[automation]` in the
/// config file), from nothing to acting alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AutomationLevel {
    /// Propose nothing.
    Off,
    /// Proposals are recorded and shown (status `suggested`), never approved or executed.
    Suggest,
    /// Every action needs a person's approval.
    Approve,
    /// Auto-approve what policy allows (impact level among `auto_approve_levels`,
    /// calibrated confidence at the threshold, `AUTONOMOUS_ACTIONS` on, `SUPERVISOR_MODE`
    /// off); people approve the rest.
    Auto,
}

impl AutomationLevel {
    /// The canonical lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            AutomationLevel::Off => "off",
            AutomationLevel::Suggest => "suggest",
            AutomationLevel::Approve => "approve",
            AutomationLevel::Auto => "auto",
        }
    }
}

impl fmt::Display for AutomationLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AutomationLevel {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "off" => Ok(AutomationLevel::Off),
            "suggest" => Ok(AutomationLevel::Suggest),
            "approve" => Ok(AutomationLevel::Approve),
            "auto" => Ok(AutomationLevel::Auto),
            _ => Err(Error::invalid(
                "automation",
                format!("unknown automation level `{s}` (expected off, suggest, approve or auto)"),
            )),
        }
    }
}

/// What the engine (or a user) proposes to do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Action {
    /// The kind of action (`reassign`, `update_priority`, `close`, …).
    pub kind: String,
    /// The team it concerns; approvals are scoped by team.
    pub team: Team,
    /// What it acts on (a ticket key, a sprint id).
    #[serde(default)]
    pub target: Option<String>,
    /// Its parameters (the new assignee, the new priority, …).
    #[serde(default)]
    pub parameters: serde_json::Value,
}

impl Action {
    /// The canonical JSON the digest is computed over: compact, keys sorted.
    pub fn canonical_json(&self) -> String {
        serde_json::to_value(self)
            .map(|v| v.to_string())
            .unwrap_or_default()
    }

    pub(crate) fn validate(&self) -> Result<()> {
        check_name("action.kind", &self.kind)?;
        check_name("action.team", &self.team)?;
        if let Some(t) = &self.target {
            check_name("action.target", t)?;
        }
        Ok(())
    }
}

/// What the engine (or a user) proposes to do, with the grounds for it: the decide stage's
/// output and what governance takes. Submitting one opens an approval request for exactly
/// its [`Action`] (bound by the action's digest).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Proposal {
    /// The proposed action.
    pub action: Action,
    /// Its impact level, which decides the first approver role.
    pub impact: ImpactLevel,
    /// The engine's (calibrated) confidence in [0, 1]: what auto-approval compares with
    /// its threshold.
    pub confidence: f64,
    /// Why the engine proposes it.
    #[serde(default)]
    pub explanation: String,
    /// Who asks: `juno` for the engine, or a user.
    pub requester: User,
    /// The uncalibrated score, when `confidence` went through a calibration map; `None`
    /// means `confidence` is itself the raw score. The request keeps the raw score, which
    /// is what later maps are fitted on.
    #[serde(default)]
    pub raw_confidence: Option<f64>,
    /// The calibration map `confidence` went through, if any (it needs `raw_confidence`).
    #[serde(default)]
    pub calibration: Option<CalibrationRef>,
}

impl Proposal {
    pub(crate) fn validate(&self) -> Result<()> {
        self.action.validate()?;
        check_unit("confidence", self.confidence)?;
        check_name("requester", &self.requester)?;
        if let Some(raw) = self.raw_confidence {
            check_unit("raw_confidence", raw)?;
        }
        if let Some(c) = &self.calibration {
            if self.raw_confidence.is_none() {
                return Err(Error::invalid(
                    "raw_confidence",
                    "required with `calibration` (the score before the map)",
                ));
            }
            if c.kind != self.action.kind {
                return Err(Error::invalid(
                    "calibration.kind",
                    format!(
                        "a map of `{}` cannot calibrate a `{}` action",
                        c.kind, self.action.kind
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The score before any calibration: `raw_confidence`, else `confidence`.
    pub fn raw_score(&self) -> f64 {
        self.raw_confidence.unwrap_or(self.confidence)
    }
}

/// Which stored calibration map a confidence went through: the action kind it was fitted
/// for, its version for that kind, and how many recorded person decisions it was fitted on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalibrationRef {
    /// The action kind (`triage.reassign`).
    pub kind: String,
    /// The map's version for that kind (1, 2, …).
    pub version: i64,
    /// The person decisions it was fitted on.
    pub outcomes: usize,
}

/// The overall risk level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskLevel {
    /// Below the medium threshold.
    Low,
    /// From the medium threshold.
    Medium,
    /// From the high threshold.
    High,
    /// From the critical threshold.
    Critical,
}

impl RiskLevel {
    /// The lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            RiskLevel::Low => "low",
            RiskLevel::Medium => "medium",
            RiskLevel::High => "high",
            RiskLevel::Critical => "critical",
        }
    }
}

impl fmt::Display for RiskLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a notification is about (`[notify] kinds` chooses which are sent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// A request waits for a person (not for auto-approved or suggested ones).
    ApprovalRequested,
    /// A request moved up the chain.
    Escalated,
    /// A request's deadline is near (its reminders).
    Expiring,
    /// An approved action ran.
    Executed,
    /// An active sprint's forecast is critical.
    CriticalRisk,
    /// Someone approved outside the chain: the approvers it skipped are told.
    BreakGlass,
}

impl NoticeKind {
    /// Every kind, in order.
    pub const ALL: [NoticeKind; 6] = [
        NoticeKind::ApprovalRequested,
        NoticeKind::Escalated,
        NoticeKind::Expiring,
        NoticeKind::Executed,
        NoticeKind::CriticalRisk,
        NoticeKind::BreakGlass,
    ];

    /// The snake-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::ApprovalRequested => "approval_requested",
            NoticeKind::Escalated => "escalated",
            NoticeKind::Expiring => "expiring",
            NoticeKind::Executed => "executed",
            NoticeKind::CriticalRisk => "critical_risk",
            NoticeKind::BreakGlass => "break_glass",
        }
    }
}

/// One change of one field of a ticket (status, assignee, priority, sprint, comment, …), as
/// a ticket's change history records it. Flow analysis reads `status` and `assignee`
/// changes and ignores the others.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TicketEvent {
    /// When.
    #[serde(deserialize_with = "crate::model::time::utc::deserialize")]
    pub at: DateTime<Utc>,
    /// Which field (`status`, `assignee`; others are ignored).
    pub field: String,
    /// The value before (empty = none).
    #[serde(default)]
    pub from: String,
    /// The value after (empty = none).
    #[serde(default)]
    pub to: String,
}

/// A Jira priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Priority {
    /// Highest.
    Highest,
    /// High.
    High,
    /// Medium (the default).
    Medium,
    /// Low.
    Low,
    /// Lowest.
    Lowest,
}

impl Priority {
    /// The Jira name (`Highest`, …, `Lowest`).
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Highest => "Highest",
            Priority::High => "High",
            Priority::Medium => "Medium",
            Priority::Low => "Low",
            Priority::Lowest => "Lowest",
        }
    }
}

/// A ticket, as every stage sees it: what it is (key, team, priority, labels), where it
/// stands now (status, assignee, blocked, …) and its change history (`events`).
///
/// Each stage reads the fields it needs and its check requires them: triage needs
/// `priority` and `updated` ([`crate::triage::Ticket::validate`]), flow needs `created`
/// and reads `status`, `assignee` and `events`. Everything else is optional, so each
/// stage's JSON is valid as before, and one ticket can be handed to both.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ticket {
    /// Its key (`ALPHA-12`).
    pub key: String,
    /// Its team (or project).
    pub team: Team,
    /// Its priority (triage requires it).
    #[serde(default)]
    pub priority: Option<Priority>,
    /// The assignee now, if any. Flow uses it only when there are no assignee events.
    #[serde(default)]
    pub assignee: Option<User>,
    /// Labels.
    #[serde(default)]
    pub labels: Vec<String>,
    /// When it was created (flow requires it).
    #[serde(default, deserialize_with = "crate::model::time::opt_utc::deserialize")]
    pub created: Option<DateTime<Utc>>,
    /// Last update (triage requires it).
    #[serde(default, deserialize_with = "crate::model::time::opt_utc::deserialize")]
    pub updated: Option<DateTime<Utc>>,
    /// Its status now. Flow uses it only when there are no status events.
    #[serde(default)]
    pub status: Option<String>,
    /// Its changes, in any order.
    #[serde(default)]
    pub events: Vec<TicketEvent>,
    /// Last comment.
    #[serde(default, deserialize_with = "crate::model::time::opt_utc::deserialize")]
    pub last_comment: Option<DateTime<Utc>>,
    /// Last change event (status, assignee, …).
    #[serde(default, deserialize_with = "crate::model::time::opt_utc::deserialize")]
    pub last_change: Option<DateTime<Utc>>,
    /// When the assignee last touched it.
    #[serde(default, deserialize_with = "crate::model::time::opt_utc::deserialize")]
    pub assignee_last_activity: Option<DateTime<Utc>>,
    /// Blocked by another ticket.
    #[serde(default)]
    pub blocked: bool,
    /// How many tickets it blocks.
    #[serde(default)]
    pub blocking: u32,
    /// Has a description; absent (`None`) when the host does not know, which is not
    /// treated as missing.
    #[serde(default)]
    pub has_description: Option<bool>,
    /// Has an estimate; absent (`None`) when unknown, which is not treated as missing.
    #[serde(default)]
    pub estimated: Option<bool>,
    /// In an active sprint.
    #[serde(default)]
    pub in_active_sprint: bool,
}

/// One sprint of one team: what it planned, what it delivered and who worked in it.
///
/// The one sprint noun of every stage. Each stage reads the fields it needs and its check
/// requires them: velocity needs `committed_points` and `delivered_points`
/// ([`Sprint::check_points`]), the forecast's history those and `days`
/// ([`Sprint::check_history`]), flow `id`, `team`, `start` and `end`
/// ([`Sprint::check_span`]). Everything else is optional, so each stage's JSON stays valid
/// and one record can be handed to all three. Velocity's old field names (`sprint`,
/// `committed`, `delivered`) are read as aliases.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sprint {
    /// Its id or name (unique within the team; flow requires it).
    #[serde(default, alias = "sprint")]
    pub id: String,
    /// Its team (flow requires it).
    #[serde(default)]
    pub team: Team,
    /// When it started (flow requires it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<DateTime<Utc>>,
    /// When it ended, actual or planned (flow requires it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<DateTime<Utc>>,
    /// Keys of the tickets in it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<String>,
    /// Keys completed in it; when absent, flow counts members whose status at `end` is done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed: Option<Vec<String>>,
    /// Points committed at the start (velocity and the forecast require it).
    #[serde(default, alias = "committed", skip_serializing_if = "Option::is_none")]
    pub committed_points: Option<f64>,
    /// Points delivered (velocity and the forecast require it).
    #[serde(default, alias = "delivered", skip_serializing_if = "Option::is_none")]
    pub delivered_points: Option<f64>,
    /// Working days it ran (the forecast requires it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<f64>,
    /// People on it (0: unknown).
    #[serde(default)]
    pub team_size: u32,
}

impl Sprint {
    /// A sprint known only by its points, as velocity reads it.
    pub fn with_points(id: impl Into<String>, committed: f64, delivered: f64) -> Self {
        Sprint {
            id: id.into(),
            committed_points: Some(committed),
            delivered_points: Some(delivered),
            ..Sprint::default()
        }
    }

    /// A finished sprint as the forecast's team history reads it: points, working days and
    /// people (0: unknown), with no id.
    pub fn finished(committed: f64, delivered: f64, days: f64, team_size: u32) -> Self {
        Sprint {
            committed_points: Some(committed),
            delivered_points: Some(delivered),
            days: Some(days),
            team_size,
            ..Sprint::default()
        }
    }

    /// Points committed; 0 when not given (which [`Sprint::check_points`] refuses).
    pub fn committed(&self) -> f64 {
        self.committed_points.unwrap_or(0.0)
    }

    /// Points delivered; 0 when not given (which [`Sprint::check_points`] refuses).
    pub fn delivered(&self) -> f64 {
        self.delivered_points.unwrap_or(0.0)
    }

    /// Working days; 0 when not given (which [`Sprint::check_history`] refuses).
    pub fn working_days(&self) -> f64 {
        self.days.unwrap_or(0.0)
    }

    /// What velocity needs: committed and delivered points, finite and not negative.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the field.
    pub fn check_points(&self) -> Result<()> {
        need_count("committed_points", self.committed_points, "velocity")?;
        need_count("delivered_points", self.delivered_points, "velocity")?;
        Ok(())
    }

    /// What the forecast's team history needs: the points and the working days.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the field.
    pub fn check_history(&self) -> Result<()> {
        need_count("committed_points", self.committed_points, "the forecast")?;
        need_count("delivered_points", self.delivered_points, "the forecast")?;
        need_count("days", self.days, "the forecast")?;
        Ok(())
    }

    /// What flow needs: an id, a team, a start and an end not before it.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the field.
    pub fn check_span(&self) -> Result<(DateTime<Utc>, DateTime<Utc>)> {
        check_name("id", &self.id)?;
        check_name("team", &self.team)?;
        let start = self
            .start
            .ok_or_else(|| Error::invalid("start", "flow needs the sprint's start"))?;
        let end = self
            .end
            .ok_or_else(|| Error::invalid("end", "flow needs the sprint's end"))?;
        if end < start {
            return Err(Error::invalid(
                "end",
                format!(
                    "sprint `{}` ends at {end} before it starts at {start}",
                    self.id
                ),
            ));
        }
        Ok((start, end))
    }
}

/// A number a stage needs: present, finite and not negative.
fn need_count(field: &str, v: Option<f64>, stage: &str) -> Result<()> {
    match v {
        None => Err(Error::invalid(field, format!("{stage} needs it"))),
        Some(v) if !v.is_finite() || v < 0.0 => Err(Error::invalid(
            field,
            format!("must be a finite number ≥ 0, got {v}"),
        )),
        Some(_) => Ok(()),
    }
}

/// A sprint's state at one moment. Points are story points; counts are issues.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SprintState {
    /// The team.
    pub team: Team,
    /// The sprint's name or id.
    pub sprint: String,
    /// Points committed at the start.
    pub committed_points: f64,
    /// Points added since the start.
    pub added_points: f64,
    /// Points removed since the start.
    pub removed_points: f64,
    /// Points not started.
    pub todo_points: f64,
    /// Points in progress.
    pub in_progress_points: f64,
    /// Points done.
    pub done_points: f64,
    /// Issues committed at the start.
    pub committed_issues: u32,
    /// Issues added since the start.
    pub added_issues: u32,
    /// Issues removed since the start.
    pub removed_issues: u32,
    /// Issues not started.
    pub todo_issues: u32,
    /// Issues in progress.
    pub in_progress_issues: u32,
    /// Issues done.
    pub done_issues: u32,
    /// Working days elapsed.
    pub days_elapsed: f64,
    /// Working days planned.
    pub days_planned: f64,
    /// People working on the sprint.
    pub team_size: u32,
    /// Issues blocked by others.
    pub blocked: u32,
    /// Issues with links to work outside the sprint.
    pub dependencies: u32,
    /// Defects (bugs) in the sprint.
    pub defects: u32,
    /// Issues waiting for review.
    pub review_queue: u32,
}

impl SprintState {
    /// Points committed now: start + added − removed (never below 0).
    pub fn commitment_now(&self) -> f64 {
        (nn(self.committed_points) + nn(self.added_points) - nn(self.removed_points)).max(0.0)
    }

    /// Issues in the sprint now.
    pub fn issues_now(&self) -> u32 {
        (self.committed_issues + self.added_issues).saturating_sub(self.removed_issues)
    }

    /// Open issues now (to do + in progress).
    pub fn open_issues(&self) -> u32 {
        self.todo_issues + self.in_progress_issues
    }

    /// Whole working days left (never negative).
    pub fn days_left(&self) -> f64 {
        (nn(self.days_planned) - nn(self.days_elapsed)).max(0.0)
    }

    /// Checks the numbers: finite and non-negative, elapsed within the plan (a sprint past
    /// its planned end is allowed and has 0 days left).
    pub fn validate(&self) -> Result<()> {
        let fields = [
            ("committed_points", self.committed_points),
            ("added_points", self.added_points),
            ("removed_points", self.removed_points),
            ("todo_points", self.todo_points),
            ("in_progress_points", self.in_progress_points),
            ("done_points", self.done_points),
            ("days_elapsed", self.days_elapsed),
            ("days_planned", self.days_planned),
        ];
        for (name, v) in fields {
            if !v.is_finite() || v < 0.0 {
                return Err(Error::invalid(
                    name,
                    format!("must be a finite number ≥ 0, got {v}"),
                ));
            }
        }
        Ok(())
    }
}

/// `x` when finite and not negative, else 0: how engines read a number a caller's check
/// has not vouched for.
pub(crate) fn nn(x: f64) -> f64 {
    if x.is_finite() { x.max(0.0) } else { 0.0 }
}

/// The longest name (team, user, action kind, …) accepted anywhere, in characters.
pub const MAX_NAME_CHARS: usize = 256;

/// Checks a name given by a caller: not blank, at most [`MAX_NAME_CHARS`] characters, no
/// control characters.
pub(crate) fn check_name(field: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    if value.chars().count() > MAX_NAME_CHARS {
        return Err(Error::invalid(
            field,
            format!("longer than {MAX_NAME_CHARS} characters"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(Error::invalid(field, "contains control characters"));
    }
    Ok(())
}

/// Why `x` is not a finite number in [0, 1], or `None` when it is. The one rule behind
/// [`check_unit`] and the settings' unit checks (which report a configuration error).
pub(crate) fn unit_complaint(x: f64) -> Option<String> {
    (!(x.is_finite() && (0.0..=1.0).contains(&x)))
        .then(|| format!("must be a number in [0, 1], got {x}"))
}

/// Checks that `x` is a finite number in [0, 1].
pub(crate) fn check_unit(field: impl Into<String>, x: f64) -> Result<()> {
    match unit_complaint(x) {
        None => Ok(()),
        Some(m) => Err(Error::invalid(field, m)),
    }
}

/// What a decision rests on. Every field is optional evidence; absent evidence scores 0.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Evidence {
    /// Share of the fields the decision needs that are present, in [0, 1].
    pub completeness: f64,
    /// How many data points (tickets, sprints, events) the finding is based on.
    pub observations: u64,
    /// Age in hours of the newest evidence (none: unknown, scores 0).
    pub newest_evidence_age_hours: Option<f64>,
    /// This kind of decision for this team: how many were right (approved / came true).
    pub track_record_right: u64,
    /// …out of how many decided.
    pub track_record_total: u64,
    /// The matching pattern's support in [0, 1] and its episode count.
    pub pattern_support: Option<f64>,
    /// Episodes behind the matching pattern.
    pub pattern_episodes: u64,
    /// Signals in [0, 1] from the engines that looked at the same case (forecast risk,
    /// triage urgency, …); their agreement is the consensus.
    pub engine_signals: Vec<f64>,
    /// Free-text evidence items shown in verbose explanations.
    pub items: Vec<String>,
}

/// One factor's part in a confidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Factor {
    /// `data_quality`, `historical_accuracy`, `pattern_strength`, `temporal_relevance`,
    /// `consensus_score`.
    pub name: String,
    /// The factor's value in [0, 1].
    pub value: f64,
    /// Its weight.
    pub weight: f64,
    /// value × weight.
    pub contribution: f64,
    /// The inputs, in words.
    pub evidence: String,
}

/// How much to say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExplanationLevel {
    /// One sentence.
    Basic,
    /// The factor table (the default).
    #[default]
    Detailed,
    /// The factor table, the formulas and every evidence item.
    Verbose,
}

impl ExplanationLevel {
    /// The lower-case name (`basic`, `detailed`, `verbose`).
    pub fn as_str(self) -> &'static str {
        match self {
            ExplanationLevel::Basic => "basic",
            ExplanationLevel::Detailed => "detailed",
            ExplanationLevel::Verbose => "verbose",
        }
    }
}

impl fmt::Display for ExplanationLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ExplanationLevel {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "basic" => Ok(ExplanationLevel::Basic),
            "detailed" => Ok(ExplanationLevel::Detailed),
            "verbose" => Ok(ExplanationLevel::Verbose),
            _ => Err(Error::invalid(
                "level",
                format!("unknown explanation level `{s}` (expected basic, detailed or verbose)"),
            )),
        }
    }
}

impl Evidence {
    /// Checks the values: completeness, pattern support and engine signals in [0, 1], an
    /// evidence age that is finite and not negative, and no more right decisions than
    /// decided ones. [`crate::reasoning::score`] clamps instead; the surfaces refuse.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the first bad field (`engine_signals[2]`).
    pub fn validate(&self) -> Result<()> {
        check_unit("completeness", self.completeness)?;
        if let Some(a) = self.newest_evidence_age_hours {
            if !a.is_finite() || a < 0.0 {
                return Err(Error::invalid(
                    "newest_evidence_age_hours",
                    format!("must be a finite number of hours ≥ 0, got {a}"),
                ));
            }
        }
        if self.track_record_right > self.track_record_total {
            return Err(Error::invalid(
                "track_record_right",
                format!(
                    "{} right of {} decided: cannot exceed the decided count",
                    self.track_record_right, self.track_record_total
                ),
            ));
        }
        if let Some(s) = self.pattern_support {
            check_unit("pattern_support", s)?;
        }
        for (i, s) in self.engine_signals.iter().enumerate() {
            check_unit(format!("engine_signals[{i}]"), *s)?;
        }
        Ok(())
    }
}

/// A scored decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Confidence {
    /// The raw weighted sum.
    pub raw: f64,
    /// After calibration (equal to `raw` while uncalibrated).
    pub calibrated: f64,
    /// Whether a calibration map was applied.
    pub is_calibrated: bool,
    /// The five factors, in the order of the table above.
    pub factors: Vec<Factor>,
    /// The evidence items.
    pub items: Vec<String>,
}

/// Turns [`Evidence`] into a [`Confidence`].
///
/// The analysis engines (forecast, triage) take a scorer instead of calling the reasoning
/// engine, so that they stay leaves: the handles pass
/// [`crate::reasoning::WeightedScorer`] with the deployment's weights.
pub trait Scorer: fmt::Debug {
    /// The confidence that `evidence` supports.
    fn score(&self, evidence: &Evidence) -> Confidence;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_role_names_the_value() {
        let err = "TEAM_LAED".parse::<Role>().err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("invalid `role`: unknown role `TEAM_LAED`")
        );
        assert_eq!("team_lead".parse::<Role>().ok(), Some(Role::TeamLead));
    }
}

/// Reading ticket times faster than chrono's general parser, with chrono's result.
pub mod time {
    use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

    /// Reading an optional UTC time as chrono reads one, faster: for
    /// `#[serde(default, deserialize_with = "crate::model::time::opt_utc::deserialize")]` on the
    /// fields of bulk inputs (a ticket has five, and each of its events one).
    ///
    /// chrono's reader accepts RFC 3339 with every relaxation (lower-case `t`, spaces, leap
    /// seconds, any number of fraction digits) and was two thirds of converting a ticket with
    /// three times. [`parse_utc`] reads the strict form every serializer writes
    /// (`YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|±HH:MM)`) directly and hands anything else to chrono,
    /// so what is accepted, the instant read and the error for what is refused are chrono's.
    pub mod opt_utc {
        use chrono::{DateTime, Utc};
        use serde::{Deserialize, Deserializer};

        /// Deserializes `null` (or an absent field, with `#[serde(default)]`) as `None` and a
        /// string as chrono's `DateTime<Utc>` does.
        ///
        /// # Errors
        /// Anything chrono's `DateTime<Utc>` refuses, with chrono's message.
        pub fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<DateTime<Utc>>, D::Error> {
            // serde's own `Option`, as the field had before, around the faster reader.
            Ok(Option::<super::utc::Utc3339>::deserialize(d)?.map(|t| t.0))
        }
    }

    /// [`opt_utc`] for a required time: `deserialize_with = "crate::model::time::utc::deserialize"`.
    pub mod utc {
        use chrono::{DateTime, Utc};
        use serde::de::{self, Deserialize, Deserializer, Visitor};
        use std::fmt;

        /// Deserializes a string as chrono's `DateTime<Utc>` does.
        ///
        /// # Errors
        /// Anything chrono's `DateTime<Utc>` refuses, with chrono's message.
        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
            d.deserialize_str(TimeVisitor)
        }

        /// A time read by [`deserialize`], for wrapping in serde's own containers.
        pub(super) struct Utc3339(pub(super) DateTime<Utc>);

        impl<'de> Deserialize<'de> for Utc3339 {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                deserialize(d).map(Utc3339)
            }
        }

        struct TimeVisitor;

        impl Visitor<'_> for TimeVisitor {
            type Value = DateTime<Utc>;

            // chrono's words, so a refusal reads the same as before.
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an RFC 3339 formatted date and time string")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                super::parse_utc(v).map_err(E::custom)
            }
        }
    }

    /// `text` as chrono's `DateTime<Utc>` deserializer reads it (see [`opt_utc`]).
    ///
    /// # Errors
    /// chrono's parse error, for any text chrono refuses.
    pub fn parse_utc(text: &str) -> std::result::Result<DateTime<Utc>, chrono::ParseError> {
        match strict_rfc3339(text.as_bytes()) {
            Some(t) => Ok(t),
            None => text
                .parse::<DateTime<FixedOffset>>()
                .map(|t| t.with_timezone(&Utc)),
        }
    }

    /// The strict RFC 3339 form, or None for anything else (chrono then decides).
    fn strict_rfc3339(b: &[u8]) -> Option<DateTime<Utc>> {
        fn num(b: &[u8]) -> Option<u32> {
            b.iter().try_fold(0u32, |n, &c| {
                c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
            })
        }
        if b.len() < 20
            || b[4] != b'-'
            || b[7] != b'-'
            || b[10] != b'T'
            || b[13] != b':'
            || b[16] != b':'
        {
            return None;
        }
        let date = NaiveDate::from_ymd_opt(
            i32::try_from(num(&b[0..4])?).ok()?,
            num(&b[5..7])?,
            num(&b[8..10])?,
        )?;
        let (hour, minute, second) = (num(&b[11..13])?, num(&b[14..16])?, num(&b[17..19])?);
        // A leap second (:60) is chrono's to read.
        if second > 59 {
            return None;
        }
        let mut rest = &b[19..];
        let mut nanos = 0;
        if let Some((b'.', tail)) = rest.split_first() {
            let digits = tail.iter().take_while(|c| c.is_ascii_digit()).count();
            if !(1..=9).contains(&digits) {
                return None;
            }
            nanos = num(&tail[..digits])? * 10u32.pow(9 - digits as u32);
            rest = &tail[digits..];
        }
        let offset_secs = match rest {
            [b'Z'] => 0,
            [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
                let (h, m) = (num(&[*h1, *h2])?, num(&[*m1, *m2])?);
                if h > 23 || m > 59 {
                    return None;
                }
                let secs = (h * 3600 + m * 60) as i64;
                if *sign == b'-' { -secs } else { secs }
            }
            _ => return None,
        };
        let local = date.and_hms_nano_opt(hour, minute, second, nanos)?;
        let utc = local.checked_sub_signed(chrono::TimeDelta::seconds(offset_secs))?;
        Some(utc.and_utc())
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn parse_utc_reads_what_chrono_reads() {
            let mut seed = 0x2545_f491_4f6c_dd1d_u64;
            let mut next = move || {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                seed
            };
            let mut texts: Vec<String> = [
                "2026-01-01T09:30:00Z",
                "2026-01-01T09:30:00+00:00",
                "2026-01-01T09:30:00.123456+02:00",
                "2026-01-01T09:30:00.1-23:59",
                "0001-01-01T00:00:00.000000001Z",
                "0000-01-01T00:00:00+00:01",
                "9999-12-31T23:59:59.999999999-01:00",
                "2016-12-31T23:59:60Z",
                "2026-02-29T00:00:00Z",
                "2024-02-29T00:00:00Z",
                "2026-01-01t09:30:00z",
                "2026-01-01 09:30:00Z",
                "2026-01-01T09:30:00.Z",
                "2026-01-01T09:30:00.1234567891Z",
                "2026-01-01T09:30:00+24:00",
                "2026-01-01T09:30:00+0200",
                "2026-01-01T09:30:00",
                "2026-01-01T9:30:00Z",
                "+2026-01-01T09:30:00Z",
                "2026-13-01T09:30:00Z",
                "2026-01-01T24:00:00Z",
                "2026-01-01T09:30:00Z ",
                "",
            ]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
            let alphabet = b"0123456789-:T.Z+ tz";
            for _ in 0..50_000 {
                let mut t = texts[(next() % 10) as usize].clone().into_bytes();
                for _ in 0..(next() % 3) {
                    let at = (next() as usize) % t.len();
                    t[at] = alphabet[(next() as usize) % alphabet.len()];
                }
                texts.push(String::from_utf8_lossy(&t).into_owned());
            }
            let mut strict = 0;
            for text in &texts {
                let chrono = text
                    .parse::<DateTime<FixedOffset>>()
                    .map(|t| t.with_timezone(&Utc));
                assert_eq!(parse_utc(text), chrono, "{text:?}");
                strict += usize::from(strict_rfc3339(text.as_bytes()).is_some());
            }
            // The fast path is taken, not only the fallback.
            assert!(strict > texts.len() / 4, "{strict} of {}", texts.len());
        }

        #[test]
        fn an_optional_time_reads_and_refuses_as_chrono_does() {
            #[derive(serde::Deserialize, Debug)]
            struct T {
                #[serde(default, deserialize_with = "opt_utc::deserialize")]
                at: Option<DateTime<Utc>>,
            }
            #[derive(serde::Deserialize, Debug)]
            struct C {
                #[serde(default)]
                at: Option<DateTime<Utc>>,
            }
            for text in [
                r#"{}"#,
                r#"{"at": null}"#,
                r#"{"at": "2026-01-01T09:30:00+02:00"}"#,
                r#"{"at": "2026-01-01 09:30:00Z"}"#,
                r#"{"at": "yesterday"}"#,
                r#"{"at": 5}"#,
                r#"{"at": [1]}"#,
            ] {
                let ours = serde_json::from_str::<T>(text)
                    .map(|t| t.at)
                    .map_err(|e| e.to_string());
                let chrono = serde_json::from_str::<C>(text)
                    .map(|t| t.at)
                    .map_err(|e| e.to_string());
                assert_eq!(ours, chrono, "{text}");
            }
        }
    }
}
