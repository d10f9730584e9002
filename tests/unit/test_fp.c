/* Fingerprint documents through the public API: folder ids are stable under
 * creation order, mtime changes, copying elsewhere and thread count; change
 * when content, names, symlinks or empty folders change; .whorlignore,
 * special files and non-UTF-8 names follow the documented rules; diff
 * reports the right entries and byte ranges. */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "t.h"
#include "whorl/whorl.h"

static char root[600];

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...) {
  char cmd[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof cmd, fmt, ap);
  va_end(ap);
  if (system(cmd) != 0) {
    fprintf(stderr, "command failed: %s\n", cmd);
    exit(1);
  }
}

static whorl_json *fp(const char *rel, int threads, whorl_level level) {
  char p[1024];
  snprintf(p, sizeof p, "%s/%s", root, rel);
  whorl_fp_options o = WHORL_FP_OPTIONS_INIT;
  o.threads = threads;
  o.level = level;
  o.use_cache = 0;
  whorl_json *d = NULL;
  whorl_error err;
  int rc = whorl_fingerprint(p, &o, &d, &err);
  if (rc) fprintf(stderr, "fingerprint %s: %s\n", p, err.message);
  return d;
}

static char idbuf[8][65];
static int idn;
static const char *id_of(const char *rel, int threads) {
  whorl_json *d = fp(rel, threads, WHORL_LEVEL_CONTENT);
  char *s = idbuf[idn++ % 8];
  snprintf(s, 65, "%s", d ? whorl_json_object_get_string(d, "id") : "error");
  whorl_json_free(d);
  return s;
}

static whorl_json *diff(const char *a, const char *b, int *identical) {
  whorl_json *da = fp(a, 2, WHORL_LEVEL_CONTENT), *db = fp(b, 2, WHORL_LEVEL_CONTENT), *r = NULL;
  whorl_error err;
  CHECK(da && db);
  CHECK(whorl_diff(da, db, &r, identical, &err) == WHORL_OK);
  whorl_json_free(da);
  whorl_json_free(db);
  return r;
}

static size_t count(const whorl_json *r, const char *what) {
  return whorl_json_size(whorl_json_object_get(whorl_json_object_get(r, "entries"), what));
}

int main(void) {
  const char *tmp = getenv("WHORL_TMP");
  snprintf(root, sizeof root, "%s/fp.%d", tmp ? tmp : "/tmp", (int)getpid());
  sh("rm -rf '%s' && mkdir -p '%s'", root, root);

  /* Same content created in different orders, at different times. */
  sh("cd '%s' && mkdir -p a/x/y a/e && printf one > a/1.txt && printf two > a/x/2.txt && "
     "head -c 300000 /dev/zero | tr '\\0' 'q' > a/x/y/big && ln -s ../1.txt a/x/link && printf 'a-b' > a/a-b",
     root);
  sh("cd '%s' && mkdir -p b/e b/x/y && printf 'a-b' > b/a-b && ln -s ../1.txt b/x/link && "
     "head -c 300000 /dev/zero | tr '\\0' 'q' > b/x/y/big && printf two > b/x/2.txt && printf one > b/1.txt",
     root);
  char ia[65];
  snprintf(ia, sizeof ia, "%s", id_of("a", 1));
  CHECK(strlen(ia) == 64);
  CHECK_STR(id_of("b", 2), ia);
  CHECK_STR(id_of("a", 2), ia);
  sh("cd '%s' && touch -d '2001-02-03 04:05' a/1.txt a/x/2.txt && chmod 600 a/x/2.txt", root);
  CHECK_STR(id_of("a", 2), ia); /* times and permissions ignored */
  sh("cd '%s' && mkdir -p elsewhere/deeper && cp -a a elsewhere/deeper/copy", root);
  CHECK_STR(id_of("elsewhere/deeper/copy", 2), ia);

  /* Entry order: component by component ("a-b" after "a/..." would be
   * bytewise first; here 'a-b' vs 'e': fine) and sorted. */
  whorl_json *d = fp("a", 2, WHORL_LEVEL_CONTENT);
  whorl_json *en = whorl_json_object_get(d, "entries");
  CHECK(whorl_json_size(en) == 6);
  const char *want_order[] = {"1.txt", "a-b", "e", "x/2.txt", "x/link", "x/y/big"};
  for (size_t i = 0; i < 6 && i < whorl_json_size(en); i++)
    CHECK_STR(whorl_json_object_get_string(whorl_json_array_get(en, i), "path"), want_order[i]);
  CHECK_STR(whorl_json_object_get_string(whorl_json_array_get(en, 2), "type"), "dir");
  CHECK_STR(whorl_json_object_get_string(whorl_json_array_get(en, 4), "type"), "symlink");
  CHECK_STR(whorl_json_object_get_string(whorl_json_array_get(en, 4), "target"), "../1.txt");
  CHECK(whorl_json_object_get_int(d, "files", 0) == 4);
  CHECK(whorl_json_object_get_int(d, "size", 0) == 300009);
  whorl_json_free(d);

  /* Component-wise order: "x/y" sorts before "x-y". */
  sh("cd '%s' && mkdir -p o/x && printf 1 > o/x-y && printf 2 > o/x/y", root);
  d = fp("o", 1, WHORL_LEVEL_CONTENT);
  en = whorl_json_object_get(d, "entries");
  CHECK_STR(whorl_json_object_get_string(whorl_json_array_get(en, 0), "path"), "x/y");
  CHECK_STR(whorl_json_object_get_string(whorl_json_array_get(en, 1), "path"), "x-y");
  whorl_json_free(d);

  /* Every kind of change changes the id. */
  sh("cd '%s' && cp -a a c && printf ONE > c/1.txt", root);
  CHECK(strcmp(id_of("c", 2), ia) != 0);
  sh("cd '%s' && rm -rf c && cp -a a c && mv c/1.txt c/one.txt && ln -sf ../one.txt c/x/link", root);
  CHECK(strcmp(id_of("c", 2), ia) != 0);
  sh("cd '%s' && rm -rf c && cp -a a c && ln -sfn ../2.txt c/x/link", root);
  CHECK(strcmp(id_of("c", 2), ia) != 0);
  sh("cd '%s' && rm -rf c && cp -a a c && rmdir c/e", root);
  CHECK(strcmp(id_of("c", 2), ia) != 0);
  sh("cd '%s' && rm -rf c && cp -a a c && mkdir c/e/f", root); /* e no longer empty, e/f is */
  CHECK(strcmp(id_of("c", 2), ia) != 0);

  /* .whorl folders are never part of a fingerprint; .whorlignore rules. */
  sh("cd '%s' && rm -rf c && cp -a a c && mkdir -p c/.whorl && printf junk > c/.whorl/cache.sqlite", root);
  CHECK_STR(id_of("c", 2), ia);
  sh("cd '%s' && rm -rf c && cp -a a c && printf 'tmp/\\n*.log\\n!keep.log\\n' > c/.whorlignore && mkdir c/tmp && "
     "printf x > c/tmp/t && printf l > c/x/a.log && printf k > c/keep.log",
     root);
  d = fp("c", 2, WHORL_LEVEL_CONTENT);
  en = whorl_json_object_get(d, "entries");
  int has_keep = 0, has_tmp = 0, has_log = 0, has_ign = 0;
  for (size_t i = 0; i < whorl_json_size(en); i++) {
    const char *p = whorl_json_object_get_string(whorl_json_array_get(en, i), "path");
    has_keep |= !strcmp(p, "keep.log");
    has_tmp |= !strncmp(p, "tmp", 3);
    has_log |= !strcmp(p, "x/a.log");
    has_ign |= !strcmp(p, ".whorlignore");
  }
  CHECK(has_keep && !has_tmp && !has_log && has_ign);
  whorl_json_free(d);

  /* Special files are skipped and listed; they do not change the id. */
  sh("cd '%s' && rm -rf c && cp -a a c && mkfifo c/x/pipe", root);
  d = fp("c", 2, WHORL_LEVEL_CONTENT);
  CHECK(d != NULL);
  if (d) {
    CHECK_STR(whorl_json_object_get_string(d, "id"), ia);
    whorl_json *sk = whorl_json_object_get(d, "skipped");
    CHECK(whorl_json_size(sk) == 1);
    CHECK_STR(whorl_json_object_get_string(whorl_json_array_get(sk, 0), "type"), "fifo");
    CHECK_STR(whorl_json_object_get_string(whorl_json_array_get(sk, 0), "path"), "x/pipe");
  }
  whorl_json_free(d);

  /* Non-UTF-8 names: readable path with U+FFFD, exact bytes in path_hex,
   * and two names that differ only in the bad byte stay distinct. */
  sh("cd '%s' && mkdir -p u && printf 1 > \"u/$(printf 'caf\\351')\" && printf 2 > \"u/$(printf 'caf\\350')\"", root);
  d = fp("u", 2, WHORL_LEVEL_CONTENT);
  en = whorl_json_object_get(d, "entries");
  CHECK(whorl_json_size(en) == 2);
  CHECK_STR(whorl_json_object_get_string(whorl_json_array_get(en, 0), "path"), "caf\xef\xbf\xbd");
  CHECK_STR(whorl_json_object_get_string(whorl_json_array_get(en, 0), "path_hex"), "636166e8");
  CHECK_STR(whorl_json_object_get_string(whorl_json_array_get(en, 1), "path_hex"), "636166e9");
  char *canon = NULL;
  size_t clen = 0;
  CHECK(whorl_json_canonical(d, &canon, &clen) == WHORL_OK);
  whorl_json *back = NULL;
  whorl_error err;
  CHECK(whorl_json_parse(canon, clen, &back, &err) == WHORL_OK); /* valid UTF-8 JSON */
  free(canon);
  whorl_json_free(back);
  whorl_json_free(d);

  /* A name that is not UTF-8 never collides with a UTF-8 name spelled like
   * its hex: "ff" vs the single byte 0xff. */
  sh("cd '%s' && mkdir -p h1 h2 && printf 1 > h1/ff && printf 1 > \"h1/$(printf '\\377')\" && "
     "printf 1 > h2/ff && printf 2 > \"h2/$(printf '\\377')\"",
     root);
  {
    int same2 = -1;
    whorl_json *da = fp("h1", 1, WHORL_LEVEL_CONTENT), *db = fp("h2", 1, WHORL_LEVEL_CONTENT), *rr = NULL;
    CHECK(da && db && whorl_diff(da, db, &rr, &same2, &err) == WHORL_OK);
    CHECK(same2 == 0);
    CHECK(count(rr, "changed") == 1 && count(rr, "added") == 0 && count(rr, "removed") == 0);
    whorl_json *c0 = whorl_json_array_get(whorl_json_object_get(whorl_json_object_get(rr, "entries"), "changed"), 0);
    CHECK_STR(whorl_json_object_get_string(c0, "path_hex"), "ff");
    whorl_json_free(da);
    whorl_json_free(db);
    whorl_json_free(rr);
  }

  /* Quick level: same for copies, differs when a sampled byte changes (the
   * first byte is fixed so that writing X always changes it). */
  sh("cd '%s' && printf A > q1 && head -c 4999999 /dev/urandom >> q1 && cp q1 q2 && printf X | dd of=q2 bs=1 seek=0 conv=notrunc status=none",
     root);
  whorl_json *q1 = fp("q1", 1, WHORL_LEVEL_QUICK), *q2 = fp("q2", 1, WHORL_LEVEL_QUICK);
  CHECK(q1 && q2 && strcmp(whorl_json_object_get_string(q1, "id"), whorl_json_object_get_string(q2, "id")) != 0);
  CHECK_STR(whorl_json_object_get_string(q1, "level"), "quick");
  whorl_json_free(q1);
  whorl_json_free(q2);

  /* Folder diff: added, removed, changed, renamed. */
  sh("cd '%s' && rm -rf c && cp -a a c && printf ONE > c/1.txt && mv c/x/2.txt c/two.txt && rm c/a-b && printf n > c/new",
     root);
  int same = -1;
  whorl_json *r = diff("a", "c", &same);
  CHECK(same == 0);
  CHECK(count(r, "added") == 1 && count(r, "removed") == 1 && count(r, "changed") == 1 && count(r, "renamed") == 1);
  whorl_json *rn = whorl_json_array_get(whorl_json_object_get(whorl_json_object_get(r, "entries"), "renamed"), 0);
  CHECK_STR(whorl_json_object_get_string(whorl_json_object_get(rn, "from"), "path"), "x/2.txt");
  CHECK_STR(whorl_json_object_get_string(whorl_json_object_get(rn, "to"), "path"), "two.txt");
  whorl_json_free(r);
  r = diff("a", "b", &same);
  CHECK(same == 1);
  CHECK(whorl_json_get_bool(whorl_json_object_get(r, "identical")));
  whorl_json_free(r);

  /* File diff: one byte changed in the middle of 6 MB -> one small range. */
  /* Fixed pseudo-random bytes: chunk boundaries, hence these ranges, are
   * the same on every run. */
  sh("cd '%s' && python3 -c 'import random,sys; random.seed(20261127); sys.stdout.buffer.write(random.randbytes(6000000))' > f1 && "
     "cp f1 f2 && printf Z | dd of=f2 bs=1 seek=3000000 conv=notrunc status=none",
     root);
  r = diff("f1", "f2", &same);
  CHECK(same == 0);
  whorl_json *ranges = whorl_json_object_get(r, "ranges");
  CHECK(whorl_json_size(ranges) == 1);
  whorl_json *r0 = whorl_json_array_get(ranges, 0);
  CHECK_STR(whorl_json_object_get_string(r0, "op"), "changed");
  int64_t off = whorl_json_get_int(whorl_json_array_get(whorl_json_object_get(r0, "a"), 0));
  int64_t len = whorl_json_get_int(whorl_json_array_get(whorl_json_object_get(r0, "a"), 1));
  CHECK(off <= 3000000 && off + len > 3000000 && len <= 2 * 1048576);
  whorl_json_free(r);
  /* Insertion: reported as an insert (or a change of the chunk holding it),
   * and most bytes stay matched. */
  sh("cd '%s' && (head -c 2000000 f1; printf INSERTED; tail -c +2000001 f1) > f3", root);
  r = diff("f1", "f3", &same);
  CHECK(same == 0);
  CHECK(whorl_json_size(whorl_json_object_get(r, "ranges")) == 1);
  CHECK(whorl_json_object_get_int(r, "unchanged_bytes", 0) > 4000000);
  whorl_json_free(r);

  /* Errors. */
  whorl_fp_options o = WHORL_FP_OPTIONS_INIT;
  char p[1024];
  snprintf(p, sizeof p, "%s/missing", root);
  CHECK(whorl_fingerprint(p, &o, &d, &err) == WHORL_ENOENT);
  CHECK(strstr(err.path, "missing") != NULL);
  CHECK(d == NULL);
  /* a FIFO is read to its end (the writer in the background) and
   * fingerprinted as its bytes, named as given */
  sh("cd '%s' && mkfifo fifo && (printf abc > fifo &)", root);
  snprintf(p, sizeof p, "%s/fifo", root);
  CHECK(whorl_fingerprint(p, &o, &d, &err) == WHORL_OK);
  CHECK_STR(whorl_json_object_get_string(d, "id"), "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85");
  CHECK_STR(whorl_json_object_get_string(d, "name"), "fifo");
  whorl_json_free(d);
  d = NULL;
  o.version = 99;
  CHECK(whorl_fingerprint(root, &o, &d, &err) == WHORL_EINVAL);

  sh("rm -rf '%s'", root);
  T_DONE();
}
