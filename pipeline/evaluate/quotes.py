"""Quote evaluation against the hebnews quotation gold (data/quotes/*.jsonl).

A predicted quote matches a gold quote when their spans overlap with IoU >= 0.8 (one-to-one,
best IoU first). Speaker accuracy is over matched quotes whose gold speaker is not null: the
predicted speaker is right when its text names the same speaker as the gold text: equal, or
one is a run of whole words of the other (טראמפ / דונלד טראמפ), clitic prefixes ignored.
Cue accuracy is over matched quotes with a gold cue (the predicted cue overlaps it). Speaker
gender is scored over matched quotes whose predicted speaker is right: precision = right
genders / genders given, where a gender given to a speaker whose gold gender is null (not a
person, or the text does not say) counts as given and wrong; coverage = genders given / quotes
whose gold gender is known.
"""
from __future__ import annotations

from pathlib import Path

from ..lang.he import SPEAKER_EDGE, SPEAKER_FOLD, SPEAKER_PREFIXES

IOU = 0.8


def iou(a: tuple[int, int], b: tuple[int, int]) -> float:
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union if union else 0.0


def match(pred: list[dict], gold: list[dict]) -> list[tuple[int, int]]:
    pairs = sorted(((iou((p["start"], p["end"]), (g["start"], g["end"])), i, j)
                    for i, p in enumerate(pred) for j, g in enumerate(gold)), reverse=True)
    used_p, used_g, out = set(), set(), []
    for v, i, j in pairs:
        if v < IOU:
            break
        if i not in used_p and j not in used_g:
            used_p.add(i)
            used_g.add(j)
            out.append((i, j))
    return out


_FOLD = str.maketrans(SPEAKER_FOLD)


def _words(text: str) -> list[str]:
    text = text.translate(_FOLD)
    return [w.strip(SPEAKER_EDGE) for w in text.split() if w.strip(SPEAKER_EDGE)]


def _variants(w: str) -> set[str]:
    out = {w}
    for p in SPEAKER_PREFIXES:
        if w.startswith(p) and len(w) - len(p) >= 2:
            out.add(w[len(p):])
    return out


def same_speaker(pred: str | None, gold: str | None) -> bool:
    if pred is None or gold is None:
        return pred is None and gold is None
    a, b = _words(pred), _words(gold)
    if not a or not b:
        return False
    if len(a) > len(b):
        a, b = b, a
    for s in range(len(b) - len(a) + 1):
        if all(_variants(x) & _variants(y) for x, y in zip(a, b[s:s + len(a)])):
            return True
    return False


def _context(text: str, start: int, end: int, width: int = 40) -> str:
    """The quote with ``width`` characters either side, on one line (for error listings)."""
    return " ".join(text[max(0, start - width):end + width].split())


def _score_pair(p: dict, g: dict, doc_id, n: dict, errors: list) -> None:
    """Speaker, cue and speaker-gender counts of one matched pair (``p`` predicted, ``g`` gold)."""
    gs, ps = g.get("speaker"), p.get("speaker")
    if gs is not None:
        n["spk_total"] += 1
        ok = same_speaker(ps["text"] if ps else None, gs["text"])
        n["spk_ok"] += ok
        if not ok:
            errors.append({"kind": "speaker", "doc": doc_id, "quote": g.get("text", "")[:60],
                           "gold": gs["text"], "pred": ps["text"] if ps else None})
        elif "gender" in gs:  # the speaker is right and the gold was annotated for gender
            pg = ps.get("gender")
            if gs["gender"] is not None:  # the gold knows the gender
                n["gen_total"] += 1
                n["gen_pred"] += pg is not None
            else:  # no gender (not a person, or the text does not say): any given is wrong
                n["gen_on_null"] += pg is not None
            n["gen_ok"] += pg is not None and pg == gs["gender"]
            if pg is not None and pg != gs["gender"]:
                errors.append({"kind": "gender", "doc": doc_id, "quote": g.get("text", "")[:60],
                               "gold": gs["gender"], "pred": pg, "from": ps.get("gender_from")})
    gc, pc = g.get("cue"), p.get("cue")
    if gc is not None:
        n["cue_total"] += 1
        n["cue_ok"] += bool(pc and pc["start"] < gc["end"] and gc["start"] < pc["end"])


def _ratio(a: int, b: int) -> float:
    return round(a / b, 4) if b else 0.0


def score(pred_docs: list[dict], gold_docs: list[dict]) -> dict:
    """Quote P/R/F1, speaker and cue accuracy, and speaker-gender precision and coverage (over
    matched quotes whose speaker is right and whose gold gender is known: precision = right
    genders / genders given, coverage = genders given / such quotes); ``errors`` lists every
    missed and spurious quote, every wrong speaker and every wrong gender (``kind``: missed /
    spurious / speaker / gender) for error analysis."""
    tp = n_pred = n_gold = 0
    n = dict.fromkeys(("spk_total", "spk_ok", "cue_total", "cue_ok", "gen_total", "gen_pred", "gen_ok",
                                 "gen_on_null"), 0)
    errors = []
    for p, g in zip(pred_docs, gold_docs):
        pq, gq = p.get("quotes", []), g.get("quotes", [])
        n_pred += len(pq)
        n_gold += len(gq)
        pairs = match(pq, gq)
        tp += len(pairs)
        hit_p, hit_g = {i for i, _ in pairs}, {j for _, j in pairs}
        text = g.get("text", "")
        for j, q in enumerate(gq):
            if j not in hit_g:
                errors.append({"kind": "missed", "doc": g.get("id"), "quote": q.get("text", "")[:60],
                               "context": _context(text, q["start"], q["end"])})
        for i, q in enumerate(pq):
            if i not in hit_p:
                errors.append({"kind": "spurious", "doc": g.get("id"), "quote": q.get("text", "")[:60],
                               "score": q.get("score"), "context": _context(text, q["start"], q["end"])})
        for i, j in pairs:
            _score_pair(pq[i], gq[j], g.get("id"), n, errors)
    prec = tp / n_pred if n_pred else 0.0
    rec = tp / n_gold if n_gold else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return {"task": "quotes", "documents": len(gold_docs), "gold_quotes": n_gold, "predicted_quotes": n_pred,
            "matched": tp, "quote_precision": round(prec, 4), "quote_recall": round(rec, 4),
            "quote_f1": round(f1, 4), "speaker_total": n["spk_total"], "speaker_correct": n["spk_ok"],
            "speaker_accuracy": _ratio(n["spk_ok"], n["spk_total"]),
            "cue_total": n["cue_total"], "cue_correct": n["cue_ok"],
            "cue_accuracy": _ratio(n["cue_ok"], n["cue_total"]),
            "gender_total": n["gen_total"], "gender_predicted": n["gen_pred"], "gender_correct": n["gen_ok"],
            "gender_on_null": n["gen_on_null"],
            "gender_precision": _ratio(n["gen_ok"], n["gen_pred"] + n["gen_on_null"]),
            "gender_coverage": _ratio(n["gen_pred"], n["gen_total"]),
            "errors": errors}


def evaluate(annotator, gold_path: Path | str, cache: Path | None = None, model_dir: Path | None = None,
             predictions: Path | None = None) -> dict:
    """Score ``annotator`` on a quote gold file. ``cache``: a folder (e.g. build/quote-cache)
    where the documents before the quote head are kept (:mod:`.quote_cache`; ``model_dir``: the
    annotator's model folder, part of the key), so a rerun after a speaker-rule change runs no
    encoder. ``predictions``: a JSONL file for the predicted documents (with the gold's ids)."""
    from ..corpora.quote_gold import load

    gold = load([gold_path])
    texts = [g["text"] for g in gold]
    if cache is None:
        preds = [d.to_dict() for d in annotator.annotate_many(texts)]
    else:
        from .quote_cache import cache_key, finish_docs, prepared_docs

        key = cache_key(Path(model_dir), Path(gold_path), {"precision": annotator.classifier.precision,
                                                           "layers": list(annotator.quote_tagger.cfg.layers)})
        preds = finish_docs(annotator, prepared_docs(annotator, texts, Path(cache) / key / "docs.pkl"))
    if predictions is not None:
        write_predictions(predictions, gold, preds)
    result = score(preds, gold)
    result["gold"] = str(gold_path)
    return result


def write_predictions(path: Path | str, gold: list[dict], preds: list[dict]) -> None:
    """Predicted documents as JSONL, each with its gold document's id, in the gold's order."""
    import json

    Path(path).write_text("".join(json.dumps({"id": g.get("id"), **p}, ensure_ascii=False) + "\n"
                                  for g, p in zip(gold, preds)), encoding="utf-8")
