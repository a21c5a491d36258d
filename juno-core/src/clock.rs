//! The injected clock: logic takes `now` from a [`Clock`], never from the system directly.

use std::fmt;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

/// A source of the current time.
///
/// Engines and the store read time only through this trait, so tests, demos and
/// replays are deterministic.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;
}

/// The real wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stands still until told to move: for tests, demos and replays.
///
/// # Examples
///
/// ```
/// use juno_core::{Clock, ManualClock};
/// let clock = ManualClock::at_millis(1_700_000_000_000);
/// clock.advance(chrono::Duration::hours(2));
/// assert_eq!(clock.now().timestamp_millis(), 1_700_000_000_000 + 7_200_000);
/// ```
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<DateTime<Utc>>,
}

impl ManualClock {
    /// A clock fixed at `now`.
    pub fn new(now: DateTime<Utc>) -> Self {
        ManualClock {
            now: Mutex::new(now),
        }
    }

    /// A clock fixed at a Unix time in milliseconds (out-of-range values clamp to the epoch).
    pub fn at_millis(ms: i64) -> Self {
        Self::new(DateTime::from_timestamp_millis(ms).unwrap_or_default())
    }

    /// Moves the clock to `now` (it may go backwards: replays need that).
    pub fn set(&self, now: DateTime<Utc>) {
        *self.lock() = now;
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let mut guard = self.lock();
        *guard += by;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, DateTime<Utc>> {
        // A poisoned clock still holds a valid instant; keep going.
        self.now.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.lock()
    }
}
