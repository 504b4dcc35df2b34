"""Write stage: documents -> JSON / JSONL files, atomically (temp file in the same folder + rename).

What ``-o PATH`` is decides how it is written (:func:`output_target`): a regular file or a new
path is replaced atomically; a FIFO, a character device (``/dev/null``) or a descriptor entry
(``/dev/stdout``, ``/dev/fd/N``, ``/proc/PID/fd/N``) is written in place, as a stream; a
symlink is never replaced (the same rules apply to what it points at); anything else (a socket,
a block device) is refused.
"""
from __future__ import annotations

import errno
import os
import re
import stat
import tempfile
from pathlib import Path

from .ner import set_span_tags


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_FILE_MODE = 0o666 & ~_umask()  # what open() would give; mkstemp alone gives 0600
_FD_DIR = re.compile(r"^/proc/[^/]+(/task/[^/]+)?/fd$")  # /dev/fd resolves to /proc/self/fd


class UnsupportedOutput(OSError):
    """An output path that is neither a regular file nor a stream we can write in place."""


def _follow_links(path: str) -> tuple[str, bool]:
    """Where a chain of symlinks from ``path`` ends, and whether it ends at a descriptor entry
    (``/proc/PID/fd/N``), whose kernel link is opened as it is, never resolved."""
    for _ in range(40):
        parent = os.path.realpath(os.path.dirname(os.path.abspath(path)))
        path = os.path.join(parent, os.path.basename(path))
        if _FD_DIR.match(parent):
            return path, True
        if not os.path.islink(path):
            return path, False
        path = os.path.join(parent, os.readlink(path))
    raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), path)


def output_target(path: str | os.PathLike) -> tuple[str, Path]:
    """How to write ``path``: ``("replace", real path)`` for a regular file or a path that does
    not exist yet (symlinks followed, so a link stays a link); ``("stream", path)`` for a FIFO,
    a character device or a descriptor entry. A folder raises IsADirectoryError; a socket, a
    block device or any other kind raises :class:`UnsupportedOutput`."""
    target, fd_entry = _follow_links(os.fspath(path))
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        if fd_entry:  # a descriptor that is not open
            raise OSError(errno.EBADF, os.strerror(errno.EBADF), os.fspath(path)) from None
        return "replace", Path(target)
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), os.fspath(path))
    if stat.S_ISFIFO(mode) or stat.S_ISCHR(mode) or (fd_entry and stat.S_ISREG(mode)):
        return "stream", Path(target)
    if stat.S_ISREG(mode):
        return "replace", Path(target)
    kind = "a socket" if stat.S_ISSOCK(mode) else "a block device" if stat.S_ISBLK(mode) else "an unknown file type"
    raise UnsupportedOutput(errno.EINVAL, f"{kind}; only a regular file, a FIFO or a character "
                            "device is written", os.fspath(path))


def open_stream(path: Path):
    """A FIFO, character device or descriptor entry opened for writing in place: never created,
    never truncated (a FIFO blocks here until a reader opens it)."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_NOCTTY)
    return os.fdopen(fd, "w", encoding="utf-8")


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` so that ``path`` holds either its old content or all of the new one
    (a stream, see :func:`output_target`, gets the text written in place)."""
    how, path = output_target(path)
    if how == "stream":
        with open_stream(path) as f:
            f.write(text)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, _FILE_MODE)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def remove_stale_temps(folder: str | os.PathLike, names: set[str] | None = None) -> int:
    """Delete temp files that :func:`atomic_write_text` left behind when its process was killed
    (``.NAME.XXXXXXXX.tmp``); only those for the target ``names`` when given. Returns the count."""
    folder = Path(folder)
    n = 0
    if not folder.is_dir():
        return 0
    for p in folder.iterdir():
        name = p.name
        if not (name.startswith(".") and name.endswith(".tmp") and p.is_file()):
            continue
        target = name[1:-len(".tmp")].rsplit(".", 1)[0]  # strip mkstemp's random part
        if names is not None and target not in names:
            continue
        try:
            p.unlink()
            n += 1
        except OSError:
            pass
    return n


FORMATS = ("json", "jsonl", "html", "conll")
SUFFIX = {"json": ".json", "jsonl": ".jsonl", "html": ".html", "conll": ".conll"}


def render(doc, fmt: str) -> str:
    if fmt == "json":
        return doc.to_json() + "\n"
    if fmt == "jsonl":
        return doc.to_json(pretty=False) + "\n"
    if fmt == "html":
        from .html import render_html

        return render_html(doc.to_dict())
    if fmt == "conll":
        return to_conll(doc.to_dict())
    raise ValueError(f"unknown output format {fmt!r} (expected one of {', '.join(FORMATS)})")


def token_tags(doc: dict) -> list[str]:
    """BIOES tag per token from the entities (an entity covers its whole first token,
    clitic prefix included, as in NEMO token-level annotation)."""
    tags = ["O"] * len(doc["tokens"])
    starts = {t["start"]: i for i, t in enumerate(doc["tokens"])}
    ends = {t["end"]: i for i, t in enumerate(doc["tokens"])}
    for e in doc["entities"]:
        a = starts.get(e.get("token_start", e["start"]))
        b = ends.get(e["end"])
        if a is None or b is None or b < a:
            continue
        set_span_tags(tags, a, b, e["label"])
    return tags


def to_conll(doc: dict) -> str:
    """Token per line, TAB, BIOES tag; a blank line between sentences; comment headers."""
    tags = token_tags(doc)
    lines = [f"# source = {doc['meta'].get('source')}"]
    prev = None
    for tok, tag in zip(doc["tokens"], tags):
        if tok["sentence"] != prev:
            if prev is not None:
                lines.append("")
            s = doc["sentences"][tok["sentence"]]
            lines.append(f"# sent_id = {tok['sentence'] + 1}")
            lines.append("# text = " + " ".join(doc["text"][s["start"]:s["end"]].split()))
            prev = tok["sentence"]
        lines.append(f"{tok['text']}\t{tag}")
    return "\n".join(lines) + "\n\n"
