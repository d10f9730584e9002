/* pickles.c - unsafe pickle findings of files and folders that are not
 * read as models: a bare pickle (a pickled scikit-learn model, a pandas
 * DataFrame), a legacy torch.save file, a PyTorch zip checkpoint lying in
 * a data folder. Loading any of them may run code: the pickle machine of
 * src/model says which globals they would import or call. The findings go
 * to the document's "unsafe" (in no id: the file's bytes already are). */
#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fp/fp_int.h"
#include "model/model.h"
#include "util/util.h"

/* 1 when the file starts as a pickle (protocol 2 to 5) or is a PyTorch
 * zip checkpoint; 2 when it may be a protocol 0 or 1 pickle (no header
 * says so: its first byte is an opcode such a pickle starts with, as
 * "cos\nsystem\n" or "(dp0\n" do). */
static int holds_pickle(const char *path, int fd) {
  uint8_t h[4];
  long long n = whorl__pread_full(fd, h, sizeof h, 0);
  if (n < 2) return 0;
  if (h[0] == 0x80 && h[1] >= 2 && h[1] <= 5) return 1;
  if (n == 4 && !memcmp(h, "PK\3\4", 4)) {
    const char *k = whorl__model_detect(path, fd, 0);
    return k && !strcmp(k, "pytorch");
  }
  if (h[0] && strchr("(ci]})NIJKLMFGSVXUTP", h[0])) return 2;
  return 0;
}

/* 1 for a name only pickles go by (.pkl .pickle .joblib). */
static int pickle_only_name(const char *name) {
  static const char *const ext[] = {".pkl", ".pickle", ".joblib", NULL};
  size_t len = strlen(name);
  for (const char *const *e = ext; *e; e++) {
    size_t el = strlen(*e), k = 0;
    if (len < el) continue;
    while (k < el && tolower((unsigned char)name[len - el + k]) == (*e)[k]) k++;
    if (k == el) return 1;
  }
  return 0;
}

#define UNREADABLE "a pickle-bearing file whorl cannot read through"

int whorl__pickle_findings(const char *path, int fd, uint64_t size, const char *display, whorl_json *list, whorl_error *err) {
  const int kind = holds_pickle(path, fd);
  if (!kind) return WHORL_OK;
  whorl_model m;
  whorl__model_init(&m);
  int rc = whorl__pickle_scan(&m, path, display, fd, size, err);
  /* A text-protocol candidate under a name other files go by too (.bin,
   * .pt, ...) that the pickle machine cannot read through and that names
   * no global is no pickle: no finding. Under .pkl, .pickle or .joblib it
   * is one (a loader takes it as a pickle). */
  int keep = 1;
  if (!rc && kind == 2 && !pickle_only_name(display)) {
    keep = 0;
    for (size_t i = 0; i < m.nfind && !keep; i++) keep = strncmp(m.find[i].what, UNREADABLE, strlen(UNREADABLE)) != 0;
  }
  for (size_t i = 0; !rc && keep && i < m.nfind; i++) {
    whorl_json *f = whorl_json_object();
    whorl_json_object_set(f, "finding", whorl_json_string(m.find[i].what));
    whorl_json_object_set(f, "where", whorl_json_string(m.find[i].where));
    if (m.find[i].pickle[0]) whorl_json_object_set(f, "pickle", whorl_json_string(m.find[i].pickle));
    whorl_json_array_append(list, f);
  }
  whorl__model_free(&m);
  return rc;
}

int whorl__pickle_name(const char *name, size_t len) {
  static const char *const ext[] = {".pkl", ".pickle", ".pt", ".pth", ".bin", ".ckpt", ".joblib", NULL};
  for (const char *const *e = ext; *e; e++) {
    size_t el = strlen(*e);
    if (len < el) continue;
    size_t k = 0;
    while (k < el && tolower((unsigned char)name[len - el + k]) == (*e)[k]) k++;
    if (k == el) return 1;
  }
  return 0;
}
