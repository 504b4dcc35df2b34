"""The quote head's forward pass in numpy (inference only; no torch import).

The same network as :func:`hebnews.quote_head.build_module` in eval mode (dropout off), on the
arrays :func:`collate_arrays` builds: LayerNorm, Linear, exact GELU, Embedding, a sum over each
candidate's content words. A test holds it to the torch module (1e-4, fp32). Annotating never
needs torch for the quote head; training still builds the torch module.
"""
from __future__ import annotations

import contextlib
import ctypes
import functools
import glob
import os

import numpy as np

N_SCALARS = 7  # per candidate: length, marks, punctuation (hebnews.quote_head.candidate_inputs)


@functools.lru_cache(maxsize=1)
def _openblas():
    """(get, set) of the thread count of numpy's bundled OpenBLAS, or None (another BLAS)."""
    folder = os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs")
    for path in sorted(glob.glob(os.path.join(folder, "*openblas*"))):
        lib = ctypes.CDLL(path)
        for get, put in (("scipy_openblas_get_num_threads64_", "scipy_openblas_set_num_threads64_"),
                         ("openblas_get_num_threads64_", "openblas_set_num_threads64_"),
                         ("openblas_get_num_threads", "openblas_set_num_threads")):
            if hasattr(lib, get) and hasattr(lib, put):
                return getattr(lib, get), getattr(lib, put)
    return None


@contextlib.contextmanager
def one_blas_thread():
    """numpy's OpenBLAS on one thread inside the block, as before after it. The head's matmuls
    are small; OpenBLAS's threads, spinning against the encoder runtime's, took 18.2 s of CPU
    on 60 HTB documents where one thread takes 0.14 s (2-core EPYC)."""
    blas = _openblas()
    before = blas[0]() if blas else 1
    if blas and before != 1:
        blas[1](1)
    try:
        yield
    finally:
        if blas and before != 1:
            blas[1](before)


def erf(x: np.ndarray) -> np.ndarray:
    """The error function (Abramowitz and Stegun 7.1.26, absolute error under 1.5e-7)."""
    s = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return s * (1.0 - poly * np.exp(-a * a))


def gelu(x: np.ndarray) -> np.ndarray:
    """torch.nn.GELU() (the exact, erf form)."""
    return (0.5 * x * (1.0 + erf(x * np.float32(0.7071067811865476)))).astype(np.float32)


def layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def linear(sd: dict, name: str, x: np.ndarray) -> np.ndarray:
    return x @ sd[f"{name}.weight"].T + sd[f"{name}.bias"]


def collate_arrays(inputs, n_tokens: int, offset: int = 0) -> tuple:
    """(content index, content candidate row, before, after, first, last, scalars, ctx, ctx_pos,
    ctx_mask) as numpy arrays; token indices shifted by ``offset`` (documents stacked); ``-1``
    (none) becomes index ``n_tokens`` (the zero row)."""
    C = len(inputs)
    W = max([len(x.context) for x in inputs] + [1])
    c_idx = np.array([offset + k for x in inputs for k in x.content], dtype=np.int64)
    c_seg = np.array([r for r, x in enumerate(inputs) for _ in x.content], dtype=np.int64)
    idx = np.full((C, 4), n_tokens, dtype=np.int64)
    ctx = np.full((C, W), n_tokens, dtype=np.int64)
    ctx_pos = np.zeros((C, W), dtype=np.int64)
    ctx_mask = np.zeros((C, W), dtype=bool)
    for r, x in enumerate(inputs):
        if x.content:
            idx[r, 0] = offset + x.content[0]
            idx[r, 1] = offset + x.content[-1]
        if x.before >= 0:
            idx[r, 2] = offset + x.before
        if x.after >= 0:
            idx[r, 3] = offset + x.after
        n = len(x.context)
        ctx[r, :n] = [offset + k for k in x.context]
        ctx_pos[r, :n] = x.position
        ctx_mask[r, :n] = True
    scalars = np.array([x.scalars for x in inputs], dtype=np.float32).reshape(C, N_SCALARS)
    return (c_idx, c_seg, idx[:, 2], idx[:, 3], idx[:, 0], idx[:, 1], scalars, ctx, ctx_pos, ctx_mask)


def forward(sd: dict, vec: np.ndarray, feats_in: np.ndarray, arrays: tuple):
    """(quote logit (C,), cue logit (C, W), speaker logits (C, W, 3)) of one member, whose
    weights ``sd`` are the torch module's state dict as float32 arrays."""
    c_idx, c_seg, before, after, first, last, scalars, ctx, ctx_pos, _ = arrays
    T = vec.shape[0]
    flat = np.concatenate([c_idx, before, after, first, last, ctx.reshape(-1)])
    used = np.unique(flat[flat < T])  # only the words some candidate looks at
    x = layer_norm(vec[used].astype(np.float32), sd["norm.weight"], sd["norm.bias"])
    v = linear(sd, "proj", x) + linear(sd, "feat", feats_in[used].astype(np.float32))
    vz = np.concatenate([v, np.zeros((1, v.shape[1]), dtype=v.dtype)])  # the last row: "no word"

    def remap(ix):
        pos = np.searchsorted(used, np.minimum(ix, max(T - 1, 0)))
        return np.where(ix >= T, len(used), pos)

    before, after, first, last, ctx = (remap(a) for a in (before, after, first, last, ctx))
    n_cand = len(before)
    total = np.zeros((n_cand, v.shape[1]), dtype=np.float32)
    np.add.at(total, c_seg, vz[remap(c_idx)])
    count = np.bincount(c_seg, minlength=n_cand).astype(np.float32)
    mean = total / np.maximum(count, 1)[:, None]
    feats = np.concatenate([mean, vz[first], vz[last], vz[before], vz[after], scalars], 1)
    quote_logit = linear(sd, "quote.3", gelu(linear(sd, "quote.0", feats)))[:, 0]
    t = vz[ctx] + sd["pos.weight"][ctx_pos] + linear(sd, "cand", feats)[:, None]
    out = linear(sd, "tok.4", gelu(linear(sd, "tok.2", gelu(t))))
    return quote_logit, out[..., 0], out[..., 1:]


def sigmoid(x: np.ndarray) -> np.ndarray:
    return (1.0 / (1.0 + np.exp(-x))).astype(np.float32)


def softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)
