/* codec.c - varints and base64 for sketch states (sketch.h). */
#include <string.h>

#include "sketch/sketch.h"

void whorl__put_uvarint(whorl_buf *b, uint64_t v) {
  uint8_t t[10];
  size_t k = 0;
  do {
    t[k] = (uint8_t)(v & 0x7f);
    v >>= 7;
    if (v) t[k] |= 0x80;
    k++;
  } while (v);
  whorl_buf_put(b, t, k);
}

void whorl__put_svarint(whorl_buf *b, int64_t v) {
  whorl__put_uvarint(b, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

int whorl__get_uvarint(const uint8_t **p, const uint8_t *end, uint64_t *v) {
  uint64_t x = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    if (*p >= end) return -1;
    uint8_t c = *(*p)++;
    if (shift == 63 && c > 1) return -1;
    x |= (uint64_t)(c & 0x7f) << shift;
    if (!(c & 0x80)) {
      *v = x;
      return 0;
    }
  }
  return -1;
}

int whorl__get_svarint(const uint8_t **p, const uint8_t *end, int64_t *v) {
  uint64_t u;
  if (whorl__get_uvarint(p, end, &u)) return -1;
  *v = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
  return 0;
}

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void whorl__base64(const uint8_t *in, size_t n, whorl_buf *out) {
  size_t i = 0;
  char q[4];
  for (; i + 3 <= n; i += 3) {
    uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
    q[0] = B64[v >> 18], q[1] = B64[(v >> 12) & 63], q[2] = B64[(v >> 6) & 63], q[3] = B64[v & 63];
    whorl_buf_put(out, q, 4);
  }
  if (n - i == 1) {
    uint32_t v = (uint32_t)in[i] << 16;
    q[0] = B64[v >> 18], q[1] = B64[(v >> 12) & 63], q[2] = '=', q[3] = '=';
    whorl_buf_put(out, q, 4);
  } else if (n - i == 2) {
    uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
    q[0] = B64[v >> 18], q[1] = B64[(v >> 12) & 63], q[2] = B64[(v >> 6) & 63], q[3] = '=';
    whorl_buf_put(out, q, 4);
  }
}

static int b64v(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

int whorl__unbase64(const char *in, size_t n, whorl_buf *out) {
  if (n % 4) return -1;
  for (size_t i = 0; i < n; i += 4) {
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; k++) {
      if (in[i + k] == '=' && i + 4 == n && k >= 2) {
        v[k] = 0;
        pad++;
        continue;
      }
      if (pad) return -1;
      v[k] = b64v(in[i + k]);
      if (v[k] < 0) return -1;
    }
    uint32_t x = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
    uint8_t o[3] = {(uint8_t)(x >> 16), (uint8_t)(x >> 8), (uint8_t)x};
    whorl_buf_put(out, o, (size_t)(3 - pad));
  }
  return out->oom ? -1 : 0;
}
