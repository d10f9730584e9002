/* sniff.c - name a file's format from its magic bytes. Extensions are not
 * consulted: a renamed file is still recognised. */
#include <string.h>
#include <sys/vfs.h>

#include "io/io.h"
#include "util/util.h"

static int starts(const uint8_t *h, size_t n, const void *magic, size_t m) {
  return n >= m && memcmp(h, magic, m) == 0;
}

static int looks_text(const uint8_t *h, size_t n) {
  size_t ctl = 0;
  for (size_t i = 0; i < n; i++) {
    if (h[i] == 0) return 0;
    if (h[i] < 0x20 && h[i] != '\n' && h[i] != '\r' && h[i] != '\t' && h[i] != '\f') ctl++;
  }
  if (ctl * 100 > n) return 0;
  /* A multi-byte sequence may be cut by the end of the sample. */
  size_t m = n;
  for (size_t k = 0; k < 3 && m > 0 && (h[m - 1] & 0xC0) == 0x80; k++) m--;
  if (m > 0 && h[m - 1] >= 0xC0) m--;
  return whorl__utf8_valid((const char *)h, m);
}

/* UTF-16 text after its byte order mark: no NUL code unit, few control
 * characters (binary data that happens to start with FF FE has both). */
static int looks_utf16(const uint8_t *h, size_t n) {
  const int le = h[0] == 0xff;
  size_t ctl = 0, units = 0;
  for (size_t i = 2; i + 1 < n; i += 2, units++) {
    unsigned c = le ? (unsigned)h[i] | (unsigned)h[i + 1] << 8 : (unsigned)h[i] << 8 | h[i + 1];
    if (c == 0) return 0;
    if (c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f') ctl++;
  }
  return units > 0 && ctl * 100 <= units;
}

const char *whorl__sniff(const uint8_t *h, size_t n, const uint8_t *t, size_t tn, uint64_t size) {
  if (size == 0) return "empty";
  if (starts(h, n, "\x1f\x8b", 2)) return "gzip";
  if (starts(h, n, "\x28\xb5\x2f\xfd", 4)) return "zstd";
  if (starts(h, n, "\xfd" "7zXZ\x00", 6)) return "xz";
  if (starts(h, n, "BZh", 3) && n > 3 && h[3] >= '1' && h[3] <= '9') return "bzip2";
  if (starts(h, n, "PAR1", 4) && tn >= 4 && memcmp(t + tn - 4, "PAR1", 4) == 0) return "parquet";
  if (starts(h, n, "\x93NUMPY", 6)) return "npy";
  if (starts(h, n, "GGUF", 4)) return "gguf";
  if (starts(h, n, "PK\x03\x04", 4) && n >= 30) {
    /* The first member's name (local file header) tells the common kinds
     * of zip apart: PyTorch checkpoints start with <prefix>/data.pkl (or
     * .format_version / byteorder in newer writers, before data.pkl), and
     * NumPy .npz archives hold .npy members. */
    size_t nl = (size_t)h[26] | (size_t)h[27] << 8;
    if (nl > 0 && 30 + nl <= n) {
      const char *name = (const char *)h + 30;
      if ((nl >= 8 && !memcmp(name + nl - 8, "data.pkl", 8)) ||
          (nl >= 15 && !memcmp(name + nl - 15, ".format_version", 15)) ||
          (nl >= 10 && !memcmp(name + nl - 10, "/byteorder", 10)) || (nl >= 8 && !memcmp(name + nl - 8, "/version", 8)))
        return "pytorch";
      if (nl >= 4 && !memcmp(name + nl - 4, ".npy", 4)) return "npz";
    }
    return "zip";
  }
  if (starts(h, n, "PK\x03\x04", 4) || starts(h, n, "PK\x05\x06", 4)) return "zip";
  if (starts(h, n, "SQLite format 3\0", 16)) return "sqlite";
  if (starts(h, n, "\x89HDF\r\n\x1a\n", 8)) return "hdf5";
  if (starts(h, n, "\x89PNG\r\n\x1a\n", 8)) return "png";
  if (starts(h, n, "\xff\xd8\xff", 3)) return "jpeg";
  if (starts(h, n, "GIF8", 4)) return "gif";
  if (starts(h, n, "%PDF-", 5)) return "pdf";
  if (starts(h, n, "\x7f" "ELF", 4)) return "elf";
  if (starts(h, n, "ARROW1", 6)) return "arrow";
  if (n > 262 && memcmp(h + 257, "ustar", 5) == 0) return "tar";
  if (n >= 2 && h[0] == 0x80 && h[1] >= 2 && h[1] <= 5) return "pickle";
  /* safetensors: u64 LE header length, then a JSON object. */
  if (n >= 9 && h[8] == '{') {
    uint64_t hl = 0;
    for (int i = 7; i >= 0; i--) hl = hl << 8 | h[i];
    if (hl >= 2 && hl <= 100000000u && hl + 8 <= size) return "safetensors";
  }
  if (n >= 4 && ((h[0] == 0xff && h[1] == 0xfe) || (h[0] == 0xfe && h[1] == 0xff)) && looks_utf16(h, n)) return "text";
  if (looks_text(h, n)) {
    size_t i = 0;
    if (n >= 3 && memcmp(h, "\xef\xbb\xbf", 3) == 0) i = 3;
    while (i < n && (h[i] == ' ' || h[i] == '\t' || h[i] == '\n' || h[i] == '\r')) i++;
    if (i < n && (h[i] == '{' || h[i] == '[')) return "json";
    return "text";
  }
  return "binary";
}

int whorl__pseudo_fs(int fd) {
  struct statfs sf;
  if (fstatfs(fd, &sf) != 0) return 0;
  switch ((unsigned long)sf.f_type) {
  case 0x9fa0UL:     /* proc */
  case 0x62656572UL: /* sysfs */
  case 0x64626720UL: /* debugfs */
  case 0x74726163UL: /* tracefs */
  case 0x73636673UL: /* securityfs */
  case 0x27e0ebUL:   /* cgroup */
  case 0x63677270UL: /* cgroup2 */
  case 0x6e736673UL: /* nsfs */
  case 0xcafe4a11UL: /* bpf */
  case 0x42494e4dUL: /* binfmt_misc */
  case 0x6165676cUL: /* pstore */
  case 0xde5e81e4UL: /* efivarfs */
    return 1;
  default: return 0;
  }
}
