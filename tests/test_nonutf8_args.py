"""Command-line arguments and file names whose bytes are not UTF-8 (Python keeps such bytes as
lone surrogates): a file name is still a file to read, to write beside and to index, and names
derived from it work; meta, errors, the store and the pages name it as text (``\\xNN``); an
argument that must be text (a search word, a speaker) is one line and exit 2. Never a
traceback. Subprocesses get the bytes as they are (``hebnews.cli`` with bytes arguments); the
commands that load the model run in process (the ``cli`` fixture) but one."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

import pytest

from hebnews.cli import main

from .conftest import MODEL_DIR
from .storedocs import corpus

BAD = b"\xff\xfe"  # no UTF-8 sequence starts so
SHOWN = "\\xff\\xfe"  # how text (meta, messages, the store) writes those bytes


def fs(path) -> str:
    """A path as the command line gives it to Python (bytes that are not UTF-8: surrogates)."""
    return os.fsdecode(path)


def hebnews(cwd, *args: bytes, timeout: int = 120) -> subprocess.CompletedProcess:
    """``python -m hebnews.cli ARGS`` with the arguments as bytes, in ``cwd``."""
    cmd = [os.fsencode(sys.executable), b"-m", b"hebnews.cli", *args]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, timeout=timeout)


def _no_traceback(r) -> None:
    assert b"Traceback" not in r.stderr, r.stderr.decode("utf-8", "replace")


def _documents(folder) -> None:
    """Hand-made documents (no model) under file names that are not UTF-8."""
    a, b, c, d = corpus()
    out = os.path.join(os.fsencode(folder), b"out")
    os.makedirs(os.path.join(out, BAD))
    with open(os.path.join(out, BAD + b".json"), "w", encoding="utf-8") as f:
        json.dump(a, f, ensure_ascii=False)
    with open(os.path.join(out, BAD, b"b.json"), "w", encoding="utf-8") as f:
        json.dump(b, f, ensure_ascii=False)
    with open(os.path.join(out, b"cd" + BAD + b".jsonl"), "w", encoding="utf-8") as f:
        f.write("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in (c, d)))
    with open(os.path.join(os.fsencode(folder), b"valid" + BAD + b".json"), "w", encoding="utf-8") as f:
        json.dump(dict(a, quotes=[]), f, ensure_ascii=False)  # (the hand-made quotes are no schema's)


def test_store_and_document_commands_take_file_names_that_are_not_utf8(tmp_path):
    _documents(tmp_path)
    db = b"news" + BAD + b".db"
    r = hebnews(tmp_path, b"index", b"out", b"--db", db)
    _no_traceback(r)
    assert r.returncode == 0 and r.stderr == b"", r.stderr
    assert json.loads(r.stdout)["added"] == 4
    with sqlite3.connect(os.path.join(os.fsencode(tmp_path), db)) as con:
        paths = sorted(p for (p,) in con.execute("SELECT path FROM documents"))
    root = f"{tmp_path.resolve()}/out"  # the files' resolved paths (the store's keys), bad bytes as \xNN
    assert paths == [f"{root}/{SHOWN}.json", f"{root}/{SHOWN}/b.json", f"{root}/cd{SHOWN}.jsonl:1",
                     f"{root}/cd{SHOWN}.jsonl:2"]
    r = hebnews(tmp_path, b"index", b"out", b"--db", db)  # found again: nothing added twice
    assert r.returncode == 0 and json.loads(r.stdout)["unchanged"] == 4
    r = hebnews(tmp_path, b"quotes", b"--db", db, b"--format", b"jsonl")
    assert r.returncode == 0 and len(r.stdout.splitlines()) == 6
    # the report and its article folder beside it, named from a name that is not UTF-8
    r = hebnews(tmp_path, b"report", b"--db", db, b"-o", b"r" + BAD + b".html")
    _no_traceback(r)
    assert r.returncode == 0 and r.stdout.startswith(f"r{SHOWN}.html: report of 4 articles".encode())
    page = (tmp_path / fs(b"r" + BAD + b".html")).read_text("utf-8")
    assert 'href="r%FF%FE-articles/' in page
    assert len(list((tmp_path / fs(b"r" + BAD + b"-articles")).iterdir())) == 4
    # validate prints the file's name; view writes beside and into such names
    r = hebnews(tmp_path, b"validate", b"valid" + BAD + b".json")
    assert r.returncode == 0 and r.stdout == f"valid{SHOWN}.json: ok\n".encode()
    r = hebnews(tmp_path, b"view", b"out/" + BAD + b".json", b"out/cd" + BAD + b".jsonl", b"-o", b"pages" + BAD)
    assert r.returncode == 0 and r.stderr == b""
    assert sorted(os.listdir(os.path.join(os.fsencode(tmp_path), b"pages" + BAD))) == \
        sorted([BAD + b".html", b"cd" + BAD + b"-1.html", b"cd" + BAD + b"-2.html"])
    r = hebnews(tmp_path, b"view", b"nothere" + BAD + b".json")
    assert r.returncode == 1 and r.stderr.decode().startswith(f"hebnews: error: nothere{SHOWN}.json: ")


def test_an_argument_that_must_be_text_is_one_line(tmp_path, capsys):
    _documents(tmp_path)
    db = str(tmp_path / "s.db")
    assert main(["index", str(tmp_path / "out"), "--db", db]) == 0
    r = hebnews(tmp_path, b"quotes", b"--db", b"s.db", b"--speaker", b"\xff")
    _no_traceback(r)
    assert (r.returncode, r.stdout) == (2, b"")
    assert r.stderr == b"hebnews: error: --speaker '\\xff': not text (bytes that are not UTF-8); pass it in UTF-8\n"
    for args in (["quotes", "--search", "\udcff"], ["entities", "--search", "ab\udcff"],
                 ["entities", "--type", "\udcff"], ["quotes", "--since", "\udcff"]):
        capsys.readouterr()
        assert main([*args, "--db", db]) == 2, args
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "not text" in err and f"--{args[1][2:]}" in err, err
    # an --encoding that is not text is a usage error, not a crash
    r = hebnews(tmp_path, b"annotate", b"x.txt", b"--encoding", b"utf\xff")
    _no_traceback(r)
    assert r.returncode == 2 and b"unknown text encoding 'utf\\xff'" in r.stderr


def _inputs(tmp_path, text: str) -> bytes:
    """in/<BAD>.txt, in/sub/x<BAD>.txt, in/empty<BAD>.txt (no text: a failed input) and
    arch<BAD>.jsonl (one record) in ``tmp_path``; returns the folder's path as bytes."""
    root = os.fsencode(tmp_path)
    os.makedirs(os.path.join(root, b"in", b"sub"))
    for name in (BAD + b".txt", b"sub/x" + BAD + b".txt"):
        with open(os.path.join(root, b"in", name), "w", encoding="utf-8") as f:
            f.write(text)
    open(os.path.join(root, b"in", b"empty" + BAD + b".txt"), "wb").close()
    with open(os.path.join(root, b"arch" + BAD + b".jsonl"), "w", encoding="utf-8") as f:
        f.write(json.dumps({"id": "r1", "text": text}, ensure_ascii=False) + "\n")
    return os.path.join(root, b"in")


TEXT = "ראש הממשלה בנימין נתניהו נפגש היום בירושלים עם נשיא צרפת. השניים דנו במצב באזור."


def test_annotate_reads_and_writes_beside_names_that_are_not_utf8(tmp_path):
    """The one subprocess that loads the model (from a folder named so: a link to the model): a
    folder of such names, --db of such a name."""
    if not (MODEL_DIR / "config.json").exists():
        pytest.skip(f"no trained model at {MODEL_DIR}")
    folder = _inputs(tmp_path, TEXT)
    model = os.path.join(os.fsencode(tmp_path), b"model" + BAD)
    os.symlink(MODEL_DIR, model)
    r = hebnews(tmp_path, b"annotate", folder, b"-o", b"out" + BAD, b"--db", b"d" + BAD + b".db",
                b"--model", model, timeout=300)
    _no_traceback(r)
    assert r.returncode == 1  # the empty input failed, the others were written
    assert r.stderr.decode().strip().splitlines() == [f"hebnews: error: {tmp_path}/in/empty{SHOWN}.txt: empty input"]
    out = os.path.join(os.fsencode(tmp_path), b"out" + BAD)
    doc = json.loads(open(os.path.join(out, b"sub", b"x" + BAD + b".json"), encoding="utf-8").read())
    assert doc["meta"]["source"] == f"{tmp_path}/in/sub/x{SHOWN}.txt"
    assert doc["meta"]["model"] == f"model{SHOWN}" and doc["entities"]
    assert os.path.exists(os.path.join(out, BAD + b".json"))
    errors = [json.loads(line) for line in open(os.path.join(out, b"errors.jsonl"), encoding="utf-8")]
    assert [e["input"] for e in errors] == [f"{tmp_path}/in/empty{SHOWN}.txt"]
    with sqlite3.connect(os.path.join(os.fsencode(tmp_path), b"d" + BAD + b".db")) as con:
        assert con.execute("SELECT count(*) FROM documents").fetchone()[0] == 2


def test_annotate_outputs_named_from_names_that_are_not_utf8(tmp_path, cli):
    folder = fs(_inputs(tmp_path, TEXT))
    one = fs(os.path.join(os.fsencode(folder), BAD + b".txt"))
    target = tmp_path / fs(b"o" + BAD + b".json")
    r = cli("annotate", one, "-o", target)
    assert (r.returncode, r.stderr) == (0, b"")
    assert json.loads(target.read_text("utf-8"))["meta"]["source"] == f"{tmp_path}/in/{SHOWN}.txt"
    # html: a page per input, the index links them by their bytes
    pages = tmp_path / fs(b"html" + BAD)
    r = cli("annotate", folder, "-o", pages, "--format", "html")
    assert r.returncode == 1 and r.stderr.count(b"\n") == 1  # the empty input
    index = (pages / "index.html").read_text("utf-8")
    assert 'href="%FF%FE.html"' in index and 'href="sub/x%FF%FE.html"' in index
    assert (pages / fs(BAD + b".html")).is_file()
    # one JSONL file (named so too) of the folder and the archive: every record written, the
    # ids and sources text
    jsonl = tmp_path / fs(b"all" + BAD + b".jsonl")
    r = cli("annotate", folder, tmp_path / fs(b"arch" + BAD + b".jsonl"), "-o", jsonl, "--format", "jsonl")
    assert r.returncode == 1 and b"cannot be written" not in r.stderr
    metas = [json.loads(line)["meta"] for line in jsonl.read_text("utf-8").splitlines()]
    assert sorted(m["id"] for m in metas) == sorted([SHOWN, f"sub/x{SHOWN}", "r1"])
    assert f"{tmp_path}/arch{SHOWN}.jsonl" in {m["source"] for m in metas}
    errors = tmp_path / fs(b"all" + BAD + b".errors.jsonl")
    assert [json.loads(x)["input"] for x in errors.read_text("utf-8").splitlines()] == \
        [f"{tmp_path}/in/empty{SHOWN}.txt"]


def test_a_feed_file_named_so_is_read_and_its_state_kept(tmp_path, cli):
    from .feedsite import ARTICLES, rss

    feed = tmp_path / fs(b"feed" + BAD + b".xml")
    feed.write_text(rss("http://127.0.0.1:9", [(ARTICLES[0]["title"], "/x.html", ARTICLES[0]["text"])]),
                    encoding="utf-8")
    listing = tmp_path / "feeds.txt"  # a listed name that is not UTF-8 is kept as bytes
    listing.write_bytes(os.fsencode(feed) + b"\n" + os.fsencode(tmp_path) + b"/nope" + BAD + b".xml\n")
    out = tmp_path / fs(b"o" + BAD)
    r = cli("feed", listing, "-o", out, "--no-pages")
    assert r.returncode == 1  # the listed feed that does not exist
    assert f"nope{SHOWN}.xml: cannot read".encode() in r.stderr
    assert json.loads(r.stdout.decode().splitlines()[-1])["written"] == 1
    doc = json.loads(next(out.glob("*.json")).read_text("utf-8"))
    assert doc["meta"]["feed"]["url"] == f"{tmp_path}/feed{SHOWN}.xml"
    r = cli("feed", feed, "-o", out, "--no-pages")  # the state knows the item: nothing new
    assert r.returncode == 0 and json.loads(r.stdout.decode().splitlines()[-1])["written"] == 0
