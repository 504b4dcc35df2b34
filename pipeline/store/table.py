"""Rows -> a table for a terminal, CSV or JSONL.

The terminal table is laid out for Hebrew: every line starts with U+200F RIGHT-TO-LEFT MARK, so
a terminal that applies the Unicode bidi algorithm (GNOME Terminal/VTE, Konsole, mlterm, iTerm2)
shows each line right to left, the first column on the right, and the columns stay aligned
(padding is measured in terminal cells: combining marks take none, wide characters two). The
last column is the free text (a quote); on a terminal it is cut to the window's width with …,
in a pipe or a file it is written whole.
"""
from __future__ import annotations

import csv
import json
import re
import unicodedata
from typing import TextIO

from ..document import JSON_LINE_BREAKS
from ..normalize import BIDI_CONTROLS

RLM = "\u200f"
SEPARATOR = "  │  "
# what a document's text may hold that must not reach a terminal or a page as it is: control
# characters (a terminal's escape sequences, what XML forbids) and the bidi controls (an
# override would turn the rest of a line or a page around); lone surrogates cannot be written
_HIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f" + BIDI_CONTROLS + "]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def display(text, limit: int | None = None) -> str:
    """``text`` as a terminal or a page may show it: without control and bidi control characters
    (a lone surrogate becomes U+FFFD); with ``limit``, at most that many characters (cut with …)."""
    text = _SURROGATE.sub("\ufffd", _HIDDEN.sub("", "" if text is None else str(text)))
    if limit is not None and len(text) > limit:
        text = text[:limit - 1].rstrip() + "…"
    return text


def cell_width(text: str) -> int:
    width = 0
    for ch in text:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Cf", "Mn", "Me"):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def clip(text: str, width: int) -> str:
    """``text`` cut to ``width`` cells (with … when cut); newlines become spaces."""
    text = " ".join(display(text).split())
    if cell_width(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        w = cell_width(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out).rstrip() + "…"


def _pad(text: str, width: int) -> str:
    return text + " " * (width - cell_width(text))


def cell(value) -> str:
    """A value as a table or CSV cell: None is empty, a list its items joined by ; (cue;pronoun)."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ";".join(map(str, value))
    return value if isinstance(value, str) else str(value)


def write_table(out: TextIO, columns: list[tuple[str, str]], rows: list[dict], width: int | None,
                max_cell: int = 28) -> None:
    """``columns``: (key, heading) in reading order; the last one is free text. ``width``: the
    terminal's width (None: no cutting of the last column)."""
    cells = [[clip(cell(r.get(k)), max_cell) for k, _ in columns[:-1]] for r in rows]
    heads = [h for _, h in columns]
    widths = [max([cell_width(h)] + [cell_width(c[i]) for c in cells]) for i, h in enumerate(heads[:-1])]
    used = sum(widths) + len(SEPARATOR) * len(widths)
    last_key = columns[-1][0]

    def line(parts: list[str], last: str) -> str:
        fixed = SEPARATOR.join(_pad(p, w) for p, w in zip(parts, widths))
        if width is not None:
            last = clip(last, max(10, width - used - 1))
        else:
            last = " ".join(display(last).split())
        return RLM + (fixed + SEPARATOR if parts else "") + last

    out.write(line(heads[:-1], heads[-1]) + "\n")
    out.write(RLM + "─" * min(used + 40, width or used + 40) + "\n")
    for r, c in zip(rows, cells):
        out.write(line(c, cell(r.get(last_key))) + "\n")


def write_csv(out: TextIO, keys: list[str], rows: list[dict]) -> None:
    w = csv.writer(out, lineterminator="\n")
    w.writerow(keys)
    for r in rows:
        w.writerow([cell(r.get(k)) for k in keys])



def write_jsonl(out: TextIO, keys: list[str], rows: list[dict]) -> None:
    """One JSON object a line, each line one line to any reader."""
    for r in rows:
        out.write(json.dumps({k: r.get(k) for k in keys}, ensure_ascii=False).translate(JSON_LINE_BREAKS) + "\n")
