"""The encoder stage: a model folder -> per-token label log-probabilities.

Input: sentences as lists of word strings (our tokens). Output: for each sentence an array
(n_words, n_labels) of log-probabilities taken at each word's first sub-word. Long sentences are
split into overlapping windows; each word takes its scores from the window where it sits
farthest from an edge. Windows from all sentences are sorted by length and batched together
under a token budget.
"""
from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import Interrupted, ModelError  # noqa: F401  (importers take them from here too)
from . import runtimes
from .precision import PRECISIONS, resolve_precision, torch_dtype
from .runtimes import TorchEncoder

log = logging.getLogger(__name__)


@dataclass
class Encoded:
    ids: list[int]  # sub-word ids, no special tokens
    first: np.ndarray  # (n_words,) index of each word's first sub-word in ids, -1 if none


def encode_words(tokenizer, sentences: list[list[str]]) -> list[Encoded]:
    """Sub-word ids and first-sub-word positions for pre-tokenised sentences (one Rust call)."""
    if not sentences:
        return []
    if hasattr(tokenizer, "encode_pretokenized"):  # hebnews.encoder.WordTokenizer
        pairs = tokenizer.encode_pretokenized(sentences)
    else:  # a transformers tokenizer
        encs = tokenizer(sentences, is_split_into_words=True, add_special_tokens=False, verbose=False)
        pairs = [(encs["input_ids"][i], encs.word_ids(i)) for i in range(len(sentences))]
    out = []
    for words, (ids, word_ids) in zip(sentences, pairs):
        wids = np.array([-1 if w is None else w for w in word_ids], dtype=np.int64)
        first = np.full(len(words), -1, dtype=np.int64)
        if len(wids):
            is_first = np.ones(len(wids), dtype=bool)
            is_first[1:] = wids[1:] != wids[:-1]
            is_first &= wids >= 0
            first[wids[is_first]] = np.nonzero(is_first)[0]
        out.append(Encoded(ids, first))
    return out


def _word_of_sub(e: "Encoded") -> np.ndarray:
    """Per sub-word: the index of the word it starts, or -1 (not a first sub-word)."""
    m = np.full(len(e.ids), -1, dtype=np.int64)
    has = e.first >= 0
    m[e.first[has]] = np.nonzero(has)[0]
    return m


def windows(n: int, size: int, stride: int) -> list[tuple[int, int]]:
    """Cover range(n) with windows of ``size`` that overlap by ``size - stride``."""
    if n <= size:
        return [(0, n)]
    spans, a = [], 0
    while True:
        b = min(a + size, n)
        spans.append((b - size if b - a < size else a, b))
        if b == n:
            return spans
        a += stride


def resolve_device(device: str = "auto"):
    import torch

    if device not in ("auto", "cpu", "cuda") and not device.startswith("cuda:"):
        raise ModelError(f"unknown device {device!r} (expected auto, cpu, cuda or cuda:N)")
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ModelError(f"device {device!r} asked for, but CUDA is not available on this machine")
    return torch.device(device)


def _load_onnx(path: Path):
    """(ONNX encoder, tokenizer) for a checked model folder that the lite encoder runs."""
    from . import encoder

    config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    if not (encoder.supports(config) and (path / "model.safetensors").is_file()):
        raise ModelError(f"the onnx runtime runs {', '.join(encoder.SUPPORTED)} folders with "
                         f"model.safetensors; {path} is {config.get('architectures')}")
    from . import onnx_runtime  # imports no torch; onnxruntime was found by resolve_runtime

    return onnx_runtime.load(path), encoder.WordTokenizer(path)


def _load_backend(path: Path, backend: str, dtype, dev):
    """(model, tokenizer, backend that ran) for a checked model folder, weights in ``dtype``."""
    from . import encoder

    try:
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
        if backend == "auto":
            backend = "lite" if encoder.supports(config) and (path / "model.safetensors").is_file() \
                else "transformers"
        if backend == "lite":
            if not encoder.supports(config):
                raise ModelError(f"the lite backend runs {', '.join(encoder.SUPPORTED)} only; "
                                 f"{path} is {config.get('architectures')}")
            tok = encoder.WordTokenizer(path)
            model = encoder.load_model(path, dtype, dev)
            model.config.hebnews_context_length = int(config.get("hebnews_context_length") or 0)
        else:
            from transformers import AutoModelForTokenClassification, AutoTokenizer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
            tok = AutoTokenizer.from_pretrained(path)
            model = AutoModelForTokenClassification.from_pretrained(path, dtype=dtype).to(dev)
    except Exception as exc:  # noqa: BLE001 - any failure to read the folder is a ModelError
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelError(f"cannot load model from {path}: {first}") from exc
    return model, tok, backend


class TokenClassifier:
    """Batched, windowed inference for a token-classification model folder."""

    def __init__(self, model, tokenizer, device=None, max_length: int = 512, stride: int | None = None,
                 batch_tokens: int | None = None, max_batch: int = 64, context_length: int | None = None):
        """``model``: a runtime (:class:`hebnews.runtimes.TorchEncoder`, an ONNX encoder) or a
        torch token classifier, which is wrapped in a TorchEncoder. ``batch_tokens``: padded
        sub-words per encoder batch (default: the runtime's, 8192 on torch, 2048 on onnx)."""
        self.encoder = model if hasattr(model, "runtime") else TorchEncoder(model, device)
        self.model = self.encoder.model  # the torch module (None on the onnx runtime)
        self.runtime = self.encoder.runtime
        self.tokenizer = tokenizer
        self.device = self.encoder.device
        self.labels = list(self.encoder.labels)
        self.hidden_size = self.encoder.hidden_size
        self.cls_id = tokenizer.cls_token_id
        self.sep_id = tokenizer.sep_token_id
        self.pad_id = tokenizer.pad_token_id
        self.window = max_length - 2
        self.stride = stride or self.window // 2
        self.batch_tokens = batch_tokens or self.encoder.batch_tokens
        self.max_batch = max_batch
        # document context: a model trained on runs of consecutive sentences (config key
        # ``hebnews_context_length``, sub-words with specials) reads each document as one stream
        # in windows of that length; 0 = every sentence on its own
        if context_length is None:
            context_length = self.encoder.context_length
        if context_length and context_length < 16:
            raise ModelError(f"context length {context_length} is too short (at least 16 sub-words)")
        self.context_length = context_length
        # what the weights run in (load says why this precision was chosen)
        self.precision = self.encoder.precision
        self.precision_reason = "the model's weights"
        self.backend = "lite"

    @classmethod
    def load(cls, path: str | os.PathLike, device: str = "auto", backend: str = "auto",
             precision: str = "auto", runtime: str = "auto", **kw) -> "TokenClassifier":
        """``runtime``: ``torch``, ``onnx`` (ONNX Runtime; CPU, fp32) or
        ``auto`` (:func:`hebnews.runtimes.resolve_runtime`). ``backend`` (torch runtime):
        ``lite`` (our lean BERT runtime, :mod:`hebnews.encoder`; no transformers import),
        ``transformers``, or ``auto`` (lite when the folder is a BERT token classifier).
        ``precision``: ``fp32``, ``bf16``, ``fp16`` (torch) or ``auto`` (torch:
        :func:`resolve_precision`; onnx: fp32); log-probabilities are computed in fp32 whatever
        it is."""
        if backend not in ("auto", "lite", "transformers"):
            raise ModelError(f"unknown backend {backend!r} (expected auto, lite or transformers)")
        if precision not in PRECISIONS:
            raise ModelError(f"unknown precision {precision!r} (expected {', '.join(PRECISIONS)})")
        runtime, rwhy = runtimes.resolve_runtime(runtime, device, precision, backend)
        path = Path(path)
        if not path.is_dir():
            raise ModelError(f"model folder not found: {path}")
        for need in ("config.json", "tokenizer.json"):
            if not (path / need).is_file():
                raise ModelError(f"model folder {path} is incomplete: no {need}")
        log.info("runtime %s: %s", runtime, rwhy)
        if runtime == "onnx":
            why = "the onnx runtime runs fp32"
            enc, tok = _load_onnx(path)
            clf = cls(enc, tok, **kw)
        else:
            dev = resolve_device(device)
            precision, why = resolve_precision(precision, dev)
            log.info("precision %s on %s: %s", precision, dev, why)
            model, tok, backend = _load_backend(path, backend, torch_dtype(precision), dev)
            clf = cls(model, tok, dev, **kw)
            clf.backend = backend
        clf.precision_reason = why
        clf.runtime_reason = rwhy
        return clf

    def _batches(self, items: list[tuple[int, int, list[int]]]):
        """Group (key, offset, ids) windows, sorted by length, under the token budget."""
        order = sorted(range(len(items)), key=lambda i: len(items[i][2]))
        batch: list[int] = []
        longest = 0
        for i in order:
            n = len(items[i][2]) + 2
            if batch and (max(longest, n) * (len(batch) + 1) > self.batch_tokens
                          or len(batch) >= self.max_batch):
                yield batch
                batch, longest = [], 0
            batch.append(i)
            longest = max(longest, n)
        if batch:
            yield batch

    def pad(self, seqs: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
        """<s> seq </s> rows padded to the longest: input ids and attention mask."""
        width = max(len(s) for s in seqs) + 2
        ids = np.full((len(seqs), width), self.pad_id, dtype=np.int64)
        mask = np.zeros((len(seqs), width), dtype=np.int64)
        for r, seq in enumerate(seqs):
            ids[r, 0] = self.cls_id
            ids[r, 1:len(seq) + 1] = seq
            ids[r, len(seq) + 1] = self.sep_id
            mask[r, :len(seq) + 2] = 1
        return ids, mask

    def logprobs(self, sentences: list[list[str]]) -> list[np.ndarray]:
        """(n_words, n_labels) log-probabilities per sentence."""
        return self.run(sentences)[0]

    def run_documents(self, documents: list[list[list[str]]], want_vectors: list[bool] | None = None,
                      layers: tuple[int, ...] = (), stop=None) -> tuple[list[np.ndarray], list[np.ndarray | None]]:
        """:meth:`run` for sentences grouped by document: results per sentence, all documents'
        sentences in order. ``want_vectors`` is per sentence. A model with document context
        reads each document's sentences as one stream (windows of ``context_length`` that
        overlap by half, each word scored where it sits most central); otherwise each sentence
        is read on its own, as :meth:`run` does. ``stop``: a callable checked between encoder
        batches; when it returns true, :class:`Interrupted` is raised."""
        flat = [s for doc in documents for s in doc]
        if not self.context_length:
            return self._run(flat, want_vectors, layers, self.window, self.stride, stop)
        want = want_vectors if want_vectors is not None else [False] * len(flat)
        if len(want) != len(flat):
            raise ValueError(f"want_vectors has {len(want)} flags for {len(flat)} sentences")
        streams, stream_want, k = [], [], 0
        for doc in documents:
            streams.append([w for s in doc for w in s])
            stream_want.append(any(want[k:k + len(doc)]))
            k += len(doc)
        window = self.context_length - 2
        lps, vecs = self._run(streams, stream_want, layers, window, max(1, window // 2), stop)
        out_lp, out_vec, k = [], [], 0
        for doc, lp, vec in zip(documents, lps, vecs):
            o = 0
            for s in doc:
                out_lp.append(lp[o:o + len(s)])
                out_vec.append(vec[o:o + len(s)] if vec is not None and want[k] else None)
                o += len(s)
                k += 1
        return out_lp, out_vec

    def run(self, sentences: list[list[str]], want_vectors: list[bool] | None = None,
            layers: tuple[int, ...] = ()) -> tuple[list[np.ndarray], list[np.ndarray | None]]:
        """Log-probabilities per sentence and, for the sentences flagged in ``want_vectors``,
        word vectors: the hidden states of ``layers`` (0 = embeddings) at each word's first
        sub-word, concatenated, float16, (n_words, len(layers) * hidden). One forward pass
        serves both; a word scored by several windows takes the most central one."""
        return self._run(sentences, want_vectors, layers, self.window, self.stride)

    def _word_scores(self, enc: Encoded, scores: np.ndarray) -> np.ndarray:
        """Per-word log-probabilities: each word's first sub-word's; a word with no sub-word
        (only dropped characters) is O."""
        word = np.full((len(enc.first), len(self.labels)), -30.0, dtype=np.float32)
        word[:, self.labels.index("O")] = 0.0
        has = enc.first >= 0
        word[has] = scores[enc.first[has]]
        return word

    def _run(self, sentences, want_vectors, layers, window: int, stride: int, stop=None):
        encoded = encode_words(self.tokenizer, sentences)
        n_labels = len(self.labels)
        want = want_vectors if (want_vectors is not None and layers) else [False] * len(encoded)
        width = self.hidden_size * len(layers)
        sub_scores = [np.zeros((len(e.ids), n_labels), dtype=np.float32) for e in encoded]
        # word vectors are written straight into per-word arrays (first sub-words only)
        word_vecs = [np.zeros((len(e.first), width), dtype=np.float16) if w else None
                     for e, w in zip(encoded, want)]
        word_of_sub = [_word_of_sub(e) if w else None for e, w in zip(encoded, want)]
        sub_best = [np.full(len(e.ids), -1.0, dtype=np.float32) for e in encoded]
        items: list[tuple[int, int, list[int]]] = []
        for si, enc in enumerate(encoded):
            for a, b in windows(len(enc.ids), window, stride):
                if b > a:
                    items.append((si, a, enc.ids[a:b]))
        for batch in self._batches(items):
            if stop is not None and stop():
                raise Interrupted("stopped between encoder batches")
            ids, mask = self.pad([items[i][2] for i in batch])
            lp, hs = self.encoder(ids, mask, layers, any(want[items[i][0]] for i in batch))
            for r, i in enumerate(batch):
                si, a, seq = items[i]
                n = len(seq)
                # distance of each position to the nearer window edge: prefer central ones
                pos = np.arange(n)
                centrality = np.minimum(pos, n - 1 - pos).astype(np.float32)
                if a == 0:
                    centrality = np.maximum(centrality, n - 1 - pos)  # no left edge
                if a + n == len(encoded[si].ids):
                    centrality = np.maximum(centrality, pos)  # no right edge
                better = centrality > sub_best[si][a:a + n]
                sub_scores[si][a:a + n][better] = lp[r, 1:n + 1][better]
                if word_vecs[si] is not None:
                    sel = better & (word_of_sub[si][a:a + n] >= 0)
                    word_vecs[si][word_of_sub[si][a:a + n][sel]] = hs[r, 1:n + 1][sel]
                sub_best[si][a:a + n][better] = centrality[better]
        result = [self._word_scores(enc, scores) for enc, scores in zip(encoded, sub_scores)]
        return result, word_vecs
