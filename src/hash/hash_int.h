/* hash_int.h - private hashing helpers: BLAKE3 subtree chaining values, so
 * a large input can be hashed in independent blocks (on several cores) and
 * combined into exactly the hash b3sum prints. */
#ifndef WHORL_HASH_INT_H
#define WHORL_HASH_INT_H

#include <stddef.h>
#include <stdint.h>
#include "whorl/hash.h"

/* 1 when the tree entry points below are available (BLAKE3 built from its
 * C sources); 0 with a system libblake3 (streaming API only). */
int whorl__b3_tree_available(void);

/* Chaining value (non-root) of the subtree covering `len` bytes that start
 * at chunk number `chunk_counter` (1 chunk = 1024 bytes). len must be > 0.
 * For the result to be a node of the whole input's tree, the block must
 * start at a multiple of a power of two chunks >= its size, as fixed-size
 * power-of-two blocks do. */
void whorl__b3_subtree_cv(const uint8_t *data, size_t len, uint64_t chunk_counter, uint8_t cv[32]);

/* Incremental combination of block CVs in order (a CV stack, as BLAKE3's
 * own hasher keeps): push every block's CV, saying whether more follow;
 * finish yields the root hash. Blocks must all have the same power-of-two
 * size except the last. At least 2 blocks. */
typedef struct whorl_b3_stack {
  uint8_t cv[64][32];
  size_t depth;
  uint64_t leaves;
} whorl_b3_stack;
void whorl__b3_stack_init(whorl_b3_stack *s);
void whorl__b3_stack_push(whorl_b3_stack *s, const uint8_t cv[32], int more_follow);
void whorl__b3_stack_finish(whorl_b3_stack *s, uint8_t out[32]);

#endif
