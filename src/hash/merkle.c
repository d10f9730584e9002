/* merkle.c - RFC 6962 (section 2.1) Merkle tree shape with BLAKE3:
 * leaf = H(0x00 || data), node = H(0x01 || left || right), the left subtree
 * holding the largest power of two smaller than n leaves; the empty tree
 * hashes to H(""). The same shape as certificate-transparency logs, so a
 * folder's entries can later be proven included with an audit path. */
#include <string.h>

#include "blake3.h"
#include "hash/merkle.h"

void whorl__merkle_leaf(const void *data, size_t len, uint8_t out[32]) {
  blake3_hasher h;
  uint8_t z = 0;
  blake3_hasher_init(&h);
  blake3_hasher_update(&h, &z, 1);
  blake3_hasher_update(&h, data, len);
  blake3_hasher_finalize(&h, out, 32);
}

static void node(const uint8_t l[32], const uint8_t r[32], uint8_t out[32]) {
  blake3_hasher h;
  uint8_t one = 1;
  blake3_hasher_init(&h);
  blake3_hasher_update(&h, &one, 1);
  blake3_hasher_update(&h, l, 32);
  blake3_hasher_update(&h, r, 32);
  blake3_hasher_finalize(&h, out, 32);
}

static void root_rec(const uint8_t (*leaves)[32], size_t n, uint8_t out[32]) {
  if (n == 1) {
    memcpy(out, leaves[0], 32);
    return;
  }
  size_t k = 1;
  while (k * 2 < n) k *= 2;
  uint8_t l[32], r[32];
  root_rec(leaves, k, l);
  root_rec(leaves + k, n - k, r);
  node(l, r, out);
}

void whorl__merkle_root(const uint8_t (*leaves)[32], size_t n, uint8_t out[32]) {
  if (n == 0) {
    blake3_hasher h;
    blake3_hasher_init(&h);
    blake3_hasher_finalize(&h, out, 32);
    return;
  }
  root_rec(leaves, n, out);
}
