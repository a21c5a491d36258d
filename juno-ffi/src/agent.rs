//! `juno_source_*`, `juno_agent_*` and `juno_executor_*`: the observe stage, the agent
//! cycle and the act stage.
//!
//! Inputs and outputs are JSON in the shapes of the core's serde types
//! (`juno_core::source::Snapshot`, `agent::CycleOptions`, `agent::CycleReport`, …), the same
//! JSON the Python package returns.

use std::ffi::{c_char, c_void};

use juno_core::agent::CycleOptions;
use juno_core::executor::RecordingExecutor;
use juno_core::executor::jira::JiraExecutor;
use juno_core::governance::{Executor, Proposal};
use juno_core::source::Snapshot;
use juno_core::source::export::{ExportSettings, ExportSource};
use juno_core::source::jira::{JiraSettings, JiraSource};
use juno_core::source::sim::{SimSettings, SimSource};

use crate::boundary::{Out, handle, opt_str_in, str_in};
use crate::buf::juno_buf;
use crate::engine::juno;
use crate::engines::{json_object_in, opt_json_object_in};
use crate::error::juno_error;
use crate::ffi_boundary;
use crate::governance::{CExecutor, juno_executor_fn};
use crate::status::juno_status;

/// Syncs the seeded simulated organisation into the store: everything the first time,
/// then the tickets changed since the last sync of the same seed.
///
/// - `j`: must not be NULL.
/// - `settings_json`/`settings_len`: **optional**: a `SimSettings` object, every field
///   optional (`seed` 7, `teams` 3, `people_per_team` 5, `sprints` 26, `backlog_per_team`
///   20, `end` `"2026-01-05T00:00:00Z"`, `active_day` 4); NULL means the defaults.
/// - `out_report_json`: on success receives a `SyncReport` object (`source`, `since`,
///   `now`, `stored` — counts of `teams`, `people`, `tickets`, `sprints`, `active` —,
///   `millis`); the caller frees it with `juno_buf_free`. Untouched on failure. Must not be
///   NULL.
/// - `err`: optional: on failure receives an error the caller frees with
///   `juno_error_free`.
/// - Errors: `JUNO_STATUS_INVALID_INPUT` naming a bad setting (`` `settings.teams` ``).
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_source_sync_sim(
    j: *mut juno,
    settings_json: *const c_char,
    settings_len: usize,
    out_report_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j.cast_const()) }?;
        // SAFETY: `settings_json` is NULL or `settings_len` readable bytes.
        let settings = unsafe { opt_str_in("settings_json", settings_json, settings_len) }?;
        let out = Out::new("out_report_json", out_report_json)?;
        let settings: SimSettings = opt_json_object_in("settings", settings)?;
        let mut sim = SimSource::new(settings)?;
        let report = j.inner.source().sync(&mut sim)?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("sync report", &report) }
    })
}

/// Jira settings from caller JSON, checked.
fn jira_settings_in(json: &str) -> Result<JiraSettings, crate::error::Failure> {
    let settings: JiraSettings = json_object_in("settings", json)?;
    settings.validate()?;
    Ok(settings)
}

/// Syncs a Jira site into the store: on the first sync every issue of the projects and
/// their closed sprints, then the issues updated since the last successful sync (with the
/// overlap window). The token is never stored, logged or put in an error message.
///
/// - `j`: must not be NULL.
/// - `settings_json`/`settings_len`: a `JiraSettings` object: `base_url`, `flavor`
///   (`"cloud"` — Basic auth with `email` and an API `token` — or `"server"` — a personal
///   access `token` as a Bearer), `projects` (keys), and optional `team_naming`
///   (`"board"` or `"project"`), `page_size` (100), `max_requests_per_second` (5),
///   `timeout_secs` (30), `max_retries` (5), `backoff_ms` (500), `overlap_minutes` (10),
///   `story_points_field`, `sprint_field`, `juno_account`; must not be NULL.
/// - `out_report_json`: on success receives the `SyncReport` (as for
///   `juno_source_sync_sim`); the caller frees it with `juno_buf_free`. Untouched on
///   failure. Must not be NULL.
/// - `err`: optional, as for `juno_source_sync_sim`.
/// - Errors: `JUNO_STATUS_CONFIG` naming a bad setting (`` `jira.base_url` ``),
///   `JUNO_STATUS_REMOTE` when Jira refuses the token (the message names the permission
///   likely missing) or cannot be reached after the retries; nothing is stored then.
/// - Thread safety: safe to call while other threads use `j`; it blocks on the network.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_source_sync_jira(
    j: *mut juno,
    settings_json: *const c_char,
    settings_len: usize,
    out_report_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    // SAFETY: the caller's contract is this function's; a NULL callback reports nothing.
    unsafe {
        juno_source_sync_jira_with_progress(
            j,
            settings_json,
            settings_len,
            None,
            std::ptr::null_mut(),
            out_report_json,
            err,
        )
    }
}

/// As `juno_source_sync_jira`, calling `progress` as the sync goes: after each page of
/// the issue search (`phase` `"issues"`), each long change history completed
/// (`"changelogs"`), each sprint's issues read (`"sprints"`), and once when what was
/// pulled is stored (`"stored"`, `done` true). A first sync of a large site takes minutes;
/// this is what a host draws its progress bar from.
///
/// - `progress`: **optional**: see `juno_progress_fn`; here its JSON is a `SyncProgress`
///   object (`phase`, `count` — items fetched so far in the phase —, `total` — how many
///   the phase will fetch, or null where Jira does not say, as Cloud's search does not —,
///   `done`); NULL reports nothing.
/// - `progress_ctx`: passed unchanged to `progress`; may be NULL.
/// - Every other parameter, the errors and thread safety: as `juno_source_sync_jira`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_source_sync_jira_with_progress(
    j: *mut juno,
    settings_json: *const c_char,
    settings_len: usize,
    progress: juno_progress_fn,
    progress_ctx: *mut c_void,
    out_report_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j.cast_const()) }?;
        // SAFETY: `settings_json` is NULL or `settings_len` readable bytes.
        let settings = unsafe { str_in("settings_json", settings_json, settings_len) }?;
        let out = Out::new("out_report_json", out_report_json)?;
        let mut source = JiraSource::new(jira_settings_in(settings)?)?;
        let report = j.inner.source().sync_with_progress(&mut source, &mut |p| {
            // SAFETY: the caller's callback and context (`juno_progress_fn`'s contract).
            unsafe { call_progress(progress, progress_ctx, p) }
        })?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("sync report", &report) }
    })
}

/// Hands `event` as NUL-terminated JSON to the caller's `progress` callback, if any.
///
/// # Safety
/// `progress` and `ctx` are as `juno_progress_fn` documents.
unsafe fn call_progress<T: serde::Serialize>(
    progress: juno_progress_fn,
    ctx: *mut c_void,
    event: &T,
) {
    let Some(f) = progress else { return };
    let mut json = serde_json::to_vec(event).unwrap_or_default();
    let len = json.len();
    json.push(0);
    // SAFETY: `f` is the caller's callback and `ctx` its own pointer; the bytes live for
    // the whole call (the documented contract of `juno_progress_fn`).
    unsafe { f(ctx, json.as_ptr().cast(), len) };
}

/// Syncs a Jira export file into the store: a JSON export (search results with the
/// changelog expanded; `.json`) or a CSV export (`.csv`), for teams who cannot grant API
/// access.
///
/// - `j`: must not be NULL.
/// - `path`/`path_len`: the file; must not be NULL.
/// - `settings_json`/`settings_len`: **optional**: an `ExportSettings` object (`flavor`,
///   `story_points_field`, `sprint_field`); NULL means the defaults.
/// - `out_report_json`: on success receives the `SyncReport`; the caller frees it with
///   `juno_buf_free`. Untouched on failure. Must not be NULL.
/// - `err`: optional, as for `juno_source_sync_sim`.
/// - Errors: `JUNO_STATUS_IO` for a file that cannot be read; `JUNO_STATUS_INVALID_INPUT`
///   naming the file, line and field of a row or issue that does not read.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_source_sync_export(
    j: *mut juno,
    path: *const c_char,
    path_len: usize,
    settings_json: *const c_char,
    settings_len: usize,
    out_report_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j.cast_const()) }?;
        // SAFETY: each string is NULL or its length in readable bytes.
        let path = unsafe { str_in("path", path, path_len) }?;
        // SAFETY: as above.
        let settings = unsafe { opt_str_in("settings_json", settings_json, settings_len) }?;
        let out = Out::new("out_report_json", out_report_json)?;
        let settings: ExportSettings = opt_json_object_in("settings", settings)?;
        let mut source = ExportSource::new(path, settings);
        let report = j.inner.source().sync(&mut source)?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("sync report", &report) }
    })
}

/// Stores a snapshot the host read itself (an export it parsed, a fixture) as if source
/// `name` had pulled it now: teams, people, tickets and finished sprints are upserted, each
/// named team's active sprint replaced, in one transaction.
///
/// - `j`: must not be NULL.
/// - `name`/`name_len`: the source's name (its sync state is kept under it); must not be
///   NULL.
/// - `snapshot_json`/`snapshot_len`: a `Snapshot` object (`now`, and optional `teams`,
///   `people`, `sprints`, `checkpoints`, `active`, `tickets` in the core's shapes); must
///   not be NULL.
/// - `out_counts_json`: on success receives the counts stored (`teams`, `people`,
///   `tickets`, `sprints`, `active`); the caller frees it with `juno_buf_free`. Untouched on
///   failure. Must not be NULL.
/// - `err`: optional, as for `juno_source_sync_sim`.
/// - Errors: `JUNO_STATUS_INVALID_INPUT` naming the bad item (`` `tickets[3].key` ``);
///   nothing is stored then.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_source_store(
    j: *mut juno,
    name: *const c_char,
    name_len: usize,
    snapshot_json: *const c_char,
    snapshot_len: usize,
    out_counts_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j.cast_const()) }?;
        // SAFETY: each string is NULL or its length in readable bytes.
        let name = unsafe { str_in("name", name, name_len) }?;
        // SAFETY: as above.
        let snap = unsafe { str_in("snapshot_json", snapshot_json, snapshot_len) }?;
        let out = Out::new("out_counts_json", out_counts_json)?;
        let snap: Snapshot = json_object_in("snapshot", snap)?;
        let counts = j.inner.source().store(name, &snap, j.inner.now())?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("counts", &counts) }
    })
}

/// Where syncing source `name` stands: a `SyncState` object (`source`, `last_success`,
/// `last_attempt`, `last_error`, `syncs`, `items`), or JSON `null` if it was never tried.
///
/// - `j`: must not be NULL; not modified.
/// - `name`/`name_len`: the source's name (`sim:7`); must not be NULL.
/// - `out_json`: on success receives the JSON; the caller frees it with `juno_buf_free`.
///   Untouched on failure. Must not be NULL.
/// - `err`: optional, as for `juno_source_sync_sim`.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_source_state(
    j: *const juno,
    name: *const c_char,
    name_len: usize,
    out_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j) }?;
        // SAFETY: `name` is NULL or `name_len` readable bytes.
        let name = unsafe { str_in("name", name, name_len) }?;
        let out = Out::new("out_json", out_json)?;
        let state = j.inner.source().state(name)?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("sync state", &state) }
    })
}

/// Everything stored, as one `Snapshot` object (teams and people by name, sprints by team
/// then end, active sprints by team, tickets by key): what the cycle analyses.
///
/// - `j`: must not be NULL; not modified.
/// - `out_json`: on success receives the JSON; the caller frees it with `juno_buf_free`.
///   Untouched on failure. Must not be NULL.
/// - `err`: optional, as for `juno_source_sync_sim`.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_source_snapshot(
    j: *const juno,
    out_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j) }?;
        let out = Out::new("out_json", out_json)?;
        let snap = j.inner.source().snapshot()?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("snapshot", &snap) }
    })
}

/// Runs one agent cycle as of the engine's clock: syncs the simulated organisation when
/// `sim_settings_json` is given, analyses what is stored, proposes, routes through
/// governance, executes approved actions once through `executor` (within the guard rails
/// and the write budget), learns, and stores the report.
///
/// - `j`: must not be NULL.
/// - `sim_settings_json`/`sim_settings_len`: **optional**: `SimSettings` (as for
///   `juno_source_sync_sim`) of a simulated organisation to sync first; NULL syncs nothing
///   (the cycle reads what earlier syncs stored).
/// - `options_json`/`options_len`: **optional**: a `CycleOptions` object, every field
///   optional (`dry_run` false, `requester` `"juno"`, `guard_rails` — `projects`,
///   `write_budget` 20, `protected_statuses`, `close_in_active_sprint` false —, `triage`,
///   `cooldown_days` 14, `retrain_every` 10, `history_sprints` 20, `learning` true,
///   `preferences` — `enabled` true, `window` 10, `min_against` 3, `probe_days` 14 —);
///   NULL means the defaults.
/// - `executor`: **optional**: called once per approved action, on the calling thread,
///   before this function returns, with the action's canonical JSON (its
///   `parameters.writes` are the exact writes to make); return 0 for success. NULL means
///   the recording executor, which writes nothing outside JUNO. The same rules as for
///   `juno_governance_execute` apply (no `juno_free` on `j` from inside it).
/// - `ctx`: passed unchanged to `executor`; may be NULL.
/// - `out_report_json`: on success receives the `CycleReport` object (`cycle`, `now`,
///   `dry_run`, `sync`, `seen`, `teams`, `risks`, `proposals`, `skipped`, `executed`,
///   `held`, `failed`, `waiting`, `learned`, `timings_ms`); the caller frees it with
///   `juno_buf_free`. Untouched on failure. Must not be NULL.
/// - `err`: optional, as for `juno_source_sync_sim`.
/// - Errors: `JUNO_STATUS_INVALID_INPUT` naming a bad option (`` `options.cooldown_days` ``);
///   `JUNO_STATUS_INVALID_STATE` while another cycle runs on the same database.
/// - Thread safety: safe to call while other threads use `j`; a second concurrent cycle is
///   refused, not queued.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_agent_run_cycle(
    j: *mut juno,
    sim_settings_json: *const c_char,
    sim_settings_len: usize,
    options_json: *const c_char,
    options_len: usize,
    executor: juno_executor_fn,
    ctx: *mut c_void,
    out_report_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    // SAFETY: the same contract, with no progress callback.
    unsafe {
        juno_agent_run_cycle_with_progress(
            j,
            sim_settings_json,
            sim_settings_len,
            options_json,
            options_len,
            executor,
            ctx,
            None,
            std::ptr::null_mut(),
            out_report_json,
            err,
        )
    }
}

/// Runs one agent cycle against Jira: syncs the site, analyses, proposes, routes through
/// governance, and writes approved actions to Jira through the Jira executor (each once,
/// with an idempotency marker on the issue and comments that name the approval), within
/// the guard rails and the write budget. As `juno_agent_run_cycle` otherwise.
///
/// - `j`: must not be NULL.
/// - `settings_json`/`settings_len`: `JiraSettings` (as for `juno_source_sync_jira`);
///   must not be NULL.
/// - `options_json`/`options_len`: **optional**: `CycleOptions` (as for
///   `juno_agent_run_cycle`); `{"dry_run":true}` shows the exact writes and makes none.
/// - `out_report_json`: on success receives the `CycleReport`; the caller frees it with
///   `juno_buf_free`. Untouched on failure. Must not be NULL.
/// - `err`: optional, as for `juno_source_sync_sim`.
/// - Errors: as `juno_source_sync_jira` and `juno_agent_run_cycle`. A write Jira refuses
///   fails that action (`failed` in the report), not the cycle.
/// - Thread safety: safe to call while other threads use `j`; it blocks on the network.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_agent_run_cycle_jira(
    j: *mut juno,
    settings_json: *const c_char,
    settings_len: usize,
    options_json: *const c_char,
    options_len: usize,
    out_report_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j.cast_const()) }?;
        // SAFETY: each string is NULL or its length in readable bytes.
        let settings = unsafe { str_in("settings_json", settings_json, settings_len) }?;
        // SAFETY: as above.
        let options = unsafe { opt_str_in("options_json", options_json, options_len) }?;
        let out = Out::new("out_report_json", out_report_json)?;
        let settings = jira_settings_in(settings)?;
        let options: CycleOptions = opt_json_object_in("options", options)?;
        let mut source = JiraSource::new(settings.clone())?;
        let mut executor = JiraExecutor::new(settings)?;
        let report = j
            .inner
            .agent()
            .run_cycle(Some(&mut source), &mut executor, &options)?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("cycle report", &report) }
    })
}

/// Called as a long call goes, with a JSON object of `len` bytes followed by a NUL, valid
/// only during the call. From a cycle (`juno_agent_run_cycle_with_progress`), as each stage
/// starts and ends, a `Progress` object: `stage` — `observe`, `analyze`, `decide`,
/// `govern`, `act` or `learn` —, `step` 1–6, `of` 6, `done`, `millis` — the stage's
/// duration once done, else null —, and `sync` — during `observe`, the source's
/// `SyncProgress` (as for `juno_source_sync_jira_with_progress`), else null. It is called
/// on the thread that runs the call; it must return normally and must not call `juno_free`
/// on the handle.
#[allow(non_camel_case_types)]
pub type juno_progress_fn =
    Option<unsafe extern "C" fn(ctx: *mut c_void, progress_json: *const c_char, len: usize)>;

/// As `juno_agent_run_cycle`, calling `progress` as each of the six stages starts and ends
/// (to draw a progress bar, or stream the cycle to a user).
///
/// - `progress`: **optional**: see `juno_progress_fn`; NULL reports nothing.
/// - `progress_ctx`: passed unchanged to `progress`; may be NULL.
/// - Every other parameter, the errors and thread safety: as `juno_agent_run_cycle`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_agent_run_cycle_with_progress(
    j: *mut juno,
    sim_settings_json: *const c_char,
    sim_settings_len: usize,
    options_json: *const c_char,
    options_len: usize,
    executor: juno_executor_fn,
    ctx: *mut c_void,
    progress: juno_progress_fn,
    progress_ctx: *mut c_void,
    out_report_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j.cast_const()) }?;
        // SAFETY: each string is NULL or its length in readable bytes.
        let sim = unsafe { opt_str_in("sim_settings_json", sim_settings_json, sim_settings_len) }?;
        // SAFETY: as above.
        let options = unsafe { opt_str_in("options_json", options_json, options_len) }?;
        let out = Out::new("out_report_json", out_report_json)?;
        let options: CycleOptions = opt_json_object_in("options", options)?;
        let mut source = match sim {
            Some(s) => Some(SimSource::new(json_object_in::<SimSettings>(
                "sim_settings",
                s,
            )?)?),
            None => None,
        };
        let mut recording = RecordingExecutor::new();
        let mut host = executor.map(|f| CExecutor { f, ctx });
        let exec: &mut dyn Executor = match host.as_mut() {
            Some(h) => h,
            None => &mut recording,
        };
        let mut report_progress = |p: &juno_core::agent::Progress| {
            // SAFETY: the caller's callback and context (`juno_progress_fn`'s contract).
            unsafe { call_progress(progress, progress_ctx, p) }
        };
        let agent = j.inner.agent();
        let report = match source.as_mut() {
            Some(s) => {
                agent.run_cycle_with_progress(Some(s), exec, &options, &mut report_progress)?
            }
            None => agent.run_cycle_with_progress(None, exec, &options, &mut report_progress)?,
        };
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("cycle report", &report) }
    })
}

/// What is missing or odd in the synced data: a `DataReport` object (`counts` — `teams`,
/// `people`, `tickets`, `sprints`, `active` —, `findings`, errors first, each with
/// `severity` — `"error"` or `"warning"` —, `check`, `message`, `count`, `examples`).
///
/// - `j`: must not be NULL; not modified.
/// - `out_json`: on success receives the JSON; the caller frees it with `juno_buf_free`.
///   Untouched on failure. Must not be NULL.
/// - `err`: optional, as for `juno_source_sync_sim`.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_source_validate(
    j: *const juno,
    out_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j) }?;
        let out = Out::new("out_json", out_json)?;
        let report = j.inner.source().validate()?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("data report", &report) }
    })
}

/// The stored reports of the newest `limit` cycles, newest first, as a JSON array of
/// `CycleReport` objects.
///
/// - `j`: must not be NULL; not modified.
/// - `out_json`: on success receives the JSON; the caller frees it with `juno_buf_free`.
///   Untouched on failure. Must not be NULL.
/// - `err`: optional, as for `juno_source_sync_sim`.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_agent_cycles(
    j: *const juno,
    limit: usize,
    out_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j) }?;
        let out = Out::new("out_json", out_json)?;
        let cycles = j.inner.agent().cycles(limit)?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("cycles", &cycles) }
    })
}

/// Every stored confidence calibration map, by action kind, oldest version first, as a JSON
/// array of `ConfidenceCalibration` objects (`kind`, `version`, `map` — with `outcomes`,
/// `brier_raw`, `brier_calibrated`, `ece_raw`, `ece_calibrated` on the person decisions it
/// was fitted on —, `decided_through`, `created_at`). The learn stage fits one per action
/// kind from 30 person decisions on; the analyze stage applies the newest of each kind, and
/// each proposal's request and auto-approval decision name the map (`calibration`).
///
/// - `j`: must not be NULL; not modified.
/// - `out_json`: on success receives the JSON; the caller frees it with `juno_buf_free`.
///   Untouched on failure. Must not be NULL.
/// - `err`: optional, as for `juno_source_sync_sim`.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_agent_confidence_calibrations(
    j: *const juno,
    out_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j) }?;
        let out = Out::new("out_json", out_json)?;
        let maps = j.inner.agent().confidence_calibrations()?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("confidence calibrations", &maps) }
    })
}

/// What request `id`'s execution changed: an `ExecutionRecord` object (`request_id`,
/// `digest`, `kind`, `target`, `executor`, `intent_at`, `done_at`, `ok`, `changes`,
/// `reverted_by`), or JSON `null` when it did not run through the outbox.
///
/// - `j`: must not be NULL; not modified.
/// - `out_json`: on success receives the JSON; the caller frees it with `juno_buf_free`.
///   Untouched on failure. Must not be NULL.
/// - `err`: optional, as for `juno_source_sync_sim`.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_executor_record(
    j: *const juno,
    id: i64,
    out_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j) }?;
        let out = Out::new("out_json", out_json)?;
        let record = j.inner.executor().record(id)?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("execution record", &record) }
    })
}

/// Proposes undoing executed request `id`: a `revert` request whose writes are the inverse
/// of what it changed, submitted to governance like any action (it waits for a person;
/// the next cycle executes it once approved).
///
/// - `j`: must not be NULL.
/// - `requester`/`requester_len`: who asks; must not be NULL.
/// - `out_request_json`: on success receives the new request (see
///   `juno_governance_submit`); the caller frees it with `juno_buf_free`. Untouched on
///   failure. Must not be NULL.
/// - `err`: optional, as for `juno_source_sync_sim`.
/// - Errors: `JUNO_STATUS_NOT_FOUND` for an unknown request; `JUNO_STATUS_INVALID_STATE`
///   when it did not execute through the outbox, failed, changed nothing revertible, or
///   was already reverted.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_executor_propose_revert(
    j: *mut juno,
    id: i64,
    requester: *const c_char,
    requester_len: usize,
    out_request_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j.cast_const()) }?;
        // SAFETY: `requester` is NULL or `requester_len` readable bytes.
        let requester = unsafe { str_in("requester", requester, requester_len) }?;
        let out = Out::new("out_request_json", out_request_json)?;
        let request = j.inner.executor().propose_revert(id, requester)?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("request", &request) }
    })
}

/// How policy would route a proposal, without submitting it: a `Routing` object (`role`,
/// the queue a person decides in, and `decision`, the auto-approval rule and numbers, or
/// `null` when a person must decide).
///
/// - `j`: must not be NULL; not modified.
/// - `proposal_json`/`proposal_len`: a `Proposal` object (as for `juno_governance_submit`);
///   must not be NULL.
/// - `out_json`: on success receives the JSON; the caller frees it with `juno_buf_free`.
///   Untouched on failure. Must not be NULL.
/// - `err`: optional, as for `juno_source_sync_sim`.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_governance_route(
    j: *const juno,
    proposal_json: *const c_char,
    proposal_len: usize,
    out_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j) }?;
        // SAFETY: `proposal_json` is NULL or `proposal_len` readable bytes.
        let proposal = unsafe { str_in("proposal_json", proposal_json, proposal_len) }?;
        let out = Out::new("out_json", out_json)?;
        let proposal: Proposal = json_object_in("proposal", proposal)?;
        let routing = j.inner.governance().route(&proposal);
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("routing", &routing) }
    })
}
