//! A background WAL checkpointer for file stores.
//!
//! SQLite's default is to checkpoint inside whichever commit pushes the WAL past 1000 pages,
//! so an unlucky caller (a recall that records an access, a small store) pays for copying
//! the whole WAL back into the database. Here that work runs on a thread with its own
//! connection, a few times a second. The callers' connection keeps a much higher
//! auto-checkpoint limit as a safety net, in case this thread falls behind.

use std::path::Path;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::Connection;

/// How often the thread checkpoints.
const PERIOD: Duration = Duration::from_millis(250);
/// Auto-checkpoint limit (pages) left on the callers' connection as a safety net.
pub(crate) const SAFETY_NET_PAGES: i64 = 16_384;

#[derive(Debug, Default)]
struct Signal {
    stop: Mutex<bool>,
    wake: Condvar,
}

/// Owns the thread; dropping it stops and joins the thread.
#[derive(Debug)]
pub(crate) struct Checkpointer {
    signal: Arc<Signal>,
    handle: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts checkpointing `path`. Returns `None` if the thread or its connection cannot be
    /// made; callers then rely on SQLite's own auto-checkpoint.
    pub(crate) fn start(path: &Path) -> Option<Self> {
        let conn = Connection::open(path).ok()?;
        conn.busy_timeout(Duration::from_millis(50)).ok()?;
        let signal = Arc::new(Signal::default());
        let theirs = Arc::clone(&signal);
        let handle = std::thread::Builder::new()
            .name("juno-checkpoint".into())
            .spawn(move || run(&conn, &theirs))
            .ok()?;
        Some(Checkpointer {
            signal,
            handle: Some(handle),
        })
    }
}

fn run(conn: &Connection, signal: &Signal) {
    let mut stop = signal.stop.lock().unwrap_or_else(|p| p.into_inner());
    while !*stop {
        let (guard, _) = signal
            .wake
            .wait_timeout(stop, PERIOD)
            .unwrap_or_else(|p| p.into_inner());
        stop = guard;
        if *stop {
            break;
        }
        // PASSIVE never blocks writers or readers; a busy result just means "next time".
        let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        *self.signal.stop.lock().unwrap_or_else(|p| p.into_inner()) = true;
        self.signal.wake.notify_all();
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}
