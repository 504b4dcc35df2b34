"""Encoder runtimes: what runs the encoder's forward pass, and how ``auto`` picks one.

``torch``: our lite BERT module (or ``transformers``) in torch, precision fp32 / bf16 / fp16.
``onnx``: the same network exported once to ONNX (fp32) and run by ONNX Runtime (a
dependency). Both give the classifier the same call: numpy ids and mask in, numpy log-probabilities
(and the hidden states of some layers) out; the onnx runtime never imports torch, which is most
of the cold start.

``auto`` (the default) is $HEBNEWS_RUNTIME when set, else ``onnx`` where it applies: onnxruntime
installed, a CPU run (no GPU asked for or present), precision auto or fp32, and, for precision
auto, a CPU without AMX-BF16 (there torch bf16 is 3.4x torch fp32 at 99.8% equal labels);
``torch`` everywhere else. On a 2-core AVX512-BF16 EPYC (no AMX) torch bf16 ran the forward pass
faster (3.0x torch fp32 against ONNX Runtime's 1.5x) but cost 0.28 NEMO test token F1 (the
issue allows 0.2 for the default) and needs the torch import (1.6 s of a 1.5 s cold-start
budget), so there too ``auto`` is onnx fp32: the same labels as torch fp32. int8 is gone: both
dynamic int8 paths cost over 0.3 NEMO dev F1 (bench/runtimes.py; the README has the numbers).
"""
from __future__ import annotations

import importlib.util
import os

from .errors import ModelError

RUNTIMES = ("auto", "torch", "onnx")
MISSING_EXTRA = "the onnx runtime needs onnxruntime and onnx (hebnews depends on them): pip install onnxruntime onnx"


def onnx_available() -> bool:
    """Whether onnxruntime can be imported (looked up, not imported: that costs 50 ms)."""
    try:
        return importlib.util.find_spec("onnxruntime") is not None
    except (ImportError, ValueError):  # blocked (sys.modules entry None) or half-installed
        return False


def gpu_present() -> bool:
    """An NVIDIA or AMD GPU driver on this machine (checked without importing torch)."""
    return any(os.path.exists(p) for p in ("/dev/nvidiactl", "/dev/nvidia0", "/dev/kfd"))


def _cpu_run(device: str) -> bool:
    return device == "cpu" or (device == "auto" and not gpu_present())


def resolve_runtime(runtime: str, device: str = "auto", precision: str = "auto",
                    backend: str = "auto", available=None, flags=None) -> tuple[str, str]:
    """(``torch`` or ``onnx``, why) for these load options. ``available``: whether onnxruntime
    is installed (default: looked up); ``flags``: the CPU's flags (default
    :func:`hebnews.precision.cpu_flags`)."""
    from .precision import cpu_flags, env_precision

    source, env = "", env_precision() if precision == "auto" else None
    if env:  # $HEBNEWS_PRECISION says what auto means
        precision, source = env, " (HEBNEWS_PRECISION)"
    if runtime not in RUNTIMES:
        raise ModelError(f"unknown runtime {runtime!r} (expected {', '.join(RUNTIMES)})")
    if runtime == "auto":
        env = os.environ.get("HEBNEWS_RUNTIME", "").strip().lower()
        if env and env != "auto":
            if env not in RUNTIMES:
                raise ModelError(f"HEBNEWS_RUNTIME={env!r}: expected {', '.join(RUNTIMES)}")
            runtime, why = env, "HEBNEWS_RUNTIME"
        else:
            return _auto(device, precision, backend, onnx_available() if available is None else available,
                         cpu_flags() if flags is None else flags)
    else:
        why = "asked for"
    if runtime == "onnx":
        if not _cpu_run(device):
            raise ModelError(f"the onnx runtime runs on the CPU, not on device {device!r}")
        if backend == "transformers":
            raise ModelError("the onnx runtime runs the lite encoder; --backend transformers needs --runtime torch")
        if precision not in ("auto", "fp32"):
            raise ModelError(f"the onnx runtime runs fp32, not {precision}{source}")
        if not (onnx_available() if available is None else available):
            raise ModelError(MISSING_EXTRA)
    return runtime, why


def _auto(device: str, precision: str, backend: str, available: bool, flags) -> tuple[str, str]:
    if not available:
        return "torch", "onnxruntime is not installed"
    if not _cpu_run(device):
        return "torch", "a GPU run"
    if backend == "transformers":
        return "torch", "the transformers backend"
    if precision not in ("auto", "fp32"):
        return "torch", f"precision {precision}"
    if precision == "auto" and "amx_bf16" in flags:
        return "torch", "the CPU has AMX-BF16 (torch bf16 is faster there)"
    return "onnx", "onnxruntime is installed and this is an fp32 CPU run"


class TorchEncoder:
    """A torch token classifier behind the runtime call (numpy in, numpy out)."""

    runtime = "torch"
    batch_tokens = 8192  # padded sub-words per batch

    def __init__(self, model, device=None):
        import torch

        from .precision import PRECISIONS, torch_dtype

        self.torch = torch
        self.model = model.eval()
        self.device = device or next(model.parameters()).device
        self.labels = [model.config.id2label[i] for i in range(model.config.num_labels)]
        self.hidden_size = model.config.hidden_size
        self.context_length = int(getattr(model.config, "hebnews_context_length", 0) or 0)
        dtype = next(model.parameters()).dtype
        self.precision = {torch_dtype(p): p for p in PRECISIONS if p != "auto"}.get(dtype, str(dtype))

    def __call__(self, ids, mask, layers: tuple[int, ...] = (), hidden: bool = False):
        """(log-probabilities float32 (b, t, labels), the ``layers``' hidden states
        concatenated, float16, or None when ``hidden`` is false)."""
        torch = self.torch
        with torch.inference_mode():
            out = self.model(input_ids=torch.from_numpy(ids).to(self.device),
                             attention_mask=torch.from_numpy(mask).to(self.device), output_hidden_states=hidden)
            lp = torch.log_softmax(out.logits.float(), dim=-1).cpu().numpy()
            hs = (torch.cat([out.hidden_states[k] for k in layers], dim=-1).to(torch.float16).cpu().numpy()
                  if hidden else None)
        return lp, hs

