/* fuzz_merge.c - libFuzzer target for merging table fingerprints: the
 * profile states' decoders (exact sums, histograms, HyperLogLog, frequent
 * values, samples) on hostile JSON.
 *
 * Any input either is refused cleanly or merges; a document merged alone
 * merges again to the same columns (decoding and encoding a state is a
 * fixed point), and merging it with itself works too. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "whorl/whorl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  whorl_json *doc = NULL;
  whorl_error err;
  whorl_error_clear(&err);
  if (whorl_json_parse((const char *)data, size, &doc, &err) != WHORL_OK) return 0;
  const whorl_json *one[1] = {doc};
  whorl_json *m1 = NULL;
  int rc = whorl_merge(one, 1, NULL, &m1, &err);
  if (rc == WHORL_OK) {
    if (!m1) abort();
    const whorl_json *again[1] = {m1};
    whorl_json *m2 = NULL;
    if (whorl_merge(again, 1, NULL, &m2, &err) != WHORL_OK) abort();
    if (!whorl_json_equal(whorl_json_object_get(m1, "columns"), whorl_json_object_get(m2, "columns"))) abort();
    if (!whorl_json_equal(whorl_json_object_get(m1, "profile"), whorl_json_object_get(m2, "profile"))) abort();
    whorl_json_free(m2);
    const whorl_json *two[2] = {doc, doc};
    whorl_json *m3 = NULL;
    if (whorl_merge(two, 2, NULL, &m3, &err) == WHORL_OK) {
      char *t = NULL;
      size_t n = 0;
      if (whorl_render(m3, WHORL_RENDER_TEXT, &t, &n, &err) != WHORL_OK) abort();
      free(t);
    }
    whorl_json_free(m3);
  } else if (m1 || !err.message[0]) {
    abort();
  }
  whorl_json_free(m1);
  whorl_json_free(doc);
  return 0;
}
