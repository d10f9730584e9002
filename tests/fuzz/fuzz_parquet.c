/* Fuzz target: a whole Parquet file from hostile bytes (via a memfd): the
 * footer, then every column chunk of every row group read to the end. */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "table/parquet_read.h"

static int count(void *ctx, const pq_value *v) {
  (void)v;
  ++*(size_t *)ctx;
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  int fd = memfd_create("fuzz.parquet", 0);
  if (fd < 0) return 0;
  if (size && write(fd, data, size) != (ssize_t)size) {
    close(fd);
    return 0;
  }
  pq_meta m;
  whorl_error err;
  if (whorl__parquet_meta_read(fd, size, "fuzz.parquet", &m, &err) == WHORL_OK) {
    size_t n = 0;
    for (size_t g = 0; g < m.nrow_groups && g < 4; g++)
      for (size_t c = 0; c < m.row_groups[g].ncolumns && c < 16; c++)
        whorl__parquet_read_column(fd, size, "fuzz.parquet", &m, g, c, count, &n, &err);
    whorl__parquet_meta_free(&m);
  }
  close(fd);
  return 0;
}
