/* model.c - diff of two kind "model" documents (docs/diff-format.md,
 * "Models"): which sections changed, which tensors were added, removed,
 * retyped/reshaped or changed (with statistics deltas when both sides have
 * them), the config's and training's changed keys, and unsafe findings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare/compare_int.h"
#include "util/util.h"

static const char *str(const whorl_json *o, const char *k) {
  const char *s = whorl_json_object_get_string(o, k);
  return s ? s : "";
}

static const whorl_json *find_tensor(const whorl_json *ts, const char *name) {
  /* tensors are sorted by name in documents: binary search, linear fallback */
  size_t lo = 0, hi = whorl_json_size(ts);
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = strcmp(str(whorl_json_array_get(ts, mid), "name"), name);
    if (!c) return whorl_json_array_get(ts, mid);
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  for (size_t i = 0; i < whorl_json_size(ts); i++)
    if (!strcmp(str(whorl_json_array_get(ts, i), "name"), name)) return whorl_json_array_get(ts, i);
  return NULL;
}

static whorl_json *keys_diff(const whorl_json *a, const whorl_json *b) {
  whorl_json *o = whorl_json_object(), *keys = whorl_json_array();
  whorl_buf path = WHORL_BUF_INIT;
  size_t total = 0;
  whorl_json *ea = a ? NULL : whorl_json_object(), *eb = b ? NULL : whorl_json_object(); /* a missing side: empty */
  whorl__json_changes(a ? a : ea, b ? b : eb, &path, keys, &total);
  whorl_json_free(ea);
  whorl_json_free(eb);
  whorl_buf_free(&path);
  whorl_json_object_set(o, "keys", keys);
  whorl_json_object_set(o, "keys_changed", whorl_json_int((int64_t)total));
  return o;
}

/* The global a finding names ("pickle names global posix.system: ..."),
 * else the finding's first words. */
static void finding_name(const char *f, char *out, size_t n) {
  static const char pre[] = "pickle names global ";
  if (!strncmp(f, pre, sizeof pre - 1)) {
    f += sizeof pre - 1;
    size_t l = strcspn(f, ": "); /* the global as pickled (its Python 3 spelling follows in brackets) */
    snprintf(out, n, "%.*s", (int)l, f);
  } else {
    size_t l = strcspn(f, ":(");
    while (l && f[l - 1] == ' ') l--;
    snprintf(out, n, "%.*s", (int)(l > 60 ? 60 : l), f);
  }
}

static int has_name(const whorl_json *arr, const char *name) {
  for (size_t i = 0; i < whorl_json_size(arr); i++)
    if (!strcmp(whorl_json_get_string(whorl_json_array_get(arr, i), NULL), name)) return 1;
  return 0;
}

/* the globals (or other findings) of one side, once each */
static whorl_json *finding_names(const whorl_json *un) {
  whorl_json *o = whorl_json_array();
  for (size_t i = 0; i < whorl_json_size(un); i++) {
    char nm[200];
    finding_name(str(whorl_json_array_get(un, i), "finding"), nm, sizeof nm);
    if (!has_name(o, nm)) whorl_json_array_append(o, whorl_json_string(nm));
  }
  return o;
}

int whorl__diff_model(const whorl_json *a, const whorl_json *b, whorl_json *rep, const char **verdict, int *same,
                      whorl_error *err) {
  static _Thread_local char vbuf[200];
  whorl_json *m = whorl_json_object(), *changed = whorl_json_array();
  const whorl_json *wa = whorl_json_object_get(a, "weights"), *wb = whorl_json_object_get(b, "weights");
  struct {
    const char *sec, *key;
  } parts[] = {{"architecture", "id"}, {"config", "id"}, {"training", "id"}, {"weights", "root"}};
  for (int i = 0; i < 4; i++) {
    const whorl_json *x = whorl_json_object_get(a, parts[i].sec), *y = whorl_json_object_get(b, parts[i].sec);
    if (i == 3 && (!wa || !wb)) continue; /* a quick document has no weights */
    if (strcmp(str(x, parts[i].key), str(y, parts[i].key))) whorl_json_array_append(changed, whorl_json_string(parts[i].sec));
  }
  /* unsafe findings: part of the id (with the pickles holding them) */
  const whorl_json *ua = whorl_json_object_get(a, "unsafe"), *ub = whorl_json_object_get(b, "unsafe");
  whorl_json *uchange = NULL;
  if (strcmp(str(a, "unsafe_id"), str(b, "unsafe_id"))) {
    whorl_json_array_append(changed, whorl_json_string("unsafe"));
    whorl_json *na = finding_names(ua), *nb = finding_names(ub), *added = whorl_json_array(), *gone = whorl_json_array();
    for (size_t i = 0; i < whorl_json_size(nb); i++)
      if (!has_name(na, whorl_json_get_string(whorl_json_array_get(nb, i), NULL)))
        whorl_json_array_append(added, whorl_json_clone(whorl_json_array_get(nb, i)));
    for (size_t i = 0; i < whorl_json_size(na); i++)
      if (!has_name(nb, whorl_json_get_string(whorl_json_array_get(na, i), NULL)))
        whorl_json_array_append(gone, whorl_json_clone(whorl_json_array_get(na, i)));
    uchange = whorl_json_object();
    whorl_json_object_set(uchange, "a", na);
    whorl_json_object_set(uchange, "b", nb);
    whorl_json_object_set(uchange, "added", added);
    whorl_json_object_set(uchange, "removed", gone);
  }
  /* tensors */
  const whorl_json *ta = whorl_json_object_get(a, "tensors"), *tb = whorl_json_object_get(b, "tensors");
  whorl_json *added = whorl_json_array(), *removed = whorl_json_array(), *tchanged = whorl_json_array(), *retyped = whorl_json_array();
  for (size_t i = 0; i < whorl_json_size(ta); i++) {
    const whorl_json *x = whorl_json_array_get(ta, i), *y = find_tensor(tb, str(x, "name"));
    if (!y) {
      whorl_json_array_append(removed, whorl_json_string(str(x, "name")));
      continue;
    }
    if (strcmp(str(x, "dtype"), str(y, "dtype")) || !whorl_json_equal(whorl_json_object_get(x, "shape"), whorl_json_object_get(y, "shape"))) {
      whorl_json *e = whorl_json_object();
      whorl_json_object_set(e, "name", whorl_json_string(str(x, "name")));
      whorl_json_object_set(e, "a", whorl_json_object());
      whorl_json_object_set(whorl_json_object_get(e, "a"), "dtype", whorl_json_string(str(x, "dtype")));
      whorl_json_object_set(whorl_json_object_get(e, "a"), "shape", whorl_json_clone(whorl_json_object_get(x, "shape")));
      whorl_json_object_set(e, "b", whorl_json_object());
      whorl_json_object_set(whorl_json_object_get(e, "b"), "dtype", whorl_json_string(str(y, "dtype")));
      whorl_json_object_set(whorl_json_object_get(e, "b"), "shape", whorl_json_clone(whorl_json_object_get(y, "shape")));
      whorl_json_array_append(retyped, e);
    } else if (*str(x, "hash") && *str(y, "hash") && strcmp(str(x, "hash"), str(y, "hash"))) {
      whorl_json *e = whorl_json_object();
      whorl_json_object_set(e, "name", whorl_json_string(str(x, "name")));
      const whorl_json *sx = whorl_json_object_get(x, "stats"), *sy = whorl_json_object_get(y, "stats");
      if (sx && sy) {
        whorl_json *d = whorl_json_object();
        static const char *k[] = {"mean", "std", "min", "max", "l2"};
        for (int q = 0; q < 5; q++) {
          const whorl_json *vx = whorl_json_object_get(sx, k[q]), *vy = whorl_json_object_get(sy, k[q]);
          if (whorl_json_typeof(vx) == WHORL_JSON_NUMBER && whorl_json_typeof(vy) == WHORL_JSON_NUMBER) {
            whorl_json *dv = whorl_json_double(whorl_json_get_double(vy) - whorl_json_get_double(vx));
            whorl_json_object_set(d, k[q], dv ? dv : whorl_json_null());
          }
        }
        whorl_json_object_set(e, "stats_delta", d);
      }
      whorl_json_array_append(tchanged, e);
    }
  }
  for (size_t i = 0; i < whorl_json_size(tb); i++) {
    const whorl_json *y = whorl_json_array_get(tb, i);
    if (!find_tensor(ta, str(y, "name"))) whorl_json_array_append(added, whorl_json_string(str(y, "name")));
  }
  /* ONNX: the operator graph changed: which operators, or none (then an
   * attribute, a constant or the wiring) */
  const whorl_json *aa = whorl_json_object_get(a, "architecture"), *ab = whorl_json_object_get(b, "architecture");
  const whorl_json *oa = whorl_json_object_get(aa, "ops"), *ob = whorl_json_object_get(ab, "ops");
  if (oa && ob && strcmp(str(aa, "graph"), str(ab, "graph"))) {
    whorl_json *g = whorl_json_object(), *ops = whorl_json_object();
    for (int side = 0; side < 2; side++) {
      const whorl_json *x = side ? ob : oa, *y = side ? oa : ob;
      for (size_t i = 0; i < whorl_json_size(x); i++) {
        const char *k = whorl_json_object_key(x, i, NULL);
        if (whorl_json_object_get(ops, k)) continue;
        int64_t cx = whorl_json_get_int(whorl_json_object_value(x, i)), cy = whorl_json_object_get_int(y, k, 0);
        if (cx == cy) continue;
        whorl_json *pr = whorl_json_array();
        whorl_json_array_append(pr, whorl_json_int(side ? cy : cx));
        whorl_json_array_append(pr, whorl_json_int(side ? cx : cy));
        whorl_json_object_set(ops, k, pr);
      }
    }
    if (!whorl_json_size(ops))
      whorl_json_object_set(g, "note", whorl_json_string("the same operators: an attribute, a constant or the wiring changed"));
    whorl_json_object_set(g, "ops", ops);
    whorl_json_object_set(m, "graph", g);
  }
  /* renames: a tensor only in a and one only in b with the same dtype,
   * shape and hash (paired in order) */
  whorl_json *renamed = whorl_json_array(), *added2 = whorl_json_array(), *removed2 = whorl_json_array();
  size_t nadd = whorl_json_size(added);
  unsigned char *used = calloc(nadd + 1, 1);
  for (size_t i = 0; i < whorl_json_size(removed); i++) {
    const char *rn = whorl_json_get_string(whorl_json_array_get(removed, i), NULL);
    const whorl_json *x = find_tensor(ta, rn);
    size_t hit = nadd;
    for (size_t j = 0; used && x && *str(x, "hash") && j < nadd && hit == nadd; j++) {
      if (used[j]) continue;
      const whorl_json *y = find_tensor(tb, whorl_json_get_string(whorl_json_array_get(added, j), NULL));
      if (y && !strcmp(str(x, "hash"), str(y, "hash")) && !strcmp(str(x, "dtype"), str(y, "dtype")) &&
          whorl_json_equal(whorl_json_object_get(x, "shape"), whorl_json_object_get(y, "shape")))
        hit = j;
    }
    if (hit < nadd) {
      used[hit] = 1;
      whorl_json *e = whorl_json_object();
      whorl_json_object_set(e, "from", whorl_json_string(rn));
      whorl_json_object_set(e, "to", whorl_json_clone(whorl_json_array_get(added, hit)));
      whorl_json_array_append(renamed, e);
    } else {
      whorl_json_array_append(removed2, whorl_json_clone(whorl_json_array_get(removed, i)));
    }
  }
  for (size_t j = 0; j < nadd; j++)
    if (!used || !used[j]) whorl_json_array_append(added2, whorl_json_clone(whorl_json_array_get(added, j)));
  free(used);
  whorl_json_free(added);
  whorl_json_free(removed);
  added = added2;
  removed = removed2;
  whorl_json *t = whorl_json_object();
  size_t nt = whorl_json_size(added) + whorl_json_size(removed) + whorl_json_size(tchanged) + whorl_json_size(retyped) +
              whorl_json_size(renamed);
  whorl_json_object_set(t, "renamed", renamed);
  whorl_json_object_set(t, "added", added);
  whorl_json_object_set(t, "removed", removed);
  whorl_json_object_set(t, "changed", tchanged);
  whorl_json_object_set(t, "retyped", retyped);
  whorl_json_object_set(m, "tensors", t);
  const whorl_json *ca = whorl_json_object_get(whorl_json_object_get(a, "config"), "value"),
                   *cb = whorl_json_object_get(whorl_json_object_get(b, "config"), "value");
  if (!whorl_json_equal(ca, cb)) whorl_json_object_set(m, "config", keys_diff(ca, cb));
  const whorl_json *pa = whorl_json_object_get(a, "training"), *pb = whorl_json_object_get(b, "training");
  if (strcmp(str(pa, "id"), str(pb, "id"))) whorl_json_object_set(m, "training", keys_diff(pa, pb));
  if (whorl_json_size(ub)) whorl_json_object_set(m, "unsafe", whorl_json_clone(ub));
  if (uchange) whorl_json_object_set(m, "unsafe_changed", uchange);
  /* a folder's files outside the model (docs/model.md, "Extras") */
  const whorl_json *xa = whorl_json_object_get(a, "extras"), *xb = whorl_json_object_get(b, "extras");
  size_t nx = 0;
  if (xa && xb && !strcmp(str(xa, "rules"), str(xb, "rules"))) {
    if (strcmp(str(xa, "id"), str(xb, "id"))) {
      whorl_json_array_append(changed, whorl_json_string("extras"));
      whorl_json *x = whorl_json_object();
      if (whorl__diff_entries(xa, xb, x)) {
        whorl_json_free(x);
        whorl_json_free(m);
        whorl_json_free(changed);
        return whorl__error(err, WHORL_ENOMEM, NULL, -1, "out of memory");
      }
      const whorl_json *en = whorl_json_object_get(x, "entries");
      static const char *const k[] = {"added", "removed", "changed", "renamed"};
      for (int q = 0; q < 4; q++) nx += whorl_json_size(whorl_json_object_get(en, k[q]));
      whorl_json_object_set(m, "extras", whorl_json_clone(en));
      whorl_json_free(x);
    }
  } else if ((xa != NULL) != (xb != NULL) && !strcmp(str(a, "format"), "hf-folder") && !strcmp(str(b, "format"), "hf-folder")) {
    /* a document from before extras were recorded: they cannot be compared */
    whorl_json_object_set(m, "extras_unknown", whorl_json_string(xa ? "b" : "a"));
  }
  size_t n = whorl_json_size(changed);
  *same = n == 0 && !strcmp(str(a, "id"), str(b, "id"));
  /* the same model in another file: say so (a re-export, metadata, order) */
  if (*same) {
    const whorl_json *fa = whorl_json_object_get(a, "format"), *fb = whorl_json_object_get(b, "format");
    const int64_t za = whorl_json_object_get_int(a, "size", -1), zb = whorl_json_object_get_int(b, "size", -1);
    const int other_container = !whorl_json_equal(whorl_json_object_get(a, "container"), whorl_json_object_get(b, "container"));
    if (za != zb || other_container || !whorl_json_equal(fa, fb)) {
      whorl_json_object_set(m, "container_changed", whorl_json_bool(1));
      whorl_json_object_set(m, "note", whorl_json_string("the same model (weights, architecture, config, training) in another "
                                                         "file: the container differs (format, size, container metadata, "
                                                         "tensor order or padding)"));
    }
  }
  if (*same) *verdict = "identical";
  else if (n == 1 && nx && !strcmp(str(a, "id"), str(b, "id"))) {
    snprintf(vbuf, sizeof vbuf, "identical model; files beside it changed (%zu file%s)", nx, nx == 1 ? "" : "s");
    *verdict = vbuf;
  } else {
    size_t k = (size_t)snprintf(vbuf, sizeof vbuf, "changed:");
    for (size_t i = 0; i < n && k < sizeof vbuf; i++) {
      const char *s = whorl_json_get_string(whorl_json_array_get(changed, i), NULL);
      k += (size_t)snprintf(vbuf + k, sizeof vbuf - k, "%s %s", i ? "," : "", s);
      if (!strcmp(s, "weights") && k < sizeof vbuf) k += (size_t)snprintf(vbuf + k, sizeof vbuf - k, " (%zu tensor%s)", nt, nt == 1 ? "" : "s");
      if (!strcmp(s, "extras") && k < sizeof vbuf)
        k += (size_t)snprintf(vbuf + k, sizeof vbuf - k, " (%zu file%s beside the model)", nx, nx == 1 ? "" : "s");
      if (!strcmp(s, "unsafe") && k < sizeof vbuf) {
        /* "unsafe code (posix.system)": what b adds; else what it lost; else the same names in another payload */
        const whorl_json *ad = whorl_json_object_get(uchange, "added"), *rm = whorl_json_object_get(uchange, "removed");
        const whorl_json *l = whorl_json_size(ad) ? ad : rm;
        k += (size_t)snprintf(vbuf + k, sizeof vbuf - k, " code (%s", whorl_json_size(ad) ? "" : whorl_json_size(rm) ? "removed: " : "another payload");
        for (size_t q = 0; q < whorl_json_size(l) && q < 3 && k < sizeof vbuf; q++)
          k += (size_t)snprintf(vbuf + k, sizeof vbuf - k, "%s%s", q ? ", " : "", whorl_json_get_string(whorl_json_array_get(l, q), NULL));
        if (whorl_json_size(l) > 3 && k < sizeof vbuf) k += (size_t)snprintf(vbuf + k, sizeof vbuf - k, " and %zu more", whorl_json_size(l) - 3);
        if (k < sizeof vbuf) k += (size_t)snprintf(vbuf + k, sizeof vbuf - k, ")");
      }
    }
    if (!n && k < sizeof vbuf) snprintf(vbuf + k, sizeof vbuf - k, " id");
    *verdict = vbuf;
  }
  whorl_json_object_set(m, "changed", changed);
  whorl_json_object_set(rep, "model", m);
  return WHORL_OK;
}
