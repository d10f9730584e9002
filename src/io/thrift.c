/* thrift.c - Thrift compact protocol reader: see thrift.h. */
#include "io/thrift.h"

static int fail(tc *t) {
  t->failed = 1;
  t->p = t->end;
  return 0;
}

uint64_t tc_varint(tc *t) {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (t->p >= t->end) return fail(t);
    uint8_t b = *t->p++;
    v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) return v;
  }
  return fail(t);
}

int64_t tc_i64(tc *t) {
  uint64_t z = tc_varint(t);
  return (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
}

int32_t tc_i32(tc *t) {
  int64_t v = tc_i64(t);
  if (v < INT32_MIN || v > INT32_MAX) return fail(t);
  return (int32_t)v;
}

int tc_field(tc *t, int16_t *last, int16_t *id) {
  if (t->failed) return TC_STOP;
  if (t->p >= t->end) return fail(t);
  uint8_t b = *t->p++;
  int type = b & 0x0f;
  if (type == TC_STOP) return TC_STOP;
  int delta = b >> 4;
  if (delta) *id = (int16_t)(*last + delta);
  else {
    int64_t v = tc_i64(t);
    if (v < INT16_MIN || v > INT16_MAX) return fail(t);
    *id = (int16_t)v;
  }
  *last = *id;
  if (type > TC_STRUCT) return fail(t);
  return type;
}

int tc_bool(tc *t, int type) {
  (void)t;
  return type == TC_TRUE;
}

const uint8_t *tc_binary(tc *t, size_t *len) {
  uint64_t n = tc_varint(t);
  if (t->failed || n > (uint64_t)(t->end - t->p)) {
    *len = 0;
    fail(t);
    return NULL;
  }
  const uint8_t *s = t->p;
  t->p += n;
  *len = (size_t)n;
  return s;
}

int tc_list(tc *t, uint64_t *count) {
  if (t->p >= t->end) return fail(t), (*count = 0), TC_STOP;
  uint8_t b = *t->p++;
  uint64_t n = b >> 4;
  if (n == 15) n = tc_varint(t);
  int type = b & 0x0f;
  /* Booleans in lists take a byte each; everything else at least one. */
  if (t->failed || n > (uint64_t)(t->end - t->p) || type == TC_STOP || type > TC_STRUCT) {
    *count = 0;
    fail(t);
    return TC_STOP;
  }
  *count = n;
  return type;
}

void tc_skip(tc *t, int type, int depth) {
  if (t->failed) return;
  if (depth > TC_MAX_DEPTH) {
    fail(t);
    return;
  }
  switch (type) {
  case TC_TRUE:
  case TC_FALSE: return;
  case TC_BYTE:
    if (t->p >= t->end) fail(t);
    else t->p++;
    return;
  case TC_I16:
  case TC_I32:
  case TC_I64: tc_varint(t); return;
  case TC_DOUBLE:
    if (t->end - t->p < 8) fail(t);
    else t->p += 8;
    return;
  case TC_BINARY: {
    size_t n;
    tc_binary(t, &n);
    return;
  }
  case TC_LIST:
  case TC_SET: {
    uint64_t n;
    int et = tc_list(t, &n);
    for (uint64_t i = 0; i < n && !t->failed; i++) {
      if (et == TC_TRUE || et == TC_FALSE) tc_skip(t, TC_BYTE, depth + 1); /* one byte each in lists */
      else tc_skip(t, et, depth + 1);
    }
    return;
  }
  case TC_MAP: {
    uint64_t n = tc_varint(t);
    if (n == 0) return;
    if (t->failed || n > (uint64_t)(t->end - t->p) || t->p >= t->end) {
      fail(t);
      return;
    }
    uint8_t kv = *t->p++;
    for (uint64_t i = 0; i < n && !t->failed; i++) {
      tc_skip(t, kv >> 4, depth + 1);
      tc_skip(t, kv & 0x0f, depth + 1);
    }
    return;
  }
  case TC_STRUCT: {
    int16_t last = 0, id;
    int ft;
    while ((ft = tc_field(t, &last, &id)) != TC_STOP) tc_skip(t, ft, depth + 1);
    return;
  }
  default: fail(t); return;
  }
}
