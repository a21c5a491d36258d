//! `juno._juno.eval_sprint_risk` and `eval_triage`: the evaluations on real Jira files,
//! for `juno eval`.
//!
//! Returns the report as JSON text plus the rendered table, so the Python side can print the
//! table exactly as the core renders it and save the JSON unchanged.

use std::path::PathBuf;

use juno_eval::learning::{self, Arm, LearningOptions, approvers::ApproversFile};
use juno_eval::sprint_risk::{self, Protocol, SprintRiskEvalOptions};
use juno_eval::triage::{self, TriageEvalOptions};
use pyo3::prelude::*;

use crate::errors::CoreResultExt;

/// Runs the sprint-risk evaluation and returns `(report_json, table)`.
///
/// Runs with the GIL released: it reads files and trains forests for up to a minute.
// One parameter per keyword of `juno.eval.sprint_risk`, as Python callers pass them.
#[allow(clippy::too_many_arguments)]
#[pyfunction]
#[pyo3(signature = (iterations, issues=None, protocol="paper-cv", pred_time_pct=30, delivered_ratio=0.8, memberships=None, recalibration="none", plot=None))]
pub(crate) fn eval_sprint_risk(
    py: Python<'_>,
    iterations: PathBuf,
    issues: Option<PathBuf>,
    protocol: &str,
    pred_time_pct: u32,
    delivered_ratio: f64,
    memberships: Option<PathBuf>,
    recalibration: &str,
    plot: Option<PathBuf>,
) -> PyResult<(String, String)> {
    let protocol: Protocol = protocol.parse().py(py)?;
    let options = SprintRiskEvalOptions {
        protocol,
        pred_time_pct,
        delivered_ratio,
        memberships,
        recalibration: recalibration.parse().py(py)?,
        plot,
    };
    let report = py
        .detach(|| sprint_risk::run(&iterations, issues.as_deref(), &options))
        .py(py)?;
    let json = serde_json::to_string_pretty(&report)
        .map_err(|e| juno_core::Error::json("report", &e))
        .py(py)?;
    Ok((json, report.render_table()))
}

/// Runs the triage replay on MSR2015-schema files and returns `(report_json, table)`.
#[pyfunction]
#[pyo3(signature = (issues, events, step_days=14, horizon_days=30, assume_estimated=false))]
pub(crate) fn eval_triage(
    py: Python<'_>,
    issues: PathBuf,
    events: PathBuf,
    step_days: u32,
    horizon_days: u32,
    assume_estimated: bool,
) -> PyResult<(String, String)> {
    let options = TriageEvalOptions {
        step_days,
        horizon_days,
        assume_estimated,
        ..TriageEvalOptions::default()
    };
    let report = py
        .detach(|| triage::run(&issues, &events, &options))
        .py(py)?;
    let json = serde_json::to_string_pretty(&report)
        .map_err(|e| juno_core::Error::json("report", &e))
        .py(py)?;
    Ok((json, report.render_table()))
}

/// Runs the learning experiment and returns `(report_json, table)`.
///
/// `approvers` is the approvers file's path (the shipped default when `None`); the
/// experiment runs with the GIL released (a simulated year takes about half a minute).
#[pyfunction]
#[pyo3(signature = (approvers=None, days=None, teams=None, arms=None, plot=None))]
pub(crate) fn eval_learning(
    py: Python<'_>,
    approvers: Option<PathBuf>,
    days: Option<u32>,
    teams: Option<u32>,
    arms: Option<Vec<String>>,
    plot: Option<PathBuf>,
) -> PyResult<(String, String)> {
    let file = match &approvers {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| {
                    juno_core::Error::invalid("approvers", format!("{}: {e}", path.display()))
                })
                .py(py)?;
            ApproversFile::parse(&text).py(py)?
        }
        None => ApproversFile::default_file().py(py)?,
    };
    let mut options = LearningOptions::new().py(py)?;
    options.approvers = file;
    options.days = days;
    options.teams = teams;
    options.plot = plot;
    if let Some(arms) = arms {
        options.arms = arms
            .iter()
            .map(|a| a.parse::<Arm>())
            .collect::<juno_core::Result<Vec<_>>>()
            .py(py)?;
    }
    let report = py.detach(|| learning::run(&options)).py(py)?;
    let json = serde_json::to_string_pretty(&report)
        .map_err(|e| juno_core::Error::json("report", &e))
        .py(py)?;
    Ok((json, report.render_table()))
}

/// The default approvers file of the learning experiment, with its comments.
#[pyfunction]
pub(crate) fn learning_default_approvers() -> &'static str {
    juno_eval::learning::approvers::DEFAULT_APPROVERS
}
