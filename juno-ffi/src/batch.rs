//! The batch calls for hosts that work in bulk: many confidences, many recalls, many
//! approvals in one call (and, for approvals, one transaction).

use std::ffi::c_char;

use juno_core::governance::{ApprovalItem, ApprovalRequest};
use juno_core::memory::RecallQuery;
use juno_core::reasoning::{Calibration, Confidence, Evidence, EvidenceColumns};
use serde::Serialize;

use crate::boundary::{Out, handle, opt_str_in, str_in};
use crate::buf::juno_buf;
use crate::engine::juno;
use crate::engines::{json_object_in, json_objects_in};
use crate::error::{Failure, juno_error};
use crate::ffi_boundary;
use crate::status::juno_status;

/// Scores many decisions in one call, as `juno_reasoning_confidence` scores one (without
/// a team's track record from memory).
///
/// - `j`: must not be NULL; not modified.
/// - `evidence_json`/`evidence_len`: a JSON array of `Evidence` objects (as for
///   `juno_reasoning_confidence`); must not be NULL.
/// - `calibration_json`/`calibration_len`: **optional** (NULL for none): a `Calibration`
///   object applied to each.
/// - `out_json`: on success receives a JSON array of `Confidence` objects in input order;
///   the caller frees it with `juno_buf_free`. Untouched on failure. Must not be NULL.
/// - `err`: optional; on failure receives a `juno_error` (free with `juno_error_free`).
/// - Errors: `JUNO_STATUS_INVALID_INPUT` naming the item and field
///   (`` `evidence[3].completeness` ``); nothing is scored then.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_reasoning_confidence_many(
    j: *const juno,
    evidence_json: *const c_char,
    evidence_len: usize,
    calibration_json: *const c_char,
    calibration_len: usize,
    out_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j) }?;
        // SAFETY: each string is NULL or its length in readable bytes.
        let evidence = unsafe { str_in("evidence_json", evidence_json, evidence_len) }?;
        // SAFETY: as above.
        let calibration =
            unsafe { opt_str_in("calibration_json", calibration_json, calibration_len) }?;
        let out = Out::new("out_json", out_json)?;
        let evidence: Vec<Evidence> = json_objects_in("evidence", evidence)?;
        let calibration: Option<Calibration> = calibration
            .map(|c| json_object_in("calibration", c))
            .transpose()?;
        let scored: Vec<Confidence> = j
            .inner
            .reasoning()
            .confidence_many(&evidence, calibration.as_ref())?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("confidences", &scored) }
    })
}

/// A column of `rows` doubles, or none when `ptr` is NULL.
///
/// # Safety
/// `ptr` is NULL or points to `rows` readable doubles that outlive the call.
unsafe fn column<'a>(ptr: *const f64, rows: usize) -> Option<&'a [f64]> {
    // SAFETY: forwarded to the caller.
    (!ptr.is_null()).then(|| unsafe { std::slice::from_raw_parts(ptr, rows) })
}

/// The confidence of every row of evidence given as columns of doubles — the numbers of
/// `juno_reasoning_confidence_many` without the factor table, for hosts that hold arrays.
///
/// - `j`: must not be NULL; not modified.
/// - `rows`: the number of rows; every given column has `rows` values.
/// - `completeness`, `observations`: must not be NULL (unless `rows` is 0).
/// - `newest_evidence_age_hours`, `track_record_right`, `track_record_total`,
///   `pattern_support`, `pattern_episodes`: **optional** (NULL: the field is absent in
///   every row). NaN in an age or a support marks that row's value absent. Counts must be
///   whole numbers ≥ 0.
/// - `engine_signals`: **optional**: `rows × signals_per_row` doubles, row after row
///   (NULL when `signals_per_row` is 0).
/// - `calibration_json`/`calibration_len`: **optional**: a `Calibration` object.
/// - `out`: must not be NULL (unless `rows` is 0); on success receives `rows` confidences
///   (calibrated when a fitted map is given); untouched on failure.
/// - `err`: optional; on failure receives a `juno_error`.
/// - Errors: `JUNO_STATUS_INVALID_INPUT` naming the column and row (`` `completeness[7]` ``).
/// - Thread safety: safe to call while other threads use `j`; the arrays must not change
///   during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_reasoning_confidence_columns(
    j: *const juno,
    rows: usize,
    completeness: *const f64,
    observations: *const f64,
    newest_evidence_age_hours: *const f64,
    track_record_right: *const f64,
    track_record_total: *const f64,
    pattern_support: *const f64,
    pattern_episodes: *const f64,
    engine_signals: *const f64,
    signals_per_row: usize,
    calibration_json: *const c_char,
    calibration_len: usize,
    out: *mut f64,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j) }?;
        // SAFETY: NULL or its length in readable bytes.
        let calibration =
            unsafe { opt_str_in("calibration_json", calibration_json, calibration_len) }?;
        // Every pointer is checked before any input is parsed, so a NULL is reported as
        // one whatever else is wrong.
        if rows > 0 {
            for (name, ptr) in [
                ("completeness", completeness),
                ("observations", observations),
            ] {
                if ptr.is_null() {
                    return Err(Failure::null(name));
                }
            }
            if out.is_null() {
                return Err(Failure::null("out"));
            }
        }
        let calibration: Option<Calibration> = calibration
            .map(|c| json_object_in("calibration", c))
            .transpose()?;
        if rows == 0 {
            return Ok(());
        }
        let signal_count = rows.checked_mul(signals_per_row).ok_or_else(|| {
            juno_core::Error::invalid("signals_per_row", "rows × signals_per_row overflows")
        })?;
        // SAFETY: every non-NULL column has `rows` readable doubles (the contract), the
        // signals `rows × signals_per_row`.
        let columns = unsafe {
            EvidenceColumns {
                completeness: std::slice::from_raw_parts(completeness, rows),
                observations: std::slice::from_raw_parts(observations, rows),
                newest_evidence_age_hours: column(newest_evidence_age_hours, rows),
                track_record_right: column(track_record_right, rows),
                track_record_total: column(track_record_total, rows),
                pattern_support: column(pattern_support, rows),
                pattern_episodes: column(pattern_episodes, rows),
                engine_signals: column(engine_signals, signal_count),
                signals_per_row,
            }
        };
        let scores = j
            .inner
            .reasoning()
            .confidence_columns(&columns, calibration.as_ref())?;
        // SAFETY: `out` has room for `rows` doubles (the contract); written only now, on
        // success.
        unsafe { std::ptr::copy_nonoverlapping(scores.as_ptr(), out, scores.len()) };
        Ok(())
    })
}

/// Runs many recalls in one call, as `juno_memory_recall` runs one; the accesses of the
/// queries that ask for `touch` are recorded in one write at the end.
///
/// - `j`: must not be NULL.
/// - `queries_json`/`queries_len`: a JSON array of `RecallQuery` objects (as for
///   `juno_memory_recall`); must not be NULL.
/// - `out_json`: on success receives a JSON array with one array of hits per query, in
///   input order; free with `juno_buf_free`. Untouched on failure. Must not be NULL.
/// - `err`: optional; on failure receives a `juno_error`.
/// - Errors: `JUNO_STATUS_INVALID_INPUT` naming the query (`` `queries[3].limit` ``);
///   every query is checked before any runs.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_memory_recall_many(
    j: *const juno,
    queries_json: *const c_char,
    queries_len: usize,
    out_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j) }?;
        // SAFETY: NULL or its length in readable bytes.
        let queries = unsafe { str_in("queries_json", queries_json, queries_len) }?;
        let out = Out::new("out_json", out_json)?;
        let queries: Vec<RecallQuery> = json_objects_in("queries", queries)?;
        let hits = j.inner.memory().recall_many(&queries)?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("recall hits", &hits) }
    })
}

/// One item's result in `juno_governance_approve_many`'s output.
#[derive(Serialize)]
#[serde(untagged)]
enum ItemResult {
    Approved(Box<ApprovalRequest>),
    Refused { id: i64, error: ItemError },
}

/// A refused item: its status code (as a `juno_status`), its kind and message.
#[derive(Serialize)]
struct ItemError {
    status: u32,
    kind: &'static str,
    message: String,
}

/// Approves many requests in **one transaction and one sync to disk**, each checked and
/// audited as `juno_governance_approve` checks and audits one.
///
/// - `j`: must not be NULL.
/// - `items_json`/`items_len`: a JSON array of `{"id", "approver", "digest"}` objects;
///   must not be NULL.
/// - `out_json`: on success receives a JSON array, one element per item in input order:
///   the approved `ApprovalRequest` object, or `{"id": …, "error": {"status": …,
///   "kind": …, "message": …}}` for a refused item (`status` is the `juno_status` that
///   `juno_governance_approve` would have returned). Free with `juno_buf_free`.
/// - `err`: optional; on failure receives a `juno_error`.
/// - Errors: `JUNO_STATUS_INVALID_INPUT` for a malformed item (nothing is decided);
///   storage errors (nothing of the batch is stored). A refused item is not an error of
///   the call: it is refused and audited, and the others are decided.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_governance_approve_many(
    j: *const juno,
    items_json: *const c_char,
    items_len: usize,
    out_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j) }?;
        // SAFETY: NULL or its length in readable bytes.
        let items = unsafe { str_in("items_json", items_json, items_len) }?;
        let out = Out::new("out_json", out_json)?;
        let items: Vec<ApprovalItem> = json_objects_in("items", items)?;
        let results = j.inner.governance().approve_many(&items)?;
        let results: Vec<ItemResult> = items
            .iter()
            .zip(results)
            .map(|(item, r)| match r {
                Ok(req) => ItemResult::Approved(Box::new(req)),
                Err(e) => ItemResult::Refused {
                    id: item.id,
                    error: ItemError {
                        status: juno_status::from(e.kind()) as u32,
                        kind: e.kind().as_str(),
                        message: e.to_string(),
                    },
                },
            })
            .collect();
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("approval results", &results) }
    })
}
