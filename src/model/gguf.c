/* gguf.c - GGUF v2/v3 (ggml-org/ggml docs/gguf.md): header, metadata of
 * every value type (arrays included; arrays longer than 64 elements, such
 * as vocabularies, are hashed into the config instead of inlined), tensor
 * infos with every ggml type and its block size, alignment. GGUF lists
 * dimensions fastest first; the tensor's shape is given the other way round,
 * as PyTorch and safetensors write it, so an F32 tensor hashes the same in
 * GGUF and safetensors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blake3.h"
#include "canon/canon.h"
#include "model/model.h"
#include "whorl/hash.h"

#define BUFSZ (1u << 20)
#define MAX_STR (64u << 20)
#define MAX_COUNT 100000000ull
#define INLINE_MAX 64

typedef struct rd {
  int fd;
  uint64_t size, pos; /* file position of buf[0] + at */
  uint8_t *buf;
  size_t len, at;
  const char *path;
  whorl_error *err;
} rd;

static int rd_fill(rd *r, size_t need) {
  if (r->len - r->at >= need) return 0;
  if (need > BUFSZ) return -1;
  memmove(r->buf, r->buf + r->at, r->len - r->at);
  r->pos += r->at;
  r->len -= r->at;
  r->at = 0;
  while (r->len < need) {
    long long k = pread(r->fd, r->buf + r->len, BUFSZ - r->len, (off_t)(r->pos + r->len));
    if (k <= 0) return -1;
    r->len += (size_t)k;
  }
  return 0;
}

static int rd_bytes(rd *r, void *out, size_t n) {
  if (rd_fill(r, n)) return whorl__error(r->err, WHORL_EFORMAT, r->path, (int64_t)(r->pos + r->at), "GGUF: the file ends inside its header");
  memcpy(out, r->buf + r->at, n);
  r->at += n;
  return 0;
}

static int rd_u32(rd *r, uint32_t *v) {
  uint8_t b[4];
  if (rd_bytes(r, b, 4)) return -1;
  *v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
  return 0;
}

static int rd_u64(rd *r, uint64_t *v) {
  uint8_t b[8];
  if (rd_bytes(r, b, 8)) return -1;
  *v = 0;
  for (int i = 7; i >= 0; i--) *v = *v << 8 | b[i];
  return 0;
}

static uint64_t rd_off(const rd *r) { return r->pos + r->at; }

/* A string: u64 length + bytes; *out malloc'd (NUL-terminated). */
static int rd_str(rd *r, char **out, uint64_t *len) {
  uint64_t off = rd_off(r);
  if (rd_u64(r, len)) return -1;
  if (*len > MAX_STR || *len > r->size - rd_off(r)) {
    /* a damaged file? text tools replace bytes >= 0x80 by U+FFFD (EF BF BD) */
    int mangled = r->len >= 3 && memmem(r->buf, r->len, "\xef\xbf\xbd", 3) != NULL;
    return whorl__error(r->err, WHORL_EFORMAT, r->path, (int64_t)off, "GGUF: a string length of %llu bytes that does not fit the file%s",
                        (unsigned long long)*len, mangled ? " (the header holds U+FFFD replacement bytes: damaged by a text conversion?)" : "");
  }
  char *s = malloc(*len + 1);
  if (!s) return whorl__error(r->err, WHORL_ENOMEM, r->path, -1, "out of memory");
  uint64_t done = 0;
  while (done < *len) {
    size_t k = *len - done < BUFSZ / 2 ? (size_t)(*len - done) : BUFSZ / 2;
    if (rd_bytes(r, s + done, k)) {
      free(s);
      return -1;
    }
    done += k;
  }
  s[*len] = 0;
  *out = s;
  return 0;
}


static const char *TYPE_NAMES[] = {"uint8", "int8", "uint16", "int16", "uint32", "int32", "float32", "bool", "string", "array", "uint64", "int64", "float64"};

/* One value of type t as JSON. Arrays longer than INLINE_MAX become
 * {"array": type, "length": n, "blake3": hash of their canonical JSON}. */
static int rd_value(rd *r, uint32_t t, int depth, whorl_json **out) {
  *out = NULL;
  uint64_t off = rd_off(r);
  uint8_t b[8];
  switch (t) {
  case 0: case 1: case 7:
    if (rd_bytes(r, b, 1)) return -1;
    *out = t == 7 ? (b[0] > 1 ? NULL : whorl_json_bool(b[0])) : whorl_json_int(t == 0 ? b[0] : (int8_t)b[0]);
    if (!*out) return whorl__error(r->err, WHORL_EFORMAT, r->path, (int64_t)off, "GGUF: a bool that is neither 0 nor 1");
    return 0;
  case 2: case 3:
    if (rd_bytes(r, b, 2)) return -1;
    *out = whorl_json_int(t == 2 ? (uint16_t)(b[0] | b[1] << 8) : (int16_t)(b[0] | b[1] << 8));
    return 0;
  case 4: case 5: case 6: {
    uint32_t u;
    if (rd_u32(r, &u)) return -1;
    if (t == 6) {
      float f;
      memcpy(&f, &u, 4);
      *out = whorl_json_double(f);
      if (!*out) *out = whorl__model_float(f); /* NaN, infinities: marked (docs/model.md) */
    } else {
      *out = whorl_json_int(t == 4 ? (int64_t)u : (int64_t)(int32_t)u);
    }
    return 0;
  }
  case 10: case 11: case 12: {
    uint64_t u;
    if (rd_u64(r, &u)) return -1;
    if (t == 12) {
      double d;
      memcpy(&d, &u, 8);
      *out = whorl_json_double(d);
      if (!*out) *out = whorl__model_float(d);
    } else if (t == 10 && u > (uint64_t)INT64_MAX) {
      char tmp[32];
      snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)u);
      *out = whorl__model_mark("int", whorl_json_string(tmp));
    } else {
      *out = whorl_json_int((int64_t)u);
    }
    return 0;
  }
  case 8: {
    char *s;
    uint64_t len;
    if (rd_str(r, &s, &len)) return -1;
    *out = whorl__model_text(s, (size_t)len);
    free(s);
    return 0;
  }
  case 9: {
    uint32_t et;
    uint64_t n;
    if (rd_u32(r, &et) || rd_u64(r, &n)) return -1;
    if (et > 12 || n > MAX_COUNT || depth > 8)
      return whorl__error(r->err, WHORL_EFORMAT, r->path, (int64_t)off, "GGUF: an array of type %u and %llu elements", et, (unsigned long long)n);
    if (n <= INLINE_MAX) {
      whorl_json *a = whorl_json_array();
      for (uint64_t i = 0; i < n; i++) {
        whorl_json *e = NULL;
        if (rd_value(r, et, depth + 1, &e)) {
          whorl_json_free(a);
          return -1;
        }
        whorl_json_array_append(a, e);
      }
      *out = a;
      return 0;
    }
    /* long: hashed element by element as canonical JSON "[e,e,...]" */
    blake3_hasher h;
    blake3_hasher_init(&h);
    blake3_hasher_update(&h, "[", 1);
    for (uint64_t i = 0; i < n; i++) {
      whorl_json *e = NULL;
      if (rd_value(r, et, depth + 1, &e)) return -1;
      char *c = NULL;
      size_t cl = 0;
      if (whorl_json_canonical(e, &c, &cl)) {
        whorl_json_free(e);
        return whorl__error(r->err, WHORL_ENOMEM, r->path, -1, "out of memory");
      }
      if (i) blake3_hasher_update(&h, ",", 1);
      blake3_hasher_update(&h, c, cl);
      free(c);
      whorl_json_free(e);
    }
    blake3_hasher_update(&h, "]", 1);
    uint8_t d[32];
    char hex[65];
    blake3_hasher_finalize(&h, d, 32);
    whorl_hex(d, 32, hex);
    whorl_json *o = whorl_json_object();
    whorl_json_object_set(o, "array", whorl_json_string(TYPE_NAMES[et]));
    whorl_json_object_set(o, "length", whorl_json_int((int64_t)n));
    whorl_json_object_set(o, "blake3", whorl_json_string(hex));
    *out = o;
    return 0;
  }
  default:
    return whorl__error(r->err, WHORL_EFORMAT, r->path, (int64_t)off, "GGUF: unknown value type %u", t);
  }
}

static const char *ggml_dtype(uint32_t t) {
  static const char *const names[] = {
      [0] = "float32",       [1] = "float16",      [2] = "ggml_q4_0",    [3] = "ggml_q4_1",   [6] = "ggml_q5_0",
      [7] = "ggml_q5_1",     [8] = "ggml_q8_0",    [9] = "ggml_q8_1",    [10] = "ggml_q2_k",  [11] = "ggml_q3_k",
      [12] = "ggml_q4_k",    [13] = "ggml_q5_k",   [14] = "ggml_q6_k",   [15] = "ggml_q8_k",  [16] = "ggml_iq2_xxs",
      [17] = "ggml_iq2_xs",  [18] = "ggml_iq3_xxs", [19] = "ggml_iq1_s", [20] = "ggml_iq4_nl", [21] = "ggml_iq3_s",
      [22] = "ggml_iq2_s",   [23] = "ggml_iq4_xs", [24] = "int8",        [25] = "int16",      [26] = "int32",
      [27] = "int64",        [28] = "float64",     [29] = "ggml_iq1_m",  [30] = "bfloat16",   [34] = "ggml_tq1_0",
      [35] = "ggml_tq2_0",   [39] = "ggml_mxfp4"};
  return t < sizeof names / sizeof *names ? names[t] : NULL;
}

int whorl__gguf_read(whorl_model *m, const char *path, int fd, uint64_t size, whorl_error *err) {
  snprintf(m->format, sizeof m->format, "gguf");
  rd r = {fd, size, 0, malloc(BUFSZ), 0, 0, path, err};
  if (!r.buf) return whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
  uint32_t magic = 0, version = 0;
  uint64_t ntensors = 0, nkv = 0;
  int rc = WHORL_OK;
  if (rd_u32(&r, &magic) || rd_u32(&r, &version) || rd_u64(&r, &ntensors) || rd_u64(&r, &nkv)) rc = err->code ? err->code : WHORL_EFORMAT;
  else if (magic != 0x46554747u) rc = whorl__error(err, WHORL_EFORMAT, path, 0, "not GGUF: bad magic");
  else if (version != 2 && version != 3) rc = whorl__error(err, WHORL_EUNSUPPORTED, path, 4, "GGUF version %u: versions 2 and 3 are read", version);
  else if (ntensors > 10000000ull || nkv > 10000000ull) rc = whorl__error(err, WHORL_EFORMAT, path, 8, "GGUF: %llu tensors and %llu metadata keys: implausible", (unsigned long long)ntensors, (unsigned long long)nkv);
  uint64_t alignment = 32;
  whorl_json *meta = rc ? NULL : whorl_json_object();
  for (uint64_t i = 0; i < nkv && !rc; i++) {
    char *key;
    uint64_t kl;
    uint32_t t;
    uint64_t off = rd_off(&r);
    if (rd_str(&r, &key, &kl)) {
      rc = err->code;
      break;
    }
    whorl_json *v = NULL;
    if (rd_u32(&r, &t) || rd_value(&r, t, 0, &v)) {
      free(key);
      rc = err->code ? err->code : WHORL_EFORMAT;
      break;
    }
    if (whorl_json_object_get(meta, key) || memchr(key, 0, (size_t)kl) || !whorl__utf8_valid(key, (size_t)kl)) {
      rc = whorl__error(err, WHORL_EFORMAT, path, (int64_t)off, "GGUF: metadata key \"%s\" twice or not UTF-8", key);
      whorl_json_free(v);
    } else {
      if (!strcmp(key, "general.alignment")) {
        if (t != 4 || whorl_json_get_int(v) <= 0 || (whorl_json_get_int(v) & (whorl_json_get_int(v) - 1)))
          rc = whorl__error(err, WHORL_EFORMAT, path, (int64_t)off, "GGUF: general.alignment must be a power of two (u32)");
        else alignment = (uint64_t)whorl_json_get_int(v);
      }
      whorl_json_object_setn(meta, key, (size_t)kl, v);
    }
    free(key);
  }
  for (uint64_t i = 0; i < ntensors && !rc; i++) {
    char *name;
    uint64_t nl;
    uint32_t nd = 0, type = 0;
    uint64_t dims[WHORL_MODEL_MAX_DIMS], toff = 0;
    uint64_t off = rd_off(&r);
    if (rd_str(&r, &name, &nl)) {
      rc = err->code;
      break;
    }
    if (rd_u32(&r, &nd) || nd > 8) {
      rc = nd <= 8 ? (err->code ? err->code : WHORL_EFORMAT) : whorl__error(err, WHORL_EFORMAT, path, (int64_t)off, "GGUF tensor \"%s\": %u dimensions", name, nd);
      free(name);
      break;
    }
    for (uint32_t d = 0; d < nd && !rc; d++)
      if (rd_u64(&r, &dims[d])) rc = err->code;
    if (!rc && (rd_u32(&r, &type) || rd_u64(&r, &toff))) rc = err->code;
    const char *dn = rc ? NULL : ggml_dtype(type);
    const whorl_dtype *dt = dn ? whorl__dtype_by_name(dn) : NULL;
    if (!rc && !dt) rc = whorl__error(err, WHORL_EUNSUPPORTED, path, (int64_t)off, "GGUF tensor \"%s\": ggml type %u is not known", name, type);
    whorl_mtensor *t = rc ? NULL : whorl__model_add(m, name, (size_t)nl);
    if (!rc && !t) rc = whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
    if (!rc) {
      unsigned __int128 count = 1;
      t->dtype = dt;
      t->ndim = (int)nd;
      for (uint32_t d = 0; d < nd; d++) {
        t->shape[nd - 1 - d] = dims[d];
        count *= dims[d];
        if (count >> 62) rc = whorl__error(err, WHORL_EFORMAT, path, (int64_t)off, "GGUF tensor \"%s\": shape too large", name);
      }
      if (!rc && nd && dims[0] % dt->block)
        rc = whorl__error(err, WHORL_EFORMAT, path, (int64_t)off, "GGUF tensor \"%s\": %llu elements per row, not a multiple of the %s block (%u)", name,
                          (unsigned long long)dims[0], dt->name, dt->block);
      t->nbytes = (uint64_t)(count / dt->block * dt->bits / 8);
      t->off = toff; /* relative until the data start is known */
      t->src = WHORL_SRC_FILE;
      t->fd = fd;
      if (!rc && toff % alignment) rc = whorl__error(err, WHORL_EFORMAT, path, (int64_t)off, "GGUF tensor \"%s\": offset not aligned to %llu", name, (unsigned long long)alignment);
    }
    free(name);
  }
  if (!rc) {
    uint64_t start = (rd_off(&r) + alignment - 1) / alignment * alignment;
    for (size_t i = 0; i < m->n && !rc; i++) {
      whorl_mtensor *t = &m->t[i];
      if (t->off > size || start > size - t->off || t->nbytes > size - start - t->off)
        rc = whorl__error(err, WHORL_EFORMAT, path, (int64_t)(start + t->off), "GGUF tensor \"%s\": data beyond the end of the file", t->name);
      t->off += start;
    }
  }
  free(r.buf);
  if (rc) {
    whorl_json_free(meta);
    return rc;
  }
  m->meta = meta;
  m->meta_src = "gguf metadata";
  return WHORL_OK;
}
