/* digest.c - a set of digests fed by one stream of bytes. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "blake3.h"
#include "util/util.h"
#include "whorl/hash.h"

struct whorl_hasher {
  unsigned mask;
  blake3_hasher b3;
  EVP_MD_CTX *sha256;
  EVP_MD_CTX *md5;
};

const char *whorl_digest_name(whorl_digest_kind kind) {
  switch (kind) {
  case WHORL_DIGEST_BLAKE3: return "blake3";
  case WHORL_DIGEST_SHA256: return "sha256";
  case WHORL_DIGEST_MD5: return "md5";
  default: return NULL;
  }
}

size_t whorl_digest_len(whorl_digest_kind kind) {
  switch (kind) {
  case WHORL_DIGEST_BLAKE3:
  case WHORL_DIGEST_SHA256: return 32;
  case WHORL_DIGEST_MD5: return 16;
  default: return 0;
  }
}

int whorl_digest_parse_list(const char *list, unsigned *mask, whorl_error *err) {
  unsigned m = 0;
  const char *p = list ? list : "";
  while (*p) {
    const char *e = strchr(p, ',');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    char name[16];
    if (n == 0 || n >= sizeof name)
      return whorl__error(err, WHORL_EINVAL, NULL, -1, "unknown digest '%.*s' (choose from blake3, sha256, md5)",
                          (int)(n > 40 ? 40 : n), p);
    for (size_t i = 0; i < n; i++) name[i] = (char)tolower((unsigned char)p[i]);
    name[n] = 0;
    if (!strcmp(name, "blake3")) m |= WHORL_DIGEST_BLAKE3;
    else if (!strcmp(name, "sha256") || !strcmp(name, "sha-256")) m |= WHORL_DIGEST_SHA256;
    else if (!strcmp(name, "md5")) m |= WHORL_DIGEST_MD5;
    else
      return whorl__error(err, WHORL_EINVAL, NULL, -1, "unknown digest '%s' (choose from blake3, sha256, md5)", name);
    p += n;
    if (*p == ',') p++;
  }
  *mask = m;
  return WHORL_OK;
}

int whorl_hasher_new(unsigned mask, whorl_hasher **out) {
  *out = NULL;
  whorl_hasher *h = calloc(1, sizeof *h);
  if (!h) return WHORL_ENOMEM;
  h->mask = mask & WHORL_DIGEST_ALL;
  if (h->mask & WHORL_DIGEST_BLAKE3) blake3_hasher_init(&h->b3);
  if (h->mask & WHORL_DIGEST_SHA256) {
    h->sha256 = EVP_MD_CTX_new();
    if (!h->sha256 || EVP_DigestInit_ex(h->sha256, EVP_sha256(), NULL) != 1) goto fail;
  }
  if (h->mask & WHORL_DIGEST_MD5) {
    h->md5 = EVP_MD_CTX_new();
    if (!h->md5 || EVP_DigestInit_ex(h->md5, EVP_md5(), NULL) != 1) goto fail;
  }
  *out = h;
  return WHORL_OK;
fail:
  whorl_hasher_free(h);
  return WHORL_ENOMEM;
}

void whorl_hasher_update(whorl_hasher *h, const void *data, size_t len) {
  if (!len) return;
  if (h->mask & WHORL_DIGEST_BLAKE3) blake3_hasher_update(&h->b3, data, len);
  if (h->sha256) EVP_DigestUpdate(h->sha256, data, len);
  if (h->md5) EVP_DigestUpdate(h->md5, data, len);
}

size_t whorl_hasher_final(whorl_hasher *h, whorl_digest_kind kind, uint8_t out[WHORL_DIGEST_MAX_LEN]) {
  unsigned int n = 0;
  switch (kind) {
  case WHORL_DIGEST_BLAKE3:
    if (!(h->mask & WHORL_DIGEST_BLAKE3)) return 0;
    blake3_hasher_finalize(&h->b3, out, 32);
    return 32;
  case WHORL_DIGEST_SHA256:
    if (!h->sha256 || EVP_DigestFinal_ex(h->sha256, out, &n) != 1) return 0;
    return n;
  case WHORL_DIGEST_MD5:
    if (!h->md5 || EVP_DigestFinal_ex(h->md5, out, &n) != 1) return 0;
    return n;
  }
  return 0;
}

void whorl_hasher_free(whorl_hasher *h) {
  if (!h) return;
  EVP_MD_CTX_free(h->sha256);
  EVP_MD_CTX_free(h->md5);
  free(h);
}

void whorl_blake3(const void *data, size_t len, uint8_t out[32]) {
  blake3_hasher b;
  blake3_hasher_init(&b);
  blake3_hasher_update(&b, data, len);
  blake3_hasher_finalize(&b, out, 32);
}

void whorl_blake3_keyed(const uint8_t key[32], const void *data, size_t len, uint8_t out[32]) {
  blake3_hasher b;
  blake3_hasher_init_keyed(&b, key);
  blake3_hasher_update(&b, data, len);
  blake3_hasher_finalize(&b, out, 32);
}

char *whorl_hex(const uint8_t *bytes, size_t n, char *out) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = digits[bytes[i] >> 4];
    out[2 * i + 1] = digits[bytes[i] & 15];
  }
  out[2 * n] = 0;
  return out;
}

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int whorl_unhex(const char *hex, size_t hexlen, uint8_t *out, size_t n) {
  if (!hex || hexlen != 2 * n) return -1;
  for (size_t i = 0; i < n; i++) {
    int a = hexval((unsigned char)hex[2 * i]), b = hexval((unsigned char)hex[2 * i + 1]);
    if (a < 0 || b < 0) return -1;
    out[i] = (uint8_t)(a << 4 | b);
  }
  return 0;
}
