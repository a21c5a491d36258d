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
    /// Approving votes, the deciding approval included: seq, actor, role.
    approving_votes: Vec<(u64, String, String)>,
    /// Break-glass approvals: seq, actor, reason, skipped approvers.
    break_glass: Vec<(u64, String, String, usize)>,
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
        match kind {
            AuditEvent::RequestSubmitted => {
                self.trails
                    .entry(e.subject)
                    .or_default()
                    .first_seq
                    .get_or_insert(e.seq);
            }
            AuditEvent::RequestVoted => {
                if e.payload.get("vote").and_then(|v| v.as_str()) == Some("approve") {
                    let role = payload_role(&e.payload);
                    self.trails
                        .entry(e.subject)
                        .or_default()
                        .approving_votes
                        .push((e.seq, e.actor, role));
                }
            }
            AuditEvent::RequestApproved | AuditEvent::RequestAutoApproved => {
                let trail = self.trails.entry(e.subject.clone()).or_default();
                trail.timeline.push((e.seq, e.at, Moment::Approved));
                if kind == AuditEvent::RequestApproved {
                    let role = payload_role(&e.payload);
                    trail.approving_votes.push((e.seq, e.actor.clone(), role));
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
            AuditEvent::RequestRejected
            | AuditEvent::RequestEscalated
            | AuditEvent::RequestCancelled
            | AuditEvent::RequestExpired
            | AuditEvent::RequestExecutionFailed
            | AuditEvent::RequestRecovered
            | AuditEvent::RequestApprovalLapsed
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
        let Some((approval_seq, _, role)) = t
            .approving_votes
            .iter()
            .filter(|(seq, _, _)| *seq < exec_seq)
            .filter(|(seq, _, _)| t.approvals.iter().any(|(a, _, _, _)| a == seq))
            .max_by_key(|(seq, _, _)| *seq)
        else {
            continue;
        };
        // Break-glass bypasses the quorum by design; the `break_glass` rule lists it.
        if t.break_glass
            .iter()
            .any(|(seq, _, _, _)| seq == approval_seq)
        {
            continue;
        }
        let voters: Vec<&(u64, String, String)> = t
            .approving_votes
            .iter()
            .filter(|(seq, _, r)| seq <= approval_seq && r == role)
            .collect();
        let mut people: Vec<&str> = voters.iter().map(|(_, a, _)| a.as_str()).collect();
        people.sort_unstable();
        people.dedup();
        if (people.len() as u64) < u64::from(needed) {
            let mut evidence: Vec<u64> = voters.iter().map(|(s, _, _)| *s).collect();
            evidence.push(exec_seq);
            out.push(finding(
                Severity::Violation,
                "quorum_not_met",
                subject,
                format!(
                    "executed with {} of the {needed} approvals its {} impact needs",
                    people.len(),
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
