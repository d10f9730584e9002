/* profile.h - per-column statistical profiles (rules "table-profile-2",
 * docs/profile.md), computed in the logical tier's pass (logical.c) from
 * each cell's canonical bytes (value.h), own type (types.h) and XXH3-128
 * cell hash.
 *
 * Everything here is order-independent and mergeable (sketch.h): a
 * profile is the same bytes whatever the thread count, and profiles of
 * shards merge into the profile of their concatenation.
 */
#ifndef WHORL_TABLE_PROFILE_H
#define WHORL_TABLE_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#include "sketch/sketch.h"
#include "table/logical.h"
#include "table/types.h"
#include "table/value.h"
#include "util/util.h"
#include "whorl/json.h"

#define WHORL_PROFILE_RULES "table-profile-2"
#define WHORL_FREQ_CAP 256      /* distinct values counted exactly */
#define WHORL_FREQ_MAXLEN 1024  /* longer values end exact counting */
#define WHORL_STR_KEEP 256      /* string min/max compare this many bytes */
#define WHORL_SAMPLE_ROWS 32    /* rows of the sample in a document */
#define WHORL_ROW_IBLT_CELLS 3072 /* cells of the row-level IBLT (fixed: tables of any size merge and subtract) */
#define WHORL_ROW_IBLT_RULES "row-iblt-4"
#define WHORL_ROW_STRATA 16       /* strata estimator: rows by trailing zeros of their hash */
#define WHORL_ROW_STRATUM_CELLS 48

/* One numeric domain: numbers, or date/timestamp values as seconds since
 * 1970-01-01 (a date at midnight). */
typedef struct whorl_pnum {
  uint64_t n;
  double min, max;
  /* the extremes exactly ((neg ? -1 : 1) * m * 10^e), where doubles tie or
   * round (integers beyond 2^53); *_ok 0 when not known exactly (a value
   * of more than 19 digits, or a document without them) */
  uint64_t min_m, max_m;
  int32_t min_e, max_e;
  uint8_t min_neg, max_neg, min_ok, max_ok;
  whorl_xsum s1, s2; /* exact sum, sum of squares */
  whorl_dd dd;       /* numbers only */
  whorl_uh uh;
} whorl_pnum;

typedef struct whorl_fent {
  uint64_t hlo, hhi, count;
  uint32_t off, len; /* canonical bytes in the map's arena */
  uint8_t type;      /* the cells' own type (a function of their bytes) */
} whorl_fent;

typedef struct whorl_fmap {
  whorl_fent *slot;
  size_t nslots, n;
  whorl_buf arena;
} whorl_fmap;

/* While a column has at most WHORL_FREQ_CAP distinct values, only their
 * exact counts are kept: every other statistic is a function of the
 * (value, count) pairs and is computed from them when the column is
 * written, or when a new value ends exact counting (the pairs are then
 * replayed into the statistics, which take every later cell directly).
 * Both ways give the same state. */
typedef struct whorl_pcol {
  uint64_t types[8]; /* cells by their own type (whorl_ltype) */
  uint64_t nan, pinf, ninf;
  uint64_t utc; /* temporal values written with a zone (UTC, 'Z') */
  whorl_pnum *num, *tim;
  uint64_t slen_n, slen_sum, slen_min, slen_max;
  whorl_buf smin, smax; /* first WHORL_STR_KEEP bytes */
  int shave;
  whorl_hll *hll;
  whorl_fmap *freq;
  int freq_over;
  int oom;
} whorl_pcol;

void whorl__pcol_init(whorl_pcol *c);
void whorl__pcol_free(whorl_pcol *c);
/* One cell: its own type, canonical bytes and cell hash (hlo, hhi). */
void whorl__pcol_cell_slow(whorl_pcol *c, int type, const uint8_t *p, size_t len, uint64_t hlo, uint64_t hhi);

/* Two values whose doubles are equal: the exact one decides (profile.c). */
void whorl__pnum_tie(whorl_pnum *n, int is_max, int32_t e, uint64_t m, int neg);

/* Adds a value (x, and exactly (neg ? -1 : 1) * m * 10^e) times times. */
static inline void whorl__pnum_add(whorl_pnum *n, double x, int32_t e, uint64_t m, int neg, int with_dd, uint64_t times) {
  if (!n->n) {
    n->min = n->max = x;
    n->min_m = n->max_m = m, n->min_e = n->max_e = e, n->min_neg = n->max_neg = (uint8_t)(neg != 0);
    n->min_ok = n->max_ok = 1;
  } else {
    if (x < n->min) n->min = x, n->min_m = m, n->min_e = e, n->min_neg = (uint8_t)(neg != 0), n->min_ok = 1;
    else if (x == n->min) whorl__pnum_tie(n, 0, e, m, neg);
    if (x > n->max) n->max = x, n->max_m = m, n->max_e = e, n->max_neg = (uint8_t)(neg != 0), n->max_ok = 1;
    else if (x == n->max) whorl__pnum_tie(n, 1, e, m, neg);
  }
  if (times == 1) {
    n->n++;
    whorl__xsum_add1(&n->s1, e, m, neg);
    whorl__xsum_add1(&n->s2, 2 * e, (unsigned __int128)m * m, 0);
    if (with_dd) whorl__dd_add1(&n->dd, x);
    whorl__uh_add1(&n->uh, x);
    return;
  }
  n->n += times;
  whorl__xsum_add_mul(&n->s1, e, m, times, neg);
  whorl__xsum_add_mul(&n->s2, 2 * e, (unsigned __int128)m * m, times, 0);
  if (with_dd) whorl__dd_addn(&n->dd, x, times);
  whorl__uh_addn(&n->uh, x, times);
}

/* whorl__pcol_cell_slow's common cases inline, once a column has left
 * exact counting: plain numbers (at most 18 digits), dates and timestamps
 * to the second. Exactly what the general path does with them. */
static inline void whorl__pcol_cell(whorl_pcol *c, int type, const uint8_t *p, size_t len, uint64_t hlo, uint64_t hhi) {
  if (c->freq_over && c->hll && len >= 2) {
    if (p[0] == 'D' && c->num && len <= 20) {
      static const double p10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18};
      size_t i = 1;
      const int neg = p[1] == '-';
      i += (size_t)neg;
      uint64_t m = 0;
      int32_t e = 0;
      int digits = 0, point = 0;
      for (; i < len; i++) {
        const unsigned d = (unsigned)(p[i] - '0');
        if (d < 10) {
          m = m * 10 + d;
          digits++;
          e -= point;
        } else if (p[i] == '.' && !point) {
          point = 1;
        } else {
          break;
        }
      }
      if (i == len && digits && digits <= 18 && m < ((uint64_t)1 << 53)) {
        const double a = e ? (double)m / p10[-e] : (double)m;
        c->types[type & 7]++;
        whorl__hll_add(c->hll, hhi);
        whorl__pnum_add(c->num, neg ? -a : a, e, m, neg && m, 1, 1);
        return;
      }
    } else if (c->tim &&
               ((type == WHORL_T_DATE && len == 11 && p[0] == 'S') ||
                (p[0] == 'T' && (len == 20 || (len == 21 && p[20] == 'Z')))) &&
               (unsigned)(p[1] - '0') < 10 && p[5] == '-') {
      /* four-digit years only: others are spelled "+12345-..", "-100-.." */
      const uint8_t *s = p + 1;
      const int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
      const int mo = (s[5] - '0') * 10 + (s[6] - '0'), d = (s[8] - '0') * 10 + (s[9] - '0');
      int64_t sec = whorl__days_from_civil(y, mo, d) * 86400;
      if (p[0] == 'T')
        sec += ((s[11] - '0') * 10 + (s[12] - '0')) * 3600 + ((s[14] - '0') * 10 + (s[15] - '0')) * 60 +
               (s[17] - '0') * 10 + (s[18] - '0');
      c->types[type & 7]++;
      whorl__hll_add(c->hll, hhi);
      if (len == 21) c->utc++;
      const int sneg = sec < 0;
      const uint64_t mag = sneg ? (uint64_t)(-(sec + 1)) + 1 : (uint64_t)sec;
      whorl__pnum_add(c->tim, (double)sec, 0, mag, sneg && mag, 0, 1);
      return;
    }
  }
  whorl__pcol_cell_slow(c, type, p, len, hlo, hhi);
}
/* A run of n cells of one canonical value (nulls padded by the reader). */
void whorl__pcol_cells(whorl_pcol *c, int type, const uint8_t *p, size_t len, uint64_t hlo, uint64_t hhi, uint64_t n);
void whorl__pcol_merge(whorl_pcol *c, const whorl_pcol *o);

/* The sample: the rows with the smallest row hashes (order-invariant). */
typedef struct whorl_srow {
  uint64_t hlo, hhi;
  whorl_buf cells; /* LEB128(len) + canonical bytes, one per column (fewer: null) */
} whorl_srow;

typedef struct whorl_psample {
  size_t k, n;
  whorl_srow *row; /* ascending by (hhi, hlo, cells) */
} whorl_psample;

int whorl__psample_init(whorl_psample *s, size_t k);
/* 1 when a row of this hash would be kept. */
int whorl__psample_wants(const whorl_psample *s, uint64_t hlo, uint64_t hhi);
/* Takes the row (its cells buffer is moved in). */
int whorl__psample_add(whorl_psample *s, uint64_t hlo, uint64_t hhi, whorl_buf *cells);
int whorl__psample_merge(whorl_psample *s, const whorl_psample *o);
void whorl__psample_free(whorl_psample *s);

/* Every statistic of c in one profile: c's own and its counted pairs'
 * (out has no frequency map; free it with whorl__pcol_free). */
void whorl__pcol_materialize(const whorl_pcol *c, whorl_pcol *out);
/* Mean and sample standard deviation (ddof 1) from the exact sums. */
int whorl__pnum_moments(const whorl_pnum *d, double *mean, double *std);

/* ---- documents ----------------------------------------------------------------
 * Profile JSON of a column whose type is `type` ("profile" member of a
 * columns[] entry). keyed: raw values are replaced by keyed cell hashes
 * (frequent values, sample) or left out (string min/max). */
whorl_json *whorl__pcol_json(const whorl_pcol *c, whorl_ltype type, int keyed);
/* Rebuilds a column profile from its JSON (the "state" and "frequent"
 * members). keyed: the document was keyed (values are hashes).
 * Returns 0, or -1 when malformed. */
int whorl__pcol_from_json(whorl_pcol *c, const whorl_json *profile, int keyed);
/* The sample's first WHORL_SAMPLE_ROWS rows as [{"hash": hex, "values":
 * [one per column, in the reader's order]}]. Keyed samples hold 'K' cells
 * (17 bytes: 'K' and the keyed cell hash, little-endian lo then hi). */
whorl_json *whorl__psample_json(const whorl_psample *s, size_t ncols);
/* Adds the rows of such an array; source column c goes to map[c] of ndst
 * columns (the others are null). */
int whorl__psample_from_json(whorl_psample *s, const whorl_json *rows, const size_t *map, size_t nsrc, size_t ndst,
                             int keyed);

/* Pearson correlations between the first maxcols numeric (int, float)
 * columns of res, from the sample's rows (pairwise complete), rounded to
 * six decimals: {"method", "sample_rows", "columns", "matrix"}. */
whorl_json *whorl__psample_pearson(const whorl_psample *s, const whorl_lresult *res, size_t maxcols);

/* A canonical cell as a JSON value (strings, numbers, booleans, null; a
 * keyed cell as "k:" + hex of its keyed hash), and back. */
whorl_json *whorl__canon_to_json(const uint8_t *p, size_t len);
int whorl__canon_from_json(const whorl_json *v, whorl_buf *out);

/* Numeric value of a canonical number 'D...': mantissa (at most 19
 * significant digits; more are truncated), decimal exponent, sign and the
 * nearest double. Returns 0, or -1 when not a number. */
int whorl__canon_number(const uint8_t *p, size_t len, uint64_t *m, int32_t *e, int *neg, double *x);

#endif
