#!/usr/bin/python3
"""Logical fingerprints of tables on real data (issue 3, "Tests").

The CSV datasets Debian's python3-statsmodels and python3-sklearn ship are
extracted from the packages (fetch-real.sh). For each:
  - DuckDB (an independent implementation) converted it to Parquet, and the
    small ones to JSON Lines (tests/data/real/gen.mjs; outputs committed in
    tests/data/real/duckdb/): whorl must give all of them one logical.id;
  - this script writes more variants with Python's csv module and NumPy:
    TSV with CRLF and every field quoted (same logical.id), shuffled rows
    (same logical.unordered, other logical.id), reordered columns (both the
    same), one changed cell (both change, and exactly one column's hashes),
    gzip and zstd copies (same), and .npy of all-numeric tables (the same
    logical.id as the CSV read without its header).
Run by ctest with WHORL_BIN, WHORL_SRC and WHORL_TMP set.
"""
import csv
import gzip
import json
import os
import random
import shutil
import subprocess
import sys

import numpy as np

W = os.environ["WHORL_BIN"]
SRC = os.environ["WHORL_SRC"]
TMP = os.path.join(os.environ["WHORL_TMP"], "tables")
DUCK = os.path.join(SRC, "tests/data/real/duckdb")

# Files DuckDB's sniffer reads differently from whorl, on purpose or by
# ambiguity (see docs/design/tables.md): a first line that is metadata, not
# names, and shorter than the rows (sklearn's loaders skip it); names in
# single quotes; a headerless file (DuckDB names columns column0.., whorl
# 0.. as pandas does).
DIVERGENT = {
    "sklearn-boston_house_prices", "sklearn-breast_cancer", "sklearn-digits",
    "sklearn-wine_data", "sklearn-diabetes_target", "statsmodels-anes96", "statsmodels-spector",
}

passed = failed = 0


def check(cond, msg):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL:", msg, flush=True)


def fp(path, *opts):
    r = subprocess.run([W, "fp", "--no-cache", "--json", *opts, path], capture_output=True, text=True)
    if r.returncode != 0:
        return None, r.stderr.strip()
    return json.loads(r.stdout), r.stderr


def run(*args):
    r = subprocess.run([W, *args], capture_output=True, text=True)
    return r.returncode, r.stdout, r.stderr


def ids(d):
    return (d["logical"]["id"], d["logical"]["unordered"], d["rows"])


def colhash(d):
    return {c["name"]: (c["hash"]["ordered"], c["hash"]["unordered"]) for c in d["columns"]}


def main():
    root = subprocess.run(["bash", os.path.join(SRC, "tests/tables/fetch-real.sh")], capture_output=True, text=True)
    if root.returncode != 0:
        print("FAIL: cannot get the Debian datasets:", root.stderr.strip())
        return 1
    root = root.stdout.strip()
    csvs = {}
    for dirpath, _, files in os.walk(root):
        for f in files:
            if not (f.endswith(".csv") or f.endswith(".csv.gz")):
                continue
            p = os.path.join(dirpath, f)
            base = f[:-7] if f.endswith(".csv.gz") else f[:-4]
            if "/sklearn/datasets/data" in p:
                csvs["sklearn-" + base] = p
            elif "/statsmodels/datasets/" in p:
                csvs["statsmodels-" + base] = p
    check(len(csvs) >= 40, f"found {len(csvs)} dataset CSVs in the Debian packages")

    # 1. DuckDB's Parquet and JSON Lines: one logical id with the CSV.
    same = 0
    for f in sorted(os.listdir(DUCK)):
        name, ext = os.path.splitext(f)
        if name not in csvs:
            check(False, f"{f}: no CSV {name} in the packages")
            continue
        a, ea = fp(csvs[name])
        b, eb = fp(os.path.join(DUCK, f))
        check(a is not None, f"{name}.csv reads ({ea})")
        check(b is not None, f"{f} reads ({eb})")
        if a is None or b is None or name in DIVERGENT:
            continue
        ok = ids(a) == ids(b) and a["schema"]["id"] == b["schema"]["id"]
        check(ok, f"{f}: same logical.id, logical.unordered, rows and schema.id as the CSV "
                  f"({ids(a)} vs {ids(b)})")
        same += ok
    print(f"DuckDB conversions with the CSV's logical id: {same}", flush=True)

    # 2. Every real CSV reads (a table or a clear error), never a crash.
    for name, p in sorted(csvs.items()):
        r = subprocess.run([W, "fp", "--no-cache", "--json", p], capture_output=True, text=True)
        check(r.returncode in (0, 2) and (r.returncode == 0 or r.stderr.startswith("whorl: ")),
              f"{name}: exit {r.returncode} {r.stderr[:200]}")

    # 3. Variants written here.
    shutil.rmtree(TMP, ignore_errors=True)
    os.makedirs(TMP)
    rng = random.Random(20261127)
    picked = [n for n in sorted(csvs) if n not in DIVERGENT and not csvs[n].endswith(".gz")]
    numeric_done = 0
    npz_done = [0]
    for name in picked:
        p = csvs[name]
        base, _ = fp(p)
        if base is None or base["rows"] < 3 or len(base["columns"]) < 2 or not base["table"]["header"]:
            continue
        delim = base["table"]["delimiter"]
        with open(p, newline="", encoding="utf-8-sig", errors="surrogateescape") as fh:
            rows = list(csv.reader(fh, delimiter=delim))
        header, body = rows[0], [r for r in rows[1:] if r]
        if any(len(r) != len(header) for r in body):
            continue
        lid, uid, n = ids(base)

        def write(path, hdr, data, **kw):
            with open(path, "w", newline="", encoding="utf-8", errors="surrogateescape") as fh:
                w = csv.writer(fh, **kw)
                w.writerow(hdr)
                w.writerows(data)

        # An empty field must stay an unquoted empty (null) in the rewrites.
        t = os.path.join(TMP, name + ".tsv")
        write(t, header, body, delimiter="\t", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
        d, e = fp(t, "--header")
        check(d is not None and ids(d) == (lid, uid, n), f"{name}: TSV with CRLF has the CSV's ids ({e})")

        sh = body[:]
        rng.shuffle(sh)
        if sh != body:
            t = os.path.join(TMP, name + "-shuffled.csv")
            write(t, header, sh)
            d, e = fp(t)
            check(d is not None and d["logical"]["unordered"] == uid and d["logical"]["id"] != lid,
                  f"{name}: shuffled rows keep logical.unordered, change logical.id ({e})")

        perm = list(range(len(header)))
        rng.shuffle(perm)
        t = os.path.join(TMP, name + "-columns.csv")
        write(t, [header[i] for i in perm], [[r[i] for i in perm] for r in body], delimiter=delim)
        d, e = fp(t, "--header")
        check(d is not None and ids(d) == (lid, uid, n), f"{name}: reordered columns keep both ids ({e})")

        r0, c0 = rng.randrange(len(body)), rng.randrange(len(header))
        ch = [r[:] for r in body]
        # A change of value (appending a digit to a long decimal may not
        # change the double it stands for: numbers are compared by value).
        try:
            ch[r0][c0] = repr(float(ch[r0][c0]) * 2 + 1)
        except ValueError:
            ch[r0][c0] = ch[r0][c0] + "1" if ch[r0][c0] else "x"
        t = os.path.join(TMP, name + "-cell.csv")
        write(t, header, ch, delimiter=delim)
        d, e = fp(t, "--header")
        if d is not None:
            ha, hb = colhash(base), colhash(d)
            diff = [k for k in ha if ha[k] != hb.get(k)]
            check(d["logical"]["id"] != lid and d["logical"]["unordered"] != uid,
                  f"{name}: one changed cell changes both ids")
            check(diff == [header[c0]] and all(ha[k][0] != hb[k][0] and ha[k][1] != hb[k][1] for k in diff),
                  f"{name}: one changed cell changes exactly column {header[c0]!r}'s hashes (got {diff})")
        else:
            check(False, f"{name}: changed-cell file reads ({e})")

        # a renamed column, an added column: said so, no row-by-row noise
        if len(header) > 1:
            h2 = header[:]
            h2[c0] = h2[c0] + "_renamed"
            t = os.path.join(TMP, name + "-ren.csv")
            write(t, h2, body, delimiter=delim)
            rc, out, err = run("diff", "--no-cache", "--json", "--header", p, t)
            dj = json.loads(out) if rc == 1 else {}
            tj = dj.get("table", {})
            check(dj.get("verdict") == "1 column renamed" and "row_changes" not in tj and "rows_note" in tj,
                  f"{name}: a renamed column: its own verdict, no row report ({rc}, {dj.get('verdict')}, {err.strip()})")
            t = os.path.join(TMP, name + "-add.csv")
            write(t, header + ["extra_col"], [r + ["1"] for r in body], delimiter=delim)
            rc, out, err = run("diff", "--no-cache", "--json", "--header", p, t)
            dj = json.loads(out) if rc == 1 else {}
            check(dj.get("verdict") == "1 column added" and "row_changes" not in dj.get("table", {}),
                  f"{name}: an added column: its own verdict ({rc}, {dj.get('verdict')}, {err.strip()})")

        for comp, opener in (("gz", gzip.open),):
            t = os.path.join(TMP, name + ".csv." + comp)
            with open(p, "rb") as src, opener(t, "wb") as dst:
                dst.write(src.read())
            d, e = fp(t, "--header")
            check(d is not None and ids(d) == (lid, uid, n), f"{name}: .{comp} copy has the same ids ({e})")
        # UTF-16 with its byte order mark (Excel's "Unicode Text", Python's
        # encoding="utf-16"), little and big endian, and gzipped: decoded
        # to UTF-8, the same ids; the document says the encoding
        with open(p, "rb") as fh:
            text = fh.read().decode("utf-8")
        for enc, bom, tag in (("utf-16-le", b"\xff\xfe", "utf-16le"), ("utf-16-be", b"\xfe\xff", "utf-16be")):
            t = os.path.join(TMP, f"{name}-{tag}.csv")
            with open(t, "wb") as fh:
                fh.write(bom + text.encode(enc))
            for th in ("1", "2"):
                d, e = fp(t, "--header", "--threads", th)
                check(d is not None and ids(d) == (lid, uid, n) and d["table"].get("encoding") == tag,
                      f"{name}: {tag} copy ({th} threads) has the same ids ({e})")
        t = os.path.join(TMP, name + "-utf16.csv.gz")
        with gzip.open(t, "wb") as fh:
            fh.write(text.encode("utf-16"))
        d, e = fp(t, "--header")
        check(d is not None and ids(d) == (lid, uid, n) and d["table"].get("compression") == "gzip",
              f"{name}: gzipped UTF-16 copy has the same ids ({e})")
        if shutil.which("zstd"):
            t = os.path.join(TMP, name + ".csv.zst")
            subprocess.run(["zstd", "-q", "-f", p, "-o", t], check=True)
            d, e = fp(t, "--header")
            check(d is not None and ids(d) == (lid, uid, n), f"{name}: .zst copy has the same ids ({e})")

        # All-numeric tables without empty cells: as a 2-D float64 .npy.
        if numeric_done < 8 and all(c["type"] in ("int", "float") and not c["nullable"] for c in base["columns"]):
            arr = np.array([[float(x) for x in r] for r in body], dtype=np.float64)
            headless = os.path.join(TMP, name + "-noheader.csv")
            with open(headless, "w", newline="") as fh:
                csv.writer(fh, delimiter=delim).writerows(body)
            a, e1 = fp(headless, "--no-header")
            for order in ("C", "F"):
                t = os.path.join(TMP, f"{name}-{order}.npy")
                np.save(t, np.asarray(arr, order=order))
                b, e2 = fp(t)
                # (the schemas differ when the CSV has int columns: a float64
                # array's columns are float)
                check(a is not None and b is not None and ids(a) == ids(b),
                      f"{name}: .npy ({order} order) has the headerless CSV's ids ({e1} {e2})")
                # the same array alone in an .npz (a pandas DataFrame's
                # .values is Fortran-ordered: np.savez(f, X=df.values))
                for saver, tag in ((np.savez, "stored"), (np.savez_compressed, "deflated")):
                    t = os.path.join(TMP, f"{name}-{order}-{tag}-2d.npz")
                    saver(t, X=np.asarray(arr, order=order))
                    b, e2 = fp(t)
                    check(a is not None and b is not None and ids(a) == ids(b),
                          f"{name}: a 2-D {order}-order array in an .npz ({tag}) has the headerless CSV's ids ({e1} {e2})")
            # and as .npz: named 1-D columns (np.savez stores,
            # np.savez_compressed deflates) have the CSV's ids, header included
            cols = {h: arr[:, i] for i, h in enumerate(header)}
            if all(h.isidentifier() for h in header) and len(set(header)) == len(header):
                for saver, tag in ((np.savez, "stored"), (np.savez_compressed, "deflated")):
                    t = os.path.join(TMP, f"{name}-{tag}.npz")
                    saver(t, **cols)
                    b, e2 = fp(t)
                    check(b is not None and ids(b) == (lid, uid, n),
                          f"{name}: .npz ({tag}) of named columns has the CSV's ids ({e2})")
                    npz_done[0] += 1
            numeric_done += 1
    check(numeric_done >= 3, f"at least 3 all-numeric datasets compared with .npy (got {numeric_done})")
    check(npz_done[0] >= 4, f"at least 2 all-numeric datasets compared with .npz (got {npz_done[0]} files)")

    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
