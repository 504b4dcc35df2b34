"""Segment stage: working text -> tokens and sentences, with offsets into the original text.

Hebrew-aware rules, following the tokenisation of the Hebrew Treebank / NEMO:

* acronyms with gershayim stay one token (ארה"ב, צה"ל, מנכ"לית, בארה"ב);
* names with geresh stay one token (אנקורג', ג'ורג', צ'רצ'יל) and so do geresh abbreviations
  (פרופ', גב');
* abbreviations with periods from HebPipe's list (ק.ג.ב, אף.בי.איי) and single-letter initials
  (פ. in פ. לוי) keep their periods;
* numbers keep their inner punctuation (1,000 3.5 22:00 15.8.2025 1989-90 50%), also with a
  glued prefix (כ15-20, ב-15 is three tokens as in the treebank);
* URLs, e-mail addresses, hashtags and @mentions are one token; Latin-script runs are one token
  (iPad, COVID-19); hyphens between words are their own token (בין-משרדית → בין - משרדית);
* every other punctuation mark is a token; runs such as ... ?! are one token.

Sentences end after . ! ? … (with the closing quotes and brackets glued to them) and at line
breaks. Niqqud and cantillation marks stay inside their word.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from .lang.he import COMBINING_MARKS as MARK
from .lang.he import GERESH_ABBREVIATIONS, GERESH_LETTERS, PREFIX_CHARS
from .lang.he import WORD_LETTERS as LETTER
from .normalize import NormalizedText

HW = f"[{LETTER}][{LETTER}{MARK}]*"
LATIN = "A-Za-z\u00c0-\u024f\u1e00-\u1eff"
PREFIX = f"[{PREFIX_CHARS}]{{1,3}}"
TERMINAL = re.compile(r"^(?:[.!?]+|…|\.\.\.+)$|^[!?]*[.!?]$")
CLOSERS = set("\"')]}")


def _abbreviations() -> list[str]:
    text = resources.files("hebnews.resources").joinpath("heb_abbr.txt").read_text("utf-8")
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


@lru_cache(maxsize=1)
def token_regex() -> re.Pattern:
    abbr = sorted(set(_abbreviations()) | set(GERESH_ABBREVIATIONS), key=len, reverse=True)
    abbr_alt = "|".join(re.escape(a) for a in abbr)
    parts = [
        r"(?P<url>(?:https?://|www\.)[^\s<>\"'״”]+)",
        r"(?P<email>[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)",
        rf"(?P<tag>[#@][{LETTER}{MARK}{LATIN}0-9_]+)",
        rf"(?P<abbr>(?:{abbr_alt})(?![{LETTER}{LATIN}0-9]))",
        rf"(?P<initial>[{LETTER}]\.(?=[ ]?[{LETTER}]))",
        rf"(?P<number>(?:{PREFIX})?[0-9]+(?:[.,:/-][0-9]+)*%?)",
        # a Hebrew word, with inner gershayim/geresh (ארה"ב, צ'רצ'יל) and a final geresh after
        # the letters that take one for foreign sounds (אנקורג', ז'אק is covered by the inner rule)
        rf"(?P<heb>{HW}(?:[\"']{HW})*(?:(?<=[{GERESH_LETTERS}])'(?![{LETTER}]))?)",
        rf"(?P<latin>[{LATIN}0-9](?:[{LATIN}0-9]|['.&-](?=[{LATIN}0-9]))*)",
        r"(?P<punct>\.{2,}|[!?]{2,}|-{2,}|[^\s])",
    ]
    return re.compile("|".join(parts))


@dataclass
class Token:
    start: int  # offsets into the ORIGINAL text
    end: int
    text: str  # original text[start:end]
    norm: str  # the working (folded) form, what the model sees
    kind: str  # url, email, tag, abbr, initial, number, heb, latin, punct
    wstart: int  # offsets into the working text
    wend: int
    sentence: int = -1


@dataclass
class Sentence:
    start: int
    end: int
    first: int  # index of the first token
    last: int  # index after the last token


_TRAILING_URL = ".,;:!?)]}"


def tokenize(nt: NormalizedText) -> list[Token]:
    """Tokens over the working text, each carrying exact original offsets."""
    work = nt.text
    tokens: list[Token] = []
    for m in token_regex().finditer(work):
        kind = m.lastgroup
        ws, we = m.start(), m.end()
        if kind == "url":
            while we > ws + 1 and work[we - 1] in _TRAILING_URL:
                we -= 1
        s, e = nt.to_original(ws, we)
        tokens.append(Token(s, e, nt.original[s:e], work[ws:we], kind, ws, we))
        if we < m.end():  # punctuation trimmed off a URL becomes its own tokens
            for k in range(we, m.end()):
                s2, e2 = nt.to_original(k, k + 1)
                tokens.append(Token(s2, e2, nt.original[s2:e2], work[k], "punct", k, k + 1))
    return tokens


def split_sentences(nt: NormalizedText, tokens: list[Token]) -> list[Sentence]:
    """Sentence boundaries after terminal punctuation (plus glued closers) and at line breaks."""
    work = nt.text
    sentences: list[Sentence] = []
    first = 0
    n = len(tokens)
    i = 0
    while i < n:
        end_here = False
        tok = tokens[i]
        if TERMINAL.match(tok.norm) and tok.kind == "punct":
            # glue closing quotes/brackets written right after the mark
            while i + 1 < n and tokens[i + 1].norm in CLOSERS and tokens[i + 1].wstart == tokens[i].wend:
                i += 1
            end_here = True
        if i + 1 < n and "\n" in work[tokens[i].wend:tokens[i + 1].wstart]:
            end_here = True
        if end_here or i + 1 == n:
            sentences.append(Sentence(tokens[first].start, tokens[i].end, first, i + 1))
            for t in tokens[first:i + 1]:
                t.sentence = len(sentences) - 1
            first = i + 1
        i += 1
    return sentences


def segment(nt: NormalizedText) -> tuple[list[Sentence], list[Token]]:
    tokens = tokenize(nt)
    return split_sentences(nt, tokens), tokens
