/* hist.c - the two quantile histograms of sketch.h: log-linear (relative
 * error) and uniform with a power-of-two width (absolute error). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sketch/sketch.h"

/* Counts as varints, a run of zeros as 0 and the run's length. */
static void put_counts(whorl_buf *v, const uint64_t *c, size_t n) {
  for (size_t i = 0; i < n;) {
    if (c[i]) {
      whorl__put_uvarint(v, c[i++]);
      continue;
    }
    size_t k = i;
    while (k < n && !c[k]) k++;
    whorl__put_uvarint(v, 0);
    whorl__put_uvarint(v, k - i);
    i = k;
  }
}

/* Reads n counts; calls back for each nonzero one. */
static int get_counts(const uint8_t **p, const uint8_t *end, size_t n, int (*cb)(void *, size_t, uint64_t), void *ctx) {
  for (size_t i = 0; i < n;) {
    uint64_t c, run;
    if (whorl__get_uvarint(p, end, &c)) return -1;
    if (c) {
      if (cb(ctx, i++, c)) return -1;
      continue;
    }
    if (whorl__get_uvarint(p, end, &run) || !run || run > n - i) return -1;
    i += run;
  }
  return 0;
}

/* ---- log-linear ------------------------------------------------------------
 * A positive double's key is its top 17 bits after the sign (11 exponent
 * bits, 6 mantissa bits): monotone in the value, 64 keys per power of two.
 * A store keeps the keys kmin..kmax; when that range would exceed
 * WHORL_DD_CAP keys, the smallest are folded into kmax - CAP + 1. A value's
 * final bucket is max(key, final kmax - CAP + 1) whatever the order. A
 * store is empty while cnt is NULL. When the range is full, the lowest
 * bucket is taken to reach down to 0 (it may hold folded values). */

static inline int32_t dd_key(double x) {
  uint64_t b;
  memcpy(&b, &x, 8);
  return (int32_t)(b >> 46);
}

static double key_lo(int32_t k) {
  uint64_t b = (uint64_t)k << 46;
  double x;
  memcpy(&x, &b, 8);
  return x;
}

/* The store covers keys a..b in its array. */
static int store_cover(whorl_ddstore *s, int32_t a, int32_t b) {
  if (s->cnt && a >= s->lo && b < s->lo + (int32_t)s->n) return 0;
  int32_t nlo = a, nhi = b;
  if (s->cnt) {
    if (s->kmin < nlo) nlo = s->kmin;
    if (s->kmax > nhi) nhi = s->kmax;
  }
  uint32_t need = (uint32_t)(nhi - nlo + 1);
  uint32_t nn = s->n * 2 > need ? s->n * 2 : need;
  if (nn < 64) nn = 64;
  if (nn > WHORL_DD_CAP + 64) nn = need > WHORL_DD_CAP + 64 ? need : WHORL_DD_CAP + 64;
  /* headroom on the side that grew */
  int32_t base = (s->cnt && a < s->lo) ? nhi - (int32_t)nn + 1 : nlo;
  uint64_t *c = calloc(nn, sizeof *c);
  if (!c) return -1;
  if (s->cnt)
    memcpy(c + (s->kmin - base), s->cnt + (s->kmin - s->lo), (size_t)(s->kmax - s->kmin + 1) * sizeof *c);
  free(s->cnt);
  s->cnt = c;
  s->lo = base;
  s->n = nn;
  return 0;
}

static int store_add(whorl_ddstore *s, int32_t k, uint64_t n) {
  if (!s->cnt) { /* empty */
    if (store_cover(s, k, k)) return -1;
    s->kmin = s->kmax = k;
    s->cnt[k - s->lo] += n;
    return 0;
  }
  if (k > s->kmax) {
    int32_t newmin = k - WHORL_DD_CAP + 1;
    uint64_t folded = 0;
    int fold = newmin > s->kmin;
    if (fold) {
      int32_t top = newmin - 1 < s->kmax ? newmin - 1 : s->kmax;
      for (int32_t i = s->kmin; i <= top; i++) {
        folded += s->cnt[i - s->lo];
        s->cnt[i - s->lo] = 0;
      }
      if (newmin > s->kmax) { /* everything folds: start again at newmin */
        free(s->cnt);
        s->cnt = NULL;
        s->n = 0;
        if (store_cover(s, newmin, k)) return -1;
        s->kmin = newmin;
        s->kmax = k;
        s->cnt[newmin - s->lo] += folded;
        s->cnt[k - s->lo] += n;
        return 0;
      }
      s->kmin = newmin;
    }
    if (store_cover(s, s->kmin, k)) return -1;
    s->kmax = k;
    if (fold) s->cnt[newmin - s->lo] += folded;
    s->cnt[k - s->lo] += n;
    return 0;
  }
  if (k < s->kmin) {
    int32_t lowest = s->kmax - WHORL_DD_CAP + 1;
    if (k < lowest) k = lowest;
    if (k < s->kmin) {
      if (store_cover(s, k, s->kmax)) return -1;
      s->kmin = k;
    }
  }
  s->cnt[k - s->lo] += n;
  return 0;
}

void whorl__dd_add(whorl_dd *d, double x) {
  if (x > 0) {
    int32_t k = dd_key(x);
    if (d->pos.cnt && k >= d->pos.kmin && k <= d->pos.kmax) d->pos.cnt[k - d->pos.lo]++;
    else if (store_add(&d->pos, k, 1)) d->oom = 1;
  } else if (x < 0) {
    int32_t k = dd_key(-x);
    if (d->neg.cnt && k >= d->neg.kmin && k <= d->neg.kmax) d->neg.cnt[k - d->neg.lo]++;
    else if (store_add(&d->neg, k, 1)) d->oom = 1;
  } else {
    d->zero++;
  }
}

void whorl__dd_addn(whorl_dd *d, double x, uint64_t n) {
  if (!n) return;
  if (x > 0) {
    if (store_add(&d->pos, dd_key(x), n)) d->oom = 1;
  } else if (x < 0) {
    if (store_add(&d->neg, dd_key(-x), n)) d->oom = 1;
  } else {
    d->zero += n;
  }
}

static int store_merge(whorl_ddstore *s, const whorl_ddstore *o) {
  if (!o->cnt) return 0;
  /* the top first, so the fold point is final before the rest comes */
  if (store_add(s, o->kmax, o->cnt[o->kmax - o->lo])) return -1;
  for (int32_t k = o->kmin; k < o->kmax; k++) {
    uint64_t c = o->cnt[k - o->lo];
    if (c && store_add(s, k, c)) return -1;
  }
  return 0;
}

void whorl__dd_merge(whorl_dd *d, const whorl_dd *o) {
  if (store_merge(&d->pos, &o->pos) || store_merge(&d->neg, &o->neg)) d->oom = 1;
  d->zero += o->zero;
  if (o->oom) d->oom = 1;
}

size_t whorl__dd_buckets(const whorl_dd *d, whorl_bucket **out) {
  size_t n = 0, cap = 1;
  if (d->pos.cnt) cap += (size_t)(d->pos.kmax - d->pos.kmin + 1);
  if (d->neg.cnt) cap += (size_t)(d->neg.kmax - d->neg.kmin + 1);
  whorl_bucket *b = malloc(cap * sizeof *b);
  *out = b;
  if (!b) return 0;
  const whorl_ddstore *s = &d->neg;
  if (s->cnt)
    for (int32_t k = s->kmax; k >= s->kmin; k--) {
      uint64_t c = s->cnt[k - s->lo];
      if (!c) continue;
      /* the lowest bucket may hold folded smaller magnitudes: down to 0 */
      double lo = k == s->kmin && s->kmax - s->kmin + 1 == WHORL_DD_CAP ? 0 : key_lo(k);
      b[n++] = (whorl_bucket){-key_lo(k + 1), -lo, c};
    }
  if (d->zero) b[n++] = (whorl_bucket){0, 0, d->zero};
  s = &d->pos;
  if (s->cnt)
    for (int32_t k = s->kmin; k <= s->kmax; k++) {
      uint64_t c = s->cnt[k - s->lo];
      if (!c) continue;
      double lo = k == s->kmin && s->kmax - s->kmin + 1 == WHORL_DD_CAP ? 0 : key_lo(k);
      b[n++] = (whorl_bucket){lo, key_lo(k + 1), c};
    }
  return n;
}

static void store_write(const whorl_ddstore *s, whorl_buf *v) {
  if (!s->cnt) {
    whorl__put_uvarint(v, 0);
    return;
  }
  whorl__put_uvarint(v, (uint64_t)(s->kmax - s->kmin + 1));
  whorl__put_svarint(v, s->kmin);
  put_counts(v, s->cnt + (s->kmin - s->lo), (size_t)(s->kmax - s->kmin + 1));
}

void whorl__dd_write(const whorl_dd *d, whorl_buf *out) {
  whorl_buf v = WHORL_BUF_INIT;
  whorl__put_uvarint(&v, d->zero);
  store_write(&d->pos, &v);
  store_write(&d->neg, &v);
  whorl__base64((const uint8_t *)v.data, v.len, out);
  whorl_buf_free(&v);
}

typedef struct sr {
  whorl_ddstore *s;
  int32_t k0;
  uint64_t *tmp;
} sr;

static int sr_put(void *ctx, size_t i, uint64_t c) {
  ((sr *)ctx)->tmp[i] = c;
  return 0;
}

static int store_read(whorl_ddstore *s, const uint8_t **p, const uint8_t *end) {
  uint64_t span;
  int64_t kmin;
  if (whorl__get_uvarint(p, end, &span)) return -1;
  if (!span) return 0;
  if (span > WHORL_DD_CAP || whorl__get_svarint(p, end, &kmin) || kmin < 0 || kmin + (int64_t)span > (1 << 17))
    return -1;
  sr r = {s, (int32_t)kmin, calloc(span, sizeof(uint64_t))};
  if (!r.tmp) return -1;
  int rc = get_counts(p, end, span, sr_put, &r);
  if (!rc && (!r.tmp[0] || !r.tmp[span - 1])) rc = -1;
  /* the top first (the fold point), then the rest */
  if (!rc) rc = store_add(s, (int32_t)(kmin + (int64_t)span - 1), r.tmp[span - 1]);
  for (uint64_t i = 0; i + 1 < span && !rc; i++)
    if (r.tmp[i]) rc = store_add(s, (int32_t)(kmin + (int64_t)i), r.tmp[i]);
  free(r.tmp);
  return rc;
}

int whorl__dd_read(whorl_dd *d, const char *text, size_t len) {
  whorl_buf v = WHORL_BUF_INIT;
  int rc = -1;
  if (!whorl__unbase64(text, len, &v)) {
    const uint8_t *p = (const uint8_t *)v.data, *end = p + v.len;
    uint64_t z;
    if (!whorl__get_uvarint(&p, end, &z) && !store_read(&d->pos, &p, end) && !store_read(&d->neg, &p, end) && p == end) {
      d->zero += z;
      rc = 0;
    }
  }
  whorl_buf_free(&v);
  return rc;
}

void whorl__dd_free(whorl_dd *d) {
  free(d->pos.cnt);
  free(d->neg.cnt);
  memset(d, 0, sizeof *d);
}

/* ---- uniform, width 2^j ---------------------------------------------------------
 * Key k covers [k, k+1) * 2^j. j is the smallest value >= UH_JMIN for which
 * every key fits an int64 comfortably and the occupied keys span fewer than
 * WHORL_UH_CAP: both only grow with the data, so j, and with it every
 * bucket, depends on the set of values alone. */

#define UH_JMIN (-60)

static void uh_setj(whorl_uh *u, int32_t j) {
  u->j = j;
  u->scale = ldexp(1.0, -j);
  u->lim = ldexp(1.0, 61 + j);
}

/* Coarsens by one: j+1, keys halved (floor). */
static void uh_coarsen(whorl_uh *u) {
  int64_t nlo = u->klo >> 1; /* arithmetic shift: floor */
  uint32_t nspan = u->span ? (uint32_t)(((u->klo + u->span - 1) >> 1) - nlo + 1) : 0;
  if (u->cnt) {
    uint64_t tmp[WHORL_UH_CAP];
    memset(tmp, 0, sizeof tmp);
    for (uint32_t i = 0; i < u->span; i++) tmp[((u->klo + i) >> 1) - nlo] += u->cnt[i];
    memcpy(u->cnt, tmp, sizeof tmp);
  }
  u->klo = nlo;
  u->span = nspan;
  uh_setj(u, u->j + 1);
}

/* Adds `c` values in key k (at the current j). */
static void uh_put(whorl_uh *u, int64_t k, uint64_t c) {
  for (;;) {
    if (!u->span) {
      u->klo = k;
      u->span = 1;
      u->cnt[0] += c;
      return;
    }
    int64_t lo = k < u->klo ? k : u->klo, hi = k > u->klo + u->span - 1 ? k : u->klo + u->span - 1;
    if (hi - lo < WHORL_UH_CAP) {
      if (k < u->klo) {
        uint32_t sh = (uint32_t)(u->klo - k);
        memmove(u->cnt + sh, u->cnt, u->span * sizeof *u->cnt);
        memset(u->cnt, 0, sh * sizeof *u->cnt);
        u->klo = k;
        u->span += sh;
      } else if (k > u->klo + u->span - 1) {
        u->span = (uint32_t)(k - u->klo + 1);
      }
      u->cnt[k - u->klo] += c;
      return;
    }
    uh_coarsen(u);
    k >>= 1;
  }
}

static int uh_alloc(whorl_uh *u) {
  if (u->cnt) return 0;
  u->cnt = calloc(WHORL_UH_CAP, sizeof *u->cnt);
  if (!u->cnt) {
    u->oom = 1;
    return -1;
  }
  if (!u->n) uh_setj(u, UH_JMIN);
  return 0;
}

void whorl__uh_add(whorl_uh *u, double x) {
  if (!u->cnt && uh_alloc(u)) return;
  /* keys within +-2^61 */
  while (fabs(x) >= u->lim) uh_coarsen(u);
  int64_t k = whorl__uh_key(u, x);
  u->n++;
  if (u->span && k >= u->klo && k < u->klo + u->span) u->cnt[k - u->klo]++;
  else uh_put(u, k, 1);
}

void whorl__uh_addn(whorl_uh *u, double x, uint64_t n) {
  if (!n) return;
  if (!u->cnt && uh_alloc(u)) return;
  while (fabs(x) >= u->lim) uh_coarsen(u);
  int64_t k = whorl__uh_key(u, x);
  u->n += n;
  uh_put(u, k, n);
}

void whorl__uh_coarsen_to(whorl_uh *u, int32_t j) {
  while (u->cnt && u->j < j) uh_coarsen(u);
}

void whorl__uh_merge(whorl_uh *u, const whorl_uh *o) {
  if (!o->n) return;
  if (!u->cnt && uh_alloc(u)) return;
  while (u->j < o->j) uh_coarsen(u);
  for (uint32_t i = 0; i < o->span; i++) /* u may coarsen on the way: the shift is taken each time */
    if (o->cnt[i]) {
      /* keys lie within +-2^61: past 63 places every key is 0 or -1 (a
       * shift of 64 or more would be undefined, and x86 takes it mod 64) */
      const int32_t sh = u->j - o->j > 63 ? 63 : u->j - o->j;
      uh_put(u, (o->klo + (int64_t)i) >> sh, o->cnt[i]);
    }
  u->n += o->n;
  if (o->oom) u->oom = 1;
}

double whorl__uh_width(const whorl_uh *u) { return ldexp(1.0, u->j); }

size_t whorl__uh_buckets(const whorl_uh *u, whorl_bucket **out) {
  whorl_bucket *b = malloc((u->span + 1) * sizeof *b);
  *out = b;
  if (!b) return 0;
  size_t n = 0;
  for (uint32_t i = 0; i < u->span; i++)
    if (u->cnt[i]) b[n++] = (whorl_bucket){ldexp((double)(u->klo + i), u->j), ldexp((double)(u->klo + i + 1), u->j), u->cnt[i]};
  return n;
}

void whorl__uh_write(const whorl_uh *u, whorl_buf *out) {
  whorl_buf v = WHORL_BUF_INIT;
  whorl__put_uvarint(&v, u->span);
  if (u->span) {
    whorl__put_svarint(&v, u->j);
    whorl__put_svarint(&v, u->klo);
    put_counts(&v, u->cnt, u->span);
  }
  whorl__base64((const uint8_t *)v.data, v.len, out);
  whorl_buf_free(&v);
}

static int uh_put_read(void *ctx, size_t i, uint64_t c) {
  ((whorl_uh *)ctx)->cnt[i] = c;
  return 0;
}

int whorl__uh_read(whorl_uh *u, const char *text, size_t len) {
  whorl_buf v = WHORL_BUF_INIT;
  int rc = -1;
  if (!whorl__unbase64(text, len, &v)) {
    const uint8_t *p = (const uint8_t *)v.data, *end = p + v.len;
    uint64_t span;
    int64_t j, klo;
    whorl_uh t;
    memset(&t, 0, sizeof t);
    if (!whorl__get_uvarint(&p, end, &span)) {
      if (!span) rc = p == end ? 0 : -1;
      else if (span <= WHORL_UH_CAP && !whorl__get_svarint(&p, end, &j) && j >= UH_JMIN && j < 1100 &&
               !whorl__get_svarint(&p, end, &klo) && klo > -(1ll << 62) && klo < (1ll << 62) &&
               (t.cnt = calloc(WHORL_UH_CAP, sizeof *t.cnt))) {
        uh_setj(&t, (int32_t)j);
        t.klo = klo;
        t.span = (uint32_t)span;
        rc = get_counts(&p, end, span, uh_put_read, &t);
        for (uint32_t i = 0; i < span && !rc; i++) t.n += t.cnt[i];
        if (!rc && (p != end || !t.cnt[0] || !t.cnt[span - 1])) rc = -1;
        if (!rc) whorl__uh_merge(u, &t);
        free(t.cnt);
      }
    }
  }
  whorl_buf_free(&v);
  return rc;
}

void whorl__uh_free(whorl_uh *u) {
  free(u->cnt);
  memset(u, 0, sizeof *u);
}

/* ---- quantiles from buckets ------------------------------------------------------------ */

static double order_stat(const whorl_bucket *b, size_t nb, uint64_t rank, double vmin, double vmax, double *bound) {
  uint64_t seen = 0;
  for (size_t i = 0; i < nb; i++) {
    seen += b[i].count;
    if (rank < seen) {
      double lo = b[i].lo < vmin ? vmin : b[i].lo, hi = b[i].hi > vmax ? vmax : b[i].hi;
      if (lo > hi) lo = hi = lo > vmax ? vmax : vmin;
      double mid = lo + (hi - lo) / 2;
      *bound = (hi - lo) / 2;
      return mid;
    }
  }
  *bound = 0;
  return vmax;
}

double whorl__bucket_quantile(const whorl_bucket *b, size_t nb, double r, double vmin, double vmax, double *bound) {
  uint64_t r0 = (uint64_t)floor(r), r1 = (uint64_t)ceil(r);
  double f = r - (double)r0, e0, e1;
  double v0 = order_stat(b, nb, r0, vmin, vmax, &e0);
  if (r1 == r0) {
    *bound = e0;
    return v0;
  }
  double v1 = order_stat(b, nb, r1, vmin, vmax, &e1);
  *bound = e0 > e1 ? e0 : e1;
  return v0 + (v1 - v0) * f;
}
