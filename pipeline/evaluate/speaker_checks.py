"""The speaker guarantees of issue 22, checked on predicted documents (hebnews.document/1 dicts):

* ``numeral``: no speaker is a numeral (a cardinal number word or digits alone: אחד, 3);
* ``unresolved_pronoun``: no pronoun (or לדבריו-type word) is left as the speaker when a person
  is named, outside quotations, in the sentence of its mention;
* ``foreign_paragraph``: no speaker is a name from a paragraph in another language than the
  quote's (an English tweet's author is not the speaker of a Hebrew quote).

``python -m hebnews.evaluate.speaker_checks PRED.jsonl ...`` prints the count of each and the
violations; :func:`violations` is the function.
"""
from __future__ import annotations

import json
import sys

from ..lang.he import POINTER_CUE
from ..quotes.mentions import paragraph_language
from ..quotes.nominal import numeral, pronoun


def _inside(start: int, end: int, spans) -> bool:
    return any(a <= start and end <= b for a, b in spans)


def _sentence(doc: dict, pos: int) -> tuple[int, int]:
    for s in doc.get("sentences", []):
        if s["start"] <= pos < s["end"]:
            return s["start"], s["end"]
    return pos, pos


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
        if words and all(numeral(w.strip(".,")) for w in words):
            found.append("numeral")
        if sp.get("entity") is None and len(words) == 1 and (pronoun(words[0]) or POINTER_CUE.match(words[0])):
            pos = sp["mention"]["start"] if sp.get("mention") else q["start"]
            s0, s1 = _sentence(doc, pos)
            if any(e["label"] == "PER" and s0 <= e["start"] < s1 and not _inside(e["start"], e["end"], spans)
                   for e in ents.values()):
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


def main(argv: list[str] | None = None) -> int:
    docs = [json.loads(line) for p in (argv if argv is not None else sys.argv[1:])
            for line in open(p, encoding="utf-8") if line.strip()]
    res = check(docs)
    print(json.dumps(res, ensure_ascii=False, indent=1))
    return 0 if not res["violations"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
