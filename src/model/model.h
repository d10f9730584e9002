/* model.h - the model tier (issue 5): readers of model containers
 * (safetensors, NumPy .npy/.npz, PyTorch zip checkpoints, GGUF) that list
 * tensors - name, dtype, shape and where their bytes are - plus the
 * container's own metadata and, for pickles, unsafe findings; and the
 * tensor hashing and statistics shared by all of them.
 *
 * A tensor's logical bytes are its elements in C (row-major) order,
 * little-endian, with its dtype and shape: the same tensor saved by
 * safetensors, torch.save or numpy.savez hashes the same. Readers only
 * parse headers; bytes are streamed when hashed (bounded memory), except
 * tensors that must be rearranged (Fortran order, strided or big-endian
 * storage), which are gathered in memory up to WHORL_MODEL_GATHER_MAX.
 */
#ifndef WHORL_MODEL_H
#define WHORL_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "io/zip.h"
#include "util/util.h"
#include "whorl/errors.h"
#include "whorl/json.h"

#define WHORL_MODEL_RULES "model-4"
#define WHORL_MODEL_MAX_DIMS 32
#define WHORL_MODEL_GATHER_MAX (1024ull << 20)

/* dtypes: canonical names (safetensors' spelled out, as PyTorch names them),
 * element size in bits, and whether statistics apply. */
typedef struct whorl_dtype {
  const char *name; /* "float32", "bfloat16", "int64", "ggml_q4_0", ... */
  uint32_t bits;    /* per element; block types: bits of one block */
  uint32_t block;   /* elements per block (1 for plain types) */
  char kind;        /* 'f' float, 'i' int, 'u' uint, 'b' bool, 'c' complex, 'q' quantized/other */
} whorl_dtype;

const whorl_dtype *whorl__dtype_by_name(const char *name);

typedef enum whorl_src_kind {
  WHORL_SRC_NONE = 0,  /* no bytes (quick level, or an empty tensor) */
  WHORL_SRC_FILE,      /* file range: fd, off, len, already C-order little-endian */
  WHORL_SRC_MEM,       /* bytes held in memory (mem, len), C-order little-endian */
  WHORL_SRC_ZIP        /* a zip member (deflated): its bytes after skip, C-order LE */
} whorl_src_kind;

typedef struct whorl_mtensor {
  char *name;
  const whorl_dtype *dtype;
  int ndim;
  uint64_t shape[WHORL_MODEL_MAX_DIMS];
  uint64_t nbytes; /* logical byte length */
  whorl_src_kind src;
  int fd;
  uint64_t off;
  uint8_t *mem; /* owned */
  const whorl_zip *zip;
  size_t zip_index;
  uint64_t zip_skip;
  /* results */
  uint8_t hash[32];
  int hashed;
  int has_stats;
  double mean, std, min, max, l2;
  uint64_t zeros, nans, infs, count;
} whorl_mtensor;

typedef struct whorl_finding {
  char what[160];  /* e.g. "global os.system" */
  char where[200]; /* e.g. "archive/data.pkl, offset 123" */
  char pickle[65]; /* BLAKE3 (hex) of the pickle that holds it, "" for none: part of the id */
} whorl_finding;

/* What a reader fills. */
typedef struct whorl_model {
  char format[16];
  whorl_mtensor *t;
  size_t n, cap;
  whorl_json *meta;     /* metadata that configures the model (GGUF key/values,
                           ONNX opsets and metadata_props): the config section */
  whorl_json *container; /* about the file, not the model (safetensors
                           __metadata__, ONNX producer): shown, in no id */
  const char *meta_src; /* where it came from: "safetensors __metadata__", "gguf" ... */
  whorl_json *extra;    /* non-tensor values of a checkpoint (pickles), or NULL */
  whorl_finding *find;
  size_t nfind, findcap;
  int legacy_pickle;    /* a non-zip torch file: refused */
  whorl_zip **zips;     /* archives kept open for ZIP sources (owned) */
  size_t nzips;
  int *fds;             /* files kept open for FILE sources (owned) */
  size_t nfds;
  int has_graph;        /* ONNX: the canonical op graph's hash */
  uint8_t graph_id[32];
  whorl_json *ops;      /* ONNX: nodes by operator ("Relu", "domain::Op"): {op: count}; shown, in no id (the graph is) */
} whorl_model;

void whorl__model_init(whorl_model *m);
void whorl__model_free(whorl_model *m);
/* Appends a tensor (name copied); returns it, or NULL when out of memory. */
whorl_mtensor *whorl__model_add(whorl_model *m, const char *name, size_t name_len);
void whorl__model_finding(whorl_model *m, const char *where, const char *fmt, ...) WHORL_PRINTF(3, 4);

/* Metadata values JSON has no plain form for, marked alike by every reader
 * (docs/model.md): {k: v} (v owned; NULL on failure, v freed); a double,
 * NaN and infinities as {"float": "nan" | "inf" | "-inf"}; bytes as
 * {k: "<hex>"}; text as itself when UTF-8, else {"string_hex": "<hex>"}. */
whorl_json *whorl__model_mark(const char *k, whorl_json *v);
whorl_json *whorl__model_float(double f);
whorl_json *whorl__model_hex(const char *k, const uint8_t *p, size_t n);
whorl_json *whorl__model_text(const char *s, size_t n);
/* A zip archive owned by the model (stable address), or NULL. */
whorl_zip *whorl__model_new_zip(whorl_model *m);
/* Keeps fd open until whorl__model_free. */
int whorl__model_keep_fd(whorl_model *m, int fd);

/* Readers: path (for errors), fd open on it (the model keeps its own dup
 * when it needs the file later), size. */
int whorl__safetensors_read(whorl_model *m, const char *path, int fd, uint64_t size, const char *prefix, whorl_error *err);
int whorl__npy_model_read(whorl_model *m, const char *path, int fd, uint64_t size, whorl_error *err);
int whorl__npz_model_read(whorl_model *m, const char *path, int fd, uint64_t size, whorl_error *err);
int whorl__torch_read(whorl_model *m, const char *path, int fd, uint64_t size, whorl_error *err);
/* dir: the model's folder (external data files are relative to it). */
int whorl__onnx_read(whorl_model *m, const char *path, int fd, uint64_t size, const char *dir, whorl_error *err);
/* Unsafe findings of a pickle-bearing file that is not fingerprinted
 * (zip checkpoint, legacy torch.save file or bare pickle) added to m,
 * "where" prefixed by display; an unreadable one is a finding too. */
int whorl__pickle_scan(whorl_model *m, const char *path, const char *display, int fd, uint64_t size, whorl_error *err);
int whorl__gguf_read(whorl_model *m, const char *path, int fd, uint64_t size, whorl_error *err);

/* C-order little-endian bytes (*out, malloc'd) of a tensor whose elements
 * sit in src (src_elems elements of esize bytes) at element strides
 * `stride` from element offset off; swap: byte-swap each element (each
 * half when complex_halves). Returns 0, -1 out of memory, -2 an element
 * outside src. */
int whorl__gather(const uint8_t *src, uint64_t src_elems, size_t esize, int ndim, const uint64_t *shape,
                  const int64_t *stride, uint64_t off, int swap, int complex_halves, uint8_t **out);

/* Hashes one tensor (and its statistics when stats): BLAKE3 of
 * "whorl-tensor-1\0", dtype name (u64 length + bytes), ndim (u64), each
 * dim (u64), byte length (u64), then the bytes. */
int whorl__tensor_hash(whorl_mtensor *t, const char *path, int stats, whorl_error *err);

#endif
