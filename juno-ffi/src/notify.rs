//! Notifications: Slack and Teams messages from the audit log, through an outbox
//! ([`juno_core::notify`]).

use std::ffi::c_char;

use crate::boundary::{Out, handle, opt_str_in};
use crate::buf::juno_buf;
use crate::engine::juno;
use crate::error::juno_error;
use crate::ffi_boundary;
use crate::status::juno_status;

/// Reads the audit log from where the last call stopped and queues one message per notice
/// per configured channel (`[notify]` in the config file), in one transaction with the
/// cursor. Writes `{"read", "queued", "cursor"}`. With no channel configured the cursor
/// still moves and nothing is queued. The agent cycle calls this itself.
///
/// - `j`: must not be NULL.
/// - `out_json`: on success receives the JSON; the caller frees it with `juno_buf_free`.
///   Untouched on failure. Must not be NULL.
/// - `err`: optional, as for `juno_source_sync_sim`.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_notify_collect(
    j: *const juno,
    out_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j) }?;
        let out = Out::new("out_json", out_json)?;
        let report = j.inner.notify().collect()?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("collected", &report) }
    })
}

/// Sends up to `limit` due messages (1 to 1000), each at most once, and writes `{"sent",
/// "retrying", "dead", "pending", "errors"}`. A chat service's failure is counted and
/// retried later with backoff, never returned as an error; after `max_attempts` the
/// message is kept as `dead`. The call waits for each service (at most
/// `notify.timeout_secs` per message): call it off a latency-sensitive thread.
///
/// - `j`: must not be NULL.
/// - `out_json`: on success receives the JSON; the caller frees it with `juno_buf_free`.
///   Untouched on failure. Must not be NULL.
/// - `err`: optional, as for `juno_source_sync_sim`.
/// - Errors: `JUNO_STATUS_INVALID_INPUT` for `limit` 0 or above 1000.
/// - Thread safety: safe to call while other threads use `j`; two callers never send one
///   message twice.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_notify_deliver(
    j: *const juno,
    limit: usize,
    out_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j) }?;
        let out = Out::new("out_json", out_json)?;
        let report = j.inner.notify().deliver(limit)?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("delivery", &report) }
    })
}

/// The queued messages, newest first, at most `limit`, as a JSON array of `Outgoing`
/// objects (`id`, `channel`, `kind`, `subject`, `dedup`, `body` — the exact JSON posted —,
/// `created_at`, `attempts`, `next_at`, `status`, `sent_at`, `last_error`).
///
/// - `j`: must not be NULL.
/// - `status`/`status_len`: **optional**: `pending`, `sent` or `dead`; NULL for every status.
/// - `out_json`: on success receives the JSON; the caller frees it with `juno_buf_free`.
///   Untouched on failure. Must not be NULL.
/// - `err`: optional, as for `juno_source_sync_sim`.
/// - Errors: `JUNO_STATUS_INVALID_INPUT` naming `status` for another value.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_notify_outbox(
    j: *const juno,
    status: *const c_char,
    status_len: usize,
    limit: usize,
    out_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j) }?;
        // SAFETY: `status` is NULL or points to `status_len` readable bytes.
        let status = unsafe { opt_str_in("status", status, status_len) }?;
        let out = Out::new("out_json", out_json)?;
        let rows = j.inner.notify().outbox(status, limit)?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("outbox", &rows) }
    })
}
