/* table.c - what differs between two kind "table" fingerprints, tier by
 * tier: bytes, logical content (another serialization), row order only,
 * then schema and columns (docs/diff-format.md, "Tables"). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare/compare_int.h"
#include "table/profile.h"
#include "sketch/sketch.h"
#include "util/util.h"

static const char *s(const whorl_json *o, const char *k) {
  const char *v = whorl_json_object_get_string(o, k);
  return v ? v : "";
}

static const char *path2(const whorl_json *d, const char *a, const char *b) {
  return s(whorl_json_object_get(d, a), b);
}

static whorl_json *str_pair(const char *ka, const char *a, const char *kb, const char *b) {
  whorl_json *o = whorl_json_object();
  whorl_json_object_set(o, ka, whorl_json_string(a));
  whorl_json_object_set(o, kb, whorl_json_string(b));
  return o;
}

/* rows listed per kind: everything a row table decodes (about 2,500 rows) */
#define WHORL_ROW_LIST_MAX 10000

static int by_idx(const void *x, const void *y) {
  uint64_t p = ((const whorl_ielem *)x)->idx, q = ((const whorl_ielem *)y)->idx;
  return p < q ? -1 : p > q;
}

/* Where rows were inserted or deleted, from the two anchor lists
 * (docs/diff-format.md, "Rows"): anchors aligned by tag and level; between
 * two consecutive aligned anchors whose index shift differs, rows moved.
 * NULL when the documents have no anchors or too few align. */
static int same_anchor(const whorl_anchor *x, const whorl_anchor *y) { return x->tag == y->tag && x->level == y->level; }

static whorl_json *moved_regions(const whorl_json *a, const whorl_json *b, int64_t rows_a, int64_t rows_b) {
  const char *xa = path2(whorl_json_object_get(a, "profile"), "rows", "anchors"),
             *xb = path2(whorl_json_object_get(b, "profile"), "rows", "anchors");
  if (!*xa || !*xb) return NULL;
  whorl_anchors A, B;
  if (whorl__anchors_read(&A, xa, strlen(xa))) return NULL;
  if (whorl__anchors_read(&B, xb, strlen(xb))) {
    whorl__anchors_free(&A);
    return NULL;
  }
  unsigned L = A.min_level > B.min_level ? A.min_level : B.min_level;
  whorl__anchors_coarsen(&A, L);
  whorl__anchors_coarsen(&B, L);
  /* aligned pairs, with a virtual one before the first row and one after the last */
  size_t cap = (A.n < B.n ? A.n : B.n) + 2, np = 0;
  int64_t *pa = malloc(cap * sizeof *pa), *pb = malloc(cap * sizeof *pb);
  whorl_json *out = NULL;
  if (!pa || !pb) goto done;
  pa[np] = -1, pb[np++] = -1;
  size_t i = 0, j = 0;
  const size_t W = 256;
  while (i < A.n && j < B.n) {
    if (same_anchor(&A.v[i], &B.v[j])) {
      pa[np] = (int64_t)A.v[i].idx, pb[np++] = (int64_t)B.v[j].idx;
      i++, j++;
      continue;
    }
    /* the nearest place where two anchors in a row agree again */
    int found = 0;
    for (size_t d = 1; d <= 2 * W && !found; d++)
      for (size_t x = 0; x <= d && !found; x++) {
        size_t y = d - x;
        if (x > W || y > W || i + x >= A.n || j + y >= B.n) continue;
        if (!same_anchor(&A.v[i + x], &B.v[j + y])) continue;
        if (i + x + 1 < A.n && j + y + 1 < B.n && !same_anchor(&A.v[i + x + 1], &B.v[j + y + 1])) continue;
        i += x, j += y, found = 1;
      }
    if (!found) break;
  }
  size_t aligned = np - 1;
  if (aligned * 2 < (A.n < B.n ? A.n : B.n)) goto done; /* mostly unaligned: rows reordered, not moved */
  pa[np] = rows_a, pb[np++] = rows_b;
  out = whorl_json_array();
  int64_t net = 0;
  size_t nreg = 0;
  for (size_t k = 0; k + 1 < np; k++) {
    int64_t d0 = pb[k] - pa[k], d1 = pb[k + 1] - pa[k + 1];
    if (d0 == d1) continue;
    /* merge with the previous region when they share the anchor between them */
    size_t last = whorl_json_size(out);
    whorl_json *prev = last ? whorl_json_array_get(out, last - 1) : NULL;
    if (prev && whorl_json_get_int(whorl_json_array_get(whorl_json_object_get(prev, "a"), 1)) == pa[k]) {
      whorl_json *ar = whorl_json_array(), *br = whorl_json_array();
      whorl_json_array_append(ar, whorl_json_int(whorl_json_get_int(whorl_json_array_get(whorl_json_object_get(prev, "a"), 0))));
      whorl_json_array_append(ar, whorl_json_int(pa[k + 1]));
      whorl_json_array_append(br, whorl_json_int(whorl_json_get_int(whorl_json_array_get(whorl_json_object_get(prev, "b"), 0))));
      whorl_json_array_append(br, whorl_json_int(pb[k + 1]));
      net = whorl_json_object_get_int(prev, "net", 0) + (d1 - d0);
      whorl_json_object_set(prev, "a", ar);
      whorl_json_object_set(prev, "b", br);
      whorl_json_object_set(prev, "net", whorl_json_int(net));
      continue;
    }
    if (++nreg > 100) continue;
    whorl_json *r = whorl_json_object(), *ar = whorl_json_array(), *br = whorl_json_array();
    whorl_json_array_append(ar, whorl_json_int(pa[k] + 1));
    whorl_json_array_append(ar, whorl_json_int(pa[k + 1]));
    whorl_json_array_append(br, whorl_json_int(pb[k] + 1));
    whorl_json_array_append(br, whorl_json_int(pb[k + 1]));
    whorl_json_object_set(r, "a", ar);
    whorl_json_object_set(r, "b", br);
    whorl_json_object_set(r, "net", whorl_json_int(d1 - d0));
    whorl_json_array_append(out, r);
  }
done:
  free(pa);
  free(pb);
  whorl__anchors_free(&A);
  whorl__anchors_free(&B);
  return out;
}

/* Row numbers when rows moved: each decoded row's positional value (its
 * offset from the anchor row before it, and that anchor's tag) located in
 * its version's anchor list (complete: level 0). A tag matches an anchor
 * when the row then falls before the next anchor. Every row placed: the
 * same pairing as without moves (changed / added / removed); else the rows
 * placed. */
static int anchor_list(const whorl_json *doc, whorl_anchors *an) {
  const char *x = path2(whorl_json_object_get(doc, "profile"), "rows", "anchors");
  if (!*x || whorl__anchors_read(an, x, strlen(x))) return -1;
  if (an->min_level) {
    whorl__anchors_free(an);
    return -1;
  }
  return 0;
}

/* Where a row of positional value v lies. Anchor tags are 16 bits, so
 * in a long list two anchors can share one: then the row has a candidate
 * after each, and the one inside a range where rows moved (`moved`, side
 * 0: a, 1: b) decides, when exactly one is. */
static int in_moved(const whorl_json *mv, int side, uint64_t p) {
  for (size_t i = 0; i < whorl_json_size(mv); i++) {
    const whorl_json *r = whorl_json_object_get(whorl_json_array_get(mv, i), side ? "b" : "a");
    int64_t s0 = whorl_json_get_int(whorl_json_array_get(r, 0)), s1 = whorl_json_get_int(whorl_json_array_get(r, 1));
    if ((int64_t)p >= s0 && (int64_t)p < s1) return 1;
  }
  return 0;
}

static int locate(const whorl_anchors *an, uint64_t rows, uint64_t v, const whorl_json *mv, int side, uint64_t *pos) {
  uint64_t off = v & ((1ull << WHORL_V_OFF_BITS) - 1), tag = v >> WHORL_V_OFF_BITS;
  uint64_t cand[8];
  int found = 0;
  /* before the first anchor: from row 0, tag 0 */
  if (!tag && (an->n ? off < an->v[0].idx : off < rows)) cand[found++] = off;
  for (size_t i = 0; i < an->n && found < 8; i++) {
    if (an->v[i].tag != tag) continue;
    uint64_t end = i + 1 < an->n ? an->v[i + 1].idx : rows;
    if (an->v[i].idx + off < end) cand[found++] = an->v[i].idx + off;
  }
  if (found == 1) {
    *pos = cand[0];
    return 0;
  }
  if (found < 2 || found == 8 || !mv) return -1;
  int inside = 0;
  for (int k = 0; k < found; k++)
    if (in_moved(mv, side, cand[k])) *pos = cand[k], inside++;
  return inside == 1 ? 0 : -1;
}

static void place_moved(const whorl_json *a, const whorl_json *b, whorl_ielem *add, size_t na, whorl_ielem *rem, size_t nr,
                        const whorl_json *mv, whorl_json *o) {
  const int aligned = mv && whorl_json_size(mv);
  whorl_anchors A, B;
  if (anchor_list(a, &A)) return;
  if (anchor_list(b, &B)) {
    whorl__anchors_free(&A);
    return;
  }
  uint64_t rows_a = (uint64_t)whorl_json_object_get_int(a, "rows", 0), rows_b = (uint64_t)whorl_json_object_get_int(b, "rows", 0);
  /* The moved ranges settle a shared tag only when they hold every
   * differing row: when their nets add up to all of them (no stretch where
   * inserted and deleted rows cancel out and go unlisted) */
  const whorl_json *tie = NULL;
  if (mv && whorl_json_size(mv) < 100) {
    uint64_t nets = 0, rows = 0;
    for (size_t i = 0; i < whorl_json_size(mv); i++) {
      int64_t n = whorl_json_object_get_int(whorl_json_array_get(mv, i), "net", 0);
      nets += (uint64_t)(n < 0 ? -n : n);
    }
    for (size_t i = 0; i < na; i++) rows += add[i].mult;
    for (size_t i = 0; i < nr; i++) rows += rem[i].mult;
    if (nets == rows) tie = mv;
  }
  size_t placed = 0;
  for (size_t i = 0; i < nr; i++)
    if (rem[i].v_ok && !locate(&A, rows_a, rem[i].v, tie, 0, &rem[i].idx)) placed++;
    else rem[i].v_ok = 0;
  for (size_t i = 0; i < na; i++)
    if (add[i].v_ok && !locate(&B, rows_b, add[i].v, tie, 1, &add[i].idx)) placed++;
    else add[i].v_ok = 0;
  whorl__anchors_free(&A);
  whorl__anchors_free(&B);
  if (!placed) return;
  if (na) qsort(add, na, sizeof *add, by_idx);
  if (nr) qsort(rem, nr, sizeof *rem, by_idx);
  /* two rows at one place: copies of a repeated row whose positional sums
   * add up to something else; neither is placed */
  for (int side = 0; side < 2; side++) {
    whorl_ielem *e = side ? add : rem;
    size_t n = side ? na : nr;
    for (size_t i = 0; i + 1 < n; i++) {
      if (!e[i].v_ok) continue;
      size_t j = i + 1;
      while (j < n && !e[j].v_ok) j++;
      if (j < n && e[j].idx == e[i].idx) {
        for (size_t k = i; k < n && (!e[k].v_ok || e[k].idx == e[i].idx); k++)
          if (e[k].v_ok) e[k].v_ok = 0, placed--;
      }
    }
  }
  if (!placed) return;
  whorl_json *al = whorl_json_array(), *rl = whorl_json_array(), *cl = whorl_json_array();
  if (placed == na + nr && aligned) { /* all, and rows only inserted or deleted: pair them as without moves */
    size_t i = 0, j = 0, nadd = 0, nrem = 0, nch = 0;
    int64_t shift = 0;
    while (i < nr || j < na) {
      if (i < nr && j < na && (int64_t)add[j].idx - shift == (int64_t)rem[i].idx) {
        whorl_json *pr = whorl_json_array();
        whorl_json_array_append(pr, whorl_json_int((int64_t)rem[i].idx));
        whorl_json_array_append(pr, whorl_json_int((int64_t)add[j].idx));
        whorl_json_array_append(cl, pr);
        nch++, i++, j++;
      } else if (j < na && (i >= nr || (int64_t)add[j].idx - shift < (int64_t)rem[i].idx)) {
        whorl_json_array_append(al, whorl_json_int((int64_t)add[j].idx));
        nadd++, shift++, j++;
      } else {
        whorl_json_array_append(rl, whorl_json_int((int64_t)rem[i].idx));
        nrem++, shift--, i++;
      }
    }
    whorl_json_object_set(o, "placed", whorl_json_bool(1));
    whorl_json_object_set(o, "added", whorl_json_int((int64_t)nadd));
    whorl_json_object_set(o, "removed", whorl_json_int((int64_t)nrem));
    whorl_json_object_set(o, "changed", whorl_json_int((int64_t)nch));
    whorl_json_object_set(o, "changed_rows", cl);
  } else {
    for (size_t i = 0; i < nr; i++)
      if (rem[i].v_ok) whorl_json_array_append(rl, whorl_json_int((int64_t)rem[i].idx));
    for (size_t i = 0; i < na; i++)
      if (add[i].v_ok) whorl_json_array_append(al, whorl_json_int((int64_t)add[i].idx));
    whorl_json_object_set(o, "placed", whorl_json_bool(0));
    whorl_json_object_set(o, "rows_placed", whorl_json_int((int64_t)placed));
    whorl_json_free(cl);
  }
  whorl_json_object_set(o, "added_rows", al);
  whorl_json_object_set(o, "removed_rows", rl);
}

/* After a clean decode (no residue of common rows that moved), each row's
 * index sum is its position, except where copies of a repeated row moved
 * (the table [r] becoming [x, r, r]: r's copies sum to 3). Positions past
 * the table's end, two rows at one, or k extra copies whose index sum no k
 * rows of the table can make, give that away. */
static int idx_cmp(const void *x, const void *y) {
  uint64_t p = *(const uint64_t *)x, q = *(const uint64_t *)y;
  return p < q ? -1 : p > q;
}

static int side_plausible(const whorl_ielem *e, size_t n, int64_t rows) {
  uint64_t *v = malloc((n ? n : 1) * sizeof *v);
  size_t k = 0;
  int ok = 1;
  for (size_t i = 0; i < n && ok; i++) {
    if (e[i].mult != 1) {
      /* k copies: their index sum lies between 0+1+..+(k-1) and the sum of
       * the last k rows' indices */
      unsigned __int128 m = e[i].mult, lo = m * (m - 1) / 2, hi = m * (unsigned __int128)(rows > 0 ? rows : 0);
      if (e[i].mult == 0 || rows < 0 || m > (uint64_t)rows || hi < lo + m || e[i].idx < lo || e[i].idx > hi - m * (m + 1) / 2 + 0)
        ok = 0;
      continue;
    }
    if (rows < 0 || e[i].idx >= (uint64_t)rows) ok = 0;
    else if (v) v[k++] = e[i].idx;
  }
  if (ok && v && k > 1) {
    qsort(v, k, sizeof *v, idx_cmp);
    for (size_t i = 1; i < k && ok; i++) ok = v[i] != v[i - 1];
  }
  free(v);
  return ok;
}

static int indices_plausible(const whorl_ielem *add, size_t na, const whorl_ielem *rem, size_t nr, int64_t rows_a,
                             int64_t rows_b) {
  return side_plausible(add, na, rows_b) && side_plausible(rem, nr, rows_a);
}

/* Rows added, removed and changed, from the two row IBLTs (docs/diff-format.md,
 * "Rows"); an estimate from the row samples when the difference is too
 * big to decode. NULL without row tables. */
/* 1 when the document's row sample (rows of the smallest hashes, in hash
 * order) holds two copies of one row: the table repeats rows. */
static int sample_repeats(const whorl_json *doc) {
  const whorl_json *sm = whorl_json_object_get(whorl_json_object_get(doc, "profile"), "sample");
  const char *prev = NULL;
  for (size_t i = 0; i < whorl_json_size(sm); i++) {
    const char *h = whorl_json_object_get_string(whorl_json_array_get(sm, i), "hash");
    if (h && prev && !strcmp(h, prev)) return 1;
    prev = h;
  }
  return 0;
}

static whorl_json *row_changes(const whorl_json *a, const whorl_json *b) {
  const char *ia = path2(whorl_json_object_get(a, "profile"), "rows", "iblt"),
             *ib = path2(whorl_json_object_get(b, "profile"), "rows", "iblt");
  if (!*ia || !*ib) return NULL;
  if (strcmp(path2(whorl_json_object_get(a, "profile"), "rows", "rules"), WHORL_ROW_IBLT_RULES) ||
      strcmp(path2(whorl_json_object_get(b, "profile"), "rows", "rules"), WHORL_ROW_IBLT_RULES))
    return NULL; /* row tables of other rules: not comparable */
  whorl_iblt ta, tb;
  if (whorl__iblt_read(&ta, ia, strlen(ia))) return NULL;
  if (whorl__iblt_read(&tb, ib, strlen(ib))) {
    whorl__iblt_free(&ta);
    return NULL;
  }
  whorl_ielem *add = NULL, *rem = NULL;
  size_t na = 0, nr = 0;
  int rc = whorl__iblt_diff(&ta, &tb, &add, &na, &rem, &nr);
  if (rc == 0 && !indices_plausible(add, na, rem, nr, whorl_json_object_get_int(a, "rows", 0),
                                    whorl_json_object_get_int(b, "rows", 0)))
    rc = 1; /* copies of a repeated row moved: their index sums are no positions */
  if (rc == 1) whorl__iblt_positions(&ta, &tb, add, na, rem, nr);
  whorl__iblt_free(&ta);
  whorl__iblt_free(&tb);
  whorl_json *o = whorl_json_object();
  uint64_t copies_a = 0, copies_b = 0; /* rows, repeated ones counted each time */
  for (size_t q = 0; q < nr; q++) copies_a += rem[q].mult;
  for (size_t q = 0; q < na; q++) copies_b += add[q].mult;
  if (rc == 1) { /* exact counts, positions unknown */
    whorl_json_object_set(o, "exact", whorl_json_bool(1));
    whorl_json_object_set(o, "positions", whorl_json_bool(0));
    whorl_json_object_set(o, "rows_only_in_a", whorl_json_int((int64_t)copies_a));
    whorl_json_object_set(o, "rows_only_in_b", whorl_json_int((int64_t)copies_b));
    whorl_json *mv = copies_a + copies_b ? moved_regions(a, b, whorl_json_object_get_int(a, "rows", 0), whorl_json_object_get_int(b, "rows", 0)) : NULL;
    /* pairs only where the anchors align (rows inserted or deleted, not reordered) */
    place_moved(a, b, add, na, rem, nr, mv, o);
    if (mv && whorl_json_size(mv)) {
      whorl_json_object_set(o, "moved", mv);
      whorl_json_object_set(o, "note", whorl_json_string("rows were inserted or deleted before the end: the counts are exact; "
                                                         "`moved` gives the row ranges where (between two anchor rows)"));
    } else {
      whorl_json_free(mv);
      whorl_json_object_set(o, "note", whorl_json_string("rows common to both versions moved (rows inserted or deleted before the "
                                                         "end, or reordered): the counts are exact, the positions are not known"));
    }
    free(add);
    free(rem);
    return o;
  }
  if (rc) {
    /* too big to decode: the strata estimator (Eppstein et al.): decode the
     * strata from the rarest hashes down; at the first that fails, scale
     * what decoded by 2^(i+1) */
    const whorl_json *sa_ = whorl_json_object_get(whorl_json_object_get(whorl_json_object_get(a, "profile"), "rows"), "strata"),
                     *sb_ = whorl_json_object_get(whorl_json_object_get(whorl_json_object_get(b, "profile"), "rows"), "strata");
    if (whorl_json_size(sa_) == WHORL_ROW_STRATA && whorl_json_size(sb_) == WHORL_ROW_STRATA) {
      double count = 0;
      int ok = 1, done = 0;
      for (int z = WHORL_ROW_STRATA - 1; z >= 0 && ok && !done; z--) {
        size_t la, lb;
        const char *xa = whorl_json_get_string(whorl_json_array_get(sa_, (size_t)z), &la),
                   *xb = whorl_json_get_string(whorl_json_array_get(sb_, (size_t)z), &lb);
        whorl_iblt ua, ub;
        if (!xa || !xb || whorl__iblt_read(&ua, xa, la)) {
          ok = 0;
          break;
        }
        if (whorl__iblt_read(&ub, xb, lb)) {
          whorl__iblt_free(&ua);
          ok = 0;
          break;
        }
        whorl_ielem *p1 = NULL, *p2 = NULL;
        size_t n1 = 0, n2 = 0;
        int r2 = whorl__iblt_diff(&ua, &ub, &p1, &n1, &p2, &n2);
        if (r2 < 0) {
          count = ldexp(count, z + 1);
          done = 1;
        } else {
          for (size_t q = 0; q < n1; q++) count += (double)p1[q].mult; /* every copy of a repeated row */
          for (size_t q = 0; q < n2; q++) count += (double)p2[q].mult;
        }
        free(p1), free(p2);
        whorl__iblt_free(&ua);
        whorl__iblt_free(&ub);
      }
      if (ok) {
        /* never fewer than the rows one side has beyond the other */
        double gap = fabs((double)whorl_json_object_get_int(a, "rows", 0) - (double)whorl_json_object_get_int(b, "rows", 0));
        if (count < gap) count = gap;
        whorl_json_object_set(o, "exact", whorl_json_bool(0));
        whorl_json_object_set(o, "estimated_rows_differing", whorl_json_int((int64_t)(count + 0.5)));
        whorl_json_object_set(o, "note", whorl_json_string("more rows differ than the row table decodes (about 2,400): an estimate "
                                                           "(strata estimator, 16 strata; typically within a factor of 1.5)"));
        free(add);
        free(rem);
        return o;
      }
    }
    /* no strata: Jaccard similarity of the two row multisets from the samples' smallest hashes */
    const whorl_json *sa = whorl_json_object_get(whorl_json_object_get(a, "profile"), "sample");
    const whorl_json *sb = whorl_json_object_get(whorl_json_object_get(b, "profile"), "sample");
    size_t i = 0, j = 0, k = 0, both = 0;
    while (k < 32 && (i < whorl_json_size(sa) || j < whorl_json_size(sb))) {
      const char *x = i < whorl_json_size(sa) ? s(whorl_json_array_get(sa, i), "hash") : NULL;
      const char *y = j < whorl_json_size(sb) ? s(whorl_json_array_get(sb, j), "hash") : NULL;
      int c = !x ? 1 : !y ? -1 : strcmp(x, y);
      if (!c) both++, i++, j++;
      else if (c < 0) i++;
      else j++;
      k++;
    }
    double jac = k ? (double)both / (double)k : 0;
    double rows = (double)whorl_json_object_get_int(a, "rows", 0) + (double)whorl_json_object_get_int(b, "rows", 0);
    whorl_json_object_set(o, "exact", whorl_json_bool(0));
    whorl_json_object_set(o, "estimated_rows_differing", whorl_json_int((int64_t)((1 - jac) / (1 + jac) * rows + 0.5)));
    whorl_json_object_set(o, "note", whorl_json_string("more rows differ than the row table decodes (about 2,400 rows): a rough "
                                                       "estimate from the two 32-row samples (Jaccard similarity; it can be off "
                                                       "by a factor of two)"));
    free(add);
    free(rem);
    return o;
  }
  if (na) qsort(add, na, sizeof *add, by_idx);
  if (nr) qsort(rem, nr, sizeof *rem, by_idx);
  /* a row in both lists with one hash moved; the others pair up by position */
  unsigned char *ua = calloc(na + 1, 1), *ur = calloc(nr + 1, 1);
  size_t moved = 0;
  for (size_t x = 0; ua && ur && x < nr; x++)
    for (size_t y = 0; y < na; y++)
      if (!ua[y] && add[y].klo == rem[x].klo && add[y].khi == rem[x].khi) {
        ua[y] = ur[x] = 1;
        moved++;
        break;
      }
  whorl_json *al = whorl_json_array(), *rl = whorl_json_array(), *cl = whorl_json_array();
  size_t nadd = 0, nrem = 0, nch = 0, i = 0, j = 0;
  /* repeated rows (several copies of one row): counted, not placed */
  size_t unplaced_a = 0, unplaced_b = 0;
  for (size_t q = 0; ur && q < nr; q++)
    if (rem[q].mult > 1) ur[q] = 1, unplaced_a += rem[q].mult;
  for (size_t q = 0; ua && q < na; q++)
    if (add[q].mult > 1) ua[q] = 1, unplaced_b += add[q].mult;
  /* No common row moved (the decode left no residue), so every row keeps its
   * index: below the shorter length a row only in a faces, at the same
   * index, a row only in b (an edit in place), even when that one is a copy
   * of a repeated row and not listed itself; beyond it, rows were appended
   * (indices in b) or cut (indices in a). Pairing by a running shift instead
   * would slide every pair after an unlisted copy. */
  int64_t rows_a0 = whorl_json_object_get_int(a, "rows", 0), rows_b0 = whorl_json_object_get_int(b, "rows", 0);
  uint64_t common = (uint64_t)(rows_a0 < rows_b0 ? (rows_a0 > 0 ? rows_a0 : 0) : (rows_b0 > 0 ? rows_b0 : 0));
  while (ua && ur && (i < nr || j < na)) {
    if (i < nr && ur[i]) {
      i++;
      continue;
    }
    if (j < na && ua[j]) {
      j++;
      continue;
    }
    uint64_t ri = i < nr ? rem[i].idx : UINT64_MAX, aj = j < na ? add[j].idx : UINT64_MAX;
    uint64_t at = ri < aj ? ri : aj;
    if (at < common) { /* an edit in place at row `at` */
      if (nch++ < WHORL_ROW_LIST_MAX) {
        whorl_json *pr = whorl_json_array();
        whorl_json_array_append(pr, whorl_json_int((int64_t)at));
        whorl_json_array_append(pr, whorl_json_int((int64_t)at));
        whorl_json_array_append(cl, pr);
      }
      if (ri == at) i++;
      if (aj == at) j++;
    } else if (aj == at) {
      if (nadd++ < WHORL_ROW_LIST_MAX) whorl_json_array_append(al, whorl_json_int((int64_t)add[j].idx));
      j++;
    } else { /* (a row of a and one of b at one index past the shorter length cannot both be) */
      if (nrem++ < WHORL_ROW_LIST_MAX) whorl_json_array_append(rl, whorl_json_int((int64_t)rem[i].idx));
      i++;
    }
  }
  free(ua);
  free(ur);
  free(add);
  free(rem);
  whorl_json_object_set(o, "exact", whorl_json_bool(1));
  whorl_json_object_set(o, "positions", whorl_json_bool(1));
  whorl_json_object_set(o, "rows_only_in_a", whorl_json_int((int64_t)copies_a));
  whorl_json_object_set(o, "rows_only_in_b", whorl_json_int((int64_t)copies_b));
  /* No common row moved, so below the shorter length every row only in one
   * version faces one only in the other: changed rows; beyond it, rows added
   * (or cut) at the end. That gives the counts even when copies of a repeated
   * row cannot be placed one by one. */
  int64_t rows_a = whorl_json_object_get_int(a, "rows", 0), rows_b = whorl_json_object_get_int(b, "rows", 0);
  int64_t n_added = rows_b > rows_a ? rows_b - rows_a : 0, n_removed = rows_a > rows_b ? rows_a - rows_b : 0;
  int64_t n_changed = (int64_t)copies_a - n_removed;
  if (n_changed < 0 || n_changed != (int64_t)copies_b - n_added) /* inconsistent documents: what was placed */
    n_added = (int64_t)(nadd + unplaced_b), n_removed = (int64_t)(nrem + unplaced_a), n_changed = (int64_t)nch;
  whorl_json_object_set(o, "added", whorl_json_int(n_added));
  whorl_json_object_set(o, "removed", whorl_json_int(n_removed));
  /* Copies of a repeated row that swap places (their index sums unchanged)
   * leave the row table as it was: where a sample shows repeated rows, the
   * positions are not proof of where rows were edited or not. */
  if (sample_repeats(a) || sample_repeats(b)) whorl_json_object_set(o, "repeats", whorl_json_bool(1));
  if (unplaced_a || unplaced_b) {
    whorl_json_object_set(o, "repeated_rows_unplaced", whorl_json_int((int64_t)(unplaced_a + unplaced_b)));
    whorl_json_object_set(o, "note", whorl_json_string("rows repeated several times (copies of one row) are counted, "
                                                       "their positions are not listed"));
  }
  whorl_json_object_set(o, "changed", whorl_json_int(n_changed));
  whorl_json_object_set(o, "rows_moved", whorl_json_int((int64_t)moved));
  whorl_json_object_set(o, "added_rows", al);
  whorl_json_object_set(o, "removed_rows", rl);
  whorl_json_object_set(o, "changed_rows", cl);
  return o;
}

int whorl__diff_table(const whorl_json *a, const whorl_json *b, whorl_json *rep, const char **verdict, int *same,
                      whorl_error *err) {
  const char *ka = path2(a, "logical", "key_id"), *kb = path2(b, "logical", "key_id");
  if (strcmp(ka, kb))
    return whorl__error(err, WHORL_EINVAL, NULL, -1,
                        "the two table fingerprints were made with %s keys (--key-file): their value hashes "
                        "cannot be compared",
                        *ka && *kb ? "different" : *ka ? "a key and without" : "without and with a");
  whorl_json *t = whorl_json_object();
  whorl_json_object_set(rep, "table", t);
  int64_t ra = whorl_json_object_get_int(a, "rows", -1), rb = whorl_json_object_get_int(b, "rows", -1);
  whorl_json *rows = whorl_json_object();
  whorl_json_object_set(rows, "a", whorl_json_int(ra));
  whorl_json_object_set(rows, "b", whorl_json_int(rb));
  whorl_json_object_set(t, "rows", rows);
  whorl_json_object_set(t, "format", str_pair("a", s(a, "format"), "b", s(b, "format")));
  const char *ca = path2(a, "content", "blake3"), *cb = path2(b, "content", "blake3");
  int same_bytes = *ca && !strcmp(ca, cb);
  int same_logical = !strcmp(path2(a, "logical", "id"), path2(b, "logical", "id"));
  int same_unordered = !strcmp(path2(a, "logical", "unordered"), path2(b, "logical", "unordered"));
  int same_schema = !strcmp(path2(a, "schema", "id"), path2(b, "schema", "id"));
  whorl_json_object_set(t, "same_bytes", whorl_json_bool(same_bytes));
  whorl_json_object_set(t, "same_schema", whorl_json_bool(same_schema));
  const char *tier;
  if (same_bytes) {
    tier = "bytes";
    *verdict = "identical";
  } else if (same_logical) {
    tier = "logical";
    *verdict = "same logical content, different bytes";
  } else if (same_unordered && (!*path2(a, "logical", "id") || !*path2(b, "logical", "id") || whorl_json_object_get(a, "merged") ||
                                 whorl_json_object_get(b, "merged"))) {
    /* a merged fingerprint keeps no row order (docs/profile.md): the same rows */
    tier = "unordered";
    *verdict = "same rows (a merged fingerprint records no row order)";
    whorl_json_object_set(t, "order_unknown", whorl_json_bool(1));
  } else if (same_unordered) {
    tier = "unordered";
    *verdict = "rows reordered only";
  } else {
    tier = "columns";
    *verdict = "content changed";
  }
  *same = same_bytes || same_logical || whorl_json_object_get(t, "order_unknown");
  whorl_json_object_set(t, "tier", whorl_json_string(tier));
  if (*same) return WHORL_OK;

  /* Column by column: matched by name; an unmatched column of b whose
   * ordered hash equals an unmatched one of a is a rename. */
  const whorl_json *cola = whorl_json_object_get(a, "columns"), *colb = whorl_json_object_get(b, "columns");
  size_t na = whorl_json_size(cola), nb = whorl_json_size(colb);
  unsigned char *used_a = calloc(na + 1, 1), *used_b = calloc(nb + 1, 1);
  if (!used_a || !used_b) {
    free(used_a);
    free(used_b);
    return WHORL_ENOMEM;
  }
  whorl_json *changed = whorl_json_array(), *added = whorl_json_array(), *removed = whorl_json_array(),
             *renamed = whorl_json_array(), *retyped = whorl_json_array();
  size_t unchanged = 0;
  for (size_t j = 0; j < nb; j++) {
    const whorl_json *cbj = whorl_json_array_get(colb, j);
    const char *name = s(cbj, "name");
    for (size_t i = 0; i < na; i++) {
      const whorl_json *cai = whorl_json_array_get(cola, i);
      if (used_a[i] || strcmp(s(cai, "name"), name)) continue;
      used_a[i] = used_b[j] = 1;
      if (strcmp(s(cai, "type"), s(cbj, "type"))) {
        whorl_json *o = whorl_json_object();
        whorl_json_object_set(o, "name", whorl_json_string(name));
        whorl_json_object_set(o, "a", whorl_json_string(s(cai, "type")));
        whorl_json_object_set(o, "b", whorl_json_string(s(cbj, "type")));
        whorl_json_array_append(retyped, o);
      }
      const whorl_json *ha = whorl_json_object_get(cai, "hash"), *hb = whorl_json_object_get(cbj, "hash");
      /* a merged fingerprint has no ordered hashes: compare the values' multisets */
      const int order_known = *s(ha, "ordered") && *s(hb, "ordered");
      if (order_known ? !strcmp(s(ha, "ordered"), s(hb, "ordered")) : !strcmp(s(ha, "unordered"), s(hb, "unordered"))) {
        unchanged++;
      } else {
        whorl_json *o = whorl_json_object();
        whorl_json_object_set(o, "name", whorl_json_string(name));
        int order_only = order_known && !strcmp(s(ha, "unordered"), s(hb, "unordered"));
        whorl_json_object_set(o, "order_only", whorl_json_bool(order_only));
        int64_t nua = whorl_json_object_get_int(cai, "nulls", -1), nub = whorl_json_object_get_int(cbj, "nulls", -1);
        if (nua != nub) {
          whorl_json *nl = whorl_json_object();
          whorl_json_object_set(nl, "a", whorl_json_int(nua));
          whorl_json_object_set(nl, "b", whorl_json_int(nub));
          whorl_json_object_set(o, "nulls", nl);
        }
        /* drift, from the two profiles (docs/drift.md) */
        whorl_json *dr = order_only ? NULL : whorl__drift(cai, cbj, *ka != 0);
        if (dr) whorl_json_object_set(o, "drift", dr);
        whorl_json_array_append(changed, o);
      }
      break;
    }
  }
  for (size_t j = 0; j < nb; j++) {
    if (used_b[j]) continue;
    const whorl_json *cbj = whorl_json_array_get(colb, j);
    const char *hb = path2(cbj, "hash", "ordered"), *ub = path2(cbj, "hash", "unordered");
    for (size_t i = 0; i < na; i++) {
      const whorl_json *cai = whorl_json_array_get(cola, i);
      const char *ha = path2(cai, "hash", "ordered");
      if (used_a[i] || (*ha && *hb ? strcmp(ha, hb) : strcmp(path2(cai, "hash", "unordered"), ub))) continue;
      used_a[i] = used_b[j] = 1;
      whorl_json_array_append(renamed, str_pair("from", s(cai, "name"), "to", s(cbj, "name")));
      break;
    }
  }
  for (size_t i = 0; i < na; i++)
    if (!used_a[i]) whorl_json_array_append(removed, whorl_json_string(s(whorl_json_array_get(cola, i), "name")));
  for (size_t j = 0; j < nb; j++)
    if (!used_b[j]) whorl_json_array_append(added, whorl_json_string(s(whorl_json_array_get(colb, j), "name")));
  free(used_a);
  free(used_b);
  whorl_json *cols = whorl_json_object();
  whorl_json_object_set(cols, "changed", changed);
  whorl_json_object_set(cols, "added", added);
  whorl_json_object_set(cols, "removed", removed);
  whorl_json_object_set(cols, "renamed", renamed);
  whorl_json_object_set(cols, "type_changed", retyped);
  whorl_json_object_set(cols, "unchanged", whorl_json_int((int64_t)unchanged));
  whorl_json_object_set(t, "columns", cols);
  /* a column added, removed or renamed changes every row's hash (row hashes
   * weigh cells by their column's name): no row report, say why */
  const int cols_differ = whorl_json_size(added) || whorl_json_size(removed) || whorl_json_size(renamed);
  whorl_json *rc = cols_differ ? NULL : row_changes(a, b);
  if (cols_differ)
    whorl_json_object_set(t, "rows_note", whorl_json_string("columns were added, removed or renamed: every row differs by its "
                                                            "columns, so rows are not compared one by one"));
  if (rc && (whorl_json_object_get(a, "merged") || whorl_json_object_get(b, "merged"))) {
    whorl_json_object_set(rc, "order_unknown", whorl_json_bool(1));
    if (!whorl_json_get_bool(whorl_json_object_get(rc, "positions")))
      whorl_json_object_set(rc, "note", whorl_json_string("a merged fingerprint's row numbers follow the order its parts were "
                                                          "merged in: the counts are exact, the positions are not known"));
  }
  if (rc) whorl_json_object_set(t, "row_changes", rc);
  /* only whole columns added, removed or renamed, no values changed: say so */
  static _Thread_local char cbuf[128];
  if (cols_differ && !whorl_json_size(changed) && !whorl_json_size(retyped)) {
    size_t k = 0;
    const size_t nadd = whorl_json_size(added), nrem = whorl_json_size(removed), nren = whorl_json_size(renamed);
    const size_t cnt[3] = {nadd, nrem, nren};
    static const char *const what[3] = {"added", "removed", "renamed"};
    int first = 1;
    for (int q = 0; q < 3; q++) {
      if (!cnt[q]) continue;
      k += (size_t)snprintf(cbuf + k, sizeof cbuf - k, first ? "%zu column%s %s" : ", %zu %s", cnt[q],
                            first ? (cnt[q] == 1 ? "" : "s") : what[q], first ? what[q] : "");
      first = 0;
    }
    *verdict = cbuf;
  }
  /* rows only added or removed, no value changed in place: say so */
  static _Thread_local char vbuf[96];
  if (rc && whorl_json_get_bool(whorl_json_object_get(rc, "exact")) && same_schema) {
    int placed = whorl_json_get_bool(whorl_json_object_get(rc, "positions")) || whorl_json_get_bool(whorl_json_object_get(rc, "placed"));
    long long na = whorl_json_object_get_int(rc, placed ? "added" : "rows_only_in_b", 0),
              nr = whorl_json_object_get_int(rc, placed ? "removed" : "rows_only_in_a", 0),
              nc = placed ? whorl_json_object_get_int(rc, "changed", 0) : (na && nr ? 1 : 0);
    int end = whorl_json_get_bool(whorl_json_object_get(rc, "positions"));
    /* copies of repeated rows are counted, not placed: rows swapped among
     * them look like no change, so "appended" would be a guess */
    const int copies = whorl_json_object_get_int(rc, "repeated_rows_unplaced", 0) > 0 ||
                       whorl_json_get_bool(whorl_json_object_get(rc, "repeats"));
    if (!nc && (na || nr)) {
      if (na && nr) snprintf(vbuf, sizeof vbuf, "%lld rows added, %lld removed", na, nr);
      else if (na && copies) snprintf(vbuf, sizeof vbuf, "%lld row%s added (copies of repeated rows: positions not known)", na, na == 1 ? "" : "s");
      else if (na) snprintf(vbuf, sizeof vbuf, "%lld row%s %s", na, na == 1 ? "" : "s", end ? "appended" : "inserted");
      else if (copies) snprintf(vbuf, sizeof vbuf, "%lld row%s removed (copies of repeated rows: positions not known)", nr, nr == 1 ? "" : "s");
      else snprintf(vbuf, sizeof vbuf, "%lld row%s %s", nr, nr == 1 ? "" : "s", end ? "cut at the end" : "removed");
      *verdict = vbuf;
    }
  }
  return WHORL_OK;
}
