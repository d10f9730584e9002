/* The table reader's strategies give one result: Parquet row groups read a
 * column at a time or all columns in step (in windows of a few rows), on
 * DuckDB's files, on one thread or with the columns shared out among
 * several; the logical ids do not depend on how the reader cuts the work. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "t.h"
#include "table/logical.h"
#include "table/reader.h"

/* logical.id (hex) of path read as fmt with the given Parquet step. */
static int table_id(const char *path, const char *fmt, uint64_t whole, int threads, char out[65]) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return -1;
  struct stat st;
  fstat(fd, &st);
  whorl_lacc *acc = NULL;
  if (whorl__lacc_new(NULL, &acc)) {
    close(fd);
    return -1;
  }
  whorl_table_sink sink = whorl__lacc_sink(acc);
  whorl_table_opts o = WHORL_TABLE_OPTS_INIT;
  o.format = fmt;
  o.pq_whole_rows = whole;
  o.threads = threads;
  whorl_table_info info;
  whorl_error err;
  int rc = whorl__table_read(path, fd, &st, &o, &sink, &info, &err);
  const whorl_lresult *r = NULL;
  if (!rc) rc = whorl__lacc_finish(acc, &r);
  if (!rc)
    for (int i = 0; i < 32; i++) snprintf(out + 2 * i, 3, "%02x", r->id[i]);
  else fprintf(stderr, "%s: %s\n", path, err.message);
  whorl__lacc_free(acc);
  close(fd);
  return rc;
}

int main(void) {
  const char *src = getenv("WHORL_SRC");
  const char *dirs[] = {"tests/data/duckdb", "tests/data/real/duckdb"};
  int files = 0;
  for (size_t d = 0; d < 2; d++) {
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/%s", src ? src : "..", dirs[d]);
    DIR *dh = opendir(dir);
    CHECK(dh != NULL);
    if (!dh) continue;
    struct dirent *e;
    while ((e = readdir(dh))) {
      size_t n = strlen(e->d_name);
      if (n < 9 || strcmp(e->d_name + n - 8, ".parquet")) continue;
      char p[2048];
      snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
      char a[65] = "", b[65] = "", c[65] = "", d[65] = "", f[65] = "";
      CHECK(table_id(p, "parquet", 0, 1, a) == 0);
      CHECK(table_id(p, "parquet", 7, 1, b) == 0);    /* in step, windows of 7 rows */
      CHECK(table_id(p, "parquet", 1000, 1, c) == 0); /* in step when above 1000 rows */
      CHECK(table_id(p, "parquet", 0, 3, d) == 0);    /* columns shared out among 3 threads (lanes) */
      CHECK(table_id(p, "parquet", 7, 2, f) == 0);    /* ... in step, on 2 */
      CHECK_STR(b, a);
      CHECK_STR(c, a);
      CHECK_STR(d, a);
      CHECK_STR(f, a);
      files++;
    }
    closedir(dh);
  }
  CHECK(files >= 30);
  T_DONE();
}
