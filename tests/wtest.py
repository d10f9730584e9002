"""Helpers shared by the Python tests (models/test_layouts.py,
models/test_diffusers.py, tables/test_parallel.py): the check counter and
its closing line, running whorl, small safetensors and JSON files written
by hand. Run by ctest with WHORL_BIN set."""
import json
import os
import struct
import subprocess
import sys

W = os.environ["WHORL_BIN"]
_count = {"passed": 0, "failed": 0}


def check(cond, msg):
    if cond:
        _count["passed"] += 1
    else:
        _count["failed"] += 1
        print("FAIL:", msg, flush=True)


def run(*args, cwd=None):
    r = subprocess.run([W, *args], capture_output=True, text=True, errors="replace", cwd=cwd)
    return r.returncode, r.stdout, r.stderr


def fp(path, *opts, want=0):
    """The --json document of `whorl fp` (checked to exit `want`)."""
    rc, out, err = run("fp", "--no-cache", "--json", *opts, path)
    check(rc == want, f"fp {path}: exit {rc}, wanted {want} ({err.strip()[:300]})")
    return json.loads(out) if out.strip() else {}


def st_write(path, tensors, metadata=None):
    """A safetensors file; tensors: name -> (list of float32 values, shape)."""
    hdr, blobs, off = ({"__metadata__": metadata} if metadata else {}), [], 0
    for k, (vals, shape) in tensors.items():
        b = struct.pack(f"<{len(vals)}f", *vals)
        hdr[k] = {"dtype": "F32", "shape": shape, "data_offsets": [off, off + len(b)]}
        off += len(b)
        blobs.append(b)
    h = json.dumps(hdr).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def wjson(path, v):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w") as f:
        json.dump(v, f)


def finish():
    """Prints the closing line and exits 1 when a check failed."""
    print(f"{_count['passed']} checks passed, {_count['failed']} failed")
    sys.exit(1 if _count["failed"] else 0)
