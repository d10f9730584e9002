/* safetensors.c - the safetensors container (huggingface/safetensors):
 * u64 LE header length N, N bytes of JSON, then the data buffer. Every rule
 * of the format is enforced: header size, offsets inside the buffer, no
 * holes, no overlaps, nothing after the last tensor, dtype x shape = byte
 * length, known dtypes, metadata of strings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model/model.h"

#define HEADER_MAX 100000000ull

static const struct {
  const char *st, *name;
} MAP[] = {{"BOOL", "bool"},       {"U8", "uint8"},        {"I8", "int8"},           {"I16", "int16"},
           {"U16", "uint16"},      {"I32", "int32"},       {"U32", "uint32"},        {"I64", "int64"},
           {"U64", "uint64"},      {"F16", "float16"},     {"BF16", "bfloat16"},     {"F32", "float32"},
           {"F64", "float64"},     {"C64", "complex64"},   {"F8_E5M2", "float8_e5m2"}, {"F8_E4M3", "float8_e4m3fn"},
           {"F8_E8M0", "float8_e8m0fnu"}, {"F8_E4M3FNUZ", "float8_e4m3fnuz"}, {"F8_E5M2FNUZ", "float8_e5m2fnuz"}};

typedef struct span {
  uint64_t b, e;
  size_t t;
} span;

static int by_begin(const void *x, const void *y) {
  const span *a = x, *b = y;
  if (a->b != b->b) return a->b < b->b ? -1 : 1;
  return a->e < b->e ? -1 : a->e > b->e;
}

static int get_u64(const whorl_json *v, uint64_t *out) {
  if (!v || !whorl_json_is_int(v) || whorl_json_get_int(v) < 0) return -1;
  *out = (uint64_t)whorl_json_get_int(v);
  return 0;
}

int whorl__safetensors_read(whorl_model *m, const char *path, int fd, uint64_t size, const char *prefix, whorl_error *err) {
  (void)prefix;
  snprintf(m->format, sizeof m->format, "safetensors");
  uint8_t lb[8];
  if (size < 8 || pread(fd, lb, 8, 0) != 8)
    return whorl__error(err, WHORL_EFORMAT, path, 0, "not safetensors: shorter than its 8-byte header length");
  uint64_t n = 0;
  for (int i = 7; i >= 0; i--) n = n << 8 | lb[i];
  if (n > HEADER_MAX) return whorl__error(err, WHORL_EFORMAT, path, 0, "safetensors header of %llu bytes: above the format's limit of 100,000,000", (unsigned long long)n);
  if (n < 2 || n > size - 8) return whorl__error(err, WHORL_EFORMAT, path, 0, "safetensors header length %llu does not fit the file (%llu bytes)", (unsigned long long)n, (unsigned long long)size);
  char *h = malloc((size_t)n + 1);
  if (!h) return whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
  if (whorl__pread_full(fd, h, (size_t)n, 8) != (long long)n) {
    free(h);
    return whorl__error(err, WHORL_EFORMAT, path, 8, "safetensors header: the file ends inside it");
  }
  h[n] = 0;
  if (h[0] != '{') {
    free(h);
    return whorl__error(err, WHORL_EFORMAT, path, 8, "safetensors header does not start with '{'");
  }
  whorl_json *j = NULL;
  whorl_error e2;
  if (whorl_json_parse(h, (size_t)n, &j, &e2) != WHORL_OK) {
    free(h);
    return whorl__error(err, WHORL_EFORMAT, path, 8 + (e2.offset > 0 ? e2.offset : 0), "safetensors header is not valid JSON: %s", e2.message);
  }
  free(h);
  if (whorl_json_typeof(j) != WHORL_JSON_OBJECT) {
    whorl_json_free(j);
    return whorl__error(err, WHORL_EFORMAT, path, 8, "safetensors header is not a JSON object");
  }
  uint64_t data0 = 8 + n, datalen = size - data0;
  size_t nk = whorl_json_size(j);
  span *sp = calloc(nk ? nk : 1, sizeof *sp);
  size_t ns = 0;
  int rc = sp ? WHORL_OK : whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
  for (size_t i = 0; i < nk && !rc; i++) {
    size_t kl;
    const char *k = whorl_json_object_key(j, i, &kl);
    const whorl_json *v = whorl_json_object_value(j, i);
    for (size_t q = 0; q < i && !rc; q++) {
      size_t ql;
      const char *qk = whorl_json_object_key(j, q, &ql);
      if (ql == kl && !memcmp(qk, k, kl)) rc = whorl__error(err, WHORL_EFORMAT, path, 8, "safetensors header: key \"%s\" twice", k);
    }
    if (rc) break;
    if (!strcmp(k, "__metadata__")) {
      if (whorl_json_typeof(v) != WHORL_JSON_OBJECT) {
        rc = whorl__error(err, WHORL_EFORMAT, path, 8, "safetensors __metadata__ is not an object");
        break;
      }
      for (size_t q = 0; q < whorl_json_size(v) && !rc; q++)
        if (whorl_json_typeof(whorl_json_object_value(v, q)) != WHORL_JSON_STRING)
          rc = whorl__error(err, WHORL_EFORMAT, path, 8, "safetensors __metadata__ values must be strings");
      if (!rc) {
        whorl_json_free(m->container);
        m->container = whorl_json_object();
        whorl_json_object_set(m->container, "safetensors_metadata", whorl_json_clone(v));
      }
      continue;
    }
    const char *dt = whorl_json_object_get_string(v, "dtype");
    const whorl_json *shape = whorl_json_object_get(v, "shape"), *offs = whorl_json_object_get(v, "data_offsets");
    const whorl_dtype *d = NULL;
    for (size_t q = 0; dt && q < sizeof MAP / sizeof *MAP; q++)
      if (!strcmp(MAP[q].st, dt)) d = whorl__dtype_by_name(MAP[q].name);
    if (!dt || whorl_json_typeof(shape) != WHORL_JSON_ARRAY || whorl_json_typeof(offs) != WHORL_JSON_ARRAY ||
        whorl_json_size(offs) != 2) {
      rc = whorl__error(err, WHORL_EFORMAT, path, 8, "safetensors tensor \"%s\": needs dtype, shape and data_offsets [begin, end]", k);
      break;
    }
    if (!d) {
      rc = whorl__error(err, WHORL_EUNSUPPORTED, path, 8, "safetensors tensor \"%s\": dtype %s is not supported", k, dt);
      break;
    }
    if (whorl_json_size(shape) > WHORL_MODEL_MAX_DIMS) {
      rc = whorl__error(err, WHORL_EFORMAT, path, 8, "safetensors tensor \"%s\": more than %d dimensions", k, WHORL_MODEL_MAX_DIMS);
      break;
    }
    whorl_mtensor *t = whorl__model_add(m, k, kl);
    if (!t) {
      rc = whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
      break;
    }
    t->dtype = d;
    t->ndim = (int)whorl_json_size(shape);
    unsigned __int128 count = 1;
    for (int q = 0; q < t->ndim && !rc; q++) {
      if (get_u64(whorl_json_array_get(shape, (size_t)q), &t->shape[q]))
        rc = whorl__error(err, WHORL_EFORMAT, path, 8, "safetensors tensor \"%s\": a dimension that is not a non-negative integer", k);
      count *= t->shape[q];
      if (count >> 64) rc = whorl__error(err, WHORL_EFORMAT, path, 8, "safetensors tensor \"%s\": shape too large", k);
    }
    uint64_t b = 0, e = 0;
    if (!rc && (get_u64(whorl_json_array_get(offs, 0), &b) || get_u64(whorl_json_array_get(offs, 1), &e) || e < b))
      rc = whorl__error(err, WHORL_EFORMAT, path, 8, "safetensors tensor \"%s\": bad data_offsets", k);
    if (rc) break;
    unsigned __int128 bytes = count * d->bits / 8;
    if (bytes >> 63) {
      rc = whorl__error(err, WHORL_EFORMAT, path, 8, "safetensors tensor \"%s\": shape too large", k);
      break;
    }
    if ((count * d->bits) % 8 || bytes != (unsigned __int128)(e - b)) {
      rc = whorl__error(err, WHORL_EFORMAT, path, 8,
                        "safetensors tensor \"%s\": %s x shape is %llu bytes, data_offsets say %llu", k, d->name,
                        (unsigned long long)bytes, (unsigned long long)(e - b));
      break;
    }
    if (e > datalen) {
      rc = whorl__error(err, WHORL_EFORMAT, path, (int64_t)(data0 + b), "safetensors tensor \"%s\": data_offsets beyond the end of the file", k);
      break;
    }
    t->nbytes = e - b;
    t->src = WHORL_SRC_FILE;
    t->fd = fd;
    t->off = data0 + b;
    sp[ns++] = (span){b, e, m->n - 1};
  }
  if (!rc) {
    qsort(sp, ns, sizeof *sp, by_begin);
    uint64_t at = 0;
    for (size_t i = 0; i < ns && !rc; i++) {
      if (sp[i].b > at)
        rc = whorl__error(err, WHORL_EFORMAT, path, (int64_t)(data0 + at), "safetensors data: %llu bytes that no tensor covers (a hole)", (unsigned long long)(sp[i].b - at));
      else if (sp[i].b < at)
        rc = whorl__error(err, WHORL_EFORMAT, path, (int64_t)(data0 + sp[i].b), "safetensors data: tensor \"%s\" overlaps another", m->t[sp[i].t].name);
      at = sp[i].e;
    }
    if (!rc && at != datalen)
      rc = whorl__error(err, WHORL_EFORMAT, path, (int64_t)(data0 + at), "safetensors data: %llu bytes after the last tensor", (unsigned long long)(datalen - at));
  }
  free(sp);
  whorl_json_free(j);
  return rc;
}
