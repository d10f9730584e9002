#!/usr/bin/python3
"""Values that CSV and JSON Lines must read alike, and documents whorl must
be able to read back (docs/profile.md, docs/fingerprint-format.md 12.2):

  - a table with integers beyond int64 (and beyond 1e21), decimals with
    more digits than a double holds, numbers beyond the double range and
    a byte order mark gives the same logical.id and schema.id as CSV, as
    JSON Lines and as a JSON array of objects;
  - a CSV with Latin-1 (not UTF-8) cells gives a document that is valid
    JSON (Python's json.load reads it) and that whorl reads back: diff of
    the saved document against the file says identical (exit 0), merge of
    the document gives the same profiles and sample, and merge of two
    shards equals the whole table's profiles and sample, byte for byte;
  - a JSON Lines syntax error names one position: the file's line and
    column, and the byte offset.
Run by ctest with WHORL_BIN and WHORL_TMP set.
"""
import json
import os
import subprocess
import sys

W = os.environ["WHORL_BIN"]
TMP = os.path.join(os.environ["WHORL_TMP"], "values")
os.makedirs(TMP, exist_ok=True)

passed = failed = 0


def check(cond, msg):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL:", msg, file=sys.stderr)


def put(name, data):
    p = os.path.join(TMP, name)
    with open(p, "wb") as f:
        f.write(data)
    return p


def run(*args):
    return subprocess.run([W, *args], capture_output=True)


def doc(path, *opts):
    out = path + ".fp.json"
    r = run("fp", "-q", *opts, "-o", out, path)
    check(r.returncode == 0, f"fp {path}: {r.stderr.decode(errors='replace')}")
    if r.returncode != 0:
        return out, None
    with open(out, "rb") as f:
        raw = f.read()
    try:
        return out, json.loads(raw.decode("utf-8"))  # strict: no invalid UTF-8
    except (UnicodeDecodeError, ValueError) as e:
        check(False, f"{out} is not valid JSON: {e}")
        return out, None


def same_values():
    rows = [
        ("12345678901234567890123", "0.1000000000000000055511151231257827", "1e400"),
        ("-99999999999999999999999999", "3.14159265358979323846264338327950288", "-1E+999"),
        ("100000000000000000000000", "1e-400", "inf"),
        ("9223372036854775808", "2.5", "7"),
    ]
    csv = b"\xef\xbb\xbfbig,dec,ovf\r\n" + b"".join((",".join(r) + "\r\n").encode() for r in rows)
    jl = b"\xef\xbb\xbf" + b"".join(
        ('{"big": %s, "dec": %s, "ovf": %s}\n' % (r[0], r[1], r[2] if r[2] != "inf" else '"inf"')).encode()
        for r in rows)
    arr = b"\xef\xbb\xbf[\n" + b",\n".join(
        ('  {"big": %s, "dec": %s, "ovf": %s}' % (r[0], r[1], r[2] if r[2] != "inf" else '"inf"')).encode()
        for r in rows) + b"\n]\n"
    docs = [doc(put("v.csv", csv))[1], doc(put("v.jsonl", jl))[1], doc(put("v.json", arr), "--as", "json")[1]]
    if None in docs:
        return
    for d in docs[1:]:
        check(d["logical"]["id"] == docs[0]["logical"]["id"], f"{d['format']}: logical.id differs from CSV's")
        check(d["schema"]["id"] == docs[0]["schema"]["id"], f"{d['format']}: schema.id differs from CSV's")
        check([c["type"] for c in d["columns"]] == ["int", "float", "float"], f"{d['format']}: types {d['columns']}")
    r = run("diff", os.path.join(TMP, "v.csv"), os.path.join(TMP, "v.jsonl"))
    check(r.returncode == 0, "diff v.csv v.jsonl: " + r.stdout.decode(errors="replace"))
    # 1e400 reads as +infinity in both, as pandas and Python's json read it
    ovf = docs[0]["columns"][2]["profile"]
    check(ovf.get("non_finite") == {"nan": 0, "inf": 2, "-inf": 1}, f"non_finite {ovf.get('non_finite')}")


def latin1():
    whole = b"name,city\nJos\xe9,M\xfcnchen\nAnn,Paris\nAnn,Rome\nZo\xeb,K\xf6ln\nBo,\xe9\n"
    lines = whole.split(b"\n")
    p = put("l1.csv", whole)
    p1 = put("l1a.csv", b"\n".join(lines[:3]) + b"\n")
    p2 = put("l1b.csv", b"\n".join([lines[0]] + lines[3:]))
    out, d = doc(p)
    if d is None:
        return
    name, city = d["columns"]
    check(name["profile"]["max"] == "Zo\ufffd" and name["profile"]["max_hex"] == "5a6feb", f"max {name['profile']}")
    check(city["profile"]["min"] == "K\ufffdln" and city["profile"]["min_hex"] == "4bf66c6e", f"min {city['profile']}")
    check("min_hex" not in name["profile"], "min_hex only for bytes that are not UTF-8")
    hexes = {}
    for row in d["profile"]["sample"]:
        for k, h in row.get("values_hex", {}).items():
            v = row["values"][int(k)]
            check(v == bytes.fromhex(h).decode("utf-8", errors="replace").replace("\ufffd", "\ufffd"), f"{v} vs {h}")
            hexes[h] = v
    check(set(hexes) == {"4a6f73e9", "4dfc6e6368656e", "5a6feb", "4bf66c6e", "e9"}, f"values_hex {sorted(hexes)}")
    r = run("diff", out, p)
    check(r.returncode == 0, "diff saved latin-1 document vs its file: " + r.stderr.decode(errors="replace"))
    m = os.path.join(TMP, "l1m.json")
    r = run("merge", "-o", m, out)
    check(r.returncode == 0, "merge of the latin-1 document: " + r.stderr.decode(errors="replace"))
    if r.returncode == 0:
        md = json.load(open(m, encoding="utf-8"))
        check([c["profile"] for c in md["columns"]] == [c["profile"] for c in d["columns"]], "merge of one: profiles")
        check(md["profile"]["sample"] == d["profile"]["sample"], "merge of one: sample")
    a, _ = doc(p1)
    b, _ = doc(p2)
    r = run("merge", "-o", m, a, b)
    check(r.returncode == 0, "merge of latin-1 shards: " + r.stderr.decode(errors="replace"))
    if r.returncode == 0:
        md = json.load(open(m, encoding="utf-8"))
        for x, y in zip(md["columns"], d["columns"]):
            check(x["profile"] == y["profile"], f"merged shards: profile of {y['name']}")
        check(md["profile"]["sample"] == d["profile"]["sample"], "merged shards: sample")
        check(md["logical"]["unordered"] == d["logical"]["unordered"], "merged shards: logical.unordered")


def bigints():
    # integers beyond 2^53 that no double holds, counted exactly: min, max
    # and the order-statistic quantiles are the values themselves, and a
    # merge of shards gives the same (the counted pairs are the state)
    body = ["9007199254740993", "9007199254740993", "9007199254740992", "-9007199254740995", "0",
            "9223372036854775807"]
    p = put("bi.csv", ("v\n" + "\n".join(body) + "\n").encode())
    p1 = put("bi1.csv", ("v\n" + "\n".join(body[:3]) + "\n").encode())
    p2 = put("bi2.csv", ("v\n" + "\n".join(body[3:]) + "\n").encode())
    out, d = doc(p)
    if d is None:
        return
    pr = d["columns"][0]["profile"]
    # (as frequent writes them: integers, their digits as a string past 18 digits)
    check(pr["min"] == -9007199254740995 and pr["max"] == "9223372036854775807", f"exact min/max {pr['min']} {pr['max']}")
    # (with n = 6 every reported quantile but p50's interpolates, in doubles
    # as numpy does; exact order statistics are checked on bi3.csv below)
    a, _ = doc(p1)
    b, _ = doc(p2)
    m = os.path.join(TMP, "bim.json")
    r = run("merge", "-o", m, a, b)
    check(r.returncode == 0, "merge of big-integer shards")
    if r.returncode == 0:
        md = json.load(open(m, encoding="utf-8"))
        check(md["columns"][0]["profile"] == pr, "merged shards: big-integer profile")
    p = put("bi3.csv", b"v\n9007199254740993\n9007199254740993\n9007199254740992\n"
            b"123456789012345678901234567890\n-0\n")
    _, d = doc(p)
    if d is not None:
        pr = d["columns"][0]["profile"]
        check(pr["quantiles"]["p50"] == 9007199254740993 and pr["quantiles"]["p75"] == 9007199254740993,
              f"exact order statistics {pr['quantiles']}")
        check(pr["max"] == "123456789012345678901234567890" and pr["min"] == 0, f"min/max {pr['min']} {pr['max']}")


def bigints_many():
    # past exact counting (more than 256 distinct values): min and max stay
    # exact (kept beside their doubles), also through a merge in any order
    import random
    rng = random.Random(7)
    vals = [rng.randrange(-(1 << 62), 1 << 62) for _ in range(3000)]
    vals += [(1 << 62) + 1, (1 << 62) + 3, -(1 << 62) - 5, -(1 << 62) - 3]  # extremes that tie as doubles
    rng.shuffle(vals)
    p = put("bim.csv", ("v\n" + "\n".join(map(str, vals)) + "\n").encode())
    _, d = doc(p)
    if d is None:
        return
    pr = d["columns"][0]["profile"]
    want_min, want_max = min(vals), max(vals)
    check(int(pr["min"]) == want_min and int(pr["max"]) == want_max,
          f"exact min/max past exact counting: {pr['min']} {pr['max']} (want {want_min} {want_max})")
    half = len(vals) // 2
    p1 = put("bim1.csv", ("v\n" + "\n".join(map(str, vals[:half])) + "\n").encode())
    p2 = put("bim2.csv", ("v\n" + "\n".join(map(str, vals[half:])) + "\n").encode())
    a, _ = doc(p1)
    b, _ = doc(p2)
    for order in ((a, b), (b, a)):
        m = os.path.join(TMP, "bimm.json")
        r = run("merge", "-o", m, *order)
        md = json.load(open(m, encoding="utf-8")) if r.returncode == 0 else None
        check(md is not None and md["columns"][0]["profile"] == pr, "merged shards (either order): the same exact profile")


def long_literals():
    # numbers spelled with more than 400 characters are numbers too, in CSV
    # as in JSON Lines (they were strings in CSV, typed float or int, and in
    # JSON Lines too when integers): a long decimal is its nearest double, a
    # long integer its digits without leading zeros, a long exponent counts
    dec = "0." + "3" * 5000
    half = "1." + "0" * 15 + "11102230246251565404236316680908203125" + "0" * 800 + "1"  # just above a halfway
    rows = [(dec, "0" * 1000 + "5", "1e" + "0" * 1000 + "5"), (half, "-" + "0" * 500 + "7" * 600, "2.5")]
    csv = b"a,b,c\n" + b"".join((",".join(r) + "\n").encode() for r in rows)
    jl = b"".join(('{"a": %s, "c": %s, "b": %s}\n' % (r[0], r[2], b)).encode()
                  for r, b in zip(rows, ("5", "-" + "7" * 600)))  # (JSON has no leading zeros)
    short = b"a,b,c\n0.3333333333333333,5,100000\n1.0000000000000002,-" + ("7" * 600).encode() + b",2.5\n"
    docs = [doc(put("long.csv", csv))[1], doc(put("long.jsonl", jl))[1], doc(put("long-short.csv", short))[1]]
    if None in docs:
        return
    for d in docs:
        types = {c["name"]: c["type"] for c in d["columns"]}
        check(types == {"a": "float", "b": "int", "c": "float"}, f"{d['name']}: types {types}")
    check(len({d["logical"]["id"] for d in docs}) == 1,
          "numbers of more than 400 characters: CSV = JSON Lines = their short spellings")


def parquet_flba():
    # FIXED_LEN_BYTE_ARRAY columns: FLOAT16 is its exact value (as numpy's
    # float16, as float32); INTERVAL and raw bytes have no decided text
    # form and are refused naming their Parquet type (they were hashed as
    # byte strings holding NULs)
    import struct
    import numpy as np
    from tiny_parquet import flba_file
    v = np.array([1.5, -0.0, 65504, np.nan, 0.1, 6e-8, -np.inf], dtype="<f2")
    a = put("f16.parquet", flba_file("0", 2, [x.tobytes() for x in v], logical=15))
    b = os.path.join(TMP, "f16.npy")
    np.save(b, v)
    da, db = doc(a)[1], doc(b)[1]
    if da and db:
        check(da["logical"]["id"] == db["logical"]["id"] and da["schema"]["id"] == db["schema"]["id"],
              "Parquet FLOAT16 = the same numpy float16 array")
    for name, data, what in (("iv.parquet", flba_file("iv", 12, [struct.pack("<III", 1, 2, 3)], conv=21),
                              "FIXED_LEN_BYTE_ARRAY INTERVAL"),
                             ("raw.parquet", flba_file("r", 3, [b"abc"]), "FIXED_LEN_BYTE_ARRAY without a logical type")):
        r = run("fp", "--no-cache", put(name, data))
        err = r.stderr.decode(errors="replace")
        check(r.returncode == 2 and not r.stdout and err.count("\n") == 1 and f"Parquet type ({what}) are not supported" in err,
              f"{name}: refused naming its type ({r.returncode} {err.strip()})")


def errors():
    p = put("e.jsonl", b'{"x":1}\n{"x":2}\n{"\xc3\xa9":"\xc3\xa9", "x":Nope}\n')
    r = run("fp", "-q", p)
    msg = r.stderr.decode()
    check(r.returncode != 0 and "line 3, column 15: invalid JSON: expected a value, found 'N' (at byte 32)" in msg
          and msg.count("line") == 1, "one position in a JSON Lines error: " + msg)


def flat_lines():
    # JSON Lines: lines of scalars are scanned in place, any other line is
    # parsed as JSON; both read every value alike. The same rows with a
    # nested member added (which sends every line to the parser) give the
    # same column hashes, types and profiles.
    import random
    rnd = random.Random(7)
    nums = ["0", "-0", "-0.0", "0.0", "1.50", "-17", "32", "32.0", "0.1", "0.000001", "0.0000001", "123456.789",
            "9007199254740993", "-9223372036854775808", "9223372036854775808", "123456789012345678901234567890",
            "0.1000000000000000055511151231257827", "1.7976931348623157", "100000000000000000000000",
            "3.14159265358979323846", "-0.5", "1e5", "2E-3", "12.5e1", "NaN", "Infinity", "-Infinity", "1e400"]
    strs = ["", "a", " 32", "32", "1.50", "true", "FALSE", "nan", "inf", "null", "NA", "2024-02-29", "2023-02-29",
            "2024-01-01 10:00", "2024-01-01T10:00:00Z", "2024-01-01T10:00:00+02:00", r"caf\u00e9", "café", r'\"q\"',
            r"tab\tin", "x" * 300, "日本語", r"a\\b", r"\ud83d\ude00"]  # (JSON escapes: parsed lines)
    lits = ["true", "false", "null"]
    flat, nested = [], []
    for i in range(3000):
        cells = []
        for c in range(6):
            k = rnd.random()
            if k < 0.45:
                v = rnd.choice(nums)
            elif k < 0.85:
                v = '"' + rnd.choice(strs) + '"'
            else:
                v = rnd.choice(lits)
            cells.append(f'"c{c}": {v}')
        if i % 50 == 7:
            cells.append('"c1": 5')  # a repeated key: an error either way, so not in these files
            cells.pop()
        line = "{" + ", ".join(cells) + "}"
        flat.append(line)
        nested.append(line[:-1] + ', "zz": [0]}')
    a = put("flat.jsonl", ("\n".join(flat) + "\n").encode())
    b = put("nested.jsonl", ("\n".join(nested) + "\n").encode())
    for th in ("1", "2"):
        _, da = doc(a, "--threads", th)
        _, db = doc(b, "--threads", th)
        if not da or not db:
            return
        ca = {c["name"]: c for c in da["columns"]}
        cb = {c["name"]: c for c in db["columns"] if c["name"] != "zz"}
        check(ca.keys() == cb.keys(), f"flat vs parsed lines: the same columns ({th} threads)")
        for name in ca:
            x, y = ca[name], cb.get(name, {})
            check(x.get("hash") == y.get("hash") and x.get("type") == y.get("type") and x.get("nulls") == y.get("nulls"),
                  f"flat vs parsed lines, column {name}: the same hashes and type ({th} threads)")
            px, py = dict(x.get("profile", {})), dict(y.get("profile", {}))
            check(px == py, f"flat vs parsed lines, column {name}: the same profile ({th} threads)")
    # a repeated key is an error on either path, with its position
    p = put("dup.jsonl", b'{"a": 1, "b": 2}\n{"a": 1, "a": 2}\n')
    r = run("fp", "-q", p)
    check(r.returncode == 2 and b"line 2" in r.stderr and b"duplicate key" in r.stderr,
          "a repeated key in a flat line: the parser's error: " + r.stderr.decode(errors="replace"))


same_values()
flat_lines()
latin1()
bigints()
bigints_many()
long_literals()
parquet_flba()
errors()
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
