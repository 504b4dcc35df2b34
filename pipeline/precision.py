"""The precision the encoder's weights run in: ``auto`` detects what is fast on this machine.

bf16 is 3.4x faster than fp32 for our encoder on CPUs with AMX-BF16 and several times slower
on CPUs without bf16 instructions, so ``auto`` detects (never assumes): AMX-BF16 in the CPU's
flags -> bf16; no bf16 instructions -> fp32; AVX512-BF16 without AMX -> a short probe decides.
On CUDA: bf16 on GPUs that compute it natively, fp16 on older ones.
"""
from __future__ import annotations

import functools
import os
import time

from .errors import ModelError

PRECISIONS = ("auto", "fp32", "bf16", "fp16")
BF16_GAIN = 0.8  # the probe picks bf16 only when its matmul takes under 0.8 x the fp32 time


def torch_dtype(precision: str):
    import torch

    return {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[precision]


def cpu_flags() -> frozenset[str]:
    """The CPU's feature flags as Linux names them (``amx_bf16``, ``avx512_bf16``, ...), from
    /proc/cpuinfo; where it has none (macOS, Windows, ARM), the two that matter here as torch's
    cpuinfo reports them (an AMX tile unit comes with AMX-BF16 on every CPU that has one)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("flags"):
                    return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    import torch

    checks = {"amx_bf16": "_is_amx_tile_supported", "avx512_bf16": "_is_avx512_bf16_supported"}
    return frozenset(flag for flag, fn in checks.items() if getattr(torch.cpu, fn, lambda: False)())


@functools.lru_cache(maxsize=1)
def bf16_probe() -> tuple[float, float]:
    """Seconds for one (64 x 384) x (384 x 1536) Linear, the shape of the encoder's feed-forward
    layer, in fp32 and in bf16 on this CPU: the best of three after a warm-up, with torch's
    current thread count. Run once per process, only on CPUs with AVX512-BF16 but no AMX."""
    import torch

    gen = torch.Generator().manual_seed(0)
    x, w = torch.randn(64, 384, generator=gen), torch.randn(1536, 384, generator=gen)
    best = []
    with torch.inference_mode():
        for dtype in (torch.float32, torch.bfloat16):
            xd, wd = x.to(dtype), w.to(dtype)
            torch.nn.functional.linear(xd, wd)
            times = []
            for _ in range(3):
                t = time.perf_counter()
                torch.nn.functional.linear(xd, wd)
                times.append(time.perf_counter() - t)
            best.append(min(times))
    return best[0], best[1]


def choose_precision(device, flags: frozenset[str] | None = None, probe=None) -> tuple[str, str]:
    """What ``precision="auto"`` runs on ``device`` (a torch.device), and why.

    CUDA: bf16 where the GPU computes it natively (compute capability 8.0+, or ROCm), else fp16.
    CPU: bf16 where the CPU has AMX-BF16; fp32 where it has no bf16 instructions at all (bf16
    is then several times slower than fp32); with AVX512-BF16 but no AMX, ``probe()`` (default
    :func:`bf16_probe`: (fp32 seconds, bf16 seconds)) decides. ``flags`` default :func:`cpu_flags`.
    """
    import torch

    if device.type == "cuda":
        if torch.version.hip or torch.cuda.get_device_capability(device)[0] >= 8:
            return "bf16", "the GPU computes bf16 natively"
        return "fp16", "the GPU has no native bf16"
    flags = cpu_flags() if flags is None else flags
    if "amx_bf16" in flags:
        return "bf16", "the CPU has AMX-BF16"
    if "avx512_bf16" not in flags:
        return "fp32", "the CPU has no AMX-BF16 (bf16 would be slower than fp32)"
    fp32_s, bf16_s = (probe or bf16_probe)()
    ratio = bf16_s / fp32_s if fp32_s > 0 else float("inf")
    why = f"AVX512-BF16 without AMX; probe: bf16 takes {ratio:.2f} x the fp32 time"
    return ("bf16" if ratio < BF16_GAIN else "fp32"), why


def resolve_precision(precision: str, device) -> tuple[str, str]:
    """``precision`` (auto, fp32, bf16, fp16) of the torch runtime on ``device`` -> (what runs,
    why). ``auto`` is $HEBNEWS_PRECISION when that is set (fp32, bf16 or fp16), or
    :func:`choose_precision`."""
    if precision not in PRECISIONS:
        raise ModelError(f"unknown precision {precision!r} (expected {', '.join(PRECISIONS)})")
    if precision != "auto":
        return precision, "asked for"
    env = env_precision()
    if env is not None:
        return env, "HEBNEWS_PRECISION"
    return choose_precision(device)


def env_precision() -> str | None:
    """What $HEBNEWS_PRECISION makes ``auto`` mean (fp32, bf16 or fp16), None when it is unset or
    auto; a ModelError for anything else."""
    env = os.environ.get("HEBNEWS_PRECISION", "").strip().lower()
    if not env or env == "auto":
        return None
    if env not in PRECISIONS:
        raise ModelError(f"HEBNEWS_PRECISION={env!r}: expected {', '.join(PRECISIONS)}")
    return env
