//! `juno.Notifications`: Slack and Teams notices through the outbox ([`juno_core::notify`]).

use std::sync::Arc;

use pyo3::prelude::*;

use crate::convert::serde_to_py;
use crate::errors::CoreResultExt;
use crate::juno::Engine;

/// The notifications of one engine: `juno.notify`.
#[pyclass(frozen, name = "Notifications", module = "juno._juno")]
pub struct PyNotifications {
    pub(crate) engine: Arc<Engine>,
}

#[pymethods]
impl PyNotifications {
    /// Reads the audit log from where the last call stopped and queues a message per
    /// notice per configured channel; returns ``{"read", "queued", "cursor"}``.
    fn collect<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let juno = self.engine.get().py(py)?;
        let report = py.detach(move || juno.notify().collect()).py(py)?;
        serde_to_py(py, &report)
    }

    /// Sends up to ``limit`` due messages, each at most once; returns ``{"sent",
    /// "retrying", "dead", "pending", "errors"}``. A chat service's failure is counted,
    /// not raised.
    #[pyo3(signature = (limit=100))]
    fn deliver<'py>(&self, py: Python<'py>, limit: usize) -> PyResult<Bound<'py, PyAny>> {
        let juno = self.engine.get().py(py)?;
        let report = py.detach(move || juno.notify().deliver(limit)).py(py)?;
        serde_to_py(py, &report)
    }

    /// Queued messages, newest first: every status, or ``pending``, ``sent`` or ``dead``.
    #[pyo3(signature = (status=None, limit=100))]
    fn outbox<'py>(
        &self,
        py: Python<'py>,
        status: Option<String>,
        limit: usize,
    ) -> PyResult<Bound<'py, PyAny>> {
        let juno = self.engine.get().py(py)?;
        let rows = py
            .detach(move || juno.notify().outbox(status.as_deref(), limit))
            .py(py)?;
        serde_to_py(py, &rows)
    }

    /// The JUNO user a Slack user id stands for (``[notify.slack_users]``), or ``None``.
    fn slack_user(&self, py: Python<'_>, slack_id: &str) -> PyResult<Option<String>> {
        let juno = self.engine.get().py(py)?;
        Ok(juno.notify().slack_user(slack_id))
    }

    fn __repr__(&self) -> String {
        String::from("<juno.Notifications>")
    }
}
