/* Fuzz target: .npy headers (lying lengths, hostile dict literals, huge
 * shapes). Must end in OK or a clean error; on OK the sizes must add up. */
#include <stdint.h>
#include <stdlib.h>

#include "io/npy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  whorl_npy n;
  whorl_error err;
  if (whorl__npy_parse(data, size, size, "fuzz.npy", &n, &err) == WHORL_OK) {
    if (n.data_offset > size || n.nbytes > size - n.data_offset) abort();
    if (n.ndim < 0 || n.ndim > WHORL_NPY_MAX_DIMS || n.itemsize <= 0) abort();
  }
  return 0;
}
