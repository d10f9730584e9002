#!/usr/bin/env bash
# Profiles benchmark (issue 4): whorl at the profile level against DuckDB's
# SUMMARIZE and pandas (read_csv + describe(include='all') + nunique()) on
# the same generated CSV as the tables benchmark, in one run. Prints MB/s,
# ratios and peak RSS, and the JSON size of a 100-column table's profile.
# A benchmark, not a test.
#
#   bash bench/profile.sh path/to/whorl [ROWS]      (ROWS default 10,000,000 = ~1 GB)
#
# DuckDB: the npm package @duckdb/node-api installed with --ignore-scripts in
# $WHORL_DUCKDB_DIR (default /tmp/duck); pandas: Debian's python3-pandas
# (/usr/bin/python3). A missing peer is skipped with a note.
set -euo pipefail
[[ $# -ge 1 && -x "$1" ]] || { echo "usage: bash bench/profile.sh path/to/whorl [ROWS]" >&2; exit 2; }
WHORL=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
ROWS=${2:-10000000}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DIR=${WHORL_BENCH_DIR:-/tmp/whorl-bench}
DUCK=${WHORL_DUCKDB_DIR:-/tmp/duck}
RUNS=${WHORL_BENCH_RUNS:-3}
mkdir -p "$DIR"
CSV="$DIR/table-$ROWS.csv"
[[ -s "$CSV" ]] || { echo "generating $CSV ..." >&2; bash "$HERE/gen-table.sh" "$ROWS" > "$CSV.tmp"; mv "$CSV.tmp" "$CSV"; }
SIZE=$(stat -c %s "$CSV")
cat "$CSV" > /dev/null # page cache warm

. "$HERE/lib.sh" # measure
line() { # name seconds rss_kib
  awk -v n="$1" -v s="$2" -v k="$3" -v b="$SIZE" 'BEGIN { printf "%-44s %7.2f s %8.0f MB/s %8.1f MiB RSS\n", n, s, b / s / 1e6, k / 1024 }'
}
echo "data: $CSV ($SIZE bytes, $ROWS rows x 12 columns)"
read -r w1 k1 < <(measure "$RUNS" "$WHORL" fp --no-cache --level profile --threads 1 --json "$CSV"); line "whorl profile, 1 thread" "$w1" "$k1"
read -r w2 k2 < <(measure "$RUNS" "$WHORL" fp --no-cache --level profile --threads 2 --json "$CSV"); line "whorl profile, 2 threads" "$w2" "$k2"
read -r l2 lk < <(measure "$RUNS" "$WHORL" fp --no-cache --level logical --threads 2 --json "$CSV"); line "whorl logical (no profile), 2 threads" "$l2" "$lk"
ds=""
if [[ -d "$DUCK/node_modules/@duckdb/node-api" ]] && command -v node >/dev/null; then
  cat > "$DUCK/summarize.mjs" <<'JS'
import { DuckDBInstance } from '@duckdb/node-api';
const db = await DuckDBInstance.create(':memory:', { threads: '2' });
const c = await db.connect();
const r = await c.runAndReadAll(`SUMMARIZE SELECT * FROM read_csv('${process.argv[2]}')`);
console.log(r.getRows().length);
JS
  read -r ds dk < <(cd "$DUCK" && measure "$RUNS" node summarize.mjs "$CSV"); line "DuckDB SUMMARIZE, 2 threads" "$ds" "$dk"
else
  echo "note: DuckDB (@duckdb/node-api in $DUCK) not found: skipped" >&2
fi
ps=""
if /usr/bin/python3 -c 'import pandas' 2>/dev/null; then
  cat > "$DIR/pandas_profile.py" <<'PY'
import sys
import pandas as pd
df = pd.read_csv(sys.argv[1])
d = df.describe(include="all")
u = df.nunique()
print(len(d), len(u))
PY
  read -r ps pk < <(measure 1 /usr/bin/python3 "$DIR/pandas_profile.py" "$CSV"); line "pandas read_csv+describe+nunique (1 run)" "$ps" "$pk"
else
  echo "note: pandas (/usr/bin/python3) not found: skipped" >&2
fi
[[ -n "$ds" ]] && awk -v a="$ds" -v b="$w2" 'BEGIN { printf "ratio whorl profile (2 threads) / DuckDB SUMMARIZE: %.1fx   (target >= 12x, aim 20x)\n", a / b }'
[[ -n "$ps" ]] && awk -v a="$ps" -v b="$w2" 'BEGIN { printf "ratio whorl profile (2 threads) / pandas: %.1fx\n", a / b }'
awk -v c="$w1" -v b="$w2" 'BEGIN { printf "speed-up 1 -> 2 threads: %.2fx   (target >= 1.7x)\n", c / b }'
awk -v k="$k2" 'BEGIN { printf "peak RSS whorl profile: %.1f MiB   (target <= 64 MiB)\n", k / 1024 }'
# a 100-column table: the profile document's size
W100="$DIR/wide-100.csv"
[[ -s "$W100" ]] || awk 'BEGIN { srand(7); for (c = 0; c < 100; c++) printf "%sc%d", c ? "," : "", c; print "";
  for (r = 0; r < 200000; r++) { for (c = 0; c < 100; c++) { m = c % 4;
    v = m == 0 ? sprintf("%.6f", rand() * 1000 - 500) : m == 1 ? int(rand() * 1e9) : m == 2 ? sprintf("s%d", int(rand() * 100000)) : sprintf("2024-%02d-%02d", int(rand() * 12) + 1, int(rand() * 28) + 1);
    printf "%s%s", c ? "," : "", v } print "" } }' > "$W100"
bytes=$("$WHORL" fp --no-cache --json "$W100" | wc -c)
awk -v b="$bytes" 'BEGIN { printf "100-column table (200,000 rows, high-cardinality columns): profile document %.0f KiB   (target <= 1024 KiB)\n", b / 1024 }'
