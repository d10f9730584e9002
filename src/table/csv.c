/* csv.c - streaming CSV tokenizer: see csv.h for the rules. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "table/csv.h"
#include "table/window.h"
#include "util/util.h"

#define CHUNK (1u << 20)
#define SNIFF_BYTES (64u * 1024)

struct whorl_csv {
  whorl_window w;
  char delim, quote; /* quote 0: none */
  size_t max_record;
  const char *path;
  uint64_t line;   /* line of the next record */

  whorl_buf out;   /* field bytes of the current record, NUL-separated */
  size_t *offs, *lens;
  const char **ptrs;
  unsigned char *quoted;
  size_t nf, capf;
};

/* One message wherever the bound is noticed: the result must not depend on
 * how the input happened to be split into reads. */
static int too_long(whorl_csv *c, whorl_error *err) {
  return whorl__error(err, WHORL_EFORMAT, c->path, (int64_t)(c->w.base + c->w.start),
                      "line %llu: record longer than %zu bytes (a line without its line break?)",
                      (unsigned long long)c->line, c->max_record);
}

static int fill(whorl_csv *c, whorl_error *err) {
  int rc = whorl__window_fill(&c->w);
  if (rc == 1) return too_long(c, err);
  if (rc == -2) return whorl__error(err, WHORL_ENOMEM, c->path, -1, "out of memory");
  if (rc == -1) return whorl__error_errno(err, errno, c->path, "read");
  return 0;
}

char whorl_csv_sniff_delimiter(const uint8_t *s, size_t len) {
  static const char cands[] = {',', '\t', ';', '|'};
  char best = ',';
  double best_score = 0;
  for (size_t k = 0; k < sizeof cands; k++) {
    char d = cands[k];
    size_t counts[32], nl = 0, fields = 1;
    int inq = 0;
    for (size_t i = 0; i < len && nl < 32; i++) {
      uint8_t ch = s[i];
      if (ch == '"') inq = !inq;
      else if (!inq && ch == (uint8_t)d) fields++;
      else if (!inq && (ch == '\n' || ch == '\r')) {
        if (ch == '\r' && i + 1 < len && s[i + 1] == '\n') i++;
        counts[nl++] = fields;
        fields = 1;
      }
    }
    if (nl == 0) counts[nl++] = fields; /* one line, no break in the sample */
    /* The most common count, and how many lines have it. */
    size_t mode = 0, modeN = 0;
    for (size_t a = 0; a < nl; a++) {
      size_t same = 0;
      for (size_t b = 0; b < nl; b++) same += counts[b] == counts[a];
      if (same > modeN || (same == modeN && counts[a] > mode)) mode = counts[a], modeN = same;
    }
    double score = mode > 1 ? (double)modeN / (double)nl : 0;
    if (score > best_score) best_score = score, best = d;
  }
  return best;
}

int whorl_csv_new(const whorl_csv_opts *opts, whorl_csv_read_fn read, void *ctx, whorl_csv **out,
                  whorl_error *err) {
  *out = NULL;
  whorl_csv *c = calloc(1, sizeof *c);
  if (!c) return whorl__error(err, WHORL_ENOMEM, NULL, -1, "out of memory");
  c->delim = opts ? opts->delim : 0;
  c->quote = !opts || opts->quote == 0 ? '"' : opts->quote == -1 ? 0 : opts->quote;
  c->max_record = opts && opts->max_record ? opts->max_record : (64u << 20);
  c->path = opts ? opts->path : NULL;
  c->line = 1;
  if (whorl__window_init(&c->w, read, ctx, c->max_record + CHUNK)) {
    free(c);
    return whorl__error(err, WHORL_ENOMEM, NULL, -1, "out of memory");
  }
  /* Read ahead enough to skip a BOM and, if asked, to sniff. */
  size_t want = c->delim ? 3 : SNIFF_BYTES;
  while (!c->w.eof && c->w.end < want && c->w.end < c->w.cap) {
    int rc = fill(c, err);
    if (rc) {
      whorl_csv_free(c);
      return rc;
    }
  }
  if (!(opts && opts->keep_bom) && c->w.end >= 3 && memcmp(c->w.buf, "\xef\xbb\xbf", 3) == 0) c->w.start = 3;
  if (!c->delim) c->delim = whorl_csv_sniff_delimiter(c->w.buf + c->w.start, c->w.end - c->w.start);
  *out = c;
  return WHORL_OK;
}

char whorl_csv_delimiter(const whorl_csv *c) { return c->delim; }

uint64_t whorl_csv_tell(const whorl_csv *c) { return c->w.base + c->w.start; }

int whorl_csv_lookahead(whorl_csv *c, size_t want, const uint8_t **p, size_t *n, int *all, whorl_error *err) {
  while (!c->w.eof && c->w.end - c->w.start < want && !(c->w.start == 0 && c->w.end == c->w.cap && c->w.cap >= c->w.max_cap)) {
    int rc = fill(c, err);
    if (rc) return rc;
  }
  *p = c->w.buf + c->w.start;
  *n = c->w.end - c->w.start;
  *all = c->w.eof;
  return WHORL_OK;
}

void whorl_csv_restart_at(whorl_csv *c, whorl_csv_read_fn read, void *ctx, uint64_t offset, uint64_t line) {
  c->w.read = read;
  c->w.ctx = ctx;
  c->w.start = c->w.end = 0;
  c->w.base = offset;
  c->w.eof = 0;
  c->line = line;
  c->nf = 0;
  c->out.len = 0;
}

void whorl_csv_restart(whorl_csv *c, whorl_csv_read_fn read, void *ctx) { whorl_csv_restart_at(c, read, ctx, 0, 1); }

uint64_t whorl_csv_line(const whorl_csv *c) { return c->line; }

static int push_field(whorl_csv *c, size_t off, size_t len, int quoted) {
  if (c->nf == c->capf) {
    size_t n = c->capf ? c->capf * 2 : 16;
    size_t *o = realloc(c->offs, n * sizeof *o);
    if (o) c->offs = o;
    size_t *l = realloc(c->lens, n * sizeof *l);
    if (l) c->lens = l;
    const char **p = realloc(c->ptrs, n * sizeof *p);
    if (p) c->ptrs = p;
    unsigned char *q = realloc(c->quoted, n);
    if (q) c->quoted = q;
    if (!o || !l || !p || !q) return -1;
    c->capf = n;
  }
  c->offs[c->nf] = off;
  c->lens[c->nf] = len;
  c->quoted[c->nf] = (unsigned char)quoted;
  c->nf++;
  return 0;
}

enum { NEED_MORE = 1, DONE = 2 };

#if (defined(__x86_64__) || defined(__SSE2__)) && !defined(WHORL_NO_SIMD)
#include <emmintrin.h>
#define HAVE_SSE2 1
#endif

/* Fast paths' shared steps: add a field pointing into the read buffer;
 * finish the record at separator position `at` (a line break). */
static inline __attribute__((always_inline)) int fast_push(whorl_csv *c, const uint8_t *p, size_t len, int quoted) {
  if (c->nf == c->capf && push_field(c, 0, 0, 0) == 0) c->nf--; /* grow only */
  if (c->nf == c->capf) return -1;
  c->ptrs[c->nf] = (const char *)p;
  c->lens[c->nf] = len;
  c->quoted[c->nf] = (unsigned char)quoted;
  c->nf++;
  return 0;
}

static inline __attribute__((always_inline)) int fast_end(whorl_csv *c, whorl_csv_record *rec, size_t start, size_t at, unsigned flags, uint64_t inner) {
  const uint8_t *b = c->w.buf;
  size_t next = at + 1;
  if (b[at] == '\r') {
    if (at + 1 >= c->w.end) return 0;
    if (b[at + 1] == '\n') next++;
  }
  if (at - start > c->max_record) return 0;
  rec->nfields = c->nf;
  rec->field = c->ptrs;
  rec->len = c->lens;
  rec->quoted = c->quoted;
  rec->line = c->line;
  rec->offset = c->w.base + start;
  rec->flags = flags;
  c->line += 1 + inner;
  c->w.start = next;
  return DONE;
}

/* The common record, fast: no quote character anywhere in the 16-byte
 * blocks it spans, all buffered. Fields point into the read buffer (no
 * copy). Returns DONE, or 0 to let parse() (which handles everything) do
 * it. Both give the same record. */
static int parse_fast(whorl_csv *c, whorl_csv_record *rec) {
#ifdef HAVE_SSE2
  const uint8_t *b = c->w.buf;
  size_t start = c->w.start, pos = start, end = c->w.end, fstart = start;
  if (!c->quote) return 0;
  const __m128i vd = _mm_set1_epi8((char)c->delim), vq = _mm_set1_epi8((char)c->quote), vn = _mm_set1_epi8('\n'),
                vr = _mm_set1_epi8('\r');
  c->nf = 0;
  for (;;) {
    if (end - pos < 16 || pos - start > c->max_record) return 0;
    __m128i v = _mm_loadu_si128((const __m128i *)(b + pos));
    if (_mm_movemask_epi8(_mm_cmpeq_epi8(v, vq))) return 0;
    unsigned stop = (unsigned)_mm_movemask_epi8(
        _mm_or_si128(_mm_cmpeq_epi8(v, vd), _mm_or_si128(_mm_cmpeq_epi8(v, vn), _mm_cmpeq_epi8(v, vr))));
    while (stop) {
      size_t at = pos + (size_t)__builtin_ctz(stop);
      stop &= stop - 1;
      if (fast_push(c, b + fstart, at - fstart, 0)) return 0;
      if (b[at] == (uint8_t)c->delim) {
        fstart = at + 1;
        continue;
      }
      return fast_end(c, rec, start, at, 0, 0);
    }
    pos += 16;
  }
#else
  (void)c;
  (void)rec;
  return 0;
#endif
}

/* Records with quoted fields, fast: fields without quotes, or quoted without
 * doubled quotes or text after the closing quote, all buffered. Fields point
 * into the read buffer (no copy). Returns DONE, or 0 to let parse() (which
 * handles everything) do it; both give the same record, flags and lines. */
static int parse_fast_q(whorl_csv *c, whorl_csv_record *rec) {
#ifdef HAVE_SSE2
  const uint8_t *b = c->w.buf;
  size_t start = c->w.start, pos = start, end = c->w.end;
  const uint8_t d = (uint8_t)c->delim, q = (uint8_t)c->quote;
  if (!q) return 0;
  const __m128i vd = _mm_set1_epi8((char)d), vq = _mm_set1_epi8((char)q), vn = _mm_set1_epi8('\n'),
                vr = _mm_set1_epi8('\r');
  unsigned flags = 0;
  uint64_t inner = 0;
  c->nf = 0;
  for (;;) {
    if (pos >= end) return 0;
    size_t fs, fl, at;
    int quoted = 0;
    if (b[pos] == q) {
      const uint8_t *hit = memchr(b + pos + 1, q, end - pos - 1);
      if (!hit) return 0;
      size_t qpos = (size_t)(hit - b);
      if (qpos + 1 >= end) return 0;
      uint8_t nx = b[qpos + 1];
      if (nx != d && nx != '\n' && nx != '\r') return 0; /* "" inside, or text after: parse() */
      fs = pos + 1;
      fl = qpos - fs;
      quoted = 1;
      flags |= WHORL_CSV_QUOTED;
      for (const uint8_t *p = b + fs; p < b + qpos && (p = memchr(p, '\n', (size_t)(b + qpos - p))); p++) inner++;
      at = qpos + 1;
    } else {
      size_t p = pos;
      for (;;) {
        if (end - p < 16 || p - start > c->max_record) return 0;
        __m128i v = _mm_loadu_si128((const __m128i *)(b + p));
        unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, vd), _mm_cmpeq_epi8(v, vq)),
                                                              _mm_or_si128(_mm_cmpeq_epi8(v, vn), _mm_cmpeq_epi8(v, vr))));
        if (m) {
          p += (size_t)__builtin_ctz(m);
          break;
        }
        p += 16;
      }
      if (b[p] == q) return 0; /* a quote inside an unquoted field is data: parse() */
      fs = pos;
      fl = p - pos;
      at = p;
    }
    if (fast_push(c, b + fs, fl, quoted)) return 0;
    if (at - start > c->max_record) return 0;
    if (b[at] == d) {
      pos = at + 1;
      continue;
    }
    return fast_end(c, rec, start, at, flags, inner);
  }
#else
  (void)c;
  (void)rec;
  return 0;
#endif
}

#ifdef HAVE_SSE2
static int block_room(whorl_csv_block *b, size_t rows, size_t ncols) {
  if (rows <= b->cap && b->ncols == ncols) return 0;
  whorl_csv_block_free(b);
  size_t n = rows * ncols;
  b->ptr = malloc(n * sizeof *b->ptr);
  b->len = malloc(n * sizeof *b->len);
  b->quoted = malloc(n);
  b->line = malloc(rows * sizeof *b->line);
  b->offset = malloc(rows * sizeof *b->offset);
  if (!b->ptr || !b->len || !b->quoted || !b->line || !b->offset) {
    whorl_csv_block_free(b);
    return -1;
  }
  b->cap = rows;
  b->ncols = ncols;
  return 0;
}

#endif

void whorl_csv_block_free(whorl_csv_block *b) {
  free(b->ptr);
  free(b->len);
  free(b->quoted);
  free(b->line);
  free(b->offset);
  memset(b, 0, sizeof *b);
}

#ifdef HAVE_SSE2
/* Set bits of a sparse mask (no popcnt instruction on baseline x86-64). */
static inline uint64_t pop64(uint64_t x) {
  uint64_t n = 0;
  for (; x; x &= x - 1) n++;
  return n;
}

/* Bit i: the parity of the set bits at or below i. */
static inline uint64_t prefix_xor(uint64_t x) {
  x ^= x << 1;
  x ^= x << 2;
  x ^= x << 4;
  x ^= x << 8;
  x ^= x << 16;
  x ^= x << 32;
  return x;
}
#endif

/* The bulk path finds every structural byte of 64 bytes at once (quotes
 * pair up by prefix parity, so delimiters and line breaks inside quotes are
 * not structural), then walks their bits: no byte-by-byte scan and no
 * dependence of one field's search on the last. A field is taken when it
 * holds no quote, or is exactly "..." (two quotes, first and last byte);
 * anything else ("" inside, text after a quote, a quote mid-field) ends
 * the block before its record, for whorl_csv_next. Quotes and line feeds
 * are counted along (prefix counts), for the checks and the line numbers. */
long whorl_csv_block_next(whorl_csv *c, size_t ncols, size_t max_rows, uint64_t stop, whorl_csv_block *b) {
  b->rows = 0;
  b->bytes = 0;
  b->ascii = 1;
#ifdef HAVE_SSE2
  const uint8_t *buf = c->w.buf;
  const size_t end = c->w.end, first = c->w.start;
  const uint8_t q = (uint8_t)c->quote;
  if (!q || !ncols || !max_rows || end - first < 65) return 0;
  if (block_room(b, max_rows, ncols)) return -1;
  b->ncols = ncols;
  const __m128i vd = _mm_set1_epi8((char)c->delim), vq = _mm_set1_epi8((char)q), vn = _mm_set1_epi8('\n'),
                vr = _mm_set1_epi8('\r');
  size_t rows = 0, nf = 0;
  size_t start = first, pos = first; /* the record, the field being read */
  uint64_t line = c->line;
  uint64_t f_quotes = 0, r_lfs = 0;  /* in earlier chunks: the field's quotes, the record's line feeds */
  uint64_t inside = 0;               /* all ones: cb is inside quotes */
  size_t skip_lf = SIZE_MAX;         /* the LF of a CRLF taken already */
  const char **fp = b->ptr;
  size_t *fl = b->len;
  unsigned char *fq = b->quoted;
  for (size_t cb = first; cb + 64 < end; cb += 64) {
    const uint8_t *p = buf + cb;
    uint64_t Q = 0, N = 0, R = 0, D = 0;
    for (int k = 0; k < 4; k++) {
      const __m128i v = _mm_loadu_si128((const __m128i *)(p + 16 * k));
      Q |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, vq)) << (16 * k);
      N |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, vn)) << (16 * k);
      R |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, vr)) << (16 * k);
      D |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, vd)) << (16 * k);
    }
    uint64_t ins = 0;
    if (Q | inside) {
      ins = prefix_xor(Q) ^ inside;
      inside = (uint64_t)0 - (ins >> 63);
    }
    uint64_t S = (D | N | R) & ~ins;
    if (skip_lf == cb) S &= ~(uint64_t)1; /* the LF of a CRLF that ended the last chunk */
    const uint64_t NR = N | R;
    while (S) {
      const unsigned off = (unsigned)__builtin_ctzll(S);
      S &= S - 1;
      const size_t at = cb + off;
      if (nf == ncols) goto bail;
      if (!(Q | f_quotes)) { /* no quote near: the common field */
        fp[nf] = (const char *)buf + pos;
        fl[nf] = at - pos;
        fq[nf] = 0;
      } else {
        /* the field's bytes in this chunk: bits from max(pos, cb) to at */
        const uint64_t below = ((uint64_t)1 << off) - 1;
        const uint64_t fmask = pos > cb ? below & ~(((uint64_t)1 << (pos - cb)) - 1) : below;
        const uint64_t fqb = Q & fmask;
        if (!(fqb | f_quotes)) {
          fp[nf] = (const char *)buf + pos;
          fl[nf] = at - pos;
          fq[nf] = 0;
        } else if (f_quotes + pop64(fqb) == 2 && buf[pos] == q && buf[at - 1] == q) {
          fp[nf] = (const char *)buf + pos + 1;
          fl[nf] = at - pos - 2;
          fq[nf] = 1;
          const uint64_t lfs = N & fmask; /* line feeds inside the quotes */
          if (lfs) r_lfs += pop64(lfs);
        } else {
          goto bail;
        }
        f_quotes = 0;
      }
      nf++;
      pos = at + 1;
      if (!((NR >> off) & 1)) continue; /* a delimiter */
      /* a line break: the record ends (CRLF, LF or a lone CR, as fast_end) */
      size_t next = at + 1;
      if ((R >> off) & 1 && buf[at + 1] == '\n') {
        next = at + 2;
        if (off < 63) S &= ~((uint64_t)2 << off); /* its LF is no record end */
        else skip_lf = at + 1;
      }
      if (nf != ncols || at - start > c->max_record || (ncols == 1 && fl[0] == 0 && !fq[0]) ||
          c->w.base + start >= stop)
        goto bail;
      b->line[rows] = line;
      b->offset[rows] = c->w.base + start;
      line += 1 + r_lfs;
      rows++;
      start = pos = next;
      r_lfs = 0;
      nf = 0;
      if (rows == max_rows) goto done;
      fp += ncols, fl += ncols, fq += ncols;
    }
    /* a field still open at the chunk's end: its quotes and line feeds so far */
    if (pos < cb + 64) {
      const uint64_t rest = pos > cb ? ~(((uint64_t)1 << (pos - cb)) - 1) : ~(uint64_t)0;
      if (Q & rest) f_quotes += pop64(Q & rest);
      if (N & rest) r_lfs += pop64(N & rest); /* inside quotes: a structural one would have ended it */
    }
  }
bail:
done:
  if (!rows) return 0;
  c->line = line;
  c->w.start = start;
  b->rows = rows;
  b->bytes = start - first;
  size_t i = first;
  __m128i acc = _mm_setzero_si128();
  for (; i + 16 <= start; i += 16) acc = _mm_or_si128(acc, _mm_loadu_si128((const __m128i *)(buf + i)));
  unsigned hi = (unsigned)_mm_movemask_epi8(acc);
  for (; i < start; i++) hi |= buf[i] & 0x80;
  b->ascii = hi == 0;
  return (long)rows;
#else
  (void)c;
  (void)ncols;
  (void)max_rows;
  (void)stop;
  return 0;
#endif
}

/* Tries to parse one record starting at c->w.start. */
static int parse(whorl_csv *c, whorl_csv_record *rec, whorl_error *err) {
  const uint8_t *b = c->w.buf;
  size_t pos = c->w.start, end = c->w.end;
  const uint8_t d = (uint8_t)c->delim, q = (uint8_t)c->quote;
  unsigned flags = 0;
  uint64_t inner_lines = 0;
  c->nf = 0;
  c->out.len = 0;
  for (;;) {
    size_t foff = c->out.len;
    int fquoted = q && pos < end && b[pos] == q;
    if (fquoted) {
      flags |= WHORL_CSV_QUOTED;
      pos++;
      for (;;) {
        const uint8_t *hit = memchr(b + pos, q, end - pos);
        size_t qpos = hit ? (size_t)(hit - b) : end;
        for (size_t k = pos; k < qpos; k++) inner_lines += b[k] == '\n';
        whorl_buf_put(&c->out, b + pos, qpos - pos);
        if (!hit) {
          if (!c->w.eof) return NEED_MORE;
          if (end - c->w.start > c->max_record + 1) return too_long(c, err); /* as a split read would see it */
          return whorl__error(err, WHORL_EFORMAT, c->path, (int64_t)(c->w.base + c->w.start),
                              "line %llu: quoted field not closed before the end of the file",
                              (unsigned long long)c->line);
        }
        if (qpos + 1 == end && !c->w.eof) return NEED_MORE;
        if (qpos + 1 < end && b[qpos + 1] == q) {
          whorl_buf_putc(&c->out, (char)q);
          pos = qpos + 2;
          continue;
        }
        pos = qpos + 1;
        break;
      }
      /* Text between the closing quote and the delimiter. */
      size_t s0 = pos;
      while (pos < end && b[pos] != d && b[pos] != '\n' && b[pos] != '\r') pos++;
      if (pos == end && !c->w.eof) return NEED_MORE;
      if (pos > s0) {
        flags |= WHORL_CSV_STRAY_QUOTE;
        whorl_buf_put(&c->out, b + s0, pos - s0);
      }
    } else {
      size_t s0 = pos;
      while (pos < end && b[pos] != d && b[pos] != '\n' && b[pos] != '\r') pos++;
      if (pos == end && !c->w.eof) return NEED_MORE;
      whorl_buf_put(&c->out, b + s0, pos - s0);
    }
    size_t flen = c->out.len - foff;
    whorl_buf_putc(&c->out, 0);
    if (c->out.oom || push_field(c, foff, flen, fquoted)) return whorl__error(err, WHORL_ENOMEM, c->path, -1, "out of memory");
    if (pos - c->w.start > c->max_record) return too_long(c, err);
    if (pos == end) break; /* end of input: last record without a line break */
    if (b[pos] == d) {
      pos++;
      continue;
    }
    if (b[pos] == '\r') {
      if (pos + 1 == end && !c->w.eof) return NEED_MORE;
      pos += (pos + 1 < end && b[pos + 1] == '\n') ? 2 : 1;
    } else {
      pos++; /* '\n' */
    }
    break;
  }
  for (size_t i = 0; i < c->nf; i++) c->ptrs[i] = c->out.data + c->offs[i];
  rec->nfields = c->nf;
  rec->field = c->ptrs;
  rec->len = c->lens;
  rec->quoted = c->quoted;
  rec->line = c->line;
  rec->offset = c->w.base + c->w.start;
  rec->flags = flags;
  c->line += 1 + inner_lines;
  c->w.start = pos;
  return DONE;
}

int whorl_csv_next(whorl_csv *c, whorl_csv_record *rec, whorl_error *err) {
  for (;;) {
    if (c->w.start == c->w.end) {
      if (c->w.eof) return 0;
      int rc = fill(c, err);
      if (rc) return rc;
      continue;
    }
    if (parse_fast(c, rec) == DONE || parse_fast_q(c, rec) == DONE) return 1;
    int r = parse(c, rec, err);
    if (r == DONE) return 1;
    if (r < 0) return r;
    /* NEED_MORE: keep the partial record and read on, until the data at
     * hand has at least doubled, so a long record is parsed O(log n)
     * times, not once per read() (pipes give 64 KiB at a time). */
    size_t have = c->w.end - c->w.start;
    /* Buffered bytes all belong to this record, but for one byte of
     * look-ahead (the LF after a CR, the quote after a quote). */
    if (have > c->max_record + 1) return too_long(c, err);
    do {
      int rc = fill(c, err);
      if (rc) return rc;
    } while (!c->w.eof && c->w.end - c->w.start < 2 * have && c->w.end - c->w.start <= c->max_record + 1);
  }
}

void whorl_csv_free(whorl_csv *c) {
  if (!c) return;
  whorl__window_free(&c->w);
  whorl_buf_free(&c->out);
  free(c->offs);
  free(c->lens);
  free(c->ptrs);
  free(c->quoted);
  free(c);
}
