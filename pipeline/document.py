"""The shared Document object and its JSON contract ``hebnews.document/1``.

Every stage reads the layers that earlier stages set and adds its own. Offsets are Python str
indices into ``Document.text`` (the input, unchanged), end exclusive, everywhere.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

SCHEMA_ID = "hebnews.document/1"


@dataclass
class SentenceSpan:
    start: int
    end: int


@dataclass
class TokenSpan:
    start: int
    end: int
    text: str
    sentence: int


@dataclass
class Entity:
    id: str
    start: int
    end: int
    text: str
    label: str
    score: float
    # the whole token span before the clitic prefix was stripped (for researchers and
    # for token-level evaluation); equal to start when there is no prefix
    token_start: int | None = None
    cluster: str | None = None  # id of the entity's cluster in Document.clusters


@dataclass
class Document:
    text: str
    meta: dict[str, Any] = field(default_factory=dict)
    sentences: list[SentenceSpan] = field(default_factory=list)
    tokens: list[TokenSpan] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    quotes: list[dict] = field(default_factory=list)
    clusters: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "schema": SCHEMA_ID,
            "text": self.text,
            "meta": dict(self.meta),
            "sentences": [asdict(s) for s in self.sentences],
            "tokens": [asdict(t) for t in self.tokens],
            "entities": [{k: v for k, v in asdict(e).items() if v is not None} for e in self.entities],
            "quotes": list(self.quotes),
            "clusters": list(self.clusters),
        }

    def to_json(self, indent: int | None = 1) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    @classmethod
    def from_dict(cls, data: dict) -> "Document":
        if data.get("schema") != SCHEMA_ID:
            raise ValueError(f"not a {SCHEMA_ID} document (schema={data.get('schema')!r})")
        return cls(
            text=data["text"],
            meta=dict(data.get("meta", {})),
            sentences=[SentenceSpan(**s) for s in data.get("sentences", [])],
            tokens=[TokenSpan(**t) for t in data.get("tokens", [])],
            entities=[Entity(**e) for e in data.get("entities", [])],
            quotes=list(data.get("quotes", [])),
            clusters=list(data.get("clusters", [])),
        )

    @classmethod
    def from_json(cls, text: str) -> "Document":
        return cls.from_dict(json.loads(text))


@lru_cache(maxsize=1)
def json_schema() -> dict:
    """The published JSON Schema (pipeline/schema/document-1.schema.json)."""
    path = resources.files("pipeline.schema").joinpath("document-1.schema.json")
    return json.loads(path.read_text("utf-8"))


class OffsetError(ValueError):
    """A span whose offsets do not give back its text."""


def check_offsets(data: dict) -> None:
    """Every span's ``text[start:end]`` equals its text; spans lie inside the document."""
    text = data["text"]
    n = len(text)
    def check(layer: str, item: dict) -> None:
        s, e = item["start"], item["end"]
        if not (0 <= s <= e <= n):
            raise OffsetError(f"{layer}: span [{s}, {e}) outside the text (length {n})")
        if "text" in item and text[s:e] != item["text"]:
            raise OffsetError(f"{layer}: text[{s}:{e}]={text[s:e]!r} but span says {item['text']!r}")

    for layer in ("sentences", "tokens", "entities", "quotes"):
        for item in data.get(layer, []):
            check(layer, item)
    for q in data.get("quotes", []):
        if q.get("cue"):
            check("quotes.cue", q["cue"])
        if q.get("speaker") and q["speaker"].get("mention"):
            check("quotes.speaker.mention", q["speaker"]["mention"])
    ids = {e["id"] for e in data.get("entities", [])}
    cids = {c["id"] for c in data.get("clusters", [])}
    for e in data.get("entities", []):
        if "cluster" in e and e["cluster"] not in cids:
            raise OffsetError(f"entities: {e['id']} points at unknown cluster {e['cluster']!r}")
    for c in data.get("clusters", []):
        if not set(c["mentions"]) <= ids:
            raise OffsetError(f"clusters: {c['id']} lists unknown entities")
    for q in data.get("quotes", []):
        sp = q.get("speaker")
        if sp and sp.get("entity") is not None and sp["entity"] not in ids:
            raise OffsetError(f"quotes: {q['id']} speaker points at unknown entity {sp['entity']!r}")


def validate(data: dict) -> None:
    """JSON Schema validation plus the offset invariant; raises on the first problem."""
    import jsonschema

    jsonschema.validate(data, json_schema())
    check_offsets(data)
