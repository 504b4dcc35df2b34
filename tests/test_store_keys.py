"""Which documents the store holds: a document is keyed by its feed item or url, else by the file
it is in (and its line in a .jsonl), the same for annotate --db and index; two files sharing a key
do not flip the row; rows of a version-2 store are taken over; a resumed annotate --db indexes the
outputs a killed run wrote but never committed."""
import json
import logging
import sqlite3

import pytest

from hebnews.store import SCHEMA_VERSION, Store
from hebnews.store.rows import content_hash
from hebnews.store.schema import dump_blob, migrate

from .storedocs import Article
from .test_store_cli import TEXTS, write_texts


def article(text: str, **meta) -> dict:
    a = Article("article.txt", day="2025-08-15", **meta)
    who = a.ent("דונלד טראמפ")
    a.say(text)
    a.quote(text.strip(" ."), who)
    return a.build()


def write(path, doc) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


def index(run, *args) -> dict:
    code, out, err = run("index", *args)
    assert code == 0, err
    return json.loads(out)


def texts(db) -> list[str]:
    with Store.open(db) as s:
        return sorted(r[0] for r in s.db.execute("SELECT text FROM documents"))


def test_two_articles_of_the_same_name_from_two_folders_are_two_documents(run, tmp_path):
    """Both typed article.txt (meta.source "article.txt"): version 2 made them one document, the
    second replacing the first."""
    out, db = tmp_path / "out", tmp_path / "news.db"
    write(out / "a.json", article(" נחת באלסקה. "))
    write(out / "b.json", article(" נפגש עם פוטין. "))
    first = index(run, out, "--db", db)
    assert (first["added"], first["documents"], first["quotes"]) == (2, 2, 2)
    second = index(run, out, "--db", db)
    assert (second["added"], second["replaced"], second["unchanged"]) == (0, 0, 2)
    with Store.open(db) as s:
        keys = sorted(r[0] for r in s.db.execute("SELECT key FROM documents"))
    assert keys == [f"file:{(out / 'a.json').resolve()}", f"file:{(out / 'b.json').resolve()}"]


def test_a_moved_output_folder_indexed_again_takes_over_its_rows(run, tmp_path):
    """The same content from a file whose old location is gone is the same document, not a
    second copy; while the old file is there, a copy elsewhere is another document."""
    out, db = tmp_path / "out", tmp_path / "news.db"
    write(out / "a.json", article(" נחת באלסקה. "))
    write(out / "b.json", article(" נפגש עם פוטין. "))
    assert index(run, out, "--db", db)["added"] == 2
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "a.json").write_bytes((out / "a.json").read_bytes())
    assert index(run, copy, "--db", db)["added"] == 1  # out/a.json is still there
    moved = tmp_path / "moved"
    out.rename(moved)
    counts = index(run, moved, "--db", db)
    assert (counts["added"], counts["unchanged"], counts["documents"]) == (0, 2, 3)
    with Store.open(db) as s:
        paths = sorted(r[0] for r in s.db.execute("SELECT path FROM documents"))
    assert paths == sorted(str(p.resolve()) for p in (copy / "a.json", moved / "a.json", moved / "b.json"))
    assert index(run, moved, "--db", db)["unchanged"] == 2


def test_a_key_two_files_share_is_kept_by_the_first_and_never_flips(run, tmp_path, caplog):
    out, db = tmp_path / "out", tmp_path / "news.db"
    url = "https://news.example/1"
    write(out / "1.json", article(" נחת באלסקה. ", url=url))
    write(out / "2.json", article(" נפגש עם פוטין. ", url=url))
    for n in range(3):  # version 2: added 1 replaced 1, then replaced 2 on every run
        caplog.clear()
        counts = index(run, out, "--db", db)
        assert (counts["added"], counts["unchanged"], counts["replaced"], counts["duplicate"]) == \
            ((1, 0) if n == 0 else (0, 1)) + (0, 1)
        warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert len(warned) == 1 and "2.json: not indexed" in warned[0] and "1.json" in warned[0]
        assert texts(db) == [article(" נחת באלסקה. ")["text"]]
    write(out / "1.json", article(" חזר לוושינגטון. ", url=url))  # the kept file changed: replaced
    assert index(run, out, "--db", db)["replaced"] == 1
    assert texts(db) == [article(" חזר לוושינגטון. ")["text"]]
    (out / "1.json").unlink()  # the kept file is gone: the other one is the document now
    assert index(run, out, "--db", db)["replaced"] == 1
    assert texts(db) == [article(" נפגש עם פוטין. ")["text"]]


def test_two_lines_of_a_jsonl_are_two_documents_and_lines_sharing_a_url_one(run, tmp_path, caplog):
    out, db = tmp_path / "out", tmp_path / "news.db"
    out.mkdir()
    docs = [article(" נחת באלסקה. "), article(" נפגש עם פוטין. "),
            article(" חזר. ", url="u:1"), article(" חזר שוב. ", url="u:1")]
    (out / "all.jsonl").write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), "utf-8")
    assert index(run, out, "--db", db)["documents"] == 3
    again = index(run, out, "--db", db)
    assert (again["unchanged"], again["duplicate"], again["added"]) == (3, 1, 0)
    assert any("all.jsonl:4: not indexed" in r.getMessage() for r in caplog.records)


def _v2_store(path, rows: list[tuple[str, dict, str | None]]) -> None:
    """A store as version 2 wrote it: (key, document, path) rows, quotes with their text."""
    db = sqlite3.connect(str(path), isolation_level=None)
    migrate(db, target=2)
    for i, (key, doc, where) in enumerate(rows, 1):
        db.execute("INSERT INTO documents(id, key, content_hash, source, title, day, text, path, indexed_at, "
                   "document) VALUES (?, ?, ?, 'article.txt', ?, '2025-08-15', ?, ?, '2025-08-15T00:00:00', ?)",
                   (i, key, content_hash(doc), doc["meta"].get("title"), doc["text"], where, dump_blob(doc)))
        for q in doc["quotes"]:
            db.execute("INSERT INTO quotes(doc, qid, start_char, end_char, text) VALUES (?, ?, ?, ?, ?)",
                       (i, q["id"], q["start"], q["end"], q["text"]))
    db.close()


def test_a_version_2_store_is_migrated_and_its_rows_are_taken_over(run, tmp_path):
    """The migration rebuilds the search without niqqud; indexing the outputs again takes the
    old rows over (the same content, or the same file) instead of adding every document twice,
    and never takes over another file's document."""
    out, db = tmp_path / "out", tmp_path / "news.db"
    a, b = article(" נחת באלסקה. "), article(' אמר "שָׁלוֹם". ', title="כּוֹתֶרֶת")
    c_old, c_new = article(" נפגש. "), article(" נפגש עם פוטין. ")
    c_old["meta"]["source"] = c_new["meta"]["source"] = "x.txt"
    _v2_store(db, [("source:article.txt", b, "out/b.json"), ("source:x.txt", c_old, "../out/c.json")])
    for name, doc in (("a.json", a), ("b.json", b), ("c.json", c_new)):
        write(out / name, doc)
    with Store.open(db) as s:
        assert s.version() == SCHEMA_VERSION == 3
        assert s.db.execute("SELECT count(*) FROM quotes_fts WHERE quotes_fts MATCH 'שלום'").fetchone()[0] == 1
        assert s.db.execute("SELECT count(*) FROM documents_fts WHERE documents_fts MATCH 'כותרת'").fetchone()[0] == 1
        s.db.execute("INSERT INTO quotes_fts(quotes_fts, rank) VALUES ('integrity-check', 1)")
        s.db.execute("INSERT INTO documents_fts(documents_fts, rank) VALUES ('integrity-check', 1)")
    counts = index(run, out, "--db", db)
    # a: new (b's old row has the same source but another content and file); b: the same
    # content; c: the same file (its path as version 2 was given it), a new version
    assert (counts["added"], counts["unchanged"], counts["replaced"], counts["documents"]) == (1, 1, 1, 3)
    again = index(run, out, "--db", db)
    assert (again["added"], again["unchanged"]) == (0, 3)
    with Store.open(db) as s:
        assert all(k.startswith("file:") for (k,) in s.db.execute("SELECT key FROM documents"))


# ----------------------------------------------------------------------------- with the model

def test_annotate_from_two_folders_then_index_agree(cli, tmp_path, monkeypatch):
    """cd a && annotate article.txt -o ../out/a.json --db ../news.db, the same in b, then index
    of out/: two documents, and index adds nothing (annotate --db keyed them as index does)."""
    for folder, name in (("a", "a.txt"), ("b", "b.txt")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "article.txt").write_text(TEXTS[name], encoding="utf-8")
        monkeypatch.chdir(tmp_path / folder)
        r = cli("annotate", "article.txt", "-o", f"../out/{folder}.json", "--db", "../news.db")
        assert r.returncode == 0, r.stderr
        r = cli("annotate", "article.txt", "--db", "../stdout.db")  # to stdout: keyed by the input
        assert r.returncode == 0 and json.loads(r.stdout)["text"] == TEXTS[name], r.stderr
    monkeypatch.chdir(tmp_path)
    with Store.open("news.db") as s, Store.open("stdout.db") as o:
        assert s.counts()["documents"] == 2
        assert sorted(k for (k,) in o.db.execute("SELECT key FROM documents")) == \
            [f"input:{tmp_path.resolve() / f / 'article.txt'}" for f in ("a", "b")]
    r = cli("index", "out", "--db", "news.db")
    counts = json.loads(r.stdout)
    assert (counts["added"], counts["unchanged"], counts["documents"]) == (0, 2, 2)
    r = cli("annotate", "a", "b", "--format", "jsonl", "-o", "all.jsonl", "--db", "lines.db")
    assert r.returncode == 0, r.stderr
    counts = json.loads(cli("index", "all.jsonl", "--db", "lines.db").stdout)
    assert (counts["added"], counts["unchanged"], counts["documents"]) == (0, 2, 2)


def _killed_at_b(monkeypatch):
    """Store.add is interrupted for b.txt's document: its output is written, it never reaches
    the store (as a SIGKILL between the two would leave it); the run stops there."""
    real_add = Store.add

    def add(self, data, path=None, origin=None):
        if str(data["meta"].get("source", "")).endswith("b.txt") or data["meta"].get("id") == "b":
            raise KeyboardInterrupt
        return real_add(self, data, path, origin)

    monkeypatch.setattr(Store, "add", add)
    return lambda: monkeypatch.setattr(Store, "add", real_add)


@pytest.mark.parametrize("fmt", ["json", "jsonl-file", "html", "conll"])
def test_a_resumed_annotate_db_indexes_what_the_killed_run_wrote(cli, tmp_path, monkeypatch, fmt):
    src, db = write_texts(tmp_path / "in"), tmp_path / "news.db"
    out = tmp_path / ("all.jsonl" if fmt == "jsonl-file" else "out")
    cmd = ["annotate", src, "-o", out, "--db", db] + (["--format", "jsonl"] if fmt == "jsonl-file" else
                                                      ["--format", fmt])
    revive = _killed_at_b(monkeypatch)
    assert cli(*cmd).returncode == 130  # interrupted right after b's output was written
    assert (out.with_name("all.jsonl.partial") if fmt == "jsonl-file" else out / f"b.{fmt}").is_file()
    with Store.open(db) as s:
        assert s.counts()["documents"] == 1
    revive()
    r = cli(*cmd)
    assert r.returncode == 0, r.stderr
    with Store.open(db) as s:
        assert s.counts()["documents"] == 2
        texts = sorted(t for (t,) in s.db.execute("SELECT text FROM documents"))
    assert texts == sorted(TEXTS.values())
    if fmt in ("json", "jsonl-file"):  # index of the outputs agrees: nothing to add
        counts = json.loads(cli("index", out, "--db", db).stdout)
        assert (counts["added"], counts["replaced"], counts["unchanged"]) == (0, 0, 2)


def test_a_feed_item_whose_store_commit_was_killed_is_done_again(cli, tmp_path, monkeypatch):
    from .feedsite import ARTICLES, rss

    art = ARTICLES[0]
    feed = tmp_path / "local.xml"
    feed.write_text(rss("http://127.0.0.1:9", [(art["title"], "/x.html", art["text"])]), encoding="utf-8")
    cmd = ["feed", feed, "-o", tmp_path / "o", "--no-pages", "--db", tmp_path / "news.db"]
    real_add = Store.add
    monkeypatch.setattr(Store, "add", lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt))
    assert cli(*cmd).returncode == 130
    monkeypatch.setattr(Store, "add", real_add)
    assert cli(*cmd).returncode == 0  # the item is not in the feed state: annotated again
    with Store.open(tmp_path / "news.db") as s:
        assert s.db.execute("SELECT key FROM documents").fetchall() == [("item:http://127.0.0.1:9/x.html",)]


def test_an_indented_document_named_jsonl_is_one_line_not_one_per_line(run, tmp_path):
    out, db = tmp_path / "out", tmp_path / "news.db"
    out.mkdir()
    (out / "x.jsonl").write_text(json.dumps(article(" נחת באלסקה. "), ensure_ascii=False, indent=2), encoding="utf-8")
    code, stdout, err = run("index", out, "--db", db)
    assert code == 1 and json.loads(stdout)["failed"] == 1
    assert [ln for ln in err.splitlines() if ln.strip()] == [
        f"hebnews: error: {out / 'x.jsonl'}: one indented JSON document, not one document per line (name it .json)"]
