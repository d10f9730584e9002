/* anchors.c - content-defined anchor rows, to say where rows were inserted
 * or deleted (sketch.h). */
#include <stdlib.h>
#include <string.h>

#include "sketch/sketch.h"

void whorl__anchors_init(whorl_anchors *a) { memset(a, 0, sizeof *a); }

void whorl__anchors_free(whorl_anchors *a) {
  free(a->v);
  memset(a, 0, sizeof *a);
}

void whorl__anchors_reset(whorl_anchors *a) {
  a->n = 0;
  a->min_level = 0;
  a->oom = 0;
}

void whorl__anchors_coarsen(whorl_anchors *a, unsigned min_level) {
  if (min_level <= a->min_level) return;
  size_t k = 0;
  for (size_t i = 0; i < a->n; i++)
    if (a->v[i].level >= min_level) a->v[k++] = a->v[i];
  a->n = k;
  a->min_level = min_level;
}

/* L rises until at most WHORL_ANCHORS_MAX are left. */
static void fit(whorl_anchors *a) {
  while (a->n > WHORL_ANCHORS_MAX) whorl__anchors_coarsen(a, a->min_level + 1);
}

static int room(whorl_anchors *a, size_t more) {
  if (a->n + more <= a->cap) return 0;
  size_t nc = a->cap ? a->cap : 256;
  while (nc < a->n + more) nc *= 2;
  whorl_anchor *g = realloc(a->v, nc * sizeof *g);
  if (!g) {
    a->oom = 1;
    return -1;
  }
  a->v = g;
  a->cap = nc;
  return 0;
}

void whorl__anchors_push(whorl_anchors *a, uint64_t klo, uint64_t khi, uint64_t idx, int level) {
  (void)klo;
  if (room(a, 1)) return;
  a->v[a->n++] = (whorl_anchor){idx, (uint16_t)(khi >> 48), (uint8_t)(level > 255 ? 255 : level)};
  fit(a);
}

void whorl__anchors_absorb(whorl_anchors *a, const whorl_anchors *p, uint64_t off) {
  if (p->oom) a->oom = 1;
  unsigned L = a->min_level > p->min_level ? a->min_level : p->min_level;
  whorl__anchors_coarsen(a, L);
  if (room(a, p->n)) return;
  for (size_t i = 0; i < p->n; i++)
    if (p->v[i].level >= L) {
      a->v[a->n] = p->v[i];
      a->v[a->n++].idx += off;
    }
  fit(a);
}

void whorl__anchors_write(const whorl_anchors *a, whorl_buf *out) {
  whorl_buf v = WHORL_BUF_INIT;
  whorl__put_uvarint(&v, a->min_level);
  whorl__put_uvarint(&v, a->n);
  uint64_t prev = 0;
  for (size_t i = 0; i < a->n; i++) {
    whorl__put_uvarint(&v, a->v[i].idx - prev);
    prev = a->v[i].idx;
    whorl__put_uvarint(&v, a->v[i].level);
    whorl__put_uvarint(&v, a->v[i].tag);
  }
  whorl__base64((const uint8_t *)v.data, v.len, out);
  whorl_buf_free(&v);
}

int whorl__anchors_read(whorl_anchors *a, const char *text, size_t len) {
  whorl__anchors_init(a);
  whorl_buf v = WHORL_BUF_INIT;
  int rc = -1;
  if (!whorl__unbase64(text, len, &v)) {
    const uint8_t *p = (const uint8_t *)v.data, *end = p + v.len;
    uint64_t L, n, prev = 0;
    if (!whorl__get_uvarint(&p, end, &L) && L <= 64 && !whorl__get_uvarint(&p, end, &n) && n <= WHORL_ANCHORS_MAX &&
        !room(a, n ? n : 1)) {
      a->min_level = (unsigned)L;
      rc = 0;
      for (uint64_t i = 0; i < n && !rc; i++) {
        uint64_t gap, lv, tag;
        if (whorl__get_uvarint(&p, end, &gap) || whorl__get_uvarint(&p, end, &lv) || whorl__get_uvarint(&p, end, &tag) ||
            lv > 60 || lv < L || tag > 0xffff || (i && !gap) || gap > UINT64_MAX - prev) {
          rc = -1;
          break;
        }
        prev += gap;
        a->v[a->n++] = (whorl_anchor){prev, (uint16_t)tag, (uint8_t)lv};
      }
      if (!rc && p != end) rc = -1;
    }
  }
  whorl_buf_free(&v);
  if (rc) whorl__anchors_free(a);
  return rc;
}
