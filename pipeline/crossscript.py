"""Names in both scripts in one document: a Latin-script mention (an English tweet's "Trump") and
the Hebrew cluster of the same person (דונלד טראמפ) are one cluster.

Two ways a Latin name reaches a Hebrew cluster, both decided by :mod:`hebnews.translit`:

* an entity the model tagged in Latin script joins the one Hebrew cluster of its label whose
  fullest name it writes, or whose surname (last word) its last word writes, the first names
  agreeing where both give one (Ivanka Trump is not דונלד טראמפ);
* the model rarely tags names inside English text, so a capitalised Latin word outside every
  entity that writes the surname of exactly one Hebrew person cluster becomes a new person
  mention of it (``source: "cross-script"``), with the capitalised words before it that write
  the person's first names; a word after an unrelated capitalised word (Ivanka Trump, a title
  excepted: President Trump) or opening a sentence ("Force is ...") is left alone.

Two fitting clusters are no join. Nothing else in English text is tagged: only words that
write the name of a person the Hebrew text names.
"""
from __future__ import annotations

from .document import Entity
from .lang.he import HEB_LETTER, LATIN_WORD
from .translit import name_words, same_name, same_word

SOURCE = "cross-script"  # Entity.source of the mentions made here
# English titles that may stand before a name (President Trump, Prime Minister Netanyahu)
ENGLISH_TITLES = frozenset(("President", "Vice", "Prime", "Minister", "Mr", "Mrs", "Ms", "Dr", "Prof", "Sen",
                            "Senator", "Rep", "Gov", "Governor", "General", "Gen", "Chancellor", "King", "Queen",
                            "Prince", "Princess", "Pope", "Judge", "Justice", "Secretary", "Ambassador", "Mayor",
                            "Chairman", "Speaker", "Premier", "Deputy", "Sir", "Lady", "Lord", "Rabbi", "Sheikh",
                            "Former", "CEO", "Leader", "Supreme", "Commander"))
SENTENCE_END = (".", "!", "?", "…")


def is_latin(text: str) -> bool:
    """Latin letters and no Hebrew ones."""
    return any("a" <= ch.lower() <= "z" for ch in text) and not HEB_LETTER.search(text)


def writes(latin: list[str], hebrew: list[str]) -> bool:
    """The Latin words write the Hebrew name: the whole name, or its surname with the first names
    agreeing where both spellings give some."""
    if not latin or not hebrew:
        return False
    if same_name(" ".join(latin), " ".join(hebrew)):
        return True
    if not same_word(latin[-1], hebrew[-1]):
        return False
    return len(latin) == 1 or len(hebrew) == 1 or same_name(" ".join(latin[:-1]), " ".join(hebrew[:-1]))


def _hebrew_clusters(clusters, label: str | None = None) -> list:
    return [c for c in clusters if HEB_LETTER.search(c.name) and (label is None or c.label == label)]


def cross_script_links(entities, clusters, cluster_of: dict[str, str]) -> dict[str, str]:
    """Latin-script entity id -> the id of the first mention of the one Hebrew cluster of its
    label whose name it writes (no entry when none or several fit)."""
    links: dict[str, str] = {}
    hebrew = _hebrew_clusters(clusters)
    for e in entities:
        if not is_latin(e.text):
            continue
        words = name_words(e.text)
        fits = [c for c in hebrew if c.label == e.label and c.id != cluster_of.get(e.id)
                and writes(words, name_words(c.name))]
        if len(fits) == 1:
            links[e.id] = fits[0].mentions[0]
    return links


def _capitalised(t) -> bool:
    return t.kind == "latin" and bool(LATIN_WORD.match(t.text))


def _opens_sentence(tokens, i: int) -> bool:
    return i == 0 or tokens[i - 1].sentence != tokens[i].sentence or tokens[i - 1].text in SENTENCE_END


def _first_names(tokens, i: int, names: list[str], taken: set[int]) -> int | None:
    """Index of the first token of the name ending at token ``i`` (the surname): the capitalised
    words before it that write the person's first names; None when an unrelated capitalised
    word (not a title) stands right before the name."""
    first, k = i, len(names) - 2
    while k >= 0 and first > 0 and first - 1 not in taken and _capitalised(tokens[first - 1]) \
            and tokens[first - 1].end < tokens[first].start and same_name(tokens[first - 1].text, names[k]):
        first, k = first - 1, k - 1
    before = tokens[first - 1] if first > 0 else None
    if before is not None and before.end < tokens[first].start and _capitalised(before) \
            and before.text.rstrip(".") not in ENGLISH_TITLES and first - 1 not in taken:
        return None
    return first


def latin_person_mentions(original: str, tokens, entities, clusters) -> list[tuple[Entity, str]]:
    """New person mentions for Latin-script words outside every entity that write the surname of
    exactly one Hebrew person cluster, each with the id of that cluster's first mention (offsets
    into ``original``). Ids go on from the highest entity id; the score is 1.0 (a rule's)."""
    people = _hebrew_clusters(clusters, "PER")
    if not people:
        return []
    taken = {i for i, t in enumerate(tokens) for e in entities if t.start < e.end and e.start < t.end}
    next_id = max((int(e.id[1:]) for e in entities), default=0) + 1
    out: list[tuple[Entity, str]] = []
    for i, t in enumerate(tokens):
        if i in taken or not _capitalised(t):
            continue
        fits = [c for c in people if same_word(t.text, name_words(c.name)[-1])]
        if len(fits) != 1:
            continue
        first = _first_names(tokens, i, name_words(fits[0].name), taken)
        if first is None or (first == i and _opens_sentence(tokens, i)):
            continue
        start, end = tokens[first].start, t.end
        e = Entity(f"e{next_id}", start, end, original[start:end], "PER", 1.0, start, None, SOURCE)
        out.append((e, fits[0].mentions[0]))
        taken.update(range(first, i + 1))
        next_id += 1
    return out
