"""Annotator: the stages wired together.

text -> normalise -> segment -> encoder -> entities -> clusters -> quotes (speaker, cue).

    from pipeline import Annotator
    doc = Annotator.load().annotate("נשיא ארצות הברית דונלד טראמפ נפגש עם ולדימיר פוטין באלסקה.")
    print(doc.to_json())
"""
from __future__ import annotations

import itertools
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from . import __version__
from .document import Document, Entity, SentenceSpan, TokenSpan, surrogate_problem
from .heads import HeadLexicon
from .model import ModelError, TokenClassifier
from .clusters import cluster_entities, vote_labels
from .ner import BiosDecoder, tag_spans
from .normalize import NormalizedText, normalize
from .prefixes import PrefixStripper
from .quote_head import QuoteTagger, token_features
from .quotes import Candidate, QuoteDocument, find_candidates, tag_quotes
from .segment import Sentence, Token, segment

log = logging.getLogger(__name__)

DEFAULT_MODEL_NAME = "hebnews-ner"


def default_model_dir() -> Path:
    """$HEBNEWS_MODEL, else models/hebnews-ner next to the package (a clone or editable install)."""
    env = os.environ.get("HEBNEWS_MODEL")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "models" / DEFAULT_MODEL_NAME


@dataclass
class _Prepared:
    """A document after the rule stages, waiting for the encoder."""
    nt: NormalizedText
    sentences: list[Sentence]
    tokens: list[Token]
    meta: dict
    candidates: list[Candidate]


class Annotator:
    def __init__(self, classifier: TokenClassifier, prefixes: PrefixStripper, model_name: str,
                 batch_sentences: int = 2048, quote_tagger: QuoteTagger | None = None,
                 heads: HeadLexicon | None = None):
        self.classifier = classifier
        self.quote_tagger = quote_tagger
        self.prefixes = prefixes
        self.decoder = BiosDecoder(classifier.labels)
        self.heads = heads or HeadLexicon()  # entity head nouns (pipeline.heads)
        self.model_name = model_name
        self.batch_sentences = batch_sentences  # sentences gathered per encoder call

    @classmethod
    def load(cls, model_dir: str | os.PathLike | None = None, device: str = "auto",
             batch_sentences: int = 2048, **kw) -> "Annotator":
        """``model_dir``: default $HEBNEWS_MODEL or models/hebnews-ner; ``device``: auto, cpu,
        cuda, cuda:N; ``batch_sentences``: sentences gathered (across documents) per encoder call;
        other keywords go to :meth:`TokenClassifier.load` (precision: auto, fp32, bf16, fp16;
        quantize, backend, max_length, stride, batch_tokens)."""
        path = Path(model_dir) if model_dir else default_model_dir()
        clf = TokenClassifier.load(path, device=device, **kw)
        return cls(clf, PrefixStripper.load(path), path.name, batch_sentences, QuoteTagger.load(path),
                   HeadLexicon.load(path))

    # ------------------------------------------------------------------ stages
    @staticmethod
    def prepare(text: str, meta: dict | None = None) -> _Prepared:
        if not isinstance(text, str):
            raise TypeError(f"annotate() needs str, got {type(text).__name__}")
        problem = surrogate_problem(text)
        if problem:  # the tokenizer would fail on it with a TypeError, the UTF-8 writer later
            raise ValueError(f"cannot annotate: {problem}")
        nt = normalize(text)
        sentences, tokens = segment(nt)
        return _Prepared(nt, sentences, tokens, dict(meta or {}), find_candidates(nt.text))

    @staticmethod
    def _vector_sentences(prep: _Prepared) -> list[bool]:
        """Sentences whose word vectors the quote head reads: around every candidate."""
        want = [False] * len(prep.sentences)
        if not prep.candidates or not prep.tokens:
            return want
        import bisect

        starts = [s.start for s in prep.sentences]
        for c in prep.candidates:
            a = prep.nt.to_original(c.open, c.open + 1)[0]
            b = prep.nt.to_original(c.close, c.close + 1)[0]
            s0 = max(0, bisect.bisect_right(starts, a) - 2)
            s1 = min(len(want), bisect.bisect_right(starts, b) + 1)
            for k in range(s0, s1):
                want[k] = True
        return want

    def _entities(self, prep: _Prepared, logprobs: list[np.ndarray]) -> list[Entity]:
        found = []  # (first token index, last token index + 1, label, score)
        for sent, lp in zip(prep.sentences, logprobs):
            tags = self.decoder.decode(lp)
            labels = self.heads.extend([t.norm for t in prep.tokens[sent.first:sent.last]],
                                       [self.classifier.labels[t] for t in tags])
            chosen = np.exp(lp[np.arange(len(tags)), tags]) if tags else np.zeros(0)
            for span in tag_spans(labels):
                score = float(chosen[span.start:span.end].mean())
                found.append((sent.first + span.start, sent.first + span.end, span.label, score))
        toks = prep.tokens
        names = {toks[i].norm for a, b, _, _ in found for i in range(a, b)}
        words = {t.norm for t in toks if t.kind == "heb"}
        entities = []
        for a, b, label, score in found:
            first = toks[a]
            prev = toks[a - 1].norm if a > 0 else ""
            k = self.prefixes.prefix_len(first.norm, names, words, prev) if first.kind == "heb" else 0
            start = int(prep.nt.starts[first.wstart + k]) if k else first.start
            end = toks[b - 1].end
            entities.append(Entity(f"e{len(entities) + 1}", start, end, prep.nt.original[start:end],
                                   label, round(score, 4), first.start))
        return entities

    def _finish(self, prep: _Prepared, logprobs: list[np.ndarray],
                vectors: list[np.ndarray | None] | None = None) -> Document:
        meta = {"source": None, **prep.meta, "model": self.model_name, "version": __version__,
                "precision": self.classifier.precision}
        if self.classifier.quantize:
            meta["quantize"] = self.classifier.quantize
        entities = self._entities(prep, logprobs)
        vote_labels(entities)  # one label per name in a document
        clusters, cluster_of = cluster_entities(entities)
        label_of = {c.id: c.label for c in clusters}
        for e in entities:
            e.cluster = cluster_of.get(e.id)
            e.label = label_of.get(e.cluster, e.label)  # a mention carries its entity's label
        quotes = []
        if self.quote_tagger is not None and prep.candidates and vectors is not None:
            dim = self.quote_tagger.cfg.dim
            rows = [v if v is not None else np.zeros((s.last - s.first, dim), dtype=np.float16)
                    for s, v in zip(prep.sentences, vectors)]
            feats = token_features(self.classifier.labels, np.concatenate(logprobs))
            quotes = tag_quotes(QuoteDocument(prep.nt, prep.tokens, entities, clusters, cluster_of,
                                              np.concatenate(rows), feats, prep.candidates),
                                self.quote_tagger, self.prefixes)
        return Document(
            text=prep.nt.original,
            meta=meta,
            sentences=[SentenceSpan(s.start, s.end) for s in prep.sentences],
            tokens=[TokenSpan(t.start, t.end, t.text, t.sentence) for t in prep.tokens],
            entities=entities,
            quotes=quotes,
            clusters=[c.to_dict() for c in clusters],
        )

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
        true, :class:`~pipeline.model.Interrupted` is raised and the documents in progress are
        dropped (the documents yielded before are complete).
        """
        limit = batch_size or self.batch_sentences
        pending: list[_Prepared] = []
        waiting = 0
        for text, meta in records:
            prep = self.prepare(text, meta)
            pending.append(prep)
            waiting += len(prep.sentences)
            if waiting >= limit:
                yield from self._run(pending, stop)
                pending, waiting = [], 0
        if pending:
            yield from self._run(pending, stop)

    def _run(self, preps: list[_Prepared], stop=None) -> Iterator[Document]:
        docs = [[[t.norm for t in p.tokens[s.first:s.last]] for s in p.sentences] for p in preps]
        if self.quote_tagger is not None:
            want = [w for p in preps for w in self._vector_sentences(p)]
            logprobs, vectors = self.classifier.run_documents(docs, want, tuple(self.quote_tagger.cfg.layers),
                                                              stop=stop)
        else:
            logprobs, vectors = self.classifier.run_documents(docs, stop=stop)
        k = 0
        for p in preps:
            n = len(p.sentences)
            yield self._finish(p, logprobs[k:k + n], vectors[k:k + n])
            k += n


__all__ = ["Annotator", "ModelError", "default_model_dir"]
