"""Encoder runtimes compared (not a test): torch lite fp32 / bf16 / dynamic int8, ONNX Runtime
fp32 / int8, OpenVINO fp32 / int8 (pip install openvino, and nncf for int8; not an extra: it lost), on the raw forward pass over the length-sorted batches hebnews
builds (bench/throughput.py's ``forward`` stage), HTB documents only (no seed article).

    OMP_NUM_THREADS=2 python bench/runtimes.py [--limit 40] [--rounds 3] [--only a,b]

Speed: all candidates in ONE process, interleaved (A, B, C, A, B, C, ...), each one's median over
the rounds, so that load from other jobs on the machine hits all alike. Label agreement: argmax
per real sub-word against torch fp32. Cold load (model/session creation) and peak RSS: each
candidate in a fresh subprocess (``--child NAME``) that loads it and runs every batch once.
OpenVINO int8 is NNCF post-training quantisation, calibrated on NEMO *train* sentences.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CANDIDATES = ("torch-fp32", "torch-bf16", "torch-int8", "ort-fp32", "ort-int8", "ov-fp32", "ov-int8")


def batches(model_dir: Path, data_dir: str, limit: int):
    from bench.throughput import load_texts
    from hebnews.annotator import Annotator
    from hebnews.encoder import WordTokenizer
    from hebnews.model import TokenClassifier, encode_words, windows

    texts = load_texts(data_dir, limit)[:-1]  # the HTB documents; the seed article is left out
    words = []
    for _, text in texts:
        prep = Annotator.prepare(text)
        words += [[t.norm for t in prep.tokens[s.first:s.last]] for s in prep.sentences]
    tok = WordTokenizer(model_dir)
    clf = TokenClassifier.__new__(TokenClassifier)  # only the batching / padding helpers
    clf.cls_id, clf.sep_id, clf.pad_id = tok.cls_token_id, tok.sep_token_id, tok.pad_token_id
    clf.window, clf.stride, clf.batch_tokens, clf.max_batch = 510, 255, 8192, 64
    encoded = encode_words(tok, words)
    items = [(0, a, e.ids[a:b]) for e in encoded for a, b in windows(len(e.ids), 510, 255) if b > a]
    return [clf.pad([items[i][2] for i in b]) for b in clf._batches(items)]


def ov_int8(model_dir: Path, data_dir: str, fp32_file: Path, out: Path):
    import nncf
    import openvino as ov

    from hebnews.corpora.bmes import nemo_token_single
    from hebnews.encoder import WordTokenizer
    from hebnews.model import encode_words

    tok = WordTokenizer(model_dir)
    sents = [s.tokens for s in nemo_token_single(data_dir, "train")[:300]]
    samples = []
    for e in encode_words(tok, sents):
        ids = np.array([[tok.cls_token_id, *e.ids[:510], tok.sep_token_id]], dtype=np.int64)
        samples.append({"input_ids": ids, "attention_mask": np.ones_like(ids)})
    model = ov.Core().read_model(str(fp32_file))
    q = nncf.quantize(model, nncf.Dataset(samples), model_type=nncf.ModelType.TRANSFORMER,
                      subset_size=len(samples))
    ov.save_model(q, str(out))


def ort_int8(fp32_file: Path) -> Path:
    """ONNX Runtime dynamic int8 quantisation of the weight MatMuls (per channel), beside the
    cached fp32 file. (It cost 1.7 NEMO dev F1, so hebnews does not offer it.)"""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    out = fp32_file.with_name("bench-int8.onnx")
    if not out.is_file():
        quantize_dynamic(str(fp32_file), str(out), weight_type=QuantType.QInt8, per_channel=True,
                         op_types_to_quantize=["MatMul"])
    return out


def make(name: str, model_dir: Path, data_dir: str):
    """A forward function (ids, mask) -> logits (numpy) for candidate ``name``."""
    threads = int(os.environ.get("OMP_NUM_THREADS") or os.cpu_count())
    if name.startswith("torch"):
        import torch

        from hebnews import encoder

        dtype = torch.bfloat16 if name == "torch-bf16" else torch.float32
        model = encoder.load_model(model_dir, dtype, torch.device("cpu"))
        if name == "torch-int8":
            model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)

        def fwd(ids, mask):
            with torch.inference_mode():
                out = model(input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask)).logits
                return out.float().numpy()
        return fwd
    from hebnews import onnx_runtime

    if name.startswith("ort"):
        file = onnx_runtime.model_file(model_dir)
        if name == "ort-int8":
            file = ort_int8(file)
        enc = onnx_runtime.OnnxEncoder(file, json.loads((model_dir / "config.json").read_text()), threads)
        return lambda ids, mask: enc(ids, mask)[0]
    import openvino as ov

    file = onnx_runtime.model_file(model_dir)
    if name == "ov-int8":
        q = file.with_name("ov-int8.xml")
        if not q.is_file():
            ov_int8(model_dir, data_dir, file, q)
        file = q
    core = ov.Core()
    m = core.read_model(str(file))
    m = ov.Model([r for r in m.get_results() if "logits" in r.output(0).get_names()
                  or "logits" in r.input_value(0).get_names()], m.get_parameters())
    compiled = core.compile_model(m, "CPU", {"INFERENCE_NUM_THREADS": threads, "PERFORMANCE_HINT": "LATENCY",
                                             "INFERENCE_PRECISION_HINT": "f32"})
    req = compiled.create_infer_request()
    return lambda ids, mask: req.infer({"input_ids": ids, "attention_mask": mask})[compiled.output(0)].copy()


def child(name: str, args) -> dict:
    bs = batches(Path(args.model), args.data_dir, args.limit)
    t = time.perf_counter()
    fwd = make(name, Path(args.model), args.data_dir)
    load_s = time.perf_counter() - t
    for ids, mask in bs:
        fwd(ids, mask)
    # the child's own high-water mark (ru_maxrss carries the parent's over fork + exec)
    with open("/proc/self/status", encoding="ascii") as f:
        hwm = next(int(line.split()[1]) for line in f if line.startswith("VmHWM"))
    return {"load_s": load_s, "peak_rss_mb": hwm / 1024}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--model", default=str(ROOT / "models" / "hebnews-ner"))
    ap.add_argument("--limit", type=int, default=40, help="HTB documents (default 40)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--only", default="torch-fp32,torch-bf16,torch-int8,ort-fp32,ort-int8,ov-fp32",
                    help=f"comma-separated, of {','.join(CANDIDATES)} (ov-int8 needs nncf)")
    ap.add_argument("--no-cold", action="store_true", help="skip the cold-load / RSS subprocesses")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args)))
        return
    names = args.only.split(",")
    bs = batches(Path(args.model), args.data_dir, args.limit)
    n_sub = int(sum(m.sum() - 2 * len(m) for _, m in bs))
    fwds = {n: make(n, Path(args.model), args.data_dir) for n in names}
    ref = {n: [f(ids, mask) for ids, mask in bs] for n, f in fwds.items()}  # warm-up + labels
    times = {n: [] for n in names}
    print(f"load before: {os.getloadavg()}", flush=True)
    for _ in range(args.rounds):
        for n, f in fwds.items():
            t = time.perf_counter()
            for ids, mask in bs:
                f(ids, mask)
            times[n].append(time.perf_counter() - t)
    print(f"load after: {os.getloadavg()}", flush=True)
    base = statistics.median(times[names[0]])
    print(f"{len(bs)} batches, {n_sub} sub-words, threads {os.environ.get('OMP_NUM_THREADS')}")
    print(f"{'runtime':12} {'median s':>9} {'sub-words/s':>12} {'x ' + names[0]:>14} {'labels=':>8}  rounds")
    for n in names:
        med = statistics.median(times[n])
        agree = np.mean(np.concatenate([(a.argmax(-1) == b.argmax(-1))[m == 1] for a, b, (_, m)
                                        in zip(ref[names[0]], ref[n], bs)]))
        print(f"{n:12} {med:9.2f} {n_sub / med:12.0f} {base / med:14.2f} {100 * agree:7.2f}%  "
              f"{[round(t, 2) for t in times[n]]}", flush=True)
    if args.no_cold:
        return
    print(f"{'runtime':12} {'load s':>7} {'peak RSS MB':>12}  (each in a fresh process)")
    for n in names:
        cmd = [sys.executable, __file__, "--child", n, "--model", args.model, "--data-dir", args.data_dir,
               "--limit", str(args.limit)]
        c = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.splitlines()[-1])
        print(f"{n:12} {c['load_s']:7.2f} {c['peak_rss_mb']:12.0f}", flush=True)


if __name__ == "__main__":
    main()
