/* value.h - canonical encoding of table values (rules "whorl-value-1").
 *
 * The logical tier hashes values, not their spelling in one file format, so
 * that the same table as CSV, JSON Lines or Parquet gives the same id. Each
 * value is reduced to a canonical byte string on its own, without knowing
 * its column's final type (streaming hashes the first values before the
 * last are seen):
 *
 *   null      'N'                     (a typed null; an unquoted empty CSV field)
 *   boolean   'B' '0' | 'B' '1'       (true/false, any letter case)
 *   number    'D' <digits>            mathematical value, one spelling:
 *               - integers (text without fraction/exponent, or typed ints)
 *                 as decimal digits with '-' for negatives, no leading zeros,
 *                 any magnitude ("007" and 7 and 7.0 are the same);
 *               - others through the nearest double, printed as ECMAScript
 *                 prints it (shortest round trip: 1.50 -> 1.5, 1e3 -> 1000);
 *               - -0 is 0; every NaN is 'F' 'N'; +-infinity 'F' '+' / 'F' '-'
 *   timestamp 'T' YYYY-MM-DD 'T' hh:mm:ss [.fraction] ['Z']
 *                                     a text timestamp (types.h spelling) or a
 *                                     typed one: seconds always written, the
 *                                     fraction without trailing zeros, a zone
 *                                     offset applied (the time in UTC, 'Z');
 *                                     no zone: local time, no 'Z'
 *   string    'S' <UTF-8 bytes>       anything else, byte for byte
 *   nested    'J' <canonical JSON>    arrays and objects (JSON Lines)
 *
 * Text from a file (CSV field, JSON string, Parquet UTF8) is read by its
 * appearance: "32" and 32 and 32.0 are one value, "true" is a boolean. This
 * is what a data scientist means by "the same data" across formats, where
 * CSV cannot tell a number from its digits; a column of zip codes with
 * leading zeros thus hashes as numbers (documented).
 */
#ifndef WHORL_TABLE_VALUE_H
#define WHORL_TABLE_VALUE_H

#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

#define WHORL_VALUE_RULES "whorl-value-1"

typedef enum whorl_vkind {
  WHORL_V_NULL = 'N',
  WHORL_V_BOOL = 'B',
  WHORL_V_NUMBER = 'D',
  WHORL_V_FLOAT_SPECIAL = 'F',
  WHORL_V_STRING = 'S',
  WHORL_V_TIMESTAMP = 'T',
  WHORL_V_JSON = 'J' /* nested array/object (JSON Lines): 'J' + RFC 8785 text */
} whorl_vkind;

/* Spelling tests shared with type inference (types.c), so a value's
 * canonical kind and its column type can never disagree on what a number
 * or a boolean looks like. */
/* 1 if s equals the lowercase word, ignoring ASCII letter case. */
int whorl__text_ieq(const char *s, size_t len, const char *word);
/* 1 if s is [+-]?(digits[.digits?]|.digits)([eE][+-]?digits)?; *is_int is
 * set when there is neither a point nor an exponent. */
int whorl__text_numeric(const char *s, size_t len, int *is_int);
/* 1 for nan / inf / infinity with an optional sign, any letter case. */
int whorl__text_float_special(const char *s, size_t len);

/* Appends the canonical bytes of a text value and returns its kind.
 * `quoted`: the field was quoted in CSV, so an empty one is the empty string,
 * not null (unquoted empty fields are null). */
whorl_vkind whorl__value_text(const char *s, size_t len, int quoted, whorl_buf *out);
whorl_vkind whorl__value_int(int64_t v, whorl_buf *out);
whorl_vkind whorl__value_uint(uint64_t v, whorl_buf *out);
whorl_vkind whorl__value_double(double v, whorl_buf *out);
/* The same canonical bytes written to o, without a buffer: their length
 * (an integer (neg ? -1 : 1) * m; a double). The readers' hot paths. */
size_t whorl__canon_int(uint64_t m, int neg, char o[24]);
size_t whorl__canon_double(double v, char o[48]);
whorl_vkind whorl__value_bool(int v, whorl_buf *out);
whorl_vkind whorl__value_null(whorl_buf *out);
/* A timestamp: days since 1970-01-01, seconds of that day (any value: it is
 * normalised), the fraction's decimal digits, and whether it is UTC. */
whorl_vkind whorl__value_timestamp(int64_t days, int64_t sod, const char *frac, size_t nfrac, int utc, whorl_buf *out);
/* A text timestamp that passed whorl__text_timestamp. */
whorl_vkind whorl__value_timestamp_text(const char *s, size_t len, whorl_buf *out);
/* Writes [-]digits with a decimal point `scale` digits from the right
 * ("0.00ddd" when scale >= the digit count), from nd digits given in
 * reverse order (least significant first). out needs nd + scale + 3 bytes.
 * Returns the length. */
size_t whorl__point_digits(const char *rev, int nd, int scale, int neg, char *out);
/* "YYYY-MM-DD" (more year digits or a sign outside 0000..9999) of a day
 * count since 1970-01-01, proleptic Gregorian. */
size_t whorl__iso_day(int64_t days, char out[48]); /* returns the text's length */
/* Days since 1970-01-01 of a proleptic Gregorian date. */
int64_t whorl__days_from_civil(int64_t y, int m, int d);

#endif
