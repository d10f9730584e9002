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
