#!/usr/bin/python3
"""Row-level changes from fingerprints alone (issue 6, part 1): the row
IBLT of two profile documents gives exact counts of rows only in one
version, their positions when no row moved (edits in place, rows appended
or cut at the end), counts without positions when rows were inserted or
deleted before the end, exact up to 1,000+ changed rows, and an estimate
beyond ~1,200 changed rows; the
policy's may_change: [append] accepts appended rows only. Saved
fingerprints are diffed, never the data.
Run by ctest with WHORL_BIN, WHORL_SRC and WHORL_TMP set.
"""
import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd

W = os.environ["WHORL_BIN"]
TMP = os.path.join(os.environ["WHORL_TMP"], "rows")
passed = failed = 0


def check(cond, msg):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL:", msg, flush=True)


def fp(df, name):
    p = os.path.join(TMP, name + ".csv")
    df.to_csv(p, index=False)
    j = os.path.join(TMP, name + ".json")
    r = subprocess.run([W, "fp", "--no-cache", "-o", j, p], capture_output=True, text=True)
    check(r.returncode == 0, f"fp {name} ({r.stderr.strip()})")
    os.remove(p)  # the diff works from the saved fingerprints alone
    return j


def rows(a, b):
    r = subprocess.run([W, "diff", "--json", a, b], capture_output=True, text=True)
    return json.loads(r.stdout)["table"].get("row_changes")


def main():
    os.makedirs(TMP, exist_ok=True)
    rng = np.random.default_rng(4)
    n = 40000
    df = pd.DataFrame({"id": np.arange(n), "x": rng.normal(size=n).round(5), "c": rng.choice(list("abcd"), n)})
    base = fp(df, "base")

    d = df.copy()
    d.loc[[7, 12345, 39999], "x"] += 1
    rc = rows(base, fp(d, "edited"))
    check(rc and rc["positions"] and rc["changed"] == 3 and rc["changed_rows"] == [[7, 7], [12345, 12345], [39999, 39999]]
          and rc["added"] == rc["removed"] == 0, f"3 cells edited: rows 7, 12345, 39999 changed ({rc})")

    d = pd.concat([df, df.iloc[:4].assign(id=-5)])
    ap = fp(d, "appended")
    rc = rows(base, ap)
    check(rc and rc["positions"] and rc["added_rows"] == [40000, 40001, 40002, 40003] and rc["changed"] == 0, f"4 rows appended ({rc})")

    rc = rows(base, fp(df.iloc[:-6], "cut"))
    check(rc and rc["positions"] and rc["removed_rows"] == list(range(n - 6, n)), f"6 rows cut at the end ({rc})")

    rc = rows(base, fp(pd.concat([df.iloc[:3].assign(id=-1), df]), "inserted"))
    check(rc and rc["exact"] and not rc["positions"] and rc["rows_only_in_b"] == 3 and rc["rows_only_in_a"] == 0,
          f"3 rows inserted at the top: exact count, positions unknown ({rc})")

    rc = rows(base, fp(df.drop([5, 6, 20000]), "deleted"))
    check(rc and not rc["positions"] and rc["rows_only_in_a"] == 3, f"3 rows deleted inside: exact count ({rc})")
    check(rc and rc.get("placed") and rc["removed_rows"] == [5, 6, 20000] and rc["removed"] == 3 and rc["added"] == rc["changed"] == 0,
          f"... and which: rows 5, 6 and 20000, each located from its anchor row ({rc})")
    mv = rc.get("moved", []) if rc else []
    check(len(mv) == 2 and mv[0]["a"][0] <= 5 and 6 < mv[0]["a"][1] and mv[0]["net"] == -2 and mv[1]["a"][0] <= 20000 < mv[1]["a"][1]
          and mv[1]["net"] == -1 and all(m["a"][1] - m["a"][0] < 200 for m in mv),
          f"... and where: two ranges of a holding the deleted rows, with their net change ({mv})")
    dj = os.path.join(TMP, "deleted.json")
    md = subprocess.run([W, "diff", "--format", "markdown", base, dj], capture_output=True, text=True).stdout
    check("**Rows:** 40000 → 39997; 3 rows removed (rows 6, 7, 20001)" in md and "| rows |" in md,
          f"markdown: the rows line first, columns changed by rows ({md[:400]})")
    rc = rows(base, fp(pd.concat([df.iloc[:30000], df.iloc[:7].assign(id=-2), df.iloc[30000:]]), "inserted_mid"))
    mv = rc.get("moved", []) if rc else []
    check(rc and rc["rows_only_in_b"] == 7 and len(mv) == 1 and mv[0]["b"][0] <= 30000 and 30007 <= mv[0]["b"][1] and mv[0]["net"] == 7,
          f"7 rows inserted at row 30000: the range of b that holds them ({mv})")
    check(rc and rc.get("placed") and rc["added_rows"] == list(range(30000, 30007)), f"... and their numbers ({rc and rc.get('added_rows')})")
    # inserted, deleted and edited rows together
    d = pd.concat([df.iloc[:1000], df.iloc[1003:25000], df.iloc[:2].assign(id=-9), df.iloc[25000:]]).reset_index(drop=True)
    d.loc[30000, "x"] += 1
    rc = rows(base, fp(d, "mixed_moves"))
    check(rc and rc.get("placed") and rc["removed_rows"] == [1000, 1001, 1002] and rc["added_rows"] == [24997, 24998]
          and rc["changed_rows"] == [[30001, 30000]], f"3 deleted, 2 inserted, 1 edited: all located ({rc and {k: v for k, v in rc.items() if k != 'note'}})")
    # a table beyond 8,192 * 16 rows lists anchors above level 0: ranges, not numbers
    big = pd.DataFrame({"i": np.arange(200000), "v": rng.normal(size=200000).round(4)})
    bb = fp(big, "big")
    rc = rows(bb, fp(big.drop([70000, 70001]), "big_del"))
    mv = rc.get("moved", []) if rc else []
    check(rc and not rc.get("placed") and len(mv) == 1 and mv[0]["a"][0] <= 70000 and 70002 <= mv[0]["a"][1] and mv[0]["net"] == -2,
          f"200,000 rows, 2 deleted: exact count and a range ({rc and {k: v for k, v in rc.items() if k != 'note'}})")
    rc = rows(base, fp(df.sample(frac=1, random_state=1).iloc[:-1], "shuffled"))
    check(rc is None or "moved" not in rc, f"shuffled rows: no made-up ranges ({rc and {k: v for k, v in rc.items() if k != 'moved'}})")

    d = df.copy()
    hit = np.sort(rng.choice(n, size=1000, replace=False))
    d.loc[hit, "x"] += 1  # 1,000 changed rows: within the table's capacity, all listed
    rc = rows(base, fp(d, "thousand"))
    check(rc and rc["exact"] and rc["positions"] and rc["changed"] == 1000 and rc["changed_rows"] == [[int(i), int(i)] for i in hit],
          f"1,000 changed rows: exact, every row number listed ({rc and {k: v for k, v in rc.items() if not k.endswith('_rows')}})")

    d = df.copy()
    d.loc[::10, "x"] += 1  # 4,000 rows
    rc = rows(base, fp(d, "many"))
    est = rc.get("estimated_rows_differing", 0) if rc else 0
    check(rc and not rc["exact"] and 0.5 * 8000 <= est <= 2 * 8000, f"4,000 changed rows: the strata estimate of the 8,000 differing row versions ({rc})")

    # repeated rows: appended copies of an existing row, and 100 copies cut to 50
    dup = pd.DataFrame({"x": [1, 2] + [7] * 100})
    a_ = fp(dup, "dup_a")
    rc = rows(a_, fp(pd.concat([dup, pd.DataFrame({"x": [2, 2]})]), "dup_b"))
    check(rc and rc["exact"] and rc["added"] == 2 and rc["removed"] == 0 and rc["rows_only_in_b"] == 2, f"two appended copies of a row ({rc})")
    rc = rows(a_, fp(dup.iloc[:52], "dup_c"))
    check(rc and rc["exact"] and rc["removed"] == 50 and rc["rows_only_in_a"] == 50, f"100 copies cut to 50 ({rc})")

    # review regressions: a table of many repeated rows (as statsmodels' randhie)
    rng2 = np.random.default_rng(11)
    rep = pd.DataFrame({"a": rng2.integers(0, 3, 6000), "b": rng2.integers(0, 2, 6000), "c": rng2.choice(["x", "y"], 6000)})
    ra_ = fp(rep, "rep_a")
    d = rep.copy().astype({"a": float})
    d.loc[100:199, "a"] = np.nan  # 100 rows changed in place, many of them copies of each other
    rc = rows(ra_, fp(d, "rep_nulls"))
    check(rc and rc["exact"] and rc["changed"] == 100 and rc["added"] == 0 and rc["removed"] == 0,
          f"100 repeated rows changed in place: 100 changed, none added or removed ({rc and {k: v for k, v in rc.items() if not k.endswith('_rows')}})")
    # edits in place where some rows became copies of one row (not listed):
    # the listed rows are still edits in place at their own index, never
    # "added"/"removed" rows of a table whose counts say none were (statsmodels' fair.csv)
    few = pd.DataFrame({"k": list("abcdef"), "v": [1, 2, 3, 4, 5, 6]})
    rc = rows(fp(few, "few_a"), fp(few.assign(k=list("axcxeg"), v=[1, 9, 3, 9, 5, 7]), "few_b"))
    check(rc and rc["positions"] and rc["changed"] == 3 and rc["added"] == rc["removed"] == 0
          and rc["changed_rows"] == [[1, 1], [3, 3], [5, 5]] and rc["added_rows"] == rc["removed_rows"] == [],
          f"edits in place into copies of one row: rows 1, 3, 5 changed in place, none listed as added or removed ({rc})")
    rc = rows(ra_, fp(rep.iloc[:2500], "rep_cut"))
    est = rc.get("estimated_rows_differing", 0) if rc else 0
    check(rc and (rc["exact"] or est >= 3500), f"6,000 repeated rows cut to 2,500: the estimate counts every copy, never below 3,500 ({rc})")
    r_ = subprocess.run([W, "diff", "--json", ra_, fp(rep.assign(c=rep.c + "z"), "rep_all")], capture_output=True, text=True)
    rc = json.loads(r_.stdout)["table"].get("row_changes")
    check(rc["exact"] and rc["changed"] == 6000 and rc["rows_only_in_a"] == rc["rows_only_in_b"] == 6000,
          f"every repeated row changed (12 distinct rows, many copies): decoded exactly, 6,000 changed ({rc})")
    # a whole table against the merge of its shards: the same rows, exit 0
    s1, s2 = fp(df.iloc[:15000], "shard1"), fp(df.iloc[15000:], "shard2")
    mj = os.path.join(TMP, "merged.json")
    subprocess.run([W, "merge", "--json", "-o", mj, s1, s2], capture_output=True)
    r_ = subprocess.run([W, "diff", mj, base], capture_output=True, text=True)
    check(r_.returncode == 0 and "same rows" in r_.stdout and "reordered" not in r_.stdout,
          f"merged shards vs the whole table: the same rows, exit 0 ({r_.stdout.strip()[:200]})")
    # an empty JSON Lines shard adds nothing to a merge (and keeps the profile)
    ej = os.path.join(TMP, "empty.jsonl")
    open(ej, "w").close()
    ejj = os.path.join(TMP, "empty.json")
    subprocess.run([W, "fp", "--no-cache", "-o", ej + ".json", ej], capture_output=True)
    m2 = os.path.join(TMP, "merged2.json")
    subprocess.run([W, "merge", "--json", "-o", m2, s1, ej + ".json", s2], capture_output=True)
    j1, j2 = json.load(open(mj)), json.load(open(m2))
    check(j2["level"] == "profile" and j1["profile"] == j2["profile"] and j1["columns"] == j2["columns"],
          "an empty JSON Lines shard in a merge changes nothing")
    r_ = subprocess.run([W, "merge", s1, os.path.join(TMP, "nothere.json")], capture_output=True, text=True)
    check(r_.returncode == 2 and "nothere.json" in r_.stderr and "No such file" in r_.stderr, f"merge of a missing file: named ({r_.stderr.strip()})")

    # a truncated Parquet file is an error, not a plain file
    pq = os.path.join(os.environ["WHORL_SRC"], "examples", "project", "data", "train.parquet")
    tr = os.path.join(TMP, "trunc.parquet")
    with open(pq, "rb") as f, open(tr, "wb") as g:
        g.write(f.read()[:-100])
    r_ = subprocess.run([W, "fp", tr], capture_output=True, text=True)
    check(r_.returncode == 2 and "trunc.parquet" in r_.stderr and "PAR1" in r_.stderr and not r_.stdout,
          f"a truncated .parquet: exit 2, named ({r_.stderr.strip()})")

    # found in review (tests/data/rows): two anchor rows sharing a 16-bit
    # tag, the deleted row after one of them: the moved range decides where
    D = os.path.join(os.environ["WHORL_SRC"], "tests", "data", "rows")
    r_ = subprocess.run([W, "diff", "--json", os.path.join(D, "tagdup-a.csv"), os.path.join(D, "tagdup-b.csv")],
                        capture_output=True, text=True)
    rc = json.loads(r_.stdout)["table"].get("row_changes")
    check(rc and rc.get("placed") and rc["removed_rows"] == [1] and rc["removed"] == 1 and rc["added"] == 0,
          f"anchors with one tag: the deleted row still located ({rc})")
    # [r] -> [x, r, r]: r's copies moved; the index sum 3 is no position
    r_ = subprocess.run([W, "diff", "--json", os.path.join(D, "copies-a.csv"), os.path.join(D, "copies-b.csv")],
                        capture_output=True, text=True)
    rc = json.loads(r_.stdout)["table"].get("row_changes")
    check(rc and not rc["positions"] and rc["rows_only_in_b"] == 2 and all(i < 3 for i in rc.get("added_rows", [])),
          f"copies of a row that moved: no position past the table's end ({rc})")
    r_ = subprocess.run([W, "diff", os.path.join(D, "copies-a.csv"), os.path.join(D, "copies-b.csv")], capture_output=True, text=True)
    check("b's rows 1-3" in r_.stdout and "rows 4" not in r_.stdout and "+ 1 4" not in r_.stdout,
          f"... and the text says the range plainly ({r_.stdout.strip()[:300]})")

    # [x] -> [n, x, x, x]: a row inserted at the top, not three appended
    # (the two extra copies' index sum, 6, no two rows of four can make)
    r_ = subprocess.run([W, "diff", "--json", os.path.join(D, "topins-a.csv"), os.path.join(D, "topins-b.csv")],
                        capture_output=True, text=True)
    d_ = json.loads(r_.stdout)
    rc = d_["table"].get("row_changes")
    check(rc and not rc["positions"] and "appended" not in d_.get("verdict", ""),
          f"a row inserted above copies: not called appended ({d_.get('verdict')}, {rc})")

    # the policy: rows may be appended, not changed
    lockdir = os.path.join(TMP, "proj")
    os.makedirs(lockdir, exist_ok=True)
    p = os.path.join(lockdir, "t.csv")
    df.to_csv(p, index=False)
    subprocess.run([W, "lock", "t.csv"], cwd=lockdir, capture_output=True)
    with open(os.path.join(lockdir, "whorl.policy.yaml"), "w") as f:
        f.write('version: 1\nrules:\n  - match: "*.csv"\n    may_change: [append]\n    drift: {ks: {fail: 1}, psi: {fail: 10}}\n')
    pd.concat([df, df.iloc[:2].assign(id=-7), df.iloc[:2].assign(id=-8)]).to_csv(p, index=False)
    r = subprocess.run([W, "check"], cwd=lockdir, capture_output=True, text=True)
    check(r.returncode == 0 and "4 rows appended (allowed)" in r.stdout, f"appended rows under may_change [append]: pass, said ({r.stdout.strip()[-200:]})")
    # appended copies of repeated rows: their positions are not recorded, so
    # an append cannot be told from rows edited or moved among copies (a
    # reviewer's case below): not passed as an append
    pd.concat([df, df.iloc[:2].assign(id=-7), df.iloc[:2].assign(id=-7)]).to_csv(p, index=False)
    r = subprocess.run([W, "check"], cwd=lockdir, capture_output=True, text=True)
    check(r.returncode == 1 and "cannot verify that rows were only appended" in r.stdout and "copies of repeated rows" in r.stdout,
          f"appended copies of repeated rows under may_change [append]: unverifiable, fail ({r.stdout.strip()[-300:]})")
    # 1,000 rows of two values; about half of them changed in place and
    # 1,300 rows more: the row multisets differ only by the new rows
    rep = os.path.join(TMP, "rep")
    os.makedirs(rep, exist_ok=True)
    pd.DataFrame({"v": np.random.default_rng(1).choice(["a", "b"], 1000)}).to_csv(os.path.join(rep, "t.csv"), index=False)
    subprocess.run([W, "lock", "t.csv"], cwd=rep, capture_output=True)
    with open(os.path.join(rep, "whorl.policy.yaml"), "w") as f:
        f.write('version: 1\nrules:\n  - match: "*.csv"\n    may_change: [append]\n    drift: {ks: {fail: 1}, psi: {fail: 10}}\n')
    pd.DataFrame({"v": np.random.default_rng(2).choice(["a", "b"], 2300)}).to_csv(os.path.join(rep, "t.csv"), index=False)
    r = subprocess.run([W, "check"], cwd=rep, capture_output=True, text=True)
    check(r.returncode == 1 and "cannot verify that rows were only appended" in r.stdout,
          f"rows edited among copies, rows added: not passed as appended ({r.stdout.strip()[-300:]})")
    # a table of repeated rows (A, B, A, B, ...): two swaps whose index sums
    # cancel, and one row appended (a reviewer's case): its sample shows the
    # repeats, so the append is not taken as proven
    base = ["A", "B"] * 500
    pd.DataFrame({"v": base}).to_csv(os.path.join(rep, "t.csv"), index=False)
    subprocess.run([W, "lock", "--update", "t.csv"], cwd=rep, capture_output=True)
    sw = base[:]
    sw[0], sw[5] = sw[5], sw[0]
    sw[15], sw[20] = sw[20], sw[15]
    pd.DataFrame({"v": sw + ["A"]}).to_csv(os.path.join(rep, "t.csv"), index=False)
    r = subprocess.run([W, "check"], cwd=rep, capture_output=True, text=True)
    check(r.returncode == 1 and "the table repeats rows" in r.stdout,
          f"swaps among copies plus one appended row: not passed as appended ({r.stdout.strip()[-300:]})")
    d = df.copy()
    d.loc[3, "x"] += 1
    d.to_csv(p, index=False)
    r = subprocess.run([W, "check"], cwd=lockdir, capture_output=True, text=True)
    check(r.returncode == 1 and "not only appended" in r.stdout, f"an edited row under may_change [append]: fail ({r.stdout.strip()[-200:]})")
    return 0


if __name__ == "__main__":
    rc = main()
    print(f"{passed} checks passed, {failed} failed")
    sys.exit(1 if failed or rc else 0)
