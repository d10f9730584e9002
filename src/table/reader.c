/* reader.c - table readers behind one interface: see reader.h. */
#include <errno.h>
#include <pthread.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "io/decomp.h"
#include "io/npy.h"
#include "io/zip.h"
#include "table/csv.h"
#include "canon/canon.h"
#include "table/jsonl.h"
#include "table/parquet_meta.h"
#include "table/parquet_read.h"
#include "table/reader.h"
#include "table/types.h"
#include "table/value.h"
#include "util/util.h"

#define WIN_ROWS 2048
#define WIN_BYTES (4u << 20)
/* More columns than this: refused (each costs a few KiB while reading). */
#define MAX_COLUMNS 100000
/* .npz members are read in step, each open (~50 KiB with a deflate state). */
#define MAX_NPZ_ARRAYS 1024
#define PQ_BATCH 65536
/* rows: a row group this small is one window (16 B a row, per lane). The
 * same for any thread count: windows decide which column's error is the
 * first one reported (the first failing column of the first failing
 * window), so they must not depend on the threads. */
#define PQ_WHOLE (256u << 10)
#define PQ_STEP 65536
#define PQ_PAGE_BUDGET (512ull << 20) /* decompressed pages held by columns read in step */

/* ---- window builder: rows of cells gathered per column, then handed to
 * the sink as one column batch per column ---------------------------------- */

typedef struct wcol {
  whorl_buf enc;
  uint8_t *type;
  size_t n;
} wcol;

typedef struct wb {
  whorl_table_sink *sink;
  wcol *col;
  size_t ncols, cap;
  size_t rows;      /* rows in the window */
  size_t bytes;
  size_t type_cap;  /* capacity of the type arrays of the first columns */
  size_t win_rows;  /* rows per window: fewer for wide tables (memory) */
  int silent;       /* columns already known to the sink: do not announce */
  char **name;      /* the columns' names (copies), and a set of them: */
  size_t *name_len; /* the names CSV gives extra columns must be new */
  size_t *slot, slot_cap; /* (column index + 1, open addressing) */
} wb;

static int wb_flush(wb *w);

/* The message for a failed wb_add_column / wb_flush. */
static int col_err(whorl_error *err, const char *path, int rc) {
  if (rc == WHORL_EUNSUPPORTED)
    return whorl__error(err, rc, path, -1, "more than %d columns: not supported", MAX_COLUMNS);
  return whorl__error(err, rc, path, -1, "out of memory");
}

static uint64_t wb_name_hash(const char *s, size_t n) {
  uint64_t h = 1469598103934665603ULL;
  for (size_t j = 0; j < n; j++) h = (h ^ (uint8_t)s[j]) * 1099511628211ULL;
  return h;
}

/* Whether a column is named s; if not, *at is the free slot for it. */
static int wb_has_name(const wb *w, const char *s, size_t n, size_t *at) {
  if (!w->slot_cap) return 0;
  size_t a = (size_t)wb_name_hash(s, n) & (w->slot_cap - 1);
  while (w->slot[a]) {
    size_t j = w->slot[a] - 1;
    if (w->name_len[j] == n && !memcmp(w->name[j], s, n)) return 1;
    a = (a + 1) & (w->slot_cap - 1);
  }
  *at = a;
  return 0;
}

/* Records the name of column w->ncols (about to be added). */
static int wb_keep_name(wb *w, const char *name, size_t len) {
  size_t n = w->ncols;
  if (2 * (n + 1) > w->slot_cap) { /* grow the set (and the name arrays with it) */
    size_t cap = w->slot_cap ? 2 * w->slot_cap : 64;
    size_t *slot = calloc(cap, sizeof *slot);
    char **nm = realloc(w->name, cap / 2 * sizeof *nm);
    if (nm) w->name = nm;
    size_t *nl = realloc(w->name_len, cap / 2 * sizeof *nl);
    if (nl) w->name_len = nl;
    if (!slot || !nm || !nl) {
      free(slot);
      return WHORL_ENOMEM;
    }
    free(w->slot);
    w->slot = slot;
    w->slot_cap = cap;
    for (size_t j = 0; j < n; j++) {
      size_t a = (size_t)wb_name_hash(w->name[j], w->name_len[j]) & (cap - 1);
      while (slot[a]) a = (a + 1) & (cap - 1);
      slot[a] = j + 1;
    }
  }
  char *c = malloc(len + 1);
  if (!c) return WHORL_ENOMEM;
  if (len) memcpy(c, name, len);
  c[len] = 0;
  w->name[n] = c;
  w->name_len[n] = len;
  size_t at;
  if (!wb_has_name(w, c, len, &at)) w->slot[at] = n + 1; /* (a repeat keeps its first) */
  return WHORL_OK;
}

static int wb_add_column(wb *w, const char *name, size_t len) {
  if (w->ncols >= MAX_COLUMNS) return WHORL_EUNSUPPORTED;
  /* A window holds about WIN_BYTES: fewer rows when there are many columns. */
  size_t rows = WIN_BYTES / (16 * (w->ncols + 1));
  if (rows > w->type_cap) rows = w->type_cap;
  if (rows < 16) rows = 16;
  if (rows < w->win_rows) {
    if (w->rows >= rows) {
      int rc = wb_flush(w);
      if (rc) return rc;
    }
    w->win_rows = rows;
  }
  wcol *grown = whorl__grow_array(w->col, &w->cap, w->ncols, sizeof *w->col);
  if (!grown) return WHORL_ENOMEM;
  w->col = grown;
  wcol *c = &w->col[w->ncols];
  memset(c, 0, sizeof *c);
  c->type = malloc(w->win_rows ? w->win_rows : 1);
  if (!c->type) return WHORL_ENOMEM;
  if (wb_keep_name(w, name, len)) {
    free(c->type);
    return WHORL_ENOMEM;
  }
  w->ncols++;
  int rc = w->silent ? 0 : w->sink->column(w->sink->ctx, name, len);
  if (rc) return rc;
  /* Rows of this window before the column appeared are null in it. */
  for (size_t r = 0; r < w->rows; r++) {
    whorl__cell_put(&c->enc, "N", 1);
    c->type[c->n++] = WHORL_T_NULL;
  }
  return c->enc.oom ? WHORL_ENOMEM : WHORL_OK;
}

static int wb_init(wb *w, whorl_table_sink *sink, size_t rows_cap) {
  memset(w, 0, sizeof *w);
  w->sink = sink;
  w->type_cap = rows_cap;
  w->win_rows = rows_cap;
  return WHORL_OK;
}

static void wb_free(wb *w) {
  for (size_t i = 0; i < w->ncols; i++) {
    whorl_buf_free(&w->col[i].enc);
    free(w->col[i].type);
    free(w->name[i]);
  }
  free(w->col);
  free(w->name);
  free(w->name_len);
  free(w->slot);
}

/* Starts a cell in column c: returns the position of its length byte. */
static inline size_t cell_open(wcol *c) {
  size_t pos = c->enc.len;
  whorl_buf_putc(&c->enc, 0);
  return pos;
}

/* Closes the cell opened at pos: writes its length (LEB128, moving the
 * bytes when it needs more than one byte). */
static inline void cell_close(wcol *c, size_t pos, whorl_ltype t) {
  size_t len = c->enc.len - pos - 1;
  if (len < 128) c->enc.data[pos] = (char)len;
  else {
    uint8_t v[10];
    size_t k = 0, x = len;
    do {
      v[k] = (uint8_t)(x & 0x7f);
      x >>= 7;
      if (x) v[k] |= 0x80;
      k++;
    } while (x);
    if (whorl_buf_grow(&c->enc, k - 1)) return;
    memmove(c->enc.data + pos + k, c->enc.data + pos + 1, len);
    memcpy(c->enc.data + pos, v, k);
    c->enc.len += k - 1;
    c->enc.data[c->enc.len] = 0;
  }
  c->type[c->n++] = (uint8_t)t;
}

static int wb_flush(wb *w) {
  if (w->rows == 0) return WHORL_OK;
  whorl_table_sink *s = w->sink;
  int rc = s->begin(s->ctx, w->rows);
  for (size_t i = 0; i < w->ncols && !rc; i++) {
    wcol *c = &w->col[i];
    if (c->enc.oom) return WHORL_ENOMEM;
    whorl_colbatch b = {i, 0, c->n, (const uint8_t *)c->enc.data, c->enc.len, c->type, 0};
    rc = s->batch(s->ctx, &b);
    c->enc.len = 0;
    c->n = 0;
  }
  if (!rc) rc = s->end(s->ctx);
  w->rows = 0;
  w->bytes = 0;
  return rc;
}

/* Hands n cells of column `col` (rows *row on) to the sink and empties
 * the buffers: the readers that deliver a column at a time (Parquet,
 * Fortran-order arrays). */
static int emit_batch(whorl_table_sink *sink, size_t col, size_t *row, whorl_buf *enc, const uint8_t *type, size_t *n,
                      unsigned lane) {
  if (!*n) return 0;
  if (enc->oom) return WHORL_ENOMEM;
  whorl_colbatch b = {col, *row, *n, (const uint8_t *)enc->data, enc->len, type, lane};
  int rc = sink->batch(sink->ctx, &b);
  *row += *n;
  *n = 0;
  enc->len = 0;
  return rc;
}

/* ---- warnings -------------------------------------------------------------- */

static void warn(whorl_table_info *info, uint64_t line, const char *fmt, ...) WHORL_PRINTF(3, 4);
static void warn(whorl_table_info *info, uint64_t line, const char *fmt, ...) {
  if (info->nwarnings < WHORL_TABLE_MAX_WARNINGS) {
    whorl_table_warning *w = &info->warning[info->nwarnings];
    w->line = line;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->message, sizeof w->message, fmt, ap);
    va_end(ap);
    whorl__utf8_scrub(w->message); /* it goes into the document's JSON */
  }
  info->nwarnings++;
}

/* ---- byte source adapter (plain, gzip, zstd) ----------------------------- */

/* With more than one thread, a compressed input is decompressed ahead on
 * its own thread (a ring of PF_N blocks), so inflating and parsing overlap. */
#define PF_N 4
#define PF_BLOCK (1u << 20)

typedef struct srcctx {
  whorl_src *src;
  whorl_error err;
  int failed;
  /* read-ahead thread */
  int threaded;
  pthread_t th;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  uint8_t *blk[PF_N];
  size_t len[PF_N];
  int last[PF_N];     /* the block that ends the input (or failed) */
  size_t head, tail;  /* consumer / producer block counters */
  size_t off;         /* consumed bytes of the head block */
  int stop, done;
  uint64_t pub_off;   /* compressed bytes read, published by the thread */
} srcctx;

static void *pf_main(void *arg) {
  srcctx *s = arg;
  for (;;) {
    pthread_mutex_lock(&s->mu);
    while (s->tail - s->head == PF_N && !s->stop) pthread_cond_wait(&s->cv, &s->mu);
    int stop = s->stop;
    size_t slot = s->tail % PF_N;
    pthread_mutex_unlock(&s->mu);
    if (stop) return NULL;
    size_t got = 0;
    int last = 0, failed = 0;
    whorl_error e;
    whorl_error_clear(&e);
    while (got < PF_BLOCK) {
      long long n = whorl__src_read(s->src, s->blk[slot] + got, PF_BLOCK - got, &e);
      if (n < 0) {
        failed = last = 1;
        break;
      }
      if (n == 0) {
        last = 1;
        break;
      }
      got += (size_t)n;
    }
    pthread_mutex_lock(&s->mu);
    s->len[slot] = got;
    s->last[slot] = last;
    s->pub_off = whorl__src_offset(s->src);
    if (failed) {
      s->err = e;
      s->failed = 1;
    }
    s->tail++;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    if (last) return NULL;
  }
}

static long long src_read(void *ctx, uint8_t *buf, size_t cap) {
  srcctx *s = ctx;
  if (!s->threaded) {
    long long n = whorl__src_read(s->src, buf, cap, &s->err);
    if (n < 0) {
      s->failed = 1;
      errno = EIO;
      return -1;
    }
    return n;
  }
  if (s->done) {
    if (s->failed) { /* the bytes before the damage were delivered: now the error */
      errno = EIO;
      return -1;
    }
    return 0;
  }
  pthread_mutex_lock(&s->mu);
  while (s->head == s->tail) pthread_cond_wait(&s->cv, &s->mu);
  size_t slot = s->head % PF_N;
  size_t avail = s->len[slot] - s->off;
  int last = s->last[slot], failed = s->failed;
  pthread_mutex_unlock(&s->mu);
  size_t k = avail < cap ? avail : cap;
  memcpy(buf, s->blk[slot] + s->off, k);
  s->off += k;
  if (s->off == s->len[slot]) {
    if (last) {
      s->done = 1;
    } else {
      pthread_mutex_lock(&s->mu);
      s->head++;
      s->off = 0;
      pthread_cond_broadcast(&s->cv);
      pthread_mutex_unlock(&s->mu);
    }
  }
  if (k == 0 && last && failed) {
    errno = EIO;
    return -1;
  }
  return (long long)k;
}

/* Compressed bytes read so far (for progress), whichever thread reads. */
static uint64_t src_offset(srcctx *s) {
  if (!s->threaded) return whorl__src_offset(s->src);
  pthread_mutex_lock(&s->mu);
  uint64_t o = s->pub_off;
  pthread_mutex_unlock(&s->mu);
  return o;
}

/* Starts the read-ahead thread (when it helps: compressed input, more than
 * one thread); without it everything still works, on one thread. */
static void src_start(srcctx *s, int threads) {
  if (threads < 2 || (whorl__src_codec(s->src) == WHORL_CODEC_NONE && !whorl__src_text_enc(s->src))) return;
  for (int i = 0; i < PF_N; i++)
    if (!(s->blk[i] = malloc(PF_BLOCK))) return;
  pthread_mutex_init(&s->mu, NULL);
  pthread_cond_init(&s->cv, NULL);
  if (pthread_create(&s->th, NULL, pf_main, s) != 0) {
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    return;
  }
  s->threaded = 1;
}

static void src_stop(srcctx *s) {
  if (s->threaded) {
    pthread_mutex_lock(&s->mu);
    s->stop = 1;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->th, NULL);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    s->threaded = 0;
  }
  for (int i = 0; i < PF_N; i++) {
    free(s->blk[i]);
    s->blk[i] = NULL;
  }
}

/* A tokenizer error caused by the byte source is the source's error. */
static int src_error(srcctx *s, int rc, whorl_error *err) {
  if (s->failed && err) *err = s->err;
  return s->failed ? s->err.code : rc;
}

static const char *codec_name(whorl_codec c) {
  return c == WHORL_CODEC_GZIP ? "gzip" : c == WHORL_CODEC_ZSTD ? "zstd" : "none";
}

/* ---- CSV / TSV ------------------------------------------------------------- */

/* 1 when two non-empty fields of r are equal (sorting by a hash: wide
 * headers of 100,000 names stay fast). */
typedef struct fkey {
  uint64_t h;
  const char *s;
  size_t n;
} fkey;

static int fkey_cmp(const void *x, const void *y) {
  const fkey *a = x, *b = y;
  if (a->h != b->h) return a->h < b->h ? -1 : 1;
  if (a->n != b->n) return a->n < b->n ? -1 : 1;
  return memcmp(a->s, b->s, a->n);
}

static int has_duplicates(const whorl_csv_record *r) {
  fkey *k = malloc((r->nfields ? r->nfields : 1) * sizeof *k);
  if (!k) return 1; /* say "not a header" when out of memory */
  size_t m = 0;
  for (size_t i = 0; i < r->nfields; i++) {
    if (r->len[i] == 0) continue;
    uint64_t h = 1469598103934665603ULL;
    for (size_t j = 0; j < r->len[i]; j++) h = (h ^ (uint8_t)r->field[i][j]) * 1099511628211ULL;
    k[m].h = h;
    k[m].s = r->field[i];
    k[m].n = r->len[i];
    m++;
  }
  qsort(k, m, sizeof *k, fkey_cmp);
  int dup = 0;
  for (size_t i = 1; i < m && !dup; i++) dup = fkey_cmp(&k[i - 1], &k[i]) == 0;
  free(k);
  return dup;
}

/* Header names made unique the way pandas does: a name seen before becomes
 * NAME.1, NAME.2, ... (the first free one). Two columns of one name would
 * weigh their cells alike in row hashes, so values swapped between them
 * would go unseen. Returns the names (*out, one malloc'd block each; free
 * with free_names) and how many were renamed, or -1 when out of memory. */
static void free_names(char **nm, size_t n) {
  for (size_t i = 0; nm && i < n; i++) free(nm[i]);
  free(nm);
}

static uint64_t name_hash(const char *s, size_t n) {
  uint64_t h = 1469598103934665603ULL;
  for (size_t j = 0; j < n; j++) h = (h ^ (uint8_t)s[j]) * 1099511628211ULL;
  return h;
}

/* Set of names (column indices into nm/nl), open addressing. */
static int name_taken(const size_t *slot, size_t cap, char *const *nm, const size_t *nl, const char *s, size_t n, size_t *at) {
  size_t a = (size_t)name_hash(s, n) & (cap - 1);
  while (slot[a]) {
    size_t j = slot[a] - 1;
    if (nl[j] == n && !memcmp(nm[j], s, n)) {
      *at = j; /* the column that holds the name */
      return 1;
    }
    a = (a + 1) & (cap - 1);
  }
  *at = a; /* the free slot */
  return 0;
}

static long long unique_names(const char *const *fp, const size_t *lens, size_t nf, char ***out, size_t **out_len) {
  size_t cap = 16;
  while (cap < 2 * nf + 2) cap *= 2;
  size_t *slot = calloc(cap, sizeof *slot); /* index + 1 into names */
  char **nm = calloc(nf ? nf : 1, sizeof *nm);
  size_t *nl = calloc(nf ? nf : 1, sizeof *nl);
  unsigned char *dup = calloc(nf ? nf : 1, 1);
  /* per column holding a name's first occurrence: the suffix its next
   * repeat starts trying from. Names are only ever added, so a suffix
   * found taken stays taken, and starting each repeat at 1 would be
   * quadratic in the repeats (20,000 columns named "a": seconds). */
  unsigned long *next_k = calloc(nf ? nf : 1, sizeof *next_k);
  long long renamed = 0;
  if (!slot || !nm || !nl || !dup || !next_k) goto oom;
  /* an empty name is "Unnamed: i", and every name's first occurrence is
   * its own, reserved before any repeat is renamed (as pandas does: the
   * second "a" of a,a,a.1 becomes a.2) */
  for (size_t i = 0; i < nf; i++) {
    char *c = malloc(lens[i] + 32);
    if (!c) goto oom;
    if (lens[i]) memcpy(c, fp[i], lens[i]), nl[i] = lens[i];
    else nl[i] = (size_t)snprintf(c, 32, "Unnamed: %zu", i);
    c[nl[i]] = 0;
    nm[i] = c;
    size_t at;
    if (name_taken(slot, cap, nm, nl, c, nl[i], &at)) dup[i] = 1;
    else slot[at] = i + 1;
  }
  for (size_t i = 0; i < nf; i++) {
    if (!dup[i]) continue;
    renamed++;
    size_t base = nl[i];
    size_t first = i;
    (void)name_taken(slot, cap, nm, nl, nm[i], base, &first); /* its first occurrence */
    for (unsigned long k = next_k[first] ? next_k[first] : 1;; k++) {
      char *next = malloc(base + 24);
      if (!next) goto oom;
      memcpy(next, nm[i], base);
      size_t cl = base + (size_t)snprintf(next + base, 24, ".%lu", k);
      size_t at;
      if (!name_taken(slot, cap, nm, nl, next, cl, &at)) {
        free(nm[i]);
        nm[i] = next;
        nl[i] = cl;
        slot[at] = i + 1;
        next_k[first] = k + 1;
        break;
      }
      free(next);
    }
  }
  free(slot);
  free(dup);
  free(next_k);
  *out = nm;
  *out_len = nl;
  return renamed;
oom:
  free(slot);
  free(dup);
  free(next_k);
  free_names(nm, nf);
  free(nl);
  return -1;
}

static int is_header(const whorl_csv_record *r) {
  size_t nonempty = 0;
  for (size_t i = 0; i < r->nfields; i++) {
    if (r->len[i] == 0) continue;
    nonempty++;
    if (whorl__ltype_of_text(r->field[i], r->len[i], r->quoted[i]) != WHORL_T_STRING) return 0;
  }
  return nonempty > 0 && !has_duplicates(r);
}

typedef struct memsrc {
  const uint8_t *p;
  size_t n, off;
} memsrc;

static long long mem_read(void *ctx, uint8_t *buf, size_t cap) {
  memsrc *m = ctx;
  size_t k = m->n - m->off < cap ? m->n - m->off : cap;
  memcpy(buf, m->p + m->off, k);
  m->off += k;
  return (long long)k;
}

static int int_value(const char *s, size_t len, long long *v) {
  if (len == 0 || len > 9) return 0;
  long long x = 0;
  for (size_t i = 0; i < len; i++) {
    if (s[i] < '0' || s[i] > '9') return 0;
    x = x * 10 + (s[i] - '0');
  }
  *v = x;
  return 1;
}

/* The rows after the first, as header detection looks at them: up to 100,
 * from a sample of exactly the first LOOK bytes buffered (or all that is
 * left: the decision must not depend on how the input happened to be
 * read); blank lines skipped; the record that reaches the sample's end may
 * be cut and does not count. each(ctx, row) is called for every row until
 * it returns 0. Returns the rows passed to it, or -1 without a sample. */
typedef int (*row_fn)(void *ctx, const whorl_csv_record *r);
static long sample_rows(whorl_csv *csv, char delim, row_fn each, void *ctx, whorl_error *err) {
  enum { LOOK = 256 * 1024 };
  const uint8_t *p;
  size_t n;
  int all = 0;
  if (whorl_csv_lookahead(csv, LOOK, &p, &n, &all, err)) return -1;
  int cut = !(all && n <= LOOK);
  if (n > LOOK) n = LOOK;
  memsrc ms = {p, n, 0};
  whorl_csv_opts co = {delim, 0, 0, NULL, 1};
  whorl_csv *t = NULL;
  whorl_error e2;
  if (whorl_csv_new(&co, mem_read, &ms, &t, &e2)) return -1;
  whorl_csv_record r;
  long rows = 0;
  while (rows < 100 && whorl_csv_next(t, &r, &e2) == 1) {
    if (cut && whorl_csv_tell(t) >= n) break;
    if (r.nfields == 1 && r.len[0] == 0 && !r.quoted[0]) continue;
    rows++;
    if (!each(ctx, &r)) break;
  }
  whorl_csv_free(t);
  return rows;
}

/* R's write.table: a header one field short of every row below it (the
 * row names have no header). 1 when the sampled rows (at least one) all
 * have nf + 1 fields. */
typedef struct short_ctx {
  size_t nf;
  int ok;
} short_ctx;
static int one_longer(void *ctx, const whorl_csv_record *r) {
  short_ctx *c = ctx;
  c->ok = r->nfields == c->nf + 1;
  return c->ok;
}
static int header_one_short(whorl_csv *csv, char delim, size_t nf, whorl_error *err) {
  short_ctx c = {nf, 1};
  return nf && sample_rows(csv, delim, one_longer, &c, err) > 0 && c.ok;
}

/* Header detection beyond the first row's own spelling: the types of the
 * sampled rows show a header when a column's first value is a string above
 * typed values, or when the first row's numbers count up by one across
 * columns above non-integer columns (pandas' 0, 1, 2... names; years). */
typedef struct types_ctx {
  size_t nf;
  whorl_ltype *below;
} types_ctx;
static int join_types(void *ctx, const whorl_csv_record *r) {
  types_ctx *c = ctx;
  for (size_t i = 0; i < c->nf && i < r->nfields; i++)
    c->below[i] = whorl__ltype_join(c->below[i], whorl__ltype_of_text(r->field[i], r->len[i], r->quoted[i]));
  return 1;
}
static int header_by_lookahead(whorl_csv *csv, char delim, const whorl_csv_record *first, whorl_error *err) {
  size_t nf = first->nfields;
  whorl_ltype *top = calloc(nf ? nf : 1, sizeof *top), *below = calloc(nf ? nf : 1, sizeof *below);
  long long *num = calloc(nf ? nf : 1, sizeof *num);
  unsigned char *isnum = calloc(nf ? nf : 1, 1);
  int hdr = 0;
  if (!top || !below || !num || !isnum) goto done;
  for (size_t i = 0; i < nf; i++) {
    if (first->len[i] == 0) continue;
    top[i] = whorl__ltype_of_text(first->field[i], first->len[i], first->quoted[i]);
    isnum[i] = top[i] == WHORL_T_INT && int_value(first->field[i], first->len[i], &num[i]);
  }
  types_ctx tc = {nf, below};
  if (sample_rows(csv, delim, join_types, &tc, err) <= 0) goto done;
  for (size_t i = 0; i < nf && !hdr; i++)
    if (top[i] == WHORL_T_STRING && below[i] != WHORL_T_NULL && below[i] != WHORL_T_STRING && below[i] != WHORL_T_JSON)
      hdr = 1;
  for (size_t i = 0; i + 1 < nf && !hdr; i++) {
    size_t j = i;
    int nonint = 0;
    while (j + 1 < nf && isnum[j] && isnum[j + 1] && num[j + 1] == num[j] + 1) {
      nonint |= below[j] == WHORL_T_FLOAT || below[j] == WHORL_T_STRING || below[j + 1] == WHORL_T_FLOAT ||
                below[j + 1] == WHORL_T_STRING;
      j++;
    }
    if (j > i && nonint) hdr = 1;
  }
done:
  free(top);
  free(below);
  free(num);
  free(isnum);
  return hdr;
}

/* Column i named by its position; an extra column of a ragged CSV row
 * whose position a header name already holds (header "x,3" over rows of
 * four fields) gets the first free suffix, as a repeated header name does
 * ("3.1"): two columns of one name would weigh their cells alike. */
static int index_name(wb *w, size_t i) {
  char name[48];
  int n = snprintf(name, sizeof name, "%zu", i);
  size_t at;
  for (unsigned long k = 1; wb_has_name(w, name, (size_t)n, &at); k++) n = snprintf(name, sizeof name, "%zu.%lu", i, k);
  return wb_add_column(w, name, (size_t)n);
}

/* The data records of a CSV, shared by the serial reader and the parallel
 * workers. A worker has no info: anything that would be a warning (or a
 * --strict error) makes it give up with WHORL__RETRY, and the table is read
 * again serially, which reports it with its line number. */
/* A text cell into column c: the common ones in place (the length byte,
 * then the canonical bytes), the rest through whorl__cell_text. slack: the
 * field has 32 readable bytes from its start (the read window's), so the
 * 16-byte fast path may look. */
static inline __attribute__((always_inline)) void text_cell(wcol *c, const char *f, size_t len, int quoted, const int slack) {
  whorl_buf *e = &c->enc;
  if (e->len + len + WHORL__CELL_ROOM + 2 <= e->cap || !whorl_buf_grow(e, len + WHORL__CELL_ROOM + 1)) {
    whorl_ltype t;
    char *o = e->data + e->len + 1;
    size_t n = slack ? whorl__cell_fast16(f, len, quoted, o, &t) : whorl__cell_fast(f, len, quoted, o, &t);
    if (n && n < 128) {
      e->data[e->len] = (char)n;
      e->len += n + 1;
      c->type[c->n++] = (uint8_t)t;
      return;
    }
  }
  size_t pos = cell_open(c);
  cell_close(c, pos, whorl__cell_text(f, len, quoted, e));
}

typedef struct csvrun {
  const whorl_table_opts *o;
  const char *path;
  whorl_table_info *info; /* NULL in a worker */
  wb *w;
  size_t ncols;
  int header;
  uint64_t rows;
} csvrun;

/* What invalid text is called: in UTF-16 files (decoded to UTF-8), the
 * only invalid text is a surrogate without its partner. (Their byte
 * offsets are in the decoded text, so errors give lines only.) */
static const char *bad_text(const whorl_table_info *info) {
  return info->encoding[0] ? "UTF-16 (a surrogate without its partner)" : "UTF-8";
}

/* UTF-8 check with an ASCII fast path (8 bytes at a time). */
static inline int text_ok(const char *f, size_t len) {
  size_t i = 0;
  uint64_t acc = 0;
  for (; i + 8 <= len; i += 8) {
    uint64_t x;
    memcpy(&x, f + i, 8);
    acc |= x;
  }
  for (; i < len; i++) acc |= (uint8_t)f[i];
  return (acc & 0x8080808080808080ULL) == 0 || whorl__utf8_valid(f, len);
}

static int csv_row(csvrun *r, const whorl_csv_record *rec, whorl_error *err) {
  wb *w = r->w;
  whorl_table_info *info = r->info;
  const whorl_table_opts *o = r->o;
  int rc = 0;
  if (rec->nfields != r->ncols) {
    if (!info) return WHORL__RETRY;
    info->ragged_rows++;
    if (o->strict)
      return whorl__error(err, WHORL_EFORMAT, r->path, (int64_t)rec->offset, "line %llu: %zu fields where the %s has %zu",
                          (unsigned long long)rec->line, rec->nfields, r->header ? "header" : "first row", r->ncols);
    warn(info, rec->line, "%zu fields where the %s has %zu%s", rec->nfields, r->header ? "header" : "first row",
         r->ncols, rec->nfields < r->ncols ? " (the missing ones are null)" : " (the extra ones form new columns)");
    while (w->ncols < rec->nfields && !rc) rc = index_name(w, w->ncols);
    if (rc) return col_err(err, r->path, rc);
  }
  /* The fields lie one after the other in one buffer (the read buffer, or
   * the tokenizer's copy): one ASCII check for the whole record first. */
  int ascii = 0;
  size_t rec_bytes = 1; /* the window's size estimate: the record's span */
  if (rec->nfields > 0) {
    const char *f0 = rec->field[0], *fe = rec->field[rec->nfields - 1] + rec->len[rec->nfields - 1];
    if (fe >= f0) rec_bytes += (size_t)(fe - f0);
    if (fe >= f0 && (size_t)(fe - f0) < ((size_t)1 << 20)) {
      uint64_t acc = 0;
      size_t n = (size_t)(fe - f0), i = 0;
      for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, f0 + i, 8);
        acc |= x;
      }
      for (; i < n; i++) acc |= (uint8_t)f0[i];
      ascii = (acc & 0x8080808080808080ULL) == 0;
    }
  }
  for (size_t i = 0; i < w->ncols; i++) {
    wcol *c = &w->col[i];
    if (i < rec->nfields) {
      const char *f = rec->field[i];
      size_t len = rec->len[i];
      if (!ascii && !text_ok(f, len)) {
        if (!info) return WHORL__RETRY;
        info->invalid_utf8++;
        if (o->strict)
          return whorl__error(err, WHORL_EFORMAT, r->path, info->encoding[0] ? -1 : (int64_t)rec->offset,
                              "line %llu, field %zu: not valid %s", (unsigned long long)rec->line, i + 1, bad_text(info));
        warn(info, rec->line, "field %zu is not valid %s (hashed as its bytes)", i + 1, bad_text(info));
      }
      text_cell(c, f, len, rec->quoted[i], 0);
    } else {
      size_t pos = cell_open(c);
      whorl__value_null(&c->enc);
      cell_close(c, pos, WHORL_T_NULL);
    }
  }
  w->rows++;
  r->rows++;
  w->bytes += rec_bytes;
  if (w->rows >= w->win_rows || w->bytes > WIN_BYTES) {
    rc = wb_flush(w);
    if (rc) return whorl__error(err, rc, r->path, -1, "out of memory");
  }
  return WHORL_OK;
}

/* Many records at once (whorl_csv_block_next), column by column: each
 * column's cells in a row, so the type dispatch stays predictable. The same
 * cells, types, warnings and windows as csv_row record by record. Needs
 * every column to be one of the record's (no extra ones from ragged rows). */
#define BLOCK_FIELDS 4096
static size_t block_rows(const csvrun *r) {
  size_t room = r->w->win_rows - r->w->rows, cap = BLOCK_FIELDS / (r->ncols ? r->ncols : 1);
  if (cap < 1) cap = 1;
  return room < cap ? room : cap;
}

static int csv_block_rows(csvrun *r, const whorl_csv_block *b, whorl_error *err) {
  wb *w = r->w;
  whorl_table_info *info = r->info;
  const whorl_table_opts *o = r->o;
  const size_t nc = b->ncols, nr = b->rows;
  if (!b->ascii) {
    for (size_t k = 0; k < nr; k++)
      for (size_t i = 0; i < nc; i++) {
        if (text_ok(b->ptr[k * nc + i], b->len[k * nc + i])) continue;
        if (!info) return WHORL__RETRY;
        info->invalid_utf8++;
        if (o->strict)
          return whorl__error(err, WHORL_EFORMAT, r->path, info->encoding[0] ? -1 : (int64_t)b->offset[k],
                              "line %llu, field %zu: not valid %s", (unsigned long long)b->line[k], i + 1, bad_text(info));
        warn(info, b->line[k], "field %zu is not valid %s (hashed as its bytes)", i + 1, bad_text(info));
      }
  }
  for (size_t i = 0; i < nc; i++) {
    wcol *c = &w->col[i];
    const char *const *fp = b->ptr + i;
    const size_t *fl = b->len + i;
    const unsigned char *fq = b->quoted + i;
    for (size_t k = 0; k < nr; k++) text_cell(c, fp[k * nc], fl[k * nc], fq[k * nc], 1);
  }
  w->rows += nr;
  r->rows += nr;
  w->bytes += b->bytes;
  if (w->rows >= w->win_rows || w->bytes > WIN_BYTES) {
    int rc = wb_flush(w);
    if (rc) return whorl__error(err, rc, r->path, -1, "out of memory");
  }
  return WHORL_OK;
}

/* ---- CSV on several threads -------------------------------------------------
 *
 * A plain (uncompressed) file is cut into segments of SEG bytes. Segment k
 * speculatively starts at B[k], just after the first line feed at or after
 * k*SEG - 1, and holds the records that start before B[k+1]. Its worker
 * parses from B[k] (reading past its end to finish its last record) and
 * notes E[k], where the first record at or after B[k+1] starts. The guess
 * B[k+1] was right exactly when E[k] == B[k+1]: otherwise the line feed was
 * inside a quoted field, and segment k+1 is parsed again from E[k] on the
 * committing thread. Parts are absorbed into the sink in file order, so the
 * result is the serial one bit for bit, whatever the thread count. */

#define SEG (4u << 20)
#define SSEG (1u << 20) /* a decompressed stream's blocks and segments */
/* zstd-compressed or UTF-16 files this large are parsed on several threads
 * (gzip's inflating is slower than parsing: it keeps a core to itself, and
 * the text is parsed on another as it comes, src_start) */
#define STREAM_MIN (256u << 10)

/* The sizes a read cuts its input by: SEG, SSEG and STREAM_MIN, or, for
 * tests (opts seg_shift, or the environment's WHORL_SEGMENT_SHIFT, 10 to
 * 22), 2^shift bytes, and compressed files of 64 bytes and more take the
 * stream path, so that small files take the parallel paths too. No output
 * depends on them. */
typedef struct segsz {
  uint64_t seg, sseg, stream_min;
} segsz;

static segsz seg_sizes(const whorl_table_opts *o) {
  unsigned sh = o->seg_shift;
  if (!sh) {
    const char *e = getenv("WHORL_SEGMENT_SHIFT");
    if (e && e[0] >= '0' && e[0] <= '9') sh = (unsigned)strtoul(e, NULL, 10);
  }
  if (sh >= 10 && sh <= 22) return (segsz){(uint64_t)1 << sh, (uint64_t)1 << sh, 64};
  return (segsz){SEG, SSEG, STREAM_MIN};
}

/* A worker's tools, reused from segment to segment (no allocation churn):
 * its part sink, tokenizer and window builder. */
typedef struct slot {
  whorl_table_sink child;
  int have_child;
  whorl_csv *csv;
  whorl_csv_block blk;
  wb w;
  int have_wb;
} slot;

typedef struct seg {
  uint64_t start, stop; /* parse records starting in [start, stop) */
  uint64_t end;         /* E: where the first record at or after stop starts */
  uint64_t lines;       /* lines from start to end */
  uint64_t first_line;  /* the line at start (set when reparsed with warnings) */
  slot *sl;
  int rc;
  int done;             /* parsed (pwork) */
  uint64_t rows;
} seg;

struct seg;
struct sstore;
typedef struct prun {
  const char *path;
  int fd;
  uint64_t size;
  const whorl_table_opts *o;
  whorl_table_sink *sink;
  char delim;
  size_t ncols;
  int header;
  char **names;
  size_t *name_len;
  void (*run)(struct prun *p, struct seg *g); /* parses one segment */
  /* parses one segment again where run gave up for a warning, reporting
   * it (the committing thread; NULL: the whole file goes serial) */
  void (*run_info)(struct prun *p, struct seg *g, whorl_table_info *info, whorl_error *err);
  uint64_t first_line; /* the line where the data starts */
  struct sstore *store; /* a decompressed stream (NULL: the file fd, pread) */
  segsz sz;             /* seg_sizes */
} prun;

typedef struct fdsrc {
  int fd;
  uint64_t off, size;
  struct sstore *store; /* read from the stream's blocks instead of fd */
  uint64_t limit;       /* stream: bytes from here on are not read (memory): an error */
} fdsrc;

static long long store_read_at(struct sstore *st, uint64_t off, uint64_t limit, uint8_t *buf, size_t cap);
static uint64_t store_total(struct sstore *st);

static long long fd_read(void *ctx, uint8_t *buf, size_t cap) {
  fdsrc *f = ctx;
  if (f->off >= f->size) return 0;
  if (cap > f->size - f->off) cap = (size_t)(f->size - f->off);
  long long n = f->store ? store_read_at(f->store, f->off, f->limit, buf, cap) : whorl__pread_full(f->fd, buf, cap, f->off);
  if (n > 0) f->off += (uint64_t)n;
  return n;
}

static void slot_free(prun *p, slot *sl) {
  if (sl->have_child) p->sink->drop(&sl->child);
  if (sl->have_wb) wb_free(&sl->w);
  whorl_csv_free(sl->csv);
  whorl_csv_block_free(&sl->blk);
  memset(sl, 0, sizeof *sl);
}

static int slot_ready(prun *p, slot *sl);

static long long empty_read(void *ctx, uint8_t *buf, size_t cap) {
  (void)ctx, (void)buf, (void)cap;
  return 0;
}

/* Parses one segment into its slot's (empty) part sink. A worker (info
 * NULL) gives up with WHORL__RETRY on anything that would be a warning or
 * an error; the committing thread then parses the segment again with info
 * (g->first_line set), which reports warnings with their lines as the
 * serial reader would, and errors as errors. Rows with more fields than
 * the table has columns still send the whole file to the serial reader
 * (they add columns, which a part cannot). */
static void seg_parse(prun *p, seg *g, whorl_table_info *info, whorl_error *err) {
  slot *sl = g->sl;
  g->rc = 0;
  g->rows = 0;
  g->lines = 0;
  g->end = g->start;
  int rc = 0;
  if (slot_ready(p, sl)) {
    g->rc = WHORL__RETRY;
    return;
  }
  if (g->start >= g->stop) return;
  fdsrc fs = {p->fd, g->start, p->store ? UINT64_MAX : p->size, p->store, g->start + 4 * p->sz.sseg};
  if (!sl->csv) {
    whorl_csv_opts co = {p->delim, 0, p->o->max_record, p->path, 1};
    if (whorl_csv_new(&co, empty_read, NULL, &sl->csv, err)) {
      g->rc = WHORL__RETRY;
      return;
    }
  }
  const uint64_t line0 = info ? g->first_line : 1;
  whorl_csv_restart_at(sl->csv, fd_read, &fs, g->start, line0);
  wb *w = &sl->w;
  csvrun r = {p->o, p->path, info, w, p->ncols, p->header, 0};
  whorl_csv_record rec;
  g->end = p->size; /* a stream's end: its total, once read to the end (below) */
  for (;;) {
    if (rc) break;
    if (w->ncols == r.ncols) {
      long nb = whorl_csv_block_next(sl->csv, r.ncols, block_rows(&r), g->stop, &sl->blk);
      if (nb < 0) {
        rc = whorl__error(err, WHORL_ENOMEM, p->path, -1, "out of memory");
        break;
      }
      if (nb > 0) {
        rc = csv_block_rows(&r, &sl->blk, err);
        if (rc) break;
        continue;
      }
    }
    if ((rc = whorl_csv_next(sl->csv, &rec, err)) != 1) {
      if (rc == 0) g->lines = whorl_csv_line(sl->csv) - line0;
      if (rc == 0 && p->store) g->end = store_total(p->store);
      break;
    }
    rc = 0;
    if (rec.offset >= g->stop) {
      g->end = rec.offset;
      g->lines = rec.line - line0;
      break;
    }
    if (rec.nfields == 1 && rec.len[0] == 0 && !rec.quoted[0]) continue;
    if (rec.nfields > r.ncols) {
      rc = WHORL__RETRY;
      break;
    }
    rc = csv_row(&r, &rec, err);
  }
  if (!rc) rc = wb_flush(w);
  /* The window builder may hold a half row: start it afresh next time. */
  if (rc) {
    wb_free(w);
    sl->have_wb = 0;
  }
  g->rc = !rc ? 0 : info && rc != WHORL__RETRY ? rc : WHORL__RETRY;
  g->rows = r.rows;
}

static void seg_run(prun *p, seg *g) {
  whorl_error err;
  seg_parse(p, g, NULL, &err);
}

/* Start of the first line after the line feed at or after `at` (the file
 * size when there is none). */
/* Start of the first line after the line feed at or after `at`: the file
 * size when there is none, UINT64_MAX when none comes within `limit` bytes
 * (lines too long to split the file at: the caller reads serially). */
static uint64_t next_line(int fd, uint64_t at, uint64_t size, uint64_t limit) {
  uint8_t buf[65536];
  uint64_t from = at;
  while (at < size) {
    if (at - from > limit) return UINT64_MAX;
    size_t want = size - at < sizeof buf ? (size_t)(size - at) : sizeof buf;
    long long n = whorl__pread_full(fd, buf, want, at);
    if (n <= 0) return size;
    const uint8_t *nl = memchr(buf, '\n', (size_t)n);
    if (nl) return at + (uint64_t)(nl - buf) + 1;
    at += (uint64_t)n;
  }
  return size;
}

/* The parallel run: persistent workers parse segments into a ring of
 * slots and take turns committing them (absorbing each into the sink, in
 * file order), so committing overlaps parsing instead of waiting for a
 * round's end. Segment k uses slot k % nslots, free once segment
 * k - nslots is committed. */
#define SEG_CHUNK 1024
typedef struct pwork {
  prun *p;
  seg *segs;          /* a file's segments (all known at the start) */
  seg **chunks;       /* a stream's, SEG_CHUNK at a time (they never move) */
  size_t nchunks;
  size_t nseg;        /* segments whose start and stop are known */
  int all_known;      /* nseg is the count of segments */
  slot *slots;
  size_t nslots;
  whorl_table_info *info;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  size_t next_parse, next_commit;
  int committing;
  int rc;
  uint64_t line_base; /* the line where the next segment to commit starts */
  whorl_error *err;
} pwork;

static seg *seg_at(pwork *pw, size_t k) { return pw->chunks ? &pw->chunks[k / SEG_CHUNK][k % SEG_CHUNK] : &pw->segs[k]; }

static void store_committed(struct sstore *st, uint64_t upto);
static int store_failed(struct sstore *st);
static uint64_t store_offset(struct sstore *st);

/* Commits segment k (the committing thread only). */
static int commit_seg(pwork *pw, size_t k) {
  prun *p = pw->p;
  seg *g = seg_at(pw, k), *prev = k > 0 ? seg_at(pw, k - 1) : NULL;
  if (prev && prev->end != g->start) {
    /* The guess was inside a quoted field: parse again from where the
     * previous segment really ended. */
    g->start = prev->end;
    if (g->start > g->stop) g->stop = g->start;
    p->run(p, g);
  }
  if (g->rc == WHORL__RETRY && p->run_info) {
    /* Something to report: this segment again, saying it. */
    g->first_line = pw->line_base;
    p->run_info(p, g, pw->info, pw->err);
  }
  /* a stream that could not be read on (damaged, or a record too long to
   * hold): the serial reader reads it again and says what it is */
  if (g->rc && p->store && store_failed(p->store)) g->rc = WHORL__RETRY;
  int rc = g->rc ? g->rc : p->sink->join(p->sink->ctx, &g->sl->child);
  if (!rc) pw->info->rows += g->rows, pw->line_base += g->lines;
  if (!rc && p->store) store_committed(p->store, g->end > g->stop ? g->stop : g->end);
  if (!rc && p->o->progress) p->o->progress(p->o->pctx, p->store ? store_offset(p->store) : g->stop, p->size);
  return rc;
}

static void *pwork_main(void *arg) {
  pwork *pw = arg;
  pthread_mutex_lock(&pw->mu);
  for (;;) {
    if (pw->rc || (pw->all_known && pw->next_commit >= pw->nseg)) break;
    size_t k = pw->next_commit;
    if (!pw->committing && k < pw->nseg && seg_at(pw, k)->done) {
      pw->committing = 1;
      pthread_mutex_unlock(&pw->mu);
      int rc = commit_seg(pw, k);
      pthread_mutex_lock(&pw->mu);
      pw->committing = 0;
      if (rc && !pw->rc) pw->rc = rc;
      pw->next_commit++;
      pthread_cond_broadcast(&pw->cv);
      continue;
    }
    k = pw->next_parse;
    if (k < pw->nseg && k < pw->next_commit + pw->nslots) {
      pw->next_parse++;
      seg *g = seg_at(pw, k);
      g->sl = &pw->slots[k % pw->nslots];
      pthread_mutex_unlock(&pw->mu);
      pw->p->run(pw->p, g);
      pthread_mutex_lock(&pw->mu);
      g->done = 1;
      pthread_cond_broadcast(&pw->cv);
      continue;
    }
    pthread_cond_wait(&pw->cv, &pw->mu);
  }
  pthread_cond_broadcast(&pw->cv);
  pthread_mutex_unlock(&pw->mu);
  return NULL;
}

/* Starts the slot's part sink afresh (forked once, then reset) and its
 * window builder with the table's columns. Non-zero: give up (retry). */
static int slot_ready(prun *p, slot *sl) {
  if (!sl->have_child) {
    if (p->sink->fork(p->sink->ctx, &sl->child)) return -1;
    sl->have_child = 1;
  } else if (p->sink->reset(&sl->child)) {
    return -1;
  }
  if (!sl->have_wb) {
    wb_init(&sl->w, &sl->child, WIN_ROWS);
    sl->w.silent = 1;
    sl->have_wb = 1;
    int rc = 0;
    for (size_t i = 0; i < p->ncols && !rc; i++) rc = wb_add_column(&sl->w, p->names[i], p->name_len[i]);
    if (rc) return -1;
  }
  return 0;
}

static int read_parallel(prun *p, uint64_t data_start, whorl_table_info *info, int threads, whorl_error *err) {
  uint64_t span = p->size - data_start;
  const uint64_t SEGB = p->sz.seg;
  size_t nseg = (size_t)((span + SEGB - 1) / SEGB);
  size_t nslots = (size_t)threads * 2;
  seg *segs = calloc(nseg + 1, sizeof *segs);
  slot *slots = calloc(nslots, sizeof *slots);
  if (!segs || !slots) {
    free(segs);
    free(slots);
    return WHORL_ENOMEM;
  }
  /* Boundaries, each found after the previous one: a file without line
   * feeds (CR line ends, one huge line) is not scanned again and again; a
   * part that would grow beyond 4 segments (memory) sends the file back to
   * the serial reader. */
  int rc = 0;
  size_t used = 0;
  for (size_t k = 0; k < nseg && !rc; k++) {
    uint64_t b = data_start;
    if (k > 0) {
      uint64_t from = data_start + k * SEGB - 1;
      if (from < segs[k - 1].start) from = segs[k - 1].start;
      b = next_line(p->fd, from, p->size, 4 * SEGB);
      if (b == UINT64_MAX || b - segs[k - 1].start > 4 * SEGB) rc = WHORL__RETRY;
    }
    segs[k].start = b;
    used = k + 1;
    if (b >= p->size) break;
  }
  nseg = used;
  for (size_t k = 0; k < nseg; k++) segs[k].stop = k + 1 < nseg ? segs[k + 1].start : p->size;
  if (!rc && nseg && p->size - segs[nseg - 1].start > 4 * SEGB) rc = WHORL__RETRY;
  if (!rc) {
    pwork pw;
    memset(&pw, 0, sizeof pw);
    pw.p = p, pw.segs = segs, pw.nseg = nseg, pw.all_known = 1, pw.slots = slots, pw.nslots = nslots, pw.info = info;
    pw.line_base = p->first_line, pw.err = err;
    pthread_mutex_init(&pw.mu, NULL);
    pthread_cond_init(&pw.cv, NULL);
    whorl__parallel(threads, pwork_main, &pw, &pw);
    pthread_cond_destroy(&pw.cv);
    pthread_mutex_destroy(&pw.mu);
    rc = pw.rc;
  }
  for (size_t i = 0; i < nslots; i++) slot_free(p, &slots[i]);
  free(slots);
  free(segs);
  return rc;
}

/* ---- CSV and JSON Lines from a compressed (or UTF-16) stream on several
 * threads ----------------------------------------------------------------------
 *
 * The same segments, parts and commits as above, over the decompressed
 * bytes: a producer thread decompresses the stream into blocks of SSEG
 * bytes and cuts it into segments as it goes (segment k starts after the
 * first line feed at or after data_start + k*SSEG - 1), and the workers
 * read their segments from the blocks. Blocks are freed once the
 * segments that read them are committed; the producer waits while
 * SSEG_KEEP blocks beyond the nslots segments in flight are held, so
 * memory is bounded whatever the stream's length. A segment that would
 * read more than 4 blocks past its start, a line longer than a block,
 * and a damaged stream all give up (WHORL__RETRY): the serial reader then
 * reads the file again, and reports what it finds. */

#define SSEG_KEEP 8

typedef struct sstore {
  whorl_src *src;
  pwork *pw;            /* its mutex and condition guard everything below */
  uint8_t **ring;       /* block j at ring[j % cap] */
  size_t cap;
  uint64_t produced;    /* blocks made */
  uint64_t total;       /* bytes made */
  uint64_t keep_from;   /* the first block still needed */
  uint64_t pub_off;     /* compressed bytes read */
  uint64_t data_start;  /* where segment 0 starts */
  uint64_t next_cut;    /* where the next segment's line feed is looked for */
  uint64_t bs;          /* bytes in a block (SSEG, or for tests smaller) */
  int eof, failed, stop;
  pthread_t th;
} sstore;

static uint64_t store_total(sstore *st) {
  pthread_mutex_lock(&st->pw->mu);
  uint64_t t = st->total;
  pthread_mutex_unlock(&st->pw->mu);
  return t;
}

static int store_failed(sstore *st) {
  pthread_mutex_lock(&st->pw->mu);
  int f = st->failed;
  pthread_mutex_unlock(&st->pw->mu);
  return f;
}

static uint64_t store_offset(sstore *st) {
  pthread_mutex_lock(&st->pw->mu);
  uint64_t o = st->pub_off;
  pthread_mutex_unlock(&st->pw->mu);
  return o;
}

/* Segments before the one starting at `upto` are committed: the blocks
 * wholly before it may go. */
static void store_committed(sstore *st, uint64_t upto) {
  pthread_mutex_lock(&st->pw->mu);
  if (upto / st->bs > st->keep_from) {
    st->keep_from = upto / st->bs;
    pthread_cond_broadcast(&st->pw->cv);
  }
  pthread_mutex_unlock(&st->pw->mu);
}

/* Up to cap bytes of the stream at off (not at or beyond limit): waits for
 * the producer. 0 at the end; -1 (the store marked failed) when the bytes
 * are beyond the limit or beyond what may be held, or the stream failed. */
static long long store_read_at(sstore *st, uint64_t off, uint64_t limit, uint8_t *buf, size_t cap) {
  pwork *pw = st->pw;
  const uint64_t j = off / st->bs;
  pthread_mutex_lock(&pw->mu);
  if (off >= limit || j >= st->keep_from + st->cap || j < st->keep_from) {
    st->failed = 1;
    if (!pw->rc) pw->rc = WHORL__RETRY;
    pthread_cond_broadcast(&pw->cv);
    pthread_mutex_unlock(&pw->mu);
    errno = EIO;
    return -1;
  }
  while (j >= st->produced && !st->eof && !st->failed && !st->stop) pthread_cond_wait(&pw->cv, &pw->mu);
  if (off >= st->total) {
    int bad = st->failed || st->stop || !st->eof;
    pthread_mutex_unlock(&pw->mu);
    if (bad) {
      errno = EIO;
      return -1;
    }
    return 0;
  }
  const uint8_t *b = st->ring[j % st->cap];
  uint64_t end = (j + 1) * st->bs;
  if (end > st->total) end = st->total; /* block j is made: its end is fixed */
  pthread_mutex_unlock(&pw->mu);
  /* block j is kept while it is read (keep_from moves past it only once
   * the segments reading it are committed) */
  size_t n = (size_t)(end - off) < cap ? (size_t)(end - off) : cap;
  if (off + n > limit) n = (size_t)(limit - off);
  memcpy(buf, b + (off % st->bs), n);
  return (long long)n;
}

/* The next segment boundaries found in the bytes made (pw->mu held):
 * segment k-1 ends and k starts after the first line feed at or after
 * next_cut. */
static void store_cut(sstore *st) {
  pwork *pw = st->pw;
  for (;;) {
    const size_t k = pw->nseg + 1; /* the segment the next cut starts */
    uint64_t from = st->next_cut;
    if (from >= st->total) {
      if (!st->eof) return;
      seg_at(pw, k - 1)->stop = st->total;
      pw->nseg = k;
      pw->all_known = 1;
      return;
    }
    uint64_t at = from, found = UINT64_MAX;
    while (at < st->total && found == UINT64_MAX) {
      const uint64_t j = at / st->bs;
      uint64_t end = (j + 1) * st->bs;
      if (end > st->total) end = st->total;
      const uint8_t *b = st->ring[j % st->cap];
      const uint8_t *nl = memchr(b + at % st->bs, '\n', (size_t)(end - at));
      if (nl) found = j * st->bs + (uint64_t)(nl - b) + 1;
      else at = end;
    }
    if (found == UINT64_MAX) {
      if (st->total - from > st->bs) st->failed = 1; /* a line longer than a block: serially */
      if (!st->eof || st->failed) return;
      found = st->total;
    }
    if (k % SEG_CHUNK == 0 && k / SEG_CHUNK >= pw->nchunks) {
      seg **g = realloc(pw->chunks, (pw->nchunks + 1) * sizeof *g);
      seg *c = calloc(SEG_CHUNK, sizeof *c);
      if (!g || !c) {
        free(c);
        if (g) pw->chunks = g;
        st->failed = 1;
        return;
      }
      pw->chunks = g;
      pw->chunks[pw->nchunks++] = c;
    }
    seg_at(pw, k - 1)->stop = found;
    if (found >= st->total && st->eof) {
      pw->nseg = k;
      pw->all_known = 1;
      return;
    }
    seg_at(pw, k)->start = found;
    pw->nseg = k;
    uint64_t next = st->data_start + (uint64_t)(k + 1) * st->bs - 1;
    st->next_cut = next > found ? next : found;
  }
}

static void *store_main(void *arg) {
  sstore *st = arg;
  pwork *pw = st->pw;
  for (;;) {
    pthread_mutex_lock(&pw->mu);
    while (!st->stop && !st->failed && !pw->rc && st->produced - st->keep_from >= st->cap) pthread_cond_wait(&pw->cv, &pw->mu);
    if (st->stop || st->failed || pw->rc) {
      pthread_mutex_unlock(&pw->mu);
      return NULL;
    }
    const uint64_t j = st->produced;
    uint8_t *b = st->ring[j % st->cap];
    pthread_mutex_unlock(&pw->mu);
    size_t got = 0;
    int eof = 0, failed = 0;
    whorl_error e;
    while (got < st->bs) {
      long long n = whorl__src_read(st->src, b + got, st->bs - got, &e);
      if (n < 0) {
        failed = 1;
        break;
      }
      if (n == 0) {
        eof = 1;
        break;
      }
      got += (size_t)n;
    }
    pthread_mutex_lock(&pw->mu);
    st->produced++;
    st->total += got;
    st->pub_off = whorl__src_offset(st->src);
    if (failed) st->failed = 1;
    if (eof) st->eof = 1;
    if (!failed) store_cut(st);
    if (st->failed && !pw->rc) pw->rc = WHORL__RETRY; /* everyone stops: the serial reader says why */
    pthread_cond_broadcast(&pw->cv);
    int end = st->eof || st->failed;
    pthread_mutex_unlock(&pw->mu);
    if (end) return NULL;
  }
}

/* The records from data_start on (data_start: an offset in the
 * decompressed text) on `threads` threads: the source is opened again and
 * decompressed from its start. WHORL__RETRY: read it serially. */
static int read_parallel_stream(prun *p, uint64_t data_start, whorl_table_info *info, int threads, whorl_error *err) {
  size_t nslots = (size_t)threads * 2;
  sstore st;
  memset(&st, 0, sizeof st);
  pwork pw;
  memset(&pw, 0, sizeof pw);
  whorl_error oe;
  int rc = whorl__src_open(p->path, 0, 0, &st.src, &oe);
  if (rc) return WHORL__RETRY;
  st.pw = &pw;
  st.cap = nslots + SSEG_KEEP;
  st.data_start = data_start;
  st.bs = p->sz.sseg;
  st.next_cut = data_start + st.bs - 1;
  st.ring = calloc(st.cap, sizeof *st.ring);
  slot *slots = calloc(nslots, sizeof *slots);
  pw.chunks = calloc(1, sizeof *pw.chunks);
  if (pw.chunks) pw.chunks[0] = calloc(SEG_CHUNK, sizeof **pw.chunks);
  rc = st.ring && slots && pw.chunks && pw.chunks[0] ? 0 : WHORL_ENOMEM;
  if (!rc) pw.nchunks = 1;
  for (size_t i = 0; !rc && i < st.cap; i++)
    if (!(st.ring[i] = malloc(st.bs))) rc = WHORL_ENOMEM;
  if (!rc) {
    pw.chunks[0][0].start = data_start;
    pw.p = p, pw.slots = slots, pw.nslots = nslots, pw.info = info;
    pw.line_base = p->first_line, pw.err = err;
    p->store = &st;
    pthread_mutex_init(&pw.mu, NULL);
    pthread_cond_init(&pw.cv, NULL);
    if (pthread_create(&st.th, NULL, store_main, &st) != 0) {
      rc = WHORL__RETRY;
    } else {
      whorl__parallel(threads, pwork_main, &pw, &pw);
      pthread_mutex_lock(&pw.mu);
      st.stop = 1;
      pthread_cond_broadcast(&pw.cv);
      pthread_mutex_unlock(&pw.mu);
      pthread_join(st.th, NULL);
      rc = pw.rc;
      if (!rc && st.failed) rc = WHORL__RETRY;
    }
    pthread_cond_destroy(&pw.cv);
    pthread_mutex_destroy(&pw.mu);
    p->store = NULL;
  }
  for (size_t i = 0; slots && i < nslots; i++) slot_free(p, &slots[i]);
  free(slots);
  for (size_t i = 0; st.ring && i < st.cap; i++) free(st.ring[i]);
  free(st.ring);
  for (size_t i = 0; i < pw.nchunks; i++) free(pw.chunks[i]);
  free(pw.chunks);
  whorl__src_close(st.src);
  return rc;
}


/* Opens the (maybe compressed) byte source of a text table. */
static int open_src(const char *path, srcctx *sc, whorl_codec *codec, whorl_table_info *info, whorl_error *err) {
  memset(sc, 0, sizeof *sc);
  int rc = whorl__src_open(path, 0, 0, &sc->src, err);
  if (rc) return rc;
  *codec = whorl__src_codec(sc->src);
  snprintf(info->compression, sizeof info->compression, "%s", codec_name(*codec));
  const whorl_text_enc te = whorl__src_text_enc(sc->src);
  snprintf(info->encoding, sizeof info->encoding, "%s", te == WHORL_TEXT_UTF16LE ? "utf-16le" : te == WHORL_TEXT_UTF16BE ? "utf-16be" : "");
  return WHORL_OK;
}

static int read_csv(const char *path, int fd, const struct stat *st, const whorl_table_opts *o,
                    whorl_table_sink *sink, whorl_table_info *info, whorl_error *err) {
  srcctx sc;
  whorl_codec codec;
  int rc = open_src(path, &sc, &codec, info, err);
  if (rc) return rc;
  whorl_csv_opts co = {o->delimiter, 0, o->max_record, path, 0};
  if (!co.delim && o->format && !strcmp(o->format, "tsv")) co.delim = '\t';
  whorl_csv *csv = NULL;
  src_start(&sc, o->threads);
  rc = whorl_csv_new(&co, src_read, &sc, &csv, err);
  if (rc) {
    src_stop(&sc);
    rc = src_error(&sc, rc, err);
    whorl__src_close(sc.src);
    return rc;
  }
  info->delimiter = whorl_csv_delimiter(csv);
  snprintf(info->format, sizeof info->format, "%s", info->delimiter == '\t' ? "tsv" : "csv");
  wb w;
  wb_init(&w, sink, WIN_ROWS);
  whorl_csv_record rec;
  csvrun r = {o, path, info, &w, 0, 0, 0};
  int first = 1;
  const segsz sz = seg_sizes(o);
  int parallel = codec == WHORL_CODEC_NONE && !info->encoding[0] && o->threads > 1 && sink->fork && st &&
                 (uint64_t)st->st_size >= 2 * sz.seg;
  /* compressed or UTF-16: the decompressed text on several threads */
  const int sparallel = !parallel && codec != WHORL_CODEC_GZIP && o->threads > 1 && sink->fork && st &&
                        (uint64_t)st->st_size >= sz.stream_min;
  whorl_csv_block blk;
  memset(&blk, 0, sizeof blk);
  for (;;) {
    if (!first && w.ncols == r.ncols) {
      long nb = whorl_csv_block_next(csv, r.ncols, block_rows(&r), UINT64_MAX, &blk);
      if (nb < 0) {
        rc = whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
        break;
      }
      if (nb > 0) {
        uint64_t before = r.rows;
        rc = csv_block_rows(&r, &blk, err);
        if (rc) break;
        if (o->progress && st && (before >> 16) != (r.rows >> 16))
          o->progress(o->pctx, codec == WHORL_CODEC_NONE && !info->encoding[0] ? blk.offset[blk.rows - 1] : src_offset(&sc), (uint64_t)st->st_size);
        continue;
      }
    }
    if ((rc = whorl_csv_next(csv, &rec, err)) != 1) break;
    rc = 0;
    /* A blank line is no row (as pandas and DuckDB read them). */
    if (rec.nfields == 1 && rec.len[0] == 0 && !rec.quoted[0]) continue;
    if (first) {
      first = 0;
      /* A copy of the first record: reading ahead (header detection) moves
       * the buffer its fields may point into. */
      size_t nf = rec.nfields;
      whorl_buf keep = WHORL_BUF_INIT;
      size_t *lens = malloc((nf ? nf : 1) * sizeof *lens);
      const char **fp = malloc((nf ? nf : 1) * sizeof *fp);
      unsigned char *q = malloc(nf ? nf : 1);
      if (lens && fp && q) {
        for (size_t i = 0; i < nf; i++) {
          lens[i] = keep.len; /* offset for now */
          whorl_buf_put(&keep, rec.field[i], rec.len[i]);
          q[i] = rec.quoted[i];
        }
        for (size_t i = 0; i < nf; i++) {
          fp[i] = keep.data ? keep.data + lens[i] : "";
          lens[i] = rec.len[i];
        }
      }
      whorl_csv_record one = rec;
      one.field = fp;
      one.len = lens;
      one.quoted = q;
      if (!lens || !fp || !q || keep.oom) rc = whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
      int hdr = 0;
      if (!rc) {
        hdr = o->header >= 0 ? o->header : is_header(&one);
        if (o->header < 0 && !hdr) hdr = header_by_lookahead(csv, info->delimiter, &one, err);
      }
      info->header = r.header = hdr;
      if (!rc && hdr && nf > 1 && header_one_short(csv, info->delimiter, nf, err)) {
        /* the row names' column, unnamed: "Unnamed: 0" below, as pandas
         * names an empty header name */
        size_t *l2 = malloc((nf + 1) * sizeof *l2);
        const char **f2 = malloc((nf + 1) * sizeof *f2);
        unsigned char *q2 = malloc(nf + 1);
        if (!l2 || !f2 || !q2) {
          free(l2), free(f2), free(q2);
          rc = whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
        } else {
          l2[0] = 0, f2[0] = "", q2[0] = 0;
          memcpy(l2 + 1, lens, nf * sizeof *lens);
          memcpy(f2 + 1, fp, nf * sizeof *fp);
          memcpy(q2 + 1, q, nf);
          free(lens), free(fp), free(q);
          lens = l2, fp = f2, q = q2;
          nf++;
          one.field = fp, one.len = lens, one.quoted = q, one.nfields = nf;
        }
      }
      char **un = NULL;
      size_t *unl = NULL;
      if (!rc && hdr) {
        long long nren = unique_names(fp, lens, nf, &un, &unl);
        if (nren < 0) rc = whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
        for (size_t i = 0; nren > 0 && i < nf; i++)
          if (lens[i] && unl[i] != lens[i]) { /* (an empty name becomes "Unnamed: i" silently, as in pandas) */
            if (o->strict) {
              rc = whorl__error(err, WHORL_EFORMAT, path, (int64_t)rec.offset, "line %llu: column name %zu repeats an earlier one",
                                (unsigned long long)rec.line, i + 1);
              break;
            }
            warn(info, rec.line, "column name %zu repeats an earlier one: named \"%.*s\"", i + 1,
                 unl[i] > 120 ? 120 : (int)unl[i], un[i]);
          }
      }
      if (!rc) {
        for (size_t i = 0; i < nf && !rc; i++) rc = hdr ? wb_add_column(&w, un[i], unl[i]) : index_name(&w, i);
        if (rc) col_err(err, path, rc);
      }
      r.ncols = nf;
      if (!rc && hdr) {
        for (size_t i = 0; i < nf; i++)
          if (!whorl__utf8_valid(fp[i], lens[i])) {
            info->invalid_utf8++;
            if (o->strict) {
              rc = whorl__error(err, WHORL_EFORMAT, path, info->encoding[0] ? -1 : (int64_t)rec.offset,
                                "line %llu: column name %zu is not valid %s", (unsigned long long)rec.line, i + 1, bad_text(info));
              break;
            }
            warn(info, rec.line, "column name %zu is not valid %s", i + 1, bad_text(info));
          }
      }
      if (!rc && (parallel || sparallel) && !info->nwarnings) { /* a warning about the header: read serially */
        /* The rest on several threads, from the first data record on. */
        prun p = {path, fd, (uint64_t)st->st_size, o, sink, info->delimiter, r.ncols, hdr, NULL, NULL, seg_run, seg_parse,
                  hdr ? whorl_csv_line(csv) : rec.line, NULL, sz};
        p.names = calloc(w.ncols ? w.ncols : 1, sizeof *p.names);
        p.name_len = calloc(w.ncols ? w.ncols : 1, sizeof *p.name_len);
        if (!p.names || !p.name_len) rc = whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
        for (size_t i = 0; i < w.ncols && !rc; i++) {
          char nm[24];
          int nl = hdr ? 0 : snprintf(nm, sizeof nm, "%zu", i);
          const char *src = hdr ? un[i] : nm;
          size_t len = hdr ? unl[i] : (size_t)nl;
          p.names[i] = malloc(len + 1);
          if (!p.names[i]) {
            rc = whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
            break;
          }
          memcpy(p.names[i], src, len);
          p.names[i][len] = 0;
          p.name_len[i] = len;
        }
        uint64_t data_start = hdr ? whorl_csv_tell(csv) : rec.offset;
        if (!rc) {
          if (sparallel) src_stop(&sc); /* read again from the start, by the stream's producer */
          rc = sparallel ? read_parallel_stream(&p, data_start, info, o->threads, err)
                         : read_parallel(&p, data_start, info, o->threads, err);
          if (rc == WHORL_ENOMEM) whorl__error(err, rc, path, -1, "out of memory");
        }
        for (size_t i = 0; p.names && i < w.ncols; i++) free(p.names[i]);
        free(p.names);
        free(p.name_len);
        free_names(un, nf);
        free(unl);
        free(lens);
        free(fp);
        free(q);
        whorl_buf_free(&keep);
        wb_free(&w);
        whorl_csv_free(csv);
        src_stop(&sc);
        whorl__src_close(sc.src);
        return rc;
      }
      if (!rc && !hdr) rc = csv_row(&r, &one, err);
      free_names(un, nf);
      free(unl);
      free(lens);
      free(fp);
      free(q);
      whorl_buf_free(&keep);
      if (rc) break;
      continue;
    }
    rc = csv_row(&r, &rec, err);
    if (rc) break;
    if (o->progress && (r.rows & 65535) == 0 && st)
      o->progress(o->pctx, codec == WHORL_CODEC_NONE && !info->encoding[0] ? rec.offset : src_offset(&sc), (uint64_t)st->st_size);
  }
  info->rows += r.rows;
  src_stop(&sc);
  if (rc < 0) rc = src_error(&sc, rc, err);
  if (rc == 0) {
    rc = wb_flush(&w);
    if (rc) whorl__error(err, rc, path, -1, "out of memory");
  }
  wb_free(&w);
  whorl_csv_block_free(&blk);
  whorl_csv_free(csv);
  whorl__src_close(sc.src);
  return rc;
}

/* ---- JSON Lines ------------------------------------------------------------ */

static whorl_ltype ltype_of_json(const whorl_json *v) {
  switch (whorl_json_typeof(v)) {
  case WHORL_JSON_NULL: return WHORL_T_NULL;
  case WHORL_JSON_BOOL: return WHORL_T_BOOL;
  case WHORL_JSON_NUMBER: {
    const char *lit = whorl__json_number_literal(v); /* typed as the same CSV text */
    if (lit) return whorl__ltype_of_text(lit, strlen(lit), 0);
    return whorl_json_is_int(v) ? WHORL_T_INT : WHORL_T_FLOAT;
  }
  case WHORL_JSON_STRING: {
    size_t n = 0;
    const char *s = whorl_json_get_string(v, &n);
    return whorl__ltype_of_text(s, n, 1);
  }
  default: return WHORL_T_JSON;
  }
}

typedef struct keymap {
  char **name;
  size_t *len;
  size_t n, cap;
  size_t *slot; /* open addressing: index+1, 0 empty */
  size_t nslots;
} keymap;

static size_t key_hash(const char *s, size_t n) {
  size_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
  return h;
}

static long long keymap_find(const keymap *m, const char *s, size_t n) {
  if (!m->nslots) return -1;
  for (size_t i = key_hash(s, n) & (m->nslots - 1);; i = (i + 1) & (m->nslots - 1)) {
    size_t v = m->slot[i];
    if (!v) return -1;
    if (m->len[v - 1] == n && memcmp(m->name[v - 1], s, n) == 0) return (long long)(v - 1);
  }
}

static int keymap_add(keymap *m, const char *s, size_t n) {
  if (m->n == m->cap) {
    size_t c = m->cap ? m->cap * 2 : 16;
    char **nm = realloc(m->name, c * sizeof *nm);
    if (nm) m->name = nm;
    size_t *ln = realloc(m->len, c * sizeof *ln);
    if (ln) m->len = ln;
    if (!nm || !ln) return WHORL_ENOMEM;
    m->cap = c;
  }
  if ((m->n + 1) * 2 > m->nslots) {
    size_t ns = m->nslots ? m->nslots * 2 : 32;
    size_t *sl = calloc(ns, sizeof *sl);
    if (!sl) return WHORL_ENOMEM;
    free(m->slot);
    m->slot = sl;
    m->nslots = ns;
    for (size_t k = 0; k < m->n; k++) {
      size_t i = key_hash(m->name[k], m->len[k]) & (ns - 1);
      while (sl[i]) i = (i + 1) & (ns - 1);
      sl[i] = k + 1;
    }
  }
  char *copy = malloc(n + 1);
  if (!copy) return WHORL_ENOMEM;
  memcpy(copy, s, n);
  copy[n] = 0;
  m->name[m->n] = copy;
  m->len[m->n] = n;
  size_t i = key_hash(s, n) & (m->nslots - 1);
  while (m->slot[i]) i = (i + 1) & (m->nslots - 1);
  m->slot[i] = ++m->n;
  return WHORL_OK;
}

static void keymap_free(keymap *m) {
  for (size_t i = 0; i < m->n; i++) free(m->name[i]);
  free(m->name);
  free(m->len);
  free(m->slot);
}

/* One JSON Lines object as a row: shared by the serial reader and the
 * parallel workers (fixed: a key not seen before is WHORL__RETRY there). */
typedef struct jrow {
  wb *w;
  keymap km;
  unsigned char *seen;
  size_t seen_cap, *kidx, ki_cap;
  int fixed;
  uint64_t present, rows; /* cells given, rows read: how sparse the table is */
} jrow;

static void jrow_free(jrow *j) {
  free(j->seen);
  free(j->kidx);
  keymap_free(&j->km);
  memset(j, 0, sizeof *j);
}

/* One line into the columns: a parsed object (obj), or a flat line (f,
 * whorl__jsonl_flat) whose values are read as CSV text is, a string's as
 * a quoted field (the same canonical bytes and types whorl__value_json
 * gives the parsed line). A flat line with a repeated key returns 1 before
 * any cell is written: it must be parsed after all (the parser's error). */
static int jsonl_row(jrow *j, const whorl_json *obj, const whorl_jflat *f, const char *path, whorl_error *err) {
  wb *w = j->w;
  int rc = 0;
  const size_t nk = obj ? whorl_json_size(obj) : f->n;
  /* Column of each key: most lines repeat the previous line's keys in the
   * same order, so try that first (no hashing). */
  if (j->ki_cap < nk) {
    size_t *k2 = realloc(j->kidx, nk * 2 * sizeof *k2);
    if (!k2) return whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
    for (size_t k = j->ki_cap; k < nk * 2; k++) k2[k] = SIZE_MAX;
    j->kidx = k2;
    j->ki_cap = nk * 2;
  }
  for (size_t k = 0; k < nk && !rc; k++) {
    size_t kl = 0;
    const char *key = obj ? whorl_json_object_key(obj, k, &kl) : f->m[k].k;
    if (!obj) kl = f->m[k].kl;
    size_t ci = j->kidx[k];
    if (ci < j->km.n && j->km.len[ci] == kl && memcmp(j->km.name[ci], key, kl) == 0) continue;
    long long fi = keymap_find(&j->km, key, kl);
    if (fi < 0) {
      if (j->fixed) return WHORL__RETRY;
      rc = keymap_add(&j->km, key, kl);
      if (!rc) rc = wb_add_column(w, key, kl);
      fi = (long long)j->km.n - 1;
    }
    j->kidx[k] = (size_t)fi;
  }
  if (rc) return col_err(err, path, rc);
  if (j->seen_cap < w->ncols) {
    unsigned char *s2 = realloc(j->seen, w->ncols * 2);
    if (!s2) return whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
    j->seen = s2;
    j->seen_cap = w->ncols * 2;
  }
  if (w->ncols) memset(j->seen, 0, w->ncols);
  if (f)
    for (size_t k = 0; k < nk; k++) {
      if (j->seen[j->kidx[k]]) return 1;
      j->seen[j->kidx[k]] = 1;
    }
  /* Every row holds a cell for every column: a file whose lines each bring
   * new keys would make work (and the column streams) grow as rows x keys
   * from a small input. Refuse tables that are more than 99.9% absent. */
  j->present += nk;
  j->rows++;
  if (w->ncols > 64 && (double)j->rows * (double)w->ncols > 1000.0 * (double)j->present + 1e8)
    return whorl__error(err, WHORL_EUNSUPPORTED, path, -1,
                        "%zu keys over %llu lines, nearly all absent: too sparse to read as one table",
                        w->ncols, (unsigned long long)j->rows);
  for (size_t k = 0; k < nk; k++) {
    wcol *c = &w->col[j->kidx[k]];
    if (f) {
      text_cell(c, f->m[k].v, f->m[k].vl, f->m[k].kind == 's', 0);
      continue;
    }
    if (j->seen[j->kidx[k]]) continue; /* a repeated key: the first one counts */
    j->seen[j->kidx[k]] = 1;
    const whorl_json *v = whorl_json_object_value(obj, k);
    size_t pos = cell_open(c);
    whorl_ltype t = ltype_of_json(v);
    whorl__value_json(v, &c->enc);
    cell_close(c, pos, t);
  }
  if (nk < w->ncols || !f)
    for (size_t ci = 0; ci < w->ncols; ci++)
      if (!j->seen[ci]) {
        wcol *c = &w->col[ci];
        size_t pos = cell_open(c);
        whorl__value_null(&c->enc);
        cell_close(c, pos, WHORL_T_NULL);
      }
  w->rows++;
  w->bytes += 8 * w->ncols;
  if (w->rows >= w->win_rows || w->bytes > WIN_BYTES) {
    rc = wb_flush(w);
    if (rc) return whorl__error(err, rc, path, -1, "out of memory");
  }
  return WHORL_OK;
}

/* The next line of jr into j: flat when it can be, else parsed. 1 for a
 * row, 0 at the end, or a negative status (or WHORL__RETRY). *obj is the
 * parsed line (NULL for a flat one): the first line's keys name the
 * columns of a parallel read. */
static int jsonl_next_row(whorl_jsonl *jr, jrow *j, whorl_jflat *flat, const whorl_json **obj, const char *path,
                          whorl_error *err) {
  uint64_t line;
  int rc = whorl_jsonl_next_flat(jr, obj, flat, &line, err);
  if (rc != 1) return rc;
  if (!*obj) {
    rc = jsonl_row(j, NULL, flat, path, err);
    if (rc != 1) return rc ? rc : 1;
    if ((rc = whorl_jsonl_reparse(jr, obj, err))) return rc;
  }
  rc = jsonl_row(j, *obj, NULL, path, err);
  return rc ? rc : 1;
}

/* A segment of a plain JSON Lines file: its lines are exactly its own (a
 * line feed cannot be inside a JSON value), so no guess is involved. */
static void jseg_run(prun *p, seg *g) {
  whorl_error err;
  slot *sl = g->sl;
  g->rc = 0;
  g->rows = 0;
  g->end = g->stop;
  if (slot_ready(p, sl)) {
    g->rc = WHORL__RETRY;
    return;
  }
  if (g->start >= g->stop) return;
  fdsrc fs = {p->fd, g->start, g->stop, p->store, g->stop + 1};
  whorl_jsonl *jr = NULL;
  if (whorl_jsonl_new(fd_read, &fs, p->path, p->o->max_record, &jr, &err)) {
    g->rc = WHORL__RETRY;
    return;
  }
  if (g->start > 0) whorl_jsonl_set_midfile(jr);
  jrow j;
  memset(&j, 0, sizeof j);
  j.w = &sl->w;
  j.fixed = 1;
  int rc = 0;
  for (size_t i = 0; i < p->ncols && !rc; i++) rc = keymap_add(&j.km, p->names[i], p->name_len[i]);
  const whorl_json *obj;
  whorl_jflat flat = {0};
  while (!rc && (rc = jsonl_next_row(jr, &j, &flat, &obj, p->path, &err)) == 1) {
    g->rows++;
    rc = 0;
  }
  whorl__jflat_free(&flat);
  if (!rc) rc = wb_flush(&sl->w);
  if (rc) {
    wb_free(&sl->w);
    sl->have_wb = 0;
  }
  g->rc = rc ? WHORL__RETRY : 0;
  jrow_free(&j);
  whorl_jsonl_free(jr);
}


static int read_jsonl(const char *path, int fd, const struct stat *st, const whorl_table_opts *o,
                      whorl_table_sink *sink, whorl_table_info *info, whorl_error *err) {
  srcctx sc;
  whorl_codec codec;
  int rc = open_src(path, &sc, &codec, info, err);
  if (rc) return rc;
  int array = o->format && !strcmp(o->format, "json");
  snprintf(info->format, sizeof info->format, "%s", array ? "json" : "jsonl");
  whorl_jsonl *jr = NULL;
  src_start(&sc, o->threads);
  rc = whorl_jsonl_new(src_read, &sc, path, o->max_record, &jr, err);
  if (!rc && array) whorl_jsonl_set_array(jr);
  if (rc) {
    src_stop(&sc);
    rc = src_error(&sc, rc, err);
    whorl__src_close(sc.src);
    return rc;
  }
  wb w;
  wb_init(&w, sink, WIN_ROWS);
  jrow j;
  memset(&j, 0, sizeof j);
  j.w = &w;
  const segsz sz = seg_sizes(o);
  int parallel = !array && codec == WHORL_CODEC_NONE && !info->encoding[0] && o->threads > 1 && sink->fork && st &&
                 (uint64_t)st->st_size >= 2 * sz.seg;
  const int sparallel = !array && !parallel && codec != WHORL_CODEC_GZIP && o->threads > 1 && sink->fork && st &&
                        (uint64_t)st->st_size >= sz.stream_min;
  const whorl_json *obj;
  uint64_t line;
  int first = 1;
  whorl_jflat flat = {0};
  while ((rc = first ? whorl_jsonl_next(jr, &obj, &line, err) : jsonl_next_row(jr, &j, &flat, &obj, path, err)) == 1) {
    if (first && (parallel || sparallel)) {
      /* The first object's keys are the columns; the whole file is then
       * read on several threads (a new key later: all again, serially). */
      size_t nk = whorl_json_size(obj);
      prun p = {path, fd, (uint64_t)st->st_size, o, sink, 0, 0, 0, NULL, NULL, jseg_run, NULL, 1, NULL, sz};
      p.names = calloc(nk ? nk : 1, sizeof *p.names);
      p.name_len = calloc(nk ? nk : 1, sizeof *p.name_len);
      rc = p.names && p.name_len ? 0 : WHORL_ENOMEM;
      for (size_t k = 0; k < nk && !rc; k++) {
        size_t kl = 0;
        const char *key = whorl_json_object_key(obj, k, &kl);
        if (keymap_find(&j.km, key, kl) >= 0) continue; /* repeated key */
        rc = keymap_add(&j.km, key, kl);
        if (!rc) rc = wb_add_column(&w, key, kl);
        if (!rc) {
          p.names[p.ncols] = j.km.name[j.km.n - 1];
          p.name_len[p.ncols] = kl;
          p.ncols++;
        }
      }
      if (rc) col_err(err, path, rc);
      else {
        if (sparallel) src_stop(&sc); /* read again from the start, by the stream's producer */
        rc = sparallel ? read_parallel_stream(&p, 0, info, o->threads, err) : read_parallel(&p, 0, info, o->threads, err);
        if (rc == WHORL_ENOMEM) whorl__error(err, rc, path, -1, "out of memory");
      }
      free(p.names);
      free(p.name_len);
      whorl__jflat_free(&flat);
      jrow_free(&j);
      wb_free(&w);
      whorl_jsonl_free(jr);
      src_stop(&sc);
      whorl__src_close(sc.src);
      return rc;
    }
    if (first) {
      first = 0;
      rc = jsonl_row(&j, obj, NULL, path, err);
      if (rc) break;
    }
    info->rows++;
    if (o->progress && (info->rows & 65535) == 0 && st) o->progress(o->pctx, src_offset(&sc), (uint64_t)st->st_size);
  }
  src_stop(&sc);
  if (rc < 0) rc = src_error(&sc, rc, err);
  if (rc == 0) {
    rc = wb_flush(&w);
    if (rc) whorl__error(err, rc, path, -1, "out of memory");
  }
  whorl__jflat_free(&flat);
  jrow_free(&j);
  wb_free(&w);
  whorl_jsonl_free(jr);
  whorl__src_close(sc.src);
  return rc;
}

/* ---- Parquet ----------------------------------------------------------------- */

/* The canonical cells of a dictionary's entries, made at their first use
 * and copied after (most Parquet writers dictionary-encode most columns):
 * one per column, whichever lane reads it. */
typedef struct pqcache {
  uint64_t gen;  /* the dictionary (pq_value.dict_gen); 0: none yet */
  size_t n;
  uint32_t *off; /* where entry i's cell starts in bytes */
  uint8_t *len;  /* its length (1..127); 0: not made yet */
  whorl_buf bytes;
} pqcache;

static void pqcache_free(pqcache *c) {
  free(c->off);
  free(c->len);
  whorl_buf_free(&c->bytes);
  memset(c, 0, sizeof *c);
}

static int pqcache_reset(pqcache *c, uint64_t gen, size_t n) {
  if (n > c->n || !c->len) {
    uint32_t *o = realloc(c->off, (n ? n : 1) * sizeof *o);
    if (o) c->off = o;
    uint8_t *l = realloc(c->len, n ? n : 1);
    if (l) c->len = l;
    if (!o || !l) return WHORL_ENOMEM;
  }
  c->n = n;
  memset(c->len, 0, n);
  c->bytes.len = 0;
  c->gen = gen;
  return WHORL_OK;
}

typedef struct pqctx {
  whorl_table_sink *sink;
  const pq_schema *s;
  whorl_ltype decl;  /* the column's declared logical type */
  size_t col, row;   /* next row of the window */
  whorl_buf enc;
  uint8_t *type;
  size_t n;
  int rc;
  int undecided;     /* a value whose mapping is not decided */
  unsigned lane;     /* the sink lane this context's thread uses */
  int fast;          /* PQF_*: the column's values take a direct path (the same bytes as whorl__value_parquet) */
  pqcache *cache;    /* the column's dictionary cells (NULL: none) */
  /* lanes' contexts lie side by side and are written at every value: kept
   * on cache lines of their own (sharing one made two threads slower
   * than one) */
  char pad[128];
} pqctx;

static whorl_ltype pq_ltype(const pq_schema *s) {
  int conv = s->converted_type, lt = s->logical;
  switch (s->type) {
  case PQ_BOOLEAN: return WHORL_T_BOOL;
  case PQ_INT32:
  case PQ_INT64:
    if (conv == 6 || lt == 6) return WHORL_T_DATE;
    if (conv == 5 || lt == 5) return s->scale > 0 ? WHORL_T_FLOAT : WHORL_T_INT;
    if (conv == 9 || conv == 10 || lt == 8) return WHORL_T_TIMESTAMP;
    if (conv == 7 || conv == 8 || lt == 7) return WHORL_T_STRING; /* time of day, as text */
    return WHORL_T_INT;
  case PQ_FLOAT:
  case PQ_DOUBLE: return WHORL_T_FLOAT;
  case PQ_INT96: return WHORL_T_TIMESTAMP;
  default:
    if (conv == 5 || lt == 5) return s->scale > 0 ? WHORL_T_FLOAT : WHORL_T_INT;
    if (conv == 19 || lt == 12) return WHORL_T_JSON;
    if (lt == 15) return WHORL_T_FLOAT; /* FLOAT16 */
    return WHORL_T_STRING;
  }
}

static int pq_count(void *ctx, const pq_value *v) {
  (void)ctx;
  (void)v;
  return 0;
}

static int pq_flush(pqctx *p) { return emit_batch(p->sink, p->col, &p->row, &p->enc, p->type, &p->n, p->lane); }

enum { PQF_NONE, PQF_INT, PQF_UINT32, PQF_UINT64, PQF_DOUBLE, PQF_TEXT };

/* Columns whose non-null values whorl__value_parquet prints as plain
 * integers, doubles or text: written directly (one room check, no
 * dispatch on the column's annotations per value). */
static int pq_fast_kind(const pq_schema *s) {
  const int conv = s->converted_type, lt = s->logical;
  if (s->type == PQ_FLOAT || s->type == PQ_DOUBLE) return PQF_DOUBLE;
  /* text: whorl__value_text of the bytes as a quoted field, which
   * whorl__cell_fast gives where it answers (decimals are not text) */
  if (s->type == PQ_BYTE_ARRAY) return conv == 5 || lt == 5 ? PQF_NONE : PQF_TEXT;
  if (s->type != PQ_INT32 && s->type != PQ_INT64) return PQF_NONE;
  if (conv == 6 || lt == 6 || conv == 5 || lt == 5 || lt == 8 || conv == 9 || conv == 10 || lt == 7 || conv == 7 ||
      conv == 8)
    return PQF_NONE; /* dates, decimals, timestamps, times of day */
  if (conv >= 11 && conv <= 14) return s->type == PQ_INT32 ? PQF_UINT32 : PQF_UINT64;
  return PQF_INT;
}

/* Appends v's cell (its length byte, then its canonical bytes) and type
 * to the column's batch: 0, or 1 to stop (p->rc or p->undecided set). */
static int pq_append(pqctx *p, const pq_value *v) {
  if (p->fast && !v->is_null && (p->fast != PQF_TEXT || v->len <= 100)) {
    whorl_buf *e = &p->enc;
    const size_t room = (p->fast == PQF_TEXT ? v->len : 0) + WHORL__CELL_ROOM + 2;
    if (e->len + room > e->cap && whorl_buf_grow(e, room)) {
      p->rc = WHORL_ENOMEM;
      return 1;
    }
    char *o = e->data + e->len;
    size_t n;
    whorl_ltype t;
    switch (p->fast) {
    case PQF_INT: n = whorl__canon_int(v->i < 0 ? (uint64_t)(-(v->i + 1)) + 1 : (uint64_t)v->i, v->i < 0, o + 1); break;
    case PQF_UINT32: n = whorl__canon_int((uint32_t)v->i, 0, o + 1); break;
    case PQF_UINT64: n = whorl__canon_int((uint64_t)v->i, 0, o + 1); break;
    case PQF_TEXT: n = whorl__cell_fast((const char *)v->bytes, v->len, 1, o + 1, &t); break;
    default: n = whorl__canon_double(v->d, o + 1); break;
    }
    if (n && n < 128) {
      o[0] = (char)n;
      e->len += n + 1;
      p->type[p->n++] = (uint8_t)p->decl;
      return 0;
    }
    /* text the fast path leaves to whorl__value_text */
  }
  size_t pos = p->enc.len;
  whorl_buf_putc(&p->enc, 0);
  int k = whorl__value_parquet(p->s, v, &p->enc);
  if (k < 0) {
    p->undecided = 1;
    return 1;
  }
  size_t len = p->enc.len - pos - 1;
  if (len < 128) p->enc.data[pos] = (char)len;
  else {
    /* rare: re-encode the length */
    char *tmp = malloc(len);
    if (!tmp) {
      p->rc = WHORL_ENOMEM;
      return 1;
    }
    memcpy(tmp, p->enc.data + pos + 1, len);
    p->enc.len = pos;
    whorl__cell_put(&p->enc, tmp, len);
    free(tmp);
  }
  p->type[p->n++] = (uint8_t)(v->is_null ? WHORL_T_NULL : p->decl);
  return 0;
}

static int pq_cell(void *ctx, const pq_value *v) {
  pqctx *p = ctx;
  pqcache *cc = p->cache;
  if (cc && v->dict_gen && !v->is_null) {
    /* a dictionary entry: its cell made once per dictionary */
    if (cc->gen != v->dict_gen && pqcache_reset(cc, v->dict_gen, v->dict_n)) {
      p->rc = WHORL_ENOMEM;
      return 1;
    }
    const uint32_t x = v->dict_idx;
    if (x < cc->n) {
      const size_t len = cc->len[x];
      whorl_buf *e = &p->enc;
      if (len) {
        if (e->len + len + 18 > e->cap && whorl_buf_grow(e, len + 18)) {
          p->rc = WHORL_ENOMEM;
          return 1;
        }
        char *o = e->data + e->len;
        const char *from = cc->bytes.data + cc->off[x];
        o[0] = (char)len;
        if (len <= 16) memcpy(o + 1, from, 16); /* one fixed-size copy (both sides have 16 bytes of room) */
        else memcpy(o + 1, from, len);
        e->len += len + 1;
        p->type[p->n++] = (uint8_t)p->decl;
      } else {
        const size_t at = e->len;
        if (pq_append(p, v)) return 1;
        const size_t made = e->len - at - 1;
        if (made >= 1 && made < 128 && cc->bytes.len + made <= UINT32_MAX) {
          cc->off[x] = (uint32_t)cc->bytes.len;
          whorl_buf_put(&cc->bytes, e->data + at + 1, made);
          if (whorl_buf_grow(&cc->bytes, 16)) cc->bytes.oom = 1; /* 16 readable bytes from any cell */
          if (!cc->bytes.oom) cc->len[x] = (uint8_t)made;
        }
      }
      goto added;
    }
  }
  if (pq_append(p, v)) return 1;
added:
  if (p->n == PQ_BATCH || p->enc.len > WIN_BYTES) {
    p->rc = pq_flush(p);
    if (p->rc) return 1;
  }
  return 0;
}

/* One window of a row group, its columns shared out among lanes. */
typedef struct pqcol {
  int rc;
  whorl_error err;
  uint64_t cost; /* the time it took in the last window (ns; an estimate at first) */
  pqcache cache; /* its dictionary's cells */
} pqcol;

typedef struct pqwin {
  int fd;
  uint64_t size;
  const char *path;
  const pq_meta *m;
  const pq_schema **leaf;
  pqcol *cols;  /* per column: its result */
  pqctx *ctxs;  /* per lane */
  size_t g, nleaf, k;
  pq_colreader **rd; /* columns read in step (NULL: whole chunks) */
  uint64_t done;     /* rows of the row group before the window */
  pthread_mutex_t mu;
  size_t next;       /* the next column to take, in `order` */
  size_t *order;     /* columns, costliest first (the lanes end together) */
  /* the helper lanes' threads, kept for the whole file: a window starts
   * when gen changes, and each helper counts itself out in busy */
  pthread_cond_t go, idle;
  uint64_t gen;
  unsigned busy;
  int quit;
} pqwin;

typedef struct pqlane {
  pqwin *w;
  unsigned lane;
} pqlane;

/* Reads column c of the window into the sink through context p. */
static int pq_window_column(pqwin *w, pqctx *p, size_t c, whorl_error *err) {
  const pq_schema *leaf = w->leaf[c];
  p->s = leaf;
  p->decl = pq_ltype(leaf);
  p->fast = pq_fast_kind(leaf);
  p->cache = &w->cols[c].cache;
  p->col = c;
  p->row = 0;
  p->n = 0;
  p->enc.len = 0;
  p->rc = 0;
  p->undecided = 0;
  int rc = 0;
  if (w->rd) {
    long long n = whorl__pq_col_pull(w->rd[c], w->k, pq_cell, p, err);
    if (n < 0) rc = (int)n;
  } else {
    rc = whorl__parquet_read_column(w->fd, w->size, w->path, w->m, w->g, c, pq_cell, p, err);
  }
  if (!rc && p->undecided) {
    /* the Parquet type by its own name */
    static const char *const phys[] = {"BOOLEAN", "INT32", "INT64", "INT96", "FLOAT", "DOUBLE", "BYTE_ARRAY",
                                       "FIXED_LEN_BYTE_ARRAY"};
    char ty[96];
    snprintf(ty, sizeof ty, "%s%s%s", leaf->type >= 0 && leaf->type < 8 ? phys[leaf->type] : "unknown",
             leaf->converted_type == 21 ? " INTERVAL" : leaf->logical == 15 ? " FLOAT16" : "",
             leaf->converted_type < 0 && leaf->logical < 0 ? " without a logical type" : "");
    rc = whorl__error(err, WHORL_EUNSUPPORTED, w->path, -1, "column \"%s\": values of this Parquet type (%s) are not supported yet",
                      leaf->name, ty);
  }
  if (!rc && p->rc == WHORL_ENOMEM) rc = whorl__error(err, p->rc, w->path, -1, "out of memory");
  else if (!rc && p->rc)
    rc = whorl__error(err, WHORL_EFORMAT, w->path, -1, "row group %zu, column \"%s\": more values than the row group's %llu rows",
                      w->g, leaf->name, (unsigned long long)w->m->row_groups[w->g].num_rows);
  if (!rc) rc = pq_flush(p);
  if (!rc && p->row != w->k)
    rc = whorl__error(err, WHORL_EFORMAT, w->path, -1, "row group %zu, column \"%s\": %llu values for %llu rows", w->g,
                      leaf->name, (unsigned long long)(w->done + p->row), (unsigned long long)(w->done + w->k));
  return rc;
}

/* A lane's thread: takes columns until none is left (or one failed). */
static void *pq_lane_main(void *arg) {
  pqlane *ln = arg;
  pqwin *w = ln->w;
  for (;;) {
    pthread_mutex_lock(&w->mu);
    size_t c = w->next < w->nleaf ? w->order[w->next++] : w->nleaf;
    pthread_mutex_unlock(&w->mu);
    if (c >= w->nleaf) break;
    const uint64_t t0 = whorl__now_ns();
    w->cols[c].rc = pq_window_column(w, &w->ctxs[ln->lane], c, &w->cols[c].err);
    w->cols[c].cost = whorl__now_ns() - t0;
  }
  return NULL;
}

/* A helper lane's thread: one window per generation, until quit. */
static void *pq_helper_main(void *arg) {
  pqlane *ln = arg;
  pqwin *w = ln->w;
  uint64_t seen = 0;
  for (;;) {
    pthread_mutex_lock(&w->mu);
    while (w->gen == seen && !w->quit) pthread_cond_wait(&w->go, &w->mu);
    if (w->quit) {
      pthread_mutex_unlock(&w->mu);
      return NULL;
    }
    seen = w->gen;
    pthread_mutex_unlock(&w->mu);
    pq_lane_main(ln);
    pthread_mutex_lock(&w->mu);
    if (--w->busy == 0) pthread_cond_signal(&w->idle);
    pthread_mutex_unlock(&w->mu);
  }
}

/* The columns by cost, costliest first (ties: schema order). */
static int by_cost(const void *a, const void *b, void *ctx) {
  const pqcol *cost_of = ctx;
  const size_t x = *(const size_t *)a, y = *(const size_t *)b;
  const uint64_t cx = cost_of[x].cost, cy = cost_of[y].cost;
  return cx != cy ? (cx < cy ? 1 : -1) : (x > y) - (x < y);
}

static int read_parquet(const char *path, int fd, const struct stat *st, const whorl_table_opts *o,
                        whorl_table_sink *sink, whorl_table_info *info, whorl_error *err) {
  snprintf(info->format, sizeof info->format, "parquet");
  snprintf(info->compression, sizeof info->compression, "none");
  pq_meta m;
  int rc = whorl__parquet_meta_read(fd, (uint64_t)st->st_size, path, &m, err);
  if (rc) return rc;
  /* Leaves, in schema order; nested schemas are refused by the column reader. */
  const pq_schema **leaf = calloc(m.nschema ? m.nschema : 1, sizeof *leaf);
  size_t nleaf = 0;
  if (!leaf) {
    whorl__parquet_meta_free(&m);
    return whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
  }
  for (size_t i = 1; i < m.nschema; i++) {
    if (m.schema[i].num_children > 0 || m.schema[i].type < 0) {
      rc = whorl__error(err, WHORL_EUNSUPPORTED, path, -1,
                        "nested Parquet column \"%s\" (groups, lists, maps): not supported yet", m.schema[i].name);
      break;
    }
    if (nleaf >= MAX_COLUMNS) {
      rc = col_err(err, path, WHORL_EUNSUPPORTED);
      break;
    }
    leaf[nleaf++] = &m.schema[i];
  }
  for (size_t i = 0; i < nleaf && !rc; i++) rc = sink->column(sink->ctx, leaf[i]->name, strlen(leaf[i]->name));
  /* Columns are independent: with several threads and a sink that takes
   * batches of different columns at once (lanes), each window's columns
   * are shared out among the threads (each with its own context and lane);
   * the first failing column in schema order is the one reported. */
  unsigned nlanes = 1;
  if (o->threads > 1 && sink->lanes > 1 && nleaf > 1) {
    nlanes = (unsigned)o->threads;
    if (nlanes > sink->lanes) nlanes = sink->lanes;
    if (nlanes > nleaf) nlanes = (unsigned)nleaf;
  }
  pqctx *ctxs = calloc(nlanes, sizeof *ctxs);
  pqcol *cols = calloc(nleaf ? nleaf : 1, sizeof *cols);
  size_t *order = calloc(nleaf ? nleaf : 1, sizeof *order);
  if (!rc && (!ctxs || !cols || !order)) rc = whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
  for (size_t c = 0; !rc && c < nleaf; c++) {
    /* before the first window's times: a guess from the first row group */
    const pq_column *pc = m.nrow_groups && c < m.row_groups[0].ncolumns ? &m.row_groups[0].columns[c] : NULL;
    int t = leaf[c]->type;
    cols[c].cost = pc ? (uint64_t)(pc->total_uncompressed_size > 0 ? pc->total_uncompressed_size : 0) +
                            (uint64_t)(pc->num_values > 0 ? pc->num_values : 0) *
                                (t == PQ_DOUBLE || t == PQ_FLOAT || t == PQ_INT96 ? 16u : 4u)
                      : 0;
    order[c] = c;
  }
  for (unsigned l = 0; l < nlanes && !rc; l++) {
    ctxs[l].sink = sink;
    ctxs[l].lane = l;
    if (!(ctxs[l].type = malloc(PQ_BATCH))) rc = whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
  }
  pqwin pw = {fd, (uint64_t)st->st_size, path, &m, leaf, cols, ctxs, 0, nleaf, 0, NULL, 0, PTHREAD_MUTEX_INITIALIZER, 0, order,
              PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0};
  pqlane lanes[WHORL_SINK_LANES];
  pthread_t tids[WHORL_SINK_LANES];
  unsigned nhelpers = 0; /* threads that started (fewer lanes if some could not) */
  for (unsigned l = 0; l < nlanes; l++) lanes[l] = (pqlane){&pw, l};
  /* helper i takes lane i + 1; a thread that cannot start leaves its lane
   * (and the ones after it) unused: lane 0 and the started ones do all */
  for (unsigned l = 1; !rc && l < nlanes; l++)
    if (pthread_create(&tids[nhelpers], NULL, pq_helper_main, &lanes[nhelpers + 1]) == 0) nhelpers++;
  for (size_t g = 0; g < m.nrow_groups && !rc; g++) {
    const pq_row_group *rg = &m.row_groups[g];
    if (rg->ncolumns != nleaf) {
      rc = whorl__error(err, WHORL_EFORMAT, path, -1, "row group %zu has %zu columns, the schema %zu", g, rg->ncolumns,
                        nleaf);
      break;
    }
    if (rg->num_rows < 0 || (uint64_t)rg->num_rows > (uint64_t)st->st_size * 8 + 8) {
      rc = whorl__error(err, WHORL_EFORMAT, path, -1, "row group %zu claims %lld rows", g, (long long)rg->num_rows);
      break;
    }
    /* A row group up to PQ_WHOLE rows is one window, read a column at a
     * time (one page in memory); a bigger one is read in windows of
     * PQ_STEP rows, all columns in step (a page per column in memory), so
     * memory never grows with the row count. */
    uint64_t nrows = (uint64_t)rg->num_rows;
    uint64_t whole = o->pq_whole_rows ? o->pq_whole_rows : PQ_WHOLE;
    /* a caller that keeps each window's cells (the profile's sample) gets
     * windows of about 2^20 cells on wide tables: a window's cells stay
     * near 10 MB whatever the width (the result does not depend on it) */
    if (o->pq_whole_rows && nleaf && whole > 4096 && whole > ((uint64_t)1 << 20) / nleaf)
      whole = ((uint64_t)1 << 20) / nleaf > 4096 ? ((uint64_t)1 << 20) / nleaf : 4096;
    size_t step = nrows <= whole ? (size_t)nrows : (whole < PQ_STEP ? (size_t)whole : PQ_STEP);
    pq_colreader **rd = NULL;
    uint64_t pages_held = 0;
    if (nrows > whole) {
      rd = calloc(nleaf ? nleaf : 1, sizeof *rd);
      if (!rd) rc = whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
      for (size_t c = 0; c < nleaf && !rc; c++) {
        rc = whorl__pq_col_open(fd, path, &m, g, c, &rd[c], err);
        if (!rc) whorl__pq_col_budget(rd[c], &pages_held, PQ_PAGE_BUDGET, nlanes > 1 ? WHORL__RETRY : 0);
      }
    }
    pw.g = g;
    pw.rd = rd;
    for (uint64_t done = 0; !rc && (done < nrows || nrows == 0);) {
      size_t k = nrows - done < step ? (size_t)(nrows - done) : step;
      rc = sink->begin(sink->ctx, k);
      if (!rc) {
        pw.k = k;
        pw.done = done;
        pw.next = 0;
        for (size_t c = 0; c < nleaf; c++) cols[c].rc = 0;
        if (nhelpers) {
          qsort_r(order, nleaf, sizeof *order, by_cost, cols);
          pthread_mutex_lock(&pw.mu);
          pw.busy = nhelpers;
          pw.gen++;
          pthread_cond_broadcast(&pw.go);
          pthread_mutex_unlock(&pw.mu);
          pq_lane_main(&lanes[0]);
          pthread_mutex_lock(&pw.mu);
          while (pw.busy) pthread_cond_wait(&pw.idle, &pw.mu);
          pthread_mutex_unlock(&pw.mu);
        } else {
          pqlane one = {&pw, 0};
          pq_lane_main(&one);
        }
        for (size_t c = 0; c < nleaf && !rc; c++)
          if (cols[c].rc) {
            rc = cols[c].rc;
            *err = cols[c].err;
          }
      }
      if (!rc) rc = sink->end(sink->ctx);
      done += k;
      if (!rc && o->progress && m.nrow_groups)
        o->progress(o->pctx, (uint64_t)((double)st->st_size * ((double)g + (nrows ? (double)done / (double)nrows : 1.0)) / (double)m.nrow_groups),
                    (uint64_t)st->st_size);
      if (nrows == 0) break;
    }
    /* Read in step, a column must end with its row group. */
    for (size_t c = 0; rd && c < nleaf && !rc; c++) {
      long long extra = whorl__pq_col_pull(rd[c], 1, pq_count, NULL, err);
      if (extra < 0) rc = (int)extra;
      else if (extra > 0)
        rc = whorl__error(err, WHORL_EFORMAT, path, -1, "row group %zu, column \"%s\": more values than the row group's %llu rows",
                          g, leaf[c]->name, (unsigned long long)nrows);
    }
    for (size_t c = 0; rd && c < nleaf; c++) whorl__pq_col_close(rd[c]);
    free(rd);
    if (!rc) info->rows += nrows;
  }
  if (nhelpers) {
    pthread_mutex_lock(&pw.mu);
    pw.quit = 1;
    pthread_cond_broadcast(&pw.go);
    pthread_mutex_unlock(&pw.mu);
    for (unsigned l = 0; l < nhelpers; l++) pthread_join(tids[l], NULL);
  }
  pthread_cond_destroy(&pw.go);
  pthread_cond_destroy(&pw.idle);
  if (rc > 0 && rc != WHORL__RETRY) rc = WHORL_EINVAL;
  for (unsigned l = 0; ctxs && l < nlanes; l++) {
    whorl_buf_free(&ctxs[l].enc);
    free(ctxs[l].type);
  }
  free(ctxs);
  for (size_t c = 0; cols && c < nleaf; c++) pqcache_free(&cols[c].cache);
  free(cols);
  free(order);
  free(leaf);
  whorl__parquet_meta_free(&m);
  return rc;
}

/* ---- NumPy .npy ------------------------------------------------------------ */

typedef struct npyctx {
  wb *w;
  uint64_t ncols;
  whorl_ltype t;
  int rc;
  /* Fortran order: whole columns one after the other, in one window */
  int fortran;
  uint64_t nrows;
  size_t col, row;
} npyctx;

/* One array element as a cell of column c (.npy and .npz). */
static void elem_cell(wcol *c, const whorl_npy_elem *e, whorl_ltype t) {
  size_t pos = cell_open(c);
  switch (e->kind) {
  case 'b': whorl__value_bool((int)e->i, &c->enc); break;
  case 'i': whorl__value_int(e->i, &c->enc); break;
  case 'u': whorl__value_uint(e->u, &c->enc); break;
  default: whorl__value_double(e->d, &c->enc); break;
  }
  cell_close(c, pos, t);
}

static void npy_cell(npyctx *n, wcol *c, const whorl_npy_elem *e) { elem_cell(c, e, n->t); }

static int npy_elem(void *ctx, const whorl_npy_elem *e) {
  npyctx *n = ctx;
  size_t col = (size_t)(e->index % n->ncols);
  npy_cell(n, &n->w->col[col], e);
  if (col + 1 == n->ncols) {
    n->w->rows++;
    if (n->w->rows >= n->w->win_rows) {
      n->rc = wb_flush(n->w);
      if (n->rc) return 1;
    }
  }
  return 0;
}

/* A Fortran-order 2-D array whose data starts at byte base of fd: each
 * column is one run; a window of rows is read from every column's run in
 * turn, so memory does not grow with rows. */
static int fortran_cols(int fd, uint64_t base, const whorl_npy *h, wb *w, whorl_ltype t, const char *path,
                        const char *truncated, whorl_error *err) {
  size_t isz = (size_t)h->itemsize;
  uint64_t rows = h->shape[0], ncols = h->shape[1];
  uint8_t *buf = malloc(w->win_rows * isz);
  if (!buf) return whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
  int rc = WHORL_OK;
  for (uint64_t done = 0; !rc && done < rows;) {
    size_t k = rows - done < w->win_rows ? (size_t)(rows - done) : w->win_rows;
    for (uint64_t j = 0; j < ncols && !rc; j++) {
      uint64_t off = base + (j * rows + done) * isz;
      if (whorl__pread_full(fd, buf, k * isz, off) != (long long)(k * isz)) {
        rc = whorl__error(err, WHORL_EFORMAT, path, (int64_t)off, "%s", truncated);
        break;
      }
      for (size_t i = 0; i < k; i++) {
        whorl_npy_elem e;
        whorl__npy_decode(h, buf + i * isz, &e);
        elem_cell(&w->col[j], &e, t);
      }
    }
    if (rc) break;
    w->rows += k;
    done += k;
    rc = wb_flush(w);
    if (rc) whorl__error(err, rc, path, -1, "out of memory");
  }
  free(buf);
  return rc;
}

static int read_npy(const char *path, int fd, const struct stat *st, whorl_table_sink *sink, whorl_table_info *info,
                    whorl_error *err) {
  snprintf(info->format, sizeof info->format, "npy");
  snprintf(info->compression, sizeof info->compression, "none");
  uint8_t *head = malloc(1 << 20);
  if (!head) return whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
  long long hn = whorl__pread_full(fd, head, 1 << 20, 0);
  if (hn < 0) {
    free(head);
    return whorl__error_errno(err, errno, path, "read");
  }
  whorl_npy h;
  h.kind = 0;
  int rc = whorl__npy_parse(head, (size_t)hn, (uint64_t)st->st_size, path, &h, err);
  free(head);
  if (rc) {
    info->npy_object = h.kind == 'O';
    return rc;
  }
  if (h.ndim < 1 || h.ndim > 2)
    return whorl__error(err, WHORL_EUNSUPPORTED, path, -1, "a %d-dimensional array is not a table (1-D and 2-D are); --model reads it as model weights", h.ndim);
  if (h.kind == 'c') return whorl__error(err, WHORL_EUNSUPPORTED, path, -1, "complex numbers (%s) are not table values", h.descr);
  uint64_t ncols = h.ndim == 2 ? h.shape[1] : 1;
  if (ncols > 100000) return whorl__error(err, WHORL_EUNSUPPORTED, path, -1, "%llu columns: too many for a table", (unsigned long long)ncols);
  wb w;
  wb_init(&w, sink, WIN_ROWS);
  for (uint64_t i = 0; i < ncols && !rc; i++) rc = index_name(&w, (size_t)i);
  if (rc) {
    wb_free(&w);
    return col_err(err, path, rc);
  }
  npyctx n;
  memset(&n, 0, sizeof n);
  n.w = &w;
  n.ncols = ncols;
  n.t = h.kind == 'b' ? WHORL_T_BOOL : h.kind == 'f' ? WHORL_T_FLOAT : WHORL_T_INT;
  n.fortran = h.fortran_order && h.ndim == 2 && ncols > 1 && h.shape[0] > 1;
  n.nrows = h.shape[0];
  if (!rc && ncols > 0 && h.shape[0] > 0) {
    if (n.fortran) {
      rc = fortran_cols(fd, h.data_offset, &h, &w, n.t, path, ".npy data truncated", err);
    } else {
      rc = whorl__npy_read(fd, &h, path, npy_elem, &n, err);
      if (!rc && n.rc) rc = whorl__error(err, n.rc, path, -1, "out of memory");
    }
  }
  if (!rc) info->rows = ncols ? h.shape[0] : 0;
  if (!rc && !n.fortran) rc = wb_flush(&w);
  wb_free(&w);
  return rc;
}

/* ---- NumPy .npz --------------------------------------------------------------
 *
 * A zip of .npy members (np.savez stores them, np.savez_compressed deflates
 * them). One table: several 1-D arrays of one length are its columns, named
 * by their members (np.savez(f, age=..., income=...)); a single 1-D array is
 * one column so named; a single 2-D array is read as a .npy file is.
 * Columns are read in lockstep, a window of rows at a time. */

typedef struct npzcol {
  whorl_zip_reader *r;
  whorl_npy h;
  uint8_t *pre; /* bytes read past the header */
  size_t pre_len, pre_off;
  char *name;
  size_t name_len;
  whorl_ltype t;
} npzcol;

static int npz_fill(npzcol *c, uint8_t *buf, size_t len, const char *path, whorl_error *err) {
  size_t got = 0;
  while (got < len && c->pre_off < c->pre_len) {
    size_t k = c->pre_len - c->pre_off < len - got ? c->pre_len - c->pre_off : len - got;
    memcpy(buf + got, c->pre + c->pre_off, k);
    c->pre_off += k;
    got += k;
  }
  while (got < len) {
    long long n = whorl__zip_member_read(c->r, buf + got, len - got, err);
    if (n < 0) return (int)n;
    if (n == 0) return whorl__error(err, WHORL_EFORMAT, path, -1, "npz member %s: array data truncated", c->name);
    got += (size_t)n;
  }
  return WHORL_OK;
}


static int read_npz(const char *path, int fd, const struct stat *st, whorl_table_sink *sink, whorl_table_info *info,
                    whorl_error *err) {
  snprintf(info->format, sizeof info->format, "npz");
  snprintf(info->compression, sizeof info->compression, "none");
  whorl_zip z;
  int rc = whorl__zip_open(fd, (uint64_t)st->st_size, path, &z, err);
  if (rc) return rc;
  npzcol *cols = calloc(z.n ? z.n : 1, sizeof *cols);
  uint8_t *buf = malloc(1 << 20);
  wb w;
  wb_init(&w, sink, WIN_ROWS);
  if (!cols || !buf) rc = whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
  if (!rc && z.n == 0) rc = whorl__error(err, WHORL_EFORMAT, path, -1, "an .npz archive without arrays");
  /* Its arrays are read in step, each member open at once: a bound. */
  if (!rc && z.n > MAX_NPZ_ARRAYS)
    rc = whorl__error(err, WHORL_EUNSUPPORTED, path, -1, "an .npz of %zu arrays: more than %d are not supported as one table",
                      z.n, MAX_NPZ_ARRAYS);
  int compressed = 0;
  for (size_t i = 0; i < z.n && !rc; i++) {
    npzcol *c = &cols[i];
    const char *nm = z.e[i].name;
    size_t nl = strlen(nm);
    if (nl < 4 || strcmp(nm + nl - 4, ".npy")) {
      rc = whorl__error(err, WHORL_EUNSUPPORTED, path, -1, "npz member %s is not a .npy array", nm);
      break;
    }
    compressed |= z.e[i].method != 0;
    c->name = z.e[i].name;
    c->name_len = nl - 4;
    rc = whorl__zip_member_open(&z, i, &c->r, err);
    if (rc) break;
    /* the header, and nothing past it: its length is in its first bytes
     * (magic, version, then a 2- or 4-byte length) */
    size_t got = 0, want = z.e[i].usize < 12 ? (size_t)z.e[i].usize : 12;
    for (int pass = 0; pass < 2 && !rc; pass++) {
      while (got < want) {
        long long n = whorl__zip_member_read(c->r, buf + got, want - got, err);
        if (n < 0) {
          rc = (int)n;
          break;
        }
        if (n == 0) break;
        got += (size_t)n;
      }
      if (pass == 0 && got >= 10) {
        uint64_t hl = buf[6] == 1 ? 10u + (buf[8] | (uint64_t)buf[9] << 8)
                                  : 12u + (buf[8] | (uint64_t)buf[9] << 8 | (uint64_t)buf[10] << 16 | (uint64_t)buf[11] << 24);
        if (hl > (1u << 20)) hl = 1u << 20; /* the parser refuses it */
        if (hl > z.e[i].usize) hl = z.e[i].usize;
        if (hl > want) want = (size_t)hl;
      }
    }
    if (rc) break;
    whorl_error perr;
    c->h.kind = 0;
    rc = whorl__npy_parse(buf, got, z.e[i].usize, path, &c->h, &perr);
    if (rc) {
      info->npy_object = c->h.kind == 'O';
      whorl__error(err, rc, path, -1, "npz member %s: %s", nm, perr.message);
      break;
    }
    if (c->h.kind == 'c') {
      rc = whorl__error(err, WHORL_EUNSUPPORTED, path, -1, "npz member %s: complex numbers (%s) are not table values", nm, c->h.descr);
      break;
    }
    c->t = c->h.kind == 'b' ? WHORL_T_BOOL : c->h.kind == 'f' ? WHORL_T_FLOAT : WHORL_T_INT;
    size_t off = (size_t)c->h.data_offset;
    c->pre_len = got > off ? got - off : 0;
    c->pre = malloc(c->pre_len ? c->pre_len : 1);
    if (!c->pre) {
      rc = whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
      break;
    }
    if (c->pre_len) memcpy(c->pre, buf + off, c->pre_len);
  }
  if (!rc) snprintf(info->compression, sizeof info->compression, "%s", compressed ? "deflate" : "none");
  /* the shape of the table */
  uint64_t rows = 0, ncols = 0;
  int single2d = 0, fortran = 0;
  if (!rc) {
    if (z.n == 1 && cols[0].h.ndim == 2) {
      single2d = 1;
      rows = cols[0].h.shape[0];
      ncols = cols[0].h.shape[1];
      fortran = cols[0].h.fortran_order && rows > 1 && ncols > 1;
      if (ncols > 100000) rc = whorl__error(err, WHORL_EUNSUPPORTED, path, -1, "%llu columns: too many for a table", (unsigned long long)ncols);
      for (uint64_t i = 0; i < ncols && !rc; i++)
        if ((rc = index_name(&w, (size_t)i))) col_err(err, path, rc);
    } else {
      for (size_t i = 0; i < z.n && !rc; i++) {
        if (cols[i].h.ndim != 1) {
          rc = whorl__error(err, WHORL_EUNSUPPORTED, path, -1,
                            "npz member %s is %d-dimensional: an .npz table is 1-D arrays of one length, or a single 2-D array "
                            "(--model reads the file as model weights)",
                            cols[i].name, cols[i].h.ndim);
          break;
        }
        if (i > 0 && cols[i].h.shape[0] != cols[0].h.shape[0]) {
          rc = whorl__error(err, WHORL_EUNSUPPORTED, path, -1,
                            "npz members %s (%llu) and %s (%llu) differ in length: not one table", cols[0].name,
                            (unsigned long long)cols[0].h.shape[0], cols[i].name, (unsigned long long)cols[i].h.shape[0]);
          break;
        }
        rc = wb_add_column(&w, cols[i].name, cols[i].name_len);
        if (rc) col_err(err, path, rc);
      }
      rows = z.n ? cols[0].h.shape[0] : 0;
      ncols = z.n;
    }
  }
  /* A Fortran-order 2-D array (what np.savez stores for a pandas
   * DataFrame's .values): its columns are runs one after the other, and a
   * member is read front to back only, so the array goes to a temporary
   * file first (the member's CRC is checked on the way), whose runs are
   * then read as those of a .npy file. */
  if (!rc && fortran) {
    FILE *tf = tmpfile();
    if (!tf) rc = whorl__error_errno(err, errno, path, "create a temporary file for a Fortran-order npz member");
    uint64_t left = rows * ncols * (uint64_t)cols[0].h.itemsize;
    while (!rc && left > 0) {
      size_t k = left < (1u << 20) ? (size_t)left : (1u << 20);
      rc = npz_fill(&cols[0], buf, k, path, err);
      if (!rc && fwrite(buf, 1, k, tf) != k) rc = whorl__error_errno(err, errno, path, "write a temporary file for a Fortran-order npz member");
      left -= k;
    }
    if (!rc && fflush(tf)) rc = whorl__error_errno(err, errno, path, "write a temporary file for a Fortran-order npz member");
    if (!rc) rc = fortran_cols(fileno(tf), 0, &cols[0].h, &w, cols[0].t, path, "npz member data truncated", err);
    if (tf) fclose(tf);
  }
  /* rows, a window at a time */
  for (uint64_t done = 0; !rc && !fortran && done < rows && ncols > 0;) {
    size_t k = rows - done < w.win_rows ? (size_t)(rows - done) : w.win_rows;
    if (single2d) {
      npzcol *c = &cols[0];
      size_t isz = (size_t)c->h.itemsize, per = (1u << 20) / (isz * (size_t)ncols);
      if (per == 0) per = 1;
      if (k > per) k = per;
      if (k * ncols * isz > (1u << 20)) {
        rc = whorl__error(err, WHORL_EUNSUPPORTED, path, -1, "rows of more than 1 MiB: too wide");
        break;
      }
      rc = npz_fill(c, buf, k * (size_t)ncols * isz, path, err);
      for (size_t j = 0; j < k * ncols && !rc; j++) {
        whorl_npy_elem e;
        whorl__npy_decode(&c->h, buf + j * isz, &e);
        elem_cell(&w.col[j % ncols], &e, c->t);
      }
    } else {
      for (size_t i = 0; i < ncols && !rc; i++) {
        npzcol *c = &cols[i];
        size_t isz = (size_t)c->h.itemsize;
        rc = npz_fill(c, buf, k * isz, path, err);
        for (size_t j = 0; j < k && !rc; j++) {
          whorl_npy_elem e;
          whorl__npy_decode(&c->h, buf + j * isz, &e);
          elem_cell(&w.col[i], &e, c->t);
        }
      }
    }
    if (rc) break;
    w.rows += k;
    done += k;
    rc = wb_flush(&w);
    if (rc) whorl__error(err, rc, path, -1, "out of memory");
  }
  /* each member must end where its array does (CRC and size checked) */
  for (size_t i = 0; i < z.n && !rc; i++) {
    uint8_t extra[1];
    if (!cols[i].r) continue;
    if (cols[i].pre_off < cols[i].pre_len) {
      rc = whorl__error(err, WHORL_EFORMAT, path, -1, "npz member %s: bytes after the array", cols[i].name);
      break;
    }
    long long n = whorl__zip_member_read(cols[i].r, extra, 1, err);
    if (n < 0) rc = (int)n;
    else if (n > 0) rc = whorl__error(err, WHORL_EFORMAT, path, -1, "npz member %s: bytes after the array", cols[i].name);
  }
  if (!rc) info->rows = rows;
  for (size_t i = 0; cols && i < z.n; i++) {
    whorl__zip_member_close(cols[i].r);
    free(cols[i].pre);
  }
  free(cols);
  free(buf);
  wb_free(&w);
  whorl__zip_close(&z);
  return rc;
}

/* ---- detection and dispatch ------------------------------------------------- */

static const char *ext_format(const char *name) {
  const char *dot = strrchr(name, '.');
  if (!dot) return NULL;
  static const struct { const char *ext, *fmt; } map[] = {
      {".csv", "csv"}, {".tsv", "tsv"}, {".tab", "tsv"}, {".psv", "csv"}, {".jsonl", "jsonl"},
      {".ndjson", "jsonl"}, {".json", "json"}, {".parquet", "parquet"}, {".pq", "parquet"}, {".npy", "npy"}, {".npz", "npz"}};
  for (size_t i = 0; i < sizeof map / sizeof *map; i++)
    if (!strcasecmp(dot, map[i].ext)) return map[i].fmt;
  return NULL;
}

/* Looks at up to 64 KiB of decompressed text: JSON Lines when the first
 * non-blank line is a JSON object; delimited when the first lines split
 * into the same number (> 1) of fields. */
static const char *content_format(const uint8_t *b, size_t n) {
  size_t i = 0;
  if (n >= 3 && !memcmp(b, "\xef\xbb\xbf", 3)) i = 3;
  while (i < n && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n')) i++;
  if (i < n && b[i] == '{') {
    const uint8_t *nl = memchr(b + i, '\n', n - i);
    size_t e = nl ? (size_t)(nl - b) : n;
    whorl_json *v = NULL;
    whorl_error perr;
    if ((nl || n < 65536) && whorl_json_parse((const char *)b + i, e - i, &v, &perr) == WHORL_OK) {
      int obj = whorl_json_typeof(v) == WHORL_JSON_OBJECT;
      whorl_json_free(v);
      /* JSON Lines: another object on a following line (a file of one
       * object, a config.json, is not a table unless named .jsonl) */
      size_t k = e;
      while (k < n && (b[k] == ' ' || b[k] == '\t' || b[k] == '\r' || b[k] == '\n')) k++;
      if (obj && k < n && b[k] == '{') return "jsonl";
    }
    return NULL;
  }
  if (i < n && b[i] == '[') {
    /* a JSON array of objects (pandas' to_json(orient="records")) */
    size_t k = i + 1;
    while (k < n && (b[k] == ' ' || b[k] == '\t' || b[k] == '\r' || b[k] == '\n')) k++;
    return k < n && b[k] == '{' ? "json" : NULL;
  }
  char d = whorl_csv_sniff_delimiter(b + i, n - i);
  /* Consistency: at least two lines, and most of them with the same count > 1. */
  size_t lines = 0, counts[16], fields = 1;
  int inq = 0;
  for (size_t k = i; k < n && lines < 16; k++) {
    if (b[k] == '"') inq = !inq;
    else if (!inq && b[k] == (uint8_t)d) fields++;
    else if (!inq && b[k] == '\n') {
      counts[lines++] = fields;
      fields = 1;
    }
  }
  if (lines < 2) return NULL;
  size_t same = 0;
  for (size_t k = 0; k < lines; k++) same += counts[k] == counts[0];
  if (counts[0] < 2 || same * 10 < lines * 9) return NULL;
  return d == '\t' ? "tsv" : "csv";
}

/* Names of source code, markup and configuration files: never tables by
 * content (a .py or .yaml can split into equal fields); --as still reads
 * them as one. */
static int code_ext(const char *name) {
  const char *dot = strrchr(name, '.');
  if (!dot) return 0;
  static const char *const ext[] = {".js",  ".mjs", ".cjs", ".ts",   ".py",  ".pyi", ".c",    ".h",    ".cc",   ".cpp",
                                    ".hpp", ".java", ".go", ".rs",   ".rb",  ".pl",  ".sh",   ".bash", ".zsh",  ".md",
                                    ".rst", ".html", ".htm", ".xml",  ".yaml", ".yml", ".toml", ".ini",  ".cfg",  ".sql",
                                    ".r",   ".css", ".svg", ".ipynb", ".tex", ".lua", ".php",  ".swift", ".kt",  ".scala"};
  for (size_t i = 0; i < sizeof ext / sizeof *ext; i++)
    if (!strcasecmp(dot, ext[i])) return 1;
  return 0;
}

const char *whorl__table_detect(const char *path, const char *sniffed) {
  if (!strcmp(sniffed, "parquet")) return "parquet";
  if (!strcmp(sniffed, "npy")) return "npy";
  if (!strcmp(sniffed, "npz")) return "npz";
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  char name[256];
  snprintf(name, sizeof name, "%s", base);
  char *dot = strrchr(name, '.');
  if (dot && (!strcasecmp(dot, ".gz") || !strcasecmp(dot, ".zst") || !strcasecmp(dot, ".zstd"))) *dot = 0;
  const char *byext = ext_format(name);
  if (!byext && code_ext(name)) return NULL;
  /* named as a binary table format without its magic: damaged or truncated;
   * its reader says what is wrong (exit 2), rather than a silent plain-file
   * fingerprint (--level content hashes the bytes) */
  if (byext && (!strcmp(byext, "parquet") || !strcmp(byext, "npy") || !strcmp(byext, "npz"))) return byext;
  /* Text, or "binary" that is text with invalid UTF-8 under a table's name
   * (a Latin-1 CSV: read, with warnings). */
  if (!strcmp(sniffed, "empty")) return byext; /* an empty data.csv: a table of nothing */
  if (strcmp(sniffed, "text") && strcmp(sniffed, "json") && strcmp(sniffed, "gzip") && strcmp(sniffed, "zstd") &&
      !(byext && !strcmp(sniffed, "binary")))
    /* another known binary format (ELF, zip, PNG, ...) under a text table's name: refused, as binary data is */
    return byext ? WHORL__TABLE_BINARY : NULL;
  /* Look at the (decompressed) start. */
  whorl_src *src = NULL;
  whorl_error e;
  if (whorl__src_open(path, 0, 0, &src, &e)) return byext;
  uint8_t *buf = malloc(65536);
  size_t n = 0;
  if (buf) {
    while (n < 65536) {
      long long k = whorl__src_read(src, buf + n, 65536 - n, &e);
      if (k <= 0) break;
      n += (size_t)k;
    }
  }
  whorl__src_close(src);
  const char *bycontent = NULL;
  if (buf && n) {
    /* Decompressed data must look like text. */
    int text = 1;
    for (size_t k = 0; k < n && text; k++) text = buf[k] != 0;
    if (text) bycontent = content_format(buf, n);
    else if (byext) { /* named as a text table, holding binary data: its reader would make a table of noise */
      free(buf);
      return WHORL__TABLE_BINARY;
    }
  }
  free(buf);
  if (byext) {
    /* .json: a table only if its content is one (an array of objects, or
     * objects line by line); any other JSON file is a file */
    if (!strcmp(byext, "json"))
      return bycontent && (!strcmp(bycontent, "json") || !strcmp(bycontent, "jsonl")) ? bycontent : NULL;
    /* The extension decides between CSV and TSV only if content agrees it is delimited. */
    if (!strcmp(byext, "jsonl")) return "jsonl";
    if (bycontent && strcmp(bycontent, "jsonl") && strcmp(bycontent, "json")) return bycontent;
    return byext;
  }
  /* A JSON array is a table only under a .json name (a Python repr in a
   * .txt, say, is not). */
  return bycontent && !strcmp(bycontent, "json") ? NULL : bycontent;
}

int whorl__table_read(const char *path, int fd, const struct stat *st, const whorl_table_opts *opts,
                      whorl_table_sink *sink, whorl_table_info *info, whorl_error *err) {
  whorl_table_opts o = WHORL_TABLE_OPTS_INIT;
  if (opts) o = *opts;
  memset(info, 0, sizeof *info);
  const char *fmt = o.format;
  if (!fmt) return whorl__error(err, WHORL_EINVAL, path, -1, "no table format given");
  if (!strcmp(fmt, "csv") || !strcmp(fmt, "tsv") || !strcmp(fmt, "jsonl") || !strcmp(fmt, "json")) {
    int rc = fmt[0] == 'j' ? read_jsonl(path, fd, st, &o, sink, info, err) : read_csv(path, fd, st, &o, sink, info, err);
    /* UTF-16 text is read as its UTF-8 decoding: byte offsets there are
     * not the file's, so its errors give their lines only */
    if (rc < 0 && info->encoding[0] && err) err->offset = -1;
    return rc;
  }
  if (!strcmp(fmt, "parquet")) return read_parquet(path, fd, st, &o, sink, info, err);
  if (!strcmp(fmt, "npy")) return read_npy(path, fd, st, sink, info, err);
  if (!strcmp(fmt, "npz")) return read_npz(path, fd, st, sink, info, err);
  return whorl__error(err, WHORL_EINVAL, path, -1, "unknown table format \"%s\"", fmt);
}
