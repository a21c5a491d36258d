/*
 * C tests of the sprint forecaster and the flow analysis of the JUNO C ABI
 * (include/juno.h): juno_forecast_{sprint,sprints,explain,record,observations,retrain,model}
 * and juno_flow_analyze.
 *
 * Usage: test_forecast FIXTURE_JSON
 *
 * Replays the shared fixture tests/fixtures/forecast_fixture.json with the same steps and
 * assertions as the Rust replay (juno-core/tests/forecast_fixture.rs): sprint forecasts
 * whose category scores, overall score, level, recommendations and simulation are checked
 * by hand, a batch, invalid input naming its field, a record → retrain → forecast round
 * trip on a fresh engine (too little history first, then model v1 supplying the
 * probability), and the flow analysis of the fixture file its `flow.input_from` names (in
 * the same directory). Then checks the boundary: NULL parameters, outputs untouched on
 * failure, malformed or array-shaped JSON, JSON null for "no model". Prints
 * "N passed, M failed" last and exits non-zero on any failure. Run by tests/c/run.sh under
 * ASan/UBSan and valgrind.
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

/* The optional JSON member `key` of `v` as a (pointer, length) pair: NULL, 0 if absent. */
static const char *src_of(const mj_value *v, const char *key, size_t *len) {
  const mj_value *m = mj_get(v, key);
  *len = m != NULL ? m->src_len : 0;
  return m != NULL ? m->src : NULL;
}

/* juno_forecast_sprint with a case's `state` and optional `history`. */
static juno_status forecast_of(const juno *j, const mj_value *cs, juno_buf *out,
                               juno_error **err) {
  size_t state_len, history_len;
  const char *state = src_of(cs, "state", &state_len);
  const char *history = src_of(cs, "history", &history_len);
  return juno_forecast_sprint(j, state, state_len, history, history_len, out, err);
}

/* A new in-memory engine at the fixture's clock, or NULL (and a failed check). */
static juno *open_engine(int64_t now_ms) {
  juno *j = NULL;
  juno_error *err = NULL;
  if (!ok(juno_open_in_memory(&j, &err), &err, "open_in_memory")) return NULL;
  ok(juno_set_clock(j, now_ms, &err), &err, "set_clock(now)");
  return j;
}

/* Checks that `got`'s p_deliver_80 lies in the step's `p_deliver_80_between`, if given. */
static void check_between(const mj_value *got, const mj_value *step, const char *name) {
  const mj_value *range = mj_get(step, "p_deliver_80_between");
  double p = -1.0, lo = 0.0, hi = 0.0;
  if (range == NULL) return;
  CHECK(mj_num(mj_get(got, "p_deliver_80"), &p) && mj_num(mj_at(range, 0), &lo) &&
            mj_num(mj_at(range, 1), &hi) && p >= lo && p <= hi,
        "%s: p = %g outside [%g, %g]", name, p, lo, hi);
}

/* ---- forecasts --------------------------------------------------------------------- */

static void replay_sprints(const juno *j, const mj_value *f) {
  const mj_value *cases = mj_get(f, "sprint");
  const mj_value *batches = mj_get(f, "sprints");
  juno_error *err = NULL;
  size_t i, k;
  CHECK(mj_len(cases) > 0 && mj_len(batches) > 0, "sprint stage incomplete");
  for (i = 0; i < mj_len(cases); i++) {
    const mj_value *cs = mj_at(cases, i);
    const char *name = mj_str(mj_get(cs, "name"));
    juno_buf buf = {NULL, 0};
    mj_value *got;
    if (!ok(forecast_of(j, cs, &buf, &err), &err, name)) continue;
    got = mj_parse((const char *)buf.data, buf.len, NULL, 0);
    CHECK(got != NULL, "%s: output is not JSON", name);
    check_expect(got, cs, name);
    mj_free(got);
    check_explain(juno_forecast_explain, (const char *)buf.data, buf.len, cs, name);
    juno_buf_free(&buf);
  }
  for (i = 0; i < mj_len(batches); i++) {
    const mj_value *cs = mj_at(batches, i);
    const mj_value *items = mj_get(cs, "items");
    const char *name = mj_str(mj_get(cs, "name"));
    juno_buf buf = {NULL, 0};
    mj_value *got;
    if (!ok(juno_forecast_sprints(j, items->src, items->src_len, &buf, &err), &err, name)) {
      continue;
    }
    got = parse_buf(&buf, name);
    check_expect(got, cs, name);
    /* A batch is the single forecasts, in order. */
    for (k = 0; got != NULL && k < mj_len(items); k++) {
      juno_buf one = {NULL, 0};
      if (ok(forecast_of(j, mj_at(items, k), &one, &err), &err, name)) {
        mj_value *single = parse_buf(&one, name);
        CHECK(mj_equal(mj_at(got, k), single), "%s: item %zu differs from its single forecast",
              name, k);
        mj_free(single);
      }
    }
    mj_free(got);
  }
}

static void replay_invalid(juno *j, const mj_value *f) {
  const mj_value *invalid = mj_get(f, "invalid");
  juno_buf first = {NULL, 0};
  juno_error *err = NULL;
  size_t i;
  CHECK(mj_len(invalid) > 0, "invalid stage incomplete");
  ok(forecast_of(j, mj_at(mj_get(f, "sprint"), 0), &first, &err), &err, "first forecast");
  for (i = 0; i < mj_len(invalid); i++) {
    const mj_value *cs = mj_at(invalid, i);
    const char *call = mj_str(mj_get(cs, "call"));
    juno_buf buf = {NULL, 0};
    juno_status s;
    size_t len;
    const char *json;
    if (call != NULL && strcmp(call, "sprint") == 0) {
      s = forecast_of(j, cs, &buf, &err);
    } else if (call != NULL && strcmp(call, "sprints") == 0) {
      json = src_of(cs, "items", &len);
      s = juno_forecast_sprints(j, json, len, &buf, &err);
    } else if (call != NULL && strcmp(call, "record") == 0) {
      json = src_of(cs, "observation", &len);
      s = juno_forecast_record(j, json, len, &buf, &err);
    } else if (call != NULL && strcmp(call, "explain") == 0) {
      const mj_value *level = mj_get(cs, "level");
      s = juno_forecast_explain((const char *)first.data, first.len, mj_str(level),
                                level != NULL ? level->string_len : 0, &buf, &err);
    } else {
      CHECK(0, "unknown call %s", call != NULL ? call : "(none)");
      continue;
    }
    check_invalid(s, &err, &buf, cs);
  }
  juno_buf_free(&first);
  /* Nothing invalid was recorded. */
  {
    juno_buf buf = {NULL, 0};
    if (ok(juno_forecast_observations(j, &buf, &err), &err, "observations after invalid")) {
      CHECK(buf.len == 2 && memcmp(buf.data, "[]", 2) == 0, "recorded: %s", buf.data);
      juno_buf_free(&buf);
    }
  }
}

/* ---- record → retrain → forecast --------------------------------------------------- */

static void round_trip_step(juno *j, const mj_value *rt, const mj_value *step, size_t n) {
  const char *what = mj_str(mj_get(step, "do"));
  const mj_value *observations = mj_get(rt, "observations");
  juno_buf buf = {NULL, 0};
  juno_error *err = NULL;
  char name[96];
  mj_value *got;
  snprintf(name, sizeof name, "round_trip.steps[%zu] %s", n, what != NULL ? what : "?");
  if (what == NULL) {
    CHECK(0, "%s: no step", name);
  } else if (strcmp(what, "record") == 0) {
    const mj_value *range = mj_get(step, "range");
    int64_t from = 0, to = 0, i;
    CHECK(mj_int(mj_at(range, 0), &from) && mj_int(mj_at(range, 1), &to) && from <= to &&
              (size_t)to <= mj_len(observations),
          "%s: bad range", name);
    for (i = from; i < to && (size_t)to <= mj_len(observations); i++) {
      const mj_value *o = mj_at(observations, (size_t)i);
      if (!ok(juno_forecast_record(j, o->src, o->src_len, &buf, &err), &err, name)) continue;
      got = parse_buf(&buf, name);
      check_expect(got, step, name);
      mj_free(got);
    }
  } else if (strcmp(what, "retrain") == 0 || strcmp(what, "model") == 0) {
    juno_status s = strcmp(what, "retrain") == 0 ? juno_forecast_retrain(j, &buf, &err)
                                                  : juno_forecast_model(j, &buf, &err);
    if (ok(s, &err, name)) {
      got = parse_buf(&buf, name);
      check_expect(got, step, name);
      mj_free(got);
    }
  } else if (strcmp(what, "observations") == 0) {
    const mj_value *want = mj_get(step, "expect_sprints");
    size_t i;
    if (ok(juno_forecast_observations(j, &buf, &err), &err, name)) {
      got = parse_buf(&buf, name);
      CHECK(mj_len(got) == mj_len(want) && mj_len(want) >= 30, "%s: %zu observations", name,
            mj_len(got));
      for (i = 0; i < mj_len(got) && i < mj_len(want); i++) {
        const mj_value *sprint = mj_get(mj_get(mj_at(got, i), "state"), "sprint");
        CHECK(mj_equal(sprint, mj_at(want, i)), "%s: observation %zu is %s", name, i,
              mj_str(sprint));
      }
      mj_free(got);
    }
  } else if (strcmp(what, "forecast") == 0) {
    if (ok(forecast_of(j, step, &buf, &err), &err, name)) {
      got = parse_buf(&buf, name);
      check_expect(got, step, name);
      check_between(got, step, name);
      mj_free(got);
    }
  } else {
    CHECK(0, "%s: unknown step", name);
  }
}

static void replay_round_trip(const mj_value *f, int64_t now_ms) {
  const mj_value *rt = mj_get(f, "round_trip");
  const mj_value *steps = mj_get(rt, "steps");
  juno *j = open_engine(now_ms);
  size_t i;
  CHECK(mj_len(steps) > 0 && mj_len(mj_get(rt, "observations")) >= 30,
        "round trip stage incomplete");
  if (j == NULL) return;
  for (i = 0; i < mj_len(steps); i++) round_trip_step(j, rt, mj_at(steps, i), i);
  juno_free(j);
}

/* ---- flow -------------------------------------------------------------------------- */

static juno_status flow_of(const juno *j, const mj_value *cs, const mj_value *base,
                           juno_buf *out, juno_error **err) {
  const mj_value *input = mj_get(cs, "input");
  size_t settings_len;
  const char *settings = src_of(cs, "settings", &settings_len);
  int64_t now_ms = 0;
  int has_now = mj_int(mj_get(cs, "now_ms"), &now_ms);
  if (input == NULL) input = mj_get(base, "input");
  return juno_flow_analyze(j, input->src, input->src_len, settings, settings_len,
                           has_now ? &now_ms : NULL, out, err);
}

static void replay_flow(const juno *j, const mj_value *f, const char *fixture_path) {
  const mj_value *flow = mj_get(f, "flow");
  const mj_value *cases = mj_get(flow, "cases");
  const mj_value *invalid = mj_get(flow, "invalid");
  const char *slash = strrchr(fixture_path, '/');
  const char *from = mj_str(mj_get(flow, "input_from"));
  text path = {NULL, 0, 0};
  char *base_text;
  size_t len = 0, i;
  mj_value *base;
  juno_error *err = NULL;
  char msg[160];

  CHECK(from != NULL && mj_len(cases) > 0 && mj_len(invalid) > 0, "flow stage incomplete");
  if (from == NULL) return;
  /* The flow input lives next to this fixture. */
  if (slash != NULL) text_add(&path, fixture_path, (size_t)(slash - fixture_path) + 1);
  text_str(&path, from);
  base_text = path.data != NULL ? read_file(path.data, &len) : NULL;
  CHECK(base_text != NULL, "cannot read %s", path.data != NULL ? path.data : "(none)");
  free(path.data);
  if (base_text == NULL) return;
  base = mj_parse(base_text, len, msg, sizeof msg);
  CHECK(base != NULL, "flow fixture is not JSON: %s", msg);

  for (i = 0; base != NULL && i < mj_len(cases); i++) {
    const mj_value *cs = mj_at(cases, i);
    const char *name = mj_str(mj_get(cs, "name"));
    juno_buf buf = {NULL, 0}, again = {NULL, 0};
    mj_value *got;
    if (!ok(flow_of(j, cs, base, &buf, &err), &err, name)) continue;
    /* Idempotent: the same history gives the same report, byte for byte. */
    if (ok(flow_of(j, cs, base, &again, &err), &err, name)) {
      CHECK(again.len == buf.len && memcmp(again.data, buf.data, buf.len) == 0,
            "%s: a second analysis differs", name);
      juno_buf_free(&again);
    }
    got = parse_buf(&buf, name);
    check_expect(got, cs, name);
    mj_free(got);
  }
  for (i = 0; base != NULL && i < mj_len(invalid); i++) {
    const mj_value *cs = mj_at(invalid, i);
    juno_buf buf = {NULL, 0};
    juno_status s = flow_of(j, cs, base, &buf, &err);
    check_invalid(s, &err, &buf, cs);
  }
  mj_free(base);
  free(base_text);
}

static void replay_fixture(const mj_value *f, const char *path) {
  int64_t now_ms = 0;
  juno *j;
  CHECK(mj_num(mj_get(f, "tolerance"), &tolerance) && tolerance > 0, "no tolerance");
  CHECK(mj_int(mj_get(f, "now_ms"), &now_ms), "no now_ms");
  j = open_engine(now_ms);
  if (j == NULL) return;
  replay_sprints(j, f);
  replay_invalid(j, f);
  replay_flow(j, f, path);
  juno_free(j);
  replay_round_trip(f, now_ms);
}

/* ---- the boundary ------------------------------------------------------------------ */

static void test_boundary(void) {
  static char sentinel_data[] = "untouched";
  /* A valid SprintState if arrays were read as structs: the first fields, in order. */
  static const char state_array[] = "[\"alpha\",\"S1\",20]";
  static const char state[] = "{\"team\":\"alpha\",\"sprint\":\"S1\",\"committed_points\":20,"
                              "\"days_planned\":10}";
  static const char bad_utf8[] = "{\"team\":\"\xff\"}";
  static const char flow_in[] = "{\"tickets\":[]}";
  juno *j = NULL;
  juno_error *err = NULL;
  juno_buf buf = {(uint8_t *)sentinel_data, 9};
  int64_t far = INT64_MAX;

  if (!ok(juno_open_in_memory(&j, &err), &err, "open_in_memory")) return;

  /* NULL where a pointer is required. */
  fails_with(juno_forecast_sprint(NULL, state, strlen(state), NULL, 0, &buf, &err), &err,
             JUNO_STATUS_NULL_PARAMETER, "sprint(j NULL)");
  fails_with(juno_forecast_sprint(j, NULL, 0, NULL, 0, &buf, &err), &err,
             JUNO_STATUS_NULL_PARAMETER, "sprint(state NULL)");
  fails_with(juno_forecast_sprint(j, state, strlen(state), NULL, 0, NULL, &err), &err,
             JUNO_STATUS_NULL_PARAMETER, "sprint(out NULL)");
  fails_with(juno_forecast_sprints(j, NULL, 0, &buf, &err), &err, JUNO_STATUS_NULL_PARAMETER,
             "sprints(items NULL)");
  fails_with(juno_forecast_explain(NULL, 0, NULL, 0, &buf, &err), &err,
             JUNO_STATUS_NULL_PARAMETER, "explain(json NULL)");
  fails_with(juno_forecast_record(NULL, "{}", 2, &buf, &err), &err, JUNO_STATUS_NULL_PARAMETER,
             "record(j NULL)");
  fails_with(juno_forecast_record(j, "{}", 2, NULL, &err), &err, JUNO_STATUS_NULL_PARAMETER,
             "record(out NULL)");
  fails_with(juno_forecast_observations(NULL, &buf, &err), &err, JUNO_STATUS_NULL_PARAMETER,
             "observations(j NULL)");
  fails_with(juno_forecast_retrain(j, NULL, &err), &err, JUNO_STATUS_NULL_PARAMETER,
             "retrain(out NULL)");
  fails_with(juno_forecast_model(NULL, &buf, &err), &err, JUNO_STATUS_NULL_PARAMETER,
             "model(j NULL)");
  fails_with(juno_flow_analyze(NULL, flow_in, strlen(flow_in), NULL, 0, NULL, &buf, &err), &err,
             JUNO_STATUS_NULL_PARAMETER, "flow(j NULL)");
  fails_with(juno_flow_analyze(j, flow_in, strlen(flow_in), NULL, 0, NULL, NULL, &err), &err,
             JUNO_STATUS_NULL_PARAMETER, "flow(out NULL)");

  /* Malformed or array-shaped JSON, bad UTF-8, a time out of range: invalid input. */
  fails_with(juno_forecast_sprint(j, "{\"team\":", 8, NULL, 0, &buf, &err), &err,
             JUNO_STATUS_INVALID_INPUT, "sprint(malformed JSON)");
  fails_with(juno_forecast_sprint(j, state_array, sizeof state_array - 1, NULL, 0, &buf, &err),
             &err, JUNO_STATUS_INVALID_INPUT, "sprint(state as an array)");
  fails_with(juno_forecast_sprint(j, state, strlen(state), "[[]]", 4, &buf, &err), &err,
             JUNO_STATUS_INVALID_INPUT, "sprint(history as an array)");
  fails_with(juno_forecast_sprints(j, "{}", 2, &buf, &err), &err, JUNO_STATUS_INVALID_INPUT,
             "sprints(not an array)");
  fails_with(juno_forecast_sprints(j, "[[{},{}]]", 9, &buf, &err), &err,
             JUNO_STATUS_INVALID_INPUT, "sprints(an item as an array)");
  fails_with(juno_forecast_explain("[1]", 3, NULL, 0, &buf, &err), &err,
             JUNO_STATUS_INVALID_INPUT, "explain(not a forecast)");
  fails_with(juno_forecast_sprint(j, bad_utf8, sizeof bad_utf8 - 1, NULL, 0, &buf, &err), &err,
             JUNO_STATUS_INVALID_UTF8, "sprint(invalid UTF-8)");
  fails_with(juno_flow_analyze(j, "[]", 2, NULL, 0, NULL, &buf, &err), &err,
             JUNO_STATUS_INVALID_INPUT, "flow(input as an array)");
  fails_with(juno_flow_analyze(j, flow_in, strlen(flow_in), NULL, 0, &far, &buf, &err), &err,
             JUNO_STATUS_INVALID_INPUT, "flow(now out of range)");
  CHECK(buf.data == (uint8_t *)sentinel_data && buf.len == 9, "output written on failure");

  /* No model yet is JSON null; nothing recorded is an empty array; a retrain without
   * history says why; an empty flow input has no teams. */
  buf.data = NULL;
  buf.len = 0;
  if (ok(juno_forecast_model(j, &buf, &err), &err, "model(none)")) {
    CHECK(buf.len == 4 && memcmp(buf.data, "null", 4) == 0, "no model: %s", buf.data);
    juno_buf_free(&buf);
  }
  if (ok(juno_forecast_retrain(j, &buf, &err), &err, "retrain(nothing recorded)")) {
    mj_value *r = parse_buf(&buf, "retrain");
    const mj_value *trained = mj_get(r, "trained");
    const char *reason = mj_str(mj_get(r, "reason"));
    CHECK(trained != NULL && trained->type == MJ_BOOL && !trained->boolean,
          "retrain without history trained a model");
    CHECK(reason != NULL && strstr(reason, "0 recorded sprints") != NULL, "reason: %s",
          reason != NULL ? reason : "(none)");
    mj_free(r);
  }
  if (ok(juno_flow_analyze(j, flow_in, strlen(flow_in), NULL, 0, NULL, &buf, &err), &err,
         "flow(no tickets)")) {
    mj_value *r = parse_buf(&buf, "flow");
    CHECK(r != NULL && mj_len(mj_get(r, "teams")) == 0, "teams without tickets");
    mj_free(r);
  }
  /* NULL level is `detailed`. */
  if (ok(juno_forecast_sprint(j, state, strlen(state), NULL, 0, &buf, &err), &err, "sprint")) {
    juno_buf detailed = {NULL, 0}, by_default = {NULL, 0};
    if (ok(juno_forecast_explain((const char *)buf.data, buf.len, "detailed", 8, &detailed,
                                 &err),
           &err, "explain(detailed)") &&
        ok(juno_forecast_explain((const char *)buf.data, buf.len, NULL, 0, &by_default, &err),
           &err, "explain(NULL level)")) {
      CHECK(detailed.len == by_default.len &&
                memcmp(detailed.data, by_default.data, detailed.len) == 0,
            "NULL level is not detailed");
      CHECK(strstr((const char *)detailed.data, "- velocity: ") != NULL, "explanation: %s",
            detailed.data);
    }
    juno_buf_free(&detailed);
    juno_buf_free(&by_default);
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
  if (fixture != NULL) replay_fixture(fixture, argv[1]);
  mj_free(fixture);
  free(text_in);

  test_boundary();

  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 && passed > 0 ? 0 : 1;
}
