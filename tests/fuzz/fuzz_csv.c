/* Fuzz target: the CSV tokenizer on hostile bytes, fed once in 1-byte
 * pieces and once whole: both must give the same records (or the same
 * error), so no buffer edge changes the result. The first byte picks the
 * delimiter (0 = sniff) and a small record bound. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "table/csv.h"
#include "../unit/memsrc.h"
#include "util/util.h"

/* Serializes every record (fields with lengths, line, flags) into out. */
static int run(const uint8_t *data, size_t size, char delim, size_t maxrec, size_t piece, whorl_buf *out) {
  memsrc s = {data, size, 0, piece};
  whorl_csv_opts o = {delim, 0, maxrec, "fuzz.csv", 0};
  whorl_csv *c = NULL;
  whorl_error err;
  if (whorl_csv_new(&o, memsrc_read, &s, &c, &err)) return -1;
  whorl_csv_record r;
  int rc;
  while ((rc = whorl_csv_next(c, &r, &err)) == 1) {
    whorl_buf_printf(out, "R%llu/%zu/%u:", (unsigned long long)r.line, r.nfields, r.flags);
    for (size_t i = 0; i < r.nfields; i++) {
      whorl_buf_printf(out, "%zu%c=", r.len[i], r.quoted[i] ? 'q' : 'u');
      whorl_buf_put(out, r.field[i], r.len[i]);
    }
  }
  if (rc < 0) whorl_buf_printf(out, "E%d:%s", rc, err.message);
  whorl_csv_free(c);
  return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  static const char delims[] = {0, ',', '\t', ';', '|'};
  char delim = delims[data[0] % 5];
  size_t maxrec = (data[0] & 0x80) ? 64 : 0;
  data++;
  size--;
  whorl_buf a = WHORL_BUF_INIT, b = WHORL_BUF_INIT;
  /* Sniffing looks at what the first read gives: compare equal footing. */
  if (delim == 0) delim = whorl_csv_sniff_delimiter(data, size < 65536 ? size : 65536);
  run(data, size, delim, maxrec, 1, &a);
  run(data, size, delim, maxrec, 1u << 20, &b);
  if (a.len != b.len || (a.len && memcmp(a.data, b.data, a.len) != 0)) abort();
  whorl_buf_free(&a);
  whorl_buf_free(&b);
  return 0;
}
