/* table.c - kind "table" documents: the logical tier of CSV/TSV, JSON Lines,
 * Parquet and .npy files (docs/fingerprint-format.md, "Tables"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blake3.h"
#include "fp/fp_int.h"
#include "table/logical.h"
#include "table/profile.h"
#include "table/reader.h"
#include "util/util.h"
#include "whorl/hash.h"
#include "whorl/whorl.h"

/* The 32-byte key of keyed mode: BLAKE3 derive_key of the key file's bytes,
 * so any secret file (a random 32-byte file, a passphrase) serves. */
int whorl__table_load_key(const char *path, uint8_t key[32], char key_id[17], whorl_error *err) {
  char *text = NULL;
  size_t len = 0;
  int rc = whorl__read_file(path, 1u << 20, &text, &len, err);
  if (rc) return rc;
  if (len == 0) {
    free(text);
    return whorl__error(err, WHORL_EINVAL, path, -1, "key file is empty");
  }
  blake3_hasher h;
  blake3_hasher_init_derive_key(&h, "whorl 2026 table key-file v1");
  blake3_hasher_update(&h, text, len);
  blake3_hasher_finalize(&h, key, 32);
  memset(text, 0, len);
  free(text);
  /* A public name for the key: which key, revealing nothing about it. */
  uint8_t id[8];
  blake3_hasher_init_keyed(&h, key);
  blake3_hasher_update(&h, "whorl-key-id-1", 15);
  blake3_hasher_finalize(&h, id, 8);
  whorl_hex(id, 8, key_id);
  return WHORL_OK;
}

/* Progress to the caller's callback, at most ten times a second. */
typedef struct prog {
  const whorl_fp_options *o;
  int64_t last;
} prog;

static void table_progress(void *ctx, uint64_t done, uint64_t total) {
  prog *p = ctx;
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  int64_t now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
  if (now - p->last < 100000000) return;
  p->last = now;
  p->o->on_progress(p->o->cb_ctx, done, total);
}

static void set_hex(whorl_json *o, const char *k, const uint8_t *b, size_t n) { whorl__json_set_hex(o, k, b, n); }

/* ---- the stat cache for table documents ----------------------------------
 * A table's logical tier costs a full parse: its document is kept in a
 * second cache database beside the content one (tables.sqlite), under the
 * same stat key, with "rules" naming everything that shapes the document
 * (whorl's version, the rules, the reader options, the key id). Any
 * difference is a miss; a hit returns the stored document (its content
 * part and name refreshed from this run). */

char *whorl__tables_db(const whorl_fp_options *o, const char *path) {
  char *db = o->cache_path ? strdup(o->cache_path) : whorl_cache_locate(path);
  if (!db) return NULL;
  whorl_buf b = WHORL_BUF_INIT;
  const char *slash = strrchr(db, '/');
  if (!o->cache_path && slash && !strcmp(slash + 1, "cache.sqlite")) {
    whorl_buf_put(&b, db, (size_t)(slash + 1 - db));
    whorl_buf_puts(&b, "tables.sqlite");
  } else {
    whorl_buf_puts(&b, db);
    whorl_buf_puts(&b, ".tables");
  }
  free(db);
  return whorl_buf_detach(&b, NULL);
}

static void table_rules(const whorl_fp_options *o, const char *fmt, const char *key_id, char *out, size_t cap) {
  snprintf(out, cap, "whorl-table-doc-1;%s;%s;%s+%s+%s;level=%s;format=%s;as=%s;delim=%d;header=%d;strict=%d;key=%s",
           whorl_version(), WHORL_TABLE_READER_REV, WHORL_RULES_TABLE_LOGICAL, WHORL_VALUE_RULES, WHORL_PROFILE_RULES,
           o->level == WHORL_LEVEL_LOGICAL ? "logical" : "profile", fmt,
           o->table_format ? o->table_format : "auto", (int)(unsigned char)o->delimiter, o->header, o->strict,
           key_id[0] ? key_id : "-");
}

/* The stored document with this run's name and content part; NULL on a miss. */
static whorl_json *cached_doc(whorl_cache *c, const whorl_cache_key *k, const whorl_json *filedoc) {
  whorl_cache_entry e;
  memset(&e, 0, sizeof e);
  if (whorl_cache_get(c, k, 0, 1, &e) != 1) return NULL;
  whorl_json *d = NULL;
  whorl_error perr;
  if (whorl_json_parse((const char *)e.extra, e.extra_len, &d, &perr) != WHORL_OK ||
      whorl_json_typeof(d) != WHORL_JSON_OBJECT || !whorl_json_object_get(d, "logical")) {
    whorl_json_free(d);
    d = NULL;
  }
  free(e.extra);
  if (!d) return NULL;
  static const char *keep[] = {"name", "name_hex", "content", "size"};
  for (size_t i = 0; i < sizeof keep / sizeof *keep; i++) {
    whorl_json_object_remove(d, keep[i]);
    const whorl_json *v = whorl_json_object_get(filedoc, keep[i]);
    if (v) whorl_json_object_set(d, keep[i], whorl_json_clone(v));
  }
  return d;
}

static void store_doc(whorl_cache *c, const whorl_cache_key *k, const whorl_json *doc, int64_t t0) {
  whorl_json *copy = whorl_json_clone(doc);
  if (!copy) return;
  whorl_json_object_remove(copy, "name");
  whorl_json_object_remove(copy, "name_hex");
  char *text = NULL;
  size_t len = 0;
  if (whorl_json_canonical(copy, &text, &len) == WHORL_OK) {
    whorl_cache_entry e;
    memset(&e, 0, sizeof e);
    e.extra = (uint8_t *)text;
    e.extra_len = len;
    whorl_cache_put(c, k, &e, t0);
  }
  free(text);
  whorl_json_free(copy);
}

/* Warnings of a cached document, told again as the reading told them. */
static void replay_warnings(const whorl_fp_options *o, const char *path, const whorl_json *doc) {
  if (!o->on_issue) return;
  const whorl_json *first = whorl_json_object_get(whorl_json_object_get(doc, "warnings"), "first");
  for (size_t i = 0; i < whorl_json_size(first); i++) {
    const whorl_json *w = whorl_json_array_get(first, i);
    whorl_error e;
    whorl_error_clear(&e);
    e.code = WHORL_EFORMAT;
    snprintf(e.path, sizeof e.path, "%s", path);
    int64_t line = whorl_json_object_get_int(w, "line", 0);
    const char *m = whorl_json_object_get_string(w, "message");
    if (line) snprintf(e.message, sizeof e.message, "line %lld: %s", (long long)line, m ? m : "");
    else snprintf(e.message, sizeof e.message, "%s", m ? m : "");
    o->on_issue(o->cb_ctx, &e, 0);
  }
}

static int read_table_doc(const char *path, int fd, const struct stat *st, const whorl_fp_options *o,
                          const whorl_json *filedoc, const char *fmt, whorl__fp_extra *x, whorl_json **out,
                          int *npy_object, whorl_error *err);

/* The table document; 1 (the file document stands) for a .json file that
 * only looked like an array of objects, when no table was asked for. */
static int fp_table_read(const char *path, int fd, const struct stat *st, const whorl_fp_options *o,
                         const whorl_json *filedoc, const char *fmt, whorl__fp_extra *x, whorl_json **out,
                         whorl_error *err) {
  int npy_object = 0;
  int rc = read_table_doc(path, fd, st, o, filedoc, fmt, x, out, &npy_object, err);
  /* a NumPy file that is sound but no table (2-D members, arrays of
   * unequal lengths, strings, structured or long double dtypes: scipy's
   * test data, numpy.savez of weights) is a file, as a .json file of
   * another shape is; object arrays (pickles inside) stay refused */
  const int npy_other = rc == WHORL_EUNSUPPORTED && (!strcmp(fmt, "npy") || !strcmp(fmt, "npz")) && !npy_object;
  if ((npy_other || (rc == WHORL_EFORMAT && !strcmp(fmt, "json"))) && !o->table_format && !o->strict &&
      o->level != WHORL_LEVEL_LOGICAL && o->level != WHORL_LEVEL_PROFILE) {
    /* it starts as a JSON array of objects but does not read as one: a
     * damaged table, or JSON of another shape; its bytes are fingerprinted,
     * and the user hears why it is no table */
    if (o->on_issue && err) {
      whorl_error w = *err;
      char msg[sizeof w.message];
      snprintf(msg, sizeof msg, "%s", err->message);
      snprintf(w.message, sizeof w.message, "not read as a table (%.400s): fingerprinted as a file", msg);
      o->on_issue(o->cb_ctx, &w, 0);
    }
    if (err) whorl_error_clear(err);
    return 1;
  }
  return rc;
}

/* Keyed mode keeps values out of the document, so its bytes' hashes too:
 * the plain BLAKE3 and chunk hashes of a small table file would confirm a
 * guess of the whole file (a few booleans, ages). content.blake3 becomes
 * keyed BLAKE3 of "whorl-keyed-content-1\0" and the plain digest's hex (equal
 * for equal bytes under one key, nothing without it); the chunk list goes.
 * Digests asked for by name (--digest) stay as asked. */
static int key_content(whorl_json *doc, const char *key_file, whorl_error *err) {
  whorl_json *content = whorl_json_object_get(doc, "content");
  const char *b3 = whorl_json_object_get_string(content, "blake3");
  if (!b3) return WHORL_OK;
  uint8_t key[32], h32[32];
  char key_id[17], hex[65];
  int rc = whorl__table_load_key(key_file, key, key_id, err);
  if (rc) return rc;
  blake3_hasher h;
  blake3_hasher_init_keyed(&h, key);
  blake3_hasher_update(&h, "whorl-keyed-content-1", 22);
  blake3_hasher_update(&h, b3, strlen(b3));
  blake3_hasher_finalize(&h, h32, 32);
  memset(key, 0, sizeof key);
  whorl_hex(h32, 32, hex);
  whorl_json_object_set(content, "blake3", whorl_json_string(hex));
  whorl_json_object_set(content, "keyed", whorl_json_bool(1));
  whorl_json_object_remove(content, "chunks");
  return WHORL_OK;
}

static int fp_table_plain(const char *path, int fd, const struct stat *st, const whorl_fp_options *o,
                          const whorl_json *filedoc, whorl__fp_extra *x, whorl_json **out, whorl_error *err);

int whorl__fp_table(const char *path, int fd, const struct stat *st, const whorl_fp_options *o, const whorl_json *filedoc,
                    whorl__fp_extra *x, whorl_json **out, whorl_error *err) {
  int rc = fp_table_plain(path, fd, st, o, filedoc, x, out, err);
  if (rc == WHORL_OK && *out && o->key_file && (rc = key_content(*out, o->key_file, err)) != WHORL_OK) {
    whorl_json_free(*out);
    *out = NULL;
  }
  return rc;
}

static int fp_table_plain(const char *path, int fd, const struct stat *st, const whorl_fp_options *o,
                          const whorl_json *filedoc, whorl__fp_extra *x, whorl_json **out, whorl_error *err) {
  *out = NULL;
  const char *sniffed = whorl_json_object_get_string(filedoc, "format");
  const char *fmt = o->table_format;
  if (!fmt) fmt = whorl__table_detect(path, sniffed ? sniffed : "binary");
  /* xz and bzip2 are not decompressed: their bytes read as text would be a
   * table of noise (with --as csv), and --as cannot help */
  int packed = sniffed && (!strcmp(sniffed, "xz") || !strcmp(sniffed, "bzip2"));
  if (packed && (fmt ? strcmp(fmt, "parquet") && strcmp(fmt, "npy") && strcmp(fmt, "npz")
                     : o->level == WHORL_LEVEL_LOGICAL || o->level == WHORL_LEVEL_PROFILE))
    return whorl__error(err, WHORL_EUNSUPPORTED, path, -1,
                        "%s-compressed: tables are decompressed from gzip and zstd only; decompress it (or recompress "
                        "it with gzip or zstd) first",
                        sniffed);
  if (fmt && !strcmp(fmt, WHORL__TABLE_BINARY)) {
    /* text in UTF-16 without its byte order mark: every other byte of
     * ASCII text is NUL; say what would read it */
    uint8_t h[256];
    long long hn = whorl__pread_full(fd, h, sizeof h, 0);
    size_t even = 0, odd = 0, pairs = hn > 1 ? (size_t)hn / 2 : 0;
    for (size_t i = 0; i < pairs; i++) even += h[2 * i] == 0, odd += h[2 * i + 1] == 0;
    if (pairs >= 4 && (even == pairs || odd == pairs) && (even == 0 || odd == 0))
      return whorl__error(err, WHORL_EFORMAT, path, -1,
                          "looks like UTF-16 text without a byte order mark (every other byte is NUL): whorl reads "
                          "UTF-16 tables that start with their byte order mark; convert it (iconv -f UTF-16%s -t UTF-8) "
                          "or fingerprint its bytes with --level content",
                          odd == pairs ? "LE" : "BE");
    return whorl__error(err, WHORL_EFORMAT, path, -1,
                        "named as a text table, but it holds binary data (NUL bytes in its first 64 KiB%s, or another "
                        "format's signature; the file is sniffed as %s), not CSV/TSV/JSON; fingerprint its bytes with "
                        "--level content, or name a format with --as",
                        sniffed && (!strcmp(sniffed, "gzip") || !strcmp(sniffed, "zstd")) ? " once decompressed" : "",
                        sniffed ? sniffed : "binary");
  }
  if (!fmt) {
    if (o->level == WHORL_LEVEL_LOGICAL || o->level == WHORL_LEVEL_PROFILE)
      return whorl__error(err, WHORL_EUNSUPPORTED, path, -1,
                          "not recognised as a table (%s): CSV/TSV, JSON Lines, JSON arrays of objects, Parquet, .npy and .npz are; "
                          "name the format with --as",
                          sniffed ? sniffed : "unknown");
    return 1;
  }
  if (!o->use_cache || x) return fp_table_read(path, fd, st, o, filedoc, fmt, x, out, err);
  /* The key id is part of the cache rules: read the key file first. */
  char key_id[17] = "";
  if (o->key_file) {
    uint8_t key[32];
    int rc = whorl__table_load_key(o->key_file, key, key_id, err);
    memset(key, 0, sizeof key);
    if (rc) return rc;
  }
  char rules[512];
  table_rules(o, fmt, key_id, rules, sizeof rules); /* the detected format: names (links) may differ */
  whorl_cache *c = NULL;
  char *db = whorl__tables_db(o, path);
  if (db) whorl_cache_open(db, rules, &c, NULL);
  free(db);
  whorl_cache_key k;
  whorl__fp_cache_key(st, &k);
  if (c) {
    whorl_json *d = cached_doc(c, &k, filedoc);
    if (d) {
      whorl_cache_close(c);
      replay_warnings(o, path, d);
      *out = d;
      return WHORL_OK;
    }
  }
  int64_t t0 = whorl__realtime_ns();
  int rc = fp_table_read(path, fd, st, o, filedoc, fmt, NULL, out, err);
  if (!rc && c) store_doc(c, &k, *out, t0);
  whorl_cache_close(c);
  return rc;
}

static int read_table_doc(const char *path, int fd, const struct stat *st, const whorl_fp_options *o,
                          const whorl_json *filedoc, const char *fmt, whorl__fp_extra *x, whorl_json **out,
                          int *npy_object, whorl_error *err) {
  *out = NULL;
  *npy_object = 0;
  uint8_t key[32];
  char key_id[17] = "";
  int rc;
  if (o->key_file && (rc = whorl__table_load_key(o->key_file, key, key_id, err))) return rc;
  whorl_lacc *acc = NULL;
  int profile = o->level != WHORL_LEVEL_LOGICAL;
  rc = whorl__lacc_new(o->key_file ? key : NULL, &acc);
  if (!rc && profile) rc = whorl__lacc_enable_profile(acc, x ? x->sample_k : WHORL_SAMPLE_ROWS);
  if (rc) {
    whorl__lacc_free(acc);
    return whorl__error(err, rc, path, -1, "out of memory");
  }
  whorl_table_sink sink = whorl__lacc_sink(acc);
  whorl_table_opts topts = WHORL_TABLE_OPTS_INIT;
  topts.format = fmt;
  topts.delimiter = o->delimiter;
  topts.header = o->header;
  topts.strict = o->strict;
  /* the sample needs each window's cells until its end: Parquet row groups
   * are read in windows of 64 Ki rows then (the same values) */
  if (profile) topts.pq_whole_rows = 65536;
  whorl_table_info *info = calloc(1, sizeof *info);
  if (!info) {
    whorl__lacc_free(acc);
    return whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
  }
  topts.threads = o->threads > 0 ? o->threads : 1;
  prog pg = {o, 0};
  if (o->on_progress) {
    topts.progress = table_progress;
    topts.pctx = &pg;
  }
  rc = whorl__table_read(path, fd, st, &topts, &sink, info, err);
  if (rc == WHORL__RETRY) {
    /* The parallel reader met something only the serial one reports (with
     * line numbers): again, on one thread, into a fresh accumulator. */
    whorl__lacc_free(acc);
    acc = NULL;
    rc = whorl__lacc_new(o->key_file ? key : NULL, &acc);
    if (!rc && profile) rc = whorl__lacc_enable_profile(acc, x ? x->sample_k : WHORL_SAMPLE_ROWS);
    if (!rc) {
      sink = whorl__lacc_sink(acc);
      topts.threads = 1;
      if (err) whorl_error_clear(err);
      rc = whorl__table_read(path, fd, st, &topts, &sink, info, err);
    }
  }
  memset(key, 0, sizeof key);
  const whorl_lresult *res = NULL;
  if (!rc) rc = whorl__lacc_finish(acc, &res);
  if (rc) {
    if (err && !err->message[0]) whorl__error(err, rc, path, -1, "reading the table failed");
    *npy_object = info->npy_object;
    whorl__lacc_free(acc);
    free(info);
    return rc;
  }
  if (o->on_issue)
    for (uint64_t i = 0; i < info->nwarnings && i < WHORL_TABLE_MAX_WARNINGS; i++) {
      whorl_error w;
      whorl_error_clear(&w);
      w.code = WHORL_EFORMAT;
      snprintf(w.path, sizeof w.path, "%s", path);
      if (info->warning[i].line)
        snprintf(w.message, sizeof w.message, "line %llu: %s", (unsigned long long)info->warning[i].line,
                 info->warning[i].message);
      else snprintf(w.message, sizeof w.message, "%s", info->warning[i].message);
      o->on_issue(o->cb_ctx, &w, 0);
      if (i + 1 == WHORL_TABLE_MAX_WARNINGS && info->nwarnings > WHORL_TABLE_MAX_WARNINGS) {
        snprintf(w.message, sizeof w.message, "... and %llu more warnings (%llu ragged rows, %llu cells of invalid UTF-8 in all)",
                 (unsigned long long)(info->nwarnings - WHORL_TABLE_MAX_WARNINGS), (unsigned long long)info->ragged_rows,
                 (unsigned long long)info->invalid_utf8);
        o->on_issue(o->cb_ctx, &w, 0);
      }
    }

  whorl_json *d = whorl_json_clone(filedoc);
  if (!d) {
    whorl__lacc_free(acc);
    free(info);
    return whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
  }
  whorl_json_object_set(d, "kind", whorl_json_string("table"));
  whorl_json_object_set(d, "level", whorl_json_string(profile ? "profile" : "logical"));
  whorl_json_object_set(d, "rules", whorl_json_string(WHORL_RULES_TABLE_LOGICAL));
  set_hex(d, "id", res->id, 32);
  whorl_json_object_set(d, "format", whorl_json_string(info->format));
  whorl_json_object_set(d, "rows", whorl_json_int((int64_t)res->rows));

  whorl_json *t = whorl_json_object();
  whorl_json_object_set(t, "compression", whorl_json_string(info->compression));
  if (info->encoding[0]) whorl_json_object_set(t, "encoding", whorl_json_string(info->encoding));
  if (!strcmp(info->format, "csv") || !strcmp(info->format, "tsv")) {
    char dl[2] = {info->delimiter, 0};
    whorl_json_object_set(t, "delimiter", whorl_json_string(dl));
    whorl_json_object_set(t, "header", whorl_json_bool(info->header));
  }
  whorl_json_object_set(d, "table", t);

  whorl_json *sc = whorl_json_object();
  set_hex(sc, "id", res->schema, 32);
  whorl_json_object_set(d, "schema", sc);

  whorl_json *lg = whorl_json_object();
  whorl_json_object_set(lg, "rules", whorl_json_string(WHORL_TABLE_LOGICAL_RULES "+" WHORL_VALUE_RULES));
  set_hex(lg, "id", res->id, 32);
  set_hex(lg, "unordered", res->unordered, 32);
  set_hex(lg, "row_sum", res->row_sum, 16);
  if (o->key_file) whorl_json_object_set(lg, "key_id", whorl_json_string(key_id));
  whorl_json_object_set(d, "logical", lg);

  whorl_json *cols = whorl_json_array();
  for (size_t i = 0; i < res->ncols; i++) {
    const whorl_lcol_result *c = &res->col[i];
    whorl_json *cj = whorl_json_object();
    whorl__json_set_bytes(cj, "name", c->name, c->name_len);
    whorl_json_object_set(cj, "type", whorl_json_string(whorl__ltype_name(c->type.type)));
    whorl_json_object_set(cj, "nullable", whorl_json_bool(c->type.nullable));
    whorl_json_object_set(cj, "nulls", whorl_json_int((int64_t)c->nulls));
    whorl_json *h = whorl_json_object();
    set_hex(h, "ordered", c->ordered, 32);
    set_hex(h, "unordered", c->unordered, 32);
    set_hex(h, "sum", c->sum, 16);
    whorl_json_object_set(cj, "hash", h);
    if (res->prof) whorl_json_object_set(cj, "profile", whorl__pcol_json(&res->prof[i], c->type.type, o->key_file != NULL));
    whorl_json_array_append(cols, cj);
  }
  whorl_json_object_set(d, "columns", cols);
  if (res->prof) {
    whorl_json *pj = whorl_json_object();
    whorl_json_object_set(pj, "rules", whorl_json_string(WHORL_PROFILE_RULES));
    whorl_json_object_set(pj, "sample", whorl__psample_json(res->sample, res->ncols));
    if (res->iblt) {
      whorl_json *rj = whorl_json_object();
      whorl_buf ib = WHORL_BUF_INIT;
      /* positional sums only while every anchor row is listed (level 0):
       * a row's offset is from the anchor just before it */
      whorl_iblt it = *res->iblt;
      it.has_v = res->anchors && res->anchors->min_level == 0;
      whorl__iblt_write(&it, &ib);
      whorl_json_object_set(rj, "rules", whorl_json_string(WHORL_ROW_IBLT_RULES));
      whorl_json_object_set(rj, "cells", whorl_json_int(res->iblt->m));
      whorl_json_object_set(rj, "iblt", whorl_json_stringn(ib.data ? ib.data : "", ib.len));
      if (it.has_v && res->lead_cnt) {
        ib.len = 0;
        whorl__lead_write(res->lead_cnt, res->lead_w, res->iblt->m, &ib);
        whorl_json_object_set(rj, "lead", whorl_json_stringn(ib.data ? ib.data : "", ib.len));
      }
      whorl_json *sa = whorl_json_array();
      for (int z = 0; z < WHORL_ROW_STRATA; z++) {
        ib.len = 0;
        whorl__iblt_write(&res->strata[z], &ib);
        whorl_json_array_append(sa, whorl_json_stringn(ib.data ? ib.data : "", ib.len));
      }
      whorl_json_object_set(rj, "strata", sa);
      if (res->anchors) {
        ib.len = 0;
        whorl__anchors_write(res->anchors, &ib);
        whorl_json_object_set(rj, "anchors", whorl_json_stringn(ib.data ? ib.data : "", ib.len));
      }
      whorl_buf_free(&ib);
      whorl_json_object_set(pj, "rows", rj);
    }
    whorl_json_object_set(d, "profile", pj);
    if (x) x->corr = whorl__psample_pearson(res->sample, res, x->corr_cols);
  }

  if (info->nwarnings) {
    whorl_json *w = whorl_json_object();
    whorl_json_object_set(w, "count", whorl_json_int((int64_t)info->nwarnings));
    whorl_json_object_set(w, "ragged_rows", whorl_json_int((int64_t)info->ragged_rows));
    whorl_json_object_set(w, "invalid_utf8", whorl_json_int((int64_t)info->invalid_utf8));
    whorl_json *first = whorl_json_array();
    for (uint64_t i = 0; i < info->nwarnings && i < WHORL_TABLE_MAX_WARNINGS; i++) {
      whorl_json *e = whorl_json_object();
      if (info->warning[i].line) whorl_json_object_set(e, "line", whorl_json_int((int64_t)info->warning[i].line));
      whorl_json_object_set(e, "message", whorl_json_string(info->warning[i].message));
      whorl_json_array_append(first, e);
    }
    whorl_json_object_set(w, "first", first);
    whorl_json_object_set(d, "warnings", w);
  }
  whorl__lacc_free(acc);
  free(info);
  *out = d;
  return WHORL_OK;
}
