/* walk.c - listing of a folder with .whorlignore rules, on several threads
 * (a shared queue of folders; the entry order is fixed later by sorting). */
#include <dirent.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/syscall.h>
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
  pthread_rwlock_t ig_lock; /* rules are added while other threads match */
  whorl_issue_cb on_issue;
  void *cb_ctx;
  const char *root;
  int rootfd;
  int oom;

  /* Folders waiting to be listed (relative paths), shared by the threads. */
  pthread_mutex_t mu;
  pthread_cond_t cv;
  char **queue;
  size_t qlen, qcap;
  int active; /* threads listing a folder right now */
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
  pthread_mutex_lock(&w->mu);
  if (fatal) {
    if (!w->res->fatal) w->res->first = e;
    w->res->fatal++;
  }
  if (w->on_issue) w->on_issue(w->cb_ctx, &e, fatal);
  pthread_mutex_unlock(&w->mu);
}

/* Entries of one folder, gathered without locks and handed over at once. */
typedef struct batch {
  walk_entry *e;
  size_t n, cap;
} batch;

static walk_entry *add(walker *w, batch *b, const char *rel, size_t rel_len, walk_type t) {
  if (b->n == b->cap) {
    size_t nc = b->cap ? b->cap * 2 : 64;
    walk_entry *p = realloc(b->e, nc * sizeof *p);
    if (!p) {
      w->oom = 1;
      return NULL;
    }
    b->e = p;
    b->cap = nc;
  }
  walk_entry *e = &b->e[b->n];
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
  b->n++;
  return e;
}

static void hand_over(walker *w, batch *b) {
  if (!b->n) return;
  pthread_mutex_lock(&w->mu);
  walk_result *r = w->res;
  if (r->n + b->n > r->cap) {
    size_t nc = r->cap ? r->cap : 256;
    while (nc < r->n + b->n) nc *= 2;
    walk_entry *p = realloc(r->entries, nc * sizeof *p);
    if (!p) {
      w->oom = 1;
    } else {
      r->entries = p;
      r->cap = nc;
    }
  }
  if (r->n + b->n <= r->cap) {
    memcpy(r->entries + r->n, b->e, b->n * sizeof *b->e);
    r->n += b->n;
  } else {
    for (size_t i = 0; i < b->n; i++) {
      free(b->e[i].rel);
      free(b->e[i].target);
    }
  }
  pthread_mutex_unlock(&w->mu);
  b->n = 0;
}

static void push_dir(walker *w, const char *rel) {
  char *copy = strdup(rel);
  pthread_mutex_lock(&w->mu);
  if (!copy) {
    w->oom = 1;
  } else {
    if (w->qlen == w->qcap) {
      size_t nc = w->qcap ? w->qcap * 2 : 64;
      char **q = realloc(w->queue, nc * sizeof *q);
      if (q) {
        w->queue = q;
        w->qcap = nc;
      }
    }
    if (w->qlen < w->qcap) w->queue[w->qlen++] = copy;
    else {
      free(copy);
      w->oom = 1;
    }
  }
  pthread_cond_signal(&w->cv);
  pthread_mutex_unlock(&w->mu);
}

static int ignored(walker *w, const char *rel, int is_dir) {
  pthread_rwlock_rdlock(&w->ig_lock);
  int r = whorl_ignore_match(w->ig, rel, is_dir);
  pthread_rwlock_unlock(&w->ig_lock);
  return r;
}

int whorl__open_beneath(int rootfd, const char *rel, int flags) {
  flags |= O_NOFOLLOW | O_CLOEXEC;
  if (!*rel) return (flags & O_DIRECTORY) ? dup(rootfd) : (errno = EISDIR, -1);
#ifdef SYS_openat2
  struct {
    uint64_t flags, mode, resolve;
  } how = {(uint64_t)flags, 0, 0x04 /* RESOLVE_NO_SYMLINKS */ | 0x08 /* RESOLVE_BENEATH */};
  long fd = syscall(SYS_openat2, rootfd, rel, &how, sizeof how);
  if (fd >= 0 || (errno != ENOSYS && errno != ENAMETOOLONG && errno != E2BIG)) return (int)fd;
#endif
  /* Older kernels, or paths longer than PATH_MAX: one component at a time,
   * none of them followed if it is a symlink. */
  int dfd = dup(rootfd);
  const char *p = rel;
  while (dfd >= 0) {
    const char *slash = strchr(p, '/');
    size_t n = slash ? (size_t)(slash - p) : strlen(p);
    char name[NAME_MAX + 1];
    if (n > NAME_MAX || n == 0 || (n == 2 && p[0] == '.' && p[1] == '.')) {
      close(dfd);
      errno = n > NAME_MAX ? ENAMETOOLONG : EXDEV;
      return -1;
    }
    memcpy(name, p, n);
    name[n] = 0;
    int next = openat(dfd, name, slash ? O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC : flags);
    int e = errno;
    close(dfd);
    errno = e;
    if (!slash) return next;
    dfd = next;
    p = slash + 1;
  }
  return -1;
}

/* Opens folder `rel` below the root without following any symlink on the
 * way, so a folder swapped for a link during the walk is never entered. */
static int open_dir(walker *w, const char *rel) { return whorl__open_beneath(w->rootfd, rel, O_RDONLY | O_DIRECTORY); }

static walk_stat keep(const struct stat *st) {
  walk_stat w = {(uint64_t)st->st_dev, (uint64_t)st->st_ino, st->st_size, st->st_mtim, st->st_ctim, st->st_mode};
  return w;
}

static int name_cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Lists folder `rel`: records its files and links, queues its subfolders,
 * and records the folder itself when nothing in it is recorded or queued. */
static void walk_dir(walker *w, const char *rel, batch *out) {
  int dfd = open_dir(w, rel);
  if (dfd < 0) {
    int e = errno;
    if (e == ENOENT) issue(w, 1, WHORL_ECHANGED, rel, "%s", "vanished during the walk");
    else if (e == ELOOP || e == ENOTDIR || e == EXDEV) issue(w, 1, WHORL_ECHANGED, rel, "%s", "changed during the walk");
    else issue(w, 1, whorl__status_from_errno(e), rel, "cannot open folder: %s", whorl__errno_text(e));
    return;
  }
  struct stat before;
  if (fstat(dfd, &before) != 0) {
    issue(w, 1, whorl__status_from_errno(errno), rel, "cannot stat folder: %s", whorl__errno_text(errno));
    close(dfd);
    return;
  }
  DIR *d = fdopendir(dfd);
  if (!d) {
    issue(w, 1, whorl__status_from_errno(errno), rel, "cannot read folder: %s", whorl__errno_text(errno));
    close(dfd);
    return;
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
  /* Listing order is the file system's: sort so nothing depends on it. */
  if (n) qsort(names, n, sizeof *names, name_cmp);
  int fd = dirfd(d);
  size_t rlen = strlen(rel);

  /* This folder's .whorlignore applies to its own entries. */
  for (size_t i = 0; i < n; i++) {
    if (strcmp(names[i], ".whorlignore") != 0) continue;
    int ifd = openat(fd, ".whorlignore", O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    struct stat ist;
    memset(&ist, 0, sizeof ist);
    if (ifd < 0 && errno != ELOOP) {
      /* Rules that cannot be read would silently change what is counted. */
      char irel[WHORL_ERROR_PATH_MAX];
      snprintf(irel, sizeof irel, "%s%s.whorlignore", rel, *rel ? "/" : "");
      issue(w, 1, whorl__status_from_errno(errno), irel, "cannot read: %s", whorl__errno_text(errno));
      continue;
    }
    if (ifd >= 0 && fstat(ifd, &ist) != 0) {
      issue(w, 1, whorl__status_from_errno(errno), rel, "cannot read .whorlignore: %s", whorl__errno_text(errno));
      close(ifd);
      continue;
    }
    if (ifd >= 0 && S_ISREG(ist.st_mode) && ist.st_size <= (1 << 20)) {
      char *text = malloc((size_t)ist.st_size + 1);
      long long got = text ? whorl__pread_full(ifd, text, (size_t)ist.st_size, 0) : -1;
      if (got >= 0) {
        pthread_rwlock_wrlock(&w->ig_lock);
        if (whorl_ignore_add(w->ig, rel, text, (size_t)got)) w->oom = 1;
        pthread_rwlock_unlock(&w->ig_lock);
      } else {
        issue(w, 1, WHORL_EIO, rel, "cannot read .whorlignore: %s", whorl__errno_text(errno));
      }
      free(text);
    } else if (ifd >= 0 && S_ISREG(ist.st_mode)) {
      issue(w, 1, WHORL_EUNSUPPORTED, rel, "%s", ".whorlignore larger than 1 MiB");
    }
    if (ifd >= 0) close(ifd);
  }

  size_t kept = 0; /* children recorded or queued */
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
    if (ignored(w, child, is_dir)) continue;
    if (S_ISREG(st.st_mode)) {
      walk_entry *e = add(w, out, child, clen, WALK_FILE);
      if (e) e->st = keep(&st);
      kept++;
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
      walk_entry *e = add(w, out, child, clen, WALK_SYMLINK);
      if (e) {
        e->st = keep(&st);
        e->target = t;
        e->target_len = (size_t)tl;
      } else {
        free(t);
      }
      kept++;
    } else if (is_dir) {
      push_dir(w, child);
      kept++;
    } else {
      const char *why = S_ISFIFO(st.st_mode) ? "fifo"
                        : S_ISSOCK(st.st_mode) ? "socket"
                        : S_ISCHR(st.st_mode)  ? "character device"
                        : S_ISBLK(st.st_mode)  ? "block device"
                                               : "special file";
      walk_entry *e = add(w, out, child, clen, WALK_SKIPPED);
      if (e) {
        e->st = keep(&st);
        e->skip_reason = why;
      }
      issue(w, 0, WHORL_EUNSUPPORTED, child, "skipped %s (special files are never read)", why);
    }
  }
  free(child);
  /* A folder with nothing recorded in it is an entry of its own (the root
   * is the fingerprint itself, never an entry). */
  if (kept == 0 && rlen) {
    walk_entry *e = add(w, out, rel, rlen, WALK_DIR);
    if (e) e->st = keep(&before);
  }
  struct stat after;
  if (fstat(fd, &after) == 0 &&
      (after.st_mtim.tv_sec != before.st_mtim.tv_sec || after.st_mtim.tv_nsec != before.st_mtim.tv_nsec ||
       after.st_nlink != before.st_nlink))
    issue(w, 1, WHORL_ECHANGED, rel, "%s", "folder changed during the walk");
  for (size_t i = 0; i < n; i++) free(names[i]);
  free(names);
  closedir(d);
}

static void *walk_thread(void *arg) {
  walker *w = arg;
  batch b = {NULL, 0, 0};
  pthread_mutex_lock(&w->mu);
  for (;;) {
    while (w->qlen == 0 && w->active > 0 && !w->oom) pthread_cond_wait(&w->cv, &w->mu);
    if (w->qlen == 0 || w->oom) break; /* nothing queued and nobody listing: done */
    char *rel = w->queue[--w->qlen];
    w->active++;
    pthread_mutex_unlock(&w->mu);
    walk_dir(w, rel, &b);
    hand_over(w, &b);
    free(rel);
    pthread_mutex_lock(&w->mu);
    w->active--;
  }
  pthread_cond_broadcast(&w->cv);
  pthread_mutex_unlock(&w->mu);
  free(b.e);
  return NULL;
}

int whorl__walk(const char *root, int threads, walk_result *res, whorl_issue_cb on_issue, void *cb_ctx) {
  memset(res, 0, sizeof *res);
  whorl_error_clear(&res->first);
  walker w;
  memset(&w, 0, sizeof w);
  w.res = res;
  w.on_issue = on_issue;
  w.cb_ctx = cb_ctx;
  w.root = root;
  pthread_mutex_init(&w.mu, NULL);
  pthread_cond_init(&w.cv, NULL);
  pthread_rwlock_init(&w.ig_lock, NULL);
  if (whorl_ignore_new(&w.ig)) return WHORL_ENOMEM;
  w.rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (w.rootfd < 0) {
    issue(&w, 1, whorl__status_from_errno(errno), "", "cannot open folder: %s", whorl__errno_text(errno));
  } else {
    push_dir(&w, "");
    whorl__parallel(threads, walk_thread, &w, &w);
    close(w.rootfd);
  }
  for (size_t i = 0; i < w.qlen; i++) free(w.queue[i]);
  free(w.queue);
  whorl_ignore_free(w.ig);
  pthread_rwlock_destroy(&w.ig_lock);
  pthread_cond_destroy(&w.cv);
  pthread_mutex_destroy(&w.mu);
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
