/* cmd_fingerprint.c - `whorl fingerprint` (alias `fp`). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char help[] =
    "usage: whorl fingerprint [options] PATH...\n"
    "       whorl fp [options] PATH...\n"
    "\n"
    "Fingerprint files, folders, tables, models and feature pipelines. The id\n"
    "depends on content only: never on time, location, host, thread count or\n"
    "listing order.\n"
    "\n"
    "Tables (CSV/TSV, JSON Lines and JSON arrays of objects, each plain, .gz or\n"
    ".zst; Parquet; NumPy .npy/.npz) are recognised by content and extension\n"
    "and fingerprinted by their values (kind \"table\"): the same table in\n"
    "another format, with other quoting, line endings or number spelling has\n"
    "the same logical id, and get a statistical profile for drift checks.\n"
    "Table documents are kept in the stat cache.\n"
    "PATH '-' is standard input; it, and a pipe (/dev/stdin, <(zcat x.gz)),\n"
    "is read to its end into a temporary file in $TMPDIR first (name the\n"
    "format with --as when its content does not tell).\n"
    "\n"
    "options:\n"
    "  --level LEVEL          quick: size, format and 16 sampled blocks (constant\n"
    "                         I/O); content: BLAKE3 of every byte, equal to\n"
    "                         b3sum, plus content-defined chunk hashes; logical:\n"
    "                         tables by value (and content); profile: logical\n"
    "                         plus per-column statistics (counts, min/max, mean,\n"
    "                         stddev, quantiles, distinct, frequent values) and a\n"
    "                         row sample, mergeable with 'whorl merge'\n"
    "                         (docs/profile.md); stats: models, content plus\n"
    "                         per-tensor weight statistics. Default: profile\n"
    "                         for tables, content for everything else\n"
    "  --as FORMAT            read the file as this table format: csv, tsv,\n"
    "                         jsonl, json (an array of objects), parquet, npy, npz\n"
    "  --delimiter C          CSV field separator (default: sniffed among , tab ; |)\n"
    "  --no-header            CSV: the first row is data (columns are named 0, 1, ...)\n"
    "  --header               CSV: the first row names the columns (default: detected)\n"
    "  --strict               ragged CSV rows and invalid UTF-8 are errors, not warnings\n"
    "  --key-file FILE        keyed mode: value (and byte) hashes keyed by a secret\n"
    "                         drawn from FILE, so no guessed value can be checked\n"
    "                         against them (the profile's numeric summaries stay\n"
    "                         in clear: --level logical leaves them out)\n"
    "  --digest LIST          also compute these digests: sha256, md5\n"
    "                         (equal to sha256sum / md5sum) of files, of the\n"
    "                         files in folders and of tables; not for models\n"
    "  --json                 print the fingerprint document(s) as JSON\n"
    "                         (docs/fingerprint-format.md); several paths give\n"
    "                         a JSON array\n"
    "  -o, --output FILE      write the JSON document to FILE (one PATH only)\n"
    "\n"
    "Models (kind \"model\"): safetensors (and sharded folders), GGUF, ONNX,\n"
    "PyTorch checkpoints (.pt, .pth, .bin, .ckpt) and Hugging Face folders\n"
    "(config.json and weights) are recognised; --model reads .npy/.npz as\n"
    "models too (docs/model.md). Levels: quick (headers: layout, config),\n"
    "content (default: per-tensor hashes, format-independent, weights.root),\n"
    "stats (+ weight statistics).\n"
    "  --model, --no-model    read PATH as a model / never as a model\n"
    "  --config FILE          a JSON or YAML file for the model's config section\n"
    "  --param KEY=VALUE      a training parameter (seed, optimizer, lr, ...; repeat)\n"
    "  --training-file FILE   a file of the training regime (script, optimizer\n"
    "                         state; repeat)\n"
    "  --allow-unsafe-pickle  exit 0 even when a pickle names globals outside the\n"
    "                         allow-list (they are reported, never run)\n"
    "\n"
    "  --features MATRIX      fingerprint a feature pipeline (kind \"features\"):\n"
    "                         the matrix (a table) with its profile and Pearson\n"
    "                         correlations, and with\n"
    "  --pipeline SPEC        the pipeline spec, JSON or YAML (canonical: key\n"
    "                         order and formatting do not count)\n"
    "  --code FILE            a code file of the pipeline (repeat for several)\n"
    "  --input PATH           the input dataset: data, or its saved fingerprint\n"
    "\n"
    "  --id                   print only '<id>  <path>' lines (b3sum style)\n"
    "  --no-chunks            leave the chunk list out of file documents\n"
    "  --no-entries           leave the entry list out of folder documents (a\n"
    "                         summary with the same id; diff can then only say\n"
    "                         whether something changed)\n"
    "  --no-cache             neither read nor update the stat cache\n"
    "  --cache FILE           use this stat cache database\n"
    "  --threads N            worker threads (default: all cores)\n"
    "  --stats                print work counters to stderr (files, stat-cache\n"
    "                         hits, bytes read, seconds)\n"
    "  -q, --quiet            no warnings on stderr\n"
    "  -h, --help             this help\n"
    "\n"
    "Exit status: 0 ok, 1 an unsafe pickle in a model, a pickle file or a\n"
    "folder's pickle-bearing files (see --allow-unsafe-pickle), 2 error\n"
    "(nothing is printed for a path that failed).\n";

enum { OPT_LEVEL = 256, OPT_DIGEST, OPT_JSON, OPT_ID, OPT_NOCHUNKS, OPT_NOCACHE, OPT_CACHE, OPT_THREADS, OPT_STATS, OPT_NOENTRIES,
       OPT_FEATURES, OPT_PIPELINE, OPT_CODE, OPT_INPUT, OPT_MODEL, OPT_NOMODEL, OPT_CONFIG, OPT_PARAM, OPT_TRAINFILE,
       OPT_ALLOWUNSAFE };

static whorl_json *last_doc;

/* "<id>  <path>\n" exactly as b3sum prints it: a name holding a newline or
 * a backslash is escaped (\n, \\) and the line then starts with '\'. */
static char *id_line(const char *id, const char *path, size_t *len) {
  size_t pl = strlen(path), extra = 0;
  for (size_t k = 0; k < pl; k++) extra += path[k] == '\n' || path[k] == '\\';
  size_t cap = 1 + strlen(id) + 2 + pl + extra + 2;
  char *t = malloc(cap), *o = t;
  if (!t) return NULL;
  if (extra) *o++ = '\\';
  o += sprintf(o, "%s  ", id);
  for (size_t k = 0; k < pl; k++) {
    if (path[k] == '\n') *o++ = '\\', *o++ = 'n';
    else if (path[k] == '\\') *o++ = '\\', *o++ = '\\';
    else *o++ = path[k];
  }
  *o++ = '\n';
  *o = 0;
  *len = (size_t)(o - t);
  return t;
}

/* `whorl fp --features MATRIX --pipeline SPEC ...`: one document. */
static int features(const whorl_features_spec *fs, whorl_fp_options *o, cli_ctx *ctx, int json, int idonly,
                    const char *output, int npaths) {
  if (!fs->matrix || !fs->pipeline) {
    cli_msg("error: a features fingerprint needs --features MATRIX and --pipeline SPEC (see 'whorl fp --help')");
    return EXIT_ERROR;
  }
  if (npaths) {
    cli_msg("error: with --features, give the matrix with --features only (no other PATH)");
    return EXIT_ERROR;
  }
  o->on_issue = cli_issue;
  o->on_progress = cli_progress;
  o->cb_ctx = ctx;
  whorl_error err;
  whorl_error_clear(&err);
  whorl_json *doc = NULL;
  int before = ctx->fatal_reported;
  int rc = whorl_fingerprint_features(fs, o, &doc, &err);
  cli_progress_end(ctx);
  if (rc) {
    if (ctx->fatal_reported == before) cli_error(&err);
    return EXIT_ERROR;
  }
  char *text = NULL;
  size_t len = 0;
  if (idonly && !output) { /* "<id>  <matrix>", as for any other path */
    text = id_line(whorl_json_object_get_string(doc, "id"), fs->matrix, &len);
    if (!text) {
      whorl_json_free(doc);
      cli_msg("error: out of memory");
      return EXIT_ERROR;
    }
  } else {
    rc = whorl_render(doc, output || json ? WHORL_RENDER_JSON : WHORL_RENDER_TEXT, &text, &len, &err);
  }
  whorl_json_free(doc);
  int status = 0;
  if (rc) {
    cli_error(&err);
    status = EXIT_ERROR;
  } else if (output) {
    if (cli_write_file(output, text, len)) status = EXIT_ERROR;
  } else if (cli_write_stdout(text, len) || fflush(stdout)) {
    cli_msg("error: cannot write to standard output");
    status = EXIT_ERROR;
  }
  free(text);
  return status;
}

static int fp_main(int argc, char **argv, const char **code, const char **params, const char **tfiles) {
  static const struct option longopts[] = {
      {"level", required_argument, NULL, OPT_LEVEL},  {"digest", required_argument, NULL, OPT_DIGEST},
      {"json", no_argument, NULL, OPT_JSON},          {"output", required_argument, NULL, 'o'},
      {"id", no_argument, NULL, OPT_ID},              {"no-chunks", no_argument, NULL, OPT_NOCHUNKS},
      {"no-entries", no_argument, NULL, OPT_NOENTRIES},
      {"no-cache", no_argument, NULL, OPT_NOCACHE},   {"cache", required_argument, NULL, OPT_CACHE},
      {"threads", required_argument, NULL, OPT_THREADS}, {"quiet", no_argument, NULL, 'q'},
      {"stats", no_argument, NULL, OPT_STATS},     {"help", no_argument, NULL, 'h'},
      {"features", required_argument, NULL, OPT_FEATURES}, {"pipeline", required_argument, NULL, OPT_PIPELINE},
      {"code", required_argument, NULL, OPT_CODE},  {"input", required_argument, NULL, OPT_INPUT},
      {"model", no_argument, NULL, OPT_MODEL},      {"no-model", no_argument, NULL, OPT_NOMODEL},
      {"config", required_argument, NULL, OPT_CONFIG}, {"param", required_argument, NULL, OPT_PARAM},
      {"training-file", required_argument, NULL, OPT_TRAINFILE},
      {"allow-unsafe-pickle", no_argument, NULL, OPT_ALLOWUNSAFE},
      CLI_TABLE_LONGOPTS,
      {NULL, 0, NULL, 0}};
  whorl_fp_options o = WHORL_FP_OPTIONS_INIT;
  cli_ctx ctx = {0, 0, 0, cli_now_ns()};
  int json = 0, idonly = 0, stats = 0;
  whorl_fp_stats st;
  const char *output = NULL;
  whorl_features_spec fs = {NULL, NULL, NULL, 0, NULL};
  int allow_unsafe = 0, unsafe_seen = 0, write_reported = 0;
  o.params = params;
  o.training_files = tfiles;
  fs.code = code;
  whorl_error err;
  whorl_error_clear(&err);
  optind = 1;
  opterr = 0; /* our own messages, prefixed "whorl:" */
  int c;
  /* options that take one value: given twice is a mistake, not "the last wins" */
  const char *seen_once[16] = {0};
  const int once_opts[] = {OPT_LEVEL, OPT_DIGEST, 'o', OPT_FEATURES, OPT_PIPELINE, OPT_INPUT, OPT_CONFIG, OPT_CACHE,
                           OPT_THREADS, CLI_OPT_AS, CLI_OPT_DELIM, CLI_OPT_KEYFILE};
  int level_given = 0, digest_given = 0, cache_given = 0;
  while ((c = getopt_long(argc, argv, "o:qh", longopts, NULL)) != -1) {
    for (size_t k = 0; k < sizeof once_opts / sizeof *once_opts; k++) {
      if (c != once_opts[k]) continue;
      if (seen_once[k]) {
        const char *nm = c == 'o' ? "output" : "?";
        for (const struct option *lo = longopts; lo->name; lo++)
          if (lo->val == c) nm = lo->name;
        cli_msg("error: --%s given twice ('%s', then '%s'): give it once", nm, seen_once[k], optarg ? optarg : "");
        return EXIT_ERROR;
      }
      seen_once[k] = optarg ? optarg : "";
    }
    if (c == OPT_LEVEL) level_given = 1;
    if (c == OPT_DIGEST) digest_given = 1;
    if (c == OPT_CACHE || c == OPT_NOCACHE) {
      if (cache_given && cache_given != c) {
        cli_msg("error: --cache and --no-cache contradict each other: give one");
        return EXIT_ERROR;
      }
      cache_given = c;
    }
    if ((c == OPT_MODEL && o.model == 0) || (c == OPT_NOMODEL && o.model == 1)) {
      cli_msg("error: --model and --no-model contradict each other: give one");
      return EXIT_ERROR;
    }
    switch (c) {
    case OPT_LEVEL:
      if (cli_parse_level(optarg, &o.level)) return EXIT_ERROR;
      break;
    case OPT_DIGEST:
      if (whorl_digest_parse_list(optarg, &o.digests, &err)) {
        cli_error(&err);
        return EXIT_ERROR;
      }
      break;
    case OPT_JSON: json = 1; break;
    case 'o': output = optarg; break;
    case OPT_ID: idonly = 1; break;
    case OPT_NOENTRIES: o.entries = 0; break;
    case OPT_NOCHUNKS: o.chunks = 0; break;
    case OPT_NOCACHE: o.use_cache = 0; break;
    case OPT_CACHE: o.cache_path = optarg; break;
    case OPT_THREADS:
      if (cli_parse_threads(optarg, &o.threads)) return EXIT_ERROR;
      break;
    case OPT_STATS: stats = 1; break;
    case OPT_FEATURES: fs.matrix = optarg; break;
    case OPT_PIPELINE: fs.pipeline = optarg; break;
    case OPT_CODE: code[fs.ncode++] = optarg; break;
    case OPT_INPUT: fs.input = optarg; break;
    case OPT_MODEL: o.model = 1; break;
    case OPT_NOMODEL: o.model = 0; break;
    case OPT_CONFIG: o.config_file = optarg; break;
    case OPT_PARAM: params[o.nparams++] = optarg; break;
    case OPT_TRAINFILE: tfiles[o.ntraining_files++] = optarg; break;
    case OPT_ALLOWUNSAFE: allow_unsafe = 1; break;
    case CLI_OPT_AS: case CLI_OPT_DELIM: case CLI_OPT_NOHEADER: case CLI_OPT_HEADER: case CLI_OPT_STRICT: case CLI_OPT_KEYFILE:
      if (cli_table_opt(c, optarg, &o)) return EXIT_ERROR;
      break;
    case 'q': ctx.quiet = 1; break;
    case 'h': fputs(help, stdout); return 0;
    default:
      cli_msg("error: unknown option or missing value: '%s' (see 'whorl fp --help')", argv[optind - 1]);
      return EXIT_ERROR;
    }
  }
  int npaths = argc - optind;
  if (json && idonly) {
    cli_msg("error: --json and --id contradict each other: give one");
    return EXIT_ERROR;
  }
  if (output && idonly) { /* -o writes the whole JSON document; --id asks for the id line alone */
    cli_msg("error: --output and --id contradict each other: give one");
    return EXIT_ERROR;
  }
  if (fs.matrix || fs.pipeline || fs.ncode || fs.input) {
    if (level_given || digest_given) {
      cli_msg("error: %s does not apply to --features (a features fingerprint has one level: the matrix at the profile level)",
              level_given ? "--level" : "--digest");
      return EXIT_ERROR;
    }
    return features(&fs, &o, &ctx, json, idonly, output, npaths);
  }
  if (npaths < 1) {
    cli_msg("error: no PATH given (see 'whorl fp --help')");
    return EXIT_ERROR;
  }
  if (output && npaths != 1) {
    cli_msg("error: --output takes exactly one PATH");
    return EXIT_ERROR;
  }
  if (o.level == WHORL_LEVEL_QUICK && o.digests) {
    cli_msg("error: --digest needs --level content (quick reads only sampled blocks)");
    return EXIT_ERROR;
  }
  o.on_issue = cli_issue;
  o.on_progress = cli_progress;
  o.cb_ctx = &ctx;
  if (stats) o.stats = &st;
  /* Only the id is printed: build no more document than it needs. */
  if (idonly && !json && !output) o.chunks = o.entries = 0;
  int status = 0;
  int first_json = 1;
  if (json && !output && npaths > 1) fputs("[\n", stdout);
  for (int i = optind; i < argc; i++) {
    whorl_json *doc = NULL;
    int before = ctx.fatal_reported;
    ctx.start_ns = cli_now_ns();
    int rc = whorl_fingerprint(argv[i], &o, &doc, &err);
    cli_progress_end(&ctx);
    if (stats && !rc)
      fprintf(stderr, "whorl: stats: %s: %llu file%s, %llu from the stat cache, %llu bytes read, %.3f s\n", argv[i],
              (unsigned long long)st.files, st.files == 1 ? "" : "s", (unsigned long long)st.cache_hits, (unsigned long long)st.bytes_read,
              (double)(cli_now_ns() - ctx.start_ns) / 1e9);
    if (rc) {
      if (ctx.fatal_reported == before) cli_error(&err);
      status = EXIT_ERROR;
      continue;
    }
    const whorl_json *unsafe = whorl_json_object_get(doc, "unsafe");
    if (whorl_json_size(unsafe) && !allow_unsafe) {
      unsafe_seen = 1;
      for (size_t k = 0; k < whorl_json_size(unsafe) && k < 10; k++) {
        const whorl_json *f = whorl_json_array_get(unsafe, k);
        cli_msg("unsafe: %s: %s (%s)", argv[i], whorl_json_object_get_string(f, "finding"), whorl_json_object_get_string(f, "where"));
      }
      if (whorl_json_size(unsafe) > 10)
        cli_msg("unsafe: %s: ... and %zu more (the text or --json output lists all)", argv[i], whorl_json_size(unsafe) - 10);
    }
    char *text = NULL;
    size_t len = 0;
    if (json && !output && npaths == 1) {
      /* One document to stdout: streamed, never held whole in memory. */
      rc = whorl_json_write(doc, 1, cli_stdout_sink, NULL);
      if (i + 1 == argc) last_doc = doc;
      else whorl_json_free(doc);
      if (rc) {
        if (ferror(stdout)) write_reported = 1, cli_msg("error: cannot write to standard output");
        else cli_msg("error: %s: the document holds text that is not valid UTF-8 (a whorl bug: please report it)", argv[i]);
        status = EXIT_ERROR;
      }
      continue;
    }
    if (output || json) {
      rc = whorl_render(doc, WHORL_RENDER_JSON, &text, &len, &err);
    } else if (idonly) {
      text = id_line(whorl_json_object_get_string(doc, "id"), argv[i], &len);
      if (!text) rc = WHORL_ENOMEM;
    } else {
      rc = whorl_render(doc, WHORL_RENDER_TEXT, &text, &len, &err);
    }
    /* The last document is left to the process exit (like git's UNLEAK):
     * freeing 10,000 entries costs more than printing them. It stays
     * reachable from a static, so leak checkers do not report it. */
    if (i + 1 == argc) last_doc = doc;
    else whorl_json_free(doc);
    if (rc) {
      cli_error(&err);
      status = EXIT_ERROR;
      free(text);
      continue;
    }
    if (output) {
      if (cli_write_file(output, text, len)) status = EXIT_ERROR;
    } else if (json && npaths > 1) {
      if (!first_json) fputs(",\n", stdout);
      /* Drop the trailing newline inside the array. */
      cli_write_stdout(text, len && text[len - 1] == '\n' ? len - 1 : len);
      first_json = 0;
    } else {
      if (!json && !idonly && npaths > 1 && i > optind) fputc('\n', stdout);
      if (cli_write_stdout(text, len)) status = EXIT_ERROR;
    }
    free(text);
  }
  if (json && !output && npaths > 1) fputs("\n]\n", stdout);
  if ((fflush(stdout) != 0 || ferror(stdout)) && !write_reported) {
    cli_msg("error: cannot write to standard output");
    status = EXIT_ERROR;
  }
  /* an unsafe pickle is a violation (1) unless allowed; errors (2) win */
  if (unsafe_seen && status == 0) status = EXIT_DIFFERENT;
  return status;
}

int cmd_fingerprint(int argc, char **argv) {
  /* the lists of repeated options: freed here whatever fp_main returns */
  const char **code = calloc((size_t)argc + 1, sizeof *code);
  const char **params = calloc((size_t)argc + 1, sizeof *params), **tfiles = calloc((size_t)argc + 1, sizeof *tfiles);
  int rc = code && params && tfiles ? fp_main(argc, argv, code, params, tfiles) : EXIT_ERROR;
  free(code);
  free(params);
  free(tfiles);
  return rc;
}
