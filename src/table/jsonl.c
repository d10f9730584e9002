/* jsonl.c - JSON Lines reader: see jsonl.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "table/jsonl.h"
#include "table/window.h"
#include "util/util.h"

struct whorl_jsonl {
  whorl_window w;
  const char *path;
  size_t max_line;
  uint64_t line;
  whorl_json *cur;
};

int whorl_jsonl_new(whorl_csv_read_fn read, void *ctx, const char *path, size_t max_line, whorl_jsonl **out,
                    whorl_error *err) {
  *out = NULL;
  whorl_jsonl *r = calloc(1, sizeof *r);
  if (!r) return whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
  r->path = path;
  r->max_line = max_line ? max_line : (64u << 20);
  if (whorl__window_init(&r->w, read, ctx, r->max_line + 1)) {
    free(r);
    return whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
  }
  *out = r;
  return WHORL_OK;
}

static int fill(whorl_jsonl *r, whorl_error *err) {
  int rc = whorl__window_fill(&r->w);
  if (rc == 1)
    return whorl__error(err, WHORL_EFORMAT, r->path, (int64_t)r->w.base,
                        "line %llu: longer than %zu bytes (a line without its line break?)",
                        (unsigned long long)r->line + 1, r->max_line);
  if (rc == -2) return whorl__error(err, WHORL_ENOMEM, r->path, -1, "out of memory");
  if (rc == -1) return whorl__error_errno(err, errno, r->path, "read");
  return 0;
}

int whorl_jsonl_next(whorl_jsonl *r, const whorl_json **obj, uint64_t *line, whorl_error *err) {
  whorl_json_free(r->cur);
  r->cur = NULL;
  size_t scanned = 0;
  for (;;) {
    const uint8_t *nl = memchr(r->w.buf + r->w.start + scanned, '\n', r->w.end - r->w.start - scanned);
    if (!nl && !r->w.eof) {
      scanned = r->w.end - r->w.start;
      int rc = fill(r, err);
      if (rc) return rc;
      continue;
    }
    if (!nl && r->w.start == r->w.end) return 0;
    size_t lend = nl ? (size_t)(nl - r->w.buf) : r->w.end;
    size_t next = nl ? lend + 1 : r->w.end;
    r->line++;
    const char *s = (const char *)r->w.buf + r->w.start;
    size_t len = lend - r->w.start;
    if (len && s[len - 1] == '\r') len--;
    uint64_t off = r->w.base + r->w.start;
    r->w.start = next;
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
  whorl__window_free(&r->w);
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
