/*
 * whorl/diff.h - explain what differs between two fingerprints.
 *
 * whorl_diff compares two fingerprint documents (computed or loaded) and
 * returns a report document (docs/diff-format.md). The report belongs to the
 * caller (whorl_json_free). whorl_render turns it into text.
 */
#ifndef WHORL_DIFF_H
#define WHORL_DIFF_H

#include <stddef.h>
#include "errors.h"
#include "json.h"

#ifdef __cplusplus
extern "C" {
#endif

#define WHORL_DIFF_FORMAT_VERSION 1

/* Compares a (baseline) with b (current). *identical is set to 1 when the
 * two have the same id at the level they share, 0 otherwise. Documents of
 * different kinds give a "kind changed" report; documents of different
 * levels give "size changed" when their sizes differ and fail with
 * WHORL_EINVAL otherwise, as do documents made under different rules. */
int whorl_diff(const whorl_json *a, const whorl_json *b, whorl_json **report, int *identical,
               whorl_error *err);

/* Most changed files whose byte ranges whorl_diff_detail works out. */
#define WHORL_DIFF_DETAIL_MAX 100

/* Refines a folder report from whorl_diff whose two sides are folders on
 * disk at path_a and path_b: every changed file (up to
 * WHORL_DIFF_DETAIL_MAX, in path order) is fingerprinted again on both sides
 * with its chunk list, and its "changed" entry gains "ranges" and
 * "unchanged_bytes" as a file report has. Files that changed again since the
 * report was made are left without ranges. `opts` gives threads and cache
 * (NULL: defaults). A report of any other kind is left as it is. */
struct whorl_fp_options;
int whorl_diff_detail(whorl_json *report, const char *path_a, const char *path_b,
                      const struct whorl_fp_options *opts, whorl_error *err);

typedef enum whorl_render_format {
  WHORL_RENDER_TEXT = 1, /* concise lines for a terminal */
  WHORL_RENDER_JSON = 2, /* pretty JSON of the report */
  WHORL_RENDER_MARKDOWN = 3 /* a diff report for a pull-request comment:
                               a heading, tables for columns and tensors,
                               the text report's details in a block */
} whorl_render_format;

/* Renders a fingerprint document or diff report. *out is malloc'd and owned
 * by the caller (free()). */
int whorl_render(const whorl_json *doc, whorl_render_format fmt, char **out, size_t *len,
                 whorl_error *err);

#ifdef __cplusplus
}
#endif
#endif
