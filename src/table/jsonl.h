/* jsonl.h - JSON Lines reader (one object per line), streaming, bounded.
 *
 * Lines end at LF (a CR before it is dropped); blank lines (only spaces or
 * tabs) are skipped; a UTF-8 byte order mark at the start is skipped; every
 * other line must be one JSON object, else an EFORMAT error naming the
 * file's line and column (and its byte offset in err->offset). A line longer than max_line
 * bytes is an error, so memory stays bounded. Values map to canonical table
 * values with whorl__value_json (value.h rules; nested arrays and objects
 * become their RFC 8785 canonical JSON, kind 'J').
 */
#ifndef WHORL_TABLE_JSONL_H
#define WHORL_TABLE_JSONL_H

#include <stddef.h>
#include <stdint.h>

#include "table/csv.h" /* whorl_csv_read_fn */
#include "table/value.h"
#include "whorl/json.h"

typedef struct whorl_jsonl whorl_jsonl;

/* max_line 0 = 64 MiB. path is for messages (may be NULL). */
int whorl_jsonl_new(whorl_csv_read_fn read, void *ctx, const char *path, size_t max_line, whorl_jsonl **out,
                    whorl_error *err);
/* Next object: 1 with *obj borrowed until the next call (and *line, the
 * 1-based line it came from), 0 at end, or a negative status. */
int whorl_jsonl_next(whorl_jsonl *r, const whorl_json **obj, uint64_t *line, whorl_error *err);
void whorl_jsonl_free(whorl_jsonl *r); /* NULL ok */
/* Reads one JSON array of objects ("[{...}, {...}]", as pandas'
 * to_json(orient="records") writes) instead of lines: the objects are the
 * rows, one at a time, each bounded like a line. Call before the first
 * whorl_jsonl_next. */
void whorl_jsonl_set_array(whorl_jsonl *r);
/* The input starts inside a file (a segment read in parallel): bytes that
 * look like a byte order mark there are not skipped. */
void whorl_jsonl_set_midfile(whorl_jsonl *r);

/* Canonical bytes of a JSON value as a table value: null, booleans and
 * numbers by value, strings by appearance (whorl__value_text, quoted),
 * arrays/objects as 'J' + canonical JSON. A number with a literal kept by
 * whorl__json_parse_row (an integer beyond int64, a number beyond the
 * double range) is read from its literal as CSV text is: the same table
 * as CSV and as JSON Lines has the same values. */
whorl_vkind whorl__value_json(const whorl_json *v, whorl_buf *out);

#endif
