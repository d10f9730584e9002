/* numpy.c - NumPy .npy and .npz as named tensors (model.h). An .npy is one
 * tensor named "array" (a file name is not part of any id); an .npz member
 * "w.npy" is the tensor "w". Arrays already C-order little-endian are
 * streamed from the file (or the deflated member); Fortran-order and
 * big-endian ones are rearranged in memory. Object arrays (pickles) are
 * refused by the header parser. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/npy.h"
#include "model/model.h"

static const whorl_dtype *npy_dtype(const whorl_npy *n) {
  const char *name = NULL;
  switch (n->kind) {
  case 'b': name = "bool"; break;
  case 'i': name = n->itemsize == 1 ? "int8" : n->itemsize == 2 ? "int16" : n->itemsize == 4 ? "int32" : "int64"; break;
  case 'u': name = n->itemsize == 1 ? "uint8" : n->itemsize == 2 ? "uint16" : n->itemsize == 4 ? "uint32" : "uint64"; break;
  case 'f': name = n->itemsize == 2 ? "float16" : n->itemsize == 4 ? "float32" : "float64"; break;
  case 'c': name = n->itemsize == 8 ? "complex64" : "complex128"; break;
  default: break;
  }
  return name ? whorl__dtype_by_name(name) : NULL;
}

/* C-order little-endian bytes of a tensor whose elements sit in src at
 * element strides `stride` from element offset `off`; swap: byte-swap each
 * element (size esize; complex: each half). */
int whorl__gather(const uint8_t *src, uint64_t src_elems, size_t esize, int ndim, const uint64_t *shape,
                  const int64_t *stride, uint64_t off, int swap, int complex_halves, uint8_t **out) {
  unsigned __int128 c128 = 1;
  for (int i = 0; i < ndim; i++) {
    c128 *= shape[i];
    if (c128 * esize > WHORL_MODEL_GATHER_MAX) return -1; /* callers check first; never an overflowing size */
  }
  uint64_t count = (uint64_t)c128;
  uint8_t *o = malloc(count * esize + 1);
  if (!o) return -1;
  uint64_t idx[WHORL_MODEL_MAX_DIMS] = {0};
  for (uint64_t k = 0; k < count; k++) {
    int64_t e = (int64_t)off;
    for (int d = 0; d < ndim; d++) e += (int64_t)idx[d] * stride[d];
    if (e < 0 || (uint64_t)e >= src_elems) {
      free(o);
      return -2;
    }
    const uint8_t *p = src + (uint64_t)e * esize;
    uint8_t *q = o + k * esize;
    if (!swap) memcpy(q, p, esize);
    else {
      size_t part = complex_halves ? esize / 2 : esize;
      for (size_t h = 0; h < esize; h += part)
        for (size_t b = 0; b < part; b++) q[h + b] = p[h + part - 1 - b];
    }
    for (int d = ndim - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  *out = o;
  return 0;
}

/* The tensor for an array whose raw bytes (as stored) are `raw` (owned
 * by the caller). */
static int rearrange(whorl_mtensor *t, const whorl_npy *n, const uint8_t *raw, const char *path, whorl_error *err) {
  int64_t stride[WHORL_NPY_MAX_DIMS];
  int64_t s = 1;
  if (n->fortran_order)
    for (int d = 0; d < n->ndim; d++) stride[d] = s, s *= (int64_t)n->shape[d];
  else
    for (int d = n->ndim - 1; d >= 0; d--) stride[d] = s, s *= (int64_t)n->shape[d];
  int swap = n->big_endian && n->itemsize > 1;
  int rc = whorl__gather(raw, n->count, (size_t)n->itemsize, n->ndim, n->shape, stride, 0, swap, n->kind == 'c', &t->mem);
  if (rc == -1) return whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
  if (rc) return whorl__error(err, WHORL_EFORMAT, path, -1, "array \"%s\": element outside its data", t->name);
  t->src = WHORL_SRC_MEM;
  return WHORL_OK;
}

static int needs_rearrange(const whorl_npy *n) { return (n->big_endian && n->itemsize > 1) || (n->fortran_order && n->ndim > 1); }

static whorl_mtensor *add_array(whorl_model *m, const char *name, size_t nl, const whorl_npy *n, const char *path, whorl_error *err) {
  const whorl_dtype *d = npy_dtype(n);
  if (!d) {
    whorl__error(err, WHORL_EUNSUPPORTED, path, -1, "array \"%.*s\": dtype %s not supported", (int)nl, name, n->descr);
    return NULL;
  }
  whorl_mtensor *t = whorl__model_add(m, name, nl);
  if (!t) {
    whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
    return NULL;
  }
  t->dtype = d;
  t->ndim = n->ndim;
  for (int i = 0; i < n->ndim; i++) t->shape[i] = n->shape[i];
  t->nbytes = n->nbytes;
  return t;
}

int whorl__npy_model_read(whorl_model *m, const char *path, int fd, uint64_t size, whorl_error *err) {
  snprintf(m->format, sizeof m->format, "npy");
  uint8_t head[65536];
  long long got = whorl__pread_full(fd, head, sizeof head, 0);
  if (got < 0) return whorl__error_errno(err, errno, path, "read");
  whorl_npy n;
  int rc = whorl__npy_parse(head, (size_t)got, size, path, &n, err);
  if (rc) return rc;
  whorl_mtensor *t = add_array(m, "array", 5, &n, path, err);
  if (!t) return err->code;
  if (!needs_rearrange(&n)) {
    t->src = WHORL_SRC_FILE;
    t->fd = fd;
    t->off = n.data_offset;
    return WHORL_OK;
  }
  if (n.nbytes > WHORL_MODEL_GATHER_MAX)
    return whorl__error(err, WHORL_EUNSUPPORTED, path, -1, "a Fortran-order or big-endian array above 1 GiB: not supported yet");
  uint8_t *raw = malloc(n.nbytes + 1);
  if (!raw) return whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
  if (whorl__pread_full(fd, raw, (size_t)n.nbytes, n.data_offset) != (long long)n.nbytes) {
    free(raw);
    return whorl__error(err, WHORL_EFORMAT, path, (int64_t)n.data_offset, "the array's data ends early");
  }
  rc = rearrange(t, &n, raw, path, err);
  free(raw);
  return rc;
}

int whorl__npz_model_read(whorl_model *m, const char *path, int fd, uint64_t size, whorl_error *err) {
  snprintf(m->format, sizeof m->format, "npz");
  whorl_zip *z = whorl__model_new_zip(m);
  if (!z) return whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
  int rc = whorl__zip_open(fd, size, path, z, err);
  if (rc) return rc;
  uint8_t *head = malloc(65536);
  if (!head) return whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
  for (size_t i = 0; i < z->n && !rc; i++) {
    const char *nm = z->e[i].name;
    size_t nl = strlen(nm);
    if (nl < 4 || strcmp(nm + nl - 4, ".npy")) {
      rc = whorl__error(err, WHORL_EFORMAT, path, (int64_t)z->e[i].local_offset, ".npz member \"%s\" is not an .npy array", nm);
      break;
    }
    whorl_zip_reader *r = NULL;
    rc = whorl__zip_member_open(z, i, &r, err);
    if (rc) break;
    uint64_t doff = whorl__zip_member_data_offset(r); /* before reading: it advances */
    size_t got = 0;
    while (got < 65536) {
      long long k = whorl__zip_member_read(r, head + got, 65536 - got, err);
      if (k < 0) {
        rc = (int)k;
        break;
      }
      if (k == 0) break;
      got += (size_t)k;
    }
    whorl__zip_member_close(r);
    if (rc) break;
    whorl_npy n;
    rc = whorl__npy_parse(head, got, z->e[i].usize, path, &n, err);
    if (rc) break;
    if (n.data_offset + n.nbytes != z->e[i].usize) {
      rc = whorl__error(err, WHORL_EFORMAT, path, (int64_t)z->e[i].local_offset, ".npz member \"%s\": %llu bytes of data for %llu", nm,
                        (unsigned long long)(z->e[i].usize - n.data_offset), (unsigned long long)n.nbytes);
      break;
    }
    whorl_mtensor *t = add_array(m, nm, nl - 4, &n, path, err);
    if (!t) {
      rc = err->code;
      break;
    }
    if (!needs_rearrange(&n)) {
      if (z->e[i].method == 0 && doff) {
        t->src = WHORL_SRC_FILE;
        t->fd = fd;
        t->off = doff + n.data_offset;
      } else {
        t->src = WHORL_SRC_ZIP;
        t->zip = z;
        t->zip_index = i;
        t->zip_skip = n.data_offset;
      }
      continue;
    }
    if (n.nbytes > WHORL_MODEL_GATHER_MAX) {
      rc = whorl__error(err, WHORL_EUNSUPPORTED, path, -1, "a Fortran-order or big-endian array above 1 GiB: not supported yet");
      break;
    }
    uint8_t *raw = malloc(n.data_offset + n.nbytes + 1);
    if (!raw) {
      rc = whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
      break;
    }
    rc = whorl__zip_member_open(z, i, &r, err);
    size_t at = 0;
    while (!rc && at < n.data_offset + n.nbytes) {
      long long k = whorl__zip_member_read(r, raw + at, (size_t)(n.data_offset + n.nbytes - at), err);
      if (k < 0) rc = (int)k;
      else if (k == 0) rc = whorl__error(err, WHORL_EFORMAT, path, -1, ".npz member \"%s\" ends early", nm);
      else at += (size_t)k;
    }
    if (r) whorl__zip_member_close(r);
    if (!rc) rc = rearrange(t, &n, raw + n.data_offset, path, err);
    free(raw);
  }
  free(head);
  return rc;
}
