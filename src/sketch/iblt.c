/* iblt.c - invertible Bloom lookup tables of (row hash, row index) for
 * row-level diffs (sketch.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sketch/sketch.h"

static inline uint64_t mix(uint64_t x) { /* splitmix64's finalizer */
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}

static inline uint64_t check_of(uint64_t klo, uint64_t khi) { return mix(klo ^ mix(khi + 0x9e3779b97f4a7c15ull)); }

/* cell j (0..K-1) of a key: the table is K subtables of q = m/K cells (q a
 * power of two); the key takes one cell in each */
static inline uint32_t cell_of(uint64_t klo, uint64_t khi, int j, uint32_t m) {
  uint32_t q = m / WHORL_IBLT_K;
  uint64_t h = mix(khi ^ (0x51ed270b27b5d3a1ull * (uint64_t)(j + 1))) ^ klo;
  return (uint32_t)j * q + (uint32_t)(mix(h) & (q - 1));
}

int whorl__iblt_valid_size(uint64_t m) {
  if (m % WHORL_IBLT_K) return 0;
  uint64_t q = m / WHORL_IBLT_K;
  return q >= 2 && q <= (1u << 20) && !(q & (q - 1));
}

int whorl__iblt_init(whorl_iblt *t, uint32_t m) {
  t->m = m;
  t->has_v = 0;
  t->c = calloc(m, sizeof *t->c);
  return t->c ? 0 : -1;
}

void whorl__iblt_free(whorl_iblt *t) {
  free(t->c);
  t->c = NULL;
  t->m = 0;
}

/* Cells hold sums (mod 2^64), not XORs: n copies of one row add up to n
 * times its key, so repeated rows peel too (see whorl__iblt_diff). */
static inline void cell_put(whorl_icell *c, int64_t n, uint64_t klo, uint64_t khi, uint64_t idx, uint64_t chk) {
  uint64_t un = (uint64_t)n;
  c->count += n;
  c->klo += un * klo;
  c->khi += un * khi;
  c->idx += un * idx;
  c->chk += un * chk;
}

uint32_t whorl__iblt_cell(uint64_t klo, uint64_t khi, int j, uint32_t m) { return cell_of(klo, khi, j, m); }

void whorl__ikey(whorl_ikey *k, uint64_t klo, uint64_t khi) {
  k->lo = klo;
  k->hi = khi;
  k->chk = check_of(klo, khi);
  for (int j = 0; j < WHORL_IBLT_K; j++) k->h[j] = mix(mix(khi ^ (0x51ed270b27b5d3a1ull * (uint64_t)(j + 1))) ^ klo);
}

void whorl__iblt_add_k(whorl_iblt *t, const whorl_ikey *k, uint64_t idx) {
  for (int j = 0; j < WHORL_IBLT_K; j++) cell_put(&t->c[whorl__ikey_cell(k, j, t->m)], 1, k->lo, k->hi, idx, k->chk);
}

void whorl__iblt_addv_k(whorl_iblt *t, const whorl_ikey *k, uint64_t idx, uint64_t v) {
  uint64_t vw = v * whorl__iblt_vweight(k->lo, k->hi);
  for (int j = 0; j < WHORL_IBLT_K; j++) {
    whorl_icell *c = &t->c[whorl__ikey_cell(k, j, t->m)];
    cell_put(c, 1, k->lo, k->hi, idx, k->chk);
    c->v += v;
    c->vw += vw;
  }
}

void whorl__iblt_add(whorl_iblt *t, uint64_t klo, uint64_t khi, uint64_t idx) {
  uint64_t chk = check_of(klo, khi);
  for (int j = 0; j < WHORL_IBLT_K; j++) cell_put(&t->c[cell_of(klo, khi, j, t->m)], 1, klo, khi, idx, chk);
}

void whorl__iblt_addv(whorl_iblt *t, uint64_t klo, uint64_t khi, uint64_t idx, uint64_t v) {
  uint64_t chk = check_of(klo, khi), vw = v * whorl__iblt_vweight(klo, khi);
  for (int j = 0; j < WHORL_IBLT_K; j++) {
    whorl_icell *c = &t->c[cell_of(klo, khi, j, t->m)];
    cell_put(c, 1, klo, khi, idx, chk);
    c->v += v;
    c->vw += vw;
  }
}

void whorl__iblt_shiftv(whorl_iblt *t, uint64_t klo, uint64_t khi, uint64_t dv) {
  uint64_t dw = dv * whorl__iblt_vweight(klo, khi);
  for (int j = 0; j < WHORL_IBLT_K; j++) {
    whorl_icell *c = &t->c[cell_of(klo, khi, j, t->m)];
    c->v += dv;
    c->vw += dw;
  }
}

void whorl__iblt_absorb(whorl_iblt *t, const whorl_iblt *o, uint64_t off) {
  for (uint32_t i = 0; i < t->m && i < o->m; i++) {
    whorl_icell *c = &t->c[i];
    const whorl_icell *d = &o->c[i];
    c->count += d->count;
    c->klo += d->klo;
    c->khi += d->khi;
    c->idx += d->idx + (uint64_t)d->count * off;
    c->chk += d->chk;
    c->v += d->v;
    c->vw += d->vw;
  }
}

/* Folding keeps each key's cells: cell_of(m/2) of subtable j is cell_of(m)
 * of subtable j with the top bit of the in-subtable position dropped. */
void whorl__iblt_fold(whorl_iblt *t, uint32_t m) {
  while (t->m > m && t->m >= 2 * WHORL_IBLT_K) {
    uint32_t q = t->m / WHORL_IBLT_K, h = q / 2;
    whorl_icell *n = calloc(t->m / 2, sizeof *n);
    if (!n) return;
    for (uint32_t j = 0; j < WHORL_IBLT_K; j++)
      for (uint32_t i = 0; i < q; i++) {
        const whorl_icell *c = &t->c[j * q + i];
        whorl_icell *d = &n[j * h + (i & (h - 1))];
        d->count += c->count;
        d->klo += c->klo;
        d->khi += c->khi;
        d->idx += c->idx;
        d->chk += c->chk;
        d->v += c->v;
        d->vw += c->vw;
      }
    free(t->c);
    t->c = n;
    t->m /= 2;
  }
}

static int push(whorl_ielem **v, size_t *n, size_t *cap, uint64_t klo, uint64_t khi, uint64_t idx, uint64_t mult) {
  if (*n == *cap) {
    size_t nc = *cap ? *cap * 2 : 64;
    whorl_ielem *g = realloc(*v, nc * sizeof *g);
    if (!g) return -1;
    *v = g;
    *cap = nc;
  }
  (*v)[(*n)++] = (whorl_ielem){klo, khi, idx, mult, 0, 0};
  return 0;
}

int whorl__iblt_diff(const whorl_iblt *a, const whorl_iblt *b, whorl_ielem **added, size_t *nadded, whorl_ielem **removed,
                     size_t *nremoved) {
  *added = *removed = NULL;
  *nadded = *nremoved = 0;
  uint32_t m = a->m < b->m ? a->m : b->m;
  whorl_iblt x, y;
  if (whorl__iblt_init(&x, a->m) || whorl__iblt_init(&y, b->m)) {
    whorl__iblt_free(&x);
    return -1;
  }
  memcpy(x.c, a->c, a->m * sizeof *x.c);
  memcpy(y.c, b->c, b->m * sizeof *y.c);
  whorl__iblt_fold(&x, m);
  whorl__iblt_fold(&y, m);
  /* d = y - x */
  for (uint32_t i = 0; i < m; i++) {
    whorl_icell *c = &y.c[i];
    const whorl_icell *o = &x.c[i];
    c->count -= o->count;
    c->klo -= o->klo;
    c->khi -= o->khi;
    c->idx -= o->idx;
    c->chk -= o->chk;
  }
  size_t capa = 0, capr = 0, peels = 0;
  int progress = 1, rc = 0;
  /* a table from an honest document peels each element once; a hostile one
   * could keep making cells look pure: bounded */
  while (progress && !rc) {
    if (peels > 8 * (size_t)m) {
      rc = -1;
      break;
    }
    progress = 0;
    for (uint32_t i = 0; i < m && !rc; i++) {
      whorl_icell *c = &y.c[i];
      int64_t n = c->count;
      if (!n) continue;
      /* c copies of one key: key * c = sums (mod 2^64); an even c leaves
       * the top ctz(c) bits open: try them (c up to a multiple of 64) */
      uint64_t cu = (uint64_t)n;
      int t = __builtin_ctzll(cu);
      if (t > 6 || (t && ((c->klo | c->khi | c->chk) & ((1ull << t) - 1)))) continue;
      uint64_t inv = cu >> t;
      for (int r = 0; r < 5; r++) inv *= 2 - (cu >> t) * inv; /* the odd part's inverse mod 2^64 */
      uint64_t lo0 = (c->klo >> t) * inv, hi0 = (c->khi >> t) * inv;
      if (t) {
        lo0 &= ~0ull >> t;
        hi0 &= ~0ull >> t;
      }
      int found = 0;
      uint64_t klo = 0, khi = 0;
      for (uint64_t a = 0; a < (1ull << t) && !found; a++)
        for (uint64_t b = 0; b < (1ull << t) && !found; b++) {
          uint64_t kl = lo0 | (t ? a << (64 - t) : 0), kh = hi0 | (t ? b << (64 - t) : 0);
          if (cu * kl != c->klo || cu * kh != c->khi || cu * check_of(kl, kh) != c->chk) continue;
          int mine = 0;
          for (int j = 0; j < WHORL_IBLT_K; j++) mine |= cell_of(kl, kh, j, m) == i;
          if (mine) found = 1, klo = kl, khi = kh;
        }
      if (!found) continue;
      uint64_t mult = n > 0 ? (uint64_t)n : (uint64_t)(-n);
      /* one copy: its index; several: the sum of theirs */
      uint64_t idx = n > 0 ? c->idx : (uint64_t)0 - c->idx;
      if (n > 0 ? push(added, nadded, &capa, klo, khi, idx, mult) : push(removed, nremoved, &capr, klo, khi, idx, mult)) {
        rc = -1;
        break;
      }
      /* take the copies out of all their cells (the index sum with them) */
      uint64_t chk = check_of(klo, khi);
      for (int j = 0; j < WHORL_IBLT_K; j++) {
        whorl_icell *d = &y.c[cell_of(klo, khi, j, m)];
        d->count -= n;
        d->klo -= cu * klo;
        d->khi -= cu * khi;
        d->chk -= cu * chk;
      }
      uint64_t isum = c->idx;
      for (int j = 0; j < WHORL_IBLT_K; j++) y.c[cell_of(klo, khi, j, m)].idx -= isum;
      progress = 1;
      peels++;
    }
  }
  for (uint32_t i = 0; i < m && !rc; i++)
    if (y.c[i].count || y.c[i].klo || y.c[i].khi || y.c[i].chk) rc = -1;
  /* rows that moved (inserted or deleted rows before them) leave their
   * index shifts behind: then the decoded indices are not positions */
  for (uint32_t i = 0; i < m && !rc; i++)
    if (y.c[i].idx) rc = 1;
  whorl__iblt_free(&x);
  whorl__iblt_free(&y);
  return rc;
}

void whorl__iblt_positions(const whorl_iblt *a, const whorl_iblt *b, whorl_ielem *added, size_t nadded, whorl_ielem *removed,
                           size_t nremoved) {
  for (size_t i = 0; i < nadded; i++) added[i].v_ok = 0;
  for (size_t i = 0; i < nremoved; i++) removed[i].v_ok = 0;
  if (!a->has_v || !b->has_v) return;
  uint32_t m = a->m < b->m ? a->m : b->m;
  whorl_iblt x, y;
  if (whorl__iblt_init(&x, a->m) || whorl__iblt_init(&y, b->m)) {
    whorl__iblt_free(&x);
    return;
  }
  memcpy(x.c, a->c, a->m * sizeof *x.c);
  memcpy(y.c, b->c, b->m * sizeof *y.c);
  whorl__iblt_fold(&x, m);
  whorl__iblt_fold(&y, m);
  size_t n = nadded + nremoved;
  /* per cell: how many decoded rows are still unknown there */
  uint32_t *open = calloc(m, sizeof *open);
  if (!open) goto done;
  for (uint32_t i = 0; i < m; i++) y.c[i].v -= x.c[i].v, y.c[i].vw -= x.c[i].vw;
  for (size_t e = 0; e < n; e++) {
    const whorl_ielem *el = e < nadded ? &added[e] : &removed[e - nadded];
    for (int j = 0; j < WHORL_IBLT_K; j++) open[cell_of(el->klo, el->khi, j, m)]++;
  }
  /* a cell holding one unknown row (all others known): its v, if the check
   * sum agrees; repeated rows (several copies) stay unknown */
  for (int progress = 1; progress;) {
    progress = 0;
    for (size_t e = 0; e < n; e++) {
      whorl_ielem *el = e < nadded ? &added[e] : &removed[e - nadded];
      if (el->v_ok || el->mult != 1) continue;
      uint64_t w = whorl__iblt_vweight(el->klo, el->khi);
      for (int j = 0; j < WHORL_IBLT_K && !el->v_ok; j++) {
        whorl_icell *c = &y.c[cell_of(el->klo, el->khi, j, m)];
        if (open[c - y.c] != 1) continue;
        uint64_t v = e < nadded ? c->v : (uint64_t)0 - c->v;
        uint64_t vw = e < nadded ? c->vw : (uint64_t)0 - c->vw;
        if (v * w != vw) continue; /* rows that moved within their anchor's stretch */
        el->v = v, el->v_ok = 1, progress = 1;
        uint64_t sv = e < nadded ? v : (uint64_t)0 - v, sw = sv * w;
        for (int k = 0; k < WHORL_IBLT_K; k++) {
          whorl_icell *d = &y.c[cell_of(el->klo, el->khi, k, m)];
          d->v -= sv, d->vw -= sw;
          open[d - y.c]--;
        }
      }
    }
  }
done:
  free(open);
  whorl__iblt_free(&x);
  whorl__iblt_free(&y);
}

static int cell_empty(const whorl_icell *c, int with_v) {
  return !c->count && !c->klo && !c->khi && !c->idx && !c->chk && (!with_v || (!c->v && !c->vw));
}

void whorl__iblt_write(const whorl_iblt *t, whorl_buf *out) {
  whorl_buf v = WHORL_BUF_INIT;
  whorl__put_uvarint(&v, t->m);
  whorl__put_uvarint(&v, t->has_v ? 1 : 0); /* fields: 1 = with the positional sums */
  for (uint32_t i = 0; i < t->m; i++) {
    const whorl_icell *c = &t->c[i];
    if (cell_empty(c, t->has_v)) {
      uint32_t run = 1; /* a run of empty cells: 0, its length */
      while (i + run < t->m && cell_empty(&t->c[i + run], t->has_v)) run++;
      whorl_buf_putc(&v, 0);
      whorl__put_uvarint(&v, run);
      i += run - 1;
      continue;
    }
    uint8_t b[32];
    for (int k = 0; k < 8; k++) {
      b[k] = (uint8_t)(c->klo >> (8 * k)), b[8 + k] = (uint8_t)(c->khi >> (8 * k));
      b[16 + k] = (uint8_t)(c->idx >> (8 * k)), b[24 + k] = (uint8_t)(c->chk >> (8 * k));
    }
    whorl_buf_putc(&v, 1);
    whorl__put_svarint(&v, c->count);
    whorl_buf_put(&v, b, 32);
    if (t->has_v) {
      for (int k = 0; k < 8; k++) b[k] = (uint8_t)(c->v >> (8 * k)), b[8 + k] = (uint8_t)(c->vw >> (8 * k));
      whorl_buf_put(&v, b, 16);
    }
  }
  whorl__base64((const uint8_t *)v.data, v.len, out);
  whorl_buf_free(&v);
}

int whorl__iblt_read(whorl_iblt *t, const char *text, size_t len) {
  whorl_buf v = WHORL_BUF_INIT;
  int rc = -1;
  memset(t, 0, sizeof *t);
  if (!whorl__unbase64(text, len, &v)) {
    const uint8_t *p = (const uint8_t *)v.data, *end = p + v.len;
    uint64_t m, fields;
    if (!whorl__get_uvarint(&p, end, &m) && whorl__iblt_valid_size(m) && !whorl__get_uvarint(&p, end, &fields) && fields <= 1 &&
        !whorl__iblt_init(t, (uint32_t)m)) {
      t->has_v = (int)fields;
      rc = 0;
      for (uint32_t i = 0; i < m && !rc; i++) {
        if (p >= end || *p > 1) {
          rc = -1;
          break;
        }
        if (*p++ == 0) {
          uint64_t run;
          if (whorl__get_uvarint(&p, end, &run) || run < 1 || run > m - i) rc = -1;
          else i += (uint32_t)run - 1;
          continue;
        }
        int64_t cnt;
        size_t nw = t->has_v ? 6 : 4;
        if (whorl__get_svarint(&p, end, &cnt) || (size_t)(end - p) < 8 * nw) {
          rc = -1;
          break;
        }
        uint64_t w[6] = {0, 0, 0, 0, 0, 0};
        for (size_t q = 0; q < nw; q++)
          for (int k = 7; k >= 0; k--) w[q] = w[q] << 8 | p[8 * q + k];
        t->c[i] = (whorl_icell){cnt, w[0], w[1], w[2], w[3], w[4], w[5]};
        p += 8 * nw;
      }
      if (!rc && p != end) rc = -1;
      if (rc) whorl__iblt_free(t);
    }
  }
  whorl_buf_free(&v);
  return rc;
}

void whorl__lead_write(const int64_t *cnt, const uint64_t *w, uint32_t m, whorl_buf *out) {
  whorl_buf v = WHORL_BUF_INIT;
  uint64_t n = 0;
  for (uint32_t i = 0; i < m; i++) n += cnt[i] || w[i];
  whorl__put_uvarint(&v, n);
  uint32_t prev = 0;
  for (uint32_t i = 0; i < m; i++) {
    if (!cnt[i] && !w[i]) continue;
    whorl__put_uvarint(&v, i - prev);
    prev = i;
    whorl__put_uvarint(&v, (uint64_t)cnt[i]);
    uint8_t b[8];
    for (int k = 0; k < 8; k++) b[k] = (uint8_t)(w[i] >> (8 * k));
    whorl_buf_put(&v, b, 8);
  }
  whorl__base64((const uint8_t *)v.data, v.len, out);
  whorl_buf_free(&v);
}

int whorl__lead_read(const char *text, size_t len, int64_t *cnt, uint64_t *w, uint32_t m) {
  memset(cnt, 0, m * sizeof *cnt);
  memset(w, 0, m * sizeof *w);
  whorl_buf v = WHORL_BUF_INIT;
  int rc = -1;
  if (!whorl__unbase64(text, len, &v)) {
    const uint8_t *p = (const uint8_t *)v.data, *end = p + v.len;
    uint64_t n, at = 0;
    if (!whorl__get_uvarint(&p, end, &n) && n <= m) {
      rc = 0;
      for (uint64_t k = 0; k < n && !rc; k++) {
        uint64_t gap, c;
        if (whorl__get_uvarint(&p, end, &gap) || whorl__get_uvarint(&p, end, &c) || end - p < 8 || (k && !gap) || gap >= m - at ||
            c > INT64_MAX) {
          rc = -1;
          break;
        }
        at += gap;
        uint64_t x = 0;
        for (int b = 7; b >= 0; b--) x = x << 8 | p[b];
        p += 8;
        cnt[at] = (int64_t)c;
        w[at] = x;
      }
      if (!rc && p != end) rc = -1;
    }
  }
  whorl_buf_free(&v);
  return rc;
}
