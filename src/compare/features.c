/* features.c - diff of two kind "features" documents: which of the
 * pipeline spec (and which of its keys), the code files, the input and the
 * matrix changed (docs/diff-format.md, "Features"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare/compare_int.h"
#include "util/util.h"

#define MAX_KEYS 200

static const char *str(const whorl_json *o, const char *k) {
  const char *s = whorl_json_object_get_string(o, k);
  return s ? s : "";
}

/* RFC 6901 pointer segment: ~ and / escaped. */
static void ptr_push(whorl_buf *p, const char *s, size_t n) {
  whorl_buf_putc(p, '/');
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '~') whorl_buf_puts(p, "~0");
    else if (s[i] == '/') whorl_buf_puts(p, "~1");
    else whorl_buf_putc(p, s[i]);
  }
}

static void add_change(whorl_json *list, const char *op, const whorl_buf *path, const whorl_json *a, const whorl_json *b) {
  if (whorl_json_size(list) >= MAX_KEYS) return;
  whorl_json *e = whorl_json_object();
  whorl_json_object_set(e, "op", whorl_json_string(op));
  whorl_json_object_set(e, "path", whorl_json_stringn(path->data ? path->data : "", path->len));
  if (a) whorl_json_object_set(e, "old", whorl_json_clone(a));
  if (b) whorl_json_object_set(e, "new", whorl_json_clone(b));
  whorl_json_array_append(list, e);
}

/* Every leaf (or subtree) that differs, as added / removed / changed. */
void whorl__json_changes(const whorl_json *a, const whorl_json *b, whorl_buf *path, whorl_json *list, size_t *total) {
  whorl_json_type ta = whorl_json_typeof(a), tb = whorl_json_typeof(b);
  if (ta == WHORL_JSON_OBJECT && tb == WHORL_JSON_OBJECT) {
    size_t keep = path->len;
    for (size_t i = 0; i < whorl_json_size(a); i++) {
      size_t kl;
      const char *k = whorl_json_object_key(a, i, &kl);
      const whorl_json *va = whorl_json_object_value(a, i), *vb = whorl_json_object_get(b, k);
      ptr_push(path, k, kl);
      if (!vb) {
        ++*total;
        add_change(list, "removed", path, va, NULL);
      } else {
        whorl__json_changes(va, vb, path, list, total);
      }
      path->len = keep;
    }
    for (size_t i = 0; i < whorl_json_size(b); i++) {
      size_t kl;
      const char *k = whorl_json_object_key(b, i, &kl);
      if (whorl_json_object_get(a, k)) continue;
      ptr_push(path, k, kl);
      ++*total;
      add_change(list, "added", path, NULL, whorl_json_object_value(b, i));
      path->len = keep;
    }
    return;
  }
  if (ta == WHORL_JSON_ARRAY && tb == WHORL_JSON_ARRAY) {
    size_t na = whorl_json_size(a), nb = whorl_json_size(b), keep = path->len;
    for (size_t i = 0; i < na || i < nb; i++) {
      char idx[24];
      int n = snprintf(idx, sizeof idx, "%zu", i);
      ptr_push(path, idx, (size_t)n);
      if (i >= nb) {
        ++*total;
        add_change(list, "removed", path, whorl_json_array_get(a, i), NULL);
      } else if (i >= na) {
        ++*total;
        add_change(list, "added", path, NULL, whorl_json_array_get(b, i));
      } else {
        whorl__json_changes(whorl_json_array_get(a, i), whorl_json_array_get(b, i), path, list, total);
      }
      path->len = keep;
    }
    return;
  }
  if (!whorl_json_equal(a, b)) {
    ++*total;
    add_change(list, "changed", path, a, b);
  }
}

static whorl_json *code_changes(const whorl_json *a, const whorl_json *b) {
  whorl_json *o = whorl_json_object(), *added = whorl_json_array(), *removed = whorl_json_array(), *changed = whorl_json_array();
  const whorl_json *fa = whorl_json_object_get(a, "files"), *fb = whorl_json_object_get(b, "files");
  for (size_t i = 0; i < whorl_json_size(fa); i++) {
    const whorl_json *x = whorl_json_array_get(fa, i), *y = NULL;
    for (size_t k = 0; k < whorl_json_size(fb) && !y; k++)
      if (!strcmp(str(x, "name"), str(whorl_json_array_get(fb, k), "name"))) y = whorl_json_array_get(fb, k);
    if (!y) whorl_json_array_append(removed, whorl_json_string(str(x, "name")));
    else if (strcmp(str(x, "blake3"), str(y, "blake3"))) whorl_json_array_append(changed, whorl_json_string(str(x, "name")));
  }
  for (size_t k = 0; k < whorl_json_size(fb); k++) {
    const whorl_json *y = whorl_json_array_get(fb, k);
    int found = 0;
    for (size_t i = 0; i < whorl_json_size(fa) && !found; i++) found = !strcmp(str(y, "name"), str(whorl_json_array_get(fa, i), "name"));
    if (!found) whorl_json_array_append(added, whorl_json_string(str(y, "name")));
  }
  whorl_json_object_set(o, "added", added);
  whorl_json_object_set(o, "removed", removed);
  whorl_json_object_set(o, "changed", changed);
  return o;
}

int whorl__diff_features(const whorl_json *a, const whorl_json *b, whorl_json *rep, const char **verdict, int *same,
                         whorl_error *err) {
  static _Thread_local char vbuf[160];
  whorl_json *f = whorl_json_object(), *changed = whorl_json_array();
  const char *parts[] = {"pipeline", "code", "input", "matrix"};
  for (int i = 0; i < 4; i++) {
    const whorl_json *sa = whorl_json_object_get(a, parts[i]), *sb = whorl_json_object_get(b, parts[i]);
    if (!sa && !sb) continue;
    if (!sa || !sb || strcmp(str(sa, "id"), str(sb, "id"))) whorl_json_array_append(changed, whorl_json_string(parts[i]));
  }
  /* the pipeline's keys */
  const whorl_json *pa = whorl_json_object_get(a, "pipeline"), *pb = whorl_json_object_get(b, "pipeline");
  if (strcmp(str(pa, "id"), str(pb, "id"))) {
    whorl_json *pj = whorl_json_object();
    whorl_json_object_set(pj, "a", whorl_json_string(str(pa, "id")));
    whorl_json_object_set(pj, "b", whorl_json_string(str(pb, "id")));
    const whorl_json *sa = whorl_json_object_get(pa, "spec"), *sb = whorl_json_object_get(pb, "spec");
    if (sa && sb) {
      whorl_json *keys = whorl_json_array();
      whorl_buf path = WHORL_BUF_INIT;
      size_t total = 0;
      whorl__json_changes(sa, sb, &path, keys, &total);
      whorl_buf_free(&path);
      whorl_json_object_set(pj, "keys", keys);
      whorl_json_object_set(pj, "keys_changed", whorl_json_int((int64_t)total));
    } else {
      whorl_json_object_set(pj, "note", whorl_json_string("a spec too big to keep in the fingerprint: changed keys unknown"));
    }
    whorl_json_object_set(f, "pipeline", pj);
  }
  const whorl_json *ca = whorl_json_object_get(a, "code"), *cb = whorl_json_object_get(b, "code");
  if (strcmp(str(ca, "id"), str(cb, "id"))) whorl_json_object_set(f, "code", code_changes(ca, cb));
  const whorl_json *ia = whorl_json_object_get(a, "input"), *ib = whorl_json_object_get(b, "input");
  if ((ia || ib) && strcmp(str(ia, "id"), str(ib, "id"))) {
    whorl_json *ij = whorl_json_object();
    whorl_json_object_set(ij, "a", ia ? whorl_json_string(str(ia, "id")) : whorl_json_null());
    whorl_json_object_set(ij, "b", ib ? whorl_json_string(str(ib, "id")) : whorl_json_null());
    /* the same data fingerprinted as a file on one side and as a table on
     * the other has two ids: say so, it need not be a change of data */
    if (ia && ib && (strcmp(str(ia, "kind"), str(ib, "kind")) || strcmp(str(ia, "level"), str(ib, "level")))) {
      char note[200];
      snprintf(note, sizeof note,
               "the inputs were fingerprinted differently (%s at the %s level vs %s at the %s level): "
               "their ids differ even for the same data",
               str(ia, "kind"), str(ia, "level"), str(ib, "kind"), str(ib, "level"));
      whorl_json_object_set(ij, "note", whorl_json_string(note));
    }
    whorl_json_object_set(f, "input", ij);
  }
  const whorl_json *ma = whorl_json_object_get(whorl_json_object_get(a, "matrix"), "table"),
                   *mb = whorl_json_object_get(whorl_json_object_get(b, "matrix"), "table");
  if (ma && mb && strcmp(str(ma, "id"), str(mb, "id"))) {
    whorl_json *mr = whorl_json_object();
    const char *mv = NULL;
    int ms = 0;
    int rc = whorl__diff_table(ma, mb, mr, &mv, &ms, err);
    if (rc) {
      whorl_json_free(mr);
      whorl_json_free(f);
      whorl_json_free(changed);
      return rc;
    }
    whorl_json_object_set(mr, "verdict", whorl_json_string(mv ? mv : ""));
    whorl_json_object_set(f, "matrix", mr);
  }
  size_t n = whorl_json_size(changed);
  *same = n == 0;
  if (!n) {
    *verdict = "identical";
  } else {
    size_t k = (size_t)snprintf(vbuf, sizeof vbuf, "changed:");
    for (size_t i = 0; i < n && k < sizeof vbuf; i++)
      k += (size_t)snprintf(vbuf + k, sizeof vbuf - k, "%s %s", i ? "," : "", whorl_json_get_string(whorl_json_array_get(changed, i), NULL));
    *verdict = vbuf;
  }
  whorl_json_object_set(f, "changed", changed);
  whorl_json_object_set(rep, "features", f);
  return WHORL_OK;
}
