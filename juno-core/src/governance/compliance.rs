//! Compliance monitoring: what the audit log proves went wrong or looks wrong.
//!
//! | rule | severity | finding |
//! |---|---|---|
//! | `executed_without_approval` | violation | an execution entry with no earlier approval (human or policy) for the same request and the same action digest; or a request the table says executed that the log never saw execute |
//! | `quorum_not_met` | violation | an execution under a human approval that fewer distinct people voted for, at the approving role, than `approval_rules.quorum` asks for the request's impact level |
//! | `executed_outside_window` | violation | an execution claimed `EXECUTION_WINDOW_HOURS` or more after the approval (human or policy) it ran under |
//! | `approver_role_revoked` | warning | the approver lost a role between approving and execution (or since, if not yet executed) |
//! | `past_deadline` | warning | a pending request past its deadline (run `process_deadlines`) |
//! | `stuck_executing` | warning | claimed for execution over an hour ago with no recorded outcome (the process died mid-action) |
//! | `rubber_stamp` | warning | a human approval less than [`RUBBER_STAMP_SECONDS`] after submission |
//! | `delegation_invalid` | violation | a decision or vote made under a delegation that was not in force at that moment (never granted, revoked, run out, or granted to someone else) |
//! | `delegated_decision` | warning | each decision or vote made by a delegate for their delegator ("approved by B for A") |
//! | `fallback_decision` | warning | each decision by the fallback approver (nobody held a role that could decide the request) |
//! | `shadow_divergence` | warning | a submission the `[shadow]` policy, running log-only beside the live one, would have decided differently |
//! | `break_glass` | warning | each approval outside the chain (break-glass), with its reason and the approvers it skipped |
//! | `unusual_authority` | warning | one user holds ADMIN and an approving role at once, or one approver made more than half of all human approvals (at least [`DOMINANT_APPROVER_MIN`]) |
//!
//! Each finding lists the audit sequence numbers that prove it.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ApprovalRequest, RequestStatus, RoleAssignment};
use crate::audit::{AuditEntry, AuditEvent};
use crate::model::Role;

/// Approvals faster than this many seconds after submission are flagged.
pub const RUBBER_STAMP_SECONDS: f64 = 30.0;
/// A dominant approver is flagged only with at least this many approvals.
pub const DOMINANT_APPROVER_MIN: usize = 10;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// A rule was broken.
    Violation,
    /// Worth a look.
    Warning,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComplianceFinding {
    /// Violation or warning.
    pub severity: Severity,
    /// The rule (see the module table).
    pub rule: String,
    /// What it concerns (`request:42`, `user:ana@company.com`).
    pub subject: String,
    /// In words.
    pub message: String,
    /// The audit entries that prove it.
    pub evidence: Vec<u64>,
}

/// The compliance report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComplianceReport {
    /// When it was computed.
    pub generated_at: DateTime<Utc>,
    /// Whether `COMPLIANCE_MONITORING` is on (the report is computed either way).
    pub monitoring_enabled: bool,
    /// Whether the audit chain verifies; findings from a broken chain are not trustworthy.
    pub audit_ok: bool,
    /// Violations first, then warnings; each group by subject.
    pub findings: Vec<ComplianceFinding>,
    /// How many violations.
    pub violations: u64,
    /// How many warnings.
    pub warnings: u64,
}

/// What the audit log says happened to one request.
#[derive(Default)]
struct RequestTrail {
    approvals: Vec<(u64, String, String, f64)>, // seq, actor, digest, seconds since submission
    auto_approvals: Vec<(u64, String)>,
    executions: Vec<(u64, String)>,
    /// Approvals (human or policy) and execution claims with their times, in log order.
    timeline: Vec<(u64, DateTime<Utc>, Moment)>,
    /// Approving votes, the deciding approval included: seq, actor, role, and the person
    /// whose vote it is (the delegator when a delegate cast it, else the actor).
    approving_votes: Vec<(u64, String, String, String)>,
    /// Break-glass approvals: seq, actor, reason, skipped approvers.
    break_glass: Vec<(u64, String, String, usize)>,
    /// Decisions by the fallback approver: seq, actor, approved.
    fallbacks: Vec<(u64, String, bool)>,
    first_seq: Option<u64>,
}

/// The `role` of a decision's or vote's payload (empty when absent).
fn payload_role(payload: &serde_json::Value) -> String {
    payload
        .get("role")
        .and_then(|r| r.as_str())
        .unwrap_or_default()
        .to_owned()
}

/// The delegator a delegate acted for, from a decision's or vote's payload.
fn payload_on_behalf_of(payload: &serde_json::Value) -> Option<String> {
    payload
        .get("on_behalf_of")
        .and_then(|r| r.as_str())
        .map(str::to_owned)
}

/// A delegation as the log tells it.
struct DelegationTrail {
    granted_seq: u64,
    delegator: String,
    delegate: String,
    from: DateTime<Utc>,
    until_ms: i64,
    /// The entry that revoked it.
    revoked: Option<u64>,
}

/// A decision or vote a delegate made.
struct DelegatedDecision {
    seq: u64,
    at: DateTime<Utc>,
    subject: String,
    event: AuditEvent,
    delegate: String,
    delegator: String,
    delegation: i64,
}

/// What a timeline entry was.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Moment {
    Approved,
    Claimed,
}

/// The audit log read once, grouped the way the rules ask about it.
#[derive(Default)]
pub(crate) struct Ledger {
    /// By subject (`request:42`).
    trails: BTreeMap<String, RequestTrail>,
    /// Role revocations by subject (`user:ana@x`).
    revocations: BTreeMap<String, Vec<u64>>,
    /// Role grants by subject.
    grants: BTreeMap<String, Vec<u64>>,
    /// Delegations by id.
    delegations: BTreeMap<i64, DelegationTrail>,
    /// Decisions and votes made under a delegation, in log order.
    delegated: Vec<DelegatedDecision>,
    /// Submissions the shadow policy would have decided differently: seq, subject, live
    /// outcome, shadow outcome.
    shadow_divergences: Vec<(u64, String, String, String)>,
}

impl Ledger {
    /// Takes in one entry (fed oldest first).
    pub(crate) fn record(&mut self, e: AuditEntry) {
        let Some(kind) = e.kind() else { return };
        let digest = e
            .payload
            .get("action_digest")
            .and_then(|d| d.as_str())
            .unwrap_or_default()
            .to_owned();
        if matches!(
            kind,
            AuditEvent::RequestApproved | AuditEvent::RequestRejected | AuditEvent::RequestVoted
        ) && let (Some(delegator), Some(delegation)) = (
            payload_on_behalf_of(&e.payload),
            e.payload
                .get("delegation")
                .and_then(serde_json::Value::as_i64),
        ) {
            self.delegated.push(DelegatedDecision {
                seq: e.seq,
                at: e.at,
                subject: e.subject.clone(),
                event: kind,
                delegate: e.actor.clone(),
                delegator,
                delegation,
            });
        }
        if matches!(
            kind,
            AuditEvent::RequestApproved | AuditEvent::RequestRejected
        ) && e.payload.get("fallback") == Some(&serde_json::Value::Bool(true))
        {
            self.trails
                .entry(e.subject.clone())
                .or_default()
                .fallbacks
                .push((e.seq, e.actor.clone(), kind == AuditEvent::RequestApproved));
        }
        match kind {
            AuditEvent::RequestSubmitted => {
                if let Some(sh) = e
                    .payload
                    .get("shadow")
                    .filter(|sh| sh.get("differs") == Some(&serde_json::Value::Bool(true)))
                {
                    let field = |k: &str| {
                        sh.get(k)
                            .and_then(|v| v.as_str())
                            .unwrap_or_default()
                            .to_owned()
                    };
                    self.shadow_divergences.push((
                        e.seq,
                        e.subject.clone(),
                        field("live"),
                        field("outcome"),
                    ));
                }
                self.trails
                    .entry(e.subject)
                    .or_default()
                    .first_seq
                    .get_or_insert(e.seq);
            }
            AuditEvent::RequestVoted => {
                if e.payload.get("vote").and_then(|v| v.as_str()) == Some("approve") {
                    let role = payload_role(&e.payload);
                    let person =
                        payload_on_behalf_of(&e.payload).unwrap_or_else(|| e.actor.clone());
                    self.trails
                        .entry(e.subject)
                        .or_default()
                        .approving_votes
                        .push((e.seq, e.actor, role, person));
                }
            }
            AuditEvent::RequestApproved | AuditEvent::RequestAutoApproved => {
                let trail = self.trails.entry(e.subject.clone()).or_default();
                trail.timeline.push((e.seq, e.at, Moment::Approved));
                if kind == AuditEvent::RequestApproved {
                    let role = payload_role(&e.payload);
                    let person =
                        payload_on_behalf_of(&e.payload).unwrap_or_else(|| e.actor.clone());
                    trail
                        .approving_votes
                        .push((e.seq, e.actor.clone(), role, person));
                    if e.payload.get("break_glass") == Some(&serde_json::Value::Bool(true)) {
                        let reason = e
                            .payload
                            .get("reason")
                            .and_then(|r| r.as_str())
                            .unwrap_or_default()
                            .to_owned();
                        let skipped = e
                            .payload
                            .get("skipped_approvers")
                            .and_then(|s| s.as_array())
                            .map_or(0, Vec::len);
                        trail
                            .break_glass
                            .push((e.seq, e.actor.clone(), reason, skipped));
                    }
                }
                if kind == AuditEvent::RequestAutoApproved {
                    self.trails
                        .entry(e.subject)
                        .or_default()
                        .auto_approvals
                        .push((e.seq, digest));
                    return;
                }
                let secs = e
                    .payload
                    .get("seconds_since_submission")
                    .and_then(serde_json::Value::as_f64)
                    .unwrap_or(f64::MAX);
                self.trails
                    .entry(e.subject)
                    .or_default()
                    .approvals
                    .push((e.seq, e.actor, digest, secs));
            }
            AuditEvent::RequestExecuting => {
                let trail = self.trails.entry(e.subject).or_default();
                trail.timeline.push((e.seq, e.at, Moment::Claimed));
                trail.executions.push((e.seq, digest));
            }
            AuditEvent::RequestExecuted => self
                .trails
                .entry(e.subject)
                .or_default()
                .executions
                .push((e.seq, digest)),
            AuditEvent::RoleRevoked => self.revocations.entry(e.subject).or_default().push(e.seq),
            AuditEvent::RoleAssigned => self.grants.entry(e.subject).or_default().push(e.seq),
            AuditEvent::DelegationGranted => {
                let field = |k: &str| {
                    e.payload
                        .get(k)
                        .and_then(|v| v.as_str())
                        .unwrap_or_default()
                        .to_owned()
                };
                if let Some(id) = e
                    .payload
                    .get("delegation")
                    .and_then(serde_json::Value::as_i64)
                {
                    self.delegations.insert(
                        id,
                        DelegationTrail {
                            granted_seq: e.seq,
                            delegator: field("delegator"),
                            delegate: field("delegate"),
                            from: e.at,
                            until_ms: e
                                .payload
                                .get("until")
                                .and_then(serde_json::Value::as_i64)
                                .unwrap_or(i64::MIN),
                            revoked: None,
                        },
                    );
                }
            }
            AuditEvent::DelegationRevoked => {
                if let Some(d) = e
                    .payload
                    .get("delegation")
                    .and_then(serde_json::Value::as_i64)
                    .and_then(|id| self.delegations.get_mut(&id))
                {
                    d.revoked.get_or_insert(e.seq);
                }
            }
            AuditEvent::RequestRejected
            | AuditEvent::RequestEscalated
            | AuditEvent::RequestCancelled
            | AuditEvent::RequestExpired
            | AuditEvent::RequestExecutionFailed
            | AuditEvent::RequestRecovered
            | AuditEvent::RequestApprovalLapsed
            | AuditEvent::RequestReminded
            | AuditEvent::Refused => {}
        }
    }

    fn first_seq(&self, subject: &str) -> Vec<u64> {
        self.trails
            .get(subject)
            .and_then(|t| t.first_seq)
            .into_iter()
            .collect()
    }

    fn executed_in_log(&self, subject: &str) -> bool {
        self.trails
            .get(subject)
            .is_some_and(|t| !t.executions.is_empty())
    }
}

/// Everything the report is computed from, gathered by the governance handle.
pub(crate) struct ComplianceInputs {
    /// When the report is made.
    pub now: DateTime<Utc>,
    /// Whether the audit chain verified.
    pub audit_ok: bool,
    /// Whether `COMPLIANCE_MONITORING` is on.
    pub monitoring_enabled: bool,
    /// The audit log.
    pub ledger: Ledger,
    /// Every request, by id.
    pub requests: Vec<ApprovalRequest>,
    /// Every active role assignment.
    pub roles: Vec<RoleAssignment>,
    /// `EXECUTION_WINDOW_HOURS`.
    pub execution_window: chrono::Duration,
    /// `approval_rules.quorum`.
    pub quorum: BTreeMap<crate::model::ImpactLevel, crate::config::Quorum>,
}

fn finding(
    severity: Severity,
    rule: &str,
    subject: String,
    message: String,
    evidence: Vec<u64>,
) -> ComplianceFinding {
    ComplianceFinding {
        severity,
        rule: rule.to_owned(),
        subject,
        message,
        evidence,
    }
}

/// `executed_without_approval`, from the log: an execution with no earlier approval (human
/// or policy) for the same digest.
fn executed_without_approval_in_log(ledger: &Ledger) -> Vec<ComplianceFinding> {
    let mut out = Vec::new();
    for (subject, t) in &ledger.trails {
        for (exec_seq, digest) in &t.executions {
            let approved = t
                .approvals
                .iter()
                .any(|(s, _, d, _)| s < exec_seq && d == digest)
                || t.auto_approvals
                    .iter()
                    .any(|(s, d)| s < exec_seq && d == digest);
            if !approved {
                out.push(finding(
                    Severity::Violation,
                    "executed_without_approval",
                    subject.clone(),
                    format!("executed action {digest} without an approval for that digest"),
                    vec![*exec_seq],
                ));
            }
        }
    }
    out
}

/// `executed_without_approval`, from the table: a request marked executed that the log
/// never saw execute.
fn executed_without_approval_in_table(
    ledger: &Ledger,
    requests: &[ApprovalRequest],
) -> Vec<ComplianceFinding> {
    requests
        .iter()
        .filter(|r| r.status == RequestStatus::Executed)
        .map(|r| format!("request:{}", r.id))
        .filter(|subject| !ledger.executed_in_log(subject))
        .map(|subject| {
            let evidence = ledger.first_seq(&subject);
            finding(
                Severity::Violation,
                "executed_without_approval",
                subject,
                "the request table says executed, but the audit log has no execution".into(),
                evidence,
            )
        })
        .collect()
}

/// `rubber_stamp`: a human approval less than [`RUBBER_STAMP_SECONDS`] after submission.
fn rubber_stamp(ledger: &Ledger) -> Vec<ComplianceFinding> {
    let mut out = Vec::new();
    for (subject, t) in &ledger.trails {
        for (seq, actor, _, secs) in &t.approvals {
            if *secs < RUBBER_STAMP_SECONDS {
                out.push(finding(
                    Severity::Warning,
                    "rubber_stamp",
                    subject.clone(),
                    format!("`{actor}` approved {secs:.1} s after submission"),
                    t.first_seq.into_iter().chain([*seq]).collect(),
                ));
            }
        }
    }
    out
}

/// `approver_role_revoked`: the approver lost a role between approving and execution (or
/// since, if not yet executed).
fn approver_role_revoked(ledger: &Ledger) -> Vec<ComplianceFinding> {
    let mut out = Vec::new();
    for (subject, t) in &ledger.trails {
        let until = t
            .executions
            .iter()
            .map(|(s, _)| *s)
            .max()
            .unwrap_or(u64::MAX);
        for (seq, actor, _, _) in &t.approvals {
            if let Some(rev) = ledger
                .revocations
                .get(&format!("user:{actor}"))
                .and_then(|v| v.iter().find(|r| **r > *seq && **r < until))
            {
                out.push(finding(
                    Severity::Warning,
                    "approver_role_revoked",
                    subject.clone(),
                    format!("`{actor}` lost a role after approving and before execution"),
                    vec![*seq, *rev],
                ));
            }
        }
    }
    out
}

/// `stuck_executing`: claimed for execution over an hour ago with no recorded outcome.
fn stuck_executing(
    ledger: &Ledger,
    requests: &[ApprovalRequest],
    now: DateTime<Utc>,
) -> Vec<ComplianceFinding> {
    requests
        .iter()
        .filter(|r| {
            r.status == RequestStatus::Executing && now - r.updated_at > chrono::Duration::hours(1)
        })
        .map(|r| {
            let subject = format!("request:{}", r.id);
            let evidence = ledger
                .trails
                .get(&subject)
                .map(|t| t.executions.iter().map(|(s, _)| *s).collect())
                .unwrap_or_default();
            finding(
                Severity::Warning,
                "stuck_executing",
                subject,
                "claimed for execution over an hour ago with no recorded outcome; check whether the action ran".into(),
                evidence,
            )
        })
        .collect()
}

/// `past_deadline`: a pending request past its deadline.
fn past_deadline(
    ledger: &Ledger,
    requests: &[ApprovalRequest],
    now: DateTime<Utc>,
) -> Vec<ComplianceFinding> {
    requests
        .iter()
        .filter(|r| r.status == RequestStatus::Pending && r.deadline.is_some_and(|d| d <= now))
        .map(|r| {
            let subject = format!("request:{}", r.id);
            let evidence = ledger.first_seq(&subject);
            finding(
                Severity::Warning,
                "past_deadline",
                subject,
                format!("pending with {} past its deadline", r.role),
                evidence,
            )
        })
        .collect()
}

/// `unusual_authority`: ADMIN together with an approving role, or one approver behind more
/// than half of all human approvals (at least [`DOMINANT_APPROVER_MIN`]).
fn unusual_authority(ledger: &Ledger, roles: &[RoleAssignment]) -> Vec<ComplianceFinding> {
    let mut out = Vec::new();
    let mut roles_of: BTreeMap<&str, Vec<Role>> = BTreeMap::new();
    for a in roles {
        roles_of.entry(&a.user).or_default().push(a.role);
    }
    for (user, roles) in &roles_of {
        if roles.contains(&Role::Admin) && roles.iter().any(|r| *r != Role::Admin) {
            out.push(finding(
                Severity::Warning,
                "unusual_authority",
                format!("user:{user}"),
                format!("`{user}` holds ADMIN and an approving role"),
                ledger
                    .grants
                    .get(&format!("user:{user}"))
                    .cloned()
                    .unwrap_or_default(),
            ));
        }
    }
    let mut approvals_by: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
    for t in ledger.trails.values() {
        for (seq, actor, _, _) in &t.approvals {
            approvals_by.entry(actor).or_default().push(*seq);
        }
    }
    let total: usize = approvals_by.values().map(Vec::len).sum();
    for (user, seqs) in &approvals_by {
        if seqs.len() >= DOMINANT_APPROVER_MIN && seqs.len() * 2 > total {
            out.push(finding(
                Severity::Warning,
                "unusual_authority",
                format!("user:{user}"),
                format!("`{user}` made {} of {total} human approvals", seqs.len()),
                seqs.clone(),
            ));
        }
    }
    out
}

/// `executed_outside_window`: an execution claim made when the approval it ran under (the
/// latest before it) was already `window` old.
fn executed_outside_window(ledger: &Ledger, window: chrono::Duration) -> Vec<ComplianceFinding> {
    let mut out = Vec::new();
    for (subject, t) in &ledger.trails {
        let mut approval: Option<(u64, DateTime<Utc>)> = None;
        for &(seq, at, moment) in &t.timeline {
            match moment {
                Moment::Approved => approval = Some((seq, at)),
                Moment::Claimed => {
                    if let Some((a_seq, a_at)) = approval.filter(|(_, a_at)| at - *a_at >= window) {
                        out.push(finding(
                            Severity::Violation,
                            "executed_outside_window",
                            subject.clone(),
                            format!(
                                "executed {:.1} h after its approval, outside the {} h execution window",
                                (at - a_at).num_minutes() as f64 / 60.0,
                                window.num_hours()
                            ),
                            vec![a_seq, seq],
                        ));
                    }
                }
            }
        }
    }
    out
}

/// `quorum_not_met`: an execution under a human approval whose approving votes at the
/// approving role, from distinct people, fall short of the request's quorum.
fn quorum_not_met(inputs: &ComplianceInputs) -> Vec<ComplianceFinding> {
    let mut out = Vec::new();
    for r in &inputs.requests {
        let needed = inputs
            .quorum
            .get(&r.impact)
            .copied()
            .unwrap_or_default()
            .approvals;
        let subject = format!("request:{}", r.id);
        let Some(t) = inputs.ledger.trails.get(&subject) else {
            continue;
        };
        let Some(&(exec_seq, _)) = t.executions.first() else {
            continue;
        };
        // The human approval it ran under: the last before the execution. Policy approvals
        // have no quorum.
        let Some((approval_seq, _, role, _)) = t
            .approving_votes
            .iter()
            .filter(|(seq, _, _, _)| *seq < exec_seq)
            .filter(|(seq, _, _, _)| t.approvals.iter().any(|(a, _, _, _)| a == seq))
            .max_by_key(|(seq, _, _, _)| *seq)
        else {
            continue;
        };
        // Break-glass and the fallback approver bypass the quorum by design; their own
        // rules list them.
        if t.break_glass
            .iter()
            .any(|(seq, _, _, _)| seq == approval_seq)
            || t.fallbacks.iter().any(|(seq, _, _)| seq == approval_seq)
        {
            continue;
        }
        let voters: Vec<&(u64, String, String, String)> = t
            .approving_votes
            .iter()
            .filter(|(seq, _, r, _)| seq <= approval_seq && r == role)
            .collect();
        // Distinct people, counted both by who voted and by whose vote it was: a delegate
        // voting for a delegator and for themselves is still one person.
        let distinct = |pick: fn(&(u64, String, String, String)) -> &str| {
            let mut v: Vec<&str> = voters.iter().map(|x| pick(x)).collect();
            v.sort_unstable();
            v.dedup();
            v.len()
        };
        let people = distinct(|x| &x.1).min(distinct(|x| &x.3));
        if (people as u64) < u64::from(needed) {
            let mut evidence: Vec<u64> = voters.iter().map(|(s, _, _, _)| *s).collect();
            evidence.push(exec_seq);
            out.push(finding(
                Severity::Violation,
                "quorum_not_met",
                subject,
                format!(
                    "executed with {people} of the {needed} approvals its {} impact needs",
                    r.impact
                ),
                evidence,
            ));
        }
    }
    out
}

/// `break_glass`: every approval outside the chain.
fn break_glass(ledger: &Ledger) -> Vec<ComplianceFinding> {
    let mut out = Vec::new();
    for (subject, t) in &ledger.trails {
        for (seq, actor, reason, skipped) in &t.break_glass {
            out.push(finding(
                Severity::Warning,
                "break_glass",
                subject.clone(),
                format!(
                    "approved outside the chain by `{actor}` ({skipped} approvers skipped): {reason}"
                ),
                vec![*seq],
            ));
        }
    }
    out
}

/// `shadow_divergence`: each submission the shadow policy would have decided differently.
fn shadow_divergence(ledger: &Ledger) -> Vec<ComplianceFinding> {
    ledger
        .shadow_divergences
        .iter()
        .map(|(seq, subject, live, shadow)| {
            finding(
                Severity::Warning,
                "shadow_divergence",
                subject.clone(),
                format!("the shadow policy would have made it `{shadow}`, not `{live}`"),
                vec![*seq],
            )
        })
        .collect()
}

/// `fallback_decision`: every decision by the fallback approver.
fn fallback_decision(ledger: &Ledger) -> Vec<ComplianceFinding> {
    let mut out = Vec::new();
    for (subject, t) in &ledger.trails {
        for (seq, actor, approved) in &t.fallbacks {
            out.push(finding(
                Severity::Warning,
                "fallback_decision",
                subject.clone(),
                format!(
                    "{} by the fallback approver `{actor}`: nobody held a role that could decide it",
                    if *approved { "approved" } else { "rejected" }
                ),
                vec![*seq],
            ));
        }
    }
    out
}

/// `delegation_invalid` and `delegated_decision`: every decision or vote a delegate made,
/// and those the delegation did not cover at that moment.
fn delegations(ledger: &Ledger) -> Vec<ComplianceFinding> {
    let mut out = Vec::new();
    for d in &ledger.delegated {
        let verb = match d.event {
            AuditEvent::RequestApproved => "approved",
            AuditEvent::RequestRejected => "rejected",
            _ => "voted on",
        };
        let grant = ledger.delegations.get(&d.delegation);
        let mut evidence: Vec<u64> = grant.map(|g| g.granted_seq).into_iter().collect();
        let flaw = match grant {
            None => Some("that the log never granted".to_owned()),
            Some(g) => {
                // Log order, not the clock: a revocation in the same millisecond as a
                // decision came before it only if it was appended before it.
                if let Some(seq) = g.revoked.filter(|seq| *seq < d.seq) {
                    evidence.push(seq);
                    Some("after it was revoked".to_owned())
                } else if crate::store::to_ms(d.at) >= g.until_ms || d.at < g.from {
                    Some("outside its time".to_owned())
                } else if g.delegate != d.delegate || g.delegator != d.delegator {
                    Some(format!(
                        "granted by `{}` to `{}`, not this pair",
                        g.delegator, g.delegate
                    ))
                } else {
                    None
                }
            }
        };
        evidence.push(d.seq);
        let (severity, rule, tail) = match flaw {
            Some(f) => (Severity::Violation, "delegation_invalid", format!(", {f}")),
            None => (Severity::Warning, "delegated_decision", String::new()),
        };
        out.push(finding(
            severity,
            rule,
            d.subject.clone(),
            format!(
                "{verb} by `{}` for `{}` under delegation {}{tail}",
                d.delegate, d.delegator, d.delegation
            ),
            evidence,
        ));
    }
    out
}

/// Applies every rule; violations first, then warnings, each group by subject.
pub(crate) fn report(inputs: &ComplianceInputs) -> ComplianceReport {
    let ComplianceInputs {
        now,
        ledger,
        requests,
        roles,
        ..
    } = inputs;
    let mut findings: Vec<ComplianceFinding> = [
        executed_without_approval_in_log(ledger),
        executed_outside_window(ledger, inputs.execution_window),
        quorum_not_met(inputs),
        break_glass(ledger),
        delegations(ledger),
        fallback_decision(ledger),
        shadow_divergence(ledger),
        rubber_stamp(ledger),
        approver_role_revoked(ledger),
        executed_without_approval_in_table(ledger, requests),
        stuck_executing(ledger, requests, *now),
        past_deadline(ledger, requests, *now),
        unusual_authority(ledger, roles),
    ]
    .into_iter()
    .flatten()
    .collect();
    findings.sort_by(|a, b| {
        a.severity
            .cmp(&b.severity)
            .then_with(|| a.subject.cmp(&b.subject))
    });
    let violations = findings
        .iter()
        .filter(|f| f.severity == Severity::Violation)
        .count() as u64;
    ComplianceReport {
        generated_at: *now,
        monitoring_enabled: inputs.monitoring_enabled,
        audit_ok: inputs.audit_ok,
        warnings: findings.len() as u64 - violations,
        violations,
        findings,
    }
}
