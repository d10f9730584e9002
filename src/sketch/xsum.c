/* xsum.c - exact sums of decimals m * 10^e (sketch.h). */
#include <stdlib.h>
#include <string.h>

#include "sketch/sketch.h"

static whorl_xbin *find_bin(whorl_xsum *s, int32_t e) {
  if (s->n && s->bin[s->last].e == e) return &s->bin[s->last];
  size_t i = 0;
  while (i < s->n && s->bin[i].e < e) i++;
  if (i < s->n && s->bin[i].e == e) {
    s->last = i;
    return &s->bin[i];
  }
  if (s->n == s->cap) {
    size_t nc = s->cap ? s->cap * 2 : 4;
    whorl_xbin *g = realloc(s->bin, nc * sizeof *g);
    if (!g) {
      s->oom = 1;
      return NULL;
    }
    s->bin = g;
    s->cap = nc;
  }
  memmove(&s->bin[i + 1], &s->bin[i], (s->n - i) * sizeof *s->bin);
  memset(&s->bin[i], 0, sizeof s->bin[i]);
  s->bin[i].e = e;
  s->n++;
  s->last = i;
  return &s->bin[i];
}

static void add192(uint64_t w[3], uint64_t a0, uint64_t a1, uint64_t a2) {
  unsigned __int128 t = (unsigned __int128)w[0] + a0;
  w[0] = (uint64_t)t;
  t = (unsigned __int128)w[1] + a1 + (uint64_t)(t >> 64);
  w[1] = (uint64_t)t;
  w[2] = w[2] + a2 + (uint64_t)(t >> 64);
}

static void add_to(whorl_xbin *b, unsigned __int128 m, int neg) {
  uint64_t lo = (uint64_t)m, hi = (uint64_t)(m >> 64);
  if (!neg) add192(b->w, lo, hi, 0);
  else { /* two's complement of (0, hi, lo) */
    uint64_t n0 = ~lo, n1 = ~hi, n2 = ~0ull;
    unsigned __int128 t = (unsigned __int128)n0 + 1;
    n0 = (uint64_t)t;
    t = (unsigned __int128)n1 + (uint64_t)(t >> 64);
    n1 = (uint64_t)t;
    n2 += (uint64_t)(t >> 64);
    add192(b->w, n0, n1, n2);
  }
}

void whorl__xsum_add(whorl_xsum *s, int32_t e, unsigned __int128 m, int neg) {
  if (!m) {
    find_bin(s, e); /* the exponent is seen: the set of bins stays a function of the values */
    return;
  }
  whorl_xbin *b = find_bin(s, e);
  if (b) add_to(b, m, neg);
}

void whorl__xsum_add_mul(whorl_xsum *s, int32_t e, unsigned __int128 m, uint64_t times, int neg) {
  whorl_xbin *b = find_bin(s, e);
  if (!b || !m || !times) return;
  unsigned __int128 lo = (unsigned __int128)(uint64_t)m * times, hi = (m >> 64) * times;
  /* product = hi * 2^64 + lo: three limbs */
  uint64_t p0 = (uint64_t)lo;
  unsigned __int128 mid = (lo >> 64) + (uint64_t)hi;
  uint64_t p1 = (uint64_t)mid, p2 = (uint64_t)(hi >> 64) + (uint64_t)(mid >> 64);
  if (neg) {
    p0 = ~p0, p1 = ~p1, p2 = ~p2;
    unsigned __int128 t = (unsigned __int128)p0 + 1;
    p0 = (uint64_t)t;
    t = (unsigned __int128)p1 + (uint64_t)(t >> 64);
    p1 = (uint64_t)t;
    p2 += (uint64_t)(t >> 64);
  }
  add192(b->w, p0, p1, p2);
}

void whorl__xsum_merge(whorl_xsum *s, const whorl_xsum *o) {
  for (size_t i = 0; i < o->n; i++) {
    whorl_xbin *b = find_bin(s, o->bin[i].e);
    if (b) add192(b->w, o->bin[i].w[0], o->bin[i].w[1], o->bin[i].w[2]);
  }
  if (o->oom) s->oom = 1;
}

static __float128 pow10q(int32_t e) {
  __float128 r = 1, base = 10;
  uint32_t k = (uint32_t)(e < 0 ? -(int64_t)e : e);
  while (k) {
    if (k & 1) r *= base;
    base *= base;
    k >>= 1;
  }
  return e < 0 ? 1 / r : r;
}

__float128 whorl__xsum_value(const whorl_xsum *s) {
  __float128 total = 0;
  for (size_t i = 0; i < s->n; i++) {
    const uint64_t *w = s->bin[i].w;
    int neg = (int64_t)w[2] < 0;
    uint64_t m[3] = {w[0], w[1], w[2]};
    if (neg) {
      m[0] = ~m[0], m[1] = ~m[1], m[2] = ~m[2];
      add192(m, 1, 0, 0);
    }
    __float128 v = (__float128)m[2] * 0x1p128Q + (__float128)m[1] * 0x1p64Q + (__float128)m[0];
    if (neg) v = -v;
    total += v * pow10q(s->bin[i].e);
  }
  return total;
}

/* The decimal digits of an unsigned 192-bit number. */
static size_t u192_digits(const uint64_t w0[3], char *out /* >= 60 */) {
  uint64_t w[3] = {w0[0], w0[1], w0[2]};
  char rev[64];
  size_t n = 0;
  do {
    /* divide by 10^19, keep the remainder */
    const uint64_t d = 10000000000000000000ull;
    unsigned __int128 rem = 0;
    for (int i = 2; i >= 0; i--) {
      unsigned __int128 cur = (rem << 64) | w[i];
      w[i] = (uint64_t)(cur / d);
      rem = cur % d;
    }
    uint64_t r = (uint64_t)rem;
    int last = !w[0] && !w[1] && !w[2];
    for (int k = 0; k < 19 && (r || !last || k == 0); k++) {
      rev[n++] = (char)('0' + r % 10);
      r /= 10;
    }
    if (last) break;
  } while (1);
  for (size_t i = 0; i < n; i++) out[i] = rev[n - 1 - i];
  return n;
}

void whorl__xsum_write(const whorl_xsum *s, whorl_buf *out) {
  for (size_t i = 0; i < s->n; i++) {
    const uint64_t *w = s->bin[i].w;
    uint64_t m[3] = {w[0], w[1], w[2]};
    int neg = (int64_t)w[2] < 0;
    if (neg) {
      m[0] = ~m[0], m[1] = ~m[1], m[2] = ~m[2];
      add192(m, 1, 0, 0);
    }
    char d[64];
    size_t nd = u192_digits(m, d);
    whorl_buf_printf(out, "%s%d:%s", i ? "," : "", (int)s->bin[i].e, neg ? "-" : "");
    whorl_buf_put(out, d, nd);
  }
}

int whorl__xsum_read(whorl_xsum *s, const char *t, size_t len) {
  size_t i = 0;
  while (i < len) {
    int neg = 0;
    int64_t e = 0;
    if (t[i] == '-') neg = 1, i++;
    size_t st = i;
    while (i < len && t[i] >= '0' && t[i] <= '9' && i - st < 7) e = e * 10 + (t[i++] - '0');
    if (i == st || i >= len || t[i] != ':') return -1;
    if (neg) e = -e;
    i++;
    int vneg = 0;
    if (i < len && t[i] == '-') vneg = 1, i++;
    uint64_t w[3] = {0, 0, 0};
    st = i;
    while (i < len && t[i] >= '0' && t[i] <= '9') {
      if (i - st >= 58) return -1;
      /* w = w * 10 + digit */
      unsigned __int128 c = (unsigned __int128)w[0] * 10 + (uint64_t)(t[i] - '0');
      w[0] = (uint64_t)c;
      c = (unsigned __int128)w[1] * 10 + (uint64_t)(c >> 64);
      w[1] = (uint64_t)c;
      w[2] = w[2] * 10 + (uint64_t)(c >> 64);
      i++;
    }
    if (i == st || (int64_t)w[2] < 0) return -1;
    if (i < len) {
      if (t[i] != ',') return -1;
      i++;
      if (i == len) return -1;
    }
    if (s->n && s->bin[s->n - 1].e >= e) return -1; /* in order, once each */
    whorl_xbin *b = find_bin(s, (int32_t)e);
    if (!b) return -1;
    if (vneg) {
      uint64_t m0 = ~w[0], m1 = ~w[1], m2 = ~w[2];
      w[0] = w[1] = w[2] = 0;
      add192(w, m0, m1, m2);
      add192(w, 1, 0, 0);
    }
    add192(b->w, w[0], w[1], w[2]);
  }
  return 0;
}

void whorl__xsum_free(whorl_xsum *s) {
  free(s->bin);
  memset(s, 0, sizeof *s);
}
