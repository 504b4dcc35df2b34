"""The annotation store on hand-made documents (no model): idempotent and incremental indexing,
the cross-document people rule, the counts against the JSON, the questions, the schema
migration, files that are no store, and a SIGKILLed index run."""
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter

import pytest

from hebnews.store import SCHEMA_VERSION, Store, StoreError
from hebnews.store.queries import entity_rows, quote_rows
from hebnews.store.schema import APPLICATION_ID, dump_blob, migrate

from .storedocs import Article, corpus, expected_mentions


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "news.db") as s:
        yield s


def people_of(store) -> dict[tuple[str, str], str]:
    """(document source, cluster name) -> the person's name, for every PER cluster."""
    rows = store.db.execute("SELECT d.source, c.name, p.name FROM clusters c JOIN documents d ON d.id = c.doc "
                            "JOIN people p ON p.id = c.person WHERE c.label = 'PER'")
    return {(src, name): person for src, name, person in rows}


def table_rows(store) -> dict[str, int]:
    return {**store.counts(), "fts_quotes": store.db.execute("SELECT count(*) FROM quotes_fts").fetchone()[0]}


def test_indexing_is_idempotent_and_a_changed_document_replaces_its_rows(store):
    docs = corpus()
    assert [store.add(d) for d in docs] == ["added"] * 4
    store.commit()
    before = table_rows(store)
    assert before["documents"] == 4 and before["entities"] == sum(len(d["entities"]) for d in docs)
    assert before["quotes"] == sum(len(d["quotes"]) for d in docs) == before["fts_quotes"]
    assert [store.add(d) for d in docs] == ["unchanged"] * 4
    store.commit()
    assert table_rows(store) == before
    edited = json.loads(json.dumps(docs[0]))
    edited["quotes"] = edited["quotes"][:1]
    assert store.add(edited) == "replaced"
    store.commit()
    after = table_rows(store)
    assert after["documents"] == 4 and after["quotes"] == before["quotes"] - 1 == after["fts_quotes"]
    assert not quote_rows(store.db, search="פגישה חשובה") and quote_rows(store.db, search="להסכם")
    assert store.db.execute("SELECT count(*) FROM quotes q LEFT JOIN documents d ON d.id = q.doc "
                            "WHERE d.id IS NULL").fetchone()[0] == 0  # no orphans
    assert store.db.execute("INSERT INTO quotes_fts(quotes_fts) VALUES ('integrity-check')") is not None


def test_a_surname_joins_the_one_full_name_and_never_an_ambiguous_one(store):
    a, b, c, d = corpus()
    for doc in (a, b, c):
        store.add(doc)
    store.commit()
    people = people_of(store)
    assert people[("news/b.txt", "זלנסקי")] == "וולודימיר זלנסקי"  # only full name ending so
    assert people[("news/b.txt", "טראמפ")] == "דונלד טראמפ"  # one Trump in the store so far
    store.add(d)  # איוונקה טראמפ: now two full names end with טראמפ
    store.commit()
    people = people_of(store)
    assert people[("news/b.txt", "טראמפ")] == "טראמפ"  # ambiguous: no join
    assert people[("news/a.txt", "דונלד טראמפ")] == "דונלד טראמפ"
    assert people[("news/d.txt", "איוונקה טראמפ")] == "איוונקה טראמפ"
    names = {r["name"]: r["mentions"] for r in entity_rows(store.db, 20, label="PER")}
    assert names["טראמפ"] == 1 and names["דונלד טראמפ"] == 2 and names["וולודימיר זלנסקי"] == 2
    d2 = json.loads(json.dumps(d))
    d2["clusters"] = [cl for cl in d2["clusters"] if cl["label"] != "PER"]
    d2["entities"] = [e for e in d2["entities"] if e["label"] != "PER"]
    store.add(d2)  # the second Trump is gone again: the surname joins דונלד טראמפ once more
    store.commit()
    assert people_of(store)[("news/b.txt", "טראמפ")] == "דונלד טראמפ"
    assert "איוונקה טראמפ" not in {r[0] for r in store.db.execute("SELECT name FROM people")}


def test_people_do_not_depend_on_the_order_documents_came_in(tmp_path):
    docs = corpus()
    with Store.open(tmp_path / "fwd.db") as fwd, Store.open(tmp_path / "rev.db") as rev:
        for doc in docs:
            fwd.add(doc)
            fwd.commit()  # one by one
        for doc in reversed(docs):
            rev.add(doc)
        rev.commit()  # all at once
        assert people_of(fwd) == people_of(rev)


def test_entity_counts_are_the_json_mentions(store):
    docs = corpus()
    for doc in docs:
        store.add(doc)
    store.commit()
    got = {r["name"]: r["mentions"] for r in entity_rows(store.db, 100, label="PER")}
    assert got == dict(expected_mentions(docs))
    everything = entity_rows(store.db, 1000)
    assert sum(r["mentions"] for r in everything) == sum(len(d["entities"]) for d in docs)
    by_label = Counter()
    for r in everything:
        by_label[r["label"]] += r["mentions"]
    assert by_label == Counter(e["label"] for d in docs for e in d["entities"])
    places = entity_rows(store.db, 5, label="GPE", since="2025-08-15")
    assert [(r["name"], r["mentions"], r["documents"]) for r in places] == [("אלסקה", 1, 1), ("וושינגטון", 1, 1)]
    assert [r["name"] for r in entity_rows(store.db, 5, label="PER", search="הלבן")] == ["וולודימיר זלנסקי", "טראמפ"]


def test_quote_questions(store):
    for doc in corpus():
        store.add(doc)
    store.commit()

    def quotes(**kw):
        return [(r["speaker"], r["quote"]) for r in quote_rows(store.db, **kw)]

    zelensky = [("וולודימיר זלנסקי", "לא נוותר על שטחים"), ("וולודימיר זלנסקי", "השלום חייב להיות צודק")]
    assert quotes(speaker="זלנסקי") == zelensky == quotes(speaker="וולודימיר זלנסקי")
    assert quotes(speaker="דובר המשטרה") == [("דובר המשטרה", "ההחלטה התקבלה")]
    assert quotes(gender="female") == [("קאיה קאלאס", "אירופה תעמוד לצד אוקראינה")]
    assert len(quotes(gender="unknown")) == 2 and len(quotes(gender="male")) == 3
    assert [r["day"] for r in quote_rows(store.db, since="2025-08-15")] == ["2025-08-15"] * 4
    assert quotes(search="אירופה אוקראינה") == [("קאיה קאלאס", "אירופה תעמוד לצד אוקראינה")]
    assert quotes(search="אירו*") == quotes(search="אירופה")
    assert quotes(search='צה"ל OR NOT (') == []  # words, never FTS syntax
    row = quote_rows(store.db, speaker="קאלאס")[0]
    assert (row["gender"], row["gender_from"], row["cue"], row["title"]) == ("female", ["verb"], "אמרה", "ראיון")


def _v1_store(path, doc: dict) -> None:
    """A store as version 1 wrote it: its tables, and one document's rows in them."""
    db = sqlite3.connect(str(path), isolation_level=None)
    migrate(db, target=1)
    assert db.execute("PRAGMA user_version").fetchone()[0] == 1
    db.execute("INSERT INTO documents(id, key, content_hash, source, day, text, indexed_at, document) "
               "VALUES (1, 'source:x', 'h', 'x', '2025-08-15', ?, '2025-08-15T00:00:00', ?)",
               (doc["text"], dump_blob(doc)))
    for i, c in enumerate(doc["clusters"], 1):
        db.execute("INSERT INTO clusters(id, doc, cid, name, name_key, surname, label, mentions) "
                   "VALUES (?, 1, ?, ?, ?, ?, ?, ?)", (i, c["id"], c["name"], c["name"], c["name"].split()[-1],
                                                      c["label"], len(c["mentions"])))
    for q in doc["quotes"]:
        db.execute("INSERT INTO quotes(doc, qid, start_char, end_char, text, speaker) VALUES (1, ?, ?, ?, ?, ?)",
                   (q["id"], q["start"], q["end"], q["text"], (q["speaker"] or {}).get("text")))
    db.close()


def test_a_version_1_store_is_migrated(tmp_path):
    doc = corpus()[2]  # a quote with a gender, one without a speaker
    path = tmp_path / "old.db"
    _v1_store(path, doc)
    with Store.open(path) as s:
        assert s.version() == SCHEMA_VERSION == 3
        cols = {r[1] for r in s.db.execute("PRAGMA table_info(quotes)")}
        assert {"gender", "gender_from"} <= cols
        got = s.db.execute("SELECT qid, gender, gender_from FROM quotes ORDER BY qid").fetchall()
        assert got == [("q1", "female", "verb"), ("q2", None, None)]  # filled from the kept document
        view = s.db.execute("SELECT text, speaker, gender FROM quote_speakers ORDER BY id").fetchall()
        assert view == [("אירופה תעמוד לצד אוקראינה", "קאיה קאלאס", "female"), ("ההחלטה התקבלה", "דובר המשטרה", None)]
        assert [r[0] for r in s.db.execute("SELECT rowid FROM quotes_fts WHERE quotes_fts MATCH 'אירופה'")]
        assert s.add(corpus()[0]) == "added"
    with Store.open(path) as s:  # opening a current store changes nothing
        assert s.version() == SCHEMA_VERSION and s.counts()["documents"] == 2


def test_a_migration_reads_its_tables_page_by_page(tmp_path, monkeypatch):
    """A page of one row: every row is still migrated (a store of 100k articles is never read
    into memory whole)."""
    from hebnews.store import schema

    monkeypatch.setattr(schema, "PAGE", 1)
    doc = corpus()[2]
    doc["quotes"][1]["text"] = "הַהַחְלָטָה התקבלה"  # with niqqud: its search form is filled on the way to v3
    path = tmp_path / "old.db"
    _v1_store(path, doc)
    with Store.open(path) as s:
        got = s.db.execute("SELECT qid, gender, search_text FROM quotes ORDER BY qid").fetchall()
        assert got == [("q1", "female", None), ("q2", None, "ההחלטה התקבלה")]
        assert len(s.db.execute("SELECT rowid FROM quotes_fts WHERE quotes_fts MATCH 'ההחלטה'").fetchall()) == 1


def test_files_that_are_no_store_are_refused_untouched(tmp_path):
    with pytest.raises(StoreError, match="not a regular file"):
        Store.open(tmp_path)
    text = tmp_path / "notes.txt"
    text.write_text("not a database at all, just some words " * 50)
    with pytest.raises(StoreError, match="cannot use the database"):
        Store.open(text)
    theirs = tmp_path / "theirs.db"
    db = sqlite3.connect(str(theirs))
    db.execute("CREATE TABLE mine (x)")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="not a hebnews store"):
        Store.open(theirs)
    newer = tmp_path / "newer.db"
    db = sqlite3.connect(str(newer))
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(StoreError, match="newer hebnews"):
        Store.open(newer)
    with pytest.raises(StoreError, match="no such database"):
        Store.open(tmp_path / "missing.db", create=False)
    assert not (tmp_path / "missing.db").exists()
    db = sqlite3.connect(str(theirs))
    assert db.execute("SELECT name FROM sqlite_master").fetchall() == [("mine",)]


def test_a_document_that_fails_leaves_no_rows_and_the_batch_goes_on(store):
    a, b, c, _ = corpus()
    store.add(a)
    bad = json.loads(json.dumps(b))
    bad["entities"].append(dict(bad["entities"][0]))  # the same entity id twice
    with pytest.raises(sqlite3.IntegrityError):
        store.add(bad)
    store.add(c)
    store.commit()
    assert [r[0] for r in store.db.execute("SELECT source FROM documents ORDER BY id")] == ["news/a.txt", "news/c.txt"]
    assert store.counts()["entities"] == len(a["entities"]) + len(c["entities"])


def many_documents(folder, n: int) -> None:
    for i in range(n):
        a = Article(f"k/{i}.txt", day=f"2025-08-{1 + i % 28:02d}", title=f"כתבה {i}")
        for j in range(30):
            who = a.ent(f"אדם{j % 7} משפחה{(i + j) % 11}" if j % 5 else f"משפחה{(i + j) % 11}")
            a.say("אמר כי המצב קשה. ")
            a.quote(f"משפט {j} בכתבה {i}", who, gender=("female", "male", None)[j % 3])
        (folder / f"{i:04d}.json").write_text(json.dumps(a.build(), ensure_ascii=False), encoding="utf-8")


def test_a_killed_index_run_leaves_the_store_consistent_and_the_rerun_finishes(tmp_path):
    docs, n = tmp_path / "docs", 240
    docs.mkdir()
    many_documents(docs, n)
    db = tmp_path / "news.db"
    cmd = [sys.executable, "-m", "hebnews.cli", "index", str(docs), "--db", str(db)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    committed = 0
    while not committed and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
        try:
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as r:
                committed = r.execute("SELECT count(*) FROM documents").fetchone()[0]
        except sqlite3.OperationalError:  # not created yet
            pass
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    with Store.open(db) as s:  # consistent: every document there is there whole
        assert s.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        killed_at = s.counts()["documents"]
        assert 0 < killed_at < n
        assert s.counts()["entities"] == s.counts()["quotes"] == 30 * killed_at
        assert s.db.execute("SELECT count(*) FROM clusters WHERE label='PER' AND person IS NULL").fetchone()[0] == 0
    rerun = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    counts = json.loads(rerun.stdout)
    assert rerun.returncode == 0 and (counts["added"], counts["unchanged"]) == (n - killed_at, killed_at)
    clean = subprocess.run(cmd[:-1] + [str(tmp_path / "clean.db")], capture_output=True, text=True, timeout=120)
    with Store.open(db) as s, Store.open(tmp_path / "clean.db") as c:
        assert table_rows(s) == table_rows(c) and json.loads(clean.stdout)["added"] == n
        assert people_of(s) == people_of(c)
