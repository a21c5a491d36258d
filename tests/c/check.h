/*
 * check.h — the assertion counters and JUNO status helpers shared by the C test programs
 * (test_juno.c, test_governance.c). Each program includes it once; everything is static.
 */
#ifndef JUNO_TEST_CHECK_H
#define JUNO_TEST_CHECK_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "juno.h"
#include "mini_json.h"

static int passed = 0; /* checks that held */
static int failed = 0; /* checks that did not */

#define CHECK(cond, ...)                                                   \
  do {                                                                     \
    if (cond) {                                                            \
      passed++;                                                            \
    } else {                                                               \
      failed++;                                                            \
      fprintf(stderr, "FAIL %s:%d: (%s) ", __FILE__, __LINE__, #cond);     \
      fprintf(stderr, __VA_ARGS__);                                        \
      fputc('\n', stderr);                                                 \
    }                                                                      \
  } while (0)

/* ---- helpers ----------------------------------------------------------------------- */

static const char *status_name(juno_status s) {
  switch (s) {
  case JUNO_STATUS_OK: return "OK";
  case JUNO_STATUS_NULL_PARAMETER: return "NULL_PARAMETER";
  case JUNO_STATUS_INVALID_UTF8: return "INVALID_UTF8";
  case JUNO_STATUS_PANIC: return "PANIC";
  case JUNO_STATUS_INTERNAL: return "INTERNAL";
  case JUNO_STATUS_INVALID_INPUT: return "INVALID_INPUT";
  case JUNO_STATUS_CONFIG: return "CONFIG";
  case JUNO_STATUS_NOT_FOUND: return "NOT_FOUND";
  case JUNO_STATUS_INVALID_STATE: return "INVALID_STATE";
  case JUNO_STATUS_PERMISSION_DENIED: return "PERMISSION_DENIED";
  case JUNO_STATUS_SCHEMA_TOO_NEW: return "SCHEMA_TOO_NEW";
  case JUNO_STATUS_NOT_A_DATABASE: return "NOT_A_DATABASE";
  case JUNO_STATUS_CORRUPT: return "CORRUPT";
  case JUNO_STATUS_BUSY: return "BUSY";
  case JUNO_STATUS_IO: return "IO";
  case JUNO_STATUS_STORAGE: return "STORAGE";
  case JUNO_STATUS_REMOTE: return "REMOTE";
  }
  return "(unknown status)";
}

/* The status a core ErrorKind (as named in the fixture, ErrorKind::as_str) maps to.
 * Written out here, not asked of the library, so the test checks the mapping. */
static int status_of_kind(const char *kind, juno_status *out) {
  static const struct {
    const char *kind;
    juno_status status;
  } table[] = {
      {"invalid_input", JUNO_STATUS_INVALID_INPUT},
      {"config", JUNO_STATUS_CONFIG},
      {"not_found", JUNO_STATUS_NOT_FOUND},
      {"invalid_state", JUNO_STATUS_INVALID_STATE},
      {"permission_denied", JUNO_STATUS_PERMISSION_DENIED},
      {"schema_too_new", JUNO_STATUS_SCHEMA_TOO_NEW},
      {"not_a_database", JUNO_STATUS_NOT_A_DATABASE},
      {"corrupt", JUNO_STATUS_CORRUPT},
      {"busy", JUNO_STATUS_BUSY},
      {"io", JUNO_STATUS_IO},
      {"storage", JUNO_STATUS_STORAGE},
      {"remote", JUNO_STATUS_REMOTE},
  };
  size_t i;
  for (i = 0; kind != NULL && i < sizeof table / sizeof table[0]; i++) {
    if (strcmp(table[i].kind, kind) == 0) {
      *out = table[i].status;
      return 1;
    }
  }
  return 0;
}

/* Checks that a call succeeded; on failure reports and frees its error. */
/* `errp` is read here, after the call in the first argument has run (C leaves the order
 * in which arguments are evaluated unspecified, so the error cannot be passed by value).
 * Resets *errp to NULL. */
static int ok(juno_status s, juno_error **errp, const char *what) {
  juno_error *err = *errp;
  *errp = NULL;
  if (s == JUNO_STATUS_OK) {
    passed++;
    CHECK(err == NULL, "%s: err written on success", what);
    return 1;
  }
  failed++;
  {
    juno_str m = juno_error_message(err);
    fprintf(stderr, "FAIL %s: status %s: %.*s\n", what, status_name(s), (int)m.len, m.data);
  }
  juno_error_free(err);
  return 0;
}

/* Checks that a call failed with `want`, that the error carries the same status and a
 * message, and frees it. */
static void fails_with(juno_status s, juno_error **errp, juno_status want, const char *what) {
  juno_error *err = *errp;
  *errp = NULL;
  CHECK(s == want, "%s: got %s, want %s", what, status_name(s), status_name(want));
  CHECK(err != NULL, "%s: no juno_error written", what);
  if (err != NULL) {
    juno_str m = juno_error_message(err);
    CHECK(juno_error_status(err) == s, "%s: error status %s differs from returned %s", what,
          status_name(juno_error_status(err)), status_name(s));
    CHECK(m.data != NULL && m.len > 0 && m.data[m.len] == '\0', "%s: empty message", what);
  }
  juno_error_free(err);
}

/* Parses a buffer from JUNO (and frees the buffer). NULL (and a failed check) on error. */
static mj_value *parse_buf(juno_buf *buf, const char *what) {
  char msg[128];
  mj_value *v = mj_parse_owned((const char *)buf->data, buf->len, msg, sizeof msg);
  CHECK(v != NULL, "%s: output is not JSON: %s", what, msg);
  juno_buf_free(buf);
  return v;
}

static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  char *data = NULL;
  size_t cap = 0, n = 0;
  if (f == NULL) return NULL;
  for (;;) {
    size_t got;
    if (cap - n < 4096) {
      char *bigger = realloc(data, cap + 65536);
      if (bigger == NULL) {
        free(data);
        fclose(f);
        return NULL;
      }
      data = bigger;
      cap += 65536;
    }
    got = fread(data + n, 1, cap - n - 1, f);
    n += got;
    if (got == 0) break;
  }
  fclose(f);
  data[n] = '\0';
  *len = n;
  return data;
}

#endif /* JUNO_TEST_CHECK_H */
