//! Core errors to `juno.errors` exceptions.
//!
//! The classes live in Python (`python/juno/errors.py`) so that they can inherit from the
//! built-in families (`ValueError`, `LookupError`, `OSError`) and be subclassed and
//! pickled like any Python exception. This module looks the class up by
//! [`juno_core::ErrorKind::as_str`] at raise time and attaches the error's machine-readable
//! fields as `details`.

use juno_core::Error;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

/// Converts a core error into the `juno.errors` exception for its kind.
pub(crate) fn to_pyerr(py: Python<'_>, err: &Error) -> PyErr {
    match build(py, err) {
        Ok(e) => e,
        // Only reachable when `juno.errors` cannot be imported (a broken install); the
        // import error says what is wrong, which is more useful than a generic class.
        Err(e) => e,
    }
}

fn build(py: Python<'_>, err: &Error) -> PyResult<PyErr> {
    let module = py.import("juno.errors")?;
    let kind = err.kind().as_str();
    let by_kind = module.getattr("ERRORS_BY_KIND")?;
    let cls = match by_kind.get_item(kind) {
        Ok(cls) => cls,
        // A kind this package does not know yet (a newer core): the base class still
        // carries the kind string.
        Err(_) => module.getattr("JunoError")?,
    };
    let kwargs = PyDict::new(py);
    kwargs.set_item("kind", kind)?;
    kwargs.set_item("details", details(py, err)?)?;
    let exc = cls.call((PyString::new(py, &err.to_string()),), Some(&kwargs))?;
    Ok(PyErr::from_value(exc))
}

/// The variant's fields, by name.
fn details<'py>(py: Python<'py>, err: &Error) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    match err {
        Error::InvalidInput { field, reason } => {
            d.set_item("field", field)?;
            d.set_item("reason", reason)?;
        }
        Error::Json { what, message } => {
            d.set_item("what", what)?;
            d.set_item("message", message)?;
        }
        Error::Config { setting, reason } => {
            d.set_item("setting", setting)?;
            d.set_item("reason", reason)?;
        }
        Error::NotFound { entity, id } => {
            d.set_item("entity", *entity)?;
            d.set_item("id", id)?;
        }
        Error::InvalidState { reason } | Error::PermissionDenied { reason } => {
            d.set_item("reason", reason)?;
        }
        Error::SchemaTooNew { found, supported } => {
            d.set_item("found", found)?;
            d.set_item("supported", supported)?;
        }
        Error::NotADatabase { path } => {
            d.set_item("path", path)?;
        }
        Error::Corrupt { detail } | Error::Busy { detail } => {
            d.set_item("detail", detail)?;
        }
        Error::Io { path, message } => {
            d.set_item("path", path)?;
            d.set_item("message", message)?;
        }
        Error::Storage { message } => {
            d.set_item("message", message)?;
        }
        Error::Remote {
            service,
            status,
            message,
        } => {
            d.set_item("service", service)?;
            d.set_item("status", status)?;
            d.set_item("message", message)?;
        }
        // `Error` is non-exhaustive: a variant added later still raises, without details.
        _ => {}
    }
    Ok(d)
}

/// `Result<T, juno_core::Error>` → `PyResult<T>`.
pub(crate) trait CoreResultExt<T> {
    /// Maps the error to its `juno.errors` class.
    fn py(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> CoreResultExt<T> for juno_core::Result<T> {
    fn py(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| to_pyerr(py, &e))
    }
}
