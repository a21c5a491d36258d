//! `juno.Reasoning`: confidence, explanations and calibration (the core's
//! [`juno_core::reasoning`]), and the `Confidence`, `ConfidenceFactor` and `Calibration`
//! records.

use std::sync::Arc;

use juno_core::Error;
use juno_core::reasoning::{
    Calibration, Confidence, Evidence, EvidenceColumns, ExplanationLevel, Factor,
};
use pyo3::buffer::PyBuffer;
use pyo3::prelude::*;
use pyo3::types::PyString;

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

    /// Scores many `evidence` dicts in one call (input order), as `confidence` scores
    /// one; with `calibration`, it is applied to each.
    #[pyo3(signature = (evidence, *, calibration=None))]
    fn confidence_many(
        &self,
        py: Python<'_>,
        evidence: &Bound<'_, PyAny>,
        calibration: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Vec<PyConfidence>> {
        let evidence: Vec<Evidence> = list_from_py(evidence, "evidence", true).py(py)?;
        let calibration = match calibration {
            Some(c) if !c.is_none() => Some(calibration_from(c).py(py)?),
            _ => None,
        };
        let juno = self.engine.get().py(py)?;
        let cs = py
            .detach(move || {
                juno.reasoning()
                    .confidence_many(&evidence, calibration.as_ref())
            })
            .py(py)?;
        Ok(cs.into_iter().map(PyConfidence).collect())
    }

    /// The confidence of every row of evidence given as columns (float64 arrays, or
    /// sequences of numbers), as an `array.array('d')` — or written into `out`, a
    /// writable float64 buffer of one value per row, which is returned.
    #[pyo3(signature = (
        completeness, observations, *, newest_evidence_age_hours=None,
        track_record_right=None, track_record_total=None, pattern_support=None,
        pattern_episodes=None, engine_signals=None, calibration=None, out=None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn confidence_columns<'py>(
        &self,
        py: Python<'py>,
        completeness: &Bound<'py, PyAny>,
        observations: &Bound<'py, PyAny>,
        newest_evidence_age_hours: Option<&Bound<'py, PyAny>>,
        track_record_right: Option<&Bound<'py, PyAny>>,
        track_record_total: Option<&Bound<'py, PyAny>>,
        pattern_support: Option<&Bound<'py, PyAny>>,
        pattern_episodes: Option<&Bound<'py, PyAny>>,
        engine_signals: Option<&Bound<'py, PyAny>>,
        calibration: Option<&Bound<'py, PyAny>>,
        out: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let opt = |o: Option<&Bound<'py, PyAny>>, name: &str| -> Result<Option<Vec<f64>>, Error> {
            match o {
                Some(o) if !o.is_none() => floats(o, name).map(Some),
                _ => Ok(None),
            }
        };
        let completeness = floats(completeness, "completeness").py(py)?;
        let observations = floats(observations, "observations").py(py)?;
        let age = opt(newest_evidence_age_hours, "newest_evidence_age_hours").py(py)?;
        let right = opt(track_record_right, "track_record_right").py(py)?;
        let total = opt(track_record_total, "track_record_total").py(py)?;
        let support = opt(pattern_support, "pattern_support").py(py)?;
        let episodes = opt(pattern_episodes, "pattern_episodes").py(py)?;
        let (signals, per_row) = match engine_signals {
            Some(o) if !o.is_none() => {
                let (v, k) = rows_of_floats(o, "engine_signals").py(py)?;
                (Some(v), k)
            }
            _ => (None, 0),
        };
        let calibration = match calibration {
            Some(c) if !c.is_none() => Some(calibration_from(c).py(py)?),
            _ => None,
        };
        let out_buf = match out {
            Some(o) if !o.is_none() => Some(
                PyBuffer::<f64>::get(o)
                    .ok()
                    .filter(|b| !b.readonly() && b.is_c_contiguous())
                    .ok_or_else(|| {
                        Error::invalid("out", "must be a writable, contiguous float64 buffer")
                    })
                    .py(py)?,
            ),
            _ => None,
        };
        let juno = self.engine.get().py(py)?;
        let scores = py
            .detach(|| {
                let columns = EvidenceColumns {
                    completeness: &completeness,
                    observations: &observations,
                    newest_evidence_age_hours: age.as_deref(),
                    track_record_right: right.as_deref(),
                    track_record_total: total.as_deref(),
                    pattern_support: support.as_deref(),
                    pattern_episodes: episodes.as_deref(),
                    engine_signals: signals.as_deref(),
                    signals_per_row: per_row,
                };
                juno.reasoning()
                    .confidence_columns(&columns, calibration.as_ref())
            })
            .py(py)?;
        match (out_buf, out) {
            (Some(buf), Some(o)) => {
                if buf.item_count() != scores.len() {
                    return Err(Error::invalid(
                        "out",
                        format!("has {} values for {} rows", buf.item_count(), scores.len()),
                    ))
                    .py(py);
                }
                buf.copy_from_slice(py, &scores)?;
                Ok(o.clone())
            }
            _ => {
                // One copy into a new array.array('d'); numpy reads it without copying
                // (`numpy.asarray(result)`), and hosts without numpy still get an array.
                let bytes: Vec<u8> = scores.iter().flat_map(|x| x.to_ne_bytes()).collect();
                let array = py.import(pyo3::intern!(py, "array"))?.getattr("array")?;
                array.call1(("d", pyo3::types::PyBytes::new(py, &bytes)))
            }
        }
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

/// A column of numbers: any float64 buffer (numpy array, `array.array('d')`,
/// memoryview) is copied out in one piece; otherwise a sequence of numbers.
fn floats(obj: &Bound<'_, PyAny>, field: &str) -> Result<Vec<f64>, Error> {
    if let Ok(buf) = PyBuffer::<f64>::get(obj) {
        if buf.dimensions() != 1 {
            return Err(Error::invalid(
                field,
                format!(
                    "must be one-dimensional, got {} dimensions",
                    buf.dimensions()
                ),
            ));
        }
        return buf
            .to_vec(obj.py())
            .map_err(|e| Error::invalid(field, e.to_string()));
    }
    if obj.is_instance_of::<PyString>() {
        return Err(Error::invalid(field, "expected numbers, got a string"));
    }
    list_from_py(obj, field, false)
}

/// Rows of equally many numbers, row after row, and how many per row: a 2-D float64
/// buffer (n × k) or a sequence of sequences.
fn rows_of_floats(obj: &Bound<'_, PyAny>, field: &str) -> Result<(Vec<f64>, usize), Error> {
    if let Ok(buf) = PyBuffer::<f64>::get(obj) {
        if buf.dimensions() != 2 {
            return Err(Error::invalid(
                field,
                format!(
                    "must be two-dimensional (rows × signals), got {} dimensions",
                    buf.dimensions()
                ),
            ));
        }
        let k = buf.shape()[1];
        let v = buf
            .to_vec(obj.py())
            .map_err(|e| Error::invalid(field, e.to_string()))?;
        return Ok((v, k));
    }
    let rows: Vec<Vec<f64>> = list_from_py(obj, field, false)?;
    let k = rows.first().map_or(0, Vec::len);
    if let Some(i) = rows.iter().position(|r| r.len() != k) {
        return Err(Error::invalid(
            format!("{field}[{i}]"),
            format!("has {} signals, row 0 has {k}", rows[i].len()),
        ));
    }
    Ok((rows.concat(), k))
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
