//! Compliance monitoring: what the audit log proves went wrong or looks wrong.
//!
//! | rule | severity | finding |
//! |---|---|---|
//! | `executed_without_approval` | violation | an execution entry with no earlier approval (human or policy) for the same request and the same action digest; or a request the table says executed that the log never saw execute |
//! | `approver_role_revoked` | warning | the approver lost a role between approving and execution (or since, if not yet executed) |
//! | `past_deadline` | warning | a pending request past its deadline (run `process_deadlines`) |
//! | `stuck_executing` | warning | claimed for execution over an hour ago with no recorded outcome (the process died mid-action) |
//! | `rubber_stamp` | warning | a human approval less than [`RUBBER_STAMP_SECONDS`] after submission |
//! | `unusual_authority` | warning | one user holds ADMIN and an approving role at once, or one approver made more than half of all human approvals (at least [`DOMINANT_APPROVER_MIN`]) |
//!
//! Each finding lists the audit sequence numbers that prove it.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::juno::Juno;
use crate::model::Role;
use crate::store::governance as sql;

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

#[derive(Default)]
struct RequestTrail {
    approvals: Vec<(u64, String, String, f64)>, // seq, actor, digest, seconds since submission
    auto_approvals: Vec<(u64, String)>,
    executions: Vec<(u64, String)>,
    first_seq: Option<u64>,
}

pub(crate) fn report(juno: &Juno) -> Result<ComplianceReport> {
    let now = juno.now();
    let verify = juno.audit().verify(None)?;
    let mut trails: BTreeMap<String, RequestTrail> = BTreeMap::new();
    let mut revocations: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    let mut grants: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    juno.store().audit_scan(|e| {
        let digest = e
            .payload
            .get("action_digest")
            .and_then(|d| d.as_str())
            .unwrap_or_default()
            .to_owned();
        match e.event.as_str() {
            "request_submitted" => {
                trails
                    .entry(e.subject.clone())
                    .or_default()
                    .first_seq
                    .get_or_insert(e.seq);
            }
            "request_approved" => {
                let secs = e
                    .payload
                    .get("seconds_since_submission")
                    .and_then(serde_json::Value::as_f64)
                    .unwrap_or(f64::MAX);
                trails
                    .entry(e.subject.clone())
                    .or_default()
                    .approvals
                    .push((e.seq, e.actor.clone(), digest, secs));
            }
            "request_auto_approved" => trails
                .entry(e.subject.clone())
                .or_default()
                .auto_approvals
                .push((e.seq, digest)),
            "request_executed" | "request_executing" => {
                trails
                    .entry(e.subject.clone())
                    .or_default()
                    .executions
                    .push((e.seq, digest));
            }
            "role_revoked" => revocations
                .entry(e.subject.clone())
                .or_default()
                .push(e.seq),
            "role_assigned" => grants.entry(e.subject.clone()).or_default().push(e.seq),
            _ => {}
        }
        Ok(())
    })?;

    let mut findings = Vec::new();
    let mut approvals_by: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for (subject, t) in &trails {
        for (exec_seq, digest) in &t.executions {
            let ok = t
                .approvals
                .iter()
                .any(|(s, _, d, _)| s < exec_seq && d == digest)
                || t.auto_approvals
                    .iter()
                    .any(|(s, d)| s < exec_seq && d == digest);
            if !ok {
                findings.push(ComplianceFinding {
                    severity: Severity::Violation,
                    rule: "executed_without_approval".into(),
                    subject: subject.clone(),
                    message: format!(
                        "executed action {digest} without an approval for that digest"
                    ),
                    evidence: vec![*exec_seq],
                });
            }
        }
        for (seq, actor, _, secs) in &t.approvals {
            approvals_by.entry(actor.clone()).or_default().push(*seq);
            if *secs < RUBBER_STAMP_SECONDS {
                findings.push(ComplianceFinding {
                    severity: Severity::Warning,
                    rule: "rubber_stamp".into(),
                    subject: subject.clone(),
                    message: format!("`{actor}` approved {secs:.1} s after submission"),
                    evidence: t.first_seq.into_iter().chain([*seq]).collect(),
                });
            }
            let until = t
                .executions
                .iter()
                .map(|(s, _)| *s)
                .max()
                .unwrap_or(u64::MAX);
            if let Some(rev) = revocations
                .get(&format!("user:{actor}"))
                .and_then(|v| v.iter().find(|r| **r > *seq && **r < until))
            {
                findings.push(ComplianceFinding {
                    severity: Severity::Warning,
                    rule: "approver_role_revoked".into(),
                    subject: subject.clone(),
                    message: format!("`{actor}` lost a role after approving and before execution"),
                    evidence: vec![*seq, *rev],
                });
            }
        }
    }
    // Requests the table calls executed that the log never saw execute.
    for r in juno.store().read(sql::all_requests)? {
        let subject = format!("request:{}", r.id);
        let logged = trails
            .get(&subject)
            .is_some_and(|t| !t.executions.is_empty());
        if matches!(r.status, crate::governance::RequestStatus::Executed) && !logged {
            findings.push(ComplianceFinding {
                severity: Severity::Violation,
                rule: "executed_without_approval".into(),
                subject: subject.clone(),
                message: "the request table says executed, but the audit log has no execution"
                    .into(),
                evidence: trails
                    .get(&subject)
                    .and_then(|t| t.first_seq)
                    .into_iter()
                    .collect(),
            });
        }
        if r.status == crate::governance::RequestStatus::Executing
            && now - r.updated_at > chrono::Duration::hours(1)
        {
            findings.push(ComplianceFinding {
                severity: Severity::Warning,
                rule: "stuck_executing".into(),
                subject: subject.clone(),
                message: "claimed for execution over an hour ago with no recorded outcome; check whether the action ran".into(),
                evidence: trails
                    .get(&subject)
                    .map(|t| t.executions.iter().map(|(s, _)| *s).collect())
                    .unwrap_or_default(),
            });
        }
        if r.status == crate::governance::RequestStatus::Pending
            && r.deadline.is_some_and(|d| d <= now)
        {
            findings.push(ComplianceFinding {
                severity: Severity::Warning,
                rule: "past_deadline".into(),
                subject: subject.clone(),
                message: format!("pending with {} past its deadline", r.role),
                evidence: trails
                    .get(&subject)
                    .and_then(|t| t.first_seq)
                    .into_iter()
                    .collect(),
            });
        }
    }
    // Separation of duties: ADMIN together with an approving role.
    let mut roles_of: BTreeMap<String, Vec<Role>> = BTreeMap::new();
    for a in juno.governance().roles(None, false)? {
        roles_of.entry(a.user.clone()).or_default().push(a.role);
    }
    for (user, roles) in &roles_of {
        if roles.contains(&Role::Admin) && roles.iter().any(|r| *r != Role::Admin) {
            findings.push(ComplianceFinding {
                severity: Severity::Warning,
                rule: "unusual_authority".into(),
                subject: format!("user:{user}"),
                message: format!("`{user}` holds ADMIN and an approving role"),
                evidence: grants
                    .get(&format!("user:{user}"))
                    .cloned()
                    .unwrap_or_default(),
            });
        }
    }
    let total: usize = approvals_by.values().map(Vec::len).sum();
    for (user, seqs) in &approvals_by {
        if seqs.len() >= DOMINANT_APPROVER_MIN && seqs.len() * 2 > total {
            findings.push(ComplianceFinding {
                severity: Severity::Warning,
                rule: "unusual_authority".into(),
                subject: format!("user:{user}"),
                message: format!("`{user}` made {} of {total} human approvals", seqs.len()),
                evidence: seqs.clone(),
            });
        }
    }
    findings.sort_by(|a, b| {
        a.severity
            .cmp(&b.severity)
            .then_with(|| a.subject.cmp(&b.subject))
    });
    let violations = findings
        .iter()
        .filter(|f| f.severity == Severity::Violation)
        .count() as u64;
    Ok(ComplianceReport {
        generated_at: now,
        monitoring_enabled: juno.config().compliance_monitoring,
        audit_ok: verify.ok,
        warnings: findings.len() as u64 - violations,
        violations,
        findings,
    })
}
