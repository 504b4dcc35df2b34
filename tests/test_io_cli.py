"""Input/output hardening, in process (main([...]) with the session annotator, no subprocess):
what -o is (FIFO, device, socket), stdout that cannot be written, our own JSONL read back by
validate and view, JSONL records that are no text, usage errors found before anything loads."""
import json
import os
import socket
import stat
import sys
from pathlib import Path

import pytest

from hebnews.cli import main
from hebnews.document import validate

from .conftest import MODEL_DIR
from .test_writers import char_device, deadline, read_fifo  # noqa: F401 - fixtures

needs_model = pytest.mark.skipif(not (MODEL_DIR / "config.json").exists(), reason="no trained model")


@pytest.fixture
def loaded(annotator, monkeypatch):
    """Annotator.load returns the session annotator, so main([...]) loads nothing."""
    from hebnews.annotator import Annotator

    monkeypatch.setattr(Annotator, "load", classmethod(lambda cls, *a, **k: annotator))
    return annotator


@pytest.fixture
def article(tmp_path):
    p = tmp_path / "a.txt"
    p.write_text("נשיא רוסיה ולדימיר פוטין נחת באלסקה.", encoding="utf-8")
    return p


def error_lines(err: str) -> list[str]:
    return [ln for ln in err.splitlines() if ln.strip()]


# ----------------------------------------------------------------------------- -o FIFO / device / socket

@needs_model
def test_annotate_into_a_fifo_streams_the_json(tmp_path, loaded, article, deadline):  # noqa: F811
    fifo = tmp_path / "out.json"
    os.mkfifo(fifo)
    result = read_fifo(fifo)
    assert main(["annotate", str(article), "-o", str(fifo)]) == 0
    data = json.loads(result().decode("utf-8"))
    validate(data)
    assert data["text"] == article.read_text(encoding="utf-8")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


@needs_model
def test_annotate_onto_a_character_device_keeps_it(tmp_path, loaded, article, char_device):  # noqa: F811
    assert main(["annotate", str(article), "-o", str(char_device)]) == 0
    assert stat.S_ISCHR(os.lstat(char_device).st_mode)
    link = tmp_path / "null.json"
    link.symlink_to(char_device)
    assert main(["annotate", str(article), "-o", str(link)]) == 0
    assert link.is_symlink() and stat.S_ISCHR(os.stat(link).st_mode)


@needs_model
def test_annotate_onto_a_socket_is_refused(tmp_path, loaded, article, capsys):
    path = tmp_path / "s"
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(path))
        capsys.readouterr()
        assert main(["annotate", str(article), "-o", str(path)]) == 5
        assert error_lines(capsys.readouterr().err) == [
            f"hebnews: error: {path}: cannot write (a socket; only a regular file, a FIFO or a "
            "character device is written)"]
        assert stat.S_ISSOCK(os.lstat(path).st_mode)


@needs_model
def test_jsonl_output_into_a_fifo_streams_in_place(tmp_path, loaded, article, deadline):  # noqa: F811
    fifo = tmp_path / "all.jsonl"
    os.mkfifo(fifo)
    result = read_fifo(fifo)
    assert main(["annotate", str(article), str(article), "--format", "jsonl", "-o", str(fifo)]) == 0
    docs = [json.loads(line) for line in result().decode("utf-8").splitlines()]
    assert [d["meta"]["id"] for d in docs] == ["a", "a-2"]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "all.jsonl"]  # no .partial


@needs_model
def test_jsonl_output_through_a_symlink_keeps_the_link(tmp_path, loaded, article):
    (tmp_path / "real").mkdir()
    link = tmp_path / "all.jsonl"
    link.symlink_to(tmp_path / "real" / "all.jsonl")
    assert main(["annotate", str(article), str(article), "--format", "jsonl", "-o", str(link)]) == 0
    assert link.is_symlink()
    assert len((tmp_path / "real" / "all.jsonl").read_text(encoding="utf-8").splitlines()) == 2


# ----------------------------------------------------------------------------- stdout that cannot be written

def small_doc(tmp_path, **entity):
    e = {"id": "e1", "start": 0, "end": 5, "text": "פוטין", "label": "PER", "score": 0.9, **entity}
    doc = {"schema": "hebnews.document/1", "text": "פוטין נחת.", "meta": {"source": "x"},
           "sentences": [{"start": 0, "end": 10}], "tokens": [], "entities": [e], "quotes": []}
    path = tmp_path / "d.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def full_stdout():
    """A file on /dev/full: every flush fails with ENOSPC."""
    return open("/dev/full", "w", encoding="utf-8")


def closed_pipe():
    """A pipe whose reader is gone: a write fails with EPIPE."""
    r, w = os.pipe()
    os.close(r)
    return os.fdopen(w, "w", encoding="utf-8")


def main_with_stdout(stream, argv: list[str]) -> int:
    """main(argv) with sys.stdout on ``stream`` (set here, in the test's body: pytest's capture
    puts its own back when a test starts, undoing a fixture's)."""
    old, sys.stdout = sys.stdout, stream
    try:
        return main(argv)
    finally:
        sys.stdout = old
        try:
            stream.close()
        except OSError:
            pass


@pytest.mark.parametrize("cmd", ["view", "validate"])
def test_stdout_on_a_full_disk_is_one_line_and_exit_5(tmp_path, capsys, cmd):
    assert main_with_stdout(full_stdout(), [cmd, str(small_doc(tmp_path))]) == 5
    assert error_lines(capsys.readouterr().err) == [
        "hebnews: error: <stdout>: cannot write (No space left on device)"]


@needs_model
def test_annotate_to_a_full_stdout_is_one_line_and_exit_5(loaded, article, capsys):
    assert main_with_stdout(full_stdout(), ["annotate", str(article)]) == 5
    assert error_lines(capsys.readouterr().err) == [
        "hebnews: error: <stdout>: cannot write (No space left on device)"]


def test_stdout_closed_by_its_reader_exits_quietly(tmp_path, capsys):
    assert main_with_stdout(closed_pipe(), ["view", str(small_doc(tmp_path))]) == 141  # 128 + SIGPIPE, like `... | head`
    assert capsys.readouterr().err == ""


# ----------------------------------------------------------------------------- our own formats

def test_validate_rejects_an_unknown_label_and_names_the_file(tmp_path, capsys):
    path = small_doc(tmp_path, label="PERSON")
    assert main(["validate", str(path)]) == 1
    (line,) = error_lines(capsys.readouterr().err)
    assert line.startswith(f"hebnews: error: {path}: 'PERSON' is not one of ['PER', ")


@needs_model
def test_validate_and_view_read_the_jsonl_annotate_writes(tmp_path, loaded, article, capsys):
    out = tmp_path / "all.jsonl"
    assert main(["annotate", str(article), str(article), "--format", "jsonl", "-o", str(out)]) == 0
    capsys.readouterr()
    assert main(["validate", str(out)]) == 0
    assert capsys.readouterr().out == f"{out}: ok (2 documents)\n"
    assert main(["view", str(out), "-o", str(tmp_path / "pages")]) == 0
    assert sorted(p.name for p in (tmp_path / "pages").iterdir()) == ["a-2.html", "a.html"]
    assert "פוטין" in (tmp_path / "pages" / "a.html").read_text(encoding="utf-8")
    lines = out.read_text(encoding="utf-8").splitlines()
    bad = json.loads(lines[1])
    bad["entities"][0]["start"] += 1
    out.write_text("\n".join([lines[0], json.dumps(bad, ensure_ascii=False), "{broken"]) + "\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["validate", str(out)]) == 1
    err = error_lines(capsys.readouterr().err)
    assert [ln.split(": ")[2] for ln in err] == [f"{out}:2", f"{out}:3"]
    assert main(["view", str(out), "-o", str(tmp_path / "pages2")]) == 1
    err = error_lines(capsys.readouterr().err)
    assert [ln.split(": ")[2] for ln in err] == [f"{out}:2", f"{out}:3"]
    assert sorted(p.name for p in (tmp_path / "pages2").iterdir()) == ["a.html"]


def test_view_of_jsonl_needs_a_folder(tmp_path, capsys):
    path = tmp_path / "docs.jsonl"
    path.write_text(small_doc(tmp_path).read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert main(["view", str(path)]) == 2
    assert main(["view", str(path), "-o", str(tmp_path / "page.html")]) == 2
    assert not (tmp_path / "page.html").exists()
    assert error_lines(capsys.readouterr().err) == [
        "hebnews: error: several documents (or a .jsonl file) need -o DIR",
        f"hebnews: error: {tmp_path / 'page.html'}: several inputs need -o DIR, a folder, not a file "
        "name (to use this name for a folder, create it first)"]
    assert main(["view", str(path), "-o", str(tmp_path / "pages")]) == 0
    assert sorted(p.name for p in (tmp_path / "pages").iterdir()) == ["docs-1.html"]  # no meta id


def test_view_onto_a_socket_is_one_line_and_exit_5(tmp_path, capsys):
    path = tmp_path / "s"
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(path))
        assert main(["view", str(small_doc(tmp_path)), "-o", str(path)]) == 5
    assert len(error_lines(capsys.readouterr().err)) == 1


# ----------------------------------------------------------------------------- usage errors

def test_unknown_encoding_is_a_usage_error(article, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["annotate", str(article), "--encoding", "bogus"])
    assert exc.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1].endswith(
        "error: argument --encoding: unknown text encoding 'bogus'")


@needs_model
def test_several_inputs_into_a_file_name_is_a_usage_error(tmp_path, loaded, article, capsys):
    out = tmp_path / "x.json"
    assert main(["annotate", str(tmp_path), "-o", str(out)]) == 2
    assert not out.exists()
    assert error_lines(capsys.readouterr().err) == [
        f"hebnews: error: {out}: several inputs need -o DIR, a folder, not a file name; or --format "
        "jsonl -o FILE.jsonl (to use this name for a folder, create it first)"]
    assert main(["annotate", str(tmp_path), "-o", str(tmp_path / "new")]) == 0  # a new folder still works
    assert [p.name for p in (tmp_path / "new").iterdir()] == ["a.json"]


def test_the_output_name_gives_the_format_and_a_contradicting_one_is_refused(tmp_path, loaded, article, capsys):
    """-o x.jsonl writes JSON lines (it wrote an indented document no JSONL reader takes), -o
    x.html a page; --format json -o x.jsonl is one line and exit 2, with nothing written."""
    assert main(["annotate", str(article), "-o", str(tmp_path / "x.jsonl")]) == 0
    lines = (tmp_path / "x.jsonl").read_text("utf-8").splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["schema"] == "hebnews.document/1"
    assert main(["annotate", str(article), "-o", str(tmp_path / "x.html")]) == 0
    assert (tmp_path / "x.html").read_text("utf-8").lstrip().lower().startswith("<!doctype html")
    capsys.readouterr()
    assert main(["annotate", str(article), "--format", "json", "-o", str(tmp_path / "y.jsonl")]) == 2
    assert error_lines(capsys.readouterr().err) == [
        f"hebnews: error: {tmp_path / 'y.jsonl'}: --format json does not write a .jsonl file; pass "
        "--format jsonl (or leave --format out), or name the output otherwise"]
    assert not (tmp_path / "y.jsonl").exists()
    assert main(["annotate", str(article), "-o", str(tmp_path / "z.out")]) == 0  # any other name: json
    assert json.loads((tmp_path / "z.out").read_text("utf-8"))["schema"] == "hebnews.document/1"


# ----------------------------------------------------------------------------- JSONL archives

def write_archive(path, records) -> None:
    """One record per line, as JSON (json.dumps writes a lone surrogate as "\\ud800")."""
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=True)) + "\n"
                            for r in records), encoding="utf-8")


@needs_model
def test_lone_surrogates_in_a_jsonl_archive_are_bad_records(tmp_path, loaded, capsys):
    archive = tmp_path / "in.jsonl"
    write_archive(archive, [{"id": "a", "text": "פוטין נחת באלסקה."},
                            {"id": "b", "text": "שלום \ud800 עולם"},
                            {"id": "c", "text": "טראמפ חזר.", "title": "x\udfff"},
                            {"id": "d", "text": "ok", "tags": ["\udc80"]},
                            {"id": "e", "text": "ביידן נאם."}])
    out = tmp_path / "out.jsonl"
    assert main(["annotate", str(archive), "--format", "jsonl", "-o", str(out)]) == 1
    docs = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [d["meta"]["id"] for d in docs] == ["a", "e"]
    for d in docs:
        validate(d)
    assert error_lines(capsys.readouterr().err) == [
        f'hebnews: error: {archive}:2: field "text" holds a lone surrogate (U+D800 at offset 5), '
        "which is not Unicode text",
        f'hebnews: error: {archive}:3: field "title" holds a lone surrogate (U+DFFF at offset 1), '
        "which is not Unicode text",
        f'hebnews: error: {archive}:4: field "tags[0]" holds a lone surrogate (U+DC80 at offset 0), '
        "which is not Unicode text"]
    errors = [json.loads(ln) for ln in (tmp_path / "out.errors.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [e["input"] for e in errors] == [f"{archive}:{i}" for i in (2, 3, 4)]


@needs_model
def test_annotator_api_rejects_a_lone_surrogate(annotator):
    with pytest.raises(ValueError, match=r"cannot annotate: text holds a lone surrogate \(U\+D800 at offset 2\)"):
        annotator.annotate("ab\ud800cd")


@needs_model
def test_a_duplicate_id_in_a_jsonl_archive_is_reported(tmp_path, loaded, capsys):
    archive = tmp_path / "in.jsonl"
    write_archive(archive, [{"id": "a", "text": "פוטין נחת באלסקה."}, {"id": "b", "text": "טראמפ חזר."},
                            {"id": "a", "text": "ביידן נאם."}])
    out = tmp_path / "out.jsonl"
    cmd = ["annotate", str(archive), "--format", "jsonl", "-o", str(out)]
    assert main(cmd) == 1
    docs = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(d["meta"]["id"], d["text"]) for d in docs] == [("a", "פוטין נחת באלסקה."), ("b", "טראמפ חזר.")]
    line = f"{archive}:3: duplicate id 'a' (first at {archive}:1); skipped"
    assert error_lines(capsys.readouterr().err) == [f"hebnews: error: {line}"]
    errors_file = tmp_path / "out.errors.jsonl"
    assert [json.loads(ln)["error"] for ln in errors_file.read_text(encoding="utf-8").splitlines()] == [line]
    assert main(cmd) == 1  # a rerun skips what is done and reports the duplicate again
    assert len(out.read_text(encoding="utf-8").splitlines()) == 2
    assert error_lines(capsys.readouterr().err) == [f"hebnews: error: {line}"]


def test_readme_names_the_errors_files_the_code_writes():
    from hebnews.batch import jsonl_errors_path

    from .conftest import ROOT

    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert jsonl_errors_path(Path("all.jsonl")).name == "all.errors.jsonl"
    assert "errors go to `all.errors.jsonl`" in readme  # the example: -o all.jsonl
    assert "`DIR/errors.jsonl`" in readme
    assert "OUT.errors.jsonl" not in readme  # read as all.jsonl.errors.jsonl, which no code writes


@needs_model
def test_deeply_nested_records_never_crash_the_run(tmp_path, loaded, capsys):
    """As deep as the JSON decoder takes (or just past it): each record is written or gets one
    error line (not JSON / cannot be written as JSON), and the run goes on."""
    archive = tmp_path / "in.jsonl"
    depths = (500, 950, 970, 980, 990, 1200)
    lines = [f'{{"id": "d{d}", "text": "פוטין נחת.", "deep": {"[" * d}{"]" * d}}}' for d in depths]
    write_archive(archive, [*lines, {"id": "last", "text": "טראמפ חזר."}])
    out = tmp_path / "out.jsonl"
    main(["annotate", str(archive), "--format", "jsonl", "-o", str(out)])
    written = [json.loads(line)["meta"]["id"] for line in out.read_bytes().splitlines()]
    errors = [ln.split(": ")[2] for ln in error_lines(capsys.readouterr().err)]
    assert written[0] == "d500" and written[-1] == "last"
    assert sorted(written + [f"d{depths[int(w.rsplit(':', 1)[1]) - 1]}" for w in errors]) == \
        sorted([f"d{d}" for d in depths] + ["last"])


@needs_model
def test_html_index_that_cannot_be_written_is_one_line_and_exit_5(tmp_path, loaded, article, capsys):
    (tmp_path / "site").mkdir()
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(tmp_path / "site" / "index.html"))
        assert main(["annotate", str(article), str(article), "--format", "html", "-o", str(tmp_path / "site")]) == 5
    (line,) = error_lines(capsys.readouterr().err)
    assert line.startswith(f"hebnews: error: {tmp_path / 'site' / 'index.html'}: cannot write (a socket;")
