/*
 * C tests of the governance and audit parts of the JUNO C ABI (include/juno.h).
 *
 * Usage: test_governance FIXTURE_JSON SCRATCH_DIR
 *
 * Replays the shared fixture tests/fixtures/governance_fixture.json with the same steps
 * and assertions as the Rust replay (juno-core/tests/governance_fixture.rs): settings,
 * fixed clock, roles, requests, decisions, deadline steps, executions through a C executor
 * callback, final statuses, audit verification and event counts, compliance. Then checks
 * the boundary: bad settings, NULL parameters, unknown roles, malformed JSON, failing and
 * re-entrant executors, exactly-once execution from several threads, and checkpoints of a
 * file database (a forged checkpoint verifies as not ok, a malformed one is invalid input).
 * Prints "N passed, M failed" last and exits non-zero on any failure. Run by
 * tests/c/run.sh under ASan/UBSan and valgrind.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "juno.h"
#include "mini_json.h"

#include "check.h"

#define ADMIN "admin@company.com"
#define HOUR_MS INT64_C(3600000)

/* Opens a private in-memory engine with the given settings JSON. */
static juno *open_memory(const char *settings, size_t settings_len) {
  juno *j = NULL;
  juno_error *err = NULL;
  if (!ok(juno_open_with_settings(":memory:", 8, settings, settings_len, &j, &err), &err,
          "open_with_settings(:memory:)")) {
    return NULL;
  }
  return j;
}

static int assign(juno *j, const char *user, const char *role, const char *teams) {
  juno_error *err = NULL;
  return ok(juno_governance_assign_role(j, user, strlen(user), role, strlen(role), teams,
                                        strlen(teams), ADMIN, strlen(ADMIN), &err),
            &err, "assign_role");
}

/* Submits a request; returns the stored request (to mj_free) or NULL. */
static mj_value *submit(juno *j, const char *json, size_t len) {
  juno_buf buf = {NULL, 0};
  juno_error *err = NULL;
  if (!ok(juno_governance_submit(j, json, len, &buf, &err), &err, "submit")) return NULL;
  return parse_buf(&buf, "submitted request");
}

/* The current status of request `id`, copied into `out` ("" on failure). */
static void status_of(const juno *j, int64_t id, char *out, size_t cap) {
  juno_buf buf = {NULL, 0};
  juno_error *err = NULL;
  out[0] = '\0';
  if (ok(juno_governance_get(j, id, &buf, &err), &err, "get")) {
    mj_value *r = parse_buf(&buf, "request");
    const char *s = mj_str(mj_get(r, "status"));
    snprintf(out, cap, "%s", s != NULL ? s : "");
    mj_free(r);
  }
}

/* ---- executors --------------------------------------------------------------------- */

typedef struct counter {
  int calls;
  int32_t code;
  /* The last action JSON seen, NUL-terminated (truncated if long). */
  char last[512];
  /* When `reenter` is set, the executor reads request `id` back through it. */
  const juno *reenter;
  int64_t id;
  char status_inside[32];
} counter;

static int32_t count_calls(void *ctx, const char *action_json, size_t action_len) {
  counter *c = ctx;
  size_t n = action_len < sizeof c->last - 1 ? action_len : sizeof c->last - 1;
  c->calls++;
  memcpy(c->last, action_json, n);
  c->last[n] = '\0';
  /* The action is NUL-terminated past action_len. */
  if (action_json[action_len] != '\0') c->code = 99;
  if (c->reenter != NULL) status_of(c->reenter, c->id, c->status_inside, sizeof c->status_inside);
  return c->code;
}

/* ---- the fixture replay ------------------------------------------------------------ */

#define MAX_REQUESTS 32

typedef struct named {
  const char *name;
  int64_t id;
  const mj_value *action; /* the request's action, as fixture JSON */
} named;

static const named *find(const named *reqs, size_t n, const char *name) {
  size_t i;
  for (i = 0; name != NULL && i < n; i++) {
    if (strcmp(reqs[i].name, name) == 0) return &reqs[i];
  }
  return NULL;
}

/* Member i of an object (mj_at reads arrays only), or NULL. */
static const mj_value *member(const mj_value *obj, size_t i) {
  return obj != NULL && obj->type == MJ_OBJECT && i < obj->count ? &obj->items[i] : NULL;
}

/* Checks a step's outcome: `expect_error` (an ErrorKind name) or `expect_status`. */
static void check_step(juno_status s, juno_error **errp, juno_buf *buf, const mj_value *step,
                       const char *what) {
  const char *want_error = mj_str(mj_get(step, "expect_error"));
  const char *want_status = mj_str(mj_get(step, "expect_status"));
  const char *why = mj_str(mj_get(step, "why"));
  char label[256];
  snprintf(label, sizeof label, "%s (%s)", what, why != NULL ? why : "");
  if (want_error != NULL) {
    juno_status want = JUNO_STATUS_OK;
    CHECK(status_of_kind(want_error, &want), "%s: unknown error kind %s", label, want_error);
    fails_with(s, errp, want, label);
    CHECK(buf->data == NULL, "%s: output written on failure", label);
    juno_buf_free(buf);
  } else if (ok(s, errp, label)) {
    mj_value *r = parse_buf(buf, label);
    CHECK(want_status != NULL && mj_str_eq(mj_get(r, "status"), want_status),
          "%s: status %s, want %s", label, mj_str(mj_get(r, "status")),
          want_status != NULL ? want_status : "(none)");
    mj_free(r);
  }
}

/* Whether the JSON array of ids `got` names exactly the requests listed in `want`. */
static int same_names(const mj_value *got, const mj_value *want, const named *reqs, size_t n) {
  size_t i;
  if (mj_len(got) != mj_len(want)) return 0;
  for (i = 0; i < mj_len(got); i++) {
    const named *r = find(reqs, n, mj_str(mj_at(want, i)));
    int64_t id = 0;
    if (r == NULL || !mj_int(mj_at(got, i), &id) || id != r->id) return 0;
  }
  return 1;
}

static void replay_governance_fixture(const mj_value *f) {
  const mj_value *settings = mj_get(f, "settings");
  const mj_value *roles = mj_get(f, "roles");
  const mj_value *requests = mj_get(f, "requests");
  const mj_value *decisions = mj_get(f, "decisions");
  const mj_value *deadlines = mj_get(f, "deadlines");
  const mj_value *executions = mj_get(f, "executions");
  const mj_value *finals = mj_get(f, "expect_final_status");
  const mj_value *want_audit = mj_get(f, "expect_audit");
  const mj_value *want_compliance = mj_get(f, "expect_compliance");
  named reqs[MAX_REQUESTS];
  size_t nreqs = 0, i;
  int64_t now_ms = 0, want_executed = -1;
  counter exec = {0, 0, "", NULL, 0, ""};
  juno *j;
  juno_error *err = NULL;
  juno_buf buf = {NULL, 0};
  mj_value *v;

  CHECK(mj_int(mj_get(f, "now_ms"), &now_ms), "fixture has no now_ms");
  CHECK(settings != NULL && mj_len(roles) > 0 && mj_len(requests) > 0 &&
            mj_len(requests) <= MAX_REQUESTS && mj_len(decisions) > 0 &&
            mj_len(deadlines) > 0 && mj_len(executions) > 0 && finals != NULL &&
            want_audit != NULL && want_compliance != NULL,
        "fixture is missing a stage");
  if (settings == NULL || mj_len(requests) > MAX_REQUESTS) return;

  if ((j = open_memory(settings->src, settings->src_len)) == NULL) return;
  ok(juno_set_clock(j, now_ms, &err), &err, "set_clock(now)");

  /* Roles, each granted by the admin. */
  for (i = 0; i < mj_len(roles); i++) {
    const mj_value *r = mj_at(roles, i);
    const mj_value *user = mj_get(r, "user"), *role = mj_get(r, "role");
    const mj_value *teams = mj_get(r, "teams");
    CHECK(mj_str(user) != NULL && mj_str(role) != NULL && teams != NULL, "bad role %zu", i);
    if (mj_str(user) == NULL || mj_str(role) == NULL || teams == NULL) continue;
    ok(juno_governance_assign_role(j, user->string, user->string_len, role->string,
                                   role->string_len, teams->src, teams->src_len, ADMIN,
                                   strlen(ADMIN), &err),
       &err, "assign_role");
  }

  /* Requests in order: status and role. */
  for (i = 0; i < mj_len(requests); i++) {
    const mj_value *r = mj_at(requests, i);
    const mj_value *req = mj_get(r, "request");
    const char *name = mj_str(mj_get(r, "name"));
    if (name == NULL || req == NULL) {
      CHECK(0, "request %zu has no name or request", i);
      continue;
    }
    if ((v = submit(j, req->src, req->src_len)) == NULL) continue;
    CHECK(mj_equal(mj_get(v, "status"), mj_get(r, "expect_status")), "%s: status %s", name,
          mj_str(mj_get(v, "status")));
    CHECK(mj_equal(mj_get(v, "role"), mj_get(r, "expect_role")), "%s: role %s", name,
          mj_str(mj_get(v, "role")));
    reqs[nreqs].name = name;
    reqs[nreqs].action = mj_get(req, "action");
    CHECK(mj_int(mj_get(v, "id"), &reqs[nreqs].id), "%s: no id", name);
    nreqs++;
    mj_free(v);
  }

  /* Decisions in order. */
  for (i = 0; i < mj_len(decisions); i++) {
    const mj_value *d = mj_at(decisions, i);
    const named *r = find(reqs, nreqs, mj_str(mj_get(d, "request")));
    const mj_value *user = mj_get(d, "user");
    const char *op = mj_str(mj_get(d, "op"));
    juno_status s = JUNO_STATUS_INTERNAL;
    char label[64];
    if (r == NULL || mj_str(user) == NULL || op == NULL) {
      CHECK(0, "decision %zu is malformed", i);
      continue;
    }
    snprintf(label, sizeof label, "decision %zu: %s %s", i, op, r->name);
    if (strcmp(op, "approve") == 0) {
      const mj_value *digest = mj_get(d, "digest");
      char own[128] = "";
      if (mj_str(digest) == NULL) {
        /* null: the request's own digest, as the approver sees it. */
        if (ok(juno_governance_get(j, r->id, &buf, &err), &err, "get for digest")) {
          v = parse_buf(&buf, "request");
          const char *digest_of = mj_str(mj_get(v, "digest"));
          snprintf(own, sizeof own, "%s", digest_of != NULL ? digest_of : "");
          mj_free(v);
        }
      } else {
        snprintf(own, sizeof own, "%s", mj_str(digest));
      }
      s = juno_governance_approve(j, r->id, user->string, user->string_len, own, strlen(own),
                                  &buf, &err);
    } else if (strcmp(op, "reject") == 0) {
      const mj_value *reason = mj_get(d, "reason");
      CHECK(mj_str(reason) != NULL, "%s: no reason", label);
      if (mj_str(reason) == NULL) continue;
      s = juno_governance_reject(j, r->id, user->string, user->string_len, reason->string,
                                 reason->string_len, &buf, &err);
    } else if (strcmp(op, "cancel") == 0) {
      s = juno_governance_cancel(j, r->id, user->string, user->string_len, &buf, &err);
    } else {
      CHECK(0, "%s: unknown op", label);
      continue;
    }
    check_step(s, &err, &buf, d, label);
  }

  /* Deadline steps: the clock moves forward (cumulatively), then deadlines are processed. */
  for (i = 0; i < mj_len(deadlines); i++) {
    const mj_value *step = mj_at(deadlines, i);
    int64_t hours = 0;
    const char *why = mj_str(mj_get(step, "why"));
    CHECK(mj_int(mj_get(step, "advance_hours"), &hours), "deadline step %zu has no hours", i);
    now_ms += hours * HOUR_MS;
    ok(juno_set_clock(j, now_ms, &err), &err, "set_clock(advance)");
    if (ok(juno_governance_process_deadlines(j, &buf, &err), &err, "process_deadlines")) {
      v = parse_buf(&buf, "deadline report");
      CHECK(same_names(mj_get(v, "escalated"), mj_get(step, "expect_escalated"), reqs, nreqs),
            "deadline step %zu: escalated differs (%s)", i, why != NULL ? why : "");
      CHECK(same_names(mj_get(v, "expired"), mj_get(step, "expect_expired"), reqs, nreqs),
            "deadline step %zu: expired differs (%s)", i, why != NULL ? why : "");
      mj_free(v);
    }
  }

  /* Executions in order, through a C executor that counts its calls. */
  for (i = 0; i < mj_len(executions); i++) {
    const mj_value *e = mj_at(executions, i);
    const named *r = find(reqs, nreqs, mj_str(mj_get(e, "request")));
    const mj_value *action = mj_get(e, "action");
    char label[64];
    juno_status s;
    if (r == NULL || action == NULL || r->action == NULL) {
      CHECK(0, "execution %zu is malformed", i);
      continue;
    }
    if (action->type == MJ_NULL) action = r->action; /* null: the request's own action */
    snprintf(label, sizeof label, "execution %zu: %s", i, r->name);
    s = juno_governance_execute(j, r->id, action->src, action->src_len, count_calls, &exec,
                                &buf, &err);
    check_step(s, &err, &buf, e, label);
  }
  CHECK(mj_int(mj_get(f, "expect_executed_actions"), &want_executed) &&
            exec.calls == want_executed,
        "the executor ran %d times, want %lld", exec.calls, (long long)want_executed);

  /* Final statuses. */
  for (i = 0; i < mj_len(finals); i++) {
    const mj_value *want = member(finals, i);
    const named *r = find(reqs, nreqs, want->key);
    char status[32];
    CHECK(r != NULL, "final status for unknown request %s", want->key);
    if (r == NULL) continue;
    status_of(j, r->id, status, sizeof status);
    CHECK(mj_str_eq(want, status), "%s: final status %s, want %s", r->name, status,
          mj_str(want));
  }

  /* The audit log verifies and holds exactly the expected events. */
  if (ok(juno_audit_verify(j, NULL, 0, &buf, &err), &err, "audit verify")) {
    v = parse_buf(&buf, "verify report");
    CHECK(mj_equal(mj_get(v, "ok"), mj_get(want_audit, "ok")), "audit ok differs");
    mj_free(v);
  }
  if (ok(juno_audit_entries(j, 1, SIZE_MAX, &buf, &err), &err, "audit entries")) {
    const mj_value *events = mj_get(want_audit, "events");
    size_t total = 0, k;
    v = parse_buf(&buf, "audit entries");
    for (i = 0; i < mj_len(events); i++) {
      const mj_value *want = member(events, i);
      int64_t n = 0, count = 0;
      for (k = 0; k < mj_len(v); k++) {
        if (mj_str_eq(mj_get(mj_at(v, k), "event"), want->key)) count++;
      }
      CHECK(mj_int(want, &n) && n == count, "audit event %s: %lld entries, want %lld",
            want->key, (long long)count, (long long)n);
      total += (size_t)count;
    }
    CHECK(total == mj_len(v), "the log has %zu entries of unexpected events",
          mj_len(v) - total);
    mj_free(v);
  }

  /* Compliance: violations and the rules of the findings, in order. */
  if (ok(juno_governance_compliance_report(j, &buf, &err), &err, "compliance report")) {
    const mj_value *findings, *rules = mj_get(want_compliance, "rules");
    int same;
    v = parse_buf(&buf, "compliance report");
    findings = mj_get(v, "findings");
    CHECK(mj_equal(mj_get(v, "violations"), mj_get(want_compliance, "violations")),
          "compliance violations differ");
    same = mj_len(findings) == mj_len(rules);
    for (i = 0; same && i < mj_len(rules); i++) {
      same = mj_equal(mj_get(mj_at(findings, i), "rule"), mj_at(rules, i));
    }
    CHECK(same, "compliance rules differ (%zu findings, want %zu)", mj_len(findings),
          mj_len(rules));
    mj_free(v);
  }

  /* The dashboard agrees with the replay. */
  if (ok(juno_governance_dashboard(j, &buf, &err), &err, "dashboard")) {
    int64_t executed = 0;
    v = parse_buf(&buf, "dashboard");
    CHECK(mj_get(v, "audit_ok") != NULL && mj_get(v, "audit_ok")->boolean, "dashboard audit_ok");
    CHECK(mj_int(mj_get(mj_get(v, "by_status"), "executed"), &executed) &&
              executed == want_executed,
          "dashboard executed %lld", (long long)executed);
    mj_free(v);
  }
  juno_free(j);
}

/* ---- the boundary ------------------------------------------------------------------ */

static const char LOW[] =
    "{\"action\":{\"kind\":\"reassign\",\"team\":\"team_alpha\",\"target\":\"ALPHA-12\","
    "\"parameters\":{\"assignee\":\"ana\"}},\"impact\":\"low\",\"confidence\":0.5,"
    "\"requester\":\"juno\"}";
static const char AUTO[] =
    "{\"action\":{\"kind\":\"update_priority\",\"team\":\"team_alpha\",\"target\":\"ALPHA-40\"},"
    "\"impact\":\"medium\",\"confidence\":0.95,\"requester\":\"juno\"}";
static const char AUTONOMOUS[] = "{\"AUTONOMOUS_ACTIONS\":\"true\"}";

static void test_settings(void) {
  static const struct {
    const char *json;
    juno_status want;
  } cases[] = {
      {"{\"NO_SUCH_SETTING\":\"1\"}", JUNO_STATUS_CONFIG},
      {"{\"AUTONOMOUS_ACTIONS\":\"maybe\"}", JUNO_STATUS_CONFIG},
      {"{\"AUTONOMOUS_ACTIONS\":true}", JUNO_STATUS_CONFIG},
      {"{\"AUTONOMOUS_ACTIONS\":", JUNO_STATUS_INVALID_INPUT},
      {"[]", JUNO_STATUS_INVALID_INPUT},
  };
  juno *j = NULL;
  juno_error *err = NULL;
  size_t i;
  mj_value *v;
  for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    fails_with(juno_open_with_settings(":memory:", 8, cases[i].json, strlen(cases[i].json), &j,
                                       &err),
               &err, cases[i].want, cases[i].json);
    CHECK(j == NULL, "out written on failure");
  }
  fails_with(juno_open_with_settings(NULL, 0, "{}", 2, &j, &err), &err,
             JUNO_STATUS_NULL_PARAMETER, "open_with_settings(NULL path)");
  fails_with(juno_open_with_settings(":memory:", 8, NULL, 0, &j, &err), &err,
             JUNO_STATUS_NULL_PARAMETER, "open_with_settings(NULL settings)");
  fails_with(juno_open_with_settings(":memory:", 8, "{}", 2, NULL, &err), &err,
             JUNO_STATUS_NULL_PARAMETER, "open_with_settings(NULL out)");

  /* The settings take effect: autonomous actions auto-approve; without them, nothing is. */
  if ((j = open_memory(AUTONOMOUS, strlen(AUTONOMOUS))) != NULL) {
    v = submit(j, AUTO, strlen(AUTO));
    CHECK(mj_str_eq(mj_get(v, "status"), "auto_approved"), "AUTONOMOUS_ACTIONS ignored");
    mj_free(v);
    juno_free(j);
  }
  if ((j = open_memory("{}", 2)) != NULL) {
    v = submit(j, AUTO, strlen(AUTO));
    CHECK(mj_str_eq(mj_get(v, "status"), "pending"), "auto-approved by default");
    mj_free(v);
    juno_free(j);
  }
}

static void test_boundary(void) {
  juno *j = open_memory("{}", 2);
  juno_error *err = NULL;
  juno_buf buf = {NULL, 0};
  counter c = {0, 0, "", NULL, 0, ""};
  static const char T[] = "[\"team_alpha\"]";
  static const char TL[] = "tl@company.com";
  mj_value *v;
  int64_t id = 0;
  if (j == NULL) return;

  /* NULL parameters, with the optional ones accepted. */
  fails_with(juno_governance_assign_role(NULL, TL, strlen(TL), "TEAM_LEAD", 9, T, strlen(T),
                                         ADMIN, strlen(ADMIN), &err),
             &err, JUNO_STATUS_NULL_PARAMETER, "assign_role(NULL handle)");
  fails_with(juno_governance_assign_role(j, TL, strlen(TL), NULL, 0, T, strlen(T), ADMIN,
                                         strlen(ADMIN), &err),
             &err, JUNO_STATUS_NULL_PARAMETER, "assign_role(NULL role)");
  fails_with(juno_governance_submit(j, LOW, strlen(LOW), NULL, &err), &err,
             JUNO_STATUS_NULL_PARAMETER, "submit(NULL out)");
  fails_with(juno_governance_get(j, 1, &buf, &err), &err, JUNO_STATUS_NOT_FOUND,
             "a submit refused for a NULL output stored nothing");
  fails_with(juno_governance_pending(NULL, NULL, 0, NULL, 0, &buf, &err), &err,
             JUNO_STATUS_NULL_PARAMETER, "pending(NULL handle)");
  fails_with(juno_audit_verify(j, NULL, 0, NULL, &err), &err, JUNO_STATUS_NULL_PARAMETER,
             "audit_verify(NULL out)");
  fails_with(juno_audit_checkpoint(NULL, &buf, &err), &err, JUNO_STATUS_NULL_PARAMETER,
             "audit_checkpoint(NULL handle)");
  CHECK(buf.data == NULL, "buffer written on failure");

  /* Unknown roles and malformed JSON are invalid input. */
  fails_with(juno_governance_assign_role(j, TL, strlen(TL), "OVERLORD", 8, T, strlen(T), ADMIN,
                                         strlen(ADMIN), &err),
             &err, JUNO_STATUS_INVALID_INPUT, "assign_role(unknown role)");
  fails_with(juno_governance_assign_role(j, TL, strlen(TL), "TEAM_LEAD", 9, "[\"team_alpha\"", 13,
                                         ADMIN, strlen(ADMIN), &err),
             &err, JUNO_STATUS_INVALID_INPUT, "assign_role(malformed teams)");
  fails_with(juno_governance_pending(j, "KING", 4, NULL, 0, &buf, &err), &err,
             JUNO_STATUS_INVALID_INPUT, "pending(unknown role)");
  fails_with(juno_governance_submit(j, "{\"action\":", 10, &buf, &err), &err,
             JUNO_STATUS_INVALID_INPUT, "submit(malformed)");
  fails_with(juno_governance_submit(j, "{\"caf\xc3\x28\":1}", 11, &buf, &err), &err,
             JUNO_STATUS_INVALID_UTF8, "submit(invalid UTF-8)");
  if (ok(juno_governance_roles(j, NULL, 0, true, &buf, &err), &err, "roles")) {
    v = parse_buf(&buf, "roles");
    CHECK(v != NULL && v->type == MJ_ARRAY && mj_len(v) == 0, "a refused grant was stored");
    mj_free(v);
  }

  /* Role names are case-insensitive; revoke with a NULL team revokes every team. */
  assign(j, TL, "team_lead", "[\"team_alpha\",\"team_beta\"]");
  if (ok(juno_governance_revoke_role(j, TL, strlen(TL), "TEAM_LEAD", 9, NULL, 0, ADMIN,
                                     strlen(ADMIN), &buf, &err),
         &err, "revoke_role(all teams)")) {
    v = parse_buf(&buf, "revoked teams");
    CHECK(mj_len(v) == 2, "revoked %zu teams, want 2", mj_len(v));
    mj_free(v);
  }
  fails_with(juno_governance_revoke_role(j, TL, strlen(TL), "TEAM_LEAD", 9, "team_alpha", 10,
                                         ADMIN, strlen(ADMIN), &buf, &err),
             &err, JUNO_STATUS_NOT_FOUND, "revoke_role(nothing held)");
  if (ok(juno_governance_roles(j, TL, strlen(TL), false, &buf, &err), &err, "active roles")) {
    v = parse_buf(&buf, "active roles");
    CHECK(mj_len(v) == 0, "revoked grants are listed as active");
    mj_free(v);
  }

  /* Escalation moves a pending request up the chain; pending filters by role and team. */
  assign(j, TL, "TEAM_LEAD", T);
  v = submit(j, LOW, strlen(LOW));
  CHECK(mj_int(mj_get(v, "id"), &id), "no id");
  mj_free(v);
  if (ok(juno_governance_escalate(j, id, TL, strlen(TL), "too big for me", 14, &buf, &err), &err,
         "escalate")) {
    v = parse_buf(&buf, "escalated");
    CHECK(mj_str_eq(mj_get(v, "role"), "PROJECT_MANAGER"), "escalated to %s",
          mj_str(mj_get(v, "role")));
    mj_free(v);
  }
  if (ok(juno_governance_pending(j, "PROJECT_MANAGER", 15, "team_alpha", 10, &buf, &err), &err,
         "pending(PROJECT_MANAGER, team_alpha)")) {
    v = parse_buf(&buf, "pending");
    CHECK(mj_len(v) == 1, "%zu pending for PROJECT_MANAGER, want 1", mj_len(v));
    mj_free(v);
  }
  if (ok(juno_governance_pending(j, "TEAM_LEAD", 9, NULL, 0, &buf, &err), &err,
         "pending(TEAM_LEAD)")) {
    v = parse_buf(&buf, "pending");
    CHECK(mj_len(v) == 0, "%zu pending for TEAM_LEAD, want 0", mj_len(v));
    mj_free(v);
  }

  /* A pending request never executes; a NULL executor is refused before anything. */
  fails_with(juno_governance_execute(j, id, "{}", 2, NULL, &c, &buf, &err), &err,
             JUNO_STATUS_NULL_PARAMETER, "execute(NULL executor)");
  fails_with(juno_governance_execute(j, id, "{\"kind\":", 8, count_calls, &c, &buf, &err), &err,
             JUNO_STATUS_INVALID_INPUT, "execute(malformed action)");
  CHECK(c.calls == 0, "the executor ran for a refused call");
  juno_free(j);
}

/* A failing executor is recorded as execution_failed; an executor may call back into the
 * same handle (JUNO holds no lock while it runs). */
static void test_executors(void) {
  juno *j = open_memory(AUTONOMOUS, strlen(AUTONOMOUS));
  juno_error *err = NULL;
  juno_buf buf = {NULL, 0};
  counter failing = {0, 3, "", NULL, 0, ""};
  counter reentrant = {0, 0, "", NULL, 0, ""};
  const mj_value *action;
  mj_value *a, *b, *v;
  int64_t ida = 0, idb = 0;
  if (j == NULL) return;
  a = submit(j, AUTO, strlen(AUTO));
  b = submit(j, AUTO, strlen(AUTO));
  CHECK(mj_int(mj_get(a, "id"), &ida) && mj_int(mj_get(b, "id"), &idb), "no ids");
  action = mj_get(a, "action");

  if (action != NULL &&
      ok(juno_governance_execute(j, ida, action->src, action->src_len, count_calls, &failing,
                                 &buf, &err),
         &err, "execute(failing executor)")) {
    v = parse_buf(&buf, "failed execution");
    CHECK(mj_str_eq(mj_get(v, "status"), "execution_failed"), "status %s",
          mj_str(mj_get(v, "status")));
    CHECK(mj_str_eq(mj_get(mj_get(v, "result"), "error"), "executor returned 3"),
          "failure not recorded");
    mj_free(v);
  }
  CHECK(failing.calls == 1, "failing executor ran %d times", failing.calls);
  CHECK(strcmp(failing.last, "{\"kind\":\"update_priority\",\"parameters\":null,"
                             "\"target\":\"ALPHA-40\",\"team\":\"team_alpha\"}") == 0,
        "executor saw %s", failing.last);

  reentrant.reenter = j;
  reentrant.id = idb;
  if (action != NULL &&
      ok(juno_governance_execute(j, idb, action->src, action->src_len, count_calls, &reentrant,
                                 &buf, &err),
         &err, "execute(re-entrant executor)")) {
    v = parse_buf(&buf, "execution");
    CHECK(mj_str_eq(mj_get(v, "status"), "executed"), "status %s", mj_str(mj_get(v, "status")));
    CHECK(mj_get(mj_get(v, "result"), "ok") != NULL, "result not recorded");
    mj_free(v);
  }
  CHECK(strcmp(reentrant.status_inside, "executing") == 0,
        "inside the executor the request was %s", reentrant.status_inside);
  mj_free(a);
  mj_free(b);
  juno_free(j);
}

/* ---- the execution window ------------------------------------------------------------ */

/* An auto-approved request not executed within EXECUTION_WINDOW_HOURS lapses: execute is
 * refused (INVALID_STATE), the executor never runs, the request is expired; another one
 * lapses through process_deadlines, which lists it under "lapsed". */
static void test_execution_window(void) {
  static const char settings[] =
      "{\"AUTONOMOUS_ACTIONS\":\"true\",\"EXECUTION_WINDOW_HOURS\":\"2\"}";
  static const int64_t T = 1767225600000; /* 2026-01-01T00:00:00Z */
  juno *j = open_memory(settings, strlen(settings));
  juno_error *err = NULL;
  juno_buf buf = {NULL, 0};
  counter c = {0, 0, "", NULL, 0, ""};
  mj_value *a = NULL, *b = NULL, *v = NULL;
  int64_t ida = 0, idb = 0, lapsed = 0;
  char status[32];
  if (j == NULL) return;
  ok(juno_set_clock(j, T, &err), &err, "set_clock");
  a = submit(j, AUTO, strlen(AUTO));
  b = submit(j, AUTO, strlen(AUTO));
  CHECK(mj_int(mj_get(a, "id"), &ida) && mj_int(mj_get(b, "id"), &idb), "no ids");
  CHECK(mj_str_eq(mj_get(a, "status"), "auto_approved"), "not auto-approved");
  ok(juno_set_clock(j, T + 2 * 3600000, &err), &err, "set_clock(+2h)");
  {
    const mj_value *action = mj_get(a, "action");
    if (action != NULL) {
      fails_with(juno_governance_execute(j, ida, action->src, action->src_len, count_calls, &c,
                                         &buf, &err),
                 &err, JUNO_STATUS_INVALID_STATE, "execute(lapsed approval)");
    }
  }
  CHECK(c.calls == 0, "the executor ran %d times on a lapsed approval", c.calls);
  CHECK(buf.data == NULL, "buffer written on failure");
  status_of(j, ida, status, sizeof status);
  CHECK(strcmp(status, "expired") == 0, "a lapsed approval left the request %s", status);
  if (ok(juno_governance_process_deadlines(j, &buf, &err), &err, "process_deadlines")) {
    v = parse_buf(&buf, "deadline report");
    CHECK(mj_len(mj_get(v, "lapsed")) == 1 && mj_int(mj_at(mj_get(v, "lapsed"), 0), &lapsed) &&
              lapsed == idb,
          "process_deadlines did not lapse request %lld", (long long)idb);
    mj_free(v);
  }
  mj_free(a);
  mj_free(b);
  juno_free(j);
}

/* ---- quorum ------------------------------------------------------------------------- */

static mj_value *approve_as(juno *j, int64_t id, const char *user, const char *digest,
                            juno_status want) {
  juno_buf buf = {NULL, 0};
  juno_error *err = NULL;
  juno_status s = juno_governance_approve(j, id, user, strlen(user), digest, strlen(digest),
                                          &buf, &err);
  if (want != JUNO_STATUS_OK) {
    fails_with(s, &err, want, "approve (refused)");
    CHECK(buf.data == NULL, "buffer written on failure");
    return NULL;
  }
  if (!ok(s, &err, "approve")) return NULL;
  return parse_buf(&buf, "approved request");
}

/* A config file asks two approvals for critical requests: the first is a vote (the request
 * stays pending), a second vote by the same person is refused, a second person decides. */
static void test_quorum(const char *scratch) {
  static const char CRITICAL[] =
      "{\"action\":{\"kind\":\"reassign\",\"team\":\"team_alpha\",\"target\":\"ALPHA-7\"},"
      "\"impact\":\"critical\",\"confidence\":0.5,\"requester\":\"juno\"}";
  char path[512], settings[700];
  FILE *f;
  juno *j;
  juno_error *err = NULL;
  juno_buf buf = {NULL, 0};
  mj_value *r = NULL, *v = NULL;
  int64_t id = 0;
  const char *digest;

  snprintf(path, sizeof path, "%s/c-quorum.toml", scratch);
  f = fopen(path, "w");
  CHECK(f != NULL, "cannot write %s", path);
  if (f == NULL) return;
  fputs("[approval_rules.quorum.critical]\napprovals = 2\n", f);
  fclose(f);
  snprintf(settings, sizeof settings, "{\"JUNO_CONFIG_FILE\":\"%s\"}", path);
  j = open_memory(settings, strlen(settings));
  if (j == NULL) return;
  assign(j, "em1@company.com", "ENGINEERING_MANAGER", "[\"team_alpha\"]");
  assign(j, "em2@company.com", "ENGINEERING_MANAGER", "[\"team_alpha\"]");
  r = submit(j, CRITICAL, strlen(CRITICAL));
  digest = mj_str(mj_get(r, "digest"));
  CHECK(mj_int(mj_get(r, "id"), &id) && digest != NULL, "no id or digest");
  if (digest != NULL) {
    v = approve_as(j, id, "em1@company.com", digest, JUNO_STATUS_OK);
    CHECK(mj_str_eq(mj_get(v, "status"), "pending"), "one vote of two decided it: %s",
          mj_str(mj_get(v, "status")));
    mj_free(v);
    approve_as(j, id, "em1@company.com", digest, JUNO_STATUS_PERMISSION_DENIED);
    v = approve_as(j, id, "em2@company.com", digest, JUNO_STATUS_OK);
    CHECK(mj_str_eq(mj_get(v, "status"), "approved"), "two votes did not approve: %s",
          mj_str(mj_get(v, "status")));
    mj_free(v);
  }
  if (ok(juno_governance_votes(j, id, &buf, &err), &err, "votes")) {
    v = parse_buf(&buf, "votes");
    CHECK(mj_len(v) == 2 && mj_str_eq(mj_get(mj_at(v, 0), "user"), "em1@company.com") &&
              mj_get(mj_at(v, 1), "approve") != NULL && mj_get(mj_at(v, 1), "approve")->boolean,
          "votes are not em1 then em2, approving");
    mj_free(v);
  }
  fails_with(juno_governance_votes(j, 999, &buf, &err), &err, JUNO_STATUS_NOT_FOUND,
             "votes(unknown request)");
  fails_with(juno_governance_votes(j, id, NULL, &err), &err, JUNO_STATUS_NULL_PARAMETER,
             "votes(NULL out)");
  CHECK(buf.data == NULL, "buffer written on failure");
  mj_free(r);
  juno_free(j);
  remove(path);
}

/* ---- break-glass ---------------------------------------------------------------------- */

static juno_status break_glass(juno *j, int64_t id, const char *user, const char *digest,
                               const char *reason, juno_buf *buf, juno_error **err) {
  return juno_governance_break_glass(j, id, user, strlen(user), digest, strlen(digest), reason,
                                     strlen(reason), buf, err);
}

/* An ENGINEERING_MANAGER approves a TEAM_LEAD-level request outside the chain with a reason;
 * a blank reason, a TEAM_LEAD and the requester are refused; the compliance report lists
 * the use. */
static void test_break_glass(void) {
  juno *j = open_memory("{}", 2);
  juno_error *err = NULL;
  juno_buf buf = {NULL, 0};
  mj_value *r = NULL, *v = NULL;
  int64_t id = 0;
  const char *digest;
  size_t k;
  int listed = 0;
  if (j == NULL) return;
  assign(j, "em@company.com", "ENGINEERING_MANAGER", "[\"team_alpha\"]");
  assign(j, "tl@company.com", "TEAM_LEAD", "[\"team_alpha\"]");
  r = submit(j, LOW, strlen(LOW));
  digest = mj_str(mj_get(r, "digest"));
  CHECK(mj_int(mj_get(r, "id"), &id) && digest != NULL, "no id or digest");
  if (digest != NULL) {
    fails_with(break_glass(j, id, "em@company.com", digest, " ", &buf, &err), &err,
               JUNO_STATUS_INVALID_INPUT, "break_glass(blank reason)");
    fails_with(break_glass(j, id, "tl@company.com", digest, "outage", &buf, &err), &err,
               JUNO_STATUS_PERMISSION_DENIED, "break_glass(TEAM_LEAD)");
    fails_with(break_glass(j, id, "juno", digest, "outage", &buf, &err), &err,
               JUNO_STATUS_PERMISSION_DENIED, "break_glass(requester)");
    CHECK(buf.data == NULL, "buffer written on failure");
    if (ok(break_glass(j, id, "em@company.com", digest, "outage", &buf, &err), &err,
           "break_glass")) {
      v = parse_buf(&buf, "broken-glass request");
      CHECK(mj_str_eq(mj_get(v, "status"), "approved"), "status %s", mj_str(mj_get(v, "status")));
      CHECK(mj_str_eq(mj_get(v, "reason"), "outage"), "reason not recorded");
      mj_free(v);
    }
  }
  if (ok(juno_governance_compliance_report(j, &buf, &err), &err, "compliance_report")) {
    v = parse_buf(&buf, "compliance report");
    for (k = 0; k < mj_len(mj_get(v, "findings")); k++) {
      listed += mj_str_eq(mj_get(mj_at(mj_get(v, "findings"), k), "rule"), "break_glass");
    }
    CHECK(listed == 1, "break-glass use listed %d times", listed);
    mj_free(v);
  }
  mj_free(r);
  juno_free(j);
}

/* ---- delegation ------------------------------------------------------------------------ */

static juno_status delegate(juno *j, const char *from, const char *to, const char *team,
                            int64_t until, juno_buf *buf, juno_error **err) {
  return juno_governance_delegate(j, from, strlen(from), to, strlen(to), team, strlen(team),
                                  until, buf, err);
}

static size_t delegations(juno *j, const char *user, bool include_inactive) {
  juno_buf buf = {NULL, 0};
  juno_error *err = NULL;
  mj_value *v;
  size_t n = 0;
  if (!ok(juno_governance_delegations(j, user, user != NULL ? strlen(user) : 0,
                                      include_inactive, &buf, &err),
          &err, "delegations")) {
    return SIZE_MAX;
  }
  v = parse_buf(&buf, "delegations");
  n = mj_len(v);
  mj_free(v);
  return n;
}

/* A TEAM_LEAD decides an ENGINEERING_MANAGER's request for them while the delegation is in
 * force ("approved by tl for em": on_behalf_of), not after it is revoked; a delegation of
 * all teams, one in the past, one from someone without a role and a duplicate are refused;
 * only the delegator revokes it, once. */
static void test_delegation(void) {
  static const char CRITICAL[] =
      "{\"action\":{\"kind\":\"reassign\",\"team\":\"team_alpha\",\"target\":\"ALPHA-9\"},"
      "\"impact\":\"critical\",\"confidence\":0.5,\"requester\":\"juno\"}";
  static const int64_t T = 1767225600000; /* 2026-01-01T00:00:00Z */
  juno *j = open_memory("{}", 2);
  juno_error *err = NULL;
  juno_buf buf = {NULL, 0};
  mj_value *r = NULL, *r2 = NULL, *v = NULL;
  int64_t id = 0, id2 = 0, did = 0;
  const char *digest, *digest2;
  if (j == NULL) return;
  ok(juno_set_clock(j, T, &err), &err, "set_clock");
  assign(j, "em@company.com", "ENGINEERING_MANAGER", "[\"team_alpha\"]");
  assign(j, "tl@company.com", "TEAM_LEAD", "[\"team_alpha\"]");
  r = submit(j, CRITICAL, strlen(CRITICAL));
  digest = mj_str(mj_get(r, "digest"));
  CHECK(mj_int(mj_get(r, "id"), &id) && digest != NULL, "no id or digest");
  if (digest != NULL) approve_as(j, id, "tl@company.com", digest, JUNO_STATUS_PERMISSION_DENIED);

  fails_with(delegate(j, "em@company.com", "tl@company.com", "*", T + 24 * HOUR_MS, &buf, &err),
             &err, JUNO_STATUS_INVALID_INPUT, "delegate(all teams)");
  fails_with(delegate(j, "em@company.com", "tl@company.com", "team_alpha", T, &buf, &err), &err,
             JUNO_STATUS_INVALID_INPUT, "delegate(until now)");
  fails_with(delegate(j, "nobody@company.com", "tl@company.com", "team_alpha", T + HOUR_MS, &buf,
                      &err),
             &err, JUNO_STATUS_PERMISSION_DENIED, "delegate(no role)");
  fails_with(juno_governance_delegate(j, "em@company.com", 14, "tl@company.com", 14, "team_alpha",
                                      10, T + HOUR_MS, NULL, &err),
             &err, JUNO_STATUS_NULL_PARAMETER, "delegate(NULL out)");
  CHECK(buf.data == NULL, "buffer written on failure");
  if (ok(delegate(j, "em@company.com", "tl@company.com", "team_alpha", T + 24 * HOUR_MS, &buf,
                  &err),
         &err, "delegate")) {
    v = parse_buf(&buf, "delegation");
    CHECK(mj_int(mj_get(v, "id"), &did) && mj_str_eq(mj_get(v, "delegator"), "em@company.com") &&
              mj_str_eq(mj_get(v, "delegate"), "tl@company.com"),
          "delegation not as made");
    mj_free(v);
  }
  fails_with(delegate(j, "em@company.com", "tl@company.com", "team_alpha", T + HOUR_MS, &buf,
                      &err),
             &err, JUNO_STATUS_INVALID_STATE, "delegate(again)");
  if (digest != NULL) {
    v = approve_as(j, id, "tl@company.com", digest, JUNO_STATUS_OK);
    CHECK(mj_str_eq(mj_get(v, "status"), "approved") &&
              mj_str_eq(mj_get(v, "decided_by"), "tl@company.com") &&
              mj_str_eq(mj_get(v, "on_behalf_of"), "em@company.com"),
          "not approved by tl for em");
    mj_free(v);
  }
  CHECK(delegations(j, NULL, false) == 1, "one delegation in force");

  fails_with(juno_governance_revoke_delegation(j, did, "tl@company.com", 14, &buf, &err), &err,
             JUNO_STATUS_PERMISSION_DENIED, "revoke_delegation(by the delegate)");
  fails_with(juno_governance_revoke_delegation(j, 999, "em@company.com", 14, &buf, &err), &err,
             JUNO_STATUS_NOT_FOUND, "revoke_delegation(unknown)");
  if (ok(juno_governance_revoke_delegation(j, did, "em@company.com", 14, &buf, &err), &err,
         "revoke_delegation")) {
    v = parse_buf(&buf, "revoked delegation");
    CHECK(mj_str_eq(mj_get(v, "revoked_by"), "em@company.com"), "revoked_by not recorded");
    mj_free(v);
  }
  fails_with(juno_governance_revoke_delegation(j, did, "em@company.com", 14, &buf, &err), &err,
             JUNO_STATUS_INVALID_STATE, "revoke_delegation(again)");
  r2 = submit(j, CRITICAL, strlen(CRITICAL));
  digest2 = mj_str(mj_get(r2, "digest"));
  CHECK(mj_int(mj_get(r2, "id"), &id2) && digest2 != NULL, "no id or digest");
  if (digest2 != NULL) {
    approve_as(j, id2, "tl@company.com", digest2, JUNO_STATUS_PERMISSION_DENIED);
  }
  CHECK(delegations(j, NULL, false) == 0, "a revoked delegation is still in force");
  CHECK(delegations(j, "tl@company.com", true) == 1, "the revoked delegation is not listed");
  CHECK(buf.data == NULL, "buffer left allocated");
  mj_free(r);
  mj_free(r2);
  juno_free(j);
}

/* ---- reminders and the fallback approver ------------------------------------------------ */

/* Nobody holds ENGINEERING_MANAGER: the reminder two hours before the deadline goes to the
 * fallback approver, who may then approve; a TEAM_LEAD still may not. */
static void test_fallback_and_reminders(void) {
  static const char CRITICAL[] =
      "{\"action\":{\"kind\":\"reassign\",\"team\":\"team_alpha\",\"target\":\"ALPHA-3\"},"
      "\"impact\":\"critical\",\"confidence\":0.5,\"requester\":\"juno\"}";
  static const char SETTINGS[] = "{\"FALLBACK_APPROVER\":\"fb@company.com\"}";
  static const int64_t T = 1767225600000; /* 2026-01-01T00:00:00Z */
  juno *j = open_memory(SETTINGS, strlen(SETTINGS));
  juno_error *err = NULL;
  juno_buf buf = {NULL, 0};
  mj_value *r = NULL, *v = NULL;
  const mj_value *reminder;
  int64_t id = 0, about = 0;
  const char *digest;
  if (j == NULL) return;
  ok(juno_set_clock(j, T, &err), &err, "set_clock");
  assign(j, "tl@company.com", "TEAM_LEAD", "[\"team_alpha\"]");
  r = submit(j, CRITICAL, strlen(CRITICAL));
  digest = mj_str(mj_get(r, "digest"));
  CHECK(mj_int(mj_get(r, "id"), &id) && digest != NULL, "no id or digest");
  ok(juno_set_clock(j, T + 2 * HOUR_MS, &err), &err, "set_clock(+2h)");
  if (ok(juno_governance_process_deadlines(j, &buf, &err), &err, "process_deadlines")) {
    v = parse_buf(&buf, "deadline report");
    reminder = mj_at(mj_get(v, "reminded"), 0);
    CHECK(mj_len(mj_get(v, "reminded")) == 1 && mj_int(mj_get(reminder, "request"), &about) &&
              about == id,
          "no reminder for request %lld", (long long)id);
    CHECK(mj_str_eq(mj_at(mj_get(reminder, "recipients"), 0), "fb@company.com"),
          "the reminder does not go to the fallback approver");
    mj_free(v);
  }
  if (digest != NULL) {
    approve_as(j, id, "tl@company.com", digest, JUNO_STATUS_PERMISSION_DENIED);
    v = approve_as(j, id, "fb@company.com", digest, JUNO_STATUS_OK);
    CHECK(mj_str_eq(mj_get(v, "status"), "approved"), "the fallback approver did not approve");
    mj_free(v);
  }
  mj_free(r);
  juno_free(j);
}

/* ---- shadow mode ------------------------------------------------------------------------ */

/* A [shadow] threshold of 0.6 beside the live 0.9: the live request at 0.7 waits for a person,
 * and the shadow report says the candidate would have auto-approved it; without a shadow
 * the report is INVALID_STATE. The same file sets automation levels: `close` is only
 * suggested, `reopen` is off (refused). */
static void test_shadow(const char *scratch) {
  static const char CLOSE[] =
      "{\"action\":{\"kind\":\"close\",\"team\":\"team_alpha\",\"target\":\"ALPHA-6\"},"
      "\"impact\":\"low\",\"confidence\":0.99,\"requester\":\"juno\"}";
  static const char REOPEN[] =
      "{\"action\":{\"kind\":\"reopen\",\"team\":\"team_alpha\",\"target\":\"ALPHA-6\"},"
      "\"impact\":\"low\",\"confidence\":0.99,\"requester\":\"juno\"}";
  static const char SURE[] =
      "{\"action\":{\"kind\":\"reassign\",\"team\":\"team_alpha\",\"target\":\"ALPHA-5\"},"
      "\"impact\":\"low\",\"confidence\":0.7,\"requester\":\"juno\"}";
  char path[512], settings[760];
  FILE *f;
  juno *j;
  juno_error *err = NULL;
  juno_buf buf = {NULL, 0};
  mj_value *r = NULL, *v = NULL;
  int64_t n = 0;

  j = open_memory("{}", 2);
  if (j != NULL) {
    fails_with(juno_governance_shadow_report(j, &buf, &err), &err, JUNO_STATUS_INVALID_STATE,
               "shadow_report(no shadow)");
    juno_free(j);
  }
  snprintf(path, sizeof path, "%s/c-shadow.toml", scratch);
  f = fopen(path, "w");
  CHECK(f != NULL, "cannot write %s", path);
  if (f == NULL) return;
  fputs("autonomous_actions = true\n[shadow]\nauto_approval_threshold = 0.6\n"
        "[automation.teams.team_alpha]\nkinds = { close = \"suggest\", reopen = \"off\" }\n",
        f);
  fclose(f);
  snprintf(settings, sizeof settings, "{\"JUNO_CONFIG_FILE\":\"%s\"}", path);
  j = open_memory(settings, strlen(settings));
  if (j == NULL) return;
  r = submit(j, SURE, strlen(SURE));
  CHECK(mj_str_eq(mj_get(r, "status"), "pending"), "the shadow changed a live decision");
  if (ok(juno_governance_shadow_report(j, &buf, &err), &err, "shadow_report")) {
    v = parse_buf(&buf, "shadow report");
    CHECK(mj_int(mj_get(v, "requests"), &n) && n == 1, "requests compared");
    CHECK(mj_len(mj_get(v, "changed")) == 1 &&
              mj_str_eq(mj_get(mj_at(mj_get(v, "changed"), 0), "shadow"), "auto_approved"),
          "the change is not listed");
    mj_free(v);
  }
  fails_with(juno_governance_shadow_report(j, NULL, &err), &err, JUNO_STATUS_NULL_PARAMETER,
             "shadow_report(NULL out)");
  mj_free(r);
  r = submit(j, CLOSE, strlen(CLOSE));
  CHECK(mj_str_eq(mj_get(r, "status"), "suggested"), "automation `suggest` gave status %s",
        mj_str(mj_get(r, "status")));
  fails_with(juno_governance_submit(j, REOPEN, strlen(REOPEN), &buf, &err), &err,
             JUNO_STATUS_PERMISSION_DENIED, "submit(automation off)");
  CHECK(buf.data == NULL, "buffer written on failure");
  mj_free(r);
  juno_free(j);
  remove(path);
}

/* ---- exactly once, from several threads ---------------------------------------------- */

#define THREADS 4

typedef struct locked_counter {
  pthread_mutex_t *lock;
  int calls;
} locked_counter;

static int32_t count_locked(void *ctx, const char *action_json, size_t action_len) {
  locked_counter *c = ctx;
  (void)action_json;
  (void)action_len;
  pthread_mutex_lock(c->lock);
  c->calls++;
  pthread_mutex_unlock(c->lock);
  return 0;
}

typedef struct race_arg {
  juno *j;
  int64_t id;
  const mj_value *action;
  locked_counter *counter;
  juno_status status;
} race_arg;

static void *race(void *p) {
  race_arg *a = p;
  juno_buf buf = {NULL, 0};
  a->status = juno_governance_execute(a->j, a->id, a->action->src, a->action->src_len,
                                      count_locked, a->counter, &buf, NULL);
  juno_buf_free(&buf);
  return NULL;
}

static void test_exactly_once(void) {
  juno *j = open_memory(AUTONOMOUS, strlen(AUTONOMOUS));
  pthread_mutex_t lock;
  locked_counter calls;
  race_arg args[THREADS];
  pthread_t threads[THREADS];
  mj_value *req;
  int64_t id = 0;
  int t, started = 0, won = 0, lost = 0;
  if (j == NULL) return;
  req = submit(j, AUTO, strlen(AUTO));
  CHECK(mj_int(mj_get(req, "id"), &id) && mj_get(req, "action") != NULL, "no id");
  pthread_mutex_init(&lock, NULL);
  calls.lock = &lock;
  calls.calls = 0;
  for (t = 0; t < THREADS && mj_get(req, "action") != NULL; t++) {
    args[t].j = j;
    args[t].id = id;
    args[t].action = mj_get(req, "action");
    args[t].counter = &calls;
    args[t].status = JUNO_STATUS_INTERNAL;
    if (pthread_create(&threads[t], NULL, race, &args[t]) == 0) started++;
  }
  CHECK(started == THREADS, "started %d threads", started);
  for (t = 0; t < started; t++) {
    pthread_join(threads[t], NULL);
    if (args[t].status == JUNO_STATUS_OK) won++;
    if (args[t].status == JUNO_STATUS_INVALID_STATE) lost++;
  }
  CHECK(won == 1 && lost == started - 1, "%d executions succeeded, %d refused", won, lost);
  CHECK(calls.calls == 1, "the executor ran %d times", calls.calls);
  pthread_mutex_destroy(&lock);
  mj_free(req);
  juno_free(j);
}

/* ---- audit checkpoints on a file ----------------------------------------------------- */

static void test_audit_file(const char *scratch) {
  char db[1024], forged[512], proof_label[64];
  juno *j = NULL;
  juno_error *err = NULL;
  juno_buf buf = {NULL, 0};
  mj_value *checkpoint = NULL, *v;
  const char *root, *at;
  int64_t size = 0, entries = 0;
  int k;

  snprintf(db, sizeof db, "%s/c-governance.db", scratch);
  remove(db);
  if (!ok(juno_open_with_settings(db, strlen(db), AUTONOMOUS, strlen(AUTONOMOUS), &j, &err),
          &err, "open_with_settings(file)")) {
    return;
  }
  for (k = 0; k < 3; k++) {
    const char *req = k == 1 ? AUTO : LOW;
    mj_free(submit(j, req, strlen(req)));
  }
  if (ok(juno_audit_checkpoint(j, &buf, &err), &err, "checkpoint")) {
    checkpoint = parse_buf(&buf, "checkpoint");
  }
  juno_free(j);
  j = NULL;
  CHECK(mj_int(mj_get(checkpoint, "size"), &size) && size == 4,
        "checkpoint covers %lld entries, want 4 (3 submitted, 1 auto-approved)", (long long)size);
  root = mj_str(mj_get(checkpoint, "root"));
  at = mj_str(mj_get(checkpoint, "at"));
  CHECK(root != NULL && strlen(root) == 64 && at != NULL, "checkpoint without a root or time");

  /* Reopened, the log verifies against the saved checkpoint, and grows past it. */
  if (root != NULL && at != NULL &&
      ok(juno_open_with_settings(db, strlen(db), "{}", 2, &j, &err), &err, "reopen file")) {
    mj_free(submit(j, LOW, strlen(LOW)));
    if (ok(juno_audit_verify(j, checkpoint->src, checkpoint->src_len, &buf, &err), &err,
           "verify(saved checkpoint)")) {
      v = parse_buf(&buf, "verify report");
      CHECK(mj_get(v, "ok") != NULL && mj_get(v, "ok")->boolean, "the saved checkpoint fails");
      CHECK(mj_int(mj_get(v, "entries"), &entries) && entries == 5, "%lld entries, want 5",
            (long long)entries);
      CHECK(mj_int(mj_get(v, "checkpoints_checked"), &entries) && entries == 2,
            "stored and saved checkpoints not both checked");
      mj_free(v);
    }

    /* A checkpoint with another root: history was rewritten. */
    snprintf(forged, sizeof forged, "{\"size\":%lld,\"root\":\"%064d\",\"at\":\"%s\"}",
             (long long)size, 0, at);
    if (ok(juno_audit_verify(j, forged, strlen(forged), &buf, &err), &err,
           "verify(forged checkpoint)")) {
      int64_t first_bad = 0;
      v = parse_buf(&buf, "forged report");
      CHECK(mj_get(v, "ok") != NULL && !mj_get(v, "ok")->boolean, "a forged root verifies");
      CHECK(mj_int(mj_get(v, "first_bad_seq"), &first_bad) && first_bad == 1,
            "first_bad_seq %lld", (long long)first_bad);
      CHECK(mj_len(mj_get(v, "problems")) > 0, "no problem described");
      mj_free(v);
    }
    /* A checkpoint beyond the log: it was truncated. */
    snprintf(forged, sizeof forged, "{\"size\":99,\"root\":\"%s\",\"at\":\"%s\"}", root,
             at);
    if (ok(juno_audit_verify(j, forged, strlen(forged), &buf, &err), &err,
           "verify(longer checkpoint)")) {
      v = parse_buf(&buf, "truncation report");
      CHECK(mj_get(v, "ok") != NULL && !mj_get(v, "ok")->boolean, "truncation not detected");
      mj_free(v);
    }
    /* Malformed checkpoints are invalid input. */
    fails_with(juno_audit_verify(j, "{\"size\":4", 9, &buf, &err), &err,
               JUNO_STATUS_INVALID_INPUT, "verify(malformed checkpoint)");
    {
      static const char not_hex[] = "{\"size\":4,\"root\":\"xyz\",\"at\":\"2026-01-01T00:00:00Z\"}";
      fails_with(juno_audit_verify(j, not_hex, strlen(not_hex), &buf, &err), &err,
                 JUNO_STATUS_INVALID_INPUT, "verify(root not hex)");
    }
    CHECK(buf.data == NULL, "buffer written on failure");

    /* Every entry of the checkpoint has an inclusion proof; outside it, none. */
    for (k = 1; k <= size; k++) {
      snprintf(proof_label, sizeof proof_label, "inclusion proof %d/%lld", k, (long long)size);
      if (ok(juno_audit_inclusion_proof(j, (uint64_t)k, (uint64_t)size, &buf, &err), &err,
             proof_label)) {
        int64_t seq = 0;
        v = parse_buf(&buf, proof_label);
        CHECK(mj_int(mj_get(v, "seq"), &seq) && seq == k, "%s: seq %lld", proof_label,
              (long long)seq);
        CHECK(mj_len(mj_get(v, "path")) > 0, "%s: empty path", proof_label);
        mj_free(v);
      }
    }
    fails_with(juno_audit_inclusion_proof(j, 0, (uint64_t)size, &buf, &err), &err,
               JUNO_STATUS_NOT_FOUND, "inclusion proof 0");
    fails_with(juno_audit_inclusion_proof(j, 1, 1000, &buf, &err), &err, JUNO_STATUS_NOT_FOUND,
               "inclusion proof beyond the log");
    if (ok(juno_audit_entries(j, 4, 10, &buf, &err), &err, "entries from 4")) {
      int64_t seq = 0;
      v = parse_buf(&buf, "entries");
      CHECK(mj_len(v) == 2 && mj_int(mj_get(mj_at(v, 0), "seq"), &seq) && seq == 4,
            "entries from 4: %zu", mj_len(v));
      CHECK(mj_str_eq(mj_get(mj_at(v, 1), "event"), "request_submitted"), "last event");
      mj_free(v);
    }
    juno_free(j);
  }
  mj_free(checkpoint);
  remove(db);
}

int main(int argc, char **argv) {
  char *text;
  size_t len = 0;
  mj_value *fixture;
  char msg[160];

  if (argc != 3) {
    fprintf(stderr, "usage: %s FIXTURE_JSON SCRATCH_DIR\n", argv[0]);
    return 2;
  }
  text = read_file(argv[1], &len);
  CHECK(text != NULL, "cannot read %s", argv[1]);
  fixture = text != NULL ? mj_parse(text, len, msg, sizeof msg) : NULL;
  CHECK(fixture != NULL, "fixture is not JSON: %s", text != NULL ? msg : "(unread)");
  if (fixture != NULL) replay_governance_fixture(fixture);
  mj_free(fixture);
  free(text);

  test_settings();
  test_boundary();
  test_executors();
  test_execution_window();
  test_quorum(argv[2]);
  test_break_glass();
  test_delegation();
  test_fallback_and_reminders();
  test_shadow(argv[2]);
  test_exactly_once();
  test_audit_file(argv[2]);

  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 && passed > 0 ? 0 : 1;
}
