"""The annotation store's tables, its version and the migrations between versions.

The version is ``PRAGMA user_version``; ``PRAGMA application_id`` marks the file as ours, so
that ``--db`` never writes its tables into somebody else's SQLite file. :func:`migrate` brings a
store of any earlier version up to :data:`SCHEMA_VERSION`, in one transaction: a store is either
all old or all new, also when the process is killed in the middle.

Versions:

1. documents, people, clusters, entities, quotes, FTS5 over article text and quote text;
2. ``quotes.gender`` and ``quotes.gender_from`` (the speaker's gender, when the document says
   it: ``quote.speaker.gender``); the migration fills them from the documents the store keeps.
   The view ``quote_speakers``: each quote with its document, day, speaker, person and gender,
   for SQL.
3. the full-text search ignores niqqud and cantillation: ``documents.search_title``,
   ``documents.search_text`` and ``quotes.search_text`` hold the text without those marks
   (:func:`hebnews.lang.he.strip_points`; null when that is the text itself, as it is in most
   news), and the FTS tables index the views ``documents_search`` and ``quotes_search`` (the
   search form, else the text); the migration fills the columns and builds the FTS tables again.
   Documents are keyed by their output file (:mod:`hebnews.store.keys`): ``documents.path`` is
   the resolved location of the file a document was indexed from (version 2: the path as typed;
   index ``documents_path``). Version-2 rows keep their keys until their document is indexed
   again. Index ``documents_content_hash`` (the lookup of a document moved with its output
   folder, :meth:`hebnews.store.Store.add`): :data:`INDEXES` (a store made before it was added
   gets it at its next writable open).
"""
from __future__ import annotations

import json
import sqlite3
import zlib

from ..lang.he import strip_points

APPLICATION_ID = 0x48424E53  # "HBNS"
SCHEMA_VERSION = 3

# Version 1, as it was created. Kept as it is: the migrations start from it, and the migration
# test builds a version-1 store with it.
SCHEMA_V1 = """
CREATE TABLE documents (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,         -- meta.item_id, meta.id, meta.url or meta.source
    content_hash TEXT NOT NULL,       -- sha256 of the whole document's canonical JSON
    source TEXT, url TEXT, title TEXT, published TEXT,
    day TEXT NOT NULL,                -- YYYY-MM-DD: the published date, else the day indexed
    feed TEXT,                        -- meta.feed.url
    text TEXT NOT NULL,
    path TEXT,                        -- the file it was indexed from (hebnews index)
    indexed_at TEXT NOT NULL,
    document BLOB NOT NULL            -- the whole document: zlib-compressed JSON
);
CREATE INDEX documents_day ON documents(day);
CREATE TABLE people (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,               -- the fullest name (words without edge punctuation)
    label TEXT NOT NULL,
    surname TEXT NOT NULL,            -- its last word
    UNIQUE (name, label)
);
CREATE INDEX people_surname ON people(surname);
CREATE TABLE clusters (
    id INTEGER PRIMARY KEY,
    doc INTEGER NOT NULL REFERENCES documents(id),
    cid TEXT NOT NULL,
    name TEXT NOT NULL,               -- the cluster's name as the document gives it
    name_key TEXT NOT NULL,           -- its words without edge punctuation, one space apart
    surname TEXT NOT NULL,            -- the last word of name_key
    label TEXT NOT NULL,
    mentions INTEGER NOT NULL,
    person INTEGER REFERENCES people(id),  -- PER clusters: the person across documents
    UNIQUE (doc, cid)
);
CREATE INDEX clusters_names ON clusters(label, surname, name_key);
CREATE INDEX clusters_person ON clusters(person);
CREATE TABLE entities (
    id INTEGER PRIMARY KEY,
    doc INTEGER NOT NULL REFERENCES documents(id),
    eid TEXT NOT NULL,
    start_char INTEGER NOT NULL, end_char INTEGER NOT NULL,
    text TEXT NOT NULL, label TEXT NOT NULL, score REAL,
    cluster INTEGER NOT NULL REFERENCES clusters(id),
    UNIQUE (doc, eid)
);
CREATE INDEX entities_cluster ON entities(cluster);
CREATE TABLE quotes (
    id INTEGER PRIMARY KEY,
    doc INTEGER NOT NULL REFERENCES documents(id),
    qid TEXT NOT NULL,
    start_char INTEGER NOT NULL, end_char INTEGER NOT NULL,
    text TEXT NOT NULL, score REAL,
    speaker TEXT,                     -- the speaker's text (a name, or words like דובר המשטרה)
    speaker_key TEXT, speaker_surname TEXT,
    cluster INTEGER REFERENCES clusters(id),  -- the speaker's cluster, when an entity
    cue TEXT,
    UNIQUE (doc, qid)
);
CREATE INDEX quotes_doc ON quotes(doc);
CREATE INDEX quotes_cluster ON quotes(cluster);
CREATE VIRTUAL TABLE documents_fts USING fts5(title, text, content='documents', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE quotes_fts USING fts5(text, content='quotes', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER documents_ai AFTER INSERT ON documents BEGIN
    INSERT INTO documents_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
END;
CREATE TRIGGER documents_ad AFTER DELETE ON documents BEGIN
    INSERT INTO documents_fts(documents_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
END;
CREATE TRIGGER quotes_ai AFTER INSERT ON quotes BEGIN
    INSERT INTO quotes_fts(rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER quotes_ad AFTER DELETE ON quotes BEGIN
    INSERT INTO quotes_fts(quotes_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
"""

GENDERS = ("female", "male")


QUOTE_SPEAKERS_V2 = """
CREATE VIEW quote_speakers AS
SELECT q.id, d.key AS document, d.day, d.title, q.text, q.speaker, p.name AS person,
       q.gender, q.gender_from, q.cue
FROM quotes q JOIN documents d ON d.id = q.doc
LEFT JOIN clusters c ON c.id = q.cluster LEFT JOIN people p ON p.id = c.person
"""


PAGE = 500  # rows a migration holds in memory at once (a store of 100k articles is gigabytes)


def _paged(db: sqlite3.Connection, table: str, columns: str):
    """``SELECT id, columns FROM table`` in pages of :data:`PAGE` rows by id, so that a migration
    never holds a whole table (the documents' text and blobs) in memory; safe to update the rows
    seen while iterating."""
    last = 0
    while True:
        rows = db.execute(f"SELECT id, {columns} FROM {table} WHERE id > ? ORDER BY id LIMIT ?",
                          (last, PAGE)).fetchall()
        yield from rows
        if len(rows) < PAGE:
            return
        last = rows[-1][0]


def _to_v2(db: sqlite3.Connection) -> None:
    """Speaker gender on quotes, filled from the stored documents (null where they have none)."""
    db.execute("ALTER TABLE quotes ADD COLUMN gender TEXT")
    db.execute("ALTER TABLE quotes ADD COLUMN gender_from TEXT")
    db.execute(QUOTE_SPEAKERS_V2)
    for doc_id, blob in _paged(db, "documents", "document"):
        for q in load_blob(blob).get("quotes", []):
            gender, source = speaker_gender(q)
            if gender is not None:
                db.execute("UPDATE quotes SET gender=?, gender_from=? WHERE doc=? AND qid=?",
                           (gender, source, doc_id, q["id"]))


def search_form(text: str | None) -> str | None:
    """What the full-text search indexes of ``text`` when that is not ``text`` itself: the text
    without niqqud and cantillation (:func:`hebnews.lang.he.strip_points`); None when it has none."""
    if not text:
        return None
    plain = strip_points(text)
    return plain if plain != text else None


# Version 3's search columns (null: the same as the text), the views the FTS tables read their
# content from (the search form, else the text) and the triggers that keep them. The marks are
# stripped in Python, not in SQL: SQLite has no translate(), and the 51 nested replace() calls it
# would take overflow its parser.
SEARCH_V3 = """
ALTER TABLE documents ADD COLUMN search_title TEXT;
ALTER TABLE documents ADD COLUMN search_text TEXT;
ALTER TABLE quotes ADD COLUMN search_text TEXT;
CREATE VIEW documents_search AS
SELECT id, COALESCE(search_title, title) AS title, COALESCE(search_text, text) AS text FROM documents;
CREATE VIEW quotes_search AS SELECT id, COALESCE(search_text, text) AS text FROM quotes;
CREATE VIRTUAL TABLE documents_fts USING fts5(title, text, content='documents_search', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE quotes_fts USING fts5(text, content='quotes_search', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER documents_ai AFTER INSERT ON documents BEGIN
    INSERT INTO documents_fts(rowid, title, text)
    VALUES (new.id, COALESCE(new.search_title, new.title), COALESCE(new.search_text, new.text));
END;
CREATE TRIGGER documents_ad AFTER DELETE ON documents BEGIN
    INSERT INTO documents_fts(documents_fts, rowid, title, text)
    VALUES ('delete', old.id, COALESCE(old.search_title, old.title), COALESCE(old.search_text, old.text));
END;
CREATE TRIGGER quotes_ai AFTER INSERT ON quotes BEGIN
    INSERT INTO quotes_fts(rowid, text) VALUES (new.id, COALESCE(new.search_text, new.text));
END;
CREATE TRIGGER quotes_ad AFTER DELETE ON quotes BEGIN
    INSERT INTO quotes_fts(quotes_fts, rowid, text) VALUES ('delete', old.id, COALESCE(old.search_text, old.text));
END;
INSERT INTO documents_fts(documents_fts) VALUES ('rebuild');
INSERT INTO quotes_fts(quotes_fts) VALUES ('rebuild');
CREATE INDEX documents_path ON documents(path);
"""


def _to_v3(db: sqlite3.Connection) -> None:
    """Full-text search without niqqud: the version-1 FTS tables and their triggers are dropped;
    the search forms of the rows are filled in, and the FTS tables made again over them (FTS rows
    are derived: 'rebuild' fills them from the rows)."""
    for name in ("documents_ai", "documents_ad", "quotes_ai", "quotes_ad"):
        db.execute(f"DROP TRIGGER {name}")
    db.execute("DROP TABLE documents_fts")
    db.execute("DROP TABLE quotes_fts")
    statements = _statements(SEARCH_V3)
    for statement in statements[:3]:  # the columns
        db.execute(statement)
    for doc_id, title, text in _paged(db, "documents", "title, text"):
        if search_form(title) or search_form(text):
            db.execute("UPDATE documents SET search_title=?, search_text=? WHERE id=?",
                       (search_form(title), search_form(text), doc_id))
    for quote_id, text in _paged(db, "quotes", "text"):
        if search_form(text):
            db.execute("UPDATE quotes SET search_text=? WHERE id=?", (search_form(text), quote_id))
    for statement in statements[3:]:
        db.execute(statement)


# Indexes of the current version that a store of it may lack (added after the version was first
# released): made, if not there, by every :func:`migrate` to this version, so also on a store
# already at it. Without documents_content_hash, every new document keyed by its file scanned
# the whole documents table (Store._moved).
INDEXES = ("CREATE INDEX IF NOT EXISTS documents_content_hash ON documents(content_hash)",)


def _to_v1(db: sqlite3.Connection) -> None:
    for statement in _statements(SCHEMA_V1):
        db.execute(statement)


def _statements(script: str) -> list[str]:
    """The statements of a script (complete_statement keeps a trigger's body in one piece)."""
    out, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            out.append(current.strip())
            current = ""
    return out


MIGRATIONS = {1: _to_v1, 2: _to_v2, 3: _to_v3}  # version -> the step that makes it from the one before


def migrate(db: sqlite3.Connection, target: int = SCHEMA_VERSION) -> tuple[int, int]:
    """Bring the store up to ``target`` in one transaction; (version before, version after);
    at the current version, with its :data:`INDEXES`. The caller has checked that the file is
    ours (or empty)."""
    db.execute("BEGIN IMMEDIATE")
    try:
        before = db.execute("PRAGMA user_version").fetchone()[0]
        for version in range(before + 1, target + 1):
            MIGRATIONS[version](db)
        if target == SCHEMA_VERSION:
            for statement in INDEXES:
                db.execute(statement)
        if before < target:
            db.execute(f"PRAGMA user_version = {int(target)}")
            db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    return before, max(before, target)


def dump_blob(data: dict) -> bytes:
    return zlib.compress(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 6)


def load_blob(blob: bytes) -> dict:
    return json.loads(zlib.decompress(blob).decode("utf-8"))


def speaker_gender(quote: dict) -> tuple[str | None, str | None]:
    """(gender, gender_from) of a quote's speaker: "female" or "male" and what it was read from;
    (None, None) when the document does not say (or says something else)."""
    sp = quote.get("speaker") or {}
    gender = sp.get("gender")
    if gender not in GENDERS:
        return None, None
    source = sp.get("gender_from")
    if source is not None and not isinstance(source, str):
        source = json.dumps(source, ensure_ascii=False, sort_keys=True)
    return gender, source


def gender_sources(value: str | None) -> list[str] | None:
    """``quotes.gender_from`` as a list: the kinds of evidence (``["cue", "pronoun"]``) that
    :func:`speaker_gender` keeps as JSON text, or a single source a document gave as a string."""
    if value is None:
        return None
    if value.startswith("["):
        try:
            got = json.loads(value)
        except ValueError:
            return [value]
        if isinstance(got, list):
            return [str(x) for x in got]
    return [value]
