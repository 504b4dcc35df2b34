"""Throughput benchmark (not a test): hebnews vs the naive pipeline vs the raw forward pass.

One run, one machine, the same texts: the 351 HTB news documents rebuilt from
``--data-dir`` plus the example article. Every measurement runs in its own subprocess so that
peak RSS belongs to it alone; the parent prints one table.

    python bench/throughput.py [--data-dir ../shared/data] [--model models/hebnews-ner]
                               [--device cpu] [--limit N] [--json results.json]

Stages:
  hebnews       `hebnews annotate DIR -o OUT` on all documents as one batch (a subprocess;
                wall time includes start-up and model loading)
  hebnews-RT    the same with --runtime RT (torch or onnx; default settings pick one of them:
                the header says which)
  naive         transformers.pipeline("token-classification", aggregation_strategy="simple")
                called once per sentence (the sentences of our segmenter), model load excluded
  inproc        Annotator.annotate_many over all documents in one process, model already loaded
  onebyone      Annotator.annotate called per document (no cross-document batching), model loaded
  forward       our encoder's forward pass alone over the same pre-tokenised, length-sorted
                batches hebnews uses (no pre/post-processing), model load excluded, in the
                runtime and precision the default settings pick; forward-RT: in runtime RT
  cold          process start to the first document written, `hebnews annotate seed -o x.json`
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "alaska_summit_2025-08-15.he.txt"


def load_texts(data_dir: str, limit: int | None) -> list[tuple[str, str]]:
    sys.path.insert(0, str(ROOT))
    from hebnews.corpora.htb import htb_documents

    docs = [(d.doc_id.replace(":", "_"), d.text) for d in htb_documents(data_dir)]
    if limit:
        docs = docs[:limit]
    return docs + [("seed", SEED.read_text(encoding="utf-8"))]


def self_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ----------------------------------------------------------------------------- stages (children)

def stage_naive(args, texts):
    import torch
    from transformers import pipeline

    from hebnews.annotator import Annotator

    sentences = []
    for _, text in texts:
        prep = Annotator.prepare(text)
        sentences += [text[s.start:s.end] for s in prep.sentences]
    device = 0 if args.device == "cuda" else -1
    # fp32 on the CPU, said explicitly: with dtype None, transformers loads the weights in the
    # checkpoint's dtype (ours are saved fp16), and fp16 on a CPU is several times slower
    ner = pipeline("token-classification", model=args.model, aggregation_strategy="simple",
                   device=device, dtype=torch.float16 if args.device == "cuda" else torch.float32)
    assert next(ner.model.parameters()).dtype == (torch.float16 if args.device == "cuda" else torch.float32)
    ner(sentences[0])  # warm-up
    t0 = time.perf_counter()
    n_ents = 0
    for s in sentences:
        n_ents += len(ner(s))
    return {"seconds": time.perf_counter() - t0, "sentences": len(sentences), "entities": n_ents}


def stage_inproc(args, texts):
    """hebnews's annotate_many in one process, model already loaded: the pipeline's own cost."""
    from hebnews.annotator import Annotator

    ann = Annotator.load(args.model, device=args.device)
    list(ann.annotate_many([texts[-1][1]]))  # warm-up
    t0 = time.perf_counter()
    n = sum(len(d.entities) for d in ann.annotate_many(t for _, t in texts))
    return {"seconds": time.perf_counter() - t0, "entities": n}


def stage_onebyone(args, texts):
    """The same documents annotated one at a time (annotate(text) per article), model loaded."""
    from hebnews.annotator import Annotator

    ann = Annotator.load(args.model, device=args.device)
    ann.annotate(texts[-1][1])  # warm-up
    t0 = time.perf_counter()
    n = sum(len(ann.annotate(t).entities) for _, t in texts)
    return {"seconds": time.perf_counter() - t0, "entities": n}


def stage_forward(args, texts, runtime: str = "auto"):
    from hebnews.annotator import Annotator
    from hebnews.model import TokenClassifier, encode_words, windows

    clf = TokenClassifier.load(args.model, device=args.device, runtime=runtime)
    words = []
    for _, text in texts:
        prep = Annotator.prepare(text)
        words += [[t.norm for t in prep.tokens[s.first:s.last]] for s in prep.sentences]
    encoded = encode_words(clf.tokenizer, words)
    items = [(0, a, e.ids[a:b]) for e in encoded for a, b in windows(len(e.ids), clf.window, clf.stride)
             if b > a]
    batches = [clf.pad([items[i][2] for i in batch]) for batch in clf._batches(items)]
    sync = (lambda: __import__("torch").cuda.synchronize()) if args.device == "cuda" else (lambda: None)
    clf.encoder(*batches[0])  # warm-up
    sync()
    t0 = time.perf_counter()
    for ids, mask in batches:
        clf.encoder(ids, mask)  # log-probabilities on the CPU, as the annotator takes them
    sync()
    return {"seconds": time.perf_counter() - t0, "batches": len(batches), "runtime": clf.runtime,
            "precision": clf.precision, "subwords": int(sum(len(e.ids) for e in encoded))}


def run_child(stage: str, args) -> dict:
    cmd = [sys.executable, __file__, "--child", stage, "--data-dir", args.data_dir, "--model",
           args.model, "--device", args.device] + (["--limit", str(args.limit)] if args.limit else [])
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if out.returncode:
        raise SystemExit(f"stage {stage} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_cli(args, inputs: list[str], out: str, extra: list[str]) -> dict:
    exe = str(Path(sys.executable).with_name("hebnews"))
    cmd = [exe, "annotate", *inputs, "-o", out, "--device", args.device, "--model", args.model,
           "-q", "--overwrite", *extra]
    # a fresh process per measurement: its own peak RSS via /proc is not available after exit,
    # so wrap it in a tiny Python parent that reports RUSAGE_CHILDREN
    wrapper = ("import resource,subprocess,sys,time,json;t=time.perf_counter();"
               "r=subprocess.run(sys.argv[1:]).returncode;"
               "print(json.dumps({'rc':r,'seconds':time.perf_counter()-t,"
               "'peak_rss_mb':resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss/1024}))")
    res = subprocess.run([sys.executable, "-c", wrapper, *cmd], capture_output=True, text=True)
    data = json.loads(res.stdout.strip().splitlines()[-1])
    if data["rc"] != 0:
        raise SystemExit(f"hebnews failed: {res.stderr[-2000:]}")
    return data


def count_tokens(texts) -> int:
    from hebnews.annotator import Annotator

    return sum(len(Annotator.prepare(t).tokens) for _, t in texts)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--model", default=str(ROOT / "models" / "hebnews-ner"))
    ap.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    ap.add_argument("--limit", type=int, help="only the first N HTB documents (quick runs)")
    ap.add_argument("--stages", default="hebnews,hebnews-torch,hebnews-onnx,inproc,onebyone,naive,forward,"
                    "forward-torch,forward-onnx,cold")
    ap.add_argument("--json", help="also write the results here")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    texts = load_texts(args.data_dir, args.limit)
    if args.child:
        if args.child.startswith("forward-"):
            res = stage_forward(args, texts, args.child.split("-", 1)[1])
        else:
            fn = {"naive": stage_naive, "forward": stage_forward, "inproc": stage_inproc,
                  "onebyone": stage_onebyone}[args.child]
            res = fn(args, texts)
        res["peak_rss_mb"] = self_rss_mb()
        print(json.dumps(res))
        return

    import platform

    n_tokens = count_tokens(texts)
    n_docs = len(texts)
    stages = args.stages.split(",")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in"
        src.mkdir()
        for name, text in texts:
            (src / f"{name}.txt").write_text(text, encoding="utf-8")
        if "hebnews" in stages:
            results["hebnews"] = run_cli(args, [str(src)], str(Path(tmp) / "out"), [])
        for rt in ("torch", "onnx"):
            if f"hebnews-{rt}" in stages and (rt == "torch" or args.device == "cpu"):
                results[f"hebnews-{rt}"] = run_cli(args, [str(src)], str(Path(tmp) / f"out-{rt}"), ["--runtime", rt])
        if "cold" in stages:
            colds = [run_cli(args, [str(SEED)], str(Path(tmp) / f"seed{i}.json"), [])["seconds"] for i in range(3)]
            results["cold"] = {"seconds": min(colds), "runs": [round(c, 2) for c in colds]}
    for st in ("inproc", "onebyone", "naive", "forward", "forward-torch", "forward-onnx"):
        if st in stages and not (st == "forward-onnx" and args.device != "cpu"):
            results[st] = run_child(st, args)

    device_name = __import__("torch").cuda.get_device_name(0) if args.device == "cuda" else \
        (platform.processor() or platform.machine())
    default = results.get("forward", {})
    print(f"\nhebnews throughput · {n_docs} documents · {n_tokens} tokens · device {args.device} "
          f"({device_name}, {os.cpu_count()} cores, OMP_NUM_THREADS {os.environ.get('OMP_NUM_THREADS')}) · "
          f"default settings run {default.get('runtime', '?')} {default.get('precision', '')} · "
          f"load {os.getloadavg()[0]:.1f}")
    print(f"{'stage':14} {'seconds':>9} {'tokens/s':>10} {'articles/s':>11} {'peak RSS MB':>12}  runtime")
    for st in ("hebnews", "hebnews-torch", "hebnews-onnx", "inproc", "onebyone", "naive", "forward",
               "forward-torch", "forward-onnx"):
        if st in results:
            r = results[st]
            r["tokens_per_s"] = n_tokens / r["seconds"]
            r["articles_per_s"] = n_docs / r["seconds"]
            print(f"{st:14} {r['seconds']:9.2f} {r['tokens_per_s']:10.0f} {r['articles_per_s']:11.2f} "
                  f"{r.get('peak_rss_mb', 0):12.0f}  {r.get('runtime', '')} {r.get('precision', '')}")
    if "cold" in results:
        print(f"{'cold start':14} {results['cold']['seconds']:9.2f} s (seed article, best of 3: "
              f"{results['cold']['runs']})")
    ratios = {}
    if "hebnews" in results and "naive" in results:
        ratios["hebnews_vs_naive_speedup"] = results["hebnews"]["tokens_per_s"] / results["naive"]["tokens_per_s"]
    if "hebnews" in results and "forward" in results:
        ratios["hebnews_time_vs_forward"] = results["hebnews"]["seconds"] / results["forward"]["seconds"]
    if "inproc" in results and "onebyone" in results:
        ratios["batch_vs_onebyone_speedup"] = results["onebyone"]["seconds"] / results["inproc"]["seconds"]
    if "inproc" in results and "forward" in results:
        ratios["inproc_time_vs_forward"] = results["inproc"]["seconds"] / results["forward"]["seconds"]
    for rt in ("torch", "onnx"):  # each runtime end to end against its own forward pass, and naive
        if f"hebnews-{rt}" in results and "naive" in results:
            ratios[f"{rt}_vs_naive_speedup"] = results[f"hebnews-{rt}"]["tokens_per_s"] / results["naive"]["tokens_per_s"]
        if f"hebnews-{rt}" in results and f"forward-{rt}" in results:
            ratios[f"{rt}_time_vs_forward"] = results[f"hebnews-{rt}"]["seconds"] / results[f"forward-{rt}"]["seconds"]
    for k, v in ratios.items():
        print(f"{k}: {v:.2f}")
    if args.json:
        Path(args.json).write_text(json.dumps({"documents": n_docs, "tokens": n_tokens, "device": args.device,
                                               "device_name": device_name, "results": results,
                                               "ratios": ratios}, indent=1))


if __name__ == "__main__":
    main()
