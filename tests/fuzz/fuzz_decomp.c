/* Fuzz target: hostile gzip/zstd/plain bytes through the decompressing
 * source (via a memfd), with a low bomb floor so bombs are hit quickly.
 * Must end in data or a clean error, never a crash or a hang. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "io/decomp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  int fd = memfd_create("fuzz", 0);
  if (fd < 0) return 0;
  if (size && write(fd, data, size) != (ssize_t)size) {
    close(fd);
    return 0;
  }
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  whorl_src *s = NULL;
  whorl_error err;
  if (whorl__src_open(path, 100, 1 << 20, &s, &err) == WHORL_OK) {
    static uint8_t buf[65536];
    long long n;
    uint64_t total = 0;
    while ((n = whorl__src_read(s, buf, sizeof buf, &err)) > 0) {
      total += (uint64_t)n;
      if (total > (1u << 28)) abort(); /* the bomb check must have fired long before */
    }
    whorl__src_close(s);
  }
  close(fd);
  return 0;
}
