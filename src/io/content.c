/* content.c - the content engine: every byte of a file read once with
 * pread() into large buffers, feeding BLAKE3, the optional SHA-256/MD5, the
 * chunk candidate scan and the per-chunk XXH3.
 *
 * A file is cut into 4 MiB blocks. Workers (the calling thread plus
 * threads-1 helpers) claim blocks in order, read them and compute, per
 * block, the BLAKE3 subtree chaining value and the chunk-cut candidates:
 * the expensive, parallel part. A block is then "committed" strictly in
 * file order by whichever worker is free: cut selection, XXH3 per chunk
 * and the BLAKE3 CV stack - cheap, sequential work; SHA-256 and MD5, when
 * asked for, are sequential lanes of their own that run beside it. A ring
 * of a few block buffers (threads + 1 + lanes) bounds memory, about 16 MiB
 * for two threads, whatever the file size. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "blake3.h"
#include "hash/hash_int.h"
#include "io/io.h"
#include "util/util.h"

#define BLOCK (4u << 20)
#define PRE 64 /* bytes kept before each block for the cut test (>= WHORL_CDC_WINDOW) */

typedef struct slot {
  int state; /* 0 free, 1 claimed, 2 processed */
  uint64_t idx, off;
  size_t len;
  uint8_t *buf;  /* PRE + BLOCK bytes */
  uint8_t cv[32];
  uint64_t *cands;
  size_t ncands, capc;
} slot;

typedef struct engine {
  int fd;
  const char *path;
  uint64_t size, nblocks;
  const whorl_content_opts *o;
  int tree; /* BLAKE3 via subtree CVs (else streaming in commit) */

  pthread_mutex_t mu;
  pthread_cond_t cv;
  uint64_t next_claim;
  int failed;
  whorl_error err;
  size_t ring;
  slot *slots;

  /* Sequential lanes: each takes every block in file order, one thread at a
   * time, while other threads read ahead or run other lanes. Lane 0 is the
   * commit (cuts, chunk hashes, BLAKE3 CV stack); SHA-256 and MD5, when
   * asked for, get a lane each, so the two run side by side. */
  int nlanes;
  uint64_t lane_next[3];
  int lane_busy[3];
  whorl_hasher *lane_hasher[3]; /* [0]: BLAKE3 when !tree; [1], [2]: SHA-256, MD5 */

  /* commit state (lane 0 only) */
  whorl_b3_stack stack;
  XXH3_state_t *xxh;
  uint64_t last_cut;
  whorl_chunk *chunks;
  size_t nchunks, capchunks;
  uint8_t head[4096];
  size_t headlen;
  uint8_t tail[16];
  size_t taillen;
  uint64_t last_progress_ns;
} engine;

static void fail(engine *e, int code, const char *fmt, const char *detail, int64_t off) {
  pthread_mutex_lock(&e->mu);
  if (!e->failed) {
    e->failed = 1;
    whorl__error(&e->err, code, e->path, off, fmt, detail);
  }
  pthread_cond_broadcast(&e->cv);
  pthread_mutex_unlock(&e->mu);
}

static int add_chunk(engine *e, uint64_t end) {
  if (e->nchunks == e->capchunks) {
    size_t nc = e->capchunks ? e->capchunks * 2 : 16;
    whorl_chunk *p = realloc(e->chunks, nc * sizeof *p);
    if (!p) return -1;
    e->chunks = p;
    e->capchunks = nc;
  }
  whorl_chunk *c = &e->chunks[e->nchunks++];
  c->offset = e->last_cut;
  c->size = end - e->last_cut;
  c->hash = XXH3_64bits_digest(e->xxh);
  XXH3_64bits_reset(e->xxh);
  e->last_cut = end;
  return 0;
}

/* Sequential part for one block, in file order. */
static int commit(engine *e, slot *s) {
  const uint8_t *d = s->buf + PRE;
  if (s->idx == 0) {
    e->headlen = s->len < sizeof e->head ? s->len : sizeof e->head;
    memcpy(e->head, d, e->headlen);
  }
  if (s->idx + 2 >= e->nblocks) {
    /* The last 16 bytes of the file may span the last two blocks. */
    size_t t = s->len < sizeof e->tail ? s->len : sizeof e->tail;
    size_t keep = e->taillen + t > sizeof e->tail ? sizeof e->tail - t : e->taillen;
    memmove(e->tail, e->tail + e->taillen - keep, keep);
    memcpy(e->tail + keep, d + s->len - t, t);
    e->taillen = keep + t;
  }
  if (e->lane_hasher[0]) whorl_hasher_update(e->lane_hasher[0], d, s->len);
  if (e->tree) whorl__b3_stack_push(&e->stack, s->cv, s->idx + 1 < e->nblocks);
  if (e->o->want_chunks) {
    uint64_t end = s->off + s->len;
    uint64_t pos = s->off; /* bytes before pos are already in e->xxh */
    size_t ci = 0;
    for (;;) {
      /* next cut inside (pos, end] */
      uint64_t cut = 0;
      while (ci < s->ncands && s->cands[ci] < e->last_cut + WHORL_CDC_MIN) ci++;
      if (ci < s->ncands && s->cands[ci] <= e->last_cut + WHORL_CDC_MAX) cut = s->cands[ci];
      else if (e->last_cut + WHORL_CDC_MAX <= end) cut = e->last_cut + WHORL_CDC_MAX;
      if (!cut) break;
      XXH3_64bits_update(e->xxh, d + (pos - s->off), (size_t)(cut - pos));
      pos = cut;
      if (add_chunk(e, cut)) return -1;
    }
    XXH3_64bits_update(e->xxh, d + (pos - s->off), (size_t)(end - pos));
    if (end == e->size && e->last_cut < end && add_chunk(e, end)) return -1;
  }
  if (e->o->on_progress) {
    uint64_t now = whorl__now_ns();
    if (now - e->last_progress_ns > 100000000u || s->idx + 1 == e->nblocks) {
      e->last_progress_ns = now;
      e->o->on_progress(e->o->cb_ctx, s->off + s->len, e->size);
    }
  }
  return 0;
}

/* Parallel part for one block. */
static int process(engine *e, slot *s) {
  if (!s->buf) {
    s->buf = malloc(PRE + BLOCK);
    if (!s->buf) return WHORL_ENOMEM;
  }
  uint64_t pre = s->off >= PRE ? PRE : 0;
  long long got = whorl__pread_full(e->fd, s->buf + PRE - pre, s->len + pre, s->off - pre);
  if (got < 0) return -errno - 1000;
  if ((uint64_t)got != s->len + pre) return WHORL_ECHANGED;
  const uint8_t *d = s->buf + PRE;
  if (e->tree) whorl__b3_subtree_cv(d, s->len, s->off / 1024, s->cv);
  s->ncands = 0;
  if (e->o->want_chunks) {
    uint64_t lo = s->off + 1, hi = s->off + s->len;
    if (whorl__cdc_candidates(d, s->off, lo, hi, &s->cands, &s->ncands, &s->capc)) return WHORL_ENOMEM;
  }
  return 0;
}

static uint64_t lanes_min(const engine *e) {
  uint64_t m = e->lane_next[0];
  for (int l = 1; l < e->nlanes; l++)
    if (e->lane_next[l] < m) m = e->lane_next[l];
  return m;
}

static int run_lane(engine *e, int lane, slot *s) {
  if (lane == 0) return commit(e, s);
  whorl_hasher_update(e->lane_hasher[lane], s->buf + PRE, s->len);
  return 0;
}

/* Every thread runs this loop: first any lane whose next block is ready,
 * else read and process a new block if the ring has room, else wait. */
static void *worker(void *arg) {
  engine *e = arg;
  pthread_mutex_lock(&e->mu);
  while (!e->failed) {
    int lane = -1;
    slot *s = NULL;
    for (int l = 0; l < e->nlanes && lane < 0; l++) {
      if (e->lane_busy[l] || e->lane_next[l] >= e->nblocks) continue;
      slot *c = &e->slots[e->lane_next[l] % e->ring];
      if (c->state == 2 && c->idx == e->lane_next[l]) lane = l, s = c;
    }
    if (lane >= 0) {
      e->lane_busy[lane] = 1;
      pthread_mutex_unlock(&e->mu);
      int rc = run_lane(e, lane, s);
      pthread_mutex_lock(&e->mu);
      e->lane_busy[lane] = 0;
      e->lane_next[lane]++;
      if (rc && !e->failed) {
        e->failed = 1;
        whorl__error(&e->err, WHORL_ENOMEM, e->path, -1, "out of memory");
      }
      if (lanes_min(e) > s->idx) s->state = 0; /* every lane is past it */
      pthread_cond_broadcast(&e->cv);
      continue;
    }
    if (lanes_min(e) >= e->nblocks) break; /* all done */
    if (e->next_claim < e->nblocks && e->next_claim < lanes_min(e) + e->ring) {
      uint64_t idx = e->next_claim++;
      s = &e->slots[idx % e->ring];
      s->state = 1;
      s->idx = idx;
      s->off = idx * (uint64_t)BLOCK;
      s->len = (size_t)(e->size - s->off < BLOCK ? e->size - s->off : BLOCK);
      pthread_mutex_unlock(&e->mu);
      int rc = process(e, s);
      if (rc) {
        if (rc == WHORL_ENOMEM) fail(e, WHORL_ENOMEM, "%s", "out of memory", -1);
        else if (rc == WHORL_ECHANGED)
          fail(e, WHORL_ECHANGED, "%s", "file shrank while being read", (int64_t)s->off);
        else
          fail(e, whorl__status_from_errno(-(rc + 1000)), "cannot read: %s", whorl__errno_text(-(rc + 1000)),
               (int64_t)s->off);
        pthread_mutex_lock(&e->mu);
        break;
      }
      pthread_mutex_lock(&e->mu);
      s->state = 2;
      pthread_cond_broadcast(&e->cv);
      continue;
    }
    pthread_cond_wait(&e->cv, &e->mu);
  }
  pthread_cond_broadcast(&e->cv);
  pthread_mutex_unlock(&e->mu);
  return NULL;
}

static int changed(const struct stat *a, const struct stat *b) {
  return a->st_size != b->st_size || a->st_mtim.tv_sec != b->st_mtim.tv_sec ||
         a->st_mtim.tv_nsec != b->st_mtim.tv_nsec || a->st_ino != b->st_ino;
}

void whorl__content_scratch_free(whorl_content_scratch *s) {
  if (!s) return;
  free(s->buf);
  s->buf = NULL;
}

int whorl__content_fd(int fd, const char *path, const struct stat *st, const whorl_content_opts *o,
                      whorl_content *out, whorl_error *err) {
  memset(out, 0, sizeof *out);
  if (whorl__pseudo_fs(fd))
    return whorl__error(err, WHORL_EUNSUPPORTED, path, -1,
                        "is on a kernel pseudo file system (/proc, /sys, ...): not read");
  engine e;
  memset(&e, 0, sizeof e);
  e.fd = fd;
  e.path = path;
  e.o = o;
  e.size = (uint64_t)st->st_size;
  e.nblocks = (e.size + BLOCK - 1) / BLOCK;
  /* Single-block files get the root hash from the streaming hasher. */
  e.tree = whorl__b3_tree_available() && e.nblocks >= 2;
  whorl_error_clear(&e.err);
  int rc = WHORL_OK;
  e.nlanes = 1;
  int hok = e.tree || whorl_hasher_new(WHORL_DIGEST_BLAKE3, &e.lane_hasher[0]) == WHORL_OK;
  if (hok && (o->digests & WHORL_DIGEST_SHA256))
    hok = whorl_hasher_new(WHORL_DIGEST_SHA256, &e.lane_hasher[e.nlanes++]) == WHORL_OK;
  if (hok && (o->digests & WHORL_DIGEST_MD5))
    hok = whorl_hasher_new(WHORL_DIGEST_MD5, &e.lane_hasher[e.nlanes++]) == WHORL_OK;
  if (hok && o->want_chunks) {
    e.xxh = XXH3_createState();
    if (e.xxh) XXH3_64bits_reset(e.xxh);
    else hok = 0;
  }
  if (!hok) {
    for (int l = 0; l < 3; l++) whorl_hasher_free(e.lane_hasher[l]);
    if (e.xxh) XXH3_freeState(e.xxh);
    return whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
  }
  whorl__b3_stack_init(&e.stack);
  int threads = o->threads < 1 ? 1 : o->threads;
  if ((uint64_t)threads > e.nblocks) threads = e.nblocks ? (int)e.nblocks : 1;
  /* One thread needs one buffer (claim, process, run the lanes, repeat). */
  e.ring = threads == 1 ? 1 : (size_t)threads + 1 + (size_t)e.nlanes;
  e.slots = calloc(e.ring, sizeof *e.slots);
  int borrowed = 0;
  if (e.slots && e.ring == 1 && o->scratch) {
    if (!o->scratch->buf) o->scratch->buf = malloc(PRE + BLOCK);
    if (o->scratch->buf) { /* else the slot allocates (and frees) its own */
      e.slots[0].buf = o->scratch->buf;
      borrowed = 1;
    }
  }
  pthread_mutex_init(&e.mu, NULL);
  pthread_cond_init(&e.cv, NULL);
  if (!e.slots) {
    rc = whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
    goto done;
  }
  whorl__parallel(threads, worker, &e, &e);
  if (e.failed) {
    if (err) *err = e.err;
    rc = e.err.code;
    goto done;
  }
  /* Detect growth, truncation or rewrite during the read. */
  struct stat after;
  if (fstat(fd, &after) != 0) {
    rc = whorl__error_errno(err, errno, path, "stat");
    goto done;
  }
  if (changed(st, &after)) {
    rc = whorl__error(err, WHORL_ECHANGED, path, -1, "file changed while being read");
    goto done;
  }
  uint8_t probe;
  if (pread(fd, &probe, 1, (off_t)e.size) == 1) {
    if (e.size == 0)
      rc = whorl__error(err, WHORL_EUNSUPPORTED, path, -1,
                        "reports a size of 0 but has content (a /proc or /sys pseudo-file?): not supported");
    else
      rc = whorl__error(err, WHORL_ECHANGED, path, (int64_t)e.size, "file grew while being read");
    goto done;
  }
  out->size = e.size;
  out->digests = WHORL_DIGEST_BLAKE3 | (o->digests & WHORL_DIGEST_ALL);
  if (e.tree) whorl__b3_stack_finish(&e.stack, out->blake3);
  else if (e.nblocks == 0) whorl_blake3("", 0, out->blake3);
  else whorl_hasher_final(e.lane_hasher[0], WHORL_DIGEST_BLAKE3, out->blake3);
  for (int l = 1; l < e.nlanes; l++) {
    uint8_t md[WHORL_DIGEST_MAX_LEN];
    if (whorl_hasher_final(e.lane_hasher[l], WHORL_DIGEST_SHA256, md) == 32) memcpy(out->sha256, md, 32);
    else if (whorl_hasher_final(e.lane_hasher[l], WHORL_DIGEST_MD5, md) == 16) memcpy(out->md5, md, 16);
  }
  if (o->want_chunks) {
    out->chunks = e.chunks;
    out->nchunks = e.nchunks;
    e.chunks = NULL;
  }
  snprintf(out->format, sizeof out->format, "%s", whorl__sniff(e.head, e.headlen, e.tail, e.taillen, e.size));
done:
  if (e.slots)
    for (size_t i = 0; i < e.ring; i++) {
      if (!borrowed) free(e.slots[i].buf);
      free(e.slots[i].cands);
    }
  free(e.slots);
  free(e.chunks);
  if (e.xxh) XXH3_freeState(e.xxh);
  for (int l = 0; l < 3; l++) whorl_hasher_free(e.lane_hasher[l]);
  pthread_mutex_destroy(&e.mu);
  pthread_cond_destroy(&e.cv);
  return rc;
}
