"""The speaker guarantees of issue 22, checked on predicted documents (hebnews.document/1 dicts):

* ``numeral``: no speaker is a numeral or quantifier alone (אחד, 3, כמה);
* ``unresolved_pronoun``: no third-person pronoun (or לדבריו-type word) is left as the speaker
  when a person is named, outside quotations, in the sentence of its mention (two people for
  הם / לדבריהם; אני, the writer, may stay);
* ``foreign_paragraph``: no speaker is a name from a paragraph in another language than the
  quote's (an English tweet's author is not the speaker of a Hebrew quote).

``python -m hebnews.evaluate.speaker_checks PRED.jsonl ...`` prints the count of each and the
violations; :func:`violations` is the function. With ``--gold GOLD.jsonl`` (one prediction file,
in the gold's order) it also prints, for each error class of issue 22 (:func:`speaker_class`), how
many matched speakers fall in it and how many of those are wrong.
"""
from __future__ import annotations

import json
import sys

from ..lang.he import ARTICLE, CUE_HOMOGRAPHS, POINTER_CUE, THIRD_PERSON, THIRD_PERSON_PLURAL
from ..quotes.mentions import paragraph_language
from ..quotes.nominal import counting, in_lexicon, non_nominal, pronoun
from .quotes import match, same_speaker

CLASSES = ("numeral", "homograph", "foreign_paragraph", "non_nominal", "reference", "other")


def _inside(start: int, end: int, spans) -> bool:
    return any(a <= start and end <= b for a, b in spans)


def _sentence(doc: dict, pos: int) -> tuple[int, int]:
    for s in doc.get("sentences", []):
        if s["start"] <= pos < s["end"]:
            return s["start"], s["end"]
    return pos, pos


def _unresolved(doc: dict, q: dict, sp: dict, ents, spans) -> bool:
    """A third-person pronoun or pointer word left as the speaker (no entity) while its sentence
    names, outside quotations, a person (two for a plural one: הם, לדבריהם)."""
    words = sp["text"].split()
    if sp.get("entity") is not None or len(words) != 1:
        return False
    w = words[0]
    if not (pronoun(w, THIRD_PERSON) or POINTER_CUE.match(w)):
        return False
    need = 2 if pronoun(w, THIRD_PERSON_PLURAL) or w.endswith(tuple(THIRD_PERSON_PLURAL)) else 1
    s0, s1 = _sentence(doc, sp["mention"]["start"] if sp.get("mention") else q["start"])
    named = [e for e in ents
             if e["label"] == "PER" and s0 <= e["start"] < s1 and not _inside(e["start"], e["end"], spans)]
    return len(named) >= need


def violations(doc: dict) -> list[dict]:
    """Each broken guarantee in one predicted document: ``kind``, quote id, speaker text."""
    text, out = doc["text"], []
    ents = {e["id"]: e for e in doc.get("entities", [])}
    spans = [(q["start"], q["end"]) for q in doc.get("quotes", [])]
    for q in doc.get("quotes", []):
        sp = q.get("speaker")
        if not sp:
            continue
        words = sp["text"].split()
        found = []
        if words and all(counting(w.strip(".,")) for w in words):
            found.append("numeral")
        if _unresolved(doc, q, sp, ents.values(), spans):
            found.append("unresolved_pronoun")
        e = ents.get(sp.get("entity"))
        if e is not None and paragraph_language(text, e["start"]) != paragraph_language(text, q["start"]):
            found.append("foreign_paragraph")
        out += [{"kind": k, "doc": doc.get("id"), "quote": q["id"], "speaker": sp["text"]} for k in found]
    return out


def check(pred_docs: list[dict]) -> dict:
    """Counts of each kind over many documents, and the list."""
    found = [v for d in pred_docs for v in violations(d)]
    counts = {k: sum(v["kind"] == k for v in found) for k in ("numeral", "unresolved_pronoun", "foreign_paragraph")}
    return {"speakers": sum(1 for d in pred_docs for q in d.get("quotes", []) if q.get("speaker")),
            **counts, "violations": found}


def _mention_words(speaker: dict | None) -> list[str]:
    m = (speaker or {}).get("mention") or {}
    return [w.strip(".,:;\"'") for w in m.get("text", "").split()]


def _refers(words: list[str]) -> bool:
    """One pronoun, pointer word or definite word (הוא, לדבריו, השופטת)."""
    return len(words) == 1 and (pronoun(words[0]) or bool(POINTER_CUE.match(words[0])) or words[0].startswith(ARTICLE))


def speaker_class(text: str, pred: dict | None, gold: dict) -> str:
    """The error class (issue 22, :data:`CLASSES`) a matched quote's speaker belongs to, from the
    gold speaker and the predicted one (``pred``, may be None), first that fits:

    * ``numeral``: the predicted speaker is only numerals or quantifiers, or the gold mention
      holds one (אדם אחד, כמה צעירים);
    * ``homograph``: either mention holds a noun spelled like a speech verb (כתבת, דובר);
    * ``foreign_paragraph``: the predicted speaker's entity or mention stands in a paragraph of
      another language than the quote's;
    * ``non_nominal``: the predicted speaker is one word that is no noun (אינה, וזה);
    * ``reference``: the gold or the predicted mention is one pronoun, pointer word or definite
      word (הוא, לדבריו, השופטת) that stands for a speaker named otherwise;
    * ``other``."""
    g = gold["speaker"]
    sp = (pred or {}).get("speaker")
    pw, gw = (sp["text"].split() if sp else []), _mention_words(g)
    if (pw and all(counting(w.strip(".,")) for w in pw)) or any(counting(w) for w in gw):
        return "numeral"
    if any(in_lexicon(w, CUE_HOMOGRAPHS) for w in gw + _mention_words(sp)):
        return "homograph"
    where = [m["start"] for m in ((sp or {}).get("mention"),) if m]
    if any(paragraph_language(text, p) != paragraph_language(text, gold["start"]) for p in where):
        return "foreign_paragraph"
    if len(pw) == 1 and non_nominal(pw[0]):
        return "non_nominal"
    if _refers(gw) and not same_speaker(gw[0], g["text"]) or _refers(_mention_words(sp)):
        return "reference"
    return "other"


def by_class(pred_docs: list[dict], gold_docs: list[dict]) -> dict:
    """For each class of :func:`speaker_class`: matched quotes with a gold speaker in it
    (``total``) and how many of them have a wrong speaker (``wrong``); ``errors`` lists those."""
    out = {c: {"total": 0, "wrong": 0} for c in CLASSES}
    errors = []
    for p, g in zip(pred_docs, gold_docs):
        pq, gq = p.get("quotes", []), g.get("quotes", [])
        for i, j in match(pq, gq):
            if gq[j].get("speaker") is None:
                continue
            c = speaker_class(g["text"], pq[i], gq[j])
            sp = pq[i].get("speaker")
            ok = same_speaker(sp["text"] if sp else None, gq[j]["speaker"]["text"])
            out[c]["total"] += 1
            out[c]["wrong"] += not ok
            if not ok:
                errors.append({"class": c, "doc": g.get("id"), "gold": gq[j]["speaker"]["text"],
                               "pred": sp["text"] if sp else None, "quote": gq[j]["text"][:50]})
    return {**out, "errors": errors}


def _read(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(prog="python -m hebnews.evaluate.speaker_checks", description=__doc__.split("\n")[0])
    ap.add_argument("predictions", nargs="+", help="predicted documents (JSONL)")
    ap.add_argument("--gold", help="the gold JSONL of a single prediction file: print wrong speakers by class")
    args = ap.parse_args(argv)
    try:
        docs = [d for p in args.predictions for d in _read(p)]
        gold = _read(args.gold) if args.gold else None
    except (OSError, ValueError) as e:
        print(f"speaker_checks: cannot read the input: {e}", file=sys.stderr)
        return 2
    res = check(docs)
    if gold is not None:
        if len(args.predictions) != 1 or [d.get("id") for d in docs] != [g.get("id") for g in gold]:
            print("speaker_checks: --gold needs one prediction file with the gold's documents in order",
                  file=sys.stderr)
            return 2
        res["classes"] = by_class(docs, gold)
    print(json.dumps(res, ensure_ascii=False, indent=1))
    return 0 if not res["violations"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
