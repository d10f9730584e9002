/* parquet_read.c - values of a flat Parquet column chunk: see parquet_read.h. */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

#include "io/npy.h"
#include "io/thrift.h"
#include "table/parquet_read.h"
#include "util/util.h"

#define MAX_PAGE (256u << 20)
enum { PAGE_DATA = 0, PAGE_INDEX = 1, PAGE_DICT = 2, PAGE_DATA_V2 = 3 };
enum { ENC_PLAIN = 0, ENC_PLAIN_DICT = 2, ENC_RLE = 3, ENC_DELTA_BP = 5, ENC_DELTA_LBA = 6, ENC_DELTA_BA = 7,
       ENC_RLE_DICT = 8, ENC_BSS = 9 };

static int uvarint(const uint8_t *b, size_t len, size_t *p, uint64_t *v) {
  uint64_t x = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (*p >= len) return -1;
    uint8_t c = b[(*p)++];
    x |= (uint64_t)(c & 0x7f) << shift;
    if (!(c & 0x80)) {
      *v = x;
      return 0;
    }
  }
  return -1;
}

/* DELTA_BINARY_PACKED (parquet encodings spec): n integers into out.
 * Arithmetic wraps modulo 2^64, as the writer's did. */
static int delta_bp(const uint8_t *b, size_t len, size_t *pos, int64_t *out, size_t n) {
  size_t p = *pos;
  uint64_t block, minis, total, zz;
  if (uvarint(b, len, &p, &block) || uvarint(b, len, &p, &minis) || uvarint(b, len, &p, &total) ||
      uvarint(b, len, &p, &zz))
    return -1;
  if (!block || block % 128 || !minis || block % minis || (block / minis) % 32 || block > (1u << 20) || total < n)
    return -1;
  uint64_t per = block / minis;
  uint64_t cur = (zz >> 1) ^ (uint64_t)-(int64_t)(zz & 1);
  size_t k = 0;
  if (n) out[k++] = (int64_t)cur;
  uint8_t widths[1024];
  if (minis > sizeof widths) return -1;
  while (k < n) {
    uint64_t mzz;
    if (uvarint(b, len, &p, &mzz)) return -1;
    uint64_t mind = (mzz >> 1) ^ (uint64_t)-(int64_t)(mzz & 1);
    if (minis > len - p) return -1;
    memcpy(widths, b + p, minis);
    p += minis;
    for (uint64_t mi = 0; mi < minis && k < n; mi++) {
      unsigned w = widths[mi];
      if (w > 64) return -1;
      uint64_t bytes = per * w / 8;
      if (bytes > len - p) return -1;
      for (uint64_t i = 0; i < per && k < n; i++) {
        uint64_t v = 0, bit = i * w;
        for (unsigned j = 0; j < w; j++, bit++) v |= (uint64_t)((b[p + bit / 8] >> (bit % 8)) & 1) << j;
        cur += mind + v;
        out[k++] = (int64_t)cur;
      }
      p += (size_t)bytes;
    }
  }
  *pos = p;
  return 0;
}
enum { CODEC_NONE = 0, CODEC_SNAPPY = 1, CODEC_GZIP = 2, CODEC_ZSTD = 6, CODEC_LZ4_RAW = 7 };

long long whorl__rle_hybrid(const uint8_t *buf, size_t len, int bw, uint32_t *out, size_t count) {
  if (bw < 0 || bw > 32) return -1;
  size_t pos = 0, n = 0;
  while (n < count) {
    uint64_t h = 0;
    int shift = 0;
    for (;;) {
      if (pos >= len || shift > 63) return -1;
      uint8_t b = buf[pos++];
      h |= (uint64_t)(b & 0x7f) << shift;
      shift += 7;
      if (!(b & 0x80)) break;
    }
    if (h & 1) { /* bit-packed: (h >> 1) groups of 8 values */
      uint64_t groups = h >> 1;
      if (groups > len) return -1;
      uint64_t bytes = groups * (uint64_t)bw;
      if (bytes > len - pos) return -1;
      uint64_t nvals = groups * 8;
      const uint8_t *g = buf + pos;
      const size_t room = len - pos; /* readable bytes from g */
      const uint64_t mask = bw == 32 ? 0xffffffffULL : ((uint64_t)1 << bw) - 1;
      uint64_t i = 0;
      if (bw <= 8) {
        /* a group of 8 values is bw bytes: one 8-byte load gives all 8 */
        for (; i + 8 <= nvals && n + 8 <= count && (size_t)(i / 8 * (uint64_t)bw) + 8 <= room; i += 8) {
          const uint8_t *q = g + (size_t)(i / 8 * (uint64_t)bw);
          uint64_t w;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
          memcpy(&w, q, 8);
#else
          w = 0;
          for (int k = 7; k >= 0; k--) w = w << 8 | q[k];
#endif
          for (int k = 0; k < 8; k++) out[n + (size_t)k] = (uint32_t)((w >> (k * bw)) & mask);
          n += 8;
        }
      }
      for (; i < nvals && n < count; i++) {
        /* the value's bits lie in the 8 bytes from its first one (bw <= 32) */
        const uint64_t bit = i * (uint64_t)bw;
        const size_t at = (size_t)(bit >> 3);
        uint64_t w = 0;
        if (at + 8 <= room) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
          memcpy(&w, g + at, 8);
#else
          for (int k = 7; k >= 0; k--) w = w << 8 | g[at + (size_t)k]; /* little-endian, any host */
#endif
        } else {
          for (size_t k = 0; at + k < room && k < 8; k++) w |= (uint64_t)g[at + k] << (8 * k);
        }
        out[n++] = (uint32_t)((w >> (bit & 7)) & mask);
      }
      pos += (size_t)bytes;
    } else { /* RLE: one value repeated (h >> 1) times */
      uint64_t run = h >> 1;
      size_t vb = (size_t)(bw + 7) / 8;
      if (vb > len - pos) return -1;
      uint32_t v = 0;
      for (size_t k = 0; k < vb; k++) v |= (uint32_t)buf[pos + k] << (8 * k);
      pos += vb;
      if (bw < 32 && v >> bw) return -1;
      for (uint64_t i = 0; i < run && n < count; i++) out[n++] = v;
      if (run == 0 && pos >= len) return -1;
    }
  }
  return (long long)pos;
}

typedef struct page_hdr {
  int type;
  int32_t usize, csize;
  int32_t num_values, encoding, def_enc;
  int32_t v2_nulls, v2_def_len, v2_rep_len;
  int v2_compressed;
} page_hdr;

static void parse_data_v1(tc *t, page_hdr *h) {
  int16_t last = 0, id;
  int ft;
  while ((ft = tc_field(t, &last, &id)) != TC_STOP) {
    if (id == 1 && ft == TC_I32) h->num_values = tc_i32(t);
    else if (id == 2 && ft == TC_I32) h->encoding = tc_i32(t);
    else if (id == 3 && ft == TC_I32) h->def_enc = tc_i32(t);
    else tc_skip(t, ft, 2);
  }
}

static void parse_dict(tc *t, page_hdr *h) {
  int16_t last = 0, id;
  int ft;
  while ((ft = tc_field(t, &last, &id)) != TC_STOP) {
    if (id == 1 && ft == TC_I32) h->num_values = tc_i32(t);
    else if (id == 2 && ft == TC_I32) h->encoding = tc_i32(t);
    else tc_skip(t, ft, 2);
  }
}

static void parse_data_v2(tc *t, page_hdr *h) {
  int16_t last = 0, id;
  int ft;
  h->v2_compressed = 1;
  while ((ft = tc_field(t, &last, &id)) != TC_STOP) {
    if (id == 1 && ft == TC_I32) h->num_values = tc_i32(t);
    else if (id == 2 && ft == TC_I32) h->v2_nulls = tc_i32(t);
    else if (id == 4 && ft == TC_I32) h->encoding = tc_i32(t);
    else if (id == 5 && ft == TC_I32) h->v2_def_len = tc_i32(t);
    else if (id == 6 && ft == TC_I32) h->v2_rep_len = tc_i32(t);
    else if (id == 7 && (ft == TC_TRUE || ft == TC_FALSE)) h->v2_compressed = tc_bool(t, ft);
    else tc_skip(t, ft, 2);
  }
}

static int parse_page_header(tc *t, page_hdr *h) {
  memset(h, 0, sizeof *h);
  h->type = -1;
  int16_t last = 0, id;
  int ft;
  while ((ft = tc_field(t, &last, &id)) != TC_STOP) {
    if (id == 1 && ft == TC_I32) h->type = tc_i32(t);
    else if (id == 2 && ft == TC_I32) h->usize = tc_i32(t);
    else if (id == 3 && ft == TC_I32) h->csize = tc_i32(t);
    else if (id == 5 && ft == TC_STRUCT) parse_data_v1(t, h);
    else if (id == 7 && ft == TC_STRUCT) parse_dict(t, h);
    else if (id == 8 && ft == TC_STRUCT) parse_data_v2(t, h);
    else tc_skip(t, ft, 1);
  }
  return t->failed || h->type < 0 || h->usize < 0 || h->csize < 0 || h->num_values < 0 ? -1 : 0;
}

/* An LZ4 block (Parquet's LZ4_RAW: no frame, no sizes in front), written
 * from the block format's description: sequences of a token (literal
 * length << 4 | match length - 4, each 15 continued by bytes up to a byte
 * other than 255), the literals, then a 2-byte little-endian offset back
 * into the output; the last sequence has literals only. 0 when it fills
 * out exactly, -1 on anything else (every length and offset checked). */
/* A length of 15 goes on in the bytes that follow, up to one other than
 * 255 (stopping once past outlen: the caller refuses it). -1 when the
 * input ends first. */
static int lz4_more(const uint8_t *in, size_t inlen, size_t *ip, size_t *len, size_t outlen) {
  uint8_t b;
  do {
    if (*ip >= inlen) return -1;
    b = in[(*ip)++];
    *len += b;
  } while (b == 255 && *len <= outlen);
  return 0;
}

static int lz4_block(const uint8_t *in, size_t inlen, uint8_t *out, size_t outlen) {
  size_t ip = 0, op = 0;
  for (;;) {
    if (ip >= inlen) return -1;
    unsigned tok = in[ip++];
    size_t lit = tok >> 4;
    if (lit == 15 && lz4_more(in, inlen, &ip, &lit, outlen)) return -1;
    if (lit > inlen - ip || lit > outlen - op) return -1;
    memcpy(out + op, in + ip, lit);
    ip += lit;
    op += lit;
    if (ip == inlen) return op == outlen ? 0 : -1; /* the last sequence */
    if (inlen - ip < 2) return -1;
    size_t off = (size_t)in[ip] | (size_t)in[ip + 1] << 8;
    ip += 2;
    if (off == 0 || off > op) return -1;
    size_t mlen = tok & 15;
    if (mlen == 15 && lz4_more(in, inlen, &ip, &mlen, outlen)) return -1;
    mlen += 4;
    if (mlen > outlen - op) return -1;
    for (size_t k = 0; k < mlen; k++, op++) out[op] = out[op - off]; /* may overlap itself */
  }
}

static int decompress(int codec, const uint8_t *in, size_t inlen, uint8_t *out, size_t outlen) {
  switch (codec) {
  case CODEC_NONE:
    if (inlen != outlen) return -1;
    memcpy(out, in, inlen);
    return 0;
  case CODEC_SNAPPY: {
    size_t n;
    if (snappy_uncompressed_length((const char *)in, inlen, &n) != SNAPPY_OK || n != outlen) return -1;
    return snappy_uncompress((const char *)in, inlen, (char *)out, &n) == SNAPPY_OK && n == outlen ? 0 : -1;
  }
  case CODEC_GZIP: {
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) return -1;
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)inlen;
    z.next_out = out;
    z.avail_out = (uInt)outlen;
    int r = inflate(&z, Z_FINISH);
    size_t got = outlen - z.avail_out;
    inflateEnd(&z);
    return r == Z_STREAM_END && got == outlen ? 0 : -1;
  }
  case CODEC_ZSTD: {
    size_t r = ZSTD_decompress(out, outlen, in, inlen);
    return !ZSTD_isError(r) && r == outlen ? 0 : -1;
  }
  case CODEC_LZ4_RAW:
    if (outlen == 0) return inlen == 1 && in[0] == 0 ? 0 : -1; /* an empty block: one token, no literals */
    return lz4_block(in, inlen, out, outlen);
  default: return -2;
  }
}

typedef struct dict {
  int type;
  uint64_t gen; /* unique in the process (pq_value.dict_gen) */
  size_t n;
  int64_t *ints;
  double *dbls;
  const uint8_t **ptr; /* into `store` */
  size_t *lens;
  uint8_t *store;
} dict;

static void dict_free(dict *d) {
  free(d->ints);
  free(d->dbls);
  free(d->ptr);
  free(d->lens);
  free(d->store);
  memset(d, 0, sizeof *d);
}

/* One PLAIN value at *pos; 0 or -1 when short. */
static int plain_value(const uint8_t *b, size_t len, size_t *pos, int type, int32_t tlen, size_t bool_index,
                       pq_value *v) {
  v->type = type;
  size_t p = *pos;
  switch (type) {
  case PQ_BOOLEAN:
    if (bool_index / 8 >= len) return -1;
    v->i = (b[bool_index / 8] >> (bool_index % 8)) & 1;
    return 0; /* *pos advanced by the caller per 8 values */
  case PQ_INT32:
  case PQ_FLOAT: {
    if (len - p < 4) return -1;
    uint32_t x = (uint32_t)b[p] | (uint32_t)b[p + 1] << 8 | (uint32_t)b[p + 2] << 16 | (uint32_t)b[p + 3] << 24;
    if (type == PQ_INT32) v->i = (int32_t)x;
    else {
      float f;
      memcpy(&f, &x, 4);
      v->d = f;
    }
    *pos = p + 4;
    return 0;
  }
  case PQ_INT64:
  case PQ_DOUBLE: {
    if (len - p < 8) return -1;
    uint64_t x = 0;
    for (int k = 7; k >= 0; k--) x = x << 8 | b[p + (size_t)k];
    if (type == PQ_INT64) v->i = (int64_t)x;
    else memcpy(&v->d, &x, 8);
    *pos = p + 8;
    return 0;
  }
  case PQ_INT96:
    if (len - p < 12) return -1;
    v->bytes = b + p;
    v->len = 12;
    *pos = p + 12;
    return 0;
  case PQ_BYTE_ARRAY: {
    if (len - p < 4) return -1;
    uint32_t n = (uint32_t)b[p] | (uint32_t)b[p + 1] << 8 | (uint32_t)b[p + 2] << 16 | (uint32_t)b[p + 3] << 24;
    if (n > len - p - 4) return -1;
    v->bytes = b + p + 4;
    v->len = n;
    *pos = p + 4 + n;
    return 0;
  }
  case PQ_FIXED_LEN_BYTE_ARRAY:
    if (tlen <= 0 || (size_t)tlen > len - p) return -1;
    v->bytes = b + p;
    v->len = (size_t)tlen;
    *pos = p + (size_t)tlen;
    return 0;
  }
  return -1;
}

/* In a flat schema (the root's children are all leaves), column chunk ci
 * belongs to leaf ci, whose name is its whole path (even when the name holds
 * a '.', the separator of joined paths). */
static const pq_schema *leaf_for(const pq_meta *m, size_t ci, const char *path) {
  if (m->nschema < 2 || m->schema[0].num_children != (int32_t)m->nschema - 1 || ci + 1 >= m->nschema) return NULL;
  for (size_t i = 1; i < m->nschema; i++)
    if (m->schema[i].num_children > 0) return NULL;
  const pq_schema *s = &m->schema[ci + 1];
  return s->name && !strcmp(s->name, path) ? s : NULL;
}

/* A column chunk being read, page by page: a data page is decoded when it
 * is reached, and values are handed out from it on demand, so a caller can
 * read many columns in step, a few thousand rows at a time. */
enum { PK_NONE, PK_VALUES, PK_DECODED, PK_DELTA_BA };

struct pq_colreader {
  int fd;
  const char *path;
  const pq_column *col;
  const pq_schema *s;
  int max_def;
  int64_t pos, end, seen;
  dict d;
  uint8_t *cbuf, *ubuf;
  uint32_t *levels, *idx;
  /* the current data page */
  int kind, dictenc, plain_bool;
  const uint8_t *u;
  size_t ulen, nv, i, k, p;
  int64_t *dec_i, *pre, *lens;
  double *dec_d;
  size_t q, prevlen;
  uint8_t *prev, *curv;
  uint64_t *budget_used, budget; /* shared by columns read in step (atomically: columns may be read on several threads) */
  uint64_t held;                   /* bytes of ubuf counted in it */
  int over;                        /* the status when the budget is exceeded (0: WHORL_EUNSUPPORTED) */
};

void whorl__pq_col_budget(pq_colreader *r, uint64_t *used, uint64_t limit, int over) {
  r->budget_used = used;
  r->budget = limit;
  r->over = over;
}

static void page_reset(pq_colreader *r) {
  free(r->dec_i);
  free(r->dec_d);
  free(r->pre);
  free(r->lens);
  free(r->prev);
  free(r->curv);
  r->dec_i = r->pre = r->lens = NULL;
  r->dec_d = NULL;
  r->prev = r->curv = NULL;
  r->prevlen = 0;
  r->kind = PK_NONE;
  r->nv = r->i = r->k = r->p = r->q = 0;
}

int whorl__pq_col_open(int fd, const char *path, const pq_meta *m, size_t rg, size_t ci, pq_colreader **out,
                       whorl_error *err) {
  *out = NULL;
  if (rg >= m->nrow_groups || ci >= m->row_groups[rg].ncolumns)
    return whorl__error(err, WHORL_EINVAL, path, -1, "no such column chunk");
  const pq_column *col = &m->row_groups[rg].columns[ci];
  const pq_schema *s = leaf_for(m, ci, col->path);
  if (!s)
    return whorl__error(err, WHORL_EUNSUPPORTED, path, -1, "nested Parquet schemas are not supported yet (column %s)",
                        col->path);
  if (s->repetition == PQ_REPEATED)
    return whorl__error(err, WHORL_EUNSUPPORTED, path, -1, "repeated Parquet columns are not supported yet (%s)",
                        col->path);
  /* Flat, not repeated: one value (or null) per row, no more. */
  if (col->num_values != m->row_groups[rg].num_rows)
    return whorl__error(err, WHORL_EFORMAT, path, -1, "column %s: %lld values for %lld rows", col->path,
                        (long long)col->num_values, (long long)m->row_groups[rg].num_rows);
  pq_colreader *r = calloc(1, sizeof *r);
  if (!r) return whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
  r->fd = fd;
  r->path = path;
  r->col = col;
  r->s = s;
  r->max_def = s->repetition == PQ_OPTIONAL ? 1 : 0;
  r->pos = col->dictionary_page_offset >= 4 && col->dictionary_page_offset < col->data_page_offset
               ? col->dictionary_page_offset
               : col->data_page_offset;
  r->end = r->pos + col->total_compressed_size;
  *out = r;
  return WHORL_OK;
}

void whorl__pq_col_close(pq_colreader *r) {
  if (!r) return;
  if (r->budget_used) __atomic_sub_fetch(r->budget_used, r->held, __ATOMIC_RELAXED);
  page_reset(r);
  dict_free(&r->d);
  free(r->cbuf);
  free(r->ubuf);
  free(r->levels);
  free(r->idx);
  free(r);
}

/* Reads the next page: a dictionary page is stored, a data page decoded up
 * to its values (r->kind). */
static int next_page(pq_colreader *r, whorl_error *err) {
  const pq_column *col = r->col;
  const char *path = r->path;
  int64_t pos = r->pos;
#define FAIL(code, ...) return whorl__error(err, code, path, (int64_t)pos, __VA_ARGS__)
  page_reset(r);
  if (pos >= r->end) FAIL(WHORL_EFORMAT, "column %s: pages end before its %lld values", col->path, (long long)col->num_values);
  /* The page header: 4 KiB usually holds it; statistics of long strings
   * can make it bigger (up to 16 MiB here). */
  uint8_t hb0[4096], *hb = hb0;
  size_t cap = sizeof hb0;
  page_hdr h;
  int64_t body;
  for (;;) {
    size_t want = (size_t)(r->end - pos) < cap ? (size_t)(r->end - pos) : cap;
    long long got = whorl__pread_full(r->fd, hb, want, (uint64_t)pos);
    if (got <= 0) {
      if (hb != hb0) free(hb);
      FAIL(WHORL_EIO, "cannot read column %s", col->path);
    }
    tc t = {hb, hb + got, hb, 0};
    int bad = parse_page_header(&t, &h);
    if (!bad) {
      body = pos + (int64_t)tc_offset(&t);
      break;
    }
    if ((size_t)got < cap || cap >= (16u << 20)) {
      if (hb != hb0) free(hb);
      FAIL(WHORL_EFORMAT, "column %s: corrupt page header", col->path);
    }
    cap *= 4;
    uint8_t *nb = hb == hb0 ? malloc(cap) : realloc(hb, cap);
    if (!nb) {
      if (hb != hb0) free(hb);
      FAIL(WHORL_ENOMEM, "out of memory");
    }
    hb = nb;
  }
  if (hb != hb0) free(hb);
  if ((uint32_t)h.usize > MAX_PAGE || (uint32_t)h.csize > MAX_PAGE || h.csize > r->end - body)
    FAIL(WHORL_EFORMAT, "column %s: page sizes out of range", col->path);
  if (r->budget_used) {
    __atomic_sub_fetch(r->budget_used, r->held, __ATOMIC_RELAXED);
    r->held = 0;
    if (__atomic_add_fetch(r->budget_used, (uint64_t)h.usize, __ATOMIC_RELAXED) > r->budget) {
      __atomic_sub_fetch(r->budget_used, (uint64_t)h.usize, __ATOMIC_RELAXED);
      /* (read on several threads, the sum depends on their timing: the
       * caller reads again on one, where it does not) */
      FAIL(r->over ? r->over : WHORL_EUNSUPPORTED, "column %s: pages of the columns read together would take more than %llu MiB",
           col->path, (unsigned long long)(r->budget >> 20));
    }
    r->held = (uint64_t)h.usize;
  }
  free(r->cbuf);
  free(r->ubuf);
  r->cbuf = malloc((size_t)h.csize + 1);
  r->ubuf = malloc((size_t)h.usize + 1);
  if (!r->cbuf || !r->ubuf) FAIL(WHORL_ENOMEM, "out of memory");
  if (whorl__pread_full(r->fd, r->cbuf, (size_t)h.csize, (uint64_t)body) != h.csize)
    FAIL(WHORL_EFORMAT, "column %s: page truncated", col->path);
  pos = body;
  r->pos = body + h.csize; /* the next page */
  /* v2 pages keep their levels uncompressed in front. */
  size_t lv = h.type == PAGE_DATA_V2 ? (size_t)h.v2_def_len + (size_t)h.v2_rep_len : 0;
  if (h.type == PAGE_DATA_V2 && (h.v2_def_len < 0 || h.v2_rep_len < 0 || lv > (size_t)h.csize || lv > (size_t)h.usize))
    FAIL(WHORL_EFORMAT, "column %s: bad level lengths", col->path);
  memcpy(r->ubuf, r->cbuf, lv);
  int dr = (h.type == PAGE_DATA_V2 && !h.v2_compressed)
               ? decompress(CODEC_NONE, r->cbuf + lv, (size_t)h.csize - lv, r->ubuf + lv, (size_t)h.usize - lv)
               : decompress(col->codec, r->cbuf + lv, (size_t)h.csize - lv, r->ubuf + lv, (size_t)h.usize - lv);
  if (dr == -2) {
    static const char *const names[] = {"UNCOMPRESSED", "SNAPPY", "GZIP", "LZO", "BROTLI", "LZ4", "ZSTD", "LZ4_RAW"};
    FAIL(WHORL_EUNSUPPORTED,
         "column %s: compression codec %s (%d) is not supported (Parquet pages are read uncompressed, SNAPPY, GZIP, ZSTD or LZ4_RAW)",
         col->path, col->codec >= 0 && col->codec < 8 ? names[col->codec] : "unknown", col->codec);
  }
  if (dr) FAIL(WHORL_EFORMAT, "column %s: page does not decompress", col->path);
  free(r->cbuf); /* not needed once decompressed: less memory per column */
  r->cbuf = NULL;
  const uint8_t *u = r->ubuf;
  size_t ulen = (size_t)h.usize;
  if (h.type == PAGE_DICT) {
    dict *d = &r->d;
    if (h.encoding != ENC_PLAIN && h.encoding != ENC_PLAIN_DICT)
      FAIL(WHORL_EUNSUPPORTED, "column %s: dictionary encoding %d", col->path, h.encoding);
    dict_free(d);
    static _Atomic uint64_t dict_gens;
    d->gen = atomic_fetch_add(&dict_gens, 1) + 1;
    d->type = col->type;
    d->n = (size_t)h.num_values;
    /* each value takes at least this many bytes of the page (BOOLEAN: a
     * bit; BYTE_ARRAY: its 4-byte length): a count beyond what the page
     * can hold is refused before anything is allocated for it */
    {
      const int ty = col->type;
      const uint64_t per = ty == PQ_INT32 || ty == PQ_FLOAT || ty == PQ_BYTE_ARRAY ? 4
                           : ty == PQ_INT64 || ty == PQ_DOUBLE                    ? 8
                           : ty == PQ_INT96                                       ? 12
                           : ty == PQ_FIXED_LEN_BYTE_ARRAY && r->s->type_length > 0 ? (uint64_t)r->s->type_length
                                                                                    : 0;
      if (per ? d->n > ulen / per : d->n > ulen * 8 + 1)
        FAIL(WHORL_EFORMAT, "column %s: dictionary larger than its page", col->path);
    }
    d->store = malloc(ulen + 1);
    d->ints = calloc(d->n + 1, sizeof *d->ints);
    d->dbls = calloc(d->n + 1, sizeof *d->dbls);
    d->ptr = calloc(d->n + 1, sizeof *d->ptr);
    d->lens = calloc(d->n + 1, sizeof *d->lens);
    if (!d->store || !d->ints || !d->dbls || !d->ptr || !d->lens) FAIL(WHORL_ENOMEM, "out of memory");
    memcpy(d->store, u, ulen);
    size_t p = 0;
    for (size_t i = 0; i < d->n; i++) {
      pq_value v;
      memset(&v, 0, sizeof v);
      if (plain_value(d->store, ulen, &p, col->type, r->s->type_length, i, &v))
        FAIL(WHORL_EFORMAT, "column %s: dictionary page truncated", col->path);
      d->ints[i] = v.i;
      d->dbls[i] = v.d;
      d->ptr[i] = v.bytes;
      d->lens[i] = v.len;
    }
    return WHORL_OK;
  }
  if (h.type != PAGE_DATA && h.type != PAGE_DATA_V2) return WHORL_OK; /* index pages: skipped */
  size_t nv = (size_t)h.num_values;
  if ((int64_t)nv > col->num_values - r->seen) FAIL(WHORL_EFORMAT, "column %s: more values than announced", col->path);
  free(r->levels);
  free(r->idx);
  r->levels = calloc(nv + 1, sizeof *r->levels);
  r->idx = calloc(nv + 1, sizeof *r->idx);
  if (!r->levels || !r->idx) FAIL(WHORL_ENOMEM, "out of memory");
  uint32_t *levels = r->levels;
  size_t p = 0, nonnull = nv;
  if (h.type == PAGE_DATA_V2) {
    if (h.v2_rep_len) FAIL(WHORL_EUNSUPPORTED, "column %s: repetition levels (nested data) not supported yet", col->path);
    if (r->max_def && whorl__rle_hybrid(u, (size_t)h.v2_def_len, 1, levels, nv) < 0)
      FAIL(WHORL_EFORMAT, "column %s: bad definition levels", col->path);
    p = lv;
  } else if (r->max_def) {
    if (h.def_enc != ENC_RLE) FAIL(WHORL_EUNSUPPORTED, "column %s: definition level encoding %d", col->path, h.def_enc);
    if (ulen < 4) FAIL(WHORL_EFORMAT, "column %s: page truncated", col->path);
    uint32_t dl = (uint32_t)u[0] | (uint32_t)u[1] << 8 | (uint32_t)u[2] << 16 | (uint32_t)u[3] << 24;
    if (dl > ulen - 4 || whorl__rle_hybrid(u + 4, dl, 1, levels, nv) < 0)
      FAIL(WHORL_EFORMAT, "column %s: bad definition levels", col->path);
    p = 4 + dl;
  }
  if (r->max_def) {
    nonnull = 0;
    for (size_t i = 0; i < nv; i++) {
      if (levels[i] > 1) FAIL(WHORL_EFORMAT, "column %s: bad definition level", col->path);
      nonnull += levels[i];
    }
  } else {
    for (size_t i = 0; i < nv; i++) levels[i] = 1;
  }
  r->u = u;
  r->ulen = ulen;
  r->nv = nv;
  r->p = p;
  r->seen += (int64_t)nv;
  r->dictenc = h.encoding == ENC_PLAIN_DICT || h.encoding == ENC_RLE_DICT;
  if (h.encoding == ENC_DELTA_BP) {
    if (col->type != PQ_INT32 && col->type != PQ_INT64)
      FAIL(WHORL_EFORMAT, "column %s: DELTA_BINARY_PACKED on a non-integer column", col->path);
    r->dec_i = calloc(nonnull + 1, sizeof *r->dec_i);
    if (!r->dec_i) FAIL(WHORL_ENOMEM, "out of memory");
    size_t q = p;
    if (delta_bp(u, ulen, &q, r->dec_i, nonnull)) FAIL(WHORL_EFORMAT, "column %s: bad DELTA_BINARY_PACKED data", col->path);
    if (col->type == PQ_INT32)
      for (size_t i = 0; i < nonnull; i++) r->dec_i[i] = (int32_t)r->dec_i[i];
    r->kind = PK_DECODED;
    return WHORL_OK;
  }
  if (h.encoding == ENC_BSS) {
    size_t w = col->type == PQ_FLOAT || col->type == PQ_INT32 ? 4 : col->type == PQ_DOUBLE || col->type == PQ_INT64 ? 8 : 0;
    if (!w || nonnull > (ulen - p) / w) FAIL(WHORL_EFORMAT, "column %s: bad BYTE_STREAM_SPLIT data", col->path);
    r->dec_i = calloc(nonnull + 1, sizeof *r->dec_i);
    r->dec_d = calloc(nonnull + 1, sizeof *r->dec_d);
    if (!r->dec_i || !r->dec_d) FAIL(WHORL_ENOMEM, "out of memory");
    for (size_t i = 0; i < nonnull; i++) {
      uint8_t v[8];
      for (size_t k2 = 0; k2 < w; k2++) v[k2] = u[p + k2 * nonnull + i];
      if (w == 4) {
        uint32_t x = (uint32_t)v[0] | (uint32_t)v[1] << 8 | (uint32_t)v[2] << 16 | (uint32_t)v[3] << 24;
        float f;
        memcpy(&f, &x, 4);
        r->dec_d[i] = f;
        r->dec_i[i] = (int32_t)x;
      } else {
        uint64_t x = 0;
        for (int k2 = 7; k2 >= 0; k2--) x = x << 8 | v[k2];
        memcpy(&r->dec_d[i], &x, 8);
        r->dec_i[i] = (int64_t)x;
      }
    }
    r->kind = PK_DECODED;
    return WHORL_OK;
  }
  if (h.encoding == ENC_DELTA_LBA || h.encoding == ENC_DELTA_BA) {
    if (col->type != PQ_BYTE_ARRAY) FAIL(WHORL_EFORMAT, "column %s: DELTA byte-array encoding on another type", col->path);
    /* DELTA_LENGTH_BYTE_ARRAY: lengths (DELTA_BINARY_PACKED), then the
     * bytes back to back. DELTA_BYTE_ARRAY: prefix lengths shared with
     * the previous value, then the suffixes as DELTA_LENGTH_BYTE_ARRAY. */
    r->pre = calloc(nonnull + 1, sizeof *r->pre);
    r->lens = calloc(nonnull + 1, sizeof *r->lens);
    if (!r->pre || !r->lens) FAIL(WHORL_ENOMEM, "out of memory");
    size_t q = p;
    if (h.encoding == ENC_DELTA_BA && delta_bp(u, ulen, &q, r->pre, nonnull))
      FAIL(WHORL_EFORMAT, "column %s: bad DELTA byte-array data", col->path);
    if (delta_bp(u, ulen, &q, r->lens, nonnull)) FAIL(WHORL_EFORMAT, "column %s: bad DELTA byte-array data", col->path);
    r->q = q;
    r->plain_bool = h.encoding == ENC_DELTA_BA; /* here: prefixes in use */
    r->kind = PK_DELTA_BA;
    return WHORL_OK;
  }
  if (r->dictenc) {
    if (!r->d.store) FAIL(WHORL_EFORMAT, "column %s: dictionary-encoded page without a dictionary", col->path);
    if (p >= ulen && nonnull) FAIL(WHORL_EFORMAT, "column %s: page truncated", col->path);
    int bw = nonnull ? u[p] : 0;
    if (nonnull && (bw > 32 || whorl__rle_hybrid(u + p + 1, ulen - p - 1, bw, r->idx, nonnull) < 0))
      FAIL(WHORL_EFORMAT, "column %s: bad dictionary indices", col->path);
  } else if (h.encoding != ENC_PLAIN) {
    FAIL(WHORL_EUNSUPPORTED, "column %s: value encoding %d is not supported yet", col->path, h.encoding);
  } else {
    size_t w = col->type == PQ_INT32 || col->type == PQ_FLOAT ? 4 : col->type == PQ_INT64 || col->type == PQ_DOUBLE ? 8
             : col->type == PQ_INT96 ? 12 : col->type == PQ_FIXED_LEN_BYTE_ARRAY && r->s->type_length > 0 ? (size_t)r->s->type_length : 0;
    if (w && (nonnull > (ulen - p) / w || ulen - p - nonnull * w > 4096))
      FAIL(WHORL_EFORMAT, "column %s: a PLAIN page of %zu values in %zu bytes", col->path, nonnull, ulen - p);
  }
  r->kind = PK_VALUES;
  return WHORL_OK;
#undef FAIL
}

long long whorl__pq_col_pull(pq_colreader *r, size_t max, pq_value_cb cb, void *ctx, whorl_error *err) {
  const pq_column *col = r->col;
  size_t done = 0;
  while (done < max) {
    if (r->kind == PK_NONE || r->i == r->nv) {
      if (r->seen >= col->num_values) {
        page_reset(r);
        return (long long)done;
      }
      int rc = next_page(r, err);
      if (rc) return rc;
      continue;
    }
    pq_value v;
    memset(&v, 0, sizeof v);
    v.type = col->type;
    size_t i = r->i;
    if (!r->levels[i]) {
      v.is_null = 1;
    } else if (r->kind == PK_DECODED) {
      v.i = r->dec_i[r->k];
      v.d = r->dec_d ? r->dec_d[r->k] : 0;
      r->k++;
    } else if (r->kind == PK_DELTA_BA) {
      int64_t pl = r->plain_bool ? r->pre[r->k] : 0, sl = r->lens[r->k];
      r->k++;
      if (pl < 0 || sl < 0 || (uint64_t)pl > r->prevlen || (uint64_t)sl > r->ulen - r->q)
        return whorl__error(err, WHORL_EFORMAT, r->path, r->pos, "column %s: bad DELTA byte-array data", col->path);
      uint8_t *nvb = malloc((size_t)pl + (size_t)sl + 1);
      if (!nvb) return whorl__error(err, WHORL_ENOMEM, r->path, -1, "out of memory");
      if (pl) memcpy(nvb, r->prev, (size_t)pl);
      memcpy(nvb + pl, r->u + r->q, (size_t)sl);
      r->q += (size_t)sl;
      free(r->curv);
      r->curv = nvb;
      v.bytes = r->curv;
      v.len = (size_t)(pl + sl);
    } else if (r->dictenc) {
      uint32_t x = r->idx[r->k++];
      if (x >= r->d.n)
        return whorl__error(err, WHORL_EFORMAT, r->path, r->pos, "column %s: dictionary index %u out of range", col->path, x);
      v.i = r->d.ints[x];
      v.d = r->d.dbls[x];
      v.bytes = r->d.ptr[x];
      v.len = r->d.lens[x];
      if (r->d.n <= UINT32_MAX) v.dict_gen = r->d.gen, v.dict_idx = x, v.dict_n = (uint32_t)r->d.n;
    } else if (col->type == PQ_BOOLEAN) {
      if (plain_value(r->u + r->p, r->ulen - r->p, &(size_t){0}, PQ_BOOLEAN, 0, r->k, &v))
        return whorl__error(err, WHORL_EFORMAT, r->path, r->pos, "column %s: page truncated", col->path);
      r->k++;
    } else if (plain_value(r->u, r->ulen, &r->p, col->type, r->s->type_length, 0, &v)) {
      return whorl__error(err, WHORL_EFORMAT, r->path, r->pos, "column %s: page truncated", col->path);
    }
    r->i++;
    done++;
    int stop = cb(ctx, &v);
    if (r->kind == PK_DELTA_BA && !v.is_null) {
      free(r->prev);
      r->prev = r->curv;
      r->prevlen = v.len;
      r->curv = NULL;
    }
    if (stop) return (long long)done;
  }
  return (long long)done;
}

int whorl__parquet_read_column(int fd, uint64_t size, const char *path, const pq_meta *m, size_t rg, size_t ci,
                               pq_value_cb cb, void *ctx, whorl_error *err) {
  (void)size;
  pq_colreader *r = NULL;
  int rc = whorl__pq_col_open(fd, path, m, rg, ci, &r, err);
  if (rc) return rc;
  long long n = whorl__pq_col_pull(r, SIZE_MAX, cb, ctx, err); /* to the end, or until cb stops it */
  if (n < 0) rc = (int)n;
  whorl__pq_col_close(r);
  return rc;
}

/* A DECIMAL stored as bytes: a big-endian two's complement unscaled
 * integer (at most 16 bytes: precision 38), written out exactly. */
static int pq_decimal_bytes(const uint8_t *b, size_t len, int scale, whorl_buf *out) {
  if (len == 0 || len > 16 || scale < 0 || scale > 38) return -1;
  unsigned __int128 u = (b[0] & 0x80) ? ~(unsigned __int128)0 : 0;
  for (size_t i = 0; i < len; i++) u = u << 8 | b[i];
  int neg = (b[0] & 0x80) != 0;
  if (neg) u = ~u + 1;
  char digits[48], txt[96];
  int nd = 0;
  do digits[nd++] = (char)('0' + (int)(u % 10)), u /= 10;
  while (u);
  size_t k = whorl__point_digits(digits, nd, scale, neg, txt);
  return whorl__value_text(txt, k, 1, out);
}

/* A timestamp of `unit` (0 ms, 1 us, 2 ns) since 1970-01-01T00:00:00. */
static int pq_timestamp(int64_t v, int unit, int utc, whorl_buf *out) {
  static const int64_t per[] = {1000, 1000000, 1000000000};
  int64_t p = per[unit];
  int64_t secs = v / p, sub = v % p;
  if (sub < 0) sub += p, secs--;
  int64_t days = secs / 86400, sod = secs % 86400;
  if (sod < 0) sod += 86400, days--;
  char frac[16];
  const int nf = unit == 0 ? 3 : unit == 1 ? 6 : 9; /* sub's digits, zero-padded */
  for (int k = nf - 1; k >= 0; k--) frac[k] = (char)('0' + sub % 10), sub /= 10;
  return whorl__value_timestamp(days, sod, frac, (size_t)nf, utc, out);
}

int whorl__value_parquet(const pq_schema *s, const pq_value *v, whorl_buf *out) {
  if (v->is_null) return whorl__value_null(out);
  int conv = s->converted_type, lt = s->logical;
  switch (v->type) {
  case PQ_BOOLEAN: return whorl__value_bool((int)v->i, out);
  case PQ_INT32:
  case PQ_INT64:
    if (conv == 6 || lt == 6) { /* DATE: its text, which whorl__value_text takes as a string */
      char d[49];
      d[0] = 'S';
      whorl_buf_put(out, d, 1 + whorl__iso_day(v->i, d + 1));
      return WHORL_V_STRING;
    }
    if (conv == 5 || lt == 5) { /* DECIMAL: unscaled integer and scale */
      if (s->scale < 0 || s->scale > 38) return -1;
      char rev[24], txt[72];
      int neg = v->i < 0, nd = 0;
      uint64_t mag = neg ? (uint64_t)(-(v->i + 1)) + 1 : (uint64_t)v->i;
      do rev[nd++] = (char)('0' + mag % 10), mag /= 10;
      while (mag);
      return whorl__value_text(txt, whorl__point_digits(rev, nd, s->scale, neg, txt), 1, out);
    }
    if (lt == 8 || conv == 9 || conv == 10) { /* TIMESTAMP */
      int unit = s->ts_unit >= 0 ? s->ts_unit : conv == 9 ? 0 : conv == 10 ? 1 : -1;
      if (unit < 0 || v->type != PQ_INT64) return -1;
      /* legacy converted types are UTC-adjusted (parquet-format's rules) */
      int utc = s->ts_utc >= 0 ? s->ts_utc : 1;
      return pq_timestamp(v->i, unit, utc, out);
    }
    if (lt == 7 || conv == 7 || conv == 8) { /* TIME of day: as CSV writes it */
      int unit = s->ts_unit >= 0 ? s->ts_unit : conv == 7 ? 0 : 1;
      static const int64_t per[] = {1000, 1000000, 1000000000};
      if (unit < 0 || unit > 2 || v->i < 0 || v->i / per[unit] > 86400) return -1;
      int64_t secs = v->i / per[unit], sub = v->i % per[unit];
      char t[64], frac[16];
      int nf = snprintf(frac, sizeof frac, "%0*lld", unit == 0 ? 3 : unit == 1 ? 6 : 9, (long long)sub);
      while (nf > 0 && frac[nf - 1] == '0') nf--;
      int n = snprintf(t, sizeof t, "%02d:%02d:%02d%s%.*s", (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60),
                       nf ? "." : "", nf, frac);
      return whorl__value_text(t, (size_t)n, 1, out);
    }
    if (conv >= 11 && conv <= 14) /* UINT_8..UINT_64 */
      return whorl__value_uint(v->type == PQ_INT32 ? (uint64_t)(uint32_t)v->i : (uint64_t)v->i, out);
    return whorl__value_int(v->i, out);
  case PQ_INT96: {
    /* legacy timestamps: nanoseconds of the day (8 bytes LE), then the
     * Julian day number (4 bytes LE); read as local time (no zone) */
    if (v->len != 12) return -1;
    uint64_t ns = 0;
    uint32_t jd = 0;
    for (int k = 7; k >= 0; k--) ns = ns << 8 | v->bytes[k];
    for (int k = 11; k >= 8; k--) jd = jd << 8 | v->bytes[k];
    if (ns >= 86400ULL * 1000000000ULL) return -1;
    int64_t days = (int64_t)jd - 2440588;
    char frac[16];
    int nf = snprintf(frac, sizeof frac, "%09llu", (unsigned long long)(ns % 1000000000ULL));
    return whorl__value_timestamp(days, (int64_t)(ns / 1000000000ULL), frac, (size_t)nf, 0, out);
  }
  case PQ_FLOAT:
  case PQ_DOUBLE: return whorl__value_double(v->d, out);
  case PQ_BYTE_ARRAY:
  case PQ_FIXED_LEN_BYTE_ARRAY:
    if (conv == 5 || lt == 5) return pq_decimal_bytes(v->bytes, v->len, s->scale, out);
    if (lt == 14 && v->type == PQ_FIXED_LEN_BYTE_ARRAY && v->len == 16) { /* UUID, as text */
      static const char hx[] = "0123456789abcdef";
      char u[36];
      size_t k = 0;
      for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) u[k++] = '-';
        u[k++] = hx[v->bytes[i] >> 4];
        u[k++] = hx[v->bytes[i] & 15];
      }
      return whorl__value_text(u, k, 1, out);
    }
    if (lt == 15 && v->type == PQ_FIXED_LEN_BYTE_ARRAY && v->len == 2) /* FLOAT16: its exact value, as float32's */
      return whorl__value_double(whorl__half_to_double((uint16_t)(v->bytes[0] | v->bytes[1] << 8)), out);
    /* raw bytes, INTERVAL (three little-endian counts), FLOAT16 of another
     * width: no text form decided (refused, not hashed as byte strings) */
    if (v->type == PQ_FIXED_LEN_BYTE_ARRAY && ((conv < 0 && lt < 0) || conv == 21 || lt == 15)) return -1;
    return whorl__value_text((const char *)v->bytes, v->len, 1, out);
  default: return -1;
  }
}
