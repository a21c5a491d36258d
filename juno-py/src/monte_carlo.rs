//! `juno.monte_carlo`: the seeded Monte Carlo simulation of a sprint (the core's
//! [`juno_core::forecast::monte_carlo`], after its `MonteCarloInput::validate`), a free
//! function: it needs no engine.

use juno_core::forecast::{MonteCarloInput, MonteCarloResult, monte_carlo as simulate};
use pyo3::prelude::*;

use crate::convert::{object_from_py, serde_to_py};
use crate::errors::CoreResultExt;

/// Simulates the rest of a sprint: `input` is a dict in the core's `MonteCarloInput` shape.
#[pyfunction]
pub(crate) fn monte_carlo(
    py: Python<'_>,
    input: &Bound<'_, PyAny>,
) -> PyResult<PyMonteCarloResult> {
    let input: MonteCarloInput = object_from_py(input, "input").py(py)?;
    input.validate().py(py)?;
    let result = py.detach(move || simulate(&input));
    Ok(PyMonteCarloResult(result))
}

/// What the Monte Carlo simulation found.
#[pyclass(frozen, name = "MonteCarloResult", module = "juno._juno")]
pub struct PyMonteCarloResult(pub(crate) MonteCarloResult);

#[pymethods]
impl PyMonteCarloResult {
    #[getter]
    fn p10(&self) -> f64 {
        self.0.p10
    }
    #[getter]
    fn p50(&self) -> f64 {
        self.0.p50
    }
    #[getter]
    fn p90(&self) -> f64 {
        self.0.p90
    }
    #[getter]
    fn p_deliver_80(&self) -> f64 {
        self.0.p_deliver_80
    }
    #[getter]
    fn trials(&self) -> u32 {
        self.0.trials
    }
    /// `history` or `plan_pace` (no throughput history: the plan's pace was assumed).
    #[getter]
    fn basis(&self) -> &str {
        &self.0.basis
    }
    /// The result in the core's JSON shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0)
    }
    fn __repr__(&self) -> String {
        format!(
            "MonteCarloResult(p10={}, p50={}, p90={}, p_deliver_80={}, trials={}, basis={:?})",
            self.0.p10, self.0.p50, self.0.p90, self.0.p_deliver_80, self.0.trials, self.0.basis
        )
    }
}
