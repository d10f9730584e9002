/* npy.c - NumPy .npy header parsing: see npy.h. */
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
  if (kind == 'O')
    return whorl__error(err, WHORL_EUNSUPPORTED, path, (int64_t)hstart,
                        "NumPy object arrays (dtype '%s') hold pickles: refused", d);
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
