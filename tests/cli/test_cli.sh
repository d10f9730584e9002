#!/usr/bin/env bash
# CLI tests: equality with b3sum/sha256sum/md5sum, golden outputs, exit
# codes, every error path, the stat cache. Needs WHORL_BIN and WHORL_TMP
# (set by ctest). WHORL_UPDATE_GOLDEN=1 rewrites tests/cli/golden/*.
set -uo pipefail
W=${WHORL_BIN:?}
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d "${WHORL_TMP:-/tmp}/cli.XXXXXX")
trap 'jobs -p | xargs -r kill 2>/dev/null; chmod -R u+rwx "$T" 2>/dev/null; rm -rf "$T"' EXIT
export XDG_CACHE_HOME="$T/xdg"   # never touch the user's cache
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
eq() { if [[ "$1" == "$2" ]]; then ok; else bad "$3: got '$1', want '$2'"; fi; }
has() { if grep -q -- "$2" <<<"$1"; then ok; else bad "$3: '$2' not in: $1"; fi; }
# run CMD...: sets $out, $err, $rc
run() { out=$("$@" 2>"$T/stderr"); rc=$?; err=$(cat "$T/stderr"); }

# ---- 1. digests equal the reference tools, at every boundary size ----
for n in 0 1 63 64 1023 1024 1025 2047 2048 65535 65536 1048575 1048576 1048577 4194303 4194304 4194305 \
         8388608 8389632 104857600; do
  head -c "$n" /dev/urandom > "$T/f"
  run "$W" fp --no-cache --json --digest sha256,md5 "$T/f"
  b3=$(b3sum --no-names "$T/f"); s2=$(sha256sum "$T/f" | cut -d' ' -f1); m5=$(md5sum "$T/f" | cut -d' ' -f1)
  got=$(python3 -c 'import json,sys; d=json.load(sys.stdin); c=d["content"]; print(d["id"], c["blake3"], c["sha256"], c["md5"], d["size"])' <<<"$out")
  eq "$got" "$b3 $b3 $s2 $m5 $n" "digests of $n bytes"
  for th in 1 2; do
    run "$W" fp --no-cache --id --threads $th "$T/f"
    eq "$out" "$b3  $T/f" "--id of $n bytes, $th threads"
  done
done
# chunks tile the file exactly and respect min/max
run "$W" fp --no-cache --json "$T/f"
got=$(python3 -c '
import json,sys
d=json.load(sys.stdin); ch=d["content"]["chunks"]; off=0; ok=True
for i,(o,s,h) in enumerate(ch["list"]):
    ok &= o==off and s<=ch["max"] and (s>=ch["min"] or i==len(ch["list"])-1) and len(h)==16; off+=s
print(ok and off==d["size"])' <<<"$out")
eq "$got" "True" "chunk list tiles the 100 MiB file"

# format sniffing sees the true tail even when the last block is tiny
{ printf 'PAR1'; head -c 4194300 /dev/urandom; printf 'xxPAR1'; } > "$T/p.parquet"   # 4 MiB + 2 bytes
for lvl in content quick; do
  run "$W" fp --no-cache --json --level $lvl "$T/p.parquet"
  has "$out" '"format": "parquet"' "parquet sniffed at $lvl level across a block edge"
done

# real files written by other tools (shared/fixtures): every file's digests
# equal the reference tools', and the folder id is thread-count independent
FIX="${WHORL_SHARED:-$HERE/../../../shared}/fixtures"
if [[ -d "$FIX" ]]; then
  run "$W" fp --no-cache --json --digest sha256,md5 --threads 1 "$FIX"; eq "$rc" 0 "fixtures folder"
  fix1=$out
  got=$(cd "$FIX" && python3 -c '
import json, subprocess, sys
d = json.loads(sys.stdin.read()); bad = 0; n = 0
for e in d["entries"]:
    if e["type"] != "file": continue
    n += 1
    p = e["path"]
    ref = [subprocess.run([t, p], capture_output=True, text=True).stdout.split()[0] for t in ("b3sum", "sha256sum", "md5sum")]
    if ref != [e["blake3"], e["sha256"], e["md5"]]: bad += 1; print("mismatch", p, file=sys.stderr)
print(n, bad)' <<<"$fix1")
  eq "${got#* }" "0" "every fixture file matches b3sum/sha256sum/md5sum (${got% *} files)"
  run "$W" fp --no-cache --id --threads 2 "$FIX"; eq "${out%% *}" "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])' <<<"$fix1")" "fixtures id, 1 vs 2 threads"
  # The OpenSSF model-signing bundle lists SHA-256 digests of the files it
  # signed: whorl's per-file sha256 must agree with that independent manifest.
  OMS="$FIX/oms/v1.1.0-elliptic-key"
  run "$W" fp --no-cache --json --digest sha256 "$OMS"
  got=$(python3 -c '
import base64, json, sys
doc = json.loads(sys.stdin.read()); ours = {e["path"]: e.get("sha256") for e in doc["entries"]}
sig = json.load(open(sys.argv[1])); pl = json.loads(base64.b64decode(sig["dsseEnvelope"]["payload"]))
res = pl["predicate"]["resources"]
print(sum(1 for r in res if ours.get(r["name"]) == r["digest"]), len(res))' "$OMS/model.sig" <<<"$out")
  eq "$got" "2 2" "sha256 of the files in the OpenSSF model-signing manifest"
  # formats sniffed from the bytes of files written by other tools
  for pair in gguf/ggml-vocab-bert-bge.gguf:gguf safetensors/jfk-codes.safetensors:safetensors \
              torch-numpy/test.npy:npy torch-numpy/test.npz:npz torch-numpy/test.pt:pytorch \
              torch-numpy/fortran_tensor_3d.pth:pytorch; do
    run "$W" fp --no-cache --no-model --json "$FIX/models/${pair%%:*}"
    has "$out" "\"format\": \"${pair##*:}\"" "format of ${pair%%:*}"
  done
  # the two GGUF files there were damaged in transit (bytes replaced by
  # U+FFFD): read as models they are refused, clearly
  run "$W" fp --no-cache "$FIX/models/gguf/ggml-vocab-bert-bge.gguf"
  eq "$rc" 2 "damaged GGUF: exit 2"; has "$err" "ggml-vocab-bert-bge.gguf: GGUF:" "damaged GGUF: names the file"
  # --digest asks for the bytes' SHA-256/MD5: a model document (per tensor) has none, so it is refused, not dropped
  run "$W" fp --no-cache --digest sha256 "$FIX/models/safetensors/jfk-codes.safetensors"
  eq "$rc" 2 "--digest on a model: exit 2"; has "$err" "does not apply to a model" "--digest on a model: says why"
  run "$W" fp --no-cache --no-model --digest sha256 --json "$FIX/models/safetensors/jfk-codes.safetensors"
  has "$out" "$(sha256sum < "$FIX/models/safetensors/jfk-codes.safetensors" | cut -d' ' -f1)" "--digest with --no-model: the file's SHA-256"
else
  echo "note: $FIX not found; fixture checks skipped" >&2
fi
# the shared vectors file, through the CLI
VEC="$HERE/../vectors/fingerprints.json"
printf abc > "$T/abc"
run "$W" fp --no-cache --id "$T/abc"
eq "${out%% *}" "$(python3 -c 'import json,sys; print([f for f in json.load(open(sys.argv[1]))["files"] if f["name"]=="abc"][0]["id"])' "$VEC")" "vector abc via the CLI"
mkdir -p "$T/ex/sub"; printf 'hello\n' > "$T/ex/a.txt"; printf 'name,value\nx,1\n' > "$T/ex/sub/data.csv"
run "$W" fp --no-cache --id "$T/ex"
eq "${out%% *}" "$(python3 -c 'import json,sys; print([f for f in json.load(open(sys.argv[1]))["folders"] if f["name"]=="worked-example"][0]["id"])' "$VEC")" "vector worked-example via the CLI"

# ---- 2. golden outputs on a fixed tree ----
G="$T/golden-tree"
mkdir -p "$G/data/sub" "$G/data/empty"
printf 'id,value\n1,10\n2,20\n' > "$G/data/table.csv"
printf '{"lr": 0.001}\n' > "$G/data/sub/config.json"
ln -s ../table.csv "$G/data/sub/link.csv"
printf '*.tmp\n' > "$G/data/.whorlignore"
printf 'scratch' > "$G/data/ignored.tmp"
cp -a "$G/data" "$G/data2"
printf 'id,value\n1,10\n2,21\n' > "$G/data2/table.csv"
mv "$G/data2/sub/config.json" "$G/data2/sub/settings.json"
printf 'new\n' > "$G/data2/added.txt"
rmdir "$G/data2/empty"
golden() { # name, then the command (run in $G)
  local name=$1; shift
  local got; got=$(cd "$G" && "$@" 2>&1; echo "exit $?")
  if [[ "${WHORL_UPDATE_GOLDEN:-}" == 1 ]]; then printf '%s\n' "$got" > "$HERE/golden/$name.out"; ok; return; fi
  if [[ "$got" == "$(cat "$HERE/golden/$name.out" 2>/dev/null)" ]]; then ok; else
    bad "golden $name differs:"; diff <(printf '%s\n' "$got") "$HERE/golden/$name.out" >&2; fi
}
golden fp-folder-json "$W" fp --no-cache --json data
golden fp-folder-text "$W" fp --no-cache data
golden fp-file-json "$W" fp --no-cache --json --level content --digest sha256,md5 data/table.csv
golden fp-table-json "$W" fp --no-cache --json data/table.csv
golden fp-table-text "$W" fp --no-cache data/table.csv
golden fp-file-quick "$W" fp --no-cache --json --level quick data/table.csv
golden fp-id-two "$W" fp --no-cache --id data data/table.csv
golden diff-folder-text "$W" diff --no-cache data data2
golden diff-folder-json "$W" diff --no-cache --json data data2
golden diff-file-text "$W" diff --no-cache --level content data/table.csv data2/table.csv
golden diff-table-text "$W" diff --no-cache data/table.csv data2/table.csv
golden diff-table-json "$W" diff --no-cache --json data/table.csv data2/table.csv
golden diff-folder-nodetail "$W" diff --no-cache --no-detail data data2
golden diff-same "$W" diff --no-cache data data
golden fp-help "$W" fp --help
golden diff-help "$W" diff --help

# a quick-level file fingerprint against a table: refused, never "content changed"
run "$W" fp --no-cache --level quick -o "$T/tq.json" "$G/data/table.csv"
run "$W" fp --no-cache -o "$T/tp.json" "$G/data/table.csv"
run "$W" diff --no-cache "$T/tq.json" "$T/tp.json"
eq "$rc" 2 "quick file doc vs table: exit 2"; has "$err" "cannot compare a quick-level file fingerprint with a profile-level table" "quick vs table message"
eq "$out" "" "quick vs table: no stdout"
# a content-level file fingerprint against the same table: identical bytes, text and JSON agree
run "$W" fp --no-cache --level content -o "$T/tc.json" "$G/data/table.csv"
run "$W" diff --no-cache "$T/tc.json" "$T/tp.json"
eq "$rc" 0 "content file doc vs table: exit 0"; has "$out" "identical bytes (one side a table document, the other a file document) (content level)" "content vs table text"
# logical- and profile-level documents of one table: compared at the logical level
run "$W" fp --no-cache --level logical -o "$T/tl.json" "$G/data/table.csv"
run "$W" diff --no-cache --json "$T/tl.json" "$G/data/table.csv"
eq "$rc" 0 "logical vs profile doc: exit 0"; has "$out" '"level": "logical"' "logical vs profile: at the logical level"
run "$W" diff --no-cache "$T/tl.json" "$G/data2/table.csv"
eq "$rc" 1 "logical doc vs a changed table: exit 1"; has "$out" "content changed" "logical vs changed profile: verdict"

# a header with a repeated name: kept, the repeat named as pandas does (a.1), with a warning;
# values swapped between the two columns change the id
printf 'a,a,b\n1,2,x\n3,4,y\n' > "$T/dup.csv"; printf 'a,a.1,b\n1,2,x\n3,4,y\n' > "$T/dup2.csv"
printf 'a,a,b\n2,1,x\n4,3,y\n' > "$T/dupsw.csv"
run "$W" fp --no-cache --id "$T/dup.csv"; d1=${out%% *}; has "$err" 'column name 2 repeats an earlier one: named "a.1"' "repeated header name: warning"
run "$W" fp --no-cache --id "$T/dup2.csv"; eq "${out%% *}" "$d1" "a,a header = pandas' a,a.1"
run "$W" fp --no-cache --id "$T/dupsw.csv"; [[ "${out%% *}" != "$d1" ]] && ok || bad "values swapped between two columns of one name change the id"
run "$W" fp --no-cache --strict --id "$T/dup.csv"; eq "$rc" 2 "repeated header name with --strict: exit 2"
# R's write.table: a header one field short of every row (the row names have none): an unnamed first column
printf '"a","b"\n"1",10,x\n"2",20,y\n' > "$T/rstyle.csv"
run "$W" fp --no-cache --json "$T/rstyle.csv"
eq "$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["rows"], [c["name"] for c in d["columns"]], "warnings" in d)' <<<"$out")" \
   "2 ['Unnamed: 0', 'a', 'b'] False" "an R-style header one field short: the row names are an unnamed first column, no ragged rows"
# a ragged row's extra columns are named by position, but never as a header name already is:
# header "x,3" over rows of four fields gave two columns named "3" (merge refused the document)
printf 'x,3\n1,2,3,4\n5,6,7,8\n9,9,9,9\n' > "$T/rag3.csv"; printf 'x,3\n1,2,4,3\n5,6,8,7\n9,9,9,9\n' > "$T/rag3sw.csv"
run "$W" fp --no-cache --json "$T/rag3.csv"; printf '%s\n' "$out" > "$T/rag3.json"
eq "$(python3 -c 'import json,sys; print([c["name"] for c in json.load(sys.stdin)["columns"]])' <<<"$out")" \
   "['x', '3', '2', '3.1']" "ragged row's extra column named by a taken position: suffixed"
run "$W" merge --json "$T/rag3.json" "$T/rag3.json"; eq "$rc" 0 "a table with extra columns of ragged rows merges"
run "$W" fp --no-cache --id "$T/rag3.csv"; r1=${out%% *}; run "$W" fp --no-cache --id "$T/rag3sw.csv"
[[ "${out%% *}" != "$r1" ]] && ok || bad "values swapped between a header column and a ragged row's extra column change the id"
# the names pandas 1.5 gives (checked with Debian's pandas): names in the header are reserved first
for case in "a,a,b,a,a.1|['a', 'a.2', 'b', 'a.3', 'a.1']" "a,a,a.2,a|['a', 'a.1', 'a.2', 'a.3']" ",,x|['Unnamed: 0', 'Unnamed: 1', 'x']"; do
  h=${case%%|*}; want=${case#*|}
  printf '%s\n%s\n' "$h" "$(sed 's/[^,]*/1/g' <<<"$h")" > "$T/hh.csv"
  run "$W" fp --no-cache --json --header "$T/hh.csv"
  eq "$(python3 -c 'import json,sys; print([c["name"] for c in json.load(sys.stdin)["columns"]])' <<<"$out")" "$want" "header $h named as pandas names it"
done
# many repeats of one name: each repeat resumes the suffix search (renaming 30,000 columns named "a"
# took about a minute when every repeat tried a.1, a.2, ... from the start)
python3 -c 'n=30000; print(",".join(["a"]*n)); print(",".join(["1"]*n)); print(",".join(["a","a","a.1","a","a.3","a"]+["x"]*(n-6)))' > "$T/manydup.csv"
run timeout 20 "$W" fp --no-cache --json --header "$T/manydup.csv"
eq "$rc" 0 "30,000 repeated header names: exit 0 within 20 s"
eq "$(python3 -c 'import json,sys; c=[c["name"] for c in json.load(sys.stdin)["columns"]]; print(len(c), len(set(c)), c[1], c[2], c[-1])' <<<"$out")" \
   "30000 30000 a.1 a.2 a.29999" "30,000 repeated header names: all made unique"
printf 'a,a,a.1,a,a.3,a\n1,1,1,1,1,1\n' > "$T/hh.csv"
run "$W" fp --no-cache --json --header "$T/hh.csv"
eq "$(python3 -c 'import json,sys; print([c["name"] for c in json.load(sys.stdin)["columns"]])' <<<"$out")" \
   "['a', 'a.2', 'a.1', 'a.4', 'a.3', 'a.5']" "repeats skip names the header holds"

# binary data under a table's name: refused (exit 2), not read as a table of noise;
# source code that happens to split into fields is a file, not a table
head -c 4096 /dev/urandom > "$T/noise.csv"; printf '\0' >> "$T/noise.csv"
run "$W" fp --no-cache --id "$T/noise.csv"; eq "$rc" 2 "binary .csv: exit 2"; has "$err" "holds binary data" "binary .csv: message"
{ printf '\x7fELF\x02\x01\x01'; head -c 200 /dev/zero; } > "$T/prog.csv"
run "$W" fp --no-cache --id "$T/prog.csv"; eq "$rc" 2 "an ELF file named .csv: exit 2"
eq "$out" "" "binary .csv: no stdout"
run "$W" fp --no-cache --level content --id "$T/noise.csv"; eq "$rc" 0 "binary .csv at the content level: its bytes"
# UTF-16 text (a byte order mark first): read as its UTF-8 decoding; an
# unpaired surrogate is invalid text (a warning, --strict an error); an odd
# byte count is a truncated file (exit 2, no output)
printf 'name\tval\n\xc3\xa4\t1\n' > "$T/u8.tsv"
printf '\xff\xfen\x00a\x00m\x00e\x00\t\x00v\x00a\x00l\x00\n\x00\xe4\x00\t\x001\x00\n\x00' > "$T/excel.txt"
run "$W" fp --no-cache --id "$T/u8.tsv"; u8id=${out%% *}
run "$W" fp --no-cache --id "$T/excel.txt"; eq "$rc" 0 "UTF-16 text table: exit 0"; eq "${out%% *}" "$u8id" "UTF-16 TSV (.txt) has the UTF-8 file's id"
run "$W" fp --no-cache "$T/excel.txt"; has "$out" "format    tsv (utf-16le), delimiter tab" "UTF-16: the encoding is shown"
printf '\xfe\xff\x00a\x00,\x00b\x00\n\x001\x00,\xd8\x3d\x00\n' > "$T/lone.csv"
run "$W" fp --no-cache --id "$T/lone.csv"; eq "$rc" 0 "UTF-16 lone surrogate: a warning"; has "$err" "line 2: field 2 is not valid UTF-16" "UTF-16 lone surrogate: named"
run "$W" fp --no-cache --strict --id "$T/lone.csv"; eq "$rc" 2 "UTF-16 lone surrogate, --strict: exit 2"
printf '\xff\xfea\x00,\x00b\x00\n\x001\x00,\x002' > "$T/odd.csv"
run "$W" fp --no-cache --id "$T/odd.csv"; eq "$rc" 2 "UTF-16 with an odd byte count: exit 2"; eq "$out" "" "UTF-16 truncated: no stdout"
has "$err" "UTF-16 text ends in the middle of a character" "UTF-16 truncated: message"
printf 'a\x00,\x00b\x00\n\x001\x00,\x002\x00\n\x00' > "$T/nobom16.csv"
run "$W" fp --no-cache --id "$T/nobom16.csv"; eq "$rc" 2 "UTF-16 without a byte order mark: exit 2"
has "$err" "UTF-16 text without a byte order mark" "UTF-16 without a BOM: says so"; has "$err" "iconv -f UTF-16LE" "UTF-16 without a BOM: how to convert"
printf '\xff\xfe{\x00"\x00a\x00"\x00:\x00}\x00\n\x00' > "$T/bad16.jsonl"
run "$W" fp --no-cache --id "$T/bad16.jsonl"; eq "$rc" 2 "UTF-16 JSON Lines error: exit 2"
has "$err" "line 1, column 6" "UTF-16 JSON Lines error: its line and column"; eq "$(grep -c 'at byte' <<<"$err")" 0 "UTF-16 error: no byte offset of the decoded text"
printf 'a = f(1, 2)\nb = g(3, 4)\nc = h(5, 6)\n' > "$T/calc.py"
run "$W" fp --no-cache --json "$T/calc.py"; has "$out" '"kind": "file"' "a .py with commas is a file, not a table"

# options given twice or contradicting each other: exit 2, never "the last wins"
for args in "--level quick --level content" "--json --id" "-o $T/x0.json --id" "--header --no-header" "--model --no-model" \
            "--no-cache --cache $T/c.db" "-o $T/x1 -o $T/x2" "--delimiter , --delimiter ;"; do
  run "$W" fp $args "$G/data/table.csv"; eq "$rc" 2 "fp $args: exit 2"; eq "$out" "" "fp $args: no stdout"
done
run "$W" fp --level quick --level content "$G/data/table.csv"; has "$err" "--level given twice ('quick', then 'content')" "twice: message"
[[ ! -e "$T/x0.json" ]] && ok || bad "fp -o with --id must write nothing"
run "$W" fp -o "$T/x0.json" --id "$G/data/table.csv"; has "$err" "--output and --id contradict each other" "-o with --id: message"
run "$W" diff --json --format markdown "$G/data" "$G/data2"; eq "$rc" 2 "diff --json --format markdown: exit 2"
run "$W" diff --level content --level quick "$G/data" "$G/data2"; eq "$rc" 2 "diff --level twice: exit 2"
run "$W" diff --cache "$T/c.db" --no-cache "$G/data" "$G/data2"; eq "$rc" 2 "diff --cache with --no-cache: exit 2"
run "$W" check --lock "$T/a.lock" --lock "$T/b.lock"; eq "$rc" 2 "check --lock twice: exit 2"; has "$err" "--lock given twice" "check --lock twice: message"
run "$W" lock --lock "$T/a.lock" --lock "$T/b.lock" "$G/data"; eq "$rc" 2 "lock --lock twice: exit 2"
[[ ! -e "$T/a.lock" && ! -e "$T/b.lock" ]] && ok || bad "lock --lock twice must write no lock"
run "$W" merge -o "$T/x1.json" -o "$T/x2.json" "$T/tp.json"; eq "$rc" 2 "merge -o twice: exit 2"

# bytes that are not UTF-8 in names and warnings: the JSON stays valid (scrubbed text, exact bytes in *_hex)
printf 'caf\xe9,caf\xe9,b\n1,2,x\n' > "$T/l1dup.csv"
run "$W" fp --no-cache --json "$T/l1dup.csv"; eq "$rc" 0 "latin-1 repeated header: exit 0"
eq "$(python3 -c 'import json,sys; d=json.load(sys.stdin); print([c.get("name_hex") for c in d["columns"]], d["warnings"]["count"])' <<<"$out")" \
   "['636166e9', '636166e92e31', None] 3" "latin-1 repeated header: valid JSON, exact names in name_hex"
mkdir -p "$T/fc"; printf 'x = 1\n' > "$T/fc/pr$(printf '\xe9')p.py"; printf 'a: 1\n' > "$T/fc/p.yaml"; printf 'a,b\n1,2\n' > "$T/fc/m.csv"
run "$W" fp --no-cache --json --features "$T/fc/m.csv" --pipeline "$T/fc/p.yaml" --code "$T/fc/pr$(printf '\xe9')p.py"
eq "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["code"]["files"][0]["name_hex"])' <<<"$out")" "7072e9702e7079" "a latin-1 code file name: valid JSON with name_hex"

# a column name holding a line feed stays on one line of text output
printf '"a\nb",c\n1,2\n' > "$T/nl1.csv"; printf '"a\nb",c\n5,2\n' > "$T/nl2.csv"
run "$W" diff --no-cache "$T/nl1.csv" "$T/nl2.csv"; has "$out" '~ a\\x0ab (values changed)' "a name with a line feed is shown escaped"

# ---- 3. ids: stable across threads, copies, time; saved fingerprints ----
run "$W" fp --no-cache --id --threads 1 "$G/data"; a=${out%% *}
run "$W" fp --no-cache --id --threads 2 "$G/data"; eq "${out%% *}" "$a" "folder id, 1 vs 2 threads"
cp -a "$G/data" "$T/copy-elsewhere"; touch -d '1999-01-01' "$T/copy-elsewhere/table.csv"
run "$W" fp --no-cache --id "$T/copy-elsewhere"; eq "${out%% *}" "$a" "folder id after copy + touch"
run "$W" fp --no-cache -o "$T/saved.json" "$G/data"; eq "$rc" 0 "-o exit"; eq "$out" "" "-o prints nothing"
run "$W" diff --no-cache "$T/saved.json" "$G/data"; eq "$rc" 0 "saved vs live identical"
run "$W" diff --no-cache "$G/data2" "$T/saved.json"; eq "$rc" 1 "live vs saved different"
has "$out" "~ table.csv" "live vs saved names the changed file"
if grep -q "changed   bytes" <<<"$out"; then bad "byte ranges need both folders on disk"; else ok; fi
# two folders on disk: byte ranges inside a changed multi-chunk file
mkdir -p "$T/big1"; head -c 3000000 /dev/urandom > "$T/big1/blob"; cp -a "$T/big1" "$T/big2"
printf 'XYZ' | dd of="$T/big2/blob" bs=1 seek=1500000 conv=notrunc status=none
run "$W" diff --no-cache --json "$T/big1" "$T/big2"; eq "$rc" 1 "folder detail exit"
got=$(python3 -c '
import json, sys
r = json.load(sys.stdin); c = r["entries"]["changed"][0]; rg = c["ranges"]
print(len(rg), rg[0]["a"][0] <= 1500000 < rg[0]["a"][0] + rg[0]["a"][1], c["unchanged_bytes"] > 1500000)' <<<"$out")
eq "$got" "1 True True" "folder diff: byte range inside the changed file"
# quick level samples 16 blocks: a byte changed between them is not seen,
# a changed size is; either way no byte ranges are worked out
run "$W" diff --no-cache --level quick --json "$T/big1" "$T/big2"; eq "$rc" 0 "quick level does not see an unsampled byte"
cp -a "$T/big2" "$T/big3"; printf 'more' >> "$T/big3/blob"
run "$W" diff --no-cache --level quick --json "$T/big1" "$T/big3"; eq "$rc" 1 "quick folder diff exit"
if grep -q '"ranges"' <<<"$out"; then bad "no byte ranges at quick level"; else ok; fi
run "$W" fp --no-cache --level quick -o "$T/quick.json" "$G/data"
run "$W" diff --no-cache "$T/quick.json" "$G/data"; eq "$rc" 0 "quick saved vs live (live at quick level)"
has "$out" "quick level" "diff says the level"
run "$W" diff --no-cache "$T/quick.json" "$T/saved.json"; eq "$rc" 2 "quick vs content saved: cannot compare"
has "$err" "same --level" "hint to use the same level"
run "$W" fp --no-cache --json "$G/data" "$G/data/table.csv"
got=$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d), d[0]["kind"], d[1]["kind"])' <<<"$out")
eq "$got" "2 folder table" "--json with two paths gives an array"

# ---- 4. errors: one line, exit 2, nothing on stdout ----
run "$W" fp "$T/nope"; eq "$rc" 2 "missing exit"; eq "$out" "" "missing: no stdout"
has "$err" "nope: no such file or folder" "missing message"
eq "$(wc -l <<<"$err")" 1 "missing: one line"
run "$W" diff "$T/nope" "$G/data"; eq "$rc" 2 "diff missing exit"
# streams: a FIFO, /dev/stdin and '-' are read to their end into a
# temporary file, fingerprinted as it, and named as given
mkfifo "$T/fifo"
printf 'x,y\n1,2.50\n3,4\n' > "$T/st.csv"
run "$W" fp --no-cache --json "$T/st.csv"; want=$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["id"], d["kind"], d["rows"])' <<<"$out")
(cat "$T/st.csv" > "$T/fifo" &)
run timeout 10 "$W" fp --json --as csv "$T/fifo"; eq "$rc" 0 "fifo exit"
eq "$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["id"], d["kind"], d["rows"], d["name"])' <<<"$out")" "$want fifo" "a FIFO: the file's table id, named as given"
out=$("$W" fp --json --as csv - < "$T/st.csv"); rc=$?
eq "$rc" 0 "stdin exit"
eq "$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["id"], d["kind"], d["rows"], d["name"])' <<<"$out")" "$want -" "'-': the file's table id, named -"
out=$("$W" fp --id --as csv /dev/stdin < "$T/st.csv"); eq "$out" "${want%% *}  /dev/stdin" "/dev/stdin with --id"
err=$(printf 'x,y\n1\n' | "$W" fp --strict --as csv - 2>&1 >/dev/null); rc=$?
has "$err" "^whorl: error: -: line 2: 1 fields" "a stream's error names it, with the line"
eq "$(ls "${TMPDIR:-/tmp}" | grep -c '^whorl-stream-')" 0 "no temporary file left behind"
out=$("$W" diff "$T/st.csv" - < "$T/st.csv"); eq "$?" 0 "diff FILE - of the same bytes: identical"
run timeout 10 "$W" fp /dev/null; eq "$rc" 2 "device exit"; has "$err" "character device" "device message"
if [[ -r /proc/self/status ]]; then
  for lvl in content quick; do
    run "$W" fp --no-cache --level $lvl /proc/self/status; eq "$rc" 2 "pseudo-file at $lvl level"
    has "$err" "pseudo file system" "pseudo-file message at $lvl level"
  done
fi
mkdir -p "$T/withfifo"; printf x > "$T/withfifo/a"; mkfifo "$T/withfifo/p"
run timeout 10 "$W" fp --no-cache --json "$T/withfifo"; eq "$rc" 0 "folder with fifo exit 0"
has "$err" "warning: .*withfifo/p: skipped fifo" "fifo skipped warning"
has "$out" '"type": "fifo"' "fifo listed in skipped"
run timeout 10 "$W" fp --no-cache -q "$T/withfifo"; eq "$err" "" "-q silences warnings"
mkfifo "$T/withfifo/new
line"
run timeout 10 "$W" fp --no-cache "$T/withfifo"; eq "$(wc -l <<<"$err")" 2 "a newline in a name keeps each warning on one line"
has "$err" 'new\\x0aline: skipped fifo' "control bytes escaped in messages"
rm "$T/withfifo/new
line"
# non-UTF-8 name: bytes kept, JSON valid
mkdir -p "$T/nonutf"; printf x > "$T/nonutf/$(printf 'bad\377name')"
run "$W" fp --no-cache --json "$T/nonutf"; eq "$rc" 0 "non-UTF-8 exit"
got=$(python3 -c 'import json,sys; e=json.load(sys.stdin)["entries"][0]; print(e["path_hex"], e["path"].encode())' <<<"$out")
eq "$got" "626164ff6e616d65 b'bad\\xef\\xbf\\xbdname'" "non-UTF-8 path_hex"
# permission denied (as another user when running as root)
mkdir -p "$T/perm/d"; printf secret > "$T/perm/d/f"; chmod 000 "$T/perm/d/f"; chmod 755 "$T" "$T/perm" "$T/perm/d"
if [[ $(id -u) -eq 0 ]]; then
  asuser() { setpriv --reuid=nobody --regid=nogroup --clear-groups env XDG_CACHE_HOME=/nonexistent "$@"; }
else
  asuser() { "$@"; }
fi
if asuser test -x "$W"; then
  run asuser "$W" fp --no-cache "$T/perm/d/f"; eq "$rc" 2 "permission denied exit"
  has "$err" "permission denied" "permission denied message"
  run asuser "$W" fp --no-cache "$T/perm"; eq "$rc" 2 "unreadable file in folder exit"
  has "$err" "perm/d/f: cannot open: permission denied" "unreadable file in folder names it"
  eq "$out" "" "no partial output"
  chmod 000 "$T/perm/d"; chmod 644 "$T/perm/d/f" 2>/dev/null
  run asuser "$W" fp --no-cache "$T/perm"; eq "$rc" 2 "unreadable folder exit"
  has "$err" "permission denied" "unreadable folder message"
  chmod 755 "$T/perm/d"
else
  echo "note: $W not executable as nobody; permission tests skipped" >&2
fi
# an unreadable .whorlignore is an error (its rules would silently vanish),
# and an unreadable big file (>= 64 MiB, hashed first) is reported once
if asuser test -x "$W"; then
  mkdir -p "$T/ig/sub"; printf '.whorlignore\n' > "$T/ig/.whorlignore"; printf '*.secret\n' > "$T/ig/sub/.whorlignore"
  printf k > "$T/ig/sub/keys.secret"; chmod -R a+rX "$T/ig"; chmod 000 "$T/ig/sub/.whorlignore"
  run asuser "$W" fp --no-cache "$T/ig"; eq "$rc" 2 "unreadable .whorlignore exit"
  has "$err" "ig/sub/.whorlignore: cannot read: permission denied" "unreadable .whorlignore message"
  mkdir -p "$T/bigperm"; head -c 70000000 /dev/zero > "$T/bigperm/big.bin"; chmod 000 "$T/bigperm/big.bin"; chmod a+rx "$T/bigperm"
  run asuser "$W" fp --no-cache --id "$T/bigperm"; eq "$rc" 2 "unreadable big file exit"
  eq "$(grep -c 'big.bin: cannot open: permission denied' <<<"$err")" 1 "unreadable big file reported once"
  rm -rf "$T/bigperm"
fi
# paths longer than PATH_MAX inside a folder
mkdir -p "$T/deep"; ( cd "$T/deep" && for i in $(seq 25); do n=$(printf 'd%.0s' $(seq 200)); mkdir "$n" && cd "$n"; done; printf deep > f.txt )
run "$W" fp --no-cache --json "$T/deep"; eq "$rc" 0 "path longer than PATH_MAX"
has "$out" 'f.txt' "deep file listed"
# a cache that would sit inside the fingerprinted folder is not used
mkdir -p "$T/home/data"; printf a > "$T/home/data/x"
ids=$(for i in 1 2 3; do HOME="$T/home" XDG_CACHE_HOME= "$W" fp --id "$T/home"; done | cut -d' ' -f1 | sort -u | wc -l)
eq "$ids" 1 "fingerprint of a folder holding the fallback cache location is stable"
[[ ! -e "$T/home/.cache" ]] && ok || bad "no cache created inside the fingerprinted folder"
# b3sum's escaping of names with a newline or backslash in --id lines
mkdir -p "$T/esc"; printf x > "$T/esc/a
b"; printf y > "$T/esc/c\\d"
run "$W" fp --no-cache --id "$T/esc/a
b" "$T/esc/c\\d"; eq "$out" "$(b3sum "$T/esc/a
b" "$T/esc/c\\d")" "--id lines escape like b3sum"
# documents made under other rules are not compared
"$W" fp --no-cache --json --level content "$G/data/table.csv" | sed 's/file-content-v1/file-content-v9/' > "$T/v9.json"
run "$W" diff "$T/v9.json" "$G/data/table.csv"; eq "$rc" 2 "different rules exit"; has "$err" "different rules" "different rules message"

# a folder that changes during the walk (a writer appends all the time)
mkdir -p "$T/busy"; head -c 50000000 /dev/zero > "$T/busy/big"
( while :; do echo x >> "$T/busy/big"; done ) & writer=$!
changed=0
for i in 1 2 3 4 5; do
  run "$W" fp --no-cache --threads 1 "$T/busy"
  if [[ $rc -eq 2 ]] && grep -qE "changed|grew|shrank" <<<"$err"; then changed=1; break; fi
done
kill $writer 2>/dev/null; wait $writer 2>/dev/null
eq "$changed" 1 "file changing during the walk is an error"
# malformed saved fingerprints and bad options
printf '{"whorl": 1, "kind": "file", "id": ' > "$T/trunc.json"
run "$W" diff "$T/trunc.json" "$G/data"; eq "$rc" 2 "truncated fingerprint exit"
has "$err" "trunc.json: .*(at byte " "truncated fingerprint position"
"$W" fp --no-cache --json "$G/data" | head -c 300 > "$T/cut.json"   # cut inside "entries"
run "$W" diff "$T/cut.json" "$G/data"; eq "$rc" 2 "damaged saved fingerprint is an error, not data"
has "$err" "cut.json: damaged fingerprint document: .*(at byte 300)" "damaged fingerprint message"
printf '{"a": [1, 2' > "$T/broken-data.json"
run "$W" diff "$T/broken-data.json" "$T/broken-data.json"; eq "$rc" 0 "broken JSON data file is data"
printf '{"whorl": 99, "kind": "file"}' > "$T/future.json"
run "$W" diff "$T/future.json" "$G/data"; eq "$rc" 2 "future format exit"; has "$err" "newer" "future format message"
printf '{"whorl": 1, "kind": "file", "level": "content", "id": "zz"}' > "$T/badid.json"
run "$W" diff "$T/badid.json" "$G/data"; eq "$rc" 2 "bad id exit"
run "$W" fp --level deep "$G/data"; eq "$rc" 2 "bad level"
run "$W" fp --digest sha1 "$G/data"; eq "$rc" 2 "bad digest"; has "$err" "sha1" "bad digest names it"
run "$W" fp --threads 0 "$G/data"; eq "$rc" 2 "bad threads"
run "$W" fp --no-cache --as csv "$G/data"; eq "$rc" 2 "--as on a folder: refused"; has "$err" "is a folder: --as names" "--as on a folder: says why"
run "$W" fp; eq "$rc" 2 "no path"
run "$W" diff "$G/data"; eq "$rc" 2 "diff one path"
run "$W" frobnicate; eq "$rc" 2 "unknown command"
run "$W" fp --bogus "$G/data"; eq "$rc" 2 "unknown option"; eq "$err" "whorl: error: unknown option or missing value: '--bogus' (see 'whorl fp --help')" "unknown option message"
run "$W" fp -o "$T/out.json" "$T/nope"; eq "$rc" 2 "-o on error exit"
[[ ! -e "$T/out.json" ]] && ok || bad "-o wrote a file on error"
run "$W" fp -o "$T/no/such/dir/out.json" "$G/data"; eq "$rc" 2 "-o unwritable"
run "$W" fp --help; eq "$rc" 0 "fp --help"; has "$out" "usage: whorl fingerprint" "fp help text"
run "$W" --version; has "$out" "whorl 0" "version"
"$W" fp "$G/data" >/dev/full 2>/dev/null; eq "$?" 2 "stdout write error is reported"
"$W" diff "$G/data" "$G/data" >/dev/full 2>/dev/null; eq "$?" 2 "diff: stdout write error is reported"
"$W" version >/dev/full 2>/dev/null; eq "$?" 2 "version: stdout write error is reported"
"$W" fp --help >/dev/full 2>/dev/null; eq "$?" 2 "fp --help: stdout write error is reported"
"$W" fp --no-cache --json "$G/data/table.csv" >/dev/full 2>"$T/full.err"; eq "$(grep -c 'cannot write' "$T/full.err")" 1 "one message for a failed write"
# -o writes through a symlink to its target, to a device as it is, and "-" is stdout
if [[ -c /dev/full ]]; then
  "$W" fp -o /dev/full "$G/data/table.csv" 2>/dev/null; eq "$?" 2 "-o /dev/full: exit 2"
  [[ -c /dev/full ]] && ok || bad "-o /dev/full must not replace the device"
fi
: > "$T/otarget.json"; ln -sf "$T/otarget.json" "$T/olink.json"
run "$W" fp --no-cache -o "$T/olink.json" "$G/data/table.csv"; eq "$rc" 0 "-o through a symlink"
[[ -L "$T/olink.json" && -s "$T/otarget.json" ]] && ok || bad "-o through a symlink: the link stays, the target is written"
run "$W" fp --no-cache -o - "$G/data/table.csv"; has "$out" '"kind": "table"' "-o - writes to stdout"
ln -sf "$T/newtarget.json" "$T/dangling.json"
run "$W" fp --no-cache -o "$T/dangling.json" "$G/data/table.csv"; eq "$rc" 0 "-o through a dangling symlink"
[[ -L "$T/dangling.json" && -s "$T/newtarget.json" ]] && ok || bad "-o through a dangling symlink creates its target"
[[ ! -e ./- ]] && ok || bad "-o - must not create a file named -"
# ... by every command that prints a report: merge, check (text and junit)
"$W" fp --no-cache -o "$T/m1.json" "$G/data/table.csv" 2>/dev/null
"$W" merge "$T/m1.json" "$T/m1.json" >/dev/full 2>/dev/null; eq "$?" 2 "merge: stdout write error is reported"
printf 'zz\n1\n' > "$T/other.csv"; "$W" fp --no-cache -o "$T/m2.json" "$T/other.csv" 2>/dev/null
run "$W" merge "$T/m1.json" "$T/m2.json"; eq "$rc" 0 "merge of unrelated shards: exit 0"
has "$err" "shares no column with the parts before it" "merge of unrelated shards: a warning"
mkdir -p "$T/lk" && cp "$G/data/table.csv" "$T/lk/" && (cd "$T/lk" && "$W" lock table.csv 2>/dev/null)
(cd "$T/lk" && "$W" check >/dev/full 2>/dev/null); eq "$?" 2 "check: stdout write error is reported"
(cd "$T/lk" && "$W" check --format junit >/dev/full 2>/dev/null); eq "$?" 2 "check --format junit: stdout write error is reported"
(cd "$T/lk" && "$W" check --json > "$T/ck.json" 2>/dev/null); eq "$?" 0 "check --json"
eq "$(python3 -c 'import json,sys; print("whorl_check" in json.load(open(sys.argv[1])))' "$T/ck.json")" "True" "check --json prints the JSON report"

# ---- 5. stat cache ----
P="$T/proj"; mkdir -p "$P/.whorl" "$P/d"
for i in $(seq 1 50); do head -c $((i * 1000)) /dev/urandom > "$P/d/f$i"; done
touch -d '-1 minute' "$P/d"/*; sleep 2.1   # not racy (mtime and ctime >= 2 s old)
run "$W" fp --stats --id "$P/d"; cold=${out%% *}
has "$err" "50 files, 0 from the stat cache" "cold run"
[[ -f "$P/.whorl/cache.sqlite" ]] && ok || bad "cache created in the project's .whorl/"
run "$W" fp --stats --id "$P/d"; eq "${out%% *}" "$cold" "warm id"
has "$err" "50 files, 50 from the stat cache, 0 bytes read" "warm run reads nothing"
run "$W" fp --stats --id --no-cache "$P/d"; has "$err" "0 from the stat cache" "--no-cache bypasses"
head -c 1000 /dev/urandom > "$P/d/f1"; touch -d '-1 minute' "$P/d/f1"; sleep 2.1
run "$W" fp --stats --id "$P/d"; has "$err" "49 from the stat cache, 1000 bytes read" "changed file re-read"
new=${out%% *}; [[ "$new" != "$cold" ]] && ok || bad "changed file changes the id"
# a corrupt cache is rebuilt, never trusted
dd if=/dev/urandom of="$P/.whorl/cache.sqlite" bs=1 count=2000 seek=100 conv=notrunc status=none
run "$W" fp --stats --id "$P/d"; eq "$rc" 0 "corrupt cache exit"; eq "${out%% *}" "$new" "corrupt cache: right id"
printf 'garbage' > "$P/.whorl/cache.sqlite"; rm -f "$P/.whorl/cache.sqlite-wal" "$P/.whorl/cache.sqlite-shm"
run "$W" fp --stats --id "$P/d"; eq "${out%% *}" "$new" "garbage cache: right id"; has "$err" "0 from the stat cache" "garbage cache not trusted"
run "$W" fp --stats --id "$P/d"; has "$err" "50 from the stat cache" "rebuilt cache works"
# outside a project: $XDG_CACHE_HOME/whorl
mkdir -p "$T/noproj"; printf x > "$T/noproj/f"
run "$W" fp --id "$T/noproj/f"; [[ -f "$XDG_CACHE_HOME/whorl/cache.sqlite" ]] && ok || bad "XDG cache used outside a project"
run "$W" fp --id --cache "$T/explicit.sqlite" "$T/noproj/f"; [[ -f "$T/explicit.sqlite" ]] && ok || bad "--cache FILE"
# a cache file owned by someone else is not trusted
if [[ $(id -u) -eq 0 ]]; then
  run "$W" fp --stats --id "$P/d"; has "$err" "50 from the stat cache" "own cache used"
  chown nobody "$P/.whorl/cache.sqlite"
  run "$W" fp --stats --id "$P/d"; eq "$rc" 0 "foreign cache exit"; has "$err" "0 from the stat cache" "foreign cache not used"
  eq "${out%% *}" "$new" "foreign cache: right id"
fi

# ---- 6. tables ----
D="$WHORL_SRC/tests/data/duckdb"
mkdir -p "$T/tab"
printf 'a,b\n1,x\n2,y\n' > "$T/tab/t.csv"
head -c 32 /dev/urandom > "$T/tab/k1"; head -c 32 /dev/urandom > "$T/tab/k2"
run "$W" fp --no-cache --id --key-file "$T/tab/k1" "$T/tab/t.csv"; k1a=${out%% *}
run "$W" fp --no-cache --id --key-file "$T/tab/k1" "$T/tab/t.csv"; eq "${out%% *}" "$k1a" "keyed: same key, same id"
run "$W" fp --no-cache --id --key-file "$T/tab/k2" "$T/tab/t.csv"; [[ "${out%% *}" != "$k1a" ]] && ok || bad "keyed: another key, another id"
run "$W" fp --no-cache --id "$T/tab/t.csv"; plain=${out%% *}; [[ "$plain" != "$k1a" ]] && ok || bad "keyed id differs from the plain one"
"$W" fp --no-cache --json --key-file "$T/tab/k1" -o "$T/tab/k1.json" "$T/tab/t.csv"
run "$W" diff --no-cache "$T/tab/k1.json" "$T/tab/t.csv"; eq "$rc" 2 "keyed vs plain: refused"; has "$err" "key" "keyed vs plain: says why"
run "$W" diff --no-cache --key-file "$T/tab/k1" "$T/tab/k1.json" "$T/tab/t.csv"; eq "$rc" 0 "keyed vs the same key: identical"
# a model's config/training options on something that is not read as a model: refused, never dropped silently
run "$W" fp --no-cache --param seed=42 "$T/tab/t.csv"; eq "$rc" 2 "--param on a table: exit 2"; has "$err" "describe a model" "--param on a table: says why"
run "$W" fp --no-cache --training-file "$T/tab/t.csv" "$T/tab"; eq "$rc" 2 "--training-file on a folder: exit 2"
run "$W" lock --lock "$T/tab/p.lock" --param seed=42 "$T/tab/t.csv"; eq "$rc" 2 "lock --param on a table: exit 2"
[[ ! -e "$T/tab/p.lock" ]] && ok || bad "lock --param on a table must write no lock"
# --digest on a table: the digests asked for are in its text output too
run "$W" fp --no-cache --digest sha256,md5 "$T/tab/t.csv"
has "$out" "sha256    $(sha256sum < "$T/tab/t.csv" | cut -d' ' -f1)" "table text output: the SHA-256 asked for"
has "$out" "md5       $(md5sum < "$T/tab/t.csv" | cut -d' ' -f1)" "table text output: the MD5 asked for"
# keyed mode keeps the bytes' plain hashes out too: b3sum and chunk hashes of a small table confirm a guess of it
has "$(cat "$T/tab/k1.json")" '"keyed": true' "keyed: the content hash is marked keyed"
grep -q "$(b3sum --no-names "$T/tab/t.csv")" "$T/tab/k1.json" && bad "keyed: the file's plain BLAKE3 is in the document" || ok
grep -q '"chunks"' "$T/tab/k1.json" && bad "keyed: the chunk list (plain XXH3) is in the document" || ok
cp "$T/tab/t.csv" "$T/tab/t2.csv"; "$W" fp --no-cache -q --key-file "$T/tab/k1" -o "$T/tab/k1b.json" "$T/tab/t2.csv"
run "$W" diff --json "$T/tab/k1.json" "$T/tab/k1b.json"; has "$out" '"tier": "bytes"' "keyed: the same bytes under one key are identical bytes"
"$W" fp --no-cache --level content -o "$T/tab/tf.json" "$T/tab/t.csv"
run "$W" diff "$T/tab/k1.json" "$T/tab/tf.json"; eq "$rc" 2 "keyed table vs a file document: refused"; has "$err" "keyed hash of its bytes" "keyed vs file: says why"
run "$W" fp --no-cache --id --threads 1 "$D/duck-t.csv"; one=${out%% *}
run "$W" fp --no-cache --id --threads 2 "$D/duck-t.csv"; eq "${out%% *}" "$one" "table id: 1 and 2 threads"
run "$W" fp --no-cache --id "$D/duck-zstd.parquet"; eq "${out%% *}" "$one" "DuckDB's Parquet and CSV: one logical id"
run "$W" fp --no-cache --id "$D/duck-decimal38.csv"; dcsv=${out%% *}
run "$W" fp --no-cache --id "$D/duck-decimal38.parquet"; eq "${out%% *}" "$dcsv" "DuckDB DECIMAL(30,4) as fixed-length bytes and UUIDs: Parquet = CSV"
run "$W" fp --no-cache --id "$D/duck-time.csv"; tcsv=${out%% *}
run "$W" fp --no-cache --id "$D/duck-time.parquet"; eq "${out%% *}" "$tcsv" "DuckDB timestamps (ms/us/ns, UTC and local), times, dates: Parquet = CSV"
# bad input: one line naming the file (and where), exit 2, nothing on stdout
# Parquet columns read on several threads (sink lanes): the same document, byte for byte
for f in "$D"/*.parquet; do
  for lv in logical profile; do
    run "$W" fp --no-cache --json --level $lv --threads 1 "$f"; one=$out
    run "$W" fp --no-cache --json --level $lv --threads 3 "$f"; eq "$out" "$one" "$(basename "$f") $lv: 1 and 3 threads give one document"
  done
done
head -c 3000 "$D/duck-zstd.parquet" > "$T/tab/trunc.parquet"
run "$W" fp --no-cache --as parquet "$T/tab/trunc.parquet"; eq "$rc" 2 "truncated Parquet: exit 2"; eq "$out" "" "truncated Parquet: no stdout"
has "$err" "trunc.parquet" "truncated Parquet: names the file"; eq "$(wc -l <<<"$err")" 1 "truncated Parquet: one line"
printf 'a,b\n1,"x\n2,y\n' > "$T/tab/open.csv"
run "$W" fp --no-cache "$T/tab/open.csv"; eq "$rc" 2 "unterminated quote: exit 2"; has "$err" "line 2" "unterminated quote: the line"
printf 'a,b\n1,2\n3,4,5\n6\n' > "$T/tab/ragged.csv"
run "$W" fp --no-cache --json "$T/tab/ragged.csv"; eq "$rc" 0 "ragged rows: read"; has "$err" "line 3" "ragged rows: warning with the line"
got=$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["warnings"]["ragged_rows"], [c["name"] for c in d["columns"]], d["columns"][1]["nulls"])' <<<"$out")
eq "$got" "2 ['a', 'b', '2'] 1" "ragged rows: extra column, missing cell null"
run "$W" fp --no-cache --strict "$T/tab/ragged.csv"; eq "$rc" 2 "--strict: ragged row is an error"; has "$err" "line 3" "--strict: the line"
printf 'a,b\n1,caf\xe9\n' > "$T/tab/latin1.csv"
run "$W" fp --no-cache "$T/tab/latin1.csv"; eq "$rc" 0 "invalid UTF-8: read"; has "$err" "line 2" "invalid UTF-8: warning with the line"
run "$W" fp --no-cache --strict "$T/tab/latin1.csv"; eq "$rc" 2 "invalid UTF-8 --strict: error"
printf 'a,b\n1,2\n' | gzip -c | head -c 20 > "$T/tab/cut.csv.gz"
run "$W" fp --no-cache "$T/tab/cut.csv.gz"; eq "$rc" 2 "truncated gzip table: exit 2"; has "$err" "cut.csv.gz" "truncated gzip: names the file"
run "$W" fp --no-cache --level logical "$WHORL_SRC/README.md"; eq "$rc" 2 "logical level on a non-table"; has "$err" "not recognised as a table" "says so"
run "$W" fp --no-cache --as npy "$T/tab/t.csv"; eq "$rc" 2 "--as npy on a CSV: error"
# xz and bzip2 are not decompressed: refused by name, never read as text
/usr/bin/python3 -c "
import bz2, lzma
open('$T/tab/p.csv.xz', 'wb').write(lzma.compress(b'a,b\\n1,x\\n2,y\\n'))
open('$T/tab/p.csv.bz2', 'wb').write(bz2.compress(b'a,b\\n1,x\\n2,y\\n'))
open('$T/tab/xz.csv', 'wb').write(lzma.compress(b'a,b\\n1,x\\n2,y\\n'))
"
for a in "--as csv $T/tab/p.csv.xz" "--as jsonl $T/tab/p.csv.bz2" "--level logical $T/tab/p.csv.xz" "$T/tab/xz.csv"; do
  run "$W" fp --no-cache $a; eq "$rc" 2 "xz/bzip2 table ($a): exit 2"; eq "$out" "" "xz/bzip2 table ($a): no output"
  has "$err" "compressed: tables are decompressed from gzip and zstd only" "xz/bzip2 table ($a): says why"
done
run "$W" fp --no-cache "$T/tab/p.csv.xz"; eq "$rc" 0 "an xz file without a table level: fingerprinted as a file"
# .npz tables: named 1-D columns, stored or deflated; damaged archives
/usr/bin/python3 -c "
import numpy as np
a = np.arange(6); b = np.array([0.5, 1.5, 2.5, 3.5, 4.5, 5.5]); c = a % 2 == 0
np.savez('$T/tab/t.npz', id=a, x=b, even=c)
np.savez_compressed('$T/tab/tc.npz', even=c, id=a, x=b)
np.savez('$T/tab/bad.npz', id=a, x=np.arange(5))
"
printf 'id,x,even\n0,0.5,true\n1,1.5,false\n2,2.5,true\n3,3.5,false\n4,4.5,true\n5,5.5,false\n' > "$T/tab/npz.csv"
run "$W" fp --no-cache --id "$T/tab/npz.csv"; nc=${out%% *}
run "$W" fp --no-cache --id "$T/tab/t.npz"; eq "${out%% *}" "$nc" ".npz (stored) = CSV"
run "$W" fp --no-cache --id "$T/tab/tc.npz"; eq "${out%% *}" "$nc" ".npz (deflated, other member order) = CSV"
run "$W" fp --no-cache --level logical "$T/tab/bad.npz"; eq "$rc" 2 ".npz of unequal lengths as a table: exit 2"; has "$err" "differ in length" ".npz of unequal lengths: says why"
# ... but without a table asked for, a sound .npz that is no table is a file (with a warning that says why)
run "$W" fp --no-cache --json "$T/tab/bad.npz"; eq "$rc" 0 ".npz of unequal lengths: a file"; has "$out" '"kind": "file"' ".npz of unequal lengths: kind file"; has "$err" "not read as a table (npz members" ".npz of unequal lengths: the warning says why"
head -c 300 "$T/tab/tc.npz" > "$T/tab/cut.npz"
run "$W" fp --no-cache --as npz "$T/tab/cut.npz"; eq "$rc" 2 "truncated .npz: exit 2"; has "$err" "cut.npz" "truncated .npz: names the file"
cp "$T/tab/t.npz" "$T/tab/flip.npz"; printf '\x41' | dd of="$T/tab/flip.npz" bs=1 seek=200 conv=notrunc 2>/dev/null
run "$W" fp --no-cache "$T/tab/flip.npz"; eq "$rc" 2 ".npz with a flipped data byte: CRC error, exit 2"; has "$err" "CRC" ".npz flipped byte: CRC named"
# a compressed table is decompressed ahead on another thread: a truncated
# stream is still an error, whatever the thread count
awk 'BEGIN { print "a,b"; for (i = 0; i < 400000; i++) printf "%d,v%d\n", i, i * 7 }' | gzip -1 > "$T/tab/long.csv.gz"
head -c $(( $(stat -c %s "$T/tab/long.csv.gz") / 2 )) "$T/tab/long.csv.gz" > "$T/tab/long-cut.csv.gz"
for th in 1 2; do
  run "$W" fp --no-cache --threads $th "$T/tab/long-cut.csv.gz"; eq "$rc" 2 "truncated gzip, $th threads: exit 2"; has "$err" "truncated" "truncated gzip, $th threads: says so"
done
run "$W" fp --no-cache --id --threads 1 "$T/tab/long.csv.gz"; g1=${out%% *}
run "$W" fp --no-cache --id --threads 2 "$T/tab/long.csv.gz"; eq "${out%% *}" "$g1" "gzip table: 2 threads = 1 thread"
# very wide tables: 60,000 columns read fast; more than 100,000 refused
/usr/bin/python3 -c "
n = 60000
open('$T/tab/wide.csv', 'w').write(','.join('c%d' % i for i in range(n)) + '\\n' + ','.join(str(i) for i in range(n)) + '\\n')
n = 100001
open('$T/tab/wider.csv', 'w').write(','.join('c%d' % i for i in range(n)) + '\\n')
"
run "$W" fp --no-cache --json "$T/tab/wide.csv"; eq "$rc" 0 "60,000 columns: read"
eq "$(python3 -c 'import json,sys; print(len(json.load(sys.stdin)["columns"]))' <<<"$out")" 60000 "60,000 columns: all listed"
run "$W" fp --no-cache "$T/tab/wider.csv"; eq "$rc" 2 "100,001 columns: refused"; has "$err" "more than 100000 columns" "100,001 columns: says why"
# JSON Lines on several threads: the serial result; a key first seen late
# (after the first line) sends the file back to the serial reader
awk 'BEGIN { for (i = 0; i < 500000; i++) { if (i == 420000) printf "{\"a\":%d,\"b\":\"x%d\",\"late\":true}\n", i, i % 7; else printf "{\"a\":%d,\"b\":\"x%d\"}\n", i, i % 7 } }' > "$T/tab/late.jsonl"
awk 'BEGIN { for (i = 0; i < 500000; i++) printf "{\"b\":\"y%d\",\"a\":%d.5}\n", i % 11, i }' > "$T/tab/plain.jsonl"
for f in late plain; do
  run "$W" fp --no-cache --json --threads 1 "$T/tab/$f.jsonl"; j1=$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["id"], d["rows"], len(d["columns"]))' <<<"$out")
  run "$W" fp --no-cache --json --threads 2 "$T/tab/$f.jsonl"; eq "$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["id"], d["rows"], len(d["columns"]))' <<<"$out")" "$j1" "JSON Lines ($f): 2 threads = 1 thread"
done
# found in review: the header guess must not depend on how the input is
# read (plain or gzip, 1 or 2 threads); CR-only line ends fall back to one
# reader; too many .npz arrays and too sparse JSON Lines are refused
/usr/bin/python3 -c "
import random
r = random.Random(5)
rows = ['x,5'] + [',' + ''.join(r.choice('abcdefghij') for _ in range(6000)) for _ in range(70)] + ['7,q'] + [',abc'] * 100
open('$T/tab/hdr70.csv', 'w').write('\\n'.join(rows) + '\\n')
import numpy as np
np.savez('$T/tab/many.npz', **{'a%d' % i: np.arange(2) for i in range(1025)})
"
awk 'BEGIN { for (i = 0; i < 12000; i++) printf "{\"k%d\": 1}\n", i }' > "$T/tab/sparse.jsonl"
gzip -kf "$T/tab/hdr70.csv"
hv=""
for f in hdr70.csv hdr70.csv.gz; do for th in 1 2; do
  run "$W" fp --no-cache --id --threads $th "$T/tab/$f"; hv="$hv ${out%% *}"
done; done
eq "$(tr ' ' '\n' <<<"$hv" | sort -u | grep -c .)" 1 "header guess: one id for plain/gzip and 1/2 threads"
awk 'BEGIN { printf "a,b\r"; for (i = 0; i < 600000; i++) printf "%d,v%d\r", i, i % 9 }' > "$T/tab/cr.csv"
run "$W" fp --no-cache --id --threads 1 "$T/tab/cr.csv"; c1=${out%% *}
run "$W" fp --no-cache --id --threads 2 "$T/tab/cr.csv"; eq "${out%% *}" "$c1" "CR-only CSV: 2 threads = 1 thread"
# A big CSV with a few bad rows (short, invalid UTF-8, quoted line feeds
# before them, no final line break): 2 threads give the serial result and
# the same warnings, with the same line numbers; --strict the same error
awk 'BEGIN { print "id,name,note,x"; for (i = 0; i < 400000; i++) {
  if (i == 1000) printf "%d,\"two\nlines\",\"a, b\",%d\n", i, i;
  else if (i == 150000) printf "%d,short\n", i;
  else if (i == 250000) printf "%d,caf\351,n%d,%d.5\n", i, i % 13, i;
  else printf "%d,name%d,note %d,%d.25\n", i, i % 97, i % 5, i } printf "1,tail" }' > "$T/tab/dirty.csv"
run "$W" fp --no-cache --json --threads 1 "$T/tab/dirty.csv"; d1=$out; w1=$err
run "$W" fp --no-cache --json --threads 2 "$T/tab/dirty.csv"; eq "$out" "$d1" "dirty CSV: 2 threads = 1 thread"; eq "$err" "$w1" "dirty CSV: the same warnings"
has "$w1" "line 150003: 2 fields" "dirty CSV: the short row's line"; has "$w1" "line 250003, field 2\\|line 250003: field 2" "dirty CSV: the invalid UTF-8 line"
run "$W" fp --no-cache --strict --threads 1 "$T/tab/dirty.csv"; s1="$rc $err"
run "$W" fp --no-cache --strict --threads 2 "$T/tab/dirty.csv"; eq "$rc $err" "$s1" "dirty CSV --strict: 2 threads = 1 thread"; eq "$rc" 2 "dirty CSV --strict: exit 2"
# zstd-compressed and UTF-16 text is parsed on several threads from its
# decompressed stream (segments cut as it comes): the serial documents,
# warnings and errors, whatever the thread count; quoted line feeds across
# segment cuts, a record longer than a stream segment may reach (the whole
# file again, serially), CR-only line ends, a late JSON key, truncation
zstd -q -1 -f "$T/tab/dirty.csv" -o "$T/tab/dirty.csv.zst"
awk 'BEGIN { print "id,blob"; for (i = 0; i < 300000; i++) { if (i == 150000) { printf "%d,\"", i; for (k = 0; k < 160000; k++) printf "line %d of a long quoted field\n", k; printf "\"\n" } else printf "%d,\"q%d\nsecond line, %d\"\n", i, i, i % 3 } }' > "$T/tab/quoted.csv"
zstd -q -1 -f "$T/tab/quoted.csv" -o "$T/tab/quoted.csv.zst"
zstd -q -1 -f "$T/tab/cr.csv" -o "$T/tab/cr.csv.zst"
for f in late plain; do zstd -q -1 -f "$T/tab/$f.jsonl" -o "$T/tab/$f.jsonl.zst"; done
/usr/bin/python3 -c "
t = open('$T/tab/dirty.csv', 'rb').read().decode('latin-1')
open('$T/tab/dirty16.csv', 'wb').write(t.encode('utf-16'))
"
head -c $(( $(stat -c %s "$T/tab/dirty.csv.zst") * 2 / 3 )) "$T/tab/dirty.csv.zst" > "$T/tab/dirty-cut.csv.zst"
for f in dirty.csv.zst quoted.csv.zst cr.csv.zst late.jsonl.zst plain.jsonl.zst dirty16.csv dirty-cut.csv.zst; do
  run "$W" fp --no-cache --json --threads 1 "$T/tab/$f"; o1=$out; e1="$rc $err"
  for th in 2 3; do
    run "$W" fp --no-cache --json --threads $th "$T/tab/$f"; eq "$out" "$o1" "$f: $th threads = 1 thread"; eq "$rc $err" "$e1" "$f: $th threads, the same warnings or error"
  done
done
run "$W" fp --no-cache --id "$T/tab/dirty.csv"; a=${out%% *}
run "$W" fp --no-cache --id --threads 2 "$T/tab/dirty.csv.zst"; eq "${out%% *}" "$a" "dirty CSV: zstd on 2 threads = plain"
run "$W" fp --no-cache --threads 2 "$T/tab/dirty-cut.csv.zst"; eq "$rc" 2 "truncated zstd, 2 threads: exit 2"; has "$err" "dirty-cut.csv.zst" "truncated zstd: names the file"
run "$W" fp --no-cache --as npz "$T/tab/many.npz"; eq "$rc" 2 ".npz of 1025 arrays: refused as a table"; has "$err" "more than 1024" ".npz of 1025 arrays: says why"
run "$W" fp --no-cache "$T/tab/many.npz"; eq "$rc" 0 ".npz of 1025 arrays: a file when no table is asked for"
run "$W" fp --no-cache "$T/tab/sparse.jsonl"; eq "$rc" 2 "sparse JSON Lines: refused"; has "$err" "too sparse" "sparse JSON Lines: says why"
# Parquet edge cases (tests/data/edge): page headers above 4 KiB, a zero
# dictionary offset, nonsense dates, lying value counts
E="$WHORL_SRC/tests/data/edge"
run "$W" fp --no-cache --id "$E/nohdr.parquet"; nh=${out%% *}
run "$W" fp --no-cache --id "$E/bighdr.parquet"; eq "$rc" 0 "Parquet page header above 4 KiB: read"; eq "${out%% *}" "$nh" "... same values as without statistics"
run "$W" fp --no-cache --id "$E/base.parquet"; bs=${out%% *}
run "$W" fp --no-cache --id "$E/dict0.parquet"; eq "${out%% *}" "$bs" "dictionary_page_offset 0 means no dictionary"
run "$W" fp --no-cache --id "$E/date64.parquet"; eq "$rc" 0 "INT64 DATE of 2^63-1 days: read, no overflow"
run "$W" fp --no-cache "$E/hugenv.parquet"; eq "$rc" 2 "2^31-1 values for one row: refused"; has "$err" "values for 1 rows" "lying value count: says so"
run "$W" fp --no-cache "$E/brotli.parquet"; eq "$rc" 2 "BROTLI Parquet pages: refused"; eq "$out" "" "BROTLI Parquet: no stdout"
has "$err" "codec BROTLI (4) is not supported" "BROTLI Parquet: names the codec"; eq "$(wc -l <<<"$err")" 1 "BROTLI Parquet: one line"
run "$W" fp --no-cache --id "$E/codec.csv"; lz=${out%% *}
for f in lz4raw.parquet lz4raw-v2.parquet; do
  run "$W" fp --no-cache --id "$E/$f"; eq "$rc" 0 "LZ4_RAW Parquet ($f): read"; eq "${out%% *}" "$lz" "LZ4_RAW Parquet ($f): the CSV's logical id"
done
# JSON arrays of objects (pandas' to_json(orient="records")), indented or
# not: the same table as JSON Lines; a JSON file of one object stays a file
/usr/bin/python3 -c "
import pandas as pd
df = pd.DataFrame({'id': [1, 2, 3], 'name': ['ann', 'b,c', None], 'x': [0.5, 1.25, 2.0]})
df.to_json('$T/tab/recs.json', orient='records', indent=2)
df.to_json('$T/tab/recs-compact.json', orient='records')
df.to_json('$T/tab/recs.jsonl', orient='records', lines=True)
"
rj=""
for f in recs.json recs-compact.json recs.jsonl; do run "$W" fp --no-cache --id "$T/tab/$f"; rj="$rj ${out%% *}"; done
eq "$(tr ' ' '\n' <<<"$rj" | sort -u | grep -c .)" 1 "JSON array of objects (indented, compact) = JSON Lines"
run "$W" fp --no-cache --json "$T/tab/recs.json"; eq "$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["format"], d["rows"])' <<<"$out")" "json 3" "JSON array: format json, 3 rows"
printf '[{"a": 1}, {"a": 2}' > "$T/tab/open.json"
run "$W" fp --no-cache --as json "$T/tab/open.json"; eq "$rc" 2 "unclosed JSON array: exit 2"; has "$err" "ends before its" "unclosed JSON array: says so"
# an empty file read as a JSON array (--as json, or compared with a table's fingerprint): no array
# at all, not one that "ends before its ']'"
: > "$T/tab/empty.json"
run "$W" fp --no-cache --as json "$T/tab/empty.json"; eq "$rc $out" "2 " "empty file --as json: exit 2, no output"
has "$err" "empty.json: line 1, column 1: no JSON array of objects (the text is empty" "empty file --as json: says so"
printf '[{"a": 1}, 7]' > "$T/tab/seven.json"
run "$W" fp --no-cache --as json "$T/tab/seven.json"; eq "$rc" 2 "JSON array with a non-object: exit 2"; has "$err" "not an object" "... says so"
printf '{"lr": 0.001}\n' > "$T/tab/config.json"
run "$W" fp --no-cache --json "$T/tab/config.json"; eq "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["kind"])' <<<"$out")" file "a JSON config file stays a file"
# found in review: the table cache keys on the detected format (two names
# of one file may be read differently); "[{" starts neither make a .csv nor
# a .txt a JSON table; a .json that only looks like an array of objects is
# a file unless --as json
printf '{"a":1,"b":2}\n{"a":3,"b":4}\n' > "$T/tab/x.jsonl"; touch -d '2020-01-01' "$T/tab/x.jsonl"; ln -sf x.jsonl "$T/tab/y.csv"
run "$W" fp --cache "$T/tab/c2.sqlite" --json "$T/tab/x.jsonl"
run "$W" fp --cache "$T/tab/c2.sqlite" --json "$T/tab/y.csv"; warm=$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["format"], d["rows"])' <<<"$out")
run "$W" fp --no-cache --json "$T/tab/y.csv"; eq "$warm" "$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["format"], d["rows"])' <<<"$out")" "table cache: a link under another name is read as that name says"
printf '[{"a": 1}, "x,y"]\nfoo,bar\n1,2\n' > "$T/tab/bracket.csv"
run "$W" fp --no-cache --json "$T/tab/bracket.csv"; eq "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["format"])' <<<"$out")" csv "a .csv starting with [{ is still a CSV"
printf '[{"a":1},2]' > "$T/tab/mixed.json"
run "$W" fp --no-cache --json "$T/tab/mixed.json"; eq "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["kind"])' <<<"$out")" file "a .json array that is not all objects: a file"
run "$W" fp --no-cache --as json "$T/tab/mixed.json"; eq "$rc" 2 "... but --as json says why it is not a table"
# header detection beyond the first row's spelling
printf ',0,1,2\n0,0.5,1.5,2.5\n1,3.5,4.5,5.5\n' > "$T/tab/pandas.csv"
run "$W" fp --no-cache --json "$T/tab/pandas.csv"
eq "$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["rows"], [c["name"] for c in d["columns"]])' <<<"$out")" "2 ['Unnamed: 0', '0', '1', '2']" "pandas to_csv header (index, 0, 1, 2) detected; the empty name is pandas' Unnamed: 0"
printf 'id,2019,2020\n1,5.5,6.1\n2,7,8\n' > "$T/tab/years.csv"
run "$W" fp --no-cache --json "$T/tab/years.csv"
eq "$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["rows"], [c["name"] for c in d["columns"]])' <<<"$out")" "2 ['id', '2019', '2020']" "header of years detected"
printf '1,2,3\n4,5,6\n' > "$T/tab/nums.csv"
run "$W" fp --no-cache --json "$T/tab/nums.csv"
eq "$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["rows"], d["table"]["header"])' <<<"$out")" "2 False" "numbers only: no header"
run "$W" fp --no-cache --json --header "$T/tab/nums.csv"
eq "$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["rows"], d["table"]["header"])' <<<"$out")" "1 True" "--header forces it"
# the same table in five serializations, one logical id
printf 'id\tname\tscore\r\n1\tann\t2.50\r\n2\t"b,c"\t3\r\n' > "$T/tab/t5.tsv"
printf 'id,name,score\n1,ann,2.5\n2,"b,c",3.0\n' > "$T/tab/t5.csv"
printf '{"score":2.5,"id":1,"name":"ann"}\n{"id":2,"name":"b,c","score":3}\n' > "$T/tab/t5.jsonl"
gzip -c "$T/tab/t5.csv" > "$T/tab/t5.csv.gz"
printf 'name,id,score\n"b,c",2,3\nann,1,2.5\n' > "$T/tab/t5-shuffled.csv"
ids5=$(for f in t5.tsv t5.csv t5.jsonl t5.csv.gz; do "$W" fp --no-cache --id "$T/tab/$f" | cut -c1-64; done | sort -u | wc -l)
eq "$ids5" 1 "CSV, TSV+CRLF, JSON Lines, gzip: one logical id"
run "$W" diff --no-cache "$T/tab/t5.csv" "$T/tab/t5-shuffled.csv"; eq "$rc" 1 "shuffled rows and columns: different"; has "$out" "rows reordered only" "shuffled: says reordered"
# a table saved as a file document (--level content) and as a table
# document: their bytes are still compared
"$W" fp --no-cache --level content --json -o "$T/tab/t5-file.json" "$T/tab/t5.csv"
"$W" fp --no-cache --json -o "$T/tab/t5-table.json" "$T/tab/t5.csv"
run "$W" diff "$T/tab/t5-file.json" "$T/tab/t5-table.json"; eq "$rc" 0 "file vs table document of the same bytes: identical"
"$W" fp --no-cache --json -o "$T/tab/t5s-table.json" "$T/tab/t5-shuffled.csv"
run "$W" diff "$T/tab/t5-file.json" "$T/tab/t5s-table.json"; eq "$rc" 1 "file vs table document of other bytes: different"
# table documents in the stat cache (FILE.tables beside --cache FILE): a
# warm run prints what a cold one does; a changed file or other reader
# options are misses
cp "$T/tab/t5.csv" "$T/tab/cached.csv"; touch -d '2020-01-01' "$T/tab/cached.csv"
run "$W" fp --no-cache --json "$T/tab/cached.csv"; cold=$out
run "$W" fp --cache "$T/tab/c.sqlite" --json "$T/tab/cached.csv"; eq "$out" "$cold" "table cache: first run = no cache"
[[ -f "$T/tab/c.sqlite.tables" ]] && ok || bad "table cache: stored beside the content cache"
run "$W" fp --cache "$T/tab/c.sqlite" --json "$T/tab/cached.csv"; eq "$out" "$cold" "table cache: warm run = cold run"
run "$W" fp --cache "$T/tab/c.sqlite" --json --no-header "$T/tab/cached.csv"
eq "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["rows"])' <<<"$out")" 3 "table cache: other reader options, another document"
printf '9,zed,1\n' >> "$T/tab/cached.csv"; touch -d '2020-01-02' "$T/tab/cached.csv"
run "$W" fp --cache "$T/tab/c.sqlite" --json "$T/tab/cached.csv"
eq "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["rows"])' <<<"$out")" 3 "table cache: a changed file is read again"

# the parallel CSV reader (files of 8 MiB and more): the serial result, bit
# for bit, also when segment guesses fall inside quoted fields with line
# breaks, and warnings keep their line numbers
awk 'BEGIN { print "id,note,x"; for (i = 0; i < 300000; i++) printf "%d,\"first line %d\nsecond, line\",%d.5\n", i, i, i % 97 }' > "$T/tab/nl.csv"
run "$W" fp --no-cache --id --threads 1 "$T/tab/nl.csv"; s1=${out%% *}
run "$W" fp --no-cache --id --threads 2 "$T/tab/nl.csv"; eq "${out%% *}" "$s1" "quoted line breaks: 2 threads = 1 thread"
run "$W" fp --no-cache --id --threads 5 "$T/tab/nl.csv"; eq "${out%% *}" "$s1" "quoted line breaks: 5 threads = 1 thread"
awk 'BEGIN { printf "\xef\xbb\xbfa,b,c\r\n"; for (i = 0; i < 700000; i++) { if (i == 400000) printf "%d,x,y,extra\r\n", i; else printf "%d,v%d,%d\r\n", i, i % 13, i % 7 } }' > "$T/tab/rag.csv"
run "$W" fp --no-cache --json --threads 1 "$T/tab/rag.csv"; r1=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])' <<<"$out")
run "$W" fp --no-cache --json --threads 2 "$T/tab/rag.csv"; eq "$rc" 0 "big ragged file, 2 threads: read"
has "$err" "line 400002" "big ragged file, 2 threads: the warning's line"
eq "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])' <<<"$out")" "$r1" "big ragged file: 2 threads = 1 thread"
awk 'BEGIN { for (i = 0; i < 700000; i++) printf "%d,%d\n", i, i * 3 }' > "$T/tab/nohdr.csv"
run "$W" fp --no-cache --id --threads 1 "$T/tab/nohdr.csv"; n1=${out%% *}
run "$W" fp --no-cache --id --threads 2 "$T/tab/nohdr.csv"; eq "${out%% *}" "$n1" "big headerless file: 2 threads = 1 thread"

# ---- merge: shard fingerprints into the whole table's ----
printf 'id,name,score\n1,ann,2.5\n2,bob,\n' > "$T/tab/m1.csv"; printf 'id,name,score\n3,cy,4\n4,ann,1e1\n' > "$T/tab/m2.csv"
cat "$T/tab/m1.csv" > "$T/tab/mall.csv"; tail -n +2 "$T/tab/m2.csv" >> "$T/tab/mall.csv"
"$W" fp --no-cache -o "$T/tab/m1.json" "$T/tab/m1.csv"; "$W" fp --no-cache -o "$T/tab/m2.json" "$T/tab/m2.csv"
run "$W" merge --json "$T/tab/m1.json" "$T/tab/m2.json"; eq "$rc" 0 "merge exit"
whole=$("$W" fp --no-cache --json "$T/tab/mall.csv")
eq "$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["logical"]["unordered"], json.dumps([c["profile"] for c in d["columns"]], sort_keys=True))' <<<"$out")" \
   "$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["logical"]["unordered"], json.dumps([c["profile"] for c in d["columns"]], sort_keys=True))' <<<"$whole")" \
   "merge = the whole table's profile and unordered id"
# shards fingerprinted before HyperLogLog registers were written as nibbles
# (tests/data/legacy: "hll", 6-bit packed) merge into today's whole table
L="$WHORL_SRC/tests/data/legacy"
run "$W" merge --json "$L/part1.json" "$L/part2.json"; eq "$rc" 0 "merge of older documents: exit"
whole=$("$W" fp --no-cache --json "$L/whole.csv")
eq "$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(json.dumps([d["profile"]] + [c["profile"] for c in d["columns"]], sort_keys=True))' <<<"$out")" \
   "$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(json.dumps([d["profile"]] + [c["profile"] for c in d["columns"]], sort_keys=True))' <<<"$whole")" \
   "merge of older documents (6-bit HLL) = the whole table's profile"
has "$whole" '"hll_nib"' "HLL registers written as nibbles"
cp "$T/tab/m1.json" "$G/m1.json"; cp "$T/tab/m2.json" "$G/m2.json"
golden merge-text "$W" merge m1.json m2.json
rm -f "$G/m1.json" "$G/m2.json"
golden merge-help "$W" merge --help
"$W" fp --no-cache -o "$T/tab/mf.json" "$T/f"
run "$W" merge "$T/tab/m1.json" "$T/tab/mf.json"; eq "$rc" 2 "merge of a file fingerprint: error"
has "$err" "mf.json: not a table fingerprint" "merge error names the file"
run "$W" merge "$T/tab/m1.json" "$T/tab/m1.csv"; eq "$rc" 2 "merge of a data file: error"
has "$err" "not a saved whorl fingerprint" "merge of a data file: message"

# hand-edited parts: counts that overflow or make no sense are refused (exit 2, no output),
# never summed into a negative row count or a column with more nulls than rows
for case in "rows=2**63-1|rows or sizes add up" "size=2**63-1|rows or sizes add up" "size=-1|a negative size" \
            "nulls=-7|nulls is not a count" "nulls=10**6|nulls is not a count" "nulls='x'|nulls is not a count"; do
  what=${case%%=*}; v=${case#*=}; v=${v%%|*}; msg=${case#*|}
  python3 -c "
import json,sys; d=json.load(open(sys.argv[1])); v=$v
if '$what' == 'nulls': d['columns'][0]['nulls'] = v
else: d['$what'] = v
json.dump(d, open(sys.argv[2], 'w'))" "$T/tab/m1.json" "$T/tab/mbad.json"
  run "$W" merge --json "$T/tab/mbad.json" "$T/tab/mbad.json"
  eq "$rc $out" "2 " "merge of a part with $what=$v: exit 2, no output"; has "$err" "mbad.json: .*$msg" "merge of a part with $what=$v: message"
done
# parts of many columns are matched by name in linear time (30,000 columns took about 3 s, 50,000 took 8 s)
python3 -c 'n=30000; print(",".join("c%d" % i for i in range(n))); print(",".join(["1"] * n))' > "$T/tab/wide.csv"
"$W" fp --no-cache --level logical -o "$T/tab/wide.json" "$T/tab/wide.csv"
run timeout 20 "$W" merge --json "$T/tab/wide.json" "$T/tab/wide.json"; eq "$rc" 0 "merge of two 30,000-column parts: exit 0 within 20 s"
eq "$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["rows"], len(d["columns"]), d["columns"][-1]["name"])' <<<"$out")" "2 30000 c29999" "merge of two 30,000-column parts"
echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
