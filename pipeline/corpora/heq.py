"""HeQ (Hebrew question answering, v1.1): its Geektime tech-news paragraphs
(``heq/geektime_paragraphs.jsonl``, our extract of the validation and test files)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

from .base import need


def geektime_documents(data_dir: Path | str, heq_split: str, split: str) -> Iterator[dict]:
    """HeQ Geektime paragraphs of one HeQ split (``val``, ``test``) as documents with ids
    ``heq:SPLIT:TITLE#:PARAGRAPH`` (titles numbered in order of first appearance), marked with
    our ``split``."""
    with open(need(Path(data_dir) / "heq" / "geektime_paragraphs.jsonl"), encoding="utf-8") as f:
        titles: dict[str, int] = {}
        for line in f:
            p = json.loads(line)
            if p["split"] != heq_split:
                continue
            t = titles.setdefault(p["title"], len(titles))
            yield {"id": f"heq:{heq_split}:{t}:{p['paragraph_index']}", "source": "heq-geektime",
                   "split": split, "text": p["context"], "title": p["title"]}
