#!/usr/bin/python3
"""Model fingerprints (issue 5, "Tests").

Files are written during the test by Debian's python3-torch (torch.save)
and numpy (numpy.savez), and by small independent writers of the
safetensors and GGUF layouts (struct + json, from the format specs); the
real files in ../shared/fixtures/models are read too. Checks:
  - the same tensors have the same weights.root in .pt, .npz, .safetensors,
    GGUF (same type) and sharded differently;
  - one changed weight changes exactly one tensor hash; renamed tensors,
    another dtype or shape change architecture.id; config key order and
    whitespace do not change config.id;
  - a crafted malicious pickle is flagged (exit 1) and nothing in it runs;
  - stats agree with numpy; bad files fail with exit 2 and a clear line.
Run by ctest with WHORL_BIN, WHORL_SRC and WHORL_TMP set.
"""
import json
import os
import shutil
import struct
import subprocess
import sys
import zipfile

import numpy as np

W = os.environ["WHORL_BIN"]
SRC = os.environ["WHORL_SRC"]
TMP = os.path.join(os.environ["WHORL_TMP"], "models")
FIX = os.path.join(SRC, "..", "shared", "fixtures", "models")
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


def fp(path, *opts, want_rc=0):
    rc, out, err = run("fp", "--no-cache", "--json", *opts, path)
    check(rc == want_rc, f"fp {path} {opts}: exit {rc}, want {want_rc} ({err.strip()[:300]})")
    return json.loads(out) if out.strip() else None


def write_with_torch(name, script):
    """Runs a writer script (Debian's Python with torch) in a new folder
    TMP/name; returns the folder, or None after a failed check."""
    R = os.path.join(TMP, name)
    os.makedirs(R)
    w = os.path.join(TMP, name + "_writer.py")
    with open(w, "w") as f:
        f.write(script)
    r = subprocess.run(["/usr/bin/python3", w, R], capture_output=True, text=True)
    check(r.returncode == 0, f"{name} writer: {r.stderr[-300:]}")
    return None if r.returncode else R


def hashes(d):
    return {t["name"]: t["hash"] for t in d["tensors"]}


ST_DTYPES = {np.dtype("float32"): "F32", np.dtype("float16"): "F16", np.dtype("float64"): "F64",
             np.dtype("int64"): "I64", np.dtype("int32"): "I32", np.dtype("uint8"): "U8", np.dtype("int8"): "I8",
             np.dtype("bool"): "BOOL"}


def write_safetensors(path, arrays, metadata=None, order=None, pad=0):
    """safetensors per its README: u64 header length, JSON header, data."""
    names = order or sorted(arrays)
    header, blobs, off = {}, [], 0
    for n in names:
        a = np.ascontiguousarray(arrays[n])
        b = a.astype(a.dtype.newbyteorder("<")).tobytes()
        header[n] = {"dtype": ST_DTYPES[a.dtype], "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    if metadata:
        header["__metadata__"] = metadata
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8 + pad)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def gguf_str(s):
    b = s if isinstance(s, bytes) else s.encode()
    return struct.pack("<Q", len(b)) + b


def write_gguf(path, arrays, meta, version=3):
    """GGUF per ggml's docs/gguf.md: F32 tensors, dims fastest first."""
    kv = b""
    for k, v in meta.items():
        if isinstance(v, (str, bytes)):
            kv += gguf_str(k) + struct.pack("<I", 8) + gguf_str(v)
        elif isinstance(v, float):
            kv += gguf_str(k) + struct.pack("<If", 6, v)
        elif isinstance(v, list):
            kv += gguf_str(k) + struct.pack("<IIQ", 9, 8, len(v)) + b"".join(gguf_str(x) for x in v)
        else:
            kv += gguf_str(k) + struct.pack("<Ii", 5, v)
    infos, data, off = b"", b"", 0
    for n, a in arrays.items():
        if isinstance(a, tuple):  # (ggml type, shape, the blocks as stored)
            gt, shape, b = a
        else:
            a = np.ascontiguousarray(a, dtype=np.float32)
            gt, shape, b = 0, a.shape, a.tobytes()
        dims = list(reversed(shape))
        infos += gguf_str(n) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims)
        infos += struct.pack("<IQ", gt, off)
        b += b"\0" * ((32 - len(b) % 32) % 32)
        data += b
        off += len(b)
    head = b"GGUF" + struct.pack("<IQQ", version, len(arrays), len(meta)) + kv + infos
    head += b"\0" * ((32 - len(head) % 32) % 32)
    with open(path, "wb") as f:
        f.write(head + data)


TORCH_WRITER = r'''
import sys, torch, numpy as np
out, mode = sys.argv[1], sys.argv[2]
torch.manual_seed(0)
g = np.random.default_rng(7)
sd = {
  "embed.weight": torch.tensor(g.standard_normal((16, 8)), dtype=torch.float32),
  "layer.0.weight": torch.tensor(g.standard_normal((8, 8)), dtype=torch.float32),
  "layer.0.bias": torch.zeros(8, dtype=torch.float32),
  "layer.1.weight": torch.tensor(g.standard_normal((4, 8)), dtype=torch.float16),
  "steps": torch.arange(5, dtype=torch.int64),
  "mask": torch.tensor([True, False, True]),
}
if mode == "transposed":   # a non-contiguous view, saved as it is
  base = torch.tensor(g.standard_normal((8, 16)), dtype=torch.float32)
  sd["embed.weight"] = base.t()
  assert not sd["embed.weight"].is_contiguous()
if mode == "param":
  sd = {k: torch.nn.Parameter(v, requires_grad=False) if v.is_floating_point() else v for k, v in sd.items()}
if mode == "nested":
  sd = {"model": sd, "epoch": 3, "lr": 0.001, "name": "demo"}
if mode == "legacy":
  torch.save(sd, out, _use_new_zipfile_serialization=False)
else:
  torch.save(sd, out)
np.savez(out + ".npz", **{k: v.detach().numpy() for k, v in (sd["model"] if mode == "nested" else sd).items()})
'''

REVIEW_WRITER = r"""
import collections, math, os, sys, numpy as np, torch
out = sys.argv[1]
os.chdir(out)
sd = collections.OrderedDict(w=torch.arange(6, dtype=torch.float32).reshape(2, 3), b=torch.ones(2))
torch.save(sd, "plain.pt")
class Sys:
    def __reduce__(self): return (os.system, ("touch " + os.path.join(out, "PWNED"),))
d = collections.OrderedDict(sd); d["evil"] = Sys()
torch.save(d, "os_system.pt")
class Net(torch.nn.Module):
    def __init__(self):
        super().__init__(); self.fc = torch.nn.Linear(4, 2); self.register_buffer("running", torch.zeros(2))
class Scratch(Net):
    def __init__(self):
        super().__init__(); self.register_buffer("scratch", torch.ones(3), persistent=False)
torch.save(Scratch(), "scratch.pt")
torch.manual_seed(1); torch.save(Net(), "module1.pt")
torch.manual_seed(2); torch.save(Net(), "module2.pt")
torch.manual_seed(1); torch.save(Net().state_dict(), "sd1.pt")
torch.save({"q": torch.quantize_per_tensor(torch.tensor([0.1, 0.2, 0.3, 0.4]), 0.1, 0, torch.qint8)}, "quant1.pt")
torch.save({"q": torch.quantize_per_tensor(torch.tensor([0.1, 0.2, 0.3, 0.5]), 0.1, 0, torch.qint8)}, "quant2.pt")
torch.save({"s": torch.tensor([[0., 1.], [2., 0.]]).to_sparse()}, "sparse.pt")
w = torch.ones(2)
torch.save({"w": w, "best_acc": np.float64(0.93), "step": np.int64(10)}, "np_a.pt")
torch.save({"w": w, "best_acc": np.float64(0.11), "step": np.int64(99)}, "np_b.pt")
torch.save({"w": w, "dev": torch.device("cuda", 0), "dtype": torch.float16, "set": {2, 1}, "b": b"xy", "nan": math.nan,
            "inf": -math.inf, "cplx": complex(1.5, -2), "big": 2**70, "neg": -2**70, "f16": np.float16(0.5), "flag": np.bool_(True)}, "misc.pt")
"""


PICKLE_WRITER = r"""
import os, struct, sys, zipfile, torch
os.chdir(sys.argv[1])
torch.save({"w": torch.ones(2), "vocab": ["tok%d" % i for i in range(250000)]}, "vocab.pt")
torch.save({"w": torch.ones(2), "vocab": ["tok%d" % i for i in range(250000)] + ["x"]}, "vocab2.pt")
torch.save({"a": [1] * 5000, "e": 1}, "notensor_e1.pt")
torch.save({"a": [1] * 5000, "e": 2}, "notensor_e2.pt")
torch.save({"a": [1] * 3000, "b": [2] * 3000}, "notensor_two.pt")
torch.save({"w": torch.ones(2), "hist": [{"loss": 1.0 / (i + 1), "step": i} for i in range(80000)]}, "history.pt")
torch.save({"cfg": {"lr": 0.001}, "cfg.lr": 0.5}, "shadow_a.pt")
torch.save({"cfg": {"lr": 100}, "cfg.lr": 0.5}, "shadow_b.pt")
torch.save({"a": {"b": torch.ones(2)}, "a.b": torch.zeros(2)}, "tshadow.pt")
torch.save({"x": 1, "w": torch.ones(2)}, "int1.pt")
torch.save({"x": 1.0, "w": torch.ones(2)}, "float1.pt")
torch.save({"x": True, "w": torch.ones(2)}, "true1.pt")
torch.save({"w": torch.arange(4.)}, "plain.pt")
ents = [(n, zipfile.ZipFile("plain.pt").read(n)) for n in zipfile.ZipFile("plain.pt").namelist()]
def wz(path, entries):
    with zipfile.ZipFile(path, "w") as zo:
        for n, b in entries: zo.writestr(n, b)
def with_pickle(pk): return [(n, pk if n.endswith("/data.pkl") else b) for n, b in ents]
# billion laughs through the memo: L0 = [1], Li = [L(i-1), L(i-1)]
def laughs(levels, leaf):
    p = b"\x80\x02}X\x01\x00\x00\x00x]" + leaf + b"ar\x00\x00\x00\x000"
    for i in range(1, levels):
        p += b"](j" + struct.pack("<I", i - 1) + b"j" + struct.pack("<I", i - 1) + b"er" + struct.pack("<I", i) + b"0"
    return p + b"j" + struct.pack("<I", levels - 1) + b"s."
wz("laughs40.pt", with_pickle(laughs(40, b"K\x01")))
wz("laughs40b.pt", with_pickle(laughs(40, b"K\x02")))
# the same with a tensor at the bottom: 2^40 tensor names
tpk = zipfile.ZipFile("plain.pt").read([n for n, _ in ents if n.endswith("data.pkl")][0])
t0 = tpk.index(b"ctorch._utils")
tensor = tpk[t0:tpk.rindex(b"R") + 1]
wz("tlaughs40.pt", with_pickle(laughs(40, tensor)))
wz("cycle.pt", with_pickle(b"\x80\x02}X\x01\x00\x00\x00x]r\x00\x00\x00\x00h\x00as."))
ver = lambda v: [(n, v if n.endswith("/version") else b) for n, b in ents]
wz("ver_99.pt", ver(b"99\n"))
wz("ver_junk.pt", ver(b"abc\n"))
wz("ver_lead.pt", ver(b" +3abc"))  # std::stoull reads 3: torch loads it
wz("ver_missing.pt", [(n, b) for n, b in ents if not n.endswith("/version")])
wz("bo_junk.pt", ents + [(ents[0][0].split("/")[0] + "/byteorder", b"middle")])
wz("bo_big.pt", ents + [(ents[0][0].split("/")[0] + "/byteorder", b"big")])
wz("prefix_first.pt", [("x/version", b"3\n")] + ents)
"""


def pickle_review_checks():
    """A second review: big and memo-reused values in linear time, colliding
    dotted names, archive records torch refuses, numbers by value."""
    import time
    R = write_with_torch("pickle", PICKLE_WRITER)
    if not R:
        return
    P = lambda n: os.path.join(R, n)
    ck = lambda d: d["config"]["value"]["checkpoint"] if d else {}
    # 1. linear time; big containers without tensors are one hashed value
    t = time.time()
    v1 = fp(P("vocab.pt"))
    check(time.time() - t < 5, f"a list of 250,000 strings fingerprinted in {time.time() - t:.1f} s (was 38 s)")
    hv = ck(v1).get("vocab", {})
    check(hv.get("hashed") == "list" and hv.get("length") == 250000 and len(hv.get("blake3", "")) == 64,
          f"a 250,000-string list is one hashed value ({str(hv)[:120]})")
    v2 = fp(P("vocab2.pt"))
    check(v1 and v2 and v1["config"]["id"] != v2["config"]["id"] and v1["weights"]["root"] == v2["weights"]["root"],
          "one string more in the big list changes the config id")
    # a checkpoint without tensors: its root is never hashed whole, so its small keys keep their names
    n1, n2 = fp(P("notensor_e1.pt")), fp(P("notensor_e2.pt"))
    check(ck(n1).get("e") == 1 and ck(n1).get("a", {}).get("hashed") == "list" and ck(n1)["a"].get("length") == 5000,
          f"no tensors: the big list hashed under its name, the small key kept ({str(ck(n1))[:160]})")
    rc, out, err = run("diff", "--no-cache", P("notensor_e1.pt"), P("notensor_e2.pt"))
    check(rc == 1 and "/checkpoint/e: 1 -> 2" in out, f"no tensors: diff names the changed small key ({out.strip()[:200]})")
    check(len(ck(fp(P("notensor_two.pt")))) == 6000, "two lists of 3,000 (each under the limit): every value named")
    t = time.time()
    h = fp(P("history.pt"))
    check(time.time() - t < 5 and ck(h).get("hist", {}).get("hashed") == "list", "80,000 dicts: one hashed value, fast")
    t = time.time()
    l1, l2 = fp(P("laughs40.pt")), fp(P("laughs40b.pt"))
    check(time.time() - t < 5, f"billion laughs (2^40 leaves through the memo): fast ({time.time() - t:.1f} s)")
    check(l1 and l2 and l1["config"]["id"] != l2["config"]["id"], "billion laughs: the leaf's value counts")
    t = time.time()
    rc, out, err = run("fp", "--no-cache", P("tlaughs40.pt"))
    check(rc == 2 and "more than 1000000 names" in err and time.time() - t < 5,
          f"2^40 tensor names through the memo: a clear error, exit 2, fast ({rc}, {err.strip()[:200]})")
    rc, out, err = run("fp", "--no-cache", P("cycle.pt"))
    check(rc == 2 and "holds itself" in err, f"a list holding itself: exit 2, said ({err.strip()[:200]})")
    # 2. dotted names that collide both count
    a, b = fp(P("shadow_a.pt")), fp(P("shadow_b.pt"))
    check(ck(a).get("cfg.lr") == 0.001 and ck(a).get("cfg.lr#2") == 0.5, f"a colliding name gets #2 ({ck(a)})")
    check(a and b and a["config"]["id"] != b["config"]["id"], "cfg['lr'] beside a key 'cfg.lr': its change changes the config id")
    rc, out, err = run("diff", P("shadow_a.pt"), P("shadow_b.pt"))
    check(rc == 1 and "cfg.lr" in out, f"diff names the shadowed key ({out.strip()[:200]})")
    ts = fp(P("tshadow.pt"))
    check(ts and sorted(hashes(ts)) == ["a.b", "a.b#2"], f"colliding tensor names: both fingerprinted ({ts and sorted(hashes(ts))})")
    # 3. archive records torch refuses
    rc, out, err = run("fp", "--no-cache", P("ver_lead.pt"))
    check(rc == 0, f"a version record ' +3abc' reads as 3, as torch reads it ({err.strip()[:160]})")
    for f, msg in (("ver_99.pt", "versions 1 to 10"), ("ver_junk.pt", "does not start with a decimal integer"), ("ver_missing.pt", "version record"),
                   ("bo_junk.pt", "byteorder record"), ("prefix_first.pt", "outside the archive's folder")):
        rc, out, err = run("fp", "--no-cache", P(f))
        check(rc == 2 and msg in err and out == "", f"{f}: exit 2 naming the record ({rc}, {err.strip()[:200]})")
    big = fp(P("bo_big.pt"))
    check(big is not None, "byteorder 'big' is read")
    # 4. numbers compare by value (docs/model.md): 1 and 1.0 alike, True is not 1
    i1, f1, t1 = fp(P("int1.pt")), fp(P("float1.pt")), fp(P("true1.pt"))
    check(i1 and f1 and i1["config"]["id"] == f1["config"]["id"], "int 1 and float 1.0: the same number, the same config id")
    check(i1 and t1 and i1["config"]["id"] != t1["config"]["id"], "True is not 1")


def review_checks():
    """Findings of a review: unsafe code in the id, whole-module saves,
    quantized and sparse tensors, checkpoint values kept in the config, a
    folder's unfingerprinted pytorch_model.bin scanned, lock warns."""
    R = write_with_torch("review", REVIEW_WRITER)
    if not R:
        return
    P = lambda n: os.path.join(R, n)
    # 1. the payload is part of the id; diff names it; check never lets it through
    plain, evil = fp(P("plain.pt")), fp(P("os_system.pt"), want_rc=1)
    check(plain and evil and plain["id"] != evil["id"], "a trojaned checkpoint has another id than the clean one")
    check(evil and evil.get("unsafe_id") and all(len(u.get("pickle", "")) == 64 for u in evil["unsafe"]), "unsafe findings carry the pickle's hash; unsafe_id shown")
    check(plain and "unsafe_id" not in plain, "a clean checkpoint has no unsafe_id")
    rc, out, err = run("diff", P("plain.pt"), P("os_system.pt"))
    check(rc == 1 and "unsafe code (posix.system)" in out, f"diff: 'changed: ... unsafe code (posix.system)' ({out.strip()[:200]})")
    rc, out, err = run("diff", "--json", P("plain.pt"), P("os_system.pt"))
    dj = json.loads(out) if out.strip() else {}
    check("unsafe" in dj.get("model", {}).get("changed", []) and dj["model"].get("unsafe_changed", {}).get("added") == ["posix.system"],
          "diff --json: model.changed holds 'unsafe', unsafe_changed.added names posix.system")
    proj = os.path.join(R, "proj")
    os.makedirs(os.path.join(proj, "models"))
    mp = os.path.join(proj, "models", "model.pt")
    shutil.copy(P("plain.pt"), mp)
    pol = os.path.join(proj, "allow.yaml")
    with open(pol, "w") as f:
        f.write('rules:\n  - match: "models/*"\n    allow_unsafe: true\n')
    wrun = lambda *a: subprocess.run([W, *a], capture_output=True, text=True, cwd=proj)
    r = wrun("lock", "models/model.pt")
    check(r.returncode == 0 and "unsafe" not in r.stderr, f"lock of a clean model: no warning ({r.stderr.strip()[:200]})")
    shutil.copy(P("os_system.pt"), mp)
    r = wrun("check", "--no-cache", "--policy", pol)
    check(r.returncode == 1 and "unsafe pickle code changed: now posix.system" in r.stdout,
          f"check with allow_unsafe: a swapped-in payload fails ({r.stdout.strip()[:300]})")
    r = wrun("check", "--no-cache")
    check(r.returncode == 1 and "never allowed" in r.stdout and "would accept" not in r.stdout and "accepts only the findings locked" in r.stdout,
          f"check without allow_unsafe: a new payload is never said to be acceptable ({r.stdout.strip()[:400]})")
    r = wrun("lock", "models/model.pt")
    check(r.returncode == 0 and "warning" in r.stderr and "posix.system" in r.stderr, f"lock of an unsafe model: a warning naming posix.system ({r.stderr.strip()[:200]})")
    r = wrun("check", "--no-cache")
    check(r.returncode == 1 and "identical" not in r.stdout and "unchanged, but unsafe: posix.system" in r.stdout,
          f"check fails an unchanged unsafe model without calling it identical ({r.stdout.strip()[:300]})")
    r = wrun("check", "--no-cache", "--policy", pol)
    check(r.returncode == 0, f"check with allow_unsafe: the locked payload, unchanged, passes ({r.stdout.strip()[:300]})")
    check("identical; unsafe findings accepted by the policy (allow_unsafe): posix.system" in r.stdout,
          f"check with allow_unsafe: the accepted findings are named, not a bare 'identical' ({r.stdout.strip()[:300]})")
    check(not os.path.exists(P("PWNED")), "nothing in the pickles ran")
    # 2. whole-module saves: the state_dict's tensors; quantized and sparse tensors are never left out
    m1, m2, s1 = fp(P("module1.pt"), want_rc=1), fp(P("module2.pt"), want_rc=1), fp(P("sd1.pt"))
    check(m1 and s1 and sorted(hashes(m1)) == ["fc.bias", "fc.weight", "running"], f"torch.save(module): state_dict names ({m1 and sorted(hashes(m1))})")
    check(m1 and s1 and m1["weights"]["root"] == s1["weights"]["root"] and m1["architecture"]["id"] == s1["architecture"]["id"],
          "torch.save(module) = torch.save(module.state_dict()): same weights.root and architecture.id")
    sc = fp(P("scratch.pt"), want_rc=1)
    check(sc and sorted(hashes(sc)) == ["fc.bias", "fc.weight", "running", "scratch#non_persistent"],
          f"a non-persistent buffer (not in state_dict) is still fingerprinted, named apart ({sc and sorted(hashes(sc))})")
    check(m1 and m1["unsafe"] and any("Net" in u["finding"] for u in m1["unsafe"]), "a whole-module pickle stays flagged (it imports classes)")
    check(m1 and m2 and m1["weights"]["root"] != m2["weights"]["root"] and m1["id"] != m2["id"], "two whole modules with other weights differ")
    rc, out, err = run("diff", P("module1.pt"), P("module2.pt"))
    check(rc == 1 and "weights" in out, f"diff of two whole modules: weights changed ({out.strip()[:200]})")
    q1, q2 = fp(P("quant1.pt"), "--allow-unsafe-pickle"), fp(P("quant2.pt"), "--allow-unsafe-pickle")
    check(q1 and q2 and q1["tensors"] and q1["id"] != q2["id"], "quantized tensors: their bytes are in the id")
    sp = fp(P("sparse.pt"))
    check(sp and sorted(hashes(sp)) == ["s.indices", "s.values"] and sp["unsafe"] == [],
          "a sparse tensor: indices and values fingerprinted, not unsafe (torch's weights_only allows it)")
    # 3. checkpoint values kept in the config
    a, b = fp(P("np_a.pt")), fp(P("np_b.pt"))
    check(a and a["config"]["value"]["checkpoint"] == {"best_acc": 0.93, "step": 10}, f"numpy scalars: their numbers ({a and a['config']['value']})")
    check(a and b and a["id"] != b["id"] and a["config"]["id"] != b["config"]["id"], "numpy scalars changed: the config id changes")
    rc, out, err = run("diff", P("np_a.pt"), P("np_b.pt"))
    check(rc == 1 and "best_acc" in out and "0.11" in out, f"diff names the changed numpy scalar ({out.strip()[:200]})")
    mc = fp(P("misc.pt"))
    c = mc["config"]["value"]["checkpoint"] if mc else {}
    want = {"dev": {"torch.device": "cuda:0"}, "dtype": {"torch.dtype": "float16"}, "set": {"set": [1, 2]}, "b": {"bytes": "7879"},
            "nan": {"float": "nan"}, "inf": {"float": "-inf"}, "cplx": {"complex": [1.5, -2]}, "big": {"int": str(2**70)},
            "neg": {"int": str(-2**70)}, "f16": 0.5, "flag": True}
    for k, v in want.items():
        check(c.get(k) == v, f"checkpoint value {k}: {c.get(k)!r}, want {v!r}")
    # 4. a folder's pytorch_model.bin beside safetensors is scanned
    hf = os.path.join(R, "hf")
    os.makedirs(hf)
    with open(os.path.join(hf, "config.json"), "w") as f:
        json.dump({"model_type": "demo"}, f)
    write_safetensors(os.path.join(hf, "model.safetensors"), {"w": np.arange(6, dtype=np.float32)})
    clean = fp(hf)
    shutil.copy(P("os_system.pt"), os.path.join(hf, "pytorch_model.bin"))
    rc, out, err = run("fp", "--no-cache", "--json", hf)
    d = json.loads(out) if out.strip() else {}
    check(rc == 1 and "posix.system" in err and any("pytorch_model.bin" in u["where"] for u in d.get("unsafe", [])),
          f"folder: an unsafe pytorch_model.bin beside safetensors is reported, exit 1 ({err.strip()[:200]})")
    check(clean and d and clean["id"] != d["id"] and clean["weights"]["root"] == d["weights"]["root"], "folder: its findings change the id, not the weights")
    rc, out, err = run("fp", "--no-cache", "--allow-unsafe-pickle", hf)
    check(rc == 0 and "pytorch_model.bin" in out and "UNSAFE" in out, f"folder text output names the files not fingerprinted ({out.strip()[-300:]})")
    # a pickle in a subfolder (original/consolidated.pth, a diffusers unet/) or under
    # a name without a pickle extension is scanned too; a clean one leaves the id alone
    os.remove(os.path.join(hf, "pytorch_model.bin"))
    os.makedirs(os.path.join(hf, "original", "deep"))
    shutil.copy(P("plain.pt"), os.path.join(hf, "original", "deep", "consolidated.00.pth"))
    again = fp(hf)
    check(clean and again and clean["id"] == again["id"], "folder: a clean pickle in a subfolder does not change the id")
    shutil.copy(P("os_system.pt"), os.path.join(hf, "original", "deep", "consolidated.00.pth"))
    rc, out, err = run("fp", "--no-cache", "--json", hf)
    d = json.loads(out) if out.strip() else {}
    check(rc == 1 and any(u["where"].startswith("original/deep/consolidated.00.pth") for u in d.get("unsafe", [])),
          f"folder: an unsafe pickle in a subfolder is reported, exit 1 ({rc}, {err.strip()[:200]})")
    shutil.rmtree(os.path.join(hf, "original"))
    shutil.copy(P("os_system.pt"), os.path.join(hf, "rng_state.dat"))
    rc, out, err = run("fp", "--no-cache", "--json", hf)
    check(rc == 1 and "rng_state.dat" in err, f"folder: a torch.save archive under another name is scanned ({rc}, {err.strip()[:200]})")
    os.remove(os.path.join(hf, "rng_state.dat"))


def main():
    shutil.rmtree(TMP, ignore_errors=True)
    os.makedirs(TMP)
    w = os.path.join(TMP, "writer.py")
    with open(w, "w") as f:
        f.write(TORCH_WRITER)
    pt = {}
    for mode in ("plain", "transposed", "param", "nested", "legacy"):
        p = os.path.join(TMP, f"{mode}.pt")
        r = subprocess.run(["/usr/bin/python3", w, p, mode], capture_output=True, text=True)
        check(r.returncode == 0, f"torch.save ({mode}): {r.stderr[-300:]}")
        pt[mode] = p

    base = fp(pt["plain"])
    if base is None:
        return 1
    check(base["kind"] == "model" and base["format"] == "pytorch" and len(base["tensors"]) == 6, "a torch.save state dict: 6 tensors")
    check(base["unsafe"] == [], "torch.save's pickle is safe")
    # the same tensors in .npz (numpy.savez), safetensors, as Parameters, transposed-then-saved
    npz = fp(pt["plain"] + ".npz", "--model")
    check(npz and npz["weights"]["root"] == base["weights"]["root"], "numpy.savez of the same arrays: same weights.root")
    check(npz and npz["architecture"]["id"] == base["architecture"]["id"], "numpy.savez: same architecture.id")
    arrays = dict(np.load(pt["plain"] + ".npz"))
    st = os.path.join(TMP, "model.safetensors")
    write_safetensors(st, arrays, order=sorted(arrays, reverse=True), pad=24)
    sd = fp(st)
    check(sd and sd["weights"]["root"] == base["weights"]["root"], "safetensors (other order, padded header): same weights.root")
    par = fp(pt["param"])
    check(par and par["weights"]["root"] == base["weights"]["root"], "tensors saved as nn.Parameter: same weights.root")
    tr = fp(pt["transposed"])
    trz = fp(pt["transposed"] + ".npz", "--model")
    check(tr and trz and tr["weights"]["root"] == trz["weights"]["root"], "a non-contiguous (transposed) tensor: its C-order bytes, as numpy has them")
    nested = fp(pt["nested"])
    check(nested and sorted(hashes(nested)) == sorted("model." + k for k in hashes(base)), "a nested checkpoint: dotted names")
    check(nested and nested["config"]["value"].get("checkpoint") == {"epoch": 3, "lr": 0.001, "name": "demo"},
          "a checkpoint's non-tensor values go to the config")
    rc, out, err = run("fp", "--no-cache", pt["legacy"])
    check(rc == 2 and "legacy" in err and "legacy.pt" in err, f"legacy non-zip torch file: unsupported, exit 2 ({err.strip()})")

    # sharded: two safetensors shards + index = the single file
    hf = os.path.join(TMP, "hf")
    os.makedirs(hf)
    names = sorted(arrays)
    half = len(names) // 2
    write_safetensors(os.path.join(hf, "model-00001-of-00002.safetensors"), {n: arrays[n] for n in names[:half]})
    write_safetensors(os.path.join(hf, "model-00002-of-00002.safetensors"), {n: arrays[n] for n in names[half:]})
    with open(os.path.join(hf, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": 1}, "weight_map": {n: f"model-0000{1 if i < half else 2}-of-00002.safetensors" for i, n in enumerate(names)}}, f)
    cfg = {"model_type": "demo", "hidden_size": 8, "num_layers": 2, "torch_dtype": "float32"}
    with open(os.path.join(hf, "config.json"), "w") as f:
        json.dump(cfg, f)
    with open(os.path.join(hf, "tokenizer.json"), "w") as f:
        f.write('{"version": "1.0"}')
    d = fp(hf)
    check(d and d["format"] == "hf-folder" and d["weights"]["root"] == base["weights"]["root"], "a sharded Hugging Face folder: same weights.root")
    check(d and d["config"]["value"]["config.json"] == cfg and "tokenizer.json" in d["config"]["value"]["files"], "config.json and tokenizer files in the config")
    with open(os.path.join(hf, "config.json"), "w") as f:
        f.write(json.dumps(dict(reversed(list(cfg.items()))), indent=7) + "\n\n")
    d2 = fp(hf)
    check(d2 and d2["config"]["id"] == d["config"]["id"] and d2["id"] == d["id"], "config key order and whitespace: same config.id")
    cfg["hidden_size"] = 16
    with open(os.path.join(hf, "config.json"), "w") as f:
        json.dump(cfg, f)
    d3 = fp(hf)
    check(d3 and d3["config"]["id"] != d["config"]["id"] and d3["weights"]["root"] == d["weights"]["root"], "a config value changed: config.id only")
    with open(os.path.join(hf, "model.safetensors.index.json"), "w") as f:
        json.dump({"weight_map": {n: "model-00001-of-00002.safetensors" for n in names}}, f)
    rc, out, err = run("fp", "--no-cache", hf)
    check(rc == 2 and "no shard holds it" in err, f"an index that lies about a shard: exit 2 ({err.strip()})")
    with open(os.path.join(hf, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": 1}, "weight_map": {n: f"model-0000{1 if i < half else 2}-of-00002.safetensors" for i, n in enumerate(names)}}, f)
    # model.safetensors beside the index: transformers loads it, not the shards; so does whorl, and says so
    other = {k: v + 1 if v.dtype.kind == "f" else v for k, v in arrays.items()}
    write_safetensors(os.path.join(hf, "model.safetensors"), other)
    rc, out, err = run("fp", "--no-cache", "--json", hf)
    dd = json.loads(out) if rc == 0 else {}
    check(dd and dd["weights"]["root"] != d3["weights"]["root"] and "reads model.safetensors and ignores the index" in err,
          f"model.safetensors beside an index: the single file is fingerprinted, with a warning ({err.strip()[:200]})")
    # a variant beside model.safetensors (model.fp16.safetensors): not loaded by
    # transformers, so not fingerprinted; two files that are not a single model: both named
    write_safetensors(os.path.join(hf, "model.fp16.safetensors"), {k: v.astype(np.float16) if v.dtype.kind == "f" else v for k, v in arrays.items()})
    rc, out, err = run("fp", "--no-cache", "--json", hf)
    dv = json.loads(out) if rc == 0 else {}
    check(dv and dd and dv["weights"]["root"] == dd["weights"]["root"] and "model.fp16.safetensors" in dv["container"].get("not_fingerprinted", []),
          f"model.safetensors beside model.fp16.safetensors: only model.safetensors is read ({rc}, {err.strip()[:200]})")
    os.rename(os.path.join(hf, "model.safetensors"), os.path.join(hf, "model.fp32.safetensors"))
    os.rename(os.path.join(hf, "model.safetensors.index.json"), os.path.join(TMP, "index.json.bak"))
    rc, out, err = run("fp", "--no-cache", hf)
    check(rc == 2 and "is in both model-00001-of-00002.safetensors and model.fp16.safetensors" in err, f"one tensor in two weight files: both named ({err.strip()[:200]})")
    os.rename(os.path.join(TMP, "index.json.bak"), os.path.join(hf, "model.safetensors.index.json"))
    os.remove(os.path.join(hf, "model.fp32.safetensors"))
    os.remove(os.path.join(hf, "model.fp16.safetensors"))
    # a chat template saved as chat_template.json (processors) is part of the config
    with open(os.path.join(hf, "chat_template.json"), "w") as f:
        json.dump({"chat_template": "{{ messages }}"}, f)
    c1 = fp(hf)
    with open(os.path.join(hf, "chat_template.json"), "w") as f:
        json.dump({"chat_template": "{{ injected }}{{ messages }}"}, f)
    c2 = fp(hf)
    check(c1 and c2 and c1["config"]["id"] != c2["config"]["id"], "a changed chat_template.json changes the config id")
    os.remove(os.path.join(hf, "chat_template.json"))
    # a tokenizer file that is a FIFO: not read (no hang), and said
    os.mkfifo(os.path.join(hf, "vocab.txt"))
    rc, out, err = run("fp", "--no-cache", "--id", hf)
    check(rc == 0 and "vocab.txt: not a regular file" in err, f"a FIFO named vocab.txt: skipped with a warning ({err.strip()[:200]})")
    os.remove(os.path.join(hf, "vocab.txt"))

    # a folder with a PyTorch checkpoint
    hf2 = os.path.join(TMP, "hf-pt")
    os.makedirs(hf2)
    shutil.copy(pt["plain"], os.path.join(hf2, "pytorch_model.bin"))
    with open(os.path.join(hf2, "config.json"), "w") as f:
        json.dump({"model_type": "demo"}, f)
    d4 = fp(hf2)
    check(d4 and d4["weights"]["root"] == base["weights"]["root"], "a folder with pytorch_model.bin: same weights.root")

    # GGUF (F32) = safetensors (F32) for the same tensors
    f32 = {k: v for k, v in arrays.items() if v.dtype == np.float32}
    g = os.path.join(TMP, "m.gguf")
    write_gguf(g, f32, {"general.architecture": "demo", "demo.block_count": 2, "tokenizer.ggml.tokens": [f"t{i}" for i in range(100)]})
    gd = fp(g)
    st32 = os.path.join(TMP, "f32.safetensors")
    write_safetensors(st32, f32)
    sd32 = fp(st32)
    check(gd and sd32 and gd["weights"]["root"] == sd32["weights"]["root"], "GGUF F32 = safetensors F32: same weights.root (shape order fixed)")
    g2 = os.path.join(TMP, "m2.gguf")
    write_gguf(g2, f32, {"general.architecture": "demo", "demo.block_count": 2, "tokenizer.ggml.tokens": [f"t{i}" for i in range(100)]}, version=2)
    gd2 = fp(g2)
    check(gd2 and gd and gd2["id"] == gd["id"], "GGUF v2 = v3 (same layout)")
    # block types: Q8_0 (34 bytes per 32) and MXFP4 (gpt-oss: 17 bytes per 32)
    gq = os.path.join(TMP, "mq.gguf")
    blocks = bytes(range(34)) * 4
    write_gguf(gq, {"q": (8, [2, 64], blocks), "mx": (39, [2, 32], bytes(range(34)))}, {"general.architecture": "demo"})
    gqd = fp(gq)
    tq = {t["name"]: t for t in gqd["tensors"]} if gqd else {}
    check(tq.get("q", {}).get("dtype") == "ggml_q8_0" and tq.get("q", {}).get("bytes") == 136 and
          tq.get("mx", {}).get("dtype") == "ggml_mxfp4" and tq.get("mx", {}).get("bytes") == 34, f"GGUF block types: Q8_0 and MXFP4 sizes ({tq})")
    # metadata that is no JSON text: bytes that are not UTF-8, NaN. Marked,
    # never equal to the string of the same look, and the JSON stays valid
    g3 = os.path.join(TMP, "m3.gguf")
    write_gguf(g3, f32, {"general.architecture": "demo", "general.name": b"caf\xe9", "demo.eps": float("nan")})
    gd3 = fp(g3)
    md = gd3["config"]["value"]["metadata"] if gd3 else {}
    check(md.get("general.name") == {"string_hex": "636166e9"} and md.get("demo.eps") == {"float": "nan"},
          f"GGUF: non-UTF-8 text and NaN are marked values ({md})")
    g4 = os.path.join(TMP, "m4.gguf")
    write_gguf(g4, f32, {"general.architecture": "demo", "general.name": "636166e9", "demo.eps": "nan"})
    gd4 = fp(g4)
    check(gd3 and gd4 and gd3["config"]["id"] != gd4["config"]["id"], "GGUF: a marked value differs from the plain string")
    g5 = os.path.join(TMP, "m5.gguf")
    write_gguf(g5, f32, {"general.architecture": "demo", "general.name": b"caf\xe8", "demo.eps": float("nan")})
    gd5 = fp(g5)
    check(gd3 and gd5 and gd3["config"]["id"] != gd5["config"]["id"], "GGUF: another non-UTF-8 name changes the config id")
    # a renamed tensor (same dtype, shape, values): named as renamed, not added + removed
    rn1, rn2 = os.path.join(TMP, "rn1.safetensors"), os.path.join(TMP, "rn2.safetensors")
    write_safetensors(rn1, {"enc.w": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.ones(3, np.float32)})
    write_safetensors(rn2, {"encoder.w": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.ones(3, np.float32)})
    rc, out, err = run("diff", "--no-cache", "--json", rn1, rn2)
    tj = json.loads(out)["model"]["tensors"] if rc == 1 else {}
    check(tj.get("renamed") == [{"from": "enc.w", "to": "encoder.w"}] and not tj.get("added") and not tj.get("removed"),
          f"a renamed tensor is listed as renamed ({tj})")
    # the same model re-serialized (metadata, tensor order, padding): identical, with a note
    rs = os.path.join(TMP, "rn1-meta.safetensors")
    write_safetensors(rs, {"enc.w": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.ones(3, np.float32)},
                      metadata={"format": "pt"}, order=["enc.w", "b"], pad=8)
    rc, out, err = run("diff", "--no-cache", rn1, rs)
    check(rc == 0 and "identical model" in out and "the container differs" in out,
          f"a re-serialized model: identical, and the container difference is named ({out.strip()})")
    tok = gd["config"]["value"]["metadata"]["tokenizer.ggml.tokens"] if gd else {}
    check(tok.get("length") == 100 and len(tok.get("blake3", "")) == 64, "a long GGUF array is hashed into the config, not inlined")

    # one changed weight: one tensor hash
    a2 = dict(arrays)
    a2["layer.0.weight"] = a2["layer.0.weight"].copy()
    a2["layer.0.weight"][3, 4] += 1e-3
    st2 = os.path.join(TMP, "changed.safetensors")
    write_safetensors(st2, a2)
    c = fp(st2)
    diff = [n for n in hashes(sd) if hashes(sd)[n] != hashes(c)[n]] if c else None
    check(diff == ["layer.0.weight"], f"one changed weight: exactly one tensor hash changes ({diff})")
    check(c and c["architecture"]["id"] == sd["architecture"]["id"] and c["weights"]["root"] != sd["weights"]["root"], "... the architecture stays, weights.root changes")
    rc, out, err = run("diff", st, st2)
    check(rc == 1 and "changed: weights (1 tensor)" in out and "~ tensor layer.0.weight" in out, f"whorl diff names the changed tensor ({out.strip()[:200]})")
    rc, out, err = run("diff", "--json", pt["plain"], st)
    check(rc == 0 and json.loads(out)["identical"], "whorl diff: the .pt and the safetensors file are the same model")
    # renamed, retyped, reshaped: the architecture changes
    for what, arr in (("renamed", {("layer.0.w" if k == "layer.0.weight" else k): v for k, v in arrays.items()}),
                      ("retyped", {k: (v.astype(np.float64) if k == "layer.0.bias" else v) for k, v in arrays.items()}),
                      ("reshaped", {k: (v.reshape(4, 16) if k == "layer.0.weight" else v) for k, v in arrays.items()})):
        p = os.path.join(TMP, f"{what}.safetensors")
        write_safetensors(p, arr)
        x = fp(p)
        check(x and x["architecture"]["id"] != sd["architecture"]["id"], f"{what} tensor: architecture.id changes")
    # training: params and files
    t1 = fp(st, "--param", "seed=42", "--param", "optimizer=adamw", "--param", "lr=3e-4")
    t2 = fp(st, "--param", "lr=3e-4", "--param", "optimizer=adamw", "--param", "seed=42")
    t3 = fp(st, "--param", "seed=43", "--param", "optimizer=adamw", "--param", "lr=3e-4")
    check(t1 and t2 and t1["training"]["id"] == t2["training"]["id"] and t1["id"] == t2["id"], "--param order does not count")
    check(t3 and t3["training"]["id"] != t1["training"]["id"] and t3["weights"]["root"] == t1["weights"]["root"], "another seed: training.id changes")
    check(t1 and t1["training"]["params"] == {"seed": 42, "optimizer": "adamw", "lr": 0.0003}, "params typed as JSON when they parse")
    # quick: headers only
    q = fp(st, "--level", "quick")
    check(q and "weights" not in q and q["architecture"]["id"] == sd["architecture"]["id"] and all("hash" not in t for t in q["tensors"]), "quick level: layout, no weights")
    # stats against numpy
    s = fp(st, "--level", "stats")
    ok = True
    for t in (s["tensors"] if s else []):
        a = arrays[t["name"]]
        if a.dtype.kind != "f":
            ok &= "stats" not in t
            continue
        x = a.astype(np.float64)
        st_ = t["stats"]
        ok &= abs(st_["mean"] - x.mean()) <= 1e-6 * max(1, abs(x.mean())) and abs(st_["std"] - x.std()) <= 1e-6 * max(1, x.std())
        ok &= st_["min"] == x.min() and st_["max"] == x.max() and abs(st_["l2"] - np.sqrt((x * x).sum())) <= 1e-6 * max(1, np.sqrt((x * x).sum()))
        ok &= abs(st_["zero_fraction"] - (x == 0).mean()) < 1e-12
    check(s and ok, "stats level: mean, std, min, max, L2, zero fraction = numpy's")

    # a malicious pickle: flagged, never run
    marker = os.path.join(TMP, "PWNED")
    evil = os.path.join(TMP, "evil.pt")
    with zipfile.ZipFile(pt["plain"]) as zin, zipfile.ZipFile(evil, "w", zipfile.ZIP_STORED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.endswith("data.pkl"):
                # a state dict whose last value is os.system("touch PWNED")
                payload = b"cos\nsystem\n(V" + f"touch {marker}".encode() + b"\ntR"
                data = b"\x80\x02}q\x00(X\x04\x00\x00\x00evilq\x01" + payload + b"u."
            zout.writestr(item, data)
    rc, out, err = run("fp", "--no-cache", evil)
    check(rc == 1 and "os.system" in err and "unsafe" in err, f"malicious pickle: exit 1, names os.system ({err.strip()[:300]})")
    check(not os.path.exists(marker), "nothing in the pickle ran")
    rc, out, err = run("fp", "--no-cache", "--allow-unsafe-pickle", "--json", evil)
    check(rc == 0 and json.loads(out)["unsafe"][0]["finding"].startswith("pickle names global os.system"), "--allow-unsafe-pickle: exit 0, still reported")
    # the name assembled on the stack (STACK_GLOBAL, protocol 4)
    evil2 = os.path.join(TMP, "evil2.pt")
    with zipfile.ZipFile(pt["plain"]) as zin, zipfile.ZipFile(evil2, "w", zipfile.ZIP_STORED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.endswith("data.pkl"):
                data = (b"\x80\x04}\x94(\x8c\x01x\x94\x8c\x08builtins\x94\x8c\x04eval\x94\x93\x94\x8c\x041+1\x94\x85\x94R\x94u.")
            zout.writestr(item, data)
    rc, out, err = run("fp", "--no-cache", evil2)
    check(rc == 1 and "builtins.eval" in err, f"STACK_GLOBAL builtins.eval: flagged ({err.strip()[:200]})")
    # the name does not hide it: an upper-case extension, or none at all (torch.load ignores the name)
    for nm in ("EVIL.PT", "evil-weights"):
        q = os.path.join(TMP, nm)
        shutil.copy(evil, q)
        rc, out, err = run("fp", "--no-cache", q)
        check(rc == 1 and "os.system" in err, f"{nm}: read as a checkpoint, the payload flagged ({rc}, {err.strip()[:160]})")
    # a second record whose name differs only in case: torch looks names up ignoring case, so either
    # could be loaded: refused (a shadow pickle or shadow weights must never pass as the clean file)
    for what in ("data.pkl", "data/0"):
        twin = os.path.join(TMP, "twin-" + what.replace("/", "_") + ".pt")
        with zipfile.ZipFile(pt["plain"]) as zin:
            recs = [(i.filename, zin.read(i.filename)) for i in zin.infolist()]
        with zipfile.ZipFile(twin, "w", zipfile.ZIP_STORED) as zout:
            for name, data in recs:
                zout.writestr(name, data)
            name, data = [r for r in recs if r[0].endswith("/" + what)][0]
            zout.writestr(name[: -len(what)] + what.upper(), data)
        rc, out, err = run("fp", "--no-cache", twin)
        check(rc == 2 and "differ only in case" in err and out == "", f"records {what} and {what.upper()}: refused ({err.strip()[:200]})")

    # crafted checkpoints from a review (tests/data/models/README.md)
    R = os.path.join(SRC, "tests", "data", "models")
    rc, out, err = run("fp", "--no-cache", os.path.join(R, "eocd.pt"))
    check(rc == 2 and "zip readers disagree" in err, f"two end records: refused ({err.strip()[:200]})")
    rc, out, err = run("fp", "--no-cache", os.path.join(R, "gather.pt"))
    check(rc == 2 and err.count("\n") == 1, f"a huge strided view of a tiny storage: exit 2 ({err.strip()[:200]})")
    ones = hashes(fp(os.path.join(R, "memo.pt")) or {"tensors": []})
    check(list(ones) == ["w"], "MEMOIZE numbered as Python numbers it")
    st2 = fp(os.path.join(R, "stdtype.pt"))
    check(st2 and [t["dtype"] for t in st2["tensors"]] == ["float32", "float32"] and hashes(st2)["a"] == hashes(st2)["b"] == ones.get("w"),
          "a storage key read twice keeps its first dtype (torch.load's ones)")
    e = fp(os.path.join(R, "esc.pt"))
    check(e and sorted(hashes(e)) == ["v2", "w1"], "protocol-0 string escapes decoded")
    for f in ("drop_stride.pt", "drop_size.pt"):
        rc, out, err = run("fp", "--no-cache", os.path.join(R, f))
        check(rc == 2 and "malformed" in err, f"{f}: a malformed tensor is an error ({err.strip()[:200]})")
    # a folder with the weights twice (safetensors and .bin): safetensors, as transformers reads it
    both = os.path.join(TMP, "hf-both")
    os.makedirs(both)
    shutil.copy(pt["plain"], os.path.join(both, "pytorch_model.bin"))
    shutil.copy(st, os.path.join(both, "model.safetensors"))
    with open(os.path.join(both, "config.json"), "w") as f:
        json.dump({"model_type": "demo"}, f)
    d5 = fp(both)
    check(d5 and d5["weights"]["root"] == base["weights"]["root"], "safetensors and pytorch_model.bin side by side: read once")
    rc, out, err = run("diff", hf2, both)
    check(rc == 1 and out.startswith("identical model; files beside it changed (1 file)") and "+ pytorch_model.bin" in out,
          f"the same model as .bin and as safetensors in folders: identical, with the .bin beside it named ({out.strip()[:300]})")

    # real files written by other tools
    for f in ("safetensors/hf-sample-overall.safetensors", "safetensors/jfk-codes.safetensors", "safetensors/voices.safetensors",
              "torch-numpy/test.pt", "torch-numpy/test_with_key.pt", "torch-numpy/fortran_tensor_3d.pth"):
        p = os.path.join(FIX, f)
        if os.path.exists(p):
            d = fp(p)
            check(d and d["kind"] == "model" and d["tensors"], f"fixture {f}: a model with tensors")
    p = os.path.join(FIX, "torch-numpy", "fortran_tensor_3d.pth")
    if os.path.exists(p):
        import torch
        t = torch.load(p)
        arr = (t["tensor_fortran"] if isinstance(t, dict) else t).contiguous().numpy()
        q = os.path.join(TMP, "fortran.npz")
        np.savez(q, tensor_fortran=arr)
        a = fp(p)
        b = fp(q, "--model")
        check(a and b and a["weights"]["root"] == b["weights"]["root"], "the Fortran-strided .pth fixture = its C-order copy in .npz")
    p = os.path.join(FIX, "torch-numpy", "test.npz")
    if os.path.exists(p):
        d = fp(p, "--model")
        check(d and d["format"] == "npz" and d["tensors"], "the .npz fixture with --model")

    review_checks()
    pickle_review_checks()

    # bad files: exit 2, one line naming the file
    good = open(st, "rb").read()
    hl = struct.unpack("<Q", good[:8])[0]
    for what, data, msg in (
            ("truncated", good[:-5], "data"),
            ("header too big", struct.pack("<Q", 2**40) + good[8:], "limit"),
            ("hole", good + b"\0" * 8, "after the last tensor"),
            ("not json", good[:8] + b"{" + b"x" * (hl - 1) + good[8 + hl:], "JSON"),
    ):
        p = os.path.join(TMP, f"bad-{what.replace(' ', '-')}.safetensors")
        with open(p, "wb") as f:
            f.write(data)
        rc, out, err = run("fp", "--no-cache", p)
        check(rc == 2 and os.path.basename(p) in err and out == "" and err.count("\n") == 1, f"safetensors {what}: exit 2, one line ({err.strip()[:200]})")
    return 0


if __name__ == "__main__":
    rc = main()
    print(f"{passed} checks passed, {failed} failed")
    sys.exit(1 if failed or rc else 0)
