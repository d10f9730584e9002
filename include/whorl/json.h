/*
 * whorl/json.h - the JSON document model every fingerprint is made of, with
 * an RFC 8259 parser and an RFC 8785 (JCS) canonical serializer.
 *
 * Fingerprints, diff reports and (later) lockfiles are whorl_json trees.
 * Canonical bytes (whorl_json_canonical) are what ids are computed over, so
 * the same logical document always serializes to the same bytes.
 *
 * Numbers: JCS defines numbers as IEEE-754 doubles; whorl keeps every number
 * as a double plus, when it was written as an integer that fits, an exact
 * int64 (sizes and offsets up to 2^63-1 survive the round trip). Canonical
 * output of an integer above 2^53 prints the exact integer; JCS peers would
 * round it, so whorl never puts such values into hashed documents.
 *
 * Strings are byte arrays with a length: they may hold NUL. The parser
 * rejects invalid UTF-8 and lone surrogates; builders accept any bytes, but
 * the serializers refuse a string or key that is not valid UTF-8
 * (WHORL_EFORMAT), so whorl never writes JSON it could not read back.
 *
 * Ownership: a whorl_json returned through `**out` or by a *_new function
 * belongs to the caller and is released with whorl_json_free (NULL ok).
 * Adding a value to an array/object transfers ownership to the container.
 * Pointers returned by getters are borrowed: valid until the container is
 * modified or freed.
 */
#ifndef WHORL_JSON_H
#define WHORL_JSON_H

#include <stddef.h>
#include <stdint.h>
#include "errors.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum whorl_json_type {
  WHORL_JSON_NULL,
  WHORL_JSON_BOOL,
  WHORL_JSON_NUMBER,
  WHORL_JSON_STRING,
  WHORL_JSON_ARRAY,
  WHORL_JSON_OBJECT
} whorl_json_type;

typedef struct whorl_json whorl_json;

/* ---- construction (NULL on allocation failure) ---- */
whorl_json *whorl_json_null(void);
whorl_json *whorl_json_bool(int v);
whorl_json *whorl_json_double(double v);  /* NaN/Inf are rejected: NULL */
whorl_json *whorl_json_int(int64_t v);
whorl_json *whorl_json_string(const char *s);               /* NUL-terminated */
whorl_json *whorl_json_stringn(const char *s, size_t len);  /* any bytes */
whorl_json *whorl_json_array(void);
whorl_json *whorl_json_object(void);

/* Appends `v` (ownership moves, also on failure). Returns WHORL_OK/ENOMEM. */
int whorl_json_array_append(whorl_json *arr, whorl_json *v);
/* Sets key -> v, replacing an existing member (ownership of v moves). */
int whorl_json_object_set(whorl_json *obj, const char *key, whorl_json *v);
int whorl_json_object_setn(whorl_json *obj, const char *key, size_t keylen, whorl_json *v);
/* Removes a member if present; returns 1 if removed. */
int whorl_json_object_remove(whorl_json *obj, const char *key);

/* Deep copy; NULL on allocation failure. */
whorl_json *whorl_json_clone(const whorl_json *v);
void whorl_json_free(whorl_json *v);

/* ---- inspection ---- */
whorl_json_type whorl_json_typeof(const whorl_json *v);
int whorl_json_is_int(const whorl_json *v);      /* number with an exact int64 */
int whorl_json_get_bool(const whorl_json *v);
double whorl_json_get_double(const whorl_json *v);
int64_t whorl_json_get_int(const whorl_json *v); /* truncates non-integers */
const char *whorl_json_get_string(const whorl_json *v, size_t *len); /* NUL-terminated */
size_t whorl_json_size(const whorl_json *v);     /* array/object member count */
whorl_json *whorl_json_array_get(const whorl_json *arr, size_t i);
/* Object members keep insertion order until canonicalized. */
const char *whorl_json_object_key(const whorl_json *obj, size_t i, size_t *keylen);
whorl_json *whorl_json_object_value(const whorl_json *obj, size_t i);
whorl_json *whorl_json_object_get(const whorl_json *obj, const char *key);
/* Typed conveniences: NULL / default when missing or of another type. */
const char *whorl_json_object_get_string(const whorl_json *obj, const char *key);
int64_t whorl_json_object_get_int(const whorl_json *obj, const char *key, int64_t dflt);
/* Deep equality (objects compare as unordered maps, numbers by value). */
int whorl_json_equal(const whorl_json *a, const whorl_json *b);

/* ---- parsing ---- */
#define WHORL_JSON_MAX_DEPTH 512
/* Parses exactly one JSON text (RFC 8259; UTF-8; duplicate keys, invalid
 * UTF-8, lone surrogates and nesting deeper than WHORL_JSON_MAX_DEPTH are
 * errors). On error returns WHORL_EFORMAT with err->offset at the fault. */
int whorl_json_parse(const char *text, size_t len, whorl_json **out, whorl_error *err);
/* Reads and parses a file (at most `max_bytes`, 0 = 256 MiB). Sets err->path. */
int whorl_json_parse_file(const char *path, size_t max_bytes, whorl_json **out, whorl_error *err);

/* ---- serialization ---- */
/* RFC 8785 canonical form: no whitespace, members sorted by UTF-16 code
 * units, ES6 number formatting. *out is malloc'd, NUL-terminated, owned by
 * the caller (free()). WHORL_EFORMAT when a string or key of the tree is
 * not valid UTF-8 (RFC 3629); nothing is written then. */
int whorl_json_canonical(const whorl_json *v, char **out, size_t *len);
/* Human-friendly form: canonical member order, 2-space indentation, arrays
 * of at most 8 scalars on one line, one trailing newline. Same ownership as
 * above. */
int whorl_json_pretty(const whorl_json *v, char **out, size_t *len);
/* Streams the canonical (pretty = 0) or pretty (pretty = 1) form to `sink`
 * in pieces of about 64 KiB, so a large document needs no buffer of its own
 * size. The sink returns 0, or non-zero to stop (the call then returns
 * WHORL_EIO). Bytes are the same as whorl_json_canonical / _pretty give;
 * a string that is not valid UTF-8 stops the writing with WHORL_EFORMAT
 * (what was already passed to the sink is not a complete document). */
typedef int (*whorl_json_sink)(void *ctx, const char *data, size_t len);
int whorl_json_write(const whorl_json *v, int pretty, whorl_json_sink sink, void *ctx);

/* Formats a finite double exactly as ECMAScript Number.prototype.toString
 * does (as JCS requires). buf must hold 32 bytes; returns length. */
size_t whorl_json_format_double(double v, char buf[32]);

#ifdef __cplusplus
}
#endif
#endif
