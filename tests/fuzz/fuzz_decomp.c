/* Fuzz target: hostile gzip/zstd/plain bytes through the decompressing
 * source (via a memfd), with a low bomb floor so bombs are hit quickly.
 * Must end in data or a clean error, never a crash or a hang; reading in
 * tiny pieces must give the same bytes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "memfile.h"
#include "io/decomp.h"

/* Reads the whole stream with reads of at most cap bytes (cap 0: 1 to 5
 * bytes in turn): -1 on an error, else the bytes' count and hash in *h. */
static long long drain(const char *path, size_t cap, uint64_t *h) {
  whorl_src *s = NULL;
  whorl_error err;
  if (whorl__src_open(path, 100, 1 << 20, &s, &err) != WHORL_OK) return -1;
  static uint8_t buf[65536];
  long long n, total = 0;
  uint64_t x = 1469598103934665603ull;
  for (unsigned k = 0;; k++) {
    n = whorl__src_read(s, buf, cap ? cap : 1 + k % 5, &err);
    if (n <= 0) break;
    for (long long i = 0; i < n; i++) x = (x ^ buf[i]) * 1099511628211ull;
    total += n;
    if (total > (1ll << 28)) abort(); /* the bomb check must have fired long before */
  }
  whorl__src_close(s);
  *h = x;
  return n < 0 ? -1 : total;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  int fd = fuzz_memfile("fuzz", data, size);
  if (fd < 0) return 0;
  char path[64];
  fuzz_memfile_path(fd, path);
  uint64_t h1 = 0, h2 = 0;
  long long a = drain(path, 65536, &h1);
  /* tiny reads (UTF-16 decoding keeps a character that does not fit)
   * give the same bytes, or the same failure */
  if (size <= 4096) {
    long long b = drain(path, 0, &h2);
    if (a != b || (a >= 0 && h1 != h2)) abort();
  }
  close(fd);
  return 0;
}
