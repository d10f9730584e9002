/* parquet_meta.c - Parquet footer reading: see parquet_meta.h. */
#include <stdlib.h>
#include <string.h>

#include "io/thrift.h"
#include "table/parquet_meta.h"
#include "util/util.h"

#define MAX_FOOTER (64u << 20)

static char *dupn(const uint8_t *s, size_t n) {
  char *d = malloc(n + 1);
  if (d) {
    memcpy(d, s, n);
    d[n] = 0;
  }
  return d;
}

static void parse_schema(tc *t, pq_schema *s) {
  s->type = s->repetition = s->converted_type = s->logical = -1;
  s->ts_utc = s->ts_unit = -1;
  int16_t last = 0, id;
  int ft;
  while ((ft = tc_field(t, &last, &id)) != TC_STOP) {
    if (id == 1 && ft == TC_I32) s->type = tc_i32(t);
    else if (id == 2 && ft == TC_I32) s->type_length = tc_i32(t);
    else if (id == 3 && ft == TC_I32) s->repetition = tc_i32(t);
    else if (id == 4 && ft == TC_BINARY) {
      size_t n;
      const uint8_t *b = tc_binary(t, &n);
      if (b && !s->name) s->name = dupn(b, n);
    } else if (id == 5 && ft == TC_I32) s->num_children = tc_i32(t);
    else if (id == 6 && ft == TC_I32) s->converted_type = tc_i32(t);
    else if (id == 7 && ft == TC_I32) s->scale = tc_i32(t);
    else if (id == 8 && ft == TC_I32) s->precision = tc_i32(t);
    else if (id == 10 && ft == TC_STRUCT) {
      /* LogicalType is a union: the id of its one set member names it. */
      int16_t l2 = 0, id2;
      int f2 = tc_field(t, &l2, &id2);
      if (f2 != TC_STOP) {
        s->logical = id2;
        if ((id2 == 7 || id2 == 8) && f2 == TC_STRUCT) {
          /* TimeType / TimestampType { 1: isAdjustedToUTC, 2: unit } */
          int16_t l3 = 0, id3;
          int f3;
          while ((f3 = tc_field(t, &l3, &id3)) != TC_STOP && !t->failed) {
            if (id3 == 1 && (f3 == TC_TRUE || f3 == TC_FALSE)) s->ts_utc = tc_bool(t, f3);
            else if (id3 == 2 && f3 == TC_STRUCT) {
              int16_t l4 = 0, id4;
              int f4 = tc_field(t, &l4, &id4);
              if (f4 != TC_STOP) {
                if (id4 >= 1 && id4 <= 3) s->ts_unit = id4 - 1;
                tc_skip(t, f4, 2);
                while ((f4 = tc_field(t, &l4, &id4)) != TC_STOP && !t->failed) tc_skip(t, f4, 2);
              }
            } else tc_skip(t, f3, 2);
          }
        } else {
          tc_skip(t, f2, 1);
        }
        while ((f2 = tc_field(t, &l2, &id2)) != TC_STOP && !t->failed) tc_skip(t, f2, 1);
      }
    } else tc_skip(t, ft, 1);
  }
}

static void parse_column_meta(tc *t, pq_column *c) {
  int16_t last = 0, id;
  int ft;
  while ((ft = tc_field(t, &last, &id)) != TC_STOP) {
    if (id == 1 && ft == TC_I32) c->type = tc_i32(t);
    else if (id == 2 && ft == TC_LIST) {
      uint64_t n;
      int et = tc_list(t, &n);
      for (uint64_t i = 0; i < n && !t->failed; i++) {
        if (et != TC_I32) {
          tc_skip(t, et, 2);
          continue;
        }
        int32_t e = tc_i32(t);
        if (e >= 0 && e < 32) c->encodings |= 1u << e;
      }
    } else if (id == 3 && ft == TC_LIST) {
      uint64_t n;
      int et = tc_list(t, &n);
      whorl_buf p = WHORL_BUF_INIT;
      for (uint64_t i = 0; i < n && !t->failed; i++) {
        if (et != TC_BINARY) {
          tc_skip(t, et, 2);
          continue;
        }
        size_t l;
        const uint8_t *b = tc_binary(t, &l);
        if (i) whorl_buf_putc(&p, '.');
        if (b) whorl_buf_put(&p, b, l);
      }
      free(c->path);
      c->path = whorl_buf_detach(&p, NULL);
    } else if (id == 4 && ft == TC_I32) c->codec = tc_i32(t);
    else if (id == 5 && ft == TC_I64) c->num_values = tc_i64(t);
    else if (id == 6 && ft == TC_I64) c->total_uncompressed_size = tc_i64(t);
    else if (id == 7 && ft == TC_I64) c->total_compressed_size = tc_i64(t);
    else if (id == 9 && ft == TC_I64) c->data_page_offset = tc_i64(t);
    else if (id == 11 && ft == TC_I64) c->dictionary_page_offset = tc_i64(t);
    else tc_skip(t, ft, 2);
  }
}

static void parse_column_chunk(tc *t, pq_column *c) {
  c->data_page_offset = c->dictionary_page_offset = -1;
  int16_t last = 0, id;
  int ft;
  while ((ft = tc_field(t, &last, &id)) != TC_STOP) {
    if (id == 3 && ft == TC_STRUCT) parse_column_meta(t, c);
    else tc_skip(t, ft, 1);
  }
}

static int parse_row_group(tc *t, pq_row_group *g) {
  int16_t last = 0, id;
  int ft;
  while ((ft = tc_field(t, &last, &id)) != TC_STOP) {
    if (id == 1 && ft == TC_LIST && !g->columns) {
      uint64_t n;
      int et = tc_list(t, &n);
      /* Each ColumnChunk holds at least its required fields (~15 bytes):
       * a count the footer cannot hold is a lie, not an allocation. */
      if ((et != TC_STRUCT && n) || n > (uint64_t)(t->end - t->p) / 15 || n > 100000) {
        t->failed = 1; /* a list of something else, or a lying count: malformed */
        return -1;
      }
      g->columns = calloc(n ? n : 1, sizeof *g->columns);
      if (!g->columns) return -2;
      g->ncolumns = n;
      for (uint64_t i = 0; i < n && !t->failed; i++) parse_column_chunk(t, &g->columns[i]);
    } else if (id == 2 && ft == TC_I64) g->total_byte_size = tc_i64(t);
    else if (id == 3 && ft == TC_I64) g->num_rows = tc_i64(t);
    else tc_skip(t, ft, 1);
  }
  return 0;
}

int whorl__parquet_meta_parse(const uint8_t *buf, size_t len, uint64_t file_size, const char *path, pq_meta *m,
                              whorl_error *err) {
  memset(m, 0, sizeof *m);
  tc t = {buf, buf + len, buf, 0};
  int16_t last = 0, id;
  int ft, oom = 0;
  while (!oom && (ft = tc_field(&t, &last, &id)) != TC_STOP) {
    if (id == 1 && ft == TC_I32) m->version = tc_i32(&t);
    else if (id == 2 && ft == TC_LIST && !m->schema) {
      uint64_t n;
      int et = tc_list(&t, &n);
      if ((et != TC_STRUCT && n) || n > (uint64_t)(t.end - t.p) / 3 || n > 100001) t.failed = 1;
      else if (!(m->schema = calloc(n ? n : 1, sizeof *m->schema))) oom = 1;
      else {
        m->nschema = n;
        for (uint64_t i = 0; i < n && !t.failed; i++) parse_schema(&t, &m->schema[i]);
      }
    } else if (id == 3 && ft == TC_I64) m->num_rows = tc_i64(&t);
    else if (id == 4 && ft == TC_LIST && !m->row_groups) {
      uint64_t n;
      int et = tc_list(&t, &n);
      if ((et != TC_STRUCT && n) || n > (uint64_t)(t.end - t.p) / 6) t.failed = 1;
      else if (!(m->row_groups = calloc(n ? n : 1, sizeof *m->row_groups))) oom = 1;
      else {
        m->nrow_groups = n;
        for (uint64_t i = 0; i < n && !t.failed && !oom; i++)
          if (parse_row_group(&t, &m->row_groups[i]) == -2) oom = 1;
      }
    } else if (id == 5 && ft == TC_LIST) {
      uint64_t n;
      int et = tc_list(&t, &n);
      m->nkv = n;
      for (uint64_t i = 0; i < n && !t.failed; i++) tc_skip(&t, et, 1);
    } else if (id == 6 && ft == TC_BINARY) {
      size_t n;
      const uint8_t *b = tc_binary(&t, &n);
      if (b && !m->created_by && !(m->created_by = dupn(b, n))) oom = 1;
    } else tc_skip(&t, ft, 0);
  }
  if (oom) {
    whorl__parquet_meta_free(m);
    return whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
  }
  int64_t off = (int64_t)(file_size - len - 8 + tc_offset(&t));
  if (t.failed) {
    whorl__parquet_meta_free(m);
    return whorl__error(err, WHORL_EFORMAT, path, off, "corrupt Parquet footer (Thrift metadata)");
  }
  /* Consistency: a schema with a root, names everywhere, row counts that add
   * up, column chunks inside the file. */
  const char *why = NULL;
  if (m->nschema == 0) why = "no schema";
  for (size_t i = 0; !why && i < m->nschema; i++)
    if (!m->schema[i].name) why = "a schema element has no name";
  int64_t rows = 0;
  for (size_t g = 0; !why && g < m->nrow_groups; g++) {
    pq_row_group *rg = &m->row_groups[g];
    if (rg->num_rows < 0 || rows > INT64_MAX - rg->num_rows) why = "bad row count";
    else rows += rg->num_rows;
    for (size_t c = 0; !why && c < rg->ncolumns; c++) {
      pq_column *col = &rg->columns[c];
      /* 0 means "no dictionary" for several writers (PARQUET-1402) */
      int64_t start = col->dictionary_page_offset > 0 && col->dictionary_page_offset < col->data_page_offset
                          ? col->dictionary_page_offset
                          : col->data_page_offset;
      if (!col->path) why = "a column chunk has no metadata";
      else if (start < 4 || col->total_compressed_size < 0 || (uint64_t)start > file_size ||
               (uint64_t)col->total_compressed_size > file_size - (uint64_t)start)
        why = "a column chunk lies outside the file";
      else if (col->num_values < 0) why = "bad value count";
    }
  }
  if (!why && rows != m->num_rows) why = "row groups do not add up to the file's row count";
  if (why) {
    whorl__parquet_meta_free(m);
    return whorl__error(err, WHORL_EFORMAT, path, (int64_t)(file_size - len - 8), "corrupt Parquet footer: %s", why);
  }
  return WHORL_OK;
}

int whorl__parquet_meta_read(int fd, uint64_t size, const char *path, pq_meta *m, whorl_error *err) {
  memset(m, 0, sizeof *m);
  uint8_t tail[8], head[4];
  if (size < 12 || whorl__pread_full(fd, head, 4, 0) != 4 || whorl__pread_full(fd, tail, 8, size - 8) != 8)
    return whorl__error(err, WHORL_EFORMAT, path, (int64_t)size, "too short for a Parquet file");
  if (memcmp(head, "PAR1", 4) || memcmp(tail + 4, "PAR1", 4))
    return whorl__error(err, WHORL_EFORMAT, path, memcmp(head, "PAR1", 4) ? 0 : (int64_t)size - 4,
                        "not a Parquet file (no PAR1 magic)");
  uint64_t len = (uint64_t)tail[0] | (uint64_t)tail[1] << 8 | (uint64_t)tail[2] << 16 | (uint64_t)tail[3] << 24;
  if (len > MAX_FOOTER) return whorl__error(err, WHORL_EUNSUPPORTED, path, (int64_t)size - 8,
                                            "Parquet footer of %llu bytes is over the 64 MiB limit",
                                            (unsigned long long)len);
  if (len > size - 12)
    return whorl__error(err, WHORL_EFORMAT, path, (int64_t)size - 8,
                        "Parquet footer length %llu does not fit in the file (truncated?)", (unsigned long long)len);
  uint8_t *buf = malloc(len ? len : 1);
  if (!buf) return whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
  if (whorl__pread_full(fd, buf, len, size - 8 - len) != (long long)len) {
    free(buf);
    return whorl__error(err, WHORL_EIO, path, (int64_t)(size - 8 - len), "cannot read the Parquet footer");
  }
  int rc = whorl__parquet_meta_parse(buf, len, size, path, m, err);
  free(buf);
  return rc;
}

void whorl__parquet_meta_free(pq_meta *m) {
  if (!m) return;
  for (size_t i = 0; i < m->nschema; i++) free(m->schema[i].name);
  free(m->schema);
  for (size_t g = 0; g < m->nrow_groups; g++) {
    for (size_t c = 0; c < m->row_groups[g].ncolumns; c++) free(m->row_groups[g].columns[c].path);
    free(m->row_groups[g].columns);
  }
  free(m->row_groups);
  free(m->created_by);
  memset(m, 0, sizeof *m);
}
