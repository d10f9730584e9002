/* Transparent gzip/zstd: output equals the original for plain, gzip (also
 * concatenated members), zstd (also several frames), read in odd piece
 * sizes; truncated and corrupt streams and decompression bombs are errors
 * naming the file. The compressed files are made by Debian's gzip and zstd. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/decomp.h"
#include "t.h"
#include "util/util.h"

static char dir[512];

static void sh(const char *cmd) {
  char full[2048];
  snprintf(full, sizeof full, "cd '%s' && %s", dir, cmd);
  if (system(full) != 0) {
    fprintf(stderr, "failed: %s\n", cmd);
    exit(1);
  }
}

/* Reads path through the source; returns bytes read, or -1 with err. */
static long long slurp(const char *name, uint8_t **data, uint64_t floor, whorl_codec *codec, whorl_error *err) {
  char p[700];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  whorl_src *s = NULL;
  *data = NULL;
  if (whorl__src_open(p, 0, floor, &s, err)) return -1;
  *codec = whorl__src_codec(s);
  size_t cap = 1 << 20, len = 0;
  uint8_t *b = malloc(cap);
  size_t piece = 1;
  for (;;) {
    if (len + 70000 > cap) b = realloc(b, cap *= 2);
    piece = piece * 7 % 65521 + 1; /* odd sizes, 2..65521 */
    long long n = whorl__src_read(s, b + len, piece, err);
    if (n < 0) {
      free(b);
      whorl__src_close(s);
      return -1;
    }
    if (n == 0) break;
    len += (size_t)n;
  }
  whorl__src_close(s);
  *data = b;
  return (long long)len;
}

int main(void) {
  const char *tmp = getenv("WHORL_TMP");
  snprintf(dir, sizeof dir, "%s/decomp.%d", tmp ? tmp : "/tmp", (int)getpid());
  char mk[600];
  snprintf(mk, sizeof mk, "mkdir -p '%s'", dir);
  if (system(mk) != 0) return 1;
  sh("python3 -c 'import random,sys; random.seed(3); sys.stdout.buffer.write(bytes(random.choice(b\"abc,\\n0123456789\") for _ in range(3000000)))' > plain.csv");
  sh("gzip -c plain.csv > one.gz && head -c 1000000 plain.csv | gzip -c > part1.gz && tail -c +1000001 plain.csv | gzip -c > part2.gz && cat part1.gz part2.gz > two.gz");
  sh("zstd -q -c plain.csv > one.zst && head -c 1000000 plain.csv | zstd -q -c > p1.zst && tail -c +1000001 plain.csv | zstd -q -c > p2.zst && cat p1.zst p2.zst > two.zst");
  sh("printf '' > empty && gzip -c empty > empty.gz && zstd -q -c empty > empty.zst && printf 'ab' > tiny");
  sh("head -c 200000 one.gz > cut.gz && head -c 200000 one.zst > cut.zst");
  /* cut before the first block ends: nothing decompressed yet */
  sh("head -c 1000 one.gz > cut0.gz && head -c 1000 one.zst > cut0.zst && head -c 4 one.zst > magic.zst");
  sh("cp one.gz bad.gz && printf 'XXXXXXXXXXXXXXXX' | dd of=bad.gz bs=1 seek=5000 conv=notrunc status=none");
  sh("cp one.zst bad.zst && printf 'XXXXXXXXXXXXXXXX' | dd of=bad.zst bs=1 seek=5000 conv=notrunc status=none");
  sh("head -c 50000000 /dev/zero | gzip -c > bomb.gz && head -c 50000000 /dev/zero | zstd -q -c > bomb.zst");

  uint8_t *want = NULL, *got = NULL;
  whorl_codec codec;
  whorl_error err;
  long long wl = slurp("plain.csv", &want, 0, &codec, &err);
  CHECK(wl == 3000000 && codec == WHORL_CODEC_NONE);
  struct { const char *name; whorl_codec codec; } ok[] = {{"one.gz", WHORL_CODEC_GZIP}, {"two.gz", WHORL_CODEC_GZIP},
                                                           {"one.zst", WHORL_CODEC_ZSTD}, {"two.zst", WHORL_CODEC_ZSTD}};
  for (size_t i = 0; i < 4; i++) {
    long long n = slurp(ok[i].name, &got, 0, &codec, &err);
    if (n < 0) fprintf(stderr, "%s: %s\n", ok[i].name, err.message);
    CHECK(n == wl && got && memcmp(got, want, (size_t)wl) == 0);
    CHECK(codec == ok[i].codec);
    free(got);
  }
  CHECK(slurp("empty", &got, 0, &codec, &err) == 0);
  free(got);
  CHECK(slurp("empty.gz", &got, 0, &codec, &err) == 0);
  free(got);
  CHECK(slurp("empty.zst", &got, 0, &codec, &err) == 0);
  free(got);
  CHECK(slurp("tiny", &got, 0, &codec, &err) == 2 && !memcmp(got, "ab", 2));
  free(got);
  const char *bad[] = {"cut.gz", "cut.zst", "bad.gz", "bad.zst", "cut0.gz", "cut0.zst", "magic.zst"};
  const char *why[] = {"gzip stream truncated", "zstd stream truncated", "corrupt gzip data", "corrupt zstd data",
                       "gzip stream truncated", "zstd stream truncated", "zstd stream truncated"};
  for (size_t i = 0; i < 7; i++) {
    CHECK(slurp(bad[i], &got, 0, &codec, &err) == -1);
    CHECK(err.code == WHORL_EFORMAT && strstr(err.message, why[i]) != NULL && strstr(err.path, bad[i]) != NULL &&
          err.offset >= 0);
    if (!strstr(err.message, why[i])) fprintf(stderr, "%s: %s\n", bad[i], err.message);
  }
  /* 50 MB of zeros compress about 1000:1 (gzip) and far more (zstd): past a
   * 1 MiB floor they are refused; with the default 1 GiB floor they read. */
  CHECK(slurp("bomb.zst", &got, 1 << 20, &codec, &err) == -1 && strstr(err.message, "decompression bomb"));
  CHECK(slurp("bomb.zst", &got, 0, &codec, &err) == 50000000);
  free(got);
  CHECK(slurp("missing", &got, 0, &codec, &err) == -1 && err.code == WHORL_ENOENT);
  free(want);
  snprintf(mk, sizeof mk, "rm -rf '%s'", dir);
  if (system(mk) != 0) return 1;
  T_DONE();
}
