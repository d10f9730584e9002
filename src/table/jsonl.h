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

/* A flat line: one object of scalar members, scanned in place (see
 * whorl__jsonl_flat). Pointers into the reader's buffer, valid until the
 * next call. */
typedef struct whorl_jmember {
  const char *k, *v; /* key; value text: a string's bytes, a number's literal, "true"/"false"; null: empty */
  uint32_t kl, vl;
  char kind;         /* 's' string, 'n' number, 't' true, 'f' false, 'z' null */
} whorl_jmember;
typedef struct whorl_jflat {
  whorl_jmember *m;
  size_t n, cap;
} whorl_jflat;
/* 1 and f filled when the line s[0, n) is a JSON object whose keys and
 * string values hold no escape (valid UTF-8, no control byte) and whose
 * values are strings, numbers without exponent, true, false or null; 0
 * for anything else, valid or not (the JSON parser reads it). Keys may
 * repeat (the parser's error). */
int whorl__jsonl_flat(const char *s, size_t n, whorl_jflat *f);
void whorl__jflat_free(whorl_jflat *f);
/* whorl_jsonl_next, giving a flat line as *flat (with *obj NULL) when flat
 * is not NULL and the line is one; otherwise *obj as whorl_jsonl_next. */
int whorl_jsonl_next_flat(whorl_jsonl *r, const whorl_json **obj, whorl_jflat *flat, uint64_t *line, whorl_error *err);
/* The line just given flat, parsed as JSON after all (*obj borrowed until
 * the next call); its errors are whorl_jsonl_next's. */
int whorl_jsonl_reparse(whorl_jsonl *r, const whorl_json **obj, whorl_error *err);
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
