//! The C boundary: the `ffi_boundary!` wrapper every exported body runs in, and the checked
//! conversions of caller-supplied pointers.
//!
//! Rules (the header repeats them):
//! - a pointer parameter that is NULL gives `JUNO_STATUS_NULL_PARAMETER`, *including* a
//!   string pointer whose length is 0: pass `""` for an empty string. The only exceptions
//!   are documented as optional (`juno_error **err`, a few optional filters).
//! - strings are `const char *ptr, size_t len`, need not be NUL-terminated and must be
//!   valid UTF-8 (else `JUNO_STATUS_INVALID_UTF8`).
//! - every pointer is checked before any work is done, and outputs are written only when
//!   the call returns `JUNO_STATUS_OK`.

use std::any::Any;
use std::ffi::c_char;
use std::panic::{UnwindSafe, catch_unwind};
use std::ptr::NonNull;

use crate::error::{Failure, juno_error};
use crate::status::juno_status;

/// Runs an exported function's body at the C boundary.
///
/// `ffi_boundary!(err, { ...; Ok(()) })`: the body returns `Result<(), Failure>`; a panic
/// becomes `JUNO_STATUS_PANIC`; on failure a `juno_error` is written to `*err` when `err`
/// is not NULL. The expression's value is the `juno_status` to return.
///
/// `ffi_boundary!(@infallible default, { ... })`: for functions that return a value rather
/// than a status (`_free`, accessors); a panic returns `default` instead of unwinding into C.
macro_rules! ffi_boundary {
    (@infallible $default:expr, $body:block) => {
        match ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(|| $body)) {
            ::std::result::Result::Ok(value) => value,
            ::std::result::Result::Err(_) => $default,
        }
    };
    ($err:expr, $body:block) => {
        $crate::boundary::run(
            $err,
            ::std::panic::AssertUnwindSafe(
                || -> ::std::result::Result<(), $crate::error::Failure> { $body },
            ),
        )
    };
}
pub(crate) use ffi_boundary;

/// The engine of [`ffi_boundary!`]: runs `body`, turns its failure or panic into a status
/// and, when `err` is not NULL, a `juno_error` written to `*err`.
pub(crate) fn run<F>(err: *mut *mut juno_error, body: F) -> juno_status
where
    F: FnOnce() -> Result<(), Failure> + UnwindSafe,
{
    let failure = match catch_unwind(body) {
        Ok(Ok(())) => return juno_status::Ok,
        Ok(Err(failure)) => failure,
        Err(payload) => Failure::new(
            juno_status::Panic,
            format!("JUNO panicked (a bug): {}", panic_message(payload.as_ref())),
        ),
    };
    let status = failure.status;
    if !err.is_null() {
        let boxed = Box::into_raw(Box::new(juno_error::from_failure(failure)));
        // SAFETY: `err` is not NULL and, per every function's contract, points to writable
        // storage for one `juno_error *`.
        unsafe { err.write(boxed) };
    }
    status
}

fn panic_message(payload: &(dyn Any + Send)) -> &str {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s
    } else {
        "unknown panic payload"
    }
}

/// A borrowed handle: NULL gives `JUNO_STATUS_NULL_PARAMETER`.
///
/// # Safety
/// `ptr` is NULL or points to a live `T` that outlives `'a` and is not mutated meanwhile.
pub(crate) unsafe fn handle<'a, T>(param: &str, ptr: *const T) -> Result<&'a T, Failure> {
    // SAFETY: forwarded to the caller.
    unsafe { ptr.as_ref() }.ok_or_else(|| Failure::null(param))
}

/// A caller-supplied UTF-8 string `ptr[0..len]`.
///
/// # Safety
/// `ptr` is NULL or points to `len` readable bytes that outlive `'a`.
pub(crate) unsafe fn str_in<'a>(
    param: &str,
    ptr: *const c_char,
    len: usize,
) -> Result<&'a str, Failure> {
    if ptr.is_null() {
        return Err(Failure::null(param));
    }
    if len > isize::MAX as usize {
        return Err(Failure::new(
            juno_status::InvalidInput,
            format!("`{param}` length {len} is larger than any object can be"),
        ));
    }
    // SAFETY: not NULL, `len` readable bytes (the caller's contract), `len <= isize::MAX`.
    let bytes = unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), len) };
    std::str::from_utf8(bytes).map_err(|e| {
        Failure::new(
            juno_status::InvalidUtf8,
            format!("`{param}` is not valid UTF-8: {e}"),
        )
    })
}

/// Like [`str_in`], but NULL means "not given".
///
/// # Safety
/// As [`str_in`].
pub(crate) unsafe fn opt_str_in<'a>(
    param: &str,
    ptr: *const c_char,
    len: usize,
) -> Result<Option<&'a str>, Failure> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: forwarded to the caller.
    unsafe { str_in(param, ptr, len) }.map(Some)
}

/// An output parameter, checked for NULL up front and written once, on success.
pub(crate) struct Out<T>(NonNull<T>);

impl<T> Out<T> {
    pub(crate) fn new(param: &str, ptr: *mut T) -> Result<Self, Failure> {
        NonNull::new(ptr)
            .map(Out)
            .ok_or_else(|| Failure::null(param))
    }

    /// An optional output: NULL means the caller does not want it.
    pub(crate) fn new_optional(ptr: *mut T) -> Option<Self> {
        NonNull::new(ptr).map(Out)
    }

    /// Writes the result without reading or dropping what was there (it may be
    /// uninitialised C memory).
    ///
    /// # Safety
    /// The pointer given to [`Out::new`] points to writable storage for a `T`.
    pub(crate) unsafe fn write(self, value: T) {
        // SAFETY: forwarded to the caller; `NonNull` rules out NULL.
        unsafe { self.0.as_ptr().write(value) }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use std::ptr;

    #[test]
    fn panic_becomes_a_status_and_a_message() {
        // SAFETY: every pointer passed is NULL on purpose or valid for the call.
        unsafe {
            let mut err: *mut juno_error = ptr::null_mut();
            let explode = true;
            let status = ffi_boundary!(&mut err, {
                if explode {
                    panic!("boom");
                }
                Ok(())
            });
            assert_eq!(status, juno_status::Panic);
            assert!(!err.is_null());
            let msg = crate::error::juno_error_message(err);
            // SAFETY: a view of a live error.
            let text = std::slice::from_raw_parts(msg.data.cast::<u8>(), msg.len);
            assert!(std::str::from_utf8(text).unwrap().contains("boom"));
            assert_eq!(crate::error::juno_error_status(err), juno_status::Panic);
            crate::error::juno_error_free(err);
        }
    }

    #[test]
    fn infallible_panic_returns_the_default() {
        let explode = true;
        let v: u32 = ffi_boundary!(@infallible 7, {
            if explode {
                panic!("boom");
            }
            1
        });
        assert_eq!(v, 7);
    }

    #[test]
    fn success_leaves_err_untouched() {
        let sentinel = 0x10 as *mut juno_error;
        let mut err = sentinel;
        assert_eq!(ffi_boundary!(&mut err, { Ok(()) }), juno_status::Ok);
        assert_eq!(err, sentinel);
    }

    #[test]
    fn null_err_is_allowed() {
        let status = ffi_boundary!(ptr::null_mut(), { Err(Failure::null("x")) });
        assert_eq!(status, juno_status::NullParameter);
    }

    #[test]
    fn strings_are_checked() {
        // SAFETY: valid pointers and lengths, or NULL.
        unsafe {
            assert_eq!(
                str_in("s", ptr::null(), 0).unwrap_err().status,
                juno_status::NullParameter
            );
            let bad = [0x66u8, 0xff, 0x6f];
            assert_eq!(
                str_in("s", bad.as_ptr().cast(), bad.len())
                    .unwrap_err()
                    .status,
                juno_status::InvalidUtf8
            );
            let ok = "héllo";
            assert_eq!(str_in("s", ok.as_ptr().cast(), ok.len()).unwrap(), ok);
            assert_eq!(str_in("s", ok.as_ptr().cast(), 0).unwrap(), "");
            assert_eq!(opt_str_in("s", ptr::null(), 5).unwrap(), None);
        }
    }
}
