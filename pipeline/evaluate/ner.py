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


def entity_scores(gold: list[list[str]], pred: list[list[str]]) -> dict:
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold sentences but {len(pred)} predicted")
    tp, n_pred, n_gold = Counter(), Counter(), Counter()
    for g, p in zip(gold, pred):
        if len(g) != len(p):
            raise ValueError(f"sentence length mismatch: {len(g)} gold tags, {len(p)} predicted")
        gs = {(s.start, s.end, s.label) for s in tag_spans(g)}
        ps = {(s.start, s.end, s.label) for s in tag_spans(p)}
        for s in gs:
            n_gold[s[2]] += 1
        for s in ps:
            n_pred[s[2]] += 1
        for s in gs & ps:
            tp[s[2]] += 1
    out = _prf(sum(tp.values()), sum(n_pred.values()), sum(n_gold.values()))
    labels = sorted(set(n_gold) | set(n_pred))
    out["per_label"] = {lab: _prf(tp[lab], n_pred[lab], n_gold[lab]) for lab in labels}
    return out


def predict_tags(classifier, sentences: list[list[str]]) -> list[list[str]]:
    """Constrained-Viterbi tags for pre-tokenised sentences, via the inference stage."""
    from ..ner import BiosDecoder

    decoder = BiosDecoder(classifier.labels)
    return [[classifier.labels[i] for i in decoder.decode(lp)]
            for lp in classifier.logprobs(sentences)]


def evaluate_sentences(classifier, sentences) -> dict:
    """Score gold ``corpora.Sentence`` objects; words are normalised as the annotator does."""
    from ..normalize import normalize

    words = [[normalize(w).text for w in s.tokens] for s in sentences]
    return entity_scores([s.labels for s in sentences], predict_tags(classifier, words))
