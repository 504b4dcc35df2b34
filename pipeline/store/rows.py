"""One ``hebnews.document/1`` dict -> what the store keeps of it: its content hash and day, and the
rows of its clusters, entities and quotes (its key: :mod:`hebnews.store.keys`).

* content hash: sha256 of the document's canonical JSON (keys sorted): any change to the text,
  the annotations or meta makes it another version of the document, which replaces the old one.
* day: the date of ``meta.published`` (or ``meta.date``: ISO 8601 or an RFC 2822 date as RSS
  writes them; a year of 0 to 99 written in four digits is no day, not 2000 to 2099), else the
  day the document was indexed.
* every entity belongs to a cluster row: the document's own cluster, or, for a document without
  a clusters layer, one per label and name.
"""
from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import json
import re
from dataclasses import dataclass, field

from ..lang.he import GERESH, GERSHAYIM, NAME_EDGE
from .schema import speaker_gender


def name_key(text: str) -> str:
    """A name's words without edge punctuation, one space apart (Hebrew geresh and gershayim
    written as ' and "): the form names are compared in across documents."""
    text = text.replace(GERESH, "'").replace(GERSHAYIM, '"')
    return " ".join(w.strip(NAME_EDGE) for w in text.split() if w.strip(NAME_EDGE))


def surname(key: str) -> str:
    return key.rsplit(" ", 1)[-1]


def content_hash(data: dict) -> str:
    canon = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canon.encode("utf-8", "surrogatepass")).hexdigest()


_ISO_DAY = re.compile(r"\s*(\d{4})-(\d{2})-(\d{2})")
_RFC_YEAR = re.compile(r"\b\d{1,2}\s+[A-Za-z]{3}\w*\s+(\d+)\b")  # "01 Jan 2025": the year as written


def parse_day(value) -> str | None:
    """YYYY-MM-DD of an ISO 8601 date or an RFC 2822 date; None when it is neither."""
    if not isinstance(value, str):
        return None
    m = _ISO_DAY.match(value)
    try:
        if m:
            return dt.date(*map(int, m.groups())).isoformat()
        day = email.utils.parsedate_to_datetime(value).date()
        year = _RFC_YEAR.search(value)
        if year and len(year.group(1)) > 2 and int(year.group(1)) != day.year:
            return None  # a year of 0 to 99 written in full, which email.utils reads as 2000 to 2099
        return day.isoformat()
    except (ValueError, TypeError, IndexError):
        return None


@dataclass
class DocumentRows:
    key: str
    content_hash: str
    document: dict  # the documents row, less its id
    clusters: list[tuple] = field(default_factory=list)  # cid, name, name_key, surname, label, mentions
    entities: list[tuple] = field(default_factory=list)  # eid, start, end, text, label, score, cid
    quotes: list[tuple] = field(default_factory=list)  # qid, start, end, text, score, speaker, key,
    #                                                    surname, cluster cid, cue, gender, gender_from

    @property
    def person_surnames(self) -> set[str]:
        return {c[3] for c in self.clusters if c[4] == "PER"}


def _clusters(data: dict) -> tuple[list[tuple], dict[str, str]]:
    """The cluster rows and entity id -> cluster id; entities outside the clusters layer get a
    cluster per label and name (x1, x2, ...)."""
    given = {c["id"]: c for c in data.get("clusters") or []}
    of_entity, made = {}, {}
    for e in data.get("entities", []):
        cid = e.get("cluster")
        if cid not in given:
            k = (e["label"], name_key(e["text"]) or e["text"])
            if k not in made:
                made[k] = {"id": f"x{len(made) + 1}", "name": e["text"], "label": e["label"]}
            cid = made[k]["id"]
        of_entity[e["id"]] = cid
    counts: dict[str, int] = {}
    for cid in of_entity.values():
        counts[cid] = counts.get(cid, 0) + 1
    rows = []
    for c in list(given.values()) + list(made.values()):
        key = name_key(c["name"]) or c["name"].strip() or c["id"]
        rows.append((c["id"], c["name"], key, surname(key), c["label"], counts.get(c["id"], 0)))
    return rows, of_entity


def _quote_row(q: dict, of_entity: dict[str, str]) -> tuple:
    sp = q.get("speaker") or {}
    who = sp.get("text")
    key = name_key(who) if who else None
    gender, gender_from = speaker_gender(q)
    cue = (q.get("cue") or {}).get("text")
    return (q["id"], q["start"], q["end"], q["text"], q.get("score"), who, key or None,
            surname(key) if key else None, of_entity.get(sp.get("entity")), cue, gender, gender_from)


def _str(value) -> str | None:
    return value if isinstance(value, str) else None


def document_rows(data: dict, today: str, key: str, chash: str, path: str | None = None) -> DocumentRows:
    """The rows of one document (its ``key`` and content hash ``chash`` given); ``today``
    (YYYY-MM-DD) is its day when meta gives none; ``path``: where it was read from."""
    meta = data.get("meta") or {}
    feed = meta.get("feed")
    feed = feed.get("url") if isinstance(feed, dict) else feed
    row = {k: _str(meta.get(k)) for k in ("source", "url", "title", "published")}
    row.update(day=parse_day(meta.get("published")) or parse_day(meta.get("date")) or today,
               feed=_str(feed), text=data["text"], path=path)
    clusters, of_entity = _clusters(data)
    entities = [(e["id"], e["start"], e["end"], e["text"], e["label"], e.get("score"), of_entity[e["id"]])
                for e in data.get("entities", [])]
    quotes = [_quote_row(q, of_entity) for q in data.get("quotes", [])]
    return DocumentRows(key, chash, row, clusters, entities, quotes)
