"""What every run shares: the stop flag (SIGTERM/SIGINT), the progress bar, the errors file."""
from __future__ import annotations

import json
import logging
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..readers import printable

log = logging.getLogger("hebnews.batch")  # the logger these messages always came from


class OutputError(OSError):
    """An output cannot be written (disk full, read-only folder, ...): the run stops."""


@dataclass
class RunResult:
    """What a run did: documents written, inputs skipped (done before) and failed."""

    rows: list[dict] = field(default_factory=list)  # for index.html
    written: int = 0
    skipped: int = 0
    failed: int = 0
    stopped_by: int | None = None  # the signal number that stopped the run early


class StopFlag:
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

    def __call__(self) -> bool:
        """Whether a signal asked the run to stop."""
        return self.signum is not None

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


def append_error(errors_path: Path, where: str, msg: str) -> None:
    """One line of the errors JSONL file (a file that cannot be appended to is warned about)."""
    try:
        with open(errors_path, "a", encoding="utf-8", errors="backslashreplace") as f:
            f.write(json.dumps({"input": printable(where), "error": printable(msg),
                                "time": time.strftime("%Y-%m-%dT%H:%M:%S%z")}, ensure_ascii=False) + "\n")
    except OSError as exc:
        log.warning("cannot append to %s: %s", errors_path, exc.strerror or exc)


class ErrorLog:
    """``report(where, msg)``: count a failed input, tell the caller, append it to the errors
    file, and move the progress bar when one is given."""

    def __init__(self, result: RunResult, errors_path: Path,
                 on_error: Callable[[str], None] | None, bar=None):
        self.result, self.errors_path, self.on_error, self.bar = result, errors_path, on_error, bar

    def __call__(self, where: str, msg: str) -> None:
        self.result.failed += 1
        if self.on_error:
            self.on_error(msg)
        append_error(self.errors_path, where, msg)
        tick(self.bar)


def progress(total: int, quiet: bool):
    """A tqdm bar on a terminal's stderr, or None."""
    if quiet or not sys.stderr.isatty():
        return None
    try:
        from tqdm import tqdm
    except ImportError:  # pragma: no cover - tqdm comes with transformers
        return None
    return tqdm(total=total, unit="doc", desc="annotating", file=sys.stderr, dynamic_ncols=True)


def tick(bar) -> None:
    if bar:
        bar.update(1)
