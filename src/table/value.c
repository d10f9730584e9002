/* value.c - canonical value encoding: see value.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

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

whorl_vkind whorl__value_uint(uint64_t v, whorl_buf *out) {
  char num[24];
  size_t n = sizeof num;
  do num[--n] = (char)('0' + v % 10); while ((v /= 10) != 0);
  whorl_buf_putc(out, 'D');
  whorl_buf_put(out, num + n, sizeof num - n);
  return WHORL_V_NUMBER;
}

whorl_vkind whorl__value_int(int64_t v, whorl_buf *out) {
  if (v >= 0) return whorl__value_uint((uint64_t)v, out);
  uint64_t m = (uint64_t)(-(v + 1)) + 1; /* no overflow at INT64_MIN */
  char num[24];
  size_t n = sizeof num;
  do num[--n] = (char)('0' + m % 10); while ((m /= 10) != 0);
  num[--n] = '-';
  whorl_buf_putc(out, 'D');
  whorl_buf_put(out, num + n, sizeof num - n);
  return WHORL_V_NUMBER;
}

whorl_vkind whorl__value_double(double v, whorl_buf *out) {
  if (isnan(v)) {
    whorl_buf_put(out, "FN", 2);
    return WHORL_V_FLOAT_SPECIAL;
  }
  if (isinf(v)) {
    whorl_buf_put(out, v > 0 ? "F+" : "F-", 2);
    return WHORL_V_FLOAT_SPECIAL;
  }
  char tmp[32];
  size_t n = whorl_json_format_double(v, tmp); /* -0 prints as 0 */
  whorl_buf_putc(out, 'D');
  whorl_buf_put(out, tmp, n);
  return WHORL_V_NUMBER;
}

int whorl__text_ieq(const char *s, size_t len, const char *word) {
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
  static const char *w[] = {"nan", "+nan", "-nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"};
  for (size_t k = 0; k < sizeof w / sizeof *w; k++)
    if (whorl__text_ieq(s, len, w[k])) return 1;
  return 0;
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
  if (len <= 400 && whorl__text_numeric(s, len, &is_int)) {
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
    char tmp[408];
    memcpy(tmp, s, len);
    tmp[len] = 0;
    return whorl__value_double(strtod(tmp, NULL), out);
  }
  if (whorl__text_float_special(s, len)) {
    const char *t = s + (s[0] == '+' || s[0] == '-');
    double v = (t[0] == 'n' || t[0] == 'N') ? NAN : s[0] == '-' ? -INFINITY : INFINITY;
    return whorl__value_double(v, out);
  }
  whorl_buf_putc(out, 'S');
  whorl_buf_put(out, s, len);
  return WHORL_V_STRING;
}
