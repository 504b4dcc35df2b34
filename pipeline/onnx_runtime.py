"""The encoder through ONNX Runtime: the export, and a session that runs it.

The lite encoder (:mod:`hebnews.encoder`) is exported once (fp32) to ONNX with dynamic batch
and sequence axes; its outputs are the logits and every layer's hidden states (the quote head
reads two of them; a run asks only for the ones it needs). The file is written atomically into a
cache, never into the model folder. (int8 went: ONNX Runtime's dynamic int8 cost 1.7 NEMO dev
F1, over the 0.3 the issue allows; bench/runtimes.py still measures it.)
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
import warnings
from pathlib import Path

import numpy as np

from .errors import ModelError
from .readers import not_text


OPSET = 17
EXPORT_FORMAT = 1  # bumped when export() changes what the file holds (a new cache entry)


def cache_dir(path: Path) -> Path:
    """Where the ONNX files of the model folder ``path`` live: $HEBNEWS_CACHE (default
    ~/.cache/hebnews) / onnx / <folder name>-<fingerprint of its config and weights>."""
    root = Path(os.environ.get("HEBNEWS_CACHE") or Path.home() / ".cache" / "hebnews")
    h = hashlib.sha256((path / "config.json").read_bytes())
    st = (path / "model.safetensors").stat()
    h.update(f"{st.st_size}:{st.st_mtime_ns}:opset{OPSET}:{EXPORT_FORMAT}".encode())
    return root / "onnx" / f"{path.resolve().name}-{h.hexdigest()[:16]}"


def export(path: Path, out: Path) -> None:
    """The folder's lite encoder (fp32) as ONNX: inputs input_ids, attention_mask (int64,
    batch x seq); outputs logits and hidden_0 .. hidden_N (batch x seq x hidden)."""
    import torch

    from . import encoder

    model = encoder.load_model(path, torch.float32, torch.device("cpu"))
    n_layers = len(model.layers)

    class Everything(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.m = model

        def forward(self, input_ids, attention_mask):
            o = self.m(input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=True)
            return (o.logits, *o.hidden_states)

    ids = torch.full((2, 12), 5, dtype=torch.int64)
    mask = torch.ones_like(ids)
    names = ["logits"] + [f"hidden_{i}" for i in range(n_layers + 1)]
    axes = {"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
            **{n: {0: "batch", 1: "seq"} for n in names}}
    with torch.inference_mode(), warnings.catch_warnings():
        # the TorchScript exporter (dynamo=False) is deprecated but exact for this graph; its
        # tracer warns about the q, k, v unpacking (always 3)
        warnings.simplefilter("ignore")
        # written through a Python file: the exporter's C++ side takes no path whose bytes are
        # not UTF-8 (a model folder or $HEBNEWS_CACHE so named)
        with open(out, "wb") as f:
            torch.onnx.export(Everything().eval(), (ids, mask), f, input_names=["input_ids", "attention_mask"],
                              output_names=names, dynamic_axes=axes, opset_version=OPSET, dynamo=False)


STALE_TEMP_S = 3600  # a temp file this old is a killed build's, not a concurrent one's


def _atomic(build, target: Path) -> None:
    """Run ``build(tmp_file)`` in ``target``'s folder, then flush it to disk and rename it onto
    ``target``; temp files that killed builds left (older than an hour) are removed first."""
    import time

    target.parent.mkdir(parents=True, exist_ok=True)
    for old in target.parent.glob(f".{target.stem}-*.onnx"):
        try:
            if time.time() - old.stat().st_mtime > STALE_TEMP_S:
                old.unlink()
        except OSError:
            pass
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}-", suffix=".onnx")
    os.close(fd)
    try:
        build(Path(tmp))
        os.chmod(tmp, 0o644)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def model_file(path: Path, rebuild: bool = False) -> Path:
    """The cached ONNX file of the model folder ``path``, exported on first use (or again with
    ``rebuild``); written atomically, so concurrent first runs are safe. A cache that cannot be
    written is a :class:`ModelError` naming it."""
    folder = cache_dir(path)
    target = folder / "model-fp32.onnx"
    try:
        if rebuild or not target.is_file():
            _atomic(lambda tmp: export(path, tmp), target)
    except OSError as exc:
        raise ModelError(f"cannot write the ONNX cache {folder} ({exc.strerror or exc}); set "
                         "HEBNEWS_CACHE to a folder you can write, or use --runtime torch") from None
    return target


def _threads() -> int:
    """$OMP_NUM_THREADS's first number (OpenMP allows lists: 2,1), else the CPU count."""
    first = (os.environ.get("OMP_NUM_THREADS") or "").split(",")[0].strip()
    return int(first) if first.isdigit() and int(first) > 0 else (os.cpu_count() or 1)


class OnnxEncoder:
    """An ONNX Runtime session behind the runtime call :class:`hebnews.runtimes.TorchEncoder`
    has: numpy ids and mask in, log-probabilities and hidden states out."""

    runtime = "onnx"
    device = "cpu"
    # padded sub-words per batch: ONNX Runtime's working set for one layer of the exported graph
    # is about 68 KB a sub-word (attention scores, unfused GELU), 560 MB for torch's 8192; at
    # 2048 it is 140 MB and the forward pass as fast (2-core EPYC, 128-sub-word rows)
    batch_tokens = 2048

    def __init__(self, file: Path, config: dict, threads: int | None = None):
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        n = threads or _threads()
        opts.intra_op_num_threads = n
        opts.inter_op_num_threads = 1
        # no arena: it keeps the largest batch's buffers (shapes vary every batch) for good
        opts.enable_cpu_mem_arena = False
        # no busy-waiting between runs: the annotator's Python work (and, on a shared machine,
        # other processes) gets the cores back as soon as a batch is done
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        # (a path whose bytes are not UTF-8, which ONNX Runtime cannot take: from the file's bytes)
        model = Path(file).read_bytes() if not_text(str(file)) else str(file)
        self.session = ort.InferenceSession(model, opts, providers=["CPUExecutionProvider"])
        self.file = file
        self.model = None  # no torch module
        self.precision = "fp32"
        self.hidden_size = config["hidden_size"]
        id2label = {int(k): v for k, v in config["id2label"].items()}
        self.labels = [id2label[i] for i in range(len(id2label))]
        self.context_length = int(config.get("hebnews_context_length") or 0)

    def __call__(self, ids: np.ndarray, mask: np.ndarray, layers: tuple[int, ...] = (), hidden: bool = False):
        """(log-probabilities float32 (b, t, labels), the ``layers``' hidden states concatenated,
        float16, or None when ``hidden`` is false)."""
        names = ["logits"] + ([f"hidden_{k}" for k in layers] if hidden else [])
        outs = self.session.run(names, {"input_ids": ids, "attention_mask": mask})
        x = outs[0]
        m = x.max(-1, keepdims=True)
        lp = x - (m + np.log(np.exp(x - m).sum(-1, keepdims=True)))
        hs = np.concatenate(outs[1:], axis=-1).astype(np.float16) if hidden else None
        return lp.astype(np.float32, copy=False), hs


def load(path: Path) -> OnnxEncoder:
    """The ONNX encoder of a model folder, exported into the cache on first use."""
    config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    file = model_file(path)
    try:
        return OnnxEncoder(file, config)
    except Exception:  # a cached file that does not load (truncated, corrupt): built again, once
        file = model_file(path, rebuild=True)
    try:
        return OnnxEncoder(file, config)
    except Exception as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ModelError(f"ONNX Runtime cannot load {file}: {first}") from None
