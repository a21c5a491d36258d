/*
 * What a call through the C ABI costs on top of the Rust call it makes (issue #12's
 * boundary overhead): the same trivial recall as benches/python_overhead.py — an in-memory
 * engine with the same five memories, team "team_alpha", limit 1, no access recorded —
 * timed through juno_memory_recall (query JSON in, hits JSON out, buffer freed). The
 * Rust side of the comparison is the same query looped inside Rust, which
 * benches/python_overhead.py measures (juno._juno._bench_recall_ns); benches/report.py
 * subtracts it.
 *
 * Built and run by benches/run.sh against the release libjuno.a:
 *   overhead [ROUNDS] [CALLS]   -> one JSON object on stdout
 */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "juno.h"

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void die(const char *what, juno_error *err) {
  juno_str msg = juno_error_message(err);
  fprintf(stderr, "overhead: %s failed: %.*s\n", what, (int)msg.len, msg.data ? msg.data : "?");
  exit(1);
}

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 15;
  int calls = argc > 2 ? atoi(argv[2]) : 2000;
  if (rounds < 1 || rounds > 1000 || calls < 1) {
    fprintf(stderr, "usage: overhead [ROUNDS 1..1000] [CALLS]\n");
    return 2;
  }
  juno *j = NULL;
  juno_error *err = NULL;
  if (juno_open_in_memory(&j, &err) != JUNO_STATUS_OK) die("juno_open_in_memory", err);
  static const char memories[] =
      "[{\"kind\":\"semantic\",\"scope\":{\"team\":\"team_alpha\"},\"text\":\"alpha splits stories above 8 points\"},"
      "{\"kind\":\"episodic\",\"scope\":{\"team\":\"team_alpha\"},\"text\":\"deploy failed on flaky tests\"},"
      "{\"kind\":\"procedural\",\"scope\":{\"team\":\"team_alpha\"},\"text\":\"when blocked, escalate at standup\"},"
      "{\"kind\":\"semantic\",\"scope\":{\"team\":\"team_beta\"},\"text\":\"beta estimates in t-shirt sizes\"},"
      "{\"kind\":\"episodic\",\"scope\":{\"team\":\"team_beta\"},\"text\":\"app store rejected release 7.1\"}]";
  juno_buf buf = {0};
  if (juno_memory_store_many(j, memories, strlen(memories), &buf, &err) != JUNO_STATUS_OK)
    die("juno_memory_store_many", err);
  juno_buf_free(&buf);

  static const char query[] = "{\"team\":\"team_alpha\",\"limit\":1,\"touch\":false}";
  const size_t query_len = strlen(query);
  for (int i = 0; i < 200; i++) { /* warm-up: statement cache, allocator */
    if (juno_memory_recall(j, query, query_len, &buf, &err) != JUNO_STATUS_OK)
      die("juno_memory_recall", err);
    juno_buf_free(&buf);
  }
  double *c_us = calloc((size_t)rounds, sizeof *c_us);
  if (!c_us) return 1;
  for (int r = 0; r < rounds; r++) {
    double t = now_us();
    for (int i = 0; i < calls; i++) {
      if (juno_memory_recall(j, query, query_len, &buf, &err) != JUNO_STATUS_OK)
        die("juno_memory_recall", err);
      juno_buf_free(&buf);
    }
    c_us[r] = (now_us() - t) / calls;
  }
  qsort(c_us, (size_t)rounds, sizeof *c_us, cmp);
  printf("{\"c_call_us_median\": %.3f, \"rounds\": %d, \"calls\": %d}\n",
         c_us[rounds / 2], rounds, calls);
  free(c_us);
  juno_free(j);
  return 0;
}
