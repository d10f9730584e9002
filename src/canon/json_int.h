/* json_int.h - private layout of whorl_json, shared by the DOM (json.c), the
 * parser (json_parse.c) and the serializers (jcs.c). Not a published API. */
#ifndef WHORL_JSON_INT_H
#define WHORL_JSON_INT_H

#include <stddef.h>
#include <stdint.h>
#include "whorl/json.h"

typedef struct whorl_json_member {
  char *key; /* malloc'd, NUL-terminated, may hold NUL */
  size_t keylen;
  whorl_json *val;
} whorl_json_member;

struct whorl_json {
  whorl_json_type type;
  int is_int; /* NUMBER: `i` holds the exact value */
  union {
    int b;
    struct {
      double d;
      int64_t i;
      char *lit; /* malloc'd literal text, or NULL (whorl__json_parse_row) */
    } num;
    struct {
      char *s; /* malloc'd, NUL-terminated */
      size_t len;
    } str;
    struct {
      whorl_json **items;
      size_t len, cap;
    } arr;
    struct {
      whorl_json_member *items;
      size_t len, cap;
    } obj;
  } u;
};

/* Allocates a node of the given type, zero-filled. NULL on OOM. */
whorl_json *whorl__json_alloc(whorl_json_type type);
/* Number node with an exact int64 and the double it rounds to (the parser
 * keeps -0 as d = -0.0 with i = 0). */
whorl_json *whorl__json_number(double d, int is_int, int64_t i);
/* Takes ownership of `s` (malloc'd, NUL at s[len]). */
whorl_json *whorl__json_string_take(char *s, size_t len);
/* Appends a member without looking for an existing key; takes ownership of
 * `key` (malloc'd, NUL-terminated) and `v` (both freed on failure). */
int whorl__json_object_push(whorl_json *obj, char *key, size_t keylen, whorl_json *v);

/* Total order of keys by UTF-16 code units (RFC 8785 section 3.2.3). */
int whorl__json_key_cmp(const char *a, size_t alen, const char *b, size_t blen);

#endif
