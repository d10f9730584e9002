#!/usr/bin/env bash
# The main job on bundled example data: fingerprint a dataset folder, change
# a copy of it, and let whorl explain the difference.
set -euo pipefail
WHORL=${1:-build/whorl}
WHORL=$(cd "$(dirname "$WHORL")" && pwd)/$(basename "$WHORL")
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/whorl-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT

# A deterministic 3 MB table of readings, generated so the repo stays small.
gen_readings() {
  awk 'BEGIN { s = 12345; print "station_id,timestamp,temperature_c,humidity_pct,pressure_hpa";
    for (i = 0; i < 60000; i++) {
      s = (s * 1103515245 + 12345) % 2147483648; t = (int(s / 65536) % 4000) / 100 - 5;
      s = (s * 1103515245 + 12345) % 2147483648; h = int(s / 65536) % 100;
      s = (s * 1103515245 + 12345) % 2147483648; p = 980 + (int(s / 65536) % 600) / 10;
      printf "ST%03d,2026-01-%02dT%02d:%02d:00Z,%.2f,%d,%.1f\n", i % 8 + 1, i / 2000 % 28 + 1, i / 60 % 24, i % 60, t, h, p } }'
}

cp -r "$here/dataset" "$work/v1"
gen_readings > "$work/v1/readings.csv"
cd "$work"

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

step "whorl fp v1"
"$WHORL" fp --no-cache v1

step "whorl fp --json -o v1.whorl.json v1   # save the baseline"
"$WHORL" fp --no-cache --json -o v1.whorl.json v1
echo "saved $(wc -c < v1.whorl.json) bytes"

# v2: one value edited in the middle of readings.csv, a file renamed, a file added.
cp -r v1 v2
sed -i '30000s/,[0-9]*\.[0-9]$/,1234.5/' v2/readings.csv
mv v2/meta/labels.txt v2/meta/classes.txt
echo '{"note": "added later"}' > v2/meta/extra.json

step "whorl diff v1.whorl.json v2   # saved baseline against the live folder"
set +e
"$WHORL" diff --no-cache v1.whorl.json v2
echo "(exit status $?: 1 means different)"

step "whorl diff v1 v2   # both folders on disk: also where inside each changed file"
"$WHORL" diff --no-cache v1 v2
echo "(exit status $?)"

step "whorl diff v1 v1   # unchanged"
"$WHORL" diff --no-cache v1 v1
echo "(exit status $?: 0 means identical)"
set -e

step "whorl fp v1/readings.csv   # a table: fingerprinted by its values"
"$WHORL" fp --no-cache v1/readings.csv

# The same table re-serialized: tab-separated with Windows line endings,
# and the same rows in another order (header kept first).
tr ',' '\t' < v1/readings.csv | sed 's/$/\r/' > readings.tsv
{ head -n 1 v1/readings.csv; tail -n +2 v1/readings.csv | sort -t, -k3,3 -k1,1 -k2,2; } > readings-sorted.csv
set +e
step "whorl diff v1/readings.csv readings.tsv   # another format, the same values"
"$WHORL" diff --no-cache v1/readings.csv readings.tsv
echo "(exit status $?: 0, the logical content is identical)"

step "whorl diff v1/readings.csv readings-sorted.csv   # the same rows, reordered"
"$WHORL" diff --no-cache v1/readings.csv readings-sorted.csv
echo "(exit status $?)"

step "whorl diff v1/readings.csv v2/readings.csv   # one edited value: which column"
"$WHORL" diff --no-cache v1/readings.csv v2/readings.csv
echo "(exit status $?)"
set -e

step "whorl fp --level content --id v1/readings.csv; b3sum v1/readings.csv   # the same BLAKE3"
"$WHORL" fp --no-cache --level content --id v1/readings.csv
if command -v b3sum >/dev/null; then b3sum v1/readings.csv; fi

step "whorl fp --level content --digest sha256,md5 v1/readings.csv   # one read, three digests"
"$WHORL" fp --no-cache --level content --digest sha256,md5 v1/readings.csv
sha256sum v1/readings.csv
md5sum v1/readings.csv

step "whorl lock v1/readings.csv; whorl check   # a baseline, and the CI gate"
( cd v1 && "$WHORL" lock readings.csv )
( cd v1 && "$WHORL" check; echo "(exit status $?: unchanged)" )
cp v2/readings.csv v1/readings.csv
set +e
( cd v1 && "$WHORL" check; echo "(exit status $?: a value changed, so the default policy fails)" )
set -e
