/* thrift.h - reader for the Thrift compact protocol (Parquet footers).
 *
 * Written from the Thrift compact protocol specification: field headers
 * with id deltas, zigzag varints, length-prefixed binaries, list/set/map
 * headers. Every read is bounds-checked; nesting depth is limited; list and
 * map sizes are checked against the bytes left (each element takes at
 * least one byte), so a lying count cannot make a reader allocate much.
 */
#ifndef WHORL_IO_THRIFT_H
#define WHORL_IO_THRIFT_H

#include <stddef.h>
#include <stdint.h>

enum {
  TC_STOP = 0, TC_TRUE = 1, TC_FALSE = 2, TC_BYTE = 3, TC_I16 = 4, TC_I32 = 5, TC_I64 = 6,
  TC_DOUBLE = 7, TC_BINARY = 8, TC_LIST = 9, TC_SET = 10, TC_MAP = 11, TC_STRUCT = 12
};

#define TC_MAX_DEPTH 64

typedef struct tc {
  const uint8_t *p, *end, *base;
  int failed; /* sticky: any malformed read sets it and further reads return 0 */
} tc;

/* Next field of the current struct: returns its type (TC_STOP at the end)
 * and sets *id; *last is the previous field id of this struct (start 0). */
int tc_field(tc *t, int16_t *last, int16_t *id);
uint64_t tc_varint(tc *t);
int64_t tc_i64(tc *t);  /* zigzag i16/i32/i64 */
int32_t tc_i32(tc *t);
int tc_bool(tc *t, int type); /* the value of a TC_TRUE/TC_FALSE field */
/* Binary/string: pointer into the buffer (not NUL-terminated) and length. */
const uint8_t *tc_binary(tc *t, size_t *len);
/* List/set header: element type and count (count checked against bytes left). */
int tc_list(tc *t, uint64_t *count);
/* Skips a value of the given type (structs and containers recursively). */
void tc_skip(tc *t, int type, int depth);
/* Byte offset of the cursor from the start of the buffer. */
static inline size_t tc_offset(const tc *t) { return (size_t)(t->p - t->base); }

#endif
