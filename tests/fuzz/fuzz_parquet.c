/* Fuzz target: a whole Parquet file from hostile bytes (via a memfd): the
 * footer, then every column chunk of every row group read to the end, and
 * the file read as a table with its columns in step. */
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include <sys/stat.h>

#include "memfile.h"
#include "table/logical.h"
#include "table/parquet_read.h"
#include "table/reader.h"

static int count(void *ctx, const pq_value *v) {
  (void)v;
  ++*(size_t *)ctx;
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  int fd = fuzz_memfile("fuzz.parquet", data, size);
  if (fd < 0) return 0;
  pq_meta m;
  whorl_error err;
  if (whorl__parquet_meta_read(fd, size, "fuzz.parquet", &m, &err) == WHORL_OK) {
    size_t n = 0;
    for (size_t g = 0; g < m.nrow_groups && g < 4; g++)
      for (size_t c = 0; c < m.row_groups[g].ncolumns && c < 16; c++)
        whorl__parquet_read_column(fd, size, "fuzz.parquet", &m, g, c, count, &n, &err);
    whorl__parquet_meta_free(&m);
    /* and as a table, row groups read all columns in step (windows of 3) */
    struct stat st;
    whorl_lacc *acc = NULL;
    if (fstat(fd, &st) == 0 && whorl__lacc_new(NULL, &acc) == WHORL_OK) {
      whorl_table_sink sink = whorl__lacc_sink(acc);
      whorl_table_opts o = WHORL_TABLE_OPTS_INIT;
      o.format = "parquet";
      o.pq_whole_rows = 3;
      whorl_table_info info;
      whorl__table_read("fuzz.parquet", fd, &st, &o, &sink, &info, &err);
      whorl__lacc_free(acc);
    }
  }
  close(fd);
  return 0;
}
