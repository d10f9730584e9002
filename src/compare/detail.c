/* detail.c - byte ranges inside the changed files of a folder diff, when
 * both folders are on disk: only those files are read again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "compare/compare_int.h"
#include "util/util.h"
#include "whorl/diff.h"
#include "whorl/fingerprint.h"
#include "whorl/hash.h"

/* "root/rel" with rel's exact bytes (path_hex when the name is not UTF-8). */
static char *join(const char *root, const whorl_json *entry) {
  const char *hex = whorl_json_object_get_string(entry, "path_hex");
  size_t rl = strlen(root), n;
  char *rel;
  if (hex) {
    n = strlen(hex) / 2;
    rel = malloc(n + 1);
    if (!rel || whorl_unhex(hex, 2 * n, (uint8_t *)rel, n)) {
      free(rel);
      return NULL;
    }
    rel[n] = 0;
  } else {
    const char *p = whorl_json_object_get_string(entry, "path");
    if (!p) return NULL;
    rel = strdup(p);
    if (!rel) return NULL;
    n = strlen(rel);
  }
  /* Never leave the folder: no absolute paths, no ".." components. */
  int bad = n == 0 || rel[0] == '/' || memchr(rel, 0, n) != NULL;
  for (const char *c = rel; !bad && c && *c;) {
    const char *slash = strchr(c, '/');
    size_t cl = slash ? (size_t)(slash - c) : strlen(c);
    if (cl == 2 && c[0] == '.' && c[1] == '.') bad = 1;
    c = slash ? slash + 1 : NULL;
  }
  if (bad) {
    free(rel);
    return NULL;
  }
  char *full = malloc(rl + n + 2);
  if (full) {
    memcpy(full, root, rl);
    full[rl] = '/';
    memcpy(full + rl + 1, rel, n + 1);
  }
  free(rel);
  return full;
}

int whorl_diff_detail(whorl_json *report, const char *path_a, const char *path_b,
                      const struct whorl_fp_options *opts, whorl_error *err) {
  whorl_json *a = whorl_json_object_get(report, "a");
  const char *kind = whorl_json_object_get_string(a, "kind"), *level = whorl_json_object_get_string(report, "level");
  /* Only content-level folder reports carry the BLAKE3 that checks the
   * files read again are the versions the report describes. */
  if (!kind || strcmp(kind, "folder") || !level || strcmp(level, "content")) return WHORL_OK;
  whorl_json *changed = whorl_json_object_get(whorl_json_object_get(report, "entries"), "changed");
  whorl_fp_options o = WHORL_FP_OPTIONS_INIT;
  if (opts) o = *opts;
  o.level = WHORL_LEVEL_CONTENT;
  o.chunks = 1;
  o.digests = 0;
  o.stats = NULL;
  o.on_progress = NULL;
  size_t done = 0, files = 0;
  for (size_t i = 0; i < whorl_json_size(changed); i++) {
    whorl_json *c = whorl_json_array_get(changed, i);
    whorl_json *ea = whorl_json_object_get(c, "a"), *eb = whorl_json_object_get(c, "b");
    const char *ta = whorl_json_object_get_string(ea, "type"), *tb = whorl_json_object_get_string(eb, "type");
    if (!ta || !tb || strcmp(ta, "file") || strcmp(tb, "file")) continue;
    if (++files > WHORL_DIFF_DETAIL_MAX) continue; /* counted for the note */
    char *fa = join(path_a, ea), *fb = join(path_b, eb);
    /* Still regular files (not links, not folders) on both sides. */
    struct stat sa, sb;
    if (!fa || !fb || lstat(fa, &sa) || lstat(fb, &sb) || !S_ISREG(sa.st_mode) || !S_ISREG(sb.st_mode)) {
      free(fa);
      free(fb);
      done++;
      continue;
    }
    whorl_json *da = NULL, *db = NULL;
    whorl_error e;
    int ok = fa && fb && whorl_fingerprint(fa, &o, &da, &e) == WHORL_OK && whorl_fingerprint(fb, &o, &db, &e) == WHORL_OK;
    /* The files must still be the versions the report describes. */
    if (ok) {
      const char *ha = whorl_json_object_get_string(ea, "blake3"), *hb = whorl_json_object_get_string(eb, "blake3");
      ok = ha && hb && !strcmp(ha, whorl_json_object_get_string(da, "id")) &&
           !strcmp(hb, whorl_json_object_get_string(db, "id"));
    }
    int rc = ok ? whorl__diff_file_chunks(da, db, c) : WHORL_OK;
    whorl_json_free(da);
    whorl_json_free(db);
    free(fa);
    free(fb);
    if (rc) return whorl__error(err, rc, NULL, -1, "out of memory");
    done++;
  }
  if (files > WHORL_DIFF_DETAIL_MAX)
    whorl_json_object_set(report, "detail_note",
                          whorl_json_string("byte ranges were worked out for the first 100 changed files only"));
  return WHORL_OK;
}
