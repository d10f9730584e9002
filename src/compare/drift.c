/* drift.c - drift metrics between two column profiles (docs/drift.md):
 * numeric (PSI on baseline deciles, Kolmogorov-Smirnov, Wasserstein-1
 * normalized, Jensen-Shannon distance, mean shift in baseline standard
 * deviations), categorical (PSI, Jensen-Shannon, L-infinity, chi-square
 * p-value, new and vanished categories) and for both the changes of null
 * rate, distinct count and type violations. Exact when both profiles count
 * every value; otherwise computed on the sketches, with the error bounds
 * the sketches imply. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compare/compare_int.h"
#include "table/profile.h"
#include "util/util.h"

#define EPS 1e-4 /* floor of bin proportions in PSI (a common convention) */
#define MAX_LIST 20

typedef struct bin {
  double lo, hi;
  double a, b; /* masses (counts) */
} bin;

static int by_lo(const void *x, const void *y) {
  double p = ((const bin *)x)->lo, q = ((const bin *)y)->lo;
  return p < q ? -1 : p > q;
}

/* ---- chi-square upper tail: the regularized upper incomplete gamma Q(s, x) ---- */

static double gamma_q(double s, double x) {
  if (x <= 0) return 1;
  double lg = lgamma(s);
  if (x < s + 1) { /* series for P, then 1 - P */
    double sum = 1 / s, term = sum;
    for (int n = 1; n < 100000; n++) {
      term *= x / (s + n);
      sum += term;
      if (fabs(term) < fabs(sum) * 1e-16) break;
    }
    double p = sum * exp(-x + s * log(x) - lg);
    return p >= 1 ? 0 : 1 - p;
  }
  /* continued fraction (modified Lentz) for Q */
  double b = x + 1 - s, c = 1e300, d = 1 / b, h = d;
  for (int i = 1; i < 100000; i++) {
    double an = -i * (i - s);
    b += 2;
    d = an * d + b;
    if (fabs(d) < 1e-300) d = 1e-300;
    c = b + an / c;
    if (fabs(c) < 1e-300) c = 1e-300;
    d = 1 / d;
    double delta = d * c;
    h *= delta;
    if (fabs(delta - 1) < 1e-16) break;
  }
  return exp(-x + s * log(x) - lg) * h;
}

/* ---- distances over aligned masses ---------------------------------------------- */

static double psi(const double *pa, const double *pb, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; i++) {
    double a = pa[i] < EPS ? EPS : pa[i], b = pb[i] < EPS ? EPS : pb[i];
    s += (b - a) * log(b / a);
  }
  return s;
}

static double js_distance(const double *pa, const double *pb, size_t n) {
  double kl_a = 0, kl_b = 0;
  for (size_t i = 0; i < n; i++) {
    double m = (pa[i] + pb[i]) / 2;
    if (pa[i] > 0) kl_a += pa[i] * log2(pa[i] / m);
    if (pb[i] > 0) kl_b += pb[i] * log2(pb[i] / m);
  }
  double js = (kl_a + kl_b) / 2;
  return sqrt(js > 0 ? js : 0);
}

static whorl_json *num(double x) {
  whorl_json *j = isfinite(x) ? whorl_json_double(x) : NULL;
  return j ? j : whorl_json_null();
}

/* ---- numeric -------------------------------------------------------------------------- */

/* Exact point masses from a counting profile, or (size_t)-1 when there
 * are none: no counts, a keyed profile (its counts are of hashes), or
 * counts that do not account for all `want` values of the column. */
static size_t exact_points(const whorl_pcol *c, int temporal, int keyed, bin **out, int side, uint64_t want) {
  if (!c->freq || c->freq_over || keyed) return (size_t)-1;
  uint64_t got = 0;
  size_t n = 0;
  bin *b = *out;
  for (size_t i = 0; i < c->freq->nslots; i++) {
    const whorl_fent *e = &c->freq->slot[i];
    if (!e->count || !e->len) continue;
    const uint8_t *p = (const uint8_t *)c->freq->arena.data + e->off;
    double x;
    if (!temporal) {
      uint64_t m;
      int32_t ex;
      int neg;
      if (p[0] != 'D' || whorl__canon_number(p, e->len, &m, &ex, &neg, &x) || !isfinite(x)) continue;
    } else {
      /* temporal values: through a throwaway profile of this one value */
      whorl_pcol one;
      whorl__pcol_init(&one);
      one.freq_over = 1;
      whorl__pcol_cells(&one, e->type, p, e->len, e->hlo, e->hhi, 1);
      int ok = one.tim && one.tim->n;
      x = ok ? one.tim->min : 0;
      whorl__pcol_free(&one);
      if (!ok) continue;
    }
    bin *g = realloc(b, (n + 1) * sizeof *b);
    if (!g) break;
    b = g;
    b[n] = (bin){x, x, side ? 0 : (double)e->count, side ? (double)e->count : 0};
    n++;
    got += e->count;
  }
  *out = b;
  if (got != want) { /* the sketches answer */
    free(b);
    *out = NULL;
    return (size_t)-1;
  }
  return n;
}

/* Where a log-linear store is full, its lowest bucket holds the folded
 * smaller magnitudes down to 0 (docs/profile.md): [0, hi) on the positive
 * side, (lo, 0] on the negative one. */
static void fold_ends(const whorl_bucket *b, size_t n, double *pos_hi, double *neg_lo) {
  for (size_t i = 0; i < n; i++) {
    if (b[i].lo == 0 && b[i].hi > 0 && b[i].hi > *pos_hi) *pos_hi = b[i].hi;
    if (b[i].hi == 0 && b[i].lo < 0 && b[i].lo < *neg_lo) *neg_lo = b[i].lo;
  }
}

/* Folds a side's buckets as the other side's are: every bucket within
 * [neg_lo, 0) or [0, pos_hi] (zero included) becomes one, so the two grids
 * do not overlap (a folded bucket beside the other side's fine ones would
 * put all its mass at one end: a KS, a PSI that are not the data's). */
static size_t fold_to(whorl_bucket *b, size_t n, double pos_hi, double neg_lo) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    whorl_bucket e = b[i];
    if (neg_lo < 0 && e.lo >= neg_lo && e.hi <= 0 && e.lo < 0) e.lo = neg_lo, e.hi = 0;
    else if (pos_hi > 0 && e.lo >= 0 && e.hi <= pos_hi) e.lo = 0, e.hi = pos_hi;
    if (k && b[k - 1].lo == e.lo && b[k - 1].hi == e.hi) b[k - 1].count += e.count;
    else b[k++] = e;
  }
  return k;
}

static int num_bins(const whorl_pcol *ca, const whorl_pcol *cb, const whorl_pnum *da, const whorl_pnum *db, int temporal,
                    int keyed, bin **out, size_t *nout, double *width, int *exact) {
  bin *pa = NULL, *pb = NULL;
  size_t na = exact_points(ca, temporal, keyed, &pa, 0, da->n), nb = exact_points(cb, temporal, keyed, &pb, 1, db->n);
  if (na != (size_t)-1 && nb != (size_t)-1) {
    /* both exact: merge the points (values may repeat across sides) */
    bin *all = malloc((na + nb + 1) * sizeof *all);
    if (!all) {
      free(pa), free(pb);
      return -1;
    }
    memcpy(all, pa, na * sizeof *all);
    memcpy(all + na, pb, nb * sizeof *all);
    free(pa), free(pb);
    qsort(all, na + nb, sizeof *all, by_lo);
    size_t k = 0;
    for (size_t i = 0; i < na + nb; i++) {
      if (k && all[k - 1].lo == all[i].lo) {
        all[k - 1].a += all[i].a;
        all[k - 1].b += all[i].b;
      } else {
        all[k++] = all[i];
      }
    }
    *out = all;
    *nout = k;
    *width = 0;
    *exact = 1;
    return 0;
  }
  free(pa), free(pb);
  /* the sketches: the uniform histograms on one grid, and the log-linear
   * ones (their buckets are fixed: they align); the grid whose heaviest
   * bucket is lighter wins (it bounds KS: heavy tails put most of the mass
   * in one uniform bucket, the log-linear buckets follow it) */
  bin *ll = NULL;
  size_t nll = 0;
  double llmax = 2, llwidth = 0;
  if (!temporal) {
    whorl_bucket *la = NULL, *lb = NULL;
    size_t nla = whorl__dd_buckets(&da->dd, &la), nlb = whorl__dd_buckets(&db->dd, &lb);
    double pos_hi = 0, neg_lo = 0;
    fold_ends(la, nla, &pos_hi, &neg_lo);
    fold_ends(lb, nlb, &pos_hi, &neg_lo);
    if (pos_hi > 0 || neg_lo < 0) nla = fold_to(la, nla, pos_hi, neg_lo), nlb = fold_to(lb, nlb, pos_hi, neg_lo);
    ll = malloc((nla + nlb + 1) * sizeof *ll);
    size_t i = 0, q = 0;
    double ta = 0, tb = 0;
    for (size_t k = 0; k < nla; k++) ta += (double)la[k].count;
    for (size_t k = 0; k < nlb; k++) tb += (double)lb[k].count;
    while (ll && (i < nla || q < nlb)) {
      if (q >= nlb || (i < nla && la[i].lo < lb[q].lo)) ll[nll++] = (bin){la[i].lo, la[i].hi, (double)la[i].count, 0}, i++;
      else if (i >= nla || lb[q].lo < la[i].lo) ll[nll++] = (bin){lb[q].lo, lb[q].hi, 0, (double)lb[q].count}, q++;
      else ll[nll++] = (bin){la[i].lo, fmax(la[i].hi, lb[q].hi), (double)la[i].count, (double)lb[q].count}, i++, q++;
    }
    free(la), free(lb);
    if (ll && ta > 0 && tb > 0) {
      llmax = 0;
      for (size_t k = 0; k < nll; k++) {
        double m = fmax(ll[k].a / ta, ll[k].b / tb);
        if (m > llmax) llmax = m;
        if (ll[k].hi - ll[k].lo > llwidth && (ll[k].a > 0 || ll[k].b > 0)) llwidth = ll[k].hi - ll[k].lo;
      }
    }
  }
  /* the uniform histograms on one grid */
  whorl_uh ua, ub;
  memset(&ua, 0, sizeof ua);
  memset(&ub, 0, sizeof ub);
  whorl__uh_merge(&ua, &da->uh);
  whorl__uh_merge(&ub, &db->uh);
  int32_t j = ua.j > ub.j ? ua.j : ub.j;
  whorl__uh_coarsen_to(&ua, j);
  whorl__uh_coarsen_to(&ub, j);
  whorl_bucket *ba = NULL, *bb = NULL;
  size_t nba = whorl__uh_buckets(&ua, &ba), nbb = whorl__uh_buckets(&ub, &bb);
  bin *all = malloc((nba + nbb + 1) * sizeof *all);
  size_t k = 0, i = 0, q = 0;
  while (all && (i < nba || q < nbb)) {
    if (q >= nbb || (i < nba && ba[i].lo < bb[q].lo)) all[k++] = (bin){ba[i].lo, ba[i].hi, (double)ba[i].count, 0}, i++;
    else if (i >= nba || bb[q].lo < ba[i].lo) all[k++] = (bin){bb[q].lo, bb[q].hi, 0, (double)bb[q].count}, q++;
    else all[k++] = (bin){ba[i].lo, ba[i].hi, (double)ba[i].count, (double)bb[q].count}, i++, q++;
  }
  free(ba), free(bb);
  *width = whorl__uh_width(&ua);
  whorl__uh_free(&ua);
  whorl__uh_free(&ub);
  if (!all) {
    free(ll);
    return -1;
  }
  double ta = 0, tb = 0, umax = 0;
  for (size_t x = 0; x < k; x++) ta += all[x].a, tb += all[x].b;
  for (size_t x = 0; ta > 0 && tb > 0 && x < k; x++) umax = fmax(umax, fmax(all[x].a / ta, all[x].b / tb));
  if (ll && llmax < umax) {
    free(all);
    *out = ll;
    *nout = nll;
    *width = llwidth;
    *exact = 0;
    return 0;
  }
  free(ll);
  *out = all;
  *nout = k;
  *exact = 0;
  return 0;
}

static double pquantile(const whorl_json *prof, const char *k) {
  const whorl_json *v = whorl_json_object_get(whorl_json_object_get(prof, "quantiles"), k);
  return whorl_json_typeof(v) == WHORL_JSON_NUMBER ? whorl_json_get_double(v) : NAN;
}

static void numeric_drift(whorl_json *o, const whorl_pcol *ca, const whorl_pcol *cb, int temporal, int keyed, const whorl_json *pja) {
  const whorl_pnum *da = temporal ? ca->tim : ca->num, *db = temporal ? cb->tim : cb->num;
  if (!da || !db || !da->n || !db->n) {
    whorl_json_object_set(o, "kind", whorl_json_string("numeric"));
    whorl_json_object_set(o, "note", whorl_json_string("one side has no values: distribution metrics need both"));
    return;
  }
  bin *b = NULL;
  size_t n = 0;
  double w = 0;
  int exact = 0;
  if (num_bins(ca, cb, da, db, temporal, keyed, &b, &n, &w, &exact)) return;
  double ta = 0, tb = 0;
  for (size_t i = 0; i < n; i++) ta += b[i].a, tb += b[i].b;
  /* KS and Wasserstein-1 from the two CDFs */
  double ks = 0, w1 = 0, maxmass = 0, w1err = 0;
  /* the CDFs' difference from the counts, in integers: where the two CDFs
   * are equal it is exactly 0 (summed shares leave ~1e-16, which a gap of
   * 1e15 up to a sentinel turned into a W1 off by 0.1) */
  __int128 cuma = 0, cumb = 0;
  const __int128 na = (__int128)ta, nb = (__int128)tb;
  for (size_t i = 0; i < n; i++) {
    cuma += (__int128)b[i].a;
    cumb += (__int128)b[i].b;
    __int128 num = cuma * nb - cumb * na;
    double d = fabs((double)num) / (ta * tb);
    if (d > ks) ks = d;
    /* the CDFs stay put from here to the next bin (gaps between occupied
     * buckets included) */
    double step = i + 1 < n ? b[i + 1].lo - b[i].lo : (exact ? 0 : b[i].hi - b[i].lo);
    if (d > 0) w1 += d * step;
    double m = fmax(b[i].a / ta, b[i].b / tb);
    if (m > maxmass) maxmass = m;
    /* each unit of mass sits within its bucket: W1 moves by at most the
     * mass-weighted widths of both sides (triangle inequality) */
    if (!exact) w1err += (b[i].a / ta + b[i].b / tb) * (b[i].hi - b[i].lo);
  }
  /* PSI on the baseline's deciles */
  double edge[9];
  int ne = 0;
  if (exact) {
    /* exact deciles of the baseline (numpy's linear interpolation) */
    static const double qs[9] = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9};
    for (int q = 0; q < 9; q++) {
      double r = qs[q] * (ta - 1), seen = 0, x0 = 0, x1 = 0;
      int got0 = 0;
      for (size_t i = 0; i < n; i++) {
        seen += b[i].a;
        if (!got0 && floor(r) < seen) x0 = b[i].lo, got0 = 1;
        if (ceil(r) < seen) {
          x1 = b[i].lo;
          break;
        }
      }
      double e = x0 + (x1 - x0) * (r - floor(r));
      if (!ne || e > edge[ne - 1]) edge[ne++] = e;
    }
  } else {
    /* the histogram of the baseline: its deciles at bucket resolution */
    double seen = 0;
    int q = 1;
    for (size_t i = 0; i < n && q <= 9; i++) {
      seen += b[i].a;
      while (q <= 9 && seen >= q * ta / 10) {
        double e = b[i].hi;
        if (!ne || e > edge[ne - 1]) edge[ne++] = e;
        q++;
      }
    }
  }
  double pa[10] = {0}, pb[10] = {0};
  for (size_t i = 0; i < n; i++) {
    double x = exact ? b[i].lo : (b[i].lo + b[i].hi) / 2;
    int k = 0;
    while (k < ne && x > edge[k]) k++;
    pa[k] += b[i].a / ta;
    pb[k] += b[i].b / tb;
  }
  double vpsi = psi(pa, pb, (size_t)ne + 1);
  /* JS over the same decile bins (a distance over the distinct values
   * would be 1 for any shift of a discrete column: not a measure of size) */
  double vjs = js_distance(pa, pb, (size_t)ne + 1);
  free(b);
  double mean_a, sd_a, mean_b, sd_b;
  whorl__pnum_moments(da, &mean_a, &sd_a);
  whorl__pnum_moments(db, &mean_b, &sd_b);
  double iqr = pquantile(pja, "p75") - pquantile(pja, "p25");
  if (temporal) iqr = NAN; /* ISO text quantiles: normalize by the standard deviation */
  double norm = isfinite(iqr) && iqr > 0 ? iqr : sd_a;
  whorl_json_object_set(o, "kind", whorl_json_string("numeric"));
  whorl_json_object_set(o, "exact", whorl_json_bool(exact));
  whorl_json_object_set(o, "psi", num(vpsi));
  whorl_json_object_set(o, "ks", num(ks));
  whorl_json_object_set(o, "ks_error_bound", num(exact ? 0 : maxmass));
  whorl_json_object_set(o, "wasserstein", num(w1));
  whorl_json_object_set(o, "wasserstein_error_bound", num(exact ? 0 : w1err));
  whorl_json_object_set(o, "wasserstein_normalized", num(norm > 0 ? w1 / norm : NAN));
  whorl_json_object_set(o, "normalized_by", whorl_json_string(isfinite(iqr) && iqr > 0 ? "iqr" : "std"));
  whorl_json_object_set(o, "jensen_shannon", num(vjs));
  whorl_json_object_set(o, "mean_shift_std", num(sd_a > 0 ? (mean_b - mean_a) / sd_a : NAN));
}

/* ---- categorical ------------------------------------------------------------------------ */

static void categorical_drift(whorl_json *o, const whorl_pcol *ca, const whorl_pcol *cb, int keyed) {
  if (ca->freq_over || cb->freq_over) {
    whorl_json_object_set(o, "kind", whorl_json_string("categorical"));
    whorl_json_object_set(o, "note", whorl_json_string("no exact value counts (more than 256 distinct values, a value above 1 KiB, or text that is not UTF-8): category metrics need them"));
    return;
  }
  static const whorl_fmap empty = {NULL, 0, 0, WHORL_BUF_INIT}; /* a side without values */
  const whorl_fmap *fa = ca->freq ? ca->freq : &empty, *fb = cb->freq ? cb->freq : &empty;
  if (!fa->n || !fb->n) { /* all null on a side: no distribution to compare (null_rate_change says it) */
    whorl_json_object_set(o, "kind", whorl_json_string("categorical"));
    whorl_json_object_set(o, "note", whorl_json_string("one side has no values: distribution metrics need both"));
    return;
  }
  size_t cap = fa->n + fb->n + 1;
  double *pa = calloc(cap, sizeof *pa), *pb = calloc(cap, sizeof *pb);
  const whorl_fent **ent = calloc(cap, sizeof *ent);
  const whorl_fmap **src = calloc(cap, sizeof *src);
  if (!pa || !pb || !ent || !src) {
    free(pa), free(pb), free(ent), free(src);
    return;
  }
  size_t k = 0;
  double ta = 0, tb = 0;
  for (size_t i = 0; i < fa->nslots; i++)
    if (fa->slot[i].count) ent[k] = &fa->slot[i], src[k] = fa, pa[k++] = (double)fa->slot[i].count, ta += (double)fa->slot[i].count;
  size_t ka = k;
  for (size_t i = 0; i < fb->nslots; i++) {
    const whorl_fent *e = &fb->slot[i];
    if (!e->count) continue;
    tb += (double)e->count;
    size_t q = 0;
    while (q < ka && (ent[q]->hlo != e->hlo || ent[q]->hhi != e->hhi)) q++;
    if (q < ka) pb[q] = (double)e->count;
    else ent[k] = e, src[k] = fb, pb[k++] = (double)e->count;
  }
  /* chi-square test of homogeneity on the 2 x k table */
  double chi = 0;
  for (size_t i = 0; i < k; i++) {
    double col = pa[i] + pb[i], ea = ta + tb > 0 ? col * ta / (ta + tb) : 0, eb = ta + tb > 0 ? col * tb / (ta + tb) : 0;
    if (ea > 0) chi += (pa[i] - ea) * (pa[i] - ea) / ea;
    if (eb > 0) chi += (pb[i] - eb) * (pb[i] - eb) / eb;
  }
  double pval = k > 1 && ta > 0 && tb > 0 ? gamma_q((double)(k - 1) / 2, chi / 2) : NAN;
  whorl_json *added = whorl_json_array(), *vanished = whorl_json_array();
  size_t nadd = 0, nvan = 0;
  double linf = 0;
  for (size_t i = 0; i < k; i++) {
    double a = ta > 0 ? pa[i] / ta : 0, b = tb > 0 ? pb[i] / tb : 0;
    if (fabs(a - b) > linf) linf = fabs(a - b);
    whorl_json *v = NULL;
    if ((pa[i] == 0) != (pb[i] == 0)) {
      if (keyed) {
        char h[40];
        static const char *X = "0123456789abcdef";
        h[0] = 'k', h[1] = ':';
        for (int q = 0; q < 8; q++) {
          uint8_t c = (uint8_t)(ent[i]->hhi >> (56 - 8 * q)), d = (uint8_t)(ent[i]->hlo >> (56 - 8 * q));
          h[2 + 2 * q] = X[c >> 4], h[3 + 2 * q] = X[c & 15], h[18 + 2 * q] = X[d >> 4], h[19 + 2 * q] = X[d & 15];
        }
        h[34] = 0;
        v = whorl_json_string(h);
      } else {
        v = whorl__canon_to_json((const uint8_t *)src[i]->arena.data + ent[i]->off, ent[i]->len);
      }
    }
    if (pa[i] == 0) {
      if (nadd++ < MAX_LIST) whorl_json_array_append(added, v);
      else whorl_json_free(v);
    } else if (pb[i] == 0) {
      if (nvan++ < MAX_LIST) whorl_json_array_append(vanished, v);
      else whorl_json_free(v);
    } else {
      whorl_json_free(v);
    }
    pa[i] = a, pb[i] = b;
  }
  whorl_json_object_set(o, "kind", whorl_json_string("categorical"));
  whorl_json_object_set(o, "exact", whorl_json_bool(1));
  whorl_json_object_set(o, "psi", num(psi(pa, pb, k)));
  whorl_json_object_set(o, "jensen_shannon", num(js_distance(pa, pb, k)));
  whorl_json_object_set(o, "l_infinity", num(linf));
  whorl_json_object_set(o, "chi2", num(chi));
  whorl_json_object_set(o, "chi2_dof", whorl_json_int((int64_t)(k ? k - 1 : 0)));
  whorl_json_object_set(o, "chi2_p_value", num(pval));
  whorl_json_object_set(o, "new_categories", whorl_json_int((int64_t)nadd));
  whorl_json_object_set(o, "new", added);
  whorl_json_object_set(o, "vanished_categories", whorl_json_int((int64_t)nvan));
  whorl_json_object_set(o, "vanished", vanished);
  free(pa), free(pb), free(ent), free(src);
}

/* The type family most of a column's cells are in (the one its
 * violations are counted against, docs/profile.md): 1 numbers, 2 dates and
 * timestamps, 0 any other (or no values). */
static int main_family(const whorl_pcol *c) {
  uint64_t f[5] = {c->types[WHORL_T_BOOL], c->types[WHORL_T_INT] + c->types[WHORL_T_FLOAT],
                   c->types[WHORL_T_DATE] + c->types[WHORL_T_TIMESTAMP], c->types[WHORL_T_STRING], c->types[WHORL_T_JSON]};
  int top = 0;
  for (int i = 1; i < 5; i++)
    if (f[i] > f[top]) top = i;
  return !f[top] ? 0 : top == 1 ? 1 : top == 2 ? 2 : 0;
}

whorl_json *whorl__drift(const whorl_json *cola, const whorl_json *colb, int keyed) {
  const whorl_json *pja = whorl_json_object_get(cola, "profile"), *pjb = whorl_json_object_get(colb, "profile");
  if (!pja || !pjb) return NULL;
  whorl_pcol ra, rb, ca, cb;
  whorl__pcol_init(&ra);
  whorl__pcol_init(&rb);
  if (whorl__pcol_from_json(&ra, pja, keyed) || whorl__pcol_from_json(&rb, pjb, keyed)) {
    whorl__pcol_free(&ra);
    whorl__pcol_free(&rb);
    return NULL;
  }
  /* statistics in full; the frequency maps stay with ra/rb */
  whorl__pcol_materialize(&ra, &ca);
  whorl__pcol_materialize(&rb, &cb);
  ca.freq = ra.freq, cb.freq = rb.freq;
  ca.freq_over = ra.freq_over, cb.freq_over = rb.freq_over;
  whorl_json *o = whorl_json_object();
  const char *ta = whorl_json_object_get_string(cola, "type"), *tb = whorl_json_object_get_string(colb, "type");
  int numeric = ta && tb && (!strcmp(ta, "int") || !strcmp(ta, "float")) && (!strcmp(tb, "int") || !strcmp(tb, "float"));
  int temporal = ta && tb && (!strcmp(ta, "date") || !strcmp(ta, "timestamp")) && (!strcmp(tb, "date") || !strcmp(tb, "timestamp"));
  /* a column of numbers (or dates) with a few other values, typed string
   * for them (an R "NA", a "n/a"): its numbers still drift as numbers, as
   * when one side has such values and the other none */
  int mixed = 0;
  if (!numeric && !temporal) {
    int fa = main_family(&ra), fb = main_family(&rb);
    if (fa && fa == fb) mixed = 1, numeric = fa == 1, temporal = fa == 2;
  }
  if (numeric || temporal) {
    numeric_drift(o, &ca, &cb, temporal, keyed, pja);
    if (mixed && !whorl_json_object_get(o, "note"))
      whorl_json_object_set(o, "note", whorl_json_string(temporal ? "over the dates and timestamps of the column only: its other values are violations (violation_rate_change)"
                                                                  : "over the numbers of the column only: its other values are violations (violation_rate_change)"));
  }
  else categorical_drift(o, &ca, &cb, keyed);
  /* both kinds */
  double nna = (double)whorl_json_object_get_int(pja, "nulls", 0), nnb = (double)whorl_json_object_get_int(pjb, "nulls", 0);
  double cna = (double)whorl_json_object_get_int(pja, "count", 0), cnb = (double)whorl_json_object_get_int(pjb, "count", 0);
  whorl_json_object_set(o, "null_rate_change", num((nna + cna > 0 && nnb + cnb > 0) ? nnb / (nnb + cnb) - nna / (nna + cna) : NAN));
  double da = (double)whorl_json_object_get_int(pja, "distinct", 0), db = (double)whorl_json_object_get_int(pjb, "distinct", 0);
  whorl_json_object_set(o, "distinct_ratio", num(da > 0 ? db / da : NAN));
  double va = (double)whorl_json_object_get_int(pja, "violations", 0), vb = (double)whorl_json_object_get_int(pjb, "violations", 0);
  whorl_json_object_set(o, "violation_rate_change", num((cna > 0 && cnb > 0) ? vb / cnb - va / cna : NAN));
  ca.freq = cb.freq = NULL;
  whorl__pcol_free(&ca);
  whorl__pcol_free(&cb);
  whorl__pcol_free(&ra);
  whorl__pcol_free(&rb);
  return o;
}
