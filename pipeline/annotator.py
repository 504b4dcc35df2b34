"""Annotator: the loop over the stages (:mod:`hebnews.stages`).

    from hebnews import Annotator
    doc = Annotator.load().annotate("נשיא ארצות הברית דונלד טראמפ נפגש עם ולדימיר פוטין באלסקה.")
    print(doc.to_json())

Documents stream through: the stages before the encoder run on each document as it arrives;
documents are gathered until ``batch_sentences`` sentences wait, then the encoder reads them all
in length-sorted batches and the later stages finish each document, in input order.
``Annotator.load(exclude=["quotes"])`` builds the pipeline without the quote stages.
"""
from __future__ import annotations

import itertools
import logging
import os
from pathlib import Path
from typing import Iterable, Iterator

from .version import __version__
from .document import Document
from .heads import HeadLexicon
from .model import ModelError, TokenClassifier
from .prefixes import PrefixStripper
from .quote_head import QuoteTagger
from .readers import text_path
from .stages import Stage, WorkDoc, build, run_stages

log = logging.getLogger(__name__)

DEFAULT_MODEL_NAME = "hebnews-ner"


def default_model_dir() -> Path:
    """$HEBNEWS_MODEL, else models/hebnews-ner next to the package (a clone or editable install)."""
    env = os.environ.get("HEBNEWS_MODEL")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "models" / DEFAULT_MODEL_NAME


class Annotator:
    def __init__(self, classifier: TokenClassifier, prefixes: PrefixStripper, model_name: str,
                 batch_sentences: int = 2048, quote_tagger: QuoteTagger | None = None,
                 heads: HeadLexicon | None = None, exclude: Iterable[str] = ()):
        self.classifier = classifier
        self.prefixes = prefixes
        self.heads = heads or HeadLexicon()  # entity head nouns (hebnews.heads)
        self.model_name = model_name
        self.batch_sentences = batch_sentences  # sentences gathered per encoder call
        self.exclude = tuple(exclude)
        self.stages: list[Stage] = build(classifier, prefixes, self.heads, quote_tagger, self.exclude)
        self.quote_tagger = quote_tagger if any(s.name == "quote-head" for s in self.stages) else None
        first_batched = next((i for i, s in enumerate(self.stages) if s.batched), len(self.stages))
        self._early, self._late = self.stages[:first_batched], self.stages[first_batched:]

    @classmethod
    def load(cls, model_dir: str | os.PathLike | None = None, device: str = "auto",
             batch_sentences: int = 2048, exclude: Iterable[str] = (), **kw) -> "Annotator":
        """``model_dir``: default $HEBNEWS_MODEL or models/hebnews-ner; ``device``: auto, cpu,
        cuda, cuda:N; ``batch_sentences``: sentences gathered (across documents) per encoder call;
        ``exclude``: stage names (or ``quotes`` for the three quote stages) to leave out; other
        keywords go to :meth:`TokenClassifier.load` (runtime: auto, torch, onnx; precision: auto,
        fp32, bf16, fp16; backend, max_length, stride, batch_tokens)."""
        path = Path(model_dir) if model_dir else default_model_dir()
        clf = TokenClassifier.load(path, device=device, **kw)
        return cls(clf, PrefixStripper.load(path), text_path(path.name), batch_sentences, QuoteTagger.load(path),
                   HeadLexicon.load(path), exclude)

    def replace(self, **parts) -> "Annotator":
        """The same model parts with some replaced (``quote_tagger``, ``classifier``, ``exclude``...)."""
        now = {"classifier": self.classifier, "prefixes": self.prefixes, "model_name": self.model_name,
               "batch_sentences": self.batch_sentences, "quote_tagger": self.quote_tagger,
               "heads": self.heads, "exclude": self.exclude}
        return Annotator(**{**now, **parts})

    def describe(self) -> list[dict]:
        """The stage list: name, requires, provides (what the README's "how it works" shows)."""
        return [s.describe() for s in self.stages]

    # ------------------------------------------------------------------ the loop
    def start(self, text: str, meta: dict | None = None) -> WorkDoc:
        """A working document after the stages that come before the encoder."""
        doc = WorkDoc(text, dict(meta or {}))
        return run_stages(self._early, [doc])[0]

    @staticmethod
    def prepare(text: str, meta: dict | None = None) -> WorkDoc:
        """Normalise, segment and find quote candidates (no model needed): a working document."""
        from .stages import Normalize, QuoteCandidates, Segment

        return run_stages([Normalize(), Segment(), QuoteCandidates()], [WorkDoc(text, dict(meta or {}))])[0]

    def _finish(self, docs: list[WorkDoc], stop=None) -> Iterator[Document]:
        for d in run_stages(self._late, docs, stop):
            d.meta = {"source": None, **d.meta, "model": self.model_name, "version": __version__,
                      "precision": self.classifier.precision, "runtime": self.classifier.runtime}
            yield d.to_document()

    # ------------------------------------------------------------------ API
    def annotate(self, text: str, meta: dict | None = None) -> Document:
        return next(self.annotate_many([text], [meta]))

    def annotate_many(self, texts: Iterable[str], metas: Iterable[dict | None] | None = None,
                      batch_size: int | None = None) -> Iterator[Document]:
        """Documents in input order; sentences of many documents share encoder batches.

        ``batch_size``: sentences gathered per encoder call (default: ``batch_sentences``).
        """
        metas = metas if metas is not None else itertools.repeat(None)
        return self.annotate_stream(zip(texts, metas), batch_size)

    def annotate_stream(self, records: Iterable[tuple[str, dict | None]],
                        batch_size: int | None = None, stop=None) -> Iterator[Document]:
        """(text, meta) pairs in, documents out in the same order, lazily.

        Documents are gathered until ``batch_size`` sentences are waiting, so memory stays
        bounded however many documents flow through. ``stop``: a callable checked between
        encoder batches (so also between the sentences of one long article); when it returns
        true, :class:`~hebnews.model.Interrupted` is raised and the documents in progress are
        dropped (the documents yielded before are complete).
        """
        limit = batch_size or self.batch_sentences
        pending: list[WorkDoc] = []
        waiting = 0
        for text, meta in records:
            doc = self.start(text, meta)
            pending.append(doc)
            waiting += len(doc.sentences)
            if waiting >= limit:
                yield from self._finish(pending, stop)
                pending, waiting = [], 0
        if pending:
            yield from self._finish(pending, stop)


__all__ = ["Annotator", "ModelError", "default_model_dir"]
