"""Quote stages: candidates (pairs of quotation marks, rules), the quote head (which are
quotations: reads the encoder's word vectors around each candidate), speakers (cue and
speaker mention of each quotation, resolved to an entity cluster) and the speaker's gender
(what the Hebrew inflection around the speaker says)."""
from __future__ import annotations

import bisect

import numpy as np

from ..quote_head import token_features
from ..quotes import QuoteDocument, assign_genders, attribute_quotes, find_candidates, read_quotes
from .base import Stage, WorkDoc


def sentences_near_candidates(doc: WorkDoc) -> list[bool]:
    """Per sentence: does it hold a candidate's mark, or stand right before or after one (the
    sentences whose word vectors the quote head reads)."""
    want = [False] * len(doc.sentences)
    if not doc.candidates or not doc.tokens:
        return want
    starts = [s.start for s in doc.sentences]
    for c in doc.candidates:
        a = doc.normalized.to_original(c.open, c.open + 1)[0]
        b = doc.normalized.to_original(c.close, c.close + 1)[0]
        s0 = max(0, bisect.bisect_right(starts, a) - 2)
        s1 = min(len(want), bisect.bisect_right(starts, b) + 1)
        for k in range(s0, s1):
            want[k] = True
    return want


class QuoteCandidates(Stage):
    """Pairs of quotation marks in the working text (gershayim in acronyms are not marks)."""

    name = "quote-candidates"
    requires = ("normalized",)
    provides = ("quote_candidates",)

    def __call__(self, doc: WorkDoc) -> WorkDoc:
        doc.candidates = find_candidates(doc.normalized.text)
        return doc


class QuoteHead(Stage):
    """The quote head over the candidates: which are quotations. It reads the encoder's word
    vectors of the sentences around each candidate (:meth:`wants_vectors`, asked by the encoder
    before it runs) and the NER head's per-word features."""

    name = "quote-head"
    requires = ("tokens", "quote_candidates", "logprobs", "vectors", "clusters")
    provides = ("quote_reading",)

    def __init__(self, tagger, labels: list[str]):
        self.tagger = tagger
        self.labels = labels
        self.vector_layers = tuple(tagger.cfg.layers)

    def wants_vectors(self, doc: WorkDoc) -> list[bool]:
        return sentences_near_candidates(doc)

    def __call__(self, doc: WorkDoc) -> WorkDoc:
        doc.quote_doc = doc.quote_reading = None
        if not doc.candidates or doc.vectors is None:
            return doc
        dim = self.tagger.cfg.dim
        rows = [v if v is not None else np.zeros((s.last - s.first, dim), dtype=np.float16)
                for s, v in zip(doc.sentences, doc.vectors)]
        feats = token_features(self.labels, np.concatenate(doc.logprobs))
        doc.quote_doc = QuoteDocument(doc.normalized, doc.tokens, doc.entities, doc.clusters, doc.cluster_of,
                                      np.concatenate(rows), feats, doc.candidates)
        doc.quote_reading = read_quotes(doc.quote_doc, self.tagger)
        return doc


class Speakers(Stage):
    """Each quotation's cue (אמר, הדגישה, לדבריו) and speaker: the mention the head points at,
    a pronoun or pointer cue resolved to the last person named, a surname to its cluster."""

    name = "speakers"
    requires = ("quote_reading", "clusters")
    provides = ("quotes",)

    def __init__(self, tagger, prefixes):
        self.tagger = tagger
        self.prefixes = prefixes

    def __call__(self, doc: WorkDoc) -> WorkDoc:
        if doc.quote_doc is not None:
            doc.quotes = attribute_quotes(doc.quote_doc, doc.quote_reading, self.tagger, self.prefixes)
        return doc


class SpeakerGender(Stage):
    """Each speaker's gender from the text (אמר / אמרה, הוא / היא, לדבריו / לדבריה, השופטת):
    the evidence at the quote and, for a person, at the other quotes and mentions of their
    cluster; conflicting evidence gives null (:mod:`hebnews.quotes.gender`)."""

    name = "gender"
    requires = ("tokens", "quotes", "clusters")
    provides = ("speaker_gender",)

    def __call__(self, doc: WorkDoc) -> WorkDoc:
        if doc.quotes:
            assign_genders(doc.quotes, doc.tokens, doc.entities, doc.cluster_of)
        return doc
