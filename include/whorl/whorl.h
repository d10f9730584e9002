/*
 * whorl/whorl.h - umbrella header: fingerprints for datasets, features and
 * models. Including it includes the whole public API.
 */
#ifndef WHORL_WHORL_H
#define WHORL_WHORL_H

#include "errors.h"
#include "hash.h"
#include "json.h"
#include "fingerprint.h"
#include "diff.h"
#include "check.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Library version, "MAJOR.MINOR.PATCH". Static storage. */
const char *whorl_version(void);

#ifdef __cplusplus
}
#endif
#endif
