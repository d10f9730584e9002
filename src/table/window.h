/* window.h - the read-ahead buffer shared by the table readers: bytes from
 * a reader callback, consumed from `start`, refilled by moving what is left
 * to the front and growing geometrically up to a cap (memory stays bounded;
 * a record that does not fit is the caller's "too long" error). */
#ifndef WHORL_TABLE_WINDOW_H
#define WHORL_TABLE_WINDOW_H

#include <stddef.h>
#include <stdint.h>

#define WHORL_WINDOW_SLACK 64

typedef long long (*whorl_read_fn)(void *ctx, uint8_t *buf, size_t cap);

typedef struct whorl_window {
  whorl_read_fn read;
  void *ctx;
  uint8_t *buf;  /* WHORL_WINDOW_SLACK spare bytes past cap: readable (not
                    meaningful) past the data, for vector loads */
  size_t cap, max_cap;
  size_t start, end; /* unconsumed bytes: buf[start..end) */
  int eof;
  uint64_t base; /* input offset of buf[0] */
} whorl_window;

/* 0, or -1 when out of memory. The first buffer is min(1 MiB, max_cap). */
int whorl__window_init(whorl_window *w, whorl_read_fn read, void *ctx, size_t max_cap);
/* Reads more: 0 (possibly at end: w->eof), 1 when the buffer is full at
 * max_cap with nothing consumed (the pending record is too long), -1 on a
 * read error (errno set) or -2 when out of memory. */
int whorl__window_fill(whorl_window *w);
void whorl__window_free(whorl_window *w);

#endif
