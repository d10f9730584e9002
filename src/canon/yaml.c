/* yaml.c - YAML documents as whorl_json trees, through libfyaml (YAML 1.2
 * core schema: anchors and aliases resolved, plain scalars typed as JSON
 * numbers, booleans and null where the schema says so). */
#include <libfyaml.h>
#include <stdlib.h>
#include <string.h>

#include "canon/canon.h"
#include "whorl/json.h"

static int yaml_error(struct fy_diag *diag, const char *path, const char *fallback, whorl_error *err) {
  void *it = NULL;
  struct fy_diag_error *e = diag ? fy_diag_errors_iterate(diag, &it) : NULL;
  if (e)
    return whorl__error(err, WHORL_EFORMAT, path, -1, "YAML line %d, column %d: %s", e->line + 1, e->column + 1,
                        e->msg ? e->msg : "invalid");
  return whorl__error(err, WHORL_EFORMAT, path, -1, "%s", fallback);
}

int whorl__yaml_load(const char *path, const char *text, size_t len, whorl_json **out, whorl_error *err) {
  *out = NULL;
  struct fy_diag_cfg dcfg;
  fy_diag_cfg_default(&dcfg);
  dcfg.fp = NULL;
  dcfg.colorize = false;
  struct fy_diag *diag = fy_diag_create(&dcfg);
  if (diag) fy_diag_set_collect_errors(diag, true);
  struct fy_parse_cfg cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.flags = FYPCF_QUIET | FYPCF_RESOLVE_DOCUMENT | FYPCF_COLLECT_DIAG;
  cfg.diag = diag;
  struct fy_parser *p = fy_parser_create(&cfg);
  int rc = WHORL_OK;
  if (!p || fy_parser_set_string(p, text, len)) {
    rc = whorl__error(err, WHORL_ENOMEM, path, -1, "out of memory");
  } else {
    struct fy_document *d = fy_parse_load_document(p);
    if (!d) rc = yaml_error(diag, path, fy_parser_get_stream_error(p) ? "not valid YAML" : "an empty YAML file", err);
    else {
      struct fy_document *d2 = fy_parse_load_document(p);
      if (d2) {
        fy_parse_document_destroy(p, d2);
        rc = whorl__error(err, WHORL_EUNSUPPORTED, path, -1, "several YAML documents in one file: one is expected");
      } else if (fy_parser_get_stream_error(p)) {
        rc = yaml_error(diag, path, "not valid YAML", err);
      } else {
        char *json = fy_emit_document_to_string(d, FYECF_MODE_JSON_ONELINE);
        if (!json) rc = whorl__error(err, WHORL_EFORMAT, path, -1, "YAML that has no JSON form (e.g. a non-string key)");
        else {
          rc = whorl_json_parse(json, strlen(json), out, err);
          if (rc) rc = whorl__error(err, WHORL_EFORMAT, path, -1, "YAML that has no JSON form");
          free(json);
        }
      }
      fy_parse_document_destroy(p, d);
    }
  }
  if (p) fy_parser_destroy(p);
  if (diag) fy_diag_destroy(diag);
  return rc;
}
