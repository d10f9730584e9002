/* fuzz_ignore.c - libFuzzer target for the .whorlignore matcher.
 * Input: ignore-file text, a 0x00 byte, then newline-separated paths. The
 * rules are added twice (base "" and base "a/b"); every path is matched as a
 * file and as a folder. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "walk/ignore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const uint8_t *nul = memchr(data, 0, size);
  size_t tlen = nul ? (size_t)(nul - data) : size;
  whorl_ignore *ig = NULL;
  if (whorl_ignore_new(&ig) != WHORL_OK) return 0;
  if (whorl_ignore_add(ig, "", (const char *)data, tlen) != WHORL_OK ||
      whorl_ignore_add(ig, "a/b", (const char *)data, tlen) != WHORL_OK) {
    whorl_ignore_free(ig);
    return 0;
  }
  size_t n = whorl_ignore_count(ig);
  if (n % 2) abort(); /* the same text twice gives the same number of rules */
  if (nul) {
    const uint8_t *p = nul + 1, *end = data + size;
    while (p <= end) {
      const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
      size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
      char *path = malloc(len + 1); /* exact size: ASan sees overreads */
      if (!path) break;
      memcpy(path, p, len);
      path[len] = 0; /* an embedded NUL just shortens the path */
      int f = whorl_ignore_match(ig, path, 0);
      int d = whorl_ignore_match(ig, path, 1);
      if ((f != 0 && f != 1) || (d != 0 && d != 1)) abort();
      free(path);
      if (!nl) break;
      p = nl + 1;
    }
  }
  whorl_ignore_free(ig);
  return 0;
}
