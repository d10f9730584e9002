/* pickles.c - unsafe pickle findings of files and folders that are not
 * read as models: a bare pickle (a pickled scikit-learn model, a pandas
 * DataFrame), a legacy torch.save file, a PyTorch zip checkpoint lying in
 * a data folder. Loading any of them may run code: the pickle machine of
 * src/model says which globals they would import or call. The findings go
 * to the document's "unsafe" (in no id: the file's bytes already are). */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <zlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "fp/fp_int.h"
#include "model/model.h"
#include "util/util.h"

/* 1 when the file starts as a pickle (protocol 2 to 5) or is a PyTorch
 * zip checkpoint; 2 when it may be a protocol 0 or 1 pickle (no header
 * says so: its first byte is an opcode such a pickle starts with, as
 * "cos\nsystem\n" or "(dp0\n" do). */
static int holds_pickle(const char *path, int fd) {
  uint8_t h[4];
  long long n = whorl__pread_full(fd, h, sizeof h, 0);
  if (n < 2) return 0;
  if (h[0] == 0x80 && h[1] >= 2 && h[1] <= 5) return 1;
  if (n == 4 && !memcmp(h, "PK\3\4", 4)) {
    const char *k = whorl__model_detect(path, fd, 0);
    return k && !strcmp(k, "pytorch");
  }
  if (h[0] && strchr("(ci]})NIJKLMFGSVXUTP", h[0])) return 2;
  return 0;
}

static const char *const ZIP_SUFFIXES[] = {".gz", ".z", ".zlib", NULL};
static const char *const PICKLE_ONLY[] = {".pkl", ".pickle", ".joblib", NULL};
static const char *const PICKLE_BEARING[] = {".pkl", ".pickle", ".pt", ".pth", ".bin", ".ckpt", ".joblib", NULL};

/* The length of the suffix of name[0, len) found in list (any letter case,
 * possibly the whole name), or 0. */
static size_t suffix_in(const char *name, size_t len, const char *const *list) {
  for (const char *const *e = list; *e; e++) {
    size_t el = strlen(*e);
    if (len >= el && !strncasecmp(name + len - el, *e, el)) return el;
  }
  return 0;
}

/* The length of name without a compression suffix (.gz, .z, .zlib, as
 * joblib.dump(..., compress=...) and pandas' to_pickle name them). */
static size_t strip_zip_suffix(const char *name, size_t len) { return len - suffix_in(name, len, ZIP_SUFFIXES); }

/* 1 for a name only pickles go by (.pkl .pickle .joblib, maybe with a
 * compression suffix). */
static int pickle_only_name(const char *name) {
  return suffix_in(name, strip_zip_suffix(name, strlen(name)), PICKLE_ONLY) != 0;
}

#define UNREADABLE "a pickle-bearing file whorl cannot read through"

/* A zlib or gzip stream (joblib.dump(..., compress=3), to_pickle("x.pkl.gz"))
 * inflated into an anonymous memory file of at most PICKLE_INFLATE_MAX
 * bytes (the rest is left out: the scan then says it cannot read through);
 * -1 when it does not inflate. */
#define PICKLE_INFLATE_MAX (512ull << 20)
static int write_at(int fd, const uint8_t *b, size_t n, uint64_t off) {
  while (n) {
    ssize_t w = pwrite(fd, b, n, (off_t)off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    b += w, n -= (size_t)w, off += (uint64_t)w;
  }
  return 0;
}

static int inflated(int fd) {
  uint8_t in[65536], out[65536];
  z_stream z;
  memset(&z, 0, sizeof z);
  if (inflateInit2(&z, 15 + 32) != Z_OK) return -1; /* zlib or gzip header */
  int mfd = memfd_create("whorl-pickle", MFD_CLOEXEC);
  uint64_t off = 0, made = 0;
  int zr = Z_OK;
  while (mfd >= 0 && zr != Z_STREAM_END && made < PICKLE_INFLATE_MAX) {
    long long n = whorl__pread_full(fd, in, sizeof in, off);
    if (n <= 0) break;
    off += (uint64_t)n;
    z.next_in = in;
    z.avail_in = (uInt)n;
    while (z.avail_in && zr != Z_STREAM_END && made < PICKLE_INFLATE_MAX) {
      z.next_out = out;
      z.avail_out = sizeof out;
      zr = inflate(&z, Z_NO_FLUSH);
      if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR) break;
      size_t got = sizeof out - z.avail_out;
      if (got && write_at(mfd, out, got, made)) {
        zr = Z_MEM_ERROR;
        break;
      }
      made += got;
      if (zr == Z_BUF_ERROR && !got) break;
    }
    if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR) break;
  }
  inflateEnd(&z);
  if (mfd >= 0 && (made == 0 || (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR))) {
    close(mfd);
    return -1;
  }
  return mfd;
}

int whorl__pickle_findings(const char *path, int fd, uint64_t size, const char *display, whorl_json *list, whorl_error *err) {
  uint8_t h[2];
  if (pickle_only_name(display) && whorl__pread_full(fd, h, 2, 0) == 2 &&
      ((h[0] == 0x1f && h[1] == 0x8b) || (h[0] == 0x78 && (h[0] * 256 + h[1]) % 31 == 0))) {
    /* a compressed pickle: the pickle inside (what the loader unpickles) */
    int mfd = inflated(fd);
    if (mfd < 0) return WHORL_OK; /* not a stream after all: no pickle to read */
    struct stat st;
    int rc = fstat(mfd, &st) ? whorl__error_errno(err, errno, path, "inflate") : WHORL_OK;
    if (!rc) rc = whorl__pickle_findings(path, mfd, (uint64_t)st.st_size, display, list, err);
    close(mfd);
    return rc;
  }
  const int kind = holds_pickle(path, fd);
  if (!kind) return WHORL_OK;
  whorl_model m;
  whorl__model_init(&m);
  int rc = whorl__pickle_scan(&m, path, display, fd, size, err);
  /* A text-protocol candidate under a name other files go by too (.bin,
   * .pt, ...) that the pickle machine cannot read through and that names
   * no global is no pickle: no finding. Under .pkl, .pickle or .joblib it
   * is one (a loader takes it as a pickle). */
  int keep = 1;
  if (!rc && kind == 2 && !pickle_only_name(display)) {
    keep = 0;
    for (size_t i = 0; i < m.nfind && !keep; i++) keep = strncmp(m.find[i].what, UNREADABLE, strlen(UNREADABLE)) != 0;
  }
  for (size_t i = 0; !rc && keep && i < m.nfind; i++) {
    whorl_json *f = whorl_json_object();
    whorl__json_set_bytes(f, "finding", m.find[i].what, strlen(m.find[i].what));
    whorl__json_set_bytes(f, "where", m.find[i].where, strlen(m.find[i].where)); /* a file name that is not UTF-8 */
    if (m.find[i].pickle[0]) whorl__json_set_bytes(f, "pickle", m.find[i].pickle, strlen(m.find[i].pickle));
    whorl_json_array_append(list, f);
  }
  whorl__model_free(&m);
  return rc;
}

int whorl__pickle_name(const char *name, size_t len) {
  const size_t bare = strip_zip_suffix(name, len);
  /* compressed: only names that pickles alone go by */
  return suffix_in(name, bare, bare != len ? PICKLE_ONLY : PICKLE_BEARING) != 0;
}
