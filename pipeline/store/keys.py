"""A document's key in the store: when two indexings are the same document.

* ``item:ITEM_ID``: a feed item (``meta.item_id``), so that an item fetched again replaces its
  old row;
* ``url:URL``: a document with ``meta.url``, wherever its output is;
* ``file:LOCATION``: else the output file the document is in (:func:`location`: the resolved
  absolute path; ``PATH:LINE`` for a line of a ``.jsonl`` file). ``annotate --db`` (which knows
  the file it has just written) and ``hebnews index`` (which reads it) give the same location,
  so indexing the outputs again adds nothing; two outputs are two documents also when their
  inputs had the same name (``a/article.txt`` and ``b/article.txt``, both typed
  ``article.txt``). An output folder moved and indexed at its new place takes over its rows
  (the same content from a file that is gone, :meth:`hebnews.store.Store.add`);
* ``input:PATH``: a document written to no file (stdout, a pipe): its input file, resolved
  (``PATH#ID`` for a record of a JSONL run);
* a caller that gives neither (the Python API) gets the keys of store version 2,
  :func:`legacy_key`: ``meta.id`` (with ``meta.source``), ``meta.source``, else the content hash.

Stores of version 2 keyed every document by :func:`legacy_key` (``meta.source`` as typed on the
command line). Their rows are taken over by the new key when the same document is indexed again
(:meth:`hebnews.store.Store.add`): the same content, or the same file (:func:`same_file`).
"""
from __future__ import annotations

import os
import re
from pathlib import Path

from ..readers import text_path

NO_SOURCE = ("-", "<stdin>")  # what meta.source says of standard input


def _text(meta: dict, k: str) -> str | None:
    v = meta.get(k)
    return str(v) if isinstance(v, (str, int)) and str(v) else None


def document_key(meta: dict, chash: str, path: str | None = None, origin: str | None = None) -> str:
    """The key of a document with ``meta`` and content hash ``chash``; ``path``: the
    :func:`location` of the output it is in; ``origin``: for one in no file, :func:`input_origin`."""
    if _text(meta, "item_id"):
        return f"item:{_text(meta, 'item_id')}"
    if _text(meta, "url"):
        return f"url:{_text(meta, 'url')}"
    if path:
        return f"file:{path}"
    if origin:
        return f"input:{origin}"
    return legacy_key(meta, chash)


def legacy_key(meta: dict, chash: str) -> str:
    """The key store version 2 gave a document (kept for the Python API and to find old rows)."""
    if _text(meta, "item_id"):
        return f"item:{_text(meta, 'item_id')}"
    source, rid = _text(meta, "source"), _text(meta, "id")
    if rid:
        return f"source:{source}#{rid}" if source else f"id:{rid}"
    for k in ("url", "source"):
        if _text(meta, k) and _text(meta, k) not in NO_SOURCE:
            return f"{k}:{_text(meta, k)}"
    return f"sha256:{chash}"


def location(path: str | os.PathLike, line: int | None = None) -> str:
    """Where a document is: the file, resolved (symlinks followed, absolute), and for a line of a
    ``.jsonl`` file its number, ``PATH:LINE`` (file-name bytes that are not UTF-8 as ``\\xNN``)."""
    return at_line(text_path(str(Path(path).resolve())), line)


def at_line(loc: str, line: int | None) -> str:
    """The :func:`location` of line ``line`` (None: the whole file) of the file at ``loc``,
    without resolving its path again."""
    return loc + (f":{line}" if line else "")


def location_file(loc: str) -> str:
    """The file of a :func:`location` (a ``.jsonl`` one without its ``:LINE``)."""
    head, sep, tail = loc.rpartition(":")
    return head if sep and tail.isdigit() and head.endswith(".jsonl") else loc


def location_order(loc: str) -> tuple[tuple[str, ...], int]:
    """How locations sort ("path order"): by the file's resolved path, folder by folder (``a/``
    and its files before ``a-b/``), then by line number (line 2 of a ``.jsonl`` before its line
    10). The same order whichever argument or run indexed the files."""
    f = location_file(loc)
    return Path(f).parts, int(loc[len(f) + 1:]) if loc != f else 0


def location_exists(loc: str) -> bool:
    """Whether the file of a :func:`location` is there (its ``\\xNN`` read back as the bytes of
    a file name that is not UTF-8)."""
    f = location_file(loc)
    if os.path.exists(f):
        return True
    if "\\x" not in f:
        return False
    raw = re.sub(rb"\\x([0-9a-fA-F]{2})", lambda m: bytes([int(m.group(1), 16)]), f.encode("utf-8", "surrogateescape"))
    return os.path.exists(raw)


def input_origin(meta: dict) -> str | None:
    """For a document written to no file: its input file, resolved (``PATH#ID`` with
    ``meta.id``); None for standard input or a URL."""
    source = _text(meta, "source")
    if not source or source in NO_SOURCE or "://" in source:
        return None
    rid = _text(meta, "id")
    return str(Path(source).resolve()) + (f"#{rid}" if rid else "")


def same_file(old_path: str | None, loc: str) -> bool:
    """Whether a version-2 row's ``path`` (the file as ``hebnews index`` was given it, relative
    to a folder no longer known) names the file at ``loc``: its names, less a leading ``./`` or
    ``../``, end ``loc``."""
    if not old_path:
        return False
    old = [p for p in old_path.split(os.sep) if p]
    while old and old[0] in (".", ".."):
        old.pop(0)
    new = [p for p in loc.split(os.sep) if p]
    return bool(old) and new[-len(old):] == old
