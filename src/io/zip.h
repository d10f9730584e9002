/* zip.h - reading zip archives (PKWARE APPNOTE), our own code over zlib.
 *
 * For the containers ML tools write: NumPy .npz (np.savez stores,
 * np.savez_compressed deflates) and, later, PyTorch checkpoints. Reads the
 * central directory (zip64 included), then streams a member's bytes,
 * stored or deflated, checking its CRC-32 and sizes at the end. Bounded
 * memory; every offset and size is checked against the file: a damaged or
 * lying archive is an EFORMAT error naming the file and offset.
 */
#ifndef WHORL_IO_ZIP_H
#define WHORL_IO_ZIP_H

#include <stddef.h>
#include <stdint.h>

#include "whorl/errors.h"

typedef struct whorl_zip_entry {
  char *name;            /* NUL-terminated (names holding NUL bytes are refused) */
  uint16_t method;       /* 0 stored, 8 deflate (others: refused when read) */
  uint16_t flags;
  uint32_t crc32;
  uint64_t csize, usize; /* compressed / uncompressed sizes */
  uint64_t local_offset; /* of the local header */
} whorl_zip_entry;

typedef struct whorl_zip {
  int fd;
  uint64_t size;
  const char *path;
  whorl_zip_entry *e;
  size_t n;
} whorl_zip;

/* Reads the central directory of the archive open as fd (not owned). At
 * most 1,000,000 entries. */
int whorl__zip_open(int fd, uint64_t size, const char *path, whorl_zip *z, whorl_error *err);
void whorl__zip_close(whorl_zip *z);
/* Two members whose names differ only in ASCII case (readers that look
 * names up ignoring case, as PyTorch's does, may take either): 1 with
 * their indices, else 0. */
int whorl__zip_case_twins(const whorl_zip *z, size_t *a, size_t *b);

/* A member being read. */
typedef struct whorl_zip_reader whorl_zip_reader;
int whorl__zip_member_open(const whorl_zip *z, size_t i, whorl_zip_reader **out, whorl_error *err);
/* Up to cap bytes of the member: the count, 0 at its end (after the CRC
 * and size checks), or a negative status. */
long long whorl__zip_member_read(whorl_zip_reader *r, uint8_t *buf, size_t cap, whorl_error *err);
/* Offset in the file of a stored member's first byte (0 if deflated). */
uint64_t whorl__zip_member_data_offset(const whorl_zip_reader *r);
void whorl__zip_member_close(whorl_zip_reader *r);

#endif
