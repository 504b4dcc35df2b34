"""Many inputs -> many outputs: resume, atomic writes, errors.jsonl, progress, SIGTERM.

* Each output is written atomically (temp file + rename), so a crash or ``kill -9`` leaves every
  output either complete or absent, never half-written.
* Resume is the default: an input whose output already exists and parses as a
  ``hebnews.document/1`` is skipped, so a killed run started again finishes the job. With a
  store (``--db``), ``catch_up`` indexes the outputs a resumed run keeps (a run killed between
  an output's write and its commit to the store left it out).
* A bad input is reported on stderr and in ``errors.jsonl`` in the output folder, and the run
  goes on.
* SIGTERM/SIGINT: no new input is read; the documents already in the encoder batch are
  finished and written, then the run stops (exit code 143/130).

The reading, writing and run rules live in :mod:`hebnews.io`; this is the loop between them:
sources -> annotator -> sink.
"""
from __future__ import annotations

from collections import deque
from pathlib import Path
from typing import Callable, Iterator

from .io.runtime import ErrorLog, OutputError, RunResult, StopFlag, progress, tick
from .io.sinks import FolderSink, JsonlSink, jsonl_errors_path, output_is_complete
from .io.sources import Record, iter_jsonl_records, read_records

BatchResult = RunResult  # (the names this module always had)
__all__ = ["BatchResult", "OutputError", "iter_jsonl_records", "jsonl_errors_path",
           "output_is_complete", "run_batch", "run_jsonl"]


def run_batch(annotator, inputs: list[tuple[str, str]], out_dir: Path, fmt: str = "json",
              resume: bool = True, quiet: bool = False, encoding: str = "auto",
              on_error: Callable[[str], None] | None = None, input_format: str = "auto",
              after_write: Callable | None = None,
              catch_up: Callable[[Path], bool] | None = None) -> BatchResult:
    """Annotate ``(path, name)`` inputs into ``out_dir/<name><suffix>``; ``after_write(doc,
    output path)`` is called once each output is written (``--db``). On resume, an input whose
    output is there is skipped when ``catch_up(output path)`` (which indexes it) says it may stay."""
    sink = FolderSink(out_dir, fmt, [name for _, name in inputs])
    result = BatchResult()
    bar = progress(len(inputs), quiet)
    report = ErrorLog(result, sink.errors_path, on_error, bar)

    def skipped():
        result.skipped += 1
        tick(bar)

    def done(name: str) -> bool:
        return sink.is_done(name) and (catch_up is None or catch_up(sink.path(name)))

    with StopFlag() as stop:
        records = read_records(inputs, report, encoding, input_format, ids=False, stop=stop,
                               skip_input=done if resume else None, on_skip=skipped)
        for doc in annotator.annotate_stream(_keyed(records, "_name")):
            name = doc.meta.pop("_name")
            sink.write(name, doc, result)
            if after_write:
                after_write(doc, sink.path(name))
            tick(bar)
        result.stopped_by = stop.signum
    if bar:
        bar.close()
    sink.close(result)
    return result


def _keyed(records: Iterator[Record], field: str) -> Iterator[tuple[str, dict]]:
    """(text, meta) for the annotator, the record's key riding along in ``meta[field]``."""
    for rec in records:
        yield rec.text, {**rec.meta, field: rec.key}


def run_jsonl(annotator, inputs: list[tuple[str, str]], out_path: Path, resume: bool = True,
              quiet: bool = False, encoding: str = "auto",
              on_error: Callable[[str], None] | None = None, input_format: str = "auto",
              after_write: Callable | None = None,
              catch_up: Callable[[Path, Path], bool] | None = None) -> BatchResult:
    """Annotate text files and JSONL archives into ONE JSONL file, streaming (``after_write(doc,
    OUT, line)`` after each line is written; OUT None for a stream). On resume,
    ``catch_up(OUT.partial, OUT)`` first indexes the lines kept from the earlier run.

    Lines go to ``OUT.partial`` as documents finish (memory stays flat); when every input is
    done it is renamed to ``OUT``. A run that is killed leaves the ``.partial`` file: the next
    run keeps its complete lines, skips their ids and goes on. A FIFO or a character device
    ``OUT`` is written in place instead (no ``.partial``, no resume). Errors, a record whose id
    this run has already seen among them: ``OUT-stem.errors.jsonl`` (:func:`jsonl_errors_path`).
    """
    out_path = Path(out_path)
    try:
        out = JsonlSink.open(out_path, resume)
    except OSError as exc:
        raise OutputError(f"{out_path}: cannot write ({exc.strerror or exc})") from None
    if resume and catch_up and out.final is not None:
        catch_up(out.partial, out.final)
    result = BatchResult(skipped=0)
    bar = progress(0, quiet)
    report = ErrorLog(result, jsonl_errors_path(out_path), on_error)

    def skipped():
        result.skipped += 1

    wheres: deque[str] = deque()  # where each document in the encoder came from, in order
    with StopFlag() as stop, out.file:
        records = read_records(inputs, report, encoding, input_format, stop=stop, done=out.done,
                               on_skip=skipped)
        try:
            for doc in annotator.annotate_stream(_noting_where(records, wheres)):
                if out.write(doc, wheres.popleft(), result, report) and after_write:
                    after_write(doc, out.final, out.lines)
                tick(bar)
            out.sync()
        except OSError as exc:
            kept = "; the complete lines stay and a rerun goes on from them" if out.partial else ""
            raise OutputError(f"{out.partial or out_path}: cannot write ({exc.strerror or exc}){kept}") from None
        result.stopped_by = stop.signum
    if bar:
        bar.close()
    if result.stopped_by is None:
        out.commit()
        if out.final is not None and hasattr(after_write, "file_complete"):
            after_write.file_complete(out.final, out.lines)  # rows of lines it no longer has go
    return result


def _noting_where(records: Iterator[Record], wheres: deque) -> Iterator[tuple[str, dict]]:
    for rec in records:
        wheres.append(rec.where)
        yield rec.text, rec.meta
