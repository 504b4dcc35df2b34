"""NEMO and BMC: ``FORM LABEL`` files (BIOSE / BIOES), one token per line, a blank line between
sentences. Both are Ha'aretz news; :func:`bmc_extra` keeps BMC sentences that NEMO does not hold.
"""
from __future__ import annotations

from pathlib import Path

from .base import SPLITS, Sentence, open_text


def read_bmes(path: Path) -> list[Sentence]:
    """NEMO/BMC ``FORM LABEL`` files; blank line between sentences; forms may contain spaces."""
    sents: list[Sentence] = []
    toks: list[str] = []
    labs: list[str] = []
    with open_text(path) as f:
        for line in f:
            line = line.rstrip("\n").rstrip("\r")
            if not line.strip():
                if toks:
                    sents.append(Sentence(toks, labs))
                    toks, labs = [], []
                continue
            form, label = line.rsplit(" ", 1)
            toks.append(form)
            labs.append(label)
    if toks:
        sents.append(Sentence(toks, labs))
    return sents


def nemo_token_single(data_dir: Path | str, split: str, scheme: str = "spmrl") -> list[Sentence]:
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r} (expected one of {', '.join(SPLITS)})")
    return read_bmes(Path(data_dir) / "nemo" / scheme / "gold" / f"token-single_gold_{split}.bmes")


def bmc_split(data_dir: Path | str, part: str, k: int) -> list[Sentence]:
    """One part (train, dev, test) of BMC's random split ``k`` (1, 2 or 3)."""
    return read_bmes(Path(data_dir) / "bmc" / "splits" / f"bmc_split.{part}.{k}.bmes")


def ngrams(tokens: list[str], n: int = 8) -> set[tuple[str, ...]]:
    """The runs of ``n`` tokens of a sentence (a shorter sentence: the sentence itself)."""
    if len(tokens) < n:
        return {tuple(tokens)}
    return {tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)}


def banned_runs(exclude: list[list[str]]) -> set[tuple[str, ...]]:
    """Every 8-token run of the ``exclude`` sentences: a sentence sharing one is left out."""
    banned: set[tuple[str, ...]] = set()
    for toks in exclude:
        banned |= ngrams(toks)
    return banned


def bmc_extra(data_dir: Path | str, exclude: list[list[str]]) -> list[Sentence]:
    """BMC sentences (all three splits' union, each sentence once) that share no 8-token run with
    any sentence in ``exclude``.

    BMC is Ha'aretz news like the HTB: 452 of NEMO's 500 dev sentences and 983 train sentences
    are also in BMC (none of the test sentences). Pass NEMO train+dev+test as ``exclude`` so the
    extra data never carries a dev or test sentence (and does not repeat train ones).
    """
    banned = banned_runs(exclude)
    seen: set[tuple[str, ...]] = set()
    out = []
    for part in ("train", "dev", "test"):
        for s in bmc_split(data_dir, part, 1):
            key = tuple(s.tokens)
            if key in seen or ngrams(s.tokens) & banned:
                continue
            seen.add(key)
            out.append(s)
    return out
