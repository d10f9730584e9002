/* torch.c - PyTorch zip checkpoints (torch.save): the archive's data.pkl is
 * run by a restricted pickle machine that never imports or calls anything.
 * It simulates the stack, the memo and the marks; a GLOBAL is a name, and
 * REDUCE / NEWOBJ / BUILD only *describe* calls. The few callables a state
 * dict needs (OrderedDict, the tensor rebuild functions, storage classes,
 * Parameter, Size, device, _codecs.encode, ...) are understood; every other
 * global is reported as an unsafe finding (allow-list, not block-list:
 * names assembled on the stack through STACK_GLOBAL are judged the same
 * way). Tensors map to their storages in data/<key>, with dtype, shape,
 * stride and offset checked against the storage's size. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blake3.h"
#include "canon/json_int.h"
#include "model/model.h"
#include "whorl/hash.h"

#define PKL_MAX (512u << 20)
#define MAX_VALUES 20000000u
#define MAX_MEMO 10000000u
/* A container holding no tensor whose values (nested ones counted) number
 * more than this enters the config as one hashed value (docs/model.md). */
#define BIG_VALUE 4096u
/* names a checkpoint may flatten to, values rendered as JSON: beyond,
 * an error (a pickle reusing memoized objects expands exponentially) */
#define MAX_NAMES 1000000u
#define MAX_RENDERED 50000000u
#define SAT_INF (1ull << 62)

typedef enum { V_NONE, V_BOOL, V_INT, V_BIGINT, V_FLOAT, V_STR, V_BYTES, V_TUPLE, V_LIST, V_DICT, V_SET, V_GLOBAL, V_CALL, V_STORAGE, V_TENSOR, V_MARK } vkind;

typedef struct val val;
struct val {
  vkind k;
  int64_t i;
  double f;
  char *s; /* V_STR, V_BYTES, V_GLOBAL ("module\nname"), V_STORAGE key */
  size_t len;
  int borrowed; /* s belongs to another value */
  val **items; /* tuple/list/set; dict: key, value, key, value ... */
  size_t n, cap;
  val *callee, *args; /* V_CALL */
  val *state;         /* V_CALL: what BUILD gave the object (a module's __dict__, a numpy dtype's state) */
  int used;           /* V_STORAGE: some named tensor reads it */
  int reached;        /* reachable from the pickle's result (what torch.load returns) */
  int decimal;        /* V_BIGINT: s is decimal text (protocol 0), else little-endian two's complement */
  /* measured before the walk (measure()): the value as a tree, every
   * reuse through the memo expanded (saturating at SAT_INF; a value
   * holding itself is SAT_INF): its nodes, the names the walk gives it,
   * whether it holds a tensor */
  uint64_t size, wsize;
  uint8_t vis, tens, hashing;
  uint8_t *h; /* BLAKE3 of a big value's canonical JSON, once computed */
  /* V_STORAGE: dtype (NULL: untyped bytes), numel; V_TENSOR: storage, offset, shape, stride, dtype */
  const whorl_dtype *dtype;
  uint64_t numel;
  val *storage;
  uint64_t off;
  int ndim;
  uint64_t shape[WHORL_MODEL_MAX_DIMS];
  int64_t stride[WHORL_MODEL_MAX_DIMS];
};

typedef struct vm {
  const uint8_t *p, *end, *start;
  val **stack;
  size_t sp, scap;
  size_t *marks;
  size_t nmarks, mcap;
  val **memo;
  size_t nmemo;
  size_t memo_len; /* distinct entries set: MEMOIZE's index, as Python's len(memo) */
  val **st;        /* storages made so far, by key */
  size_t nst, stcap;
  val **all;
  size_t nall, allcap;
  whorl_model *m;
  const char *path, *where;
  whorl_error *err;
  int err_set;
} vm;

static val *mk(vm *v, vkind k) {
  if (v->nall >= MAX_VALUES) return NULL;
  val **g = whorl__grow_array(v->all, &v->allcap, v->nall, sizeof *v->all);
  if (!g) return NULL;
  v->all = g;
  val *x = calloc(1, sizeof *x);
  if (!x) return NULL;
  x->k = k;
  v->all[v->nall++] = x;
  return x;
}

static int push(vm *v, val *x) {
  if (!x) return -1;
  val **g = whorl__grow_array(v->stack, &v->scap, v->sp, sizeof *v->stack);
  if (!g) return -1;
  v->stack = g;
  v->stack[v->sp++] = x;
  return 0;
}

static val *pop(vm *v) {
  if (!v->sp || (v->nmarks && v->sp <= v->marks[v->nmarks - 1])) return NULL;
  return v->stack[--v->sp];
}

static int append(val *c, val *x) {
  val **g = whorl__grow_array(c->items, &c->cap, c->n, sizeof *c->items);
  if (!g) return -1;
  c->items = g;
  c->items[c->n++] = x;
  return 0;
}

static int fail(vm *v, const char *what) {
  if (!v->err_set)
    whorl__error(v->err, WHORL_EFORMAT, v->path, -1, "%s: malformed pickle at offset %lld: %s", v->where,
                 (long long)(v->p - v->start), what);
  v->err_set = 1;
  return -1;
}

/* ---- globals ------------------------------------------------------------------- */

static const char *const ALLOWED[] = {
    "collections\nOrderedDict",
    "torch._utils\n_rebuild_tensor",
    "torch._utils\n_rebuild_tensor_v2",
    "torch._utils\n_rebuild_tensor_v3",
    "torch._utils\n_rebuild_parameter",
    "torch._utils\n_rebuild_parameter_with_state",
    "torch._tensor\n_rebuild_from_type_v2",
    "torch.nn.parameter\nParameter",
    "torch\nSize",
    "torch\ndevice",
    "torch.storage\nUntypedStorage",
    "torch.storage\nTypedStorage",
    "_codecs\nencode",
    "builtins\nset",
    "builtins\nfrozenset",
    "builtins\nbytearray",
    "builtins\ncomplex",
    "__builtin__\nset",
    "__builtin__\nfrozenset",
    "__builtin__\nbytearray",
    "__builtin__\ncomplex",
    "numpy.core.multiarray\nscalar",
    "numpy._core.multiarray\nscalar",
    "numpy\ndtype",
    /* on torch's own weights_only allow-list (torch/_weights_only_unpickler.py) */
    "torch\nTensor",
    "torch.serialization\n_get_layout",
    "torch._utils\n_rebuild_sparse_tensor",
    "torch._utils\n_rebuild_sparse_csr_tensor",
    NULL,
};

static const struct {
  const char *storage, *dtype;
} STORAGES[] = {{"DoubleStorage", "float64"}, {"FloatStorage", "float32"},     {"HalfStorage", "float16"},
                {"BFloat16Storage", "bfloat16"}, {"LongStorage", "int64"},     {"IntStorage", "int32"},
                {"ShortStorage", "int16"},     {"CharStorage", "int8"},        {"ByteStorage", "uint8"},
                {"BoolStorage", "bool"},       {"ComplexFloatStorage", "complex64"}, {"ComplexDoubleStorage", "complex128"},
                {"QInt8Storage", "qint8"},     {"QUInt8Storage", "quint8"},    {"QInt32Storage", "qint32"}};

static const struct {
  const char *name, *dtype;
} TDTYPES[] = {{"float64", "float64"}, {"double", "float64"}, {"float32", "float32"}, {"float", "float32"},
               {"float16", "float16"}, {"half", "float16"}, {"bfloat16", "bfloat16"}, {"int64", "int64"},
               {"long", "int64"}, {"int32", "int32"}, {"int", "int32"}, {"int16", "int16"}, {"short", "int16"},
               {"int8", "int8"}, {"uint8", "uint8"}, {"uint16", "uint16"}, {"uint32", "uint32"}, {"uint64", "uint64"},
               {"bool", "bool"}, {"complex64", "complex64"}, {"complex128", "complex128"}, {"complex32", "complex32"},
               {"float8_e5m2", "float8_e5m2"}, {"float8_e4m3fn", "float8_e4m3fn"}, {"float8_e5m2fnuz", "float8_e5m2fnuz"},
               {"float8_e4m3fnuz", "float8_e4m3fnuz"}, {"float8_e8m0fnu", "float8_e8m0fnu"}};

static int is_global(const val *x, const char *mod_name) { return x && x->k == V_GLOBAL && !strcmp(x->s, mod_name); }

/* The dtype a storage class or torch dtype global names, else NULL. */
static const whorl_dtype *global_dtype(const val *g, int storage) {
  if (!g || g->k != V_GLOBAL || strncmp(g->s, "torch\n", 6)) return NULL;
  const char *n = g->s + 6;
  if (storage) {
    for (size_t i = 0; i < sizeof STORAGES / sizeof *STORAGES; i++)
      if (!strcmp(n, STORAGES[i].storage)) return whorl__dtype_by_name(STORAGES[i].dtype);
    return NULL;
  }
  for (size_t i = 0; i < sizeof TDTYPES / sizeof *TDTYPES; i++)
    if (!strcmp(n, TDTYPES[i].name)) return whorl__dtype_by_name(TDTYPES[i].dtype);
  return NULL;
}

static int allowed(const char *modname) {
  for (const char *const *a = ALLOWED; *a; a++)
    if (!strcmp(*a, modname)) return 1;
  if (!strncmp(modname, "torch\n", 6)) {
    val g = {.k = V_GLOBAL, .s = (char *)modname};
    if (global_dtype(&g, 1) || global_dtype(&g, 0)) return 1;
  }
  return 0;
}

static val *make_global(vm *v, const char *mod, size_t ml, const char *name, size_t nl) {
  val *g = mk(v, V_GLOBAL);
  if (!g) return NULL;
  g->s = malloc(ml + nl + 2);
  if (!g->s) return NULL;
  memcpy(g->s, mod, ml);
  g->s[ml] = '\n';
  memcpy(g->s + ml + 1, name, nl);
  g->s[ml + 1 + nl] = 0;
  /* control bytes (NUL, line feeds) inside the names: shown as '?', so the
   * one separator stays the only line feed (and such a name is never allowed) */
  for (size_t i = 0; i < ml + 1 + nl; i++)
    if (i != ml && (unsigned char)g->s[i] < 0x20) g->s[i] = '?';
  if (!strncmp(g->s, "__builtin__\n", 12)) { /* protocol 2 spelling */
    char *t = malloc(ml + nl + 2 + 2);
    if (t) {
      snprintf(t, ml + nl + 4, "builtins\n%s", g->s + 12);
      free(g->s);
      g->s = t;
    }
  }
  if (!allowed(g->s)) {
    char what[160], where[200];
    char *nl2 = strchr(g->s, '\n');
    snprintf(what, sizeof what, "%.*s.%s", (int)(nl2 - g->s), g->s, nl2 + 1);
    snprintf(where, sizeof where, "%s, offset %lld", v->where, (long long)(v->p - v->start));
    /* the module as Python 3 code spells it: pickles name os.system by the
     * platform module (posix, nt), protocol 2 by Python 2 names */
    static const char *const alias[][2] = {{"posix", "os"}, {"nt", "os"}, {"commands", "subprocess"}, {"__builtin__", "builtins"}};
    const char *py3 = NULL;
    for (size_t q = 0; q < sizeof alias / sizeof *alias; q++)
      if ((size_t)(nl2 - g->s) == strlen(alias[q][0]) && !strncmp(g->s, alias[q][0], strlen(alias[q][0]))) py3 = alias[q][1];
    if (py3)
      whorl__model_finding(v->m, where, "pickle names global %s (%s.%s): not on the allow-list (it would be imported and may run code)",
                           what, py3, nl2 + 1);
    else
      whorl__model_finding(v->m, where, "pickle names global %s: not on the allow-list (it would be imported and may run code)", what);
  }
  return g;
}

/* ---- REDUCE: describe, never call ------------------------------------------------------ */

static int to_u64(const val *x, uint64_t *o) {
  if (!x || x->k != V_INT || x->i < 0) return -1;
  *o = (uint64_t)x->i;
  return 0;
}

static val *rebuild_tensor(vm *v, val *args, const whorl_dtype *dt) {
  /* (storage, storage_offset, size, stride, ...) */
  if (!args || args->k != V_TUPLE || args->n < 4) return NULL;
  val *st = args->items[0], *size = args->items[2], *stride = args->items[3];
  if (!st || st->k != V_STORAGE || !size || (size->k != V_TUPLE && size->k != V_LIST) || !stride ||
      (stride->k != V_TUPLE && stride->k != V_LIST) || size->n != stride->n || size->n > WHORL_MODEL_MAX_DIMS)
    return NULL;
  val *t = mk(v, V_TENSOR);
  if (!t) return NULL;
  t->storage = st;
  if (to_u64(args->items[1], &t->off)) return NULL;
  t->ndim = (int)size->n;
  for (size_t i = 0; i < size->n; i++) {
    if (to_u64(size->items[i], &t->shape[i])) return NULL;
    if (!stride->items[i] || stride->items[i]->k != V_INT) return NULL;
    t->stride[i] = stride->items[i]->i;
  }
  t->dtype = dt ? dt : st->dtype;
  return t;
}

static val *str_val(vm *v, vkind k, const uint8_t *p, size_t n);

static int dict_put(vm *v, val *d, const char *key, val *x) {
  val *k = str_val(v, V_STR, (const uint8_t *)key, strlen(key));
  if (!k || !x || append(d, k) || append(d, x)) return -1;
  return 0;
}

/* _codecs.encode(str, encoding): protocol 2's bytes. latin-1 maps each
 * code point below 256 to one byte (the string is held as UTF-8 here);
 * any other encoding keeps the UTF-8 bytes. */
static val *encode_bytes(vm *v, val *args) {
  const val *s = args->items[0];
  const val *enc = args->n >= 2 ? args->items[1] : NULL;
  int latin1 = enc && enc->k == V_STR && (!strcmp(enc->s, "latin1") || !strcmp(enc->s, "latin-1") || !strcmp(enc->s, "iso-8859-1"));
  val *b = mk(v, V_BYTES);
  if (!b) return NULL;
  b->s = malloc(s->len + 1);
  if (!b->s) return NULL;
  size_t o = 0;
  const uint8_t *p = (const uint8_t *)s->s;
  for (size_t i = 0; i < s->len; i++) {
    if (latin1 && (p[i] & 0xe0) == 0xc0 && i + 1 < s->len && (p[i] & 0x1f) <= 3 && (p[i + 1] & 0xc0) == 0x80) {
      b->s[o++] = (char)(((p[i] & 0x03) << 6) | (p[i + 1] & 0x3f));
      i++;
    } else if (latin1 && p[i] >= 0x80) {
      return NULL; /* a code point above 255: Python would fail too */
    } else
      b->s[o++] = (char)p[i];
  }
  b->s[o] = 0;
  b->len = o;
  return b;
}

/* A sparse tensor's parts (torch._utils._rebuild_sparse_tensor): a dict
 * of its layout, index and value tensors and size, so they are named
 * ("w.indices", "w.values") and fingerprinted like any tensor. */
static val *sparse_parts(vm *v, val *layout, val *data) {
  static const char *const COO[] = {"indices", "values", "size", "is_coalesced"};
  static const char *const CMP[] = {"compressed_indices", "plain_indices", "values", "size"};
  val *d = mk(v, V_DICT);
  if (!d || dict_put(v, d, "layout", layout)) return NULL;
  int coo = layout && layout->k == V_STR && !strcmp(layout->s, "torch.sparse_coo");
  int cmp = layout && layout->k == V_STR && !coo && !strncmp(layout->s, "torch.sparse_", 13);
  for (size_t i = 0; i < data->n; i++) {
    char k[32];
    const char *name = coo && i < 4 ? COO[i] : cmp && i < 4 ? CMP[i] : (snprintf(k, sizeof k, "data%zu", i), k);
    if (dict_put(v, d, name, data->items[i])) return NULL;
  }
  return d;
}

static val *reduce(vm *v, val *f, val *args) {
  if (is_global(f, "collections\nOrderedDict")) return mk(v, V_DICT);
  /* a rebuild function with arguments that make no tensor: an error (torch
   * would fail too), never a tensor silently left out */
  if (is_global(f, "torch._utils\n_rebuild_tensor_v2") || is_global(f, "torch._utils\n_rebuild_tensor"))
    return rebuild_tensor(v, args, NULL);
  if (is_global(f, "torch._utils\n_rebuild_tensor_v3")) {
    if (!args || args->k != V_TUPLE || args->n < 7 || !global_dtype(args->items[6], 0)) return NULL;
    return rebuild_tensor(v, args, global_dtype(args->items[6], 0));
  }
  if ((is_global(f, "torch._utils\n_rebuild_parameter") || is_global(f, "torch._utils\n_rebuild_parameter_with_state") ||
       is_global(f, "torch.nn.parameter\nParameter")) &&
      args && args->k == V_TUPLE && args->n >= 1 && args->items[0] && args->items[0]->k == V_TENSOR)
    return args->items[0];
  if (is_global(f, "torch._tensor\n_rebuild_from_type_v2") && args && args->k == V_TUPLE && args->n >= 3 &&
      args->items[2] && args->items[2]->k == V_TUPLE)
    return reduce(v, args->items[0], args->items[2]);
  if (is_global(f, "torch\nSize") && args && args->k == V_TUPLE && args->n == 1 && args->items[0] &&
      (args->items[0]->k == V_TUPLE || args->items[0]->k == V_LIST))
    return args->items[0];
  if (is_global(f, "_codecs\nencode") && args && args->k == V_TUPLE && args->n >= 1 && args->items[0] &&
      args->items[0]->k == V_STR)
    return encode_bytes(v, args);
  if (is_global(f, "torch.serialization\n_get_layout") && args && args->k == V_TUPLE && args->n == 1 && args->items[0] &&
      args->items[0]->k == V_STR)
    return args->items[0]; /* the layout's name, "torch.sparse_coo" */
  if ((is_global(f, "torch._utils\n_rebuild_sparse_tensor") || is_global(f, "torch._utils\n_rebuild_sparse_csr_tensor")) && args &&
      args->k == V_TUPLE && args->n == 2 && args->items[1] && args->items[1]->k == V_TUPLE)
    return sparse_parts(v, args->items[0], args->items[1]);
  val *c = mk(v, V_CALL);
  if (!c) return NULL;
  c->callee = f;
  c->args = args;
  return c;
}

/* persistent_load: ('storage', storage class, key, location, numel). As
 * torch.load, a key read before returns the storage made then (its first
 * dtype and size). */
static val *persid(vm *v, val *pid) {
  if (!pid || pid->k != V_TUPLE || pid->n < 5 || !pid->items[0] || pid->items[0]->k != V_STR ||
      strcmp(pid->items[0]->s, "storage") || !pid->items[2] || pid->items[2]->k != V_STR)
    return NULL;
  for (size_t i = 0; i < v->nst; i++)
    if (!strcmp(v->st[i]->s, pid->items[2]->s)) return v->st[i];
  val *s = mk(v, V_STORAGE);
  if (!s) return NULL;
  val *cls = pid->items[1];
  s->dtype = is_global(cls, "torch.storage\nUntypedStorage") ? whorl__dtype_by_name("uint8") : global_dtype(cls, 1);
  if (!s->dtype) return NULL;
  s->s = pid->items[2]->s;
  s->borrowed = 1;
  if (to_u64(pid->items[4], &s->numel)) return NULL;
  val **g = whorl__grow_array(v->st, &v->stcap, v->nst, sizeof *v->st);
  if (!g) return NULL;
  v->st = g;
  v->st[v->nst++] = s;
  return s;
}

/* ---- the machine ----------------------------------------------------------------------- */

static int need(vm *v, size_t n) { return (size_t)(v->end - v->p) >= n ? 0 : fail(v, "truncated"); }

static uint64_t le(const uint8_t *p, int n) {
  uint64_t x = 0;
  for (int i = n - 1; i >= 0; i--) x = x << 8 | p[i];
  return x;
}

static val *str_val(vm *v, vkind k, const uint8_t *p, size_t n) {
  val *x = mk(v, k);
  if (!x) return NULL;
  x->s = malloc(n + 1);
  if (!x->s) return NULL;
  memcpy(x->s, p, n);
  x->s[n] = 0;
  x->len = n;
  return x;
}

static void put_utf8(whorl_buf *b, uint32_t cp) {
  char u[4];
  if (cp < 0x80) u[0] = (char)cp, whorl_buf_put(b, u, 1);
  else if (cp < 0x800) u[0] = (char)(0xc0 | cp >> 6), u[1] = (char)(0x80 | (cp & 63)), whorl_buf_put(b, u, 2);
  else if (cp < 0x10000)
    u[0] = (char)(0xe0 | cp >> 12), u[1] = (char)(0x80 | ((cp >> 6) & 63)), u[2] = (char)(0x80 | (cp & 63)), whorl_buf_put(b, u, 3);
  else
    u[0] = (char)(0xf0 | cp >> 18), u[1] = (char)(0x80 | ((cp >> 12) & 63)), u[2] = (char)(0x80 | ((cp >> 6) & 63)),
    u[3] = (char)(0x80 | (cp & 63)), whorl_buf_put(b, u, 4);
}

static int hexval(uint8_t c) {
  return c >= '0' && c <= '9' ? c - '0' : (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10 : -1;
}

static val *from_buf(vm *v, whorl_buf *b) {
  val *x = b->oom ? NULL : str_val(v, V_STR, (const uint8_t *)(b->data ? b->data : ""), b->len);
  whorl_buf_free(b);
  return x;
}

/* protocol 0 STRING: Python's repr escapes (\\ \' \" \n \r \t \a \b \f \v
 * \xHH, octal \ooo). */
static val *unescape_repr(vm *v, const uint8_t *s, size_t n) {
  whorl_buf b = WHORL_BUF_INIT;
  for (size_t i = 0; i < n; i++) {
    if (s[i] != '\\' || i + 1 == n) {
      whorl_buf_putc(&b, (char)s[i]);
      continue;
    }
    uint8_t c = s[++i];
    const char *simple = strchr("\\'\"nrtabfv", c);
    if (c && simple) {
      static const char out[] = "\\'\"\n\r\t\a\b\f\v";
      whorl_buf_putc(&b, out[simple - "\\'\"nrtabfv"]);
    } else if (c == 'x' && i + 2 < n + 0 && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
      whorl_buf_putc(&b, (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2])));
      i += 2;
    } else if (c >= '0' && c <= '7') {
      int val_ = 0, k = 0;
      while (k < 3 && i < n && s[i] >= '0' && s[i] <= '7') val_ = val_ * 8 + (s[i++] - '0'), k++;
      i--;
      whorl_buf_putc(&b, (char)val_);
    } else {
      whorl_buf_free(&b);
      return NULL;
    }
  }
  return from_buf(v, &b);
}

/* protocol 0 UNICODE: raw-unicode-escape (only \uXXXX and \UXXXXXXXX). */
static val *unescape_raw_unicode(vm *v, const uint8_t *s, size_t n) {
  whorl_buf b = WHORL_BUF_INIT;
  for (size_t i = 0; i < n; i++) {
    int w = 0;
    if (s[i] == '\\' && i + 1 < n) w = s[i + 1] == 'u' ? 4 : s[i + 1] == 'U' ? 8 : 0;
    if (!w) {
      put_utf8(&b, s[i]); /* the other bytes are Latin-1 code points */
      continue;
    }
    if (i + 2 + (size_t)w > n) {
      whorl_buf_free(&b);
      return NULL;
    }
    uint32_t cp = 0;
    for (int k = 0; k < w; k++) {
      int h = hexval(s[i + 2 + k]);
      if (h < 0) {
        whorl_buf_free(&b);
        return NULL;
      }
      cp = cp << 4 | (uint32_t)h;
    }
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      whorl_buf_free(&b);
      return NULL;
    }
    put_utf8(&b, cp);
    i += 1 + (size_t)w;
  }
  return from_buf(v, &b);
}

static int line(vm *v, const uint8_t **s, size_t *n) {
  const uint8_t *e = memchr(v->p, '\n', (size_t)(v->end - v->p));
  if (!e) return fail(v, "unterminated text argument");
  *s = v->p;
  *n = (size_t)(e - v->p);
  v->p = e + 1;
  return 0;
}

static int memo_put(vm *v, uint64_t idx, val *x) {
  if (!x || idx >= MAX_MEMO) return fail(v, "memo index too large");
  if (idx < v->nmemo && v->memo[idx]) {
    v->memo[idx] = x;
    return 0;
  }
  if (idx >= v->nmemo) {
    size_t nn = v->nmemo ? v->nmemo : 64;
    while (nn <= idx) nn *= 2;
    val **g = realloc(v->memo, nn * sizeof *g);
    if (!g) return fail(v, "out of memory");
    memset(g + v->nmemo, 0, (nn - v->nmemo) * sizeof *g);
    v->memo = g;
    v->nmemo = nn;
  }
  v->memo[idx] = x;
  v->memo_len++;
  return 0;
}

static val *memo_get(vm *v, uint64_t idx) { return idx < v->nmemo ? v->memo[idx] : NULL; }

/* Items from the last mark to the top, into container c (popping them and the mark). */
static int take_marked(vm *v, val *c) {
  if (!v->nmarks) return fail(v, "no mark");
  size_t m = v->marks[--v->nmarks];
  for (size_t i = m; i < v->sp; i++)
    if (append(c, v->stack[i])) return fail(v, "out of memory");
  v->sp = m;
  return 0;
}

/* an object of a class whorl does not describe (defaultdict, a list
 * subclass): its appended items and set items are kept in items */
static int is_obj(const val *x) { return x->k == V_CALL; }

static int run(vm *v, val **result) {
  while (v->p < v->end) {
    uint8_t op = *v->p++;
    val *x = NULL, *y = NULL, *z = NULL;
    const uint8_t *s;
    size_t n;
    switch (op) {
    case 0x80: /* PROTO */
      if (need(v, 1)) return -1;
      if (v->p[0] > 5) return fail(v, "protocol above 5");
      v->p++;
      break;
    case 0x95: /* FRAME */
      if (need(v, 8)) return -1;
      v->p += 8;
      break;
    case '.': /* STOP */
      if (!v->sp) return fail(v, "STOP with an empty stack");
      *result = v->stack[v->sp - 1]; /* as Python: the top, whatever lies below */
      return 0;
    case '(':
      if (v->nmarks >= 1000000) return fail(v, "too many marks");
      {
        size_t *g = whorl__grow_array(v->marks, &v->mcap, v->nmarks, sizeof *v->marks);
        if (!g) return fail(v, "out of memory");
        v->marks = g;
        v->marks[v->nmarks++] = v->sp;
      }
      break;
    case '0':
      if (!pop(v)) return fail(v, "POP on an empty stack");
      break;
    case '1': /* POP_MARK */
      if (!v->nmarks) return fail(v, "no mark");
      v->sp = v->marks[--v->nmarks];
      break;
    case '2':
      if (!v->sp) return fail(v, "DUP on an empty stack");
      if (push(v, v->stack[v->sp - 1])) return fail(v, "out of memory");
      break;
    case 'N': if (push(v, mk(v, V_NONE))) return fail(v, "out of memory"); break;
    case 0x88: case 0x89:
      x = mk(v, V_BOOL);
      if (!x) return fail(v, "out of memory");
      x->i = op == 0x88;
      push(v, x);
      break;
    case 'J': case 'K': case 'M': {
      int w = op == 'J' ? 4 : op == 'K' ? 1 : 2;
      if (need(v, (size_t)w)) return -1;
      x = mk(v, V_INT);
      if (!x) return fail(v, "out of memory");
      uint64_t u = le(v->p, w);
      x->i = w == 4 ? (int64_t)(int32_t)u : (int64_t)u;
      v->p += w;
      push(v, x);
      break;
    }
    case 0x8a: case 0x8b: { /* LONG1, LONG4: little-endian two's complement */
      int w = op == 0x8a ? 1 : 4;
      if (need(v, (size_t)w)) return -1;
      uint64_t len = le(v->p, w);
      v->p += w;
      if (need(v, len)) return -1;
      if (len <= 8) {
        x = mk(v, V_INT);
        if (!x) return fail(v, "out of memory");
        uint64_t u = len ? le(v->p, (int)len) : 0;
        if (len && len < 8 && (v->p[len - 1] & 0x80)) u |= ~0ull << (8 * len);
        x->i = (int64_t)u;
      } else {
        x = str_val(v, V_BIGINT, v->p, (size_t)len);
      }
      v->p += len;
      if (push(v, x)) return fail(v, "out of memory");
      break;
    }
    case 'I': case 'L': {
      if (line(v, &s, &n)) return -1;
      char t[64];
      if (n >= sizeof t) return fail(v, "integer too long");
      memcpy(t, s, n);
      t[n] = 0;
      if (n && t[n - 1] == 'L') t[n - 1] = 0;
      errno = 0;
      long long ti = strtoll(t, NULL, 10);
      if (errno == ERANGE) { /* above 64 bits: kept as its decimal text */
        size_t a = t[0] == '-' || t[0] == '+';
        while (t[a] == '0' && t[a + 1]) a++;
        for (size_t q = a; t[q]; q++)
          if (t[q] < '0' || t[q] > '9') return fail(v, "a malformed integer");
        char dec[64];
        snprintf(dec, sizeof dec, "%s%s", t[0] == '-' ? "-" : "", t + a);
        x = str_val(v, V_BIGINT, (const uint8_t *)dec, strlen(dec));
        if (!x) return fail(v, "out of memory");
        x->decimal = 1;
      } else {
        x = mk(v, !strcmp(t, "00") || !strcmp(t, "01") ? V_BOOL : V_INT);
        if (!x) return fail(v, "out of memory");
        x->i = !strcmp(t, "01") ? 1 : !strcmp(t, "00") ? 0 : ti;
      }
      push(v, x);
      break;
    }
    case 'G':
      if (need(v, 8)) return -1;
      x = mk(v, V_FLOAT);
      if (!x) return fail(v, "out of memory");
      {
        uint64_t u = 0;
        for (int i = 0; i < 8; i++) u = u << 8 | v->p[i];
        memcpy(&x->f, &u, 8);
      }
      v->p += 8;
      push(v, x);
      break;
    case 'F': {
      if (line(v, &s, &n)) return -1;
      char t[64];
      if (n >= sizeof t) return fail(v, "float too long");
      memcpy(t, s, n);
      t[n] = 0;
      x = mk(v, V_FLOAT);
      if (!x) return fail(v, "out of memory");
      x->f = strtod(t, NULL);
      push(v, x);
      break;
    }
    case 'X': case 0x8c: case 0x8d: case 'B': case 'C': case 0x8e: case 'T': case 'U': case 0x96: {
      int w = (op == 0x8c || op == 'C' || op == 'U') ? 1 : (op == 0x8d || op == 0x8e || op == 0x96) ? 8 : 4;
      if (need(v, (size_t)w)) return -1;
      uint64_t len = le(v->p, w);
      v->p += w;
      if (need(v, len)) return -1;
      x = str_val(v, (op == 'X' || op == 0x8c || op == 0x8d || op == 'T' || op == 'U') ? V_STR : V_BYTES, v->p, (size_t)len);
      v->p += len;
      if (push(v, x)) return fail(v, "out of memory");
      break;
    }
    case 'V': case 'S': {
      if (line(v, &s, &n)) return -1;
      if (op == 'S') {
        if (n < 2 || (s[0] != '\'' && s[0] != '"') || s[n - 1] != s[0]) return fail(v, "STRING argument not quoted");
        s++, n -= 2;
      }
      x = op == 'S' ? unescape_repr(v, s, n) : unescape_raw_unicode(v, s, n);
      if (!x) return fail(v, "a bad escape in a text string");
      if (push(v, x)) return fail(v, "out of memory");
      break;
    }
    case ')': if (push(v, mk(v, V_TUPLE))) return fail(v, "out of memory"); break;
    case ']': if (push(v, mk(v, V_LIST))) return fail(v, "out of memory"); break;
    case '}': if (push(v, mk(v, V_DICT))) return fail(v, "out of memory"); break;
    case 0x8f: if (push(v, mk(v, V_SET))) return fail(v, "out of memory"); break;
    case 't': case 'l': case 'd': case 0x91:
      x = mk(v, op == 't' ? V_TUPLE : op == 'l' ? V_LIST : op == 'd' ? V_DICT : V_SET);
      if (!x || take_marked(v, x)) return fail(v, "out of memory");
      if (op == 'd' && x->n % 2) return fail(v, "DICT with an odd number of items");
      push(v, x);
      break;
    case 0x85: case 0x86: case 0x87: {
      size_t k = (size_t)(op - 0x84);
      x = mk(v, V_TUPLE);
      if (!x) return fail(v, "out of memory");
      val *it[3];
      for (size_t i = 0; i < k; i++)
        if (!(it[k - 1 - i] = pop(v))) return fail(v, "TUPLE on a short stack");
      for (size_t i = 0; i < k; i++) append(x, it[i]);
      push(v, x);
      break;
    }
    case 'a':
      y = pop(v);
      if (!y || !v->sp || !(v->stack[v->sp - 1]->k == V_LIST || is_obj(v->stack[v->sp - 1]))) return fail(v, "APPEND not on a list");
      append(v->stack[v->sp - 1], y);
      break;
    case 'e': case 0x90: {
      if (!v->nmarks) return fail(v, "no mark");
      size_t mk0 = v->marks[v->nmarks - 1];
      if (!mk0) return fail(v, "APPENDS without a list");
      val *l = v->stack[mk0 - 1];
      if (l->k != (op == 'e' ? V_LIST : V_SET) && !(op == 'e' && is_obj(l))) return fail(v, "APPENDS/ADDITEMS not on a list/set");
      if (take_marked(v, l)) return -1;
      break;
    }
    case 's':
      y = pop(v), x = pop(v);
      if (!x || !y || !v->sp || !(v->stack[v->sp - 1]->k == V_DICT || is_obj(v->stack[v->sp - 1]))) return fail(v, "SETITEM not on a dict");
      append(v->stack[v->sp - 1], x);
      append(v->stack[v->sp - 1], y);
      break;
    case 'u': {
      if (!v->nmarks) return fail(v, "no mark");
      size_t mk0 = v->marks[v->nmarks - 1];
      if (!mk0 || !(v->stack[mk0 - 1]->k == V_DICT || is_obj(v->stack[mk0 - 1]))) return fail(v, "SETITEMS not on a dict");
      if ((v->sp - mk0) % 2) return fail(v, "SETITEMS with an odd number of items");
      if (take_marked(v, v->stack[mk0 - 1])) return -1;
      break;
    }
    case 'c': case 'i': { /* GLOBAL, INST: "module\nname\n" */
      const uint8_t *ms, *ns;
      size_t ml, nl;
      if (line(v, &ms, &ml) || line(v, &ns, &nl)) return -1;
      x = make_global(v, (const char *)ms, ml, (const char *)ns, nl);
      if (!x) return fail(v, "out of memory");
      if (op == 'c') push(v, x);
      else {
        y = mk(v, V_TUPLE);
        if (!y || take_marked(v, y)) return fail(v, "out of memory");
        push(v, reduce(v, x, y));
      }
      break;
    }
    case 0x93: /* STACK_GLOBAL */
      y = pop(v), x = pop(v);
      if (!x || !y || x->k != V_STR || y->k != V_STR) return fail(v, "STACK_GLOBAL needs two strings");
      z = make_global(v, x->s, x->len, y->s, y->len);
      if (!z) return fail(v, "out of memory");
      push(v, z);
      break;
    case 'o': { /* OBJ: mark, class, args... */
      y = mk(v, V_TUPLE);
      if (!y || take_marked(v, y) || !y->n) return fail(v, "OBJ without a class");
      x = y->items[0];
      memmove(y->items, y->items + 1, (y->n - 1) * sizeof *y->items);
      y->n--;
      push(v, reduce(v, x, y));
      break;
    }
    case 'R': case 0x81:
      y = pop(v), x = pop(v);
      if (!x || !y) return fail(v, "REDUCE/NEWOBJ on a short stack");
      if (y->k != V_TUPLE) return fail(v, "REDUCE/NEWOBJ arguments are not a tuple");
      z = reduce(v, x, y);
      if (!z) return fail(v, "malformed tensor or call");
      push(v, z);
      break;
    case 0x92: /* NEWOBJ_EX: cls, args, kwargs */
      z = pop(v), y = pop(v), x = pop(v);
      if (!x || !y || !z || y->k != V_TUPLE) return fail(v, "NEWOBJ_EX on a short stack");
      push(v, reduce(v, x, y));
      break;
    case 'b': /* BUILD: an object's state (a module's __dict__, a numpy dtype's byte order) */
      x = pop(v);
      if (!x || !v->sp) return fail(v, "BUILD on a short stack");
      y = v->stack[v->sp - 1];
      if (y->k == V_CALL && !y->state) y->state = x;
      break;
    case 'Q':
      x = pop(v);
      if (!x) return fail(v, "BINPERSID on an empty stack");
      y = persid(v, x);
      if (!y) return fail(v, "a persistent id that is not a tensor storage");
      push(v, y);
      break;
    case 'P':
      return fail(v, "text persistent ids are not used by torch.save");
    case 'h': case 'j': case 'g': {
      uint64_t idx;
      if (op == 'g') {
        if (line(v, &s, &n)) return -1;
        char t[32];
        if (n >= sizeof t) return fail(v, "memo index too long");
        memcpy(t, s, n), t[n] = 0;
        idx = strtoull(t, NULL, 10);
      } else {
        int w = op == 'h' ? 1 : 4;
        if (need(v, (size_t)w)) return -1;
        idx = le(v->p, w);
        v->p += w;
      }
      x = memo_get(v, idx);
      if (!x) return fail(v, "memo read of an unset entry");
      push(v, x);
      break;
    }
    case 'q': case 'r': case 'p': case 0x94: {
      uint64_t idx;
      if (!v->sp) return fail(v, "memo write of an empty stack");
      if (op == 0x94) idx = v->memo_len;
      else if (op == 'p') {
        if (line(v, &s, &n)) return -1;
        char t[32];
        if (n >= sizeof t) return fail(v, "memo index too long");
        memcpy(t, s, n), t[n] = 0;
        idx = strtoull(t, NULL, 10);
      } else {
        int w = op == 'q' ? 1 : 4;
        if (need(v, (size_t)w)) return -1;
        idx = le(v->p, w);
        v->p += w;
      }
      if (memo_put(v, idx, v->stack[v->sp - 1])) return -1;
      break;
    }
    case 0x82: case 0x83: case 0x84: {
      char where[200];
      snprintf(where, sizeof where, "%s, offset %lld", v->where, (long long)(v->p - v->start - 1));
      whorl__model_finding(v->m, where, "pickle uses the copyreg extension registry (EXT opcodes): objects by number, not allowed");
      int w = op == 0x82 ? 1 : op == 0x83 ? 2 : 4;
      if (need(v, (size_t)w)) return -1;
      v->p += w;
      if (push(v, mk(v, V_NONE))) return fail(v, "out of memory");
      break;
    }
    case 0x97: case 0x98:
      return fail(v, "out-of-band buffers are not used by torch.save");
    default:
      return fail(v, "unknown opcode");
    }
    if (v->sp > 10000000) return fail(v, "stack too deep");
  }
  return fail(v, "no STOP");
}

/* ---- from the object tree to tensors ----------------------------------------------------------- */

typedef struct walkctx {
  vm *v;
  whorl_model *m;
  const whorl_zip *z;
  const char *prefix;
  int fd;
  int big_endian;
  whorl_buf name;
  int depth;
  int rc;
  uint64_t rendered; /* JSON nodes made for values: at most MAX_RENDERED */
  int too_big, cyclic;
  char **names; /* every name given (tensors and values): an open-addressing set */
  size_t nnames, namecap;
} walkctx;

static uint64_t sat_add(uint64_t a, uint64_t b) { return a + b >= SAT_INF ? SAT_INF : a + b; }

static uint64_t name_hash(const char *s, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++) h = (h ^ (uint8_t)s[i]) * 1099511628211ull;
  return h;
}

static int name_taken(const walkctx *w, const char *s, size_t n) {
  if (!w->namecap) return 0;
  for (size_t i = name_hash(s, n) & (w->namecap - 1);; i = (i + 1) & (w->namecap - 1)) {
    const char *e = w->names[i];
    if (!e) return 0;
    if (strlen(e) == n && !memcmp(e, s, n)) return 1;
  }
}

/* The walk's current name made unique: a name given before (a key "cfg.lr"
 * beside cfg = {"lr": ...}, which flatten alike) gets "#2", "#3", ...
 * in walk order, so every value and tensor counts. 0, or -1 out of memory. */
static int claim_name(walkctx *w) {
  if (!w->name.data) whorl_buf_put(&w->name, "", 0);
  if (w->name.oom || !w->name.data) return -1;
  if (name_taken(w, w->name.data, w->name.len)) {
    size_t base = w->name.len;
    for (unsigned k = 2;; k++) {
      w->name.len = base;
      w->name.data[base] = 0;
      whorl_buf_printf(&w->name, "#%u", k);
      if (w->name.oom) return -1;
      if (!name_taken(w, w->name.data, w->name.len)) break;
    }
  }
  if (2 * (w->nnames + 1) > w->namecap) {
    size_t nc = w->namecap ? 2 * w->namecap : 1024;
    char **t = calloc(nc, sizeof *t);
    if (!t) return -1;
    for (size_t i = 0; i < w->namecap; i++) {
      char *e = w->names[i];
      if (!e) continue;
      size_t j = name_hash(e, strlen(e)) & (nc - 1);
      while (t[j]) j = (j + 1) & (nc - 1);
      t[j] = e;
    }
    free(w->names);
    w->names = t;
    w->namecap = nc;
  }
  char *c = malloc(w->name.len + 1);
  if (!c) return -1;
  memcpy(c, w->name.data, w->name.len + 1);
  size_t j = name_hash(c, w->name.len) & (w->namecap - 1);
  while (w->names[j]) j = (j + 1) & (w->namecap - 1);
  w->names[j] = c;
  w->nnames++;
  return 0;
}

static const val *dict_get(const val *d, const char *key);

static uint64_t child_size(const val *c) { return !c ? 0 : c->vis == 1 ? SAT_INF : c->size; }
static uint64_t child_wsize(const val *c) { return !c ? 0 : c->vis == 1 ? SAT_INF : c->wsize; }

/* the names the walk gives x (walk() below, mirrored; an upper bound) */
static uint64_t walk_size_open(const val *x);
static uint64_t walk_size(const val *x) {
  if ((x->k == V_DICT || x->k == V_LIST || x->k == V_TUPLE) && x->n && !x->tens && x->size > BIG_VALUE) return 1;
  return walk_size_open(x);
}

/* the same, x itself never hashed whole (the checkpoint's root: its own
 * keys always keep their names) */
static uint64_t walk_size_open(const val *x) {
  uint64_t n = 0;
  if (x->k == V_TENSOR) return 1;
  if ((x->k == V_DICT || x->k == V_LIST || x->k == V_TUPLE) && x->n) {
    int d = x->k == V_DICT;
    for (size_t i = d; i < x->n; i += 1 + d) {
      n = sat_add(n, child_wsize(x->items[i]));
      if (d && x->items[i - 1]->k != V_STR && x->items[i - 1]->k != V_INT && x->items[i - 1]->k != V_BOOL && x->items[i - 1]->k != V_NONE)
        n = sat_add(n, 1);
    }
    return n;
  }
  if (x->k == V_CALL && x->state && x->state->k == V_DICT && dict_get(x->state, "_parameters")) {
    static const char *const PARTS[] = {"_parameters", "_buffers", "_modules"};
    for (int p = 0; p < 3; p++) {
      const val *d = dict_get(x->state, PARTS[p]);
      for (size_t i = 1; d && d->k == V_DICT && i < d->n; i += 2) n = sat_add(n, child_wsize(d->items[i]));
    }
    return n;
  }
  if (x->k == V_CALL && x->state && x->state->k == V_DICT && x->state->n && x->args && !x->args->n) return child_wsize(x->state);
  return 1;
}

/* size, wsize and tens of every value root reaches, in one depth-first
 * pass over the memo's graph (each value once: linear in the pickle) */
static int measure(val *root) {
  typedef struct {
    val *x;
    size_t i;
  } frame;
  frame *st = NULL;
  size_t n = 0, cap = 0;
  if (!root || root->vis) return 0;
  for (val *enter = root;;) {
    if (enter) {
      frame *g = whorl__grow_array(st, &cap, n, sizeof *st);
      if (!g) {
        free(st);
        return -1;
      }
      st = g;
      st[n].x = enter;
      st[n++].i = 0;
      enter->vis = 1;
      enter = NULL;
    }
    if (!n) break;
    frame *f = &st[n - 1];
    val *x = f->x;
    val *kids[3] = {x->callee, x->args, x->state};
    if (f->i < x->n + 3) {
      val *c = f->i < x->n ? x->items[f->i] : kids[f->i - x->n];
      f->i++;
      if (c && !c->vis) enter = c;
      continue;
    }
    uint64_t size = 1;
    int tens = x->k == V_TENSOR;
    for (size_t i = 0; i < x->n + 3; i++) {
      const val *c = i < x->n ? x->items[i] : kids[i - x->n];
      size = sat_add(size, child_size(c));
      if (c && (c->tens || (c->vis == 1 && c != x))) tens = 1;
      if (c == x) size = SAT_INF;
    }
    x->size = size;
    x->tens = (uint8_t)tens;
    x->wsize = walk_size(x);
    x->vis = 2;
    n--;
  }
  free(st);
  return 0;
}

static int tensor_of(walkctx *w, const val *t) {
  whorl_error *err = w->v->err;
  const char *path = w->v->path;
  if (claim_name(w)) return whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
  const char *name = w->name.data;
  val *st = t->storage;
  const whorl_dtype *d = t->dtype;
  st->used = 1;
  if (!d || d->block != 1 || d->bits % 8)
    return whorl__error(err, WHORL_EUNSUPPORTED, path, -1, "tensor \"%s\": dtype not supported", name);
  size_t es = d->bits / 8;
  /* data/<key> */
  char ent[512];
  snprintf(ent, sizeof ent, "%sdata/%s", w->prefix, st->s);
  size_t zi = 0;
  while (zi < w->z->n && strcmp(w->z->e[zi].name, ent)) zi++;
  if (zi == w->z->n) return whorl__error(err, WHORL_EFORMAT, path, -1, "tensor \"%s\": storage %s missing from the archive", name, ent);
  uint64_t ssize = w->z->e[zi].usize;
  uint64_t sesize = st->dtype->bits / 8;
  if (st->numel * sesize != ssize)
    return whorl__error(err, WHORL_EFORMAT, path, -1, "tensor \"%s\": storage %s holds %llu bytes, its header says %llu x %llu", name, ent,
                        (unsigned long long)ssize, (unsigned long long)st->numel, (unsigned long long)sesize);
  uint64_t selems = ssize / es;
  whorl_mtensor *mt = whorl__model_add(w->m, name, w->name.len);
  if (!mt) return whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
  mt->dtype = d;
  mt->ndim = t->ndim;
  unsigned __int128 count = 1;
  int contiguous = 1;
  int64_t expect = 1;
  int64_t maxoff = 0;
  for (int i = t->ndim - 1; i >= 0; i--) {
    mt->shape[i] = t->shape[i];
    count *= t->shape[i];
    if (count >> 63) return whorl__error(err, WHORL_EFORMAT, path, -1, "tensor \"%s\": shape too large", name);
    if (t->shape[i] > 1 && t->stride[i] != expect) contiguous = 0;
    expect *= (int64_t)t->shape[i];
    if (t->shape[i] && t->stride[i] < 0) return whorl__error(err, WHORL_EUNSUPPORTED, path, -1, "tensor \"%s\": negative strides", name);
    if (t->shape[i]) maxoff += (int64_t)(t->shape[i] - 1) * t->stride[i];
  }
  if ((unsigned __int128)count * es > ((unsigned __int128)1 << 62))
    return whorl__error(err, WHORL_EFORMAT, path, -1, "tensor \"%s\": shape too large", name);
  mt->nbytes = (uint64_t)count * es;
  if (count && (t->off + (uint64_t)maxoff >= selems))
    return whorl__error(err, WHORL_EFORMAT, path, -1, "tensor \"%s\": its elements reach beyond storage %s", name, ent);
  if (!count) {
    mt->src = WHORL_SRC_MEM;
    return 0;
  }
  int swap = w->big_endian && es > 1;
  whorl_zip_reader *r = NULL;
  int rc = whorl__zip_member_open(w->z, zi, &r, err);
  if (rc) return rc;
  uint64_t doff = whorl__zip_member_data_offset(r);
  whorl__zip_member_close(r);
  if (contiguous && !swap) {
    if (w->z->e[zi].method == 0 && doff) {
      mt->src = WHORL_SRC_FILE;
      mt->fd = w->fd;
      mt->off = doff + t->off * es;
    } else {
      mt->src = WHORL_SRC_ZIP;
      mt->zip = w->z;
      mt->zip_index = zi;
      mt->zip_skip = t->off * es;
    }
    return 0;
  }
  if (ssize > WHORL_MODEL_GATHER_MAX || mt->nbytes > WHORL_MODEL_GATHER_MAX)
    return whorl__error(err, WHORL_EUNSUPPORTED, path, -1, "tensor \"%s\": a strided or big-endian tensor above 1 GiB: not supported yet", name);
  uint8_t *raw = malloc(ssize + 1);
  if (!raw) return whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
  rc = whorl__zip_member_open(w->z, zi, &r, err);
  uint64_t at = 0;
  while (!rc && at < ssize) {
    long long k = whorl__zip_member_read(r, raw + at, (size_t)(ssize - at), err);
    if (k < 0) rc = (int)k;
    else if (k == 0) rc = whorl__error(err, WHORL_EFORMAT, path, -1, "storage %s ends early", ent);
    else at += (uint64_t)k;
  }
  if (r) whorl__zip_member_close(r);
  if (!rc) {
    int g = whorl__gather(raw, selems, es, t->ndim, t->shape, t->stride, t->off, swap, d->kind == 'c', &mt->mem);
    if (g == -1) rc = whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
    else if (g) rc = whorl__error(err, WHORL_EFORMAT, path, -1, "tensor \"%s\": element outside its storage", name);
    else mt->src = WHORL_SRC_MEM;
  }
  free(raw);
  return rc;
}

/* ---- non-tensor values: the config's canonical forms (docs/model.md) ------------------------------ */




/* an integer beyond 64 bits: {"int": "<decimal>"} */
static whorl_json *bigint_json(const val *x) {
  if (x->decimal) return whorl__model_mark("int", whorl_json_string(x->s));
  size_t n = x->len;
  const uint8_t *p = (const uint8_t *)x->s;
  int neg = n && (p[n - 1] & 0x80);
  uint8_t *mag = malloc(n + 1);
  char *dec = malloc(3 * n + 3);
  if (!mag || !dec) {
    free(mag);
    free(dec);
    return NULL;
  }
  /* magnitude, big-endian */
  unsigned carry = 1;
  for (size_t i = 0; i < n; i++) {
    unsigned b = p[i];
    if (neg) {
      b = (~b & 0xff) + carry;
      carry = b >> 8;
      b &= 0xff;
    }
    mag[n - 1 - i] = (uint8_t)b;
  }
  size_t nd = 0, start = 0;
  for (;;) { /* divide by 10 until zero */
    while (start < n && !mag[start]) start++;
    if (start == n) break;
    unsigned r = 0;
    for (size_t i = start; i < n; i++) {
      unsigned cur = r << 8 | mag[i];
      mag[i] = (uint8_t)(cur / 10);
      r = cur % 10;
    }
    dec[nd++] = (char)('0' + r);
  }
  if (!nd) dec[nd++] = '0';
  if (neg) dec[nd++] = '-';
  for (size_t i = 0; i < nd / 2; i++) {
    char t = dec[i];
    dec[i] = dec[nd - 1 - i];
    dec[nd - 1 - i] = t;
  }
  dec[nd] = 0;
  whorl_json *j = whorl__model_mark("int", whorl_json_string(dec));
  free(mag);
  free(dec);
  return j;
}

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

static double half_to_double(uint16_t h) {
  int e = (h >> 10) & 31, m = h & 1023;
  double v = e == 0 ? ldexp(m, -24) : e == 31 ? (m ? NAN : INFINITY) : ldexp(m + 1024, e - 25);
  return h & 0x8000 ? -v : v;
}

/* numpy.core.multiarray.scalar(dtype, bytes): its number (bool, integer,
 * float, {"complex": [re, im]}); other dtypes: {"numpy": "<typestr>", "hex": bytes} */
static whorl_json *numpy_scalar_json(const val *x) {
  const val *a = x->args;
  if (!a || a->k != V_TUPLE || a->n < 2) return NULL;
  const val *dt = a->items[0], *raw = a->items[1];
  if (!dt || dt->k != V_CALL || !is_global(dt->callee, "numpy\ndtype") || !dt->args || dt->args->k != V_TUPLE || !dt->args->n ||
      dt->args->items[0]->k != V_STR || !raw || raw->k != V_BYTES)
    return NULL;
  const char *ts = dt->args->items[0]->s;
  char order = '<';
  if (dt->state && dt->state->k == V_TUPLE && dt->state->n >= 2 && dt->state->items[1]->k == V_STR && dt->state->items[1]->len == 1)
    order = dt->state->items[1]->s[0];
  uint8_t b[16];
  size_t n = raw->len;
  int ok = n <= sizeof b;
  if (ok) {
    memcpy(b, raw->s, n);
    if (order == '>') { /* big-endian: each part (the two halves of a complex) reversed */
      size_t part = ts[0] == 'c' ? n / 2 : n;
      for (size_t o = 0; part && o < n; o += part)
        for (size_t i = 0; i < part / 2; i++) {
          uint8_t t = b[o + i];
          b[o + i] = b[o + part - 1 - i];
          b[o + part - 1 - i] = t;
        }
    }
  }
  char k = ts[0];
  int sz = atoi(ts + 1);
  if (ok && (k == 'b' || k == '?') && n == 1) return whorl_json_bool(b[0] != 0);
  if (ok && (k == 'i' || k == 'u') && (size_t)sz == n && (n == 1 || n == 2 || n == 4 || n == 8)) {
    uint64_t u = 0;
    for (size_t i = n; i-- > 0;) u = u << 8 | b[i];
    if (k == 'i') {
      if (n < 8 && (u >> (8 * n - 1) & 1)) u |= ~0ull << (8 * n);
      return whorl_json_int((int64_t)u);
    }
    if (u >> 63) { /* above int64: as a big integer */
      char dec[32];
      snprintf(dec, sizeof dec, "%llu", (unsigned long long)u);
      return whorl__model_mark("int", whorl_json_string(dec));
    }
    return whorl_json_int((int64_t)u);
  }
  if (ok && k == 'f' && (size_t)sz == n && (n == 2 || n == 4 || n == 8)) {
    double d;
    if (n == 2) d = half_to_double(rd16(b));
    else if (n == 4) {
      float f;
      memcpy(&f, b, 4);
      d = f;
    } else memcpy(&d, b, 8);
    return whorl__model_float(d);
  }
  if (ok && k == 'c' && (size_t)sz == n && (n == 8 || n == 16)) {
    double re, im;
    if (n == 8) {
      float f[2];
      memcpy(f, b, 8);
      re = f[0], im = f[1];
    } else memcpy(&re, b, 8), memcpy(&im, b + 8, 8);
    whorl_json *arr = whorl_json_array();
    whorl_json_array_append(arr, whorl__model_float(re));
    whorl_json_array_append(arr, whorl__model_float(im));
    return whorl__model_mark("complex", arr);
  }
  whorl_json *o = whorl__model_hex("hex", (const uint8_t *)raw->s, raw->len);
  if (o) {
    char t[80];
    snprintf(t, sizeof t, "%c%s", order, ts);
    whorl_json_object_set(o, "numpy", whorl_json_string(t));
  }
  return o;
}

static int by_canonical(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static whorl_json *value_json(walkctx *w, const val *x, int depth);

/* {"set": [...]}: the members sorted by their canonical JSON */
static whorl_json *set_json(walkctx *w, const val *items, int depth) {
  size_t n = items ? items->n : 0;
  char **c = calloc(n + 1, sizeof *c);
  if (!c) return NULL;
  int bad = 0;
  for (size_t i = 0; i < n && !bad; i++) {
    whorl_json *j = value_json(w, items->items[i], depth + 1);
    size_t l;
    bad = !j || whorl_json_canonical(j, &c[i], &l);
    whorl_json_free(j);
  }
  whorl_json *arr = bad ? NULL : whorl_json_array();
  if (arr) {
    qsort(c, n, sizeof *c, by_canonical);
    for (size_t i = 0; i < n; i++) {
      whorl_json *j = NULL;
      if (i && !strcmp(c[i], c[i - 1])) continue;
      if (whorl_json_parse(c[i], strlen(c[i]), &j, NULL) == WHORL_OK) whorl_json_array_append(arr, j);
    }
  }
  for (size_t i = 0; i < n; i++) free(c[i]);
  free(c);
  return arr ? whorl__model_mark("set", arr) : NULL;
}

static const char *global_text(const val *g, char *buf, size_t n) {
  const char *nl = strchr(g->s, '\n');
  snprintf(buf, n, "%.*s.%s", nl ? (int)(nl - g->s) : 0, g->s, nl ? nl + 1 : g->s);
  return buf;
}

/* Any value that is not a tensor, as JSON (NULL: out of memory or too
 * deep). Containers become arrays, a dict {"dict": [[key, value], ...]}
 * (only inside other values: top-level dicts are walked by name). */
static whorl_json *value_form(walkctx *w, const val *x, int depth) {
  if (!x || depth > 200) return NULL;
  if (++w->rendered > MAX_RENDERED) {
    w->too_big = 1;
    return NULL;
  }
  char g[400];
  switch (x->k) {
  case V_NONE: return whorl_json_null();
  case V_BOOL: return whorl_json_bool((int)x->i);
  case V_INT: return whorl_json_int(x->i);
  case V_BIGINT: return bigint_json(x);
  case V_FLOAT: return whorl__model_float(x->f);
  case V_STR:
    return whorl__model_text(x->s, x->len);
  case V_BYTES: return whorl__model_hex("bytes", (const uint8_t *)x->s, x->len);
  case V_TUPLE: case V_LIST: case V_SET: case V_DICT: {
    if (x->k == V_SET) return set_json(w, x, depth);
    whorl_json *arr = whorl_json_array();
    for (size_t i = 0; arr && i < x->n; i++) {
      whorl_json *j = value_json(w, x->items[i], depth + 1);
      if (x->k == V_DICT) {
        whorl_json *pair = whorl_json_array(), *vj = value_json(w, x->items[++i], depth + 1);
        if (!pair || !j || !vj) { /* a part that failed fails the whole (never silently dropped) */
          whorl_json_free(pair);
          whorl_json_free(j);
          whorl_json_free(vj);
          j = NULL;
        } else {
          whorl_json_array_append(pair, j);
          whorl_json_array_append(pair, vj);
          j = pair;
        }
      }
      if (!j) {
        whorl_json_free(arr);
        return NULL;
      }
      whorl_json_array_append(arr, j);
    }
    return x->k == V_DICT ? whorl__model_mark("dict", arr) : arr;
  }
  case V_GLOBAL: {
    const whorl_dtype *d = global_dtype(x, 0);
    if (d) return whorl__model_mark("torch.dtype", whorl_json_string(d->name));
    return whorl__model_mark("global", whorl_json_string(global_text(x, g, sizeof g)));
  }
  case V_STORAGE: return whorl__model_mark("storage", whorl_json_string(x->s));
  case V_TENSOR: return whorl__model_mark("tensor_of_storage", whorl_json_string(x->storage->s));
  case V_CALL: {
    const val *a = x->args;
    size_t na = a && a->k == V_TUPLE ? a->n : 0;
    if (is_global(x->callee, "numpy.core.multiarray\nscalar") || is_global(x->callee, "numpy._core.multiarray\nscalar")) {
      whorl_json *j = numpy_scalar_json(x);
      if (j) return j;
    }
    if (is_global(x->callee, "torch\ndevice") && na >= 1 && a->items[0]->k == V_STR) {
      char d[256];
      if (na >= 2 && a->items[1]->k == V_INT) snprintf(d, sizeof d, "%s:%lld", a->items[0]->s, (long long)a->items[1]->i);
      else snprintf(d, sizeof d, "%s", a->items[0]->s);
      return whorl__model_mark("torch.device", whorl_json_string(d));
    }
    if ((is_global(x->callee, "builtins\nset") || is_global(x->callee, "builtins\nfrozenset")) && na <= 1)
      return set_json(w, na ? a->items[0] : NULL, depth);
    if (is_global(x->callee, "builtins\ncomplex") && na == 2 && (a->items[0]->k == V_FLOAT || a->items[0]->k == V_INT) &&
        (a->items[1]->k == V_FLOAT || a->items[1]->k == V_INT)) {
      whorl_json *arr = whorl_json_array();
      for (int i = 0; i < 2; i++)
        whorl_json_array_append(arr, a->items[i]->k == V_FLOAT ? whorl__model_float(a->items[i]->f) : whorl_json_double((double)a->items[i]->i));
      return whorl__model_mark("complex", arr);
    }
    if (is_global(x->callee, "builtins\nbytearray") && na <= 1 && (!na || a->items[0]->k == V_BYTES))
      return whorl__model_hex("bytes", na ? (const uint8_t *)a->items[0]->s : (const uint8_t *)"", na ? a->items[0]->len : 0);
    if (is_global(x->callee, "numpy\ndtype") && na >= 1 && a->items[0]->k == V_STR) {
      char t[80];
      char order = x->state && x->state->k == V_TUPLE && x->state->n >= 2 && x->state->items[1]->k == V_STR ? x->state->items[1]->s[0] : '|';
      snprintf(t, sizeof t, "%c%s", order ? order : '|', a->items[0]->s);
      return whorl__model_mark("numpy.dtype", whorl_json_string(t));
    }
    /* anything else: {"call": "module.name", "args": [...], "state": ...} */
    whorl_json *o = whorl_json_object();
    whorl_json_object_set(o, "call", x->callee && x->callee->k == V_GLOBAL ? whorl_json_string(global_text(x->callee, g, sizeof g))
                                                                           : value_json(w, x->callee, depth + 1));
    whorl_json *aj = value_json(w, a, depth + 1);
    if (!aj) {
      whorl_json_free(o);
      return NULL;
    }
    whorl_json_object_set(o, "args", aj);
    if (x->n) { /* items appended or set (a defaultdict's, a list subclass's) */
      whorl_json *ij = whorl_json_array();
      for (size_t i = 0; ij && i < x->n; i++) {
        whorl_json *e = value_json(w, x->items[i], depth + 1);
        if (!e) {
          whorl_json_free(ij);
          ij = NULL;
        } else whorl_json_array_append(ij, e);
      }
      if (!ij) {
        whorl_json_free(o);
        return NULL;
      }
      whorl_json_object_set(o, "items", ij);
    }
    if (x->state) {
      whorl_json *sj = value_json(w, x->state, depth + 1);
      if (!sj) {
        whorl_json_free(o);
        return NULL;
      }
      whorl_json_object_set(o, "state", sj);
    }
    return o;
  }
  default: return NULL;
  }
}

/* A big value (more than BIG_VALUE nodes): {"hashed": kind, "length": n,
 * "blake3": BLAKE3 of the canonical JSON of its form} (a call also names its
 * callable). The hash is computed once per value, however often the memo
 * reuses it; a value holding itself cannot be hashed (NULL). */
static whorl_json *big_json(walkctx *w, const val *x, int depth) {
  val *mx = (val *)x;
  if (!mx->h) {
    if (mx->hashing) {
      w->cyclic = 1;
      return NULL;
    }
    mx->hashing = 1;
    whorl_json *j = value_form(w, x, depth);
    mx->hashing = 0;
    char *c = NULL;
    size_t l = 0;
    int bad = !j || whorl_json_canonical(j, &c, &l);
    whorl_json_free(j);
    if (bad) {
      free(c);
      return NULL;
    }
    mx->h = malloc(32);
    if (!mx->h) {
      free(c);
      return NULL;
    }
    blake3_hasher hh;
    blake3_hasher_init(&hh);
    blake3_hasher_update(&hh, c, l);
    blake3_hasher_finalize(&hh, mx->h, 32);
    free(c);
  }
  static const char *const KIND[] = {[V_TUPLE] = "tuple", [V_LIST] = "list", [V_DICT] = "dict", [V_SET] = "set", [V_CALL] = "call"};
  char hex[65];
  whorl_hex(x->h, 32, hex);
  hex[64] = 0;
  whorl_json *o = whorl_json_object();
  whorl_json_object_set(o, "hashed", whorl_json_string(KIND[x->k]));
  if (x->k == V_CALL && x->callee && x->callee->k == V_GLOBAL) {
    char g[400];
    whorl_json_object_set(o, "call", whorl_json_string(global_text(x->callee, g, sizeof g)));
  }
  whorl_json_object_set(o, "length", whorl_json_int((int64_t)(x->k == V_DICT ? x->n / 2 : x->n)));
  whorl_json_object_set(o, "blake3", whorl_json_string(hex));
  return o;
}

static whorl_json *value_json(walkctx *w, const val *x, int depth) {
  if (x && x->size > BIG_VALUE && (x->k == V_TUPLE || x->k == V_LIST || x->k == V_DICT || x->k == V_SET || x->k == V_CALL))
    return big_json(w, x, depth);
  return value_form(w, x, depth);
}

static void walk(walkctx *w, const val *x);

/* walks x under name.key */
static void walk_named(walkctx *w, const char *ks, size_t kl, const val *x) {
  size_t keep = w->name.len;
  if (w->name.len) whorl_buf_putc(&w->name, '.');
  whorl_buf_put(&w->name, ks, kl);
  walk(w, x);
  w->name.len = keep;
  if (w->name.data) w->name.data[keep] = 0;
}

static const val *dict_get(const val *d, const char *key) {
  if (!d || d->k != V_DICT) return NULL;
  for (size_t i = 0; i + 1 < d->n; i += 2)
    if (d->items[i]->k == V_STR && !strcmp(d->items[i]->s, key)) return d->items[i + 1];
  return NULL;
}

static int in_set(const val *set, const char *name) {
  if (set && set->k == V_CALL && set->args && set->args->k == V_TUPLE && set->args->n == 1) set = set->args->items[0];
  if (!set || (set->k != V_SET && set->k != V_LIST && set->k != V_TUPLE)) return 0;
  for (size_t i = 0; i < set->n; i++)
    if (set->items[i]->k == V_STR && !strcmp(set->items[i]->s, name)) return 1;
  return 0;
}

/* A pickled nn.Module (torch.save(model)): its parameters, persistent
 * buffers and submodules, named as state_dict() names them (and its
 * non-persistent buffers, which state_dict() leaves out, with a suffix). */
static void walk_module(walkctx *w, const val *state) {
  static const char *const PARTS[] = {"_parameters", "_buffers"};
  const val *np = dict_get(state, "_non_persistent_buffers_set");
  for (int p = 0; p < 2 && !w->rc; p++) {
    const val *d = dict_get(state, PARTS[p]);
    for (size_t i = 0; d && d->k == V_DICT && i + 1 < d->n && !w->rc; i += 2) {
      const val *k = d->items[i], *t = d->items[i + 1];
      if (k->k != V_STR || t->k == V_NONE) continue;
      if (p == 1 && in_set(np, k->s)) {
        /* a non-persistent buffer: not in state_dict(), but its bytes are
         * in the archive: fingerprinted as "<name>#non_persistent" */
        char nm[300];
        snprintf(nm, sizeof nm, "%.*s#non_persistent", (int)(k->len > 250 ? 250 : k->len), k->s);
        walk_named(w, nm, strlen(nm), t);
        continue;
      }
      walk_named(w, k->s, k->len, t);
    }
  }
  const val *mods = dict_get(state, "_modules");
  for (size_t i = 0; mods && mods->k == V_DICT && i + 1 < mods->n && !w->rc; i += 2) {
    const val *k = mods->items[i], *c = mods->items[i + 1];
    if (k->k != V_STR || c->k == V_NONE) continue;
    walk_named(w, k->s, k->len, c);
  }
}

static void put_extra(walkctx *w, whorl_json *j) {
  if (!j) {
    if (w->rc) return;
    if (w->cyclic)
      w->rc = whorl__error(w->v->err, WHORL_EUNSUPPORTED, w->v->path, -1, "\"%s\" holds itself (a cycle through the pickle memo): not fingerprinted",
                           w->name.data ? w->name.data : "");
    else if (w->too_big)
      w->rc = whorl__error(w->v->err, WHORL_EUNSUPPORTED, w->v->path, -1,
                           "the checkpoint's values expand to more than %u JSON values (objects reused through the pickle memo?)", MAX_RENDERED);
    else
      w->rc = whorl__error(w->v->err, WHORL_ENOMEM, w->v->path, -1, "out of memory, or a value nested too deep or holding itself, in \"%s\"",
                           w->name.data ? w->name.data : "");
    return;
  }
  if (!w->m->extra) w->m->extra = whorl_json_object();
  char *k = NULL;
  if (!w->m->extra || claim_name(w) || !(k = malloc(w->name.len + 1))) {
    whorl_json_free(j);
    if (!w->rc) w->rc = whorl__error(w->v->err, WHORL_ENOMEM, w->v->path, -1, "out of memory");
    return;
  }
  memcpy(k, w->name.data, w->name.len + 1);
  /* names are unique (claim_name): pushed without a lookup */
  if (whorl__json_object_push(w->m->extra, k, w->name.len, j) && !w->rc) w->rc = whorl__error(w->v->err, WHORL_ENOMEM, w->v->path, -1, "out of memory");
}

static void walk(walkctx *w, const val *x) {
  if (w->rc || ++w->depth > 200) {
    if (!w->rc && w->depth > 200) w->rc = whorl__error(w->v->err, WHORL_EUNSUPPORTED, w->v->path, -1, "checkpoint nested deeper than 200 levels");
    w->depth--;
    return;
  }
  if (x->k == V_TENSOR) {
    w->rc = tensor_of(w, x);
  } else if ((x->k == V_DICT || x->k == V_LIST || x->k == V_TUPLE) && x->n && !x->tens && x->size > BIG_VALUE && w->depth > 1) {
    put_extra(w, big_json(w, x, 0)); /* a big container without tensors (not the root): one hashed value, under its name */
  } else if (x->k == V_DICT && x->n) {
    for (size_t i = 0; i + 1 < x->n && !w->rc; i += 2) {
      const val *k = x->items[i];
      char num[64];
      if (k->k == V_STR) {
        walk_named(w, k->s, k->len, x->items[i + 1]);
        continue;
      }
      if (k->k == V_INT) snprintf(num, sizeof num, "%lld", (long long)k->i);
      else if (k->k == V_BOOL) snprintf(num, sizeof num, "%s", k->i ? "True" : "False");
      else if (k->k == V_NONE) snprintf(num, sizeof num, "None");
      else snprintf(num, sizeof num, "<key %zu>", i / 2); /* other keys: by position, the key kept beside */
      walk_named(w, num, strlen(num), x->items[i + 1]);
      if (k->k != V_INT && k->k != V_BOOL && k->k != V_NONE) {
        char kn[80];
        snprintf(kn, sizeof kn, "<key %zu>.key", i / 2);
        size_t keep = w->name.len;
        if (w->name.len) whorl_buf_putc(&w->name, '.');
        whorl_buf_put(&w->name, kn, strlen(kn));
        put_extra(w, value_json(w, k, 0));
        w->name.len = keep;
        if (w->name.data) w->name.data[keep] = 0;
      }
    }
  } else if ((x->k == V_LIST || x->k == V_TUPLE) && x->n) {
    for (size_t i = 0; i < x->n && !w->rc; i++) {
      char num[32];
      snprintf(num, sizeof num, "%zu", i);
      walk_named(w, num, strlen(num), x->items[i]);
    }
  } else if (x->k == V_CALL && x->state && x->state->k == V_DICT && dict_get(x->state, "_parameters")) {
    walk_module(w, x->state); /* a whole nn.Module */
  } else if (x->k == V_CALL && x->state && x->state->k == V_DICT && x->state->n && x->args && !x->args->n) {
    walk(w, x->state); /* an object made from its class alone (argparse.Namespace ...): its attributes */
  } else {
    put_extra(w, value_json(w, x, 0));
  }
  w->depth--;
}

/* Storages the named tensors do not read (a quantized tensor, a tensor
 * inside an object whorl does not describe): fingerprinted whole as
 * tensors "storage:<key>" (1-D, the storage's dtype), so no byte of the
 * tensor data torch.load would return is outside the id. */
static int stray_storages(walkctx *w, val *root) {
  /* which storages the result reaches (an object dropped from the memo
   * is not part of what torch.load returns) */
  val **todo = NULL;
  size_t n = 0, cap = 0;
  val *x = root;
  for (;;) {
    if (x && !x->reached) {
      x->reached = 1;
      val *kids[4] = {x->callee, x->args, x->state, x->storage};
      for (size_t i = 0; i < x->n + 4; i++) {
        val *c = i < x->n ? x->items[i] : kids[i - x->n];
        if (!c || c->reached) continue;
        val **g = whorl__grow_array(todo, &cap, n, sizeof *todo);
        if (!g) {
          free(todo);
          return w->rc = whorl__error(w->v->err, WHORL_ENOMEM, w->v->path, -1, "out of memory");
        }
        todo = g;
        todo[n++] = c;
      }
    }
    if (!n) break;
    x = todo[--n];
  }
  free(todo);
  for (size_t i = 0; i < w->v->nst && !w->rc; i++) {
    val *st = w->v->st[i];
    if (st->used || !st->reached) continue;
    val t;
    memset(&t, 0, sizeof t);
    t.k = V_TENSOR;
    t.storage = st;
    t.dtype = st->dtype;
    t.ndim = 1;
    t.shape[0] = st->numel;
    t.stride[0] = 1;
    w->name.len = 0;
    whorl_buf_printf(&w->name, "storage:%s", st->s);
    w->rc = tensor_of(w, &t);
  }
  return w->rc;
}

/* A small record (version, byteorder) whole: its length, or < 0 (err set) */
static long long small_record(const whorl_zip *z, size_t i, char *buf, size_t cap, whorl_error *err) {
  whorl_zip_reader *r = NULL;
  int rc = whorl__zip_member_open(z, i, &r, err);
  if (rc) return rc;
  size_t at = 0;
  long long k = 0;
  while (at < cap && (k = whorl__zip_member_read(r, (uint8_t *)buf + at, cap - at, err)) > 0) at += (size_t)k;
  whorl__zip_member_close(r);
  return k < 0 ? k : (long long)at;
}

int whorl__torch_read(whorl_model *m, const char *path, int fd, uint64_t size, whorl_error *err) {
  snprintf(m->format, sizeof m->format, "pytorch");
  uint8_t head[16];
  long long got = whorl__pread_full(fd, head, sizeof head, 0);
  if (got >= 2 && head[0] == 0x80 && head[1] <= 5) {
    /* not read as a model, but what loading it would run is still said */
    char beware[WHORL_ERROR_MSG_MAX / 2] = "";
    whorl_model t;
    whorl__model_init(&t);
    whorl_error e2;
    whorl_error_clear(&e2);
    if (size <= (64u << 20) && whorl__pickle_scan(&t, path, "pickle", fd, size, &e2) == WHORL_OK && t.nfind)
      snprintf(beware, sizeof beware, "; and beware, loading it may run code: %s%s", t.find[0].what,
               t.nfind > 1 ? " (and more)" : "");
    whorl__model_free(&t);
    return whorl__error(err, WHORL_EUNSUPPORTED, path, 0,
                        "a legacy (non-zip) PyTorch file or a bare pickle: not read as a model (re-save it with "
                        "torch.save, which writes a zip, or as safetensors; named .pkl, a bare pickle is scanned "
                        "as a file)%s",
                        beware);
  }
  whorl_zip *z = whorl__model_new_zip(m);
  if (!z) return whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
  int rc = whorl__zip_open(fd, size, path, z, err);
  if (rc) return rc;
  {
    size_t ta, tb;
    if (whorl__zip_case_twins(z, &ta, &tb) && !strcmp(z->e[ta].name, z->e[tb].name))
      return whorl__error(err, WHORL_EFORMAT, path, -1, "two records named %s: not one PyTorch checkpoint", z->e[ta].name);
    if (whorl__zip_case_twins(z, &ta, &tb))
      return whorl__error(err, WHORL_EFORMAT, path, -1,
                          "two records whose names differ only in case (%s, %s): torch looks names up ignoring case and "
                          "could read either; not one PyTorch checkpoint",
                          z->e[ta].name, z->e[tb].name);
  }
  /* torch's reader (torch 1.13, caffe2/serialize/inline_container.cc):
   * the archive is the folder of the first record; every record must be in
   * it; "<archive>/data.pkl" is the pickle. */
  for (size_t i = 0; i < z->n; i++) {
    size_t l = strlen(z->e[i].name);
    if (l >= 13 && !strcmp(z->e[i].name + l - 13, "constants.pkl"))
      return whorl__error(err, WHORL_EUNSUPPORTED, path, -1, "a TorchScript archive (constants.pkl): not supported yet");
  }
  if (!z->n) return whorl__error(err, WHORL_EFORMAT, path, -1, "an empty zip: not a PyTorch checkpoint");
  char prefix[512];
  const char *slash = strchr(z->e[0].name, '/');
  size_t plen = slash ? (size_t)(slash - z->e[0].name) + 1 : 0;
  if (!slash || plen == 1) return whorl__error(err, WHORL_EFORMAT, path, -1, "the archive's first record \"%.200s\" is not in a folder: not a PyTorch checkpoint", z->e[0].name);
  if (plen >= sizeof prefix - 32) return whorl__error(err, WHORL_EFORMAT, path, -1, "record name too long");
  memcpy(prefix, z->e[0].name, plen);
  prefix[plen] = 0;
  size_t pk = z->n, nfound = 0, ver = z->n, dver = z->n, bo = z->n;
  for (size_t i = 0; i < z->n; i++) {
    const char *nm = z->e[i].name;
    if (strncmp(nm, prefix, plen))
      return whorl__error(err, WHORL_EFORMAT, path, -1, "record \"%.200s\" is outside the archive's folder %s (torch refuses such a file)", nm, prefix);
    if (!strcmp(nm + plen, "data.pkl")) pk = i, nfound++;
    if (!strcmp(nm + plen, "version")) ver = i;
    if (!strcmp(nm + plen, ".data/version")) dver = i;
    if (!strcmp(nm + plen, "byteorder")) bo = i;
  }
  if (nfound != 1)
    return whorl__error(err, WHORL_EFORMAT, path, -1, nfound ? "several data.pkl records: not one PyTorch checkpoint" : "a zip without %sdata.pkl: not a PyTorch checkpoint", prefix);
  if (z->e[pk].usize > PKL_MAX) return whorl__error(err, WHORL_EUNSUPPORTED, path, -1, "data.pkl above 512 MiB");
  /* the format version: a decimal integer torch reads (1 to 10), in
   * ".data/version" (newer writers) or "version" */
  if (dver < z->n) ver = dver;
  if (ver == z->n) return whorl__error(err, WHORL_EFORMAT, path, -1, "no %sversion record (torch refuses the file)", prefix);
  char rec[24] = {0};
  long long got_rec = -1;
  if (z->e[ver].usize < sizeof rec - 1 && (got_rec = small_record(z, ver, rec, sizeof rec - 1, err)) < 0) return (int)got_rec;
  {
    const char *q = rec, *e = rec + (got_rec > 0 ? got_rec : 0);
    unsigned long long fv = 0;
    int digits = 0;
    /* read as torch's std::stoull reads it: leading blanks, an optional
     * '+', then the digits; what follows them is ignored */
    while (q < e && (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r' || *q == '\v' || *q == '\f')) q++;
    if (q < e && *q == '+') q++;
    for (; q < e && *q >= '0' && *q <= '9' && digits < 19; q++, digits++) fv = fv * 10 + (unsigned)(*q - '0');
    if (got_rec < 0 || !digits || (size_t)(e - rec) != z->e[ver].usize)
      return whorl__error(err, WHORL_EFORMAT, path, -1, "the %s record does not start with a decimal integer (torch refuses the file)", z->e[ver].name);
    if (fv < 1 || fv > 10)
      return whorl__error(err, WHORL_EUNSUPPORTED, path, -1, "the %s record says format version %llu; torch reads versions 1 to 10", z->e[ver].name, fv);
  }
  /* byteorder (torch 2.1 and later write it): "little" or "big", nothing else */
  int big = 0;
  if (bo < z->n) {
    char b[17] = {0};
    long long k = -1;
    if (z->e[bo].usize < 16 && (k = small_record(z, bo, b, 16, err)) < 0) return (int)k;
    if (k == 3 && !memcmp(b, "big", 3)) big = 1;
    else if (!(k == 6 && !memcmp(b, "little", 6)))
      return whorl__error(err, WHORL_EFORMAT, path, -1, "the %s record is neither \"little\" nor \"big\"", z->e[bo].name);
  }
  uint8_t *pkl = malloc(z->e[pk].usize + 1);
  if (!pkl) return whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
  whorl_zip_reader *r = NULL;
  rc = whorl__zip_member_open(z, pk, &r, err);
  uint64_t at = 0;
  while (!rc && at < z->e[pk].usize) {
    long long k = whorl__zip_member_read(r, pkl + at, (size_t)(z->e[pk].usize - at), err);
    if (k < 0) rc = (int)k;
    else if (k == 0) break;
    else at += (uint64_t)k;
  }
  if (r) {
    /* read to the end: the CRC check */
    uint8_t extra[16];
    while (!rc) {
      long long k = whorl__zip_member_read(r, extra, sizeof extra, err);
      if (k < 0) rc = (int)k;
      if (k <= 0) break;
    }
    whorl__zip_member_close(r);
  }
  if (rc) {
    free(pkl);
    return rc;
  }
  vm v;
  memset(&v, 0, sizeof v);
  v.p = v.start = pkl;
  v.end = pkl + at;
  v.m = m;
  v.path = path;
  v.where = z->e[pk].name;
  v.err = err;
  val *root = NULL;
  size_t f0 = m->nfind;
  rc = run(&v, &root) ? (v.err_set ? WHORL_EFORMAT : WHORL_ENOMEM) : WHORL_OK;
  if (rc == WHORL_ENOMEM && !v.err_set) whorl__error(err, rc, path, -1, "out of memory");
  if (!rc && v.p < v.end) {
    char where[200];
    snprintf(where, sizeof where, "%s, offset %lld", v.where, (long long)(v.p - v.start));
    whorl__model_finding(m, where, "%lld bytes after the pickle's STOP (a second pickle hides there?)", (long long)(v.end - v.p));
  }
  if (m->nfind > f0) {
    /* the findings are part of the id with the pickle that holds them:
     * any change to the payload (its arguments too) changes the id */
    blake3_hasher h;
    uint8_t d[32];
    blake3_hasher_init(&h);
    blake3_hasher_update(&h, pkl, (size_t)at);
    blake3_hasher_finalize(&h, d, 32);
    for (size_t i = f0; i < m->nfind; i++) whorl_hex(d, 32, m->find[i].pickle);
  }
  if (!rc) {
    walkctx w = {&v, m, z, prefix, fd, big, WHORL_BUF_INIT, 0, 0, 0, 0, 0, NULL, 0, 0};
    if (measure(root)) w.rc = whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
    else if (walk_size_open(root) > MAX_NAMES)
      w.rc = whorl__error(err, WHORL_EUNSUPPORTED, path, -1,
                          "the checkpoint flattens to more than %u names (objects reused through the pickle memo, a billion-laughs "
                          "pickle, or a container holding itself): not fingerprinted",
                          MAX_NAMES);
    if (!w.rc) walk(&w, root);
    if (!w.rc) stray_storages(&w, root);
    rc = w.rc;
    whorl_buf_free(&w.name);
    for (size_t i = 0; i < w.namecap; i++) free(w.names[i]);
    free(w.names);
  }
  if (rc && m->nfind && err) {
    /* say what was seen before the failure: a payload may sit before a parse error */
    char msg[sizeof err->message + sizeof m->find[0].what + 64];
    snprintf(msg, sizeof msg, "%s (after %zu unsafe finding%s, the first: %s)", err->message, m->nfind, m->nfind == 1 ? "" : "s", m->find[0].what);
    memcpy(err->message, msg, sizeof err->message - 1);
    err->message[sizeof err->message - 1] = 0;
  }
  for (size_t i = 0; i < v.nall; i++) {
    val *x = v.all[i];
    if (!x->borrowed) free(x->s);
    free(x->items);
    free(x->h);
  }
  for (size_t i = 0; i < v.nall; i++) free(v.all[i]);
  free(v.all);
  free(v.st);
  free(v.stack);
  free(v.marks);
  free(v.memo);
  free(pkl);
  return rc;
}

/* ---- scanning pickles that are not fingerprinted ------------------------------------------------ */

static void vm_free(vm *v) {
  for (size_t i = 0; i < v->nall; i++) {
    val *x = v->all[i];
    if (!x->borrowed) free(x->s);
    free(x->items);
    free(x);
  }
  free(v->all);
  free(v->st);
  free(v->stack);
  free(v->marks);
  free(v->memo);
}

/* Findings of a pickle-bearing file (a zip checkpoint, a legacy torch.save
 * file, a bare pickle) added to m, each "where" prefixed by display; a
 * file that cannot be read through is a finding too (it cannot be shown
 * safe). Returns 0, or an error only when out of memory. */
int whorl__pickle_scan(whorl_model *m, const char *path, const char *display, int fd, uint64_t size, whorl_error *err) {
  uint8_t head[4];
  long long got = whorl__pread_full(fd, head, sizeof head, 0);
  whorl_model t;
  whorl__model_init(&t);
  whorl_error e;
  whorl_error_clear(&e);
  int rc = WHORL_OK;
  if (got == 4 && !memcmp(head, "PK\3\4", 4)) {
    rc = whorl__torch_read(&t, path, fd, size, &e);
  } else {
    /* a legacy torch.save file is five pickles, then raw storages; a
     * bare pickle one: every pickle up to the first non-pickle byte */
    uint64_t n = size < PKL_MAX ? size : PKL_MAX;
    uint8_t *buf = malloc(n + 1);
    if (!buf) {
      whorl__model_free(&t);
      return whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
    }
    got = whorl__pread_full(fd, buf, (size_t)n, 0);
    if (got < 0) rc = whorl__error(&e, WHORL_EIO, path, -1, "cannot be read");
    const uint8_t *p = buf, *end = buf + (got > 0 ? got : 0);
    for (int k = 0; !rc && k < 5 && p < end && (k == 0 || *p == 0x80); k++) {
      vm v;
      memset(&v, 0, sizeof v);
      v.start = buf; /* offsets from the file's start */
      v.p = p;
      v.end = end;
      v.m = &t;
      v.path = path;
      v.where = "pickle";
      v.err = &e;
      val *root = NULL;
      size_t f0 = t.nfind;
      if (run(&v, &root)) rc = v.err_set ? WHORL_EFORMAT : WHORL_ENOMEM;
      if (t.nfind > f0) {
        blake3_hasher h;
        uint8_t d[32];
        blake3_hasher_init(&h);
        blake3_hasher_update(&h, p, (size_t)(v.p - p));
        blake3_hasher_finalize(&h, d, 32);
        for (size_t i = f0; i < t.nfind; i++) whorl_hex(d, 32, t.find[i].pickle);
      }
      p = v.p;
      vm_free(&v);
    }
    free(buf);
  }
  if (rc == WHORL_ENOMEM) {
    whorl__model_free(&t);
    return whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
  }
  for (size_t i = 0; i < t.nfind; i++) {
    char where[200];
    snprintf(where, sizeof where, "%.80s: %.110s", display, t.find[i].where);
    whorl__model_finding(m, where, "%s", t.find[i].what);
    if (m->nfind) snprintf(m->find[m->nfind - 1].pickle, sizeof m->find[0].pickle, "%s", t.find[i].pickle);
  }
  if (rc) whorl__model_finding(m, display, "a pickle-bearing file whorl cannot read through, so cannot show safe: %s", e.message);
  whorl__model_free(&t);
  return WHORL_OK;
}
