/* canon.h - pieces of the RFC 8785 writer for modules that emit canonical
 * bytes directly (without building a whorl_json tree first). */
#ifndef WHORL_CANON_H
#define WHORL_CANON_H

#include <stddef.h>
#include "util/util.h"

/* Appends `s` (UTF-8, any bytes allowed) as a canonical JSON string,
 * quotes included, escaped exactly as whorl_json_canonical does. */
void whorl__jcs_string(whorl_buf *b, const char *s, size_t len);

#endif
