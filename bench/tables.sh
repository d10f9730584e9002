#!/usr/bin/env bash
# Tables benchmark (issue 3): whorl at the logical level against DuckDB's
# row hash and `wc -l` (the parsing floor), on the same generated CSV, in
# one run. Prints MB/s, ratios and peak RSS. A benchmark, not a test.
#
#   bash bench/tables.sh path/to/whorl [ROWS]      (ROWS default 10,000,000 = ~1 GB)
#
# DuckDB: the npm package @duckdb/node-api, installed with --ignore-scripts
# in $WHORL_DUCKDB_DIR (default /tmp/duck):
#   mkdir -p /tmp/duck && cd /tmp/duck && npm install --ignore-scripts @duckdb/node-api
# Without it the DuckDB line is skipped with a note.
set -euo pipefail
[[ $# -ge 1 && -x "$1" ]] || { echo "usage: bash bench/tables.sh path/to/whorl [ROWS]" >&2; exit 2; }
WHORL=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
ROWS=${2:-10000000}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DIR=${WHORL_BENCH_DIR:-/tmp/whorl-bench}
DUCK=${WHORL_DUCKDB_DIR:-/tmp/duck}
mkdir -p "$DIR"
CSV="$DIR/table-$ROWS.csv"
[[ -s "$CSV" ]] || { echo "generating $CSV ..." >&2; bash "$HERE/gen-table.sh" "$ROWS" > "$CSV.tmp"; mv "$CSV.tmp" "$CSV"; }
SIZE=$(stat -c %s "$CSV")
cat "$CSV" > /dev/null # page cache warm

. "$HERE/lib.sh" # measure
line() { # name seconds rss_kib
  awk -v n="$1" -v s="$2" -v k="$3" -v b="$SIZE" 'BEGIN { printf "%-34s %7.2f s %8.0f MB/s %8.1f MiB RSS\n", n, s, b / s / 1e6, k / 1024 }'
}
echo "data: $CSV ($SIZE bytes, $ROWS rows x 12 columns)"
read -r ws wk < <(measure 3 wc -l "$CSV"); line "wc -l" "$ws" "$wk"
read -r w1 k1 < <(measure 3 "$WHORL" fp --no-cache --level logical --threads 1 --id "$CSV"); line "whorl logical, 1 thread" "$w1" "$k1"
read -r w2 k2 < <(measure 3 "$WHORL" fp --no-cache --level logical --threads 2 --id "$CSV"); line "whorl logical, 2 threads" "$w2" "$k2"
if [[ -d "$DUCK/node_modules/@duckdb/node-api" ]] && command -v node >/dev/null; then
  cat > "$DUCK/rowhash.mjs" <<'JS'
import { DuckDBInstance } from '@duckdb/node-api';
const db = await DuckDBInstance.create(':memory:', { threads: '2' });
const c = await db.connect();
const r = await c.runAndReadAll(`SELECT bit_xor(hash(t)) FROM read_csv('${process.argv[2]}') t`);
console.log(String(r.getRows()[0][0]));
JS
  read -r ds dk < <(cd "$DUCK" && measure 3 node rowhash.mjs "$CSV"); line "DuckDB bit_xor(hash(t)), 2 threads" "$ds" "$dk"
  awk -v a="$ds" -v b="$w2" -v c="$w1" 'BEGIN { printf "ratio whorl (2 threads) / DuckDB: %.2fx   (target >= 4x)\n", a / b; printf "speed-up 1 -> 2 threads: %.2fx   (target >= 1.7x)\n", c / b }'
else
  echo "note: DuckDB (@duckdb/node-api in $DUCK) not found: skipped" >&2
  awk -v b="$w2" -v c="$w1" 'BEGIN { printf "speed-up 1 -> 2 threads: %.2fx   (target >= 1.7x)\n", c / b }'
fi
awk -v a="$ws" -v b="$w2" 'BEGIN { printf "whorl (2 threads) / wc -l time: %.1fx\n", b / a }'
