#!/usr/bin/python3
"""An independent implementation of the table rules of
docs/fingerprint-format.md section 12 (table-logical-1 + whorl-value-1),
written from the document in Python, with b3sum (BLAKE3) and
python3-xxhash (XXH3-128) as the primitives: every id and hash whorl prints
for a few tables must equal what the document says they are.

Run by ctest with WHORL_BIN and WHORL_TMP set.
"""
import base64
import csv
import io
import json
import math
import os
import re
import struct
import subprocess
import sys

import xxhash

W = os.environ["WHORL_BIN"]
TMP = os.path.join(os.environ["WHORL_TMP"], "spec")
passed = failed = 0


def check(cond, msg):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL:", msg, flush=True)


KEY = None  # keyed mode: the 32-byte key, when set


def b3(data, key=None, length=32, derive=None):
    """BLAKE3 by b3sum: plain, keyed (key on stdin, data from a file) or
    derive_key."""
    if key is not None:
        p = os.path.join(TMP, "b3in")
        with open(p, "wb") as f:
            f.write(data)
        cmd = ["b3sum", "--no-names", "--keyed", "-l", str(length), p]
        out = subprocess.run(cmd, input=key, capture_output=True, check=True).stdout
    else:
        cmd = ["b3sum", "--no-names", "-l", str(length)] + (["--derive-key", derive] if derive else [])
        out = subprocess.run(cmd, input=data, capture_output=True, check=True).stdout
    return bytes.fromhex(out.split()[0].decode())


def kb3(data):
    """The table rules' BLAKE3: keyed in keyed mode."""
    return b3(data, key=KEY)


def u64(n):
    return struct.pack("<Q", n)


# ---- whorl-value-1: canonical bytes and types (section 12.2, 12.3) ----

NUM = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
INT = re.compile(r"^[+-]?\d+$")
DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
TS = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}(?::?\d{2})?)?$")


def js_number(x):
    """ECMAScript Number::toString for a finite double."""
    if x == 0:
        return "0"
    r = repr(x)  # shortest round trip digits
    neg = r.startswith("-")
    r = r.lstrip("-")
    m = re.match(r"^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$", r)
    ip, fp, ex = m.group(1), m.group(2) or "", int(m.group(3) or 0)
    digits = (ip + fp).lstrip("0")
    lead = len(ip + fp) - len((ip + fp).lstrip("0"))
    digits = digits.rstrip("0") or "0"
    n = len(ip) + ex - lead  # value = 0.digits * 10^n
    k = len(digits)
    if k <= n <= 21:
        s = digits + "0" * (n - k)
    elif 0 < n <= 21:
        s = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        s = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        s = digits[0] + ("." + digits[1:] if k > 1 else "") + "e" + ("+" if e >= 0 else "-") + str(abs(e))
    return ("-" if neg else "") + s


def real_day(y, m, d):
    mdays = [31, 29 if (y % 4 == 0 and y % 100 != 0) or y % 400 == 0 else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    return 1 <= m <= 12 and 1 <= d <= mdays[m - 1]


def canon(text, quoted):
    """(canonical bytes, type) of one text cell."""
    if text == "":
        return (b"S", "string") if quoted else (b"N", "null")
    low = text.lower()
    if low in ("true", "false"):
        return (b"B1" if low == "true" else b"B0"), "bool"
    if NUM.match(text):
        if INT.match(text):
            neg = text.startswith("-")
            d = text.lstrip("+-").lstrip("0") or "0"
            return ("D" + ("-" if neg and d != "0" else "") + d).encode(), "int"
        return ("D" + js_number(float(text))).encode(), "float"
    if low.lstrip("+-") in ("nan", "inf", "infinity"):
        if "nan" in low:
            return b"FN", "float"
        return (b"F-" if text.startswith("-") else b"F+"), "float"
    m = DATE.match(text)
    if m and real_day(int(m.group(1)), int(m.group(2)), int(m.group(3))):
        return ("S" + text).encode(), "date"
    m = TS.match(text)
    if m and real_day(int(m.group(1)), int(m.group(2)), int(m.group(3))):
        import datetime
        y, mo, d, hh, mi = (int(m.group(i)) for i in range(1, 6))
        ss = int(m.group(6) or 0)
        frac = (m.group(7) or "").rstrip("0")
        zone = m.group(8)
        t = datetime.datetime(y, mo, d, hh, mi, ss)
        if zone and zone != "Z":
            sign = -1 if zone[0] == "-" else 1
            z = zone[1:].replace(":", "")
            off = int(z[:2]) * 60 + (int(z[2:4]) if len(z) > 2 else 0)
            t -= sign * datetime.timedelta(minutes=off)
        s = "T" + t.strftime("%Y-%m-%dT%H:%M:%S") + ("." + frac if frac else "") + ("Z" if zone else "")
        return s.encode(), "timestamp"
    return ("S" + text).encode(), "string"


def join(a, b):
    if a == b or b == "null":
        return a
    if a == "null":
        return b
    if {a, b} == {"int", "float"}:
        return "float"
    if {a, b} == {"date", "timestamp"}:
        return "timestamp"
    return "string"


def leb128(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def h128(data):
    if KEY:  # keyed XXH3 (a secret): python3-xxhash cannot; those sums are not checked
        return 0, 0
    v = xxhash.xxh3_128(data).intdigest()
    return v & (2**64 - 1), v >> 64  # (low64, high64)


# ---- table-logical-1 (section 12.4) ----


def fingerprint(names, rows):
    """rows: lists of (text, quoted). Returns the expected document parts."""
    M = 2**64
    cols = []
    for ci, name in enumerate(names):
        stream, s, count, nulls, typ, nullable = bytearray(b"whorl-column-1\0"), 0, 0, 0, "null", False
        for r in rows:
            c, t = canon(*r[ci])
            stream += leb128(len(c)) + c
            lo, hi = h128(c)
            s = (s + (hi << 64 | lo)) % 2**128
            count += 1
            if t == "null":
                nulls += 1
                nullable = True
            typ = join(typ, t)
        ordered = kb3(bytes(stream))
        sum16 = s.to_bytes(16, "little")
        unordered = kb3(b"whorl-column-unordered-1\0" + u64(count) + sum16)
        k = kb3(b"whorl-row-weight-1\0" + name.encode())[:16]
        klo, khi = struct.unpack("<QQ", k)
        cols.append(dict(name=name, type=typ, nullable=nullable, nulls=nulls, ordered=ordered, unordered=unordered,
                         sum=sum16, klo=klo | 1, khi=khi | 1))
    row_sum, row_hashes = 0, []
    for r in rows:
        alo = ahi = 0
        for ci, c in enumerate(cols):
            cb, t = canon(*r[ci])
            if t == "null":
                continue
            lo, hi = h128(cb)
            alo = (alo + c["klo"] * lo) % M
            ahi = (ahi + c["khi"] * hi) % M
        lo, hi = h128(u64(alo) + u64(ahi))
        row_hashes.append((lo, hi))
        row_sum = (row_sum + (hi << 64 | lo)) % 2**128
    order = sorted(cols, key=lambda c: (c["name"].encode(), c["ordered"]))
    rs16 = row_sum.to_bytes(16, "little")
    lid = b"whorl-table-logical-1\0" + u64(len(rows)) + u64(len(cols))
    for c in order:
        lid += u64(len(c["name"].encode())) + c["name"].encode() + c["ordered"]
    uid = b"whorl-table-unordered-1\0" + u64(len(rows)) + u64(len(cols))
    for c in order:
        uid += u64(len(c["name"].encode())) + c["name"].encode()
    uid += rs16
    sid = b"whorl-table-schema-1\0" + u64(len(cols))
    for c in order:
        sid += u64(len(c["name"].encode())) + c["name"].encode() + u64(len(c["type"])) + c["type"].encode()
        sid += bytes([1 if c["nullable"] else 0])
    return dict(id=kb3(lid).hex(), unordered=kb3(uid).hex(), row_sum=rs16.hex(), schema=b3(sid).hex(), cols=cols,
                row_hashes=row_hashes)


# ---- row tables, profile.rows (docs/profile.md, "row-iblt-3") ----

M64 = 2**64


def mix64(x):  # splitmix64's finalizer
    x ^= x >> 30
    x = (x * 0xBF58476D1CE4E5B9) % M64
    x ^= x >> 27
    x = (x * 0x94D049BB133111EB) % M64
    return x ^ (x >> 31)


def ctz64(x):
    return (x & -x).bit_length() - 1 if x else 64


def vweight(lo, hi):
    x = lo ^ ((hi * 0x9FB21C651E98DF25) % M64) ^ 0x2545F4914F6CDD1D
    x ^= x >> 31
    x = (x * 0xD6E8FEB86659FD93) % M64
    x ^= x >> 32
    return x | 1


def cell_index(lo, hi, j, m):
    q = m // 3
    h = mix64(hi ^ ((0x51ED270B27B5D3A1 * (j + 1)) % M64)) ^ lo
    return j * q + (mix64(h) & (q - 1))


def iblt_cells(m, elems, vs=None):
    """elems: (klo, khi, idx); K = 3 subtables of m / 3 cells; vs: the rows'
    positional values (or None: no positional sums)."""
    q = m // 3
    cells = [[0, 0, 0, 0, 0, 0, 0] for _ in range(m)]
    for e, (lo, hi, idx) in enumerate(elems):
        v = vs[e] if vs else 0
        vw = (v * vweight(lo, hi)) % M64
        chk = mix64(lo ^ mix64((hi + 0x9E3779B97F4A7C15) % M64))
        for j in range(3):
            h = mix64(hi ^ ((0x51ED270B27B5D3A1 * (j + 1)) % M64)) ^ lo
            c = cells[j * q + (mix64(h) & (q - 1))]
            c[0] += 1
            c[1] = (c[1] + lo) % M64
            c[2] = (c[2] + hi) % M64
            c[3] = (c[3] + idx) % M64
            c[4] = (c[4] + chk) % M64
            c[5] = (c[5] + v) % M64
            c[6] = (c[6] + vw) % M64
    width = 7 if vs else 5
    out = bytearray(leb128(m) + leb128(1 if vs else 0))
    i = 0
    empty = [0] * width
    while i < m:
        if cells[i][:width] == empty:
            run = 1
            while i + run < m and cells[i + run][:width] == empty:
                run += 1
            out += b"\0" + leb128(run)
            i += run
            continue
        n = cells[i][0]
        out += b"\1" + leb128((n << 1) ^ (n >> 63)) + struct.pack("<" + "Q" * (width - 1), *cells[i][1:width])
        i += 1
    return base64.b64encode(bytes(out)).decode()


def row_tables(row_hashes):
    # positional values: offset from the last anchor row at or before, and its
    # tag << 48 (from row 0, tag 0 before the first); only while every anchor
    # is listed (L = 0); "lead": the rows before the first anchor, per cell
    vs, pos, tag, lead = [], None, 0, {}
    for i, (lo, hi) in enumerate(row_hashes):
        if ctz64(lo) >= 4:
            pos, tag = i, hi >> 48
        if pos is None:
            vs.append(i)
            for j in range(3):
                c = cell_index(lo, hi, j, 3072)
                n, w = lead.get(c, (0, 0))
                lead[c] = (n + 1, (w + vweight(lo, hi)) % M64)
        else:
            vs.append((i - pos) | (tag << 48))
    strata = []
    for z in range(16):
        strata.append(iblt_cells(48, [(lo, hi, 0) for lo, hi in row_hashes if min(ctz64(hi) if hi else 63, 15) == z]))
    anchors = [(i, ctz64(lo) - 4, hi >> 48) for i, (lo, hi) in enumerate(row_hashes) if ctz64(lo) >= 4]
    L = 0
    while sum(1 for a in anchors if a[1] >= L) > 8192:
        L += 1
    kept = [a for a in anchors if a[1] >= L]
    out, prev = bytearray(leb128(L) + leb128(len(kept))), 0
    for i, lv, tg in kept:
        out += leb128(i - prev) + leb128(lv) + leb128(tg)
        prev = i
    iblt = iblt_cells(3072, [(lo, hi, i) for i, (lo, hi) in enumerate(row_hashes)], vs if L == 0 else None)
    ld = None
    if L == 0:
        lb, prev = bytearray(leb128(len(lead))), 0
        for c in sorted(lead):
            lb += leb128(c - prev) + leb128(lead[c][0]) + struct.pack("<Q", lead[c][1])
            prev = c
        ld = base64.b64encode(bytes(lb)).decode()
    return iblt, strata, base64.b64encode(bytes(out)).decode(), ld


TABLES = {
    "mixed.csv": "id,name,price,when,ok,day\n"
                 "1,ann,2.50,2024-01-02 03:04,true,2024-02-29\n"
                 "007,\"b,c\",-0.0,2024-01-02T01:04:05.120+02:00,FALSE,\n"
                 "3,,1e3,2023-12-31T23:30:00-01:00,True,1999-12-31\n"
                 "-4,d\xe9j\xe0,0.000001,2024-01-02 03:04:05Z,,2000-01-01\n"
                 "12345678901234567890,x,123456789.125,,false,2024-03-01\n",
    "floats.csv": "a,b\n0.1,1e21\n0.30000000000000004,1E-7\n-1.5e-7,123456789012345680000\nnan,-inf\n",
    # enough rows for every stratum, and for more than 4,096 anchors (L > 0)
    "many.csv": "i,v,s\n" + "".join(f"{i},{(i * 7919) % 1000},s{i % 37}\n" for i in range(140000)),
    "some.csv": "i,v\n" + "".join(f"{i},{(i * 31) % 97}\n" for i in range(5000)),
}


def compare(fname, text, extra):
    path = os.path.join(TMP, fname)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    r = subprocess.run([W, "fp", "--no-cache", "--json", *extra, path], capture_output=True, text=True)
    check(r.returncode == 0, f"{fname}: whorl reads it ({r.stderr.strip()})")
    if r.returncode:
        return
    doc = json.loads(r.stdout)
    # the cells, with "quoted" known: none of these tables quotes an empty field
    rd = list(csv.reader(io.StringIO(text)))
    names, body = rd[0], rd[1:]
    rows = [[(v, False) for v in row] for row in body]
    want = fingerprint(names, rows)
    tag = fname + (" (keyed)" if KEY else "")
    check(doc["rows"] == len(rows), f"{tag}: rows")
    check(doc["logical"]["id"] == want["id"], f"{tag}: logical.id {doc['logical']['id']} != {want['id']}")
    check(doc["id"] == want["id"], f"{tag}: id")
    if not KEY:
        check(doc["logical"]["unordered"] == want["unordered"], f"{tag}: logical.unordered")
        check(doc["logical"]["row_sum"] == want["row_sum"], f"{tag}: logical.row_sum")
        rt = doc["profile"]["rows"]
        iblt, strata, anchors, lead = row_tables(want["row_hashes"])
        check(rt["rules"] == "row-iblt-4" and rt["cells"] == 3072, f"{tag}: row table rules")
        check(rt.get("lead") == lead, f"{tag}: profile.rows.lead")
        check(rt["iblt"] == iblt, f"{tag}: profile.rows.iblt as docs/profile.md says")
        check(rt["strata"] == strata, f"{tag}: profile.rows.strata")
        check(rt["anchors"] == anchors, f"{tag}: profile.rows.anchors")
    check(doc["schema"]["id"] == want["schema"], f"{tag}: schema.id")
    for got, exp in zip(doc["columns"], want["cols"]):
        n = exp["name"]
        check(got["name"] == n, f"{tag}: column name {n}")
        check(got["type"] == exp["type"], f"{tag}: {n}: type {got['type']} != {exp['type']}")
        check(got["nullable"] == exp["nullable"] and got["nulls"] == exp["nulls"], f"{tag}: {n}: nulls")
        check(got["hash"]["ordered"] == exp["ordered"].hex(), f"{tag}: {n}: ordered hash")
        if not KEY:
            check(got["hash"]["unordered"] == exp["unordered"].hex(), f"{tag}: {n}: unordered hash")
            check(got["hash"]["sum"] == exp["sum"].hex(), f"{tag}: {n}: sum")
    return doc


def main():
    global KEY
    os.makedirs(TMP, exist_ok=True)
    for fname, text in TABLES.items():
        compare(fname, text, [])
    # keyed mode (section 12.5): key = derive_key(context, file bytes);
    # key_id = first 8 bytes of keyed BLAKE3 of "whorl-key-id-1" (with its
    # NUL); the column streams, logical.id and row weights use keyed BLAKE3
    # (checked here); the XXH3 sums use a secret python3-xxhash cannot take
    # (not checked here: the unit tests show they change with the key)
    keyfile = os.path.join(TMP, "secret.key")
    with open(keyfile, "wb") as f:
        f.write(b"correct horse battery staple\n")
    KEY = b3(open(keyfile, "rb").read(), derive="whorl 2026 table key-file v1")
    for fname, text in TABLES.items():
        doc = compare(fname, text, ["--key-file", keyfile])
        if doc:
            check(doc["logical"]["key_id"] == b3(b"whorl-key-id-1\0", key=KEY, length=8).hex(), f"{fname}: key_id")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
