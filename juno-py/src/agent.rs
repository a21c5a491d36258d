//! `juno.Sources`, `juno.SimSource`, `juno.Agent` and `juno.Executions`: the observe stage,
//! the agent cycle and the act stage (the core's [`juno_core::source`],
//! [`juno_core::agent`] and [`juno_core::executor`]).

use std::sync::{Arc, Mutex};

use juno_core::Error;
use juno_core::agent::CycleOptions;
use juno_core::executor::RecordingExecutor;
use juno_core::executor::jira::JiraExecutor;
use juno_core::governance::Executor;
use juno_core::source::export::{ExportSettings, ExportSource};
use juno_core::source::jira::{JiraSettings, JiraSource};
use juno_core::source::sim::{SimSettings, SimSource, simulate};
use juno_core::source::{Snapshot, Source};
use pyo3::prelude::*;

use crate::convert::{Id, object_from_py, opt_datetime, opt_object_from_py, serde_to_py};
use crate::errors::CoreResultExt;
use crate::governance::PyExecutor;
use crate::governance::records::PyApprovalRequest;
use crate::juno::Engine;

/// A source Python holds: the simulated organisation (Jira and export files come as
/// further classes with the same role).
type SharedSource = Arc<Mutex<Box<dyn Source + Send>>>;

/// The seeded simulated organisation as a source: `juno.SimSource(settings=None)`.
///
/// `settings` is a dict in the core's `SimSettings` shape (`seed`, `teams`,
/// `people_per_team`, `sprints`, `backlog_per_team`, `end`, `active_day`); unknown keys
/// are refused by name.
#[pyclass(frozen, name = "SimSource", module = "juno._juno")]
pub struct PySimSource {
    source: SharedSource,
    settings: SimSettings,
}

#[pymethods]
impl PySimSource {
    #[new]
    #[pyo3(signature = (settings=None))]
    fn new(py: Python<'_>, settings: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let settings: SimSettings = opt_object_from_py(settings, "settings").py(py)?;
        let source = SimSource::new(settings.clone()).py(py)?;
        Ok(PySimSource {
            source: Arc::new(Mutex::new(Box::new(source))),
            settings,
        })
    }

    /// The moment the simulation reaches (its `end` setting): run cycles as of this time.
    #[getter]
    fn end(&self) -> chrono::DateTime<chrono::Utc> {
        self.settings.end
    }

    /// The name its sync state is kept under.
    #[getter]
    fn name(&self) -> String {
        self.source.lock().unwrap_or_else(|p| p.into_inner()).name()
    }

    /// The whole organisation as a dict (the core's `Snapshot` shape).
    fn snapshot<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let settings = self.settings.clone();
        let snap = py.detach(move || simulate(&settings)).py(py)?;
        serde_to_py(py, &snap)
    }

    fn __repr__(&self) -> String {
        format!(
            "<juno.SimSource seed={} teams={}>",
            self.settings.seed, self.settings.teams
        )
    }
}

/// Jira settings from a dict (the core's `JiraSettings` shape), or from the environment
/// (`JIRA_URL`, `JIRA_USERNAME`, `JIRA_API_TOKEN`, `JIRA_PROJECTS`, `JIRA_FLAVOR`,
/// `JIRA_ACCOUNT_ID`) when `None`.
fn jira_settings(settings: Option<&Bound<'_, PyAny>>) -> Result<JiraSettings, Error> {
    match settings.filter(|s| !s.is_none()) {
        Some(s) => {
            let settings: JiraSettings = object_from_py(s, "settings")?;
            settings.validate()?;
            Ok(settings)
        }
        None => JiraSettings::from_config(&juno_core::Config::from_env()?),
    }
}

/// A Jira site as a source: `juno.JiraSource(settings=None)`.
///
/// `settings` is a dict in the core's `JiraSettings` shape (`base_url`, `flavor` —
/// `"cloud"` or `"server"` —, `email`, `token`, `projects`, `team_naming`, `page_size`,
/// `max_requests_per_second`, `timeout_secs`, `max_retries`, `backoff_ms`,
/// `overlap_minutes`, `story_points_field`, `sprint_field`, `juno_account`); ``None``
/// reads the environment. The token is never shown by ``repr`` nor stored.
#[pyclass(frozen, name = "JiraSource", module = "juno._juno")]
pub struct PyJiraSource {
    source: SharedSource,
    label: String,
}

#[pymethods]
impl PyJiraSource {
    #[new]
    #[pyo3(signature = (settings=None))]
    fn new(py: Python<'_>, settings: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let settings = jira_settings(settings).py(py)?;
        let label = format!("{} {:?}", settings.base_url, settings.projects);
        let source = JiraSource::new(settings).py(py)?;
        Ok(PyJiraSource {
            source: Arc::new(Mutex::new(Box::new(source))),
            label,
        })
    }

    /// The name its sync state is kept under.
    #[getter]
    fn name(&self) -> String {
        self.source.lock().unwrap_or_else(|p| p.into_inner()).name()
    }

    fn __repr__(&self) -> String {
        format!("<juno.JiraSource {}>", self.label)
    }
}

/// A Jira export file as a source: `juno.ExportSource(path, settings=None)` — a JSON
/// export (search results with the changelog expanded) or a CSV export (by extension).
#[pyclass(frozen, name = "ExportSource", module = "juno._juno")]
pub struct PyExportSource {
    source: SharedSource,
    path: String,
}

#[pymethods]
impl PyExportSource {
    #[new]
    #[pyo3(signature = (path, settings=None))]
    fn new(
        py: Python<'_>,
        path: std::path::PathBuf,
        settings: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let settings: ExportSettings = opt_object_from_py(settings, "settings").py(py)?;
        let shown = path.display().to_string();
        Ok(PyExportSource {
            source: Arc::new(Mutex::new(Box::new(ExportSource::new(path, settings)))),
            path: shown,
        })
    }

    /// The name its sync state is kept under.
    #[getter]
    fn name(&self) -> String {
        self.source.lock().unwrap_or_else(|p| p.into_inner()).name()
    }

    fn __repr__(&self) -> String {
        format!("<juno.ExportSource {}>", self.path)
    }
}

/// The executor that writes approved actions to Jira: `juno.JiraExecutor(settings=None)`
/// (settings as for :class:`JiraSource`). Each action is written once, with an
/// idempotency marker in Jira, and its comments say which approval authorised them.
#[pyclass(frozen, name = "JiraExecutor", module = "juno._juno")]
pub struct PyJiraExecutor {
    executor: Arc<Mutex<JiraExecutor>>,
    label: String,
}

#[pymethods]
impl PyJiraExecutor {
    #[new]
    #[pyo3(signature = (settings=None))]
    fn new(py: Python<'_>, settings: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let settings = jira_settings(settings).py(py)?;
        let label = settings.base_url.clone();
        let executor = JiraExecutor::new(settings).py(py)?;
        Ok(PyJiraExecutor {
            executor: Arc::new(Mutex::new(executor)),
            label,
        })
    }

    fn __repr__(&self) -> String {
        format!("<juno.JiraExecutor {}>", self.label)
    }
}

/// A Python object usable as a source.
fn source_of(obj: &Bound<'_, PyAny>) -> Result<SharedSource, Error> {
    if let Ok(s) = obj.cast::<PySimSource>() {
        return Ok(s.get().source.clone());
    }
    if let Ok(s) = obj.cast::<PyJiraSource>() {
        return Ok(s.get().source.clone());
    }
    if let Ok(s) = obj.cast::<PyExportSource>() {
        return Ok(s.get().source.clone());
    }
    Err(Error::invalid(
        "source",
        "expected a juno.SimSource, juno.JiraSource or juno.ExportSource",
    ))
}

/// A host's `progress=` callable: called with each event as a dict, from whichever thread
/// runs the call (it takes the GIL for each event).
struct HostProgress {
    callback: Option<Py<PyAny>>,
    /// A `KeyboardInterrupt` or `SystemExit` the callback raised, raised again once the
    /// call has ended; any other exception is ignored (a progress bar must not stop a
    /// sync or a cycle).
    interrupted: Option<PyErr>,
}

impl HostProgress {
    fn new(progress: Option<&Bound<'_, PyAny>>) -> Result<Self, Error> {
        let callback = match progress.filter(|p| !p.is_none()) {
            Some(p) if p.is_callable() => Some(p.clone().unbind()),
            Some(_) => return Err(Error::invalid("progress", "must be callable, or None")),
            None => None,
        };
        Ok(HostProgress {
            callback,
            interrupted: None,
        })
    }

    fn report<T: serde::Serialize>(&mut self, event: &T) {
        let Some(cb) = &self.callback else { return };
        Python::attach(|py| {
            let called = serde_to_py(py, event).and_then(|d| cb.bind(py).call1((d,)));
            if let Err(e) = called {
                if !e.is_instance_of::<pyo3::exceptions::PyException>(py)
                    && self.interrupted.is_none()
                {
                    self.interrupted = Some(e);
                }
            }
        });
    }

    /// The interrupt to raise now that the call has ended, if any.
    fn finish(self) -> PyResult<()> {
        self.interrupted.map_or(Ok(()), Err)
    }
}

/// The executor argument of `run_cycle`.
enum HostExecutor {
    Recording,
    Python(PyExecutor),
    Jira(Arc<Mutex<JiraExecutor>>),
}

/// The observe stage of one engine: `juno.source`.
#[pyclass(frozen, name = "Sources", module = "juno._juno")]
pub struct PySources {
    pub(crate) engine: Arc<Engine>,
}

#[pymethods]
impl PySources {
    /// Pulls `source` (a :class:`SimSource`, :class:`JiraSource` or :class:`ExportSource`)
    /// into the store: changes since its last successful sync, everything the first time.
    /// Returns the sync report as a dict.
    ///
    /// `progress`, when given, is called with a dict (`phase`, `count`, `total`, `done`)
    /// after each page a Jira source fetches (`issues`, `changelogs`, `sprints`; `total` is
    /// ``None`` where Jira does not say) and once when the pull is stored (`stored`, `done`
    /// true); an exception it raises is ignored, except `KeyboardInterrupt` and
    /// `SystemExit`, raised once the sync has ended.
    #[pyo3(signature = (source, *, progress=None))]
    fn sync<'py>(
        &self,
        py: Python<'py>,
        source: &Bound<'py, PyAny>,
        progress: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut host = HostProgress::new(progress).py(py)?;
        let source = source_of(source).py(py)?;
        let juno = self.engine.get().py(py)?;
        let report = py.detach(|| {
            let mut s = source.lock().unwrap_or_else(|p| p.into_inner());
            juno.source()
                .sync_with_progress(s.as_mut(), &mut |p| host.report(p))
        });
        host.finish()?;
        serde_to_py(py, &report.py(py)?)
    }

    /// Stores a snapshot dict (the core's `Snapshot` shape: `now`, `teams`, `people`,
    /// `sprints`, `checkpoints`, `active`, `tickets`) as if source `name` had pulled it at
    /// `now` (the engine's clock by default). Returns the counts stored.
    #[pyo3(signature = (name, snapshot, now=None))]
    fn store<'py>(
        &self,
        py: Python<'py>,
        name: String,
        snapshot: &Bound<'py, PyAny>,
        now: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let snap: Snapshot = object_from_py(snapshot, "snapshot").py(py)?;
        let now = opt_datetime(now, "now").py(py)?;
        let juno = self.engine.get().py(py)?;
        let counts = py
            .detach(move || {
                let now = now.unwrap_or_else(|| juno.now());
                juno.source().store(&name, &snap, now)
            })
            .py(py)?;
        serde_to_py(py, &counts)
    }

    /// Where syncing source `name` stands, or ``None`` if it was never tried.
    fn state<'py>(&self, py: Python<'py>, name: String) -> PyResult<Bound<'py, PyAny>> {
        let juno = self.engine.get().py(py)?;
        let state = py.detach(move || juno.source().state(&name)).py(py)?;
        serde_to_py(py, &state)
    }

    /// What is missing or odd in the synced data (``counts`` and ``findings``: each with
    /// ``severity`` — ``error`` or ``warning`` —, ``check``, ``message``, ``count`` and
    /// ``examples``).
    fn validate<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let juno = self.engine.get().py(py)?;
        let report = py.detach(move || juno.source().validate()).py(py)?;
        serde_to_py(py, &report)
    }

    /// Everything stored, as a snapshot dict.
    fn snapshot<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let juno = self.engine.get().py(py)?;
        let snap = py.detach(move || juno.source().snapshot()).py(py)?;
        serde_to_py(py, &snap)
    }

    fn __repr__(&self) -> String {
        String::from("<juno.Sources>")
    }
}

/// The agent cycle of one engine: `juno.agent`.
#[pyclass(frozen, name = "Agent", module = "juno._juno")]
pub struct PyAgent {
    pub(crate) engine: Arc<Engine>,
}

#[pymethods]
impl PyAgent {
    /// Runs one cycle as of the engine's clock and returns its report (a dict).
    ///
    /// `source` is synced first when given. `executor` performs approved actions: a
    /// callable taking the action dict (its `parameters.writes` are the exact writes) and
    /// returning a JSON-able result (include `"changes"`, the writes made, to allow revert),
    /// or ``None`` for the recording executor, which writes nothing outside JUNO. `options`
    /// is a dict in the core's `CycleOptions` shape; `dry_run=True` overrides its
    /// `dry_run`.
    ///
    /// `progress`, when given, is called with a dict (`stage`, `step`, `of`, `done`,
    /// `millis`) as each of the six stages starts and ends; an exception it raises is
    /// ignored (a progress bar must not stop a cycle), except `KeyboardInterrupt` and
    /// `SystemExit`, raised once the cycle has ended.
    #[pyo3(signature = (*, source=None, executor=None, options=None, dry_run=None, progress=None))]
    fn run_cycle<'py>(
        &self,
        py: Python<'py>,
        source: Option<&Bound<'py, PyAny>>,
        executor: Option<&Bound<'py, PyAny>>,
        options: Option<&Bound<'py, PyAny>>,
        dry_run: Option<bool>,
        progress: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut progress = HostProgress::new(progress).py(py)?;
        let mut options: CycleOptions = opt_object_from_py(options, "options").py(py)?;
        if let Some(d) = dry_run {
            options.dry_run = d;
        }
        let source = source
            .filter(|s| !s.is_none())
            .map(source_of)
            .transpose()
            .py(py)?;
        let mut host = match executor.filter(|e| !e.is_none()) {
            None => HostExecutor::Recording,
            Some(e) => match e.cast::<PyJiraExecutor>() {
                Ok(j) => HostExecutor::Jira(j.get().executor.clone()),
                Err(_) if e.is_callable() => {
                    HostExecutor::Python(PyExecutor::new(e.clone().unbind()))
                }
                Err(_) => {
                    return Err(Error::invalid(
                        "executor",
                        "must be a juno.JiraExecutor, a callable taking the action as a dict, or None",
                    ))
                    .py(py);
                }
            },
        };
        let juno = self.engine.get().py(py)?;
        let report = py.detach(|| {
            let mut recording = RecordingExecutor::new();
            let mut jira_guard;
            let exec: &mut dyn Executor = match &mut host {
                HostExecutor::Recording => &mut recording,
                HostExecutor::Python(h) => h,
                HostExecutor::Jira(j) => {
                    jira_guard = j.lock().unwrap_or_else(|p| p.into_inner());
                    &mut *jira_guard
                }
            };
            let mut report_progress = |p: &juno_core::agent::Progress| progress.report(p);
            match &source {
                Some(s) => {
                    let mut s = s.lock().unwrap_or_else(|p| p.into_inner());
                    juno.agent().run_cycle_with_progress(
                        Some(s.as_mut()),
                        exec,
                        &options,
                        &mut report_progress,
                    )
                }
                None => {
                    juno.agent()
                        .run_cycle_with_progress(None, exec, &options, &mut report_progress)
                }
            }
        });
        progress.finish()?;
        if let HostExecutor::Python(h) = &mut host {
            if let Some(interrupt) = h.take_interrupt() {
                return Err(interrupt);
            }
        }
        serde_to_py(py, &report.py(py)?)
    }

    /// The stored reports of the newest `limit` cycles, newest first.
    #[pyo3(signature = (limit=10))]
    fn cycles<'py>(&self, py: Python<'py>, limit: usize) -> PyResult<Bound<'py, PyAny>> {
        let juno = self.engine.get().py(py)?;
        let cycles = py.detach(move || juno.agent().cycles(limit)).py(py)?;
        serde_to_py(py, &cycles)
    }

    /// Every stored confidence calibration map, by action kind, oldest version first.
    fn confidence_calibrations<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let juno = self.engine.get().py(py)?;
        let maps = py
            .detach(move || juno.agent().confidence_calibrations())
            .py(py)?;
        serde_to_py(py, &maps)
    }

    fn __repr__(&self) -> String {
        String::from("<juno.Agent>")
    }
}

/// The act stage of one engine: `juno.executor`.
#[pyclass(frozen, name = "Executions", module = "juno._juno")]
pub struct PyExecutions {
    pub(crate) engine: Arc<Engine>,
}

#[pymethods]
impl PyExecutions {
    /// What request `id`'s execution changed (a dict), or ``None`` if it did not run
    /// through the outbox.
    fn record<'py>(&self, py: Python<'py>, id: Id) -> PyResult<Bound<'py, PyAny>> {
        let juno = self.engine.get().py(py)?;
        let record = py.detach(move || juno.executor().record(id.0)).py(py)?;
        serde_to_py(py, &record)
    }

    /// Proposes undoing executed request `id`: a `revert` request whose writes are the
    /// inverse of what it changed, submitted to governance (it waits for a person).
    fn propose_revert(
        &self,
        py: Python<'_>,
        id: Id,
        requester: String,
    ) -> PyResult<PyApprovalRequest> {
        let juno = self.engine.get().py(py)?;
        let r = py
            .detach(move || juno.executor().propose_revert(id.0, &requester))
            .py(py)?;
        Ok(PyApprovalRequest(r))
    }

    fn __repr__(&self) -> String {
        String::from("<juno.Executions>")
    }
}
