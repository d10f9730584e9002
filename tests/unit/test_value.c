/* Canonical table values: one spelling per mathematical value, whatever the
 * file wrote; null distinct from the empty string where the format says so. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "table/value.h"
#include "whorl/json.h"

static char got[512];
static const char *text(const char *s, int quoted) {
  whorl_buf b = WHORL_BUF_INIT;
  whorl__value_text(s, strlen(s), quoted, &b);
  snprintf(got, sizeof got, "%.*s", (int)b.len, b.data ? b.data : "");
  whorl_buf_free(&b);
  return got;
}
static const char *dbl(double v) {
  whorl_buf b = WHORL_BUF_INIT;
  whorl__value_double(v, &b);
  snprintf(got, sizeof got, "%.*s", (int)b.len, b.data);
  whorl_buf_free(&b);
  return got;
}
static const char *i64(int64_t v) {
  whorl_buf b = WHORL_BUF_INIT;
  whorl__value_int(v, &b);
  snprintf(got, sizeof got, "%.*s", (int)b.len, b.data);
  whorl_buf_free(&b);
  return got;
}

/* v printed by whorl__value_double equals the general shortest printing
 * (whorl_json_format_double); the first mismatches are shown. */
static int same_as_general(double v, int shown) {
  char want[64];
  size_t wl = whorl_json_format_double(v, want);
  want[wl] = 0;
  char w2[72];
  snprintf(w2, sizeof w2, "D%s", want);
  if (!strcmp(dbl(v), w2)) return 1;
  if (shown < 5) fprintf(stderr, "%.17g: %s vs %s\n", v, got, w2);
  return 0;
}

int main(void) {
  /* the same number however written or typed */
  const char *thirty_two[] = {"32", "+32", "032", "32.0", "32.00", "3.2e1", "3.2E+1", "320e-1", "0032.000"};
  for (size_t i = 0; i < sizeof thirty_two / sizeof *thirty_two; i++) CHECK_STR(text(thirty_two[i], 0), "D32");
  CHECK_STR(i64(32), "D32");
  CHECK_STR(dbl(32.0), "D32");
  CHECK_STR(text("1.50", 0), "D1.5");
  CHECK_STR(dbl(1.5), "D1.5");
  CHECK_STR(text("0.1", 0), "D0.1");
  CHECK_STR(dbl(0.1), "D0.1");
  CHECK_STR(text(".5", 0), "D0.5");
  CHECK_STR(text("5.", 0), "D5");
  CHECK_STR(text("-0", 0), "D0");
  CHECK_STR(text("-0.0", 0), "D0");
  CHECK_STR(dbl(-0.0), "D0");
  CHECK_STR(text("-17", 0), "D-17");
  CHECK_STR(i64(INT64_MIN), "D-9223372036854775808");
  CHECK_STR(text("-9223372036854775808", 0), "D-9223372036854775808");
  CHECK_STR(text("123456789012345678901234567890", 0), "D123456789012345678901234567890"); /* exact */
  CHECK_STR(text("1e21", 0), "D1e+21");
  CHECK_STR(dbl(1e21), "D1e+21");
  CHECK_STR(text("9007199254740993.0", 0), "D9007199254740992"); /* through the double */
  /* one NaN, infinities */
  CHECK_STR(text("NaN", 0), "FN");
  CHECK_STR(text("nan", 0), "FN");
  CHECK_STR(dbl(NAN), "FN");
  CHECK_STR(dbl(-NAN), "FN");
  CHECK_STR(text("inf", 0), "F+");
  CHECK_STR(text("-Infinity", 0), "F-");
  CHECK_STR(dbl(-INFINITY), "F-");
  /* booleans, nulls, strings */
  CHECK_STR(text("TRUE", 0), "B1");
  CHECK_STR(text("false", 1), "B0");
  CHECK_STR(text("", 0), "N");
  CHECK_STR(text("", 1), "S");
  CHECK_STR(text("NA", 0), "SNA");
  CHECK_STR(text(" 32", 0), "S 32"); /* not trimmed: a different value */
  CHECK_STR(text("1,5", 0), "S1,5");
  CHECK_STR(text("1e", 0), "S1e");
  CHECK_STR(text("+", 0), "S+");
  CHECK_STR(text("0x10", 0), "S0x10");
  CHECK_STR(text("caf\xc3\xa9", 0), "Scaf\xc3\xa9");
  /* timestamps: one spelling (T separator, seconds, fraction without
   * trailing zeros, offsets applied to UTC 'Z') */
  CHECK_STR(text("2024-01-02 03:04:05", 0), "T2024-01-02T03:04:05");
  CHECK_STR(text("2024-01-02T03:04:05.500", 0), "T2024-01-02T03:04:05.5");
  CHECK_STR(text("2024-01-02T03:04:05.000", 0), "T2024-01-02T03:04:05");
  CHECK_STR(text("2024-01-02 03:04", 0), "T2024-01-02T03:04:00");
  CHECK_STR(text("2024-01-02T03:04:05Z", 0), "T2024-01-02T03:04:05Z");
  CHECK_STR(text("2024-01-02 03:04:05+00", 0), "T2024-01-02T03:04:05Z");
  CHECK_STR(text("2024-01-02T01:04:05+02:00", 0), "T2024-01-01T23:04:05Z");
  CHECK_STR(text("2024-03-01T00:30:00+0100", 0), "T2024-02-29T23:30:00Z");
  CHECK_STR(text("2023-12-31T23:30:00-01:00", 0), "T2024-01-01T00:30:00Z");
  CHECK_STR(text("1969-12-31 23:59:59.9", 0), "T1969-12-31T23:59:59.9");
  CHECK_STR(text("2024-01-02", 0), "S2024-01-02"); /* a date stays its text */
  /* a leap second is the same instant however its zone is written */
  CHECK_STR(text("2016-12-31T23:59:60Z", 0), "T2016-12-31T23:59:60Z");
  CHECK_STR(text("2017-01-01T00:59:60+01:00", 0), "T2016-12-31T23:59:60Z");
  CHECK_STR(text("2016-12-31T22:59:60-01:00", 0), "T2016-12-31T23:59:60Z");
  {
    char d[48];
    whorl__iso_day(INT64_MAX, d); /* no overflow on nonsense day counts */
    CHECK_STR(d, "day+9223372036854775807");
    whorl__iso_day(-1, d);
    CHECK_STR(d, "1969-12-31");
  }
  /* The no-offset fast path and the arithmetic path agree: the same instant
   * written in UTC and with a +01:30 offset. */
  {
    uint64_t st = 977;
    int bad = 0;
    for (int n = 0; n < 20000; n++) {
      st ^= st << 13, st ^= st >> 7, st ^= st << 17;
      int y = 1900 + (int)(st % 200), m = 1 + (int)((st >> 8) % 12), d = 1 + (int)((st >> 12) % 28);
      int hh = (int)((st >> 20) % 24), mi = (int)((st >> 26) % 60), ss = (int)((st >> 32) % 60);
      int fr = (int)((st >> 40) % 1000);
      char a[64], b[64], ca[512];
      snprintf(a, sizeof a, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", y, m, d, hh, mi, ss, fr);
      /* the same instant at +01:30 */
      int t = hh * 60 + mi + 90, dd = d, mm = m, yy = y;
      if (t >= 24 * 60) {
        t -= 24 * 60;
        static const int md[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        int leap = (yy % 4 == 0 && yy % 100 != 0) || yy % 400 == 0;
        if (++dd > md[mm - 1] + (mm == 2 && leap)) dd = 1, mm++;
        if (mm > 12) mm = 1, yy++;
      }
      snprintf(b, sizeof b, "%04d-%02d-%02d %02d:%02d:%02d.%03d0+01:30", yy, mm, dd, t / 60, t % 60, ss, fr);
      snprintf(ca, sizeof ca, "%s", text(a, 0));
      if (strcmp(ca, text(b, 0)) && bad++ < 3) fprintf(stderr, "%s -> %s, %s -> %s\n", a, ca, b, got);
    }
    CHECK_INT(bad, 0);
  }
  /* Plain decimals take a path that never builds a double: it must agree
   * with the nearest double's shortest printing on every literal. */
  CHECK_STR(text("0.000001", 0), "D0.000001");
  CHECK_STR(text("0.0000001", 0), "D1e-7");
  CHECK_STR(text("120.50", 0), "D120.5");
  CHECK_STR(text("1200.0", 0), "D1200");
  CHECK_STR(text("-0.0012", 0), "D-0.0012");
  CHECK_STR(text("123456789012345.6", 0), "D123456789012345.6");
  CHECK_STR(text("1234567890123456.7", 0), "D1234567890123456.8");
  uint64_t st = 88172645463325252ULL;
  int bad = 0;
  for (int n = 0; n < 300000; n++) {
    char lit[64];
    size_t k = 0;
    st ^= st << 13, st ^= st >> 7, st ^= st << 17;
    if (st & 1) lit[k++] = '-';
    int ni = (int)((st >> 8) % 12), nf = (int)((st >> 16) % 19);
    for (int i = 0; i < ni; i++) lit[k++] = (char)('0' + (st >> (20 + i * 3)) % 10);
    lit[k++] = '.';
    st ^= st << 13, st ^= st >> 7, st ^= st << 17;
    for (int i = 0; i < nf; i++) lit[k++] = (char)('0' + ((st >> (i * 3)) % 10) * ((st >> 60) % 3 != 0 || i > 2));
    if (ni == 0 && nf == 0) lit[k++] = '5';
    lit[k] = 0;
    char want[512];
    snprintf(want, sizeof want, "%s", dbl(strtod(lit, NULL)));
    if (strcmp(text(lit, 0), want) && bad++ < 5) fprintf(stderr, "%s: %s vs %s\n", lit, got, want);
  }
  CHECK_INT(bad, 0);
  /* Doubles take a fast path too (common short decimals): it must agree
   * with the general shortest printing, on parsed decimals and raw bits. */
  bad = 0;
  for (int n = 0; n < 200000; n++) {
    st ^= st << 13, st ^= st >> 7, st ^= st << 17;
    double v;
    if (n & 1) {
      uint64_t bits = st;
      memcpy(&v, &bits, 8);
      if (isnan(v) || isinf(v)) continue;
    } else {
      char lit[48];
      snprintf(lit, sizeof lit, "%s%llu.%0*llue%d", (st >> 63) ? "-" : "", (unsigned long long)((st >> 20) % 100000),
               (int)((st >> 5) % 9) + 1, (unsigned long long)((st >> 40) % 1000000000),
               (int)((st >> 10) % 30) - 15);
      v = strtod(lit, NULL);
    }
    bad += !same_as_general(v, bad);
  }
  CHECK_INT(bad, 0);
  /* and on 150,000 short decimals, the fast path's own ground (1 to 17
   * significant digits, 0 to 12 of them after the point), and their
   * neighbours one ulp away */
  bad = 0;
  for (int n = 0; n < 150000; n++) {
    st ^= st << 13, st ^= st >> 7, st ^= st << 17;
    int digits = 1 + (int)(st % 17), frac = (int)((st >> 5) % 13);
    uint64_t m = (st >> 12) % 100000000000000000ULL;
    uint64_t lim = 1;
    for (int i = 0; i < digits; i++) lim *= 10;
    m %= lim;
    char lit[64];
    snprintf(lit, sizeof lit, "%s%llue-%d", (st >> 63) ? "-" : "", (unsigned long long)m, frac);
    double v = strtod(lit, NULL);
    if ((st >> 61) & 1) v = nextafter(v, (st >> 62) & 1 ? INFINITY : -INFINITY);
    if (v == 0) continue;
    bad += !same_as_general(v, bad);
  }
  CHECK_INT(bad, 0);
  /* columns of doubles: runs of values with one number of decimals (the
   * fast path tries the last answer's power of ten first), mixed with
   * runs of other scales, their one-ulp neighbours and whole numbers */
  bad = 0;
  for (int run = 0; run < 4000; run++) {
    st ^= st << 13, st ^= st >> 7, st ^= st << 17;
    int frac = (int)(st % 9), digits = frac + 1 + (int)((st >> 8) % 8);
    for (int n = 0; n < 40; n++) {
      st ^= st << 13, st ^= st >> 7, st ^= st << 17;
      uint64_t lim = 1;
      for (int i = 0; i < digits; i++) lim *= 10;
      uint64_t m = (st >> 11) % lim;
      int f = (st >> 60) == 0 ? frac - 1 : frac; /* now and then one decimal fewer */
      if (f < 0) f = 0;
      char lit[64];
      snprintf(lit, sizeof lit, "%s%llue-%d", (st >> 59) & 1 ? "-" : "", (unsigned long long)m, f);
      double v = strtod(lit, NULL);
      if (((st >> 40) & 31) == 0) v = nextafter(v, INFINITY);
      if (v == 0) continue;
      bad += !same_as_general(v, bad);
    }
  }
  CHECK_INT(bad, 0);
  /* the buffer-less writers (Parquet's hot path) give value_int's and
   * value_double's bytes */
  bad = 0;
  for (int n = 0; n < 200000; n++) {
    st ^= st << 13, st ^= st >> 7, st ^= st << 17;
    int64_t iv = (int64_t)st >> (st % 64);
    if (n == 0) iv = INT64_MIN;
    if (n == 1) iv = 0;
    char a[24], b[48];
    size_t an = whorl__canon_int(iv < 0 ? (uint64_t)(-(iv + 1)) + 1 : (uint64_t)iv, iv < 0, a);
    if (strcmp(i64(iv), "") == 0 || strlen(got) != an || memcmp(got, a, an)) bad++;
    double dv;
    uint64_t bits = st * 0x9E3779B97F4A7C15ULL;
    memcpy(&dv, &bits, 8);
    if (n % 3 == 0) dv = (double)(int64_t)(st % 2000001 - 1000000) / 1000.0;
    if (n == 2) dv = NAN;
    if (n == 3) dv = -INFINITY;
    if (n == 4) dv = -0.0;
    size_t bn = whorl__canon_double(dv, b);
    dbl(dv);
    if (strlen(got) != bn || memcmp(got, b, bn)) bad++;
  }
  CHECK_INT(bad, 0);
  T_DONE();
}
