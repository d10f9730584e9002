/* npy.h - NumPy .npy header parsing (format versions 1.0, 2.0, 3.0).
 *
 * Shared by the table tier (1-D/2-D arrays as tables) and the model tier
 * (named tensors in .npz). Parses and validates the header only; the data
 * follows at data_offset, nbytes long:
 *  - magic "\x93NUMPY", major 1..3, header length u16 (v1) or u32 (v2, v3);
 *  - the header is a Python dict literal with exactly the keys 'descr',
 *    'fortran_order' and 'shape', written by numpy.lib.format (we accept any
 *    key order and spacing, but nothing executable);
 *  - descr: byte order '<' '>' '|' '=' and kind/size among b1, i1..i8,
 *    u1..u8, f2, f4, f8, c8, c16; object ('O'), structured, string and
 *    datetime dtypes are refused (UNSUPPORTED), objects because they hold
 *    pickles;
 *  - shape: a tuple of non-negative integers whose product times the item
 *    size must not overflow, and must fit in the file when its size is known.
 */
#ifndef WHORL_IO_NPY_H
#define WHORL_IO_NPY_H

#include <stddef.h>
#include <stdint.h>

#include "whorl/errors.h"

#define WHORL_NPY_MAX_DIMS 32

typedef struct whorl_npy {
  int major, minor;
  char kind;          /* 'b' bool, 'i' int, 'u' uint, 'f' float, 'c' complex */
  int itemsize;       /* bytes per element */
  int big_endian;     /* 1 for '>' */
  int fortran_order;
  int ndim;
  uint64_t shape[WHORL_NPY_MAX_DIMS];
  uint64_t count;     /* product of shape (1 for a 0-d array) */
  uint64_t nbytes;    /* count * itemsize */
  uint64_t data_offset;
  char descr[16];     /* as written, e.g. "<f4" */
} whorl_npy;

/* Parses the header in buf[0..len) (at least the whole header must be
 * there; 64 KiB always suffices for v1, v2/v3 headers may be larger and
 * are refused above 1 MiB). file_size: total size if known, else 0.
 * Returns WHORL_OK, WHORL_EFORMAT (malformed, with err->offset) or
 * WHORL_EUNSUPPORTED. */
int whorl__npy_parse(const uint8_t *buf, size_t len, uint64_t file_size, const char *path, whorl_npy *out,
                     whorl_error *err);

/* One element, as the host sees it (byte order already undone). */
typedef struct whorl_npy_elem {
  uint64_t index;   /* position in C (row-major) order, whatever the file's order */
  char kind;        /* as in whorl_npy */
  int64_t i;        /* 'b', 'i' */
  uint64_t u;       /* 'u' */
  double d, im;     /* 'f' (float16 widened exactly), 'c' (real, imaginary) */
} whorl_npy_elem;
typedef int (*whorl_npy_cb)(void *ctx, const whorl_npy_elem *e); /* non-zero stops */
/* An IEEE 754 binary16 value (its bits) as the double it is exactly. */
double whorl__half_to_double(uint16_t h);
/* Decodes the element at p (itemsize bytes); index is left 0. */
void whorl__npy_decode(const whorl_npy *n, const uint8_t *p, whorl_npy_elem *e);

/* Streams every element of the array whose header is n (from fd, data at
 * n->data_offset) in storage order, each with its C-order index; memory
 * stays bounded (reads in 1 MiB pieces). */
int whorl__npy_read(int fd, const whorl_npy *n, const char *path, whorl_npy_cb cb, void *ctx, whorl_error *err);
/* The same from a sequential byte stream positioned at the array's first
 * data byte (an .npz member): next fills up to len bytes, returning the
 * count, 0 at the end, or a negative status with err filled. */
typedef long long (*whorl_npy_next_fn)(void *ctx, uint8_t *buf, size_t len, whorl_error *err);
int whorl__npy_read_stream(const whorl_npy *n, const char *path, whorl_npy_next_fn next, void *nctx, whorl_npy_cb cb,
                           void *ctx, whorl_error *err);

#endif
