/* Fuzz target: the pickle scan of files and folders that are not models
 * (src/fp/pickles.c), from hostile bytes (via a memfd): protocol 0-5
 * pickles, PyTorch zips, and zlib/gzip-compressed pickles inflated into a
 * memory file, under a name pickles alone go by (.joblib) and one other
 * files go by too (.bin). */
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fp/fp_int.h"
#include "memfile.h"
#include "whorl/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  int fd = fuzz_memfile("fuzz.pkl", data, size);
  if (fd < 0) return 0;
  char path[64];
  fuzz_memfile_path(fd, path);
  static const char *const names[] = {"model.joblib", "weights.bin"};
  for (int i = 0; i < 2; i++) {
    whorl_json *list = whorl_json_array();
    whorl_error err;
    whorl_error_clear(&err);
    if (list) whorl__pickle_findings(path, fd, (uint64_t)size, names[i], list, &err);
    whorl_json_free(list);
  }
  close(fd);
  return 0;
}
