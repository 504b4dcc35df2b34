"""The stage contract and the working document that flows through the stages.

A stage has a ``name``, the layers it ``requires`` and the layers it ``provides``; the chain is
checked when a pipeline is built (like Stanza's processor requirements), so a pipeline that
asks for quotes without entities fails at load time, not in the middle of a batch. A stage is
called on one document (``stage(doc)``) or on a batch (``stage.pipe(docs)``; the encoder is the
one stage that must see many documents at once, the others default to a loop).

The working document carries the layers; each stage reads what earlier stages set and adds its
own. Offsets are into the original text everywhere except where a layer says "working text"
(the normalised copy; ``doc.normalized.to_original`` maps back).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar, Iterable, Sequence

import numpy as np

from ..document import Document, Entity, SentenceSpan, TokenSpan


class PipelineError(ValueError):
    """A stage list whose requirements are not met, or an unknown stage name."""


@dataclass
class WorkDoc:
    """One document on its way through the stages (the layers are set by the stages named)."""

    text: str  # the original, never changed
    meta: dict[str, Any] = field(default_factory=dict)
    normalized: Any = None  # normalize: NormalizedText (working text + offset map)
    sentences: list = field(default_factory=list)  # segment: segment.Sentence
    tokens: list = field(default_factory=list)  # segment: segment.Token
    candidates: list = field(default_factory=list)  # quote candidates: quotes.Candidate (working text)
    want_vectors: list[bool] | None = None  # encode: sentences whose word vectors a later stage reads
    logprobs: list[np.ndarray] | None = None  # encode: per sentence (n_words, n_labels)
    vectors: list[np.ndarray | None] | None = None  # encode: per sentence word vectors or None
    spans: list[tuple[int, int, str, float]] = field(default_factory=list)  # ner: token spans + score
    entities: list[Entity] = field(default_factory=list)  # prefixes: character spans
    clusters: list = field(default_factory=list)  # clusters: clusters.Cluster
    cluster_of: dict[str, str] = field(default_factory=dict)  # clusters: entity id -> cluster id
    quote_doc: Any = None  # quote head: quotes.QuoteDocument (what the quote stages read)
    quote_reading: Any = None  # quote head: quotes.HeadReading (the chosen candidates, scores)
    quotes: list = field(default_factory=list)  # speakers: quote dicts (hebnews.document/1)
    layers: set[str] = field(default_factory=set)  # names of the layers set so far

    def to_document(self) -> Document:
        return Document(
            text=self.text,
            meta=self.meta,
            sentences=[SentenceSpan(s.start, s.end) for s in self.sentences],
            tokens=[TokenSpan(t.start, t.end, t.text, t.sentence) for t in self.tokens],
            entities=self.entities,
            quotes=list(self.quotes),
            clusters=[c.to_dict() for c in self.clusters],
        )


class Stage:
    """A step of the pipeline: override :meth:`__call__` (one document) or :meth:`pipe` (a batch)."""

    name: ClassVar[str] = ""
    requires: ClassVar[tuple[str, ...]] = ()
    provides: ClassVar[tuple[str, ...]] = ()
    batched: ClassVar[bool] = False  # must see many documents at once (pipe)

    def __call__(self, doc: WorkDoc) -> WorkDoc:
        return self.pipe([doc])[0]

    def pipe(self, docs: list[WorkDoc], stop: Callable[[], bool] | None = None) -> list[WorkDoc]:
        return [self(d) for d in docs]

    def wants_vectors(self, doc: WorkDoc) -> list[bool] | None:
        """Sentences of ``doc`` whose encoder vectors this stage reads (None: none)."""
        return None

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "requires": list(self.requires), "provides": list(self.provides)}


def check_chain(stages: Sequence[Stage]) -> None:
    """Every stage's requirements are provided by an earlier stage; names are unique."""
    have: set[str] = set()
    for i, st in enumerate(stages):
        if any(st.name == other.name for other in stages[:i]):
            raise PipelineError(f"stage {st.name!r} appears twice")
        missing = [r for r in st.requires if r not in have]
        if missing:
            before = ", ".join(s.name for s in stages[:i]) or "none"
            raise PipelineError(f"stage {st.name!r} requires {', '.join(missing)}, which no earlier "
                                f"stage provides (stages before it: {before})")
        have.update(st.provides)


def run_stages(stages: Iterable[Stage], docs: list[WorkDoc], stop=None) -> list[WorkDoc]:
    for st in stages:
        docs = st.pipe(docs, stop) if st.batched else [st(d) for d in docs]
        for d in docs:
            d.layers.update(st.provides)
    return docs
