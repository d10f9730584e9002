#!/usr/bin/python3
"""whorl lock / whorl check (issue 6, parts 3-5): baselines, policies and
the CI gate with its exit codes and report formats.
Run by ctest with WHORL_BIN, WHORL_SRC and WHORL_TMP set.
"""
import json
import os
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd

W = os.environ["WHORL_BIN"]
TMP = os.path.join(os.environ["WHORL_TMP"], "check")
passed = failed = 0


def check(cond, msg):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL:", msg, flush=True)


def run(*args):
    r = subprocess.run([W, *args], capture_output=True, text=True, cwd=TMP)
    return r.returncode, r.stdout, r.stderr


def write_st(path, arrays):
    header, blobs, off = {}, [], 0
    for n in sorted(arrays):
        b = arrays[n].astype("<f4").tobytes()
        header[n] = {"dtype": "F32", "shape": list(arrays[n].shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def main():
    shutil.rmtree(TMP, ignore_errors=True)
    os.makedirs(os.path.join(TMP, "data"))
    os.makedirs(os.path.join(TMP, "model"))
    rng = np.random.default_rng(2)
    n = 5000
    df = pd.DataFrame({"id": np.arange(n), "x": rng.normal(0, 1, n).round(4), "c": rng.choice(["a", "b", "c"], n)})
    df.to_csv(os.path.join(TMP, "data", "t.csv"), index=False)
    arrays = {"w": rng.standard_normal((8, 4)).astype(np.float32), "b": np.zeros(4, np.float32)}
    write_st(os.path.join(TMP, "model", "model.safetensors"), arrays)
    with open(os.path.join(TMP, "model", "config.json"), "w") as f:
        json.dump({"lr": 0.001, "hidden": 8, "dropout": 0.1}, f)
    with open(os.path.join(TMP, "notes.txt"), "w") as f:
        f.write("v1\n")

    rc, out, err = run("lock", "data/t.csv", "model", "notes.txt")
    check(rc == 0 and os.path.exists(os.path.join(TMP, "whorl.lock")), f"lock: exit 0 ({err.strip()})")
    lock1 = open(os.path.join(TMP, "whorl.lock"), "rb").read()
    rc, out, err = run("lock", "data/t.csv", "model", "notes.txt")
    check(open(os.path.join(TMP, "whorl.lock"), "rb").read() == lock1, "locking again: byte-identical lock file")
    lk = json.loads(lock1)
    check(sorted(lk["artifacts"]) == ["data/t.csv", "model", "notes.txt"] and "profile" in json.dumps(lk["artifacts"]["data/t.csv"]),
          "the lock names artifacts relative to its folder, tables with their profile")

    rc, out, err = run("check")
    check(rc == 0 and "3 passed" in out, f"unchanged: exit 0 ({out.strip()[-120:]})")

    # a re-serialized table (CRLF, quoted) passes; reordered rows fail by default
    df.to_csv(os.path.join(TMP, "data", "t.csv"), index=False, lineterminator="\r\n", quoting=1)
    rc, out, err = run("check")
    check(rc == 0, f"re-serialized table: pass ({out.strip()[-200:]})")
    df.sample(frac=1, random_state=1).to_csv(os.path.join(TMP, "data", "t.csv"), index=False)
    rc, out, err = run("check")
    check(rc == 1 and "rows reordered" in out, f"reordered rows: fail by default ({out.strip()[-200:]})")
    with open(os.path.join(TMP, "whorl.policy.yaml"), "w") as f:
        f.write('version: 1\nrules:\n  - match: "data/*"\n    may_change: [order]\n')
    rc, out, err = run("check")
    check(rc == 0, f"policy may_change order: pass ({out.strip()[-200:]})")

    # content changes: fail by default; allowed by policy, then drift rules judge
    d2 = df.copy()
    d2.loc[:199, "x"] += 5
    d2.to_csv(os.path.join(TMP, "data", "t.csv"), index=False)
    os.remove(os.path.join(TMP, "whorl.policy.yaml"))
    rc, out, err = run("check")
    check(rc == 1 and "values changed in 1 column: x; 200 rows changed (rows 1, 2, 3, 4, 5, ...)" in out, f"changed values: fail by default, naming the column and rows ({out.strip()[-200:]})")
    pol = {"version": 1, "rules": [{"match": "data/*", "may_change": ["content"],
                                    "columns": {"x": {"drift": {"psi": {"warn": 0.01, "fail": 5}, "ks": {"fail": 0.5}}}}}]}
    with open(os.path.join(TMP, "p.json"), "w") as f:
        json.dump(pol, f)
    rc, out, err = run("check", "--policy", "p.json")
    check(rc == 0 and "WARN" in out and "psi" in out, f"content allowed, drift under the fail thresholds: pass with a warning ({out.strip()[-300:]})")
    pol["rules"][0]["columns"]["x"]["drift"]["ks"] = {"fail": 0.01}
    with open(os.path.join(TMP, "p.json"), "w") as f:
        json.dump(pol, f)
    rc, out, err = run("check", "--policy", "p.json")
    check(rc == 1 and "ks" in out, "a drift threshold crossed: fail")
    rc, out, err = run("lock", "--update", "data/t.csv")
    rc, out, err = run("check")
    check(rc == 0, f"after lock --update: pass ({out.strip()[-200:]})")
    with open(os.path.join(TMP, "whorl.lock")) as f:
        nlocked = len(json.load(f)["artifacts"])
    rc, out, err = run("lock", "--update")
    check(rc == 0 and f"updated {nlocked} artifact" in err, f"lock --update with no names counts every entry ({err.strip()})")
    rc, out, err = run("lock", "--update", "--lock", "absent.lock")
    check(rc == 2 and "no lock file to update" in err and not os.path.exists(os.path.join(TMP, "absent.lock")),
          f"lock --update without a lock file: an error, no empty lock written ({err.strip()})")

    # models: weights changed fails; a policy can allow it; frozen config keys
    a2 = dict(arrays)
    a2["w"] = a2["w"].copy()
    a2["w"][0, 0] += 1
    write_st(os.path.join(TMP, "model", "model.safetensors"), a2)
    rc, out, err = run("check")
    check(rc == 1 and "weights changed" in out, f"model weights changed: fail ({out.strip()[-200:]})")
    with open(os.path.join(TMP, "m.yaml"), "w") as f:
        f.write('version: 1\nrules:\n  - match: "model"\n    may_change: [weights, config]\n    frozen_config: [lr]\n')
    rc, out, err = run("check", "--policy", "m.yaml")
    check(rc == 0, f"policy may_change weights: pass ({out.strip()[-200:]})")
    with open(os.path.join(TMP, "model", "config.json"), "w") as f:
        json.dump({"lr": 0.01, "hidden": 8, "dropout": 0.2}, f)
    rc, out, err = run("check", "--policy", "m.yaml")
    check(rc == 1 and "/config.json/lr changed: 0.001 -> 0.01 (frozen)" in out and "dropout" not in out.split("frozen")[0][-40:], f"a frozen config key changed: fail ({out.strip()[-300:]})")

    # formats
    rc, out, err = run("check", "--policy", "m.yaml", "--format", "json")
    rep = json.loads(out)
    check(rc == 1 and rep["failures"] == 1 and {a["name"]: a["status"] for a in rep["artifacts"]}["model"] == "fail", "--format json")
    rc, out, err = run("check", "--policy", "m.yaml", "--format", "junit")
    root = ET.fromstring(out)
    suite = root.find("testsuite")
    check(suite is not None and suite.get("tests") == "3" and suite.get("failures") == "1" and len(root.findall(".//failure")) >= 1, "--format junit: valid JUnit XML")
    check(all(len(tc.findall("failure")) <= 1 and len(tc.findall("system-out")) <= 1 for tc in root.iter("testcase")),
          "--format junit: at most one <failure> and one <system-out> per test case (the schema's limit)")
    nfind = sum(1 for a in rep["artifacts"] for f in a["findings"] if f["level"] == "fail")
    ftext = "\n".join((tc.find("failure").text or "") for tc in root.iter("testcase") if tc.find("failure") is not None)
    check(ftext.count("\n") + 1 == nfind, f"--format junit: every failing finding in the failure's text ({nfind})")
    rc, out, err = run("check", "--policy", "m.yaml", "--format", "markdown")
    check(out.startswith("### whorl check: failed") and "| artifact |" in out, "--format markdown")

    # missing and unreadable artifacts are failures; a bad policy or no lock is an error
    os.rename(os.path.join(TMP, "notes.txt"), os.path.join(TMP, "notes-renamed.txt"))
    rc, out, err = run("check", "--policy", "m.yaml")
    check(rc == 1 and "notes.txt is missing" in out and "notes-renamed.txt has its exact content" in out,
          f"a renamed artifact: missing, and where its content is now ({out.strip()[-300:]})")
    os.remove(os.path.join(TMP, "notes-renamed.txt"))
    rc, out, err = run("check", "--policy", "m.yaml")
    check(rc == 1 and "missing" in out and "exact content" not in out, "a missing artifact: fail")
    with open(os.path.join(TMP, "model", "model.safetensors"), "r+b") as f:
        f.truncate(20)
    rc, out, err = run("check", "--policy", "m.yaml")
    check(rc == 1 and "cannot be read" in out, f"an unreadable artifact: fail ({out.strip()[-200:]})")
    with open(os.path.join(TMP, "bad.yaml"), "w") as f:
        f.write("rules: [1, 2\n")
    rc, out, err = run("check", "--policy", "bad.yaml")
    check(rc == 2 and "bad.yaml" in err, f"a bad policy: exit 2 ({err.strip()})")
    # typos never weaken the gate: every malformed policy is an error
    for i, txt in enumerate(['version: 1\nrules:\n  - match: "*"\n    may_chnge: [content]\n',
                             'version: 1\nrules:\n  - match: "*"\n    may_change: [contents]\n',
                             'version: 1\nrules:\n  - match: "*"\n    drift: {pzi: {fail: 0.1}}\n',
                             'version: 1\nrules:\n  - match: "*"\n    drift: {psi: {fial: 0.1}}\n',
                             'version: 1\nrules:\n  - match: "*"\n    drift: {psi: {warn: high}}\n',
                             'version: 1\nrules:\n  - match: "*"\n    columns: {x: {new_categories: maybe}}\n']):
        pth = os.path.join(TMP, f"typo{i}.yaml")
        with open(pth, "w") as f:
            f.write(txt)
        rc, out, err = run("check", "--policy", f"typo{i}.yaml")
        check(rc == 2 and f"typo{i}.yaml" in err, f"malformed policy {i}: exit 2 ({err.strip()})")
    with open(os.path.join(TMP, "trail.json"), "w") as f:
        f.write('{"version": 1, "rules": [{"match": "*"},]}')
    rc, out, err = run("check", "--policy", "trail.json")
    check(rc == 2 and "not valid JSON" in err, f"a .json policy with a trailing comma: exit 2 ({err.strip()})")
    rc, out, err = run("check", "--lock", "nope.lock")
    check(rc == 2 and "nope.lock" in err, "no lock file: exit 2")
    # a feature pipeline locked with its parts, judged part by part; the
    # options a model and a keyed table were locked with are kept in the lock
    fdir = os.path.join(TMP, "feat")
    os.makedirs(fdir, exist_ok=True)
    rng = np.random.default_rng(9)
    mx = pd.DataFrame({"a": rng.normal(size=3000).round(5), "b": rng.integers(0, 5, 3000)})
    mx.to_csv(os.path.join(fdir, "m.csv"), index=False)
    with open(os.path.join(fdir, "pipe.yaml"), "w") as f:
        f.write("steps:\n  - op: scale\n    factor: 2\n")
    with open(os.path.join(fdir, "prep.py"), "w") as f:
        f.write("print('prep')\n")
    with open(os.path.join(fdir, "secret.key"), "wb") as f:
        f.write(b"k" * 32)
    mx.to_csv(os.path.join(fdir, "keyed.csv"), index=False)
    os.makedirs(os.path.join(fdir, "mdl"), exist_ok=True)
    write_st(os.path.join(fdir, "mdl", "w.safetensors"), {"w": np.ones((2, 2))})
    with open(os.path.join(fdir, "hp.json"), "w") as f:
        json.dump({"lr": 0.1}, f)

    def frun(*args):
        r = subprocess.run([W, *args], capture_output=True, text=True, cwd=fdir)
        return r.returncode, r.stdout, r.stderr

    rc, out, err = frun("lock", "--features", "m.csv", "--pipeline", "pipe.yaml", "--code", "prep.py")
    check(rc == 0, f"lock --features ({err.strip()})")
    rc, out, err = frun("lock", "--key-file", "secret.key", "keyed.csv")
    check(rc == 0, f"lock --key-file ({err.strip()})")
    rc, out, err = frun("lock", "--config", "hp.json", "--param", "seed=1", "mdl/w.safetensors")
    check(rc == 0, f"lock --config --param ({err.strip()})")
    lk = json.load(open(os.path.join(fdir, "whorl.lock")))["artifacts"]
    check(lk["m.csv"]["fingerprint"]["kind"] == "features" and lk["m.csv"]["options"]["features"] == {"code": ["prep.py"], "pipeline": "pipe.yaml"},
          f"the features entry keeps its parts, relative to the lock ({lk['m.csv']['options']})")
    check(lk["keyed.csv"]["options"].get("key_file") == "secret.key" and lk["mdl/w.safetensors"]["options"].get("config") == "hp.json"
          and lk["mdl/w.safetensors"]["options"].get("params") == ["seed=1"], "key file, config and params kept in the lock")
    rc, out, err = frun("check")
    check(rc == 0 and "3 passed" in out, f"unchanged features, keyed table and model with config: pass ({out.strip()})")
    with open(os.path.join(fdir, "hp.json"), "w") as f:
        json.dump({"lr": 0.2}, f)
    with open(os.path.join(fdir, "pipe.yaml"), "w") as f:
        f.write("steps:\n  - op: scale\n    factor: 3\n")
    rc, out, err = frun("check")
    check(rc == 1 and "pipeline spec changed: changed /steps/0/factor: 2 -> 3" in out and "/lr 0.1 -> 0.2" in out,
          f"a changed spec key and a changed locked config: named ({out.strip()})")
    with open(os.path.join(fdir, "pipe.yaml"), "w") as f:
        f.write("steps:\n  - op: scale\n    factor: 2\n")
    with open(os.path.join(fdir, "hp.json"), "w") as f:
        json.dump({"lr": 0.1}, f)
    d = mx.copy()
    d["a"] = d["a"] + 0.8
    d.to_csv(os.path.join(fdir, "m.csv"), index=False)
    with open(os.path.join(fdir, "whorl.policy.yaml"), "w") as f:
        f.write('version: 1\nrules:\n  - match: "m.csv"\n    may_change: [matrix]\n')
    rc, out, err = frun("check")
    check(rc == 1 and "column a: psi" in out and "feature matrix changed" not in out,
          f"a matrix that may change is judged by drift ({out.strip()})")
    # rows of the matrix reordered, nothing else: no drift, but the rows no
    # longer line up with the labels; order applies where the matrix may change
    mx.iloc[::-1].to_csv(os.path.join(fdir, "m.csv"), index=False)
    rc, out, err = frun("check")
    check(rc == 1 and "rows reordered" in out and "may_change: [order]" in out,
          f"a reordered matrix fails where only the matrix may change ({out.strip()})")
    with open(os.path.join(fdir, "whorl.policy.yaml"), "w") as f:
        f.write('version: 1\nrules:\n  - match: "m.csv"\n    may_change: [matrix, order]\n')
    rc, out, err = frun("check")
    check(rc == 0, f"may_change: [matrix, order] allows the reorder ({out.strip()})")
    with open(os.path.join(fdir, "prep.py"), "w") as f:
        f.write("print('prep v2')\n")
    mx.to_csv(os.path.join(fdir, "m.csv"), index=False)
    rc, out, err = frun("check")
    check(rc == 1 and "feature code changed: changed prep.py" in out, f"changed code: named ({out.strip()})")
    with open(os.path.join(fdir, "whorl.policy.yaml"), "w") as f:
        f.write('version: 1\nrules:\n  - match: "m.csv"\n    may_change: [code, matrix]\n')
    rc, out, err = frun("check")
    check(rc == 0, f"may_change: [code, matrix] allows the code change ({out.strip()})")
    os.remove(os.path.join(fdir, "pipe.yaml"))
    rc, out, err = frun("check")
    check(rc == 1 and "cannot be read" in out and "pipe.yaml" in out, f"a missing pipeline spec: a failure ({out.strip()})")
    shutil.copy(os.path.join(fdir, "whorl.lock"), os.path.join(fdir, "whorl.lock.bak"))
    rc, out, err = frun("lock", "m.csv")
    check(rc == 0 and "its features entry is replaced by a table entry" in err, f"a features entry locked as a table: said ({err.strip()})")
    shutil.copy(os.path.join(fdir, "whorl.lock.bak"), os.path.join(fdir, "whorl.lock"))
    # review findings, kept as regressions
    rdir = os.path.join(TMP, "review")
    os.makedirs(os.path.join(rdir, "hf"), exist_ok=True)

    def rrun(*args):
        r = subprocess.run([W, *args], capture_output=True, text=True, cwd=rdir)
        return r.returncode, r.stdout, r.stderr

    write_st(os.path.join(rdir, "hf", "model.safetensors"), {"a.weight": np.ones((2, 2)), "b.bias": np.zeros(2)})
    with open(os.path.join(rdir, "hf", "config.json"), "w") as f:
        json.dump({"rope_scaling": {"type": "linear", "factor": 2.0}, "hidden": 8}, f)
    with open(os.path.join(rdir, "hf", "modeling_x.py"), "w") as f:
        f.write("class X: pass\n")
    with open(os.path.join(rdir, "hf", "README.md"), "w") as f:
        f.write("# a model\n")
    rc, out, err = rrun("lock", "hf")
    check(rc == 0, f"lock a folder model ({err.strip()})")
    with open(os.path.join(rdir, "none.yaml"), "w") as f:
        f.write("version: 1\n")
    with open(os.path.join(rdir, "whorl.policy.yaml"), "w") as f:
        f.write('version: 1\nrules:\n  - match: "hf"\n    may_change: [config]\n    frozen_config: [factor]\n')
    with open(os.path.join(rdir, "hf", "config.json"), "w") as f:
        json.dump({"hidden": 8}, f)
    rc, out, err = rrun("check")
    check(rc == 1 and "/config.json/rope_scaling changed" in out and "frozen: holds factor" in out,
          f"removing the object that holds a frozen key fails ({out.strip()})")
    with open(os.path.join(rdir, "whorl.policy.yaml"), "w") as f:
        f.write('version: 1\nrules:\n  - match: "hf"\n    may_change: [config]\n    frozen_config: ["/config.json/rope_scaling/factor"]\n')
    rc, out, err = rrun("check")
    check(rc == 1 and "frozen" in out, f"... also by JSON pointer ({out.strip()})")
    with open(os.path.join(rdir, "hf", "config.json"), "w") as f:
        json.dump({"rope_scaling": {"type": "linear", "factor": 2.0}, "hidden": 8}, f)
    with open(os.path.join(rdir, "hf", "modeling_x.py"), "a") as f:
        f.write("import os\n")
    with open(os.path.join(rdir, "hf", "README.md"), "a") as f:
        f.write("more words\n")
    rc, out, err = rrun("check", "--policy", "none.yaml")
    check(rc == 1 and "config" in out, f"a changed modeling_*.py in a model folder is a config change ({out.strip()})")
    doc = json.loads(subprocess.run([W, "fp", "--json", os.path.join(rdir, "hf")], capture_output=True, text=True).stdout)
    check(doc.get("container", {}).get("not_fingerprinted") == ["README.md"], f"README.md named as not fingerprinted ({doc.get('container')})")
    write_st(os.path.join(rdir, "hf", "model.safetensors"), {"a.weight": np.ones((2, 2)), "c.extra": np.zeros(2)})
    rc, out, err = rrun("lock", "--update", "hf")
    write_st(os.path.join(rdir, "hf", "model.safetensors"), {"a.weight": np.ones((2, 2)), "d.new": np.zeros(2)})
    rc, out, err = rrun("check", "--policy", "none.yaml")
    check(rc == 1 and "(c.extra -> d.new)" in out and "renamed" in out and "?" not in out,
          f"a renamed tensor (same values) is named as renamed ({out.strip()})")
    write_st(os.path.join(rdir, "hf", "model.safetensors"), {"a.weight": np.ones((2, 2)), "d.new": np.ones(2)})
    rc, out, err = rrun("check", "--policy", "none.yaml")
    check(rc == 1 and "(d.new)" in out and "(c.extra)" in out and "?" not in out, f"added and removed tensors are named ({out.strip()})")
    rc, out, err = rrun("lock", "--update", "--param", "seed=8", "hf")
    check(rc == 2 and "--update" in err, f"lock --update with new options: refused ({err.strip()})")
    # tables: schema details, appends beyond the row table, inserted rows
    t = pd.DataFrame({"id": np.arange(5000), "x": np.arange(5000) * 0.5, "c": ["a", "b"] * 2500})
    t.to_csv(os.path.join(rdir, "t.csv"), index=False)
    rc, out, err = rrun("lock", "t.csv")
    t.rename(columns={"x": "x2"}).assign(c=1).to_csv(os.path.join(rdir, "t.csv"), index=False)
    rc, out, err = rrun("check", "--policy", "none.yaml")
    check(rc == 1 and "column x renamed to x2" in out and "column c: type string -> int" in out, f"schema changes named ({out.strip()})")
    pd.concat([t, t.assign(id=t.id + 5000)]).to_csv(os.path.join(rdir, "t.csv"), index=False)
    with open(os.path.join(rdir, "whorl.policy.yaml"), "w") as f:
        f.write('version: 1\nrules:\n  - match: "t.csv"\n    may_change: [append]\n')
    rc, out, err = rrun("check")
    check(rc == 1 and "cannot verify that rows were only appended" in out, f"5,000 appended rows: cannot verify, said so ({out.strip()})")
    t.drop([10, 11]).to_csv(os.path.join(rdir, "t.csv"), index=False)
    rc, out, err = rrun("check", "--policy", "none.yaml")
    check(rc == 1 and "rows inserted or deleted" in out and "2 rows removed (rows 11, 12)" in out, f"deleted rows: which ({out.strip()})")
    # the lock and the policy: hand edits and typos are errors
    with open(os.path.join(rdir, "whorl.lock")) as f:
        lk = json.load(f)
    lk["artifacts"]["t.csv"]["options"]["delimter"] = ";"
    with open(os.path.join(rdir, "bad.lock"), "w") as f:
        json.dump(lk, f)
    rc, out, err = rrun("check", "--lock", "bad.lock")
    check(rc == 2 and "delimter" in err, f"an unknown option in the lock: exit 2 ({err.strip()})")
    with open(os.path.join(rdir, "v2.lock"), "w") as f:
        json.dump({"whorl_lock": 2, "artifacts": {}}, f)
    rc, out, err = rrun("check", "--lock", "v2.lock")
    check(rc == 2 and "version 2 is newer" in err, f"a newer lock version is named ({err.strip()})")
    with open(os.path.join(rdir, "empty.lock"), "w") as f:
        json.dump({"whorl_lock": 1, "artifacts": {}}, f)
    rc, out, err = rrun("check", "--lock", "empty.lock")
    check(rc == 2 and "no artifacts" in err, f"an empty lock is an error, not a pass ({err.strip()})")
    for bad in ("psi: {warn: -0.1}", "psi: {warn: 0.3, fail: 0.2}"):
        with open(os.path.join(rdir, "p.yaml"), "w") as f:
            f.write('version: 1\nrules:\n  - match: "*"\n    drift:\n      ' + bad + "\n")
        rc, out, err = rrun("check", "--policy", "p.yaml")
        check(rc == 2, f"policy {bad}: exit 2 ({err.strip()})")
    os.makedirs(os.path.join(rdir, "odd"), exist_ok=True)
    with open(os.path.join(rdir, "odd", "a|b`c.txt"), "w") as f:
        f.write("x")
    rc, out, err = rrun("lock", "--lock", "odd.lock", "odd/a|b`c.txt")
    with open(os.path.join(rdir, "odd", "a|b`c.txt"), "w") as f:
        f.write("y")
    rc, out, err = rrun("check", "--lock", "odd.lock", "--format", "markdown", "--policy", "none.yaml")
    row = [l for l in out.splitlines() if "a\\|b" in l]
    check(rc == 1 and len(row) == 1 and row[0].count(" | ") == 3, f"a | in a name does not break the markdown table ({out.strip()})")
    # a rule that reaches no artifact is named (a typo in its pattern)
    with open(os.path.join(rdir, "typo.yaml"), "w") as f:
        f.write('version: 1\nrules:\n  - match: "raw/"\n    may_change: [content]\n  - match: "*"\n')
    rc, out, err = rrun("check", "--policy", "typo.yaml")
    rc2, out2, err2 = rrun("check", "--policy", "typo.yaml", "--format", "json")
    check('policy rule "raw/" matches no locked artifact' in out and json.loads(out2).get("unused_rules") == ["raw/"],
          f"an unused policy rule is named ({out.strip()[-200:]})")

    # progressive: a changed big file is caught by the quick tier, unread
    qdir = os.path.join(TMP, "quick")
    os.makedirs(qdir, exist_ok=True)
    big = os.path.join(qdir, "blob.bin")
    with open(big, "wb") as f:
        f.write(np.random.default_rng(5).bytes(8 << 20))
    r = subprocess.run([W, "lock", "blob.bin"], capture_output=True, text=True, cwd=qdir)
    lk = json.load(open(os.path.join(qdir, "whorl.lock")))["artifacts"]["blob.bin"]
    check(r.returncode == 0 and len(lk.get("quick", "")) == 64, f"a file's lock entry keeps its quick-tier id ({r.stderr.strip()})")
    with open(big, "r+b") as f:
        f.write(b"\0\0\0\0")  # the first block is always sampled
    r = subprocess.run([W, "check"], capture_output=True, text=True, cwd=qdir)
    check(r.returncode == 1 and "found by the quick tier" in r.stdout and "sampled blocks differ" in r.stdout,
          f"a change in a sampled block: found by the quick tier ({r.stdout.strip()})")
    with open(big, "ab") as f:
        f.write(b"x")
    r = subprocess.run([W, "check"], capture_output=True, text=True, cwd=qdir)
    check(r.returncode == 1 and "size 8388608 -> 8388609" in r.stdout, f"a grown file: its size, by the quick tier ({r.stdout.strip()})")
    subprocess.run([W, "lock", "blob.bin"], capture_output=True, cwd=qdir)
    with open(big, "r+b") as f:
        f.seek(4096 * 3 + 17)  # most likely between the sampled blocks
        c = f.read(1)
        f.seek(4096 * 3 + 17)
        f.write(bytes([c[0] ^ 1]))
    r = subprocess.run([W, "check"], capture_output=True, text=True, cwd=qdir)
    check(r.returncode == 1 and "content changed" in r.stdout, f"a change anywhere is still found (quick tier or whole file) ({r.stdout.strip()})")

    # lock --update by entry name, from another folder
    os.makedirs(os.path.join(TMP, "elsewhere"), exist_ok=True)
    r = subprocess.run([W, "lock", "--lock", "../whorl.lock", "--update", "data/t.csv"], capture_output=True, text=True,
                       cwd=os.path.join(TMP, "elsewhere"))
    check(r.returncode == 0, f"lock --update NAME from another folder ({r.stderr.strip()})")
    rc, out, err = run("lock", "--update", "nothere.csv")
    check(rc == 2, "lock --update of an unknown path: exit 2")

    # the lock inside the folder it locks ("whorl lock ." in a folder): the
    # lock and policy files are left out, or writing the lock would change it
    own = os.path.join(TMP, "own")
    os.makedirs(os.path.join(own, "meta"))
    with open(os.path.join(own, "a.txt"), "w") as f:
        f.write("a\n")
    def wrun(cwd, *args):
        r = subprocess.run([W, *args], capture_output=True, text=True, cwd=cwd)
        return r.returncode, r.stdout, r.stderr
    rc, out, err = wrun(own, "lock", ".")
    check(rc == 0, f"whorl lock . ({err.strip()})")
    rc, out, err = wrun(own, "check")
    check(rc == 0 and "identical" in out, f"whorl check right after whorl lock . passes ({out.strip()})")
    with open(os.path.join(own, "whorl.lock")) as f:
        check(list(json.load(f)["artifacts"]) == ["."], "the lock's own folder is named '.', not by its absolute path")
    moved = own + "-moved"
    shutil.copytree(own, moved)
    rc, out, err = wrun(moved, "check")
    check(rc == 0, f"a clone elsewhere (CI) passes too ({out.strip()})")
    shutil.rmtree(moved)
    with open(os.path.join(own, "whorl.policy.yaml"), "w") as f:
        f.write("version: 1\nrules: []\n")
    rc, out, err = wrun(own, "check")
    check(rc == 0, f"a policy file written beside the lock is not a change of the folder ({out.strip()})")
    with open(os.path.join(own, "b.txt"), "w") as f:
        f.write("b\n")
    rc, out, err = wrun(own, "check")
    check(rc == 1 and "added b.txt" in out, f"another new file still is ({out.strip()})")
    os.remove(os.path.join(own, "b.txt"))
    os.remove(os.path.join(own, "whorl.policy.yaml"))
    os.remove(os.path.join(own, "whorl.lock"))
    # a lock in a subfolder of the artifact, which was empty when locked
    rc, out, err = wrun(own, "lock", "--lock", "meta/w.lock", ".")
    check(rc == 0, f"lock --lock meta/w.lock . ({err.strip()})")
    rc, out, err = wrun(own, "check", "--lock", "meta/w.lock")
    check(rc == 0, f"its folder, empty but for the lock, is still the empty folder locked ({out.strip()})")
    with open(os.path.join(own, "meta", "x"), "w") as f:
        f.write("x")
    rc, out, err = wrun(own, "check", "--lock", "meta/w.lock")
    check(rc == 1 and "meta/x" in out, f"a file added beside it is found ({out.strip()})")

    # a model folder's files outside the model (docs/model.md, "Extras"):
    # a sentence-transformers pooling config changes what the model computes
    stm = os.path.join(TMP, "stm")
    os.makedirs(os.path.join(stm, "m", "1_Pooling"))
    write_st(os.path.join(stm, "m", "model.safetensors"), arrays)
    with open(os.path.join(stm, "m", "config.json"), "w") as f:
        json.dump({"model_type": "bert"}, f)
    mods = [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]
    with open(os.path.join(stm, "m", "modules.json"), "w") as f:
        json.dump(mods, f)
    with open(os.path.join(stm, "m", "1_Pooling", "config.json"), "w") as f:
        json.dump({"pooling_mode_mean_tokens": True, "pooling_mode_cls_token": False}, f)
    with open(os.path.join(stm, "m", "README.md"), "w") as f:
        f.write("# model\n")
    rc, out, err = wrun(stm, "fp", "--json", "m")
    doc = json.loads(out) if rc == 0 else {}
    ex = doc.get("extras", {})
    check(sorted(e["path"] for e in ex.get("entries", [])) == ["1_Pooling/config.json", "README.md", "modules.json"]
          and ex.get("files") == 3, f"extras: the files in no model id ({ex})")
    rc, out, err = wrun(stm, "lock", "m")
    with open(os.path.join(stm, "before.json"), "w") as f:
        json.dump(doc, f)
    with open(os.path.join(stm, "m", "1_Pooling", "config.json"), "w") as f:
        json.dump({"pooling_mode_mean_tokens": False, "pooling_mode_cls_token": True}, f)
    rc, out, err = wrun(stm, "check")
    check(rc == 1 and "files beside the model changed: changed 1_Pooling/config.json" in out and "may_change: [extras]" in out,
          f"a changed pooling config fails the gate, named ({out.strip()})")
    rc, out, err = wrun(stm, "diff", "--json", "before.json", "m")
    rep = json.loads(out) if out.startswith("{") else {}
    check(rc == 1 and [c["path"] for c in rep.get("model", {}).get("extras", {}).get("changed", [])] == ["1_Pooling/config.json"],
          f"diff --json names it under model.extras ({out.strip()[:300]})")
    with open(os.path.join(stm, "whorl.policy.yaml"), "w") as f:
        f.write("version: 1\nrules:\n  - match: m\n    may_change: [extras]\n")
    rc, out, err = wrun(stm, "check")
    check(rc == 0, f"may_change: [extras] allows it ({out.strip()})")
    os.remove(os.path.join(stm, "whorl.policy.yaml"))
    # a lock written before extras were recorded: a warning, not a silent pass
    with open(os.path.join(stm, "whorl.lock")) as f:
        lk = json.load(f)
    for a in lk["artifacts"].values():
        a["fingerprint"].pop("extras", None)
    with open(os.path.join(stm, "whorl.lock"), "w") as f:
        json.dump(lk, f)
    rc, out, err = wrun(stm, "check")
    check(rc == 0 and "WARN" in out and "lock --update" in out, f"an old lock: extras not compared, said ({out.strip()})")

    # whorl lock . in a git repository: its .git is left out (committing the
    # lock changes it, a CI clone has another one)
    if shutil.which("git"):
        repo = os.path.join(TMP, "repo")
        os.makedirs(os.path.join(repo, "data"))
        with open(os.path.join(repo, "data", "a.csv"), "w") as f:
            f.write("x,y\n1,2\n")
        genv = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t", GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@t")
        def git(cwd, *args):
            return subprocess.run(["git", *args], cwd=cwd, env=genv, capture_output=True, text=True).returncode
        git(repo, "init", "-q", ".")
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", "data")
        rc, out, err = wrun(repo, "lock", ".")
        git(repo, "add", "whorl.lock")
        git(repo, "commit", "-qm", "lock")
        rc, out, err = wrun(repo, "check")
        check(rc == 0, f"lock . in a git repository, then commit the lock: still passes ({out.strip()})")
        clone = os.path.join(TMP, "repo-clone")
        git(TMP, "clone", "-q", repo, clone)
        rc, out, err = wrun(clone, "check")
        check(rc == 0, f"and in a clone of it (CI) ({out.strip()})")
        with open(os.path.join(clone, "data", "a.csv"), "a") as f:
            f.write("3,4\n")
        rc, out, err = wrun(clone, "check")
        check(rc == 1 and "data/a.csv" in out, f"a changed file in it still fails ({out.strip()})")
        with open(os.path.join(repo, "whorl.lock")) as f:
            ex = json.load(f)["artifacts"]["."]["fingerprint"].get("excluded", [])
        check(".git" in ex, f"the folder document lists .git under excluded ({ex})")

    # a symlink is locked under its own name (data/latest.csv -> v1.csv):
    # pointing it at another file is a change, not a silent pass
    sl = os.path.join(TMP, "symlink")
    os.makedirs(sl)
    with open(os.path.join(sl, "v1.csv"), "w") as f:
        f.write("x\n1\n2\n")
    with open(os.path.join(sl, "v2.csv"), "w") as f:
        f.write("x\n1\n3\n")
    os.symlink("v1.csv", os.path.join(sl, "latest.csv"))
    rc, out, err = wrun(sl, "lock", "latest.csv")
    with open(os.path.join(sl, "whorl.lock")) as f:
        names = list(json.load(f)["artifacts"])
    check(rc == 0 and names == ["latest.csv"], f"a symlink is locked under its own name ({names})")
    os.remove(os.path.join(sl, "latest.csv"))
    os.symlink("v2.csv", os.path.join(sl, "latest.csv"))
    rc, out, err = wrun(sl, "check")
    check(rc == 1 and "latest.csv" in out, f"pointed at another file: check fails ({out.strip()})")

    # a symlinked lock file is written through (not replaced by a file), and
    # keeps its mode
    os.makedirs(os.path.join(sl, "ci"))
    shutil.move(os.path.join(sl, "whorl.lock"), os.path.join(sl, "ci", "whorl.lock"))
    os.chmod(os.path.join(sl, "ci", "whorl.lock"), 0o640)
    os.symlink("ci/whorl.lock", os.path.join(sl, "link.lock"))
    rc, out, err = wrun(sl, "lock", "--lock", "link.lock", "v1.csv")
    with open(os.path.join(sl, "ci", "whorl.lock")) as f:
        names = sorted(json.load(f)["artifacts"])
    check(rc == 0 and os.path.islink(os.path.join(sl, "link.lock")) and "v1.csv" in names
          and (os.stat(os.path.join(sl, "ci", "whorl.lock")).st_mode & 0o777) == 0o640,
          f"a symlinked lock is written through, its mode kept ({names}, {err.strip()})")

    # a hand-edited option of the wrong shape is an error, not another reading
    with open(os.path.join(sl, "ci", "whorl.lock")) as f:
        good = json.load(f)
    for opt, val in (("header", "yes"), ("delimiter", ";;"), ("level", "profil"), ("params", "a=1"),
                     ("features", {"pipelin": "p.yaml"}), ("key_file", 3)):
        bad = json.loads(json.dumps(good))
        bad["artifacts"]["v1.csv"]["options"][opt] = val
        with open(os.path.join(sl, "bad.lock"), "w") as f:
            json.dump(bad, f)
        rc, out, err = wrun(sl, "check", "--lock", "bad.lock")
        check(rc == 2 and f'"{opt}"' in err and not out, f"lock option {opt}: {val!r} is an error ({rc}, {err.strip()})")

    # a failed check says what to do next; --remove drops a deleted or
    # renamed artifact (lock --update cannot: it needs the file)
    nx = os.path.join(TMP, "next")
    os.makedirs(os.path.join(nx, "d"))
    for nm in ("a.txt", "b c.txt", "gone.txt"):
        with open(os.path.join(nx, "d", nm), "w") as f:
            f.write(nm + "\n")
    rc, out, err = wrun(nx, "lock", "d/a.txt", "d/b c.txt", "d/gone.txt")
    with open(os.path.join(nx, "d", "a.txt"), "a") as f:
        f.write("more\n")
    os.rename(os.path.join(nx, "d", "gone.txt"), os.path.join(nx, "d", "moved.txt"))
    rc, out, err = wrun(os.path.join(nx, "d"), "check", "--lock", "../whorl.lock")
    check(rc == 1 and "next: if these changes are intended, record them: whorl lock --lock ../whorl.lock --update d/a.txt" in out
          and "whorl lock --lock ../whorl.lock --remove d/gone.txt" in out and "'d/b c.txt'" not in out,
          f"a failed check names the commands that accept its failures ({out.strip()})")
    rc, out, err = wrun(os.path.join(nx, "d"), "check", "--lock", "../whorl.lock", "--format", "markdown")
    check(rc == 1 and "```\nwhorl lock --lock ../whorl.lock --remove d/gone.txt\n```" in out, f"markdown too ({out.strip()})")
    rc, out, err = wrun(os.path.join(nx, "d"), "lock", "--update")
    check(rc == 2, "lock --update with an artifact gone: exit 2")
    rc, out, err = wrun(os.path.join(nx, "d"), "lock", "--lock", "../whorl.lock", "--remove", "gone.txt", "nothere.txt")
    with open(os.path.join(nx, "whorl.lock")) as f:
        names = sorted(json.load(f)["artifacts"])
    check(rc == 2 and "nothere.txt" in err and names == ["d/a.txt", "d/b c.txt", "d/gone.txt"],
          f"lock --remove of an unknown name: exit 2, the lock unchanged ({names}, {err.strip()})")
    rc, out, err = wrun(os.path.join(nx, "d"), "lock", "--lock", "../whorl.lock", "--remove", "gone.txt")
    rc2, out, err2 = wrun(nx, "lock", "--update", "d/a.txt")
    rc3, out, err3 = wrun(nx, "check")
    with open(os.path.join(nx, "whorl.lock")) as f:
        names = sorted(json.load(f)["artifacts"])
    check(rc == 0 and rc2 == 0 and rc3 == 0 and names == ["d/a.txt", "d/b c.txt"],
          f"lock --remove by a path from a subfolder, then --update: check passes ({names}, {err.strip()} {out.strip()})")
    rc, out, err = wrun(nx, "lock", "--remove", "--level", "content", "d/a.txt")
    check(rc == 2, "lock --remove with other options: exit 2")
    with open(os.path.join(nx, "p.yaml"), "w") as f:
        f.write("version: 1\nrules:\n  - match: '*'\n    frozen_config: [1, lr]\n")
    rc, out, err = wrun(nx, "check", "--policy", "p.yaml")
    check(rc == 2 and "frozen_config" in err, f"frozen_config: a number is no key name: exit 2 ({err.strip()})")
    rc, out, err = wrun(nx, "check", "--lock", "none.lock")
    check(rc == 2 and "whorl lock PATH" in err, f"no lock file: says how to make one ({err.strip()})")

    # a column rule naming no column of the table (a typo): a warning
    cr = os.path.join(TMP, "colrule")
    os.makedirs(cr)
    with open(os.path.join(cr, "t.csv"), "w") as f:
        f.write("age,x\n1,2\n3,4\n")
    wrun(cr, "lock", "t.csv")
    with open(os.path.join(cr, "whorl.policy.yaml"), "w") as f:
        f.write("version: 1\nrules:\n  - match: '*.csv'\n    columns:\n      agee:\n        drift: {psi: {fail: 0.2}}\n"
                "      age:\n        drift: {psi: {fail: 0.2}}\n")
    rc, out, err = wrun(cr, "check")
    check(rc == 0 and "WARN" in out and '"agee"' in out and '"age"' not in out, f"a column rule for no column: a warning ({out.strip()})")

    # two default policy files: an error, not the first one found
    with open(os.path.join(cr, "whorl.policy.json"), "w") as f:
        f.write('{"version": 1, "rules": []}')
    rc, out, err = wrun(cr, "check")
    check(rc == 2 and "two policy files" in err, f"two default policies beside the lock: exit 2, said ({err.strip()})")
    os.remove(os.path.join(cr, "whorl.policy.json"))
    # an unknown member at the top of a lock file: an error
    with open(os.path.join(cr, "whorl.lock")) as f:
        lk = json.load(f)
    lk["artifact"] = {}
    with open(os.path.join(cr, "bad.lock"), "w") as f:
        json.dump(lk, f)
    rc, out, err = wrun(cr, "check", "--lock", "bad.lock")
    check(rc == 2 and '"artifact"' in err, f"an unknown top-level member of the lock: exit 2 ({err.strip()})")
    # locking a path again with other options: a warning
    with open(os.path.join(cr, "k.key"), "wb") as f:
        f.write(b"0123456789abcdef0123456789abcdef")
    rc, out, err = wrun(cr, "lock", "--key-file", "k.key", "t.csv")
    check(rc == 0 and "other options" in err, f"re-locked with other options: said ({err.strip()})")
    rc, out, err = wrun(cr, "lock", "--key-file", "k.key", "t.csv")
    check(rc == 0 and "other options" not in err, "re-locked with the same options: nothing to say")

    # pickles outside models: a bare pickle, a pickle in a data folder, a
    # torch.save archive among data (loading any of them may run code)
    import pickle
    pk = os.path.join(TMP, "pk")
    os.makedirs(os.path.join(pk, "data", "sub"))

    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    with open(os.path.join(pk, "evil.pkl"), "wb") as f:
        pickle.dump(Evil(), f, protocol=4)
    with open(os.path.join(pk, "safe.pkl"), "wb") as f:
        pickle.dump({"a": [1, 2, 3], "b": "text", "c": 1.5}, f, protocol=4)
    with open(os.path.join(pk, "data", "sub", "model.bin"), "wb") as f:
        pickle.dump(Evil(), f, protocol=2)
    with open(os.path.join(pk, "data", "noise.bin"), "wb") as f:
        f.write(bytes(range(256)) * 8)  # no pickle: no finding
    pd.DataFrame({"x": [1, 2]}).to_pickle(os.path.join(pk, "data", "frame.pkl"))
    rc, out, err = wrun(pk, "fp", "--json", "evil.pkl")
    d = json.loads(out) if out.startswith("{") else {}
    check(rc == 1 and "os.system" in err and d.get("unsafe") and "os.system" in d["unsafe"][0]["finding"],
          f"a bare pickle calling os.system: unsafe, exit 1 ({err.strip()[:200]})")
    rc, out, err = wrun(pk, "fp", "--allow-unsafe-pickle", "evil.pkl")
    check(rc == 0, "--allow-unsafe-pickle: exit 0")
    rc, out, err = wrun(pk, "fp", "--json", "--no-model", "evil.pkl")
    check(rc == 0 and "unsafe" not in json.loads(out), "--no-model: the bytes only")
    rc, out, err = wrun(pk, "fp", "--json", "safe.pkl")
    check(rc == 0 and "unsafe" not in json.loads(out), f"a pickle of plain values: no finding ({err.strip()[:200]})")
    rc, out, err = wrun(pk, "fp", "--json", "data")
    d = json.loads(out) if out.startswith("{") else {}
    wh = sorted(u["where"].split(":")[0] for u in d.get("unsafe", []))
    check(rc == 1 and "sub/model.bin" in wh and not any(w.startswith("noise.bin") for w in wh) and "frame.pkl" in wh,
          f"a folder: the pickles named by path, the non-pickle .bin not ({wh})")
    check(any("pandas" in u["finding"] for u in d.get("unsafe", [])),
          "a pickled DataFrame names the pandas globals it would import")
    # the text output lists every finding (a DataFrame's ten pandas/numpy
    # globals must not hide os.system), also with --allow-unsafe-pickle and
    # -q; stderr names the first ten and how many more there are
    with open(os.path.join(pk, "data", "zz.pkl"), "wb") as f:
        pickle.dump(Evil(), f, protocol=4)
    n = len(d.get("unsafe", [])) + 1
    rc, out, err = wrun(pk, "fp", "--no-cache", "data")
    check(rc == 1 and out.count("UNSAFE ") == n and "(zz.pkl: pickle" in out and f"and {n - 10} more" in err,
          f"a folder's text lists all {n} findings, stderr says how many it left out ({out.count('UNSAFE ')}, {err.strip()[-200:]})")
    rc, out, err = wrun(pk, "fp", "-q", "--allow-unsafe-pickle", "evil.pkl")
    check(rc == 0 and "UNSAFE" in out and "os.system" in out and not err, f"a pickle file's text names its findings ({out.strip()[-200:]})")
    os.remove(os.path.join(pk, "data", "zz.pkl"))
    rc, out, err = wrun(pk, "lock", "data", "evil.pkl")
    rc, out, err = wrun(pk, "check")
    check(rc == 1 and "unsafe pickle finding" in out and "allow_unsafe: true accepts them" in out,
          f"check fails unsafe pickles in files and folders, and says what to do ({out.strip()[-300:]})")
    with open(os.path.join(pk, "whorl.policy.yaml"), "w") as f:
        f.write("version: 1\nrules:\n  - match: \"*\"\n    allow_unsafe: true\n")
    rc, out, err = wrun(pk, "check")
    check(rc == 0, f"allow_unsafe: true accepts them ({out.strip()[-200:]})")
    # protocol 0 and 1 pickles have no header ("cos\nsystem\n..."): found
    # by name, bare and in a folder; a text file named .bin is no finding
    tp = os.path.join(TMP, "pk01")
    os.makedirs(tp)
    for proto in (0, 1):
        with open(os.path.join(tp, f"evil{proto}.pkl"), "wb") as f:
            pickle.dump(Evil(), f, protocol=proto)
        with open(os.path.join(tp, f"safe{proto}.pkl"), "wb") as f:
            pickle.dump({"a": [1, 2], "b": "t"}, f, protocol=proto)
        rc, out, err = wrun(tp, "fp", "--json", f"evil{proto}.pkl")
        d = json.loads(out) if out.startswith("{") else {}
        check(rc == 1 and d.get("unsafe") and "os.system" in d["unsafe"][0]["finding"],
              f"a protocol {proto} pickle calling os.system: unsafe, exit 1 ({err.strip()[:200]})")
        rc, out, err = wrun(tp, "fp", "--json", f"safe{proto}.pkl")
        check(rc == 0 and "unsafe" not in json.loads(out), f"a protocol {proto} pickle of plain values: no finding")
    with open(os.path.join(tp, "evil0.pkl"), "rb") as f:
        ev0 = f.read()
    with open(os.path.join(tp, "w.bin"), "wb") as f:
        f.write(ev0)
    with open(os.path.join(tp, "notes.bin"), "w") as f:
        f.write("In the beginning\n")
    rc, out, err = wrun(TMP, "fp", "--json", tp)
    d = json.loads(out) if out.startswith("{") else {}
    wh = sorted(u["where"].split(":")[0] for u in d.get("unsafe", []))
    check(rc == 1 and wh == ["evil0.pkl", "evil1.pkl", "w.bin"], f"a folder: protocol 0/1 pickles found, a text .bin not ({wh})")
    rc, out, err = wrun(tp, "fp", "notes.bin")
    check(rc == 0, "a text file named .bin: no finding")
    # a link named as a pickle whose target lies outside the folder: loading
    # it runs the target, which the folder's id does not cover: scanned; a
    # link to a pickle inside is scanned as that file, a dangling one not
    ln = os.path.join(TMP, "pklinks")
    os.makedirs(ln)
    os.symlink(os.path.join(tp, "evil0.pkl"), os.path.join(ln, "model.pkl"))
    os.symlink(os.path.join(tp, "notes.bin"), os.path.join(ln, "notes.bin"))
    with open(os.path.join(ln, "inner.pkl"), "wb") as f:
        pickle.dump(Evil(), f, protocol=4)
    os.symlink("inner.pkl", os.path.join(ln, "again.pkl"))
    os.symlink("nowhere.pkl", os.path.join(ln, "dangling.pkl"))
    rc, out, err = wrun(TMP, "fp", "--json", ln)
    d = json.loads(out) if out.startswith("{") else {}
    wh = sorted(u["where"].split(":")[0] for u in d.get("unsafe", []))
    check(rc == 1 and wh == ["inner.pkl", "model.pkl"],
          f"a folder's pickle link to outside it: its target scanned; a link inside or dangling: not again ({rc}, {wh})")
    # a legacy (non-zip) torch file is not read as a model (exit 2), but
    # the error says what loading it would run
    with open(os.path.join(pk, "legacy_evil.pt"), "wb") as f:
        pickle.dump(Evil(), f, protocol=2)
    rc, out, err = wrun(pk, "fp", "legacy_evil.pt")
    check(rc == 2 and "legacy" in err and "os.system" in err and out == "",
          f"a legacy .pt naming os.system: refused, and the error says so ({err.strip()[:300]})")
    # compressed pickles (joblib.dump(..., compress=...), to_pickle("x.pkl.gz")):
    # the pickle inside is scanned; a gzipped CSV beside them is no pickle
    import gzip
    import joblib
    zd = os.path.join(pk, "zipped")
    os.makedirs(zd)
    joblib.dump({"m": Evil()}, os.path.join(zd, "model.joblib"), compress=3)
    joblib.dump({"m": Evil()}, os.path.join(zd, "model2.joblib.gz"), compress=("gzip", 3))
    with gzip.open(os.path.join(zd, "frame.pkl.gz"), "wb") as f:
        pickle.dump(Evil(), f, protocol=4)
    with gzip.open(os.path.join(zd, "data.csv.gz"), "wt") as f:
        f.write("a,b\n1,2\n")
    for name in ("model.joblib", "model2.joblib.gz", "frame.pkl.gz"):
        rc, out, err = wrun(zd, "fp", "--json", name)
        d = json.loads(out) if out.startswith("{") else {}
        check(rc == 1 and any("os.system" in u["finding"] for u in d.get("unsafe", [])),
              f"a compressed pickle ({name}): the pickle inside scanned ({err.strip()[:200]})")
    rc, out, err = wrun(pk, "fp", "--json", "zipped")
    d = json.loads(out) if out.startswith("{") else {}
    wh = sorted({u["where"].split(":")[0] for u in d.get("unsafe", [])})
    check(rc == 1 and wh == ["frame.pkl.gz", "model.joblib", "model2.joblib.gz"], f"a folder of compressed pickles ({wh})")
    # a model folder's pickles are reported once (not again as extras)
    mf = os.path.join(TMP, "pkm")
    os.makedirs(os.path.join(mf, "extra"))
    write_st(os.path.join(mf, "model.safetensors"), arrays)
    with open(os.path.join(mf, "config.json"), "w") as f:
        json.dump({"model_type": "demo"}, f)
    with open(os.path.join(mf, "extra", "state.pkl"), "wb") as f:
        pickle.dump(Evil(), f, protocol=4)
    rc, out, err = wrun(TMP, "fp", "--json", mf)
    d = json.loads(out) if out.startswith("{") else {}
    check(rc == 1 and len(d.get("unsafe", [])) == 1 and "unsafe" not in d.get("extras", {}),
          f"a model folder's pickle: one finding ({d.get('unsafe')})")
    return 0


if __name__ == "__main__":
    rc = main()
    print(f"{passed} checks passed, {failed} failed")
    sys.exit(1 if failed or rc else 0)
