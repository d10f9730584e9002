#include <errno.h>
/* npy.c - NumPy .npy header parsing: see npy.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io/npy.h"
#include "util/util.h"

typedef struct cur {
  const char *p, *end, *base;
} cur;

static void ws(cur *c) {
  while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')) c->p++;
}

static int lit(cur *c, char ch) {
  ws(c);
  if (c->p < c->end && *c->p == ch) {
    c->p++;
    return 1;
  }
  return 0;
}

/* A Python string literal in single or double quotes, no escapes. */
static int pystr(cur *c, char *out, size_t cap) {
  ws(c);
  if (c->p >= c->end || (*c->p != '\'' && *c->p != '"')) return 0;
  char q = *c->p++;
  size_t n = 0;
  while (c->p < c->end && *c->p != q) {
    if (*c->p == '\\' || n + 1 >= cap) return 0;
    out[n++] = *c->p++;
  }
  if (c->p >= c->end) return 0;
  c->p++;
  out[n] = 0;
  return 1;
}

static int pyuint(cur *c, uint64_t *v) {
  ws(c);
  const char *s = c->p;
  uint64_t x = 0;
  while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
    if (x > (UINT64_MAX - 9) / 10) return 0;
    x = x * 10 + (uint64_t)(*c->p++ - '0');
  }
  if (c->p < c->end && *c->p == 'L') c->p++; /* Python 2 writers */
  *v = x;
  return c->p > s;
}

int whorl__npy_parse(const uint8_t *buf, size_t len, uint64_t file_size, const char *path, whorl_npy *o,
                     whorl_error *err) {
  memset(o, 0, sizeof *o);
  if (len < 10 || memcmp(buf, "\x93NUMPY", 6) != 0)
    return whorl__error(err, WHORL_EFORMAT, path, 0, "not a NumPy .npy file (no \\x93NUMPY magic)");
  o->major = buf[6];
  o->minor = buf[7];
  uint64_t hlen, hstart;
  if (o->major == 1) {
    hlen = (uint64_t)buf[8] | (uint64_t)buf[9] << 8;
    hstart = 10;
  } else if (o->major == 2 || o->major == 3) {
    if (len < 12) return whorl__error(err, WHORL_EFORMAT, path, (int64_t)len, "truncated .npy header");
    hlen = (uint64_t)buf[8] | (uint64_t)buf[9] << 8 | (uint64_t)buf[10] << 16 | (uint64_t)buf[11] << 24;
    hstart = 12;
  } else {
    return whorl__error(err, WHORL_EUNSUPPORTED, path, 6, ".npy format version %d.%d is not supported", o->major,
                        o->minor);
  }
  if (hlen > (1u << 20)) return whorl__error(err, WHORL_EFORMAT, path, 8, ".npy header length %llu is too large",
                                             (unsigned long long)hlen);
  if (hstart + hlen > len)
    return whorl__error(err, WHORL_EFORMAT, path, (int64_t)len, "truncated .npy header (%llu bytes announced)",
                        (unsigned long long)hlen);
  o->data_offset = hstart + hlen;
  cur c = {(const char *)buf + hstart, (const char *)buf + hstart + hlen, (const char *)buf};
#define BAD(msg) whorl__error(err, WHORL_EFORMAT, path, (int64_t)(c.p - c.base), ".npy header: %s", msg)
  if (!lit(&c, '{')) return BAD("expected '{'");
  int have_descr = 0, have_fo = 0, have_shape = 0;
  for (;;) {
    if (lit(&c, '}')) break;
    char key[32];
    if (!pystr(&c, key, sizeof key)) return BAD("expected a quoted key");
    if (!lit(&c, ':')) return BAD("expected ':'");
    if (!strcmp(key, "descr") && !have_descr) {
      ws(&c);
      if (c.p < c.end && (*c.p == '[' || *c.p == '('))
        return whorl__error(err, WHORL_EUNSUPPORTED, path, (int64_t)(c.p - c.base),
                            "structured NumPy dtypes are not supported");
      if (!pystr(&c, o->descr, sizeof o->descr)) return BAD("bad 'descr'");
      have_descr = 1;
    } else if (!strcmp(key, "fortran_order") && !have_fo) {
      ws(&c);
      if ((size_t)(c.end - c.p) >= 4 && !memcmp(c.p, "True", 4)) o->fortran_order = 1, c.p += 4;
      else if ((size_t)(c.end - c.p) >= 5 && !memcmp(c.p, "False", 5)) c.p += 5;
      else return BAD("bad 'fortran_order'");
      have_fo = 1;
    } else if (!strcmp(key, "shape") && !have_shape) {
      if (!lit(&c, '(')) return BAD("'shape' is not a tuple");
      while (!lit(&c, ')')) {
        if (o->ndim == WHORL_NPY_MAX_DIMS) return BAD("too many dimensions");
        if (!pyuint(&c, &o->shape[o->ndim])) return BAD("bad dimension in 'shape'");
        o->ndim++;
        if (!lit(&c, ',')) {
          if (!lit(&c, ')')) return BAD("expected ',' or ')' in 'shape'");
          break;
        }
      }
      have_shape = 1;
    } else {
      return BAD("unexpected or repeated key");
    }
    if (!lit(&c, ',')) {
      if (!lit(&c, '}')) return BAD("expected ',' or '}'");
      break;
    }
  }
  if (!have_descr || !have_fo || !have_shape) return BAD("missing 'descr', 'fortran_order' or 'shape'");
#undef BAD
  /* dtype */
  const char *d = o->descr;
  char order = d[0];
  if (order != '<' && order != '>' && order != '|' && order != '=')
    return whorl__error(err, WHORL_EUNSUPPORTED, path, (int64_t)hstart, "NumPy dtype '%s' is not supported", d);
  char kind = d[1];
  int size = 0;
  for (const char *p = d + 2; *p; p++) {
    if (*p < '0' || *p > '9' || size > 64) return whorl__error(err, WHORL_EUNSUPPORTED, path, (int64_t)hstart,
                                                                "NumPy dtype '%s' is not supported", d);
    size = size * 10 + (*p - '0');
  }
  if (kind == 'O') {
    o->kind = 'O'; /* the caller may tell this refusal from others */
    return whorl__error(err, WHORL_EUNSUPPORTED, path, (int64_t)hstart,
                        "NumPy object arrays (dtype '%s') hold pickles: refused", d);
  }
  int ok = (kind == 'b' && size == 1) || ((kind == 'i' || kind == 'u') && (size == 1 || size == 2 || size == 4 || size == 8)) ||
           (kind == 'f' && (size == 2 || size == 4 || size == 8)) || (kind == 'c' && (size == 8 || size == 16));
  if (!ok) return whorl__error(err, WHORL_EUNSUPPORTED, path, (int64_t)hstart, "NumPy dtype '%s' is not supported", d);
  o->kind = kind;
  o->itemsize = size;
  o->big_endian = order == '>';
  /* sizes */
  o->count = 1;
  for (int i = 0; i < o->ndim; i++) {
    if (o->shape[i] && o->count > UINT64_MAX / o->shape[i])
      return whorl__error(err, WHORL_EFORMAT, path, (int64_t)hstart, ".npy shape is too large");
    o->count *= o->shape[i];
  }
  if (o->count > UINT64_MAX / (uint64_t)size)
    return whorl__error(err, WHORL_EFORMAT, path, (int64_t)hstart, ".npy shape is too large");
  o->nbytes = o->count * (uint64_t)size;
  if (file_size && (file_size < o->data_offset || file_size - o->data_offset < o->nbytes))
    return whorl__error(err, WHORL_EFORMAT, path, (int64_t)file_size,
                        ".npy data truncated: %llu bytes announced, %llu present", (unsigned long long)o->nbytes,
                        (unsigned long long)(file_size > o->data_offset ? file_size - o->data_offset : 0));
  return WHORL_OK;
}

double whorl__half_to_double(uint16_t h) {
  int e = (h >> 10) & 0x1f, m = h & 0x3ff;
  double v;
  if (e == 0) v = ldexp((double)m, -24);
  else if (e == 31) v = m ? NAN : INFINITY;
  else v = ldexp((double)(m | 0x400), e - 25);
  return (h & 0x8000) ? -v : v;
}

void whorl__npy_decode(const whorl_npy *n, const uint8_t *p, whorl_npy_elem *out) {
  size_t w = (size_t)n->itemsize;
  uint8_t le[16];
  /* to little-endian, per component (complex: two halves) */
  size_t comp = n->kind == 'c' ? w / 2 : w;
  for (size_t c0 = 0; c0 < w; c0 += comp)
    for (size_t b = 0; b < comp; b++) le[c0 + b] = n->big_endian ? p[c0 + comp - 1 - b] : p[c0 + b];
  uint64_t x = 0, y = 0;
  for (size_t b = comp; b-- > 0;) x = x << 8 | le[b];
  if (n->kind == 'c')
    for (size_t b = comp; b-- > 0;) y = y << 8 | le[comp + b];
  whorl_npy_elem e;
  memset(&e, 0, sizeof e);
  e.kind = n->kind;
  switch (n->kind) {
  case 'b': e.i = x != 0; break;
  case 'i': e.i = comp == 8 ? (int64_t)x : (int64_t)(x ^ (1ULL << (8 * comp - 1))) - (int64_t)(1ULL << (8 * comp - 1)); break;
  case 'u': e.u = x; break;
  case 'f':
  case 'c':
    if (comp == 2) e.d = whorl__half_to_double((uint16_t)x);
    else if (comp == 4) {
      float f;
      uint32_t x32 = (uint32_t)x;
      memcpy(&f, &x32, 4);
      e.d = f;
      if (n->kind == 'c') {
        uint32_t y32 = (uint32_t)y;
        memcpy(&f, &y32, 4);
        e.im = f;
      }
    } else {
      memcpy(&e.d, &x, 8);
      if (n->kind == 'c') memcpy(&e.im, &y, 8);
    }
    break;
  }
  *out = e;
}

typedef struct fdnext {
  int fd;
  uint64_t off;
  const char *path;
} fdnext;

static long long fd_next(void *ctx, uint8_t *buf, size_t len, whorl_error *err) {
  fdnext *f = ctx;
  long long n = whorl__pread_full(f->fd, buf, len, f->off);
  if (n < 0) return whorl__error_errno(err, errno, f->path, "read");
  f->off += (uint64_t)n;
  return n;
}

int whorl__npy_read(int fd, const whorl_npy *n, const char *path, whorl_npy_cb cb, void *ctx, whorl_error *err) {
  fdnext f = {fd, n->data_offset, path};
  return whorl__npy_read_stream(n, path, fd_next, &f, cb, ctx, err);
}

int whorl__npy_read_stream(const whorl_npy *n, const char *path, whorl_npy_next_fn next, void *nctx, whorl_npy_cb cb,
                           void *ctx, whorl_error *err) {
  enum { PIECE = 1 << 20 };
  size_t w = (size_t)n->itemsize;
  size_t per = PIECE / w;
  uint8_t *buf = malloc(per * w);
  if (!buf) return whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
  /* Storage-order multi-index, to compute the C-order position of each
   * element of a Fortran-ordered array. */
  uint64_t idx[WHORL_NPY_MAX_DIMS] = {0};
  uint64_t done = 0;
  int rc = WHORL_OK;
  while (done < n->count && rc == WHORL_OK) {
    size_t k = n->count - done < per ? (size_t)(n->count - done) : per;
    uint64_t off = n->data_offset + done * w;
    size_t got = 0;
    while (got < k * w) {
      long long r = next(nctx, buf + got, k * w - got, err);
      if (r < 0) {
        rc = (int)r;
        break;
      }
      if (r == 0) break;
      got += (size_t)r;
    }
    if (rc) break;
    if (got != k * w) {
      rc = whorl__error(err, WHORL_EFORMAT, path, (int64_t)(off + got), ".npy data truncated");
      break;
    }
    for (size_t j = 0; j < k && rc == WHORL_OK; j++) {
      whorl_npy_elem e;
      whorl__npy_decode(n, buf + j * w, &e);
      /* C-order index from the storage multi-index. */
      if (!n->fortran_order || n->ndim < 2) e.index = done + j;
      else {
        uint64_t ci = 0;
        for (int d = 0; d < n->ndim; d++) ci = ci * n->shape[d] + idx[d];
        e.index = ci;
        for (int d = 0; d < n->ndim; d++) { /* Fortran order: first index fastest */
          if (++idx[d] < n->shape[d]) break;
          idx[d] = 0;
        }
      }
      if (cb(ctx, &e)) {
        done = n->count;
        break;
      }
    }
    if (done < n->count) done += k;
  }
  free(buf);
  return rc;
}
