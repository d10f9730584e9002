/* Fuzz target: an .npz table from hostile bytes (via a memfd): the zip
 * central directory and local headers, stored and deflated members, the
 * .npy headers inside, and the lockstep column read into the logical
 * accumulator. */
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "memfile.h"
#include "table/logical.h"
#include "table/reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  int fd = fuzz_memfile("fuzz.npz", data, size);
  if (fd < 0) return 0;
  struct stat st;
  if (fstat(fd, &st) == 0) {
    whorl_lacc *acc = NULL;
    if (whorl__lacc_new(NULL, &acc) == WHORL_OK) {
      whorl_table_sink sink = whorl__lacc_sink(acc);
      whorl_table_opts o = WHORL_TABLE_OPTS_INIT;
      o.format = "npz";
      whorl_table_info info;
      whorl_error err;
      if (whorl__table_read("fuzz.npz", fd, &st, &o, &sink, &info, &err) == WHORL_OK) {
        const whorl_lresult *r;
        whorl__lacc_finish(acc, &r);
      }
      whorl__lacc_free(acc);
    }
  }
  close(fd);
  return 0;
}
