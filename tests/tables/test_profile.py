#!/usr/bin/python3
"""Profiles (issue 4, "Tests") on the real CSVs Debian's python3-sklearn and
python3-statsmodels ship, against pandas and numpy:

  - count, nulls, min, max exactly; mean and stddev (ddof=1) to 1e-9
    relative; quantiles (numpy's default linear interpolation) within the
    error bound the profile states; distinct exactly when the profile says
    it is exact, else within 6% (HyperLogLog, 2^12 registers: 1.6% standard
    error); frequent values exactly as pandas' value_counts;
  - the same bytes on 1 and 2 threads (a generated table big enough for
    the parallel reader);
  - whorl merge of shard fingerprints equals the fingerprint of the whole,
    byte for byte in every profile and in logical.unordered.
Run by ctest with WHORL_BIN, WHORL_SRC and WHORL_TMP set.
"""
import json
import math
import os
import subprocess
import sys
import random

import numpy as np
import pandas as pd

W = os.environ["WHORL_BIN"]
SRC = os.environ["WHORL_SRC"]
TMP = os.path.join(os.environ["WHORL_TMP"], "profile")

# The files whose header DuckDB and whorl read differently (test_tables.py):
# pandas would read them differently too.
DIVERGENT = {
    "sklearn-boston_house_prices", "sklearn-breast_cancer", "sklearn-digits",
    "sklearn-wine_data", "sklearn-diabetes_target", "statsmodels-anes96", "statsmodels-spector",
}
QS = {"p01": 0.01, "p05": 0.05, "p10": 0.1, "p25": 0.25, "p50": 0.5, "p75": 0.75, "p90": 0.9, "p95": 0.95, "p99": 0.99}

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


def fp(path, *opts):
    rc, out, err = run("fp", "--no-cache", "--json", *opts, path)
    return (json.loads(out) if rc == 0 else None), err


def close(a, b, rel=1e-9, scale=None):
    s = max(abs(a), abs(b), scale or 0.0)
    return abs(a - b) <= rel * s or a == b


def check_table(name, path, d):
    df = pd.read_csv(path, sep=d["table"]["delimiter"], keep_default_na=False, na_values=[""],
                     encoding="utf-8-sig", dtype=str)
    for c in d["columns"]:
        col, prof = c["name"], c["profile"]
        if col not in df.columns:
            continue
        raw = df[col]
        nonnull = raw.dropna()
        check(prof["count"] == len(nonnull) and prof["nulls"] == raw.isna().sum(),
              f"{name}.{col}: count/nulls {prof['count']}/{prof['nulls']} vs pandas {len(nonnull)}/{raw.isna().sum()}")
        if c["type"] in ("int", "float"):
            x = pd.to_numeric(nonnull, errors="coerce").to_numpy(dtype=float)
            x = x[np.isfinite(x)]
            if len(x) == 0:
                continue
            check(prof["min"] == x.min() and prof["max"] == x.max(),
                  f"{name}.{col}: min/max {prof['min']}/{prof['max']} vs {x.min()}/{x.max()}")
            m = math.fsum(x) / len(x)
            check(close(prof["mean"], m, scale=float(np.std(x))), f"{name}.{col}: mean {prof['mean']!r} vs {m!r}")
            if len(x) > 1:
                sd = float(pd.Series(x).std(ddof=1))
                check(close(prof["stddev"], sd, scale=1e-300) or (sd < 1e-12 * abs(m) and prof["stddev"] < 1e-12 * abs(m)),
                      f"{name}.{col}: stddev {prof['stddev']!r} vs pandas {sd!r}")
            bound = prof["quantile_error"]["max_abs_error"]
            for k, q in QS.items():
                ref = float(np.quantile(x, q))
                got = prof["quantiles"][k]
                check(abs(got - ref) <= bound * (1 + 1e-9) + 1e-9 * max(1.0, abs(ref)),
                      f"{name}.{col}: {k} {got} vs numpy {ref} (bound {bound}, exact {prof['quantile_error']['exact']})")
            nd = len(np.unique(x))
        else:
            nd = nonnull.nunique()
        if prof["distinct_exact"]:
            check(prof["distinct"] == nd, f"{name}.{col}: distinct {prof['distinct']} (exact) vs {nd}")
        else:
            check(abs(prof["distinct"] - nd) <= 0.06 * nd, f"{name}.{col}: distinct {prof['distinct']} (HLL) vs {nd}")
        if "frequent" in prof and c["type"] == "string":
            vc = nonnull.value_counts()
            got = {v: n for v, n in prof["frequent"]}
            check(len(got) == len(vc) and all(got.get(v) == n for v, n in vc.items()),
                  f"{name}.{col}: frequent values differ from pandas' value_counts")
            counts = [n for _, n in prof["frequent"]]
            check(counts == sorted(counts, reverse=True), f"{name}.{col}: frequent values most frequent first")


def main():
    root = subprocess.run(["bash", os.path.join(SRC, "tests/tables/fetch-real.sh")], capture_output=True, text=True)
    if root.returncode != 0:
        print("FAIL: cannot get the Debian datasets:", root.stderr.strip())
        return 1
    root = root.stdout.strip()
    csvs = {}
    for dirpath, _, files in os.walk(root):
        for f in files:
            if f.endswith(".csv"):
                p = os.path.join(dirpath, f)
                if "/sklearn/datasets/data" in p:
                    csvs["sklearn-" + f[:-4]] = p
                elif "/statsmodels/datasets/" in p:
                    csvs["statsmodels-" + f[:-4]] = p
    check(len(csvs) >= 35, f"found {len(csvs)} dataset CSVs")
    os.makedirs(TMP, exist_ok=True)
    checked = 0
    for name, p in sorted(csvs.items()):
        if name in DIVERGENT:
            continue
        d, err = fp(p)
        if d is None or d.get("kind") != "table" or not d["table"].get("header"):
            continue
        check(d["level"] == "profile", f"{name}: profile is the default level for tables")
        before = failed
        check_table(name, p, d)
        checked += failed == before
    print(f"real CSVs whose profile agrees with pandas/numpy: {checked}", flush=True)
    check(checked >= 30, f"{checked} real CSVs checked")

    # Timestamps written with zones: statistics in UTC say so (Z)
    tz = os.path.join(TMP, "tz.csv")
    with open(tz, "w") as fh:
        fh.write("ts,local\n2025-01-01T10:00:00Z,2025-01-01T10:00:00\n2025-01-02T11:00:00+02:00,2025-01-02T11:00:00\n")
    d, _ = fp(tz)
    p = {c["name"]: c["profile"] for c in d["columns"]} if d else {}
    check(p and p["ts"]["min"] == "2025-01-01T10:00:00Z" and p["ts"]["max"] == "2025-01-02T09:00:00Z" and not p["local"]["min"].endswith("Z"),
          f"UTC timestamps keep their Z, local ones have none ({p.get('ts', {}).get('min')}, {p.get('local', {}).get('min')})")

    # Extremes of timestamps are their exact values, every fraction digit
    # kept (a double is 30 microseconds coarse near the year 9999, the
    # "valid until" sentinel of many tables), and merge to the same text.
    far = os.path.join(TMP, "far.csv")
    with open(far, "w") as fh:
        fh.write("until,ns\n9999-12-31 23:59:59.999999,1677-09-22 00:12:43.145225\n"
                 "2000-02-29 00:00:00.000001,1970-01-01 00:00:00.000000001\n"
                 "2024-01-01T00:00:00.5,2024-01-01T00:00:00.123456789\n"
                 "1969-12-31 23:59:59.999999,2262-04-11 23:47:16.854775807\n")
    d, _ = fp(far)
    p = {c["name"]: c["profile"] for c in d["columns"]} if d else {}
    got = [p.get(k, {}).get(m) for k in ("until", "ns") for m in ("min", "max")]
    check(got == ["1969-12-31T23:59:59.999999", "9999-12-31T23:59:59.999999",
                  "1677-09-22T00:12:43.145225", "2262-04-11T23:47:16.854775807"],
          f"timestamp min/max are the exact values ({got})")
    if d:
        check_merge(far, d)
    # nanoseconds past the year 2554 do not fit the exact 64-bit form: kept
    # to fewer fraction digits, never left out of the statistics
    fns = os.path.join(TMP, "farns.csv")
    with open(fns, "w") as fh:
        fh.write("t\n2024-01-01T00:00:00\n9999-12-31T23:59:59.123456789\n1000-01-01T00:00:00.5\n")
    d, _ = fp(fns)
    p = d["columns"][0]["profile"] if d else {}
    check(p.get("count") == 3 and p.get("max") == "9999-12-31T23:59:59.1234567" and p.get("min") == "1000-01-01T00:00:00.5",
          f"far nanosecond timestamps are in the statistics ({p.get('count')}, {p.get('min')}, {p.get('max')})")

    # Thread count: byte-identical documents.
    big = os.path.join(TMP, "big.csv")
    with open(big, "w") as fh:
        subprocess.run(["bash", os.path.join(SRC, "bench/gen-table.sh"), "120000"], stdout=fh, check=True)
    a = run("fp", "--no-cache", "--json", "--threads", "1", big)
    b = run("fp", "--no-cache", "--json", "--threads", "2", big)
    check(a[0] == 0 and a == b, "profile identical on 1 and 2 threads")
    d = json.loads(a[1])
    check_table("generated", big, d)
    sizes = len(a[1])
    print(f"generated table: {d['rows']} rows, profile document {sizes} bytes", flush=True)

    # Merge: three shards (CSV, JSON Lines without the empty fields, CSV)
    # merge into exactly the whole table's fingerprint.
    key = os.path.join(TMP, "key")
    with open(key, "wb") as fh:
        fh.write(b"0123456789abcdef0123456789abcdef")
    check_merge(big, d)
    rc, out, err = run("fp", "--no-cache", "--json", "--key-file", key, big)
    check(rc == 0, f"keyed fingerprint ({err})")
    check("cat_" not in out and "omicron" not in out and '"US"' not in out,
          "keyed mode: no raw string values in the document (frequent values and sample are keyed hashes)")
    kd = json.loads(out)
    check(all("min" not in c["profile"] for c in kd["columns"] if c["type"] == "string"), "keyed: no string min/max")
    check_merge(big, json.loads(out), key)
    # A tiny negative value beside a huge one (1e-300 * 2^-963 underflows
    # to -0): its uniform bucket is -1 whether it came before or after the
    # huge value made the buckets coarse (a review found bucket 0 after,
    # so the row order and the shards changed the profile).
    rng = random.Random(5)
    vals = [f"{rng.gauss(0, 1):.6f}" for _ in range(300)]
    vals[0], vals[150] = "1e308", "-1e-300"
    tiny = os.path.join(TMP, "tiny_neg.csv")
    with open(tiny, "w") as fh:
        fh.write("v\n" + "\n".join(vals) + "\n")
    tiny_r = os.path.join(TMP, "tiny_neg_reversed.csv")
    with open(tiny_r, "w") as fh:
        fh.write("v\n" + "\n".join(reversed(vals)) + "\n")
    dt, _ = fp(tiny)
    dr, _ = fp(tiny_r)
    check(dt and dr and dt["columns"][0]["profile"] == dr["columns"][0]["profile"],
          "a tiny negative beside 1e308: the same profile in either row order")
    if dt:
        check_merge(tiny, dt)
    for name in ["statsmodels-macrodata", "sklearn-iris", "statsmodels-star98"]:
        if name in csvs:
            dd, _ = fp(csvs[name])
            if dd is not None:
                check_merge(csvs[name], dd)
    return 0


def value(s):
    for conv in (int, float):
        try:
            return conv(s)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(s, s)


def check_merge(path, whole, key=None):
    """Splits the table in three, fingerprints each part and merges."""
    import csv
    with open(path, newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh, delimiter=whole["table"]["delimiter"]))
    header, body = rows[0], rows[1:]
    cut = [0, len(body) // 3, 2 * len(body) // 3, len(body)]
    parts = []
    base = os.path.join(TMP, os.path.basename(path))
    for i in range(3):
        chunk = body[cut[i]:cut[i + 1]]
        if i == 1:
            p = f"{base}.part{i}.jsonl"
            with open(p, "w") as fh:
                for r in chunk:
                    fh.write(json.dumps({h: value(v) for h, v in zip(header, r) if v != ""}) + "\n")
        else:
            p = f"{base}.part{i}.csv"
            with open(p, "w", newline="") as fh:
                w = csv.writer(fh, delimiter=whole["table"]["delimiter"])
                w.writerow(header)
                w.writerows(chunk)
        j = p + ".json"
        opts = ["--key-file", key] if key else []
        rc, _, err = run("fp", "--no-cache", "-o", j, *opts, p)
        check(rc == 0, f"{p}: fingerprint ({err})")
        parts.append(j)
    opts = ["--key-file", key] if key else []
    rc, out, err = run("merge", "--json", *opts, *parts)
    check(rc == 0, f"merge of {path} ({err})")
    if rc:
        return
    m = json.loads(out)
    name = os.path.basename(path) + (" (keyed)" if key else "")
    check(m["rows"] == whole["rows"] and m["logical"]["unordered"] == whole["logical"]["unordered"]
          and m["schema"]["id"] == whole["schema"]["id"] and m["id"] == whole["logical"]["unordered"],
          f"{name}: merged rows, logical.unordered, schema.id")
    check("id" not in m["logical"] and m["merged"]["parts"] == 3, f"{name}: a merged document has no logical.id")
    for a, b in zip(whole["columns"], m["columns"]):
        same = (a["name"], a["type"], a["nullable"], a["nulls"], a["hash"]["unordered"], a["hash"]["sum"]) == \
               (b["name"], b["type"], b["nullable"], b["nulls"], b["hash"]["unordered"], b["hash"]["sum"])
        check(same, f"{name}.{a['name']}: merged column hashes")
        check(json.dumps(a["profile"], sort_keys=True) == json.dumps(b["profile"], sort_keys=True),
              f"{name}.{a['name']}: merged profile equals the whole's")
    check(m["profile"] == whole["profile"], f"{name}: merged sample equals the whole's")
    # the merged document against the data: same rows, no column called reordered
    mp = os.path.join(TMP, os.path.basename(path) + ".merged.json")
    with open(mp, "w") as fh:
        fh.write(out)
    opts = ["--key-file", key] if key else []
    rc, dout, err = run("diff", "--json", *opts, mp, path)
    if rc == 0:
        d = json.loads(dout)
        check(d["identical"] and "order_unknown" in d["table"], f"{name}: merged vs the data: the same rows")
    else:
        check(False, f"{name}: merged vs the data: exit {rc} ({err.strip() or dout[:300]})")
    # one changed cell: one column changed, the others unchanged (not "reordered")
    edited = os.path.join(TMP, os.path.basename(path) + ".edited.csv")
    body2 = [list(r) for r in body]
    body2[-1][0] = body2[-1][0] + "9"
    with open(edited, "w", newline="") as fh:
        w = csv.writer(fh, delimiter=whole["table"]["delimiter"])
        w.writerow(header)
        w.writerows(body2)
    rc, dout, err = run("diff", "--json", *opts, mp, edited)
    cols = json.loads(dout)["table"]["columns"] if rc == 1 else None
    check(cols and [c["name"] for c in cols["changed"]] == [header[0]] and not cols["changed"][0]["order_only"]
          and cols["unchanged"] == len(header) - 1, f"{name}: merged vs one changed cell: one column changed ({cols})")
    if not key:
        kf = os.path.join(TMP, "key")
        if not os.path.exists(kf):  # (check_merge may run before main writes it)
            with open(kf, "wb") as fh:
                fh.write(b"0123456789abcdef0123456789abcdef")
        rc, _, err = run("merge", "--json", "--key-file", kf, *parts)
        check(rc == 2 and "not keyed" in err, f"unkeyed parts with a key: refused ({err.strip()})")


if __name__ == "__main__":
    rc = main()
    print(f"{passed} checks passed, {failed} failed")
    sys.exit(1 if failed or rc else 0)
