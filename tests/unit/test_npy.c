/* .npy headers: the shared fixture, files written by NumPy itself for every
 * supported dtype (both byte orders, C and Fortran order, 0-d, empty, format
 * 2.0), refusal of object/structured/string dtypes, and truncation. NumPy
 * comes from Debian's python3-numpy (/usr/bin/python3). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>

#include "io/npy.h"
#include "t.h"
#include "util/util.h"
#include "whorl/whorl.h"

static whorl_json *got_vals;
static int mismatches, seen_count;

static int compare_elem(void *ctx, const whorl_npy_elem *e) {
  (void)ctx;
  seen_count++;
  whorl_json *want = whorl_json_array_get(got_vals, (size_t)e->index);
  if (!want) {
    mismatches++;
    return 0;
  }
  double w, wi = 0;
  if (whorl_json_typeof(want) == WHORL_JSON_ARRAY) {
    w = whorl_json_get_double(whorl_json_array_get(want, 0));
    wi = whorl_json_get_double(whorl_json_array_get(want, 1));
  } else {
    w = whorl_json_get_double(want);
  }
  double g = e->kind == 'u' ? (double)e->u : (e->kind == 'f' || e->kind == 'c') ? e->d : (double)e->i;
  if (g != w || (e->kind == 'c' && e->im != wi)) mismatches++;
  return 0;
}

static int parse_file(const char *path, whorl_npy *n, whorl_error *err) {
  char *data = NULL;
  size_t len = 0;
  int rc = whorl__read_file(path, 1 << 26, &data, &len, err);
  if (rc) return rc;
  rc = whorl__npy_parse((const uint8_t *)data, len, len, path, n, err);
  free(data);
  return rc;
}

int main(void) {
  whorl_npy n;
  whorl_error err;
  const char *shared = getenv("WHORL_SHARED");
  char p[1024];
  snprintf(p, sizeof p, "%s/fixtures/models/torch-numpy/test.npy", shared ? shared : "../shared");
  CHECK(parse_file(p, &n, &err) == WHORL_OK);
  CHECK_STR(n.descr, "<i8");
  CHECK(n.ndim == 1 && n.shape[0] == 10 && n.nbytes == 80 && n.data_offset == 128 && !n.fortran_order);

  const char *tmp = getenv("WHORL_TMP");
  char dir[600], cmd[4096];
  snprintf(dir, sizeof dir, "%s/npy.%d", tmp ? tmp : "/tmp", (int)getpid());
  snprintf(cmd, sizeof cmd,
           "mkdir -p '%s' && cd '%s' && /usr/bin/python3 -c '\n"
           "import json, numpy as np\n"
           "m = []\n"
           "def save(name, a, version=None):\n"
           "    with open(name, \"wb\") as f:\n"
           "        np.lib.format.write_array(f, a, version=version)\n"
           "    m.append(dict(file=name, descr=a.dtype.str, shape=list(a.shape), fortran=bool(a.flags.f_contiguous and not a.flags.c_contiguous), nbytes=a.nbytes))\n"
           "for i, dt in enumerate([\"?\",\"i1\",\"i2\",\"<i4\",\">i4\",\"<i8\",\"u1\",\"<u2\",\"<u4\",\"<u8\",\"<f2\",\"<f4\",\"<f8\",\">f8\",\"<c8\",\"<c16\"]):\n"
           "    save(\"d%%d.npy\" %% i, (np.arange(12) %% 5).astype(dt).reshape(3, 4))\n"
           "save(\"fortran.npy\", np.asfortranarray(np.arange(6.0).reshape(2, 3)))\n"
           "save(\"scalar.npy\", np.array(3.5))\n"
           "save(\"empty.npy\", np.zeros((0, 5), dtype=\"<f4\"))\n"
           "save(\"v2.npy\", np.arange(7, dtype=\"<i2\"), version=(2, 0))\n"
           "json.dump(m, open(\"manifest.json\", \"w\"))\n"
           "np.save(\"obj.npy\", np.array([1, \"x\"], dtype=object), allow_pickle=True)\n"
           "np.save(\"struct.npy\", np.zeros(2, dtype=[(\"a\", \"<i4\"), (\"b\", \"<f8\")]))\n"
           "np.save(\"str.npy\", np.array([\"abc\"]))\n"
           "np.save(\"dt.npy\", np.array([\"2024-01-01\"], dtype=\"datetime64[D]\"))\n"
           "'",
           dir, dir);
  CHECK(system(cmd) == 0);
  char mpath[700];
  snprintf(mpath, sizeof mpath, "%s/manifest.json", dir);
  whorl_json *m = NULL;
  CHECK(whorl_json_parse_file(mpath, 0, &m, &err) == WHORL_OK);
  for (size_t i = 0; i < whorl_json_size(m); i++) {
    whorl_json *e = whorl_json_array_get(m, i);
    snprintf(p, sizeof p, "%s/%s", dir, whorl_json_object_get_string(e, "file"));
    int rc = parse_file(p, &n, &err);
    if (rc) fprintf(stderr, "%s: %s\n", p, err.message);
    CHECK(rc == WHORL_OK);
    const char *want = whorl_json_object_get_string(e, "descr");
    /* NumPy writes '|' for one-byte types, and '<' or '>' otherwise */
    CHECK_STR(n.descr, want);
    whorl_json *shape = whorl_json_object_get(e, "shape");
    CHECK(n.ndim == (int)whorl_json_size(shape));
    for (int k = 0; k < n.ndim; k++) CHECK(n.shape[k] == (uint64_t)whorl_json_get_int(whorl_json_array_get(shape, k)));
    CHECK(n.nbytes == (uint64_t)whorl_json_object_get_int(e, "nbytes", -1));
    CHECK(n.fortran_order == whorl_json_get_bool(whorl_json_object_get(e, "fortran")));
    CHECK(n.big_endian == (want[0] == '>'));
  }
  CHECK(whorl_json_size(m) == 20);
  whorl_json_free(m);

  const char *refused[] = {"obj.npy", "struct.npy", "str.npy", "dt.npy"};
  for (size_t i = 0; i < 4; i++) {
    snprintf(p, sizeof p, "%s/%s", dir, refused[i]);
    CHECK(parse_file(p, &n, &err) == WHORL_EUNSUPPORTED);
  }
  CHECK(strstr(err.message, "not supported") != NULL);
  snprintf(p, sizeof p, "%s/obj.npy", dir);
  parse_file(p, &n, &err);
  CHECK(strstr(err.message, "pickles") != NULL);

  /* truncated: header cut, data cut; lying header length */
  snprintf(p, sizeof p, "%s/d5.npy", dir);
  char *data = NULL;
  size_t len = 0;
  CHECK(whorl__read_file(p, 1 << 20, &data, &len, &err) == WHORL_OK);
  CHECK(whorl__npy_parse((const uint8_t *)data, 40, 0, "x.npy", &n, &err) == WHORL_EFORMAT);
  CHECK(whorl__npy_parse((const uint8_t *)data, len, len - 1, "x.npy", &n, &err) == WHORL_EFORMAT);
  CHECK(strstr(err.message, "data truncated") != NULL);
  data[8] = (char)0xff;
  data[9] = (char)0x7f;
  CHECK(whorl__npy_parse((const uint8_t *)data, len, len, "x.npy", &n, &err) == WHORL_EFORMAT);
  free(data);
  const char *hostile[] = {"{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4294967296), }",
                           "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999999,), }",
                           "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'extra': 1}",
                           "{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (1,)}",
                           "{'descr': '<f8', 'fortran_order': __import__('os'), 'shape': (1,)}"};
  for (size_t i = 0; i < 5; i++) {
    uint8_t h[400];
    size_t hl = strlen(hostile[i]);
    memcpy(h, "\x93NUMPY\x01\x00", 8);
    h[8] = (uint8_t)hl;
    h[9] = 0;
    memcpy(h + 10, hostile[i], hl);
    CHECK(whorl__npy_parse(h, 10 + hl, 0, "h.npy", &n, &err) == WHORL_EFORMAT);
  }
  /* Values: every element of arrays NumPy wrote, placed by its C-order
   * index, equals what NumPy's tolist() says (C order). */
  snprintf(cmd, sizeof cmd,
           "cd '%s' && /usr/bin/python3 -c '\n"
           "import json, numpy as np\n"
           "m = []\n"
           "base = np.array([0, 1, -2, 3, -120, 127, 5, 100, -7, 9, 11, -13])\n"
           "for i, dt in enumerate([\"?\",\"i1\",\"<i2\",\">i2\",\"<i4\",\">i8\",\"u1\",\">u2\",\"<u8\",\"<f2\",\">f4\",\"<f8\",\"<c8\",\">c16\"]):\n"
           "    a = base.astype(dt)\n"
           "    if dt.endswith(\"c8\") or dt.endswith(\"c16\"): a = a + 0.5j * base.astype(dt)\n"
           "    for order in (\"C\", \"F\"):\n"
           "        b = a.reshape(3, 4)\n"
           "        b = np.asfortranarray(b) if order == \"F\" else b\n"
           "        name = \"v%%d%%s.npy\" %% (i, order); np.save(name, b)\n"
           "        flat = b.flatten(order=\"C\").tolist()\n"
           "        m.append(dict(file=name, vals=[[float(x.real), float(x.imag)] if isinstance(x, complex) else (float(x) if isinstance(x, float) else int(x)) for x in flat]))\n"
           "c3 = np.asfortranarray(np.arange(24, dtype=\"<i4\").reshape(2, 3, 4)); np.save(\"f3.npy\", c3)\n"
           "m.append(dict(file=\"f3.npy\", vals=c3.flatten(order=\"C\").tolist()))\n"
           "json.dump(m, open(\"values.json\", \"w\"))\n"
           "'",
           dir);
  CHECK(system(cmd) == 0);
  snprintf(mpath, sizeof mpath, "%s/values.json", dir);
  m = NULL;
  CHECK(whorl_json_parse_file(mpath, 0, &m, &err) == WHORL_OK);
  size_t files_ok = 0;
  for (size_t i = 0; i < whorl_json_size(m); i++) {
    whorl_json *e = whorl_json_array_get(m, i);
    snprintf(p, sizeof p, "%s/%s", dir, whorl_json_object_get_string(e, "file"));
    CHECK(parse_file(p, &n, &err) == WHORL_OK);
    got_vals = whorl_json_object_get(e, "vals");
    mismatches = 0;
    seen_count = 0;
    int fd = open(p, O_RDONLY);
    CHECK(whorl__npy_read(fd, &n, p, compare_elem, NULL, &err) == WHORL_OK);
    close(fd);
    CHECK((size_t)seen_count == whorl_json_size(got_vals));
    if (!mismatches && (size_t)seen_count == whorl_json_size(got_vals)) files_ok++;
    else fprintf(stderr, "%s: %d mismatches\n", p, mismatches);
  }
  CHECK_INT(files_ok, 29);
  whorl_json_free(m);
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) return 1;
  T_DONE();
}
