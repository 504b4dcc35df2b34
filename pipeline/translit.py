"""Names across scripts: does a Latin spelling (Trump, Zelensky, Puiseux) write the same name as
a Hebrew one (טראמפ, זלנסקי, פואיזה)?

Both spellings become sequences of coarse sound classes (:data:`hebnews.lang.he.HEBREW_SOUNDS`,
:data:`~hebnews.lang.he.LATIN_SOUNDS`): each letter or letter group may stand for a few classes;
a Latin vowel may stand for nothing (Hebrew leaves most vowels out), a Hebrew letter never (its
vowel letters א ה ו י ע need a Latin vowel, or w, h, y, where they stand). An alignment (edit
distance over the classes) counts what does not line up; a name matches when nothing is off,
or one letter in a long name (a silent letter: Schwarzenegger / שוורצנגר), and the Latin word has at least
:data:`MIN_CONSONANTS` consonants (short names, Lee / לי, collide by chance).
"""
from __future__ import annotations

from functools import lru_cache

from .lang.he import GERESH, HEBREW_DIGRAPHS, HEBREW_SOUNDS, LATIN_SOUNDS, NAME_HYPHENS

MIN_CONSONANTS = 3  # a Latin word with fewer consonants matches nothing
LONG_NAME = 6  # consonants from which one may be off
SILENT = "-"

Unit = frozenset  # the classes one letter (group) may stand for; SILENT among them: may be nothing


def _unit(spec: str) -> list[Unit]:
    """"K+S" -> two units; "H -" -> one unit of H or nothing; "" -> one unit of nothing."""
    return [Unit(part.split() or [SILENT]) for part in spec.split("+")]


def hebrew_units(word: str) -> list[Unit]:
    """The classes of a Hebrew word's letters (ג' and וו as one letter; marks dropped)."""
    w = word.replace(GERESH, "'")
    out: list[Unit] = []
    i = 0
    while i < len(w):
        pair = w[i:i + 2]
        if pair in HEBREW_DIGRAPHS:
            out += _unit(HEBREW_DIGRAPHS[pair])
            i += 2
        else:
            if w[i] in HEBREW_SOUNDS:
                out += _unit(HEBREW_SOUNDS[w[i]])
            i += 1
    return out


_LATIN_GROUPS = sorted(LATIN_SOUNDS, key=len, reverse=True)


def latin_units(word: str) -> list[Unit]:
    """The classes of a Latin word's letters and letter groups (a doubled letter counts once)."""
    w = word.lower()
    out: list[Unit] = []
    i = 0
    while i < len(w):
        g = next((g for g in _LATIN_GROUPS if w.startswith(g, i)), None)
        if g is None:
            i += 1
            continue
        if not (g == w[i - 1:i] and i > 0 and len(g) == 1):  # ll, tt, ss: one sound
            out += _unit(LATIN_SOUNDS[g])
        i += len(g)
    return out


def consonants(units: list[Unit]) -> int:
    """How many units cannot stand for nothing (of a Latin word: its consonants)."""
    return sum(SILENT not in u for u in units)


def mismatches(a: list[Unit], b: list[Unit]) -> int:
    """The fewest consonants that do not line up when ``a`` and ``b`` are aligned: a unit that
    may be silent is dropped for free, units with a class in common pair for free, anything else
    costs one."""
    prev = [0] * (len(b) + 1)
    for j in range(1, len(b) + 1):
        prev[j] = prev[j - 1] + (SILENT not in b[j - 1])
    for i in range(1, len(a) + 1):
        cur = [prev[0] + (SILENT not in a[i - 1])] + [0] * len(b)
        for j in range(1, len(b) + 1):
            pair = 0 if (a[i - 1] & b[j - 1]) - {SILENT} or (SILENT in a[i - 1] and SILENT in b[j - 1]) else 1
            cur[j] = min(prev[j - 1] + pair, prev[j] + (SILENT not in a[i - 1]), cur[j - 1] + (SILENT not in b[j - 1]))
        prev = cur
    return prev[-1]


@lru_cache(maxsize=4096)
def same_word(latin: str, hebrew: str) -> bool:
    """One Latin word and one Hebrew word write the same name (Trump / טראמפ)."""
    lu, hu = latin_units(latin), hebrew_units(hebrew)
    n = consonants(lu)
    if n < MIN_CONSONANTS:
        return False
    return mismatches(lu, hu) <= (1 if n >= LONG_NAME else 0)


def name_words(name: str) -> list[str]:
    """A name's words (spaces and hyphens split them: Jen-Hsun, רושין-רימיני)."""
    for h in NAME_HYPHENS:
        name = name.replace(h, " ")
    return [w.strip(".,()\"'") for w in name.split() if w.strip(".,()\"'")]


def same_name(latin: str, hebrew: str) -> bool:
    """A Latin and a Hebrew spelling of one full name: as many words, each the same word, and
    the name as a whole has at least MIN_CONSONANTS consonants in Latin (Jennie June / ג'ני
    ג'ון); or, with a different number of words, the words run together (MacMichael / מק-מייקל)."""
    lw, hw = name_words(latin), name_words(hebrew)
    if not lw or not hw:
        return False
    if len(lw) != len(hw):  # MacMichael / מק-מייקל: the words run together
        return same_word("".join(lw), "".join(hw))
    if len(lw) == 1:
        return same_word(lw[0], hw[0])
    total = sum(consonants(latin_units(w)) for w in lw)
    return total >= MIN_CONSONANTS and all(_word_pair(a, b) for a, b in zip(lw, hw))


def _word_pair(latin: str, hebrew: str) -> bool:
    """A word of a longer name: short words may match too (Jen, Sun), exactly."""
    lu, hu = latin_units(latin), hebrew_units(hebrew)
    if consonants(lu) >= MIN_CONSONANTS:
        return same_word(latin, hebrew)
    return consonants(lu) > 0 and mismatches(lu, hu) == 0
