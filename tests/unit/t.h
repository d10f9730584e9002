/* t.h - the tiny assertion kit of whorl's unit tests. Each test program
 * returns 0 when every check passed; ctest collects the results. */
#ifndef WHORL_T_H
#define WHORL_T_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int t_failures, t_checks;

/* A small deterministic generator (xorshift64) for tests that draw many
 * cases; seed t_rng before use for a sequence of one's own. */
static uint64_t t_rng = 0x9e3779b97f4a7c15ULL;
static inline uint64_t t_next(void) {
  t_rng ^= t_rng << 13;
  t_rng ^= t_rng >> 7;
  t_rng ^= t_rng << 17;
  return t_rng;
}

#define CHECK(cond)                                                        \
  do {                                                                     \
    t_checks++;                                                            \
    if (!(cond)) {                                                         \
      t_failures++;                                                        \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                      \
  } while (0)

#define CHECK_STR(a, b)                                                     \
  do {                                                                      \
    const char *t_a = (a), *t_b = (b);                                      \
    t_checks++;                                                             \
    if (!t_a || !t_b || strcmp(t_a, t_b) != 0) {                            \
      t_failures++;                                                         \
      fprintf(stderr, "%s:%d: %s != %s\n  got:  %s\n  want: %s\n", __FILE__, __LINE__, #a, #b, \
              t_a ? t_a : "(null)", t_b ? t_b : "(null)");                  \
    }                                                                       \
  } while (0)

#define CHECK_INT(a, b)                                                     \
  do {                                                                      \
    long long t_a = (long long)(a), t_b = (long long)(b);                   \
    t_checks++;                                                             \
    if (t_a != t_b) {                                                       \
      t_failures++;                                                         \
      fprintf(stderr, "%s:%d: %s == %lld, want %lld\n", __FILE__, __LINE__, #a, t_a, t_b); \
    }                                                                       \
  } while (0)

#define T_DONE()                                                          \
  do {                                                                    \
    printf("%d checks, %d failed\n", t_checks, t_failures);               \
    return t_failures ? 1 : 0;                                            \
  } while (0)

#endif
