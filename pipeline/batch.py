"""Many inputs -> many outputs: resume, atomic writes, errors.jsonl, progress, SIGTERM.

* Each output is written atomically (temp file + rename), so a crash or ``kill -9`` leaves every
  output either complete or absent, never half-written.
* Resume is the default: an input whose output already exists and parses as a
  ``hebnews.document/1`` is skipped, so a killed run started again finishes the job.
* A bad input is reported on stderr and in ``errors.jsonl`` in the output folder, and the run
  goes on.
* SIGTERM/SIGINT: no new input is read; the documents already in the encoder batch are
  finished and written, then the run stops (exit code 143/130).
"""
from __future__ import annotations

import json
import logging
import os
import signal
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, TextIO

from .document import SCHEMA_ID, surrogate_problem
from .readers import InputError, read_document, text_path
from .writers import SUFFIX, atomic_write_text, open_stream, output_target, remove_stale_temps, render

log = logging.getLogger(__name__)


class OutputError(OSError):
    """An output cannot be written (disk full, read-only folder, ...): the run stops."""


@dataclass
class BatchResult:
    written: int = 0
    skipped: int = 0
    failed: int = 0
    stopped_by: int | None = None  # the signal number that stopped the run early
    rows: list[dict] = field(default_factory=list)  # for index.html


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


class _StopFlag:
    """Turns SIGTERM/SIGINT into a flag checked between inputs."""

    def __init__(self):
        self.signum: int | None = None
        self._old = {}

    def __enter__(self):
        for sig in (signal.SIGTERM, signal.SIGINT):
            try:
                self._old[sig] = signal.signal(sig, self._handle)
            except ValueError:  # not the main thread: leave signals alone
                pass
        return self

    def _handle(self, signum, frame):
        if self.signum is not None:  # a second signal: stop now
            raise KeyboardInterrupt
        self.signum = signum
        log.warning("got %s: finishing the documents in progress, then stopping",
                    signal.Signals(signum).name)

    def __exit__(self, *exc):
        for sig, old in self._old.items():
            signal.signal(sig, old)
        return False


def _record_error(result: BatchResult, errors_path: Path, where: str, msg: str,
                  on_error: Callable[[str], None] | None) -> None:
    """Count a failed input, tell the caller, and append it to the errors JSONL file."""
    result.failed += 1
    if on_error:
        on_error(msg)
    try:
        with open(errors_path, "a", encoding="utf-8", errors="backslashreplace") as f:
            f.write(json.dumps({"input": where, "error": msg,
                                "time": time.strftime("%Y-%m-%dT%H:%M:%S%z")}, ensure_ascii=False) + "\n")
    except OSError as exc:
        log.warning("cannot append to %s: %s", errors_path, exc.strerror or exc)


def _progress(total: int, quiet: bool):
    if quiet or not sys.stderr.isatty():
        return None
    try:
        from tqdm import tqdm
    except ImportError:  # pragma: no cover - tqdm comes with transformers
        return None
    return tqdm(total=total, unit="doc", desc="annotating", file=sys.stderr, dynamic_ncols=True)


def run_batch(annotator, inputs: list[tuple[str, str]], out_dir: Path, fmt: str = "json",
              resume: bool = True, quiet: bool = False, encoding: str = "auto",
              on_error: Callable[[str], None] | None = None, input_format: str = "auto") -> BatchResult:
    """Annotate ``(path, name)`` inputs into ``out_dir/<name><suffix>``."""
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{out_dir}: cannot create the output folder ({exc.strerror or exc})") from None
    if not os.access(out_dir, os.W_OK):
        raise OutputError(f"{out_dir}: output folder is not writable")
    suffix = SUFFIX[fmt]
    # temp files of this batch's outputs left by a killed run (not other processes' files)
    remove_stale_temps(out_dir, {name + suffix for _, name in inputs})
    errors_path = out_dir / "errors.jsonl"
    result = BatchResult()
    bar = _progress(len(inputs), quiet)

    def report(path: str, msg: str):
        _record_error(result, errors_path, path, msg, on_error)
        if bar:
            bar.update(1)

    with _StopFlag() as stop:
        def records() -> Iterator[tuple[str, dict]]:
            for path, name in inputs:
                if stop.signum is not None:
                    return
                target = out_dir / (name + suffix)
                if resume and output_is_complete(target, fmt):
                    result.skipped += 1
                    if bar:
                        bar.update(1)
                    continue
                try:
                    text, meta = read_document(path, encoding, input_format)
                except InputError as exc:
                    report(path, str(exc))
                    continue
                yield text, {**meta, "_name": name}

        for doc in annotator.annotate_stream(records()):
            name = doc.meta.pop("_name")
            target = out_dir / (name + suffix)
            _write_output(target, render(doc, fmt), result.written)
            result.written += 1
            result.rows.append({"href": name + suffix, "source": doc.meta.get("source"),
                                "sentences": len(doc.sentences), "entities": len(doc.entities),
                                "quotes": len(doc.quotes)})
            if bar:
                bar.update(1)
        result.stopped_by = stop.signum
    if bar:
        bar.close()
    if fmt == "html" and result.rows:
        from .html import render_index

        _write_output(out_dir / "index.html", render_index(result.rows), result.written)
    return result


def _write_output(target: Path, text: str, written: int) -> None:
    """atomic_write_text, or OutputError: nothing more can be written (disk full, a folder gone
    read-only, a socket in the way)."""
    try:
        atomic_write_text(target, text)
    except OSError as exc:
        raise OutputError(f"{target}: cannot write ({exc.strerror or exc}); "
                          f"{written} documents were written before it") from None



# ----------------------------------------------------------------------------- JSONL archives

def _parse_record(raw: bytes, where: str) -> tuple[dict | None, str | None]:
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


def iter_jsonl_records(path: str, on_error: Callable[[str, str], None]) -> Iterator[tuple[str, str, dict, str]]:
    """(id, text, meta, where) per line of a JSONL archive, ``where`` being ``PATH:LINE``; a bad
    line is reported, not fatal. Fields other than ``text`` go to ``meta`` (url, title, date ...)."""
    try:
        f = open(path, "rb")
    except OSError as exc:
        on_error(path, f"{path}: cannot read ({exc.strerror or exc})")
        return
    source = text_path(path)
    with f:
        for lineno, raw in enumerate(f, 1):
            where = f"{source}:{lineno}"
            rec, problem = _parse_record(raw, where)
            if problem:
                on_error(where, problem)
            if rec is None:
                continue
            rid = str(rec.get("id", where))
            meta = {k: v for k, v in rec.items() if k != "text"}
            yield rid, rec["text"], {**meta, "id": rid, "source": source}, where


def _done_ids(path: Path) -> set[str]:
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


@dataclass
class _JsonlOutput:
    """The open output of a JSONL run. A regular file (or a new path; a symlink is followed, not
    replaced) is written as ``FINAL.partial`` and renamed when the run completes, so a rerun
    resumes from its complete lines; a stream (FIFO, character device) is written in place,
    with no resume."""
    file: TextIO
    final: Path | None = None  # None: a stream
    done: set[str] = field(default_factory=set)

    @property
    def partial(self) -> Path | None:
        return None if self.final is None else self.final.with_name(self.final.name + ".partial")

    @classmethod
    def open(cls, out_path: Path, resume: bool) -> "_JsonlOutput":
        how, target = output_target(out_path)
        if how == "stream":
            return cls(open_stream(target))
        partial = target.with_name(target.name + ".partial")
        target.parent.mkdir(parents=True, exist_ok=True)
        if resume and target.exists() and not partial.exists():
            partial.write_bytes(target.read_bytes())  # add to a finished file: start from it
        elif not resume:
            partial.unlink(missing_ok=True)
        done = _done_ids(partial) if resume else set()
        return cls(open(partial, "a", encoding="utf-8"), target, done)

    def sync(self) -> None:
        """Everything written reaches the disk (a FIFO or a device has nothing to fsync)."""
        self.file.flush()
        if self.final is not None:
            os.fsync(self.file.fileno())

    def commit(self) -> None:
        """The run is complete: ``.partial`` takes the output's name."""
        if self.final is not None:
            os.replace(self.partial, self.final)


def run_jsonl(annotator, inputs: list[tuple[str, str]], out_path: Path, resume: bool = True,
              quiet: bool = False, encoding: str = "auto",
              on_error: Callable[[str], None] | None = None, input_format: str = "auto") -> BatchResult:
    """Annotate text files and JSONL archives into ONE JSONL file, streaming.

    Lines go to ``OUT.partial`` as documents finish (memory stays flat); when every input is
    done it is renamed to ``OUT``. A run that is killed leaves the ``.partial`` file: the next
    run keeps its complete lines, skips their ids and goes on. A FIFO or a character device
    ``OUT`` is written in place instead (no ``.partial``, no resume). Errors, a record whose id
    this run has already seen among them: ``OUT-stem.errors.jsonl`` (:func:`jsonl_errors_path`).
    """
    out_path = Path(out_path)
    errors_path = jsonl_errors_path(out_path)
    try:
        out = _JsonlOutput.open(out_path, resume)
    except OSError as exc:
        raise OutputError(f"{out_path}: cannot write ({exc.strerror or exc})") from None
    result = BatchResult(skipped=0)
    bar = _progress(0, quiet)

    def report(where: str, msg: str):
        _record_error(result, errors_path, where, msg, on_error)

    wheres: deque[str] = deque()  # where each document in the encoder came from, in order
    with _StopFlag() as stop, out.file:
        records = _jsonl_inputs(inputs, encoding, input_format, out.done, result, report, stop)
        try:
            for doc in annotator.annotate_stream(_noting_where(records, wheres)):
                _write_jsonl_doc(out.file, doc, wheres.popleft(), result, report)
                if bar:
                    bar.update(1)
            out.sync()
        except OSError as exc:
            kept = "; the complete lines stay and a rerun goes on from them" if out.partial else ""
            raise OutputError(f"{out.partial or out_path}: cannot write ({exc.strerror or exc}){kept}") from None
        result.stopped_by = stop.signum
    if bar:
        bar.close()
    if result.stopped_by is None:
        out.commit()
    return result


def _noting_where(records: Iterator[tuple[str, dict, str]], wheres: deque) -> Iterator[tuple[str, dict]]:
    for text, meta, where in records:
        wheres.append(where)
        yield text, meta


def _write_jsonl_doc(out: TextIO, doc, where: str, result: BatchResult, report) -> None:
    try:
        line = doc.to_json(indent=None) + "\n"
        line.encode("utf-8")
    except (ValueError, RecursionError) as exc:  # a meta value JSON cannot hold
        report(where, f"{where}: cannot be written as JSON ({exc})")
        return
    out.write(line)
    out.flush()
    result.written += 1


def _jsonl_inputs(inputs, encoding, input_format, done: set[str], result: BatchResult, report,
                  stop) -> Iterator[tuple[str, dict, str]]:
    """(text, meta, where) of each record to annotate: text files and JSONL archives' lines; ids
    in ``done`` are skipped, a second record with an id seen before in this run is reported."""
    seen: dict[str, str] = {}
    for path, name in inputs:
        if path.endswith(".jsonl"):
            recs = iter_jsonl_records(path, report)
        else:
            try:
                text, meta = read_document(path, encoding, input_format)
            except InputError as exc:
                report(path, str(exc))
                continue
            recs = iter([(name, text, {**meta, "id": name}, path)])
        for rid, text, meta, where in recs:
            if stop.signum is not None:
                return
            if rid in seen:
                report(where, f"{where}: duplicate id {rid!r} (first at {seen[rid]}); skipped")
                continue
            seen[rid] = where
            if rid in done:
                result.skipped += 1
                continue
            yield text, meta, where
