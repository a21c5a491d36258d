//! JUNO's `tracing` events (`juno_core::log`) forwarded to Python's `logging`.
//!
//! The module installs one process-wide `tracing` subscriber when it is imported. It keeps
//! only JUNO's three channels, at the level the matching Python logger has
//! (`juno.application`, `juno.governance`, `juno.performance`), and hands each event to
//! `logging.getLogger(channel).log(level, message, extra={"juno": fields})`.
//!
//! **When the GIL is not held.** Heavy calls release the GIL, and an event raised there
//! cannot take it back on the spot: the thread may hold one of JUNO's locks that a thread
//! holding the GIL is waiting for. Such events wait in a queue, and a background thread
//! that holds no JUNO lock delivers them as soon as it gets the GIL. An event raised with
//! the GIL held goes out at once, after any that wait. `juno.log.flush()` delivers what
//! waits; the package flushes at exit. A forked child starts its own background thread.
//! Records name the core as their source (`pathname` `juno-core`, line 0).
//!
//! **Levels.** Whether an event is wanted is decided in Rust, from the Python loggers'
//! effective levels read when a `Juno` opens, on `flush()`/`refresh_levels()`, and at
//! most once a second after that while events are raised: an unwanted event costs a few
//! atomic loads, not a trip into Python.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock};
use std::time::Instant;

use juno_core::log::{FieldValue, Forward, LogEvent, Sink};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use tracing::Level;

/// Python's logger names for `juno_core::log::CHANNELS`, in the same order.
const LOGGERS: [&str; 3] = ["juno.application", "juno.governance", "juno.performance"];
/// A level above CRITICAL: the channel is off.
const OFF: u8 = 255;

struct Bridge {
    levels: [AtomicU8; 3],
    /// Milliseconds since [`epoch`] when the levels were last read from Python.
    refreshed_ms: AtomicU64,
    /// Events waiting for the GIL, each with the process that raised it (a forked child
    /// inherits its parent's queue, whose events the parent delivers).
    queue: Mutex<VecDeque<(u32, LogEvent)>>,
    /// The delivery thread, joined at exit so it never takes the GIL during finalization.
    drainer: Mutex<Option<std::thread::JoinHandle<()>>>,
    wake: Condvar,
    closed: AtomicBool,
    /// The process whose background thread delivers queued events (0: none yet). A forked
    /// child has no such thread and starts its own.
    drainer_pid: AtomicU32,
}

static BRIDGE: Bridge = Bridge {
    // Until the first refresh, Python's default: WARNING.
    levels: [AtomicU8::new(30), AtomicU8::new(30), AtomicU8::new(30)],
    refreshed_ms: AtomicU64::new(0),
    queue: Mutex::new(VecDeque::new()),
    wake: Condvar::new(),
    closed: AtomicBool::new(false),
    drainer_pid: AtomicU32::new(0),
    drainer: Mutex::new(None),
};

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

fn now_ms() -> u64 {
    u64::try_from(epoch().elapsed().as_millis()).unwrap_or(u64::MAX)
}

fn py_level(level: &Level) -> u8 {
    match *level {
        Level::ERROR => 40,
        Level::WARN => 30,
        Level::INFO => 20,
        Level::DEBUG => 10,
        _ => 5,
    }
}

unsafe extern "C" {
    // CPython's own function (public since 3.4; pyo3 leaves it out of its abi3 bindings
    // because it joined the limited API only later). The interpreter that loaded this
    // module exports it, so the symbol resolves like every other Python C API call.
    fn PyGILState_Check() -> std::ffi::c_int;
}

fn gil_held() -> bool {
    // SAFETY: PyGILState_Check only reads the calling thread's state; it is safe to call
    // with or without the GIL once the interpreter exists (the module is loaded).
    unsafe { PyGILState_Check() == 1 }
}

fn queue() -> MutexGuard<'static, VecDeque<(u32, LogEvent)>> {
    // A panic while holding the lock leaves a queue of plain records: still usable.
    BRIDGE.queue.lock().unwrap_or_else(|e| e.into_inner())
}

/// Reads the loggers' effective levels (the GIL is held).
pub(crate) fn refresh(py: Python<'_>) {
    let Ok(logging) = py.import("logging") else {
        return;
    };
    for (i, name) in LOGGERS.iter().enumerate() {
        let level = logging
            .call_method1("getLogger", (*name,))
            .and_then(|l| {
                if l.getattr("disabled")?.is_truthy()? {
                    return Ok(OFF);
                }
                l.call_method0("getEffectiveLevel")?
                    .extract::<i64>()
                    .map(|v| u8::try_from(v.clamp(0, 254)).unwrap_or(OFF))
            })
            .unwrap_or(30);
        BRIDGE.levels[i].store(level, Ordering::Relaxed);
    }
    BRIDGE
        .refreshed_ms
        .store(now_ms().max(1), Ordering::Relaxed);
}

fn deliver(py: Python<'_>, e: LogEvent) {
    let result = (|| -> PyResult<()> {
        let fields = PyDict::new(py);
        for (k, v) in &e.fields {
            match v {
                FieldValue::Int(x) => fields.set_item(*k, *x)?,
                FieldValue::UInt(x) => fields.set_item(*k, *x)?,
                FieldValue::Float(x) => fields.set_item(*k, *x)?,
                FieldValue::Bool(x) => fields.set_item(*k, *x)?,
                FieldValue::Text(x) => fields.set_item(*k, x)?,
            }
        }
        let name = LOGGERS[e.channel_index];
        let level = py_level(&e.level);
        let logger = py.import("logging")?.call_method1("getLogger", (name,))?;
        if !logger.call_method1("isEnabledFor", (level,))?.is_truthy()? {
            return Ok(());
        }
        let extra = PyDict::new(py);
        extra.set_item("juno", fields)?;
        // The record is made here rather than by `Logger.log`, whose caller lookup would
        // name a line of `logging` itself: the source is the Rust core, line unknown.
        let record = logger.call_method1(
            "makeRecord",
            (
                name,
                level,
                "juno-core",
                0,
                e.message,
                (),
                py.None(),
                py.None(),
                extra,
            ),
        )?;
        logger.call_method1("handle", (record,))?;
        Ok(())
    })();
    if let Err(err) = result {
        // A failing handler must not fail the JUNO call that logged; Python reports it
        // the way it reports any error it cannot raise.
        err.write_unraisable(py, None);
    }
}

fn stale() -> bool {
    now_ms().saturating_sub(BRIDGE.refreshed_ms.load(Ordering::Relaxed)) > 1000
}

/// Delivers every waiting record (the GIL is held), re-reading stale levels first.
fn drain(py: Python<'_>) {
    if stale() {
        refresh(py);
    }
    let pid = std::process::id();
    loop {
        let batch: Vec<(u32, LogEvent)> = queue().drain(..).collect();
        if batch.is_empty() {
            return;
        }
        for (from, r) in batch {
            if from == pid {
                deliver(py, r);
            }
        }
    }
}

fn start_drainer() {
    let pid = std::process::id();
    let running = BRIDGE.drainer_pid.load(Ordering::Acquire);
    if running == pid
        || BRIDGE
            .drainer_pid
            .compare_exchange(running, pid, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
    {
        return;
    }
    {
        let spawned = std::thread::Builder::new()
            .name("juno-log".into())
            .spawn(|| {
                loop {
                    {
                        let mut q = queue();
                        while q.is_empty() && !BRIDGE.closed.load(Ordering::Acquire) {
                            q = BRIDGE.wake.wait(q).unwrap_or_else(|e| e.into_inner());
                        }
                    }
                    if BRIDGE.closed.load(Ordering::Acquire) {
                        return;
                    }
                    // Records are taken only with the GIL held, so flush() (which holds it)
                    // always sees every record not yet delivered.
                    Python::attach(drain);
                }
            });
        match spawned {
            Ok(handle) => {
                let mut slot = BRIDGE.drainer.lock().unwrap_or_else(|e| e.into_inner());
                if let Some(parents) = slot.replace(handle) {
                    // A forked child's copy of its parent's thread handle: that thread does
                    // not exist here, so it is neither joined nor detached.
                    std::mem::forget(parents);
                }
            }
            // No thread: records wait for the next flush or GIL-holding event, and the
            // next queued event tries again.
            Err(_) => BRIDGE.drainer_pid.store(0, Ordering::Release),
        }
    }
}

/// The process-wide sink; all state is in [`BRIDGE`].
struct PySink;

impl Sink for PySink {
    fn enabled(&self, channel: usize, level: &Level) -> bool {
        if BRIDGE.closed.load(Ordering::Relaxed) {
            return false;
        }
        if stale() {
            if !gil_held() {
                // The levels may have changed and cannot be read without the GIL: keep
                // the event; the delivery thread re-reads them and `deliver` asks the
                // logger itself. (At most a second's worth of events is kept this way.)
                return true;
            }
            Python::attach(refresh);
        }
        BRIDGE
            .levels
            .get(channel)
            .is_some_and(|l| py_level(level) >= l.load(Ordering::Relaxed))
    }

    fn event(&self, event: LogEvent) {
        if gil_held() {
            Python::attach(|py| {
                drain(py);
                deliver(py, event);
            });
        } else {
            queue().push_back((std::process::id(), event));
            start_drainer();
            BRIDGE.wake.notify_one();
        }
    }
}

/// Installs the bridge (at import). Another process-wide `tracing` subscriber installed
/// first (an embedding Rust host's) is left in place and keeps JUNO's events.
#[pyfunction]
pub(crate) fn _log_install(py: Python<'_>) -> bool {
    refresh(py);
    tracing::subscriber::set_global_default(Forward(PySink)).is_ok()
}

/// Re-reads the Python loggers' levels.
#[pyfunction]
pub(crate) fn _log_refresh(py: Python<'_>) {
    refresh(py);
}

/// Delivers every event still waiting for the GIL, and re-reads the levels.
#[pyfunction]
pub(crate) fn _log_flush(py: Python<'_>) {
    refresh(py);
    drain(py);
}

/// At interpreter exit: delivers what waits, then stops the background thread.
#[pyfunction]
pub(crate) fn _log_close(py: Python<'_>) {
    drain(py);
    BRIDGE.closed.store(true, Ordering::Release);
    BRIDGE.wake.notify_all();
    // The thread may be waiting for the GIL right now: let it have it, see `closed` and
    // end before the interpreter finalizes (a thread taking the GIL then would be killed
    // mid-frame). Only this process's thread can be joined.
    if BRIDGE.drainer_pid.load(Ordering::Acquire) == std::process::id() {
        let handle = BRIDGE
            .drainer
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(handle) = handle {
            py.detach(|| {
                let _ = handle.join();
            });
        }
    }
}
