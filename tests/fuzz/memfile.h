/* memfile.h - the fuzz targets' input as a file: an anonymous memory file
 * (memfd) holding the bytes, which the readers open by fd or by its
 * /proc/self/fd path. Header-only, for the fuzz targets. */
#ifndef WHORL_FUZZ_MEMFILE_H
#define WHORL_FUZZ_MEMFILE_H

#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <unistd.h>

/* A memory file holding data[0, size): its fd (close it), or -1. */
static inline int fuzz_memfile(const char *name, const uint8_t *data, size_t size) {
  int fd = memfd_create(name, 0);
  if (fd < 0) return -1;
  if (size && write(fd, data, size) != (ssize_t)size) {
    close(fd);
    return -1;
  }
  return fd;
}

/* The path that opens fd again (path has room for 64 bytes). */
static inline void fuzz_memfile_path(int fd, char path[64]) { snprintf(path, 64, "/proc/self/fd/%d", fd); }

#endif
