"""HebPipe's training data: morpheme-segmented, UPOS-tagged sentences (HTB + IAHLT UD) and its
list of Hebrew abbreviations.
"""
from __future__ import annotations

from pathlib import Path

from .base import Sentence, open_text
from .bmes import banned_runs, ngrams


def abbreviations(data_dir: Path | str) -> list[str]:
    with open_text(Path(data_dir) / "hebpipe" / "heb_abbr.tab") as f:
        return [line.strip() for line in f if line.strip()]


_FUNCTION_POS = {"ADP", "CCONJ", "SCONJ", "DET"}


def hebpipe_pos_sentences(data_dir: Path | str, exclude: list[list[str]]) -> list[Sentence]:
    """HebPipe's training sentences (HTB + IAHLT UD, morpheme-level UPOS) as whitespace tokens,
    each tagged with the UPOS of its main morpheme (the first that is not a clitic ADP, CCONJ,
    SCONJ or DET: בגוגל -> PROPN), for an auxiliary POS head.

    The file mixes HTB sentences (whose UD split differs from NEMO's SPMRL split) with IAHLT ones:
    a sentence sharing an 8-token run with any ``exclude`` sentence (pass NEMO train+dev+test) is
    dropped, so neither NEMO dev/test text nor a repeat of NEMO train gets in.
    """
    banned = banned_runs(exclude)
    out: list[Sentence] = []
    tokens: list[str] = []
    labels: list[str] = []
    parts: list[tuple[str, str]] = []

    def flush_token():
        if parts:
            main = next((p for p in parts if p[1] not in _FUNCTION_POS), parts[-1])
            tokens.append("".join(f for f, _ in parts))
            labels.append(main[1])
            parts.clear()

    def flush_sentence():
        flush_token()
        if tokens and not (ngrams(tokens) & banned):
            out.append(Sentence(list(tokens), list(labels)))
        tokens.clear()
        labels.clear()

    with open_text(Path(data_dir) / "hebpipe" / "mtldatafile_train.tab.xz") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if len(cols) < 4 or not cols[0]:
                continue
            form, upos, sent, pos = cols[0], cols[1], cols[2], cols[3]
            if sent == "B-SENT":
                flush_sentence()
            if pos in ("O", "B"):
                flush_token()
            parts.append((form, upos))
            if pos in ("O", "E"):
                flush_token()
    flush_sentence()
    return out
