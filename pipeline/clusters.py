"""Entity clusters: mentions of one entity in one document share a cluster.

Rules over the entity layer (prefixes are already stripped from entity spans):

* same label and the same text -> same cluster;
* before clustering, mentions with the same words take the label most of them carry
  (:func:`vote_labels`: the tagger is sometimes inconsistent within a document);
* a person mention whose words are a contiguous part of a fuller person name at the start or
  the end (טראמפ, דונלד טראמפ; פוטין, ולדימיר פוטין) joins that name's cluster; when several
  full names fit (two people called פרס), the nearest one before the mention wins, else the
  nearest after; a mention with another label joins a person when its words are a person
  mention's words (טראמפ tagged GPE once) or, unless it is a place, the person's surname
  (פוטין tagged ORG): the country ישראל stays apart from ישראל כץ, the city לונדון from ירון
  לונדון;
* a one-word person mention that no full name contains but that is one letter away from the
  surname of a full person name (סילבר / גון סילר, דוקקיס / מייקל דוקאקיס: foreign names are
  spelt several ways in Hebrew, sometimes in one article) joins that name, when both are at
  least four letters long;
* the canonical name is the fullest mention (most words; the first such one) in Hebrew script
  when the cluster has one (a Latin name joined to it, :mod:`hebnews.crossscript`, never names
  it); the cluster's label is the one most of its mentions carry (a tie: the canonical name's),
  and the annotator gives it to every mention.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .lang.he import HEB_LETTER, NAME_EDGE


def _words(text: str) -> tuple[str, ...]:
    return tuple(w.strip(NAME_EDGE) for w in text.split() if w.strip(NAME_EDGE))


def _one_edit(a: str, b: str) -> bool:
    """a and b differ by exactly one inserted, deleted or replaced letter."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i + (len(a) == len(b)):] == b[i + 1:]


def _variant_of(short: tuple[str, ...], full: tuple[str, ...]) -> bool:
    return (len(short) == 1 and len(full) >= 2 and len(short[0]) >= 4 and len(full[-1]) >= 4
            and _one_edit(short[0], full[-1]))


def _deletions(word: str) -> set[str]:
    """The word and the word with one letter deleted: two words one edit apart share a key."""
    return {word} | {word[:i] + word[i + 1:] for i in range(len(word))}


# labels of places: a place is not joined to a person whose first name or surname it is
PLACE_LABELS = {"GPE", "LOC"}


def vote_labels(entities) -> int:
    """One label per name in a document: mentions with the same words take the label most of
    them carry (טראמפ tagged PER six times and GPE once is PER; a tie keeps each label). Returns
    how many labels changed; ``entities`` are changed in place."""
    by_words: dict[tuple[str, ...], list] = {}
    for e in entities:
        w = _words(e.text)
        if w:
            by_words.setdefault(w, []).append(e)
    changed = 0
    for members in by_words.values():
        counts: dict[str, int] = {}
        for e in members:
            counts[e.label] = counts.get(e.label, 0) + 1
        ranked = sorted(counts.items(), key=lambda kv: -kv[1])
        if len(ranked) < 2 or ranked[0][1] == ranked[1][1]:
            continue
        for e in members:
            if e.label != ranked[0][0]:
                e.label = ranked[0][0]
                changed += 1
    return changed


@dataclass
class Cluster:
    id: str
    name: str
    label: str
    mentions: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "label": self.label, "mentions": list(self.mentions)}


def cluster_entities(entities, links: dict[str, str] | None = None) -> tuple[list[Cluster], dict[str, str]]:
    """Clusters (in order of first mention) and entity id -> cluster id.

    ``entities``: objects with ``id``, ``start``, ``text``, ``label``, in document order.
    ``links``: more entity id -> entity id joins (a Latin-script name and the Hebrew name it
    writes, :mod:`hebnews.crossscript`). A linked mention, and the mentions with its label and
    words, join through the link only, not the same-script name they are part of (Trump linked
    to דונלד טראמפ does not bring the Ivanka Trump of its English sentence along); a linked
    mention never names a cluster that has others, a Latin one never a cluster with Hebrew ones.
    """
    ents = list(entities)
    links = links or {}
    words = {e.id: _words(e.text) for e in ents}
    parent = _full_forms(ents, words, _PersonIndex.build(ents, words))
    labels_of = {e.id: e.label for e in ents}
    linked = {(e.label, words[e.id]) for e in ents if e.id in links}
    parent = {c: t for c, t in parent.items() if (labels_of[c], words[c]) not in linked} if linked else parent
    clusters: list[Cluster] = []
    of_entity: dict[str, str] = {}
    for members in sorted(_union(ents, words, parent, links), key=lambda m: m[0].start):
        named = ([e for e in members if HEB_LETTER.search(e.text)]
                 or [e for e in members if e.id not in links] or members)
        best = max(named, key=lambda e: (len(words[e.id]), len(e.text), -e.start))
        labels = [e.label for e in members]
        c = Cluster(f"c{len(clusters) + 1}", best.text,
                    max(sorted(set(labels)), key=lambda lab: (labels.count(lab), lab == best.label)),
                    [e.id for e in members])
        clusters.append(c)
        for e in members:
            of_entity[e.id] = c.id
    return clusters, of_entity


@dataclass
class _PersonIndex:
    """Person names indexed by their words, their leading and trailing parts and the one-letter
    deletions of their surname, so that a 1 MB article's 8,000 mentions are not compared pairwise."""
    exact: dict[tuple[str, ...], list] = field(default_factory=dict)
    heads: dict[tuple[str, ...], list] = field(default_factory=dict)
    tails: dict[tuple[str, ...], list] = field(default_factory=dict)
    near_surname: dict[str, list] = field(default_factory=dict)

    @classmethod
    def build(cls, ents, words) -> "_PersonIndex":
        index = cls()
        for f in ents:
            fw = words[f.id]
            if f.label != "PER" or not fw:
                continue
            index.exact.setdefault(fw, []).append(f)
            for k in range(1, len(fw)):
                index.heads.setdefault(fw[:k], []).append(f)
                index.tails.setdefault(fw[-k:], []).append(f)
            if len(fw) >= 2 and len(fw[-1]) >= 4:
                for key in _deletions(fw[-1]):
                    index.near_surname.setdefault(key, []).append(f)
        return index


def _full_forms(ents, words, index: _PersonIndex) -> dict[str, str]:
    """Entity id -> id of the entity whose cluster it joins: a mention that is part of another
    mention's name joins the nearest such name before it, else the nearest after."""
    parent: dict[str, str] = {}
    for e in ents:
        w = words[e.id]
        if not w:
            continue
        # a part of a person's name; also a mention the tagger labelled otherwise (פוטין as ORG)
        # whose words are a person's mention, or a person's surname when it is not a place
        # (the country ישראל is not ישראל כץ, the city לונדון not ירון לונדון)
        if e.label == "PER":
            fits = index.heads.get(w, []) + index.tails.get(w, [])
        else:
            fits = index.exact.get(w, []) + ([] if e.label in PLACE_LABELS else index.tails.get(w, []))
        if not fits and e.label == "PER" and len(w) == 1:
            fits = [f for key in _deletions(w[0]) for f in index.near_surname.get(key, [])
                    if _variant_of(w, words[f.id])]
        if not fits:
            continue
        before = [f for f in fits if f.start < e.start]
        target = max(before, key=lambda f: f.start) if before else min(fits, key=lambda f: f.start)
        parent[e.id] = target.id
    return parent


def _union(ents, words, parent: dict[str, str], links: dict[str, str]) -> list[list]:
    """The mentions grouped by same label and text and by the ``parent`` and ``links`` joins,
    each group in document order."""
    root: dict[str, str] = {}

    def find(x: str) -> str:
        while root.get(x, x) != x:
            x = root[x]
        return x

    by_text: dict[tuple[str, tuple[str, ...]], str] = {}
    for e in ents:
        root.setdefault(e.id, e.id)
        key = (e.label, words[e.id])
        if key in by_text:
            root[find(e.id)] = find(by_text[key])
        else:
            by_text[key] = e.id
    for child, target in list(parent.items()) + list(links.items()):
        a, b = find(child), find(target)
        if a != b:
            root[a] = b
    groups: dict[str, list] = {}
    for e in ents:
        groups.setdefault(find(e.id), []).append(e)
    return list(groups.values())
