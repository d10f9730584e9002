/* Hash layer: the official BLAKE3 vectors (shared/vectors/blake3), through
 * the one-shot API, the multi-digest hasher and the file content engine
 * (which hashes >4 MiB files in parallel subtrees); SHA-256 / MD5 known
 * answers; hex helpers; digest list parsing. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/io.h"
#include "t.h"
#include "whorl/whorl.h"

static void hex32(const uint8_t *b, char *out) { whorl_hex(b, 32, out); }

int main(void) {
  const char *shared = getenv("WHORL_SHARED");
  char path[1024];
  snprintf(path, sizeof path, "%s/vectors/blake3/test_vectors.json", shared ? shared : "../shared");
  whorl_json *v = NULL;
  whorl_error err;
  CHECK(whorl_json_parse_file(path, 0, &v, &err) == WHORL_OK);
  if (!v) T_DONE();
  const char *key = whorl_json_object_get_string(v, "key");
  CHECK(key && strlen(key) == 32);
  whorl_json *cases = whorl_json_object_get(v, "cases");
  size_t n = whorl_json_size(cases);
  CHECK(n >= 30);
  uint8_t *input = malloc(110000);
  for (size_t i = 0; i < 110000; i++) input[i] = (uint8_t)(i % 251);
  const char *tmp = getenv("WHORL_TMP");
  char fpath[1024];
  snprintf(fpath, sizeof fpath, "%s/hash-vec.%d", tmp ? tmp : "/tmp", (int)getpid());
  size_t checked = 0;
  for (size_t i = 0; i < n; i++) {
    whorl_json *c = whorl_json_array_get(cases, i);
    size_t len = (size_t)whorl_json_object_get_int(c, "input_len", -1);
    const char *want_full = whorl_json_object_get_string(c, "hash");
    const char *want_keyed = whorl_json_object_get_string(c, "keyed_hash");
    CHECK(want_full && want_keyed && len <= 110000);
    if (!want_full || !want_keyed || len > 110000) continue;
    char want[65], got[65];
    memcpy(want, want_full, 64);
    want[64] = 0;
    uint8_t out[32];
    whorl_blake3(input, len, out);
    hex32(out, got);
    CHECK_STR(got, want);
    /* Streaming in odd pieces through the multi-digest hasher. */
    whorl_hasher *h = NULL;
    CHECK(whorl_hasher_new(WHORL_DIGEST_ALL, &h) == WHORL_OK);
    for (size_t off = 0; off < len;) {
      size_t step = 1 + (off * 7 + 13) % 4099;
      if (step > len - off) step = len - off;
      whorl_hasher_update(h, input + off, step);
      off += step;
    }
    uint8_t d[32];
    CHECK(whorl_hasher_final(h, WHORL_DIGEST_BLAKE3, d) == 32);
    hex32(d, got);
    CHECK_STR(got, want);
    whorl_hasher_free(h);
    /* Keyed. */
    memcpy(want, want_keyed, 64);
    whorl_blake3_keyed((const uint8_t *)key, input, len, out);
    hex32(out, got);
    CHECK_STR(got, want);
    /* The file engine, 1 and 2 threads. */
    int fd = open(fpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0 && write(fd, input, len) == (ssize_t)len);
    close(fd);
    memcpy(want, want_full, 64);
    for (int th = 1; th <= 2; th++) {
      fd = open(fpath, O_RDONLY);
      struct stat st;
      fstat(fd, &st);
      whorl_content_opts o = {0, 1, th, NULL, NULL, NULL};
      whorl_content ct;
      CHECK(whorl__content_fd(fd, fpath, &st, &o, &ct, &err) == WHORL_OK);
      close(fd);
      hex32(ct.blake3, got);
      CHECK_STR(got, want);
      free(ct.chunks);
    }
    checked++;
  }
  unlink(fpath);
  printf("%zu BLAKE3 vectors checked\n", checked);
  whorl_json_free(v);
  free(input);

  /* SHA-256 and MD5 of "abc" (FIPS 180-2, RFC 1321). */
  whorl_hasher *h = NULL;
  CHECK(whorl_hasher_new(WHORL_DIGEST_SHA256 | WHORL_DIGEST_MD5, &h) == WHORL_OK);
  whorl_hasher_update(h, "abc", 3);
  uint8_t d[32];
  char hx[65];
  CHECK(whorl_hasher_final(h, WHORL_DIGEST_SHA256, d) == 32);
  CHECK_STR(whorl_hex(d, 32, hx), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(whorl_hasher_final(h, WHORL_DIGEST_MD5, d) == 16);
  CHECK_STR(whorl_hex(d, 16, hx), "900150983cd24fb0d6963f7d28e17f72");
  CHECK(whorl_hasher_final(h, WHORL_DIGEST_BLAKE3, d) == 0); /* not requested */
  whorl_hasher_free(h);

  /* hex round trip and rejects */
  uint8_t b[4];
  CHECK(whorl_unhex("00ff7A10", 8, b, 4) == 0 && b[1] == 0xff && b[2] == 0x7a);
  CHECK(whorl_unhex("00ff7g10", 8, b, 4) == -1);
  CHECK(whorl_unhex("00ff7", 5, b, 4) == -1);

  unsigned m = 0;
  CHECK(whorl_digest_parse_list("sha256,MD5", &m, &err) == WHORL_OK && m == (WHORL_DIGEST_SHA256 | WHORL_DIGEST_MD5));
  CHECK(whorl_digest_parse_list("sha1", &m, &err) == WHORL_EINVAL);
  CHECK(strstr(err.message, "sha1") != NULL);
  CHECK(whorl_digest_parse_list("sha256,,md5", &m, &err) == WHORL_EINVAL);
  T_DONE();
}
