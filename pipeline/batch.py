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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from .document import SCHEMA_ID
from .readers import InputError, read_document
from .writers import SUFFIX, atomic_write_text, remove_stale_temps, render

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
        with open(errors_path, "a", encoding="utf-8") as f:
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
            try:
                atomic_write_text(target, render(doc, fmt))
            except OSError as exc:  # disk full, folder gone read-only: nothing more can be written
                raise OutputError(f"{target}: cannot write ({exc.strerror or exc}); "
                                  f"{result.written} documents were written before it") from None
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

        atomic_write_text(out_dir / "index.html", render_index(result.rows))
    return result



# ----------------------------------------------------------------------------- JSONL archives

def iter_jsonl_records(path: str, on_error: Callable[[str, str], None]) -> Iterator[tuple[str, str, dict]]:
    """(id, text, meta) per line of a JSONL archive; a bad line is reported, not fatal.
    Fields other than ``text`` go to ``meta`` (url, title, date ...)."""
    try:
        f = open(path, encoding="utf-8")
    except OSError as exc:
        on_error(path, f"{path}: cannot read ({exc.strerror or exc})")
        return
    with f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            where = f"{path}:{lineno}"
            try:
                rec = json.loads(line)
            except ValueError:
                on_error(where, f"{where}: not a JSON object")
                continue
            text = rec.get("text") if isinstance(rec, dict) else None
            if not isinstance(text, str):
                on_error(where, f"{where}: no \"text\" string")
                continue
            rid = str(rec.get("id", where))
            meta = {k: v for k, v in rec.items() if k != "text"}
            yield rid, text, {**meta, "id": rid, "source": path}


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
            except (ValueError, KeyError, TypeError):
                break
            good += len(raw)
    with open(path, "r+b") as f:
        f.truncate(good)
    return done


def run_jsonl(annotator, inputs: list[tuple[str, str]], out_path: Path, resume: bool = True,
              quiet: bool = False, encoding: str = "auto",
              on_error: Callable[[str], None] | None = None, input_format: str = "auto") -> BatchResult:
    """Annotate text files and JSONL archives into ONE JSONL file, streaming.

    Lines go to ``OUT.partial`` as documents finish (memory stays flat); when every input is
    done it is renamed to ``OUT``. A run that is killed leaves the ``.partial`` file: the next
    run keeps its complete lines, skips their ids and goes on. Errors: ``OUT.errors.jsonl``.
    """
    out_path = Path(out_path)
    partial = out_path.with_name(out_path.name + ".partial")
    errors_path = out_path.with_name(out_path.stem + ".errors.jsonl")
    try:
        out_path.parent.mkdir(parents=True, exist_ok=True)
        if resume and out_path.exists() and not partial.exists():
            partial.write_bytes(out_path.read_bytes())  # add to a finished file: start from it
        elif not resume:
            partial.unlink(missing_ok=True)
        done = _done_ids(partial) if resume else set()
        out = open(partial, "a", encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"{out_path}: cannot write ({exc.strerror or exc})") from None
    result = BatchResult(skipped=0)
    bar = _progress(0, quiet)

    def report(where: str, msg: str):
        _record_error(result, errors_path, where, msg, on_error)

    with _StopFlag() as stop, out:
        def records() -> Iterator[tuple[str, dict]]:
            for path, name in inputs:
                if path.endswith(".jsonl"):
                    recs = iter_jsonl_records(path, report)
                else:
                    try:
                        text, meta = read_document(path, encoding, input_format)
                    except InputError as exc:
                        report(path, str(exc))
                        continue
                    recs = iter([(name, text, {**meta, "id": name})])
                for rid, text, meta in recs:
                    if stop.signum is not None:
                        return
                    if rid in done:
                        result.skipped += 1
                        continue
                    yield text, meta

        try:
            for doc in annotator.annotate_stream(records()):
                out.write(doc.to_json(indent=None) + "\n")
                out.flush()
                result.written += 1
                if bar:
                    bar.update(1)
            out.flush()
            os.fsync(out.fileno())
        except OSError as exc:
            raise OutputError(f"{partial}: cannot write ({exc.strerror or exc}); the complete lines "
                              f"stay and a rerun goes on from them") from None
        result.stopped_by = stop.signum
    if bar:
        bar.close()
    if result.stopped_by is None:
        os.replace(partial, out_path)
    return result
