/* logical.h - format-independent hashes of a table (rules "table-logical-1").
 *
 * A table reader (reader.h) hands typed column batches to a sink; this
 * accumulator is the sink that computes the logical tier:
 *
 *  - cell hash h(v) = XXH3-128 of the value's canonical bytes (value.h);
 *    keyed mode: XXH3-128 with a 192-byte secret drawn from the key (keyed
 *    BLAKE3 XOF);
 *  - per column, ordered: BLAKE3 (keyed BLAKE3 in keyed mode) over the
 *    column's cells, each as LEB128(length) + canonical bytes, after the
 *    tag "whorl-column-1\0": cryptographic, row order matters;
 *  - per column, unordered: the sum of h(v) over its cells mod 2^128 (a
 *    multiset hash: mergeable across shards by addition), published as
 *    BLAKE3 of (tag, count, sum);
 *  - row hash: r = XXH3-128 of the 16-byte vector sum over the row's
 *    non-null cells of (k_lo(c) * h_lo(v), k_hi(c) * h_hi(v)) mod 2^64 per
 *    half, where k(c) are odd weights drawn from the column's name: the same
 *    whatever the column order, and a null cell (or a missing column)
 *    contributes nothing;
 *  - logical.unordered: BLAKE3 of (tag, rows, sorted column names, sum of r
 *    mod 2^128);
 *  - logical.id: BLAKE3 of (tag, rows, columns sorted by name, each with its
 *    ordered hash): row order matters, column order does not;
 *  - schema.id: BLAKE3 of (tag, columns sorted by name with type and
 *    nullable).
 * Every integer in a tag-prefixed BLAKE3 input is 8 bytes little-endian and
 * every name is preceded by its length. The exact byte layouts are in
 * docs/fingerprint-format.md.
 *
 * The sums are for accidental change and mergeability: XXH3 is not
 * collision resistant against someone choosing rows on purpose; the ordered
 * ids are BLAKE3 and are.
 */
#ifndef WHORL_TABLE_LOGICAL_H
#define WHORL_TABLE_LOGICAL_H

#include <stddef.h>
#include <stdint.h>

#include "table/types.h"
#include "table/value.h"

#define WHORL_TABLE_LOGICAL_RULES "table-logical-1"

/* A column batch: n consecutive cells of one column, starting at row
 * `row` of the current window. Cells are encoded back to back as
 * LEB128(length) + canonical bytes (value.h); type[i] is each cell's own
 * logical type (WHORL_T_NULL for null). */
typedef struct whorl_colbatch {
  size_t col;
  size_t row;
  size_t n;
  const uint8_t *enc;
  size_t enc_len;
  const uint8_t *type;
  unsigned lane;      /* which of the sink's lanes calls (see whorl_table_sink.lanes); 0 usually */
} whorl_colbatch;

#define WHORL_SINK_LANES 8

/* What a reader drives: columns are announced in order (indices 0, 1, ...;
 * a column may appear late, e.g. a JSON key first seen on line 1000: the
 * rows before it are null in it). Rows come in windows: begin(n), then
 * column batches covering rows [0, n) of the window for each column, in
 * any column order but in row order within a column; a column with no
 * batch in a window is null there. All return a whorl_status. */
typedef struct whorl_table_sink {
  void *ctx;
  int (*column)(void *ctx, const char *name, size_t len);
  int (*begin)(void *ctx, size_t nrows);
  int (*batch)(void *ctx, const whorl_colbatch *b);
  int (*end)(void *ctx);
  /* Optional (NULL: the reader uses one thread). fork makes a sink for a
   * part of the table read on another thread, knowing the same columns;
   * join adds a part after everything joined before it (parts are joined in
   * table order); drop frees a part (joined or not); reset empties a part
 * (same columns) so it can take another piece. */
  int (*fork)(void *ctx, struct whorl_table_sink *part);
  int (*join)(void *ctx, struct whorl_table_sink *part);
  void (*drop)(struct whorl_table_sink *part);
  int (*reset)(struct whorl_table_sink *part); /* empties a joined part for reuse */
  /* How many threads may call batch at the same time, each for other
   * columns of the same window, each with its own colbatch.lane (0 ..
   * lanes-1); 0 or 1: one at a time. begin and end are never concurrent. */
  unsigned lanes;
} whorl_table_sink;

/* Appends one cell of canonical bytes to an encoding buffer. */
void whorl__cell_put(whorl_buf *enc, const void *canon, size_t len);
/* Decodes the cell at enc[*pos]: its bytes and length; advances *pos.
 * Returns -1 when malformed. */
int whorl__cell_next(const uint8_t *enc, size_t enc_len, size_t *pos, const uint8_t **bytes, size_t *len);

/* 32-byte key of keyed mode, NULL for the plain hashes. */
typedef struct whorl_lacc whorl_lacc;

typedef struct whorl_lcol_result {
  char *name;          /* owned by the accumulator */
  size_t name_len;
  whorl_coltype type;
  uint64_t nulls;
  uint8_t ordered[32];
  uint8_t unordered[32];
  uint8_t sum[16];     /* raw multiset sum (little-endian), for merging */
} whorl_lcol_result;

typedef struct whorl_lresult {
  uint64_t rows;
  size_t ncols;
  whorl_lcol_result *col; /* in the reader's column order */
  uint8_t id[32];         /* logical.id */
  uint8_t unordered[32];  /* logical.unordered */
  uint8_t row_sum[16];
  uint8_t schema[32];     /* schema.id */
  /* profile level only (else NULL): one profile per column, the sample */
  const struct whorl_pcol *prof;
  const struct whorl_psample *sample;
  const struct whorl_iblt *iblt; /* (row hash, row index) of every row */
  const struct whorl_iblt *strata; /* WHORL_ROW_STRATA tables of row hashes */
  const struct whorl_anchors *anchors; /* anchor rows (where rows moved) */
  const int64_t *lead_cnt;             /* per row-table cell: rows before the first anchor, */
  const uint64_t *lead_w;              /* and the sum of their weights (sketch.h) */
} whorl_lresult;

int whorl__lacc_new(const uint8_t *key32, whorl_lacc **out);
/* Profiles every column too (profile.h), with a sample of sample_k rows
 * (0: none); before any column is announced. */
int whorl__lacc_enable_profile(whorl_lacc *a, size_t sample_k);
/* The sink that feeds this accumulator. */
whorl_table_sink whorl__lacc_sink(whorl_lacc *a);
/* A partial accumulator for one part of a table read on another thread:
 * it computes everything that commutes (sums, counts, types) and keeps the
 * column streams; whorl__lacc_absorb then adds it to the main accumulator,
 * parts in table order. The partial must announce the same columns.
 * Absorbing leaves the partial to be freed. */
int whorl__lacc_new_partial(const uint8_t *key32, whorl_lacc **out);
int whorl__lacc_absorb(whorl_lacc *a, whorl_lacc *partial);
/* The ids of a result from its columns' names, types, sums and (when
 * with_ordered) ordered hashes, rows and row_sum: the per-column unordered
 * hashes, logical.unordered, schema.id and (with_ordered) logical.id.
 * Shard merging uses it with sums added up. Returns -1 when out of memory. */
int whorl__lresult_ids(const uint8_t *key32, whorl_lresult *r, int with_ordered);
/* Finishes (once): results valid until whorl__lacc_free. */
int whorl__lacc_finish(whorl_lacc *a, const whorl_lresult **out);
void whorl__lacc_free(whorl_lacc *a);

#endif
