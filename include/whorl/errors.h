/*
 * whorl/errors.h - status codes and the caller-owned error record.
 *
 * Every fallible whorl function returns an int: WHORL_OK (0) or one of the
 * negative codes below. When the caller passes a non-NULL `whorl_error *`,
 * the function fills it with a one-line message and, where they are known,
 * the file path and byte offset at fault. The struct is plain storage owned
 * by the caller (stack allocation is fine); nothing inside needs freeing.
 */
#ifndef WHORL_ERRORS_H
#define WHORL_ERRORS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum whorl_status {
  WHORL_OK = 0,
  WHORL_EINVAL = -1,      /* bad argument or option from the caller */
  WHORL_ENOMEM = -2,      /* allocation failed */
  WHORL_EIO = -3,         /* read/write/system error */
  WHORL_ENOENT = -4,      /* no such file or folder */
  WHORL_EACCES = -5,      /* permission denied */
  WHORL_EFORMAT = -6,     /* malformed input (bad JSON, truncated file, ...) */
  WHORL_ECHANGED = -7,    /* input changed while it was being read */
  WHORL_EUNSUPPORTED = -8 /* valid input that whorl cannot handle (yet) */
} whorl_status;

#define WHORL_ERROR_MSG_MAX 512
#define WHORL_ERROR_PATH_MAX 4096

typedef struct whorl_error {
  int code;                          /* a whorl_status */
  char message[WHORL_ERROR_MSG_MAX]; /* one line, no trailing newline */
  char path[WHORL_ERROR_PATH_MAX];   /* file at fault, "" when none */
  int64_t offset;                    /* byte offset in `path`, -1 when unknown */
} whorl_error;

/* Resets `err` to "no error". Accepts NULL. */
void whorl_error_clear(whorl_error *err);

/* Static English name of a status code ("I/O error", ...). Never NULL. */
const char *whorl_status_str(int code);

/* Formats "path: message (at byte N)" into buf; returns buf. Control bytes
 * in the path are written as \xNN so the result is always one line. */
const char *whorl_error_format(const whorl_error *err, char *buf, unsigned long bufsize);

#ifdef __cplusplus
}
#endif
#endif
