/* Fuzz target: a CSV/TSV table from hostile bytes (via a memfd), through
 * the whole reader: delimiter and header detection, header names made
 * unique (repeats, empty names, R-style short headers), ragged rows and
 * invalid UTF-8 as warnings or (--strict) errors, the bulk and record
 * paths, and the profile (exact extremes, frequent values, sample). The
 * first byte picks the options. */
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "memfile.h"
#include "table/logical.h"
#include "table/reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  const uint8_t opt = data[0];
  data++, size--;
  int fd = fuzz_memfile("fuzz.csv", data, size);
  if (fd < 0) return 0;
  struct stat st;
  if (fstat(fd, &st) == 0) {
    whorl_lacc *acc = NULL;
    if (whorl__lacc_new(NULL, &acc) == WHORL_OK && whorl__lacc_enable_profile(acc, 32) == WHORL_OK) {
      whorl_table_sink sink = whorl__lacc_sink(acc);
      whorl_table_opts o = WHORL_TABLE_OPTS_INIT;
      o.format = (opt & 1) ? "tsv" : "csv";
      o.header = (opt >> 1) % 3 == 0 ? -1 : (opt >> 1) % 3 == 1 ? 0 : 1;
      o.strict = (opt >> 3) & 1;
      o.max_record = (opt >> 4) & 1 ? 64 : 0;
      whorl_table_info info;
      whorl_error err;
      char path[64]; /* the reader opens its input by name too (decompression, segments) */
      fuzz_memfile_path(fd, path);
      if (whorl__table_read(path, fd, &st, &o, &sink, &info, &err) == WHORL_OK) {
        const whorl_lresult *r;
        whorl__lacc_finish(acc, &r);
      }
    }
    whorl__lacc_free(acc);
  }
  close(fd);
  return 0;
}
