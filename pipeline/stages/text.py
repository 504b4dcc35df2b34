"""Text stages: normalise (working text + offset map) and segment (sentences, tokens)."""
from __future__ import annotations

from ..document import surrogate_problem
from ..normalize import normalize
from ..segment import segment
from .base import Stage, WorkDoc


class Normalize(Stage):
    """Original text -> working text with look-alike characters folded, and the offset map."""

    name = "normalize"
    provides = ("normalized",)

    def __call__(self, doc: WorkDoc) -> WorkDoc:
        if not isinstance(doc.text, str):
            raise TypeError(f"annotate() needs str, got {type(doc.text).__name__}")
        problem = surrogate_problem(doc.text)
        if problem:  # the tokenizer would fail on it with a TypeError, the UTF-8 writer later
            raise ValueError(f"cannot annotate: {problem}")
        doc.normalized = normalize(doc.text)
        return doc


class Segment(Stage):
    """Working text -> sentences and tokens (original offsets)."""

    name = "segment"
    requires = ("normalized",)
    provides = ("sentences", "tokens")

    def __call__(self, doc: WorkDoc) -> WorkDoc:
        doc.sentences, doc.tokens = segment(doc.normalized)
        return doc
