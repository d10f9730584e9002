#!/usr/bin/env bash
# The CI gate benchmark (issue 6): `whorl check` on a generated project of
# 100 artifacts, about 5 GB, beside what a user has today -- re-hashing
# everything (dvc status-style: md5sum of every file; b3sum too) -- in the
# same run, page cache warm for both. A benchmark, not a test.
#
#   bash bench/check.sh path/to/whorl
#
# The project (WHORL_BENCH_DIR, default /tmp/whorl-bench/check):
#   data/big.csv       a 10M-row table, ~1 GB (bench/gen-table.sh)
#   data/t00..t47.csv  48 tables of 100,000 rows, ~10 MB each
#   models/m1, m2      two 1.5 GB safetensors models
#   files/f00..f48     49 binary files of 10 MiB
# Scenarios: lock; check unchanged (warm stat cache); one small file
# changed; 0.1% of big.csv's rows changed (10,000: an estimate); 1,000 rows
# changed (exact row numbers, checked against the truth); and, from
# fingerprints alone, the drift report of a 100-column table.
set -euo pipefail
[[ $# -ge 1 && -x "$1" ]] || { echo "usage: bash bench/check.sh path/to/whorl" >&2; exit 2; }
WHORL=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
DIR=${WHORL_BENCH_DIR:-/tmp/whorl-bench}/check
P=$DIR/project
export XDG_CACHE_HOME=$DIR/cache
mkdir -p "$P/data" "$P/models" "$P/files"

gen() {
  [[ -s $P/data/big.csv ]] || { echo "generating data/big.csv (10M rows) ..." >&2; bash "$HERE/gen-table.sh" 10000000 > "$P/data/big.csv"; }
  for i in $(seq -w 0 47); do
    [[ -s $P/data/t$i.csv ]] || bash "$HERE/gen-table.sh" 100000 | awk -v k="$i" 'NR == 1 || NR % 48 != k + 0' > "$P/data/t$i.csv"
  done
  [[ -s $P/models/m2.safetensors ]] || { echo "generating models ..." >&2; /usr/bin/python3 - "$P/models" <<'PY'
import json, struct, sys
import numpy as np
rng = np.random.default_rng(6)
for m in (1, 2):
    n, per = 48, 1536 * 1024 * 1024 // 4 // 48
    header, off = {}, 0
    for i in range(n):
        header[f"layers.{i}.weight"] = {"dtype": "F32", "shape": [per], "data_offsets": [off, off + per * 4]}
        off += per * 4
    h = json.dumps(header).encode()
    with open(f"{sys.argv[1]}/m{m}.safetensors", "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h)
        for i in range(n):
            f.write(rng.standard_normal(per, dtype=np.float32).tobytes())
PY
  }
  for i in $(seq -w 0 48); do
    [[ -s $P/files/f$i.bin ]] || head -c 10485760 /dev/urandom > "$P/files/f$i.bin"
  done
}
gen
cp "$P/data/big.csv" "$DIR/big.orig.csv"
cp "$P/files/f07.bin" "$DIR/f07.orig.bin"
restore() { cp "$DIR/big.orig.csv" "$P/data/big.csv"; cp "$DIR/f07.orig.bin" "$P/files/f07.bin"; }
trap restore EXIT

cd "$P"
NART=$(($(ls data | wc -l) + $(ls models | wc -l) + $(ls files | wc -l)))
BYTES=$(du -cb data models files | tail -1 | cut -f1)
printf 'project: %d artifacts, %.2f GB (%s)\n' "$NART" "$(echo "$BYTES / 1000000000" | bc -l)" "$P"
cat data/* models/* files/* > /dev/null # page cache warm for everyone

now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc -l; }
best() { # best of N runs of a command: seconds
  local n=$1; shift
  local b=999999 s e d
  for _ in $(seq "$n"); do
    s=$(now); "$@" > /dev/null 2>&1 || true; e=$(now)
    d=$(secs "$s" "$e"); if (( $(echo "$d < $b" | bc -l) )); then b=$d; fi
  done
  echo "$b"
}
row() { printf '%-58s %9.3f s %s\n' "$1" "$2" "${3:-}"; }

rm -f whorl.lock
s=$(now); "$WHORL" lock data/*.csv models/*.safetensors files/*.bin > /dev/null 2>&1; e=$(now)
LOCK=$(secs "$s" "$e")
row "whorl lock (first fingerprint of everything)" "$LOCK" "($(wc -c < whorl.lock) bytes of whorl.lock)"
"$WHORL" check > /dev/null 2>&1 || true # fills the stat cache of files the lock read before its racy window
sleep 2.1; "$WHORL" check > /dev/null 2>&1 || true

MD5=$(best 1 sh -c 'md5sum data/* models/* files/*')
B3=$(best 1 sh -c 'b3sum --no-mmap data/* models/* files/*')
row "md5sum of every file (dvc status-style re-hash)" "$MD5"
row "b3sum --no-mmap of every file" "$B3"

UNCH=$(best 5 "$WHORL" check)
rc=0; "$WHORL" check > /dev/null 2>&1 || rc=$?
row "whorl check, unchanged (warm stat cache)" "$UNCH" "(exit $rc; $(echo "$MD5 / $UNCH" | bc -l | xargs printf '%.0f')x faster than md5sum)"

printf 'X' | dd of=files/f07.bin bs=1 seek=5000000 conv=notrunc status=none
sleep 2.1
SMALL=$(best 1 "$WHORL" check)
rc=0; out=$("$WHORL" check 2>&1) || rc=$?
row "whorl check, one 10 MiB file changed" "$SMALL" "(exit $rc: $(grep -c '^FAIL' <<< "$out") failing: $(grep '^FAIL' <<< "$out" | head -1 | cut -c1-40))"
cp "$DIR/f07.orig.bin" files/f07.bin

# rows changed in place (same length): a digit of order_id; the truth kept
change_rows() { # count -> writes $DIR/truth.txt (0-based data rows)
  /usr/bin/python3 - "$P/data/big.csv" "$1" "$DIR/truth.txt" <<'PY'
import sys, numpy as np
path, k, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
# line starts: one pass over the file
starts = []
with open(path, "rb") as f:
    pos = 0
    while True:
        b = f.read(1 << 24)
        if not b:
            break
        a = np.frombuffer(b, dtype=np.uint8)
        starts.append(np.flatnonzero(a == 10) + pos + 1)
        pos += len(b)
starts = np.concatenate(starts)[:-1]  # line i+1 starts after newline i; the last newline ends the file
rows = np.sort(np.random.default_rng(k).choice(len(starts) - 1, size=k, replace=False))  # data row r = line r+2
with open(path, "r+b") as f:
    for r in rows:
        f.seek(int(starts[r]))
        c = f.read(1)
        f.seek(int(starts[r]))
        f.write(b"9" if c != b"9" else b"8")
np.savetxt(out, rows, fmt="%d")
PY
}
change_rows 10000
sleep 2.1
s=$(now); rc=0; out=$("$WHORL" check 2>&1) || rc=$?; e=$(now)
row "whorl check, 0.1% of big.csv's rows changed (10,000)" "$(secs "$s" "$e")" "(exit $rc)"
echo "    $(grep -A1 '^FAIL' <<< "$out" | tail -1 | sed 's/^ *//' | cut -c1-110)"
cp "$DIR/big.orig.csv" data/big.csv

change_rows 1000
sleep 2.1
s=$(now); rc=0; "$WHORL" check --format json > "$DIR/check.json" 2>/dev/null || rc=$?; e=$(now)
ok=$(/usr/bin/python3 - "$DIR/check.json" "$DIR/truth.txt" <<'PY'
import json, sys
rep = json.load(open(sys.argv[1]))
truth = [int(x) for x in open(sys.argv[2])]
a = [a for a in rep["artifacts"] if a["name"] == "data/big.csv"][0]
rc = a["diff"]["table"]["row_changes"]
got = [p[1] for p in rc.get("changed_rows", [])]
print("exact" if rc["exact"] and got == truth else "WRONG", rc.get("changed"), "changed rows;", "row numbers equal the truth" if got == truth else "row numbers differ")
PY
)
row "whorl check, 1,000 of big.csv's rows changed" "$(secs "$s" "$e")" "(exit $rc; $ok)"
cp "$DIR/big.orig.csv" data/big.csv

FPB=$("$WHORL" fp --json data/big.csv | wc -c)
printf '%-58s %9d bytes (%.0f KiB)\n' "big.csv's fingerprint (10M rows, profile level)" "$FPB" "$(echo "$FPB / 1024" | bc -l)"

# drift report of a 100-column table from the two fingerprints alone
/usr/bin/python3 - "$DIR" <<'PY'
import sys, numpy as np, pandas as pd
d = sys.argv[1]
rng = np.random.default_rng(3)
n = 200000
cols = {}
for j in range(100):
    if j % 4 == 3:
        cols[f"c{j}"] = rng.choice(["a", "b", "c", "d", "e", "f"], n)
    else:
        cols[f"x{j}"] = rng.normal(j, 1 + j % 5, n).round(4)
df = pd.DataFrame(cols)
df.to_csv(f"{d}/wide-a.csv", index=False)
for j in range(0, 100, 4):
    df[f"x{j}"] = df[f"x{j}"] * 1.1 + 0.2
df.to_csv(f"{d}/wide-b.csv", index=False)
PY
"$WHORL" fp --no-cache --json -o "$DIR/wide-a.json" "$DIR/wide-a.csv"
"$WHORL" fp --no-cache --json -o "$DIR/wide-b.json" "$DIR/wide-b.csv"
DR=$(best 5 "$WHORL" diff --json "$DIR/wide-a.json" "$DIR/wide-b.json")
NCH=$({ "$WHORL" diff --json "$DIR/wide-a.json" "$DIR/wide-b.json" || true; } | /usr/bin/python3 -c "import json,sys; print(len(json.load(sys.stdin)['table']['columns']['changed']))")
row "whorl diff of two 100-column fingerprints (drift report)" "$DR" "($NCH columns with drift; documents $(wc -c < "$DIR/wide-a.json") bytes)"
