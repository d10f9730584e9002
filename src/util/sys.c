#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/util.h"

void whorl__parallel(int n, void *(*fn)(void *), void *arg, void *main_arg) {
  pthread_t tids[64];
  int started = 0;
  for (int i = 1; i < n && i < 64; i++)
    if (pthread_create(&tids[started], NULL, fn, arg) == 0) started++;
  fn(main_arg);
  for (int i = 0; i < started; i++) pthread_join(tids[i], NULL);
}

int whorl__cpu_count(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : (int)n;
}

uint64_t whorl__now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The length of the valid UTF-8 sequence at s[0] (of at most len bytes),
 * or 0. */
static size_t utf8_seq(const unsigned char *s, size_t len) {
  unsigned c = s[0];
  if (c < 0x80) return 1;
  size_t n;
  unsigned min;
  if (c >= 0xC2 && c <= 0xDF) { n = 1; min = 0x80; c &= 0x1F; }
  else if (c >= 0xE0 && c <= 0xEF) { n = 2; min = 0x800; c &= 0x0F; }
  else if (c >= 0xF0 && c <= 0xF4) { n = 3; min = 0x10000; c &= 0x07; }
  else return 0;
  if (len <= n) return 0;
  for (size_t k = 1; k <= n; k++) {
    if ((s[k] & 0xC0) != 0x80) return 0;
    c = (c << 6) | (s[k] & 0x3F);
  }
  if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return 0;
  return n + 1;
}

int whorl__utf8_valid(const char *str, size_t len) {
  const unsigned char *s = (const unsigned char *)str;
  for (size_t i = 0, k; i < len; i += k)
    if (!(k = utf8_seq(s + i, len - i))) return 0;
  return 1;
}

void whorl__utf8_scrub(char *str) {
  unsigned char *s = (unsigned char *)str;
  size_t len = strlen(str), i = 0;
  while (i < len) {
    size_t k = utf8_seq(s + i, len - i);
    if (k) i += k;
    else s[i++] = '?';
  }
}

int whorl__write_all(int fd, const void *buf, size_t len) {
  const char *p = buf;
  while (len) {
    ssize_t n = write(fd, p, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

long long whorl__pread_full(int fd, void *buf, size_t len, uint64_t off) {
  size_t got = 0;
  while (got < len) {
    ssize_t n = pread(fd, (char *)buf + got, len - got, (off_t)(off + got));
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (n == 0) break;
    got += (size_t)n;
  }
  return (long long)got;
}

int whorl__read_file(const char *path, size_t max, char **out, size_t *len, whorl_error *err) {
  *out = NULL;
  *len = 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return whorl__error_errno(err, errno, path, "open");
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int e = errno;
    close(fd);
    return whorl__error_errno(err, e, path, "stat");
  }
  if (S_ISDIR(st.st_mode)) {
    close(fd);
    return whorl__error(err, WHORL_EINVAL, path, -1, "is a folder, expected a file");
  }
  size_t cap = S_ISREG(st.st_mode) && (uint64_t)st.st_size < max ? (size_t)st.st_size + 1 : 65536;
  char *buf = malloc(cap + 1);
  if (!buf) {
    close(fd);
    return whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
  }
  size_t n = 0;
  for (;;) {
    if (n == cap) {
      if (cap > max) break;
      size_t ncap = cap * 2;
      char *nb = realloc(buf, ncap + 1);
      if (!nb) {
        free(buf);
        close(fd);
        return whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
      }
      buf = nb;
      cap = ncap;
    }
    ssize_t r = read(fd, buf + n, cap - n);
    if (r < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      free(buf);
      close(fd);
      return whorl__error_errno(err, e, path, "read");
    }
    if (r == 0) break;
    n += (size_t)r;
    if (n > max) break;
  }
  close(fd);
  if (n > max) {
    free(buf);
    return whorl__error(err, WHORL_EFORMAT, path, (int64_t)max, "file is larger than the %zu-byte limit", max);
  }
  buf[n] = 0;
  *out = buf;
  *len = n;
  return WHORL_OK;
}
