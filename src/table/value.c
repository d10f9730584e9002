/* value.c - canonical value encoding: see value.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table/types.h"
#include "table/value.h"
#include "whorl/json.h"

whorl_vkind whorl__value_null(whorl_buf *out) {
  whorl_buf_putc(out, 'N');
  return WHORL_V_NULL;
}

whorl_vkind whorl__value_bool(int v, whorl_buf *out) {
  whorl_buf_put(out, v ? "B1" : "B0", 2);
  return WHORL_V_BOOL;
}

static const char digit_pairs[] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
                                  "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
                                  "8081828384858687888990919293949596979899";

/* The decimal digits of n > 0, least significant first, two at a time:
 * their count. */
static int rev_digits(uint64_t n, char dig[24]) {
  int nd = 0;
  while (n >= 100) {
    const unsigned r = (unsigned)(n % 100);
    n /= 100;
    dig[nd++] = digit_pairs[2 * r + 1];
    dig[nd++] = digit_pairs[2 * r];
  }
  if (n >= 10) {
    dig[nd++] = digit_pairs[2 * n + 1];
    dig[nd++] = digit_pairs[2 * n];
  } else if (n) {
    dig[nd++] = (char)('0' + n);
  }
  return nd;
}




size_t whorl__canon_int(uint64_t m, int neg, char o[24]) {
  char dig[24];
  const int nd = m ? rev_digits(m, dig) : (dig[0] = '0', 1);
  size_t k = 0;
  o[k++] = 'D';
  if (neg) o[k++] = '-';
  for (int i = nd - 1; i >= 0; i--) o[k++] = dig[i];
  return k;
}

whorl_vkind whorl__value_uint(uint64_t v, whorl_buf *out) {
  char t[24];
  whorl_buf_put(out, t, whorl__canon_int(v, 0, t));
  return WHORL_V_NUMBER;
}

whorl_vkind whorl__value_int(int64_t v, whorl_buf *out) {
  char t[24];
  /* no overflow at INT64_MIN */
  whorl_buf_put(out, t, whorl__canon_int(v < 0 ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v, v < 0, t));
  return WHORL_V_NUMBER;
}



size_t whorl__point_digits(const char *rev, int nd, int scale, int neg, char *out) {
  size_t k = 0;
  if (neg) out[k++] = '-';
  if (nd <= scale) {
    out[k++] = '0';
    out[k++] = '.';
    for (int z = 0; z < scale - nd; z++) out[k++] = '0';
    for (int i = nd - 1; i >= 0; i--) out[k++] = rev[i];
  } else {
    for (int i = nd - 1; i >= scale; i--) out[k++] = rev[i];
    if (scale) {
      out[k++] = '.';
      for (int i = scale - 1; i >= 0; i--) out[k++] = rev[i];
    }
  }
  return k;
}

/* Shortest round-trip digits of a double without the general algorithm,
 * for the common case: 1e-6 <= |v| < 2^53 with at most 15 significant
 * digits. For the fewest fraction digits p such that some integer n (below
 * 2^53) gives n / 10^p == v exactly — a correctly rounded division of two
 * exact doubles, i.e. the decimal n * 10^-p reads back as v — n's digits
 * are the shortest spelling (two decimals of at most 15 digits never read
 * as the same double), printed without exponent as ECMAScript does in this
 * range. Returns the length written to out, 0 when outside the fast path. */
/* The power of ten that gave the last answer on this thread: columns of
 * doubles (a Parquet column is converted a column at a time) mostly share
 * it. Tried first, an answer c at p with c not a multiple of 10 and at most
 * 15 digits is the one the loop from p = 0 would give: a smaller p' would
 * need another decimal of at most 15 significant digits with the same
 * double, and no two such decimals have one (DBL_DIG). */
static _Thread_local int last_p = -1;

static size_t double_fast(double v, char out[40]) {
  static const double p10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
                               1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  double a = v < 0 ? -v : v;
  if (!(a >= 1e-6 && a < 9007199254740992.0)) return 0;
  if (last_p >= 0) {
    const int p = last_p;
    const double sc = a * p10[p];
    if (sc >= 1 && sc < 562949953421312.0) { /* below 2^49: only the nearest integer can be it (see below) */
      double r = (double)(uint64_t)sc, fr = sc - r;
      if (fr > 0.5 || (fr == 0.5 && ((uint64_t)r & 1))) r += 1;
      if (fabs(r - sc) <= sc * 0x1p-50 && r / p10[p] == a) {
        uint64_t n = (uint64_t)r;
        if (n % 10) {
          char dig[24];
          const int nd = rev_digits(n, dig);
          if (nd <= 15) return whorl__point_digits(dig, nd, p, v < 0, out);
        }
      }
    }
  }
  for (int p = 0; p <= 22; p++) {
    double sc = a * p10[p];
    if (sc >= 9007199254740992.0) return 0;
    /* sc to the nearest integer, ties to even (nearbyint in the default
     * rounding mode, without the library call): 0 < sc < 2^53 */
    double r = (double)(uint64_t)sc, fr = sc - r;
    if (fr > 0.5 || (fr == 0.5 && ((uint64_t)r & 1))) r += 1;
    /* An integer c with c / 10^p == a lies within sc * 2^-51 of sc (both
     * c / 10^p and sc = fl(a * 10^p) are within half an ulp of the exact
     * values), and r - sc is exact (r and sc within a factor of 2). Below
     * 2^49 that bound is under 1/2: only r can be it, and only when that
     * close, so most p are ruled out without a division. */
    const int near = sc < 562949953421312.0;
    if (near && !(fabs(r - sc) <= sc * 0x1p-50)) continue;
    for (int d = near ? 0 : -1; d <= (near ? 0 : 1); d++) {
      double c = r + d;
      if (c < 1 || c / p10[p] != a) continue;
      char dig[24];
      const int nd = rev_digits((uint64_t)c, dig);
      if (nd > 15) return 0;
      last_p = p;
      return whorl__point_digits(dig, nd, p, v < 0, out);
    }
  }
  return 0;
}

size_t whorl__canon_double(double v, char o[48]) {
  if (v != 0 && !isnan(v) && !isinf(v)) {
    size_t n = double_fast(v, o + 1);
    if (n) {
      o[0] = 'D';
      return n + 1;
    }
  }
  if (isnan(v) || isinf(v)) {
    o[0] = 'F';
    o[1] = isnan(v) ? 'N' : v > 0 ? '+' : '-';
    return 2;
  }
  char tmp[32];
  size_t n = whorl_json_format_double(v, tmp); /* -0 prints as 0 */
  o[0] = 'D';
  memcpy(o + 1, tmp, n);
  return n + 1;
}

whorl_vkind whorl__value_double(double v, whorl_buf *out) {
  char t[48];
  whorl_buf_put(out, t, whorl__canon_double(v, t));
  return isnan(v) || isinf(v) ? WHORL_V_FLOAT_SPECIAL : WHORL_V_NUMBER;
}

int whorl__text_ieq(const char *s, size_t len, const char *word) {
  if (len == 0 || len > 16 || (s[0] | 0x20) != word[0]) return 0;
  size_t n = strlen(word);
  if (len != n) return 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
    if (c != word[i]) return 0;
  }
  return 1;
}

int whorl__text_numeric(const char *s, size_t len, int *is_int) {
  size_t i = 0, digits = 0;
  *is_int = 1;
  if (i < len && (s[i] == '+' || s[i] == '-')) i++;
  while (i < len && s[i] >= '0' && s[i] <= '9') i++, digits++;
  if (i < len && s[i] == '.') {
    *is_int = 0;
    i++;
    while (i < len && s[i] >= '0' && s[i] <= '9') i++, digits++;
  }
  if (!digits) return 0;
  if (i < len && (s[i] == 'e' || s[i] == 'E')) {
    *is_int = 0;
    i++;
    if (i < len && (s[i] == '+' || s[i] == '-')) i++;
    size_t ed = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9') i++, ed++;
    if (!ed) return 0;
  }
  return i == len;
}

int whorl__text_float_special(const char *s, size_t len) {
  if (len < 3 || len > 9) return 0;
  char c = s[0] == '+' || s[0] == '-' ? s[1] : s[0];
  if (c != 'n' && c != 'N' && c != 'i' && c != 'I') return 0;
  static const char *w[] = {"nan", "+nan", "-nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"};
  for (size_t k = 0; k < sizeof w / sizeof *w; k++)
    if (whorl__text_ieq(s, len, w[k])) return 1;
  return 0;
}

/* The canonical text of a plain decimal literal ([+-]?digits.digits, no
 * exponent) with at most 15 significant digits, without going through a
 * double: such a decimal survives the round trip to the nearest double and
 * back (DBL_DIG = 15), and no shorter digit string reaches the same double,
 * so its shortest round-trip digits are its own digits without leading and
 * trailing zeros. Printed as ECMAScript prints numbers (a point, no
 * exponent, for decimal exponents in -6 < n <= 21). Returns 0 when the
 * literal is outside this fast path. */
static int decimal_fast(const char *s, size_t len, whorl_buf *out) {
  size_t i = 0;
  int neg = 0;
  if (s[0] == '+' || s[0] == '-') neg = s[0] == '-', i++;
  char dig[24];
  size_t nd = 0;
  long point = -1; /* digits before the point, once seen */
  int seen_nonzero = 0;
  long lead = 0;   /* leading zeros skipped after the point */
  for (; i < len; i++) {
    char c = s[i];
    if (c == '.') {
      if (point >= 0) return 0;
      point = (long)nd;
      continue;
    }
    if (c < '0' || c > '9') return 0;
    if (!seen_nonzero) {
      if (c == '0') {
        if (point >= 0) lead++;
        continue;
      }
      seen_nonzero = 1;
    }
    if (nd == sizeof dig) return 0;
    dig[nd++] = c;
  }
  if (point < 0) point = (long)nd;
  while (nd > 0 && dig[nd - 1] == '0' && (long)nd > 0) {
    /* trailing zeros: only those after the point change nothing; zeros of
     * the integer part are kept through the exponent below */
    nd--;
  }
  if (nd == 0) {
    whorl_buf_put(out, "D0", 2);
    return 1;
  }
  if (nd > 15) return 0;
  /* value = 0.dig * 10^n */
  long n = point - lead;
  if (!(n > -6 && n <= 21)) return 0;
  char t[48];
  size_t k = 0;
  t[k++] = 'D';
  if (neg) t[k++] = '-';
  if (n <= 0) {
    t[k++] = '0';
    t[k++] = '.';
    for (long z = 0; z < -n; z++) t[k++] = '0';
    memcpy(t + k, dig, nd);
    k += nd;
  } else if ((long)nd <= n) {
    memcpy(t + k, dig, nd);
    k += nd;
    for (long z = (long)nd; z < n; z++) t[k++] = '0';
  } else {
    memcpy(t + k, dig, (size_t)n);
    k += (size_t)n;
    t[k++] = '.';
    memcpy(t + k, dig + n, nd - (size_t)n);
    k += nd - (size_t)n;
  }
  whorl_buf_put(out, t, k);
  return 1;
}

/* The nearest double of a numeric literal (whorl__text_numeric) of any
 * length, without a copy of it: its first 780 significant digits (more
 * than the 767 a double can ever need), one sticky '1' standing for any
 * non-zero digit after them, and the exponent, through strtod (digits and
 * 'e' only: the locale's decimal point never matters). */
static double long_literal_double(const char *s, size_t len) {
  char buf[780 + 40];
  size_t i = 0, kept = 0;
  int neg = 0, point = 0, sticky = 0;
  long long shift = 0; /* power of ten applied to the kept digits */
  if (s[0] == '+' || s[0] == '-') neg = s[0] == '-', i++;
  for (; i < len; i++) {
    char c = s[i];
    if (c == '.') {
      point = 1;
      continue;
    }
    if (c < '0' || c > '9') break;
    if (point) shift--;
    if (kept == 0 && c == '0') continue;
    if (kept < 780) buf[kept++] = c;
    else {
      shift++;
      if (c != '0') sticky = 1;
    }
  }
  long long exp = 0;
  if (i < len && (s[i] == 'e' || s[i] == 'E')) {
    int eneg = 0;
    i++;
    if (i < len && (s[i] == '+' || s[i] == '-')) eneg = s[i++] == '-';
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) /* saturated: past 10^9 it is 0 or infinity */
      if (exp < 1000000000) exp = exp * 10 + (s[i] - '0');
    if (eneg) exp = -exp;
  }
  if (kept == 0) return 0.0;
  if (sticky) buf[kept++] = '1', shift--;
  long long e10 = exp + shift;
  if (e10 > 2000000000LL) e10 = 2000000000LL;
  if (e10 < -2000000000LL) e10 = -2000000000LL;
  snprintf(buf + kept, sizeof buf - kept, "e%lld", e10);
  double d = strtod(buf, NULL);
  return neg ? -d : d;
}

whorl_vkind whorl__value_text(const char *s, size_t len, int quoted, whorl_buf *out) {
  if (len == 0) {
    if (quoted) {
      whorl_buf_putc(out, 'S');
      return WHORL_V_STRING;
    }
    return whorl__value_null(out);
  }
  if (whorl__text_ieq(s, len, "true")) return whorl__value_bool(1, out);
  if (whorl__text_ieq(s, len, "false")) return whorl__value_bool(0, out);
  int is_int;
  if (whorl__text_numeric(s, len, &is_int)) { /* any length: a number is a number */
    if (is_int) {
      /* Exact, any size: sign, then digits without leading zeros. */
      size_t i = 0;
      int neg = s[0] == '-';
      if (s[0] == '+' || s[0] == '-') i++;
      while (i + 1 < len && s[i] == '0') i++;
      if (len - i == 1 && s[i] == '0') neg = 0; /* -0 is 0 */
      whorl_buf_putc(out, 'D');
      if (neg) whorl_buf_putc(out, '-');
      whorl_buf_put(out, s + i, len - i);
      return WHORL_V_NUMBER;
    }
    if (decimal_fast(s, len, out)) return WHORL_V_NUMBER;
    if (len > 400) return whorl__value_double(long_literal_double(s, len), out);
    char tmp[408];
    memcpy(tmp, s, len);
    tmp[len] = 0;
    return whorl__value_double(strtod(tmp, NULL), out);
  }
  if (len >= 16 && whorl__text_timestamp(s, len)) return whorl__value_timestamp_text(s, len, out);
  if (whorl__text_float_special(s, len)) {
    const char *t = s + (s[0] == '+' || s[0] == '-');
    double v = (t[0] == 'n' || t[0] == 'N') ? NAN : s[0] == '-' ? -INFINITY : INFINITY;
    return whorl__value_double(v, out);
  }
  whorl_buf_putc(out, 'S');
  whorl_buf_put(out, s, len);
  return WHORL_V_STRING;
}

whorl_ltype whorl__cell_text(const char *s, size_t len, int quoted, whorl_buf *out) {
  if (len == 0) {
    whorl_buf_putc(out, quoted ? 'S' : 'N');
    return quoted ? WHORL_T_STRING : WHORL_T_NULL;
  }
  if (len > 400) { /* rare: the two separate functions decide */
    whorl_ltype t = whorl__ltype_of_text(s, len, quoted);
    whorl__value_text(s, len, quoted, out);
    return t;
  }
  unsigned char c = (unsigned char)s[0];
  if ((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.') {
    size_t i = c == '+' || c == '-';
    size_t d0 = i;
    while (i < len && (unsigned char)(s[i] - '0') < 10) i++;
    if (i == len && i > d0) {
      /* An integer: exact, any size, sign then digits without leading zeros. */
      int neg = c == '-';
      size_t k = d0;
      while (k + 1 < len && s[k] == '0') k++;
      if (len - k == 1 && s[k] == '0') neg = 0;
      size_t need = 2 + (len - k);
      if (out->len + need + 1 > out->cap && whorl_buf_grow(out, need)) return WHORL_T_INT;
      char *o = out->data + out->len;
      *o++ = 'D';
      if (neg) *o++ = '-';
      memcpy(o, s + k, len - k);
      o += len - k;
      *o = 0;
      out->len = (size_t)(o - out->data);
      return WHORL_T_INT;
    }
    if (i < len && (s[i] == '.' || s[i] == 'e' || s[i] == 'E')) {
      int is_int;
      if (whorl__text_numeric(s, len, &is_int)) {
        if (decimal_fast(s, len, out)) return WHORL_T_FLOAT;
        whorl__value_text(s, len, quoted, out);
        return WHORL_T_FLOAT;
      }
    } else if (c >= '0' && c <= '9' && len >= 10 && i == 4 && s[4] == '-') {
      whorl_ltype t = WHORL_T_STRING;
      if (len == 10 && whorl__text_date(s, len)) t = WHORL_T_DATE;
      else if (len >= 16 && whorl__text_timestamp(s, len)) {
        whorl__value_timestamp_text(s, len, out);
        return WHORL_T_TIMESTAMP;
      }
      whorl_buf_putc(out, 'S');
      whorl_buf_put(out, s, len);
      return t;
    } else if ((c == '+' || c == '-') && whorl__text_float_special(s, len)) {
      whorl__value_text(s, len, quoted, out);
      return WHORL_T_FLOAT;
    }
  } else if ((c | 0x20) == 't' || (c | 0x20) == 'f') {
    if (whorl__text_ieq(s, len, "true")) return whorl__value_bool(1, out), WHORL_T_BOOL;
    if (whorl__text_ieq(s, len, "false")) return whorl__value_bool(0, out), WHORL_T_BOOL;
  } else if ((c | 0x20) == 'n' || (c | 0x20) == 'i') {
    if (whorl__text_float_special(s, len)) {
      whorl__value_text(s, len, quoted, out);
      return WHORL_T_FLOAT;
    }
  }
  whorl_buf_putc(out, 'S');
  whorl_buf_put(out, s, len);
  return WHORL_T_STRING;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil algorithm). */
int64_t whorl__days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static int dd(const char *s) { return (s[0] - '0') * 10 + (s[1] - '0'); }

static whorl_vkind timestamp_out(int64_t days, int64_t sod, const char *frac, size_t nfrac, int utc, int leap,
                                 whorl_buf *out);

whorl_vkind whorl__value_timestamp(int64_t days, int64_t sod, const char *frac, size_t nfrac, int utc, whorl_buf *out) {
  return timestamp_out(days, sod, frac, nfrac, utc, 0, out);
}

/* leap: the second is a leap second (:60), counted as :59 in sod. */
static whorl_vkind timestamp_out(int64_t days, int64_t sod, const char *frac, size_t nfrac, int utc, int leap,
                                 whorl_buf *out) {
  /* normalise seconds of day into [0, 86400) */
  days += sod >= 0 ? sod / 86400 : -((-sod + 86399) / 86400);
  sod -= (sod >= 0 ? sod / 86400 : -((-sod + 86399) / 86400)) * 86400;
  char d[48];
  const size_t dl = whorl__iso_day(days, d);
  while (nfrac > 0 && frac[nfrac - 1] == '0') nfrac--;
  char t[80];
  size_t n = 0;
  t[n++] = 'T';
  memcpy(t + n, d, dl);
  n += dl;
  int hh = (int)(sod / 3600), mi = (int)(sod / 60 % 60), ss = (int)(sod % 60);
  t[n++] = 'T';
  t[n++] = (char)('0' + hh / 10), t[n++] = (char)('0' + hh % 10), t[n++] = ':';
  t[n++] = (char)('0' + mi / 10), t[n++] = (char)('0' + mi % 10), t[n++] = ':';
  if (leap) ss = 60; /* sod counted it as :59 */
  t[n++] = (char)('0' + ss / 10), t[n++] = (char)('0' + ss % 10);
  whorl_buf_put(out, t, n);
  if (nfrac) {
    whorl_buf_putc(out, '.');
    whorl_buf_put(out, frac, nfrac);
  }
  if (utc) whorl_buf_putc(out, 'Z');
  return WHORL_V_TIMESTAMP;
}

size_t whorl__timestamp_fast(const char *s, size_t len, char *t) {
  /* s passed whorl__text_timestamp: YYYY-MM-DD[T ]hh:mm[:ss[.f]][Z|+-hh[:mm|mm]].
   * No arithmetic: no zone, Z, or a zero offset; otherwise 0. */
  size_t i = 16, fs = 0, fe = 0;
  int has_sec = 0;
  if (i < len && s[i] == ':') {
    has_sec = 1;
    i += 3;
    if (i < len && s[i] == '.') {
      fs = ++i;
      while (i < len && s[i] >= '0' && s[i] <= '9') i++;
      fe = i;
    }
  }
  int utc = -1;
  if (i == len) utc = 0;
  else if (s[i] == 'Z') utc = 1;
  else {
    int zero = 1;
    for (size_t k = i + 1; k < len; k++) zero &= s[k] == '0' || s[k] == ':';
    if (zero) utc = 1;
  }
  if (utc < 0) return 0;
  size_t k = 0;
  t[k++] = 'T';
  memcpy(t + k, s, 10);
  k += 10;
  t[k++] = 'T';
  memcpy(t + k, s + 11, 5);
  k += 5;
  if (has_sec) {
    memcpy(t + k, s + 16, 3);
    k += 3;
  } else {
    memcpy(t + k, ":00", 3);
    k += 3;
  }
  while (fe > fs && s[fe - 1] == '0') fe--;
  size_t nf = fe - fs;
  if (nf && k + 1 + nf + 1 < 64) {
    t[k++] = '.';
    memcpy(t + k, s + fs, nf);
    k += nf;
  } else if (nf) {
    return 0; /* a very long fraction */
  }
  if (utc) t[k++] = 'Z';
  return k;
}

whorl_vkind whorl__value_timestamp_text(const char *s, size_t len, whorl_buf *out) {
  {
    char t[64];
    size_t k = whorl__timestamp_fast(s, len, t);
    if (k) {
      whorl_buf_put(out, t, k);
      return WHORL_V_TIMESTAMP;
    }
  }
  int64_t y = dd(s) * 100 + dd(s + 2);
  int64_t days = whorl__days_from_civil(y, dd(s + 5), dd(s + 8));
  int64_t sod = (int64_t)dd(s + 11) * 3600 + dd(s + 14) * 60;
  size_t i = 16;
  const char *frac = NULL;
  size_t nfrac = 0;
  int leap = 0;
  if (i < len && s[i] == ':') {
    int sec = dd(s + i + 1);
    if (sec == 60) leap = 1, sec = 59; /* the offset arithmetic on :59, printed :60 */
    sod += sec;
    i += 3;
    if (i < len && s[i] == '.') {
      frac = s + i + 1;
      i++;
      while (i < len && s[i] >= '0' && s[i] <= '9') i++, nfrac++;
    }
  }
  int utc = 0;
  if (i < len) {
    utc = 1;
    if (s[i] != 'Z') {
      int sign = s[i] == '-' ? -1 : 1;
      int oh = dd(s + i + 1), om = 0;
      if (i + 6 == len) om = dd(s + i + 4);
      else if (i + 5 == len) om = dd(s + i + 3);
      sod -= sign * (oh * 3600 + om * 60);
    }
  }
  return timestamp_out(days, sod, frac, nfrac, utc, leap, out);
}

static void iso_day_calc(int64_t days, char out[48]);

/* Columns of dates and timestamps hold few distinct days: the last ones
 * are remembered per thread (direct-mapped by the day count). */
#define DAY_CACHE 1024
typedef struct day_memo {
  int64_t days;
  char text[12]; /* "YYYY-MM-DD" and its NUL; used for years 0..9999 only */
} day_memo;
static _Thread_local day_memo day_cache[DAY_CACHE];

size_t whorl__iso_day(int64_t days, char out[48]) {
  day_memo *m = &day_cache[(uint64_t)days & (DAY_CACHE - 1)]; /* zeroed per thread: text "" is empty */
  if (m->days == days && m->text[0]) {
    memcpy(out, m->text, 11);
    return 10;
  }
  iso_day_calc(days, out);
  size_t n = strlen(out);
  if (n == 10) {
    m->days = days;
    memcpy(m->text, out, 11);
  }
  return n;
}

static void iso_day_calc(int64_t days, char out[48]) {
  /* Days beyond +-2^40 (some 3 billion years) are no calendar date: kept as
   * their count, so the arithmetic below cannot overflow. */
  if (days > ((int64_t)1 << 40) || days < -((int64_t)1 << 40)) {
    snprintf(out, 48, "day%+lld", (long long)days);
    return;
  }
  /* Civil date from days (Howard Hinnant's public-domain algorithm,
   * written out from its description). */
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  int mm = (int)(m % 100), dd = (int)(d % 100); /* 1..12 and 1..31 */
  if (y >= 0 && y <= 9999) {
    int yy = (int)y;
    out[0] = (char)('0' + yy / 1000), out[1] = (char)('0' + yy / 100 % 10), out[2] = (char)('0' + yy / 10 % 10);
    out[3] = (char)('0' + yy % 10), out[4] = '-', out[5] = (char)('0' + mm / 10), out[6] = (char)('0' + mm % 10);
    out[7] = '-', out[8] = (char)('0' + dd / 10), out[9] = (char)('0' + dd % 10), out[10] = 0;
  } else {
    snprintf(out, 48, "%+lld-%02d-%02d", (long long)y, mm, dd);
  }
}

