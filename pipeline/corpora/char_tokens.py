"""Character-span gold as token-level training sentences: the text is tokenised by our own
segmenter and each entity tagged in NEMO token-single BIOSE over the tokens it covers, clitic
prefix included, as NEMO token-single does.
"""
from __future__ import annotations

from pathlib import Path

from .base import Sentence, need
from .conllu import iahlt_gold
from .ner_gold import jsonl_gold, parse_fold


def _span_labels(toks, spans, whole: bool = False) -> list[str]:
    """NEMO token-single BIOSE for character spans over our tokens: an entity covers the tokens
    from the one holding its first character to the one holding its last (clitic prefix
    included); overlapping entities keep the first. ``whole``: drop an entity that starts or ends
    outside these tokens (one that crosses a sentence boundary)."""
    from ..ner import set_span_tags

    labels = ["O"] * len(toks)
    for a, b, lab in sorted(spans):
        idx = [i for i, t in enumerate(toks) if t.start < b and t.end > a]
        if not idx or (whole and (toks[idx[0]].start > a or toks[idx[-1]].end < b)) \
                or any(labels[i] != "O" for i in idx):
            continue
        set_span_tags(labels, idx[0], idx[-1], lab)
    return labels


def iahlt_dev_sentences(data_dir: Path | str) -> list[Sentence]:
    """IAHLTwiki + IAHLTknesset **dev** sentences as our tokens with NEMO token-single BIOSE tags.

    Gold comes from the bracketed ``Entity=`` annotation (outer entities of NEMO's nine types;
    TIMEX, TTL and MISC are O). The text is tokenised by our own segmenter, and an entity covers
    the tokens from the one holding its first character to the one holding its last, clitic
    prefix included, as NEMO token-single does. The test files are never read here.
    """
    from ..normalize import normalize
    from ..segment import tokenize

    out = []
    for corpus in ("iahltwiki", "iahltknesset"):
        for g in iahlt_gold(data_dir, corpus, "dev"):
            toks = tokenize(normalize(g.text))
            if not toks:
                continue
            out.append(Sentence([g.text[t.start:t.end] for t in toks], _span_labels(toks, g.spans)))
    return out


def char_gold_sentences(path: Path | str, fold: str | None = None) -> list[Sentence]:
    """Our own character-span gold (``data/ner/*.jsonl``, the shape ``hebnews annotate`` writes)
    as training sentences: each paragraph is segmented into sentences by our own segmenter and
    tagged in NEMO token-single BIOSE, an entity covering the tokens from the one holding its
    first character to the one holding its last (clitic prefix included, as NEMO does). An
    entity that crosses a sentence boundary is dropped (O). ``fold="i/k"`` keeps only the
    articles of fold i of k (see :func:`hebnews.corpora.ner_gold.jsonl_gold`).
    """
    from ..normalize import normalize
    from ..segment import segment

    out = []
    for g in jsonl_gold(need(Path(path)), parse_fold(fold)):
        sents, toks = segment(normalize(g.text))
        for s in sents:
            stoks = toks[s.first:s.last]
            out.append(Sentence([g.text[t.start:t.end] for t in stoks], _span_labels(stoks, g.spans, whole=True)))
    return out
