/* Logical type inference: each spelling's type, the whole-column join
 * (order-independent, so shards merge), and the documented edge cases. */
#include <string.h>

#include "t.h"
#include "table/types.h"

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
  T_DONE();
}
