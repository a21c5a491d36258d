//! `juno_forecast_*`: the sprint forecaster of an engine — forecasts with the newest trained
//! model (or the Monte Carlo simulation without one), explanations, recorded sprints,
//! retraining and the stored model.
//!
//! Inputs and outputs are JSON in the shapes of the core's serde types
//! (`juno_core::forecast::SprintState`, `TeamHistory`, `SprintObservation`,
//! `SprintForecast`, `RetrainReport`, `RiskModel`), the same JSON the Python package uses.
//! `juno_forecast_monte_carlo`, the bare simulation, is with the other pure engines.

use std::ffi::c_char;

use juno_core::forecast::{
    SprintForecast, SprintItem, SprintObservation, SprintState, TeamHistory,
};

use crate::boundary::{Out, handle, opt_str_in, str_in};
use crate::buf::juno_buf;
use crate::engine::juno;
use crate::engines::{explain_out, json_object_in, json_objects_in, opt_json_object_in};
use crate::error::juno_error;
use crate::ffi_boundary;
use crate::status::juno_status;

/// Forecasts one sprint: P(deliver ≥ 80% of the commitment), delivered points P10 / P50 /
/// P90 from a seeded Monte Carlo simulation of the team's throughput, the five risk
/// categories with the overall score, level and recommendations, and the reasoning
/// engine's confidence. The probability comes from the newest model `juno_forecast_retrain`
/// stored, or from the simulation while there is none (`probability_basis` says which).
/// The same sprint, history and model always give the same forecast (the simulation's
/// seed comes from the team and sprint names).
///
/// - `j`: must not be NULL; not modified.
/// - `state_json`/`state_len`: a `SprintState` object, every field optional (numbers
///   default to 0), e.g. `{"team":"alpha","sprint":"S7","committed_points":30,
///   "done_points":18,"todo_points":12,"committed_issues":10,"days_elapsed":6,
///   "days_planned":10,"team_size":5,"blocked":1}` (also `added_points`,
///   `removed_points`, `in_progress_points`, `added_issues`, `removed_issues`,
///   `todo_issues`, `in_progress_issues`, `done_issues`, `dependencies`, `defects`,
///   `review_queue`); must not be NULL.
/// - `history_json`/`history_len`: **optional**: a `TeamHistory` object (`sprints` — each
///   `committed_points`, `delivered_points`, `days`, optional `team_size` —,
///   `daily_throughput`, `daily_scope_change`); NULL means no history (the simulation
///   assumes the plan's pace and the forecast's notes say so).
/// - `out_json`: on success receives a `SprintForecast` object (`team`, `sprint`,
///   `p_deliver_80`, `probability_basis` — `model v<N>`, `monte_carlo` or
///   `no_commitment` —, `delivery`, `categories` — each `name`, `value` (the score), `weight`,
///   `contribution`, `threshold`, `flagged`, `evidence` —, `overall`, `level`,
///   `recommendations`, `confidence`, `notes`); the caller frees it with `juno_buf_free`.
///   Untouched on failure. Must not be NULL.
/// - `err`: optional (may be NULL); on failure receives a `juno_error` the caller frees
///   with `juno_error_free`; untouched on success.
/// - Errors: `JUNO_STATUS_INVALID_INPUT` for malformed JSON, an unknown field, a negative
///   number (`` `committed_points` ``, `` `history.sprints[2].delivered_points` ``) or more
///   than 366 working days left (`` `days_remaining` ``); storage errors reading the model.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_forecast_sprint(
    j: *const juno,
    state_json: *const c_char,
    state_len: usize,
    history_json: *const c_char,
    history_len: usize,
    out_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j) }?;
        // SAFETY: each string is NULL or its length in readable bytes.
        let state = unsafe { str_in("state_json", state_json, state_len) }?;
        // SAFETY: as above.
        let history = unsafe { opt_str_in("history_json", history_json, history_len) }?;
        let out = Out::new("out_json", out_json)?;
        let state: SprintState = json_object_in("state", state)?;
        let history: TeamHistory = opt_json_object_in("history", history)?;
        let forecast = j.inner.forecast().sprint(&state, &history)?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("sprint forecast", &forecast) }
    })
}

/// Forecasts many sprints (every active sprint of an organisation) with one read of the
/// model; results come in input order.
///
/// - `j`: must not be NULL; not modified.
/// - `items_json`/`items_len`: a JSON array of objects `{"state": SprintState,
///   "history": TeamHistory}` (`history` optional), as for `juno_forecast_sprint`; must
///   not be NULL.
/// - `out_json`: on success receives a JSON array of `SprintForecast` objects, in input
///   order; the caller frees it with `juno_buf_free`. Untouched on failure. Must not be
///   NULL.
/// - `err`: optional, as for `juno_forecast_sprint`.
/// - Errors: as for `juno_forecast_sprint`, naming the first bad item
///   (`` `items[3].committed_points` ``); nothing is forecast then.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_forecast_sprints(
    j: *const juno,
    items_json: *const c_char,
    items_len: usize,
    out_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j) }?;
        // SAFETY: `items_json` is NULL or `items_len` readable bytes.
        let items = unsafe { str_in("items_json", items_json, items_len) }?;
        let out = Out::new("out_json", out_json)?;
        let items: Vec<SprintItem> = json_objects_in("items", items)?;
        let items = SprintItem::pairs(items);
        let forecasts = j.inner.forecast().sprints(&items)?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("sprint forecasts", &forecasts) }
    })
}

/// A sprint forecast in words: `basic` (the headline: level, overall score, probability
/// and its basis, delivered points P10/P50/P90), `detailed` (plus each category's score ×
/// weight, the flagged ones marked, the recommendations and the confidence's factors) or
/// `verbose` (plus the confidence's formulas and the forecast's notes).
///
/// - `forecast_json`/`forecast_len`: one `SprintForecast` object as `juno_forecast_sprint`
///   returns it; must not be NULL.
/// - `level`/`level_len`: `"basic"`, `"detailed"` or `"verbose"`; **optional**: NULL means
///   `"detailed"`.
/// - `out_text`: on success receives the explanation as UTF-8 text (not JSON;
///   NUL-terminated like every `juno_buf`); the caller frees it with `juno_buf_free`.
///   Untouched on failure. Must not be NULL.
/// - `err`: optional, as for `juno_forecast_sprint`.
/// - Errors: `JUNO_STATUS_INVALID_INPUT` for malformed JSON or an unknown level.
/// - Thread safety: any thread; no engine is involved.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_forecast_explain(
    forecast_json: *const c_char,
    forecast_len: usize,
    level: *const c_char,
    level_len: usize,
    out_text: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `forecast_json` is NULL or `forecast_len` readable bytes.
        let json = unsafe { str_in("forecast_json", forecast_json, forecast_len) }?;
        // SAFETY: `level` is NULL or `level_len` readable bytes; `out_text` is NULL or a
        // writable `juno_buf` (the documented contract).
        unsafe {
            explain_out(
                json,
                "sprint forecast",
                level,
                level_len,
                out_text,
                SprintForecast::explain,
            )
        }
    })
}

/// Records a finished sprint as a training row for `juno_forecast_retrain`: its state at
/// prediction time, the team's history then, and what it delivered. A second record of
/// the same team and sprint replaces the first.
///
/// - `j`: must not be NULL.
/// - `observation_json`/`observation_len`: a `SprintObservation` object: `state` (a
///   `SprintState` with a non-empty `team` and `sprint`), `history` (optional
///   `TeamHistory`), `delivered_points` and `ended_at` (RFC 3339), e.g.
///   `{"state":{"team":"alpha","sprint":"S7","committed_points":30,"done_points":9,
///   "days_elapsed":3,"days_planned":10},"delivered_points":27,
///   "ended_at":"2025-06-13T17:00:00Z"}`; must not be NULL.
/// - `out_json`: on success receives `{"replaced":true}` when an earlier record of the
///   same team and sprint was replaced, else `{"replaced":false}`; the caller frees it
///   with `juno_buf_free`. Untouched on failure. Must not be NULL.
/// - `err`: optional, as for `juno_forecast_sprint`.
/// - Errors: `JUNO_STATUS_INVALID_INPUT` for malformed JSON, a missing `ended_at`, a
///   negative number (`` `delivered_points` ``), or an empty team or sprint
///   (`` `state` ``); storage errors.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_forecast_record(
    j: *mut juno,
    observation_json: *const c_char,
    observation_len: usize,
    out_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j.cast_const()) }?;
        // SAFETY: `observation_json` is NULL or `observation_len` readable bytes.
        let json = unsafe { str_in("observation_json", observation_json, observation_len) }?;
        let out = Out::new("out_json", out_json)?;
        let observation: SprintObservation = json_object_in("observation", json)?;
        let replaced = j.inner.forecast().record(&observation)?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe {
            out.write_json(
                "record result",
                &serde_json::json!({ "replaced": replaced }),
            )
        }
    })
}

/// Every recorded sprint, oldest end first.
///
/// - `j`: must not be NULL; not modified.
/// - `out_json`: on success receives a JSON array of `SprintObservation` objects (as
///   `juno_forecast_record` took them); the caller frees it with `juno_buf_free`.
///   Untouched on failure. Must not be NULL.
/// - `err`: optional, as for `juno_forecast_sprint`.
/// - Errors: storage errors.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_forecast_observations(
    j: *const juno,
    out_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j) }?;
        let out = Out::new("out_json", out_json)?;
        let observations = j.inner.forecast().observations()?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("sprint observations", &observations) }
    })
}

/// Trains a new model version on every recorded sprint with a commitment (a logistic
/// regression, first evaluated forward in time: fitted on the oldest 70%, scored on the
/// newest 30%) and stores it; later forecasts use it. With fewer than 30 recorded sprints,
/// or one outcome only, nothing is stored and the report says why: forecasts keep the
/// previous model, or the simulation.
///
/// - `j`: must not be NULL.
/// - `out_json`: on success receives a `RetrainReport` object (`trained`,
///   `observations`, `model` — a `RiskModel` as `juno_forecast_model` returns it, or
///   `null` —, `reason` — why nothing was trained, or `null`); the caller frees it with
///   `juno_buf_free`. Untouched on failure. Must not be NULL.
/// - `err`: optional, as for `juno_forecast_sprint`.
/// - Errors: storage errors. Too little history is not an error (`trained` is false).
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_forecast_retrain(
    j: *mut juno,
    out_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j.cast_const()) }?;
        let out = Out::new("out_json", out_json)?;
        let report = j.inner.forecast().retrain()?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("retrain report", &report) }
    })
}

/// The newest trained model, or JSON `null` when none was trained yet.
///
/// - `j`: must not be NULL; not modified.
/// - `out_json`: on success receives a `RiskModel` object (`version` — 1, 2, … —, `kind`,
///   `features`, `logistic` — the standardisation, coefficients and intercept —,
///   `trained_on`, `positives`, `training_period` — `[oldest, newest]` sprint end, or
///   `null` —, `evaluation` — `protocol`, `n_train`, `n_test`, `auc`, `brier`,
///   `calibration_error`, `accuracy`, `majority_accuracy`) or `null`; the caller frees it
///   with `juno_buf_free`. Untouched on failure. Must not be NULL.
/// - `err`: optional, as for `juno_forecast_sprint`.
/// - Errors: storage errors; `JUNO_STATUS_CORRUPT` if the stored model cannot be read.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_forecast_model(
    j: *const juno,
    out_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j) }?;
        let out = Out::new("out_json", out_json)?;
        let model = j.inner.forecast().model()?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("risk model", &model) }
    })
}

/// How many model versions are stored (0 before the first `juno_forecast_retrain`).
///
/// - `j`: must not be NULL; not modified.
/// - `out_versions`: on success receives the count; untouched on failure. Must not be NULL.
/// - `err`: optional, as for `juno_forecast_sprint`.
/// - Errors: storage errors.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_forecast_model_versions(
    j: *const juno,
    out_versions: *mut i64,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j) }?;
        let out = Out::new("out_versions", out_versions)?;
        let versions = j.inner.forecast().model_versions()?;
        // SAFETY: `out` points to a writable `int64_t`.
        unsafe { out.write(versions) };
        Ok(())
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

    const STATE: &str = r#"{"team":"alpha","sprint":"S1","committed_points":20,
        "todo_points":20,"committed_issues":5,"todo_issues":5,"days_planned":10,"team_size":3}"#;

    fn sprint(e: &Engine, state: &str, history: Option<&str>, out: &mut juno_buf) -> juno_status {
        let (st, sl) = s(state);
        let (h, hl) = history.map_or((ptr::null(), 0), s);
        // SAFETY: valid strings or NULL, a live engine and out pointer.
        unsafe { juno_forecast_sprint(e.0, st, sl, h, hl, out, ptr::null_mut()) }
    }

    #[test]
    fn a_forecast_without_history_assumes_the_plan_and_explains_itself() {
        let e = engine();
        let mut out = sentinel_buf();
        assert_eq!(sprint(&e, STATE, None, &mut out), juno_status::Ok);
        let f = take_json(&mut out);
        // 20 points at the plan's 2 a day over 10 days: every trial delivers 20.
        assert_eq!(f["delivery"]["basis"], "plan_pace");
        assert_eq!(f["delivery"]["p50"], 20.0);
        assert_eq!(f["probability_basis"], "monte_carlo");
        assert_eq!(f["categories"].as_array().unwrap().len(), 5);
        let json = f.to_string();
        let (fj, fl) = s(&json);
        let (lv, ll) = s("basic");
        let mut text = sentinel_buf();
        // SAFETY: valid strings and out pointer.
        let st = unsafe { juno_forecast_explain(fj, fl, lv, ll, &mut text, ptr::null_mut()) };
        assert_eq!(st, juno_status::Ok);
        // SAFETY: filled by the successful call.
        let t = unsafe { std::slice::from_raw_parts(text.data, text.len) }.to_vec();
        // SAFETY: as above.
        unsafe { crate::buf::juno_buf_free(&mut text) };
        let t = String::from_utf8(t).unwrap();
        assert!(t.starts_with("alpha S1: ") && !t.contains('\n'), "{t}");
    }

    #[test]
    fn record_reports_a_replacement_and_retrain_explains_a_refusal() {
        let e = engine();
        let obs = format!(
            r#"{{"state":{STATE},"delivered_points":18,"ended_at":"2025-06-13T17:00:00Z"}}"#
        );
        let (o, ol) = s(&obs);
        let mut out = sentinel_buf();
        for replaced in [false, true] {
            // SAFETY: a valid string, engine and out pointer.
            let st = unsafe { juno_forecast_record(e.0, o, ol, &mut out, ptr::null_mut()) };
            assert_eq!(st, juno_status::Ok);
            assert_eq!(
                take_json(&mut out),
                serde_json::json!({ "replaced": replaced })
            );
        }
        // SAFETY: a live engine and out pointer.
        let st = unsafe { juno_forecast_observations(e.0, &mut out, ptr::null_mut()) };
        assert_eq!(st, juno_status::Ok);
        assert_eq!(take_json(&mut out).as_array().unwrap().len(), 1);
        // SAFETY: as above.
        let st = unsafe { juno_forecast_retrain(e.0, &mut out, ptr::null_mut()) };
        assert_eq!(st, juno_status::Ok);
        let r = take_json(&mut out);
        assert_eq!(r["trained"], false);
        assert!(r["reason"].as_str().unwrap().contains("1 recorded sprints"));
        // SAFETY: as above.
        let st = unsafe { juno_forecast_model(e.0, &mut out, ptr::null_mut()) };
        assert_eq!(st, juno_status::Ok);
        assert_eq!(take_json(&mut out), serde_json::Value::Null);
    }

    #[test]
    fn bad_input_is_invalid_input_and_leaves_the_output_alone() {
        let e = engine();
        let mut out = sentinel_buf();
        for (state, history, says) in [
            (r#"{"committed_points":-1}"#, None, "`committed_points`"),
            (
                r#"{"comitted_points":1}"#,
                None,
                "unknown field `comitted_points`",
            ),
            ("[20,0,0]", None, "expected a JSON object"),
            (
                "{}",
                Some(r#"{"sprints":[{"committed_points":1,"delivered_points":-1,"days":1}]}"#),
                "`history.sprints[0].delivered_points`",
            ),
            (r#"{"days_planned":1e9}"#, None, "`days_remaining`"),
        ] {
            let (st, sl) = s(state);
            let (h, hl) = history.map_or((ptr::null(), 0), s);
            let (status, msg) =
                // SAFETY: valid strings or NULL, a live engine and out pointer.
                failure(|err| unsafe { juno_forecast_sprint(e.0, st, sl, h, hl, &mut out, err) });
            assert_eq!(status, juno_status::InvalidInput, "{state}: {msg}");
            assert!(msg.contains(says), "{state}: {msg}");
            assert!(untouched(&out));
        }
        let items = format!(r#"[{{"state":{STATE}}},{{"state":{{"done_points":-2}}}}]"#);
        let (it, il) = s(&items);
        // SAFETY: a valid string, engine and out pointer.
        let (status, msg) =
            failure(|err| unsafe { juno_forecast_sprints(e.0, it, il, &mut out, err) });
        assert_eq!(status, juno_status::InvalidInput);
        assert!(msg.contains("`items[1].done_points`"), "{msg}");
        let (o, ol) = s(r#"{"state":{"team":"","sprint":"S1"},"delivered_points":1,
            "ended_at":"2025-06-13T17:00:00Z"}"#);
        // SAFETY: a valid string, engine and out pointer.
        let (status, msg) =
            failure(|err| unsafe { juno_forecast_record(e.0, o, ol, &mut out, err) });
        assert_eq!(status, juno_status::InvalidInput);
        assert!(msg.contains("`state`"), "{msg}");
        let (fj, fl) = s("{}");
        let (lv, ll) = s("loud");
        // SAFETY: valid strings and out pointer.
        let (status, _) =
            failure(|err| unsafe { juno_forecast_explain(fj, fl, lv, ll, &mut out, err) });
        assert_eq!(status, juno_status::InvalidInput);
        assert!(untouched(&out));
    }

    #[test]
    fn null_pointers_are_null_parameter() {
        let e = engine();
        let mut out = sentinel_buf();
        let (js, jl) = s("{}");
        // SAFETY: each call passes one NULL on purpose, everything else valid.
        unsafe {
            let n = ptr::null_mut();
            assert_eq!(
                juno_forecast_sprint(ptr::null(), js, jl, ptr::null(), 0, &mut out, n),
                juno_status::NullParameter
            );
            assert_eq!(
                juno_forecast_sprint(e.0, ptr::null(), 0, ptr::null(), 0, &mut out, n),
                juno_status::NullParameter
            );
            assert_eq!(
                juno_forecast_sprint(e.0, js, jl, ptr::null(), 0, ptr::null_mut(), n),
                juno_status::NullParameter
            );
            assert_eq!(
                juno_forecast_sprints(e.0, ptr::null(), 0, &mut out, n),
                juno_status::NullParameter
            );
            assert_eq!(
                juno_forecast_explain(ptr::null(), 0, ptr::null(), 0, &mut out, n),
                juno_status::NullParameter
            );
            assert_eq!(
                juno_forecast_record(ptr::null_mut(), js, jl, &mut out, n),
                juno_status::NullParameter
            );
            assert_eq!(
                juno_forecast_observations(e.0, ptr::null_mut(), n),
                juno_status::NullParameter
            );
            assert_eq!(
                juno_forecast_retrain(ptr::null_mut(), &mut out, n),
                juno_status::NullParameter
            );
            assert_eq!(
                juno_forecast_model(ptr::null(), &mut out, n),
                juno_status::NullParameter
            );
        }
        assert!(untouched(&out));
    }
}
