"""Entity decoding: BIOSE label sets, constrained (valid-sequence) Viterbi, tags -> spans.

Pure numpy; no torch import here so that decoding and evaluation are cheap to test.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .lang.he import NEMO_TYPES


def biose_labels(types=NEMO_TYPES) -> list[str]:
    return ["O"] + [f"{p}-{t}" for t in types for p in ("B", "I", "E", "S")]


def _split(label: str) -> tuple[str, str | None]:
    if label == "O":
        return "O", None
    prefix, _, typ = label.partition("-")
    return prefix, typ


def set_span_tags(tags: list[str], a: int, b: int, label: str) -> None:
    """Write BIOSE tags for an entity over tokens a..b (inclusive) into ``tags``."""
    if a == b:
        tags[a] = f"S-{label}"
        return
    tags[a] = f"B-{label}"
    for i in range(a + 1, b):
        tags[i] = f"I-{label}"
    tags[b] = f"E-{label}"


def allowed_transitions(labels: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Boolean masks: start[j], trans[i, j], end[i] for a valid BIOSE sequence."""
    n = len(labels)
    parts = [_split(lab) for lab in labels]
    start = np.array([p in ("O", "B", "S") for p, _ in parts])
    end = np.array([p in ("O", "E", "S") for p, _ in parts])
    trans = np.zeros((n, n), dtype=bool)
    for i, (pi, ti) in enumerate(parts):
        for j, (pj, tj) in enumerate(parts):
            if pi in ("O", "E", "S"):
                trans[i, j] = pj in ("O", "B", "S")
            else:  # inside an open entity: continue it with I or close it with E, same type
                trans[i, j] = pj in ("I", "E") and tj == ti
    return start, trans, end


class BiosDecoder:
    """Viterbi over per-token log-probabilities restricted to valid BIOSE sequences."""

    def __init__(self, labels: list[str]):
        self.labels = list(labels)
        start, trans, end = allowed_transitions(self.labels)
        neg = -1e9
        self.start = np.where(start, 0.0, neg)
        self.trans = np.where(trans, 0.0, neg)
        self.end = np.where(end, 0.0, neg)

    def decode(self, logprobs: np.ndarray) -> list[int]:
        n = logprobs.shape[0]
        if n == 0:
            return []
        score = self.start + logprobs[0]
        back = np.zeros((n, logprobs.shape[1]), dtype=np.int64)
        for t in range(1, n):
            cand = score[:, None] + self.trans  # (from, to)
            back[t] = cand.argmax(0)
            score = cand.max(0) + logprobs[t]
        score = score + self.end
        best = [int(score.argmax())]
        for t in range(n - 1, 0, -1):
            best.append(int(back[t, best[-1]]))
        return best[::-1]


@dataclass(frozen=True)
class TagSpan:
    start: int  # first token index
    end: int  # last token index + 1
    label: str


def tag_spans(tags: list[str]) -> list[TagSpan]:
    """Strict BIOSE spans (seqeval strict mode): only well-formed B I* E and S are entities."""
    spans: list[TagSpan] = []
    open_start, open_type = None, None
    for i, tag in enumerate(tags):
        p, typ = _split(tag)
        if p == "S":
            spans.append(TagSpan(i, i + 1, typ))
            open_start = None
        elif p == "B":
            open_start, open_type = i, typ
        elif p == "I":
            if open_start is None or typ != open_type:
                open_start = None
        elif p == "E":
            if open_start is not None and typ == open_type:
                spans.append(TagSpan(open_start, i + 1, typ))
            open_start = None
        else:
            open_start = None
    return spans
