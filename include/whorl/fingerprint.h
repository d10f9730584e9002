/*
 * whorl/fingerprint.h - fingerprints of files and folders.
 *
 * A fingerprint is a JSON document (see docs/fingerprint-format.md) whose
 * "id" is determined by content alone: never by time, absolute path, host,
 * thread count or directory-listing order. Documents are returned as
 * whorl_json trees owned by the caller (whorl_json_free).
 */
#ifndef WHORL_FINGERPRINT_H
#define WHORL_FINGERPRINT_H

#include <stddef.h>
#include <stdint.h>
#include "errors.h"
#include "json.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Version of the fingerprint document format ("whorl" member). */
#define WHORL_FORMAT_VERSION 1

typedef enum whorl_level {
  WHORL_LEVEL_AUTO = 0,    /* the deepest level that fits the input: profile
                              for tables, content otherwise */
  WHORL_LEVEL_QUICK = 1,   /* size, sniffed format, sampled blocks: O(1) I/O */
  WHORL_LEVEL_CONTENT = 2, /* every byte: BLAKE3 (+ optional digests), chunks */
  WHORL_LEVEL_LOGICAL = 3, /* tables: values, independent of the file format
                              (and content, so a diff can tell both apart) */
  WHORL_LEVEL_PROFILE = 4, /* tables: logical + a statistical profile per
                              column (docs/profile.md) */
  WHORL_LEVEL_STATS = 5    /* models: content + weight statistics per
                              floating tensor (docs/model.md) */
} whorl_level;

/* Parses "quick" / "content" / "logical" / "profile" / "stats" ("auto" too). Returns WHORL_OK or
 * WHORL_EINVAL. */
int whorl_level_parse(const char *s, whorl_level *out);
const char *whorl_level_name(whorl_level level);

/* Something noticed during a walk that is not the caller's whole answer:
 * a skipped special file (fatal = 0) or an unreadable/changing file
 * (fatal = 1: the fingerprint as a whole fails with err->code). */
typedef void (*whorl_issue_cb)(void *ctx, const whorl_error *issue, int fatal);
/* Progress of long work: bytes done out of bytes known so far. Called from
 * one of whorl's threads (never two at once), at most ~10 times a second. */
typedef void (*whorl_progress_cb)(void *ctx, uint64_t done, uint64_t total);

/* Work counters of one whorl_fingerprint call (not part of any document:
 * they depend on the cache and the machine). */
typedef struct whorl_fp_stats {
  uint64_t files;        /* regular files fingerprinted */
  uint64_t cache_hits;   /* of which answered by the stat cache */
  uint64_t bytes_read;   /* bytes read from files */
} whorl_fp_stats;

#define WHORL_FP_OPTIONS_VERSION 1
typedef struct whorl_fp_options {
  unsigned version;         /* WHORL_FP_OPTIONS_VERSION */
  whorl_level level;        /* default WHORL_LEVEL_CONTENT */
  unsigned digests;         /* extra whorl_digest_kind bits (BLAKE3 is implied) */
  int threads;              /* worker threads; 0 = number of online CPUs */
  int use_cache;            /* consult and update the stat cache (default 1) */
  const char *cache_path;   /* SQLite file to use; NULL = discover (see docs) */
  int chunks;               /* include the chunk list of single files (default 1) */
  int entries;              /* include the entry list of folders (default 1); without
                               it a folder document is a summary: same id, but a
                               diff can then only say that something changed */
  whorl_issue_cb on_issue;  /* may be NULL */
  whorl_progress_cb on_progress; /* may be NULL */
  void *cb_ctx;
  whorl_fp_stats *stats;    /* if non-NULL, filled (zeroed first) */
  /* Tables (kind "table", docs/fingerprint-format.md): */
  const char *table_format; /* "csv", "tsv", "jsonl", "parquet", "npy"; NULL =
                               recognise by content and extension */
  char delimiter;           /* CSV: 0 = sniff */
  int header;               /* CSV: -1 = detect, 0 = no header row, 1 = header */
  int strict;               /* ragged rows / invalid UTF-8: errors, not warnings */
  const char *key_file;     /* keyed mode: value hashes keyed by a secret drawn
                               from this file's bytes (NULL = plain hashes) */
  /* Models (kind "model", docs/model.md): */
  int model;                /* -1 = recognise model files (safetensors, GGUF,
                               PyTorch, Hugging Face folders), 1 = read the
                               path as a model (also .npy/.npz), 0 = never */
  const char *config_file;  /* a JSON or YAML file for the config section */
  const char *const *params; /* "KEY=VALUE" training parameters */
  size_t nparams;
  const char *const *training_files; /* files of the training section */
  size_t ntraining_files;
  /* whorl_lock: the path is a feature matrix, locked as this pipeline
   * (kind "features"; spec->matrix is ignored). NULL: not a pipeline. */
  const struct whorl_features_spec *features;
  /* Single files at the content level: the quick-tier id (hex) they had.
   * When the stat cache cannot answer and the quick tier (size and sampled
   * blocks) already differs, the file is not read in full: the result is
   * its quick-level document. NULL: always the full content. */
  const char *expect_quick;
  /* Folders (and a model folder's extras): these paths, relative to the
   * folder and '/'-separated, are left out (a folder with everything in
   * it) and listed under "excluded"
   * (whorl_lock and whorl_check pass their own lock and policy files when
   * they lie inside the artifact). NULL: none. Not copied: they must
   * outlive the call. */
  const char *const *exclude;
  size_t nexclude;
} whorl_fp_options;

#define WHORL_FP_OPTIONS_INIT \
  { WHORL_FP_OPTIONS_VERSION, WHORL_LEVEL_AUTO, 0, 0, 1, NULL, 1, 1, NULL, NULL, NULL, NULL, NULL, 0, -1, 0, NULL, -1, NULL, NULL, 0, NULL, 0, NULL, NULL, NULL, 0 }

/* Fingerprints a file or folder. A symlink named on the command line is
 * followed; symlinks inside folders are recorded, not followed. The path
 * "-" is standard input; it and a FIFO are read to their end into a
 * temporary file in $TMPDIR, fingerprinted as that file (no stat cache)
 * and named as given (docs/fingerprint-format.md, "Streams").
 * Returns WHORL_OK and *out, or an error code (with err filled, *out NULL). */
int whorl_fingerprint(const char *path, const whorl_fp_options *opts, whorl_json **out,
                      whorl_error *err);

/* Checks that `doc` looks like a whorl fingerprint document this version
 * can read (a "whorl" version and a known "kind"). WHORL_OK, WHORL_EFORMAT
 * (malformed) or WHORL_EUNSUPPORTED (newer format version, unknown kind). */
int whorl_fingerprint_validate(const whorl_json *doc, whorl_error *err);

/* A feature pipeline's parts (kind "features", docs/profile.md). */
typedef struct whorl_features_spec {
  const char *matrix;      /* the feature matrix: a table file */
  const char *pipeline;    /* the pipeline spec: JSON or YAML */
  const char *const *code; /* code files (ncode of them; may be NULL when 0) */
  size_t ncode;
  const char *input;       /* the input dataset: data or a saved fingerprint (NULL: none) */
} whorl_features_spec;

/* Fingerprints a feature pipeline: the spec's canonical hash (RFC 8785 of
 * the JSON or YAML; key order and formatting do not count), the code
 * files' hashes, the input's id and the matrix's table fingerprint at the
 * profile level with Pearson correlations of its numeric columns (up to
 * 256) over a 2048-row deterministic sample. Each part has its own id; the
 * document's id covers all four. *out is the caller's. */
int whorl_fingerprint_features(const whorl_features_spec *spec, const whorl_fp_options *opts, whorl_json **out,
                               whorl_error *err);

/* Merges the fingerprints of shards of one table (kind "table", in table
 * order; each a document whorl_fingerprint made) into the fingerprint of
 * their concatenation, from the documents alone: rows, logical.unordered,
 * schema.id, each column's type, nulls and unordered hash, and the profile
 * (counts, exact sums, quantile histograms, HyperLogLog, frequent values,
 * sample) exactly as fingerprinting the whole table gives them. logical.id
 * and the ordered column hashes need the data: a merged document has none
 * (its "id" is logical.unordered) and says so under "merged". Columns are
 * matched by name; a column a shard lacks is null in its rows. Keyed
 * documents need the same key_file (else NULL). *out is the caller's
 * (whorl_json_free). */
int whorl_merge(const whorl_json *const *docs, size_t n, const char *key_file, whorl_json **out, whorl_error *err);

/* If the file at `path` is a saved fingerprint document, parses it into
 * *out and returns 1; returns 0 (and *out NULL) when it is some other file;
 * a negative whorl_status on error. */
int whorl_fingerprint_load(const char *path, whorl_json **out, whorl_error *err);

#ifdef __cplusplus
}
#endif
#endif
