//! Read-only governance records: requests, role assignments, reports, the dashboard.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use juno_core::governance::{
    ApprovalRequest, ComplianceFinding, ComplianceReport, DeadlineReport, Delegation,
    GovernanceDashboard, Reminder, RoleAssignment, Severity, ShadowReport, Vote,
};
use pyo3::prelude::*;

use crate::convert::{serde_to_py, to_py};

fn opt_py<'py>(
    py: Python<'py>,
    value: Option<&serde_json::Value>,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    value.map(|v| to_py(py, v)).transpose()
}

/// A stored approval request (the core's `ApprovalRequest`).
#[pyclass(frozen, name = "ApprovalRequest", module = "juno._juno")]
pub struct PyApprovalRequest(pub(crate) ApprovalRequest);

#[pymethods]
impl PyApprovalRequest {
    #[getter]
    fn id(&self) -> i64 {
        self.0.id
    }
    /// The proposed action as a dict (`kind`, `team`, `target`, `parameters`).
    #[getter]
    fn action<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0.action)
    }
    /// Shorthand for `action["team"]`.
    #[getter]
    fn team(&self) -> &str {
        &self.0.action.team
    }
    #[getter]
    fn digest(&self) -> &str {
        &self.0.digest
    }
    #[getter]
    fn impact(&self) -> &'static str {
        self.0.impact.as_str()
    }
    #[getter]
    fn confidence(&self) -> f64 {
        self.0.confidence
    }
    /// The uncalibrated score the proposal carried.
    #[getter]
    fn raw_confidence(&self) -> f64 {
        self.0.raw_confidence
    }
    /// The calibration map `confidence` went through (`kind`, `version`, `outcomes`), or
    /// `None` for the raw score.
    #[getter]
    fn calibration<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0.calibration)
    }
    #[getter]
    fn explanation(&self) -> &str {
        &self.0.explanation
    }
    #[getter]
    fn requester(&self) -> &str {
        &self.0.requester
    }
    #[getter]
    fn status(&self) -> &'static str {
        self.0.status.as_str()
    }
    #[getter]
    fn role(&self) -> &'static str {
        self.0.role.as_str()
    }
    #[getter]
    fn escalations(&self) -> u32 {
        self.0.escalations
    }
    #[getter]
    fn deadline(&self) -> Option<DateTime<Utc>> {
        self.0.deadline
    }
    #[getter]
    fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    #[getter]
    fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    #[getter]
    fn decided_by(&self) -> Option<&str> {
        self.0.decided_by.as_deref()
    }
    /// The delegator `decided_by` decided for as a delegate, or `None`.
    #[getter]
    fn on_behalf_of(&self) -> Option<&str> {
        self.0.on_behalf_of.as_deref()
    }
    /// Reminders sent to the approvers at its current role.
    #[getter]
    fn reminders(&self) -> u32 {
        self.0.reminders
    }
    #[getter]
    fn decided_at(&self) -> Option<DateTime<Utc>> {
        self.0.decided_at
    }
    #[getter]
    fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
    #[getter]
    fn decision<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        opt_py(py, self.0.decision.as_ref())
    }
    #[getter]
    fn executed_at(&self) -> Option<DateTime<Utc>> {
        self.0.executed_at
    }
    #[getter]
    fn result<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        opt_py(py, self.0.result.as_ref())
    }
    /// The request in the core's JSON shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0)
    }
    fn __repr__(&self) -> String {
        format!(
            "ApprovalRequest(id={}, kind={:?}, team={:?}, status={:?}, role={:?})",
            self.0.id,
            self.0.action.kind,
            self.0.action.team,
            self.0.status.as_str(),
            self.0.role.as_str()
        )
    }
}

/// One role held by one user for one team (`*` = all teams).
#[pyclass(frozen, name = "RoleAssignment", module = "juno._juno")]
pub struct PyRoleAssignment(pub(crate) RoleAssignment);

#[pymethods]
impl PyRoleAssignment {
    #[getter]
    fn user(&self) -> &str {
        &self.0.user
    }
    #[getter]
    fn role(&self) -> &'static str {
        self.0.role.as_str()
    }
    #[getter]
    fn team(&self) -> &str {
        &self.0.team
    }
    #[getter]
    fn granted_at(&self) -> DateTime<Utc> {
        self.0.granted_at
    }
    #[getter]
    fn granted_by(&self) -> &str {
        &self.0.granted_by
    }
    #[getter]
    fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.0.revoked_at
    }
    #[getter]
    fn revoked_by(&self) -> Option<&str> {
        self.0.revoked_by.as_deref()
    }
    /// The assignment in the core's JSON shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0)
    }
    fn __repr__(&self) -> String {
        let revoked = if self.0.revoked_at.is_some() {
            ", revoked"
        } else {
            ""
        };
        format!(
            "RoleAssignment(user={:?}, role={:?}, team={:?}{revoked})",
            self.0.user,
            self.0.role.as_str(),
            self.0.team
        )
    }
}

/// What `Governance.process_deadlines()` did.
#[pyclass(frozen, name = "DeadlineReport", module = "juno._juno")]
pub struct PyDeadlineReport(pub(crate) DeadlineReport);

#[pymethods]
impl PyDeadlineReport {
    #[getter]
    fn escalated(&self) -> Vec<i64> {
        self.0.escalated.clone()
    }
    #[getter]
    fn expired(&self) -> Vec<i64> {
        self.0.expired.clone()
    }
    #[getter]
    fn lapsed(&self) -> Vec<i64> {
        self.0.lapsed.clone()
    }
    /// Reminders due now, for the host to deliver.
    #[getter]
    fn reminded(&self) -> Vec<PyReminder> {
        self.0.reminded.iter().cloned().map(PyReminder).collect()
    }
    /// The report in the core's JSON shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0)
    }
    fn __repr__(&self) -> String {
        format!(
            "DeadlineReport(escalated={:?}, expired={:?}, lapsed={:?})",
            self.0.escalated, self.0.expired, self.0.lapsed
        )
    }
}

/// The governance dashboard's numbers.
#[pyclass(frozen, name = "GovernanceDashboard", module = "juno._juno")]
pub struct PyGovernanceDashboard(pub(crate) GovernanceDashboard);

#[pymethods]
impl PyGovernanceDashboard {
    #[getter]
    fn pending(&self) -> BTreeMap<String, BTreeMap<String, u64>> {
        self.0.pending.clone()
    }
    #[getter]
    fn overdue(&self) -> u64 {
        self.0.overdue
    }
    #[getter]
    fn decided(&self) -> u64 {
        self.0.decided
    }
    #[getter]
    fn approval_rate(&self) -> f64 {
        self.0.approval_rate
    }
    #[getter]
    fn rejection_rate(&self) -> f64 {
        self.0.rejection_rate
    }
    #[getter]
    fn auto_approval_rate(&self) -> f64 {
        self.0.auto_approval_rate
    }
    #[getter]
    fn median_seconds_to_decision(&self) -> Option<f64> {
        self.0.median_seconds_to_decision
    }
    #[getter]
    fn escalations(&self) -> u64 {
        self.0.escalations
    }
    #[getter]
    fn by_status(&self) -> BTreeMap<String, u64> {
        self.0.by_status.clone()
    }
    #[getter]
    fn audit_ok(&self) -> bool {
        self.0.audit_ok
    }
    #[getter]
    fn audit_entries(&self) -> u64 {
        self.0.audit_entries
    }
    /// The dashboard in the core's JSON shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0)
    }
    fn __repr__(&self) -> String {
        format!(
            "GovernanceDashboard(decided={}, overdue={}, by_status={:?}, audit_ok={})",
            self.0.decided,
            self.0.overdue,
            self.0.by_status,
            if self.0.audit_ok { "True" } else { "False" }
        )
    }
}

fn severity_str(s: Severity) -> &'static str {
    match s {
        Severity::Violation => "violation",
        Severity::Warning => "warning",
    }
}

/// One compliance finding.
#[pyclass(frozen, name = "ComplianceFinding", module = "juno._juno")]
pub struct PyComplianceFinding(pub(crate) ComplianceFinding);

#[pymethods]
impl PyComplianceFinding {
    /// `violation` or `warning`.
    #[getter]
    fn severity(&self) -> &'static str {
        severity_str(self.0.severity)
    }
    #[getter]
    fn rule(&self) -> &str {
        &self.0.rule
    }
    #[getter]
    fn subject(&self) -> &str {
        &self.0.subject
    }
    #[getter]
    fn message(&self) -> &str {
        &self.0.message
    }
    #[getter]
    fn evidence(&self) -> Vec<u64> {
        self.0.evidence.clone()
    }
    /// The finding in the core's JSON shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0)
    }
    fn __repr__(&self) -> String {
        format!(
            "ComplianceFinding(severity={:?}, rule={:?}, subject={:?}, evidence={:?})",
            severity_str(self.0.severity),
            self.0.rule,
            self.0.subject,
            self.0.evidence
        )
    }
}

/// The compliance report.
#[pyclass(frozen, name = "ComplianceReport", module = "juno._juno")]
pub struct PyComplianceReport(pub(crate) ComplianceReport);

#[pymethods]
impl PyComplianceReport {
    #[getter]
    fn generated_at(&self) -> DateTime<Utc> {
        self.0.generated_at
    }
    #[getter]
    fn monitoring_enabled(&self) -> bool {
        self.0.monitoring_enabled
    }
    #[getter]
    fn audit_ok(&self) -> bool {
        self.0.audit_ok
    }
    #[getter]
    fn findings(&self) -> Vec<PyComplianceFinding> {
        self.0
            .findings
            .iter()
            .cloned()
            .map(PyComplianceFinding)
            .collect()
    }
    #[getter]
    fn violations(&self) -> u64 {
        self.0.violations
    }
    #[getter]
    fn warnings(&self) -> u64 {
        self.0.warnings
    }
    /// The report in the core's JSON shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0)
    }
    fn __repr__(&self) -> String {
        format!(
            "ComplianceReport(violations={}, warnings={}, audit_ok={})",
            self.0.violations,
            self.0.warnings,
            if self.0.audit_ok { "True" } else { "False" }
        )
    }
}

/// One person's vote on a request whose quorum needs more than one.
#[pyclass(frozen, name = "Vote", module = "juno._juno")]
pub struct PyVote(pub(crate) Vote);

#[pymethods]
impl PyVote {
    #[getter]
    fn user(&self) -> &str {
        &self.0.user
    }
    #[getter]
    fn role(&self) -> &'static str {
        self.0.role.as_str()
    }
    #[getter]
    fn approve(&self) -> bool {
        self.0.approve
    }
    #[getter]
    fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    /// The delegator whose vote this is when `user` voted as a delegate, or `None`.
    #[getter]
    fn on_behalf_of(&self) -> Option<&str> {
        self.0.on_behalf_of.as_deref()
    }
    /// The vote in the core's JSON shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0)
    }
    fn __repr__(&self) -> String {
        format!(
            "Vote(user={:?}, role={:?}, approve={})",
            self.0.user,
            self.0.role.as_str(),
            if self.0.approve { "True" } else { "False" }
        )
    }
}

/// A user's approval authority for one team, delegated to another user for a bounded time.
#[pyclass(frozen, name = "Delegation", module = "juno._juno")]
pub struct PyDelegation(pub(crate) Delegation);

#[pymethods]
impl PyDelegation {
    #[getter]
    fn id(&self) -> i64 {
        self.0.id
    }
    #[getter]
    fn delegator(&self) -> &str {
        &self.0.delegator
    }
    #[getter]
    fn delegate(&self) -> &str {
        &self.0.delegate
    }
    #[getter]
    fn team(&self) -> &str {
        &self.0.team
    }
    #[getter]
    fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    #[getter]
    fn until(&self) -> DateTime<Utc> {
        self.0.until
    }
    #[getter]
    fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.0.revoked_at
    }
    #[getter]
    fn revoked_by(&self) -> Option<&str> {
        self.0.revoked_by.as_deref()
    }
    /// The delegation in the core's JSON shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0)
    }
    fn __repr__(&self) -> String {
        format!(
            "Delegation(id={}, delegator={:?}, delegate={:?}, team={:?})",
            self.0.id, self.0.delegator, self.0.delegate, self.0.team
        )
    }
}

/// A reminder that a pending request's deadline is near (`DeadlineReport.reminded`).
#[pyclass(frozen, name = "Reminder", module = "juno._juno")]
pub struct PyReminder(pub(crate) Reminder);

#[pymethods]
impl PyReminder {
    #[getter]
    fn request(&self) -> i64 {
        self.0.request
    }
    #[getter]
    fn role(&self) -> &'static str {
        self.0.role.as_str()
    }
    #[getter]
    fn deadline(&self) -> DateTime<Utc> {
        self.0.deadline
    }
    #[getter]
    fn recipients(&self) -> Vec<String> {
        self.0.recipients.clone()
    }
    #[getter]
    fn number(&self) -> u32 {
        self.0.number
    }
    #[getter]
    fn of(&self) -> u32 {
        self.0.of
    }
    /// The reminder in the core's JSON shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0)
    }
    fn __repr__(&self) -> String {
        format!(
            "Reminder(request={}, role={:?}, recipients={:?}, number={}, of={})",
            self.0.request,
            self.0.role.as_str(),
            self.0.recipients,
            self.0.number,
            self.0.of
        )
    }
}

/// What the `[shadow]` policy would have decided differently (`Governance.shadow_report()`).
#[pyclass(frozen, name = "ShadowReport", module = "juno._juno")]
pub struct PyShadowReport(pub(crate) ShadowReport);

#[pymethods]
impl PyShadowReport {
    #[getter]
    fn generated_at(&self) -> DateTime<Utc> {
        self.0.generated_at
    }
    /// The shadow policy compared, as a dict.
    #[getter]
    fn policy<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0.policy)
    }
    #[getter]
    fn requests(&self) -> u64 {
        self.0.requests
    }
    /// The decisions it would have changed, as dicts (`request`, `team`, `kind`, `impact`,
    /// `confidence`, `live`, `shadow`, `person`).
    #[getter]
    fn changed<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0.changed)
    }
    #[getter]
    fn auto_approve_rejected(&self) -> u64 {
        self.0.auto_approve_rejected
    }
    #[getter]
    fn auto_approve_approved(&self) -> u64 {
        self.0.auto_approve_approved
    }
    #[getter]
    fn sent_to_person(&self) -> u64 {
        self.0.sent_to_person
    }
    /// The report in the core's JSON shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0)
    }
    fn __repr__(&self) -> String {
        format!(
            "ShadowReport(requests={}, changed={}, auto_approve_rejected={})",
            self.0.requests,
            self.0.changed.len(),
            self.0.auto_approve_rejected
        )
    }
}
