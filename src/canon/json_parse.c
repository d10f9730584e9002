/* json_parse.c - strict RFC 8259 parser producing a whorl_json tree.
 *
 * Recursive descent, one pass over the bytes. Every fault is reported with
 * its byte offset and a line/column in the message. Strictness choices:
 * no BOM, comments, trailing commas, leading zeros, NaN/Infinity, raw
 * control characters, invalid UTF-8, lone surrogates or duplicate keys;
 * numbers outside the double range are errors too (whorl_json never holds
 * an infinity). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__) && !defined(WHORL_NO_SIMD)
#include <emmintrin.h>
#endif

#include "canon/json_int.h"
#include "util/util.h"

typedef struct parser {
  const unsigned char *t;
  size_t n, pos;
  whorl_error *err;
  int failed; /* an error was recorded (the first one wins) */
  int row;    /* whorl__json_parse_row: literals kept, messages without a position */
} parser;

/* ---- errors ---- */

WHORL_PRINTF(3, 4)
static int fail(parser *ps, size_t off, const char *fmt, ...) {
  if (ps->failed) return WHORL_EFORMAT;
  ps->failed = 1;
  if (off > ps->n) off = ps->n;
  /* Line and column (in characters, 1-based) are computed only on error. */
  size_t line = 1, col = 1;
  for (size_t i = 0; i < off; i++) {
    unsigned char c = ps->t[i];
    if (c == '\n') {
      line++;
      col = 1;
    } else if ((c & 0xC0) != 0x80) {
      col++;
    }
  }
  char what[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  if (ps->row) return whorl__error(ps->err, WHORL_EFORMAT, NULL, (int64_t)off, "invalid JSON: %s", what);
  return whorl__error(ps->err, WHORL_EFORMAT, NULL, (int64_t)off, "invalid JSON: %s at line %zu column %zu",
                      what, line, col);
}

/* "unexpected end of input" when at the end, else `fmt` at pos. */
static int fail_here(parser *ps, const char *expected) {
  if (ps->pos >= ps->n) return fail(ps, ps->n, "unexpected end of input, expected %s", expected);
  unsigned char c = ps->t[ps->pos];
  if (c >= 0x21 && c < 0x7F) return fail(ps, ps->pos, "expected %s, found '%c'", expected, c);
  return fail(ps, ps->pos, "expected %s, found byte 0x%02x", expected, c);
}

static void skip_ws(parser *ps) {
  const unsigned char *t = ps->t;
  size_t i = ps->pos, n = ps->n;
  while (i < n && (t[i] == ' ' || t[i] == '\n' || t[i] == '\r' || t[i] == '\t')) i++;
  ps->pos = i;
}

/* ---- strings ---- */

static int hexval(unsigned c) {
  if (c >= '0' && c <= '9') return (int)(c - '0');
  if (c >= 'a' && c <= 'f') return (int)(c - 'a' + 10);
  if (c >= 'A' && c <= 'F') return (int)(c - 'A' + 10);
  return -1;
}

/* Reads 4 hex digits at t[i..i+3] (all before `end`); -1 if not there. */
static long hex4(const unsigned char *t, size_t i, size_t end) {
  if (end - i < 4) return -1;
  long v = 0;
  for (int k = 0; k < 4; k++) {
    int h = hexval(t[i + (size_t)k]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

static size_t put_utf8(char *o, unsigned long cp) {
  if (cp < 0x80) {
    o[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    o[0] = (char)(0xC0 | (cp >> 6));
    o[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (char)(0xE0 | (cp >> 12));
    o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  o[0] = (char)(0xF0 | (cp >> 18));
  o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  o[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* Length of the valid UTF-8 sequence starting at t[i] (lead byte >= 0x80)
 * that ends before `end`, or 0 when invalid (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF). */
static size_t utf8_seq(const unsigned char *t, size_t i, size_t end) {
  unsigned c = t[i];
  size_t len;
  unsigned lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
  if (c >= 0xC2 && c <= 0xDF) len = 2;
  else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;      /* no overlongs */
    else if (c == 0xED) hi = 0x9F; /* no surrogates */
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;      /* no overlongs */
    else if (c == 0xF4) hi = 0x8F; /* <= U+10FFFF */
  } else {
    return 0;
  }
  if (end - i < len) return 0;
  if (t[i + 1] < lo || t[i + 1] > hi) return 0;
  for (size_t k = 2; k < len; k++)
    if ((t[i + k] & 0xC0) != 0x80) return 0;
  return len;
}

/* Parses the string whose opening quote is at ps->pos into a malloc'd,
 * NUL-terminated buffer. */
static int parse_string(parser *ps, char **out, size_t *outlen) {
  const unsigned char *t = ps->t;
  size_t n = ps->n, i = ps->pos + 1;
  {
    /* The common string: printable ASCII up to its closing quote, no
     * escapes; found 16 bytes at a time and copied whole. */
    size_t j = i;
    int plain = 0;
#if defined(__SSE2__) && !defined(WHORL_NO_SIMD)
    const __m128i vq = _mm_set1_epi8('"'), vb = _mm_set1_epi8('\\'), vc = _mm_set1_epi8(0x20);
    while (j + 16 <= n) {
      __m128i v = _mm_loadu_si128((const __m128i *)(t + j));
      /* signed: bytes 0x80 and up count as below 0x20 too */
      unsigned m = (unsigned)_mm_movemask_epi8(
          _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, vq), _mm_cmpeq_epi8(v, vb)), _mm_cmplt_epi8(v, vc)));
      if (m) {
        j += (size_t)__builtin_ctz(m);
        plain = t[j] == '"';
        break;
      }
      j += 16;
    }
#endif
    if (!plain) {
      while (j < n && t[j] != '"' && t[j] != '\\' && t[j] >= 0x20 && t[j] < 0x80) j++;
      plain = j < n && t[j] == '"';
    }
    if (plain) {
      char *buf = malloc(j - i + 1);
      if (!buf) return whorl__error(ps->err, WHORL_ENOMEM, NULL, -1, "out of memory");
      memcpy(buf, t + i, j - i);
      buf[j - i] = 0;
      ps->pos = j + 1;
      *out = buf;
      *outlen = j - i;
      return WHORL_OK;
    }
  }
  /* Pass 1: find the closing quote. Escapes never expand (\uXXXX is at
   * least as long as its UTF-8), so the span bounds the decoded size. */
  size_t end = i;
  while (end < n && t[end] != '"') end += t[end] == '\\' ? 2 : 1;
  if (end > n) end = n;
  char *buf = malloc(end - i + 1);
  if (!buf) return whorl__error(ps->err, WHORL_ENOMEM, NULL, -1, "out of memory");
  size_t o = 0;
  while (i < end) {
    unsigned c = t[i];
    if (c == '\\') {
      if (i + 1 >= end) goto eof;
      unsigned e = t[i + 1];
      switch (e) {
      case '"': buf[o++] = '"'; break;
      case '\\': buf[o++] = '\\'; break;
      case '/': buf[o++] = '/'; break;
      case 'b': buf[o++] = '\b'; break;
      case 'f': buf[o++] = '\f'; break;
      case 'n': buf[o++] = '\n'; break;
      case 'r': buf[o++] = '\r'; break;
      case 't': buf[o++] = '\t'; break;
      case 'u': {
        long cp = hex4(t, i + 2, end);
        if (cp < 0) {
          if (end == n && n - (i + 2) < 4) goto eof;
          free(buf);
          return fail(ps, i, "invalid \\u escape (four hex digits expected)");
        }
        if (cp >= 0xDC00 && cp <= 0xDFFF) {
          free(buf);
          return fail(ps, i, "lone low surrogate \\u%04lx", (unsigned long)cp);
        }
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          long lo = -1;
          if (end - i >= 12 && t[i + 6] == '\\' && t[i + 7] == 'u') lo = hex4(t, i + 8, end);
          if (lo < 0xDC00 || lo > 0xDFFF) {
            if (end == n && n - i < 12) goto eof;
            free(buf);
            return fail(ps, i, "lone high surrogate \\u%04lx", (unsigned long)cp);
          }
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          i += 6;
        }
        o += put_utf8(buf + o, (unsigned long)cp);
        i += 4;
        break;
      }
      default:
        free(buf);
        if (e >= 0x21 && e < 0x7F) return fail(ps, i, "invalid escape '\\%c'", e);
        return fail(ps, i, "invalid escape (backslash followed by byte 0x%02x)", e);
      }
      i += 2;
    } else if (c < 0x20) {
      free(buf);
      return fail(ps, i, "control character 0x%02x in string (must be escaped)", c);
    } else if (c < 0x80) {
      buf[o++] = (char)c;
      i++;
    } else {
      size_t k = utf8_seq(t, i, end);
      if (!k) {
        free(buf);
        return fail(ps, i, "invalid UTF-8 in string");
      }
      memcpy(buf + o, t + i, k);
      o += k;
      i += k;
    }
  }
  if (end >= n) goto eof;
  buf[o] = 0;
  ps->pos = end + 1;
  *out = buf;
  *outlen = o;
  return WHORL_OK;
eof:
  free(buf);
  return fail(ps, n, "unexpected end of input in string");
}

/* ---- numbers ---- */

#define SIG_DIGITS 780 /* more than the 767 a double can ever need */

static int is_digit(const parser *ps, size_t i) { return i < ps->n && ps->t[i] >= '0' && ps->t[i] <= '9'; }

/* A number node that keeps its literal t[start, end) (row mode). */
static int number_lit(parser *ps, double d, size_t start, size_t end, whorl_json **out) {
  *out = whorl__json_number(d, 0, 0);
  char *lit = *out ? malloc(end - start + 1) : NULL;
  if (!lit) {
    whorl_json_free(*out);
    *out = NULL;
    return whorl__error(ps->err, WHORL_ENOMEM, NULL, -1, "out of memory");
  }
  memcpy(lit, ps->t + start, end - start);
  lit[end - start] = 0;
  (*out)->u.num.lit = lit;
  return WHORL_OK;
}

static int parse_number(parser *ps, whorl_json **out, int depth) {
  const unsigned char *t = ps->t;
  size_t start = ps->pos, i = start;
  int neg = 0;
  if (t[i] == '-') {
    neg = 1;
    i++;
  }
  size_t int_start = i;
  if (!is_digit(ps, i)) {
    ps->pos = i;
    return fail_here(ps, "a digit");
  }
  if (t[i] == '0') {
    i++;
    if (is_digit(ps, i)) return fail(ps, int_start, "leading zeros are not allowed");
  } else {
    while (is_digit(ps, i)) i++;
  }
  size_t int_end = i, frac_start = i, frac_end = i;
  if (i < ps->n && t[i] == '.') {
    i++;
    if (!is_digit(ps, i)) {
      ps->pos = i;
      return fail_here(ps, "a digit after '.'");
    }
    frac_start = i;
    while (is_digit(ps, i)) i++;
    frac_end = i;
  }
  int has_exp = 0;
  long long exp = 0;
  if (i < ps->n && (t[i] == 'e' || t[i] == 'E')) {
    has_exp = 1;
    i++;
    int eneg = 0;
    if (i < ps->n && (t[i] == '+' || t[i] == '-')) eneg = t[i++] == '-';
    if (!is_digit(ps, i)) {
      ps->pos = i;
      return fail_here(ps, "a digit in the exponent");
    }
    /* Saturate: past 10^9 the result is 0 or out of range either way. */
    while (is_digit(ps, i)) {
      if (exp < 1000000000) exp = exp * 10 + (t[i] - '0');
      i++;
    }
    if (eneg) exp = -exp;
  }
  ps->pos = i;

  size_t ndig = int_end - int_start;
  if (!has_exp && frac_end == frac_start && ndig <= 19) {
    uint64_t acc = 0;
    for (size_t k = int_start; k < int_end; k++) acc = acc * 10 + (uint64_t)(t[k] - '0');
    if (acc <= (uint64_t)INT64_MAX || (neg && acc == (uint64_t)INT64_MAX + 1)) {
      int64_t v = neg ? (int64_t)(0 - acc) : (int64_t)acc; /* wraps to INT64_MIN */
      double d = neg ? -(double)acc : (double)acc;         /* "-0" stays -0.0 */
      *out = whorl__json_number(d, 1, v);
      return *out ? WHORL_OK : whorl__error(ps->err, WHORL_ENOMEM, NULL, -1, "out of memory");
    }
  }

  /* Everything else goes through strtod, fed only significant digits and
   * an exponent ("15e-1" for 1.5) so the locale's decimal point never
   * matters. Digits past SIG_DIGITS cannot change the rounding except by
   * being non-zero, which one sticky '1' preserves. */
  char buf[SIG_DIGITS + 32];
  size_t kept = 0;
  long long shift = 0; /* power of ten applied to the kept digits */
  int sticky = 0;
  for (size_t k = int_start; k < frac_end; k++) {
    if (k == int_end) {
      k = frac_start;
      if (k >= frac_end) break;
    }
    int dgt = t[k] - '0';
    if (k >= frac_start) shift--;
    if (kept == 0 && dgt == 0) continue;
    if (kept < SIG_DIGITS) {
      buf[kept++] = (char)('0' + dgt);
    } else {
      shift++;
      if (dgt) sticky = 1;
    }
  }
  double d;
  if (kept == 0) {
    d = 0.0;
  } else {
    if (sticky) {
      buf[kept++] = '1';
      shift--;
    }
    long long e10 = exp + shift;
    if (e10 > 2000000000LL) e10 = 2000000000LL;
    if (e10 < -2000000000LL) e10 = -2000000000LL;
    snprintf(buf + kept, sizeof buf - kept, "e%lld", e10);
    d = strtod(buf, NULL);
    /* A row's value keeps its literal, read as CSV text is read (its
     * nearest double: infinity); elsewhere whorl_json holds no infinity. */
    if (isinf(d) && !(ps->row && depth == 1)) return fail(ps, start, "number out of range");
  }
  if (neg) d = -d;
  /* Row values: integers beyond int64 keep every digit, numbers beyond the
   * double range their spelling (whorl__json_number_literal). */
  if (ps->row && depth == 1 && (isinf(d) || (!has_exp && frac_end == frac_start)))
    return number_lit(ps, d, start, i, out);
  *out = whorl__json_number(d, 0, 0);
  return *out ? WHORL_OK : whorl__error(ps->err, WHORL_ENOMEM, NULL, -1, "out of memory");
}

/* ---- duplicate-key detection ----
 * Small objects compare keys linearly; from KEYSET_MIN members on, an
 * open-addressing table of member indices keeps 100k-member objects
 * linear. */

#define KEYSET_MIN 16

typedef struct keyset {
  size_t *slots; /* member index + 1; 0 = empty */
  size_t cap;    /* power of two */
} keyset;

static uint64_t key_hash(const char *k, size_t n) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < n; i++) {
    h ^= (unsigned char)k[i];
    h *= 0x100000001b3ULL;
  }
  return h ^ (h >> 29);
}

/* Inserts member `idx`; returns 1 if an equal key is already present,
 * 0 if inserted, -1 on OOM. */
static int keyset_insert(keyset *ks, const whorl_json *obj, size_t idx);

static int keyset_resize(keyset *ks, const whorl_json *obj, size_t cap) {
  size_t *old = ks->slots, oldcap = ks->cap;
  ks->slots = calloc(cap, sizeof *ks->slots);
  if (!ks->slots) {
    ks->slots = old;
    return -1;
  }
  ks->cap = cap;
  if (old) {
    for (size_t i = 0; i < oldcap; i++)
      if (old[i]) keyset_insert(ks, obj, old[i] - 1);
    free(old);
  }
  return 0;
}

static int keyset_insert(keyset *ks, const whorl_json *obj, size_t idx) {
  const whorl_json_member *m = &obj->u.obj.items[idx];
  size_t mask = ks->cap - 1;
  size_t s = (size_t)key_hash(m->key, m->keylen) & mask;
  while (ks->slots[s]) {
    const whorl_json_member *o = &obj->u.obj.items[ks->slots[s] - 1];
    if (o->keylen == m->keylen && memcmp(o->key, m->key, m->keylen) == 0) return 1;
    s = (s + 1) & mask;
  }
  ks->slots[s] = idx + 1;
  return 0;
}

/* Checks member `idx` (just appended) against members [0, idx). */
static int check_duplicate(keyset *ks, const whorl_json *obj, size_t idx) {
  const whorl_json_member *m = &obj->u.obj.items[idx];
  if (idx < KEYSET_MIN) {
    for (size_t i = 0; i < idx; i++) {
      const whorl_json_member *o = &obj->u.obj.items[i];
      if (o->keylen == m->keylen && memcmp(o->key, m->key, m->keylen) == 0) return 1;
    }
    return 0;
  }
  if (!ks->slots) {
    if (keyset_resize(ks, obj, 64)) return -1;
    for (size_t i = 0; i < idx; i++) keyset_insert(ks, obj, i);
  } else if ((idx + 1) * 2 > ks->cap) {
    if (keyset_resize(ks, obj, ks->cap * 2)) return -1;
  }
  return keyset_insert(ks, obj, idx);
}

/* ---- values ---- */

static int parse_value(parser *ps, whorl_json **out, int depth);

static int nomem(parser *ps) {
  ps->failed = 1;
  return whorl__error(ps->err, WHORL_ENOMEM, NULL, -1, "out of memory");
}

static int parse_array(parser *ps, whorl_json **out, int depth) {
  whorl_json *arr = whorl_json_array();
  if (!arr) return nomem(ps);
  ps->pos++; /* '[' */
  skip_ws(ps);
  if (ps->pos < ps->n && ps->t[ps->pos] == ']') {
    ps->pos++;
    *out = arr;
    return WHORL_OK;
  }
  for (;;) {
    whorl_json *v = NULL;
    int rc = parse_value(ps, &v, depth);
    if (rc) goto fail;
    if (whorl_json_array_append(arr, v)) {
      rc = nomem(ps);
      goto fail;
    }
    skip_ws(ps);
    if (ps->pos < ps->n && ps->t[ps->pos] == ',') {
      ps->pos++;
      continue;
    }
    if (ps->pos < ps->n && ps->t[ps->pos] == ']') {
      ps->pos++;
      *out = arr;
      return WHORL_OK;
    }
    rc = fail_here(ps, "',' or ']'");
  fail:
    whorl_json_free(arr);
    return rc;
  }
}

static int parse_object(parser *ps, whorl_json **out, int depth) {
  whorl_json *obj = whorl_json_object();
  if (!obj) return nomem(ps);
  keyset ks = {NULL, 0};
  int rc;
  ps->pos++; /* '{' */
  skip_ws(ps);
  if (ps->pos < ps->n && ps->t[ps->pos] == '}') {
    ps->pos++;
    *out = obj;
    return WHORL_OK;
  }
  for (;;) {
    if (ps->pos >= ps->n || ps->t[ps->pos] != '"') {
      rc = fail_here(ps, "a string key");
      goto fail;
    }
    size_t key_off = ps->pos;
    char *key;
    size_t keylen;
    if ((rc = parse_string(ps, &key, &keylen))) {
      ps->failed = 1;
      goto fail;
    }
    skip_ws(ps);
    if (ps->pos >= ps->n || ps->t[ps->pos] != ':') {
      free(key);
      rc = fail_here(ps, "':'");
      goto fail;
    }
    ps->pos++;
    whorl_json *v = NULL;
    if ((rc = parse_value(ps, &v, depth))) {
      free(key);
      goto fail;
    }
    if (whorl__json_object_push(obj, key, keylen, v)) {
      rc = nomem(ps);
      goto fail;
    }
    int dup = check_duplicate(&ks, obj, obj->u.obj.len - 1);
    if (dup < 0) {
      rc = nomem(ps);
      goto fail;
    }
    if (dup) {
      rc = fail(ps, key_off, "duplicate key \"%.64s\"", obj->u.obj.items[obj->u.obj.len - 1].key);
      goto fail;
    }
    skip_ws(ps);
    if (ps->pos < ps->n && ps->t[ps->pos] == ',') {
      ps->pos++;
      skip_ws(ps);
      continue;
    }
    if (ps->pos < ps->n && ps->t[ps->pos] == '}') {
      ps->pos++;
      free(ks.slots);
      *out = obj;
      return WHORL_OK;
    }
    rc = fail_here(ps, "',' or '}'");
    goto fail;
  }
fail:
  free(ks.slots);
  whorl_json_free(obj);
  return rc;
}

/* 1 if `lit` is at pos (consumed); 0 if not; -1 if the input ends inside
 * a prefix of it ("tru"). */
static int match_literal(parser *ps, const char *lit, size_t n) {
  size_t avail = ps->n - ps->pos;
  if (memcmp(ps->t + ps->pos, lit, avail < n ? avail : n) != 0) return 0;
  if (avail < n) return -1;
  ps->pos += n;
  return 1;
}

static int parse_value(parser *ps, whorl_json **out, int depth) {
  skip_ws(ps);
  if (ps->pos >= ps->n) return fail_here(ps, "a value");
  unsigned char c = ps->t[ps->pos];
  int m = 0;
  switch (c) {
  case '{':
  case '[':
    if (depth >= WHORL_JSON_MAX_DEPTH)
      return fail(ps, ps->pos, "nesting deeper than %d levels", WHORL_JSON_MAX_DEPTH);
    return c == '{' ? parse_object(ps, out, depth + 1) : parse_array(ps, out, depth + 1);
  case '"': {
    char *s;
    size_t len;
    int rc = parse_string(ps, &s, &len);
    if (rc) {
      ps->failed = 1;
      return rc;
    }
    *out = whorl__json_string_take(s, len);
    return *out ? WHORL_OK : nomem(ps);
  }
  case 't':
    if ((m = match_literal(ps, "true", 4)) > 0) {
      *out = whorl_json_bool(1);
      return *out ? WHORL_OK : nomem(ps);
    }
    break;
  case 'f':
    if ((m = match_literal(ps, "false", 5)) > 0) {
      *out = whorl_json_bool(0);
      return *out ? WHORL_OK : nomem(ps);
    }
    break;
  case 'n':
    if ((m = match_literal(ps, "null", 4)) > 0) {
      *out = whorl_json_null();
      return *out ? WHORL_OK : nomem(ps);
    }
    break;
  case 'N':
  case 'I':
    /* NaN, Infinity, -Infinity: not JSON, but what Python's json, pandas
     * and DuckDB write for those floats; a row's value reads them as CSV
     * text reads them (never nested: canonical JSON holds no such number) */
    if (ps->row && depth == 1) {
      const char *lit = c == 'N' ? "NaN" : "Infinity";
      size_t ln = strlen(lit), at = ps->pos;
      if ((m = match_literal(ps, lit, ln)) > 0) return number_lit(ps, c == 'N' ? NAN : INFINITY, at, ps->pos, out);
    }
    break;
  default:
    if (c == '-' && ps->row && depth == 1 && ps->pos + 1 < ps->n && ps->t[ps->pos + 1] == 'I') {
      size_t at = ps->pos;
      if ((m = match_literal(ps, "-Infinity", 9)) > 0) return number_lit(ps, -INFINITY, at, ps->pos, out);
      break;
    }
    if (c == '-' || (c >= '0' && c <= '9')) return parse_number(ps, out, depth);
    break;
  }
  if (m < 0) return fail(ps, ps->n, "unexpected end of input in a literal");
  return fail_here(ps, "a value");
}

static int parse_text(const char *text, size_t len, whorl_json **out, whorl_error *err, int row) {
  if (!out) return whorl__error(err, WHORL_EINVAL, NULL, -1, "whorl_json_parse: out is NULL");
  *out = NULL;
  if (!text && len) return whorl__error(err, WHORL_EINVAL, NULL, -1, "whorl_json_parse: text is NULL");
  parser ps = {(const unsigned char *)(text ? text : ""), len, 0, err, 0, row};
  whorl_json *v = NULL;
  int rc = parse_value(&ps, &v, 0);
  if (rc) return rc;
  skip_ws(&ps);
  if (ps.pos < ps.n) {
    whorl_json_free(v);
    return fail_here(&ps, "end of input");
  }
  *out = v;
  return WHORL_OK;
}

int whorl_json_parse(const char *text, size_t len, whorl_json **out, whorl_error *err) {
  return parse_text(text, len, out, err, 0);
}

int whorl__json_parse_row(const char *text, size_t len, whorl_json **out, whorl_error *err) {
  return parse_text(text, len, out, err, 1);
}

const char *whorl__json_number_literal(const whorl_json *v) {
  return v && v->type == WHORL_JSON_NUMBER ? v->u.num.lit : NULL;
}

int whorl_json_parse_file(const char *path, size_t max_bytes, whorl_json **out, whorl_error *err) {
  if (!out) return whorl__error(err, WHORL_EINVAL, path, -1, "whorl_json_parse_file: out is NULL");
  *out = NULL;
  if (!path) return whorl__error(err, WHORL_EINVAL, NULL, -1, "whorl_json_parse_file: path is NULL");
  if (max_bytes == 0) max_bytes = (size_t)256 << 20;
  char *text;
  size_t len;
  int rc = whorl__read_file(path, max_bytes, &text, &len, err);
  if (rc) return rc;
  rc = whorl_json_parse(text, len, out, err);
  free(text);
  if (rc && err) {
    size_t n = strlen(path);
    if (n >= sizeof err->path) n = sizeof err->path - 1;
    memcpy(err->path, path, n);
    err->path[n] = 0;
  }
  return rc;
}
