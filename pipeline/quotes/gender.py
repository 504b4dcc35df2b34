"""Speaker gender: what the Hebrew text says about the gender of each quote's speaker.

Hebrew inflects for gender the words that agree with a person, so the text usually says whether
a speaker is a man or a woman without naming it. The evidence, each piece with its *kind*:

* ``cue``: the attributing verb or participle of the quote (אמר / אמרה, מוסיף / מוסיפה, ציין /
  ציינה, אומר / אומרת; a speech verb of :data:`hebnews.lang.he.MASCULINE_VERBS`); a plural, a
  passive (נאמר) or a form that is the same for both (עונה, מודה) says nothing;
* ``suffix``: a speech noun with a possessive suffix as cue or mention (לדבריו / לדבריה,
  לדעתו, לטענתה, תגובתו);
* ``pronoun``: the mention is הוא or היא;
* ``title``: a person noun with two forms in the mention, right before a mention of the speaker
  or in apposition after it (השופטת דליה קובל, דוברת המשטרה, אילנה נחום, המזכירה של ... / מזכירת
  הקיבוץ), read over an adjective (הפסיכולוגית הטורקייה קרלה באראן); an adjective by itself says
  nothing (הליגה הלאומית מיקי ברקוביץ: it agrees with הליגה);
* ``agreement``: a speech verb or agreeing adjective right after another mention of the speaker
  (נמיר הודיעה כי, ללקין מודע) or right before it (אומרת אנגלמן), outside quotations; a mention
  after a preposition or של (אשתו של X אמרה) gives none.

A speaker that is an entity cluster pools the evidence of all its quotes and mentions in the
document: a quote whose cue tells nothing (אומרים, עונה, no cue) takes the gender the rest of the
cluster gives. **Any conflict gives null**, never a guess. Only people get a gender: a speaker
resolved to an organisation, a place or a document does not, and a speaker that is no entity
only when its description is headed by a person noun (דובר צה"ל, אשה מבוגרת).

``gender_from`` lists the kinds of the evidence behind the gender, and ``cluster`` when
evidence from the speaker's other quotes or mentions was used.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass

from ..lang.he import (ARTICLE, FEMININE_NOUNS, FEMININE_VERBS, GENDER_CLITICS, MASCULINE_NOUNS,
                       MASCULINE_VERBS, OBLIQUE_WORDS, PREPOSITION_LETTERS, PRONOUN_GENDER, SUFFIX_GENDER,
                       SUFFIX_GENDERS)

MALE, FEMALE = "male", "female"
KINDS = ("agreement", "cluster", "cue", "pronoun", "suffix", "title")
TITLE_REACH = 3  # tokens scanned back from a name for its title or a verb before it


@dataclass(frozen=True)
class Evidence:
    gender: str  # MALE or FEMALE
    kind: str  # one of KINDS
    token: int  # index of the word that says it


def _variants(word: str) -> list[str]:
    """The word, then the word without each clitic it may carry (ואמרה -> אמרה, כשהוא -> הוא)."""
    out = [word]
    for c in GENDER_CLITICS:
        if word.startswith(c) and len(word) - len(c) >= 2:
            out.append(word[len(c):])
    return out


def _lookup(word: str, masc, fem) -> str | None:
    """The gender of ``word`` in a pair of form sets (its own form first, then without a
    clitic); None when it is in neither or the readings disagree."""
    if word in masc:
        return MALE
    if word in fem:
        return FEMALE
    found = {MALE if v in masc else FEMALE for v in _variants(word)[1:] if v in masc or v in fem}
    return found.pop() if len(found) == 1 else None


def verb_gender(word: str) -> str | None:
    """The gender a speech verb, participle or agreeing adjective is inflected for (אמרה ->
    female, ומוסיף -> male, אמרו / עונה / נאמר -> None)."""
    return _lookup(word, MASCULINE_VERBS, FEMININE_VERBS)


def noun_gender(word: str) -> str | None:
    """The gender of a person noun with two forms (השופטת -> female, דובר -> male)."""
    return _lookup(word, MASCULINE_NOUNS, FEMININE_NOUNS)


def suffix_gender(word: str) -> str | None:
    """לדבריו -> male, לטענתה -> female; None for other words (לדבריהם, לפיה)."""
    m = SUFFIX_GENDER.match(word)
    return SUFFIX_GENDERS[m.group("suffix")] if m else None


def pronoun_gender(word: str) -> str | None:
    """הוא / והוא -> male, היא / כשהיא -> female."""
    found = {PRONOUN_GENDER[v] for v in _variants(word) if v in PRONOUN_GENDER}
    return found.pop() if len(found) == 1 else None


def word_evidence(tokens, i: int, as_cue: bool) -> Evidence | None:
    """What token ``i`` says as the cue or the speaker's mention word (``as_cue``: it is the cue,
    so a verb counts as ``cue``; a mention word counts as a pronoun, a suffix or a title too)."""
    w = tokens[i].norm
    g = suffix_gender(w)
    if g:
        return Evidence(g, "suffix", i)
    g = verb_gender(w)
    if g:
        return Evidence(g, "cue", i)
    if as_cue:
        return None
    g = pronoun_gender(w)
    if g:
        return Evidence(g, "pronoun", i)
    g = noun_gender(w)
    return Evidence(g, "title", i) if g else None


class GenderReader:
    """The evidence of one document: its tokens, entities and quote spans (original offsets)."""

    def __init__(self, tokens, entities, quote_spans):
        self.tokens = tokens
        self.starts = [t.start for t in tokens]
        self.quote_spans = list(quote_spans)
        self.entity_tokens: set[int] = set()
        for e in entities:
            self.entity_tokens.update(self.token_range(e.start, e.end))

    def token_range(self, start: int, end: int) -> range:
        """The tokens that overlap [start, end)."""
        a = max(0, bisect.bisect_right(self.starts, start) - 1)
        if a < len(self.tokens) and self.tokens[a].end <= start:
            a += 1
        b = bisect.bisect_left(self.starts, end)
        return range(a, max(a, b))

    def quoted(self, i: int) -> bool:
        t = self.tokens[i]
        return any(s <= t.start and t.end <= e for s, e in self.quote_spans)

    def span_evidence(self, start: int, end: int, as_cue: bool) -> list[Evidence]:
        found = (word_evidence(self.tokens, i, as_cue) for i in self.token_range(start, end))
        return [ev for ev in found if ev is not None]

    def mention_evidence(self, entity) -> list[Evidence]:
        """Title and agreement around one mention of a person (outside quotations)."""
        rng = self.token_range(entity.start, entity.end)
        if not rng or self.quoted(rng.start):
            return []
        out = self._before(rng.start)
        if not self._oblique(entity, rng.start):
            out += self._after(rng.stop)
        return out

    def _oblique(self, entity, first: int) -> bool:
        """A name after a preposition, של or את (glued or not): not the subject of what follows."""
        ts = entity.token_start if entity.token_start is not None else entity.start
        prefix = self.tokens[first].text[: max(0, entity.start - ts)]
        if set(prefix) & PREPOSITION_LETTERS:
            return True
        return first > 0 and self.tokens[first - 1].norm in OBLIQUE_WORDS

    def _before(self, first: int) -> list[Evidence]:
        """A title before a name, over the words of its complement (השופטת דליה קובל, מנהלת
        המרכז X), and a speech verb right before the name or its title (אומרת ציפורה אנגלמן,
        אומר הסופר ...); within the sentence, stopping at punctuation, quoted words, other
        names and prepositions (השרה פגשה את X says nothing of X)."""
        sent = self.tokens[first].sentence
        i = first - 1
        while i >= max(0, first - TITLE_REACH):
            t = self.tokens[i]
            if t.sentence != sent or t.kind not in ("heb", "abbr") or i in self.entity_tokens or self.quoted(i) \
                    or t.norm in OBLIQUE_WORDS:
                return []
            g = noun_gender(t.norm)
            if g:
                return [Evidence(g, "title", i)] + self._verb_at(i - 1, sent)
            if i == first - 1 and verb_gender(t.norm):
                return self._verb_at(i, sent)
            if verb_gender(t.norm):
                return []
            i -= 1
        return []

    def _verb_at(self, i: int, sent: int) -> list[Evidence]:
        if i < 0 or self.tokens[i].sentence != sent or self.quoted(i) or i in self.entity_tokens:
            return []
        g = verb_gender(self.tokens[i].norm)
        return [Evidence(g, "agreement", i)] if g else []

    def _definite(self, i: int) -> bool:
        """Token ``i`` is a definite noun phrase's head: it has the article (המזכירה) or is in
        construct with a word that has it (מזכירת הקיבוץ)."""
        if self.tokens[i].norm.startswith(ARTICLE):
            return True
        nxt = self.tokens[i + 1] if i + 1 < len(self.tokens) else None
        return nxt is not None and nxt.sentence == self.tokens[i].sentence and nxt.norm.startswith(ARTICLE)

    def _after(self, stop: int) -> list[Evidence]:
        """The word right after a name (a parenthesis skipped): a speech verb or an agreeing
        adjective (נמיר הודיעה, ללקין מודע), or after a comma a definite title (אילנה נחום,
        המזכירה / מזכירת הקיבוץ)."""
        i = stop
        if i < len(self.tokens) and self.tokens[i].text == "(":
            while i < len(self.tokens) and self.tokens[i].text != ")" and i - stop < 6:
                i += 1
            i += 1
        if i >= len(self.tokens) or self.quoted(i):
            return []
        t = self.tokens[i]
        if t.text == "," and i + 1 < len(self.tokens) and not self.quoted(i + 1):
            g = noun_gender(self.tokens[i + 1].norm) if self._definite(i + 1) else None
            return [Evidence(g, "title", i + 1)] if g else []
        g = verb_gender(t.norm) if t.kind == "heb" and i not in self.entity_tokens else None
        return [Evidence(g, "agreement", i)] if g else []


def decide(evidence: list[Evidence]) -> str | None:
    """The one gender all the evidence gives; None without evidence or when it conflicts."""
    genders = {ev.gender for ev in evidence}
    return genders.pop() if len(genders) == 1 else None


def _quote_evidence(reader: GenderReader, q: dict, by_id: dict) -> tuple[bool, list[Evidence]]:
    """(is the speaker a person, the evidence at this quote): the cue's inflection, the mention's
    words and what stands around the person named in the mention; one piece per word (the cue
    first: a cue right after the name is not counted again as agreement)."""
    sp = q["speaker"]
    entity = by_id.get(sp.get("entity"))
    if entity is not None and entity.label != "PER":
        return False, []
    found: list[Evidence] = []
    cue = q.get("cue")
    if cue:
        found += reader.span_evidence(cue["start"], cue["end"], as_cue=True)
    mention = sp.get("mention")
    head = None
    if mention:
        rng = reader.token_range(mention["start"], mention["end"])
        words = [word_evidence(reader.tokens, i, False) for i in rng if i not in reader.entity_tokens]
        found += [ev for ev in words if ev is not None]
        head = next((ev for ev in found if rng and ev.token == rng.start and ev.kind in ("title", "pronoun")), None)
        for e in by_id.values():
            if e.label == "PER" and e.start < mention["end"] and mention["start"] < e.end:
                found += reader.mention_evidence(e)
    out: dict[int, Evidence] = {}
    for ev in found:
        out.setdefault(ev.token, ev)
    return entity is not None or head is not None, list(out.values())


def assign_genders(quotes: list[dict], tokens, entities, cluster_of: dict[str, str]) -> None:
    """Set ``speaker.gender`` (``"female"``, ``"male"`` or None) and ``speaker.gender_from`` (the
    kinds of evidence, None without a gender) on every quote with a speaker, in place."""
    reader = GenderReader(tokens, entities, [(q["start"], q["end"]) for q in quotes])
    by_id = {e.id: e for e in entities}
    pooled: dict[str, list[Evidence]] = {}
    for e in entities:
        if e.label == "PER":
            pooled.setdefault(cluster_of.get(e.id, e.id), []).extend(reader.mention_evidence(e))
    read = []
    for q in quotes:
        sp = q.get("speaker")
        if sp is None:
            continue
        person, local = _quote_evidence(reader, q, by_id)
        key = cluster_of.get(sp["entity"], sp["entity"]) if person and sp.get("entity") else None
        if key is not None:
            pooled.setdefault(key, []).extend(local)
        read.append((sp, person, local, key))
    for sp, person, local, key in read:
        here = {ev.token for ev in local}
        others = [ev for ev in pooled.get(key, []) if ev.token not in here] if key is not None else []
        gender = decide(local + others) if person else None
        kinds = sorted({ev.kind for ev in local} | ({"cluster"} if others else set())) if gender else None
        sp["gender"], sp["gender_from"] = gender, kinds
