"""What every corpus reader shares: the data directory, the error for a missing file, opening a
(possibly ``xz``-compressed) text file, and the two shapes of gold: token-level
(:class:`Sentence`) and character spans (:class:`GoldSentence`).

Only the standard library is imported here, so the CLI can take :data:`DEFAULT_DATA_DIR` for its
``--data-dir`` defaults without slowing ``--help``.
"""
from __future__ import annotations

import lzma
import os
from dataclasses import dataclass
from pathlib import Path

from ..lang.he import NEMO_TYPES  # noqa: F401  (the readers' label set; standard library only)

# ``--data-dir`` default everywhere: $HEBNEWS_DATA_DIR, else shared/data next to the checkout
DEFAULT_DATA_DIR = Path(os.environ.get("HEBNEWS_DATA_DIR", "../shared/data"))
SPLITS = ("train", "dev", "test")


class DataMissing(FileNotFoundError):
    """A corpus file that a command needs is not in the data directory."""


def need(path: Path) -> Path:
    """``path``, or :class:`DataMissing` naming it when it is not there."""
    if not path.exists():
        raise DataMissing(f"corpus file not found: {path} (pass --data-dir pointing at shared/data)")
    return path


def open_text(path: Path):
    """A UTF-8 text file, read through ``xz`` when its name ends in ``.xz``."""
    need(path)
    if path.suffix == ".xz":
        return lzma.open(path, "rt", encoding="utf-8")
    return open(path, encoding="utf-8")


@dataclass
class Sentence:
    """Token-level gold: whitespace tokens and one tag per token (BIOSE, or a UPOS)."""
    tokens: list[str]
    labels: list[str]


@dataclass
class GoldSentence:
    """Character-span gold: a text and its entities as (start, end, label)."""
    text: str
    spans: list[tuple[int, int, str]]
