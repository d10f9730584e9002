/* walk.h - list a folder's entries for fingerprinting (no hashing here).
 *
 * Rules (docs/fingerprint-format.md, "Folders"):
 *  - regular files are listed for hashing; symlinks are recorded with their
 *    target text, never followed; folders holding no recorded entry are
 *    recorded as "dir" entries; FIFOs, sockets and devices are skipped and
 *    reported, never opened;
 *  - a folder named ".whorl" (whorl's own cache) is never entered;
 *  - .whorlignore files (see ignore.h) exclude paths; they are themselves
 *    content and are listed unless they exclude themselves;
 *  - permissions, owners and times are ignored;
 *  - a folder whose listing changes while it is read, an entry that
 *    vanishes, or a folder that cannot be read is a fatal issue. */
#ifndef WHORL_WALK_H
#define WHORL_WALK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include "whorl/errors.h"
#include "whorl/fingerprint.h"

typedef enum walk_type { WALK_FILE, WALK_SYMLINK, WALK_DIR, WALK_SKIPPED } walk_type;

/* What the walk keeps of lstat(): a small struct, since entries are sorted
 * and a folder may hold millions. Member names follow struct stat. */
typedef struct walk_stat {
  uint64_t st_dev, st_ino;
  off_t st_size;
  struct timespec st_mtim, st_ctim;
  mode_t st_mode;
} walk_stat;

typedef struct walk_entry {
  char *rel;          /* relative path, raw bytes, '/' separated, NUL-terminated */
  size_t rel_len;
  walk_type type;
  walk_stat st;       /* lstat() at listing time */
  char *target;       /* symlink target (raw bytes) */
  size_t target_len;
  const char *skip_reason; /* for WALK_SKIPPED: "fifo", "socket", ... (static) */
} walk_entry;

typedef struct walk_result {
  walk_entry *entries;
  size_t n, cap;
  int fatal;          /* number of fatal issues reported */
  whorl_error first;  /* the first fatal issue */
} walk_result;

/* Walks `root` (an existing folder) with `threads` threads. Entries come in
 * no particular order. Issues go to on_issue (may be NULL; called under a
 * lock, one at a time). Returns WHORL_OK (check res->fatal) or ENOMEM. */
int whorl__walk(const char *root, int threads, walk_result *res, whorl_issue_cb on_issue, void *cb_ctx);
void whorl__walk_free(walk_result *res);

/* Opens `rel` (relative, '/'-separated) beneath the folder open as rootfd
 * with open flags `flags`, following no symlink on the way or at the end
 * and never leaving rootfd; works for paths longer than PATH_MAX. "" opens
 * rootfd itself (with O_DIRECTORY). Returns an fd or -1 with errno. */
int whorl__open_beneath(int rootfd, const char *rel, int flags);

/* Orders relative paths component by component (bytewise within a
 * component), so "a/b" < "a-b" and "a" < "a/b". */
int whorl__path_cmp(const char *a, size_t alen, const char *b, size_t blen);

#endif
