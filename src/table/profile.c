/* profile.c - per-column profiles: see profile.h and docs/profile.md. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fp/fp_int.h" /* whorl__json_set_bytes, whorl__display_bytes, whorl__hex_bytes */
#include "table/profile.h"
#include "table/value.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

static const double P10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                               1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

int whorl__canon_number(const uint8_t *p, size_t len, uint64_t *m, int32_t *e, int *neg, double *x) {
  if (len < 2 || p[0] != 'D') return -1;
  size_t i = 1;
  *neg = 0;
  if (p[i] == '-') *neg = 1, i++;
  uint64_t mm = 0;
  int sig = 0;
  int32_t ee = 0;
  int exact = 1, seen = 0;
  for (; i < len && p[i] >= '0' && p[i] <= '9'; i++) {
    seen = 1;
    if (sig < 19) {
      mm = mm * 10 + (uint64_t)(p[i] - '0');
      if (mm) sig++;
    } else {
      ee++;
      exact = 0;
    }
  }
  if (i < len && p[i] == '.') {
    for (i++; i < len && p[i] >= '0' && p[i] <= '9'; i++) {
      seen = 1;
      if (sig < 19) {
        mm = mm * 10 + (uint64_t)(p[i] - '0');
        if (mm) sig++;
        ee--;
      } else {
        exact = 0;
      }
    }
  }
  if (!seen) return -1;
  if (i < len && (p[i] == 'e' || p[i] == 'E')) {
    i++;
    int en = 0;
    if (i < len && (p[i] == '+' || p[i] == '-')) en = p[i] == '-', i++;
    int32_t v = 0;
    size_t st = i;
    for (; i < len && p[i] >= '0' && p[i] <= '9'; i++)
      if (v < 100000) v = v * 10 + (p[i] - '0');
    if (i == st) return -1;
    ee += en ? -v : v;
  }
  if (i != len) return -1;
  *m = mm;
  *e = ee;
  if (exact && mm < (1ull << 53) && ee >= -22 && ee <= 22) {
    double d = (double)mm;
    d = ee >= 0 ? d * P10[ee] : d / P10[-ee];
    *x = *neg ? -d : d;
  } else {
    char t[512];
    size_t n = len - 1 < sizeof t - 1 ? len - 1 : sizeof t - 1;
    memcpy(t, p + 1, n);
    t[n] = 0;
    *x = strtod(t, NULL);
  }
  if (!mm) *neg = 0;
  return 0;
}

/* Seconds since 1970 of a canonical timestamp 'T' day 'T' hh:mm:ss[.f][Z]
 * or a date "S"YYYY-MM-DD: integer seconds, fraction digits and the count
 * of those digits (at most 9 kept). Returns -1 when it is neither. */
static int canon_seconds(const uint8_t *p, size_t len, int64_t *sec, uint64_t *frac, int *nfrac) {
  size_t i = 1;
  int neg = 0;
  if (i < len && (p[i] == '+' || p[i] == '-')) neg = p[i] == '-', i++;
  int64_t y = 0;
  size_t st = i;
  while (i < len && p[i] >= '0' && p[i] <= '9' && i - st < 9) y = y * 10 + (p[i++] - '0');
  if (i - st < 4 || i + 6 > len || p[i] != '-' || p[i + 3] != '-') return -1;
  int mo = (p[i + 1] - '0') * 10 + (p[i + 2] - '0'), d = (p[i + 4] - '0') * 10 + (p[i + 5] - '0');
  i += 6;
  if (neg) y = -y;
  int64_t days = whorl__days_from_civil(y, mo, d);
  *frac = 0;
  *nfrac = 0;
  if (p[0] == 'S') {
    if (i != len) return -1;
    *sec = days * 86400;
    return 0;
  }
  if (i + 9 > len || p[i] != 'T') return -1;
  const uint8_t *t = p + i + 1;
  int hh = (t[0] - '0') * 10 + (t[1] - '0'), mi = (t[3] - '0') * 10 + (t[4] - '0'), ss = (t[6] - '0') * 10 + (t[7] - '0');
  i += 9;
  if (i < len && p[i] == '.') {
    for (i++; i < len && p[i] >= '0' && p[i] <= '9'; i++)
      if (*nfrac < 9) *frac = *frac * 10 + (uint64_t)(p[i] - '0'), (*nfrac)++;
  }
  if (i < len && p[i] == 'Z') i++;
  if (i != len) return -1;
  *sec = days * 86400 + hh * 3600 + mi * 60 + ss;
  return 0;
}

/* ---- numeric domains ---------------------------------------------------------- */

static whorl_pnum *pnum_new(void) {
  whorl_pnum *n = calloc(1, sizeof *n);
  return n;
}

static void pnum_free(whorl_pnum *n) {
  if (!n) return;
  whorl__xsum_free(&n->s1);
  whorl__xsum_free(&n->s2);
  whorl__dd_free(&n->dd);
  whorl__uh_free(&n->uh);
  free(n);
}

/* sign(a - b) of two exact decimals; 2 when it cannot tell (exponents too
 * far apart to align in 128 bits: such values never tie as doubles in
 * practice) */
static int dec_cmp(int an, uint64_t am, int32_t ae, int bn, uint64_t bm, int32_t be) {
  if (!am) an = 0;
  if (!bm) bn = 0;
  if (an != bn) return an ? -1 : 1;
  if (!am || !bm) return am ? (an ? -1 : 1) : bm ? (bn ? 1 : -1) : 0;
  unsigned __int128 x = am, y = bm;
  int32_t d = ae - be;
  if (d > 19 || d < -19) return 2;
  for (; d > 0; d--) x *= 10;
  for (; d < 0; d++) y *= 10;
  int c = x < y ? -1 : x > y;
  return an ? -c : c;
}

void whorl__pnum_tie(whorl_pnum *n, int is_max, int32_t e, uint64_t m, int neg) {
  if (is_max) {
    if (!n->max_ok || (n->max_m == m && n->max_e == e && n->max_neg == (neg != 0))) return;
    int c = dec_cmp(neg != 0, m, e, n->max_neg, n->max_m, n->max_e);
    if (c == 2) n->max_ok = 0;
    else if (c > 0) n->max_m = m, n->max_e = e, n->max_neg = (uint8_t)(neg != 0);
  } else {
    if (!n->min_ok || (n->min_m == m && n->min_e == e && n->min_neg == (neg != 0))) return;
    int c = dec_cmp(neg != 0, m, e, n->min_neg, n->min_m, n->min_e);
    if (c == 2) n->min_ok = 0;
    else if (c < 0) n->min_m = m, n->min_e = e, n->min_neg = (uint8_t)(neg != 0);
  }
}

static void pnum_merge(whorl_pnum *n, const whorl_pnum *o) {
  if (!o->n) return;
  if (!n->n) {
    n->min = o->min, n->max = o->max;
    n->min_m = o->min_m, n->min_e = o->min_e, n->min_neg = o->min_neg, n->min_ok = o->min_ok;
    n->max_m = o->max_m, n->max_e = o->max_e, n->max_neg = o->max_neg, n->max_ok = o->max_ok;
  } else {
    if (o->min < n->min) {
      n->min = o->min, n->min_m = o->min_m, n->min_e = o->min_e, n->min_neg = o->min_neg, n->min_ok = o->min_ok;
    } else if (o->min == n->min) {
      if (!o->min_ok) n->min_ok = 0;
      else whorl__pnum_tie(n, 0, o->min_e, o->min_m, o->min_neg);
    }
    if (o->max > n->max) {
      n->max = o->max, n->max_m = o->max_m, n->max_e = o->max_e, n->max_neg = o->max_neg, n->max_ok = o->max_ok;
    } else if (o->max == n->max) {
      if (!o->max_ok) n->max_ok = 0;
      else whorl__pnum_tie(n, 1, o->max_e, o->max_m, o->max_neg);
    }
  }
  n->n += o->n;
  whorl__xsum_merge(&n->s1, &o->s1);
  whorl__xsum_merge(&n->s2, &o->s2);
  whorl__dd_merge(&n->dd, &o->dd);
  whorl__uh_merge(&n->uh, &o->uh);
}

/* ---- exact frequencies ------------------------------------------------------------ */

static void fmap_free(whorl_fmap *f) {
  if (!f) return;
  free(f->slot);
  whorl_buf_free(&f->arena);
  free(f);
}

static int fmap_grow(whorl_fmap *f) {
  size_t nn = f->nslots ? f->nslots * 2 : 32;
  whorl_fent *s = calloc(nn, sizeof *s);
  if (!s) return -1;
  for (size_t i = 0; i < f->nslots; i++) {
    whorl_fent *e = &f->slot[i];
    if (!e->count) continue;
    size_t k = (size_t)e->hlo & (nn - 1);
    while (s[k].count) k = (k + 1) & (nn - 1);
    s[k] = *e;
  }
  free(f->slot);
  f->slot = s;
  f->nslots = nn;
  return 0;
}

static int utf8_ok(const uint8_t *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    uint8_t c = s[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    size_t k = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
    if (!k || i + k > n) return 0;
    for (size_t j = 1; j < k; j++)
      if ((s[i + j] & 0xc0) != 0x80) return 0;
    if (k == 3 && ((c == 0xe0 && s[i + 1] < 0xa0) || (c == 0xed && s[i + 1] >= 0xa0))) return 0;
    if (k == 4 && ((c == 0xf0 && s[i + 1] < 0x90) || (c == 0xf4 && s[i + 1] >= 0x90))) return 0;
    i += k;
  }
  return 1;
}

static void value_stats(whorl_pcol *c, int type, const uint8_t *p, size_t len, uint64_t times);
static int hll_on(whorl_pcol *c) {
  if (!c->hll && !(c->hll = calloc(1, sizeof *c->hll))) {
    c->oom = 1;
    return -1;
  }
  return 0;
}

/* The statistics of the counted pairs, into c (the map stays). */
static void replay(whorl_pcol *c, const whorl_fmap *f) {
  if (!f || hll_on(c)) return;
  for (size_t i = 0; i < f->nslots; i++) {
    const whorl_fent *e = &f->slot[i];
    if (!e->count) continue;
    whorl__hll_add(c->hll, e->hhi);
    if (e->len) value_stats(c, e->type, (const uint8_t *)f->arena.data + e->off, e->len, e->count);
  }
}

/* Ends exact counting: the pairs go into the statistics. */
static void freq_end(whorl_pcol *c) {
  if (c->freq_over) return;
  replay(c, c->freq);
  fmap_free(c->freq);
  c->freq = NULL;
  c->freq_over = 1;
}

/* Counts n occurrences of a value; ends exact counting (over) when there
 * are too many distinct values or a value that cannot be shown. Returns 1
 * when it did, so the caller takes the cell into the statistics itself. */
static int freq_add(whorl_pcol *c, int type, const uint8_t *p, size_t len, uint64_t hlo, uint64_t hhi, uint64_t n) {
  whorl_fmap *f = c->freq;
  if (!f) {
    f = c->freq = calloc(1, sizeof *f);
    if (!f || fmap_grow(f)) {
      c->oom = 1;
      return 0;
    }
  }
  size_t mask = f->nslots - 1, k = (size_t)hlo & mask;
  for (;;) {
    whorl_fent *e = &f->slot[k];
    if (!e->count) break;
    if (e->hlo == hlo && e->hhi == hhi) {
      e->count += n;
      return 0;
    }
    k = (k + 1) & mask;
  }
  if (f->n + 1 > WHORL_FREQ_CAP || len > WHORL_FREQ_MAXLEN || (len && p[0] == 'S' && !utf8_ok(p + 1, len - 1))) {
    freq_end(c);
    return 1;
  }
  whorl_fent e = {hlo, hhi, n, (uint32_t)f->arena.len, (uint32_t)len, (uint8_t)type};
  whorl_buf_put(&f->arena, p, len);
  if (f->arena.oom) c->oom = 1;
  f->slot[k] = e;
  f->n++;
  if (f->n * 2 > f->nslots && fmap_grow(f)) c->oom = 1;
  return 0;
}

/* ---- columns ------------------------------------------------------------------------ */

void whorl__pcol_init(whorl_pcol *c) { memset(c, 0, sizeof *c); }

void whorl__pcol_free(whorl_pcol *c) {
  pnum_free(c->num);
  pnum_free(c->tim);
  whorl_buf_free(&c->smin);
  whorl_buf_free(&c->smax);
  free(c->hll);
  fmap_free(c->freq);
  memset(c, 0, sizeof *c);
}

static int cmp_trunc(const uint8_t *a, size_t an, const uint8_t *b, size_t bn) {
  if (an > WHORL_STR_KEEP) an = WHORL_STR_KEEP;
  if (bn > WHORL_STR_KEEP) bn = WHORL_STR_KEEP;
  size_t n = an < bn ? an : bn;
  int r = memcmp(a, b, n);
  if (r) return r;
  return an < bn ? -1 : an > bn;
}

static void set_trunc(whorl_buf *b, const uint8_t *s, size_t n) {
  b->len = 0;
  whorl_buf_put(b, s, n > WHORL_STR_KEEP ? WHORL_STR_KEEP : n);
}

static void str_minmax(whorl_pcol *c, const uint8_t *s, size_t n) {
  /* most strings start strictly between the two ends: no comparison */
  if (c->shave && n && c->smin.len && c->smax.len && s[0] > (uint8_t)c->smin.data[0] && s[0] < (uint8_t)c->smax.data[0])
    return;
  if (!c->shave) {
    set_trunc(&c->smin, s, n);
    set_trunc(&c->smax, s, n);
    c->shave = 1;
    return;
  }
  if (cmp_trunc(s, n, (const uint8_t *)c->smin.data, c->smin.len) < 0) set_trunc(&c->smin, s, n);
  if (cmp_trunc(s, n, (const uint8_t *)c->smax.data, c->smax.len) > 0) set_trunc(&c->smax, s, n);
}

static void value_stats(whorl_pcol *c, int type, const uint8_t *p, size_t len, uint64_t times) {
  switch (p[0]) {
  case 'D': {
    uint64_t m;
    int32_t e;
    int neg;
    double x;
    if (whorl__canon_number(p, len, &m, &e, &neg, &x) || !isfinite(x)) return;
    if (!c->num && !(c->num = pnum_new())) {
      c->oom = 1;
      return;
    }
    whorl__pnum_add(c->num, x, e, m, neg, 1, times);
    size_t digits = 0;
    for (size_t i = 1; i < len; i++) digits += p[i] >= '0' && p[i] <= '9';
    if (digits > 19) { /* m holds its first 19 digits: not this value exactly */
      if (x == c->num->min) c->num->min_ok = 0;
      if (x == c->num->max) c->num->max_ok = 0;
    }
    return;
  }
  case 'F':
    if (len == 2 && p[1] == 'N') c->nan += times;
    else if (len == 2 && p[1] == '+') c->pinf += times;
    else if (len == 2 && p[1] == '-') c->ninf += times;
    return;
  case 'S':
    if (type == WHORL_T_STRING) {
      uint64_t l = len - 1;
      if (!c->slen_n) c->slen_min = c->slen_max = l;
      if (l < c->slen_min) c->slen_min = l;
      if (l > c->slen_max) c->slen_max = l;
      c->slen_n += times;
      c->slen_sum += l * times;
      str_minmax(c, p + 1, len - 1);
      return;
    }
    if (type != WHORL_T_DATE) return;
    /* a date is its day's midnight */
    __attribute__((fallthrough));
  case 'T': {
    if (p[0] == 'T' && p[len - 1] == 'Z') c->utc += times;
    int64_t sec;
    uint64_t frac;
    int nf;
    if (canon_seconds(p, len, &sec, &frac, &nf)) return;
    if (!c->tim && !(c->tim = pnum_new())) {
      c->oom = 1;
      return;
    }
    /* value = (sec * 10^nf + frac) * 10^-nf, exactly */
    int neg = sec < 0;
    uint64_t mag = neg ? (uint64_t)(-(sec + 1)) + 1 : (uint64_t)sec;
    double x = (double)sec + (nf ? (double)frac / P10[nf] : 0);
    unsigned __int128 m;
    for (;;) {
      m = (unsigned __int128)mag;
      for (int k = 0; k < nf; k++) m *= 10;
      if (neg) m = m - frac; /* -(mag*10^nf) + frac = -(mag*10^nf - frac) */
      else m += frac;
      if (!(m >> 64) || nf == 0) break;
      /* nanoseconds past the year 2554 take more than 64 bits: the
       * statistics keep fewer fraction digits (earlier in time) rather
       * than leave the value out */
      frac /= 10;
      nf--;
    }
    if (m >> 64) return; /* beyond any calendar the readers make */
    whorl__pnum_add(c->tim, x, -nf, (uint64_t)m, neg && m, 0, times);
    return;
  }
  default:
    return;
  }
}

void whorl__pcol_cells(whorl_pcol *c, int type, const uint8_t *p, size_t len, uint64_t hlo, uint64_t hhi, uint64_t n) {
  if (!n) return;
  c->types[type & 7] += n;
  if (type == WHORL_T_NULL || !len) return;
  if (!c->freq_over && !freq_add(c, type, p, len, hlo, hhi, n)) return; /* counted: statistics later */
  if (hll_on(c)) return;
  whorl__hll_add(c->hll, hhi);
  value_stats(c, type, p, len, n);
}

void whorl__pcol_cell_slow(whorl_pcol *c, int type, const uint8_t *p, size_t len, uint64_t hlo, uint64_t hhi) {
  whorl__pcol_cells(c, type, p, len, hlo, hhi, 1);
}

/* The statistics o holds itself (not those of its counted pairs). */
static void merge_direct(whorl_pcol *c, const whorl_pcol *o) {
  c->nan += o->nan, c->pinf += o->pinf, c->ninf += o->ninf;
  c->utc += o->utc;
  if (o->num) {
    if (!c->num && !(c->num = pnum_new())) c->oom = 1;
    else pnum_merge(c->num, o->num);
  }
  if (o->tim) {
    if (!c->tim && !(c->tim = pnum_new())) c->oom = 1;
    else pnum_merge(c->tim, o->tim);
  }
  if (o->slen_n) {
    if (!c->slen_n || o->slen_min < c->slen_min) c->slen_min = o->slen_min;
    if (!c->slen_n || o->slen_max > c->slen_max) c->slen_max = o->slen_max;
    c->slen_n += o->slen_n;
    c->slen_sum += o->slen_sum;
  }
  if (o->shave) {
    str_minmax(c, (const uint8_t *)o->smin.data, o->smin.len);
    str_minmax(c, (const uint8_t *)o->smax.data, o->smax.len);
  }
  if (o->hll && !hll_on(c)) whorl__hll_merge(c->hll, o->hll);
  if (o->oom) c->oom = 1;
}

void whorl__pcol_merge(whorl_pcol *c, const whorl_pcol *o) {
  for (int i = 0; i < 8; i++) c->types[i] += o->types[i];
  if (o->freq_over) freq_end(c);
  merge_direct(c, o);
  /* o's counted pairs: counted here too, or (c no longer counting) into
   * the statistics */
  const whorl_fmap *f = o->freq_over ? NULL : o->freq;
  for (size_t i = 0; f && i < f->nslots; i++) {
    const whorl_fent *e = &f->slot[i];
    if (!e->count) continue;
    const uint8_t *p = (const uint8_t *)f->arena.data + e->off;
    if (!c->freq_over && !freq_add(c, e->type, p, e->len, e->hlo, e->hhi, e->count)) continue;
    if (hll_on(c)) return;
    whorl__hll_add(c->hll, e->hhi);
    if (e->len) value_stats(c, e->type, p, e->len, e->count);
  }
}

/* ---- sample ----------------------------------------------------------------------------- */

int whorl__psample_init(whorl_psample *s, size_t k) {
  memset(s, 0, sizeof *s);
  s->k = k;
  s->row = calloc(k ? k : 1, sizeof *s->row);
  return s->row ? 0 : -1;
}

static int row_cmp(uint64_t alo, uint64_t ahi, const whorl_buf *ac, const whorl_srow *b) {
  if (ahi != b->hhi) return ahi < b->hhi ? -1 : 1;
  if (alo != b->hlo) return alo < b->hlo ? -1 : 1;
  size_t n = ac->len < b->cells.len ? ac->len : b->cells.len;
  int r = n ? memcmp(ac->data, b->cells.data, n) : 0;
  if (r) return r;
  return ac->len < b->cells.len ? -1 : ac->len > b->cells.len;
}

int whorl__psample_wants(const whorl_psample *s, uint64_t hlo, uint64_t hhi) {
  if (!s->k) return 0;
  if (s->n < s->k) return 1;
  const whorl_srow *last = &s->row[s->n - 1];
  return hhi < last->hhi || (hhi == last->hhi && hlo <= last->hlo);
}

int whorl__psample_add(whorl_psample *s, uint64_t hlo, uint64_t hhi, whorl_buf *cells) {
  if (!whorl__psample_wants(s, hlo, hhi)) {
    whorl_buf_free(cells);
    return 0;
  }
  size_t i = s->n;
  while (i > 0 && row_cmp(hlo, hhi, cells, &s->row[i - 1]) < 0) i--;
  if (s->n == s->k) {
    if (i == s->n) {
      whorl_buf_free(cells);
      return 0;
    }
    whorl_buf_free(&s->row[s->n - 1].cells);
    s->n--;
  }
  memmove(&s->row[i + 1], &s->row[i], (s->n - i) * sizeof *s->row);
  s->row[i].hlo = hlo;
  s->row[i].hhi = hhi;
  s->row[i].cells = *cells;
  memset(cells, 0, sizeof *cells);
  s->n++;
  return s->row[i].cells.oom ? -1 : 0;
}

int whorl__psample_merge(whorl_psample *s, const whorl_psample *o) {
  for (size_t i = 0; i < o->n; i++) {
    if (!whorl__psample_wants(s, o->row[i].hlo, o->row[i].hhi)) break;
    whorl_buf c = WHORL_BUF_INIT;
    whorl_buf_put(&c, o->row[i].cells.data, o->row[i].cells.len);
    if (c.oom || whorl__psample_add(s, o->row[i].hlo, o->row[i].hhi, &c)) return -1;
  }
  return 0;
}

void whorl__psample_free(whorl_psample *s) {
  for (size_t i = 0; i < s->n; i++) whorl_buf_free(&s->row[i].cells);
  free(s->row);
  memset(s, 0, sizeof *s);
}

/* ---- JSON ---------------------------------------------------------------------------------- */

static void hex16(uint64_t hlo, uint64_t hhi, char out[33]) {
  static const char *X = "0123456789abcdef";
  for (int i = 0; i < 8; i++) {
    uint8_t b = (uint8_t)(hhi >> (56 - 8 * i));
    out[2 * i] = X[b >> 4], out[2 * i + 1] = X[b & 15];
    b = (uint8_t)(hlo >> (56 - 8 * i));
    out[16 + 2 * i] = X[b >> 4], out[17 + 2 * i] = X[b & 15];
  }
  out[32] = 0;
}

static int unhex_digit(char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1; }

static int unhex16(const char *s, size_t n, uint64_t *hlo, uint64_t *hhi) {
  if (n != 32) return -1;
  uint64_t v[2] = {0, 0};
  for (int i = 0; i < 32; i++) {
    char c = s[i];
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) return -1;
    v[i / 16] = v[i / 16] << 4 | (uint64_t)d;
  }
  *hhi = v[0];
  *hlo = v[1];
  return 0;
}

static whorl_json *keyed_json(uint64_t hlo, uint64_t hhi) {
  char h[36] = "k:";
  hex16(hlo, hhi, h + 2);
  return whorl_json_string(h);
}

whorl_json *whorl__canon_to_json(const uint8_t *p, size_t len) {
  if (!len) return whorl_json_null();
  switch (p[0]) {
  case 'N':
    return whorl_json_null();
  case 'B':
    return whorl_json_bool(len == 2 && p[1] == '1');
  case 'K':
    if (len == 17) {
      uint64_t lo = 0, hi = 0;
      for (int i = 0; i < 8; i++) lo |= (uint64_t)p[1 + i] << (8 * i), hi |= (uint64_t)p[9 + i] << (8 * i);
      return keyed_json(lo, hi);
    }
    break;
  case 'F':
    return whorl_json_string(len == 2 && p[1] == 'N' ? "NaN" : len == 2 && p[1] == '-' ? "-Infinity" : "Infinity");
  case 'D': {
    uint64_t m;
    int32_t e;
    int neg;
    double x;
    if (!whorl__canon_number(p, len, &m, &e, &neg, &x)) {
      int is_int = 1;
      for (size_t i = 1; i < len; i++)
        if (p[i] == '.' || p[i] == 'e') is_int = 0;
      if (is_int && len <= 19) { /* the digits end at len: the next cell's bytes follow */
        char d[20];
        memcpy(d, p + 1, len - 1);
        d[len - 1] = 0;
        return whorl_json_int(strtoll(d, NULL, 10));
      }
      char buf[32];
      size_t n = whorl_json_format_double(x, buf);
      if (!is_int && n == len - 1 && !memcmp(buf, p + 1, n)) return whorl_json_double(x);
    }
    return whorl_json_stringn((const char *)p + 1, len - 1);
  }
  case 'J': {
    whorl_json *v = NULL;
    whorl_error e;
    if (whorl_json_parse((const char *)p + 1, len - 1, &v, &e) == WHORL_OK) return v;
    break;
  }
  default:
    break;
  }
  if (len > 1 && p[0] == 'S' && !whorl__utf8_valid((const char *)p + 1, len - 1)) {
    /* not UTF-8: its readable form (the exact bytes go in a _hex member) */
    whorl_buf d = WHORL_BUF_INIT;
    whorl__display_bytes((const char *)p + 1, len - 1, &d);
    whorl_json *v = d.oom ? NULL : whorl_json_stringn(d.data ? d.data : "", d.len);
    whorl_buf_free(&d);
    return v;
  }
  return whorl_json_stringn((const char *)p + 1, len - 1); /* S, T */
}

int whorl__canon_from_json(const whorl_json *v, whorl_buf *out) {
  switch (whorl_json_typeof(v)) {
  case WHORL_JSON_NULL:
    whorl__value_null(out);
    return 0;
  case WHORL_JSON_BOOL:
    whorl__value_bool(whorl_json_get_bool(v), out);
    return 0;
  case WHORL_JSON_NUMBER:
    if (whorl_json_is_int(v)) whorl__value_int(whorl_json_get_int(v), out);
    else whorl__value_double(whorl_json_get_double(v), out);
    return 0;
  case WHORL_JSON_STRING: {
    size_t n;
    const char *s = whorl_json_get_string(v, &n);
    whorl__value_text(s, n, 1, out);
    return 0;
  }
  default: {
    char *t = NULL;
    size_t n = 0;
    if (whorl_json_canonical(v, &t, &n)) return -1;
    whorl_buf_putc(out, 'J');
    whorl_buf_put(out, t, n);
    free(t);
    return 0;
  }
  }
}

static whorl_json *jnum(double x) {
  if (!isfinite(x)) return whorl_json_null();
  if (x == floor(x) && fabs(x) < 9007199254740992.0) return whorl_json_int((int64_t)x);
  return whorl_json_double(x);
}

/* ISO text of seconds since 1970: a day, or a time with up to 6 decimals. */
static whorl_json *jtime_z(double sec, int date, int utc) {
  if (!isfinite(sec)) return whorl_json_null();
  double days = floor(sec / 86400);
  double sod = sec - days * 86400;
  char d[48];
  whorl__iso_day((int64_t)days, d);
  if (date && sod == 0) return whorl_json_string(d);
  long long us = llround(sod * 1e6);
  if (us >= 86400000000ll) us = 86399999999ll;
  long long s = us / 1000000, f = us % 1000000;
  char t[96];
  int n = snprintf(t, sizeof t, "%sT%02lld:%02lld:%02lld", d, s / 3600, s / 60 % 60, s % 60);
  if (f) {
    n += snprintf(t + n, sizeof t - (size_t)n, ".%06lld", f);
    while (t[n - 1] == '0') t[--n] = 0;
  }
  if (utc && n + 1 < (int)sizeof t) t[n++] = 'Z', t[n] = 0; /* every value had a zone: times in UTC */
  return whorl_json_string(t);
}

/* An extreme of a date or timestamp column from its exact value, (neg ? -1
 * : 1) * m * 10^e seconds since 1970, with every fraction digit it has (the
 * double of jtime_z is off by up to 30 microseconds near the year 9999:
 * 9999-12-31T23:59:59.999999 would print as +10000-01-01T00:00:00); NULL
 * when e is outside what the readers make. */
static whorl_json *jtime_exact(int neg, uint64_t m, int32_t e, int date, int utc) {
  if (e < -18 || e > 6) return NULL;
  unsigned __int128 v = m, scale = 1;
  for (int32_t k = 0; k < e; k++) v *= 10;
  for (int32_t k = 0; k < -e; k++) scale *= 10;
  unsigned __int128 whole = v / scale, frac = v % scale;
  if (whole > (unsigned __int128)INT64_MAX / 2) return NULL;
  int64_t sec = (int64_t)whole;
  if (neg && frac) sec = -sec - 1, frac = scale - frac;
  else if (neg) sec = -sec;
  int64_t days = sec >= 0 ? sec / 86400 : -((-sec + 86399) / 86400);
  int64_t sod = sec - days * 86400;
  char d[48];
  whorl__iso_day(days, d);
  if (date && sod == 0 && frac == 0) return whorl_json_string(d);
  char t[96];
  int n = snprintf(t, sizeof t, "%sT%02lld:%02lld:%02lld", d, (long long)(sod / 3600), (long long)(sod / 60 % 60),
                   (long long)(sod % 60));
  if (frac) {
    char f[24];
    int w = -e;
    for (int k = w - 1; k >= 0; k--, frac /= 10) f[k] = (char)('0' + (int)(frac % 10));
    while (w > 0 && f[w - 1] == '0') w--;
    n += snprintf(t + n, sizeof t - (size_t)n, ".%.*s", w, f);
  }
  if (utc && n + 1 < (int)sizeof t) t[n++] = 'Z', t[n] = 0;
  return whorl_json_string(t);
}

/* sqrt of a binary128 value, through doubles even when it is beyond them */
static double sqrt_q(__float128 v) {
  if (!(v > 0)) return 0;
  double scale = 1;
  while (v > (__float128)1e300) v /= (__float128)0x1p200, scale *= 0x1p100;
  while (v < (__float128)1e-300) v *= (__float128)0x1p200, scale /= 0x1p100;
  return sqrt((double)v) * scale;
}

static const double QS[] = {0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99};
static const char *QN[] = {"p01", "p05", "p10", "p25", "p50", "p75", "p90", "p95", "p99"};
#define NQ 9

typedef struct nument {
  double x;
  uint64_t count;
  const uint8_t *p; /* the canonical number ('D' text); NULL for times */
  size_t len;
} nument;

/* A canonical number ('D' text: integer digits, or a shortest double with
 * '.' and 'e') as sign, significant digits (no leading or trailing zeros)
 * and the decimal exponent of the first digit. */
typedef struct decnum {
  int neg;
  char dig[420];
  int nd;
  long e;
} decnum;

static int decnum_of(const uint8_t *p, size_t len, decnum *d) {
  size_t i = 1;
  d->neg = 0, d->nd = 0, d->e = 0;
  if (i < len && p[i] == '-') d->neg = 1, i++;
  long point = -1, lead = 0, exp10 = 0;
  int seen = 0, nall = 0;
  for (; i < len && p[i] != 'e'; i++) {
    if (p[i] == '.') {
      point = nall;
      continue;
    }
    if (p[i] < '0' || p[i] > '9') return -1;
    nall++;
    if (!seen && p[i] == '0') {
      lead++;
      continue;
    }
    seen = 1;
    if (d->nd == (int)sizeof d->dig) return -1;
    d->dig[d->nd++] = (char)p[i];
  }
  if (i < len) exp10 = strtol((const char *)p + i + 1, NULL, 10); /* 'D' text ends the cell: bounded by len */
  if (point < 0) point = nall;
  while (d->nd && d->dig[d->nd - 1] == '0') d->nd--;
  if (!d->nd) d->neg = 0;
  d->e = point - lead + exp10; /* value = 0.dig x 10^e */
  return 0;
}

/* Exact order of two canonical numbers whose doubles are equal (an integer
 * beyond 2^53 and its neighbours); 0 when equal or not comparable. */
static int canon_cmp_exact(const uint8_t *a, size_t al, const uint8_t *b, size_t bl) {
  if (!a || !b || al > 400 || bl > 400) return 0;
  decnum x, y;
  char ta[408], tb[408]; /* NUL-terminated copies for the exponent */
  memcpy(ta, a, al), ta[al] = 0;
  memcpy(tb, b, bl), tb[bl] = 0;
  if (decnum_of((const uint8_t *)ta, al, &x) || decnum_of((const uint8_t *)tb, bl, &y)) return 0;
  int sx = x.nd ? (x.neg ? -1 : 1) : 0, sy = y.nd ? (y.neg ? -1 : 1) : 0;
  if (sx != sy) return sx < sy ? -1 : 1;
  if (!sx) return 0;
  int c = x.e != y.e ? (x.e < y.e ? -1 : 1) : 0;
  for (int k = 0; !c && (k < x.nd || k < y.nd); k++) {
    char u = k < x.nd ? x.dig[k] : '0', v = k < y.nd ? y.dig[k] : '0';
    c = u != v ? (u < v ? -1 : 1) : 0;
  }
  return sx < 0 ? -c : c;
}

static int nument_cmp(const void *a, const void *b) {
  const nument *u = a, *v = b;
  if (u->x != v->x) return u->x < v->x ? -1 : 1;
  return canon_cmp_exact(u->p, u->len, v->p, v->len);
}

/* 1 when the canonical number p is not exactly its double (an integer
 * beyond 2^53 that no double holds): it is then shown by its own digits. */
static int beyond_double(const uint8_t *p, size_t len, double x) {
  if (!p || len < 2 || len > 400 || !isfinite(x) || fabs(x) < 9007199254740992.0) return 0;
  for (size_t i = 1; i < len; i++)
    if (p[i] == '.' || p[i] == 'e') return 0;
  char t[400]; /* the largest double has 309 digits */
  size_t n = (size_t)snprintf(t, sizeof t, "%.0f", x); /* a double this large is an integer */
  return !(n < sizeof t && n == len - 1 && !memcmp(t, p + 1, n));
}

/* The exact extremes and order statistics found from the counted values,
 * for numbers a double does not hold (NULL otherwise). */
typedef struct exact_num {
  const uint8_t *min, *max, *q[9];
  size_t min_len, max_len, q_len[9];
} exact_num;

/* Exact quantiles from the frequency map, when every value of the domain
 * is in it. Returns 1 when done. */
static int exact_quantiles(const whorl_pcol *c, const whorl_pnum *d, int temporal, double *q, exact_num *xn) {
  memset(xn, 0, sizeof *xn);
  if (!c->freq || c->freq_over) return 0;
  nument *v = malloc((c->freq->n + 1) * sizeof *v);
  if (!v) return 0;
  size_t n = 0;
  uint64_t total = 0;
  for (size_t i = 0; i < c->freq->nslots; i++) {
    const whorl_fent *e = &c->freq->slot[i];
    if (!e->count) continue;
    const uint8_t *p = (const uint8_t *)c->freq->arena.data + e->off;
    double x;
    if (!temporal) {
      uint64_t m;
      int32_t ex;
      int neg;
      if (p[0] != 'D' || whorl__canon_number(p, e->len, &m, &ex, &neg, &x) || !isfinite(x)) continue;
    } else {
      int64_t sec;
      uint64_t frac;
      int nf;
      if ((p[0] != 'T' && p[0] != 'S') || canon_seconds(p, e->len, &sec, &frac, &nf)) continue;
      x = (double)sec + (nf ? (double)frac / P10[nf] : 0);
    }
    v[n++] = (nument){x, e->count, temporal ? NULL : p, temporal ? 0 : e->len};
    total += e->count;
  }
  if (total != d->n) {
    free(v);
    return 0;
  }
  qsort(v, n, sizeof *v, nument_cmp);
  for (int k = 0; k < NQ; k++) {
    double r = QS[k] * (double)(d->n - 1);
    uint64_t r0 = (uint64_t)floor(r), r1 = (uint64_t)ceil(r);
    double x0 = 0, x1 = 0;
    uint64_t seen = 0;
    int got0 = 0;
    size_t i0 = 0, i1 = 0;
    for (size_t i = 0; i < n; i++) {
      seen += v[i].count;
      if (!got0 && r0 < seen) x0 = v[i].x, got0 = 1, i0 = i;
      if (r1 < seen) {
        x1 = v[i].x, i1 = i;
        break;
      }
    }
    q[k] = x0 + (x1 - x0) * (r - (double)r0);
    /* an order statistic itself (no interpolation between two values),
     * while it is a JSON integer (up to 18 digits: drift reads quantiles
     * as numbers) */
    if (n && (i0 == i1 || r0 == r1) && v[i0].len <= 19 && beyond_double(v[i0].p, v[i0].len, v[i0].x))
      xn->q[k] = v[i0].p, xn->q_len[k] = v[i0].len;
  }
  if (n && beyond_double(v[0].p, v[0].len, v[0].x)) xn->min = v[0].p, xn->min_len = v[0].len;
  if (n && beyond_double(v[n - 1].p, v[n - 1].len, v[n - 1].x)) xn->max = v[n - 1].p, xn->max_len = v[n - 1].len;
  free(v);
  return 1;
}

static void sketch_quantiles(const whorl_pnum *d, int with_dd, double *q, double *bound) {
  whorl_bucket *ub = NULL, *db = NULL;
  size_t nu = whorl__uh_buckets(&d->uh, &ub), nd = with_dd ? whorl__dd_buckets(&d->dd, &db) : 0;
  for (int k = 0; k < NQ; k++) {
    double r = QS[k] * (double)(d->n - 1), eu = INFINITY, ed = INFINITY;
    double vu = ub ? whorl__bucket_quantile(ub, nu, r, d->min, d->max, &eu) : NAN;
    double vd = db ? whorl__bucket_quantile(db, nd, r, d->min, d->max, &ed) : NAN;
    if (db && ed < eu) q[k] = vd, bound[k] = ed;
    else q[k] = vu, bound[k] = eu;
  }
  free(ub);
  free(db);
}

/* 1 when the double x's shortest form is the decimal (neg, m, e): then the
 * double says it all. */
static int double_is_exact(double x, int neg, uint64_t m, int32_t e) {
  /* the double's shortest form (what the document prints for it) is the
   * decimal itself: nothing more to keep */
  if (!isfinite(x)) return 0;
  char t[40];
  for (int p = 1; p <= 17; p++) {
    snprintf(t, sizeof t, "%.*g", p, x);
    if (strtod(t, NULL) == x) break;
  }
  uint64_t mm = 0;
  int32_t ee = 0;
  int point = 0, digits = 0;
  const char *q = t;
  int n2 = *q == '-';
  if (n2) q++;
  for (; *q && *q != 'e'; q++) {
    if (*q == '.') {
      point = 1;
      continue;
    }
    if (++digits > 19) return 0;
    mm = mm * 10 + (uint64_t)(*q - '0');
    if (point) ee--;
  }
  if (*q == 'e') ee += (int32_t)strtol(q + 1, NULL, 10);
  while (mm && mm % 10 == 0) mm /= 10, ee++;
  while (m && m % 10 == 0) m /= 10, e++;
  if (!mm || !m) return !mm && !m;
  return mm == m && ee == e && n2 == (neg != 0);
}

static void set_exact(whorl_json *st, const char *k, int neg, uint64_t m, int32_t e) {
  char t[64];
  snprintf(t, sizeof t, "%d:%s%llu", (int)e, neg && m ? "-" : "", (unsigned long long)m);
  whorl_json_object_set(st, k, whorl_json_string(t));
}

static int get_exact(const whorl_json *st, const char *k, uint8_t *neg, uint64_t *m, int32_t *e) {
  const char *s = whorl_json_object_get_string(st, k);
  if (!s) return 0;
  char *end;
  long ee = strtol(s, &end, 10);
  if (*end != ':' || ee < -100000 || ee > 100000) return -1;
  end++;
  *neg = *end == '-';
  if (*neg) end++;
  if (*end < '0' || *end > '9') return -1;
  errno = 0;
  unsigned long long mm = strtoull(end, &end, 10);
  if (*end || errno) return -1;
  *m = mm, *e = (int32_t)ee;
  return 1;
}

/* The exact decimal as a canonical number's bytes ('D' ...). */
static size_t exact_canon(int neg, uint64_t m, int32_t e, char *out, size_t cap) {
  char dg[24];
  int nd = snprintf(dg, sizeof dg, "%llu", (unsigned long long)m);
  size_t k = (size_t)snprintf(out, cap, "D%s", neg && m ? "-" : "");
  if (e >= 0) {
    k += (size_t)snprintf(out + k, cap - k, "%s", dg);
    for (int32_t i = 0; i < e && k + 1 < cap; i++) out[k++] = '0';
    out[k] = 0;
  } else {
    int32_t point = nd + e; /* digits before the point */
    if (point > 0) k += (size_t)snprintf(out + k, cap - k, "%.*s.%s", (int)point, dg, dg + point);
    else {
      k += (size_t)snprintf(out + k, cap - k, "0.");
      for (int32_t i = 0; i < -point && k + 1 < cap; i++) out[k++] = '0';
      out[k] = 0;
      k += (size_t)snprintf(out + k, cap - k, "%s", dg);
    }
    while (k > 2 && out[k - 1] == '0') out[--k] = 0; /* no trailing zeros after the point */
    if (out[k - 1] == '.') out[--k] = 0;
  }
  return k;
}

static void set_state_sums(whorl_json *st, const char *k, const whorl_xsum *s) {
  whorl_buf b = WHORL_BUF_INIT;
  whorl__xsum_write(s, &b);
  whorl_json_object_set(st, k, whorl_json_stringn(b.data ? b.data : "", b.len));
  whorl_buf_free(&b);
}

static whorl_json *pnum_state(const whorl_pnum *d, int with_dd) {
  whorl_json *st = whorl_json_object();
  whorl_json_object_set(st, "n", whorl_json_int((int64_t)d->n));
  whorl_json_object_set(st, "min", whorl_json_double(d->min));
  whorl_json_object_set(st, "max", whorl_json_double(d->max));
  /* the exact extremes where the double is not: "e:digits" (signed) */
  if (d->min_ok && !double_is_exact(d->min, d->min_neg, d->min_m, d->min_e)) set_exact(st, "min_exact", d->min_neg, d->min_m, d->min_e);
  if (d->max_ok && !double_is_exact(d->max, d->max_neg, d->max_m, d->max_e)) set_exact(st, "max_exact", d->max_neg, d->max_m, d->max_e);
  set_state_sums(st, "sum", &d->s1);
  set_state_sums(st, "sum_sq", &d->s2);
  whorl_buf b = WHORL_BUF_INIT;
  if (with_dd) {
    whorl__dd_write(&d->dd, &b);
    whorl_json_object_set(st, "loglinear", whorl_json_stringn(b.data ? b.data : "", b.len));
    b.len = 0;
  }
  whorl__uh_write(&d->uh, &b);
  whorl_json_object_set(st, "uniform", whorl_json_stringn(b.data ? b.data : "", b.len));
  whorl_buf_free(&b);
  return st;
}

typedef struct fref {
  const whorl_fent *e;
  const uint8_t *p;
} fref;

static int fref_cmp(const void *a, const void *b) {
  const fref *x = a, *y = b;
  if (x->e->count != y->e->count) return x->e->count > y->e->count ? -1 : 1;
  if (x->p && y->p) { /* keyed: ties are broken by the hash, never by the value */
    size_t n = x->e->len < y->e->len ? x->e->len : y->e->len;
    int r = n ? memcmp(x->p, y->p, n) : 0;
    if (r) return r;
    if (x->e->len != y->e->len) return x->e->len < y->e->len ? -1 : 1;
  }
  if (x->e->hhi != y->e->hhi) return x->e->hhi < y->e->hhi ? -1 : 1;
  return x->e->hlo < y->e->hlo ? -1 : x->e->hlo > y->e->hlo;
}

static fref *sorted_freq(const whorl_fmap *f, int keyed) {
  fref *r = malloc((f->n + 1) * sizeof *r);
  if (!r) return NULL;
  size_t n = 0;
  for (size_t i = 0; i < f->nslots; i++)
    if (f->slot[i].count) r[n++] = (fref){&f->slot[i], keyed ? NULL : (const uint8_t *)f->arena.data + f->slot[i].off};
  qsort(r, n, sizeof *r, fref_cmp);
  return r;
}

whorl_json *whorl__pcol_json(const whorl_pcol *c, whorl_ltype type, int keyed) {
  /* the statistics: c's own and those of its counted pairs */
  int alive = c->freq && !c->freq_over;
  whorl_pcol all;
  whorl__pcol_init(&all);
  merge_direct(&all, c);
  if (alive) replay(&all, c->freq);
  whorl_json *j = whorl_json_object();
  uint64_t nonnull = 0, families[5] = {0, 0, 0, 0, 0};
  for (int t = 1; t < 8; t++) nonnull += c->types[t];
  /* families: bool, number, temporal, string, json */
  families[0] = c->types[WHORL_T_BOOL];
  families[1] = c->types[WHORL_T_INT] + c->types[WHORL_T_FLOAT];
  families[2] = c->types[WHORL_T_DATE] + c->types[WHORL_T_TIMESTAMP];
  families[3] = c->types[WHORL_T_STRING];
  families[4] = c->types[WHORL_T_JSON];
  uint64_t top = 0;
  for (int i = 0; i < 5; i++)
    if (families[i] > top) top = families[i];
  whorl_json_object_set(j, "count", whorl_json_int((int64_t)nonnull));
  whorl_json_object_set(j, "nulls", whorl_json_int((int64_t)c->types[WHORL_T_NULL]));
  whorl_json_object_set(j, "violations", whorl_json_int((int64_t)(nonnull - top)));
  whorl_json *tj = whorl_json_object();
  for (int t = 0; t < 8; t++)
    if (c->types[t]) whorl_json_object_set(tj, whorl__ltype_name((whorl_ltype)t), whorl_json_int((int64_t)c->types[t]));
  whorl_json_object_set(j, "types", tj);

  /* distinct */
  if (c->freq && !c->freq_over) {
    whorl_json_object_set(j, "distinct", whorl_json_int((int64_t)c->freq->n));
    whorl_json_object_set(j, "distinct_exact", whorl_json_bool(1));
  } else if (all.hll) {
    int64_t est = (int64_t)llround(whorl__hll_estimate(all.hll));
    if (est > (int64_t)nonnull) est = (int64_t)nonnull; /* an estimate, never above the values counted */
    whorl_json_object_set(j, "distinct", whorl_json_int(est));
    whorl_json_object_set(j, "distinct_exact", whorl_json_bool(0));
  } else {
    whorl_json_object_set(j, "distinct", whorl_json_int(0));
    whorl_json_object_set(j, "distinct_exact", whorl_json_bool(1));
  }

  /* the column's own statistics, by its type */
  int temporal = type == WHORL_T_DATE || type == WHORL_T_TIMESTAMP;
  const whorl_pnum *d = (type == WHORL_T_INT || type == WHORL_T_FLOAT) ? all.num : temporal ? all.tim : NULL;
  if (d && d->n) {
    __float128 s1 = whorl__xsum_value(&d->s1), s2 = whorl__xsum_value(&d->s2);
    __float128 n = (__float128)d->n;
    double mean = (double)(s1 / n);
    double sd = d->n > 1 ? sqrt_q((s2 - s1 * s1 / n) / (n - 1)) : NAN;
    double q[NQ], bound[NQ];
    /* keyed documents hold no values in their frequency maps: sketches only */
    exact_num xn;
    int exact = !keyed && exact_quantiles(c, d, temporal, q, &xn);
    if (!exact) memset(&xn, 0, sizeof xn);
    if (exact)
      for (int k = 0; k < NQ; k++) bound[k] = 0;
    else sketch_quantiles(d, !temporal, q, bound);
    int date = type == WHORL_T_DATE;
    if (date) /* quantiles of dates are days: rounded, the rounding added to the bound */
      for (int k = 0; k < NQ; k++) {
        double r = round(q[k] / 86400) * 86400;
        bound[k] += fabs(r - q[k]);
        q[k] = r;
      }
    int z = temporal && !date && all.utc == d->n;
    /* integers beyond 2^53 counted exactly: their own digits */
    /* ... and beyond exact counting, the extremes kept exactly */
    char emin[80], emax[80];
    size_t lmin = !xn.min && !temporal && d->min_ok && !double_is_exact(d->min, d->min_neg, d->min_m, d->min_e)
                      ? exact_canon(d->min_neg, d->min_m, d->min_e, emin, sizeof emin) : 0;
    size_t lmax = !xn.max && !temporal && d->max_ok && !double_is_exact(d->max, d->max_neg, d->max_m, d->max_e)
                      ? exact_canon(d->max_neg, d->max_m, d->max_e, emax, sizeof emax) : 0;
    whorl_json *tmin = temporal && d->min_ok ? jtime_exact(d->min_neg, d->min_m, d->min_e, date, z) : NULL;
    whorl_json *tmax = temporal && d->max_ok ? jtime_exact(d->max_neg, d->max_m, d->max_e, date, z) : NULL;
    whorl_json_object_set(j, "min", xn.min ? whorl__canon_to_json(xn.min, xn.min_len)
                                    : lmin   ? whorl__canon_to_json((const uint8_t *)emin, lmin)
                                    : tmin   ? tmin
                                    : temporal ? jtime_z(d->min, date, z) : jnum(d->min));
    whorl_json_object_set(j, "max", xn.max ? whorl__canon_to_json(xn.max, xn.max_len)
                                    : lmax   ? whorl__canon_to_json((const uint8_t *)emax, lmax)
                                    : tmax   ? tmax
                                    : temporal ? jtime_z(d->max, date, z) : jnum(d->max));
    whorl_json_object_set(j, "mean", temporal ? jtime_z(mean, 0, z) : jnum(mean));
    double unit = date ? 86400 : 1;
    whorl_json_object_set(j, "stddev", isfinite(sd) ? whorl_json_double(sd / unit) : whorl_json_null());
    if (temporal) whorl_json_object_set(j, "stddev_unit", whorl_json_string(date ? "days" : "seconds"));
    whorl_json *qj = whorl_json_object(), *ej = whorl_json_object();
    double worst = 0;
    for (int k = 0; k < NQ; k++) {
      whorl_json_object_set(qj, QN[k], xn.q[k] ? whorl__canon_to_json(xn.q[k], xn.q_len[k])
                                       : temporal ? jtime_z(q[k], date, z) : whorl_json_double(q[k]));
      if (bound[k] > worst) worst = bound[k];
    }
    whorl_json_object_set(j, "quantiles", qj);
    whorl_json_object_set(ej, "exact", whorl_json_bool(exact));
    whorl_json_object_set(ej, "max_abs_error", whorl_json_double(worst / unit));
    whorl_json_object_set(j, "quantile_error", ej);
  } else if (type == WHORL_T_STRING && !keyed && all.shave) {
    /* bytes that are not UTF-8: a readable form, and min_hex / max_hex */
    whorl__json_set_bytes(j, "min", all.smin.data, all.smin.len);
    whorl__json_set_bytes(j, "max", all.smax.data, all.smax.len);
  }
  if (all.nan || all.pinf || all.ninf) {
    whorl_json *nj = whorl_json_object();
    whorl_json_object_set(nj, "nan", whorl_json_int((int64_t)all.nan));
    whorl_json_object_set(nj, "inf", whorl_json_int((int64_t)all.pinf));
    whorl_json_object_set(nj, "-inf", whorl_json_int((int64_t)all.ninf));
    whorl_json_object_set(j, "non_finite", nj);
  }
  if (all.slen_n) {
    whorl_json *lj = whorl_json_object();
    whorl_json_object_set(lj, "min", whorl_json_int((int64_t)all.slen_min));
    whorl_json_object_set(lj, "max", whorl_json_int((int64_t)all.slen_max));
    whorl_json_object_set(lj, "mean", jnum((double)all.slen_sum / (double)all.slen_n));
    whorl_json_object_set(j, "length", lj);
  }
  /* every exactly counted value, the most frequent first */
  if (c->freq && !c->freq_over) {
    fref *r = sorted_freq(c->freq, keyed);
    whorl_json *fj = whorl_json_array();
    for (size_t i = 0; r && i < c->freq->n; i++) {
      whorl_json *pair = whorl_json_array();
      whorl_json_array_append(pair, keyed ? keyed_json(r[i].e->hlo, r[i].e->hhi)
                                          : whorl__canon_to_json((const uint8_t *)c->freq->arena.data + r[i].e->off, r[i].e->len));
      whorl_json_array_append(pair, whorl_json_int((int64_t)r[i].e->count));
      whorl_json_array_append(fj, pair);
    }
    free(r);
    whorl_json_object_set(j, "frequent", fj);
  }

  /* the mergeable state: the counted pairs (under "frequent") stand for
   * their statistics, except in keyed documents, whose pairs hold no values */
  whorl_json *st = whorl_json_object();
  if (alive && !keyed) {
    whorl_json_object_set(j, "state", st);
    whorl__pcol_free(&all);
    return j;
  }
  if (all.num) whorl_json_object_set(st, "number", pnum_state(all.num, 1));
  if (all.tim) whorl_json_object_set(st, "temporal", pnum_state(all.tim, 0));
  if (all.slen_n) {
    whorl_json *s = whorl_json_object();
    whorl_json_object_set(s, "n", whorl_json_int((int64_t)all.slen_n));
    whorl_json_object_set(s, "len_sum", whorl_json_int((int64_t)all.slen_sum));
    whorl_json_object_set(s, "len_min", whorl_json_int((int64_t)all.slen_min));
    whorl_json_object_set(s, "len_max", whorl_json_int((int64_t)all.slen_max));
    if (!keyed && all.shave) {
      whorl_buf b = WHORL_BUF_INIT;
      whorl__base64((const uint8_t *)all.smin.data, all.smin.len, &b);
      whorl_json_object_set(s, "min", whorl_json_stringn(b.data ? b.data : "", b.len));
      b.len = 0;
      whorl__base64((const uint8_t *)all.smax.data, all.smax.len, &b);
      whorl_json_object_set(s, "max", whorl_json_stringn(b.data ? b.data : "", b.len));
      whorl_buf_free(&b);
    }
    whorl_json_object_set(st, "string", s);
  }
  if (all.nan) whorl_json_object_set(st, "nan", whorl_json_int((int64_t)all.nan));
  if (all.utc) whorl_json_object_set(st, "utc", whorl_json_int((int64_t)all.utc));
  if (all.pinf) whorl_json_object_set(st, "pinf", whorl_json_int((int64_t)all.pinf));
  if (all.ninf) whorl_json_object_set(st, "ninf", whorl_json_int((int64_t)all.ninf));
  if (!alive && all.hll) {
    whorl_buf b = WHORL_BUF_INIT;
    whorl__hll_write_nib(all.hll, &b);
    whorl_json_object_set(st, "hll_nib", whorl_json_stringn(b.data ? b.data : "", b.len));
    whorl_buf_free(&b);
  }
  whorl_json_object_set(j, "state", st);
  whorl__pcol_free(&all);
  return j;
}

/* ---- reading states back ---------------------------------------------------------------- */

static int get_u64(const whorl_json *o, const char *k, uint64_t *v) {
  const whorl_json *x = whorl_json_object_get(o, k);
  if (!x || !whorl_json_is_int(x) || whorl_json_get_int(x) < 0) return -1;
  *v = (uint64_t)whorl_json_get_int(x);
  return 0;
}

static int get_str(const whorl_json *o, const char *k, const char **s, size_t *n) {
  const whorl_json *x = whorl_json_object_get(o, k);
  if (!x || whorl_json_typeof(x) != WHORL_JSON_STRING) return -1;
  *s = whorl_json_get_string(x, n);
  return 0;
}

/* The decimal a document's double stands for when no exact extreme was
 * written beside it: the double's shortest form (writers leave out the
 * exact member exactly when it is that). 0 for non-finite values. */
static int exact_of_double(double x, uint8_t *neg, uint64_t *m, int32_t *e) {
  if (!isfinite(x)) return 0;
  char t[40];
  int p = 1;
  for (; p <= 17; p++) { /* its shortest form: what a writer leaves it as when it is the decimal */
    snprintf(t, sizeof t, "%.*g", p, x);
    if (strtod(t, NULL) == x) break;
  }
  if (p > 17) return 0;
  uint64_t mm = 0;
  int32_t ee = 0, point = 0, sig = 0;
  const char *q = t;
  *neg = *q == '-';
  if (*neg) q++;
  for (; *q && *q != 'e'; q++) {
    if (*q == '.') {
      point = 1;
      continue;
    }
    mm = mm * 10 + (uint64_t)(*q - '0');
    if (mm) sig++;
    if (point) ee--;
  }
  if (*q == 'e') ee += (int32_t)strtol(q + 1, NULL, 10);
  while (mm && mm % 10 == 0) mm /= 10, ee++;
  if (!mm) ee = 0;
  (void)sig;
  *m = mm, *e = ee;
  return 1;
}

static int pnum_from_json(whorl_pnum **out, const whorl_json *st, int with_dd) {
  if (!st) return 0;
  if (whorl_json_typeof(st) != WHORL_JSON_OBJECT) return -1;
  whorl_pnum *d = *out = pnum_new();
  if (!d) return -1;
  const whorl_json *mn = whorl_json_object_get(st, "min"), *mx = whorl_json_object_get(st, "max");
  const char *s;
  size_t n;
  if (get_u64(st, "n", &d->n) || !mn || !mx || whorl_json_typeof(mn) != WHORL_JSON_NUMBER ||
      whorl_json_typeof(mx) != WHORL_JSON_NUMBER)
    return -1;
  d->min = whorl_json_get_double(mn);
  d->max = whorl_json_get_double(mx);
  /* exact extremes: given, or the doubles themselves when they are exact
   * (an integer below 2^53); else unknown (an older document) */
  int r1 = get_exact(st, "min_exact", &d->min_neg, &d->min_m, &d->min_e), r2 = get_exact(st, "max_exact", &d->max_neg, &d->max_m, &d->max_e);
  if (r1 < 0 || r2 < 0) return -1;
  d->min_ok = r1 || exact_of_double(d->min, &d->min_neg, &d->min_m, &d->min_e);
  d->max_ok = r2 || exact_of_double(d->max, &d->max_neg, &d->max_m, &d->max_e);
  if (get_str(st, "sum", &s, &n) || whorl__xsum_read(&d->s1, s, n)) return -1;
  if (get_str(st, "sum_sq", &s, &n) || whorl__xsum_read(&d->s2, s, n)) return -1;
  if (with_dd && (get_str(st, "loglinear", &s, &n) || whorl__dd_read(&d->dd, s, n))) return -1;
  if (get_str(st, "uniform", &s, &n) || whorl__uh_read(&d->uh, s, n)) return -1;
  if (d->uh.n != d->n) return -1;
  return 0;
}

/* The type of a canonical value (its spelling decides, as in the readers). */
static int canon_type(const uint8_t *p, size_t len) {
  switch (len ? p[0] : 'N') {
  case 'B': return WHORL_T_BOOL;
  case 'F': return WHORL_T_FLOAT;
  case 'T': return WHORL_T_TIMESTAMP;
  case 'J': return WHORL_T_JSON;
  case 'D':
    for (size_t i = 1; i < len; i++)
      if (p[i] == '.' || p[i] == 'e') return WHORL_T_FLOAT;
    return WHORL_T_INT;
  case 'S': return whorl__text_date((const char *)p + 1, len - 1) ? WHORL_T_DATE : WHORL_T_STRING;
  default: return WHORL_T_NULL;
  }
}

static int direct_from_json(whorl_pcol *c, const whorl_json *st) {
  if (pnum_from_json(&c->num, whorl_json_object_get(st, "number"), 1) ||
      pnum_from_json(&c->tim, whorl_json_object_get(st, "temporal"), 0))
    return -1;
  const whorl_json *sj = whorl_json_object_get(st, "string");
  if (sj) {
    if (get_u64(sj, "n", &c->slen_n) || get_u64(sj, "len_sum", &c->slen_sum) || get_u64(sj, "len_min", &c->slen_min) ||
        get_u64(sj, "len_max", &c->slen_max))
      return -1;
    if (!c->slen_n) return -1; /* written only for a column with strings */
    const char *s;
    size_t n;
    if (!get_str(sj, "min", &s, &n)) {
      if (whorl__unbase64(s, n, &c->smin)) return -1;
      if (get_str(sj, "max", &s, &n) || whorl__unbase64(s, n, &c->smax)) return -1;
      c->shave = 1;
    }
  }
  if (whorl_json_object_get(st, "nan") && get_u64(st, "nan", &c->nan)) return -1;
  if (whorl_json_object_get(st, "pinf") && get_u64(st, "pinf", &c->pinf)) return -1;
  if (whorl_json_object_get(st, "ninf") && get_u64(st, "ninf", &c->ninf)) return -1;
  if (whorl_json_object_get(st, "utc") && get_u64(st, "utc", &c->utc)) return -1;
  return 0;
}

int whorl__pcol_from_json(whorl_pcol *c, const whorl_json *pj, int keyed) {
  whorl__pcol_init(c);
  if (!pj || whorl_json_typeof(pj) != WHORL_JSON_OBJECT) return -1;
  const whorl_json *tj = whorl_json_object_get(pj, "types"), *st = whorl_json_object_get(pj, "state");
  if (!tj || !st || whorl_json_typeof(tj) != WHORL_JSON_OBJECT || whorl_json_typeof(st) != WHORL_JSON_OBJECT) return -1;
  uint64_t nonnull = 0;
  for (int t = 0; t < 8; t++) {
    const whorl_json *v = whorl_json_object_get(tj, whorl__ltype_name((whorl_ltype)t));
    if (!v) continue;
    if (!whorl_json_is_int(v) || whorl_json_get_int(v) < 0) return -1;
    c->types[t] = (uint64_t)whorl_json_get_int(v);
    if (t) nonnull += c->types[t];
  }
  const whorl_json *fj = whorl_json_object_get(pj, "frequent");
  if (!fj) {
    if (!nonnull) return direct_from_json(c, st);
    const char *s;
    size_t n;
    c->freq_over = 1;
    if (direct_from_json(c, st) || hll_on(c)) return -1;
    /* hll_nib; hll (6-bit packed) in documents written before it */
    if (!get_str(st, "hll_nib", &s, &n)) return whorl__hll_read_nib(c->hll, s, n) ? -1 : 0;
    return get_str(st, "hll", &s, &n) || whorl__hll_read(c->hll, s, n) ? -1 : 0;
  }
  /* counting: the pairs stand for their statistics (keyed: their hashes
   * only, the statistics are in the state) */
  if (keyed && direct_from_json(c, st)) return -1;
  if (whorl_json_typeof(fj) != WHORL_JSON_ARRAY || whorl_json_size(fj) > WHORL_FREQ_CAP) return -1;
  uint64_t total = 0;
  whorl_buf b = WHORL_BUF_INIT;
  int rc = 0;
  for (size_t i = 0; i < whorl_json_size(fj) && !rc; i++) {
    const whorl_json *pair = whorl_json_array_get(fj, i), *cnt = whorl_json_array_get(pair, 1);
    if (whorl_json_size(pair) != 2 || !whorl_json_is_int(cnt) || whorl_json_get_int(cnt) <= 0) {
      rc = -1;
      break;
    }
    uint64_t hlo, hhi;
    b.len = 0;
    if (keyed) {
      size_t n;
      const char *s = whorl_json_typeof(whorl_json_array_get(pair, 0)) == WHORL_JSON_STRING
                          ? whorl_json_get_string(whorl_json_array_get(pair, 0), &n)
                          : NULL;
      if (!s || n != 34 || s[0] != 'k' || s[1] != ':' || unhex16(s + 2, 32, &hlo, &hhi)) {
        rc = -1;
        break;
      }
    } else {
      if (whorl__canon_from_json(whorl_json_array_get(pair, 0), &b) || b.oom || !b.len || b.data[0] == 'N') {
        rc = -1;
        break;
      }
      XXH128_hash_t h = XXH3_128bits(b.data, b.len);
      hlo = h.low64, hhi = h.high64;
    }
    uint64_t k = (uint64_t)whorl_json_get_int(cnt);
    total += k;
    size_t before = c->freq ? c->freq->n : 0;
    if (freq_add(c, keyed ? 0 : canon_type((const uint8_t *)b.data, b.len), (const uint8_t *)b.data, b.len, hlo, hhi, k) ||
        !c->freq || c->freq->n != before + 1)
      rc = -1; /* a duplicate, or a value that cannot be counted */
  }
  whorl_buf_free(&b);
  if (!rc && total != nonnull) rc = -1;
  return rc || c->oom ? -1 : 0;
}

/* ---- sample JSON --------------------------------------------------------------------------- */

whorl_json *whorl__psample_json(const whorl_psample *s, size_t ncols) {
  whorl_json *rows = whorl_json_array();
  for (size_t i = 0; i < s->n && i < WHORL_SAMPLE_ROWS; i++) {
    const whorl_srow *r = &s->row[i];
    whorl_json *o = whorl_json_object(), *vals = whorl_json_array();
    char h[33];
    hex16(r->hlo, r->hhi, h);
    whorl_json_object_set(o, "hash", whorl_json_string(h));
    size_t pos = 0;
    whorl_json *hx = NULL; /* column index -> hex of a string value that is not UTF-8 */
    for (size_t c = 0; c < ncols; c++) {
      const uint8_t *p = NULL;
      size_t n = 0;
      if (pos < r->cells.len && whorl__cell_next((const uint8_t *)r->cells.data, r->cells.len, &pos, &p, &n)) pos = r->cells.len;
      whorl_json_array_append(vals, p ? whorl__canon_to_json(p, n) : whorl_json_null());
      if (p && n > 1 && p[0] == 'S' && !whorl__utf8_valid((const char *)p + 1, n - 1)) {
        whorl_buf b = WHORL_BUF_INIT;
        whorl__hex_bytes((const char *)p + 1, n - 1, &b);
        char k[24];
        snprintf(k, sizeof k, "%zu", c);
        if (!hx) hx = whorl_json_object();
        whorl_json_object_set(hx, k, b.oom ? NULL : whorl_json_stringn(b.data, b.len));
        whorl_buf_free(&b);
      }
    }
    whorl_json_object_set(o, "values", vals);
    if (hx) whorl_json_object_set(o, "values_hex", hx);
    whorl_json_array_append(rows, o);
  }
  return rows;
}

int whorl__psample_from_json(whorl_psample *s, const whorl_json *rows, const size_t *map, size_t nsrc, size_t ndst,
                             int keyed) {
  if (whorl_json_typeof(rows) != WHORL_JSON_ARRAY) return -1;
  whorl_buf *cell = calloc(ndst ? ndst : 1, sizeof *cell);
  if (!cell) return -1;
  int rc = 0;
  for (size_t i = 0; i < whorl_json_size(rows) && !rc; i++) {
    const whorl_json *r = whorl_json_array_get(rows, i), *vals = whorl_json_object_get(r, "values");
    const char *h = whorl_json_object_get_string(r, "hash");
    uint64_t hlo, hhi;
    if (!h || unhex16(h, strlen(h), &hlo, &hhi) || whorl_json_typeof(vals) != WHORL_JSON_ARRAY ||
        whorl_json_size(vals) != nsrc) {
      rc = -1;
      break;
    }
    for (size_t c = 0; c < ndst; c++) {
      cell[c].len = 0;
      whorl__value_null(&cell[c]);
    }
    const whorl_json *hx = whorl_json_object_get(r, "values_hex");
    if (hx && whorl_json_typeof(hx) != WHORL_JSON_OBJECT) rc = -1;
    for (size_t k = 0; hx && k < whorl_json_size(hx) && !rc; k++) { /* every index names a string value */
      const char *key = whorl_json_object_key(hx, k, NULL);
      char *end;
      unsigned long long c = strtoull(key, &end, 10);
      if (*end || !*key || (key[0] == '0' && key[1]) || c >= nsrc ||
          whorl_json_typeof(whorl_json_object_value(hx, k)) != WHORL_JSON_STRING ||
          whorl_json_typeof(whorl_json_array_get(vals, (size_t)c)) != WHORL_JSON_STRING)
        rc = -1;
    }
    for (size_t c = 0; c < nsrc && !rc; c++) {
      whorl_buf *o = &cell[map[c]];
      const whorl_json *v = whorl_json_array_get(vals, c);
      o->len = 0;
      size_t n;
      const char *t = whorl_json_typeof(v) == WHORL_JSON_STRING ? whorl_json_get_string(v, &n) : NULL;
      char key[24];
      snprintf(key, sizeof key, "%zu", c);
      const char *hex = hx ? whorl_json_object_get_string(hx, key) : NULL;
      if (hex) { /* a string that is not UTF-8: its exact bytes */
        size_t hn = strlen(hex);
        whorl_buf_putc(o, 'S');
        for (size_t i = 0; i + 1 < hn && !rc; i += 2) {
          int a = unhex_digit(hex[i]), b = unhex_digit(hex[i + 1]);
          if (a < 0 || b < 0) rc = -1;
          else whorl_buf_putc(o, (char)(a << 4 | b));
        }
        /* odd length, or bytes that are UTF-8 after all (one value, one spelling) */
        if (hn % 2 || whorl__utf8_valid(o->data + 1, o->len - 1)) rc = -1;
      } else if (keyed && t && n == 34 && t[0] == 'k' && t[1] == ':') {
        uint64_t lo = 0, hi = 0;
        if (unhex16(t + 2, 32, &lo, &hi)) rc = -1;
        uint8_t k[17];
        k[0] = 'K';
        for (int b = 0; b < 8; b++) k[1 + b] = (uint8_t)(lo >> (8 * b)), k[9 + b] = (uint8_t)(hi >> (8 * b));
        whorl_buf_put(o, k, 17);
      } else if (whorl__canon_from_json(v, o)) {
        rc = -1;
      }
    }
    whorl_buf row = WHORL_BUF_INIT;
    for (size_t c = 0; c < ndst && !rc; c++) whorl__cell_put(&row, cell[c].data, cell[c].len);
    if (!rc && (row.oom || whorl__psample_add(s, hlo, hhi, &row))) rc = -1;
    whorl_buf_free(&row);
  }
  for (size_t c = 0; c < ndst; c++) whorl_buf_free(&cell[c]);
  free(cell);
  return rc;
}

/* ---- correlations ---------------------------------------------------------------------------- */

whorl_json *whorl__psample_pearson(const whorl_psample *s, const whorl_lresult *res, size_t maxcols) {
  size_t *cols = malloc((res->ncols + 1) * sizeof *cols), nc = 0;
  if (!cols) return NULL;
  for (size_t i = 0; i < res->ncols && nc < maxcols; i++)
    if (res->col[i].type.type == WHORL_T_INT || res->col[i].type.type == WHORL_T_FLOAT) cols[nc++] = i;
  /* values[row][k], NaN when null or not a finite number */
  double *v = malloc((s->n * nc + 1) * sizeof *v);
  whorl_json *j = NULL;
  if (!v) goto done;
  for (size_t r = 0; r < s->n; r++) {
    size_t pos = 0, c = 0, k = 0;
    const whorl_buf *cells = &s->row[r].cells;
    for (size_t x = 0; x < nc; x++) v[r * nc + x] = NAN;
    while (k < nc && pos < cells->len) {
      const uint8_t *p;
      size_t n;
      if (whorl__cell_next((const uint8_t *)cells->data, cells->len, &pos, &p, &n)) break;
      if (c == cols[k]) {
        uint64_t m;
        int32_t e;
        int neg;
        double x;
        if (!whorl__canon_number(p, n, &m, &e, &neg, &x) && isfinite(x)) v[r * nc + k] = x;
        k++;
      }
      c++;
    }
  }
  j = whorl_json_object();
  whorl_json_object_set(j, "method", whorl_json_string("pearson"));
  whorl_json_object_set(j, "sample_rows", whorl_json_int((int64_t)s->n));
  whorl_json *names = whorl_json_array(), *mat = whorl_json_array();
  for (size_t a = 0; a < nc; a++) {
    whorl_json_array_append(names, whorl_json_stringn(res->col[cols[a]].name, res->col[cols[a]].name_len));
    whorl_json *row = whorl_json_array();
    for (size_t b = 0; b < nc; b++) {
      /* pairwise complete rows, two passes (means first) */
      double sa = 0, sb = 0;
      size_t n = 0;
      for (size_t r = 0; r < s->n; r++) {
        double x = v[r * nc + a], y = v[r * nc + b];
        if (isnan(x) || isnan(y)) continue;
        sa += x, sb += y, n++;
      }
      double ma = n ? sa / (double)n : 0, mb = n ? sb / (double)n : 0, sab = 0, saa = 0, sbb = 0;
      for (size_t r = 0; r < s->n; r++) {
        double x = v[r * nc + a], y = v[r * nc + b];
        if (isnan(x) || isnan(y)) continue;
        sab += (x - ma) * (y - mb), saa += (x - ma) * (x - ma), sbb += (y - mb) * (y - mb);
      }
      double rho = n > 1 && saa > 0 && sbb > 0 ? sab / sqrt(saa * sbb) : NAN;
      if (rho > 1) rho = 1;
      if (rho < -1) rho = -1;
      /* six decimals: a summary, and a smaller document */
      whorl_json_array_append(row, isfinite(rho) ? whorl_json_double(round(rho * 1e6) / 1e6 + 0.0) : whorl_json_null());
    }
    whorl_json_array_append(mat, row);
  }
  whorl_json_object_set(j, "columns", names);
  whorl_json_object_set(j, "matrix", mat);
  if (res->ncols > nc && nc == maxcols) whorl_json_object_set(j, "truncated", whorl_json_bool(1));
done:
  free(v);
  free(cols);
  return j;
}

void whorl__pcol_materialize(const whorl_pcol *c, whorl_pcol *out) {
  whorl__pcol_init(out);
  for (int i = 0; i < 8; i++) out->types[i] = c->types[i];
  merge_direct(out, c);
  if (c->freq && !c->freq_over) replay(out, c->freq);
}

int whorl__pnum_moments(const whorl_pnum *d, double *mean, double *std) {
  if (!d || !d->n) return -1;
  __float128 s1 = whorl__xsum_value(&d->s1), s2 = whorl__xsum_value(&d->s2), n = (__float128)d->n;
  *mean = (double)(s1 / n);
  *std = d->n > 1 ? sqrt_q((s2 - s1 * s1 / n) / (n - 1)) : 0;
  return 0;
}
