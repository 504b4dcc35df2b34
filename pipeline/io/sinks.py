"""Documents -> outputs, with the atomic and resume rules.

* :class:`FolderSink`: ``DIR/<name><suffix>`` per document (json, jsonl, html, conll), each
  written atomically; a finished output is skipped on a rerun (:func:`output_is_complete`);
  ``DIR/index.html`` for html; bad inputs in ``DIR/errors.jsonl``.
* :class:`JsonlSink`: one JSONL file, written as ``FINAL.partial`` and renamed when the run is
  complete (a rerun resumes from its complete lines, by id); a FIFO or a character device is
  written in place. Bad inputs in ``STEM.errors.jsonl`` (:func:`jsonl_errors_path`).
* :func:`write_one`: a single document to ``-o FILE`` (atomically) or to stdout.
* :class:`StoreSink`: ``--db FILE``, beside any of them: each document written is indexed into
  the annotation store too (:mod:`hebnews.store`), keyed by the file it was written to; a
  resumed run indexes the outputs it keeps from the killed one as well (:meth:`StoreSink.catch_up`).
"""
from __future__ import annotations

import json
import os
import sqlite3
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO
from urllib.parse import quote

from ..document import SCHEMA_ID
from ..writers import SUFFIX, atomic_write_text, open_stream, output_target, remove_stale_temps, render
from .runtime import OutputError, RunResult
from .sources import NOT_A_DOCUMENT, document_sources, first_line, load_document


def output_is_complete(path: Path, fmt: str) -> bool:
    """A finished output: it exists and (for JSON) parses as one of our documents."""
    if not path.is_file() or path.stat().st_size == 0:
        return False
    if fmt != "json":
        return True  # html/conll/jsonl outputs are only ever renamed into place whole
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and data.get("schema") == SCHEMA_ID and "text" in data


def write_output(target: Path, text: str, written: int) -> None:
    """atomic_write_text, or OutputError: nothing more can be written (disk full, a folder gone
    read-only, a socket in the way)."""
    try:
        atomic_write_text(target, text)
    except OSError as exc:
        raise OutputError(f"{target}: cannot write ({exc.strerror or exc}); "
                          f"{written} documents were written before it") from None


class FolderSink:
    """``out_dir/<name><suffix>`` per document, for the inputs named ``names``."""

    def __init__(self, out_dir: Path, fmt: str, names: list[str]):
        self.out_dir, self.fmt, self.suffix = Path(out_dir), fmt, SUFFIX[fmt]
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"{out_dir}: cannot create the output folder ({exc.strerror or exc})") from None
        if not os.access(self.out_dir, os.W_OK):
            raise OutputError(f"{out_dir}: output folder is not writable")
        # temp files of this batch's outputs left by a killed run (not other processes' files)
        remove_stale_temps(self.out_dir, {name + self.suffix for name in names})
        self.errors_path = self.out_dir / "errors.jsonl"

    def path(self, name: str) -> Path:
        return self.out_dir / (name + self.suffix)

    def is_done(self, name: str) -> bool:
        return output_is_complete(self.path(name), self.fmt)

    def write(self, name: str, doc, result: RunResult) -> None:
        write_output(self.path(name), render(doc, self.fmt), result.written)
        result.written += 1
        result.rows.append({"href": quote(os.fsencode(name + self.suffix)), "source": doc.meta.get("source"),
                            "sentences": len(doc.sentences), "entities": len(doc.entities),
                            "quotes": len(doc.quotes)})

    def close(self, result: RunResult) -> None:
        """The index page of an html run."""
        if self.fmt == "html" and result.rows:
            from ..html import render_index

            write_output(self.out_dir / "index.html", render_index(result.rows), result.written)


# ----------------------------------------------------------------------------- one JSONL file

def done_ids(path: Path) -> set[str]:
    """Ids of the complete lines of a JSONL output; a torn last line is cut off."""
    done: set[str] = set()
    if not path.exists():
        return done
    good = 0
    with open(path, "rb") as f:
        for raw in f:
            if not raw.endswith(b"\n"):
                break
            try:
                done.add(str(json.loads(raw)["meta"]["id"]))
            except (ValueError, KeyError, TypeError, RecursionError):
                break
            good += len(raw)
    with open(path, "r+b") as f:
        f.truncate(good)
    return done


def jsonl_errors_path(out_path: Path) -> Path:
    """Where the bad inputs of a JSONL run are listed: ``all.errors.jsonl`` for ``all.jsonl``."""
    return out_path.with_name(out_path.stem + ".errors.jsonl")


def jsonl_line(doc, where: str) -> tuple[str | None, str | None]:
    """(the document as one JSONL line, None) or (None, the error naming ``where``): a meta
    value JSON cannot hold, or text that is no UTF-8."""
    try:
        line = doc.to_json(pretty=False) + "\n"
        line.encode("utf-8")
    except (ValueError, RecursionError) as exc:
        return None, f"{where}: cannot be written as JSON ({exc})"
    return line, None


def _count_lines(path: Path) -> int:
    if not path.exists():
        return 0
    n = 0
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            n += block.count(b"\n")
    return n


@dataclass
class JsonlSink:
    """The open output of a JSONL run. A regular file (or a new path; a symlink is followed, not
    replaced) is written as ``FINAL.partial`` and renamed when the run completes, so a rerun
    resumes from its complete lines; a stream (FIFO, character device) is written in place,
    with no resume."""
    file: TextIO
    final: Path | None = None  # None: a stream
    done: set[str] = field(default_factory=set)
    lines: int = 0  # the lines in the file: the last one written is line ``lines``

    @property
    def partial(self) -> Path | None:
        return None if self.final is None else self.final.with_name(self.final.name + ".partial")

    @classmethod
    def open(cls, out_path: Path, resume: bool) -> "JsonlSink":
        how, target = output_target(out_path)
        if how == "stream":
            return cls(open_stream(target))
        partial = target.with_name(target.name + ".partial")
        target.parent.mkdir(parents=True, exist_ok=True)
        if resume and target.exists() and not partial.exists():
            partial.write_bytes(target.read_bytes())  # add to a finished file: start from it
        elif not resume:
            partial.unlink(missing_ok=True)
        done = done_ids(partial) if resume else set()
        lines = _count_lines(partial) if resume else 0
        return cls(open(partial, "a", encoding="utf-8"), target, done, lines)

    def write(self, doc, where: str, result: RunResult, report) -> bool:
        """Whether the document was written (one that JSON cannot hold is reported)."""
        line, problem = jsonl_line(doc, where)
        if problem:
            report(where, problem)
            return False
        self.file.write(line)
        self.file.flush()
        self.lines += 1
        result.written += 1
        return True

    def sync(self) -> None:
        """Everything written reaches the disk (a FIFO or a device has nothing to fsync)."""
        self.file.flush()
        if self.final is not None:
            os.fsync(self.file.fileno())

    def commit(self) -> None:
        """The run is complete: ``.partial`` takes the output's name."""
        if self.final is not None:
            os.replace(self.partial, self.final)


# ----------------------------------------------------------------------------- one document

def write_one(doc, fmt: str, output: str | None) -> None:
    """A document to ``output`` (atomically; a stream in place) or, without one, to stdout."""
    text = render(doc, fmt)
    if output:
        atomic_write_text(output, text)
    else:
        sys.stdout.write(text)


# ----------------------------------------------------------------------------- the store

# errors of one document's values (a number SQLite cannot hold, a bad string, odd JSON), not of
# the store: the same document fails the same way on every run
_REFUSED = (sqlite3.IntegrityError, sqlite3.DataError, sqlite3.InterfaceError, ValueError, KeyError, TypeError,
            AttributeError, RecursionError, OverflowError)


class StoreSink:
    """``--db FILE``: ``sink(doc, path, line)`` after a document's output is written indexes it
    into the store and commits; ``path`` is the file it was written to (``line``: its line in a
    .jsonl file), which keys it as ``hebnews index`` of that file would; None for stdout or a
    stream, keyed then by its input. A document that cannot be indexed is reported in one line
    through ``report`` and counted in ``failed``; its output stays and the run goes on
    (``hebnews index`` of the outputs catches up later, and so does a resumed run)."""

    def __init__(self, path, report):
        from ..store import Store

        self.store = Store.open(path)  # StoreError: the caller says why, before any work
        self.report, self.indexed, self.failed = report, 0, 0
        # what the line of a document not indexed ends with: for a store that cannot write
        # (``note``), and for a document whose values it cannot hold (``refused_note``)
        self.note = self.refused_note = "its output was written"

    def __call__(self, doc, path: str | os.PathLike | None = None, line: int | None = None) -> bool | None:
        """True when the document is in the store now; False when the store could not write it
        (a full disk, a locked or read-only store: a later run may); None when the store cannot
        hold this document (odd values: no later run will), which is reported and counted alike."""
        from ..store.keys import location

        data = doc.to_dict()
        where = data["meta"].get("source") or "a document"
        if path is None:
            return self._add(data, where)
        line = line or (1 if os.fspath(path).endswith(".jsonl") else None)  # as index reads it
        return self._add(data, where, location(path, line))

    def _add(self, data: dict, where: str, loc: str | None = None) -> bool | None:
        """Index ``data`` as the document at the :func:`~hebnews.store.keys.location` ``loc``
        (None: in no file, keyed by its input) and commit; see :meth:`__call__`."""
        from ..store.keys import input_origin

        try:
            if loc is not None:
                self.store.add(data, path=loc)
            else:
                self.store.add(data, origin=input_origin(data.get("meta") or {}))
            self.store.commit()
            self.indexed += 1
            return True
        except (sqlite3.Error, *_REFUSED) as exc:
            self.failed += 1
            self._rollback()
            refused = isinstance(exc, _REFUSED)
            self.report(f"{self.store.path}: cannot index {where} ({first_line(exc)}); "
                        f"{self.refused_note if refused else self.note}")
            return None if refused else False

    def _rollback(self) -> None:
        """Drop the failed document; a store that cannot even do that (an I/O error) has kept
        nothing of it either (SQLite's journal undoes it when it is next opened)."""
        try:
            self.store.rollback()
        except sqlite3.Error:
            pass

    def file_complete(self, path: Path, lines: int) -> None:
        """A JSONL output is complete with ``lines`` lines: the rows of its lines past them
        (an earlier run's, that wrote more) go, as ``hebnews index`` of the file drops them."""
        from ..store.keys import location

        try:
            self.store.drop_lines(location(path), set(range(1, lines + 1)))
            self.store.commit()
        except sqlite3.Error as exc:
            self._rollback()
            self.report(f"{self.store.path}: cannot update the rows of {path} ({exc})")
            self.failed += 1

    def catch_up(self, path: Path, final: Path | None = None) -> bool:
        """For a resumed run, an output kept from an earlier one (a run killed between writing it
        and committing it to the store left it out): index what it holds, as the file ``final``
        (default ``path``; a JSONL run's ``.partial`` is its final file). Documents already there
        unchanged cost a read. Whether the output may stay as it is: a json, jsonl or html
        output is read back; a conll one cannot be, and is kept only when the store has a
        document from it (False: annotate its input again)."""
        from ..html import page_document
        from ..store.keys import at_line, location

        final = final or path
        name = os.fspath(final)
        try:
            loc = location(final)
            if name.endswith(".html"):
                raw = page_document(Path(path).read_text("utf-8"))
                if raw is not None:
                    self._add_kept(raw.encode("utf-8"), name, loc)
                    return True
            if not name.endswith((".json", ".jsonl")):
                return self.store.has_path(loc)
            for lineno, raw in document_sources(path, jsonl=name.endswith(".jsonl")):
                self._add_kept(raw, f"{name}:{lineno}" if lineno else name, at_line(loc, lineno))
        except (OSError, UnicodeDecodeError) as exc:
            self.report(f"{path}: cannot read ({getattr(exc, 'strerror', None) or exc}); it is not indexed")
            self.failed += 1
        except sqlite3.Error as exc:
            self.report(f"{self.store.path}: cannot look up {path} ({exc}); it is not indexed")
            self.failed += 1
        return True

    def _add_kept(self, raw: bytes, where: str, loc: str) -> None:
        try:
            data = load_document(raw)
        except NOT_A_DOCUMENT as exc:
            self.report(f"{where}: not a readable hebnews document ({first_line(exc)}); it is not indexed")
            self.failed += 1
            return
        self._add(data, where, loc)

    def close(self) -> None:
        self.store.close()
