/* csv.h - streaming CSV/TSV tokenizer (RFC 4180 plus what real files do).
 *
 * First piece of the tables module (issue 3): it turns a byte stream into
 * records of fields, with bounded memory, and nothing about types or
 * hashing. Readers built on it (typed column batches, logical hashes) come
 * next.
 *
 * Rules:
 *  - records end at LF, CRLF or a lone CR (outside quotes); a final record
 *    without a line break counts; a UTF-8 BOM at the very start is skipped;
 *  - a field that starts with the quote character is quoted: it ends at a
 *    quote not followed by another quote; "" inside stands for one quote;
 *    delimiters and line breaks inside are data (CRLF kept as is);
 *  - a quote inside an unquoted field is data (lenient, as most tools are);
 *    text after a quoted field's closing quote and before the delimiter is
 *    appended (`"ab"c` gives `abc`) and flagged WHORL_CSV_STRAY_QUOTE;
 *  - an unterminated quoted field at end of input is an error (EFORMAT,
 *    with the line where the field started);
 *  - a record longer than max_record bytes is an error (EFORMAT): memory
 *    stays bounded whatever the input (a 10 GB line without a newline).
 */
#ifndef WHORL_TABLE_CSV_H
#define WHORL_TABLE_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "whorl/errors.h"

/* Reads up to cap bytes into buf; returns the count, 0 at end, -1 on error
 * (errno set). */
typedef long long (*whorl_csv_read_fn)(void *ctx, uint8_t *buf, size_t cap);

typedef struct whorl_csv_opts {
  char delim;          /* field separator; 0 = sniff from the first 64 KiB */
  char quote;          /* 0 = '"'; -1 = no quoting at all */
  size_t max_record;   /* 0 = 64 MiB */
  const char *path;    /* for error messages, may be NULL */
  int keep_bom;        /* 1: a BOM at the start is data (a tokenizer started
                          in the middle of a file) */
} whorl_csv_opts;

#define WHORL_CSV_STRAY_QUOTE 1u /* text after a closing quote */
#define WHORL_CSV_QUOTED 2u      /* at least one field of the record was quoted */

typedef struct whorl_csv_record {
  size_t nfields;
  const char *const *field; /* field[i]: len[i] bytes in the tokenizer's
                               buffers (not NUL-terminated), valid until the
                               next call */
  const size_t *len;        /* field lengths (fields may hold NUL bytes) */
  const unsigned char *quoted; /* quoted[i]: field i was quoted (an empty
                               quoted field is the empty string, not null) */
  uint64_t line;            /* 1-based line where the record starts */
  uint64_t offset;          /* byte offset where the record starts (after any BOM) */
  unsigned flags;
} whorl_csv_record;

typedef struct whorl_csv whorl_csv;

/* Creates a tokenizer reading through `read` (owned by the caller, used
 * until whorl_csv_free). Sniffing reads ahead; nothing is lost. */
int whorl_csv_new(const whorl_csv_opts *opts, whorl_csv_read_fn read, void *ctx, whorl_csv **out,
                  whorl_error *err);
/* Next record: 1 and *rec filled, 0 at end of input, or a negative status
 * with err filled (path, byte offset, line in the message). */
int whorl_csv_next(whorl_csv *c, whorl_csv_record *rec, whorl_error *err);
/* Reads ahead until at least `want` bytes past the current position are
 * buffered (or the input ends, or the record bound is reached) and shows
 * them: *p, *n; *all is 1 when they are all the input has left. Pointers
 * from earlier records are invalid afterwards. */
int whorl_csv_lookahead(whorl_csv *c, size_t want, const uint8_t **p, size_t *n, int *all, whorl_error *err);
/* Records in bulk: the fields of many records at once, row-major. */
typedef struct whorl_csv_block {
  size_t rows, ncols;
  const char **ptr;       /* ptr[row * ncols + col]: field bytes in the read buffer */
  size_t *len;
  unsigned char *quoted;
  uint64_t *line;         /* per record: 1-based line where it starts */
  uint64_t *offset;       /* per record: byte offset where it starts */
  size_t bytes;           /* bytes the records span */
  int ascii;              /* 1: every byte of them is ASCII */
  size_t cap;             /* (owned) capacity in records */
} whorl_csv_block;

/* Parses up to max_rows records in one go, the common ones only: exactly
 * ncols fields each, fields unquoted or quoted without "" inside or text
 * after the closing quote, no record starting at or after offset `stop`,
 * all buffered already. Returns how many (0: let whorl_csv_next take the
 * next record; nothing was consumed), -1 when out of memory. They are the
 * records whorl_csv_next would have given, with the same lines. The fields
 * are valid until the next call on c. */
long whorl_csv_block_next(whorl_csv *c, size_t ncols, size_t max_rows, uint64_t stop, whorl_csv_block *b);
void whorl_csv_block_free(whorl_csv_block *b);

/* Starts over on another input (same options; no BOM or delimiter
 * sniffing), keeping the buffers. */
void whorl_csv_restart(whorl_csv *c, whorl_csv_read_fn read, void *ctx);
/* The same, for an input that is the rest of a file from `offset` on, where
 * `line` is the line there: records say their offsets and lines in the
 * whole file. */
void whorl_csv_restart_at(whorl_csv *c, whorl_csv_read_fn read, void *ctx, uint64_t offset, uint64_t line);
/* The line where the next record starts. */
uint64_t whorl_csv_line(const whorl_csv *c);
/* Offset (from the start of the input) of the first byte not yet
 * consumed: after a record, where the next one starts. */
uint64_t whorl_csv_tell(const whorl_csv *c);
/* The delimiter in use (after sniffing). */
char whorl_csv_delimiter(const whorl_csv *c);
void whorl_csv_free(whorl_csv *c); /* NULL ok */

/* Picks the delimiter of a sample: among ',', '\t', ';', '|', the one that
 * splits the sample's first lines (quotes respected) into the same number
 * of fields, more than one, most consistently; ',' when nothing fits. */
char whorl_csv_sniff_delimiter(const uint8_t *sample, size_t len);

#endif
