//! JUNO's structured logs (`juno_core::log`) delivered to a C callback.

use std::ffi::{CString, c_char, c_void};
use std::sync::{OnceLock, RwLock, RwLockReadGuard};

use juno_core::log::{Forward, LogEvent, Sink};
use tracing::Level;

use crate::boundary::ffi_boundary;
use crate::error::{Failure, juno_error};
use crate::status::juno_status;

/// Receives one log event: `level` (1 error, 2 warning, 3 info, 4 debug, 5 trace), the
/// `channel` (`"juno::application"`, `"juno::governance"` or `"juno::performance"`), a
/// one-line `message`, and `fields_json`, a JSON object of the event's fields (`seq`,
/// `event`, `actor`, `subject`, `ms`, …). The three strings are NUL-terminated UTF-8, valid
/// only during the call. It is called on the thread that raised the event, possibly on
/// several at once, so it must be thread-safe; it must return normally and must not call
/// JUNO.
#[allow(non_camel_case_types)]
pub type juno_log_fn = Option<
    unsafe extern "C" fn(
        ctx: *mut c_void,
        level: u32,
        channel: *const c_char,
        message: *const c_char,
        fields_json: *const c_char,
    ),
>;

struct Callback {
    callback: juno_log_fn,
    ctx: usize,
    max_level: u32,
}

static CALLBACK: RwLock<Callback> = RwLock::new(Callback {
    callback: None,
    ctx: 0,
    max_level: 0,
});

fn callback() -> RwLockReadGuard<'static, Callback> {
    // The guarded value is plain data: a panic elsewhere cannot leave it half-written.
    CALLBACK.read().unwrap_or_else(|e| e.into_inner())
}

fn level_number(level: &Level) -> u32 {
    match *level {
        Level::ERROR => 1,
        Level::WARN => 2,
        Level::INFO => 3,
        Level::DEBUG => 4,
        _ => 5,
    }
}

struct CSink;

impl Sink for CSink {
    fn enabled(&self, _channel: usize, level: &Level) -> bool {
        let c = callback();
        c.callback.is_some() && level_number(level) <= c.max_level
    }

    fn event(&self, event: LogEvent) {
        // JUNO's events hold no NUL; were one there, it is dropped rather than cut short.
        let c_string = |s: String| CString::new(s.replace('\0', "")).unwrap_or_default();
        let fields = c_string(event.fields_json().to_string());
        let channel = c_string(event.channel.to_owned());
        let message = c_string(event.message);
        let c = callback();
        if let Some(cb) = c.callback {
            // SAFETY: the caller's callback and context (`juno_log_fn`'s contract); the
            // strings live until the call returns.
            unsafe {
                cb(
                    c.ctx as *mut c_void,
                    level_number(&event.level),
                    channel.as_ptr(),
                    message.as_ptr(),
                    fields.as_ptr(),
                );
            }
        }
    }
}

/// Sends JUNO's structured log events at `max_level` and above (1 error … 5 trace; 3 is
/// info) to `callback`, from now on, for every handle in the process; `callback` NULL (or
/// `max_level` 0) stops them. See `juno_log_fn` for what it receives, and the README's
/// "Logs" for the three channels and `LOG_PSEUDONYM_KEY`.
///
/// - `callback`: **optional**; NULL turns logging off.
/// - `ctx`: passed unchanged to `callback`; may be NULL.
/// - `err`: optional; receives a `juno_error` on failure.
/// - Errors: `JUNO_STATUS_INVALID_INPUT` (`max_level`) for a level above 5;
///   `JUNO_STATUS_INTERNAL` when another `tracing` subscriber was installed in this
///   process first (a Rust host that embeds the library and logs through `tracing`
///   receives JUNO's events there).
/// - Thread safety: any thread; an event raised meanwhile goes to the old or the new
///   callback. Once this returns, no call of the old callback is still running, so its
///   `ctx` may be freed (calls run under a lock this function takes; so a callback that
///   calls `juno_log_set_callback` deadlocks). The call that raised an event waits for the
///   callback, and approvals committed together wait for each other's: keep it short.
#[unsafe(no_mangle)]
pub extern "C" fn juno_log_set_callback(
    callback: juno_log_fn,
    ctx: *mut c_void,
    max_level: u32,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        if max_level > 5 {
            return Err(Failure::new(
                juno_status::InvalidInput,
                format!("`max_level`: expected 0 (off) to 5 (trace), got {max_level}"),
            ));
        }
        static INSTALLED: OnceLock<bool> = OnceLock::new();
        let installed = *INSTALLED
            .get_or_init(|| tracing::subscriber::set_global_default(Forward(CSink)).is_ok());
        if !installed {
            return Err(Failure::new(
                juno_status::Internal,
                "another tracing subscriber is installed in this process; JUNO's events go to it",
            ));
        }
        let mut c = CALLBACK.write().unwrap_or_else(|e| e.into_inner());
        *c = Callback {
            callback,
            ctx: ctx as usize,
            max_level: if callback.is_some() { max_level } else { 0 },
        };
        Ok(())
    })
}
