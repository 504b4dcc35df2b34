"""Entity F1 on exact character spans, the way hebnews outputs entities (clitic prefixes out).

Gold comes from :mod:`hebnews.corpora.conllu` (HTB with NEMO labels, IAHLT UD) or
:mod:`hebnews.corpora.ner_gold` (our own JSONL): a text and its entities as character spans.
Predictions are the :class:`pipeline.Annotator` run on that text, tokenisation and prefix
stripping included. A prediction counts when start, end and label all match.
"""
from __future__ import annotations

from ..corpora.base import GoldSentence
from .ner import span_set_scores


def join_running(gold: list[GoldSentence], n: int) -> list[GoldSentence]:
    """Runs of ``n`` consecutive gold sentences as one text each (joined by a newline, spans
    shifted), so a model with document context reads a sentence with its neighbours, as it
    would inside an article; the treebanks keep their sentences in document order."""
    if n <= 1:
        return list(gold)
    out = []
    for a in range(0, len(gold), n):
        text, spans = "", []
        for g in gold[a:a + n]:
            if text:
                text += "\n"
            spans += [(s + len(text), e + len(text), lab) for s, e, lab in g.spans]
            text += g.text
        out.append(GoldSentence(text, spans))
    return out


CONTEXT_RUN = 10  # sentences per running text when a context model is scored in context


def score_spans(annotator, gold: list[GoldSentence], in_context: bool = True, running: int = 1) -> dict:
    """Character-span P/R/F1 of the annotator's entities. ``running`` > 1: runs of that many
    consecutive gold sentences are read as one text, as an article is (the document-level steps,
    one label per name and clusters, act across the run). Otherwise a model with document context
    reads runs of :data:`CONTEXT_RUN` sentences (``in_context``) or each sentence alone, and a
    sentence-level model reads each gold text alone."""
    if running > 1:
        gold = join_running(gold, running)
    elif in_context and getattr(annotator.classifier, "context_length", 0):
        gold = join_running(gold, CONTEXT_RUN)
    docs = annotator.annotate_many([g.text for g in gold])
    return span_set_scores((set(g.spans), {(e.start, e.end, e.label) for e in d.entities})
                           for g, d in zip(gold, docs))
