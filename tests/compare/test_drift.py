#!/usr/bin/python3
"""Drift metrics (issue 6, part 2) from two table profiles, against scipy
and numpy on the raw data: exact where both profiles count every value
(low-cardinality numbers, categories), within the stated error bounds where
they come from the histograms. Definitions: docs/drift.md.
Run by ctest with WHORL_BIN, WHORL_SRC and WHORL_TMP set.
"""
import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial.distance import jensenshannon

W = os.environ["WHORL_BIN"]
TMP = os.path.join(os.environ["WHORL_TMP"], "drift")
passed = failed = 0
EPS = 1e-4


def check(cond, msg):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL:", msg, flush=True)


def psi_ref(a, b):
    edges = np.unique(np.quantile(a, np.linspace(0.1, 0.9, 9)))
    ia = np.searchsorted(edges, a, side="left")  # bins (-inf, e1], (e1, e2], ...
    ib = np.searchsorted(edges, b, side="left")
    pa = np.bincount(ia, minlength=len(edges) + 1) / len(a)
    pb = np.bincount(ib, minlength=len(edges) + 1) / len(b)
    pa, pb = np.maximum(pa, EPS), np.maximum(pb, EPS)
    return float(np.sum((pb - pa) * np.log(pb / pa)))


def decile_props(a, b):
    edges = np.unique(np.quantile(a, np.linspace(0.1, 0.9, 9)))
    ia = np.searchsorted(edges, a, side="left")
    ib = np.searchsorted(edges, b, side="left")
    return np.bincount(ia, minlength=len(edges) + 1) / len(a), np.bincount(ib, minlength=len(edges) + 1) / len(b)


def aligned(a, b):
    keys = sorted(set(a) | set(b))
    ca, cb = pd.Series(a).value_counts(), pd.Series(b).value_counts()
    pa = np.array([ca.get(k, 0) for k in keys], float)
    pb = np.array([cb.get(k, 0) for k in keys], float)
    return keys, pa, pb


def main():
    os.makedirs(TMP, exist_ok=True)
    rng = np.random.default_rng(11)
    n = 30000
    base = pd.DataFrame({
        "income": rng.lognormal(10, 0.6, n).round(2),
        "age": rng.integers(18, 70, n),
        "city": rng.choice(["paris", "lyon", "nice", "lille"], n, p=[.4, .3, .2, .1]),
        "day": pd.to_datetime("2025-01-01") + pd.to_timedelta(rng.integers(0, 200, n), unit="D"),
    })
    cur = pd.DataFrame({
        "income": rng.lognormal(10.15, 0.7, n).round(2),
        "age": rng.integers(20, 75, n),
        "city": rng.choice(["paris", "lyon", "nice", "brest"], n, p=[.35, .3, .25, .1]),
        "day": pd.to_datetime("2025-02-01") + pd.to_timedelta(rng.integers(0, 200, n), unit="D"),
    })
    pa, pb = os.path.join(TMP, "base.csv"), os.path.join(TMP, "cur.csv")
    base.assign(day=base.day.dt.strftime("%Y-%m-%d")).to_csv(pa, index=False)
    cur.assign(day=cur.day.dt.strftime("%Y-%m-%d")).to_csv(pb, index=False)
    r = subprocess.run([W, "diff", "--no-cache", "--json", pa, pb], capture_output=True, text=True)
    check(r.returncode == 1, f"diff exit 1 ({r.stderr.strip()})")
    rep = json.loads(r.stdout)
    md = subprocess.run([W, "diff", "--no-cache", "--format", "markdown", pa, pb], capture_output=True, text=True)
    check(md.returncode == 1 and md.stdout.startswith("### ") and "| `income` | values |" in md.stdout and "<details>" in md.stdout,
          "diff --format markdown: a heading, the drift table, the details")
    drift = {c["name"]: c.get("drift") for c in rep["table"]["columns"]["changed"]}
    check(set(drift) == {"income", "age", "city", "day"} and all(drift.values()), f"drift for every changed column: {list(drift)}")

    # income: high cardinality, from the histograms, within their bounds
    d = drift["income"]
    a, b = base.income.to_numpy(), cur.income.to_numpy()
    ks = stats.ks_2samp(a, b).statistic
    check(not d["exact"] and abs(d["ks"] - ks) <= d["ks_error_bound"] + 1e-12, f"income KS {d['ks']} vs scipy {ks} (bound {d['ks_error_bound']})")
    w1 = stats.wasserstein_distance(a, b)
    check(abs(d["wasserstein"] - w1) <= d["wasserstein_error_bound"] + 1e-9 * w1, f"income W1 {d['wasserstein']} vs scipy {w1} (bound {d['wasserstein_error_bound']})")
    iqr = np.quantile(a, .75) - np.quantile(a, .25)
    check(abs(d["wasserstein_normalized"] - w1 / iqr) <= (d["wasserstein_error_bound"] + 1e-9) / iqr * 1.5 + 0.01 * w1 / iqr,
          f"income W1/IQR {d['wasserstein_normalized']} vs {w1 / iqr}")
    check(abs(d["mean_shift_std"] - (b.mean() - a.mean()) / a.std(ddof=1)) < 1e-9, "income mean shift in baseline std units (exact sums)")
    p = psi_ref(a, b)
    check(abs(d["psi"] - p) <= 0.02 + 0.05 * p, f"income PSI {d['psi']} vs numpy {p} (deciles at histogram resolution)")
    check(0 <= d["jensen_shannon"] <= 1, "income Jensen-Shannon distance in [0, 1]")

    # a heavy tail (a review found the uniform histogram blind there): the
    # log-linear buckets take over, KS and W1 within their bounds
    ra, rb = np.random.default_rng(0), np.random.default_rng(1)
    ha, hb = ra.lognormal(3, 2, 5000).round(2), (rb.lognormal(3, 2, 5000) * 1.8).round(2)
    h1, h2 = os.path.join(TMP, "h1.csv"), os.path.join(TMP, "h2.csv")
    pd.DataFrame({"income": ha}).to_csv(h1, index=False)
    pd.DataFrame({"income": hb}).to_csv(h2, index=False)
    hd = json.loads(subprocess.run([W, "diff", "--no-cache", "--json", h1, h2], capture_output=True, text=True).stdout)["table"]["columns"]["changed"][0]["drift"]
    ks = stats.ks_2samp(ha, hb).statistic
    w1 = stats.wasserstein_distance(ha, hb)
    check(abs(hd["ks"] - ks) <= hd["ks_error_bound"] + 1e-12 and hd["ks_error_bound"] < 0.02, f"heavy tail KS {hd['ks']} vs {ks} (bound {hd['ks_error_bound']})")
    check(abs(hd["wasserstein"] - w1) <= hd["wasserstein_error_bound"] + 1e-9 * w1 and hd["wasserstein_error_bound"] < 0.05 * w1,
          f"heavy tail W1 {hd['wasserstein']} vs {w1} (bound {hd['wasserstein_error_bound']})")
    check(abs(hd["psi"] - psi_ref(ha, hb)) <= 0.02 + 0.05 * psi_ref(ha, hb), f"heavy tail PSI {hd['psi']} vs {psi_ref(ha, hb)}")

    # a sentinel (1e12) beside values around 20 (a review: it folded the
    # bulk into one bucket): no false alarm for one changed row, no missed
    # drift of the bulk, quantiles still right
    ra = np.random.default_rng(7)
    sa, sb = ra.lognormal(3, 1, 5000), ra.lognormal(3.75, 1, 5000)
    sa[0] = sb[0] = 1e12
    so = sa.copy()
    so[1] = 1e12
    paths = {}
    for nm, arr in (("s_a", sa), ("s_b", sb), ("s_o", so)):
        paths[nm] = os.path.join(TMP, nm + ".csv")
        np.savetxt(paths[nm], arr, header="v", comments="", fmt="%.10g")
    def drift_of(x, y):
        r = subprocess.run([W, "diff", "--no-cache", "--json", paths[x], paths[y]], capture_output=True, text=True)
        return json.loads(r.stdout)["table"]["columns"]["changed"][0]["drift"]
    d1 = drift_of("s_a", "s_o")
    ks1 = stats.ks_2samp(sa, so).statistic
    check(abs(d1["ks"] - ks1) <= d1["ks_error_bound"] + 1e-12 and d1["ks"] < 0.01 and d1["psi"] < 0.01,
          f"one value turned into a sentinel: KS {d1['ks']} (scipy {ks1}), PSI {d1['psi']}: no alarm")
    d2 = drift_of("s_a", "s_b")
    ks2 = stats.ks_2samp(sa, sb).statistic
    check(abs(d2["ks"] - ks2) <= d2["ks_error_bound"] + 1e-12 and d2["ks_error_bound"] < 0.02 and d2["psi"] > 0.25,
          f"the bulk drifts beside a sentinel: KS {d2['ks']} vs scipy {ks2} (bound {d2['ks_error_bound']}), PSI {d2['psi']}")
    fpj = json.loads(subprocess.run([W, "fp", "--no-cache", "--json", paths["s_o"]], capture_output=True, text=True).stdout)
    q = fpj["columns"][0]["profile"]["quantiles"]
    check(abs(q["p50"] - np.quantile(so, 0.5)) <= 0.01 * np.quantile(so, 0.5), f"median beside a sentinel {q['p50']} vs {np.quantile(so, 0.5)}")

    # age: 52-57 distinct integers, every value counted: exact
    d = drift["age"]
    a, b = base.age.to_numpy(), cur.age.to_numpy()
    check(d["exact"], "age: exact (counted values)")
    check(abs(d["ks"] - stats.ks_2samp(a, b).statistic) < 1e-12, "age KS = scipy")
    check(abs(d["wasserstein"] - stats.wasserstein_distance(a, b)) < 1e-9, "age W1 = scipy")
    check(abs(d["psi"] - psi_ref(a, b)) < 1e-9, f"age PSI {d['psi']} = numpy {psi_ref(a, b)}")
    qa, qb = decile_props(a, b)
    check(abs(d["jensen_shannon"] - jensenshannon(qa, qb, base=2)) < 1e-9, f"age Jensen-Shannon over the decile bins = scipy ({d['jensen_shannon']})")

    # city: categorical, exact
    d = drift["city"]
    keys, ca, cb = aligned(base.city, cur.city)
    check(d["kind"] == "categorical", "city: categorical")
    check(abs(d["jensen_shannon"] - jensenshannon(ca, cb, base=2)) < 1e-9, "city Jensen-Shannon = scipy")
    check(abs(d["l_infinity"] - np.max(np.abs(ca / ca.sum() - cb / cb.sum()))) < 1e-12, "city L-infinity")
    chi2, pval, dof, _ = stats.chi2_contingency(np.vstack([ca, cb]), correction=False)
    check(abs(d["chi2"] - chi2) < 1e-6 * chi2 and d["chi2_dof"] == dof, f"city chi2 {d['chi2']} = scipy {chi2}")
    check(abs(d["chi2_p_value"] - pval) < 1e-12, f"city chi2 p-value {d['chi2_p_value']} = scipy {pval}")
    pa_, pb_ = np.maximum(ca / ca.sum(), EPS), np.maximum(cb / cb.sum(), EPS)
    check(abs(d["psi"] - np.sum((pb_ - pa_) * np.log(pb_ / pa_))) < 1e-9, "city PSI")
    check(d["new"] == ["brest"] and d["vanished"] == ["lille"], f"city new/vanished: {d['new']} / {d['vanished']}")
    # a chi-square p-value that is not 0: two close samples
    small = pd.DataFrame({"c": rng.choice(["a", "b", "c"], 500)})
    small2 = pd.DataFrame({"c": rng.choice(["a", "b", "c"], 480, p=[.3, .35, .35])})
    s1, s2 = os.path.join(TMP, "s1.csv"), os.path.join(TMP, "s2.csv")
    small.to_csv(s1, index=False)
    small2.to_csv(s2, index=False)
    r = json.loads(subprocess.run([W, "diff", "--no-cache", "--json", s1, s2], capture_output=True, text=True).stdout)
    d = r["table"]["columns"]["changed"][0]["drift"]
    keys, ca, cb = aligned(small.c, small2.c)
    pval = stats.chi2_contingency(np.vstack([ca, cb]), correction=False)[1]
    check(abs(d["chi2_p_value"] - pval) < 1e-10 and 0 < pval < 1, f"chi2 p-value {d['chi2_p_value']} = scipy {pval}")

    # day: dates (temporal, seconds), counted: exact
    d = drift["day"]
    a = (base.day - pd.Timestamp("1970-01-01")).dt.total_seconds().to_numpy()
    b = (cur.day - pd.Timestamp("1970-01-01")).dt.total_seconds().to_numpy()
    check(abs(d["ks"] - stats.ks_2samp(a, b).statistic) <= d["ks_error_bound"] + 1e-12, "day KS (dates as seconds)")
    check(abs(d["wasserstein"] - stats.wasserstein_distance(a, b)) <= d["wasserstein_error_bound"] + 1e-6 * abs(stats.wasserstein_distance(a, b)),
          "day W1 in seconds")
    check(abs(d["mean_shift_std"] - (b.mean() - a.mean()) / a.std(ddof=1)) < 1e-9, "day mean shift")

    # null rate, distinct ratio, violations
    nb = base.copy()
    nc = cur.copy()
    nc.loc[:999, "age"] = np.nan
    nc["age"] = nc["age"].astype("Int64")
    nc.loc[1000:1009, "age"] = pd.NA
    pa2, pb2 = os.path.join(TMP, "nb.csv"), os.path.join(TMP, "nc.csv")
    nb.assign(day=nb.day.dt.strftime("%Y-%m-%d")).to_csv(pa2, index=False)
    nc.assign(day=nc.day.dt.strftime("%Y-%m-%d")).to_csv(pb2, index=False)
    r = json.loads(subprocess.run([W, "diff", "--no-cache", "--json", pa2, pb2], capture_output=True, text=True).stdout)
    d = {c["name"]: c["drift"] for c in r["table"]["columns"]["changed"]}["age"]
    check(abs(d["null_rate_change"] - 1010 / n) < 1e-12, f"null rate change {d['null_rate_change']}")

    # numbers with an R-style "NA" among them (a string column for the
    # profile): they drift as numbers (a review found no metric at all
    # above 256 distinct values, so any drift passed whorl check)
    ra = np.random.default_rng(4)
    na_a, na_b = ra.normal(50, 10, 3000).round(3), ra.normal(55, 10, 3000).round(3)
    sa_, sb_ = na_a.astype(str).astype(object), na_b.astype(str).astype(object)
    sa_[::40] = "NA"
    sb_[::25] = "NA"
    n1, n2 = os.path.join(TMP, "na_a.csv"), os.path.join(TMP, "na_b.csv")
    pd.DataFrame({"feed": sa_}).to_csv(n1, index=False)
    pd.DataFrame({"feed": sb_}).to_csv(n2, index=False)
    r = json.loads(subprocess.run([W, "diff", "--no-cache", "--json", n1, n2], capture_output=True, text=True).stdout)
    d = r["table"]["columns"]["changed"][0]["drift"]
    xa, xb = na_a[np.arange(3000) % 40 != 0], na_b[np.arange(3000) % 25 != 0]
    ks = stats.ks_2samp(xa, xb).statistic
    check(d["kind"] == "numeric" and "numbers" in d.get("note", "") and abs(d["ks"] - ks) <= d["ks_error_bound"] + 1e-12
          and abs(d["mean_shift_std"] - (xb.mean() - xa.mean()) / xa.std(ddof=1)) < 1e-9
          and abs(d["violation_rate_change"] - (1 / 25 - 1 / 40)) < 1e-12,
          f"numbers beside NA: numeric drift over the numbers, KS {d.get('ks')} vs scipy {ks}")

    # a sentinel 1e15 beside values around 1e-4 on one side only: that
    # side's log-linear store folds its smallest magnitudes into one bucket
    # reaching down to 0, the other side's does not; the grids are folded
    # alike before comparing (a review found a PSI of 0.95 for 0.08 and a
    # KS of 0.30 for 0.11, the folded mass counted at one end)
    ra = np.random.default_rng(2)
    fa_, fb_ = ra.lognormal(-9, 1.5, 3000), ra.lognormal(-8.7, 1.5, 3000)
    fa_[0] = 1e15
    f1, f2 = os.path.join(TMP, "fold_a.csv"), os.path.join(TMP, "fold_b.csv")
    pd.DataFrame({"v": [f"{v:.6g}" for v in fa_]}).to_csv(f1, index=False)
    pd.DataFrame({"v": [f"{v:.6g}" for v in fb_]}).to_csv(f2, index=False)
    xa, xb = pd.read_csv(f1).v.to_numpy(), pd.read_csv(f2).v.to_numpy()
    for p1, p2, x1, x2 in ((f1, f2, xa, xb), (f2, f1, xb, xa)):
        d = json.loads(subprocess.run([W, "diff", "--no-cache", "--json", p1, p2], capture_output=True, text=True).stdout)["table"]["columns"]["changed"][0]["drift"]
        ks, p = stats.ks_2samp(x1, x2).statistic, psi_ref(x1, x2)
        check(abs(d["ks"] - ks) < 0.01 and abs(d["psi"] - p) <= 0.02 + 0.05 * p,
              f"one side folded by a sentinel: KS {d['ks']} vs scipy {ks}, PSI {d['psi']} vs numpy {p}")

    # exact W1 beside a sentinel: the CDFs' difference up to it is 0, not
    # the 1e-16 left by summed shares (times 1e15: 0.15 for 0.042)
    ea = [x / 10 for x in ra.integers(0, 100, 2999)] + [1e15]
    eb = [x / 10 for x in ra.integers(0, 100, 2999)] + [1e15]
    s1, s2 = os.path.join(TMP, "sent_a.csv"), os.path.join(TMP, "sent_b.csv")
    pd.DataFrame({"v": ea}).to_csv(s1, index=False)
    pd.DataFrame({"v": eb}).to_csv(s2, index=False)
    d = json.loads(subprocess.run([W, "diff", "--no-cache", "--json", s1, s2], capture_output=True, text=True).stdout)["table"]["columns"]["changed"][0]["drift"]
    w1 = stats.wasserstein_distance(ea, eb)
    check(d["exact"] and abs(d["wasserstein"] - w1) < 1e-9, f"exact W1 beside a sentinel {d['wasserstein']} = scipy {w1}")

    # keyed documents count hashes, not values: a counted numeric column
    # drifts from the sketches (a review found every metric 0, "exact")
    key = os.path.join(TMP, "key")
    with open(key, "wb") as fh:
        fh.write(b"0123456789abcdef0123456789abcdef")
    r = json.loads(subprocess.run([W, "diff", "--no-cache", "--json", "--key-file", key, pa, pb], capture_output=True, text=True).stdout)
    d = {c["name"]: c["drift"] for c in r["table"]["columns"]["changed"]}["age"]
    a, b = base.age.to_numpy(), cur.age.to_numpy()
    ks = stats.ks_2samp(a, b).statistic
    check(not d["exact"] and d["ks"] > 0 and abs(d["ks"] - ks) <= d["ks_error_bound"] + 1e-12
          and abs(d["wasserstein"] - stats.wasserstein_distance(a, b)) <= d["wasserstein_error_bound"] + 1e-9,
          f"keyed: age KS {d['ks']} vs scipy {ks} from the sketches")
    d = {c["name"]: c["drift"] for c in r["table"]["columns"]["changed"]}["day"]
    check(not d["exact"] and d["ks"] > 0.1, f"keyed: dates drift from the sketches (KS {d['ks']})")

    # a column null throughout on one side: no distribution to compare
    # (a review found a PSI of 8.5, a chi-square of 0 on 1 degree of
    # freedom and 2 "new categories" against an empty baseline)
    e1, e2 = os.path.join(TMP, "empty_a.csv"), os.path.join(TMP, "empty_b.csv")
    with open(e1, "w") as fh:
        fh.write("x,y\n,1\n,2\n")
    with open(e2, "w") as fh:
        fh.write("x,y\n3,1\n4,2\n")
    for p1, p2, rate in ((e1, e2, -1), (e2, e1, 1)):
        r = json.loads(subprocess.run([W, "diff", "--no-cache", "--json", p1, p2], capture_output=True, text=True).stdout)
        d = r["table"]["columns"]["changed"][0]["drift"]
        check("psi" not in d and "chi2" not in d and "new_categories" not in d and "note" in d and d["null_rate_change"] == rate,
              f"all null on one side: only the null rate changes ({d})")
    return 0


if __name__ == "__main__":
    rc = main()
    print(f"{passed} checks passed, {failed} failed")
    sys.exit(1 if failed or rc else 0)
