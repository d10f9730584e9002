/* util.h - private helpers shared by every module (lowest layer). */
#ifndef WHORL_UTIL_H
#define WHORL_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <stdint.h>
#include "whorl/errors.h"

#if defined(__GNUC__)
#define WHORL_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define WHORL_PRINTF(a, b)
#endif

/* Fills err (if non-NULL) and returns code, so callers can
 * `return whorl__error(err, WHORL_EIO, path, -1, "...")`. */
int whorl__error(whorl_error *err, int code, const char *path, int64_t offset, const char *fmt, ...)
    WHORL_PRINTF(5, 6);
/* Maps an errno value to a status and fills err with "verb: strerror". */
int whorl__error_errno(whorl_error *err, int errnum, const char *path, const char *what);
int whorl__status_from_errno(int errnum);
/* Lowercase one-phrase text for errno values ("permission denied", ...). */
const char *whorl__errno_text(int errnum);

/* Growable byte buffer. Always NUL-terminated when data != NULL. */
typedef struct whorl_buf {
  char *data;
  size_t len, cap;
  int oom; /* sticky allocation failure */
} whorl_buf;

#define WHORL_BUF_INIT {NULL, 0, 0, 0}
int whorl_buf_grow(whorl_buf *b, size_t extra);
/* put/putc are inline: the table readers call them per cell. */
static inline void whorl_buf_put(whorl_buf *b, const void *data, size_t len) {
  if (b->len + len + 1 > b->cap && whorl_buf_grow(b, len)) return;
  if (len) memcpy(b->data + b->len, data, len);
  b->len += len;
  b->data[b->len] = 0;
}
static inline void whorl_buf_putc(whorl_buf *b, char c) {
  if (b->len + 2 > b->cap && whorl_buf_grow(b, 1)) return;
  b->data[b->len++] = c;
  b->data[b->len] = 0;
}
void whorl_buf_puts(whorl_buf *b, const char *s);
/* Makes room for one more element in a growable array (items, *cap
 * elements of `size` bytes, `n` in use), doubling from 16. Returns the
 * array (maybe moved), or NULL when out of memory (items unchanged). */
void *whorl__grow_array(void *items, size_t *cap, size_t n, size_t size);
void whorl_buf_printf(whorl_buf *b, const char *fmt, ...) WHORL_PRINTF(2, 3);
/* Returns the data (caller frees) and resets b; NULL if an allocation failed. */
char *whorl_buf_detach(whorl_buf *b, size_t *len);
void whorl_buf_free(whorl_buf *b);

/* Runs fn on `n` threads at once (1..64): fn(arg) on n-1 new threads and
 * fn(main_arg) on the calling one, then waits for all. If threads cannot be
 * created, fewer run (at least the caller), so fn must share work through
 * its argument rather than assume a count. */
void whorl__parallel(int n, void *(*fn)(void *), void *arg, void *main_arg);

/* Number of online CPUs (>= 1). */
int whorl__cpu_count(void);
/* Monotonic clock in nanoseconds. */
uint64_t whorl__now_ns(void);

/* UTF-8 validation (RFC 3629: no overlongs, no surrogates). 1 if valid. */
int whorl__utf8_valid(const char *s, size_t len);
/* Replaces every byte of s (NUL-terminated) that is not part of a valid
 * UTF-8 sequence with '?': for messages that quote user bytes (a cut
 * sequence at the end of a truncated message, a Latin-1 name) and go into
 * JSON documents, which hold UTF-8 only. */
void whorl__utf8_scrub(char *s);

/* Reads a whole file of at most max bytes with read(); *out malloc'd. */
int whorl__read_file(const char *path, size_t max, char **out, size_t *len, whorl_error *err);
/* Writes all of buf to fd, retrying short writes. 0 or -1 (errno set). */
int whorl__write_all(int fd, const void *buf, size_t len);
/* pread() that retries short reads/EINTR until len bytes or EOF. Returns
 * bytes read or -1. */
long long whorl__pread_full(int fd, void *buf, size_t len, uint64_t off);

#endif
