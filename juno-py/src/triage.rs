//! `juno.Triage`: stale-ticket triage (the core's [`juno_core::triage`]) and its
//! `TriageProposal`.

use std::sync::Arc;

use juno_core::triage::{Ticket, TriageProposal, TriageSettings};
use pyo3::prelude::*;

use crate::convert::{list_from_py, opt_datetime, opt_object_from_py, serde_to_py};
use crate::errors::CoreResultExt;
use crate::juno::Engine;
use crate::reasoning::{PyConfidence, level};
use juno_core::Error;

/// The triage component of one engine: `juno.triage`.
#[pyclass(frozen, name = "Triage", module = "juno._juno")]
pub struct PyTriage {
    pub(crate) engine: Arc<Engine>,
}

#[pymethods]
impl PyTriage {
    /// Proposals for the open `tickets` (dicts in the core's `Ticket` shape; times as aware
    /// datetimes or RFC 3339 strings), most urgent first, as of `now` (the engine's clock
    /// by default).
    #[pyo3(signature = (tickets, settings=None, now=None))]
    fn scan(
        &self,
        py: Python<'_>,
        tickets: &Bound<'_, PyAny>,
        settings: Option<&Bound<'_, PyAny>>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Vec<PyTriageProposal>> {
        let tickets: Vec<Ticket> = list_from_py(tickets, "tickets", true).py(py)?;
        let settings: TriageSettings = opt_object_from_py(settings, "settings").py(py)?;
        let now = opt_datetime(now, "now").py(py)?;
        let juno = self.engine.get().py(py)?;
        let proposals = py
            .detach(move || {
                let now = now.unwrap_or_else(|| juno.now());
                juno.triage().scan_at(&tickets, &settings, now)
            })
            .py(py)?;
        Ok(proposals.into_iter().map(PyTriageProposal).collect())
    }

    /// Hands `proposals` (``TriageProposal`` objects from :meth:`scan`, or dicts in their
    /// shape) to governance: one approval request each, in one transaction. Nothing acts
    /// until a request is approved and executed.
    fn propose(
        &self,
        py: Python<'_>,
        proposals: &Bound<'_, PyAny>,
        requester: String,
    ) -> PyResult<Vec<crate::governance::records::PyApprovalRequest>> {
        let list = proposals
            .cast::<pyo3::types::PyList>()
            .map_err(|_| Error::invalid("proposals", "expected a list of TriageProposal"))
            .py(py)?;
        let mut items = Vec::with_capacity(list.len());
        for (i, item) in list.iter().enumerate() {
            match item.cast::<PyTriageProposal>() {
                Ok(p) => items.push(p.get().0.clone()),
                Err(_) => items.push(
                    crate::convert::object_from_py(&item, &format!("proposals[{i}]")).py(py)?,
                ),
            }
        }
        let juno = self.engine.get().py(py)?;
        let requests = py
            .detach(move || juno.triage().propose(&items, &requester))
            .py(py)?;
        Ok(requests
            .into_iter()
            .map(crate::governance::records::PyApprovalRequest)
            .collect())
    }

    fn __repr__(&self) -> String {
        String::from("<juno.Triage>")
    }
}

/// One triage proposal: an action for one ticket, with urgency, confidence and impact.
#[pyclass(frozen, name = "TriageProposal", module = "juno._juno")]
pub struct PyTriageProposal(pub(crate) TriageProposal);

#[pymethods]
impl PyTriageProposal {
    #[getter]
    fn key(&self) -> &str {
        &self.0.key
    }
    #[getter]
    fn team(&self) -> &str {
        &self.0.team
    }
    /// `escalate`, `reassign`, `request_info`, `update_priority`, `defer` or `close`.
    #[getter]
    fn action(&self) -> &'static str {
        self.0.action.as_str()
    }
    /// `aging`, `stale` or `critical`.
    #[getter]
    fn staleness(&self) -> &'static str {
        self.0.staleness.as_str()
    }
    #[getter]
    fn idle_days(&self) -> f64 {
        self.0.idle_days
    }
    #[getter]
    fn urgency(&self) -> f64 {
        self.0.urgency
    }
    #[getter]
    fn confidence(&self) -> PyConfidence {
        PyConfidence(self.0.confidence.clone())
    }
    #[getter]
    fn evidence(&self) -> Vec<String> {
        self.0.evidence.clone()
    }
    /// `low`, `medium`, `high` or `critical`: what governance routes on.
    #[getter]
    fn impact(&self) -> &'static str {
        self.0.impact.as_str()
    }
    /// The proposal in words: `basic`, `detailed` (the default) or `verbose`.
    #[pyo3(signature = (level="detailed"))]
    fn explain(&self, py: Python<'_>, level: &str) -> PyResult<String> {
        Ok(self.0.explain(self::level(level).py(py)?))
    }
    /// The proposal in the core's JSON shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0)
    }
    fn __repr__(&self) -> String {
        format!(
            "TriageProposal(key={:?}, action={:?}, urgency={:.3}, impact={:?})",
            self.0.key,
            self.0.action.as_str(),
            self.0.urgency,
            self.0.impact.as_str()
        )
    }
}
