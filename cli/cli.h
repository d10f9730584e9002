/* cli.h - shared bits of the whorl command line (argument parsing and
 * printing only; all work is done by the public API). */
#ifndef WHORL_CLI_H
#define WHORL_CLI_H

#include <getopt.h>
#include <stdint.h>
#include "whorl/whorl.h"

#define EXIT_SAME 0
#define EXIT_DIFFERENT 1
#define EXIT_ERROR 2

typedef struct cli_ctx {
  int quiet;
  int fatal_reported;
  int progress_shown;
  uint64_t start_ns;
} cli_ctx;

void cli_error(const whorl_error *err);
void cli_msg(const char *fmt, ...);
void cli_issue(void *ctx, const whorl_error *issue, int fatal);
void cli_progress(void *ctx, uint64_t done, uint64_t total);
void cli_progress_end(cli_ctx *c);
uint64_t cli_now_ns(void);
int cli_write_stdout(const char *s, size_t n);
/* A whorl_json_sink writing to stdout. */
int cli_stdout_sink(void *ctx, const char *data, size_t len);
/* Writes data to path atomically (temp file + rename). 0 or -1 with a
 * message printed. */
int cli_write_file(const char *path, const char *data, size_t n);

/* Option values shared by the commands: 0 on success, else a message was
 * printed and the command should exit with EXIT_ERROR. */
int cli_parse_level(const char *arg, whorl_level *out);
int cli_parse_threads(const char *arg, int *out);

int cmd_fingerprint(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_lock(int argc, char **argv);
int cmd_check(int argc, char **argv);

/* Table reading options shared by fingerprint and diff. */
enum { CLI_OPT_AS = 1000, CLI_OPT_DELIM, CLI_OPT_NOHEADER, CLI_OPT_HEADER, CLI_OPT_STRICT, CLI_OPT_KEYFILE };
#define CLI_TABLE_LONGOPTS                                                                             \
  {"as", required_argument, NULL, CLI_OPT_AS}, {"delimiter", required_argument, NULL, CLI_OPT_DELIM},  \
      {"no-header", no_argument, NULL, CLI_OPT_NOHEADER}, {"header", no_argument, NULL, CLI_OPT_HEADER}, \
      {"strict", no_argument, NULL, CLI_OPT_STRICT}, {"key-file", required_argument, NULL, CLI_OPT_KEYFILE}
/* Applies one of them: 0, or 2 after printing an error. */
int cli_table_opt(int c, const char *arg, whorl_fp_options *o);
/* Call for every option getopt_long returns: an option that takes one
 * value given twice (repeatable ones: --code, --param, --training-file
 * aside), or --cache with --no-cache, or --model with --no-model, is a
 * mistake: a message and -1 (the caller exits 2), never "the last wins". */
int cli_once(const struct option *longopts, int c, const char *arg);

#endif
