/* ignore.h - .whorlignore rules (a documented subset of gitignore).
 *
 * Semantics (docs/fingerprint-format.md, "Ignore rules"):
 *  - one pattern per line; blank lines and lines starting with '#' are
 *    skipped; trailing unescaped spaces are trimmed; "\#", "\!", "\ " escape;
 *  - "!pat" re-includes what an earlier pattern excluded; the last matching
 *    pattern wins; a path inside an excluded folder cannot be re-included
 *    (the walker never descends into it);
 *  - a trailing '/' makes the pattern match folders only;
 *  - a pattern with a '/' at its start or in its middle is anchored to the
 *    folder holding the .whorlignore; otherwise it matches a name at any depth
 *    below that folder;
 *  - '*' matches anything but '/', '?' one character but '/', "[...]" a
 *    class (with '!' or '^' negation and ranges); "**" as a whole component
 *    matches zero or more folders ("** /x", "a/ **", "a/ ** /b" without spaces).
 *  Rules in a .whorlignore of folder F apply only to paths under F; rules of
 *  deeper files are consulted after (and so override) shallower ones.
 *  Details that also follow git: lines end at "\n" (a "\r" before it and a
 *  leading UTF-8 BOM are dropped, a NUL byte ends the line); only spaces are
 *  trimmed, not tabs; classes never match '/' and also accept "[:alpha:]"
 *  style names (ASCII); a pattern with a malformed class (unterminated "[",
 *  unknown "[:name:]") or ending in a lone '\' is kept but matches nothing.
 *  Known difference (tests/unit/ignore_vs_git.sh): a "**" glued to other
 *  characters is always a plain '*' as gitignore(5) documents, whereas git
 *  2.39 lets "**" right after the literal prefix of an anchored pattern
 *  ("x/ab**", "x/ab** /y") cross '/'.
 */
#ifndef WHORL_WALK_IGNORE_H
#define WHORL_WALK_IGNORE_H

#include <stddef.h>
#include "whorl/errors.h"

typedef struct whorl_ignore whorl_ignore;

/* Creates an empty rule set; returns WHORL_OK or WHORL_ENOMEM. */
int whorl_ignore_new(whorl_ignore **out);
/* Adds the rules of one .whorlignore. `base` is the folder holding it,
 * relative to the walk root, POSIX separators, no leading or trailing '/',
 * "" for the root. `text` need not be NUL-terminated and may hold any bytes.
 * Malformed lines (e.g. an unterminated "[") are kept as rules that match
 * nothing, as git does; the function fails only on allocation failure
 * (WHORL_ENOMEM; rules added before the failure stay). */
int whorl_ignore_add(whorl_ignore *ig, const char *base, const char *text, size_t len);
/* 1 if `relpath` (relative to the walk root, no leading/trailing '/') is
 * ignored, 0 otherwise. is_dir: the path is a folder. Thread-safe for
 * concurrent readers once all rules are added. */
int whorl_ignore_match(const whorl_ignore *ig, const char *relpath, int is_dir);
/* Number of rules held (for tests). */
size_t whorl_ignore_count(const whorl_ignore *ig);
void whorl_ignore_free(whorl_ignore *ig); /* NULL ok */

#endif
