/* jcs.c - RFC 8785 (JCS) canonical serialization, the pretty printer that
 * shares its member order, and ECMAScript number formatting. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canon/json_int.h"
#include "canon/canon.h"
#include "util/util.h"

/* ---- numbers: ECMAScript Number::toString ---- */

/* 1 if m * 10^e reads back as exactly v. Written without a decimal point
 * so the locale never matters. */
static int reads_back(uint64_t m, int e, double v) {
  char s[48];
  snprintf(s, sizeof s, "%llue%d", (unsigned long long)m, e);
  return strtod(s, NULL) == v;
}

static const uint64_t pow10_u64[] = {1ULL,
                                     10ULL,
                                     100ULL,
                                     1000ULL,
                                     10000ULL,
                                     100000ULL,
                                     1000000ULL,
                                     10000000ULL,
                                     100000000ULL,
                                     1000000000ULL,
                                     10000000000ULL,
                                     100000000000ULL,
                                     1000000000000ULL,
                                     10000000000000ULL,
                                     100000000000000ULL,
                                     1000000000000000ULL,
                                     10000000000000000ULL,
                                     100000000000000000ULL};

/* Shortest decimal m * 10^e (m without trailing zeros) that reads back as
 * v > 0, finite. ES picks the fewest digits and, among those, the closest
 * to v; printf's correctly rounded "%.*e" gives the closest p-digit value,
 * and its neighbours are tried as well because near a power of two the
 * round-trip interval is lopsided and a farther p-digit value may fit
 * where the closest does not. */
static void shortest(double v, uint64_t *mout, int *eout) {
  uint64_t m = 0;
  int e = 0;
  for (int p = 1; p <= 17; p++) {
    char s[48];
    snprintf(s, sizeof s, "%.*e", p - 1, v);
    /* Digits, then 'e' and the exponent; whatever the decimal point
     * looks like in this locale is skipped. */
    const char *c = s;
    m = 0;
    for (; *c && *c != 'e'; c++)
      if (*c >= '0' && *c <= '9') m = m * 10 + (uint64_t)(*c - '0');
    e = (*c == 'e' ? atoi(c + 1) : 0) - (p - 1);
    if (reads_back(m, e, v)) break;
    uint64_t lo = pow10_u64[p - 1], hi = pow10_u64[p]; /* p-digit range */
    uint64_t up = m + 1, dn = m - 1;
    int eu = e, ed = e;
    if (up == hi) {
      up = lo;
      eu++;
    }
    if (dn < lo) {
      dn = hi - 1;
      ed--;
    }
    if (reads_back(up, eu, v)) {
      m = up;
      e = eu;
      break;
    }
    if (reads_back(dn, ed, v)) {
      m = dn;
      e = ed;
      break;
    }
  }
  while (m && m % 10 == 0) {
    m /= 10;
    e++;
  }
  *mout = m;
  *eout = e;
}

size_t whorl_json_format_double(double v, char buf[32]) {
  if (isnan(v)) return (size_t)snprintf(buf, 32, "NaN");
  if (isinf(v)) return (size_t)snprintf(buf, 32, v < 0 ? "-Infinity" : "Infinity");
  if (v == 0) { /* also -0 */
    buf[0] = '0';
    buf[1] = 0;
    return 1;
  }
  size_t o = 0;
  if (v < 0) {
    buf[o++] = '-';
    v = -v;
  }
  /* Integers below 2^53 are their own shortest form. */
  if (v < 9007199254740992.0 && v == floor(v)) {
    o += (size_t)snprintf(buf + o, 32 - o, "%llu", (unsigned long long)v);
    return o;
  }
  uint64_t m;
  int e;
  shortest(v, &m, &e);
  char d[24];
  int k = snprintf(d, sizeof d, "%llu", (unsigned long long)m);
  int n = e + k; /* v = 0.d1d2...dk * 10^n */
  if (k <= n && n <= 21) {
    memcpy(buf + o, d, (size_t)k);
    o += (size_t)k;
    for (int i = k; i < n; i++) buf[o++] = '0';
  } else if (0 < n && n <= 21) {
    memcpy(buf + o, d, (size_t)n);
    o += (size_t)n;
    buf[o++] = '.';
    memcpy(buf + o, d + n, (size_t)(k - n));
    o += (size_t)(k - n);
  } else if (-6 < n && n <= 0) {
    buf[o++] = '0';
    buf[o++] = '.';
    for (int i = n; i < 0; i++) buf[o++] = '0';
    memcpy(buf + o, d, (size_t)k);
    o += (size_t)k;
  } else {
    buf[o++] = d[0];
    if (k > 1) {
      buf[o++] = '.';
      memcpy(buf + o, d + 1, (size_t)(k - 1));
      o += (size_t)(k - 1);
    }
    o += (size_t)snprintf(buf + o, 32 - o, "e%c%d", n - 1 >= 0 ? '+' : '-', abs(n - 1));
    return o;
  }
  buf[o] = 0;
  return o;
}

/* ---- key order: UTF-16 code units ----
 * UTF-8 byte order is code point order; UTF-16 order differs only in that
 * characters above U+FFFF (lead bytes F0-F4, surrogates D800-DBFF in
 * UTF-16) sort before U+E000-U+FFFF (lead bytes EE, EF). At the first
 * differing byte of two valid UTF-8 strings both bytes are lead bytes or
 * both are continuation bytes of same-length characters, so comparing
 * bytes after moving EE and EF above F0-FF yields UTF-16 order. Being a
 * byte permutation, it is a total order on any bytes (builders may hand
 * over invalid UTF-8). */
static unsigned key_byte_rank(unsigned char c) {
  if (c < 0xEE) return c;
  if (c < 0xF0) return c + 0x10; /* EE, EF -> FE, FF */
  return c - 2;                  /* F0..FF -> EE..FD */
}

int whorl__json_key_cmp(const char *a, size_t alen, const char *b, size_t blen) {
  size_t n = alen < blen ? alen : blen;
  for (size_t i = 0; i < n; i++) {
    unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
    if (x != y) return key_byte_rank(x) < key_byte_rank(y) ? -1 : 1;
  }
  return alen < blen ? -1 : alen > blen;
}

static int member_ptr_cmp(const void *pa, const void *pb) {
  const whorl_json_member *a = *(const whorl_json_member *const *)pa;
  const whorl_json_member *b = *(const whorl_json_member *const *)pb;
  int c = whorl__json_key_cmp(a->key, a->keylen, b->key, b->keylen);
  if (c) return c;
  return a < b ? -1 : a > b; /* equal keys cannot happen; stay deterministic */
}

/* The members of obj in canonical order; NULL on OOM (an empty object
 * gives a non-NULL pointer to nothing useful, never dereferenced). Small
 * objects (most of a fingerprint: one per folder entry) use `small`, so
 * writing them allocates nothing; release with free_members. */
#define SMALL_OBJECT 16
static const whorl_json_member **sorted_members(const whorl_json *obj, const whorl_json_member **small) {
  size_t n = obj->u.obj.len;
  const whorl_json_member **v = n <= SMALL_OBJECT ? small : malloc(n * sizeof *v);
  if (!v) return NULL;
  int sorted = 1;
  for (size_t i = 0; i < n; i++) {
    v[i] = &obj->u.obj.items[i];
    if (i && sorted && member_ptr_cmp(&v[i - 1], &v[i]) > 0) sorted = 0;
  }
  if (!sorted) qsort(v, n, sizeof *v, member_ptr_cmp);
  return v;
}

static void free_members(const whorl_json_member **v, const whorl_json_member **small) {
  if (v != small) free((void *)v);
}

/* ---- writers ---- */

/* 1 when s holds a byte >= 0x80 that is not part of a valid UTF-8
 * sequence (RFC 3629). ASCII strings cost one pass over their bytes. */
static int bad_utf8(const char *s, size_t len) {
  for (size_t i = 0; i < len; i++)
    if ((unsigned char)s[i] >= 0x80) return !whorl__utf8_valid(s + i, len - i);
  return 0;
}

/* Writes s, which must be valid UTF-8 (callers check with bad_utf8). */
static void put_string(whorl_buf *b, const char *s, size_t len) {
  static const char hex[] = "0123456789abcdef";
  whorl_buf_putc(b, '"');
  size_t run = 0; /* start of the pending run of bytes copied verbatim */
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    whorl_buf_put(b, s + run, i - run);
    run = i + 1;
    char esc[6] = {'\\', 0, 0, 0, 0, 0};
    size_t n = 2;
    switch (c) {
    case '"': esc[1] = '"'; break;
    case '\\': esc[1] = '\\'; break;
    case '\b': esc[1] = 'b'; break;
    case '\f': esc[1] = 'f'; break;
    case '\n': esc[1] = 'n'; break;
    case '\r': esc[1] = 'r'; break;
    case '\t': esc[1] = 't'; break;
    default:
      esc[1] = 'u';
      esc[2] = '0';
      esc[3] = '0';
      esc[4] = hex[c >> 4];
      esc[5] = hex[c & 15];
      n = 6;
      break;
    }
    whorl_buf_put(b, esc, n);
  }
  whorl_buf_put(b, s + run, len - run);
  whorl_buf_putc(b, '"');
}

void whorl__jcs_string(whorl_buf *b, const char *s, size_t len) {
  if (!bad_utf8(s, len)) {
    put_string(b, s, len);
    return;
  }
  /* Never invalid UTF-8 in JSON text: each byte that is not part of a
   * valid sequence becomes U+FFFD (callers pass valid text; this is the
   * last line of defence). */
  whorl_buf t = WHORL_BUF_INIT;
  for (size_t i = 0; i < len;) {
    size_t k = i;
    while (k < len && (unsigned char)s[k] < 0x80) k++;
    whorl_buf_put(&t, s + i, k - i);
    if (k == len) break;
    size_t n = 0;
    for (size_t m = 2; m <= 4 && !n && k + m <= len; m++)
      if (whorl__utf8_valid(s + k, m)) n = m;
    if (n) whorl_buf_put(&t, s + k, n);
    else whorl_buf_put(&t, "\xef\xbf\xbd", 3);
    i = k + (n ? n : 1);
  }
  if (t.oom) b->oom = 1;
  put_string(b, t.data ? t.data : "", t.len);
  whorl_buf_free(&t);
}

static void put_number(whorl_buf *b, const whorl_json *v) {
  char tmp[32];
  size_t n;
  if (v->is_int) n = (size_t)snprintf(tmp, sizeof tmp, "%lld", (long long)v->u.num.i);
  else n = whorl_json_format_double(v->u.num.d, tmp);
  whorl_buf_put(b, tmp, n);
}

static void put_indent(whorl_buf *b, int level) {
  if (whorl_buf_grow(b, (size_t)level * 2 + 1)) return;
  b->data[b->len++] = '\n';
  memset(b->data + b->len, ' ', (size_t)level * 2);
  b->len += (size_t)level * 2;
  b->data[b->len] = 0;
}

static int inline_array(const whorl_json *v) {
  if (v->u.arr.len > 8) return 0;
  for (size_t i = 0; i < v->u.arr.len; i++) {
    whorl_json_type t = v->u.arr.items[i]->type;
    if (t == WHORL_JSON_ARRAY || t == WHORL_JSON_OBJECT) return 0;
  }
  return 1;
}

/* A writer: a buffer, and optionally a sink that takes what has been
 * written whenever the buffer passes FLUSH_AT bytes, so a large document
 * streams out through a small buffer. */
#define FLUSH_AT (64u * 1024)
typedef struct jw {
  whorl_buf b;
  whorl_json_sink sink;
  void *ctx;
  int failed; /* the sink reported an error */
} jw;

/* Non-zero once the sink has refused data: writing stops there. */
static int maybe_flush(jw *w) {
  if (w->failed) return 1;
  if (!w->sink || w->b.len < FLUSH_AT) return 0;
  if (w->sink(w->ctx, w->b.data, w->b.len)) w->failed = 1;
  w->b.len = 0;
  return w->failed;
}

/* pretty < 0: canonical; otherwise the current indentation level. */
static int write_value(jw *w, const whorl_json *v, int pretty) {
  whorl_buf *b = &w->b;
  switch (v->type) {
  case WHORL_JSON_NULL: whorl_buf_put(b, "null", 4); break;
  case WHORL_JSON_BOOL: v->u.b ? whorl_buf_put(b, "true", 4) : whorl_buf_put(b, "false", 5); break;
  case WHORL_JSON_NUMBER:
    if (!v->is_int && !isfinite(v->u.num.d)) return WHORL_EFORMAT; /* JSON has no infinity */
    put_number(b, v);
    break;
  case WHORL_JSON_STRING:
    if (bad_utf8(v->u.str.s, v->u.str.len)) return WHORL_EFORMAT;
    put_string(b, v->u.str.s, v->u.str.len);
    break;
  case WHORL_JSON_ARRAY:
    if (pretty >= 0 && v->u.arr.len && inline_array(v)) {
      /* Short tuples of scalars (chunk [offset, size, hash], ranges) read
       * better, and keep documents small, on one line. */
      whorl_buf_putc(b, '[');
      for (size_t i = 0; i < v->u.arr.len; i++) {
        if (i) whorl_buf_put(b, ", ", 2);
        int rc = write_value(w, v->u.arr.items[i], -1);
        if (rc) return rc;
      }
      whorl_buf_putc(b, ']');
      break;
    }
    whorl_buf_putc(b, '[');
    for (size_t i = 0; i < v->u.arr.len; i++) {
      if (i) whorl_buf_putc(b, ',');
      if (pretty >= 0) put_indent(b, pretty + 1);
      int rc = write_value(w, v->u.arr.items[i], pretty >= 0 ? pretty + 1 : -1);
      if (rc) return rc;
      if (maybe_flush(w)) return WHORL_EIO;
    }
    if (pretty >= 0 && v->u.arr.len) put_indent(b, pretty);
    whorl_buf_putc(b, ']');
    break;
  case WHORL_JSON_OBJECT: {
    const whorl_json_member *small[SMALL_OBJECT];
    const whorl_json_member **m = sorted_members(v, small);
    if (!m) return WHORL_ENOMEM;
    whorl_buf_putc(b, '{');
    for (size_t i = 0; i < v->u.obj.len; i++) {
      if (i) whorl_buf_putc(b, ',');
      if (pretty >= 0) put_indent(b, pretty + 1);
      if (bad_utf8(m[i]->key, m[i]->keylen)) {
        free_members(m, small);
        return WHORL_EFORMAT;
      }
      put_string(b, m[i]->key, m[i]->keylen);
      if (pretty >= 0) whorl_buf_put(b, ": ", 2);
      else whorl_buf_putc(b, ':');
      int rc = write_value(w, m[i]->val, pretty >= 0 ? pretty + 1 : -1);
      if (!rc && maybe_flush(w)) rc = WHORL_EIO;
      if (rc) {
        free_members(m, small);
        return rc;
      }
    }
    free_members(m, small);
    if (pretty >= 0 && v->u.obj.len) put_indent(b, pretty);
    whorl_buf_putc(b, '}');
    break;
  }
  }
  return b->oom ? WHORL_ENOMEM : (w->failed ? WHORL_EIO : WHORL_OK);
}

static int serialize(const whorl_json *v, char **out, size_t *len, int pretty) {
  if (!out) return WHORL_EINVAL;
  *out = NULL;
  if (len) *len = 0;
  if (!v) return WHORL_EINVAL;
  jw w = {WHORL_BUF_INIT, NULL, NULL, 0};
  int rc = write_value(&w, v, pretty);
  if (pretty >= 0) whorl_buf_putc(&w.b, '\n');
  if (rc || w.b.oom) {
    whorl_buf_free(&w.b);
    return rc ? rc : WHORL_ENOMEM;
  }
  *out = whorl_buf_detach(&w.b, len);
  return *out ? WHORL_OK : WHORL_ENOMEM;
}

int whorl_json_write(const whorl_json *v, int pretty, whorl_json_sink sink, void *ctx) {
  if (!v || !sink) return WHORL_EINVAL;
  jw w = {WHORL_BUF_INIT, sink, ctx, 0};
  int rc = write_value(&w, v, pretty ? 0 : -1);
  if (pretty) whorl_buf_putc(&w.b, '\n');
  if (!rc && w.b.oom) rc = WHORL_ENOMEM;
  if (!rc && !w.failed && w.b.len && sink(ctx, w.b.data, w.b.len)) w.failed = 1;
  if (!rc && w.failed) rc = WHORL_EIO;
  whorl_buf_free(&w.b);
  return rc;
}

int whorl_json_canonical(const whorl_json *v, char **out, size_t *len) { return serialize(v, out, len, -1); }

int whorl_json_pretty(const whorl_json *v, char **out, size_t *len) { return serialize(v, out, len, 0); }
