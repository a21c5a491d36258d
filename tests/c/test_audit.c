/*
 * C tests of the signed audit log through the JUNO C ABI (include/juno.h):
 * juno_audit_sign_checkpoint, juno_audit_signed_checkpoints, juno_audit_verifier_key,
 * juno_audit_consistency_proof, juno_audit_verify_since and juno_audit_export_to.
 *
 * A file database opened with an AUDIT_SIGNING_KEY setting signs two checkpoints; the
 * older one's note verifies against the grown log (its signature, origin and a consistency
 * proof), a note whose size was changed does not; the export file has a line per entry,
 * checkpoint and proof. Then the refusals: no key (CONFIG), a bad key at open (CONFIG), a
 * malformed note or key (INVALID_INPUT), sizes out of order (INVALID_INPUT), a log too
 * short (NOT_FOUND), an unwritable path (IO), NULL parameters; outputs untouched on
 * failure. Prints "N passed, M failed" last and exits non-zero on any failure. Run by
 * tests/c/run.sh under ASan/UBSan and valgrind with a scratch directory.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "juno.h"
#include "mini_json.h"

#include "check.h"

/* A test key (seed 42 x 32, name c.test/audit) and its public half. */
static const char KEY[] = "PRIVATE+KEY+c.test/audit+ba7caa53+ASoqKioqKioqKioqKioqKioqKioqKioqKioqKioqKioq";
static const char VKEY[] = "c.test/audit+ba7caa53+ARl/ayPhbIUyxqvIOPrNXqeJvgx2spIDNAOb+os9No1h";

/* Grants roles to users from..from+n: one audit entry each. */
static void grow(juno *j, int from, int n) {
  juno_error *err = NULL;
  char user[64];
  static const char role[] = "TEAM_LEAD", teams[] = "[\"team_alpha\"]", by[] = "admin";
  int i;
  for (i = from; i < from + n; i++) {
    snprintf(user, sizeof user, "u%d@company.com", i);
    ok(juno_governance_assign_role(j, user, strlen(user), role, strlen(role), teams,
                                   strlen(teams), by, strlen(by), &err),
       &err, "assign_role");
  }
}

static mj_value *sign(juno *j) {
  juno_buf buf = {NULL, 0};
  juno_error *err = NULL;
  if (!ok(juno_audit_sign_checkpoint(j, &buf, &err), &err, "sign_checkpoint")) return NULL;
  return parse_buf(&buf, "signed checkpoint");
}

static int count_lines(const char *path) {
  size_t len = 0, i;
  int n = 0;
  char *text = read_file(path, &len);
  if (text == NULL) return -1;
  for (i = 0; i < len; i++) n += text[i] == '\n';
  free(text);
  return n;
}

static void signed_checkpoints(const char *scratch) {
  char db[512], export_path[600], bad_path[600], settings[256];
  juno *j = NULL;
  juno_error *err = NULL;
  juno_buf buf = {NULL, 0};
  mj_value *first = NULL, *second = NULL, *v = NULL;
  int64_t n = 0;

  snprintf(db, sizeof db, "%s/c-audit.db", scratch);
  remove(db);
  snprintf(settings, sizeof settings, "{\"AUDIT_SIGNING_KEY\":\"%s\"}", KEY);
  if (!ok(juno_open_with_settings(db, strlen(db), settings, strlen(settings), &j, &err), &err,
          "open with a signing key")) {
    return;
  }
  grow(j, 0, 4);
  first = sign(j);
  CHECK(mj_int(mj_get(first, "size"), &n) && n == 4, "first checkpoint size %lld", (long long)n);
  CHECK(mj_str_eq(mj_get(first, "origin"), "c.test/audit"), "origin is the key's name");
  grow(j, 4, 3);
  second = sign(j);
  CHECK(mj_int(mj_get(second, "size"), &n) && n == 7, "second checkpoint size %lld", (long long)n);

  if (ok(juno_audit_signed_checkpoints(j, &buf, &err), &err, "signed_checkpoints")) {
    v = parse_buf(&buf, "signed checkpoints");
    CHECK(mj_len(v) == 2 && mj_equal(mj_at(v, 0), first) && mj_equal(mj_at(v, 1), second),
          "the signed checkpoints, oldest first");
    mj_free(v);
  }
  if (ok(juno_audit_verifier_key(j, &buf, &err), &err, "verifier_key")) {
    v = parse_buf(&buf, "verifier key");
    CHECK(mj_str_eq(v, VKEY), "the verifier key is the signing key's public half");
    mj_free(v);
  }
  if (ok(juno_audit_consistency_proof(j, 4, 7, &buf, &err), &err, "consistency_proof")) {
    v = parse_buf(&buf, "consistency proof");
    CHECK(mj_len(mj_get(v, "path")) > 0, "an empty proof from 4 to 7");
    mj_free(v);
  }

  /* The older note against the log today: with the configured key, then with the public
   * key an auditor holds. */
  {
    const char *note = mj_str(mj_get(first, "note"));
    const char *keys[2] = {NULL, VKEY};
    int k;
    for (k = 0; note != NULL && k < 2; k++) {
      size_t key_len = keys[k] == NULL ? 0 : strlen(keys[k]);
      if (ok(juno_audit_verify_since(j, note, strlen(note), keys[k], key_len, &buf, &err), &err,
             "verify_since")) {
        v = parse_buf(&buf, "consistency report");
        CHECK(mj_get(v, "ok") != NULL && mj_get(v, "ok")->boolean, "the old note fails (key %d)",
              k);
        CHECK(mj_int(mj_get(v, "new_size"), &n) && n == 7, "new_size %lld", (long long)n);
        mj_free(v);
      }
    }
    /* The size changed after signing: the signature no longer covers it. */
    if (note != NULL) {
      char *forged = strdup(note);
      char *size_line = forged == NULL ? NULL : strstr(forged, "\n4\n");
      if (size_line != NULL) {
        size_line[1] = '3';
        if (ok(juno_audit_verify_since(j, forged, strlen(forged), NULL, 0, &buf, &err), &err,
               "verify_since(forged)")) {
          v = parse_buf(&buf, "forged report");
          CHECK(mj_get(v, "ok") != NULL && !mj_get(v, "ok")->boolean, "a forged note verifies");
          CHECK(mj_len(mj_get(v, "problems")) > 0, "no problem described");
          mj_free(v);
        }
      }
      CHECK(size_line != NULL, "the note has no size line");
      free(forged);
    }
    fails_with(juno_audit_verify_since(j, "not a note", 10, NULL, 0, &buf, &err), &err,
               JUNO_STATUS_INVALID_INPUT, "verify_since(not a note)");
    if (note != NULL) {
      fails_with(juno_audit_verify_since(j, note, strlen(note), "x", 1, &buf, &err), &err,
                 JUNO_STATUS_INVALID_INPUT, "verify_since(malformed key)");
    }
  }

  /* The export: header, 7 entries, 2 checkpoints, 1 proof (4 -> 7), the tree line. */
  snprintf(export_path, sizeof export_path, "%s/c-audit.jsonl", scratch);
  if (ok(juno_audit_export_to(j, export_path, strlen(export_path), &buf, &err), &err,
         "export_to")) {
    v = parse_buf(&buf, "export summary");
    CHECK(mj_int(mj_get(v, "entries"), &n) && n == 7, "exported %lld entries", (long long)n);
    CHECK(mj_int(mj_get(v, "proofs"), &n) && n == 1, "exported %lld proofs", (long long)n);
    mj_free(v);
    CHECK(count_lines(export_path) == 1 + 7 + 2 + 1 + 1, "export has %d lines",
          count_lines(export_path));
  }

  /* Refusals: outputs untouched, errors typed. */
  fails_with(juno_audit_consistency_proof(j, 5, 4, &buf, &err), &err, JUNO_STATUS_INVALID_INPUT,
             "consistency_proof(5 > 4)");
  fails_with(juno_audit_consistency_proof(j, 1, 70, &buf, &err), &err, JUNO_STATUS_NOT_FOUND,
             "consistency_proof(beyond the log)");
  snprintf(bad_path, sizeof bad_path, "%s/no/such/dir.jsonl", scratch);
  fails_with(juno_audit_export_to(j, bad_path, strlen(bad_path), &buf, &err), &err,
             JUNO_STATUS_IO, "export_to(unwritable)");
  fails_with(juno_audit_sign_checkpoint(NULL, &buf, &err), &err, JUNO_STATUS_NULL_PARAMETER,
             "sign_checkpoint(NULL j)");
  fails_with(juno_audit_verify_since(j, NULL, 0, NULL, 0, &buf, &err), &err,
             JUNO_STATUS_NULL_PARAMETER, "verify_since(NULL note)");
  fails_with(juno_audit_export_to(j, export_path, strlen(export_path), NULL, &err), &err,
             JUNO_STATUS_NULL_PARAMETER, "export_to(NULL out)");
  CHECK(buf.data == NULL, "buffer written on failure");

  mj_free(first);
  mj_free(second);
  juno_free(j);
  remove(export_path);
  remove(db);
}

static void keys_are_configuration(void) {
  juno *j = NULL;
  juno_error *err = NULL;
  juno_buf buf = {NULL, 0};
  static const char bad[] = "{\"AUDIT_SIGNING_KEY\":\"PRIVATE+KEY+x+00000000+AQ==\"}";

  fails_with(juno_open_with_settings(":memory:", 8, bad, strlen(bad), &j, &err), &err,
             JUNO_STATUS_CONFIG, "open(bad signing key)");
  CHECK(j == NULL, "a handle from a failed open");
  if (ok(juno_open_with_settings(":memory:", 8, "{}", 2, &j, &err), &err, "open without a key")) {
    grow(j, 0, 1);
    fails_with(juno_audit_sign_checkpoint(j, &buf, &err), &err, JUNO_STATUS_CONFIG,
               "sign_checkpoint(no key)");
    fails_with(juno_audit_verifier_key(j, &buf, &err), &err, JUNO_STATUS_CONFIG,
               "verifier_key(no key)");
    CHECK(buf.data == NULL, "buffer written on failure");
    juno_free(j);
  }
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s SCRATCH_DIR\n", argv[0]);
    return 2;
  }
  (void)status_of_kind;
  signed_checkpoints(argv[1]);
  keys_are_configuration();
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
