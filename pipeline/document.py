"""The shared Document object and its JSON contract ``hebnews.document/1``.

Every stage reads the layers that earlier stages set and adds its own. Offsets are Python str
indices into ``Document.text`` (the input, unchanged), end exclusive, everywhere.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, fields
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
    # how a rule made the entity ("cross-script": a Latin-script name of a person the Hebrew text
    # names, hebnews.crossscript); None: the model tagged it
    source: str | None = None


# line breaks to str.splitlines (and to some JSONL readers) that JSON leaves raw in a string:
# one-line JSON writes them as escapes
JSON_LINE_BREAKS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


@lru_cache(maxsize=None)
def _field_names(cls) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


def _row(obj, drop_none: bool = False) -> dict:
    """A flat dataclass (fields of plain values) as a dict, field by field: ``asdict`` deep-copies
    every value and was about 3% of a batch run."""
    if drop_none:
        return {k: v for k in _field_names(type(obj)) if (v := getattr(obj, k)) is not None}
    return {k: getattr(obj, k) for k in _field_names(type(obj))}


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
            "sentences": [_row(s) for s in self.sentences],
            "tokens": [_row(t) for t in self.tokens],
            "entities": [_row(e, drop_none=True) for e in self.entities],
            "quotes": list(self.quotes),
            "clusters": list(self.clusters),
        }

    def to_json(self, pretty: bool = True) -> str:
        """The document as JSON text (UTF-8 characters, not escapes); ``pretty``: indented by two
        spaces (the .json files), else one line (.jsonl) to every reader, U+2028 and its kin escaped. orjson: about 20x faster than the
        standard library's indenting encoder, which is pure Python."""
        import orjson

        data = self.to_dict()
        try:
            opt = orjson.OPT_SERIALIZE_NUMPY | (orjson.OPT_INDENT_2 if pretty else 0)
            text = orjson.dumps(data, option=opt).decode("utf-8")
        except orjson.JSONEncodeError:  # what orjson does not take (an integer past 64 bits in
            # a JSONL record's fields) the standard library writes
            text = json.dumps(data, ensure_ascii=False, indent=2 if pretty else None)
        return text if pretty else text.translate(JSON_LINE_BREAKS)

    @classmethod
    def from_dict(cls, data: dict) -> "Document":
        """The document ``data`` holds; ValueError (:class:`DocumentError`) when it is not one of
        ours, when a span's offsets do not give back its text, or when it holds a lone surrogate."""
        if data.get("schema") != SCHEMA_ID:
            raise ValueError(f"not a {SCHEMA_ID} document (schema={data.get('schema')!r})")
        doc = cls(
            text=data["text"],
            meta=dict(data.get("meta", {})),
            sentences=[SentenceSpan(**s) for s in data.get("sentences", [])],
            tokens=[TokenSpan(**t) for t in data.get("tokens", [])],
            entities=[Entity(**e) for e in data.get("entities", [])],
            quotes=list(data.get("quotes", [])),
            clusters=list(data.get("clusters", [])),
        )
        check_text(data)
        check_offsets(data)
        return doc

    @classmethod
    def from_json(cls, text: str) -> "Document":
        return cls.from_dict(json.loads(text))


@lru_cache(maxsize=1)
def json_schema() -> dict:
    """The published JSON Schema (pipeline/schema/document-1.schema.json) with the entity and
    cluster ``label`` restricted to the model's label set, :data:`hebnews.ner.NEMO_TYPES`."""
    from .ner import NEMO_TYPES

    path = resources.files("hebnews.schema").joinpath("document-1.schema.json")
    schema = json.loads(path.read_text("utf-8"))
    for layer in ("entities", "clusters"):
        schema["properties"][layer]["items"]["properties"]["label"]["enum"] = list(NEMO_TYPES)
    return schema


class DocumentError(ValueError):
    """A document that the JSON Schema alone does not catch as broken."""


class OffsetError(DocumentError):
    """A span whose offsets do not give back its text."""


_SURROGATE = re.compile("[\ud800-\udfff]")


def _find_surrogate(value: Any) -> tuple[str, str, re.Match] | None:
    """("value" or "key", its path, the match) for the first lone surrogate in ``value``; a
    loop, not recursion: JSON nested as deep as the decoder allows is walked too."""
    todo = [("", value)]
    while todo:
        path, value = todo.pop()
        if isinstance(value, str):
            m = _SURROGATE.search(value)
            if m:
                return "value", path, m
        elif isinstance(value, dict):
            children = []
            for k, v in value.items():
                sub = f"{path}.{k}" if path else str(k)
                m = _SURROGATE.search(k) if isinstance(k, str) else None
                if m:
                    return "key", sub, m
                children.append((sub, v))
            todo += reversed(children)
        elif isinstance(value, list):
            todo += reversed([(f"{path}[{i}]", v) for i, v in enumerate(value)])
    return None


def surrogate_problem(value: Any, what: str = "text") -> str | None:
    """One line saying where a str, or a decoded JSON value (keys included), holds a lone
    surrogate: the JSON decoder accepts ``"\\ud800"``, but it is no Unicode text, cannot be
    written as UTF-8 and breaks the tokenizer. None when there is none."""
    found = _find_surrogate(value)
    if found is None:
        return None
    kind, path, m = found
    path = path.encode("utf-8", "backslashreplace").decode("utf-8")  # printable, writable
    path = path if len(path) <= 80 else path[:77] + "..."
    where = (f'{what} "{path}"' if path else what) + (" (its key)" if kind == "key" else "")
    return (f"{where} holds a lone surrogate (U+{ord(m.group()):04X} at offset {m.start()}), "
            "which is not Unicode text")


def check_text(data: dict) -> None:
    """No lone surrogate anywhere in the document (text, meta, spans)."""
    problem = surrogate_problem(data, "field")
    if problem:
        raise DocumentError(problem)


def check_offsets(data: dict) -> None:
    """Every span's ``text[start:end]`` equals its text; spans lie inside the document; ids point
    at what exists; a speaker's ``gender`` and ``gender_from`` are null (or absent) together."""
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
        if sp and (sp.get("gender") is None) != (sp.get("gender_from") is None):
            raise DocumentError(f"quotes: {q['id']} speaker has a gender without its evidence or evidence "
                                "without a gender (gender and gender_from are null together)")


def validate(data: dict) -> None:
    """JSON Schema validation plus the offset invariant; raises on the first problem."""
    import jsonschema

    jsonschema.validate(data, json_schema())
    check_text(data)
    check_offsets(data)
