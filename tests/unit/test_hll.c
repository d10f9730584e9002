/* HyperLogLog registers in documents: the nibble encoding (with its
 * exceptions) and the older 6-bit packing both give back the registers
 * they were written from; malformed texts are refused. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sketch/sketch.h"
#include "t.h"
#include "util/util.h"


static void round_trip(const whorl_hll *h) {
  whorl_buf a = WHORL_BUF_INIT, b = WHORL_BUF_INIT;
  whorl_hll x, y;
  whorl__hll_write_nib(h, &a);
  whorl__hll_write(h, &b);
  CHECK(whorl__hll_read_nib(&x, a.data, a.len) == 0);
  CHECK(memcmp(x.reg, h->reg, sizeof x.reg) == 0);
  CHECK(whorl__hll_read(&y, b.data, b.len) == 0);
  CHECK(memcmp(y.reg, h->reg, sizeof y.reg) == 0);
  whorl_buf_free(&a);
  whorl_buf_free(&b);
}

int main(void) {
  t_rng = 0x853c49e6748fea9bULL;
  whorl_hll h;
  /* empty, sparse, dense, and wide ranges that need exceptions */
  memset(&h, 0, sizeof h);
  round_trip(&h);
  for (int k = 0; k < 200; k++) {
    int mode = k % 4;
    for (uint32_t i = 0; i < WHORL_HLL_M; i++) {
      uint64_t r = t_next();
      uint8_t v = mode == 0 ? (uint8_t)(r % 8 == 0 ? 1 + r % 5 : 0)
                  : mode == 1 ? (uint8_t)(4 + r % 9)
                  : mode == 2 ? (uint8_t)(3 + r % 40)
                              : (uint8_t)(r % 53);
      h.reg[i] = v;
    }
    round_trip(&h);
  }
  /* the nibbles are smaller for a dense sketch */
  for (uint32_t i = 0; i < WHORL_HLL_M; i++) h.reg[i] = (uint8_t)(5 + t_next() % 10);
  whorl_buf a = WHORL_BUF_INIT, b = WHORL_BUF_INIT;
  whorl__hll_write_nib(&h, &a);
  whorl__hll_write(&h, &b);
  CHECK(a.len * 3 < b.len * 2 + 16);
  /* malformed: cut short, a byte too many, an exception that is none */
  whorl_hll x;
  CHECK(whorl__hll_read_nib(&x, a.data, a.len - 8) != 0);
  whorl_buf raw = WHORL_BUF_INIT, enc = WHORL_BUF_INIT;
  CHECK(whorl__unbase64(a.data, a.len, &raw) == 0);
  whorl_buf_putc(&raw, 9);
  whorl__base64((const uint8_t *)raw.data, raw.len, &enc);
  CHECK(whorl__hll_read_nib(&x, enc.data, enc.len) != 0);
  raw.len--;
  raw.data[1] = (char)0x0f; /* register 0 an exception, but no exception byte fits */
  enc.len = 0;
  whorl__base64((const uint8_t *)raw.data, raw.len, &enc);
  CHECK(whorl__hll_read_nib(&x, enc.data, enc.len) != 0);
  CHECK(whorl__hll_read_nib(&x, "", 0) != 0);
  CHECK(whorl__hll_read_nib(&x, "!!!!", 4) != 0);
  whorl_buf_free(&a);
  whorl_buf_free(&b);
  whorl_buf_free(&raw);
  whorl_buf_free(&enc);
  if (t_failures) fprintf(stderr, "%d of %d checks failed\n", t_failures, t_checks);
  return t_failures != 0;
}
