/* CSV tokenizer: RFC 4180 cases and real-file habits, fed in pieces of 1,
 * 7 and 65536 bytes (every record boundary case meets a buffer edge), the
 * error cases with their line numbers, delimiter sniffing, and a cross-check
 * against Python's csv module on generated data. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "t.h"
#include "memsrc.h"
#include "table/csv.h"
#include "util/util.h"
#include "whorl/whorl.h"

/* Tokenizes text; returns records as "a|b|c\n" lines (fields joined by '|'),
 * or "ERR line:..." */
static char *tok(const char *text, size_t len, char delim, size_t piece, size_t max_record, unsigned *flags_or) {
  memsrc s = {(const uint8_t *)text, len, 0, piece};
  whorl_csv_opts o = {delim, 0, max_record, "t.csv", 0};
  whorl_csv *c = NULL;
  whorl_error err;
  static char out[1 << 16];
  size_t n = 0;
  out[0] = 0;
  if (flags_or) *flags_or = 0;
  if (whorl_csv_new(&o, memsrc_read, &s, &c, &err)) return strcpy(out, "ERR new");
  whorl_csv_record r;
  int rc;
  while ((rc = whorl_csv_next(c, &r, &err)) == 1) {
    for (size_t i = 0; i < r.nfields; i++)
      n += (size_t)snprintf(out + n, sizeof out - n, "%s%.*s", i ? "|" : "", (int)r.len[i], r.field[i]);
    n += (size_t)snprintf(out + n, sizeof out - n, "@%llu\n", (unsigned long long)r.line);
    if (flags_or) *flags_or |= r.flags;
  }
  if (rc < 0) snprintf(out + n, sizeof out - n, "ERR %s", err.message);
  whorl_csv_free(c);
  return out;
}

static void same_all_pieces(const char *text, char delim, const char *want) {
  size_t pieces[] = {1, 2, 7, 65536};
  for (size_t k = 0; k < 4; k++) CHECK_STR(tok(text, strlen(text), delim, pieces[k], 0, NULL), want);
}

int main(void) {
  same_all_pieces("a,b,c\n1,2,3\n", ',', "a|b|c@1\n1|2|3@2\n");
  same_all_pieces("a,b\r\n1,2\r\n", ',', "a|b@1\n1|2@2\n");
  same_all_pieces("a,b\r1,2\r", ',', "a|b@1\n1|2@2\n");               /* old Mac line ends */
  same_all_pieces("a,b\n1,2", ',', "a|b@1\n1|2@2\n");                 /* no final newline */
  same_all_pieces("\xef\xbb\xbf" "a,b\n", ',', "a|b@1\n");            /* BOM */
  same_all_pieces("a,,c,\n", ',', "a||c|@1\n");                       /* empty and trailing fields */
  same_all_pieces("a\n\nb\n", ',', "a@1\n@2\nb@3\n");                 /* blank line = one empty field */
  same_all_pieces("\"x,y\",\"say \"\"hi\"\"\"\n", ',', "x,y|say \"hi\"@1\n");
  same_all_pieces("\"multi\nline\",2\nnext,3\n", ',', "multi\nline|2@1\nnext|3@3\n");
  same_all_pieces("\"crlf\r\ninside\",2\r\n", ',', "crlf\r\ninside|2@1\n");
  same_all_pieces("\"\"\n", ',', "@1\n");                            /* quoted empty field */
  same_all_pieces("a\"b,c\n", ',', "a\"b|c@1\n");                    /* quote inside an unquoted field */
  same_all_pieces("a\tb\t\"c\td\"\n", '\t', "a|b|c\td@1\n");
  unsigned fl;
  CHECK_STR(tok("\"ab\"c,d\n", 8, ',', 3, 0, &fl), "abc|d@1\n");
  CHECK(fl & WHORL_CSV_STRAY_QUOTE);
  {
    /* per-field quoting: an empty quoted field is not an empty unquoted one */
    memsrc s2 = {(const uint8_t *)"\"\",,\"x\"\n", 8, 0, 2};
    whorl_csv_opts o2 = {',', 0, 0, "q.csv", 0};
    whorl_csv *c2 = NULL;
    whorl_error e2;
    whorl_csv_record r2;
    CHECK(whorl_csv_new(&o2, memsrc_read, &s2, &c2, &e2) == WHORL_OK);
    CHECK(whorl_csv_next(c2, &r2, &e2) == 1);
    CHECK(r2.nfields == 3 && r2.quoted[0] == 1 && r2.quoted[1] == 0 && r2.quoted[2] == 1);
    whorl_csv_free(c2);
  }
  CHECK(fl & WHORL_CSV_QUOTED);
  /* NUL bytes are data. */
  CHECK_STR(tok("a\0b,c\n", 6, ',', 1, 0, NULL), "a|c@1\n" /* printed with %.*s: stops at NUL */);
  /* Errors, with the line where the bad record starts. */
  const char *e = tok("a,b\n1,\"open\n2,3\n", 16, ',', 5, 0, NULL);
  CHECK(strstr(e, "ERR line 2: quoted field not closed") != NULL);
  char big[5000];
  memset(big, 'x', sizeof big);
  big[sizeof big - 1] = '\n';
  e = tok(big, sizeof big, ',', 100, 1000, NULL);
  CHECK(strstr(e, "ERR line 1: record longer than 1000 bytes") != NULL);
  /* ...and the same bound holds when the only line has no line break. */
  e = tok(big, sizeof big - 1, ',', 4096, 1000, NULL);
  CHECK(strstr(e, "record longer than 1000 bytes") != NULL);

  /* Sniffing. */
  CHECK_INT(whorl_csv_sniff_delimiter((const uint8_t *)"a,b,c\n1,2,3\n", 12), ',');
  CHECK_INT(whorl_csv_sniff_delimiter((const uint8_t *)"a\tb\tc\n1\t2,5\t3\n", 14), '\t');
  CHECK_INT(whorl_csv_sniff_delimiter((const uint8_t *)"a;b;c\n1,5;2,5;3\n", 16), ';');
  CHECK_INT(whorl_csv_sniff_delimiter((const uint8_t *)"a|b\n\"x|y\"|z\n", 13), '|');
  CHECK_INT(whorl_csv_sniff_delimiter((const uint8_t *)"just one column\n", 16), ',');
  CHECK_STR(tok("x;y\n1;2\n", 8, 0, 3, 0, NULL), "x|y@1\n1|2@2\n");

  /* Cross-check with Python's csv module on generated records: quotes,
   * delimiters, CR/LF inside fields, empty fields, non-ASCII. */
  const char *tmp = getenv("WHORL_TMP");
  char gen[4096], csvp[1024], jsonp[1024];
  snprintf(csvp, sizeof csvp, "%s/gen.%d.csv", tmp ? tmp : "/tmp", (int)getpid());
  snprintf(jsonp, sizeof jsonp, "%s/gen.%d.json", tmp ? tmp : "/tmp", (int)getpid());
  snprintf(gen, sizeof gen,
           "python3 -c 'import csv,json,random,sys\n"
           "random.seed(5); alpha=[\"a\",\"b\",\",\",\"\\\"\",\"\\n\",\"\\r\\n\",\" \",\"\\u00e9\",\"1\",\".\"]\n"
           "rows=[[\"\".join(random.choice(alpha) for _ in range(random.randint(0,8))) for _ in range(random.randint(1,6))] for _ in range(3000)]\n"
           "rows=[r for r in rows if r!=[\"\"]]\n"
           "f=open(sys.argv[1],\"w\",newline=\"\"); csv.writer(f,quoting=csv.QUOTE_MINIMAL,lineterminator=\"\\r\\n\").writerows(rows); f.close()\n"
           "back=list(csv.reader(open(sys.argv[1],newline=\"\")))\n"
           "assert back==rows\n"
           "json.dump(rows,open(sys.argv[2],\"w\"))' '%s' '%s'",
           csvp, jsonp);
  CHECK(system(gen) == 0);
  whorl_json *want = NULL;
  whorl_error err;
  CHECK(whorl_json_parse_file(jsonp, 0, &want, &err) == WHORL_OK);
  char *text = NULL;
  size_t tl = 0;
  CHECK(whorl__read_file(csvp, 1 << 26, &text, &tl, &err) == WHORL_OK);
  if (want && text) {
    memsrc s = {(const uint8_t *)text, tl, 0, 4093};
    whorl_csv_opts o = {',', 0, 0, csvp, 0};
    whorl_csv *c = NULL;
    CHECK(whorl_csv_new(&o, memsrc_read, &s, &c, &err) == WHORL_OK);
    whorl_csv_record r;
    size_t i = 0, bad = 0;
    while (c && whorl_csv_next(c, &r, &err) == 1) {
      whorl_json *row = whorl_json_array_get(want, i++);
      if (!row || whorl_json_size(row) != r.nfields) {
        bad++;
        continue;
      }
      for (size_t k = 0; k < r.nfields; k++) {
        size_t wl = 0;
        const char *w = whorl_json_get_string(whorl_json_array_get(row, k), &wl);
        if (wl != r.len[k] || memcmp(w, r.field[k], wl)) bad++;
      }
    }
    CHECK_INT(i, whorl_json_size(want));
    CHECK_INT(bad, 0);
    whorl_csv_free(c);
  }
  free(text);
  whorl_json_free(want);
  remove(csvp);
  remove(jsonp);
  T_DONE();
}
