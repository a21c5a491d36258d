/*
 * expect.h — comparing JUNO's JSON outputs with a shared fixture's expectations, for the
 * C tests that replay one (test_engines.c, test_forecast.c). Include once, after check.h;
 * everything is static.
 *
 * The fixture rules (see each fixture's description): `expect` is a subset — every key
 * given must be present and equal (numbers within `tolerance`, or exactly when the case
 * says `"exact": true`), arrays have the same length and match element by element;
 * `explain` maps a level to strings the text must contain; an `invalid` case fails with
 * the status of its `error_kind` and names its `field` in backticks.
 */
#ifndef JUNO_TEST_EXPECT_H
#define JUNO_TEST_EXPECT_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "juno.h"
#include "mini_json.h"

/* The fixture's tolerance for numbers; set it before comparing. */
static double tolerance = 0.0;

/* ---- comparing outputs ------------------------------------------------------------- */

/* Whether `got` contains `want` (the fixture's subset rule); on a difference, writes
 * where and what into `why`. */
static int matches(const mj_value *got, const mj_value *want, double tol, char *why,
                   size_t cap, const char *path) {
  char sub[256];
  size_t i;
  if (got == NULL) {
    snprintf(why, cap, "%s: missing", path);
    return 0;
  }
  switch (want->type) {
  case MJ_NUMBER: {
    double g = 0.0;
    if (!mj_num(got, &g) || !(fabs(g - want->number) <= tol)) {
      snprintf(why, cap, "%s: got %.*s, want %.17g", path, (int)got->src_len, got->src,
               want->number);
      return 0;
    }
    return 1;
  }
  case MJ_ARRAY:
    if (got->type != MJ_ARRAY || got->count != want->count) {
      snprintf(why, cap, "%s: got %zu items, want %zu", path, mj_len(got), want->count);
      return 0;
    }
    for (i = 0; i < want->count; i++) {
      snprintf(sub, sizeof sub, "%s[%zu]", path, i);
      if (!matches(&got->items[i], &want->items[i], tol, why, cap, sub)) return 0;
    }
    return 1;
  case MJ_OBJECT:
    if (got->type != MJ_OBJECT) {
      snprintf(why, cap, "%s: not an object", path);
      return 0;
    }
    for (i = 0; i < want->count; i++) {
      snprintf(sub, sizeof sub, "%s.%s", path, want->items[i].key);
      if (!matches(mj_get(got, want->items[i].key), &want->items[i], tol, why, cap, sub)) {
        return 0;
      }
    }
    return 1;
  default:
    if (!mj_equal(got, want)) {
      snprintf(why, cap, "%s: got %.*s, want %.*s", path, (int)got->src_len, got->src,
               (int)want->src_len, want->src);
      return 0;
    }
    return 1;
  }
}

/* Checks a parsed output against the case's `expect` (exactly when `"exact": true`). */
static void check_expect(const mj_value *got, const mj_value *cs, const char *name) {
  const mj_value *want = mj_get(cs, "expect");
  const mj_value *exact = mj_get(cs, "exact");
  char why[512] = "";
  double tol = exact != NULL && exact->boolean ? 0.0 : tolerance;
  if (want == NULL) return;
  CHECK(matches(got, want, tol, why, sizeof why, ""), "%s: %s", name, why);
}

typedef juno_status (*explain_fn)(const char *, size_t, const char *, size_t, juno_buf *,
                                  juno_error **);

/* The case's `explain` map: the text at each level contains each string. */
static void check_explain(explain_fn explain, const char *json, size_t len, const mj_value *cs,
                          const char *name) {
  const mj_value *levels = mj_get(cs, "explain");
  size_t i, k;
  for (i = 0; levels != NULL && i < levels->count; i++) {
    const mj_value *lv = &levels->items[i];
    juno_buf buf = {NULL, 0};
    juno_error *err = NULL;
    char label[160];
    snprintf(label, sizeof label, "%s: explain(%s)", name, lv->key);
    if (!ok(explain(json, len, lv->key, lv->key_len, &buf, &err), &err, label)) continue;
    CHECK(buf.data != NULL && buf.data[buf.len] == '\0', "%s: text not NUL-terminated", label);
    for (k = 0; k < mj_len(lv); k++) {
      const char *want = mj_str(mj_at(lv, k));
      CHECK(want != NULL && strstr((const char *)buf.data, want) != NULL,
            "%s: `%s` not in\n%s", label, want != NULL ? want : "?", (const char *)buf.data);
    }
    juno_buf_free(&buf);
  }
}

/* Checks a failure against an `invalid` case: its status, and its field in backticks. */
static void check_invalid(juno_status s, juno_error **errp, juno_buf *buf, const mj_value *cs) {
  const char *name = mj_str(mj_get(cs, "name"));
  const char *field = mj_str(mj_get(cs, "field"));
  juno_status want = JUNO_STATUS_OK;
  char quoted[128];
  CHECK(status_of_kind(mj_str(mj_get(cs, "error_kind")), &want), "%s: bad error_kind", name);
  if (field != NULL && *errp != NULL) {
    juno_str m = juno_error_message(*errp);
    snprintf(quoted, sizeof quoted, "`%s`", field);
    CHECK(strstr(m.data, quoted) != NULL, "%s: message does not name %s: %s", name, quoted,
          m.data);
  }
  fails_with(s, errp, want, name != NULL ? name : "invalid case");
  CHECK(buf->data == NULL, "%s: output written on failure", name);
  juno_buf_free(buf);
}

/* ---- a growable string ------------------------------------------------------------- */

typedef struct text {
  char *data;
  size_t len, cap;
} text;

static void text_add(text *t, const char *s, size_t n) {
  if (t->len + n + 1 > t->cap) {
    size_t cap = (t->len + n + 1) * 2;
    char *bigger = realloc(t->data, cap);
    if (bigger == NULL) {
      CHECK(0, "out of memory");
      return;
    }
    t->data = bigger;
    t->cap = cap;
  }
  memcpy(t->data + t->len, s, n);
  t->len += n;
  t->data[t->len] = '\0';
}

static void text_str(text *t, const char *s) { text_add(t, s, strlen(s)); }

#endif /* JUNO_TEST_EXPECT_H */
