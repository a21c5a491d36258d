//! Python bindings for JUNO: the native module `juno._juno`.
//!
//! Binds `juno-core` directly. The Python package `juno` (in `python/juno/`) re-exports
//! these classes, defines the `juno.errors` hierarchy the errors here are raised as, and
//! carries the typed stub (`_juno.pyi`) and the command-line tool.
//!
//! Conventions (see the workspace STYLE.md):
//! - classes are named after the core's nouns (`PyJuno` is `juno.Juno`, `PyMemory` is
//!   `juno.Memory`, `PyGovernance` is `juno.Governance`, `PyAudit` is `juno.Audit`,
//!   `PyReasoning` is `juno.Reasoning`, `PyForecast` is `juno.Forecast`, `PyFlow` is
//!   `juno.Flow`, the core's `Memory` record is `juno.MemoryRecord` and its
//!   `reasoning::Factor` is `juno.ConfidenceFactor`);
//! - every call that reaches SQLite copies its arguments into Rust values and runs with
//!   the GIL released (`py.detach`);
//! - core errors become the `juno.errors` class for their `ErrorKind`, never a bare
//!   `ValueError` or `RuntimeError`.

mod agent;
mod llm;
mod notify;
mod audit;
mod bench;
mod convert;
mod errors;
mod eval;
mod flow;
mod forecast;
mod governance;
mod juno;
mod log;
mod memory;
mod monte_carlo;
mod reasoning;
mod triage;
mod velocity;

use std::time::Instant;

use juno_core::memory::RecallQuery;
use pyo3::prelude::*;

pub use crate::agent::{
    PyAgent, PyExecutions, PyExportSource, PyJiraExecutor, PyJiraSource, PySimSource, PySources,
};
pub use crate::audit::{
    PyAudit, PyAuditEntry, PyCheckpoint, PyConsistencyProof, PyConsistencyReport, PyExportSummary,
    PyInclusionProof, PySignedCheckpoint, PyVerifyReport,
};
use crate::errors::CoreResultExt;
pub use crate::flow::{PyFlow, PyFlowReport, PyTeamFlow};
pub use crate::forecast::{
    PyCategoryScore, PyForecast, PyRecommendation, PyRetrainReport, PyRiskModel, PySprintForecast,
    PySprintObservation,
};
pub use crate::governance::{
    PyApprovalRequest, PyComplianceFinding, PyComplianceReport, PyDeadlineReport, PyDelegation,
    PyGovernance, PyGovernanceDashboard, PyReminder, PyRoleAssignment, PyShadowReport, PyVote,
};
pub use crate::juno::{PyIntegrityReport, PyJuno, PyRestoreReport};
pub use crate::memory::{
    PyHistoryEntry, PyMemory, PyMemoryRecord, PyMemorySnapshot, PyMemoryStats, PyOutcomeLearned,
    PyPattern, PyProvenance, PyRecallHit, PyScope, PyScoreExplanation, PyTeamPreference,
    PyTermContribution,
};
pub use crate::monte_carlo::PyMonteCarloResult;
pub use crate::reasoning::{PyCalibration, PyConfidence, PyConfidenceFactor, PyReasoning};
pub use crate::triage::{PyTriage, PyTriageProposal};
pub use crate::velocity::{PyVelocity, PyVelocityReport};

/// Times `n` recalls of `team` (limit 1, no touch) entirely in Rust and returns the total
/// nanoseconds: the baseline that `benches/python_overhead.py` subtracts from a Python call.
///
/// The GIL stays held, as it is for the Python call being compared, minus the release.
#[pyfunction]
#[pyo3(signature = (juno, team, n))]
fn _bench_recall_ns(py: Python<'_>, juno: &PyJuno, team: &str, n: u64) -> PyResult<u64> {
    let engine = juno.engine.get().py(py)?;
    let memory = engine.memory();
    let mut query = RecallQuery::default().team(team).limit(1);
    query.touch = false;
    let start = Instant::now();
    for _ in 0..n {
        let hits = memory.recall(&query).py(py)?;
        std::hint::black_box(hits);
    }
    Ok(u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX))
}

/// The native module `juno._juno`.
#[pymodule]
fn _juno(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", juno_core::VERSION)?;
    m.add_class::<PyJuno>()?;
    m.add_class::<PyIntegrityReport>()?;
    m.add_class::<PyRestoreReport>()?;
    m.add_class::<PyMemory>()?;
    m.add_class::<PyMemoryRecord>()?;
    m.add_class::<PyScope>()?;
    m.add_class::<PyProvenance>()?;
    m.add_class::<PyMemorySnapshot>()?;
    m.add_class::<PyHistoryEntry>()?;
    m.add_class::<PyMemoryStats>()?;
    m.add_class::<PyRecallHit>()?;
    m.add_class::<PyScoreExplanation>()?;
    m.add_class::<PyTermContribution>()?;
    m.add_class::<PyTeamPreference>()?;
    m.add_class::<PyPattern>()?;
    m.add_class::<PyOutcomeLearned>()?;
    m.add_class::<PyGovernance>()?;
    m.add_class::<PyApprovalRequest>()?;
    m.add_class::<PyRoleAssignment>()?;
    m.add_class::<PyVote>()?;
    m.add_class::<PyDelegation>()?;
    m.add_class::<PyReminder>()?;
    m.add_class::<PyShadowReport>()?;
    m.add_class::<PyDeadlineReport>()?;
    m.add_class::<PyGovernanceDashboard>()?;
    m.add_class::<PyComplianceReport>()?;
    m.add_class::<PyComplianceFinding>()?;
    m.add_class::<PyAudit>()?;
    m.add_class::<PyAuditEntry>()?;
    m.add_class::<PyCheckpoint>()?;
    m.add_class::<PyVerifyReport>()?;
    m.add_class::<PyInclusionProof>()?;
    m.add_class::<PySignedCheckpoint>()?;
    m.add_class::<PyConsistencyProof>()?;
    m.add_class::<PyConsistencyReport>()?;
    m.add_class::<PyExportSummary>()?;
    m.add_class::<PyReasoning>()?;
    m.add_class::<PyConfidence>()?;
    m.add_class::<PyConfidenceFactor>()?;
    m.add_class::<PyCalibration>()?;
    m.add_class::<PyVelocity>()?;
    m.add_class::<PyVelocityReport>()?;
    m.add_class::<PyTriage>()?;
    m.add_class::<PyTriageProposal>()?;
    m.add_class::<PyMonteCarloResult>()?;
    m.add_class::<PyForecast>()?;
    m.add_class::<PySprintForecast>()?;
    m.add_class::<PyCategoryScore>()?;
    m.add_class::<PyRecommendation>()?;
    m.add_class::<PySprintObservation>()?;
    m.add_class::<PyRetrainReport>()?;
    m.add_class::<PyRiskModel>()?;
    m.add_class::<PySources>()?;
    m.add_class::<PySimSource>()?;
    m.add_class::<PyJiraSource>()?;
    m.add_class::<PyExportSource>()?;
    m.add_class::<PyJiraExecutor>()?;
    m.add_class::<PyAgent>()?;
    m.add_class::<PyExecutions>()?;
    m.add_class::<notify::PyNotifications>()?;
    m.add_class::<llm::PyWording>()?;
    m.add_class::<PyFlow>()?;
    m.add_class::<PyFlowReport>()?;
    m.add_class::<PyTeamFlow>()?;
    m.add_function(wrap_pyfunction!(monte_carlo::monte_carlo, m)?)?;
    m.add_function(wrap_pyfunction!(_bench_recall_ns, m)?)?;
    m.add_function(wrap_pyfunction!(log::_log_install, m)?)?;
    m.add_function(wrap_pyfunction!(log::_log_refresh, m)?)?;
    m.add_function(wrap_pyfunction!(log::_log_flush, m)?)?;
    m.add_function(wrap_pyfunction!(log::_log_close, m)?)?;
    m.add_function(wrap_pyfunction!(bench::_bench_core_ns, m)?)?;
    m.add_function(wrap_pyfunction!(bench::_bench_convert_tickets_ns, m)?)?;
    m.add_function(wrap_pyfunction!(bench::_bench_parse_tickets_ns, m)?)?;
    m.add_function(wrap_pyfunction!(eval::eval_sprint_risk, m)?)?;
    m.add_function(wrap_pyfunction!(eval::eval_triage, m)?)?;
    m.add_function(wrap_pyfunction!(eval::eval_learning, m)?)?;
    m.add_function(wrap_pyfunction!(eval::learning_default_approvers, m)?)?;
    Ok(())
}
