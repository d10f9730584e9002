/* Fuzz target: hostile saved fingerprints fed to the loader's validation,
 * diff (against itself and a mutated copy) and both renderers. The input is
 * one JSON text, or two separated by a NUL byte. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "whorl/whorl.h"

static void exercise(const whorl_json *a, const whorl_json *b) {
  whorl_json *rep = NULL;
  int same = 0;
  whorl_error err;
  if (whorl_diff(a, b, &rep, &same, &err) == WHORL_OK) {
    char *out = NULL;
    size_t len = 0;
    if (whorl_render(rep, WHORL_RENDER_TEXT, &out, &len, &err) == WHORL_OK) free(out);
    if (whorl_render(rep, WHORL_RENDER_JSON, &out, &len, &err) == WHORL_OK) free(out);
    if (whorl_render(rep, WHORL_RENDER_MARKDOWN, &out, &len, &err) == WHORL_OK) free(out);
    whorl_json_free(rep);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const uint8_t *nul = memchr(data, 0, size);
  size_t la = nul ? (size_t)(nul - data) : size;
  whorl_json *a = NULL, *b = NULL;
  whorl_error err;
  if (whorl_json_parse((const char *)data, la, &a, &err) != WHORL_OK) return 0;
  if (nul) whorl_json_parse((const char *)nul + 1, size - la - 1, &b, &err);
  if (whorl_fingerprint_validate(a, &err) == WHORL_OK) {
    char *out = NULL;
    size_t len = 0;
    if (whorl_render(a, WHORL_RENDER_TEXT, &out, &len, &err) == WHORL_OK) free(out);
    exercise(a, a);
    if (b) {
      exercise(a, b);
      exercise(b, a);
    }
  }
  whorl_json_free(a);
  whorl_json_free(b);
  return 0;
}
