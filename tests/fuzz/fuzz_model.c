/* fuzz_model.c - libFuzzer target for the model readers: safetensors,
 * GGUF, PyTorch zip checkpoints (zip + restricted pickle machine), .npz
 * .npy and ONNX. The first byte picks the reader (6: ONNX; 4: also the
 * pickle scanner of folders); byte 1 = 5 wraps the rest as
 * the data.pkl of a minimal stored zip, so the pickle machine is fuzzed
 * directly. The rest is written to an in-memory file.
 *
 * Any input is refused with a message, or read: then every tensor hashes
 * (or fails cleanly), and a document renders. Nothing a pickle names is
 * ever run (the machine has no way to). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "model/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t crc32_tab(const uint8_t *p, size_t n) {
  uint32_t c = 0xffffffffu;
  for (size_t i = 0; i < n; i++) {
    c ^= p[i];
    for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
  }
  return ~c;
}

static void put16(FILE *f, uint16_t v) { fputc(v & 255, f), fputc(v >> 8, f); }
static void put32(FILE *f, uint32_t v) { put16(f, (uint16_t)v), put16(f, (uint16_t)(v >> 16)); }

/* A stored zip with the records "archive/data.pkl" (the input) and
 * "archive/version" (torch refuses an archive without one, so does whorl). */
static void wrap_pickle(FILE *f, const uint8_t *p, size_t n) {
  const char *names[2] = {"archive/data.pkl", "archive/version"};
  const uint8_t *data[2] = {p, (const uint8_t *)"3\n"};
  size_t len[2] = {n, 2};
  long off[2];
  uint32_t crc[2];
  for (int i = 0; i < 2; i++) {
    uint16_t nl = (uint16_t)strlen(names[i]);
    crc[i] = crc32_tab(data[i], len[i]);
    off[i] = ftell(f);
    put32(f, 0x04034b50), put16(f, 20), put16(f, 0), put16(f, 0), put16(f, 0), put16(f, 0);
    put32(f, crc[i]), put32(f, (uint32_t)len[i]), put32(f, (uint32_t)len[i]), put16(f, nl), put16(f, 0);
    fwrite(names[i], 1, nl, f);
    fwrite(data[i], 1, len[i], f);
  }
  long cd = ftell(f);
  for (int i = 0; i < 2; i++) {
    uint16_t nl = (uint16_t)strlen(names[i]);
    put32(f, 0x02014b50), put16(f, 20), put16(f, 20), put16(f, 0), put16(f, 0), put16(f, 0), put16(f, 0);
    put32(f, crc[i]), put32(f, (uint32_t)len[i]), put32(f, (uint32_t)len[i]), put16(f, nl), put16(f, 0), put16(f, 0), put16(f, 0),
        put16(f, 0), put32(f, 0), put32(f, (uint32_t)off[i]);
    fwrite(names[i], 1, nl, f);
  }
  long end = ftell(f);
  put32(f, 0x06054b50), put16(f, 0), put16(f, 0), put16(f, 2), put16(f, 2), put32(f, (uint32_t)(end - cd)),
      put32(f, (uint32_t)cd), put16(f, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  int fd = memfd_create("fuzz_model", 0);
  if (fd < 0) return 0;
  FILE *f = fdopen(dup(fd), "wb");
  if (!f) {
    close(fd);
    return 0;
  }
  int which = data[0] % 7;
  if (which == 5) wrap_pickle(f, data + 1, size - 1);
  else fwrite(data + 1, 1, size - 1, f);
  fclose(f);
  uint64_t fsize = (uint64_t)lseek(fd, 0, SEEK_END);
  whorl_model m;
  whorl__model_init(&m);
  whorl_error err;
  whorl_error_clear(&err);
  int rc;
  switch (which) {
  case 0: rc = whorl__safetensors_read(&m, "f", fd, fsize, NULL, &err); break;
  case 1: rc = whorl__gguf_read(&m, "f", fd, fsize, &err); break;
  case 2: rc = whorl__npz_model_read(&m, "f", fd, fsize, &err); break;
  case 3: rc = whorl__npy_model_read(&m, "f", fd, fsize, &err); break;
  case 6: rc = whorl__onnx_read(&m, "f", fd, fsize, "/nonexistent", &err); break;
  default: rc = whorl__torch_read(&m, "f", fd, fsize, &err); break;
  }
  if (rc) {
    if (!err.message[0]) abort();
  } else {
    for (size_t i = 0; i < m.n; i++) {
      whorl_error e2;
      whorl_error_clear(&e2);
      if (!m.t[i].dtype) abort();
      if (whorl__tensor_hash(&m.t[i], "f", 1, &e2) && !e2.message[0]) abort();
    }
  }
  whorl__model_free(&m);
  if (which == 4) {
    /* the scanner of pickle-bearing files a folder does not fingerprint
     * (legacy torch.save files, bare pickles, zip checkpoints): findings
     * or a finding that it cannot be read; an error only out of memory */
    whorl__model_init(&m);
    whorl_error_clear(&err);
    rc = whorl__pickle_scan(&m, "f", "f", fd, fsize, &err);
    if (rc && rc != WHORL_ENOMEM) abort();
    for (size_t i = 0; i < m.nfind; i++)
      if (!m.find[i].what[0]) abort();
    whorl__model_free(&m);
  }
  close(fd);
  return 0;
}
