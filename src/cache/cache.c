/* cache.c - the stat cache, stored in SQLite (see cache.h for the contract).
 *
 * Layout:
 *   meta(key TEXT PRIMARY KEY, value TEXT)   -- 'schema' -> WHORL_CACHE_SCHEMA
 *   files(dev, ino PRIMARY KEY, size, mtime_ns, ctime_ns, rules, digests,
 *         blake3, sha256, md5, extra, checksum) WITHOUT ROWID
 *   PRAGMA application_id = WHORL_CACHE_APP_ID
 *
 * Every row carries a 64-bit XXH3 checksum of all its other columns, verified
 * on each lookup, so a row damaged in a way SQLite does not notice is a miss,
 * never a wrong answer. Damage SQLite does notice (SQLITE_CORRUPT,
 * SQLITE_NOTADB), a foreign application id or another schema version makes
 * the whole file untrusted: it is deleted (with its -wal/-shm/-journal) and
 * recreated, at most once per handle.
 *
 * Writes go into one transaction, begun lazily by the first put and committed
 * after WHORL_CACHE_BATCH puts, when it has been open for WHORL_CACHE_TXN_NS,
 * or at close. The time bound keeps the write lock short so that other
 * processes sharing the file can still write. Lookups likewise share one read
 * transaction (same bounds): starting a WAL read transaction per statement
 * costs ~2 us, five times the lookup itself. A put ends an open read
 * transaction before taking the write lock. A write that finds the file
 * locked for longer than the busy timeout turns writing off for this handle;
 * a lookup that finds it locked is a miss and turns the handle off: a busy
 * cache is skipped, never waited for repeatedly.
 */
#include <errno.h>
#include <pthread.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "cache/cache.h"
#include "util/util.h"
#include "whorl/hash.h"

#define WHORL_CACHE_APP_ID 0x77686f72 /* "whor" */
#define WHORL_CACHE_BATCH 4096
#define WHORL_CACHE_TXN_NS 1000000000ull /* commit a write batch after 1 s */
#define WHORL_CACHE_BUSY_MS 3000
#define WHORL_CACHE_RACY_NS 2000000000ll
#define WHORL_CACHE_SEED 0x77686f726c636163ull /* "whorlcac" */

enum { TXN_NONE = 0, TXN_READ = 1, TXN_WRITE = 2 };

struct whorl_cache {
  sqlite3 *db;
  sqlite3_stmt *get, *put, *begin_read, *begin, *commit, *rollback;
  char *path;
  char *rules;
  size_t rules_len;
  int txn;            /* TXN_NONE, TXN_READ or TXN_WRITE */
  unsigned ops;       /* gets/puts in the open transaction */
  uint64_t txn_start; /* monotonic ns when it began */
  int rebuilt;        /* the file was already deleted and recreated once */
  int disabled;       /* nothing works any more: every get misses */
  int no_writes;      /* puts are dropped */
};

/* ---- helpers ----------------------------------------------------------------- */

static int is_broken_rc(int rc) {
  rc &= 0xff;
  return rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB;
}

static int is_busy_rc(int rc) {
  rc &= 0xff;
  return rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
}

static char *str_cat3(const char *a, const char *b, const char *c) {
  size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
  char *s = malloc(la + lb + lc + 1);
  if (!s) return NULL;
  memcpy(s, a, la);
  memcpy(s + la, b, lb);
  memcpy(s + la + lb, c, lc + 1);
  return s;
}

static int is_dir(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Cuts the last component off an absolute path in place ("/a/b" -> "/a",
 * "/a" -> "/"). Trailing slashes are ignored. */
static void cut_last(char *p) {
  size_t n = strlen(p);
  while (n > 1 && p[n - 1] == '/') n--;
  while (n > 0 && p[n - 1] != '/') n--;
  while (n > 1 && p[n - 1] == '/') n--;
  if (n == 0) n = 1; /* p was absolute: keep "/" */
  p[n] = 0;
}

/* ---- locate -------------------------------------------------------------------- */

static char *absolute_path(const char *target) {
  char *rp = realpath(target, NULL);
  if (rp) return rp;
  if (target[0] == '/') return strdup(target);
  char *cwd = getcwd(NULL, 0);
  if (!cwd) return NULL;
  char *abs = str_cat3(cwd, strcmp(cwd, "/") == 0 ? "" : "/", target);
  free(cwd);
  return abs;
}

char *whorl_cache_locate(const char *target) {
  if (target && *target) {
    char *dir = absolute_path(target);
    if (dir) {
      if (!is_dir(dir)) cut_last(dir);
      for (;;) {
        char *probe = str_cat3(dir, strcmp(dir, "/") == 0 ? "" : "/", ".whorl");
        if (!probe) break;
        if (is_dir(probe)) {
          char *res = str_cat3(probe, "/", "cache.sqlite");
          free(probe);
          free(dir);
          return res;
        }
        free(probe);
        if (strcmp(dir, "/") == 0) break;
        cut_last(dir);
      }
      free(dir);
    }
  }
  const char *xdg = getenv("XDG_CACHE_HOME");
  if (xdg && xdg[0] == '/') return str_cat3(xdg, "/", "whorl/cache.sqlite");
  const char *home = getenv("HOME");
  if (home && home[0] == '/') return str_cat3(home, "/", ".cache/whorl/cache.sqlite");
  return NULL;
}

/* ---- row checksum -------------------------------------------------------------- */

typedef struct row {
  uint64_t dev, ino, size;
  int64_t mtime_ns, ctime_ns;
  const char *rules;
  size_t rules_len;
  uint64_t digests;
  const void *b3, *sha, *md5, *extra;
  size_t b3_len, sha_len, md5_len, extra_len;
} row;

static void put_u64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t row_checksum(const row *r) {
  uint8_t buf[8 * 10 + 32 + 32 + 16];
  uint8_t *p = buf;
  put_u64(p, r->dev), p += 8;
  put_u64(p, r->ino), p += 8;
  put_u64(p, r->size), p += 8;
  put_u64(p, (uint64_t)r->mtime_ns), p += 8;
  put_u64(p, (uint64_t)r->ctime_ns), p += 8;
  put_u64(p, r->digests), p += 8;
  put_u64(p, r->b3_len), p += 8;
  put_u64(p, r->sha_len), p += 8;
  put_u64(p, r->md5_len), p += 8;
  put_u64(p, r->extra_len), p += 8;
  /* Digest blobs longer than their slots are rejected before we get here;
   * clamp anyway so the buffer can never overflow. */
  size_t n;
  n = r->b3_len > 32 ? 32 : r->b3_len;
  if (n) memcpy(p, r->b3, n), p += n;
  n = r->sha_len > 32 ? 32 : r->sha_len;
  if (n) memcpy(p, r->sha, n), p += n;
  n = r->md5_len > 16 ? 16 : r->md5_len;
  if (n) memcpy(p, r->md5, n), p += n;
  uint64_t h = XXH3_64bits_withSeed(r->rules, r->rules_len, WHORL_CACHE_SEED);
  h = XXH3_64bits_withSeed(buf, (size_t)(p - buf), h);
  if (r->extra_len) h = XXH3_64bits_withSeed(r->extra, r->extra_len, h);
  return h;
}

/* ---- opening ------------------------------------------------------------------- */

enum { SETUP_OK = 0, SETUP_REBUILD = 1, SETUP_FAIL = 2 };

static const char *const schema_sql =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);"
    "CREATE TABLE IF NOT EXISTS files("
    " dev INTEGER NOT NULL, ino INTEGER NOT NULL,"
    " size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, ctime_ns INTEGER NOT NULL,"
    " rules TEXT NOT NULL, digests INTEGER NOT NULL,"
    " blake3 BLOB, sha256 BLOB, md5 BLOB, extra BLOB,"
    " checksum INTEGER NOT NULL,"
    " PRIMARY KEY(dev, ino)) WITHOUT ROWID;";

static int classify(int rc) {
  if (is_broken_rc(rc)) return SETUP_REBUILD;
  return SETUP_FAIL;
}

/* Runs a statement that returns at most one row; *out (if given) gets the
 * first column of that row as an integer, or the text into tbuf. */
static int one_row(sqlite3 *db, const char *sql, sqlite3_int64 *ival, char *tbuf, size_t tcap,
                   int *got_row) {
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(st);
    return rc;
  }
  rc = sqlite3_step(st);
  if (got_row) *got_row = rc == SQLITE_ROW;
  if (rc == SQLITE_ROW) {
    if (ival) *ival = sqlite3_column_int64(st, 0);
    if (tbuf && tcap) {
      const unsigned char *t = sqlite3_column_text(st, 0);
      snprintf(tbuf, tcap, "%s", t ? (const char *)t : "");
    }
    rc = SQLITE_OK;
  } else if (rc == SQLITE_DONE) {
    rc = SQLITE_OK;
  }
  sqlite3_finalize(st);
  return rc;
}

static void close_db(whorl_cache *c) {
  sqlite3_finalize(c->get);
  sqlite3_finalize(c->put);
  sqlite3_finalize(c->begin_read);
  sqlite3_finalize(c->begin);
  sqlite3_finalize(c->commit);
  sqlite3_finalize(c->rollback);
  c->get = c->put = c->begin_read = c->begin = c->commit = c->rollback = NULL;
  if (c->db) sqlite3_close(c->db); /* rolls back an open transaction */
  c->db = NULL;
  c->txn = TXN_NONE;
  c->ops = 0;
}

static void remove_db_files(const char *path) {
  static const char *const sfx[] = {"", "-wal", "-shm", "-journal"};
  for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
    char *p = str_cat3(path, sfx[i], "");
    if (p) {
      unlink(p);
      free(p);
    }
  }
}

static int prepare(whorl_cache *c, const char *sql, sqlite3_stmt **st) {
  return sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL);
}

/* Opens c->path into c->db and checks it. On failure c->db is closed. */
/* SQLite counts every allocation under one process-wide mutex unless told
 * not to; with a connection per worker thread that mutex serializes them.
 * Must run before SQLite initializes; if the host program initialized it
 * already, the call fails harmlessly and the default stays. */
static pthread_once_t sqlite_once = PTHREAD_ONCE_INIT;
static void sqlite_configure(void) {
  sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  sqlite3_initialize();
}

static int setup(whorl_cache *c, char *why, size_t why_cap) {
  pthread_once(&sqlite_once, sqlite_configure);
  int rc, res = SETUP_FAIL;
  sqlite3_int64 n = 0, app = 0;
  char ver[32], want[32];
  int got = 0;
  snprintf(why, why_cap, "cannot open cache");

  rc = sqlite3_open_v2(c->path, &c->db,
                       SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK) goto fail;
  sqlite3_busy_timeout(c->db, WHORL_CACHE_BUSY_MS);
  /* First real read of the file: garbage shows up here as SQLITE_NOTADB. */
  if ((rc = one_row(c->db, "PRAGMA journal_mode=WAL", NULL, NULL, 0, NULL)) != SQLITE_OK) goto fail;
  if ((rc = sqlite3_exec(c->db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL)) != SQLITE_OK)
    goto fail;
  if ((rc = one_row(c->db, "SELECT count(*) FROM sqlite_master", &n, NULL, 0, NULL)) != SQLITE_OK)
    goto fail;
  if (n == 0) {
    /* New file: create the schema, once, under the write lock (another
     * process may be doing the same). */
    char sql[128];
    if ((rc = sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL)) != SQLITE_OK) goto fail;
    rc = one_row(c->db, "SELECT count(*) FROM sqlite_master", &n, NULL, 0, NULL);
    if (rc == SQLITE_OK && n == 0) {
      snprintf(sql, sizeof sql,
               "INSERT OR REPLACE INTO meta(key, value) VALUES('schema', '%d');"
               "PRAGMA application_id=%d;",
               WHORL_CACHE_SCHEMA, WHORL_CACHE_APP_ID);
      rc = sqlite3_exec(c->db, schema_sql, NULL, NULL, NULL);
      if (rc == SQLITE_OK) rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);
    }
    if (rc == SQLITE_OK) rc = sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
      sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
      goto fail;
    }
  }
  if ((rc = one_row(c->db, "PRAGMA application_id", &app, NULL, 0, NULL)) != SQLITE_OK) goto fail;
  if (app != WHORL_CACHE_APP_ID) {
    snprintf(why, why_cap, "not a whorl cache (application id %lld)", (long long)app);
    res = SETUP_REBUILD;
    goto out;
  }
  rc = one_row(c->db, "SELECT value FROM meta WHERE key='schema'", NULL, ver, sizeof ver, &got);
  if ((rc & 0xff) == SQLITE_ERROR) {
    snprintf(why, why_cap, "unexpected cache schema: %s", sqlite3_errmsg(c->db));
    res = SETUP_REBUILD; /* e.g. no meta table */
    goto out;
  }
  if (rc != SQLITE_OK) goto fail;
  snprintf(want, sizeof want, "%d", WHORL_CACHE_SCHEMA);
  if (!got || strcmp(ver, want) != 0) {
    snprintf(why, why_cap, "cache schema version %s, want %s", got ? ver : "(none)", want);
    res = SETUP_REBUILD;
    goto out;
  }
  rc = prepare(c,
               "SELECT size, mtime_ns, ctime_ns, rules, digests, blake3, sha256, md5, extra,"
               " checksum FROM files WHERE dev=?1 AND ino=?2",
               &c->get);
  if (rc == SQLITE_OK)
    rc = prepare(c,
                 "INSERT OR REPLACE INTO files(dev, ino, size, mtime_ns, ctime_ns, rules, digests,"
                 " blake3, sha256, md5, extra, checksum)"
                 " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                 &c->put);
  if (rc == SQLITE_OK) rc = prepare(c, "BEGIN", &c->begin_read);
  if (rc == SQLITE_OK) rc = prepare(c, "BEGIN IMMEDIATE", &c->begin);
  if (rc == SQLITE_OK) rc = prepare(c, "COMMIT", &c->commit);
  if (rc == SQLITE_OK) rc = prepare(c, "ROLLBACK", &c->rollback);
  if (rc != SQLITE_OK) {
    if ((rc & 0xff) == SQLITE_ERROR) { /* no such table/column: not our layout */
      snprintf(why, why_cap, "unexpected cache schema: %s", sqlite3_errmsg(c->db));
      res = SETUP_REBUILD;
      goto out;
    }
    goto fail;
  }
  return SETUP_OK;

fail:
  snprintf(why, why_cap, "%s", c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
  res = classify(rc);
out:
  close_db(c);
  return res;
}

/* Deletes the file and creates it anew, once per handle. 0 on success. */
static int rebuild(whorl_cache *c, char *why, size_t why_cap) {
  close_db(c);
  if (c->rebuilt) return -1;
  c->rebuilt = 1;
  remove_db_files(c->path);
  return setup(c, why, why_cap) == SETUP_OK ? 0 : -1;
}

static int make_parents(const char *path, whorl_error *err) {
  char *dir = strdup(path);
  if (!dir) return whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
  char *slash = strrchr(dir, '/');
  if (!slash || slash == dir) {
    free(dir);
    return WHORL_OK; /* relative file name in the cwd, or directly under "/" */
  }
  *slash = 0;
  int code = WHORL_OK;
  if (!is_dir(dir)) {
    for (char *p = dir + 1;; p++) {
      if (*p != '/' && *p != 0) continue;
      char saved = *p;
      *p = 0;
      struct stat st;
      if (stat(dir, &st) != 0) {
        if (errno != ENOENT || (mkdir(dir, 0700) != 0 && errno != EEXIST)) {
          code = whorl__error_errno(err, errno, dir, "create cache folder");
          break;
        }
      } else if (!S_ISDIR(st.st_mode)) {
        code = whorl__error_errno(err, ENOTDIR, dir, "create cache folder");
        break;
      }
      *p = saved;
      if (saved == 0) break;
    }
  }
  free(dir);
  return code;
}

int whorl_cache_open(const char *db_path, const char *rules, whorl_cache **out, whorl_error *err) {
  if (out) *out = NULL;
  if (!db_path || !*db_path || !rules || !out)
    return whorl__error(err, WHORL_EINVAL, db_path, -1, "cache: missing path or rules");
  /* A cache file someone else can write could hold forged rows: only the
   * user's own cache files are used. */
  struct stat own;
  if (stat(db_path, &own) == 0 && own.st_uid != geteuid())
    return whorl__error(err, WHORL_EACCES, db_path, -1, "cache: owned by another user, not used");
  int code = make_parents(db_path, err);
  if (code != WHORL_OK) return code;

  whorl_cache *c = calloc(1, sizeof *c);
  if (!c) return whorl__error(err, WHORL_ENOMEM, db_path, -1, "out of memory");
  c->path = strdup(db_path);
  c->rules = strdup(rules);
  if (!c->path || !c->rules) {
    whorl_cache_close(c);
    return whorl__error(err, WHORL_ENOMEM, db_path, -1, "out of memory");
  }
  c->rules_len = strlen(rules);

  char why[256];
  int r = setup(c, why, sizeof why);
  if (r == SETUP_REBUILD) r = rebuild(c, why, sizeof why) == 0 ? SETUP_OK : SETUP_FAIL;
  if (r != SETUP_OK) {
    whorl_cache_close(c);
    return whorl__error(err, WHORL_EIO, db_path, -1, "cache unusable: %s", why);
  }
  *out = c;
  return WHORL_OK;
}

/* ---- transactions ------------------------------------------------------------- */

static int step_once(sqlite3_stmt *st) {
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  return rc;
}

static void broken(whorl_cache *c) {
  char why[256];
  if (rebuild(c, why, sizeof why) != 0) {
    close_db(c);
    c->disabled = 1;
  }
}

static void end_txn(whorl_cache *c) {
  if (c->txn == TXN_NONE) return;
  int rc = step_once(c->commit);
  if (rc != SQLITE_DONE && !sqlite3_get_autocommit(c->db)) step_once(c->rollback);
  c->txn = TXN_NONE;
  c->ops = 0;
  if (is_broken_rc(rc)) broken(c);
}

/* Ends the open transaction if it is old or big enough. */
static void maybe_end_txn(whorl_cache *c) {
  if (c->txn != TXN_NONE &&
      (c->ops >= WHORL_CACHE_BATCH || whorl__now_ns() - c->txn_start >= WHORL_CACHE_TXN_NS))
    end_txn(c);
}

/* Makes sure a transaction of at least `kind` is open. 0 on success, else
 * the SQLite error of BEGIN. */
static int want_txn(whorl_cache *c, int kind) {
  if (c->txn >= kind) return 0;
  if (c->txn != TXN_NONE) end_txn(c); /* read -> write: no lock upgrade in place */
  if (!c->db) return SQLITE_MISUSE;
  int rc = step_once(kind == TXN_WRITE ? c->begin : c->begin_read);
  if (rc != SQLITE_DONE) {
    if (!sqlite3_get_autocommit(c->db)) step_once(c->rollback);
    return rc;
  }
  c->txn = kind;
  c->ops = 0;
  c->txn_start = whorl__now_ns();
  return 0;
}

/* ---- get / put ------------------------------------------------------------------ */

static int col_len(sqlite3_stmt *st, int i, const void **p) {
  *p = sqlite3_column_blob(st, i);
  int n = sqlite3_column_bytes(st, i);
  if (!*p) n = 0;
  return n;
}

int whorl_cache_get(whorl_cache *c, const whorl_cache_key *key, unsigned need, int need_extra,
                    whorl_cache_entry *entry) {
  if (entry) memset(entry, 0, sizeof *entry);
  if (!c || !key || !entry || c->disabled || !c->db) return 0;
  maybe_end_txn(c);
  if (c->disabled || !c->db) return 0;
  int brc = want_txn(c, TXN_READ);
  if (brc != 0) {
    if (is_broken_rc(brc)) broken(c);
    return 0;
  }
  c->ops++;

  sqlite3_stmt *st = c->get;
  sqlite3_bind_int64(st, 1, (sqlite3_int64)key->dev);
  sqlite3_bind_int64(st, 2, (sqlite3_int64)key->ino);
  int rc = sqlite3_step(st);
  int hit = 0;
  if (rc == SQLITE_ROW) {
    row r;
    r.dev = key->dev;
    r.ino = key->ino;
    r.size = (uint64_t)sqlite3_column_int64(st, 0);
    r.mtime_ns = sqlite3_column_int64(st, 1);
    r.ctime_ns = sqlite3_column_int64(st, 2);
    r.rules = (const char *)sqlite3_column_text(st, 3);
    r.rules_len = r.rules ? (size_t)sqlite3_column_bytes(st, 3) : 0;
    r.digests = (uint64_t)sqlite3_column_int64(st, 4);
    r.b3_len = (size_t)col_len(st, 5, &r.b3);
    r.sha_len = (size_t)col_len(st, 6, &r.sha);
    r.md5_len = (size_t)col_len(st, 7, &r.md5);
    r.extra_len = (size_t)col_len(st, 8, &r.extra);
    uint64_t sum = (uint64_t)sqlite3_column_int64(st, 9);
    unsigned d = (unsigned)r.digests;

    if (r.size == key->size && r.mtime_ns == key->mtime_ns && r.ctime_ns == key->ctime_ns &&
        r.rules && r.rules_len == c->rules_len && memcmp(r.rules, c->rules, r.rules_len) == 0 &&
        r.digests == (r.digests & WHORL_DIGEST_ALL) && (d & need) == need &&
        (!need_extra || r.extra_len > 0) &&
        r.b3_len == ((d & WHORL_DIGEST_BLAKE3) ? 32u : 0u) &&
        r.sha_len == ((d & WHORL_DIGEST_SHA256) ? 32u : 0u) &&
        r.md5_len == ((d & WHORL_DIGEST_MD5) ? 16u : 0u) && row_checksum(&r) == sum) {
      hit = 1;
      if (r.extra_len) {
        entry->extra = malloc(r.extra_len);
        if (entry->extra) {
          memcpy(entry->extra, r.extra, r.extra_len);
          entry->extra_len = r.extra_len;
        } else {
          hit = 0;
        }
      }
      if (hit) {
        entry->digests = d;
        if (r.b3_len) memcpy(entry->blake3, r.b3, 32);
        if (r.sha_len) memcpy(entry->sha256, r.sha, 32);
        if (r.md5_len) memcpy(entry->md5, r.md5, 16);
      }
    }
  }
  sqlite3_reset(st);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    if (sqlite3_get_autocommit(c->db)) c->txn = TXN_NONE; /* SQLite rolled it back */
    if (is_broken_rc(rc)) {
      broken(c); /* closing drops the open write batch, if any */
    } else if (is_busy_rc(rc)) {
      end_txn(c);
      close_db(c);
      c->disabled = 1; /* locked out for a whole busy timeout: stop asking */
    }
  }
  return hit;
}

static int racy(int64_t now, int64_t t) {
  if (t >= now) return 1;
  return (uint64_t)now - (uint64_t)t < (uint64_t)WHORL_CACHE_RACY_NS;
}

void whorl_cache_put(whorl_cache *c, const whorl_cache_key *key, const whorl_cache_entry *entry,
                     int64_t now_ns_realtime) {
  if (!c || !key || !entry || c->disabled || c->no_writes || !c->db) return;
  if (racy(now_ns_realtime, key->mtime_ns) || racy(now_ns_realtime, key->ctime_ns)) return;
  unsigned d = entry->digests & WHORL_DIGEST_ALL;
  size_t extra_len = entry->extra ? entry->extra_len : 0;
  if (d == 0 && extra_len == 0) return;
  if (extra_len > INT_MAX) return;

  maybe_end_txn(c);
  if (c->disabled || !c->db) return;
  int brc = want_txn(c, TXN_WRITE);
  if (brc != 0) {
    if (is_broken_rc(brc)) broken(c);
    else c->no_writes = 1; /* busy past the timeout, read-only, ...: stop writing */
    return;
  }

  row r;
  r.dev = key->dev;
  r.ino = key->ino;
  r.size = key->size;
  r.mtime_ns = key->mtime_ns;
  r.ctime_ns = key->ctime_ns;
  r.rules = c->rules;
  r.rules_len = c->rules_len;
  r.digests = d;
  r.b3 = entry->blake3;
  r.b3_len = (d & WHORL_DIGEST_BLAKE3) ? 32 : 0;
  r.sha = entry->sha256;
  r.sha_len = (d & WHORL_DIGEST_SHA256) ? 32 : 0;
  r.md5 = entry->md5;
  r.md5_len = (d & WHORL_DIGEST_MD5) ? 16 : 0;
  r.extra = entry->extra;
  r.extra_len = extra_len;

  sqlite3_stmt *st = c->put;
  sqlite3_bind_int64(st, 1, (sqlite3_int64)r.dev);
  sqlite3_bind_int64(st, 2, (sqlite3_int64)r.ino);
  sqlite3_bind_int64(st, 3, (sqlite3_int64)r.size);
  sqlite3_bind_int64(st, 4, r.mtime_ns);
  sqlite3_bind_int64(st, 5, r.ctime_ns);
  sqlite3_bind_text(st, 6, r.rules, (int)r.rules_len, SQLITE_STATIC);
  sqlite3_bind_int64(st, 7, (sqlite3_int64)d);
  if (r.b3_len) sqlite3_bind_blob(st, 8, r.b3, 32, SQLITE_STATIC);
  else sqlite3_bind_null(st, 8);
  if (r.sha_len) sqlite3_bind_blob(st, 9, r.sha, 32, SQLITE_STATIC);
  else sqlite3_bind_null(st, 9);
  if (r.md5_len) sqlite3_bind_blob(st, 10, r.md5, 16, SQLITE_STATIC);
  else sqlite3_bind_null(st, 10);
  if (extra_len) sqlite3_bind_blob(st, 11, r.extra, (int)extra_len, SQLITE_STATIC);
  else sqlite3_bind_null(st, 11);
  sqlite3_bind_int64(st, 12, (sqlite3_int64)row_checksum(&r));
  int rc = sqlite3_step(st);
  sqlite3_clear_bindings(st); /* drop the borrowed pointers */
  sqlite3_reset(st);

  if (rc == SQLITE_DONE) {
    c->ops++;
    return;
  }
  if (is_broken_rc(rc)) {
    broken(c); /* closing rolls the batch back */
    return;
  }
  /* Disk full, I/O error, ...: keep what the transaction holds, stop writing. */
  c->no_writes = 1;
  if (sqlite3_get_autocommit(c->db)) {
    c->txn = TXN_NONE;
    c->ops = 0;
  }
}

void whorl_cache_close(whorl_cache *c) {
  if (!c) return;
  if (c->db) end_txn(c);
  close_db(c);
  free(c->path);
  free(c->rules);
  free(c);
}
