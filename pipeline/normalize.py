"""Normalise stage: original text -> working text + an exact offset map back to the original.

The original text is never changed. The working copy folds look-alike characters so that later
stages see one form of each:

* gershayim ״ (U+05F4) and typographic double quotes “ ” „ ‟ « » → ``"``
* geresh ׳ (U+05F3) and typographic single quotes ‘ ’ ‚ ‛ → ``'``
* maqaf ־ (U+05BE) and the dashes ‐ ‑ ‒ → ``-`` (en/em dashes – — stay: they separate clauses)
* NBSP and the other Unicode spaces → `` ``; CRLF and CR → ``\\n``
* bidi control marks (LRM, RLM, ALM, embeddings, overrides, isolates), zero-width spaces and
  joiners, soft hyphens and the BOM are removed.

Offsets: ``NormalizedText.to_original(start, end)`` maps a working-text span to the original
span it came from; removed characters that sit inside the span are covered by it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

FOLD = {
    "\u05f4": '"', "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"',
    "\u00ab": '"', "\u00bb": '"', "\uff02": '"',
    "\u05f3": "'", "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\uff07": "'",
    "\u05be": "-", "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2212": "-",
    "\u00a0": " ", "\u2000": " ", "\u2001": " ", "\u2002": " ", "\u2003": " ", "\u2004": " ",
    "\u2005": " ", "\u2006": " ", "\u2007": " ", "\u2008": " ", "\u2009": " ", "\u200a": " ",
    "\u202f": " ", "\u205f": " ", "\u3000": " ", "\t": " ", "\x0b": "\n", "\x0c": "\n",
    "\u2028": "\n", "\u2029": "\n", "\x85": "\n",
}
BIDI_CONTROLS = (
    "\u200e\u200f\u061c"  # LRM RLM ALM
    "\u202a\u202b\u202c\u202d\u202e"  # embeddings / overrides
    "\u2066\u2067\u2068\u2069"  # isolates
)
REMOVE = set(
    BIDI_CONTROLS
    + "\u200b\u200c\u200d\u2060\ufeff\u00ad"  # zero-width space/joiners, word joiner, BOM, soft hyphen
)


@dataclass
class NormalizedText:
    original: str
    text: str  # the working copy
    starts: np.ndarray  # (len(text),) original index of each working character
    ends: np.ndarray  # (len(text),) original end (exclusive) of each working character

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Working span [start, end) -> original span. Empty spans map to an empty span."""
        if end <= start:
            pos = int(self.starts[start]) if start < len(self.starts) else len(self.original)
            return pos, pos
        return int(self.starts[start]), int(self.ends[end - 1])


_TABLE = str.maketrans(FOLD)
_SLOW = re.compile("[\r" + "".join(sorted(REMOVE)) + "]")


def normalize(text: str) -> NormalizedText:
    if not isinstance(text, str):
        raise TypeError(f"normalize() needs str, got {type(text).__name__}")
    if not _SLOW.search(text):  # one character in, one out: the map is the identity
        idx = np.arange(len(text), dtype=np.int64)
        return NormalizedText(text, text.translate(_TABLE), idx, idx + 1)
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\r":
            j = i + 2 if i + 1 < n and text[i + 1] == "\n" else i + 1
            out.append("\n")
            starts.append(i)
            ends.append(j)
            i = j
            continue
        if ch in REMOVE:
            i += 1
            continue
        out.append(FOLD.get(ch, ch))
        starts.append(i)
        ends.append(i + 1)
        i += 1
    return NormalizedText(text, "".join(out), np.asarray(starts, dtype=np.int64),
                          np.asarray(ends, dtype=np.int64))
