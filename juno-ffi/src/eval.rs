//! `juno_eval_sprint_risk` and `juno_eval_triage`: the evaluations on real Jira files that
//! `juno eval` runs, for C hosts. File paths in, the report as JSON and (optionally) the
//! rendered table out.

use std::ffi::c_char;
use std::path::Path;

use juno_eval::sprint_risk::{self, SprintRiskEvalOptions};
use juno_eval::triage::{self, TriageEvalOptions};

use crate::boundary::{Out, opt_str_in, str_in};
use crate::buf::juno_buf;
use crate::engines::{opt_json_object_in, write_text};
use crate::error::juno_error;
use crate::ffi_boundary;
use crate::status::juno_status;

/// Evaluates the sprint-risk models on a TSE2017- or Porru8-schema sprint file (the schema
/// is read from the header), per project, as `juno eval sprint-risk` does.
///
/// - `iterations_path`/`iterations_len`: the sprint file (UTF-8 path); must not be NULL.
/// - `issues_path`/`issues_len`: the TSE2017 per-issue feature file, the Porru8 issues
///   file (with `memberships`), or NULL.
/// - `options_json`/`options_len`: NULL for the defaults, or an object with any of
///   `protocol` (`"paper-cv"`, `"forward"`, `"sprint-cv"` or `"rolling"`: sprint by sprint
///   in time order, retrained every 10 sprints), `recalibration` (`"none"`, `"isotonic"`,
///   `"platt"` or `"blend"`; `rolling` only), `pred_time_pct` (30),
///   `delivered_ratio` (0.8) and, for Porru8, `memberships` (the path of
///   `porru8_issue_sprints.csv`: each sprint is then rebuilt at the prediction time), and
///   `plot` (a directory path: SVG reliability diagrams, and under `rolling` the interval
///   coverage, are written there).
/// - `out_json`: receives the report (per project: `class3`, `binary`, `regression` with
///   their baselines; `pooled_binary` over every project's predictions); free with
///   `juno_buf_free`. Must not be NULL.
/// - `out_table`: NULL, or receives the report as the plain-text table `juno eval` prints.
/// - `err`: optional; receives the error on failure (free with `juno_error_free`).
/// - Errors: `JUNO_STATUS_INVALID_INPUT` naming the file (and line) for a missing file,
///   wrong columns or a bad value, and for bad options.
/// - Runs for up to about a minute on the full data (`paper-cv`); any thread; no engine is
///   involved.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn juno_eval_sprint_risk(
    iterations_path: *const c_char,
    iterations_len: usize,
    issues_path: *const c_char,
    issues_len: usize,
    options_json: *const c_char,
    options_len: usize,
    out_json: *mut juno_buf,
    out_table: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: each string is NULL or its length in readable bytes.
        let iterations = unsafe { str_in("iterations_path", iterations_path, iterations_len) }?;
        // SAFETY: as above.
        let issues = unsafe { opt_str_in("issues_path", issues_path, issues_len) }?;
        // SAFETY: as above.
        let options = unsafe { opt_str_in("options_json", options_json, options_len) }?;
        let out = Out::new("out_json", out_json)?;
        let table = Out::new_optional(out_table);
        let options: SprintRiskEvalOptions = opt_json_object_in("options", options)?;
        let report = sprint_risk::run(Path::new(iterations), issues.map(Path::new), &options)?;
        if let Some(table) = table {
            // SAFETY: `table` points to a writable `juno_buf`.
            unsafe { write_text(table, report.render_table()) };
        }
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("report", &report) }
    })
}

/// Replays MSR2015-schema issue histories through triage and scores the proposals against
/// what later happened, as `juno eval triage` does.
///
/// - `issues_path`/`issues_len`, `events_path`/`events_len`: the two files; not NULL.
/// - `options_json`/`options_len`: NULL for the defaults, or an object with any of
///   `step_days` (14), `horizon_days` (30), `assume_estimated` (false) and `settings`
///   (triage settings).
/// - `out_json`, `out_table`, `err`: as for `juno_eval_sprint_risk`.
/// - Errors: `JUNO_STATUS_INVALID_INPUT` naming the file, line and column of a bad value,
///   `JUNO_STATUS_IO` for a missing file.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn juno_eval_triage(
    issues_path: *const c_char,
    issues_len: usize,
    events_path: *const c_char,
    events_len: usize,
    options_json: *const c_char,
    options_len: usize,
    out_json: *mut juno_buf,
    out_table: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: each string is NULL or its length in readable bytes.
        let issues = unsafe { str_in("issues_path", issues_path, issues_len) }?;
        // SAFETY: as above.
        let events = unsafe { str_in("events_path", events_path, events_len) }?;
        // SAFETY: as above.
        let options = unsafe { opt_str_in("options_json", options_json, options_len) }?;
        let out = Out::new("out_json", out_json)?;
        let table = Out::new_optional(out_table);
        let options: TriageEvalOptions = opt_json_object_in("options", options)?;
        let report = triage::run(Path::new(issues), Path::new(events), &options)?;
        if let Some(table) = table {
            // SAFETY: `table` points to a writable `juno_buf`.
            unsafe { write_text(table, report.render_table()) };
        }
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("report", &report) }
    })
}
