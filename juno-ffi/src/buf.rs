//! `juno_buf`: bytes that JUNO allocated and hands to the caller.

use std::ptr;

use serde::Serialize;

use crate::error::Failure;

/// Library-owned output bytes: JSON text, or plain UTF-8 text for the `_explain` calls.
///
/// Filled by JUNO on success only; owned by the caller from then on, who must release it
/// with `juno_buf_free` (never `free()`). `data[len]` is a NUL byte that is not counted in
/// `len`, so the output can also be read as a C string. An empty, never-filled buffer is
/// `{NULL, 0}`; initialise yours that way so freeing it unconditionally is safe.
#[repr(C)]
#[derive(Debug)]
#[allow(non_camel_case_types)]
pub struct juno_buf {
    /// The first byte, or NULL for an empty buffer.
    pub data: *mut u8,
    /// The number of bytes, not counting the trailing NUL.
    pub len: usize,
}

impl juno_buf {
    /// Moves `bytes` (plus a trailing NUL) into a caller-owned buffer.
    pub(crate) fn from_vec(mut bytes: Vec<u8>) -> Self {
        let len = bytes.len();
        bytes.push(0);
        let raw = Box::into_raw(bytes.into_boxed_slice());
        juno_buf {
            data: raw.cast::<u8>(),
            len,
        }
    }
}

/// Encodes `value` as a caller-owned JSON buffer; `what` names it in the (internal) error.
pub(crate) fn json_buf<T: Serialize + ?Sized>(what: &str, value: &T) -> Result<juno_buf, Failure> {
    serde_json::to_vec(value)
        .map(juno_buf::from_vec)
        .map_err(|e| Failure::encode(what, &e))
}

impl crate::boundary::Out<juno_buf> {
    /// Encodes `value` as JSON and writes it out: the last step of every call that returns
    /// JSON. Nothing is written when encoding fails.
    ///
    /// # Safety
    /// As [`crate::boundary::Out::write`]: the pointer points to a writable `juno_buf`.
    pub(crate) unsafe fn write_json<T: Serialize + ?Sized>(
        self,
        what: &str,
        value: &T,
    ) -> Result<(), Failure> {
        let buf = json_buf(what, value)?;
        // SAFETY: forwarded to the caller.
        unsafe { self.write(buf) };
        Ok(())
    }
}

/// Frees the bytes of `buf` and resets it to `{NULL, 0}`.
///
/// - Ownership: releases `buf->data`, which must have come from a JUNO call; `buf` itself
///   (the struct) stays the caller's.
/// - NULL: `juno_buf_free(NULL)` does nothing; a buffer whose `data` is NULL is left as it
///   is. Because the buffer is reset, freeing it twice is harmless.
/// - Do not change `data` or `len` before freeing; do not free a buffer from two threads
///   at once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_buf_free(buf: *mut juno_buf) {
    crate::ffi_boundary!(@infallible (), {
        // SAFETY: the caller passes NULL or a valid, exclusively used `juno_buf`.
        let Some(buf) = (unsafe { buf.as_mut() }) else {
            return;
        };
        if !buf.data.is_null() {
            let slice = ptr::slice_from_raw_parts_mut(buf.data, buf.len + 1);
            // SAFETY: `data` and `len + 1` are exactly what `from_vec` leaked, unchanged
            // (the caller's side of the contract), and the buffer is reset below, so the
            // allocation is released once.
            drop(unsafe { Box::from_raw(slice) });
        }
        buf.data = ptr::null_mut();
        buf.len = 0;
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_resets_and_is_idempotent() {
        // SAFETY: every pointer passed is NULL on purpose or valid for the call.
        unsafe {
            let mut b = juno_buf::from_vec(b"[1,2]".to_vec());
            assert_eq!(b.len, 5);
            // SAFETY: `b` was just filled by `from_vec`.
            assert_eq!(*b.data.add(5), 0, "trailing NUL");
            juno_buf_free(&mut b);
            assert!(b.data.is_null());
            assert_eq!(b.len, 0);
            juno_buf_free(&mut b);
            juno_buf_free(ptr::null_mut());
        }
    }

    #[test]
    fn empty_output_still_has_a_nul() {
        // SAFETY: every pointer passed is NULL on purpose or valid for the call.
        unsafe {
            let mut b = juno_buf::from_vec(Vec::new());
            assert!(!b.data.is_null());
            assert_eq!(b.len, 0);
            juno_buf_free(&mut b);
        }
    }
}
