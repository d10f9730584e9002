/* fuzz_yaml.c - libFuzzer target for pipeline specs in YAML (libfyaml
 * behind whorl__yaml_load): a clean error with a message, or a JSON tree
 * whose canonical form parses back to an equal tree. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "canon/canon.h"
#include "whorl/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  whorl_json *doc = NULL;
  whorl_error err;
  whorl_error_clear(&err);
  int rc = whorl__yaml_load("fuzz.yaml", (const char *)data, size, &doc, &err);
  if (rc != WHORL_OK) {
    if (doc || !err.message[0]) abort();
    return 0;
  }
  char *c = NULL;
  size_t n = 0;
  if (whorl_json_canonical(doc, &c, &n) != WHORL_OK) abort();
  whorl_json *back = NULL;
  if (whorl_json_parse(c, n, &back, NULL) != WHORL_OK || !whorl_json_equal(doc, back)) abort();
  free(c);
  whorl_json_free(back);
  whorl_json_free(doc);
  return 0;
}
