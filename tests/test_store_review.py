"""Store defects found in review: lookups that read the whole store for each document (no index
on content_hash; the clusters of a deleted document looked up by label), and a file whose
document changes key (it gains or loses a url) keeping its old row as a second copy."""
import json
import sqlite3

from hebnews.store import Store

from .test_store_keys import article, index, texts, write

TABLES = ("documents", "clusters", "entities", "quotes", "people")


def _plans(db: sqlite3.Connection, statements: list[str]) -> list[tuple[str, str]]:
    """(statement, plan step) of each statement that reads a table (bound values expanded)."""
    out = []
    for sql in statements:
        if sql.lstrip().split(None, 1)[0].upper() in ("SELECT", "UPDATE", "DELETE"):
            out += [(sql, step[3]) for step in db.execute("EXPLAIN QUERY PLAN " + sql).fetchall()]
    return out


def _reads_all(step: str) -> bool:
    """A plan step that reads a whole table: a scan, or an index searched by label alone (every
    PER cluster of the store)."""
    return any(step.startswith(f"SCAN {t}") for t in TABLES) or step.endswith("(label=?)")


def test_adding_replacing_moving_and_dropping_documents_reads_no_whole_table(tmp_path):
    """A store of 100k documents must not be read whole for each document indexed: every lookup
    the writes make is by an index (content_hash for a moved output, doc for its clusters)."""
    (tmp_path / "a.json").write_text("{}")
    s = Store.open(tmp_path / "news.db")
    s.add(article(" נחת באלסקה. "), path=str(tmp_path / "a.json"))
    s.add(article(" נפגש עם פוטין. "), path=str(tmp_path / "gone.jsonl:2"))
    s.commit()
    seen: list[str] = []
    s.db.set_trace_callback(seen.append)
    s.add(article(" חזר. "), path=str(tmp_path / "b.json"))  # new: a moved output is looked for
    s.add(article(" חזר שוב. "), path=str(tmp_path / "a.json"))  # replaced: its clusters go
    s.drop_lines(str(tmp_path / "gone.jsonl"), {1})
    s.has_path(str(tmp_path / "a.json"))
    s.commit()
    s.db.set_trace_callback(None)
    plans = _plans(s.db, seen)
    s.close()
    assert any("content_hash=" in sql for sql, _ in plans)  # the moved-output lookup ran
    assert [(sql, step) for sql, step in plans if _reads_all(step)] == []


def _content_hash_indexes(con: sqlite3.Connection) -> list[str]:
    """The indexes of documents whose first column is content_hash."""
    return [name for _, name, *_ in con.execute("PRAGMA index_list(documents)")
            if con.execute(f"PRAGMA index_info({name})").fetchone()[2] == "content_hash"]


def test_a_version_3_store_without_the_content_hash_index_gets_it(tmp_path):
    db = tmp_path / "news.db"
    Store.open(db).close()
    with sqlite3.connect(db) as con:  # as stores made before the index were
        names = _content_hash_indexes(con)
        assert names
        for name in names:
            con.execute(f"DROP INDEX {name}")
    Store.open(db).close()
    Store.open(db).close()  # (again: nothing to do)
    with sqlite3.connect(db) as con:
        assert len(_content_hash_indexes(con)) == 1


def test_a_file_whose_document_gains_or_loses_a_url_is_still_one_document(run, tmp_path):
    """The file's old row (keyed by the file) went only when its key came back: index, or
    annotate --db, of an output re-annotated with a url kept both versions for good."""
    out, db = tmp_path / "out", tmp_path / "news.db"
    write(out / "a.json", article(" נחת באלסקה. "))
    assert index(run, out, "--db", db)["added"] == 1
    write(out / "a.json", article(" נפגש עם פוטין. ", url="https://news.example/1"))
    counts = index(run, out, "--db", db)
    assert (counts["replaced"], counts["added"], counts["documents"], counts["quotes"]) == (1, 0, 1, 1)
    assert texts(db) == [article(" נפגש עם פוטין. ")["text"]]
    write(out / "a.json", article(" חזר. "))  # the url gone again
    assert index(run, out, "--db", db)["documents"] == 1
    assert texts(db) == [article(" חזר. ")["text"]]
    assert index(run, out, "--db", db)["unchanged"] == 1


def test_a_jsonl_line_whose_document_gains_a_url_is_still_one_document(run, tmp_path):
    out, db = tmp_path / "out", tmp_path / "news.db"
    out.mkdir()
    lines = [article(" נחת באלסקה. "), article(" נפגש עם פוטין. ")]
    (out / "all.jsonl").write_text("".join(json.dumps(d) + "\n" for d in lines), "utf-8")
    assert index(run, out, "--db", db)["documents"] == 2
    lines[1] = article(" נפגש עם פוטין. ", url="https://news.example/2")
    (out / "all.jsonl").write_text("".join(json.dumps(d) + "\n" for d in lines), "utf-8")
    assert index(run, out, "--db", db)["documents"] == 2
    with Store.open(db) as s:
        keys = sorted(r[0] for r in s.db.execute("SELECT key FROM documents"))
    assert keys == [f"file:{(out / 'all.jsonl').resolve()}:1", "url:https://news.example/2"]
