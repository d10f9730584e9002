/* canon.h - pieces of the RFC 8785 writer for modules that emit canonical
 * bytes directly (without building a whorl_json tree first). */
#ifndef WHORL_CANON_H
#define WHORL_CANON_H

#include <stddef.h>
#include "util/util.h"

/* Appends `s` (UTF-8) as a canonical JSON string, quotes included, escaped
 * exactly as whorl_json_canonical does. Bytes that are not part of a valid
 * UTF-8 sequence are written as U+FFFD each (never invalid JSON text):
 * callers that need the exact bytes pass valid text and a _hex member. */
void whorl__jcs_string(whorl_buf *b, const char *s, size_t len);

#include "whorl/json.h"

/* whorl_json_parse for one row of a table (a JSON Lines object), whose
 * values must read as CSV text does (value.h): a number that is a value of
 * the top-level object keeps its literal text when it is an integer beyond
 * int64 (the node's double is then rounded) or beyond the double range
 * (accepted there, with an infinite double: such a tree must not be
 * serialized; deeper, it is still an error). Error messages carry no
 * position (err->offset has it): the caller names the line and column
 * of its file. */
int whorl__json_parse_row(const char *text, size_t len, whorl_json **out, whorl_error *err);
/* The literal kept by whorl__json_parse_row, or NULL. */
const char *whorl__json_number_literal(const whorl_json *v);

/* Parses one YAML document (text of len bytes; path names it in errors)
 * into a JSON tree: anchors and aliases resolved, YAML 1.2 core schema for
 * plain scalars. Several documents, syntax errors and keys without a JSON
 * form are errors (with line and column). *out is the caller's. */
int whorl__yaml_load(const char *path, const char *text, size_t len, whorl_json **out, whorl_error *err);

#endif
