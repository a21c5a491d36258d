/* mini_json — see mini_json.h. */
#include "mini_json.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct parser {
  const char *text;
  size_t len;
  size_t pos;
  char *errbuf;
  size_t errlen;
  int failed;
} parser;

static void fail(parser *p, const char *what) {
  if (!p->failed && p->errbuf != NULL && p->errlen > 0) {
    snprintf(p->errbuf, p->errlen, "%s at byte %zu", what, p->pos);
  }
  p->failed = 1;
}

static void skip_ws(parser *p) {
  while (p->pos < p->len) {
    char c = p->text[p->pos];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      p->pos++;
    } else {
      break;
    }
  }
}

static int literal(parser *p, const char *word) {
  size_t n = strlen(word);
  if (p->len - p->pos < n || memcmp(p->text + p->pos, word, n) != 0) {
    fail(p, "invalid literal");
    return 0;
  }
  p->pos += n;
  return 1;
}

static int hex4(parser *p, unsigned *out) {
  unsigned v = 0;
  size_t i;
  if (p->len - p->pos < 4) {
    fail(p, "short \\u escape");
    return 0;
  }
  for (i = 0; i < 4; i++) {
    char c = p->text[p->pos + i];
    v <<= 4;
    if (c >= '0' && c <= '9') {
      v |= (unsigned)(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      v |= (unsigned)(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      v |= (unsigned)(c - 'A' + 10);
    } else {
      fail(p, "bad hex digit in \\u escape");
      return 0;
    }
  }
  p->pos += 4;
  *out = v;
  return 1;
}

/* Appends the UTF-8 encoding of code point cp (<= 0x10FFFF) to out. */
static size_t put_utf8(char *out, unsigned cp) {
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xC0 | (cp >> 6));
    out[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xE0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | (cp >> 18));
  out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  out[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* Parses a string at p->pos (which is at the opening quote) into a new buffer. */
static int parse_string(parser *p, char **out, size_t *out_len) {
  /* The decoded form is never longer than the escaped one (\uXXXX is 6 bytes for at
   * most 3 bytes of UTF-8; a surrogate pair is 12 bytes for 4), so one allocation of the
   * remaining input length bounds it; find the closing quote first to size it. */
  size_t start = ++p->pos;
  size_t end = start;
  char *buf;
  size_t n = 0;
  while (end < p->len && p->text[end] != '"') {
    end += (p->text[end] == '\\') ? 2 : 1;
  }
  if (end >= p->len) {
    fail(p, "unterminated string");
    return 0;
  }
  buf = malloc(end - start + 1);
  if (buf == NULL) {
    fail(p, "out of memory");
    return 0;
  }
  while (p->pos < end) {
    unsigned char c = (unsigned char)p->text[p->pos];
    if (c < 0x20) {
      fail(p, "control character in string");
      free(buf);
      return 0;
    }
    if (c != '\\') {
      buf[n++] = (char)c;
      p->pos++;
      continue;
    }
    p->pos++;
    switch (p->text[p->pos++]) {
    case '"': buf[n++] = '"'; break;
    case '\\': buf[n++] = '\\'; break;
    case '/': buf[n++] = '/'; break;
    case 'b': buf[n++] = '\b'; break;
    case 'f': buf[n++] = '\f'; break;
    case 'n': buf[n++] = '\n'; break;
    case 'r': buf[n++] = '\r'; break;
    case 't': buf[n++] = '\t'; break;
    case 'u': {
      unsigned cp;
      if (!hex4(p, &cp)) {
        free(buf);
        return 0;
      }
      if (cp >= 0xD800 && cp <= 0xDBFF) {
        unsigned lo;
        if (p->pos + 2 > end || p->text[p->pos] != '\\' || p->text[p->pos + 1] != 'u') {
          fail(p, "lone high surrogate");
          free(buf);
          return 0;
        }
        p->pos += 2;
        if (!hex4(p, &lo)) {
          free(buf);
          return 0;
        }
        if (lo < 0xDC00 || lo > 0xDFFF) {
          fail(p, "bad low surrogate");
          free(buf);
          return 0;
        }
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
      } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
        fail(p, "lone low surrogate");
        free(buf);
        return 0;
      }
      n += put_utf8(buf + n, cp);
      break;
    }
    default:
      fail(p, "bad escape");
      free(buf);
      return 0;
    }
    if (p->pos > end) {
      fail(p, "escape runs past the string");
      free(buf);
      return 0;
    }
  }
  p->pos = end + 1;
  buf[n] = '\0';
  *out = buf;
  *out_len = n;
  return 1;
}

static int parse_number(parser *p, mj_value *v) {
  size_t start = p->pos;
  size_t i = p->pos;
  char tmp[64];
  char *endp;
  if (i < p->len && p->text[i] == '-') i++;
  if (i < p->len && p->text[i] == '0') {
    i++;
  } else if (i < p->len && p->text[i] >= '1' && p->text[i] <= '9') {
    while (i < p->len && p->text[i] >= '0' && p->text[i] <= '9') i++;
  } else {
    fail(p, "bad number");
    return 0;
  }
  if (i < p->len && p->text[i] == '.') {
    i++;
    if (i >= p->len || p->text[i] < '0' || p->text[i] > '9') {
      fail(p, "bad fraction");
      return 0;
    }
    while (i < p->len && p->text[i] >= '0' && p->text[i] <= '9') i++;
  }
  if (i < p->len && (p->text[i] == 'e' || p->text[i] == 'E')) {
    i++;
    if (i < p->len && (p->text[i] == '+' || p->text[i] == '-')) i++;
    if (i >= p->len || p->text[i] < '0' || p->text[i] > '9') {
      fail(p, "bad exponent");
      return 0;
    }
    while (i < p->len && p->text[i] >= '0' && p->text[i] <= '9') i++;
  }
  if (i - start >= sizeof tmp) {
    fail(p, "number too long");
    return 0;
  }
  /* The input need not be NUL-terminated: strtod reads a terminated copy. */
  memcpy(tmp, p->text + start, i - start);
  tmp[i - start] = '\0';
  v->type = MJ_NUMBER;
  v->number = strtod(tmp, &endp);
  if (*endp != '\0') {
    fail(p, "bad number");
    return 0;
  }
  p->pos = i;
  return 1;
}

static int parse_value(parser *p, mj_value *v, int depth);

/* Appends a zeroed element to v->items (growing it), returning it or NULL. */
static mj_value *push(parser *p, mj_value *v, size_t *cap) {
  if (v->count == *cap) {
    size_t ncap = *cap ? *cap * 2 : 4;
    mj_value *n = realloc(v->items, ncap * sizeof *n);
    if (n == NULL) {
      fail(p, "out of memory");
      return NULL;
    }
    v->items = n;
    *cap = ncap;
  }
  memset(&v->items[v->count], 0, sizeof v->items[0]);
  return &v->items[v->count++];
}

static int parse_container(parser *p, mj_value *v, int depth, int object) {
  size_t cap = 0;
  char close = object ? '}' : ']';
  v->type = object ? MJ_OBJECT : MJ_ARRAY;
  p->pos++; /* the opening bracket */
  skip_ws(p);
  if (p->pos < p->len && p->text[p->pos] == close) {
    p->pos++;
    return 1;
  }
  for (;;) {
    mj_value *item = push(p, v, &cap);
    char *key = NULL;
    size_t key_len = 0;
    if (item == NULL) return 0;
    if (object) {
      skip_ws(p);
      if (p->pos >= p->len || p->text[p->pos] != '"') {
        fail(p, "expected a key");
        return 0;
      }
      if (!parse_string(p, &key, &key_len)) return 0;
      item->key = key;
      item->key_len = key_len;
      skip_ws(p);
      if (p->pos >= p->len || p->text[p->pos] != ':') {
        fail(p, "expected ':'");
        return 0;
      }
      p->pos++;
    }
    if (!parse_value(p, item, depth + 1)) return 0;
    skip_ws(p);
    if (p->pos < p->len && p->text[p->pos] == ',') {
      p->pos++;
      continue;
    }
    if (p->pos < p->len && p->text[p->pos] == close) {
      p->pos++;
      return 1;
    }
    fail(p, object ? "expected ',' or '}'" : "expected ',' or ']'");
    return 0;
  }
}

static int parse_value(parser *p, mj_value *v, int depth) {
  int ok;
  size_t start;
  if (depth > MJ_MAX_DEPTH) {
    fail(p, "nesting too deep");
    return 0;
  }
  skip_ws(p);
  if (p->pos >= p->len) {
    fail(p, "unexpected end of input");
    return 0;
  }
  start = p->pos;
  switch (p->text[p->pos]) {
  case '{': ok = parse_container(p, v, depth, 1); break;
  case '[': ok = parse_container(p, v, depth, 0); break;
  case '"':
    v->type = MJ_STRING;
    ok = parse_string(p, &v->string, &v->string_len);
    break;
  case 't': v->type = MJ_BOOL; v->boolean = 1; ok = literal(p, "true"); break;
  case 'f': v->type = MJ_BOOL; v->boolean = 0; ok = literal(p, "false"); break;
  case 'n': v->type = MJ_NULL; ok = literal(p, "null"); break;
  default: ok = parse_number(p, v); break;
  }
  v->src = p->text + start;
  v->src_len = p->pos - start;
  return ok;
}

static void free_children(mj_value *v) {
  size_t i;
  for (i = 0; i < v->count; i++) {
    free_children(&v->items[i]);
    free(v->items[i].key);
  }
  free(v->items);
  free(v->string);
}

mj_value *mj_parse(const char *text, size_t len, char *errbuf, size_t errlen) {
  parser p;
  mj_value *root;
  if (errbuf != NULL && errlen > 0) errbuf[0] = '\0';
  if (text == NULL) {
    if (errbuf != NULL && errlen > 0) snprintf(errbuf, errlen, "NULL input");
    return NULL;
  }
  root = calloc(1, sizeof *root);
  if (root == NULL) return NULL;
  p.text = text;
  p.len = len;
  p.pos = 0;
  p.errbuf = errbuf;
  p.errlen = errlen;
  p.failed = 0;
  if (parse_value(&p, root, 0)) {
    skip_ws(&p);
    if (p.pos != p.len) fail(&p, "trailing characters");
  }
  if (p.failed) {
    mj_free(root);
    return NULL;
  }
  return root;
}

mj_value *mj_parse_owned(const char *text, size_t len, char *errbuf, size_t errlen) {
  char *copy;
  mj_value *v;
  if (text == NULL) return mj_parse(NULL, 0, errbuf, errlen);
  copy = malloc(len + 1);
  if (copy == NULL) {
    if (errbuf != NULL && errlen > 0) snprintf(errbuf, errlen, "out of memory");
    return NULL;
  }
  memcpy(copy, text, len);
  copy[len] = '\0';
  v = mj_parse(copy, len, errbuf, errlen);
  if (v == NULL) {
    free(copy);
    return NULL;
  }
  v->owned_text = copy;
  return v;
}

void mj_free(mj_value *v) {
  if (v == NULL) return;
  free_children(v);
  free(v->owned_text);
  free(v);
}

const mj_value *mj_get(const mj_value *v, const char *key) {
  size_t i, n;
  if (v == NULL || v->type != MJ_OBJECT || key == NULL) return NULL;
  n = strlen(key);
  for (i = 0; i < v->count; i++) {
    if (v->items[i].key_len == n && memcmp(v->items[i].key, key, n) == 0) {
      return &v->items[i];
    }
  }
  return NULL;
}

const mj_value *mj_at(const mj_value *v, size_t i) {
  if (v == NULL || v->type != MJ_ARRAY || i >= v->count) return NULL;
  return &v->items[i];
}

size_t mj_len(const mj_value *v) {
  if (v == NULL || (v->type != MJ_ARRAY && v->type != MJ_OBJECT)) return 0;
  return v->count;
}

const char *mj_str(const mj_value *v) {
  if (v == NULL || v->type != MJ_STRING) return NULL;
  return v->string;
}

int mj_num(const mj_value *v, double *out) {
  if (v == NULL || v->type != MJ_NUMBER) return 0;
  *out = v->number;
  return 1;
}

int mj_int(const mj_value *v, int64_t *out) {
  char tmp[32];
  char *endp;
  long long x;
  if (v == NULL || v->type != MJ_NUMBER || v->src_len >= sizeof tmp) return 0;
  memcpy(tmp, v->src, v->src_len);
  tmp[v->src_len] = '\0';
  errno = 0;
  x = strtoll(tmp, &endp, 10);
  if (errno != 0 || *endp != '\0') return 0; /* a fraction, an exponent or overflow */
  *out = (int64_t)x;
  return 1;
}

int mj_str_eq(const mj_value *v, const char *s) {
  size_t n;
  if (v == NULL || v->type != MJ_STRING || s == NULL) return 0;
  n = strlen(s);
  return v->string_len == n && memcmp(v->string, s, n) == 0;
}

int mj_equal(const mj_value *a, const mj_value *b) {
  size_t i;
  if (a == NULL || b == NULL) return a == b;
  if (a->type != b->type) return 0;
  switch (a->type) {
  case MJ_NULL: return 1;
  case MJ_BOOL: return a->boolean == b->boolean;
  case MJ_NUMBER: return a->number == b->number;
  case MJ_STRING:
    return a->string_len == b->string_len && memcmp(a->string, b->string, a->string_len) == 0;
  case MJ_ARRAY:
    if (a->count != b->count) return 0;
    for (i = 0; i < a->count; i++) {
      if (!mj_equal(&a->items[i], &b->items[i])) return 0;
    }
    return 1;
  case MJ_OBJECT:
    if (a->count != b->count) return 0;
    for (i = 0; i < a->count; i++) {
      const mj_value *other = mj_get(b, a->items[i].key);
      if (!mj_equal(&a->items[i], other)) return 0;
    }
    return 1;
  }
  return 0;
}
