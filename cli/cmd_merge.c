/* cmd_merge.c - `whorl merge A.json B.json ...`. */
#include <getopt.h>
#include <sys/stat.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char help[] =
    "usage: whorl merge [options] PART.json...\n"
    "\n"
    "The fingerprint of a table from the fingerprints of its shards (saved\n"
    "with 'whorl fp --json' or '-o', in table order), without the data: what\n"
    "fingerprinting the concatenated table would give for rows,\n"
    "logical.unordered, schema.id, every column's type, nulls and unordered\n"
    "hash, and the whole profile (counts, exact sums, quantile histograms,\n"
    "distinct counts, frequent values, sample). logical.id and the ordered\n"
    "column hashes need the data: a merged fingerprint leaves them out and\n"
    "its \"id\" is logical.unordered (docs/profile.md).\n"
    "Columns are matched by name; a column missing from a shard is null there.\n"
    "\n"
    "options:\n"
    "  --json                 print the merged fingerprint as JSON (default: text)\n"
    "  -o, --output FILE      write the JSON document to FILE\n"
    "  --key-file FILE        the key the shards were fingerprinted with (keyed mode)\n"
    "  -h, --help             this help\n"
    "\n"
    "Exit status: 0 merged, 2 error (a part unreadable, not a table, made under\n"
    "other rules or another key).\n";

enum { OPT_JSON = 256, OPT_KEY };

int cmd_merge(int argc, char **argv) {
  static const struct option longopts[] = {{"json", no_argument, NULL, OPT_JSON},
                                           {"output", required_argument, NULL, 'o'},
                                           {"key-file", required_argument, NULL, OPT_KEY},
                                           {"help", no_argument, NULL, 'h'},
                                           {NULL, 0, NULL, 0}};
  int json = 0;
  const char *output = NULL, *key = NULL;
  optind = 1;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
    if (cli_once(longopts, c, optarg)) return EXIT_ERROR;
    switch (c) {
    case OPT_JSON: json = 1; break;
    case 'o': output = optarg; break;
    case OPT_KEY: key = optarg; break;
    case 'h': fputs(help, stdout); return 0;
    default:
      cli_msg("error: unknown option or missing value: '%s' (see 'whorl merge --help')", argv[optind - 1]);
      return EXIT_ERROR;
    }
  }
  int n = argc - optind;
  if (n < 1) {
    cli_msg("error: give the fingerprints of the parts to merge (see 'whorl merge --help')");
    return EXIT_ERROR;
  }
  whorl_json **docs = calloc((size_t)n, sizeof *docs);
  if (!docs) return EXIT_ERROR;
  whorl_error err;
  whorl_error_clear(&err);
  int status = EXIT_SAME;
  for (int i = 0; i < n && status == EXIT_SAME; i++) {
    struct stat st;
    if (stat(argv[optind + i], &st) != 0) {
      cli_msg("error: %s: %s", argv[optind + i], strerror(errno));
      status = EXIT_ERROR;
      break;
    }
    int r = whorl_fingerprint_load(argv[optind + i], &docs[i], &err);
    if (r < 0) {
      cli_error(&err);
      status = EXIT_ERROR;
    } else if (r == 0) {
      cli_msg("error: %s: not a saved whorl fingerprint (make one with 'whorl fp --json' or '-o')", argv[optind + i]);
      status = EXIT_ERROR;
    }
  }
  /* a part that shares no column with the parts before it: most likely a
   * shard of another table (it merges, as columns null elsewhere) */
  for (int i = 1; status == EXIT_SAME && i < n; i++) {
    const whorl_json *ci = whorl_json_object_get(docs[i], "columns");
    int shared = whorl_json_size(ci) == 0;
    for (size_t a = 0; a < whorl_json_size(ci) && !shared; a++) {
      const char *na = whorl_json_object_get_string(whorl_json_array_get(ci, a), "name");
      for (int j = 0; j < i && !shared; j++) {
        const whorl_json *cj = whorl_json_object_get(docs[j], "columns");
        for (size_t b = 0; b < whorl_json_size(cj) && !shared; b++) {
          const char *nb = whorl_json_object_get_string(whorl_json_array_get(cj, b), "name");
          shared = na && nb && !strcmp(na, nb);
        }
      }
    }
    if (!shared)
      cli_msg("warning: %s shares no column with the parts before it: a shard of another table? (its columns are null "
              "in the other parts' rows)",
              argv[optind + i]);
  }
  whorl_json *m = NULL;
  if (status == EXIT_SAME && whorl_merge((const whorl_json *const *)docs, (size_t)n, key, &m, &err) != WHORL_OK) {
    /* the library numbers the parts ("part 2: ..."): name the file */
    unsigned long part = 0;
    int used = 0;
    if (!err.path[0] && sscanf(err.message, "part %lu%n", &part, &used) == 1 && part >= 1 && part <= (unsigned long)n) {
      const char *rest = err.message + used;
      while (*rest == ':' || *rest == ' ') rest++;
      cli_msg("error: %s: %s", argv[optind + (int)part - 1], rest);
    } else {
      cli_error(&err);
    }
    status = EXIT_ERROR;
  }
  if (status == EXIT_SAME) {
    char *text = NULL;
    size_t len = 0;
    if (whorl_render(m, output || json ? WHORL_RENDER_JSON : WHORL_RENDER_TEXT, &text, &len, &err) != WHORL_OK) {
      cli_error(&err);
      status = EXIT_ERROR;
    } else if (output) {
      if (cli_write_file(output, text, len)) status = EXIT_ERROR;
    } else if (cli_write_stdout(text, len)) {
      cli_msg("error: cannot write to standard output");
      status = EXIT_ERROR;
    }
    free(text);
  }
  whorl_json_free(m);
  for (int i = 0; i < n; i++) whorl_json_free(docs[i]);
  free(docs);
  return status;
}
