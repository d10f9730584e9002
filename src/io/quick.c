/* quick.c - the quick tier: size, format and a hash of sampled blocks, with
 * the same small amount of I/O whatever the file size. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "blake3.h"
#include "io/io.h"
#include "util/util.h"

int whorl__quick_fd(int fd, const char *path, const struct stat *st, whorl_quick *out, whorl_error *err) {
  memset(out, 0, sizeof *out);
  if (whorl__pseudo_fs(fd))
    return whorl__error(err, WHORL_EUNSUPPORTED, path, -1,
                        "is on a kernel pseudo file system (/proc, /sys, ...): not read");
  uint64_t size = (uint64_t)st->st_size;
  static const uint64_t whole_max = (uint64_t)WHORL_QUICK_BLOCKS * WHORL_QUICK_BLOCK;
  uint8_t buf[WHORL_QUICK_BLOCKS * WHORL_QUICK_BLOCK];
  blake3_hasher h;
  blake3_hasher_init(&h);
  blake3_hasher_update(&h, WHORL_QUICK_RULES, sizeof WHORL_QUICK_RULES); /* includes the NUL */
  uint8_t sz[8];
  for (int i = 0; i < 8; i++) sz[i] = (uint8_t)(size >> (8 * i));
  blake3_hasher_update(&h, sz, 8);
  const uint8_t *head = buf, *tail;
  size_t headlen, taillen;
  if (size <= whole_max) {
    long long got = whorl__pread_full(fd, buf, (size_t)size, 0);
    if (got < 0) return whorl__error_errno(err, errno, path, "read");
    if ((uint64_t)got != size) return whorl__error(err, WHORL_ECHANGED, path, got, "file shrank while being read");
    blake3_hasher_update(&h, buf, (size_t)size);
    out->whole = 1;
    headlen = size < WHORL_QUICK_BLOCK ? (size_t)size : WHORL_QUICK_BLOCK; /* as the content level sniffs */
    tail = buf + (size > 16 ? size - 16 : 0);
    taillen = size > 16 ? 16 : (size_t)size;
  } else {
    for (int k = 0; k < WHORL_QUICK_BLOCKS; k++) {
      uint64_t off = (uint64_t)k * (size - WHORL_QUICK_BLOCK) / (WHORL_QUICK_BLOCKS - 1);
      uint8_t *b = buf + (size_t)k * WHORL_QUICK_BLOCK;
      long long got = whorl__pread_full(fd, b, WHORL_QUICK_BLOCK, off);
      if (got < 0) return whorl__error_errno(err, errno, path, "read");
      if (got != WHORL_QUICK_BLOCK) return whorl__error(err, WHORL_ECHANGED, path, (int64_t)off, "file shrank while being read");
    }
    blake3_hasher_update(&h, buf, sizeof buf);
    headlen = WHORL_QUICK_BLOCK;
    tail = buf + sizeof buf - 16;
    taillen = 16;
  }
  uint8_t probe;
  if (size == 0 && pread(fd, &probe, 1, 0) == 1)
    return whorl__error(err, WHORL_EUNSUPPORTED, path, -1,
                        "reports a size of 0 but has content (a /proc or /sys pseudo-file?): not supported");
  blake3_hasher_finalize(&h, out->hash, 32);
  out->size = size;
  snprintf(out->format, sizeof out->format, "%s", whorl__sniff(head, headlen, tail, taillen, size));
  return WHORL_OK;
}
