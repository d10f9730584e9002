/* Fuzz target: format sniffing on hostile first and last bytes (zip local
 * headers with lying name lengths, safetensors length prefixes, cut UTF-8).
 * The first 2 bytes choose how much of the input is the tail and what size
 * the file claims to have. */
#include <stdint.h>
#include <string.h>

#include "io/io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  size_t taillen = data[0] % 17;
  uint64_t extra = (uint64_t)data[1] * 1000003u;
  data += 2;
  size -= 2;
  if (taillen > size) taillen = size;
  size_t headlen = size > 4096 ? 4096 : size;
  const char *name = whorl__sniff(data, headlen, data + size - taillen, taillen, size + extra);
  if (!name || !*name) __builtin_trap();
  return 0;
}
