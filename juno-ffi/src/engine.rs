//! `juno`: the engine handle — open, free, back up, version and the injected clock.

use std::ffi::c_char;
use std::sync::Arc;

use juno_core::{Juno, ManualClock};

use crate::boundary::{Out, handle, str_in};
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

/// The library version, e.g. `"0.1.0"` (the same as `JUNO_VERSION_STRING` for a matching
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
/// that stands still until `juno_clock_set` is called again (it may move backwards):
/// expiry, recall recency and cleanup all use it. Meant for tests, demos and replays that
/// need deterministic time; there is no way back to the system clock on this handle.
///
/// - `j`: must not be NULL.
/// - `err`: optional, as for `juno_open`.
/// - Errors: `JUNO_STATUS_INVALID_INPUT` if `unix_ms` is outside the representable range.
/// - Thread safety: safe to call while other threads use `j`; they see the old or the new
///   time.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_clock_set(
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
