/* types.c - logical type inference: see types.h. */
#include <string.h>

#include "table/types.h"
#include "table/value.h"

const char *whorl__ltype_name(whorl_ltype t) {
  static const char *names[] = {"null", "bool", "int", "float", "date", "timestamp", "string", "json"};
  return (unsigned)t < sizeof names / sizeof *names ? names[t] : "string";
}

static int digits(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] < '0' || s[i] > '9') return 0;
  return 1;
}

static int num(const char *s, size_t n) {
  int v = 0;
  for (size_t i = 0; i < n; i++) v = v * 10 + (s[i] - '0');
  return v;
}

int whorl__text_date(const char *s, size_t len) {
  if (len != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4) || !digits(s + 5, 2) || !digits(s + 8, 2)) return 0;
  return whorl__ymd10_ok(s);
}

int whorl__text_timestamp(const char *s, size_t len) {
  if (len < 16 || !whorl__text_date(s, 10) || (s[10] != 'T' && s[10] != ' ')) return 0;
  const char *t = s + 11;
  size_t n = len - 11, i = 0;
  if (n < 5 || !digits(t, 2) || t[2] != ':' || !digits(t + 3, 2) || num(t, 2) > 23 || num(t + 3, 2) > 59) return 0;
  i = 5;
  if (i < n && t[i] == ':') {
    if (i + 3 > n || !digits(t + i + 1, 2) || num(t + i + 1, 2) > 60) return 0; /* 60: leap second */
    i += 3;
    if (i < n && t[i] == '.') {
      size_t f = ++i;
      while (i < n && t[i] >= '0' && t[i] <= '9') i++;
      if (i == f) return 0;
    }
  }
  if (i == n) return 1;
  if (t[i] == 'Z' && i + 1 == n) return 1;
  /* offsets: +hh:mm, +hhmm or +hh (as DuckDB writes "+00") */
  if ((t[i] == '+' || t[i] == '-') && i + 3 <= n && digits(t + i + 1, 2) && num(t + i + 1, 2) <= 23) {
    if (i + 3 == n) return 1;
    if (i + 6 == n && t[i + 3] == ':' && digits(t + i + 4, 2)) return num(t + i + 4, 2) <= 59;
    if (i + 5 == n && digits(t + i + 3, 2)) return num(t + i + 3, 2) <= 59;
  }
  return 0;
}

whorl_ltype whorl__ltype_of_text(const char *s, size_t len, int quoted) {
  if (len == 0) return quoted ? WHORL_T_STRING : WHORL_T_NULL;
  if (whorl__text_ieq(s, len, "true") || whorl__text_ieq(s, len, "false")) return WHORL_T_BOOL;
  int is_int;
  if (whorl__text_numeric(s, len, &is_int)) return is_int ? WHORL_T_INT : WHORL_T_FLOAT;
  if (whorl__text_float_special(s, len)) return WHORL_T_FLOAT;
  if (whorl__text_date(s, len)) return WHORL_T_DATE;
  if (whorl__text_timestamp(s, len)) return WHORL_T_TIMESTAMP;
  return WHORL_T_STRING;
}

whorl_ltype whorl__ltype_join(whorl_ltype a, whorl_ltype b) {
  if (a == b) return a;
  if (a == WHORL_T_NULL) return b;
  if (b == WHORL_T_NULL) return a;
  if ((a == WHORL_T_INT && b == WHORL_T_FLOAT) || (a == WHORL_T_FLOAT && b == WHORL_T_INT)) return WHORL_T_FLOAT;
  if ((a == WHORL_T_DATE && b == WHORL_T_TIMESTAMP) || (a == WHORL_T_TIMESTAMP && b == WHORL_T_DATE))
    return WHORL_T_TIMESTAMP;
  return WHORL_T_STRING;
}
