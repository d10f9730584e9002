/* Fuzz target: the JSON Lines reader on hostile bytes, fed in 1-byte pieces
 * and whole, and with its flat lines scanned in place: the same records
 * and canonical values (or the same error) every way. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "table/jsonl.h"
#include "table/types.h"
#include "../unit/memsrc.h"
#include "util/util.h"

/* flat: lines of scalars come scanned in place (whorl_jsonl_next_flat),
 * their values read as the table reader reads them (CSV text, strings as
 * quoted fields), a repeated key sending the line to the parser, as the
 * reader does: the output must be the parsed lines' own. */
static void run(const uint8_t *data, size_t size, size_t piece, int array, int flat, whorl_buf *out) {
  memsrc s = {data, size, 0, piece};
  whorl_jsonl *r = NULL;
  whorl_error err;
  if (whorl_jsonl_new(memsrc_read, &s, "fuzz.jsonl", 256, &r, &err)) return;
  if (array) whorl_jsonl_set_array(r);
  const whorl_json *o;
  uint64_t line;
  int rc;
  whorl_jflat f = {0};
  while ((rc = whorl_jsonl_next_flat(r, &o, flat ? &f : NULL, &line, &err)) == 1) {
    if (!o) {
      int dup = 0;
      for (size_t i = 0; i < f.n && !dup; i++)
        for (size_t k = 0; k < i && !dup; k++) dup = f.m[i].kl == f.m[k].kl && !memcmp(f.m[i].k, f.m[k].k, f.m[i].kl);
      if (!dup) {
        whorl_buf_printf(out, "L%llu:", (unsigned long long)line);
        for (size_t i = 0; i < f.n; i++) {
          whorl_buf_put(out, f.m[i].k, f.m[i].kl);
          whorl_buf_putc(out, '=');
          whorl__cell_text(f.m[i].v, f.m[i].vl, f.m[i].kind == 's', out);
          whorl_buf_putc(out, ';');
        }
        continue;
      }
      if ((rc = whorl_jsonl_reparse(r, &o, &err))) break;
    }
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
  whorl__jflat_free(&f);
  whorl_jsonl_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  for (int array = 0; array < 2; array++) { /* lines, then one JSON array of objects */
    whorl_buf a = WHORL_BUF_INIT, b = WHORL_BUF_INIT, c = WHORL_BUF_INIT;
    run(data, size, 1, array, 0, &a);
    run(data, size, 1u << 20, array, 0, &b);
    run(data, size, 1u << 20, array, 1, &c);
    if (a.len != b.len || (a.len && memcmp(a.data, b.data, a.len) != 0)) abort();
    if (a.len != c.len || (a.len && memcmp(a.data, c.data, a.len) != 0)) abort();
    whorl_buf_free(&a);
    whorl_buf_free(&b);
    whorl_buf_free(&c);
  }
  return 0;
}
