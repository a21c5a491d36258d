#!/usr/bin/env python3
"""Writes a C program that passes NULL for every pointer parameter of every function in
include/juno.h, one parameter at a time, with every other argument valid (issue #12).

    python3 tests/c/null_params.py include/juno.h OUT.c

The header is the contract: each pointer parameter's documentation bullet says whether it
may be NULL (``**optional**``, "optional", "may be NULL"). For a parameter that must not be
NULL the call must fail (any status but ``JUNO_STATUS_OK``), fill ``*err`` with an error
of the same status, and write nothing; for an optional one it must simply not crash. A
pointer parameter with no documentation bullet fails the generation, so the contract stays
complete. ``tests/c/run.sh`` compiles the program under ASan/UBSan and runs it under
valgrind, like the other C tests.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass

# Functions that release or describe, tested one by one in test_juno.c (a NULL is a no-op
# or a documented sentinel there, and juno_free would release the shared handle).
SKIP = {
    "juno_free",
    "juno_buf_free",
    "juno_error_free",
    "juno_error_message",
    "juno_error_status",
    "juno_version",
}


@dataclass
class Param:
    ctype: str
    name: str

    @property
    def is_pointer(self) -> bool:
        return "*" in self.ctype or self.ctype in ("juno_executor_fn", "juno_progress_fn", "juno_log_fn")


@dataclass
class Function:
    name: str
    params: list[Param]
    optional: set[str]
    documented: set[str]


# How the header says a pointer may be NULL.
OPTIONAL_MARKS = (
    "may be null",
    "null, or",
    "or null.",
    "null means",
    "null for ",
    "null (with any length)",
)

PROTO = re.compile(r"^juno_status (juno_[a-z0-9_]+)\((.*)\);$")


def parse(header: str) -> list[Function]:
    lines = header.splitlines()
    out = []
    for i, line in enumerate(lines):
        m = PROTO.match(line)
        if not m:
            continue
        name, args = m.group(1), m.group(2)
        params = []
        for a in args.split(","):
            a = a.strip()
            pm = re.match(r"^(.*?)([A-Za-z_][A-Za-z0-9_]*)$", a)
            assert pm, (name, a)
            params.append(Param(pm.group(1).strip(), pm.group(2)))
        # The doc comment just above (none if the line above does not close one): bullets
        # `- \`a\`/\`b\`: text`, with continuation lines; a blank line ends a bullet.
        doc: list[str] = []
        if i > 0 and lines[i - 1].strip() == "*/":
            j = i - 2
            while j >= 0 and not lines[j].startswith("/**"):
                doc.insert(0, lines[j])
                j -= 1
        bullets: list[str] = []
        open_bullet = False
        for d in doc:
            d = d.strip().removeprefix("*").strip()
            if d.startswith("- "):
                bullets.append(d[2:])
                open_bullet = True
            elif not d:
                open_bullet = False
            elif open_bullet:
                bullets[-1] += " " + d
        optional: set[str] = set()
        documented: set[str] = set()
        for b in bullets:
            head = b.split(":", 1)[0]
            names = set(re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)`", head))
            documented |= names
            text = b.lower()
            said = text.split(":", 1)[1].strip() if ":" in text else ""
            same = re.search(r"as for `(juno_[a-z0-9_]+)`", b)
            if "not null" in text:
                pass
            elif said.startswith(("**optional**", "optional")) or any(
                m in text for m in OPTIONAL_MARKS
            ):
                optional |= names
            elif same and any(f.name == same.group(1) for f in out):
                # "`level`, `out_text`: as for `juno_x`": those names' contract there.
                original = next(f for f in out if f.name == same.group(1))
                optional |= names & original.optional
        # An alias ("the old name of `juno_x`") or a variant ("every other parameter …:
        # as `juno_x`") has its original's contract for the parameters it does not list.
        text = " ".join(doc)
        alias = re.search(r"old name of `(juno_[a-z0-9_]+)`", text) or re.search(
            r"Every other parameter[^`]*as `(juno_[a-z0-9_]+)`", text
        )
        if alias:
            original = next(f for f in out if f.name == alias.group(1))
            optional = optional | (original.optional - documented)
            documented = documented | original.documented
        out.append(Function(name, params, optional, documented))
    return out


def path_like(name: str) -> bool:
    return name in ("path", "backup", "target", "dest", "out_path") or name.endswith("_path")


def value(p: Param, params: list[Param]) -> str:
    t, n = p.ctype.replace("struct ", ""), p.name
    if t in ("juno *", "const juno *"):
        return "J"
    if t == "juno **":
        return "&out_handle"
    if t == "juno_buf *":
        return "&buf"
    if t == "juno_error **":
        return "&err"
    if t == "juno_executor_fn":
        return "executor_stub"
    if t == "juno_progress_fn":
        return "progress_stub"
    if t == "juno_log_fn":
        return "log_stub"
    if t == "void *":
        return "&ctx"
    if t == "const char *":
        return f'"{scratch_string(n)}"'
    if t == "const int64_t *":
        return "&i64_in"
    if t == "int64_t *":
        return "&i64_out"
    if t == "uint64_t *":
        return "&u64_out"
    if t == "bool *":
        return "&bool_out"
    if t == "const double *":
        return "doubles_in"
    if t == "double *":
        return "doubles_out"
    if t == "size_t":
        string = length_of(p, params)
        if string is not None:
            return f'strlen("{scratch_string(string.name)}")'
        return "1"
    if t in ("int64_t", "int32_t", "uint32_t", "uint64_t"):
        return "1"
    if t == "double":
        return "0.5"
    if t == "bool":
        return "false"
    raise SystemExit(f"null_params.py: no valid value for `{p.ctype} {p.name}`")


def length_of(p: Param, params: list[Param]) -> Param | None:
    """The string parameter `p` is the length of: a `size_t …_len` right after it."""
    i = params.index(p)
    if p.ctype == "size_t" and p.name.endswith("_len") and i > 0:
        if params[i - 1].ctype == "const char *":
            return params[i - 1]
    return None


def scratch_string(name: str) -> str:
    if path_like(name):
        return f"@SCRATCH@/{name}.db"
    return "{}"


def generate(functions: list[Function]) -> str:
    body = []
    cases = utf8 = 0
    for f in functions:
        if f.name in SKIP:
            continue
        pointers = [p for p in f.params if p.is_pointer]
        missing = [p.name for p in pointers if p.name not in f.documented]
        if missing:
            raise SystemExit(f"null_params.py: {f.name}: pointer parameters {missing} are not documented")
        for p in pointers:
            args = []
            for q in f.params:
                v = "NULL" if q is p else value(q, f.params)
                args.append(v)
            required = p.name not in f.optional and p.name != "err"
            call = f"{f.name}({', '.join(args)})"
            body.append(f"  begin();\n  st = {call};\n  finish({c_str(f.name)}, {c_str(p.name)}, st, {int(required)});")
            cases += 1
        # Every string parameter given bytes that are not UTF-8: always refused.
        for p in f.params:
            if not any(length_of(q, f.params) is p for q in f.params):
                continue
            args = []
            for q in f.params:
                if q is p:
                    args.append("BAD_UTF8")
                elif length_of(q, f.params) is p:
                    args.append("sizeof BAD_UTF8 - 1")
                else:
                    args.append(value(q, f.params))
            call = f"{f.name}({', '.join(args)})"
            body.append(f"  begin();\n  st = {call};\n  finish_utf8({c_str(f.name)}, {c_str(p.name)}, st);")
            utf8 += 1
    return (
        TEMPLATE.replace("@CASES@", "\n".join(body))
        .replace("@COUNT@", str(cases))
        .replace("@UTF8@", str(utf8))
        .replace("@FUNCTIONS@", str(len(functions)))
    )


def c_str(s: str) -> str:
    return '"' + s + '"'


TEMPLATE = r"""/* Generated by tests/c/null_params.py from include/juno.h: do not edit. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "juno.h"

static juno *J;
static juno *out_handle;
static juno_buf buf;
static juno_error *err;
static int ctx;
static int64_t i64_in = 1765000000000LL, i64_out;
static uint64_t u64_out;
static bool bool_out;
static double doubles_in[8] = {0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5};
static double doubles_out[8];
static int failures, refused, optional_ok;

static int32_t executor_stub(void *c, const char *action, size_t len) {
  (void)c;
  (void)action;
  (void)len;
  return 1; /* decline: nothing is written anywhere */
}

static void progress_stub(void *c, const char *json, size_t len) {
  (void)c;
  (void)json;
  (void)len;
}
static void log_stub(void *c, uint32_t level, const char *channel, const char *message,
                     const char *fields) {
  (void)c;
  (void)level;
  (void)channel;
  (void)message;
  (void)fields;
}

static void begin(void) {
  int k;
  out_handle = NULL;
  buf.data = NULL;
  buf.len = 0;
  err = NULL;
  i64_out = -1;
  u64_out = 7;
  bool_out = true;
  for (k = 0; k < 8; k++) doubles_out[k] = -1.0;
}

/* Whether the error names `param` in backquotes, as every JUNO message does. */
static int names(const char *param) {
  char want[128];
  juno_str m;
  if (err == NULL) return 0;
  m = juno_error_message(err);
  snprintf(want, sizeof want, "`%s`", param);
  return m.data != NULL && strstr((const char *)m.data, want) != NULL;
}

/* Nothing written: the buffers, the handle and every scalar output as begin() left them. */
static int untouched(void) {
  int k;
  for (k = 0; k < 8; k++)
    if (doubles_out[k] != -1.0) return 0;
  return buf.data == NULL && out_handle == NULL && i64_out == -1 && u64_out == 7 &&
         bool_out == true;
}

static void refusal(const char *fn, const char *param, const char *what, juno_status st,
                    juno_status want) {
  if (st == JUNO_STATUS_OK) {
    fprintf(stderr, "FAIL %s(%s = %s) returned JUNO_STATUS_OK\n", fn, param, what);
    failures++;
    return;
  }
  if (st != want) {
    fprintf(stderr, "FAIL %s(%s = %s): status %u, expected %u\n", fn, param, what,
            (unsigned)st, (unsigned)want);
    failures++;
  }
  if (err == NULL || juno_error_status(err) != st || !names(param)) {
    fprintf(stderr, "FAIL %s(%s = %s): no error with status %u naming `%s`\n", fn, param, what,
            (unsigned)st, param);
    failures++;
  }
  if (!untouched()) {
    fprintf(stderr, "FAIL %s(%s = %s) wrote an output on failure\n", fn, param, what);
    failures++;
  }
}

static void finish(const char *fn, const char *param, juno_status st, int required) {
  if (required) {
    refused++;
    refusal(fn, param, "NULL", st, JUNO_STATUS_NULL_PARAMETER);
  } else if (st == JUNO_STATUS_OK) {
    optional_ok++;
  }
  juno_buf_free(&buf);
  juno_error_free(err);
  err = NULL;
  if (out_handle != NULL) juno_free(out_handle);
  out_handle = NULL;
}

/* A lone continuation byte, an overlong '/', a surrogate and a truncated sequence. */
static const char BAD_UTF8[] = "{\"x\":\"\x80\xc0\xaf\xed\xa0\x80\xe2\x82\"}";
static int utf8_refused;

static void finish_utf8(const char *fn, const char *param, juno_status st) {
  utf8_refused++;
  refusal(fn, param, "invalid UTF-8", st, JUNO_STATUS_INVALID_UTF8);
  finish(fn, param, JUNO_STATUS_NULL_PARAMETER, 0);
}

int main(void) {
  juno_status st;
  if (juno_open_in_memory(&J, NULL) != JUNO_STATUS_OK) {
    fprintf(stderr, "cannot open an in-memory engine\n");
    return 1;
  }
@CASES@
  juno_free(J);
  printf("@FUNCTIONS@ functions; %d NULL cases over every pointer parameter: %d required, each "
         "refused with JUNO_STATUS_NULL_PARAMETER naming it; %d optional accepted; %d invalid "
         "UTF-8 cases, one per string parameter, each refused with JUNO_STATUS_INVALID_UTF8 "
         "naming it; %d failures\n",
         @COUNT@, refused, optional_ok, utf8_refused, failures);
  return failures == 0 ? 0 : 1;
}
"""


def main() -> None:
    if len(sys.argv) != 4:
        raise SystemExit("usage: null_params.py include/juno.h OUT.c SCRATCH_DIR")
    with open(sys.argv[1], encoding="utf-8") as fh:
        header = fh.read()
    functions = parse(header)
    # Every function the header declares is parsed (the ones without a status are skipped
    # by name above), so a prototype the pattern missed cannot escape the test.
    declared = re.findall(r"^[a-z].*\b(juno_[a-z0-9_]+)\(", header, re.M)
    parsed = {f.name for f in functions} | SKIP
    missed = sorted(set(declared) - parsed)
    if missed:
        raise SystemExit(f"null_params.py: prototypes not understood: {missed}")
    source = generate(functions).replace("@SCRATCH@", sys.argv[3])
    with open(sys.argv[2], "w", encoding="utf-8") as fh:
        fh.write(source)


if __name__ == "__main__":
    main()
