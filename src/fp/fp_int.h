/* fp_int.h - private helpers of the fingerprint assembly. */
#ifndef WHORL_FP_INT_H
#define WHORL_FP_INT_H

#include "whorl/fingerprint.h"
#include "whorl/json.h"
#include <sys/stat.h>

#define WHORL_RULES_FILE_CONTENT "file-content-v1"
#define WHORL_RULES_FILE_QUICK "file-quick-v1"
#define WHORL_RULES_FOLDER_CONTENT "folder-content-v1"
#define WHORL_RULES_FOLDER_QUICK "folder-quick-v1"
#define WHORL_CACHE_RULES "whorl-content-1+cdc-1"

#include "util/util.h"

/* Appends a readable form of bytes: valid UTF-8 kept, each byte that is
 * not part of a valid sequence replaced by U+FFFD. */
void whorl__display_bytes(const char *bytes, size_t len, whorl_buf *out);
/* Appends the lowercase hex of bytes. */
void whorl__hex_bytes(const char *bytes, size_t len, whorl_buf *out);
/* Sets key (and key_hex when the bytes are not UTF-8) on obj. */
int whorl__json_set_bytes(whorl_json *obj, const char *key, const char *bytes, size_t len);
int whorl__json_set_hex(whorl_json *obj, const char *key, const uint8_t *bytes, size_t n);

/* 1 when the stat-cache database `db` would lie inside folder `root` other
 * than below a ".whorl" folder: fingerprinting root would then read the
 * cache as content while writing it (e.g. `whorl fp ~` with the cache in
 * ~/.cache/whorl), so the cache must not be used. */
int whorl__cache_inside(const char *db, const char *root);

/* Table tier of a regular file open as fd, whose content document is
 * `filedoc` (borrowed): 0 and *out a kind "table" document; 1 when the file
 * is not a table and the level allows that (the file document stands); or
 * a negative status. */
#define WHORL_RULES_TABLE_LOGICAL "table-logical-1"
/* What the features fingerprint asks of a table read besides its
 * document: a bigger sample, and the correlations computed from it. */
typedef struct whorl__fp_extra {
  size_t sample_k;  /* rows of the sample (the document still shows 32) */
  size_t corr_cols; /* numeric columns correlated */
  whorl_json *corr; /* out: whorl__psample_pearson's object (the caller's) */
} whorl__fp_extra;
int whorl__fp_table(const char *path, int fd, const struct stat *st, const whorl_fp_options *o, const whorl_json *filedoc,
                    whorl__fp_extra *x, whorl_json **out, whorl_error *err);
/* whorl_fingerprint with the extra requests (x may be NULL). */
int whorl__fingerprint_ex(const char *path, const whorl_fp_options *opts, whorl__fp_extra *x, whorl_json **out,
                          whorl_error *err);

/* Models (fp/model.c): the reader a file needs ("safetensors", "gguf",
 * "pytorch", "npz", "npy") or NULL; forced: also NumPy files and any zip
 * or pickle. */
const char *whorl__model_detect(const char *path, int fd, int forced);
int whorl__fp_model_file(const char *path, int fd, const struct stat *st, const whorl_fp_options *o, const char *kind,
                         whorl_json **out, whorl_error *err);
/* Unsafe findings (docs/model.md) of a file that holds a pickle (a bare
 * or legacy torch.save pickle, a PyTorch zip checkpoint), appended to list
 * as {"finding", "where", "pickle"}, where prefixed by display; nothing
 * for other files. (fp/pickles.c) */
int whorl__pickle_findings(const char *path, int fd, uint64_t size, const char *display, whorl_json *list, whorl_error *err);
/* 1 for a name a pickle-bearing file goes by (.pkl .pickle .pt .pth .bin
 * .ckpt .joblib, any letter case): the folder entries looked into. */
int whorl__pickle_name(const char *name, size_t len);
/* 1 for a folder with config.json and weight files (Hugging Face layout). */
int whorl__is_model_folder(const char *dir);
int whorl__fp_model_folder(const char *dir, const whorl_fp_options *o, whorl_json **out, whorl_error *err);

/* The documents cache database beside the content cache (tables.sqlite),
 * for documents that cost a full read: tables, models. malloc'd or NULL. */
char *whorl__tables_db(const whorl_fp_options *o, const char *path);

/* The 32-byte key of keyed mode from a key file, and its public id. */
int whorl__table_load_key(const char *path, uint8_t key[32], char key_id[17], whorl_error *err);

#include "cache/cache.h"
/* The stat-cache key of a file (device, inode, size, mtime, ctime). */
void whorl__fp_cache_key(const struct stat *st, whorl_cache_key *k);
/* CLOCK_REALTIME in ns (taken before reading: the racy-entry rule). */
int64_t whorl__realtime_ns(void);

int whorl__fp_folder(const char *path, const whorl_fp_options *o, whorl_json **out, whorl_error *err);
/* The same, leaving out the top-level entries named in except (a model
 * folder's files that are in the model's id). */
int whorl__fp_folder_except(const char *path, const whorl_fp_options *o, const char *const *except, size_t nexcept,
                            whorl_json **out, whorl_error *err);

#endif
