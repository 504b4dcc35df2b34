"""Quote candidates: pairs of quotation marks in the working text.

Rules tell opening and closing marks from gershayim in acronyms (ארה"ב, ש"ח) and from a geresh
inside or at the end of a word (ג'ורג', פרופ'); every pairing that may be a quotation becomes a
candidate and the quote head (:mod:`hebnews.quote_head`) decides.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..lang.he import HEB_LETTER, LETTERS, LIGATURES, POINTS, PREFIX_LETTERS, WORD_FINAL_GERESH

# a character of a word next to a quotation mark: Hebrew (points included), Latin, digits
WORD_CHAR = re.compile(f"[{LETTERS}{LIGATURES}A-Za-z0-9{POINTS}]")
OPEN_BEFORE = set(" \n([{-–—:/,;")  # what may stand right before an opening mark
CLOSE_AFTER = set(" \n.,;:!?)]}-–—/…")  # what may stand right after a closing mark
MAX_QUOTE_CHARS = 4000


@dataclass(frozen=True)
class Candidate:
    open: int  # index of the opening mark (working text)
    close: int  # index of the closing mark
    start: int  # content span, without the marks and surrounding spaces
    end: int


def overlap(a0: int, a1: int, b0: int, b1: int) -> bool:
    """The spans [a0, a1) and [b0, b1) share a character."""
    return a0 < b1 and b0 < a1


def _is_word(ch: str) -> bool:
    return bool(WORD_CHAR.match(ch))


def _run_left(text: str, i: int) -> str:
    j = i
    while j > 0 and _is_word(text[j - 1]):
        j -= 1
    return text[j:i]


def _run_right(text: str, i: int) -> str:
    j = i + 1
    while j < len(text) and _is_word(text[j]):
        j += 1
    return text[i + 1:j]


def _inside_word(text: str, i: int) -> tuple[bool, bool]:
    """Roles of a mark with word characters on both sides: an acronym (צה"ל, ארה"ב, מנכ"לית,
    ח"כים) or a clitic prefix glued to an opening mark (ש"קיים, וה"תנאים)."""
    ch = text[i]
    before, after = _run_left(text, i), _run_right(text, i)
    if ch == "'" and len(before) == 1 and before in PREFIX_LETTERS and len(after) >= 3 \
            and (i < 2 or not _is_word(text[i - 2])):
        # a clitic glued to an opening single quote (ו'אתם תעמדו...'): ו ב ל מ ש ה כ never
        # take a geresh inside a word (ג'ורג', צ'רצ'יל, ז'אק do)
        return True, False
    if ch == '"' and len(before) <= 3 and set(before) <= PREFIX_LETTERS and HEB_LETTER.match(before[0]):
        if len(after) >= 3 or (len(after) == 2 and len(before) == 1):
            return True, False
    return False, False


def mark_roles(text: str, i: int) -> tuple[bool, bool]:
    """(can open, can close) for the quotation mark at ``text[i]``; (False, False) is a
    gershayim / geresh inside or at the end of a word."""
    ch = text[i]
    left = text[i - 1] if i > 0 else " "
    right = text[i + 1] if i + 1 < len(text) else " "
    if _is_word(left) and _is_word(right):
        return _inside_word(text, i)
    can_open = not right.isspace() and (left in OPEN_BEFORE or left == '"' or left == "'" or i == 0
                                        or not (_is_word(left) or left in ".!?,;:"))
    can_close = not left.isspace() and i > 0 and (right in CLOSE_AFTER or right in "\"'" or i + 1 == len(text))
    if ch == "'":
        # a geresh ends ג'ורג', אנקורג', פרופ': never a closing quote after those letters
        if left in WORD_FINAL_GERESH and (i < 2 or _is_word(text[i - 2])):
            can_close = False
        if can_open and not _is_word(right):
            can_open = False
    if can_open and can_close:
        # a mark between non-space characters on both sides, e.g. ("abc") or ,"abc: decide by
        # which side is a word
        if _is_word(right) and not _is_word(left):
            can_close = False
        elif _is_word(left) and not _is_word(right):
            can_open = False
    return can_open, can_close


def _content(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


def find_candidates(text: str) -> list[Candidate]:
    """Pairs of quotation marks in the working text (may overlap; the quote head chooses).

    ``"`` pairs with ``"`` and ``'`` with ``'``, left to right: an opening mark is closed by the
    next mark that can close. An opening mark met while a quote is open is a nested quote (whose
    closing mark may be its own or shared with the outer one) or the sign that the first mark
    was never closed, so every reading becomes a candidate. A quote may run over paragraphs when the
    new paragraph opens with a mark (the newspaper convention); otherwise a paragraph break ends
    an unclosed quote, which is dropped, as are stray marks.
    """
    out: set[Candidate] = set()
    for family in ('"', "'"):
        _pair_marks(text, family, out)
    return sorted(out, key=lambda c: (c.open, c.close))


def _pair_marks(text: str, family: str, out: set[Candidate]) -> None:
    """Add to ``out`` the candidates of one kind of mark (``"`` or ``'``)."""
    openers: list[int] = []  # the first opening mark, then alternative ones inside it
    since = 0  # paragraph breaks after this point end an open quote
    for i, ch in enumerate(text):
        if ch != family:
            continue
        can_open, can_close = mark_roles(text, i)
        if openers and "\n" in text[since:i]:
            nl = text.rfind("\n", since, i)
            if can_open and text[nl + 1:i].strip() == "":
                since = i
                continue  # a mark opening the next paragraph continues the quote
            openers = []
        if openers and i - openers[0] > MAX_QUOTE_CHARS:
            openers = []
        if openers and can_close:
            for o in openers:
                a, b = _content(text, o + 1, i)
                if b > a:
                    out.add(Candidate(o, i, a, b))
            # with marks opened inside it, the first quote may be the outer one of a nested
            # quote that closes later: it stays open for one more closing mark (and for any
            # further inner quotes opened and closed before that mark)
            openers = [openers[0]] if len(openers) > 1 else []
            continue
        if can_open:
            if not openers:
                since = i
            openers.append(i)
