/* check.c - whorl.lock and the CI gate (whorl/check.h, docs/check.md). */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "canon/canon.h"
#include "compare/compare_int.h"
#include "util/util.h"
#include "whorl/check.h"
#include "whorl/diff.h"
#include "whorl/fingerprint.h"

static const char *str(const whorl_json *o, const char *k) {
  const char *s = whorl_json_object_get_string(o, k);
  return s ? s : "";
}

/* The folder of the lock file ("." for a bare name). */
static void lock_dir(const char *lock, char *out, size_t cap) {
  const char *s = strrchr(lock, '/');
  if (!s) snprintf(out, cap, ".");
  else if (s == lock) snprintf(out, cap, "/");
  else snprintf(out, cap, "%.*s", (int)(s - lock), lock);
}

/* The lock's own files (the lock itself, the policy files beside it) as
 * paths inside the artifact folder, when they lie inside it: left out of
 * its fingerprint, or writing the lock would change what it locked. And a
 * folder's own .git (a repository's history, or a worktree's pointer to
 * it): committing the lock changes it, and no clone has the same one. */
typedef struct ownfiles {
  char buf[6][PATH_MAX];
  const char *ptr[6];
  size_t n;
} ownfiles;

static void own_files(const char *lock_path, const char *artifact, ownfiles *of) {
  of->n = 0;
  char ra[PATH_MAX], rl[PATH_MAX], dir[PATH_MAX];
  struct stat st;
  if (stat(artifact, &st) || !S_ISDIR(st.st_mode) || !realpath(artifact, ra)) return;
  snprintf(of->buf[0], PATH_MAX, ".git");
  of->ptr[0] = of->buf[0];
  of->n = 1;
  lock_dir(lock_path, dir, sizeof dir);
  if (!realpath(dir, rl)) return;
  size_t la = strlen(ra);
  const char *rel;
  if (!strcmp(rl, ra)) rel = "";
  else if (la == 1 && rl[0] == '/') rel = rl + 1;
  else if (!strncmp(rl, ra, la) && rl[la] == '/') rel = rl + la + 1;
  else return;
  const char *base = strrchr(lock_path, '/');
  base = base ? base + 1 : lock_path;
  const char *const names[] = {base, "whorl.policy", "whorl.policy.yaml", "whorl.policy.yml", "whorl.policy.json"};
  for (size_t i = 0; i < 5; i++) {
    if (i && !strcmp(names[i], base)) continue;
    if ((size_t)snprintf(of->buf[of->n], PATH_MAX, "%s%s%s", rel, *rel ? "/" : "", names[i]) >= PATH_MAX) continue;
    of->ptr[of->n] = of->buf[of->n];
    of->n++;
  }
}

/* The artifact's path on disk from its name in the lock. */
static void resolve(const char *dir, const char *name, char *out, size_t cap) {
  if (name[0] == '/' || !strcmp(dir, ".")) snprintf(out, cap, "%s", name);
  else snprintf(out, cap, "%s/%s", dir, name);
}

/* A path's name in the lock: relative to the lock's folder when inside it
 * ("." for that folder itself). */
/* The absolute path of path with its folders resolved but not its last
 * name: a symlink (data/latest.csv -> v3.csv) is locked under its own
 * name, so check follows it wherever it points then. */
static int abs_path(const char *path, char *out, size_t cap) {
  const char *slash = strrchr(path, '/');
  const char *base = slash ? slash + 1 : path;
  struct stat st;
  if (!*base || !strcmp(base, ".") || !strcmp(base, "..") || lstat(path, &st) || !S_ISLNK(st.st_mode))
    return realpath(path, out) ? 0 : -1;
  char parent[PATH_MAX], rd[PATH_MAX];
  if (!slash) snprintf(parent, sizeof parent, ".");
  else if (slash == path) snprintf(parent, sizeof parent, "/");
  else snprintf(parent, sizeof parent, "%.*s", (int)(slash - path), path);
  if (!realpath(parent, rd) || stat(path, &st)) return -1; /* a dangling link: the error of its target */
  if ((size_t)snprintf(out, cap, "%s%s%s", rd, strcmp(rd, "/") ? "/" : "", base) >= cap) {
    errno = ENAMETOOLONG;
    return -1;
  }
  return 0;
}

static int lock_name(const char *dir, const char *path, char *out, size_t cap, whorl_error *err) {
  char rd[PATH_MAX], rp[PATH_MAX];
  if (abs_path(path, rp, sizeof rp)) return whorl__error_errno(err, errno, path, NULL);
  if (!realpath(dir, rd)) return whorl__error_errno(err, errno, dir, NULL);
  size_t n = strlen(rd);
  if (!strcmp(rd, "/")) n = 0;
  if (!strcmp(rp, rd)) snprintf(out, cap, "."); /* whorl lock . : the lock's own folder, wherever it is cloned */
  else if (!strncmp(rp, rd, n) && rp[n] == '/') snprintf(out, cap, "%s", rp + n + 1);
  else snprintf(out, cap, "%s", rp);
  return WHORL_OK;
}

static int in_list(const char *s, const char *const *l);

static int is_str(const whorl_json *v) { return whorl_json_typeof(v) == WHORL_JSON_STRING; }

static int str_list(const whorl_json *v) {
  if (whorl_json_typeof(v) != WHORL_JSON_ARRAY) return 0;
  for (size_t i = 0; i < whorl_json_size(v); i++)
    if (!is_str(whorl_json_array_get(v, i))) return 0;
  return 1;
}

/* The first option of an entry whose value has the wrong shape (the
 * option's name), or NULL: a hand-edited "header": "yes" or "level":
 * "profil" must not be read as another option silently. */
static const char *bad_option(const whorl_json *o) {
  static const char *const FEAT[] = {"pipeline", "code", "input", NULL};
  for (size_t k = 0; k < whorl_json_size(o); k++) {
    const char *key = whorl_json_object_key(o, k, NULL);
    const whorl_json *v = whorl_json_object_value(o, k);
    int ok;
    whorl_level lv;
    if (!strcmp(key, "header") || !strcmp(key, "strict") || !strcmp(key, "model")) ok = whorl_json_typeof(v) == WHORL_JSON_BOOL;
    else if (!strcmp(key, "delimiter")) ok = is_str(v) && strlen(whorl_json_get_string(v, NULL)) == 1;
    else if (!strcmp(key, "level")) ok = is_str(v) && !whorl_level_parse(whorl_json_get_string(v, NULL), &lv);
    else if (!strcmp(key, "params") || !strcmp(key, "training_files")) ok = str_list(v);
    else if (!strcmp(key, "features")) {
      ok = whorl_json_typeof(v) == WHORL_JSON_OBJECT && is_str(whorl_json_object_get(v, "pipeline"));
      for (size_t i = 0; ok && i < whorl_json_size(v); i++) {
        const char *fk = whorl_json_object_key(v, i, NULL);
        const whorl_json *fv = whorl_json_object_value(v, i);
        ok = in_list(fk, FEAT) && (!strcmp(fk, "code") ? str_list(fv) : is_str(fv));
      }
    } else ok = is_str(v); /* as, key_file, config */
    if (!ok) return key;
  }
  return NULL;
}

static int read_lock(const char *lock, whorl_json **out, whorl_error *err) {
  *out = NULL;
  struct stat st;
  if (stat(lock, &st) != 0) {
    if (errno == ENOENT) {
      *out = whorl_json_object();
      whorl_json_object_set(*out, "whorl_lock", whorl_json_int(WHORL_LOCK_VERSION));
      whorl_json_object_set(*out, "artifacts", whorl_json_object());
      return WHORL_OK;
    }
    return whorl__error_errno(err, errno, lock, NULL);
  }
  whorl_json *j = NULL;
  int rc = whorl_json_parse_file(lock, 1u << 30, &j, err);
  if (rc) return rc;
  const whorl_json *v = whorl_json_object_get(j, "whorl_lock");
  if (!v || !whorl_json_is_int(v) || whorl_json_typeof(whorl_json_object_get(j, "artifacts")) != WHORL_JSON_OBJECT) {
    whorl_json_free(j);
    return whorl__error(err, WHORL_EFORMAT, lock, -1, "not a whorl lock file (no \"whorl_lock\" version and \"artifacts\")");
  }
  if (whorl_json_get_int(v) > WHORL_LOCK_VERSION) {
    long long ver = (long long)whorl_json_get_int(v);
    whorl_json_free(j);
    return whorl__error(err, WHORL_EUNSUPPORTED, lock, -1, "lock file version %lld is newer than this whorl reads (%d)", ver,
                        WHORL_LOCK_VERSION);
  }
  /* only the two members at the top (a misspelled "artifact" beside them
   * would hold entries nobody checks) */
  for (size_t k = 0; k < whorl_json_size(j); k++) {
    const char *key = whorl_json_object_key(j, k, NULL);
    if (strcmp(key, "whorl_lock") && strcmp(key, "artifacts")) {
      char msg[WHORL_ERROR_MSG_MAX];
      snprintf(msg, sizeof msg, "unknown member \"%.200s\" (a lock file holds \"whorl_lock\" and \"artifacts\" only: docs/check.md)", key);
      whorl_json_free(j);
      return whorl__error(err, WHORL_EFORMAT, lock, -1, "%s", msg);
    }
  }
  /* every entry well formed, every option known: a hand-edited typo must
   * not silently change how an artifact is read */
  static const char *const ENTRY[] = {"fingerprint", "options", "quick", NULL};
  static const char *const OPTS[] = {"as", "delimiter", "header", "strict", "key_file", "model", "config", "params", "training_files",
                                     "features", "level", NULL};
  const whorl_json *arts = whorl_json_object_get(j, "artifacts");
  for (size_t i = 0; i < whorl_json_size(arts); i++) {
    const char *name = whorl_json_object_key(arts, i, NULL);
    const whorl_json *e = whorl_json_object_value(arts, i), *o = whorl_json_object_get(e, "options");
    const char *bad = NULL;
    if (whorl_json_typeof(whorl_json_object_get(e, "fingerprint")) != WHORL_JSON_OBJECT) bad = "fingerprint";
    else if (o && whorl_json_typeof(o) != WHORL_JSON_OBJECT) bad = "options";
    for (size_t k = 0; !bad && k < whorl_json_size(o); k++)
      if (!in_list(whorl_json_object_key(o, k, NULL), OPTS)) bad = whorl_json_object_key(o, k, NULL);
    if (!bad) bad = bad_option(o);
    for (size_t k = 0; !bad && k < whorl_json_size(e); k++)
      if (!in_list(whorl_json_object_key(e, k, NULL), ENTRY)) bad = whorl_json_object_key(e, k, NULL);
    const whorl_json *qv = whorl_json_object_get(e, "quick");
    if (!bad && qv && (whorl_json_typeof(qv) != WHORL_JSON_STRING || strlen(whorl_json_get_string(qv, NULL)) != 64)) bad = "quick";
    if (bad) {
      char msg[WHORL_ERROR_MSG_MAX];
      snprintf(msg, sizeof msg, "entry \"%s\": bad or unknown \"%s\" (docs/check.md)", name, bad);
      whorl_json_free(j);
      return whorl__error(err, WHORL_EFORMAT, lock, -1, "%s", msg);
    }
  }
  *out = j;
  return WHORL_OK;
}

/* Pretty JSON of the canonical form: keys sorted at every level. */
static int write_lock(const char *lock, const whorl_json *j, whorl_error *err) {
  char *c = NULL, *pretty = NULL;
  size_t n = 0, pn = 0;
  whorl_json *sorted = NULL;
  int rc = whorl_json_canonical(j, &c, &n);
  if (!rc) rc = whorl_json_parse(c, n, &sorted, err);
  if (!rc) rc = whorl_json_pretty(sorted, &pretty, &pn);
  free(c);
  whorl_json_free(sorted);
  if (rc) {
    free(pretty);
    return whorl__error(err, WHORL_ENOMEM, lock, -1, "cannot write the lock file");
  }
  /* a symlinked lock file (whorl.lock -> ci/whorl.lock) is written
   * through, not replaced by a file; an existing one keeps its mode */
  char real[PATH_MAX], tmp[PATH_MAX + 16];
  struct stat st;
  int had = stat(lock, &st) == 0;
  if (had && realpath(lock, real)) lock = real;
  /* a temporary name of its own: two lock runs at once never write into
   * one file (the last rename wins, whole) */
  snprintf(tmp, sizeof tmp, "%s.XXXXXX", lock);
  int tfd = mkstemp(tmp);
  FILE *f = tfd >= 0 ? fdopen(tfd, "w") : NULL;
  if (!f) {
    int e = errno;
    if (tfd >= 0) {
      close(tfd);
      unlink(tmp);
    }
    free(pretty);
    return whorl__error_errno(err, e, tmp, "open");
  }
  size_t w = fwrite(pretty, 1, pn, f);
  /* mkstemp makes it 0600: an existing lock keeps its mode, a new one gets
   * what a plain file would (0666 less the umask) */
  mode_t um = umask(0);
  umask(um);
  int bad = w != pn || fflush(f) || fchmod(fileno(f), had ? (st.st_mode & 07777) : (0666 & ~um)) || fsync(fileno(f));
  bad |= fclose(f) != 0;
  free(pretty);
  if (bad || rename(tmp, lock)) {
    unlink(tmp);
    return whorl__error_errno(err, errno, lock, "write");
  }
  return WHORL_OK;
}

/* Strings the options of one lock entry point to (opts_from). */
typedef struct pool {
  void **v;
  size_t n, cap;
} pool;

static void *pool_keep(pool *p, void *x) {
  if (!x) return NULL;
  if (p->n == p->cap) {
    size_t nc = p->cap ? p->cap * 2 : 16;
    void **g = realloc(p->v, nc * sizeof *g);
    if (!g) {
      free(x);
      return NULL;
    }
    p->v = g, p->cap = nc;
  }
  return p->v[p->n++] = x;
}

static void pool_free(pool *p) {
  for (size_t i = 0; i < p->n; i++) free(p->v[i]);
  free(p->v);
  memset(p, 0, sizeof *p);
}

/* A file's name relative to the lock's folder, as JSON (a path that does not
 * resolve is kept as given: fingerprinting then reports it). */
static whorl_json *rel_json(const char *dir, const char *path) {
  char nm[PATH_MAX];
  whorl_error e;
  whorl_error_clear(&e);
  if (lock_name(dir, path, nm, sizeof nm, &e)) return whorl_json_string(path);
  return whorl_json_string(nm);
}

static whorl_json *rel_list(const char *dir, const char *const *v, size_t n) {
  whorl_json *a = whorl_json_array();
  for (size_t i = 0; i < n; i++) whorl_json_array_append(a, rel_json(dir, v[i]));
  return a;
}

/* The reader options an entry was locked with; file names relative to the
 * lock's folder (docs/check.md). */
static whorl_json *opts_json(const whorl_fp_options *o, const char *dir) {
  whorl_json *j = whorl_json_object();
  if (o->table_format) whorl_json_object_set(j, "as", whorl_json_string(o->table_format));
  if (o->delimiter) {
    char d[2] = {o->delimiter, 0};
    whorl_json_object_set(j, "delimiter", whorl_json_string(d));
  }
  if (o->header >= 0) whorl_json_object_set(j, "header", whorl_json_bool(o->header));
  if (o->strict) whorl_json_object_set(j, "strict", whorl_json_bool(1));
  if (o->key_file) whorl_json_object_set(j, "key_file", rel_json(dir, o->key_file));
  if (o->model >= 0) whorl_json_object_set(j, "model", whorl_json_bool(o->model));
  if (o->config_file) whorl_json_object_set(j, "config", rel_json(dir, o->config_file));
  if (o->nparams) {
    whorl_json *a = whorl_json_array();
    for (size_t i = 0; i < o->nparams; i++) whorl_json_array_append(a, whorl_json_string(o->params[i]));
    whorl_json_object_set(j, "params", a);
  }
  if (o->ntraining_files) whorl_json_object_set(j, "training_files", rel_list(dir, o->training_files, o->ntraining_files));
  if (o->features) {
    whorl_json *f = whorl_json_object();
    if (o->features->pipeline) whorl_json_object_set(f, "pipeline", rel_json(dir, o->features->pipeline));
    whorl_json_object_set(f, "code", rel_list(dir, o->features->code, o->features->ncode));
    if (o->features->input) whorl_json_object_set(f, "input", rel_json(dir, o->features->input));
    whorl_json_object_set(j, "features", f);
  }
  if (o->level != WHORL_LEVEL_AUTO) whorl_json_object_set(j, "level", whorl_json_string(whorl_level_name(o->level)));
  return j;
}

static const char *pool_path(pool *pl, const char *dir, const char *name) {
  if (!name) return NULL;
  char p[PATH_MAX * 2];
  resolve(dir, name, p, sizeof p);
  return pool_keep(pl, strdup(p));
}

/* A list of names: resolved paths, NULL-safe; *n their count. */
static const char *const *pool_paths(pool *pl, const char *dir, const whorl_json *a, size_t *n, int paths) {
  size_t k = whorl_json_size(a);
  const char **v = pool_keep(pl, calloc(k + 1, sizeof *v));
  *n = 0;
  if (!v) return NULL;
  for (size_t i = 0; i < k; i++) {
    const char *s = whorl_json_get_string(whorl_json_array_get(a, i), NULL);
    if (s) v[(*n)++] = paths ? pool_path(pl, dir, s) : s;
  }
  return v;
}

static void opts_from(const whorl_json *j, const char *dir, whorl_fp_options *o, pool *pl) {
  const char *as = whorl_json_object_get_string(j, "as"), *d = whorl_json_object_get_string(j, "delimiter");
  if (as) o->table_format = as;
  if (d && d[0]) o->delimiter = d[0];
  const whorl_json *h = whorl_json_object_get(j, "header"), *m = whorl_json_object_get(j, "model");
  if (h) o->header = whorl_json_get_bool(h);
  if (m) o->model = whorl_json_get_bool(m);
  if (whorl_json_get_bool(whorl_json_object_get(j, "strict"))) o->strict = 1;
  const char *kf = whorl_json_object_get_string(j, "key_file"), *cf = whorl_json_object_get_string(j, "config");
  if (kf) o->key_file = pool_path(pl, dir, kf);
  if (cf) o->config_file = pool_path(pl, dir, cf);
  if (whorl_json_object_get(j, "params")) o->params = pool_paths(pl, dir, whorl_json_object_get(j, "params"), &o->nparams, 0);
  if (whorl_json_object_get(j, "training_files"))
    o->training_files = pool_paths(pl, dir, whorl_json_object_get(j, "training_files"), &o->ntraining_files, 1);
  const whorl_json *f = whorl_json_object_get(j, "features");
  if (f) {
    whorl_features_spec *fs = pool_keep(pl, calloc(1, sizeof *fs));
    if (fs) {
      fs->pipeline = pool_path(pl, dir, whorl_json_object_get_string(f, "pipeline"));
      fs->code = pool_paths(pl, dir, whorl_json_object_get(f, "code"), &fs->ncode, 1);
      fs->input = pool_path(pl, dir, whorl_json_object_get_string(f, "input"));
      o->features = fs;
    }
  }
}

/* The current fingerprint of the artifact at path under its options. */
static int fingerprint_entry(const char *path, const whorl_fp_options *o, whorl_json **out, whorl_error *err) {
  if (!o->features) return whorl_fingerprint(path, o, out, err);
  whorl_features_spec fs = *o->features;
  fs.matrix = path;
  return whorl_fingerprint_features(&fs, o, out, err);
}

int whorl_lock(const char *lock_path, const char *const *paths, size_t n, int update_only, const whorl_fp_options *opts,
               whorl_error *err) {
  whorl_fp_options o = WHORL_FP_OPTIONS_INIT;
  if (opts) o = *opts;
  o.chunks = 0; /* a lock keeps ids and profiles, not chunk lists */
  whorl_json *lock = NULL;
  struct stat lst;
  if (update_only && stat(lock_path, &lst) != 0 && errno == ENOENT)
    return whorl__error(err, WHORL_EINVAL, lock_path, -1, "no lock file to update: lock paths first (whorl lock PATH)");
  if (stat(lock_path, &lst) == 0 && !S_ISREG(lst.st_mode))
    return whorl__error(err, WHORL_EINVAL, lock_path, -1, "not a regular file: a lock file is one");
  int rc = read_lock(lock_path, &lock, err);
  if (rc) return rc;
  whorl_json *arts = whorl_json_object_get(lock, "artifacts");
  char dir[PATH_MAX];
  lock_dir(lock_path, dir, sizeof dir);
  /* which names */
  size_t count = n;
  char **names = NULL;
  if (!n && update_only) {
    count = whorl_json_size(arts);
    names = calloc(count + 1, sizeof *names);
    for (size_t i = 0; names && i < count; i++) names[i] = strdup(whorl_json_object_key(arts, i, NULL));
  } else {
    names = calloc(count + 1, sizeof *names);
    for (size_t i = 0; names && i < n && !rc; i++) {
      char nm[PATH_MAX];
      /* --update takes entry names as they are in the lock (from any folder) */
      if (update_only && whorl_json_object_get(arts, paths[i])) {
        names[i] = strdup(paths[i]);
        continue;
      }
      rc = lock_name(dir, paths[i], nm, sizeof nm, err);
      if (!rc && update_only && !whorl_json_object_get(arts, nm))
        rc = whorl__error(err, WHORL_EINVAL, paths[i], -1, "not in %s: lock it first (whorl lock PATH)", lock_path);
      if (!rc) names[i] = strdup(nm);
    }
  }
  if (!names) rc = whorl__error(err, WHORL_ENOMEM, lock_path, -1, "out of memory");
  for (size_t i = 0; i < count && !rc; i++) {
    char p[PATH_MAX * 2];
    resolve(dir, names[i], p, sizeof p);
    whorl_fp_options eo = o;
    pool pl = {NULL, 0, 0};
    const whorl_json *old = whorl_json_object_get(arts, names[i]);
    if (update_only && old) {
      whorl_fp_options fresh = WHORL_FP_OPTIONS_INIT;
      fresh.threads = o.threads, fresh.use_cache = o.use_cache, fresh.cache_path = o.cache_path, fresh.chunks = 0;
      fresh.on_issue = o.on_issue, fresh.on_progress = o.on_progress, fresh.cb_ctx = o.cb_ctx;
      eo = fresh;
      opts_from(whorl_json_object_get(old, "options"), dir, &eo, &pl);
      whorl_level lv;
      const whorl_json *lj = whorl_json_object_get(whorl_json_object_get(old, "options"), "level");
      if (lj && !whorl_level_parse(whorl_json_get_string(lj, NULL), &lv)) eo.level = lv;
    }
    ownfiles *of = malloc(sizeof *of);
    if (of) {
      own_files(lock_path, p, of);
      eo.exclude = of->ptr, eo.nexclude = of->n;
    }
    whorl_json *doc = NULL;
    rc = fingerprint_entry(p, &eo, &doc, err);
    free(of);
    eo.exclude = NULL, eo.nexclude = 0;
    if (rc) {
      pool_free(&pl);
      break;
    }
    const whorl_json *un = whorl_json_object_get(doc, "unsafe");
    if (whorl_json_size(un) && eo.on_issue) { /* locked, but said: check fails it unless allow_unsafe */
      whorl_buf b = WHORL_BUF_INIT;
      for (size_t k = 0; k < whorl_json_size(un) && k < 3; k++)
        whorl_buf_printf(&b, "%s%s", k ? "; " : "", str(whorl_json_array_get(un, k), "finding"));
      if (whorl_json_size(un) > 3) whorl_buf_printf(&b, "; and %zu more", whorl_json_size(un) - 3);
      whorl_error w;
      whorl_error_clear(&w);
      whorl__error(&w, WHORL_EFORMAT, p, -1, "locked with %zu unsafe pickle finding%s: %s (whorl check fails it unless the policy says allow_unsafe: true)",
                   whorl_json_size(un), whorl_json_size(un) == 1 ? "" : "s", b.data ? b.data : "");
      whorl_buf_free(&b);
      eo.on_issue(eo.cb_ctx, &w, 0);
    }
    const char *old_kind = str(whorl_json_object_get(old, "fingerprint"), "kind");
    if (old && *old_kind && strcmp(old_kind, str(doc, "kind")) && eo.on_issue) { /* e.g. a features entry locked again as a table */
      whorl_error w;
      whorl_error_clear(&w);
      whorl__error(&w, WHORL_EINVAL, p, -1, "its %s entry is replaced by a %s entry", old_kind, str(doc, "kind"));
      eo.on_issue(eo.cb_ctx, &w, 0);
    }
    whorl_json *e = whorl_json_object();
    whorl_json *nopts = opts_json(&eo, dir);
    /* locking a path again with other options (a --key-file left out, a
     * --level changed) replaces how check will read it: said */
    const whorl_json *oopts = old ? whorl_json_object_get(old, "options") : NULL;
    if (old && !update_only && oopts && !whorl_json_equal(oopts, nopts) && eo.on_issue) {
      whorl_error w;
      whorl_error_clear(&w);
      whorl__error(&w, WHORL_EINVAL, p, -1, "locked again with other options than before: check will read it with the new ones "
                   "(whorl lock --update keeps an entry's options)");
      eo.on_issue(eo.cb_ctx, &w, 0);
    }
    whorl_json_object_set(e, "options", nopts);
    pool_free(&pl);
    /* a single file's quick-tier id: check reads it before the whole file */
    if (!strcmp(str(doc, "kind"), "file") && !strcmp(str(doc, "level"), "content")) {
      whorl_fp_options qo = WHORL_FP_OPTIONS_INIT;
      qo.level = WHORL_LEVEL_QUICK, qo.use_cache = 0, qo.model = 0;
      whorl_json *qd = NULL;
      whorl_error qe;
      whorl_error_clear(&qe);
      if (whorl_fingerprint(p, &qo, &qd, &qe) == WHORL_OK && !strcmp(str(qd, "kind"), "file"))
        whorl_json_object_set(e, "quick", whorl_json_string(str(qd, "id")));
      whorl_json_free(qd);
    }
    whorl_json_object_set(e, "fingerprint", doc);
    whorl_json_object_remove(arts, names[i]);
    whorl_json_object_set(arts, names[i], e);
  }
  for (size_t i = 0; names && i < count; i++) free(names[i]);
  free(names);
  if (!rc) rc = write_lock(lock_path, lock, err);
  whorl_json_free(lock);
  return rc;
}

int whorl_lock_remove(const char *lock_path, const char *const *names, size_t n, whorl_error *err) {
  struct stat lst;
  if (stat(lock_path, &lst) != 0) return whorl__error_errno(err, errno, lock_path, NULL);
  if (!S_ISREG(lst.st_mode)) return whorl__error(err, WHORL_EINVAL, lock_path, -1, "not a regular file: a lock file is one");
  whorl_json *lock = NULL;
  int rc = read_lock(lock_path, &lock, err);
  if (rc) return rc;
  whorl_json *arts = whorl_json_object_get(lock, "artifacts");
  char dir[PATH_MAX];
  lock_dir(lock_path, dir, sizeof dir);
  for (size_t i = 0; i < n && !rc; i++) {
    char nm[PATH_MAX * 2];
    snprintf(nm, sizeof nm, "%s", names[i]);
    if (!whorl_json_object_get(arts, nm)) {
      /* a path from wherever whorl runs: its folder resolved, as lock names it */
      const char *slash = strrchr(names[i], '/');
      char parent[PATH_MAX], rp[PATH_MAX], rd[PATH_MAX];
      if (!slash) snprintf(parent, sizeof parent, ".");
      else if (slash == names[i]) snprintf(parent, sizeof parent, "/");
      else snprintf(parent, sizeof parent, "%.*s", (int)(slash - names[i]), names[i]);
      const char *base = slash ? slash + 1 : names[i];
      if (*base && strcmp(base, ".") && strcmp(base, "..") && realpath(parent, rp) && realpath(dir, rd)) {
        char ap[PATH_MAX * 2];
        snprintf(ap, sizeof ap, "%s%s%s", rp, strcmp(rp, "/") ? "/" : "", base);
        size_t dl = strcmp(rd, "/") ? strlen(rd) : 0;
        if (!strncmp(ap, rd, dl) && ap[dl] == '/') snprintf(nm, sizeof nm, "%s", ap + dl + 1);
        else snprintf(nm, sizeof nm, "%s", ap);
      } else if (!strcmp(base, ".") || !*base) {
        whorl_error e;
        if (lock_name(dir, names[i], parent, sizeof parent, &e) == WHORL_OK) snprintf(nm, sizeof nm, "%s", parent);
      }
    }
    if (!whorl_json_object_get(arts, nm))
      rc = whorl__error(err, WHORL_EINVAL, names[i], -1, "not in %s: nothing to remove", lock_path);
    else whorl_json_object_remove(arts, nm);
  }
  if (!rc) rc = write_lock(lock_path, lock, err);
  whorl_json_free(lock);
  return rc;
}

/* ---- policy ------------------------------------------------------------------------ */

static int in_list(const char *s, const char *const *l) {
  for (; *l; l++)
    if (!strcmp(s, *l)) return 1;
  return 0;
}

static const char *const METRICS[] = {"psi", "ks", "wasserstein_normalized", "jensen_shannon", "mean_shift_std", "l_infinity",
                                      "null_rate_change", "distinct_ratio", "violation_rate_change", NULL};

/* Thresholds: {metric: {warn: number, fail: number}}. */
static int check_drift(const char *path, const char *where, const whorl_json *d, whorl_error *err) {
  if (!d) return 0;
  if (whorl_json_typeof(d) != WHORL_JSON_OBJECT) return whorl__error(err, WHORL_EFORMAT, path, -1, "%s: \"drift\" must be a mapping", where);
  for (size_t i = 0; i < whorl_json_size(d); i++) {
    const char *m = whorl_json_object_key(d, i, NULL);
    const whorl_json *t = whorl_json_object_value(d, i);
    if (!in_list(m, METRICS)) return whorl__error(err, WHORL_EFORMAT, path, -1, "%s: unknown drift metric \"%s\" (docs/drift.md)", where, m);
    if (whorl_json_typeof(t) != WHORL_JSON_OBJECT || !whorl_json_size(t))
      return whorl__error(err, WHORL_EFORMAT, path, -1, "%s: drift %s needs {warn: N} and/or {fail: N}", where, m);
    for (size_t k = 0; k < whorl_json_size(t); k++) {
      const char *lv = whorl_json_object_key(t, k, NULL);
      if (strcmp(lv, "warn") && strcmp(lv, "fail"))
        return whorl__error(err, WHORL_EFORMAT, path, -1, "%s: drift %s: \"%s\" is neither warn nor fail", where, m, lv);
      if (whorl_json_typeof(whorl_json_object_value(t, k)) != WHORL_JSON_NUMBER || whorl_json_get_double(whorl_json_object_value(t, k)) < 0)
        return whorl__error(err, WHORL_EFORMAT, path, -1, "%s: drift %s %s must be a number >= 0", where, m, lv);
    }
    const whorl_json *w = whorl_json_object_get(t, "warn"), *f = whorl_json_object_get(t, "fail");
    if (w && f && whorl_json_get_double(w) > whorl_json_get_double(f))
      return whorl__error(err, WHORL_EFORMAT, path, -1, "%s: drift %s: warn %g is above fail %g", where, m, whorl_json_get_double(w),
                          whorl_json_get_double(f));
  }
  return 0;
}

/* Every key of a rule known, every value of the right shape: a typo must
 * not silently weaken the gate. */
static int check_rule(const char *path, const char *where, const whorl_json *r, whorl_error *err) {
  static const char *const KEYS[] = {"match", "may_change", "drift", "columns", "frozen_config", "allow_unsafe", NULL};
  static const char *const CHANGES[] = {"order",   "append",   "content", "schema", "architecture", "config", "training",
                                        "weights", "extras",   "pipeline", "code",  "input",  "matrix",       NULL};
  if (whorl_json_typeof(r) != WHORL_JSON_OBJECT) return whorl__error(err, WHORL_EFORMAT, path, -1, "%s must be a mapping", where);
  for (size_t i = 0; i < whorl_json_size(r); i++) {
    const char *k = whorl_json_object_key(r, i, NULL);
    if (!in_list(k, KEYS)) return whorl__error(err, WHORL_EFORMAT, path, -1, "%s: unknown key \"%s\" (docs/check.md)", where, k);
  }
  const whorl_json *mc = whorl_json_object_get(r, "may_change");
  if (mc && whorl_json_typeof(mc) != WHORL_JSON_ARRAY) return whorl__error(err, WHORL_EFORMAT, path, -1, "%s: may_change must be a list", where);
  for (size_t i = 0; i < whorl_json_size(mc); i++) {
    const char *v = whorl_json_get_string(whorl_json_array_get(mc, i), NULL);
    if (!v || !in_list(v, CHANGES))
      return whorl__error(err, WHORL_EFORMAT, path, -1, "%s: may_change \"%s\" is not one of order, append, content, schema, architecture, config, training, weights, extras, pipeline, code, input, matrix",
                          where, v ? v : "?");
  }
  int rc = check_drift(path, where, whorl_json_object_get(r, "drift"), err);
  const whorl_json *cols = whorl_json_object_get(r, "columns");
  if (!rc && cols && whorl_json_typeof(cols) != WHORL_JSON_OBJECT) rc = whorl__error(err, WHORL_EFORMAT, path, -1, "%s: columns must be a mapping", where);
  for (size_t i = 0; !rc && i < whorl_json_size(cols); i++) {
    const char *cn = whorl_json_object_key(cols, i, NULL);
    const whorl_json *c = whorl_json_object_value(cols, i);
    char w2[300];
    snprintf(w2, sizeof w2, "%s, column %s", where, cn);
    if (whorl_json_typeof(c) != WHORL_JSON_OBJECT) rc = whorl__error(err, WHORL_EFORMAT, path, -1, "%s must be a mapping", w2);
    for (size_t k = 0; !rc && k < whorl_json_size(c); k++) {
      const char *ck = whorl_json_object_key(c, k, NULL);
      if (!strcmp(ck, "drift")) rc = check_drift(path, w2, whorl_json_object_value(c, k), err);
      else if (!strcmp(ck, "new_categories")) {
        const char *v = whorl_json_get_string(whorl_json_object_value(c, k), NULL);
        if (!v || (strcmp(v, "allow") && strcmp(v, "warn") && strcmp(v, "fail")))
          rc = whorl__error(err, WHORL_EFORMAT, path, -1, "%s: new_categories is allow, warn or fail", w2);
      } else {
        rc = whorl__error(err, WHORL_EFORMAT, path, -1, "%s: unknown key \"%s\" (drift, new_categories)", w2, ck);
      }
    }
  }
  const whorl_json *fz = whorl_json_object_get(r, "frozen_config");
  if (!rc && fz && !str_list(fz)) rc = whorl__error(err, WHORL_EFORMAT, path, -1, "%s: frozen_config must be a list of key names or JSON pointers", where);
  const whorl_json *au = whorl_json_object_get(r, "allow_unsafe");
  if (!rc && au && whorl_json_typeof(au) != WHORL_JSON_BOOL) rc = whorl__error(err, WHORL_EFORMAT, path, -1, "%s: allow_unsafe is true or false", where);
  return rc;
}

static int load_policy(const char *path, whorl_json **out, whorl_error *err) {
  *out = NULL;
  if (!path) return WHORL_OK;
  char *text = NULL;
  size_t len = 0;
  int rc = whorl__read_file(path, 16u << 20, &text, &len, err);
  if (rc) return rc;
  whorl_error e2;
  size_t pl = strlen(path);
  if (pl >= 5 && !strcmp(path + pl - 5, ".json")) { /* JSON is JSON: no YAML second chance */
    rc = whorl_json_parse(text, len, out, &e2);
    if (rc) rc = whorl__error(err, WHORL_EFORMAT, path, e2.offset, "not valid JSON: %s", e2.message);
  } else if (whorl_json_parse(text, len, out, &e2) != WHORL_OK) {
    rc = whorl__yaml_load(path, text, len, out, err);
  }
  free(text);
  if (!rc && whorl_json_typeof(*out) != WHORL_JSON_OBJECT) rc = whorl__error(err, WHORL_EFORMAT, path, -1, "a policy is an object");
  if (!rc) {
    const whorl_json *v = whorl_json_object_get(*out, "version");
    if (v && (!whorl_json_is_int(v) || whorl_json_get_int(v) != 1))
      rc = whorl__error(err, WHORL_EUNSUPPORTED, path, -1, "policy version must be 1");
    const whorl_json *rules = whorl_json_object_get(*out, "rules");
    if (!rc && rules && whorl_json_typeof(rules) != WHORL_JSON_ARRAY) rc = whorl__error(err, WHORL_EFORMAT, path, -1, "\"rules\" must be a list");
    for (size_t i = 0; !rc && i < whorl_json_size(rules); i++) {
      char where[64];
      snprintf(where, sizeof where, "rule %zu", i + 1);
      if (!whorl_json_object_get_string(whorl_json_array_get(rules, i), "match"))
        rc = whorl__error(err, WHORL_EFORMAT, path, -1, "rule %zu has no \"match\" pattern", i + 1);
      else rc = check_rule(path, where, whorl_json_array_get(rules, i), err);
    }
    static const char *const TOP[] = {"version", "defaults", "rules", NULL};
    for (size_t i = 0; !rc && i < whorl_json_size(*out); i++)
      if (!in_list(whorl_json_object_key(*out, i, NULL), TOP))
        rc = whorl__error(err, WHORL_EFORMAT, path, -1, "unknown key \"%s\" (version, defaults, rules)", whorl_json_object_key(*out, i, NULL));
    const whorl_json *df = whorl_json_object_get(*out, "defaults");
    if (!rc && df) {
      if (whorl_json_object_get(df, "match")) rc = whorl__error(err, WHORL_EFORMAT, path, -1, "defaults take no \"match\"");
      else rc = check_rule(path, "defaults", df, err);
    }
  }
  if (rc) {
    whorl_json_free(*out);
    *out = NULL;
  }
  return rc;
}

/* The rule for an artifact: the first whose glob matches, else "defaults". */
/* The first rule matching the name (its index in *which, or -1: defaults). */
static const whorl_json *rule_for(const whorl_json *policy, const char *name, long *which) {
  const whorl_json *rules = whorl_json_object_get(policy, "rules");
  for (size_t i = 0; i < whorl_json_size(rules); i++) {
    const whorl_json *r = whorl_json_array_get(rules, i);
    if (!fnmatch(str(r, "match"), name, 0)) {
      *which = (long)i;
      return r;
    }
  }
  *which = -1;
  return whorl_json_object_get(policy, "defaults");
}

static int may(const whorl_json *rule, const char *what) {
  const whorl_json *m = whorl_json_object_get(rule, "may_change");
  for (size_t i = 0; i < whorl_json_size(m); i++)
    if (!strcmp(whorl_json_get_string(whorl_json_array_get(m, i), NULL) ? whorl_json_get_string(whorl_json_array_get(m, i), NULL) : "", what))
      return 1;
  return 0;
}

typedef struct judge {
  whorl_json *findings;
  int fail, warn;
  char note[160]; /* an allowed change worth saying (rows appended) */
} judge;

/* A missing artifact that may have been renamed: a file beside where it
 * was, of its size and with its exact bytes (BLAKE3 of the locked file or
 * table), looked for among at most 16 files of that size. Fills out with
 * the path and returns 1 when found. */
static void resolve(const char *dir, const char *name, char *out, size_t n);
static int renamed_to(const char *p, const whorl_json *locked, const whorl_json *arts, const char *lockdir, char *out, size_t n) {
  const char *kind = whorl_json_object_get_string(locked, "kind");
  const char *want = NULL;
  if (kind && !strcmp(kind, "file") && !strcmp(whorl_json_object_get_string(locked, "level") ? whorl_json_object_get_string(locked, "level") : "", "content"))
    want = whorl_json_object_get_string(locked, "id");
  else if (kind && !strcmp(kind, "table"))
    want = whorl_json_object_get_string(whorl_json_object_get(locked, "content"), "blake3");
  int64_t size = whorl_json_object_get_int(locked, "size", -1);
  if (!want || size < 0) return 0;
  char dir[PATH_MAX];
  const char *slash = strrchr(p, '/');
  if (slash) snprintf(dir, sizeof dir, "%.*s", (int)(slash - p), p);
  else snprintf(dir, sizeof dir, ".");
  if (!dir[0]) snprintf(dir, sizeof dir, "/");
  DIR *d = opendir(dir);
  if (!d) return 0;
  int found = 0, tried = 0;
  struct dirent *de;
  while (!found && tried < 16 && (de = readdir(d))) {
    char q[PATH_MAX * 2];
    snprintf(q, sizeof q, "%s/%s", dir, de->d_name);
    struct stat st;
    if (lstat(q, &st) || !S_ISREG(st.st_mode) || st.st_size != size) continue;
    /* a file locked under its own name is no rename of this one */
    int locked_too = 0;
    for (size_t a = 0; a < whorl_json_size(arts) && !locked_too; a++) {
      char r[PATH_MAX * 2];
      resolve(lockdir, whorl_json_object_key(arts, a, NULL), r, sizeof r);
      struct stat ast;
      locked_too = stat(r, &ast) == 0 && ast.st_dev == st.st_dev && ast.st_ino == st.st_ino;
    }
    if (locked_too) continue;
    tried++;
    whorl_fp_options o = WHORL_FP_OPTIONS_INIT;
    o.level = WHORL_LEVEL_CONTENT;
    o.chunks = 0;
    o.use_cache = 0;
    whorl_json *doc = NULL;
    whorl_error e;
    if (whorl_fingerprint(q, &o, &doc, &e) == WHORL_OK && !strcmp(whorl_json_object_get_string(doc, "id") ? whorl_json_object_get_string(doc, "id") : "", want)) {
      snprintf(out, n, "%s", strncmp(q, "./", 2) ? q : q + 2);
      found = 1;
    }
    whorl_json_free(doc);
  }
  closedir(d);
  return found;
}

static void finding(judge *j, int fail, const char *rule, const char *fmt, ...) WHORL_PRINTF(4, 5);
static void finding(judge *j, int fail, const char *rule, const char *fmt, ...) {
  char msg[600];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  whorl__utf8_scrub(msg); /* names quoted from the data; a cut at the end */
  whorl_json *f = whorl_json_object();
  whorl_json_object_set(f, "level", whorl_json_string(fail ? "fail" : "warn"));
  whorl_json_object_set(f, "rule", whorl_json_string(rule));
  whorl_json_object_set(f, "message", whorl_json_string(msg));
  whorl_json_array_append(j->findings, f);
  if (fail) j->fail++;
  else j->warn++;
}

/* Thresholds of one metric: the column's, the rule's, the defaults'. */
static int threshold(const whorl_json *rule, const char *col, const char *metric, double *warn, double *fail) {
  static const struct {
    const char *m;
    double w, f;
  } DEF[] = {{"psi", 0.1, 0.25}, {"ks", -1, 0.1}};
  *warn = *fail = -1;
  int found = 0;
  for (size_t i = 0; i < sizeof DEF / sizeof *DEF; i++)
    if (!strcmp(DEF[i].m, metric)) *warn = DEF[i].w, *fail = DEF[i].f, found = 1;
  const whorl_json *layers[2] = {whorl_json_object_get(rule, "drift"),
                                  whorl_json_object_get(whorl_json_object_get(whorl_json_object_get(rule, "columns"), col), "drift")};
  for (int l = 0; l < 2; l++) {
    const whorl_json *t = whorl_json_object_get(layers[l], metric);
    if (!t) continue;
    /* the most specific layer naming the metric decides both levels */
    const whorl_json *w = whorl_json_object_get(t, "warn"), *f = whorl_json_object_get(t, "fail");
    *warn = w ? whorl_json_get_double(w) : -1;
    *fail = f ? whorl_json_get_double(f) : -1;
    found = 1;
  }
  return found;
}

static void judge_drift(judge *j, const whorl_json *rule, const char *col, const whorl_json *drift) {
  static const char *metrics[] = {"psi", "ks", "wasserstein_normalized", "jensen_shannon", "mean_shift_std", "l_infinity",
                                  "null_rate_change", "distinct_ratio", "violation_rate_change"};
  for (size_t m = 0; m < sizeof metrics / sizeof *metrics; m++) {
    const whorl_json *v = whorl_json_object_get(drift, metrics[m]);
    double w, f;
    if (whorl_json_typeof(v) != WHORL_JSON_NUMBER || !threshold(rule, col, metrics[m], &w, &f)) continue;
    double x = whorl_json_get_double(v), ax = x < 0 ? -x : x;
    if (f >= 0 && ax > f) finding(j, 1, "drift", "column %s: %s %.4g, beyond %.4g", col, metrics[m], x, f);
    else if (w >= 0 && ax > w) finding(j, 0, "drift", "column %s: %s %.4g, beyond %.4g (warning)", col, metrics[m], x, w);
  }
  int64_t nn = whorl_json_object_get_int(drift, "new_categories", 0);
  if (nn) {
    const whorl_json *cr = whorl_json_object_get(whorl_json_object_get(rule, "columns"), col);
    const char *nc = str(cr, "new_categories");
    if (!strcmp(nc, "fail")) finding(j, 1, "new_categories", "column %s: %lld new categories", col, (long long)nn);
    else if (strcmp(nc, "allow")) finding(j, 0, "new_categories", "column %s: %lld new categories (warning)", col, (long long)nn);
  }
}

/* A JSON value in a message: canonical, cut at 60 bytes. */
static void value_text(const whorl_json *v, char *out, size_t cap) {
  char *t = NULL;
  size_t n = 0;
  if (!v) snprintf(out, cap, "(none)");
  else if (whorl_json_canonical(v, &t, &n) || !t) snprintf(out, cap, "?");
  else snprintf(out, cap, "%.*s%s", (int)(n > 60 ? 57 : n), t, n > 60 ? "..." : "");
  free(t);
}

/* Up to 3 strings of a list ("a, b, c and 4 more"); key: the member of
 * object elements to take (NULL: the elements are strings). */
static void names_text(const whorl_json *l, const char *key, whorl_buf *b) {
  size_t n = whorl_json_size(l);
  for (size_t i = 0; i < n && i < 3; i++) {
    const whorl_json *e = whorl_json_array_get(l, i);
    const char *s = key && whorl_json_typeof(e) == WHORL_JSON_OBJECT ? whorl_json_object_get_string(e, key) : whorl_json_get_string(e, NULL);
    whorl_buf_printf(b, "%s%s", i ? ", " : "", s ? s : "?");
  }
  if (n > 3) whorl_buf_printf(b, " and %zu more", n - 3);
}


/* allow_content: the values may change (the rule's may_change: content,
 * or a feature matrix whose change the caller judged). Rows reordered and
 * nothing else fail all the same unless order (or content) may change: a
 * feature matrix's rows line up with its labels. */
static void judge_table(judge *j, const whorl_json *rule, const whorl_json *r, int allow_content) {
  const whorl_json *t = whorl_json_object_get(r, "table");
  const char *tier = str(t, "tier");
  if (!strcmp(tier, "bytes") || !strcmp(tier, "logical")) return; /* the same values */
  if (!strcmp(tier, "unordered") && whorl_json_get_bool(whorl_json_object_get(t, "order_unknown"))) return;
  if (!strcmp(tier, "unordered")) {
    if (!may(rule, "order") && !may(rule, "content")) finding(j, 1, "order", "rows reordered (not allowed; may_change: [order] would allow it)");
    return;
  }
  const whorl_json *cols = whorl_json_object_get(t, "columns");
  size_t schema = whorl_json_size(whorl_json_object_get(cols, "added")) + whorl_json_size(whorl_json_object_get(cols, "removed")) +
                  whorl_json_size(whorl_json_object_get(cols, "renamed")) + whorl_json_size(whorl_json_object_get(cols, "type_changed"));
  if (schema && !may(rule, "schema")) {
    whorl_buf b = WHORL_BUF_INIT;
    static const char *const kinds[] = {"added", "removed"};
    for (int k = 0; k < 2; k++)
      for (size_t i = 0; i < whorl_json_size(whorl_json_object_get(cols, kinds[k])); i++) {
        const whorl_json *e = whorl_json_array_get(whorl_json_object_get(cols, kinds[k]), i);
        whorl_buf_printf(&b, "%scolumn %s %s", b.len ? "; " : "",
                         whorl_json_typeof(e) == WHORL_JSON_STRING ? whorl_json_get_string(e, NULL) : str(e, "name"), kinds[k]);
      }
    for (size_t i = 0; i < whorl_json_size(whorl_json_object_get(cols, "renamed")); i++) {
      const whorl_json *e = whorl_json_array_get(whorl_json_object_get(cols, "renamed"), i);
      whorl_buf_printf(&b, "%scolumn %s renamed to %s", b.len ? "; " : "", str(e, "from"), str(e, "to"));
    }
    for (size_t i = 0; i < whorl_json_size(whorl_json_object_get(cols, "type_changed")); i++) {
      const whorl_json *e = whorl_json_array_get(whorl_json_object_get(cols, "type_changed"), i);
      whorl_buf_printf(&b, "%scolumn %s: type %s -> %s", b.len ? "; " : "", str(e, "name"), str(e, "a"), str(e, "b"));
    }
    finding(j, 1, "schema", "schema changed: %s (not allowed; may_change: [schema] would allow it)", b.data ? b.data : "");
    whorl_buf_free(&b);
  }
  const whorl_json *ch = whorl_json_object_get(cols, "changed");
  int64_t ra = whorl_json_object_get_int(whorl_json_object_get(t, "rows"), "a", 0),
          rb = whorl_json_object_get_int(whorl_json_object_get(t, "rows"), "b", 0);
  const whorl_json *rows = whorl_json_object_get(t, "row_changes");
  int appended_only = rows && whorl_json_get_bool(whorl_json_object_get(rows, "positions")) &&
                      !whorl_json_object_get_int(rows, "removed", 1) && !whorl_json_object_get_int(rows, "changed", 1) && rb > ra;
  /* New rows that repeat (copies of one row) are counted, not placed: rows
   * moved or swapped among copies of the same rows leave the row table as
   * it is, so an append cannot be told from edits among them. */
  const int64_t unplaced = rows ? whorl_json_object_get_int(rows, "repeated_rows_unplaced", 0) : 0;
  const int repeats = rows && whorl_json_get_bool(whorl_json_object_get(rows, "repeats"));
  if (whorl_json_size(ch) && !allow_content && !may(rule, "content")) {
    if (may(rule, "append") && appended_only && unplaced) {
      finding(j, 1, "append",
              "cannot verify that rows were only appended: rows %lld -> %lld, and %lld of the rows the two versions do not "
              "share are copies of repeated rows, whose positions the row table does not record (rows edited or moved among "
              "copies of the same rows would look the same; docs/check.md). If the change is intended: whorl lock --update",
              (long long)ra, (long long)rb, (long long)unplaced);
    } else if (may(rule, "append") && appended_only && repeats) {
      finding(j, 1, "append",
              "cannot verify that rows were only appended: rows %lld -> %lld, and the table repeats rows (its sample holds "
              "copies of one row): copies of a repeated row that swap places leave the row table unchanged (docs/check.md). "
              "If the change is intended: whorl lock --update",
              (long long)ra, (long long)rb);
    } else if (may(rule, "append") && appended_only) {
      /* rows appended at the end, none changed or removed: allowed */
      snprintf(j->note, sizeof j->note, "%lld rows appended (allowed)", (long long)(rb - ra));
    } else if (may(rule, "append")) {
      whorl_buf b = WHORL_BUF_INIT;
      whorl__rows_text(rows, &b);
      if (rows && !whorl_json_get_bool(whorl_json_object_get(rows, "exact")))
        finding(j, 1, "append", "cannot verify that rows were only appended: rows %lld -> %lld%s, more than the row table decodes "
                "(about 2,400 rows; docs/check.md)", (long long)ra, (long long)rb, b.data ? b.data : "");
      else if (!rows)
        finding(j, 1, "append", "cannot verify that rows were only appended: no row tables (lock at the profile level); rows %lld -> %lld",
                (long long)ra, (long long)rb);
      else
        finding(j, 1, "append", "rows were changed, removed or inserted, not only appended: rows %lld -> %lld%s", (long long)ra, (long long)rb,
                b.data ? b.data : "");
      whorl_buf_free(&b);
    } else {
      whorl_buf b = WHORL_BUF_INIT;
      int moved = rows && whorl_json_get_bool(whorl_json_object_get(rows, "exact")) && !whorl_json_get_bool(whorl_json_object_get(rows, "positions"));
      if (!moved) names_text(ch, "name", &b);
      if (ra != rb) whorl_buf_printf(&b, "%srows %lld -> %lld", b.len ? "; " : "", (long long)ra, (long long)rb);
      /* after a schema change every row differs: no row counts then */
      if (!schema) whorl__rows_text(rows, &b);
      const char *t2 = b.data ? b.data : "";
      if (moved) t2 += t2[0] == ';' ? 2 : 0;
      if (moved)
        finding(j, 1, "content", "rows inserted or deleted: %s (not allowed; may_change: [content] would allow it)", t2);
      else
        finding(j, 1, "content", "values changed in %zu column%s: %s (not allowed; may_change: [content] would allow it)", whorl_json_size(ch),
                whorl_json_size(ch) == 1 ? "" : "s", t2);
      whorl_buf_free(&b);
    }
  }
  for (size_t i = 0; i < whorl_json_size(ch); i++) {
    const whorl_json *c = whorl_json_array_get(ch, i), *d = whorl_json_object_get(c, "drift");
    if (d) judge_drift(j, rule, str(c, "name"), d);
  }
}

/* Whether an object or array holds a member named `name` at any depth. */
static int holds_key(const whorl_json *v, const char *name, int depth) {
  if (!v || depth > 64) return 0;
  int obj = whorl_json_typeof(v) == WHORL_JSON_OBJECT;
  if (!obj && whorl_json_typeof(v) != WHORL_JSON_ARRAY) return 0;
  for (size_t i = 0; i < whorl_json_size(v); i++) {
    if (obj && !strcmp(whorl_json_object_key(v, i, NULL), name)) return 1;
    if (holds_key(obj ? whorl_json_object_value(v, i) : whorl_json_array_get(v, i), name, depth + 1)) return 1;
  }
  return 0;
}

/* The globals unsafe findings name (posix.system, ...), each once, as text. */
static void unsafe_globals(const whorl_json *un, whorl_buf *b) {
  whorl_json *nm = whorl_json_array();
  for (size_t i = 0; nm && i < whorl_json_size(un); i++) {
    const char *f = str(whorl_json_array_get(un, i), "finding"), *pre = "pickle names global ";
    char g[160];
    if (!strncmp(f, pre, strlen(pre))) snprintf(g, sizeof g, "%.*s", (int)strcspn(f + strlen(pre), ":"), f + strlen(pre));
    else snprintf(g, sizeof g, "%.*s", (int)strcspn(f, ":("), f);
    int seen = 0;
    for (size_t k = 0; k < whorl_json_size(nm); k++) seen |= !strcmp(whorl_json_get_string(whorl_json_array_get(nm, k), NULL), g);
    if (!seen) whorl_json_array_append(nm, whorl_json_string(g));
  }
  names_text(nm, NULL, b);
  whorl_json_free(nm);
}

static void judge_model(judge *j, const whorl_json *rule, const whorl_json *r) {
  const whorl_json *m = whorl_json_object_get(r, "model"), *changed = whorl_json_object_get(m, "changed");
  int unsafe_new = 0; /* findings the lock does not hold */
  for (size_t i = 0; i < whorl_json_size(changed); i++) {
    const char *sec = whorl_json_get_string(whorl_json_array_get(changed, i), NULL);
    if (sec && !strcmp(sec, "unsafe")) {
      /* the code a pickle would import or call changed: never allowed
       * (allow_unsafe accepts the locked findings, not new ones); only
       * findings removed, none added: a warning */
      const whorl_json *uc = whorl_json_object_get(m, "unsafe_changed"), *ad = whorl_json_object_get(uc, "added"),
                       *rm = whorl_json_object_get(uc, "removed");
      whorl_buf b = WHORL_BUF_INIT;
      names_text(whorl_json_size(ad) ? ad : whorl_json_size(rm) ? rm : whorl_json_object_get(uc, "b"), NULL, &b);
      if (whorl_json_size(ad) || whorl_json_size(whorl_json_object_get(uc, "b"))) {
        unsafe_new = 1;
        finding(j, 1, "unsafe_changed", "unsafe pickle code changed: %s%s (never allowed, even with allow_unsafe; review it, then whorl lock --update)",
                whorl_json_size(ad) ? "now " : "another payload with ", b.data ? b.data : "");
      } else
        finding(j, 0, "unsafe", "unsafe pickle code removed: %s (the model no longer names them; whorl lock --update records it)", b.data ? b.data : "");
      whorl_buf_free(&b);
      continue;
    }
    if (!sec || may(rule, sec)) continue;
    whorl_buf b = WHORL_BUF_INIT;
    const whorl_json *t = whorl_json_object_get(m, "tensors"), *sk = whorl_json_object_get(whorl_json_object_get(m, sec), "keys");
    if (!strcmp(sec, "weights") || !strcmp(sec, "architecture")) {
      static const char *const kinds[] = {"changed", "retyped", "added", "removed"};
      for (int k = 0; k < 4; k++) {
        const whorl_json *l = whorl_json_object_get(t, kinds[k]);
        if (!whorl_json_size(l) || (k == 0) != !strcmp(sec, "weights")) continue;
        whorl_buf_printf(&b, "%s%zu tensor%s %s (", b.len ? "; " : ": ", whorl_json_size(l), whorl_json_size(l) == 1 ? "" : "s", kinds[k]);
        names_text(l, "name", &b);
        whorl_buf_putc(&b, ')');
      }
      const whorl_json *rn = whorl_json_object_get(t, "renamed");
      if (whorl_json_size(rn) && !strcmp(sec, "architecture")) {
        whorl_buf_printf(&b, "%s%zu tensor%s renamed (", b.len ? "; " : ": ", whorl_json_size(rn), whorl_json_size(rn) == 1 ? "" : "s");
        for (size_t q = 0; q < whorl_json_size(rn) && q < 5; q++)
          whorl_buf_printf(&b, "%s%s -> %s", q ? ", " : "", str(whorl_json_array_get(rn, q), "from"), str(whorl_json_array_get(rn, q), "to"));
        if (whorl_json_size(rn) > 5) whorl_buf_printf(&b, ", and %zu more", whorl_json_size(rn) - 5);
        whorl_buf_putc(&b, ')');
      }
    } else if (!strcmp(sec, "extras")) {
      /* files beside the model: which ones */
      const whorl_json *en = whorl_json_object_get(m, "extras");
      static const char *const kinds[] = {"changed", "added", "removed"};
      for (int k = 0; k < 3; k++)
        if (whorl_json_size(whorl_json_object_get(en, kinds[k]))) {
          whorl_buf_printf(&b, "%s%s ", b.len ? "; " : ": ", kinds[k]);
          names_text(whorl_json_object_get(en, kinds[k]), "path", &b);
        }
      const whorl_json *rn = whorl_json_object_get(en, "renamed");
      for (size_t i = 0; i < whorl_json_size(rn) && i < 3; i++) {
        const whorl_json *e = whorl_json_array_get(rn, i);
        whorl_buf_printf(&b, "%s%s -> %s", i ? ", " : b.len ? "; renamed " : ": renamed ", str(whorl_json_object_get(e, "from"), "path"),
                         str(whorl_json_object_get(e, "to"), "path"));
      }
      finding(j, 1, sec, "files beside the model changed%s (they are in no model id, but the folder locked held them; "
              "not allowed; may_change: [extras] would allow it)", b.data ? b.data : "");
      whorl_buf_free(&b);
      continue;
    } else if (whorl_json_size(sk)) {
      for (size_t k = 0; k < whorl_json_size(sk) && k < 3; k++) {
        const whorl_json *e = whorl_json_array_get(sk, k);
        char o[64], n[64];
        value_text(whorl_json_object_get(e, "old"), o, sizeof o);
        value_text(whorl_json_object_get(e, "new"), n, sizeof n);
        whorl_buf_printf(&b, "%s%s %s -> %s", k ? ", " : ": ", str(e, "path"), o, n);
      }
      int64_t kc = whorl_json_object_get_int(whorl_json_object_get(m, sec), "keys_changed", 0);
      if (kc > 3) whorl_buf_printf(&b, " and %lld more", (long long)kc - 3);
    }
    finding(j, 1, sec, "model %s changed%s (not allowed; may_change: [%s] would allow it)", sec, b.data ? b.data : "", sec);
    whorl_buf_free(&b);
  }
  if (*str(m, "extras_unknown"))
    finding(j, 0, "extras", "locked before whorl recorded the files beside the model (README, modules.json, subfolders): "
            "they were not compared; 'whorl lock --update' records them");
  /* frozen config keys: a change at one, under one, or of an object or
   * array holding one (removed, replaced) fails even where config may change */
  const whorl_json *frozen = whorl_json_object_get(rule, "frozen_config"), *cfg = whorl_json_object_get(m, "config"),
                   *keys = whorl_json_object_get(cfg, "keys");
  if (whorl_json_size(frozen) && whorl_json_object_get_int(cfg, "keys_changed", 0) > (int64_t)whorl_json_size(keys))
    finding(j, 1, "frozen_config", "config changed in %lld keys, more than the diff lists: frozen keys cannot be verified",
            (long long)whorl_json_object_get_int(cfg, "keys_changed", 0));
  for (size_t k = 0; k < whorl_json_size(keys); k++) {
    const whorl_json *e = whorl_json_array_get(keys, k);
    const char *p = str(e, "path");
    for (size_t f = 0; f < whorl_json_size(frozen); f++) {
      const char *fk = whorl_json_get_string(whorl_json_array_get(frozen, f), NULL);
      if (!fk) continue;
      const char *leaf = strrchr(p, '/');
      size_t fl = strlen(fk), pl = strlen(p);
      int hit;
      if (fk[0] == '/')
        hit = (!strncmp(p, fk, fl) && (p[fl] == 0 || p[fl] == '/')) || /* the key, or under it */
              (pl < fl && !strncmp(fk, p, pl) && fk[pl] == '/');      /* an object holding it */
      else
        hit = (leaf && !strcmp(leaf + 1, fk)) || holds_key(whorl_json_object_get(e, "old"), fk, 0) ||
              holds_key(whorl_json_object_get(e, "new"), fk, 0);
      if (hit) {
        char o[64], n[64];
        value_text(whorl_json_object_get(e, "old"), o, sizeof o);
        value_text(whorl_json_object_get(e, "new"), n, sizeof n);
        int exact = !strcmp(p, fk) || (leaf && !strcmp(leaf + 1, fk));
        finding(j, 1, "frozen_config", "config key %s changed: %s -> %s (frozen%s%s)", p, o, n, exact ? "" : ": holds ", exact ? "" : fk);
        break;
      }
    }
  }
  const whorl_json *un = whorl_json_object_get(m, "unsafe");
  int allow = whorl_json_get_bool(whorl_json_object_get(rule, "allow_unsafe"));
  int same = whorl_json_get_bool(whorl_json_object_get(r, "identical")) || !strcmp(str(r, "verdict"), "identical");
  if (whorl_json_size(un) && !allow) {
    whorl_buf fb = WHORL_BUF_INIT;
    for (size_t k = 0; k < whorl_json_size(un) && k < 3; k++)
      whorl_buf_printf(&fb, "%s%s", k ? "; " : "", str(whorl_json_array_get(un, k), "finding"));
    if (whorl_json_size(un) > 3) whorl_buf_printf(&fb, "; and %zu more", whorl_json_size(un) - 3);
    /* a new payload is never accepted: do not say allow_unsafe would */
    finding(j, 1, "unsafe", "%zu unsafe pickle finding%s: %s (%s)", whorl_json_size(un), whorl_json_size(un) == 1 ? "" : "s",
            fb.data ? fb.data : "",
            unsafe_new ? "allow_unsafe: true accepts only the findings locked, not these; review, then whorl lock --update"
                       : "allow_unsafe: true would accept them");
    whorl_buf_free(&fb);
  }
  if (whorl_json_size(un) && same) {
    /* never a bare "identical" for a model with unsafe findings: it fails
     * ("unchanged, but unsafe"), or the policy accepted them (say so) */
    whorl_buf b = WHORL_BUF_INIT;
    unsafe_globals(un, &b);
    snprintf(j->note, sizeof j->note, allow ? "identical; unsafe findings accepted by the policy (allow_unsafe): %s" : "unchanged, but unsafe: %s",
             b.data ? b.data : "");
    whorl_buf_free(&b);
  }
}

/* Feature pipelines: each changed part needs may_change; a changed matrix
 * is judged as a table too (order, append, schema, drift). */
static void judge_features(judge *j, const whorl_json *rule, const whorl_json *r) {
  const whorl_json *f = whorl_json_object_get(r, "features"), *changed = whorl_json_object_get(f, "changed");
  for (size_t i = 0; i < whorl_json_size(changed); i++) {
    const char *part = whorl_json_get_string(whorl_json_array_get(changed, i), NULL);
    if (!part) continue;
    if (!strcmp(part, "matrix")) {
      const whorl_json *mr = whorl_json_object_get(f, "matrix");
      if (!may(rule, "matrix") && !may(rule, "content"))
        finding(j, 1, "matrix", "feature matrix changed: %s (not allowed; may_change: [matrix] would allow it)", str(mr, "verdict"));
      /* its schema and drift findings (also where it may change) */
      if (whorl_json_object_get(mr, "table")) judge_table(j, rule, mr, 1);
    } else if (!may(rule, part)) {
      const whorl_json *keys = whorl_json_object_get(whorl_json_object_get(f, "pipeline"), "keys");
      if (!strcmp(part, "pipeline") && whorl_json_size(keys)) {
        whorl_buf b = WHORL_BUF_INIT;
        for (size_t k = 0; k < whorl_json_size(keys) && k < 3; k++) {
          const whorl_json *e = whorl_json_array_get(keys, k);
          char o[64], n[64];
          value_text(whorl_json_object_get(e, "old"), o, sizeof o);
          value_text(whorl_json_object_get(e, "new"), n, sizeof n);
          whorl_buf_printf(&b, "%s%s %s: %s -> %s", k ? ", " : "", str(e, "op"), str(e, "path"), o, n);
        }
        int64_t kc = whorl_json_object_get_int(whorl_json_object_get(f, "pipeline"), "keys_changed", 0);
        if (kc > 3) whorl_buf_printf(&b, " and %lld more", (long long)kc - 3);
        finding(j, 1, part, "pipeline spec changed: %s (not allowed; may_change: [pipeline] would allow it)", b.data ? b.data : "");
        whorl_buf_free(&b);
      }
      else if (!strcmp(part, "input")) {
        const whorl_json *in = whorl_json_object_get(f, "input");
        finding(j, 1, part, "feature input changed: data %.12s... -> %.12s... (not allowed; may_change: [input] would allow it)", str(in, "a"), str(in, "b"));
      } else if (!strcmp(part, "code")) {
        const whorl_json *c = whorl_json_object_get(f, "code");
        whorl_buf b = WHORL_BUF_INIT;
        static const char *const kinds[] = {"changed", "added", "removed"};
        for (int k = 0; k < 3; k++)
          if (whorl_json_size(whorl_json_object_get(c, kinds[k]))) {
            whorl_buf_printf(&b, "%s%s ", b.len ? "; " : ": ", kinds[k]);
            names_text(whorl_json_object_get(c, kinds[k]), NULL, &b);
          }
        finding(j, 1, part, "feature code changed%s (not allowed; may_change: [code] would allow it)", b.data ? b.data : "");
        whorl_buf_free(&b);
      } else finding(j, 1, part, "feature %s changed (not allowed; may_change: [%s] would allow it)", part, part);
    }
  }
}

int whorl_check(const char *lock_path, const char *policy_path, const whorl_fp_options *opts, whorl_json **report, int *failed,
                whorl_error *err) {
  *report = NULL;
  *failed = 0;
  whorl_json *lock = NULL, *policy = NULL;
  struct stat st;
  if (stat(lock_path, &st) != 0) {
    if (errno == ENOENT)
      return whorl__error(err, WHORL_ENOENT, lock_path, -1, "no such lock file: whorl lock PATH... writes one (or --lock FILE names it)");
    return whorl__error_errno(err, errno, lock_path, NULL);
  }
  int rc = read_lock(lock_path, &lock, err);
  if (!rc) rc = load_policy(policy_path, &policy, err);
  if (rc) {
    whorl_json_free(lock);
    return rc;
  }
  whorl_fp_options base = WHORL_FP_OPTIONS_INIT;
  if (opts) base = *opts;
  base.chunks = 0;
  char dir[PATH_MAX];
  lock_dir(lock_path, dir, sizeof dir);
  const whorl_json *arts = whorl_json_object_get(lock, "artifacts");
  if (!whorl_json_size(arts)) {
    whorl_json_free(lock);
    whorl_json_free(policy);
    return whorl__error(err, WHORL_EINVAL, lock_path, -1, "no artifacts locked: nothing to check (whorl lock PATH first)");
  }
  whorl_json *rep = whorl_json_object(), *list = whorl_json_array();
  int npass = 0, nwarn = 0, nfail = 0;
  const whorl_json *prules = whorl_json_object_get(policy, "rules");
  unsigned char *used = calloc(whorl_json_size(prules) + 1, 1);
  ownfiles *of = malloc(sizeof *of);
  for (size_t i = 0; i < whorl_json_size(arts); i++) {
    size_t nl;
    const char *name = whorl_json_object_key(arts, i, &nl);
    const whorl_json *e = whorl_json_object_value(arts, i), *locked = whorl_json_object_get(e, "fingerprint");
    long which;
    const whorl_json *rule = rule_for(policy, name, &which);
    if (which >= 0 && used) used[which] = 1;
    judge j = {whorl_json_array(), 0, 0, ""};
    whorl_json *a = whorl_json_object();
    whorl_json_object_set(a, "name", whorl_json_string(name));
    char p[PATH_MAX * 2];
    resolve(dir, name, p, sizeof p);
    whorl_fp_options o = base;
    pool pl = {NULL, 0, 0};
    opts_from(whorl_json_object_get(e, "options"), dir, &o, &pl);
    whorl_level lv;
    if (!whorl_level_parse(str(locked, "level"), &lv)) o.level = lv;
    /* progressive: the stat cache, then the quick tier, then the whole file */
    const char *qid = whorl_json_object_get_string(e, "quick");
    if (qid && !strcmp(str(locked, "kind"), "file") && o.level == WHORL_LEVEL_CONTENT) o.expect_quick = qid;
    whorl_json *cur = NULL, *d = NULL;
    whorl_error e2;
    whorl_error_clear(&e2);
    int same = 0;
    if (of) {
      own_files(lock_path, p, of);
      o.exclude = of->ptr, o.nexclude = of->n;
    }
    if (access(p, F_OK) != 0) {
      char to[PATH_MAX * 2];
      if (renamed_to(p, locked, arts, dir, to, sizeof to))
        finding(&j, 1, "missing", "%s is missing; %s has its exact content (renamed? lock it under its new name, "
                "and drop the old entry: whorl lock --remove)", p, to);
      else
        finding(&j, 1, "missing", "%s is missing (restore it; if it was removed on purpose, drop it from the lock: "
                "whorl lock --remove)", p);
    } else if (fingerprint_entry(p, &o, &cur, &e2) != WHORL_OK) {
      char b2[WHORL_ERROR_MSG_MAX + WHORL_ERROR_PATH_MAX + 64];
      finding(&j, 1, "unreadable", "cannot be read: %s", whorl_error_format(&e2, b2, sizeof b2));
    } else if (o.expect_quick && !strcmp(str(cur, "level"), "quick")) {
      /* the quick tier differs: changed, without reading the whole file */
      int64_t sa = whorl_json_object_get_int(locked, "size", -1), sb = whorl_json_object_get_int(cur, "size", -1);
      char what[160];
      if (sa != sb) snprintf(what, sizeof what, "size %lld -> %lld", (long long)sa, (long long)sb);
      else snprintf(what, sizeof what, "sampled blocks differ");
      whorl_json_object_set(a, "verdict", whorl_json_string("content changed"));
      if (!may(rule, "content"))
        finding(&j, 1, "content", "content changed: %s, found by the quick tier without reading the whole file "
                "(not allowed; may_change: [content] would allow it)", what);
      d = whorl_json_object();
      whorl_json_object_set(d, "verdict", whorl_json_string("content changed"));
      whorl_json_object_set(d, "tier", whorl_json_string("quick"));
      whorl_json_object_set(d, "note", whorl_json_string(what));
      whorl_json_object_set(a, "diff", d);
      d = NULL;
    } else if (whorl_diff(locked, cur, &d, &same, &e2) != WHORL_OK) {
      char b2[WHORL_ERROR_MSG_MAX + WHORL_ERROR_PATH_MAX + 64];
      const char *lr = str(locked, "rules"), *cr = str(cur, "rules");
      if (!strcmp(str(locked, "kind"), str(cur, "kind")) && strcmp(lr, cr))
        finding(&j, 1, "incomparable",
                "locked by another whorl version (rules %s, this whorl makes %s): review the artifact, then "
                "'whorl lock --update %s' records it under the new rules",
                *lr ? lr : "none", cr, name);
      else
        finding(&j, 1, "incomparable", "cannot be compared with its locked fingerprint: %s", whorl_error_format(&e2, b2, sizeof b2));
    } else {
      whorl_json_object_set(a, "verdict", whorl_json_string(str(d, "verdict")));
      const char *kind = str(locked, "kind");
      if (!strcmp(kind, "table")) {
        /* a column rule for a column the table never had: most often a
         * typo, which would leave that column's thresholds unset */
        const whorl_json *rc2 = whorl_json_object_get(rule, "columns");
        for (size_t q = 0; q < whorl_json_size(rc2); q++) {
          const char *cn = whorl_json_object_key(rc2, q, NULL);
          int have = 0;
          for (int side = 0; side < 2 && !have; side++) {
            const whorl_json *cs = whorl_json_object_get(side ? locked : cur, "columns");
            for (size_t c = 0; c < whorl_json_size(cs) && !have; c++) have = !strcmp(str(whorl_json_array_get(cs, c), "name"), cn);
          }
          if (!have) finding(&j, 0, "columns", "the policy names column \"%s\", which this table does not have (a typo?)", cn);
        }
      }
      if (!strcmp(kind, "table") && whorl_json_object_get(d, "table")) judge_table(&j, rule, d, 0);
      else if (!strcmp(kind, "model") && whorl_json_object_get(d, "model")) judge_model(&j, rule, d);
      else if (!strcmp(kind, "features") && whorl_json_object_get(d, "features")) judge_features(&j, rule, d);
      else if (!same && strcmp(kind, str(cur, "kind")))
        finding(&j, 1, "kind", "now read as a %s, locked as a %s%s", str(cur, "kind"), kind,
                !strcmp(kind, "model") ? " (a model folder without its weights or config?)" : "");
      else if (!same && !may(rule, "content")) {
        whorl_buf b = WHORL_BUF_INIT;
        const whorl_json *en = whorl_json_object_get(d, "entries");
        static const char *const kinds[] = {"changed", "added", "removed"};
        for (int k = 0; k < 3; k++)
          if (whorl_json_size(whorl_json_object_get(en, kinds[k]))) {
            whorl_buf_printf(&b, "%s%s ", b.len ? "; " : ": ", kinds[k]);
            names_text(whorl_json_object_get(en, kinds[k]), "path", &b);
          }
        const whorl_json *rn = whorl_json_object_get(en, "renamed");
        for (size_t i = 0; i < whorl_json_size(rn) && i < 3; i++) {
          const whorl_json *e = whorl_json_array_get(rn, i);
          whorl_buf_printf(&b, "%s%s -> %s", b.len ? (i ? ", " : "; renamed ") : ": renamed ", str(whorl_json_object_get(e, "from"), "path"),
                           str(whorl_json_object_get(e, "to"), "path"));
        }
        finding(&j, 1, "content", "%s%s (not allowed; may_change: [content] would allow it)", str(d, "verdict"), b.data ? b.data : "");
        whorl_buf_free(&b);
      }
      /* a pickle among a file's or folder's files: loading it may run code */
      const char *ck = str(cur, "kind");
      const whorl_json *un = whorl_json_object_get(cur, "unsafe");
      if ((!strcmp(ck, "file") || !strcmp(ck, "folder")) && whorl_json_size(un) &&
          !whorl_json_get_bool(whorl_json_object_get(rule, "allow_unsafe"))) {
        whorl_buf fb = WHORL_BUF_INIT;
        for (size_t k = 0; k < whorl_json_size(un) && k < 3; k++)
          whorl_buf_printf(&fb, "%s%s (%s)", k ? "; " : "", str(whorl_json_array_get(un, k), "finding"),
                           str(whorl_json_array_get(un, k), "where"));
        if (whorl_json_size(un) > 3) whorl_buf_printf(&fb, "; and %zu more", whorl_json_size(un) - 3);
        finding(&j, 1, "unsafe", "%zu unsafe pickle finding%s: %s (allow_unsafe: true would accept them)", whorl_json_size(un),
                whorl_json_size(un) == 1 ? "" : "s", fb.data ? fb.data : "");
        whorl_buf_free(&fb);
      }
      whorl_json_object_set(a, "diff", d);
      d = NULL;
    }
    if (j.note[0]) whorl_json_object_set(a, "verdict", whorl_json_string(j.note));
    whorl_json_free(cur);
    whorl_json_free(d);
    pool_free(&pl);
    const char *status = j.fail ? "fail" : j.warn ? "warn" : "pass";
    nfail += j.fail > 0, nwarn += !j.fail && j.warn, npass += !j.fail && !j.warn;
    whorl_json_object_set(a, "status", whorl_json_string(status));
    whorl_json_object_set(a, "findings", j.findings);
    whorl_json_array_append(list, a);
  }
  whorl_json_object_set(rep, "whorl_check", whorl_json_int(WHORL_CHECK_VERSION));
  whorl_json_object_set(rep, "lock", whorl_json_string(lock_path));
  whorl_json_object_set(rep, "policy", policy_path ? whorl_json_string(policy_path) : whorl_json_null());
  whorl_json_object_set(rep, "passed", whorl_json_int(npass));
  whorl_json_object_set(rep, "warnings", whorl_json_int(nwarn));
  whorl_json_object_set(rep, "failures", whorl_json_int(nfail));
  whorl_json_object_set(rep, "artifacts", list);
  /* a rule no artifact reaches is most likely a typo in its pattern */
  whorl_json *unused = whorl_json_array();
  for (size_t i = 0; used && i < whorl_json_size(prules); i++)
    if (!used[i]) whorl_json_array_append(unused, whorl_json_string(str(whorl_json_array_get(prules, i), "match")));
  free(used);
  free(of);
  if (whorl_json_size(unused)) whorl_json_object_set(rep, "unused_rules", unused);
  else whorl_json_free(unused);
  whorl_json_free(lock);
  whorl_json_free(policy);
  *report = rep;
  *failed = nfail;
  return WHORL_OK;
}

/* ---- rendering --------------------------------------------------------------------------------- */

static void xml_escape(whorl_buf *b, const char *s) {
  for (; *s; s++) {
    switch (*s) {
    case '<': whorl_buf_puts(b, "&lt;"); break;
    case '>': whorl_buf_puts(b, "&gt;"); break;
    case '&': whorl_buf_puts(b, "&amp;"); break;
    case '"': whorl_buf_puts(b, "&quot;"); break;
    default:
      if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t') whorl_buf_putc(b, '?');
      else whorl_buf_putc(b, *s);
    }
  }
}

static void md_escape(whorl_buf *b, const char *s) {
  for (; *s; s++) {
    if (*s == '<') whorl_buf_puts(b, "&lt;");
    else if (*s == '>') whorl_buf_puts(b, "&gt;");
    else if (*s == '&') whorl_buf_puts(b, "&amp;");
    else {
      if (strchr("|`*_[]\\", *s)) whorl_buf_putc(b, '\\');
      whorl_buf_putc(b, *s == '\n' || *s == '\r' ? ' ' : *s);
    }
  }
}

static void md_escape_text(whorl_buf *b, const char *s, size_t n) {
  char *t = strndup(s, n);
  if (t) md_escape(b, t);
  free(t);
}

/* Text for a terminal: control characters (from spec keys, file names,
 * config keys) as \xNN, so none starts a line or an escape sequence. */
static void text_escape(whorl_buf *b, const char *s) {
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c < 0x20 || c == 0x7f) whorl_buf_printf(b, "\\x%02x", c);
    else whorl_buf_putc(b, *s);
  }
}

/* A word for a shell command line: quoted when it needs to be. */
static void shell_word(whorl_buf *b, const char *s) {
  if (*s && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._/-+=:,@") == strlen(s)) {
    whorl_buf_puts(b, s);
    return;
  }
  whorl_buf_putc(b, '\'');
  for (; *s; s++) {
    if (*s == '\'') whorl_buf_puts(b, "'\\''");
    else if ((unsigned char)*s < 0x20 || *s == 0x7f) whorl_buf_printf(b, "\\x%02x", (unsigned char)*s);
    else whorl_buf_putc(b, *s);
  }
  whorl_buf_putc(b, '\'');
}

/* What to do next after a failed check: the commands that accept the
 * failures, if they are intended (changed: --update; gone: --remove). */
static void next_steps(whorl_buf *b, const whorl_json *r, const char *prefix) {
  const whorl_json *arts = whorl_json_object_get(r, "artifacts");
  whorl_buf upd = WHORL_BUF_INIT, rem = WHORL_BUF_INIT, uns = WHORL_BUF_INIT;
  for (size_t i = 0; i < whorl_json_size(arts); i++) {
    const whorl_json *a = whorl_json_array_get(arts, i), *fs = whorl_json_object_get(a, "findings");
    if (strcmp(str(a, "status"), "fail")) continue;
    int gone = 0, unreadable = 0, other = 0;
    for (size_t k = 0; k < whorl_json_size(fs); k++) {
      const char *rule = str(whorl_json_array_get(fs, k), "rule");
      gone |= !strcmp(rule, "missing");
      unreadable |= !strcmp(rule, "unreadable");
      other |= strcmp(rule, "unsafe") != 0; /* (unsafe_changed: reviewed, it is recorded with lock --update) */
    }
    if (unreadable) continue; /* to be repaired, not accepted */
    if (!other) { /* unsafe pickles alone: updating the lock changes nothing */
      whorl_buf_putc(&uns, ' ');
      shell_word(&uns, str(a, "name"));
      continue;
    }
    whorl_buf *w = gone ? &rem : &upd;
    whorl_buf_putc(w, ' ');
    shell_word(w, str(a, "name"));
  }
  const char *lock = str(r, "lock");
  whorl_buf lk = WHORL_BUF_INIT;
  if (strcmp(lock, "whorl.lock")) {
    whorl_buf_puts(&lk, " --lock ");
    shell_word(&lk, lock);
  }
  if (upd.len)
    whorl_buf_printf(b, "%sif these changes are intended, record them: whorl lock%s --update%s (then commit the lock file), "
                     "or let the policy allow them (docs/check.md)\n", prefix, lk.data ? lk.data : "", upd.data);
  if (rem.len)
    whorl_buf_printf(b, "%sif these artifacts were removed or renamed on purpose: whorl lock%s --remove%s\n", prefix,
                     lk.data ? lk.data : "", rem.data);
  if (uns.len)
    whorl_buf_printf(b, "%sunsafe pickles in%s: review what they would run; if you trust them, a policy rule with "
                     "allow_unsafe: true accepts them (docs/check.md)\n", prefix, uns.data);
  whorl_buf_free(&upd);
  whorl_buf_free(&rem);
  whorl_buf_free(&uns);
  whorl_buf_free(&lk);
}

int whorl_check_render(const whorl_json *r, const char *format, char **out, size_t *len, whorl_error *err) {
  *out = NULL;
  whorl_buf b = WHORL_BUF_INIT;
  const whorl_json *arts = whorl_json_object_get(r, "artifacts");
  int64_t np = whorl_json_object_get_int(r, "passed", 0), nw = whorl_json_object_get_int(r, "warnings", 0),
          nf = whorl_json_object_get_int(r, "failures", 0);
  if (!format || !strcmp(format, "text")) {
    for (size_t i = 0; i < whorl_json_size(arts); i++) {
      const whorl_json *a = whorl_json_array_get(arts, i), *fs = whorl_json_object_get(a, "findings");
      const char *st = str(a, "status");
      whorl_buf_printf(&b, "%-4s ", !strcmp(st, "pass") ? "ok" : !strcmp(st, "warn") ? "WARN" : "FAIL");
      text_escape(&b, str(a, "name"));
      if (*str(a, "verdict")) {
        whorl_buf_puts(&b, "  (");
        text_escape(&b, str(a, "verdict"));
        whorl_buf_putc(&b, ')');
      }
      whorl_buf_putc(&b, '\n');
      for (size_t k = 0; k < whorl_json_size(fs); k++) {
        const whorl_json *f = whorl_json_array_get(fs, k);
        whorl_buf_printf(&b, "     %s: ", str(f, "level"));
        text_escape(&b, str(f, "message"));
        whorl_buf_putc(&b, '\n');
      }
    }
    const whorl_json *un = whorl_json_object_get(r, "unused_rules");
    for (size_t i = 0; i < whorl_json_size(un); i++)
      whorl_buf_printf(&b, "note: policy rule \"%s\" matches no locked artifact (or an earlier rule takes them)\n",
                       whorl_json_get_string(whorl_json_array_get(un, i), NULL));
    whorl_buf_printf(&b, "%lld passed, %lld with warnings, %lld failed\n", (long long)np, (long long)nw, (long long)nf);
    if (nf) {
      whorl_buf nb = WHORL_BUF_INIT;
      next_steps(&nb, r, "next: ");
      for (const char *l = nb.data; l && *l;) { /* control characters in names as \x escapes, line by line */
        const char *e = strchr(l, '\n');
        char *t = strndup(l, e ? (size_t)(e - l) : strlen(l));
        if (t) text_escape(&b, t);
        free(t);
        whorl_buf_putc(&b, '\n');
        l = e ? e + 1 : l + strlen(l);
      }
      whorl_buf_free(&nb);
    }
  } else if (!strcmp(format, "json")) {
    char *t = NULL;
    size_t n = 0;
    if (whorl_json_pretty(r, &t, &n)) return whorl__error(err, WHORL_ENOMEM, NULL, -1, "out of memory");
    whorl_buf_put(&b, t, n);
    free(t);
  } else if (!strcmp(format, "markdown")) {
    whorl_buf_printf(&b, "### whorl check: %s\n\n", nf ? "failed" : nw ? "passed with warnings" : "passed");
    whorl_buf_puts(&b, "| | artifact | result | findings |\n|---|---|---|---|\n");
    for (size_t i = 0; i < whorl_json_size(arts); i++) {
      const whorl_json *a = whorl_json_array_get(arts, i), *fs = whorl_json_object_get(a, "findings");
      const char *st = str(a, "status");
      whorl_buf_printf(&b, "| %s | ", !strcmp(st, "pass") ? "✅" : !strcmp(st, "warn") ? "⚠️" : "❌");
      md_escape(&b, str(a, "name")); /* escaped text, not a code span: a | or ` in a name must not break the table */
      whorl_buf_puts(&b, " | ");
      md_escape(&b, *str(a, "verdict") ? str(a, "verdict") : st);
      whorl_buf_puts(&b, " | ");
      for (size_t k = 0; k < whorl_json_size(fs); k++) {
        if (k) whorl_buf_puts(&b, "<br>");
        md_escape(&b, str(whorl_json_array_get(fs, k), "message"));
      }
      whorl_buf_puts(&b, " |\n");
    }
    whorl_buf_printf(&b, "\n%lld passed, %lld with warnings, %lld failed.\n", (long long)np, (long long)nw, (long long)nf);
    const whorl_json *un = whorl_json_object_get(r, "unused_rules");
    for (size_t i = 0; i < whorl_json_size(un); i++) {
      whorl_buf_puts(&b, i ? ", " : "\nPolicy rules that match no locked artifact: ");
      md_escape(&b, whorl_json_get_string(whorl_json_array_get(un, i), NULL));
    }
    if (whorl_json_size(un)) whorl_buf_puts(&b, ".\n");
    if (nf) {
      whorl_buf nb = WHORL_BUF_INIT;
      next_steps(&nb, r, "");
      for (const char *l = nb.data; l && *l;) { /* one code line each */
        const char *e = strchr(l, '\n'), *c = strstr(l, "whorl lock");
        size_t ll = e ? (size_t)(e - l) : strlen(l);
        const char *ce = c ? strstr(c, " (then") : NULL;
        if (!ce || ce > l + ll) ce = l + ll;
        if (c && c < l + ll) {
          whorl_buf_puts(&b, "\n");
          md_escape_text(&b, l, (size_t)(c - l));
          whorl_buf_puts(&b, "\n\n```\n");
          whorl_buf_put(&b, c, (size_t)(ce - c));
          whorl_buf_puts(&b, "\n```\n");
        }
        l = e ? e + 1 : l + ll;
      }
      whorl_buf_free(&nb);
    }
  } else if (!strcmp(format, "junit")) {
    whorl_buf_printf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"whorl check\" tests=\"%zu\" failures=\"%lld\" errors=\"0\" skipped=\"0\">\n",
                     whorl_json_size(arts), (long long)nf);
    for (size_t i = 0; i < whorl_json_size(arts); i++) {
      const whorl_json *a = whorl_json_array_get(arts, i), *fs = whorl_json_object_get(a, "findings");
      whorl_buf_puts(&b, "    <testcase classname=\"whorl.check\" name=\"");
      xml_escape(&b, str(a, "name"));
      whorl_buf_puts(&b, "\">\n");
      /* one <failure> (the first failing rule in its attributes, every
       * failure in its text) and one <system-out> (the warnings): the JUnit
       * schema allows one of each, and some CI readers keep only the first */
      size_t nfail = 0;
      for (size_t k = 0; k < whorl_json_size(fs); k++) nfail += !strcmp(str(whorl_json_array_get(fs, k), "level"), "fail");
      for (int pass = 0; pass < 2; pass++) {
        size_t seen = 0;
        for (size_t k = 0; k < whorl_json_size(fs); k++) {
          const whorl_json *f = whorl_json_array_get(fs, k);
          if (!strcmp(str(f, "level"), "fail") != !pass) continue;
          if (!pass && !seen) {
            whorl_buf_puts(&b, "      <failure type=\"");
            xml_escape(&b, str(f, "rule"));
            whorl_buf_puts(&b, "\" message=\"");
            xml_escape(&b, str(f, "message"));
            if (nfail > 1) whorl_buf_printf(&b, " (and %zu more)", nfail - 1);
            whorl_buf_puts(&b, "\">");
          } else if (pass && !seen) {
            whorl_buf_puts(&b, "      <system-out>");
          }
          if (seen) whorl_buf_putc(&b, '\n');
          if (pass) whorl_buf_puts(&b, "warning ");
          else {
            xml_escape(&b, str(f, "rule"));
            whorl_buf_puts(&b, ": ");
          }
          xml_escape(&b, str(f, "message"));
          seen++;
        }
        if (seen) whorl_buf_puts(&b, pass ? "</system-out>\n" : "</failure>\n");
      }
      whorl_buf_puts(&b, "    </testcase>\n");
    }
    whorl_buf_puts(&b, "  </testsuite>\n</testsuites>\n");
  } else {
    return whorl__error(err, WHORL_EINVAL, NULL, -1, "unknown format '%s' (text, json, markdown, junit)", format);
  }
  if (b.oom) {
    whorl_buf_free(&b);
    return whorl__error(err, WHORL_ENOMEM, NULL, -1, "out of memory");
  }
  *out = whorl_buf_detach(&b, len);
  return WHORL_OK;
}
