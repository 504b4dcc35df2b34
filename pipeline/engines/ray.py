"""The same annotation on Ray Data, for archives that one machine cannot do in time.

    hebnews annotate archive.jsonl docs/ -o out/ --engine ray [--ray-address auto|ray://head:10001]
        [--ray-workers N]

Inputs are read by the same code as a local run (:mod:`hebnews.io.sources`), on the workers:
text and HTML files (decoded, HTML extracted), JSONL archives (every field but ``text`` in
``meta``, a line without an id gets ``PATH:LINE``); paths stay as given in ``meta.source`` and
are opened from the driver's working folder; s3://, gs://, ... files are read through pyarrow.
The driver then walks the records' keys in input order, as a local run does, so that a second
record with an id already seen, and every unreadable input, is reported in the same words and
order; inputs that fail go to stderr and OUT/errors.jsonl. Each worker is a stateful actor that
loads the model once and annotates batches of documents; the documents are written as JSONL
shards under OUT/ (``ray.data`` file datasink: one file per block, written by the workers).
Locally, Ray starts in-process (``ray.init()``); ``--ray-address`` joins an existing cluster,
where OUT must be a path every node can write (shared file system, or s3://... via pyarrow).
"""
from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Callable, Iterator

from ..io.runtime import ErrorLog, RunResult
from ..io.sinks import jsonl_line
from ..io.sources import Record, input_records, located, unique

log = logging.getLogger(__name__)
_READ_ROWS = 256  # records per block that a read task hands on


class _Rows:
    """The rows one read task hands on: records and errors of an input, numbered in order."""
    COLS = ("idx", "n", "key", "text", "meta", "where", "error")

    def __init__(self, idx: int):
        self.idx, self.n, self.rows = idx, 0, []

    def add(self, key: str, text: str, meta: str, where: str, error: str) -> None:
        self.rows.append((self.idx, self.n, key, text, meta, where, error))
        self.n += 1

    def take(self) -> dict:
        block = {c: [r[i] for r in self.rows] for i, c in enumerate(self.COLS)}
        self.rows = []
        return block


def read_input_rows(batch: dict, base: str, encoding: str, input_format: str) -> Iterator[dict]:
    """Ray Data batch UDF: inputs ``(idx, path, name)`` -> their records and errors, in order
    (``n``), as columns; ``meta`` travels as JSON."""
    for idx, path, name in zip(batch["idx"], batch["path"], batch["name"]):
        out = _Rows(int(idx))
        recs = input_records(str(path), str(name), lambda where, msg: out.add("", "", "", where, msg),
                             encoding, input_format, opener=located(base))
        for rec in recs:
            out.add(rec.key, rec.text, json.dumps(rec.meta), rec.where, "")
            if len(out.rows) >= _READ_ROWS:
                yield out.take()
        if out.rows:
            yield out.take()


def _in_order(index: list[dict], report) -> Iterator[Record]:
    """The read rows' keys in input order (errors reported on the way), as records to check."""
    for row in sorted(index, key=lambda r: (r["idx"], r["n"])):
        if row["error"]:
            report(row["where"], row["error"])
        else:
            yield Record(row["key"], "", {"row": (row["idx"], row["n"])}, row["where"])


def checked_rows(read, report) -> set[tuple[int, int]]:
    """(idx, n) of the records a local run would annotate: unreadable inputs and second records
    of an id are reported, in the order and words of a local run."""
    index = read.select_columns(["idx", "n", "key", "where", "error"]).take_all()
    return {rec.meta["row"] for rec in unique(_in_order(index, report), report)}


class AnnotateBatch:
    """Ray Data stateful UDF: one model per worker, a batch of records in, JSONL lines out."""

    def __init__(self, model_dir: str | None, device: str, batch_sentences: int, threads: int,
                 precision: str = "auto", runtime: str = "auto", backend: str = "auto"):
        from ..annotator import Annotator

        os.environ["OMP_NUM_THREADS"] = str(threads)  # what ONNX Runtime's session takes
        self.annotator = Annotator.load(model_dir, device=device, batch_sentences=batch_sentences,
                                        precision=precision, runtime=runtime, backend=backend)
        if self.annotator.classifier.runtime == "torch":
            import torch

            torch.set_num_threads(threads)

    def __call__(self, batch: dict) -> dict:
        records = [(str(t), json.loads(str(m))) for t, m in zip(batch["text"], batch["meta"])]
        lines, errors = [], []
        for doc, where in zip(self.annotator.annotate_stream(iter(records)), batch["where"]):
            line, problem = jsonl_line(doc, str(where))
            lines.append(line[:-1] if line else "")
            errors.append(problem or "")
        return {"line": lines, "where": [str(w) for w in batch["where"]], "error": errors}


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


def _where(ds, ok: bool):
    try:
        from ray.data.expressions import col

        return ds.filter(expr=(col("error") == "") if ok else (col("error") != ""))
    except (ImportError, TypeError):  # older Ray: a Python predicate
        return ds.filter(lambda r: (r["error"] == "") == ok)


def _start(address: str | None, workers: int) -> None:
    import ray

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


def _read(inputs: list[tuple[str, str]], encoding: str, input_format: str, report):
    """The records to annotate, read on the workers and checked on the driver."""
    import ray

    items = [{"idx": i, "path": p, "name": n} for i, (p, n) in enumerate(inputs)]
    read = ray.data.from_items(items, override_num_blocks=max(1, len(items))).map_batches(
        read_input_rows, batch_size=1, batch_format="numpy",
        fn_kwargs={"base": os.getcwd(), "encoding": encoding, "input_format": input_format},
    ).materialize()
    keep = checked_rows(read, report) if read.count() else set()
    if not keep:
        return None
    return read.filter(lambda r: r["error"] == "" and (r["idx"], r["n"]) in keep)


def annotate_with_ray(inputs: list[tuple[str, str]], out_dir: str, model_dir: str | None = None,
                      device: str = "cpu", address: str | None = None, workers: int = 2,
                      batch_rows: int = 32, batch_sentences: int = 2048, encoding: str = "auto",
                      input_format: str = "auto", precision: str = "auto", runtime: str = "auto",
                      backend: str = "auto", on_error: Callable[[str], None] | None = None) -> RunResult:
    """Annotate ``(path, name)`` inputs (as :func:`hebnews.io.sources.expand_inputs` gives
    them) on Ray into JSONL shards under ``out_dir``; the documents and errors of a local
    ``--format jsonl`` run. ``precision``, ``runtime`` and ``backend``: as ``Annotator.load``
    takes them, on every worker."""
    import ray

    from ..annotator import default_model_dir

    model_dir = str(Path(model_dir or default_model_dir()).resolve())
    threads = max(1, (os.cpu_count() or 1) // workers) if address is None else 0
    threads = threads or max(1, os.cpu_count() or 1)
    remote_out = "://" in str(out_dir)
    out = Path(out_dir)
    if not remote_out:
        out.mkdir(parents=True, exist_ok=True)
    result = RunResult()
    report = ErrorLog(result, Path(os.devnull) if remote_out else out / "errors.jsonl", on_error)
    _start(address, workers)
    todo = _read(inputs, encoding, input_format, report)
    if todo is None:
        return result
    annotated = todo.map_batches(
        AnnotateBatch, fn_constructor_kwargs={"model_dir": model_dir, "device": device,
                                              "batch_sentences": batch_sentences, "threads": threads,
                                              "precision": precision, "runtime": runtime, "backend": backend},
        batch_size=batch_rows, batch_format="numpy", compute=ray.data.ActorPoolStrategy(size=workers),
        num_gpus=1 if device.startswith("cuda") else 0).materialize()
    ok = _where(annotated, ok=True)
    result.written = ok.count()
    ok.write_datasink(_line_datasink(str(out_dir) if remote_out else str(out.resolve())))
    for row in _where(annotated, ok=False).take_all():
        report(row["where"], row["error"])
    return result
