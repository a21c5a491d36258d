/*
 * example.c — what a C program using JUNO looks like.
 *
 * Opens (or creates) a JUNO database file, stores what a team knows, recalls it ranked
 * and explained, prints the results and frees everything. Every call's status is
 * checked. Build (see tests/c/run.sh):
 *
 *   cargo build -p juno-ffi
 *   cc -std=c11 -Iinclude example.c mini_json.c target/debug/libjuno.a -lpthread -ldl -lm
 *   ./a.out /tmp/team.db
 *
 * JSON output is read with tests/c/mini_json.h here; use any JSON library you like.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "juno.h"
#include "mini_json.h"

/* Prints why a call failed and frees the error. Returns 0 so callers can `return fail()`. */
static int fail(const char *what, juno_status status, juno_error *err) {
  juno_str msg = juno_error_message(err);
  fprintf(stderr, "%s failed (status %u): %.*s\n", what, (unsigned)status, (int)msg.len,
          msg.data);
  juno_error_free(err);
  return 0;
}

static int store_knowledge(juno *db) {
  static const char *memories =
      "["
      "{\"kind\":\"semantic\",\"scope\":{\"team\":\"team_alpha\"},\"key\":\"alpha-split\","
      "\"text\":\"alpha splits stories above 8 points before sprint planning\","
      "\"tags\":[\"estimation\"],\"importance\":0.8},"
      "{\"kind\":\"episodic\",\"scope\":{\"team\":\"team_alpha\"},\"key\":\"alpha-deploy\","
      "\"text\":\"deploy to staging failed because of flaky integration tests\","
      "\"tags\":[\"deploy\",\"ci\"],\"content\":{\"ticket\":\"ALPHA-101\"}},"
      "{\"kind\":\"semantic\",\"scope\":{\"team\":\"team_alpha\"},\"key\":\"alpha-flaky\","
      "\"text\":\"flaky tests are owned by the platform pod\",\"tags\":[\"ci\"]}"
      "]";
  juno_buf ids = {NULL, 0};
  juno_error *err = NULL;
  juno_status s = juno_memory_store_many(db, memories, strlen(memories), &ids, &err);
  if (s != JUNO_STATUS_OK) return fail("juno_memory_store_many", s, err);
  printf("stored memories with ids %s\n", (const char *)ids.data);
  juno_buf_free(&ids);
  return 1;
}

static int recall(juno *db, const char *query) {
  juno_buf hits = {NULL, 0};
  juno_error *err = NULL;
  mj_value *parsed;
  size_t i;
  juno_status s = juno_memory_recall(db, query, strlen(query), &hits, &err);
  if (s != JUNO_STATUS_OK) return fail("juno_memory_recall", s, err);
  parsed = mj_parse((const char *)hits.data, hits.len, NULL, 0);
  if (parsed == NULL) {
    fprintf(stderr, "recall returned unreadable JSON\n");
    juno_buf_free(&hits);
    return 0;
  }
  printf("recall %s -> %zu hit(s)\n", query, mj_len(parsed));
  for (i = 0; i < mj_len(parsed); i++) {
    const mj_value *hit = mj_at(parsed, i);
    const mj_value *memory = mj_get(hit, "memory");
    double score = 0;
    mj_num(mj_get(hit, "score"), &score);
    printf("  %zu. [%.4f] %s: %s\n", i + 1, score, mj_str(mj_get(memory, "key")),
           mj_str(mj_get(memory, "text")));
  }
  mj_free(parsed);
  juno_buf_free(&hits);
  return 1;
}

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : "juno-example.db";
  juno *db = NULL;
  juno_error *err = NULL;
  juno_buf stats = {NULL, 0};
  juno_status s;
  int good;

  printf("JUNO %s (header %s)\n", juno_version(), JUNO_VERSION_STRING);
  s = juno_open(path, strlen(path), &db, &err);
  if (s != JUNO_STATUS_OK) {
    fail("juno_open", s, err);
    return 1;
  }

  good = store_knowledge(db) && recall(db, "{\"text\":\"flaky deploy\",\"team\":\"team_alpha\"}") &&
         recall(db, "{\"team\":\"team_alpha\",\"tags\":[\"estimation\"]}");

  if (good) {
    s = juno_memory_stats(db, &stats, &err);
    if (s == JUNO_STATUS_OK) {
      printf("stats: %s\n", (const char *)stats.data);
      juno_buf_free(&stats);
    } else {
      good = fail("juno_memory_stats", s, err);
    }
  }

  /* Errors carry a status and a message. */
  if (good) {
    static const char bad[] = "{\"kind\":\"semantic\",\"scope\":{\"team\":\"team_alpha\"},"
                              "\"text\":\"x\",\"importance\":1.5}";
    int64_t id = 0;
    err = NULL;
    s = juno_memory_store(db, bad, strlen(bad), &id, &err);
    if (s == JUNO_STATUS_INVALID_INPUT) {
      juno_str msg = juno_error_message(err);
      printf("rejected as expected: %.*s\n", (int)msg.len, msg.data);
      juno_error_free(err);
    } else {
      fprintf(stderr, "a bad importance was not rejected (status %u)\n", (unsigned)s);
      juno_error_free(err);
      good = 0;
    }
  }

  juno_free(db);
  return good ? 0 : 1;
}
