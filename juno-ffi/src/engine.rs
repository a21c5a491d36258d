//! `juno`: the engine handle — open, free, back up, version and the injected clock.

use std::collections::BTreeMap;
use std::ffi::c_char;
use std::path::PathBuf;
use std::sync::Arc;

use juno_core::config::DatabaseUrl;
use juno_core::{Config, Juno, ManualClock};

use crate::boundary::{Out, handle, str_in};
use crate::buf::juno_buf;
use crate::error::{Failure, juno_error};
use crate::ffi_boundary;
use crate::status::juno_status;

/// An open JUNO engine: one SQLite store, its settings and its clock.
///
/// Created by `juno_open` or `juno_open_in_memory`, released by `juno_free`.
/// Thread safety: a `juno *` may be used from several threads at once (every call but
/// `juno_free` is safe to run concurrently on the same handle; JUNO serialises access to
/// the store internally).
#[allow(non_camel_case_types)]
pub struct juno {
    pub(crate) inner: Juno,
}

impl juno {
    fn boxed(inner: Juno) -> *mut juno {
        Box::into_raw(Box::new(juno { inner }))
    }
}

/// The library version, e.g. `"0.2.0"` (the same as `JUNO_VERSION_STRING` for a matching
/// header).
///
/// - Ownership: a static NUL-terminated string; never free it.
/// - Thread safety: any thread, any time.
#[unsafe(no_mangle)]
pub extern "C" fn juno_version() -> *const c_char {
    const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");
    VERSION.as_ptr().cast()
}

/// Opens (creating and migrating as needed) the JUNO database file at `path`.
///
/// - `path`: `path_len` bytes of UTF-8, not necessarily NUL-terminated; must not be NULL.
/// - `out`: on success receives a new handle the caller owns and releases with
///   `juno_free`; untouched on failure. Must not be NULL.
/// - `err`: optional (may be NULL); on failure receives a `juno_error` the caller frees
///   with `juno_error_free`; untouched on success.
/// - Errors: `JUNO_STATUS_NOT_A_DATABASE` for a file that is not SQLite,
///   `JUNO_STATUS_SCHEMA_TOO_NEW`, `JUNO_STATUS_IO` for a path that cannot be opened or
///   created (e.g. in a missing directory), `JUNO_STATUS_CORRUPT`.
/// - Thread safety: any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_open(
    path: *const c_char,
    path_len: usize,
    out: *mut *mut juno,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `path` is NULL or `path_len` readable bytes (the documented contract).
        let path = unsafe { str_in("path", path, path_len) }?;
        let out = Out::new("out", out)?;
        let engine = Juno::open_path(path)?;
        // SAFETY: `out` points to storage for one `juno *` (the documented contract).
        unsafe { out.write(juno::boxed(engine)) };
        Ok(())
    })
}

/// Opens the JUNO database at `path` with explicit settings instead of the defaults.
///
/// Nothing is read from the process environment or a `.env` file: the settings are exactly
/// the defaults overlaid with `settings_json`.
///
/// - `path`: `path_len` bytes of UTF-8; must not be NULL. `":memory:"` opens a private
///   in-memory engine (as `juno_open_in_memory`); anything else is a file, as for
///   `juno_open`. The path wins over any `DATABASE_URL` in the settings.
/// - `settings_json`/`settings_len`: a JSON object of environment-variable names to string
///   values, e.g. `{"AUTONOMOUS_ACTIONS":"true","APPROVAL_TIMEOUT_HOURS":"48"}` (`{}` for the
///   defaults); must not be NULL. `JUNO_CONFIG_FILE` names a TOML or JSON config file that
///   is read first, the other settings override it.
/// - `out`: on success receives a new handle the caller owns and releases with
///   `juno_free`; untouched on failure. Must not be NULL.
/// - `err`: optional, as for `juno_open`.
/// - Errors: `JUNO_STATUS_CONFIG` naming the first unknown setting, a bad value, or a
///   value that is not a JSON string; `JUNO_STATUS_INVALID_INPUT` when `settings_json` is
///   not JSON or not an object; `JUNO_STATUS_IO` for an unreadable `JUNO_CONFIG_FILE`;
///   then the errors of `juno_open`.
/// - Thread safety: any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_open_with_settings(
    path: *const c_char,
    path_len: usize,
    settings_json: *const c_char,
    settings_len: usize,
    out: *mut *mut juno,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `path` is NULL or `path_len` readable bytes (the documented contract).
        let path = unsafe { str_in("path", path, path_len) }?;
        // SAFETY: `settings_json` is NULL or `settings_len` readable bytes.
        let settings = unsafe { str_in("settings_json", settings_json, settings_len) }?;
        let out = Out::new("out", out)?;
        let mut config = Config::from_settings(&parse_settings(settings)?)?;
        config.database_url = if path == ":memory:" {
            DatabaseUrl::Memory
        } else {
            DatabaseUrl::Sqlite(PathBuf::from(path))
        };
        let engine = Juno::open(config)?;
        // SAFETY: `out` points to storage for one `juno *` (the documented contract).
        unsafe { out.write(juno::boxed(engine)) };
        Ok(())
    })
}

/// Parses `{"NAME":"value",…}`: malformed JSON or a non-object is invalid input, a value
/// that is not a string is a bad setting (the core's rule, shared with Python).
fn parse_settings(json: &str) -> Result<BTreeMap<String, String>, Failure> {
    let value = juno_core::json::value("settings", json)?;
    Ok(juno_core::Config::settings_from_json(value)?)
}

/// Opens a private, empty in-memory engine (for tests and examples); it vanishes with
/// `juno_free`.
///
/// - `out`: on success receives a new handle the caller owns and releases with
///   `juno_free`; untouched on failure. Must not be NULL.
/// - `err`: optional, as for `juno_open`.
/// - Thread safety: any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_open_in_memory(
    out: *mut *mut juno,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        let out = Out::new("out", out)?;
        let engine = Juno::open_in_memory()?;
        // SAFETY: `out` points to storage for one `juno *` (the documented contract).
        unsafe { out.write(juno::boxed(engine)) };
        Ok(())
    })
}

/// Closes the engine and frees the handle.
///
/// - Ownership: takes ownership of `j`; the handle is invalid afterwards.
/// - NULL: `juno_free(NULL)` does nothing.
/// - Thread safety: must be the last call on `j`: no other thread may be using it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_free(j: *mut juno) {
    ffi_boundary!(@infallible (), {
        if !j.is_null() {
            // SAFETY: a non-NULL `j` came from `juno::boxed` and has not been freed, and
            // no other thread uses it (the documented contract).
            drop(unsafe { Box::from_raw(j) });
        }
    })
}

/// Stops the engine's clock at `unix_ms` (milliseconds since 1970-01-01T00:00:00Z).
///
/// By default an engine reads the system clock. After this call it reads a fixed clock
/// that stands still until `juno_set_clock` is called again (it may move backwards):
/// expiry, recall recency and cleanup all use it. Meant for tests, demos and replays that
/// need deterministic time; there is no way back to the system clock on this handle.
///
/// - `j`: must not be NULL.
/// - `err`: optional, as for `juno_open`.
/// - Errors: `JUNO_STATUS_INVALID_INPUT` if `unix_ms` is outside the representable range.
/// - Thread safety: safe to call while other threads use `j`; they see the old or the new
///   time.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_set_clock(
    j: *mut juno,
    unix_ms: i64,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j.cast_const()) }?;
        if chrono::DateTime::from_timestamp_millis(unix_ms).is_none() {
            return Err(Failure::from(juno_core::Error::invalid(
                "unix_ms",
                format!("{unix_ms} is outside the representable time range"),
            )));
        }
        j.inner.set_clock(Arc::new(ManualClock::at_millis(unix_ms)));
        Ok(())
    })
}

/// Deprecated: the old name of `juno_set_clock` (Rust `Juno::set_clock`, Python
/// `Juno.set_clock`), kept for one release. Behaves exactly like it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_clock_set(
    j: *mut juno,
    unix_ms: i64,
    err: *mut *mut juno_error,
) -> juno_status {
    // SAFETY: the same contract as `juno_set_clock`, which checks every argument.
    unsafe { juno_set_clock(j, unix_ms, err) }
}

/// Checks the database (SQLite `integrity_check`, schema version, journal mode), as a JSON
/// `IntegrityReport` object: `ok`, `messages`, `schema_version`, `size_bytes`,
/// `journal_mode` — what `juno db check` prints.
///
/// - `j`: must not be NULL; not modified.
/// - `out_json`: on success receives the JSON; the caller frees it with `juno_buf_free`.
///   Untouched on failure. Must not be NULL.
/// - `err`: optional, as for `juno_open`.
/// - Errors: storage errors (a damaged file is reported in the JSON, not as an error).
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_check(
    j: *const juno,
    out_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j) }?;
        let out = Out::new("out_json", out_json)?;
        let report = j.inner.check()?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("integrity report", &report) }
    })
}

/// Copies the whole database to a new file at `path` while the engine stays in use
/// (SQLite online backup). An existing file at `path` is overwritten.
///
/// - `j`: must not be NULL; not modified.
/// - `path`: `path_len` bytes of UTF-8; must not be NULL.
/// - `err`: optional, as for `juno_open`.
/// - Errors: `JUNO_STATUS_IO` if `path` cannot be written.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_backup(
    j: *const juno,
    path: *const c_char,
    path_len: usize,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle; `path` is NULL or `path_len` readable bytes.
        let j = unsafe { handle("j", j) }?;
        // SAFETY: as above.
        let path = unsafe { str_in("path", path, path_len) }?;
        j.inner.backup(path)?;
        Ok(())
    })
}

/// Restores the backup file `backup` into the database file `target`, as `juno db
/// restore` does, and writes a JSON `RestoreReport` (`backup`, `target`,
/// `backup_schema_version`, `schema_version`, `integrity`, `audit_entries`, `audit_root`,
/// `memories`, `previous`, `previous_kept_at`).
///
/// A copy of the backup is checked first: SQLite's integrity check and the full-text index
/// check pass, its schema is JUNO's and no newer than this library's (an older one is
/// migrated), and its audit chain verifies. Nothing at `target` changes until every check
/// passes, and `backup` is only read. What was at `target` is kept beside it
/// (`TARGET.before-restore-STAMP`): a readable database is copied there and then has its
/// pages replaced in place, so other processes with it open read the restored content
/// next; a damaged file or one that is not a database stays under that name and the
/// restored file replaces it in one atomic rename. Stop writers first (what they commit
/// between the copy and the replacement is in neither) and free this process's own
/// handles on `target`.
///
/// - `backup`, `target`: `*_len` bytes of UTF-8 each; must not be NULL.
/// - `out_json`: on success receives the report; the caller frees it with
///   `juno_buf_free`. Untouched on failure. Must not be NULL.
/// - `err`: optional, as for `juno_open`.
/// - Errors: `JUNO_STATUS_SCHEMA_TOO_NEW`, `JUNO_STATUS_CORRUPT` (integrity check or audit
///   chain; the message says which), `JUNO_STATUS_NOT_A_DATABASE`,
///   `JUNO_STATUS_INVALID_INPUT` (field `backup`: the target itself, no JUNO schema, or
///   a page size the target's cannot take), `JUNO_STATUS_BUSY` (the target stayed
///   locked), `JUNO_STATUS_IO`, `JUNO_STATUS_STORAGE`. The target is left as it was.
/// - Thread safety: any thread; needs no handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_restore(
    backup: *const c_char,
    backup_len: usize,
    target: *const c_char,
    target_len: usize,
    out_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: each pointer is NULL or `*_len` readable bytes (the documented contract).
        let backup = unsafe { str_in("backup", backup, backup_len) }?;
        // SAFETY: as above.
        let target = unsafe { str_in("target", target, target_len) }?;
        let out = Out::new("out_json", out_json)?;
        let report = Juno::restore(backup, target)?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("restore report", &report) }
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use std::ptr;

    #[test]
    fn version_matches_cargo() {
        // SAFETY: a static NUL-terminated string.
        let v = unsafe { std::ffi::CStr::from_ptr(juno_version()) };
        assert_eq!(v.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
    }

    #[test]
    fn open_checks_its_pointers_and_leaves_out_untouched() {
        // SAFETY: every pointer passed is NULL on purpose or valid for the call.
        unsafe {
            let sentinel = 0x20 as *mut juno;
            let mut out = sentinel;
            let mut err: *mut juno_error = ptr::null_mut();
            let s = juno_open(ptr::null(), 0, &mut out, &mut err);
            assert_eq!(s, juno_status::NullParameter);
            assert_eq!(out, sentinel);
            assert_eq!(
                crate::error::juno_error_status(err),
                juno_status::NullParameter
            );
            crate::error::juno_error_free(err);

            let path = "x.db";
            let s = juno_open(
                path.as_ptr().cast(),
                path.len(),
                ptr::null_mut(),
                ptr::null_mut(),
            );
            assert_eq!(s, juno_status::NullParameter);
            assert_eq!(
                juno_open_in_memory(ptr::null_mut(), ptr::null_mut()),
                juno_status::NullParameter
            );

            let bad = b"\xc3(";
            let s = juno_open(bad.as_ptr().cast(), bad.len(), &mut out, ptr::null_mut());
            assert_eq!(s, juno_status::InvalidUtf8);
            assert_eq!(out, sentinel);
        }
    }

    #[test]
    fn open_with_settings_maps_bad_settings() {
        // SAFETY: every pointer passed is NULL on purpose or valid for the call.
        unsafe {
            let open = |path: &str, settings: &str, out: *mut *mut juno| {
                let mut err: *mut juno_error = ptr::null_mut();
                let s = juno_open_with_settings(
                    path.as_ptr().cast(),
                    path.len(),
                    settings.as_ptr().cast(),
                    settings.len(),
                    out,
                    &mut err,
                );
                let msg = if err.is_null() {
                    String::new()
                } else {
                    let m = crate::error::juno_error_message(err);
                    let bytes = std::slice::from_raw_parts(m.data.cast::<u8>(), m.len);
                    let text = String::from_utf8(bytes.to_vec()).unwrap();
                    crate::error::juno_error_free(err);
                    text
                };
                (s, msg)
            };
            let sentinel = 0x20 as *mut juno;
            let mut out = sentinel;
            for (settings, status, says) in [
                (
                    r#"{"NO_SUCH_SETTING":"1"}"#,
                    juno_status::Config,
                    "NO_SUCH_SETTING",
                ),
                (
                    r#"{"AUTONOMOUS_ACTIONS":"maybe"}"#,
                    juno_status::Config,
                    "AUTONOMOUS_ACTIONS",
                ),
                (
                    r#"{"AUTONOMOUS_ACTIONS":true}"#,
                    juno_status::Config,
                    "expected a string",
                ),
                (
                    r#"{"APPROVAL_TIMEOUT_HOURS":"-3"}"#,
                    juno_status::Config,
                    "APPROVAL_TIMEOUT_HOURS",
                ),
                (
                    r#"{"AUTONOMOUS_ACTIONS":"#,
                    juno_status::InvalidInput,
                    "settings",
                ),
                (
                    r#"["AUTONOMOUS_ACTIONS"]"#,
                    juno_status::InvalidInput,
                    "object",
                ),
            ] {
                let (s, msg) = open(":memory:", settings, &mut out);
                assert_eq!(s, status, "{settings}: {msg}");
                assert!(msg.contains(says), "{settings}: {msg}");
                assert_eq!(out, sentinel, "out written on failure");
            }
            let path = ":memory:";
            let s = juno_open_with_settings(
                path.as_ptr().cast(),
                path.len(),
                ptr::null(),
                0,
                &mut out,
                ptr::null_mut(),
            );
            assert_eq!(s, juno_status::NullParameter);
            let (s, msg) = open(":memory:", r#"{"AUTONOMOUS_ACTIONS":"true"}"#, &mut out);
            assert_eq!(s, juno_status::Ok, "{msg}");
            assert!((*out).inner.config().autonomous_actions);
            assert_eq!((*out).inner.config().database_url, DatabaseUrl::Memory);
            juno_free(out);
        }
    }

    #[test]
    fn clock_rejects_out_of_range_times() {
        // SAFETY: every pointer passed is NULL on purpose or valid for the call.
        unsafe {
            let mut j = ptr::null_mut();
            assert_eq!(
                juno_open_in_memory(&mut j, ptr::null_mut()),
                juno_status::Ok
            );
            assert_eq!(
                juno_clock_set(j, 1_767_225_600_000, ptr::null_mut()),
                juno_status::Ok
            );
            assert_eq!(
                juno_clock_set(j, i64::MAX, ptr::null_mut()),
                juno_status::InvalidInput
            );
            assert_eq!(
                juno_clock_set(ptr::null_mut(), 0, ptr::null_mut()),
                juno_status::NullParameter
            );
            juno_free(j);
            juno_free(ptr::null_mut());
        }
    }
}
