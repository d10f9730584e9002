/* main.c - whorl's command dispatcher. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static const char usage[] =
    "usage: whorl <command> [options] [args]\n"
    "\n"
    "Fingerprint datasets, features and models; explain what changed.\n"
    "\n"
    "commands:\n"
    "  fingerprint, fp   fingerprint files, folders, tables, models, feature pipelines\n"
    "  diff              compare two paths or saved fingerprints\n"
    "  merge             the fingerprint of a table from its shards' fingerprints\n"
    "  lock              record baselines in whorl.lock\n"
    "  check             compare the locked artifacts with their current state (CI gate)\n"
    "  version           print the version\n"
    "\n"
    "Run 'whorl <command> --help' for a command's options.\n"
    "Exit status: 0 ok or identical, 1 different, 2 error.\n";

uint64_t cli_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void cli_msg(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("whorl: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

void cli_error(const whorl_error *err) {
  char buf[WHORL_ERROR_MSG_MAX + WHORL_ERROR_PATH_MAX + 64];
  cli_msg("error: %s", whorl_error_format(err, buf, sizeof buf));
}

/* Issues arrive from whorl's worker threads while the calling thread may
 * be drawing progress: one lock keeps stderr lines whole. */
static pthread_mutex_t err_mu = PTHREAD_MUTEX_INITIALIZER;

void cli_issue(void *ctx, const whorl_error *issue, int fatal) {
  cli_ctx *c = ctx;
  pthread_mutex_lock(&err_mu);
  cli_progress_end(c);
  if (fatal) {
    c->fatal_reported++;
    cli_error(issue);
  } else if (!c->quiet) {
    char buf[WHORL_ERROR_MSG_MAX + WHORL_ERROR_PATH_MAX + 64];
    cli_msg("warning: %s", whorl_error_format(issue, buf, sizeof buf));
  }
  pthread_mutex_unlock(&err_mu);
}

void cli_progress(void *ctx, uint64_t done, uint64_t total) {
  cli_ctx *c = ctx;
  if (c->quiet || !isatty(2)) return;
  /* Only long work shows progress: nothing in the first second. */
  if (cli_now_ns() - c->start_ns < 1000000000u) return;
  pthread_mutex_lock(&err_mu);
  fprintf(stderr, "\rwhorl: %.1f / %.1f MiB (%d%%)   ", (double)done / 1048576.0, (double)total / 1048576.0,
          total ? (int)(100.0 * (double)done / (double)total) : 100);
  c->progress_shown = 1;
  pthread_mutex_unlock(&err_mu);
}

void cli_progress_end(cli_ctx *c) {
  if (c && c->progress_shown) {
    fputs("\r\033[K", stderr);
    c->progress_shown = 0;
  }
}

int cli_parse_level(const char *arg, whorl_level *out) {
  if (whorl_level_parse(arg, out) == WHORL_OK) return 0;
  cli_msg("error: unknown level '%s' (choose quick, content, logical, profile or stats)", arg);
  return -1;
}

int cli_parse_threads(const char *arg, int *out) {
  char *end;
  long n = strtol(arg, &end, 10);
  if (*arg == 0 || *end || n < 1 || n > 64) {
    cli_msg("error: --threads wants a number from 1 to 64, not '%s'", arg);
    return -1;
  }
  *out = (int)n;
  return 0;
}

int cli_stdout_sink(void *ctx, const char *data, size_t len) {
  (void)ctx; /* many small pieces: buffered; the caller flushes and checks at the end */
  return fwrite(data, 1, len, stdout) == len ? 0 : -1;
}

int cli_write_stdout(const char *s, size_t n) {
  /* flushed here: a full disk or closed pipe must turn into exit 2, not
   * into a silently lost report at exit */
  if (fwrite(s, 1, n, stdout) != n || fflush(stdout) != 0 || ferror(stdout)) return -1;
  return 0;
}

/* Writes to something that is not a regular file (a device, a FIFO):
 * directly, every error reported. */
static int write_through(const char *path, const char *data, size_t n) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    cli_msg("error: %s: cannot open: %s", path, strerror(errno));
    return -1;
  }
  size_t off = 0;
  while (off < n) {
    ssize_t w = write(fd, data + off, n - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      cli_msg("error: %s: cannot write: %s", path, w < 0 ? strerror(errno) : "no progress");
      close(fd);
      return -1;
    }
    off += (size_t)w;
  }
  if (close(fd) != 0) {
    cli_msg("error: %s: cannot write: %s", path, strerror(errno));
    return -1;
  }
  return 0;
}

int cli_write_file(const char *path0, const char *data, size_t n) {
  /* "-" is standard output */
  if (!strcmp(path0, "-")) {
    if (cli_write_stdout(data, n)) {
      cli_msg("error: cannot write to standard output");
      return -1;
    }
    return 0;
  }
  /* through a symlink to its target; a device or FIFO written as it is;
   * a regular file replaced at once (a temporary file, then rename) */
  char real[PATH_MAX];
  const char *path = path0;
  struct stat lst, st;
  if (lstat(path0, &lst) == 0 && S_ISLNK(lst.st_mode)) {
    if (!realpath(path0, real)) {
      /* a dangling link: its target is created, as the shell's '>' does */
      char tgt[PATH_MAX];
      ssize_t tl = readlink(path0, tgt, sizeof tgt - 1);
      if (tl <= 0) {
        cli_msg("error: %s: a symlink whose target cannot be resolved: %s", path0, strerror(errno));
        return -1;
      }
      tgt[tl] = 0;
      const char *slash = strrchr(path0, '/');
      size_t dl = tgt[0] == '/' || !slash ? 0 : (size_t)(slash - path0) + 1;
      if (dl + (size_t)tl >= sizeof real) {
        cli_msg("error: %s: the symlink's target path is too long", path0);
        return -1;
      }
      memcpy(real, path0, dl);
      memcpy(real + dl, tgt, (size_t)tl + 1);
    }
    path = real;
  }
  if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
    if (S_ISDIR(st.st_mode)) {
      cli_msg("error: %s: is a folder", path0);
      return -1;
    }
    return write_through(path, data, n);
  }
  size_t pl = strlen(path);
  char *tmp = malloc(pl + 32);
  if (!tmp) return -1;
  snprintf(tmp, pl + 32, "%s.tmp.%ld", path, (long)getpid());
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    cli_msg("error: %s: cannot create: %s", path, strerror(errno));
    free(tmp);
    return -1;
  }
  size_t off = 0;
  while (off < n) {
    ssize_t w = write(fd, data + off, n - off);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) {
      cli_msg("error: %s: cannot write: %s", path, strerror(errno));
      close(fd);
      unlink(tmp);
      free(tmp);
      return -1;
    }
    off += (size_t)w;
  }
  if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp, path) != 0) {
    cli_msg("error: %s: cannot write: %s", path, strerror(errno));
    unlink(tmp);
    free(tmp);
    return -1;
  }
  free(tmp);
  return 0;
}

static int run_command(int argc, char **argv) {
  if (argc < 2) {
    fputs(usage, stderr);
    return EXIT_ERROR;
  }
  const char *cmd = argv[1];
  if (!strcmp(cmd, "fingerprint") || !strcmp(cmd, "fp")) return cmd_fingerprint(argc - 1, argv + 1);
  if (!strcmp(cmd, "diff")) return cmd_diff(argc - 1, argv + 1);
  if (!strcmp(cmd, "merge")) return cmd_merge(argc - 1, argv + 1);
  if (!strcmp(cmd, "lock")) return cmd_lock(argc - 1, argv + 1);
  if (!strcmp(cmd, "check")) return cmd_check(argc - 1, argv + 1);
  if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
    printf("whorl %s (fingerprint format %d)\n", whorl_version(), WHORL_FORMAT_VERSION);
    return 0;
  }
  if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
    if (argc > 2) {
      char *h[] = {argv[2], "--help", NULL};
      if (!strcmp(argv[2], "fingerprint") || !strcmp(argv[2], "fp")) return cmd_fingerprint(2, h);
      if (!strcmp(argv[2], "diff")) return cmd_diff(2, h);
      if (!strcmp(argv[2], "merge")) return cmd_merge(2, h);
      if (!strcmp(argv[2], "lock")) return cmd_lock(2, h);
      if (!strcmp(argv[2], "check")) return cmd_check(2, h);
    }
    fputs(usage, stdout);
    return 0;
  }
  cli_msg("error: unknown command '%s' (see 'whorl --help')", cmd);
  return EXIT_ERROR;
}

int cli_once(const struct option *longopts, int c, const char *arg) {
  static const char *seen[1024];
  static int seen_set[1024];
  const struct option *me = NULL;
  for (const struct option *lo = longopts; lo->name; lo++)
    if (lo->val == c) me = lo;
  if (!me || c < 0 || c >= 1024) return 0;
  static const char *const pairs[][2] = {{"cache", "no-cache"}, {"model", "no-model"}};
  for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++)
    for (int side = 0; side < 2; side++) {
      if (strcmp(me->name, pairs[i][side])) continue;
      for (const struct option *lo = longopts; lo->name; lo++)
        if (!strcmp(lo->name, pairs[i][!side]) && lo->val >= 0 && lo->val < 1024 && seen_set[lo->val]) {
          cli_msg("error: --%s and --%s contradict each other: give one", pairs[i][0], pairs[i][1]);
          return -1;
        }
    }
  if (me->has_arg == required_argument && strcmp(me->name, "code") && strcmp(me->name, "param") &&
      strcmp(me->name, "training-file") && seen_set[c]) {
    cli_msg("error: --%s given twice ('%s', then '%s'): give it once", me->name, seen[c] ? seen[c] : "", arg ? arg : "");
    return -1;
  }
  seen_set[c] = 1;
  seen[c] = arg;
  return 0;
}

int cli_table_opt(int c, const char *arg, whorl_fp_options *o) {
  switch (c) {
  case CLI_OPT_AS:
    if (strcmp(arg, "csv") && strcmp(arg, "tsv") && strcmp(arg, "jsonl") && strcmp(arg, "parquet") && strcmp(arg, "npy") &&
        strcmp(arg, "npz") && strcmp(arg, "json")) {
      cli_msg("error: unknown table format '%s' (choose csv, tsv, jsonl, json, parquet, npy or npz)", arg);
      return EXIT_ERROR;
    }
    o->table_format = arg;
    return 0;
  case CLI_OPT_DELIM:
    if (!strcmp(arg, "tab") || !strcmp(arg, "\\t")) o->delimiter = '\t';
    else if (strlen(arg) == 1 && arg[0] != '"' && arg[0] != '\n' && arg[0] != '\r') o->delimiter = arg[0];
    else {
      cli_msg("error: --delimiter takes one character (or 'tab'), not '%s'", arg);
      return EXIT_ERROR;
    }
    return 0;
  case CLI_OPT_NOHEADER:
  case CLI_OPT_HEADER:
    if (o->header >= 0 && o->header != (c == CLI_OPT_HEADER)) {
      cli_msg("error: --header and --no-header contradict each other: give one");
      return EXIT_ERROR;
    }
    o->header = c == CLI_OPT_HEADER;
    return 0;
  case CLI_OPT_STRICT: o->strict = 1; return 0;
  case CLI_OPT_KEYFILE: o->key_file = arg; return 0;
  }
  return EXIT_ERROR;
}

/* Whatever the command printed: a report that did not reach stdout (a
 * full disk, a closed pipe) is an error, also for --help and version. */
int main(int argc, char **argv) {
  int rc = run_command(argc, argv);
  if ((fflush(stdout) != 0 || ferror(stdout)) && rc != EXIT_ERROR) {
    cli_msg("error: cannot write to standard output");
    rc = EXIT_ERROR;
  }
  return rc;
}
