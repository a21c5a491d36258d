/*
 * C tests of the engine calls of the JUNO C ABI (include/juno.h): juno_reasoning_*,
 * juno_velocity_*, juno_triage_* and juno_forecast_monte_carlo.
 *
 * Usage: test_engines FIXTURE_JSON
 *
 * Replays the shared fixture tests/fixtures/engines_fixture.json with the same steps and
 * assertions as the Rust replay (juno-core/tests/engines_fixture.rs): outcomes recorded into
 * memory, confidence (with track records from memory and a fitted calibration),
 * calibration, velocity, triage at the engine's clock and at a given time, and the seeded
 * Monte Carlo simulation, whose numbers must be reproduced exactly. Each output is compared
 * with the case's `expect` as a subset (numbers within the fixture's tolerance), each
 * explanation checked for its strings, and each `invalid` case must fail with its status
 * and name its field. Then checks the boundary: NULL parameters, outputs untouched on
 * failure, malformed JSON. Prints "N passed, M failed" last and exits non-zero on any
 * failure. Run by tests/c/run.sh under ASan/UBSan and valgrind.
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "juno.h"
#include "mini_json.h"

#include "check.h"
#include "expect.h"

/* ---- the fixture replay ------------------------------------------------------------ */

static void record_outcomes(juno *j, const mj_value *outcomes) {
  static const char *kinds[] = {"approved", "rejected"};
  size_t i, k;
  int64_t n, m;
  char json[256];
  for (i = 0; i < mj_len(outcomes); i++) {
    const mj_value *o = mj_at(outcomes, i);
    for (k = 0; k < 2; k++) {
      if (!mj_int(mj_get(o, kinds[k]), &n)) n = 0;
      for (m = 0; m < n; m++) {
        juno_buf buf = {NULL, 0};
        juno_error *err = NULL;
        snprintf(json, sizeof json, "{\"team\":\"%s\",\"action\":\"%s\",\"outcome\":\"%s\"}",
                 mj_str(mj_get(o, "team")), mj_str(mj_get(o, "action")), kinds[k]);
        if (ok(juno_memory_record_outcome(j, json, strlen(json), &buf, &err), &err,
               "record_outcome")) {
          juno_buf_free(&buf);
        }
      }
    }
  }
}

/* A calibration case's pairs as JSON: the right ones, then the wrong ones. */
static void pairs_json(const mj_value *groups, text *out) {
  size_t g;
  int64_t n, i;
  int first = 1;
  char item[64];
  text_str(out, "[");
  for (g = 0; g < mj_len(groups); g++) {
    const mj_value *grp = mj_at(groups, g);
    const mj_value *p = mj_get(grp, "confidence");
    static const char *sides[] = {"right", "wrong"};
    size_t side;
    for (side = 0; side < 2; side++) {
      if (!mj_int(mj_get(grp, sides[side]), &n)) n = 0;
      for (i = 0; i < n; i++) {
        snprintf(item, sizeof item, "%s[%.*s,%s]", first ? "" : ",", (int)p->src_len, p->src,
                 side == 0 ? "true" : "false");
        text_str(out, item);
        first = 0;
      }
    }
  }
  text_str(out, "]");
}

#define MAX_CALIBRATIONS 8

typedef struct calibration {
  const char *name;
  juno_buf json; /* the calibration as juno_reasoning_calibrate returned it */
} calibration;

static const juno_buf *find_calibration(const calibration *cals, size_t n, const char *name) {
  size_t i;
  for (i = 0; name != NULL && i < n; i++) {
    if (strcmp(cals[i].name, name) == 0) return &cals[i].json;
  }
  return NULL;
}

/* Calls juno_reasoning_confidence as a confidence case (or an invalid one) asks. */
static juno_status confidence_of(const juno *j, const mj_value *cs, const calibration *cals,
                                 size_t ncals, juno_buf *out, juno_error **err) {
  const mj_value *ev = mj_get(cs, "evidence");
  const mj_value *team = mj_get(cs, "team"), *action = mj_get(cs, "action");
  const mj_value *cal = mj_get(cs, "calibration");
  const char *cal_json = NULL;
  size_t cal_len = 0;
  if (cal != NULL && cal->type == MJ_STRING) {
    const juno_buf *saved = find_calibration(cals, ncals, cal->string);
    CHECK(saved != NULL, "no calibration named %s", cal->string);
    if (saved != NULL) {
      cal_json = (const char *)saved->data;
      cal_len = saved->len;
    }
  } else if (cal != NULL) {
    cal_json = cal->src;
    cal_len = cal->src_len;
  }
  return juno_reasoning_confidence(
      j, ev->src, ev->src_len, mj_str(team), team != NULL ? team->string_len : 0,
      mj_str(action), action != NULL ? action->string_len : 0, cal_json, cal_len, out, err);
}

static void replay_reasoning(const juno *j, const mj_value *r) {
  const mj_value *cal_cases = mj_get(r, "calibrate");
  const mj_value *conf_cases = mj_get(r, "confidence");
  const mj_value *invalid = mj_get(r, "invalid");
  calibration cals[MAX_CALIBRATIONS];
  size_t ncals = 0, i;
  juno_buf any_confidence = {NULL, 0};
  juno_error *err = NULL;

  CHECK(mj_len(cal_cases) > 0 && mj_len(cal_cases) <= MAX_CALIBRATIONS &&
            mj_len(conf_cases) > 0 && mj_len(invalid) > 0,
        "reasoning stage incomplete");
  for (i = 0; i < mj_len(cal_cases) && i < MAX_CALIBRATIONS; i++) {
    const mj_value *cs = mj_at(cal_cases, i);
    const char *name = mj_str(mj_get(cs, "name"));
    text pairs = {NULL, 0, 0};
    juno_buf buf = {NULL, 0};
    pairs_json(mj_get(cs, "groups"), &pairs);
    if (ok(juno_reasoning_calibrate(j, pairs.data, pairs.len, &buf, &err), &err, name)) {
      mj_value *got = mj_parse((const char *)buf.data, buf.len, NULL, 0);
      check_expect(got, cs, name);
      mj_free(got);
      cals[ncals].name = name;
      cals[ncals].json = buf; /* kept for the confidence cases */
      ncals++;
    }
    free(pairs.data);
  }

  for (i = 0; i < mj_len(conf_cases); i++) {
    const mj_value *cs = mj_at(conf_cases, i);
    const char *name = mj_str(mj_get(cs, "name"));
    juno_buf buf = {NULL, 0};
    if (!ok(confidence_of(j, cs, cals, ncals, &buf, &err), &err, name)) continue;
    {
      mj_value *got = mj_parse((const char *)buf.data, buf.len, NULL, 0);
      check_expect(got, cs, name);
      mj_free(got);
    }
    check_explain(juno_reasoning_explain, (const char *)buf.data, buf.len, cs, name);
    if (any_confidence.data == NULL) {
      any_confidence = buf;
    } else {
      juno_buf_free(&buf);
    }
  }

  for (i = 0; i < mj_len(invalid); i++) {
    const mj_value *cs = mj_at(invalid, i);
    const char *call = mj_str(mj_get(cs, "call"));
    juno_buf buf = {NULL, 0};
    juno_status s = JUNO_STATUS_OK;
    if (call != NULL && strcmp(call, "confidence") == 0) {
      s = confidence_of(j, cs, cals, ncals, &buf, &err);
    } else if (call != NULL && strcmp(call, "calibrate") == 0) {
      const mj_value *pairs = mj_get(cs, "pairs");
      s = juno_reasoning_calibrate(j, pairs->src, pairs->src_len, &buf, &err);
    } else if (call != NULL && strcmp(call, "explain") == 0) {
      const mj_value *level = mj_get(cs, "level");
      s = juno_reasoning_explain((const char *)any_confidence.data, any_confidence.len,
                                 level->string, level->string_len, &buf, &err);
    } else {
      CHECK(0, "unknown call %s", call != NULL ? call : "(none)");
      continue;
    }
    check_invalid(s, &err, &buf, cs);
  }
  juno_buf_free(&any_confidence);
  for (i = 0; i < ncals; i++) juno_buf_free(&cals[i].json);
}

static void replay_velocity(const juno *j, const mj_value *v) {
  const mj_value *cases = mj_get(v, "analyze");
  const mj_value *teams = mj_get(v, "analyze_teams");
  const mj_value *invalid = mj_get(v, "invalid");
  juno_error *err = NULL;
  size_t i, k;
  CHECK(mj_len(cases) > 0 && mj_len(teams) > 0 && mj_len(invalid) > 0,
        "velocity stage incomplete");
  for (i = 0; i < mj_len(cases); i++) {
    const mj_value *cs = mj_at(cases, i);
    const mj_value *sprints = mj_get(cs, "sprints");
    const char *name = mj_str(mj_get(cs, "name"));
    juno_buf buf = {NULL, 0};
    mj_value *got;
    if (!ok(juno_velocity_analyze(j, sprints->src, sprints->src_len, &buf, &err), &err, name)) {
      continue;
    }
    got = mj_parse((const char *)buf.data, buf.len, NULL, 0);
    check_expect(got, cs, name);
    mj_free(got);
    check_explain(juno_velocity_explain, (const char *)buf.data, buf.len, cs, name);
    juno_buf_free(&buf);
  }
  for (i = 0; i < mj_len(teams); i++) {
    const mj_value *cs = mj_at(teams, i);
    const mj_value *in = mj_get(cs, "teams"), *order = mj_get(cs, "expect_teams");
    const char *name = mj_str(mj_get(cs, "name"));
    juno_buf buf = {NULL, 0};
    mj_value *got;
    if (!ok(juno_velocity_analyze_teams(j, in->src, in->src_len, &buf, &err), &err, name)) {
      continue;
    }
    got = parse_buf(&buf, name);
    CHECK(got != NULL && got->count == mj_len(order), "%s: %zu teams", name, mj_len(got));
    for (k = 0; got != NULL && k < got->count && k < mj_len(order); k++) {
      CHECK(mj_str_eq(mj_at(order, k), got->items[k].key), "%s: team %zu is %s", name, k,
            got->items[k].key);
    }
    check_expect(got, cs, name);
    mj_free(got);
  }
  for (i = 0; i < mj_len(invalid); i++) {
    const mj_value *cs = mj_at(invalid, i);
    const mj_value *sprints = mj_get(cs, "sprints");
    juno_buf buf = {NULL, 0};
    juno_status s = juno_velocity_analyze(j, sprints->src, sprints->src_len, &buf, &err);
    check_invalid(s, &err, &buf, cs);
  }
}

static juno_status scan(const juno *j, const char *tickets, size_t tickets_len,
                        const mj_value *cs, juno_buf *out, juno_error **err) {
  const mj_value *settings = mj_get(cs, "settings");
  int64_t now_ms = 0;
  int has_now = mj_int(mj_get(cs, "now_ms"), &now_ms);
  return juno_triage_scan(j, tickets, tickets_len, settings != NULL ? settings->src : NULL,
                          settings != NULL ? settings->src_len : 0, has_now ? &now_ms : NULL,
                          out, err);
}

static void replay_triage(const juno *j, const mj_value *t) {
  const mj_value *tickets = mj_get(t, "tickets");
  const mj_value *scans = mj_get(t, "scans");
  const mj_value *invalid = mj_get(t, "invalid");
  juno_error *err = NULL;
  size_t i, k;
  CHECK(mj_len(tickets) > 0 && mj_len(scans) > 0 && mj_len(invalid) > 0,
        "triage stage incomplete");
  for (i = 0; i < mj_len(scans); i++) {
    const mj_value *cs = mj_at(scans, i);
    const mj_value *keys = mj_get(cs, "expect_keys");
    const char *name = mj_str(mj_get(cs, "name"));
    juno_buf buf = {NULL, 0};
    mj_value *got;
    if (!ok(scan(j, tickets->src, tickets->src_len, cs, &buf, &err), &err, name)) continue;
    got = parse_buf(&buf, name);
    check_expect(got, cs, name);
    if (keys != NULL) {
      CHECK(mj_len(got) == mj_len(keys), "%s: %zu proposals, want %zu", name, mj_len(got),
            mj_len(keys));
      for (k = 0; k < mj_len(got) && k < mj_len(keys); k++) {
        CHECK(mj_equal(mj_get(mj_at(got, k), "key"), mj_at(keys, k)), "%s: proposal %zu is %s",
              name, k, mj_str(mj_get(mj_at(got, k), "key")));
      }
    }
    if (mj_len(got) > 0) {
      const mj_value *first = mj_at(got, 0);
      check_explain(juno_triage_explain, first->src, first->src_len, cs, name);
    }
    mj_free(got);
  }
  for (i = 0; i < mj_len(invalid); i++) {
    const mj_value *cs = mj_at(invalid, i);
    const mj_value *ticket = mj_get(cs, "ticket");
    juno_buf buf = {NULL, 0};
    juno_status s;
    if (ticket != NULL) {
      text one = {NULL, 0, 0};
      text_str(&one, "[");
      text_add(&one, ticket->src, ticket->src_len);
      text_str(&one, "]");
      s = scan(j, one.data, one.len, cs, &buf, &err);
      free(one.data);
    } else {
      s = scan(j, tickets->src, tickets->src_len, cs, &buf, &err);
    }
    check_invalid(s, &err, &buf, cs);
  }
}

static void replay_monte_carlo(const mj_value *mc) {
  const mj_value *cases = mj_get(mc, "cases");
  const mj_value *invalid = mj_get(mc, "invalid");
  juno_error *err = NULL;
  size_t i;
  CHECK(mj_len(cases) > 0 && mj_len(invalid) > 0, "monte carlo stage incomplete");
  for (i = 0; i < mj_len(cases); i++) {
    const mj_value *cs = mj_at(cases, i);
    const mj_value *in = mj_get(cs, "input");
    const char *name = mj_str(mj_get(cs, "name"));
    juno_buf buf = {NULL, 0};
    mj_value *got;
    if (!ok(juno_forecast_monte_carlo(in->src, in->src_len, &buf, &err), &err, name)) continue;
    got = parse_buf(&buf, name);
    check_expect(got, cs, name);
    mj_free(got);
  }
  /* Every invalid case is refused, the `refused_by: validate` ones by the core's one check. */
  for (i = 0; i < mj_len(invalid); i++) {
    const mj_value *cs = mj_at(invalid, i);
    const mj_value *in = mj_get(cs, "input");
    juno_buf buf = {NULL, 0};
    juno_status s = juno_forecast_monte_carlo(in->src, in->src_len, &buf, &err);
    check_invalid(s, &err, &buf, cs);
  }
}

static void replay_fixture(const mj_value *f) {
  int64_t now_ms = 0;
  juno *j = NULL;
  juno_error *err = NULL;
  CHECK(mj_num(mj_get(f, "tolerance"), &tolerance) && tolerance > 0, "no tolerance");
  CHECK(mj_int(mj_get(f, "now_ms"), &now_ms), "no now_ms");
  if (!ok(juno_open_in_memory(&j, &err), &err, "open_in_memory")) return;
  ok(juno_set_clock(j, now_ms, &err), &err, "set_clock(now)");
  record_outcomes(j, mj_get(f, "outcomes"));
  replay_reasoning(j, mj_get(f, "reasoning"));
  replay_velocity(j, mj_get(f, "velocity"));
  replay_triage(j, mj_get(f, "triage"));
  replay_monte_carlo(mj_get(f, "monte_carlo"));
  juno_free(j);
}

/* ---- the boundary ------------------------------------------------------------------ */

static void test_boundary(void) {
  static char sentinel_data[] = "untouched";
  /* A valid MonteCarloInput if arrays were read as structs: every field, in order. */
  static const char mc_array[] = "[40,null,0,10,10,[],[],100,1]";
  static const char bad_utf8[] = "{\"items\":[\"\xff\"]}";
  juno *j = NULL;
  juno_error *err = NULL;
  juno_buf buf = {(uint8_t *)sentinel_data, 9};
  int64_t far = INT64_MAX;
  static const char ev[] = "{\"completeness\":1.0}";

  if (!ok(juno_open_in_memory(&j, &err), &err, "open_in_memory")) return;

  /* NULL where a pointer is required. */
  fails_with(juno_reasoning_confidence(NULL, ev, strlen(ev), NULL, 0, NULL, 0, NULL, 0, &buf,
                                       &err),
             &err, JUNO_STATUS_NULL_PARAMETER, "confidence(j NULL)");
  fails_with(juno_reasoning_confidence(j, NULL, 0, NULL, 0, NULL, 0, NULL, 0, &buf, &err), &err,
             JUNO_STATUS_NULL_PARAMETER, "confidence(evidence NULL)");
  fails_with(juno_reasoning_confidence(j, ev, strlen(ev), NULL, 0, NULL, 0, NULL, 0, NULL, &err),
             &err, JUNO_STATUS_NULL_PARAMETER, "confidence(out NULL)");
  fails_with(juno_reasoning_explain(NULL, 0, NULL, 0, &buf, &err), &err,
             JUNO_STATUS_NULL_PARAMETER, "explain(json NULL)");
  fails_with(juno_reasoning_calibrate(NULL, "[]", 2, &buf, &err), &err,
             JUNO_STATUS_NULL_PARAMETER, "calibrate(j NULL)");
  fails_with(juno_velocity_analyze(j, NULL, 0, &buf, &err), &err, JUNO_STATUS_NULL_PARAMETER,
             "velocity(sprints NULL)");
  fails_with(juno_velocity_analyze_teams(j, "{}", 2, NULL, &err), &err,
             JUNO_STATUS_NULL_PARAMETER, "velocity teams(out NULL)");
  fails_with(juno_velocity_explain("{}", 2, NULL, 0, NULL, &err), &err,
             JUNO_STATUS_NULL_PARAMETER, "velocity explain(out NULL)");
  fails_with(juno_triage_scan(NULL, "[]", 2, NULL, 0, NULL, &buf, &err), &err,
             JUNO_STATUS_NULL_PARAMETER, "triage(j NULL)");
  fails_with(juno_triage_explain(NULL, 0, "basic", 5, &buf, &err), &err,
             JUNO_STATUS_NULL_PARAMETER, "triage explain(json NULL)");
  fails_with(juno_forecast_monte_carlo(NULL, 0, &buf, &err), &err, JUNO_STATUS_NULL_PARAMETER,
             "monte carlo(input NULL)");

  /* Malformed JSON, a time out of range, one of team and action: invalid input. */
  fails_with(juno_reasoning_confidence(j, "{\"completeness\":", 16, NULL, 0, NULL, 0, NULL, 0,
                                       &buf, &err),
             &err, JUNO_STATUS_INVALID_INPUT, "confidence(malformed JSON)");
  fails_with(juno_reasoning_confidence(j, ev, strlen(ev), "team_alpha", 10, NULL, 0, NULL, 0,
                                       &buf, &err),
             &err, JUNO_STATUS_INVALID_INPUT, "confidence(team without action)");
  fails_with(juno_velocity_explain("[1,2]", 5, "basic", 5, &buf, &err), &err,
             JUNO_STATUS_INVALID_INPUT, "velocity explain(not a report)");
  fails_with(juno_triage_scan(j, "[]", 2, NULL, 0, &far, &buf, &err), &err,
             JUNO_STATUS_INVALID_INPUT, "triage(now out of range)");
  fails_with(juno_triage_scan(j, "[]", 2, "{\"max_proposals\":", 17, NULL, &buf, &err), &err,
             JUNO_STATUS_INVALID_INPUT, "triage(malformed settings)");
  /* serde would read an array as a struct's fields in order; JUNO wants objects. */
  fails_with(juno_velocity_analyze(j, "[[\"s1\",5,3]]", 12, &buf, &err), &err,
             JUNO_STATUS_INVALID_INPUT, "velocity(a sprint as an array)");
  fails_with(juno_forecast_monte_carlo(mc_array, sizeof mc_array - 1, &buf, &err), &err,
             JUNO_STATUS_INVALID_INPUT, "monte carlo(input as an array)");
  fails_with(juno_velocity_analyze_teams(j, "{\"a\":[[\"s1\",5,3]]}", 18, &buf, &err), &err,
             JUNO_STATUS_INVALID_INPUT, "velocity teams(a sprint as an array)");
  fails_with(juno_reasoning_confidence(j, bad_utf8, sizeof bad_utf8 - 1, NULL, 0, NULL, 0, NULL,
                                       0, &buf, &err),
             &err, JUNO_STATUS_INVALID_UTF8, "confidence(invalid UTF-8)");
  CHECK(buf.data == (uint8_t *)sentinel_data && buf.len == 9, "output written on failure");

  /* An empty triage is an empty array; the explanation of a report is text. */
  buf.data = NULL;
  buf.len = 0;
  if (ok(juno_triage_scan(j, "[]", 2, NULL, 0, NULL, &buf, &err), &err, "triage([])")) {
    CHECK(buf.len == 2 && memcmp(buf.data, "[]", 2) == 0, "empty triage: %s", buf.data);
    juno_buf_free(&buf);
  }
  if (ok(juno_velocity_analyze(j, "[]", 2, &buf, &err), &err, "velocity([])")) {
    juno_buf text_buf = {NULL, 0};
    if (ok(juno_velocity_explain((const char *)buf.data, buf.len, NULL, 0, &text_buf, &err),
           &err, "velocity explain(detailed by default)")) {
      CHECK(strstr((const char *)text_buf.data, "over 0 sprints") != NULL, "explanation: %s",
            text_buf.data);
      juno_buf_free(&text_buf);
    }
    juno_buf_free(&buf);
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

  test_boundary();

  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 && passed > 0 ? 0 : 1;
}
