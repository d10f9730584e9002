#!/usr/bin/python3
"""Model folder layouts as the Hugging Face hub and its cache hold them.

Small replicas written during the test (safetensors by hand, .bin by
Debian's python3-torch):
  - a cache snapshot (snapshots/<rev>/ of links into ../../blobs) has the
    document of the same files copied into a folder, extras included, and a
    blob edited in place through its link is seen by diff (exit 1, named);
  - a PEFT adapter folder (adapter_config.json + adapter_model.safetensors
    or .bin, no config.json) is a model: its tensors and adapter config;
    the same tensors in .safetensors and .bin give the same weights.root.
Run by ctest with WHORL_BIN and WHORL_TMP set.
"""
import hashlib
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from wtest import check, finish, fp, run, st_write, wjson  # noqa: E402

TMP = os.path.join(os.environ["WHORL_TMP"], "layouts")


TENSORS = {"embed.weight": ([0.5 * i for i in range(8)], [2, 4]), "head.bias": ([1.0, -2.0], [2])}


def snapshot_checks():
    src = os.path.join(TMP, "plain")
    os.makedirs(src)
    wjson(os.path.join(src, "config.json"), {"model_type": "bert", "hidden_size": 4})
    st_write(os.path.join(src, "model.safetensors"), TENSORS)
    wjson(os.path.join(src, "modules.json"), [{"idx": 0, "path": ""}, {"idx": 1, "path": "1_Pooling"}])
    wjson(os.path.join(src, "1_Pooling", "config.json"), {"pooling_mode_mean_tokens": True})
    with open(os.path.join(src, "README.md"), "w") as f:
        f.write("# tiny\n")
    repo = os.path.join(TMP, "hub", "models--org--tiny")
    snap = os.path.join(repo, "snapshots", "a" * 40)
    os.makedirs(os.path.join(repo, "blobs"))
    for dp, _, fn in os.walk(src):
        for n in fn:
            rel = os.path.relpath(os.path.join(dp, n), src)
            data = open(os.path.join(dp, n), "rb").read()
            h = hashlib.sha256(data).hexdigest()
            with open(os.path.join(repo, "blobs", h), "wb") as f:
                f.write(data)
            os.makedirs(os.path.dirname(os.path.join(snap, rel)), exist_ok=True)
            os.symlink(os.path.relpath(os.path.join(repo, "blobs", h), os.path.dirname(os.path.join(snap, rel))), os.path.join(snap, rel))
    for level in ("content", "quick"):
        a, b = fp(src, "--level", level), fp(snap, "--level", level)
        check(a.get("kind") == b.get("kind") == "model" and a["id"] == b["id"], f"{level}: a snapshot has the model id of its files copied")
        check(a.get("extras", {}).get("id") == b.get("extras", {}).get("id") and b["extras"]["files"] == 3,
              f"{level}: a snapshot's extras (links into blobs) are those of the files copied ({b.get('extras')})")
    # a blob edited in place through its link: the extras change, diff names the file
    saved = fp(snap)
    sp = os.path.join(TMP, "snap.json")
    with open(sp, "w") as f:
        json.dump(saved, f)
    pool = os.path.join(snap, "1_Pooling", "config.json")
    wjson(os.path.realpath(pool), {"pooling_mode_mean_tokens": False, "pooling_mode_cls_token": True})
    rc, out, err = run("diff", "--no-cache", sp, snap)
    check(rc == 1 and "1_Pooling/config.json" in out, f"a blob edited through its link: diff exit 1 naming it ({rc}, {out.strip()[:300]})")


def adapter_checks():
    import torch
    for kind in ("safetensors", "bin"):
        d = os.path.join(TMP, "adapter-" + kind)
        wjson(os.path.join(d, "adapter_config.json"), {"peft_type": "LORA", "base_model_name_or_path": "org/base", "r": 8})
        with open(os.path.join(d, "README.md"), "w") as f:
            f.write("# adapter\n")
        if kind == "safetensors":
            st_write(os.path.join(d, "adapter_model.safetensors"), TENSORS)
        else:
            torch.save({k: torch.tensor(v, dtype=torch.float32).reshape(s) for k, (v, s) in TENSORS.items()}, os.path.join(d, "adapter_model.bin"))
    a, b = fp(os.path.join(TMP, "adapter-safetensors")), fp(os.path.join(TMP, "adapter-bin"))
    check(a.get("kind") == "model" and b.get("kind") == "model", "an adapter folder (adapter_config.json, no config.json) is a model")
    check(a.get("weights", {}).get("root") == b.get("weights", {}).get("root") and len(a.get("tensors", [])) == 2,
          "an adapter's tensors: the same weights.root from .safetensors and .bin")
    check("adapter_config.json" in a.get("config", {}).get("value", {}) and a["config"]["value"]["adapter_config.json"]["base_model_name_or_path"] == "org/base",
          "the adapter config (base model, rank) is in the config")
    check([e["path"] for e in a.get("extras", {}).get("entries", [])] == ["README.md"], "the adapter folder's README is its extras")
    # its base model named in adapter_config.json changes: config changes
    d = os.path.join(TMP, "adapter-safetensors")
    saved = os.path.join(TMP, "adapter.json")
    with open(saved, "w") as f:
        json.dump(a, f)
    wjson(os.path.join(d, "adapter_config.json"), {"peft_type": "LORA", "base_model_name_or_path": "org/other", "r": 8})
    rc, out, err = run("diff", "--no-cache", saved, d)
    check(rc == 1 and "config" in out and "base_model_name_or_path" in out, f"diff: the adapter's base model changed ({out.strip()[:300]})")
    # a folder with config.json stays a transformers folder: adapter files beside the weights are not read as the model
    m = os.path.join(TMP, "full")
    wjson(os.path.join(m, "config.json"), {"model_type": "bert"})
    st_write(os.path.join(m, "model.safetensors"), TENSORS)
    shutil.copy(os.path.join(d, "adapter_model.safetensors"), os.path.join(m, "adapter_model.safetensors"))
    wjson(os.path.join(m, "adapter_config.json"), {"peft_type": "LORA"})
    f = fp(m)
    check(f.get("kind") == "model" and "adapter_model.safetensors" in [e["path"] for e in f.get("extras", {}).get("entries", [])],
          "config.json + model.safetensors + an adapter: model.safetensors is the model, the adapter's weights are extras")


def odd_name_checks():
    """Names that are not UTF-8 and dangling links in a model folder (the
    document was refused as 'not valid UTF-8 (a whorl bug)', exit 2)."""
    import torch

    class Evil:
        def __reduce__(self):
            return (os.system, ("true",))
    d = os.path.join(TMP, "odd")
    wjson(os.path.join(d, "config.json"), {"model_type": "bert"})
    st_write(os.path.join(d, "model.safetensors"), TENSORS)
    bd = os.fsencode(d)
    os.makedirs(bd + b"/sub\xff")
    tmp = os.path.join(d, "tmp.pt")
    torch.save({"x": Evil()}, tmp)
    os.rename(tmp, bd + b"/sub\xff/e.pt")
    with open(bd + b"/\xfe.py", "w") as f:
        f.write("import os\n")
    with open(bd + b"/notes\xfd.txt", "w") as f:
        f.write("x\n")
    rc, out, err = run("fp", "--no-cache", "--json", d)
    check(rc == 1 and "UTF-8" not in err, f"a model folder with names that are not UTF-8: exit 1 (unsafe), a document ({rc}, {err.strip()[:300]})")
    doc = json.loads(out) if out else {}
    un = doc.get("unsafe", [])
    check(len(un) == 1 and un[0].get("where_hex", "").startswith(b"sub\xff/e.pt".hex()) and un[0]["where"].startswith("sub\ufffd/e.pt"),
          f"the finding's where: U+FFFD, the bytes in where_hex ({un})")
    check(list(doc.get("config", {}).get("value", {})) == ["config.json"], "a .py named in no UTF-8: not in the config")
    ex = [e.get("path_hex") for e in doc.get("extras", {}).get("entries", [])]
    check(b"\xfe.py".hex() in ex, f"... it is an extra ({ex})")
    nf = doc.get("container", {}).get("not_fingerprinted", [])
    check("notes\ufffd.txt" in nf, f"not_fingerprinted shows the name with U+FFFD ({nf})")
    # the same finding in a plain folder (no model)
    p = os.path.join(TMP, "odd-plain")
    os.makedirs(p)
    os.rename(bd + b"/sub\xff/e.pt", os.fsencode(p) + b"/\xff.pt")
    rc, out, err = run("fp", "--no-cache", "--json", p)
    check(rc == 1 and out and json.loads(out)["unsafe"][0].get("where_hex", "").startswith("ff2e7074"),
          f"a plain folder's pickle named in no UTF-8: exit 1, where_hex ({rc}, {err.strip()[:300]})")
    # a dangling link under a tokenizer file's name: said, not fingerprinted, exit 0
    g = os.path.join(TMP, "dangling")
    wjson(os.path.join(g, "config.json"), {"model_type": "bert"})
    st_write(os.path.join(g, "model.safetensors"), TENSORS)
    os.symlink("nowhere", os.path.join(g, "tokenizer.json"))
    rc, out, err = run("fp", "--no-cache", "--json", g)
    check(rc == 0 and "not a regular file" in err and "cannot open" not in err,
          f"a dangling tokenizer.json: a warning, exit 0 ({rc}, {err.strip()[:300]})")
    check(out and "tokenizer.json" in json.loads(out).get("container", {}).get("not_fingerprinted", []), "... listed as not fingerprinted")


def main():
    shutil.rmtree(TMP, ignore_errors=True)
    os.makedirs(TMP)
    snapshot_checks()
    adapter_checks()
    odd_name_checks()


if __name__ == "__main__":
    main()
    finish()
