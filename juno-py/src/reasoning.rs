//! `juno.Reasoning`: confidence, explanations and calibration (the core's
//! [`juno_core::reasoning`]), and the `Confidence`, `ConfidenceFactor` and `Calibration`
//! records.

use std::sync::Arc;

use juno_core::Error;
use juno_core::reasoning::{Calibration, Confidence, Evidence, ExplanationLevel, Factor};
use pyo3::prelude::*;

use crate::convert::{list_from_py, object_from_py, serde_to_py, to_json};
use crate::errors::CoreResultExt;
use crate::juno::Engine;

/// An explanation level by name (`basic`, `detailed`, `verbose`).
pub(crate) fn level(name: &str) -> Result<ExplanationLevel, Error> {
    name.parse()
}

/// A `Calibration`, or a dict in its JSON shape (as `Calibration.to_dict()` gives it).
fn calibration_from(obj: &Bound<'_, PyAny>) -> Result<Calibration, Error> {
    match obj.cast::<PyCalibration>() {
        Ok(c) => Ok(c.get().0.clone()),
        Err(_) => object_from_py(obj, "calibration"),
    }
}

/// The reasoning component of one engine: `juno.reasoning`.
#[pyclass(frozen, name = "Reasoning", module = "juno._juno")]
pub struct PyReasoning {
    pub(crate) engine: Arc<Engine>,
}

#[pymethods]
impl PyReasoning {
    /// The configured factor weights, by factor name.
    #[getter]
    fn weights<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let juno = self.engine.get().py(py)?;
        serde_to_py(py, juno.reasoning().weights())
    }

    /// Scores `evidence` (a dict in the core's `Evidence` shape); with `team` and `action`,
    /// the track record comes from memory; with `calibration`, it is applied.
    #[pyo3(signature = (evidence, team=None, action=None, *, calibration=None))]
    fn confidence(
        &self,
        py: Python<'_>,
        evidence: &Bound<'_, PyAny>,
        team: Option<String>,
        action: Option<String>,
        calibration: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyConfidence> {
        let evidence: Evidence = object_from_py(evidence, "evidence").py(py)?;
        let calibration = match calibration {
            Some(c) if !c.is_none() => Some(calibration_from(c).py(py)?),
            _ => None,
        };
        let decision = match (team, action) {
            (Some(t), Some(a)) => Some((t, a)),
            (None, None) => None,
            _ => {
                return Err(Error::invalid(
                    "team",
                    "team and action go together: give both (the track record comes from memory) or neither",
                ))
                .py(py);
            }
        };
        let juno = self.engine.get().py(py)?;
        let c = py
            .detach(move || {
                let r = juno.reasoning();
                let c = match &decision {
                    Some((team, action)) => r.confidence_for(&evidence, team, action)?,
                    None => r.confidence(&evidence)?,
                };
                match &calibration {
                    Some(cal) => r.calibrated(c, cal),
                    None => Ok(c),
                }
            })
            .py(py)?;
        Ok(PyConfidence(c))
    }

    /// Memory's track record for `action` about `team`: (approved, all recorded).
    fn track_record(&self, py: Python<'_>, team: String, action: String) -> PyResult<(u64, u64)> {
        let juno = self.engine.get().py(py)?;
        py.detach(move || juno.reasoning().track_record(&team, &action))
            .py(py)
    }

    /// Fits a calibration map to (confidence, was it right) pairs.
    fn calibrate(&self, py: Python<'_>, pairs: &Bound<'_, PyAny>) -> PyResult<PyCalibration> {
        let pairs: Vec<(f64, bool)> = list_from_py(pairs, "pairs", false).py(py)?;
        let juno = self.engine.get().py(py)?;
        let c = py
            .detach(move || juno.reasoning().calibrate(&pairs))
            .py(py)?;
        Ok(PyCalibration(c))
    }

    fn __repr__(&self) -> String {
        String::from("<juno.Reasoning>")
    }
}

/// A scored decision: the confidence and its five factors.
#[pyclass(frozen, name = "Confidence", module = "juno._juno")]
pub struct PyConfidence(pub(crate) Confidence);

#[pymethods]
impl PyConfidence {
    /// Rebuilds a confidence from its `to_dict()` form (to explain a stored one).
    #[staticmethod]
    fn from_dict(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(PyConfidence(object_from_py(data, "confidence").py(py)?))
    }
    #[getter]
    fn raw(&self) -> f64 {
        self.0.raw
    }
    #[getter]
    fn calibrated(&self) -> f64 {
        self.0.calibrated
    }
    #[getter]
    fn is_calibrated(&self) -> bool {
        self.0.is_calibrated
    }
    #[getter]
    fn factors(&self) -> Vec<PyConfidenceFactor> {
        self.0
            .factors
            .iter()
            .cloned()
            .map(PyConfidenceFactor)
            .collect()
    }
    #[getter]
    fn items(&self) -> Vec<String> {
        self.0.items.clone()
    }
    /// The explanation as text: `basic`, `detailed` (the default) or `verbose`.
    #[pyo3(signature = (level="detailed"))]
    fn explain(&self, py: Python<'_>, level: &str) -> PyResult<String> {
        Ok(self.0.explain(self::level(level).py(py)?))
    }
    /// The confidence in the core's JSON shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0)
    }
    fn __float__(&self) -> f64 {
        self.0.calibrated
    }
    fn __repr__(&self) -> String {
        format!(
            "Confidence(calibrated={:.4}, raw={:.4}, is_calibrated={})",
            self.0.calibrated,
            self.0.raw,
            if self.0.is_calibrated {
                "True"
            } else {
                "False"
            }
        )
    }
}

/// One factor's part in a confidence.
#[pyclass(frozen, name = "Factor", module = "juno._juno")]
pub struct PyConfidenceFactor(pub(crate) Factor);

#[pymethods]
impl PyConfidenceFactor {
    #[getter]
    fn name(&self) -> &str {
        &self.0.name
    }
    #[getter]
    fn value(&self) -> f64 {
        self.0.value
    }
    #[getter]
    fn weight(&self) -> f64 {
        self.0.weight
    }
    #[getter]
    fn contribution(&self) -> f64 {
        self.0.contribution
    }
    #[getter]
    fn evidence(&self) -> &str {
        &self.0.evidence
    }
    /// The factor in the core's JSON shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0)
    }
    fn __repr__(&self) -> String {
        format!(
            "ConfidenceFactor(name={:?}, value={:.4}, weight={:.2}, contribution={:.4})",
            self.0.name, self.0.value, self.0.weight, self.0.contribution
        )
    }
}

/// A monotone calibration map with its Brier score and calibration error.
#[pyclass(frozen, name = "Calibration", module = "juno._juno")]
pub struct PyCalibration(pub(crate) Calibration);

#[pymethods]
impl PyCalibration {
    /// Rebuilds a map from its `to_dict()` form; it is checked (monotone, values in [0, 1]).
    #[staticmethod]
    fn from_dict(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        let c: Calibration = object_from_py(data, "calibration").py(py)?;
        c.validate().py(py)?;
        Ok(PyCalibration(c))
    }
    #[getter]
    fn outcomes(&self) -> usize {
        self.0.outcomes
    }
    #[getter]
    fn is_fitted(&self) -> bool {
        self.0.is_fitted()
    }
    #[getter]
    fn blocks(&self) -> Vec<(f64, f64)> {
        self.0.blocks.clone()
    }
    #[getter]
    fn brier_raw(&self) -> f64 {
        self.0.brier_raw
    }
    #[getter]
    fn brier_calibrated(&self) -> f64 {
        self.0.brier_calibrated
    }
    #[getter]
    fn ece_raw(&self) -> f64 {
        self.0.ece_raw
    }
    #[getter]
    fn ece_calibrated(&self) -> f64 {
        self.0.ece_calibrated
    }
    /// The calibrated value of a raw confidence in [0, 1] (itself while not fitted).
    fn apply(&self, py: Python<'_>, raw: &Bound<'_, PyAny>) -> PyResult<f64> {
        let raw = match to_json(raw, "raw").py(py)?.as_f64() {
            Some(r) if (0.0..=1.0).contains(&r) => r,
            _ => {
                return Err(Error::invalid("raw", "must be a number in [0, 1]")).py(py);
            }
        };
        Ok(self.0.apply(raw))
    }
    /// The map in the core's JSON shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0)
    }
    fn __repr__(&self) -> String {
        format!(
            "Calibration(outcomes={}, is_fitted={}, brier_raw={:.4}, brier_calibrated={:.4}, ece_raw={:.4}, ece_calibrated={:.4})",
            self.0.outcomes,
            if self.0.is_fitted() { "True" } else { "False" },
            self.0.brier_raw,
            self.0.brier_calibrated,
            self.0.ece_raw,
            self.0.ece_calibrated
        )
    }
}
