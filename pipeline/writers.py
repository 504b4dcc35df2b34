"""Write stage: documents -> JSON / JSONL files, atomically (temp file in the same folder + rename)."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .ner import set_span_tags


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_FILE_MODE = 0o666 & ~_umask()  # what open() would give; mkstemp alone gives 0600


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` so that ``path`` holds either its old content or all of the new one."""
    path = Path(path)
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
        return doc.to_json(indent=1) + "\n"
    if fmt == "jsonl":
        return doc.to_json(indent=None) + "\n"
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
