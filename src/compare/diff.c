/* diff.c - explain what differs between two fingerprint documents. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare/compare_int.h"
#include "util/util.h"
#include "whorl/diff.h"
#include "whorl/fingerprint.h"
#include "whorl/hash.h"
#include "whorl/json.h"

#define MYERS_MAX_D 1000

typedef struct chunk {
  int64_t off, size;
  const char *hash;
} chunk;

static int load_chunks(const whorl_json *doc, chunk **out, size_t *n, const char **rules) {
  *out = NULL;
  *n = 0;
  whorl_json *ch = whorl_json_object_get(whorl_json_object_get(doc, "content"), "chunks");
  if (!ch) return 0;
  *rules = whorl_json_object_get_string(ch, "rules");
  whorl_json *list = whorl_json_object_get(ch, "list");
  if (!*rules || whorl_json_typeof(list) != WHORL_JSON_ARRAY) return 0;
  size_t cnt = whorl_json_size(list);
  chunk *c = calloc(cnt ? cnt : 1, sizeof *c);
  if (!c) return -1;
  int64_t off = 0;
  for (size_t i = 0; i < cnt; i++) {
    whorl_json *e = whorl_json_array_get(list, i);
    if (whorl_json_typeof(e) != WHORL_JSON_ARRAY || whorl_json_size(e) != 3) goto bad;
    c[i].off = whorl_json_get_int(whorl_json_array_get(e, 0));
    c[i].size = whorl_json_get_int(whorl_json_array_get(e, 1));
    c[i].hash = whorl_json_get_string(whorl_json_array_get(e, 2), NULL);
    if (c[i].off != off || c[i].size <= 0 || c[i].size > INT64_MAX - off || !c[i].hash) goto bad;
    off += c[i].size;
  }
  *out = c;
  *n = cnt;
  return 1;
bad:
  free(c);
  return 0;
}

static int same_chunk(const chunk *a, const chunk *b) { return a->size == b->size && !strcmp(a->hash, b->hash); }

/* Edit script between chunk sequences: ops[k] = 0 match, 1 delete (a), 2
 * insert (b). Myers' O(ND) algorithm; returns -1 when D > MYERS_MAX_D. */
static int myers(const chunk *a, size_t n, const chunk *b, size_t m, unsigned char **ops, size_t *nops) {
  size_t maxd = n + m < MYERS_MAX_D ? n + m : MYERS_MAX_D;
  size_t off = maxd + 1, width = 2 * maxd + 3;
  long *v = calloc(width, sizeof *v);
  long **trace = calloc(maxd + 1, sizeof *trace);
  if (!v || !trace) {
    free(v);
    free(trace);
    return -2;
  }
  long dfound = -1;
  for (size_t d = 0; d <= maxd && dfound < 0; d++) {
    for (long k = -(long)d; k <= (long)d; k += 2) {
      long x;
      if (k == -(long)d || (k != (long)d && v[off + k - 1] < v[off + k + 1])) x = v[off + k + 1];
      else x = v[off + k - 1] + 1;
      long y = x - k;
      while (x < (long)n && y < (long)m && same_chunk(&a[x], &b[y])) x++, y++;
      v[off + k] = x;
      if (x >= (long)n && y >= (long)m) {
        dfound = (long)d;
        break;
      }
    }
    /* Only diagonals -d..d are live after step d: keep just those. */
    trace[d] = malloc((2 * d + 3) * sizeof(long));
    if (!trace[d]) {
      dfound = -2;
      break;
    }
    memcpy(trace[d], v + off - d - 1, (2 * d + 3) * sizeof(long));
  }
  int rc = 0;
  if (dfound < 0) {
    rc = dfound == -2 ? -2 : -1;
  } else {
    unsigned char *o = malloc(n + m + 1);
    size_t no = 0;
    long x = (long)n, y = (long)m;
    for (long d = dfound; d > 0 && o; d--) {
      /* trace[d-1][j] is diagonal j - d (it holds diagonals -d .. d). */
      const long *pv = trace[d - 1];
      long k = x - y, pk;
      if (k == -d || (k != d && pv[k - 1 + d] < pv[k + 1 + d])) pk = k + 1;
      else pk = k - 1;
      long px = pv[pk + d], py = px - pk;
      while (x > px && y > py) o[no++] = 0, x--, y--;
      if (x == px) o[no++] = 2, y--;
      else o[no++] = 1, x--;
    }
    while (o && x > 0 && y > 0) o[no++] = 0, x--, y--;
    if (!o) rc = -2;
    else {
      for (size_t i = 0; i < no / 2; i++) {
        unsigned char t = o[i];
        o[i] = o[no - 1 - i];
        o[no - 1 - i] = t;
      }
      *ops = o;
      *nops = no;
    }
  }
  for (size_t d = 0; d <= maxd; d++) free(trace[d]);
  free(trace);
  free(v);
  return rc;
}

static whorl_json *range(const char *op, int64_t ao, int64_t al, int64_t bo, int64_t bl) {
  whorl_json *r = whorl_json_object();
  whorl_json_object_set(r, "op", whorl_json_string(op));
  whorl_json *a = whorl_json_array(), *b = whorl_json_array();
  whorl_json_array_append(a, whorl_json_int(ao));
  whorl_json_array_append(a, whorl_json_int(al));
  whorl_json_array_append(b, whorl_json_int(bo));
  whorl_json_array_append(b, whorl_json_int(bl));
  whorl_json_object_set(r, "a", a);
  whorl_json_object_set(r, "b", b);
  return r;
}

static void emit_range(whorl_json *ranges, int64_t ao, int64_t aend, int64_t bo, int64_t bend) {
  const char *op = (aend > ao && bend > bo) ? "changed" : (aend > ao) ? "removed" : "inserted";
  whorl_json_array_append(ranges, range(op, ao, aend - ao, bo, bend - bo));
}

int whorl__diff_file_chunks(const whorl_json *a, const whorl_json *b, whorl_json *rep) {
  chunk *ca, *cb;
  size_t na, nb;
  const char *ra = NULL, *rb = NULL;
  int ha = load_chunks(a, &ca, &na, &ra), hb = load_chunks(b, &cb, &nb, &rb);
  if (ha < 0 || hb < 0) {
    free(ha > 0 ? ca : NULL);
    free(hb > 0 ? cb : NULL);
    return WHORL_ENOMEM;
  }
  if (ha == 0 || hb == 0 || strcmp(ra, rb) != 0) {
    if (ha > 0) free(ca);
    if (hb > 0) free(cb);
    whorl_json_object_set(rep, "note", whorl_json_string("no comparable chunk lists: changed byte ranges unknown"));
    return WHORL_OK;
  }
  /* File ends come from the chunk lists themselves (they tile the file),
   * not from a "size" member that a hand-edited document could contradict. */
  int64_t sa = na ? ca[na - 1].off + ca[na - 1].size : 0, sb = nb ? cb[nb - 1].off + cb[nb - 1].size : 0;
  whorl_json *ranges = whorl_json_array();
  /* Common prefix and suffix first: the usual edit touches a small middle. */
  size_t p = 0;
  while (p < na && p < nb && same_chunk(&ca[p], &cb[p])) p++;
  size_t s = 0;
  while (s < na - p && s < nb - p && same_chunk(&ca[na - 1 - s], &cb[nb - 1 - s])) s++;
  int64_t same_bytes = 0;
  for (size_t i = 0; i < p; i++) same_bytes += ca[i].size;
  for (size_t i = 0; i < s; i++) same_bytes += ca[na - 1 - i].size;
  size_t ma = na - p - s, mb = nb - p - s;
  int64_t ao = p < na ? ca[p].off : sa, bo = p < nb ? cb[p].off : sb;
  if (ma || mb) {
    unsigned char *ops = NULL;
    size_t nops = 0;
    int mr = myers(ca + p, ma, cb + p, mb, &ops, &nops);
    if (mr == -2) {
      free(ca);
      free(cb);
      whorl_json_free(ranges);
      return WHORL_ENOMEM;
    }
    if (mr == -1) {
      int64_t aend = sa, bend = sb;
      if (s) aend = ca[na - s].off, bend = cb[nb - s].off;
      emit_range(ranges, ao, aend, bo, bend);
      whorl_json_object_set(rep, "note", whorl_json_string("too many changes to align chunk by chunk"));
    } else {
      size_t i = p, j = p;
      int64_t ra0 = -1, rb0 = -1;
      for (size_t k = 0; k <= nops; k++) {
        int op = k < nops ? ops[k] : 0;
        if (op == 0) {
          if (ra0 >= 0) {
            int64_t aend = i < na ? ca[i].off : sa, bend = j < nb ? cb[j].off : sb;
            emit_range(ranges, ra0, aend, rb0, bend);
            ra0 = rb0 = -1;
          }
          if (k < nops) same_bytes += ca[i].size, i++, j++;
        } else {
          if (ra0 < 0) {
            ra0 = i < na ? ca[i].off : sa;
            rb0 = j < nb ? cb[j].off : sb;
          }
          if (op == 1) i++;
          else j++;
        }
      }
      free(ops);
    }
  }
  whorl_json_object_set(rep, "ranges", ranges);
  whorl_json_object_set(rep, "unchanged_bytes", whorl_json_int(same_bytes));
  free(ca);
  free(cb);
  return WHORL_OK;
}

typedef struct fent {
  const whorl_json *e;
  char *path; /* hex of the path's exact bytes (path_hex, or path's UTF-8): a unique key */
  const char *type;
  const char *digest;
  int used;
} fent;

static char *ent_key(const whorl_json *e) {
  const char *h = whorl_json_object_get_string(e, "path_hex");
  if (h) return strdup(h);
  size_t n = 0;
  const char *p = whorl_json_get_string(whorl_json_object_get(e, "path"), &n);
  if (!p) return NULL;
  char *k = malloc(2 * n + 1);
  return k ? whorl_hex((const uint8_t *)p, n, k) : NULL;
}

static void free_entries(fent *f, size_t n) {
  if (!f) return;
  for (size_t i = 0; i < n; i++) free(f[i].path);
  free(f);
}

static const char *ent_digest(const whorl_json *e) {
  const char *d = whorl_json_object_get_string(e, "blake3");
  if (!d) d = whorl_json_object_get_string(e, "quick");
  if (!d) d = whorl_json_object_get_string(e, "target_hex");
  if (!d) d = whorl_json_object_get_string(e, "target");
  return d ? d : "";
}

static int fent_path_cmp(const void *x, const void *y) {
  return strcmp(((const fent *)x)->path, ((const fent *)y)->path);
}
static int fent_digest_cmp(const void *x, const void *y) {
  const fent *a = x, *b = y;
  int c = strcmp(a->type, b->type);
  if (!c) c = strcmp(a->digest, b->digest);
  if (!c) c = strcmp(a->path, b->path);
  return c;
}

static fent *load_entries(const whorl_json *doc, size_t *n) {
  whorl_json *list = whorl_json_object_get(doc, "entries");
  size_t cnt = whorl_json_typeof(list) == WHORL_JSON_ARRAY ? whorl_json_size(list) : 0;
  fent *f = calloc(cnt ? cnt : 1, sizeof *f);
  if (!f) return NULL;
  size_t k = 0;
  for (size_t i = 0; i < cnt; i++) {
    const whorl_json *e = whorl_json_array_get(list, i);
    const char *t = whorl_json_object_get_string(e, "type");
    char *p = t ? ent_key(e) : NULL;
    if (!p) continue;
    f[k].e = e;
    f[k].path = p;
    f[k].type = t;
    f[k].digest = ent_digest(e);
    k++;
  }
  qsort(f, k, sizeof *f, fent_path_cmp);
  *n = k;
  return f;
}

static whorl_json *brief(const whorl_json *e) {
  whorl_json *o = whorl_json_object();
  static const char *keys[] = {"path", "path_hex", "type", "size", "blake3", "quick", "target", "target_hex"};
  for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
    whorl_json *v = whorl_json_object_get(e, keys[i]);
    if (v) whorl_json_object_set(o, keys[i], whorl_json_clone(v));
  }
  return o;
}

int whorl__diff_entries(const whorl_json *a, const whorl_json *b, whorl_json *rep) {
  size_t na = 0, nb = 0;
  fent *fa = load_entries(a, &na), *fb = load_entries(b, &nb);
  whorl_json *added = whorl_json_array(), *removed = whorl_json_array(), *changed = whorl_json_array(),
             *renamed = whorl_json_array();
  fent **only_a = calloc(na + 1, sizeof *only_a);
  fent *only_b = calloc(nb + 1, sizeof *only_b);
  if (!fa || !fb || !added || !removed || !changed || !renamed || !only_a || !only_b) {
    free(only_a);
    free(only_b);
    free_entries(fa, na);
    free_entries(fb, nb);
    whorl_json_free(added);
    whorl_json_free(removed);
    whorl_json_free(changed);
    whorl_json_free(renamed);
    return WHORL_ENOMEM;
  }
  /* Merge by path. */
  size_t i = 0, j = 0;
  size_t noa = 0, nob = 0;
  while (i < na || j < nb) {
    int c = i == na ? 1 : j == nb ? -1 : strcmp(fa[i].path, fb[j].path);
    if (c < 0) only_a[noa++] = &fa[i++];
    else if (c > 0) only_b[nob++] = fb[j++];
    else {
      if (strcmp(fa[i].type, fb[j].type) || strcmp(fa[i].digest, fb[j].digest)) {
        whorl_json *o = whorl_json_object();
        whorl_json_object_set(o, "path", whorl_json_clone(whorl_json_object_get(fb[j].e, "path")));
        if (whorl_json_object_get(fb[j].e, "path_hex"))
          whorl_json_object_set(o, "path_hex", whorl_json_clone(whorl_json_object_get(fb[j].e, "path_hex")));
        whorl_json_object_set(o, "a", brief(fa[i].e));
        whorl_json_object_set(o, "b", brief(fb[j].e));
        whorl_json_array_append(changed, o);
      }
      i++;
      j++;
    }
  }
  /* Renames: an entry gone from one path whose exact content (type and
   * digest) appears at a new path. Pairs are made in path order. */
  qsort(only_b, nob, sizeof *only_b, fent_digest_cmp);
  for (size_t k = 0; k < noa; k++) {
    fent *x = only_a[k];
    if (!strcmp(x->type, "dir") || !*x->digest) {
      whorl_json_array_append(removed, brief(x->e));
      continue;
    }
    size_t lo = 0, hi = nob;
    while (lo < hi) {
      size_t mid = (lo + hi) / 2;
      int c = strcmp(only_b[mid].type, x->type);
      if (!c) c = strcmp(only_b[mid].digest, x->digest);
      if (c < 0) lo = mid + 1;
      else hi = mid;
    }
    while (lo < nob && only_b[lo].used && !strcmp(only_b[lo].type, x->type) && !strcmp(only_b[lo].digest, x->digest))
      lo++;
    if (lo < nob && !strcmp(only_b[lo].type, x->type) && !strcmp(only_b[lo].digest, x->digest)) {
      only_b[lo].used = 1;
      whorl_json *o = whorl_json_object();
      whorl_json_object_set(o, "from", brief(x->e));
      whorl_json_object_set(o, "to", brief(only_b[lo].e));
      whorl_json_array_append(renamed, o);
    } else {
      whorl_json_array_append(removed, brief(x->e));
    }
  }
  qsort(only_b, nob, sizeof *only_b, fent_path_cmp);
  for (size_t k = 0; k < nob; k++)
    if (!only_b[k].used) whorl_json_array_append(added, brief(only_b[k].e));
  whorl_json *ch = whorl_json_object();
  whorl_json_object_set(ch, "added", added);
  whorl_json_object_set(ch, "removed", removed);
  whorl_json_object_set(ch, "changed", changed);
  whorl_json_object_set(ch, "renamed", renamed);
  whorl_json_object_set(rep, "entries", ch);
  free(only_a);
  free(only_b);
  free_entries(fa, na);
  free_entries(fb, nb);
  return WHORL_OK;
}

static whorl_json *side(const whorl_json *d) {
  whorl_json *o = whorl_json_object();
  static const char *keys[] = {"kind", "level", "id", "name", "size", "files", "format", "rows"};
  for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
    whorl_json *v = whorl_json_object_get(d, keys[i]);
    if (v) whorl_json_object_set(o, keys[i], whorl_json_clone(v));
  }
  return o;
}

int whorl_diff(const whorl_json *a, const whorl_json *b, whorl_json **report, int *identical, whorl_error *err) {
  *report = NULL;
  *identical = 0;
  int rc = whorl_fingerprint_validate(a, err);
  if (rc) return rc;
  if ((rc = whorl_fingerprint_validate(b, err))) return rc;
  whorl_json *rep = whorl_json_object();
  if (!rep) return whorl__error(err, WHORL_ENOMEM, NULL, -1, "out of memory");
  whorl_json_object_set(rep, "whorl", whorl_json_int(WHORL_DIFF_FORMAT_VERSION));
  whorl_json_object_set(rep, "kind", whorl_json_string("diff"));
  whorl_json_object_set(rep, "a", side(a));
  whorl_json_object_set(rep, "b", side(b));
  const char *ka = whorl_json_object_get_string(a, "kind"), *kb = whorl_json_object_get_string(b, "kind");
  const char *la = whorl_json_object_get_string(a, "level"), *lb = whorl_json_object_get_string(b, "level");
  const char *ia = whorl_json_object_get_string(a, "id"), *ib = whorl_json_object_get_string(b, "id");
  const char *ra = whorl_json_object_get_string(a, "rules"), *rb = whorl_json_object_get_string(b, "rules");
  if (!strcmp(ka, kb) && !strcmp(la, lb) && (!ra || !rb || strcmp(ra, rb) != 0)) {
    whorl_json_free(rep);
    return whorl__error(err, WHORL_EINVAL, NULL, -1,
                        "fingerprints made under different rules (%s vs %s) cannot be compared; "
                        "fingerprint both with the same whorl version",
                        ra ? ra : "none", rb ? rb : "none");
  }
  int64_t sa = whorl_json_object_get_int(a, "size", -1), sb = whorl_json_object_get_int(b, "size", -1);
  const char *verdict;
  int same = 0;
  const char *ba = whorl_json_object_get_string(whorl_json_object_get(a, "content"), "blake3"),
             *bb = whorl_json_object_get_string(whorl_json_object_get(b, "content"), "blake3");
  if (strcmp(ka, kb) != 0 && ((!strcmp(ka, "table") && !strcmp(kb, "file")) || (!strcmp(ka, "file") && !strcmp(kb, "table")))) {
    /* A table fingerprinted once as a table, once as a file (--level
     * content): their bytes can still be compared. A quick-level file
     * document has no hash of every byte: nothing to compare. */
    const whorl_json *tdoc = !strcmp(ka, "table") ? a : b;
    const whorl_json *kd = whorl_json_object_get(whorl_json_object_get(tdoc, "content"), "keyed");
    if (kd && whorl_json_typeof(kd) == WHORL_JSON_BOOL && whorl_json_get_bool(kd)) {
      whorl_json_free(rep);
      return whorl__error(err, WHORL_EINVAL, NULL, -1,
                          "a keyed table fingerprint (--key-file) holds a keyed hash of its bytes: it cannot be compared "
                          "with a file fingerprint; fingerprint both as tables with the same key");
    }
    if (!ba || !bb) {
      const char *lf = !strcmp(ka, "file") ? la : lb, *lt = !strcmp(ka, "table") ? la : lb;
      whorl_json_free(rep);
      return whorl__error(err, WHORL_EINVAL, NULL, -1,
                          "cannot compare a %s-level file fingerprint with a %s-level table fingerprint; "
                          "fingerprint both at the same --level",
                          lf, lt);
    }
    same = ba && bb && !strcmp(ba, bb);
    verdict = same ? "identical bytes (one side a table document, the other a file document)"
                   : "content changed (one side a table document, the other a file document)";
    la = lb = "content";
  } else if (strcmp(ka, kb) != 0) {
    verdict = "kind changed";
  } else if (!strcmp(ka, "table") && strcmp(la, lb) != 0 && (!strcmp(la, "logical") || !strcmp(la, "profile")) &&
             (!strcmp(lb, "logical") || !strcmp(lb, "profile"))) {
    /* The profile level is the logical level plus statistics (same ids):
     * compared at the logical level, without row table or drift. */
    rc = whorl__diff_table(a, b, rep, &verdict, &same, err);
    if (rc) {
      whorl_json_free(rep);
      return rc;
    }
    la = lb = "logical";
  } else if (strcmp(la, lb) != 0) {
    if (sa != sb) {
      verdict = "size changed";
    } else {
      whorl_json_free(rep);
      return whorl__error(err, WHORL_EINVAL, NULL, -1,
                          "cannot compare a %s-level fingerprint with a %s-level one of the same size; "
                          "fingerprint both at the same --level",
                          la, lb);
    }
  } else if (!strcmp(ka, "model")) {
    rc = whorl__diff_model(a, b, rep, &verdict, &same, err);
    if (rc) {
      whorl_json_free(rep);
      return rc;
    }
  } else if (!strcmp(ka, "features")) {
    rc = whorl__diff_features(a, b, rep, &verdict, &same, err);
    if (rc) {
      whorl_json_free(rep);
      return rc;
    }
  } else if (!strcmp(ka, "table")) {
    rc = whorl__diff_table(a, b, rep, &verdict, &same, err);
    if (rc) {
      whorl_json_free(rep);
      return rc;
    }
  } else if (!strcmp(ia, ib)) {
    same = 1;
    verdict = "identical";
  } else {
    verdict = "content changed";
    if (!strcmp(ka, "file") && !strcmp(la, "content")) rc = whorl__diff_file_chunks(a, b, rep);
    else if (!strcmp(ka, "folder")) {
      if (whorl_json_typeof(whorl_json_object_get(a, "entries")) == WHORL_JSON_ARRAY &&
          whorl_json_typeof(whorl_json_object_get(b, "entries")) == WHORL_JSON_ARRAY)
        rc = whorl__diff_entries(a, b, rep);
      else
        whorl_json_object_set(rep, "note",
                              whorl_json_string("a folder summary without entries (--no-entries): which entries "
                                                "changed is unknown"));
    }
  }
  whorl_json_object_set(rep, "level", whorl_json_string(!strcmp(la, lb) ? la : "size"));
  whorl_json_object_set(rep, "identical", whorl_json_bool(same));
  whorl_json_object_set(rep, "verdict", whorl_json_string(verdict));
  if (rc) {
    whorl_json_free(rep);
    return whorl__error(err, rc, NULL, -1, "out of memory");
  }
  *report = rep;
  *identical = same;
  return WHORL_OK;
}
