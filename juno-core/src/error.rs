//! The one error type of JUNO, and the kinds the C and Python layers map from.

use std::fmt;

/// Every fallible JUNO call returns this.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, with machine-readable context.
///
/// Match on [`Error::kind`] rather than on variants: variants may gain fields, the kind
/// is stable and is what the C status codes and Python exception classes are keyed on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A caller-supplied value was rejected.
    #[error("invalid `{field}`: {reason}")]
    InvalidInput {
        /// The field, argument or setting that was rejected.
        field: String,
        /// Why it was rejected.
        reason: String,
    },
    /// Input that should have been JSON could not be parsed as the expected shape.
    #[error("malformed JSON for {what}: {message}")]
    Json {
        /// What was being parsed (`memory`, `recall query`, …).
        what: String,
        /// The parser's message, with line and column.
        message: String,
    },
    /// A setting has a bad value.
    #[error("bad setting `{setting}`: {reason}")]
    Config {
        /// The environment variable or config-file key.
        setting: String,
        /// Why the value was rejected.
        reason: String,
    },
    /// Something asked for does not exist.
    #[error("{entity} `{id}` not found")]
    NotFound {
        /// What kind of thing (`memory`, …).
        entity: &'static str,
        /// Its identifier.
        id: String,
    },
    /// The operation is not allowed in the current state (for example the memory layer is disabled).
    #[error("invalid state: {reason}")]
    InvalidState {
        /// Why the operation is refused.
        reason: String,
    },
    /// The caller is not authorised.
    #[error("permission denied: {reason}")]
    PermissionDenied {
        /// Why the caller was refused.
        reason: String,
    },
    /// The database was written by a newer JUNO than this one.
    #[error(
        "database schema version {found} is newer than this library supports ({supported}); upgrade JUNO"
    )]
    SchemaTooNew {
        /// The version recorded in the database.
        found: i64,
        /// The newest version this library knows.
        supported: i64,
    },
    /// The file is not an SQLite database.
    #[error("`{path}` is not a JUNO database (not an SQLite file)")]
    NotADatabase {
        /// The path that was opened.
        path: String,
    },
    /// The database file is damaged.
    #[error("database is corrupt: {detail}")]
    Corrupt {
        /// What SQLite or the integrity check reported.
        detail: String,
    },
    /// Another connection holds a lock for longer than the busy timeout.
    #[error("database is busy: {detail}")]
    Busy {
        /// What SQLite reported.
        detail: String,
    },
    /// A file could not be read or written.
    #[error("i/o error on `{path}`: {message}")]
    Io {
        /// The path involved.
        path: String,
        /// The operating system's message.
        message: String,
    },
    /// Any other storage failure.
    #[error("storage error: {message}")]
    Storage {
        /// What SQLite reported.
        message: String,
    },
    /// A remote service (Jira) refused a call or could not be reached, after the retries
    /// its politeness rules allow. The message never carries a credential.
    #[error("{service} call failed{}: {message}", status_note(*.status))]
    Remote {
        /// The service (`jira`).
        service: String,
        /// The HTTP status it answered with; `None` when no answer came (timeout,
        /// connection refused).
        status: Option<u16>,
        /// What went wrong and, for a refused credential, which permission is likely
        /// missing.
        message: String,
    },
}

/// ` (http 401)` for a status, nothing without one.
fn status_note(status: Option<u16>) -> String {
    status.map(|s| format!(" (http {s})")).unwrap_or_default()
}

/// The stable, field-less classification of an [`Error`].
///
/// C maps each kind to a `juno_status` code and Python to a `juno.errors` class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ErrorKind {
    /// See [`Error::InvalidInput`] and [`Error::Json`].
    InvalidInput,
    /// See [`Error::Config`].
    Config,
    /// See [`Error::NotFound`].
    NotFound,
    /// See [`Error::InvalidState`].
    InvalidState,
    /// See [`Error::PermissionDenied`].
    PermissionDenied,
    /// See [`Error::SchemaTooNew`].
    SchemaTooNew,
    /// See [`Error::NotADatabase`].
    NotADatabase,
    /// See [`Error::Corrupt`].
    Corrupt,
    /// See [`Error::Busy`].
    Busy,
    /// See [`Error::Io`].
    Io,
    /// See [`Error::Storage`].
    Storage,
    /// See [`Error::Remote`].
    Remote,
}

impl ErrorKind {
    /// A short snake_case name, used in JSON error bodies and by the Python layer.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidInput => "invalid_input",
            ErrorKind::Config => "config",
            ErrorKind::NotFound => "not_found",
            ErrorKind::InvalidState => "invalid_state",
            ErrorKind::PermissionDenied => "permission_denied",
            ErrorKind::SchemaTooNew => "schema_too_new",
            ErrorKind::NotADatabase => "not_a_database",
            ErrorKind::Corrupt => "corrupt",
            ErrorKind::Busy => "busy",
            ErrorKind::Io => "io",
            ErrorKind::Storage => "storage",
            ErrorKind::Remote => "remote",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Error {
    /// The stable classification of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::InvalidInput { .. } | Error::Json { .. } => ErrorKind::InvalidInput,
            Error::Config { .. } => ErrorKind::Config,
            Error::NotFound { .. } => ErrorKind::NotFound,
            Error::InvalidState { .. } => ErrorKind::InvalidState,
            Error::PermissionDenied { .. } => ErrorKind::PermissionDenied,
            Error::SchemaTooNew { .. } => ErrorKind::SchemaTooNew,
            Error::NotADatabase { .. } => ErrorKind::NotADatabase,
            Error::Corrupt { .. } => ErrorKind::Corrupt,
            Error::Busy { .. } => ErrorKind::Busy,
            Error::Io { .. } => ErrorKind::Io,
            Error::Storage { .. } => ErrorKind::Storage,
            Error::Remote { .. } => ErrorKind::Remote,
        }
    }

    /// Shorthand for [`Error::InvalidInput`].
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidInput {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// Shorthand for [`Error::Config`].
    pub fn config(setting: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Config {
            setting: setting.into(),
            reason: reason.into(),
        }
    }

    /// Places an input error inside item `i` of a batch (`items[3].importance`); other
    /// errors pass through unchanged.
    pub fn in_item(self, i: usize) -> Self {
        self.within(&format!("items[{i}]."))
    }

    /// Places an input error inside `prefix` (`tickets[3].` + `created`), so the field
    /// names its path from the caller's input; other errors pass through unchanged.
    pub fn within(self, prefix: &str) -> Self {
        match self {
            Error::InvalidInput { field, reason } => Error::InvalidInput {
                field: format!("{prefix}{field}"),
                reason,
            },
            other => other,
        }
    }

    /// Wraps a serde_json error met while parsing `what`.
    pub fn json(what: impl Into<String>, err: &serde_json::Error) -> Self {
        Error::Json {
            what: what.into(),
            message: err.to_string(),
        }
    }
}

impl From<rusqlite::Error> for Error {
    fn from(err: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        if let rusqlite::Error::SqliteFailure(code, msg) = &err {
            let detail = msg.clone().unwrap_or_else(|| code.to_string());
            match code.code {
                ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => {
                    return Error::Busy { detail };
                }
                ErrorCode::DatabaseCorrupt => return Error::Corrupt { detail },
                ErrorCode::NotADatabase => {
                    return Error::NotADatabase {
                        path: String::from("(database)"),
                    };
                }
                ErrorCode::CannotOpen | ErrorCode::ReadOnly | ErrorCode::SystemIoFailure => {
                    return Error::Io {
                        path: String::from("(database)"),
                        message: detail,
                    };
                }
                _ => {}
            }
        }
        Error::Storage {
            message: err.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_follow_house_style() {
        let e = Error::invalid("kind", "unknown memory kind `episodik`");
        assert_eq!(
            e.to_string(),
            "invalid `kind`: unknown memory kind `episodik`"
        );
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert_eq!(e.kind().as_str(), "invalid_input");
        let r = Error::Remote {
            service: "jira".into(),
            status: Some(401),
            message: "the token was refused".into(),
        };
        assert_eq!(
            r.to_string(),
            "jira call failed (http 401): the token was refused"
        );
        assert_eq!(r.kind().as_str(), "remote");
    }
}
