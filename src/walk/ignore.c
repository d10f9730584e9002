/* ignore.c - .whorlignore rules: a documented subset of gitignore.
 *
 * Layout. Rules are kept in a trie of base folders: the root node is the base
 * "" and every .whorlignore of folder "a/b" hangs its rules on node root/a/b
 * (intermediate nodes may hold no rule). Matching walks the path from the top,
 * component by component, descending the trie along the way; the rules that
 * apply to a path are exactly those of the trie nodes on the chain from the
 * deepest node reached back up to the root, which is also their priority
 * order (deepest base first, later lines first). Nothing is allocated or
 * written while matching, so any number of threads may match concurrently.
 *
 * Patterns are compiled into components (split at '/'). A component is either
 * "**" (any number of whole path components) or a token string of literal
 * bytes, '?', '*' and classes that matches one path component. Matching is
 * two nested greedy-with-backtracking loops (one over the components of the
 * path, one over the bytes of a component), each backtracking only to the
 * last star seen, so the cost is polynomial (O(len(pattern) * len(path)) per
 * level) whatever the pattern.
 */
#include "walk/ignore.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { TK_LIT, TK_ANY, TK_STAR, TK_CLASS };

typedef struct tok {
  uint8_t kind;
  uint8_t ch;   /* TK_LIT */
  uint32_t cls; /* TK_CLASS: index into rule.classes */
} tok;

typedef struct comp {
  size_t start, n; /* tokens [start, start + n) */
  int globstar;    /* "**": zero or more whole path components */
} comp;

enum {
  R_NEGATE = 1,   /* "!pat" */
  R_DIRONLY = 2,  /* "pat/" */
  R_BASENAME = 4, /* no '/' in the pattern: matches the last component */
  R_NEVER = 8     /* malformed (bad class, trailing '\'): never matches */
};

typedef struct rule {
  unsigned flags;
  tok *toks;
  comp *comps;
  size_t ncomps;
  uint8_t (*classes)[32]; /* 256-bit sets */
} rule;

typedef struct node {
  struct node *parent;
  char *name; /* component name (not NUL-terminated), NULL for the root */
  size_t namelen;
  size_t baselen; /* length of the full base path ("a/b" -> 3) */
  struct node **kids; /* sorted by (name bytes, length) */
  size_t nkids, capkids;
  rule *rules; /* in file order */
  size_t nrules, caprules;
} node;

struct whorl_ignore {
  node root;
  size_t count;
};

/* ---- character classes (ASCII, as git's sane ctype) ---------------------------- */

static int cc_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static int cc_digit(int c) { return c >= '0' && c <= '9'; }

/* Sets the members of named class `nm` (length n) in set; 0 if unknown. */
static int named_class(const char *nm, size_t n, uint8_t set[32]) {
  static const char *const names[] = {"alnum", "alpha", "blank", "cntrl", "digit", "graph",
                                      "lower", "print", "punct", "space", "upper", "xdigit"};
  int which = -1;
  for (int i = 0; i < 12; i++)
    if (strlen(names[i]) == n && memcmp(names[i], nm, n) == 0) which = i;
  if (which < 0) return 0;
  for (int c = 0; c < 128; c++) {
    int in = 0;
    int print = c >= 0x20 && c <= 0x7e;
    switch (which) {
      case 0: in = cc_alpha(c) || cc_digit(c); break;
      case 1: in = cc_alpha(c); break;
      case 2: in = c == ' ' || c == '\t'; break;
      case 3: in = c < 0x20 || c == 0x7f; break;
      case 4: in = cc_digit(c); break;
      case 5: in = print && c != ' '; break;
      case 6: in = c >= 'a' && c <= 'z'; break;
      case 7: in = print; break;
      case 8: in = print && c != ' ' && !cc_alpha(c) && !cc_digit(c); break;
      case 9: in = c == ' ' || c == '\t' || c == '\n' || c == '\r'; break;
      case 10: in = c >= 'A' && c <= 'Z'; break;
      case 11: in = cc_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); break;
    }
    if (in) set[c >> 3] |= (uint8_t)(1u << (c & 7));
  }
  return 1;
}

static void set_add(uint8_t set[32], unsigned c) { set[c >> 3] |= (uint8_t)(1u << (c & 7)); }

/* Parses the class starting at p[*i] == '['. On success fills set (negation
 * applied), advances *i past the closing ']' and returns 1; returns 0 if the
 * class is malformed (unterminated, unknown [:name:]), which in git makes the
 * whole pattern fail to match anything. */
static int parse_class(const unsigned char *p, size_t n, size_t *i, uint8_t set[32]) {
  size_t k = *i + 1;
  int neg = 0, first = 1, prev = -1;
  memset(set, 0, 32);
  if (k < n && (p[k] == '!' || p[k] == '^')) {
    neg = 1;
    k++;
  }
  for (;;) {
    if (k >= n) return 0;
    unsigned c = p[k];
    if (!first && c == ']') {
      k++;
      break;
    }
    first = 0;
    if (c == '\\') {
      if (++k >= n) return 0;
      c = p[k++];
      set_add(set, c);
      prev = (int)c;
    } else if (c == '-' && prev >= 0 && k + 1 < n && p[k + 1] != ']') {
      k++;
      unsigned hi = p[k];
      if (hi == '\\') {
        if (++k >= n) return 0;
        hi = p[k];
      }
      k++;
      for (unsigned x = (unsigned)prev; x <= hi; x++) set_add(set, x);
      prev = -1;
    } else if (c == '[' && k + 1 < n && p[k + 1] == ':') {
      size_t s = k + 2, e = s;
      while (e < n && p[e] != ']') e++;
      if (e >= n) return 0;
      if (e == s || p[e - 1] != ':') {
        /* no ":]": the '[' is an ordinary member */
        set_add(set, '[');
        prev = '[';
        k++;
        continue;
      }
      if (!named_class((const char *)p + s, e - s - 1, set)) return 0;
      prev = -1;
      k = e + 1;
    } else {
      set_add(set, c);
      prev = (int)c;
      k++;
    }
  }
  if (neg)
    for (int j = 0; j < 32; j++) set[j] = (uint8_t)~set[j];
  *i = k;
  return 1;
}

/* ---- compiling one pattern ------------------------------------------------------ */

static void rule_free(rule *r) {
  free(r->toks);
  free(r->comps);
  free(r->classes);
}

/* Compiles line[0..n) (already trimmed, non-empty). Returns 0 or -1 (ENOMEM). */
static int rule_compile(const unsigned char *p, size_t n, rule *r) {
  memset(r, 0, sizeof *r);
  if (n && p[0] == '!') {
    r->flags |= R_NEGATE;
    p++;
    n--;
  }
  if (n && p[n - 1] == '/') {
    r->flags |= R_DIRONLY;
    n--;
  }
  int pathname = memchr(p, '/', n) != NULL;
  if (!pathname)
    r->flags |= R_BASENAME;
  else if (p[0] == '/') {
    p++;
    n--;
  }

  size_t nclass = 0;
  for (size_t i = 0; i < n; i++) nclass += p[i] == '[';
  r->toks = malloc((n ? n : 1) * sizeof *r->toks);
  r->comps = malloc((n + 3) * sizeof *r->comps);
  r->classes = nclass ? malloc(nclass * sizeof *r->classes) : NULL;
  if (!r->toks || !r->comps || (nclass && !r->classes)) {
    rule_free(r);
    return -1;
  }

  size_t nt = 0, nc = 0, ncl = 0, i = 0;
  comp *cur = &r->comps[nc++];
  cur->start = 0;
  cur->n = 0;
  cur->globstar = 0;
  while (i < n) {
    unsigned c = p[i];
    int sep = 0;
    if (c == '/') {
      sep = 1;
      i++;
    } else if (c == '\\' && i + 1 < n && p[i + 1] == '/') {
      sep = 1;
      i += 2;
    }
    if (sep) {
      cur = &r->comps[nc++];
      cur->start = nt;
      cur->n = 0;
      cur->globstar = 0;
      continue;
    }
    if (cur->globstar) {
      /* cannot happen: a globstar component always ends at a separator */
      r->flags |= R_NEVER;
      break;
    }
    if (c == '\\') {
      if (i + 1 >= n) { /* trailing backslash: git never matches */
        r->flags |= R_NEVER;
        break;
      }
      r->toks[nt].kind = TK_LIT;
      r->toks[nt++].ch = p[i + 1];
      i += 2;
    } else if (c == '*') {
      size_t j = i;
      while (j < n && p[j] == '*') j++;
      int at_start = cur->n == 0 && nt == cur->start;
      int at_end = j == n || p[j] == '/' || (p[j] == '\\' && j + 1 < n && p[j + 1] == '/');
      if (pathname && j - i >= 2 && at_start && at_end) {
        if (j < n && p[j] == '\\') {
          /* "**\/" (escaped slash): git skips its zero-folder shortcut, so
           * this "**" needs at least one folder: make it "* / **" */
          r->toks[nt++].kind = TK_STAR;
          cur->n = 1;
          cur = &r->comps[nc++];
          cur->start = nt;
          cur->n = 0;
        }
        cur->globstar = 1;
      } else if (nt == cur->start || r->toks[nt - 1].kind != TK_STAR) {
        r->toks[nt++].kind = TK_STAR;
      }
      i = j;
    } else if (c == '?') {
      r->toks[nt++].kind = TK_ANY;
      i++;
    } else if (c == '[') {
      if (!parse_class(p, n, &i, r->classes[ncl])) {
        r->flags |= R_NEVER;
        break;
      }
      r->toks[nt].kind = TK_CLASS;
      r->toks[nt++].cls = (uint32_t)ncl++;
    } else {
      r->toks[nt].kind = TK_LIT;
      r->toks[nt++].ch = (uint8_t)c;
      i++;
    }
    cur->n = nt - cur->start;
  }
  /* A trailing "**" needs at least one component ("a/ **" does not match "a"):
   * make it "a/ * / **" (one component, then any number more). */
  if (nc && r->comps[nc - 1].globstar) {
    comp *g = &r->comps[nc - 1];
    g->globstar = 0;
    g->start = nt;
    g->n = 1;
    r->toks[nt++].kind = TK_STAR; /* fits: "**" used two bytes, one token */
    r->comps[nc].start = nt;
    r->comps[nc].n = 0;
    r->comps[nc].globstar = 1;
    nc++;
  }
  r->ncomps = nc;
  return 0;
}

/* ---- matching ------------------------------------------------------------------- */

static int tok_match(const rule *r, const tok *t, unsigned char c) {
  switch (t->kind) {
    case TK_LIT: return t->ch == c;
    case TK_ANY: return 1;
    case TK_CLASS: return (r->classes[t->cls][c >> 3] >> (c & 7)) & 1;
  }
  return 0;
}

/* One pattern component (no "**") against one path component s[0..n). */
static int comp_match(const rule *r, const comp *cp, const unsigned char *s, size_t n) {
  const tok *p = r->toks + cp->start;
  size_t m = cp->n, pi = 0, si = 0, star_p = 0, star_s = 0;
  int have_star = 0;
  while (si < n) {
    if (pi < m && p[pi].kind == TK_STAR) {
      have_star = 1;
      star_p = ++pi;
      star_s = si;
    } else if (pi < m && tok_match(r, &p[pi], s[si])) {
      pi++;
      si++;
    } else if (have_star) {
      pi = star_p;
      si = ++star_s;
    } else {
      return 0;
    }
  }
  while (pi < m && p[pi].kind == TK_STAR) pi++;
  return pi == m;
}

/* Length of the path component starting at s[pos] (up to '/' or end). */
static size_t comp_len(const unsigned char *s, size_t n, size_t pos) {
  const unsigned char *e = memchr(s + pos, '/', n - pos);
  return e ? (size_t)(e - s) - pos : n - pos;
}

/* Anchored pattern against the path s[0..n) relative to the rule's base. */
static int path_match(const rule *r, const unsigned char *s, size_t n) {
  size_t pi = 0, m = r->ncomps;
  size_t pos = 0;    /* start of the current path component */
  int done = 0;      /* all path components consumed */
  int have_star = 0; /* a "**" was seen: backtrack point */
  size_t star_p = 0, star_pos = 0;
  while (!done) {
    size_t cl = comp_len(s, n, pos);
    if (pi < m && r->comps[pi].globstar) {
      have_star = 1;
      star_p = ++pi;
      star_pos = pos;
      continue;
    }
    if (pi < m && comp_match(r, &r->comps[pi], s + pos, cl)) {
      pi++;
      if (pos + cl >= n)
        done = 1;
      else
        pos += cl + 1;
      continue;
    }
    if (have_star) {
      /* let the last "**" swallow one more component */
      size_t sl = comp_len(s, n, star_pos);
      pi = star_p;
      if (star_pos + sl >= n) break; /* it swallowed the whole rest */
      star_pos += sl + 1;
      pos = star_pos;
      continue;
    }
    return 0;
  }
  while (pi < m && r->comps[pi].globstar) pi++;
  return pi == m;
}

static int rule_match(const rule *r, const unsigned char *name, size_t nlen, const unsigned char *last,
                      size_t lastlen, int is_dir) {
  if (r->flags & R_NEVER) return 0;
  if ((r->flags & R_DIRONLY) && !is_dir) return 0;
  if (r->flags & R_BASENAME) return comp_match(r, &r->comps[0], last, lastlen);
  return path_match(r, name, nlen);
}

/* Decides target path[0..tlen) (last component at path + lstart) with the
 * rules of nd and its ancestors: 1 excluded, 0 re-included or no match. */
static int eval(const node *nd, const unsigned char *path, size_t tlen, size_t lstart, int is_dir) {
  for (; nd; nd = nd->parent) {
    if (!nd->nrules) continue;
    size_t off = nd->parent ? nd->baselen + 1 : 0;
    if (off >= tlen) continue; /* defensive: target not below this base */
    for (size_t i = nd->nrules; i-- > 0;) {
      const rule *r = &nd->rules[i];
      if (rule_match(r, path + off, tlen - off, path + lstart, tlen - lstart, is_dir))
        return !(r->flags & R_NEGATE);
    }
  }
  return 0;
}

static node *find_kid(const node *nd, const char *name, size_t len) {
  size_t lo = 0, hi = nd->nkids;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    const node *k = nd->kids[mid];
    size_t ml = k->namelen < len ? k->namelen : len;
    int c = ml ? memcmp(k->name, name, ml) : 0;
    if (c == 0) c = k->namelen < len ? -1 : k->namelen > len ? 1 : 0;
    if (c == 0) return (node *)k;
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return NULL;
}

int whorl_ignore_match(const whorl_ignore *ig, const char *relpath, int is_dir) {
  if (!ig || !relpath || !ig->count) return 0;
  const unsigned char *s = (const unsigned char *)relpath;
  size_t len = strlen(relpath);
  if (!len) return 0;
  const node *nd = &ig->root;
  int in_trie = 1;
  size_t start = 0;
  for (;;) {
    const unsigned char *slash = memchr(s + start, '/', len - start);
    size_t end = slash ? (size_t)(slash - s) : len;
    /* every folder above the path is checked first: a path inside an
     * excluded folder is excluded, whatever later rules say */
    if (eval(nd, s, end, start, slash ? 1 : is_dir)) return 1;
    if (!slash) return 0;
    if (in_trie) {
      const node *k = find_kid(nd, relpath + start, end - start);
      if (k)
        nd = k;
      else
        in_trie = 0;
    }
    start = end + 1;
  }
}

/* ---- building ------------------------------------------------------------------- */

int whorl_ignore_new(whorl_ignore **out) {
  whorl_ignore *ig = calloc(1, sizeof *ig);
  *out = ig;
  return ig ? WHORL_OK : WHORL_ENOMEM;
}

/* Returns the trie node for base[0..n), creating missing nodes; NULL on
 * allocation failure. Empty components (stray slashes) are skipped. */
static node *get_node(whorl_ignore *ig, const char *base, size_t n) {
  node *nd = &ig->root;
  size_t i = 0;
  while (i < n) {
    const char *sl = memchr(base + i, '/', n - i);
    size_t e = sl ? (size_t)(sl - base) : n;
    size_t cl = e - i;
    if (cl) {
      node *k = find_kid(nd, base + i, cl);
      if (!k) {
        if (nd->nkids == nd->capkids) {
          size_t cap = nd->capkids ? nd->capkids * 2 : 4;
          node **nk = realloc(nd->kids, cap * sizeof *nk);
          if (!nk) return NULL;
          nd->kids = nk;
          nd->capkids = cap;
        }
        k = calloc(1, sizeof *k);
        if (!k) return NULL;
        k->name = malloc(cl);
        if (!k->name) {
          free(k);
          return NULL;
        }
        memcpy(k->name, base + i, cl);
        k->namelen = cl;
        k->parent = nd;
        k->baselen = (nd->parent ? nd->baselen + 1 : 0) + cl;
        size_t pos = 0;
        while (pos < nd->nkids) { /* insertion point (kids are few) */
          const node *o = nd->kids[pos];
          size_t ml = o->namelen < cl ? o->namelen : cl;
          int c = memcmp(o->name, k->name, ml);
          if (c > 0 || (c == 0 && o->namelen > cl)) break;
          pos++;
        }
        memmove(nd->kids + pos + 1, nd->kids + pos, (nd->nkids - pos) * sizeof *nd->kids);
        nd->kids[pos] = k;
        nd->nkids++;
      }
      nd = k;
    }
    i = e + 1;
  }
  return nd;
}

static int node_push(node *nd, const rule *r) {
  if (nd->nrules == nd->caprules) {
    size_t cap = nd->caprules ? nd->caprules * 2 : 8;
    rule *nr = realloc(nd->rules, cap * sizeof *nr);
    if (!nr) return -1;
    nd->rules = nr;
    nd->caprules = cap;
  }
  nd->rules[nd->nrules++] = *r;
  return 0;
}

int whorl_ignore_add(whorl_ignore *ig, const char *base, const char *text, size_t len) {
  if (!ig) return WHORL_EINVAL;
  if (!base) base = "";
  if (!text) len = 0;
  const unsigned char *t = (const unsigned char *)text;
  node *nd = NULL;
  size_t i = 0;
  if (len >= 3 && t[0] == 0xEF && t[1] == 0xBB && t[2] == 0xBF) i = 3; /* UTF-8 BOM */
  while (i < len) {
    const unsigned char *nl = memchr(t + i, '\n', len - i);
    size_t eol = nl ? (size_t)(nl - t) : len;
    const unsigned char *line = t + i;
    size_t n = eol - i;
    i = eol + 1;
    if (!n || line[0] == '#') continue;
    if (line[n - 1] == '\r') n--;
    const unsigned char *z = memchr(line, 0, n);
    if (z) n = (size_t)(z - line);
    /* trim trailing spaces that are not escaped */
    size_t sp = SIZE_MAX;
    int trim = 1;
    for (size_t k = 0; k < n; k++) {
      if (line[k] == ' ') {
        if (sp == SIZE_MAX) sp = k;
        continue;
      }
      if (line[k] == '\\' && ++k >= n) {
        trim = 0; /* backslash at the very end: git trims nothing */
        break;
      }
      sp = SIZE_MAX;
    }
    if (trim && sp != SIZE_MAX) n = sp;
    if (!n) continue;
    if (!nd) {
      nd = get_node(ig, base, strlen(base));
      if (!nd) return WHORL_ENOMEM;
    }
    rule r;
    if (rule_compile(line, n, &r)) return WHORL_ENOMEM;
    if (node_push(nd, &r)) {
      rule_free(&r);
      return WHORL_ENOMEM;
    }
    ig->count++;
  }
  return WHORL_OK;
}

size_t whorl_ignore_count(const whorl_ignore *ig) { return ig ? ig->count : 0; }

static void node_release(node *nd) {
  for (size_t i = 0; i < nd->nrules; i++) rule_free(&nd->rules[i]);
  free(nd->rules);
  free(nd->kids);
  free(nd->name);
}

void whorl_ignore_free(whorl_ignore *ig) {
  if (!ig) return;
  /* post-order walk without recursion, using the parent links */
  node *nd = &ig->root;
  while (nd) {
    if (nd->nkids) {
      nd = nd->kids[--nd->nkids];
      continue;
    }
    node *parent = nd->parent;
    node_release(nd);
    if (nd != &ig->root) free(nd);
    nd = parent;
  }
  free(ig);
}
