#!/usr/bin/env bash
# Models benchmark (issue 5): fingerprinting a generated safetensors file
# (64 float32 tensors) at the content and stats levels, beside b3sum and
# sha256sum of the same file (what OpenSSF model signing hashes), in one run.
# Prints seconds, MB/s, peak RSS. A benchmark, not a test.
#
#   bash bench/models.sh path/to/whorl [MEGABYTES]     (default 1024)
set -euo pipefail
[[ $# -ge 1 && -x "$1" ]] || { echo "usage: bash bench/models.sh path/to/whorl [MEGABYTES]" >&2; exit 2; }
WHORL=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
MB=${2:-1024}
DIR=${WHORL_BENCH_DIR:-/tmp/whorl-bench}
mkdir -p "$DIR"
F="$DIR/model-$MB.safetensors"
if [[ ! -s "$F" ]]; then
  echo "generating $F ..." >&2
  /usr/bin/python3 - "$F" "$MB" <<'PY'
import json, struct, sys
import numpy as np
path, mb = sys.argv[1], int(sys.argv[2])
n = 64
per = mb * 1024 * 1024 // 4 // n
rng = np.random.default_rng(1)
header, off = {}, 0
for i in range(n):
    header[f"layer.{i}.weight"] = {"dtype": "F32", "shape": [per], "data_offsets": [off, off + per * 4]}
    off += per * 4
h = json.dumps(header).encode()
with open(path, "wb") as f:
    f.write(struct.pack("<Q", len(h)) + h)
    for i in range(n):
        f.write(rng.standard_normal(per, dtype=np.float32).tobytes())
PY
fi
SIZE=$(stat -c %s "$F")
cat "$F" > /dev/null
run() { # name, command...
  local name=$1; shift
  /usr/bin/time -f '%e %M' -o "$DIR/time.txt" "$@" > /dev/null
  read -r s k < "$DIR/time.txt"
  awk -v n="$name" -v s="$s" -v k="$k" -v b="$SIZE" 'BEGIN { printf "%-40s %7.2f s %8.0f MB/s %8.1f MiB RSS\n", n, s, b / s / 1e6, k / 1024 }'
}
echo "data: $F ($SIZE bytes, 64 float32 tensors)"
run "whorl fp (content: per-tensor BLAKE3)" "$WHORL" fp --no-cache --id "$F"
run "whorl fp --level stats" "$WHORL" fp --no-cache --level stats --id "$F"
run "whorl fp --level quick (headers)" "$WHORL" fp --no-cache --level quick --id "$F"
command -v b3sum > /dev/null && run "b3sum --no-mmap (whole file)" b3sum --no-mmap "$F"
run "sha256sum (whole file)" sha256sum "$F"
