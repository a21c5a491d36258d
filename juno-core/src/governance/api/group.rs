//! Group commit for approvals: concurrent [`Governance::approve`] calls share one
//! transaction and one sync to disk.
//!
//! A caller queues its approval; if no batch is being written it becomes the leader, takes
//! everything queued (its own included), decides it with [`Governance::approve_many`] —
//! each item checked and audited as alone — and hands every caller its result. Callers
//! that queue while a batch is written wait for the next batch, which one of them leads.
//! A lone caller's batch is itself: the same transaction it always had.

use std::collections::HashMap;
use std::sync::{Condvar, Mutex, MutexGuard};

use super::{ApprovalItem, Governance};
use crate::error::{Error, Result};
use crate::governance::ApprovalRequest;

/// How long a leader waits for concurrent callers before writing a batch (only when the
/// last batch held more than one approval).
const LINGER: std::time::Duration = std::time::Duration::from_micros(100);

/// The approvals waiting to be written, and whose turn it is.
#[derive(Debug, Default)]
pub(crate) struct ApprovalQueue {
    state: Mutex<QueueState>,
    written: Condvar,
}

#[derive(Debug, Default)]
struct QueueState {
    leading: bool,
    /// How many the last batch held: more than one means callers are concurrent.
    last_batch: usize,
    next_ticket: u64,
    queued: Vec<(u64, ApprovalItem)>,
    results: HashMap<u64, Result<ApprovalRequest>>,
}

impl ApprovalQueue {
    fn lock(&self) -> MutexGuard<'_, QueueState> {
        // The state is only ever left whole (see `Leading`), so a poisoned lock is usable.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Clears the leader's mark and wakes the waiters even if writing the batch panicked, so
/// that a panic can never leave every later approval waiting.
struct Leading<'a>(&'a ApprovalQueue);

impl Drop for Leading<'_> {
    fn drop(&mut self) {
        self.0.lock().leading = false;
        self.0.written.notify_all();
    }
}

/// A storage failure of a shared batch, as each of its callers receives it.
fn shared_failure(e: &Error) -> Error {
    Error::Storage {
        message: format!("the approval batch was not written: {e}"),
    }
}

impl Governance<'_> {
    /// Queues one approval and returns its result once its batch is written.
    pub(super) fn approve_grouped(&self, item: ApprovalItem) -> Result<ApprovalRequest> {
        let queue = self.juno.approval_queue();
        let mut st = queue.lock();
        let ticket = st.next_ticket;
        st.next_ticket += 1;
        st.queued.push((ticket, item));
        loop {
            if let Some(r) = st.results.remove(&ticket) {
                return r;
            }
            if st.leading {
                st = queue.written.wait(st).unwrap_or_else(|p| p.into_inner());
                continue;
            }
            st.leading = true;
            if st.last_batch > 1 {
                // Callers are concurrent: those the last batch answered are on their way
                // back. Waiting a moment lets them join this batch instead of trickling
                // into many small ones, each with its own sync. A lone caller never waits.
                drop(st);
                std::thread::sleep(LINGER);
                st = queue.lock();
            }
            let batch = std::mem::take(&mut st.queued);
            st.last_batch = batch.len();
            drop(st);
            let guard = Leading(queue);
            let (tickets, items): (Vec<u64>, Vec<ApprovalItem>) = batch.into_iter().unzip();
            let outcome = self.approve_many(&items);
            let mut results = queue.lock();
            match outcome {
                Ok(each) => results.results.extend(tickets.into_iter().zip(each)),
                Err(e) => results
                    .results
                    .extend(tickets.into_iter().map(|t| (t, Err(shared_failure(&e))))),
            }
            drop(results);
            drop(guard);
            st = queue.lock();
        }
    }
}
