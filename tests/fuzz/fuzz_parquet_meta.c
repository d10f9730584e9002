/* Fuzz target: Parquet FileMetaData (Thrift compact) from hostile bytes:
 * lying list sizes, deep nesting, unknown fields, offsets outside the file. */
#include <stdint.h>

#include "table/parquet_meta.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  pq_meta m;
  whorl_error err;
  /* Pretend the footer sits at the end of a file 1 MiB larger. */
  if (whorl__parquet_meta_parse(data, size, (uint64_t)size + 8 + (1u << 20), "fuzz.parquet", &m, &err) == WHORL_OK)
    whorl__parquet_meta_free(&m);
  return 0;
}
