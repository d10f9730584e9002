/* test_json.c - the canon module: DOM, RFC 8259 parser, RFC 8785 output. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "canon/canon.h"
#include "t.h"
#include "util/util.h"
#include "whorl/json.h"

static int buf_sink(void *ctx, const char *data, size_t len) {
  whorl_buf_put((whorl_buf *)ctx, data, len);
  return 0;
}

static int failing_sink(void *ctx, const char *data, size_t len) {
  (void)data;
  (void)len;
  ++*(int *)ctx;
  return 1;
}

static double seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Canonical form of a parsed text, or "ERR" (static buffer, for CHECK_STR). */
static const char *canon_of(const char *text) {
  static char out[4096];
  whorl_json *v = NULL;
  whorl_error err;
  whorl_error_clear(&err);
  if (whorl_json_parse(text, strlen(text), &v, &err) != WHORL_OK) {
    snprintf(out, sizeof out, "ERR");
    return out;
  }
  char *c = NULL;
  size_t n = 0;
  if (whorl_json_canonical(v, &c, &n) != WHORL_OK) snprintf(out, sizeof out, "OOM");
  else snprintf(out, sizeof out, "%s", c);
  free(c);
  whorl_json_free(v);
  return out;
}

/* ---- RFC 8785 vectors ---- */

static char *read_all(const char *path, size_t *len) {
  char *buf = NULL;
  if (whorl__read_file(path, 1 << 20, &buf, len, NULL) != WHORL_OK) return NULL;
  return buf;
}

static void test_jcs_vectors(void) {
  const char *shared = getenv("WHORL_SHARED");
  char fallback[2048];
  if (!shared) {
    /* Run by hand: ../shared from the project root, found via __FILE__. */
    snprintf(fallback, sizeof fallback, "%s", __FILE__);
    char *cut = strstr(fallback, "/tests/unit/");
    if (cut) {
      snprintf(cut, sizeof fallback - (size_t)(cut - fallback), "/../shared");
      shared = fallback;
    }
  }
  CHECK(shared != NULL);
  if (!shared) return;
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/vectors/jcs/input", shared);
  DIR *d = opendir(dir);
  CHECK(d != NULL);
  if (!d) return;
  int files = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    char in[4600], outp[4600], hexp[4600];
    snprintf(in, sizeof in, "%s/%s", dir, e->d_name);
    snprintf(outp, sizeof outp, "%s/vectors/jcs/output/%s", shared, e->d_name);
    char base[256];
    snprintf(base, sizeof base, "%s", e->d_name);
    char *dot = strrchr(base, '.');
    if (dot) *dot = 0;
    snprintf(hexp, sizeof hexp, "%s/vectors/jcs/outhex/%s.txt", shared, base);

    whorl_json *v = NULL;
    whorl_error err;
    whorl_error_clear(&err);
    int rc = whorl_json_parse_file(in, 0, &v, &err);
    CHECK_INT(rc, WHORL_OK);
    if (rc) {
      fprintf(stderr, "  %s: %s\n", in, err.message);
      continue;
    }
    char *c = NULL;
    size_t clen = 0;
    CHECK_INT(whorl_json_canonical(v, &c, &clen), WHORL_OK);
    size_t wlen = 0;
    char *want = read_all(outp, &wlen);
    CHECK(want != NULL);
    if (want && c) {
      int same = clen == wlen && memcmp(c, want, wlen) == 0;
      CHECK(same);
      if (!same) fprintf(stderr, "  %s\n  got:  %s\n  want: %s\n", e->d_name, c, want);
    }
    /* outhex: the same bytes spelled in hex. */
    size_t hlen = 0;
    char *hex = read_all(hexp, &hlen);
    CHECK(hex != NULL);
    if (hex && c) {
      size_t nb = 0;
      int bad = 0;
      char *p = hex;
      for (;;) {
        while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t') p++;
        if (!*p) break;
        char *endp;
        unsigned long b = strtoul(p, &endp, 16);
        if (endp == p || b > 255) {
          bad = 1;
          break;
        }
        p = endp;
        if (nb >= clen || (unsigned char)c[nb] != b) bad = 1;
        nb++;
      }
      CHECK(!bad);
      CHECK_INT(nb, clen);
    }
    /* Canonical output is a fixed point. */
    whorl_json *v2 = NULL;
    CHECK_INT(whorl_json_parse(c, clen, &v2, NULL), WHORL_OK);
    CHECK(whorl_json_equal(v, v2));
    char *c2 = NULL;
    size_t c2len = 0;
    CHECK_INT(whorl_json_canonical(v2, &c2, &c2len), WHORL_OK);
    CHECK(c2 && c2len == clen && memcmp(c, c2, clen) == 0);
    free(c2);
    whorl_json_free(v2);
    free(hex);
    free(want);
    free(c);
    whorl_json_free(v);
    files++;
  }
  closedir(d);
  CHECK(files >= 6);
}

/* ---- numbers ---- */

/* Expected strings printed by node: String(x). */
static const struct {
  uint64_t bits;
  const char *want;
} number_cases[] = {
    {0x0000000000000000ULL, "0"}, /* 0 */
    {0x8000000000000000ULL, "0"}, /* -0 */
    {0x3ff0000000000000ULL, "1"}, /* 1 */
    {0xbff0000000000000ULL, "-1"}, /* -1 */
    {0x3fb999999999999aULL, "0.1"}, /* 0.1 */
    {0x444b1ae4d6e2ef50ULL, "1e+21"}, /* 1e21 */
    {0x3e7ad7f29abcaf48ULL, "1e-7"}, /* 1e-7 */
    {0x441ac53a7e04bcdaULL, "123456789012345680000"}, /* 123456789012345680000 */
    {0x0000000000000001ULL, "5e-324"}, /* 5e-324 */
    {0x7fefffffffffffffULL, "1.7976931348623157e+308"}, /* 1.7976931348623157e308 */
    {0x3eb0c6f7a0b5ed8dULL, "0.000001"}, /* 0.000001 */
    {0x3e8421f5f40d8376ULL, "1.5e-7"}, /* 1.5e-7 */
    {0x4340000000000000ULL, "9007199254740992"}, /* 2**53 */
    {0x43b0000000000000ULL, "1152921504606847000"}, /* 2**60 */
    {0x43e0000000000000ULL, "9223372036854776000"}, /* 2**63 */
    {0x44b52d02c7e14af6ULL, "1e+23"}, /* 1e23 */
    {0x41b3de4355555555ULL, "333333333.3333333"}, /* 333333333.33333329 */
    {0x46293e5939a08ceaULL, "1e+30"}, /* 1e30 */
    {0x4012000000000000ULL, "4.5"}, /* 4.5 */
    {0x3f60624dd2f1a9fcULL, "0.002"}, /* 0.002 */
    {0x3a53ce9a36f23c10ULL, "1e-27"}, /* 1e-27 */
    {0x0010000000000000ULL, "2.2250738585072014e-308"}, /* 2**-1022 */
    {0x3cb0000000000000ULL, "2.220446049250313e-16"}, /* Number.EPSILON */
    {0x444b1ae4d6e2ef4fULL, "999999999999999900000"}, /* 999999999999999900000 */
    {0x4415af1d78b58c40ULL, "100000000000000000000"}, /* 1e20 */
    {0xfe41eb2d66005835ULL, "-1.5e+300"}, /* -1.5e300 */
    {0x3fd5555555555555ULL, "0.3333333333333333"}, /* 1/3 */
    {0xbfe5555555555555ULL, "-0.6666666666666666"}, /* -2/3 */
    {0x3eb4b6231abfd271ULL, "0.0000012345"}, /* 0.0000012345 */
    {0x405edd2f1a9fbe77ULL, "123.456"}, /* 123.456 */
    {0x3eb0c2ac1dbbe3d8ULL, "9.99e-7"}, /* 1e-6*9.99 */
    {0x4430000000000000ULL, "295147905179352830000"}, /* 295147905179352830000 */
    {0x4011666666666666ULL, "4.35"}, /* 4.35 */
    {0x3fd3333333333334ULL, "0.30000000000000004"}, /* 0.3 */
    {0x0000000000000003ULL, "1.5e-323"}, /* 2**-1074*3 */
    {0x7fe1ccf385ebc8a0ULL, "1e+308"}, /* 1e308 */
    {0x43e56a95319d63e1ULL, "12345678901234567000"}, /* 12345678901234567890 */
    {0xa74ea1feadac2ce2ULL, "-2.3725660784468923e-119"}, /* random bits */
    {0xb5d3bd56cb31943bULL, "-2.1103728513857968e-49"}, /* random bits */
    {0x35c9dfd81c78bb5dULL, "1.383123201666151e-49"}, /* random bits */
    {0x475eebde6b6dd12cULL, "6.4221157565055156e+35"}, /* random bits */
    {0x28516081f977c039ULL, "1.7640709121879568e-114"}, /* random bits */
    {0x6fdfd14e89d8b31cULL, "7.71834482432015e+230"}, /* random bits */
    {0x9617b066b3416166ULL, "-3.022253437508358e-202"}, /* random bits */
    {0x6bf16e054022aa01ULL, "9.168294639631958e+211"}, /* random bits */
    {0x49476a37cd7a89d9ULL, "1.0443400610662936e+45"}, /* random bits */
    {0x9db3058d7282a94aULL, "-1.290302334891487e-165"}, /* random bits */
    {0x7cf43384e89c03a3ULL, "8.063692523184343e+293"}, /* random bits */
    {0xa666cdaf48cafe7eULL, "-1.0779843610771807e-123"}, /* random bits */
    {0x3091acdc92b116efULL, "9.769366895317108e-75"}, /* random bits */
    {0x163e74cd4fdc3ccdULL, "1.5542449105465683e-201"}, /* random bits */
    {0x686e0252b5d3cbffULL, "1.0953169653020429e+195"}, /* random bits */
    {0x97dc4e014187a5afULL, "-9.693518857589451e-194"}, /* random bits */
    {0xac7ca7ebae219136ULL, "-2.1465253833508313e-94"}, /* random bits */
    {0xad7152af5b603e54ULL, "-8.5040168341497e-90"}, /* random bits */
    {0x1e8bf8b384d3cc51ULL, "1.5543468111289135e-161"}, /* random bits */
    {0x7a7a22e358029b63ULL, "9.488547974060586e+281"}, /* random bits */
    {0x18211f1fc5b5b35aULL, "1.8763617975377253e-192"}, /* random bits */
    {0x3778ec5018e25bfbULL, "1.788144528047934e-41"}, /* random bits */
    {0x393f94f940bb4ed1ULL, "6.08245814082685e-33"}, /* random bits */
    {0x4986ba86b1ae4522ULL, "1.62196836341237e+46"}, /* random bits */
    {0xc407217e765db2a0ULL, "-53336076286304715000"}, /* random bits */
    {0x93586f6e9750eeeeULL, "-1.7720682936744572e-215"}, /* random bits */
    {0x9d66e2450a6766efULL, "-4.850894291063121e-167"}, /* random bits */
    {0xf9086a602be54bf4ULL, "-1.0566525708467712e+275"}, /* random bits */
    {0xb7fdc877abe54ec8ULL, "-5.470287130798198e-39"}, /* random bits */
    {0x99a08f15e9be06a7ULL, "-3.0445625162687215e-185"}, /* random bits */
};

static void test_numbers(void) {
  char buf[32];
  for (size_t i = 0; i < sizeof number_cases / sizeof number_cases[0]; i++) {
    double d;
    memcpy(&d, &number_cases[i].bits, sizeof d);
    size_t n = whorl_json_format_double(d, buf);
    CHECK_STR(buf, number_cases[i].want);
    CHECK_INT(n, strlen(number_cases[i].want));
    /* The same through a document, and back through the parser. */
    whorl_json *v = whorl_json_double(d);
    char *c = NULL;
    CHECK_INT(whorl_json_canonical(v, &c, NULL), WHORL_OK);
    CHECK_STR(c, number_cases[i].want);
    whorl_json *back = NULL;
    CHECK_INT(whorl_json_parse(c, strlen(c), &back, NULL), WHORL_OK);
    CHECK(whorl_json_get_double(back) == d);
    CHECK(whorl_json_equal(v, back));
    whorl_json_free(back);
    free(c);
    whorl_json_free(v);
  }

  /* Literals through the parser. */
  CHECK_STR(canon_of("-0"), "0");
  CHECK_STR(canon_of("-0.0"), "0");
  CHECK_STR(canon_of("0e10"), "0");
  CHECK_STR(canon_of("1.0"), "1");
  CHECK_STR(canon_of("1E3"), "1000");
  CHECK_STR(canon_of("1e+21"), "1e+21");
  CHECK_STR(canon_of("0.1e1"), "1");
  CHECK_STR(canon_of("100e-2"), "1");
  CHECK_STR(canon_of("0.000001"), "0.000001");
  CHECK_STR(canon_of("0.0000001"), "1e-7");
  CHECK_STR(canon_of("1e-400"), "0");
  CHECK_STR(canon_of("-1e-400"), "0");
  CHECK_STR(canon_of("2.4703282292062328e-324"), "5e-324"); /* rounds up to the smallest denormal */
  CHECK_STR(canon_of("123456789012345678901234567890"), "1.2345678901234568e+29");
  CHECK_STR(canon_of("0.30000000000000004"), "0.30000000000000004");
  /* Long mantissas: digits past the 780th only count as "non-zero". */
  {
    char big[2100];
    memset(big, '0', sizeof big);
    big[0] = '9';
    big[1] = '.';
    big[sizeof big - 2] = '1';
    big[sizeof big - 1] = 0; /* 9.000...0001 */
    CHECK_STR(canon_of(big), "9");
    memcpy(big, "10.", 3); /* 10.000...0001 */
    CHECK_STR(canon_of(big), "10");
    big[sizeof big - 2] = '0';
    memcpy(big, "1000", 4); /* 2098 digits: far out of range */
    CHECK_STR(canon_of(big), "ERR");
    /* 2^-1 + 2^-54: 1 + 2^-53 exactly halfway, ties-to-even gives 1;
     * anything beyond it (far past digit 780) must round up. */
    char half[1200];
    snprintf(half, sizeof half, "1.00000000000000011102230246251565404236316680908203125");
    CHECK_STR(canon_of(half), "1");
    size_t hl = strlen(half);
    memset(half + hl, '0', 1000);
    half[hl + 1000] = '1';
    half[hl + 1001] = 0;
    CHECK_STR(canon_of(half), "1.0000000000000002");
  }

  /* Exact integers. */
  CHECK_STR(canon_of("9007199254740993"), "9007199254740993");
  CHECK_STR(canon_of("-9223372036854775808"), "-9223372036854775808");
  CHECK_STR(canon_of("9223372036854775807"), "9223372036854775807");
  CHECK_STR(canon_of("9223372036854775808"), "9223372036854776000"); /* no longer fits: a double */
  CHECK_STR(canon_of("9007199254740993.0"), "9007199254740992");   /* a fraction: a double */
  CHECK_STR(canon_of("9007199254740993e0"), "9007199254740992");
  whorl_json *v = whorl_json_int(9007199254740993LL);
  char *c = NULL;
  CHECK_INT(whorl_json_canonical(v, &c, NULL), WHORL_OK);
  CHECK_STR(c, "9007199254740993");
  CHECK(whorl_json_is_int(v));
  CHECK_INT(whorl_json_get_int(v), 9007199254740993LL);
  free(c);
  whorl_json_free(v);
  v = whorl_json_int(INT64_MIN);
  CHECK_INT(whorl_json_canonical(v, &c, NULL), WHORL_OK);
  CHECK_STR(c, "-9223372036854775808");
  free(c);
  whorl_json_free(v);

  whorl_json *p = NULL;
  CHECK_INT(whorl_json_parse("-9223372036854775808", 20, &p, NULL), WHORL_OK);
  CHECK(whorl_json_is_int(p));
  CHECK(whorl_json_get_int(p) == INT64_MIN);
  whorl_json_free(p);
  CHECK_INT(whorl_json_parse("12.5", 4, &p, NULL), WHORL_OK);
  CHECK(!whorl_json_is_int(p));
  CHECK_INT(whorl_json_get_int(p), 12);
  CHECK(whorl_json_get_double(p) == 12.5);
  whorl_json_free(p);
  CHECK_INT(whorl_json_parse("-0", 2, &p, NULL), WHORL_OK);
  CHECK(whorl_json_is_int(p));
  CHECK(signbit(whorl_json_get_double(p)));
  whorl_json_free(p);
  CHECK_INT(whorl_json_parse("1e300", 5, &p, NULL), WHORL_OK);
  CHECK_INT(whorl_json_get_int(p), INT64_MAX); /* clamps, no UB */
  whorl_json_free(p);

  CHECK(whorl_json_double(NAN) == NULL);
  CHECK(whorl_json_double(INFINITY) == NULL);
  CHECK(whorl_json_double(-INFINITY) == NULL);
}

/* ---- parse errors ---- */

static void expect_error(const char *text, size_t len, int64_t offset, int line) {
  whorl_json *v = (whorl_json *)1;
  whorl_error err;
  whorl_error_clear(&err);
  int rc = whorl_json_parse(text, len, &v, &err);
  t_checks++;
  if (rc != WHORL_EFORMAT || v != NULL || err.offset != offset || err.code != WHORL_EFORMAT ||
      strncmp(err.message, "invalid JSON: ", 14) != 0) {
    t_failures++;
    fprintf(stderr, "test_json.c:%d: parse error case: rc=%d offset=%lld (want %lld) message=%s\n", line, rc,
            (long long)err.offset, (long long)offset, err.message);
  }
  if (rc == WHORL_OK) whorl_json_free(v);
}
#define ERR(text, off) expect_error(text, sizeof(text) - 1, off, __LINE__)

static void test_errors(void) {
  ERR("", 0);
  ERR("   ", 3);
  ERR("[1,2", 4);
  ERR("[1,2 ", 5);
  ERR("{\"a\":", 5);
  ERR("{\"a\"", 4);
  ERR("[1,]", 3);
  ERR("[1,2,]", 5);
  ERR("{\"a\":1,}", 7);
  ERR("{\"a\":1 \"b\":2}", 7);
  ERR("{\"a\" 1}", 5);
  ERR("{a:1}", 1);
  ERR("{'a':1}", 1);
  ERR("[1 2]", 3);
  ERR("1 2", 2);
  ERR("[1] x", 4);
  ERR("{}}", 2);
  ERR("\"\\x\"", 1);
  ERR("\"ab\\'\"", 3);
  ERR("\"\\u12G4\"", 1);
  ERR("\"\\u12", 5);
  ERR("\"\\ud800\"", 1);
  ERR("\"\\udc00\"", 1);
  ERR("\"ab\\ud83dx\"", 3);
  ERR("\"\\ud83d\\u0041\"", 1);
  ERR("\"\\ud83d\\ud83d\"", 1);
  ERR("\"\xff\"", 1);
  ERR("\"a\xc3(\"", 2);
  ERR("\"\xc0\xaf\"", 1);          /* overlong '/' */
  ERR("\"\xe0\x80\xaf\"", 1);      /* overlong */
  ERR("\"\xed\xa0\x80\"", 1);      /* encoded surrogate */
  ERR("\"\xf4\x90\x80\x80\"", 1);  /* above U+10FFFF */
  ERR("\"ok\xe2\x82\"", 3);        /* truncated sequence */
  ERR("\xef\xbb\xbf{}", 0);        /* BOM */
  ERR("{\"a\":1,\"a\":2}", 7);
  ERR("{\"a\":1,\"b\":{\"x\":1,\"x\":1}}", 18);
  ERR("{\"a\\u0000\":1,\"a\\u0000\":2}", 13);
  ERR("01", 0);
  ERR("[-01]", 2);
  ERR("00", 0);
  ERR("-", 1);
  ERR("-a", 1);
  ERR("1.", 2);
  ERR("1.e5", 2);
  ERR("1e", 2);
  ERR("1e+", 3);
  ERR(".5", 0);
  ERR("+1", 0);
  ERR("NaN", 0);
  ERR("Infinity", 0);
  ERR("-Infinity", 1);
  ERR("1e400", 0);
  ERR("[-1e400]", 1);
  ERR("tru", 3);
  ERR("nul", 3);
  ERR("trUe", 0);
  ERR("True", 0);
  ERR("nulll", 4);
  ERR("\"a\tb\"", 2);
  ERR("\"a\nb\"", 2);
  ERR("\"a\x01\"", 2);
  ERR("\"abc", 4);
  ERR("\"abc\\", 5);
  ERR("/* c */ 1", 0);
  ERR("[1] // c", 4);
  ERR("\x00", 0);
  ERR("[\x00]", 1);
  ERR("\"a\" \x00", 4);

  /* Depth: 512 levels parse, 513 (and 600) do not. */
  char deep[1200];
  for (int i = 0; i < 512; i++) {
    deep[i] = '[';
    deep[512 + i] = ']';
  }
  whorl_json *v = NULL;
  CHECK_INT(whorl_json_parse(deep, 1024, &v, NULL), WHORL_OK);
  char *c = NULL;
  CHECK_INT(whorl_json_canonical(v, &c, NULL), WHORL_OK);
  CHECK(c && strlen(c) == 1024);
  free(c);
  whorl_json_free(v);
  for (int i = 0; i < 600; i++) deep[i] = '[';
  for (int i = 0; i < 600; i++) deep[600 + i] = ']';
  expect_error(deep, 1200, 512, __LINE__);
  /* Objects count too: 300 x {"a":[ holds 600 containers; the 513th is
   * the '{' of repetition 256. */
  char mixed[1800];
  for (int i = 0; i < 300; i++) memcpy(mixed + 6 * i, "{\"a\":[", 6);
  expect_error(mixed, sizeof mixed, 6 * 256, __LINE__);

  /* Message format: line and column of the fault. */
  whorl_error err;
  whorl_error_clear(&err);
  const char *t = "{\n  \"a\": 1,\n  \"b\" 2\n}";
  CHECK_INT(whorl_json_parse(t, strlen(t), &v, &err), WHORL_EFORMAT);
  CHECK_INT(err.offset, 18);
  CHECK_STR(err.message, "invalid JSON: expected ':', found '2' at line 3 column 7");
  t = "{\"a\": 1\n  \"b\": 2}";
  CHECK_INT(whorl_json_parse(t, strlen(t), &v, &err), WHORL_EFORMAT);
  CHECK_STR(err.message, "invalid JSON: expected ',' or '}', found '\"' at line 2 column 3");
  t = "[\"\xc3\xa9\xc3\xa9\", tru";
  CHECK_INT(whorl_json_parse(t, strlen(t), &v, &err), WHORL_EFORMAT);
  CHECK_INT(err.offset, 12);
  CHECK_STR(err.message, "invalid JSON: unexpected end of input in a literal at line 1 column 11");
  CHECK(v == NULL);
  /* Errors with a NULL error struct must not crash. */
  CHECK_INT(whorl_json_parse("[", 1, &v, NULL), WHORL_EFORMAT);
  CHECK_INT(whorl_json_parse(NULL, 0, &v, NULL), WHORL_EFORMAT);
  CHECK_INT(whorl_json_parse("1", 1, NULL, NULL), WHORL_EINVAL);
}

/* ---- strings ---- */

static void test_strings(void) {
  whorl_json *v = NULL;
  /* Surrogate pair -> UTF-8, NUL kept, escapes decoded. */
  const char *t = "\"\\ud83d\\ude00|\\u0000|\\u00e9|\\u20AC|\\/|\\b\\f\\n\\r\\t|\\\"\\\\\"";
  CHECK_INT(whorl_json_parse(t, strlen(t), &v, NULL), WHORL_OK);
  size_t len = 0;
  const char *s = whorl_json_get_string(v, &len);
  const char want[] = "\xf0\x9f\x98\x80|\0|\xc3\xa9|\xe2\x82\xac|/|\b\f\n\r\t|\"\\";
  CHECK_INT(len, sizeof want - 1);
  CHECK(s && memcmp(s, want, sizeof want - 1) == 0 && s[len] == 0);
  char *c = NULL;
  size_t clen = 0;
  CHECK_INT(whorl_json_canonical(v, &c, &clen), WHORL_OK);
  const char cwant[] = "\"\xf0\x9f\x98\x80|\\u0000|\xc3\xa9|\xe2\x82\xac|/|\\b\\f\\n\\r\\t|\\\"\\\\\"";
  CHECK_INT(clen, sizeof cwant - 1);
  CHECK(c && memcmp(c, cwant, clen) == 0);
  free(c);
  whorl_json_free(v);

  /* Every control character: the short escapes or \u00xx in lowercase. */
  char raw[32];
  for (int i = 0; i < 32; i++) raw[i] = (char)i;
  v = whorl_json_stringn(raw, 32);
  CHECK_INT(whorl_json_canonical(v, &c, NULL), WHORL_OK);
  CHECK_STR(c, "\"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b\\f\\r\\u000e\\u000f"
               "\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d"
               "\\u001e\\u001f\"");
  free(c);
  whorl_json_free(v);
  CHECK_STR(canon_of("\"\\u007f\\u0080\\uFFFF\""), "\"\x7f\xc2\x80\xef\xbf\xbf\"");
  CHECK_STR(canon_of("\"\\uDBFF\\uDFFF\""), "\"\xf4\x8f\xbf\xbf\"");
  CHECK_STR(canon_of("\"</script>\""), "\"</script>\"");
  CHECK_STR(canon_of("\"\xf0\x9f\x98\x80 raw\""), "\"\xf0\x9f\x98\x80 raw\"");
  CHECK_STR(canon_of(" \t\r\n\"x\" \t\r\n"), "\"x\"");
}

/* Strings and keys that are not UTF-8 are never written: the serializers
 * refuse them (whorl must be able to read every document it writes). */
static void test_invalid_utf8_refused(void) {
  static const char *bad[] = {"Jos\xe9", "\xc3", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "ok\xff"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    whorl_json *o = whorl_json_object();
    whorl_json_object_set(o, "v", whorl_json_string(bad[i]));
    char *c = (char *)1;
    CHECK_INT(whorl_json_canonical(o, &c, NULL), WHORL_EFORMAT);
    CHECK(c == NULL);
    CHECK_INT(whorl_json_pretty(o, &c, NULL), WHORL_EFORMAT);
    whorl_buf b = WHORL_BUF_INIT;
    CHECK_INT(whorl_json_write(o, 1, buf_sink, &b), WHORL_EFORMAT);
    whorl_buf_free(&b);
    whorl_json_free(o);
    o = whorl_json_object(); /* as a key */
    whorl_json_object_set(o, bad[i], whorl_json_int(1));
    CHECK_INT(whorl_json_canonical(o, &c, NULL), WHORL_EFORMAT);
    whorl_json_free(o);
    /* the direct writer puts one U+FFFD for each stray byte */
    whorl_buf_free(&b);
    whorl__jcs_string(&b, bad[i], strlen(bad[i]));
    CHECK(b.data && whorl__utf8_valid(b.data, b.len));
    whorl_buf_free(&b);
  }
  whorl_buf b = WHORL_BUF_INIT;
  whorl__jcs_string(&b, "na\xefve\xe2\x82|\xc3\xa9", 10);
  CHECK_STR(b.data, "\"na\xef\xbf\xbdve\xef\xbf\xbd\xef\xbf\xbd|\xc3\xa9\"");
  whorl_buf_free(&b);
  /* valid text still passes, 4-byte sequences included */
  whorl_json *v = whorl_json_string("\xf0\x9f\x98\x80\xc3\xa9\xe2\x82\xac");
  char *c = NULL;
  CHECK_INT(whorl_json_canonical(v, &c, NULL), WHORL_OK);
  CHECK_STR(c, "\"\xf0\x9f\x98\x80\xc3\xa9\xe2\x82\xac\"");
  free(c);
  whorl_json_free(v);
}

/* ---- key order ---- */

static void test_key_order(void) {
  /* UTF-16 order: U+1F600 (surrogates D83D DE00) sorts before U+FB33 and
   * U+E000 although its UTF-8 bytes sort after them. */
  CHECK_STR(canon_of("{\"\\ufb33\":1,\"\\ud83d\\ude00\":2,\"\\ue000\":3,\"\\ud7ff\":4,\"z\":5,\"\":6,\"\\u00e9\":7}"),
            "{\"\":6,\"z\":5,\"\xc3\xa9\":7,\"\xed\x9f\xbf\":4,\"\xf0\x9f\x98\x80\":2,\"\xee\x80\x80\":3,\"\xef\xac\xb3\":1}");
  CHECK_STR(canon_of("{\"b\":1,\"a\":2,\"ab\":3,\"aa\":4,\"a\\u0000\":5,\"B\":6}"),
            "{\"B\":6,\"a\":2,\"a\\u0000\":5,\"aa\":4,\"ab\":3,\"b\":1}");
  /* Two supplementary characters order like their code points. */
  CHECK_STR(canon_of("{\"\\udbff\\udfff\":1,\"\\ud800\\udc00\":2,\"\\ud83d\\ude00\":3}"),
            "{\"\xf0\x90\x80\x80\":2,\"\xf0\x9f\x98\x80\":3,\"\xf4\x8f\xbf\xbf\":1}");
  /* Nested objects are sorted too, arrays keep their order. */
  CHECK_STR(canon_of("{\"b\":[3,1,{\"y\":1,\"x\":2}],\"a\":{\"d\":null,\"c\":true}}"),
            "{\"a\":{\"c\":true,\"d\":null},\"b\":[3,1,{\"x\":2,\"y\":1}]}");
}

/* ---- the document model ---- */

static void test_dom(void) {
  whorl_json *o = whorl_json_object();
  CHECK(o != NULL);
  CHECK_INT(whorl_json_typeof(o), WHORL_JSON_OBJECT);
  CHECK_INT(whorl_json_object_set(o, "name", whorl_json_string("whorl")), WHORL_OK);
  CHECK_INT(whorl_json_object_set(o, "size", whorl_json_int(42)), WHORL_OK);
  CHECK_INT(whorl_json_object_set(o, "ratio", whorl_json_double(0.5)), WHORL_OK);
  CHECK_INT(whorl_json_object_set(o, "ok", whorl_json_bool(1)), WHORL_OK);
  CHECK_INT(whorl_json_object_set(o, "none", whorl_json_null()), WHORL_OK);
  CHECK_INT(whorl_json_object_setn(o, "k\0ey", 4, whorl_json_int(7)), WHORL_OK);
  whorl_json *arr = whorl_json_array();
  for (int i = 0; i < 3; i++) CHECK_INT(whorl_json_array_append(arr, whorl_json_int(i)), WHORL_OK);
  CHECK_INT(whorl_json_object_set(o, "list", arr), WHORL_OK);
  CHECK_INT(whorl_json_size(o), 7);
  /* Insertion order until serialized. */
  size_t kl = 0;
  CHECK_STR(whorl_json_object_key(o, 0, &kl), "name");
  CHECK_INT(kl, 4);
  CHECK(memcmp(whorl_json_object_key(o, 5, &kl), "k\0ey", 4) == 0 && kl == 4);
  CHECK(whorl_json_object_key(o, 7, &kl) == NULL);
  CHECK(whorl_json_object_value(o, 1) == whorl_json_object_get(o, "size"));
  CHECK_STR(whorl_json_object_get_string(o, "name"), "whorl");
  CHECK(whorl_json_object_get_string(o, "size") == NULL);
  CHECK(whorl_json_object_get_string(o, "missing") == NULL);
  CHECK_INT(whorl_json_object_get_int(o, "size", -1), 42);
  CHECK_INT(whorl_json_object_get_int(o, "ratio", -1), -1);
  CHECK_INT(whorl_json_object_get_int(o, "name", -1), -1);
  CHECK_INT(whorl_json_object_get_int(o, "missing", -5), -5);
  CHECK(whorl_json_get_bool(whorl_json_object_get(o, "ok")));
  CHECK(whorl_json_get_double(whorl_json_object_get(o, "ratio")) == 0.5);
  CHECK(whorl_json_array_get(whorl_json_object_get(o, "list"), 2) != NULL);
  CHECK(whorl_json_array_get(whorl_json_object_get(o, "list"), 3) == NULL);
  CHECK_INT(whorl_json_get_int(whorl_json_array_get(arr, 2)), 2);
  /* Wrong types answer defaults. */
  CHECK(whorl_json_get_string(o, NULL) == NULL);
  CHECK_INT(whorl_json_get_int(o), 0);
  CHECK_INT(whorl_json_size(whorl_json_object_get(o, "name")), 0);
  CHECK_INT(whorl_json_typeof(NULL), WHORL_JSON_NULL);

  char *c = NULL;
  size_t n = 0;
  CHECK_INT(whorl_json_canonical(o, &c, &n), WHORL_OK);
  CHECK_STR(c, "{\"k\\u0000ey\":7,\"list\":[0,1,2],\"name\":\"whorl\",\"none\":null,\"ok\":true,\"ratio\":0.5,\"size\":42}");
  CHECK_INT(n, strlen(c));
  free(c);
  CHECK_INT(whorl_json_pretty(o, &c, &n), WHORL_OK);
  /* Short arrays of scalars stay on one line. */
  CHECK_STR(c, "{\n  \"k\\u0000ey\": 7,\n  \"list\": [0, 1, 2],\n  \"name\": \"whorl\",\n"
               "  \"none\": null,\n  \"ok\": true,\n  \"ratio\": 0.5,\n  \"size\": 42\n}\n");
  free(c);
  {
    /* Arrays holding containers, or more than 8 items, are one item a line. */
    whorl_json *arr = NULL;
    whorl_error perr;
    CHECK_INT(whorl_json_parse("[[1,2],{\"a\":[]},[1,2,3,4,5,6,7,8,9]]", 36, &arr, &perr), WHORL_OK);
    CHECK_INT(whorl_json_pretty(arr, &c, &n), WHORL_OK);
    CHECK_STR(c, "[\n  [1, 2],\n  {\n    \"a\": []\n  },\n  [\n    1,\n    2,\n    3,\n    4,\n    5,\n    6,\n"
                 "    7,\n    8,\n    9\n  ]\n]\n");
    free(c);
    whorl_json_free(arr);
  }
  {
    /* Streaming gives the very bytes of the one-piece writers, for a
     * document large enough to be flushed many times. */
    whorl_json *big = whorl_json_array();
    for (int k = 0; k < 20000; k++) {
      whorl_json *e = whorl_json_object();
      whorl_json_object_set(e, "path", whorl_json_string("dir/some-file-name.bin"));
      whorl_json_object_set(e, "size", whorl_json_int(k * 1000003LL));
      whorl_json_object_set(e, "blake3", whorl_json_string("af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"));
      whorl_json_array_append(big, e);
    }
    for (int pretty = 0; pretty <= 1; pretty++) {
      char *one = NULL;
      size_t onelen = 0;
      CHECK_INT(pretty ? whorl_json_pretty(big, &one, &onelen) : whorl_json_canonical(big, &one, &onelen), WHORL_OK);
      whorl_buf got = WHORL_BUF_INIT;
      CHECK_INT(whorl_json_write(big, pretty, buf_sink, &got), WHORL_OK);
      CHECK(got.len == onelen && memcmp(got.data, one, onelen) == 0);
      whorl_buf_free(&got);
      free(one);
    }
    int calls = 0;
    CHECK_INT(whorl_json_write(big, 1, failing_sink, &calls), WHORL_EIO);
    CHECK_INT(calls, 1);
    whorl_json_free(big);
  }
  /* Serializing does not reorder the document. */
  CHECK_STR(whorl_json_object_key(o, 0, NULL), "name");

  /* Replace keeps the position, remove keeps the order of the rest. */
  CHECK_INT(whorl_json_object_set(o, "size", whorl_json_int(43)), WHORL_OK);
  CHECK_INT(whorl_json_size(o), 7);
  CHECK_INT(whorl_json_object_get_int(o, "size", -1), 43);
  CHECK_STR(whorl_json_object_key(o, 1, NULL), "size");
  CHECK_INT(whorl_json_object_remove(o, "name"), 1);
  CHECK_INT(whorl_json_object_remove(o, "name"), 0);
  CHECK_STR(whorl_json_object_key(o, 0, NULL), "size");
  CHECK_INT(whorl_json_size(o), 6);
  CHECK(whorl_json_object_get(o, "k") == NULL); /* "k\0ey" is not "k" */

  /* Clone and equality. */
  whorl_json *cl = whorl_json_clone(o);
  CHECK(cl != NULL && cl != o);
  CHECK(whorl_json_equal(o, cl));
  CHECK_INT(whorl_json_object_set(cl, "ratio", whorl_json_double(0.25)), WHORL_OK);
  CHECK(!whorl_json_equal(o, cl));
  whorl_json_free(cl);

  /* Ownership moves also on failure: no leak under ASan. */
  CHECK_INT(whorl_json_array_append(o, whorl_json_int(1)), WHORL_EINVAL);
  CHECK_INT(whorl_json_object_set(arr, "x", whorl_json_int(1)), WHORL_EINVAL);
  CHECK_INT(whorl_json_object_set(o, NULL, whorl_json_int(1)), WHORL_EINVAL);
  CHECK(whorl_json_array_append(arr, NULL) != WHORL_OK);
  whorl_json_free(o);
  whorl_json_free(NULL);

  /* Pretty: empty containers, scalars. */
  whorl_json *v = NULL;
  const char *t = "{\"b\":[],\"a\":{},\"c\":[{}],\"d\":\"x\"}";
  CHECK_INT(whorl_json_parse(t, strlen(t), &v, NULL), WHORL_OK);
  CHECK_INT(whorl_json_pretty(v, &c, NULL), WHORL_OK);
  CHECK_STR(c, "{\n  \"a\": {},\n  \"b\": [],\n  \"c\": [\n    {}\n  ],\n  \"d\": \"x\"\n}\n");
  free(c);
  whorl_json_free(v);
  v = whorl_json_string("s");
  CHECK_INT(whorl_json_pretty(v, &c, NULL), WHORL_OK);
  CHECK_STR(c, "\"s\"\n");
  free(c);
  whorl_json_free(v);
  CHECK_INT(whorl_json_canonical(NULL, &c, NULL), WHORL_EINVAL);

  /* Equality: numbers by value, objects unordered, arrays ordered. */
  whorl_json *a = NULL, *b = NULL;
#define EQ(x, y, want)                                                   \
  do {                                                                   \
    CHECK_INT(whorl_json_parse(x, strlen(x), &a, NULL), WHORL_OK);       \
    CHECK_INT(whorl_json_parse(y, strlen(y), &b, NULL), WHORL_OK);       \
    CHECK_INT(whorl_json_equal(a, b), want);                             \
    CHECK_INT(whorl_json_equal(b, a), want);                             \
    whorl_json_free(a);                                                  \
    whorl_json_free(b);                                                  \
  } while (0)
  EQ("1", "1.0", 1);
  EQ("1", "1e0", 1);
  EQ("0", "-0", 1);
  EQ("0.1", "1e-1", 1);
  EQ("1", "2", 0);
  EQ("9007199254740993", "9007199254740992", 0); /* exact integers */
  EQ("9007199254740992.0", "9007199254740993.0", 1); /* the same double */
  EQ("{\"a\":1,\"b\":[1,2]}", "{\"b\":[1,2],\"a\":1}", 1);
  EQ("{\"a\":1,\"b\":[1,2]}", "{\"b\":[2,1],\"a\":1}", 0);
  EQ("{\"a\":1}", "{\"a\":1,\"b\":2}", 0);
  EQ("{\"a\":1,\"c\":2}", "{\"a\":1,\"b\":2}", 0);
  EQ("\"a\"", "\"a\\u0000\"", 0);
  EQ("null", "false", 0);
  EQ("true", "true", 1);
  EQ("[]", "{}", 0);
  EQ("\"\\u00e9\"", "\"\xc3\xa9\"", 1);
#undef EQ
}

/* ---- round trips ---- */

static void test_round_trip(void) {
  static const char *docs[] = {
      "null", "true", "false", "0", "-1.5e-300", "\"\"", "[]", "{}",
      "{\"a\":[1,2,{\"b\":null}],\"c\":\"\\u0001\\u001f\\\"\",\"d\":-0.0,\"e\":1e21}",
      "[1e-7,0.000001,123456789012345680000,5e-324,1.7976931348623157e308,-9223372036854775808]",
      "{\"\\ud83d\\ude00\":{\"\\ufb33\":[[],[{}]]},\"\\u0000\":\"\\u0000\"}",
      "  [ \"x\" , { \"y\" : [ true , false ] } ]  ",
  };
  for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
    whorl_json *a = NULL, *b = NULL;
    CHECK_INT(whorl_json_parse(docs[i], strlen(docs[i]), &a, NULL), WHORL_OK);
    char *c1 = NULL, *c2 = NULL, *pp = NULL;
    size_t n1 = 0, n2 = 0, np = 0;
    CHECK_INT(whorl_json_canonical(a, &c1, &n1), WHORL_OK);
    CHECK_INT(whorl_json_parse(c1, n1, &b, NULL), WHORL_OK);
    CHECK(whorl_json_equal(a, b));
    CHECK_INT(whorl_json_canonical(b, &c2, &n2), WHORL_OK);
    CHECK(n1 == n2 && memcmp(c1, c2, n1) == 0);
    /* The pretty form parses back to the same document too. */
    whorl_json_free(b);
    b = NULL;
    CHECK_INT(whorl_json_pretty(a, &pp, &np), WHORL_OK);
    CHECK(np > 0 && pp[np - 1] == '\n');
    CHECK_INT(whorl_json_parse(pp, np, &b, NULL), WHORL_OK);
    CHECK(whorl_json_equal(a, b));
    free(c1);
    free(c2);
    free(pp);
    whorl_json_free(a);
    whorl_json_free(b);
  }
}

/* ---- files ---- */

static void test_files(void) {
  whorl_json *v = NULL;
  whorl_error err;
  whorl_error_clear(&err);
  CHECK_INT(whorl_json_parse_file("/nonexistent/whorl.json", 0, &v, &err), WHORL_ENOENT);
  CHECK_STR(err.path, "/nonexistent/whorl.json");
  const char *tmp = getenv("WHORL_TMP");
  char path[4096];
  snprintf(path, sizeof path, "%s/test_json_bad.json", tmp ? tmp : "/tmp");
  FILE *f = fopen(path, "wb");
  CHECK(f != NULL);
  if (!f) return;
  fputs("{\"a\": [1, 2,]}", f);
  fclose(f);
  whorl_error_clear(&err);
  CHECK_INT(whorl_json_parse_file(path, 0, &v, &err), WHORL_EFORMAT);
  CHECK_STR(err.path, path);
  CHECK_INT(err.offset, 12);
  CHECK(v == NULL);
  /* Size limit. */
  CHECK_INT(whorl_json_parse_file(path, 4, &v, &err), WHORL_EFORMAT);
  remove(path);
}

/* ---- scale ---- */

static void test_large(void) {
  /* 1,000,000-element array. */
  whorl_buf b = WHORL_BUF_INIT;
  whorl_buf_putc(&b, '[');
  for (int i = 0; i < 1000000; i++) {
    if (i) whorl_buf_putc(&b, ',');
    if (i % 4 == 3) whorl_buf_printf(&b, "\"s%d\"", i);
    else if (i % 4 == 2) whorl_buf_printf(&b, "%d.5", i);
    else whorl_buf_printf(&b, "%d", i);
  }
  whorl_buf_putc(&b, ']');
  CHECK(!b.oom);
  whorl_json *v = NULL;
  double t0 = seconds();
  CHECK_INT(whorl_json_parse(b.data, b.len, &v, NULL), WHORL_OK);
  double t1 = seconds();
  CHECK_INT(whorl_json_size(v), 1000000);
  CHECK_INT(whorl_json_get_int(whorl_json_array_get(v, 999999)), 0);
  CHECK_STR(whorl_json_get_string(whorl_json_array_get(v, 999999), NULL), "s999999");
  CHECK(whorl_json_get_double(whorl_json_array_get(v, 6)) == 6.5);
  char *c = NULL;
  size_t n = 0;
  CHECK_INT(whorl_json_canonical(v, &c, &n), WHORL_OK);
  CHECK(n == b.len && memcmp(c, b.data, n) == 0);
  printf("1M-element array: parse %.3f s\n", t1 - t0);
  CHECK(t1 - t0 < 5.0);
  free(c);
  whorl_json_free(v);
  whorl_buf_free(&b);

  /* 100,000-member object: duplicate detection must not be quadratic. */
  whorl_buf_putc(&b, '{');
  for (int i = 0; i < 100000; i++) whorl_buf_printf(&b, "%s\"key%d\":%d", i ? "," : "", (i * 7919) % 100000, i);
  whorl_buf_putc(&b, '}');
  t0 = seconds();
  CHECK_INT(whorl_json_parse(b.data, b.len, &v, NULL), WHORL_OK);
  t1 = seconds();
  printf("100k-member object: parse %.3f s\n", t1 - t0);
  CHECK(t1 - t0 < 5.0);
  CHECK_INT(whorl_json_size(v), 100000);
  CHECK_INT(whorl_json_canonical(v, &c, &n), WHORL_OK);
  whorl_json *v2 = NULL;
  CHECK_INT(whorl_json_parse(c, n, &v2, NULL), WHORL_OK);
  t0 = seconds();
  CHECK(whorl_json_equal(v, v2)); /* different member order */
  t1 = seconds();
  CHECK(t1 - t0 < 5.0);
  CHECK(strncmp(c, "{\"key0\":0,\"key1\":", 17) == 0);
  free(c);
  whorl_json_free(v2);
  whorl_json_free(v);
  /* The same with a duplicate at the very end. */
  b.len--;
  whorl_buf_puts(&b, ",\"key5\":1}");
  whorl_error err;
  whorl_error_clear(&err);
  CHECK_INT(whorl_json_parse(b.data, b.len, &v, &err), WHORL_EFORMAT);
  CHECK_INT(err.offset, (int64_t)b.len - 9);
  whorl_buf_free(&b);
}

int main(void) {
  test_jcs_vectors();
  test_numbers();
  test_errors();
  test_strings();
  test_invalid_utf8_refused();
  test_key_order();
  test_dom();
  test_round_trip();
  test_files();
  test_large();
  T_DONE();
}
