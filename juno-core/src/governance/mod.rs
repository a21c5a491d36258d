//! Governance: who may approve what, how requests move and escalate, when the engine may
//! act alone — every transition recorded in the tamper-evident [`crate::audit`] log.
//!
//! # Requests and their states
//!
//! A request proposes one [`Action`]; its **digest** (SHA-256 of the action's canonical
//! JSON) is what an approval authorises, and nothing else executes under that approval.
//!
//! ```text
//! submit ─┬─► auto_approved ──────────────┐
//!         ├─► suggested                   │
//!         └─► pending ─┬─► approved ──────┼─► executing ─┬─► executed
//!              ▲  │    ├─► rejected       │              └─► execution_failed
//!              └──┘    ├─► expired        │
//!           escalated  └─► cancelled      │
//! ```
//!
//! Escalation moves a pending request to the next role of the chain TEAM_LEAD →
//! PROJECT_MANAGER → ENGINEERING_MANAGER → DIRECTOR with a fresh deadline; a missed
//! deadline at the top ends in `expired`. With `AUTO_ESCALATION` off, a missed deadline
//! expires the request. A timeout never approves anything. `executing` is the claim that
//! makes execution happen exactly once, even with several processes.
//!
//! An approval is good for `EXECUTION_WINDOW_HOURS` (72 by default): an approved action
//! not executed by then **lapses** to `expired` (audited as `request_approval_lapsed`, by
//! `process_deadlines` or by the `execute` call that finds it late) and must be proposed
//! and approved again, because the Jira state it was approved against may have moved on.
//!
//! # Automation levels
//!
//! Each team and action kind has a level (`[automation]`, see
//! [`crate::config::Automation`]): `off` proposes nothing (`submit` refuses it), `suggest`
//! records the proposal as `suggested` (shown, never approved or executed), `approve`
//! sends everything to a person, `auto` lets policy approve what it allows. A new team is
//! at `approve` unless `AUTONOMOUS_ACTIONS` is on. The level is in every
//! [`Routing`] and in the submission's audit entry.
//!
//! # Shadow mode
//!
//! A candidate policy (`[shadow]`: another threshold, other auto-approvable levels, other
//! automation levels) runs log-only beside the live one: each submission's audit entry
//! records what it would have decided (`"shadow"`), the compliance report lists each
//! divergence, and [`Governance::shadow_report`] replays it over every stored request,
//! with what people decided, before anyone switches it on.
//!
//! # Quorum
//!
//! `approval_rules.quorum` can ask for more than one person per decision at an impact
//! level (e.g. two approvals for critical actions). Each eligible person votes once per
//! request (a second vote is refused, like a self-vote); the vote that reaches the quorum
//! decides the request, earlier ones are audited as `request_voted`. Only votes cast at the
//! request's current role count: an escalated request starts a new count.
//!
//! # Delegation
//!
//! A user may delegate their approval authority for one team to another user who already
//! holds an approving role for that team, until a time at most [`MAX_DELEGATION_DAYS`]
//! ahead ([`Governance::delegate`]). The delegate then decides that team's requests that
//! their own roles do not reach, **for** the delegator: the request records
//! `on_behalf_of`, the audit entry `"on_behalf_of"` and the delegation's id. The authority
//! is the delegator's own roles at the moment of the decision (a revoked role delegates
//! nothing); a delegation is never passed on (what B holds for A is not B's to delegate),
//! never reaches another team, never lets anyone decide a request the delegator made, and
//! never counts twice in a quorum (a delegate's vote is the delegator's vote). The
//! delegator or an ADMIN may revoke it ([`Governance::revoke_delegation`]); both are
//! audited (`delegation_granted`, `delegation_revoked`) and the compliance report lists
//! every decision made under one.
//!
//! # Reminders and the fallback approver
//!
//! `process_deadlines` reminds the people who can decide a pending request
//! `approval_rules.reminder_hours_before` its deadline (default: once, two hours before;
//! at most five per role), one reminder per sweep however late the sweep runs; each is
//! audited as `request_reminded` and returned in [`DeadlineReport::reminded`] for the host
//! to deliver. When nobody holds a role that could decide a request, the configured
//! `FALLBACK_APPROVER` may decide it (alone, never their own request; the decision is
//! marked `"fallback": true` and reported) and is who its reminders go to.
//!
//! # Authorisation
//!
//! An approver must hold a role at or above the request's current role for its team
//! (DIRECTOR spans all teams; ADMIN configures and never approves), must not be the
//! requester (nor decide for a delegator who is), and must approve the request's exact digest before its deadline while it is
//! pending. Every refusal is a typed error ([`crate::Error::PermissionDenied`] or
//! [`crate::Error::InvalidState`]) and is itself audited.

mod api;
pub mod compliance;

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::audit;
use crate::error::{Error, Result};
use crate::model::{ImpactLevel, Role};

pub use crate::model::{Action, CalibrationRef, Proposal};
pub(crate) use api::ApprovalQueue;
pub use api::{Applied, Approval, ApprovalItem, Executor, Governance, Routing};
pub use compliance::{ComplianceFinding, ComplianceReport, Severity};

/// A request's identifier.
pub type RequestId = i64;

/// The longest a delegation may run: a quarter. A standing delegation is a role grant and
/// belongs with the ADMIN who grants roles.
pub const MAX_DELEGATION_DAYS: i64 = 90;

/// The `reason` of a request whose approval lapsed: approved, not executed within
/// `EXECUTION_WINDOW_HOURS`, now `expired`. (Its `decided_by` is still the approver.)
pub const LAPSED_REASON: &str = "execution window passed";

/// An action's digest lives with governance, which binds approvals to it (the hash is
/// the audit log's).
impl Action {
    /// SHA-256 of [`Action::canonical_json`], hex.
    pub fn digest(&self) -> String {
        audit::hex(&audit::sha256(self.canonical_json().as_bytes()))
    }
}

/// The old name of a [`Proposal`] submitted to governance, kept as an alias for one
/// release.
pub type NewRequest = Proposal;

// In governance, not `model`: `model` is a leaf and does not parse JSON itself.
impl Proposal {
    /// Parses a proposal from JSON; errors name fields under `request.`, the argument's
    /// name on the C and Python surfaces.
    ///
    /// # Errors
    /// [`Error::Json`] for malformed JSON, unknown fields or unknown impact levels.
    pub fn from_json(json: &str) -> Result<Self> {
        crate::json::parse_object("request", json)
    }
}

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    /// Waiting in a role's queue.
    Pending,
    /// A human approved it.
    Approved,
    /// Policy approved it (autonomous actions, allowed impact, confidence over threshold).
    AutoApproved,
    /// A human rejected it.
    Rejected,
    /// Its deadline passed with nobody left to escalate to (or escalation off).
    Expired,
    /// The requester withdrew it.
    Cancelled,
    /// An executor has claimed it.
    Executing,
    /// The action ran.
    Executed,
    /// The action was attempted and failed.
    ExecutionFailed,
    /// Recorded and shown only: the automation level of its team and kind is `suggest`,
    /// so nobody approves it and it never executes.
    Suggested,
}

impl RequestStatus {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            RequestStatus::Pending => "pending",
            RequestStatus::Approved => "approved",
            RequestStatus::AutoApproved => "auto_approved",
            RequestStatus::Rejected => "rejected",
            RequestStatus::Expired => "expired",
            RequestStatus::Cancelled => "cancelled",
            RequestStatus::Executing => "executing",
            RequestStatus::Executed => "executed",
            RequestStatus::ExecutionFailed => "execution_failed",
            RequestStatus::Suggested => "suggested",
        }
    }
}

impl fmt::Display for RequestStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RequestStatus {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Ok(match s {
            "pending" => RequestStatus::Pending,
            "approved" => RequestStatus::Approved,
            "auto_approved" => RequestStatus::AutoApproved,
            "rejected" => RequestStatus::Rejected,
            "expired" => RequestStatus::Expired,
            "cancelled" => RequestStatus::Cancelled,
            "executing" => RequestStatus::Executing,
            "executed" => RequestStatus::Executed,
            "execution_failed" => RequestStatus::ExecutionFailed,
            "suggested" => RequestStatus::Suggested,
            _ => {
                return Err(Error::invalid(
                    "status",
                    format!("unknown request status `{s}`"),
                ));
            }
        })
    }
}

/// A stored request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApprovalRequest {
    /// Its identifier.
    pub id: RequestId,
    /// The proposed action.
    pub action: Action,
    /// SHA-256 of the action's canonical JSON, hex.
    pub digest: String,
    /// Impact level.
    pub impact: ImpactLevel,
    /// The engine's confidence: what auto-approval compared with its threshold
    /// (calibrated when `calibration` names a map).
    pub confidence: f64,
    /// The uncalibrated score the proposal carried, what calibration maps are fitted on
    /// (equal to `confidence` when no map was applied).
    #[serde(default)]
    pub raw_confidence: f64,
    /// The calibration map `confidence` went through (`None`: the raw score).
    #[serde(default)]
    pub calibration: Option<CalibrationRef>,
    /// Why.
    pub explanation: String,
    /// Who asked.
    pub requester: String,
    /// Where it stands.
    pub status: RequestStatus,
    /// The role whose queue it is in (or was last in).
    pub role: Role,
    /// How many times it escalated.
    pub escalations: u32,
    /// When the current role's time runs out (pending only).
    pub deadline: Option<DateTime<Utc>>,
    /// Submitted.
    pub created_at: DateTime<Utc>,
    /// Last transition.
    pub updated_at: DateTime<Utc>,
    /// Who decided (approver, rejecter, `juno` for policy and timeouts).
    pub decided_by: Option<String>,
    /// When.
    pub decided_at: Option<DateTime<Utc>>,
    /// A human's reason.
    pub reason: Option<String>,
    /// For auto-approval: the rule that allowed it and the numbers.
    pub decision: Option<serde_json::Value>,
    /// When it executed.
    pub executed_at: Option<DateTime<Utc>>,
    /// What the executor reported.
    pub result: Option<serde_json::Value>,
    /// When `decided_by` decided as a delegate: the delegator they decided for ("approved
    /// by B for A").
    #[serde(default)]
    pub on_behalf_of: Option<String>,
    /// Reminders sent to the approvers at its current role (see
    /// `approval_rules.reminder_hours_before`).
    #[serde(default)]
    pub reminders: u32,
}

/// One person's vote on a request whose quorum needs more than one
/// (`approval_rules.quorum`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vote {
    /// Who voted.
    pub user: String,
    /// The role the request was at (only votes at its current role count).
    pub role: Role,
    /// True to approve, false to reject.
    pub approve: bool,
    /// When.
    pub at: DateTime<Utc>,
    /// When `user` voted as a delegate: the delegator whose vote this is.
    #[serde(default)]
    pub on_behalf_of: Option<String>,
}

/// A user's approval authority for one team, delegated to another user for a bounded time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delegation {
    /// Its identifier.
    pub id: i64,
    /// Whose authority it is.
    pub delegator: String,
    /// Who may use it.
    pub delegate: String,
    /// The one team it covers.
    pub team: String,
    /// When it was made (and took effect).
    pub created_at: DateTime<Utc>,
    /// When it runs out.
    pub until: DateTime<Utc>,
    /// When revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
    /// By whom.
    pub revoked_by: Option<String>,
}

/// One role held by one user for one team (`*` = all teams).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleAssignment {
    /// The user.
    pub user: String,
    /// The role.
    pub role: Role,
    /// The team, or `*`.
    pub team: String,
    /// When granted.
    pub granted_at: DateTime<Utc>,
    /// By whom.
    pub granted_by: String,
    /// When revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
    /// By whom.
    pub revoked_by: Option<String>,
}

/// What `process_deadlines` did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadlineReport {
    /// Requests moved to the next role.
    pub escalated: Vec<RequestId>,
    /// Requests that expired.
    pub expired: Vec<RequestId>,
    /// Approved requests not executed within `EXECUTION_WINDOW_HOURS`: now expired.
    #[serde(default)]
    pub lapsed: Vec<RequestId>,
    /// Reminders due now, each recorded in the audit log (`request_reminded`): for the host
    /// to deliver (mail, chat) to their recipients.
    #[serde(default)]
    pub reminded: Vec<Reminder>,
}

/// What the `[shadow]` policy would have decided differently ([`Governance::shadow_report`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShadowReport {
    /// When it was computed.
    pub generated_at: DateTime<Utc>,
    /// The shadow policy compared.
    pub policy: crate::config::ShadowPolicy,
    /// Requests compared (every stored one).
    pub requests: u64,
    /// The decisions it would have changed, oldest request first.
    pub changed: Vec<ShadowChange>,
    /// Of those: requests it would auto-approve that a person rejected — the cost of
    /// switching it on.
    pub auto_approve_rejected: u64,
    /// Requests it would auto-approve that a person approved — the work it would save.
    pub auto_approve_approved: u64,
    /// Requests the live policy auto-approved that it would send to a person.
    pub sent_to_person: u64,
}

/// One decision the shadow policy would have changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShadowChange {
    /// The request.
    pub request: RequestId,
    /// Its team.
    pub team: String,
    /// Its action kind.
    pub kind: String,
    /// Its impact level.
    pub impact: ImpactLevel,
    /// The confidence routing compared.
    pub confidence: f64,
    /// What the live policy did: `auto_approved`, `person` or `suggested`.
    pub live: String,
    /// What the shadow policy would have done: `auto_approved`, `person`, `suggested` or
    /// `refused`.
    pub shadow: String,
    /// What the person decided, when one did (`approved` or `rejected`).
    pub person: Option<String>,
}

/// A reminder that a pending request's deadline is near, for the people who can decide it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reminder {
    /// The request.
    pub request: RequestId,
    /// The role whose queue it waits in.
    pub role: Role,
    /// When that role's time runs out.
    pub deadline: DateTime<Utc>,
    /// Who can decide it now (sorted): the eligible approvers, or the fallback approver
    /// when nobody is eligible.
    pub recipients: Vec<String>,
    /// Which reminder this is at this role (1-based)…
    pub number: u32,
    /// …of how many configured.
    pub of: u32,
}

/// Numbers for the governance dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GovernanceDashboard {
    /// Pending requests per role, then per team.
    pub pending: std::collections::BTreeMap<String, std::collections::BTreeMap<String, u64>>,
    /// Pending requests past their deadline (waiting for `process_deadlines`).
    pub overdue: u64,
    /// Requests decided by a human or policy.
    pub decided: u64,
    /// approved / decided.
    pub approval_rate: f64,
    /// rejected / decided.
    pub rejection_rate: f64,
    /// auto_approved / decided.
    pub auto_approval_rate: f64,
    /// Median seconds from submission to a human decision.
    pub median_seconds_to_decision: Option<f64>,
    /// Total escalations.
    pub escalations: u64,
    /// Requests per status.
    pub by_status: std::collections::BTreeMap<String, u64>,
    /// Whether the audit chain verifies, and its length.
    pub audit_ok: bool,
    /// Audit entries.
    pub audit_entries: u64,
}

/// The largest page [`Governance::pending_page`] hands out.
pub const MAX_PAGE: usize = 10_000;

/// One page of pending requests ([`Governance::pending_page`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingPage {
    /// How many pending requests match, in all pages.
    pub total: u64,
    /// This page's, oldest first.
    pub requests: Vec<ApprovalRequest>,
}

/// The rank of a role in the approval chain (ADMIN has none).
pub(crate) fn rank(role: Role) -> Option<u8> {
    match role {
        Role::TeamLead => Some(1),
        Role::ProjectManager => Some(2),
        Role::EngineeringManager => Some(3),
        Role::Director => Some(4),
        Role::Admin => None,
    }
}

/// The next role up the chain.
pub(crate) fn next_role(role: Role) -> Option<Role> {
    match role {
        Role::TeamLead => Some(Role::ProjectManager),
        Role::ProjectManager => Some(Role::EngineeringManager),
        Role::EngineeringManager => Some(Role::Director),
        Role::Director | Role::Admin => None,
    }
}
