/* tensor.c - dtypes, the model container, tensor hashing and statistics
 * (model.h). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blake3.h"
#include "model/model.h"
#include "whorl/hash.h"

static const whorl_dtype DTYPES[] = {
    {"bool", 8, 1, 'b'},          {"uint8", 8, 1, 'u'},          {"int8", 8, 1, 'i'},
    {"int16", 16, 1, 'i'},        {"uint16", 16, 1, 'u'},        {"int32", 32, 1, 'i'},
    {"uint32", 32, 1, 'u'},       {"int64", 64, 1, 'i'},         {"uint64", 64, 1, 'u'},
    {"float16", 16, 1, 'f'},      {"bfloat16", 16, 1, 'f'},      {"float32", 32, 1, 'f'},
    {"float64", 64, 1, 'f'},      {"complex32", 32, 1, 'c'},     {"complex64", 64, 1, 'c'},
    {"complex128", 128, 1, 'c'},  {"float8_e5m2", 8, 1, 'q'},    {"float8_e4m3fn", 8, 1, 'q'},
    {"float8_e8m0fnu", 8, 1, 'q'}, {"float8_e4m3fnuz", 8, 1, 'q'}, {"float8_e5m2fnuz", 8, 1, 'q'},
    {"qint8", 8, 1, 'q'},         {"quint8", 8, 1, 'q'},         {"qint32", 32, 1, 'q'},
    /* ggml block types (GGUF): bits of one block of `block` elements */
    {"ggml_q4_0", 18 * 8, 32, 'q'},    {"ggml_q4_1", 20 * 8, 32, 'q'},    {"ggml_q5_0", 22 * 8, 32, 'q'},
    {"ggml_q5_1", 24 * 8, 32, 'q'},    {"ggml_q8_0", 34 * 8, 32, 'q'},    {"ggml_q8_1", 36 * 8, 32, 'q'},
    {"ggml_q2_k", 84 * 8, 256, 'q'},   {"ggml_q3_k", 110 * 8, 256, 'q'},  {"ggml_q4_k", 144 * 8, 256, 'q'},
    {"ggml_q5_k", 176 * 8, 256, 'q'},  {"ggml_q6_k", 210 * 8, 256, 'q'},  {"ggml_q8_k", 292 * 8, 256, 'q'},
    {"ggml_iq2_xxs", 66 * 8, 256, 'q'}, {"ggml_iq2_xs", 74 * 8, 256, 'q'}, {"ggml_iq3_xxs", 98 * 8, 256, 'q'},
    {"ggml_iq1_s", 50 * 8, 256, 'q'},  {"ggml_iq4_nl", 18 * 8, 32, 'q'},  {"ggml_iq3_s", 110 * 8, 256, 'q'},
    {"ggml_iq2_s", 82 * 8, 256, 'q'},  {"ggml_iq4_xs", 136 * 8, 256, 'q'}, {"ggml_iq1_m", 56 * 8, 256, 'q'},
    {"ggml_tq1_0", 54 * 8, 256, 'q'},  {"ggml_tq2_0", 66 * 8, 256, 'q'},
    {"ggml_mxfp4", 17 * 8, 32, 'q'}, /* gpt-oss: an E8M0 scale and 32 E2M1 nibbles */
};

const whorl_dtype *whorl__dtype_by_name(const char *name) {
  for (size_t i = 0; i < sizeof DTYPES / sizeof *DTYPES; i++)
    if (!strcmp(DTYPES[i].name, name)) return &DTYPES[i];
  return NULL;
}

void whorl__model_init(whorl_model *m) { memset(m, 0, sizeof *m); }

void whorl__model_free(whorl_model *m) {
  for (size_t i = 0; i < m->n; i++) {
    free(m->t[i].name);
    free(m->t[i].mem);
  }
  free(m->t);
  whorl_json_free(m->meta);
  whorl_json_free(m->container);
  whorl_json_free(m->extra);
  whorl_json_free(m->ops);
  free(m->find);
  for (size_t i = 0; i < m->nzips; i++) {
    whorl__zip_close(m->zips[i]);
    free(m->zips[i]);
  }
  free(m->zips);
  for (size_t i = 0; i < m->nfds; i++) close(m->fds[i]);
  free(m->fds);
  memset(m, 0, sizeof *m);
}

whorl_mtensor *whorl__model_add(whorl_model *m, const char *name, size_t name_len) {
  whorl_mtensor *g = whorl__grow_array(m->t, &m->cap, m->n, sizeof *m->t);
  if (!g) return NULL;
  m->t = g;
  whorl_mtensor *t = &m->t[m->n];
  memset(t, 0, sizeof *t);
  t->name = malloc(name_len + 1);
  if (!t->name) return NULL;
  memcpy(t->name, name, name_len);
  t->name[name_len] = 0;
  t->fd = -1;
  m->n++;
  return t;
}

void whorl__model_finding(whorl_model *m, const char *where, const char *fmt, ...) {
  if (m->nfind >= 1000) return;
  whorl_finding *g = whorl__grow_array(m->find, &m->findcap, m->nfind, sizeof *m->find);
  if (!g) return;
  m->find = g;
  whorl_finding *f = &m->find[m->nfind++];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(f->what, sizeof f->what, fmt, ap);
  va_end(ap);
  snprintf(f->where, sizeof f->where, "%s", where ? where : "");
  f->pickle[0] = 0;
}

whorl_zip *whorl__model_new_zip(whorl_model *m) {
  whorl_zip **g = realloc(m->zips, (m->nzips + 1) * sizeof *g);
  if (!g) return NULL;
  m->zips = g;
  whorl_zip *z = calloc(1, sizeof *z);
  if (!z) return NULL;
  m->zips[m->nzips++] = z;
  return z;
}

int whorl__model_keep_fd(whorl_model *m, int fd) {
  int *g = realloc(m->fds, (m->nfds + 1) * sizeof *g);
  if (!g) return -1;
  m->fds = g;
  m->fds[m->nfds++] = fd;
  return 0;
}

/* ---- statistics ------------------------------------------------------------ */

typedef struct tstats {
  double sum, sumc, sq, sqc, min, max;
  uint64_t n, zeros, nans, infs;
} tstats;

static inline void neumaier(double *s, double *c, double x) {
  double t = *s + x;
  if (fabs(*s) >= fabs(x)) *c += (*s - t) + x;
  else *c += (x - t) + *s;
  *s = t;
}

static double half_to_double(uint16_t h) {
  int e = (h >> 10) & 31, m = h & 1023;
  double v = e == 0 ? ldexp(m, -24) : e == 31 ? (m ? NAN : INFINITY) : ldexp(m | 1024, e - 25);
  return (h & 0x8000) ? -v : v;
}

static inline void stat_add(tstats *s, double x) {
  if (isnan(x)) {
    s->nans++;
    return;
  }
  if (isinf(x)) {
    s->infs++;
    return;
  }
  if (!s->n) s->min = s->max = x;
  if (x < s->min) s->min = x;
  if (x > s->max) s->max = x;
  s->n++;
  s->zeros += x == 0;
  neumaier(&s->sum, &s->sumc, x);
  neumaier(&s->sq, &s->sqc, x * x);
}

static void stat_bytes(tstats *s, const whorl_dtype *dt, const uint8_t *p, size_t n) {
  if (!strcmp(dt->name, "float32")) {
    for (size_t i = 0; i + 4 <= n; i += 4) {
      float f;
      memcpy(&f, p + i, 4);
      stat_add(s, f);
    }
  } else if (!strcmp(dt->name, "float64")) {
    for (size_t i = 0; i + 8 <= n; i += 8) {
      double d;
      memcpy(&d, p + i, 8);
      stat_add(s, d);
    }
  } else if (!strcmp(dt->name, "float16")) {
    for (size_t i = 0; i + 2 <= n; i += 2) stat_add(s, half_to_double((uint16_t)(p[i] | p[i + 1] << 8)));
  } else if (!strcmp(dt->name, "bfloat16")) {
    for (size_t i = 0; i + 2 <= n; i += 2) {
      uint32_t b = (uint32_t)(p[i] | p[i + 1] << 8) << 16;
      float f;
      memcpy(&f, &b, 4);
      stat_add(s, f);
    }
  }
}

static int stats_apply(const whorl_dtype *dt) {
  return !strcmp(dt->name, "float32") || !strcmp(dt->name, "float64") || !strcmp(dt->name, "float16") ||
         !strcmp(dt->name, "bfloat16");
}

/* ---- hashing ------------------------------------------------------------------ */

static void b3_u64(blake3_hasher *h, uint64_t v) {
  uint8_t b[8];
  for (int i = 0; i < 8; i++) b[i] = (uint8_t)(v >> (8 * i));
  blake3_hasher_update(h, b, 8);
}

#define PIECE (4u << 20)

int whorl__tensor_hash(whorl_mtensor *t, const char *path, int stats, whorl_error *err) {
  blake3_hasher h;
  blake3_hasher_init(&h);
  blake3_hasher_update(&h, "whorl-tensor-1", 15);
  b3_u64(&h, strlen(t->dtype->name));
  blake3_hasher_update(&h, t->dtype->name, strlen(t->dtype->name));
  b3_u64(&h, (uint64_t)t->ndim);
  for (int i = 0; i < t->ndim; i++) b3_u64(&h, t->shape[i]);
  b3_u64(&h, t->nbytes);
  tstats s;
  memset(&s, 0, sizeof s);
  int want = stats && stats_apply(t->dtype);
  int rc = WHORL_OK;
  uint64_t done = 0;
  if (t->src == WHORL_SRC_MEM) {
    blake3_hasher_update(&h, t->mem, (size_t)t->nbytes);
    if (want) stat_bytes(&s, t->dtype, t->mem, (size_t)t->nbytes);
    done = t->nbytes;
  } else if (t->src == WHORL_SRC_FILE || t->src == WHORL_SRC_ZIP) {
    uint8_t *buf = malloc(PIECE);
    whorl_zip_reader *zr = NULL;
    if (!buf) return whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
    if (t->src == WHORL_SRC_ZIP) {
      rc = whorl__zip_member_open(t->zip, t->zip_index, &zr, err);
      uint64_t skip = t->zip_skip;
      while (!rc && skip) {
        long long k = whorl__zip_member_read(zr, buf, skip < PIECE ? (size_t)skip : PIECE, err);
        if (k < 0) rc = (int)k;
        else if (k == 0) rc = whorl__error(err, WHORL_EFORMAT, path, -1, "tensor \"%s\": its data ends early", t->name);
        else skip -= (uint64_t)k;
      }
    }
    while (!rc && done < t->nbytes) {
      size_t want_n = t->nbytes - done < PIECE ? (size_t)(t->nbytes - done) : PIECE;
      long long k;
      if (t->src == WHORL_SRC_FILE) {
        k = pread(t->fd, buf, want_n, (off_t)(t->off + done));
        if (k < 0) rc = whorl__error_errno(err, errno, path, "read");
        else if (k == 0) rc = whorl__error(err, WHORL_EFORMAT, path, (int64_t)(t->off + done), "tensor \"%s\": the file ends inside its data", t->name);
      } else {
        k = whorl__zip_member_read(zr, buf, want_n, err);
        if (k < 0) rc = (int)k;
        else if (k == 0) rc = whorl__error(err, WHORL_EFORMAT, path, -1, "tensor \"%s\": its data ends early", t->name);
      }
      if (rc) break;
      blake3_hasher_update(&h, buf, (size_t)k);
      /* statistics need whole elements: pieces are 4 MiB, element sizes divide it */
      if (want) stat_bytes(&s, t->dtype, buf, (size_t)k);
      done += (uint64_t)k;
    }
    if (zr) {
      /* drain to the member's end so its CRC is checked */
      while (!rc) {
        long long k = whorl__zip_member_read(zr, buf, PIECE, err);
        if (k < 0) rc = (int)k;
        if (k <= 0) break;
      }
      whorl__zip_member_close(zr);
    }
    free(buf);
  } else if (t->nbytes) {
    return whorl__error(err, WHORL_EINVAL, path, -1, "tensor \"%s\": no data source", t->name);
  }
  if (rc) return rc;
  blake3_hasher_finalize(&h, t->hash, 32);
  t->hashed = 1;
  if (want) {
    t->has_stats = 1;
    t->count = s.n + s.nans + s.infs;
    t->nans = s.nans;
    t->infs = s.infs;
    t->zeros = s.zeros;
    double n = (double)s.n, sum = s.sum + s.sumc, sq = s.sq + s.sqc;
    t->mean = s.n ? sum / n : NAN;
    double var = s.n ? sq / n - t->mean * t->mean : NAN;
    t->std = s.n ? sqrt(var > 0 ? var : 0) : NAN;
    t->min = s.n ? s.min : NAN;
    t->max = s.n ? s.max : NAN;
    t->l2 = sqrt(sq > 0 ? sq : 0);
  }
  return WHORL_OK;
}

whorl_json *whorl__model_mark(const char *k, whorl_json *v) {
  whorl_json *o = whorl_json_object();
  if (!o || !v) {
    whorl_json_free(o);
    whorl_json_free(v);
    return NULL;
  }
  whorl_json_object_set(o, k, v);
  return o;
}

whorl_json *whorl__model_float(double f) {
  if (isnan(f)) return whorl__model_mark("float", whorl_json_string("nan"));
  if (isinf(f)) return whorl__model_mark("float", whorl_json_string(f > 0 ? "inf" : "-inf"));
  return whorl_json_double(f);
}

whorl_json *whorl__model_hex(const char *k, const uint8_t *p, size_t n) {
  char *h = malloc(2 * n + 1);
  if (!h) return NULL;
  whorl_hex(p, n, h);
  h[2 * n] = 0;
  whorl_json *j = whorl__model_mark(k, whorl_json_string(h));
  free(h);
  return j;
}

whorl_json *whorl__model_text(const char *s, size_t n) {
  return whorl__utf8_valid(s, n) ? whorl_json_stringn(s, n) : whorl__model_hex("string_hex", (const uint8_t *)s, n);
}
