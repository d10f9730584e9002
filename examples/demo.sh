#!/usr/bin/env bash
# The main job on bundled example data (examples/project): fingerprint a
# dataset, a feature pipeline and a model, lock them as the baseline, change
# them the way real projects change, and let `whorl check` and `whorl diff`
# explain what happened. Works on a copy; nothing in the repository changes.
set -euo pipefail
WHORL=${1:-build/whorl}
WHORL=$(cd "$(dirname "$WHORL")" && pwd)/$(basename "$WHORL")
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/whorl-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT
export XDG_CACHE_HOME="$work/cache" # the demo's own stat cache

cp -r "$here/project" "$work/project"
cd "$work/project"

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
note() { printf '\033[2m# %s\033[0m\n' "$*"; }
status() { echo "(exit status $1: $2)"; }

note "1. Fingerprint the three layers."
step "whorl fp data/train.csv"
"$WHORL" fp data/train.csv
step "whorl fp --features features/matrix.csv --pipeline features/pipeline.yaml --code features/prep.py --input data/train.csv"
"$WHORL" fp --features features/matrix.csv --pipeline features/pipeline.yaml --code features/prep.py --input data/train.csv
step "whorl fp model"
"$WHORL" fp model

note "2. Lock them: whorl.lock is the baseline, committed beside the code."
step "whorl lock data/train.csv model"
"$WHORL" lock data/train.csv model
step "whorl lock --features features/matrix.csv --pipeline features/pipeline.yaml --code features/prep.py --input data/train.csv"
"$WHORL" lock --features features/matrix.csv --pipeline features/pipeline.yaml --code features/prep.py --input data/train.csv
echo "whorl.lock: $(wc -c < whorl.lock) bytes, $(wc -l < whorl.lock) lines"
step "whorl check   # the CI gate, policy in whorl.policy.yaml"
"$WHORL" check

note "3. A re-export is not a change: the same table as Parquet, or as a CSV"
note "   with every field quoted and Windows line endings, has the same logical id."
step "whorl diff data/train.csv data/train.parquet"
set +e
"$WHORL" diff data/train.csv data/train.parquet
status $? "the same values"
set -e
awk -F, 'BEGIN { OFS = "," } { for (i = 1; i <= NF; i++) $i = "\"" $i "\""; printf "%s\r\n", $0 }' data/train.csv > t.csv
mv t.csv data/train.csv
step "whorl check   # after re-exporting data/train.csv (quoted, CRLF)"
"$WHORL" check

note "4. Now the changes that matter:"
note "   - one customer's monthly_spend is edited by hand (data row 1234);"
sed -i '1235s/"26.18"/"62.18"/' data/train.csv
note "   - a refactoring of prep.py standardizes age around 40 instead of the mean,"
note "     and the rebuilt matrix drifts (age_z shifts by half a standard deviation);"
sed -i 's|((df.age - df.age.mean()) / df.age.std())|((df.age - 40) / df.age.std(ddof=0))|' features/prep.py
# (the matrix as prep.py rebuilds it from the edited data: log_spend of row 1234 follows the edit)
awk -F, 'BEGIN { OFS = "," } NR > 1 { $2 = sprintf("%.6f", $2 + 0.487) } NR == 1235 { $3 = "4.145988" } { print }' features/matrix.csv > m.csv
mv m.csv features/matrix.csv
note "   - one weight of the model is overwritten (hidden.weight, element [6][1]);"
printf '\xcd\xcc\x4c\xbe' | dd of=model/model.safetensors bs=1 seek=$((8 + 312 + 132 + 4 * 37)) conv=notrunc status=none
note "   - the learning rate in the model's config goes from 0.001 to 0.003."
sed -i 's/"learning_rate": 0.001/"learning_rate": 0.003/' model/config.json

step "whorl check"
set +e
"$WHORL" check
status $? "failing rules"
step "whorl check --format markdown   # the same report as a pull-request comment"
"$WHORL" check --format markdown | head -n 12
echo "..."

note "5. The details behind each finding, from the locked fingerprints alone."
"$WHORL" fp --json -o before.json "$here/project/data/train.csv"
step "whorl diff before.json data/train.csv   # which column, which row"
"$WHORL" diff before.json data/train.csv
status $? "different"
step "whorl diff --features ... (baseline matrix vs rebuilt)   # which part, which column, how much drift"
"$WHORL" fp --json -o feat-before.json --features "$here/project/features/matrix.csv" \
  --pipeline "$here/project/features/pipeline.yaml" --code "$here/project/features/prep.py" --input "$here/project/data/train.csv"
"$WHORL" fp --json -o feat-now.json --features features/matrix.csv --pipeline features/pipeline.yaml \
  --code features/prep.py --input data/train.csv
"$WHORL" diff feat-before.json feat-now.json
status $? "different"
step "whorl diff $here/project/model model   # which tensor, which config key"
"$WHORL" diff "$here/project/model" model
status $? "different"
set -e

note "6. The learning-rate change was intended: accept it, and put the weight back."
printf '\x24\x00\x53\xbf' | dd of=model/model.safetensors bs=1 seek=$((8 + 312 + 132 + 4 * 37)) conv=notrunc status=none
step "whorl lock --update model"
"$WHORL" lock --update model
step "whorl check --format junit | head -n 5   # for CI systems"
set +e
"$WHORL" check --format junit | head -n 5
step "whorl check"
"$WHORL" check
status $? "the data and the features are still off"
set -e
