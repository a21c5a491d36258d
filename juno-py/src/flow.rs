//! `juno.Flow`: flow bottlenecks from ticket change history (the core's
//! [`juno_core::flow::analyze`]) at the engine's clock, and the `FlowReport` and
//! `TeamFlow` records.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use juno_core::flow::{FlowInput, FlowReport, FlowSettings, TeamFlow, analyze};
use pyo3::prelude::*;

use crate::convert::{object_from_py, opt_datetime, opt_object_from_py, serde_to_py};
use crate::errors::CoreResultExt;
use crate::juno::Engine;

/// The flow analysis of one engine: `juno.flow`.
#[pyclass(frozen, name = "Flow", module = "juno._juno")]
pub struct PyFlow {
    pub(crate) engine: Arc<Engine>,
}

#[pymethods]
impl PyFlow {
    /// Analyses `input` (a dict in the core's `FlowInput` shape) with `settings` (a
    /// `FlowSettings` dict, default: the defaults) as of `now` (default: the engine's
    /// clock).
    #[pyo3(signature = (input, settings=None, now=None))]
    fn analyze(
        &self,
        py: Python<'_>,
        input: &Bound<'_, PyAny>,
        settings: Option<&Bound<'_, PyAny>>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyFlowReport> {
        let input: FlowInput = object_from_py(input, "input").py(py)?;
        let settings: FlowSettings = opt_object_from_py(settings, "settings").py(py)?;
        let now = opt_datetime(now, "now").py(py)?;
        let juno = self.engine.get().py(py)?;
        let report = py
            .detach(move || analyze(&input, &settings, now.unwrap_or_else(|| juno.now())))
            .py(py)?;
        Ok(PyFlowReport(report))
    }

    fn __repr__(&self) -> String {
        String::from("<juno.Flow>")
    }
}

/// The flow of every team as of one moment.
#[pyclass(frozen, name = "FlowReport", module = "juno._juno")]
pub struct PyFlowReport(pub(crate) FlowReport);

#[pymethods]
impl PyFlowReport {
    /// The moment analysed.
    #[getter]
    fn now(&self) -> DateTime<Utc> {
        self.0.now
    }
    /// Per team, by team name.
    #[getter]
    fn teams(&self) -> BTreeMap<String, PyTeamFlow> {
        self.0
            .teams
            .iter()
            .map(|(name, t)| (name.clone(), PyTeamFlow(t.clone())))
            .collect()
    }
    /// Status names no phrase matched (tolerated as `other`).
    #[getter]
    fn unknown_statuses(&self) -> Vec<String> {
        self.0.unknown_statuses.clone()
    }
    /// The report in the core's JSON shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0)
    }
    fn __repr__(&self) -> String {
        format!(
            "FlowReport(now={:?}, teams={:?})",
            self.0.now.to_rfc3339(),
            self.0.teams.keys().collect::<Vec<_>>()
        )
    }
}

/// One team's flow: dwell per status, bottlenecks, ageing work, queues, sprints, factors.
#[pyclass(frozen, name = "TeamFlow", module = "juno._juno")]
pub struct PyTeamFlow(pub(crate) TeamFlow);

#[pymethods]
impl PyTeamFlow {
    #[getter]
    fn tickets(&self) -> usize {
        self.0.tickets
    }
    #[getter]
    fn open_tickets(&self) -> usize {
        self.0.open_tickets
    }
    /// Dwell per non-done status: `{status: {"category", "visits", "ongoing",
    /// "total_days", "median_days", "p85_days"}}`.
    #[getter]
    fn statuses<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0.statuses)
    }
    /// `{"status", "category", "total_days", "share"}` of the non-done status with the
    /// most dwell, or `None`.
    #[getter]
    fn bottleneck<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0.bottleneck)
    }
    /// The same among active statuses (in progress, review, qa), or `None`.
    #[getter]
    fn work_bottleneck<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0.work_bottleneck)
    }
    /// `{"count", "median_days", "p85_days"}`: first active → done.
    #[getter]
    fn cycle_time<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0.cycle_time)
    }
    /// Ageing work in progress, oldest first.
    #[getter]
    fn ageing_wip<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0.ageing_wip)
    }
    /// The review and qa queue trends.
    #[getter]
    fn queues<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0.queues)
    }
    /// Each sprint's outcome and circumstances, ordered by start.
    #[getter]
    fn sprints<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0.sprints)
    }
    #[getter]
    fn mean_carry_over_rate(&self) -> Option<f64> {
        self.0.mean_carry_over_rate
    }
    /// Holiday and team-change factors.
    #[getter]
    fn external_factors<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0.external_factors)
    }
    /// The team's flow in the core's JSON shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0)
    }
    fn __repr__(&self) -> String {
        format!(
            "TeamFlow(tickets={}, open_tickets={}, bottleneck={:?})",
            self.0.tickets,
            self.0.open_tickets,
            self.0.bottleneck.as_ref().map(|b| b.status.as_str())
        )
    }
}
