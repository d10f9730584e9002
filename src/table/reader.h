/* reader.h - one table-reader interface over CSV/TSV, JSON Lines, Parquet
 * and NumPy .npy.
 *
 * A reader streams a table into a whorl_table_sink (logical.h) as typed
 * column batches: windows of rows (a few thousand, or one Parquet row
 * group), each cell as its canonical bytes (value.h) and its own logical
 * type (types.h). Memory is bounded by the window (and, for Parquet, by
 * the row group's row count), never by the file.
 *
 * Column names: the header (CSV/TSV, unless there is none), the keys
 * (JSON Lines, in order of first appearance), the schema leaves (Parquet);
 * headerless CSV and .npy columns are named "0", "1", ... (as pandas
 * numbers them).
 */
#ifndef WHORL_TABLE_READER_H
#define WHORL_TABLE_READER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "table/logical.h"
#include "whorl/errors.h"

typedef struct whorl_table_opts {
  const char *format; /* "csv", "tsv", "jsonl", "parquet", "npy"; NULL = detect */
  char delimiter;     /* CSV: 0 = sniff */
  int header;         /* CSV: -1 = detect, 0 = none, 1 = first row */
  int strict;         /* ragged rows and invalid UTF-8 are errors, not warnings */
  size_t max_record;  /* longest CSV record / JSON line; 0 = 64 MiB */
  int threads;        /* plain CSV/TSV files are read on this many threads
                         when the sink can fork (logical.h) */
  uint64_t pq_whole_rows; /* Parquet row groups above this many rows are read
                             all columns in step (0 = 4 Mi rows; for tests) */
  unsigned seg_shift;  /* for tests: parallel text reads cut their input into
                          segments (and decompressed blocks) of 2^seg_shift
                          bytes, 10 to 22, so small files take those paths;
                          0 = the defaults, or the environment's
                          WHORL_SEGMENT_SHIFT. No output depends on it. */
  /* Progress (may be NULL): file bytes done of total, now and then, from
   * the reading thread. */
  void (*progress)(void *ctx, uint64_t done, uint64_t total);
  void *pctx;
} whorl_table_opts;
#define WHORL_TABLE_OPTS_INIT {NULL, 0, -1, 0, 0, 1, 0, 0, NULL, NULL}

/* Returned by whorl__table_read when a parallel read met something only
 * the serial reader reports properly (a warning, an error, ragged rows):
 * the caller starts again with a fresh sink and threads = 1. */
#define WHORL__RETRY 1001

/* Revision of the readers' behaviour (detection, header guess, parsing):
 * part of the table cache's rules, bumped whenever a reader could read the
 * same file differently, so older cached documents are not reused. */
#define WHORL_TABLE_READER_REV "readers-2026-11-28.2"

#define WHORL_TABLE_MAX_WARNINGS 20
typedef struct whorl_table_warning {
  uint64_t line;    /* 1-based; 0 when not about a line */
  char message[200];
} whorl_table_warning;

typedef struct whorl_table_info {
  char format[16];      /* csv, tsv, jsonl, parquet, npy */
  char compression[8];  /* none, gzip, zstd */
  char encoding[12];    /* text decoded to UTF-8 from: utf-16le, utf-16be; "" UTF-8 as it is */
  char delimiter;       /* CSV/TSV */
  int header;           /* CSV/TSV: 1 when the first row named the columns */
  uint64_t rows;
  uint64_t ragged_rows;  /* CSV rows with more or fewer fields than the header */
  uint64_t invalid_utf8; /* cells that are not valid UTF-8 */
  uint64_t nwarnings;    /* all of them; the first few are kept below */
  whorl_table_warning warning[WHORL_TABLE_MAX_WARNINGS];
  int npy_object;        /* refused: a NumPy object array (pickles), in a
                            .npy file or an .npz member */
} whorl_table_info;

/* Which table format, if any, a file holds: from its sniffed format
 * ("text", "json", "parquet", "npy", "gzip", "zstd", ...), its name and its
 * first (decompressed) bytes. Returns "csv", "tsv", "jsonl", "parquet",
 * "npy" or NULL (not a table). */
const char *whorl__table_detect(const char *path, const char *sniffed);
/* What whorl__table_detect returns for a file named as a text table (.csv,
 * .tsv, .json, .jsonl, ...) whose (decompressed) start holds a NUL byte:
 * binary data, refused rather than read as a table of noise. */
#define WHORL__TABLE_BINARY "binary-under-a-table-name"


/* Reads the table at path (fd open on it, st its stat) into sink.
 * info is filled (zeroed first). Errors name the file and position. */
int whorl__table_read(const char *path, int fd, const struct stat *st, const whorl_table_opts *opts,
                      whorl_table_sink *sink, whorl_table_info *info, whorl_error *err);

#endif
