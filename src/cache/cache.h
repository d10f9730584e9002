/* cache.h - the stat cache: (device, inode, size, mtime ns, ctime ns) ->
 * digests already computed, so unchanged files are not read again.
 *
 * Stored in SQLite. Location: <P>/.whorl/cache.sqlite where P is the nearest
 * folder at or above the target that holds a `.whorl` folder; otherwise
 * $XDG_CACHE_HOME/whorl/cache.sqlite (default ~/.cache/whorl/cache.sqlite).
 *
 * Trust: a cache file that SQLite cannot open or read, whose schema or
 * whorl rules version differs, or any row whose checksum fails, is never
 * trusted: the file is deleted and rebuilt (or the row treated as a miss).
 * A cache that cannot be created at all (read-only home, ...) silently
 * degrades to "no cache": it never makes a fingerprint fail.
 *
 * Racy entries: a file whose mtime or ctime is less than 2 seconds before the
 * time it was hashed is not stored, since a later write within the same
 * timestamp tick could go unnoticed.
 *
 * Concurrency: one whorl_cache per thread; several processes may share a
 * cache file (SQLite locking, busy timeout of a few seconds; a busy cache
 * is skipped, not waited for forever).
 */
#ifndef WHORL_CACHE_H
#define WHORL_CACHE_H

#include <stddef.h>
#include <stdint.h>
#include "whorl/errors.h"

/* Bump when the meaning of stored values changes. */
#define WHORL_CACHE_SCHEMA 1

typedef struct whorl_cache whorl_cache;

typedef struct whorl_cache_key {
  uint64_t dev, ino, size;
  int64_t mtime_ns, ctime_ns;
} whorl_cache_key;

typedef struct whorl_cache_entry {
  unsigned digests;   /* whorl_digest_kind bits present below */
  uint8_t blake3[32];
  uint8_t sha256[32];
  uint8_t md5[16];
  /* Opaque, caller-defined bytes (the serialized chunk list); NULL/0 when
   * absent. On lookup: malloc'd, owned by the caller (free()). On put:
   * borrowed. */
  uint8_t *extra;
  size_t extra_len;
} whorl_cache_entry;

/* Finds the cache file for a target path (file or folder) as described
 * above. Returns a malloc'd path (caller frees) or NULL if no location
 * exists (no HOME and no XDG_CACHE_HOME). Does not create anything. */
char *whorl_cache_locate(const char *target);

/* Opens (creating folders and the database as needed) the cache at db_path.
 * `rules` names the hashing rules version (e.g. "whorl-content-1"): rows
 * stored under other rules are ignored. On any problem returns an error code
 * and *out = NULL; callers then work without a cache. */
int whorl_cache_open(const char *db_path, const char *rules, whorl_cache **out, whorl_error *err);

/* Looks up key. Returns 1 on a hit (entry filled; entry->extra malloc'd or
 * NULL), 0 on a miss. A hit requires every bit of `need` in entry->digests,
 * and, if need_extra, a stored extra blob. */
int whorl_cache_get(whorl_cache *c, const whorl_cache_key *key, unsigned need, int need_extra,
                    whorl_cache_entry *entry);

/* Stores (replaces) the entry for key, unless the key is racy relative to
 * now_ns_realtime (CLOCK_REALTIME ns when the file was hashed). Errors are
 * swallowed (a cache is an optimisation). Writes are batched: they become
 * durable at whorl_cache_close or every few thousand puts. */
void whorl_cache_put(whorl_cache *c, const whorl_cache_key *key, const whorl_cache_entry *entry,
                     int64_t now_ns_realtime);

/* Commits pending writes and closes. NULL ok. */
void whorl_cache_close(whorl_cache *c);

#endif
