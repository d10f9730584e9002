#!/usr/bin/env bash
# Every public header compiles on its own, as strict C11 and as C++, with
# warnings as errors: the API can be included anywhere, in any order.
set -uo pipefail
src=${WHORL_SRC:?}
tmp=$(mktemp -d "${WHORL_TMP:-/tmp}/hdr.XXXXXX"); trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
for h in "$src"/include/whorl/*.h; do
  name=$(basename "$h")
  printf '#include "whorl/%s"\n#include "whorl/%s"\nint main(void) { return 0; }\n' "$name" "$name" > "$tmp/t.c"
  if gcc -std=c11 -pedantic -Wall -Wextra -Werror -I"$src/include" -c "$tmp/t.c" -o "$tmp/t.o" 2>"$tmp/err"; then
    pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL (C11): $name"; cat "$tmp/err"; fi
  cp "$tmp/t.c" "$tmp/t.cpp"
  if command -v g++ >/dev/null; then
    if g++ -std=c++11 -pedantic -Wall -Wextra -Werror -I"$src/include" -c "$tmp/t.cpp" -o "$tmp/t.o" 2>"$tmp/err"; then
      pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL (C++): $name"; cat "$tmp/err"; fi
  fi
done
# Nothing outside include/ is public: no public header includes a private one.
if grep -nE '#include "(util|hash|canon|io|walk|cache|fp|compare)/' "$src"/include/whorl/*.h; then
  fail=$((fail + 1)); echo "FAIL: a public header includes a private one"; else pass=$((pass + 1)); fi
# Layering: lower modules never include higher ones.
layer() { case $1 in whorl) echo -1;; util) echo 0;; hash) echo 1;; canon) echo 1;; sketch) echo 1;; io) echo 2;; walk) echo 2;; cache) echo 2;; table) echo 3;; model) echo 3;; fp) echo 3;; compare) echo 4;; *) echo 9;; esac; }
for f in "$src"/src/*/*.[ch]; do
  mod=$(basename "$(dirname "$f")")
  while read -r inc; do
    [[ -z "$inc" ]] && continue
    if [[ $(layer "$inc") -gt $(layer "$mod") ]]; then fail=$((fail + 1)); echo "FAIL: $f (layer $mod) includes $inc/"; fi
  done < <(grep -oE '#include "[a-z]+/' "$f" | sed -E 's/#include "([a-z]+)\//\1/' | sort -u)
done
pass=$((pass + 1))
echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
