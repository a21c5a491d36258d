/*
 * C tests of the JUNO C ABI (include/juno.h).
 *
 * Usage: test_juno FIXTURE_JSON SCRATCH_DIR
 *
 * Replays the shared fixture tests/fixtures/memory_fixture.json with the same assertions
 * as the Rust replay (juno-core/tests/fixture.rs), then checks the boundary: NULL
 * parameters, invalid UTF-8, error mapping for files, _free(NULL) no-ops, persistence,
 * backup and concurrent use of one handle. Prints "N passed, M failed" last and exits
 * non-zero on any failure. Run by tests/c/run.sh under ASan/UBSan and valgrind.
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "juno.h"
#include "mini_json.h"

#include "check.h"

static void path_join(char *out, size_t cap, const char *dir, const char *name) {
  snprintf(out, cap, "%s/%s", dir, name);
}

/* Total memories, from juno_memory_stats; -1 on failure. */
static int64_t total_of(const juno *j) {
  juno_buf buf = {NULL, 0};
  juno_error *err = NULL;
  int64_t total = -1;
  mj_value *stats;
  if (!ok(juno_memory_stats(j, &buf, &err), &err, "stats")) return -1;
  stats = parse_buf(&buf, "stats");
  if (!mj_int(mj_get(stats, "total"), &total)) total = -1;
  mj_free(stats);
  return total;
}

/* ---- the fixture replay ------------------------------------------------------------ */

static int contains_key(const mj_value *arr, const char *key) {
  size_t i;
  for (i = 0; i < mj_len(arr); i++) {
    if (mj_str_eq(mj_at(arr, i), key)) return 1;
  }
  return 0;
}

static void check_recalls(juno *j, const mj_value *cases) {
  size_t c;
  CHECK(mj_len(cases) > 0, "no recall cases");
  for (c = 0; c < mj_len(cases); c++) {
    const mj_value *cs = mj_at(cases, c);
    const char *name = mj_str(mj_get(cs, "name"));
    const mj_value *query = mj_get(cs, "query");
    const mj_value *want;
    juno_buf buf = {NULL, 0};
    juno_error *err = NULL;
    mj_value *hits;
    const char *keys[64];
    size_t n, i;
    if (name == NULL || query == NULL) {
      CHECK(0, "recall case %zu has no name or query", c);
      continue;
    }
    if (!ok(juno_memory_recall(j, query->src, query->src_len, &buf, &err), &err, name)) continue;
    hits = parse_buf(&buf, name);
    n = mj_len(hits);
    CHECK(hits != NULL && hits->type == MJ_ARRAY, "%s: hits are not an array", name);
    CHECK(n <= 64, "%s: too many hits", name);
    for (i = 0; i < n && i < 64; i++) {
      keys[i] = mj_str(mj_get(mj_get(mj_at(hits, i), "memory"), "key"));
      CHECK(keys[i] != NULL, "%s: hit %zu has no key", name, i);
      if (keys[i] == NULL) keys[i] = "";
    }
    if ((want = mj_get(cs, "expect_order")) != NULL) {
      int same = mj_len(want) == n;
      for (i = 0; same && i < n; i++) same = mj_str_eq(mj_at(want, i), keys[i]);
      CHECK(same, "%s: expect_order mismatch (%zu hits, want %zu)", name, n, mj_len(want));
    }
    if ((want = mj_get(cs, "expect_first")) != NULL) {
      CHECK(n > 0 && mj_str_eq(want, keys[0]), "%s: first is %s, want %s", name,
            n > 0 ? keys[0] : "(none)", mj_str(want));
    }
    if ((want = mj_get(cs, "expect_set")) != NULL) {
      /* Same set: every hit expected, no duplicate hit, and as many hits as expected. */
      int same = mj_len(want) == n;
      size_t k;
      for (i = 0; same && i < n; i++) {
        same = contains_key(want, keys[i]);
        for (k = 0; same && k < i; k++) same = strcmp(keys[k], keys[i]) != 0;
      }
      CHECK(same, "%s: expect_set mismatch (%zu hits, want %zu)", name, n, mj_len(want));
    }
    /* Scores are sorted and each explanation adds up to its score. */
    for (i = 0; i < n; i++) {
      const mj_value *hit = mj_at(hits, i);
      const mj_value *expl = mj_get(hit, "explanation");
      const mj_value *comps = mj_get(expl, "components");
      const mj_value *terms = mj_get(expl, "terms");
      double score = NAN, next = NAN, sum = 0, x = 0, text = 0, tsum = 0;
      size_t k;
      CHECK(mj_num(mj_get(hit, "score"), &score), "%s: hit without score", name);
      if (i + 1 < n && mj_num(mj_get(mj_at(hits, i + 1), "score"), &next)) {
        CHECK(score >= next, "%s: scores not sorted at %zu", name, i);
      }
      CHECK(mj_len(comps) == 4, "%s: %zu score components, want 4", name, mj_len(comps));
      for (k = 0; k < mj_len(comps); k++) {
        if (mj_num(mj_get(mj_at(comps, k), "contribution"), &x)) sum += x;
      }
      CHECK(fabs(sum - score) < 1e-9, "%s: components add up to %g, score %g", name, sum, score);
      if (mj_get(query, "text") != NULL) {
        mj_num(mj_get(mj_at(comps, 0), "contribution"), &text);
        for (k = 0; k < mj_len(terms); k++) {
          if (mj_num(mj_get(mj_at(terms, k), "contribution"), &x)) tsum += x;
        }
        CHECK(fabs(tsum - text) < 1e-6, "%s: terms %g != text %g", name, tsum, text);
      }
    }
    mj_free(hits);
  }
}

static void replay_memory_fixture(const mj_value *f) {
  juno *j = NULL;
  juno_error *err = NULL;
  juno_buf buf = {NULL, 0};
  const mj_value *memories = mj_get(f, "memories");
  const mj_value *upsert = mj_get(f, "upsert");
  const mj_value *invalid = mj_get(f, "invalid");
  const mj_value *want_stats = mj_get(f, "stats_after_cleanup");
  int64_t now_ms = 0, advance = 0, n = (int64_t)mj_len(memories), want = 0, id = 0;
  uint64_t deleted = 0;
  size_t i;
  mj_value *v;

  CHECK(mj_int(mj_get(f, "now_ms"), &now_ms), "fixture has no now_ms");
  CHECK(mj_int(mj_get(f, "advance_seconds"), &advance), "fixture has no advance_seconds");
  CHECK(n > 0 && upsert != NULL && mj_len(invalid) > 0 && want_stats != NULL,
        "fixture is missing a stage");
  if (!ok(juno_open_in_memory(&j, &err), &err, "open in memory")) return;
  err = NULL;
  ok(juno_set_clock(j, now_ms, &err), &err, "set_clock(now)");
  err = NULL;

  /* Store the memories in order with store_many. */
  if (ok(juno_memory_store_many(j, memories->src, memories->src_len, &buf, &err), &err,
         "store_many")) {
    v = parse_buf(&buf, "store_many ids");
    CHECK((int64_t)mj_len(v) == n, "store_many returned %zu ids for %lld memories",
          mj_len(v), (long long)n);
    for (i = 0; i < mj_len(v); i++) {
      int64_t a = 0, b = 0;
      CHECK(mj_int(mj_at(v, i), &a) && a > 0, "id %zu is not a positive integer", i);
      if (i > 0 && mj_int(mj_at(v, i - 1), &b)) CHECK(a != b, "duplicate id %lld", (long long)a);
    }
    mj_free(v);
  }
  err = NULL;
  CHECK(total_of(j) == n, "total after store_many is not %lld", (long long)n);

  check_recalls(j, mj_get(f, "recalls_at_now"));

  /* Upsert: same team and key updates the memory, version rises, no duplicate. */
  {
    const mj_value *m = mj_get(upsert, "memory");
    const mj_value *want_events = mj_get(upsert, "expect_history_events");
    int64_t version = 0, want_version = 0;
    CHECK(m != NULL && mj_int(mj_get(upsert, "expect_version"), &want_version),
          "bad upsert stage");
    if (m != NULL && ok(juno_memory_store(j, m->src, m->src_len, &id, &err), &err, "upsert")) {
      err = NULL;
      if (ok(juno_memory_get(j, id, &buf, &err), &err, "get upserted")) {
        v = parse_buf(&buf, "upserted memory");
        CHECK(mj_int(mj_get(v, "version"), &version) && version == want_version,
              "upsert version %lld, want %lld", (long long)version, (long long)want_version);
        CHECK(mj_equal(mj_get(v, "text"), mj_get(m, "text")), "upsert did not change the text");
        mj_free(v);
      }
      err = NULL;
      if (ok(juno_memory_history(j, id, &buf, &err), &err, "history")) {
        v = parse_buf(&buf, "history");
        CHECK(mj_len(v) == mj_len(want_events), "history has %zu entries, want %zu",
              mj_len(v), mj_len(want_events));
        for (i = 0; i < mj_len(v) && i < mj_len(want_events); i++) {
          CHECK(mj_equal(mj_get(mj_at(v, i), "event"), mj_at(want_events, i)),
                "history event %zu differs", i);
        }
        mj_free(v);
      }
    }
    err = NULL;
    CHECK(total_of(j) == n, "upsert must not duplicate");
  }

  /* Every invalid input fails with the status of its error kind and changes nothing. */
  for (i = 0; i < mj_len(invalid); i++) {
    const mj_value *bad = mj_at(invalid, i);
    const char *name = mj_str(mj_get(bad, "name"));
    const mj_value *json = mj_get(bad, "json");
    juno_status want_status = JUNO_STATUS_OK;
    int64_t untouched = -12345;
    juno_status s;
    if (name == NULL || mj_str(json) == NULL ||
        !status_of_kind(mj_str(mj_get(bad, "error_kind")), &want_status)) {
      CHECK(0, "invalid case %zu is malformed or names an unknown error kind", i);
      continue;
    }
    s = juno_memory_store(j, json->string, json->string_len, &untouched, &err);
    fails_with(s, &err, want_status, name);
    err = NULL;
    CHECK(untouched == -12345, "%s: out_id written on failure", name);
    CHECK(total_of(j) == n, "%s: a rejected input changed the store", name);
  }

  /* Advance the clock: the working memory expires. */
  ok(juno_set_clock(j, now_ms + advance * 1000, &err), &err, "set_clock(advance)");
  err = NULL;
  check_recalls(j, mj_get(f, "recalls_after_advance"));
  if (ok(juno_memory_cleanup(j, &deleted, &err), &err, "cleanup")) {
    CHECK(mj_int(mj_get(f, "cleanup_deleted"), &want) && (int64_t)deleted == want,
          "cleanup deleted %llu, want %lld", (unsigned long long)deleted, (long long)want);
  }
  err = NULL;
  if (ok(juno_memory_stats(j, &buf, &err), &err, "stats after cleanup")) {
    v = parse_buf(&buf, "stats");
    CHECK(mj_equal(mj_get(v, "total"), mj_get(want_stats, "total")), "stats total differs");
    CHECK(mj_equal(mj_get(v, "by_kind"), mj_get(want_stats, "by_kind")),
          "stats by_kind differs");
    mj_free(v);
  }
  juno_free(j);
}

static void replay_learning_fixture(const mj_value *f) {
  const mj_value *l = mj_get(f, "learning");
  const mj_value *outcomes = mj_get(l, "outcomes");
  const mj_value *want_pref = mj_get(l, "expect_preference");
  const mj_value *want_pat = mj_get(l, "expect_pattern");
  const mj_value *team = mj_get(l, "team");
  const mj_value *action = mj_get(l, "action");
  static const char *pref_fields[] = {"stance", "approved", "rejected", "reverted", "total",
                                      "acceptance_rate"};
  static const char *pat_fields[] = {"event", "result", "support", "supporting", "total"};
  juno *j = NULL;
  juno_error *err = NULL;
  juno_buf buf = {NULL, 0};
  mj_value *v;
  size_t i;

  CHECK(mj_str(team) != NULL && mj_str(action) != NULL && mj_len(outcomes) > 0,
        "bad learning stage");
  if (mj_str(team) == NULL || mj_str(action) == NULL) return;
  if (!ok(juno_open_in_memory(&j, &err), &err, "open (learning)")) return;
  err = NULL;
  for (i = 0; i < mj_len(outcomes); i++) {
    /* team, action and outcome come from the fixture as JSON text: splice them in raw. */
    const mj_value *o = mj_at(outcomes, i);
    char rec[512];
    int len = snprintf(rec, sizeof rec, "{\"team\":%.*s,\"action\":%.*s,\"outcome\":%.*s}",
                       (int)team->src_len, team->src, (int)action->src_len, action->src,
                       (int)o->src_len, o->src);
    CHECK(len > 0 && (size_t)len < sizeof rec, "outcome record too long");
    if (ok(juno_memory_record_outcome(j, rec, (size_t)len, &buf, &err), &err, "record_outcome")) {
      v = parse_buf(&buf, "learned");
      CHECK(mj_get(v, "episode_id") != NULL, "record_outcome output has no episode_id");
      mj_free(v);
    }
    err = NULL;
  }
  if (ok(juno_memory_preference(j, team->string, team->string_len, action->string,
                                action->string_len, &buf, &err),
         &err, "preference")) {
    double got = 0, want = 0, tol = 0;
    v = parse_buf(&buf, "preference");
    for (i = 0; i < sizeof pref_fields / sizeof pref_fields[0]; i++) {
      CHECK(mj_equal(mj_get(v, pref_fields[i]), mj_get(want_pref, pref_fields[i])),
            "preference %s differs", pref_fields[i]);
    }
    CHECK(mj_num(mj_get(v, "confidence"), &got) &&
              mj_num(mj_get(want_pref, "confidence"), &want) &&
              mj_num(mj_get(want_pref, "confidence_tolerance"), &tol) && fabs(got - want) < tol,
          "preference confidence %g, want %g", got, want);
    mj_free(v);
  }
  err = NULL;
  /* The outcomes just recorded, newest first, each with its (empty) context. */
  if (ok(juno_memory_recent_outcomes(j, team->string, team->string_len, 100, &buf, &err), &err,
         "recent_outcomes")) {
    v = parse_buf(&buf, "recent outcomes");
    CHECK(mj_len(v) == mj_len(outcomes), "%zu recent outcomes, want %zu", mj_len(v),
          mj_len(outcomes));
    if (mj_len(v) > 0) {
      CHECK(mj_equal(mj_get(mj_at(v, 0), "outcome"), mj_at(outcomes, mj_len(outcomes) - 1)),
            "the newest recent outcome is not the last recorded");
      CHECK(mj_get(mj_at(v, 0), "context") != NULL, "a recent outcome has no context");
    }
    mj_free(v);
  }
  err = NULL;
  CHECK(juno_memory_recent_outcomes(j, NULL, 0, 10, &buf, &err) == JUNO_STATUS_NULL_PARAMETER,
        "recent_outcomes accepted a NULL team");
  juno_error_free(err);
  err = NULL;
  if (ok(juno_memory_recognize_patterns(j, team->string, team->string_len, &buf, &err), &err,
         "recognize_patterns")) {
    const mj_value *p, *ids;
    int64_t memory_id = 0;
    v = parse_buf(&buf, "patterns");
    CHECK(mj_len(v) == 1, "%zu patterns, want 1", mj_len(v));
    p = mj_at(v, 0);
    for (i = 0; i < sizeof pat_fields / sizeof pat_fields[0]; i++) {
      CHECK(mj_equal(mj_get(p, pat_fields[i]), mj_get(want_pat, pat_fields[i])),
            "pattern %s differs", pat_fields[i]);
    }
    /* The pattern links to exactly the episodes that support it. */
    ids = mj_get(p, "episode_ids");
    err = NULL;
    if (mj_int(mj_get(p, "memory_id"), &memory_id) &&
        ok(juno_memory_get(j, memory_id, &buf, &err), &err, "get pattern memory")) {
      mj_value *m = parse_buf(&buf, "pattern memory");
      CHECK(mj_equal(mj_get(mj_get(m, "provenance"), "derived_from"), ids),
            "pattern provenance differs from its episode ids");
      mj_free(m);
    }
    for (i = 0; i < mj_len(ids); i++) {
      int64_t eid = 0;
      err = NULL;
      if (mj_int(mj_at(ids, i), &eid) && ok(juno_memory_get(j, eid, &buf, &err), &err, "episode")) {
        mj_value *m = parse_buf(&buf, "episode");
        CHECK(contains_key(mj_get(m, "tags"), "result:rejected"), "episode %lld lacks tag",
              (long long)eid);
        mj_free(m);
      }
    }
    mj_free(v);
  }
  juno_free(j);
}

/* ---- the boundary ------------------------------------------------------------------ */

static const char MEMORY[] =
    "{\"kind\":\"semantic\",\"scope\":{\"team\":\"team_c\"},\"key\":\"c1\","
    "\"text\":\"c callers free every buffer\",\"tags\":[\"ffi\"]}";

static void test_null_parameters(void) {
  juno *j = NULL;
  juno_error *err = NULL;
  juno_buf buf = {NULL, 0};
  int64_t id = -1;
  uint64_t deleted = 7;
  juno_str m;

  fails_with(juno_open(NULL, 0, &j, &err), &err, JUNO_STATUS_NULL_PARAMETER, "open(NULL path)");
  err = NULL;
  CHECK(j == NULL, "out written on failure");
  fails_with(juno_open("x.db", 4, NULL, &err), &err, JUNO_STATUS_NULL_PARAMETER, "open(NULL out)");
  err = NULL;
  fails_with(juno_open_in_memory(NULL, &err), &err, JUNO_STATUS_NULL_PARAMETER,
             "open_in_memory(NULL)");
  err = NULL;
  /* err itself is optional. */
  CHECK(juno_open_in_memory(NULL, NULL) == JUNO_STATUS_NULL_PARAMETER, "NULL err");

  if (!ok(juno_open_in_memory(&j, &err), &err, "open in memory")) return;
  err = NULL;
  fails_with(juno_memory_store(NULL, MEMORY, strlen(MEMORY), &id, &err), &err,
             JUNO_STATUS_NULL_PARAMETER, "store(NULL handle)");
  err = NULL;
  fails_with(juno_memory_store(j, NULL, 0, &id, &err), &err, JUNO_STATUS_NULL_PARAMETER,
             "store(NULL json, 0)");
  err = NULL;
  fails_with(juno_memory_store(j, MEMORY, strlen(MEMORY), NULL, &err), &err,
             JUNO_STATUS_NULL_PARAMETER, "store(NULL out_id)");
  err = NULL;
  CHECK(id == -1, "out_id written on failure");
  CHECK(total_of(j) == 0, "a call refused for a NULL output stored something");
  fails_with(juno_memory_store_many(j, "[]", 2, NULL, &err), &err, JUNO_STATUS_NULL_PARAMETER,
             "store_many(NULL out)");
  err = NULL;
  fails_with(juno_memory_get(NULL, 1, &buf, &err), &err, JUNO_STATUS_NULL_PARAMETER,
             "get(NULL handle)");
  err = NULL;
  fails_with(juno_memory_recall(j, NULL, 2, &buf, &err), &err, JUNO_STATUS_NULL_PARAMETER,
             "recall(NULL query)");
  err = NULL;
  fails_with(juno_memory_recall(j, "{}", 2, NULL, &err), &err, JUNO_STATUS_NULL_PARAMETER,
             "recall(NULL out)");
  err = NULL;
  fails_with(juno_memory_cleanup(j, NULL, &err), &err, JUNO_STATUS_NULL_PARAMETER,
             "cleanup(NULL out)");
  err = NULL;
  fails_with(juno_memory_cleanup(NULL, &deleted, &err), &err, JUNO_STATUS_NULL_PARAMETER,
             "cleanup(NULL handle)");
  err = NULL;
  CHECK(deleted == 7, "out_deleted written on failure");
  fails_with(juno_memory_stats(NULL, &buf, &err), &err, JUNO_STATUS_NULL_PARAMETER,
             "stats(NULL handle)");
  err = NULL;
  fails_with(juno_backup(j, NULL, 0, &err), &err, JUNO_STATUS_NULL_PARAMETER, "backup(NULL)");
  err = NULL;
  fails_with(juno_set_clock(NULL, 0, &err), &err, JUNO_STATUS_NULL_PARAMETER,
             "set_clock(NULL)");
  err = NULL;
  CHECK(buf.data == NULL && buf.len == 0, "buffer written on failure");

  CHECK(juno_error_status(NULL) == JUNO_STATUS_NULL_PARAMETER, "error_status(NULL)");
  m = juno_error_message(NULL);
  CHECK(m.data != NULL && m.len == 0, "error_message(NULL) is not an empty string");

  /* NULL frees are no-ops; a freed buffer is reset, so freeing it again is too. */
  juno_free(NULL);
  juno_error_free(NULL);
  juno_buf_free(NULL);
  if (ok(juno_memory_stats(j, &buf, &err), &err, "stats")) {
    CHECK(buf.data != NULL && buf.len > 0 && buf.data[buf.len] == '\0',
          "output is not NUL-terminated");
    juno_buf_free(&buf);
    CHECK(buf.data == NULL && buf.len == 0, "juno_buf_free did not reset the buffer");
    juno_buf_free(&buf);
  }
  juno_free(j);
  passed++; /* reached without crashing */
}

static void test_invalid_input(void) {
  juno *j = NULL;
  juno_error *err = NULL;
  juno_buf buf = {NULL, 0};
  int64_t id = -1;
  static const char bad_utf8[] =
      "{\"kind\":\"semantic\",\"scope\":{\"team\":\"t\"},\"text\":\"caf\xc3\x28\"}";
  static const char bad_path[] = "/tmp/\xff\xfe.db";

  if (!ok(juno_open_in_memory(&j, &err), &err, "open in memory")) return;
  err = NULL;
  fails_with(juno_memory_store(j, bad_utf8, strlen(bad_utf8), &id, &err), &err,
             JUNO_STATUS_INVALID_UTF8, "store(invalid UTF-8)");
  err = NULL;
  fails_with(juno_memory_recall(j, "{\"text\":\"\x80\"}", 11, &buf, &err), &err,
             JUNO_STATUS_INVALID_UTF8, "recall(invalid UTF-8)");
  err = NULL;
  fails_with(juno_open(bad_path, strlen(bad_path), &j, &err), &err, JUNO_STATUS_INVALID_UTF8,
             "open(invalid UTF-8 path)");
  err = NULL;
  /* The length is honoured: the bad byte lies beyond it. */
  if (ok(juno_memory_recall(j, "{}\xff", 2, &buf, &err), &err, "recall with trailing garbage")) {
    juno_buf_free(&buf);
  }
  err = NULL;
  fails_with(juno_memory_recall(j, "{\"limit\":0}", 11, &buf, &err), &err,
             JUNO_STATUS_INVALID_INPUT, "recall(limit 0)");
  err = NULL;
  fails_with(juno_memory_recall(j, "{\"nope\":1}", 10, &buf, &err), &err,
             JUNO_STATUS_INVALID_INPUT, "recall(unknown field)");
  err = NULL;
  fails_with(juno_memory_get(j, 999, &buf, &err), &err, JUNO_STATUS_NOT_FOUND, "get(999)");
  err = NULL;
  fails_with(juno_set_clock(j, INT64_MAX, &err), &err, JUNO_STATUS_INVALID_INPUT,
             "set_clock(INT64_MAX)");
  err = NULL;
  CHECK(id == -1 && buf.data == NULL, "output written on failure");
  CHECK(total_of(j) == 0, "a failed call stored something");
  juno_free(j);
}

static void test_files(const char *scratch) {
  char db[1024], notdb[1024], missing[1024], copy[1024];
  juno *j = NULL, *again = NULL;
  juno_error *err = NULL;
  juno_buf buf = {NULL, 0};
  int64_t id = 0;
  FILE *f;
  mj_value *v;

  path_join(db, sizeof db, scratch, "c-test.db");
  path_join(notdb, sizeof notdb, scratch, "not-a-database.txt");
  path_join(missing, sizeof missing, scratch, "no/such/dir/juno.db");
  path_join(copy, sizeof copy, scratch, "c-test-backup.db");
  remove(db);
  remove(copy);

  f = fopen(notdb, "wb");
  CHECK(f != NULL, "cannot write %s", notdb);
  if (f != NULL) {
    int k;
    for (k = 0; k < 64; k++) fputs("this is a text file, not an SQLite database\n", f);
    fclose(f);
  }
  fails_with(juno_open(notdb, strlen(notdb), &j, &err), &err, JUNO_STATUS_NOT_A_DATABASE,
             "open(text file)");
  err = NULL;
  CHECK(j == NULL, "out written on failure");
  fails_with(juno_open(missing, strlen(missing), &j, &err), &err, JUNO_STATUS_IO,
             "open(missing directory)");
  err = NULL;

  /* A file database keeps what was stored across close and reopen, and backs up. */
  if (!ok(juno_open(db, strlen(db), &j, &err), &err, "open file")) return;
  err = NULL;
  ok(juno_memory_store(j, MEMORY, strlen(MEMORY), &id, &err), &err, "store in file");
  err = NULL;
  ok(juno_backup(j, copy, strlen(copy), &err), &err, "backup");
  err = NULL;
  juno_free(j);
  j = NULL;
  if (ok(juno_open(db, strlen(db), &again, &err), &err, "reopen file")) {
    err = NULL;
    if (ok(juno_memory_get(again, id, &buf, &err), &err, "get after reopen")) {
      v = parse_buf(&buf, "reopened memory");
      CHECK(mj_str_eq(mj_get(v, "key"), "c1"), "memory lost across reopen");
      mj_free(v);
    }
    juno_free(again);
  }
  err = NULL;
  if (ok(juno_open(copy, strlen(copy), &again, &err), &err, "open backup")) {
    CHECK(total_of(again) == 1, "backup does not hold the memory");
    juno_free(again);
  }
  err = NULL;
  if (ok(juno_open_in_memory(&j, &err), &err, "open in memory")) {
    fails_with(juno_backup(j, missing, strlen(missing), &err), &err, JUNO_STATUS_IO,
               "backup(missing directory)");
    juno_free(j);
  }

  /* Restore: checked first, refused without change, then into a fresh file. */
  {
    char restored[1024];
    path_join(restored, sizeof restored, scratch, "c-test-restored.db");
    remove(restored);
    err = NULL;
    fails_with(juno_restore(notdb, strlen(notdb), restored, strlen(restored), &buf, &err), &err,
               JUNO_STATUS_NOT_A_DATABASE, "restore(text file)");
    err = NULL;
    f = fopen(restored, "rb");
    CHECK(buf.data == NULL && f == NULL, "a refused restore wrote");
    if (f != NULL) fclose(f);
    fails_with(juno_restore(copy, strlen(copy), copy, strlen(copy), &buf, &err), &err,
               JUNO_STATUS_INVALID_INPUT, "restore(onto itself)");
    err = NULL;
    fails_with(juno_restore(NULL, 0, restored, strlen(restored), &buf, &err), &err,
               JUNO_STATUS_NULL_PARAMETER, "restore(NULL backup)");
    err = NULL;
    fails_with(juno_restore(copy, strlen(copy), NULL, 0, &buf, &err), &err,
               JUNO_STATUS_NULL_PARAMETER, "restore(NULL target)");
    err = NULL;
    fails_with(juno_restore(copy, strlen(copy), restored, strlen(restored), NULL, &err), &err,
               JUNO_STATUS_NULL_PARAMETER, "restore(NULL out_json)");
    err = NULL;
    if (ok(juno_restore(copy, strlen(copy), restored, strlen(restored), &buf, &err), &err,
           "restore")) {
      v = parse_buf(&buf, "restore report");
      CHECK(mj_str_eq(mj_get(v, "previous"), "absent"), "restore report: previous");
      double n = 0;
      CHECK(mj_num(mj_get(v, "memories"), &n) && n == 1.0, "restore report: memories");
      mj_free(v);
    }
    err = NULL;
    if (ok(juno_open(restored, strlen(restored), &again, &err), &err, "open restored")) {
      CHECK(total_of(again) == 1, "the restored file does not hold the memory");
      juno_free(again);
    }
    remove(restored);
  }
  remove(notdb);
  remove(db);
  remove(copy);
}

/* Reads the big-endian 32-bit value at `offset` of `path`; 0 when unreadable. */
static unsigned long peek_u32(const char *path, long offset) {
  unsigned char b[4] = {0, 0, 0, 0};
  FILE *f = fopen(path, "rb");
  if (f == NULL) return 0;
  if (fseek(f, offset, SEEK_SET) != 0 || fread(b, 1, 4, f) != 4) b[0] = b[1] = b[2] = b[3] = 0;
  fclose(f);
  return ((unsigned long)b[0] << 24) | ((unsigned long)b[1] << 16) | ((unsigned long)b[2] << 8) |
         (unsigned long)b[3];
}

/* Writes a big-endian 32-bit value at `offset` of `path` (SQLite's header is big-endian). */
static int poke_u32(const char *path, long offset, unsigned long value) {
  unsigned char b[4];
  FILE *f = fopen(path, "r+b");
  if (f == NULL) return 0;
  b[0] = (unsigned char)(value >> 24);
  b[1] = (unsigned char)(value >> 16);
  b[2] = (unsigned char)(value >> 8);
  b[3] = (unsigned char)value;
  if (fseek(f, offset, SEEK_SET) != 0 || fwrite(b, 1, 4, f) != 4) {
    fclose(f);
    return 0;
  }
  return fclose(f) == 0;
}

/* A database written by a newer JUNO is refused with SCHEMA_TOO_NEW and loses nothing;
 * a damaged file is reported with a status, never a crash. */
static void test_damaged_and_newer_files(const char *scratch) {
  char db[1024];
  juno *j = NULL;
  juno_error *err = NULL;
  juno_buf buf = {NULL, 0};
  int64_t id = 0;
  long size = 0;
  unsigned long version;
  FILE *f;
  int k;

  path_join(db, sizeof db, scratch, "c-newer.db");
  remove(db);
  if (!ok(juno_open(db, strlen(db), &j, &err), &err, "open for newer-schema test")) return;
  ok(juno_memory_store(j, MEMORY, strlen(MEMORY), &id, &err), &err, "store before bump");
  juno_free(j); /* the last close folds the WAL into the file */
  j = NULL;
  /* PRAGMA user_version lives at byte 60 of the file header. */
  version = peek_u32(db, 60);
  CHECK(version > 0 && version < 99, "unexpected schema version %lu", version);
  CHECK(poke_u32(db, 60, 99), "cannot edit %s", db);
  fails_with(juno_open(db, strlen(db), &j, &err), &err, JUNO_STATUS_SCHEMA_TOO_NEW,
             "open(newer schema)");
  CHECK(j == NULL, "out written on failure");
  CHECK(poke_u32(db, 60, version), "cannot restore %s", db);
  if (ok(juno_open(db, strlen(db), &j, &err), &err, "reopen after restoring the version")) {
    CHECK(total_of(j) == 1, "the refused database lost its memory");
    juno_free(j);
    j = NULL;
  }

  /* Damage: fill everything after the first 8 KiB with a byte pattern. */
  if (ok(juno_open(db, strlen(db), &j, &err), &err, "open for damage test")) {
    char many[64];
    for (k = 0; k < 300; k++) {
      int len = snprintf(many, sizeof many, "[{\"kind\":\"semantic\",\"scope\":{\"team\":\"d\"},"
                                            "\"text\":\"filler %d\"}]",
                         k);
      ok(juno_memory_store_many(j, many, (size_t)len, &buf, &err), &err, "fill");
      juno_buf_free(&buf);
    }
    juno_free(j);
    j = NULL;
  }
  f = fopen(db, "r+b");
  CHECK(f != NULL, "cannot open %s for damage", db);
  if (f != NULL) {
    if (fseek(f, 0, SEEK_END) == 0) size = ftell(f);
    CHECK(size > 16384, "database too small to damage (%ld bytes)", size);
    if (size > 16384 && fseek(f, 8192, SEEK_SET) == 0) {
      long i;
      for (i = 8192; i < size; i++) fputc(0xA5, f);
    }
    fclose(f);
  }
  {
    juno_status s = juno_open(db, strlen(db), &j, &err);
    if (s == JUNO_STATUS_OK) {
      const char *q = "{\"text\":\"filler\",\"limit\":5}";
      juno_error_free(err);
      err = NULL;
      s = juno_memory_recall(j, q, strlen(q), &buf, &err);
      juno_buf_free(&buf);
      juno_free(j);
      j = NULL;
    }
    CHECK(s == JUNO_STATUS_CORRUPT || s == JUNO_STATUS_NOT_A_DATABASE,
          "damaged file: got %s, want CORRUPT or NOT_A_DATABASE", status_name(s));
    CHECK(err != NULL || s == JUNO_STATUS_OK, "no error message for a damaged file");
    juno_error_free(err);
  }
  remove(db);
}

/* ---- concurrent use of one handle ----------------------------------------------------- */

#define THREADS 4
#define PER_THREAD 25

typedef struct worker {
  juno *j;
  int index;
  int failures;
} worker;

static void *work(void *arg) {
  worker *w = arg;
  int k;
  for (k = 0; k < PER_THREAD; k++) {
    char json[256];
    int64_t id = 0;
    juno_buf buf = {NULL, 0};
    int len = snprintf(json, sizeof json,
                       "{\"kind\":\"episodic\",\"scope\":{\"team\":\"team_t%d\"},"
                       "\"text\":\"thread %d wrote memory %d\"}",
                       w->index, w->index, k);
    if (juno_memory_store(w->j, json, (size_t)len, &id, NULL) != JUNO_STATUS_OK) w->failures++;
    len = snprintf(json, sizeof json, "{\"text\":\"thread\",\"limit\":3}");
    if (juno_memory_recall(w->j, json, (size_t)len, &buf, NULL) != JUNO_STATUS_OK) w->failures++;
    juno_buf_free(&buf);
  }
  return NULL;
}

static void test_threads(void) {
  juno *j = NULL;
  juno_error *err = NULL;
  pthread_t threads[THREADS];
  worker workers[THREADS];
  int t, started = 0;
  if (!ok(juno_open_in_memory(&j, &err), &err, "open (threads)")) return;
  for (t = 0; t < THREADS; t++) {
    workers[t].j = j;
    workers[t].index = t;
    workers[t].failures = 0;
    if (pthread_create(&threads[t], NULL, work, &workers[t]) == 0) started++;
  }
  CHECK(started == THREADS, "started %d threads", started);
  for (t = 0; t < started; t++) {
    pthread_join(threads[t], NULL);
    CHECK(workers[t].failures == 0, "thread %d: %d failed calls", t, workers[t].failures);
  }
  CHECK(total_of(j) == (int64_t)started * PER_THREAD, "concurrent stores lost memories");
  juno_free(j);
}

/* The functions that give C what Rust and Python have: update, delete, end_session,
 * cleanup_if_due, submit_many, entries_for, model_versions, check. */
static void test_surface_parity(void) {
  juno *j = NULL;
  juno_error *err = NULL;
  juno_buf buf = {NULL, 0};
  int64_t id = -1, versions = -1, version = 0;
  uint64_t deleted = 99;
  bool ran = false;
  double importance = 0;
  mj_value *v;
  static const char mem[] =
      "{\"kind\":\"working\",\"scope\":{\"team\":\"t\"},\"text\":\"scratch\",\"session\":\"s-1\"}";
  static const char reqs[] =
      "[{\"action\":{\"kind\":\"reassign\",\"team\":\"t\"},\"impact\":\"low\",\"confidence\":0.5,"
      "\"requester\":\"juno\"},{\"action\":{\"kind\":\"close\",\"team\":\"t\"},\"impact\":\"high\","
      "\"confidence\":0.5,\"requester\":\"juno\"}]";
  static const char bad_reqs[] =
      "[{\"action\":{\"kind\":\"reassign\",\"team\":\"t\"},\"impact\":\"low\",\"confidence\":0.5,"
      "\"requester\":\"juno\"},{\"action\":{\"kind\":\"x\",\"team\":\"t\"},\"impact\":\"huge\","
      "\"confidence\":0.5,\"requester\":\"juno\"}]";

  if (!ok(juno_open_in_memory(&j, &err), &err, "open in memory")) return;
  if (!ok(juno_memory_store(j, mem, strlen(mem), &id, &err), &err, "store")) goto done;
  if (ok(juno_memory_update(j, id, "{\"importance\":0.9}", 18, &buf, &err), &err, "update")) {
    v = parse_buf(&buf, "updated");
    CHECK(mj_num(mj_get(v, "importance"), &importance) && fabs(importance - 0.9) < 1e-12,
          "update did not change importance");
    CHECK(mj_int(mj_get(v, "version"), &version) && version == 2, "version %lld", (long long)version);
    mj_free(v);
  }
  fails_with(juno_memory_update(j, id, "{\"importanse\":0.9}", 18, &buf, &err), &err,
             JUNO_STATUS_INVALID_INPUT, "update(unknown field)");
  fails_with(juno_memory_update(j, 999, "{}", 2, &buf, &err), &err, JUNO_STATUS_NOT_FOUND,
             "update(999)");
  if (ok(juno_memory_end_session(j, "s-1", 3, &deleted, &err), &err, "end_session")) {
    CHECK(deleted == 1, "end_session deleted %llu", (unsigned long long)deleted);
  }
  fails_with(juno_memory_delete(j, id, &err), &err, JUNO_STATUS_NOT_FOUND, "delete(ended)");
  if (ok(juno_memory_store(j, mem, strlen(mem), &id, &err), &err, "store again")) {
    ok(juno_memory_delete(j, id, &err), &err, "delete");
    CHECK(total_of(j) == 0, "delete left the memory");
  }
  ok(juno_set_clock(j, 1767225600000, &err), &err, "set_clock");
  if (ok(juno_memory_cleanup_if_due(j, &ran, &deleted, &err), &err, "cleanup_if_due")) {
    CHECK(ran && deleted == 0, "the first cleanup_if_due did not run");
  }
  if (ok(juno_memory_cleanup_if_due(j, &ran, &deleted, &err), &err, "cleanup_if_due again")) {
    CHECK(!ran, "a second cleanup ran within the interval");
  }
  if (ok(juno_governance_submit_many(j, reqs, strlen(reqs), &buf, &err), &err, "submit_many")) {
    v = parse_buf(&buf, "ids");
    CHECK(mj_len(v) == 2, "submit_many returned %zu ids", mj_len(v));
    mj_free(v);
  }
  fails_with(juno_governance_submit_many(j, bad_reqs, strlen(bad_reqs), &buf, &err), &err,
             JUNO_STATUS_INVALID_INPUT, "submit_many(bad item)");
  if (ok(juno_audit_entries_for(j, "request:1", 9, &buf, &err), &err, "entries_for")) {
    v = parse_buf(&buf, "entries");
    CHECK(mj_len(v) == 1 && mj_str_eq(mj_get(mj_at(v, 0), "event"), "request_submitted"),
          "entries_for(request:1) has %zu entries", mj_len(v));
    mj_free(v);
  }
  {
    static const char tickets[] =
        "[{\"key\":\"T-1\",\"team\":\"t\",\"priority\":\"Highest\",\"assignee\":null,"
        "\"updated\":\"2025-12-01T00:00:00Z\",\"blocked\":true}]";
    if (ok(juno_triage_scan(j, tickets, strlen(tickets), NULL, 0, NULL, &buf, &err), &err,
           "triage scan")) {
      juno_buf props = buf;
      juno_buf reqs = {NULL, 0};
      if (ok(juno_triage_propose(j, (const char *)props.data, props.len, "juno", 4, &reqs, &err),
             &err, "triage propose")) {
        v = parse_buf(&reqs, "proposed requests");
        CHECK(mj_len(v) == 1 && mj_str_eq(mj_get(mj_at(v, 0), "status"), "pending"),
              "propose did not store one pending request");
        mj_free(v);
      }
      juno_buf_free(&props);
      buf.data = NULL;
      buf.len = 0;
    }
    fails_with(juno_triage_propose(j, "[{}]", 4, "juno", 4, &buf, &err), &err,
               JUNO_STATUS_INVALID_INPUT, "triage propose(bad proposal)");
  }
  if (ok(juno_forecast_model_versions(j, &versions, &err), &err, "model_versions")) {
    CHECK(versions == 0, "model_versions = %lld", (long long)versions);
  }
  if (ok(juno_check(j, &buf, &err), &err, "check")) {
    v = parse_buf(&buf, "integrity report");
    CHECK(mj_get(v, "ok") != NULL && mj_get(v, "schema_version") != NULL, "check report shape");
    mj_free(v);
  }
done:
  juno_free(j);
}

/* ---- the agent cycle: sync, propose, approve, execute once, revert ------------------------ */

/* A small simulated organisation (seed 7, so its source is `sim:7`); it ends at
 * SimSettings' default `end`, 2026-01-05T00:00:00Z, which is where the clock is set. */
static const char SIM[] = "{\"teams\":2,\"sprints\":8,\"backlog_per_team\":5}";
static const int64_t SIM_END_MS = INT64_C(1767571200000);
static const int64_t HOUR_MS = INT64_C(3600000);
static const char CYCLE_OPTIONS[] = "{\"triage\":{\"max_proposals\":50}}";

/* The host's executor: counts calls, keeps a copy of the last action, returns `result`. */
typedef struct host_executor {
  int calls;
  int unterminated; /* calls whose action was not followed by the documented NUL */
  int32_t result;
  char *action;
  size_t action_len;
} host_executor;

static int32_t host_execute(void *ctx, const char *action_json, size_t action_len) {
  host_executor *h = ctx;
  h->calls++;
  if (action_json[action_len] != '\0') h->unterminated++;
  free(h->action);
  h->action = malloc(action_len + 1);
  h->action_len = 0;
  if (h->action != NULL) {
    memcpy(h->action, action_json, action_len);
    h->action[action_len] = '\0';
    h->action_len = action_len;
  }
  return h->result;
}

/* Checks that a call failed with `want` and that its message contains `needle`; frees it. */
static void fails_naming(juno_status s, juno_error **errp, juno_status want, const char *needle,
                         const char *what) {
  juno_str m = juno_error_message(*errp);
  CHECK(*errp != NULL && strstr(m.data, needle) != NULL, "%s: message \"%.*s\" does not name %s",
        what, (int)m.len, m.data, needle);
  fails_with(s, errp, want, what);
}

/* Pending requests in every queue; -1 on failure. */
static int64_t pending_count(const juno *j) {
  juno_buf buf = {NULL, 0};
  juno_error *err = NULL;
  int64_t n;
  mj_value *v;
  if (!ok(juno_governance_pending(j, NULL, 0, NULL, 0, &buf, &err), &err, "pending")) return -1;
  v = parse_buf(&buf, "pending");
  n = v != NULL && v->type == MJ_ARRAY ? (int64_t)mj_len(v) : -1;
  mj_free(v);
  return n;
}

/* Stored cycle reports; -1 on failure. */
static int64_t cycle_count(const juno *j) {
  juno_buf buf = {NULL, 0};
  juno_error *err = NULL;
  int64_t n;
  mj_value *v;
  if (!ok(juno_agent_cycles(j, 1000, &buf, &err), &err, "agent cycles")) return -1;
  v = parse_buf(&buf, "cycles");
  n = v != NULL && v->type == MJ_ARRAY ? (int64_t)mj_len(v) : -1;
  mj_free(v);
  return n;
}

/* Runs a cycle over what is stored (no sync); the parsed report, or NULL on failure. */
static mj_value *run_cycle(juno *j, const char *options, host_executor *host, const char *what) {
  juno_buf buf = {NULL, 0};
  juno_error *err = NULL;
  juno_status s = juno_agent_run_cycle(j, NULL, 0, options, options ? strlen(options) : 0,
                                       host != NULL ? host_execute : NULL, host, &buf, &err);
  if (!ok(s, &err, what)) return NULL;
  return parse_buf(&buf, what);
}

/* One request by id, parsed; NULL on failure. */
static mj_value *request_of(const juno *j, int64_t id, const char *what) {
  juno_buf buf = {NULL, 0};
  juno_error *err = NULL;
  if (!ok(juno_governance_get(j, id, &buf, &err), &err, what)) return NULL;
  return parse_buf(&buf, what);
}

/* Sync: the report counts what was stored, the state records the success, and the
 * snapshot holds the teams. */
static void check_sync(juno *j) {
  juno_buf buf = {NULL, 0};
  juno_error *err = NULL;
  int64_t teams = 0, tickets = 0, syncs = 0;
  mj_value *v;

  if (ok(juno_source_sync_sim(j, SIM, strlen(SIM), &buf, &err), &err, "sync_sim")) {
    const mj_value *stored;
    v = parse_buf(&buf, "sync report");
    stored = mj_get(v, "stored");
    CHECK(mj_str_eq(mj_get(v, "source"), "sim:7"), "sync source is not sim:7");
    CHECK(mj_get(v, "since") != NULL && mj_get(v, "since")->type == MJ_NULL,
          "a first sync has a `since`");
    CHECK(mj_int(mj_get(stored, "teams"), &teams) && teams == 2, "stored %lld teams, want 2",
          (long long)teams);
    CHECK(mj_int(mj_get(stored, "tickets"), &tickets) && tickets > 0, "stored no tickets");
    mj_free(v);
  }
  if (ok(juno_source_state(j, "sim:7", 5, &buf, &err), &err, "source_state(sim:7)")) {
    v = parse_buf(&buf, "sync state");
    CHECK(mj_str_eq(mj_get(v, "source"), "sim:7"), "state source is not sim:7");
    CHECK(mj_str(mj_get(v, "last_success")) != NULL, "no last_success after a sync");
    CHECK(mj_equal(mj_get(v, "last_success"), mj_get(v, "last_attempt")),
          "the last attempt was not the success");
    CHECK(mj_get(v, "last_error") != NULL && mj_get(v, "last_error")->type == MJ_NULL,
          "last_error after a successful sync");
    CHECK(mj_int(mj_get(v, "syncs"), &syncs) && syncs == 1, "syncs = %lld, want 1",
          (long long)syncs);
    mj_free(v);
  }
  if (ok(juno_source_state(j, "sim:8", 5, &buf, &err), &err, "source_state(never synced)")) {
    v = parse_buf(&buf, "sync state");
    CHECK(v != NULL && v->type == MJ_NULL, "a never-synced source is not null");
    mj_free(v);
  }
  if (ok(juno_source_snapshot(j, &buf, &err), &err, "source_snapshot")) {
    const mj_value *names;
    size_t i;
    int strings = 1;
    v = parse_buf(&buf, "snapshot");
    names = mj_get(v, "teams");
    for (i = 0; i < mj_len(names); i++) strings = strings && mj_str(mj_at(names, i)) != NULL;
    CHECK(mj_len(names) == 2 && strings, "snapshot holds %zu team names, want 2",
          mj_len(names));
    CHECK((int64_t)mj_len(mj_get(v, "tickets")) == tickets,
          "snapshot holds %zu tickets, the sync stored %lld", mj_len(mj_get(v, "tickets")),
          (long long)tickets);
    mj_free(v);
  }
  /* Syncing again reads only what changed since the first sync, and is counted. */
  if (ok(juno_source_sync_sim(j, SIM, strlen(SIM), &buf, &err), &err, "sync_sim again")) {
    v = parse_buf(&buf, "second sync report");
    CHECK(mj_str(mj_get(v, "since")) != NULL, "a second sync has no `since`");
    mj_free(v);
  }
  if (ok(juno_source_state(j, "sim:7", 5, &buf, &err), &err, "source_state again")) {
    v = parse_buf(&buf, "sync state");
    CHECK(mj_int(mj_get(v, "syncs"), &syncs) && syncs == 2, "syncs = %lld, want 2",
          (long long)syncs);
    mj_free(v);
  }
}

/* A dry run proposes (with the exact writes) but submits, stores and executes nothing. */
static void check_dry_run(juno *j) {
  host_executor host = {0, 0, 0, NULL, 0};
  mj_value *v = run_cycle(j, "{\"dry_run\":true}", &host, "dry run");
  const mj_value *props = mj_get(v, "proposals");
  size_t i;
  CHECK(mj_get(v, "dry_run") != NULL && mj_get(v, "dry_run")->boolean, "not a dry run");
  CHECK(mj_get(v, "cycle") != NULL && mj_get(v, "cycle")->type == MJ_NULL,
        "a dry run stored a report");
  CHECK(mj_len(props) > 0, "the dry run proposed nothing");
  for (i = 0; i < mj_len(props); i++) {
    const mj_value *p = mj_at(props, i);
    CHECK(mj_get(p, "request_id") != NULL && mj_get(p, "request_id")->type == MJ_NULL,
          "dry-run proposal %zu has a request", i);
    CHECK(mj_len(mj_get(p, "writes")) > 0, "dry-run proposal %zu shows no writes", i);
  }
  CHECK(host.calls == 0, "a dry run called the executor %d times", host.calls);
  CHECK(pending_count(j) == 0, "a dry run added pending requests");
  CHECK(cycle_count(j) == 0, "a dry run stored a cycle");
  free(host.action);
  mj_free(v);
}

/* The first real cycle with the recording executor (NULL): every proposal becomes a
 * pending request, nothing runs. Returns the report (the caller frees it). */
static mj_value *check_first_cycle(juno *j) {
  juno_buf buf = {NULL, 0};
  juno_error *err = NULL;
  mj_value *v = run_cycle(j, CYCLE_OPTIONS, NULL, "first cycle");
  const mj_value *props = mj_get(v, "proposals");
  int64_t cycle = 0, id = 0;
  size_t i;
  CHECK(mj_int(mj_get(v, "cycle"), &cycle) && cycle > 0, "the cycle was not stored");
  CHECK(mj_len(props) > 0 && mj_len(props) <= 50, "%zu proposals, want 1..=50",
        mj_len(props));
  for (i = 0; i < mj_len(props); i++) {
    const mj_value *p = mj_at(props, i);
    CHECK(mj_int(mj_get(p, "request_id"), &id) && id > 0, "proposal %zu has no request", i);
    CHECK(mj_str_eq(mj_get(p, "status"), "pending"), "proposal %zu is not pending", i);
    CHECK(mj_str(mj_get(p, "waits_for")) != NULL, "proposal %zu waits for no role", i);
    CHECK(mj_len(mj_get(p, "writes")) > 0, "proposal %zu has no writes", i);
  }
  CHECK(mj_len(mj_get(v, "executed")) == 0 && mj_len(mj_get(v, "failed")) == 0,
        "the first cycle executed something");
  CHECK(pending_count(j) == (int64_t)mj_len(props), "%zu proposals but not as many pending",
        mj_len(props));
  CHECK(cycle_count(j) == 1, "one cycle run, not one stored");
  /* A pending request has no execution record and nothing to revert. */
  if (mj_int(mj_get(mj_at(props, 0), "request_id"), &id)) {
    if (ok(juno_executor_record(j, id, &buf, &err), &err, "record(pending)")) {
      mj_value *r = parse_buf(&buf, "record");
      CHECK(r != NULL && r->type == MJ_NULL, "a pending request has an execution record");
      mj_free(r);
    }
    fails_with(juno_executor_propose_revert(j, id, "lea", 3, &buf, &err), &err,
               JUNO_STATUS_INVALID_STATE, "propose_revert(pending)");
    CHECK(buf.data == NULL, "output written on failure");
  }
  return v;
}

/* A person holding the proposal's `waits_for` role for its team approves it by digest.
 * Returns the request id, or 0. */
static int64_t approve_proposal(juno *j, const mj_value *p, const char *approver) {
  juno_buf buf = {NULL, 0};
  juno_error *err = NULL;
  const char *team = mj_str(mj_get(p, "team"));
  const char *role = mj_str(mj_get(p, "waits_for"));
  const char *digest;
  char teams[128];
  int64_t id = 0;
  int len;
  mj_value *req, *v;
  if (team == NULL || role == NULL || !mj_int(mj_get(p, "request_id"), &id)) {
    CHECK(0, "the proposal has no team, role or request");
    return 0;
  }
  len = snprintf(teams, sizeof teams, "[\"%s\"]", team);
  if (!ok(juno_governance_assign_role(j, approver, strlen(approver), role, strlen(role), teams,
                                      (size_t)len, "admin", 5, &err),
          &err, "assign_role")) {
    return 0;
  }
  req = request_of(j, id, "get request");
  digest = mj_str(mj_get(req, "digest"));
  CHECK(digest != NULL && strlen(digest) == 64, "the request has no 64-digit digest");
  if (digest != NULL &&
      ok(juno_governance_approve(j, id, approver, strlen(approver), digest, strlen(digest), &buf,
                                 &err),
         &err, "approve")) {
    v = parse_buf(&buf, "approved request");
    CHECK(mj_str_eq(mj_get(v, "status"), "approved"), "the request is not approved");
    mj_free(v);
  } else {
    id = 0;
  }
  mj_free(req);
  return id;
}

/* 1 if `later` proposes an action (kind and ticket) that `earlier` already proposed. */
static int proposes_again(const mj_value *later, const mj_value *earlier) {
  const mj_value *a = mj_get(later, "proposals"), *b = mj_get(earlier, "proposals");
  size_t i, k;
  for (i = 0; i < mj_len(a); i++) {
    for (k = 0; k < mj_len(b); k++) {
      if (mj_equal(mj_get(mj_at(a, i), "kind"), mj_get(mj_at(b, k), "kind")) &&
          mj_equal(mj_get(mj_at(a, i), "target"), mj_get(mj_at(b, k), "target"))) {
        return 1;
      }
    }
  }
  return 0;
}

static void test_agent_cycle(const char *scratch) {
  char db[1024];
  juno *j = NULL;
  juno_error *err = NULL;
  juno_buf buf = {NULL, 0};
  host_executor host = {0, 0, 0, NULL, 0};
  mj_value *first = NULL, *v = NULL, *req = NULL, *action = NULL;
  const mj_value *p, *act;
  int64_t id = 0, got = 0, failed_id = 0;
  char msg[128];

  path_join(db, sizeof db, scratch, "c-agent.db");
  remove(db);
  if (!ok(juno_open(db, strlen(db), &j, &err), &err, "open (agent)")) return;
  if (!ok(juno_set_clock(j, SIM_END_MS, &err), &err, "set_clock(sim end)")) goto done;

  check_sync(j);
  check_dry_run(j);
  first = check_first_cycle(j);
  if (mj_len(mj_get(first, "proposals")) < 2) {
    CHECK(0, "need two proposals to approve, got %zu", mj_len(mj_get(first, "proposals")));
    goto done;
  }

  /* Approve the first proposal; the next cycle executes it through the host's executor,
   * exactly once, with exactly the approved action. */
  p = mj_at(mj_get(first, "proposals"), 0);
  id = approve_proposal(j, p, "lea");
  if (id == 0) goto done;
  ok(juno_set_clock(j, SIM_END_MS + HOUR_MS, &err), &err, "set_clock(+1h)");
  v = run_cycle(j, CYCLE_OPTIONS, &host, "cycle with the host executor");
  CHECK(host.calls == 1, "the executor was called %d times, want 1", host.calls);
  CHECK(host.unterminated == 0, "the action JSON was not NUL-terminated");
  CHECK(host.action != NULL && strstr(host.action, "\"writes\"") != NULL,
        "the action JSON has no writes: %s", host.action != NULL ? host.action : "(none)");
  req = request_of(j, id, "get executed request");
  action = host.action != NULL ? mj_parse(host.action, host.action_len, msg, sizeof msg) : NULL;
  CHECK(action != NULL, "the action is not JSON");
  CHECK(mj_equal(action, mj_get(req, "action")), "the executor got another action than approved");
  CHECK(mj_len(mj_get(mj_get(action, "parameters"), "writes")) == mj_len(mj_get(p, "writes")),
        "the action carries %zu writes, the proposal %zu",
        mj_len(mj_get(mj_get(action, "parameters"), "writes")), mj_len(mj_get(p, "writes")));
  CHECK(mj_str_eq(mj_get(req, "status"), "executed"), "the request is not executed");
  act = mj_at(mj_get(v, "executed"), 0);
  CHECK(mj_len(mj_get(v, "executed")) == 1 && mj_int(mj_get(act, "request_id"), &got) &&
            got == id,
        "the report does not list the one execution");
  CHECK(mj_str_eq(mj_get(act, "approved_by"), "lea"), "the execution is not attributed to lea");
  CHECK(!proposes_again(v, first), "work the first cycle proposed was proposed again");
  mj_free(action);
  mj_free(req);
  mj_free(v);

  /* The next cycle does not run it again. */
  ok(juno_set_clock(j, SIM_END_MS + 2 * HOUR_MS, &err), &err, "set_clock(+2h)");
  v = run_cycle(j, CYCLE_OPTIONS, &host, "cycle after the execution");
  CHECK(host.calls == 1, "an executed action ran again (%d calls)", host.calls);
  CHECK(mj_len(mj_get(v, "executed")) == 0, "the report lists a second execution");
  mj_free(v);

  /* The outbox knows what it changed, and can propose undoing it. */
  if (ok(juno_executor_record(j, id, &buf, &err), &err, "executor_record")) {
    v = parse_buf(&buf, "execution record");
    CHECK(mj_get(v, "ok") != NULL && mj_get(v, "ok")->type == MJ_BOOL && mj_get(v, "ok")->boolean,
          "the record is not ok:true");
    CHECK(mj_int(mj_get(v, "request_id"), &got) && got == id, "the record is for another request");
    CHECK(mj_len(mj_get(v, "changes")) == mj_len(mj_get(p, "writes")),
          "the record holds %zu changes, the approved action %zu writes",
          mj_len(mj_get(v, "changes")), mj_len(mj_get(p, "writes")));
    CHECK(mj_str(mj_get(v, "done_at")) != NULL, "the record has no done_at");
    mj_free(v);
  }
  if (ok(juno_executor_propose_revert(j, id, "lea", 3, &buf, &err), &err, "propose_revert")) {
    v = parse_buf(&buf, "revert request");
    CHECK(mj_str_eq(mj_get(v, "status"), "pending"), "the revert is not pending");
    CHECK(mj_str_eq(mj_get(mj_get(v, "action"), "kind"), "revert"), "not a revert action");
    CHECK(mj_int(mj_get(v, "id"), &got) && got != id, "the revert has no new id");
    mj_free(v);
  }
  fails_naming(juno_executor_propose_revert(j, 999999, "lea", 3, &buf, &err), &err,
               JUNO_STATUS_NOT_FOUND, "999999", "propose_revert(unknown id)");
  CHECK(buf.data == NULL, "output written on failure");

  /* A host executor that fails: the request is marked failed, not retried. */
  failed_id = approve_proposal(j, mj_at(mj_get(first, "proposals"), 1), "max");
  if (failed_id != 0) {
    host.calls = 0;
    host.result = 7;
    ok(juno_set_clock(j, SIM_END_MS + 3 * HOUR_MS, &err), &err, "set_clock(+3h)");
    v = run_cycle(j, CYCLE_OPTIONS, &host, "cycle with a failing executor");
    CHECK(host.calls == 1, "the failing executor was called %d times, want 1", host.calls);
    CHECK(mj_len(mj_get(v, "failed")) == 1 && mj_len(mj_get(v, "executed")) == 0,
          "%zu failed, %zu executed; want 1 and 0", mj_len(mj_get(v, "failed")),
          mj_len(mj_get(v, "executed")));
    mj_free(v);
    req = request_of(j, failed_id, "get failed request");
    CHECK(mj_str_eq(mj_get(req, "status"), "execution_failed"), "the request is not failed");
    mj_free(req);
    if (ok(juno_executor_record(j, failed_id, &buf, &err), &err, "executor_record(failed)")) {
      v = parse_buf(&buf, "failed record");
      CHECK(mj_get(v, "ok") != NULL && mj_get(v, "ok")->type == MJ_BOOL &&
                !mj_get(v, "ok")->boolean,
            "a failed execution is not recorded as ok:false");
      mj_free(v);
    }
    fails_with(juno_executor_propose_revert(j, failed_id, "lea", 3, &buf, &err), &err,
               JUNO_STATUS_INVALID_STATE, "propose_revert(failed)");
    host.calls = 0;
    host.result = 0;
    ok(juno_set_clock(j, SIM_END_MS + 4 * HOUR_MS, &err), &err, "set_clock(+4h)");
    v = run_cycle(j, CYCLE_OPTIONS, &host, "cycle after the failure");
    CHECK(host.calls == 0, "a failed action was retried (%d calls)", host.calls);
    mj_free(v);
  }
  CHECK(cycle_count(j) == 5, "%lld cycles stored, want 5", (long long)cycle_count(j));

done:
  free(host.action);
  mj_free(first);
  juno_free(j);
  remove(db);
}

/* Refused input: the status, a message naming the bad option, nothing stored or run. */
static void test_agent_bad_input(void) {
  juno *j = NULL;
  juno_error *err = NULL;
  juno_buf buf = {NULL, 0};
  host_executor host = {0, 0, 0, NULL, 0};
  static const char bad_utf8[] = "{\"requester\":\"jun\xc3\x28\"}";

  if (!ok(juno_open_in_memory(&j, &err), &err, "open (agent bad input)")) return;
  ok(juno_set_clock(j, SIM_END_MS, &err), &err, "set_clock");
  fails_naming(juno_agent_run_cycle(j, NULL, 0, "{\"cooldown_days\":-1}", 20, host_execute,
                                    &host, &buf, &err),
               &err, JUNO_STATUS_INVALID_INPUT, "options.cooldown_days", "cycle(cooldown -1)");
  fails_naming(juno_agent_run_cycle(j, NULL, 0, "{\"cooldown_dayz\":1}", 19, NULL, NULL, &buf,
                                    &err),
               &err, JUNO_STATUS_INVALID_INPUT, "cooldown_dayz", "cycle(unknown option)");
  fails_naming(juno_agent_run_cycle(j, NULL, 0, "{\"triage\":{\"max_proposal\":5}}", 29, NULL,
                                    NULL, &buf, &err),
               &err, JUNO_STATUS_INVALID_INPUT, "max_proposal", "cycle(unknown triage option)");
  fails_with(juno_agent_run_cycle(j, NULL, 0, "[]", 2, NULL, NULL, &buf, &err), &err,
             JUNO_STATUS_INVALID_INPUT, "cycle(options not an object)");
  fails_naming(juno_agent_run_cycle(j, "{\"teams\":0}", 11, NULL, 0, NULL, NULL, &buf, &err),
               &err, JUNO_STATUS_INVALID_INPUT, "settings.teams", "cycle(sim teams 0)");
  fails_with(juno_agent_run_cycle(j, NULL, 0, bad_utf8, strlen(bad_utf8), NULL, NULL, &buf,
                                  &err),
             &err, JUNO_STATUS_INVALID_UTF8, "cycle(invalid UTF-8 options)");
  fails_with(juno_agent_run_cycle(j, "{\"seed\":\xff}", 10, NULL, 0, NULL, NULL, &buf, &err),
             &err, JUNO_STATUS_INVALID_UTF8, "cycle(invalid UTF-8 sim settings)");
  fails_with(juno_agent_run_cycle(j, NULL, 0, NULL, 0, NULL, NULL, NULL, &err), &err,
             JUNO_STATUS_NULL_PARAMETER, "cycle(NULL out)");
  fails_with(juno_agent_run_cycle(NULL, NULL, 0, NULL, 0, NULL, NULL, &buf, &err), &err,
             JUNO_STATUS_NULL_PARAMETER, "cycle(NULL handle)");
  CHECK(host.calls == 0, "a refused cycle called the executor");
  CHECK(buf.data == NULL && buf.len == 0, "a report was written on failure");
  CHECK(cycle_count(j) == 0, "a refused cycle stored a report");

  fails_naming(juno_source_sync_sim(j, "{\"teams\":0}", 11, &buf, &err), &err,
               JUNO_STATUS_INVALID_INPUT, "settings.teams", "sync_sim(teams 0)");
  fails_with(juno_source_sync_sim(j, NULL, 0, NULL, &err), &err, JUNO_STATUS_NULL_PARAMETER,
             "sync_sim(NULL out)");
  fails_with(juno_source_state(j, NULL, 0, &buf, &err), &err, JUNO_STATUS_NULL_PARAMETER,
             "source_state(NULL name)");
  fails_with(juno_source_state(j, "sim:\xff", 5, &buf, &err), &err, JUNO_STATUS_INVALID_UTF8,
             "source_state(invalid UTF-8)");
  fails_with(juno_source_snapshot(j, NULL, &err), &err, JUNO_STATUS_NULL_PARAMETER,
             "source_snapshot(NULL out)");
  fails_with(juno_agent_cycles(j, 5, NULL, &err), &err, JUNO_STATUS_NULL_PARAMETER,
             "agent_cycles(NULL out)");
  fails_with(juno_executor_record(NULL, 1, &buf, &err), &err, JUNO_STATUS_NULL_PARAMETER,
             "executor_record(NULL handle)");
  fails_with(juno_executor_propose_revert(j, 1, NULL, 0, &buf, &err), &err,
             JUNO_STATUS_NULL_PARAMETER, "propose_revert(NULL requester)");
  fails_with(juno_executor_propose_revert(j, 1, "lea", 3, NULL, &err), &err,
             JUNO_STATUS_NULL_PARAMETER, "propose_revert(NULL out)");
  CHECK(buf.data == NULL && buf.len == 0, "output written on failure");
  free(host.action);
  juno_free(j);
}

/* Routing: which queue a proposal goes to and whether policy would approve it alone. */
static void check_route(const juno *j, const char *proposal, const char *want_role,
                        int want_auto, const char *what) {
  juno_buf buf = {NULL, 0};
  juno_error *err = NULL;
  mj_value *v;
  const mj_value *d;
  if (!ok(juno_governance_route(j, proposal, strlen(proposal), &buf, &err), &err, what)) return;
  v = parse_buf(&buf, what);
  d = mj_get(v, "decision");
  CHECK(mj_str_eq(mj_get(v, "role"), want_role), "%s: role %s, want %s", what,
        mj_str(mj_get(v, "role")) ? mj_str(mj_get(v, "role")) : "(none)", want_role);
  CHECK(d != NULL, "%s: no decision field", what);
  if (want_auto) {
    CHECK(d != NULL && d->type == MJ_OBJECT && mj_str_eq(mj_get(d, "rule"), "auto_approval"),
          "%s: not auto-approved", what);
  } else {
    CHECK(d != NULL && d->type == MJ_NULL, "%s: decision is not null", what);
  }
  mj_free(v);
}

static void test_governance_route(void) {
  static const char low_sure[] =
      "{\"action\":{\"kind\":\"reassign\",\"team\":\"alpha\",\"target\":\"ALPHA-1\"},"
      "\"impact\":\"low\",\"confidence\":0.99,\"requester\":\"juno\"}";
  static const char low_unsure[] =
      "{\"action\":{\"kind\":\"reassign\",\"team\":\"alpha\",\"target\":\"ALPHA-1\"},"
      "\"impact\":\"low\",\"confidence\":0.5,\"requester\":\"juno\"}";
  static const char high_sure[] =
      "{\"action\":{\"kind\":\"escalate\",\"team\":\"alpha\",\"target\":\"ALPHA-1\"},"
      "\"impact\":\"high\",\"confidence\":0.99,\"requester\":\"juno\"}";
  static const char bad_impact[] =
      "{\"action\":{\"kind\":\"reassign\",\"team\":\"alpha\"},\"impact\":\"huge\","
      "\"confidence\":0.99,\"requester\":\"juno\"}";
  static const char autonomous[] = "{\"AUTONOMOUS_ACTIONS\":\"true\"}";
  juno *j = NULL;
  juno_error *err = NULL;
  juno_buf buf = {NULL, 0};

  /* Default settings: autonomous actions are off, so a person always decides. */
  if (ok(juno_open_in_memory(&j, &err), &err, "open (route)")) {
    check_route(j, low_sure, "TEAM_LEAD", 0, "route(low, 0.99, defaults)");
    check_route(j, high_sure, "PROJECT_MANAGER", 0, "route(high, 0.99, defaults)");
    fails_with(juno_governance_route(j, bad_impact, strlen(bad_impact), &buf, &err), &err,
               JUNO_STATUS_INVALID_INPUT, "route(unknown impact)");
    fails_with(juno_governance_route(j, low_sure, strlen(low_sure), NULL, &err), &err,
               JUNO_STATUS_NULL_PARAMETER, "route(NULL out)");
    fails_with(juno_governance_route(j, NULL, 0, &buf, &err), &err, JUNO_STATUS_NULL_PARAMETER,
               "route(NULL proposal)");
    CHECK(buf.data == NULL, "output written on failure");
    CHECK(pending_count(j) == 0, "routing submitted a request");
    juno_free(j);
    j = NULL;
  }
  /* Autonomous actions on: policy approves a sure low-impact proposal, never a high one
   * or an unsure one. */
  if (ok(juno_open_with_settings(":memory:", 8, autonomous, strlen(autonomous), &j, &err), &err,
         "open (route, autonomous)")) {
    check_route(j, low_sure, "TEAM_LEAD", 1, "route(low, 0.99, autonomous)");
    check_route(j, low_unsure, "TEAM_LEAD", 0, "route(low, 0.5, autonomous)");
    check_route(j, high_sure, "PROJECT_MANAGER", 0, "route(high, 0.99, autonomous)");
    juno_free(j);
  }
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
  CHECK(strcmp(juno_version(), JUNO_VERSION_STRING) == 0, "library %s, header %s",
        juno_version(), JUNO_VERSION_STRING);

  text = read_file(argv[1], &len);
  CHECK(text != NULL, "cannot read %s", argv[1]);
  fixture = text != NULL ? mj_parse(text, len, msg, sizeof msg) : NULL;
  CHECK(fixture != NULL, "fixture is not JSON: %s", text != NULL ? msg : "(unread)");
  if (fixture != NULL) {
    replay_memory_fixture(fixture);
    replay_learning_fixture(fixture);
  }
  mj_free(fixture);
  free(text);

  test_null_parameters();
  test_invalid_input();
  test_surface_parity();
  test_files(argv[2]);
  test_damaged_and_newer_files(argv[2]);
  test_threads();
  test_agent_cycle(argv[2]);
  test_agent_bad_input();
  test_governance_route();

  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 && passed > 0 ? 0 : 1;
}
