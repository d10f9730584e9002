/* parquet_read.h - reading the values of one flat Parquet column chunk.
 *
 * Pages: dictionary pages and data pages v1 and v2, compressed with
 * nothing, snappy, gzip or zstd; encodings PLAIN, PLAIN_DICTIONARY /
 * RLE_DICTIONARY (indices in the RLE/bit-packed hybrid) and RLE definition
 * levels (max level 0 or 1: flat schemas). Nested columns (repetition, or
 * definition levels above 1) are refused as "not supported yet". Every
 * size, count and index is checked against what the page holds.
 */
#ifndef WHORL_TABLE_PARQUET_READ_H
#define WHORL_TABLE_PARQUET_READ_H

#include <stddef.h>
#include <stdint.h>

#include "table/parquet_meta.h"

typedef struct pq_value {
  int is_null;
  int type;          /* PQ_* physical type */
  int64_t i;         /* BOOLEAN, INT32, INT64 */
  double d;          /* FLOAT, DOUBLE */
  const uint8_t *bytes; /* BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY, INT96: valid during the callback */
  size_t len;
  /* a dictionary-encoded value: its dictionary (an id unique in the
   * process, 0 when not from a dictionary), its index there and the
   * dictionary's size: equal ids and indices are equal values */
  uint64_t dict_gen;
  uint32_t dict_idx, dict_n;
} pq_value;

/* Called for each value in order; return non-zero to stop (the read then
 * returns WHORL_OK early). */
typedef int (*pq_value_cb)(void *ctx, const pq_value *v);

/* Reads column `col` of row group `rg`; the schema element for it is looked
 * up by name among the leaves (flat schemas). */
int whorl__parquet_read_column(int fd, uint64_t size, const char *path, const pq_meta *m, size_t rg, size_t col,
                               pq_value_cb cb, void *ctx, whorl_error *err);

/* The same as a puller, for reading columns in step: open, then pull up to
 * max values at a time (the count, 0 at the end of the chunk, or a negative
 * status; fewer than max only at the end or when cb returned non-zero). */
typedef struct pq_colreader pq_colreader;
int whorl__pq_col_open(int fd, const char *path, const pq_meta *m, size_t rg, size_t ci, pq_colreader **out,
                       whorl_error *err);
long long whorl__pq_col_pull(pq_colreader *r, size_t max, pq_value_cb cb, void *ctx, whorl_error *err);
void whorl__pq_col_close(pq_colreader *r); /* NULL ok */
/* Columns read in step share a budget for their decompressed pages: a page
 * that would take *used past limit is an error (a decompression bomb times
 * the number of columns), of status `over` (0: WHORL_EUNSUPPORTED). *used
 * is updated atomically: the columns may be read on several threads. */
void whorl__pq_col_budget(pq_colreader *r, uint64_t *used, uint64_t limit, int over);

/* RLE/bit-packed hybrid decoding of `count` values of bit_width bits from
 * buf[0..len) into out (exposed for tests and fuzzing). Returns the bytes
 * consumed, or -1 if the data is short or malformed. */
long long whorl__rle_hybrid(const uint8_t *buf, size_t len, int bit_width, uint32_t *out, size_t count);

#include "table/value.h"

/* Canonical table value (whorl-value-1) of a Parquet value, by the column's
 * logical/converted type: UTF8/STRING/ENUM/JSON text by appearance (as CSV
 * text), DATE as the ISO day "YYYY-MM-DD" (a string, as CSV spells it),
 * DECIMAL(scale) exactly as its decimal text, UINT_* as unsigned, other
 * integers, floats and booleans by value. Returns WHORL_V_* or -1 for
 * types whose mapping is not decided yet (TIME, TIMESTAMP, INT96, INTERVAL,
 * FIXED_LEN_BYTE_ARRAY decimals). */
int whorl__value_parquet(const pq_schema *s, const pq_value *v, whorl_buf *out);

#endif
