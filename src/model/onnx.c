/* onnx.c - ONNX models (onnx/onnx onnx.proto) through our own protobuf
 * wire-format reader: streamed from the file (raw tensor data is located,
 * never loaded), every tensor normalized to C-order little-endian bytes
 * whether stored raw, typed (float_data, int32_data, ...) or as external
 * data; weights held by initializers, by Constant nodes, and inside If /
 * Loop / Scan subgraphs; and a canonical op graph that does not depend on
 * node or intermediate tensor names. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include "blake3.h"
#include "model/model.h"
#include "whorl/hash.h"

#define CHUNK 65536
#define TYPED_MAX (256ull << 20)
#define MAX_DEPTH 32

typedef struct pb {
  int fd;
  uint64_t size;
  const char *path;
  whorl_error *err;
  uint8_t cache[CHUNK];
  uint64_t cstart;
  size_t clen;
} pb;

static int pb_byte(pb *r, uint64_t off, uint8_t *b) {
  if (off >= r->size) return -1;
  if (off < r->cstart || off >= r->cstart + r->clen) {
    long long k = pread(r->fd, r->cache, CHUNK, (off_t)off);
    if (k <= 0) return -1;
    r->cstart = off;
    r->clen = (size_t)k;
  }
  *b = r->cache[off - r->cstart];
  return 0;
}

static int pb_read(pb *r, uint64_t off, void *out, size_t n) {
  if (n > r->size || off > r->size - n) return -1;
  if (off >= r->cstart && off + n <= r->cstart + r->clen) {
    memcpy(out, r->cache + (off - r->cstart), n);
    return 0;
  }
  return whorl__pread_full(r->fd, out, n, off) == (long long)n ? 0 : -1;
}

static int bad(pb *r, uint64_t off, const char *what) {
  return whorl__error(r->err, WHORL_EFORMAT, r->path, (int64_t)off, "ONNX: %s", what);
}

static int varint(pb *r, uint64_t *off, uint64_t end, uint64_t *v) {
  uint64_t x = 0;
  for (int s = 0; s < 64; s += 7) {
    uint8_t b;
    if (*off >= end || pb_byte(r, *off, &b)) return bad(r, *off, "truncated varint");
    (*off)++;
    x |= (uint64_t)(b & 0x7f) << s;
    if (!(b & 0x80)) {
      *v = x;
      return 0;
    }
  }
  return bad(r, *off, "varint longer than 10 bytes");
}

/* One field of a message [off, end): its number, wire type, and for
 * wire type 2 the payload's range; for 0 the value; 1/5 the value too. */
typedef struct field {
  uint32_t num;
  int wt;
  uint64_t v;        /* varint or fixed value */
  uint64_t p0, p1;   /* length-delimited payload */
} field;

static int next_field(pb *r, uint64_t *off, uint64_t end, field *f) {
  uint64_t key;
  uint64_t at = *off;
  if (varint(r, off, end, &key)) return -1;
  f->num = (uint32_t)(key >> 3);
  f->wt = (int)(key & 7);
  if (!f->num || (key >> 3) > 0x1fffffff) return bad(r, at, "field number 0 or too large");
  switch (f->wt) {
  case 0: return varint(r, off, end, &f->v);
  case 1: {
    uint8_t b[8];
    if (end - *off < 8 || pb_read(r, *off, b, 8)) return bad(r, *off, "truncated fixed64");
    f->v = 0;
    for (int i = 7; i >= 0; i--) f->v = f->v << 8 | b[i];
    *off += 8;
    return 0;
  }
  case 5: {
    uint8_t b[4];
    if (end - *off < 4 || pb_read(r, *off, b, 4)) return bad(r, *off, "truncated fixed32");
    f->v = (uint64_t)b[0] | (uint64_t)b[1] << 8 | (uint64_t)b[2] << 16 | (uint64_t)b[3] << 24;
    *off += 4;
    return 0;
  }
  case 2: {
    uint64_t len;
    if (varint(r, off, end, &len)) return -1;
    if (len > end - *off) return bad(r, *off, "a length beyond its message");
    f->p0 = *off;
    f->p1 = *off + len;
    *off += len;
    return 0;
  }
  default:
    return bad(r, at, "groups and unknown wire types are not used by ONNX");
  }
}

static char *pb_string(pb *r, const field *f) {
  uint64_t n = f->p1 - f->p0;
  if (n > (16u << 20)) return NULL;
  char *s = malloc(n + 1);
  if (!s || pb_read(r, f->p0, s, (size_t)n)) {
    free(s);
    return NULL;
  }
  s[n] = 0;
  return s;
}


/* ---- tensors ------------------------------------------------------------------------ */

static const char *onnx_dtype(uint64_t t) {
  switch (t) {
  case 1: return "float32";
  case 2: return "uint8";
  case 3: return "int8";
  case 4: return "uint16";
  case 5: return "int16";
  case 6: return "int32";
  case 7: return "int64";
  case 9: return "bool";
  case 10: return "float16";
  case 11: return "float64";
  case 12: return "uint32";
  case 13: return "uint64";
  case 14: return "complex64";
  case 15: return "complex128";
  case 16: return "bfloat16";
  case 17: return "float8_e4m3fn";
  case 18: return "float8_e4m3fnuz";
  case 19: return "float8_e5m2";
  case 20: return "float8_e5m2fnuz";
  default: return NULL;
  }
}

typedef struct reader {
  pb r;
  whorl_model *m;
  const char *dir; /* the model's folder, for external data */
  blake3_hasher graph;
  int depth;
} reader;

static void put_le(uint8_t *p, uint64_t v, int n) {
  for (int i = 0; i < n; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* A TensorProto at [p0, p1) into the model: an initializer by its name, a
 * Constant's value by the node's output (`fallback`); a tensor with
 * neither (other attributes) only feeds the graph's hash. Its dtype and shape also go into *arch. */
static int tensor(reader *x, uint64_t p0, uint64_t p1, const char *fallback, blake3_hasher *arch) {
  pb *r = &x->r;
  uint64_t dims[WHORL_MODEL_MAX_DIMS];
  int nd = 0;
  uint64_t dtype = 0, raw0 = 0, raw1 = 0;
  int has_raw = 0, external = 0;
  char *name = NULL, *loc = NULL;
  uint64_t ext_off = 0, ext_len = UINT64_MAX;
  /* typed values: collected as 8-byte items (doubles/int64 bits) then packed */
  whorl_buf typed = WHORL_BUF_INIT;
  uint64_t ntyped = 0;
  int rc = 0;
  uint64_t off = p0;
  while (off < p1 && !rc) {
    field f;
    if (next_field(r, &off, p1, &f)) {
      rc = -1;
      break;
    }
    switch (f.num) {
    case 1: /* dims */
      if (f.wt == 0) {
        if (nd >= WHORL_MODEL_MAX_DIMS) rc = bad(r, off, "more than 32 dims");
        else dims[nd++] = f.v;
      } else if (f.wt == 2) {
        uint64_t q = f.p0;
        while (q < f.p1 && !rc) {
          uint64_t v;
          if (varint(r, &q, f.p1, &v)) {
            rc = -1;
            break;
          }
          if (nd >= WHORL_MODEL_MAX_DIMS) rc = bad(r, q, "more than 32 dims");
          else dims[nd++] = v;
        }
      }
      break;
    case 2: dtype = f.v; break;
    case 8:
      free(name);
      name = pb_string(r, &f);
      break;
    case 9: raw0 = f.p0, raw1 = f.p1, has_raw = 1; break;
    case 14: external = f.v == 1; break;
    case 13: { /* external_data: StringStringEntryProto {key 1, value 2} */
      uint64_t q = f.p0;
      char *k = NULL, *v = NULL;
      while (q < f.p1) {
        field g;
        if (next_field(r, &q, f.p1, &g)) {
          rc = -1;
          break;
        }
        if (g.wt == 2 && g.num == 1) free(k), k = pb_string(r, &g);
        if (g.wt == 2 && g.num == 2) free(v), v = pb_string(r, &g);
      }
      if (k && v) {
        if (!strcmp(k, "location")) free(loc), loc = v, v = NULL;
        else if (!strcmp(k, "offset")) ext_off = strtoull(v, NULL, 10);
        else if (!strcmp(k, "length")) ext_len = strtoull(v, NULL, 10);
      }
      free(k), free(v);
      break;
    }
    case 4: case 5: case 7: case 10: case 11: { /* typed data: packed or not */
      int fixed = f.num == 4 ? 4 : f.num == 10 ? 8 : 0;
      if (f.wt == 2) {
        uint64_t q = f.p0;
        while (q < f.p1) {
          uint64_t v;
          if (fixed) {
            uint8_t b[8];
            if (f.p1 - q < (uint64_t)fixed || pb_read(r, q, b, (size_t)fixed)) {
              rc = bad(r, q, "truncated packed values");
              break;
            }
            v = 0;
            for (int i = fixed - 1; i >= 0; i--) v = v << 8 | b[i];
            q += (uint64_t)fixed;
          } else if (varint(r, &q, f.p1, &v)) {
            rc = -1;
            break;
          }
          whorl_buf_put(&typed, &v, 8);
          ntyped++;
          if (typed.len > TYPED_MAX) {
            rc = bad(r, q, "typed tensor data above 256 MiB");
            break;
          }
        }
      } else {
        whorl_buf_put(&typed, &f.v, 8);
        ntyped++;
      }
      break;
    }
    case 6:
      rc = whorl__error(r->err, WHORL_EUNSUPPORTED, r->path, (int64_t)off, "ONNX string tensors are not supported yet");
      break;
    default: break;
    }
  }
  if (rc) {
    free(name), free(loc), whorl_buf_free(&typed);
    return rc;
  }
  const char *dn = onnx_dtype(dtype);
  const whorl_dtype *dt = dn ? whorl__dtype_by_name(dn) : NULL;
  /* a Constant's value is named by the node's output (its TensorProto name,
   * if any, is not an identity: exporters write "empty", "value", ...) */
  const char *nm = fallback ? fallback : name && *name ? name : NULL;
  if (!dt) {
    rc = whorl__error(r->err, WHORL_EUNSUPPORTED, r->path, (int64_t)p0, "ONNX tensor \"%s\": data type %llu not supported", nm ? nm : "", (unsigned long long)dtype);
    free(name), free(loc), whorl_buf_free(&typed);
    return rc;
  }
  unsigned __int128 count = 1;
  for (int i = 0; i < nd; i++) {
    count *= dims[i];
    if (count >> 62) {
      free(name), free(loc), whorl_buf_free(&typed);
      return bad(r, p0, "tensor shape too large");
    }
  }
  uint64_t es = dt->bits / 8, nbytes = (uint64_t)count * es;
  /* architecture: dtype and shape, not the name (edge names do not count) */
  blake3_hasher_update(arch, dn, strlen(dn) + 1);
  uint8_t b8[8];
  put_le(b8, (uint64_t)nd, 8);
  blake3_hasher_update(arch, b8, 8);
  for (int i = 0; i < nd; i++) put_le(b8, dims[i], 8), blake3_hasher_update(arch, b8, 8);
  if (!nm) { /* an unnamed attribute tensor (not a Constant's value): part of the graph only */
    free(name), free(loc), whorl_buf_free(&typed);
    return 0;
  }
  whorl_mtensor *t = whorl__model_add(x->m, nm, strlen(nm));
  if (!t) {
    free(name), free(loc), whorl_buf_free(&typed);
    return whorl__error(r->err, WHORL_ENOMEM, r->path, -1, "out of memory");
  }
  t->dtype = dt;
  t->ndim = nd;
  for (int i = 0; i < nd; i++) t->shape[i] = dims[i];
  t->nbytes = nbytes;
  if (external) {
    if (!loc || loc[0] == '/' || strstr(loc, "..")) {
      rc = whorl__error(r->err, WHORL_EFORMAT, r->path, (int64_t)p0, "ONNX tensor \"%s\": external data location missing, absolute or outside the model's folder", nm);
    } else {
      char p[4096];
      snprintf(p, sizeof p, "%s/%s", x->dir, loc);
      int fd = open(p, O_RDONLY | O_CLOEXEC);
      struct stat st;
      if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode)) {
        if (fd >= 0) close(fd);
        rc = whorl__error(r->err, WHORL_EFORMAT, p, -1, "ONNX tensor \"%s\": its external data file cannot be read", nm);
      } else if (whorl__model_keep_fd(x->m, fd)) {
        close(fd);
        rc = whorl__error(r->err, WHORL_ENOMEM, r->path, -1, "out of memory");
      } else {
        if (ext_len == UINT64_MAX) ext_len = nbytes;
        if (ext_len != nbytes || ext_off > (uint64_t)st.st_size || nbytes > (uint64_t)st.st_size - ext_off)
          rc = whorl__error(r->err, WHORL_EFORMAT, p, (int64_t)ext_off, "ONNX tensor \"%s\": external data of %llu bytes at %llu does not fit", nm,
                            (unsigned long long)nbytes, (unsigned long long)ext_off);
        t->src = WHORL_SRC_FILE;
        t->fd = fd;
        t->off = ext_off;
      }
    }
  } else if (has_raw) {
    if (raw1 - raw0 != nbytes)
      rc = whorl__error(r->err, WHORL_EFORMAT, r->path, (int64_t)raw0, "ONNX tensor \"%s\": raw_data of %llu bytes for %llu", nm,
                        (unsigned long long)(raw1 - raw0), (unsigned long long)nbytes);
    t->src = WHORL_SRC_FILE;
    t->fd = x->r.fd;
    t->off = raw0;
  } else {
    /* typed: complex types hold two values per element */
    uint64_t per = dt->kind == 'c' ? 2 : 1;
    if (ntyped != (uint64_t)count * per) {
      rc = whorl__error(r->err, WHORL_EFORMAT, r->path, (int64_t)p0, "ONNX tensor \"%s\": %llu typed values for %llu elements", nm,
                        (unsigned long long)ntyped, (unsigned long long)count);
    } else {
      t->mem = malloc(nbytes + 1);
      if (!t->mem) rc = whorl__error(r->err, WHORL_ENOMEM, r->path, -1, "out of memory");
      const uint64_t *v = (const uint64_t *)typed.data;
      for (uint64_t i = 0; !rc && i < ntyped; i++) {
        uint64_t w = v[i];
        size_t part = (size_t)(es / per);
        if (!strcmp(dn, "float32") || !strcmp(dn, "complex64")) {
          put_le(t->mem + i * 4, w, 4); /* float_data holds the float's bits */
        } else {
          put_le(t->mem + i * part, w, (int)part); /* integers (and 16/8-bit float bits) truncated to their width */
        }
      }
      t->src = WHORL_SRC_MEM;
    }
  }
  free(name), free(loc), whorl_buf_free(&typed);
  return rc;
}

/* ---- graphs -------------------------------------------------------------------------------- */

typedef struct label {
  char *name;
  uint8_t h[32];
} label;

typedef struct gstate {
  label *l;
  size_t n, cap;
} gstate;

static const uint8_t *find_label(const gstate *g, const char *name) {
  for (size_t i = g->n; i-- > 0;)
    if (!strcmp(g->l[i].name, name)) return g->l[i].h;
  return NULL;
}

static int add_label(gstate *g, const char *name, const uint8_t h[32]) {
  label *n = whorl__grow_array(g->l, &g->cap, g->n, sizeof *g->l);
  if (!n) return -1;
  g->l = n;
  g->l[g->n].name = strdup(name);
  if (!g->l[g->n].name) return -1;
  memcpy(g->l[g->n].h, h, 32);
  g->n++;
  return 0;
}

static int cmp32(const void *a, const void *b) { return memcmp(a, b, 32); }

static int graph(reader *x, uint64_t p0, uint64_t p1, gstate *outer, uint8_t out[32]);

/* An AttributeProto: into h (name, type, values; subgraphs by their
 * structural hash; tensors by dtype/shape, and Constant values become
 * weights named after the node's output). */
static int attribute(reader *x, uint64_t p0, uint64_t p1, blake3_hasher *h, const char *const_out, gstate *g) {
  pb *r = &x->r;
  char *name = NULL;
  uint64_t off = p0;
  int rc = 0;
  /* first the name (it decides what a Constant's tensor is called) */
  while (off < p1) {
    field f;
    if (next_field(r, &off, p1, &f)) {
      free(name);
      return -1;
    }
    if (f.num == 1 && f.wt == 2) {
      free(name);
      name = pb_string(r, &f);
    }
  }
  if (!name) return bad(r, p0, "an attribute without a name");
  blake3_hasher_update(h, name, strlen(name) + 1);
  off = p0;
  while (off < p1 && !rc) {
    field f;
    if (next_field(r, &off, p1, &f)) {
      free(name);
      return -1;
    }
    uint8_t tag[12];
    put_le(tag, f.num, 4);
    put_le(tag + 4, f.v, 8);
    switch (f.num) {
    case 2: case 3: case 20: blake3_hasher_update(h, tag, 12); break; /* f, i, type */
    case 4: case 9: { /* s, strings */
      uint8_t buf[4096];
      blake3_hasher_update(h, tag, 4);
      for (uint64_t q = f.p0; q < f.p1;) {
        size_t k = f.p1 - q < sizeof buf ? (size_t)(f.p1 - q) : sizeof buf;
        if (pb_read(r, q, buf, k)) {
          free(name);
          return bad(r, q, "truncated attribute");
        }
        blake3_hasher_update(h, buf, k);
        q += k;
      }
      put_le(tag, f.p1 - f.p0, 8);
      blake3_hasher_update(h, tag, 8);
      break;
    }
    case 7: case 8: { /* floats, ints: packed or single */
      blake3_hasher_update(h, tag, 4);
      if (f.wt != 2) blake3_hasher_update(h, tag + 4, 8);
      else {
        uint8_t buf[4096];
        for (uint64_t q = f.p0; q < f.p1;) {
          size_t k = f.p1 - q < sizeof buf ? (size_t)(f.p1 - q) : sizeof buf;
          if (pb_read(r, q, buf, k)) {
            free(name);
            return bad(r, q, "truncated attribute");
          }
          blake3_hasher_update(h, buf, k);
          q += k;
        }
      }
      break;
    }
    case 5: /* t: a Constant's value is a weight */
      blake3_hasher_update(h, tag, 4);
      rc = tensor(x, f.p0, f.p1, const_out && !strcmp(name, "value") ? const_out : NULL, h);
      break;
    case 10: /* tensors */
      blake3_hasher_update(h, tag, 4);
      rc = tensor(x, f.p0, f.p1, NULL, h);
      break;
    case 6: case 11: { /* g, graphs */
      uint8_t sub[32];
      rc = graph(x, f.p0, f.p1, g, sub);
      blake3_hasher_update(h, tag, 4);
      blake3_hasher_update(h, sub, 32);
      break;
    }
    default: break;
    }
  }
  free(name);
  return rc;
}

/* A NodeProto: its label from op type, domain, attributes and its inputs'
 * labels; its outputs get labels (label, index). */
static int node(reader *x, uint64_t p0, uint64_t p1, gstate *g, uint8_t out[32]) {
  pb *r = &x->r;
  char *op = NULL, *domain = NULL;
  char **outs = NULL;
  size_t nouts = 0, ocap = 0;
  blake3_hasher h;
  blake3_hasher_init(&h);
  blake3_hasher_update(&h, "whorl-onnx-node-1", 18);
  uint64_t off = p0;
  int rc = 0;
  /* op type, domain, outputs first (a Constant's value is named by its output) */
  while (off < p1 && !rc) {
    field f;
    if (next_field(r, &off, p1, &f)) {
      rc = -1; /* (the names read so far are freed below) */
      break;
    }
    if (f.wt != 2) continue;
    if (f.num == 4) free(op), op = pb_string(r, &f);
    else if (f.num == 7) free(domain), domain = pb_string(r, &f);
    else if (f.num == 2) {
      char **gg = whorl__grow_array(outs, &ocap, nouts, sizeof *outs);
      if (!gg) rc = -1;
      else {
        outs = gg;
        outs[nouts++] = pb_string(r, &f);
      }
    }
  }
  if (!rc && !op) rc = bad(r, p0, "a node without op_type");
  if (!rc && (x->m->ops || (x->m->ops = whorl_json_object()))) { /* the operator count, for diffs */
    char key[160];
    snprintf(key, sizeof key, "%s%s%s", domain && *domain ? domain : "", domain && *domain ? "::" : "", op);
    whorl__utf8_scrub(key);
    const whorl_json *c = whorl_json_object_get(x->m->ops, key);
    whorl_json_object_set(x->m->ops, key, whorl_json_int(c ? whorl_json_get_int(c) + 1 : 1));
  }
  if (!rc) {
    blake3_hasher_update(&h, op, strlen(op) + 1);
    blake3_hasher_update(&h, domain ? domain : "", strlen(domain ? domain : "") + 1);
  }
  const char *const_out = !rc && !strcmp(op, "Constant") && nouts && outs[0] ? outs[0] : NULL;
  off = p0;
  uint32_t input_index = 0;
  while (off < p1 && !rc) {
    field f;
    if (next_field(r, &off, p1, &f)) {
      rc = -1;
      break;
    }
    if (f.num == 1 && f.wt == 2) { /* an input: its label, or "empty" / "unknown" */
      char *in = pb_string(r, &f);
      uint8_t tag[4];
      put_le(tag, input_index++, 4);
      blake3_hasher_update(&h, tag, 4);
      if (!in) rc = bad(r, f.p0, "an unreadable input name");
      else if (!*in) blake3_hasher_update(&h, "-", 1);
      else {
        const uint8_t *l = find_label(g, in);
        if (l) blake3_hasher_update(&h, l, 32);
        else blake3_hasher_update(&h, "?", 1); /* defined later or outside: structure only */
      }
      free(in);
    } else if (f.num == 5 && f.wt == 2) {
      blake3_hasher_update(&h, "a", 1);
      rc = attribute(x, f.p0, f.p1, &h, const_out, g);
    }
  }
  if (!rc) {
    blake3_hasher_finalize(&h, out, 32);
    for (size_t i = 0; i < nouts && !rc; i++) {
      if (!outs[i] || !*outs[i]) continue;
      blake3_hasher o;
      blake3_hasher_init(&o);
      blake3_hasher_update(&o, out, 32);
      uint8_t tag[8];
      put_le(tag, i, 8);
      blake3_hasher_update(&o, tag, 8);
      uint8_t l[32];
      blake3_hasher_finalize(&o, l, 32);
      if (add_label(g, outs[i], l)) rc = whorl__error(r->err, WHORL_ENOMEM, r->path, -1, "out of memory");
    }
  }
  for (size_t i = 0; i < nouts; i++) free(outs[i]);
  free(outs);
  free(op);
  free(domain);
  return rc;
}

static int graph(reader *x, uint64_t p0, uint64_t p1, gstate *outer, uint8_t out[32]) {
  pb *r = &x->r;
  if (++x->depth > MAX_DEPTH) return bad(r, p0, "subgraphs nested deeper than 32");
  gstate g = {0};
  /* the outer scope's names stay visible in a subgraph */
  int rc = 0;
  for (size_t i = 0; outer && i < outer->n && !rc; i++) rc = add_label(&g, outer->l[i].name, outer->l[i].h);
  uint8_t *nodes = NULL;
  size_t nn = 0, ncap = 0;
  uint32_t nin = 0;
  blake3_hasher gh;
  blake3_hasher_init(&gh);
  blake3_hasher_update(&gh, "whorl-onnx-graph-1", 19);
  /* pass 1: inputs and initializers name values */
  uint64_t off = p0;
  while (off < p1 && !rc) {
    field f;
    if (next_field(r, &off, p1, &f)) {
      rc = -1;
      break;
    }
    if (f.wt != 2) continue;
    if (f.num == 11) { /* ValueInfoProto input: name 1 */
      uint64_t q = f.p0;
      while (q < f.p1 && !rc) {
        field v;
        if (next_field(r, &q, f.p1, &v)) rc = -1;
        else if (v.num == 1 && v.wt == 2) {
          char *nm = pb_string(r, &v);
          uint8_t l[32] = {0};
          if (nm && !find_label(&g, nm)) {
            put_le(l, 0x696e707574ull, 8); /* "input" + its position */
            put_le(l + 8, nin, 4);
            rc = add_label(&g, nm, l);
          }
          nin++;
          free(nm);
        }
      }
    } else if (f.num == 5 || f.num == 15) { /* initializer: named by its name (weights are identified by name) */
      size_t before = x->m->n;
      blake3_hasher th;
      blake3_hasher_init(&th);
      rc = f.num == 5 ? tensor(x, f.p0, f.p1, NULL, &th)
                      : whorl__error(r->err, WHORL_EUNSUPPORTED, r->path, (int64_t)f.p0, "ONNX sparse initializers are not supported yet");
      if (!rc && x->m->n > before) {
        uint8_t l[32];
        blake3_hasher_update(&th, x->m->t[x->m->n - 1].name, strlen(x->m->t[x->m->n - 1].name) + 1);
        blake3_hasher_finalize(&th, l, 32);
        rc = add_label(&g, x->m->t[x->m->n - 1].name, l);
      }
    }
  }
  /* pass 2: nodes in file order (topological) */
  off = p0;
  while (off < p1 && !rc) {
    field f;
    if (next_field(r, &off, p1, &f)) {
      rc = -1;
      break;
    }
    if (f.num == 1 && f.wt == 2) {
      uint8_t *gg = whorl__grow_array(nodes, &ncap, nn, 32);
      if (!gg) {
        rc = -1;
        break;
      }
      nodes = gg;
      rc = node(x, f.p0, f.p1, &g, nodes + 32 * nn);
      nn++;
    }
  }
  /* the outputs' labels, in order; the nodes as a set */
  off = p0;
  while (off < p1 && !rc) {
    field f;
    if (next_field(r, &off, p1, &f)) {
      rc = -1;
      break;
    }
    if (f.num == 12 && f.wt == 2) {
      uint64_t q = f.p0;
      while (q < f.p1 && !rc) {
        field v;
        if (next_field(r, &q, f.p1, &v)) rc = -1;
        else if (v.num == 1 && v.wt == 2) {
          char *nm = pb_string(r, &v);
          const uint8_t *l = nm ? find_label(&g, nm) : NULL;
          blake3_hasher_update(&gh, "o", 1);
          if (l) blake3_hasher_update(&gh, l, 32);
          free(nm);
        }
      }
    }
  }
  if (!rc) {
    if (nn) qsort(nodes, nn, 32, cmp32);
    uint8_t cnt[8];
    put_le(cnt, nn, 8);
    blake3_hasher_update(&gh, cnt, 8);
    if (nn) blake3_hasher_update(&gh, nodes, nn * 32);
    blake3_hasher_finalize(&gh, out, 32);
  }
  for (size_t i = 0; i < g.n; i++) free(g.l[i].name);
  free(g.l);
  free(nodes);
  x->depth--;
  return rc;
}

int whorl__onnx_read(whorl_model *m, const char *path, int fd, uint64_t size, const char *dir, whorl_error *err) {
  snprintf(m->format, sizeof m->format, "onnx");
  reader x;
  memset(&x, 0, sizeof x);
  x.r.fd = fd;
  x.r.size = size;
  x.r.path = path;
  x.r.err = err;
  x.r.cstart = UINT64_MAX;
  x.m = m;
  x.dir = dir;
  whorl_json *meta = whorl_json_object(), *opsets = whorl_json_object(), *props = whorl_json_object();
  uint64_t off = 0;
  int rc = 0, graphs = 0;
  uint8_t gid[32];
  while (off < size && !rc) {
    field f;
    if (next_field(&x.r, &off, size, &f)) {
      rc = err->code ? err->code : WHORL_EFORMAT;
      break;
    }
    if (f.num == 1 && f.wt == 0) whorl_json_object_set(meta, "ir_version", whorl_json_int((int64_t)f.v));
    else if ((f.num == 2 || f.num == 3 || f.num == 4) && f.wt == 2) {
      char *s = pb_string(&x.r, &f);
      if (s) whorl_json_object_set(meta, f.num == 2 ? "producer_name" : f.num == 3 ? "producer_version" : "domain", whorl__model_text(s, strlen(s)));
      free(s);
    } else if (f.num == 5 && f.wt == 0) whorl_json_object_set(meta, "model_version", whorl_json_int((int64_t)f.v));
    else if (f.num == 8 && f.wt == 2) { /* OperatorSetIdProto: domain 1, version 2 */
      uint64_t q = f.p0;
      char *d = NULL;
      int64_t ver = 0;
      while (q < f.p1 && !rc) {
        field g;
        if (next_field(&x.r, &q, f.p1, &g)) rc = -1;
        else if (g.num == 1 && g.wt == 2) free(d), d = pb_string(&x.r, &g);
        else if (g.num == 2 && g.wt == 0) ver = (int64_t)g.v;
      }
      if (!rc) whorl_json_object_set(opsets, d && whorl__utf8_valid(d, strlen(d)) ? d : "", whorl_json_int(ver));
      free(d);
    } else if (f.num == 14 && f.wt == 2) {
      uint64_t q = f.p0;
      char *k = NULL, *v = NULL;
      while (q < f.p1 && !rc) {
        field g;
        if (next_field(&x.r, &q, f.p1, &g)) rc = -1;
        else if (g.num == 1 && g.wt == 2) free(k), k = pb_string(&x.r, &g);
        else if (g.num == 2 && g.wt == 2) free(v), v = pb_string(&x.r, &g);
      }
      if (!rc && k && v) {
        /* a key that is not UTF-8: by its hex, marked (never dropped: its
         * change must show) */
        char *hk = NULL;
        if (!whorl__utf8_valid(k, strlen(k)) && (hk = malloc(2 * strlen(k) + 12))) {
          memcpy(hk, "string_hex:", 11);
          whorl_hex((const uint8_t *)k, strlen(k), hk + 11);
        }
        whorl_json_object_set(props, hk ? hk : k, whorl__model_text(v, strlen(v)));
        free(hk);
      }
      free(k), free(v);
    } else if (f.num == 7 && f.wt == 2) {
      if (graphs++) rc = bad(&x.r, f.p0, "two graphs in one model");
      else rc = graph(&x, f.p0, f.p1, NULL, gid);
    }
  }
  if (rc && !err->message[0]) whorl__error(err, rc < 0 ? WHORL_EFORMAT : rc, path, -1, "ONNX: unreadable");
  if (rc < 0) rc = err->code ? err->code : WHORL_EFORMAT;
  if (!rc && !graphs) rc = whorl__error(err, WHORL_EFORMAT, path, -1, "not an ONNX model: no graph");
  if (!rc && !whorl_json_size(opsets)) rc = whorl__error(err, WHORL_EFORMAT, path, -1, "an ONNX model without opset_import (truncated?)");
  if (rc) {
    whorl_json_free(meta), whorl_json_free(opsets), whorl_json_free(props);
    return rc;
  }
  /* opsets, metadata_props and model_version configure the model; the
   * producer and the IR version describe the file */
  whorl_json *cfg = whorl_json_object();
  whorl_json_object_set(cfg, "opset_import", opsets);
  if (whorl_json_size(props)) whorl_json_object_set(cfg, "metadata_props", props);
  else whorl_json_free(props);
  const whorl_json *mv = whorl_json_object_get(meta, "model_version");
  if (mv) {
    whorl_json_object_set(cfg, "model_version", whorl_json_clone(mv));
    whorl_json_object_remove(meta, "model_version");
  }
  m->meta = cfg;
  m->container = meta;
  m->meta_src = "onnx";
  memcpy(m->graph_id, gid, 32);
  m->has_graph = 1;
  return WHORL_OK;
}
