/* cdc.c - candidate cut points for content-defined chunking.
 *
 * Each position's test depends only on the 16 bytes before it (8 were too
 * few: text such as CSV has so few distinct 8-byte windows that whole
 * megabytes went without a candidate), so blocks of a
 * file can be scanned independently (on several cores) and give the same
 * candidates as one sequential scan; the cut selection (min/max rules) is a
 * cheap sequential pass over the candidates afterwards. The test is a
 * multiply-shift hash, which vectorizes: AVX-512 tests 64 positions per
 * step. The portable loop gives identical results (checked by tests). */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "io/io.h"

#define THRESH (1ULL << (64 - WHORL_CDC_BITS))

static int force_portable;
void whorl__cdc_force_portable(int on) { force_portable = on; }

static int push(uint64_t **out, size_t *n, size_t *cap, uint64_t p) {
  if (*n == *cap) {
    size_t nc = *cap ? *cap * 2 : 64;
    uint64_t *np = realloc(*out, nc * sizeof *np);
    if (!np) return -1;
    *out = np;
    *cap = nc;
  }
  (*out)[(*n)++] = p;
  return 0;
}

static inline uint64_t load64le(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap64(v);
#endif
  return v;
}

static inline uint64_t rotl(uint64_t v, int r) { return v << r | v >> (64 - r); }

static int scan_portable(const uint8_t *data, uint64_t base, uint64_t lo, uint64_t hi, uint64_t **out,
                         size_t *n, size_t *cap) {
  for (uint64_t p = lo; p <= hi; p++) {
    const uint8_t *w = data + (p - base);
    uint64_t x = load64le(w - 8) ^ rotl(load64le(w - 16), WHORL_CDC_ROT);
    uint64_t h = (x ^ WHORL_CDC_SALT) * WHORL_CDC_MUL;
    if (h < THRESH && push(out, n, cap, p)) return -1;
  }
  return 0;
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

__attribute__((target("avx512f,avx512dq"))) static int scan_avx512(const uint8_t *data, uint64_t base,
                                                                    uint64_t lo, uint64_t hi,
                                                                    uint64_t **out, size_t *n,
                                                                    size_t *cap) {
  const __m512i salt = _mm512_set1_epi64((long long)WHORL_CDC_SALT);
  const __m512i mul = _mm512_set1_epi64((long long)WHORL_CDC_MUL);
  const __m512i thr = _mm512_set1_epi64((long long)THRESH);
  uint64_t p = lo;
  /* Step of 64 positions: load j (0..7) covers the windows ending at
   * p + j + 8k for k = 0..7. The last byte read is p + 62 <= hi - 1. */
  while (p + 63 <= hi) {
    const uint8_t *w = data + (p - base) - 8;
    __mmask8 m[8];
    __mmask8 any = 0;
    for (int j = 0; j < 8; j++) {
      __m512i v = _mm512_loadu_si512((const void *)(w + j));
      __m512i u = _mm512_loadu_si512((const void *)(w + j - 8));
      v = _mm512_xor_si512(v, _mm512_rol_epi64(u, WHORL_CDC_ROT));
      __m512i h = _mm512_mullo_epi64(_mm512_xor_si512(v, salt), mul);
      m[j] = _mm512_cmplt_epu64_mask(h, thr);
      any |= m[j];
    }
    if (any) {
      for (int k = 0; k < 8; k++)
        for (int j = 0; j < 8; j++)
          if ((m[j] >> k) & 1)
            if (push(out, n, cap, p + (uint64_t)j + 8u * (uint64_t)k)) return -1;
    }
    p += 64;
  }
  if (p <= hi) return scan_portable(data, base, p, hi, out, n, cap);
  return 0;
}

static int have_avx512(void) {
  /* asked by several hashing threads at once: an atomic (the answer is the
   * same whoever computes it first) */
  static _Atomic int cached = -1;
  int c = atomic_load_explicit(&cached, memory_order_relaxed);
  if (c < 0) {
    __builtin_cpu_init();
    c = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq");
    atomic_store_explicit(&cached, c, memory_order_relaxed);
  }
  return c;
}
#endif

int whorl__cdc_candidates(const uint8_t *data, uint64_t base, uint64_t lo, uint64_t hi, uint64_t **out,
                          size_t *n, size_t *cap) {
  if (lo < WHORL_CDC_WINDOW) lo = WHORL_CDC_WINDOW;
  if (lo > hi) return 0;
#if defined(__x86_64__) && defined(__GNUC__)
  if (!force_portable && have_avx512()) return scan_avx512(data, base, lo, hi, out, n, cap);
#endif
  return scan_portable(data, base, lo, hi, out, n, cap);
}
