//! `juno.Governance`: the approval workflow (the core's [`juno_core::governance`]), its
//! records, and the bridge that lets a Python callable execute an approved action.

pub(crate) mod records;

use std::str::FromStr;
use std::sync::Arc;

use juno_core::Error;
use juno_core::governance::{Action, ApprovalItem, Executor, Proposal, RequestId};
use juno_core::model::Role;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde::de::DeserializeOwned;

use crate::convert::{Id, datetime_from_py, list_from_py, serde_to_py, to_json};
use crate::errors::CoreResultExt;
use crate::juno::Engine;

pub use records::{
    PyApprovalRequest, PyComplianceFinding, PyComplianceReport, PyDeadlineReport, PyDelegation,
    PyGovernanceDashboard, PyReminder, PyRoleAssignment, PyShadowReport, PyVote,
};

/// The governance component of one engine: `juno.governance`.
#[pyclass(frozen, name = "Governance", module = "juno._juno")]
pub struct PyGovernance {
    pub(crate) engine: Arc<Engine>,
}

fn parse_role(s: &str) -> Result<Role, Error> {
    Role::from_str(s)
}

fn opt_role(s: Option<&str>) -> Result<Option<Role>, Error> {
    s.map(parse_role).transpose()
}

/// A dict in one of the core's JSON shapes (`Proposal`, `Action`), named `field` in errors.
fn from_dict<T: DeserializeOwned>(
    obj: &Bound<'_, PyAny>,
    field: &str,
    shape: &str,
) -> Result<T, Error> {
    if !obj.is_instance_of::<PyDict>() {
        return Err(Error::invalid(
            field,
            format!("expected a dict in the {shape} JSON shape"),
        ));
    }
    crate::convert::from_py(obj, field)
}

/// `Type: message` for a Python exception (just `Type` when the message is empty).
fn describe(py: Python<'_>, err: &PyErr) -> String {
    let name = err
        .get_type(py)
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| String::from("Exception"));
    let msg = err
        .value(py)
        .str()
        .map(|s| s.to_string())
        .unwrap_or_default();
    if msg.is_empty() {
        name
    } else {
        format!("{name}: {msg}")
    }
}

/// Runs an approved action by calling a Python callable with the action as a dict.
///
/// The core calls it with the GIL released (from inside `py.detach`); it takes the GIL
/// back for the call. Nothing Python does escapes as a Rust panic: an exception becomes
/// the failure the core records (`execution_failed`, with `Type: message`). An exception
/// that is not an `Exception` (`KeyboardInterrupt`, `SystemExit`) is recorded the same
/// way and kept, to be re-raised once the outcome is stored.
pub(crate) struct PyExecutor {
    callable: Py<PyAny>,
    interrupt: Option<PyErr>,
}

impl PyExecutor {
    /// A bridge to `callable`.
    pub(crate) fn new(callable: Py<PyAny>) -> Self {
        PyExecutor {
            callable,
            interrupt: None,
        }
    }

    /// The `KeyboardInterrupt`/`SystemExit` the callable raised, to re-raise once the
    /// outcome is stored.
    pub(crate) fn take_interrupt(&mut self) -> Option<PyErr> {
        self.interrupt.take()
    }
}

impl Executor for PyExecutor {
    fn execute(&mut self, action: &Action) -> Result<serde_json::Value, String> {
        Python::attach(|py| {
            let returned = serde_to_py(py, action)
                .and_then(|arg| self.callable.bind(py).call1((arg,)).map(Bound::unbind));
            match returned {
                Ok(value) => {
                    let value = value.bind(py);
                    // The action ran: a result that is not JSON is still a success, recorded
                    // as its repr() rather than turned into a failure.
                    Ok(to_json(value, "result").unwrap_or_else(|_| {
                        serde_json::Value::String(
                            value
                                .repr()
                                .map(|r| r.to_string())
                                .unwrap_or_else(|_| String::from("<unrepresentable result>")),
                        )
                    }))
                }
                Err(err) => {
                    let message = describe(py, &err);
                    if !err.is_instance_of::<PyException>(py) {
                        self.interrupt = Some(err);
                    }
                    Err(message)
                }
            }
        })
    }
}

#[pymethods]
impl PyGovernance {
    /// Grants `role` to `user` for each of `teams` (`*` = all teams).
    #[pyo3(signature = (user, role, teams, *, by))]
    fn assign_role(
        &self,
        py: Python<'_>,
        user: String,
        role: &str,
        teams: Vec<String>,
        by: String,
    ) -> PyResult<()> {
        let role = parse_role(role).py(py)?;
        let juno = self.engine.get().py(py)?;
        py.detach(move || {
            let teams: Vec<&str> = teams.iter().map(String::as_str).collect();
            juno.governance().assign_role(&user, role, &teams, &by)
        })
        .py(py)
    }

    /// Revokes `role` from `user` for `team` (every team when `None`); returns the teams.
    #[pyo3(signature = (user, role, team=None, *, by))]
    fn revoke_role(
        &self,
        py: Python<'_>,
        user: String,
        role: &str,
        team: Option<String>,
        by: String,
    ) -> PyResult<Vec<String>> {
        let role = parse_role(role).py(py)?;
        let juno = self.engine.get().py(py)?;
        py.detach(move || {
            juno.governance()
                .revoke_role(&user, role, team.as_deref(), &by)
        })
        .py(py)
    }

    /// Role assignments, optionally of one user, optionally with revoked ones.
    #[pyo3(signature = (user=None, *, include_revoked=false))]
    fn roles(
        &self,
        py: Python<'_>,
        user: Option<String>,
        include_revoked: bool,
    ) -> PyResult<Vec<PyRoleAssignment>> {
        let juno = self.engine.get().py(py)?;
        let roles = py
            .detach(move || juno.governance().roles(user.as_deref(), include_revoked))
            .py(py)?;
        Ok(roles.into_iter().map(PyRoleAssignment).collect())
    }

    /// Delegates `delegator`'s approval authority for `team` to `delegate` until `until`
    /// (an aware datetime); returns the delegation.
    fn delegate(
        &self,
        py: Python<'_>,
        delegator: String,
        delegate: String,
        team: String,
        until: &Bound<'_, PyAny>,
    ) -> PyResult<PyDelegation> {
        let until = datetime_from_py(until, "until").py(py)?;
        let juno = self.engine.get().py(py)?;
        let d = py
            .detach(move || {
                juno.governance()
                    .delegate(&delegator, &delegate, &team, until)
            })
            .py(py)?;
        Ok(PyDelegation(d))
    }

    /// Revokes delegation `id`; `by` must be its delegator or hold ADMIN.
    #[pyo3(signature = (id, *, by))]
    fn revoke_delegation(&self, py: Python<'_>, id: Id, by: String) -> PyResult<PyDelegation> {
        let juno = self.engine.get().py(py)?;
        let d = py
            .detach(move || juno.governance().revoke_delegation(id.0, &by))
            .py(py)?;
        Ok(PyDelegation(d))
    }

    /// Delegations naming `user` (all when `None`), only those in force unless
    /// `include_inactive`.
    #[pyo3(signature = (user=None, *, include_inactive=false))]
    fn delegations(
        &self,
        py: Python<'_>,
        user: Option<String>,
        include_inactive: bool,
    ) -> PyResult<Vec<PyDelegation>> {
        let juno = self.engine.get().py(py)?;
        let ds = py
            .detach(move || {
                juno.governance()
                    .delegations(user.as_deref(), include_inactive)
            })
            .py(py)?;
        Ok(ds.into_iter().map(PyDelegation).collect())
    }

    /// Submits one request (a dict in the core's `Proposal` JSON shape).
    fn submit(&self, py: Python<'_>, request: &Bound<'_, PyAny>) -> PyResult<PyApprovalRequest> {
        let request: Proposal = from_dict(request, "request", "request").py(py)?;
        let juno = self.engine.get().py(py)?;
        let stored = py
            .detach(move || juno.governance().submit(request))
            .py(py)?;
        Ok(PyApprovalRequest(stored))
    }

    /// Submits many requests in one transaction (all or nothing); returns their ids.
    fn submit_many(&self, py: Python<'_>, requests: &Bound<'_, PyAny>) -> PyResult<Vec<RequestId>> {
        let mut batch = Vec::new();
        for (i, item) in requests.try_iter()?.enumerate() {
            let field = format!("items[{i}]");
            batch.push(from_dict::<Proposal>(&item?, &field, "request").py(py)?);
        }
        let juno = self.engine.get().py(py)?;
        py.detach(move || juno.governance().submit_many(batch))
            .py(py)
    }

    /// One request by id.
    fn get(&self, py: Python<'_>, id: Id) -> PyResult<PyApprovalRequest> {
        let juno = self.engine.get().py(py)?;
        let r = py.detach(move || juno.governance().get(id.0)).py(py)?;
        Ok(PyApprovalRequest(r))
    }

    /// Break-glass: approves request `id` outside the chain, with a mandatory reason.
    fn break_glass(
        &self,
        py: Python<'_>,
        id: Id,
        user: String,
        digest: String,
        reason: String,
    ) -> PyResult<PyApprovalRequest> {
        let juno = self.engine.get().py(py)?;
        let r = py
            .detach(move || juno.governance().break_glass(id.0, &user, &digest, &reason))
            .py(py)?;
        Ok(PyApprovalRequest(r))
    }

    /// The votes cast on request `id`, oldest first.
    fn votes(&self, py: Python<'_>, id: Id) -> PyResult<Vec<PyVote>> {
        let juno = self.engine.get().py(py)?;
        let vs = py.detach(move || juno.governance().votes(id.0)).py(py)?;
        Ok(vs.into_iter().map(PyVote).collect())
    }

    /// Approves request `id`'s action, identified by its digest.
    fn approve(
        &self,
        py: Python<'_>,
        id: Id,
        approver: String,
        digest: String,
    ) -> PyResult<PyApprovalRequest> {
        let juno = self.engine.get().py(py)?;
        let r = py
            .detach(move || juno.governance().approve(id.0, &approver, &digest))
            .py(py)?;
        Ok(PyApprovalRequest(r))
    }

    /// Approves many requests in one transaction and one sync to disk: `items` are dicts
    /// `{"id", "approver", "digest"}`. Returns, per item in input order, the approved
    /// `ApprovalRequest` or the refusal as a `juno.errors` exception instance (not raised).
    fn approve_many<'py>(
        &self,
        py: Python<'py>,
        items: &Bound<'py, PyAny>,
    ) -> PyResult<Vec<Bound<'py, PyAny>>> {
        let items: Vec<ApprovalItem> = list_from_py(items, "items", true).py(py)?;
        let juno = self.engine.get().py(py)?;
        let results = py
            .detach(move || juno.governance().approve_many(&items))
            .py(py)?;
        results
            .into_iter()
            .map(|r| match r {
                Ok(req) => Ok(Bound::new(py, PyApprovalRequest(req))?.into_any()),
                Err(e) => Ok(crate::errors::to_pyerr(py, &e)
                    .into_value(py)
                    .into_bound(py)
                    .into_any()),
            })
            .collect()
    }

    /// Rejects request `id` with a reason.
    fn reject(
        &self,
        py: Python<'_>,
        id: Id,
        user: String,
        reason: String,
    ) -> PyResult<PyApprovalRequest> {
        let juno = self.engine.get().py(py)?;
        let r = py
            .detach(move || juno.governance().reject(id.0, &user, &reason))
            .py(py)?;
        Ok(PyApprovalRequest(r))
    }

    /// Moves a pending request to the next role now.
    fn escalate(
        &self,
        py: Python<'_>,
        id: Id,
        user: String,
        reason: String,
    ) -> PyResult<PyApprovalRequest> {
        let juno = self.engine.get().py(py)?;
        let r = py
            .detach(move || juno.governance().escalate(id.0, &user, &reason))
            .py(py)?;
        Ok(PyApprovalRequest(r))
    }

    /// Withdraws a pending request (its requester only).
    fn cancel(&self, py: Python<'_>, id: Id, user: String) -> PyResult<PyApprovalRequest> {
        let juno = self.engine.get().py(py)?;
        let r = py
            .detach(move || juno.governance().cancel(id.0, &user))
            .py(py)?;
        Ok(PyApprovalRequest(r))
    }

    /// Pending requests, optionally of one role's queue and/or one team, oldest first.
    #[pyo3(signature = (role=None, team=None))]
    fn pending(
        &self,
        py: Python<'_>,
        role: Option<&str>,
        team: Option<String>,
    ) -> PyResult<Vec<PyApprovalRequest>> {
        let role = opt_role(role).py(py)?;
        let juno = self.engine.get().py(py)?;
        let rs = py
            .detach(move || juno.governance().pending(role, team.as_deref()))
            .py(py)?;
        Ok(rs.into_iter().map(PyApprovalRequest).collect())
    }

    /// One page of pending requests, oldest first, and how many match in all:
    /// ``(total, requests)``; optionally of one role's queue and/or only ``teams``.
    #[pyo3(signature = (role=None, teams=None, offset=0, limit=100))]
    fn pending_page(
        &self,
        py: Python<'_>,
        role: Option<&str>,
        teams: Option<Vec<String>>,
        offset: usize,
        limit: usize,
    ) -> PyResult<(u64, Vec<PyApprovalRequest>)> {
        let role = opt_role(role).py(py)?;
        let juno = self.engine.get().py(py)?;
        let page = py
            .detach(move || {
                juno.governance()
                    .pending_page(role, teams.as_deref(), offset, limit)
            })
            .py(py)?;
        Ok((
            page.total,
            page.requests.into_iter().map(PyApprovalRequest).collect(),
        ))
    }

    /// Escalates or expires every pending request past its deadline.
    fn process_deadlines(&self, py: Python<'_>) -> PyResult<PyDeadlineReport> {
        let juno = self.engine.get().py(py)?;
        let report = py
            .detach(move || juno.governance().process_deadlines())
            .py(py)?;
        Ok(PyDeadlineReport(report))
    }

    /// Executes request `id`'s approved `action` once, by calling `executor(action_dict)`.
    fn execute(
        &self,
        py: Python<'_>,
        id: Id,
        action: &Bound<'_, PyAny>,
        executor: &Bound<'_, PyAny>,
    ) -> PyResult<PyApprovalRequest> {
        let action: Action = from_dict(action, "action", "action").py(py)?;
        if !executor.is_callable() {
            return Err(Error::invalid(
                "executor",
                "must be callable with the action as a dict",
            ))
            .py(py);
        }
        let mut bridge = PyExecutor {
            callable: executor.clone().unbind(),
            interrupt: None,
        };
        let juno = self.engine.get().py(py)?;
        let outcome = py.detach(|| juno.governance().execute(id.0, &action, &mut bridge));
        // The outcome is stored; now a KeyboardInterrupt or SystemExit goes on its way.
        if let Some(interrupt) = bridge.interrupt.take() {
            return Err(interrupt);
        }
        Ok(PyApprovalRequest(outcome.py(py)?))
    }

    /// How policy would route `proposal` (a dict in the ``Proposal`` shape) without
    /// submitting it: ``{"role": …, "decision": …}``, where ``decision`` is the
    /// auto-approval rule and numbers, or ``None`` when a person must decide.
    fn route<'py>(
        &self,
        py: Python<'py>,
        proposal: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let proposal: Proposal = from_dict(proposal, "proposal", "Proposal").py(py)?;
        let juno = self.engine.get().py(py)?;
        let routing = juno.governance().route(&proposal);
        serde_to_py(py, &routing)
    }

    /// The governance dashboard's numbers.
    fn dashboard(&self, py: Python<'_>) -> PyResult<PyGovernanceDashboard> {
        let juno = self.engine.get().py(py)?;
        let d = py.detach(move || juno.governance().dashboard()).py(py)?;
        Ok(PyGovernanceDashboard(d))
    }

    /// What the `[shadow]` policy would have decided differently.
    fn shadow_report(&self, py: Python<'_>) -> PyResult<PyShadowReport> {
        let juno = self.engine.get().py(py)?;
        let r = py
            .detach(move || juno.governance().shadow_report())
            .py(py)?;
        Ok(PyShadowReport(r))
    }

    /// The compliance report.
    fn compliance_report(&self, py: Python<'_>) -> PyResult<PyComplianceReport> {
        let juno = self.engine.get().py(py)?;
        let r = py
            .detach(move || juno.governance().compliance_report())
            .py(py)?;
        Ok(PyComplianceReport(r))
    }

    fn __repr__(&self) -> String {
        String::from("<juno.Governance>")
    }
}
