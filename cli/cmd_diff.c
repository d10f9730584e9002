/* cmd_diff.c - `whorl diff A B`. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char help[] =
    "usage: whorl diff [options] A B\n"
    "\n"
    "Compare A (baseline) with B. Each is a file or folder, or a fingerprint\n"
    "saved with 'whorl fp --json' / '-o': any mix. A path compared with a saved\n"
    "fingerprint is fingerprinted at the saved one's level.\n"
    "Says 'identical', or what differs: for files the changed byte ranges (at\n"
    "chunk granularity), for folders the added, removed, changed and renamed\n"
    "entries, and, when both folders are on disk, the changed byte ranges of\n"
    "up to 100 changed files (only those files are read again); for tables\n"
    "the first tier at which they differ: identical bytes, the same values in\n"
    "another serialization, the same rows in another order, or which columns\n"
    "were added, removed, renamed, retyped or changed; for models the sections\n"
    "(architecture, config, training, weights) and tensors that changed, and\n"
    "a model folder's other files (extras: README, modules.json, ...); for\n"
    "feature pipelines the parts (pipeline keys, code, input, matrix).\n"
    "\n"
    "options:\n"
    "  --json                 print the diff report as JSON (docs/diff-format.md)\n"
    "  --format FORMAT        text (default), json, or markdown (a pull-request comment)\n"
    "  --no-detail            for two folders on disk, do not read changed files\n"
    "                         again to find their changed byte ranges\n"
    "  --level LEVEL          level for paths: quick, content, logical, profile\n"
    "                         or stats (models)\n"
    "                         (default: profile for tables, content otherwise, or the saved\n"
    "                         fingerprint's level)\n"
    "  --as, --delimiter, --no-header, --header, --strict, --key-file\n"
    "                         how to read tables given as paths (see 'whorl fp --help')\n"
    "  --model, --no-model    read paths as models (also .npy/.npz) / never as models\n"
    "  --no-cache             neither read nor update the stat cache\n"
    "  --cache FILE           use this stat cache database\n"
    "  --threads N            worker threads (default: all cores)\n"
    "  -q, --quiet            no warnings on stderr\n"
    "  -h, --help             this help\n"
    "\n"
    "Exit status: 0 identical, 1 different, 2 error.\n";

enum { OPT_JSON = 256, OPT_LEVEL, OPT_NOCACHE, OPT_CACHE, OPT_THREADS, OPT_NODETAIL, OPT_MODEL, OPT_NOMODEL, OPT_FORMAT };

int cmd_diff(int argc, char **argv) {
  static const struct option longopts[] = {
      {"json", no_argument, NULL, OPT_JSON},         {"no-detail", no_argument, NULL, OPT_NODETAIL},         {"level", required_argument, NULL, OPT_LEVEL},
      {"no-cache", no_argument, NULL, OPT_NOCACHE},  {"cache", required_argument, NULL, OPT_CACHE},
      {"threads", required_argument, NULL, OPT_THREADS}, {"quiet", no_argument, NULL, 'q'},
      {"help", no_argument, NULL, 'h'},              {"model", no_argument, NULL, OPT_MODEL},
      {"no-model", no_argument, NULL, OPT_NOMODEL},  {"format", required_argument, NULL, OPT_FORMAT},
      CLI_TABLE_LONGOPTS, {NULL, 0, NULL, 0}};
  whorl_fp_options o = WHORL_FP_OPTIONS_INIT;
  cli_ctx ctx = {0, 0, 0, cli_now_ns()};
  int json = 0, level_given = 0, detail = 1, fmt_given = 0;
  int live[2] = {0, 0};
  whorl_error err;
  whorl_error_clear(&err);
  optind = 1;
  opterr = 0; /* our own messages, prefixed "whorl:" */
  int c;
  while ((c = getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
    if (cli_once(longopts, c, optarg)) return EXIT_ERROR;
    switch (c) {
    case OPT_JSON:
    case OPT_FORMAT: {
      int want = c == OPT_JSON || !strcmp(optarg, "json") ? 1 : !strcmp(optarg, "markdown") ? 2 : !strcmp(optarg, "text") ? 0 : -1;
      if (want < 0) {
        cli_msg("error: unknown format '%s' (choose text, json or markdown)", optarg);
        return EXIT_ERROR;
      }
      if (fmt_given && want != json) {
        cli_msg("error: two different output formats given (--json / --format): give one");
        return EXIT_ERROR;
      }
      json = want;
      fmt_given = 1;
      break;
    }
    case OPT_NODETAIL: detail = 0; break;
    case OPT_MODEL: o.model = 1; break;
    case OPT_NOMODEL: o.model = 0; break;
    case OPT_LEVEL:
      if (cli_parse_level(optarg, &o.level)) return EXIT_ERROR;
      level_given = 1;
      break;
    case OPT_NOCACHE: o.use_cache = 0; break;
    case OPT_CACHE: o.cache_path = optarg; break;
    case OPT_THREADS:
      if (cli_parse_threads(optarg, &o.threads)) return EXIT_ERROR;
      break;
    case CLI_OPT_AS: case CLI_OPT_DELIM: case CLI_OPT_NOHEADER: case CLI_OPT_HEADER: case CLI_OPT_STRICT: case CLI_OPT_KEYFILE:
      if (cli_table_opt(c, optarg, &o)) return EXIT_ERROR;
      break;
    case 'q': ctx.quiet = 1; break;
    case 'h': fputs(help, stdout); return 0;
    default:
      cli_msg("error: unknown option or missing value: '%s' (see 'whorl diff --help')", argv[optind - 1]);
      return EXIT_ERROR;
    }
  }
  if (argc - optind != 2) {
    cli_msg("error: diff takes exactly two paths, A and B (see 'whorl diff --help')");
    return EXIT_ERROR;
  }
  o.on_issue = cli_issue;
  o.on_progress = cli_progress;
  o.cb_ctx = &ctx;
  whorl_json *docs[2] = {NULL, NULL};
  /* Saved fingerprints first: a live path is then fingerprinted at the
   * saved side's level, so the two are comparable. */
  for (int k = 0; k < 2; k++) {
    int r = whorl_fingerprint_load(argv[optind + k], &docs[k], &err);
    if (r < 0) {
      cli_error(&err);
      whorl_json_free(docs[0]);
      return EXIT_ERROR;
    }
    if (r == 1 && !level_given) whorl_level_parse(whorl_json_object_get_string(docs[k], "level"), &o.level);
  }
  for (int k = 0; k < 2; k++) {
    if (docs[k]) continue;
    live[k] = 1;
    int before = ctx.fatal_reported;
    int rc = whorl_fingerprint(argv[optind + k], &o, &docs[k], &err);
    cli_progress_end(&ctx);
    if (rc) {
      if (ctx.fatal_reported == before) cli_error(&err);
      whorl_json_free(docs[0]);
      whorl_json_free(docs[1]);
      return EXIT_ERROR;
    }
  }
  whorl_json *report = NULL;
  int identical = 0;
  int rc = whorl_diff(docs[0], docs[1], &report, &identical, &err);
  whorl_json_free(docs[0]);
  whorl_json_free(docs[1]);
  if (rc) {
    cli_error(&err);
    return EXIT_ERROR;
  }
  /* Two folders on disk: say where inside each changed file. */
  if (!identical && detail && live[0] && live[1] &&
      whorl_diff_detail(report, argv[optind], argv[optind + 1], &o, &err) != WHORL_OK) {
    cli_error(&err);
    whorl_json_free(report);
    return EXIT_ERROR;
  }
  char *text = NULL;
  size_t len = 0;
  rc = whorl_render(report, json == 1 ? WHORL_RENDER_JSON : json == 2 ? WHORL_RENDER_MARKDOWN : WHORL_RENDER_TEXT, &text, &len, &err);
  whorl_json_free(report);
  if (rc) {
    cli_error(&err);
    return EXIT_ERROR;
  }
  int wrc = cli_write_stdout(text, len);
  free(text);
  if (wrc || fflush(stdout) != 0 || ferror(stdout)) {
    cli_msg("error: cannot write to standard output");
    return EXIT_ERROR;
  }
  return identical ? EXIT_SAME : EXIT_DIFFERENT;
}
