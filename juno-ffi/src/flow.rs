//! `juno_flow_analyze`: flow bottlenecks from ticket change history (the core's
//! `juno_core::flow::analyze`) — time in each status, the bottleneck, ageing work in
//! progress against the team's own percentiles, review/QA queue trends, carry-over and
//! recurring external factors.

use std::ffi::c_char;

use juno_core::flow::{FlowInput, FlowSettings, analyze};

use crate::boundary::{Out, handle, opt_str_in, str_in};
use crate::buf::juno_buf;
use crate::engine::juno;
use crate::engines::{json_object_in, opt_json_object_in, time_in};
use crate::error::juno_error;
use crate::ffi_boundary;
use crate::status::juno_status;

/// Analyses the flow of every team in the input as of a moment: per team, the time spent
/// in each status (which one accumulates the most: the bottleneck, and the work
/// bottleneck among active statuses), cycle time, ageing work in progress against the
/// team's own 85th percentiles, weekly review and QA queue counts with their Theil–Sen
/// trend, each sprint's carry-over and circumstances, and holidays and team changes that
/// recur in sprints with lower completion. Analysing the same history twice gives the same
/// report, byte for byte.
///
/// - `j`: must not be NULL; not modified (only its clock is read).
/// - `input_json`/`input_len`: a `FlowInput` object: `tickets` — each `key`, `team`,
///   `created` (RFC 3339), optional `status` and `assignee` (used when it has no events
///   of that field), `events` — each `at`, `field` (`status` or `assignee`; others are
///   ignored), `from`, `to` —, optional `sprints` — each `id`, `team`, `start`, `end`,
///   `members`, optional `completed` —, and optional `holidays` — each `date`
///   (`YYYY-MM-DD`), optional `team`; must not be NULL.
/// - `settings_json`/`settings_len`: **optional**: a `FlowSettings` object, every field
///   optional (`categories` — the status phrases of `to_do`, `in_progress`, `review`,
///   `qa`, `done` —, `unknown_status_is_error`, `min_samples`, `queue_weeks`,
///   `queue_rise_per_week`, `team_change_min_share`, `factor_min_sprints`,
///   `factor_min_drop`); NULL means the defaults (5 samples, 8 weeks, 0.25 tickets a week,
///   25% turnover, 2 sprints, 10 points of completion).
/// - `now_unix_ms`: **optional**: the moment to analyse at, in milliseconds since the
///   epoch; NULL means the engine's clock.
/// - `out_json`: on success receives a `FlowReport` object (`now`, `teams` — team name to
///   `tickets`, `open_tickets`, `statuses`, `bottleneck`, `work_bottleneck`, `cycle_time`,
///   `ageing_wip`, `queues`, `sprints`, `mean_carry_over_rate`, `external_factors` —,
///   `unknown_statuses`); the caller frees it with `juno_buf_free`. Untouched on failure.
///   Must not be NULL.
/// - `err`: optional (may be NULL); on failure receives a `juno_error` the caller frees
///   with `juno_error_free`; untouched on success.
/// - Errors: `JUNO_STATUS_INVALID_INPUT` for malformed JSON, an empty or duplicate ticket
///   key (`` `key` ``), a ticket created or an event dated after the analysed moment, a
///   sprint ending before it starts (`` `sprints` ``), a setting out of range
///   (`` `queue_weeks` ``), an unknown status when `unknown_status_is_error` is set, or
///   `*now_unix_ms` out of range.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_flow_analyze(
    j: *const juno,
    input_json: *const c_char,
    input_len: usize,
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
        let input = unsafe { str_in("input_json", input_json, input_len) }?;
        // SAFETY: as above.
        let settings = unsafe { opt_str_in("settings_json", settings_json, settings_len) }?;
        // SAFETY: `now_unix_ms` is NULL or points to a readable `int64_t`.
        let now_ms = unsafe { now_unix_ms.as_ref() }.copied();
        let out = Out::new("out_json", out_json)?;
        let input: FlowInput = json_object_in("input", input)?;
        let settings: FlowSettings = opt_json_object_in("settings", settings)?;
        let report = analyze(&input, &settings, time_in(j, now_ms)?)?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("flow report", &report) }
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::test_util::{Engine, failure, s, sentinel_buf, take_json, untouched};
    use std::ptr;

    const INPUT: &str = r#"{"tickets":[{"key":"A-1","team":"alpha",
        "created":"2024-01-01T00:00:00Z","events":[
        {"at":"2024-01-02T00:00:00Z","field":"status","from":"Open","to":"In Progress"},
        {"at":"2024-01-05T00:00:00Z","field":"status","from":"In Progress","to":"Done"}]}]}"#;

    fn engine() -> Engine {
        Engine::with_settings("{}")
    }

    fn analyze_at(e: &Engine, input: &str, now: Option<i64>, out: &mut juno_buf) -> juno_status {
        let (i, il) = s(input);
        let now = now.as_ref().map_or(ptr::null(), |n| n as *const i64);
        // SAFETY: valid strings, time pointer and out pointer.
        unsafe { juno_flow_analyze(e.0, i, il, ptr::null(), 0, now, out, ptr::null_mut()) }
    }

    #[test]
    fn dwell_and_the_work_bottleneck_at_a_given_time() {
        let e = engine();
        let mut out = sentinel_buf();
        // 2024-02-01.
        assert_eq!(
            analyze_at(&e, INPUT, Some(1_706_745_600_000), &mut out),
            juno_status::Ok
        );
        let r = take_json(&mut out);
        assert_eq!(r["now"], "2024-02-01T00:00:00Z");
        let alpha = &r["teams"]["alpha"];
        assert_eq!(alpha["statuses"]["In Progress"]["total_days"], 3.0);
        assert_eq!(alpha["work_bottleneck"]["status"], "In Progress");
    }

    #[test]
    fn bad_input_is_invalid_input_and_leaves_the_output_alone() {
        let e = engine();
        let mut out = sentinel_buf();
        // 2024-01-03: the ticket's last event is after it.
        let (status, msg) = failure(|err| {
            let (i, il) = s(INPUT);
            let now = 1_704_240_000_000i64;
            // SAFETY: valid strings, time pointer and out pointer.
            unsafe { juno_flow_analyze(e.0, i, il, ptr::null(), 0, &now, &mut out, err) }
        });
        assert_eq!(status, juno_status::InvalidInput, "{msg}");
        let (status, msg) = failure(|err| {
            let (i, il) = s(INPUT);
            let (st, sl) = s(r#"{"queue_weeks":1}"#);
            // SAFETY: valid strings and out pointer.
            unsafe { juno_flow_analyze(e.0, i, il, st, sl, ptr::null(), &mut out, err) }
        });
        assert_eq!(status, juno_status::InvalidInput);
        assert!(msg.contains("`settings.queue_weeks`"), "{msg}");
        assert_eq!(
            analyze_at(&e, "[]", None, &mut out),
            juno_status::InvalidInput
        );
        assert_eq!(
            analyze_at(&e, INPUT, Some(i64::MAX), &mut out),
            juno_status::InvalidInput
        );
        // SAFETY: NULL on purpose, everything else valid.
        unsafe {
            let (i, il) = s(INPUT);
            let n = ptr::null_mut();
            assert_eq!(
                juno_flow_analyze(ptr::null(), i, il, ptr::null(), 0, ptr::null(), &mut out, n),
                juno_status::NullParameter
            );
            assert_eq!(
                juno_flow_analyze(
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
                juno_flow_analyze(e.0, i, il, ptr::null(), 0, ptr::null(), ptr::null_mut(), n),
                juno_status::NullParameter
            );
        }
        assert!(untouched(&out));
    }
}
