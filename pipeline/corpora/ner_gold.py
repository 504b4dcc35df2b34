"""Our own character-span NER gold (``data/ner/*.jsonl``: ``{"id", "text", "entities": [{"start",
"end", "text", "label"}]}`` per line, the shape ``hebnews annotate`` writes) and its k folds by
article, for experiments that train on some folds and measure on the others.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from .base import GoldSentence


def parse_fold(spec: str | None) -> tuple[int, int] | None:
    """``"i/k"`` -> (i, k): fold i (0-based) of k. None or "" -> None (all documents)."""
    if not spec:
        return None
    m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", str(spec))
    if not m or not (int(m.group(2)) >= 2 and int(m.group(1)) < int(m.group(2))):
        raise ValueError(f"fold must be 'i/k' with 0 <= i < k and k >= 2, got {spec!r}")
    return int(m.group(1)), int(m.group(2))


def article_key(doc_id: str) -> str:
    """The article a paragraph id belongs to: ``heq:val:57:0`` -> ``heq:val:57`` (paragraphs of
    one article always fall in the same fold, so its names cannot leak across folds)."""
    head, sep, tail = doc_id.rpartition(":")
    return head if sep and tail.isdigit() and head.count(":") >= 2 else doc_id


def jsonl_gold(path: Path | str, fold: tuple[int, int] | None = None) -> list[GoldSentence]:
    """Our own character-span gold: JSONL, ``{"id", "text", "entities": [{"start", "end",
    "text", "label"}]}`` per line (data/ner/).

    ``fold=(i, k)`` keeps the paragraphs of every k-th article, starting with the i-th (articles
    numbered in order of first appearance), for k-fold experiments that train on some folds of
    the file and measure on the rest.
    """
    out = []
    articles: dict[str, int] = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            doc = json.loads(line)
            art = articles.setdefault(article_key(str(doc.get("id", n))), len(articles))
            if fold is not None and art % fold[1] != fold[0]:
                continue
            spans = []
            for e in doc["entities"]:
                if doc["text"][e["start"]:e["end"]] != e["text"]:
                    raise ValueError(f"{path}:{n}: entity offsets do not match its text {e['text']!r}")
                spans.append((e["start"], e["end"], e["label"]))
            out.append(GoldSentence(doc["text"], spans))
    return out
