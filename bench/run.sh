#!/usr/bin/env bash
# whorl benchmark: throughput against b3sum / sha256sum / md5sum, quick level,
# thread scaling, warm stat cache and peak memory.
#
#   bash bench/run.sh path/to/whorl
#
# A benchmark, not a test: it prints numbers, ratios and whether each target
# was met, and exits 0 whatever the timings are (it fails only when it cannot
# run: no whorl binary, no disk space, a command that errors).
#
# Environment:
#   WHORL_BENCH_DIR     data and results folder (default /tmp/whorl-bench);
#                       the data (~7.5 GB) is generated once and reused
#   WHORL_BENCH_RUNS    timed runs per command (default 5)
#   WHORL_BENCH_WARMUP  warm-up runs per command (default 1)
#
# Data (deterministic, so numbers are comparable between machines and runs):
#   big.bin   2 GiB of AES-128-CTR keystream (fixed key) - random-looking bytes
#   tree/     10,000 files in 100 sub-folders; sizes uniform in [1 KiB, 1 MiB]
#             (seeded, bench/gen.py), ~5.3 GB in all; content from the same
#             kind of keystream with another IV
#   .whorl/   makes <bench dir>/.whorl/cache.sqlite the stat cache
#
# Timing uses hyperfine (--warmup 1 --runs 5, median); without hyperfine a
# shell loop (bash's EPOCHREALTIME, else `date +%s%N`) takes the median.
# Peers that are not installed are skipped with a note. The summary is
# printed last and also written to $WHORL_BENCH_DIR/results.txt.
set -euo pipefail

die() { echo "bench: error: $*" >&2; exit 2; }
note() { echo "bench: note: $*" >&2; }
section() { printf '\n=== %s ===\n' "$*"; }

[[ $# -eq 1 ]] || die "usage: bash bench/run.sh path/to/whorl"
[[ -x "$1" && -f "$1" ]] || die "'$1' is not an executable file (build whorl first)"
WHORL=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BENCH_DIR=${WHORL_BENCH_DIR:-/tmp/whorl-bench}
RUNS=${WHORL_BENCH_RUNS:-5}
WARMUP=${WHORL_BENCH_WARMUP:-1}
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "WHORL_BENCH_RUNS must be a positive integer"
[[ "$WARMUP" =~ ^[0-9]+$ ]] || die "WHORL_BENCH_WARMUP must be a non-negative integer"

command -v python3 >/dev/null || die "python3 is needed (data generation, JSON parsing)"

have() { command -v "$1" >/dev/null 2>&1; }
HAVE_HF=0; have hyperfine && HAVE_HF=1
HAVE_B3=0; have b3sum && HAVE_B3=1
HAVE_SHA=0; have sha256sum && HAVE_SHA=1
HAVE_MD5=0; have md5sum && HAVE_MD5=1
TIME_BIN=""; [[ -x /usr/bin/time ]] && TIME_BIN=/usr/bin/time
HAVE_OPENSSL=0; have openssl && HAVE_OPENSSL=1
# b3sum gained --no-mmap in 0.3.x; an older one would reject the flag.
if [[ $HAVE_B3 -eq 1 ]] && ! b3sum --help 2>&1 | grep -q -- --no-mmap; then
  note "this b3sum has no --no-mmap; skipping b3sum peers"; HAVE_B3=0
fi
[[ $HAVE_HF -eq 1 ]] || note "hyperfine not found; timing with a shell loop (median of $RUNS)"
[[ $HAVE_B3 -eq 1 ]] || note "b3sum not found; skipping the b3sum peers"
[[ $HAVE_SHA -eq 1 ]] || note "sha256sum not found; skipping the sha256sum peers"
[[ $HAVE_MD5 -eq 1 ]] || note "md5sum not found; skipping the md5sum peers"
[[ -n "$TIME_BIN" ]] || note "/usr/bin/time not found; skipping peak RSS"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/whorl-bench-run.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
T_START=$(date +%s)

BIG_SIZE=$((2 * 1024 * 1024 * 1024))
NFILES=10000
DATA_VERSION=1                       # bump when the data recipe changes
KEY=000102030405060708090a0b0c0d0e0f # fixed: the data is the same everywhere
IV_BIG=00000000000000000000000000000001
IV_TREE=00000000000000000000000000000002

q() { printf '%q' "$1"; }           # quote one word for hyperfine/bash -c
calc() { awk "BEGIN { printf \"%.6g\", $* }"; }
gib() { awk -v b="$1" 'BEGIN { printf "%.2f", b / 2^30 }'; }

# ---------------------------------------------------------------- data ----

# stream IVHEX N: N deterministic pseudo-random bytes to stdout.
stream() {
  if [[ $HAVE_OPENSSL -eq 1 ]]; then
    head -c "$2" /dev/zero | openssl enc -aes-128-ctr -K "$KEY" -iv "$1"
  else
    python3 "$HERE/gen.py" stream "$1" "$2"
  fi
}

tree_total=$(python3 "$HERE/gen.py" total)
big_ok() {
  [[ -f "$BENCH_DIR/.big.done" && "$(cat "$BENCH_DIR/.big.done")" == "v$DATA_VERSION $BIG_SIZE" ]] &&
    [[ -f "$BIG" && $(stat -c %s "$BIG") -eq $BIG_SIZE ]]
}
tree_ok() {
  [[ -f "$BENCH_DIR/.tree.done" && "$(cat "$BENCH_DIR/.tree.done")" == "v$DATA_VERSION $NFILES $tree_total" ]] || return 1
  local n b
  read -r n b < <(find "$TREE" -type f -printf '%s\n' 2>/dev/null | awk '{ n++; b += $1 } END { printf "%.0f %.0f\n", n, b }')
  [[ $n -eq $NFILES && $b -eq $tree_total ]]
}

section "data in $BENCH_DIR"
mkdir -p "$BENCH_DIR/.whorl"
BENCH_DIR=$(cd "$BENCH_DIR" && pwd)
BIG="$BENCH_DIR/big.bin"
TREE="$BENCH_DIR/tree"
CACHE_DB="$BENCH_DIR/.whorl/cache.sqlite"
RESULTS="$BENCH_DIR/results.txt"
# Whatever is incomplete is regenerated from scratch: remove it (and what an
# interrupted generation left behind) before counting the free space.
need=0
if ! big_ok; then
  rm -f "$BIG" "$BIG.partial" "$BENCH_DIR/.big.done"
  need=$((need + BIG_SIZE))
fi
if ! tree_ok; then
  rm -rf "$TREE" "$TREE.partial" "$BENCH_DIR/.tree.done"
  need=$((need + tree_total))
fi
if [[ $need -gt 0 ]]; then
  margin=$((512 * 1024 * 1024))
  avail=$(df -PB1 "$BENCH_DIR" | awk 'NR == 2 { print $4 }')
  echo "free space in $BENCH_DIR: $(gib "$avail") GiB; the data needs $(gib "$need") GiB (+0.5 GiB margin)"
  if [[ $((need + margin)) -gt $avail ]]; then
    die "NOT ENOUGH FREE SPACE in $BENCH_DIR: need $(gib $((need + margin))) GiB, have $(gib "$avail") GiB. Free some space or set WHORL_BENCH_DIR to a folder on a bigger disk."
  fi
fi
gen_t0=$(date +%s)
generated=0
if ! big_ok; then
  echo "generating big.bin: 2 GiB of pseudo-random bytes ..."
  stream "$IV_BIG" "$BIG_SIZE" > "$BIG.partial"
  [[ $(stat -c %s "$BIG.partial") -eq $BIG_SIZE ]] || die "big.bin came out the wrong size"
  mv "$BIG.partial" "$BIG"
  echo "v$DATA_VERSION $BIG_SIZE" > "$BENCH_DIR/.big.done"
  generated=1
fi
if ! tree_ok; then
  echo "generating tree/: $NFILES files, sizes uniform in [1 KiB, 1 MiB], $tree_total bytes ..."
  stream "$IV_TREE" "$tree_total" | python3 "$HERE/gen.py" tree "$TREE.partial"
  mv "$TREE.partial" "$TREE"
  echo "v$DATA_VERSION $NFILES $tree_total" > "$BENCH_DIR/.tree.done"
  tree_ok || die "tree/ did not come out as expected"
  generated=1
fi
if [[ $generated -eq 1 ]]; then
  echo "generated in $(( $(date +%s) - gen_t0 )) s"
else
  echo "reusing existing data"
fi
echo "big.bin: $BIG_SIZE bytes; tree/: $NFILES files, $tree_total bytes (uniform sizes, mean $((tree_total / NFILES)) bytes)"

# Racy-entry rule: whorl does not cache files changed less than 2 s ago.
# Make sure the newest file is at least 3 s old before any cached run.
newest=$(find "$BIG" "$TREE" -printf '%C@\n%T@\n' | sort -g | tail -n 1)
wait_s=$(awk -v n="$newest" -v now="$(date +%s.%N)" 'BEGIN { w = n + 3 - now; printf "%d", (w > 0 ? w + 1 : 0) }')
[[ $wait_s -gt 0 ]] && { echo "waiting ${wait_s}s so no file is younger than the racy-entry window"; sleep "$wait_s"; }

# ------------------------------------------------------------- machine ----

section "machine"
NPROC=$(nproc)
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
CPU_MODEL=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
MEM_AVAIL=$(awk '/^MemAvailable:/ { printf "%.0f", $2 * 1024 }' /proc/meminfo)
WHORL_VER=$("$WHORL" version 2>/dev/null | head -n 1 || true)
SRC_REV=""
if have git && git -C "$HERE" rev-parse --git-dir >/dev/null 2>&1; then
  SRC_REV=$(git -C "$HERE" rev-parse --short HEAD 2>/dev/null || true)
  [[ -n "$(git -C "$HERE" status --porcelain --untracked-files=no 2>/dev/null)" ]] && SRC_REV+=" + local changes"
fi
echo "cpu: ${CPU_MODEL:-unknown} x $NPROC; load average: $LOAD"
echo "whorl: $WHORL (${WHORL_VER:-version unknown}; repo HEAD ${SRC_REV:-unknown})"
[[ $HAVE_HF -eq 1 ]] && echo "hyperfine: $(hyperfine --version)"
[[ $HAVE_B3 -eq 1 ]] && echo "b3sum: $(b3sum --version)"
awk -v l="${LOAD%% *}" -v n="$NPROC" 'BEGIN { exit !(l > 0.5 * n) }' &&
  note "load average $LOAD on $NPROC cores: other work is running, expect noisy numbers"
data_bytes=$((BIG_SIZE + tree_total))
[[ $MEM_AVAIL -gt $((data_bytes + 1024 * 1024 * 1024)) ]] ||
  note "only $((MEM_AVAIL / 1024 / 1024)) MiB of memory available for $((data_bytes / 1024 / 1024)) MiB of data: runs may read from disk"

# ------------------------------------------------------------- timing -----

declare -A MED SD CPU MIN  # name -> median s, stddev s, mean user+sys CPU s, min s

# stamp: NOW_NS = nanoseconds since the epoch, without forking when bash
# has EPOCHREALTIME (microsecond resolution), else from `date +%s%N`.
stamp() {
  if [[ -n "${EPOCHREALTIME:-}" ]]; then NOW_NS=${EPOCHREALTIME/[.,]/}000
  else NOW_NS=$(date +%s%N); fi
}

# bench_group TITLE SHELL(0|1) WARMUP RUNS PREPARE name cmd [name cmd ...]
#   Times each command (stdout discarded) and fills MED/SD. SHELL=0 runs the
#   command without a shell (hyperfine -N): it must be a plain command line.
#   PREPARE (may be empty) runs before each timed and warm-up run.
bench_group() {
  local title=$1 shell=$2 warm=$3 runs=$4 prep=$5
  shift 5
  echo
  echo "--- $title"
  local json="$TMP/hf.json" res="$TMP/res.tsv" args=() i
  if [[ $HAVE_HF -eq 1 ]]; then
    args=(--style basic --warmup "$warm" --runs "$runs" --export-json "$json")
    [[ $shell -eq 0 ]] && args+=(-N)
    [[ -n "$prep" ]] && args+=(--prepare "$prep")
    while [[ $# -gt 0 ]]; do args+=(-n "$1" "$2"); shift 2; done
    if ! hyperfine "${args[@]}" 2>&1 | { grep -v -e '^ *$' -e 'Command took less than 5 ms' \
         -e 'inaccurate' -e 'the shell spawning time' || true; }; then
      note "hyperfine failed for '$title'; its results are missing"
      return 0
    fi
    python3 - "$json" > "$res" <<'EOF'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print("%s\t%.9f\t%.9f\t%.9f\t%.9f" % (r["command"], r["median"], r.get("stddev") or 0.0,
                                        (r.get("user") or 0.0) + (r.get("system") or 0.0), r["min"]))
EOF
  else
    : > "$res"
    while [[ $# -gt 0 ]]; do
      local name=$1 cmd=$2 ts=() t0 t1 ok=1
      shift 2
      for ((i = 0; i < warm + runs; i++)); do
        if [[ -n "$prep" ]]; then eval "$prep" >/dev/null; fi
        stamp; t0=$NOW_NS
        eval "$cmd" >/dev/null || { ok=0; break; }
        stamp; t1=$NOW_NS
        if [[ $i -ge $warm ]]; then ts+=($((t1 - t0))); fi
      done
      if [[ $ok -eq 0 ]]; then note "'$cmd' failed; skipping it"; continue; fi
      printf '%s\n' "${ts[@]}" | sort -n | awk -v name="$name" '
        { t[NR] = $1 / 1e9; s += t[NR]; ss += t[NR] ^ 2 }
        END { m = (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
              sd = NR > 1 ? sqrt((ss - s * s / NR) / (NR - 1)) : 0
              printf "%s\t%.9f\t%.9f\tnan\t%.9f\n", name, m, sd, t[1] }' >> "$res"
      printf '  %-24s median %8.4f s\n' "$name" "$(tail -n 1 "$res" | cut -f2)"
    done
  fi
  local n m s c mn
  while IFS=$'\t' read -r n m s c mn; do MED[$n]=$m; SD[$n]=$s; CPU[$n]=$c; MIN[$n]=$mn; done < "$res"
}

# One line per measurement: median, MB/s (1 MB = 10^6 bytes), stddev, the
# fastest run and the mean CPU time (user+sys, all threads; hyperfine only).
# Min and CPU time depend less on other load: they help reading numbers
# from a busy machine.
report() { # name bytes label
  local n=$1 b=$2 label=$3 cpu=""
  if [[ -z "${MED[$n]:-}" ]]; then printf '  %-46s %s\n' "$label" "n/a"; return; fi
  [[ "${CPU[$n]:-nan}" != nan ]] && cpu=$(printf '  cpu %.3f s' "${CPU[$n]}")
  printf '  %-46s %9.4f s  %8.0f MB/s  (sd %.4f s, min %.4f s)%s\n' "$label" "${MED[$n]}" \
    "$(calc "$b / ${MED[$n]} / 1e6")" "${SD[$n]}" "${MIN[$n]}" "$cpu"
}

# Warm the page cache: every measurement below is CPU-bound, not disk-bound.
section "warming the page cache"
t0=$(date +%s%N)
cat "$BIG" > /dev/null
find "$TREE" -type f -print0 | xargs -0 cat > /dev/null
echo "read $((data_bytes / 1000000)) MB in $(calc "($(date +%s%N) - $t0) / 1e9") s"

W=$(q "$WHORL"); F=$(q "$BIG"); D=$(q "$TREE")

# Cheap sanity check: the ids compared below are the same hash.
if [[ $HAVE_B3 -eq 1 ]]; then
  w_id=$("$WHORL" fp --id --no-cache "$BIG" | cut -d' ' -f1)
  b_id=$(b3sum --no-mmap "$BIG" | cut -d' ' -f1)
  [[ "$w_id" == "$b_id" ]] || note "whorl's id of big.bin ($w_id) differs from b3sum's ($b_id)!"
fi

# ---- 1. one 2 GiB file
section "1. one 2 GiB file (warm page cache)"
# The headline is the whole content fingerprint: the JSON document with the
# chunk list (what `whorl fp -o` saves). `--id` prints only the id and so
# skips the chunks: it is shown as "BLAKE3 only".
g=(whorl "$W fp --json --no-cache $F"
   whorl_t1 "$W fp --json --no-cache --threads 1 $F"
   whorl_nochunks "$W fp --id --no-cache $F"
   whorl_digests "$W fp --json --no-cache --digest sha256,md5 $F")
[[ $HAVE_B3 -eq 1 ]] && g+=(b3sum_nommap "b3sum --no-mmap $F" b3sum_mmap "b3sum $F")
[[ $HAVE_SHA -eq 1 ]] && g+=(sha256sum "sha256sum $F")
[[ $HAVE_MD5 -eq 1 ]] && g+=(md5sum "md5sum $F")
bench_group "2 GiB file" 0 "$WARMUP" "$RUNS" "" "${g[@]}"
echo
report whorl "$BIG_SIZE" "whorl fp --json --no-cache"
report whorl_t1 "$BIG_SIZE" "whorl fp --json --no-cache --threads 1"
report whorl_nochunks "$BIG_SIZE" "whorl fp --id (BLAKE3 only, no chunks)"
report whorl_digests "$BIG_SIZE" "whorl ... --digest sha256,md5"
report b3sum_nommap "$BIG_SIZE" "b3sum --no-mmap"
report b3sum_mmap "$BIG_SIZE" "b3sum (mmap, multi-threaded)"
report sha256sum "$BIG_SIZE" "sha256sum"
report md5sum "$BIG_SIZE" "md5sum"

# ---- 2. quick level
section "2. quick level on the 2 GiB file"
bench_group "quick level" 0 3 $((RUNS * 6)) "" \
  quick "$W fp --level quick --id $F" \
  quick_nocache "$W fp --level quick --id --no-cache $F"
quick_stats=$("$WHORL" fp --level quick --id --stats "$BIG" 2>&1 >/dev/null | grep '^whorl: stats:' | tail -n 1 || true)
quick_internal=$(sed -nE 's/.* ([0-9.]+) s$/\1/p' <<<"$quick_stats")
echo
for n in quick quick_nocache; do
  [[ -n "${MED[$n]:-}" ]] && printf '  %-46s %9.2f ms  (sd %.2f ms)\n' \
    "$([[ $n == quick ]] && echo "whorl fp --level quick --id" || echo "... --no-cache")" \
    "$(calc "${MED[$n]} * 1000")" "$(calc "${SD[$n]} * 1000")"
done
echo "  $quick_stats"

# ---- 3. folder of 10,000 files
section "3. folder of $NFILES files, $tree_total bytes (warm page cache)"
bench_group "whorl threads" 0 "$WARMUP" "$RUNS" "" \
  tree_t1 "$W fp --json --no-cache --threads 1 $D" \
  tree_t2 "$W fp --json --no-cache --threads 2 $D"
g=()
[[ $HAVE_B3 -eq 1 ]] && g+=(tree_b3sum "find $D -type f -print0 | xargs -0 b3sum --no-mmap > /dev/null")
[[ $HAVE_SHA -eq 1 ]] && g+=(tree_sha256sum "find $D -type f -print0 | xargs -0 sha256sum > /dev/null")
[[ $HAVE_MD5 -eq 1 ]] && g+=(tree_md5sum "find $D -type f -print0 | xargs -0 md5sum > /dev/null")
[[ ${#g[@]} -gt 0 ]] && bench_group "peers (one process at a time via xargs)" 1 "$WARMUP" "$RUNS" "" "${g[@]}"
echo
report tree_t1 "$tree_total" "whorl fp --json --no-cache --threads 1"
report tree_t2 "$tree_total" "whorl fp --json --no-cache --threads 2"
report tree_b3sum "$tree_total" "b3sum --no-mmap (xargs)"
report tree_sha256sum "$tree_total" "sha256sum (xargs)"
report tree_md5sum "$tree_total" "md5sum (xargs)"

# ---- 4. warm stat cache
section "4. stat cache on the folder ($CACHE_DB)"
rm_db="rm -f $(q "$CACHE_DB") $(q "$CACHE_DB-wal") $(q "$CACHE_DB-shm") $(q "$CACHE_DB-journal")"
# Cold: the db is removed before every run, so each run hashes everything
# and fills the cache; the last one leaves it filled for the warm runs.
# Both with the full JSON document (every entry) and with --id (the id only).
bench_group "cold (cache db removed before each run)" 0 0 3 "$rm_db" \
  cache_cold "$W fp --json $D" \
  cache_cold_id "$W fp --id $D"
[[ -f "$CACHE_DB" ]] || note "no cache database at $CACHE_DB after the cold runs"
bench_group "warm (cache filled)" 0 "$WARMUP" $((RUNS * 2)) "" \
  cache_warm "$W fp --json $D" \
  cache_warm_id "$W fp --id $D"
warm_stats=$("$WHORL" fp --id --stats "$TREE" 2>&1 >/dev/null | grep '^whorl: stats:' | tail -n 1 || true)
read -r ws_files ws_hits ws_bytes _ < <(sed -nE \
  's/.*: ([0-9]+) files, ([0-9]+) from the stat cache, ([0-9]+) bytes read, ([0-9.]+) s$/\1 \2 \3 \4/p' \
  <<<"$warm_stats") || true
cold_id=$("$WHORL" fp --id --no-cache "$TREE" | cut -d' ' -f1)
warm_id=$("$WHORL" fp --id "$TREE" | cut -d' ' -f1)
[[ "$cold_id" == "$warm_id" ]] || note "the folder id from the stat cache ($warm_id) differs from the hashed one ($cold_id)!"
echo
report cache_cold "$tree_total" "cold: whorl fp --json (hash all, fill cache)"
report cache_cold_id "$tree_total" "cold: whorl fp --id"
for n in cache_warm cache_warm_id; do
  [[ -n "${MED[$n]:-}" ]] &&
    printf '  %-46s %9.4f s  (sd %.4f s)\n' "warm: whorl fp $([[ $n == cache_warm ]] && echo --json || echo --id)" "${MED[$n]}" "${SD[$n]}"
done
echo "  warm run: $warm_stats"

# ---- 5. peak memory
RSS_BIG=""; RSS_TREE=""
if [[ -n "$TIME_BIN" ]]; then
  section "5. peak RSS"
  "$TIME_BIN" -f %M -o "$TMP/rss" "$WHORL" fp --json --no-cache "$BIG" > /dev/null && RSS_BIG=$(tail -n 1 "$TMP/rss")
  "$TIME_BIN" -f %M -o "$TMP/rss" "$WHORL" fp --json --no-cache "$TREE" > /dev/null && RSS_TREE=$(tail -n 1 "$TMP/rss")
  [[ -n "$RSS_BIG" ]] && printf '  %-46s %8.1f MiB\n' "whorl fp --json --no-cache, 2 GiB file" "$(calc "$RSS_BIG / 1024")"
  [[ -n "$RSS_TREE" ]] && printf '  %-46s %8.1f MiB\n' "whorl fp --json --no-cache, $NFILES files" "$(calc "$RSS_TREE / 1024")"
fi

# ------------------------------------------------------------ summary -----

ROWS=()   # scenario | whorl | peer | ratio | target | status
row() { ROWS+=("$1"$'\t'"$2"$'\t'"$3"$'\t'"$4"$'\t'"$5"$'\t'"$6"); }
tput_s() { # name bytes -> "0.512 s 4194 MB/s"
  [[ -n "${MED[$1]:-}" ]] || { echo "n/a"; return; }
  printf '%.3f s %.0f MB/s' "${MED[$1]}" "$(calc "$2 / ${MED[$1]} / 1e6")"
}
# speed_row SCENARIO WHORL_NAME PEER_NAME BYTES TARGET_MIN ("" = info)
#   ratio = peer time / whorl time (= whorl throughput / peer throughput)
speed_row() {
  local scen=$1 a=$2 b=$3 bytes=$4 target=$5 ratio status tgt=-
  [[ -z "$target" ]] || tgt=">= ${target}x"
  if [[ -z "${MED[$a]:-}" || -z "${MED[$b]:-}" ]]; then
    row "$scen" "$(tput_s "$a" "$bytes")" "$(tput_s "$b" "$bytes")" "n/a" \
      "$tgt" "$([[ -n $target ]] && echo skipped || echo info)"
    return
  fi
  ratio=$(calc "${MED[$b]} / ${MED[$a]}")
  if [[ -z "$target" ]]; then status=info
  elif awk -v r="$ratio" -v t="$target" 'BEGIN { exit !(r >= t) }'; then status=met
  else status="NOT met"; fi
  row "$scen" "$(tput_s "$a" "$bytes")" "$(tput_s "$b" "$bytes")" "$(printf '%.2fx' "$ratio")" \
    "$tgt" "$status"
}

speed_row "2GiB file: whorl / b3sum --no-mmap" whorl b3sum_nommap "$BIG_SIZE" 0.9
speed_row "2GiB file: whorl / sha256sum" whorl sha256sum "$BIG_SIZE" 5
speed_row "2GiB file: whorl / md5sum" whorl md5sum "$BIG_SIZE" 3.5
# CPU time (user+sys of all threads) hardly depends on other load: it shows
# the work per byte, whatever the wall-clock noise.
if [[ "${CPU[whorl]:-nan}" != nan && "${CPU[b3sum_nommap]:-nan}" != nan ]]; then
  row "2GiB file: CPU time whorl / b3sum --no-mmap" "$(printf '%.3f s cpu' "${CPU[whorl]}")" \
    "$(printf '%.3f s cpu' "${CPU[b3sum_nommap]}")" "$(printf '%.2fx' "$(calc "${CPU[b3sum_nommap]} / ${CPU[whorl]}")")" "-" "info"
fi
speed_row "2GiB file: whorl --threads 1 / b3sum --no-mmap" whorl_t1 b3sum_nommap "$BIG_SIZE" ""
speed_row "2GiB file: whorl --id (no chunks) / b3sum --no-mmap" whorl_nochunks b3sum_nommap "$BIG_SIZE" ""
speed_row "2GiB file: whorl / b3sum (mmap, threaded)" whorl b3sum_mmap "$BIG_SIZE" ""
if [[ -n "${MED[whorl_digests]:-}" && -n "${MED[sha256sum]:-}" && -n "${MED[md5sum]:-}" ]]; then
  MED[sha_plus_md5]=$(calc "${MED[sha256sum]} + ${MED[md5sum]}")
fi
speed_row "2GiB file: whorl +sha256,md5 / sha256sum+md5sum" whorl_digests sha_plus_md5 "$BIG_SIZE" ""
if [[ -n "${MED[quick]:-}" ]]; then
  qms=$(calc "${MED[quick]} * 1000")
  row "quick level, 2GiB file (process incl.)" "$(printf '%.2f ms' "$qms")" "-" "-" "< 5 ms" \
    "$(awk -v x="$qms" 'BEGIN { print (x < 5 ? "met" : "NOT met") }')"
  row "quick level: internal (--stats)" "${quick_internal:-n/a} s" "-" "-" "-" "info"
fi
speed_row "10k files: --threads 2 / --threads 1" tree_t2 tree_t1 "$tree_total" 1.6
speed_row "10k files: whorl -t2 / b3sum --no-mmap" tree_t2 tree_b3sum "$tree_total" ""
speed_row "10k files: whorl -t2 / sha256sum" tree_t2 tree_sha256sum "$tree_total" ""
speed_row "10k files: whorl -t2 / md5sum" tree_t2 tree_md5sum "$tree_total" ""
for v in "" _id; do
  label="10k files: stat cache cold / warm ($([[ -z $v ]] && echo --json || echo --id))"
  if [[ -n "${MED[cache_warm$v]:-}" && -n "${MED[cache_cold$v]:-}" ]]; then
    ratio=$(calc "${MED[cache_cold$v]} / ${MED[cache_warm$v]}")
    row "$label" "$(printf '%.4f s warm' "${MED[cache_warm$v]}")" \
      "$(printf '%.3f s cold' "${MED[cache_cold$v]}")" "$(printf '%.1fx' "$ratio")" ">= 20x" \
      "$(awk -v r="$ratio" 'BEGIN { print (r >= 20 ? "met" : "NOT met") }')"
  else
    row "$label" "n/a" "n/a" "n/a" ">= 20x" "skipped"
  fi
done
if [[ -n "${ws_bytes:-}" ]]; then
  row "10k files: warm run bytes read (--stats)" "$ws_bytes B, $ws_hits/$ws_files hits" "-" "-" "0 B" \
    "$([[ $ws_bytes -eq 0 ]] && echo met || echo "NOT met")"
else
  row "10k files: warm run bytes read (--stats)" "n/a" "-" "-" "0 B" "skipped"
fi
[[ -n "$RSS_BIG" ]] && row "peak RSS, 2GiB file" "$(printf '%.1f MiB' "$(calc "$RSS_BIG / 1024")")" "-" "-" "-" "info"
[[ -n "$RSS_TREE" ]] && row "peak RSS, 10k files" "$(printf '%.1f MiB' "$(calc "$RSS_TREE / 1024")")" "-" "-" "-" "info"

summary() {
  echo "whorl benchmark summary - $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  echo "whorl: $WHORL (${WHORL_VER:-version unknown}; repo HEAD ${SRC_REV:-unknown})"
  echo "machine: ${CPU_MODEL:-unknown} x $NPROC, load average at start: $LOAD, at end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "timing: median of $RUNS runs after $WARMUP warm-up ($([[ $HAVE_HF -eq 1 ]] && echo hyperfine || echo 'shell loop')), warm page cache; MB = 10^6 bytes"
  echo "data: $BIG (2 GiB random), $TREE ($NFILES files, uniform 1 KiB-1 MiB, $tree_total bytes)"
  echo "ratio = peer time / whorl time (> 1: whorl faster); cache: cold time / warm time"
  echo
  printf '%-48s %-26s %-26s %-8s %-8s %s\n' scenario whorl peer ratio target status
  printf '%s\n' "$(printf '%.0s-' {1..126})"
  local r
  for r in "${ROWS[@]}"; do
    IFS=$'\t' read -r a b c d e f <<<"$r"
    printf '%-48s %-26s %-26s %-8s %-8s %s\n' "$a" "$b" "$c" "$d" "$e" "$f"
  done
  [[ -n "${warm_stats:-}" ]] && { echo; echo "warm stat-cache run: $warm_stats"; }
  [[ -n "${quick_stats:-}" ]] && echo "quick level run:     $quick_stats"
  echo "benchmark wall time: $(( $(date +%s) - T_START )) s"
}

section "summary"
summary | tee "$RESULTS"
echo
echo "summary written to $RESULTS"
