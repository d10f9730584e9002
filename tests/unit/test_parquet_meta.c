/* Parquet footer: the real file Debian's python3-pandas ships (written by
 * parquet-cpp: columns A int64 [1,2,3] and B "foo"), then every truncation
 * and every single-byte corruption of its footer: a clean result or a clean
 * error, never a crash (also under ASan). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "t.h"
#include "table/parquet_meta.h"
#include "util/util.h"

static const char *simple = "/usr/lib/python3/dist-packages/pandas/tests/io/data/parquet/simple.parquet";

int main(void) {
  char *data = NULL;
  size_t len = 0;
  whorl_error err;
  if (whorl__read_file(simple, 1 << 20, &data, &len, &err) != WHORL_OK) {
    printf("skipped: %s not found (setup installs python3-pandas)\n", simple);
    T_DONE();
  }
  int fd = open(simple, O_RDONLY);
  pq_meta m;
  CHECK(whorl__parquet_meta_read(fd, len, simple, &m, &err) == WHORL_OK);
  close(fd);
  CHECK(m.num_rows == 3);
  CHECK(m.nrow_groups == 1 && m.row_groups[0].num_rows == 3);
  CHECK(m.created_by && !strncmp(m.created_by, "parquet-cpp", 11));
  int haveA = 0, haveB = 0;
  for (size_t i = 0; i < m.nschema; i++) {
    haveA |= !strcmp(m.schema[i].name, "A") && m.schema[i].type == PQ_INT64;
    haveB |= !strcmp(m.schema[i].name, "B") && m.schema[i].type == PQ_BYTE_ARRAY;
  }
  CHECK(haveA && haveB);
  CHECK(m.schema[0].num_children == (int32_t)m.nschema - 1); /* flat: root + leaves */
  int colA = 0;
  for (size_t c = 0; c < m.row_groups[0].ncolumns; c++) {
    pq_column *col = &m.row_groups[0].columns[c];
    if (!strcmp(col->path, "A")) colA = col->type == PQ_INT64 && col->num_values == 3 && col->data_page_offset >= 4;
  }
  CHECK(colA);
  whorl__parquet_meta_free(&m);

  /* Truncations and single-byte corruptions of the footer. */
  uint32_t flen = (uint32_t)(unsigned char)data[len - 8] | (uint32_t)(unsigned char)data[len - 7] << 8 |
                  (uint32_t)(unsigned char)data[len - 6] << 16 | (uint32_t)(unsigned char)data[len - 5] << 24;
  CHECK(flen > 0 && flen < len);
  const uint8_t *footer = (const uint8_t *)data + len - 8 - flen;
  size_t ok = 0, bad = 0;
  for (size_t cut = 0; cut < flen; cut++) {
    pq_meta t;
    if (whorl__parquet_meta_parse(footer, cut, len, "cut.parquet", &t, &err) == WHORL_OK) ok++, whorl__parquet_meta_free(&t);
    else bad++;
  }
  uint8_t *copy = malloc(flen);
  for (size_t i = 0; i < flen; i++)
    for (int v = 0; v < 3; v++) {
      static const uint8_t vals[] = {0x00, 0xff, 0x15};
      memcpy(copy, footer, flen);
      copy[i] = vals[v];
      pq_meta t;
      if (whorl__parquet_meta_parse(copy, flen, len, "flip.parquet", &t, &err) == WHORL_OK) ok++, whorl__parquet_meta_free(&t);
      else {
        bad++;
        CHECK(err.code == WHORL_EFORMAT || err.code == WHORL_ENOMEM);
      }
    }
  free(copy);
  printf("footer variants: %zu parsed, %zu refused\n", ok, bad);
  CHECK(bad > 0);

  /* Whole-file problems, through the fd reader. */
  const char *tmp = getenv("WHORL_TMP");
  char p[600];
  snprintf(p, sizeof p, "%s/pq.%d", tmp ? tmp : "/tmp", (int)getpid());
  struct { size_t keep; const char *why; } cases[] = {{len - 1, "no PAR1"}, {10, "too short"}, {len, NULL}};
  for (int k = 0; k < 3; k++) {
    FILE *f = fopen(p, "wb");
    fwrite(data, 1, cases[k].keep, f);
    fclose(f);
    fd = open(p, O_RDONLY);
    int rc = whorl__parquet_meta_read(fd, cases[k].keep, p, &m, &err);
    close(fd);
    if (cases[k].why) CHECK(rc == WHORL_EFORMAT && strstr(err.message, cases[k].why) && !strcmp(err.path, p));
    else {
      CHECK(rc == WHORL_OK);
      whorl__parquet_meta_free(&m);
    }
  }
  /* a footer length that points before the start */
  data[len - 8] = (char)0xff;
  data[len - 7] = (char)0xff;
  FILE *f = fopen(p, "wb");
  fwrite(data, 1, len, f);
  fclose(f);
  fd = open(p, O_RDONLY);
  CHECK(whorl__parquet_meta_read(fd, len, p, &m, &err) == WHORL_EFORMAT && strstr(err.message, "does not fit"));
  close(fd);
  unlink(p);
  free(data);
  T_DONE();
}
