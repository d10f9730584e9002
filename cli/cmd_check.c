/* cmd_check.c - `whorl lock PATH...` and `whorl check`. */
#include <getopt.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char lock_help[] =
    "usage: whorl lock [options] PATH...\n"
    "       whorl lock --update [NAME...]\n"
    "       whorl lock --remove NAME...\n"
    "\n"
    "Record baselines: the fingerprint of each PATH (tables with their profile)\n"
    "goes into the lock file (whorl.lock by default), pretty JSON with sorted\n"
    "keys, deterministic and line-diff friendly: commit it. Names are relative\n"
    "to the lock file's folder. An existing entry is replaced. After an intended\n"
    "change, --update NAME fingerprints it again (all entries without NAME),\n"
    "with the reader options it was locked with (docs/check.md). --remove NAME\n"
    "drops an artifact deleted or renamed on purpose from the lock.\n"
    "\n"
    "options:\n"
    "  --lock FILE            the lock file (default: whorl.lock)\n"
    "  --update               only artifacts already locked\n"
    "  --remove               drop the named entries (their files may be gone)\n"
    "  --level LEVEL          as for 'whorl fp' (default: profile for tables,\n"
    "                         content otherwise)\n"
    "  --model                read the paths as models\n"
    "  --config FILE, --param KEY=VALUE, --training-file FILE\n"
    "                         a model's config and training regime (see 'whorl fp\n"
    "                         --help'); kept in the lock and used again by check\n"
    "  --features MATRIX --pipeline SPEC [--code FILE]... [--input DATA]\n"
    "                         lock a feature pipeline under the matrix's name\n"
    "  --as, --delimiter, --no-header, --header, --strict, --key-file\n"
    "                         how to read tables (see 'whorl fp --help')\n"
    "  --threads N            worker threads (default: all cores)\n"
    "  -h, --help             this help\n"
    "\n"
    "Exit status: 0 written, 2 error (the lock file is left as it was).\n";

static const char check_help[] =
    "usage: whorl check [options]\n"
    "\n"
    "Compare every artifact of the lock file with its current state and judge\n"
    "the differences by a policy (YAML or JSON; docs/check.md). Without a\n"
    "policy: any change of content fails, re-serialized tables pass, drift\n"
    "thresholds PSI 0.1 (warn) / 0.25 (fail) and KS 0.1 (fail) apply to\n"
    "every changed table column. Unchanged files come from the stat\n"
    "cache, so an unchanged project is checked in a moment.\n"
    "\n"
    "options:\n"
    "  --lock FILE            the lock file (default: whorl.lock)\n"
    "  --policy FILE          the policy (default: whorl.policy, whorl.policy.yaml,\n"
    "                         whorl.policy.yml or whorl.policy.json beside the lock\n"
    "                         file, if present)\n"
    "  --format FORMAT        text (default), json, markdown (a pull-request\n"
    "                         comment) or junit (JUnit XML for CI systems)\n"
    "  --json                 the same as --format json\n"
    "  --threads N            worker threads (default: all cores)\n"
    "  --no-cache             neither read nor update the stat cache\n"
    "  -h, --help             this help\n"
    "\n"
    "Exit status: 0 pass (warnings allowed), 1 a failing rule (a change, drift,\n"
    "a missing or unreadable artifact), 2 error (no lock file, a bad policy).\n";

enum { OPT_LOCK = 256, OPT_UPDATE, OPT_LEVEL, OPT_MODEL, OPT_THREADS, OPT_POLICY, OPT_FORMAT, OPT_JSONFMT, OPT_NOCACHE,
       OPT_FEATURES, OPT_PIPELINE, OPT_CODE, OPT_INPUT, OPT_CONFIG, OPT_PARAM, OPT_TRAINFILE, OPT_REMOVE };

static int lock_main(int argc, char **argv, const char **code, const char **params, const char **tfiles) {
  static const struct option longopts[] = {{"lock", required_argument, NULL, OPT_LOCK},   {"update", no_argument, NULL, OPT_UPDATE},
                                           {"level", required_argument, NULL, OPT_LEVEL}, {"model", no_argument, NULL, OPT_MODEL},
                                           {"threads", required_argument, NULL, OPT_THREADS},
                                           {"features", required_argument, NULL, OPT_FEATURES}, {"pipeline", required_argument, NULL, OPT_PIPELINE},
                                           {"code", required_argument, NULL, OPT_CODE},  {"input", required_argument, NULL, OPT_INPUT},
                                           {"config", required_argument, NULL, OPT_CONFIG}, {"param", required_argument, NULL, OPT_PARAM},
                                           {"training-file", required_argument, NULL, OPT_TRAINFILE},
                                           {"remove", no_argument, NULL, OPT_REMOVE},
                                           {"help", no_argument, NULL, 'h'},              CLI_TABLE_LONGOPTS,
                                           {NULL, 0, NULL, 0}};
  whorl_fp_options o = WHORL_FP_OPTIONS_INIT;
  cli_ctx ctx;
  memset(&ctx, 0, sizeof ctx);
  o.on_issue = cli_issue; /* warnings: an unsafe model locked, ... */
  o.cb_ctx = &ctx;
  whorl_features_spec fs = {NULL, NULL, code, 0, NULL};
  o.params = params;
  o.training_files = tfiles;
  const char *lock = "whorl.lock";
  int update = 0, remove = 0, c;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
    if (cli_once(longopts, c, optarg)) return EXIT_ERROR;
    switch (c) {
    case OPT_LOCK: lock = optarg; break;
    case OPT_UPDATE: update = 1; break;
    case OPT_REMOVE: remove = 1; break;
    case OPT_LEVEL:
      if (cli_parse_level(optarg, &o.level)) return EXIT_ERROR;
      break;
    case OPT_MODEL: o.model = 1; break;
    case OPT_THREADS:
      if (cli_parse_threads(optarg, &o.threads)) return EXIT_ERROR;
      break;
    case OPT_FEATURES: fs.matrix = optarg; break;
    case OPT_PIPELINE: fs.pipeline = optarg; break;
    case OPT_CODE: code[fs.ncode++] = optarg; break;
    case OPT_INPUT: fs.input = optarg; break;
    case OPT_CONFIG: o.config_file = optarg; break;
    case OPT_PARAM: params[o.nparams++] = optarg; break;
    case OPT_TRAINFILE: tfiles[o.ntraining_files++] = optarg; break;
    case CLI_OPT_AS: case CLI_OPT_DELIM: case CLI_OPT_NOHEADER: case CLI_OPT_HEADER: case CLI_OPT_STRICT: case CLI_OPT_KEYFILE:
      if (cli_table_opt(c, optarg, &o)) return EXIT_ERROR;
      break;
    case 'h': fputs(lock_help, stdout); return 0;
    default:
      cli_msg("error: unknown option or missing value: '%s' (see 'whorl lock --help')", argv[optind - 1]);
      return EXIT_ERROR;
    }
  }
  int n = argc - optind;
  const char *const *paths = (const char *const *)argv + optind;
  if (remove) {
    if (update || fs.matrix || fs.pipeline || fs.ncode || fs.input || o.level != WHORL_LEVEL_AUTO || o.model >= 0 || o.config_file ||
        o.nparams || o.ntraining_files || o.table_format || o.delimiter || o.header >= 0 || o.strict || o.key_file) {
      cli_msg("error: --remove takes only the names to drop (whorl lock --remove NAME...)");
      return EXIT_ERROR;
    }
    if (!n) {
      cli_msg("error: give the names to remove (whorl lock --remove NAME...)");
      return EXIT_ERROR;
    }
    whorl_error err;
    whorl_error_clear(&err);
    if (whorl_lock_remove(lock, paths, (size_t)n, &err) != WHORL_OK) {
      cli_error(&err);
      return EXIT_ERROR;
    }
    cli_msg("%s: removed %d artifact%s", lock, n, n == 1 ? "" : "s");
    return 0;
  }
  if (update && (o.level != WHORL_LEVEL_AUTO || o.model >= 0 || o.config_file || o.nparams || o.ntraining_files || o.table_format ||
                 o.delimiter || o.header >= 0 || o.strict || o.key_file)) {
    cli_msg("error: --update fingerprints entries again with the options they were locked with; to change them, lock the path "
            "again with the new options (whorl lock OPTIONS PATH)");
    return EXIT_ERROR;
  }
  if (fs.matrix || fs.pipeline || fs.ncode || fs.input) {
    if (!fs.matrix || !fs.pipeline || n || update) {
      cli_msg("error: a feature pipeline is locked with --features MATRIX --pipeline SPEC (no other PATH, no --update)");
      return EXIT_ERROR;
    }
    o.features = &fs;
    paths = &fs.matrix;
    n = 1;
  }
  if (!n && !update) {
    cli_msg("error: give the paths to lock, or --update (see 'whorl lock --help')");
    return EXIT_ERROR;
  }
  whorl_error err;
  whorl_error_clear(&err);
  if (whorl_lock(lock, paths, (size_t)n, update, &o, &err) != WHORL_OK) {
    cli_error(&err);
    return EXIT_ERROR;
  }
  if (update && !n) { /* every locked artifact was fingerprinted again */
    whorl_json *l = NULL;
    if (whorl_json_parse_file(lock, (size_t)1 << 30, &l, &err) == WHORL_OK)
      n = (int)whorl_json_size(whorl_json_object_get(l, "artifacts"));
    whorl_json_free(l);
  }
  cli_msg("%s: %s %d artifact%s", lock, update ? "updated" : "locked", n, n == 1 ? "" : "s");
  return 0;
}

int cmd_lock(int argc, char **argv) {
  const char **code = calloc((size_t)argc + 1, sizeof *code), **params = calloc((size_t)argc + 1, sizeof *params),
             **tfiles = calloc((size_t)argc + 1, sizeof *tfiles);
  int rc = code && params && tfiles ? lock_main(argc, argv, code, params, tfiles) : EXIT_ERROR;
  free(code);
  free(params);
  free(tfiles);
  return rc;
}

int cmd_check(int argc, char **argv) {
  static const struct option longopts[] = {{"lock", required_argument, NULL, OPT_LOCK},     {"policy", required_argument, NULL, OPT_POLICY},
                                           {"format", required_argument, NULL, OPT_FORMAT}, {"threads", required_argument, NULL, OPT_THREADS},
                                           {"no-cache", no_argument, NULL, OPT_NOCACHE},    {"help", no_argument, NULL, 'h'},
                                           {"json", no_argument, NULL, OPT_JSONFMT},        {NULL, 0, NULL, 0}};
  whorl_fp_options o = WHORL_FP_OPTIONS_INIT;
  const char *lock = "whorl.lock", *policy = NULL, *format = "text";
  int c, format_given = 0;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
    if (cli_once(longopts, c, optarg)) return EXIT_ERROR;
    switch (c) {
    case OPT_LOCK: lock = optarg; break;
    case OPT_POLICY: policy = optarg; break;
    case OPT_FORMAT:
    case OPT_JSONFMT: {
      const char *f = c == OPT_JSONFMT ? "json" : optarg;
      if (format_given && strcmp(f, format)) {
        cli_msg("error: two different output formats given (--json / --format): give one");
        return EXIT_ERROR;
      }
      format = f;
      format_given = 1;
      break;
    }
    case OPT_NOCACHE: o.use_cache = 0; break;
    case OPT_THREADS:
      if (cli_parse_threads(optarg, &o.threads)) return EXIT_ERROR;
      break;
    case 'h': fputs(check_help, stdout); return 0;
    default:
      cli_msg("error: unknown option or missing value: '%s' (see 'whorl check --help')", argv[optind - 1]);
      return EXIT_ERROR;
    }
  }
  if (optind != argc) {
    cli_msg("error: whorl check takes no paths: it checks the lock file's artifacts (see --lock)");
    return EXIT_ERROR;
  }
  if (strcmp(format, "text") && strcmp(format, "json") && strcmp(format, "markdown") && strcmp(format, "junit")) {
    cli_msg("error: unknown format '%s' (choose text, json, markdown or junit)", format);
    return EXIT_ERROR;
  }
  /* a policy beside the lock file, when none is named */
  /* two of them would leave the gate's rules to the order looked in:
   * an error, as is one that is no regular file */
  char found[4096], other[4096];
  if (!policy) {
    const char *slash = strrchr(lock, '/');
    static const char *names[] = {"whorl.policy", "whorl.policy.yaml", "whorl.policy.yml", "whorl.policy.json"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
      char *at = policy ? other : found;
      snprintf(at, sizeof found, "%.*s%s", slash ? (int)(slash - lock + 1) : 0, lock, names[i]);
      struct stat pst;
      if (stat(at, &pst) != 0) continue;
      if (!S_ISREG(pst.st_mode)) {
        cli_msg("error: %s: not a regular file (a policy file is one)", at);
        return EXIT_ERROR;
      }
      if (policy) {
        cli_msg("error: two policy files, %s and %s: which one is meant? Keep one, or name it with --policy", found, other);
        return EXIT_ERROR;
      }
      policy = found;
    }
  }
  whorl_error err;
  whorl_error_clear(&err);
  whorl_json *rep = NULL;
  int failed = 0;
  if (whorl_check(lock, policy, &o, &rep, &failed, &err) != WHORL_OK) {
    cli_error(&err);
    return EXIT_ERROR;
  }
  char *text = NULL;
  size_t len = 0;
  int status = failed ? EXIT_DIFFERENT : EXIT_SAME;
  if (whorl_check_render(rep, format, &text, &len, &err) != WHORL_OK) {
    cli_error(&err);
    status = EXIT_ERROR;
  } else if (cli_write_stdout(text, len)) {
    cli_msg("error: cannot write to standard output");
    status = EXIT_ERROR;
  }
  free(text);
  whorl_json_free(rep);
  return status;
}
