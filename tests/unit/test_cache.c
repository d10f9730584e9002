/* test_cache.c - the stat cache (src/cache/cache.c). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "cache/cache.h"
#include "t.h"
#include "util/util.h"
#include "whorl/hash.h"

#define RULES "whorl-content-1"

static char g_root[PATH_MAX];
static int64_t g_now; /* CLOCK_REALTIME ns at start */

static int64_t realtime_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static double ms_since(uint64_t t0) { return (double)(whorl__now_ns() - t0) / 1e6; }

static char *path_in(const char *rel) {
  static char buf[8][PATH_MAX];
  static int k;
  char *p = buf[k++ & 7];
  if (snprintf(p, PATH_MAX, "%s/%s", g_root, rel) >= PATH_MAX) abort();
  return p;
}

static void mkdirs(const char *path) {
  char tmp[PATH_MAX];
  snprintf(tmp, sizeof tmp, "%s", path);
  for (char *p = tmp + 1; *p; p++)
    if (*p == '/') {
      *p = 0;
      mkdir(tmp, 0755);
      *p = '/';
    }
  mkdir(tmp, 0755);
}

static void write_file(const char *path, const void *data, size_t len) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return;
  if (whorl__write_all(fd, data, len) != 0) perror("write");
  close(fd);
}

static uint64_t mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ull;
  x ^= x >> 33;
  return x;
}

static void fill(uint8_t *p, size_t n, uint64_t seed) {
  for (size_t i = 0; i < n; i++) {
    if (i % 8 == 0) seed = mix(seed + i + 1);
    p[i] = (uint8_t)(seed >> (8 * (i % 8)));
  }
}

static whorl_cache_key key_for(uint64_t i) {
  whorl_cache_key k;
  k.dev = 2049;
  k.ino = 1000 + i;
  k.size = 4096 + i * 7;
  k.mtime_ns = g_now - 100000000000ll - (int64_t)i * 1000;
  k.ctime_ns = g_now - 50000000000ll - (int64_t)i * 1000;
  return k;
}

/* A deterministic entry for i; extra (if extra_len) is malloc'd. */
static whorl_cache_entry entry_for(uint64_t i, unsigned digests, size_t extra_len) {
  whorl_cache_entry e;
  memset(&e, 0, sizeof e);
  e.digests = digests;
  if (digests & WHORL_DIGEST_BLAKE3) fill(e.blake3, 32, i * 3 + 1);
  if (digests & WHORL_DIGEST_SHA256) fill(e.sha256, 32, i * 3 + 2);
  if (digests & WHORL_DIGEST_MD5) fill(e.md5, 16, i * 3 + 3);
  if (extra_len) {
    e.extra = malloc(extra_len);
    fill(e.extra, extra_len, i * 7 + 11);
    e.extra_len = extra_len;
  }
  return e;
}

/* 1 if got carries exactly what want does (for want's digests). */
static int same_entry(const whorl_cache_entry *got, const whorl_cache_entry *want) {
  if (got->digests != want->digests) return 0;
  if ((want->digests & WHORL_DIGEST_BLAKE3) && memcmp(got->blake3, want->blake3, 32)) return 0;
  if ((want->digests & WHORL_DIGEST_SHA256) && memcmp(got->sha256, want->sha256, 32)) return 0;
  if ((want->digests & WHORL_DIGEST_MD5) && memcmp(got->md5, want->md5, 16)) return 0;
  if (got->extra_len != want->extra_len) return 0;
  if (want->extra_len && (!got->extra || memcmp(got->extra, want->extra, want->extra_len))) return 0;
  return 1;
}

static whorl_cache *open_ok(const char *path, const char *rules) {
  whorl_cache *c = NULL;
  whorl_error err;
  whorl_error_clear(&err);
  int rc = whorl_cache_open(path, rules, &c, &err);
  CHECK_INT(rc, WHORL_OK);
  CHECK(c != NULL);
  if (rc != WHORL_OK) fprintf(stderr, "open %s: %s\n", path, err.message);
  return c;
}

#define ALLD (WHORL_DIGEST_BLAKE3 | WHORL_DIGEST_SHA256 | WHORL_DIGEST_MD5)

/* Stores n entries (extras of varying size for i % 3 == 0) and closes. */
static void populate(const char *db, int n) {
  whorl_cache *c = open_ok(db, RULES);
  if (!c) return;
  for (int i = 0; i < n; i++) {
    whorl_cache_key k = key_for((uint64_t)i);
    whorl_cache_entry e = entry_for((uint64_t)i, ALLD, i % 3 == 0 ? (size_t)(i % 500) + 1 : 0);
    whorl_cache_put(c, &k, &e, g_now);
    free(e.extra);
  }
  whorl_cache_close(c);
}

/* Looks every key up; a hit must carry the right data. Returns the number of
 * hits, counting wrong hits in *wrong. */
static int count_hits(whorl_cache *c, int n, int *wrong) {
  int hits = 0;
  *wrong = 0;
  for (int i = 0; i < n; i++) {
    whorl_cache_key k = key_for((uint64_t)i);
    whorl_cache_entry want = entry_for((uint64_t)i, ALLD, i % 3 == 0 ? (size_t)(i % 500) + 1 : 0);
    whorl_cache_entry got;
    if (whorl_cache_get(c, &k, WHORL_DIGEST_BLAKE3, 0, &got)) {
      hits++;
      if (!same_entry(&got, &want)) (*wrong)++;
    }
    free(got.extra);
    free(want.extra);
  }
  return hits;
}

static long file_size(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static int sql_exec(const char *db, const char *sql) {
  sqlite3 *h = NULL;
  int rc = sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE, NULL);
  if (rc == SQLITE_OK) rc = sqlite3_exec(h, sql, NULL, NULL, NULL);
  if (rc != SQLITE_OK) fprintf(stderr, "sql %s: %s\n", sql, h ? sqlite3_errmsg(h) : "?");
  sqlite3_close(h);
  return rc;
}

static long long sql_int(const char *db, const char *sql) {
  sqlite3 *h = NULL;
  sqlite3_stmt *st = NULL;
  long long v = -1;
  if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
      sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
    v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(h);
  return v;
}

/* ---- tests ----------------------------------------------------------------- */

static void test_basic(void) {
  const char *db = path_in("basic/sub/dir/cache.sqlite");
  whorl_cache *c = open_ok(db, RULES);
  if (!c) return;
  struct stat st;
  CHECK(stat(path_in("basic"), &st) == 0 && (st.st_mode & 0777) == 0700);
  CHECK(stat(path_in("basic/sub/dir"), &st) == 0 && (st.st_mode & 0777) == 0700);

  whorl_cache_key k = key_for(1);
  whorl_cache_entry e = entry_for(1, WHORL_DIGEST_BLAKE3, 0), got;
  memset(&got, 0x55, sizeof got);
  CHECK_INT(whorl_cache_get(c, &k, WHORL_DIGEST_BLAKE3, 0, &got), 0);
  CHECK(got.extra == NULL && got.extra_len == 0);
  whorl_cache_put(c, &k, &e, g_now);
  CHECK_INT(whorl_cache_get(c, &k, WHORL_DIGEST_BLAKE3, 0, &got), 1);
  CHECK(same_entry(&got, &e));
  CHECK(got.extra == NULL);
  /* need = 0 still needs a row */
  whorl_cache_key k2 = key_for(2);
  CHECK_INT(whorl_cache_get(c, &k2, 0, 0, &got), 0);

  /* replacing the row */
  whorl_cache_entry e2 = entry_for(99, WHORL_DIGEST_BLAKE3 | WHORL_DIGEST_MD5, 0);
  whorl_cache_put(c, &k, &e2, g_now);
  CHECK_INT(whorl_cache_get(c, &k, WHORL_DIGEST_MD5, 0, &got), 1);
  CHECK(same_entry(&got, &e2));

  /* NULLs are harmless */
  CHECK_INT(whorl_cache_get(NULL, &k, 0, 0, &got), 0);
  CHECK_INT(whorl_cache_get(c, NULL, 0, 0, &got), 0);
  whorl_cache_put(NULL, &k, &e, g_now);
  whorl_cache_put(c, &k, NULL, g_now);
  whorl_cache_close(NULL);
  /* an entry with nothing in it is not stored */
  whorl_cache_entry empty;
  memset(&empty, 0, sizeof empty);
  whorl_cache_key k3 = key_for(3);
  whorl_cache_put(c, &k3, &empty, g_now);
  CHECK_INT(whorl_cache_get(c, &k3, 0, 0, &got), 0);
  whorl_cache_close(c);
}

static void test_need(void) {
  whorl_cache *c = open_ok(path_in("need/cache.sqlite"), RULES);
  if (!c) return;
  whorl_cache_entry got;
  whorl_cache_key k = key_for(10);
  whorl_cache_entry e = entry_for(10, WHORL_DIGEST_BLAKE3, 0);
  whorl_cache_put(c, &k, &e, g_now);
  CHECK_INT(whorl_cache_get(c, &k, WHORL_DIGEST_BLAKE3 | WHORL_DIGEST_SHA256, 0, &got), 0);
  CHECK_INT(whorl_cache_get(c, &k, WHORL_DIGEST_MD5, 0, &got), 0);
  CHECK_INT(whorl_cache_get(c, &k, WHORL_DIGEST_BLAKE3, 1, &got), 0);
  CHECK_INT(whorl_cache_get(c, &k, WHORL_DIGEST_BLAKE3, 0, &got), 1);

  /* all digests + extra */
  whorl_cache_key k2 = key_for(11);
  whorl_cache_entry e2 = entry_for(11, ALLD, 300);
  whorl_cache_put(c, &k2, &e2, g_now);
  CHECK_INT(whorl_cache_get(c, &k2, ALLD, 1, &got), 1);
  CHECK(same_entry(&got, &e2));
  free(got.extra);
  CHECK_INT(whorl_cache_get(c, &k2, WHORL_DIGEST_SHA256, 0, &got), 1);
  CHECK(same_entry(&got, &e2)); /* the extra comes along even when not needed */
  free(got.extra);

  /* digests + extra, then without extra: the new row has none */
  whorl_cache_entry e3 = entry_for(11, ALLD, 0);
  whorl_cache_put(c, &k2, &e3, g_now);
  CHECK_INT(whorl_cache_get(c, &k2, ALLD, 1, &got), 0);
  CHECK_INT(whorl_cache_get(c, &k2, ALLD, 0, &got), 1);
  CHECK(got.extra == NULL);

  /* extra_len without a pointer counts as no extra; unknown digest bits dropped */
  whorl_cache_key k4 = key_for(12);
  whorl_cache_entry e4 = entry_for(12, WHORL_DIGEST_SHA256 | 0x80u, 0);
  e4.extra_len = 10;
  whorl_cache_put(c, &k4, &e4, g_now);
  CHECK_INT(whorl_cache_get(c, &k4, WHORL_DIGEST_SHA256, 1, &got), 0);
  CHECK_INT(whorl_cache_get(c, &k4, WHORL_DIGEST_SHA256, 0, &got), 1);
  CHECK_INT(got.digests, WHORL_DIGEST_SHA256);
  CHECK_INT(whorl_cache_get(c, &k4, 0x80u, 0, &got), 0);
  free(e2.extra);
  whorl_cache_close(c);
}

static void test_racy(void) {
  whorl_cache *c = open_ok(path_in("racy/cache.sqlite"), RULES);
  if (!c) return;
  whorl_cache_entry got, e = entry_for(20, WHORL_DIGEST_BLAKE3, 0);
  whorl_cache_key k;

  k = key_for(20);
  k.mtime_ns = g_now - 1000000000ll; /* 1 s before hashing */
  whorl_cache_put(c, &k, &e, g_now);
  CHECK_INT(whorl_cache_get(c, &k, WHORL_DIGEST_BLAKE3, 0, &got), 0);

  k = key_for(21);
  k.ctime_ns = g_now - 1999999999ll;
  whorl_cache_put(c, &k, &e, g_now);
  CHECK_INT(whorl_cache_get(c, &k, WHORL_DIGEST_BLAKE3, 0, &got), 0);

  k = key_for(22);
  k.mtime_ns = g_now + 5000000000ll; /* in the future */
  whorl_cache_put(c, &k, &e, g_now);
  CHECK_INT(whorl_cache_get(c, &k, WHORL_DIGEST_BLAKE3, 0, &got), 0);

  k = key_for(23);
  k.mtime_ns = INT64_MIN; /* absurd but not racy */
  k.ctime_ns = g_now - 2000000000ll; /* exactly 2 s: not racy */
  whorl_cache_put(c, &k, &e, g_now);
  CHECK_INT(whorl_cache_get(c, &k, WHORL_DIGEST_BLAKE3, 0, &got), 1);

  k = key_for(24);
  whorl_cache_put(c, &k, &e, INT64_MIN); /* nonsense clock: everything racy */
  CHECK_INT(whorl_cache_get(c, &k, WHORL_DIGEST_BLAKE3, 0, &got), 0);
  whorl_cache_close(c);
}

static void test_changed(void) {
  const char *db = path_in("changed/cache.sqlite");
  whorl_cache *c = open_ok(db, RULES);
  if (!c) return;
  whorl_cache_entry got, e = entry_for(30, WHORL_DIGEST_BLAKE3, 0);
  whorl_cache_key k = key_for(30), m;
  whorl_cache_put(c, &k, &e, g_now);
  CHECK_INT(whorl_cache_get(c, &k, WHORL_DIGEST_BLAKE3, 0, &got), 1);
  m = k, m.size++;
  CHECK_INT(whorl_cache_get(c, &m, WHORL_DIGEST_BLAKE3, 0, &got), 0);
  m = k, m.mtime_ns++;
  CHECK_INT(whorl_cache_get(c, &m, WHORL_DIGEST_BLAKE3, 0, &got), 0);
  m = k, m.ctime_ns--;
  CHECK_INT(whorl_cache_get(c, &m, WHORL_DIGEST_BLAKE3, 0, &got), 0);
  m = k, m.ino++;
  CHECK_INT(whorl_cache_get(c, &m, WHORL_DIGEST_BLAKE3, 0, &got), 0);
  m = k, m.dev++;
  CHECK_INT(whorl_cache_get(c, &m, WHORL_DIGEST_BLAKE3, 0, &got), 0);
  /* huge unsigned dev/ino survive the int64 round trip */
  whorl_cache_key big = k;
  big.dev = UINT64_MAX;
  big.ino = UINT64_MAX - 1;
  big.size = UINT64_MAX;
  whorl_cache_put(c, &big, &e, g_now);
  CHECK_INT(whorl_cache_get(c, &big, WHORL_DIGEST_BLAKE3, 0, &got), 1);
  whorl_cache_close(c);

  c = open_ok(db, "whorl-content-2");
  if (!c) return;
  CHECK_INT(whorl_cache_get(c, &k, WHORL_DIGEST_BLAKE3, 0, &got), 0);
  CHECK_INT(whorl_cache_get(c, &big, WHORL_DIGEST_BLAKE3, 0, &got), 0);
  whorl_cache_close(c);
  c = open_ok(db, RULES);
  if (!c) return;
  CHECK_INT(whorl_cache_get(c, &k, WHORL_DIGEST_BLAKE3, 0, &got), 1);
  /* a rules prefix is not the same rules */
  whorl_cache_close(c);
  c = open_ok(db, "whorl-content-");
  if (!c) return;
  CHECK_INT(whorl_cache_get(c, &k, WHORL_DIGEST_BLAKE3, 0, &got), 0);
  whorl_cache_close(c);
}

static void test_extra_and_persistence(void) {
  const char *db = path_in("persist/cache.sqlite");
  whorl_cache *c = open_ok(db, RULES);
  if (!c) return;
  whorl_cache_entry got;
  whorl_cache_key kb = key_for(40);
  whorl_cache_entry big = entry_for(40, WHORL_DIGEST_BLAKE3, 1u << 20);
  whorl_cache_put(c, &kb, &big, g_now);
  CHECK_INT(whorl_cache_get(c, &kb, WHORL_DIGEST_BLAKE3, 1, &got), 1);
  CHECK(same_entry(&got, &big));
  free(got.extra);
  for (int i = 0; i < 200; i++) {
    whorl_cache_key k = key_for(1000 + (uint64_t)i);
    whorl_cache_entry e = entry_for(1000 + (uint64_t)i, ALLD, (size_t)i);
    whorl_cache_put(c, &k, &e, g_now);
    free(e.extra);
  }
  whorl_cache_close(c);

  c = open_ok(db, RULES);
  if (!c) return;
  CHECK_INT(whorl_cache_get(c, &kb, WHORL_DIGEST_BLAKE3, 1, &got), 1);
  CHECK(same_entry(&got, &big));
  free(got.extra);
  int ok = 0;
  for (int i = 0; i < 200; i++) {
    whorl_cache_key k = key_for(1000 + (uint64_t)i);
    whorl_cache_entry e = entry_for(1000 + (uint64_t)i, ALLD, (size_t)i);
    if (whorl_cache_get(c, &k, ALLD, i > 0, &got) && same_entry(&got, &e)) ok++;
    free(got.extra);
    free(e.extra);
  }
  CHECK_INT(ok, 200);
  whorl_cache_close(c);
  free(big.extra);
  /* the WAL is folded back at close */
  CHECK(access(path_in("persist/cache.sqlite-wal"), F_OK) != 0);
}

static void corrupt_case(const char *name, int mode) {
  char rel[64];
  snprintf(rel, sizeof rel, "corrupt-%s/cache.sqlite", name);
  const char *db = path_in(rel);
  const int n = 2000;
  populate(db, n);
  long size = file_size(db);
  CHECK(size > 64 * 1024);
  if (mode == 0) { /* 8 KiB of garbage in the middle */
    int fd = open(db, O_WRONLY);
    uint8_t junk[8192];
    fill(junk, sizeof junk, 777);
    CHECK(pwrite(fd, junk, sizeof junk, size / 2) == (ssize_t)sizeof junk);
    close(fd);
  } else if (mode == 1) { /* garbage in place of the file */
    uint8_t junk[65536];
    fill(junk, sizeof junk, 778);
    write_file(db, junk, sizeof junk);
  } else if (mode == 2) { /* truncated */
    CHECK(truncate(db, size / 2) == 0);
  } else if (mode == 3) { /* header smashed */
    int fd = open(db, O_WRONLY);
    CHECK(pwrite(fd, "this is not sqlite", 18, 0) == 18);
    close(fd);
  }
  whorl_cache *c = NULL;
  whorl_error err;
  whorl_error_clear(&err);
  int rc = whorl_cache_open(db, RULES, &c, &err);
  CHECK(rc == WHORL_OK || (rc < 0 && c == NULL));
  if (rc != WHORL_OK) {
    printf("  corrupt-%s: open failed cleanly: %s\n", name, err.message);
    return;
  }
  int wrong = 0;
  int hits = count_hits(c, n, &wrong);
  CHECK_INT(wrong, 0);
  printf("  corrupt-%s: open ok, %d/%d hits survive, %d wrong\n", name, hits, n, wrong);
  if (mode == 1 || mode == 3) CHECK_INT(hits, 0);
  /* the (possibly rebuilt) cache works */
  whorl_cache_key k = key_for(5000);
  whorl_cache_entry e = entry_for(5000, WHORL_DIGEST_BLAKE3, 0), got;
  whorl_cache_put(c, &k, &e, g_now);
  CHECK_INT(whorl_cache_get(c, &k, WHORL_DIGEST_BLAKE3, 0, &got), 1);
  whorl_cache_close(c);
  c = open_ok(db, RULES);
  if (c) {
    CHECK_INT(whorl_cache_get(c, &k, WHORL_DIGEST_BLAKE3, 0, &got), 1);
    hits = count_hits(c, n, &wrong);
    CHECK_INT(wrong, 0);
    whorl_cache_close(c);
  }
}

/* One byte of a stored digest flipped in the file: SQLite cannot tell, the
 * row checksum must. */
static void test_bitflip(void) {
  const char *db = path_in("bitflip/cache.sqlite");
  const int n = 300;
  populate(db, n);
  char *data = NULL;
  size_t len = 0;
  CHECK_INT(whorl__read_file(db, 1u << 30, &data, &len, NULL), WHORL_OK);
  if (!data) return;
  whorl_cache_entry victim = entry_for(123, ALLD, 0);
  uint8_t *hit = memmem(data, len, victim.sha256, 32);
  CHECK(hit != NULL);
  if (hit) {
    int fd = open(db, O_WRONLY);
    uint8_t b = hit[5] ^ 0x10;
    CHECK(pwrite(fd, &b, 1, (off_t)(hit - (uint8_t *)data) + 5) == 1);
    close(fd);
  }
  free(data);
  whorl_cache *c = open_ok(db, RULES);
  if (!c) return;
  whorl_cache_entry got;
  whorl_cache_key k = key_for(123);
  CHECK_INT(whorl_cache_get(c, &k, WHORL_DIGEST_BLAKE3, 0, &got), 0);
  int wrong = 0;
  CHECK_INT(count_hits(c, n, &wrong), n - 1);
  CHECK_INT(wrong, 0);
  whorl_cache_close(c);
}

static void test_schema_version(void) {
  const char *db = path_in("schema/cache.sqlite");
  populate(db, 50);
  CHECK_INT(sql_int(db, "SELECT count(*) FROM files"), 50);
  CHECK_INT(sql_int(db, "SELECT value FROM meta WHERE key='schema'"), WHORL_CACHE_SCHEMA);
  CHECK_INT(sql_int(db, "PRAGMA application_id"), 0x77686f72);
  CHECK_INT(sql_exec(db, "UPDATE meta SET value='999' WHERE key='schema'"), SQLITE_OK);
  whorl_cache *c = open_ok(db, RULES);
  if (!c) return;
  int wrong;
  CHECK_INT(count_hits(c, 50, &wrong), 0);
  whorl_cache_close(c);
  CHECK_INT(sql_int(db, "SELECT count(*) FROM files"), 0);
  CHECK_INT(sql_int(db, "SELECT value FROM meta WHERE key='schema'"), WHORL_CACHE_SCHEMA);

  /* meta row missing, meta table missing, files table of another shape */
  static const char *const breakers[] = {
      "DELETE FROM meta", "DROP TABLE meta", "DROP TABLE files; CREATE TABLE files(x)",
      "PRAGMA application_id=12345"};
  for (size_t i = 0; i < sizeof breakers / sizeof breakers[0]; i++) {
    populate(db, 20);
    CHECK_INT(sql_int(db, "SELECT count(*) FROM files"), 20);
    CHECK_INT(sql_exec(db, breakers[i]), SQLITE_OK);
    c = open_ok(db, RULES);
    if (!c) continue;
    CHECK_INT(count_hits(c, 20, &wrong), 0);
    whorl_cache_key k = key_for(1);
    whorl_cache_entry e = entry_for(1, ALLD, 0), got;
    whorl_cache_put(c, &k, &e, g_now);
    CHECK_INT(whorl_cache_get(c, &k, ALLD, 0, &got), 1);
    whorl_cache_close(c);
    CHECK_INT(sql_int(db, "SELECT count(*) FROM files"), 1);
    unlink(db);
  }

  /* someone else's SQLite database at our path */
  const char *other = path_in("schema/other.sqlite");
  CHECK(access(other, F_OK) != 0);
  sqlite3 *h = NULL;
  sqlite3_open(other, &h);
  sqlite3_exec(h, "CREATE TABLE notes(a, b); INSERT INTO notes VALUES(1, 2)", NULL, NULL, NULL);
  sqlite3_close(h);
  c = open_ok(other, RULES);
  whorl_cache_close(c);
  CHECK_INT(sql_int(other, "SELECT count(*) FROM sqlite_master WHERE name='notes'"), 0);
}

static void test_tamper(void) {
  const char *db = path_in("tamper/cache.sqlite");
  populate(db, 30);
  /* ino = 1000 + i */
  CHECK_INT(sql_exec(db, "UPDATE files SET blake3=zeroblob(32) WHERE ino=1005"), SQLITE_OK);
  CHECK_INT(sql_exec(db, "UPDATE files SET digests=1 WHERE ino=1006"), SQLITE_OK);
  CHECK_INT(sql_exec(db, "UPDATE files SET size=size+1 WHERE ino=1007"), SQLITE_OK);
  CHECK_INT(sql_exec(db, "UPDATE files SET extra=x'00' WHERE ino=1009"), SQLITE_OK);
  CHECK_INT(sql_exec(db, "UPDATE files SET md5=zeroblob(15) WHERE ino=1010"), SQLITE_OK);
  CHECK_INT(sql_exec(db, "UPDATE files SET rules='x' WHERE ino=1011"), SQLITE_OK);
  CHECK_INT(sql_exec(db, "UPDATE files SET checksum=checksum+1 WHERE ino=1012"), SQLITE_OK);
  CHECK_INT(sql_exec(db, "UPDATE files SET blake3=NULL WHERE ino=1013"), SQLITE_OK);
  CHECK_INT(sql_exec(db, "UPDATE files SET sha256='text' WHERE ino=1014"), SQLITE_OK);
  whorl_cache *c = open_ok(db, RULES);
  if (!c) return;
  whorl_cache_entry got;
  static const int bad[] = {5, 6, 7, 9, 10, 11, 12, 13, 14};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    whorl_cache_key k = key_for((uint64_t)bad[i]);
    if (bad[i] == 7) k.size++; /* the row now claims this size */
    CHECK_INT(whorl_cache_get(c, &k, 0, 0, &got), 0);
  }
  int wrong = 0;
  CHECK_INT(count_hits(c, 30, &wrong), 30 - 9);
  CHECK_INT(wrong, 0);
  whorl_cache_close(c);
}

static void test_locate(void) {
  char *saved_home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
  char *saved_xdg = getenv("XDG_CACHE_HOME") ? strdup(getenv("XDG_CACHE_HOME")) : NULL;
  char want[PATH_MAX * 2], real[PATH_MAX];

  mkdirs(path_in("proj/.whorl"));
  mkdirs(path_in("proj/a/b"));
  write_file(path_in("proj/a/b/file.txt"), "x", 1);
  mkdirs(path_in("proj/a/.whorl-not"));
  write_file(path_in("proj/a/.whorl"), "not a folder", 12); /* a file named .whorl */
  if (!realpath(path_in("proj"), real)) snprintf(real, sizeof real, "%s", path_in("proj"));
  snprintf(want, sizeof want, "%s/.whorl/cache.sqlite", real);

  char *p = whorl_cache_locate(path_in("proj/a/b/file.txt"));
  CHECK_STR(p, want);
  free(p);
  p = whorl_cache_locate(path_in("proj/a/b"));
  CHECK_STR(p, want);
  free(p);
  p = whorl_cache_locate(path_in("proj/a/b/"));
  CHECK_STR(p, want);
  free(p);
  p = whorl_cache_locate(path_in("proj"));
  CHECK_STR(p, want);
  free(p);
  p = whorl_cache_locate(path_in("proj/a/b/missing/deeper"));
  CHECK_STR(p, want);
  free(p);
  /* a .whorl folder nearer the target wins */
  mkdirs(path_in("proj/a/b/.whorl"));
  char want2[PATH_MAX * 2];
  snprintf(want2, sizeof want2, "%s/a/b/.whorl/cache.sqlite", real);
  p = whorl_cache_locate(path_in("proj/a/b/file.txt"));
  CHECK_STR(p, want2);
  free(p);
  rmdir(path_in("proj/a/b/.whorl"));
  /* relative targets, existing or not */
  char cwd[PATH_MAX];
  CHECK(getcwd(cwd, sizeof cwd) != NULL);
  if (chdir(path_in("proj/a")) == 0) {
    p = whorl_cache_locate("b/file.txt");
    CHECK_STR(p, want);
    free(p);
    p = whorl_cache_locate("no-such-file");
    CHECK_STR(p, want);
    free(p);
    p = whorl_cache_locate(".");
    CHECK_STR(p, want);
    free(p);
    CHECK(chdir(cwd) == 0);
  }

  /* fallbacks: a target with no .whorl above it */
  const char *lone = "/";
  if (access("/.whorl", F_OK) == 0) printf("  (skipping fallback checks: /.whorl exists)\n");
  else {
    setenv("XDG_CACHE_HOME", "/x/y", 1);
    setenv("HOME", "/home/someone", 1);
    p = whorl_cache_locate(lone);
    CHECK_STR(p, "/x/y/whorl/cache.sqlite");
    free(p);
    p = whorl_cache_locate("/nonexistent-whorl-test/sub/file");
    CHECK_STR(p, "/x/y/whorl/cache.sqlite");
    free(p);
    setenv("XDG_CACHE_HOME", "relative/dir", 1); /* ignored, per XDG */
    p = whorl_cache_locate(lone);
    CHECK_STR(p, "/home/someone/.cache/whorl/cache.sqlite");
    free(p);
    setenv("XDG_CACHE_HOME", "", 1);
    p = whorl_cache_locate(lone);
    CHECK_STR(p, "/home/someone/.cache/whorl/cache.sqlite");
    free(p);
    unsetenv("XDG_CACHE_HOME");
    p = whorl_cache_locate(lone);
    CHECK_STR(p, "/home/someone/.cache/whorl/cache.sqlite");
    free(p);
    unsetenv("HOME");
    p = whorl_cache_locate(lone);
    CHECK(p == NULL);
    free(p);
    /* a project still wins without HOME */
    p = whorl_cache_locate(path_in("proj/a"));
    CHECK_STR(p, want);
    free(p);
  }
  if (saved_home) setenv("HOME", saved_home, 1);
  else unsetenv("HOME");
  if (saved_xdg) setenv("XDG_CACHE_HOME", saved_xdg, 1);
  else unsetenv("XDG_CACHE_HOME");
  free(saved_home);
  free(saved_xdg);

  /* locate does not create anything */
  CHECK(access(want, F_OK) != 0);
}

static void test_unwritable(void) {
  whorl_cache *c = (whorl_cache *)1;
  whorl_error err;
  whorl_error_clear(&err);
  int rc = whorl_cache_open("/dev/null/x/cache.sqlite", RULES, &c, &err);
  CHECK(rc < 0);
  CHECK(c == NULL);
  CHECK(err.message[0] != 0);
  printf("  unwritable: %s\n", err.message);

  c = (whorl_cache *)1;
  rc = whorl_cache_open("/dev/null/cache.sqlite", RULES, &c, &err);
  CHECK(rc < 0);
  CHECK(c == NULL);

  /* the path is a folder */
  mkdirs(path_in("isdir/cache.sqlite"));
  c = (whorl_cache *)1;
  rc = whorl_cache_open(path_in("isdir/cache.sqlite"), RULES, &c, &err);
  CHECK(rc < 0);
  CHECK(c == NULL);
  CHECK(access(path_in("isdir/cache.sqlite"), F_OK) == 0); /* not deleted */

  c = (whorl_cache *)1;
  CHECK(whorl_cache_open(NULL, RULES, &c, &err) == WHORL_EINVAL && c == NULL);
  c = (whorl_cache *)1;
  CHECK(whorl_cache_open(path_in("x.sqlite"), NULL, &c, &err) == WHORL_EINVAL && c == NULL);
}

/* A write batch spans 4096 puts: a second handle sees the committed part. */
static void test_batches_and_busy(void) {
  const char *db = path_in("busy/cache.sqlite");
  whorl_cache *a = open_ok(db, RULES);
  if (!a) return;
  for (int i = 0; i < 5000; i++) {
    whorl_cache_key k = key_for((uint64_t)i);
    whorl_cache_entry e = entry_for((uint64_t)i, WHORL_DIGEST_BLAKE3, 0);
    whorl_cache_put(a, &k, &e, g_now);
  }
  whorl_cache *b = open_ok(db, RULES);
  if (!b) {
    whorl_cache_close(a);
    return;
  }
  whorl_cache_entry got;
  whorl_cache_key k0 = key_for(0), k4999 = key_for(4999), kb = key_for(9999);
  CHECK_INT(whorl_cache_get(b, &k0, WHORL_DIGEST_BLAKE3, 0, &got), 1);
  CHECK_INT(whorl_cache_get(a, &k4999, WHORL_DIGEST_BLAKE3, 0, &got), 1);
  /* a holds the write lock (its open batch); b's write gives up after the busy
   * timeout and b stops writing, but b still reads. */
  whorl_cache_entry e = entry_for(9999, WHORL_DIGEST_BLAKE3, 0);
  uint64_t t0 = whorl__now_ns();
  whorl_cache_put(b, &kb, &e, g_now);
  double first = ms_since(t0);
  t0 = whorl__now_ns();
  for (int i = 0; i < 100; i++) whorl_cache_put(b, &kb, &e, g_now);
  double rest = ms_since(t0);
  printf("  busy: blocked put gave up after %.0f ms; 100 more puts took %.2f ms\n", first, rest);
  CHECK(first < 10000);
  CHECK(rest < 1000);
  CHECK_INT(whorl_cache_get(b, &k0, WHORL_DIGEST_BLAKE3, 0, &got), 1);
  whorl_cache_close(a);
  whorl_cache_close(b);
  /* (a handle reads from a snapshot up to 1 s old, so b is reopened) */
  b = open_ok(db, RULES);
  if (!b) return;
  CHECK_INT(whorl_cache_get(b, &k4999, WHORL_DIGEST_BLAKE3, 0, &got), 1);
  CHECK_INT(whorl_cache_get(b, &kb, WHORL_DIGEST_BLAKE3, 0, &got), 0);
  whorl_cache_close(b);
}

/* The file is smashed while a handle has it open: no wrong hits, no crash. */
static void test_corrupt_while_open(void) {
  const char *db = path_in("live/cache.sqlite");
  const int n = 1500;
  populate(db, n);
  whorl_cache *c = open_ok(db, RULES);
  if (!c) return;
  long size = file_size(db);
  uint8_t *junk = malloc((size_t)size);
  fill(junk, (size_t)size, 4242);
  int fd = open(db, O_WRONLY);
  CHECK(pwrite(fd, junk + 100, (size_t)size - 100, 100) == (ssize_t)size - 100);
  close(fd);
  free(junk);
  int wrong = 0;
  int hits = count_hits(c, n, &wrong);
  CHECK_INT(wrong, 0);
  printf("  corrupt-while-open: %d/%d hits, %d wrong\n", hits, n, wrong);
  whorl_cache_key k = key_for(7777);
  whorl_cache_entry e = entry_for(7777, WHORL_DIGEST_BLAKE3, 0), got;
  whorl_cache_put(c, &k, &e, g_now);
  int h = whorl_cache_get(c, &k, WHORL_DIGEST_BLAKE3, 0, &got);
  CHECK(!h || same_entry(&got, &e));
  whorl_cache_close(c);
  c = open_ok(db, RULES);
  if (c) {
    count_hits(c, n, &wrong);
    CHECK_INT(wrong, 0);
    whorl_cache_close(c);
  }
}

static void test_speed(void) {
  const char *db = path_in("speed/cache.sqlite");
  const int n = 10000;
  whorl_cache_entry *es = calloc((size_t)n, sizeof *es);
  for (int i = 0; i < n; i++) es[i] = entry_for((uint64_t)i, WHORL_DIGEST_BLAKE3, 0);

  whorl_cache *c = open_ok(db, RULES);
  if (!c) return;
  uint64_t t0 = whorl__now_ns();
  for (int i = 0; i < n; i++) {
    whorl_cache_key k = key_for((uint64_t)i);
    whorl_cache_put(c, &k, &es[i], g_now);
  }
  double put_ms = ms_since(t0);
  t0 = whorl__now_ns();
  whorl_cache_close(c);
  double close_ms = ms_since(t0);

  t0 = whorl__now_ns();
  c = open_ok(db, RULES);
  double open_ms = ms_since(t0);
  if (!c) return;
  whorl_cache_entry got;
  int hits = 0, ok = 0;
  t0 = whorl__now_ns();
  for (int i = 0; i < n; i++) {
    whorl_cache_key k = key_for((uint64_t)i);
    if (whorl_cache_get(c, &k, WHORL_DIGEST_BLAKE3, 0, &got)) {
      hits++;
      ok += memcmp(got.blake3, es[i].blake3, 32) == 0;
    }
  }
  double get_ms = ms_since(t0);
  /* second pass: page cache warm */
  t0 = whorl__now_ns();
  for (int i = 0; i < n; i++) {
    whorl_cache_key k = key_for((uint64_t)i);
    whorl_cache_get(c, &k, WHORL_DIGEST_BLAKE3, 0, &got);
  }
  double get2_ms = ms_since(t0);
  t0 = whorl__now_ns();
  for (int i = 0; i < n; i++) {
    whorl_cache_key k = key_for((uint64_t)(n + i));
    whorl_cache_get(c, &k, WHORL_DIGEST_BLAKE3, 0, &got);
  }
  double miss_ms = ms_since(t0);
  whorl_cache_close(c);
  CHECK_INT(hits, n);
  CHECK_INT(ok, n);
  printf("  speed: %d puts %.1f ms (+ close/commit %.1f ms); open %.2f ms; %d gets %.1f ms "
         "(second pass %.1f ms, %.2f us/get); %d misses %.1f ms\n",
         n, put_ms, close_ms, open_ms, n, get_ms, get2_ms, get2_ms * 1000 / n, n, miss_ms);
  free(es);
}

int main(void) {
  const char *base = getenv("WHORL_TMP");
  if (!base || !*base) base = "/tmp";
  snprintf(g_root, sizeof g_root, "%s/test_cache-XXXXXX", base);
  if (!mkdtemp(g_root)) {
    perror("mkdtemp");
    return 1;
  }
  g_now = realtime_ns();
  printf("scratch: %s\n", g_root);

  test_basic();
  test_need();
  test_racy();
  test_changed();
  test_extra_and_persistence();
  corrupt_case("middle", 0);
  corrupt_case("garbage", 1);
  corrupt_case("truncated", 2);
  corrupt_case("header", 3);
  test_bitflip();
  test_schema_version();
  test_tamper();
  test_locate();
  test_unwritable();
  test_batches_and_busy();
  test_corrupt_while_open();
  test_speed();
  T_DONE();
}
