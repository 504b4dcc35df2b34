"""Names across scripts: the transliteration matcher on real name pairs (and different names),
Latin-script mentions joining the Hebrew cluster of the same person, and the seed's English
tweet."""
from __future__ import annotations

import pytest

from hebnews.clusters import cluster_entities
from hebnews.crossscript import cross_script_links, latin_person_mentions, writes
from hebnews.document import Entity
from hebnews.normalize import normalize
from hebnews.segment import segment
from hebnews.translit import MIN_CONSONANTS, consonants, latin_units, same_name, same_word

from .conftest import FIXTURES, SEED


def _pairs() -> list[tuple[str, str]]:
    rows = (line.rstrip("\n").split("\t") for line in (FIXTURES / "name_pairs.tsv").read_text("utf-8").splitlines())
    return [(r[0], r[1]) for r in rows if r[0] and not r[0].startswith("#")]


def test_real_name_pairs_match_and_different_names_do_not():
    pairs = _pairs()
    assert len(pairs) >= 25
    hits = [p for p in pairs if same_name(*p)]
    # the misses: names of two consonants or fewer (Vos, WeWork: too short to tell), French and
    # Danish silent letters (Puiseux, Fublaines, Stroget), an article glued to the Hebrew (הדסטור)
    assert len(hits) >= 0.7 * len(pairs), sorted(set(pairs) - set(hits))
    for latin, hebrew in pairs:
        if consonants(latin_units(latin.split()[-1])) < MIN_CONSONANTS and len(latin.split()) == 1:
            assert not same_name(latin, hebrew)  # short names never match alone
    # every Latin name against the Hebrew spelling of every other name (another surname): no match
    others = [(a, h) for a, _ in pairs for b, h in pairs if a.split()[-1] != b.split()[-1]]
    assert len(others) > 500
    assert [p for p in others if same_name(*p)] == []


@pytest.mark.parametrize("latin,hebrew,same", [
    ("Donald", "דונלד", True), ("Netanyahu", "נתניהו", True), ("Trump", "טראמפ", True), ("Zelensky", "זלנסקי", True),
    ("Zelenskyy", "זלנסקי", True), ("Schwarzenegger", "שוורצנגר", True),
    ("Chirac", "שיראק", True), ("Mozart", "מוצרט", True),
    # a Hebrew vowel letter needs a vowel in the Latin spelling
    ("Series", "סרזו", False), ("Memory", "המאמר", False), ("Cerca", "חרוש", False),
    ("Lee", "לי", False), ("Trump", "טרומן", False), ("Putin", "פוטנציאל", False)])
def test_word_pairs(latin, hebrew, same):
    assert same_word(latin, hebrew) is same


def test_full_names_and_surnames_with_agreeing_first_names():
    assert writes(["Donald", "Trump"], ["דונלד", "טראמפ"])
    assert writes(["Trump"], ["דונלד", "טראמפ"])
    assert writes(["Donald", "Trump"], ["טראמפ"])
    assert not writes(["Ivanka", "Trump"], ["דונלד", "טראמפ"])
    assert writes(["MacMichael"], ["הרולד", "מק-מייקל"])  # a hyphenated Hebrew surname


def E(eid: str, start: int, end: int, text: str, label: str, token_start: int | None = None) -> Entity:
    """An entity as the model would tag it (score 1.0)."""
    return Entity(eid, start, end, text, label, 1.0, token_start)


def test_a_latin_entity_joins_the_one_hebrew_cluster_of_its_label_that_it_writes():
    ents = [E("e1", 0, 11, "דונלד טראמפ", "PER"), E("e2", 20, 33, "ולדימיר פוטין", "PER"),
            E("e3", 40, 45, "Trump", "PER"), E("e4", 50, 55, "Putin", "ORG"), E("e5", 60, 65, "טראמפ", "PER")]
    clusters, of = cluster_entities(ents)
    links = cross_script_links(ents, clusters, of)
    assert links == {"e3": "e1"}  # Putin tagged ORG does not join the person
    clusters, of = cluster_entities(ents, links)
    assert of["e3"] == of["e1"] == of["e5"] != of["e4"]
    assert {c.id: c for c in clusters}[of["e3"]].name == "דונלד טראמפ"  # the Hebrew name stays the name
    # a fuller Latin name joins a surname-only Hebrew cluster, which keeps its Hebrew name (the
    # cross-document key: it meets דונלד טראמפ of another article there)
    fuller = [E("e1", 0, 5, "טראמפ", "PER"), E("e2", 10, 22, "Donald Trump", "PER")]
    clusters, of = cluster_entities(fuller, cross_script_links(fuller, *cluster_entities(fuller)))
    assert [(c.name, len(c.mentions)) for c in clusters] == [("טראמפ", 2)]
    # two Hebrew people it could be: no join
    two = ents[:3] + [E("e6", 70, 80, "מלניה טראמפ", "PER")]
    clusters, of = cluster_entities(two)
    assert cross_script_links(two, clusters, of) == {}


def _mentions(text: str, people: list[str]):
    _, tokens = segment(normalize(text))
    ents = []
    for n, words in enumerate(people):
        s = text.index(words)
        ents.append(E(f"e{n + 1}", s, s + len(words), words, "PER", s))
    clusters, _ = cluster_entities(ents)
    return [(e.text, e.source, target) for e, target in latin_person_mentions(text, tokens, ents, clusters)]


def test_capitalised_latin_names_of_a_hebrew_person_become_mentions_and_nothing_else_does():
    text = ('נשיא ארה"ב דונלד טראמפ נפגש עם ולדימיר פוטין. בציוץ נכתב: '
            'President Trump met Vladimir Putin and Ivanka Trump. Trump smiled.')
    got = _mentions(text, ["דונלד טראמפ", "ולדימיר פוטין"])
    # after a title, a full name; not Ivanka Trump (another first name), not a word that opens a
    # sentence, not English words that write no one's name here
    assert got == [("Trump", "cross-script", "e1"), ("Vladimir Putin", "cross-script", "e2")]
    # Force / פרס write alike, but a capitalised word that opens a sentence is no name by itself
    assert _mentions("שמעון פרס נאם בכנס. Force is what we need.", ["שמעון פרס"]) == []


def test_the_seeds_english_tweet_names_join_trump_and_putin(annotator):
    doc = annotator.annotate(SEED.read_text("utf-8")).to_dict()
    text = doc["text"]
    tweet = text.index("President Trump")
    by_id = {c["id"]: c for c in doc["clusters"]}
    latin = {e["text"]: by_id[e["cluster"]]["name"] for e in doc["entities"]
             if tweet <= e["start"] < text.index("August 15")}
    assert latin.get("Trump") == "דונלד טראמפ"
    assert latin.get("Putin") == "ולדימיר פוטין"
