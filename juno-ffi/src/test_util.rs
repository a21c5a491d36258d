//! Helpers for the unit tests of the governance and audit boundaries.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::ffi::c_char;
use std::ptr;

use crate::buf::{juno_buf, juno_buf_free};
use crate::engine::{juno, juno_free, juno_open_with_settings};
use crate::error::{juno_error, juno_error_free, juno_error_message, juno_error_status};
use crate::status::juno_status;

/// An in-memory engine opened with `settings` (JSON), freed on drop.
pub(crate) struct Engine(pub(crate) *mut juno);

impl Engine {
    pub(crate) fn with_settings(settings: &str) -> Self {
        let path = ":memory:";
        let mut j = ptr::null_mut();
        // SAFETY: valid strings and out pointer.
        let s = unsafe {
            juno_open_with_settings(
                path.as_ptr().cast(),
                path.len(),
                settings.as_ptr().cast(),
                settings.len(),
                &mut j,
                ptr::null_mut(),
            )
        };
        assert_eq!(s, juno_status::Ok);
        Engine(j)
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        // SAFETY: a live handle, used by no other thread.
        unsafe { juno_free(self.0) };
    }
}

/// A string as the `(ptr, len)` pair the C API takes.
pub(crate) fn s(text: &str) -> (*const c_char, usize) {
    (text.as_ptr().cast(), text.len())
}

/// Takes (and frees) a buffer a successful call filled, as JSON.
pub(crate) fn take_json(buf: &mut juno_buf) -> serde_json::Value {
    // SAFETY: `buf` was filled by a successful JUNO call.
    let bytes = unsafe { std::slice::from_raw_parts(buf.data, buf.len) }.to_vec();
    // SAFETY: as above.
    unsafe { juno_buf_free(buf) };
    serde_json::from_slice(&bytes).unwrap()
}

/// A buffer holding a recognisable value that no JUNO call produces.
pub(crate) fn sentinel_buf() -> juno_buf {
    juno_buf {
        data: 0x40 as *mut u8,
        len: 77,
    }
}

/// Whether `buf` still holds the sentinel (an output untouched by a failed call).
pub(crate) fn untouched(buf: &juno_buf) -> bool {
    (buf.data as usize, buf.len) == (0x40, 77)
}

/// Runs `call` with an error slot and returns its status and message, freeing the error.
pub(crate) fn failure(
    call: impl FnOnce(*mut *mut juno_error) -> juno_status,
) -> (juno_status, String) {
    let mut err: *mut juno_error = ptr::null_mut();
    let status = call(&mut err);
    assert_ne!(status, juno_status::Ok, "the call succeeded");
    assert!(!err.is_null(), "no error written");
    // SAFETY: a live error from the call.
    let (kind, text) = unsafe {
        let m = juno_error_message(err);
        let bytes = std::slice::from_raw_parts(m.data.cast::<u8>(), m.len);
        (
            juno_error_status(err),
            String::from_utf8(bytes.to_vec()).unwrap(),
        )
    };
    assert_eq!(kind, status);
    // SAFETY: freed once.
    unsafe { juno_error_free(err) };
    (status, text)
}
