//! `juno.Juno`: an open engine (the core's [`juno_core::Juno`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use chrono::{DateTime, Utc};
use juno_core::config::DatabaseUrl;
use juno_core::store::{IntegrityReport, RestoreReport};
use juno_core::{Config, Error, ManualClock};
use pyo3::prelude::*;
use pyo3::types::PyMapping;

use crate::audit::PyAudit;
use crate::convert::to_json;
use crate::convert::{datetime_from_py, opt_datetime, serde_to_py};
use crate::errors::CoreResultExt;
use crate::flow::PyFlow;
use crate::forecast::PyForecast;
use crate::governance::PyGovernance;
use crate::memory::PyMemory;
use crate::reasoning::PyReasoning;
use crate::triage::PyTriage;
use crate::velocity::PyVelocity;

/// The state shared by a `Juno` and the `Memory` components it hands out.
///
/// `close()` takes the engine out; calls already running (with the GIL released) keep
/// their own `Arc` and finish, and the SQLite connection closes when the last one ends.
#[derive(Debug)]
pub(crate) struct Engine {
    juno: RwLock<Option<Arc<juno_core::Juno>>>,
    clock: Mutex<Option<Arc<ManualClock>>>,
    label: String,
}

impl Engine {
    /// The open engine, or `InvalidState` once closed.
    pub(crate) fn get(&self) -> Result<Arc<juno_core::Juno>, Error> {
        self.juno
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or_else(|| Error::InvalidState {
                reason: String::from("the engine is closed"),
            })
    }

    fn close(&self) {
        let taken = self.juno.write().unwrap_or_else(|p| p.into_inner()).take();
        drop(taken);
    }

    fn is_closed(&self) -> bool {
        self.juno
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .is_none()
    }
}

/// Where `path` points: `:memory:`, an `sqlite:` URL, or a file path.
fn database_url(path: &Path) -> Result<DatabaseUrl, Error> {
    match path.to_str() {
        Some(":memory:") => Ok(DatabaseUrl::Memory),
        Some(s) if s.starts_with("sqlite:") => DatabaseUrl::parse(s),
        _ => Ok(DatabaseUrl::Sqlite(path.to_path_buf())),
    }
}

/// `settings`: a mapping of environment-variable names to string values, read by the
/// core's rule (the C ABI's too): a value that is not a string is a bad setting.
fn settings_from(obj: &Bound<'_, PyAny>) -> Result<BTreeMap<String, String>, Error> {
    if obj.cast::<PyMapping>().is_err() {
        return Err(Error::invalid(
            "settings",
            "expected a dict of setting names to strings, e.g. {\"AUTONOMOUS_ACTIONS\": \"true\"}",
        ));
    }
    Config::settings_from_json(to_json(obj, "settings")?)
}

fn open_engine(
    py: Python<'_>,
    mut config: Config,
    path: Option<PathBuf>,
    now: Option<&Bound<'_, PyAny>>,
    create: bool,
) -> PyResult<Engine> {
    // The host has usually configured `logging` by now: read its levels before the
    // engine raises its first event (the database opening).
    crate::log::refresh(py);
    if let Some(p) = path {
        config.database_url = database_url(&p).py(py)?;
    }
    let now = opt_datetime(now, "now").py(py)?;
    let label = match &config.database_url {
        DatabaseUrl::Memory => String::from(":memory:"),
        DatabaseUrl::Sqlite(p) => p.display().to_string(),
    };
    if let DatabaseUrl::Sqlite(p) = &config.database_url {
        if !create && !p.exists() {
            return Err(Error::NotFound {
                entity: "database",
                id: p.display().to_string(),
            })
            .py(py);
        }
    }
    let clock = now.map(|t| Arc::new(ManualClock::new(t)));
    let juno = py.detach(move || juno_core::Juno::open(config)).py(py)?;
    if let Some(c) = &clock {
        juno.set_clock(c.clone());
    }
    Ok(Engine {
        juno: RwLock::new(Some(Arc::new(juno))),
        clock: Mutex::new(clock),
        label,
    })
}

/// An open JUNO engine: one SQLite store, one configuration, one clock.
#[pyclass(frozen, name = "Juno", module = "juno._juno")]
pub struct PyJuno {
    pub(crate) engine: Arc<Engine>,
}

#[pymethods]
impl PyJuno {
    #[new]
    #[pyo3(
        signature = (path, *, now=None, create=true, settings=None),
        text_signature = "(path, *, now=None, create=True, settings=None)"
    )]
    fn new(
        py: Python<'_>,
        path: PathBuf,
        now: Option<&Bound<'_, PyAny>>,
        create: bool,
        settings: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        // `settings` never reads the process environment: exactly what the caller passes,
        // over the defaults. `path` wins over a `DATABASE_URL` among them.
        let config = match settings {
            Some(s) if !s.is_none() => {
                let map = settings_from(s).py(py)?;
                Config::from_settings(&map).py(py)?
            }
            _ => Config::default(),
        };
        let engine = open_engine(py, config, Some(path), now, create)?;
        Ok(PyJuno {
            engine: Arc::new(engine),
        })
    }

    /// Opens the engine configured by the environment (`DATABASE_URL`, `.env`,
    /// `JUNO_CONFIG_FILE`, …); `path` overrides `DATABASE_URL`.
    #[staticmethod]
    #[pyo3(signature = (*, path=None, now=None, create=true))]
    fn from_env(
        py: Python<'_>,
        path: Option<PathBuf>,
        now: Option<&Bound<'_, PyAny>>,
        create: bool,
    ) -> PyResult<Self> {
        let config = Config::from_env().py(py)?;
        let engine = open_engine(py, config, path, now, create)?;
        Ok(PyJuno {
            engine: Arc::new(engine),
        })
    }

    /// Deprecated: the old name of [`set_clock`](Self::set_clock), kept for one release.
    fn set_time(&self, py: Python<'_>, now: &Bound<'_, PyAny>) -> PyResult<()> {
        let category = py.get_type::<pyo3::exceptions::PyDeprecationWarning>();
        PyErr::warn(
            py,
            category.as_any(),
            c"Juno.set_time is deprecated: use Juno.set_clock (the name in Rust and C)",
            1,
        )?;
        self.set_clock(py, now)
    }

    /// Fixes the engine's clock at `now` (an aware datetime).
    fn set_clock(&self, py: Python<'_>, now: &Bound<'_, PyAny>) -> PyResult<()> {
        let now = datetime_from_py(now, "now").py(py)?;
        let juno = self.engine.get().py(py)?;
        let mut clock = self.engine.clock.lock().unwrap_or_else(|p| p.into_inner());
        match clock.as_ref() {
            Some(c) => c.set(now),
            None => {
                let c = Arc::new(ManualClock::new(now));
                juno.set_clock(c.clone());
                *clock = Some(c);
            }
        }
        Ok(())
    }

    /// The engine's current time.
    fn now(&self, py: Python<'_>) -> PyResult<DateTime<Utc>> {
        Ok(self.engine.get().py(py)?.now())
    }

    /// The observe stage: sync a source into the store, read what is stored.
    #[getter]
    fn source(&self) -> crate::agent::PySources {
        crate::agent::PySources {
            engine: self.engine.clone(),
        }
    }

    /// The agent cycle: observe → analyze → decide → govern → act → learn.
    #[getter]
    fn agent(&self) -> crate::agent::PyAgent {
        crate::agent::PyAgent {
            engine: self.engine.clone(),
        }
    }

    /// The act stage: execution records and reverts.
    #[getter]
    fn executor(&self) -> crate::agent::PyExecutions {
        crate::agent::PyExecutions {
            engine: self.engine.clone(),
        }
    }

    /// Wording: a language model's checked paragraph for an explanation, or the template.
    #[getter]
    fn llm(&self) -> crate::llm::PyWording {
        crate::llm::PyWording {
            engine: self.engine.clone(),
        }
    }

    /// Notifications: Slack and Teams messages from the audit log, through an outbox.
    #[getter]
    fn notify(&self) -> crate::notify::PyNotifications {
        crate::notify::PyNotifications {
            engine: self.engine.clone(),
        }
    }

    /// The memory layer.
    #[getter]
    fn memory(&self) -> PyMemory {
        PyMemory {
            engine: self.engine.clone(),
        }
    }

    /// The governance workflow: roles, requests, approvals, deadlines, execution.
    #[getter]
    fn governance(&self) -> PyGovernance {
        PyGovernance {
            engine: self.engine.clone(),
        }
    }

    /// The tamper-evident audit log.
    #[getter]
    fn audit(&self) -> PyAudit {
        PyAudit {
            engine: self.engine.clone(),
        }
    }

    /// The reasoning engine: confidence, explanations, calibration.
    #[getter]
    fn reasoning(&self) -> PyReasoning {
        PyReasoning {
            engine: self.engine.clone(),
        }
    }

    /// The velocity analyzer.
    #[getter]
    fn velocity(&self) -> PyVelocity {
        PyVelocity {
            engine: self.engine.clone(),
        }
    }

    /// Stale-ticket triage.
    #[getter]
    fn triage(&self) -> PyTriage {
        PyTriage {
            engine: self.engine.clone(),
        }
    }

    /// The sprint forecaster: forecasts, recorded sprints, retraining.
    #[getter]
    fn forecast(&self) -> PyForecast {
        PyForecast {
            engine: self.engine.clone(),
        }
    }

    /// Flow bottlenecks from ticket change history.
    #[getter]
    fn flow(&self) -> PyFlow {
        PyFlow {
            engine: self.engine.clone(),
        }
    }

    /// The database file, or `None` for an in-memory engine.
    #[getter]
    fn path(&self) -> Option<String> {
        (self.engine.label != ":memory:").then(|| self.engine.label.clone())
    }

    /// True once `close()` was called.
    #[getter]
    fn closed(&self) -> bool {
        self.engine.is_closed()
    }

    /// The library version.
    #[getter]
    fn version(&self) -> &'static str {
        juno_core::VERSION
    }

    /// Closes the engine. Idempotent.
    fn close(&self) {
        self.engine.close();
    }

    /// Copies the live database to `path` with SQLite's online backup.
    fn backup(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        let juno = self.engine.get().py(py)?;
        py.detach(move || juno.backup(&path)).py(py)
    }

    /// Restores the backup file `backup` into the database file `target` (default: the
    /// database `DATABASE_URL` names, as for `from_env`) after checking a copy of it
    /// (integrity, schema version, audit chain); what was at `target` is kept.
    #[staticmethod]
    #[pyo3(signature = (backup, target=None))]
    fn restore(
        py: Python<'_>,
        backup: PathBuf,
        target: Option<PathBuf>,
    ) -> PyResult<PyRestoreReport> {
        let target = match target {
            Some(t) => t,
            None => match Config::from_env().py(py)?.database_url {
                DatabaseUrl::Sqlite(p) => p,
                DatabaseUrl::Memory => {
                    return Err(Error::invalid(
                        "target",
                        "DATABASE_URL names an in-memory database; give a database file",
                    ))
                    .py(py);
                }
            },
        };
        let report = py
            .detach(move || juno_core::Juno::restore(&backup, &target))
            .py(py)?;
        Ok(PyRestoreReport(report))
    }

    /// SQLite's integrity check, the full-text index check and the database size.
    fn check(&self, py: Python<'_>) -> PyResult<PyIntegrityReport> {
        let juno = self.engine.get().py(py)?;
        let report = py.detach(move || juno.check()).py(py)?;
        Ok(PyIntegrityReport(report))
    }

    fn __enter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    fn __exit__(
        &self,
        _exc_type: &Bound<'_, PyAny>,
        _exc_value: &Bound<'_, PyAny>,
        _traceback: &Bound<'_, PyAny>,
    ) -> bool {
        self.engine.close();
        false
    }

    fn __repr__(&self) -> String {
        let state = if self.engine.is_closed() {
            ", closed"
        } else {
            ""
        };
        format!("Juno({:?}{state})", self.engine.label)
    }
}

/// The result of `Juno.check()`.
#[pyclass(frozen, name = "IntegrityReport", module = "juno._juno")]
pub struct PyIntegrityReport(pub(crate) IntegrityReport);

#[pymethods]
impl PyIntegrityReport {
    #[getter]
    fn ok(&self) -> bool {
        self.0.ok
    }
    #[getter]
    fn messages(&self) -> Vec<String> {
        self.0.messages.clone()
    }
    #[getter]
    fn schema_version(&self) -> i64 {
        self.0.schema_version
    }
    #[getter]
    fn size_bytes(&self) -> u64 {
        self.0.size_bytes
    }
    #[getter]
    fn journal_mode(&self) -> &str {
        &self.0.journal_mode
    }
    /// The report in the core's JSON shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0)
    }
    fn __repr__(&self) -> String {
        format!(
            "IntegrityReport(ok={}, schema_version={}, size_bytes={}, journal_mode={:?})",
            if self.0.ok { "True" } else { "False" },
            self.0.schema_version,
            self.0.size_bytes,
            self.0.journal_mode
        )
    }
}

/// The result of `Juno.restore()`.
#[pyclass(frozen, name = "RestoreReport", module = "juno._juno")]
pub struct PyRestoreReport(pub(crate) RestoreReport);

#[pymethods]
impl PyRestoreReport {
    #[getter]
    fn backup(&self) -> &str {
        &self.0.backup
    }
    #[getter]
    fn target(&self) -> &str {
        &self.0.target
    }
    #[getter]
    fn backup_schema_version(&self) -> i64 {
        self.0.backup_schema_version
    }
    #[getter]
    fn schema_version(&self) -> i64 {
        self.0.schema_version
    }
    #[getter]
    fn integrity(&self) -> PyIntegrityReport {
        PyIntegrityReport(self.0.integrity.clone())
    }
    #[getter]
    fn audit_entries(&self) -> u64 {
        self.0.audit_entries
    }
    #[getter]
    fn audit_root(&self) -> &str {
        &self.0.audit_root
    }
    #[getter]
    fn memories(&self) -> u64 {
        self.0.memories
    }
    #[getter]
    fn previous(&self) -> &str {
        &self.0.previous
    }
    #[getter]
    fn previous_kept_at(&self) -> Option<String> {
        self.0.previous_kept_at.clone()
    }
    /// The report in the core's JSON shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0)
    }
    fn __repr__(&self) -> String {
        format!(
            "RestoreReport(target={:?}, memories={}, audit_entries={}, previous={:?})",
            self.0.target, self.0.memories, self.0.audit_entries, self.0.previous
        )
    }
}
