/*
 * test_eval.c — juno_eval_sprint_risk and juno_eval_triage from C: small files written
 * here (the same synthetic project as juno-core/tests/eval_sprint_risk.rs), bad paths and
 * options, and — when a data directory is given and holds the files — the real data.
 *
 *   test_eval WORKDIR [SHARED_DATA_DIR]
 */
#include "check.h"

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  if (f == NULL) {
    fprintf(stderr, "cannot write %s\n", path);
    exit(2);
  }
  fputs(text, f);
  fclose(f);
}

/* The synthetic project: sprints further along at 30% deliver more. */
static void write_synthetic(const char *path, int n) {
  FILE *f = fopen(path, "w");
  if (f == NULL) {
    fprintf(stderr, "cannot write %s\n", path);
    exit(2);
  }
  fputs("project,pred_time_pct,boardid,sprintid,sprint_order,name,vel_diff,planday,"
        "no_issue_starttime,vel_starttime,no_issue_added,vel_added,no_issue_removed,vel_removed,"
        "no_issuetodo,vel_todo,no_issueinprogress,vel_inprogress,no_issuedone,vel_done,no_admin,"
        "no_teammember,committed_sp,delivered_sp,class_p33,class_p66,paper_class,"
        "sprintid_on_multiple_boards\n",
        f);
  for (int i = 0; i < n; i++) {
    double committed = 20.0 + (i % 5) * 4.0;
    double done = (double)(i * 7 % 11);
    double delivered = (double)(long)(committed * 0.5 + done * 1.5 + 0.5);
    double diff = delivered - committed;
    const char *cls = diff < -6 ? "under" : diff > 0 ? "over" : "achieved";
    for (int pct = 0; pct <= 30; pct += 30) {
      double d = pct == 0 ? 0.0 : done;
      fprintf(f,
              "Demo,%d,1,%d,%d,\"Sprint %d, demo\",%g,10,8,%g,0,0,0,0,6,%g,1,2,1,%g,1,4,%g,%g,-6,0,"
              "%s,0\n",
              pct, 100 + i, i + 1, i, diff, committed, committed - d - 2.0, d, committed,
              delivered, cls);
    }
  }
  fclose(f);
}

static int error_mentions(const juno_error *err, const char *needle) {
  juno_str m = juno_error_message(err);
  char buf[1024];
  size_t n = m.len < sizeof buf - 1 ? m.len : sizeof buf - 1;
  memcpy(buf, m.data, n);
  buf[n] = '\0';
  return strstr(buf, needle) != NULL;
}

static void sprint_risk_on_small_files(const char *dir) {
  char path[4096];
  snprintf(path, sizeof path, "%s/eval_it.csv", dir);
  write_synthetic(path, 60);
  size_t written = 0;
  char *text = read_file(path, &written);
  CHECK(text != NULL && written > 0 && strncmp(text, "project,pred_time_pct", 21) == 0,
        "the synthetic file was written");
  free(text);
  const char *protocols[] = {"{\"protocol\":\"paper-cv\"}", "{\"protocol\":\"forward\"}",
                             "{\"protocol\":\"sprint-cv\"}", "{\"protocol\":\"rolling\"}"};
  for (size_t p = 0; p < 4; p++) {
    juno_buf out = {NULL, 0}, table = {NULL, 0};
    juno_error *err = NULL;
    if (ok(juno_eval_sprint_risk(path, strlen(path), NULL, 0, protocols[p], strlen(protocols[p]),
                                 &out, &table, &err),
           &err, protocols[p])) {
      CHECK(table.len > 0 && strstr((const char *)table.data, "Demo") != NULL, "table");
      mj_value *r = parse_buf(&out, protocols[p]);
      const mj_value *proj = mj_at(mj_get(r, "projects"), 0);
      CHECK(mj_str_eq(mj_get(proj, "project"), "Demo"), "project name");
      double f1 = 0, base = 1;
      mj_num(mj_get(mj_get(proj, "class3"), "f1"), &f1);
      mj_num(mj_get(mj_get(proj, "class3"), "baseline_f1"), &base);
      CHECK(f1 > base, "%s: F1 %.3f beats the majority's %.3f", protocols[p], f1, base);
      mj_free(r);
    }
    juno_buf_free(&out);
    juno_buf_free(&table);
    juno_error_free(err);
  }

  /* The product's calibration under rolling: the interval coverage and the pictures. */
  {
    char options[4600];
    snprintf(options, sizeof options,
             "{\"protocol\":\"rolling\",\"recalibration\":\"blend\",\"plot\":\"%s/pics\"}",
             dir);
    juno_buf out = {NULL, 0};
    juno_error *err = NULL;
    if (ok(juno_eval_sprint_risk(path, strlen(path), NULL, 0, options, strlen(options), &out,
                                 NULL, &err),
           &err, "rolling + blend + plot")) {
      mj_value *r = parse_buf(&out, "rolling + blend");
      const mj_value *cover = mj_get(mj_get(r, "pooled_binary"), "interval");
      double n = 0, inside = -1;
      mj_num(mj_get(cover, "n"), &n);
      mj_num(mj_get(cover, "inside"), &inside);
      CHECK(n > 0 && inside >= 0 && inside <= 1, "coverage n %.0f inside %.3f", n, inside);
      mj_free(r);
      const char *pics[] = {"reliability-demo.svg", "reliability-pooled.svg", "coverage.svg",
                            "coverage-simulated.svg"};
      for (size_t i = 0; i < 4; i++) {
        char pic[4600];
        snprintf(pic, sizeof pic, "%s/pics/%s", dir, pics[i]);
        size_t len = 0;
        char *svg = read_file(pic, &len);
        CHECK(svg != NULL && len > 0 && strncmp(svg, "<svg", 4) == 0, "%s is an SVG", pics[i]);
        free(svg);
      }
    }
    juno_buf_free(&out);
    juno_error_free(err);
  }

  /* The table is optional; defaults when options are NULL. */
  juno_buf out = {NULL, 0};
  juno_status s = juno_eval_sprint_risk(path, strlen(path), NULL, 0, NULL, 0, &out, NULL, NULL);
  CHECK(s == JUNO_STATUS_OK, "defaults: %s", status_name(s));
  CHECK(out.len > 0 && strstr((const char *)out.data, "\"paper-cv\"") != NULL, "default protocol");
  juno_buf_free(&out);

  /* Bad input: a missing file, an unknown protocol, an unknown option, NULL output. */
  struct {
    const char *path;
    const char *options;
    const char *kind; /* the core's ErrorKind name */
    const char *needle;
  } bad[] = {
      {"/nonexistent/eval.csv", NULL, "invalid_input", "eval.csv"},
      {path, "{\"protocol\":\"cv\"}", "invalid_input", "paper-cv"},
      {path, "{\"folds\":3}", "invalid_input", "folds"},
      {path, "[1,2]", "invalid_input", "options"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    juno_buf o = {NULL, 0};
    juno_error *err = NULL;
    juno_status want = JUNO_STATUS_OK;
    CHECK(status_of_kind(bad[i].kind, &want), "kind %s", bad[i].kind);
    juno_status st = juno_eval_sprint_risk(bad[i].path, strlen(bad[i].path), NULL, 0,
                                           bad[i].options,
                                           bad[i].options ? strlen(bad[i].options) : 0, &o, NULL,
                                           &err);
    CHECK(err != NULL && error_mentions(err, bad[i].needle), "bad %zu names %s", i,
          bad[i].needle);
    fails_with(st, &err, want, bad[i].needle);
    CHECK(o.data == NULL, "bad %zu: output untouched", i);
  }
  juno_error *err = NULL;
  CHECK(juno_eval_sprint_risk(path, strlen(path), NULL, 0, NULL, 0, NULL, NULL, &err) ==
            JUNO_STATUS_NULL_PARAMETER,
        "NULL out_json");
  juno_error_free(err);
}

static void triage_on_small_files(const char *dir) {
  char issues[4096], events[4096];
  snprintf(issues, sizeof issues, "%s/eval_issues.csv", dir);
  snprintf(events, sizeof events, "%s/eval_events.csv", dir);
  write_file(issues,
             "key,project,type,is_subtask,parent,priority,status,resolution,created,updated,"
             "resolved,duedate,assignee,reporter,fix_versions,fix_version_release_dates,"
             "n_issuelinks,n_comments,last_comment_at,sprints\n"
             "DEMO-1,DEMO,Bug,0,,Blocker,Open,,2014-01-01T00:00:00Z,2014-01-02T00:00:00Z,,,,"
             "u1,,,0,0,,\n"
             "DEMO-2,DEMO,Task,0,,Minor,Closed,Won't Fix,2014-01-01T00:00:00Z,"
             "2014-04-01T00:00:00Z,2014-04-01T00:00:00Z,,,u1,,,0,0,,\n");
  write_file(events, "key,at,author,field,from,to\n"
                     "DEMO-1,2014-01-02T00:00:00Z,u1,comment,,\n"
                     "DEMO-1,2014-03-20T00:00:00Z,u1,priority,Blocker,Critical\n"
                     "DEMO-2,2014-04-01T00:00:00Z,u1,resolution,,Won't Fix\n"
                     "DEMO-2,2014-04-01T00:00:00Z,u1,status,Open,Closed\n"
                     "DEMO-2,2014-06-01T00:00:00Z,u1,comment,,\n");
  juno_buf out = {NULL, 0}, table = {NULL, 0};
  juno_error *err = NULL;
  const char *opts = "{\"step_days\":7}";
  juno_status s = juno_eval_triage(issues, strlen(issues), events, strlen(events), opts,
                                   strlen(opts), &out, &table, &err);
  CHECK(s == JUNO_STATUS_OK, "triage: %s", status_name(s));
  if (s == JUNO_STATUS_OK) {
    mj_value *r = mj_parse((const char *)out.data, out.len, NULL, 0);
    CHECK(r != NULL && mj_len(mj_get(r, "actions")) > 0, "triage report has actions");
    CHECK(strstr((const char *)table.data, "precision") != NULL, "triage table");
    mj_free(r);
  }
  juno_buf_free(&out);
  juno_buf_free(&table);
  juno_error_free(err);

  err = NULL;
  juno_buf o = {NULL, 0};
  s = juno_eval_triage(events, strlen(events), events, strlen(events), NULL, 0, &o, NULL, &err);
  CHECK(s == JUNO_STATUS_INVALID_INPUT, "wrong schema: %s", status_name(s));
  CHECK(o.data == NULL, "untouched");
  juno_error_free(err);
}

static void real_data(const char *data) {
  char it[4096], is[4096];
  snprintf(it, sizeof it, "%s/tse2017_iterations.csv", data);
  snprintf(is, sizeof is, "%s/tse2017_issue_features_t30.csv", data);
  FILE *probe = fopen(it, "r");
  if (probe == NULL) {
    printf("test_eval: no shared data at %s, real-data check skipped\n", data);
    return;
  }
  fclose(probe);
  juno_buf out = {NULL, 0};
  juno_error *err = NULL;
  const char *opts = "{\"protocol\":\"forward\"}";
  juno_status s = juno_eval_sprint_risk(it, strlen(it), is, strlen(is), opts, strlen(opts), &out,
                                        NULL, &err);
  CHECK(s == JUNO_STATUS_OK, "real data: %s", status_name(s));
  if (s == JUNO_STATUS_OK) {
    mj_value *r = mj_parse((const char *)out.data, out.len, NULL, 0);
    const mj_value *projects = mj_get(r, "projects");
    CHECK(mj_len(projects) == 3, "three projects");
    for (size_t i = 0; i < mj_len(projects); i++) {
      const mj_value *b = mj_get(mj_at(projects, i), "binary");
      double acc = 0, base = 1;
      mj_num(mj_get(b, "accuracy"), &acc);
      mj_num(mj_get(b, "baseline_accuracy"), &base);
      CHECK(acc > base, "project %zu: accuracy %.3f beats the majority's %.3f", i, acc, base);
    }
    mj_free(r);
  }
  juno_buf_free(&out);
  juno_error_free(err);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s WORKDIR [SHARED_DATA_DIR]\n", argv[0]);
    return 2;
  }
  sprint_risk_on_small_files(argv[1]);
  triage_on_small_files(argv[1]);
  if (argc > 2) {
    real_data(argv[2]);
  }
  printf("test_eval: %d checks passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
