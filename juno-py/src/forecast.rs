//! `juno.Forecast`: the sprint forecaster of an engine (the core's
//! [`juno_core::forecast::Forecaster`]) and its records: `SprintForecast`, `CategoryScore`,
//! `Recommendation`, `SprintObservation`, `RetrainReport` and `RiskModel`.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use juno_core::forecast::{
    CategoryScore, Recommendation, RetrainReport, RiskModel, SprintForecast, SprintItem,
    SprintObservation, SprintState, TeamHistory,
};
use pyo3::prelude::*;

use crate::convert::{list_from_py, object_from_py, opt_object_from_py, serde_to_py};
use crate::errors::CoreResultExt;
use crate::juno::Engine;
use crate::monte_carlo::PyMonteCarloResult;
use crate::reasoning::{PyConfidence, level};

/// The sprint forecaster of one engine: `juno.forecast`.
#[pyclass(frozen, name = "Forecaster", module = "juno._juno")]
pub struct PyForecast {
    pub(crate) engine: Arc<Engine>,
}

#[pymethods]
impl PyForecast {
    /// Simulates the rest of a sprint: `input` is a dict in the core's `MonteCarloInput`
    /// shape (the core's `forecast::monte_carlo`, C `juno_forecast_monte_carlo`).
    fn monte_carlo(
        &self,
        py: Python<'_>,
        input: &Bound<'_, PyAny>,
    ) -> PyResult<crate::monte_carlo::PyMonteCarloResult> {
        crate::monte_carlo::monte_carlo(py, input)
    }

    /// Forecasts one sprint (`state`, a dict in the core's `SprintState` shape) from the
    /// team's `history` (a `TeamHistory` dict, or `None` for none).
    #[pyo3(signature = (state, history=None))]
    fn sprint(
        &self,
        py: Python<'_>,
        state: &Bound<'_, PyAny>,
        history: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PySprintForecast> {
        let state: SprintState = object_from_py(state, "state").py(py)?;
        let history: TeamHistory = opt_object_from_py(history, "history").py(py)?;
        let juno = self.engine.get().py(py)?;
        let f = py
            .detach(move || juno.forecast().sprint(&state, &history))
            .py(py)?;
        Ok(PySprintForecast(f))
    }

    /// Forecasts many sprints with one read of the model: `items` are dicts
    /// `{"state": …, "history": …}` (`history` optional); results in input order.
    fn sprints(&self, py: Python<'_>, items: &Bound<'_, PyAny>) -> PyResult<Vec<PySprintForecast>> {
        let items: Vec<SprintItem> = list_from_py(items, "items", true).py(py)?;
        let items = SprintItem::pairs(items);
        let juno = self.engine.get().py(py)?;
        let forecasts = py.detach(move || juno.forecast().sprints(&items)).py(py)?;
        Ok(forecasts.into_iter().map(PySprintForecast).collect())
    }

    /// Records a finished sprint for training; true when it replaced an earlier record of
    /// the same team and sprint.
    fn record(&self, py: Python<'_>, observation: &Bound<'_, PyAny>) -> PyResult<bool> {
        let observation: SprintObservation = object_from_py(observation, "observation").py(py)?;
        let juno = self.engine.get().py(py)?;
        py.detach(move || juno.forecast().record(&observation))
            .py(py)
    }

    /// Every recorded sprint, oldest end first.
    fn observations(&self, py: Python<'_>) -> PyResult<Vec<PySprintObservation>> {
        let juno = self.engine.get().py(py)?;
        let obs = py.detach(move || juno.forecast().observations()).py(py)?;
        Ok(obs.into_iter().map(PySprintObservation).collect())
    }

    /// Trains and stores a new model version on every recorded sprint, or says why not.
    fn retrain(&self, py: Python<'_>) -> PyResult<PyRetrainReport> {
        let juno = self.engine.get().py(py)?;
        let report = py.detach(move || juno.forecast().retrain()).py(py)?;
        Ok(PyRetrainReport(report))
    }

    /// The newest trained model, or `None`.
    fn model(&self, py: Python<'_>) -> PyResult<Option<PyRiskModel>> {
        let juno = self.engine.get().py(py)?;
        let model = py.detach(move || juno.forecast().model()).py(py)?;
        Ok(model.map(PyRiskModel))
    }

    /// How many model versions have been trained.
    fn model_versions(&self, py: Python<'_>) -> PyResult<i64> {
        let juno = self.engine.get().py(py)?;
        py.detach(move || juno.forecast().model_versions()).py(py)
    }

    fn __repr__(&self) -> String {
        String::from("<juno.Forecast>")
    }
}

/// A sprint forecast: the probability, the simulation, the five categories and what to do.
#[pyclass(frozen, name = "SprintForecast", module = "juno._juno")]
pub struct PySprintForecast(pub(crate) SprintForecast);

#[pymethods]
impl PySprintForecast {
    /// Rebuilds a forecast from its `to_dict()` form (to explain a stored one).
    #[staticmethod]
    fn from_dict(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(PySprintForecast(object_from_py(data, "forecast").py(py)?))
    }
    #[getter]
    fn team(&self) -> &str {
        &self.0.team
    }
    #[getter]
    fn sprint(&self) -> &str {
        &self.0.sprint
    }
    #[getter]
    fn p_deliver_80(&self) -> f64 {
        self.0.p_deliver_80
    }
    #[getter]
    fn probability_basis(&self) -> &str {
        &self.0.probability_basis
    }
    #[getter]
    fn delivery(&self) -> PyMonteCarloResult {
        PyMonteCarloResult(self.0.delivery.clone())
    }
    #[getter]
    fn categories(&self) -> Vec<PyCategoryScore> {
        self.0
            .categories
            .iter()
            .cloned()
            .map(PyCategoryScore)
            .collect()
    }
    #[getter]
    fn overall(&self) -> f64 {
        self.0.overall
    }
    #[getter]
    fn level(&self) -> &'static str {
        self.0.level.as_str()
    }
    #[getter]
    fn recommendations(&self) -> Vec<PyRecommendation> {
        self.0
            .recommendations
            .iter()
            .cloned()
            .map(PyRecommendation)
            .collect()
    }
    #[getter]
    fn confidence(&self) -> PyConfidence {
        PyConfidence(self.0.confidence.clone())
    }
    #[getter]
    fn notes(&self) -> Vec<String> {
        self.0.notes.clone()
    }
    /// How the probability and the interval were calibrated (`None` without a model).
    #[getter]
    fn calibration<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0.calibration)
    }
    /// The forecast in words: `basic`, `detailed` (the default) or `verbose`.
    #[pyo3(signature = (level="detailed"))]
    fn explain(&self, py: Python<'_>, level: &str) -> PyResult<String> {
        Ok(self.0.explain(self::level(level).py(py)?))
    }
    /// The forecast in the core's JSON shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0)
    }
    fn __repr__(&self) -> String {
        format!(
            "SprintForecast(team={:?}, sprint={:?}, p_deliver_80={:.4}, level={:?}, overall={:.4})",
            self.0.team,
            self.0.sprint,
            self.0.p_deliver_80,
            self.0.level.as_str(),
            self.0.overall
        )
    }
}

/// One risk category's score and its part in the overall score.
#[pyclass(frozen, name = "CategoryScore", module = "juno._juno")]
pub struct PyCategoryScore(pub(crate) CategoryScore);

#[pymethods]
impl PyCategoryScore {
    #[getter]
    fn name(&self) -> &str {
        &self.0.factor.name
    }
    /// The category's score in [0, 1] (the factor's value).
    #[getter]
    fn value(&self) -> f64 {
        self.0.factor.value
    }
    /// Deprecated: the old name of `value`, kept for one release.
    #[getter]
    fn score(&self, py: Python<'_>) -> PyResult<f64> {
        let category = py.get_type::<pyo3::exceptions::PyDeprecationWarning>();
        PyErr::warn(
            py,
            category.as_any(),
            c"CategoryScore.score is deprecated: use CategoryScore.value (a category is a Factor)",
            1,
        )?;
        Ok(self.0.factor.value)
    }
    #[getter]
    fn weight(&self) -> f64 {
        self.0.factor.weight
    }
    #[getter]
    fn contribution(&self) -> f64 {
        self.0.factor.contribution
    }
    #[getter]
    fn threshold(&self) -> f64 {
        self.0.threshold
    }
    #[getter]
    fn flagged(&self) -> bool {
        self.0.flagged
    }
    #[getter]
    fn evidence(&self) -> &str {
        &self.0.factor.evidence
    }
    /// The category in the core's JSON shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0)
    }
    fn __repr__(&self) -> String {
        format!(
            "CategoryScore(name={:?}, value={:.4}, contribution={:.4}, flagged={})",
            self.0.factor.name,
            self.0.factor.value,
            self.0.factor.contribution,
            if self.0.flagged { "True" } else { "False" }
        )
    }
}

/// A recommendation tied to the category that drives it.
#[pyclass(frozen, name = "Recommendation", module = "juno._juno")]
pub struct PyRecommendation(pub(crate) Recommendation);

#[pymethods]
impl PyRecommendation {
    #[getter]
    fn category(&self) -> &str {
        &self.0.category
    }
    #[getter]
    fn text(&self) -> &str {
        &self.0.text
    }
    /// The recommendation in the core's JSON shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0)
    }
    fn __repr__(&self) -> String {
        format!("Recommendation(category={:?})", self.0.category)
    }
}

/// A recorded, finished sprint: a training row of the model.
#[pyclass(frozen, name = "SprintObservation", module = "juno._juno")]
pub struct PySprintObservation(pub(crate) SprintObservation);

#[pymethods]
impl PySprintObservation {
    /// The state at prediction time, in the core's `SprintState` shape.
    #[getter]
    fn state<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0.state)
    }
    /// The team's history then, in the core's `TeamHistory` shape.
    #[getter]
    fn history<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0.history)
    }
    #[getter]
    fn delivered_points(&self) -> f64 {
        self.0.delivered_points
    }
    #[getter]
    fn ended_at(&self) -> DateTime<Utc> {
        self.0.ended_at
    }
    /// Whether it delivered at least 80% of the commitment at start.
    #[getter]
    fn delivered_80(&self) -> bool {
        self.0.delivered_80()
    }
    /// The observation in the core's JSON shape (what `record` takes).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0)
    }
    fn __repr__(&self) -> String {
        format!(
            "SprintObservation(team={:?}, sprint={:?}, delivered_points={}, ended_at={:?})",
            self.0.state.team,
            self.0.state.sprint,
            self.0.delivered_points,
            self.0.ended_at.to_rfc3339()
        )
    }
}

/// What `Forecast.retrain()` did.
#[pyclass(frozen, name = "RetrainReport", module = "juno._juno")]
pub struct PyRetrainReport(pub(crate) RetrainReport);

#[pymethods]
impl PyRetrainReport {
    #[getter]
    fn trained(&self) -> bool {
        self.0.trained
    }
    #[getter]
    fn observations(&self) -> usize {
        self.0.observations
    }
    #[getter]
    fn model(&self) -> Option<PyRiskModel> {
        self.0.model.clone().map(PyRiskModel)
    }
    #[getter]
    fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
    /// The report in the core's JSON shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0)
    }
    fn __repr__(&self) -> String {
        format!(
            "RetrainReport(trained={}, observations={}, version={}, reason={:?})",
            if self.0.trained { "True" } else { "False" },
            self.0.observations,
            self.0
                .model
                .as_ref()
                .map_or(String::from("None"), |m| m.version.to_string()),
            self.0.reason
        )
    }
}

/// A trained sprint-risk model with its provenance and forward evaluation.
#[pyclass(frozen, name = "RiskModel", module = "juno._juno")]
pub struct PyRiskModel(pub(crate) RiskModel);

#[pymethods]
impl PyRiskModel {
    #[getter]
    fn version(&self) -> i64 {
        self.0.version
    }
    #[getter]
    fn kind(&self) -> &str {
        &self.0.kind
    }
    #[getter]
    fn features(&self) -> Vec<String> {
        self.0.features.clone()
    }
    #[getter]
    fn trained_on(&self) -> usize {
        self.0.trained_on
    }
    #[getter]
    fn positives(&self) -> usize {
        self.0.positives
    }
    #[getter]
    fn training_period(&self) -> Option<(String, String)> {
        self.0.training_period.clone()
    }
    /// The forward evaluation: `protocol`, `n_train`, `n_test`, `auc`, `brier`,
    /// `calibration_error`, `accuracy`, `majority_accuracy`.
    #[getter]
    fn evaluation<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0.evaluation)
    }
    /// The corrections fitted on out-of-time forecasts: `probability` (the blend with the
    /// team's trailing rate and its forward ECE), `interval` (the conformal correction and
    /// its forward coverage), `teams` (each team's recent forward forecasts).
    #[getter]
    fn calibration<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0.calibration)
    }
    /// The model in the core's JSON shape (with its coefficients).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0)
    }
    fn __repr__(&self) -> String {
        format!(
            "RiskModel(version={}, kind={:?}, trained_on={}, auc={})",
            self.0.version,
            self.0.kind,
            self.0.trained_on,
            self.0
                .evaluation
                .auc
                .map_or(String::from("None"), |a| format!("{a:.4}"))
        )
    }
}
