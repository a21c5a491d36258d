//! `juno.Wording`: a language model's checked paragraph, or the template
//! ([`juno_core::llm`]).

use std::sync::Arc;

use juno_core::llm::WordingInput;
use pyo3::prelude::*;

use crate::convert::serde_to_py;
use crate::errors::CoreResultExt;
use crate::juno::Engine;

/// The wording of one engine: `juno.llm`.
#[pyclass(frozen, name = "Wording", module = "juno._juno")]
pub struct PyWording {
    pub(crate) engine: Arc<Engine>,
}

#[pymethods]
impl PyWording {
    /// Whether a model is configured (else every wording is the template).
    #[getter]
    fn configured(&self, py: Python<'_>) -> PyResult<bool> {
        let juno = self.engine.get().py(py)?;
        Ok(juno.llm().configured())
    }

    /// Words ``explanation`` for a person: ``{"text", "source", "reason", "model",
    /// "prompt_tokens", "completion_tokens", "cost"}``; ``source`` is ``model``, ``cache``
    /// or ``template``. ``quoted`` is untrusted text (ticket titles) passed as data.
    #[pyo3(
        signature = (explanation, *, decision=None, quoted=Vec::new()),
        text_signature = "($self, explanation, *, decision=None, quoted=())"
    )]
    fn word<'py>(
        &self,
        py: Python<'py>,
        explanation: String,
        decision: Option<String>,
        quoted: Vec<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let juno = self.engine.get().py(py)?;
        let input = WordingInput {
            explanation,
            decision,
            quoted,
        };
        let worded = py.detach(move || juno.llm().word(&input)).py(py)?;
        serde_to_py(py, &worded)
    }

    /// Calls, tokens and cost so far, by source: a list of ``{"source", "calls",
    /// "prompt_tokens", "completion_tokens", "cost"}``.
    fn usage<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let juno = self.engine.get().py(py)?;
        let usage = py.detach(move || juno.llm().usage()).py(py)?;
        serde_to_py(py, &usage)
    }

    fn __repr__(&self) -> String {
        String::from("<juno.Wording>")
    }
}
