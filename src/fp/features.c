/* features.c - kind "features" documents (whorl_fingerprint_features,
 * fingerprint.h; docs/profile.md, "Features"): the pipeline spec, its
 * code, its input and the feature matrix, each with its own id. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blake3.h"
#include "canon/canon.h"
#include "fp/fp_int.h"
#include "util/util.h"
#include "whorl/hash.h"
#include "whorl/whorl.h"

#define FEATURES_RULES "features-2"
#define SPEC_MAX (16u << 20)
#define SPEC_SHOWN (256u << 10) /* canonical specs up to this size are kept in the document */
#define SAMPLE_K 2048
#define CORR_COLS 256

static const char *base_name(const char *p) {
  const char *s = strrchr(p, '/');
  return s && s[1] ? s + 1 : p;
}

static int ends_with(const char *s, const char *suf) {
  size_t n = strlen(s), k = strlen(suf);
  return n >= k && !strcmp(s + n - k, suf);
}

static void b3_tag(blake3_hasher *h, const char *tag) {
  blake3_hasher_init(h);
  blake3_hasher_update(h, tag, strlen(tag) + 1);
}

static void b3_u64(blake3_hasher *h, uint64_t v) {
  uint8_t b[8];
  for (int i = 0; i < 8; i++) b[i] = (uint8_t)(v >> (8 * i));
  blake3_hasher_update(h, b, 8);
}

static void b3_str(blake3_hasher *h, const char *s) {
  b3_u64(h, strlen(s));
  blake3_hasher_update(h, s, strlen(s));
}

static int unhex32(const char *s, uint8_t out[32]) {
  if (!s || strlen(s) != 64) return -1;
  for (int i = 0; i < 64; i++) {
    char c = s[i];
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) return -1;
    out[i / 2] = (uint8_t)(i % 2 ? (out[i / 2] | d) : d << 4);
  }
  return 0;
}

/* The pipeline spec: parsed as JSON (.json) or YAML (.yaml, .yml; other
 * names: JSON when it parses, else YAML), then canonical JSON (RFC 8785). */
static int pipeline_section(const char *path, whorl_json **sec, uint8_t id[32], whorl_error *err) {
  char *text = NULL;
  size_t len = 0;
  int rc = whorl__read_file(path, SPEC_MAX, &text, &len, err);
  if (rc) return rc;
  whorl_json *spec = NULL;
  const char *fmt;
  /* a UTF-8 byte order mark (Windows editors write one) is not part of
   * the spec, in JSON as in YAML */
  const size_t bom = len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3) ? 3 : 0;
  if (ends_with(path, ".json")) {
    fmt = "json";
    rc = whorl_json_parse(text + bom, len - bom, &spec, err);
    if (rc && err && err->offset >= 0) err->offset += (int64_t)bom;
    if (rc) {
      char msg[sizeof err->message];
      snprintf(msg, sizeof msg, "%s", err->message);
      rc = whorl__error(err, WHORL_EFORMAT, path, err->offset, "pipeline spec: %s", msg);
    }
  } else if (ends_with(path, ".yaml") || ends_with(path, ".yml")) {
    fmt = "yaml";
    rc = whorl__yaml_load(path, text, len, &spec, err);
  } else {
    whorl_error e2;
    fmt = "json";
    if (whorl_json_parse(text + bom, len - bom, &spec, &e2) != WHORL_OK) {
      fmt = "yaml";
      rc = whorl__yaml_load(path, text, len, &spec, err);
    }
  }
  free(text);
  if (rc) return rc;
  /* a spec is a mapping or a list: a lone scalar is most likely another
   * file given by mistake (a CSV is one long YAML string) */
  if (whorl_json_typeof(spec) != WHORL_JSON_OBJECT && whorl_json_typeof(spec) != WHORL_JSON_ARRAY) {
    whorl_json_free(spec);
    return whorl__error(err, WHORL_EFORMAT, path, -1,
                        "a pipeline spec is a JSON or YAML object or list; this file holds a single %s value",
                        !strcmp(fmt, "json") ? "JSON" : "YAML");
  }
  char *canon = NULL;
  size_t clen = 0;
  if (whorl_json_canonical(spec, &canon, &clen)) {
    whorl_json_free(spec);
    return whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
  }
  blake3_hasher h;
  b3_tag(&h, "whorl-pipeline-1");
  blake3_hasher_update(&h, canon, clen);
  blake3_hasher_finalize(&h, id, 32);
  free(canon);
  whorl_json *s = whorl_json_object();
  char hex[65];
  whorl_hex(id, 32, hex);
  whorl_json_object_set(s, "id", whorl_json_string(hex));
  whorl_json_object_set(s, "name", whorl_json_string(base_name(path)));
  whorl_json_object_set(s, "format", whorl_json_string(fmt));
  whorl_json_object_set(s, "canonical_bytes", whorl_json_int((int64_t)clen));
  if (clen <= SPEC_SHOWN) whorl_json_object_set(s, "spec", spec);
  else whorl_json_free(spec);
  *sec = s;
  return WHORL_OK;
}

typedef struct codefile {
  const char *name;
  char id[65];
  int64_t size;
} codefile;

static int by_name(const void *a, const void *b) { return strcmp(((const codefile *)a)->name, ((const codefile *)b)->name); }

static int code_section(const char *const *paths, size_t n, const whorl_fp_options *base, whorl_json **sec, uint8_t id[32],
                        whorl_error *err) {
  codefile *f = calloc(n ? n : 1, sizeof *f);
  if (!f) return whorl__error(err, WHORL_ENOMEM, NULL, -1, "out of memory");
  whorl_fp_options o = *base;
  o.level = WHORL_LEVEL_CONTENT;
  o.chunks = 0;
  o.table_format = NULL;
  /* code is bytes: a fitted scaler's checkpoint or a tokenizer's GGUF given
   * as --code is hashed as a file, never read as a model */
  o.model = 0;
  o.config_file = NULL;
  o.params = NULL;
  o.nparams = 0;
  o.training_files = NULL;
  o.ntraining_files = 0;
  o.features = NULL;
  int rc = WHORL_OK;
  for (size_t i = 0; i < n && !rc; i++) {
    whorl_json *d = NULL;
    rc = whorl_fingerprint(paths[i], &o, &d, err);
    if (rc) break;
    const char *kind = whorl_json_object_get_string(d, "kind");
    if (!kind || strcmp(kind, "file")) {
      rc = whorl__error(err, WHORL_EINVAL, paths[i], -1, "--code takes files (a folder's files one by one), not a %s", kind ? kind : "path of this kind");
    } else {
      f[i].name = base_name(paths[i]);
      snprintf(f[i].id, sizeof f[i].id, "%s", whorl_json_object_get_string(d, "id"));
      f[i].size = whorl_json_object_get_int(d, "size", 0);
    }
    whorl_json_free(d);
  }
  if (!rc) {
    qsort(f, n, sizeof *f, by_name);
    for (size_t i = 1; i < n && !rc; i++)
      if (!strcmp(f[i].name, f[i - 1].name))
        rc = whorl__error(err, WHORL_EINVAL, f[i].name, -1, "two --code files of this name: code files are told apart by name");
  }
  if (!rc) {
    blake3_hasher h;
    b3_tag(&h, "whorl-code-1");
    b3_u64(&h, n);
    whorl_json *files = whorl_json_array();
    for (size_t i = 0; i < n; i++) {
      b3_str(&h, f[i].name);
      uint8_t fid[32];
      unhex32(f[i].id, fid);
      blake3_hasher_update(&h, fid, 32);
      whorl_json *e = whorl_json_object();
      if (whorl__utf8_valid(f[i].name, strlen(f[i].name))) {
        whorl_json_object_set(e, "name", whorl_json_string(f[i].name));
      } else { /* a file name that is not UTF-8: shown with '?', exact in name_hex (as folder entries) */
        char *shown = strdup(f[i].name), *hx = malloc(2 * strlen(f[i].name) + 1);
        if (shown) whorl__utf8_scrub(shown);
        whorl_json_object_set(e, "name", whorl_json_string(shown ? shown : "?"));
        if (hx) whorl_json_object_set(e, "name_hex", whorl_json_string(whorl_hex((const uint8_t *)f[i].name, strlen(f[i].name), hx)));
        free(shown);
        free(hx);
      }
      whorl_json_object_set(e, "blake3", whorl_json_string(f[i].id));
      whorl_json_object_set(e, "size", whorl_json_int(f[i].size));
      whorl_json_array_append(files, e);
    }
    blake3_hasher_finalize(&h, id, 32);
    whorl_json *s = whorl_json_object();
    char hex[65];
    whorl_hex(id, 32, hex);
    whorl_json_object_set(s, "id", whorl_json_string(hex));
    whorl_json_object_set(s, "files", files);
    *sec = s;
  }
  free(f);
  return rc;
}

/* The input dataset: a saved fingerprint's id, or the path fingerprinted
 * (tables at the profile level: their logical id). */
static int input_section(const char *path, const whorl_fp_options *base, whorl_json **sec, uint8_t id[32], whorl_error *err) {
  whorl_json *d = NULL;
  int rc = whorl_fingerprint_load(path, &d, err);
  if (rc < 0) return rc;
  int saved = rc == 1;
  if (!saved) {
    /* --as, --delimiter and --header name the matrix's format: the input is
     * recognised on its own (a Parquet input was read as CSV); an input
     * that needs them is fingerprinted first and given as its fingerprint */
    whorl_fp_options o = *base;
    o.table_format = NULL;
    o.delimiter = 0;
    o.header = -1;
    o.features = NULL;
    rc = whorl_fingerprint(path, &o, &d, err);
    if (rc) return rc;
  } else if ((rc = whorl_fingerprint_validate(d, err))) {
    whorl_json_free(d);
    return rc;
  }
  const char *lvl = whorl_json_object_get_string(d, "level");
  if (lvl && !strcmp(lvl, "quick")) {
    whorl_json_free(d);
    return whorl__error(err, WHORL_EINVAL, path, -1,
                        "a quick-level fingerprint samples its data and cannot stand for the input; "
                        "save the input at the content level (files, folders) or the logical or profile level (tables)");
  }
  const char *did = whorl_json_object_get_string(d, "id");
  if (unhex32(did, id)) {
    whorl_json_free(d);
    return whorl__error(err, WHORL_EFORMAT, path, -1, "input fingerprint without an id");
  }
  whorl_json *s = whorl_json_object();
  whorl_json_object_set(s, "id", whorl_json_string(did));
  static const char *keep[] = {"kind", "level", "name", "rows"};
  for (size_t i = 0; i < sizeof keep / sizeof *keep; i++) {
    const whorl_json *v = whorl_json_object_get(d, keep[i]);
    if (v) whorl_json_object_set(s, keep[i], whorl_json_clone(v));
  }
  whorl_json_object_set(s, "from", whorl_json_string(saved ? "fingerprint" : "data"));
  whorl_json_free(d);
  *sec = s;
  return WHORL_OK;
}

int whorl_fingerprint_features(const whorl_features_spec *spec, const whorl_fp_options *opts, whorl_json **out,
                               whorl_error *err) {
  *out = NULL;
  if (!spec || !spec->matrix || !spec->pipeline)
    return whorl__error(err, WHORL_EINVAL, NULL, -1, "a features fingerprint needs the matrix and the pipeline spec");
  whorl_fp_options o = WHORL_FP_OPTIONS_INIT;
  if (opts) o = *opts;
  whorl_json *pipe = NULL, *code = NULL, *input = NULL, *matrix = NULL;
  uint8_t pid[32], cid[32], iid[32], mid[32];
  memset(iid, 0, sizeof iid);
  int rc = pipeline_section(spec->pipeline, &pipe, pid, err);
  if (!rc) rc = code_section(spec->code, spec->ncode, &o, &code, cid, err);
  if (!rc && spec->input) rc = input_section(spec->input, &o, &input, iid, err);
  whorl__fp_extra x = {SAMPLE_K, CORR_COLS, NULL};
  if (!rc) {
    whorl_fp_options mo = o;
    mo.level = WHORL_LEVEL_PROFILE;
    rc = whorl__fingerprint_ex(spec->matrix, &mo, &x, &matrix, err);
    if (!rc) {
      const char *kind = whorl_json_object_get_string(matrix, "kind");
      if (!kind || strcmp(kind, "table") || unhex32(whorl_json_object_get_string(matrix, "id"), mid))
        rc = whorl__error(err, WHORL_EUNSUPPORTED, spec->matrix, -1,
                          "the feature matrix must be a table (CSV/TSV, JSON Lines, Parquet, .npy, .npz)");
    }
  }
  if (rc) {
    whorl_json_free(pipe);
    whorl_json_free(code);
    whorl_json_free(input);
    whorl_json_free(matrix);
    whorl_json_free(x.corr);
    return rc;
  }
  blake3_hasher h;
  b3_tag(&h, "whorl-features-1");
  blake3_hasher_update(&h, pid, 32);
  blake3_hasher_update(&h, cid, 32);
  uint8_t has_input = spec->input != NULL;
  blake3_hasher_update(&h, &has_input, 1);
  blake3_hasher_update(&h, iid, 32);
  blake3_hasher_update(&h, mid, 32);
  uint8_t id[32];
  blake3_hasher_finalize(&h, id, 32);
  char hex[65];
  whorl_hex(id, 32, hex);
  whorl_json *d = whorl_json_object();
  whorl_json_object_set(d, "whorl", whorl_json_int(WHORL_FORMAT_VERSION));
  whorl_json_object_set(d, "kind", whorl_json_string("features"));
  whorl_json_object_set(d, "level", whorl_json_string("profile"));
  whorl_json_object_set(d, "rules", whorl_json_string(FEATURES_RULES));
  whorl_json_object_set(d, "id", whorl_json_string(hex));
  whorl_json_object_set(d, "name", whorl_json_string(base_name(spec->matrix)));
  whorl_json_object_set(d, "pipeline", pipe);
  whorl_json_object_set(d, "code", code);
  if (input) whorl_json_object_set(d, "input", input);
  whorl_json *m = whorl_json_object();
  whorl_json_object_set(m, "id", whorl_json_string(whorl_json_object_get_string(matrix, "id")));
  whorl_json_object_set(m, "table", matrix);
  whorl_json_object_set(d, "matrix", m);
  if (x.corr) whorl_json_object_set(d, "correlation", x.corr);
  *out = d;
  return WHORL_OK;
}
