//! `juno_status`: the result code of every fallible call.

use juno_core::ErrorKind;

/// The result of a fallible JUNO call.
///
/// `JUNO_STATUS_OK` (0) is success. Codes below 100 report misuse of the C API (or a bug
/// in JUNO); codes from 100 are domain errors, one per `juno_core::ErrorKind`. Numbers are
/// fixed and never reused: a removed code leaves a hole.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(non_camel_case_types)]
pub enum juno_status {
    /// Success.
    Ok = 0,
    /// A pointer parameter that must not be NULL was NULL.
    NullParameter = 1,
    /// A string parameter was not valid UTF-8.
    InvalidUtf8 = 2,
    /// JUNO panicked; the panic was caught at the C boundary. This is a bug in JUNO.
    Panic = 3,
    /// JUNO failed in a way that is a bug in JUNO: a result could not be encoded as JSON,
    /// or the core reported an error kind this C layer does not know yet.
    Internal = 4,
    /// A caller-supplied value was rejected, or input JSON was malformed or of the wrong
    /// shape (`juno_core::ErrorKind::InvalidInput`).
    InvalidInput = 100,
    /// A setting has a bad value (`ErrorKind::Config`).
    Config = 101,
    /// Something asked for does not exist (`ErrorKind::NotFound`).
    NotFound = 102,
    /// The operation is not allowed in the current state (`ErrorKind::InvalidState`).
    InvalidState = 103,
    /// The caller is not authorised (`ErrorKind::PermissionDenied`).
    PermissionDenied = 104,
    /// The database was written by a newer JUNO (`ErrorKind::SchemaTooNew`).
    SchemaTooNew = 105,
    /// The file is not an SQLite database (`ErrorKind::NotADatabase`).
    NotADatabase = 106,
    /// The database file is damaged (`ErrorKind::Corrupt`).
    Corrupt = 107,
    /// Another connection held a lock too long (`ErrorKind::Busy`).
    Busy = 108,
    /// A file could not be read or written (`ErrorKind::Io`).
    Io = 109,
    /// Any other storage failure (`ErrorKind::Storage`).
    Storage = 110,
    /// A remote service (Jira) refused or failed the call (`ErrorKind::Remote`).
    Remote = 111,
}

impl From<ErrorKind> for juno_status {
    fn from(kind: ErrorKind) -> Self {
        match kind {
            ErrorKind::InvalidInput => juno_status::InvalidInput,
            ErrorKind::Config => juno_status::Config,
            ErrorKind::NotFound => juno_status::NotFound,
            ErrorKind::InvalidState => juno_status::InvalidState,
            ErrorKind::PermissionDenied => juno_status::PermissionDenied,
            ErrorKind::SchemaTooNew => juno_status::SchemaTooNew,
            ErrorKind::NotADatabase => juno_status::NotADatabase,
            ErrorKind::Corrupt => juno_status::Corrupt,
            ErrorKind::Busy => juno_status::Busy,
            ErrorKind::Io => juno_status::Io,
            ErrorKind::Storage => juno_status::Storage,
            ErrorKind::Remote => juno_status::Remote,
            // `ErrorKind` is non-exhaustive: a kind added to the core before this table is
            // updated must still reach C as an error, never as success.
            _ => juno_status::Internal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    const KINDS: [ErrorKind; 12] = [
        ErrorKind::InvalidInput,
        ErrorKind::Config,
        ErrorKind::NotFound,
        ErrorKind::InvalidState,
        ErrorKind::PermissionDenied,
        ErrorKind::SchemaTooNew,
        ErrorKind::NotADatabase,
        ErrorKind::Corrupt,
        ErrorKind::Busy,
        ErrorKind::Io,
        ErrorKind::Storage,
        ErrorKind::Remote,
    ];

    #[test]
    fn every_kind_has_its_own_domain_code() {
        let codes: BTreeSet<u32> = KINDS.iter().map(|k| juno_status::from(*k) as u32).collect();
        assert_eq!(codes.len(), KINDS.len(), "two kinds share a code");
        assert!(codes.iter().all(|c| (100..200).contains(c)), "{codes:?}");
    }

    #[test]
    fn numbers_are_fixed() {
        // These numbers are ABI: changing one breaks every compiled C caller.
        assert_eq!(juno_status::Ok as u32, 0);
        assert_eq!(juno_status::NullParameter as u32, 1);
        assert_eq!(juno_status::InvalidUtf8 as u32, 2);
        assert_eq!(juno_status::Panic as u32, 3);
        assert_eq!(juno_status::Internal as u32, 4);
        assert_eq!(juno_status::from(ErrorKind::InvalidInput) as u32, 100);
        assert_eq!(juno_status::from(ErrorKind::NotADatabase) as u32, 106);
        assert_eq!(juno_status::from(ErrorKind::Storage) as u32, 110);
        assert_eq!(juno_status::from(ErrorKind::Remote) as u32, 111);
    }
}
