/* The logical accumulator: a table fed whole, or cut into parts at any
 * rows (forked, filled apart, joined in order), gives the same ids and
 * sums; keyed mode changes every value hash; column order does not change
 * logical.id, row order does not change logical.unordered; batches of
 * several lanes give what one lane gives. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "table/logical.h"
#include "table/types.h"
#include "table/value.h"

#define ROWS 3000
#define COLS 4

static char cell[ROWS][COLS][24];
static int lane_mode; /* 1: the columns' batches come through lanes 0, 1, 2 (whorl_table_sink.lanes) */

/* Feeds rows [r0, r1) of the table into sink s, windows of w rows;
 * `perm` orders the columns as the reader would announce them. */
static int feed(whorl_table_sink *s, int r0, int r1, int w, const int *perm) {
  whorl_buf enc = WHORL_BUF_INIT, canon = WHORL_BUF_INIT;
  uint8_t types[ROWS];
  for (int a = r0; a < r1; a += w) {
    int n = r1 - a < w ? r1 - a : w;
    if (s->begin(s->ctx, (size_t)n)) return -1;
    for (int cc = 0; cc < COLS; cc++) {
      int c = perm[cc];
      enc.len = 0;
      for (int r = 0; r < n; r++) {
        const char *t = cell[a + r][c];
        canon.len = 0;
        types[r] = (uint8_t)whorl__cell_text(t, strlen(t), 0, &canon);
        whorl__cell_put(&enc, canon.data, canon.len);
      }
      whorl_colbatch b = {(size_t)cc, 0, (size_t)n, (const uint8_t *)enc.data, enc.len, types, lane_mode ? (unsigned)(cc % 3) : 0};
      if (s->batch(s->ctx, &b)) return -1;
    }
    if (s->end(s->ctx)) return -1;
  }
  whorl_buf_free(&enc);
  whorl_buf_free(&canon);
  return 0;
}

static const char *names[COLS] = {"id", "name", "score", "when"};

static void run(const uint8_t *key, const int *perm, const int *order, int parts, whorl_lresult *out, uint8_t colh[COLS][32]) {
  whorl_lacc *a = NULL;
  CHECK(whorl__lacc_new(key, &a) == WHORL_OK);
  whorl_table_sink s = whorl__lacc_sink(a);
  for (int cc = 0; cc < COLS; cc++) CHECK(s.column(s.ctx, names[perm[cc]], strlen(names[perm[cc]])) == 0);
  /* `order`: rows in this order (a permutation), copied into a scratch table */
  static char saved[ROWS][COLS][24];
  memcpy(saved, cell, sizeof cell);
  for (int r = 0; r < ROWS; r++) memcpy(cell[r], saved[order[r]], sizeof cell[r]);
  if (parts <= 1) {
    CHECK(feed(&s, 0, ROWS, 257, perm) == 0);
  } else {
    int cut[16];
    for (int k = 0; k < parts; k++) cut[k] = k * ROWS / parts + (k ? 13 * k : 0) % 97;
    cut[0] = 0;
    for (int k = 0; k < parts; k++) {
      int r0 = cut[k], r1 = k + 1 < parts ? cut[k + 1] : ROWS;
      whorl_table_sink part;
      CHECK(s.fork(s.ctx, &part) == 0);
      CHECK(feed(&part, r0, r1, 100 + k, perm) == 0);
      CHECK(s.join(s.ctx, &part) == 0);
      s.drop(&part);
    }
  }
  memcpy(cell, saved, sizeof cell);
  const whorl_lresult *r;
  CHECK(whorl__lacc_finish(a, &r) == 0);
  *out = *r;
  out->col = NULL;
  for (int cc = 0; cc < COLS; cc++) memcpy(colh[perm[cc]], r->col[cc].ordered, 32);
  whorl__lacc_free(a);
}

int main(void) {
  uint64_t st = 42;
  for (int r = 0; r < ROWS; r++) {
    st ^= st << 13, st ^= st >> 7, st ^= st << 17;
    snprintf(cell[r][0], 24, "%d", r);
    snprintf(cell[r][1], 24, "%s", (st % 10) == 0 ? "" : (st % 3) ? "ann" : "bob");
    snprintf(cell[r][2], 24, "%d.%02d", (int)(st % 1000), (int)(st >> 20) % 100);
    snprintf(cell[r][3], 24, "2024-%02d-%02d 10:%02d", (int)(st >> 8) % 12 + 1, (int)(st >> 16) % 28 + 1, (int)(st >> 24) % 60);
  }
  int id[COLS] = {0, 1, 2, 3}, rev[COLS] = {3, 1, 0, 2};
  int rows[ROWS], shuf[ROWS];
  for (int r = 0; r < ROWS; r++) rows[r] = shuf[r] = r;
  for (int r = ROWS - 1; r > 0; r--) {
    st ^= st << 13, st ^= st >> 7, st ^= st << 17;
    int j = (int)(st % (uint64_t)(r + 1)), t = shuf[r];
    shuf[r] = shuf[j];
    shuf[j] = t;
  }
  whorl_lresult whole, split, cols, shuffled, keyed;
  uint8_t hw[COLS][32], hs[COLS][32], hc[COLS][32], hh[COLS][32], hk[COLS][32];
  run(NULL, id, rows, 1, &whole, hw);
  run(NULL, id, rows, 7, &split, hs);
  CHECK(memcmp(whole.id, split.id, 32) == 0);
  CHECK(memcmp(whole.unordered, split.unordered, 32) == 0);
  CHECK(memcmp(whole.row_sum, split.row_sum, 16) == 0);
  CHECK(memcmp(whole.schema, split.schema, 32) == 0);
  CHECK(memcmp(hw, hs, sizeof hw) == 0);
  whorl_lresult laned;
  uint8_t hl[COLS][32];
  lane_mode = 1; /* columns through several lanes: the same results */
  run(NULL, id, rows, 1, &laned, hl);
  lane_mode = 0;
  CHECK(memcmp(whole.id, laned.id, 32) == 0);
  CHECK(memcmp(whole.unordered, laned.unordered, 32) == 0);
  CHECK(memcmp(whole.row_sum, laned.row_sum, 16) == 0);
  CHECK(memcmp(hw, hl, sizeof hw) == 0);
  run(NULL, rev, rows, 3, &cols, hc); /* other column order */
  CHECK(memcmp(whole.id, cols.id, 32) == 0);
  CHECK(memcmp(whole.unordered, cols.unordered, 32) == 0);
  CHECK(memcmp(whole.schema, cols.schema, 32) == 0);
  CHECK(memcmp(hw, hc, sizeof hw) == 0);
  run(NULL, id, shuf, 5, &shuffled, hh); /* other row order */
  CHECK(memcmp(whole.id, shuffled.id, 32) != 0);
  CHECK(memcmp(whole.unordered, shuffled.unordered, 32) == 0);
  for (int c = 0; c < COLS; c++) CHECK(memcmp(hw[c], hh[c], 32) != 0);
  static const uint8_t k[32] = {1, 2, 3};
  run(k, id, rows, 4, &keyed, hk);
  CHECK(memcmp(whole.id, keyed.id, 32) != 0);
  CHECK(memcmp(whole.unordered, keyed.unordered, 32) != 0);
  CHECK(memcmp(whole.schema, keyed.schema, 32) == 0); /* names and types only */
  for (int c = 0; c < COLS; c++) CHECK(memcmp(hw[c], hk[c], 32) != 0);
  T_DONE();
}
