/* yaml.c - YAML documents as whorl_json trees. libfyaml parses; the tree is
 * walked here (not through libfyaml's JSON emitter): plain scalars are typed
 * by the YAML 1.2 core schema, aliases are followed with a bound on the
 * nodes they expand to (a "billion laughs" file is refused, not expanded),
 * nesting is bounded, and keys must be scalars. */
#include <errno.h>
#include <libfyaml.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canon/canon.h"
#include "whorl/json.h"

#define MAX_NODES 200000 /* after alias expansion */
#define MAX_DEPTH 256

typedef struct walk {
  const char *path;
  size_t nodes;
  whorl_error *err;
} walk;

static int yaml_error(struct fy_diag *diag, const char *path, const char *fallback, whorl_error *err) {
  void *it = NULL;
  struct fy_diag_error *e = diag ? fy_diag_errors_iterate(diag, &it) : NULL;
  if (e)
    return whorl__error(err, WHORL_EFORMAT, path, -1, "YAML line %d, column %d: %s", e->line, e->column, /* libfyaml counts from 1 */
                        e->msg ? e->msg : "invalid");
  return whorl__error(err, WHORL_EFORMAT, path, -1, "%s", fallback);
}

static int is_in(const char *s, size_t n, const char *const *words) {
  for (; *words; words++)
    if (strlen(*words) == n && !memcmp(s, *words, n)) return 1;
  return 0;
}

/* A plain scalar by the YAML 1.2 core schema: null, bool, int (decimal,
 * 0o, 0x), float; .inf/.nan (no JSON form) and the rest are strings. A
 * number beyond the doubles (1e400) sets *huge (and comes back a string). */
static whorl_json *plain_scalar(const char *s, size_t n, int *huge) {
  *huge = 0;
  static const char *const nulls[] = {"", "~", "null", "Null", "NULL", NULL};
  static const char *const trues[] = {"true", "True", "TRUE", NULL};
  static const char *const falses[] = {"false", "False", "FALSE", NULL};
  if (is_in(s, n, nulls)) return whorl_json_null();
  if (is_in(s, n, trues)) return whorl_json_bool(1);
  if (is_in(s, n, falses)) return whorl_json_bool(0);
  if (n > 400) return whorl_json_stringn(s, n);
  char t[408];
  memcpy(t, s, n);
  t[n] = 0;
  size_t i = 0;
  int base = 10;
  if (n > 2 && t[0] == '0' && (t[1] == 'o' || t[1] == 'x')) base = t[1] == 'o' ? 8 : 16, i = 2;
  else if (t[0] == '-' || t[0] == '+') i = 1;
  size_t d0 = i;
  while (i < n && ((base == 16 && ((t[i] >= '0' && t[i] <= '9') || ((t[i] | 0x20) >= 'a' && (t[i] | 0x20) <= 'f'))) ||
                   (base == 8 && t[i] >= '0' && t[i] <= '7') || (base == 10 && t[i] >= '0' && t[i] <= '9')))
    i++;
  if (i == n && i > d0) {
    errno = 0;
    long long v = strtoll(base == 10 ? t : t + 2, NULL, base);
    if (!errno) return whorl_json_int(v);
    /* beyond int64: a number all the same (never the string of its digits),
     * compared as its double, as the JSON parser does */
    double d = 0;
    if (base == 10) d = strtod(t, NULL);
    else
      for (size_t k = 2; k < n; k++) d = d * base + (t[k] <= '9' ? t[k] - '0' : (t[k] | 0x20) - 'a' + 10);
    whorl_json *j = whorl_json_double(d);
    if (!j) *huge = 1;
    return j ? j : whorl_json_stringn(s, n);
  }
  /* float: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
  i = (t[0] == '-' || t[0] == '+');
  size_t di = 0;
  while (i < n && t[i] >= '0' && t[i] <= '9') i++, di++;
  if (i < n && t[i] == '.') {
    i++;
    while (i < n && t[i] >= '0' && t[i] <= '9') i++, di++;
  }
  if (di && i < n && (t[i] == 'e' || t[i] == 'E')) {
    size_t e0 = ++i;
    if (i < n && (t[i] == '-' || t[i] == '+')) i++, e0++;
    while (i < n && t[i] >= '0' && t[i] <= '9') i++;
    if (i == e0) di = 0;
  }
  if (di && i == n) {
    double v = strtod(t, NULL);
    whorl_json *j = whorl_json_double(v);
    if (j) return j;
    *huge = 1;
  }
  return whorl_json_stringn(s, n);
}

/* Plain scalars that YAML 1.1 loaders (PyYAML, what most Python pipelines
 * read their specs with) take for another value than the YAML 1.2 core
 * schema does: yes/no/on/off are booleans there (strings here), and an
 * integer with a leading zero is octal there (0755 = 493) or a string
 * (08), decimal here. Read either way, `no` and "no" (or 0755 and 755)
 * would have one id while the pipeline sees two values; 0o17 is 15 here
 * and a string there. Refused, as .inf is. Returns the hint, or NULL. */
static const char *yaml11_meaning(const char *s, size_t n) {
  static const char *const words[] = {"yes", "Yes", "YES", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF", NULL};
  if (is_in(s, n, words)) return "write true or false, or quote it if the string is meant";
  size_t i = n && (s[0] == '-' || s[0] == '+');
  if (n >= i + 2 && s[i] == '0') {
    size_t k = i + 1 + (s[i + 1] == 'o' && n > i + 2);
    while (k < n && s[k] >= '0' && s[k] <= '9') k++;
    if (k == n) return "write the number in decimal without leading zeros, or quote it if the string is meant";
  }
  return NULL;
}

static int to_json(walk *w, struct fy_node *n, int depth, whorl_json **out) {
  *out = NULL;
  if (depth > MAX_DEPTH) return whorl__error(w->err, WHORL_EFORMAT, w->path, -1, "YAML nested deeper than %d levels (or an alias that contains itself)", MAX_DEPTH);
  if (++w->nodes > MAX_NODES)
    return whorl__error(w->err, WHORL_EFORMAT, w->path, -1, "YAML that expands to more than %d nodes (aliases): refused", MAX_NODES);
  if (!n) {
    *out = whorl_json_null();
    return WHORL_OK;
  }
  if (fy_node_is_alias(n)) {
    struct fy_node *t = fy_node_resolve_alias(n);
    if (!t) return whorl__error(w->err, WHORL_EFORMAT, w->path, -1, "YAML alias to an unknown anchor");
    return to_json(w, t, depth + 1, out);
  }
  /* explicit tags: the YAML 1.2 core schema's apply; any other would give
   * the spec a meaning the canonical JSON cannot carry: refused */
  size_t tl = 0;
  const char *tag = fy_node_get_tag(n, &tl);
  const char *core = NULL;
  if (tag && tl) {
    static const char *const CORE[] = {"str", "int", "float", "bool", "null", "map", "seq", NULL};
    const char *name = NULL;
    size_t nl = 0;
    if (tl > 18 && !memcmp(tag, "tag:yaml.org,2002:", 18)) name = tag + 18, nl = tl - 18;
    else if (tl > 2 && !memcmp(tag, "!!", 2)) name = tag + 2, nl = tl - 2;
    for (const char *const *c = CORE; name && *c; c++)
      if (strlen(*c) == nl && !memcmp(*c, name, nl)) core = *c;
    if (!core)
      return whorl__error(w->err, WHORL_EFORMAT, w->path, -1, "YAML tag %.*s is not supported (only the core schema's !!str, !!int, "
                          "!!float, !!bool, !!null, !!map, !!seq)", (int)(tl > 60 ? 60 : tl), tag);
  }
  switch (fy_node_get_type(n)) {
  case FYNT_SCALAR: {
    size_t len = 0;
    const char *s = fy_node_get_scalar(n, &len);
    if (!s) return whorl__error(w->err, WHORL_EFORMAT, w->path, -1, "a YAML scalar that cannot be read");
    /* the core schema's infinities and NaN: floats JSON cannot hold; read as
     * strings they would equal the quoted text */
    static const char *const special[] = {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF",
                                          ".nan", ".NaN", ".NAN", NULL};
    if ((fy_node_get_style(n) == FYNS_PLAIN || (core && strcmp(core, "str"))) && is_in(s, len, special)) {
      struct fy_token *tk = fy_node_get_scalar_token(n);
      const struct fy_mark *m = tk ? fy_token_start_mark(tk) : NULL;
      return whorl__error(w->err, WHORL_EFORMAT, w->path, -1,
                          "line %d, column %d: YAML %.*s is a float that JSON cannot hold; quote it if the string is meant",
                          m ? m->line + 1 : 0, m ? m->column + 1 : 0, (int)len, s);
    }
    if (!whorl__utf8_valid(s, len)) return whorl__error(w->err, WHORL_EFORMAT, w->path, -1, "YAML text that is not valid UTF-8");
    if (core && !strcmp(core, "str")) {
      *out = whorl_json_stringn(s, len);
    } else if (core) { /* !!int, !!float, !!bool, !!null: the value must be one */
      int huge;
      *out = plain_scalar(s, len, &huge);
      whorl_json_type ty = whorl_json_typeof(*out);
      int ok = !strcmp(core, "int")     ? ty == WHORL_JSON_NUMBER && whorl_json_is_int(*out)
               : !strcmp(core, "float") ? ty == WHORL_JSON_NUMBER
               : !strcmp(core, "bool")  ? ty == WHORL_JSON_BOOL
               : !strcmp(core, "null")  ? ty == WHORL_JSON_NULL
                                        : 0;
      if (!ok) {
        whorl_json_free(*out);
        *out = NULL;
        return whorl__error(w->err, WHORL_EFORMAT, w->path, -1, "YAML value \"%.*s\" is not a !!%s", (int)(len > 40 ? 40 : len), s, core);
      }
    } else if (fy_node_get_style(n) == FYNS_PLAIN) {
      const char *why = yaml11_meaning(s, len);
      if (why) {
        struct fy_token *tk = fy_node_get_scalar_token(n);
        const struct fy_mark *m = tk ? fy_token_start_mark(tk) : NULL;
        return whorl__error(w->err, WHORL_EFORMAT, w->path, -1,
                            "line %d, column %d: YAML %.*s is read differently by YAML 1.1 (PyYAML) and 1.2; %s",
                            m ? m->line + 1 : 0, m ? m->column + 1 : 0, (int)(len > 40 ? 40 : len), s, why);
      }
      int huge;
      *out = plain_scalar(s, len, &huge);
      if (huge) {
        /* read as a string it would equal the quoted text; JSON refuses it */
        whorl_json_free(*out);
        *out = NULL;
        struct fy_token *tk = fy_node_get_scalar_token(n);
        const struct fy_mark *m = tk ? fy_token_start_mark(tk) : NULL;
        return whorl__error(w->err, WHORL_EFORMAT, w->path, -1,
                            "line %d, column %d: YAML number %.*s is beyond the range of a double (JSON refuses it too); "
                            "quote it if the string is meant",
                            m ? m->line + 1 : 0, m ? m->column + 1 : 0, (int)(len > 40 ? 40 : len), s);
      }
    } else {
      *out = whorl_json_stringn(s, len);
    }
    break;
  }
  case FYNT_SEQUENCE: {
    *out = whorl_json_array();
    void *it = NULL;
    struct fy_node *c;
    while ((c = fy_node_sequence_iterate(n, &it))) {
      whorl_json *v = NULL;
      int rc = to_json(w, c, depth + 1, &v);
      if (rc) {
        whorl_json_free(v);
        return rc;
      }
      whorl_json_array_append(*out, v);
    }
    break;
  }
  case FYNT_MAPPING: {
    *out = whorl_json_object();
    void *it = NULL;
    struct fy_node_pair *p;
    while ((p = fy_node_mapping_iterate(n, &it))) {
      struct fy_node *k = fy_node_pair_key(p);
      if (k && fy_node_is_alias(k)) k = fy_node_resolve_alias(k);
      size_t kl = 0;
      const char *ks = k && fy_node_get_type(k) == FYNT_SCALAR ? fy_node_get_scalar(k, &kl) : k ? NULL : "";
      if (!ks) return whorl__error(w->err, WHORL_EFORMAT, w->path, -1, "a YAML mapping key that is not a scalar (no JSON form)");
      if (!whorl__utf8_valid(ks, kl)) return whorl__error(w->err, WHORL_EFORMAT, w->path, -1, "YAML text that is not valid UTF-8");
      char *key = malloc(kl + 1);
      if (!key) return whorl__error(w->err, WHORL_ENOMEM, w->path, -1, "out of memory");
      memcpy(key, ks, kl);
      key[kl] = 0;
      if (memchr(ks, 0, kl) || whorl_json_object_get(*out, key)) {
        free(key);
        return whorl__error(w->err, WHORL_EFORMAT, w->path, -1, "a duplicate (or NUL-holding) YAML key");
      }
      whorl_json *v = NULL;
      int rc = to_json(w, fy_node_pair_value(p), depth + 1, &v);
      if (!rc) whorl_json_object_setn(*out, key, kl, v);
      else whorl_json_free(v);
      free(key);
      if (rc) return rc;
    }
    break;
  }
  default:
    return whorl__error(w->err, WHORL_EFORMAT, w->path, -1, "an unknown YAML node");
  }
  if (!*out) return whorl__error(w->err, WHORL_ENOMEM, w->path, -1, "out of memory");
  return WHORL_OK;
}

/* The YAML character set (c-printable, in UTF-8): tab, line feed, carriage
 * return, x20-x7E, U+0085, U+00A0-U+D7FF, U+E000-U+FFFD, U+10000-U+10FFFF.
 * Anything else is refused before libfyaml sees it (its scanner has been
 * seen to loop forever on invalid bytes). Returns the offset of the first
 * bad byte, or -1. */
static long long bad_char(const uint8_t *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    uint8_t c = s[i];
    if (c < 0x80) {
      if (c < 0x20 && c != 9 && c != 10 && c != 13) return (long long)i;
      if (c == 0x7f) return (long long)i;
      i++;
      continue;
    }
    uint32_t cp;
    size_t k;
    if (c >= 0xc2 && c <= 0xdf) k = 2, cp = c & 0x1f;
    else if (c >= 0xe0 && c <= 0xef) k = 3, cp = c & 0x0f;
    else if (c >= 0xf0 && c <= 0xf4) k = 4, cp = c & 0x07;
    else return (long long)i;
    if (i + k > n) return (long long)i;
    for (size_t j = 1; j < k; j++) {
      if ((s[i + j] & 0xc0) != 0x80) return (long long)i;
      cp = cp << 6 | (s[i + j] & 0x3f);
    }
    if ((k == 3 && cp < 0x800) || (k == 4 && (cp < 0x10000 || cp > 0x10ffff))) return (long long)i;
    if ((cp < 0xa0 && cp != 0x85) || (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe || cp == 0xffff) {
      if (!(cp == 0xfeff && i == 0)) return (long long)i; /* a BOM at the start is fine */
    }
    i += k;
  }
  return -1;
}

int whorl__yaml_load(const char *path, const char *text, size_t len, whorl_json **out, whorl_error *err) {
  *out = NULL;
  long long bad = bad_char((const uint8_t *)text, len);
  if (bad >= 0)
    return whorl__error(err, WHORL_EFORMAT, path, bad, "not YAML: byte 0x%02x at offset %lld is not a printable UTF-8 character",
                        (unsigned)(uint8_t)text[bad], bad);
  struct fy_diag_cfg dcfg;
  fy_diag_cfg_default(&dcfg);
  dcfg.fp = NULL;
  dcfg.colorize = false;
  struct fy_diag *diag = fy_diag_create(&dcfg);
  if (diag) fy_diag_set_collect_errors(diag, true);
  struct fy_parse_cfg cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.flags = FYPCF_QUIET | FYPCF_COLLECT_DIAG;
  cfg.diag = diag;
  struct fy_parser *p = fy_parser_create(&cfg);
  int rc = WHORL_OK;
  if (!p || fy_parser_set_string(p, text, len)) {
    rc = whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
  } else {
    struct fy_document *d = fy_parse_load_document(p);
    if (!d) rc = yaml_error(diag, path, fy_parser_get_stream_error(p) ? "not valid YAML" : "an empty YAML file", err);
    else {
      struct fy_document *d2 = fy_parse_load_document(p);
      if (d2) {
        fy_parse_document_destroy(p, d2);
        rc = whorl__error(err, WHORL_EUNSUPPORTED, path, -1, "several YAML documents in one file: one is expected");
      } else if (fy_parser_get_stream_error(p)) {
        rc = yaml_error(diag, path, "not valid YAML", err);
      } else {
        walk w = {path, 0, err};
        rc = to_json(&w, fy_document_root(d), 0, out);
        if (rc) {
          whorl_json_free(*out);
          *out = NULL;
        }
      }
      fy_parse_document_destroy(p, d);
    }
  }
  if (p) fy_parser_destroy(p);
  if (diag) fy_diag_destroy(diag);
  return rc;
}
