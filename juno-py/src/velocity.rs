//! `juno.Velocity`: the velocity analyzer (the core's [`juno_core::velocity`]) and its
//! `VelocityReport`.

use std::collections::BTreeMap;
use std::sync::Arc;

use juno_core::Error;
use juno_core::model::Sprint;
use juno_core::velocity::VelocityReport;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use crate::convert::{list_from_py, serde_to_py};
use crate::errors::CoreResultExt;
use crate::juno::Engine;
use crate::reasoning::level;

/// The velocity component of one engine: `juno.velocity`.
#[pyclass(frozen, name = "Velocity", module = "juno._juno")]
pub struct PyVelocity {
    pub(crate) engine: Arc<Engine>,
}

/// `{team: [sprint, …]}` from a dict of team names to iterables of sprint dicts.
fn teams_from(obj: &Bound<'_, PyAny>) -> Result<BTreeMap<String, Vec<Sprint>>, Error> {
    let dict = obj.cast::<PyDict>().map_err(|_| {
        Error::invalid("teams", "expected a dict of team names to lists of sprints")
    })?;
    let mut teams = BTreeMap::new();
    for (k, v) in dict.iter() {
        let team = k
            .cast::<PyString>()
            .map_err(|_| Error::invalid("teams", "team names must be strings"))?
            .to_str()
            .map_err(|_| Error::invalid("teams", "team name is not valid UTF-8"))?
            .to_owned();
        let sprints = list_from_py(&v, &team, true)?;
        teams.insert(team, sprints);
    }
    Ok(teams)
}

#[pymethods]
impl PyVelocity {
    /// Analyses one team's sprints (dicts `{"sprint", "committed", "delivered"}`), oldest
    /// first.
    fn analyze(&self, py: Python<'_>, sprints: &Bound<'_, PyAny>) -> PyResult<PyVelocityReport> {
        let sprints: Vec<Sprint> = list_from_py(sprints, "sprints", true).py(py)?;
        let juno = self.engine.get().py(py)?;
        let report = py
            .detach(move || juno.velocity().analyze(&sprints))
            .py(py)?;
        Ok(PyVelocityReport(report))
    }

    /// Analyses many teams: `{team: [sprint, …]}` → `{team: VelocityReport}`, by team name.
    fn analyze_teams(
        &self,
        py: Python<'_>,
        teams: &Bound<'_, PyAny>,
    ) -> PyResult<BTreeMap<String, PyVelocityReport>> {
        let teams = teams_from(teams).py(py)?;
        let juno = self.engine.get().py(py)?;
        let reports = py
            .detach(move || juno.velocity().analyze_teams(&teams))
            .py(py)?;
        Ok(reports
            .into_iter()
            .map(|(t, r)| (t, PyVelocityReport(r)))
            .collect())
    }

    fn __repr__(&self) -> String {
        String::from("<juno.Velocity>")
    }
}

/// One team's velocity analysis.
#[pyclass(frozen, name = "VelocityReport", module = "juno._juno")]
pub struct PyVelocityReport(pub(crate) VelocityReport);

#[pymethods]
impl PyVelocityReport {
    /// How many sprints were analysed.
    #[getter]
    fn sprints(&self) -> usize {
        self.0.sprints
    }
    #[getter]
    fn mean(&self) -> f64 {
        self.0.mean
    }
    #[getter]
    fn median(&self) -> f64 {
        self.0.median
    }
    #[getter]
    fn stdev(&self) -> f64 {
        self.0.stdev
    }
    #[getter]
    fn cv(&self) -> f64 {
        self.0.cv
    }
    #[getter]
    fn stability(&self) -> f64 {
        self.0.stability
    }
    #[getter]
    fn completion_ratio(&self) -> Option<f64> {
        self.0.completion_ratio
    }
    /// `{"slope", "intercept"}` of the least-squares line, or `None`.
    #[getter]
    fn ols<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0.ols)
    }
    #[getter]
    fn r_squared(&self) -> Option<f64> {
        self.0.r_squared
    }
    /// `{"slope", "intercept"}` of the Theil–Sen line, or `None`.
    #[getter]
    fn theil_sen<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0.theil_sen)
    }
    #[getter]
    fn classification(&self) -> &'static str {
        self.0.classification.as_str()
    }
    /// `{"expected", "low", "high"}` for the next sprint, or `None`.
    #[getter]
    fn forecast<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0.forecast)
    }
    /// The report in words: `basic`, `detailed` (the default) or `verbose`.
    #[pyo3(signature = (level="detailed"))]
    fn explain(&self, py: Python<'_>, level: &str) -> PyResult<String> {
        Ok(self.0.explain(self::level(level).py(py)?))
    }
    /// The report in the core's JSON shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0)
    }
    fn __repr__(&self) -> String {
        format!(
            "VelocityReport(sprints={}, mean={:.2}, classification={:?})",
            self.0.sprints,
            self.0.mean,
            self.0.classification.as_str()
        )
    }
}
