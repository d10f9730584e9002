/* Fuzz target: the CSV tokenizer on hostile bytes, fed once in 1-byte
 * pieces and once whole: both must give the same records (or the same
 * error), so no buffer edge changes the result; and once more taking
 * records in bulk (whorl_csv_block_next) wherever it can: the same again. The first byte picks the
 * delimiter (0 = sniff) and a small record bound. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "table/csv.h"
#include "../unit/memsrc.h"
#include "util/util.h"

/* Serializes every record (fields with lengths, line, flags) into out. */
static int run(const uint8_t *data, size_t size, char delim, size_t maxrec, size_t piece, int bulk, whorl_buf *out) {
  memsrc s = {data, size, 0, piece};
  whorl_csv_opts o = {delim, 0, maxrec, "fuzz.csv", 0};
  whorl_csv *c = NULL;
  whorl_error err;
  if (whorl_csv_new(&o, memsrc_read, &s, &c, &err)) return -1;
  whorl_csv_record r;
  whorl_csv_block b;
  memset(&b, 0, sizeof b);
  size_t ncols = 0;
  int rc;
  for (;;) {
    if (bulk && ncols) { /* records in bulk where the tokenizer can: the same records */
      long n = whorl_csv_block_next(c, ncols, 1 + (size_t)(data[size / 2 % (size ? size : 1)] % 50), UINT64_MAX, &b);
      if (n < 0) abort();
      for (long k = 0; k < n; k++) {
        /* flags are the record path's business: quoted fields say it */
        unsigned flags = 0;
        for (size_t i = 0; i < ncols; i++) flags |= b.quoted[(size_t)k * ncols + i] ? WHORL_CSV_QUOTED : 0;
        whorl_buf_printf(out, "R%llu/%zu/%u:", (unsigned long long)b.line[k], ncols, flags);
        for (size_t i = 0; i < ncols; i++) {
          size_t j = (size_t)k * ncols + i;
          whorl_buf_printf(out, "%zu%c=", b.len[j], b.quoted[j] ? 'q' : 'u');
          whorl_buf_put(out, b.ptr[j], b.len[j]);
        }
      }
      if (n > 0) continue;
    }
    if ((rc = whorl_csv_next(c, &r, &err)) != 1) break;
    if (!ncols) ncols = r.nfields;
    whorl_buf_printf(out, "R%llu/%zu/%u:", (unsigned long long)r.line, r.nfields, r.flags);
    for (size_t i = 0; i < r.nfields; i++) {
      whorl_buf_printf(out, "%zu%c=", r.len[i], r.quoted[i] ? 'q' : 'u');
      whorl_buf_put(out, r.field[i], r.len[i]);
    }
  }
  if (rc < 0) whorl_buf_printf(out, "E%d:%s", rc, err.message);
  whorl_csv_block_free(&b);
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
  whorl_buf a = WHORL_BUF_INIT, b = WHORL_BUF_INIT, k = WHORL_BUF_INIT;
  /* Sniffing looks at what the first read gives: compare equal footing. */
  if (delim == 0) delim = whorl_csv_sniff_delimiter(data, size < 65536 ? size : 65536);
  run(data, size, delim, maxrec, 1, 0, &a);
  run(data, size, delim, maxrec, 1u << 20, 0, &b);
  run(data, size, delim, maxrec, 1u << 20, 1, &k);
  if (a.len != b.len || (a.len && memcmp(a.data, b.data, a.len) != 0)) abort();
  if (k.len != b.len || (k.len && memcmp(k.data, b.data, k.len) != 0)) abort();
  whorl_buf_free(&a);
  whorl_buf_free(&b);
  whorl_buf_free(&k);
  return 0;
}
