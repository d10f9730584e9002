/* fp.c - fingerprint documents for single files, and the entry point. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cache/cache.h"
#include "fp/fp_int.h"
#include "io/io.h"
#include "util/util.h"
#include "whorl/hash.h"

int whorl_level_parse(const char *s, whorl_level *out) {
  if (s && !strcmp(s, "quick")) *out = WHORL_LEVEL_QUICK;
  else if (s && !strcmp(s, "content")) *out = WHORL_LEVEL_CONTENT;
  else if (s && !strcmp(s, "logical")) *out = WHORL_LEVEL_LOGICAL;
  else if (s && !strcmp(s, "profile")) *out = WHORL_LEVEL_PROFILE;
  else if (s && !strcmp(s, "stats")) *out = WHORL_LEVEL_STATS;
  else if (s && !strcmp(s, "auto")) *out = WHORL_LEVEL_AUTO;
  else return WHORL_EINVAL;
  return WHORL_OK;
}

const char *whorl_level_name(whorl_level level) {
  switch (level) {
  case WHORL_LEVEL_QUICK: return "quick";
  case WHORL_LEVEL_CONTENT: return "content";
  case WHORL_LEVEL_LOGICAL: return "logical";
  case WHORL_LEVEL_PROFILE: return "profile";
  case WHORL_LEVEL_STATS: return "stats";
  case WHORL_LEVEL_AUTO: return "auto";
  }
  return "unknown";
}

int whorl__json_set_hex(whorl_json *obj, const char *key, const uint8_t *bytes, size_t n) {
  char hex[2 * 64 + 1];
  if (n > 64) return WHORL_EINVAL;
  return whorl_json_object_set(obj, key, whorl_json_string(whorl_hex(bytes, n, hex)));
}

void whorl__display_bytes(const char *bytes, size_t len, whorl_buf *disp) {
  size_t i = 0;
  while (i < len) {
    size_t n = 1;
    unsigned char c = (unsigned char)bytes[i];
    if (c >= 0xC2 && c <= 0xF4) {
      n = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
      if (i + n > len || !whorl__utf8_valid(bytes + i, n)) n = 0;
    } else if (c >= 0x80) {
      n = 0;
    }
    if (n == 0) {
      whorl_buf_puts(disp, "\xef\xbf\xbd");
      i++;
    } else {
      whorl_buf_put(disp, bytes + i, n);
      i += n;
    }
  }
}

void whorl__hex_bytes(const char *bytes, size_t len, whorl_buf *hex) {
  static const char digits[] = "0123456789abcdef";
  if (whorl_buf_grow(hex, 2 * len)) return;
  for (size_t k = 0; k < len; k++) {
    hex->data[hex->len++] = digits[(unsigned char)bytes[k] >> 4];
    hex->data[hex->len++] = digits[(unsigned char)bytes[k] & 15];
  }
  hex->data[hex->len] = 0;
}

int whorl__json_set_bytes(whorl_json *obj, const char *key, const char *bytes, size_t len) {
  if (whorl__utf8_valid(bytes, len)) return whorl_json_object_set(obj, key, whorl_json_stringn(bytes, len));
  /* Not UTF-8: a readable form with U+FFFD for each bad byte, and the exact
   * bytes in hex under key_hex. */
  whorl_buf disp = WHORL_BUF_INIT, hex = WHORL_BUF_INIT;
  whorl__display_bytes(bytes, len, &disp);
  whorl__hex_bytes(bytes, len, &hex);
  char keyhex[128];
  snprintf(keyhex, sizeof keyhex, "%s_hex", key);
  size_t dl = 0, hl = 0;
  char *d = whorl_buf_detach(&disp, &dl), *h = whorl_buf_detach(&hex, &hl);
  int rc = (d && h) ? WHORL_OK : WHORL_ENOMEM;
  if (!rc) rc = whorl_json_object_set(obj, key, whorl_json_stringn(d, dl));
  if (!rc) rc = whorl_json_object_set(obj, keyhex, whorl_json_stringn(h, hl));
  free(d);
  free(h);
  return rc;
}

int whorl__cache_inside(const char *db, const char *root) {
  char *rr = realpath(root, NULL);
  if (!rr) return 0;
  /* Resolve the longest existing prefix of the database path (its folders
   * may not exist yet), then append the rest. */
  char buf[WHORL_ERROR_PATH_MAX * 2];
  if (db[0] == '/') snprintf(buf, sizeof buf, "%s", db);
  else {
    char cwd[WHORL_ERROR_PATH_MAX];
    if (!getcwd(cwd, sizeof cwd)) {
      free(rr);
      return 0;
    }
    snprintf(buf, sizeof buf, "%s/%s", cwd, db);
  }
  char *cut = buf + strlen(buf);
  char *resolved = NULL;
  while (cut > buf) {
    char save = *cut;
    *cut = 0;
    resolved = realpath(buf, NULL);
    *cut = save;
    if (resolved) break;
    while (cut > buf && *--cut != '/') {}
  }
  int inside = 0;
  if (resolved) {
    char full[WHORL_ERROR_PATH_MAX * 3];
    snprintf(full, sizeof full, "%s%s", resolved, cut);
    size_t rl = strlen(rr);
    if (strncmp(full, rr, rl) == 0 && (full[rl] == '/' || rl == 1)) {
      /* Inside; harmless only below a ".whorl" folder, which walks skip. */
      inside = 1;
      for (const char *c = full + rl; (c = strstr(c, "/.whorl")); c += 7)
        if (c[7] == '/' || c[7] == 0) inside = 0;
    }
    free(resolved);
  }
  free(rr);
  return inside;
}

static char *base_name(const char *path) {
  char *rp = realpath(path, NULL);
  const char *src = rp ? rp : path;
  char *copy = strdup(src);
  free(rp);
  if (!copy) return NULL;
  char *b = strdup(basename(copy));
  free(copy);
  return b;
}

void whorl__fp_cache_key(const struct stat *st, whorl_cache_key *k) {
  k->dev = (uint64_t)st->st_dev;
  k->ino = (uint64_t)st->st_ino;
  k->size = (uint64_t)st->st_size;
  k->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
  k->ctime_ns = (int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec;
}

int64_t whorl__realtime_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static uint8_t *chunks_pack(const whorl_chunk *c, size_t n, size_t *len) {
  uint8_t *b = malloc(n * 16 + 1);
  if (!b) return NULL;
  for (size_t i = 0; i < n; i++)
    for (int k = 0; k < 8; k++) {
      b[16 * i + k] = (uint8_t)(c[i].size >> (8 * k));
      b[16 * i + 8 + k] = (uint8_t)(c[i].hash >> (8 * k));
    }
  *len = n * 16;
  return b;
}

static whorl_chunk *chunks_unpack(const uint8_t *b, size_t len, uint64_t size, size_t *n) {
  if (len % 16) return NULL;
  size_t cnt = len / 16;
  whorl_chunk *c = malloc((cnt ? cnt : 1) * sizeof *c);
  if (!c) return NULL;
  uint64_t off = 0;
  for (size_t i = 0; i < cnt; i++) {
    uint64_t s = 0, h = 0;
    for (int k = 7; k >= 0; k--) {
      s = s << 8 | b[16 * i + k];
      h = h << 8 | b[16 * i + 8 + k];
    }
    c[i].offset = off;
    c[i].size = s;
    c[i].hash = h;
    off += s;
  }
  if (off != size) {
    free(c);
    return NULL;
  }
  *n = cnt;
  return c;
}

static whorl_json *doc_head(const char *kind, whorl_level level, const char *rules) {
  whorl_json *d = whorl_json_object();
  if (!d) return NULL;
  whorl_json_object_set(d, "whorl", whorl_json_int(WHORL_FORMAT_VERSION));
  whorl_json_object_set(d, "kind", whorl_json_string(kind));
  whorl_json_object_set(d, "level", whorl_json_string(whorl_level_name(level)));
  whorl_json_object_set(d, "rules", whorl_json_string(rules));
  return d;
}

static int file_doc_content(const char *name, const whorl_content *c, int with_chunks, whorl_json **out) {
  whorl_json *d = doc_head("file", WHORL_LEVEL_CONTENT, WHORL_RULES_FILE_CONTENT);
  if (!d) return WHORL_ENOMEM;
  whorl__json_set_hex(d, "id", c->blake3, 32);
  if (name) whorl__json_set_bytes(d, "name", name, strlen(name));
  whorl_json_object_set(d, "size", whorl_json_int((int64_t)c->size));
  whorl_json_object_set(d, "format", whorl_json_string(c->format));
  whorl_json *content = whorl_json_object();
  whorl__json_set_hex(content, "blake3", c->blake3, 32);
  if (c->digests & WHORL_DIGEST_SHA256) whorl__json_set_hex(content, "sha256", c->sha256, 32);
  if (c->digests & WHORL_DIGEST_MD5) whorl__json_set_hex(content, "md5", c->md5, 16);
  if (with_chunks) {
    whorl_json *ch = whorl_json_object();
    whorl_json_object_set(ch, "rules", whorl_json_string(WHORL_CDC_RULES));
    whorl_json_object_set(ch, "hash", whorl_json_string("xxh3-64"));
    whorl_json_object_set(ch, "min", whorl_json_int(WHORL_CDC_MIN));
    whorl_json_object_set(ch, "max", whorl_json_int(WHORL_CDC_MAX));
    whorl_json_object_set(ch, "bits", whorl_json_int(WHORL_CDC_BITS));
    whorl_json *list = whorl_json_array();
    for (size_t i = 0; i < c->nchunks; i++) {
      whorl_json *e = whorl_json_array();
      char hex[17];
      snprintf(hex, sizeof hex, "%016llx", (unsigned long long)c->chunks[i].hash);
      whorl_json_array_append(e, whorl_json_int((int64_t)c->chunks[i].offset));
      whorl_json_array_append(e, whorl_json_int((int64_t)c->chunks[i].size));
      whorl_json_array_append(e, whorl_json_string(hex));
      whorl_json_array_append(list, e);
    }
    whorl_json_object_set(ch, "list", list);
    whorl_json_object_set(content, "chunks", ch);
  }
  whorl_json_object_set(d, "content", content);
  *out = d;
  return WHORL_OK;
}

static int file_doc_quick(const char *name, const whorl_quick *q, whorl_json **out) {
  whorl_json *d = doc_head("file", WHORL_LEVEL_QUICK, WHORL_RULES_FILE_QUICK);
  if (!d) return WHORL_ENOMEM;
  whorl__json_set_hex(d, "id", q->hash, 32);
  if (name) whorl__json_set_bytes(d, "name", name, strlen(name));
  whorl_json_object_set(d, "size", whorl_json_int((int64_t)q->size));
  whorl_json_object_set(d, "format", whorl_json_string(q->format));
  whorl_json *qq = whorl_json_object();
  whorl_json_object_set(qq, "rules", whorl_json_string(WHORL_QUICK_RULES));
  whorl_json_object_set(qq, "blocks", whorl_json_int(WHORL_QUICK_BLOCKS));
  whorl_json_object_set(qq, "block_size", whorl_json_int(WHORL_QUICK_BLOCK));
  whorl_json_object_set(qq, "whole", whorl_json_bool(q->whole));
  whorl__json_set_hex(qq, "blake3", q->hash, 32);
  whorl_json_object_set(d, "quick", qq);
  *out = d;
  return WHORL_OK;
}

static int fp_file(const char *path, int fd, const struct stat *st, const whorl_fp_options *o, whorl_json **out,
                   whorl_error *err) {
  char *name = base_name(path);
  int rc;
  if (o->level == WHORL_LEVEL_QUICK) {
    whorl_quick q;
    rc = whorl__quick_fd(fd, path, st, &q, err);
    if (!rc && o->stats) {
      o->stats->files++;
      o->stats->bytes_read += q.whole ? q.size : (uint64_t)WHORL_QUICK_BLOCKS * WHORL_QUICK_BLOCK;
    }
    if (!rc) rc = file_doc_quick(name, &q, out);
    free(name);
    return rc;
  }
  unsigned want = WHORL_DIGEST_BLAKE3 | (o->digests & WHORL_DIGEST_ALL);
  whorl_content c;
  memset(&c, 0, sizeof c);
  whorl_cache *cache = NULL;
  whorl_cache_key key;
  whorl__fp_cache_key(st, &key);
  int hit = 0;
  if (o->use_cache) {
    char *db = o->cache_path ? strdup(o->cache_path) : whorl_cache_locate(path);
    if (db) whorl_cache_open(db, WHORL_CACHE_RULES, &cache, NULL);
    free(db);
  }
  if (cache) {
    whorl_cache_entry ce;
    memset(&ce, 0, sizeof ce);
    if (whorl_cache_get(cache, &key, want, o->chunks, &ce) == 1) {
      c.size = (uint64_t)st->st_size;
      c.digests = want;
      memcpy(c.blake3, ce.blake3, 32);
      memcpy(c.sha256, ce.sha256, 32);
      memcpy(c.md5, ce.md5, 16);
      hit = 1;
      if (o->chunks && !(c.chunks = chunks_unpack(ce.extra, ce.extra_len, c.size, &c.nchunks))) hit = 0;
      if (hit) {
        /* The format needs the first and last bytes: a tiny read. */
        uint8_t head[4096], tail[16];
        long long hn = whorl__pread_full(fd, head, sizeof head, 0);
        size_t tn = c.size < 16 ? (size_t)c.size : 16;
        long long tg = whorl__pread_full(fd, tail, tn, c.size - tn);
        if (hn < 0 || tg < 0) hit = 0;
        else snprintf(c.format, sizeof c.format, "%s", whorl__sniff(head, (size_t)hn, tail, (size_t)tg, c.size));
      }
    }
    free(ce.extra);
  }
  if (!hit && o->expect_quick && o->level == WHORL_LEVEL_CONTENT) {
    /* progressive: the quick tier first; if it already differs, no full read */
    whorl_quick q;
    if (!whorl__quick_fd(fd, path, st, &q, err)) {
      char hex[65];
      for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", q.hash[i]);
      if (strcmp(hex, o->expect_quick)) {
        if (o->stats) {
          o->stats->files++;
          o->stats->bytes_read += q.whole ? q.size : (uint64_t)WHORL_QUICK_BLOCKS * WHORL_QUICK_BLOCK;
        }
        whorl_cache_close(cache);
        free(c.chunks);
        rc = file_doc_quick(name, &q, out);
        free(name);
        return rc;
      }
    }
  }
  if (!hit) {
    free(c.chunks);
    int64_t t0 = whorl__realtime_ns(); /* before the read: see folder.c */
    whorl_content_opts co = {o->digests, o->chunks, o->threads, o->on_progress, o->cb_ctx, NULL};
    rc = whorl__content_fd(fd, path, st, &co, &c, err);
    if (rc) {
      whorl_cache_close(cache);
      free(name);
      return rc;
    }
    if (cache) {
      whorl_cache_entry ce;
      memset(&ce, 0, sizeof ce);
      ce.digests = c.digests;
      memcpy(ce.blake3, c.blake3, 32);
      memcpy(ce.sha256, c.sha256, 32);
      memcpy(ce.md5, c.md5, 16);
      if (o->chunks) ce.extra = chunks_pack(c.chunks, c.nchunks, &ce.extra_len);
      if (!o->chunks || ce.extra) whorl_cache_put(cache, &key, &ce, t0);
      free(ce.extra);
    }
  }
  whorl_cache_close(cache);
  if (o->stats) {
    o->stats->files++;
    if (hit) o->stats->cache_hits++;
    else o->stats->bytes_read += c.size;
  }
  rc = file_doc_content(name, &c, o->chunks, out);
  free(c.chunks);
  free(name);
  return rc;
}

/* A model document hashes tensors, not the file's bytes: SHA-256 or MD5
 * asked for would be left out without a word. */
static int model_digests_refused(const char *path, whorl_error *err) {
  return whorl__error(err, WHORL_EINVAL, path, -1,
                      "--digest (SHA-256, MD5 of the bytes) does not apply to a model, fingerprinted per tensor; "
                      "--no-model fingerprints its bytes");
}

/* --config, --param and --training-file make a model's config and training
 * sections: on anything else they would be dropped without a word (a
 * table locked "with its seed" that is not). */
static int model_options_refused(const char *path, whorl_error *err) {
  return whorl__error(err, WHORL_EINVAL, path, -1,
                      "--config, --param and --training-file describe a model, and this is not read as one "
                      "(--model reads a file as a model)");
}

int whorl_fingerprint(const char *path, const whorl_fp_options *opts, whorl_json **out, whorl_error *err) {
  return whorl__fingerprint_ex(path, opts, NULL, out, err);
}

/* ---- streams: "-" (standard input) and FIFOs ----------------------------------------------
 * A pipe can be read once, and the readers need a file (they read the
 * head, then the whole; the parallel ones reopen it by name). So the
 * stream is copied to its end into an unnamed-after-use temporary file in
 * $TMPDIR (as large as the input; memory stays bounded), fingerprinted as
 * that file without the stat cache, and the document and messages name
 * the stream as given. */

typedef struct spool_cb {
  const whorl_fp_options *user;
  const char *tmp, *name;
} spool_cb;

static void spool_issue(void *ctx, const whorl_error *issue, int fatal) {
  spool_cb *c = ctx;
  whorl_error w = *issue;
  if (!strcmp(w.path, c->tmp)) snprintf(w.path, sizeof w.path, "%s", c->name);
  c->user->on_issue(c->user->cb_ctx, &w, fatal);
}

static void spool_progress(void *ctx, uint64_t done, uint64_t total) {
  spool_cb *c = ctx;
  c->user->on_progress(c->user->cb_ctx, done, total);
}

static int fp_stream(const char *path, int in_fd, const whorl_fp_options *o, whorl__fp_extra *x, whorl_json **out,
                     whorl_error *err) {
  const char *shown = in_fd >= 0 ? "-" : path;
  const char *td = getenv("TMPDIR");
  char tmp[4096];
  if ((size_t)snprintf(tmp, sizeof tmp, "%s/whorl-stream-XXXXXX", td && td[0] ? td : "/tmp") >= sizeof tmp)
    return whorl__error(err, WHORL_EINVAL, shown, -1, "TMPDIR is too long");
  int fd = in_fd >= 0 ? in_fd : open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return whorl__error_errno(err, errno, shown, "open");
  int t = mkstemp(tmp);
  if (t < 0) {
    int e = errno;
    if (in_fd < 0) close(fd);
    return whorl__error(err, WHORL_EIO, shown, -1, "cannot make a temporary file to hold the stream in %s: %s",
                        td && td[0] ? td : "/tmp", strerror(e));
  }
  int rc = WHORL_OK;
  size_t cap = (size_t)1 << 20;
  uint8_t *buf = malloc(cap);
  if (!buf) rc = whorl__error(err, WHORL_ENOMEM, shown, -1, "out of memory");
  uint64_t total = 0;
  while (!rc) {
    ssize_t n = read(fd, buf, cap);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      rc = whorl__error_errno(err, errno, shown, "read");
      break;
    }
    if (n == 0) break;
    for (ssize_t off = 0; off < n && !rc;) {
      ssize_t w = write(t, buf + off, (size_t)(n - off));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) rc = whorl__error(err, WHORL_EIO, shown, (int64_t)total, "writing the stream to %s: %s", tmp, strerror(errno));
      else off += w;
    }
    total += (uint64_t)n;
  }
  free(buf);
  if (in_fd < 0) close(fd);
  close(t);
  if (!rc) {
    whorl_fp_options so = *o;
    so.use_cache = 0;
    spool_cb cb = {o, tmp, shown};
    if (o->on_issue || o->on_progress) {
      so.cb_ctx = &cb;
      so.on_issue = o->on_issue ? spool_issue : NULL;
      so.on_progress = o->on_progress ? spool_progress : NULL;
    }
    rc = whorl__fingerprint_ex(tmp, &so, x, out, err);
    if (rc && err && !strcmp(err->path, tmp)) snprintf(err->path, sizeof err->path, "%s", shown);
    if (!rc && *out) {
      const char *slash = strrchr(shown, '/');
      const char *base = slash && slash[1] ? slash + 1 : shown;
      whorl__json_set_bytes(*out, "name", base, strlen(base));
      whorl_json_object_remove(*out, "name_hex");
    }
  }
  unlink(tmp);
  return rc;
}

int whorl__fingerprint_ex(const char *path, const whorl_fp_options *opts, whorl__fp_extra *x, whorl_json **out,
                          whorl_error *err) {
  *out = NULL;
  whorl_fp_options o = WHORL_FP_OPTIONS_INIT;
  if (opts) {
    if (opts->version != WHORL_FP_OPTIONS_VERSION)
      return whorl__error(err, WHORL_EINVAL, NULL, -1, "options version %u not supported", opts->version);
    o = *opts;
  }
  if (o.level != WHORL_LEVEL_QUICK && o.level != WHORL_LEVEL_CONTENT && o.level != WHORL_LEVEL_LOGICAL &&
      o.level != WHORL_LEVEL_PROFILE && o.level != WHORL_LEVEL_STATS && o.level != WHORL_LEVEL_AUTO)
    return whorl__error(err, WHORL_EINVAL, NULL, -1, "unknown level");
  if (o.stats) memset(o.stats, 0, sizeof *o.stats);
  if (o.threads <= 0) o.threads = whorl__cpu_count();
  if (o.threads > 64) o.threads = 64;
  if (!strcmp(path, "-")) return fp_stream(path, STDIN_FILENO, &o, x, out, err);
  struct stat st;
  if (stat(path, &st) != 0) return whorl__error_errno(err, errno, path, NULL);
  if (S_ISFIFO(st.st_mode)) return fp_stream(path, -1, &o, x, out, err);
  if (S_ISDIR(st.st_mode)) {
    if (o.table_format)
      return whorl__error(err, WHORL_EUNSUPPORTED, path, -1,
                          "is a folder: --as names the format of a table file (fingerprint the table files one by one)");
    if (o.level == WHORL_LEVEL_LOGICAL || o.level == WHORL_LEVEL_PROFILE)
      return whorl__error(err, WHORL_EUNSUPPORTED, path, -1,
                          "is a folder: the %s level is for tables (fingerprint the table files one by one)",
                          whorl_level_name(o.level));
    if (o.model == 1 || (o.model == -1 && o.level != WHORL_LEVEL_LOGICAL && o.level != WHORL_LEVEL_PROFILE &&
                         whorl__is_model_folder(path))) {
      if (o.level == WHORL_LEVEL_AUTO) o.level = WHORL_LEVEL_CONTENT;
      if (o.digests & (WHORL_DIGEST_SHA256 | WHORL_DIGEST_MD5)) return model_digests_refused(path, err);
      return whorl__fp_model_folder(path, &o, out, err);
    }
    if (o.level == WHORL_LEVEL_STATS)
      return whorl__error(err, WHORL_EUNSUPPORTED, path, -1, "is a folder: the stats level is for models");
    if (o.config_file || o.nparams || o.ntraining_files) return model_options_refused(path, err);
    if (o.level == WHORL_LEVEL_AUTO) o.level = WHORL_LEVEL_CONTENT;
    return whorl__fp_folder(path, &o, out, err);
  }
  if (!S_ISREG(st.st_mode)) {
    const char *what = S_ISFIFO(st.st_mode) ? "a FIFO" : S_ISSOCK(st.st_mode) ? "a socket"
                     : S_ISCHR(st.st_mode) ? "a character device" : S_ISBLK(st.st_mode) ? "a block device"
                     : "a special file";
    return whorl__error(err, WHORL_EUNSUPPORTED, path, -1, "is %s, not a regular file or folder: not read", what);
  }
  /* O_NONBLOCK: if the path was swapped for a FIFO after stat, open must
   * not hang; the fstat check below then refuses it. */
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return whorl__error_errno(err, errno, path, "open");
  struct stat fst;
  if (fstat(fd, &fst) != 0 || !S_ISREG(fst.st_mode) || fst.st_ino != st.st_ino) {
    close(fd);
    return whorl__error(err, WHORL_ECHANGED, path, -1, "changed while being opened");
  }
  int rc;
  const char *mkind = o.model != 0 && !o.table_format ? whorl__model_detect(path, fd, o.model == 1) : NULL;
  if (mkind) {
    if (o.level == WHORL_LEVEL_AUTO) o.level = WHORL_LEVEL_CONTENT;
    if (o.digests & (WHORL_DIGEST_SHA256 | WHORL_DIGEST_MD5)) {
      close(fd);
      return model_digests_refused(path, err);
    }
    rc = whorl__fp_model_file(path, fd, &fst, &o, mkind, out, err);
    close(fd);
    return rc;
  }
  if (o.model == 1) {
    close(fd);
    return whorl__error(err, WHORL_EUNSUPPORTED, path, -1,
                        "not a model format whorl reads (safetensors, GGUF, PyTorch zip, .npy, .npz)");
  }
  if (o.level == WHORL_LEVEL_STATS) {
    close(fd);
    return whorl__error(err, WHORL_EUNSUPPORTED, path, -1, "the stats level is for models (--model reads .npy/.npz as one)");
  }
  if (o.config_file || o.nparams || o.ntraining_files) {
    close(fd);
    return model_options_refused(path, err);
  }
  if (o.level == WHORL_LEVEL_QUICK) {
    rc = fp_file(path, fd, &fst, &o, out, err);
  } else {
    whorl_level want = o.level;
    o.level = WHORL_LEVEL_CONTENT;
    rc = fp_file(path, fd, &fst, &o, out, err);
    o.level = want;
    const char *fmt = rc ? NULL : whorl_json_object_get_string(*out, "format");
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    /* a protocol 0 or 1 pickle has no header: "text" or "binary" by its
     * bytes, a pickle by its name */
    int pkl = fmt && (!strcmp(fmt, "pickle") ||
                      ((!strcmp(fmt, "text") || !strcmp(fmt, "binary") || !strcmp(fmt, "gzip")) &&
                       whorl__pickle_name(base, strlen(base))));
    if (pkl && o.model != 0) {
      /* a pickle (a scikit-learn model, a DataFrame): what loading it would run */
      whorl_json *un = whorl_json_array();
      rc = whorl__pickle_findings(path, fd, (uint64_t)fst.st_size, base, un, err);
      if (!rc && whorl_json_size(un)) whorl_json_object_set(*out, "unsafe", un);
      else whorl_json_free(un);
      if (rc) {
        whorl_json_free(*out);
        *out = NULL;
      }
    }
    if (!rc && (want == WHORL_LEVEL_LOGICAL || want == WHORL_LEVEL_PROFILE || want == WHORL_LEVEL_AUTO ||
                o.table_format)) {
      whorl_json *table = NULL;
      rc = whorl__fp_table(path, fd, &fst, &o, *out, x, &table, err);
      if (rc == 1) rc = WHORL_OK; /* not a table: the file document stands */
      else {
        whorl_json_free(*out);
        *out = table;
      }
    }
  }
  close(fd);
  return rc;
}

int whorl_fingerprint_validate(const whorl_json *doc, whorl_error *err) {
  if (whorl_json_typeof(doc) != WHORL_JSON_OBJECT)
    return whorl__error(err, WHORL_EFORMAT, NULL, -1, "not a whorl fingerprint: not a JSON object");
  whorl_json *v = whorl_json_object_get(doc, "whorl");
  /* An integer too large for int64 is still "a newer version". */
  if (v && !whorl_json_is_int(v) && whorl_json_typeof(v) == WHORL_JSON_NUMBER && whorl_json_get_double(v) >= 9.2e18 &&
      floor(whorl_json_get_double(v)) == whorl_json_get_double(v))
    return whorl__error(err, WHORL_EUNSUPPORTED, NULL, -1, "fingerprint format version %.0f is newer than this whorl reads (%d)",
                        whorl_json_get_double(v), WHORL_FORMAT_VERSION);
  if (!v || !whorl_json_is_int(v))
    return whorl__error(err, WHORL_EFORMAT, NULL, -1, "not a whorl fingerprint: no \"whorl\" version");
  if (whorl_json_get_int(v) < 1)
    return whorl__error(err, WHORL_EFORMAT, NULL, -1, "not a whorl fingerprint: bad \"whorl\" version %lld",
                        (long long)whorl_json_get_int(v));
  if (whorl_json_get_int(v) > WHORL_FORMAT_VERSION)
    return whorl__error(err, WHORL_EUNSUPPORTED, NULL, -1,
                        "fingerprint format version %lld is newer than this whorl reads (%d)",
                        (long long)whorl_json_get_int(v), WHORL_FORMAT_VERSION);
  const char *kind = whorl_json_object_get_string(doc, "kind");
  if (!kind) return whorl__error(err, WHORL_EFORMAT, NULL, -1, "not a whorl fingerprint: no \"kind\"");
  if (strcmp(kind, "file") && strcmp(kind, "folder") && strcmp(kind, "table") && strcmp(kind, "features") &&
      strcmp(kind, "model"))
    return whorl__error(err, WHORL_EUNSUPPORTED, NULL, -1, "fingerprint kind \"%s\" is not known to this whorl", kind);
  const char *id = whorl_json_object_get_string(doc, "id");
  const char *level = whorl_json_object_get_string(doc, "level");
  whorl_level lv;
  if (!id || strlen(id) != 64 || !level || whorl_level_parse(level, &lv))
    return whorl__error(err, WHORL_EFORMAT, NULL, -1, "malformed fingerprint: bad \"id\" or \"level\"");
  return WHORL_OK;
}

int whorl_fingerprint_load(const char *path, whorl_json **out, whorl_error *err) {
  *out = NULL;
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return 0; /* the caller's fingerprint attempt reports it */
  struct stat st;
  char head[64];
  long long n = -1;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) n = whorl__pread_full(fd, head, sizeof head, 0);
  close(fd);
  if (n <= 0) return 0;
  /* A fingerprint document is a JSON object of at most 256 MiB with
   * "whorl" and "kind" members; anything else is data to fingerprint. */
  size_t i = 0;
  while (i < (size_t)n && (head[i] == ' ' || head[i] == '\n' || head[i] == '\r' || head[i] == '\t')) i++;
  if (i >= (size_t)n || head[i] != '{' || st.st_size > (256 << 20)) return 0;
  char *text = NULL;
  size_t len = 0;
  whorl_error perr;
  if (whorl__read_file(path, 256u << 20, &text, &len, &perr)) return 0;
  whorl_json *doc = NULL;
  int rc = whorl_json_parse(text, len, &doc, &perr);
  /* Damaged (say, truncated) documents of ours are errors, not data: any
   * surviving piece carries one of the member names whorl writes. Broken
   * JSON without them is taken for data. */
  static const char *marks[] = {"\"whorl\"", "\"blake3\"", "\"rules\"", "\"quick\"", "\"level\""};
  int ours = 0;
  for (size_t k = 0; k < sizeof marks / sizeof *marks; k++) ours |= memmem(text, len, marks[k], strlen(marks[k])) != NULL;
  free(text);
  if (rc) {
    if (!ours) return 0;
    if (err) {
      *err = perr;
      snprintf(err->path, sizeof err->path, "%s", path);
      snprintf(err->message, sizeof err->message, "damaged fingerprint document: %.440s", perr.message);
    }
    return perr.code;
  }
  if (whorl_json_typeof(doc) != WHORL_JSON_OBJECT || !whorl_json_object_get(doc, "kind") ||
      !whorl_json_object_get(doc, "whorl")) {
    whorl_json_free(doc);
    return 0; /* some other JSON file */
  }
  rc = whorl_fingerprint_validate(doc, err);
  if (rc) {
    if (err) snprintf(err->path, sizeof err->path, "%s", path);
    whorl_json_free(doc);
    return rc;
  }
  *out = doc;
  return 1;
}
