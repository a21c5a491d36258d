/*
 * mini_json — a small, strict JSON reader for JUNO's C tests and example.
 *
 * Parses RFC 8259 JSON into a tree. Every value remembers the span of input text it was
 * parsed from (`src`, `src_len`), so a sub-document (a query object, an array of
 * memories) can be handed to JUNO as-is without re-serialising it. Strings are decoded
 * (escapes, \uXXXX with surrogate pairs) into NUL-terminated UTF-8 copies.
 *
 * The input text must outlive the tree (spans point into it). Not a general-purpose
 * library: nesting is limited to MJ_MAX_DEPTH, duplicate object keys are kept (mj_get
 * returns the first).
 */
#ifndef MINI_JSON_H
#define MINI_JSON_H

#include <stddef.h>
#include <stdint.h>

#define MJ_MAX_DEPTH 64

typedef enum mj_type {
  MJ_NULL,
  MJ_BOOL,
  MJ_NUMBER,
  MJ_STRING,
  MJ_ARRAY,
  MJ_OBJECT
} mj_type;

typedef struct mj_value {
  mj_type type;
  /* The raw JSON text of this value, inside the parsed input. */
  const char *src;
  size_t src_len;
  /* MJ_BOOL */
  int boolean;
  /* MJ_NUMBER */
  double number;
  /* MJ_STRING: decoded, NUL-terminated (may contain NUL if the JSON had \u0000). */
  char *string;
  size_t string_len;
  /* MJ_ARRAY and MJ_OBJECT: the elements / member values, in input order. */
  struct mj_value *items;
  size_t count;
  /* For a member of an object: its decoded, NUL-terminated key. */
  char *key;
  size_t key_len;
  /* For a root from mj_parse_owned: the private copy of the input, freed by mj_free. */
  char *owned_text;
} mj_value;

/* Parses `len` bytes of `text`. Returns a tree to free with mj_free, or NULL on error
 * (then, if errbuf is not NULL, a message of at most errlen-1 bytes is written there). */
mj_value *mj_parse(const char *text, size_t len, char *errbuf, size_t errlen);

/* Like mj_parse, but parses a private copy of the text, so the input may be freed
 * right after (the tree's spans point into the copy, which mj_free releases). */
mj_value *mj_parse_owned(const char *text, size_t len, char *errbuf, size_t errlen);

/* Frees a tree from mj_parse. NULL is a no-op. */
void mj_free(mj_value *v);

/* The member `key` of an object, or NULL if v is NULL, not an object or has no such key. */
const mj_value *mj_get(const mj_value *v, const char *key);

/* Element i of an array, or NULL if v is NULL, not an array or too short. */
const mj_value *mj_at(const mj_value *v, size_t i);

/* Elements of an array / members of an object; 0 for anything else (and NULL). */
size_t mj_len(const mj_value *v);

/* The decoded string, or NULL if v is NULL or not a string. */
const char *mj_str(const mj_value *v);

/* 1 and *out set if v is a number, else 0. */
int mj_num(const mj_value *v, double *out);

/* 1 and *out set if v is a number written as an integer that fits int64_t, else 0. */
int mj_int(const mj_value *v, int64_t *out);

/* 1 if v is the string s (exactly, no NUL inside), else 0. */
int mj_str_eq(const mj_value *v, const char *s);

/* 1 if the two values are equal as JSON data: same type, numbers equal as doubles,
 * strings byte-equal, arrays element-wise, objects with the same keys (any order). */
int mj_equal(const mj_value *a, const mj_value *b);

#endif /* MINI_JSON_H */
