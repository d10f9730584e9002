/* window.c - read-ahead buffer for the table readers: see window.h. */
#include <stdlib.h>
#include <string.h>

#include "table/window.h"

#define CHUNK (1u << 20)

int whorl__window_init(whorl_window *w, whorl_read_fn read, void *ctx, size_t max_cap) {
  memset(w, 0, sizeof *w);
  w->read = read;
  w->ctx = ctx;
  w->max_cap = max_cap;
  w->cap = CHUNK < max_cap ? CHUNK : max_cap;
  w->buf = malloc(w->cap + WHORL_WINDOW_SLACK);
  return w->buf ? 0 : -1;
}

int whorl__window_fill(whorl_window *w) {
  if (w->eof) return 0;
  if (w->start > 0) {
    memmove(w->buf, w->buf + w->start, w->end - w->start);
    w->base += w->start;
    w->end -= w->start;
    w->start = 0;
  }
  if (w->end == w->cap) {
    size_t ncap = w->cap * 2 > w->max_cap ? w->max_cap : w->cap * 2;
    if (ncap <= w->cap) return 1;
    uint8_t *nb = realloc(w->buf, ncap + WHORL_WINDOW_SLACK);
    if (!nb) return -2;
    w->buf = nb;
    w->cap = ncap;
  }
  long long n = w->read(w->ctx, w->buf + w->end, w->cap - w->end);
  if (n < 0) return -1;
  if (n == 0) w->eof = 1;
  w->end += (size_t)n;
  return 0;
}

void whorl__window_free(whorl_window *w) {
  free(w->buf);
  w->buf = NULL;
}
