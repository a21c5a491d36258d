//! `juno_governance_*`: roles, approval requests, decisions, deadlines and execution.
//!
//! Inputs and outputs are JSON in the shapes of `juno_core::governance`'s serde types, the
//! same JSON the Python package uses. Role names are `TEAM_LEAD`, `PROJECT_MANAGER`,
//! `ENGINEERING_MANAGER`, `DIRECTOR` and `ADMIN` (case-insensitive on input).

use std::ffi::{c_char, c_void};

use juno_core::governance::{Action, Executor, Proposal};
use juno_core::model::Role;

use crate::boundary::{Out, handle, opt_str_in, str_in};
use crate::buf::juno_buf;
use crate::engine::juno;
use crate::error::{Failure, juno_error};
use crate::ffi_boundary;
use crate::status::juno_status;

/// Runs an approved action for `juno_governance_execute`.
///
/// Called with the caller's `ctx` and the approved action as canonical JSON (compact, keys
/// sorted): `action_len` bytes at `action_json`, followed by a NUL that is not counted.
/// The bytes are borrowed and valid only during the call. Return 0 when the action was
/// performed (recorded as the result `{"ok":true}`), anything else when it failed
/// (recorded as the failure `"executor returned N"`).
///
/// The function must return normally: no `longjmp` out of it and no C++ exception through
/// it.
#[allow(non_camel_case_types)]
pub type juno_executor_fn = Option<
    unsafe extern "C" fn(ctx: *mut c_void, action_json: *const c_char, action_len: usize) -> i32,
>;

/// A role name (case-insensitive): an unknown name is invalid input.
fn role_in(param: &str, s: &str) -> Result<Role, Failure> {
    s.parse::<Role>().map_err(|_| {
        Failure::from(juno_core::Error::invalid(
            param,
            format!(
                "unknown role `{s}` (expected TEAM_LEAD, PROJECT_MANAGER, \
                 ENGINEERING_MANAGER, DIRECTOR or ADMIN)"
            ),
        ))
    })
}

/// Grants `role` to `user` for each team in `teams_json`. Re-granting an active grant is a
/// no-op. Audited as `role_assigned` (one entry per new grant).
///
/// - `j`: must not be NULL.
/// - `user`/`user_len`: the user id, e.g. `ana@company.com`; must not be NULL.
/// - `role`/`role_len`: a role name (`TEAM_LEAD`, …, `ADMIN`); must not be NULL.
/// - `teams_json`/`teams_len`: a JSON array of team names, e.g. `["team_alpha"]`, or
///   `["*"]` for all teams; must not be NULL.
/// - `by`/`by_len`: who grants it (recorded in the audit log); must not be NULL.
/// - `err`: optional (may be NULL); on failure receives a `juno_error` the caller frees
///   with `juno_error_free`; untouched on success.
/// - Errors: `JUNO_STATUS_INVALID_INPUT` for an unknown role, malformed `teams_json`, an
///   empty team list or a bad name; nothing is granted then.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_governance_assign_role(
    j: *mut juno,
    user: *const c_char,
    user_len: usize,
    role: *const c_char,
    role_len: usize,
    teams_json: *const c_char,
    teams_len: usize,
    by: *const c_char,
    by_len: usize,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j.cast_const()) }?;
        // SAFETY: each string is NULL or its length in readable bytes.
        let user = unsafe { str_in("user", user, user_len) }?;
        // SAFETY: as above.
        let role = unsafe { str_in("role", role, role_len) }?;
        // SAFETY: as above.
        let teams = unsafe { str_in("teams_json", teams_json, teams_len) }?;
        // SAFETY: as above.
        let by = unsafe { str_in("by", by, by_len) }?;
        let role = role_in("role", role)?;
        let teams: Vec<String> = juno_core::json::parse("teams", teams)?;
        let teams: Vec<&str> = teams.iter().map(String::as_str).collect();
        j.inner.governance().assign_role(user, role, &teams, by)?;
        Ok(())
    })
}

/// Revokes `role` from `user` for one team, or for every team. Audited as `role_revoked`.
///
/// - `j`: must not be NULL.
/// - `user`/`user_len`, `role`/`role_len`, `by`/`by_len`: as for
///   `juno_governance_assign_role`; must not be NULL.
/// - `team`/`team_len`: **optional**: NULL (with any length) revokes the role for all the
///   teams the user holds it for.
/// - `out_teams_json`: on success receives a JSON array of the teams revoked, e.g.
///   `["team_alpha"]`; the caller frees it with `juno_buf_free`. Untouched on failure. Must
///   not be NULL.
/// - `err`: optional, as for `juno_governance_assign_role`.
/// - Errors: `JUNO_STATUS_NOT_FOUND` when the user held no such active grant;
///   `JUNO_STATUS_INVALID_INPUT` for an unknown role.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_governance_revoke_role(
    j: *mut juno,
    user: *const c_char,
    user_len: usize,
    role: *const c_char,
    role_len: usize,
    team: *const c_char,
    team_len: usize,
    by: *const c_char,
    by_len: usize,
    out_teams_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j.cast_const()) }?;
        // SAFETY: each string is NULL or its length in readable bytes.
        let user = unsafe { str_in("user", user, user_len) }?;
        // SAFETY: as above.
        let role = unsafe { str_in("role", role, role_len) }?;
        // SAFETY: as above.
        let team = unsafe { opt_str_in("team", team, team_len) }?;
        // SAFETY: as above.
        let by = unsafe { str_in("by", by, by_len) }?;
        let out = Out::new("out_teams_json", out_teams_json)?;
        let role = role_in("role", role)?;
        let teams = j.inner.governance().revoke_role(user, role, team, by)?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("revoked teams", &teams) }
    })
}

/// Role assignments as a JSON array of `RoleAssignment` objects (`user`, `role`, `team` —
/// `"*"` for all teams —, `granted_at`, `granted_by`, `revoked_at`, `revoked_by`).
///
/// - `j`: must not be NULL; not modified.
/// - `user`/`user_len`: **optional**: NULL (with any length) lists every user's grants.
/// - `include_revoked`: whether revoked grants are listed too.
/// - `out_json`: on success receives the JSON; the caller frees it with `juno_buf_free`.
///   Untouched on failure. Must not be NULL.
/// - `err`: optional, as for `juno_governance_assign_role`.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_governance_roles(
    j: *const juno,
    user: *const c_char,
    user_len: usize,
    include_revoked: bool,
    out_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j) }?;
        // SAFETY: `user` is NULL or `user_len` readable bytes.
        let user = unsafe { opt_str_in("user", user, user_len) }?;
        let out = Out::new("out_json", out_json)?;
        let roles = j.inner.governance().roles(user, include_revoked)?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("role assignments", &roles) }
    })
}

/// Delegates `delegator`'s approval authority for `team` to `delegate` until
/// `until_unix_ms`: `delegate` may then decide that team's requests their own roles do not
/// reach, for `delegator` (the request and its audit entry record `on_behalf_of`). The
/// delegate must already hold an approving role for the team (a delegation never widens
/// anyone's scope); the authority is the delegator's own roles at the moment of each
/// decision, it is never passed on, and never decides the delegator's own requests.
/// Audited as `delegation_granted`.
///
/// - `j`: must not be NULL.
/// - `delegator`/`delegator_len`, `delegate`/`delegate_len`: user ids; must not be NULL.
/// - `team`/`team_len`: one team (not `*`); must not be NULL.
/// - `until_unix_ms`: when it runs out, in milliseconds since 1970-01-01T00:00:00Z: in the
///   future, at most 90 days ahead.
/// - `out_delegation_json`: on success receives the `Delegation` object (`id`,
///   `delegator`, `delegate`, `team`, `created_at`, `until`, `revoked_at`, `revoked_by`);
///   the caller frees it with `juno_buf_free`. Untouched on failure. Must not be NULL.
/// - `err`: optional, as for `juno_governance_assign_role`.
/// - Errors: `JUNO_STATUS_INVALID_INPUT` naming the parameter (`team` `*`, `delegate` the
///   delegator, `until` out of range, a bad name); `JUNO_STATUS_PERMISSION_DENIED` (the
///   delegator or the delegate holds no approving role for the team);
///   `JUNO_STATUS_INVALID_STATE` (the same delegation is in force). Permission and state
///   refusals are audited as `refused`.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn juno_governance_delegate(
    j: *mut juno,
    delegator: *const c_char,
    delegator_len: usize,
    delegate: *const c_char,
    delegate_len: usize,
    team: *const c_char,
    team_len: usize,
    until_unix_ms: i64,
    out_delegation_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j.cast_const()) }?;
        // SAFETY: each string is NULL or its length in readable bytes.
        let delegator = unsafe { str_in("delegator", delegator, delegator_len) }?;
        // SAFETY: as above.
        let delegate = unsafe { str_in("delegate", delegate, delegate_len) }?;
        // SAFETY: as above.
        let team = unsafe { str_in("team", team, team_len) }?;
        let out = Out::new("out_delegation_json", out_delegation_json)?;
        let until = chrono::DateTime::from_timestamp_millis(until_unix_ms).ok_or_else(|| {
            Failure::from(juno_core::Error::invalid(
                "until_unix_ms",
                "out of the representable range",
            ))
        })?;
        let d = j
            .inner
            .governance()
            .delegate(delegator, delegate, team, until)?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("delegation", &d) }
    })
}

/// Revokes delegation `id` before it runs out; `by` must be its delegator or hold ADMIN.
/// Audited as `delegation_revoked`.
///
/// - `j`: must not be NULL.
/// - `by`/`by_len`: who revokes it; must not be NULL.
/// - `out_delegation_json`: on success receives the revoked `Delegation` object, as for
///   `juno_governance_delegate`. Untouched on failure. Must not be NULL.
/// - `err`: optional, as for `juno_governance_assign_role`.
/// - Errors: `JUNO_STATUS_NOT_FOUND`; `JUNO_STATUS_PERMISSION_DENIED` for anyone but the
///   delegator or an ADMIN; `JUNO_STATUS_INVALID_STATE` when already revoked or run out.
///   Permission and state refusals are audited as `refused`.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_governance_revoke_delegation(
    j: *mut juno,
    id: i64,
    by: *const c_char,
    by_len: usize,
    out_delegation_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j.cast_const()) }?;
        // SAFETY: `by` is NULL or `by_len` readable bytes.
        let by = unsafe { str_in("by", by, by_len) }?;
        let out = Out::new("out_delegation_json", out_delegation_json)?;
        let d = j.inner.governance().revoke_delegation(id, by)?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("delegation", &d) }
    })
}

/// Delegations as a JSON array of `Delegation` objects (as for `juno_governance_delegate`),
/// oldest first.
///
/// - `j`: must not be NULL; not modified.
/// - `user`/`user_len`: **optional**: NULL (with any length) lists everyone's; otherwise
///   those naming the user as delegator or delegate.
/// - `include_inactive`: whether revoked and run-out delegations are listed too.
/// - `out_json`: on success receives the JSON; the caller frees it with `juno_buf_free`.
///   Untouched on failure. Must not be NULL.
/// - `err`: optional, as for `juno_governance_assign_role`.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_governance_delegations(
    j: *const juno,
    user: *const c_char,
    user_len: usize,
    include_inactive: bool,
    out_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j) }?;
        // SAFETY: `user` is NULL or `user_len` readable bytes.
        let user = unsafe { opt_str_in("user", user, user_len) }?;
        let out = Out::new("out_json", out_json)?;
        let ds = j.inner.governance().delegations(user, include_inactive)?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("delegations", &ds) }
    })
}

/// Submits an approval request: auto-approved when policy allows (`AUTONOMOUS_ACTIONS` on,
/// `SUPERVISOR_MODE` off, an auto-approvable impact level and enough confidence), else
/// queued for the role its impact level routes to, with that role's deadline.
///
/// - `j`: must not be NULL.
/// - `request_json`/`request_len`: a `Proposal` object, e.g.
///   `{"action":{"kind":"reassign","team":"team_alpha","target":"ALPHA-12",
///   "parameters":{"assignee":"ana"}},"impact":"low","confidence":0.62,
///   "explanation":"idle 9 days","requester":"juno"}` (`impact` is `low`, `medium`, `high`
///   or `critical`; `explanation`, `target` and `parameters` are optional); must not be
///   NULL.
/// - `out_request_json`: on success receives the stored request as a JSON
///   `ApprovalRequest` object: `id`, `action`, `digest` (SHA-256 of the action's canonical
///   JSON, hex — what an approval authorises), `impact`, `confidence`, `explanation`,
///   `requester`, `status` (`pending`, `approved`, `auto_approved`, `rejected`, `expired`,
///   `cancelled`, `executing`, `executed`, `execution_failed` or `suggested` — recorded
///   only, at automation level `suggest`), `role` (whose queue), `escalations`,
///   `deadline`, `created_at`, `updated_at`, `decided_by`, `decided_at`, `reason`,
///   `decision` (the auto-approval rule and numbers), `executed_at`, `result`,
///   `on_behalf_of` (the delegator a delegate decided for), `reminders`; times are RFC
///   3339 strings or null. The caller frees it with `juno_buf_free`.
///   Untouched on failure. Must not be NULL.
/// - `err`: optional, as for `juno_governance_assign_role`.
/// - Errors: `JUNO_STATUS_INVALID_INPUT` for malformed JSON, an unknown field or impact
///   level, a confidence outside [0, 1] or a bad name; `JUNO_STATUS_PERMISSION_DENIED`
///   when its team and kind are at automation level `off`; nothing is stored then. At
///   level `suggest` the request is stored as `suggested` (never approved or executed).
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_governance_submit(
    j: *mut juno,
    request_json: *const c_char,
    request_len: usize,
    out_request_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j.cast_const()) }?;
        // SAFETY: `request_json` is NULL or `request_len` readable bytes.
        let json = unsafe { str_in("request_json", request_json, request_len) }?;
        let out = Out::new("out_request_json", out_request_json)?;
        let request = j.inner.governance().submit(Proposal::from_json(json)?)?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("request", &request) }
    })
}

/// Submits several requests in one transaction: all are stored or none.
///
/// - `j`: must not be NULL.
/// - `requests_json`/`requests_len`: a JSON array of `Proposal` objects (see
///   `juno_governance_submit`); must not be NULL.
/// - `out_ids_json`: on success receives the new requests' ids as a JSON array, in input
///   order; the caller frees it with `juno_buf_free`. Untouched on failure. Must not be
///   NULL.
/// - `err`: optional, as for `juno_governance_assign_role`.
/// - Errors: `JUNO_STATUS_INVALID_INPUT` naming the bad item (`items[3].impact`),
///   `JUNO_STATUS_PERMISSION_DENIED` naming an item at automation level `off`; nothing is
///   stored then.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_governance_submit_many(
    j: *mut juno,
    requests_json: *const c_char,
    requests_len: usize,
    out_ids_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j.cast_const()) }?;
        // SAFETY: `requests_json` is NULL or `requests_len` readable bytes.
        let json = unsafe { str_in("requests_json", requests_json, requests_len) }?;
        let out = Out::new("out_ids_json", out_ids_json)?;
        let requests: Vec<Proposal> = juno_core::json::parse_objects("items", json)?;
        let ids = j.inner.governance().submit_many(requests)?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("request ids", &ids) }
    })
}

/// One request by id, as a JSON `ApprovalRequest` (see `juno_governance_submit`).
///
/// - `j`: must not be NULL; not modified.
/// - `out_request_json`: on success receives the JSON; the caller frees it with
///   `juno_buf_free`. Untouched on failure. Must not be NULL.
/// - `err`: optional, as for `juno_governance_assign_role`.
/// - Errors: `JUNO_STATUS_NOT_FOUND` if there is no request `id`.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_governance_get(
    j: *const juno,
    id: i64,
    out_request_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j) }?;
        let out = Out::new("out_request_json", out_request_json)?;
        let request = j.inner.governance().get(id)?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("request", &request) }
    })
}

/// The votes cast on request `id`, oldest first, as a JSON array of `Vote` objects: `user`,
/// `role` (the request's role when they voted; only votes at its current role count),
/// `approve` (true to approve, false to reject), `at`, `on_behalf_of` (the delegator when
/// `user` voted as a delegate, else null). Empty unless the request's impact
/// level has a quorum above one (`approval_rules.quorum` in the config file).
///
/// - `j`: must not be NULL; not modified.
/// - `out_votes_json`: on success receives the JSON; the caller frees it with
///   `juno_buf_free`. Untouched on failure. Must not be NULL.
/// - `err`: optional, as for `juno_governance_assign_role`.
/// - Errors: `JUNO_STATUS_NOT_FOUND` if there is no request `id`.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_governance_votes(
    j: *const juno,
    id: i64,
    out_votes_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j) }?;
        let out = Out::new("out_votes_json", out_votes_json)?;
        let votes = j.inner.governance().votes(id)?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("votes", &votes) }
    })
}

/// Approves request `id`'s action, identified by its digest: the approval authorises
/// exactly that action and nothing else. Audited as `request_approved`; a refusal is
/// audited as `refused`. When the request's impact level needs a quorum of more than one
/// approval (`approval_rules.quorum`), an approval short of it is a vote: audited as
/// `request_voted`, and the request returned still `pending`.
///
/// - `j`: must not be NULL.
/// - `approver`/`approver_len`: who approves; must hold a role at or above the request's
///   current role for its team and must not be its requester. Must not be NULL.
/// - `digest`/`digest_len`: the request's `digest` as the approver saw it (64 hex digits);
///   must not be NULL.
/// - `out_request_json`: on success receives the updated request (see
///   `juno_governance_submit`); the caller frees it with `juno_buf_free`. Untouched on
///   failure. Must not be NULL.
/// - `err`: optional, as for `juno_governance_assign_role`.
/// - Errors: `JUNO_STATUS_PERMISSION_DENIED` (no qualifying role for the team, ADMIN, own
///   request, another digest, already voted on it), `JUNO_STATUS_INVALID_STATE` (not
///   pending, deadline passed), `JUNO_STATUS_NOT_FOUND`.
/// - Thread safety: safe to call while other threads use `j`; of two concurrent decisions
///   on one request, one wins and the other gets `JUNO_STATUS_INVALID_STATE`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_governance_approve(
    j: *mut juno,
    id: i64,
    approver: *const c_char,
    approver_len: usize,
    digest: *const c_char,
    digest_len: usize,
    out_request_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j.cast_const()) }?;
        // SAFETY: each string is NULL or its length in readable bytes.
        let approver = unsafe { str_in("approver", approver, approver_len) }?;
        // SAFETY: as above.
        let digest = unsafe { str_in("digest", digest, digest_len) }?;
        let out = Out::new("out_request_json", out_request_json)?;
        let request = j.inner.governance().approve(id, approver, digest)?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("request", &request) }
    })
}

/// Rejects request `id` with a reason. Audited as `request_rejected`; a refusal is audited
/// as `refused`.
///
/// - `j`: must not be NULL.
/// - `user`/`user_len`: who rejects; the same rules as an approver. Must not be NULL.
/// - `reason`/`reason_len`: why, in words; must not be NULL (may be `""`).
/// - `out_request_json`: as for `juno_governance_approve`.
/// - `err`: optional, as for `juno_governance_assign_role`.
/// - Errors: as `juno_governance_approve`, without the digest check.
/// - Thread safety: as `juno_governance_approve`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_governance_reject(
    j: *mut juno,
    id: i64,
    user: *const c_char,
    user_len: usize,
    reason: *const c_char,
    reason_len: usize,
    out_request_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j.cast_const()) }?;
        // SAFETY: each string is NULL or its length in readable bytes.
        let user = unsafe { str_in("user", user, user_len) }?;
        // SAFETY: as above.
        let reason = unsafe { str_in("reason", reason, reason_len) }?;
        let out = Out::new("out_request_json", out_request_json)?;
        let request = j.inner.governance().reject(id, user, reason)?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("request", &request) }
    })
}

/// **Break-glass**: approves request `id` outside the chain. The user must hold
/// ENGINEERING_MANAGER or DIRECTOR for its team (whatever role the request waits for, and
/// without waiting for a quorum) and give a reason. Audited as `request_approved` marked
/// `"break_glass": true` with the `skipped_approvers` (the people to notify); the compliance
/// report lists every use (`break_glass`).
///
/// - `j`: must not be NULL.
/// - `user`/`user_len`: who approves; must not be NULL.
/// - `digest`/`digest_len`: the request's `digest` as the user saw it; must not be NULL.
/// - `reason`/`reason_len`: why, in words; must not be NULL or blank.
/// - `out_request_json`: as for `juno_governance_approve`.
/// - `err`: optional, as for `juno_governance_assign_role`.
/// - Errors: `JUNO_STATUS_INVALID_INPUT` for a blank reason (nothing recorded);
///   `JUNO_STATUS_PERMISSION_DENIED` (no ENGINEERING_MANAGER or DIRECTOR role for the team,
///   own request, another digest), `JUNO_STATUS_INVALID_STATE` (not pending, deadline
///   passed), `JUNO_STATUS_NOT_FOUND`; refusals are audited as `refused`.
/// - Thread safety: as `juno_governance_approve`.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn juno_governance_break_glass(
    j: *mut juno,
    id: i64,
    user: *const c_char,
    user_len: usize,
    digest: *const c_char,
    digest_len: usize,
    reason: *const c_char,
    reason_len: usize,
    out_request_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j.cast_const()) }?;
        // SAFETY: each string is NULL or its length in readable bytes.
        let user = unsafe { str_in("user", user, user_len) }?;
        // SAFETY: as above.
        let digest = unsafe { str_in("digest", digest, digest_len) }?;
        // SAFETY: as above.
        let reason = unsafe { str_in("reason", reason, reason_len) }?;
        let out = Out::new("out_request_json", out_request_json)?;
        let request = j.inner.governance().break_glass(id, user, digest, reason)?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("request", &request) }
    })
}

/// Moves pending request `id` to the next role of the chain now, with that role's fresh
/// deadline. Audited as `request_escalated`; a refusal is audited as `refused`.
///
/// - `j`: must not be NULL.
/// - `user`/`user_len`: who escalates; must be entitled to decide the request. Must not be
///   NULL.
/// - `reason`/`reason_len`: why; must not be NULL (may be `""`).
/// - `out_request_json`: as for `juno_governance_approve`.
/// - `err`: optional, as for `juno_governance_assign_role`.
/// - Errors: as `juno_governance_reject`; `JUNO_STATUS_INVALID_STATE` when the request is
///   already with DIRECTOR, the top of the chain.
/// - Thread safety: as `juno_governance_approve`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_governance_escalate(
    j: *mut juno,
    id: i64,
    user: *const c_char,
    user_len: usize,
    reason: *const c_char,
    reason_len: usize,
    out_request_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j.cast_const()) }?;
        // SAFETY: each string is NULL or its length in readable bytes.
        let user = unsafe { str_in("user", user, user_len) }?;
        // SAFETY: as above.
        let reason = unsafe { str_in("reason", reason, reason_len) }?;
        let out = Out::new("out_request_json", out_request_json)?;
        let request = j.inner.governance().escalate(id, user, reason)?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("request", &request) }
    })
}

/// Withdraws pending request `id`; only its requester may. Audited as
/// `request_cancelled`; a refusal is audited as `refused`.
///
/// - `j`: must not be NULL.
/// - `user`/`user_len`: who cancels; must not be NULL.
/// - `out_request_json`: as for `juno_governance_approve`.
/// - `err`: optional, as for `juno_governance_assign_role`.
/// - Errors: `JUNO_STATUS_PERMISSION_DENIED` for anyone but the requester,
///   `JUNO_STATUS_INVALID_STATE` if not pending, `JUNO_STATUS_NOT_FOUND`.
/// - Thread safety: as `juno_governance_approve`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_governance_cancel(
    j: *mut juno,
    id: i64,
    user: *const c_char,
    user_len: usize,
    out_request_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j.cast_const()) }?;
        // SAFETY: `user` is NULL or `user_len` readable bytes.
        let user = unsafe { str_in("user", user, user_len) }?;
        let out = Out::new("out_request_json", out_request_json)?;
        let request = j.inner.governance().cancel(id, user)?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("request", &request) }
    })
}

/// Pending requests, oldest first, as a JSON array of `ApprovalRequest` objects (see
/// `juno_governance_submit`).
///
/// - `j`: must not be NULL; not modified.
/// - `role`/`role_len`: **optional**: NULL (with any length) means every role's queue;
///   otherwise a role name.
/// - `team`/`team_len`: **optional**: NULL (with any length) means every team.
/// - `out_requests_json`: on success receives the JSON; the caller frees it with
///   `juno_buf_free`. Untouched on failure. Must not be NULL.
/// - `err`: optional, as for `juno_governance_assign_role`.
/// - Errors: `JUNO_STATUS_INVALID_INPUT` for an unknown role.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_governance_pending(
    j: *const juno,
    role: *const c_char,
    role_len: usize,
    team: *const c_char,
    team_len: usize,
    out_requests_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j) }?;
        // SAFETY: each string is NULL or its length in readable bytes.
        let role = unsafe { opt_str_in("role", role, role_len) }?;
        // SAFETY: as above.
        let team = unsafe { opt_str_in("team", team, team_len) }?;
        let out = Out::new("out_requests_json", out_requests_json)?;
        let role = role.map(|r| role_in("role", r)).transpose()?;
        let pending = j.inner.governance().pending(role, team)?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("pending requests", &pending) }
    })
}

/// One page of pending requests, oldest first, and how many match in all: writes
/// `{"total": N, "requests": [ApprovalRequest, …]}`. For queues too long to hand over
/// whole (a dashboard, an HTTP API).
///
/// - `j`: must not be NULL; not modified.
/// - `role`/`role_len`: **optional**: NULL (with any length) means every role's queue;
///   otherwise a role name.
/// - `teams_json`/`teams_len`: **optional**: NULL means every team; otherwise a JSON
///   array of team names.
/// - `offset`, `limit`: the page (`limit` 1 to 10000).
/// - `out_page_json`: on success receives the JSON; the caller frees it with
///   `juno_buf_free`. Untouched on failure. Must not be NULL.
/// - `err`: optional, as for `juno_governance_assign_role`.
/// - Errors: `JUNO_STATUS_INVALID_INPUT` for an unknown role, teams that are not an
///   array of strings, or `limit` out of range.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_governance_pending_page(
    j: *const juno,
    role: *const c_char,
    role_len: usize,
    teams_json: *const c_char,
    teams_len: usize,
    offset: usize,
    limit: usize,
    out_page_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j) }?;
        // SAFETY: each string is NULL or its length in readable bytes.
        let role = unsafe { opt_str_in("role", role, role_len) }?;
        // SAFETY: as above.
        let teams = unsafe { opt_str_in("teams_json", teams_json, teams_len) }?;
        let out = Out::new("out_page_json", out_page_json)?;
        let role = role.map(|r| role_in("role", r)).transpose()?;
        let teams: Option<Vec<String>> = teams
            .map(|t| juno_core::json::parse("teams_json", t))
            .transpose()?;
        let page = j
            .inner
            .governance()
            .pending_page(role, teams.as_deref(), offset, limit)?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("pending page", &page) }
    })
}

/// Moves every pending request whose deadline has passed (by the engine's clock): to the
/// next role with `AUTO_ESCALATION` on, else — or at the top of the chain — to `expired`.
/// A timeout never approves anything. Also expires approved requests not executed within
/// `EXECUTION_WINDOW_HOURS` of their approval (`lapsed`), and sends the reminders due
/// (`approval_rules.reminder_hours_before`; each audited as `request_reminded`). Idempotent.
///
/// - `j`: must not be NULL.
/// - `out_report_json`: on success receives
///   `{"escalated":[ids],"expired":[ids],"lapsed":[ids],"reminded":[reminders]}`, each
///   reminder `{"request","role","deadline","recipients":[users],"number","of"}` for the
///   host to deliver (recipients: who can decide it now, or `FALLBACK_APPROVER` when nobody
///   can); the caller frees it with `juno_buf_free`. Untouched on failure. Must not be NULL.
/// - `err`: optional, as for `juno_governance_assign_role`.
/// - Errors: storage errors; on error nothing moves.
/// - Thread safety: safe to call while other threads use `j`, and from several processes
///   on one file: each move is guarded by the request's current state.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_governance_process_deadlines(
    j: *mut juno,
    out_report_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j.cast_const()) }?;
        let out = Out::new("out_report_json", out_report_json)?;
        let report = j.inner.governance().process_deadlines()?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("deadline report", &report) }
    })
}

/// Adapts a C callback to the core's [`Executor`].
pub(crate) struct CExecutor {
    pub(crate) f: unsafe extern "C" fn(*mut c_void, *const c_char, usize) -> i32,
    pub(crate) ctx: *mut c_void,
}

impl Executor for CExecutor {
    fn execute(&mut self, action: &Action) -> Result<serde_json::Value, String> {
        let mut json = action.canonical_json().into_bytes();
        let len = json.len();
        json.push(0);
        // SAFETY: `f` is the caller's non-NULL executor and `ctx` its own pointer; the
        // bytes stay alive for the whole call (the documented contract of
        // `juno_executor_fn`).
        let code = unsafe { (self.f)(self.ctx, json.as_ptr().cast(), len) };
        if code == 0 {
            Ok(serde_json::json!({ "ok": true }))
        } else {
            Err(format!("executor returned {code}"))
        }
    }
}

/// Executes request `id`'s action exactly once, if and only if it was approved (by a human
/// or by policy) for the digest of exactly `action_json`.
///
/// The request is first claimed (`executing`, audited) in its own transaction, so a second
/// caller — another thread or process — gets `JUNO_STATUS_INVALID_STATE`; then `executor`
/// runs; then the outcome is recorded: `executed` with the result `{"ok":true}` when it
/// returned 0, else `execution_failed` with `{"error":"executor returned N"}`. Both are
/// successful calls: read the outcome from the returned request's `status`.
///
/// - `j`: must not be NULL.
/// - `action_json`/`action_len`: the action to run, as an `Action` object (`kind`, `team`,
///   `target`, `parameters`) — normally the request's own `action`; its digest must equal
///   the approved one. Must not be NULL.
/// - `executor`: must not be NULL. Called exactly once if the claim succeeds, never
///   otherwise, **on the calling thread**, before this function returns, with the approved
///   action's canonical JSON. JUNO holds none of its locks while the executor runs (the
///   claim's transaction has committed and the store is released), so the executor may call
///   JUNO, on this handle too — it then sees the request as `executing`, and executing it
///   again gets `JUNO_STATUS_INVALID_STATE`. It must not call `juno_free` on `j`.
/// - `ctx`: passed unchanged to `executor`; may be NULL; JUNO never dereferences it.
/// - `out_request_json`: on success receives the updated request (see
///   `juno_governance_submit`); the caller frees it with `juno_buf_free`. Untouched on
///   failure. Must not be NULL.
/// - `err`: optional, as for `juno_governance_assign_role`.
/// - Errors: `JUNO_STATUS_PERMISSION_DENIED` when `action_json` is not the approved action,
///   `JUNO_STATUS_INVALID_STATE` when the request is not approved, already claimed, or its
///   approval is older than `EXECUTION_WINDOW_HOURS` (it lapses to `expired`) (all audited
///   as `refused`, and the executor is not called), `JUNO_STATUS_NOT_FOUND`,
///   `JUNO_STATUS_INVALID_INPUT` for malformed `action_json`. If recording the outcome fails
///   after the executor ran (a storage error), the error is returned and the request stays
///   `executing`: it is never executed twice.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_governance_execute(
    j: *mut juno,
    id: i64,
    action_json: *const c_char,
    action_len: usize,
    executor: juno_executor_fn,
    ctx: *mut c_void,
    out_request_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j.cast_const()) }?;
        // SAFETY: `action_json` is NULL or `action_len` readable bytes.
        let json = unsafe { str_in("action_json", action_json, action_len) }?;
        let f = executor.ok_or_else(|| Failure::null("executor"))?;
        let out = Out::new("out_request_json", out_request_json)?;
        let action: Action = juno_core::json::parse_object("action", json)?;
        let mut executor = CExecutor { f, ctx };
        let request = j.inner.governance().execute(id, &action, &mut executor)?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("request", &request) }
    })
}

/// The governance dashboard's numbers, as a JSON `GovernanceDashboard` object: `pending`
/// (per role, then per team), `overdue`, `decided`, `approval_rate`, `rejection_rate`,
/// `auto_approval_rate`, `median_seconds_to_decision` (or null), `escalations`,
/// `by_status`, `audit_ok`, `audit_entries`.
///
/// - `j`: must not be NULL; not modified.
/// - `out_json`: on success receives the JSON; the caller frees it with `juno_buf_free`.
///   Untouched on failure. Must not be NULL.
/// - `err`: optional, as for `juno_governance_assign_role`.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_governance_dashboard(
    j: *const juno,
    out_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j) }?;
        let out = Out::new("out_json", out_json)?;
        let dashboard = j.inner.governance().dashboard()?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("dashboard", &dashboard) }
    })
}

/// What the `[shadow]` policy (a candidate threshold, auto-approvable levels or automation
/// levels in the config file, running log-only beside the live one) would have decided
/// differently over every stored request, as a JSON `ShadowReport` object:
/// `generated_at`, `policy`, `requests` (compared), `changed` (each `{"request", "team",
/// "kind", "impact", "confidence", "live", "shadow", "person"}`: outcomes `auto_approved`,
/// `person`, `suggested` or `refused`, and what the person decided when one did),
/// `auto_approve_rejected` (what it would auto-approve that a person rejected),
/// `auto_approve_approved`, `sent_to_person`.
///
/// - `j`: must not be NULL; not modified.
/// - `out_report_json`: on success receives the JSON; the caller frees it with
///   `juno_buf_free`. Untouched on failure. Must not be NULL.
/// - `err`: optional, as for `juno_governance_assign_role`.
/// - Errors: `JUNO_STATUS_INVALID_STATE` without a `[shadow]` section.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_governance_shadow_report(
    j: *const juno,
    out_report_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j) }?;
        let out = Out::new("out_report_json", out_report_json)?;
        let report = j.inner.governance().shadow_report()?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("shadow report", &report) }
    })
}

/// The compliance report, as a JSON `ComplianceReport` object: `generated_at`,
/// `monitoring_enabled`, `audit_ok`, `findings` (violations first, each with `severity` —
/// `"violation"` or `"warning"` —, `rule`, `subject`, `message` and `evidence`, the audit
/// sequence numbers that prove it), `violations`, `warnings`. Rules (see the README):
/// `executed_without_approval`, `quorum_not_met`, `executed_outside_window`,
/// `delegation_invalid` (violations); `approver_role_revoked`, `past_deadline`,
/// `stuck_executing`, `rubber_stamp`, `break_glass`, `delegated_decision`,
/// `fallback_decision`, `shadow_divergence`, `unusual_authority` (warnings).
///
/// - `j`: must not be NULL; not modified.
/// - `out_report_json`: on success receives the JSON; the caller frees it with
///   `juno_buf_free`. Untouched on failure. Must not be NULL.
/// - `err`: optional, as for `juno_governance_assign_role`.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_governance_compliance_report(
    j: *const juno,
    out_report_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j) }?;
        let out = Out::new("out_report_json", out_report_json)?;
        let report = j.inner.governance().compliance_report()?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("compliance report", &report) }
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::test_util::{Engine, failure, s, sentinel_buf, take_json, untouched};
    use std::ptr;

    const SETTINGS: &str = r#"{"AUTONOMOUS_ACTIONS":"true"}"#;
    const ADMIN: &str = "admin@company.com";
    const LOW: &str = r#"{"action":{"kind":"reassign","team":"team_alpha","target":"ALPHA-12","parameters":{"assignee":"ana"}},"impact":"low","confidence":0.5,"requester":"juno"}"#;
    const AUTO: &str = r#"{"action":{"kind":"update_priority","team":"team_alpha","target":"ALPHA-40"},"impact":"medium","confidence":0.95,"requester":"juno"}"#;

    fn assign(e: &Engine, user: &str, role: &str, teams: &str) -> juno_status {
        let ((u, ul), (r, rl), (t, tl), (b, bl)) = (s(user), s(role), s(teams), s(ADMIN));
        // SAFETY: valid handle and strings.
        unsafe { juno_governance_assign_role(e.0, u, ul, r, rl, t, tl, b, bl, ptr::null_mut()) }
    }

    fn submit(e: &Engine, json: &str) -> serde_json::Value {
        let mut buf = sentinel_buf();
        let (p, n) = s(json);
        // SAFETY: valid handle, string and buffer.
        let st = unsafe { juno_governance_submit(e.0, p, n, &mut buf, ptr::null_mut()) };
        assert_eq!(st, juno_status::Ok);
        take_json(&mut buf)
    }

    fn roles(e: &Engine) -> serde_json::Value {
        let mut buf = sentinel_buf();
        // SAFETY: valid handle and buffer; NULL user means all.
        let st =
            unsafe { juno_governance_roles(e.0, ptr::null(), 0, true, &mut buf, ptr::null_mut()) };
        assert_eq!(st, juno_status::Ok);
        take_json(&mut buf)
    }

    #[test]
    fn roles_are_parsed_and_bad_roles_or_teams_are_invalid_input() {
        let e = Engine::with_settings("{}");
        assert_eq!(
            assign(&e, "tl@company.com", "team_lead", r#"["team_alpha"]"#),
            juno_status::Ok
        );
        let (st, msg) = failure(|err| {
            let ((u, ul), (r, rl), (t, tl), (b, bl)) = (
                s("x@company.com"),
                s("OVERLORD"),
                s(r#"["team_alpha"]"#),
                s(ADMIN),
            );
            // SAFETY: valid handle and strings.
            unsafe { juno_governance_assign_role(e.0, u, ul, r, rl, t, tl, b, bl, err) }
        });
        assert_eq!(st, juno_status::InvalidInput);
        assert!(msg.contains("unknown role `OVERLORD`"), "{msg}");
        for teams in [r#"["team_alpha""#, r#""team_alpha""#, "[1]", "[]"] {
            assert_eq!(
                assign(&e, "x@company.com", "TEAM_LEAD", teams),
                juno_status::InvalidInput,
                "{teams}"
            );
        }
        let all = roles(&e);
        assert_eq!(all.as_array().unwrap().len(), 1, "{all}");
        assert_eq!(all[0]["role"], "TEAM_LEAD");

        // Revoke: NULL team means every team; a second revoke finds nothing.
        let mut buf = sentinel_buf();
        let ((u, ul), (r, rl), (b, bl)) = (s("tl@company.com"), s("TEAM_LEAD"), s(ADMIN));
        // SAFETY: valid handle, strings and buffer; NULL team is documented.
        let st = unsafe {
            juno_governance_revoke_role(
                e.0,
                u,
                ul,
                r,
                rl,
                ptr::null(),
                0,
                b,
                bl,
                &mut buf,
                ptr::null_mut(),
            )
        };
        assert_eq!(st, juno_status::Ok);
        assert_eq!(take_json(&mut buf), serde_json::json!(["team_alpha"]));
        let mut buf = sentinel_buf();
        let (st, _) = failure(|err| {
            // SAFETY: as above.
            unsafe {
                juno_governance_revoke_role(e.0, u, ul, r, rl, ptr::null(), 0, b, bl, &mut buf, err)
            }
        });
        assert_eq!(st, juno_status::NotFound);
        assert!(untouched(&buf));
        let (bad, bl2) = s("KING");
        // SAFETY: as above.
        let st = unsafe {
            juno_governance_revoke_role(
                e.0,
                u,
                ul,
                bad,
                bl2,
                ptr::null(),
                0,
                b,
                bl,
                &mut buf,
                ptr::null_mut(),
            )
        };
        assert_eq!(st, juno_status::InvalidInput);
        let (t, tl) = s("team_alpha");
        let mut buf = sentinel_buf();
        // SAFETY: a NULL role filter and a team filter.
        let st =
            unsafe { juno_governance_pending(e.0, bad, bl2, t, tl, &mut buf, ptr::null_mut()) };
        assert_eq!(st, juno_status::InvalidInput);
        assert!(untouched(&buf));
    }

    #[test]
    fn null_pointers_are_refused_before_any_work() {
        let e = Engine::with_settings(SETTINGS);
        let null = juno_status::NullParameter;
        let mut buf = sentinel_buf();
        let ((u, ul), (r, rl), (t, tl), (b, bl)) = (
            s("tl@company.com"),
            s("TEAM_LEAD"),
            s(r#"["team_alpha"]"#),
            s(ADMIN),
        );
        let (q, ql) = s(LOW);
        // SAFETY: every pointer passed is NULL on purpose or valid for the call.
        unsafe {
            let n = ptr::null_mut();
            assert_eq!(
                juno_governance_assign_role(ptr::null_mut(), u, ul, r, rl, t, tl, b, bl, n),
                null
            );
            assert_eq!(
                juno_governance_assign_role(e.0, ptr::null(), 0, r, rl, t, tl, b, bl, n),
                null
            );
            assert_eq!(
                juno_governance_assign_role(e.0, u, ul, ptr::null(), 0, t, tl, b, bl, n),
                null
            );
            assert_eq!(
                juno_governance_assign_role(e.0, u, ul, r, rl, ptr::null(), 0, b, bl, n),
                null
            );
            assert_eq!(
                juno_governance_assign_role(e.0, u, ul, r, rl, t, tl, ptr::null(), 0, n),
                null
            );
            assert_eq!(
                juno_governance_revoke_role(
                    e.0,
                    u,
                    ul,
                    r,
                    rl,
                    ptr::null(),
                    0,
                    b,
                    bl,
                    ptr::null_mut(),
                    n
                ),
                null
            );
            assert_eq!(
                juno_governance_roles(ptr::null(), ptr::null(), 0, false, &mut buf, n),
                null
            );
            assert_eq!(
                juno_governance_roles(e.0, ptr::null(), 0, false, ptr::null_mut(), n),
                null
            );
            // A NULL output must not leave a submitted request behind.
            assert_eq!(juno_governance_submit(e.0, q, ql, ptr::null_mut(), n), null);
            assert_eq!(
                juno_governance_submit(e.0, ptr::null(), 0, &mut buf, n),
                null
            );
            assert_eq!(
                juno_governance_submit(ptr::null_mut(), q, ql, &mut buf, n),
                null
            );
            assert_eq!(juno_governance_get(ptr::null(), 1, &mut buf, n), null);
            assert_eq!(juno_governance_get(e.0, 1, ptr::null_mut(), n), null);
            assert_eq!(
                juno_governance_approve(e.0, 1, ptr::null(), 0, u, ul, &mut buf, n),
                null
            );
            assert_eq!(
                juno_governance_approve(e.0, 1, u, ul, ptr::null(), 0, &mut buf, n),
                null
            );
            assert_eq!(
                juno_governance_reject(e.0, 1, u, ul, ptr::null(), 0, &mut buf, n),
                null
            );
            assert_eq!(
                juno_governance_escalate(e.0, 1, ptr::null(), 0, u, ul, &mut buf, n),
                null
            );
            assert_eq!(
                juno_governance_cancel(e.0, 1, u, ul, ptr::null_mut(), n),
                null
            );
            assert_eq!(
                juno_governance_pending(e.0, ptr::null(), 0, ptr::null(), 0, ptr::null_mut(), n),
                null
            );
            assert_eq!(
                juno_governance_process_deadlines(e.0, ptr::null_mut(), n),
                null
            );
            assert_eq!(juno_governance_dashboard(ptr::null(), &mut buf, n), null);
            assert_eq!(
                juno_governance_compliance_report(e.0, ptr::null_mut(), n),
                null
            );
        }
        assert!(untouched(&buf));
        assert_eq!(roles(&e), serde_json::json!([]));
        let mut pending = sentinel_buf();
        // SAFETY: valid handle and buffer; NULL filters are documented.
        let st = unsafe {
            juno_governance_pending(
                e.0,
                ptr::null(),
                0,
                ptr::null(),
                0,
                &mut pending,
                ptr::null_mut(),
            )
        };
        assert_eq!(st, juno_status::Ok);
        assert_eq!(take_json(&mut pending), serde_json::json!([]));
    }

    #[test]
    fn bad_request_json_is_invalid_input_and_stores_nothing() {
        let e = Engine::with_settings(SETTINGS);
        for bad in [
            r#"{"action":"#,
            r#"{"action":{"kind":"reassign","team":"team_alpha"},"impact":"huge","confidence":0.5,"requester":"juno"}"#,
            r#"{"action":{"kind":"reassign","team":"team_alpha"},"impact":"low","confidence":1.5,"requester":"juno"}"#,
            r#"{"action":{"kind":"reassign","team":"team_alpha"},"impact":"low","confidence":0.5,"requester":"juno","extra":1}"#,
        ] {
            let mut buf = sentinel_buf();
            let (st, msg) = failure(|err| {
                let (p, n) = s(bad);
                // SAFETY: valid handle, string and buffer.
                unsafe { juno_governance_submit(e.0, p, n, &mut buf, err) }
            });
            assert_eq!(st, juno_status::InvalidInput, "{bad}: {msg}");
            assert!(untouched(&buf));
        }
        let mut buf = sentinel_buf();
        // SAFETY: valid handle and buffer.
        assert_eq!(
            unsafe { juno_governance_dashboard(e.0, &mut buf, ptr::null_mut()) },
            juno_status::Ok
        );
        let d = take_json(&mut buf);
        assert_eq!(d["by_status"], serde_json::json!({}), "{d}");
        assert_eq!(d["audit_entries"], 0);
    }

    /// Counts calls and checks the action it is given; returns `code`.
    struct Probe {
        calls: u32,
        code: i32,
        seen: String,
        /// When set, the executor reads the request back through this handle while it runs.
        reenter: Option<(*const juno, i64)>,
        status_inside: String,
    }

    unsafe extern "C" fn probe(ctx: *mut c_void, json: *const c_char, len: usize) -> i32 {
        // SAFETY: `ctx` is the `Probe` the test passed; `json` is `len` bytes plus a NUL.
        unsafe {
            let p = &mut *ctx.cast::<Probe>();
            p.calls += 1;
            assert_eq!(*json.add(len), 0, "action JSON is NUL-terminated");
            let bytes = std::slice::from_raw_parts(json.cast::<u8>(), len);
            p.seen = String::from_utf8(bytes.to_vec()).unwrap();
            if let Some((j, id)) = p.reenter {
                let mut buf = sentinel_buf();
                assert_eq!(
                    juno_governance_get(j, id, &mut buf, ptr::null_mut()),
                    juno_status::Ok
                );
                p.status_inside = take_json(&mut buf)["status"].as_str().unwrap().to_owned();
            }
            p.code
        }
    }

    fn execute(
        e: &Engine,
        id: i64,
        action: &str,
        p: &mut Probe,
    ) -> (juno_status, Option<serde_json::Value>) {
        let mut buf = sentinel_buf();
        let (a, al) = s(action);
        // SAFETY: valid handle, string, callback, context and buffer.
        let st = unsafe {
            juno_governance_execute(
                e.0,
                id,
                a,
                al,
                Some(probe),
                (p as *mut Probe).cast(),
                &mut buf,
                ptr::null_mut(),
            )
        };
        if st == juno_status::Ok {
            (st, Some(take_json(&mut buf)))
        } else {
            assert!(untouched(&buf));
            (st, None)
        }
    }

    #[test]
    fn execute_calls_the_executor_once_without_holding_a_lock() {
        let e = Engine::with_settings(SETTINGS);
        let req = submit(&e, AUTO);
        assert_eq!(req["status"], "auto_approved");
        let id = req["id"].as_i64().unwrap();
        let action = req["action"].to_string();
        let mut p = Probe {
            calls: 0,
            code: 0,
            seen: String::new(),
            reenter: Some((e.0, id)),
            status_inside: String::new(),
        };

        // A NULL executor, NULL action or malformed action never claims the request.
        let mut buf = sentinel_buf();
        let (a, al) = s(&action);
        // SAFETY: every pointer passed is NULL on purpose or valid for the call.
        unsafe {
            let ctx = (&mut p as *mut Probe).cast();
            assert_eq!(
                juno_governance_execute(e.0, id, a, al, None, ctx, &mut buf, ptr::null_mut()),
                juno_status::NullParameter
            );
            assert_eq!(
                juno_governance_execute(
                    e.0,
                    id,
                    ptr::null(),
                    0,
                    Some(probe),
                    ctx,
                    &mut buf,
                    ptr::null_mut()
                ),
                juno_status::NullParameter
            );
            assert_eq!(
                juno_governance_execute(
                    e.0,
                    id,
                    a,
                    al,
                    Some(probe),
                    ctx,
                    ptr::null_mut(),
                    ptr::null_mut()
                ),
                juno_status::NullParameter
            );
            let (b, bl) = s(r#"{"kind":"update_priority""#);
            assert_eq!(
                juno_governance_execute(
                    e.0,
                    id,
                    b,
                    bl,
                    Some(probe),
                    ctx,
                    &mut buf,
                    ptr::null_mut()
                ),
                juno_status::InvalidInput
            );
        }
        assert!(untouched(&buf));
        assert_eq!(p.calls, 0);

        // Another action (here: another parameter) is refused and not run.
        let other = r#"{"kind":"update_priority","team":"team_alpha","target":"ALPHA-40","parameters":{"priority":"Highest"}}"#;
        assert_eq!(
            execute(&e, id, other, &mut p).0,
            juno_status::PermissionDenied
        );
        assert_eq!(p.calls, 0);

        let (st, done) = execute(&e, id, &action, &mut p);
        assert_eq!(st, juno_status::Ok);
        let done = done.unwrap();
        assert_eq!(done["status"], "executed");
        assert_eq!(done["result"], serde_json::json!({ "ok": true }));
        assert_eq!(p.calls, 1);
        assert_eq!(
            p.status_inside, "executing",
            "the executor re-entered the same handle"
        );
        // Canonical JSON: compact, keys sorted.
        assert_eq!(
            p.seen,
            r#"{"kind":"update_priority","parameters":null,"target":"ALPHA-40","team":"team_alpha"}"#
        );

        assert_eq!(
            execute(&e, id, &action, &mut p).0,
            juno_status::InvalidState,
            "exactly once"
        );
        assert_eq!(p.calls, 1);
    }

    #[test]
    fn a_failing_executor_is_recorded_and_a_pending_request_is_not_run() {
        let e = Engine::with_settings(SETTINGS);
        let pending = submit(&e, LOW);
        assert_eq!(pending["status"], "pending");
        let mut p = Probe {
            calls: 0,
            code: 7,
            seen: String::new(),
            reenter: None,
            status_inside: String::new(),
        };
        let pid = pending["id"].as_i64().unwrap();
        assert_eq!(
            execute(&e, pid, &pending["action"].to_string(), &mut p).0,
            juno_status::InvalidState
        );
        assert_eq!(
            execute(&e, 999, &pending["action"].to_string(), &mut p).0,
            juno_status::NotFound
        );
        assert_eq!(p.calls, 0);

        let auto = submit(&e, AUTO);
        let (st, done) = execute(
            &e,
            auto["id"].as_i64().unwrap(),
            &auto["action"].to_string(),
            &mut p,
        );
        assert_eq!(st, juno_status::Ok);
        let done = done.unwrap();
        assert_eq!(done["status"], "execution_failed");
        assert_eq!(
            done["result"],
            serde_json::json!({ "error": "executor returned 7" })
        );
        assert_eq!(p.calls, 1);
    }

    #[test]
    fn decisions_map_their_errors() {
        let e = Engine::with_settings("{}");
        assert_eq!(
            assign(&e, "tl@company.com", "TEAM_LEAD", r#"["team_alpha"]"#),
            juno_status::Ok
        );
        let req = submit(&e, LOW);
        let id = req["id"].as_i64().unwrap();
        let digest = req["digest"].as_str().unwrap().to_owned();
        let (tl, tll) = s("tl@company.com");
        let (who, wl) = s("nobody@company.com");
        let (d, dl) = s(&digest);
        let mut buf = sentinel_buf();
        // SAFETY: valid handle, strings and buffers throughout.
        unsafe {
            let n = ptr::null_mut();
            assert_eq!(
                juno_governance_approve(e.0, id, who, wl, d, dl, &mut buf, n),
                juno_status::PermissionDenied
            );
            assert_eq!(
                juno_governance_approve(e.0, 42, tl, tll, d, dl, &mut buf, n),
                juno_status::NotFound
            );
            assert_eq!(
                juno_governance_cancel(e.0, id, tl, tll, &mut buf, n),
                juno_status::PermissionDenied
            );
            assert!(untouched(&buf));
            let (r, rl) = s("not now");
            assert_eq!(
                juno_governance_escalate(e.0, id, tl, tll, r, rl, &mut buf, n),
                juno_status::Ok
            );
            assert_eq!(take_json(&mut buf)["role"], "PROJECT_MANAGER");
            let mut buf = sentinel_buf();
            assert_eq!(
                juno_governance_reject(e.0, id, tl, tll, r, rl, &mut buf, n),
                juno_status::PermissionDenied
            );
            let (j, jl) = s("juno");
            assert_eq!(
                juno_governance_cancel(e.0, id, j, jl, &mut buf, n),
                juno_status::Ok
            );
            assert_eq!(take_json(&mut buf)["status"], "cancelled");
            let mut buf = sentinel_buf();
            assert_eq!(
                juno_governance_process_deadlines(e.0, &mut buf, n),
                juno_status::Ok
            );
            assert_eq!(
                take_json(&mut buf),
                serde_json::json!({ "escalated": [], "expired": [], "lapsed": [], "reminded": [] })
            );
            let mut buf = sentinel_buf();
            assert_eq!(
                juno_governance_compliance_report(e.0, &mut buf, n),
                juno_status::Ok
            );
            assert_eq!(take_json(&mut buf)["violations"], 0);
        }
    }
}
