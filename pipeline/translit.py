"""Names across scripts: does a Latin spelling (Trump, Zelensky, Puiseux) write the same name as
a Hebrew one (טראמפ, זלנסקי, פואיזה)?

Both spellings become sequences of coarse sound classes (:data:`hebnews.lang.he.HEBREW_SOUNDS`,
:data:`~hebnews.lang.he.LATIN_SOUNDS`): each letter or letter group may stand for a few classes;
a Latin vowel may stand for nothing (Hebrew leaves most vowels out), a Hebrew letter never (its
vowel letters א ה ו י ע need a Latin vowel, or w, h, y, where they stand). An alignment (edit
distance over the classes) counts what does not line up; a name matches when nothing is off,
or one letter in a long name (a silent letter: Schwarzenegger / שוורצנגר), and the Latin word has at least
:data:`MIN_CONSONANTS` consonants (short names, Lee / לי, collide by chance).

A word alone (:func:`same_word`: a surname in an English sentence) must match strongly: the Latin
word has :data:`STRONG_CONSONANTS` consonants, or the Hebrew spelling writes one of its vowels
with a vowel letter (Putin / פוטין, Alaska / אלסקה). A short word whose vowels the Hebrew leaves
out (Force, Press, Peres / פרס) is too common a skeleton to tell a name from an English word; it
matches only as a word of a fuller name (Shimon Peres / שמעון פרס, :func:`same_name`).
"""
from __future__ import annotations

from functools import lru_cache

from .lang.he import GERESH, NAME_HYPHENS
from .lang.sounds import HEBREW_DIGRAPHS, HEBREW_SOUNDS, LATIN_SOUNDS

MIN_CONSONANTS = 3  # a Latin word with fewer consonants matches nothing
LONG_NAME = 6  # consonants from which one may be off
STRONG_CONSONANTS = 4  # a word alone this long needs no vowel written in Hebrew to match
SILENT = "-"
VOWELS = frozenset("AIO")  # the classes of the Hebrew vowel letters א ה ו י ע as vowels

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


def align(a: list[Unit], b: list[Unit]) -> tuple[int, int]:
    """(off, vowels) of the best alignment of Latin units ``a`` with Hebrew units ``b``: the
    fewest consonants that do not line up (a unit that may be silent is dropped for free, units
    with a class in common pair for free, anything else costs one) and, among such alignments,
    the most Latin vowels written by a Hebrew vowel letter (u / ו in Putin / פוטין)."""
    def pair(x: Unit, y: Unit) -> tuple[int, int]:
        shared = (x & y) - {SILENT}
        if shared or (SILENT in x and SILENT in y):
            return 0, -int(SILENT in x and bool(shared & VOWELS))
        return 1, 0

    def add(cell: tuple[int, int], cost: tuple[int, int]) -> tuple[int, int]:
        return cell[0] + cost[0], cell[1] + cost[1]

    def drop(u: Unit) -> tuple[int, int]:
        return int(SILENT not in u), 0

    prev = [(0, 0)]
    for j in range(len(b)):
        prev.append(add(prev[-1], drop(b[j])))
    for i in range(len(a)):
        cur = [add(prev[0], drop(a[i]))]
        for j in range(len(b)):
            cur.append(min(add(prev[j], pair(a[i], b[j])), add(prev[j + 1], drop(a[i])),
                           add(cur[j], drop(b[j]))))
        prev = cur
    return prev[-1][0], -prev[-1][1]


def mismatches(a: list[Unit], b: list[Unit]) -> int:
    """The fewest consonants that do not line up when ``a`` and ``b`` are aligned (:func:`align`)."""
    return align(a, b)[0]


def _fits(latin: str, hebrew: str, strong: bool) -> bool:
    """The word pair writes one name: nothing off (one consonant in a long name) and at least
    MIN_CONSONANTS Latin consonants; ``strong``: also STRONG_CONSONANTS of them or a vowel written."""
    lu, hu = latin_units(latin), hebrew_units(hebrew)
    n = consonants(lu)
    if n < MIN_CONSONANTS:
        return False
    off, vowels = align(lu, hu)
    return off <= (1 if n >= LONG_NAME else 0) and (not strong or n >= STRONG_CONSONANTS or vowels > 0)


@lru_cache(maxsize=4096)
def same_word(latin: str, hebrew: str) -> bool:
    """One Latin word alone and one Hebrew word write the same name, strongly (Trump / טראמפ;
    not Force / פרס)."""
    return _fits(latin, hebrew, strong=True)


def name_words(name: str) -> list[str]:
    """A name's words (spaces and hyphens split them: Jen-Hsun, רושין-רימיני)."""
    for h in NAME_HYPHENS:
        name = name.replace(h, " ")
    return [w.strip(".,()\"'") for w in name.split() if w.strip(".,()\"'")]


@lru_cache(maxsize=4096)
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
    return total >= MIN_CONSONANTS and all(fits_in_name(a, b) for a, b in zip(lw, hw))


@lru_cache(maxsize=4096)
def fits_in_name(latin: str, hebrew: str) -> bool:
    """A word of a longer name: the name as a whole is the evidence, so a word need not match
    strongly (Peres in Shimon Peres), and short words may match too (Jen, Sun), exactly."""
    lu, hu = latin_units(latin), hebrew_units(hebrew)
    if consonants(lu) >= MIN_CONSONANTS:
        return _fits(latin, hebrew, strong=False)
    return consonants(lu) > 0 and mismatches(lu, hu) == 0
