//! Recall results: a hit, its score and the explanation of that score.

use juno_core::memory::{RecallHit, ScoreExplanation, TermContribution};
use pyo3::prelude::*;

use super::records::PyMemoryRecord;
use crate::convert::serde_to_py;

/// One recalled memory with its score and why.
#[pyclass(frozen, name = "RecallHit", module = "juno._juno")]
pub struct PyRecallHit(pub(crate) RecallHit);

#[pymethods]
impl PyRecallHit {
    /// The memory (access count and time as they were before this recall).
    #[getter]
    fn memory(&self) -> PyMemoryRecord {
        PyMemoryRecord(self.0.memory.clone())
    }
    #[getter]
    fn score(&self) -> f64 {
        self.0.score
    }
    #[getter]
    fn explanation(&self) -> PyScoreExplanation {
        PyScoreExplanation(self.0.explanation.clone())
    }
    /// The explanation as readable lines.
    fn explain(&self) -> String {
        self.0.explanation.render()
    }
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0)
    }
    fn __repr__(&self) -> String {
        format!(
            "RecallHit(score={:.4}, memory_id={}, text={:?})",
            self.0.score, self.0.memory.id, self.0.memory.text
        )
    }
}

/// Why a memory scored what it did.
#[pyclass(frozen, name = "ScoreExplanation", module = "juno._juno")]
pub struct PyScoreExplanation(pub(crate) ScoreExplanation);

#[pymethods]
impl PyScoreExplanation {
    #[getter]
    fn score(&self) -> f64 {
        self.0.score
    }
    /// text, recency, importance, access — always in this order.
    #[getter]
    fn components(&self) -> Vec<crate::reasoning::PyConfidenceFactor> {
        self.0
            .components
            .iter()
            .cloned()
            .map(crate::reasoning::PyConfidenceFactor)
            .collect()
    }
    /// The text component split by query term.
    #[getter]
    fn terms(&self) -> Vec<PyTermContribution> {
        self.0
            .terms
            .iter()
            .cloned()
            .map(PyTermContribution)
            .collect()
    }
    /// The explanation as readable lines.
    fn render(&self) -> String {
        self.0.render()
    }
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0)
    }
    fn __str__(&self) -> String {
        self.0.render()
    }
    fn __repr__(&self) -> String {
        format!("ScoreExplanation(score={:.4})", self.0.score)
    }
}

/// One query term's part of the text component.
#[pyclass(frozen, name = "TermContribution", module = "juno._juno")]
pub struct PyTermContribution(pub(crate) TermContribution);

#[pymethods]
impl PyTermContribution {
    #[getter]
    fn term(&self) -> &str {
        &self.0.term
    }
    #[getter]
    fn bm25(&self) -> f64 {
        self.0.bm25
    }
    #[getter]
    fn contribution(&self) -> f64 {
        self.0.contribution
    }
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0)
    }
    fn __repr__(&self) -> String {
        format!(
            "TermContribution(term={:?}, bm25={:.4}, contribution={:.4})",
            self.0.term, self.0.bm25, self.0.contribution
        )
    }
}
