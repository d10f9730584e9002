#!/usr/bin/env bash
# The README's first command runs examples/demo.sh: it must keep working and
# keep telling the story it tells (each change found and explained).
set -uo pipefail
src=${WHORL_SRC:?}
bin=${WHORL_BIN:?}
tmp=$(mktemp -d "${WHORL_TMP:-/tmp}/demo.XXXXXX"); trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
TMPDIR=$tmp bash "$src/examples/demo.sh" "$bin" > "$tmp/out" 2>&1
rc=$?
sed -i 's/\x1b\[[0-9;]*m//g' "$tmp/out"
if [[ $rc -eq 0 ]]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: demo exit status $rc"; tail -20 "$tmp/out"; fi
expect() {
  if grep -qF -- "$1" "$tmp/out"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: the demo no longer says: $1"; fi
}
expect "3 passed, 0 with warnings, 0 failed"
expect "ok   data/train.csv  (same logical content, different bytes)"
expect "same logical content, different bytes (table, logical): csv -> parquet"
expect "values changed in 1 column: monthly_spend; 1 row changed (row 1234)"
expect "column age_z: psi 0.9466, beyond 0.25"
expect "model weights changed: 1 tensor changed (hidden.weight)"
expect "config key /config.json/learning_rate changed: 0.001 -> 0.003 (frozen)"
expect "~ /config.json/learning_rate: 0.001 -> 0.003"
expect "    ~ 1234->1234"
expect "<testsuite name=\"whorl check\" tests=\"3\" failures=\"2\""
expect "ok   model  (identical)"
expect "1 passed, 0 with warnings, 2 failed"
echo "demo: $pass passed, $fail failed"
[[ $fail -eq 0 ]]
