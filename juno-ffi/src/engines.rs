//! `juno_reasoning_*`, `juno_velocity_*`, `juno_triage_*` and `juno_forecast_monte_carlo`:
//! the pure engines — confidence and calibration, velocity analysis, stale-ticket triage,
//! and the Monte Carlo simulation of a sprint.
//!
//! Inputs and outputs are JSON in the shapes of the core's serde types
//! (`juno_core::reasoning::Evidence`, `model::Sprint`, `model::Ticket`, …), the
//! same JSON the Python package uses. The `_explain` calls take a result back as JSON and
//! return plain UTF-8 text.

use std::collections::BTreeMap;
use std::ffi::c_char;

use chrono::{DateTime, Utc};
use juno_core::forecast::{MonteCarloInput, monte_carlo};
use juno_core::model::Sprint;
use juno_core::reasoning::{Calibration, Confidence, Evidence, ExplanationLevel};
use juno_core::triage::{Ticket, TriageProposal, TriageSettings};
use juno_core::velocity::VelocityReport;
use serde::de::DeserializeOwned;

use crate::boundary::{Out, handle, opt_str_in, str_in};
use crate::buf::juno_buf;
use crate::engine::juno;
use crate::error::{Failure, juno_error};
use crate::ffi_boundary;
use crate::status::juno_status;

/// Parses caller JSON as `T`; `what` names it in the error.
pub(crate) fn json_in<T: DeserializeOwned>(what: &str, json: &str) -> Result<T, Failure> {
    Ok(juno_core::json::parse(what, json)?)
}

/// Parses caller JSON that must be an object as `T` (serde would also read an array as a
/// struct's fields in order; a caller never means that).
pub(crate) fn json_object_in<T: DeserializeOwned>(what: &str, json: &str) -> Result<T, Failure> {
    Ok(juno_core::json::parse_object(what, json)?)
}

/// Parses caller JSON that must be an array of objects as a list of `T`.
pub(crate) fn json_objects_in<T: DeserializeOwned>(
    what: &str,
    json: &str,
) -> Result<Vec<T>, Failure> {
    let value: serde_json::Value = json_in(what, json)?;
    objects_of(what, value)
}

/// The items of `value`, an array of objects, as `T`s (`what[3]` in errors).
pub(crate) fn objects_of<T: DeserializeOwned>(
    what: &str,
    value: serde_json::Value,
) -> Result<Vec<T>, Failure> {
    Ok(juno_core::json::objects_from_value(what, value)?)
}

/// An optional explanation level: NULL is `detailed`.
pub(crate) fn level_in(level: Option<&str>) -> Result<ExplanationLevel, Failure> {
    Ok(level
        .map(str::parse::<ExplanationLevel>)
        .transpose()?
        .unwrap_or_default())
}

/// An optional time in milliseconds since the epoch (`now_unix_ms`): NULL is the engine's
/// clock.
pub(crate) fn time_in(j: &juno, now_ms: Option<i64>) -> Result<DateTime<Utc>, Failure> {
    match now_ms {
        Some(ms) => DateTime::from_timestamp_millis(ms).ok_or_else(|| {
            juno_core::Error::invalid(
                "now_unix_ms",
                format!("{ms} is outside the representable time range"),
            )
            .into()
        }),
        None => Ok(j.inner.now()),
    }
}

/// Writes `text` (UTF-8, not JSON) to `out`.
///
/// # Safety
/// As [`Out::write`].
pub(crate) unsafe fn write_text(out: Out<juno_buf>, text: String) {
    // SAFETY: forwarded to the caller.
    unsafe { out.write(juno_buf::from_vec(text.into_bytes())) }
}

/// The rest of every `_explain` call once its JSON string is read: the optional level
/// (NULL is `detailed`), the output, then the level's value, `json` as a `T` object (named
/// `what` in errors) and `explain`'s text written to `out_text`. The checks run in that
/// order, so each call fails the same way on the same bad arguments.
///
/// # Safety
/// `level` is NULL or points to `level_len` readable bytes; `out_text` is NULL or points to
/// a writable `juno_buf`.
pub(crate) unsafe fn explain_out<T: DeserializeOwned>(
    json: &str,
    what: &str,
    level: *const c_char,
    level_len: usize,
    out_text: *mut juno_buf,
    explain: impl FnOnce(&T, ExplanationLevel) -> String,
) -> Result<(), Failure> {
    // SAFETY: forwarded to the caller.
    let level = unsafe { opt_str_in("level", level, level_len) }?;
    let out = Out::new("out_text", out_text)?;
    let level = level_in(level)?;
    let value: T = json_object_in(what, json)?;
    // SAFETY: `out` points to a writable `juno_buf` (the caller's contract).
    unsafe { write_text(out, explain(&value, level)) };
    Ok(())
}

/// A JSON object argument that may be NULL: NULL is `T`'s default.
pub(crate) fn opt_json_object_in<T: DeserializeOwned + Default>(
    what: &str,
    json: Option<&str>,
) -> Result<T, Failure> {
    json.map_or_else(|| Ok(T::default()), |j| json_object_in(what, j))
}

/// Scores evidence for a decision: a confidence in [0, 1] from five weighted factors, with
/// the engine's configured weights (`[confidence_weights]`).
///
/// - `j`: must not be NULL; not modified.
/// - `evidence_json`/`evidence_len`: an `Evidence` object, every field optional, e.g.
///   `{"completeness":1.0,"observations":5,"newest_evidence_age_hours":72,
///   "track_record_right":8,"track_record_total":10,"pattern_support":0.9,
///   "pattern_episodes":3,"engine_signals":[0.6,0.4],"items":["ALPHA-12 idle 9 days"]}`
///   (`{}` is no evidence: confidence 0); must not be NULL.
/// - `team`/`team_len`, `action`/`action_len`: **optional**, together: when both are given
///   the track record is memory's for that team and kind of action (approved outcomes of
///   all recorded), replacing the evidence's. Both NULL: the evidence's own.
/// - `calibration_json`/`calibration_len`: **optional**: a `Calibration` object from
///   `juno_reasoning_calibrate`; when fitted, `calibrated` is its value of `raw`.
/// - `out_json`: on success receives a `Confidence` object (`raw`, `calibrated`,
///   `is_calibrated`, `factors` — each `name`, `value`, `weight`, `contribution`,
///   `evidence` —, `items`); the caller frees it with `juno_buf_free`. Untouched on
///   failure. Must not be NULL.
/// - `err`: optional (may be NULL); on failure receives a `juno_error` the caller frees
///   with `juno_error_free`; untouched on success.
/// - Errors: `JUNO_STATUS_INVALID_INPUT` for malformed JSON, an unknown field, a value out
///   of range (naming it, e.g. `` `engine_signals[1]` ``), only one of team and action, an
///   empty team or action, or a calibration map that is not monotone.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_reasoning_confidence(
    j: *const juno,
    evidence_json: *const c_char,
    evidence_len: usize,
    team: *const c_char,
    team_len: usize,
    action: *const c_char,
    action_len: usize,
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
        let team = unsafe { opt_str_in("team", team, team_len) }?;
        // SAFETY: as above.
        let action = unsafe { opt_str_in("action", action, action_len) }?;
        // SAFETY: as above.
        let calibration =
            unsafe { opt_str_in("calibration_json", calibration_json, calibration_len) }?;
        let out = Out::new("out_json", out_json)?;
        let evidence: Evidence = json_object_in("evidence", evidence)?;
        let calibration: Option<Calibration> = calibration
            .map(|c| json_object_in("calibration", c))
            .transpose()?;
        let reasoning = j.inner.reasoning();
        let mut confidence = match (team, action) {
            (Some(team), Some(action)) => reasoning.confidence_for(&evidence, team, action)?,
            (None, None) => reasoning.confidence(&evidence)?,
            _ => {
                return Err(juno_core::Error::invalid(
                    "team",
                    "team and action go together: give both (the track record comes from memory) or neither",
                )
                .into());
            }
        };
        if let Some(c) = &calibration {
            confidence = reasoning.calibrated(confidence, c)?;
        }
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("confidence", &confidence) }
    })
}

/// A confidence in words, at one of three levels: `basic` (one sentence), `detailed` (the
/// factor table) or `verbose` (the table, the formulas and every evidence item).
///
/// - `confidence_json`/`confidence_len`: a `Confidence` object as `juno_reasoning_confidence`
///   returns it (or the `confidence` of a triage proposal); must not be NULL.
/// - `level`/`level_len`: `"basic"`, `"detailed"` or `"verbose"`; **optional**: NULL means
///   `"detailed"`.
/// - `out_text`: on success receives the explanation as UTF-8 text (not JSON; NUL-terminated
///   like every `juno_buf`); the caller frees it with `juno_buf_free`. Untouched on failure.
///   Must not be NULL.
/// - `err`: optional, as for `juno_reasoning_confidence`.
/// - Errors: `JUNO_STATUS_INVALID_INPUT` for malformed JSON or an unknown level.
/// - Thread safety: any thread; no engine is involved.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_reasoning_explain(
    confidence_json: *const c_char,
    confidence_len: usize,
    level: *const c_char,
    level_len: usize,
    out_text: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `confidence_json` is NULL or `confidence_len` readable bytes.
        let json = unsafe { str_in("confidence_json", confidence_json, confidence_len) }?;
        // SAFETY: `level` is NULL or `level_len` readable bytes; `out_text` is NULL or a
        // writable `juno_buf` (the documented contract).
        unsafe {
            explain_out(
                json,
                "confidence",
                level,
                level_len,
                out_text,
                Confidence::explain,
            )
        }
    })
}

/// Fits a calibration map to recorded outcomes, so that a calibrated 0.9 is right about 9
/// times in 10 (isotonic regression), and reports the Brier score and expected calibration
/// error before and after. With fewer than 30 outcomes the map is the identity (no blocks).
///
/// - `j`: must not be NULL; not modified.
/// - `pairs_json`/`pairs_len`: a JSON array of `[confidence, was_right]` pairs, e.g.
///   `[[0.9,true],[0.3,false]]`; must not be NULL.
/// - `out_json`: on success receives a `Calibration` object (`blocks` — `[upper_bound,
///   value]` pairs —, `outcomes`, `brier_raw`, `brier_calibrated`, `ece_raw`,
///   `ece_calibrated`); pass it to `juno_reasoning_confidence` to apply it. The caller frees
///   it with `juno_buf_free`. Untouched on failure. Must not be NULL.
/// - `err`: optional, as for `juno_reasoning_confidence`.
/// - Errors: `JUNO_STATUS_INVALID_INPUT` for malformed JSON, an outcome that is not a
///   boolean, or a confidence outside [0, 1] (`` `pairs[3]` ``).
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_reasoning_calibrate(
    j: *const juno,
    pairs_json: *const c_char,
    pairs_len: usize,
    out_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j) }?;
        // SAFETY: `pairs_json` is NULL or `pairs_len` readable bytes.
        let pairs = unsafe { str_in("pairs_json", pairs_json, pairs_len) }?;
        let out = Out::new("out_json", out_json)?;
        let pairs: Vec<(f64, bool)> = json_in("pairs", pairs)?;
        let calibration = j.inner.reasoning().calibrate(&pairs)?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("calibration", &calibration) }
    })
}

/// Analyses one team's velocity: mean, median, stdev, coefficient of variation, stability,
/// OLS trend with R², Theil–Sen trend, a verdict and the next sprint's forecast.
///
/// - `j`: must not be NULL; not modified.
/// - `sprints_json`/`sprints_len`: a JSON array of `Sprint` objects, oldest first,
///   e.g. `[{"id":"s1","committed_points":30,"delivered_points":28}]` (velocity's old
///   names `sprint`, `committed`, `delivered` are accepted too) (at most 1000); must not be
///   NULL.
/// - `out_json`: on success receives a `VelocityReport` object (`sprints`, `mean`, `median`,
///   `stdev`, `cv`, `stability`, `completion_ratio`, `ols`, `r_squared`, `theil_sen`,
///   `classification` — `improving`, `stable`, `declining`, `volatile` or
///   `insufficient_data` —, `forecast`; undefined values are `null`); the caller frees it
///   with `juno_buf_free`. Untouched on failure. Must not be NULL.
/// - `err`: optional, as for `juno_reasoning_confidence`.
/// - Errors: `JUNO_STATUS_INVALID_INPUT` for malformed JSON, an unknown field, a negative
///   number (`` `sprints[1].delivered_points` ``) or too many sprints.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_velocity_analyze(
    j: *const juno,
    sprints_json: *const c_char,
    sprints_len: usize,
    out_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j) }?;
        // SAFETY: `sprints_json` is NULL or `sprints_len` readable bytes.
        let sprints = unsafe { str_in("sprints_json", sprints_json, sprints_len) }?;
        let out = Out::new("out_json", out_json)?;
        let sprints: Vec<Sprint> = json_objects_in("sprints", sprints)?;
        let report = j.inner.velocity().analyze(&sprints)?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("velocity report", &report) }
    })
}

/// Analyses many teams' velocity at once.
///
/// - `j`: must not be NULL; not modified.
/// - `teams_json`/`teams_len`: a JSON object of team name to an array of `Sprint`
///   objects, as for `juno_velocity_analyze`; must not be NULL.
/// - `out_json`: on success receives a JSON object of team name to `VelocityReport`, keys
///   in sorted order; the caller frees it with `juno_buf_free`. Untouched on failure. Must
///   not be NULL.
/// - `err`: optional, as for `juno_reasoning_confidence`.
/// - Errors: as for `juno_velocity_analyze`, the field named after the team
///   (`` `team_alpha[1].delivered_points` ``).
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_velocity_analyze_teams(
    j: *const juno,
    teams_json: *const c_char,
    teams_len: usize,
    out_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j) }?;
        // SAFETY: `teams_json` is NULL or `teams_len` readable bytes.
        let teams = unsafe { str_in("teams_json", teams_json, teams_len) }?;
        let out = Out::new("out_json", out_json)?;
        let raw: BTreeMap<String, serde_json::Value> = json_in("teams", teams)?;
        let mut teams = BTreeMap::new();
        for (team, sprints) in raw {
            let sprints: Vec<Sprint> = objects_of(&team, sprints)?;
            teams.insert(team, sprints);
        }
        let reports = j.inner.velocity().analyze_teams(&teams)?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("velocity reports", &reports) }
    })
}

/// A velocity report in words: `basic` (the headline), `detailed` (plus the statistics and
/// trends) or `verbose` (plus the definitions and thresholds behind the verdict).
///
/// - `report_json`/`report_len`: a `VelocityReport` object as `juno_velocity_analyze`
///   returns it; must not be NULL.
/// - `level`/`level_len`, `out_text`, `err`: as for `juno_reasoning_explain`.
/// - Errors: `JUNO_STATUS_INVALID_INPUT` for malformed JSON or an unknown level.
/// - Thread safety: any thread; no engine is involved.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_velocity_explain(
    report_json: *const c_char,
    report_len: usize,
    level: *const c_char,
    level_len: usize,
    out_text: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `report_json` is NULL or `report_len` readable bytes.
        let json = unsafe { str_in("report_json", report_json, report_len) }?;
        // SAFETY: `level` is NULL or `level_len` readable bytes; `out_text` is NULL or a
        // writable `juno_buf` (the documented contract).
        unsafe {
            explain_out(
                json,
                "velocity report",
                level,
                level_len,
                out_text,
                VelocityReport::explain,
            )
        }
    })
}

/// Triage of open tickets: which are aging, stale or critical, and what to propose for
/// each (escalate, reassign, request_info, update_priority, defer or close, in that
/// precedence), most urgent first. Each proposal's confidence uses the configured weights
/// and the team's track record for that action from memory.
///
/// - `j`: must not be NULL; not modified.
/// - `tickets_json`/`tickets_len`: a JSON array of `Ticket` objects, e.g.
///   `{"key":"ALPHA-1","team":"team_alpha","priority":"High","assignee":null,
///   "updated":"2025-12-12T00:00:00Z","blocked":true,"has_description":true,
///   "estimated":true}` (priorities `Highest` … `Lowest`; times RFC 3339; `labels`,
///   `last_comment`, `last_change`, `assignee_last_activity`, `blocking`,
///   `in_active_sprint` optional); must not be NULL.
/// - `settings_json`/`settings_len`: **optional**: a `TriageSettings` object, every field
///   optional (`thresholds`, `by_priority`, `exempt_labels`, `max_proposals`); NULL means
///   the defaults (3 / 7 / 14 days, `pinned` and `security` exempt, 50 proposals).
/// - `now_unix_ms`: **optional**: the time to triage at, in milliseconds since the epoch;
///   NULL means the engine's clock.
/// - `out_json`: on success receives a JSON array of `TriageProposal` objects (`key`,
///   `team`, `action`, `staleness`, `idle_days`, `urgency`, `confidence`, `evidence`,
///   `impact`); the caller frees it with `juno_buf_free`. Untouched on failure. Must not be
///   NULL.
/// - `err`: optional, as for `juno_reasoning_confidence`.
/// - Errors: `JUNO_STATUS_INVALID_INPUT` for malformed JSON, an unknown field or priority,
///   a bad time, an empty key or team (`` `tickets[0].key` ``), thresholds out of order
///   (`` `settings.thresholds` ``), a cap of 0, or `*now_unix_ms` out of range.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_triage_scan(
    j: *const juno,
    tickets_json: *const c_char,
    tickets_len: usize,
    settings_json: *const c_char,
    settings_len: usize,
    now_unix_ms: *const i64,
    out_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j) }?;
        // SAFETY: each string is NULL or its length in readable bytes.
        let tickets = unsafe { str_in("tickets_json", tickets_json, tickets_len) }?;
        // SAFETY: as above.
        let settings = unsafe { opt_str_in("settings_json", settings_json, settings_len) }?;
        // SAFETY: `now_unix_ms` is NULL or points to a readable `int64_t`.
        let now_ms = unsafe { now_unix_ms.as_ref() }.copied();
        let out = Out::new("out_json", out_json)?;
        let tickets: Vec<Ticket> = json_objects_in("tickets", tickets)?;
        let settings: TriageSettings = opt_json_object_in("settings", settings)?;
        let now = time_in(j, now_ms)?;
        let proposals = j.inner.triage().scan_at(&tickets, &settings, now)?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("triage proposals", &proposals) }
    })
}

/// Hands triage proposals to governance: one approval request each, in one transaction,
/// routed by the proposal's impact and carrying its confidence and detailed explanation.
/// Nothing acts: a proposal runs only through `juno_governance_execute` once approved.
///
/// - `j`: must not be NULL.
/// - `proposals_json`/`proposals_len`: a JSON array of `TriageProposal` objects, as
///   `juno_triage_scan` returns them; must not be NULL.
/// - `requester`/`requester_len`: who proposes (`juno`); must not be NULL or empty.
/// - `out_json`: on success receives the stored requests, a JSON array of
///   `ApprovalRequest` objects (see `juno_governance_submit`), in input order; the caller
///   frees it with `juno_buf_free`. Untouched on failure. Must not be NULL.
/// - `err`: optional, as for `juno_reasoning_confidence`.
/// - Errors: `JUNO_STATUS_INVALID_INPUT` for a malformed proposal (`proposals[2].impact`)
///   or requester; nothing is stored then.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_triage_propose(
    j: *mut juno,
    proposals_json: *const c_char,
    proposals_len: usize,
    requester: *const c_char,
    requester_len: usize,
    out_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j.cast_const()) }?;
        // SAFETY: each string is NULL or its length in readable bytes.
        let proposals = unsafe { str_in("proposals_json", proposals_json, proposals_len) }?;
        // SAFETY: as above.
        let requester = unsafe { str_in("requester", requester, requester_len) }?;
        let out = Out::new("out_json", out_json)?;
        let proposals: Vec<TriageProposal> = json_objects_in("proposals", proposals)?;
        let requests = j.inner.triage().propose(&proposals, requester)?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("approval requests", &requests) }
    })
}

/// A triage proposal in words: `basic` (the headline), `detailed` (plus its evidence and
/// the confidence's factors) or `verbose` (plus the rule that chose the action, the urgency
/// formula and the confidence's formulas).
///
/// - `proposal_json`/`proposal_len`: one `TriageProposal` object as `juno_triage_scan`
///   returns it; must not be NULL.
/// - `level`/`level_len`, `out_text`, `err`: as for `juno_reasoning_explain`.
/// - Errors: `JUNO_STATUS_INVALID_INPUT` for malformed JSON or an unknown level.
/// - Thread safety: any thread; no engine is involved.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_triage_explain(
    proposal_json: *const c_char,
    proposal_len: usize,
    level: *const c_char,
    level_len: usize,
    out_text: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `proposal_json` is NULL or `proposal_len` readable bytes.
        let json = unsafe { str_in("proposal_json", proposal_json, proposal_len) }?;
        // SAFETY: `level` is NULL or `level_len` readable bytes; `out_text` is NULL or a
        // writable `juno_buf` (the documented contract).
        unsafe {
            explain_out(
                json,
                "triage proposal",
                level,
                level_len,
                out_text,
                TriageProposal::explain,
            )
        }
    })
}

/// Simulates the rest of a sprint from the team's history: P10 / P50 / P90 of delivered
/// points and the share of trials delivering at least 80% of the commitment. Seeded: the
/// same input gives the same result, on every platform.
///
/// - `input_json`/`input_len`: a `MonteCarloInput` object, e.g.
///   `{"committed":40,"done":0,"days_remaining":10,"planned_days":10,
///   "daily_throughput":[2,3,4,5,0,6],"daily_scope_change":[0,1],"trials":10000,"seed":7}`
///   (`scope`, `daily_throughput` and `daily_scope_change` optional; without throughput
///   history the plan's pace is assumed); must not be NULL.
/// - `out_json`: on success receives a `MonteCarloResult` object (`p10`, `p50`, `p90`,
///   `p_deliver_80`, `trials`, `basis` — `history` or `plan_pace`); the caller frees it
///   with `juno_buf_free`. Untouched on failure. Must not be NULL.
/// - `err`: optional, as for `juno_reasoning_confidence`.
/// - Errors: `JUNO_STATUS_INVALID_INPUT` for malformed JSON, an unknown field, negative
///   points, `trials` outside 1 to 1,000,000, or more than 366 `days_remaining`.
/// - Thread safety: any thread; no engine is involved.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_forecast_monte_carlo(
    input_json: *const c_char,
    input_len: usize,
    out_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `input_json` is NULL or `input_len` readable bytes.
        let input = unsafe { str_in("input_json", input_json, input_len) }?;
        let out = Out::new("out_json", out_json)?;
        let input: MonteCarloInput = json_object_in("input", input)?;
        input.validate()?;
        let result = monte_carlo(&input);
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("monte carlo result", &result) }
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::test_util::{Engine, failure, s, sentinel_buf, take_json, untouched};
    use std::ptr;

    fn engine() -> Engine {
        Engine::with_settings("{}")
    }

    /// Calls `juno_reasoning_confidence` with optional team, action and calibration.
    fn confidence(
        e: &Engine,
        evidence: &str,
        team: Option<&str>,
        action: Option<&str>,
        calibration: Option<&str>,
        out: &mut juno_buf,
        err: *mut *mut juno_error,
    ) -> juno_status {
        let opt = |x: Option<&str>| x.map_or((ptr::null(), 0), s);
        let (ev, evl) = s(evidence);
        let (t, tl) = opt(team);
        let (a, al) = opt(action);
        let (c, cl) = opt(calibration);
        // SAFETY: valid strings or NULL, a live engine and out pointer.
        unsafe { juno_reasoning_confidence(e.0, ev, evl, t, tl, a, al, c, cl, out, err) }
    }

    #[test]
    fn confidence_round_trips_through_explain() {
        let e = engine();
        let mut out = juno_buf {
            data: ptr::null_mut(),
            len: 0,
        };
        let ev = r#"{"completeness":1.0,"observations":5,"items":["ALPHA-12 idle"]}"#;
        let st = confidence(&e, ev, None, None, None, &mut out, ptr::null_mut());
        assert_eq!(st, juno_status::Ok);
        let c = take_json(&mut out);
        let raw = c["raw"].as_f64().unwrap();
        assert!((raw - 0.3 * (1.0 - (-1.0f64).exp())).abs() < 1e-12);
        let json = c.to_string();
        let (cj, cl) = s(&json);
        let (lv, ll) = s("verbose");
        // SAFETY: valid strings and out pointer.
        let st = unsafe { juno_reasoning_explain(cj, cl, lv, ll, &mut out, ptr::null_mut()) };
        assert_eq!(st, juno_status::Ok);
        // SAFETY: filled by the successful call.
        let text = unsafe { std::slice::from_raw_parts(out.data, out.len) };
        let text = String::from_utf8(text.to_vec()).unwrap();
        // SAFETY: filled by the successful call.
        unsafe { crate::buf::juno_buf_free(&mut out) };
        assert!(text.contains("formulas") && text.contains("- ALPHA-12 idle"));
        // NULL level is `detailed`: six lines.
        // SAFETY: valid strings and out pointer.
        let st =
            unsafe { juno_reasoning_explain(cj, cl, ptr::null(), 0, &mut out, ptr::null_mut()) };
        assert_eq!(st, juno_status::Ok);
        // SAFETY: filled by the successful call.
        let text = unsafe { std::slice::from_raw_parts(out.data, out.len) };
        assert_eq!(text.split(|b| *b == b'\n').count(), 6);
        // SAFETY: filled by the successful call.
        unsafe { crate::buf::juno_buf_free(&mut out) };
    }

    #[test]
    fn bad_input_is_invalid_input_and_leaves_the_output_alone() {
        let e = engine();
        let mut out = sentinel_buf();
        for (evidence, team, action, says) in [
            (
                "{\"completeness\":",
                None,
                None,
                "malformed JSON for evidence",
            ),
            (r#"{"completeness":2}"#, None, None, "`completeness`"),
            (r#"{"bogus":1}"#, None, None, "unknown field `bogus`"),
            (
                "{}",
                Some("team_alpha"),
                None,
                "team and action go together",
            ),
            ("{}", Some(""), Some("reassign"), "`team`"),
            ("[0.5]", None, None, "expected a JSON object"),
        ] {
            let (status, msg) =
                failure(|err| confidence(&e, evidence, team, action, None, &mut out, err));
            assert_eq!(status, juno_status::InvalidInput, "{evidence}: {msg}");
            assert!(msg.contains(says), "{evidence}: {msg}");
            assert!(untouched(&out));
        }
        let (lv, ll) = s("loud");
        let (cj, cl) = s("{}");
        // SAFETY: valid strings and out pointer.
        let (status, msg) =
            failure(|err| unsafe { juno_reasoning_explain(cj, cl, lv, ll, &mut out, err) });
        assert_eq!(status, juno_status::InvalidInput);
        assert!(msg.contains("`loud`"), "{msg}");
        let (mc, ml) = s(
            r#"{"committed":1,"done":0,"days_remaining":1,"planned_days":1,"trials":0,"seed":1}"#,
        );
        // SAFETY: a valid string and out pointer.
        let (status, msg) =
            failure(|err| unsafe { juno_forecast_monte_carlo(mc, ml, &mut out, err) });
        assert_eq!(status, juno_status::InvalidInput);
        assert!(msg.contains("`trials`"), "{msg}");
        assert!(untouched(&out));
    }

    #[test]
    fn null_pointers_are_null_parameter() {
        let e = engine();
        let mut out = sentinel_buf();
        let (js, jl) = s("[]");
        // SAFETY: each call passes one NULL on purpose, everything else valid.
        unsafe {
            let n = ptr::null_mut();
            assert_eq!(
                juno_reasoning_confidence(
                    ptr::null(),
                    js,
                    jl,
                    ptr::null(),
                    0,
                    ptr::null(),
                    0,
                    ptr::null(),
                    0,
                    &mut out,
                    n
                ),
                juno_status::NullParameter
            );
            assert_eq!(
                juno_reasoning_calibrate(e.0, ptr::null(), 0, &mut out, n),
                juno_status::NullParameter
            );
            assert_eq!(
                juno_reasoning_calibrate(e.0, js, jl, ptr::null_mut(), n),
                juno_status::NullParameter
            );
            assert_eq!(
                juno_velocity_analyze(ptr::null(), js, jl, &mut out, n),
                juno_status::NullParameter
            );
            assert_eq!(
                juno_velocity_analyze_teams(e.0, ptr::null(), 0, &mut out, n),
                juno_status::NullParameter
            );
            assert_eq!(
                juno_velocity_explain(ptr::null(), 0, ptr::null(), 0, &mut out, n),
                juno_status::NullParameter
            );
            assert_eq!(
                juno_triage_scan(
                    e.0,
                    ptr::null(),
                    0,
                    ptr::null(),
                    0,
                    ptr::null(),
                    &mut out,
                    n
                ),
                juno_status::NullParameter
            );
            assert_eq!(
                juno_triage_explain(js, jl, ptr::null(), 0, ptr::null_mut(), n),
                juno_status::NullParameter
            );
            assert_eq!(
                juno_forecast_monte_carlo(ptr::null(), 0, &mut out, n),
                juno_status::NullParameter
            );
        }
        assert!(untouched(&out));
    }

    #[test]
    fn triage_takes_an_optional_time() {
        let e = engine();
        let mut out = sentinel_buf();
        let tickets = r#"[{"key":"A-1","team":"alpha","priority":"High","assignee":null,
            "updated":"2025-12-01T00:00:00Z","has_description":true,"estimated":true}]"#;
        let (t, tl) = s(tickets);
        let run = |now: Option<i64>, out: &mut juno_buf| {
            let now = now.as_ref().map_or(ptr::null(), |n| n as *const i64);
            // SAFETY: valid strings, time pointer and out pointer.
            unsafe { juno_triage_scan(e.0, t, tl, ptr::null(), 0, now, out, ptr::null_mut()) }
        };
        // 2025-12-20: 19 days idle, critical and High → escalate.
        assert_eq!(run(Some(1_766_188_800_000), &mut out), juno_status::Ok);
        let p = take_json(&mut out);
        assert_eq!(p[0]["action"], "escalate");
        // 2025-12-02: one day idle, fresh.
        assert_eq!(run(Some(1_764_633_600_000), &mut out), juno_status::Ok);
        assert_eq!(take_json(&mut out), serde_json::json!([]));
        let mut out = sentinel_buf();
        assert_eq!(run(Some(i64::MAX), &mut out), juno_status::InvalidInput);
        assert!(untouched(&out));
    }
}
