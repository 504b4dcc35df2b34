"""What every command shares: exit codes, one-line errors, the guarded stdout, argument types,
and loading the annotator (one place turns a model that cannot be used into exit 3)."""
from __future__ import annotations

import argparse
import errno
import logging
import os
import signal
import sys

from ..readers import not_text, printable

EXIT_OK, EXIT_INPUT, EXIT_USAGE, EXIT_MODEL, EXIT_DATA, EXIT_OUTPUT = 0, 1, 2, 3, 4, 5
log = logging.getLogger("hebnews")


class CommandError(Exception):
    """A command that cannot go on: :func:`hebnews.cli.main` prints ``message`` in one line and
    exits with ``code``."""

    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code


def _err(msg: str) -> None:
    """One line on stderr (the bytes of a file name that are not UTF-8 written as \\xNN)."""
    print(f"hebnews: error: {printable(msg)}", file=sys.stderr)


def printable_record(record: logging.LogRecord) -> bool:
    """A log handler's filter: a log line names a file as :func:`_err` does (bytes that are not
    UTF-8 as \\xNN, not as Python's \\udcNN)."""
    msg = record.getMessage()
    if not msg.isascii() and not_text(msg):
        record.msg, record.args = printable(msg), None
    return True


class StdoutError(Exception):
    """Writing the standard output failed (a full disk, a closed pipe); ``error`` says why."""

    def __init__(self, error: OSError):
        super().__init__(str(error))
        self.error = error


class _GuardedStdout:
    """``sys.stdout`` while a command runs: a failed write or flush raises :class:`StdoutError`,
    which :func:`main` turns into one line (the commands' ``except OSError`` for their -o files
    does not catch it)."""

    def __init__(self, stream):
        self._stream = stream

    def _call(self, name: str, *args):
        try:
            if self._stream is None:  # started with stdout closed (>&-)
                raise OSError(errno.EBADF, os.strerror(errno.EBADF))
            return getattr(self._stream, name)(*args)
        except OSError as exc:
            raise StdoutError(exc) from None

    def write(self, text: str):
        if not text.isascii() and not_text(text):  # a file name that is not UTF-8: as \\xNN,
            text = printable(text)  # whatever the locale (a C locale would write the raw bytes)
        return self._call("write", text)

    def flush(self):
        return self._call("flush")

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def _stdout_failed(error: OSError, stream) -> int:
    """One line and exit 5; a reader that went away (EPIPE, e.g. ``| head``) is no error: exit
    quietly with 141, as a program killed by SIGPIPE does. Python flushes stdout again at exit:
    point its descriptor at /dev/null so that no second error is printed."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, stream.fileno())
        os.close(null)
    except (OSError, ValueError, AttributeError):
        pass
    if error.errno == errno.EPIPE:
        return 128 + signal.SIGPIPE
    _err(f"<stdout>: cannot write ({error.strerror or error})")
    return EXIT_OUTPUT


# options whose value is text, not a path: one whose bytes are not UTF-8 is refused (a file name
# that is not UTF-8 is still a file to read or write, a search word that is not text is nothing)
TEXT_OPTIONS = ("speaker", "search", "type", "since", "ray_address", "fold", "epochs", "weights")


def text_options_problem(args: argparse.Namespace) -> str | None:
    """The one-line error for a text option (:data:`TEXT_OPTIONS`) whose bytes are not UTF-8."""
    for dest in TEXT_OPTIONS:
        value = getattr(args, dest, None)
        if isinstance(value, str) and not_text(value):
            return (f"--{dest.replace('_', '-')} '{printable(value)}': not text (bytes that are not "
                    "UTF-8); pass it in UTF-8")
    return None


def _encoding(name: str) -> str:
    """--encoding: auto or a text encoding Python knows, checked when the arguments are parsed."""
    if not_text(name):
        raise argparse.ArgumentTypeError(f"unknown text encoding '{printable(name)}'")
    if name != "auto":
        try:
            b"-".decode(name)  # b"" is decoded without looking the codec up
        except LookupError:  # unknown, or no text encoding (rot13, base64)
            raise argparse.ArgumentTypeError(f"unknown text encoding {name!r}") from None
        except UnicodeDecodeError:  # utf-16 wants two bytes: a known text encoding
            pass
    return name


def _positive(kind, zero: bool = False):
    """An argparse type: a number > 0 (>= 0 with ``zero``)."""
    def parse(value: str):
        try:
            n = kind(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
        if n < 0 or (n == 0 and not zero):
            raise argparse.ArgumentTypeError(f"must be {'>= 0' if zero else '> 0'}, got {value}")
        if n > 2**62:  # past what SQLite and the C libraries take as a number
            raise argparse.ArgumentTypeError(f"too large: {value}")
        return n
    return parse


def _precision_option(parser: argparse.ArgumentParser) -> None:
    """--runtime and --precision: what runs the encoder, in what."""
    parser.add_argument("--runtime", choices=("auto", "torch", "onnx"), default="auto",
                        help="what runs the encoder: auto (default; $HEBNEWS_RUNTIME if set, else onnx "
                        "where onnxruntime is installed on a CPU run without AMX-BF16, torch elsewhere), "
                        "torch, or onnx (ONNX Runtime)")
    parser.add_argument("--precision", choices=("auto", "fp32", "bf16", "fp16"), default="auto",
                        help="the encoder's weights: auto (default; onnx: fp32; torch: $HEBNEWS_PRECISION "
                        "if set, else bf16 on a CPU with AMX-BF16 or a GPU with bf16, fp16 on other GPUs, "
                        "fp32 on other CPUs, where bf16 is slower), fp32, or bf16 / fp16 (torch)")


def _batch_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--batch-sentences", type=_positive(int), default=2048, metavar="N",
                        help="sentences gathered across documents per encoder call (default 2048): "
                        "fewer use less memory and write each document sooner, more run a little faster")


def _db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", metavar="FILE",
                        help="also index every document written into this store (SQLite; see hebnews "
                        "index); a document that cannot be indexed is reported, its output stays")


def open_db_sink(args):
    """The sink that indexes written documents into ``--db`` (None without it); a store that
    cannot be used is a :class:`CommandError` (exit 5), before anything is annotated."""
    if not getattr(args, "db", None):
        return None
    from ..io.sinks import StoreSink
    from ..store import StoreError

    try:
        return StoreSink(args.db, _err)
    except StoreError as exc:
        raise CommandError(EXIT_OUTPUT, str(exc)) from None


def load_annotator(args, model=None, **kw):
    """The annotator the command's arguments ask for (``model``, else ``--model``, ``--device``, ``--precision``
    and, where the command has them, ``--runtime`` and ``--backend``); a model or device that
    cannot be used is a :class:`CommandError` (exit 3)."""
    from ..annotator import Annotator
    from ..model import ModelError

    for opt in ("runtime", "backend", "batch_sentences"):
        if getattr(args, opt, None) is not None:
            kw.setdefault(opt, getattr(args, opt))
    try:
        return Annotator.load(model or args.model, device=args.device, precision=args.precision, **kw)
    except ModelError as exc:
        raise CommandError(EXIT_MODEL, str(exc)) from None
