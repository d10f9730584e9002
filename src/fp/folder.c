/* folder.c - folder fingerprints: walk, hash files on all cores (cached
 * ones are not read), then a Merkle root over the sorted entries. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cache/cache.h"
#include "canon/canon.h"
#include "fp/fp_int.h"
#include "hash/merkle.h"
#include "io/io.h"
#include "util/util.h"
#include "walk/walk.h"
#include "whorl/hash.h"

#define BIG_FILE (64u << 20) /* hashed one at a time with every core */

typedef struct job {
  walk_entry *e;
  whorl_content c;
  whorl_quick q;
  int done, rc, cached;
} job;

typedef struct pool {
  const char *root;
  int rootfd;
  const whorl_fp_options *o;
  whorl_cache **conns;  /* one stat-cache connection per thread, or NULL */
  atomic_int next_conn;
  unsigned want;
  job *jobs;
  size_t njobs;
  atomic_size_t next;
  atomic_ullong bytes_done;
  uint64_t bytes_total;
  uint64_t last_progress;
  pthread_mutex_t mu; /* guards issue reporting */
  int fatal;
  whorl_error first;
  /* leaf building */
  whorl_json **ids;
  uint8_t (*leaves)[32];
  size_t nentries;
  atomic_size_t next_leaf;
  atomic_int leaf_oom;
  walk_result *wr;
} pool;

static void report(pool *p, const whorl_error *e) {
  pthread_mutex_lock(&p->mu);
  if (!p->fatal++) p->first = *e;
  if (p->o->on_issue) p->o->on_issue(p->o->cb_ctx, e, 1);
  pthread_mutex_unlock(&p->mu);
}

static void key_of(const walk_stat *st, whorl_cache_key *k) {
  k->dev = (uint64_t)st->st_dev;
  k->ino = (uint64_t)st->st_ino;
  k->size = (uint64_t)st->st_size;
  k->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
  k->ctime_ns = (int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec;
}

/* Answers a job from the stat cache; 1 on a hit. */
static int from_cache(pool *p, whorl_cache *cache, job *j) {
  if (!cache) return 0;
  whorl_cache_key k;
  key_of(&j->e->st, &k);
  whorl_cache_entry ce;
  memset(&ce, 0, sizeof ce);
  if (whorl_cache_get(cache, &k, p->want, 0, &ce) != 1) return 0;
  free(ce.extra);
  j->c.size = k.size;
  j->c.digests = p->want;
  memcpy(j->c.blake3, ce.blake3, 32);
  memcpy(j->c.sha256, ce.sha256, 32);
  memcpy(j->c.md5, ce.md5, 16);
  j->done = j->cached = 1;
  return 1;
}

static void hash_one(pool *p, job *j, int threads, whorl_content_scratch *scratch) {
  char full[WHORL_ERROR_PATH_MAX];
  snprintf(full, sizeof full, "%s/%s", p->root, j->e->rel);
  whorl_error err;
  whorl_error_clear(&err);
  /* Every outcome, failures included, marks the job done: it is never
   * tried (and reported) twice. */
  j->done = 1;
  /* Opened beneath the walked root without following symlinks, so a folder
   * swapped for a link after the walk cannot redirect the read. */
  int fd = whorl__open_beneath(p->rootfd, j->e->rel, O_RDONLY | O_NONBLOCK);
  if (fd < 0) {
    int e = errno;
    if (e == ENOENT) whorl__error(&err, WHORL_ECHANGED, full, -1, "vanished during the walk");
    else if (e == ELOOP || e == EXDEV || e == ENOTDIR)
      whorl__error(&err, WHORL_ECHANGED, full, -1, "changed during the walk (a symlink now stands on its path)");
    else whorl__error_errno(&err, e, full, "open");
    j->rc = err.code;
    report(p, &err);
    return;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_ino != j->e->st.st_ino ||
      (uint64_t)st.st_dev != j->e->st.st_dev || st.st_size != j->e->st.st_size ||
      st.st_mtim.tv_sec != j->e->st.st_mtim.tv_sec || st.st_mtim.tv_nsec != j->e->st.st_mtim.tv_nsec) {
    whorl__error(&err, WHORL_ECHANGED, full, -1, "changed during the walk");
    j->rc = err.code;
    report(p, &err);
    close(fd);
    return;
  }
  if (p->o->level == WHORL_LEVEL_QUICK) {
    j->rc = whorl__quick_fd(fd, full, &st, &j->q, &err);
  } else {
    whorl_content_opts co = {p->o->digests, 0, threads, NULL, NULL, scratch};
    j->rc = whorl__content_fd(fd, full, &st, &co, &j->c, &err);
  }
  close(fd);
  if (j->rc) report(p, &err);
  atomic_fetch_add(&p->bytes_done, p->o->level == WHORL_LEVEL_QUICK && !j->q.whole
                                        ? (unsigned long long)WHORL_QUICK_BLOCKS * WHORL_QUICK_BLOCK
                                        : (unsigned long long)st.st_size);
}

static void progress(pool *p) {
  if (!p->o->on_progress) return;
  uint64_t now = whorl__now_ns();
  if (now - p->last_progress < 100000000u) return;
  p->last_progress = now;
  p->o->on_progress(p->o->cb_ctx, atomic_load(&p->bytes_done), p->bytes_total);
}

static int entry_cmp(const void *a, const void *b) {
  const walk_entry *x = a, *y = b;
  return whorl__path_cmp(x->rel, x->rel_len, y->rel, y->rel_len);
}

static int fp_folder(const char *path, const whorl_fp_options *o, const char *const *except, size_t nexcept, whorl_json **out,
                     whorl_error *err);

/* Opens the stat-cache connections while the folder is walked: the first
 * (which repairs a damaged database, and stores new digests at the end)
 * before the others, then one more per extra worker thread. */
typedef struct opener {
  char *db;
  int n;
  whorl_cache *conns[64];
} opener;

static void close_conns(opener *op) {
  for (int i = op->n - 1; i >= 0; i--) {
    whorl_cache_close(op->conns[i]);
    op->conns[i] = NULL;
  }
}

static void *open_cache(void *arg) {
  opener *op = arg;
  if (whorl_cache_open(op->db, WHORL_CACHE_RULES, &op->conns[0], NULL) != WHORL_OK) {
    op->conns[0] = NULL;
    return NULL;
  }
  for (int i = 1; i < op->n; i++)
    if (whorl_cache_open(op->db, WHORL_CACHE_RULES, &op->conns[i], NULL) != WHORL_OK) op->conns[i] = NULL;
  return NULL;
}

/* The members of an entry that define it (hashed into the Merkle leaf). */
static whorl_json *entry_identity(const walk_entry *e, const uint8_t *digest, int quick) {
  /* Members are set in canonical order, so writing needs no sorting. */
  whorl_json *o = whorl_json_object();
  if (!o) return NULL;
  if (e->type == WALK_FILE && !quick) whorl__json_set_hex(o, "blake3", digest, 32);
  whorl__json_set_bytes(o, "path", e->rel, e->rel_len);
  switch (e->type) {
  case WALK_FILE:
    if (quick) whorl__json_set_hex(o, "quick", digest, 32);
    whorl_json_object_set(o, "size", whorl_json_int((int64_t)e->st.st_size));
    whorl_json_object_set(o, "type", whorl_json_string("file"));
    break;
  case WALK_SYMLINK:
    whorl__json_set_bytes(o, "target", e->target, e->target_len);
    whorl_json_object_set(o, "type", whorl_json_string("symlink"));
    break;
  case WALK_DIR: whorl_json_object_set(o, "type", whorl_json_string("dir")); break;
  case WALK_SKIPPED: break;
  }
  return o;
}

/* Appends a "key":"string" member (and "key_hex" for non-UTF-8 bytes) in
 * canonical form; key_hex sorts right after key, as JCS orders them. */
static void put_bytes_members(whorl_buf *b, const char *key, const char *bytes, size_t len) {
  whorl_buf_putc(b, '"');
  whorl_buf_puts(b, key);
  whorl_buf_puts(b, "\":");
  if (whorl__utf8_valid(bytes, len)) {
    whorl__jcs_string(b, bytes, len);
    return;
  }
  whorl_buf disp = WHORL_BUF_INIT;
  whorl__display_bytes(bytes, len, &disp);
  whorl__jcs_string(b, disp.data ? disp.data : "", disp.len);
  whorl_buf_free(&disp);
  whorl_buf_printf(b, ",\"%s_hex\":\"", key);
  whorl__hex_bytes(bytes, len, b);
  whorl_buf_putc(b, '"');
}

/* The RFC 8785 bytes of entry_identity(e, ...), written directly: members
 * in canonical order (blake3 < path < path_hex < quick < size < target <
 * target_hex < type). tests/unit/test_fp.c recomputes ids from documents
 * through the generic canonicalizer, so the two cannot drift apart. */
static void identity_bytes(whorl_buf *b, const walk_entry *e, const uint8_t *digest, int quick) {
  char hex[65];
  b->len = 0;
  whorl_buf_putc(b, '{');
  if (e->type == WALK_FILE && !quick) {
    whorl_buf_puts(b, "\"blake3\":\"");
    whorl_buf_put(b, whorl_hex(digest, 32, hex), 64);
    whorl_buf_puts(b, "\",");
  }
  put_bytes_members(b, "path", e->rel, e->rel_len);
  switch (e->type) {
  case WALK_FILE:
    if (quick) {
      whorl_buf_puts(b, ",\"quick\":\"");
      whorl_buf_put(b, whorl_hex(digest, 32, hex), 64);
      whorl_buf_putc(b, '"');
    }
    {
      /* The size as JCS prints an integer: plain decimal digits. */
      char num[24];
      size_t n = sizeof num;
      uint64_t v = (uint64_t)e->st.st_size;
      do num[--n] = (char)('0' + v % 10); while ((v /= 10) != 0);
      whorl_buf_puts(b, ",\"size\":");
      whorl_buf_put(b, num + n, sizeof num - n);
      whorl_buf_puts(b, ",\"type\":\"file\"");
    }
    break;
  case WALK_SYMLINK:
    whorl_buf_putc(b, ',');
    put_bytes_members(b, "target", e->target, e->target_len);
    whorl_buf_puts(b, ",\"type\":\"symlink\"");
    break;
  case WALK_DIR: whorl_buf_puts(b, ",\"type\":\"dir\""); break;
  case WALK_SKIPPED: break;
  }
  whorl_buf_putc(b, '}');
}

/* Entry documents and Merkle leaves, built on every thread: entries[i]
 * of the sorted walk, with jobs matched by the file_job index. */
typedef struct leafjob {
  pool *p;
  const size_t *job_of; /* entry index -> job index (files only) */
  int main;             /* the calling thread (reports progress) */
} leafjob;

/* One pass over the sorted entries on every thread (the caller's too), in
 * blocks of 64: each file is answered by the stat cache (one read-only
 * connection per thread) or hashed, then every entry gets its document
 * object and its Merkle leaf. */
static void *pass_worker(void *arg) {
  leafjob *lj = arg;
  pool *p = lj->p;
  int quick = p->o->level == WHORL_LEVEL_QUICK;
  whorl_buf canon = WHORL_BUF_INIT;
  whorl_content_scratch scratch = {NULL};
  whorl_cache *cache = NULL;
  if (p->conns) {
    /* The calling thread reads through connection 0; the others take one
     * each from 1 on. */
    int k = lj->main ? 0 : 1 + atomic_fetch_add(&p->next_conn, 1);
    if (k < 64) cache = p->conns[k];
  }
  for (;;) {
    size_t i0 = atomic_fetch_add(&p->next_leaf, 64);
    if (i0 >= p->nentries) break;
    size_t i1 = i0 + 64 < p->nentries ? i0 + 64 : p->nentries;
    for (size_t i = i0; i < i1; i++) {
      walk_entry *e = &p->wr->entries[i];
      if (e->type == WALK_SKIPPED) continue;
      job *j = e->type == WALK_FILE ? &p->jobs[lj->job_of[i]] : NULL;
      if (j && !j->done && !from_cache(p, cache, j)) {
        hash_one(p, j, 1, &scratch);
        if (lj->main) progress(p);
      }
      if (j && j->rc) continue;
      const uint8_t *digest = j ? (quick ? j->q.hash : j->c.blake3) : NULL;
      identity_bytes(&canon, e, digest, quick);
      if (!p->o->entries) {
        if (canon.oom) atomic_store(&p->leaf_oom, 1);
        else whorl__merkle_leaf(canon.data, canon.len, p->leaves[i]);
        continue;
      }
      whorl_json *id = entry_identity(e, digest, quick);
      if (!id || canon.oom) {
        whorl_json_free(id);
        atomic_store(&p->leaf_oom, 1);
        continue;
      }
      whorl__merkle_leaf(canon.data, canon.len, p->leaves[i]);
      if (j && !quick && (j->c.digests & WHORL_DIGEST_SHA256)) whorl__json_set_hex(id, "sha256", j->c.sha256, 32);
      if (j && !quick && (j->c.digests & WHORL_DIGEST_MD5)) whorl__json_set_hex(id, "md5", j->c.md5, 16);
      p->ids[i] = id;
    }
  }
  whorl__content_scratch_free(&scratch);
  whorl_buf_free(&canon);
  return NULL;
}


int whorl__fp_folder(const char *path_in, const whorl_fp_options *o, whorl_json **out, whorl_error *err) {
  /* "data/" and "data" name the same folder; messages say "data/x". */
  char *path = strdup(path_in);
  if (!path) return whorl__error(err, WHORL_ENOMEM, path_in, -1, "out of memory");
  for (size_t n = strlen(path); n > 1 && path[n - 1] == '/'; n--) path[n - 1] = 0;
  int rc = fp_folder(path, o, NULL, 0, out, err);
  free(path);
  return rc;
}

int whorl__fp_folder_except(const char *path, const whorl_fp_options *o, const char *const *except, size_t nexcept,
                            whorl_json **out, whorl_error *err) {
  return fp_folder(path, o, except, nexcept, out, err);
}

static int fp_folder(const char *path, const whorl_fp_options *o, const char *const *except, size_t nexcept, whorl_json **out,
                     whorl_error *err) {
  walk_result wr;
  /* Clock read before anything is read: a file written after this moment
   * has an mtime/ctime at or after it and is never cached (racy entry). */
  int64_t t0 = whorl__realtime_ns();
  /* The stat cache opens on its own thread while the folder is walked. */
  opener op;
  memset(&op, 0, sizeof op);
  op.n = o->threads < 64 ? o->threads : 64;
  pthread_t optid;
  int op_started = 0;
  if (o->use_cache && o->level == WHORL_LEVEL_CONTENT) {
    op.db = o->cache_path ? strdup(o->cache_path) : whorl_cache_locate(path);
    if (op.db && whorl__cache_inside(op.db, path)) {
      free(op.db); /* the cache would be part of what it describes */
      op.db = NULL;
    }
    if (op.db) op_started = pthread_create(&optid, NULL, open_cache, &op) == 0;
    if (op.db && !op_started) open_cache(&op);
  }
  int rc = whorl__walk(path, o->threads, &wr, o->on_issue, o->cb_ctx);
  if (op_started) pthread_join(optid, NULL);
  whorl_cache *cache = op.conns[0];
  char *db = op.db;
  if (rc || wr.fatal) {
    close_conns(&op);
    free(db);
    if (!rc) {
      if (err) *err = wr.first;
      rc = wr.first.code;
    } else {
      whorl__error(err, rc, path, -1, "out of memory");
    }
    whorl__walk_free(&wr);
    return rc;
  }
  /* Entries left out by the caller (a model folder's files in its id):
   * top-level names, dropped whatever their type. */
  unsigned char *hit = o->nexclude ? calloc(o->nexclude, 1) : NULL;
  if (nexcept || o->nexclude) {
    size_t k = 0;
    for (size_t i = 0; i < wr.n; i++) {
      walk_entry *e = &wr.entries[i];
      int drop = 0;
      for (size_t x = 0; x < nexcept && !drop; x++) drop = strlen(except[x]) == e->rel_len && !memcmp(except[x], e->rel, e->rel_len);
      int below = 0; /* inside an excluded folder: gone with it, no parent left behind */
      for (size_t x = 0; x < o->nexclude && !drop; x++) {
        size_t xl = strlen(o->exclude[x]);
        if (xl <= e->rel_len && !memcmp(o->exclude[x], e->rel, xl) && (xl == e->rel_len || e->rel[xl] == '/')) {
          drop = 1;
          below = xl < e->rel_len;
          if (hit) hit[x] = 1;
        }
      }
      if (drop && below) {
        free(e->rel);
        free(e->target);
      } else if (drop) {
        /* a folder this leaves without entries is an empty folder, as if
         * the entry had never been there: remember its parent */
        char *slash = memrchr(e->rel, '/', e->rel_len);
        if (slash) {
          *slash = 0;
          e->rel_len = (size_t)(slash - e->rel);
          free(e->target);
          e->target = NULL;
          e->type = WALK_DIR;
          wr.entries[k++] = *e; /* a candidate, kept below only if nothing else is inside */
        } else {
          free(e->rel);
          free(e->target);
        }
      } else {
        wr.entries[k++] = *e;
      }
    }
    wr.n = k;
    /* candidates (and real entries) are kept when no other entry lies
     * inside them, or when they are real; duplicates go */
    qsort(wr.entries, wr.n, sizeof *wr.entries, entry_cmp);
    k = 0;
    for (size_t i = 0; i < wr.n; i++) {
      walk_entry *e = &wr.entries[i];
      int cand = e->type == WALK_DIR && !S_ISDIR(e->st.st_mode); /* a dropped entry's parent */
      int dup = k && wr.entries[k - 1].rel_len == e->rel_len && !memcmp(wr.entries[k - 1].rel, e->rel, e->rel_len);
      int inside = i + 1 < wr.n && wr.entries[i + 1].rel_len > e->rel_len && !memcmp(wr.entries[i + 1].rel, e->rel, e->rel_len) &&
                   wr.entries[i + 1].rel[e->rel_len] == '/';
      int gone = 0; /* a dropped entry's parent that is itself left out (a pipeline's component folder) */
      for (size_t x = 0; x < nexcept && cand && !gone; x++) gone = strlen(except[x]) == e->rel_len && !memcmp(except[x], e->rel, e->rel_len);
      if (dup || (cand && (inside || gone))) {
        free(e->rel);
        free(e->target);
        continue;
      }
      wr.entries[k++] = *e;
    }
    wr.n = k; /* still sorted: removing entries keeps the order */
  } else if (wr.n) {
    qsort(wr.entries, wr.n, sizeof *wr.entries, entry_cmp);
  }

  job *jobs = calloc(wr.n ? wr.n : 1, sizeof *jobs);
  size_t *job_of = calloc(wr.n ? wr.n : 1, sizeof *job_of);
  if (!jobs || !job_of) {
    free(jobs);
    free(job_of);
    close_conns(&op);
    free(db);
    whorl__walk_free(&wr);
    return whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
  }
  size_t njobs = 0;
  uint64_t total = 0;
  for (size_t i = 0; i < wr.n; i++)
    if (wr.entries[i].type == WALK_FILE) {
      job_of[i] = njobs;
      jobs[njobs++].e = &wr.entries[i];
      total += (uint64_t)wr.entries[i].st.st_size;
    }

  pool p;
  memset(&p, 0, sizeof p);
  p.root = path;
  p.rootfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (p.rootfd < 0) {
    int e = errno;
    free(jobs);
    free(job_of);
    close_conns(&op);
    free(db);
    whorl__walk_free(&wr);
    return whorl__error_errno(err, e, path, "open folder");
  }
  p.o = o;
  p.jobs = jobs;
  p.njobs = njobs;
  p.bytes_total = total;
  p.want = WHORL_DIGEST_BLAKE3 | (o->digests & WHORL_DIGEST_ALL);
  p.wr = &wr;
  pthread_mutex_init(&p.mu, NULL);

  /* Stat cache: files whose (dev, ino, size, mtime, ctime) are known are not
   * read again. The connection opened above repairs a damaged database
   * before the workers open theirs, and stores the new digests at the end. */
  if (cache) p.conns = op.conns;

  /* Big files first, each with every core; then one parallel pass. */
  for (size_t i = 0; i < njobs; i++)
    if (jobs[i].e->st.st_size >= (off_t)BIG_FILE && !from_cache(&p, cache, &jobs[i])) {
      hash_one(&p, &jobs[i], o->threads, NULL);
      progress(&p);
    }
  int quick = o->level == WHORL_LEVEL_QUICK;
  p.ids = calloc(wr.n ? wr.n : 1, sizeof *p.ids);
  p.leaves = malloc((wr.n ? wr.n : 1) * sizeof *p.leaves);
  p.nentries = wr.n;
  if (!p.ids || !p.leaves) {
    rc = WHORL_ENOMEM;
  } else {
    leafjob mine = {&p, job_of, 1}, others = {&p, job_of, 0};
    size_t blocks = (wr.n + 63) / 64;
    whorl__parallel(blocks < (size_t)o->threads ? (int)blocks : o->threads, pass_worker, &others, &mine);
  }
  progress(&p);
  if (p.fatal) {
    if (err) *err = p.first;
    rc = p.first.code;
  }
  if (!rc && atomic_load(&p.leaf_oom)) rc = WHORL_ENOMEM;
  if (cache && !rc) {
    for (size_t i = 0; i < njobs; i++) {
      if (jobs[i].cached || !jobs[i].done || jobs[i].rc) continue;
      whorl_cache_key key;
      key_of(&jobs[i].e->st, &key);
      whorl_cache_entry ce;
      memset(&ce, 0, sizeof ce);
      ce.digests = jobs[i].c.digests;
      memcpy(ce.blake3, jobs[i].c.blake3, 32);
      memcpy(ce.sha256, jobs[i].c.sha256, 32);
      memcpy(ce.md5, jobs[i].c.md5, 16);
      whorl_cache_put(cache, &key, &ce, t0);
    }
  }
  close_conns(&op);
  free(db);
  if (o->stats) {
    for (size_t i = 0; i < njobs; i++) o->stats->cache_hits += (uint64_t)jobs[i].cached;
    o->stats->files += njobs;
    o->stats->bytes_read += atomic_load(&p.bytes_done);
  }

  whorl_json *doc = NULL;
  if (!rc) {
    doc = whorl_json_object();
    whorl_json *entries = whorl_json_array(), *skipped = whorl_json_array();
    size_t nleaves = 0, nfiles = 0;
    uint64_t bytes = 0;
    if (!doc || !entries || !skipped) rc = WHORL_ENOMEM;
    for (size_t i = 0; !rc && i < wr.n; i++) {
      walk_entry *e = &wr.entries[i];
      if (e->type == WALK_SKIPPED) {
        whorl_json *s = whorl_json_object();
        whorl__json_set_bytes(s, "path", e->rel, e->rel_len);
        whorl_json_object_set(s, "type", whorl_json_string(e->skip_reason));
        whorl_json_array_append(skipped, s);
        continue;
      }
      if (e->type == WALK_FILE) {
        nfiles++;
        bytes += (uint64_t)e->st.st_size;
      }
      /* Leaves stay in entry order: skipped entries leave no leaf. */
      memmove(p.leaves[nleaves++], p.leaves[i], 32);
      if (o->entries) whorl_json_array_append(entries, p.ids[i]);
      p.ids[i] = NULL;
    }
    if (!rc) {
      uint8_t root[32];
      whorl__merkle_root((const uint8_t(*)[32])p.leaves, nleaves, root);
      whorl_json_object_set(doc, "whorl", whorl_json_int(WHORL_FORMAT_VERSION));
      whorl_json_object_set(doc, "kind", whorl_json_string("folder"));
      whorl_json_object_set(doc, "level", whorl_json_string(whorl_level_name(o->level)));
      whorl_json_object_set(doc, "rules", whorl_json_string(quick ? WHORL_RULES_FOLDER_QUICK : WHORL_RULES_FOLDER_CONTENT));
      whorl__json_set_hex(doc, "id", root, 32);
      char *rp = realpath(path, NULL);
      if (rp) {
        char *b = basename(rp);
        whorl__json_set_bytes(doc, "name", b, strlen(b));
        free(rp);
      }
      whorl_json_object_set(doc, "size", whorl_json_int((int64_t)bytes));
      whorl_json_object_set(doc, "files", whorl_json_int((int64_t)nfiles));
      if (!quick && (o->digests & (WHORL_DIGEST_SHA256 | WHORL_DIGEST_MD5))) {
        whorl_json *dg = whorl_json_array();
        whorl_json_array_append(dg, whorl_json_string("blake3"));
        if (o->digests & WHORL_DIGEST_SHA256) whorl_json_array_append(dg, whorl_json_string("sha256"));
        if (o->digests & WHORL_DIGEST_MD5) whorl_json_array_append(dg, whorl_json_string("md5"));
        whorl_json_object_set(doc, "digests", dg);
      }
      if (o->entries) {
        whorl_json_object_set(doc, "entries", entries);
        entries = NULL;
      }
      whorl_json_object_set(doc, "skipped", skipped);
      skipped = NULL;
      whorl_json *exl = NULL;
      for (size_t x = 0; hit && x < o->nexclude; x++)
        if (hit[x]) {
          if (!exl) exl = whorl_json_array();
          if (whorl__utf8_valid(o->exclude[x], strlen(o->exclude[x]))) whorl_json_array_append(exl, whorl_json_string(o->exclude[x]));
        }
      if (exl) whorl_json_object_set(doc, "excluded", exl);
    }
    whorl_json_free(entries);
    whorl_json_free(skipped);
    if (rc) {
      whorl_json_free(doc);
      doc = NULL;
      whorl__error(err, rc, path, -1, "out of memory");
    }
  }
  /* Pickle-bearing files among the entries (a pickled model or DataFrame,
   * a torch.save archive in a data folder): what loading them would run.
   * Not for a model folder's extras (o->model 0: its reader scans them). */
  if (!rc && doc && !quick && o->model != 0) {
    whorl_json *un = whorl_json_array();
    char *root_real = NULL;
    for (size_t i = 0; !rc && i < wr.n; i++) {
      walk_entry *e = &wr.entries[i];
      if ((e->type != WALK_FILE && e->type != WALK_SYMLINK) || !whorl__pickle_name(e->rel, e->rel_len)) continue;
      char full[8192];
      snprintf(full, sizeof full, "%s/%s", path, e->rel);
      uint64_t size = (uint64_t)e->st.st_size;
      int fd;
      if (e->type == WALK_SYMLINK) {
        /* a link named as a pickle: loading it loads its target. A target
         * inside the folder is scanned as its own entry; one outside is
         * scanned here (the folder's id records only where it points) */
        if (!root_real && !(root_real = realpath(path, NULL))) continue;
        char *t = realpath(full, NULL);
        size_t rl = strlen(root_real);
        int inside = t && !strncmp(t, root_real, rl) && (t[rl] == '/' || t[rl] == 0 || (rl == 1 && root_real[0] == '/'));
        free(t);
        if (!t || inside) continue; /* dangling, or scanned as itself */
        fd = open(full, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        struct stat ts;
        if (fd >= 0 && (fstat(fd, &ts) || !S_ISREG(ts.st_mode))) {
          close(fd);
          fd = -1;
        }
        if (fd < 0) continue;
        size = (uint64_t)ts.st_size;
      } else {
        fd = whorl__open_beneath(p.rootfd, e->rel, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0) continue; /* gone since it was hashed: the next run sees it */
      }
      rc = whorl__pickle_findings(full, fd, size, e->rel, un, err);
      close(fd);
    }
    free(root_real);
    if (!rc && whorl_json_size(un)) whorl_json_object_set(doc, "unsafe", un);
    else whorl_json_free(un);
    if (rc) {
      whorl_json_free(doc);
      doc = NULL;
    }
  }
  /* Entry objects not moved into the document (on errors) are freed here. */
  if (p.ids)
    for (size_t i = 0; i < wr.n; i++) whorl_json_free(p.ids[i]);
  free(p.ids);
  free(p.leaves);
  close(p.rootfd);
  free(jobs);
  free(job_of);
  pthread_mutex_destroy(&p.mu);
  whorl__walk_free(&wr);
  free(hit);
  *out = doc;
  return rc;
}
