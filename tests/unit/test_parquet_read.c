/* Parquet values: the RLE/bit-packed hybrid on the specification's own
 * example, hostile runs, and the columns of the real file Debian's
 * python3-pandas ships (A = [1, 2, 3] int64, B = ["foo"] * 3, snappy,
 * dictionary-encoded); then every single-byte corruption of its column
 * chunks: clean values or a clean error, never a crash. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "t.h"
#include "table/parquet_read.h"
#include "util/util.h"

static const char *simple = "/usr/lib/python3/dist-packages/pandas/tests/io/data/parquet/simple.parquet";

typedef struct coll {
  char text[256];
  size_t n;
} coll;

static int collect(void *ctx, const pq_value *v) {
  coll *c = ctx;
  char one[64];
  if (v->is_null) snprintf(one, sizeof one, "null");
  else if (v->type == PQ_BYTE_ARRAY) snprintf(one, sizeof one, "%.*s", (int)v->len, (const char *)v->bytes);
  else if (v->type == PQ_DOUBLE || v->type == PQ_FLOAT) snprintf(one, sizeof one, "%g", v->d);
  else snprintf(one, sizeof one, "%lld", (long long)v->i);
  c->n += (size_t)snprintf(c->text + c->n, sizeof c->text - c->n, "%s%s", c->n ? "," : "", one);
  return 0;
}

/* Random RLE / bit-packed hybrid streams, encoded here bit by bit from
 * the specification: the decoder gives back the values, whatever the
 * width (0..32), run kinds and lengths, and a count that stops mid-run. */
static uint64_t rng = 88172645463325252ULL;
static uint64_t next_rand(void) {
  rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
  return rng;
}

static int hybrid_roundtrip(void) {
  static uint8_t buf[1 << 16];
  static uint32_t vals[4096], out[4096];
  int bad = 0;
  for (int t = 0; t < 3000; t++) {
    const int bw = (int)(next_rand() % 33);
    const uint64_t mask = bw == 32 ? 0xffffffffULL : ((uint64_t)1 << bw) - 1;
    size_t len = 0, n = 0;
    while (n < 3000) {
      if (next_rand() & 1) { /* bit-packed: groups of 8 */
        size_t groups = 1 + next_rand() % 20;
        buf[len++] = (uint8_t)(groups << 1 | 1); /* groups < 64: one-byte header */
        size_t bit0 = len * 8;
        memset(buf + len, 0, groups * (size_t)bw + 8);
        for (size_t i = 0; i < groups * 8; i++) {
          uint64_t v = next_rand() & mask;
          vals[n + i] = (uint32_t)v;
          for (int b = 0; b < bw; b++)
            if (v >> b & 1) {
              size_t at = bit0 + i * (size_t)bw + (size_t)b;
              buf[at / 8] |= (uint8_t)(1u << (at % 8));
            }
        }
        len += groups * (size_t)bw;
        n += groups * 8;
      } else { /* RLE */
        size_t run = 1 + next_rand() % 40;
        uint64_t v = next_rand() & mask;
        buf[len++] = (uint8_t)(run << 1);
        for (int k = 0; k < (bw + 7) / 8; k++) buf[len++] = (uint8_t)(v >> (8 * k));
        for (size_t i = 0; i < run; i++) vals[n + i] = (uint32_t)v;
        n += run;
      }
    }
    size_t want = 1 + next_rand() % n;
    memset(out, 0xa5, sizeof out);
    if (whorl__rle_hybrid(buf, len, bw, out, want) < 0 || memcmp(out, vals, want * sizeof *out)) bad++;
    if (out[want] != 0xa5a5a5a5u) bad++; /* nothing past the count */
  }
  return bad;
}

int main(void) {
  CHECK_INT(hybrid_roundtrip(), 0);
  /* The encoding specification's example: values 0..7 in 3 bits. */
  const uint8_t bp[] = {0x03, 0x88, 0xC6, 0xFA};
  uint32_t out[16];
  CHECK(whorl__rle_hybrid(bp, sizeof bp, 3, out, 8) == 4);
  for (uint32_t i = 0; i < 8; i++) CHECK(out[i] == i);
  const uint8_t rle[] = {0x10, 0x05, 0x03, 0x88, 0xC6, 0xFA}; /* 8 x 5, then 0..7 */
  CHECK(whorl__rle_hybrid(rle, sizeof rle, 3, out, 16) == 6);
  CHECK(out[0] == 5 && out[7] == 5 && out[8] == 0 && out[15] == 7);
  const uint8_t lying[] = {0xff, 0xff, 0xff, 0xff, 0x0f};   /* bit-packed run far longer than the data */
  CHECK(whorl__rle_hybrid(lying, sizeof lying, 3, out, 16) == -1);
  const uint8_t toobig[] = {0x10, 0x09};                      /* value 9 does not fit in 3 bits */
  CHECK(whorl__rle_hybrid(toobig, sizeof toobig, 3, out, 8) == -1);
  CHECK(whorl__rle_hybrid(bp, 2, 3, out, 8) == -1);           /* truncated */
  CHECK(whorl__rle_hybrid(bp, sizeof bp, 33, out, 8) == -1);

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
  const char *want[2] = {"1,2,3", "foo,foo,foo"};
  for (size_t c = 0; c < m.row_groups[0].ncolumns && c < 2; c++) {
    coll got = {{0}, 0};
    int rc = whorl__parquet_read_column(fd, len, simple, &m, 0, c, collect, &got, &err);
    if (rc) fprintf(stderr, "%s\n", err.message);
    CHECK(rc == WHORL_OK);
    CHECK_STR(got.text, !strcmp(m.row_groups[0].columns[c].path, "A") ? want[0] : want[1]);
  }
  close(fd);

  /* Corrupt every byte of the column chunks (footer intact). */
  const char *tmp = getenv("WHORL_TMP");
  char p[600];
  snprintf(p, sizeof p, "%s/pqread.%d", tmp ? tmp : "/tmp", (int)getpid());
  size_t ok = 0, bad = 0;
  int64_t lo = 4, hi = 0;
  for (size_t c = 0; c < m.row_groups[0].ncolumns; c++) {
    pq_column *col = &m.row_groups[0].columns[c];
    int64_t s = col->dictionary_page_offset >= 4 ? col->dictionary_page_offset : col->data_page_offset;
    if (s + col->total_compressed_size > hi) hi = s + col->total_compressed_size;
  }
  for (int64_t i = lo; i < hi; i++) {
    char save = data[i];
    data[i] = (char)(save ^ 0x5a);
    FILE *f = fopen(p, "wb");
    fwrite(data, 1, len, f);
    fclose(f);
    fd = open(p, O_RDONLY);
    for (size_t c = 0; c < m.row_groups[0].ncolumns; c++) {
      coll got = {{0}, 0};
      if (whorl__parquet_read_column(fd, len, p, &m, 0, c, collect, &got, &err) == WHORL_OK) ok++;
      else bad++;
    }
    close(fd);
    data[i] = save;
  }
  printf("corrupted chunks: %zu read, %zu refused\n", ok, bad);
  CHECK(bad > 0);
  unlink(p);
  whorl__parquet_meta_free(&m);
  free(data);
  T_DONE();
}
