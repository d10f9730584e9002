/* types.h - logical column types and their inference from text (issue 3).
 *
 * Types: null (every value null), bool, int, float, date, timestamp,
 * string. A text value's own type comes from its spelling:
 *   ""               null (unquoted in CSV; a quoted "" is a string)
 *   true/false       bool (any letter case)
 *   [+-]?digits      int (any size)
 *   decimals, exponents, nan, inf      float
 *   YYYY-MM-DD       date (a real calendar day)
 *   YYYY-MM-DD[T ]hh:mm[:ss[.fraction]][Z|+hh:mm|-hh:mm]   timestamp
 *   anything else    string
 * (JSON Lines arrays and objects are json.)
 * A column's type joins its values' types over the WHOLE column (not the
 * first rows): null joins into anything (and makes the column nullable);
 * int with float gives float; date with timestamp gives timestamp; any
 * other mix gives string. The join is associative and commutative, so
 * shards can be typed apart and merged.
 */
#ifndef WHORL_TABLE_TYPES_H
#define WHORL_TABLE_TYPES_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef enum whorl_ltype {
  WHORL_T_NULL = 0,
  WHORL_T_BOOL,
  WHORL_T_INT,
  WHORL_T_FLOAT,
  WHORL_T_DATE,
  WHORL_T_TIMESTAMP,
  WHORL_T_STRING,
  WHORL_T_JSON /* nested arrays/objects (JSON Lines, Parquet JSON) */
} whorl_ltype;

const char *whorl__ltype_name(whorl_ltype t);
/* 1 for YYYY-MM-DD (a real calendar day) / the timestamp spelling above. */
int whorl__text_date(const char *s, size_t len);
int whorl__text_timestamp(const char *s, size_t len);
whorl_ltype whorl__ltype_of_text(const char *s, size_t len, int quoted);
whorl_ltype whorl__ltype_join(whorl_ltype a, whorl_ltype b);

#include "util/util.h"
/* Both at once, in one dispatch on the first byte: appends the canonical
 * bytes of a text value (exactly whorl__value_text) and returns its type
 * (exactly whorl__ltype_of_text). The readers' hot path. */
whorl_ltype whorl__cell_text(const char *s, size_t len, int quoted, whorl_buf *out);

/* The timestamp fast path (value.c): the canonical bytes of a text
 * timestamp that passed whorl__text_timestamp into t (64 bytes), when no
 * arithmetic is needed (no zone, Z or a zero offset; a short fraction):
 * their length, else 0. */
size_t whorl__timestamp_fast(const char *s, size_t len, char *t);

/* The calendar check of "YYYY-MM-DD" whose ten places hold digits and
 * dashes (checked by the caller): a real proleptic Gregorian day. */
static inline int whorl__ymd10_ok(const char *s) {
  int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
  int m = (s[5] - '0') * 10 + (s[6] - '0'), d = (s[8] - '0') * 10 + (s[9] - '0');
  static const unsigned char mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1) return 0;
  return d <= mdays[m - 1] || (m == 2 && d == 29 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
}

/* whorl__text_date for 10 bytes, inline: YYYY-MM-DD, a real calendar day. */
static inline int whorl__date10(const char *s) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  uint64_t w;
  memcpy(&w, s, 8);
  /* digits at 0-3, 5-6, 8-9 and '-' at 4 and 7 */
  const uint64_t dmask = 0xff0000ff00000000ULL; /* bytes 4 and 7 hold '-' */
  if ((w & dmask) != 0x2d00002d00000000ULL) return 0;
  uint64_t x = (w & ~dmask) | (0x3030303030303030ULL & dmask); /* '-' seen as '0' */
  uint64_t lo = x - 0x3030303030303030ULL, hi = x + 0x4646464646464646ULL;
  if ((lo | hi) & 0x8080808080808080ULL) return 0;
  if ((unsigned)(s[8] - '0') > 9 || (unsigned)(s[9] - '0') > 9) return 0;
  return whorl__ymd10_ok(s);
#else
  return whorl__text_date(s, 10);
#endif
}

#define WHORL__CELL_ROOM 64 /* whorl__cell_fast writes at most len + this */

/* whorl__cell_text's common cases without a buffer: writes the canonical
 * bytes to o (room for len + WHORL__CELL_ROOM bytes), sets *t and returns
 * their length; returns 0 (nothing decided) where whorl__cell_text must
 * do it. Where it answers, the answer is whorl__cell_text's, byte for byte
 * (tests/unit/test_cell_fast.c checks this on millions of spellings). */
static inline __attribute__((always_inline)) size_t whorl__cell_fast(const char *s, size_t len, int quoted, char *o, whorl_ltype *t) {
  if (len == 0) {
    o[0] = quoted ? 'S' : 'N';
    *t = quoted ? WHORL_T_STRING : WHORL_T_NULL;
    return 1;
  }
  if (len > 400) return 0;
  const unsigned char c = (unsigned char)s[0];
  if ((unsigned char)(c - '0') < 10 || c == '-' || c == '+' || c == '.') {
    const size_t d0 = c == '-' || c == '+';
    size_t i = d0;
    while (i < len && (unsigned char)(s[i] - '0') < 10) i++;
    if (i == len) {
      if (i == d0) return 0;
      size_t k = d0; /* an integer: sign, digits without leading zeros */
      while (k + 1 < len && s[k] == '0') k++;
      char *p = o;
      *p++ = 'D';
      if (c == '-' && !(len - k == 1 && s[k] == '0')) *p++ = '-';
      memcpy(p, s + k, len - k);
      *t = WHORL_T_INT;
      return (size_t)(p - o) + (len - k);
    }
    if (s[i] == '.') {
      /* [+-]digits.digits: its significant digits, printed as ECMAScript
       * prints a double when there are at most 15 of them. */
      const size_t ni = i - d0, f0 = i + 1;
      size_t j = f0;
      while (j < len && (unsigned char)(s[j] - '0') < 10) j++;
      if (j != len || (ni == 0 && j == f0)) return 0; /* an exponent, junk, "." */
      const char *ip = s + d0, *fp = s + f0;
      const size_t nf = len - f0;
      size_t a = 0;
      while (a < ni && ip[a] == '0') a++;
      const char *d1;
      size_t n1, n2;
      long n; /* value = 0.<digits> * 10^n */
      if (a < ni) {
        d1 = ip + a, n1 = ni - a, n2 = nf, n = (long)n1;
        if (n1 + nf > 24) return 0;
      } else {
        size_t b = 0;
        while (b < nf && fp[b] == '0') b++;
        if (b == nf) {
          o[0] = 'D', o[1] = '0';
          *t = WHORL_T_FLOAT;
          return 2;
        }
        if (nf - b > 24) return 0;
        d1 = fp + b, n1 = nf - b, n2 = 0, n = -(long)b;
      }
      while (n2 && fp[n2 - 1] == '0') n2--;
      if (!n2)
        while (n1 && d1[n1 - 1] == '0') n1--;
      const size_t nd = n1 + n2;
      if (nd > 15 || !(n > -6 && n <= 21)) return 0;
      char *p = o;
      *p++ = 'D';
      if (c == '-') *p++ = '-';
      if (n <= 0) {
        *p++ = '0', *p++ = '.';
        for (long z = 0; z < -n; z++) *p++ = '0';
        memcpy(p, d1, n1), p += n1;
      } else if ((long)nd <= n) {
        memcpy(p, d1, n1), p += n1;
        for (long z = (long)n1; z < n; z++) *p++ = '0';
      } else { /* n1 == n digits before the point, n2 > 0 after */
        memcpy(p, d1, n1), p += n1;
        *p++ = '.';
        memcpy(p, fp, n2), p += n2;
      }
      *t = WHORL_T_FLOAT;
      return (size_t)(p - o);
    }
    if (d0 == 0 && i == 4 && s[4] == '-' && len >= 10) {
      if (len == 10) {
        if (!whorl__date10(s)) return 0;
        o[0] = 'S';
        memcpy(o + 1, s, len);
        *t = WHORL_T_DATE;
        return len + 1;
      }
      if (len >= 16 && whorl__text_timestamp(s, len)) {
        size_t k = whorl__timestamp_fast(s, len, o);
        if (k) *t = WHORL_T_TIMESTAMP;
        return k;
      }
    }
    return 0;
  }
  const unsigned char l = c | 0x20;
  if (l == 't' || l == 'f') {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (len == 4 || len == 5) { /* true, false in any letter case */
      uint64_t w = 0;
      memcpy(&w, s, len);
      w |= 0x2020202020ULL >> (8 * (5 - len)); /* ASCII letters to lower case (others stay unequal) */
      if (len == 4 && w == 0x65757274ULL) { /* "true" */
        o[0] = 'B', o[1] = '1';
        *t = WHORL_T_BOOL;
        return 2;
      }
      if (len == 5 && w == 0x65736c6166ULL) { /* "false" */
        o[0] = 'B', o[1] = '0';
        *t = WHORL_T_BOOL;
        return 2;
      }
      return 0;
    }
#else
    if (len == 4 || len == 5) return 0; /* true, false: whorl__cell_text */
#endif
  } else if (l == 'n' || l == 'i') {
    if (len >= 3 && len <= 8) return 0; /* nan, inf, infinity */
  }
  o[0] = 'S';
  memcpy(o + 1, s, len);
  *t = WHORL_T_STRING;
  return len + 1;
}

#if defined(__SSE2__) && !defined(WHORL_NO_SIMD) /* WHORL_NO_SIMD: the portable paths alone (tested) */
#include <emmintrin.h>
#define WHORL__HAVE_CELL16 1
#endif

/* whorl__cell_fast for fields with 32 readable bytes from s whatever their
 * length (the readers' buffers keep that slack): numbers and dates of up
 * to 16 bytes are recognised from one 16-byte load, without a loop per
 * digit. The same answers as whorl__cell_fast. */
static inline __attribute__((always_inline)) size_t whorl__cell_fast16(const char *s, size_t len, int quoted, char *o,
                                                                      whorl_ltype *t) {
#ifdef WHORL__HAVE_CELL16
  if (len - 1 < 16) {
    const __m128i v = _mm_loadu_si128((const __m128i *)s);
    const unsigned in = (1u << len) - 1;
    const unsigned dig =
        (unsigned)_mm_movemask_epi8(_mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('/')), _mm_cmplt_epi8(v, _mm_set1_epi8(':')))) & in;
    const unsigned nd = ~dig & in; /* non-digits */
    const unsigned char c = (unsigned char)s[0];
    const unsigned sign = (c == '-' || c == '+') ? 1u : 0u;
    const unsigned rest = nd & ~sign; /* non-digits past the sign */
    if (dig && (rest & (rest - 1)) == 0) {
      const unsigned zero = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('0'))) & in;
      const unsigned nz = dig & ~zero; /* nonzero digits */
      if (!rest) { /* an integer */
        *t = WHORL_T_INT;
        if (!nz) {
          o[0] = 'D', o[1] = '0';
          return 2;
        }
        const unsigned f = (unsigned)__builtin_ctz(nz);
        char *q = o;
        *q++ = 'D';
        if (c == '-') *q++ = '-';
        _mm_storeu_si128((__m128i *)q, _mm_loadu_si128((const __m128i *)(s + f)));
        return (size_t)(q - o) + (len - f);
      }
      const unsigned pt = (unsigned)__builtin_ctz(rest);
      if (s[pt] == '.') { /* [+-]digits.digits */
        *t = WHORL_T_FLOAT;
        if (!nz) {
          o[0] = 'D', o[1] = '0';
          return 2;
        }
        const unsigned f = (unsigned)__builtin_ctz(nz), l = 31u - (unsigned)__builtin_clz(nz);
        char *q = o;
        *q++ = 'D';
        if (c == '-') *q++ = '-';
        if (f < pt) { /* digits before the point */
          unsigned e = l > pt ? l + 1 : pt, sig = l > pt ? l - f : l - f + 1;
          if (sig > 15) return 0;
          _mm_storeu_si128((__m128i *)q, _mm_loadu_si128((const __m128i *)(s + f)));
          return (size_t)(q - o) + (e - f);
        }
        if (f - pt - 1 > 5 || l - f + 1 > 15) return 0; /* 0.000000x: exponent form; too many digits */
        *q++ = '0';
        _mm_storeu_si128((__m128i *)q, _mm_loadu_si128((const __m128i *)(s + pt)));
        return (size_t)(q - o) + (l + 1 - pt);
      }
    } else if (len == 10 && nd == 0x90u && s[4] == '-' && s[7] == '-') {
      if (whorl__ymd10_ok(s)) {
        o[0] = 'S';
        _mm_storeu_si128((__m128i *)(o + 1), v);
        *t = WHORL_T_DATE;
        return 11;
      }
      return 0;
    }
  }
  if (len - 1 < 32) {
    /* a string that starts with a letter no special word starts with:
     * 'S' and its bytes, in two 16-byte copies */
    const unsigned char l = (unsigned char)(s[0] | 0x20);
    if (l >= 'a' && l <= 'z' && l != 't' && l != 'f' && l != 'n' && l != 'i') {
      o[0] = 'S';
      _mm_storeu_si128((__m128i *)(o + 1), _mm_loadu_si128((const __m128i *)s));
      _mm_storeu_si128((__m128i *)(o + 17), _mm_loadu_si128((const __m128i *)(s + 16)));
      *t = WHORL_T_STRING;
      return len + 1;
    }
  }
  if (len == 19 || (len == 20 && s[19] == 'Z')) { /* YYYY-MM-DD[T ]hh:mm:ss[Z] */
    const __m128i v = _mm_loadu_si128((const __m128i *)s), w = _mm_loadu_si128((const __m128i *)(s + 16));
    const __m128i lo = _mm_set1_epi8('/'), hi = _mm_set1_epi8(':');
    const unsigned dig = ((unsigned)_mm_movemask_epi8(_mm_and_si128(_mm_cmpgt_epi8(v, lo), _mm_cmplt_epi8(v, hi))) |
                          (unsigned)_mm_movemask_epi8(_mm_and_si128(_mm_cmpgt_epi8(w, lo), _mm_cmplt_epi8(w, hi))) << 16) &
                         0x7ffffu;
    if (dig == 0x6db6fu && s[4] == '-' && s[7] == '-' && (s[10] == 'T' || s[10] == ' ') && s[13] == ':' && s[16] == ':') {
      int hh = (s[11] - '0') * 10 + (s[12] - '0'), mi = (s[14] - '0') * 10 + (s[15] - '0'),
          ss = (s[17] - '0') * 10 + (s[18] - '0');
      if (whorl__ymd10_ok(s) && hh <= 23 && mi <= 59 && ss <= 60) {
        o[0] = 'T';
        _mm_storeu_si128((__m128i *)(o + 1), v);
        o[11] = 'T';
        o[17] = s[16], o[18] = s[17], o[19] = s[18];
        if (len == 20) o[20] = 'Z';
        *t = WHORL_T_TIMESTAMP;
        return len + 1;
      }
    }
  }
#endif
  return whorl__cell_fast(s, len, quoted, o, t);
}

/* Running type of one column. */
typedef struct whorl_coltype {
  whorl_ltype type;
  int nullable;
} whorl_coltype;

static inline void whorl__coltype_add(whorl_coltype *c, whorl_ltype v) {
  if (v == WHORL_T_NULL) c->nullable = 1;
  c->type = whorl__ltype_join(c->type, v);
}
static inline void whorl__coltype_merge(whorl_coltype *c, const whorl_coltype *o) {
  c->nullable |= o->nullable;
  c->type = whorl__ltype_join(c->type, o->type);
}

#endif
