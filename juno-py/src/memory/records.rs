//! Read-only records: a stored memory, its scope, provenance, history and the stats.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use juno_core::memory::{HistoryEntry, MemorySnapshot, MemoryStats, Provenance, Scope};
use pyo3::prelude::*;

use crate::convert::{serde_to_py, to_py};

/// A stored memory (the core's `juno_core::Memory`).
#[pyclass(frozen, name = "Memory", module = "juno._juno")]
pub struct PyMemoryRecord(pub(crate) juno_core::Memory);

#[pymethods]
impl PyMemoryRecord {
    #[getter]
    fn id(&self) -> i64 {
        self.0.id
    }
    #[getter]
    fn kind(&self) -> &'static str {
        self.0.kind.as_str()
    }
    #[getter]
    fn scope(&self) -> PyScope {
        PyScope(self.0.scope.clone())
    }
    /// Shorthand for `scope.team`.
    #[getter]
    fn team(&self) -> &str {
        &self.0.scope.team
    }
    #[getter]
    fn key(&self) -> Option<&str> {
        self.0.key.as_deref()
    }
    #[getter]
    fn content<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.0.content)
    }
    #[getter]
    fn text(&self) -> &str {
        &self.0.text
    }
    #[getter]
    fn tags(&self) -> Vec<String> {
        self.0.tags.clone()
    }
    #[getter]
    fn importance(&self) -> f64 {
        self.0.importance
    }
    #[getter]
    fn confidence(&self) -> f64 {
        self.0.confidence
    }
    #[getter]
    fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    #[getter]
    fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    #[getter]
    fn last_accessed_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_accessed_at
    }
    #[getter]
    fn access_count(&self) -> u64 {
        self.0.access_count
    }
    #[getter]
    fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.expires_at
    }
    #[getter]
    fn session(&self) -> Option<&str> {
        self.0.session.as_deref()
    }
    #[getter]
    fn provenance(&self) -> PyProvenance {
        PyProvenance(self.0.provenance.clone())
    }
    #[getter]
    fn version(&self) -> u32 {
        self.0.version
    }
    /// The memory in the core's JSON shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0)
    }
    fn __repr__(&self) -> String {
        format!(
            "MemoryRecord(id={}, kind={:?}, team={:?}, key={}, text={:?}, version={})",
            self.0.id,
            self.0.kind.as_str(),
            self.0.scope.team,
            self.0
                .key
                .as_ref()
                .map_or_else(|| String::from("None"), |k| format!("{k:?}")),
            self.0.text,
            self.0.version
        )
    }
}

/// Who a memory is about: a team, optionally one user and/or project in it.
#[pyclass(frozen, name = "Scope", module = "juno._juno")]
pub struct PyScope(pub(crate) Scope);

#[pymethods]
impl PyScope {
    #[getter]
    fn team(&self) -> &str {
        &self.0.team
    }
    #[getter]
    fn user(&self) -> Option<&str> {
        self.0.user.as_deref()
    }
    #[getter]
    fn project(&self) -> Option<&str> {
        self.0.project.as_deref()
    }
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0)
    }
    fn __repr__(&self) -> String {
        format!(
            "Scope(team={:?}, user={:?}, project={:?})",
            self.0.team, self.0.user, self.0.project
        )
    }
}

/// Where a memory came from.
#[pyclass(frozen, name = "Provenance", module = "juno._juno")]
pub struct PyProvenance(pub(crate) Provenance);

#[pymethods]
impl PyProvenance {
    #[getter]
    fn source(&self) -> &str {
        &self.0.source
    }
    #[getter]
    fn derived_from(&self) -> Vec<i64> {
        self.0.derived_from.clone()
    }
    #[getter]
    fn reference(&self) -> Option<&str> {
        self.0.reference.as_deref()
    }
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0)
    }
    fn __repr__(&self) -> String {
        format!(
            "Provenance(source={:?}, derived_from={:?}, reference={:?})",
            self.0.source, self.0.derived_from, self.0.reference
        )
    }
}

/// The changeable part of a memory at one point of its history.
#[pyclass(frozen, name = "MemorySnapshot", module = "juno._juno")]
pub struct PyMemorySnapshot(pub(crate) MemorySnapshot);

#[pymethods]
impl PyMemorySnapshot {
    #[getter]
    fn text(&self) -> &str {
        &self.0.text
    }
    #[getter]
    fn content<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.0.content)
    }
    #[getter]
    fn tags(&self) -> Vec<String> {
        self.0.tags.clone()
    }
    #[getter]
    fn importance(&self) -> f64 {
        self.0.importance
    }
    #[getter]
    fn confidence(&self) -> f64 {
        self.0.confidence
    }
    #[getter]
    fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.expires_at
    }
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0)
    }
    fn __repr__(&self) -> String {
        format!("MemorySnapshot(text={:?})", self.0.text)
    }
}

/// One entry of a memory's change history.
#[pyclass(frozen, name = "HistoryEntry", module = "juno._juno")]
pub struct PyHistoryEntry(pub(crate) HistoryEntry);

#[pymethods]
impl PyHistoryEntry {
    #[getter]
    fn memory_id(&self) -> i64 {
        self.0.memory_id
    }
    #[getter]
    fn version(&self) -> u32 {
        self.0.version
    }
    /// `created`, `updated` or `deleted`.
    #[getter]
    fn event(&self) -> &'static str {
        match self.0.event {
            juno_core::memory::HistoryEvent::Created => "created",
            juno_core::memory::HistoryEvent::Updated => "updated",
            juno_core::memory::HistoryEvent::Deleted => "deleted",
        }
    }
    #[getter]
    fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    #[getter]
    fn before(&self) -> Option<PyMemorySnapshot> {
        self.0.before.clone().map(PyMemorySnapshot)
    }
    #[getter]
    fn after(&self) -> Option<PyMemorySnapshot> {
        self.0.after.clone().map(PyMemorySnapshot)
    }
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0)
    }
    fn __repr__(&self) -> String {
        format!(
            "HistoryEntry(memory_id={}, version={}, event={:?}, at={:?})",
            self.0.memory_id,
            self.0.version,
            self.event(),
            self.0.at.to_rfc3339()
        )
    }
}

/// Counts and sizes of the memory layer.
#[pyclass(frozen, name = "MemoryStats", module = "juno._juno")]
pub struct PyMemoryStats(pub(crate) MemoryStats);

#[pymethods]
impl PyMemoryStats {
    #[getter]
    fn total(&self) -> u64 {
        self.0.total
    }
    #[getter]
    fn by_kind(&self) -> BTreeMap<String, u64> {
        self.0.by_kind.clone()
    }
    #[getter]
    fn by_team(&self) -> BTreeMap<String, BTreeMap<String, u64>> {
        self.0.by_team.clone()
    }
    #[getter]
    fn expired(&self) -> u64 {
        self.0.expired
    }
    #[getter]
    fn database_bytes(&self) -> u64 {
        self.0.database_bytes
    }
    #[getter]
    fn oldest(&self) -> Option<DateTime<Utc>> {
        self.0.oldest
    }
    #[getter]
    fn newest(&self) -> Option<DateTime<Utc>> {
        self.0.newest
    }
    /// The stats in the core's JSON shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0)
    }
    fn __repr__(&self) -> String {
        format!(
            "MemoryStats(total={}, by_kind={:?}, expired={}, database_bytes={})",
            self.0.total, self.0.by_kind, self.0.expired, self.0.database_bytes
        )
    }
}
