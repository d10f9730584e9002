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

/* Parses one YAML document (text of len bytes; path names it in errors)
 * into a JSON tree: anchors and aliases resolved, YAML 1.2 core schema for
 * plain scalars. Several documents, syntax errors and keys without a JSON
 * form are errors (with line and column). *out is the caller's. */
int whorl__yaml_load(const char *path, const char *text, size_t len, whorl_json **out, whorl_error *err);

#endif
