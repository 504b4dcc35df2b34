"""The store under hostile use (no model): a .jsonl output whose lines are taken out or moved,
lines sharing a url, outputs that are FIFOs or devices, a report written onto its own store, a
--search with no word in it."""
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from hebnews.store import Store

from .test_store_cli import one_line_error
from .test_store_keys import article, index


def jsonl(path: Path, docs: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")


def rows(db) -> list[tuple[str, str]]:
    """(key less the folder, text) of the documents, by key."""
    with Store.open(db) as s:
        got = s.db.execute("SELECT key, text FROM documents ORDER BY key").fetchall()
    return [(k.rsplit("/", 1)[-1], t) for k, t in got]


def test_a_jsonl_line_taken_out_or_moved_leaves_no_stale_copy(run, tmp_path):
    """Lines are keyed FILE:LINE: after line 1 is taken out, lines 2 and 3 are lines 1 and 2, and
    the old row of line 3 was a second copy of its document (4 documents for 3)."""
    out, db = tmp_path / "out", tmp_path / "news.db"
    docs = [article(f" טקסט מספר {i}. ") for i in range(3)]
    jsonl(out / "a.jsonl", docs)
    assert index(run, out, "--db", db)["documents"] == 3
    jsonl(out / "a.jsonl", docs[1:])
    counts = index(run, out, "--db", db)
    assert (counts["replaced"], counts["removed"], counts["documents"], counts["quotes"]) == (2, 1, 2, 2)
    assert rows(db) == [("a.jsonl:1", docs[1]["text"]), ("a.jsonl:2", docs[2]["text"])]
    jsonl(out / "a.jsonl", docs[::-1])  # reordered, and one more
    assert index(run, out, "--db", db)["documents"] == 3
    assert [t for _, t in rows(db)] == [d["text"] for d in docs[::-1]]
    # a line that is there but cannot be read (cut mid-line) keeps its row; blank lines count
    text = (out / "a.jsonl").read_text("utf-8").splitlines(keepends=True)
    (out / "a.jsonl").write_text("\n" + text[1] + text[2][:50], encoding="utf-8")
    code, out_, err = run("index", out, "--db", db)
    assert code == 1 and "a.jsonl:3: not a readable hebnews document" in err
    assert json.loads(out_)["removed"] == 1  # line 1 is blank now
    assert [k for k, _ in rows(db)] == ["a.jsonl:2", "a.jsonl:3"]
    (out / "a.jsonl").write_text("", encoding="utf-8")
    assert index(run, out, "--db", db)["documents"] == 0


def test_lines_sharing_a_url_keep_the_first_by_line_number(run, tmp_path, caplog):
    """"The first in path order": line 2 of a .jsonl comes before its line 10 (as text,
    "a.jsonl:10" < "a.jsonl:2")."""
    out, db = tmp_path / "out", tmp_path / "news.db"
    docs = [article(f" טקסט מספר {i}. ") for i in range(10)]
    docs[1]["meta"]["url"] = docs[9]["meta"]["url"] = "https://example.com/x"
    jsonl(out / "a.jsonl", docs)
    assert index(run, out, "--db", db)["documents"] == 9
    again = index(run, out, "--db", db)
    assert (again["unchanged"], again["duplicate"], again["replaced"]) == (9, 1, 0)
    with Store.open(db) as s:
        assert s.db.execute("SELECT text FROM documents WHERE key LIKE 'url:%'").fetchall() == [(docs[1]["text"],)]
    assert any("a.jsonl:10: not indexed" in r.getMessage() for r in caplog.records)


def _alarm(seconds: int):
    def ring(*_):
        raise TimeoutError(f"still running after {seconds} s")
    old = signal.signal(signal.SIGALRM, ring)
    signal.alarm(seconds)
    return old


def test_index_of_a_fifo_or_a_device_is_one_line_never_a_hang(run, tmp_path):
    out, db = tmp_path / "out", tmp_path / "news.db"
    out.mkdir()
    os.mkfifo(out / "f.json")
    os.mkfifo(out / "g.jsonl")
    (out / "null.json").symlink_to("/dev/null")
    old = _alarm(10)
    try:
        for name in ("f.json", "g.jsonl", "null.json"):
            code, got, err = run("index", out / name, "--db", db)
            assert code == 1 and err.count("\n") == 1 and "not a regular file" in err, err
            assert json.loads(got)["failed"] == 1
        code, got, err = run("index", out, "--db", db)  # in a folder: not documents, left out
        assert code == 0 and json.loads(got)["failed"] == 0
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def test_index_of_dev_zero_reads_nothing(tmp_path):
    """A link to /dev/zero named on the command line was read to the end of memory (a
    MemoryError traceback); in a child with 2 GiB of address space, so that it cannot hurt."""
    (tmp_path / "z.json").symlink_to("/dev/zero")
    (tmp_path / "z.jsonl").symlink_to("/dev/zero")
    code = ("import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30)); "
            "from hebnews.cli import main; sys.exit(main(sys.argv[1:]))")
    got = subprocess.run([sys.executable, "-c", code, "index", "z.json", "z.jsonl", "--db", "n.db"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert got.returncode == 1 and "Traceback" not in got.stderr, got.stderr
    assert got.stderr.count("not a regular file") == 2


@pytest.fixture
def db(run, tmp_path):
    out, db = tmp_path / "out", tmp_path / "news.db"
    jsonl(out / "a.jsonl", [article(" שָׁלוֹם עֲלֵיכֶם. "), article(" נחת באלסקה. ")])
    index(run, out, "--db", db)
    return db


def test_a_report_onto_its_own_store_is_refused(run, db, tmp_path, monkeypatch):
    """-o the store (or a link to it) replaced the database with the page: the store was gone."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "link.html").symlink_to(db)
    before = db.read_bytes()
    for target in (db, "link.html", "news.db", f"{db}-wal"):
        one_line_error(run("report", "--db", db, "-o", target), 2, "the store")
    assert db.read_bytes() == before and not (tmp_path / "news-articles").exists()
    code, out, _ = run("quotes", "--db", "link.html", "--format", "jsonl")
    assert code == 0 and len(out.splitlines()) == 2


@pytest.mark.parametrize("words", ["", " ", "-", '"', "*", "^", ":", "(", "\u05b0\u05b4", "- ?"])
def test_a_search_with_no_word_is_refused_not_everything(run, db, words):
    """A search of only punctuation or niqqud (nothing the index holds) filtered nothing: every
    quote came back as if it matched."""
    for cmd in ("quotes", "entities"):
        one_line_error(run(cmd, "--db", db, "--search", words), 2, "--search", "no word")
    code, out, _ = run("quotes", "--db", db, "--search", "( שָׁלוֹם \"*", "--format", "jsonl")
    assert code == 0 and len(out.splitlines()) == 1


class _Annotator:
    """annotate_stream as the model's: (text, meta) -> Document, here the given documents."""

    def __init__(self, docs: dict[str, dict]):
        self.docs = docs

    def annotate_stream(self, pairs):
        from hebnews.document import Document

        for text, meta in pairs:
            yield Document.from_dict(self.docs[text])


def test_annotate_db_jsonl_run_again_with_fewer_records_drops_the_rest(tmp_path):
    """annotate --format jsonl --db: a rerun (no resume) writes 2 lines where the first wrote 3;
    the row of line 3 is no document of the output any more."""
    from hebnews.batch import run_jsonl
    from hebnews.io.sinks import StoreSink

    docs = {f"t{i}": article(f" טקסט מספר {i}. ") for i in range(3)}
    archive, out, db = tmp_path / "in.jsonl", tmp_path / "out.jsonl", tmp_path / "news.db"
    for keep in (3, 2):
        archive.write_text("".join(json.dumps({"id": t, "text": t}) + "\n" for t in list(docs)[:keep]), "utf-8")
        sink = StoreSink(db, print)
        run_jsonl(_Annotator(docs), [(str(archive), "in")], out, resume=False, quiet=True, after_write=sink)
        sink.close()
        assert [k for k, _ in rows(db)] == [f"out.jsonl:{n}" for n in range(1, keep + 1)]


def test_a_fifo_where_an_article_page_goes_is_one_line_never_a_hang(run, db, tmp_path):
    from hebnews.store.report import page_name

    with Store.open(db) as s:
        key = s.db.execute("SELECT key FROM documents").fetchone()[0]
    (tmp_path / "r-articles").mkdir()
    os.mkfifo(tmp_path / "r-articles" / page_name(key))
    old = _alarm(10)
    try:
        one_line_error(run("report", "--db", db, "-o", tmp_path / "r.html"), 5, "not a regular file")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    assert not (tmp_path / "r.html").exists()
