//! JUNO's structured logs (`juno_core::log`) delivered to a C callback.

use std::ffi::{CString, c_char, c_void};
use std::fmt::{self, Write as _};
use std::sync::RwLock;

use juno_core::log::CHANNELS;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata, Subscriber};

use crate::boundary::ffi_boundary;
use crate::error::{Failure, juno_error};
use crate::status::juno_status;

/// Receives one log event: `level` (1 error, 2 warning, 3 info, 4 debug, 5 trace), the
/// `channel` (`"juno::application"`, `"juno::governance"` or `"juno::performance"`), a
/// one-line `message`, and `fields_json`, a JSON object of the event's fields (`seq`,
/// `event`, `actor`, `subject`, `ms`, …). The three strings are NUL-terminated UTF-8, valid
/// only during the call. It is called on the thread that raised the event, possibly several
/// at once, so it must be thread-safe; it must return normally and must not call JUNO.
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

struct Sink {
    callback: juno_log_fn,
    ctx: usize,
    max_level: u32,
}

static SINK: RwLock<Sink> = RwLock::new(Sink {
    callback: None,
    ctx: 0,
    max_level: 0,
});

fn level_number(level: &Level) -> u32 {
    match *level {
        Level::ERROR => 1,
        Level::WARN => 2,
        Level::INFO => 3,
        Level::DEBUG => 4,
        _ => 5,
    }
}

struct CLogs;

#[derive(Default)]
struct Fields {
    message: String,
    fields: serde_json::Map<String, serde_json::Value>,
}

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            self.fields
                .insert(field.name().to_owned(), format!("{value:?}").into());
        }
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            self.fields.insert(field.name().to_owned(), value.into());
        }
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.fields.insert(field.name().to_owned(), value.into());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.fields.insert(field.name().to_owned(), value.into());
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.fields.insert(field.name().to_owned(), value.into());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.fields.insert(field.name().to_owned(), value.into());
    }
}

fn sink() -> std::sync::RwLockReadGuard<'static, Sink> {
    SINK.read().unwrap_or_else(|e| e.into_inner())
}

impl Subscriber for CLogs {
    fn register_callsite(&self, meta: &'static Metadata<'static>) -> Interest {
        if CHANNELS.contains(&meta.target()) {
            Interest::sometimes()
        } else {
            Interest::never()
        }
    }
    fn enabled(&self, meta: &Metadata<'_>) -> bool {
        let s = sink();
        s.callback.is_some()
            && CHANNELS.contains(&meta.target())
            && level_number(meta.level()) <= s.max_level
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let meta = event.metadata();
        let mut v = Fields::default();
        event.record(&mut v);
        // Interior NULs cannot come from JUNO's events; were one there, it is dropped.
        let c = |s: String| CString::new(s.replace('\0', "")).unwrap_or_default();
        let channel = c(meta.target().to_owned());
        let message = c(v.message);
        let fields = c(serde_json::Value::Object(v.fields).to_string());
        let s = sink();
        if let Some(cb) = s.callback {
            // SAFETY: the caller's callback and context (`juno_log_fn`'s contract); the
            // strings live until the call returns.
            unsafe {
                cb(
                    s.ctx as *mut c_void,
                    level_number(meta.level()),
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
/// `max_level` 0) stops them. See `juno_log_fn` for what it receives, and README's
/// "Logs" for the three channels and `LOG_PSEUDONYM_KEY`.
///
/// - `callback`: **optional**; NULL turns logging off.
/// - `ctx`: passed unchanged to `callback`; may be NULL.
/// - `err`: optional; receives a `juno_error` on failure.
/// - Errors: `JUNO_STATUS_INVALID_INPUT` (`max_level`) for a level above 5;
///   `JUNO_STATUS_INTERNAL` when another `tracing` subscriber was installed in this
///   process first (a Rust host that embeds the library and logs through `tracing` itself
///   receives JUNO's events there).
/// - Thread safety: any thread; events raised while it runs go to the old or the new
///   callback.
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
        static INSTALLED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        let installed =
            *INSTALLED.get_or_init(|| tracing::subscriber::set_global_default(CLogs).is_ok());
        if !installed {
            return Err(Failure::new(
                juno_status::Internal,
                "another tracing subscriber is installed in this process; JUNO's events go to it",
            ));
        }
        let mut s = SINK.write().unwrap_or_else(|e| e.into_inner());
        *s = Sink {
            callback,
            ctx: ctx as usize,
            max_level: if callback.is_some() { max_level } else { 0 },
        };
        drop(s);
        // Callsites cache whether anyone listens; a new level must reach them.
        tracing::callsite::rebuild_interest_cache();
        Ok(())
    })
}
