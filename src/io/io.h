/* io.h - reading files: the content engine (every byte, on all cores, one
 * read feeding every digest and the content-defined chunker), the quick
 * sampler (constant I/O) and format sniffing. */
#ifndef WHORL_IO_H
#define WHORL_IO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "whorl/errors.h"
#include "whorl/fingerprint.h"

/* ---- content-defined chunking (rules "whorl-cdc-1", docs/fingerprint-format.md) ----
 * A cut may fall after byte p-1 (p = chunk end offset, p >= 16) when the 16
 * bytes ending there, read as little-endian u64s a = bytes[p-16..p-9] and
 * b = bytes[p-8..p-1], give x = b ^ rotl64(a, CDC_ROT) with
 *   ((x ^ CDC_SALT) * CDC_MUL mod 2^64) >> (64 - CDC_BITS) == 0.
 * Cuts are chosen left to right: the first candidate at least CDC_MIN bytes
 * after the previous cut; with none within CDC_MAX bytes, a cut at CDC_MAX. */
#define WHORL_CDC_MIN (64u * 1024)
#define WHORL_CDC_MAX (1024u * 1024)
#define WHORL_CDC_BITS 18
#define WHORL_CDC_SALT 0x5851f42d4c957f2dULL
#define WHORL_CDC_MUL 0x9e3779b97f4a7c15ULL
#define WHORL_CDC_ROT 29
#define WHORL_CDC_WINDOW 16
#define WHORL_CDC_RULES "whorl-cdc-1"

/* Appends to *out (growable, *cap) the candidate positions p with
 * lo <= p <= hi, where data[p-8 .. p-1] are readable (data indexes the file
 * from offset `base`, i.e. data[k] is file byte base+k; bytes before data
 * are read down to data - 16 for positions near base).
 * Positions are absolute file offsets, ascending. Returns 0, -1 on ENOMEM. */
int whorl__cdc_candidates(const uint8_t *data, uint64_t base, uint64_t lo, uint64_t hi, uint64_t **out,
                          size_t *n, size_t *cap);
/* Forces the portable implementation (tests compare both). */
void whorl__cdc_force_portable(int on);

typedef struct whorl_chunk {
  uint64_t offset, size;
  uint64_t hash; /* XXH3-64 of the chunk's bytes */
} whorl_chunk;

typedef struct whorl_content {
  uint64_t size;
  unsigned digests; /* kinds filled below */
  uint8_t blake3[32], sha256[32], md5[16];
  whorl_chunk *chunks; /* malloc'd when chunks were asked for; caller frees */
  size_t nchunks;
  char format[24];     /* sniffed format name */
} whorl_content;

/* A block buffer reused across files by one thread (a folder worker), so
 * hashing many files does not map and fault in fresh memory for each one:
 * page faults, and mmap's process-wide lock, cost more than the hashing. */
typedef struct whorl_content_scratch {
  uint8_t *buf;
} whorl_content_scratch;
void whorl__content_scratch_free(whorl_content_scratch *s);

typedef struct whorl_content_opts {
  unsigned digests;     /* extra digests (BLAKE3 always) */
  int want_chunks;
  int threads;          /* >= 1 */
  whorl_progress_cb on_progress;
  void *cb_ctx;
  whorl_content_scratch *scratch; /* used when threads == 1; may be NULL */
} whorl_content_opts;

/* Hashes the regular file open as fd (st from fstat before reading).
 * Fails with WHORL_ECHANGED if the file changes while read. */
int whorl__content_fd(int fd, const char *path, const struct stat *st, const whorl_content_opts *o,
                      whorl_content *out, whorl_error *err);

/* ---- quick tier (rules "whorl-quick-1") ----
 * Files up to QUICK_BLOCKS * QUICK_BLOCK bytes are read whole; larger ones
 * are sampled: QUICK_BLOCKS blocks of QUICK_BLOCK bytes at offsets
 * floor(k * (size - QUICK_BLOCK) / (QUICK_BLOCKS - 1)), k = 0..15 (head and
 * tail included). quick hash = BLAKE3("whorl-quick-1\0" || u64le size ||
 * the sampled bytes in order). */
#define WHORL_QUICK_BLOCKS 16
#define WHORL_QUICK_BLOCK 4096
#define WHORL_QUICK_RULES "whorl-quick-1"
typedef struct whorl_quick {
  uint64_t size;
  uint8_t hash[32];
  int whole;         /* 1 when the whole file was read */
  char format[24];
} whorl_quick;
int whorl__quick_fd(int fd, const char *path, const struct stat *st, whorl_quick *out, whorl_error *err);

/* 1 when fd lives on a kernel pseudo file system (/proc, /sys, debugfs,
 * ...), whose files report sizes that do not match what a read returns. */
int whorl__pseudo_fs(int fd);

/* ---- format sniffing ---- */
/* head: the first bytes of the file (up to 4096), tail: the last up to 16
 * bytes; size: file size. Returns a static name ("gzip", "parquet", ...,
 * "text", "binary", "empty"). */
const char *whorl__sniff(const uint8_t *head, size_t headlen, const uint8_t *tail, size_t taillen,
                         uint64_t size);

#endif
