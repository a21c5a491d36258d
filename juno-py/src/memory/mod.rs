//! `juno.Memory`: the memory layer (the core's [`juno_core::memory`]), and its records.

mod learning;
mod recall;
mod records;

use std::str::FromStr;
use std::sync::Arc;

use juno_core::Error;
use juno_core::memory::{
    MemoryKind, MemoryUpdate, NewMemory, Outcome, OutcomeRecord, RecallQuery, recall::MAX_LIMIT,
};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert::{Id, list_from_py, opt_datetime, serde_to_py, to_json};
use crate::errors::CoreResultExt;
use crate::juno::Engine;

pub use learning::{PyOutcomeLearned, PyPattern, PyTeamPreference};
pub use recall::{PyRecallHit, PyScoreExplanation, PyTermContribution};
pub use records::{
    PyHistoryEntry, PyMemoryRecord, PyMemorySnapshot, PyMemoryStats, PyProvenance, PyScope,
};

/// The memory layer of one engine: `juno.memory`.
#[pyclass(frozen, name = "Memories", module = "juno._juno")]
pub struct PyMemory {
    pub(crate) engine: Arc<Engine>,
}

fn parse_kind(s: &str) -> Result<MemoryKind, Error> {
    MemoryKind::from_str(s)
}

/// `items[i]` as a `NewMemory`, with the index in the error.
fn new_memory_from(obj: &Bound<'_, PyAny>, field: &str) -> Result<NewMemory, Error> {
    if !obj.is_instance_of::<PyDict>() {
        return Err(Error::invalid(
            field,
            "expected a dict in the memory JSON shape",
        ));
    }
    crate::convert::from_py(obj, field)
}

/// A recall limit from Python's int (negative numbers named as such, not as overflow).
fn limit_of(limit: i64) -> Result<usize, Error> {
    usize::try_from(limit)
        .ok()
        .filter(|l| (1..=MAX_LIMIT).contains(l))
        .ok_or_else(|| Error::invalid("limit", format!("must be 1 to {MAX_LIMIT}, got {limit}")))
}

#[pymethods]
impl PyMemory {
    /// Stores one memory (or updates the one with the same team and key).
    #[pyo3(
        signature = (
            kind, team, text, *, user=None, project=None, key=None, content=None,
            tags=Vec::new(), importance=0.5, confidence=1.0, ttl_seconds=None, session=None
        ),
        text_signature = "($self, kind, team, text, *, user=None, project=None, key=None, \
            content=None, tags=(), importance=0.5, confidence=1.0, ttl_seconds=None, \
            session=None)"
    )]
    #[allow(clippy::too_many_arguments)]
    fn store(
        &self,
        py: Python<'_>,
        kind: &str,
        team: String,
        text: String,
        user: Option<String>,
        project: Option<String>,
        key: Option<String>,
        content: Option<&Bound<'_, PyAny>>,
        tags: Vec<String>,
        importance: f64,
        confidence: f64,
        ttl_seconds: Option<i64>,
        session: Option<String>,
    ) -> PyResult<PyMemoryRecord> {
        let kind = parse_kind(kind).py(py)?;
        let mut m = NewMemory::new(kind, team, text)
            .with_tags(tags)
            .with_importance(importance)
            .with_confidence(confidence);
        m.scope.user = user;
        m.scope.project = project;
        m.key = key;
        m.ttl_seconds = ttl_seconds;
        m.session = session;
        if let Some(c) = content {
            m.content = to_json(c, "content").py(py)?;
        }
        let juno = self.engine.get().py(py)?;
        let stored = py.detach(move || juno.memory().store(m)).py(py)?;
        Ok(PyMemoryRecord(stored))
    }

    /// Stores many memories (dicts in the core's JSON shape) in one transaction: all or
    /// nothing. Returns the ids in input order.
    fn store_many(&self, py: Python<'_>, items: &Bound<'_, PyAny>) -> PyResult<Vec<i64>> {
        let mut batch = Vec::new();
        let iter = items.try_iter()?;
        for (i, item) in iter.enumerate() {
            batch.push(new_memory_from(&item?, &format!("items[{i}]")).py(py)?);
        }
        let juno = self.engine.get().py(py)?;
        py.detach(move || juno.memory().store_many(batch)).py(py)
    }

    /// Stores one memory given as JSON text (the core's shape).
    fn store_json(&self, py: Python<'_>, json: &str) -> PyResult<PyMemoryRecord> {
        let m = NewMemory::from_json(json).py(py)?;
        let juno = self.engine.get().py(py)?;
        let stored = py.detach(move || juno.memory().store(m)).py(py)?;
        Ok(PyMemoryRecord(stored))
    }

    /// Stores a JSON array of memories in one transaction; returns their ids.
    fn store_many_json(&self, py: Python<'_>, json: &str) -> PyResult<Vec<i64>> {
        let batch = NewMemory::many_from_json(json).py(py)?;
        let juno = self.engine.get().py(py)?;
        py.detach(move || juno.memory().store_many(batch)).py(py)
    }

    /// One memory by id.
    fn get(&self, py: Python<'_>, id: Id) -> PyResult<PyMemoryRecord> {
        let juno = self.engine.get().py(py)?;
        let m = py.detach(move || juno.memory().get(id.0)).py(py)?;
        Ok(PyMemoryRecord(m))
    }

    /// Changes some fields; the version rises and the change enters the history.
    #[pyo3(signature = (
        id, *, text=None, content=None, tags=None, importance=None, confidence=None,
        ttl_seconds=None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn update(
        &self,
        py: Python<'_>,
        id: Id,
        text: Option<String>,
        content: Option<&Bound<'_, PyAny>>,
        tags: Option<Vec<String>>,
        importance: Option<f64>,
        confidence: Option<f64>,
        ttl_seconds: Option<i64>,
    ) -> PyResult<PyMemoryRecord> {
        let content = match content {
            Some(c) if !c.is_none() => Some(to_json(c, "content").py(py)?),
            _ => None,
        };
        let update = MemoryUpdate {
            text,
            content,
            tags,
            importance,
            confidence,
            ttl_seconds,
        };
        let juno = self.engine.get().py(py)?;
        let m = py
            .detach(move || juno.memory().update(id.0, update))
            .py(py)?;
        Ok(PyMemoryRecord(m))
    }

    /// Deletes a memory; its history stays.
    fn delete(&self, py: Python<'_>, id: Id) -> PyResult<()> {
        let juno = self.engine.get().py(py)?;
        py.detach(move || juno.memory().delete(id.0)).py(py)
    }

    /// A memory's change history, oldest first.
    fn history(&self, py: Python<'_>, id: Id) -> PyResult<Vec<PyHistoryEntry>> {
        let juno = self.engine.get().py(py)?;
        let h = py.detach(move || juno.memory().history(id.0)).py(py)?;
        Ok(h.into_iter().map(PyHistoryEntry).collect())
    }

    /// The best-matching memories, best first, each with its score explained.
    #[pyo3(
        signature = (
            text=None, *, team=None, user=None, project=None, kinds=Vec::new(),
            tags=Vec::new(), since=None, until=None, min_confidence=None, session=None,
            limit=10, touch=true
        ),
        text_signature = "($self, text=None, *, team=None, user=None, project=None, kinds=(), \
            tags=(), since=None, until=None, min_confidence=None, session=None, limit=10, \
            touch=True)"
    )]
    #[allow(clippy::too_many_arguments)]
    fn recall(
        &self,
        py: Python<'_>,
        text: Option<String>,
        team: Option<String>,
        user: Option<String>,
        project: Option<String>,
        kinds: Vec<String>,
        tags: Vec<String>,
        since: Option<&Bound<'_, PyAny>>,
        until: Option<&Bound<'_, PyAny>>,
        min_confidence: Option<f64>,
        session: Option<String>,
        limit: i64,
        touch: bool,
    ) -> PyResult<Vec<PyRecallHit>> {
        let kinds = kinds
            .iter()
            .map(|k| parse_kind(k))
            .collect::<Result<Vec<_>, _>>()
            .py(py)?;
        let query = RecallQuery {
            text,
            team,
            user,
            project,
            kinds,
            tags,
            since: opt_datetime(since, "since").py(py)?,
            until: opt_datetime(until, "until").py(py)?,
            min_confidence,
            session,
            limit: limit_of(limit).py(py)?,
            touch,
        };
        let juno = self.engine.get().py(py)?;
        let hits = py.detach(move || juno.memory().recall(&query)).py(py)?;
        Ok(hits.into_iter().map(PyRecallHit).collect())
    }

    /// Runs many recalls (dicts in the core's `RecallQuery` shape, as `recall`'s keyword
    /// arguments) in one call; their accesses are recorded in one write. One list of hits
    /// per query, in input order.
    fn recall_many(
        &self,
        py: Python<'_>,
        queries: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<Vec<PyRecallHit>>> {
        let queries: Vec<RecallQuery> = list_from_py(queries, "queries", true).py(py)?;
        let juno = self.engine.get().py(py)?;
        let hits = py
            .detach(move || juno.memory().recall_many(&queries))
            .py(py)?;
        Ok(hits
            .into_iter()
            .map(|h| h.into_iter().map(PyRecallHit).collect())
            .collect())
    }

    /// Writes the accesses recall has tallied but not yet written.
    fn flush_accesses(&self, py: Python<'_>) -> PyResult<()> {
        let juno = self.engine.get().py(py)?;
        py.detach(move || juno.memory().flush_accesses()).py(py)
    }

    /// Deletes expired memories and those untouched for the retention period; returns how
    /// many.
    fn cleanup(&self, py: Python<'_>) -> PyResult<u64> {
        let juno = self.engine.get().py(py)?;
        py.detach(move || juno.memory().cleanup()).py(py)
    }

    /// Runs `cleanup` when this engine has not in the last `MEMORY_CLEANUP_INTERVAL` hours;
    /// returns how many memories it deleted, or `None` when no cleanup was due.
    fn cleanup_if_due(&self, py: Python<'_>) -> PyResult<Option<u64>> {
        let juno = self.engine.get().py(py)?;
        py.detach(move || juno.memory().cleanup_if_due()).py(py)
    }

    /// Ends a working session (its working memories are deleted); returns how many.
    fn end_session(&self, py: Python<'_>, session: String) -> PyResult<u64> {
        let juno = self.engine.get().py(py)?;
        py.detach(move || juno.memory().end_session(&session))
            .py(py)
    }

    /// Counts by kind and team, database size, oldest and newest.
    fn stats(&self, py: Python<'_>) -> PyResult<PyMemoryStats> {
        let juno = self.engine.get().py(py)?;
        let s = py.detach(move || juno.memory().stats()).py(py)?;
        Ok(PyMemoryStats(s))
    }

    /// Records what became of a proposed action and learns the team's preference.
    #[pyo3(signature = (team, action, outcome, *, subject=None, note=None, context=None))]
    // One parameter per keyword of the Python method, as callers pass them.
    #[allow(clippy::too_many_arguments)]
    fn record_outcome(
        &self,
        py: Python<'_>,
        team: String,
        action: String,
        outcome: &str,
        subject: Option<String>,
        note: Option<String>,
        context: Option<Vec<String>>,
    ) -> PyResult<PyOutcomeLearned> {
        let outcome = Outcome::from_str(outcome).py(py)?;
        let record = OutcomeRecord {
            team,
            action,
            outcome,
            subject,
            note,
            context: context.unwrap_or_default(),
        };
        let juno = self.engine.get().py(py)?;
        let learned = py
            .detach(move || juno.memory().record_outcome(&record))
            .py(py)?;
        Ok(PyOutcomeLearned(learned))
    }

    /// The team's learned preference about `action`, or `None`.
    fn preference(
        &self,
        py: Python<'_>,
        team: String,
        action: String,
    ) -> PyResult<Option<PyTeamPreference>> {
        let juno = self.engine.get().py(py)?;
        let p = py
            .detach(move || juno.memory().preference(&team, &action))
            .py(py)?;
        Ok(p.map(PyTeamPreference))
    }

    /// The team's newest recorded outcomes, newest first (dicts: `memory_id`, `action`,
    /// `outcome`, `context`, `at`).
    #[pyo3(signature = (team, limit=100))]
    fn recent_outcomes<'py>(
        &self,
        py: Python<'py>,
        team: String,
        limit: usize,
    ) -> PyResult<Bound<'py, PyAny>> {
        let juno = self.engine.get().py(py)?;
        let recent = py
            .detach(move || juno.memory().recent_outcomes(&team, limit))
            .py(py)?;
        serde_to_py(py, &recent)
    }

    /// Recognises patterns in a team's episodes (every team's when `team` is None).
    #[pyo3(signature = (team=None))]
    fn recognize_patterns(&self, py: Python<'_>, team: Option<String>) -> PyResult<Vec<PyPattern>> {
        let juno = self.engine.get().py(py)?;
        let ps = py
            .detach(move || juno.memory().recognize_patterns(team.as_deref()))
            .py(py)?;
        Ok(ps.into_iter().map(PyPattern).collect())
    }

    fn __repr__(&self) -> String {
        String::from("<juno.Memory>")
    }
}
