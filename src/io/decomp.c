/* decomp.c - transparent gzip/zstd decompression: see decomp.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>
#include <zstd.h>

#include "io/decomp.h"
#include "util/util.h"

#define IN_CAP (256u * 1024)
#define BOMB_FLOOR (1ull << 30)

struct whorl_src {
  int fd;
  char *path;
  whorl_codec codec;
  unsigned max_ratio;
  uint64_t bomb_floor;
  uint8_t *in;
  size_t in_len, in_pos;
  int in_eof;
  uint64_t in_total, out_total;
  z_stream z;
  int z_ready, z_member_done;
  ZSTD_DCtx *zd;
  int zd_frame_done;
};

static int refill(whorl_src *s, whorl_error *err) {
  if (s->in_pos < s->in_len || s->in_eof) return 0;
  ssize_t n;
  do n = read(s->fd, s->in, IN_CAP);
  while (n < 0 && errno == EINTR);
  if (n < 0) return whorl__error_errno(err, errno, s->path, "read");
  s->in_len = (size_t)n;
  s->in_pos = 0;
  s->in_total += (uint64_t)n;
  if (n == 0) s->in_eof = 1;
  return 0;
}

int whorl__src_open(const char *path, unsigned max_ratio, uint64_t bomb_floor, whorl_src **out, whorl_error *err) {
  *out = NULL;
  whorl_src *s = calloc(1, sizeof *s);
  if (!s) return whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
  s->fd = -1;
  s->max_ratio = max_ratio ? max_ratio : 1000;
  s->bomb_floor = bomb_floor ? bomb_floor : BOMB_FLOOR;
  s->path = strdup(path);
  s->in = malloc(IN_CAP);
  if (!s->path || !s->in) {
    whorl__src_close(s);
    return whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
  }
  s->fd = open(path, O_RDONLY | O_CLOEXEC);
  if (s->fd < 0) {
    int e = errno;
    whorl__src_close(s);
    return whorl__error_errno(err, e, path, "open");
  }
  /* Enough bytes to recognise the format (short files are plain). */
  while (!s->in_eof && s->in_len < 4) {
    ssize_t n = read(s->fd, s->in + s->in_len, IN_CAP - s->in_len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      whorl__src_close(s);
      return whorl__error_errno(err, e, path, "read");
    }
    if (n == 0) s->in_eof = 1;
    s->in_len += (size_t)n;
    s->in_total += (uint64_t)n;
  }
  if (s->in_len >= 2 && s->in[0] == 0x1f && s->in[1] == 0x8b) s->codec = WHORL_CODEC_GZIP;
  else if (s->in_len >= 4 && !memcmp(s->in, "\x28\xb5\x2f\xfd", 4)) s->codec = WHORL_CODEC_ZSTD;
  if (s->codec == WHORL_CODEC_GZIP) {
    if (inflateInit2(&s->z, 16 + MAX_WBITS) != Z_OK) {
      whorl__src_close(s);
      return whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
    }
    s->z_ready = 1;
  } else if (s->codec == WHORL_CODEC_ZSTD) {
    s->zd = ZSTD_createDCtx();
    if (!s->zd) {
      whorl__src_close(s);
      return whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
    }
  }
  *out = s;
  return WHORL_OK;
}

whorl_codec whorl__src_codec(const whorl_src *s) { return s->codec; }
uint64_t whorl__src_offset(const whorl_src *s) { return s->in_total - (s->in_len - s->in_pos); }

static long long bomb_check(whorl_src *s, size_t got, whorl_error *err) {
  s->out_total += got;
  if (s->out_total > s->bomb_floor && s->out_total / (whorl__src_offset(s) + 1) > s->max_ratio)
    return whorl__error(err, WHORL_EFORMAT, s->path, (int64_t)whorl__src_offset(s),
                        "decompresses to over %u times its size (%llu bytes so far): refused as a decompression bomb",
                        s->max_ratio, (unsigned long long)s->out_total);
  return (long long)got;
}

long long whorl__src_read(whorl_src *s, uint8_t *buf, size_t cap, whorl_error *err) {
  if (cap == 0) return 0;
  if (s->codec == WHORL_CODEC_NONE) {
    if (s->in_pos < s->in_len) { /* bytes read while sniffing */
      size_t n = s->in_len - s->in_pos < cap ? s->in_len - s->in_pos : cap;
      memcpy(buf, s->in + s->in_pos, n);
      s->in_pos += n;
      return (long long)n;
    }
    ssize_t n;
    do n = read(s->fd, buf, cap);
    while (n < 0 && errno == EINTR);
    if (n < 0) return whorl__error_errno(err, errno, s->path, "read");
    s->in_total += (uint64_t)n;
    return n;
  }
  for (;;) {
    int rc = refill(s, err);
    if (rc) return rc;
    if (s->codec == WHORL_CODEC_GZIP) {
      if (s->z_member_done) {
        /* Another member may follow (cat a.gz b.gz); else the end. */
        if (s->in_pos == s->in_len && s->in_eof) return 0;
        inflateReset(&s->z);
        s->z_member_done = 0;
      }
      if (s->in_pos == s->in_len && s->in_eof)
        return whorl__error(err, WHORL_EFORMAT, s->path, (int64_t)whorl__src_offset(s),
                            "gzip stream truncated");
      s->z.next_in = s->in + s->in_pos;
      s->z.avail_in = (uInt)(s->in_len - s->in_pos);
      s->z.next_out = buf;
      s->z.avail_out = (uInt)(cap > (1u << 30) ? (1u << 30) : cap);
      int zr = inflate(&s->z, Z_NO_FLUSH);
      s->in_pos = s->in_len - s->z.avail_in;
      size_t got = (size_t)(s->z.next_out - buf);
      if (zr == Z_STREAM_END) s->z_member_done = 1;
      else if (zr != Z_OK && zr != Z_BUF_ERROR)
        return whorl__error(err, WHORL_EFORMAT, s->path, (int64_t)whorl__src_offset(s), "corrupt gzip data: %s",
                            s->z.msg ? s->z.msg : "inflate failed");
      if (got) return bomb_check(s, got, err);
    } else {
      if (s->in_pos == s->in_len && s->in_eof) {
        if (s->zd_frame_done || s->out_total == 0) return 0;
        return whorl__error(err, WHORL_EFORMAT, s->path, (int64_t)whorl__src_offset(s), "zstd stream truncated");
      }
      ZSTD_inBuffer zin = {s->in, s->in_len, s->in_pos};
      ZSTD_outBuffer zout = {buf, cap, 0};
      size_t zr = ZSTD_decompressStream(s->zd, &zout, &zin);
      s->in_pos = zin.pos;
      if (ZSTD_isError(zr))
        return whorl__error(err, WHORL_EFORMAT, s->path, (int64_t)whorl__src_offset(s), "corrupt zstd data: %s",
                            ZSTD_getErrorName(zr));
      s->zd_frame_done = zr == 0;
      if (zout.pos) return bomb_check(s, zout.pos, err);
    }
  }
}

void whorl__src_close(whorl_src *s) {
  if (!s) return;
  if (s->z_ready) inflateEnd(&s->z);
  if (s->zd) ZSTD_freeDCtx(s->zd);
  if (s->fd >= 0) close(s->fd);
  free(s->in);
  free(s->path);
  free(s);
}
