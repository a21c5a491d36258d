/*
 * C tests of JUNO's structured logs through juno_log_set_callback (issue #12): the
 * governance channel reports each committed audit entry with its fields as JSON, a refusal
 * is a warning, the level filters, LOG_PSEUDONYM_KEY replaces user identifiers, events
 * from several threads all arrive, NULL turns logging off and a bad level is refused.
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

#define MAX_EVENTS 512

/* What the callback saw; the callback may run on several threads at once. */
static struct {
  pthread_mutex_t lock;
  int n;
  unsigned level[MAX_EVENTS];
  char channel[MAX_EVENTS][32];
  char message[MAX_EVENTS][160];
  char fields[MAX_EVENTS][320];
} seen = {PTHREAD_MUTEX_INITIALIZER, 0, {0}, {{0}}, {{0}}, {{0}}};

static void on_event(void *ctx, uint32_t level, const char *channel, const char *message,
                     const char *fields_json) {
  int *calls = ctx;
  pthread_mutex_lock(&seen.lock);
  (*calls)++;
  if (seen.n < MAX_EVENTS) {
    seen.level[seen.n] = level;
    snprintf(seen.channel[seen.n], sizeof seen.channel[0], "%s", channel);
    snprintf(seen.message[seen.n], sizeof seen.message[0], "%s", message);
    snprintf(seen.fields[seen.n], sizeof seen.fields[0], "%s", fields_json);
    seen.n++;
  }
  pthread_mutex_unlock(&seen.lock);
}

static void forget(void) {
  pthread_mutex_lock(&seen.lock);
  seen.n = 0;
  pthread_mutex_unlock(&seen.lock);
}

/* How many governance events with `event` were seen; the first one's fields in *fields. */
static int governance_events(const char *event, mj_value **fields) {
  int count = 0, i;
  if (fields) *fields = NULL;
  for (i = 0; i < seen.n; i++) {
    mj_value *f;
    if (strcmp(seen.channel[i], "juno::governance") != 0) continue;
    f = mj_parse_owned(seen.fields[i], strlen(seen.fields[i]), NULL, 0);
    CHECK(f != NULL, "fields are JSON: %s", seen.fields[i]);
    if (f != NULL && mj_str_eq(mj_get(f, "event"), event)) {
      count++;
      if (fields && *fields == NULL) {
        *fields = f;
        continue;
      }
    }
    mj_free(f);
  }
  return count;
}

static const char REQUEST[] =
    "{\"action\":{\"kind\":\"reassign\",\"team\":\"alpha\",\"target\":\"A-%d\"},"
    "\"impact\":\"low\",\"confidence\":0.6,\"explanation\":\"\",\"requester\":\"juno\"}";

/* Submits request `n`; its id and digest. */
static int submit(juno *j, int n, int64_t *id, char digest[128]) {
  juno_error *err = NULL;
  juno_buf buf = {NULL, 0};
  char json[512];
  int good = 0;
  snprintf(json, sizeof json, REQUEST, n);
  if (ok(juno_governance_submit(j, json, strlen(json), &buf, &err), &err, "submit")) {
    mj_value *v = parse_buf(&buf, "submit");
    good = v != NULL && mj_int(mj_get(v, "id"), id);
    if (good) snprintf(digest, 128, "%s", mj_str(mj_get(v, "digest")));
    mj_free(v);
  }
  return good;
}

static int approve(juno *j, int64_t id, const char *who, const char *digest) {
  juno_error *err = NULL;
  juno_buf buf = {NULL, 0};
  juno_status s =
      juno_governance_approve(j, id, who, strlen(who), digest, strlen(digest), &buf, &err);
  juno_buf_free(&buf);
  juno_error_free(err);
  return s == JUNO_STATUS_OK;
}

static void test_governance_events(void) {
  juno *j = NULL;
  juno_error *err = NULL;
  int64_t id = 0;
  char digest[128] = "";
  mj_value *f = NULL;
  forget();
  if (!ok(juno_open_in_memory(&j, &err), &err, "open_in_memory")) return;
  ok(juno_governance_assign_role(j, "lead@company.com", 16, "TEAM_LEAD", 9, "[\"alpha\"]", 9,
                                 "admin", 5, &err),
     &err, "assign_role");
  if (submit(j, 1, &id, digest)) {
    CHECK(!approve(j, id, "mallory", digest), "mallory has no role");
    CHECK(approve(j, id, "lead@company.com", digest), "the lead approves");
  }
  pthread_mutex_lock(&seen.lock);
  CHECK(governance_events("role_assigned", NULL) == 1, "role_assigned logged once");
  CHECK(governance_events("request_submitted", NULL) == 1, "request_submitted logged once");
  CHECK(governance_events("request_approved", &f) == 1, "request_approved logged once");
  if (f != NULL) {
    int64_t seq = 0;
    char subject[64];
    snprintf(subject, sizeof subject, "request:%lld", (long long)id);
    CHECK(mj_str_eq(mj_get(f, "actor"), "lead@company.com"), "approved: actor");
    CHECK(mj_str_eq(mj_get(f, "subject"), subject), "approved: subject");
    CHECK(mj_int(mj_get(f, "seq"), &seq) && seq >= 3, "approved: seq");
    mj_free(f);
  }
  {
    int i, refusals = 0;
    for (i = 0; i < seen.n; i++) {
      if (strstr(seen.fields[i], "\"event\":\"refused\"") != NULL) {
        refusals++;
        CHECK(seen.level[i] == 2, "a refusal is a warning (2), got %u", seen.level[i]);
      }
    }
    CHECK(refusals == 1, "mallory's attempt logged once, got %d", refusals);
  }
  pthread_mutex_unlock(&seen.lock);
  juno_free(j);
}

static void test_pseudonyms_and_levels(void) {
  static const char settings[] = "{\"LOG_PSEUDONYM_KEY\":\"c-test-key\"}";
  juno *j = NULL;
  juno_error *err = NULL;
  int64_t id = 0;
  char digest[128] = "";
  int calls = 0, i;
  forget();
  if (!ok(juno_open_with_settings(":memory:", 8, settings, strlen(settings), &j, &err), &err,
          "open_with_settings")) {
    return;
  }
  ok(juno_governance_assign_role(j, "lead@company.com", 16, "TEAM_LEAD", 9, "[\"alpha\"]", 9,
                                 "admin", 5, &err),
     &err, "assign_role");
  if (submit(j, 2, &id, digest)) approve(j, id, "lead@company.com", digest);
  pthread_mutex_lock(&seen.lock);
  CHECK(seen.n >= 3, "events seen: %d", seen.n);
  for (i = 0; i < seen.n; i++) {
    CHECK(strstr(seen.message[i], "lead@company.com") == NULL &&
              strstr(seen.fields[i], "lead@company.com") == NULL &&
              strstr(seen.fields[i], "c-test-key") == NULL,
          "a name or the key in: %s %s", seen.message[i], seen.fields[i]);
  }
  CHECK(governance_events("request_approved", NULL) == 1, "approved, pseudonymously");
  pthread_mutex_unlock(&seen.lock);

  /* Warnings only: an approval (info) is not delivered. */
  ok(juno_log_set_callback(on_event, &calls, 2, &err), &err, "set_callback warn");
  forget();
  if (submit(j, 3, &id, digest)) approve(j, id, "lead@company.com", digest);
  pthread_mutex_lock(&seen.lock);
  CHECK(seen.n == 0, "info events filtered at level 2, got %d", seen.n);
  pthread_mutex_unlock(&seen.lock);
  juno_free(j);
}

struct worker {
  juno *j;
  int64_t ids[8];
  char digests[8][128];
};

static void *approve_all(void *arg) {
  struct worker *w = arg;
  int i;
  for (i = 0; i < 8; i++) approve(w->j, w->ids[i], "lead@company.com", w->digests[i]);
  return NULL;
}

static void test_threads(void) {
  juno *j = NULL;
  juno_error *err = NULL;
  struct worker w[4];
  pthread_t t[4];
  int i, k;
  forget();
  if (!ok(juno_open_in_memory(&j, &err), &err, "open_in_memory")) return;
  ok(juno_governance_assign_role(j, "lead@company.com", 16, "TEAM_LEAD", 9, "[\"alpha\"]", 9,
                                 "admin", 5, &err),
     &err, "assign_role");
  for (i = 0; i < 4; i++) {
    w[i].j = j;
    for (k = 0; k < 8; k++) submit(j, 100 + i * 8 + k, &w[i].ids[k], w[i].digests[k]);
  }
  for (i = 0; i < 4; i++) pthread_create(&t[i], NULL, approve_all, &w[i]);
  for (i = 0; i < 4; i++) pthread_join(t[i], NULL);
  pthread_mutex_lock(&seen.lock);
  CHECK(governance_events("request_approved", NULL) == 32, "32 approvals from 4 threads");
  pthread_mutex_unlock(&seen.lock);
  juno_free(j);
}

int main(void) {
  juno_error *err = NULL;
  int calls = 0;
  (void)read_file;
  (void)status_of_kind;
  fails_with(juno_log_set_callback(on_event, &calls, 6, &err), &err, JUNO_STATUS_INVALID_INPUT,
             "level 6");
  if (ok(juno_log_set_callback(on_event, &calls, 3, &err), &err, "set_callback")) {
    test_governance_events();
    test_pseudonyms_and_levels();
    ok(juno_log_set_callback(on_event, &calls, 3, &err), &err, "set_callback info");
    test_threads();
    /* Off: nothing more arrives. */
    ok(juno_log_set_callback(NULL, NULL, 3, &err), &err, "set_callback NULL");
    {
      int before = calls;
      juno *j = NULL;
      if (ok(juno_open_in_memory(&j, &err), &err, "open_in_memory")) {
        ok(juno_governance_assign_role(j, "x", 1, "TEAM_LEAD", 9, "[\"alpha\"]", 9, "admin", 5,
                                       &err),
           &err, "assign_role");
        juno_free(j);
      }
      CHECK(calls == before, "no call after NULL: %d then %d", before, calls);
    }
  }
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
