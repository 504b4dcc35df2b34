"""Inputs -> records: files, folders, globs, stdin, JSONL archives, HTML pages.

Every run reads its inputs here: :func:`expand_inputs` turns the command line into
``(path, name)`` pairs; :func:`input_records` reads one of them into :class:`Record` s (a text or
HTML file is one record, a JSONL archive one per line), and :func:`read_records` a whole list,
with the run's rules (stop flag, resume, a second record with an id already seen). A record that
cannot be read is reported, ``report(where, one-line message)``, never raised.
"""
from __future__ import annotations

import errno
import glob
import json
import os
import stat
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, Iterator, NamedTuple

from ..document import Document, surrogate_problem
from ..pages import read_document
from ..readers import InputError, Opener, text_path

Report = Callable[[str, str], None]


class Record(NamedTuple):
    key: str  # the output name (a file's) or the id (a JSONL archive's line)
    text: str
    meta: dict
    where: str  # what an error about it names: PATH, or PATH:LINE in an archive


def is_archive(path: str) -> bool:
    """A JSONL archive: one ``{"text": ...}`` record per line."""
    return path.endswith(".jsonl")


def expand_inputs(inputs: list[str], pattern: str) -> list[tuple[str, str]]:
    """(path, output name without suffix) for each input file; '-' is stdin."""
    out: list[tuple[str, str]] = []
    for item in inputs:
        if item == "-":
            out.append(("-", "stdin"))
            continue
        p = Path(item)
        if p.is_dir():
            files = sorted(f for f in p.rglob(pattern) if f.is_file()
                           and not any(part.startswith(".") for part in f.relative_to(p).parts))
            out += [(str(f), str(f.relative_to(p).with_suffix(""))) for f in files]
        elif p.exists() or not glob.has_magic(item):
            out.append((item, p.stem))  # a missing plain path is reported when it is read
        else:
            matches = sorted(glob.glob(item, recursive=True))
            if not matches:
                out.append((item, p.stem))
            out += [(m, Path(m).stem) for m in matches if Path(m).is_file()]
    seen: dict[str, int] = {}
    named = []
    for path, name in out:  # two inputs with the same stem must not overwrite each other
        k = seen.get(name, 0)
        seen[name] = k + 1
        named.append((path, name if k == 0 else f"{name}-{k + 1}"))
    return named


def open_regular(path: str | os.PathLike) -> BinaryIO:
    """``path`` opened for reading when it is a regular file (a symlink followed); else an
    OSError, "not a regular file": a FIFO would block, a device (/dev/zero) never end."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)  # a FIFO does not block here
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", os.fspath(path))
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def document_sources(path: str | os.PathLike, jsonl: bool | None = None) -> Iterator[tuple[int | None, bytes]]:
    """(line number, JSON bytes) per annotated document in ``path`` (an output of hebnews): the
    whole file for a .json (line None), each non-blank line of a .jsonl, as ``annotate --format
    jsonl`` writes them (``jsonl``: read it so whatever its name)."""
    path = os.fspath(path)
    with open_regular(path) as f:
        if not (path.endswith(".jsonl") if jsonl is None else jsonl):
            yield None, f.read()
            return
        for lineno, raw in enumerate(f, 1):
            if raw.strip():
                yield lineno, raw


# what reading one of :func:`document_sources` back raises when it is not a hebnews document:
# no JSON, a field missing or of the wrong type, offsets that do not hold
NOT_A_DOCUMENT = (ValueError, KeyError, TypeError, AttributeError, RecursionError)


def load_document(raw: bytes) -> dict:
    """The document dict of one of :func:`document_sources`, checked to be ours and its offsets
    to hold (:meth:`hebnews.document.Document.from_dict`); else one of :data:`NOT_A_DOCUMENT`."""
    data = json.loads(raw)
    Document.from_dict(data)
    return data


def first_line(exc: BaseException) -> str:
    """What a one-line message says of ``exc``: its first line, else its type's name."""
    msg = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return msg.splitlines()[0]


# ----------------------------------------------------------------------------- JSONL archives

def parse_record(raw: bytes, where: str) -> tuple[dict | None, str | None]:
    """A line of a JSONL archive -> (record, None), (None, a one-line error) or, for a blank
    line, (None, None). Whatever the JSON decoder accepts gets one of these, never an exception."""
    try:
        line = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        return None, f"{where}: not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})"
    if not line.strip():
        return None, None
    try:
        rec = json.loads(line)
    except (ValueError, RecursionError):
        return None, f"{where}: not a JSON object"
    if not isinstance(rec, dict) or not isinstance(rec.get("text"), str):
        return None, f"{where}: no \"text\" string"
    problem = surrogate_problem(rec, "field")  # "\ud800" decodes, but is no text to annotate or write
    return (None, f"{where}: {problem}") if problem else (rec, None)


def iter_jsonl_records(path: str, on_error: Report,
                       opener: Opener | None = None) -> Iterator[tuple[str, str, dict, str]]:
    """(id, text, meta, where) per line of a JSONL archive, ``where`` being ``PATH:LINE``; a bad
    line is reported, not fatal. Fields other than ``text`` go to ``meta`` (url, title, date ...)."""
    source = text_path(path)
    try:
        f = (opener or _open_local)(path)
    except OSError as exc:
        on_error(source, f"{source}: cannot read ({exc.strerror or exc})")
        return
    with f:
        for lineno, raw in enumerate(f, 1):
            where = f"{source}:{lineno}"
            rec, problem = parse_record(raw, where)
            if problem:
                on_error(where, problem)
            if rec is None:
                continue
            rid = str(rec.get("id", where))
            meta = {k: v for k, v in rec.items() if k != "text"}
            yield rid, rec["text"], {**meta, "id": rid, "source": source}, where


def _open_local(path: str):
    return open(path, "rb")


# ----------------------------------------------------------------------------- records

def input_records(path: str, name: str, report: Report, encoding: str = "auto",
                  input_format: str = "auto", ids: bool = True,
                  opener: Opener | None = None) -> Iterator[Record]:
    """The records of one input: each line of a JSONL archive, or the text or HTML file as one
    record keyed ``name`` (with ``meta.id = name`` when ``ids``)."""
    if is_archive(path):
        for rid, text, meta, where in iter_jsonl_records(path, report, opener):
            yield Record(rid, text, meta, where)
        return
    try:
        text, meta = read_document(path, encoding, input_format, opener)
    except InputError as exc:
        report(text_path(path), str(exc))
        return
    # the key names the output file (bytes of a file name that are not UTF-8 kept); meta, the
    # errors and the store get it as text (those bytes written as \\xNN)
    yield Record(name, text, {**meta, "id": text_path(name)} if ids else meta, text_path(path))


def unique(records: Iterable[Record], report: Report, done: set[str] = frozenset(),
           on_skip: Callable[[], None] = lambda: None) -> Iterator[Record]:
    """The records whose key this run has not seen before (a second one is reported) and that
    are not ``done`` already (those are skipped: ``on_skip``)."""
    seen: dict[str, str] = {}
    for rec in records:
        if rec.key in seen:
            report(rec.where, f"{rec.where}: duplicate id {rec.key!r} (first at {seen[rec.key]}); skipped")
            continue
        seen[rec.key] = rec.where
        if rec.key in done:
            on_skip()
            continue
        yield rec


def read_records(inputs: list[tuple[str, str]], report: Report, encoding: str = "auto",
                 input_format: str = "auto", ids: bool = True, stop: Callable[[], bool] = lambda: False,
                 skip_input: Callable[[str], bool] | None = None, done: set[str] = frozenset(),
                 on_skip: Callable[[], None] = lambda: None) -> Iterator[Record]:
    """The records of all ``(path, name)`` inputs, in order, each key once: no new input or
    record once ``stop()``; an input whose ``skip_input(name)`` is true (its output is there)
    and a record whose key is in ``done`` are skipped (``on_skip``), not read or annotated."""
    def each() -> Iterator[Record]:
        for path, name in inputs:
            if stop():
                return
            if skip_input is not None and skip_input(name):
                on_skip()
                continue
            for rec in input_records(path, name, report, encoding, input_format, ids):
                if stop():
                    return
                yield rec

    return unique(each(), report, done, on_skip)


def located(base: str) -> Opener:
    """An opener for another process (a Ray worker): a relative path is opened from ``base``
    (the driver's working folder), a URI (s3://, gs://, ...) through pyarrow's file systems."""
    def opener(path: str):
        if "://" in path:
            import io

            from pyarrow import fs

            filesystem, where = fs.FileSystem.from_uri(path)
            with filesystem.open_input_stream(where) as f:
                return io.BytesIO(f.read())
        return open(os.path.join(base, path), "rb")

    return opener
