/* logical.c - the logical-tier accumulator: see logical.h. */
#include <stdlib.h>
#include <string.h>

#include "blake3.h"
#include "table/logical.h"
#include "table/profile.h"
#include "util/util.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

#define SECRET_LEN 192

typedef struct lcol {
  char *name;
  size_t name_len;
  blake3_hasher *ord; /* made when the stream first outgrows its stage: a
                         wide table of few rows keeps ~2 KiB per column less */
  uint64_t count, nulls;
  uint64_t slo, shi; /* multiset sum of cell hashes */
  whorl_coltype type;
  uint64_t klo, khi; /* row weights */
  size_t filled;     /* rows of the current window delivered */
  whorl_buf kept;    /* partial mode: the ordered stream's bytes, kept for absorb;
                        otherwise bytes staged for BLAKE3 (updates in whole
                        16 KiB pieces keep all its SIMD lanes busy) */
} lcol;

#define STAGE (16u * 1024)

static const uint8_t *lacc_key(const void *a);

/* Feeds the column stream: through the stage, so BLAKE3 sees big updates.
 * (Where an update is cut does not change a BLAKE3 hash.) Returns -1 when
 * out of memory. */
static int ord_hasher(lcol *c, const uint8_t *key) {
  if (c->ord) return 0;
  c->ord = malloc(sizeof *c->ord);
  if (!c->ord) return -1;
  if (key) blake3_hasher_init_keyed(c->ord, key);
  else blake3_hasher_init(c->ord);
  return 0;
}

static int ord_update_st(lcol *c, const uint8_t *key, const void *p, size_t n, size_t st) {
  const uint8_t *b = p;
  if (c->kept.len) {
    size_t k = st > c->kept.len ? st - c->kept.len : 0;
    if (k > n) k = n;
    whorl_buf_put(&c->kept, b, k);
    b += k;
    n -= k;
    if (c->kept.len < st) return c->kept.oom ? -1 : 0;
    if (ord_hasher(c, key)) return -1;
    blake3_hasher_update(c->ord, c->kept.data, c->kept.len);
    c->kept.len = 0;
  }
  size_t whole = n / st * st;
  if (whole) {
    if (ord_hasher(c, key)) return -1;
    blake3_hasher_update(c->ord, b, whole);
  }
  if (n > whole) whorl_buf_put(&c->kept, b + whole, n - whole);
  return c->kept.oom ? -1 : 0;
}

/* Wide tables stage less per column: memory stays near 3 KiB a column. */
#define ord_update(c, key, p, n) ord_update_st((c), (key), (p), (n), a->ncols <= 64 ? STAGE : a->ncols <= 1024 ? 4096 : 1024)

static int ord_finish(lcol *c, const uint8_t *key, uint8_t out[32]) {
  if (c->kept.oom || ord_hasher(c, key)) return -1;
  if (c->kept.len) blake3_hasher_update(c->ord, c->kept.data, c->kept.len);
  c->kept.len = 0;
  blake3_hasher_finalize(c->ord, out, 32);
  free(c->ord); /* one at a time: a wide table never holds them all */
  c->ord = NULL;
  return 0;
}

struct whorl_lacc {
  int partial; /* keeps column streams instead of hashing them (absorb) */
  int keyed;
  uint8_t key[32];
  uint8_t secret[SECRET_LEN];
  XXH128_hash_t null_h;
  lcol *col;
  size_t ncols, cap;
  uint64_t rows;
  uint64_t rlo, rhi; /* sum of row hashes */
  size_t win_n;
  int in_window;
  uint64_t *racc;
  size_t racc_cap;
  /* row accumulators of lanes 1.. (whorl_table_sink.lanes): each lane's
   * thread adds its columns' cell hashes to its own, and end adds them to
   * racc (sums: the order does not count) */
  uint64_t *lane_racc[WHORL_SINK_LANES];
  size_t lane_cap[WHORL_SINK_LANES];
  unsigned char lane_used[WHORL_SINK_LANES];
  int finished;
  whorl_lresult res;
  /* profile level (profile.h): one profile per column, the row sample and,
   * while sampling, each column's cells of the current window */
  int profile;
  size_t sample_k;
  whorl_pcol *pc;
  size_t pc_cap;
  whorl_psample sample;
  whorl_buf *stash;
  size_t stash_cap;
  struct cand *cand;
  size_t cand_cap;
  whorl_iblt iblt; /* (row hash, row index): row-level diffs (profile level) */
  whorl_iblt strata[WHORL_ROW_STRATA]; /* row hashes by trailing zeros: the size of big differences */
  whorl_anchors anchors;               /* content-defined anchor rows: where rows moved */
  /* positional values (sketch.h): the last anchor row (index, tag) seen;
   * rows before a part's first anchor are kept as offsets from the part's
   * start, with their count and weight sums per cell, fixed when the part is
   * absorbed and the anchor before it is known */
  /* the sample's bar: the main accumulator's sample, once full, keeps no
   * row whose hash's high half is above sample_hi (it only falls). Parts
   * read it (share_hi) and offer their sample no row above it: such a row
   * could never be in the whole table's sample, whatever the commit order,
   * so the result is the same, and the parts skip most of their sampling. */
  uint64_t sample_hi;
  const uint64_t *share_hi;
  int have_anchor;
  uint64_t anc_pos;
  uint64_t anc_tag;
  int64_t *lead_cnt;
  uint64_t *lead_w;
};

typedef struct cand {
  size_t row;
  uint64_t hlo, hhi;
} cand;

/* The window's sample candidates (rows in ascending order) with their
 * cells from the stash: offered to the sample. */
static int sample_window(whorl_lacc *a, size_t ncand) {
  whorl_buf *rows = calloc(ncand, sizeof *rows);
  if (!rows) return -1;
  for (size_t c = 0; c < a->ncols; c++) {
    const uint8_t *e = (const uint8_t *)a->stash[c].data;
    size_t len = a->stash[c].len, pos = 0, row = 0;
    for (size_t k = 0; k < ncand; k++) {
      const uint8_t *p = (const uint8_t *)"N";
      size_t n = 1;
      while (pos < len) {
        const uint8_t *q;
        size_t m;
        if (whorl__cell_next(e, len, &pos, &q, &m)) {
          pos = len;
          break;
        }
        if (row++ == a->cand[k].row) {
          p = q, n = m;
          break;
        }
      }
      if (a->keyed) {
        XXH128_hash_t h = XXH3_128bits_withSecret(p, n, a->secret, SECRET_LEN);
        uint8_t kc[17];
        kc[0] = 'K';
        for (int b = 0; b < 8; b++) kc[1 + b] = (uint8_t)(h.low64 >> (8 * b)), kc[9 + b] = (uint8_t)(h.high64 >> (8 * b));
        whorl__cell_put(&rows[k], kc, 17);
      } else {
        whorl__cell_put(&rows[k], p, n);
      }
    }
  }
  int rc = 0;
  for (size_t k = 0; k < ncand; k++) {
    if (!rc && (rows[k].oom || whorl__psample_add(&a->sample, a->cand[k].hlo, a->cand[k].hhi, &rows[k]))) rc = -1;
    whorl_buf_free(&rows[k]);
  }
  free(rows);
  return rc;
}

static const uint8_t *lacc_key(const void *p) {
  const whorl_lacc *a = p;
  return a->keyed ? a->key : NULL;
}

void whorl__cell_put(whorl_buf *enc, const void *canon, size_t len) {
  uint8_t v[10];
  size_t k = 0, x = len;
  do {
    v[k] = (uint8_t)(x & 0x7f);
    x >>= 7;
    if (x) v[k] |= 0x80;
    k++;
  } while (x);
  whorl_buf_put(enc, v, k);
  whorl_buf_put(enc, canon, len);
}

int whorl__cell_next(const uint8_t *enc, size_t enc_len, size_t *pos, const uint8_t **bytes, size_t *len) {
  size_t p = *pos, x = 0;
  for (int shift = 0;; shift += 7) {
    if (p >= enc_len || shift > 56) return -1;
    uint8_t b = enc[p++];
    x |= (size_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) break;
  }
  if (x > enc_len - p) return -1;
  *bytes = enc + p;
  *len = x;
  *pos = p + x;
  return 0;
}

static void b3_init(const whorl_lacc *a, blake3_hasher *h, const char *tag) {
  if (a->keyed) blake3_hasher_init_keyed(h, a->key);
  else blake3_hasher_init(h);
  blake3_hasher_update(h, tag, strlen(tag) + 1); /* with its NUL */
}

static void b3_u64(blake3_hasher *h, uint64_t v) {
  uint8_t b[8];
  for (int i = 0; i < 8; i++) b[i] = (uint8_t)(v >> (8 * i));
  blake3_hasher_update(h, b, 8);
}

static void b3_name(blake3_hasher *h, const char *s, size_t n) {
  b3_u64(h, n);
  blake3_hasher_update(h, s, n);
}

/* XXH3-128 with the short inputs (most cells) inline: for at most 16
 * bytes XXH3_128bits and XXH3_128bits_withSecret are exactly this step of
 * the library's (xxhash.h, XXH_INLINE_ALL); the test vectors hold it. */
static inline __attribute__((always_inline)) XXH128_hash_t h128(const uint8_t *p, size_t n, const uint8_t *secret,
                                                               const int keyed) {
#if XXH_VERSION_NUMBER >= 800
  if (n <= 16) return XXH3_len_0to16_128b(p, n, keyed ? secret : XXH3_kSecret, 0);
#endif
  return keyed ? XXH3_128bits_withSecret(p, n, secret, SECRET_LEN) : XXH3_128bits(p, n);
}

static inline XXH128_hash_t cell_hash(const whorl_lacc *a, const uint8_t *p, size_t n) {
  return a->keyed ? XXH3_128bits_withSecret(p, n, a->secret, SECRET_LEN) : XXH3_128bits(p, n);
}

static void put128(uint8_t out[16], uint64_t lo, uint64_t hi) {
  for (int i = 0; i < 8; i++) {
    out[i] = (uint8_t)(lo >> (8 * i));
    out[8 + i] = (uint8_t)(hi >> (8 * i));
  }
}

int whorl__lacc_new(const uint8_t *key32, whorl_lacc **out) {
  whorl_lacc *a = calloc(1, sizeof *a);
  *out = NULL;
  if (!a) return WHORL_ENOMEM;
  if (key32) {
    a->keyed = 1;
    memcpy(a->key, key32, 32);
    blake3_hasher h;
    blake3_hasher_init_keyed(&h, a->key);
    blake3_hasher_update(&h, "whorl-xxh3-secret-1", 20);
    blake3_hasher_finalize(&h, a->secret, SECRET_LEN);
  }
  static const uint8_t null_canon[1] = {'N'};
  a->null_h = cell_hash(a, null_canon, 1);
  *out = a;
  return WHORL_OK;
}

/* Adds `n` null cells to column c (stream, sum, counts). */
static void pad_nulls(whorl_lacc *a, lcol *c, uint64_t n) {
  if (!n) return;
  uint8_t nulls[4096]; /* on the stack: parts on other threads pad too */
  for (size_t i = 0; i < sizeof nulls; i += 2) nulls[i] = 1, nulls[i + 1] = 'N';
  uint64_t left = n;
  while (left) {
    uint64_t k = left < sizeof nulls / 2 ? left : sizeof nulls / 2;
    if (a->partial) whorl_buf_put(&c->kept, nulls, (size_t)k * 2);
    else ord_update(c, lacc_key(a), nulls, (size_t)k * 2);
    left -= k;
  }
  unsigned __int128 s = ((unsigned __int128)c->shi << 64) | c->slo;
  unsigned __int128 h = ((unsigned __int128)a->null_h.high64 << 64) | a->null_h.low64;
  s += h * n;
  c->slo = (uint64_t)s;
  c->shi = (uint64_t)(s >> 64);
  c->count += n;
  c->nulls += n;
  whorl__coltype_add(&c->type, WHORL_T_NULL);
  if (a->profile) whorl__pcol_cells(&a->pc[c - a->col], WHORL_T_NULL, (const uint8_t *)"N", 1, a->null_h.low64, a->null_h.high64, n);
}

static int s_column(void *ctx, const char *name, size_t len) {
  whorl_lacc *a = ctx;
  if (a->finished) return WHORL_EINVAL;
  lcol *grown = whorl__grow_array(a->col, &a->cap, a->ncols, sizeof *a->col);
  if (!grown) return WHORL_ENOMEM;
  a->col = grown;
  lcol *c = &a->col[a->ncols];
  memset(c, 0, sizeof *c);
  c->name = malloc(len + 1);
  if (!c->name) return WHORL_ENOMEM;
  memcpy(c->name, name, len);
  c->name[len] = 0;
  c->name_len = len;
  c->type.type = WHORL_T_NULL;
  if (a->profile) {
    whorl_pcol *pg = whorl__grow_array(a->pc, &a->pc_cap, a->ncols, sizeof *a->pc);
    if (!pg) return WHORL_ENOMEM;
    a->pc = pg;
    whorl__pcol_init(&a->pc[a->ncols]);
    if (a->sample_k) {
      whorl_buf *sg = whorl__grow_array(a->stash, &a->stash_cap, a->ncols, sizeof *a->stash);
      if (!sg) return WHORL_ENOMEM;
      a->stash = sg;
      memset(&a->stash[a->ncols], 0, sizeof *a->stash);
    }
  }
  uint8_t k[16];
  blake3_hasher h;
  b3_init(a, &h, "whorl-row-weight-1");
  blake3_hasher_update(&h, name, len);
  blake3_hasher_finalize(&h, k, 16);
  for (int i = 0; i < 8; i++) {
    c->klo |= (uint64_t)k[i] << (8 * i);
    c->khi |= (uint64_t)k[8 + i] << (8 * i);
  }
  c->klo |= 1;
  c->khi |= 1;
  /* The tag goes through the stage too, so the stream's updates stay
   * aligned to BLAKE3 chunks. */
  if (!a->partial && ord_update(c, lacc_key(a), "whorl-column-1", sizeof "whorl-column-1")) return WHORL_ENOMEM;
  pad_nulls(a, c, a->rows); /* rows before it was seen */
  a->ncols++;
  return WHORL_OK;
}

static int s_begin(void *ctx, size_t nrows) {
  whorl_lacc *a = ctx;
  if (a->in_window || a->finished) return WHORL_EINVAL;
  if (nrows > a->racc_cap) {
    uint64_t *r = realloc(a->racc, nrows * 2 * sizeof *r);
    if (!r) return WHORL_ENOMEM;
    a->racc = r;
    a->racc_cap = nrows;
  }
  memset(a->racc, 0, nrows * 2 * sizeof *a->racc);
  memset(a->lane_used, 0, sizeof a->lane_used);
  for (size_t i = 0; i < a->ncols; i++) a->col[i].filled = 0;
  if (a->stash)
    for (size_t i = 0; i < a->ncols; i++) a->stash[i].len = 0;
  a->win_n = nrows;
  a->in_window = 1;
  return WHORL_OK;
}

/* The cells of a batch: hashes into the column's sum and the rows'
 * accumulators, types joined. Specialised for keyed (constant) so the
 * per-cell branch goes away. Returns the bytes consumed, or -1. */
typedef struct bstate {
  uint64_t slo, shi, nulls;
  whorl_ltype t;
  int nullable;
} bstate;

static inline __attribute__((always_inline)) long long batch_cells(const whorl_lacc *a, const lcol *c,
                                                                     const whorl_colbatch *b, uint64_t *racc,
                                                                     bstate *st, const int keyed, whorl_pcol *pc) {
  const uint8_t *e = b->enc, *end = b->enc + b->enc_len;
  uint64_t slo = st->slo, shi = st->shi, nulls = 0;
  whorl_ltype t = st->t;
  int nullable = st->nullable;
  const uint64_t klo = c->klo, khi = c->khi;
  for (size_t i = 0; i < b->n; i++) {
    if (e >= end) return -1;
    size_t len = *e;
    const uint8_t *p;
    if (len < 0x80) {
      p = e + 1;
      if (len > (size_t)(end - p)) return -1;
    } else {
      size_t pos = (size_t)(e - b->enc);
      if (whorl__cell_next(b->enc, b->enc_len, &pos, &p, &len)) return -1;
    }
    e = p + len;
    uint8_t ty = b->type[i];
    XXH128_hash_t h;
    if (ty == WHORL_T_NULL && len == 1 && p[0] == 'N') { /* the null cell: its hash is known */
      h = a->null_h;
      nulls++;
      nullable = 1;
    } else if (ty == WHORL_T_NULL) {
      h = h128(p, len, a->secret, keyed);
      nulls++;
      nullable = 1;
    } else {
      h = h128(p, len, a->secret, keyed);
      racc[2 * i] += klo * h.low64;
      racc[2 * i + 1] += khi * h.high64;
      if (ty != t) t = whorl__ltype_join(t, (whorl_ltype)ty);
    }
    uint64_t lo = slo + h.low64;
    shi += h.high64 + (lo < slo);
    slo = lo;
    if (pc) whorl__pcol_cell(pc, ty, p, len, h.low64, h.high64);
  }
  st->slo = slo;
  st->shi = shi;
  st->nulls = nulls;
  st->t = t;
  st->nullable = nullable;
  return (long long)(e - b->enc);
}

static int s_batch(void *ctx, const whorl_colbatch *b) {
  whorl_lacc *a = ctx;
  if (!a->in_window || b->col >= a->ncols) return WHORL_EINVAL;
  lcol *c = &a->col[b->col];
  if (b->row != c->filled || b->n > a->win_n - b->row) return WHORL_EINVAL;
  uint64_t *racc = a->racc;
  if (b->lane) { /* this lane's own accumulators, zeroed at its first batch of the window */
    if (b->lane >= WHORL_SINK_LANES) return WHORL_EINVAL;
    if (!a->lane_used[b->lane]) {
      if (a->lane_cap[b->lane] < a->win_n) {
        uint64_t *r = realloc(a->lane_racc[b->lane], a->win_n * 2 * sizeof *r);
        if (!r) return WHORL_ENOMEM;
        a->lane_racc[b->lane] = r;
        a->lane_cap[b->lane] = a->win_n;
      }
      memset(a->lane_racc[b->lane], 0, a->win_n * 2 * sizeof *racc);
      a->lane_used[b->lane] = 1;
    }
    racc = a->lane_racc[b->lane];
  }
  racc += 2 * b->row;
  bstate st0 = {c->slo, c->shi, 0, c->type.type, c->type.nullable};
  whorl_pcol *pc = a->profile ? &a->pc[b->col] : NULL;
  long long used = a->keyed ? (pc ? batch_cells(a, c, b, racc, &st0, 1, pc) : batch_cells(a, c, b, racc, &st0, 1, NULL))
                            : (pc ? batch_cells(a, c, b, racc, &st0, 0, pc) : batch_cells(a, c, b, racc, &st0, 0, NULL));
  if (a->stash) {
    whorl_buf_put(&a->stash[b->col], b->enc, b->enc_len);
    if (a->stash[b->col].oom) return WHORL_ENOMEM;
  }
  if (used < 0) return WHORL_EINVAL;
  size_t pos = (size_t)used;
  uint64_t slo = st0.slo, shi = st0.shi, nulls = st0.nulls;
  whorl_ltype t = st0.t;
  int nullable = st0.nullable;
  if (pos != b->enc_len) return WHORL_EINVAL;
  c->type.type = t;
  c->type.nullable = nullable;
  c->slo = slo;
  c->shi = shi;
  c->nulls += nulls;
  c->count += b->n;
  c->filled += b->n;
  if (a->partial) {
    whorl_buf_put(&c->kept, b->enc, b->enc_len);
    if (c->kept.oom) return WHORL_ENOMEM;
  } else if (ord_update(c, lacc_key(a), b->enc, b->enc_len)) {
    return WHORL_ENOMEM;
  }
  return WHORL_OK;
}

static int s_end(void *ctx) {
  whorl_lacc *a = ctx;
  if (!a->in_window) return WHORL_EINVAL;
  for (size_t i = 0; i < a->ncols; i++) {
    lcol *c = &a->col[i];
    if (c->filled < a->win_n) pad_nulls(a, c, a->win_n - c->filled);
  }
  for (unsigned l = 1; l < WHORL_SINK_LANES; l++) {
    if (!a->lane_used[l]) continue;
    const uint64_t *r = a->lane_racc[l];
    for (size_t i = 0; i < 2 * a->win_n; i++) a->racc[i] += r[i];
    a->lane_used[l] = 0;
  }
  uint64_t rlo = a->rlo, rhi = a->rhi;
  size_t ncand = 0;
  const uint64_t bar = a->share_hi ? __atomic_load_n(a->share_hi, __ATOMIC_RELAXED) : UINT64_MAX;
  for (size_t r = 0; r < a->win_n; r++) {
    XXH128_hash_t h = a->keyed ? XXH3_128bits_withSecret(a->racc + 2 * r, 16, a->secret, SECRET_LEN)
                               : XXH3_128bits(a->racc + 2 * r, 16);
    uint64_t lo = rlo + h.low64;
    rhi += h.high64 + (lo < rlo);
    rlo = lo;
    if (a->iblt.c) {
      uint64_t idx = a->rows + r, v;
      whorl_ikey key;
      whorl__ikey(&key, h.low64, h.high64); /* once for the row table and its stratum */
      if (whorl__anchor_level(h.low64) >= 0) a->have_anchor = 1, a->anc_pos = idx, a->anc_tag = h.high64 >> 48;
      if (a->have_anchor) {
        v = (idx - a->anc_pos) | a->anc_tag << WHORL_V_OFF_BITS;
      } else { /* before the first anchor: from the start (fixed at absorb) */
        v = idx;
        uint64_t w = whorl__iblt_vweight(h.low64, h.high64);
        for (int j = 0; j < WHORL_IBLT_K; j++) {
          uint32_t ci = whorl__ikey_cell(&key, j, a->iblt.m);
          a->lead_cnt[ci]++;
          a->lead_w[ci] += w;
        }
      }
      whorl__iblt_addv_k(&a->iblt, &key, idx, v);
      whorl__anchors_add(&a->anchors, h.low64, h.high64, idx);
      int z = h.high64 ? __builtin_ctzll(h.high64) : 63;
      whorl__iblt_add_k(&a->strata[z < WHORL_ROW_STRATA - 1 ? z : WHORL_ROW_STRATA - 1], &key, 0);
    }
    if (a->stash && h.high64 <= bar && whorl__psample_wants(&a->sample, h.low64, h.high64)) {
      cand *g = whorl__grow_array(a->cand, &a->cand_cap, ncand, sizeof *a->cand);
      if (!g) return WHORL_ENOMEM;
      a->cand = g;
      a->cand[ncand++] = (cand){r, h.low64, h.high64};
    }
  }
  if (ncand && sample_window(a, ncand)) return WHORL_ENOMEM;
  a->rlo = rlo;
  a->rhi = rhi;
  a->rows += a->win_n;
  a->in_window = 0;
  return WHORL_OK;
}

static int s_fork(void *ctx, whorl_table_sink *part);
static int s_join(void *ctx, whorl_table_sink *part) { return whorl__lacc_absorb(ctx, part->ctx); }
static void s_drop(whorl_table_sink *part) {
  whorl__lacc_free(part->ctx);
  part->ctx = NULL;
}

static int s_reset(whorl_table_sink *part) {
  whorl_lacc *p = part->ctx;
  if (!p->partial || p->in_window) return WHORL_EINVAL;
  for (size_t i = 0; i < p->ncols; i++) {
    lcol *c = &p->col[i];
    c->kept.len = 0;
    c->count = c->nulls = c->slo = c->shi = 0;
    c->type.type = WHORL_T_NULL;
    c->type.nullable = 0;
    c->filled = 0;
  }
  p->rows = p->rlo = p->rhi = 0;
  if (p->profile) {
    for (size_t i = 0; i < p->ncols; i++) {
      whorl__pcol_free(&p->pc[i]);
      whorl__pcol_init(&p->pc[i]);
    }
    if (p->iblt.c) memset(p->iblt.c, 0, p->iblt.m * sizeof *p->iblt.c);
    if (p->lead_cnt) memset(p->lead_cnt, 0, p->iblt.m * sizeof *p->lead_cnt);
    if (p->lead_w) memset(p->lead_w, 0, p->iblt.m * sizeof *p->lead_w);
    p->have_anchor = 0, p->anc_pos = p->anc_tag = 0;
    whorl__anchors_reset(&p->anchors);
    for (int z = 0; z < WHORL_ROW_STRATA; z++)
      if (p->strata[z].c) memset(p->strata[z].c, 0, p->strata[z].m * sizeof *p->strata[z].c);
    size_t k = p->sample_k;
    whorl__psample_free(&p->sample);
    if (whorl__psample_init(&p->sample, k)) return WHORL_ENOMEM;
  }
  return WHORL_OK;
}

whorl_table_sink whorl__lacc_sink(whorl_lacc *a) {
  whorl_table_sink s = {a, s_column, s_begin, s_batch, s_end, a->partial ? NULL : s_fork, s_join, s_drop, s_reset,
                        WHORL_SINK_LANES};
  return s;
}

static int s_fork(void *ctx, whorl_table_sink *part) {
  whorl_lacc *a = ctx, *p = NULL;
  if (a->in_window || a->finished) return WHORL_EINVAL;
  int rc = whorl__lacc_new_partial(a->keyed ? a->key : NULL, &p);
  if (!rc && a->profile) rc = whorl__lacc_enable_profile(p, a->sample_k);
  if (!rc) p->share_hi = &a->sample_hi;
  for (size_t i = 0; i < a->ncols && !rc; i++) rc = s_column(p, a->col[i].name, a->col[i].name_len);
  if (rc) {
    whorl__lacc_free(p);
    return rc;
  }
  *part = whorl__lacc_sink(p);
  return WHORL_OK;
}

static int by_name(const void *x, const void *y, void *ctx) {
  const whorl_lresult *res = ctx;
  const whorl_lcol_result *p = &res->col[*(const size_t *)x], *q = &res->col[*(const size_t *)y];
  size_t n = p->name_len < q->name_len ? p->name_len : q->name_len;
  int c = memcmp(p->name, q->name, n);
  if (c) return c;
  if (p->name_len != q->name_len) return p->name_len < q->name_len ? -1 : 1;
  return memcmp(p->ordered, q->ordered, 32);
}

int whorl__lresult_ids(const uint8_t *key32, whorl_lresult *r, int with_ordered) {
  whorl_lacc k; /* only for the tag helpers: keyed or not */
  memset(&k, 0, sizeof k);
  if (key32) {
    k.keyed = 1;
    memcpy(k.key, key32, 32);
  }
  const whorl_lacc *a = &k;
  size_t *order = malloc((r->ncols ? r->ncols : 1) * sizeof *order);
  if (!order) return -1;
  blake3_hasher h;
  for (size_t i = 0; i < r->ncols; i++) {
    whorl_lcol_result *cr = &r->col[i];
    b3_init(a, &h, "whorl-column-unordered-1");
    b3_u64(&h, r->rows);
    blake3_hasher_update(&h, cr->sum, 16);
    blake3_hasher_finalize(&h, cr->unordered, 32);
    order[i] = i;
  }
  qsort_r(order, r->ncols, sizeof *order, by_name, r);
  if (with_ordered) {
    b3_init(a, &h, "whorl-table-logical-1");
    b3_u64(&h, r->rows);
    b3_u64(&h, r->ncols);
    for (size_t k2 = 0; k2 < r->ncols; k2++) {
      const whorl_lcol_result *c = &r->col[order[k2]];
      b3_name(&h, c->name, c->name_len);
      blake3_hasher_update(&h, c->ordered, 32);
    }
    blake3_hasher_finalize(&h, r->id, 32);
  }
  b3_init(a, &h, "whorl-table-unordered-1");
  b3_u64(&h, r->rows);
  b3_u64(&h, r->ncols);
  for (size_t k2 = 0; k2 < r->ncols; k2++) b3_name(&h, r->col[order[k2]].name, r->col[order[k2]].name_len);
  blake3_hasher_update(&h, r->row_sum, 16);
  blake3_hasher_finalize(&h, r->unordered, 32);
  /* The schema id is not keyed: it holds names and types, no values. */
  blake3_hasher_init(&h);
  blake3_hasher_update(&h, "whorl-table-schema-1", 21);
  b3_u64(&h, r->ncols);
  for (size_t k2 = 0; k2 < r->ncols; k2++) {
    const whorl_lcol_result *c = &r->col[order[k2]];
    b3_name(&h, c->name, c->name_len);
    const char *tn = whorl__ltype_name(c->type.type);
    b3_name(&h, tn, strlen(tn));
    uint8_t nb = (uint8_t)(c->type.nullable != 0);
    blake3_hasher_update(&h, &nb, 1);
  }
  blake3_hasher_finalize(&h, r->schema, 32);
  free(order);
  return 0;
}

int whorl__lacc_finish(whorl_lacc *a, const whorl_lresult **out) {
  if (a->in_window) return WHORL_EINVAL;
  whorl_lresult *r = &a->res;
  if (!a->finished) {
    a->finished = 1;
    r->rows = a->rows;
    r->ncols = a->ncols;
    r->prof = a->profile ? a->pc : NULL;
    r->sample = a->profile ? &a->sample : NULL;
    r->iblt = a->iblt.c ? &a->iblt : NULL;
    r->strata = a->iblt.c ? a->strata : NULL;
    r->anchors = a->iblt.c ? &a->anchors : NULL;
    r->lead_cnt = a->iblt.c ? a->lead_cnt : NULL;
    r->lead_w = a->iblt.c ? a->lead_w : NULL;
    if (a->anchors.oom) return WHORL_ENOMEM;
    if (a->profile)
      for (size_t i = 0; i < a->ncols; i++)
        if (a->pc[i].oom) return WHORL_ENOMEM;
    r->col = calloc(a->ncols ? a->ncols : 1, sizeof *r->col);
    if (!r->col) return WHORL_ENOMEM;
    for (size_t i = 0; i < a->ncols; i++) {
      lcol *c = &a->col[i];
      whorl_lcol_result *cr = &r->col[i];
      cr->name = c->name;
      cr->name_len = c->name_len;
      cr->type = c->type;
      cr->nulls = c->nulls;
      if (ord_finish(c, lacc_key(a), cr->ordered)) return WHORL_ENOMEM;
      put128(cr->sum, c->slo, c->shi);
    }
    put128(r->row_sum, a->rlo, a->rhi);
    if (whorl__lresult_ids(lacc_key(a), r, 1)) return WHORL_ENOMEM;
  }
  *out = r;
  return WHORL_OK;
}

int whorl__lacc_new_partial(const uint8_t *key32, whorl_lacc **out) {
  int rc = whorl__lacc_new(key32, out);
  if (!rc) (*out)->partial = 1;
  return rc;
}

int whorl__lacc_absorb(whorl_lacc *a, whorl_lacc *p) {
  if (a->partial || !p->partial || a->in_window || p->in_window || a->finished || a->keyed != p->keyed ||
      p->ncols != a->ncols)
    return WHORL_EINVAL;
  for (size_t i = 0; i < a->ncols; i++) {
    lcol *c = &a->col[i], *q = &p->col[i];
    if (c->name_len != q->name_len || memcmp(c->name, q->name, c->name_len)) return WHORL_EINVAL;
    if (q->kept.oom) return WHORL_ENOMEM;
    if (q->kept.len && ord_update(c, lacc_key(a), q->kept.data, q->kept.len)) return WHORL_ENOMEM;
    uint64_t lo = c->slo + q->slo;
    c->shi += q->shi + (lo < c->slo);
    c->slo = lo;
    c->count += q->count;
    c->nulls += q->nulls;
    whorl__coltype_merge(&c->type, &q->type);
    if (a->profile) {
      if (!p->profile) return WHORL_EINVAL;
      whorl__pcol_merge(&a->pc[i], &p->pc[i]);
      if (a->pc[i].oom) return WHORL_ENOMEM;
    }
  }
  if (a->profile && whorl__psample_merge(&a->sample, &p->sample)) return WHORL_ENOMEM;
  if (a->profile && a->sample.k && a->sample.n == a->sample.k)
    __atomic_store_n(&a->sample_hi, a->sample.row[a->sample.n - 1].hhi, __ATOMIC_RELAXED);
  if (a->iblt.c && p->iblt.c) {
    /* the part's rows before its first anchor: from the anchor before the part */
    uint64_t delta = (a->rows - (a->have_anchor ? a->anc_pos : 0)) + ((a->have_anchor ? a->anc_tag : 0) << WHORL_V_OFF_BITS);
    for (uint32_t i = 0; i < a->iblt.m && i < p->iblt.m; i++) {
      a->iblt.c[i].v += (uint64_t)p->lead_cnt[i] * delta;
      a->iblt.c[i].vw += p->lead_w[i] * delta;
    }
    if (!a->have_anchor) /* the whole table has had no anchor yet: these rows still lead */
      for (uint32_t i = 0; i < a->iblt.m && i < p->iblt.m; i++) a->lead_cnt[i] += p->lead_cnt[i], a->lead_w[i] += p->lead_w[i];
    if (p->have_anchor) a->have_anchor = 1, a->anc_pos = a->rows + p->anc_pos, a->anc_tag = p->anc_tag;
    whorl__iblt_absorb(&a->iblt, &p->iblt, a->rows); /* before a->rows grows: the part's offset */
    whorl__anchors_absorb(&a->anchors, &p->anchors, a->rows);
    for (int z = 0; z < WHORL_ROW_STRATA; z++) whorl__iblt_absorb(&a->strata[z], &p->strata[z], 0);
  }
  uint64_t lo = a->rlo + p->rlo;
  a->rhi += p->rhi + (lo < a->rlo);
  a->rlo = lo;
  a->rows += p->rows;
  return WHORL_OK;
}

void whorl__lacc_free(whorl_lacc *a) {
  if (!a) return;
  for (size_t i = 0; i < a->ncols; i++) {
    free(a->col[i].name);
    free(a->col[i].ord);
    whorl_buf_free(&a->col[i].kept);
  }
  if (a->pc)
    for (size_t i = 0; i < a->ncols; i++) whorl__pcol_free(&a->pc[i]);
  free(a->pc);
  if (a->stash)
    for (size_t i = 0; i < a->ncols; i++) whorl_buf_free(&a->stash[i]);
  free(a->stash);
  free(a->cand);
  whorl__psample_free(&a->sample);
  whorl__iblt_free(&a->iblt);
  for (int z = 0; z < WHORL_ROW_STRATA; z++) whorl__iblt_free(&a->strata[z]);
  whorl__anchors_free(&a->anchors);
  free(a->lead_cnt);
  free(a->lead_w);
  free(a->col);
  free(a->racc);
  for (unsigned l = 0; l < WHORL_SINK_LANES; l++) free(a->lane_racc[l]);
  free(a->res.col);
  free(a);
}

int whorl__lacc_enable_profile(whorl_lacc *a, size_t sample_k) {
  if (a->ncols || a->rows || a->profile) return WHORL_EINVAL;
  a->profile = 1;
  a->sample_k = sample_k;
  a->sample_hi = UINT64_MAX;
  if (whorl__iblt_init(&a->iblt, WHORL_ROW_IBLT_CELLS)) return WHORL_ENOMEM;
  a->iblt.has_v = 1;
  /* a table of no columns (an empty JSON Lines file) still has a profile */
  a->pc = calloc(1, sizeof *a->pc);
  a->pc_cap = 1;
  if (!a->pc) return WHORL_ENOMEM;
  a->lead_cnt = calloc(WHORL_ROW_IBLT_CELLS, sizeof *a->lead_cnt);
  a->lead_w = calloc(WHORL_ROW_IBLT_CELLS, sizeof *a->lead_w);
  if (!a->lead_cnt || !a->lead_w) return WHORL_ENOMEM;
  for (int z = 0; z < WHORL_ROW_STRATA; z++)
    if (whorl__iblt_init(&a->strata[z], WHORL_ROW_STRATUM_CELLS)) return WHORL_ENOMEM;
  return whorl__psample_init(&a->sample, sample_k) ? WHORL_ENOMEM : WHORL_OK;
}
