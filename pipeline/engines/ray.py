"""The same annotation on Ray Data, for archives that one machine cannot do in time.

    hebnews annotate archive.jsonl -o out/ --engine ray [--ray-address auto|ray://head:10001]
        [--ray-workers N]

Inputs: JSONL files (``{"id", "text", ...}`` per line, read with ``ray.data.read_json``) and/or
text files (read with ``ray.data.read_binary_files`` and decoded by our readers on the
workers). Each worker is a stateful actor that loads the model once and annotates batches of
documents (sentences of a batch share encoder calls, as in a single process); the documents are
written as JSONL shards under OUT/ (``ray.data`` file datasink: one file per block, written
by the workers), and inputs that cannot be read are written to OUT/errors.jsonl by the driver.
Locally, Ray starts in-process (``ray.init()``); ``--ray-address`` joins an existing cluster,
where OUT must be a path every node can write (shared file system, or s3://... via pyarrow).
"""
from __future__ import annotations

import json
import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)


class AnnotateBatch:
    """Ray Data stateful UDF: one model per worker, a batch of rows in, documents out."""

    def __init__(self, model_dir: str | None, device: str, batch_sentences: int, threads: int):
        import torch

        from ..annotator import Annotator

        torch.set_num_threads(threads)
        self.annotator = Annotator.load(model_dir, device=device, batch_sentences=batch_sentences)

    def __call__(self, batch: dict) -> dict:
        from ..readers import InputError, decode, source_meta

        ids, lines, errors = [], [], []
        records = []
        n = len(batch["id"])
        for i in range(n):
            rid = str(batch["id"][i])
            if "bytes" in batch:  # a text file
                try:
                    dec = decode(bytes(batch["bytes"][i]), str(batch["path"][i]))
                except InputError as exc:
                    ids.append(rid)
                    lines.append("")
                    errors.append(str(exc))
                    continue
                records.append((rid, dec.text, source_meta(str(batch["path"][i]), dec.encoding, id=rid)))
            else:  # a JSONL record
                text = batch["text"][i]
                if not isinstance(text, str):
                    ids.append(rid)
                    lines.append("")
                    errors.append(f"record {rid}: no text field")
                    continue
                records.append((rid, text, {"source": str(batch["source"][i]), "id": rid}))
        docs = self.annotator.annotate_stream((t, m) for _, t, m in records)
        for (rid, _, _), doc in zip(records, docs):
            ids.append(rid)
            lines.append(doc.to_json(indent=None))
            errors.append("")
        return {"id": ids, "line": lines, "error": errors}


def _line_datasink(path: str):
    from ray.data.datasource import BlockBasedFileDatasink

    class JsonLinesDatasink(BlockBasedFileDatasink):
        """Writes each row's ``line`` (an annotated document) as one JSONL line."""

        def __init__(self, path):
            super().__init__(path, file_format="jsonl")

        def write_block_to_file(self, block, file):
            for row in block.iter_rows(public_row_format=False):
                file.write((row["line"] + "\n").encode("utf-8"))

    return JsonLinesDatasink(path)


def _normalise_jsonl(batch: dict) -> dict:
    """JSONL records -> id, text, source columns (a missing id becomes a hash of the text)."""
    import hashlib

    n = len(next(iter(batch.values())))
    ids = batch.get("id")
    texts = batch.get("text")

    def rid(i):
        if ids is not None and ids[i] is not None and str(ids[i]) != "nan":
            return str(ids[i])
        return "sha1:" + hashlib.sha1(str(texts[i] if texts is not None else i).encode()).hexdigest()[:16]

    return {"id": [rid(i) for i in range(n)],
            "text": [texts[i] if texts is not None else None for i in range(n)],
            "source": [str(batch["path"][i]) if "path" in batch else "" for i in range(n)]}


def _where(ds, ok: bool):
    try:
        from ray.data.expressions import col

        return ds.filter(expr=(col("error") == "") if ok else (col("error") != ""))
    except (ImportError, TypeError):  # older Ray: a Python predicate
        return ds.filter(lambda r: (r["error"] == "") == ok)


def annotate_with_ray(inputs: list[str], out_dir: str, model_dir: str | None = None,
                      device: str = "cpu", address: str | None = None, workers: int = 2,
                      batch_rows: int = 32, batch_sentences: int = 2048) -> dict:
    """Run the annotation on Ray; returns counts. ``inputs``: JSONL files and text files."""
    import ray

    from ..annotator import default_model_dir

    model_dir = str(Path(model_dir or default_model_dir()).resolve())
    threads = max(1, (os.cpu_count() or 1) // workers) if address is None else 0
    threads = threads or max(1, os.cpu_count() or 1)
    def where(p):  # local paths absolute (workers may start elsewhere), URIs as they are
        return p if "://" in p else str(Path(p).resolve())

    jsonl = [where(p) for p in inputs if p.endswith((".jsonl", ".json"))]
    texts = [where(p) for p in inputs if not p.endswith((".jsonl", ".json"))]
    if not ray.is_initialized():
        kw = {}
        if address is None:
            # a local instance: one logical CPU per model actor plus one for reading, so the
            # read tasks are never starved by the actors (actual threads are set per actor)
            kw["num_cpus"] = max(os.cpu_count() or 1, workers + 1)
        ray.init(address=address, include_dashboard=False, log_to_driver=False,
                 ignore_reinit_error=True, logging_level=logging.WARNING, **kw)
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    ctx.print_on_execution_start = False
    logging.getLogger("ray.data").setLevel(logging.WARNING)
    parts = []
    if jsonl:
        ds = ray.data.read_json(jsonl, lines=True, include_paths=True)
        parts.append(ds.map_batches(_normalise_jsonl, batch_format="numpy"))
    if texts:
        ds = ray.data.read_binary_files(texts, include_paths=True)
        parts.append(ds.map_batches(
            lambda b: {"id": [Path(p).stem for p in b["path"]], "bytes": list(b["bytes"]),
                       "path": list(b["path"])}, batch_format="numpy"))
    if not parts:
        raise ValueError("no inputs")
    results = []
    for ds in parts:
        annotated = ds.map_batches(
            AnnotateBatch, fn_constructor_kwargs={"model_dir": model_dir, "device": device,
                                                  "batch_sentences": batch_sentences,
                                                  "threads": threads},
            batch_size=batch_rows, batch_format="numpy",
            compute=ray.data.ActorPoolStrategy(size=workers),
            num_gpus=1 if device.startswith("cuda") else 0).materialize()
        results.append(annotated)
    remote_out = "://" in str(out_dir)
    out = Path(out_dir)
    if not remote_out:
        out.mkdir(parents=True, exist_ok=True)
    written = failed = 0
    errors = []
    for annotated in results:
        ok = _where(annotated, ok=True)
        written += ok.count()
        ok.write_datasink(_line_datasink(str(out_dir) if remote_out else str(out.resolve())))
        bad = _where(annotated, ok=False).take_all()
        failed += len(bad)
        errors += [{"input": r["id"], "error": r["error"]} for r in bad]
    if errors and not remote_out:
        with open(out / "errors.jsonl", "a", encoding="utf-8") as f:
            for e in errors:
                f.write(json.dumps(e, ensure_ascii=False) + "\n")
    return {"written": written, "failed": failed, "errors": [e["error"] for e in errors]}
