/* Parquet written by DuckDB (tests/data/duckdb): every column of every
 * compression and page version reads back to the same canonical cells as
 * the CSV DuckDB wrote of the same table - the logical tier's promise, on
 * real files from another tool. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "t.h"
#include "table/csv.h"
#include "table/parquet_read.h"
#include "table/value.h"
#include "util/util.h"

#define MAXROWS 3000
#define MAXCOLS 6
static int ROWS = 1000, COLS = 6;
static char *cells[MAXCOLS][MAXROWS]; /* canonical bytes from the CSV */
static size_t cell_len[MAXCOLS][MAXROWS];
static char names[MAXCOLS][32];

typedef struct src {
  FILE *f;
} src;
static long long rd(void *ctx, uint8_t *buf, size_t cap) { return (long long)fread(buf, 1, cap, ((src *)ctx)->f); }

typedef struct cmp {
  int col;
  size_t row, mismatches;
  const pq_schema *schema;
} cmp;

static int check(void *ctx, const pq_value *v) {
  cmp *c = ctx;
  whorl_buf b = WHORL_BUF_INIT;
  if (whorl__value_parquet(c->schema, v, &b) < 0) whorl_buf_puts(&b, "?unmapped");
  if (c->row >= (size_t)ROWS || b.len != cell_len[c->col][c->row] || memcmp(b.data, cells[c->col][c->row], b.len)) {
    if (c->mismatches++ < 3 && c->row < (size_t)ROWS)
      fprintf(stderr, "col %s row %zu: parquet %.*s csv %.*s\n", names[c->col], c->row, (int)b.len, b.data,
              (int)cell_len[c->col][c->row], cells[c->col][c->row]);
  }
  c->row++;
  whorl_buf_free(&b);
  return 0;
}

static void check_table(const char *csvname, int rows, int cols, int ncheck, const char *const *files, size_t nfiles) {
  ROWS = rows;
  COLS = cols;
  const char *srcdir = getenv("WHORL_SRC");
  char p[1024];
  snprintf(p, sizeof p, "%s/tests/data/duckdb/%s", srcdir ? srcdir : "..", csvname);
  src s = {fopen(p, "rb")};
  CHECK(s.f != NULL);
  if (!s.f) return;
  whorl_csv_opts o = {',', 0, 0, p, 0};
  whorl_csv *csv = NULL;
  whorl_error err;
  CHECK(whorl_csv_new(&o, rd, &s, &csv, &err) == WHORL_OK);
  whorl_csv_record r;
  CHECK(whorl_csv_next(csv, &r, &err) == 1 && r.nfields == (size_t)COLS);
  for (int k = 0; k < COLS; k++) snprintf(names[k], sizeof names[k], "%.*s", (int)r.len[k], r.field[k]);
  size_t nrows = 0;
  while (whorl_csv_next(csv, &r, &err) == 1 && nrows < (size_t)ROWS) {
    size_t rows_ = nrows;
    for (int k = 0; k < COLS && k < (int)r.nfields; k++) {
      whorl_buf b = WHORL_BUF_INIT;
      whorl__value_text(r.field[k], r.len[k], r.quoted[k], &b);
      cell_len[k][rows_] = b.len;
      cells[k][rows_] = whorl_buf_detach(&b, NULL);
    }
    nrows++;
  }
  CHECK_INT(nrows, ROWS);
  whorl_csv_free(csv);
  fclose(s.f);

  for (size_t f = 0; f < nfiles; f++) {
    snprintf(p, sizeof p, "%s/tests/data/duckdb/%s.parquet", srcdir ? srcdir : "..", files[f]);
    (void)0;
    int fd = open(p, O_RDONLY);
    struct stat st;
    fstat(fd, &st);
    pq_meta m;
    int rc = whorl__parquet_meta_read(fd, (uint64_t)st.st_size, p, &m, &err);
    if (rc) fprintf(stderr, "%s: %s\n", files[f], err.message);
    CHECK(rc == WHORL_OK);
    if (rc) continue;
    CHECK(m.num_rows == ROWS);
    int checked = 0;
    for (int k = 0; k < ncheck; k++) {
      cmp c = {k, 0, 0, NULL};
      for (size_t si = 1; si < m.nschema; si++)
        if (!strcmp(m.schema[si].name, names[k])) c.schema = &m.schema[si];
      CHECK(c.schema != NULL);
      if (!c.schema) continue;
      for (size_t g = 0; g < m.nrow_groups; g++)
        for (size_t ci = 0; ci < m.row_groups[g].ncolumns; ci++)
          if (!strcmp(m.row_groups[g].columns[ci].path, names[k])) {
            rc = whorl__parquet_read_column(fd, (uint64_t)st.st_size, p, &m, g, ci, check, &c, &err);
            if (rc) fprintf(stderr, "%s %s: %s\n", files[f], names[k], err.message);
            CHECK(rc == WHORL_OK);
          }
      CHECK_INT(c.row, ROWS);
      CHECK_INT(c.mismatches, 0);
      checked++;
    }
    CHECK_INT(checked, ncheck);
    whorl__parquet_meta_free(&m);
    close(fd);
  }
  for (int k = 0; k < COLS; k++)
    for (int i = 0; i < ROWS; i++) {
      free(cells[k][i]);
      cells[k][i] = NULL;
    }
}

int main(void) {
  static const char *const numeric[] = {"duck-uncompressed", "duck-snappy", "duck-gzip", "duck-zstd", "duck-v2"};
  check_table("duck-t.csv", 1000, 6, 6, numeric, 5);
  /* DELTA_BINARY_PACKED ids, DELTA_LENGTH_BYTE_ARRAY strings with NULLs,
   * and DATE (INT32 days) read as the ISO day CSV spells */
  static const char *const strings[] = {"duck-strings-v2"};
  check_table("duck-strings.csv", 3000, 3, 3, strings, 1);
  /* DECIMAL in INT32 and INT64 (scale 2 and 4), unsigned 8/32/64-bit
   * integers, dates before 1970 and NULL dates */
  static const char *const decimals[] = {"duck-decimal"};
  check_table("duck-decimal.csv", 200, 6, 6, decimals, 1);
  /* the calendar */
  char d[48];
  whorl__iso_day(0, d);
  CHECK_STR(d, "1970-01-01");
  whorl__iso_day(19723, d);
  CHECK_STR(d, "2024-01-01");
  whorl__iso_day(11016, d);
  CHECK_STR(d, "2000-02-29");
  whorl__iso_day(-1, d);
  CHECK_STR(d, "1969-12-31");
  whorl__iso_day(-719528, d);
  CHECK_STR(d, "0000-01-01");
  T_DONE();
}
