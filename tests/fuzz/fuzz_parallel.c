/* Fuzz target: the parallel text readers against the serial one. The
 * input (repeated up to a few segments) is written as a CSV, TSV or JSON
 * Lines file, plain or zstd-compressed, and fingerprinted at the profile
 * level on one thread and on 2-4 threads with segments (and decompressed
 * blocks) of 1-4 KiB (WHORL_SEGMENT_SHIFT), so that segment cuts, the
 * stream's producer and blocks, the in-order commits and the fallback to
 * the serial reader all meet hostile bytes: the documents, or the errors,
 * must be the same. The first byte picks the options. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include "memfile.h"
#include "whorl/fingerprint.h"
#include "whorl/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct out {
  int rc;
  char msg[1200];
  char *doc;
  size_t len;
} out;

static void run(const char *path, const char *fmt, int strict, int threads, out *r) {
  whorl_fp_options o = WHORL_FP_OPTIONS_INIT;
  o.level = WHORL_LEVEL_PROFILE;
  o.use_cache = 0;
  o.chunks = 0;
  o.threads = threads;
  o.table_format = fmt;
  o.strict = strict;
  whorl_json *d = NULL;
  whorl_error err;
  memset(&err, 0, sizeof err);
  memset(r, 0, sizeof *r);
  r->rc = whorl_fingerprint(path, &o, &d, &err);
  if (r->rc) {
    snprintf(r->msg, sizeof r->msg, "%lld:%s", (long long)err.offset, err.message);
    return;
  }
  if (whorl_json_canonical(d, &r->doc, &r->len)) r->rc = -1000;
  whorl_json_free(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  const uint8_t opt = data[0];
  data++, size--;
  static const char *const fmts[] = {"csv", "tsv", "jsonl", "csv"};
  const char *fmt = fmts[opt & 3];
  const int zst = (opt >> 2) & 1, strict = (opt >> 3) & 1;
  const int threads = 2 + ((opt >> 4) & 3) % 3;
  const unsigned shift = 10 + ((opt >> 6) & 3) % 3;
  /* at least three segments' worth, by repeating the input */
  size_t want = ((size_t)4 << shift) + 17, n = size;
  if (n < want) n = (want / size + 1) * size;
  if (n > ((size_t)64 << 10)) n = size > ((size_t)64 << 10) ? size : ((size_t)64 << 10) / size * size;
  uint8_t *buf = malloc(n);
  if (!buf) return 0;
  for (size_t i = 0; i < n; i += size) memcpy(buf + i, data, n - i < size ? n - i : size);
  uint8_t *file = buf;
  size_t flen = n;
  uint8_t *z = NULL;
  if (zst) {
    size_t cap = ZSTD_compressBound(n);
    z = malloc(cap);
    size_t zn = z ? ZSTD_compress(z, cap, buf, n, 1) : 0;
    if (!z || ZSTD_isError(zn)) {
      free(z);
      free(buf);
      return 0;
    }
    file = z, flen = zn;
  }
  int fd = fuzz_memfile("fuzz.txt", file, flen);
  free(z);
  free(buf);
  if (fd < 0) return 0;
  char path[64];
  fuzz_memfile_path(fd, path);
  out a, b;
  unsetenv("WHORL_SEGMENT_SHIFT");
  run(path, fmt, strict, 1, &a);
  char sh[8];
  snprintf(sh, sizeof sh, "%u", shift);
  setenv("WHORL_SEGMENT_SHIFT", sh, 1);
  run(path, fmt, strict, threads, &b);
  unsetenv("WHORL_SEGMENT_SHIFT");
  close(fd);
  int same = a.rc == b.rc && !strcmp(a.msg, b.msg) && a.len == b.len && (!a.len || !memcmp(a.doc, b.doc, a.len));
  if (!same) {
    fprintf(stderr, "serial and parallel (%d threads, segments of %u bytes, %s%s) differ:\n  %d %s\n  %d %s\n",
            threads, 1u << shift, fmt, zst ? ".zst" : "", a.rc, a.rc ? a.msg : a.doc, b.rc, b.rc ? b.msg : b.doc);
    abort();
  }
  free(a.doc);
  free(b.doc);
  return 0;
}
