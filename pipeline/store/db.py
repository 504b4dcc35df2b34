"""The annotation store: one SQLite file (WAL mode) of annotated documents.

:meth:`Store.add` indexes one document: unchanged (same key and content hash) it is skipped; new
it is added; changed it replaces the old version's rows. Each document is one savepoint: it is
in the store whole or not at all, also when the process is killed (SQLite's journal), and a
document that fails leaves the others of the transaction alone. :meth:`Store.commit` joins
the batch's people to the rest of the store (:func:`hebnews.store.people.relink`, once for all
the surnames the batch touched) and ends the transaction.
"""
from __future__ import annotations

import datetime as dt
import os
import sqlite3
import stat
from pathlib import Path

from .people import relink
from .rows import DocumentRows, document_rows
from .schema import APPLICATION_ID, SCHEMA_VERSION, dump_blob, migrate

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


class Store:
    def __init__(self, db: sqlite3.Connection, path: Path):
        self.db, self.path = db, path
        self._surnames: set[str] = set()  # of the person clusters added or deleted since the commit

    @classmethod
    def open(cls, path: str | os.PathLike, create: bool = True) -> "Store":
        """Open (``create``: or make) the store at ``path``, migrated to the current version;
        :class:`StoreError` when it cannot be used."""
        path = Path(path)
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

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    # ------------------------------------------------------------------ writing
    def add(self, data: dict, path: str | None = None) -> str:
        """Index one document dict: "added", "replaced" or "unchanged"."""
        today = dt.datetime.now(dt.timezone.utc).date().isoformat()
        rows = document_rows(data, today, path)
        if not self.db.in_transaction:  # before the lookup: a concurrent run cannot add the
            self.db.execute("BEGIN IMMEDIATE")  # same key between our look and our insert
        old = self.db.execute("SELECT id, content_hash FROM documents WHERE key=?", (rows.key,)).fetchone()
        if old is not None and old[1] == rows.content_hash:
            return "unchanged"
        self.db.execute("SAVEPOINT document")
        try:
            surnames = rows.person_surnames
            if old is not None:
                surnames |= self._delete(old[0])
            self._insert(rows, data)
        except BaseException:
            self.db.execute("ROLLBACK TO document")
            self.db.execute("RELEASE document")
            raise
        self.db.execute("RELEASE document")
        self._surnames |= surnames
        return "added" if old is None else "replaced"

    def _delete(self, doc_id: int) -> set[str]:
        """Delete a document's rows; the surnames of its person clusters."""
        surnames = {r[0] for r in self.db.execute(
            "SELECT surname FROM clusters WHERE doc=? AND label='PER'", (doc_id,))}
        for table in ("quotes", "entities", "clusters", "documents"):
            self.db.execute(f"DELETE FROM {table} WHERE {'id' if table == 'documents' else 'doc'}=?", (doc_id,))
        return surnames

    def _insert(self, rows: DocumentRows, data: dict) -> None:
        d = rows.document
        cur = self.db.execute(
            "INSERT INTO documents(key, content_hash, source, url, title, published, day, feed, text, path, "
            "indexed_at, document) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (rows.key, rows.content_hash, d["source"], d["url"], d["title"], d["published"], d["day"],
             d["feed"], d["text"], d["path"], dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
             dump_blob(data)))
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
            "speaker_surname, cluster, cue, gender, gender_from) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [(doc_id, *q[:8], cluster_ids.get(q[8]), *q[9:]) for q in rows.quotes])

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
