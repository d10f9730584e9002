/* fuzz_json.c - libFuzzer target for the canon module.
 *
 * Any input either fails to parse cleanly or parses to a document whose
 * canonical form parses again, to an equal document, and canonicalizes to
 * the very same bytes (JCS output is a fixed point). The pretty form must
 * parse back to an equal document as well. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "whorl/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  whorl_json *doc = NULL;
  whorl_error err;
  whorl_error_clear(&err);
  int rc = whorl_json_parse((const char *)data, size, &doc, &err);
  if (rc != WHORL_OK) {
    /* A parse error must say where it is, inside the input. */
    if (rc != WHORL_EFORMAT || doc != NULL || err.offset < 0 || (uint64_t)err.offset > size) abort();
    return 0;
  }

  char *c1 = NULL, *c2 = NULL, *pretty = NULL;
  size_t n1 = 0, n2 = 0, np = 0;
  if (whorl_json_canonical(doc, &c1, &n1) != WHORL_OK) abort();
  if (strlen(c1) > n1) abort(); /* NUL-terminated at n1 */

  whorl_json *again = NULL;
  if (whorl_json_parse(c1, n1, &again, NULL) != WHORL_OK) abort();
  if (!whorl_json_equal(doc, again) || !whorl_json_equal(again, doc)) abort();
  if (whorl_json_canonical(again, &c2, &n2) != WHORL_OK) abort();
  if (n1 != n2 || memcmp(c1, c2, n1) != 0) abort();

  if (whorl_json_pretty(doc, &pretty, &np) != WHORL_OK) abort();
  if (np == 0 || pretty[np - 1] != '\n') abort();
  whorl_json *from_pretty = NULL;
  if (whorl_json_parse(pretty, np, &from_pretty, NULL) != WHORL_OK) abort();
  if (!whorl_json_equal(doc, from_pretty)) abort();

  /* A deep copy is equal and serializes the same. */
  whorl_json *copy = whorl_json_clone(doc);
  if (!copy || !whorl_json_equal(doc, copy)) abort();
  char *c3 = NULL;
  size_t n3 = 0;
  if (whorl_json_canonical(copy, &c3, &n3) != WHORL_OK || n3 != n1 || memcmp(c1, c3, n1) != 0) abort();

  free(c1);
  free(c2);
  free(c3);
  free(pretty);
  whorl_json_free(doc);
  whorl_json_free(again);
  whorl_json_free(from_pretty);
  whorl_json_free(copy);
  return 0;
}
