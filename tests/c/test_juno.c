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

  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 && passed > 0 ? 0 : 1;
}
