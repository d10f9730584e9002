/* The CSV tokenizer's bulk path (whorl_csv_block_next) against its record
 * path (whorl_csv_next): on generated texts full of quotes, line breaks of
 * every kind, blank lines, ragged records and non-ASCII bytes, a reader
 * that takes blocks wherever it can must see exactly the records, fields,
 * quoting, lines and offsets of one that reads record by record. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "memsrc.h"
#include "t.h"
#include "table/csv.h"
#include "util/util.h"


typedef struct flat {
  whorl_buf text; /* every record, one after the other, in a printable form */
  size_t records;
} flat;

static void put_rec(flat *f, size_t nf, const char *const *field, const size_t *len, const unsigned char *quoted,
                    uint64_t line, uint64_t offset) {
  char h[64];
  int n = snprintf(h, sizeof h, "@%llu:%llu:%zu|", (unsigned long long)line, (unsigned long long)offset, nf);
  whorl_buf_put(&f->text, h, (size_t)n);
  for (size_t i = 0; i < nf; i++) {
    n = snprintf(h, sizeof h, "%zu%c", len[i], quoted[i] ? 'q' : 'u');
    whorl_buf_put(&f->text, h, (size_t)n);
    whorl_buf_put(&f->text, field[i], len[i]);
  }
  f->records++;
}

/* Tokenizes text; with `bulk`, through blocks wherever possible. */
static long bulk_records;
static int run(const uint8_t *text, size_t len, size_t piece, int bulk, uint64_t stop, flat *out) {
  memsrc src = {text, len, 0, piece};
  whorl_csv_opts o = {',', 0, 4096, "gen.csv", 0};
  whorl_csv *c;
  whorl_error err;
  if (whorl_csv_new(&o, memsrc_read, &src, &c, &err)) return -1;
  whorl_csv_block b;
  memset(&b, 0, sizeof b);
  whorl_csv_record r;
  size_t ncols = 0;
  int rc;
  for (;;) {
    if (bulk && ncols) {
      long n = whorl_csv_block_next(c, ncols, 1 + t_next() % 40, stop, &b);
      if (n < 0) {
        rc = -1;
        break;
      }
      for (long k = 0; k < n; k++)
        put_rec(out, ncols, b.ptr + (size_t)k * ncols, b.len + (size_t)k * ncols, b.quoted + (size_t)k * ncols,
                b.line[k], b.offset[k]);
      bulk_records += n;
      if (n > 0) {
        /* no record handed out in bulk starts at or after stop */
        CHECK(b.offset[n - 1] < stop);
        continue;
      }
    }
    rc = whorl_csv_next(c, &r, &err);
    if (rc != 1) break;
    if (!ncols) ncols = r.nfields;
    put_rec(out, r.nfields, r.field, r.len, r.quoted, r.line, r.offset);
  }
  whorl_csv_block_free(&b);
  whorl_csv_free(c);
  return rc;
}

int main(void) {
  t_rng = 0x2545f4914f6cdd1dULL;
  static const char *atoms[] = {"a",    "bc",  "12",   "3.5",  ",",  ",",    ",",  "\n",   "\r\n", "\r",
                                "\"x\"", "\"\"", "\"a,b\"", "\"l\nm\"", "\"q\"\"r\"", "\"s\"t", "u\"v", "\xc3\xa9",
                                "\xff", " ", ",,", "\n\n",
                                /* quoted fields longer than a 64-byte chunk, line feeds and all */
                                "\"a long field that spans more than one chunk of sixty-four bytes, with\na line feed, "
                                "and then\r\nanother, and a comma, before it ends after all this text\"",
                                "\"and one more long quoted field, longer than sixty-four bytes, holding two quotes \"\" "
                                "in the middle of its text\""};
  const size_t natoms = sizeof atoms / sizeof *atoms;
  long same = 0;
  for (int iter = 0; iter < 40000; iter++) {
    whorl_buf text = WHORL_BUF_INIT;
    /* mostly regular rows of 3-5 fields, with mischief sprinkled in */
    size_t cols = 3 + t_next() % 3, rows = 1 + t_next() % 60;
    int mischief = (int)(t_next() % 4);
    for (size_t r = 0; r < rows; r++) {
      for (size_t k = 0; k < cols; k++) {
        if (k) whorl_buf_putc(&text, ',');
        size_t na = t_next() % 3;
        for (size_t a = 0; a < na; a++) {
          size_t pick = t_next() % natoms;
          static const size_t clean[] = {0, 1, 2, 3, 10, 11, 12, 13, 17, 19};
          if (mischief == 0) pick = clean[t_next() % 10]; /* rows the bulk path takes */
          if (mischief == 1 && pick >= 4 && pick <= 9 && t_next() % 8) pick = 2;
          whorl_buf_puts(&text, atoms[pick]);
        }
      }
      whorl_buf_puts(&text, t_next() % 5 ? "\n" : t_next() % 2 ? "\r\n" : "\r");
      if (t_next() % 50 == 0) whorl_buf_putc(&text, '\n');
    }
    if (t_next() % 3 == 0 && text.len) text.len--; /* no final line break */
    size_t piece = t_next() % 4 ? 1u << 20 : 1 + t_next() % 300;
    uint64_t stop = t_next() % 4 ? UINT64_MAX : t_next() % (text.len + 1);
    flat a = {WHORL_BUF_INIT, 0}, b = {WHORL_BUF_INIT, 0};
    int ra = run((const uint8_t *)text.data, text.len, piece, 0, stop, &a);
    int rb = run((const uint8_t *)text.data, text.len, piece, 1, stop, &b);
    int ok = ra == rb && a.text.len == b.text.len && memcmp(a.text.data, b.text.data, a.text.len) == 0;
    CHECK(ok);
    if (!ok && t_failures < 5)
      fprintf(stderr, "iteration %d: record path %d (%zu records), bulk %d (%zu records)\n  text [%.*s]\n", iter, ra,
              a.records, rb, b.records, (int)text.len, text.data);
    same += ok;
    whorl_buf_free(&a.text);
    whorl_buf_free(&b.text);
    whorl_buf_free(&text);
  }
  fprintf(stderr, "%ld texts tokenized alike both ways; %ld records came in blocks\n", same, bulk_records);
#if (defined(__x86_64__) || defined(__SSE2__)) && !defined(WHORL_NO_SIMD)
  CHECK(bulk_records > 100000); /* the bulk path did its share */
#else
  CHECK(bulk_records == 0); /* built without it: the record path alone */
#endif
  if (t_failures) fprintf(stderr, "%d of %d checks failed\n", t_failures, t_checks);
  return t_failures != 0;
}
