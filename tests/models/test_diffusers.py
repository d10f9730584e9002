#!/usr/bin/python3
"""A Hugging Face diffusers pipeline folder read as one model.

A small replica written during the test (safetensors by hand, .bin by
Debian's python3-torch): model_index.json at the root naming components,
unet/ and vae/ (diffusion_pytorch_model.safetensors, an fp16 variant
beside), text_encoder/ (model.safetensors, transformers' names),
tokenizer/, scheduler/, feature_extractor/. Checked:
  - it is a model (format hf-diffusers): tensors <component>/<name>,
    configs <component>/<file>, model_index.json in the config, tokenizer
    files hashed; README and variant files are extras;
  - diff names a changed unet tensor as unet/..., a scheduler config change
    as a config change;
  - a malicious pickle in unet/diffusion_pytorch_model.bin (read as the
    unet's weights, or beside its safetensors) makes fp exit 1;
  - the same unet in .bin, in .safetensors and sharded with an index gives
    the same weights.root;
  - 1 and 2 threads give the same document;
  - a folder with config.json and weights stays a transformers folder.
Run by ctest with WHORL_BIN and WHORL_TMP set.
"""
import functools
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import wtest  # noqa: E402
from wtest import check, fp, run, wjson  # noqa: E402

TMP = os.path.join(os.environ["WHORL_TMP"], "diffusers")
st_write = functools.partial(wtest.st_write, metadata={"format": "pt"})


def wtext(path, s):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(s)


UNET = {"conv_in.weight": ([0.25 * i for i in range(12)], [3, 4]), "conv_in.bias": ([1.0, -1.0, 0.5], [3]),
        "time_embedding.linear_1.weight": ([float(i) for i in range(6)], [2, 3])}
VAE = {"encoder.conv_in.weight": ([0.1 * i for i in range(8)], [2, 4]), "decoder.conv_out.bias": ([2.0, 3.0], [2])}
CLIP = {"text_model.embeddings.token_embedding.weight": ([0.01 * i for i in range(10)], [5, 2]),
        "text_model.final_layer_norm.bias": ([0.0, 1.0], [2])}
INDEX = {"_class_name": "StableDiffusionPipeline", "_diffusers_version": "0.21.4",
         "unet": ["diffusers", "UNet2DConditionModel"], "vae": ["diffusers", "AutoencoderKL"],
         "text_encoder": ["transformers", "CLIPTextModel"], "tokenizer": ["transformers", "CLIPTokenizer"],
         "scheduler": ["diffusers", "PNDMScheduler"], "feature_extractor": ["transformers", "CLIPImageProcessor"],
         "safety_checker": [None, None], "requires_safety_checker": False}


def pipeline(d):
    wjson(os.path.join(d, "model_index.json"), INDEX)
    wtext(os.path.join(d, "README.md"), "# tiny pipeline\n")
    wtext(os.path.join(d, ".gitattributes"), "*.safetensors filter=lfs\n")
    wjson(os.path.join(d, "unet", "config.json"), {"_class_name": "UNet2DConditionModel", "sample_size": 8})
    st_write(os.path.join(d, "unet", "diffusion_pytorch_model.safetensors"), UNET)
    st_write(os.path.join(d, "unet", "diffusion_pytorch_model.fp16.safetensors"), {k: ([x * 2 for x in v], s) for k, (v, s) in UNET.items()})
    wjson(os.path.join(d, "vae", "config.json"), {"_class_name": "AutoencoderKL", "latent_channels": 4})
    st_write(os.path.join(d, "vae", "diffusion_pytorch_model.safetensors"), VAE)
    wjson(os.path.join(d, "text_encoder", "config.json"), {"architectures": ["CLIPTextModel"], "hidden_size": 2})
    st_write(os.path.join(d, "text_encoder", "model.safetensors"), CLIP)
    wjson(os.path.join(d, "tokenizer", "vocab.json"), {"a": 0, "b": 1})
    wtext(os.path.join(d, "tokenizer", "merges.txt"), "#version: 0.2\na b\n")
    wjson(os.path.join(d, "tokenizer", "tokenizer_config.json"), {"model_max_length": 77})
    wjson(os.path.join(d, "tokenizer", "special_tokens_map.json"), {"bos_token": "<|startoftext|>"})
    wjson(os.path.join(d, "scheduler", "scheduler_config.json"), {"_class_name": "PNDMScheduler", "beta_end": 0.012})
    wjson(os.path.join(d, "feature_extractor", "preprocessor_config.json"), {"crop_size": 224})


def torch_bin(path, tensors, evil=False):
    import torch

    class Evil:
        def __reduce__(self):
            return (os.system, ("true",))
    sd = {k: torch.tensor(v, dtype=torch.float32).reshape(s) for k, (v, s) in tensors.items()}
    if evil:
        sd["_"] = Evil()
    torch.save(sd, path)


def saved(doc, name):
    p = os.path.join(TMP, name)
    with open(p, "w") as f:
        json.dump(doc, f)
    return p


def main():
    shutil.rmtree(TMP, ignore_errors=True)
    base = os.path.join(TMP, "sd")
    pipeline(base)
    d = fp(base)
    check(d.get("kind") == "model" and d.get("format") == "hf-diffusers", f"a pipeline folder is a model ({d.get('kind')}, {d.get('format')})")
    names = sorted(t["name"] for t in d.get("tensors", []))
    want = sorted([f"unet/{k}" for k in UNET] + [f"vae/{k}" for k in VAE] + [f"text_encoder/{k}" for k in CLIP])
    check(names == want, f"tensors named <component>/<name>, the fp16 variant not read ({names})")
    cv = d.get("config", {}).get("value", {})
    for k in ("model_index.json", "unet/config.json", "vae/config.json", "text_encoder/config.json", "scheduler/scheduler_config.json",
              "feature_extractor/preprocessor_config.json", "tokenizer/tokenizer_config.json", "tokenizer/special_tokens_map.json"):
        check(k in cv, f"config holds {k} ({sorted(cv)})")
    check(sorted(cv.get("files", {})) == ["tokenizer/merges.txt", "tokenizer/vocab.json"], f"tokenizer files hashed ({cv.get('files')})")
    ex = [e["path"] for e in d.get("extras", {}).get("entries", [])]
    check("README.md" in ex and "unet/diffusion_pytorch_model.fp16.safetensors" in ex and not any(p in ex for p in ("scheduler", "unet", "tokenizer")),
          f"extras: README, the variant; no component folder as an empty folder ({ex})")
    check("unet/diffusion_pytorch_model.fp16.safetensors" in d.get("container", {}).get("not_fingerprinted", []),
          f"the variant is named as not fingerprinted ({d.get('container')})")
    check(d.get("container", {}).get("unet/diffusion_pytorch_model.safetensors") == {"safetensors_metadata": {"format": "pt"}}
          or "unet/diffusion_pytorch_model.safetensors" in d.get("container", {}), "a component file's metadata under its path, in container")

    # threads: the same document
    rc1, o1, _ = run("fp", "--no-cache", "--json", "--level", "stats", "--threads", "1", base)
    rc2, o2, _ = run("fp", "--no-cache", "--json", "--level", "stats", "--threads", "2", base)
    check(rc1 == rc2 == 0 and o1 == o2, "1 and 2 threads: the same document")
    # quick level works and reads no weights
    q = fp(base, "--level", "quick")
    check(q.get("kind") == "model" and "weights" not in q and len(q.get("tensors", [])) == len(want), "quick level: the layout, no weights")

    # a unet tensor changed: diff names unet/...
    sp = saved(d, "sd.json")
    ch = os.path.join(TMP, "sd-unet")
    shutil.copytree(base, ch)
    u2 = dict(UNET)
    u2["conv_in.bias"] = ([1.0, -1.0, 0.75], [3])
    st_write(os.path.join(ch, "unet", "diffusion_pytorch_model.safetensors"), u2)
    rc, out, err = run("diff", "--no-cache", sp, ch)
    check(rc == 1 and "unet/conv_in.bias" in out, f"diff names the changed unet tensor ({rc}, {out.strip()[:400]})")
    # a scheduler config change: a config change
    sc = os.path.join(TMP, "sd-sched")
    shutil.copytree(base, sc)
    wjson(os.path.join(sc, "scheduler", "scheduler_config.json"), {"_class_name": "PNDMScheduler", "beta_end": 0.02})
    rc, out, err = run("diff", "--no-cache", "--json", sp, sc)
    dj = json.loads(out) if out.strip() else {}
    mj = dj.get("model", {})
    check(rc == 1 and "config" in mj.get("changed", []) and "weights" not in mj.get("changed", []) and "/scheduler~1scheduler_config.json/beta_end" in json.dumps(mj.get("config")),
          f"a scheduler change is a config change naming it ({rc}, {json.dumps(mj)[:400]})")
    # a variant changed only: extras change, the model id does not
    va = os.path.join(TMP, "sd-variant")
    shutil.copytree(base, va)
    st_write(os.path.join(va, "unet", "diffusion_pytorch_model.fp16.safetensors"), u2)
    dv = fp(va)
    check(dv.get("id") == d.get("id") and dv.get("extras", {}).get("id") != d.get("extras", {}).get("id"),
          "a variant changed: the same model id, other extras")
    rc, out, err = run("diff", "--no-cache", sp, va)
    check(rc == 1 and "diffusion_pytorch_model.fp16.safetensors" in out, f"diff: the variant changed, named ({rc}, {out.strip()[:300]})")

    # the same unet in .bin: the same weights.root (and id)
    bn = os.path.join(TMP, "sd-bin")
    shutil.copytree(base, bn)
    os.remove(os.path.join(bn, "unet", "diffusion_pytorch_model.safetensors"))
    torch_bin(os.path.join(bn, "unet", "diffusion_pytorch_model.bin"), UNET)
    db = fp(bn)
    check(db.get("weights", {}).get("root") == d.get("weights", {}).get("root") and db.get("architecture", {}).get("id") == d.get("architecture", {}).get("id"),
          "the unet in .bin: the same weights.root and architecture")
    check(db.get("id") == d.get("id"), "the unet in .bin: the same id")
    # sharded with an index: the same weights.root
    sh = os.path.join(TMP, "sd-shards")
    shutil.copytree(base, sh)
    os.remove(os.path.join(sh, "unet", "diffusion_pytorch_model.safetensors"))
    ks = list(UNET)
    st_write(os.path.join(sh, "unet", "diffusion_pytorch_model-00001-of-00002.safetensors"), {k: UNET[k] for k in ks[:1]})
    st_write(os.path.join(sh, "unet", "diffusion_pytorch_model-00002-of-00002.safetensors"), {k: UNET[k] for k in ks[1:]})
    wjson(os.path.join(sh, "unet", "diffusion_pytorch_model.safetensors.index.json"),
          {"metadata": {"total_size": 84}, "weight_map": {k: "diffusion_pytorch_model-0000%d-of-00002.safetensors" % (1 if i < 1 else 2) for i, k in enumerate(ks)}})
    ds = fp(sh)
    check(ds.get("weights", {}).get("root") == d.get("weights", {}).get("root") and ds.get("id") == d.get("id"),
          "the unet sharded with an index: the same weights.root and id")
    # the safetensors and the .bin beside: safetensors read, the .bin scanned
    both = os.path.join(TMP, "sd-both")
    shutil.copytree(base, both)
    torch_bin(os.path.join(both, "unet", "diffusion_pytorch_model.bin"), UNET)
    dboth = fp(both)
    check(dboth.get("weights", {}).get("root") == d.get("weights", {}).get("root") and "unet/diffusion_pytorch_model.bin" in
          [e["path"] for e in dboth.get("extras", {}).get("entries", [])], "safetensors and .bin: safetensors read, the .bin in extras")

    # malicious pickles: read as the unet's weights, or beside its safetensors
    ev = os.path.join(TMP, "sd-evil")
    shutil.copytree(bn, ev)
    torch_bin(os.path.join(ev, "unet", "diffusion_pytorch_model.bin"), UNET, evil=True)
    de = fp(ev, want=1)
    check(any("posix.system" in u.get("finding", "") and u.get("where", "").startswith("unet/diffusion_pytorch_model.bin") for u in de.get("unsafe", [])),
          f"a malicious unet .bin: finding named with its path ({de.get('unsafe')})")
    check(de.get("id") != db.get("id"), "a malicious unet .bin: another id")
    ev2 = os.path.join(TMP, "sd-evil-beside")
    shutil.copytree(base, ev2)
    torch_bin(os.path.join(ev2, "unet", "diffusion_pytorch_model.bin"), UNET, evil=True)
    de2 = fp(ev2, want=1)
    check(any(u.get("where", "").startswith("unet/diffusion_pytorch_model.bin") for u in de2.get("unsafe", [])) and de2.get("id") != d.get("id"),
          f"a malicious .bin beside the unet's safetensors: scanned, in the id ({de2.get('unsafe')})")
    ev3 = os.path.join(TMP, "sd-evil-deep")
    shutil.copytree(base, ev3)
    os.makedirs(os.path.join(ev3, "unet", "old"))
    torch_bin(os.path.join(ev3, "unet", "old", "x.pt"), UNET, evil=True)
    de3 = fp(ev3, want=1)
    check(any(u.get("where", "").startswith("unet/old/x.pt") for u in de3.get("unsafe", [])), f"a pickle in a component's subfolder: scanned ({de3.get('unsafe')})")

    # only a variant in a component: warned, not read, in extras
    vo = os.path.join(TMP, "sd-variant-only")
    shutil.copytree(base, vo)
    os.remove(os.path.join(vo, "vae", "diffusion_pytorch_model.safetensors"))
    st_write(os.path.join(vo, "vae", "diffusion_pytorch_model.fp16.safetensors"), VAE)
    rc, out, err = run("fp", "--no-cache", "--json", vo)
    dvo = json.loads(out) if rc == 0 else {}
    check(rc == 0 and not any(t["name"].startswith("vae/") for t in dvo.get("tensors", [])) and "vae" in err and "variant" in err,
          f"a component with only a variant: not read, said ({rc}, {err.strip()[:300]})")

    # a diffusers model saved alone (config.json, the weights and an fp16 variant): the weights, not the variant
    solo = os.path.join(TMP, "solo-unet")
    shutil.copytree(os.path.join(base, "unet"), solo)
    ds = fp(solo)
    check(ds.get("format") == "hf-folder" and sorted(t["name"] for t in ds.get("tensors", [])) == sorted(UNET)
          and "diffusion_pytorch_model.fp16.safetensors" in [e["path"] for e in ds.get("extras", {}).get("entries", [])],
          "a diffusers model folder with a variant: diffusion_pytorch_model.safetensors read, the variant an extra")

    # a diffusers model saved alone without safetensors (safe_serialization=False): a model, its .bin read
    sb = os.path.join(TMP, "solo-unet-bin")
    os.makedirs(sb)
    shutil.copyfile(os.path.join(base, "unet", "config.json"), os.path.join(sb, "config.json"))
    torch_bin(os.path.join(sb, "diffusion_pytorch_model.bin"), UNET)
    dsb = fp(sb)
    solo_st = os.path.join(TMP, "solo-unet-st")
    os.makedirs(solo_st)
    shutil.copyfile(os.path.join(base, "unet", "config.json"), os.path.join(solo_st, "config.json"))
    st_write(os.path.join(solo_st, "diffusion_pytorch_model.safetensors"), UNET)
    dss = fp(solo_st)
    check(dsb.get("kind") == "model" and sorted(t["name"] for t in dsb.get("tensors", [])) == sorted(UNET)
          and dsb.get("weights", {}).get("root") == dss.get("weights", {}).get("root") and dsb.get("id") == dss.get("id"),
          f"a diffusers model with diffusion_pytorch_model.bin alone: a model, the safetensors copy's id ({dsb.get('kind')})")
    torch_bin(os.path.join(sb, "diffusion_pytorch_model.bin"), UNET, evil=True)
    dsbe = fp(sb, want=1)
    check(any("posix.system" in u.get("finding", "") for u in dsbe.get("unsafe", [])), f"its malicious .bin: a finding, exit 1 ({dsbe.get('unsafe')})")

    # a folder with config.json and weights stays a transformers folder, model_index.json beside it an extra
    hf = os.path.join(TMP, "hf")
    wjson(os.path.join(hf, "config.json"), {"model_type": "bert"})
    st_write(os.path.join(hf, "model.safetensors"), CLIP)
    h1 = fp(hf)
    wjson(os.path.join(hf, "model_index.json"), INDEX)
    os.makedirs(os.path.join(hf, "unet"))
    st_write(os.path.join(hf, "unet", "diffusion_pytorch_model.safetensors"), UNET)
    h2 = fp(hf)
    check(h2.get("format") == "hf-folder" and h2.get("id") == h1.get("id") and "model_index.json" in [e["path"] for e in h2.get("extras", {}).get("entries", [])],
          "config.json and weights: a transformers folder (its id kept), model_index.json an extra")
    # model_index.json naming no subfolder: a plain folder
    pl = os.path.join(TMP, "plain")
    wjson(os.path.join(pl, "model_index.json"), INDEX)
    wtext(os.path.join(pl, "README.md"), "x\n")
    dp = fp(pl)
    check(dp.get("kind") == "folder", f"model_index.json without its components: a plain folder ({dp.get('kind')})")

    wtest.finish()


if __name__ == "__main__":
    main()
