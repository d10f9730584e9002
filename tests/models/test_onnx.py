#!/usr/bin/python3
"""ONNX models (issue 5): Debian's python3-onnx writes models whose weights
are stored raw, typed, as external data, in Constant nodes and inside If
subgraphs; all give the same tensor hashes (and the same as safetensors);
node and intermediate tensor names do not change architecture.id, an
operator does; every model of Debian's libonnx-testdata reads.
Run by ctest with WHORL_BIN, WHORL_SRC and WHORL_TMP set.
"""
import json
import os
import shutil
import struct
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

W = os.environ["WHORL_BIN"]
TMP = os.path.join(os.environ["WHORL_TMP"], "onnx")
TESTDATA = "/usr/share/libonnx-testdata/data"
passed = failed = 0


def check(cond, msg):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL:", msg, flush=True)


def fp(path, *opts, want=0):
    r = subprocess.run([W, "fp", "--no-cache", "--json", *opts, path], capture_output=True, text=True)
    check(r.returncode == want, f"fp {path}: exit {r.returncode} ({r.stderr.strip()[:300]})")
    return json.loads(r.stdout) if r.returncode == 0 else None


def hashes(d):
    return {t["name"]: t["hash"] for t in d["tensors"]}


rng = np.random.default_rng(5)
W1 = rng.standard_normal((4, 3)).astype(np.float32)
B1 = rng.standard_normal(3).astype(np.float32)
IDX = np.array([3, -1, 7], dtype=np.int64)
H16 = rng.standard_normal(5).astype(np.float16)
D64 = rng.standard_normal(2).astype(np.float64)


def typed_tensor(name, a):
    """A TensorProto with typed fields (no raw_data)."""
    t = TensorProto()
    t.name = name
    t.dims.extend(a.shape)
    if a.dtype == np.float32:
        t.data_type = TensorProto.FLOAT
        t.float_data.extend(a.ravel().tolist())
    elif a.dtype == np.int64:
        t.data_type = TensorProto.INT64
        t.int64_data.extend(a.ravel().tolist())
    elif a.dtype == np.float16:
        t.data_type = TensorProto.FLOAT16
        t.int32_data.extend(a.ravel().view(np.uint16).tolist())
    elif a.dtype == np.float64:
        t.data_type = TensorProto.DOUBLE
        t.double_data.extend(a.ravel().tolist())
    return t


def model(mode, node_names=("mm", "add", "act"), mid=("t0", "t1"), act="Relu"):
    inits = {"W": W1, "B": B1, "idx": IDX, "h16": H16, "d64": D64}
    if mode == "typed":
        init = [typed_tensor(k, v) for k, v in inits.items()]
    else:
        init = [numpy_helper.from_array(v, k) for k, v in inits.items()]
    nodes = [helper.make_node("MatMul", ["X", "W"], [mid[0]], name=node_names[0]),
             helper.make_node("Add", [mid[0], "B"], [mid[1]], name=node_names[1]),
             helper.make_node(act, [mid[1]], ["Y"], name=node_names[2])]
    if mode == "constant":  # every weight held by a Constant node
        consts = [helper.make_node("Constant", [], [k], value=numpy_helper.from_array(v, "ignored")) for k, v in inits.items()]
        nodes = consts + nodes
        init = []
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("X", TensorProto.FLOAT, [2, 4])],
                          [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [2, 3])], initializer=init)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], producer_name="whorl-test")


def write_safetensors(path, arrays):
    dt = {np.dtype("float32"): "F32", np.dtype("int64"): "I64", np.dtype("float16"): "F16", np.dtype("float64"): "F64"}
    header, blobs, off = {}, [], 0
    for n in sorted(arrays):
        b = np.ascontiguousarray(arrays[n]).tobytes()
        header[n] = {"dtype": dt[arrays[n].dtype], "shape": list(arrays[n].shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def main():
    shutil.rmtree(TMP, ignore_errors=True)
    os.makedirs(TMP)
    docs = {}
    for mode in ("raw", "typed", "constant"):
        p = os.path.join(TMP, f"{mode}.onnx")
        onnx.save(model(mode), p)
        docs[mode] = fp(p)
    ext_dir = os.path.join(TMP, "ext")
    os.makedirs(ext_dir)
    pe = os.path.join(ext_dir, "model.onnx")
    onnx.save(model("raw"), pe, save_as_external_data=True, all_tensors_to_one_file=True, location="weights.bin", size_threshold=0)
    docs["external"] = fp(pe)
    if any(d is None for d in docs.values()):
        return 1
    base = hashes(docs["raw"])
    check(sorted(base) == ["B", "W", "d64", "h16", "idx"], f"initializers read: {sorted(base)}")
    for mode in ("typed", "external", "constant"):
        check(hashes(docs[mode]) == base, f"weights stored {mode}: the same tensor hashes as raw_data")
    st = os.path.join(TMP, "same.safetensors")
    write_safetensors(st, {"W": W1, "B": B1, "idx": IDX, "h16": H16, "d64": D64})
    s = fp(st)
    check(s and s["weights"]["root"] == docs["raw"]["weights"]["root"], "ONNX initializers = safetensors: same weights.root")
    check(docs["raw"]["architecture"]["id"] == docs["typed"]["architecture"]["id"] == docs["external"]["architecture"]["id"],
          "raw, typed and external storage: one architecture.id")
    # names do not count, operators do
    p = os.path.join(TMP, "renamed.onnx")
    onnx.save(model("raw", node_names=("a", "b", "c"), mid=("x1", "x2")), p)
    r = fp(p)
    check(r and r["architecture"]["graph"] == docs["raw"]["architecture"]["graph"] and r["id"] == docs["raw"]["id"],
          "renamed nodes and intermediate tensors: same graph and id")
    p = os.path.join(TMP, "sigmoid.onnx")
    onnx.save(model("raw", act="Sigmoid"), p)
    r = fp(p)
    check(r and r["architecture"]["graph"] != docs["raw"]["architecture"]["graph"] and r["weights"]["root"] == docs["raw"]["weights"]["root"],
          "Relu -> Sigmoid: the graph changes, the weights do not")
    raw_p = os.path.join(TMP, "raw-again.onnx")
    onnx.save(model("raw"), raw_p)
    dr = subprocess.run([W, "diff", "--no-cache", "--json", raw_p, p], capture_output=True, text=True)
    g = json.loads(dr.stdout)["model"].get("graph", {}) if dr.returncode == 1 else {}
    check(g.get("ops") == {"Relu": [1, 0], "Sigmoid": [0, 1]}, f"diff names the operators that changed ({g})")
    check(r and r["architecture"].get("ops", {}).get("Sigmoid") == 1, "the architecture section counts nodes by operator")
    pa = os.path.join(TMP, "leaky1.onnx")
    pb = os.path.join(TMP, "leaky2.onnx")
    m1 = model("raw", act="LeakyRelu")
    onnx.save(m1, pa)
    m2 = model("raw", act="LeakyRelu")
    for n in m2.graph.node:
        if n.op_type == "LeakyRelu":
            n.attribute.append(helper.make_attribute("alpha", 0.2))
    onnx.save(m2, pb)
    dr = subprocess.run([W, "diff", "--no-cache", pa, pb], capture_output=True, text=True)
    check(dr.returncode == 1 and "the same operators: an attribute, a constant or the wiring changed" in dr.stdout,
          f"an attribute change: the same operators, said so ({dr.stdout.strip()})")
    # a weight inside an If subgraph
    then_g = helper.make_graph([helper.make_node("Identity", ["K"], ["o"])], "then", [],
                               [helper.make_tensor_value_info("o", TensorProto.FLOAT, [3])], initializer=[numpy_helper.from_array(B1, "K")])
    else_g = helper.make_graph([helper.make_node("Constant", [], ["o2"], value=numpy_helper.from_array(B1 * 2, "v"))], "else", [],
                               [helper.make_tensor_value_info("o2", TensorProto.FLOAT, [3])])
    g = helper.make_graph([helper.make_node("If", ["c"], ["y"], then_branch=then_g, else_branch=else_g)], "main",
                          [helper.make_tensor_value_info("c", TensorProto.BOOL, [])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [3])])
    p = os.path.join(TMP, "if.onnx")
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), p)
    r = fp(p)
    check(r and sorted(hashes(r)) == ["K", "o2"] and hashes(r)["K"] == base["B"], "weights inside If subgraphs (initializer and Constant)")
    # damaged: truncated, and external data that is missing
    raw = open(os.path.join(TMP, "raw.onnx"), "rb").read()
    p = os.path.join(TMP, "truncated.onnx")
    with open(p, "wb") as f:
        f.write(raw[:len(raw) // 2])
    r = subprocess.run([W, "fp", "--no-cache", p], capture_output=True, text=True)
    check(r.returncode == 2 and "truncated.onnx" in r.stderr and r.stdout == "", f"truncated ONNX: exit 2 ({r.stderr.strip()})")
    os.remove(os.path.join(ext_dir, "weights.bin"))
    r = subprocess.run([W, "fp", "--no-cache", pe], capture_output=True, text=True)
    check(r.returncode == 2 and "external data" in r.stderr, f"missing external data: exit 2 ({r.stderr.strip()})")

    # every model Debian's libonnx-testdata ships
    n = ok = 0
    bad = []
    for root, _, files in os.walk(TESTDATA):
        for f in files:
            if f.endswith(".onnx"):
                n += 1
                r = subprocess.run([W, "fp", "--no-cache", "--id", os.path.join(root, f)], capture_output=True, text=True)
                if r.returncode == 0:
                    ok += 1
                else:
                    bad.append((os.path.join(root, f), r.stderr.strip()))
    print(f"libonnx-testdata: {ok} of {n} models read", flush=True)
    check(n >= 1000 and ok == n, f"every libonnx-testdata model reads ({ok}/{n}; first failures: {bad[:3]})")
    return 0


if __name__ == "__main__":
    rc = main()
    print(f"{passed} checks passed, {failed} failed")
    sys.exit(1 if failed or rc else 0)
