"""Read stage: bytes from a file or stdin -> text, with clear errors for what cannot be read.

Decoding, in order: a UTF-8 or UTF-16 byte-order mark; strict UTF-8; otherwise
charset-normalizer's best guess among the encodings Hebrew text comes in (UTF-16 without a BOM,
windows-1255, ISO-8859-8), accepted only when the result passes our own check that it is Hebrew
text (mostly Hebrew letters, no control characters). Anything else is a one-line error.
"""
from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable

from .document import surrogate_problem

BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
LEGACY = ("utf_16_le", "utf_16_be", "cp1255", "iso8859_8")
NAMES = {"utf_16_le": "utf-16-le", "utf_16_be": "utf-16-be", "cp1255": "windows-1255",
         "iso8859_8": "iso-8859-8"}
_HEB = re.compile("[\u05d0-\u05ea]")
_LETTER = re.compile(r"[^\W\d_]")
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")


Opener = Callable[[str], BinaryIO]  # a path as the user gave it -> its bytes, opened


class InputError(ValueError):
    """An input that cannot be annotated; the message is one line naming the input."""


@dataclass
class Decoded:
    text: str
    encoding: str


def looks_binary(data: bytes) -> bool:
    """NUL bytes, or many C0 control bytes other than whitespace, in the first 8 KB."""
    head = data[:8192]
    if b"\x00" in head:
        return True
    ctrl = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    return len(head) > 0 and ctrl / len(head) > 0.05


def is_hebrew_text(text: str, min_share: float = 0.5) -> bool:
    """Our check on a guessed decoding: mostly Hebrew letters and no control characters."""
    if _CONTROL.search(text):
        return False
    letters = len(_LETTER.findall(text))
    return letters > 0 and len(_HEB.findall(text)) / letters >= min_share


def _guess_legacy(data: bytes) -> Decoded | None:
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - a dependency; fall back to trying each in turn
        from_bytes = None
    candidates: list[str] = []
    if from_bytes is not None:
        best = from_bytes(data, cp_isolation=list(LEGACY)).best()
        if best is not None:
            candidates.append(best.encoding)
    candidates += [c for c in LEGACY if c not in candidates]
    for enc in candidates:
        try:
            text = data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
        if is_hebrew_text(text):
            return Decoded(text, NAMES.get(enc, enc))
    return None


def decode(data: bytes, name: str, encoding: str = "auto") -> Decoded:
    """Bytes -> text (a BOM is dropped: it is not part of the text), or a one-line InputError."""
    if encoding != "auto":
        try:
            text = data.decode(encoding)
        except LookupError:
            raise InputError(f"{name}: unknown encoding {encoding!r}") from None
        except UnicodeDecodeError as exc:
            raise InputError(f"{name}: not valid {encoding} (byte 0x{data[exc.start]:02x} at "
                             f"offset {exc.start})") from None
        problem = surrogate_problem(text)  # utf-7, unicode_escape ... can give one
        if problem:
            raise InputError(f"{name}: decoded as {encoding}, the {problem}")
        return Decoded(text, encoding)
    for bom, enc in BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom):].decode(enc)
            except UnicodeDecodeError as exc:
                raise InputError(f"{name}: {enc} byte-order mark but invalid {enc} at offset "
                                 f"{exc.start + len(bom)}") from None
            if not text.strip():
                raise InputError(f"{name}: empty input")
            return Decoded(text, enc)
    if not data.strip():
        raise InputError(f"{name}: empty input")
    first_bad = None
    try:
        text = data.decode("utf-8")
        if not looks_binary(data):
            return Decoded(text, "utf-8")
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    guessed = _guess_legacy(data)
    if guessed is not None:
        return guessed
    if looks_binary(data) or first_bad is None:
        raise InputError(f"{name}: binary data, not text")
    raise InputError(f"{name}: not valid UTF-8 (byte 0x{data[first_bad]:02x} at offset "
                     f"{first_bad}) and not Hebrew text in UTF-16, windows-1255 or ISO-8859-8; "
                     f"convert it to UTF-8 or pass --encoding")


def read_input(path: str, encoding: str = "auto", opener: Opener | None = None) -> Decoded:
    """A path, or ``-`` for stdin; ``opener`` opens ``path`` when given (errors still name
    ``path``)."""
    if path == "-" and opener is None:
        return decode(sys.stdin.buffer.read(), "<stdin>", encoding)
    try:
        if opener is None:
            data = Path(path).read_bytes()
        else:
            with opener(path) as f:
                data = f.read()
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory") from None
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    return decode(data, path, encoding)


def printable(text: str) -> str:
    """``text`` as text that any UTF-8 writer takes: the bytes of a file name or an argument that
    are not UTF-8 (which Python keeps as lone surrogates, U+DC80..U+DCFF) written as ``\\xNN``,
    any other lone surrogate as ``\\udNNN``."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def not_text(value: str) -> bool:
    """``value`` holds bytes that are not UTF-8 (an argument or a file name): no text."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def text_path(path: str | os.PathLike) -> str:
    """A path as Unicode text for ``meta``, a store, a message: file-name bytes that are not
    UTF-8 (which Python keeps as lone surrogates) are written as ``\\xNN``."""
    return printable(os.fsdecode(path))


def source_meta(path: str, encoding: str, **extra) -> dict:
    """``meta`` for a document read from ``path``; the encoding is noted when not UTF-8."""
    meta = {"source": text_path(path), **extra}
    if encoding != "utf-8":
        meta["encoding"] = encoding
    return meta
