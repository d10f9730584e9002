/* The readers' cell fast path (whorl__cell_fast, types.h) against the
 * reference: wherever it answers, its bytes and type must be those of
 * whorl__value_text and whorl__ltype_of_text (and of whorl__cell_text),
 * on hand-picked spellings and millions of generated ones. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "table/types.h"
#include "table/value.h"


static long answered, checked;

static void one(const char *s, size_t len, int quoted) {
  char o[512 + WHORL__CELL_ROOM], o16[512 + WHORL__CELL_ROOM];
  memset(o, 0x55, sizeof o);
  memset(o16, 0x55, sizeof o16);
  whorl_ltype t = WHORL_T_JSON, t16 = WHORL_T_JSON;
  size_t n = whorl__cell_fast(s, len, quoted, o, &t);
  /* the 16-byte variant, with the readers' slack after the field filled
   * with noise (digits, points, dashes) that must not count */
  static char pad[512 + 64];
  static const char noise[] = "0123456789.-+e";
  memcpy(pad, s, len);
  for (size_t i = len; i < len + 64; i++) pad[i] = noise[t_next() % (sizeof noise - 1)];
  size_t n16 = whorl__cell_fast16(pad, len, quoted, o16, &t16);
  CHECK(n16 == n && (!n || (t16 == t && memcmp(o16, o, n) == 0)));
  if (n16 != n || (n && (t16 != t || memcmp(o16, o, n) != 0)))
    fprintf(stderr, "  input [%.*s]: 16-byte path [%.*s] (%zu), scalar [%.*s] (%zu)\n", (int)len, s, (int)n16, o16, n16,
            (int)n, o, n);
  checked++;
  if (!n) return;
  answered++;
  whorl_buf ref = WHORL_BUF_INIT, ref2 = WHORL_BUF_INIT;
  whorl__value_text(s, len, quoted, &ref);
  whorl_ltype rt = whorl__ltype_of_text(s, len, quoted);
  whorl_ltype ct = whorl__cell_text(s, len, quoted, &ref2);
  int same = n == ref.len && memcmp(o, ref.data, n) == 0 && t == rt && ct == rt && ref2.len == ref.len &&
             memcmp(ref2.data, ref.data, ref.len) == 0;
  CHECK(same);
  if (!same)
    fprintf(stderr, "  input [%.*s] quoted %d: fast [%.*s] type %d, reference [%.*s] type %d\n", (int)len, s, quoted,
            (int)n, o, (int)t, (int)ref.len, ref.data, (int)rt);
  whorl_buf_free(&ref);
  whorl_buf_free(&ref2);
}

static void str(const char *s) {
  one(s, strlen(s), 0);
  one(s, strlen(s), 1);
}

int main(void) {
  t_rng = 0x9e3779b97f4a7c15ULL;
  const char *hand[] = {"", "0", "-0", "+0", "00", "007", "-007", "+12", "12345678901234567890123",
                        "1.5", "1.50", "-1.50", "001.500", ".5", "-.5", "+.5", "5.", "-5.", ".", "-.", "+",
                        "-", "0.0", "-0.0", "0.000001", "0.0000001", "0.00001234", "100.0", "100.000",
                        "123456789012345.0", "1234567890123456.0", "0.123456789012345",
                        "0.1234567890123456", "1000000000000000000000.0", "10000000000000000000000.0",
                        "1.0000000000000000000000000", "59.87", "-37.9410", "0.25", "1e5", "1.5e3",
                        "1.2.3", "3rd", "2025-05-15", "2025-02-29", "2024-02-29", "2025-13-01",
                        "2025-05-15T11:07:23", "2025-05-15 11:07", "2025-05-15T11:07:23.500Z",
                        "2025-05-15T11:07:23+00:00", "2025-05-15T11:07:23+02:00", "2025-05-15T11:07:60",
                        "2025-05-15x", "true", "TRUE", "True", "false", "tru", "trues", "fals", "the",
                        "nan", "NaN", "-nan", "inf", "-inf", "Infinity", "infinite", "none", "null",
                        "i", "n", "cat_gamma_1", "slow omicron item 987", "BR", "a,b", "-x", "+1x",
                        "0x1F", "1_000"};
  for (size_t i = 0; i < sizeof hand / sizeof *hand; i++) str(hand[i]);

  /* generated spellings over the characters that matter */
  static const char alpha[] = "0000123456789..--++eEtTfFnNaAiIsSlrTZ: x";
  char buf[64];
  for (int k = 0; k < 2000000; k++) {
    size_t len = t_next() % 24;
    for (size_t i = 0; i < len; i++) buf[i] = alpha[t_next() % (sizeof alpha - 1)];
    one(buf, len, (int)(t_next() & 1));
  }
  /* numbers: sign, zeros, digits, a point, more digits and zeros */
  for (int k = 0; k < 2000000; k++) {
    size_t len = 0;
    uint64_t r = t_next();
    if (r & 1) buf[len++] = r & 2 ? '-' : '+';
    size_t z = (r >> 2) % 4, d = (r >> 4) % 20, f = (r >> 9) % 20, tz = (r >> 14) % 5;
    for (size_t i = 0; i < z; i++) buf[len++] = '0';
    for (size_t i = 0; i < d; i++) buf[len++] = (char)('0' + t_next() % 10);
    if ((r >> 20) % 4) buf[len++] = '.';
    for (size_t i = 0; i < (r >> 23) % 7; i++) buf[len++] = '0';
    for (size_t i = 0; i < f; i++) buf[len++] = (char)('0' + t_next() % 10);
    for (size_t i = 0; i < tz; i++) buf[len++] = '0';
    one(buf, len, 0);
  }
  /* dates and timestamps, real and not */
  for (int k = 0; k < 1000000; k++) {
    uint64_t r = t_next();
    int n = snprintf(buf, sizeof buf, "%04d-%02d-%02d", (int)(r % 10000), (int)((r >> 14) % 14), (int)((r >> 18) % 33));
    if ((r >> 24) & 1) {
      n += snprintf(buf + n, sizeof buf - (size_t)n, "%c%02d:%02d", (r >> 25) & 1 ? 'T' : ' ', (int)((r >> 26) % 25),
                    (int)((r >> 31) % 61));
      if ((r >> 37) & 1) n += snprintf(buf + n, sizeof buf - (size_t)n, ":%02d", (int)((r >> 38) % 62));
      if ((r >> 44) & 1) n += snprintf(buf + n, sizeof buf - (size_t)n, ".%d0", (int)((r >> 45) % 1000));
      static const char *zones[] = {"", "Z", "+00:00", "-00", "+0000", "+02:00", "-0530", "+01", "z", "+2"};
      n += snprintf(buf + n, sizeof buf - (size_t)n, "%s", zones[(r >> 55) % 10]);
    }
    one(buf, (size_t)n, 0);
    if (n == 10) CHECK(whorl__date10(buf) == whorl__text_date(buf, 10));
  }
  /* the inline date test on ten bytes of digits, dashes and others */
  static const char dd[] = "0123456789--/ a\xff";
  long dates = 0;
  for (int k = 0; k < 2000000; k++) {
    for (int i = 0; i < 10; i++) buf[i] = (t_next() % 4) ? (char)('0' + t_next() % 10) : dd[t_next() % (sizeof dd - 1)];
    if (t_next() % 2) buf[4] = '-', buf[7] = '-';
    int want = whorl__text_date(buf, 10);
    dates += want;
    CHECK(whorl__date10(buf) == want);
  }
  CHECK(dates > 1000);
  /* booleans in every letter case */
  for (int k = 0; k < 32; k++) {
    char tb[6] = "true", fb[6] = "false";
    for (int i = 0; i < 5; i++) {
      if (k >> i & 1) tb[i] = (char)(tb[i] ? tb[i] - 32 : 0), fb[i] = (char)(fb[i] - 32);
    }
    str(tb);
    str(fb);
  }
  CHECK(answered > checked / 3);
  fprintf(stderr, "%ld of %ld spellings answered by the fast path\n", answered, checked);
  if (t_failures) fprintf(stderr, "%d of %d checks failed\n", t_failures, t_checks);
  return t_failures != 0;
}
