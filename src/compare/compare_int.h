/* compare_int.h - private pieces shared inside the compare module. */
#ifndef WHORL_COMPARE_INT_H
#define WHORL_COMPARE_INT_H

#include "whorl/errors.h"
#include "util/util.h"
#include "whorl/json.h"

/* Adds "ranges" and "unchanged_bytes" (or a "note") to `rep` from the chunk
 * lists of two content-level file documents. WHORL_OK or WHORL_ENOMEM. */
int whorl__diff_file_chunks(const whorl_json *a, const whorl_json *b, whorl_json *rep);
/* The entries of two folder documents (or a model's extras) compared by
 * path: rep gains "entries" {added, removed, changed, renamed}. */
int whorl__diff_entries(const whorl_json *a, const whorl_json *b, whorl_json *rep);

/* Tables: fills rep["table"] with the tier at which two kind "table"
 * documents differ (bytes, logical, unordered, columns) and the column-level
 * changes; sets *verdict (static) and *same (1 when bytes or logical
 * content are equal). Keyed fingerprints with different keys: WHORL_EINVAL. */
/* The differences between two JSON values as {"op", "path" (RFC 6901),
 * "old", "new"} entries appended to list (at most 200; *total counts all);
 * path holds the pointer of a and b (empty at the top). */
void whorl__json_changes(const whorl_json *a, const whorl_json *b, whorl_buf *path, whorl_json *list, size_t *total);
/* Drift metrics between two columns' profiles (docs/drift.md), or NULL
 * when either has no profile. */
/* "; 1 row changed (row 1234)" ...: a table report's row_changes in words, appended to b. */
void whorl__rows_text(const whorl_json *rows, whorl_buf *b);
whorl_json *whorl__drift(const whorl_json *cola, const whorl_json *colb, int keyed);
/* Model documents: the "model" member of the report (sections changed,
 * tensors added/removed/changed/retyped with stats deltas, config and
 * training keys, unsafe findings). */
int whorl__diff_model(const whorl_json *a, const whorl_json *b, whorl_json *rep, const char **verdict, int *same,
                      whorl_error *err);
/* Features documents: the "features" member of the report (which parts
 * changed, the pipeline's changed keys as JSON pointers, code files, input,
 * the matrix's table diff). *verdict points to static storage. */
int whorl__diff_features(const whorl_json *a, const whorl_json *b, whorl_json *rep, const char **verdict, int *same,
                         whorl_error *err);
int whorl__diff_table(const whorl_json *a, const whorl_json *b, whorl_json *rep, const char **verdict, int *same,
                      whorl_error *err);

#endif
