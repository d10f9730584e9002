/* render.c - fingerprints and diff reports as text for people. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"
#include "whorl/diff.h"

static void human_size(whorl_buf *b, int64_t n) {
  static const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  if (n < 1024) {
    whorl_buf_printf(b, "%" PRId64 " B", n);
    return;
  }
  double v = (double)n;
  int u = 0;
  while (v >= 1024 && u < 5) v /= 1024, u++;
  whorl_buf_printf(b, "%.1f %s", v, units[u]);
}

static const char *str(const whorl_json *o, const char *k) {
  const char *s = whorl_json_object_get_string(o, k);
  return s ? s : "";
}

static void field(whorl_buf *b, const char *label, const char *value) {
  if (value && *value) whorl_buf_printf(b, "%-9s %s\n", label, value);
}

/* A name or path for one line of text: control bytes as \xNN (a name
 * holding a line feed must not split a report line). Four buffers in turn,
 * so one printf can show several; long names are cut at 400 bytes. */
static const char *esc(const char *s) {
  static _Thread_local char buf[4][1700];
  static _Thread_local int turn;
  char *o = buf[turn++ & 3], *start = o;
  size_t n = 0;
  for (; s && *s && n < 400; s++, n++) {
    unsigned char c = (unsigned char)*s;
    if (c < 0x20 || c == 0x7f) o += sprintf(o, "\\x%02x", c);
    else *o++ = (char)c;
  }
  if (s && *s) o += sprintf(o, "...");
  *o = 0;
  return start;
}

/* A JSON scalar, short: numbers with 6 significant digits, strings quoted
 * and cut at 24 bytes. */
static void scalar(whorl_buf *b, const whorl_json *v) {
  switch (whorl_json_typeof(v)) {
  case WHORL_JSON_NUMBER:
    if (whorl_json_is_int(v)) whorl_buf_printf(b, "%" PRId64, whorl_json_get_int(v));
    else whorl_buf_printf(b, "%.6g", whorl_json_get_double(v));
    break;
  case WHORL_JSON_STRING: {
    size_t n;
    const char *s = whorl_json_get_string(v, &n);
    /* one line whatever the value: control characters escaped */
    whorl_buf_putc(b, '"');
    size_t k = 0;
    for (; k < n && k < 24; k++) {
      unsigned char c = (unsigned char)s[k];
      if (c == '"' || c == '\\') whorl_buf_printf(b, "\\%c", c);
      else if (c == '\n') whorl_buf_puts(b, "\\n");
      else if (c == '\t') whorl_buf_puts(b, "\\t");
      else if (c == '\r') whorl_buf_puts(b, "\\r");
      else if (c < 0x20 || c == 0x7f) whorl_buf_printf(b, "\\x%02x", c);
      else whorl_buf_putc(b, (char)c);
    }
    whorl_buf_puts(b, n > 24 ? "...\"" : "\"");
    break;
  }
  case WHORL_JSON_BOOL:
    whorl_buf_puts(b, whorl_json_get_bool(v) ? "true" : "false");
    break;
  default:
    whorl_buf_puts(b, "null");
  }
}

/* The profile of a column in one line: range, mean and spread, distinct
 * values and the most frequent one. */
static void profile_line(whorl_buf *b, const whorl_json *p) {
  const whorl_json *mn = whorl_json_object_get(p, "min"), *mx = whorl_json_object_get(p, "max");
  if (mn && mx) {
    whorl_buf_puts(b, "  ");
    scalar(b, mn);
    whorl_buf_puts(b, "..");
    scalar(b, mx);
  }
  const whorl_json *mean = whorl_json_object_get(p, "mean"), *sd = whorl_json_object_get(p, "stddev");
  if (mean) {
    whorl_buf_puts(b, "  mean ");
    scalar(b, mean);
  }
  if (sd && whorl_json_typeof(sd) == WHORL_JSON_NUMBER) {
    whorl_buf_puts(b, "  sd ");
    scalar(b, sd);
  }
  whorl_buf_printf(b, "  %s%" PRId64 " distinct", whorl_json_get_bool(whorl_json_object_get(p, "distinct_exact")) ? "" : "~",
                   whorl_json_object_get_int(p, "distinct", 0));
  const whorl_json *top = whorl_json_array_get(whorl_json_object_get(p, "frequent"), 0);
  if (top && !mean && whorl_json_get_int(whorl_json_array_get(top, 1)) > 1) { /* a top value seen once tells nothing */
    whorl_buf_puts(b, ", top ");
    scalar(b, whorl_json_array_get(top, 0));
    whorl_buf_printf(b, " x%" PRId64, whorl_json_get_int(whorl_json_array_get(top, 1)));
  }
  int64_t v = whorl_json_object_get_int(p, "violations", 0);
  if (v) whorl_buf_printf(b, "  %" PRId64 " of another type", v);
}

static void render_fp(whorl_buf *b, const whorl_json *d);

/* The strongest correlations (|r|, off the diagonal), at most five. */
static void top_correlations(whorl_buf *b, const whorl_json *c) {
  const whorl_json *names = whorl_json_object_get(c, "columns"), *m = whorl_json_object_get(c, "matrix");
  size_t n = whorl_json_size(names);
  struct pair {
    size_t i, j;
    double r;
  } best[5];
  size_t nb = 0;
  for (size_t i = 0; i < n; i++)
    for (size_t j = i + 1; j < n; j++) {
      const whorl_json *v = whorl_json_array_get(whorl_json_array_get(m, i), j);
      if (whorl_json_typeof(v) != WHORL_JSON_NUMBER) continue;
      double r = whorl_json_get_double(v), a = r < 0 ? -r : r;
      size_t k = nb < 5 ? nb++ : 5;
      while (k > 0 && (best[k - 1].r < 0 ? -best[k - 1].r : best[k - 1].r) < a) {
        if (k < 5) best[k] = best[k - 1];
        k--;
      }
      if (k < 5) best[k] = (struct pair){i, j, r};
    }
  whorl_buf_printf(b, "%-9s pearson over %" PRId64 " sampled rows, %zu numeric columns\n", "correlate",
                   whorl_json_object_get_int(c, "sample_rows", 0), n);
  for (size_t k = 0; k < nb; k++)
    whorl_buf_printf(b, "  %+.3f  %s ~ %s\n", best[k].r, whorl_json_get_string(whorl_json_array_get(names, best[k].i), NULL),
                     whorl_json_get_string(whorl_json_array_get(names, best[k].j), NULL));
}

static void render_features(whorl_buf *b, const whorl_json *d) {
  field(b, "features", str(d, "name"));
  field(b, "id", str(d, "id"));
  whorl_buf_printf(b, "%-9s %s (%s)\n", "level", str(d, "level"), str(d, "rules"));
  const whorl_json *p = whorl_json_object_get(d, "pipeline");
  whorl_buf_printf(b, "%-9s %s  %s (%s)\n", "pipeline", str(p, "id"), str(p, "name"), str(p, "format"));
  const whorl_json *c = whorl_json_object_get(d, "code"), *files = whorl_json_object_get(c, "files");
  whorl_buf_printf(b, "%-9s %s  %zu file%s\n", "code", str(c, "id"), whorl_json_size(files), whorl_json_size(files) == 1 ? "" : "s");
  for (size_t i = 0; i < whorl_json_size(files); i++) {
    const whorl_json *f = whorl_json_array_get(files, i);
    whorl_buf_printf(b, "  %.16s  %s\n", str(f, "blake3"), str(f, "name"));
  }
  const whorl_json *in = whorl_json_object_get(d, "input");
  if (in) whorl_buf_printf(b, "%-9s %s  %s (%s, from its %s)\n", "input", str(in, "id"), str(in, "name"), str(in, "kind"), str(in, "from"));
  else whorl_buf_printf(b, "%-9s none given\n", "input");
  const whorl_json *m = whorl_json_object_get(d, "matrix");
  whorl_buf_printf(b, "%-9s %s\n", "matrix", str(m, "id"));
  const whorl_json *corr = whorl_json_object_get(d, "correlation");
  if (corr) top_correlations(b, corr);
  const whorl_json *t = whorl_json_object_get(m, "table");
  if (t) {
    whorl_buf_puts(b, "\n");
    render_fp(b, t);
  }
}

static void render_model(whorl_buf *b, const whorl_json *d) {
  field(b, "model", str(d, "name"));
  field(b, "id", str(d, "id"));
  whorl_buf_printf(b, "%-9s %s (%s)\n", "level", str(d, "level"), str(d, "rules"));
  int64_t size = whorl_json_object_get_int(d, "size", 0);
  whorl_buf_printf(b, "%-9s %s, %" PRId64 " bytes", "format", str(d, "format"), size);
  if (size >= 1024) {
    whorl_buf_puts(b, " (");
    human_size(b, size);
    whorl_buf_puts(b, ")");
  }
  whorl_buf_putc(b, '\n');
  const whorl_json *a = whorl_json_object_get(d, "architecture");
  const int64_t ntens = whorl_json_object_get_int(a, "tensors", 0);
  whorl_buf_printf(b, "%-9s %s  %" PRId64 " tensor%s, ", "arch", str(a, "id"), ntens, ntens == 1 ? "" : "s");
  scalar(b, whorl_json_object_get(a, "parameters"));
  whorl_buf_puts(b, " parameters\n");
  const whorl_json *c = whorl_json_object_get(d, "config"), *cv = whorl_json_object_get(c, "value");
  whorl_buf_printf(b, "%-9s %s", "config", str(c, "id"));
  for (size_t i = 0; i < whorl_json_size(cv); i++) {
    size_t kl;
    const char *k = whorl_json_object_key(cv, i, &kl);
    whorl_buf_printf(b, "%s%.*s", i ? ", " : "  ", (int)kl, k);
  }
  whorl_buf_putc(b, '\n');
  const whorl_json *t = whorl_json_object_get(d, "training");
  whorl_buf_printf(b, "%-9s %s  %zu param%s, %zu file%s\n", "training", str(t, "id"), whorl_json_size(whorl_json_object_get(t, "params")),
                   whorl_json_size(whorl_json_object_get(t, "params")) == 1 ? "" : "s", whorl_json_size(whorl_json_object_get(t, "files")),
                   whorl_json_size(whorl_json_object_get(t, "files")) == 1 ? "" : "s");
  const whorl_json *w = whorl_json_object_get(d, "weights");
  if (w) field(b, "weights", str(w, "root"));
  /* a folder's files in no id (README, a pytorch_model.bin beside
   * safetensors): their extras fingerprint, and their names */
  const whorl_json *nf = whorl_json_object_get(whorl_json_object_get(d, "container"), "not_fingerprinted");
  const whorl_json *ex = whorl_json_object_get(d, "extras");
  if (ex) {
    const int64_t nf2 = whorl_json_object_get_int(ex, "files", 0);
    whorl_buf_printf(b, "%-9s %s  %" PRId64 " file%s, ", "extras", str(ex, "id"), nf2, nf2 == 1 ? "" : "s");
    human_size(b, whorl_json_object_get_int(ex, "size", 0));
    whorl_buf_puts(b, " beside the model (in no id; diff and check compare them)\n");
  }
  if (whorl_json_size(nf)) {
    whorl_buf_printf(b, "%-9s", ex ? "" : "not fp'd");
    for (size_t i = 0; i < whorl_json_size(nf) && i < 20; i++)
      whorl_buf_printf(b, "%s%s", i ? ", " : " ", whorl_json_get_string(whorl_json_array_get(nf, i), NULL));
    if (whorl_json_size(nf) > 20) whorl_buf_printf(b, " and %zu more", whorl_json_size(nf) - 20);
    whorl_buf_puts(b, ex ? "  (pickles among them scanned for unsafe code)\n" : "  (in no id; pickles among them scanned for unsafe code)\n");
  }
  const whorl_json *ts = whorl_json_object_get(d, "tensors");
  size_t n = whorl_json_size(ts), shown = n > 40 ? 40 : n;
  for (size_t i = 0; i < shown; i++) {
    const whorl_json *x = whorl_json_array_get(ts, i), *sh = whorl_json_object_get(x, "shape");
    whorl_buf_printf(b, "  %-32s %-9s [", str(x, "name"), str(x, "dtype"));
    for (size_t k = 0; k < whorl_json_size(sh); k++)
      whorl_buf_printf(b, "%s%" PRId64, k ? ", " : "", whorl_json_get_int(whorl_json_array_get(sh, k)));
    whorl_buf_printf(b, "]  %.16s", str(x, "hash"));
    const whorl_json *st = whorl_json_object_get(x, "stats");
    if (st) {
      whorl_buf_puts(b, "  mean ");
      scalar(b, whorl_json_object_get(st, "mean"));
      whorl_buf_puts(b, " std ");
      scalar(b, whorl_json_object_get(st, "std"));
      int64_t nan = whorl_json_object_get_int(st, "nan", 0), inf = whorl_json_object_get_int(st, "inf", 0);
      if (nan || inf) whorl_buf_printf(b, " nan %" PRId64 " inf %" PRId64, nan, inf);
    }
    whorl_buf_putc(b, '\n');
  }
  if (n > shown) whorl_buf_printf(b, "  ... and %zu more (--json lists all)\n", n - shown);
  const whorl_json *un = whorl_json_object_get(d, "unsafe");
  for (size_t i = 0; i < whorl_json_size(un); i++) {
    const whorl_json *f = whorl_json_array_get(un, i);
    whorl_buf_printf(b, "%-9s %s (%s)\n", "UNSAFE", str(f, "finding"), str(f, "where"));
  }
}

static void render_fp(whorl_buf *b, const whorl_json *d) {
  const char *kind = str(d, "kind");
  if (!strcmp(kind, "features")) {
    render_features(b, d);
    return;
  }
  if (!strcmp(kind, "model")) {
    render_model(b, d);
    return;
  }
  field(b, kind, str(d, "name"));
  field(b, "id", str(d, "id"));
  const char *prules = str(whorl_json_object_get(d, "profile"), "rules");
  whorl_buf_printf(b, "%-9s %s (%s%s%s)\n", "level", str(d, "level"), str(d, "rules"), *prules ? ", " : "", prules);
  int64_t size = whorl_json_object_get_int(d, "size", 0);
  whorl_buf_printf(b, "%-9s %" PRId64 " bytes", "size", size);
  if (size >= 1024) {
    whorl_buf_puts(b, " (");
    human_size(b, size);
    whorl_buf_puts(b, ")");
  }
  whorl_buf_putc(b, '\n');
  if (!strcmp(kind, "table")) {
    const whorl_json *t = whorl_json_object_get(d, "table");
    whorl_buf_printf(b, "%-9s %s", "format", str(d, "format"));
    const char *comp = str(t, "compression");
    const char *enc = str(t, "encoding");
    if (*comp && strcmp(comp, "none")) whorl_buf_printf(b, " (%s%s%s)", comp, *enc ? ", " : "", enc);
    else if (*enc) whorl_buf_printf(b, " (%s)", enc);
    const char *dl = str(t, "delimiter");
    if (*dl) whorl_buf_printf(b, ", delimiter %s%s%s, %s", !strcmp(dl, "\t") ? "" : "'", !strcmp(dl, "\t") ? "tab" : dl, !strcmp(dl, "\t") ? "" : "'",
                              whorl_json_get_bool(whorl_json_object_get(t, "header")) ? "header row" : "no header row");
    whorl_buf_putc(b, '\n');
    whorl_buf_printf(b, "%-9s %" PRId64 "\n", "rows", whorl_json_object_get_int(d, "rows", 0));
    const whorl_json *lg = whorl_json_object_get(d, "logical");
    field(b, "unordered", str(lg, "unordered"));
    field(b, "schema", str(whorl_json_object_get(d, "schema"), "id"));
    field(b, "content", str(whorl_json_object_get(d, "content"), "blake3"));
    field(b, "sha256", str(whorl_json_object_get(d, "content"), "sha256")); /* asked for with --digest */
    field(b, "md5", str(whorl_json_object_get(d, "content"), "md5"));
    if (*str(lg, "key_id")) whorl_buf_printf(b, "%-9s keyed (key id %s)\n", "hashes", str(lg, "key_id"));
    const whorl_json *cols = whorl_json_object_get(d, "columns");
    size_t nc = whorl_json_size(cols), shown = nc > 40 ? 40 : nc;
    whorl_buf_printf(b, "%-9s %zu\n", "columns", nc);
    for (size_t i = 0; i < shown; i++) {
      const whorl_json *c = whorl_json_array_get(cols, i);
      int64_t nulls = whorl_json_object_get_int(c, "nulls", 0);
      whorl_buf_printf(b, "  %-24s %-9s %.16s", esc(str(c, "name")), str(c, "type"), str(whorl_json_object_get(c, "hash"), "ordered"));
      if (nulls) whorl_buf_printf(b, "  %" PRId64 " null%s", nulls, nulls == 1 ? "" : "s");
      const whorl_json *p = whorl_json_object_get(c, "profile");
      if (p) profile_line(b, p);
      whorl_buf_putc(b, '\n');
    }
    if (nc > shown) whorl_buf_printf(b, "  ... and %zu more (--json lists all)\n", nc - shown);
    const whorl_json *w = whorl_json_object_get(d, "warnings");
    if (w) whorl_buf_printf(b, "%-9s %" PRId64 " (--json lists the first ones)\n", "warnings", whorl_json_object_get_int(w, "count", 0));
  } else if (!strcmp(kind, "file")) {
    field(b, "format", str(d, "format"));
    const whorl_json *c = whorl_json_object_get(d, "content");
    field(b, "sha256", str(c, "sha256"));
    field(b, "md5", str(c, "md5"));
    const whorl_json *ch = whorl_json_object_get(c, "chunks");
    if (ch) {
      whorl_buf_printf(b, "%-9s %zu, content-defined (%s)\n", "chunks",
                       whorl_json_size(whorl_json_object_get(ch, "list")), str(ch, "rules"));
    }
    const whorl_json *q = whorl_json_object_get(d, "quick");
    if (q)
      whorl_buf_printf(b, "%-9s %s\n", "sampled",
                       whorl_json_get_bool(whorl_json_object_get(q, "whole")) ? "whole file (small)"
                                                                             : "16 blocks of 4 KiB");
  } else {
    whorl_buf_printf(b, "%-9s %" PRId64 "\n", "files", whorl_json_object_get_int(d, "files", 0));
    const whorl_json *en = whorl_json_object_get(d, "entries");
    size_t links = 0, dirs = 0;
    for (size_t i = 0; i < whorl_json_size(en); i++) {
      const char *t = str(whorl_json_array_get(en, i), "type");
      links += !strcmp(t, "symlink");
      dirs += !strcmp(t, "dir");
    }
    if (links) whorl_buf_printf(b, "%-9s %zu (recorded, not followed)\n", "symlinks", links);
    if (dirs) whorl_buf_printf(b, "%-9s %zu folder%s with nothing in %s\n", "empty", dirs, dirs == 1 ? "" : "s", dirs == 1 ? "it" : "them");
    const whorl_json *sk = whorl_json_object_get(d, "skipped");
    for (size_t i = 0; i < whorl_json_size(sk); i++) {
      const whorl_json *e = whorl_json_array_get(sk, i);
      whorl_buf_printf(b, "%-9s %s (%s)\n", "skipped", str(e, "path"), str(e, "type"));
    }
  }
  /* a pickle file, or a folder's pickle-bearing files (docs/model.md,
   * "Pickles outside models"): listed as a model's are, whatever the exit
   * status (--allow-unsafe-pickle) or stderr (-q) say */
  const whorl_json *un = whorl_json_object_get(d, "unsafe");
  for (size_t i = 0; i < whorl_json_size(un); i++) {
    const whorl_json *f = whorl_json_array_get(un, i);
    whorl_buf_printf(b, "%-9s %s (%s)\n", "UNSAFE", str(f, "finding"), str(f, "where"));
  }
}

static void range_line(whorl_buf *b, const whorl_json *r) {
  const char *op = str(r, "op");
  const whorl_json *a = whorl_json_object_get(r, "a"), *bb = whorl_json_object_get(r, "b");
  /* Unsigned arithmetic: a report read from elsewhere may hold any numbers. */
  uint64_t ao = (uint64_t)whorl_json_get_int(whorl_json_array_get(a, 0));
  uint64_t al = (uint64_t)whorl_json_get_int(whorl_json_array_get(a, 1));
  uint64_t bo = (uint64_t)whorl_json_get_int(whorl_json_array_get(bb, 0));
  uint64_t bl = (uint64_t)whorl_json_get_int(whorl_json_array_get(bb, 1));
  if (!strcmp(op, "changed")) {
    whorl_buf_printf(b, "  changed   bytes %" PRIu64 "-%" PRIu64 " (", ao, ao + al - 1);
    human_size(b, (int64_t)al);
    whorl_buf_printf(b, ") -> bytes %" PRIu64 "-%" PRIu64 " (", bo, bo + bl - 1);
    human_size(b, (int64_t)bl);
    whorl_buf_puts(b, ")\n");
  } else if (!strcmp(op, "removed")) {
    whorl_buf_printf(b, "  removed   bytes %" PRIu64 "-%" PRIu64 " (", ao, ao + al - 1);
    human_size(b, (int64_t)al);
    whorl_buf_printf(b, "), at byte %" PRIu64 " of b\n", bo);
  } else {
    whorl_buf_printf(b, "  inserted  bytes %" PRIu64 "-%" PRIu64 " (", bo, bo + bl - 1);
    human_size(b, (int64_t)bl);
    whorl_buf_printf(b, "), at byte %" PRIu64 " of a\n", ao);
  }
}

static void entry_desc(whorl_buf *b, const whorl_json *e) {
  whorl_buf_puts(b, str(e, "path"));
  const char *t = str(e, "type");
  if (!strcmp(t, "dir")) whorl_buf_puts(b, "/ (empty folder)");
  else if (!strcmp(t, "symlink")) whorl_buf_printf(b, " -> %s (symlink)", str(e, "target"));
  else {
    whorl_buf_puts(b, " (");
    human_size(b, whorl_json_object_get_int(e, "size", 0));
    whorl_buf_puts(b, ")");
  }
}

/* Rows [start, end) (0-based) as people number them: "row 5", "rows 5-9",
 * or where an empty range lies: "between rows 4 and 5", "before row 1". */
static void row_range(whorl_buf *b, int64_t start, int64_t end) {
  if (end - start == 1) whorl_buf_printf(b, "row %" PRId64, start + 1);
  else if (end > start) whorl_buf_printf(b, "rows %" PRId64 "-%" PRId64, start + 1, end);
  else if (start <= 0) whorl_buf_puts(b, "before row 1");
  else whorl_buf_printf(b, "between rows %" PRId64 " and %" PRId64, start, start + 1);
}

static void render_table_diff(whorl_buf *b, const whorl_json *r) {
  const whorl_json *a = whorl_json_object_get(r, "a"), *bb = whorl_json_object_get(r, "b");
  const whorl_json *t = whorl_json_object_get(r, "table");
  const whorl_json *rows = whorl_json_object_get(t, "rows"), *fmt = whorl_json_object_get(t, "format");
  int64_t ra = whorl_json_object_get_int(rows, "a", 0), rb = whorl_json_object_get_int(rows, "b", 0);
  whorl_buf_printf(b, "%s (table, %s)", str(r, "verdict"), str(t, "tier"));
  if (strcmp(str(fmt, "a"), str(fmt, "b"))) whorl_buf_printf(b, ": %s -> %s", str(fmt, "a"), str(fmt, "b"));
  whorl_buf_putc(b, '\n');
  if (ra != rb) whorl_buf_printf(b, "  rows      %" PRId64 " -> %" PRId64 "\n", ra, rb);
  else whorl_buf_printf(b, "  rows      %" PRId64 "\n", ra);
  if (!strcmp(str(t, "tier"), "bytes")) whorl_buf_printf(b, "  bytes     identical (id %.16s...)\n", str(a, "id"));
  else if (!strcmp(str(t, "tier"), "logical"))
    whorl_buf_printf(b, "  values    identical in another serialization (logical id %.16s...)\n", str(a, "id"));
  else if (!strcmp(str(t, "tier"), "unordered") && whorl_json_get_bool(whorl_json_object_get(t, "order_unknown")))
    whorl_buf_puts(b, "  values    the same rows (logical.unordered equal; a merged fingerprint records no row order)\n");
  else if (!strcmp(str(t, "tier"), "unordered"))
    whorl_buf_puts(b, "  values    the same rows in another order (logical.unordered equal)\n");
  (void)bb;
  const whorl_json *rw = whorl_json_object_get(whorl_json_object_get(r, "table"), "row_changes");
  if (rw && !whorl_json_get_bool(whorl_json_object_get(rw, "exact"))) {
    whorl_buf_printf(b, "  rows      about %" PRId64 " rows only in one version or the other (an estimate: too many to list)\n",
                     whorl_json_object_get_int(rw, "estimated_rows_differing", 0));
  } else if (rw && !whorl_json_get_bool(whorl_json_object_get(rw, "positions")) && !whorl_json_get_bool(whorl_json_object_get(rw, "placed"))) {
    const whorl_json *mv = whorl_json_object_get(rw, "moved");
    whorl_buf_printf(b, "  rows      %" PRId64 " only in a, %" PRId64 " only in b (%s)\n",
                     whorl_json_object_get_int(rw, "rows_only_in_a", 0), whorl_json_object_get_int(rw, "rows_only_in_b", 0),
                     mv ? "rows inserted or deleted; where, between anchor rows:"
                     : whorl_json_get_bool(whorl_json_object_get(rw, "order_unknown")) ? "positions unknown: a merged fingerprint records no row order"
                     : "positions unknown: rows moved");
    for (size_t i = 0; i < whorl_json_size(mv) && i < 10; i++) {
      const whorl_json *e = whorl_json_array_get(mv, i), *ra = whorl_json_object_get(e, "a"), *rb = whorl_json_object_get(e, "b");
      int64_t net = whorl_json_object_get_int(e, "net", 0);
      whorl_buf_printf(b, "    %+" PRId64 " row%s in a's ", net, net == 1 || net == -1 ? "" : "s");
      row_range(b, whorl_json_get_int(whorl_json_array_get(ra, 0)), whorl_json_get_int(whorl_json_array_get(ra, 1)));
      whorl_buf_puts(b, ", b's ");
      row_range(b, whorl_json_get_int(whorl_json_array_get(rb, 0)), whorl_json_get_int(whorl_json_array_get(rb, 1)));
      whorl_buf_putc(b, '\n');
    }
    if (whorl_json_size(mv) > 10) whorl_buf_printf(b, "    ... %zu places in all\n", whorl_json_size(mv));
    if (whorl_json_object_get(rw, "rows_placed")) {
      whorl_buf_printf(b, "    %" PRId64 " of them located:", whorl_json_object_get_int(rw, "rows_placed", 0));
      static const char *const ll[] = {"removed_rows", "added_rows"};
      static const char sy[] = {'-', '+'};
      for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < whorl_json_size(whorl_json_object_get(rw, ll[k])) && i < 10; i++)
          whorl_buf_printf(b, " %c%" PRId64, sy[k], whorl_json_get_int(whorl_json_array_get(whorl_json_object_get(rw, ll[k]), i)) + 1);
      whorl_buf_putc(b, '\n');
    }
  } else if (rw) {
    if (whorl_json_get_bool(whorl_json_object_get(rw, "placed")))
      whorl_buf_puts(b, "  rows      (inserted or deleted before the end; every row located from its anchor row)\n");
    whorl_buf_printf(b, "  rows      %" PRId64 " added, %" PRId64 " removed, %" PRId64 " changed (data rows, from 1)\n",
                     whorl_json_object_get_int(rw, "added", 0), whorl_json_object_get_int(rw, "removed", 0),
                     whorl_json_object_get_int(rw, "changed", 0));
    static const char *lists[] = {"changed_rows", "added_rows", "removed_rows"};
    static const char sym[] = {'~', '+', '-'};
    for (int k = 0; k < 3; k++) {
      const whorl_json *l = whorl_json_object_get(rw, lists[k]);
      size_t n = whorl_json_size(l);
      if (!n) continue;
      whorl_buf_printf(b, "    %c", sym[k]);
      for (size_t i = 0; i < n && i < 10; i++) {
        const whorl_json *e = whorl_json_array_get(l, i);
        if (k == 0)
          whorl_buf_printf(b, " %" PRId64 "->%" PRId64, whorl_json_get_int(whorl_json_array_get(e, 0)) + 1,
                           whorl_json_get_int(whorl_json_array_get(e, 1)) + 1);
        else whorl_buf_printf(b, " %" PRId64, whorl_json_get_int(e) + 1);
      }
      if (n > 10) whorl_buf_puts(b, " ...");
      whorl_buf_putc(b, '\n');
    }
    int64_t up = whorl_json_object_get_int(rw, "repeated_rows_unplaced", 0);
    if (up) whorl_buf_printf(b, "    (%" PRId64 " copies of repeated rows are counted, not listed: one row's copies cannot be told apart)\n", up);
  }
  if (*str(t, "rows_note")) whorl_buf_printf(b, "  note      %s\n", str(t, "rows_note"));
  const whorl_json *c = whorl_json_object_get(t, "columns");
  if (!c) return;
  const whorl_json *ch = whorl_json_object_get(c, "changed"), *ad = whorl_json_object_get(c, "added"),
                   *rm = whorl_json_object_get(c, "removed"), *rn = whorl_json_object_get(c, "renamed"),
                   *ty = whorl_json_object_get(c, "type_changed");
  /* rows only added or removed (none changed): the columns differ by those rows */
  int rows_only = 0;
  if (rw && whorl_json_get_bool(whorl_json_object_get(rw, "exact"))) {
    int64_t oa = whorl_json_object_get_int(rw, "rows_only_in_a", 0), ob = whorl_json_object_get_int(rw, "rows_only_in_b", 0);
    rows_only = whorl_json_get_bool(whorl_json_object_get(rw, "positions")) ? !whorl_json_object_get_int(rw, "changed", 1)
                                                                            : (!oa || !ob);
  }
  whorl_buf_printf(b, "  columns   %zu changed, %zu added, %zu removed, %zu renamed, %" PRId64 " unchanged\n",
                   whorl_json_size(ch), whorl_json_size(ad), whorl_json_size(rm), whorl_json_size(rn),
                   whorl_json_object_get_int(c, "unchanged", 0));
  for (size_t i = 0; i < whorl_json_size(ch); i++) {
    const whorl_json *e = whorl_json_array_get(ch, i);
    int order_only = whorl_json_get_bool(whorl_json_object_get(e, "order_only"));
    whorl_buf_printf(b, "  ~ %s (%s", esc(str(e, "name")), order_only ? "same values, other order" : rows_only ? "rows added or removed" : "values changed");
    const whorl_json *nl = whorl_json_object_get(e, "nulls");
    if (nl)
      whorl_buf_printf(b, "; nulls %" PRId64 " -> %" PRId64, whorl_json_object_get_int(nl, "a", 0),
                       whorl_json_object_get_int(nl, "b", 0));
    whorl_buf_puts(b, ")\n");
    const whorl_json *dr = whorl_json_object_get(e, "drift");
    if (dr) {
      whorl_buf_puts(b, "      drift");
      static const char *keys[] = {"psi", "ks", "wasserstein_normalized", "jensen_shannon", "mean_shift_std", "l_infinity", "chi2_p_value"};
      static const char *labels[] = {"PSI", "KS", "W1/" , "JS", "mean shift (sd)", "L-inf", "chi2 p"};
      for (int k = 0; k < 7; k++) {
        const whorl_json *v = whorl_json_object_get(dr, keys[k]);
        if (whorl_json_typeof(v) != WHORL_JSON_NUMBER) continue;
        if (k == 2) whorl_buf_printf(b, "  W1/%s %.3g", str(dr, "normalized_by"), whorl_json_get_double(v));
        else whorl_buf_printf(b, "  %s %.3g", labels[k], whorl_json_get_double(v));
      }
      int64_t nn = whorl_json_object_get_int(dr, "new_categories", 0), nv = whorl_json_object_get_int(dr, "vanished_categories", 0);
      if (nn || nv) whorl_buf_printf(b, "  categories +%" PRId64 " -%" PRId64, nn, nv);
      if (!whorl_json_get_bool(whorl_json_object_get(dr, "exact")) && whorl_json_object_get(dr, "exact")) whorl_buf_puts(b, "  (from sketches)");
      const whorl_json *nr = whorl_json_object_get(dr, "null_rate_change");
      if (whorl_json_typeof(nr) == WHORL_JSON_NUMBER && whorl_json_get_double(nr) != 0)
        whorl_buf_printf(b, "  null rate %+.3g", whorl_json_get_double(nr));
      if (*str(dr, "note")) whorl_buf_printf(b, "  (%s)", str(dr, "note"));
      whorl_buf_putc(b, '\n');
    }
  }
  for (size_t i = 0; i < whorl_json_size(ty); i++) {
    const whorl_json *e = whorl_json_array_get(ty, i);
    whorl_buf_printf(b, "  ! %s: type %s -> %s\n", esc(str(e, "name")), str(e, "a"), str(e, "b"));
  }
  for (size_t i = 0; i < whorl_json_size(ad); i++)
    whorl_buf_printf(b, "  + %s\n", esc(whorl_json_get_string(whorl_json_array_get(ad, i), NULL)));
  for (size_t i = 0; i < whorl_json_size(rm); i++)
    whorl_buf_printf(b, "  - %s\n", esc(whorl_json_get_string(whorl_json_array_get(rm, i), NULL)));
  for (size_t i = 0; i < whorl_json_size(rn); i++) {
    const whorl_json *e = whorl_json_array_get(rn, i);
    whorl_buf_printf(b, "  > %s -> %s (same content)\n", esc(str(e, "from")), esc(str(e, "to")));
  }
}

static void json_inline(whorl_buf *b, const whorl_json *v) {
  char *t = NULL;
  size_t n = 0;
  if (v && whorl_json_canonical(v, &t, &n) == WHORL_OK) {
    whorl_buf_printf(b, "%.*s%s", n > 60 ? 60 : (int)n, t, n > 60 ? "..." : "");
    free(t);
  }
}

static void render_features_diff(whorl_buf *b, const whorl_json *r, const whorl_json *fe) {
  if (whorl_json_get_bool(whorl_json_object_get(r, "identical"))) {
    whorl_buf_printf(b, "identical features (id %.16s...)\n", str(whorl_json_object_get(r, "a"), "id"));
    return;
  }
  whorl_buf_printf(b, "%s\n", str(r, "verdict"));
  const whorl_json *p = whorl_json_object_get(fe, "pipeline");
  if (p) {
    const whorl_json *keys = whorl_json_object_get(p, "keys");
    whorl_buf_printf(b, "  pipeline  %.16s... -> %.16s...", str(p, "a"), str(p, "b"));
    if (keys) whorl_buf_printf(b, ", %" PRId64 " key%s\n", whorl_json_object_get_int(p, "keys_changed", 0),
                               whorl_json_object_get_int(p, "keys_changed", 0) == 1 ? "" : "s");
    else whorl_buf_printf(b, " (%s)\n", str(p, "note"));
    for (size_t i = 0; i < whorl_json_size(keys) && i < 20; i++) {
      const whorl_json *k = whorl_json_array_get(keys, i);
      const char *op = str(k, "op");
      whorl_buf_printf(b, "    %c %s", !strcmp(op, "added") ? '+' : !strcmp(op, "removed") ? '-' : '~', esc(str(k, "path")));
      if (!strcmp(op, "changed")) {
        whorl_buf_puts(b, ": ");
        json_inline(b, whorl_json_object_get(k, "old"));
        whorl_buf_puts(b, " -> ");
        json_inline(b, whorl_json_object_get(k, "new"));
      } else {
        whorl_buf_puts(b, ": ");
        json_inline(b, whorl_json_object_get(k, !strcmp(op, "added") ? "new" : "old"));
      }
      whorl_buf_putc(b, '\n');
    }
    if (whorl_json_size(keys) > 20) whorl_buf_printf(b, "    ... (--json lists up to 200)\n");
  }
  const whorl_json *c = whorl_json_object_get(fe, "code");
  if (c) {
    static const char *ops[] = {"added", "removed", "changed"};
    static const char sym[] = {'+', '-', '~'};
    whorl_buf_puts(b, "  code\n");
    for (int k = 0; k < 3; k++) {
      const whorl_json *l = whorl_json_object_get(c, ops[k]);
      for (size_t i = 0; i < whorl_json_size(l); i++)
        whorl_buf_printf(b, "    %c %s\n", sym[k], esc(whorl_json_get_string(whorl_json_array_get(l, i), NULL)));
    }
  }
  const whorl_json *in = whorl_json_object_get(fe, "input");
  if (in) whorl_buf_printf(b, "  input     %.16s -> %.16s\n", whorl_json_typeof(whorl_json_object_get(in, "a")) == WHORL_JSON_STRING ? str(in, "a") : "(none)",
                           whorl_json_typeof(whorl_json_object_get(in, "b")) == WHORL_JSON_STRING ? str(in, "b") : "(none)");
  if (in && *str(in, "note")) whorl_buf_printf(b, "  note: %s\n", str(in, "note"));
  const whorl_json *m = whorl_json_object_get(fe, "matrix");
  if (m) {
    whorl_buf_printf(b, "  matrix    %s\n", str(m, "verdict"));
    /* the matrix's own table report (columns, drift, rows), indented */
    whorl_buf t = WHORL_BUF_INIT;
    render_table_diff(&t, m);
    const char *p = t.data ? strchr(t.data, '\n') : NULL;
    while (p && p[1]) {
      const char *e = strchr(p + 1, '\n');
      size_t n = e ? (size_t)(e - p - 1) : strlen(p + 1);
      whorl_buf_printf(b, "  %.*s\n", (int)n, p + 1);
      p = e;
    }
    whorl_buf_free(&t);
  }
}

static void keys_lines(whorl_buf *b, const char *what, const whorl_json *k) {
  const whorl_json *keys = whorl_json_object_get(k, "keys");
  whorl_buf_printf(b, "  %-9s %" PRId64 " key%s\n", what, whorl_json_object_get_int(k, "keys_changed", 0),
                   whorl_json_object_get_int(k, "keys_changed", 0) == 1 ? "" : "s");
  for (size_t i = 0; i < whorl_json_size(keys) && i < 20; i++) {
    const whorl_json *e = whorl_json_array_get(keys, i);
    const char *op = str(e, "op");
    whorl_buf_printf(b, "    %c %s: ", !strcmp(op, "added") ? '+' : !strcmp(op, "removed") ? '-' : '~', esc(str(e, "path")));
    if (!strcmp(op, "changed")) {
      json_inline(b, whorl_json_object_get(e, "old"));
      whorl_buf_puts(b, " -> ");
    }
    json_inline(b, whorl_json_object_get(e, !strcmp(op, "removed") ? "old" : "new"));
    whorl_buf_putc(b, '\n');
  }
}

/* The lines of an entries diff (a folder's, a model's extras). */
static void entries_lines(whorl_buf *b, const whorl_json *en) {
  const whorl_json *added = whorl_json_object_get(en, "added"), *removed = whorl_json_object_get(en, "removed"),
                   *changed = whorl_json_object_get(en, "changed"), *renamed = whorl_json_object_get(en, "renamed");
  whorl_buf_printf(b, "  %zu added, %zu removed, %zu changed, %zu renamed\n", whorl_json_size(added),
                   whorl_json_size(removed), whorl_json_size(changed), whorl_json_size(renamed));
  for (size_t i = 0; i < whorl_json_size(added); i++) {
    whorl_buf_puts(b, "  + ");
    entry_desc(b, whorl_json_array_get(added, i));
    whorl_buf_putc(b, '\n');
  }
  for (size_t i = 0; i < whorl_json_size(removed); i++) {
    whorl_buf_puts(b, "  - ");
    entry_desc(b, whorl_json_array_get(removed, i));
    whorl_buf_putc(b, '\n');
  }
  for (size_t i = 0; i < whorl_json_size(changed); i++) {
    const whorl_json *c = whorl_json_array_get(changed, i);
    const whorl_json *ea = whorl_json_object_get(c, "a"), *eb = whorl_json_object_get(c, "b");
    whorl_buf_printf(b, "  ~ %s", esc(str(c, "path")));
    if (strcmp(str(ea, "type"), str(eb, "type"))) {
      whorl_buf_printf(b, " (%s -> %s)\n", str(ea, "type"), str(eb, "type"));
    } else if (!strcmp(str(ea, "type"), "symlink")) {
      whorl_buf_printf(b, " (symlink %s -> %s)\n", str(ea, "target"), str(eb, "target"));
    } else {
      whorl_buf_puts(b, " (");
      human_size(b, whorl_json_object_get_int(ea, "size", 0));
      whorl_buf_puts(b, " -> ");
      human_size(b, whorl_json_object_get_int(eb, "size", 0));
      whorl_buf_puts(b, ")\n");
      const whorl_json *ranges = whorl_json_object_get(c, "ranges");
      size_t nr = whorl_json_size(ranges), shown = nr > 5 ? 5 : nr;
      for (size_t k = 0; k < shown; k++) {
        whorl_buf_puts(b, "    ");
        range_line(b, whorl_json_array_get(ranges, k));
      }
      if (nr > shown) whorl_buf_printf(b, "      ... and %zu more ranges (--json lists all)\n", nr - shown);
    }
  }
  for (size_t i = 0; i < whorl_json_size(renamed); i++) {
    const whorl_json *c = whorl_json_array_get(renamed, i);
    whorl_buf_printf(b, "  > %s -> %s (same content)\n", str(whorl_json_object_get(c, "from"), "path"),
                     str(whorl_json_object_get(c, "to"), "path"));
  }
}

static void render_model_diff(whorl_buf *b, const whorl_json *r, const whorl_json *m) {
  if (whorl_json_get_bool(whorl_json_object_get(r, "identical"))) {
    whorl_buf_printf(b, "identical model (id %.16s...)\n", str(whorl_json_object_get(r, "a"), "id"));
    if (*str(m, "note")) whorl_buf_printf(b, "  note: %s\n", str(m, "note"));
    return;
  }
  whorl_buf_printf(b, "%s\n", str(r, "verdict"));
  const whorl_json *t = whorl_json_object_get(m, "tensors");
  static const char *ops[] = {"added", "removed"};
  static const char sym[] = {'+', '-'};
  for (int k = 0; k < 2; k++) {
    const whorl_json *l = whorl_json_object_get(t, ops[k]);
    for (size_t i = 0; i < whorl_json_size(l) && i < 50; i++)
      whorl_buf_printf(b, "  %c tensor %s\n", sym[k], whorl_json_get_string(whorl_json_array_get(l, i), NULL));
  }
  const whorl_json *gr = whorl_json_object_get(m, "graph");
  if (gr) {
    const whorl_json *ops = whorl_json_object_get(gr, "ops");
    if (whorl_json_size(ops)) {
      whorl_buf_puts(b, "  ops      ");
      for (size_t i = 0; i < whorl_json_size(ops) && i < 12; i++) {
        const whorl_json *pr = whorl_json_object_value(ops, i);
        whorl_buf_printf(b, "%s %s %" PRId64 " -> %" PRId64, i ? "," : "", whorl_json_object_key(ops, i, NULL),
                         whorl_json_get_int(whorl_json_array_get(pr, 0)), whorl_json_get_int(whorl_json_array_get(pr, 1)));
      }
      if (whorl_json_size(ops) > 12) whorl_buf_printf(b, ", and %zu more", whorl_json_size(ops) - 12);
      whorl_buf_putc(b, '\n');
    }
    if (*str(gr, "note")) whorl_buf_printf(b, "  graph     %s\n", str(gr, "note"));
  }
  const whorl_json *rnm = whorl_json_object_get(t, "renamed");
  for (size_t i = 0; i < whorl_json_size(rnm) && i < 50; i++)
    whorl_buf_printf(b, "  > tensor %s -> %s (same values)\n", str(whorl_json_array_get(rnm, i), "from"),
                     str(whorl_json_array_get(rnm, i), "to"));
  const whorl_json *rt = whorl_json_object_get(t, "retyped");
  for (size_t i = 0; i < whorl_json_size(rt) && i < 50; i++) {
    const whorl_json *e = whorl_json_array_get(rt, i), *x = whorl_json_object_get(e, "a"), *y = whorl_json_object_get(e, "b");
    whorl_buf_printf(b, "  ~ tensor %s: %s ", str(e, "name"), str(x, "dtype"));
    json_inline(b, whorl_json_object_get(x, "shape"));
    whorl_buf_printf(b, " -> %s ", str(y, "dtype"));
    json_inline(b, whorl_json_object_get(y, "shape"));
    whorl_buf_putc(b, '\n');
  }
  const whorl_json *ch = whorl_json_object_get(t, "changed");
  for (size_t i = 0; i < whorl_json_size(ch) && i < 50; i++) {
    const whorl_json *e = whorl_json_array_get(ch, i), *d = whorl_json_object_get(e, "stats_delta");
    whorl_buf_printf(b, "  ~ tensor %s: values changed", str(e, "name"));
    if (d) {
      whorl_buf_puts(b, " (change of mean ");
      scalar(b, whorl_json_object_get(d, "mean"));
      whorl_buf_puts(b, ", of std ");
      scalar(b, whorl_json_object_get(d, "std"));
      whorl_buf_puts(b, ")");
    }
    whorl_buf_putc(b, '\n');
  }
  if (whorl_json_size(ch) > 50) whorl_buf_printf(b, "  ... and %zu more (--json lists all)\n", whorl_json_size(ch) - 50);
  const whorl_json *c = whorl_json_object_get(m, "config");
  if (c) keys_lines(b, "config", c);
  const whorl_json *tr = whorl_json_object_get(m, "training");
  if (tr) keys_lines(b, "training", tr);
  const whorl_json *un = whorl_json_object_get(m, "unsafe");
  for (size_t i = 0; i < whorl_json_size(un); i++)
    whorl_buf_printf(b, "  UNSAFE %s (%s)\n", str(whorl_json_array_get(un, i), "finding"), str(whorl_json_array_get(un, i), "where"));
  const whorl_json *ex = whorl_json_object_get(m, "extras");
  if (ex) {
    whorl_buf_puts(b, "  files beside the model (in no model id):\n");
    entries_lines(b, ex);
  }
  if (*str(m, "extras_unknown"))
    whorl_buf_printf(b, "  note: %s was fingerprinted before whorl recorded the files beside the model: they were not compared\n",
                     str(m, "extras_unknown"));
}

static void render_diff(whorl_buf *b, const whorl_json *r) {
  const whorl_json *a = whorl_json_object_get(r, "a"), *bb = whorl_json_object_get(r, "b");
  const char *verdict = str(r, "verdict");
  const char *kind = str(a, "kind");
  if (whorl_json_object_get(r, "table")) {
    render_table_diff(b, r);
    return;
  }
  const whorl_json *mo = whorl_json_object_get(r, "model");
  if (mo) {
    render_model_diff(b, r, mo);
    return;
  }
  const whorl_json *fe = whorl_json_object_get(r, "features");
  if (fe) {
    render_features_diff(b, r, fe);
    return;
  }
  if (whorl_json_get_bool(whorl_json_object_get(r, "identical"))) {
    if (strcmp(kind, str(bb, "kind"))) /* a table document and a file document of the same bytes */
      whorl_buf_printf(b, "%s (%s level)\n", verdict, str(r, "level"));
    else
      whorl_buf_printf(b, "identical %s (%s level, id %.16s...)\n", kind, str(r, "level"), str(a, "id"));
    if (!strcmp(str(r, "level"), "quick") && (!strcmp(kind, "file") || !strcmp(kind, "folder")))
      whorl_buf_puts(b, "  note: the quick level compares sizes and 16 sampled blocks, not every byte; --level content "
                        "reads them all\n");
    return;
  }
  whorl_buf_printf(b, "%s", verdict);
  if (!strcmp(verdict, "kind changed")) {
    whorl_buf_printf(b, ": %s -> %s\n", kind, str(bb, "kind"));
    return;
  }
  int64_t sa = whorl_json_object_get_int(a, "size", 0), sb = whorl_json_object_get_int(bb, "size", 0);
  whorl_buf_printf(b, " (%s %s level)", kind, str(r, "level"));
  if (sa != sb) {
    whorl_buf_printf(b, ": size %" PRId64 " -> %" PRId64 " bytes", sa, sb);
  }
  whorl_buf_putc(b, '\n');
  if (!strcmp(kind, "file")) {
    const whorl_json *ranges = whorl_json_object_get(r, "ranges");
    size_t n = whorl_json_size(ranges);
    size_t shown = n > 50 ? 50 : n;
    for (size_t i = 0; i < shown; i++) range_line(b, whorl_json_array_get(ranges, i));
    if (n > shown) whorl_buf_printf(b, "  ... and %zu more ranges (--json lists all)\n", n - shown);
    if (ranges) {
      int64_t same = whorl_json_object_get_int(r, "unchanged_bytes", 0);
      whorl_buf_printf(b, "  %" PRId64 " of %" PRId64 " bytes of b are unchanged chunks of a (%.2f%%); "
                          "ranges are chunk-aligned\n",
                       same, sb, sb ? 100.0 * (double)same / (double)sb : 100.0);
    }
    const char *note = str(r, "note");
    if (*note) whorl_buf_printf(b, "  note: %s\n", note);
    return;
  }
  const whorl_json *en = whorl_json_object_get(r, "entries");
  const char *note = str(r, "note");
  if (*note) whorl_buf_printf(b, "  note: %s\n", note);
  if (!en) return;
  entries_lines(b, en);
  const char *dn = str(r, "detail_note");
  if (*dn) whorl_buf_printf(b, "  note: %s\n", dn);
}

static void md_cell(whorl_buf *b, const char *s) {
  for (; *s; s++) {
    if (*s == '|' || *s == '`' || *s == '*' || *s == '_' || *s == '<') whorl_buf_putc(b, '\\');
    whorl_buf_putc(b, *s == '\n' ? ' ' : *s);
  }
}

static void md_num(whorl_buf *b, const whorl_json *v) {
  if (whorl_json_typeof(v) == WHORL_JSON_NUMBER) whorl_buf_printf(b, "%.3g", whorl_json_get_double(v));
  else whorl_buf_puts(b, "");
}

/* A diff report in Markdown; a fingerprint: its text in a block. */
/* "rows: 1 changed (row 1234)" from a table report's row_changes; empty
 * without row tables. Row numbers from 1, as the text report shows them. */
void whorl__rows_text(const whorl_json *rows, whorl_buf *b) {
  if (!rows) return;
  if (!whorl_json_get_bool(whorl_json_object_get(rows, "exact"))) {
    whorl_buf_printf(b, "; about %lld rows only in one version or the other (an estimate: too many to list)",
                     (long long)whorl_json_object_get_int(rows, "estimated_rows_differing", 0));
    return;
  }
  if (!whorl_json_get_bool(whorl_json_object_get(rows, "positions")) && !whorl_json_get_bool(whorl_json_object_get(rows, "placed"))) {
    whorl_buf_printf(b, "; %lld rows only in the baseline, %lld only now", (long long)whorl_json_object_get_int(rows, "rows_only_in_a", 0),
                     (long long)whorl_json_object_get_int(rows, "rows_only_in_b", 0));
    const whorl_json *mv = whorl_json_object_get(rows, "moved");
    for (size_t i = 0; i < whorl_json_size(mv) && i < 3; i++) {
      const whorl_json *e = whorl_json_array_get(mv, i), *ra = whorl_json_object_get(e, "a");
      whorl_buf_printf(b, "%s%+lld in the baseline's ", i ? ", " : " (", (long long)whorl_json_object_get_int(e, "net", 0));
      row_range(b, whorl_json_get_int(whorl_json_array_get(ra, 0)), whorl_json_get_int(whorl_json_array_get(ra, 1)));
    }
    if (whorl_json_size(mv)) whorl_buf_puts(b, whorl_json_size(mv) > 3 ? ", ...)" : ")");
    return;
  }
  static const char *const what[] = {"changed", "added", "removed"}, *const lists[] = {"changed_rows", "added_rows", "removed_rows"};
  for (int k = 0; k < 3; k++) {
    int64_t c = whorl_json_object_get_int(rows, what[k], 0);
    if (!c) continue;
    const whorl_json *l = whorl_json_object_get(rows, lists[k]);
    size_t nl = whorl_json_size(l);
    whorl_buf_printf(b, "; %lld row%s %s", (long long)c, c == 1 ? "" : "s", what[k]);
    if (!nl) {
      whorl_buf_puts(b, " (repeated rows: positions not listed)");
      continue;
    }
    whorl_buf_printf(b, " (row%s", nl == 1 && c == 1 ? "" : "s");
    for (size_t i = 0; i < nl && i < 5; i++) {
      const whorl_json *e = whorl_json_array_get(l, i);
      int64_t at = k == 0 ? whorl_json_get_int(whorl_json_array_get(e, 1)) : whorl_json_get_int(e);
      whorl_buf_printf(b, "%s %lld", i ? "," : "", (long long)at + 1);
    }
    whorl_buf_puts(b, nl > 5 || (int64_t)nl < c ? ", ...)" : ")");
  }
}

static void render_markdown(whorl_buf *b, const whorl_json *doc) {
  whorl_buf text = WHORL_BUF_INIT;
  int diff = !strcmp(str(doc, "kind"), "diff");
  if (diff) render_diff(&text, doc);
  else render_fp(&text, doc);
  if (diff) {
    const whorl_json *a = whorl_json_object_get(doc, "a"), *bb = whorl_json_object_get(doc, "b");
    int same = whorl_json_get_bool(whorl_json_object_get(doc, "identical"));
    whorl_buf_printf(b, "### %s whorl diff: ", same ? "✅" : "⚠️");
    md_cell(b, str(doc, "verdict"));
    whorl_buf_puts(b, "\n\n");
    whorl_buf_printf(b, "%s `", str(a, "kind"));
    md_cell(b, str(a, "name"));
    whorl_buf_puts(b, "` → `");
    md_cell(b, str(bb, "name"));
    whorl_buf_printf(b, "` (%s level)\n\n", str(doc, "level"));
    const whorl_json *ch = whorl_json_object_get(whorl_json_object_get(whorl_json_object_get(doc, "table"), "columns"), "changed");
    const whorl_json *rw = whorl_json_object_get(whorl_json_object_get(doc, "table"), "row_changes"),
                     *nr = whorl_json_object_get(whorl_json_object_get(doc, "table"), "rows");
    int rows_only = 0;
    if (rw) {
      whorl_buf rt = WHORL_BUF_INIT;
      whorl__rows_text(rw, &rt);
      whorl_buf_printf(b, "**Rows:** %" PRId64 " → %" PRId64, whorl_json_object_get_int(nr, "a", 0), whorl_json_object_get_int(nr, "b", 0));
      if (rt.data) md_cell(b, rt.data);
      whorl_buf_puts(b, "\n\n");
      whorl_buf_free(&rt);
      if (whorl_json_get_bool(whorl_json_object_get(rw, "exact"))) {
        int64_t oa = whorl_json_object_get_int(rw, "rows_only_in_a", 0), ob = whorl_json_object_get_int(rw, "rows_only_in_b", 0);
        rows_only = whorl_json_get_bool(whorl_json_object_get(rw, "positions")) ? !whorl_json_object_get_int(rw, "changed", 1) : (!oa || !ob);
      }
    }
    if (whorl_json_size(ch)) {
      whorl_buf_puts(b, "| column | change | PSI | KS | W1 (norm.) | JS | mean shift (sd) | chi² p | new categories |\n");
      whorl_buf_puts(b, "|---|---|---|---|---|---|---|---|---|\n");
      for (size_t i = 0; i < whorl_json_size(ch); i++) {
        const whorl_json *c = whorl_json_array_get(ch, i), *d = whorl_json_object_get(c, "drift");
        whorl_buf_puts(b, "| `");
        md_cell(b, str(c, "name"));
        whorl_buf_printf(b, "` | %s", whorl_json_get_bool(whorl_json_object_get(c, "order_only")) ? "order" : rows_only ? "rows" : "values");
        const whorl_json *nl = whorl_json_object_get(c, "nulls");
        if (nl) whorl_buf_printf(b, "; nulls %" PRId64 " → %" PRId64, whorl_json_object_get_int(nl, "a", 0), whorl_json_object_get_int(nl, "b", 0));
        whorl_buf_puts(b, " | ");
        md_num(b, whorl_json_object_get(d, "psi"));
        whorl_buf_puts(b, " | ");
        md_num(b, whorl_json_object_get(d, "ks"));
        whorl_buf_puts(b, " | ");
        md_num(b, whorl_json_object_get(d, "wasserstein_normalized"));
        whorl_buf_puts(b, " | ");
        md_num(b, whorl_json_object_get(d, "jensen_shannon"));
        whorl_buf_puts(b, " | ");
        md_num(b, whorl_json_object_get(d, "mean_shift_std"));
        whorl_buf_puts(b, " | ");
        md_num(b, whorl_json_object_get(d, "chi2_p_value"));
        whorl_buf_puts(b, " | ");
        if (whorl_json_object_get(d, "new_categories")) whorl_buf_printf(b, "%" PRId64, whorl_json_object_get_int(d, "new_categories", 0));
        whorl_buf_puts(b, " |\n");
      }
      whorl_buf_puts(b, "\n");
    }
    const whorl_json *t = whorl_json_object_get(whorl_json_object_get(doc, "model"), "tensors");
    const whorl_json *tch = whorl_json_object_get(t, "changed");
    if (whorl_json_size(tch)) {
      whorl_buf_puts(b, "| changed tensor | Δ mean | Δ std |\n|---|---|---|\n");
      for (size_t i = 0; i < whorl_json_size(tch) && i < 50; i++) {
        const whorl_json *e = whorl_json_array_get(tch, i), *d = whorl_json_object_get(e, "stats_delta");
        whorl_buf_puts(b, "| `");
        md_cell(b, str(e, "name"));
        whorl_buf_puts(b, "` | ");
        md_num(b, whorl_json_object_get(d, "mean"));
        whorl_buf_puts(b, " | ");
        md_num(b, whorl_json_object_get(d, "std"));
        whorl_buf_puts(b, " |\n");
      }
      whorl_buf_puts(b, "\n");
    }
    whorl_buf_puts(b, "<details><summary>details</summary>\n\n```\n");
  } else {
    whorl_buf_puts(b, "```\n");
  }
  whorl_buf_put(b, text.data ? text.data : "", text.len);
  whorl_buf_puts(b, diff ? "```\n\n</details>\n" : "```\n");
  whorl_buf_free(&text);
}

int whorl_render(const whorl_json *doc, whorl_render_format fmt, char **out, size_t *len, whorl_error *err) {
  *out = NULL;
  if (fmt == WHORL_RENDER_JSON) {
    int rc = whorl_json_pretty(doc, out, len);
    if (rc == WHORL_EFORMAT)
      return whorl__error(err, rc, NULL, -1, "the document holds text that is not valid UTF-8 (a whorl bug: please report it)");
    return rc ? whorl__error(err, rc, NULL, -1, "out of memory") : WHORL_OK;
  }
  if (fmt == WHORL_RENDER_MARKDOWN) {
    whorl_buf b = WHORL_BUF_INIT;
    render_markdown(&b, doc);
    *out = whorl_buf_detach(&b, len);
    return *out ? WHORL_OK : whorl__error(err, WHORL_ENOMEM, NULL, -1, "out of memory");
  }
  if (fmt != WHORL_RENDER_TEXT) return whorl__error(err, WHORL_EINVAL, NULL, -1, "unknown render format");
  whorl_buf b = WHORL_BUF_INIT;
  if (!strcmp(str(doc, "kind"), "diff")) render_diff(&b, doc);
  else render_fp(&b, doc);
  *out = whorl_buf_detach(&b, len);
  return *out ? WHORL_OK : whorl__error(err, WHORL_ENOMEM, NULL, -1, "out of memory");
}
