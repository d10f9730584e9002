/* jsonl.c - JSON Lines reader: see jsonl.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "canon/canon.h"
#include "table/jsonl.h"
#include "table/window.h"
#include "util/util.h"

struct whorl_jsonl {
  whorl_window w;
  const char *path;
  size_t max_line;
  uint64_t line;
  uint64_t col;    /* array mode: 1-based column (characters) of w.start */
  int started;     /* a leading byte order mark was looked for */
  whorl_json *cur;
  int array;       /* a JSON array of objects instead of lines */
  int astate;      /* 0 before '[', 1 just inside, 2 after ']', 3 after an
                      object, 4 after a ',' */
  uint64_t count;  /* objects read (array mode) */
  /* the last line given flat (whorl_jsonl_next_flat), for whorl_jsonl_reparse */
  const char *last;
  size_t last_len;
  uint64_t last_off;
};

int whorl_jsonl_new(whorl_csv_read_fn read, void *ctx, const char *path, size_t max_line, whorl_jsonl **out,
                    whorl_error *err) {
  *out = NULL;
  whorl_jsonl *r = calloc(1, sizeof *r);
  if (!r) return whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
  r->path = path;
  r->max_line = max_line ? max_line : (64u << 20);
  r->col = 1;
  if (whorl__window_init(&r->w, read, ctx, r->max_line + 1)) {
    free(r);
    return whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
  }
  *out = r;
  return WHORL_OK;
}

static int fill(whorl_jsonl *r, whorl_error *err) {
  int rc = whorl__window_fill(&r->w);
  if (rc == 1 && r->array)
    return whorl__error(err, WHORL_EFORMAT, r->path, (int64_t)r->w.base, "line %llu: an object longer than %zu bytes",
                        (unsigned long long)r->line + 1, r->max_line);
  if (rc == 1)
    return whorl__error(err, WHORL_EFORMAT, r->path, (int64_t)r->w.base,
                        "line %llu: longer than %zu bytes (a line without its line break?)",
                        (unsigned long long)r->line + 1, r->max_line);
  if (rc == -2) return whorl__error(err, WHORL_ENOMEM, r->path, -1, "out of memory");
  if (rc == -1) return whorl__error_errno(err, errno, r->path, "read");
  return 0;
}

void whorl_jsonl_set_array(whorl_jsonl *r) { r->array = 1; }

void whorl_jsonl_set_midfile(whorl_jsonl *r) { r->started = 1; }

/* Skips a UTF-8 byte order mark at the very start of the input (as the
 * CSV reader does), once. */
static int skip_bom(whorl_jsonl *r, whorl_error *err) {
  if (r->started) return 0;
  r->started = 1;
  while (!r->w.eof && r->w.end - r->w.start < 3) {
    int rc = fill(r, err);
    if (rc) return rc;
  }
  if (r->w.end - r->w.start >= 3 && !memcmp(r->w.buf + r->w.start, "\xef\xbb\xbf", 3)) r->w.start += 3;
  return 0;
}

/* Characters (UTF-8 lead bytes) in s[0, n). */
static uint64_t chars(const char *s, size_t n) {
  uint64_t c = 0;
  for (size_t i = 0; i < n; i++) c += ((unsigned char)s[i] & 0xC0) != 0x80;
  return c;
}

/* A parse error of the text s (starting at file offset off, on file line
 * `line`, column `col`) as one position in the file: its line and column,
 * and the byte offset. */
static int parse_error(whorl_jsonl *r, const char *s, uint64_t off, uint64_t line, uint64_t col, const whorl_error *perr,
                       whorl_error *err) {
  size_t at = perr->offset > 0 ? (size_t)perr->offset : 0;
  size_t ls = 0; /* start of the error's line within s */
  for (size_t i = 0; i < at; i++)
    if (s[i] == '\n') line++, ls = i + 1, col = 1;
  col += chars(s + ls, at - ls);
  return whorl__error(err, WHORL_EFORMAT, r->path, (int64_t)(off + at), "line %llu, column %llu: %s",
                      (unsigned long long)line, (unsigned long long)col, perr->message);
}

/* Array mode: "[ {..}, {..}, ... ]", one object at a time. The object's
 * extent is found by counting brackets outside strings; whorl_json_parse
 * then checks it. Bounded like a line: an object may not exceed max_line. */

/* Skips white space (counting lines), reading more as needed. 1 when the
 * input ended, 0 when a byte waits at w.start, or a negative status. */
static int skip_space(whorl_jsonl *r, whorl_error *err) {
  for (;;) {
    while (r->w.start < r->w.end) {
      uint8_t ch = r->w.buf[r->w.start];
      if (ch != ' ' && ch != '\t' && ch != '\r' && ch != '\n') return 0;
      r->line += ch == '\n';
      r->col = ch == '\n' ? 1 : r->col + 1;
      r->w.start++;
    }
    if (r->w.eof) return 1;
    int rc = fill(r, err);
    if (rc) return rc;
  }
}

static int array_error(whorl_jsonl *r, whorl_error *err, const char *what) {
  return whorl__error(err, WHORL_EFORMAT, r->path, (int64_t)(r->w.base + r->w.start), "line %llu, column %llu: %s",
                      (unsigned long long)r->line + 1, (unsigned long long)r->col, what);
}

static int next_in_array(whorl_jsonl *r, const whorl_json **obj, uint64_t *line, whorl_error *err) {
  for (;;) {
    int end = skip_bom(r, err);
    if (end) return end;
    end = skip_space(r, err);
    if (end < 0) return end;
    if (end)
      return r->astate == 2 ? 0
             : r->astate == 0 ? array_error(r, err, "no JSON array of objects (the text is empty or only white space)")
                              : array_error(r, err, "the JSON array ends before its ']'");
    uint8_t ch = r->w.buf[r->w.start];
    if (r->astate == 0) {
      if (ch != '[') return array_error(r, err, "not a JSON array of objects");
      r->astate = 1;
      r->w.start++;
      r->col++;
      continue;
    }
    if (r->astate == 2) return array_error(r, err, "text after the JSON array");
    if (r->astate == 1 && ch == ']') { /* "[]", or after an object */
      r->astate = 2;
      r->w.start++;
      r->col++;
      continue;
    }
    if (r->astate == 3) { /* after an object: ',' or ']' */
      if (ch == ']') {
        r->astate = 2;
        r->w.start++;
        continue;
      }
      if (ch != ',') return array_error(r, err, "expected ',' or ']' in the JSON array");
      r->astate = 4;
      r->w.start++;
      r->col++;
      continue;
    }
    /* states 1 and 4: an object is due */
    if (ch != '{') return array_error(r, err, "an element of the JSON array is not an object");
    size_t k = 0;
    int depth = 0, instr = 0, esc = 0;
    uint64_t lines = 0;
    for (;;) {
      const uint8_t *b = r->w.buf + r->w.start;
      size_t n = r->w.end - r->w.start;
      for (; k < n; k++) {
        uint8_t c = b[k];
        if (c == '\n') lines++;
        if (instr) {
          if (esc) esc = 0;
          else if (c == '\\') esc = 1;
          else if (c == '"') instr = 0;
        } else if (c == '"') {
          instr = 1;
        } else if (c == '{' || c == '[') {
          depth++;
        } else if ((c == '}' || c == ']') && --depth == 0) {
          break;
        }
      }
      if (k < n) break;
      if (r->w.eof) return array_error(r, err, "an object of the JSON array is not closed");
      int rc = fill(r, err);
      if (rc) return rc;
    }
    whorl_error perr;
    uint64_t off = r->w.base + r->w.start;
    const char *s = (const char *)r->w.buf + r->w.start;
    if (whorl__json_parse_row(s, k + 1, &r->cur, &perr) != WHORL_OK)
      return parse_error(r, s, off, r->line + 1, r->col, &perr, err);
    *line = r->line + 1;
    r->line += lines;
    size_t ls = 0; /* the column after the object */
    for (size_t i = 0; i <= k; i++)
      if (s[i] == '\n') ls = i + 1, r->col = 1;
    r->col += chars(s + ls, k + 1 - ls);
    r->w.start += k + 1;
    r->astate = 3;
    r->count++;
    *obj = r->cur;
    return 1;
  }
}

/* ---- flat lines ---------------------------------------------------------------
 * Most lines of real JSON Lines files are one object of scalars: keys and
 * strings without escapes, numbers without exponents, true, false, null.
 * Such a line is scanned in place, without building its JSON tree; any
 * other line (escapes, exponents, nesting, NaN, anything invalid) is left
 * to the JSON parser, which also reports errors. */

/* A string at s[i] (the opening quote): its bytes up to the closing quote
 * when plain (no escape, no control byte, valid UTF-8). The index after
 * the closing quote, or 0. */
static size_t flat_string(const char *s, size_t n, size_t i, const char **v, uint32_t *vl) {
  size_t j = i + 1;
  int high = 0;
  for (; j < n; j++) {
    const unsigned char c = (unsigned char)s[j];
    if (c == '"') break;
    if (c == '\\' || c < 0x20) return 0;
    high |= c >= 0x80;
  }
  if (j >= n || j - i - 1 > UINT32_MAX) return 0;
  if (high && !whorl__utf8_valid(s + i + 1, j - i - 1)) return 0;
  *v = s + i + 1;
  *vl = (uint32_t)(j - i - 1);
  return j + 1;
}

static size_t flat_ws(const char *s, size_t n, size_t i) {
  while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) i++;
  return i;
}

int whorl__jsonl_flat(const char *s, size_t n, whorl_jflat *f) {
  f->n = 0;
  size_t i = flat_ws(s, n, 0);
  if (i >= n || s[i] != '{') return 0;
  i = flat_ws(s, n, i + 1);
  if (i < n && s[i] == '}') return flat_ws(s, n, i + 1) == n;
  for (;;) {
    if (f->n == f->cap) {
      size_t nc = f->cap ? f->cap * 2 : 32;
      whorl_jmember *m = realloc(f->m, nc * sizeof *m);
      if (!m) return 0;
      f->m = m;
      f->cap = nc;
    }
    whorl_jmember *m = &f->m[f->n];
    if (i >= n || s[i] != '"' || !(i = flat_string(s, n, i, &m->k, &m->kl))) return 0;
    i = flat_ws(s, n, i);
    if (i >= n || s[i] != ':') return 0;
    i = flat_ws(s, n, i + 1);
    if (i >= n) return 0;
    const char c = s[i];
    if (c == '"') {
      if (!(i = flat_string(s, n, i, &m->v, &m->vl))) return 0;
      m->kind = 's';
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      /* -?(0|[1-9][0-9]*)(.[0-9]+)? : what the CSV reader reads alike */
      size_t j = i + (c == '-');
      if (j >= n || s[j] < '0' || s[j] > '9') return 0;
      if (s[j] == '0') j++;
      else
        while (j < n && s[j] >= '0' && s[j] <= '9') j++;
      if (j < n && s[j] == '.') {
        size_t d = ++j;
        while (j < n && s[j] >= '0' && s[j] <= '9') j++;
        if (j == d) return 0;
      }
      if (j < n && ((s[j] >= '0' && s[j] <= '9') || s[j] == 'e' || s[j] == 'E')) return 0; /* 01, exponents */
      m->v = s + i;
      m->vl = (uint32_t)(j - i);
      m->kind = 'n';
      i = j;
    } else if (n - i >= 4 && !memcmp(s + i, "true", 4)) {
      m->v = s + i, m->vl = 4, m->kind = 't', i += 4;
    } else if (n - i >= 5 && !memcmp(s + i, "false", 5)) {
      m->v = s + i, m->vl = 5, m->kind = 'f', i += 5;
    } else if (n - i >= 4 && !memcmp(s + i, "null", 4)) {
      m->v = s + i, m->vl = 0, m->kind = 'z', i += 4;
    } else {
      return 0;
    }
    f->n++;
    i = flat_ws(s, n, i);
    if (i >= n) return 0;
    if (s[i] == '}') return flat_ws(s, n, i + 1) == n;
    if (s[i] != ',') return 0;
    i = flat_ws(s, n, i + 1);
  }
}

void whorl__jflat_free(whorl_jflat *f) {
  free(f->m);
  memset(f, 0, sizeof *f);
}

int whorl_jsonl_next(whorl_jsonl *r, const whorl_json **obj, uint64_t *line, whorl_error *err) {
  return whorl_jsonl_next_flat(r, obj, NULL, line, err);
}

int whorl_jsonl_reparse(whorl_jsonl *r, const whorl_json **obj, whorl_error *err) {
  whorl_json_free(r->cur);
  r->cur = NULL;
  whorl_error perr;
  if (!r->last) return whorl__error(err, WHORL_EINVAL, r->path, -1, "no line to parse again");
  if (whorl__json_parse_row(r->last, r->last_len, &r->cur, &perr) != WHORL_OK)
    return parse_error(r, r->last, r->last_off, r->line, 1, &perr, err);
  if (whorl_json_typeof(r->cur) != WHORL_JSON_OBJECT) {
    whorl_json_free(r->cur);
    r->cur = NULL;
    return whorl__error(err, WHORL_EFORMAT, r->path, (int64_t)r->last_off, "line %llu: not a JSON object",
                        (unsigned long long)r->line);
  }
  *obj = r->cur;
  return WHORL_OK;
}

int whorl_jsonl_next_flat(whorl_jsonl *r, const whorl_json **obj, whorl_jflat *flat, uint64_t *line, whorl_error *err) {
  whorl_json_free(r->cur);
  r->cur = NULL;
  r->last = NULL;
  *obj = NULL;
  if (r->array) return next_in_array(r, obj, line, err);
  int rc0 = skip_bom(r, err);
  if (rc0) return rc0;
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
    if (flat && whorl__jsonl_flat(s, len, flat)) {
      r->last = s, r->last_len = len, r->last_off = off;
      *line = r->line;
      return 1;
    }
    whorl_error perr;
    if (whorl__json_parse_row(s, len, &r->cur, &perr) != WHORL_OK)
      return parse_error(r, s, off, r->line, 1, &perr, err);
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
  case WHORL_JSON_NUMBER: {
    /* an integer beyond int64, or a number beyond the double range: its
     * literal, read as the same text in a CSV field is */
    const char *lit = whorl__json_number_literal(v);
    if (lit) return whorl__value_text(lit, strlen(lit), 0, out);
    return whorl_json_is_int(v) ? whorl__value_int(whorl_json_get_int(v), out)
                                : whorl__value_double(whorl_json_get_double(v), out);
  }
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
