/*
 * C tests of the batch calls of the JUNO C ABI (include/juno.h):
 * juno_reasoning_confidence_many, juno_reasoning_confidence_columns,
 * juno_memory_recall_many, juno_memory_flush_accesses and juno_governance_approve_many.
 *
 * Each batch must give what the one-at-a-time call gives, item for item: confidences
 * compared with juno_reasoning_confidence's, columns with confidence_many's numbers, the
 * hits of each recall with juno_memory_recall's, and each approval's result with the
 * status juno_governance_approve would have returned (refusals audited, others decided).
 * Then the boundary: NULL parameters, outputs untouched on failure, a bad cell named.
 * Prints "N passed, M failed" last and exits non-zero on any failure. Run by
 * tests/c/run.sh under ASan/UBSan and valgrind.
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

static double raw_of(const mj_value *confidence) {
  double x = NAN;
  CHECK(mj_num(mj_get(confidence, "raw"), &x), "no raw");
  return x;
}

static const char *const EVIDENCE[] = {
    "{\"completeness\":0.8,\"observations\":40,\"newest_evidence_age_hours\":12,"
    "\"track_record_right\":8,\"track_record_total\":10,\"pattern_support\":0.7,"
    "\"pattern_episodes\":12,\"engine_signals\":[0.6,0.9]}",
    "{\"completeness\":0.3,\"observations\":2,\"engine_signals\":[0.1,0.2]}",
    "{\"completeness\":1.0,\"observations\":7,\"track_record_right\":1,"
    "\"track_record_total\":4,\"engine_signals\":[0.5,0.5]}",
};
#define N_EVIDENCE 3

static void test_confidence(juno *j) {
  juno_error *err = NULL;
  juno_buf buf = {NULL, 0};
  double one[N_EVIDENCE];
  double out[N_EVIDENCE];
  size_t i;
  char many[1024] = "[";
  /* The columns of EVIDENCE; NaN marks an absent age or support. */
  const double completeness[] = {0.8, 0.3, 1.0}, observations[] = {40, 2, 7};
  const double age[] = {12, NAN, NAN}, right[] = {8, 0, 1}, total[] = {10, 0, 4};
  const double support[] = {0.7, NAN, NAN}, episodes[] = {12, 0, 0};
  const double signals[] = {0.6, 0.9, 0.1, 0.2, 0.5, 0.5};
  const double bad[] = {0.8, 1.3, 1.0};

  for (i = 0; i < N_EVIDENCE; i++) {
    one[i] = NAN;
    if (ok(juno_reasoning_confidence(j, EVIDENCE[i], strlen(EVIDENCE[i]), NULL, 0, NULL, 0, NULL,
                                     0, &buf, &err),
           &err, "confidence")) {
      mj_value *v = parse_buf(&buf, "output");
      if (v != NULL) one[i] = raw_of(v);
      mj_free(v);
          }
    strcat(many, EVIDENCE[i]);
    strcat(many, i + 1 < N_EVIDENCE ? "," : "]");
  }
  if (ok(juno_reasoning_confidence_many(j, many, strlen(many), NULL, 0, &buf, &err), &err,
         "confidence_many")) {
    mj_value *v = parse_buf(&buf, "output");
    CHECK(v != NULL && mj_len(v) == N_EVIDENCE, "confidence_many: %zu results",
          v != NULL ? mj_len(v) : 0);
    for (i = 0; v != NULL && i < mj_len(v) && i < N_EVIDENCE; i++) {
      CHECK(raw_of(mj_at(v, i)) == one[i], "confidence_many[%zu] differs", i);
    }
    mj_free(v);
      }
  if (ok(juno_reasoning_confidence_columns(j, N_EVIDENCE, completeness, observations, age, right,
                                           total, support, episodes, signals, 2, NULL, 0, out,
                                           &err),
         &err, "confidence_columns")) {
    for (i = 0; i < N_EVIDENCE; i++) {
      CHECK(out[i] == one[i], "columns[%zu]: %f, want %f", i, out[i], one[i]);
    }
  }
  /* A bad cell is named and nothing is written. */
  out[1] = -7.0;
  err = NULL;
  fails_with(juno_reasoning_confidence_columns(j, N_EVIDENCE, bad, observations, NULL, NULL,
                                               NULL, NULL, NULL, NULL, 0, NULL, 0, out, &err),
             &err, JUNO_STATUS_INVALID_INPUT, "columns(completeness 1.3)");
  CHECK(out[1] == -7.0, "output written on failure");
  {
    juno_error *e = NULL;
    juno_status s = juno_reasoning_confidence_columns(j, N_EVIDENCE, bad, observations, NULL,
                                                      NULL, NULL, NULL, NULL, NULL, 0, NULL, 0,
                                                      out, &e);
    juno_str m = e != NULL ? juno_error_message(e) : (juno_str){NULL, 0};
    CHECK(s == JUNO_STATUS_INVALID_INPUT && m.data != NULL &&
              strstr(m.data, "completeness[1]") != NULL,
          "the bad cell is named");
    juno_error_free(e);
  }
  fails_with(juno_reasoning_confidence_columns(j, 2, NULL, observations, NULL, NULL, NULL, NULL,
                                               NULL, NULL, 0, NULL, 0, out, &err),
             &err, JUNO_STATUS_NULL_PARAMETER, "columns(completeness NULL)");
  fails_with(juno_reasoning_confidence_columns(j, 2, completeness, observations, NULL, NULL,
                                               NULL, NULL, NULL, NULL, 0, NULL, 0, NULL, &err),
             &err, JUNO_STATUS_NULL_PARAMETER, "columns(out NULL)");
  fails_with(juno_reasoning_confidence_many(j, "[{\"completeness\":2}]", 20, NULL, 0, &buf, &err),
             &err, JUNO_STATUS_INVALID_INPUT, "confidence_many(completeness 2)");
  fails_with(juno_reasoning_confidence_many(NULL, "[]", 2, NULL, 0, &buf, &err), &err,
             JUNO_STATUS_NULL_PARAMETER, "confidence_many(j NULL)");
}

static void test_recall(juno *j) {
  static const char *const memories[] = {
      "{\"kind\":\"semantic\",\"scope\":{\"team\":\"alpha\"},\"text\":\"alpha deploys on friday\"}",
      "{\"kind\":\"semantic\",\"scope\":{\"team\":\"alpha\"},\"text\":\"alpha splits stories\"}",
      "{\"kind\":\"procedural\",\"scope\":{\"team\":\"alpha\"},\"text\":\"alpha deploys rollback\"}",
  };
  static const char queries[] =
      "[{\"team\":\"alpha\",\"kinds\":[\"semantic\"],\"touch\":false},"
      "{\"text\":\"deploys\",\"team\":\"alpha\",\"touch\":false}]";
  static const char *const singles[] = {
      "{\"team\":\"alpha\",\"kinds\":[\"semantic\"],\"touch\":false}",
      "{\"text\":\"deploys\",\"team\":\"alpha\",\"touch\":false}",
  };
  juno_error *err = NULL;
  juno_buf buf = {NULL, 0};
  size_t i;
  int64_t id;
  for (i = 0; i < 3; i++) {
    ok(juno_memory_store(j, memories[i], strlen(memories[i]), &id, &err), &err, "store");
  }
  if (ok(juno_memory_recall_many(j, queries, sizeof queries - 1, &buf, &err), &err,
         "recall_many")) {
    mj_value *many = parse_buf(&buf, "output");
    CHECK(many != NULL && mj_len(many) == 2, "recall_many: one list per query");
    for (i = 0; many != NULL && i < 2 && i < mj_len(many); i++) {
      juno_buf one = {NULL, 0};
      if (ok(juno_memory_recall(j, singles[i], strlen(singles[i]), &one, &err), &err,
             "recall")) {
        mj_value *v = parse_buf(&one, "recall");
        CHECK(v != NULL && mj_equal(v, mj_at(many, i)), "recall_many[%zu] differs from recall",
              i);
        mj_free(v);
              }
    }
    mj_free(many);
      }
  ok(juno_memory_flush_accesses(j, &err), &err, "flush_accesses");
  fails_with(juno_memory_flush_accesses(NULL, &err), &err, JUNO_STATUS_NULL_PARAMETER,
             "flush_accesses(j NULL)");
  fails_with(juno_memory_recall_many(j, "[{\"limit\":0}]", 13, &buf, &err), &err,
             JUNO_STATUS_INVALID_INPUT, "recall_many(limit 0)");
  fails_with(juno_memory_recall_many(j, NULL, 0, &buf, &err), &err, JUNO_STATUS_NULL_PARAMETER,
             "recall_many(queries NULL)");
}

static void test_approve(juno *j) {
  static const char request[] =
      "{\"action\":{\"kind\":\"reassign\",\"team\":\"alpha\",\"target\":\"A-%d\"},"
      "\"impact\":\"low\",\"confidence\":0.6,\"explanation\":\"\",\"requester\":\"juno\"}";
  juno_error *err = NULL;
  juno_buf buf = {NULL, 0};
  int64_t ids[2] = {0, 0};
  char digests[2][128] = {"", ""};
  char json[1024];
  int i;
  ok(juno_governance_assign_role(j, "tl", 2, "TEAM_LEAD", 9, "[\"alpha\"]", 9, "admin", 5, &err),
     &err, "assign_role");
  for (i = 0; i < 2; i++) {
    snprintf(json, sizeof json, request, i);
    if (ok(juno_governance_submit(j, json, strlen(json), &buf, &err), &err, "submit")) {
      mj_value *v = parse_buf(&buf, "output");
      CHECK(v != NULL && mj_int(mj_get(v, "id"), &ids[i]), "submit: id");
      if (v != NULL) snprintf(digests[i], sizeof digests[i], "%s", mj_str(mj_get(v, "digest")));
      mj_free(v);
          }
  }
  ok(juno_set_clock(j, 1767225600000 + 5 * 60 * 1000, &err), &err, "set_clock");
  /* Approve the first; the second with the first's digest (refused); the first again
   * (not pending any more); an unknown id. */
  snprintf(json, sizeof json,
           "[{\"id\":%lld,\"approver\":\"tl\",\"digest\":\"%s\"},"
           "{\"id\":%lld,\"approver\":\"tl\",\"digest\":\"%s\"},"
           "{\"id\":%lld,\"approver\":\"tl\",\"digest\":\"%s\"},"
           "{\"id\":999,\"approver\":\"tl\",\"digest\":\"x\"}]",
           (long long)ids[0], digests[0], (long long)ids[1], digests[0], (long long)ids[0],
           digests[0]);
  if (ok(juno_governance_approve_many(j, json, strlen(json), &buf, &err), &err,
         "approve_many")) {
    mj_value *v = parse_buf(&buf, "output");
    int64_t status = -1;
    CHECK(v != NULL && mj_len(v) == 4, "approve_many: one result per item");
    if (v != NULL && mj_len(v) == 4) {
      CHECK(mj_str_eq(mj_get(mj_at(v, 0), "status"), "approved"), "item 0 approved");
      CHECK(mj_int(mj_get(mj_get(mj_at(v, 1), "error"), "status"), &status) &&
                status == JUNO_STATUS_PERMISSION_DENIED,
            "item 1: wrong digest is PERMISSION_DENIED, got %lld", (long long)status);
      CHECK(mj_int(mj_get(mj_get(mj_at(v, 2), "error"), "status"), &status) &&
                status == JUNO_STATUS_INVALID_STATE,
            "item 2: decided twice is INVALID_STATE, got %lld", (long long)status);
      CHECK(mj_int(mj_get(mj_get(mj_at(v, 3), "error"), "status"), &status) &&
                status == JUNO_STATUS_NOT_FOUND,
            "item 3: unknown id is NOT_FOUND, got %lld", (long long)status);
    }
    mj_free(v);
      }
  /* Stored as reported: the second request is still pending. */
  if (ok(juno_governance_get(j, ids[1], &buf, &err), &err, "get")) {
    mj_value *v = parse_buf(&buf, "output");
    CHECK(v != NULL && mj_str_eq(mj_get(v, "status"), "pending"), "refused item still pending");
    mj_free(v);
      }
  fails_with(juno_governance_approve_many(j, "[{\"id\":1}]", 10, &buf, &err), &err,
             JUNO_STATUS_INVALID_INPUT, "approve_many(item without approver)");
  fails_with(juno_governance_approve_many(j, "[]", 2, NULL, &err), &err,
             JUNO_STATUS_NULL_PARAMETER, "approve_many(out NULL)");
}

int main(void) {
  juno *j = NULL;
  juno_error *err = NULL;
  /* check.h's fixture helpers are not needed here. */
  (void)read_file;
  (void)status_of_kind;
  if (ok(juno_open_in_memory(&j, &err), &err, "open_in_memory")) {
    ok(juno_set_clock(j, 1767225600000, &err), &err, "set_clock");
    test_confidence(j);
    test_recall(j);
    test_approve(j);
    juno_free(j);
  }
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 && passed > 0 ? 0 : 1;
}
