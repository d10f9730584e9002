/* model.c - kind "model" documents (docs/model.md): a model file or a
 * Hugging Face style folder read by the model tier (src/model), with
 * sections architecture, config, training and weights, each with its id. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blake3.h"
#include "canon/canon.h"
#include "fp/fp_int.h"
#include "hash/merkle.h"
#include "model/model.h"
#include "util/util.h"
#include "whorl/hash.h"
#include "whorl/whorl.h"

/* Extensions ignoring case: torch.load and friends do not look at the
 * name, so MODEL.PT must be read (and scanned for unsafe code) like
 * model.pt. */
static int ends_with(const char *s, const char *suf) {
  size_t n = strlen(s), k = strlen(suf);
  return n >= k && !strcasecmp(s + n - k, suf);
}

static const char *base_name(const char *p) {
  const char *s = strrchr(p, '/');
  return s && s[1] ? s + 1 : p;
}

/* Which model reader a file needs, from its name and first bytes; NULL:
 * not a model (when not forced). */
const char *whorl__model_detect(const char *path, int fd, int forced) {
  uint8_t h[16];
  long long n = whorl__pread_full(fd, h, sizeof h, 0);
  if (n >= 4 && !memcmp(h, "GGUF", 4)) return "gguf";
  if (ends_with(path, ".safetensors")) return "safetensors";
  if (n >= 10 && h[8] == '{' && (h[9] == '"' || h[9] == ' ' || h[9] == '\n')) {
    uint64_t len = 0;
    for (int i = 7; i >= 0; i--) len = len << 8 | h[i];
    if (len >= 2 && len < 100000000) return "safetensors";
  }
  int zip = n >= 4 && !memcmp(h, "PK\3\4", 4), pickle = n >= 2 && h[0] == 0x80 && h[1] <= 5;
  if ((ends_with(path, ".pt") || ends_with(path, ".pth") || ends_with(path, ".ckpt") || ends_with(path, ".bin")) && (zip || pickle))
    return "pytorch";
  if (zip) { /* a torch.save archive under any name (torch.load does not look at it): its first record is <folder>/data.pkl */
    uint8_t lh[30 + 512];
    long long k = whorl__pread_full(fd, lh, sizeof lh, 0);
    if (k >= 30) {
      size_t nl = (size_t)lh[26] | (size_t)lh[27] << 8;
      if (nl >= 9 && nl <= 512 && (long long)(30 + nl) <= k && !memcmp(lh + 30 + nl - 9, "/data.pkl", 9)) return "pytorch";
    }
  }
  if (ends_with(path, ".gguf")) return "gguf";
  if (ends_with(path, ".onnx")) return "onnx";
  if (forced) {
    if (ends_with(path, ".npz") || (zip && ends_with(path, ".npz"))) return "npz";
    if (n >= 6 && !memcmp(h, "\x93NUMPY", 6)) return "npy";
    if (zip) return ends_with(path, ".npz") ? "npz" : "pytorch";
    if (pickle) return "pytorch";
  }
  return NULL;
}

static int read_one(whorl_model *m, const char *kind, const char *path, int fd, uint64_t size, whorl_error *err) {
  if (!strcmp(kind, "safetensors")) return whorl__safetensors_read(m, path, fd, size, NULL, err);
  if (!strcmp(kind, "gguf")) return whorl__gguf_read(m, path, fd, size, err);
  if (!strcmp(kind, "pytorch")) return whorl__torch_read(m, path, fd, size, err);
  if (!strcmp(kind, "npz")) return whorl__npz_model_read(m, path, fd, size, err);
  if (!strcmp(kind, "npy")) return whorl__npy_model_read(m, path, fd, size, err);
  if (!strcmp(kind, "onnx")) {
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (slash) snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    else snprintf(dir, sizeof dir, ".");
    if (!dir[0]) snprintf(dir, sizeof dir, "/");
    return whorl__onnx_read(m, path, fd, size, dir, err);
  }
  return whorl__error(err, WHORL_EUNSUPPORTED, path, -1, "not a model format whorl reads");
}

/* ---- hashing tensors on several threads ---------------------------------------------- */

typedef struct pool {
  whorl_model *m;
  const char *path;
  int stats;
  atomic_size_t next;
  atomic_int failed;
  pthread_mutex_t mu;
  whorl_error err;
  int rc;
} pool;

static void *worker(void *arg) {
  pool *p = arg;
  for (;;) {
    size_t i = atomic_fetch_add(&p->next, 1);
    if (i >= p->m->n || atomic_load(&p->failed)) break;
    whorl_error e;
    whorl_error_clear(&e);
    int rc = whorl__tensor_hash(&p->m->t[i], p->path, p->stats, &e);
    if (rc) {
      pthread_mutex_lock(&p->mu);
      if (!p->rc) {
        p->rc = rc;
        p->err = e;
      }
      pthread_mutex_unlock(&p->mu);
      atomic_store(&p->failed, 1);
    }
  }
  return NULL;
}

static int hash_all(whorl_model *m, const char *path, int threads, int stats, whorl_error *err) {
  pool p;
  memset(&p, 0, sizeof p);
  p.m = m;
  p.path = path;
  p.stats = stats;
  pthread_mutex_init(&p.mu, NULL);
  int nt = threads < 1 ? 1 : threads > 16 ? 16 : threads;
  if ((size_t)nt > m->n) nt = (int)(m->n ? m->n : 1);
  pthread_t th[16];
  int started = 0;
  for (int i = 1; i < nt; i++)
    if (!pthread_create(&th[started], NULL, worker, &p)) started++;
  worker(&p);
  for (int i = 0; i < started; i++) pthread_join(th[i], NULL);
  pthread_mutex_destroy(&p.mu);
  if (p.rc) {
    if (err) *err = p.err;
    return p.rc;
  }
  return WHORL_OK;
}

/* ---- sections ------------------------------------------------------------------------------ */

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

static int by_name(const void *a, const void *b) {
  return strcmp((*(const whorl_mtensor *const *)a)->name, (*(const whorl_mtensor *const *)b)->name);
}

static int by_finding(const void *a, const void *b) {
  const whorl_finding *x = *(const whorl_finding *const *)a, *y = *(const whorl_finding *const *)b;
  int c = strcmp(x->what, y->what);
  return c ? c : strcmp(x->pickle, y->pickle);
}

static void set_hex(whorl_json *o, const char *k, const uint8_t *b) {
  char hex[65];
  whorl_hex(b, 32, hex);
  whorl_json_object_set(o, k, whorl_json_string(hex));
}

static int json_id(const char *tag, const whorl_json *v, uint8_t out[32]) {
  char *c = NULL;
  size_t n = 0;
  if (whorl_json_canonical(v, &c, &n)) return -1;
  blake3_hasher h;
  b3_tag(&h, tag);
  blake3_hasher_update(&h, c, n);
  blake3_hasher_finalize(&h, out, 32);
  free(c);
  return 0;
}

/* A JSON or YAML file as a tree (the features' spec rules). */
static int load_tree(const char *path, whorl_json **out, whorl_error *err) {
  char *text = NULL;
  size_t len = 0;
  int rc = whorl__read_file(path, 64u << 20, &text, &len, err);
  if (rc) return rc;
  if (ends_with(path, ".yaml") || ends_with(path, ".yml")) rc = whorl__yaml_load(path, text, len, out, err);
  else {
    whorl_error e2;
    rc = whorl_json_parse(text, len, out, &e2);
    if (rc) {
      if (ends_with(path, ".json")) rc = whorl__error(err, WHORL_EFORMAT, path, e2.offset, "not valid JSON: %s", e2.message);
      else rc = whorl__yaml_load(path, text, len, out, err);
    }
  }
  free(text);
  return rc;
}

/* A file's BLAKE3 (or, quick, its quick-tier id) as hex, and its size;
 * cache: the caller's options whose stat cache to use (NULL: none). */
static int file_digest(const char *path, int quick, const whorl_fp_options *cache, char hex[65], int64_t *size,
                       whorl_error *err) {
  whorl_fp_options o = WHORL_FP_OPTIONS_INIT;
  o.level = quick ? WHORL_LEVEL_QUICK : WHORL_LEVEL_CONTENT;
  o.chunks = 0;
  o.model = 0;
  o.table_format = NULL;
  o.use_cache = cache ? cache->use_cache : 0;
  o.cache_path = cache ? cache->cache_path : NULL;
  whorl_json *d = NULL;
  int rc = whorl_fingerprint(path, &o, &d, err);
  if (rc) return rc;
  const char *id = whorl_json_object_get_string(whorl_json_object_get(d, quick ? "quick" : "content"), "blake3");
  if (!id) id = whorl_json_object_get_string(d, "id");
  snprintf(hex, 65, "%s", id ? id : "");
  *size = whorl_json_object_get_int(d, "size", 0);
  whorl_json_free(d);
  return id ? WHORL_OK : whorl__error(err, WHORL_EFORMAT, path, -1, "no %s digest", quick ? "quick" : "content");
}

static int file_blake3(const char *path, char hex[65], int64_t *size, whorl_error *err) {
  return file_digest(path, 0, NULL, hex, size, err);
}

/* The training section: --param KEY=VALUE (VALUE as JSON when it parses,
 * else a string) and --training-file FILE. */
static int training_section(const whorl_fp_options *o, whorl_json **sec, uint8_t id[32], whorl_error *err) {
  whorl_json *params = whorl_json_object(), *files = whorl_json_array();
  for (size_t i = 0; i < o->nparams; i++) {
    const char *kv = o->params[i], *eq = strchr(kv, '=');
    if (!eq || eq == kv) {
      whorl_json_free(params);
      whorl_json_free(files);
      return whorl__error(err, WHORL_EINVAL, NULL, -1, "--param takes KEY=VALUE, not \"%s\"", kv);
    }
    whorl_json *v = NULL;
    whorl_error e2;
    if (whorl_json_parse(eq + 1, strlen(eq + 1), &v, &e2) != WHORL_OK || !*(eq + 1)) {
      whorl_json_free(v);
      v = whorl_json_string(eq + 1);
    }
    whorl_json_object_setn(params, kv, (size_t)(eq - kv), v);
  }
  for (size_t i = 0; i < o->ntraining_files; i++) {
    char hex[65];
    int64_t size = 0;
    int rc = file_blake3(o->training_files[i], hex, &size, err);
    if (rc) {
      whorl_json_free(params);
      whorl_json_free(files);
      return rc;
    }
    whorl_json *f = whorl_json_object();
    whorl_json_object_set(f, "name", whorl_json_string(base_name(o->training_files[i])));
    whorl_json_object_set(f, "blake3", whorl_json_string(hex));
    whorl_json_object_set(f, "size", whorl_json_int(size));
    whorl_json_array_append(files, f);
  }
  whorl_json *t = whorl_json_object();
  whorl_json_object_set(t, "params", params);
  whorl_json_object_set(t, "files", files);
  /* the id: params and files sorted by name (canonical JSON sorts the keys;
   * the list is sorted here) */
  whorl_json *idv = whorl_json_object();
  whorl_json_object_set(idv, "params", whorl_json_clone(params));
  whorl_json *sorted = whorl_json_object();
  for (size_t i = 0; i < whorl_json_size(files); i++) {
    const whorl_json *f = whorl_json_array_get(files, i);
    whorl_json_object_set(sorted, whorl_json_object_get_string(f, "name"), whorl_json_string(whorl_json_object_get_string(f, "blake3")));
  }
  whorl_json_object_set(idv, "files", sorted);
  int rc = json_id("whorl-training-1", idv, id);
  whorl_json_free(idv);
  if (rc) {
    whorl_json_free(t);
    return whorl__error(err, WHORL_EFORMAT, NULL, -1, "training parameters that cannot be written as JSON (text that is not UTF-8?)");
  }
  set_hex(t, "id", id);
  *sec = t;
  return WHORL_OK;
}

/* ---- the document ------------------------------------------------------------------------------ */

static int model_doc(whorl_model *m, const char *path, const char *name, uint64_t size, const whorl_fp_options *o,
                     whorl_json *config_value, whorl_json **out, whorl_error *err) {
  int quick = o->level == WHORL_LEVEL_QUICK, stats = o->level == WHORL_LEVEL_STATS;
  int rc = WHORL_OK;
  if (!quick) rc = hash_all(m, path, o->threads, stats, err);
  if (rc) return rc;
  whorl_mtensor **ord = malloc((m->n + 1) * sizeof *ord);
  if (!ord) return whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
  for (size_t i = 0; i < m->n; i++) ord[i] = &m->t[i];
  qsort(ord, m->n, sizeof *ord, by_name);
  for (size_t i = 1; i < m->n; i++)
    if (!strcmp(ord[i]->name, ord[i - 1]->name)) {
      rc = whorl__error(err, WHORL_EFORMAT, path, -1, "two tensors named \"%s\"", ord[i]->name);
      free(ord);
      return rc;
    }
  /* architecture */
  blake3_hasher h;
  uint8_t arch[32], cfg[32], train[32], weights[32];
  b3_tag(&h, "whorl-architecture-1");
  b3_u64(&h, m->n);
  unsigned __int128 params = 0;
  uint64_t bytes = 0;
  for (size_t i = 0; i < m->n; i++) {
    const whorl_mtensor *t = ord[i];
    b3_str(&h, t->name);
    b3_str(&h, t->dtype->name);
    b3_u64(&h, (uint64_t)t->ndim);
    uint64_t c = 1;
    for (int d = 0; d < t->ndim; d++) b3_u64(&h, t->shape[d]), c *= t->shape[d];
    params += c;
    bytes += t->nbytes;
  }
  if (m->has_graph) blake3_hasher_update(&h, m->graph_id, 32); /* ONNX: the op graph */
  blake3_hasher_finalize(&h, arch, 32);
  /* config */
  if (json_id("whorl-config-1", config_value, cfg)) {
    free(ord);
    return whorl__error(err, WHORL_EFORMAT, path, -1, "model metadata that cannot be written as JSON (text that is not UTF-8?)");
  }
  /* training */
  whorl_json *tsec = NULL;
  rc = training_section(o, &tsec, train, err);
  if (rc) {
    free(ord);
    return rc;
  }
  /* weights */
  if (!quick) {
    b3_tag(&h, "whorl-weights-1");
    b3_u64(&h, m->n);
    for (size_t i = 0; i < m->n; i++) {
      b3_str(&h, ord[i]->name);
      blake3_hasher_update(&h, ord[i]->hash, 32);
    }
    blake3_hasher_finalize(&h, weights, 32);
  }
  /* unsafe findings: what the pickles would import or call, with the
   * pickles holding them (where - file names, offsets - does not count) */
  uint8_t unsafe[32];
  if (m->nfind) {
    whorl_finding **fo = malloc(m->nfind * sizeof *fo);
    if (!fo) {
      free(ord);
      whorl_json_free(tsec);
      return whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
    }
    for (size_t i = 0; i < m->nfind; i++) fo[i] = &m->find[i];
    qsort(fo, m->nfind, sizeof *fo, by_finding);
    b3_tag(&h, "whorl-unsafe-1");
    b3_u64(&h, m->nfind);
    for (size_t i = 0; i < m->nfind; i++) {
      b3_str(&h, fo[i]->what);
      b3_str(&h, fo[i]->pickle);
    }
    blake3_hasher_finalize(&h, unsafe, 32);
    free(fo);
  }
  uint8_t id[32];
  b3_tag(&h, quick ? "whorl-model-quick-1" : "whorl-model-1");
  blake3_hasher_update(&h, arch, 32);
  blake3_hasher_update(&h, cfg, 32);
  blake3_hasher_update(&h, train, 32);
  if (!quick) blake3_hasher_update(&h, weights, 32);
  if (m->nfind) blake3_hasher_update(&h, unsafe, 32);
  blake3_hasher_finalize(&h, id, 32);

  whorl_json *d = whorl_json_object();
  whorl_json_object_set(d, "whorl", whorl_json_int(WHORL_FORMAT_VERSION));
  whorl_json_object_set(d, "kind", whorl_json_string("model"));
  whorl_json_object_set(d, "level", whorl_json_string(quick ? "quick" : stats ? "stats" : "content"));
  whorl_json_object_set(d, "rules", whorl_json_string(WHORL_MODEL_RULES));
  set_hex(d, "id", id);
  whorl__json_set_bytes(d, "name", name, strlen(name));
  whorl_json_object_set(d, "format", whorl_json_string(m->format));
  whorl_json_object_set(d, "size", whorl_json_int((int64_t)size));
  whorl_json *a = whorl_json_object();
  set_hex(a, "id", arch);
  whorl_json_object_set(a, "tensors", whorl_json_int((int64_t)m->n));
  whorl_json_object_set(a, "parameters", params >> 62 ? whorl_json_double((double)params) : whorl_json_int((int64_t)params));
  if (m->has_graph) set_hex(a, "graph", m->graph_id);
  if (m->has_graph && m->ops) whorl_json_object_set(a, "ops", whorl_json_clone(m->ops));
  whorl_json_object_set(d, "architecture", a);
  whorl_json *c = whorl_json_object();
  set_hex(c, "id", cfg);
  whorl_json_object_set(c, "value", config_value);
  whorl_json_object_set(d, "config", c);
  whorl_json_object_set(d, "training", tsec);
  if (m->container) {
    whorl_json_object_set(d, "container", m->container); /* about the files; in no id */
    m->container = NULL;
  }
  if (!quick) {
    whorl_json *w = whorl_json_object();
    set_hex(w, "root", weights);
    whorl_json_object_set(w, "bytes", whorl_json_int((int64_t)bytes));
    whorl_json_object_set(d, "weights", w);
  }
  whorl_json *ts = whorl_json_array();
  for (size_t i = 0; i < m->n; i++) {
    const whorl_mtensor *t = ord[i];
    whorl_json *tj = whorl_json_object();
    whorl__json_set_bytes(tj, "name", t->name, strlen(t->name));
    whorl_json_object_set(tj, "dtype", whorl_json_string(t->dtype->name));
    whorl_json *sh = whorl_json_array();
    for (int k = 0; k < t->ndim; k++) whorl_json_array_append(sh, whorl_json_int((int64_t)t->shape[k]));
    whorl_json_object_set(tj, "shape", sh);
    whorl_json_object_set(tj, "bytes", whorl_json_int((int64_t)t->nbytes));
    if (t->hashed) set_hex(tj, "hash", t->hash);
    if (t->has_stats) {
      whorl_json *s = whorl_json_object();
      whorl_json *mean = whorl_json_double(t->mean), *std = whorl_json_double(t->std), *mn = whorl_json_double(t->min),
                 *mx = whorl_json_double(t->max);
      whorl_json_object_set(s, "mean", mean ? mean : whorl_json_null());
      whorl_json_object_set(s, "std", std ? std : whorl_json_null());
      whorl_json_object_set(s, "min", mn ? mn : whorl_json_null());
      whorl_json_object_set(s, "max", mx ? mx : whorl_json_null());
      whorl_json *l2 = whorl_json_double(t->l2);
      whorl_json_object_set(s, "l2", l2 ? l2 : whorl_json_null());
      whorl_json_object_set(s, "zero_fraction", t->count ? whorl_json_double((double)t->zeros / (double)t->count) : whorl_json_null());
      whorl_json_object_set(s, "nan", whorl_json_int((int64_t)t->nans));
      whorl_json_object_set(s, "inf", whorl_json_int((int64_t)t->infs));
      whorl_json_object_set(tj, "stats", s);
    }
    whorl_json_array_append(ts, tj);
  }
  whorl_json_object_set(d, "tensors", ts);
  whorl_json *un = whorl_json_array();
  for (size_t i = 0; i < m->nfind; i++) {
    whorl_json *f = whorl_json_object();
    /* not UTF-8 (a file name in where, cut inside a character): a
     * readable form, the bytes under <key>_hex */
    whorl__json_set_bytes(f, "finding", m->find[i].what, strlen(m->find[i].what));
    whorl__json_set_bytes(f, "where", m->find[i].where, strlen(m->find[i].where));
    if (m->find[i].pickle[0]) whorl__json_set_bytes(f, "pickle", m->find[i].pickle, strlen(m->find[i].pickle));
    whorl_json_array_append(un, f);
  }
  whorl_json_object_set(d, "unsafe", un);
  if (m->nfind) set_hex(d, "unsafe_id", unsafe);
  free(ord);
  *out = d;
  return WHORL_OK;
}

/* The config value of a single file: the container's metadata, a
 * checkpoint's non-tensor values, the user's --config file. */
static int config_value(whorl_model *m, const whorl_fp_options *o, whorl_json *folder, whorl_json **out, whorl_error *err) {
  whorl_json *v = folder ? folder : whorl_json_object();
  if (m->meta) {
    whorl_json_object_set(v, "metadata", m->meta);
    m->meta = NULL;
  }
  if (m->extra) {
    whorl_json_object_set(v, "checkpoint", m->extra);
    m->extra = NULL;
  }
  if (o->config_file) {
    whorl_json *u = NULL;
    int rc = load_tree(o->config_file, &u, err);
    if (rc) {
      whorl_json_free(v);
      return rc;
    }
    whorl_json_object_set(v, "user", u);
  }
  *out = v;
  return WHORL_OK;
}

static int fp_model_read(const char *path, int fd, const struct stat *st, const whorl_fp_options *o, const char *kind,
                         whorl_json **out, whorl_error *err);

/* Model documents of single files are kept in the documents cache (like
 * tables) under the file's stat key and rules naming whorl's version, the
 * level and the reader; not when --config, --param or --training-file
 * shape the document (they have no stat key here). */
int whorl__fp_model_file(const char *path, int fd, const struct stat *st, const whorl_fp_options *o, const char *kind,
                         whorl_json **out, whorl_error *err) {
  *out = NULL;
  if (o->level == WHORL_LEVEL_LOGICAL || o->level == WHORL_LEVEL_PROFILE)
    return whorl__error(err, WHORL_EUNSUPPORTED, path, -1, "a model file: the %s level is for tables; models have quick, content (per-tensor hashes, already format-independent: their logical tier) and stats",
                        whorl_level_name(o->level));
  if (!o->use_cache || o->config_file || o->nparams || o->ntraining_files) return fp_model_read(path, fd, st, o, kind, out, err);
  char rules[256];
  snprintf(rules, sizeof rules, "whorl-model-doc-1;%s;%s;level=%s;reader=%s", whorl_version(), WHORL_MODEL_RULES,
           whorl_level_name(o->level), kind);
  whorl_cache *c = NULL;
  char *db = whorl__tables_db(o, path);
  if (db) whorl_cache_open(db, rules, &c, NULL);
  free(db);
  whorl_cache_key k;
  whorl__fp_cache_key(st, &k);
  if (c) {
    whorl_cache_entry e;
    memset(&e, 0, sizeof e);
    if (whorl_cache_get(c, &k, 0, 1, &e) == 1) {
      whorl_json *d = NULL;
      whorl_error perr;
      if (whorl_json_parse((const char *)e.extra, e.extra_len, &d, &perr) == WHORL_OK && whorl_json_typeof(d) == WHORL_JSON_OBJECT &&
          whorl_json_object_get(d, "tensors")) {
        whorl_json_object_remove(d, "name");
        whorl_json_object_remove(d, "name_hex");
        whorl__json_set_bytes(d, "name", base_name(path), strlen(base_name(path)));
        free(e.extra);
        whorl_cache_close(c);
        *out = d;
        return WHORL_OK;
      }
      whorl_json_free(d);
      free(e.extra);
    }
  }
  int64_t t0 = whorl__realtime_ns();
  int rc = fp_model_read(path, fd, st, o, kind, out, err);
  if (!rc && c) {
    char *text = NULL;
    size_t len = 0;
    if (whorl_json_canonical(*out, &text, &len) == WHORL_OK) {
      whorl_cache_entry e;
      memset(&e, 0, sizeof e);
      e.extra = (uint8_t *)text;
      e.extra_len = len;
      whorl_cache_put(c, &k, &e, t0);
    }
    free(text);
  }
  whorl_cache_close(c);
  return rc;
}

static int fp_model_read(const char *path, int fd, const struct stat *st, const whorl_fp_options *o, const char *kind,
                         whorl_json **out, whorl_error *err) {
  whorl_model m;
  whorl__model_init(&m);
  int rc = read_one(&m, kind, path, fd, (uint64_t)st->st_size, err);
  whorl_json *cv = NULL;
  if (!rc) rc = config_value(&m, o, NULL, &cv, err);
  if (!rc) {
    rc = model_doc(&m, path, base_name(path), (uint64_t)st->st_size, o, cv, out, err);
    if (rc) whorl_json_free(cv);
  }
  whorl__model_free(&m);
  return rc;
}

/* ---- Hugging Face style folders ---------------------------------------------------------------------- */

static const char *const CONFIG_JSON[] = {"config.json", "generation_config.json", "tokenizer_config.json",
                                          "special_tokens_map.json", "preprocessor_config.json", "added_tokens.json",
                                          "chat_template.json", NULL};
static const char *const CONFIG_FILES[] = {"tokenizer.json", "tokenizer.model", "vocab.json", "vocab.txt", "merges.txt",
                                           "spiece.model", "sentencepiece.bpe.model", NULL};
static const char *const CONFIG_EXTS[] = {".py", ".jinja", ".jinja2", ".tiktoken", ".model", NULL};

/* A PEFT adapter folder (LoRA and friends): adapter_config.json and
 * adapter_model.safetensors or adapter_model.bin, and no config.json (a
 * folder with config.json is read as before). PEFT loads the safetensors
 * file first. Returns the weight file's name, or NULL. */
static const char *adapter_weights(const char *dir) {
  char p[8192 + 512];
  struct stat st;
  snprintf(p, sizeof p, "%s/config.json", dir);
  if (!lstat(p, &st)) return NULL;
  snprintf(p, sizeof p, "%s/adapter_config.json", dir);
  if (stat(p, &st) || !S_ISREG(st.st_mode)) return NULL;
  static const char *const w[] = {"adapter_model.safetensors", "adapter_model.bin"};
  for (int i = 0; i < 2; i++) {
    snprintf(p, sizeof p, "%s/%s", dir, w[i]);
    if (!stat(p, &st) && S_ISREG(st.st_mode)) return w[i];
  }
  return NULL;
}

/* A Hugging Face folder: config.json and weight files, or an adapter. */
static int hf_model_folder(const char *dir) {
  char p[8192 + 512];
  struct stat st;
  if (adapter_weights(dir)) return 1;
  snprintf(p, sizeof p, "%s/config.json", dir);
  if (stat(p, &st) || !S_ISREG(st.st_mode)) return 0;
  DIR *d = opendir(dir);
  if (!d) return 0;
  struct dirent *e;
  int weights = 0;
  while ((e = readdir(d)))
    if (ends_with(e->d_name, ".safetensors") || !strcmp(e->d_name, "pytorch_model.bin") ||
        (!strncmp(e->d_name, "pytorch_model-", 14) && ends_with(e->d_name, ".bin")) || ends_with(e->d_name, ".gguf") ||
        !strcmp(e->d_name, "diffusion_pytorch_model.bin") || /* a diffusers model saved without safetensors */
        (!strncmp(e->d_name, "diffusion_pytorch_model-", 24) && ends_with(e->d_name, ".bin")))
      weights = 1;
  closedir(d);
  return weights;
}

static int cmpstr(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The names in a folder, dot files left out, in byte order (*names and
 * each name malloc'd; the caller frees them, also after an error). */
static int list_folder(const char *dir, char ***names, size_t *nn, whorl_error *err) {
  DIR *d = opendir(dir);
  if (!d) return whorl__error_errno(err, errno, dir, "open");
  size_t cap = 0;
  struct dirent *e;
  int rc = WHORL_OK;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    char **g = whorl__grow_array(*names, &cap, *nn, sizeof **names);
    if (!g || !(g[*nn] = strdup(e->d_name))) {
      rc = whorl__error(err, WHORL_ENOMEM, dir, -1, "out of memory");
      if (g) *names = g;
      break;
    }
    *names = g;
    (*nn)++;
  }
  closedir(d);
  if (*names) qsort(*names, *nn, sizeof **names, cmpstr);
  return rc;
}

/* A file a pickle loader would take: a pickle-bearing extension, or a
 * torch.save archive under any name (torch.load does not look at it). */
static int pickle_bearing(const char *path, const char *nm, int fd) {
  if (ends_with(nm, ".bin") || ends_with(nm, ".pt") || ends_with(nm, ".pth") || ends_with(nm, ".ckpt") || ends_with(nm, ".pkl") ||
      ends_with(nm, ".pickle"))
    return 1;
  const char *k = whorl__model_detect(path, fd, 0);
  return k && !strcmp(k, "pytorch");
}

/* A subfolder of a model folder (onnx/, original/, a diffusers unet/):
 * none of it is fingerprinted, but its pickle-bearing files are scanned
 * like those beside the weights, their findings named by their path
 * inside the folder. Links to folders are not followed (no loops); links
 * to files are (a Hugging Face cache snapshot is made of them). */
static int scan_subfolder(whorl_model *m, const char *dir, const char *rel, int depth, whorl_error *err) {
  char p[8192 + 512];
  snprintf(p, sizeof p, "%s/%s", dir, rel);
  if (depth > 32) return whorl__error(err, WHORL_EFORMAT, p, -1, "folders nested more than 32 deep");
  char **names = NULL;
  size_t nn = 0;
  int rc = list_folder(p, &names, &nn, err);
  for (size_t i = 0; i < nn && !rc; i++) {
    char r[4096], q[8192 + 512];
    if ((size_t)snprintf(r, sizeof r, "%s/%s", rel, names[i]) >= sizeof r) {
      rc = whorl__error(err, WHORL_EFORMAT, p, -1, "a path inside the folder longer than 4095 bytes");
      break;
    }
    snprintf(q, sizeof q, "%s/%s", dir, r);
    struct stat ls, st;
    if (lstat(q, &ls)) continue;
    if (S_ISDIR(ls.st_mode)) {
      rc = scan_subfolder(m, dir, r, depth + 1, err);
      continue;
    }
    if (stat(q, &st) || !S_ISREG(st.st_mode)) continue;
    int fd = open(q, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      rc = whorl__error_errno(err, errno, q, "open");
      break;
    }
    if (pickle_bearing(q, names[i], fd)) rc = whorl__pickle_scan(m, q, r, fd, (uint64_t)st.st_size, err);
    close(fd);
  }
  for (size_t i = 0; i < nn; i++) free(names[i]);
  free(names);
  return rc;
}

/* Links to files among the extras are entries of their target's content,
 * as the model's own files are (a Hugging Face cache snapshot is made of
 * links into ../../blobs): a blob edited in place changes the extras, and a
 * snapshot has the extras of the same files copied into a folder. The
 * folder walk records links as their target text; here each link that
 * resolves to a regular file becomes a "file" entry and the Merkle root
 * is computed again over the entries' canonical forms. */
static int extras_follow_links(const char *dir, int quick, const whorl_fp_options *cache, whorl_json *d, whorl_error *err) {
  whorl_json *en = (whorl_json *)whorl_json_object_get(d, "entries");
  size_t n = whorl_json_size(en), followed = 0;
  int64_t files = whorl_json_object_get_int(d, "files", 0), size = whorl_json_object_get_int(d, "size", 0);
  for (size_t i = 0; i < n; i++) {
    whorl_json *e = (whorl_json *)whorl_json_array_get(en, i);
    const char *t = whorl_json_object_get_string(e, "type");
    if (!t || strcmp(t, "symlink")) continue;
    char rel[4096], q[8192 + 512];
    const char *ph = whorl_json_object_get_string(e, "path_hex"), *pt = whorl_json_object_get_string(e, "path");
    if (ph) {
      size_t hl = strlen(ph);
      if (hl / 2 >= sizeof rel || whorl_unhex(ph, hl, (uint8_t *)rel, hl / 2)) continue;
      rel[hl / 2] = 0;
    } else if (!pt || (size_t)snprintf(rel, sizeof rel, "%s", pt) >= sizeof rel) continue;
    snprintf(q, sizeof q, "%s/%s", dir, rel);
    struct stat st;
    if (stat(q, &st) || !S_ISREG(st.st_mode)) continue; /* dangling, a folder, a device: the link itself */
    char h[65];
    int64_t fsz = (int64_t)st.st_size;
    int rc = file_digest(q, quick, cache, h, &fsz, err); /* unchanged blobs: from the stat cache */
    if (rc) return rc;
    whorl_json_object_remove(e, "target");
    whorl_json_object_remove(e, "target_hex");
    whorl_json_object_set(e, quick ? "quick" : "blake3", whorl_json_string(h));
    whorl_json_object_set(e, "size", whorl_json_int(fsz));
    whorl_json_object_set(e, "type", whorl_json_string("file"));
    files++, size += fsz, followed++;
  }
  if (!followed) return WHORL_OK;
  uint8_t (*leaves)[32] = malloc((n ? n : 1) * sizeof *leaves);
  if (!leaves) return whorl__error(err, WHORL_ENOMEM, dir, -1, "out of memory");
  for (size_t i = 0; i < n; i++) {
    char *c = NULL;
    size_t cl = 0;
    if (whorl_json_canonical(whorl_json_array_get(en, i), &c, &cl)) {
      free(leaves);
      return whorl__error(err, WHORL_ENOMEM, dir, -1, "out of memory");
    }
    whorl__merkle_leaf(c, cl, leaves[i]);
    free(c);
  }
  uint8_t root[32];
  whorl__merkle_root((const uint8_t(*)[32])leaves, n, root);
  free(leaves);
  set_hex(d, "id", root);
  whorl_json_object_set(d, "files", whorl_json_int(files));
  whorl_json_object_set(d, "size", whorl_json_int(size));
  return WHORL_OK;
}

/* The files of a model folder outside the model's id (README, a
 * sentence-transformers modules.json and 1_Pooling/, a pytorch_model.bin
 * beside safetensors, subfolders): fingerprinted as a folder of them
 * (docs/model.md, "Extras"), so that diff and check see them change. */
static int extras_section(const char *dir, const whorl_fp_options *o, const char **inid, size_t n, whorl_json **out,
                          whorl_error *err) {
  whorl_fp_options fo = *o;
  fo.entries = 1;
  fo.chunks = 0;
  fo.digests = 0;
  fo.expect_quick = NULL;
  fo.model = 0; /* its pickles: scanned by the folder's reader already */
  fo.level = o->level == WHORL_LEVEL_QUICK ? WHORL_LEVEL_QUICK : WHORL_LEVEL_CONTENT;
  whorl_json *d = NULL;
  int rc = whorl__fp_folder_except(dir, &fo, (const char *const *)inid, n, &d, err);
  if (rc) return rc;
  static const char *const drop[] = {"whorl", "kind", "level", "name", "digests"};
  for (size_t i = 0; i < sizeof drop / sizeof *drop; i++) whorl_json_object_remove(d, drop[i]);
  if (!whorl_json_size(whorl_json_object_get(d, "skipped"))) whorl_json_object_remove(d, "skipped");
  rc = extras_follow_links(dir, fo.level == WHORL_LEVEL_QUICK, o, d, err);
  if (rc) {
    whorl_json_free(d);
    return rc;
  }
  *out = d;
  return WHORL_OK;
}

/* What reading a model folder gathers, over the root and, in a diffusers
 * pipeline, each component's subfolder. */
typedef struct folder_acc {
  whorl_model m;
  whorl_json *cv, *files, *container, *ignored;
  char **inid; /* the paths (inside the root) in the model's id: everything else is "extras" */
  size_t ninid, inidcap;
  uint64_t total;
} folder_acc;

static int acc_inid(folder_acc *a, const char *path, const char *dir, whorl_error *err) {
  char **g = whorl__grow_array(a->inid, &a->inidcap, a->ninid, sizeof *a->inid);
  if (g) a->inid = g;
  if (!g || !(g[a->ninid] = strdup(path))) return whorl__error(err, WHORL_ENOMEM, dir, -1, "out of memory");
  a->ninid++;
  return WHORL_OK;
}

/* A pipeline component's library (model_index.json): which weight files
 * its loader takes, by family, in order; diffusers models save
 * diffusion_pytorch_model.*, transformers models (text encoders, a safety
 * checker) model.safetensors / pytorch_model.bin. */
static const char *const DIFFUSERS_FAMILY[] = {"diffusion_pytorch_model", "diffusion_pytorch_model"};
static const char *const TRANSFORMERS_FAMILY[] = {"model", "pytorch_model"};

/* <base>.<variant><ext> (diffusion_pytorch_model.fp16.safetensors): a
 * variant that diffusers loads only when asked (variant="fp16"). */
static int is_variant_of(const char *nm, const char *base, const char *ext) {
  size_t n = strlen(nm), b = strlen(base), e = strlen(ext);
  return n > b + 1 + e && !strncmp(nm, base, b) && nm[b] == '.' && !strcmp(nm + n - e, ext) && !memchr(nm + b + 1, '/', n - b - 1 - e);
}

static int has_name(char **names, size_t nn, const char *want) {
  for (size_t i = 0; i < nn; i++)
    if (!strcmp(names[i], want)) return 1;
  return 0;
}

/* The weights of one file family (base + ext, e.g. diffusion_pytorch_model
 * + .bin) as its loader picks them: the single file, else the index of its
 * shards; a single file beside its index wins, and the index is passed
 * over. The names go into the caller's buffers (128 bytes each). */
static void pick_weights(char **names, size_t nn, const char *base, const char *ext, char *single_buf, char *index_buf,
                         const char **single, const char **index, const char **passed_over) {
  snprintf(single_buf, 128, "%s%s", base, ext);
  snprintf(index_buf, 128, "%s%s.index.json", base, ext);
  int s = has_name(names, nn, single_buf), x = has_name(names, nn, index_buf);
  if (s) *single = single_buf;
  if (s && x) *passed_over = index_buf;
  if (!s && x) *index = index_buf;
}

/* Reads one folder of a model into a: the root of a Hugging Face folder
 * (rel NULL, lib NULL), the root of a diffusers pipeline (rel NULL, comps:
 * its components' subfolders, read on their own), or a pipeline's
 * component (rel: its subfolder, lib: its library), whose tensors, config
 * files and container entries are named <rel>/... */
static int read_component(folder_acc *a, const char *dir, const char *rel, const char *lib, char *const *comps, size_t ncomps,
                          const whorl_fp_options *o, whorl_error *err) {
  char cdir[8192 + 512], p[8192 + 1024], key[4096];
  if (rel) snprintf(cdir, sizeof cdir, "%s/%s", dir, rel);
  else snprintf(cdir, sizeof cdir, "%s", dir);
  char **names = NULL;
  size_t nn = 0;
  int rc = list_folder(cdir, &names, &nn, err);
  if (rc) {
    for (size_t i = 0; i < nn; i++) free(names[i]);
    free(names);
    return rc;
  }
  whorl_model *m = &a->m;
  const int hf = !rel && !comps; /* a Hugging Face folder: the rules of before */
  const size_t first = m->n;
  whorl_json *meta_saved = NULL, *extra_saved = NULL;
  if (rel) { /* a component's checkpoint values are its own */
    meta_saved = m->meta, extra_saved = m->extra;
    m->meta = m->extra = NULL;
  }
  /* weights: an index names the shards; else every weight file */
  /* as transformers does: safetensors first (an index, or the files), then
   * PyTorch (an index, or pytorch_model.bin), then GGUF */
  /* A single file wins over an index beside it, as in transformers, which
   * loads model.safetensors (pytorch_model.bin) before looking for the
   * index: the index's shards are then not what runs. */
  const char *index = NULL, *single = NULL, *passed_over = NULL;
  int has_st = 0, has_bin = 0, dpm_st = 0;
  char fam_single[128], fam_index[128];
  if (hf) {
    for (size_t i = 0; i < nn; i++) {
      if (!strcmp(names[i], "model.safetensors.index.json")) index = names[i];
      if (!strcmp(names[i], "model.safetensors")) single = names[i];
      has_st |= ends_with(names[i], ".safetensors");
      has_bin |= !strcmp(names[i], "pytorch_model.bin");
      dpm_st |= !strcmp(names[i], "diffusion_pytorch_model.safetensors");
    }
    if (single && index) passed_over = index, index = NULL;
    if (!index && !has_st) {
      for (size_t i = 0; i < nn; i++)
        if (!strcmp(names[i], "pytorch_model.bin.index.json")) index = names[i];
      if (has_bin && index) passed_over = index, index = NULL, single = "pytorch_model.bin";
      /* a diffusers model saved alone with safe_serialization=False: its
       * .bin (or the index of its shards), as diffusers loads it */
      if (!has_bin && !index)
        pick_weights(names, nn, "diffusion_pytorch_model", ".bin", fam_single, fam_index, &single, &index, &passed_over);
    }
    const char *adapter = adapter_weights(cdir);
    if (adapter) /* a PEFT adapter: its one weight file, as PEFT loads it */
      index = passed_over = NULL, single = adapter;
  } else if (rel) {
    /* a component: the files its library loads without a variant, in its
     * loader's order (safetensors, its index, .bin, its index; a single
     * file wins over an index beside it); the other family after. Variant
     * files (diffusion_pytorch_model.fp16.safetensors) are not read. */
    const char *const *fams[2] = {DIFFUSERS_FAMILY, TRANSFORMERS_FAMILY};
    if (!lib || strcmp(lib, "diffusers")) fams[0] = TRANSFORMERS_FAMILY, fams[1] = DIFFUSERS_FAMILY;
    for (int f = 0; f < 2 && !single && !index; f++)
      for (int k = 0; k < 2 && !single && !index; k++) {
        const char *ext = k ? ".bin" : ".safetensors";
        pick_weights(names, nn, fams[f][k], ext, fam_single, fam_index, &single, &index, &passed_over);
      }
  }
  if (passed_over && o->on_issue) {
    whorl_error w;
    whorl_error_clear(&w);
    whorl__error(&w, WHORL_EINVAL, cdir, -1,
                 "both %s and %s: the loader (transformers, diffusers) reads %s and ignores the index, so its shards are not fingerprinted",
                 single, passed_over, single);
    o->on_issue(o->cb_ctx, &w, 0);
  }
  whorl_json *map = NULL;
  size_t read_at[4096], read_file[4096], nread = 0; /* where each weight file's tensors start */
  if (!rc && index) {
    snprintf(p, sizeof p, "%s/%s", cdir, index);
    whorl_json *ij = NULL;
    rc = load_tree(p, &ij, err);
    if (!rc) {
      map = whorl_json_clone(whorl_json_object_get(ij, "weight_map"));
      if (whorl_json_typeof(map) != WHORL_JSON_OBJECT) rc = whorl__error(err, WHORL_EFORMAT, p, -1, "no weight_map object");
      const whorl_json *md = whorl_json_object_get(ij, "metadata");
      if (md) { /* e.g. total_size: the files, not the model */
        if (rel) {
          snprintf(key, sizeof key, "%s/index_metadata", rel);
          whorl_json_object_set(a->container, key, whorl_json_clone(md));
        } else whorl_json_object_set(a->container, "index_metadata", whorl_json_clone(md));
      }
      whorl_json_free(ij);
    }
  }
  for (size_t i = 0; i < nn && !rc; i++) {
    const char *nm = names[i];
    if ((size_t)snprintf(key, sizeof key, "%s%s%s", rel ? rel : "", rel ? "/" : "", nm) >= sizeof key) {
      rc = whorl__error(err, WHORL_EFORMAT, cdir, -1, "a path inside the folder longer than 4095 bytes");
      break;
    }
    int weight = 0;
    if (map) {
      for (size_t k = 0; k < whorl_json_size(map) && !weight; k++) {
        const whorl_json *sv = whorl_json_object_value(map, k);
        weight = whorl_json_typeof(sv) == WHORL_JSON_STRING && !strcmp(whorl_json_get_string(sv, NULL), nm);
      }
    } else if (hf) {
      /* model.safetensors alone when present (a variant such as
       * model.fp16.safetensors or an adapter beside it is not loaded) */
      weight = passed_over || single ? !strcmp(nm, single)
               : has_st    ? ends_with(nm, ".safetensors") && !(dpm_st && is_variant_of(nm, "diffusion_pytorch_model", ".safetensors"))
               : has_bin   ? !strcmp(nm, "pytorch_model.bin")
                           : ends_with(nm, ".gguf");
    } else weight = single && !strcmp(nm, single);
    snprintf(p, sizeof p, "%s/%s", cdir, nm);
    if (!rel && comps) { /* a pipeline's root: its components are read on their own */
      int comp = 0;
      for (size_t c = 0; c < ncomps && !comp; c++) comp = !strcmp(comps[c], nm);
      if (comp) continue;
    }
    if (weight) {
      rc = acc_inid(a, key, dir, err);
      if (rc) break;
      int fd = open(p, O_RDONLY | O_CLOEXEC);
      struct stat st;
      if (fd < 0) {
        rc = whorl__error_errno(err, errno, p, "open");
        break;
      }
      if (fstat(fd, &st) || !S_ISREG(st.st_mode) || whorl__model_keep_fd(m, fd)) {
        close(fd);
        rc = whorl__error(err, WHORL_EFORMAT, p, -1, "not a regular file");
        break;
      }
      size_t before = m->n, fbefore = m->nfind;
      const char *kind = whorl__model_detect(p, fd, 1);
      whorl_json *meta_before = m->meta;
      m->meta = NULL;
      rc = kind ? read_one(m, kind, p, fd, (uint64_t)st.st_size, err)
                : whorl__error(err, WHORL_EUNSUPPORTED, p, -1, "a weight file whorl cannot read");
      if (m->meta) { /* a GGUF's key/values configure the model */
        if (meta_before) whorl_json_object_set(a->cv, key, m->meta);
        else meta_before = m->meta;
        m->meta = NULL;
      }
      m->meta = meta_before;
      if (m->container) { /* a shard's file metadata: under its name, in no id */
        whorl_json_object_set(a->container, key, m->container);
        m->container = NULL;
      }
      if (rel) /* a component's findings: where names its file */
        for (size_t f = fbefore; f < m->nfind; f++) {
          char w[sizeof m->find[f].where];
          if (snprintf(w, sizeof w, "%s: %s", key, m->find[f].where) >= (int)sizeof w) w[sizeof w - 1] = 0; /* shortened */
          memcpy(m->find[f].where, w, sizeof w);
        }
      a->total += (uint64_t)st.st_size;
      /* a tensor in two weight files (two variants of one model read
       * together): named with both files */
      for (size_t t = before; t < m->n && !rc; t++)
        for (size_t f = 0; f < nread && !rc; f++) {
          size_t end = f + 1 < nread ? read_at[f + 1] : before;
          for (size_t u = read_at[f]; u < end && !rc; u++)
            if (!strcmp(m->t[u].name, m->t[t].name))
              rc = whorl__error(err, WHORL_EFORMAT, cdir, -1, "tensor \"%s\" is in both %s and %s: which one is the model's?", m->t[t].name,
                                names[read_file[f]], nm);
        }
      if (nread < sizeof read_at / sizeof *read_at) read_at[nread] = before, read_file[nread++] = i;
      if (!rc && map)
        for (size_t t = before; t < m->n && !rc; t++) {
          const char *want = whorl_json_object_get_string(map, m->t[t].name);
          if (!want || strcmp(want, nm))
            rc = whorl__error(err, WHORL_EFORMAT, p, -1, "tensor \"%s\" is in %s, the index says %s", m->t[t].name, nm, want ? want : "nowhere");
        }
      continue;
    }
    int is_json = ends_with(nm, "_config.json"), is_file = 0;
    for (const char *const *c = CONFIG_JSON; *c; c++) is_json |= !strcmp(*c, nm);
    if (!rel && comps) is_json |= !strcmp(nm, "model_index.json");
    for (const char *const *c = CONFIG_FILES; *c; c++) is_file |= !strcmp(*c, nm);
    /* code run with trust_remote_code, chat templates, tokenizer files */
    for (const char *const *c = CONFIG_EXTS; *c; c++) is_file |= ends_with(nm, *c);
    /* a name that is not UTF-8 cannot be a key of the config: such a file
     * is an extra (whose entries keep a name's bytes) */
    if (!whorl__utf8_valid(nm, strlen(nm))) is_json = is_file = 0;
    struct stat rs;
    if (stat(p, &rs)) memset(&rs, 0, sizeof rs); /* a dangling link: not a regular file below either */
    if (!S_ISREG(rs.st_mode)) {
      /* a config or tokenizer file that is no regular file (a link to a
       * device, a FIFO, a dangling link): not read, and said */
      if ((is_json || is_file) && o->on_issue) {
        whorl_error w;
        whorl_error_clear(&w);
        whorl__error(&w, WHORL_EINVAL, p, -1, "not a regular file (a device, a FIFO or a dangling link?): not fingerprinted");
        o->on_issue(o->cb_ctx, &w, 0);
      }
      is_json = is_file = 0;
    }
    if (!is_json && !is_file && !(index && !strcmp(nm, index)) && S_ISREG(rs.st_mode)) {
      /* a pickle-bearing file not fingerprinted (pytorch_model.bin beside
       * safetensors, a training state, a checkpoint under another name):
       * scanned, its findings are the folder's (in the id, exit 1) */
      int fd = open(p, O_RDONLY | O_CLOEXEC);
      if (fd < 0) {
        rc = whorl__error_errno(err, errno, p, "open");
        break;
      }
      if (pickle_bearing(p, nm, fd)) rc = whorl__pickle_scan(m, p, key, fd, (uint64_t)rs.st_size, err);
      close(fd);
      if (rc) break;
    }
    struct stat ls;
    if (!is_json && !is_file && !lstat(p, &ls) && S_ISDIR(ls.st_mode)) {
      rc = scan_subfolder(m, dir, key, rel ? 2 : 1, err);
      if (rc) break;
    }
    if (!is_json && !is_file && !(index && !strcmp(nm, index))) {
      /* README, LICENSE, pictures, subfolders: named, in no id */
      if (!a->ignored) a->ignored = whorl_json_array();
      whorl_buf disp = WHORL_BUF_INIT; /* a name that is not UTF-8: U+FFFD for its bad bytes */
      whorl__display_bytes(key, strlen(key), &disp);
      size_t dl = 0;
      char *dn = whorl_buf_detach(&disp, &dl);
      whorl_json_array_append(a->ignored, dn ? whorl_json_stringn(dn, dl) : whorl_json_string("?"));
      free(dn);
      continue;
    }
    rc = acc_inid(a, key, dir, err);
    if (rc) break;
    if (is_json) {
      whorl_json *v = NULL;
      rc = load_tree(p, &v, err);
      if (!rc) whorl_json_object_set(a->cv, key, v);
    } else if (is_file) {
      char hex[65];
      int64_t sz;
      rc = file_blake3(p, hex, &sz, err);
      if (!rc) whorl_json_object_set(a->files, key, whorl_json_string(hex));
    }
  }
  if (!rc && map) {
    /* every tensor of the index was found */
    for (size_t k = 0; k < whorl_json_size(map) && !rc; k++) {
      size_t kl;
      const char *tn = whorl_json_object_key(map, k, &kl);
      size_t t = first;
      while (t < m->n && strcmp(m->t[t].name, tn)) t++;
      if (t == m->n) rc = whorl__error(err, WHORL_EFORMAT, cdir, -1, "the index names tensor \"%s\", no shard holds it", tn);
    }
  }
  if (!rc && hf && !m->n && !map) rc = whorl__error(err, WHORL_EFORMAT, dir, -1, "a model folder without weights");
  if (!rc && rel && !single && !index && o->on_issue)
    for (size_t i = 0; i < nn; i++)
      if (ends_with(names[i], ".safetensors") || ends_with(names[i], ".bin")) {
        /* only variants (diffusion_pytorch_model.fp16.safetensors): the
         * pipeline loads them with variant=..., whorl does not choose */
        whorl_error w;
        whorl_error_clear(&w);
        whorl__error(&w, WHORL_EINVAL, cdir, -1,
                     "no weight file a pipeline loads without a variant (%s, ...): this component's weights are not fingerprinted (extras only)",
                     names[i]);
        o->on_issue(o->cb_ctx, &w, 0);
        break;
      }
  whorl_json_free(map);
  if (rel) {
    /* the component's tensors: <component>/<name> */
    for (size_t t = first; t < m->n && !rc; t++) {
      size_t l = strlen(rel) + 1 + strlen(m->t[t].name) + 1;
      char *nmw = malloc(l);
      if (!nmw) {
        rc = whorl__error(err, WHORL_ENOMEM, cdir, -1, "out of memory");
        break;
      }
      snprintf(nmw, l, "%s/%s", rel, m->t[t].name);
      free(m->t[t].name);
      m->t[t].name = nmw;
    }
    if (m->extra) { /* non-tensor values of its checkpoint */
      snprintf(key, sizeof key, "%s/checkpoint", rel);
      whorl_json_object_set(a->cv, key, m->extra);
      m->extra = NULL;
    }
    if (m->meta) {
      snprintf(key, sizeof key, "%s/metadata", rel);
      whorl_json_object_set(a->cv, key, m->meta);
      m->meta = NULL;
    }
    m->meta = meta_saved, m->extra = extra_saved;
  }
  for (size_t i = 0; i < nn; i++) free(names[i]);
  free(names);
  return rc;
}

static int valid_component(const char *k, size_t kl) {
  return kl && kl == strlen(k) && kl < 256 && !strchr(k, '/') && strcmp(k, ".") && strcmp(k, "..") && k[0] != '_' && k[0] != '.';
}

/* A diffusers pipeline: model_index.json at the root naming components
 * ("unet": ["diffusers", "UNet2DConditionModel"]) that are subfolders.
 * A folder the Hugging Face rules read (config.json and weights, or an
 * adapter) is read by them: those win. Returns the number of components
 * found (names and libraries in *comps, *libs, malloc'd), 0 when not a
 * pipeline. */
static size_t pipeline_components(const char *dir, char ***comps, char ***libs) {
  char p[8192 + 512];
  struct stat st;
  *comps = *libs = NULL;
  snprintf(p, sizeof p, "%s/model_index.json", dir);
  if (stat(p, &st) || !S_ISREG(st.st_mode) || st.st_size > (16 << 20)) return 0;
  whorl_json *mi = NULL;
  whorl_error e;
  if (load_tree(p, &mi, &e)) return 0;
  size_t n = 0;
  if (whorl_json_typeof(mi) == WHORL_JSON_OBJECT) {
    size_t sz = whorl_json_size(mi);
    *comps = calloc(sz + 1, sizeof **comps);
    *libs = calloc(sz + 1, sizeof **libs);
    for (size_t i = 0; i < sz && *comps && *libs; i++) {
      size_t kl;
      const char *k = whorl_json_object_key(mi, i, &kl);
      const whorl_json *v = whorl_json_object_value(mi, i);
      if (!valid_component(k, kl) || whorl_json_typeof(v) != WHORL_JSON_ARRAY || whorl_json_size(v) != 2) continue;
      const whorl_json *l = whorl_json_array_get(v, 0), *c = whorl_json_array_get(v, 1);
      if (whorl_json_typeof(l) != WHORL_JSON_STRING || whorl_json_typeof(c) != WHORL_JSON_STRING) continue; /* [null, null]: absent */
      snprintf(p, sizeof p, "%s/%s", dir, k);
      if (lstat(p, &st) || !S_ISDIR(st.st_mode)) continue;
      (*comps)[n] = strdup(k);
      (*libs)[n] = strdup(whorl_json_get_string(l, NULL));
      if (!(*comps)[n] || !(*libs)[n]) {
        free((*comps)[n]);
        free((*libs)[n]);
        continue;
      }
      n++;
    }
  }
  whorl_json_free(mi);
  if (!n) {
    free(*comps);
    free(*libs);
    *comps = *libs = NULL;
  }
  return n;
}

static void free_components(char **comps, char **libs, size_t n) {
  for (size_t i = 0; i < n; i++) free(comps[i]), free(libs[i]);
  free(comps);
  free(libs);
}

int whorl__is_model_folder(const char *dir) {
  if (hf_model_folder(dir)) return 1;
  char **c, **l;
  size_t n = pipeline_components(dir, &c, &l);
  free_components(c, l, n);
  return n > 0;
}

int whorl__fp_model_folder(const char *dir0, const whorl_fp_options *o, whorl_json **out, whorl_error *err) {
  *out = NULL;
  char dir[4096];
  snprintf(dir, sizeof dir, "%s", dir0);
  for (size_t l = strlen(dir); l > 1 && dir[l - 1] == '/'; l--) dir[l - 1] = 0;
  if (o->level == WHORL_LEVEL_LOGICAL || o->level == WHORL_LEVEL_PROFILE)
    return whorl__error(err, WHORL_EUNSUPPORTED, dir, -1, "a model folder: the %s level is for tables; models have quick, content (per-tensor hashes, already format-independent: their logical tier) and stats", whorl_level_name(o->level));
  {
    DIR *d = opendir(dir);
    if (!d) return whorl__error_errno(err, errno, dir, "open");
    closedir(d);
  }
  char **comps = NULL, **libs = NULL;
  size_t ncomps = hf_model_folder(dir) ? 0 : pipeline_components(dir, &comps, &libs);
  folder_acc a;
  memset(&a, 0, sizeof a);
  whorl__model_init(&a.m);
  a.cv = whorl_json_object();
  a.files = whorl_json_object();
  a.container = whorl_json_object();
  int rc = read_component(&a, dir, NULL, NULL, comps, ncomps, o, err);
  for (size_t c = 0; c < ncomps && !rc; c++) rc = read_component(&a, dir, comps[c], libs[c], NULL, 0, o, err);
  whorl_model *m = &a.m;
  whorl_json *cv = a.cv;
  if (whorl_json_size(a.files)) whorl_json_object_set(cv, "files", a.files);
  else whorl_json_free(a.files);
  snprintf(m->format, sizeof m->format, ncomps ? "hf-diffusers" : "hf-folder");
  if (a.ignored) whorl_json_object_set(a.container, "not_fingerprinted", a.ignored);
  if (whorl_json_size(a.container)) m->container = a.container;
  else whorl_json_free(a.container);
  whorl_json *cfg = NULL;
  if (!rc) rc = config_value(m, o, cv, &cfg, err);
  else whorl_json_free(cv);
  if (!rc) {
    rc = model_doc(m, dir, base_name(dir), a.total, o, cfg, out, err);
    if (rc) whorl_json_free(cfg);
  }
  /* the components' folders are the model's: not empty folders of the extras */
  for (size_t c = 0; c < ncomps && !rc; c++) rc = acc_inid(&a, comps[c], dir, err);
  whorl_json *ex = NULL;
  if (!rc) rc = extras_section(dir, o, (const char **)a.inid, a.ninid, &ex, err);
  if (!rc) whorl_json_object_set(*out, "extras", ex);
  else if (*out) {
    whorl_json_free(*out);
    *out = NULL;
  }
  for (size_t i = 0; i < a.ninid; i++) free(a.inid[i]);
  free(a.inid);
  free_components(comps, libs, ncomps);
  whorl__model_free(m);
  return rc;
}
