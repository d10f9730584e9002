#!/usr/bin/python3
"""Feature fingerprints (issue 4, "Features"): each kind of change - the
pipeline spec, a code file, the input, the matrix - changes the features id
and that part's id only, and whorl diff names it; key order, formatting and
JSON vs YAML do not count; correlations agree with pandas; bad specs fail
cleanly. The matrix is a real dataset Debian's python3-sklearn ships.
Run by ctest with WHORL_BIN, WHORL_SRC and WHORL_TMP set.
"""
import csv
import json
import os
import subprocess
import sys

import pandas as pd
import yaml

W = os.environ["WHORL_BIN"]
SRC = os.environ["WHORL_SRC"]
TMP = os.path.join(os.environ["WHORL_TMP"], "features")
passed = failed = 0


def check(cond, msg):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL:", msg, flush=True)


def run(*args):
    r = subprocess.run([W, *args], capture_output=True, text=True)
    return r.returncode, r.stdout, r.stderr


def feat(matrix, spec, code, inp=None, *extra):
    args = ["fp", "--no-cache", "--json", "--features", matrix, "--pipeline", spec]
    for c in code:
        args += ["--code", c]
    if inp:
        args += ["--input", inp]
    rc, out, err = run(*args, *extra)
    check(rc == 0, f"features fingerprint ({err.strip()})")
    return json.loads(out) if rc == 0 else None


def parts(d):
    return {k: d[k]["id"] if k in d else None for k in ("pipeline", "code", "input", "matrix")}


def write(path, text):
    with open(path, "w") as fh:
        fh.write(text)
    return path


def main():
    os.makedirs(TMP, exist_ok=True)
    root = subprocess.run(["bash", os.path.join(SRC, "tests/tables/fetch-real.sh")], capture_output=True, text=True).stdout.strip()
    iris = None
    diabetes = None
    for dirpath, _, files in os.walk(root):
        for f in files:
            if f == "iris.csv" and "sklearn" in dirpath:
                iris = os.path.join(dirpath, f)
            if f == "macrodata.csv" and "statsmodels" in dirpath:
                diabetes = os.path.join(dirpath, f)
    check(iris is not None and diabetes is not None, "found iris.csv and macrodata.csv in the Debian packages")
    if iris is None or diabetes is None:
        return 1
    # The matrix: macrodata (203 rows, all numeric), the input: iris.
    matrix = os.path.join(TMP, "matrix.csv")
    with open(diabetes) as src, open(matrix, "w") as dst:
        dst.write(src.read())
    spec = {"name": "macro-features", "steps": [{"op": "log", "columns": ["realgdp", "realcons"]},
                                                {"op": "standard_scaler", "with_mean": True},
                                                {"op": "pca", "n_components": 4, "seed": 7}],
            "target": "infl"}
    y1 = write(os.path.join(TMP, "spec.yaml"), "# pipeline\n" + yaml.safe_dump(spec, sort_keys=False))
    j1 = write(os.path.join(TMP, "spec.json"), json.dumps(spec, indent=4, sort_keys=True))
    y2 = write(os.path.join(TMP, "spec-flow.yaml"), yaml.safe_dump(spec, default_flow_style=True, sort_keys=True))
    code1 = write(os.path.join(TMP, "prep.py"), "import numpy as np\n\ndef prep(df):\n    return np.log(df)\n")
    code2 = write(os.path.join(TMP, "train.py"), "SEED = 7\n")
    base = feat(matrix, y1, [code1, code2], iris)
    if base is None:
        return 1
    check(base["kind"] == "features" and base["pipeline"]["format"] == "yaml", "kind features, a YAML spec")

    # Formatting, key order, JSON vs YAML, order of --code: nothing changes.
    for other, what in ((j1, "the same spec as indented JSON with sorted keys"), (y2, "the same spec as flow-style YAML")):
        d = feat(matrix, other, [code2, code1], iris)
        check(d and d["id"] == base["id"] and parts(d) == parts(base), f"{what}: same features id")

    # A JSON spec with a UTF-8 byte order mark (Windows editors): the same spec.
    with open(j1, "rb") as fh:
        raw = fh.read()
    jb = os.path.join(TMP, "spec-bom.json")
    with open(jb, "wb") as fh:
        fh.write(b"\xef\xbb\xbf" + raw)
    d = feat(matrix, jb, [code1, code2], iris)
    check(d and d["id"] == base["id"], "a JSON spec with a byte order mark: same features id")

    # Input as its saved fingerprint: same id.
    saved = os.path.join(TMP, "iris.json")
    rc, _, err = run("fp", "--no-cache", "-o", saved, iris)
    d = feat(matrix, y1, [code1, code2], saved)
    check(d and d["id"] == base["id"] and d["input"]["from"] == "fingerprint", "input given as its saved fingerprint: same id")

    # The matrix re-serialized (TSV, CRLF): same logical id, same features id.
    tsv = os.path.join(TMP, "matrix.tsv")
    with open(matrix, newline="") as src, open(tsv, "w", newline="") as dst:
        w = csv.writer(dst, delimiter="\t", lineterminator="\r\n")
        for row in csv.reader(src):
            w.writerow(row)
    d = feat(tsv, y1, [code1, code2], iris)
    check(d and d["id"] == base["id"], "the matrix as TSV with CRLF: same features id")

    saved_base = os.path.join(TMP, "base.json")
    with open(saved_base, "w") as fh:
        json.dump(base, fh)

    def changed(d, part, what):
        if d is None:
            return
        diff = {k for k, v in parts(d).items() if v != parts(base)[k]}
        check(d["id"] != base["id"], f"{what}: the features id changes")
        check(diff == {part}, f"{what}: only the {part} id changes (changed: {sorted(diff)})")
        p = os.path.join(TMP, "cur.json")
        with open(p, "w") as fh:
            json.dump(d, fh)
        rc, out, err = run("diff", saved_base, p)
        check(rc == 1 and f"changed: {part}" in out, f"{what}: diff says 'changed: {part}' ({out.strip()[:200]})")
        return out

    # 1. the spec: one key
    spec2 = json.loads(json.dumps(spec))
    spec2["steps"][2]["n_components"] = 5
    out = changed(feat(matrix, write(os.path.join(TMP, "spec2.yaml"), yaml.safe_dump(spec2)), [code1, code2], iris),
                  "pipeline", "n_components 4 -> 5")
    check(out and "/steps/2/n_components: 4 -> 5" in out, "diff names the changed key as a JSON pointer")
    spec3 = json.loads(json.dumps(spec))
    spec3["steps"].append({"op": "clip"})
    del spec3["target"]
    out = changed(feat(matrix, write(os.path.join(TMP, "spec3.yaml"), yaml.safe_dump(spec3)), [code1, code2], iris),
                  "pipeline", "a step added, a key removed")
    check(out and "+ /steps/3" in out and "- /target" in out, "diff lists added and removed keys")
    # 2. code
    os.makedirs(os.path.join(TMP, "v2"), exist_ok=True)
    code1b = write(os.path.join(TMP, "v2", "prep.py"), "import numpy as np\n\ndef prep(df):\n    return np.log1p(df)\n")
    out = changed(feat(matrix, y1, [code1b, code2], iris), "code", "prep.py edited")
    check(out and "~ prep.py" in out, "diff names the changed code file")
    # 3. input: one changed cell of iris
    with open(iris) as fh:
        lines = fh.read().split("\n")
    lines[5] = lines[5].replace("3.", "4.", 1)
    iris2 = write(os.path.join(TMP, "iris2.csv"), "\n".join(lines))
    changed(feat(matrix, y1, [code1, code2], iris2), "input", "input dataset changed")
    # 4. matrix: one cell
    df = pd.read_csv(matrix)
    df.loc[17, "unemp"] = df.loc[17, "unemp"] + 0.1
    m2 = os.path.join(TMP, "matrix2.csv")
    df.to_csv(m2, index=False)
    out = changed(feat(m2, y1, [code1, code2], iris), "matrix", "one matrix cell changed")
    check(out and "~ unemp (values changed)" in out and "~ 18->18" in out, "diff names the matrix column and row")

    # Correlations: 203 rows < the 2048-row sample, so they are pandas' on all rows.
    ref = pd.read_csv(matrix).select_dtypes("number").corr()
    c = base["correlation"]
    worst = 0.0
    for i, a in enumerate(c["columns"]):
        for j, b in enumerate(c["columns"]):
            worst = max(worst, abs(c["matrix"][i][j] - ref.loc[a, b]))
    check(c["sample_rows"] == 203 and worst <= 1e-6, f"Pearson matrix = pandas' corr() (max difference {worst:.2e})")
    check(len(c["columns"]) == len(ref.columns), "every numeric column correlated")

    # The input as a quick-level fingerprint: refused (it samples the data).
    iq = os.path.join(TMP, "iris.quick.json")
    run("fp", "--no-cache", "--level", "quick", "-o", iq, iris)
    rc, out, err = run("fp", "--no-cache", "--json", "--features", matrix, "--pipeline", y1, "--input", iq)
    check(rc == 2 and "quick-level" in err and out == "", f"a quick-level input fingerprint is refused ({err.strip()})")
    # The input as a content-level file fingerprint: another id, and diff says why.
    ic = os.path.join(TMP, "iris.content.json")
    run("fp", "--no-cache", "--level", "content", "-o", ic, iris)
    d = feat(matrix, y1, [code1, code2], ic)
    if d:
        p = os.path.join(TMP, "cur-content.json")
        with open(p, "w") as fh:
            json.dump(d, fh)
        rc, out, err = run("diff", saved_base, p)
        check(rc == 1 and "fingerprinted differently (table at the profile level vs file at the content level)" in out,
              f"input of another kind or level: diff says so ({out.strip()[:300]})")

    # --id prints "<id>  <matrix>"; --level, --digest and repeated options are refused
    rc, out, err = run("fp", "--no-cache", "--id", "--features", matrix, "--pipeline", y1, "--code", code1, "--code", code2,
                       "--input", iris)
    check(rc == 0 and out == f"{base['id']}  {matrix}\n", f"--id with --features prints the id line ({out[:200]!r})")
    for extra in (["--level", "quick"], ["--digest", "sha256"], ["--features", matrix], ["--pipeline", y1], ["--input", iris]):
        rc, out, err = run("fp", "--features", matrix, "--pipeline", y1, "--input", iris, *extra)
        check(rc == 2 and out == "", f"features with {extra[0]} {'again' if extra[0] in ('--features', '--pipeline', '--input') else ''}: refused ({err.strip()})")
    rc, out, err = run("fp", "--features", matrix, "--pipeline", write(os.path.join(TMP, "plain.csv"), "a,b\n1,2\n"))
    check(rc == 2 and "object or list" in err, f"a CSV given as the pipeline spec: refused ({err.strip()})")

    # Thread count: identical documents.
    a = run("fp", "--no-cache", "--json", "--threads", "1", "--features", matrix, "--pipeline", y1, "--input", iris)
    b = run("fp", "--no-cache", "--json", "--threads", "2", "--features", matrix, "--pipeline", y1, "--input", iris)
    check(a[0] == 0 and a == b, "features: identical on 1 and 2 threads")

    # A fitted artefact given as --code (a safetensors file here) is hashed as
    # bytes, not read as a model (it was refused as "not a file")
    import struct
    hdr = json.dumps({"mean": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}).encode()
    st = os.path.join(TMP, "scaler.safetensors")
    with open(st, "wb") as fh:
        fh.write(struct.pack("<Q", len(hdr)) + hdr + struct.pack("<2f", 1.5, 2.5))
    d = feat(matrix, y1, [code1, st])
    names = [f["name"] for f in d["code"]["files"]] if d else []
    check(names == ["prep.py", "scaler.safetensors"], f"a model file as --code: hashed as a file ({names})")
    rc, out, err = run("fp", "--features", matrix, "--pipeline", y1, "--code", TMP)
    check(rc == 2 and "not a folder" in err and out == "", f"a folder as --code ({err.strip()})")

    # a spec key holding a line break and an escape sequence: shown as \xNN
    # by diff and check, never as a line of its own or a terminal sequence
    fps = []
    for v in (1, 2):
        sp = write(os.path.join(TMP, f"ctl{v}.json"), json.dumps({"a\nFAKE\x1b[31m": v}))
        fps.append(os.path.join(TMP, f"ctl{v}.fp"))
        run("fp", "--no-cache", "--features", matrix, "--pipeline", sp, "-o", fps[-1])
    rc, out, err = run("diff", *fps)
    check(rc == 1 and "/a\\x0aFAKE\\x1b[31m: 1 -> 2" in out and "\x1b" not in out and "\nFAKE" not in out,
          f"control characters of a spec key escaped in diff ({out!r})")
    ld = os.path.join(TMP, "ctl_lock")
    os.makedirs(ld, exist_ok=True)
    write(os.path.join(ld, "spec.json"), json.dumps({"a\nFAKE\x1b[31m": 1}))
    r1 = subprocess.run([W, "lock", "--features", matrix, "--pipeline", "spec.json"], cwd=ld, capture_output=True, text=True)
    write(os.path.join(ld, "spec.json"), json.dumps({"a\nFAKE\x1b[31m": 2}))
    r2 = subprocess.run([W, "check"], cwd=ld, capture_output=True, text=True)
    check(r1.returncode == 0 and r2.returncode == 1 and "\\x0aFAKE\\x1b" in r2.stdout and "\x1b" not in r2.stdout,
          f"control characters of a spec key escaped in check ({r2.stdout!r})")

    # --as names the matrix's format, not the input's: a Parquet input keeps
    # its own id (it was read as CSV, with a warning per garbled line)
    pq = os.path.join(SRC, "tests", "data", "duckdb", "duck-small.parquet")
    mtxt = os.path.join(TMP, "matrix.txt")
    with open(matrix) as src, open(mtxt, "w") as dst:
        dst.write(src.read())
    da = feat(mtxt, y1, [], pq, "--as", "csv")
    db = feat(matrix, y1, [], pq)
    rc, out, err = run("fp", "--no-cache", "--json", pq)
    check(da and db and da["input"]["id"] == db["input"]["id"] == json.loads(out)["id"] and da["matrix"]["id"] == db["matrix"]["id"],
          "--as csv applies to the matrix only; the Parquet input keeps its id")

    # Bad input: exit 2, one line naming the file and the position.
    bad = write(os.path.join(TMP, "bad.yaml"), "steps:\n  - op: pca\n    n: [1, 2\n")
    rc, out, err = run("fp", "--features", matrix, "--pipeline", bad)
    check(rc == 2 and "bad.yaml" in err and "line" in err and out == "", f"invalid YAML: exit 2, file and line ({err.strip()})")
    # YAML tags: the core schema applies (!!str 3 is the string "3"), others are refused
    ts = write(os.path.join(TMP, "tagstr.yaml"), "v: !!str 3\n")
    tq = write(os.path.join(TMP, "tagq.yaml"), 'v: "3"\n')
    a_ = run("fp", "--no-cache", "--json", "--features", matrix, "--pipeline", ts)
    b_ = run("fp", "--no-cache", "--json", "--features", matrix, "--pipeline", tq)
    check(a_[0] == 0 and json.loads(a_[1])["pipeline"]["id"] == json.loads(b_[1])["pipeline"]["id"], "!!str 3 is the string \"3\"")
    # an integer beyond 64 bits stays a number (as in JSON), never the string of its digits
    def pid(path):
        rc_, out_, err_ = run("fp", "--no-cache", "--json", "--features", matrix, "--pipeline", path)
        return json.loads(out_)["pipeline"]["id"] if rc_ == 0 else err_.strip()
    by = pid(write(os.path.join(TMP, "big.yaml"), "big: 123456789012345678901234567890\n"))
    bs = pid(write(os.path.join(TMP, "bigs.yaml"), 'big: "123456789012345678901234567890"\n'))
    bj = pid(write(os.path.join(TMP, "big.json"), '{"big": 123456789012345678901234567890}'))
    check(by == bj and by != bs, f"a YAML integer beyond 64 bits = the JSON number, not the string ({by}, {bj}, {bs})")
    i64 = pid(write(os.path.join(TMP, "i64.yaml"), "v: 9007199254740993\n"))
    i64b = pid(write(os.path.join(TMP, "i64b.yaml"), "v: 9007199254740992\n"))
    check(i64 != i64b, "YAML integers within 64 bits keep every digit")
    rc, out, err = run("fp", "--features", matrix, "--pipeline", write(os.path.join(TMP, "inf.yaml"), "a: 1\nclip: -.inf\n"))
    check(rc == 2 and "line 2, column 7" in err and "-.inf" in err and out == "", f"YAML .inf refused with its line ({err.strip()})")
    check(len(pid(write(os.path.join(TMP, "infq.yaml"), 'clip: ".inf"\n'))) == 64, "a quoted .inf is the string")
    # plain scalars YAML 1.1 (PyYAML) reads as other values: `no` (false there,
    # a string in 1.2) and "no" would share an id while the pipeline sees False
    # and a truthy string; 0755 (octal 493 there) and 755 likewise: refused
    for k, (v, col) in enumerate([("no", 13), ("On", 13), ("0755", 13), ("0o17", 13)]):
        rc, out, err = run("fp", "--features", matrix, "--pipeline",
                           write(os.path.join(TMP, f"y11_{k}.yaml"), f"scale:\n  with_std: {v}\n"))
        check(rc == 2 and f"line 2, column {col}" in err and "YAML 1.1" in err and out == "",
              f"YAML 1.1 ambiguity {v} refused with its line ({err.strip()})")
    for v in ['"no"', "false", "'0755'", "755", "0x1f", "0", "y", "n", "00.5", "nope"]:
        check(len(pid(write(os.path.join(TMP, "y11ok.yaml"), f"scale:\n  with_std: {v}\n"))) == 64, f"YAML {v}: accepted")
    check(len(pid(write(os.path.join(TMP, "y11key.yaml"), "yes: 1\n"))) == 64, "a key yes: accepted (keys are strings)")
    # a plain number beyond the doubles was read as a string equal to the quoted text
    rc, out, err = run("fp", "--features", matrix, "--pipeline", write(os.path.join(TMP, "huge.yaml"), "a: 1\nlr: 1.0e400\n"))
    check(rc == 2 and "line 2, column 5" in err and "1.0e400" in err and out == "", f"YAML 1.0e400 refused ({err.strip()})")
    check(len(pid(write(os.path.join(TMP, "hugeq.yaml"), 'lr: "1.0e400"\n'))) == 64, "a quoted 1.0e400 is the string")
    tc = write(os.path.join(TMP, "tagc.yaml"), "v: !mytag 3\n")
    rc, out, err = run("fp", "--features", matrix, "--pipeline", tc)
    check(rc == 2 and "!mytag" in err and out == "", f"a custom YAML tag: refused ({err.strip()})")
    dup = write(os.path.join(TMP, "dup.yaml"), "a: 1\nb: 2\nb: 3\n")
    rc, out, err = run("fp", "--features", matrix, "--pipeline", dup)
    check(rc == 2 and "line 3, column 1: duplicate key" in err, f"a duplicate key: its own line and column ({err.strip()})")
    two = write(os.path.join(TMP, "two.yaml"), "a: 1\n---\nb: 2\n")
    rc, out, err = run("fp", "--features", matrix, "--pipeline", two)
    check(rc == 2 and "several YAML documents" in err, f"two YAML documents refused ({err.strip()})")
    badj = write(os.path.join(TMP, "bad.json"), '{"a": 1,}')
    rc, out, err = run("fp", "--features", matrix, "--pipeline", badj)
    check(rc == 2 and "bad.json" in err, f"invalid JSON spec: exit 2 ({err.strip()})")
    rc, out, err = run("fp", "--features", code1, "--pipeline", y1)
    check(rc == 2 and "not recognised as a table" in err, f"a matrix that is not a table ({err.strip()})")
    rc, out, err = run("fp", "--features", matrix)
    check(rc == 2 and "--pipeline" in err, f"--features without --pipeline ({err.strip()})")
    return 0


if __name__ == "__main__":
    rc = main()
    print(f"{passed} checks passed, {failed} failed")
    sys.exit(1 if failed or rc else 0)
