/* fp_int.h - private helpers of the fingerprint assembly. */
#ifndef WHORL_FP_INT_H
#define WHORL_FP_INT_H

#include "whorl/fingerprint.h"
#include "whorl/json.h"

#define WHORL_RULES_FILE_CONTENT "file-content-v1"
#define WHORL_RULES_FILE_QUICK "file-quick-v1"
#define WHORL_RULES_FOLDER_CONTENT "folder-content-v1"
#define WHORL_RULES_FOLDER_QUICK "folder-quick-v1"
#define WHORL_CACHE_RULES "whorl-content-1+cdc-1"

/* Sets key (and key_hex when the bytes are not UTF-8) on obj. */
int whorl__json_set_bytes(whorl_json *obj, const char *key, const char *bytes, size_t len);
int whorl__json_set_hex(whorl_json *obj, const char *key, const uint8_t *bytes, size_t n);

int whorl__fp_folder(const char *path, const whorl_fp_options *o, whorl_json **out, whorl_error *err);

#endif
