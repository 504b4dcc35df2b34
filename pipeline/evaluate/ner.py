"""Entity-level strict precision / recall / F1 (seqeval strict mode, BIOSE), 0-100."""
from __future__ import annotations

from collections import Counter

from ..ner import tag_spans


def _prf(tp: int, n_pred: int, n_gold: int) -> dict:
    p = 100.0 * tp / n_pred if n_pred else 0.0
    r = 100.0 * tp / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 2), "recall": round(r, 2), "f1": round(f, 2),
            "support": n_gold}


def span_set_scores(pairs) -> dict:
    """P/R/F1 overall and per label over (gold spans, predicted spans) pairs, one per sentence;
    a span is any tuple whose last item is its label; a match is an equal tuple."""
    tp, n_pred, n_gold = Counter(), Counter(), Counter()
    for gs, ps in pairs:
        for s in gs:
            n_gold[s[-1]] += 1
        for s in ps:
            n_pred[s[-1]] += 1
        for s in gs & ps:
            tp[s[-1]] += 1
    out = _prf(sum(tp.values()), sum(n_pred.values()), sum(n_gold.values()))
    labels = sorted(set(n_gold) | set(n_pred))
    out["per_label"] = {lab: _prf(tp[lab], n_pred[lab], n_gold[lab]) for lab in labels}
    return out


def entity_scores(gold: list[list[str]], pred: list[list[str]]) -> dict:
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold sentences but {len(pred)} predicted")

    def pairs():
        for g, p in zip(gold, pred):
            if len(g) != len(p):
                raise ValueError(f"sentence length mismatch: {len(g)} gold tags, {len(p)} predicted")
            yield ({(s.start, s.end, s.label) for s in tag_spans(g)},
                   {(s.start, s.end, s.label) for s in tag_spans(p)})

    return span_set_scores(pairs())


def predict_tags(classifier, sentences: list[list[str]], in_context: bool = True, heads=None) -> list[list[str]]:
    """Constrained-Viterbi tags for pre-tokenised sentences, via the inference stage. A model
    with document context reads the sentences as one running text (``in_context``: they are
    consecutive sentences of a corpus in its order, as NEMO's files are), or each on its own.
    ``heads``: a :class:`hebnews.heads.HeadLexicon`, applied as the annotator applies it."""
    from ..ner import BiosDecoder

    decoder = BiosDecoder(classifier.labels)
    if in_context and getattr(classifier, "context_length", 0):
        logprobs = classifier.run_documents([sentences])[0]
    else:
        logprobs = classifier.logprobs(sentences)
    tags = [[classifier.labels[i] for i in decoder.decode(lp)] for lp in logprobs]
    if heads is not None:
        tags = [heads.extend(w, t) for w, t in zip(sentences, tags)]
    return tags


def evaluate_sentences(classifier, sentences, in_context: bool = True, heads=None) -> dict:
    """Score gold :class:`hebnews.corpora.base.Sentence` objects; words are normalised as the annotator does."""
    from ..normalize import normalize

    words = [[normalize(w).text for w in s.tokens] for s in sentences]
    return entity_scores([s.labels for s in sentences], predict_tags(classifier, words, in_context, heads))


BMC_MAP = {"PER": "PER", "ORG": "ORG", "LOC": "LOC", "GPE": "LOC"}


def _map_tags(tags: list[str], mapping: dict[str, str]) -> list[str]:
    out = []
    for t in tags:
        kind, _, lab = t.partition("-")
        out.append(f"{kind}-{mapping[lab]}" if lab in mapping else "O")
    return out


def evaluate_bmc(classifier, data_dir, split: str = "test", heads=None) -> dict:
    """BMC's three random splits, PER/ORG/LOC only (our GPE counts as LOC, BMC's DATE, TIME,
    MONEY, PERCENT and our other types are ignored); token-level strict F1 per split + mean."""
    from ..corpora.bmes import bmc_split
    from ..normalize import normalize

    per_split = {}
    for k in (1, 2, 3):
        sents = bmc_split(data_dir, split, k)
        words = [[normalize(w).text for w in s.tokens] for s in sents]
        gold = [_map_tags(s.labels, {"PER": "PER", "ORG": "ORG", "LOC": "LOC"}) for s in sents]
        # random splits: neighbouring sentences are not from one article, so never in context
        pred = [_map_tags(p, BMC_MAP) for p in predict_tags(classifier, words, in_context=False, heads=heads)]
        per_split[str(k)] = entity_scores(gold, pred)
    mean = {m: round(sum(r[m] for r in per_split.values()) / 3, 2) for m in ("precision", "recall", "f1")}
    return {**mean, "support": sum(r["support"] for r in per_split.values()), "splits": per_split,
            "per_label": per_split["1"]["per_label"]}
