/* walk.c - depth-first listing of a folder with .whorlignore rules. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/util.h"
#include "walk/ignore.h"
#include "walk/walk.h"

typedef struct walker {
  walk_result *res;
  whorl_ignore *ig;
  whorl_issue_cb on_issue;
  void *cb_ctx;
  const char *root;
  int oom;
} walker;

int whorl__path_cmp(const char *a, size_t alen, const char *b, size_t blen) {
  size_t i = 0, j = 0;
  for (;;) {
    if (i == alen && j == blen) return 0;
    if (i == alen) return -1;
    if (j == blen) return 1;
    unsigned char ca = (unsigned char)a[i], cb = (unsigned char)b[j];
    if (ca == cb) {
      i++;
      j++;
      continue;
    }
    /* A component ends before any byte of a longer component. */
    if (ca == '/') return -1;
    if (cb == '/') return 1;
    return ca < cb ? -1 : 1;
  }
}

static void issue(walker *w, int fatal, int code, const char *rel, const char *fmt, const char *detail) {
  whorl_error e;
  char path[WHORL_ERROR_PATH_MAX];
  snprintf(path, sizeof path, "%s%s%s", w->root, rel && *rel ? "/" : "", rel ? rel : "");
  whorl__error(&e, code, path, -1, fmt, detail);
  if (fatal) {
    if (!w->res->fatal) w->res->first = e;
    w->res->fatal++;
  }
  if (w->on_issue) w->on_issue(w->cb_ctx, &e, fatal);
}

static walk_entry *add(walker *w, const char *rel, size_t rel_len, walk_type t) {
  walk_result *r = w->res;
  if (r->n == r->cap) {
    size_t nc = r->cap ? r->cap * 2 : 256;
    walk_entry *p = realloc(r->entries, nc * sizeof *p);
    if (!p) {
      w->oom = 1;
      return NULL;
    }
    r->entries = p;
    r->cap = nc;
  }
  walk_entry *e = &r->entries[r->n];
  memset(e, 0, sizeof *e);
  e->rel = malloc(rel_len + 1);
  if (!e->rel) {
    w->oom = 1;
    return NULL;
  }
  memcpy(e->rel, rel, rel_len);
  e->rel[rel_len] = 0;
  e->rel_len = rel_len;
  e->type = t;
  r->n++;
  return e;
}

static int name_cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Walks folder `rel` (open as dirfd). Returns the number of recorded
 * entries below it. */
static size_t walk_dir(walker *w, int dfd, const char *rel) {
  size_t recorded = 0;
  struct stat before;
  if (fstat(dfd, &before) != 0) {
    issue(w, 1, whorl__status_from_errno(errno), rel, "cannot stat folder: %s", whorl__errno_text(errno));
    close(dfd);
    return 0;
  }
  DIR *d = fdopendir(dfd);
  if (!d) {
    issue(w, 1, whorl__status_from_errno(errno), rel, "cannot read folder: %s", whorl__errno_text(errno));
    close(dfd);
    return 0;
  }
  char **names = NULL;
  size_t n = 0, cap = 0;
  struct dirent *de;
  errno = 0;
  while ((de = readdir(d))) {
    if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 64;
      char **p = realloc(names, cap * sizeof *p);
      if (!p) {
        w->oom = 1;
        break;
      }
      names = p;
    }
    if (!(names[n] = strdup(de->d_name))) {
      w->oom = 1;
      break;
    }
    n++;
    errno = 0;
  }
  if (errno && !w->oom) issue(w, 1, whorl__status_from_errno(errno), rel, "cannot read folder: %s", whorl__errno_text(errno));
  /* Listing order is the file system's: sort so ids never depend on it. */
  if (n) qsort(names, n, sizeof *names, name_cmp);
  int fd = dirfd(d);
  size_t rlen = strlen(rel);

  /* This folder's .whorlignore applies to its own entries. */
  for (size_t i = 0; i < n; i++) {
    if (strcmp(names[i], ".whorlignore") != 0) continue;
    int ifd = openat(fd, ".whorlignore", O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    struct stat ist;
    if (ifd >= 0 && fstat(ifd, &ist) == 0 && S_ISREG(ist.st_mode) && ist.st_size <= (1 << 20)) {
      char *text = malloc((size_t)ist.st_size + 1);
      long long got = text ? whorl__pread_full(ifd, text, (size_t)ist.st_size, 0) : -1;
      if (got >= 0) {
        if (whorl_ignore_add(w->ig, rel, text, (size_t)got)) w->oom = 1;
      } else {
        issue(w, 1, WHORL_EIO, rel, "cannot read .whorlignore: %s", whorl__errno_text(errno));
      }
      free(text);
    } else if (ifd >= 0 && S_ISREG(ist.st_mode)) {
      issue(w, 1, WHORL_EUNSUPPORTED, rel, "%s", ".whorlignore larger than 1 MiB");
    }
    if (ifd >= 0) close(ifd);
  }

  char *child = NULL;
  size_t child_cap = 0;
  for (size_t i = 0; i < n && !w->oom; i++) {
    size_t nl = strlen(names[i]);
    size_t clen = rlen + (rlen ? 1 : 0) + nl;
    if (clen + 1 > child_cap) {
      child_cap = clen + 64;
      char *p = realloc(child, child_cap);
      if (!p) {
        w->oom = 1;
        break;
      }
      child = p;
    }
    memcpy(child, rel, rlen);
    if (rlen) child[rlen] = '/';
    memcpy(child + rlen + (rlen ? 1 : 0), names[i], nl);
    child[clen] = 0;

    struct stat st;
    if (fstatat(fd, names[i], &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) issue(w, 1, WHORL_ECHANGED, child, "%s", "vanished during the walk");
      else issue(w, 1, whorl__status_from_errno(errno), child, "cannot stat: %s", whorl__errno_text(errno));
      continue;
    }
    int is_dir = S_ISDIR(st.st_mode);
    if (is_dir && !strcmp(names[i], ".whorl")) continue;
    if (whorl_ignore_match(w->ig, child, is_dir)) continue;
    if (S_ISREG(st.st_mode)) {
      walk_entry *e = add(w, child, clen, WALK_FILE);
      if (e) e->st = st;
      recorded++;
    } else if (S_ISLNK(st.st_mode)) {
      size_t tcap = st.st_size > 0 ? (size_t)st.st_size + 1 : 256;
      char *t = malloc(tcap);
      ssize_t tl = t ? readlinkat(fd, names[i], t, tcap) : -1;
      if (tl < 0 || (size_t)tl >= tcap) {
        free(t);
        if (tl < 0 && errno == ENOENT) issue(w, 1, WHORL_ECHANGED, child, "%s", "vanished during the walk");
        else issue(w, 1, WHORL_ECHANGED, child, "%s", "symlink changed during the walk");
        continue;
      }
      walk_entry *e = add(w, child, clen, WALK_SYMLINK);
      if (e) {
        e->st = st;
        e->target = t;
        e->target_len = (size_t)tl;
      } else {
        free(t);
      }
      recorded++;
    } else if (is_dir) {
      int cfd = openat(fd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (cfd < 0) {
        issue(w, 1, whorl__status_from_errno(errno), child, "cannot open folder: %s", whorl__errno_text(errno));
        continue;
      }
      size_t below = walk_dir(w, cfd, child);
      if (below == 0) {
        walk_entry *e = add(w, child, clen, WALK_DIR);
        if (e) e->st = st;
        below = 1;
      }
      recorded += below;
    } else {
      const char *why = S_ISFIFO(st.st_mode) ? "fifo"
                        : S_ISSOCK(st.st_mode) ? "socket"
                        : S_ISCHR(st.st_mode)  ? "character device"
                        : S_ISBLK(st.st_mode)  ? "block device"
                                               : "special file";
      walk_entry *e = add(w, child, clen, WALK_SKIPPED);
      if (e) {
        e->st = st;
        e->skip_reason = why;
      }
      issue(w, 0, WHORL_EUNSUPPORTED, child, "skipped %s (special files are never read)", why);
    }
  }
  free(child);
  struct stat after;
  if (fstat(fd, &after) == 0 &&
      (after.st_mtim.tv_sec != before.st_mtim.tv_sec || after.st_mtim.tv_nsec != before.st_mtim.tv_nsec ||
       after.st_nlink != before.st_nlink))
    issue(w, 1, WHORL_ECHANGED, rel, "%s", "folder changed during the walk");
  for (size_t i = 0; i < n; i++) free(names[i]);
  free(names);
  closedir(d);
  return recorded;
}

int whorl__walk(const char *root, walk_result *res, whorl_issue_cb on_issue, void *cb_ctx) {
  memset(res, 0, sizeof *res);
  whorl_error_clear(&res->first);
  walker w = {res, NULL, on_issue, cb_ctx, root, 0};
  if (whorl_ignore_new(&w.ig)) return WHORL_ENOMEM;
  int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    issue(&w, 1, whorl__status_from_errno(errno), "", "cannot open folder: %s", whorl__errno_text(errno));
  } else {
    walk_dir(&w, fd, "");
  }
  whorl_ignore_free(w.ig);
  return w.oom ? WHORL_ENOMEM : WHORL_OK;
}

void whorl__walk_free(walk_result *res) {
  for (size_t i = 0; i < res->n; i++) {
    free(res->entries[i].rel);
    free(res->entries[i].target);
  }
  free(res->entries);
  memset(res, 0, sizeof *res);
}
