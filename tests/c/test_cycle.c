/*
 * C tests of the agent cycle of the JUNO C ABI (include/juno.h): juno_agent_run_cycle with
 * the simulated organisation and the recording executor, juno_agent_cycles, and the
 * governance calls a person makes between two cycles.
 *
 * Usage: test_cycle FIXTURE_JSON
 *
 * Replays the shared fixture tests/fixtures/cycle_fixture.json with the same steps and
 * assertions as the Rust replay (juno-core/tests/cycle_fixture.rs) and the Python one
 * (python/tests/test_cycle_fixture.py): a first cycle at the simulation's end, compared
 * with its `expect` as a subset (numbers within the fixture's tolerance, every `writes`
 * array exactly); the approval of one proposal by a person granted the role it waits for;
 * a second cycle an hour later that executes it; a cycle with a bad option, which must
 * fail with its status, name the option in backticks and store nothing. Prints
 * "N passed, M failed" last and exits non-zero on any failure. Run by tests/c/run.sh under
 * ASan/UBSan and valgrind.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "juno.h"
#include "mini_json.h"

#include "check.h"
/* expect.h holds the fixture rules every replay shares; its explanation check has no use
 * in a cycle, and an unused static function must not fail the -Werror build. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "expect.h"
#pragma GCC diagnostic pop

#define HOUR_MS INT64_C(3600000)

/* One cycle with the fixture's simulated organisation, `options` and the recording
 * executor (a NULL executor). The parsed report, or NULL (and a failed check). */
static mj_value *run_cycle(juno *j, const mj_value *sim, const mj_value *options,
                           const char *what) {
  juno_buf buf = {NULL, 0};
  juno_error *err = NULL;
  if (!ok(juno_agent_run_cycle(j, sim->src, sim->src_len, options->src, options->src_len, NULL,
                               NULL, &buf, &err),
          &err, what)) {
    return NULL;
  }
  return parse_buf(&buf, what);
}

/* The report contains the stage's `expect` (the subset rule), every `writes` array of a
 * proposal or an executed action is exactly the expected one, and the wall-clock fields
 * the fixture leaves out are there (leaving them out is a choice). */
static void check_report(const mj_value *report, const mj_value *stage, const char *name) {
  static const char *lists[] = {"proposals", "executed"};
  const mj_value *expect = mj_get(stage, "expect");
  size_t k, i;
  double millis = 0.0;
  CHECK(expect != NULL, "%s: no expect", name);
  check_expect(report, stage, name);
  for (k = 0; k < 2; k++) {
    const mj_value *got = mj_get(report, lists[k]), *want = mj_get(expect, lists[k]);
    for (i = 0; i < mj_len(got) && i < mj_len(want); i++) {
      const mj_value *g = mj_get(mj_at(got, i), "writes"), *w = mj_get(mj_at(want, i), "writes");
      CHECK(g != NULL && w != NULL && mj_equal(g, w), "%s.%s[%zu].writes: got %.*s", name,
            lists[k], i, g != NULL ? (int)g->src_len : 0, g != NULL ? g->src : "");
    }
  }
  CHECK(mj_get(report, "timings_ms") != NULL && mj_get(report, "timings_ms")->type == MJ_OBJECT,
        "%s: no timings_ms", name);
  CHECK(mj_num(mj_get(mj_get(report, "sync"), "millis"), &millis), "%s: no sync.millis", name);
}

/* A request's field `key` (a string) into `out`; "" when it cannot be read. */
static void request_field(const juno *j, int64_t id, const char *key, char *out, size_t cap) {
  juno_buf buf = {NULL, 0};
  juno_error *err = NULL;
  out[0] = '\0';
  if (ok(juno_governance_get(j, id, &buf, &err), &err, "governance_get")) {
    mj_value *v = parse_buf(&buf, "request");
    const char *s = mj_str(mj_get(v, key));
    snprintf(out, cap, "%s", s != NULL ? s : "");
    mj_free(v);
  }
}

/* (2): a person granted the role the proposal waits for, for its team, approves it with
 * the request's own digest. Returns the request id, or -1. */
static int64_t approve(juno *j, const mj_value *first, const mj_value *a) {
  int64_t index = -1, id = -1;
  const mj_value *p, *user = mj_get(a, "user"), *by = mj_get(a, "by");
  const mj_value *role, *team;
  juno_buf buf = {NULL, 0};
  juno_error *err = NULL;
  text teams = {NULL, 0, 0};
  char digest[128];

  CHECK(mj_int(mj_get(a, "proposal"), &index) && index >= 0, "approve: no proposal index");
  p = index >= 0 ? mj_at(mj_get(first, "proposals"), (size_t)index) : NULL;
  role = mj_get(p, "waits_for");
  team = mj_get(p, "team");
  CHECK(p != NULL && mj_int(mj_get(p, "request_id"), &id) && mj_str(role) != NULL &&
            mj_str(team) != NULL && mj_str(user) != NULL && mj_str(by) != NULL,
        "approve: the proposal or the approver is missing");
  if (p == NULL || id < 0 || mj_str(role) == NULL || mj_str(team) == NULL ||
      mj_str(user) == NULL || mj_str(by) == NULL) {
    return -1;
  }
  /* The team as a JSON array: its JSON text, as the report wrote it. */
  text_str(&teams, "[");
  text_add(&teams, team->src, team->src_len);
  text_str(&teams, "]");
  ok(juno_governance_assign_role(j, user->string, user->string_len, role->string,
                                 role->string_len, teams.data, teams.len, by->string,
                                 by->string_len, &err),
     &err, "assign_role(waits_for)");
  free(teams.data);

  request_field(j, id, "digest", digest, sizeof digest);
  CHECK(strlen(digest) == 64, "approve: digest `%s`", digest);
  if (ok(juno_governance_approve(j, id, user->string, user->string_len, digest, strlen(digest),
                                 &buf, &err),
         &err, "approve")) {
    mj_value *v = parse_buf(&buf, "approved request");
    CHECK(mj_equal(mj_get(v, "status"), mj_get(a, "expect_status")), "approve: status %s",
          mj_str(mj_get(v, "status")));
    mj_free(v);
  }
  return id;
}

static void replay_fixture(const mj_value *f) {
  const mj_value *sim = mj_get(f, "sim"), *options = mj_get(f, "options");
  const mj_value *first_stage = mj_get(f, "first_cycle");
  const mj_value *second_stage = mj_get(f, "second_cycle");
  const mj_value *a = mj_get(f, "approve"), *invalid = mj_get(f, "invalid");
  int64_t now_ms = 0, hours = 0, id, want_stored = -1;
  juno *j = NULL;
  juno_error *err = NULL;
  juno_buf buf = {NULL, 0};
  mj_value *first, *second, *v;
  char status[32];
  size_t i;

  CHECK(mj_int(mj_get(f, "now_ms"), &now_ms), "fixture has no now_ms");
  CHECK(mj_num(mj_get(f, "tolerance"), &tolerance), "fixture has no tolerance");
  CHECK(sim != NULL && options != NULL && first_stage != NULL && second_stage != NULL &&
            a != NULL && mj_len(invalid) > 0 &&
            mj_int(mj_get(second_stage, "advance_hours"), &hours) &&
            mj_int(mj_get(f, "expect_cycles_stored"), &want_stored),
        "fixture is missing a stage");
  if (sim == NULL || options == NULL || first_stage == NULL || second_stage == NULL ||
      a == NULL) {
    return;
  }

  if (!ok(juno_open_in_memory(&j, &err), &err, "open_in_memory")) return;
  ok(juno_set_clock(j, now_ms, &err), &err, "set_clock(now)");

  /* (1) The first cycle proposes and waits for people. */
  first = run_cycle(j, sim, options, "first cycle");
  if (first != NULL) check_report(first, first_stage, "first_cycle");

  /* (2) A person with the role it waits for approves one proposal, by its digest. */
  id = first != NULL ? approve(j, first, a) : -1;
  mj_free(first);

  /* (3) An hour later the next cycle executes it, once, and proposes nothing again. */
  ok(juno_set_clock(j, now_ms + hours * HOUR_MS, &err), &err, "set_clock(advance)");
  second = run_cycle(j, sim, options, "second cycle");
  if (second != NULL) check_report(second, second_stage, "second_cycle");
  mj_free(second);
  if (id >= 0) {
    request_field(j, id, "status", status, sizeof status);
    CHECK(mj_str_eq(mj_get(second_stage, "expect_request_status"), status),
          "approved request ends %s", status);
  }

  /* A refused cycle names its bad option and stores nothing. */
  for (i = 0; i < mj_len(invalid); i++) {
    const mj_value *cs = mj_at(invalid, i), *bad = mj_get(cs, "options");
    juno_status s;
    if (bad == NULL) {
      CHECK(0, "invalid case %zu has no options", i);
      continue;
    }
    s = juno_agent_run_cycle(j, sim->src, sim->src_len, bad->src, bad->src_len, NULL, NULL,
                             &buf, &err);
    check_invalid(s, &err, &buf, cs);
  }
  if (ok(juno_agent_cycles(j, 100, &buf, &err), &err, "agent_cycles")) {
    v = parse_buf(&buf, "cycles");
    CHECK((int64_t)mj_len(v) == want_stored, "%zu cycles stored, want %lld", mj_len(v),
          (long long)want_stored);
    mj_free(v);
  }
  juno_free(j);
}

int main(int argc, char **argv) {
  char *text_in;
  size_t len = 0;
  mj_value *fixture;
  char msg[160];

  if (argc != 2) {
    fprintf(stderr, "usage: %s FIXTURE_JSON\n", argv[0]);
    return 2;
  }
  text_in = read_file(argv[1], &len);
  CHECK(text_in != NULL, "cannot read %s", argv[1]);
  fixture = text_in != NULL ? mj_parse(text_in, len, msg, sizeof msg) : NULL;
  CHECK(fixture != NULL, "fixture is not JSON: %s", text_in != NULL ? msg : "(unread)");
  if (fixture != NULL) replay_fixture(fixture);
  mj_free(fixture);
  free(text_in);

  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 && passed > 0 ? 0 : 1;
}
