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
 * fail with its status, name the option in backticks and store nothing. Then a Jira sync
 * with progress (juno_source_sync_jira_with_progress) against a stand-in for Jira Cloud
 * that a forked child serves on 127.0.0.1: one progress event per search page, in order,
 * and a last one once stored; bad settings named. Prints
 * "N passed, M failed" last and exits non-zero on any failure. Run by tests/c/run.sh under
 * ASan/UBSan and valgrind.
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

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
  /* Nobody decided anything here: no confidence calibration map yet. */
  if (ok(juno_agent_confidence_calibrations(j, &buf, &err), &err, "confidence_calibrations")) {
    v = parse_buf(&buf, "confidence calibrations");
    CHECK(mj_len(v) == 0, "%zu maps, want none", mj_len(v));
    mj_free(v);
  }
  CHECK(juno_agent_confidence_calibrations(NULL, &buf, &err) == JUNO_STATUS_NULL_PARAMETER,
        "NULL handle");
  juno_error_free(err);
  err = NULL;
  juno_free(j);
}

/* ---- A stand-in for Jira Cloud on 127.0.0.1 ------------------------------------------ */

#define STANDIN_ISSUES 5
#define STANDIN_PAGE 2

/* One issue of project C, in Cloud's JSON. */
static int standin_issue(char *out, size_t cap, int n) {
  return snprintf(out, cap,
                  "{\"key\":\"C-%d\",\"fields\":{\"project\":{\"key\":\"C\"},"
                  "\"summary\":\"s\",\"priority\":{\"name\":\"High\"},"
                  "\"status\":{\"name\":\"To Do\",\"statusCategory\":{\"key\":\"new\"}},"
                  "\"assignee\":null,\"labels\":[],"
                  "\"created\":\"2025-09-01T09:00:00.000+0000\","
                  "\"updated\":\"2025-10-0%dT09:00:00.000+0000\","
                  "\"comment\":{\"comments\":[]},\"issuelinks\":[]},"
                  "\"changelog\":{\"histories\":[],\"total\":0,\"maxResults\":100}}",
                  n, n);
}

/* The body for `path`: fields, no boards, and the search in pages of STANDIN_PAGE by
 * nextPageToken (the offset, here). */
static void standin_body(const char *path, char *out, size_t cap) {
  if (strncmp(path, "/rest/api/3/field", 17) == 0) {
    snprintf(out, cap, "[]");
  } else if (strncmp(path, "/rest/agile/1.0/board", 21) == 0) {
    snprintf(out, cap, "{\"values\":[],\"isLast\":true,\"startAt\":0}");
  } else if (strncmp(path, "/rest/api/3/search/jql", 22) == 0) {
    const char *tok = strstr(path, "nextPageToken=");
    int start = tok != NULL ? atoi(tok + 14) : 0;
    int end = start + STANDIN_PAGE < STANDIN_ISSUES ? start + STANDIN_PAGE : STANDIN_ISSUES;
    size_t used = (size_t)snprintf(out, cap, "{\"issues\":[");
    for (int n = start; n < end && used < cap; n++) {
      if (n > start) used += (size_t)snprintf(out + used, cap - used, ",");
      used += (size_t)standin_issue(out + used, cap - used, n + 1);
    }
    if (end < STANDIN_ISSUES) {
      snprintf(out + used, cap - used, "],\"isLast\":false,\"nextPageToken\":\"%d\"}", end);
    } else {
      snprintf(out + used, cap - used, "],\"isLast\":true}");
    }
  } else {
    snprintf(out, cap, "{\"errorMessages\":[\"no route\"]}");
  }
}

/* Serves one request per connection until killed. */
static void standin_serve(int listener) {
  static char req[8192], body[16384], head[256];
  for (;;) {
    int c = accept(listener, NULL, NULL);
    size_t got = 0;
    if (c < 0) continue;
    while (got + 1 < sizeof req) {
      ssize_t n = read(c, req + got, sizeof req - 1 - got);
      if (n <= 0) break;
      got += (size_t)n;
      req[got] = '\0';
      if (strstr(req, "\r\n\r\n") != NULL) break;
    }
    req[got] = '\0';
    {
      char *path = strchr(req, ' ');
      char *sp = path != NULL ? strchr(path + 1, ' ') : NULL;
      int found;
      if (sp != NULL) *sp = '\0';
      standin_body(path != NULL ? path + 1 : "/", body, sizeof body);
      found = strncmp(body, "{\"errorMessages\"", 16) != 0;
      snprintf(head, sizeof head,
               "HTTP/1.1 %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
               "Connection: close\r\n\r\n",
               found ? "200 OK" : "404 Not Found", strlen(body));
      if (write(c, head, strlen(head)) < 0 || write(c, body, strlen(body)) < 0) {
        /* The client went away: nothing to do. */
      }
    }
    close(c);
  }
}

/* Forks the stand-in; its port in `*port`. The child's pid, or -1. */
static pid_t standin_start(int *port) {
  struct sockaddr_in addr;
  socklen_t alen = sizeof addr;
  pid_t pid;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(fd, 16) != 0 ||
      getsockname(fd, (struct sockaddr *)&addr, &alen) != 0) {
    close(fd);
    return -1;
  }
  *port = ntohs(addr.sin_port);
  fflush(stdout);
  pid = fork();
  if (pid == 0) {
    standin_serve(fd);
    _exit(0);
  }
  close(fd);
  return pid;
}

/* What the progress callback saw. */
typedef struct {
  int events;
  int bad_json;
  char seen[512]; /* "phase:count/total;" per event */
  int done_events;
} sync_events;

static void on_sync_progress(void *ctx, const char *json, size_t len) {
  sync_events *ev = ctx;
  mj_value *p = mj_parse_owned(json, len, NULL, 0);
  int64_t count = -1, total = -1;
  const mj_value *t;
  size_t used = strlen(ev->seen);
  ev->events++;
  if (p == NULL || json[len] != '\0' || !mj_int(mj_get(p, "count"), &count)) {
    ev->bad_json++;
    mj_free(p);
    return;
  }
  t = mj_get(p, "total");
  if (t != NULL && !mj_int(t, &total)) total = -1;
  {
    const mj_value *done = mj_get(p, "done");
    if (done != NULL && done->type == MJ_BOOL && done->boolean) ev->done_events++;
  }
  snprintf(ev->seen + used, sizeof ev->seen - used, "%s:%lld/%lld;",
           mj_str(mj_get(p, "phase")) != NULL ? mj_str(mj_get(p, "phase")) : "?",
           (long long)count, (long long)total);
  mj_free(p);
}

static void check_jira_sync_with_progress(void) {
  int port = 0;
  pid_t pid = standin_start(&port);
  char settings[512];
  juno *j = NULL;
  juno_buf buf = {NULL, 0};
  juno_error *err = NULL;
  sync_events ev;
  memset(&ev, 0, sizeof ev);
  CHECK(pid > 0, "the Jira stand-in did not start");
  if (pid <= 0) return;
  snprintf(settings, sizeof settings,
           "{\"base_url\":\"http://127.0.0.1:%d\",\"email\":\"bot@c.test\","
           "\"token\":\"c-token\",\"projects\":[\"C\"],\"page_size\":%d,"
           "\"max_requests_per_second\":0,\"backoff_ms\":1,\"timeout_secs\":5}",
           port, STANDIN_PAGE);
  if (ok(juno_open_in_memory(&j, &err), &err, "open for the Jira sync")) {
    if (ok(juno_source_sync_jira_with_progress(j, settings, strlen(settings), on_sync_progress,
                                               &ev, &buf, &err),
           &err, "sync_jira_with_progress")) {
      mj_value *report = parse_buf(&buf, "jira sync report");
      int64_t tickets = 0;
      CHECK(report != NULL &&
                mj_int(mj_get(mj_get(report, "stored"), "tickets"), &tickets) && tickets == 5,
            "the sync stored %lld tickets, not 5", (long long)tickets);
      mj_free(report);
    }
    /* Three pages (Cloud gives no total: -1), then the store: 1 team + 5 tickets. */
    CHECK(ev.bad_json == 0, "%d progress events were not NUL-terminated JSON", ev.bad_json);
    CHECK(strcmp(ev.seen, "issues:2/-1;issues:4/-1;issues:5/-1;stored:6/6;") == 0,
          "progress events: %s", ev.seen);
    CHECK(ev.done_events == 1, "%d events said done, not 1", ev.done_events);
    /* Without a callback, the same call reports nothing and still syncs. */
    if (ok(juno_source_sync_jira_with_progress(j, settings, strlen(settings), NULL, NULL, &buf,
                                               &err),
           &err, "sync_jira_with_progress without a callback")) {
      juno_buf_free(&buf);
    }
    /* Bad settings are named; nothing is called back. */
    memset(&ev, 0, sizeof ev);
    {
      static const char bad[] =
          "{\"base_url\":\"\",\"email\":\"bot@c.test\",\"token\":\"t\",\"projects\":[\"C\"]}";
      juno_status st = juno_source_sync_jira_with_progress(j, bad, strlen(bad), on_sync_progress,
                                                           &ev, &buf, &err);
      juno_str m = juno_error_message(err);
      CHECK(err != NULL && strstr(m.data, "base_url") != NULL,
            "a sync without base_url: the message \"%.*s\" does not name it", (int)m.len, m.data);
      fails_with(st, &err, JUNO_STATUS_CONFIG, "sync_jira_with_progress, no base_url");
    }
    CHECK(ev.events == 0, "a refused sync reported %d events", ev.events);
    fails_with(juno_source_sync_jira_with_progress(j, settings, strlen(settings), on_sync_progress,
                                                   &ev, NULL, &err),
               &err, JUNO_STATUS_NULL_PARAMETER, "sync_jira_with_progress without an output");
    juno_free(j);
  }
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
}

/* Notifications: a request queues one message for the configured Teams webhook; delivery
 * to a loopback port nobody listens on fails, is counted (not raised) and retried later;
 * the outbox shows it pending with its error. Then the boundary: a bad status, a limit of
 * 0, NULL outputs. */
static void check_notify(void) {
  juno *j = NULL;
  juno_error *err = NULL;
  juno_buf buf = {NULL, 0};
  const char *settings = "{\"TEAMS_WEBHOOK_URL\": \"http://127.0.0.1:9/hook\"}";
  const char *proposal =
      "{\"action\": {\"kind\": \"triage.reassign\", \"team\": \"alpha\", \"target\": \"A-1\","
      " \"parameters\": {}}, \"impact\": \"low\", \"confidence\": 0.3, \"requester\": \"juno\"}";
  mj_value *v;
  double n = -1;

  if (!ok(juno_open_with_settings(":memory:", 8, settings, strlen(settings), &j, &err), &err,
          "open with a Teams webhook"))
    return;
  ok(juno_governance_assign_role(j, "lead", 4, "TEAM_LEAD", 9, "[\"alpha\"]", 9, "admin", 5,
                                 &err),
     &err, "assign a lead");
  if (ok(juno_governance_submit(j, proposal, strlen(proposal), &buf, &err), &err, "submit"))
    juno_buf_free(&buf);
  if (ok(juno_notify_collect(j, &buf, &err), &err, "collect")) {
    v = parse_buf(&buf, "collected");
    CHECK(v != NULL && mj_num(mj_get(v, "queued"), &n) && n == 1, "one message queued");
    mj_free(v);
  }
  if (ok(juno_notify_deliver(j, 10, &buf, &err), &err, "deliver to a closed port")) {
    v = parse_buf(&buf, "delivery");
    CHECK(v != NULL && mj_num(mj_get(v, "retrying"), &n) && n == 1, "the failure is retried");
    CHECK(v != NULL && mj_num(mj_get(v, "sent"), &n) && n == 0, "nothing sent");
    mj_free(v);
  }
  if (ok(juno_notify_outbox(j, "pending", 7, 10, &buf, &err), &err, "outbox")) {
    const mj_value *m;
    const char *why;
    v = parse_buf(&buf, "outbox");
    m = v != NULL ? mj_at(v, 0) : NULL;
    CHECK(mj_len(v) == 1 && mj_str_eq(mj_get(m, "kind"), "approval_requested"),
          "an approval_requested message waits");
    why = mj_str(mj_get(m, "last_error"));
    CHECK(why != NULL && strstr(why, "connect") != NULL, "its error says why: %s",
          why != NULL ? why : "(none)");
    mj_free(v);
  }
  fails_with(juno_notify_outbox(j, "lost", 4, 10, &buf, &err), &err, JUNO_STATUS_INVALID_INPUT,
             "outbox: a bad status");
  fails_with(juno_notify_deliver(j, 0, &buf, &err), &err, JUNO_STATUS_INVALID_INPUT,
             "deliver: limit 0");
  fails_with(juno_notify_deliver(j, 10, NULL, &err), &err, JUNO_STATUS_NULL_PARAMETER,
             "deliver: NULL output");
  fails_with(juno_notify_collect(NULL, &buf, &err), &err, JUNO_STATUS_NULL_PARAMETER,
             "collect: NULL handle");
  CHECK(buf.data == NULL, "outputs untouched on failure");
  juno_free(j);
}

/* Wording without a model is the template, metered; pages of the pending queue. */
static void check_wording_and_pages(void) {
  juno *j = NULL;
  juno_error *err = NULL;
  juno_buf buf = {NULL, 0};
  const char *input = "{\"explanation\": \"idle 12 days; confidence 0.23\", \"decision\": \"pending\"}";
  const char *bad = "{\"explanation\": \"x\", \"verdict\": \"approved\"}";
  const char *proposal =
      "{\"action\": {\"kind\": \"triage.close\", \"team\": \"alpha\", \"target\": \"A-%d\","
      " \"parameters\": {}}, \"impact\": \"low\", \"confidence\": 0.3, \"requester\": \"juno\"}";
  char one[256];
  mj_value *v;
  double n = -1;
  int i;

  if (!ok(juno_open_in_memory(&j, &err), &err, "open")) return;
  if (ok(juno_llm_word(j, input, strlen(input), &buf, &err), &err, "word without a model")) {
    v = parse_buf(&buf, "wording");
    CHECK(mj_str_eq(mj_get(v, "source"), "template"), "the template is used");
    CHECK(mj_str_eq(mj_get(v, "text"), "idle 12 days; confidence 0.23"), "its text is the input's");
    mj_free(v);
  }
  fails_with(juno_llm_word(j, bad, strlen(bad), &buf, &err), &err, JUNO_STATUS_INVALID_INPUT,
             "word: an unknown field");
  fails_with(juno_llm_word(j, NULL, 0, &buf, &err), &err, JUNO_STATUS_NULL_PARAMETER,
             "word: NULL input");
  if (ok(juno_llm_usage(j, &buf, &err), &err, "usage")) {
    v = parse_buf(&buf, "usage");
    CHECK(mj_len(v) == 1 && mj_str_eq(mj_get(mj_at(v, 0), "source"), "template") &&
              mj_num(mj_get(mj_at(v, 0), "calls"), &n) && n == 1,
          "one template wording metered");
    mj_free(v);
  }
  for (i = 0; i < 3; i++) {
    snprintf(one, sizeof one, proposal, i);
    if (ok(juno_governance_submit(j, one, strlen(one), &buf, &err), &err, "submit"))
      juno_buf_free(&buf);
  }
  if (ok(juno_governance_pending_page(j, NULL, 0, "[\"alpha\"]", 9, 1, 1, &buf, &err), &err,
         "a page")) {
    v = parse_buf(&buf, "page");
    CHECK(mj_num(mj_get(v, "total"), &n) && n == 3, "three pending in all");
    CHECK(mj_len(mj_get(v, "requests")) == 1 &&
              mj_str_eq(mj_get(mj_get(mj_at(mj_get(v, "requests"), 0), "action"), "target"), "A-1"),
          "the page holds the second oldest");
    mj_free(v);
  }
  if (ok(juno_governance_pending_page(j, NULL, 0, "[\"beta\"]", 8, 0, 10, &buf, &err), &err,
         "another team's page")) {
    v = parse_buf(&buf, "page");
    CHECK(mj_num(mj_get(v, "total"), &n) && n == 0, "none for beta");
    mj_free(v);
  }
  fails_with(juno_governance_pending_page(j, NULL, 0, NULL, 0, 0, 0, &buf, &err), &err,
             JUNO_STATUS_INVALID_INPUT, "page: limit 0");
  fails_with(juno_governance_pending_page(j, NULL, 0, "\"alpha\"", 7, 0, 5, &buf, &err), &err,
             JUNO_STATUS_INVALID_INPUT, "page: teams not an array");
  CHECK(buf.data == NULL, "outputs untouched on failure");
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
  check_jira_sync_with_progress();
  check_notify();
  check_wording_and_pages();
  mj_free(fixture);
  free(text_in);

  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 && passed > 0 ? 0 : 1;
}
