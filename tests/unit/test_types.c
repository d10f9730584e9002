/* Logical type inference: each spelling's type, the whole-column join
 * (order-independent, so shards merge), and the documented edge cases. */
#include <stdint.h>
#include <string.h>

#include "t.h"
#include "table/types.h"
#include "table/value.h"

static const char *ty(const char *s) { return whorl__ltype_name(whorl__ltype_of_text(s, strlen(s), 0)); }

int main(void) {
  CHECK_STR(ty(""), "null");
  CHECK_STR(whorl__ltype_name(whorl__ltype_of_text("", 0, 1)), "string");
  CHECK_STR(ty("True"), "bool");
  CHECK_STR(ty("32"), "int");
  CHECK_STR(ty("-007"), "int");
  CHECK_STR(ty("123456789012345678901234567890"), "int");
  CHECK_STR(ty("32.0"), "float");
  CHECK_STR(ty(".5"), "float");
  CHECK_STR(ty("1e-3"), "float");
  CHECK_STR(ty("NaN"), "float");
  CHECK_STR(ty("-inf"), "float");
  CHECK_STR(ty("1e"), "string");
  CHECK_STR(ty("e5"), "string");
  CHECK_STR(ty("2024-02-29"), "date");
  CHECK_STR(ty("2023-02-29"), "string"); /* not a calendar day */
  CHECK_STR(ty("2024-13-01"), "string");
  CHECK_STR(ty("2024-01-05T10:00"), "timestamp");
  CHECK_STR(ty("2024-01-05 10:00:59.123456"), "timestamp");
  CHECK_STR(ty("2024-01-05T10:00:00Z"), "timestamp");
  CHECK_STR(ty("2024-01-05T10:00:00+05:30"), "timestamp");
  CHECK_STR(ty("2024-01-05T25:00:00"), "string");
  CHECK_STR(ty("2024-01-05T10:00:00+5:30"), "string");
  CHECK_STR(ty("hello"), "string");

  /* Whole-column joins, in any order. */
  const char *col[] = {"1", "", "2.5", "3"};
  whorl_coltype a = {WHORL_T_NULL, 0}, b = {WHORL_T_NULL, 0};
  for (int i = 0; i < 4; i++) whorl__coltype_add(&a, whorl__ltype_of_text(col[i], strlen(col[i]), 0));
  for (int i = 3; i >= 0; i--) whorl__coltype_add(&b, whorl__ltype_of_text(col[i], strlen(col[i]), 0));
  CHECK(a.type == WHORL_T_FLOAT && a.nullable);
  CHECK(b.type == a.type && b.nullable == a.nullable);
  /* shards typed apart and merged */
  whorl_coltype s1 = {WHORL_T_NULL, 0}, s2 = {WHORL_T_NULL, 0};
  whorl__coltype_add(&s1, WHORL_T_DATE);
  whorl__coltype_add(&s2, WHORL_T_TIMESTAMP);
  whorl__coltype_merge(&s1, &s2);
  CHECK(s1.type == WHORL_T_TIMESTAMP && !s1.nullable);
  CHECK(whorl__ltype_join(WHORL_T_BOOL, WHORL_T_INT) == WHORL_T_STRING);
  CHECK(whorl__ltype_join(WHORL_T_NULL, WHORL_T_NULL) == WHORL_T_NULL);
  /* associativity over every triple */
  int assoc = 1;
  for (int x = 0; x <= WHORL_T_STRING; x++)
    for (int y = 0; y <= WHORL_T_STRING; y++)
      for (int z = 0; z <= WHORL_T_STRING; z++) {
        whorl_ltype l = whorl__ltype_join(whorl__ltype_join((whorl_ltype)x, (whorl_ltype)y), (whorl_ltype)z);
        whorl_ltype r = whorl__ltype_join((whorl_ltype)x, whorl__ltype_join((whorl_ltype)y, (whorl_ltype)z));
        if (l != r) assoc = 0;
      }
  CHECK(assoc);
  /* The fused cell function equals value + type on every input. */
  {
    static const char *fixed[] = {"", "0", "-0", "+0", "007", "-007", "12", "1.", ".5", "-.5", "1e5", "1E+5", "1e", "e5",
                                  "true", "TRUE", "False", "t", "nan", "-NaN", "inf", "+Infinity", "-inf", "infinity",
                                  "n", "i", "2024-02-29", "2023-02-29", "2024-01-02T03:04", "2024-01-02 03:04:05.5Z",
                                  "2024-01-02T03:04:05+01:00", "1234-5", "12345-01-01", "-", "+", ".", "..", "1..2",
                                  "1.2.3", "0x1f", " 1", "1 ", "1,5", "caf\xc3\xa9", "-2024-01-01"};
    static const char alpha[] = "0123456789+-.eEtrufalsnixTZ: ";
    uint64_t st = 1234567;
    int bad = 0;
    for (int n = 0; n < 400000; n++) {
      char buf[32];
      size_t len;
      if (n < (int)(sizeof fixed / sizeof *fixed) * 2) {
        len = strlen(fixed[n / 2]);
        memcpy(buf, fixed[n / 2], len);
      } else {
        st ^= st << 13, st ^= st >> 7, st ^= st << 17;
        len = (size_t)(st % 13);
        for (size_t k = 0; k < len; k++) buf[k] = alpha[(st >> (8 + 3 * k)) % (sizeof alpha - 1)];
        if ((st >> 60) == 1 && len >= 10) memcpy(buf, "2024-03-1", 9);
      }
      int quoted = n & 1;
      whorl_buf a = WHORL_BUF_INIT, b = WHORL_BUF_INIT;
      whorl_ltype ta = whorl__cell_text(buf, len, quoted, &a);
      whorl_ltype tb = whorl__ltype_of_text(buf, len, quoted);
      whorl__value_text(buf, len, quoted, &b);
      if ((ta != tb || a.len != b.len || memcmp(a.data, b.data, a.len)) && bad++ < 5)
        fprintf(stderr, "cell '%.*s' (quoted %d): %d '%s' vs %d '%s'\n", (int)len, buf, quoted, ta, a.data, tb, b.data);
      whorl_buf_free(&a);
      whorl_buf_free(&b);
    }
    CHECK_INT(bad, 0);
  }
  T_DONE();
}
