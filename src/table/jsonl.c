/* jsonl.c - JSON Lines reader: see jsonl.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "table/jsonl.h"
#include "util/util.h"

#define CHUNK (1u << 20)

struct whorl_jsonl {
  whorl_csv_read_fn read;
  void *ctx;
  const char *path;
  size_t max_line;
  uint8_t *buf;
  size_t cap, start, end;
  int eof;
  uint64_t base, line;
  whorl_json *cur;
};

int whorl_jsonl_new(whorl_csv_read_fn read, void *ctx, const char *path, size_t max_line, whorl_jsonl **out,
                    whorl_error *err) {
  *out = NULL;
  whorl_jsonl *r = calloc(1, sizeof *r);
  if (!r) return whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
  r->read = read;
  r->ctx = ctx;
  r->path = path;
  r->max_line = max_line ? max_line : (64u << 20);
  r->cap = CHUNK < r->max_line + 1 ? CHUNK : r->max_line + 1;
  r->buf = malloc(r->cap);
  if (!r->buf) {
    free(r);
    return whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
  }
  *out = r;
  return WHORL_OK;
}

static int fill(whorl_jsonl *r, whorl_error *err) {
  if (r->start > 0) {
    memmove(r->buf, r->buf + r->start, r->end - r->start);
    r->base += r->start;
    r->end -= r->start;
    r->start = 0;
  }
  if (r->end == r->cap) {
    size_t ncap = r->cap * 2 > r->max_line + 1 ? r->max_line + 1 : r->cap * 2;
    if (ncap <= r->cap)
      return whorl__error(err, WHORL_EFORMAT, r->path, (int64_t)r->base,
                          "line %llu: longer than %zu bytes (a line without its line break?)",
                          (unsigned long long)r->line + 1, r->max_line);
    uint8_t *nb = realloc(r->buf, ncap);
    if (!nb) return whorl__error(err, WHORL_ENOMEM, r->path, -1, "out of memory");
    r->buf = nb;
    r->cap = ncap;
  }
  long long n = r->read(r->ctx, r->buf + r->end, r->cap - r->end);
  if (n < 0) return whorl__error_errno(err, errno, r->path, "read");
  if (n == 0) r->eof = 1;
  r->end += (size_t)n;
  return 0;
}

int whorl_jsonl_next(whorl_jsonl *r, const whorl_json **obj, uint64_t *line, whorl_error *err) {
  whorl_json_free(r->cur);
  r->cur = NULL;
  size_t scanned = 0;
  for (;;) {
    const uint8_t *nl = memchr(r->buf + r->start + scanned, '\n', r->end - r->start - scanned);
    if (!nl && !r->eof) {
      scanned = r->end - r->start;
      int rc = fill(r, err);
      if (rc) return rc;
      continue;
    }
    if (!nl && r->start == r->end) return 0;
    size_t lend = nl ? (size_t)(nl - r->buf) : r->end;
    size_t next = nl ? lend + 1 : r->end;
    r->line++;
    const char *s = (const char *)r->buf + r->start;
    size_t len = lend - r->start;
    if (len && s[len - 1] == '\r') len--;
    uint64_t off = r->base + r->start;
    r->start = next;
    scanned = 0;
    size_t k = 0;
    while (k < len && (s[k] == ' ' || s[k] == '\t')) k++;
    if (k == len) continue; /* blank line */
    whorl_error perr;
    if (whorl_json_parse(s, len, &r->cur, &perr) != WHORL_OK)
      return whorl__error(err, WHORL_EFORMAT, r->path, (int64_t)(off + (uint64_t)(perr.offset > 0 ? perr.offset : 0)),
                          "line %llu: %s", (unsigned long long)r->line, perr.message);
    if (whorl_json_typeof(r->cur) != WHORL_JSON_OBJECT) {
      whorl_json_free(r->cur);
      r->cur = NULL;
      return whorl__error(err, WHORL_EFORMAT, r->path, (int64_t)off, "line %llu: not a JSON object",
                          (unsigned long long)r->line);
    }
    *obj = r->cur;
    *line = r->line;
    return 1;
  }
}

void whorl_jsonl_free(whorl_jsonl *r) {
  if (!r) return;
  whorl_json_free(r->cur);
  free(r->buf);
  free(r);
}

whorl_vkind whorl__value_json(const whorl_json *v, whorl_buf *out) {
  switch (whorl_json_typeof(v)) {
  case WHORL_JSON_NULL: return whorl__value_null(out);
  case WHORL_JSON_BOOL: return whorl__value_bool(whorl_json_get_bool(v), out);
  case WHORL_JSON_NUMBER:
    return whorl_json_is_int(v) ? whorl__value_int(whorl_json_get_int(v), out)
                                : whorl__value_double(whorl_json_get_double(v), out);
  case WHORL_JSON_STRING: {
    size_t n = 0;
    const char *s = whorl_json_get_string(v, &n);
    return whorl__value_text(s, n, 1, out);
  }
  default: {
    char *c = NULL;
    size_t n = 0;
    whorl_buf_putc(out, 'J');
    if (whorl_json_canonical(v, &c, &n) == WHORL_OK) whorl_buf_put(out, c, n);
    else out->oom = 1;
    free(c);
    return WHORL_V_JSON;
  }
  }
}
