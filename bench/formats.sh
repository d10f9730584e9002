#!/usr/bin/env bash
# Formats benchmark: whorl on Parquet, JSON Lines and zstd-compressed CSV and
# JSON Lines against DuckDB on the
# same files, in one run. The generated table of the tables benchmark (ROWS
# rows, default 2,000,000) is converted once by DuckDB itself, so the peer
# reads files its own writer made. Levels: logical (vs DuckDB's
# bit_xor(hash(t))) and profile (vs DuckDB's SUMMARIZE), 1 and 2 threads.
# Prints seconds, ratios and peak RSS. A benchmark, not a test.
#
#   bash bench/formats.sh path/to/whorl [ROWS]
#
# DuckDB: the npm package @duckdb/node-api installed with --ignore-scripts in
# $WHORL_DUCKDB_DIR (default /tmp/duck); without it nothing can be compared.
set -euo pipefail
[[ $# -ge 1 && -x "$1" ]] || { echo "usage: bash bench/formats.sh path/to/whorl [ROWS]" >&2; exit 2; }
WHORL=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
ROWS=${2:-2000000}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DIR=${WHORL_BENCH_DIR:-/tmp/whorl-bench}
DUCK=${WHORL_DUCKDB_DIR:-/tmp/duck}
mkdir -p "$DIR"
if [[ ! -d "$DUCK/node_modules/@duckdb/node-api" ]] || ! command -v node >/dev/null; then
  echo "DuckDB (@duckdb/node-api in $DUCK) not found: nothing to compare with" >&2
  exit 2
fi
CSV="$DIR/table-$ROWS.csv"
[[ -s "$CSV" ]] || { echo "generating $CSV ..." >&2; bash "$HERE/gen-table.sh" "$ROWS" > "$CSV.tmp"; mv "$CSV.tmp" "$CSV"; }
cat > "$DUCK/formats.mjs" <<'JS'
import { DuckDBInstance } from '@duckdb/node-api';
const [mode, src, dst] = process.argv.slice(2);
const db = await DuckDBInstance.create(':memory:', { threads: mode === 'convert' ? '1' : '2' });
const c = await db.connect();
if (mode === 'convert') {
  const fmt = dst.endsWith('.parquet') ? '(FORMAT PARQUET)' : '(FORMAT JSON)';
  await c.run(`COPY (SELECT * FROM read_csv('${src}')) TO '${dst}' ${fmt}`);
} else {
  const q = mode === 'summarize' ? `SUMMARIZE SELECT * FROM '${src}'` : `SELECT bit_xor(hash(t)) FROM '${src}' t`;
  const r = await c.runAndReadAll(q);
  console.log(r.getRows().length);
}
JS
for ext in parquet jsonl; do
  f="$DIR/formats-$ROWS.$ext"
  [[ -s "$f" ]] || { echo "converting to $f (DuckDB) ..." >&2; (cd "$DUCK" && node formats.mjs convert "$CSV" "$f.tmp.$ext") && mv "$f.tmp.$ext" "$f"; }
  cat "$f" > /dev/null
done
# zstd-compressed CSV and JSON Lines (zstd -3): decompressed and parsed by
# both tools
command -v zstd >/dev/null || { echo "zstd not found (apt-get install zstd)" >&2; exit 2; }
[[ -s "$DIR/formats-$ROWS.csv.zst" ]] || zstd -q -3 -f "$CSV" -o "$DIR/formats-$ROWS.csv.zst"
[[ -s "$DIR/formats-$ROWS.jsonl.zst" ]] || zstd -q -3 -f "$DIR/formats-$ROWS.jsonl" -o "$DIR/formats-$ROWS.jsonl.zst"

. "$HERE/lib.sh" # measure
line() { awk -v n="$1" -v s="$2" -v k="$3" 'BEGIN { printf "%-44s %7.2f s %8.1f MiB RSS\n", n, s, k / 1024 }'; }

echo "data: $ROWS rows x 12 columns of the tables benchmark's table, written by DuckDB (and zstd -3)"
for ext in parquet jsonl csv.zst jsonl.zst; do
  f="$DIR/formats-$ROWS.$ext"
  echo "-- $ext ($(stat -c %s "$f") bytes)"
  for lv in logical profile; do
    read -r w1 k1 < <(measure 3 "$WHORL" fp --no-cache --level $lv --threads 1 --id "$f"); line "whorl $lv, 1 thread" "$w1" "$k1"
    read -r w2 k2 < <(measure 3 "$WHORL" fp --no-cache --level $lv --threads 2 --id "$f"); line "whorl $lv, 2 threads" "$w2" "$k2"
    mode=hash; name="DuckDB bit_xor(hash(t)), 2 threads"
    [[ $lv == profile ]] && mode=summarize && name="DuckDB SUMMARIZE, 2 threads"
    read -r ds dk < <(cd "$DUCK" && measure 3 node formats.mjs $mode "$f"); line "$name" "$ds" "$dk"
    awk -v a="$ds" -v b="$w2" -v c="$w1" -v l="$lv" 'BEGIN { printf "ratio whorl %s (2 threads) / DuckDB: %.2fx; 1 -> 2 threads: %.2fx\n", l, a / b, c / b }'
  done
done
