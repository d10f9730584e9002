/* merkle.h - RFC 6962-shaped Merkle tree over BLAKE3 (see merkle.c). */
#ifndef WHORL_MERKLE_H
#define WHORL_MERKLE_H
#include <stddef.h>
#include <stdint.h>
void whorl__merkle_leaf(const void *data, size_t len, uint8_t out[32]);
void whorl__merkle_root(const uint8_t (*leaves)[32], size_t n, uint8_t out[32]);
#endif
