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
  int done, rc;
} job;

typedef struct pool {
  const char *root;
  const whorl_fp_options *o;
  job *jobs;
  size_t njobs;
  atomic_size_t next;
  atomic_ullong bytes_done;
  uint64_t bytes_total;
  uint64_t last_progress;
  pthread_mutex_t mu; /* guards issue reporting */
  int fatal;
  whorl_error first;
} pool;

static void report(pool *p, const whorl_error *e) {
  pthread_mutex_lock(&p->mu);
  if (!p->fatal++) p->first = *e;
  if (p->o->on_issue) p->o->on_issue(p->o->cb_ctx, e, 1);
  pthread_mutex_unlock(&p->mu);
}

static void hash_one(pool *p, job *j, int threads, whorl_content_scratch *scratch) {
  char full[PATH_MAX * 2];
  snprintf(full, sizeof full, "%s/%s", p->root, j->e->rel);
  whorl_error err;
  whorl_error_clear(&err);
  int fd = open(full, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    if (e == ENOENT) whorl__error(&err, WHORL_ECHANGED, full, -1, "vanished during the walk");
    else if (e == ELOOP) whorl__error(&err, WHORL_ECHANGED, full, -1, "changed during the walk (now a symlink)");
    else whorl__error_errno(&err, e, full, "open");
    j->rc = err.code;
    report(p, &err);
    return;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_ino != j->e->st.st_ino ||
      st.st_size != j->e->st.st_size || st.st_mtim.tv_sec != j->e->st.st_mtim.tv_sec ||
      st.st_mtim.tv_nsec != j->e->st.st_mtim.tv_nsec) {
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
  j->done = 1;
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

static void *worker(void *arg) {
  pool *p = arg;
  whorl_content_scratch scratch = {NULL};
  for (;;) {
    size_t i = atomic_fetch_add(&p->next, 1);
    if (i >= p->njobs) break;
    if (p->jobs[i].e->st.st_size >= (off_t)BIG_FILE) continue; /* done up front */
    hash_one(p, &p->jobs[i], 1, &scratch);
  }
  whorl__content_scratch_free(&scratch);
  return NULL;
}

static int entry_cmp(const void *a, const void *b) {
  const walk_entry *x = a, *y = b;
  return whorl__path_cmp(x->rel, x->rel_len, y->rel, y->rel_len);
}

static int fp_folder(const char *path, const whorl_fp_options *o, whorl_json **out, whorl_error *err);

static int64_t realtime_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The members of an entry that define it (hashed into the Merkle leaf). */
static whorl_json *entry_identity(const walk_entry *e, const uint8_t *digest, int quick) {
  whorl_json *o = whorl_json_object();
  if (!o) return NULL;
  whorl__json_set_bytes(o, "path", e->rel, e->rel_len);
  switch (e->type) {
  case WALK_FILE:
    whorl_json_object_set(o, "type", whorl_json_string("file"));
    whorl_json_object_set(o, "size", whorl_json_int((int64_t)e->st.st_size));
    whorl__json_set_hex(o, quick ? "quick" : "blake3", digest, 32);
    break;
  case WALK_SYMLINK:
    whorl_json_object_set(o, "type", whorl_json_string("symlink"));
    whorl__json_set_bytes(o, "target", e->target, e->target_len);
    break;
  case WALK_DIR: whorl_json_object_set(o, "type", whorl_json_string("dir")); break;
  case WALK_SKIPPED: break;
  }
  return o;
}

int whorl__fp_folder(const char *path_in, const whorl_fp_options *o, whorl_json **out, whorl_error *err) {
  /* "data/" and "data" name the same folder; messages say "data/x". */
  char *path = strdup(path_in);
  if (!path) return whorl__error(err, WHORL_ENOMEM, path_in, -1, "out of memory");
  for (size_t n = strlen(path); n > 1 && path[n - 1] == '/'; n--) path[n - 1] = 0;
  int rc = fp_folder(path, o, out, err);
  free(path);
  return rc;
}

static int fp_folder(const char *path, const whorl_fp_options *o, whorl_json **out, whorl_error *err) {
  walk_result wr;
  /* Clock read before anything is read: a file written after this moment
   * has an mtime/ctime at or after it and is never cached (racy entry). */
  int64_t t0 = realtime_ns();
  int rc = whorl__walk(path, &wr, o->on_issue, o->cb_ctx);
  if (rc) {
    whorl__walk_free(&wr);
    return whorl__error(err, rc, path, -1, "out of memory");
  }
  if (wr.fatal) {
    if (err) *err = wr.first;
    rc = wr.first.code;
    whorl__walk_free(&wr);
    return rc;
  }
  qsort(wr.entries, wr.n, sizeof *wr.entries, entry_cmp);

  job *jobs = calloc(wr.n ? wr.n : 1, sizeof *jobs);
  if (!jobs) {
    whorl__walk_free(&wr);
    return whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
  }
  size_t njobs = 0;
  uint64_t total = 0;
  for (size_t i = 0; i < wr.n; i++)
    if (wr.entries[i].type == WALK_FILE) {
      jobs[njobs++].e = &wr.entries[i];
      total += (uint64_t)wr.entries[i].st.st_size;
    }

  /* Stat cache: files whose (dev, ino, size, mtime, ctime) are known are not
   * read again. */
  whorl_cache *cache = NULL;
  unsigned want = WHORL_DIGEST_BLAKE3 | (o->digests & WHORL_DIGEST_ALL);
  if (o->use_cache && o->level == WHORL_LEVEL_CONTENT) {
    char *db = o->cache_path ? strdup(o->cache_path) : whorl_cache_locate(path);
    if (db) whorl_cache_open(db, WHORL_CACHE_RULES, &cache, NULL);
    free(db);
  }
  pool p;
  memset(&p, 0, sizeof p);
  p.root = path;
  p.o = o;
  p.bytes_total = total;
  pthread_mutex_init(&p.mu, NULL);
  job *pending = calloc(njobs ? njobs : 1, sizeof *pending);
  size_t npending = 0;
  if (!pending) rc = WHORL_ENOMEM;
  for (size_t i = 0; !rc && i < njobs; i++) {
    if (cache) {
      whorl_cache_key k = {(uint64_t)jobs[i].e->st.st_dev, (uint64_t)jobs[i].e->st.st_ino,
                           (uint64_t)jobs[i].e->st.st_size,
                           (int64_t)jobs[i].e->st.st_mtim.tv_sec * 1000000000 + jobs[i].e->st.st_mtim.tv_nsec,
                           (int64_t)jobs[i].e->st.st_ctim.tv_sec * 1000000000 + jobs[i].e->st.st_ctim.tv_nsec};
      whorl_cache_entry ce;
      memset(&ce, 0, sizeof ce);
      if (whorl_cache_get(cache, &k, want, 0, &ce) == 1) {
        free(ce.extra);
        jobs[i].done = 1;
        jobs[i].c.size = k.size;
        jobs[i].c.digests = want;
        memcpy(jobs[i].c.blake3, ce.blake3, 32);
        memcpy(jobs[i].c.sha256, ce.sha256, 32);
        memcpy(jobs[i].c.md5, ce.md5, 16);
        continue;
      }
    }
    pending[npending++] = jobs[i];
  }

  if (!rc) {
    p.jobs = pending;
    p.njobs = npending;
    /* Big files first, each with every core; then small ones in parallel. */
    for (size_t i = 0; i < npending; i++)
      if (pending[i].e->st.st_size >= (off_t)BIG_FILE) {
        hash_one(&p, &pending[i], o->threads, NULL);
        progress(&p);
      }
    pthread_t tids[64];
    int started = 0;
    for (int t = 1; t < o->threads && (size_t)t < npending; t++)
      if (pthread_create(&tids[started], NULL, worker, &p) == 0) started++;
    whorl_content_scratch scratch = {NULL};
    for (;;) {
      size_t i = atomic_fetch_add(&p.next, 1);
      if (i >= p.njobs) break;
      if (p.jobs[i].e->st.st_size >= (off_t)BIG_FILE) continue;
      hash_one(&p, &p.jobs[i], 1, &scratch);
      progress(&p);
    }
    whorl__content_scratch_free(&scratch);
    for (int t = 0; t < started; t++) pthread_join(tids[t], NULL);
    /* Results back into path order; remember them in the cache. */
    size_t k = 0;
    for (size_t i = 0; i < njobs; i++) {
      if (jobs[i].done) continue;
      jobs[i] = pending[k++];
      if (cache && jobs[i].done && !jobs[i].rc) {
        const struct stat *st = &jobs[i].e->st;
        whorl_cache_key key = {(uint64_t)st->st_dev, (uint64_t)st->st_ino, (uint64_t)st->st_size,
                               (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec,
                               (int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec};
        whorl_cache_entry ce;
        memset(&ce, 0, sizeof ce);
        ce.digests = jobs[i].c.digests;
        memcpy(ce.blake3, jobs[i].c.blake3, 32);
        memcpy(ce.sha256, jobs[i].c.sha256, 32);
        memcpy(ce.md5, jobs[i].c.md5, 16);
        whorl_cache_put(cache, &key, &ce, t0);
      }
    }
    if (o->stats) {
      o->stats->files += njobs;
      o->stats->cache_hits += njobs - npending;
      o->stats->bytes_read += atomic_load(&p.bytes_done);
    }
    if (p.fatal) {
      if (err) *err = p.first;
      rc = p.first.code;
    }
  }
  whorl_cache_close(cache);
  free(pending);

  whorl_json *doc = NULL;
  if (!rc) {
    int quick = o->level == WHORL_LEVEL_QUICK;
    doc = whorl_json_object();
    whorl_json *entries = whorl_json_array(), *skipped = whorl_json_array();
    uint8_t (*leaves)[32] = malloc((wr.n ? wr.n : 1) * sizeof *leaves);
    size_t nleaves = 0, ji = 0, nfiles = 0;
    uint64_t bytes = 0;
    if (!doc || !entries || !skipped || !leaves) rc = WHORL_ENOMEM;
    for (size_t i = 0; !rc && i < wr.n; i++) {
      walk_entry *e = &wr.entries[i];
      if (e->type == WALK_SKIPPED) {
        whorl_json *s = whorl_json_object();
        whorl__json_set_bytes(s, "path", e->rel, e->rel_len);
        whorl_json_object_set(s, "type", whorl_json_string(e->skip_reason));
        whorl_json_array_append(skipped, s);
        continue;
      }
      const uint8_t *digest = NULL;
      job *j = NULL;
      if (e->type == WALK_FILE) {
        j = &jobs[ji++];
        digest = quick ? j->q.hash : j->c.blake3;
        nfiles++;
        bytes += (uint64_t)e->st.st_size;
      }
      whorl_json *id = entry_identity(e, digest, quick);
      char *canon = NULL;
      size_t clen = 0;
      if (!id || whorl_json_canonical(id, &canon, &clen)) {
        whorl_json_free(id);
        rc = WHORL_ENOMEM;
        break;
      }
      whorl__merkle_leaf(canon, clen, leaves[nleaves++]);
      free(canon);
      if (j && !quick && (j->c.digests & WHORL_DIGEST_SHA256)) whorl__json_set_hex(id, "sha256", j->c.sha256, 32);
      if (j && !quick && (j->c.digests & WHORL_DIGEST_MD5)) whorl__json_set_hex(id, "md5", j->c.md5, 16);
      whorl_json_array_append(entries, id);
    }
    if (!rc) {
      uint8_t root[32];
      whorl__merkle_root((const uint8_t(*)[32])leaves, nleaves, root);
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
      whorl_json_object_set(doc, "entries", entries);
      entries = NULL;
      whorl_json_object_set(doc, "skipped", skipped);
      skipped = NULL;
    }
    whorl_json_free(entries);
    whorl_json_free(skipped);
    free(leaves);
    if (rc) {
      whorl_json_free(doc);
      doc = NULL;
      whorl__error(err, rc, path, -1, "out of memory");
    }
  }
  free(jobs);
  pthread_mutex_destroy(&p.mu);
  whorl__walk_free(&wr);
  *out = doc;
  return rc;
}
