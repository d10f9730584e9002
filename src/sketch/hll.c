/* hll.c - HyperLogLog, 2^12 registers of 6 bits (sketch.h). */
#include <math.h>
#include <string.h>

#include "sketch/sketch.h"

void whorl__hll_merge(whorl_hll *h, const whorl_hll *o) {
  for (uint32_t i = 0; i < WHORL_HLL_M; i++)
    if (o->reg[i] > h->reg[i]) h->reg[i] = o->reg[i];
}

/* Flajolet et al.'s estimate with linear counting for small cardinalities
 * (64-bit hashes: no large-range correction is needed). */
double whorl__hll_estimate(const whorl_hll *h) {
  double sum = 0;
  uint32_t zeros = 0;
  for (uint32_t i = 0; i < WHORL_HLL_M; i++) {
    sum += ldexp(1.0, -h->reg[i]);
    zeros += h->reg[i] == 0;
  }
  double m = WHORL_HLL_M;
  double alpha = 0.7213 / (1 + 1.079 / m);
  double e = alpha * m * m / sum;
  if (e <= 2.5 * m && zeros) e = m * log(m / zeros);
  return e;
}

void whorl__hll_write(const whorl_hll *h, whorl_buf *out) {
  uint8_t packed[WHORL_HLL_M * 6 / 8];
  for (uint32_t i = 0; i < WHORL_HLL_M; i += 4) {
    uint32_t v = (uint32_t)(h->reg[i] & 63) << 18 | (uint32_t)(h->reg[i + 1] & 63) << 12 |
                 (uint32_t)(h->reg[i + 2] & 63) << 6 | (uint32_t)(h->reg[i + 3] & 63);
    uint8_t *p = packed + i / 4 * 3;
    p[0] = (uint8_t)(v >> 16), p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)v;
  }
  whorl__base64(packed, sizeof packed, out);
}

/* Registers as nibbles above a base (most dense sketches span fewer than
 * 15 values): base64 of the base (one byte), 2,048 bytes holding register
 * 2i in the low and 2i+1 in the high nibble as the offset from the base, 15
 * marking an exception, then one byte per exception, in register order. */
void whorl__hll_write_nib(const whorl_hll *h, whorl_buf *out) {
  uint8_t b[1 + WHORL_HLL_M / 2 + WHORL_HLL_M];
  uint8_t base = 255;
  for (uint32_t i = 0; i < WHORL_HLL_M; i++)
    if (h->reg[i] < base) base = h->reg[i];
  b[0] = base;
  size_t n = 1 + WHORL_HLL_M / 2;
  for (uint32_t i = 0; i < WHORL_HLL_M; i += 2) {
    unsigned lo = (unsigned)(h->reg[i] - base), hi = (unsigned)(h->reg[i + 1] - base);
    if (lo >= 15) b[n++] = h->reg[i], lo = 15;
    if (hi >= 15) b[n++] = h->reg[i + 1], hi = 15;
    b[1 + i / 2] = (uint8_t)(lo | hi << 4);
  }
  whorl__base64(b, n, out);
}

int whorl__hll_read_nib(whorl_hll *h, const char *text, size_t len) {
  whorl_buf b = WHORL_BUF_INIT;
  int rc = -1;
  if (!whorl__unbase64(text, len, &b) && b.len >= 1 + WHORL_HLL_M / 2) {
    const uint8_t *p = (const uint8_t *)b.data;
    size_t n = 1 + WHORL_HLL_M / 2;
    rc = 0;
    for (uint32_t i = 0; i < WHORL_HLL_M && !rc; i++) {
      unsigned v = i & 1 ? p[1 + i / 2] >> 4 : p[1 + i / 2] & 15;
      if (v < 15) v += p[0];
      else if (n < b.len && p[n] >= p[0] + 15) v = p[n++];
      else rc = -1;
      if (v > 64 - WHORL_HLL_P + 1) rc = -1;
      h->reg[i] = (uint8_t)v;
    }
    if (n != b.len) rc = -1;
  }
  whorl_buf_free(&b);
  return rc;
}

int whorl__hll_read(whorl_hll *h, const char *text, size_t len) {
  whorl_buf b = WHORL_BUF_INIT;
  int rc = -1;
  if (!whorl__unbase64(text, len, &b) && b.len == WHORL_HLL_M * 6 / 8) {
    const uint8_t *p = (const uint8_t *)b.data;
    rc = 0;
    for (uint32_t i = 0; i < WHORL_HLL_M; i += 4, p += 3) {
      uint32_t v = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
      h->reg[i] = (uint8_t)(v >> 18), h->reg[i + 1] = (uint8_t)((v >> 12) & 63);
      h->reg[i + 2] = (uint8_t)((v >> 6) & 63), h->reg[i + 3] = (uint8_t)(v & 63);
    }
    for (uint32_t i = 0; i < WHORL_HLL_M; i++)
      if (h->reg[i] > 64 - WHORL_HLL_P + 1) rc = -1;
  }
  whorl_buf_free(&b);
  return rc;
}
