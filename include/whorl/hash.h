/*
 * whorl/hash.h - the digests whorl computes, fed by one read of the data.
 *
 * BLAKE3 is whorl's identity hash (always computed at the content level);
 * SHA-256 and MD5 are optional, for checking against sha256sum/md5sum and
 * DVC lockfiles. All digests are printed as lowercase hex.
 */
#ifndef WHORL_HASH_H
#define WHORL_HASH_H

#include <stddef.h>
#include <stdint.h>
#include "errors.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum whorl_digest_kind {
  WHORL_DIGEST_BLAKE3 = 1u << 0,
  WHORL_DIGEST_SHA256 = 1u << 1,
  WHORL_DIGEST_MD5 = 1u << 2
} whorl_digest_kind;

#define WHORL_DIGEST_ALL (WHORL_DIGEST_BLAKE3 | WHORL_DIGEST_SHA256 | WHORL_DIGEST_MD5)
#define WHORL_DIGEST_MAX_LEN 32 /* bytes */

/* Name used in documents ("blake3", "sha256", "md5"); NULL for a bad kind. */
const char *whorl_digest_name(whorl_digest_kind kind);
/* Digest length in bytes (32, 32, 16); 0 for a bad kind. */
size_t whorl_digest_len(whorl_digest_kind kind);
/* Parses "sha256,md5" (case-insensitive, "blake3" allowed) into a mask. */
int whorl_digest_parse_list(const char *list, unsigned *mask, whorl_error *err);

/* A set of digests updated together. Owned by the caller: whorl_hasher_free
 * (NULL ok). */
typedef struct whorl_hasher whorl_hasher;
int whorl_hasher_new(unsigned mask, whorl_hasher **out);
void whorl_hasher_update(whorl_hasher *h, const void *data, size_t len);
/* Writes the digest of `kind` (must be in the mask) into out; returns its
 * length, or 0 if `kind` was not requested. May be called once per kind,
 * after the last update. */
size_t whorl_hasher_final(whorl_hasher *h, whorl_digest_kind kind, uint8_t out[WHORL_DIGEST_MAX_LEN]);
void whorl_hasher_free(whorl_hasher *h);

/* One-shot BLAKE3 (32-byte output) of a buffer. */
void whorl_blake3(const void *data, size_t len, uint8_t out[32]);
/* One-shot keyed BLAKE3. */
void whorl_blake3_keyed(const uint8_t key[32], const void *data, size_t len, uint8_t out[32]);
/* Lowercase hex of n bytes into out (2n+1 bytes, NUL-terminated). */
char *whorl_hex(const uint8_t *bytes, size_t n, char *out);
/* Parses exactly 2n hex digits; returns 0 on success, -1 otherwise. */
int whorl_unhex(const char *hex, size_t hexlen, uint8_t *out, size_t n);

#ifdef __cplusplus
}
#endif
#endif
