#!/usr/bin/env bash
# ignore_vs_git.sh - compares whorl's .whorlignore matcher (src/walk/ignore.c)
# with git's own .gitignore handling. Not a registered test: run it by hand
#   bash tests/unit/ignore_vs_git.sh [random-rounds] [seed]
# For every scenario it builds a scratch git repository holding .gitignore
# files and a tree of files, then asks
#   - git check-ignore (every file and folder), and
#   - git status --ignored=matching -uall (every file; files inside a listed
#     ignored folder count as ignored)
# and compares both with a tiny C driver linked with ignore.c. Curated
# scenarios run first, then random ones. Prints every disagreement and exits
# non-zero if there was any (known, documented differences are skipped).
set -u
export LC_ALL=C
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
ROUNDS=${1:-300}
SEED=${2:-12345}
CC=${CC:-gcc}
WORK=$(mktemp -d /tmp/ignore_vs_git.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# ---- the driver ------------------------------------------------------------------
cat >"$WORK/driver.c" <<'EOF'
/* driver ROOT IGNOREFILE... < NUL-separated "F<path>" / "D<path>" records;
 * prints the ignored paths, NUL-separated. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "walk/ignore.h"
int main(int argc, char **argv) {
  whorl_ignore *ig;
  if (whorl_ignore_new(&ig)) return 2;
  for (int i = 2; i < argc; i++) {
    char p[8192];
    snprintf(p, sizeof p, "%s/%s", argv[1], argv[i]);
    FILE *f = fopen(p, "rb");
    if (!f) return 2;
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    char base[8192];
    snprintf(base, sizeof base, "%s", argv[i]);
    char *sl = strrchr(base, '/');
    if (sl) *sl = 0; else base[0] = 0;
    if (whorl_ignore_add(ig, base, buf, n)) return 2;
  }
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  while ((len = getdelim(&line, &cap, 0, stdin)) > 0) {
    if (line[len - 1] == 0) len--;
    line[len] = 0;
    if (len < 2) continue;
    if (whorl_ignore_match(ig, line + 1, line[0] == 'D')) {
      fputs(line + 1, stdout);
      fputc(0, stdout);
    }
  }
  free(line);
  whorl_ignore_free(ig);
  return 0;
}
EOF
"$CC" -std=c11 -D_GNU_SOURCE -O1 -g -Wall -Wextra -I"$SRC/include" -I"$SRC/src" \
  "$WORK/driver.c" "$SRC/src/walk/ignore.c" -o "$WORK/driver" || exit 2

export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
FAILS=0
SCEN=0
NPATHS=0
NIGN=0

# new_repo NAME: fresh scratch repository, cwd inside it
new_repo() {
  SCEN=$((SCEN + 1))
  NAME=$1
  REPO="$WORK/r$SCEN"
  mkdir -p "$REPO" && cd "$REPO" || exit 2
  git init -q . || exit 2
  git config core.ignorecase false
}
# ign DIR TEXT: writes DIR/.gitignore (DIR "" = root), TEXT through printf %b
ign() {
  local d=${1:-.}
  mkdir -p -- "$d"
  printf '%b' "$2" >"$d/.gitignore"
}
# files PATH...: creates empty files (and their folders); names through %b
files() {
  local p
  for p in "$@"; do
    p=$(printf '%b' "$p")
    mkdir -p -- "$(dirname -- "$p")"
    : >"$p"
  done
}

# compare: runs git and the driver on the current repository
compare() {
  local all="$WORK/all" recs="$WORK/recs"
  find . -path ./.git -prune -o -mindepth 1 -printf '%y%P\0' | sort -z >"$recs"
  tr '\0' '\n' <"$recs" >/dev/null
  # every path, without its type letter
  LC_ALL=C sed -z 's/^.//' "$recs" >"$all"
  local ignfiles
  mapfile -d '' ignfiles < <(find . -path ./.git -prune -o -name .gitignore -printf '%P\0')
  # git check-ignore: files and folders
  git check-ignore -z --stdin <"$all" | sort -z >"$WORK/git_ci"
  # mine: type letter f -> F, d -> D
  LC_ALL=C sed -z 's/^f/F/; s/^d/D/' "$recs" | "$WORK/driver" . "${ignfiles[@]}" | sort -z >"$WORK/mine"
  NPATHS=$((NPATHS + $(tr -cd '\0' <"$all" | wc -c)))
  NIGN=$((NIGN + $(tr -cd '\0' <"$WORK/git_ci" | wc -c)))
  if ! cmp -s "$WORK/git_ci" "$WORK/mine"; then
    echo "=== DISAGREEMENT (check-ignore) in scenario $SCEN: $NAME"
    dump_rules
    echo "--- only git ignores:"
    comm -z -23 "$WORK/git_ci" "$WORK/mine" | tr '\0' '\n' | sed 's/^/    /' | cat -v
    echo "--- only whorl ignores:"
    comm -z -13 "$WORK/git_ci" "$WORK/mine" | tr '\0' '\n' | sed 's/^/    /' | cat -v
    count_fail
  fi
  # git status: files only
  git status --ignored=matching --porcelain -uall -z | LC_ALL=C sed -zn 's/^!! //p' >"$WORK/st"
  : >"$WORK/git_st"
  local rec p d
  while IFS= read -r -d '' rec; do
    [ "${rec:0:1}" = f ] || continue
    p=${rec:1}
    while IFS= read -r -d '' d; do
      if [ "$d" = "$p" ] || { [ "${d%/}" != "$d" ] && [ "${p#"$d"}" != "$p" ]; }; then
        printf '%s\0' "$p" >>"$WORK/git_st"
        break
      fi
    done <"$WORK/st"
  done <"$recs"
  sort -z -o "$WORK/git_st" "$WORK/git_st"
  LC_ALL=C sed -z -n 's/^f/F/p' "$recs" | "$WORK/driver" . "${ignfiles[@]}" | sort -z >"$WORK/mine_f"
  if ! cmp -s "$WORK/git_st" "$WORK/mine_f"; then
    echo "=== DISAGREEMENT (status) in scenario $SCEN: $NAME"
    dump_rules
    echo "--- only git ignores:"
    comm -z -23 "$WORK/git_st" "$WORK/mine_f" | tr '\0' '\n' | sed 's/^/    /' | cat -v
    echo "--- only whorl ignores:"
    comm -z -13 "$WORK/git_st" "$WORK/mine_f" | tr '\0' '\n' | sed 's/^/    /' | cat -v
    count_fail
  fi
  cd "$WORK" || exit 2
  rm -rf "$REPO"
}
KNOWN=0
count_fail() {
  if [ "$KNOWN" = 1 ]; then
    echo "    (known, documented difference: not counted)"
  else
    FAILS=$((FAILS + 1))
  fi
}
dump_rules() {
  local f
  find . -path ./.git -prune -o -name .gitignore -print | while read -r f; do
    echo "  $f:"
    sed 's/^/    | /' "$f" | cat -A | sed 's/\$$//'
  done
}

# ---- curated scenarios -------------------------------------------------------------
new_repo "comments, blanks, trailing spaces, escapes"
ign "" '# comment\n\n   \n\\#hash\n\\!bang\ntrail   \nkeep\\ \\ \n\\ lead\nsp\\ \n'
files '#hash' '!bang' trail 'trail  ' 'keep  ' 'keep ' ' lead' 'sp ' sp other '#comment'
compare

new_repo "CRLF line endings"
ign "" 'a.txt\r\nb/\r\n!c.txt\r\n*.txt\r\nlast\r'
files a.txt b/x c.txt d.txt last 'a.txt\r' e
compare

new_repo "negation"
ign "" '*.log\n!keep.log\nsub/*.log\n'
files a.log keep.log sub/keep.log sub/b.log x/keep.log x/y.log z
compare

new_repo "dir-only patterns"
ign "" 'build/\nout\ncache/\n'
files build/a out/b cache x/build y/build/z x/out x/cache
compare

new_repo "anchored vs floating"
ign "" '/root.txt\nsub/file\nfloat.txt\n/dir/\na/b/\n'
files root.txt x/root.txt sub/file x/sub/file float.txt x/y/float.txt dir/a x/dir/a a/b/c x/a/b/c
compare

new_repo "globstar positions"
ign "" '**/foo\nabc/**\nx/**/y\n**/m/**/n\n/**/deep\nq/**/\n'
files foo a/foo a/b/foo abc/d/e abc/f abcd x/y x/a/y x/a/b/y xy m/n a/m/n a/m/b/c/n deep r/s/deep q/w/e/r q/v qq/w
compare

new_repo "non-component double star"
ign "" 'a**b\n**c\nd**\n*/e**/f\n'
files ab axb ax/b c xc x/c d dd dx/y z/eee/f z/ee/g/f
compare

new_repo "classes"
ign "" '[ab].x\n[!a].y\n[^b].z\n[a-c]1\n[]]r\n[!]]s\n[a-]t\n[-a]u\n[[:digit:]]d\n[[:alpha:][:digit:]]e\n[\\]]v\n*[[:space:]]w\n[[:foo:]]g\nbad[\n'
files a.x b.x c.x a.y b.y a.z b.z a1 b1 c1 d1 ']r' 'ar' 'as' ']s' 'at' '-t' 'bt' '-u' 'au' 'bu' 5d ad 'xe' '9e' '_e' ']v' 'a w' 'a\tw' 'aw' 'fg' 'bad[' 'badx'
compare

new_repo "question mark and star"
ign "" 'a?c\n*.o\nx*y*z\n/top*\n'
files abc ac a/c abbc f.o g/h.o xyz xaybz xy/z top topaz sub/top sub/topaz
compare

new_repo "nested .gitignore overrides root"
ign "" '*.tmp\n!keep/\nsub/local\n'
ign sub '!*.tmp\nlocal2\n/anch\n'
ign sub/deeper '*.tmp\n'
files a.tmp sub/b.tmp sub/deeper/c.tmp sub/deeper/x/d.tmp sub/local sub/local2 x/local2 sub/anch sub/q/anch anch
compare

new_repo "paths below ignored folders"
ign "" 'build/\n!build/keep\n'
files build/a build/keep build/x/y.o src/build/z src/keep
compare

new_repo "folder rule negated for one file"
ign "" 'dir/*\n!dir/keep\nother/\n!other/keep\nthird/**\n!third/keep\n'
files dir/keep dir/drop dir/sub/keep other/keep other/drop third/keep third/drop third/s/keep
compare

new_repo "negation cannot revive inside excluded folder (deeper file)"
ign "" 'log/\n'
ign log '!*\n'
files log/a log/b/c
compare

new_repo "re-include a folder, then its files"
ign "" '*\n!*/\n!*.c\n'
files a.c b.h src/x.c src/y.h src/deep/z.c
compare

new_repo "non-UTF-8 bytes"
ign "" '\xff*\n*\xe9\n[\xc0-\xc3]x\n\xfe?\xfd\n'
files '\xff' '\xffabc' 'ab\xe9' '\xc1x' '\xc4x' '\xfe\x80\xfd' 'plain'
compare

new_repo "pathological pattern"
ign "" 'a*a*a*a*a*a*a*a*a*a*a*a*b\n**/a*a*a*a*a*a*a*a*c/**\n'
# (kept short: git's own matcher is exponential on these; whorl's is not)
files "$(printf 'a%.0s' $(seq 1 20))" "$(printf 'a%.0s' $(seq 1 20))b" "x/$(printf 'a%.0s' $(seq 1 20))c/d"
compare

new_repo "trailing backslash, lone !, lone /"
ign "" 'foo\\\n!\n/\nbar\\\\\n'
files 'foo\\' foo 'bar\\' bar
compare

new_repo "BOM and NUL"
ign "" '\xef\xbb\xbfbom\nnul\x00tail\nz\n'
files bom nul 'nultail' z
compare

new_repo "dot files and double slashes"
ign "" '.*\n!.keep\na//b\n'
files .hidden .keep x/.y a/b
compare

new_repo "escaped slash"
ign "" 'a\\/b\nc/d\\/e\n**\\/f\ng/**\\/h\ni\\/**\n'
files a/b c/d/e x/a/b f x/f g/h g/x/h g/x/y/h i/j i/k/l
compare

# Known difference: git's match_pathname() compares the literal prefix of an
# anchored pattern first and wildmatches the rest on its own, so in "x/ab**"
# the "**" starts the remaining pattern and crosses '/' (git matches
# x/abc/def even where x/abc is re-included). gitignore(5) says such a "**"
# is a regular '*'; whorl follows the documentation.
KNOWN=1
new_repo "KNOWN: ** right after literal characters in an anchored pattern"
ign "" 'x/ab**\n!x/abc/\n'
files x/abc/def x/abd
compare
KNOWN=0

# ---- random scenarios ------------------------------------------------------------------
RANDOM=$SEED
NAMES=(a b c ab ba abc a.o b.o x.c .h q "]a" "a*" "-" "a[b]")
# no piece puts "**" right after literal characters ("ab**"): see the known
# difference at the end of the curated scenarios
PIECES=(a b c ab ba "a*" "*b" "*" "?" "**" "[ab]" "[!a]" "*.o" ".h" q "a?" "[a-b]*" "x*"
  "[]a]" "[!]b]" "a\\*" "\\q" "***" "[[:alpha:]]" "[a-]" "[^a]b" "?*" "*?" "a[[]b]" "[*]")
rand_name() { printf '%s' "${NAMES[RANDOM % ${#NAMES[@]}]}"; }
rand_pattern() {
  local n=$((1 + RANDOM % 3)) i p=""
  for ((i = 0; i < n; i++)); do
    [ $i -gt 0 ] && p+="/"
    p+=${PIECES[RANDOM % ${#PIECES[@]}]}
  done
  [ $((RANDOM % 5)) -eq 0 ] && p="/$p"
  [ $((RANDOM % 4)) -eq 0 ] && p="$p/"
  [ $((RANDOM % 4)) -eq 0 ] && p="!$p"
  printf '%s' "$p"
}
rand_rules() {
  local n=$((1 + RANDOM % 5)) i
  for ((i = 0; i < n; i++)); do printf '%s\\n' "$(rand_pattern)"; done
}
for ((round = 0; round < ROUNDS; round++)); do
  new_repo "random #$round"
  ign "" "$(rand_rules)"
  dirs=("")
  nf=$((3 + RANDOM % 10))
  for ((k = 0; k < nf; k++)); do
    depth=$((RANDOM % 4))
    p=""
    for ((j = 0; j < depth; j++)); do p+="$(rand_name)/"; done
    p+=$(rand_name)
    # a file cannot also be a folder: skip clashes
    if ! mkdir -p -- "$(dirname -- "$p")" 2>/dev/null; then continue; fi
    [ -d "$p" ] || : >"$p"
    [ "$(dirname -- "$p")" != . ] && dirs+=("$(dirname -- "$p")")
  done
  # nested rules in up to two folders
  for ((k = 0; k < 2; k++)); do
    d=${dirs[RANDOM % ${#dirs[@]}]}
    [ -n "$d" ] && [ $((RANDOM % 2)) -eq 0 ] && [ -d "$d" ] && ign "$d" "$(rand_rules)"
  done
  compare
done

echo "ignore_vs_git: $SCEN scenarios, $NPATHS paths checked ($NIGN ignored by git), $FAILS disagreements"
[ "$FAILS" -eq 0 ]
