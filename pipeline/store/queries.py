"""Questions to the store: quotes (by speaker, date, gender, words) and the most mentioned
entities. Each returns plain dicts, one per row, for the table, CSV and JSONL writers and the
report.

* ``speaker``: a quote's speaker is the person its speaker cluster belongs to (see
  :mod:`hebnews.store.people`), else the speaker's words (דובר המשטרה). ``--speaker NAME``
  matches that name, or, when NAME is one word, its last word (זלנסקי: וולודימיר זלנסקי).
* ``mentions`` of an entity: its entity mentions in the documents (every span the tagger found,
  each in one cluster), summed over the documents' clusters of that person (PER) or of that
  label and name (the other types).
* ``search``: FTS5 over the quote text (``quotes``) or the article's title and text
  (``entities``); words are matched whole (a word ending in * matches as a prefix), all of them,
  niqqud and cantillation ignored on both sides (שָׁלוֹם finds שלום, and שלום finds שָׁלוֹם).
* ``gender_from`` of a quote: a list (the kinds of evidence: ``["cue", "pronoun"]``) or None.
"""
from __future__ import annotations

import sqlite3

from ..lang.he import strip_points
from .rows import name_key
from .schema import gender_sources

# who a quote's speaker is: the person, else the words
SPEAKER = "COALESCE(p.name, q.speaker_key)"
SPEAKER_SURNAME = "COALESCE(p.surname, q.speaker_surname)"
# what an entity mention counts towards: the person, else the cluster's label and name
ENTITY_GROUP = "COALESCE('p' || p.id, 'n' || c.label || ':' || c.name_key)"
ENTITY_NAME = "COALESCE(p.name, c.name_key)"

QUOTE_COLUMNS = (
    "d.day AS day", f"{SPEAKER} AS speaker", "p.name AS person", "q.gender AS gender",
    "q.gender_from AS gender_from", "q.cue AS cue", "q.text AS quote", "d.title AS title",
    "d.url AS url", "d.source AS source", "d.key AS document", "q.qid AS qid", "d.id AS doc")


def fts_query(words: str) -> str:
    """An FTS5 query that matches all of ``words`` (each quoted, so that no word is taken as an
    operator; a trailing * keeps its prefix meaning)."""
    terms = []
    for w in strip_points(words).split():  # the index holds the text without them (schema v3)
        if not any(ch.isalnum() for ch in w):  # no token in it (-, ?, –): an empty phrase would
            continue  # match nothing and, ANDed in, zero the whole search
        star = w.endswith("*") and len(w) > 1
        w = w.rstrip("*") if star else w
        terms.append('"' + w.replace('"', '""') + '"' + ("*" if star else ""))
    return " AND ".join(terms)


def _speaker_filter(name: str) -> tuple[str, list]:
    key = name_key(name)
    if " " in key or not key:
        return f"{SPEAKER} = ?", [key]
    return f"({SPEAKER} = ? OR {SPEAKER_SURNAME} = ?)", [key, key]


def quote_rows(db: sqlite3.Connection, speaker: str | None = None, since: str | None = None,
               gender: str | None = None, search: str | None = None, limit: int | None = None) -> list[dict]:
    """Quotes, oldest day first (document and position order within a day)."""
    where, params = ["1"], []
    if speaker:
        sql, p = _speaker_filter(speaker)
        where.append(sql)
        params += p
    if since:
        where.append("d.day >= ?")
        params.append(since)
    if gender:
        where.append("q.gender IS ?")
        params.append(None if gender == "unknown" else gender)
    if search and fts_query(search):
        where.append("q.id IN (SELECT rowid FROM quotes_fts WHERE quotes_fts MATCH ?)")
        params.append(fts_query(search))
    sql = (f"SELECT {', '.join(QUOTE_COLUMNS)} FROM quotes q JOIN documents d ON d.id = q.doc "
           "LEFT JOIN clusters c ON c.id = q.cluster LEFT JOIN people p ON p.id = c.person "
           f"WHERE {' AND '.join(where)} ORDER BY d.day, d.id, q.start_char")
    if limit:
        sql += f" LIMIT {int(limit)}"
    rows = _dicts(db.execute(sql, params))
    for r in rows:
        r["gender_from"] = gender_sources(r["gender_from"])
    return rows


def _entity_where(label: str | None, since: str | None, search: str | None) -> tuple[str, list]:
    where, params = ["1"], []
    if label:
        where.append("c.label = ?")
        params.append(label)
    if since:
        where.append("d.day >= ?")
        params.append(since)
    if search and fts_query(search):
        where.append("d.id IN (SELECT rowid FROM documents_fts WHERE documents_fts MATCH ?)")
        params.append(fts_query(search))
    return " AND ".join(where), params


ENTITY_FROM = ("FROM entities e JOIN clusters c ON c.id = e.cluster JOIN documents d ON d.id = c.doc "
               "LEFT JOIN people p ON p.id = c.person")


def entity_rows(db: sqlite3.Connection, top: int, label: str | None = None, since: str | None = None,
                search: str | None = None) -> list[dict]:
    """The ``top`` entities by mentions: name, label, mentions, documents (most mentions first)."""
    where, params = _entity_where(label, since, search)
    sql = (f"SELECT {ENTITY_NAME} AS name, c.label AS label, count(*) AS mentions, "
           f"count(DISTINCT d.id) AS documents, {ENTITY_GROUP} AS grp {ENTITY_FROM} WHERE {where} "
           f"GROUP BY grp ORDER BY mentions DESC, name, label LIMIT ?")
    rows = _dicts(db.execute(sql, params + [int(top)]))
    for r in rows:
        del r["grp"]
    return rows


def mentions_per_day(db: sqlite3.Connection, names: list[tuple[str, str]], since: str | None = None
                     ) -> dict[tuple[str, str], dict[str, int]]:
    """(name, label) -> day -> mentions, for the given entities (as :func:`entity_rows` names them)."""
    where, params = _entity_where(None, since, None)
    sql = (f"SELECT {ENTITY_NAME} AS name, c.label, d.day, count(*) {ENTITY_FROM} WHERE {where} "
           f"GROUP BY {ENTITY_GROUP}, d.day")
    want = set(names)
    out: dict[tuple[str, str], dict[str, int]] = {n: {} for n in names}
    for name, label, day, n in db.execute(sql, params):
        if (name, label) in want:
            out[(name, label)][day] = n
    return out


def gender_per_day(db: sqlite3.Connection, since: str | None = None) -> dict[str, dict[str, int]]:
    """day -> {"female", "male", "unknown"} -> quotes."""
    sql = ("SELECT d.day, COALESCE(q.gender, 'unknown'), count(*) FROM quotes q JOIN documents d "
           "ON d.id = q.doc WHERE d.day >= ? GROUP BY d.day, q.gender ORDER BY d.day")
    out: dict[str, dict[str, int]] = {}
    for day, gender, n in db.execute(sql, (since or "",)):
        out.setdefault(day, {"female": 0, "male": 0, "unknown": 0})[gender] = n
    return out


def documents(db: sqlite3.Connection, since: str | None = None) -> list[dict]:
    """The documents (newest day first) with their counts."""
    sql = ("SELECT d.id AS doc, d.key AS key, d.day, d.title, d.source, d.url, d.content_hash, "
           "(SELECT count(*) FROM entities WHERE doc = d.id) AS entities, "
           "(SELECT count(*) FROM quotes WHERE doc = d.id) AS quotes "
           "FROM documents d WHERE d.day >= ? ORDER BY d.day DESC, d.id")
    return _dicts(db.execute(sql, (since or "",)))


def _dicts(cur: sqlite3.Cursor) -> list[dict]:
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, row)) for row in cur]
