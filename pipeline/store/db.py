"""The annotation store: one SQLite file (WAL mode) of annotated documents.

:meth:`Store.add` indexes one document under its key (:mod:`hebnews.store.keys`): unchanged
(same key and content hash) it is skipped; new it is added; changed it replaces the old
version's rows. Each document is one savepoint: it is in the store whole or not at all, also
when the process is killed (SQLite's journal), and a document that fails leaves the others of
the transaction alone. :meth:`Store.commit` joins the batch's people to the rest of the store
(:func:`hebnews.store.people.relink`, once for all the surnames the batch touched) and ends the
transaction.

Two files whose documents share a key (the same url or feed item, two lines of a JSONL file)
are not left to flip the row between them on every run: while both files are there, the one
first in path order is kept, and a warning names the other (:meth:`Store.add` says
"duplicate"). A row whose file is gone is replaced as usual.

:meth:`Store.open` with ``readonly`` reads a store it may not write (``mode=ro``; in a folder it
cannot write either, as an immutable file): the questions (quotes, entities, report) open so.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import sqlite3
import stat
from pathlib import Path

from .keys import document_key, legacy_key, location_exists, location_order, same_file
from .people import relink
from .rows import DocumentRows, content_hash, document_rows
from .schema import APPLICATION_ID, SCHEMA_VERSION, dump_blob, migrate, search_form

log = logging.getLogger("hebnews")

TABLES = ("documents", "clusters", "entities", "quotes", "people")


class StoreError(Exception):
    """The store cannot be used (one line: not a regular file, not ours, too new, ...)."""


def _check_path(path: Path, create: bool) -> None:
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        if not create:
            raise StoreError(f"{path}: no such database") from None
        if path.is_symlink():
            raise StoreError(f"{path}: a dangling symlink") from None
        return
    except OSError as exc:
        raise StoreError(f"{path}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(mode):
        raise StoreError(f"{path}: not a regular file (a database is one SQLite file)")


def _ours(db: sqlite3.Connection, path: Path, create: bool) -> None:
    """A new file (``create``), or one of our stores that this version can read."""
    app = db.execute("PRAGMA application_id").fetchone()[0]
    version = db.execute("PRAGMA user_version").fetchone()[0]
    tables = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    if app != APPLICATION_ID and (tables or version):
        raise StoreError(f"{path}: a SQLite file that is not a hebnews store")
    if not create and not (tables or version):
        raise StoreError(f"{path}: an empty file, not a hebnews store")
    if version > SCHEMA_VERSION:
        raise StoreError(f"{path}: made by a newer hebnews (store version {version}; "
                         f"this one reads up to {SCHEMA_VERSION})")


def _connect_readonly(path: Path) -> sqlite3.Connection:
    """``path`` opened read-only. A WAL store needs its -shm file to be read; where that cannot
    be made (a folder we may not write) and no WAL file holds anything, the file is all the
    store there is: it is read as immutable."""
    uri = path.absolute().as_uri()
    db = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=30, isolation_level=None)
    try:
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return db
    except sqlite3.OperationalError:
        db.close()
        wal = Path(f"{path}-wal")
        if os.access(path.parent, os.W_OK) or wal.exists() and wal.stat().st_size:
            raise
    return sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, isolation_level=None)


def _may_write(path: Path) -> bool:
    """Whether we may write ``path`` and its folder (where SQLite makes its -wal and -shm)."""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


class Store:
    def __init__(self, db: sqlite3.Connection, path: Path):
        self.db, self.path = db, path
        self._surnames: set[str] = set()  # of the person clusters added or deleted since the commit
        self._held: set[str] = set()  # the locations this session added or found unchanged

    @classmethod
    def open(cls, path: str | os.PathLike, create: bool = True, readonly: bool = False) -> "Store":
        """Open (``create``: or make) the store at ``path``, migrated to the current version
        (``readonly``: only read; see :meth:`open_readonly`); :class:`StoreError` when it cannot
        be used."""
        path = Path(path)
        if readonly:
            return cls.open_readonly(path)
        _check_path(path, create)
        try:
            if create:
                path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(str(path), timeout=30, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"{path}: cannot open ({getattr(exc, 'strerror', None) or exc})") from None
        try:
            _ours(db, path, create)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA foreign_keys=ON")
            migrate(db)
        except sqlite3.Error as exc:
            db.close()
            raise StoreError(f"{path}: cannot use the database ({exc})") from None
        except StoreError:
            db.close()
            raise
        return cls(db, path)

    @classmethod
    def open_readonly(cls, path: str | os.PathLike) -> "Store":
        """The store at ``path`` for reading only (no WAL switch, no migration, no write: a file
        or a folder we may not write is fine). A store of an older version is migrated first
        when we may write it; otherwise that is a :class:`StoreError` saying so."""
        path = Path(path)
        _check_path(path, False)
        db = None
        try:
            db = _connect_readonly(path)
            _ours(db, path, False)
            version = db.execute("PRAGMA user_version").fetchone()[0]
        except (sqlite3.Error, StoreError) as exc:
            if db is not None:
                db.close()
            if isinstance(exc, StoreError):
                raise
            raise StoreError(f"{path}: cannot use the database ({exc})") from None
        if version == SCHEMA_VERSION:
            return cls(db, path)
        db.close()
        if not _may_write(path):
            raise StoreError(f"{path}: a store of version {version}, which must be upgraded to version "
                             f"{SCHEMA_VERSION} once by someone who may write it and its folder "
                             f"(hebnews index OUT_DIR --db {path})")
        cls.open(path, create=False).close()  # migrated
        return cls.open_readonly(path)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    # ------------------------------------------------------------------ writing
    def add(self, data: dict, path: str | None = None, origin: str | None = None) -> str:
        """Index one document dict: "added", "replaced", "unchanged" or "duplicate" (another
        file's document holds its key and is kept: a warning says so). ``path``: the location of
        the output it is in (:func:`hebnews.store.keys.location`), ``origin``: for a document in
        no file, its input (:func:`hebnews.store.keys.input_origin`); they make its key."""
        meta = data.get("meta") or {}
        chash = content_hash(data)
        key = document_key(meta, chash, path, origin)
        if not self.db.in_transaction:  # before the lookup: a concurrent run cannot add the
            self.db.execute("BEGIN IMMEDIATE")  # same key between our look and our insert
        self.db.execute("SAVEPOINT document")
        try:
            status = self._put(data, key, legacy_key(meta, chash), chash, path)
        except BaseException:
            self.db.execute("ROLLBACK TO document")
            self.db.execute("RELEASE document")
            raise
        self.db.execute("RELEASE document")
        return status

    def _put(self, data: dict, key: str, old_key: str, chash: str, path: str | None) -> str:
        old = self._find(key, old_key, chash, path)
        before = self._drop_other_keys(key, path)
        if old is not None and old[1] == chash:
            self._held.add(old[2] or "")
            return "unchanged"
        if old is not None and self._kept_elsewhere(key, old[2], path):
            return "duplicate"
        rows = document_rows(data, dt.datetime.now(dt.timezone.utc).date().isoformat(), key, chash, path)
        surnames = rows.person_surnames
        if old is not None:
            surnames |= self._delete(old[0])
        self._insert(rows, data)
        self._surnames |= surnames
        self._held.add(path or "")
        return "added" if old is None and not before else "replaced"

    def _drop_other_keys(self, key: str, path: str | None) -> bool:
        """Delete the rows of another key indexed from the location ``path``: the document there
        was keyed otherwise before (it has gained or lost a url or a feed item) and is this one
        now; its old row would stay as a second copy. Whether there was one."""
        if not path:
            return False
        rows = self.db.execute("SELECT id FROM documents WHERE path=? AND key<>?", (path, key)).fetchall()
        for (doc_id,) in rows:
            self._surnames |= self._delete(doc_id)
        return bool(rows)

    def _find(self, key: str, old_key: str, chash: str, path: str | None) -> tuple | None:
        """(id, content hash, path) of the row of ``key``; else of the version-2 row of the same
        document (``old_key``: the same content, or the same file), which takes ``key`` now."""
        find = "SELECT id, content_hash, path FROM documents WHERE key=?"
        row = self.db.execute(find, (key,)).fetchone()
        if row is not None or old_key == key:
            return row
        row = self.db.execute(find, (old_key,)).fetchone()
        if row is None or not (row[1] == chash or path and same_file(row[2], path)):
            row = self._moved(key, chash, path)
        if row is None:
            return None
        self.db.execute("UPDATE documents SET key=?, path=COALESCE(?, path) WHERE id=?", (key, path, row[0]))
        return row[0], row[1], path or row[2]

    def _moved(self, key: str, chash: str, path: str | None) -> tuple | None:
        """The row of the same content indexed from a file that is gone (an output folder moved
        or renamed, then indexed at its new place): this document, not a second copy of it."""
        if not path or not key.startswith("file:"):
            return None
        for row in self.db.execute("SELECT id, content_hash, path FROM documents WHERE content_hash=? "
                                   "AND key LIKE 'file:%'", (chash,)).fetchall():
            if row[2] and os.path.isabs(row[2]) and not location_exists(row[2]):
                return row
        return None

    def _kept_elsewhere(self, key: str, other: str | None, path: str | None) -> bool:
        """Whether the row of ``key``, another file's (``other``) that is still there, is kept
        instead of the document at ``path``: the first location in order is, so that indexing
        both files again changes nothing. While both are there a warning names both; a row whose
        file is gone is replaced without one."""
        if not path or not other or other == path or not os.path.isabs(other):
            return False
        if other not in self._held and not location_exists(other):
            return False  # its file is gone: this is the document now
        if location_order(path) > location_order(other):
            log.warning("%s: not indexed: %s has the same key (%s) and is kept (of the documents "
                        "that share a key, the first in path order)", path, other, key)
            return True
        log.warning("%s: replaces %s in the store: they have the same key (%s); of the documents "
                    "that share a key, the first in path order is kept", path, other, key)
        return False

    def drop_lines(self, loc: str, lines: set[int]) -> int:
        """Delete the documents keyed by a line of the ``.jsonl`` file at ``loc`` (its
        :func:`hebnews.store.keys.location`) that the file no longer has (``lines``: the lines
        it has now): after a line is taken out, the lines below it have moved up, and the old
        rows of the last ones would stay as second copies. The number deleted."""
        prefix = f"file:{loc}:"
        rows = self.db.execute("SELECT id, key FROM documents WHERE key > ? AND key < ?",
                               (prefix, f"file:{loc};")).fetchall()
        gone = [i for i, k in rows if k[len(prefix):].isdigit() and int(k[len(prefix):]) not in lines]
        if gone and not self.db.in_transaction:
            self.db.execute("BEGIN IMMEDIATE")
        for doc_id in gone:
            self._surnames |= self._delete(doc_id)
        return len(gone)

    def has_path(self, path: str) -> bool:
        """Whether a document indexed from the location ``path`` is in the store."""
        return self.db.execute("SELECT 1 FROM documents WHERE path=? LIMIT 1", (path,)).fetchone() is not None

    def _delete(self, doc_id: int) -> set[str]:
        """Delete a document's rows; the surnames of its person clusters."""
        # (+label: looked up by doc; SQLite otherwise takes clusters_names, label first, and
        # reads every PER cluster of the store for each document deleted)
        surnames = {r[0] for r in self.db.execute(
            "SELECT surname FROM clusters WHERE doc=? AND +label='PER'", (doc_id,))}
        for table in ("quotes", "entities", "clusters", "documents"):
            self.db.execute(f"DELETE FROM {table} WHERE {'id' if table == 'documents' else 'doc'}=?", (doc_id,))
        return surnames

    def _insert(self, rows: DocumentRows, data: dict) -> None:
        d = rows.document
        cur = self.db.execute(
            "INSERT INTO documents(key, content_hash, source, url, title, published, day, feed, text, path, "
            "indexed_at, document, search_title, search_text) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (rows.key, rows.content_hash, d["source"], d["url"], d["title"], d["published"], d["day"],
             d["feed"], d["text"], d["path"], dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
             dump_blob(data), search_form(d["title"]), search_form(d["text"])))
        doc_id = cur.lastrowid
        cluster_ids = {}
        for c in rows.clusters:
            cur = self.db.execute("INSERT INTO clusters(doc, cid, name, name_key, surname, label, mentions) "
                                  "VALUES (?,?,?,?,?,?,?)", (doc_id, *c))
            cluster_ids[c[0]] = cur.lastrowid
        self.db.executemany(
            "INSERT INTO entities(doc, eid, start_char, end_char, text, label, score, cluster) "
            "VALUES (?,?,?,?,?,?,?,?)", [(doc_id, *e[:6], cluster_ids[e[6]]) for e in rows.entities])
        self.db.executemany(
            "INSERT INTO quotes(doc, qid, start_char, end_char, text, score, speaker, speaker_key, "
            "speaker_surname, cluster, cue, gender, gender_from, search_text) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [(doc_id, *q[:8], cluster_ids.get(q[8]), *q[9:], search_form(q[3])) for q in rows.quotes])

    def commit(self) -> None:
        """People joined across the store, then the batch is committed."""
        if self.db.in_transaction:
            relink(self.db, self._surnames)
            self.db.execute("COMMIT")
        self._surnames = set()

    def rollback(self) -> None:
        """Drop what was added since the last commit."""
        if self.db.in_transaction:
            self.db.execute("ROLLBACK")
        self._surnames = set()

    def close(self) -> None:
        """Commit what was added and close."""
        try:
            self.commit()
        finally:
            self.db.close()

    # ------------------------------------------------------------------ reading
    def counts(self) -> dict[str, int]:
        return {t: self.db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}

    def version(self) -> int:
        return self.db.execute("PRAGMA user_version").fetchone()[0]
