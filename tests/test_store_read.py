"""The questions to a store: they open it read-only (a store on a file or in a folder we may not
write is read; an old one we may not upgrade is one line), search ignores niqqud, and
gender_from is a list in JSONL and cue;pronoun in CSV."""
import csv
import io
import json
import os
import sqlite3

import pytest

from hebnews.store import Store, StoreError
from hebnews.store.queries import entity_rows, quote_rows
from hebnews.store.schema import migrate

from .storedocs import Article, corpus
from .test_store_cli import QUESTIONS, one_line_error

not_as_root = pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                             reason="root reads and writes files whatever their permissions")


def make_store(path) -> None:
    with Store.open(path) as s:
        for doc in corpus():
            s.add(doc)


@pytest.fixture
def locked(tmp_path):
    """A store in a folder, both without write permission (restored afterwards)."""
    folder = tmp_path / "ro"
    folder.mkdir()
    make_store(folder / "news.db")
    for extra in folder.iterdir():  # a store closed cleanly has no -wal or -shm left
        assert extra.name == "news.db", extra
    (folder / "news.db").chmod(0o444)
    folder.chmod(0o555)
    yield folder / "news.db"
    folder.chmod(0o755)
    (folder / "news.db").chmod(0o644)


@not_as_root
def test_questions_read_a_store_they_may_not_write(run, locked, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # where report writes r.html
    before = locked.read_bytes()
    code, out, err = run("quotes", "--db", locked, "--speaker", "זלנסקי", "--format", "jsonl")
    assert code == 0 and len(out.splitlines()) == 2, err
    code, out, err = run("entities", "--db", locked, "--top", "3", "--format", "csv")
    assert code == 0 and len(out.splitlines()) == 4, err
    code, out, err = run("report", "--db", locked, "-o", tmp_path / "r.html")
    assert code == 0 and (tmp_path / "r.html").is_file(), err
    assert locked.read_bytes() == before and sorted(p.name for p in locked.parent.iterdir()) == ["news.db"]
    locked.parent.chmod(0o755)  # a read-only file in a folder we may write: read too
    assert run("quotes", "--db", locked, "--format", "jsonl")[0] == 0


@not_as_root
def test_an_old_store_we_may_not_upgrade_is_one_line(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "old.db"
    make_old(db)
    db.chmod(0o444)
    for cmd in QUESTIONS:
        one_line_error(run(*cmd, "--db", db), 1, str(db), "version 2", "upgraded")
    db.chmod(0o644)


def make_old(path) -> None:
    raw = sqlite3.connect(str(path), isolation_level=None)
    migrate(raw, target=2)
    raw.close()


def test_questions_open_read_only(tmp_path, monkeypatch, run):
    """(Also as root.) The questions' store takes no write; an old store that may not be written
    (as root: made so) is refused in one line and left as it is, one that may is upgraded."""
    db = tmp_path / "news.db"
    make_store(db)
    with Store.open(db, create=False, readonly=True) as s:
        assert s.counts()["documents"] == 4
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            s.db.execute("DELETE FROM quotes")
    old = tmp_path / "old.db"
    make_old(old)
    monkeypatch.setattr("hebnews.store.db._may_write", lambda path: False)
    with pytest.raises(StoreError, match="version 2, which must be upgraded to version 3"):
        Store.open(old, create=False, readonly=True)
    one_line_error(run("quotes", "--db", old), 1, "must be upgraded", "hebnews index")
    raw = sqlite3.connect(str(old))
    assert raw.execute("PRAGMA user_version").fetchone()[0] == 2
    raw.close()
    monkeypatch.undo()
    with Store.open(old, create=False, readonly=True) as s:  # we may write it: upgraded first
        assert s.version() == 3


def pointed() -> list[dict]:
    a = Article("pointed.txt", day="2025-08-15", title="בְּרֵאשִׁית")
    who = a.ent("משה כהן")
    a.say(" אמר: ")
    a.quote("שָׁלוֹם לְכֻלָּם", who)
    b = Article("plain.txt", day="2025-08-16", title="שלום עכשיו")
    who = b.ent("דנה לוי")
    b.quote("שלום וברכה", who)
    return [a.build(), b.build()]


def test_search_ignores_niqqud_both_ways(tmp_path, run):
    db = tmp_path / "news.db"
    with Store.open(db) as s:
        for doc in pointed():
            s.add(doc)
        assert [r["quote"] for r in quote_rows(s.db, search="שלום")] == ["שָׁלוֹם לְכֻלָּם", "שלום וברכה"]
        assert [r["quote"] for r in quote_rows(s.db, search="שָׁלוֹם")] == ["שָׁלוֹם לְכֻלָּם", "שלום וברכה"]
        assert [r["quote"] for r in quote_rows(s.db, search="לכלם")] == ["שָׁלוֹם לְכֻלָּם"]
        assert [r["name"] for r in entity_rows(s.db, 5, search="בראשית")] == ["משה כהן"]
        assert [r["name"] for r in entity_rows(s.db, 5, search="עַכְשָׁיו")] == ["דנה לוי"]  # its title
        s.db.execute("INSERT INTO quotes_fts(quotes_fts, rank) VALUES ('integrity-check', 1)")
        s.db.execute("INSERT INTO documents_fts(documents_fts, rank) VALUES ('integrity-check', 1)")
    code, out, _ = run("quotes", "--db", db, "--search", "שָׁלוֹם", "--format", "jsonl")
    assert code == 0 and [json.loads(ln)["quote"] for ln in out.splitlines()] == ["שָׁלוֹם לְכֻלָּם", "שלום וברכה"]


def test_gender_from_is_a_list_in_jsonl_and_readable_in_csv(tmp_path, run):
    a = Article("a.txt", day="2025-08-15")
    who = a.ent("קאיה קאלאס")
    a.quote("נעמוד לצד אוקראינה", who, gender="female")
    doc = a.build()
    doc["quotes"][0]["speaker"]["gender_from"] = ["cue", "pronoun"]  # as the annotator writes it
    db = tmp_path / "news.db"
    with Store.open(db) as s:
        s.add(doc)
    _, out, _ = run("quotes", "--db", db, "--format", "jsonl")
    assert json.loads(out)["gender_from"] == ["cue", "pronoun"]
    _, out, _ = run("quotes", "--db", db, "--format", "csv")
    assert next(csv.DictReader(io.StringIO(out)))["gender_from"] == "cue;pronoun"
