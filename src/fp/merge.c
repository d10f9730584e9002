/* merge.c - the fingerprint of a table from its shards' fingerprints
 * (whorl_merge, fingerprint.h; docs/profile.md, "Merging shards"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blake3.h"
#include "fp/fp_int.h"
#include "table/logical.h"
#include "table/profile.h"
#include "util/util.h"
#include "whorl/hash.h"
#include "whorl/whorl.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

typedef struct mcol {
  char *name;
  size_t name_len;
  whorl_coltype type;
  uint64_t nulls;
  unsigned __int128 sum;
  whorl_pcol prof;
} mcol;

static int unhex(const char *s, uint8_t *out, size_t n) {
  if (!s || strlen(s) != 2 * n) return -1;
  for (size_t i = 0; i < 2 * n; i++) {
    char c = s[i];
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) return -1;
    if (i % 2 == 0) out[i / 2] = (uint8_t)(d << 4);
    else out[i / 2] |= (uint8_t)d;
  }
  return 0;
}

static unsigned __int128 le128(const uint8_t b[16]) {
  unsigned __int128 v = 0;
  for (int i = 15; i >= 0; i--) v = v << 8 | b[i];
  return v;
}

static void put_le128(uint8_t b[16], unsigned __int128 v) {
  for (int i = 0; i < 16; i++) b[i] = (uint8_t)(v >> (8 * i));
}

static int ltype_of(const char *s, whorl_ltype *t) {
  for (int i = 0; i <= WHORL_T_JSON; i++)
    if (s && !strcmp(s, whorl__ltype_name((whorl_ltype)i))) {
      *t = (whorl_ltype)i;
      return 0;
    }
  return -1;
}

/* The merged columns by name (index + 1 into col, open addressing): a
 * part of many columns is matched in linear time (a scan per column took
 * 8 s for two parts of 50,000 columns). */
static uint64_t mname_hash(const char *s, size_t n) {
  uint64_t h = 1469598103934665603ULL;
  for (size_t j = 0; j < n; j++) h = (h ^ (uint8_t)s[j]) * 1099511628211ULL;
  return h;
}

static size_t mname_find(const size_t *slot, size_t cap, const mcol *col, const char *s, size_t n, size_t *at) {
  size_t a = (size_t)mname_hash(s, n) & (cap - 1);
  while (slot[a]) {
    size_t k = slot[a] - 1;
    if (col[k].name_len == n && !memcmp(col[k].name, s, n)) return k;
    a = (a + 1) & (cap - 1);
  }
  *at = a;
  return (size_t)-1;
}

/* Room in the set for one more name; 0 or -1 when out of memory. */
static int mname_room(size_t **slot, size_t *cap, const mcol *col, size_t ncols) {
  if (2 * (ncols + 1) <= *cap) return 0;
  size_t nc = *cap ? 2 * *cap : 64;
  size_t *ns = calloc(nc, sizeof *ns);
  if (!ns) return -1;
  for (size_t k = 0; k < ncols; k++) {
    size_t a = (size_t)mname_hash(col[k].name, col[k].name_len) & (nc - 1);
    while (ns[a]) a = (a + 1) & (nc - 1);
    ns[a] = k + 1;
  }
  free(*slot);
  *slot = ns;
  *cap = nc;
  return 0;
}

static int bad(whorl_error *err, size_t part, const char *what) {
  return whorl__error(err, WHORL_EFORMAT, NULL, -1, "part %zu: %s", part + 1, what);
}

int whorl_merge(const whorl_json *const *docs, size_t n, const char *key_file, whorl_json **out, whorl_error *err) {
  *out = NULL;
  if (n == 0) return whorl__error(err, WHORL_EINVAL, NULL, -1, "nothing to merge");
  uint8_t key[32];
  char key_id[17] = "";
  int rc;
  if (key_file && (rc = whorl__table_load_key(key_file, key, key_id, err))) return rc;
  mcol *col = NULL;
  size_t ncols = 0, cap = 0;
  size_t *slot = NULL, slot_cap = 0;
  uint64_t rows = 0, size = 0;
  unsigned __int128 row_sum = 0;
  int profile = 1;
  const char *format = NULL;
  whorl_psample sample;
  whorl__psample_init(&sample, WHORL_SAMPLE_ROWS);
  whorl_iblt iblt = {NULL, 0, 0}, strata[WHORL_ROW_STRATA];
  memset(strata, 0, sizeof strata);
  int have_iblt = 1, have_anchors = 1, have_v = 1, m_have_anchor = 0;
  uint64_t m_anc_pos = 0, m_anc_tag = 0;
  int64_t *mlead_cnt = NULL, *plead_cnt = NULL;
  uint64_t *mlead_w = NULL, *plead_w = NULL;
  whorl_anchors anchors;
  whorl__anchors_init(&anchors);
  whorl_json *ids = whorl_json_array();
  XXH128_hash_t null_h = XXH3_128bits("N", 1);
  if (key_file) {
    uint8_t secret[192];
    blake3_hasher h;
    blake3_hasher_init_keyed(&h, key);
    blake3_hasher_update(&h, "whorl-xxh3-secret-1", 20);
    blake3_hasher_finalize(&h, secret, sizeof secret);
    null_h = XXH3_128bits_withSecret("N", 1, secret, sizeof secret);
  }
  rc = WHORL_OK;
  for (size_t p = 0; p < n && !rc; p++) {
    const whorl_json *d = docs[p];
    if ((rc = whorl_fingerprint_validate(d, err))) break;
    const char *kind = whorl_json_object_get_string(d, "kind"), *rules = whorl_json_object_get_string(d, "rules");
    if (!kind || strcmp(kind, "table")) {
      rc = bad(err, p, "not a table fingerprint (kind \"table\"): only tables merge");
      break;
    }
    if (!rules || strcmp(rules, WHORL_RULES_TABLE_LOGICAL)) {
      rc = whorl__error(err, WHORL_EUNSUPPORTED, NULL, -1, "part %zu: rules %s, this whorl merges %s", p + 1,
                        rules ? rules : "(none)", WHORL_RULES_TABLE_LOGICAL);
      break;
    }
    if (whorl_json_object_get(d, "merged") && !whorl_json_object_get(whorl_json_object_get(d, "merged"), "parts")) {
      rc = bad(err, p, "malformed \"merged\"");
      break;
    }
    const whorl_json *lg = whorl_json_object_get(d, "logical");
    const char *kid = whorl_json_object_get_string(lg, "key_id");
    if ((kid != NULL) != (key_file != NULL) || (kid && strcmp(kid, key_id))) {
      rc = whorl__error(err, WHORL_EINVAL, NULL, -1,
                        kid ? "part %zu is keyed (key id %s): give its key with --key-file"
                            : "part %zu is not keyed%s: merge it without --key-file",
                        p + 1, kid ? kid : "");
      if (kid && key_file) whorl__error(err, WHORL_EINVAL, NULL, -1, "part %zu was keyed with another key (key id %s, not %s)", p + 1, kid, key_id);
      break;
    }
    const char *f = whorl_json_object_get_string(d, "format");
    if (!format) format = f ? f : "";
    else if (f && strcmp(format, f)) format = "mixed";
    int64_t r = whorl_json_object_get_int(d, "rows", -1);
    uint8_t b16[16];
    if (r < 0 || unhex(whorl_json_object_get_string(lg, "row_sum"), b16, 16)) {
      rc = bad(err, p, "no rows or logical.row_sum");
      break;
    }
    int64_t sz = whorl_json_object_get_int(d, "size", 0);
    if ((uint64_t)r > (uint64_t)INT64_MAX - rows || sz < 0 || (uint64_t)sz > (uint64_t)INT64_MAX - size) {
      rc = bad(err, p, sz < 0 ? "a negative size" : "the parts' rows or sizes add up to more than 2^63 - 1");
      break;
    }
    rows += (uint64_t)r;
    size += (uint64_t)sz;
    row_sum += le128(b16);
    const char *pid = whorl_json_object_get_string(lg, "id");
    whorl_json_array_append(ids, pid ? whorl_json_string(pid) : whorl_json_null());
    const whorl_json *pj = whorl_json_object_get(d, "profile");
    if (!pj) profile = 0;
    const whorl_json *cols = whorl_json_object_get(d, "columns");
    if (whorl_json_typeof(cols) != WHORL_JSON_ARRAY) {
      rc = bad(err, p, "no columns");
      break;
    }
    size_t nc = whorl_json_size(cols);
    size_t *map = calloc(nc ? nc : 1, sizeof *map);
    unsigned char *seen = calloc(ncols + nc + 1, 1);
    if (!map || !seen) {
      free(map);
      free(seen);
      rc = whorl__error(err, WHORL_ENOMEM, NULL, -1, "out of memory");
      break;
    }
    for (size_t i = 0; i < nc && !rc; i++) {
      const whorl_json *c = whorl_json_array_get(cols, i);
      size_t nl;
      const whorl_json *nj = whorl_json_object_get(c, "name");
      const char *name = whorl_json_typeof(nj) == WHORL_JSON_STRING ? whorl_json_get_string(nj, &nl) : NULL;
      if (whorl_json_object_get(c, "name_hex")) name = NULL; /* names that are not UTF-8: not mergeable from JSON */
      whorl_ltype t;
      const whorl_json *h = whorl_json_object_get(c, "hash");
      if (!name || ltype_of(whorl_json_object_get_string(c, "type"), &t) || unhex(whorl_json_object_get_string(h, "sum"), b16, 16)) {
        rc = bad(err, p, "a column without name, type or hash.sum");
        break;
      }
      const whorl_json *nuj = whorl_json_object_get(c, "nulls");
      int64_t nu = nuj ? whorl_json_object_get_int(c, "nulls", -1) : 0;
      if (nu < 0 || nu > r) {
        rc = bad(err, p, "a column's nulls is not a count from 0 to the part's rows");
        break;
      }
      size_t at = 0, k;
      if (mname_room(&slot, &slot_cap, col, ncols)) {
        rc = whorl__error(err, WHORL_ENOMEM, NULL, -1, "out of memory");
        break;
      }
      k = mname_find(slot, slot_cap, col, name, nl, &at);
      if (k == (size_t)-1) k = ncols;
      if (k < ncols && seen[k]) {
        rc = bad(err, p, "two columns of one name");
        break;
      }
      if (k == ncols) {
        mcol *g = whorl__grow_array(col, &cap, ncols, sizeof *col);
        if (!g) {
          rc = whorl__error(err, WHORL_ENOMEM, NULL, -1, "out of memory");
          break;
        }
        col = g;
        memset(&col[k], 0, sizeof col[k]);
        col[k].name = malloc(nl + 1);
        if (!col[k].name) {
          rc = whorl__error(err, WHORL_ENOMEM, NULL, -1, "out of memory");
          break;
        }
        memcpy(col[k].name, name, nl + 1);
        col[k].name_len = nl;
        slot[at] = k + 1;
        col[k].type.type = WHORL_T_NULL;
        whorl__pcol_init(&col[k].prof);
        ncols++;
        /* the rows of earlier parts are null in it */
        uint64_t before = rows - (uint64_t)r;
        if (before) {
          col[k].nulls += before;
          col[k].type.nullable = 1;
          col[k].sum += (((unsigned __int128)null_h.high64 << 64) | null_h.low64) * before;
          col[k].prof.types[WHORL_T_NULL] += before;
        }
      }
      seen[k] = 1;
      map[i] = k;
      whorl_coltype ct = {t, whorl_json_get_bool(whorl_json_object_get(c, "nullable"))};
      whorl__coltype_merge(&col[k].type, &ct);
      col[k].nulls += (uint64_t)nu;
      col[k].sum += le128(b16);
      if (profile) {
        whorl_pcol pc;
        if (whorl__pcol_from_json(&pc, whorl_json_object_get(c, "profile"), key_file != NULL)) {
          whorl__pcol_free(&pc);
          rc = bad(err, p, "a column's profile is malformed");
          break;
        }
        whorl__pcol_merge(&col[k].prof, &pc);
        whorl__pcol_free(&pc);
      }
    }
    /* columns this part lacks: null in its rows */
    for (size_t k = 0; k < ncols && !rc; k++)
      if (!seen[k] && r) {
        col[k].nulls += (uint64_t)r;
        col[k].type.nullable = 1;
        col[k].sum += (((unsigned __int128)null_h.high64 << 64) | null_h.low64) * (uint64_t)r;
        col[k].prof.types[WHORL_T_NULL] += (uint64_t)r;
      }
    if (!rc && profile &&
        whorl__psample_from_json(&sample, whorl_json_object_get(pj, "sample"), map, nc, ncols, key_file != NULL))
      rc = bad(err, p, "the profile's sample is malformed");
    /* the row IBLT: the part's indices shift by the rows before it */
    const char *ib = whorl_json_object_get_string(whorl_json_object_get(pj, "rows"), "iblt"),
               *irules = whorl_json_object_get_string(whorl_json_object_get(pj, "rows"), "rules");
    if (!irules || strcmp(irules, WHORL_ROW_IBLT_RULES)) ib = NULL; /* row tables of other rules: none in the merge */
    if (!rc && profile && ib && have_iblt) {
      whorl_iblt t;
      if (whorl__iblt_read(&t, ib, strlen(ib))) rc = bad(err, p, "the profile's row table is malformed");
      else {
        if (!iblt.c && whorl__iblt_init(&iblt, t.m)) rc = whorl__error(err, WHORL_ENOMEM, NULL, -1, "out of memory");
        else if (t.m != iblt.m) have_iblt = 0;
        else {
          /* positional sums: the part's rows before its first anchor count
           * from the anchor before the part (docs/profile.md) */
          uint64_t start = rows - (uint64_t)r;
          const char *ld = whorl_json_object_get_string(whorl_json_object_get(pj, "rows"), "lead");
          if (!t.has_v || !ld) have_v = 0;
          if (have_v && !mlead_cnt) {
            mlead_cnt = calloc(t.m, sizeof *mlead_cnt), plead_cnt = calloc(t.m, sizeof *plead_cnt);
            mlead_w = calloc(t.m, sizeof *mlead_w), plead_w = calloc(t.m, sizeof *plead_w);
            if (!mlead_cnt || !plead_cnt || !mlead_w || !plead_w) rc = whorl__error(err, WHORL_ENOMEM, NULL, -1, "out of memory");
          }
          if (!rc && have_v && whorl__lead_read(ld, strlen(ld), plead_cnt, plead_w, t.m))
            rc = bad(err, p, "the profile's row table lead is malformed");
          if (!rc && have_v) {
            uint64_t delta = (start - (m_have_anchor ? m_anc_pos : 0)) + ((m_have_anchor ? m_anc_tag : 0) << WHORL_V_OFF_BITS);
            for (uint32_t i = 0; i < t.m; i++) {
              t.c[i].v += (uint64_t)plead_cnt[i] * delta;
              t.c[i].vw += plead_w[i] * delta;
              if (!m_have_anchor) mlead_cnt[i] += plead_cnt[i], mlead_w[i] += plead_w[i];
            }
          }
          whorl__iblt_absorb(&iblt, &t, start);
        }
        whorl__iblt_free(&t);
        const char *an = whorl_json_object_get_string(whorl_json_object_get(pj, "rows"), "anchors");
        whorl_anchors u;
        if (!an) have_anchors = have_v = 0;
        else if (!rc && whorl__anchors_read(&u, an, strlen(an))) rc = bad(err, p, "the profile's row anchors are malformed");
        else if (!rc) {
          if (u.min_level) have_v = 0; /* not every anchor listed: no positions */
          else if (u.n) m_have_anchor = 1, m_anc_pos = rows - (uint64_t)r + u.v[u.n - 1].idx, m_anc_tag = u.v[u.n - 1].tag;
          whorl__anchors_absorb(&anchors, &u, rows - (uint64_t)r);
          whorl__anchors_free(&u);
          if (anchors.oom) rc = whorl__error(err, WHORL_ENOMEM, NULL, -1, "out of memory");
        }
        const whorl_json *sj = whorl_json_object_get(whorl_json_object_get(pj, "rows"), "strata");
        if (whorl_json_size(sj) != WHORL_ROW_STRATA) have_iblt = 0;
        for (int z = 0; z < WHORL_ROW_STRATA && have_iblt && !rc; z++) {
          size_t sl;
          const char *sz = whorl_json_get_string(whorl_json_array_get(sj, (size_t)z), &sl);
          whorl_iblt u;
          if (!sz || whorl__iblt_read(&u, sz, sl)) {
            rc = bad(err, p, "the profile's row strata are malformed");
            break;
          }
          if (!strata[z].c && whorl__iblt_init(&strata[z], u.m)) rc = whorl__error(err, WHORL_ENOMEM, NULL, -1, "out of memory");
          else if (u.m != strata[z].m) have_iblt = 0;
          else whorl__iblt_absorb(&strata[z], &u, 0);
          whorl__iblt_free(&u);
        }
      }
    } else if (profile) {
      have_iblt = 0;
    }
    free(map);
    free(seen);
  }

  whorl_json *d = NULL;
  whorl_lresult res;
  memset(&res, 0, sizeof res);
  if (!rc) {
    res.rows = rows;
    res.ncols = ncols;
    res.col = calloc(ncols ? ncols : 1, sizeof *res.col);
    if (!res.col) rc = whorl__error(err, WHORL_ENOMEM, NULL, -1, "out of memory");
  }
  if (!rc) {
    for (size_t k = 0; k < ncols; k++) {
      res.col[k].name = col[k].name;
      res.col[k].name_len = col[k].name_len;
      res.col[k].type = col[k].type;
      res.col[k].nulls = col[k].nulls;
      put_le128(res.col[k].sum, col[k].sum);
      if (col[k].prof.oom) rc = whorl__error(err, WHORL_ENOMEM, NULL, -1, "out of memory");
    }
    put_le128(res.row_sum, row_sum);
    if (!rc && whorl__lresult_ids(key_file ? key : NULL, &res, 0)) rc = whorl__error(err, WHORL_ENOMEM, NULL, -1, "out of memory");
  }
  if (!rc) {
    d = whorl_json_object();
    char hex[65];
    whorl_json_object_set(d, "whorl", whorl_json_int(WHORL_FORMAT_VERSION));
    whorl_json_object_set(d, "kind", whorl_json_string("table"));
    whorl_json_object_set(d, "level", whorl_json_string(profile ? "profile" : "logical"));
    whorl_json_object_set(d, "rules", whorl_json_string(WHORL_RULES_TABLE_LOGICAL));
    whorl_hex(res.unordered, 32, hex);
    whorl_json_object_set(d, "id", whorl_json_string(hex));
    char name[64];
    snprintf(name, sizeof name, "merged (%zu part%s)", n, n == 1 ? "" : "s");
    whorl_json_object_set(d, "name", whorl_json_string(name));
    whorl_json_object_set(d, "format", whorl_json_string(format ? format : ""));
    whorl_json_object_set(d, "rows", whorl_json_int((int64_t)rows));
    whorl_json_object_set(d, "size", whorl_json_int((int64_t)size));
    whorl_json *m = whorl_json_object();
    whorl_json_object_set(m, "parts", whorl_json_int((int64_t)n));
    whorl_json_object_set(m, "logical_ids", ids);
    ids = NULL;
    whorl_json_object_set(m, "note", whorl_json_string("merged from shard fingerprints: logical.id and the ordered column "
                                                       "hashes need the data and are left out; \"id\" is logical.unordered"));
    whorl_json_object_set(d, "merged", m);
    whorl_json *sc = whorl_json_object();
    whorl__json_set_hex(sc, "id", res.schema, 32);
    whorl_json_object_set(d, "schema", sc);
    whorl_json *lg = whorl_json_object();
    whorl_json_object_set(lg, "rules", whorl_json_string(WHORL_TABLE_LOGICAL_RULES "+" WHORL_VALUE_RULES));
    whorl__json_set_hex(lg, "unordered", res.unordered, 32);
    whorl__json_set_hex(lg, "row_sum", res.row_sum, 16);
    if (key_file) whorl_json_object_set(lg, "key_id", whorl_json_string(key_id));
    whorl_json_object_set(d, "logical", lg);
    whorl_json *cols = whorl_json_array();
    for (size_t k = 0; k < ncols; k++) {
      const whorl_lcol_result *c = &res.col[k];
      whorl_json *cj = whorl_json_object();
      whorl__json_set_bytes(cj, "name", c->name, c->name_len);
      whorl_json_object_set(cj, "type", whorl_json_string(whorl__ltype_name(c->type.type)));
      whorl_json_object_set(cj, "nullable", whorl_json_bool(c->type.nullable));
      whorl_json_object_set(cj, "nulls", whorl_json_int((int64_t)c->nulls));
      whorl_json *h = whorl_json_object();
      whorl__json_set_hex(h, "unordered", c->unordered, 32);
      whorl__json_set_hex(h, "sum", c->sum, 16);
      whorl_json_object_set(cj, "hash", h);
      if (profile) whorl_json_object_set(cj, "profile", whorl__pcol_json(&col[k].prof, c->type.type, key_file != NULL));
      whorl_json_array_append(cols, cj);
    }
    whorl_json_object_set(d, "columns", cols);
    if (profile) {
      whorl_json *pj = whorl_json_object();
      whorl_json_object_set(pj, "rules", whorl_json_string(WHORL_PROFILE_RULES));
      whorl_json_object_set(pj, "sample", whorl__psample_json(&sample, ncols));
      if (have_iblt && iblt.c) {
        whorl_json *rj = whorl_json_object();
        whorl_buf ibuf = WHORL_BUF_INIT;
        iblt.has_v = have_v && have_anchors && mlead_cnt && anchors.min_level == 0;
        whorl__iblt_write(&iblt, &ibuf);
        whorl_json_object_set(rj, "rules", whorl_json_string(WHORL_ROW_IBLT_RULES));
        whorl_json_object_set(rj, "cells", whorl_json_int(iblt.m));
        whorl_json_object_set(rj, "iblt", whorl_json_stringn(ibuf.data ? ibuf.data : "", ibuf.len));
        if (iblt.has_v) {
          ibuf.len = 0;
          whorl__lead_write(mlead_cnt, mlead_w, iblt.m, &ibuf);
          whorl_json_object_set(rj, "lead", whorl_json_stringn(ibuf.data ? ibuf.data : "", ibuf.len));
        }
        whorl_json *sa = whorl_json_array();
        for (int z = 0; z < WHORL_ROW_STRATA; z++) {
          ibuf.len = 0;
          whorl__iblt_write(&strata[z], &ibuf);
          whorl_json_array_append(sa, whorl_json_stringn(ibuf.data ? ibuf.data : "", ibuf.len));
        }
        whorl_json_object_set(rj, "strata", sa);
        if (have_anchors) {
          ibuf.len = 0;
          whorl__anchors_write(&anchors, &ibuf);
          whorl_json_object_set(rj, "anchors", whorl_json_stringn(ibuf.data ? ibuf.data : "", ibuf.len));
        }
        whorl_buf_free(&ibuf);
        whorl_json_object_set(pj, "rows", rj);
      }
      whorl_json_object_set(d, "profile", pj);
    }
  }
  for (size_t k = 0; k < ncols; k++) {
    free(col[k].name);
    whorl__pcol_free(&col[k].prof);
  }
  free(col);
  free(slot);
  free(res.col);
  whorl__psample_free(&sample);
  whorl__iblt_free(&iblt);
  for (int z = 0; z < WHORL_ROW_STRATA; z++) whorl__iblt_free(&strata[z]);
  whorl__anchors_free(&anchors);
  free(mlead_cnt), free(plead_cnt), free(mlead_w), free(plead_w);
  whorl_json_free(ids);
  memset(key, 0, sizeof key);
  *out = d;
  return rc;
}
