//! `juno_error`: the status and message of a failed call, and `juno_str`, a borrowed view.

use std::ffi::c_char;
use std::fmt;

use crate::status::juno_status;

/// A borrowed, read-only UTF-8 string: `len` bytes at `data`.
///
/// The bytes are owned by the object the view came from and stay valid as long as the
/// doc of the function that returned it says. `data` is never NULL; `data[len]` is a NUL
/// byte, so `data` may also be used as a C string (the message itself contains no NUL).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
#[allow(non_camel_case_types)]
pub struct juno_str {
    /// The first byte.
    pub data: *const c_char,
    /// The number of bytes, not counting the trailing NUL.
    pub len: usize,
}

/// The details of a failed call: its status and a human-readable message.
///
/// Created by JUNO when a fallible call fails and the caller passed a non-NULL
/// `juno_error **err`; owned by the caller, who frees it with `juno_error_free`.
#[allow(non_camel_case_types)]
pub struct juno_error {
    status: juno_status,
    /// The message followed by one NUL byte (not part of the message).
    message: Box<[u8]>,
}

/// Why a call failed, before it becomes a `juno_error` and a status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    pub status: juno_status,
    pub message: String,
}

impl Failure {
    pub(crate) fn new(status: juno_status, message: impl Into<String>) -> Self {
        Failure {
            status,
            message: message.into(),
        }
    }

    /// A NULL pointer where `param` must not be NULL.
    pub(crate) fn null(param: &str) -> Self {
        Failure::new(
            juno_status::NullParameter,
            format!("`{param}` must not be NULL"),
        )
    }

    /// A result that serde_json could not encode: a bug, not the caller's fault.
    pub(crate) fn encode(what: &str, err: &serde_json::Error) -> Self {
        Failure::new(
            juno_status::Internal,
            format!("could not encode {what} as JSON: {err}"),
        )
    }
}

impl From<juno_core::Error> for Failure {
    fn from(err: juno_core::Error) -> Self {
        Failure::new(juno_status::from(err.kind()), err.to_string())
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl juno_error {
    pub(crate) fn from_failure(failure: Failure) -> Self {
        // An interior NUL would cut the message short for callers that read it as a C
        // string; the message is for humans, so replace it rather than lose the rest.
        let mut bytes = failure.message.replace('\0', "\u{FFFD}").into_bytes();
        bytes.push(0);
        juno_error {
            status: failure.status,
            message: bytes.into_boxed_slice(),
        }
    }

    pub(crate) fn status(&self) -> juno_status {
        self.status
    }

    pub(crate) fn message_bytes(&self) -> &[u8] {
        &self.message[..self.message.len().saturating_sub(1)]
    }
}

/// The message of `err`, as a borrowed UTF-8 view.
///
/// - Ownership: the bytes belong to `err`; do not free or modify them.
/// - Lifetime: valid until `juno_error_free(err)`.
/// - NULL: if `err` is NULL, returns an empty string (never a NULL `data`).
/// - Thread safety: `err` is immutable; any thread may read it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_error_message(err: *const juno_error) -> juno_str {
    const EMPTY: &[u8] = b"\0";
    crate::ffi_boundary!(@infallible juno_str { data: EMPTY.as_ptr().cast(), len: 0 }, {
        // SAFETY: the caller passes NULL or a pointer from a JUNO call that it has not freed.
        match unsafe { err.as_ref() } {
            None => juno_str { data: EMPTY.as_ptr().cast(), len: 0 },
            Some(e) => juno_str {
                data: e.message.as_ptr().cast(),
                len: e.message_bytes().len(),
            },
        }
    })
}

/// The status of the failed call that produced `err` (never `JUNO_STATUS_OK`).
///
/// - NULL: if `err` is NULL, returns `JUNO_STATUS_NULL_PARAMETER`.
/// - Thread safety: `err` is immutable; any thread may read it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_error_status(err: *const juno_error) -> juno_status {
    crate::ffi_boundary!(@infallible juno_status::Panic, {
        // SAFETY: the caller passes NULL or a pointer from a JUNO call that it has not freed.
        match unsafe { err.as_ref() } {
            None => juno_status::NullParameter,
            Some(e) => e.status(),
        }
    })
}

/// Frees an error returned through a `juno_error **err` out-parameter.
///
/// - Ownership: takes ownership of `err`; it and every `juno_str` view of its message
///   become invalid.
/// - NULL: `juno_error_free(NULL)` does nothing.
/// - Free each error exactly once; do not use it from another thread at the same time.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_error_free(err: *mut juno_error) {
    crate::ffi_boundary!(@infallible (), {
        if !err.is_null() {
            // SAFETY: a non-NULL `err` came from `Box::into_raw` in `boundary::report` and
            // has not been freed (the caller's side of the contract).
            drop(unsafe { Box::from_raw(err) });
        }
    })
}
