/* JSON Lines reader and canonical values: the same table written as CSV and
 * as JSON Lines gives the same canonical value in every cell; line handling
 * and errors with line numbers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "memsrc.h"
#include "table/csv.h"
#include "table/jsonl.h"

/* All records as "line:key=canon;key=canon|" in the objects' key order. */
static char *jsonl(const char *text, size_t piece, size_t max_line) {
  static char out[4096];
  size_t n = 0;
  memsrc s = {(const uint8_t *)text, strlen(text), 0, piece};
  whorl_jsonl *r = NULL;
  whorl_error err;
  out[0] = 0;
  if (whorl_jsonl_new(memsrc_read, &s, "t.jsonl", max_line, &r, &err)) return strcpy(out, "ERR new");
  const whorl_json *o;
  uint64_t line;
  int rc;
  while ((rc = whorl_jsonl_next(r, &o, &line, &err)) == 1) {
    n += (size_t)snprintf(out + n, sizeof out - n, "%llu:", (unsigned long long)line);
    for (size_t i = 0; i < whorl_json_size(o); i++) {
      whorl_buf b = WHORL_BUF_INIT;
      whorl__value_json(whorl_json_object_value(o, i), &b);
      n += (size_t)snprintf(out + n, sizeof out - n, "%s=%.*s;", whorl_json_object_key(o, i, NULL), (int)b.len, b.data);
      whorl_buf_free(&b);
    }
    n += (size_t)snprintf(out + n, sizeof out - n, "|");
  }
  if (rc < 0) snprintf(out + n, sizeof out - n, "ERR %s", err.message);
  whorl_jsonl_free(r);
  return out;
}

int main(void) {
  const char *t = "{\"a\": 32, \"b\": \"x\"}\r\n\n   \n{\"a\": 1.50, \"b\": \"\"}\n{\"a\": null, \"b\": \"32.0\"}";
  size_t pieces[] = {1, 3, 4096};
  for (int k = 0; k < 3; k++)
    CHECK_STR(jsonl(t, pieces[k], 0), "1:a=D32;b=Sx;|4:a=D1.5;b=S;|5:a=N;b=D32;|");
  CHECK_STR(jsonl("{\"n\": [1, {\"b\": 2, \"a\": true}], \"o\": {\"z\": 1, \"y\": \"q\"}}\n", 7, 0),
            "1:n=J[1,{\"a\":true,\"b\":2}];o=J{\"y\":\"q\",\"z\":1};|");
  /* Numbers beyond the double range read as the same CSV text does (the
   * nearest double: infinity); integers beyond int64 keep every digit. */
  CHECK_STR(jsonl("{\"t\": true, \"e\": -0.0, \"big\": 1e400, \"m\": -1E+999, \"u\": 1e-400}\n", 5, 0),
            "1:t=B1;e=D0;big=F+;m=F-;u=D0;|");
  CHECK_STR(jsonl("{\"i\": 12345678901234567890123, \"n\": -99999999999999999999, \"k\": 9223372036854775808, "
                  "\"d\": 0.1000000000000000055511151231257827}\n", 3, 0),
            "1:i=D12345678901234567890123;n=D-99999999999999999999;k=D9223372036854775808;d=D0.1;|");
  /* nested, a number beyond the double range has no canonical JSON: an
   * error at the file's line and column */
  CHECK_STR(jsonl("{\"a\": 1}\n{\"a\": [1e400]}\n", 4, 0),
            "1:a=D1;|ERR line 2, column 8: invalid JSON: number out of range");
  /* a byte order mark at the start is skipped (as CSV skips it), not later */
  CHECK_STR(jsonl("\xef\xbb\xbf{\"a\": 1}\n{\"a\": 2}\n", 1, 0), "1:a=D1;|2:a=D2;|");
  CHECK_STR(jsonl("\xef\xbb\xbf", 1, 0), "");
  CHECK_STR(jsonl("{\"a\": 1}\n\xef\xbb\xbf{\"a\": 2}\n", 2, 0),
            "1:a=D1;|ERR line 2, column 1: invalid JSON: expected a value, found byte 0xef");
  /* one position: the file's line and column (characters), and its offset */
  CHECK_STR(jsonl("{\"x\":1}\n{\"x\":2}\n{\"\xc3\xa9\":\"\xc3\xa9\", \"x\":Nope}\n", 5, 0),
            "1:x=D1;|2:x=D2;|ERR line 3, column 15: invalid JSON: expected a value, found 'N'");
  CHECK_STR(jsonl("{\"t\": true, \"f\": false, \"e\": -0.0}\n", 5, 0), "1:t=B1;f=B0;e=D0;|");
  /* NaN, Infinity, -Infinity (Python's json, pandas, DuckDB write them): read as CSV reads them;
   * nested, or misspelled, they stay errors */
  CHECK_STR(jsonl("{\"x\": NaN, \"y\": Infinity, \"z\": -Infinity}\n", 5, 0), "1:x=FN;y=F+;z=F-;|");
  CHECK_STR(jsonl("{\"x\": [NaN]}\n", 5, 0), "ERR line 1, column 8: invalid JSON: expected a value, found 'N'");
  CHECK_STR(jsonl("{\"x\": Infinit}\n", 5, 0), "ERR line 1, column 7: invalid JSON: expected a value, found 'I'");
  char *e = jsonl("{\"a\": 1}\n{\"a\": 2}\n[1, 2]\n", 4, 0);
  CHECK(strstr(e, "ERR line 3: not a JSON object") != NULL);
  e = jsonl("{\"a\": 1}\n{\"a\": }\n", 4, 0);
  CHECK_STR(e, "1:a=D1;|ERR line 2, column 7: invalid JSON: expected a value, found '}'");
  char big[3000];
  memset(big, ' ', sizeof big);
  big[0] = '{';
  big[sizeof big - 2] = '}';
  big[sizeof big - 1] = 0;
  e = jsonl(big, 100, 1000);
  CHECK(strstr(e, "ERR line 1: longer than 1000 bytes") != NULL);

  /* The same table as CSV and as JSON Lines: equal canonical cells. */
  const char *csv = "id,name,score,ok,note\n1,ann,1.50,true,\"\"\n2,bob,,FALSE,x\n3,\"c,d\",7e1,true,\"say \"\"hi\"\"\"\n";
  const char *jl = "{\"id\": 1, \"name\": \"ann\", \"score\": 1.5, \"ok\": true, \"note\": \"\"}\n"
                   "{\"id\": 2.0, \"name\": \"bob\", \"score\": null, \"ok\": false, \"note\": \"x\"}\n"
                   "{\"id\": \"3\", \"name\": \"c,d\", \"score\": 70, \"ok\": true, \"note\": \"say \\\"hi\\\"\"}\n";
  memsrc cs = {(const uint8_t *)csv, strlen(csv), 0, 5};
  whorl_csv_opts co = {',', 0, 0, "t.csv", 0};
  whorl_csv *c = NULL;
  whorl_error err;
  CHECK(whorl_csv_new(&co, memsrc_read, &cs, &c, &err) == WHORL_OK);
  whorl_csv_record rec;
  CHECK(whorl_csv_next(c, &rec, &err) == 1); /* header */
  char header[5][16];
  for (int i = 0; i < 5; i++) snprintf(header[i], sizeof header[i], "%.*s", (int)rec.len[i], rec.field[i]);
  memsrc js = {(const uint8_t *)jl, strlen(jl), 0, 9};
  whorl_jsonl *j = NULL;
  CHECK(whorl_jsonl_new(memsrc_read, &js, "t.jsonl", 0, &j, &err) == WHORL_OK);
  int rows = 0, cells = 0;
  const whorl_json *o;
  uint64_t line;
  while (whorl_csv_next(c, &rec, &err) == 1 && whorl_jsonl_next(j, &o, &line, &err) == 1) {
    rows++;
    for (int i = 0; i < 5; i++) {
      whorl_buf a = WHORL_BUF_INIT, b = WHORL_BUF_INIT;
      whorl__value_text(rec.field[i], rec.len[i], rec.quoted[i], &a);
      whorl__value_json(whorl_json_object_get(o, header[i]), &b);
      if (a.len == b.len && !memcmp(a.data, b.data, a.len)) cells++;
      else fprintf(stderr, "row %d col %s: csv %.*s jsonl %.*s\n", rows, header[i], (int)a.len, a.data, (int)b.len, b.data);
      whorl_buf_free(&a);
      whorl_buf_free(&b);
    }
  }
  CHECK_INT(rows, 3);
  CHECK_INT(cells, 15);
  whorl_csv_free(c);
  whorl_jsonl_free(j);
  T_DONE();
}
