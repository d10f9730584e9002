/* zip.c - zip archives: see zip.h. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "io/zip.h"
#include "util/util.h"

#define MAX_ENTRIES 1000000u
#define CHUNK 16384 /* per open member: .npz tables keep up to 1024 open */

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t le64(const uint8_t *p) { return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32; }

static int bad(whorl_error *err, const char *path, uint64_t off, const char *what) {
  return whorl__error(err, WHORL_EFORMAT, path, (int64_t)off, "damaged zip archive: %s", what);
}

static int by_offset(const void *x, const void *y, void *ctx) {
  const whorl_zip_entry *e = ctx;
  uint64_t a = e[*(const size_t *)x].local_offset, b = e[*(const size_t *)y].local_offset;
  return a < b ? -1 : a > b;
}

int whorl__zip_open(int fd, uint64_t size, const char *path, whorl_zip *z, whorl_error *err) {
  memset(z, 0, sizeof *z);
  z->fd = fd;
  z->size = size;
  z->path = path;
  if (size < 22) return bad(err, path, 0, "too short for an end of central directory record");
  /* The end record is in the last 22 + 65535 bytes. */
  size_t tail = size < 22 + 65535 ? (size_t)size : 22 + 65535;
  uint8_t *t = malloc(tail);
  if (!t) return whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
  uint64_t tstart = size - tail;
  if (whorl__pread_full(fd, t, tail, tstart) != (long long)tail) {
    free(t);
    return whorl__error(err, WHORL_EIO, path, (int64_t)tstart, "cannot read the end of the archive");
  }
  long long eocd = -1;
  for (size_t i = tail - 22 + 1; i-- > 0;)
    if (le32(t + i) == 0x06054b50 && i + 22 + le16(t + i + 20) == tail) {
      eocd = (long long)i;
      break;
    }
  if (eocd < 0) {
    free(t);
    return bad(err, path, size, "no end of central directory record");
  }
  /* Another end record signature after the one whose comment reaches the
   * end: readers that take the last signature (miniz, which PyTorch uses)
   * would read another archive than this one. Refused: a file that means
   * two things is not fingerprinted as one. */
  for (size_t i = (size_t)eocd + 4; i + 4 <= tail; i++)
    if (le32(t + i) == 0x06054b50) {
      free(t);
      return bad(err, path, tstart + i,
                 "a second end of central directory record inside the archive comment: zip readers disagree on what this archive holds");
    }
  const uint8_t *e = t + eocd;
  uint64_t count = le16(e + 10), cd_size = le32(e + 12), cd_off = le32(e + 16);
  uint64_t eocd_abs = tstart + (uint64_t)eocd;
  if ((count == 0xffff || cd_size == 0xffffffffu || cd_off == 0xffffffffu) && eocd >= 20 &&
      le32(t + eocd - 20) == 0x07064b50) {
    /* zip64: the locator points at the zip64 end record */
    uint64_t z64 = le64(t + eocd - 20 + 8);
    uint8_t r[56];
    if (z64 > eocd_abs || eocd_abs - z64 < 56 || whorl__pread_full(fd, r, 56, z64) != 56 || le32(r) != 0x06064b50) {
      free(t);
      return bad(err, path, z64, "bad zip64 end of central directory record");
    }
    count = le64(r + 32);
    cd_size = le64(r + 40);
    cd_off = le64(r + 48);
    eocd_abs = z64;
  }
  free(t);
  if (count > MAX_ENTRIES) return whorl__error(err, WHORL_EUNSUPPORTED, path, -1, "zip archive of %llu entries: too many", (unsigned long long)count);
  if (cd_off > eocd_abs || cd_size > eocd_abs - cd_off || cd_size > (256u << 20) || cd_size < count * 46)
    return bad(err, path, eocd_abs, "central directory outside the file or of a wrong size");
  uint8_t *cd = malloc(cd_size ? (size_t)cd_size : 1);
  if (!cd) return whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
  if (whorl__pread_full(fd, cd, (size_t)cd_size, cd_off) != (long long)cd_size) {
    free(cd);
    return whorl__error(err, WHORL_EIO, path, (int64_t)cd_off, "cannot read the central directory");
  }
  z->e = calloc(count ? (size_t)count : 1, sizeof *z->e);
  if (!z->e) {
    free(cd);
    return whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
  }
  size_t p = 0;
  int rc = WHORL_OK;
  for (uint64_t k = 0; k < count && !rc; k++) {
    if (cd_size - p < 46 || le32(cd + p) != 0x02014b50) {
      rc = bad(err, path, cd_off + p, "bad central directory entry");
      break;
    }
    const uint8_t *h = cd + p;
    whorl_zip_entry *en = &z->e[z->n];
    en->flags = le16(h + 8);
    en->method = le16(h + 10);
    en->crc32 = le32(h + 16);
    en->csize = le32(h + 20);
    en->usize = le32(h + 24);
    size_t nl = le16(h + 28), xl = le16(h + 30), cl = le16(h + 32);
    en->local_offset = le32(h + 42);
    if (cd_size - p - 46 < nl + xl + cl) {
      rc = bad(err, path, cd_off + p, "central directory entry overruns the directory");
      break;
    }
    const uint8_t *name = h + 46, *x = name + nl;
    if (memchr(name, 0, nl)) {
      rc = bad(err, path, cd_off + p, "member name holds a NUL byte");
      break;
    }
    en->name = malloc(nl + 1);
    if (!en->name) {
      rc = whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
      break;
    }
    memcpy(en->name, name, nl);
    en->name[nl] = 0;
    z->n++;
    /* zip64 extra field: the 0xffffffff sizes/offset, in this order */
    for (size_t q = 0; q + 4 <= xl;) {
      uint16_t id = le16(x + q), len = le16(x + q + 2);
      if (q + 4 + len > xl) break;
      if (id == 0x0001) {
        const uint8_t *v = x + q + 4;
        size_t left = len;
        if (en->usize == 0xffffffffu && left >= 8) en->usize = le64(v), v += 8, left -= 8;
        if (en->csize == 0xffffffffu && left >= 8) en->csize = le64(v), v += 8, left -= 8;
        if (en->local_offset == 0xffffffffu && left >= 8) en->local_offset = le64(v);
      }
      q += 4 + len;
    }
    if (en->local_offset > cd_off || en->csize > cd_off - en->local_offset)
      rc = bad(err, path, cd_off + p, "member data outside the archive");
    p += 46 + nl + xl + cl;
  }
  free(cd);
  /* Members must not share bytes: each occupies at least its local header
   * (30 bytes and its name) and its data. Entries pointing at the same
   * data would otherwise multiply work and memory from a small file. */
  if (!rc && z->n > 1) {
    size_t *ord = malloc(z->n * sizeof *ord);
    if (!ord) rc = whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
    else {
      for (size_t i = 0; i < z->n; i++) ord[i] = i;
      qsort_r(ord, z->n, sizeof *ord, by_offset, z->e);
      for (size_t k = 1; k < z->n && !rc; k++) {
        const whorl_zip_entry *a = &z->e[ord[k - 1]], *b = &z->e[ord[k]];
        if (b->local_offset < a->local_offset + 30 + strlen(a->name) + a->csize)
          rc = bad(err, path, b->local_offset, "members overlap");
      }
      free(ord);
    }
  }
  if (rc) whorl__zip_close(z);
  return rc;
}

void whorl__zip_close(whorl_zip *z) {
  for (size_t i = 0; i < z->n; i++) free(z->e[i].name);
  free(z->e);
  z->e = NULL;
  z->n = 0;
}

struct whorl_zip_reader {
  const whorl_zip *z;
  const whorl_zip_entry *e;
  uint64_t data, left; /* compressed bytes: next offset, how many left */
  uint64_t out;        /* uncompressed bytes produced */
  uint32_t crc;
  int inflating, done;
  z_stream zs;
  uint8_t in[CHUNK];
};

int whorl__zip_member_open(const whorl_zip *z, size_t i, whorl_zip_reader **out, whorl_error *err) {
  *out = NULL;
  const whorl_zip_entry *e = &z->e[i];
  if (e->flags & 1) return whorl__error(err, WHORL_EUNSUPPORTED, z->path, -1, "zip member %s is encrypted", e->name);
  if (e->method != 0 && e->method != 8)
    return whorl__error(err, WHORL_EUNSUPPORTED, z->path, -1, "zip member %s: compression method %u not supported",
                        e->name, e->method);
  uint8_t lh[30];
  if (whorl__pread_full(z->fd, lh, 30, e->local_offset) != 30 || le32(lh) != 0x04034b50)
    return bad(err, z->path, e->local_offset, "bad local header");
  uint64_t data = e->local_offset + 30 + le16(lh + 26) + le16(lh + 28);
  if (data > z->size || e->csize > z->size - data) return bad(err, z->path, e->local_offset, "member data beyond the end");
  if (e->method == 0 && e->csize != e->usize) return bad(err, z->path, e->local_offset, "stored member with two sizes");
  whorl_zip_reader *r = calloc(1, sizeof *r);
  if (!r) return whorl__error(err, WHORL_ENOMEM, z->path, -1, "out of memory");
  r->z = z;
  r->e = e;
  r->data = data;
  r->left = e->csize;
  r->crc = (uint32_t)crc32(0L, Z_NULL, 0);
  if (e->method == 8) {
    if (inflateInit2(&r->zs, -15) != Z_OK) {
      free(r);
      return whorl__error(err, WHORL_ENOMEM, z->path, -1, "out of memory");
    }
    r->inflating = 1;
  }
  *out = r;
  return WHORL_OK;
}

uint64_t whorl__zip_member_data_offset(const whorl_zip_reader *r) { return r->e->method == 0 ? r->data : 0; }

static long long finish(whorl_zip_reader *r, whorl_error *err) {
  if (r->out != r->e->usize) return bad(err, r->z->path, r->data, "member shorter or longer than its recorded size");
  if (r->crc != r->e->crc32) return bad(err, r->z->path, r->e->local_offset, "member CRC-32 mismatch");
  r->done = 1;
  return 0;
}

long long whorl__zip_member_read(whorl_zip_reader *r, uint8_t *buf, size_t cap, whorl_error *err) {
  if (r->done || cap == 0) return 0;
  if (!r->inflating) {
    if (r->left == 0) return finish(r, err);
    size_t k = r->left < cap ? (size_t)r->left : cap;
    if (whorl__pread_full(r->z->fd, buf, k, r->data) != (long long)k)
      return whorl__error(err, WHORL_EIO, r->z->path, (int64_t)r->data, "cannot read a zip member");
    r->data += k;
    r->left -= k;
    r->out += k;
    r->crc = (uint32_t)crc32(r->crc, buf, (uInt)k);
    return (long long)k;
  }
  r->zs.next_out = buf;
  r->zs.avail_out = (uInt)(cap > (1u << 30) ? (1u << 30) : cap);
  while (r->zs.avail_out > 0) {
    if (r->zs.avail_in == 0 && r->left > 0) {
      size_t k = r->left < CHUNK ? (size_t)r->left : CHUNK;
      if (whorl__pread_full(r->z->fd, r->in, k, r->data) != (long long)k)
        return whorl__error(err, WHORL_EIO, r->z->path, (int64_t)r->data, "cannot read a zip member");
      r->data += k;
      r->left -= k;
      r->zs.next_in = r->in;
      r->zs.avail_in = (uInt)k;
    }
    int zr = inflate(&r->zs, Z_NO_FLUSH);
    if (zr == Z_STREAM_END) break;
    if (zr != Z_OK && !(zr == Z_BUF_ERROR && r->zs.avail_in == 0 && r->left > 0))
      return bad(err, r->z->path, r->data, "corrupt deflate data in a member");
    if (zr == Z_BUF_ERROR && r->left == 0 && r->zs.avail_in == 0)
      return bad(err, r->z->path, r->data, "member data truncated");
  }
  size_t got = (size_t)(r->zs.next_out - buf);
  r->out += got;
  if (r->out > r->e->usize) return bad(err, r->z->path, r->data, "member longer than its recorded size");
  r->crc = (uint32_t)crc32(r->crc, buf, (uInt)got);
  if (got == 0) return finish(r, err);
  return (long long)got;
}

void whorl__zip_member_close(whorl_zip_reader *r) {
  if (!r) return;
  if (r->inflating) inflateEnd(&r->zs);
  free(r);
}

typedef struct twin {
  const char *name;
  size_t i;
} twin;

static int by_folded_name(const void *x, const void *y) {
  return strcasecmp(((const twin *)x)->name, ((const twin *)y)->name);
}

int whorl__zip_case_twins(const whorl_zip *z, size_t *a, size_t *b) {
  twin *t = malloc((z->n ? z->n : 1) * sizeof *t);
  if (!t) return 0;
  for (size_t i = 0; i < z->n; i++) t[i] = (twin){z->e[i].name, i};
  qsort(t, z->n, sizeof *t, by_folded_name);
  int found = 0;
  for (size_t i = 1; i < z->n && !found; i++)
    if (!strcasecmp(t[i - 1].name, t[i].name)) {
      *a = t[i - 1].i < t[i].i ? t[i - 1].i : t[i].i;
      *b = t[i - 1].i < t[i].i ? t[i].i : t[i - 1].i;
      found = 1;
    }
  free(t);
  return found;
}
