"""The feed runner's memory: a SQLite state file and the run lock.

The state remembers every feed's conditional-GET validators and every item annotated (by id
and content hash, with the output name and how many runs its page failed); the lock keeps two
runs (overlapping cron jobs) apart.
"""
from __future__ import annotations

import contextlib
import errno
import fcntl
import sqlite3
import time
from pathlib import Path


class LockHeld(RuntimeError):
    """Another run holds the lock."""


class StateError(OSError):
    """The state file cannot be read or written (not a database, a full disk, ...): an output
    error like any other (``filename`` is the state file)."""


@contextlib.contextmanager
def _guard(path: Path, doing: str):
    try:
        yield
    except sqlite3.Error as exc:
        raise StateError(errno.EIO, f"cannot {doing} the feed state ({exc})", str(path)) from exc


class State:
    """SQLite: feeds (conditional-GET validators) and items (what was annotated, by hash, and
    whether the page failed: ``page_failures`` runs so far)."""

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with _guard(path, "open"):
            self.db = sqlite3.connect(str(path), timeout=30)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.executescript("""
                CREATE TABLE IF NOT EXISTS feeds (url TEXT PRIMARY KEY, etag TEXT, modified TEXT,
                    last_status TEXT, last_checked REAL);
                CREATE TABLE IF NOT EXISTS items (key TEXT PRIMARY KEY, feed TEXT, link TEXT,
                    content_hash TEXT, output TEXT, processed_at REAL);
            """)
            cols = {row[1] for row in self.db.execute("PRAGMA table_info(items)")}
            if "page_failures" not in cols:  # a state file of an earlier version
                self.db.execute("ALTER TABLE items ADD COLUMN page_failures INTEGER NOT NULL DEFAULT 0")
            if "ident" not in cols:  # the article across guids (hebnews.feedident.item_ident)
                self.db.execute("ALTER TABLE items ADD COLUMN ident TEXT")
            self.db.execute("CREATE INDEX IF NOT EXISTS items_ident ON items(ident)")
            self.db.commit()

    def _write(self, sql: str, params=()):
        """One statement and its commit; a failure (a full disk) is a StateError."""
        with _guard(self.path, "write"):
            self.db.execute(sql, params)
            self.db.commit()

    def validators(self, url: str) -> tuple[str | None, str | None]:
        with _guard(self.path, "read"):
            row = self.db.execute("SELECT etag, modified FROM feeds WHERE url=?", (url,)).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def save_feed(self, url: str, status: str, etag=None, modified=None, keep_validators=False):
        if keep_validators:
            etag, modified = self.validators(url)
        self._write("INSERT OR REPLACE INTO feeds VALUES (?,?,?,?,?)",
                    (url, etag, modified, status, time.time()))

    def item(self, key: str) -> tuple[str, int] | None:
        """(content hash, page failures) of a known item."""
        with _guard(self.path, "read"):
            row = self.db.execute("SELECT content_hash, page_failures FROM items WHERE key=?",
                                  (key,)).fetchone()
        return (row[0], row[1]) if row else None

    def item_feed(self, key: str) -> str | None:
        """The feed whose entry of a known item was annotated last (its owner)."""
        with _guard(self.path, "read"):
            row = self.db.execute("SELECT feed FROM items WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def item_by_ident(self, ident: str) -> tuple[str, str] | None:
        """(key, feed) of the known item that is the article ``ident`` (the one done first)."""
        with _guard(self.path, "read"):
            row = self.db.execute("SELECT key, feed FROM items WHERE ident=? ORDER BY processed_at, key "
                                  "LIMIT 1", (ident,)).fetchone()
        return (row[0], row[1]) if row else None

    def save_item(self, key: str, feed: str, link: str | None, content_hash: str, output: str,
                  page_failures: int = 0, ident: str | None = None):
        self._write("INSERT OR REPLACE INTO items (key, feed, link, content_hash, output, processed_at, "
                    "page_failures, ident) VALUES (?,?,?,?,?,?,?,?)",
                    (key, feed, link, content_hash, output, time.time(), page_failures, ident))

    def page_retried(self, key: str, failed: bool):
        """A failed page fetched again without an article: one more failure, or (the page
        came but has no article text) no more tries."""
        sql = "page_failures + 1" if failed else "0"
        self._write(f"UPDATE items SET page_failures = {sql} WHERE key=?", (key,))

    def close(self):
        self.db.close()


@contextlib.contextmanager
def run_lock(path: Path):
    """An exclusive, non-blocking lock: a second run (e.g. an overlapping cron job) gets LockHeld."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as f:
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockHeld(f"{path}: another hebnews feed run holds the lock") from None
        try:
            yield
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)
