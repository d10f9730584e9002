/*
 * whorl/check.h - baselines and the CI gate (docs/check.md).
 *
 * A lock file (whorl.lock) holds the fingerprint of every locked artifact,
 * pretty canonical JSON with sorted keys: deterministic and line-diff
 * friendly, meant to be committed. whorl_check fingerprints each artifact
 * again, compares it with its locked fingerprint (whorl_diff) and judges
 * the differences by a policy (JSON or YAML; defaults without one).
 */
#ifndef WHORL_CHECK_H
#define WHORL_CHECK_H

#include <stddef.h>
#include "errors.h"
#include "fingerprint.h"
#include "json.h"

#ifdef __cplusplus
extern "C" {
#endif

#define WHORL_LOCK_VERSION 1
#define WHORL_CHECK_VERSION 1

/* Adds or replaces the fingerprints of paths (named as given, relative to
 * the lock file's folder when relative) in the lock file at lock_path,
 * creating it. update_only: every path must already be locked; with n == 0
 * and update_only, every locked artifact is fingerprinted again. `opts`:
 * levels and reader options (NULL: defaults). */
int whorl_lock(const char *lock_path, const char *const *paths, size_t n, int update_only,
               const whorl_fp_options *opts, whorl_error *err);

/* Removes entries from the lock file (an artifact deleted or renamed on
 * purpose): names as they are in the lock, or paths, which need not exist
 * any more (their folder must). An unknown name is an error, and the file
 * is left as it was. */
int whorl_lock_remove(const char *lock_path, const char *const *names, size_t n, whorl_error *err);

/* Checks every artifact of the lock file against its current state under
 * the policy at policy_path (NULL: the defaults). *report (the caller's,
 * whorl_json_free) lists each artifact with its status (pass, warn, fail)
 * and findings; *failed counts failing artifacts. Errors (an unreadable
 * lock or policy) return non-zero; an artifact that is missing or cannot
 * be read is a failure in the report, not an error. */
int whorl_check(const char *lock_path, const char *policy_path, const whorl_fp_options *opts, whorl_json **report,
                int *failed, whorl_error *err);

/* The report as "text", "json", "markdown" (a pull-request comment) or
 * "junit" (JUnit XML). *out is malloc'd (free()). */
int whorl_check_render(const whorl_json *report, const char *format, char **out, size_t *len, whorl_error *err);

#ifdef __cplusplus
}
#endif
#endif
