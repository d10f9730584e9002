/* Content engine: BLAKE3 by subtree blocks equals the streaming hash for
 * every size class, on 1 and 2 threads; chunk cuts are identical whatever
 * the thread count or SIMD path, obey the min/max rules, tile the file, and
 * resynchronize after an insertion. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/io.h"
#include "t.h"
#include "whorl/whorl.h"

static char dir[512];

static uint64_t rng = 88172645463325252ULL;
static uint64_t next(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

static void fill(uint8_t *b, size_t n, int text) {
  for (size_t i = 0; i < n; i++) {
    uint64_t r = next();
    b[i] = text ? (uint8_t)("abcdefghij,.\n0123456789"[r % 23]) : (uint8_t)r;
  }
}

static const char *write_tmp(const char *name, const uint8_t *b, size_t n) {
  static char p[600];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0 || (n && write(fd, b, n) != (ssize_t)n)) abort();
  close(fd);
  return p;
}

static int run(const char *path, int threads, int chunks, unsigned digests, whorl_content *c) {
  int fd = open(path, O_RDONLY);
  struct stat st;
  fstat(fd, &st);
  whorl_content_opts o = {digests, chunks, threads, NULL, NULL, NULL};
  whorl_error err;
  int rc = whorl__content_fd(fd, path, &st, &o, c, &err);
  close(fd);
  if (rc) fprintf(stderr, "content: %s\n", err.message);
  return rc;
}

static void check_chunks(const whorl_content *c) {
  uint64_t off = 0;
  int ok = 1;
  for (size_t i = 0; i < c->nchunks; i++) {
    if (c->chunks[i].offset != off) ok = 0;
    if (c->chunks[i].size > WHORL_CDC_MAX) ok = 0;
    if (i + 1 < c->nchunks && c->chunks[i].size < WHORL_CDC_MIN) ok = 0;
    off += c->chunks[i].size;
  }
  CHECK(ok);
  CHECK(off == c->size);
}

int main(void) {
  const char *tmp = getenv("WHORL_TMP");
  snprintf(dir, sizeof dir, "%s/content.%d", tmp ? tmp : "/tmp", (int)getpid());
  mkdir(dir, 0755);

  size_t sizes[] = {0, 1, 63, 64, 65, 1023, 1024, 1025, 2048, 65536, (1u << 20) - 1, 1u << 20, (1u << 20) + 1,
                    (4u << 20) - 1, 4u << 20, (4u << 20) + 1, (8u << 20), (8u << 20) + 1, (12u << 20) + 3072,
                    (16u << 20) + 5, 37u * 1000 * 1000 + 17};
  size_t maxn = 37u * 1000 * 1000 + 17;
  uint8_t *buf = malloc(maxn + 4096);
  fill(buf, maxn + 4096, 0);
  for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
    size_t n = sizes[k];
    const char *p = write_tmp("f.bin", buf, n);
    uint8_t want[32];
    whorl_blake3(buf, n, want);
    for (int th = 1; th <= 2; th++) {
      whorl_content c;
      CHECK(run(p, th, 1, WHORL_DIGEST_SHA256 | WHORL_DIGEST_MD5, &c) == 0);
      if (memcmp(c.blake3, want, 32) != 0) fprintf(stderr, "blake3 mismatch at size %zu threads %d\n", n, th);
      CHECK(memcmp(c.blake3, want, 32) == 0);
      CHECK(c.size == n);
      check_chunks(&c);
      free(c.chunks);
    }
  }

  /* Chunking: text data, portable vs SIMD, 1 vs 2 threads, identical cuts. */
  size_t tn = 20u << 20;
  uint8_t *txt = malloc(tn + 100);
  fill(txt, tn, 1);
  const char *p = write_tmp("t.txt", txt, tn);
  whorl_content a, b, c2;
  CHECK(run(p, 1, 1, 0, &a) == 0);
  CHECK(run(p, 2, 1, 0, &b) == 0);
  whorl__cdc_force_portable(1);
  CHECK(run(p, 2, 1, 0, &c2) == 0);
  whorl__cdc_force_portable(0);
  CHECK(a.nchunks > 20);
  CHECK(a.nchunks == b.nchunks && a.nchunks == c2.nchunks);
  CHECK(memcmp(a.chunks, b.chunks, a.nchunks * sizeof *a.chunks) == 0);
  CHECK(memcmp(a.chunks, c2.chunks, a.nchunks * sizeof *a.chunks) == 0);
  check_chunks(&a);

  /* Insert 10 bytes at 5 MB: the chunks after the next cut or two are the
   * same content (same hashes), shifted by 10. */
  memmove(txt + 5000010, txt + 5000000, tn - 5000000);
  memcpy(txt + 5000000, "INSERTED!!", 10);
  p = write_tmp("t2.txt", txt, tn + 10);
  whorl_content d;
  CHECK(run(p, 2, 1, 0, &d) == 0);
  size_t same = 0;
  for (size_t i = 0; i < d.nchunks; i++)
    for (size_t j = 0; j < a.nchunks; j++)
      if (d.chunks[i].hash == a.chunks[j].hash && d.chunks[i].size == a.chunks[j].size) {
        same++;
        break;
      }
  fprintf(stderr, "chunks: %zu before, %zu after insert, %zu shared\n", a.nchunks, d.nchunks, same);
  CHECK(same + 3 >= a.nchunks);
  free(a.chunks); free(b.chunks); free(c2.chunks); free(d.chunks);

  /* Candidate scan: SIMD and portable agree on random data with many hits. */
  free(txt);
  free(buf);
  T_DONE();
}
