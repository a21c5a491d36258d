//! Learned knowledge: team preferences, patterns, and what one outcome taught.

use juno_core::memory::{OutcomeLearned, Pattern, Stance, TeamPreference};
use pyo3::prelude::*;

use crate::convert::serde_to_py;

fn stance_str(s: Stance) -> &'static str {
    match s {
        Stance::Favours => "favours",
        Stance::Avoids => "avoids",
        Stance::Undecided => "undecided",
    }
}

/// A team's learned preference about one kind of action.
#[pyclass(frozen, name = "TeamPreference", module = "juno._juno")]
pub struct PyTeamPreference(pub(crate) TeamPreference);

#[pymethods]
impl PyTeamPreference {
    #[getter]
    fn memory_id(&self) -> i64 {
        self.0.memory_id
    }
    #[getter]
    fn team(&self) -> &str {
        &self.0.team
    }
    #[getter]
    fn action(&self) -> &str {
        &self.0.action
    }
    #[getter]
    fn approved(&self) -> u64 {
        self.0.approved
    }
    #[getter]
    fn rejected(&self) -> u64 {
        self.0.rejected
    }
    #[getter]
    fn reverted(&self) -> u64 {
        self.0.reverted
    }
    #[getter]
    fn total(&self) -> u64 {
        self.0.total
    }
    #[getter]
    fn acceptance_rate(&self) -> f64 {
        self.0.acceptance_rate
    }
    /// `favours`, `avoids` or `undecided`.
    #[getter]
    fn stance(&self) -> &'static str {
        stance_str(self.0.stance)
    }
    #[getter]
    fn confidence(&self) -> f64 {
        self.0.confidence
    }
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0)
    }
    fn __repr__(&self) -> String {
        format!(
            "TeamPreference(team={:?}, action={:?}, stance={:?}, approved={}, total={}, confidence={:.4})",
            self.0.team,
            self.0.action,
            stance_str(self.0.stance),
            self.0.approved,
            self.0.total,
            self.0.confidence
        )
    }
}

/// A recognised workflow pattern.
#[pyclass(frozen, name = "Pattern", module = "juno._juno")]
pub struct PyPattern(pub(crate) Pattern);

#[pymethods]
impl PyPattern {
    #[getter]
    fn memory_id(&self) -> i64 {
        self.0.memory_id
    }
    #[getter]
    fn team(&self) -> &str {
        &self.0.team
    }
    #[getter]
    fn event(&self) -> &str {
        &self.0.event
    }
    #[getter]
    fn result(&self) -> &str {
        &self.0.result
    }
    #[getter]
    fn support(&self) -> f64 {
        self.0.support
    }
    #[getter]
    fn supporting(&self) -> u64 {
        self.0.supporting
    }
    #[getter]
    fn total(&self) -> u64 {
        self.0.total
    }
    #[getter]
    fn episode_ids(&self) -> Vec<i64> {
        self.0.episode_ids.clone()
    }
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0)
    }
    fn __repr__(&self) -> String {
        format!(
            "Pattern(team={:?}, event={:?}, result={:?}, support={:.4}, supporting={}, total={})",
            self.0.team,
            self.0.event,
            self.0.result,
            self.0.support,
            self.0.supporting,
            self.0.total
        )
    }
}

/// What `Memory.record_outcome` learned.
#[pyclass(frozen, name = "OutcomeLearned", module = "juno._juno")]
pub struct PyOutcomeLearned(pub(crate) OutcomeLearned);

#[pymethods]
impl PyOutcomeLearned {
    /// The episodic memory that records the outcome.
    #[getter]
    fn episode_id(&self) -> i64 {
        self.0.episode_id
    }
    /// The updated preference (None when preference learning is off).
    #[getter]
    fn preference(&self) -> Option<PyTeamPreference> {
        self.0.preference.clone().map(PyTeamPreference)
    }
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0)
    }
    fn __repr__(&self) -> String {
        format!("OutcomeLearned(episode_id={})", self.0.episode_id)
    }
}
