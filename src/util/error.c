#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util/util.h"

void whorl_error_clear(whorl_error *err) {
  if (!err) return;
  err->code = WHORL_OK;
  err->message[0] = 0;
  err->path[0] = 0;
  err->offset = -1;
}

const char *whorl_status_str(int code) {
  switch (code) {
  case WHORL_OK: return "ok";
  case WHORL_EINVAL: return "invalid argument";
  case WHORL_ENOMEM: return "out of memory";
  case WHORL_EIO: return "I/O error";
  case WHORL_ENOENT: return "not found";
  case WHORL_EACCES: return "permission denied";
  case WHORL_EFORMAT: return "malformed input";
  case WHORL_ECHANGED: return "changed while reading";
  case WHORL_EUNSUPPORTED: return "unsupported";
  default: return "unknown error";
  }
}

/* File names may hold newlines and other control bytes: escape them so a
 * message stays one line. */
static void escape_path(const char *in, char *out, size_t outsize) {
  static const char digits[] = "0123456789abcdef";
  size_t o = 0;
  for (const unsigned char *p = (const unsigned char *)in; *p && o + 5 < outsize; p++) {
    if (*p < 0x20 || *p == 0x7f) {
      out[o++] = '\\';
      out[o++] = 'x';
      out[o++] = digits[*p >> 4];
      out[o++] = digits[*p & 15];
    } else {
      out[o++] = (char)*p;
    }
  }
  out[o] = 0;
}

const char *whorl_error_format(const whorl_error *err, char *buf, unsigned long bufsize) {
  if (!buf || bufsize == 0) return buf;
  if (!err) {
    snprintf(buf, bufsize, "unknown error");
    return buf;
  }
  const char *msg = err->message[0] ? err->message : whorl_status_str(err->code);
  char path[WHORL_ERROR_PATH_MAX * 2];
  escape_path(err->path, path, sizeof path);
  if (err->path[0] && err->offset >= 0)
    snprintf(buf, bufsize, "%s: %s (at byte %lld)", path, msg, (long long)err->offset);
  else if (err->path[0])
    snprintf(buf, bufsize, "%s: %s", path, msg);
  else
    snprintf(buf, bufsize, "%s", msg);
  return buf;
}

int whorl__error(whorl_error *err, int code, const char *path, int64_t offset, const char *fmt, ...) {
  if (!err) return code;
  err->code = code;
  err->offset = offset;
  if (path) {
    size_t n = strlen(path);
    if (n >= sizeof err->path) n = sizeof err->path - 1;
    memcpy(err->path, path, n);
    err->path[n] = 0;
  } else {
    err->path[0] = 0;
  }
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->message, sizeof err->message, fmt, ap);
  va_end(ap);
  /* One line, always: a message never carries a newline. */
  for (char *p = err->message; *p; p++)
    if (*p == '\n' || *p == '\r') *p = ' ';
  return code;
}

int whorl__status_from_errno(int errnum) {
  switch (errnum) {
  case ENOENT:
  case ENOTDIR: return WHORL_ENOENT;
  case EACCES:
  case EPERM: return WHORL_EACCES;
  case ENOMEM: return WHORL_ENOMEM;
  case EINVAL: return WHORL_EINVAL;
  default: return WHORL_EIO;
  }
}

const char *whorl__errno_text(int errnum) {
  switch (errnum) {
  case ENOENT: return "no such file or folder";
  case ENOTDIR: return "a path component is not a folder";
  case EACCES:
  case EPERM: return "permission denied";
  case ELOOP: return "too many levels of symbolic links";
  case ENAMETOOLONG: return "name too long";
  case EIO: return "input/output error";
  case ENOMEM: return "out of memory";
  case EMFILE:
  case ENFILE: return "too many open files";
  default: return strerror(errnum);
  }
}

int whorl__error_errno(whorl_error *err, int errnum, const char *path, const char *what) {
  int code = whorl__status_from_errno(errnum);
  const char *why = whorl__errno_text(errnum);
  if (what && *what) return whorl__error(err, code, path, -1, "cannot %s: %s", what, why);
  return whorl__error(err, code, path, -1, "%s", why);
}
