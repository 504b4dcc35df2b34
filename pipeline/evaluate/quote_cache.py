"""A cache for measuring speaker rules: the quote stages' inputs, kept on disk.

The speaker rules run after the quote head, and the quote head after the encoder. Measuring a
rule change on the quote gold (or on the 5-fold cross-validation of the train gold, whose heads
are trained per fold) need not run the encoder or train heads again: :func:`prepared_docs` keeps
each document as it stands before the quote head (tokens, entities, clusters, the encoder's
word vectors and NER probabilities) in a pickle under ``build/``, and :func:`finish_docs` runs
the quote head and every later stage on them. The cross-validation also keeps each fold's
trained head (:mod:`hebnews.train.quotes`).

The cache folder's name is a hash of what the cached values depend on: the model's files (not
its quote head, which these stages replace), the gold file, the caller's parameters and the
source of the modules that run before the quote head or train it (:data:`UPSTREAM`). The speaker
modules (``quotes/decode.py``, ``mentions.py``, ``speakers.py``, ``lang/he.py``) are not part of
the key: a cached run re-reads them. A change to ``lang/he.py`` that changes entities or
prefixes (not only speakers) needs a fresh run (``--no-cache`` or a new folder).
"""
from __future__ import annotations

import hashlib
import json
import pickle
from pathlib import Path

from ..stages import run_stages
from ..stages.base import WorkDoc

CACHE_DIR = Path("build") / "quote-cache"
PKG = Path(__file__).resolve().parent.parent
# the modules whose code decides what is cached: the stages before the quote head, the head
# itself, its training, and the candidates it reads
UPSTREAM = ("normalize.py", "segment.py", "model.py", "encoder.py", "ner.py", "prefixes.py", "heads.py",
            "clusters.py", "quote_head.py", "quotes/candidates.py", "stages/text.py", "stages/encode.py",
            "stages/entities.py", "version.py")
_SKIP_MODEL_FILES = ("quote_head.json", "quote_head.safetensors", "README.md")


def cache_key(model_dir: Path, gold: Path, params: dict) -> str:
    """A hash of the model's files (quote head and card left out), the gold file, ``params`` and
    the upstream source (:data:`UPSTREAM`): the name of the cache folder."""
    h = hashlib.sha256()
    for f in sorted(Path(model_dir).iterdir()):
        if f.is_file() and f.name not in _SKIP_MODEL_FILES:
            h.update(f.name.encode() + b"\0" + hashlib.sha256(f.read_bytes()).digest())
    h.update(hashlib.sha256(Path(gold).read_bytes()).digest())
    h.update(json.dumps(params, sort_keys=True, default=str).encode())
    for name in UPSTREAM:
        h.update(name.encode() + b"\0" + (PKG / name).read_bytes())
    return h.hexdigest()[:20]


def _split_at_quote_head(ann) -> int:
    names = [s.name for s in ann.stages]
    if "quote-head" not in names:
        raise ValueError("the annotator has no quote head")
    return names.index("quote-head")


def prepared_docs(ann, texts: list[str], path: Path | None) -> list[WorkDoc]:
    """The documents after the stages before the quote head (encoder batches gathered as
    :meth:`~hebnews.annotator.Annotator.annotate_stream` gathers them); read from ``path`` when
    it exists, else computed and, with a ``path``, written there."""
    if path is not None and path.is_file():
        with open(path, "rb") as f:
            docs = pickle.load(f)
        if len(docs) == len(texts) and all(d.text == t for d, t in zip(docs, texts)):
            return docs
    before = ann.stages[:_split_at_quote_head(ann)]
    first_batched = next((i for i, s in enumerate(before) if s.batched), len(before))
    early, late = before[:first_batched], before[first_batched:]
    docs: list[WorkDoc] = []
    pending: list[WorkDoc] = []
    waiting = 0
    for t in texts:
        pending += run_stages(early, [WorkDoc(t, {})])
        waiting += len(pending[-1].sentences)
        if waiting >= ann.batch_sentences:
            docs += run_stages(late, pending)
            pending, waiting = [], 0
    if pending:
        docs += run_stages(late, pending)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with open(tmp, "wb") as f:
            pickle.dump(docs, f, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)
    return docs


def finish_docs(ann, docs: list[WorkDoc]) -> list[dict]:
    """The quote head and every later stage of ``ann`` on prepared documents: their JSON dicts
    (``meta`` left empty)."""
    after = ann.stages[_split_at_quote_head(ann):]
    return [d.to_document().to_dict() for d in run_stages(after, docs)]
