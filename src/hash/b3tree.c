/* b3tree.c - BLAKE3 subtree chaining values and their combination.
 *
 * The BLAKE3 tree (spec section 2.1) splits input into 1024-byte chunks;
 * a parent node compresses the 64-byte concatenation of its children's
 * chaining values with the PARENT flag, and the root is the one node
 * compressed with the ROOT flag. The tree is left-balanced: a node over n
 * chunks has a left child over the largest power of two < n chunks. So any
 * aligned power-of-two run of chunks that is not the whole input is a node,
 * and whorl can hash 4 MiB blocks on different cores and merge them. */
#include <string.h>

#include "hash/hash_int.h"

#if WHORL_BLAKE3_TREE
#include "blake3_impl.h"

/* Also runs BLAKE3's CPU feature detection once, here, before callers
 * start threads: the library caches it in a plain variable, which threads
 * racing to fill it first would share (harmless, but a data race). */
int whorl__b3_tree_available(void) {
  uint32_t cv[8];
  uint8_t block[64] = {0};
  memcpy(cv, IV, sizeof cv);
  blake3_compress_in_place(cv, block, 64, 0, 0);
  return 1;
}

static void words_to_bytes(const uint32_t w[8], uint8_t out[32]) {
  for (int i = 0; i < 8; i++) {
    out[4 * i] = (uint8_t)w[i];
    out[4 * i + 1] = (uint8_t)(w[i] >> 8);
    out[4 * i + 2] = (uint8_t)(w[i] >> 16);
    out[4 * i + 3] = (uint8_t)(w[i] >> 24);
  }
}

static void parent_cv(const uint8_t l[32], const uint8_t r[32], uint8_t flags, uint8_t out[32]) {
  uint8_t block[64];
  uint32_t cv[8];
  memcpy(block, l, 32);
  memcpy(block + 32, r, 32);
  memcpy(cv, IV, sizeof cv);
  blake3_compress_in_place(cv, block, 64, 0, PARENT | flags);
  words_to_bytes(cv, out);
}

/* One chunk of 1..1024 bytes, non-root. */
static void chunk_cv(const uint8_t *data, size_t len, uint64_t counter, uint8_t out[32]) {
  uint32_t cv[8];
  memcpy(cv, IV, sizeof cv);
  size_t nblocks = (len + 63) / 64;
  for (size_t b = 0; b < nblocks; b++) {
    uint8_t block[64] = {0};
    size_t bl = len - b * 64 > 64 ? 64 : len - b * 64;
    memcpy(block, data + b * 64, bl);
    uint8_t flags = (uint8_t)((b == 0 ? CHUNK_START : 0) | (b + 1 == nblocks ? CHUNK_END : 0));
    blake3_compress_in_place(cv, block, (uint8_t)bl, counter, flags);
  }
  words_to_bytes(cv, out);
}

/* 2..64 full chunks, a power of two: hash them side by side, then reduce. */
#define WIDE_CHUNKS 64
static void wide_cv(const uint8_t *data, size_t nchunks, uint64_t counter, uint8_t out[32]) {
  const uint8_t *inputs[WIDE_CHUNKS] = {0};
  uint8_t cvs[WIDE_CHUNKS * 32];
  for (size_t i = 0; i < nchunks; i++) inputs[i] = data + i * BLAKE3_CHUNK_LEN;
  blake3_hash_many(inputs, nchunks, BLAKE3_CHUNK_LEN / BLAKE3_BLOCK_LEN, IV, counter, true, 0, CHUNK_START,
                   CHUNK_END, cvs);
  size_t n = nchunks;
  while (n > 1) {
    for (size_t i = 0; i < n / 2; i++) inputs[i] = cvs + 64 * i;
    /* Each parent reads 64 bytes of cvs and writes 32 at a lower index:
     * parent i writes [32i, 32i+32), which only overlaps inputs j < i that
     * hash_many has already consumed when processed in order; to stay safe
     * regardless of its internal batching, write into a separate buffer. */
    uint8_t next[WIDE_CHUNKS / 2 * 32];
    blake3_hash_many(inputs, n / 2, 1, IV, 0, false, PARENT, 0, 0, next);
    memcpy(cvs, next, (n / 2) * 32);
    n /= 2;
  }
  memcpy(out, cvs, 32);
}

static size_t left_len(size_t len) {
  /* Largest power-of-two number of chunks strictly less than the chunks in len. */
  size_t chunks = (len + BLAKE3_CHUNK_LEN - 1) / BLAKE3_CHUNK_LEN;
  size_t p = 1;
  while (p * 2 < chunks) p *= 2;
  return p * BLAKE3_CHUNK_LEN;
}

void whorl__b3_subtree_cv(const uint8_t *data, size_t len, uint64_t counter, uint8_t out[32]) {
  if (len <= BLAKE3_CHUNK_LEN) {
    chunk_cv(data, len, counter, out);
    return;
  }
  size_t chunks = len / BLAKE3_CHUNK_LEN;
  if (len % BLAKE3_CHUNK_LEN == 0 && chunks <= WIDE_CHUNKS && (chunks & (chunks - 1)) == 0) {
    wide_cv(data, chunks, counter, out);
    return;
  }
  size_t l = left_len(len);
  uint8_t lcv[32], rcv[32];
  whorl__b3_subtree_cv(data, l, counter, lcv);
  whorl__b3_subtree_cv(data + l, len - l, counter + l / BLAKE3_CHUNK_LEN, rcv);
  parent_cv(lcv, rcv, 0, out);
}

void whorl__b3_stack_init(whorl_b3_stack *s) {
  s->depth = 0;
  s->leaves = 0;
}

void whorl__b3_stack_push(whorl_b3_stack *s, const uint8_t cv[32], int more_follow) {
  memcpy(s->cv[s->depth++], cv, 32);
  s->leaves++;
  if (!more_follow) return;
  /* Complete subtrees are merged only while more input follows, so none of
   * them can be the root. */
  uint64_t t = s->leaves;
  while ((t & 1) == 0 && s->depth >= 2) {
    parent_cv(s->cv[s->depth - 2], s->cv[s->depth - 1], 0, s->cv[s->depth - 2]);
    s->depth--;
    t >>= 1;
  }
}

void whorl__b3_stack_finish(whorl_b3_stack *s, uint8_t out[32]) {
  uint8_t cv[32];
  memcpy(cv, s->cv[s->depth - 1], 32);
  for (size_t i = s->depth - 1; i-- > 0;) parent_cv(s->cv[i], cv, i == 0 ? ROOT : 0, cv);
  memcpy(out, cv, 32);
}

#else

int whorl__b3_tree_available(void) { return 0; }
void whorl__b3_subtree_cv(const uint8_t *data, size_t len, uint64_t counter, uint8_t cv[32]) {
  (void)data; (void)len; (void)counter;
  memset(cv, 0, 32);
}
void whorl__b3_stack_init(whorl_b3_stack *s) { s->depth = 0; s->leaves = 0; }
void whorl__b3_stack_push(whorl_b3_stack *s, const uint8_t cv[32], int more_follow) { (void)s; (void)cv; (void)more_follow; }
void whorl__b3_stack_finish(whorl_b3_stack *s, uint8_t out[32]) { (void)s; memset(out, 0, 32); }

#endif
