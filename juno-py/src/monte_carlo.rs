//! `juno.monte_carlo`: the seeded Monte Carlo simulation of a sprint (the core's
//! [`juno_core::forecast::monte_carlo`]), a free function until the forecast component
//! offers it.

use juno_core::Error;
use juno_core::forecast::{MonteCarloInput, MonteCarloResult, monte_carlo as simulate};
use pyo3::prelude::*;

use crate::convert::{object_from_py, serde_to_py};
use crate::errors::CoreResultExt;

/// The most trials one simulation runs.
const MAX_TRIALS: u32 = 1_000_000;
/// The most working days left that one simulation walks.
const MAX_DAYS_REMAINING: u32 = 366;

/// Refuses what the core's simulation would clamp or could not finish: negative or
/// non-finite points, no trials, more than [`MAX_TRIALS`] or [`MAX_DAYS_REMAINING`].
// The same rules as `juno_forecast_monte_carlo` in juno-ffi; both go when the forecast
// component offers a checked entry point.
fn check(input: &MonteCarloInput) -> Result<(), Error> {
    let points = [
        ("committed", Some(input.committed)),
        ("done", Some(input.done)),
        ("scope", input.scope),
    ];
    for (name, v) in points {
        if let Some(v) = v.filter(|v| !v.is_finite() || *v < 0.0) {
            return Err(Error::invalid(
                name,
                format!("must be a finite number of points ≥ 0, got {v}"),
            ));
        }
    }
    if let Some(i) = input
        .daily_throughput
        .iter()
        .position(|x| !x.is_finite() || *x < 0.0)
    {
        return Err(Error::invalid(
            format!("daily_throughput[{i}]"),
            "must be a finite number of points ≥ 0",
        ));
    }
    if let Some(i) = input.daily_scope_change.iter().position(|x| !x.is_finite()) {
        return Err(Error::invalid(
            format!("daily_scope_change[{i}]"),
            "must be finite",
        ));
    }
    if !(1..=MAX_TRIALS).contains(&input.trials) {
        return Err(Error::invalid(
            "trials",
            format!("must be 1 to {MAX_TRIALS}, got {}", input.trials),
        ));
    }
    if input.days_remaining > MAX_DAYS_REMAINING {
        return Err(Error::invalid(
            "days_remaining",
            format!(
                "must be at most {MAX_DAYS_REMAINING} working days, got {}",
                input.days_remaining
            ),
        ));
    }
    Ok(())
}

/// Simulates the rest of a sprint: `input` is a dict in the core's `MonteCarloInput` shape.
#[pyfunction]
pub(crate) fn monte_carlo(
    py: Python<'_>,
    input: &Bound<'_, PyAny>,
) -> PyResult<PyMonteCarloResult> {
    let input: MonteCarloInput = object_from_py(input, "input").py(py)?;
    check(&input).py(py)?;
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
