"""Write stage: documents -> JSON / JSONL files, atomically (temp file in the same folder + rename)."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` so that ``path`` holds either its old content or all of the new one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
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


def render(doc, fmt: str) -> str:
    if fmt == "json":
        return doc.to_json(indent=1) + "\n"
    if fmt == "jsonl":
        return doc.to_json(indent=None) + "\n"
    raise ValueError(f"unknown output format {fmt!r} (expected json or jsonl)")
