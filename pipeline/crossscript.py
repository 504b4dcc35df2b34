"""Names in both scripts in one document: a Latin-script mention (an English tweet's "Trump") and
the Hebrew cluster of the same person (דונלד טראמפ) are one cluster.

Two ways a Latin name reaches a Hebrew cluster, both decided by :mod:`hebnews.translit`:

* an entity the model tagged in Latin script joins the one Hebrew cluster of its label that it
  writes (:func:`writes`): a name of several words (English titles before it left out:
  President Trump is Trump) writes one of the cluster's Hebrew mentions word for word, so a
  first name the Hebrew contradicts (Ivanka Trump is not דונלד טראמפ) or does not give (Donald
  Trump is not a cluster that only says טראמפ) is no join; a one-word name writes the cluster's
  surname strongly (:func:`hebnews.translit.same_word`: Trump / טראמפ, not Force / פרס);
* the model rarely tags names inside English text, so a capitalised Latin word outside every
  entity that writes the surname of exactly one Hebrew person cluster becomes a new person
  mention of it (``source: "cross-script"``), with the capitalised words before it that write
  the person's first names (then the surname need only fit as a word of the full name: Shimon
  Peres / שמעון פרס); alone, the surname must match strongly.

A Latin person name must stand like a name in its text (:class:`LatinContext`): not inside a
longer capitalised name (an unrelated capitalised word, not a title, right before it, or any
capitalised word right after it: Associated Press, Air Force, Press Secretary, Trump Tower), not
a word the document also writes in lower case (the press; a common English word), and a rule's
one-word mention does not open a sentence ("Force is ..."). Two fitting clusters are no join.
Nothing else in English text is tagged: only words that write the name of a person the Hebrew
text names.
"""
from __future__ import annotations

import bisect

from .document import Entity
from .lang.he import HEB_LETTER
from .lang.sounds import LATIN_WORD
from .translit import fits_in_name, name_words, same_name, same_word

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


def _is_title(word: str) -> bool:
    return word.rstrip(".") in ENGLISH_TITLES


def latin_name(text: str) -> list[str]:
    """The words of a Latin name without the English titles before it (President Trump: Trump)."""
    words = name_words(text)
    k = 0
    while k < len(words) - 1 and _is_title(words[k]):
        k += 1
    return words[k:]


def writes(latin: list[str], hebrew: list[str]) -> bool:
    """The Latin words write the Hebrew name: one word, its surname (last word) strongly; several,
    every word of it (Donald Trump / דונלד טראמפ; not Ivanka Trump, not Donald Trump / טראמפ)."""
    if not latin or not hebrew:
        return False
    if len(latin) == 1:
        return same_word(latin[0], hebrew[-1])
    return same_name(" ".join(latin), " ".join(hebrew))


def _hebrew_clusters(clusters, label: str | None = None) -> list:
    return [c for c in clusters if HEB_LETTER.search(c.name) and (label is None or c.label == label)]


class LatinContext:
    """Where Latin words stand in a document's tokens: whether a Latin person name is shaped like
    one (see the module's notes)."""

    def __init__(self, tokens):
        self.tokens = tokens
        self.at_start = {t.start: i for i, t in enumerate(tokens)}
        self.at_end = {t.end: i for i, t in enumerate(tokens)}
        # the document's lower-case Latin words: a capitalised one of these is a common word
        self.lower = {t.text for t in tokens if t.kind == "latin" and t.text.islower()}

    def capitalised(self, i: int) -> bool:
        t = self.tokens[i]
        return t.kind == "latin" and bool(LATIN_WORD.match(t.text))

    def next_to(self, i: int, j: int) -> bool:
        """Tokens i and j (= i + 1) are words of one run of text: same sentence, a space between."""
        a, b = self.tokens[i], self.tokens[j]
        return a.sentence == b.sentence and a.end < b.start

    def joined_before(self, first: int) -> bool:
        """An unrelated capitalised word (not a title) right before token ``first``."""
        return first > 0 and self.next_to(first - 1, first) and self.capitalised(first - 1) \
            and not _is_title(self.tokens[first - 1].text)

    def joined_after(self, last: int) -> bool:
        """A capitalised word right after token ``last``: the name is part of a longer one."""
        return last + 1 < len(self.tokens) and self.next_to(last, last + 1) and self.capitalised(last + 1)

    def common(self, word: str) -> bool:
        """``word`` is a common word of the document's English: it is written in lower case too."""
        return word.lower() in self.lower

    def opens_sentence(self, i: int) -> bool:
        t = self.tokens
        return i == 0 or t[i - 1].sentence != t[i].sentence or t[i - 1].text in SENTENCE_END

    def person_shaped(self, first: int, last: int) -> bool:
        """Tokens ``first``..``last`` stand like a person's name (titles before it allowed)."""
        words = [self.tokens[i] for i in range(first, last + 1)]
        while len(words) > 1 and _is_title(words[0].text):
            words.pop(0)
        return all(w.kind == "latin" and LATIN_WORD.match(w.text) for w in words) \
            and not (len(words) == 1 and self.common(words[0].text)) \
            and not self.joined_before(first) and not self.joined_after(last)

    def entity_shaped(self, e) -> bool:
        """A tagged Latin entity stands like a person's name (True when its tokens are not found)."""
        first, last = self.at_start.get(e.start), self.at_end.get(e.end)
        return first is None or last is None or self.person_shaped(first, last)


def _hebrew_names(cluster, texts: dict[str, str]) -> list[list[str]]:
    """The words of the cluster's name and of each other Hebrew mention of it."""
    hebrew = {texts[m] for m in cluster.mentions if m in texts and HEB_LETTER.search(texts[m])} - {cluster.name}
    return [name_words(cluster.name)] + [name_words(h) for h in sorted(hebrew)]


def _writes_cluster(words: list[str], names: list[list[str]]) -> bool:
    """One word writes the cluster's surname; several write one of its Hebrew mentions."""
    if len(words) == 1:
        return writes(words, names[0])
    return any(writes(words, h) for h in names)


def cross_script_links(entities, clusters, cluster_of: dict[str, str], tokens=None) -> dict[str, str]:
    """Latin-script entity id -> the id of the first mention of the one Hebrew cluster of its
    label that it writes (no entry when none or several fit). With the document's ``tokens``, a
    person must also stand like a name (:meth:`LatinContext.entity_shaped`)."""
    links: dict[str, str] = {}
    texts = {e.id: e.text for e in entities}
    hebrew = [(c, _hebrew_names(c, texts)) for c in _hebrew_clusters(clusters)]
    context = LatinContext(tokens) if tokens is not None else None
    for e in entities:
        if not is_latin(e.text):
            continue
        words = latin_name(e.text)
        fits = [c for c, names in hebrew if c.label == e.label and c.id != cluster_of.get(e.id)
                and _writes_cluster(words, names)]
        if len(fits) != 1 or (e.label == "PER" and context is not None and not context.entity_shaped(e)):
            continue
        links[e.id] = fits[0].mentions[0]
    return links


def _first_names(ctx: LatinContext, i: int, names: list[str], taken: set[int]) -> int | None:
    """Index of the first token of the name ending at token ``i`` (the surname): the capitalised
    words before it that write the person's first names (titles before them allowed); None when
    the name is not shaped like one (:meth:`LatinContext.person_shaped`)."""
    tokens = ctx.tokens
    first, k = i, len(names) - 2
    while k >= 0 and first > 0 and first - 1 not in taken and ctx.capitalised(first - 1) \
            and ctx.next_to(first - 1, first) and fits_in_name(tokens[first - 1].text, names[k]):
        first, k = first - 1, k - 1
    return first if ctx.person_shaped(first, i) else None


def _person_fits(ctx: LatinContext, i: int, people, taken: set[int]) -> list[tuple[object, int]]:
    """(cluster, first token) of each Hebrew person (``people``: (cluster, its name's words))
    whose name the words ending at token ``i`` write: the surname as a word of the full name
    with first names before it, or alone strongly and not opening a sentence."""
    out = []
    word = ctx.tokens[i].text
    for c, names in people:
        if not fits_in_name(word, names[-1]):
            continue
        first = _first_names(ctx, i, names, taken)
        if first is None or (first == i and (ctx.opens_sentence(i) or not same_word(word, names[-1]))):
            continue
        out.append((c, first))
    return out


def _entity_tokens(tokens, entities) -> set[int]:
    """Indices of the tokens that overlap an entity (tokens in order, none overlapping)."""
    starts, ends = [t.start for t in tokens], [t.end for t in tokens]
    taken: set[int] = set()
    for e in entities:
        taken.update(range(bisect.bisect_right(ends, e.start), bisect.bisect_left(starts, e.end)))
    return taken


def latin_person_mentions(original: str, tokens, entities, clusters) -> list[tuple[Entity, str]]:
    """New person mentions for Latin-script words outside every entity that write the name of
    exactly one Hebrew person cluster, each with the id of that cluster's first mention (offsets
    into ``original``). Ids go on from the highest entity id; the score is 1.0 (a rule's)."""
    people = [(c, name_words(c.name)) for c in _hebrew_clusters(clusters, "PER")]
    if not people:
        return []
    ctx = LatinContext(tokens)
    taken = _entity_tokens(tokens, entities)
    next_id = max((int(e.id[1:]) for e in entities), default=0) + 1
    out: list[tuple[Entity, str]] = []
    for i, t in enumerate(tokens):
        if i in taken or not ctx.capitalised(i):
            continue
        fits = _person_fits(ctx, i, people, taken)
        if len(fits) != 1:
            continue
        cluster, first = fits[0]
        start, end = tokens[first].start, t.end
        e = Entity(f"e{next_id}", start, end, original[start:end], "PER", 1.0, start, None, SOURCE)
        out.append((e, cluster.mentions[0]))
        taken.update(range(first, i + 1))
        next_id += 1
    return out
