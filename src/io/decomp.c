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
  /* UTF-16 text (a byte order mark first): decoded to UTF-8 */
  whorl_text_enc enc;
  uint8_t *u;            /* decompressed bytes not yet given out or decoded */
  size_t u_len, u_pos;
  int u_eof;
  uint64_t u_off;        /* offset in the decompressed stream of u[0] */
  uint8_t pend[4];       /* a decoded character that did not fit the caller's buffer */
  size_t pend_len, pend_pos;
};

#define U_CAP (64u * 1024)

static int detect_enc(whorl_src *s, whorl_error *err);

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
  int rc = detect_enc(s, err);
  if (rc) {
    whorl__src_close(s);
    return rc;
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

static long long raw_read(whorl_src *s, uint8_t *buf, size_t cap, whorl_error *err) {
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
        /* the end of input is the end of the stream only after a whole
         * frame: a file cut before its first block gave nothing out, and
         * is as truncated as one cut later (it read as an empty table) */
        if (s->zd_frame_done) return 0;
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

/* ---- UTF-16 ------------------------------------------------------------------
 * A stream (after decompression) that starts with the byte order mark
 * FF FE or FE FF is UTF-16 text (what Excel's "Unicode Text" and Python's
 * encoding="utf-16" write): it is given out as UTF-8, without the mark, so
 * its table is the UTF-8 file's table. A surrogate without its partner
 * becomes its 3-byte (WTF-8) form, which the readers then report as
 * invalid UTF-8 with its line, as they do for any invalid text; an odd
 * number of bytes is an error (a truncated file). */

whorl_text_enc whorl__src_text_enc(const whorl_src *s) { return s->enc; }

/* Fills u from the (decompressed) stream until it holds at least want
 * bytes from u_pos, or the stream ends. */
static int u_fill(whorl_src *s, size_t want, whorl_error *err) {
  while (!s->u_eof && s->u_len - s->u_pos < want) {
    if (s->u_pos) {
      memmove(s->u, s->u + s->u_pos, s->u_len - s->u_pos);
      s->u_off += s->u_pos;
      s->u_len -= s->u_pos;
      s->u_pos = 0;
    }
    long long n = raw_read(s, s->u + s->u_len, U_CAP - s->u_len, err);
    if (n < 0) return (int)n;
    if (n == 0) s->u_eof = 1;
    s->u_len += (size_t)n;
  }
  return 0;
}

static int detect_enc(whorl_src *s, whorl_error *err) {
  s->u = malloc(U_CAP);
  if (!s->u) return whorl__error(err, WHORL_ENOMEM, s->path, -1, "out of memory");
  int rc = u_fill(s, 2, err);
  if (rc) return rc;
  if (s->u_len >= 2 && s->u[0] == 0xff && s->u[1] == 0xfe) s->enc = WHORL_TEXT_UTF16LE;
  else if (s->u_len >= 2 && s->u[0] == 0xfe && s->u[1] == 0xff) s->enc = WHORL_TEXT_UTF16BE;
  if (s->enc) s->u_pos = 2; /* the mark is not data */
  return 0;
}

/* One code point (or lone surrogate) as UTF-8 / WTF-8 into o; its length. */
static size_t put_utf8(uint32_t c, uint8_t o[4]) {
  if (c < 0x80) {
    o[0] = (uint8_t)c;
    return 1;
  }
  if (c < 0x800) {
    o[0] = (uint8_t)(0xc0 | c >> 6), o[1] = (uint8_t)(0x80 | (c & 0x3f));
    return 2;
  }
  if (c < 0x10000) {
    o[0] = (uint8_t)(0xe0 | c >> 12), o[1] = (uint8_t)(0x80 | (c >> 6 & 0x3f)), o[2] = (uint8_t)(0x80 | (c & 0x3f));
    return 3;
  }
  o[0] = (uint8_t)(0xf0 | c >> 18), o[1] = (uint8_t)(0x80 | (c >> 12 & 0x3f)), o[2] = (uint8_t)(0x80 | (c >> 6 & 0x3f)),
  o[3] = (uint8_t)(0x80 | (c & 0x3f));
  return 4;
}

static long long utf16_read(whorl_src *s, uint8_t *buf, size_t cap, whorl_error *err) {
  size_t o = 0;
  while (s->pend_pos < s->pend_len && o < cap) buf[o++] = s->pend[s->pend_pos++];
  const int le = s->enc == WHORL_TEXT_UTF16LE;
  while (o < cap) {
    if (s->u_len - s->u_pos < 4) {
      int rc = u_fill(s, 4, err);
      if (rc) return rc;
      size_t left = s->u_len - s->u_pos;
      if (left == 0) break;
      if (left & 1 && left < 4)
        return whorl__error(err, WHORL_EFORMAT, s->path, (int64_t)(s->u_off + s->u_len - 1),
                            "UTF-16 text ends in the middle of a character (an odd number of bytes: truncated?)");
    }
    const uint8_t *p = s->u + s->u_pos;
    const size_t left = s->u_len - s->u_pos;
    uint32_t c = le ? (uint32_t)p[0] | (uint32_t)p[1] << 8 : (uint32_t)p[0] << 8 | p[1];
    size_t used = 2;
    if (c >= 0xd800 && c < 0xdc00 && left >= 4) {
      uint32_t c2 = le ? (uint32_t)p[2] | (uint32_t)p[3] << 8 : (uint32_t)p[2] << 8 | p[3];
      if (c2 >= 0xdc00 && c2 < 0xe000) c = 0x10000 + ((c - 0xd800) << 10) + (c2 - 0xdc00), used = 4;
    }
    if (c < 0x80) { /* ASCII: no staging */
      buf[o++] = (uint8_t)c;
      s->u_pos += 2;
      continue;
    }
    uint8_t t[4];
    size_t k = put_utf8(c, t);
    if (o + k > cap) {
      if (o) break; /* next call */
      memcpy(s->pend, t, k); /* a buffer of fewer than 4 bytes */
      s->pend_len = k;
      s->pend_pos = 0;
      while (s->pend_pos < s->pend_len && o < cap) buf[o++] = s->pend[s->pend_pos++];
      s->u_pos += used;
      break;
    }
    memcpy(buf + o, t, k);
    o += k;
    s->u_pos += used;
  }
  return (long long)o;
}

long long whorl__src_read(whorl_src *s, uint8_t *buf, size_t cap, whorl_error *err) {
  if (cap == 0) return 0;
  if (s->enc) return utf16_read(s, buf, cap, err);
  if (s->u_pos < s->u_len) { /* bytes read while looking for a byte order mark */
    size_t n = s->u_len - s->u_pos < cap ? s->u_len - s->u_pos : cap;
    memcpy(buf, s->u + s->u_pos, n);
    s->u_pos += n;
    return (long long)n;
  }
  if (s->u_eof) return 0;
  return raw_read(s, buf, cap, err);
}

void whorl__src_close(whorl_src *s) {
  if (!s) return;
  free(s->u);
  if (s->z_ready) inflateEnd(&s->z);
  if (s->zd) ZSTD_freeDCtx(s->zd);
  if (s->fd >= 0) close(s->fd);
  free(s->in);
  free(s->path);
  free(s);
}
