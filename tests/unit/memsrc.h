/* memsrc.h - an in-memory byte source for the table readers' tests and fuzz
 * targets: hands out at most `piece` bytes per read, so every buffer edge
 * of a reader gets exercised. */
#ifndef WHORL_TEST_MEMSRC_H
#define WHORL_TEST_MEMSRC_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct memsrc {
  const uint8_t *data;
  size_t len, pos, piece;
} memsrc;

static inline long long memsrc_read(void *ctx, uint8_t *buf, size_t cap) {
  memsrc *s = ctx;
  size_t n = s->len - s->pos;
  if (n > cap) n = cap;
  if (n > s->piece) n = s->piece;
  memcpy(buf, s->data + s->pos, n);
  s->pos += n;
  return (long long)n;
}

#endif
