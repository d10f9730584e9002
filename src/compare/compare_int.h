/* compare_int.h - private pieces shared inside the compare module. */
#ifndef WHORL_COMPARE_INT_H
#define WHORL_COMPARE_INT_H

#include "whorl/json.h"

/* Adds "ranges" and "unchanged_bytes" (or a "note") to `rep` from the chunk
 * lists of two content-level file documents. WHORL_OK or WHORL_ENOMEM. */
int whorl__diff_file_chunks(const whorl_json *a, const whorl_json *b, whorl_json *rep);

#endif
