/* sketch.h - mergeable, order-independent summaries for profiles (issue 4).
 *
 * Every structure here has the property the profiles rely on: its final
 * state depends only on the multiset of values added, never on their order
 * or on how the input was split, so a table read on one thread, on two, or
 * as shards merged later gives byte-identical states. Merging two states
 * equals adding both inputs to one.
 *
 *  - xsum: exact sums of decimal numbers m * 10^e (bins per exponent of
 *    signed 192-bit integers): exact sums and sums of squares, so means and
 *    variances do not depend on the summation order;
 *  - hll: HyperLogLog with 2^12 six-bit registers (standard error 1.6%);
 *  - dd: a log-linear histogram in the manner of DDSketch: 64 buckets per
 *    power of two, so a bucket's midpoint is within 0.78% of every value in
 *    it (relative error), at most WHORL_DD_CAP buckets per sign (the
 *    smallest magnitudes are folded together past that);
 *  - uh: a uniform histogram whose bucket width is a power of two, the
 *    smallest that keeps the occupied range within WHORL_UH_CAP buckets:
 *    error at most half a bucket, about range / WHORL_UH_CAP (absolute: good
 *    for dates, timestamps and ids, where a relative error is not).
 *
 * States serialize to compact strings (base64 of varints) for JSON, and back.
 * Docs: docs/profile.md.
 */
#ifndef WHORL_SKETCH_H
#define WHORL_SKETCH_H

#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

/* ---- varints and base64 ---------------------------------------------------- */
void whorl__put_uvarint(whorl_buf *b, uint64_t v);
void whorl__put_svarint(whorl_buf *b, int64_t v);
/* Returns -1 when the input ends or the varint is longer than 10 bytes. */
int whorl__get_uvarint(const uint8_t **p, const uint8_t *end, uint64_t *v);
int whorl__get_svarint(const uint8_t **p, const uint8_t *end, int64_t *v);
/* Standard base64 with padding; decode returns -1 on anything else. */
void whorl__base64(const uint8_t *in, size_t n, whorl_buf *out);
int whorl__unbase64(const char *in, size_t n, whorl_buf *out);

/* ---- exact decimal sums ------------------------------------------------------ */
typedef struct whorl_xbin {
  int32_t e;
  uint64_t w[3]; /* signed 192-bit, two's complement, little-endian limbs */
} whorl_xbin;

typedef struct whorl_xsum {
  whorl_xbin *bin; /* sorted by e */
  size_t n, cap, last;
  int oom;
} whorl_xsum;

/* Adds (neg ? -m : m) * 10^e. */
void whorl__xsum_add(whorl_xsum *s, int32_t e, unsigned __int128 m, int neg);
/* The same, inline when the exponent is the last one used. */
static inline void whorl__xsum_add1(whorl_xsum *s, int32_t e, unsigned __int128 m, int neg) {
  if (s->n && s->bin[s->last].e == e && m) {
    /* (0, hi, lo), or its two's complement: ~x + 1 over the three limbs */
    uint64_t *w = s->bin[s->last].w;
    const uint64_t sx = neg ? ~(uint64_t)0 : 0;
    uint64_t a0 = (uint64_t)m ^ sx, a1 = (uint64_t)(m >> 64) ^ sx, a2 = sx;
    unsigned __int128 t = (unsigned __int128)a0 + (uint64_t)(neg != 0);
    a0 = (uint64_t)t;
    t = (unsigned __int128)a1 + (uint64_t)(t >> 64);
    a1 = (uint64_t)t;
    a2 += (uint64_t)(t >> 64);
    t = (unsigned __int128)w[0] + a0;
    w[0] = (uint64_t)t;
    t = (unsigned __int128)w[1] + a1 + (uint64_t)(t >> 64);
    w[1] = (uint64_t)t;
    w[2] += a2 + (uint64_t)(t >> 64);
    return;
  }
  whorl__xsum_add(s, e, m, neg);
}
/* Adds (neg ? -1 : 1) * m * times * 10^e (a 192-bit product). */
void whorl__xsum_add_mul(whorl_xsum *s, int32_t e, unsigned __int128 m, uint64_t times, int neg);
void whorl__xsum_merge(whorl_xsum *s, const whorl_xsum *o);
/* The sum in binary128 (relative error about 1e-33). */
__float128 whorl__xsum_value(const whorl_xsum *s);
/* "e:digits,e:digits" with signed decimal digits, bins in order; parse
 * returns -1 on malformed text. */
void whorl__xsum_write(const whorl_xsum *s, whorl_buf *out);
int whorl__xsum_read(whorl_xsum *s, const char *text, size_t len);
void whorl__xsum_free(whorl_xsum *s);

/* ---- HyperLogLog ----------------------------------------------------------------- */
#define WHORL_HLL_P 12
#define WHORL_HLL_M (1u << WHORL_HLL_P)
typedef struct whorl_hll {
  uint8_t reg[WHORL_HLL_M];
} whorl_hll;

static inline void whorl__hll_add(whorl_hll *h, uint64_t x) {
  uint32_t idx = (uint32_t)(x >> (64 - WHORL_HLL_P));
  uint64_t rest = (x << WHORL_HLL_P) | (1ull << (WHORL_HLL_P - 1));
  uint8_t rho = (uint8_t)(__builtin_clzll(rest) + 1);
  if (rho > h->reg[idx]) h->reg[idx] = rho;
}
void whorl__hll_merge(whorl_hll *h, const whorl_hll *o);
double whorl__hll_estimate(const whorl_hll *h);
void whorl__hll_write(const whorl_hll *h, whorl_buf *out); /* base64 of packed 6-bit registers */
int whorl__hll_read(whorl_hll *h, const char *text, size_t len);
/* The same registers as nibbles above a base, with exceptions (smaller
 * for dense sketches: about 2.7 KiB of base64 instead of 4): see hll.c. */
void whorl__hll_write_nib(const whorl_hll *h, whorl_buf *out);
int whorl__hll_read_nib(whorl_hll *h, const char *text, size_t len);

/* ---- histograms: buckets with value ranges, for quantiles ----------------------------- */
typedef struct whorl_bucket {
  double lo, hi; /* every value counted here is in [lo, hi] */
  uint64_t count;
} whorl_bucket;

/* ---- log-linear (relative error) ------------------------------------------------------- */
#define WHORL_DD_CAP 4096
typedef struct whorl_ddstore {
  uint64_t *cnt;
  int32_t lo;  /* key of cnt[0] */
  uint32_t n;  /* keys lo .. lo+n-1 allocated */
  int32_t kmin, kmax; /* occupied range (empty while cnt is NULL) */
} whorl_ddstore;

typedef struct whorl_dd {
  whorl_ddstore pos, neg; /* neg holds -x */
  uint64_t zero;
  int oom;
} whorl_dd;

void whorl__dd_add(whorl_dd *d, double x); /* finite x only */
/* The common case inline: a positive value whose bucket is occupied. */
static inline void whorl__dd_add1(whorl_dd *d, double x) {
  /* |x|'s bucket in the store of its sign (the sign bit dropped) */
  whorl_ddstore *st = x > 0 ? &d->pos : x < 0 ? &d->neg : NULL;
  if (st && st->cnt) {
    uint64_t b;
    __builtin_memcpy(&b, &x, 8);
    int32_t k = (int32_t)((b & 0x7fffffffffffffffULL) >> 46);
    if (k >= st->kmin && k <= st->kmax) {
      st->cnt[k - st->lo]++;
      return;
    }
  }
  whorl__dd_add(d, x);
}
void whorl__dd_addn(whorl_dd *d, double x, uint64_t n);
void whorl__dd_merge(whorl_dd *d, const whorl_dd *o);
/* Buckets in value order; *out is malloc'd (free it). Returns the count. */
size_t whorl__dd_buckets(const whorl_dd *d, whorl_bucket **out);
void whorl__dd_write(const whorl_dd *d, whorl_buf *out);
int whorl__dd_read(whorl_dd *d, const char *text, size_t len);
void whorl__dd_free(whorl_dd *d);

/* ---- uniform, power-of-two width (absolute error) ------------------------------------------ */
#define WHORL_UH_CAP 1024
typedef struct whorl_uh {
  uint64_t *cnt; /* WHORL_UH_CAP counters once the first value came */
  int64_t klo;   /* bucket key of cnt[0]: key k covers [k, k+1) * 2^j */
  int32_t j;
  double scale, lim; /* 2^-j; |x| below 2^(61+j) keeps keys in range */
  uint32_t span; /* occupied keys klo .. klo+span-1 */
  uint64_t n;
  int oom;
} whorl_uh;

void whorl__uh_add(whorl_uh *u, double x); /* finite x only */
/* The key of x, floor(x / 2^j), for |x| below u->lim. A negative x whose
 * product with 2^-j underflows to -0 (1e-300 beside 1e308) still goes to
 * key -1, where it lands when added before the coarsening: its bucket
 * does not depend on the order of the values. */
static inline int64_t whorl__uh_key(const whorl_uh *u, double x) {
  double v = x * u->scale;
  int64_t k = (int64_t)v; /* |v| < 2^61: exact truncation, then floor */
  if ((double)k > v || (k == 0 && x < 0)) k--;
  return k;
}
/* The common case inline: x inside the occupied range. */
static inline void whorl__uh_add1(whorl_uh *u, double x) {
  if (u->cnt && x < u->lim && x > -u->lim) {
    int64_t k = whorl__uh_key(u, x);
    uint64_t i = (uint64_t)(k - u->klo);
    if (i < u->span) {
      u->cnt[i]++;
      u->n++;
      return;
    }
  }
  whorl__uh_add(u, x);
}
void whorl__uh_addn(whorl_uh *u, double x, uint64_t n);
void whorl__uh_merge(whorl_uh *u, const whorl_uh *o);
/* Coarsens to bucket width 2^j (no-op when already as coarse). */
void whorl__uh_coarsen_to(whorl_uh *u, int32_t j);
size_t whorl__uh_buckets(const whorl_uh *u, whorl_bucket **out);
double whorl__uh_width(const whorl_uh *u);
void whorl__uh_write(const whorl_uh *u, whorl_buf *out);
int whorl__uh_read(whorl_uh *u, const char *text, size_t len);
void whorl__uh_free(whorl_uh *u);

/* ---- invertible Bloom lookup table of (row hash, row index) ------------------------
 * Cells hold count and the sums (mod 2^64) of the keys' halves, of the
 * indices and of a check hash of the keys (sums, so repeated rows decode); each element goes to
 * WHORL_IBLT_K cells (key-derived, one in each of K equal subtables). Additive:
 * tables merge by adding cells, a part's indices shift by adding its offset
 * times each cell's count, and two tables subtract; the difference peels into
 * the elements only one side has, when it is small enough (about 0.7 x cells
 * elements). Sizes are K times a power of two and a bigger table folds
 * into a smaller one. */
#define WHORL_IBLT_K 3
typedef struct whorl_icell {
  int64_t count;
  uint64_t klo, khi, idx, chk;
  uint64_t v, vw; /* positional: sums of each row's v (its offset from the
                     anchor row before it, and that anchor's tag << 48) and
                     of v times a weight of its key (a check) */
} whorl_icell;

typedef struct whorl_iblt {
  whorl_icell *c;
  uint32_t m;     /* cells: WHORL_IBLT_K times a power of two (whorl__iblt_valid_size) */
  int has_v;      /* the positional sums are meaningful (written, read) */
} whorl_iblt;

/* A row's positional value: offset from its anchor row, the anchor's tag. */
#define WHORL_V_OFF_BITS 48
static inline uint64_t whorl__iblt_vweight(uint64_t klo, uint64_t khi) {
  uint64_t x = klo ^ (khi * 0x9fb21c651e98df25ull) ^ 0x2545f4914f6cdd1dull;
  x ^= x >> 31;
  x *= 0xd6e8feb86659fd93ull;
  x ^= x >> 32;
  return x | 1;
}

/* A key's cell hashes and check hash, computed once for every table it
 * goes into (the row table and its stratum use the same ones). */
typedef struct whorl_ikey {
  uint64_t lo, hi, chk;
  uint64_t h[WHORL_IBLT_K]; /* cell j of a table of m cells: j*(m/K) + (h[j] & (m/K - 1)) */
} whorl_ikey;
void whorl__ikey(whorl_ikey *k, uint64_t klo, uint64_t khi);
static inline uint32_t whorl__ikey_cell(const whorl_ikey *k, int j, uint32_t m) {
  uint32_t q = m / WHORL_IBLT_K;
  return (uint32_t)j * q + (uint32_t)(k->h[j] & (q - 1));
}
/* whorl__iblt_add / whorl__iblt_addv with the key's hashes at hand. */
void whorl__iblt_add_k(whorl_iblt *t, const whorl_ikey *k, uint64_t idx);
void whorl__iblt_addv_k(whorl_iblt *t, const whorl_ikey *k, uint64_t idx, uint64_t v);

int whorl__iblt_init(whorl_iblt *t, uint32_t m);
/* 1 when m cells make a table: K times a power of two, 2..2^20. */
int whorl__iblt_valid_size(uint64_t m);
void whorl__iblt_free(whorl_iblt *t);
void whorl__iblt_add(whorl_iblt *t, uint64_t klo, uint64_t khi, uint64_t idx);
/* The same, with the row's positional value v. */
void whorl__iblt_addv(whorl_iblt *t, uint64_t klo, uint64_t khi, uint64_t idx, uint64_t v);
/* Adds to the K cells of a key only the positional sums of dv (v shifts). */
void whorl__iblt_shiftv(whorl_iblt *t, uint64_t klo, uint64_t khi, uint64_t dv);
/* The cell index of a key's j-th cell in a table of m cells. */
uint32_t whorl__iblt_cell(uint64_t klo, uint64_t khi, int j, uint32_t m);
/* t += o with o's indices shifted by off (o->m == t->m). */
void whorl__iblt_absorb(whorl_iblt *t, const whorl_iblt *o, uint64_t off);
/* Halves t until it has m cells. */
void whorl__iblt_fold(whorl_iblt *t, uint32_t m);
/* The elements of b minus a: *added (b only) and *removed (a only) as
 * (klo, khi, idx) triples, malloc'd; returns 0 when everything peeled, 1
 * when the keys peeled but rows common to both moved (their index shifts
 * remain: the decoded indices are no positions), -1 when the difference is
 * too big to decode (the lists then hold what did). */
typedef struct whorl_ielem {
  uint64_t klo, khi, idx; /* idx: the row's index, or the sum of the copies' */
  uint64_t mult;          /* copies of this row (repeated rows) */
  uint64_t v;             /* whorl__iblt_positions: its positional value */
  int v_ok;               /* ... found and checked */
} whorl_ielem;
int whorl__iblt_diff(const whorl_iblt *a, const whorl_iblt *b, whorl_ielem **added, size_t *nadded, whorl_ielem **removed,
                     size_t *nremoved);
/* After whorl__iblt_diff: the positional value of each single (mult 1)
 * decoded row, from the cells of b - a where every other row is known and
 * the check sum agrees (rows common to both whose offset from their anchor
 * changed make a cell unusable). Both tables need has_v. */
void whorl__iblt_positions(const whorl_iblt *a, const whorl_iblt *b, whorl_ielem *added, size_t nadded, whorl_ielem *removed,
                           size_t nremoved);
/* The rows before a table's first anchor, per cell (count, weight sum):
 * base64 of a count of nonzero cells, then per cell its index gap, count
 * and weight sum (varints, the sum 8 bytes little-endian). */
void whorl__lead_write(const int64_t *cnt, const uint64_t *w, uint32_t m, whorl_buf *out);
int whorl__lead_read(const char *text, size_t len, int64_t *cnt, uint64_t *w, uint32_t m);
/* with_v: also the positional sums (t->has_v). */
void whorl__iblt_write(const whorl_iblt *t, whorl_buf *out);
int whorl__iblt_read(whorl_iblt *t, const char *text, size_t len);

/* The value at rank r (0-based, fractional: linear interpolation between
 * the order statistics floor(r) and ceil(r), as numpy's default) from
 * buckets in value order holding n values: each order statistic is
 * estimated by its bucket's midpoint clamped to [vmin, vmax]; *bound gets
 * the largest distance from that estimate to the bucket's ends (the error
 * bound). */
double whorl__bucket_quantile(const whorl_bucket *b, size_t nb, double r, double vmin, double vmax, double *bound);


/* ---- row anchors: where rows moved -------------------------------------------------
 * Content-defined anchor rows (a row hash whose low half has at least 4
 * trailing zeros: about one row in 16; its level is the zeros beyond 4) with
 * their row index and a 16-bit tag. At most WHORL_ANCHORS_MAX are kept: those
 * of level >= L, L the smallest level that keeps that many, so the list is
 * the same however the rows were split into parts and merged. Two lists
 * aligned by their tags say where rows were inserted or deleted. */
#define WHORL_ANCHORS_MAX 8192
typedef struct whorl_anchor {
  uint64_t idx;
  uint16_t tag;
  uint8_t level;
} whorl_anchor;

typedef struct whorl_anchors {
  whorl_anchor *v;
  size_t n, cap;
  unsigned min_level; /* L */
  int oom;
} whorl_anchors;

void whorl__anchors_init(whorl_anchors *a);
void whorl__anchors_free(whorl_anchors *a);
void whorl__anchors_reset(whorl_anchors *a);
/* A row: kept when it is an anchor of level >= L (then maybe raises L). */
static inline int whorl__anchor_level(uint64_t klo) {
  int tz = klo ? __builtin_ctzll(klo) : 64;
  return tz >= 4 ? tz - 4 : -1;
}
void whorl__anchors_push(whorl_anchors *a, uint64_t klo, uint64_t khi, uint64_t idx, int level);
static inline void whorl__anchors_add(whorl_anchors *a, uint64_t klo, uint64_t khi, uint64_t idx) {
  int lv = whorl__anchor_level(klo);
  if (lv >= 0 && (unsigned)lv >= a->min_level) whorl__anchors_push(a, klo, khi, idx, lv);
}
/* Appends p (a later part; its indices shift by off). */
void whorl__anchors_absorb(whorl_anchors *a, const whorl_anchors *p, uint64_t off);
/* base64 of: L, count, then per anchor the index gap, level and tag (varints). */
void whorl__anchors_write(const whorl_anchors *a, whorl_buf *out);
int whorl__anchors_read(whorl_anchors *a, const char *text, size_t len);
/* Raises a's L to min_level (both lists of a diff at one level). */
void whorl__anchors_coarsen(whorl_anchors *a, unsigned min_level);

#endif
