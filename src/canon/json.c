/* json.c - the whorl_json document model: constructors, containers,
 * getters, deep copy, deep equality. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "canon/json_int.h"
#include "util/util.h"

whorl_json *whorl__json_alloc(whorl_json_type type) {
  whorl_json *v = calloc(1, sizeof *v);
  if (v) v->type = type;
  return v;
}

whorl_json *whorl__json_number(double d, int is_int, int64_t i) {
  whorl_json *v = whorl__json_alloc(WHORL_JSON_NUMBER);
  if (!v) return NULL;
  v->u.num.d = d;
  v->u.num.i = is_int ? i : 0;
  v->is_int = is_int;
  return v;
}

whorl_json *whorl__json_string_take(char *s, size_t len) {
  whorl_json *v = whorl__json_alloc(WHORL_JSON_STRING);
  if (!v) {
    free(s);
    return NULL;
  }
  v->u.str.s = s;
  v->u.str.len = len;
  return v;
}

/* ---- construction ---- */

whorl_json *whorl_json_null(void) { return whorl__json_alloc(WHORL_JSON_NULL); }

whorl_json *whorl_json_bool(int b) {
  whorl_json *v = whorl__json_alloc(WHORL_JSON_BOOL);
  if (v) v->u.b = b ? 1 : 0;
  return v;
}

whorl_json *whorl_json_double(double d) {
  if (!isfinite(d)) return NULL;
  return whorl__json_number(d, 0, 0);
}

whorl_json *whorl_json_int(int64_t i) { return whorl__json_number((double)i, 1, i); }

static char *dup_bytes(const char *s, size_t len) {
  if (len == SIZE_MAX) return NULL;
  char *p = malloc(len + 1);
  if (!p) return NULL;
  if (len) memcpy(p, s, len);
  p[len] = 0;
  return p;
}

whorl_json *whorl_json_stringn(const char *s, size_t len) {
  if (!s && len) return NULL;
  char *p = dup_bytes(s, len);
  if (!p) return NULL;
  return whorl__json_string_take(p, len);
}

whorl_json *whorl_json_string(const char *s) {
  if (!s) return NULL;
  return whorl_json_stringn(s, strlen(s));
}

whorl_json *whorl_json_array(void) { return whorl__json_alloc(WHORL_JSON_ARRAY); }
whorl_json *whorl_json_object(void) { return whorl__json_alloc(WHORL_JSON_OBJECT); }

/* ---- containers ---- */

/* Grows an array of `size`-byte elements so that one more fits. */
static int grow(void **items, size_t *cap, size_t len, size_t size) {
  if (len < *cap) return 0;
  size_t ncap = *cap ? *cap * 2 : 4;
  if (ncap < *cap || ncap > SIZE_MAX / size) return -1;
  void *p = realloc(*items, ncap * size);
  if (!p) return -1;
  *items = p;
  *cap = ncap;
  return 0;
}

int whorl_json_array_append(whorl_json *arr, whorl_json *v) {
  if (!v) return arr && arr->type == WHORL_JSON_ARRAY ? WHORL_ENOMEM : WHORL_EINVAL;
  if (!arr || arr->type != WHORL_JSON_ARRAY) {
    whorl_json_free(v);
    return WHORL_EINVAL;
  }
  void *items = arr->u.arr.items;
  if (grow(&items, &arr->u.arr.cap, arr->u.arr.len, sizeof(whorl_json *))) {
    whorl_json_free(v);
    return WHORL_ENOMEM;
  }
  arr->u.arr.items = items;
  arr->u.arr.items[arr->u.arr.len++] = v;
  return WHORL_OK;
}

int whorl__json_object_push(whorl_json *obj, char *key, size_t keylen, whorl_json *v) {
  void *items = obj->u.obj.items;
  if (grow(&items, &obj->u.obj.cap, obj->u.obj.len, sizeof(whorl_json_member))) {
    free(key);
    whorl_json_free(v);
    return WHORL_ENOMEM;
  }
  obj->u.obj.items = items;
  whorl_json_member *m = &obj->u.obj.items[obj->u.obj.len++];
  m->key = key;
  m->keylen = keylen;
  m->val = v;
  return WHORL_OK;
}

static whorl_json_member *find_member(const whorl_json *obj, const char *key, size_t keylen) {
  if (!obj || obj->type != WHORL_JSON_OBJECT || (!key && keylen)) return NULL;
  for (size_t i = 0; i < obj->u.obj.len; i++) {
    whorl_json_member *m = &obj->u.obj.items[i];
    if (m->keylen == keylen && (keylen == 0 || memcmp(m->key, key, keylen) == 0)) return m;
  }
  return NULL;
}

int whorl_json_object_setn(whorl_json *obj, const char *key, size_t keylen, whorl_json *v) {
  if (!v) return obj && obj->type == WHORL_JSON_OBJECT && (key || !keylen) ? WHORL_ENOMEM : WHORL_EINVAL;
  if (!obj || obj->type != WHORL_JSON_OBJECT || (!key && keylen)) {
    whorl_json_free(v);
    return WHORL_EINVAL;
  }
  whorl_json_member *m = find_member(obj, key, keylen);
  if (m) {
    whorl_json_free(m->val);
    m->val = v;
    return WHORL_OK;
  }
  char *k = dup_bytes(key, keylen);
  if (!k) {
    whorl_json_free(v);
    return WHORL_ENOMEM;
  }
  return whorl__json_object_push(obj, k, keylen, v);
}

int whorl_json_object_set(whorl_json *obj, const char *key, whorl_json *v) {
  if (!key) {
    whorl_json_free(v);
    return WHORL_EINVAL;
  }
  return whorl_json_object_setn(obj, key, strlen(key), v);
}

int whorl_json_object_remove(whorl_json *obj, const char *key) {
  if (!key) return 0;
  whorl_json_member *m = find_member(obj, key, strlen(key));
  if (!m) return 0;
  size_t i = (size_t)(m - obj->u.obj.items);
  free(m->key);
  whorl_json_free(m->val);
  memmove(m, m + 1, (obj->u.obj.len - i - 1) * sizeof *m);
  obj->u.obj.len--;
  return 1;
}

/* ---- copy / free ---- */

whorl_json *whorl_json_clone(const whorl_json *v) {
  if (!v) return NULL;
  switch (v->type) {
  case WHORL_JSON_NULL: return whorl_json_null();
  case WHORL_JSON_BOOL: return whorl_json_bool(v->u.b);
  case WHORL_JSON_NUMBER: {
    whorl_json *c = whorl__json_number(v->u.num.d, v->is_int, v->u.num.i);
    if (c && v->u.num.lit && !(c->u.num.lit = dup_bytes(v->u.num.lit, strlen(v->u.num.lit)))) {
      whorl_json_free(c);
      return NULL;
    }
    return c;
  }
  case WHORL_JSON_STRING: return whorl_json_stringn(v->u.str.s, v->u.str.len);
  case WHORL_JSON_ARRAY: {
    whorl_json *c = whorl_json_array();
    if (!c) return NULL;
    size_t n = v->u.arr.len;
    if (n) {
      c->u.arr.items = malloc(n * sizeof(whorl_json *));
      if (!c->u.arr.items) goto fail_arr;
      c->u.arr.cap = n;
    }
    for (size_t i = 0; i < n; i++) {
      whorl_json *e = whorl_json_clone(v->u.arr.items[i]);
      if (!e) goto fail_arr;
      c->u.arr.items[c->u.arr.len++] = e;
    }
    return c;
  fail_arr:
    whorl_json_free(c);
    return NULL;
  }
  case WHORL_JSON_OBJECT: {
    whorl_json *c = whorl_json_object();
    if (!c) return NULL;
    size_t n = v->u.obj.len;
    if (n) {
      c->u.obj.items = malloc(n * sizeof(whorl_json_member));
      if (!c->u.obj.items) goto fail_obj;
      c->u.obj.cap = n;
    }
    for (size_t i = 0; i < n; i++) {
      const whorl_json_member *m = &v->u.obj.items[i];
      char *k = dup_bytes(m->key, m->keylen);
      whorl_json *e = k ? whorl_json_clone(m->val) : NULL;
      if (!e) {
        free(k);
        goto fail_obj;
      }
      whorl_json_member *d = &c->u.obj.items[c->u.obj.len++];
      d->key = k;
      d->keylen = m->keylen;
      d->val = e;
    }
    return c;
  fail_obj:
    whorl_json_free(c);
    return NULL;
  }
  }
  return NULL;
}

void whorl_json_free(whorl_json *v) {
  if (!v) return;
  switch (v->type) {
  case WHORL_JSON_STRING: free(v->u.str.s); break;
  case WHORL_JSON_NUMBER: free(v->u.num.lit); break;
  case WHORL_JSON_ARRAY:
    for (size_t i = 0; i < v->u.arr.len; i++) whorl_json_free(v->u.arr.items[i]);
    free(v->u.arr.items);
    break;
  case WHORL_JSON_OBJECT:
    for (size_t i = 0; i < v->u.obj.len; i++) {
      free(v->u.obj.items[i].key);
      whorl_json_free(v->u.obj.items[i].val);
    }
    free(v->u.obj.items);
    break;
  default: break;
  }
  free(v);
}

/* ---- inspection ---- */

whorl_json_type whorl_json_typeof(const whorl_json *v) { return v ? v->type : WHORL_JSON_NULL; }

int whorl_json_is_int(const whorl_json *v) { return v && v->type == WHORL_JSON_NUMBER && v->is_int; }

int whorl_json_get_bool(const whorl_json *v) { return v && v->type == WHORL_JSON_BOOL ? v->u.b : 0; }

double whorl_json_get_double(const whorl_json *v) {
  return v && v->type == WHORL_JSON_NUMBER ? v->u.num.d : 0.0;
}

/* Doubles in [-2^63, 2^63) convert exactly after truncation; others clamp. */
static int64_t double_to_int(double d) {
  if (d >= 9223372036854775808.0) return INT64_MAX;
  if (d < -9223372036854775808.0) return INT64_MIN;
  return (int64_t)d;
}

int64_t whorl_json_get_int(const whorl_json *v) {
  if (!v || v->type != WHORL_JSON_NUMBER) return 0;
  return v->is_int ? v->u.num.i : double_to_int(v->u.num.d);
}

const char *whorl_json_get_string(const whorl_json *v, size_t *len) {
  if (!v || v->type != WHORL_JSON_STRING) {
    if (len) *len = 0;
    return NULL;
  }
  if (len) *len = v->u.str.len;
  return v->u.str.s;
}

size_t whorl_json_size(const whorl_json *v) {
  if (!v) return 0;
  if (v->type == WHORL_JSON_ARRAY) return v->u.arr.len;
  if (v->type == WHORL_JSON_OBJECT) return v->u.obj.len;
  return 0;
}

whorl_json *whorl_json_array_get(const whorl_json *arr, size_t i) {
  if (!arr || arr->type != WHORL_JSON_ARRAY || i >= arr->u.arr.len) return NULL;
  return arr->u.arr.items[i];
}

const char *whorl_json_object_key(const whorl_json *obj, size_t i, size_t *keylen) {
  if (!obj || obj->type != WHORL_JSON_OBJECT || i >= obj->u.obj.len) {
    if (keylen) *keylen = 0;
    return NULL;
  }
  if (keylen) *keylen = obj->u.obj.items[i].keylen;
  return obj->u.obj.items[i].key;
}

whorl_json *whorl_json_object_value(const whorl_json *obj, size_t i) {
  if (!obj || obj->type != WHORL_JSON_OBJECT || i >= obj->u.obj.len) return NULL;
  return obj->u.obj.items[i].val;
}

whorl_json *whorl_json_object_get(const whorl_json *obj, const char *key) {
  if (!key) return NULL;
  whorl_json_member *m = find_member(obj, key, strlen(key));
  return m ? m->val : NULL;
}

const char *whorl_json_object_get_string(const whorl_json *obj, const char *key) {
  return whorl_json_get_string(whorl_json_object_get(obj, key), NULL);
}

int64_t whorl_json_object_get_int(const whorl_json *obj, const char *key, int64_t dflt) {
  const whorl_json *v = whorl_json_object_get(obj, key);
  if (!v || v->type != WHORL_JSON_NUMBER) return dflt;
  if (v->is_int) return v->u.num.i;
  /* A double counts as an int only when it is one exactly (1e3, 42.0). */
  double d = v->u.num.d;
  if (d != trunc(d) || d < -9223372036854775808.0 || d >= 9223372036854775808.0) return dflt;
  return (int64_t)d;
}

/* ---- equality ---- */

static int number_equal(const whorl_json *a, const whorl_json *b) {
  /* Two exact integers compare exactly (they may differ above 2^53);
   * anything else compares as doubles, so 1, 1.0 and 1e0 are equal. */
  if (a->is_int && b->is_int) return a->u.num.i == b->u.num.i;
  return a->u.num.d == b->u.num.d;
}

static int member_cmp(const void *x, const void *y) {
  const whorl_json_member *a = *(const whorl_json_member *const *)x;
  const whorl_json_member *b = *(const whorl_json_member *const *)y;
  size_t n = a->keylen < b->keylen ? a->keylen : b->keylen;
  int c = n ? memcmp(a->key, b->key, n) : 0;
  if (c) return c;
  return a->keylen < b->keylen ? -1 : a->keylen > b->keylen;
}

/* Sorted view of members [from, len) of an object (by bytes); NULL on OOM. */
static const whorl_json_member **sorted_members(const whorl_json *o, size_t from) {
  size_t n = o->u.obj.len - from;
  const whorl_json_member **v = malloc(n * sizeof *v);
  if (!v) return NULL;
  for (size_t i = 0; i < n; i++) v[i] = &o->u.obj.items[from + i];
  qsort(v, n, sizeof *v, member_cmp);
  return v;
}

static int object_equal(const whorl_json *a, const whorl_json *b) {
  size_t n = a->u.obj.len;
  if (n != b->u.obj.len) return 0;
  /* Same order (the usual case) first, then, from the first difference,
   * either a linear search per key (small objects) or a merge of the two
   * sorted member lists, so 100k-member objects stay n log n. Keys are
   * unique in both, so equal sizes + every key of a found in b with an
   * equal value means the maps are equal. */
  size_t i = 0;
  for (; i < n; i++) {
    const whorl_json_member *ma = &a->u.obj.items[i], *mb = &b->u.obj.items[i];
    if (ma->keylen != mb->keylen || memcmp(ma->key, mb->key, ma->keylen) != 0) break;
    if (!whorl_json_equal(ma->val, mb->val)) return 0;
  }
  if (i == n) return 1;
  const whorl_json_member **sa = NULL, **sb = NULL;
  if (n - i > 16) {
    sa = sorted_members(a, i);
    sb = sa ? sorted_members(b, i) : NULL;
  }
  int eq = 1;
  if (sa && sb) {
    for (size_t k = 0; k < n - i && eq; k++)
      eq = member_cmp(&sa[k], &sb[k]) == 0 && whorl_json_equal(sa[k]->val, sb[k]->val);
  } else {
    for (; i < n && eq; i++) {
      const whorl_json_member *ma = &a->u.obj.items[i];
      const whorl_json_member *mb = find_member(b, ma->key, ma->keylen);
      eq = mb && whorl_json_equal(ma->val, mb->val);
    }
  }
  free(sa);
  free(sb);
  return eq;
}

int whorl_json_equal(const whorl_json *a, const whorl_json *b) {
  if (a == b) return 1;
  if (!a || !b || a->type != b->type) return 0;
  switch (a->type) {
  case WHORL_JSON_NULL: return 1;
  case WHORL_JSON_BOOL: return a->u.b == b->u.b;
  case WHORL_JSON_NUMBER: return number_equal(a, b);
  case WHORL_JSON_STRING:
    return a->u.str.len == b->u.str.len && memcmp(a->u.str.s, b->u.str.s, a->u.str.len) == 0;
  case WHORL_JSON_ARRAY:
    if (a->u.arr.len != b->u.arr.len) return 0;
    for (size_t i = 0; i < a->u.arr.len; i++)
      if (!whorl_json_equal(a->u.arr.items[i], b->u.arr.items[i])) return 0;
    return 1;
  case WHORL_JSON_OBJECT: return object_equal(a, b);
  }
  return 0;
}
