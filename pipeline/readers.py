"""Read stage: bytes from a file or stdin -> text, with clear errors for what cannot be read."""
from __future__ import annotations

import sys
from pathlib import Path

BOM = b"\xef\xbb\xbf"


class InputError(ValueError):
    """An input that cannot be annotated; the message is one line naming the input."""


def looks_binary(data: bytes) -> bool:
    """NUL bytes, or many C0 control bytes other than whitespace, in the first 8 KB."""
    head = data[:8192]
    if b"\x00" in head:
        return True
    ctrl = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return len(head) > 0 and ctrl / len(head) > 0.05


def decode(data: bytes, name: str) -> str:
    """UTF-8 (a BOM is dropped: it is not part of the text) or a one-line InputError."""
    if not data.strip():
        raise InputError(f"{name}: empty input")
    if looks_binary(data):
        raise InputError(f"{name}: binary data, not text")
    if data.startswith(BOM):
        data = data[len(BOM):]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{name}: not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset "
                         f"{exc.start}); convert it to UTF-8 first") from None


def read_input(path: str) -> str:
    """A path, or ``-`` for stdin."""
    if path == "-":
        return decode(sys.stdin.buffer.read(), "<stdin>")
    p = Path(path)
    try:
        data = p.read_bytes()
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory") from None
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    return decode(data, path)
