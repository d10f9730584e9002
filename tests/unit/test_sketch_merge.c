/* Sketch merges equal one sketch over all the values: the uniform
 * histogram (whorl_uh) and the log-linear one (whorl_dd), for values
 * split between two parts at every cut, including ranges so wide that a
 * merge shifts keys by 64 places or more (1e-20 beside 4e17: a shift of
 * 64+ is undefined in C, and x86 takes it mod 64, which put the small
 * values in a wrong bucket when a table was read on several threads). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sketch/sketch.h"
#include "t.h"
#include "util/util.h"

static void uh_text(const whorl_uh *u, whorl_buf *b) {
  b->len = 0;
  whorl__uh_write(u, b);
  whorl_buf_putc(b, 0);
}

static void dd_text(const whorl_dd *d, whorl_buf *b) {
  b->len = 0;
  whorl__dd_write(d, b);
  whorl_buf_putc(b, 0);
}

/* every cut of xs into a prefix and a suffix, merged either way round */
static void check_cuts(const double *xs, size_t n) {
  whorl_buf want = WHORL_BUF_INIT, got = WHORL_BUF_INIT, dwant = WHORL_BUF_INIT, dgot = WHORL_BUF_INIT;
  whorl_uh all;
  whorl_dd dall;
  memset(&all, 0, sizeof all);
  memset(&dall, 0, sizeof dall);
  for (size_t i = 0; i < n; i++) whorl__uh_add(&all, xs[i]), whorl__dd_add(&dall, xs[i]);
  uh_text(&all, &want);
  dd_text(&dall, &dwant);
  for (size_t cut = 0; cut <= n; cut++)
    for (int swap = 0; swap < 2; swap++) {
      whorl_uh a, b;
      whorl_dd da, db;
      memset(&a, 0, sizeof a), memset(&b, 0, sizeof b);
      memset(&da, 0, sizeof da), memset(&db, 0, sizeof db);
      for (size_t i = 0; i < n; i++) {
        if ((i < cut) != swap) whorl__uh_add(&a, xs[i]), whorl__dd_add(&da, xs[i]);
        else whorl__uh_add(&b, xs[i]), whorl__dd_add(&db, xs[i]);
      }
      whorl__uh_merge(&a, &b);
      whorl__dd_merge(&da, &db);
      uh_text(&a, &got);
      dd_text(&da, &dgot);
      CHECK_STR(got.data, want.data);
      CHECK_STR(dgot.data, dwant.data);
      whorl__uh_free(&a), whorl__uh_free(&b);
      whorl__dd_free(&da), whorl__dd_free(&db);
    }
  whorl__uh_free(&all);
  whorl__dd_free(&dall);
  whorl_buf_free(&want), whorl_buf_free(&got), whorl_buf_free(&dwant), whorl_buf_free(&dgot);
}

int main(void) {
  const double wide[] = {1e-20, 2e-20, -3e-20, 444444444444444445.0, 5, 6};
  check_cuts(wide, sizeof wide / sizeof *wide);
  const double wider[] = {1e-300, -1e-300, 1e300, -1e300, 0.5, 0};
  check_cuts(wider, sizeof wider / sizeof *wider);
  /* random magnitudes from 2^-80 to 2^80, both signs */
  t_rng = 0x2545f4914f6cdd1dULL;
  double xs[40];
  for (int round = 0; round < 200; round++) {
    for (size_t i = 0; i < 40; i++) {
      double m = (double)(t_next() % 1000000) / 1000000.0 + 0.5;
      int e = (int)(t_next() % 161) - 80;
      xs[i] = ((t_next() & 1) ? -1 : 1) * ldexp(m, e);
    }
    check_cuts(xs, 40);
  }
  printf("%d checks, %d failed\n", t_checks, t_failures);
  return t_failures != 0;
}
