#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

int whorl_buf_grow(whorl_buf *b, size_t extra) {
  if (b->oom) return -1;
  if (b->len + extra + 1 <= b->cap) return 0;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < b->len + extra + 1) {
    if (cap > SIZE_MAX / 2) {
      b->oom = 1;
      return -1;
    }
    cap *= 2;
  }
  char *p = realloc(b->data, cap);
  if (!p) {
    b->oom = 1;
    return -1;
  }
  b->data = p;
  b->cap = cap;
  return 0;
}

void whorl_buf_puts(whorl_buf *b, const char *s) { whorl_buf_put(b, s, strlen(s)); }


void whorl_buf_printf(whorl_buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0 || whorl_buf_grow(b, (size_t)n)) return;
  va_start(ap, fmt);
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}

char *whorl_buf_detach(whorl_buf *b, size_t *len) {
  if (b->oom) {
    whorl_buf_free(b);
    return NULL;
  }
  if (!b->data && whorl_buf_grow(b, 0)) return NULL;
  if (b->len == 0) b->data[0] = 0;
  char *d = b->data;
  if (len) *len = b->len;
  b->data = NULL;
  b->len = b->cap = 0;
  return d;
}

void whorl_buf_free(whorl_buf *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
  b->oom = 0;
}

void *whorl__grow_array(void *items, size_t *cap, size_t n, size_t size) {
  if (n < *cap) return items;
  size_t c = *cap ? *cap * 2 : 16;
  if (c > SIZE_MAX / size) return NULL;
  void *p = realloc(items, c * size);
  if (p) *cap = c;
  return p;
}
