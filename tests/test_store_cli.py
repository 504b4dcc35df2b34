"""hebnews index | quotes | entities (in process, no model), and --db on annotate and feed (the
session model, through the ``cli`` fixture)."""
import csv
import io
import json
import sqlite3

import pytest

from hebnews.store import Store
from hebnews.store.report import page_name

from .feedsite import ARTICLES, rss
from .conftest import SEED
from .storedocs import corpus, expected_mentions


@pytest.fixture
def outputs(tmp_path):
    """A folder as hebnews writes them: .json documents (one in a sub-folder), a .jsonl of two,
    annotate's errors.jsonl and a temp file of a killed writer (neither is a document)."""
    a, b, c, d = corpus()
    out = tmp_path / "out"
    (out / "sub").mkdir(parents=True)
    (out / "a.json").write_text(json.dumps(a, ensure_ascii=False, indent=1), encoding="utf-8")
    (out / "sub" / "b.json").write_text(json.dumps(b, ensure_ascii=False), encoding="utf-8")
    (out / "cd.jsonl").write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in (c, d)), encoding="utf-8")
    (out / "errors.jsonl").write_text('{"input": "x.txt", "error": "empty input"}\n', encoding="utf-8")
    (out / ".a.json.x1y2.tmp").write_text("{", encoding="utf-8")
    return out


def test_index_a_folder_twice_adds_nothing_twice(run, outputs, tmp_path):
    db = tmp_path / "news.db"
    code, out, err = run("index", outputs, "--db", db)
    first = json.loads(out)
    assert code == 0 and err == ""
    assert (first["added"], first["documents"], first["quotes"]) == (4, 4, 6)
    code, out, _ = run("index", outputs, "--db", db)
    second = json.loads(out)
    assert code == 0 and (second["added"], second["unchanged"]) == (0, 4)
    assert {k: second[k] for k in ("documents", "clusters", "entities", "quotes", "people")} == \
        {k: first[k] for k in ("documents", "clusters", "entities", "quotes", "people")}
    (outputs / "broken.json").write_text('{"schema": "hebnews.document/1", "text": "x", "entities": [{"id": 1}]}')
    code, out, err = run("index", outputs, tmp_path / "nope", "--db", db)
    lines = err.strip().splitlines()
    assert code == 1 and len(lines) == 2 and json.loads(out)["failed"] == 2
    assert any("broken.json: not a readable hebnews document" in ln for ln in lines)
    assert any("nope: no such file or directory" in ln for ln in lines)


def test_index_refuses_what_is_no_store(run, outputs, tmp_path):
    code, out, err = run("index", outputs, "--db", tmp_path)
    assert code == 5 and out == "" and err.count("\n") == 1 and "not a regular file" in err
    code, _, err = run("quotes", "--db", tmp_path / "missing.db")
    assert code == 1 and "no such database" in err and not (tmp_path / "missing.db").exists()
    code, _, err = run("quotes", "--db", tmp_path / "x.db", "--since", "15/08/2025")
    assert code == 2 and "not a date (YYYY-MM-DD)" in err


def one_line_error(result, code: int, *words: str) -> None:
    """A refusal: exit ``code``, nothing on stdout, one line on stderr naming ``words``."""
    got, out, err = result
    assert (got, out) == (code, "") and err.count("\n") == 1 and err.startswith("hebnews: "), err
    assert all(w in err for w in words), err


QUESTIONS = (("quotes", "--speaker", "זלנסקי"), ("entities", "--top", "3"), ("report", "-o", "r.html"))


def test_a_db_that_is_a_folder_or_no_database_is_one_line(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # where report writes r.html
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text("שלום", encoding="utf-8")
    notes = tmp_path / "notes.db"
    notes.write_text("not a database at all, just some words " * 50, encoding="utf-8")
    empty = tmp_path / "zero.db"
    empty.write_bytes(b"")
    for cmd in QUESTIONS:
        one_line_error(run(*cmd, "--db", tmp_path), 1, str(tmp_path), "not a regular file")
        one_line_error(run(*cmd, "--db", notes), 1, str(notes), "cannot use the database")
        one_line_error(run(*cmd, "--db", empty), 1, str(empty), "not a hebnews store")
    for cmd in (("index", src), ("annotate", src, "-o", tmp_path / "out"),
                ("feed", src / "a.txt", "-o", tmp_path / "out")):
        one_line_error(run(*cmd, "--db", tmp_path), 5, "not a regular file")
        one_line_error(run(*cmd, "--db", notes), 5, "cannot use the database")
    assert not (tmp_path / "out").exists() and not (tmp_path / "r.html").exists()
    assert notes.read_text(encoding="utf-8").startswith("not a database") and empty.stat().st_size == 0


def test_an_empty_store_and_a_bad_since_are_one_line(run, outputs, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # where report writes r.html
    empty = tmp_path / "empty.db"
    Store.open(empty).close()
    for cmd in QUESTIONS:
        one_line_error(run(*cmd, "--db", empty), 1, "the store is empty", "hebnews index")
    db = tmp_path / "news.db"
    assert run("index", outputs, "--db", db)[0] == 0
    for cmd in QUESTIONS:
        for bad in ("15/08/2025", "2025-02-30", "yesterday", ""):
            one_line_error(run(*cmd, "--db", db, "--since", bad), 2, f"--since {bad!r}: not a date")
        one_line_error(run(*cmd, "--db", db, "--since", "2025-08-17"), 1, "2025-08-17", "the newest is of 2025-08-16")
        assert run(*cmd, "--db", db, "--since", "2025-08-16")[0] == 0  # the newest day itself
    d_key = f"file:{(outputs / 'cd.jsonl').resolve()}:2"  # d is the second line of cd.jsonl
    assert [p.name for p in (tmp_path / "r-articles").iterdir()] == [page_name(d_key)]


@pytest.fixture
def db(run, outputs, tmp_path):
    path = tmp_path / "news.db"
    assert run("index", outputs, "--db", path)[0] == 0
    return path


def test_quotes_command(run, db):
    code, out, _ = run("quotes", "--db", db, "--speaker", "זלנסקי")
    lines = out.splitlines()
    assert code == 0 and len(lines) == 4 and all(ln.startswith("\u200f") for ln in lines)  # RTL lines
    assert "וולודימיר זלנסקי" in lines[2] and lines[2].endswith("לא נוותר על שטחים")
    assert lines[0].index("│") == lines[2].index("│") == lines[3].index("│")  # aligned columns
    _, out, _ = run("quotes", "--db", db, "--format", "csv", "--gender", "female")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["speaker"], r["gender"], r["cue"], r["quote"]) for r in rows] == \
        [("קאיה קאלאס", "female", "אמרה", "אירופה תעמוד לצד אוקראינה")]
    _, out, _ = run("quotes", "--db", db, "--format", "jsonl", "--search", "שטחים", "--since", "2025-08-15")
    assert [json.loads(ln)["speaker"] for ln in out.splitlines()] == ["וולודימיר זלנסקי"]
    code, out, err = run("quotes", "--db", db, "--speaker", "נתניהו")
    assert code == 0 and out == "" and "no quotes found" in err


def test_entities_command(run, db):
    _, out, _ = run("entities", "--db", db, "--top", "3", "--type", "per", "--format", "jsonl")
    rows = [json.loads(ln) for ln in out.splitlines()]
    assert [(r["rank"], r["name"], r["mentions"]) for r in rows] == \
        [(1, "דונלד טראמפ", 2), (2, "וולודימיר זלנסקי", 2), (3, "איוונקה טראמפ", 1)]
    code, out, _ = run("entities", "--db", db, "--top", "2")
    assert code == 0 and "אלסקה" in out.splitlines()[2] and len(out.splitlines()) == 4


def test_hostile_arguments_and_documents_found_by_review(run, db, outputs, tmp_path, monkeypatch):
    """A search word that is only punctuation is dropped (it zeroed the whole search); numbers past
    SQLite's are refused; a report is never written onto a folder or a device; a document whose
    numbers SQLite cannot hold is one failed document, the run goes on."""
    monkeypatch.chdir(tmp_path)
    _, want, _ = run("quotes", "--db", db, "--search", "שטחים", "--format", "jsonl")
    assert want and run("quotes", "--db", db, "--search", "שטחים -", "--format", "jsonl")[1] == want
    assert run("quotes", "--db", db, "--search", "שטחים ?", "--format", "jsonl")[1] == want
    for cmd in (("entities", "--top"), ("quotes", "--limit")):
        code, _, err = run(*cmd, "99999999999999999999", "--db", db)
        assert code == 2 and "too large" in err
    (tmp_path / "a-folder").mkdir()
    for target in ("a-folder", "/dev/null"):
        one_line_error(run("report", "--db", db, "-o", target), 2, target, "new or a regular file")
    assert not (tmp_path / "a-folder-articles").exists() and not (tmp_path / "r.html").exists()
    doc = corpus()[0]
    doc["meta"]["source"] = "huge-score.txt"
    doc["entities"][0]["score"] = 10**30
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "huge.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    (bad / "fine.json").write_text((next(outputs.rglob("*.json"))).read_text("utf-8"), encoding="utf-8")
    code, out, err = run("index", bad, "--db", tmp_path / "b.db")
    assert code == 1 and "huge.json: not a readable hebnews document" in err
    assert json.loads(out.splitlines()[-1])["failed"] == 1 and json.loads(out.splitlines()[-1])["documents"] == 1


def test_the_day_axis_spans_at_most_a_year_of_calendar_days():
    from hebnews.store.report import MAX_DAYS, day_range

    assert day_range(["2025-08-15", "2025-08-13"]) == ["2025-08-13", "2025-08-14", "2025-08-15"]
    assert day_range(["1970-01-01", "2025-08-15"]) == ["1970-01-01", "2025-08-15"]  # days with documents
    assert len(day_range(["2025-01-01", "2025-12-31"])) == 365 < MAX_DAYS


TEXTS = {
    "a.txt": 'ראש הממשלה בנימין נתניהו נפגש היום בירושלים עם נשיא ארצות הברית דונלד טראמפ. '
             '"זו פגישה היסטורית", אמר נתניהו אחרי הפגישה.',
    "b.txt": 'השרה מירי רגב ביקרה אתמול בחיפה. "לא נוותר על הפרויקט", אמרה רגב לעיתונאים.',
}


def write_texts(folder):
    folder.mkdir()
    for name, text in TEXTS.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_annotate_with_db_indexes_what_it_writes(cli, tmp_path):
    src, out, db = write_texts(tmp_path / "in"), tmp_path / "out", tmp_path / "news.db"
    r = cli("annotate", src, "-o", out, "--db", db)
    assert r.returncode == 0, r.stderr
    with Store.open(db) as s:
        assert s.counts()["documents"] == 2
        stored = {row[0]: row[1] for row in s.db.execute("SELECT source, text FROM documents")}
        entities = s.counts()["entities"]
    written = [json.loads(p.read_text("utf-8")) for p in sorted(out.glob("*.json"))]
    assert sorted(stored.values()) == sorted(d["text"] for d in written)
    assert entities == sum(len(d["entities"]) for d in written) > 0
    r = cli("index", out, "--db", db)
    assert json.loads(r.stdout)["unchanged"] == 2  # the same documents, nothing added
    r = cli("annotate", src / "a.txt", "--format", "jsonl", "-o", tmp_path / "one.jsonl", "--db", tmp_path / "o.db")
    with Store.open(tmp_path / "o.db") as s:
        assert r.returncode == 0 and s.counts()["documents"] == 1


def test_a_document_that_cannot_be_indexed_keeps_its_output(cli, tmp_path, monkeypatch):
    src, out, db = write_texts(tmp_path / "in"), tmp_path / "out", tmp_path / "news.db"
    real_add = Store.add

    def add(self, data, path=None):
        if data["meta"]["source"].endswith("b.txt"):
            raise sqlite3.OperationalError("disk I/O error")
        return real_add(self, data, path)

    monkeypatch.setattr(Store, "add", add)
    r = cli("annotate", src, "-o", out, "--db", db)
    err = [ln for ln in r.stderr.decode().splitlines() if "error" in ln]
    assert r.returncode == 1 and len(err) == 1 and "cannot index" in err[0] and "b.txt" in err[0]
    assert (out / "b.json").is_file() and (out / "a.json").is_file()
    with Store.open(db) as s:
        assert [row[0] for row in s.db.execute("SELECT source FROM documents")] == [str(src / "a.txt")]


def test_feed_with_db(cli, tmp_path):
    art = ARTICLES[0]
    feed = tmp_path / "local.xml"
    feed.write_text(rss("http://127.0.0.1:9", [(art["title"], "/x.html", art["text"])]), encoding="utf-8")
    cmd = ["feed", feed, "-o", tmp_path / "o", "--no-pages", "--db", tmp_path / "news.db"]
    assert cli(*cmd).returncode == 0
    with Store.open(tmp_path / "news.db") as s:
        row = s.db.execute("SELECT key, url, title, feed, day FROM documents").fetchall()
    assert row == [("item:http://127.0.0.1:9/x.html", "http://127.0.0.1:9/x.html", art["title"], str(feed),
                    "2023-11-14")]
    assert cli(*cmd).returncode == 0
    with Store.open(tmp_path / "news.db") as s:
        assert s.counts()["documents"] == 1


def test_annotated_documents_in_the_store_are_their_json(cli, tmp_path):
    """annotate --db over two short texts and the seed: the questions give what the JSON says."""
    src, out, db = write_texts(tmp_path / "in"), tmp_path / "out", tmp_path / "news.db"
    (src / SEED.name).write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    assert cli("annotate", src, "-o", out, "--db", db).returncode == 0
    docs = [json.loads(p.read_text("utf-8")) for p in sorted(out.glob("*.json"))]
    r = cli("entities", "--db", db, "--top", "10", "--type", "PER", "--format", "jsonl")
    got = [(row["name"], row["mentions"]) for row in map(json.loads, r.stdout.decode().splitlines())]
    want = sorted(expected_mentions(docs).items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    assert r.returncode == 0 and got == want and len(got) == 10
    said = [q["text"] for d in docs for q in d["quotes"] if "זלנסקי" in ((q["speaker"] or {}).get("text") or "")]
    r = cli("quotes", "--db", db, "--speaker", "זלנסקי", "--format", "jsonl")
    assert [json.loads(ln)["quote"] for ln in r.stdout.decode().splitlines()] == said and said
    before = cli("index", out, "--db", db)
    assert json.loads(before.stdout)["unchanged"] == 3 and json.loads(before.stdout)["added"] == 0
