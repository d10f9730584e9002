/* Fuzz target: the JSON Lines reader on hostile bytes, fed in 1-byte pieces
 * and whole: the same records and canonical values (or the same error)
 * either way. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "table/jsonl.h"
#include "../unit/memsrc.h"
#include "util/util.h"

static void run(const uint8_t *data, size_t size, size_t piece, int array, whorl_buf *out) {
  memsrc s = {data, size, 0, piece};
  whorl_jsonl *r = NULL;
  whorl_error err;
  if (whorl_jsonl_new(memsrc_read, &s, "fuzz.jsonl", 256, &r, &err)) return;
  if (array) whorl_jsonl_set_array(r);
  const whorl_json *o;
  uint64_t line;
  int rc;
  while ((rc = whorl_jsonl_next(r, &o, &line, &err)) == 1) {
    whorl_buf_printf(out, "L%llu:", (unsigned long long)line);
    for (size_t i = 0; i < whorl_json_size(o); i++) {
      size_t kl = 0;
      const char *k = whorl_json_object_key(o, i, &kl);
      whorl_buf_put(out, k, kl);
      whorl_buf_putc(out, '=');
      whorl__value_json(whorl_json_object_value(o, i), out);
      whorl_buf_putc(out, ';');
    }
  }
  if (rc < 0) whorl_buf_printf(out, "E%d:%s", rc, err.message);
  whorl_jsonl_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  for (int array = 0; array < 2; array++) { /* lines, then one JSON array of objects */
    whorl_buf a = WHORL_BUF_INIT, b = WHORL_BUF_INIT;
    run(data, size, 1, array, &a);
    run(data, size, 1u << 20, array, &b);
    if (a.len != b.len || (a.len && memcmp(a.data, b.data, a.len) != 0)) abort();
    whorl_buf_free(&a);
    whorl_buf_free(&b);
  }
  return 0;
}
