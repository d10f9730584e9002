/* parquet_meta.h - Parquet footer (FileMetaData) reading, our own code.
 *
 * A Parquet file is "PAR1" <column chunks...> <FileMetaData> <u32 LE length>
 * "PAR1"; FileMetaData is Thrift compact (parquet.thrift). This reads and
 * validates the footer: schema elements, row groups and their column
 * chunks' metadata (type, codec, encodings, offsets, sizes, value counts),
 * and checks that every offset and size lies inside the file. Page reading
 * and decoding come later (issue 3).
 */
#ifndef WHORL_TABLE_PARQUET_META_H
#define WHORL_TABLE_PARQUET_META_H

#include <stddef.h>
#include <stdint.h>

#include "whorl/errors.h"

/* parquet.thrift Type */
enum { PQ_BOOLEAN = 0, PQ_INT32 = 1, PQ_INT64 = 2, PQ_INT96 = 3, PQ_FLOAT = 4, PQ_DOUBLE = 5, PQ_BYTE_ARRAY = 6,
       PQ_FIXED_LEN_BYTE_ARRAY = 7 };
/* FieldRepetitionType */
enum { PQ_REQUIRED = 0, PQ_OPTIONAL = 1, PQ_REPEATED = 2 };

typedef struct pq_schema {
  char *name;
  int type;          /* -1 for groups */
  int32_t type_length;
  int repetition;    /* -1 when absent (the root) */
  int32_t num_children;
  int converted_type; /* -1 when absent */
  int32_t scale, precision;
  int logical;       /* field id of the LogicalType union member, -1 when absent */
  int ts_utc;        /* TIMESTAMP/TIME logical type: isAdjustedToUTC (0/1), -1 absent */
  int ts_unit;       /* ... and its unit: 0 millis, 1 micros, 2 nanos, -1 absent */
} pq_schema;

typedef struct pq_column {
  char *path;        /* path_in_schema joined with '.' */
  int type, codec;
  uint32_t encodings; /* bit per Encoding value (< 32) */
  int64_t num_values, total_compressed_size, total_uncompressed_size;
  int64_t data_page_offset, dictionary_page_offset; /* -1 when absent */
} pq_column;

typedef struct pq_row_group {
  int64_t num_rows, total_byte_size;
  pq_column *columns;
  size_t ncolumns;
} pq_row_group;

typedef struct pq_meta {
  int32_t version;
  int64_t num_rows;
  pq_schema *schema;
  size_t nschema;
  pq_row_group *row_groups;
  size_t nrow_groups;
  char *created_by;  /* may be NULL */
  size_t nkv;        /* key/value metadata entries (not kept) */
} pq_meta;

/* Reads the footer of the Parquet file open as fd (size bytes). Bounded:
 * footers above 64 MiB are refused. Errors name the file and offset. */
int whorl__parquet_meta_read(int fd, uint64_t size, const char *path, pq_meta *out, whorl_error *err);
/* Parses a FileMetaData blob (exposed for the fuzz target). */
int whorl__parquet_meta_parse(const uint8_t *buf, size_t len, uint64_t file_size, const char *path, pq_meta *out,
                              whorl_error *err);
void whorl__parquet_meta_free(pq_meta *m);

#endif
